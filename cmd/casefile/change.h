/* What the commands that change the member log share (init, member, upgrade, rekey): the
 * signer's identity, the plan applied to the working tree and the clone, and the case files
 * encrypted again under the keys the log assigns them now. */
#ifndef CLI_CHANGE_H
#define CLI_CHANGE_H

#include <stddef.h>

#include "access.h"
#include "identity.h"
#include "mlog.h"

/* Loads the identity at cli_identity_path() (asking for its passphrase, or reading it from
 * pass_file, when it is protected).  0, or an exit code with the reason printed. */
int cli_identity_open(cf_identity **id, const char *pass_file, const char *cmd);

/* The active member of log whose X25519 key is the identity's; prints why not and returns
 * NULL when there is none. */
const cf_mlog_member *cli_member_of(const cf_mlog *log, const cf_identity *id, const char *cmd);

/* The tracked files under cases/ whose staged blob is not what log demands now (old format,
 * another case, a key that is not its case's current one): those `casefile rekey` and a
 * rotation encrypt again.  0 or -1. */
int cli_stale_files(cf_strlist *out, const char *root, const cf_mlog *log);

/* Before stale files are encrypted again: no unstaged change under cases/ (encrypting again
 * stages the working tree's file), and each of them plaintext in the working tree (the
 * filter keeps ciphertext as it is).  0, or an exit code with the reason printed. */
int cli_ready_to_reencrypt(const char *root, const cf_strlist *files, const char *cmd);

/* `git add --renormalize` of files, a batch at a time: the clean filter encrypts each again
 * with the key the log assigns it now.  0 or -1. */
int cli_renormalize(const char *root, const cf_strlist *files);

/* Applies a verified plan: checks that the stale files can be encrypted again (nothing is
 * written otherwise), writes the log to the working tree atomically, installs the new keys
 * in the clone, keeps the log as the clone's copy (and pins it, when it is a genesis), encrypts the
 * stale files again and stages them and the log.  *rekeyed (may be NULL) receives how many files
 * were encrypted again. 0, or an exit code with the reason printed. */
int cli_apply_plan(size_t *rekeyed, const char *root, const char *git_dir,
		   const cf_access_plan *plan, const char *cmd);

/* Prints what a plan sealed and made: "  sealed to bob: the key of case 2026-003". */
void cli_print_plan(const cf_access_plan *plan, const char *cmd);

#endif
