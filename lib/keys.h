/* lib/keys: who holds which key (DESIGN.md §6).
 *
 * In the repository (committed, no secret in any of it):
 *   .casefile/access.yaml            which key id encrypts which case:
 *                                      repository_key: 5f2caa37af025893
 *                                      case_keys:
 *                                        2026-003: 9a8b7c6d5e4f3a2b   # a case with its own key
 *   .casefile/members/NAME.pub       a member's public key: one line "casefile-pub-1 BASE64"
 *   .casefile/keys/KEYID/NAME.sealed the key KEYID sealed to NAME (crypto_box_seal of the
 *                                    32-byte secret): one line "casefile-sealed-1 BASE64"
 * In the clone (never committed):
 *   GITDIR/casefile/keys/KEYID.key   the keys this clone holds (cf_key_save format), mode
 *                                    0600 in a directory of mode 0700
 * On the member's machine:
 *   ~/.config/casefile/identity      the member's X25519 identity (CASEFILE_IDENTITY
 *                                    overrides the path, for tests), mode 0600, optionally
 *                                    protected by a passphrase (Argon2id)
 *
 * A case is encrypted with its own key when access.yaml lists one, else with the repository
 * key: an independent reviewer given one case's key reads that case only. */
#ifndef CF_KEYS_H
#define CF_KEYS_H

#include <stddef.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "rules.h"

#define CF_ACCESS_PATH ".casefile/access.yaml"
#define CF_MEMBERS_DIR ".casefile/members"
#define CF_SEALED_DIR ".casefile/keys"
#define CF_PUBKEY_BYTES 32

/* ---- identities ---------------------------------------------------------------------------- */

typedef struct cf_identity cf_identity;

int cf_identity_generate(cf_identity **out);
/* Writes the identity atomically, mode 0600; with a passphrase the secret is protected by
 * Argon2id (passphrase NULL: stored as it is, protected by the file's mode only). */
int cf_identity_save(const cf_identity *id, const char *path, const char *passphrase,
		     size_t passlen, cf_diags *diags);
/* Reads an identity; refuses a file readable by others (crypt/key-permissions), a wrong
 * passphrase (crypt/passphrase).  passphrase may be NULL for an unprotected identity. */
int cf_identity_load(cf_identity **out, const char *path, const char *passphrase, size_t passlen,
		     cf_diags *diags);
/* Is the identity file passphrase-protected?  1, 0, or -1 when it cannot be read. */
int cf_identity_is_protected(const char *path);
const unsigned char *cf_identity_public(const cf_identity *id);
void cf_identity_free(cf_identity *id);
/* The default path: $CASEFILE_IDENTITY, else $HOME/.config/casefile/identity (malloc'd). */
char *cf_identity_default_path(void);

/* "casefile-pub-1 BASE64": the one line `keygen` prints and members/NAME.pub holds. */
void cf_pubkey_format(cf_buf *out, const unsigned char pub[CF_PUBKEY_BYTES]);
int cf_pubkey_parse(unsigned char pub[CF_PUBKEY_BYTES], const char *line);

/* ---- sealing a key to a member ------------------------------------------------------------ */

/* Appends "casefile-sealed-1 BASE64\n": the key's secret sealed to pub (crypto_box_seal). */
int cf_key_seal(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES]);
/* Opens a sealed key with the member's identity; checks it has the expected id. */
int cf_key_unseal(cf_key **out, const char *text, size_t len,
		  const unsigned char expect_id[CF_KEYID_BYTES], const cf_identity *id,
		  const char *path, cf_diags *diags);

/* ---- which key encrypts which case --------------------------------------------------------- */

typedef struct cf_access_case {
	char id[16]; /* the case id, "2026-003" */
	unsigned char key[CF_KEYID_BYTES];
} cf_access_case;

typedef struct cf_access {
	int has_repository_key;
	unsigned char repository_key[CF_KEYID_BYTES];
	cf_access_case *cases;
	size_t n, cap;
} cf_access;

/* Reads ROOT/.casefile/access.yaml; a repository without one has no keys (n 0, no repository
 * key).  A malformed file is an error (crypt/access) naming its line. */
int cf_access_load(cf_access *out, const char *root, cf_diags *diags);
/* Writes it atomically. */
int cf_access_save(const cf_access *a, const char *root);
/* The key id that encrypts a repository path ("cases/2026-003/case.yaml"), or NULL for a
 * path that is not encrypted (not under cases/). */
const unsigned char *cf_access_key_for(const cf_access *a, const char *path);
/* Sets (or replaces) the key of one case. */
int cf_access_set_case(cf_access *a, const char *case_id, const unsigned char key[CF_KEYID_BYTES]);
void cf_access_free(cf_access *a);

/* ---- the keys this clone holds -------------------------------------------------------------- */

/* GITDIR/casefile/keys (malloc'd). */
char *cf_keystore_dir(const char *git_dir);
/* Loads every key of the clone into a keyring (an empty one when there are none).  A key
 * file readable by others is refused (crypt/key-permissions), as is a directory that is. */
int cf_keystore_load(cf_keyring **out, const char *git_dir, cf_diags *diags);
/* Installs a key (mode 0600; creates the directory with mode 0700). */
int cf_keystore_install(const char *git_dir, const cf_key *k, cf_diags *diags);
/* Removes every key file of the clone (lock). */
int cf_keystore_clear(const char *git_dir, cf_diags *diags);

/* ---- added with the implementation ---------------------------------------------------------- */

/* The public key of an identity file, read from its "public" line without the passphrase
 * (cf_identity_load checks it against the secret).  Refuses the modes cf_identity_load does. */
int cf_identity_read_public(unsigned char pub[CF_PUBKEY_BYTES], const char *path, cf_diags *diags);
/* A member name: [A-Za-z0-9._-], 1 to 64 characters, not starting with '.' (it names files).
 * 1 or 0. */
int cf_member_name_valid(const char *name);
/* A case id as access.yaml and the key store accept it: [A-Za-z0-9._-], 1 to 15 characters,
 * not starting with '.'.  1 or 0. */
int cf_access_case_id_valid(const char *id);

extern const cf_rule_info cf_keys_rules[];

#endif
