/* lib/keys: keys sealed to members, and the keys a clone holds.
 *
 * A sealed key is one line "casefile-sealed-1 BASE64": crypto_box_seal of the 32-byte secret
 * to a member's X25519 public key.  The member log (lib/mlog) carries them, signed.
 *
 * In the clone (never committed):
 *   GITDIR/casefile/keys/KEYID.key   the keys this clone holds (cf_key_save format), mode
 *                                    0600 in a directory of mode 0700
 */
#ifndef CF_KEYS_H
#define CF_KEYS_H

#include <stddef.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "identity.h"
#include "rules.h"

/* The bytes of a sealed key, and of its text without the head and newline. */
#define CF_SEALED_BYTES (48 + CF_KEY_BYTES)
#define CF_SEALED_B64_LEN 108

/* ---- sealing a key to a member ------------------------------------------------------------ */

/* Appends "casefile-sealed-1 BASE64\n": the key's secret sealed to pub (crypto_box_seal). */
int cf_key_seal(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES]);
/* Appends the BASE64 alone (no head, no newline). */
int cf_key_seal_b64(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES]);
/* Opens a sealed key (the line, or the BASE64 alone) with the member's identity; checks it
 * has the expected id (expect_id may be NULL) and, when expect_commit is not NULL, that
 * commitment (crypt/sealed otherwise). */
int cf_key_unseal(cf_key **out, const char *text, size_t len,
		  const unsigned char expect_id[CF_KEYID_BYTES], const unsigned char *expect_commit,
		  const cf_identity *id, const char *path, cf_diags *diags);

/* ---- the keys this clone holds -------------------------------------------------------------- */

/* GITDIR/casefile/keys (malloc'd). */
char *cf_keystore_dir(const char *git_dir);
/* Loads every key of the clone into a keyring (an empty one when there are none).  A key
 * file readable by others is refused (crypt/key-permissions), as is a directory that is. */
int cf_keystore_load(cf_keyring **out, const char *git_dir, cf_diags *diags);
/* Installs a key (mode 0600; creates the directory with mode 0700). */
int cf_keystore_install(const char *git_dir, const cf_key *k, cf_diags *diags);
/* Removes every key file of the clone (lock), each overwritten with zeros and synced first,
 * so that the secret does not stay in the freed blocks of a file system that keeps them. */
int cf_keystore_clear(const char *git_dir, cf_diags *diags);

extern const cf_rule_info cf_keys_rules[];

#endif
