/* What the commands that manage keys and the clone share (keygen, key, unlock, lock, member,
 * init): running git, finding the clone and its git directory, reading a passphrase, and
 * checking that what git holds under cases/ is ciphertext. */
#ifndef CF_CLONE_H
#define CF_CLONE_H

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "keys.h"
#include "strlist.h"

int cli_git(cf_buf *out, const char *dir, int quiet, const char *const *args);
int cli_git_paths(const char *dir, const char *const *args, const cf_strlist *paths);
int cli_gitv(cf_buf *out, const char *dir, int quiet, ...) __attribute__((sentinel));
int cli_key_error(const char *cmd, int rc, const char *rule, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int cli_key_diags(const cf_diags *d, int rc);
int cli_load_access_keys(cf_access *a, cf_keyring **ring, const char *root, const char *git_dir,
			 cf_diags *diags);
int cli_open_clone(char **root, char **git_dir, const char *cmd);
int cli_passphrase(char **pass, size_t *len, const char *file, const char *prompt, int confirm,
		   const char *cmd);
void cli_passphrase_free(char *pass);
int cli_check_staged(const char *root, const cf_access *a, const cf_strlist *prefixes,
		     const char *cmd);
int cli_worktree_blob(unsigned char id[CF_KEYID_BYTES], const char *path);
int cli_cases_changes(cf_buf *out, const char *root, int untracked);
int cli_index_plaintext(cf_strlist *out, const char *root);
int cli_list_tracked(cf_strlist *out, const char *root, const char *pathspec);
int cli_describe_key(cf_buf *out, const cf_access *a, const unsigned char id[CF_KEYID_BYTES]);
int cli_filter_configured(const char *root);
int cli_list_names(cf_strlist *out, const char *dir, const char *suffix);
int cli_read_pubkey(unsigned char pub[CF_PUBKEY_BYTES], const char *path);
int cli_write_pubfile(const char *root, const char *name, const unsigned char pub[CF_PUBKEY_BYTES]);
int cli_seal_to(const char *root, const cf_key *k, const char *name,
		const unsigned char pub[CF_PUBKEY_BYTES]);

#endif
