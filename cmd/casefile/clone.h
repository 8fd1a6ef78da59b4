/* What the commands that manage keys and the clone share (keygen, key, unlock, lock, member,
 * init): running git, finding the clone and its git directory, reading a passphrase, and
 * checking that what git holds under cases/ is ciphertext. */
#ifndef CF_CLONE_H
#define CF_CLONE_H

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "keys.h"
#include "mlog.h"
#include "strlist.h"
#include "trust.h"

/* "2026-12-05T10:11:12Z" and the NUL. */
#define CLI_DATE_BYTES 21

int cli_git(cf_buf *out, const char *dir, int quiet, const char *const *args);
int cli_git_paths(const char *dir, const char *const *args, const cf_strlist *paths);
int cli_gitv(cf_buf *out, const char *dir, int quiet, ...) __attribute__((sentinel));
int cli_key_error(const char *cmd, int rc, const char *rule, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int cli_key_diags(const cf_diags *d, int rc);
int cli_load_log_keys(cf_mlog **log, cf_trust_pin *pin, cf_keyring **ring, const char *root,
		      const char *git_dir, int remember, cf_diags *diags);
/* The identity's path: $CASEFILE_IDENTITY, else $HOME/.config/casefile/identity (malloc'd). */
char *cli_identity_path(void);
/* Now, in UTC, as the member log writes dates. */
void cli_utc_now(char out[CLI_DATE_BYTES]);
int cli_open_clone(char **root, char **git_dir, const char *cmd);
int cli_passphrase(char **pass, size_t *len, const char *file, const char *prompt, int confirm,
		   const char *cmd);
void cli_passphrase_free(char *pass);
int cli_check_staged(const char *root, const cf_mlog *log, const cf_strlist *prefixes,
		     const char *cmd);
int cli_worktree_blob(unsigned char id[CF_KEYID_BYTES], const char *path);
/* Makes root's cases/ directory its owner's only (its mode without the group's and others'
 * bits), so that the plaintext files under it are out of other users' reach whatever modes
 * git gives them (the umask).  0 (also when there is no cases/ directory), or -1 (errno). */
int cli_cases_private(const char *root);
int cli_cases_changes(cf_buf *out, const char *root, int untracked);
int cli_index_plaintext(cf_strlist *out, const char *root);
int cli_list_tracked(cf_strlist *out, const char *root, const char *pathspec);
int cli_describe_key(cf_buf *out, const cf_mlog *log, const unsigned char id[CF_KEYID_BYTES]);
int cli_filter_configured(const char *root);
int cli_list_names(cf_strlist *out, const char *dir, const char *suffix);
int cli_read_pubkey(cf_pubkeys *pub, const char *arg);

#endif
