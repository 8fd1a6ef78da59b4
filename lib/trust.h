/* lib/trust: which member log a clone believes, and since when.
 *
 * A clone keeps, in its git directory (never committed):
 *   casefile/trust        the pin: "casefile-trust 1" and "genesis HASH", the hash of the
 *                         member log's first entry -- the repository's fingerprint -- as
 *                         `casefile init`, `unlock` or `upgrade` first saw it
 *   casefile/members.log  the newest log this clone has verified
 *
 * "The log now" is the newest of every copy the clone can see: that kept copy, the working
 * tree's, the index's, and those of HEAD, MERGE_HEAD, every branch and every remote-tracking
 * branch (so that a clone that fetched a rotation encrypts with the new keys at once, even in
 * the middle of the merge that brings the rotation in).  Every copy must descend from the pin
 * and be a prefix of the newest: a copy that forks from it, rolls it back below what the clone
 * kept, or does not verify is crypt/untrusted and nothing is encrypted until it is resolved.
 * Only the newest copy needs verifying; the others are byte prefixes of it. */
#ifndef CF_TRUST_H
#define CF_TRUST_H

#include <git2.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "identity.h"
#include "mlog.h"

#define CF_TRUST_PIN_FILE "casefile/trust"
#define CF_TRUST_LOG_FILE "casefile/members.log"

typedef struct cf_trust_pin {
	int pinned;
	unsigned char genesis[CF_HASH_BYTES];
} cf_trust_pin;

/* Reads GIT_DIR/casefile/trust: 0 (pinned 0 when there is none), or -1 for a file that is
 * not one (crypt/untrusted). */
int cf_trust_pin_load(cf_trust_pin *out, const char *git_dir, cf_diags *diags);
/* Pins log's first entry (atomically; GIT_DIR/casefile made 0700 when missing). */
int cf_trust_pin_save(const char *git_dir, const cf_mlog *log, cf_diags *diags);

/* One copy of the log: where it was found (for messages) and its bytes. */
typedef struct cf_trust_copy {
	char *where;
	char *text; /* NULL: that place has no log */
	size_t len;
} cf_trust_copy;

typedef struct cf_trust_copies {
	cf_trust_copy *items;
	size_t n, cap;
} cf_trust_copies;

/* Adds a copy (the bytes are copied). */
int cf_trust_copies_add(cf_trust_copies *c, const char *where, const char *text, size_t len);
/* Every copy of the log the clone can see (see above): repo may be NULL (then only the kept
 * copy and, when root is not NULL, the working tree's).  0 or -1 (source/read). */
int cf_trust_collect(cf_trust_copies *out, git_repository *repo, const char *root,
		     const char *git_dir, cf_diags *diags);
/* What was published: the kept copy of git_dir (NULL: none) and the log of every ref whose
 * name starts with prefix ("refs/heads/" on the shared repository, "refs/remotes/" in a
 * clone).  0 or -1. */
int cf_trust_collect_refs(cf_trust_copies *out, git_repository *repo, const char *git_dir,
			  const char *prefix, cf_diags *diags);
/* Adds the log of one revision (a commit id or a ref name; none when it has no log). */
int cf_trust_collect_rev(cf_trust_copies *out, git_repository *repo, const char *rev,
			 cf_diags *diags);
void cf_trust_copies_free(cf_trust_copies *c);

/* The newest copy, loaded and verified: *out NULL when no copy holds a log.  Every copy must
 * be a prefix of it and, when pin is pinned, descend from the pin.  0, or -1 with a
 * crypt/untrusted error naming the copy. */
int cf_trust_newest(cf_mlog **out, const cf_trust_copies *copies, const cf_trust_pin *pin,
		    cf_diags *diags);
/* Keeps log as the clone's copy when it is longer than the one kept: 1 written, 0 not
 * needed, -1 failed. */
int cf_trust_remember(const char *git_dir, const cf_mlog *log, cf_diags *diags);

/* All of it: the pin, the copies, the newest (kept when remember is set).  *pin_out (may be
 * NULL) receives the pin. */
int cf_trust_current(cf_mlog **out, cf_trust_pin *pin_out, git_repository *repo, const char *root,
		     const char *git_dir, int remember, cf_diags *diags);

#endif
