/* lib/protect: what git's filter does with one repository path (DESIGN.md §6), shared by every
 * entry point -- `casefile filter-process`, `clean`, `smudge` and `textconv`.
 *
 * clean (working tree to repository):
 *   a path not under cases/                    unchanged
 *   content that is already a blob              unchanged (a locked clone's working tree holds
 *                                               ciphertext: `git status` stays quiet), if it
 *                                               verifies under its key when the clone holds
 *                                               it (else crypt/tampered), or is a blob the
 *                                               repository already has when it does not
 *                                               (else crypt/no-key: ciphertext someone edited,
 *                                               plaintext appended to it perhaps)
 *   otherwise                                   encrypted with the key access.yaml names for
 *                                               the path; when the clone does not hold it, or
 *                                               access.yaml names none: error crypt/no-key,
 *                                               and nothing comes out (git, with the filter
 *                                               required, then refuses the file)
 * smudge (repository to working tree):
 *   not a blob                                  unchanged
 *   a blob whose key the clone holds            decrypted; tampered: error crypt/tampered,
 *                                               and nothing comes out
 *   a blob whose key the clone does not hold    unchanged (a clone without keys checks out
 *                                               ciphertext)
 * textconv (for `git diff` and `git log -p`):
 *   like smudge, but a blob without its key becomes the one line
 *   "casefile: encrypted with key KEYID, which this clone does not hold"
 *
 * Each of them sets *out and *out_len to the result, which is the input itself, or memory the
 * cf_protect owns -- plaintext in a secure arena -- valid until the next call on it or
 * cf_protect_free, which wipe it.  They return 0, or -1 with one error diagnostic at path
 * (diags must not be NULL, here or in cf_protect_open). */
#ifndef CF_PROTECT_H
#define CF_PROTECT_H

#include <stddef.h>

#include "diag.h"

typedef struct cf_protect cf_protect;

/* Loads the keys the clone holds (GIT_DIR/casefile/keys: cf_keystore_load); fails on a key
 * file or directory others may read (crypt/key-permissions) or a malformed key.  GIT_DIR's
 * object store is opened when clean first needs to know whether it holds a blob.  root is the
 * working tree (NULL in a bare repository: then every clean under cases/ fails); its
 * .casefile/access.yaml is read at the first clean that needs it, so a checkout never depends
 * on it, and read again when it names no key for a path (a clone's first checkout may write
 * it after the filter started).  Needs cf_init.  libgit2 is initialised (git_libgit2_init)
 * only at the first clean that needs the member log or the object store, once, and given
 * back by cf_protect_free: smudge and textconv never start it. */
int cf_protect_open(cf_protect **out, const char *root, const char *git_dir, cf_diags *diags);
void cf_protect_free(cf_protect *p);

/* The directory whose files are stored encrypted: every module asks this one name. */
#define CF_CASES_DIR "cases"

/* True for a repository path that is stored encrypted ("cases/...", in any letter case). */
int cf_protect_is_encrypted_path(const char *path);

int cf_protect_clean(const char **out, size_t *out_len, cf_protect *p, const char *path,
		     const char *in, size_t len, cf_diags *diags);
int cf_protect_smudge(const char **out, size_t *out_len, cf_protect *p, const char *path,
		      const char *in, size_t len, cf_diags *diags);
int cf_protect_textconv(const char **out, size_t *out_len, cf_protect *p, const char *path,
			const char *in, size_t len, cf_diags *diags);

#endif
