/* lib/policy: what a commit may add, judged from the member log with public keys only -- the
 * same in pre-commit, pre-merge-commit and pre-push (with the clone's log) and in the shared
 * repository's pre-receive hook (with the newest log its refs hold), and in `casefile doctor`
 * over the whole history.
 *
 * For every commit of a range, oldest first:
 *   - its .casefile/members.log verifies (lib/mlog), and extends the log of each parent that
 *     had one: entries are only ever appended, never changed, removed or forked
 *     (crypt/untrusted);
 *   - once a commit has a log, it adds no file of the layout before it (.casefile/access.yaml,
 *     members/, keys/), which nothing reads any more and which could only mislead
 *     (crypt/untrusted);
 *   - every file under cases/ that it adds or changes -- a blob at a path that no parent has at
 *     that path -- is ciphertext of format 2, made for the case its path is in (else
 *     crypt/tampered: moved or copied from another case), under the key that the commit's own
 *     log, or the published log, assigns to that case; and never under a key the published
 *     log has retired (crypt/policy): a clone that missed a rotation cannot hand its edits to
 *     a removed member.  "Published" is the newest log the receiving side had before: the
 *     shared repository's branches for pre-receive, the remote-tracking branches for
 *     pre-push.  A push of several rotations at once is fine -- each commit's files are under
 *     the keys current in its own log, which nobody had retired when they were made.  Importing a
 * whole history into an empty repository (`import`) accepts retired keys, since there every old
 * commit is "new". Commits made before the repository had a log are left to lib/guard's plaintext
 * check. */
#ifndef CF_POLICY_H
#define CF_POLICY_H

#include <git2.h>

#include "diag.h"
#include "guard.h"
#include "mlog.h"
#include "rules.h"

/* 0 when every commit of range keeps the policy, 1 when one does not (diagnostics added, each
 * naming its commit), -1 when the history cannot be read, -2 out of memory.  newest is the
 * published log; it may be NULL (none published: each commit is judged by its own log). */
int cf_policy_commits(git_repository *repo, const cf_guard_range *range, const cf_mlog *newest,
		      int import, cf_diags *diags);

/* The same for what the index would commit: its log against HEAD's, and each entry under
 * cases/ that differs from HEAD's (and, in a merge, from MERGE_HEAD's).  0, 1, -1, -2. */
int cf_policy_index(git_repository *repo, const cf_mlog *newest, cf_diags *diags);

/* crypt/policy. */
extern const cf_rule_info cf_policy_rules[];

#endif
