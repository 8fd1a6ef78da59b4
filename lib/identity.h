/* lib/identity: a member's identity -- the X25519 key pair keys are sealed to, and the Ed25519
 * key pair that signs entries of the member log -- its file, its public line and its
 * fingerprint.
 *
 * The identity file (~/.config/casefile/identity by default; cmd/ chooses the path), mode
 * 0600, one "name value" line each after the head line:
 *   casefile-identity 2
 *   public <base64 of the X25519 public key>
 *   sign-public <base64 of the Ed25519 public key>
 *   secret <base64 of the X25519 secret and the 32-byte Ed25519 seed>
 * or, protected by a passphrase (Argon2id, CF_PWHASH_OPSLIMIT/MEMLIMIT), instead of secret:
 *   salt <base64, 16 bytes>
 *   opslimit N
 *   memlimit N
 *   box <base64 of a 24-byte nonce and crypto_secretbox of the 64 secret bytes>
 * Version 1 (casefile before the member log) has no sign-public line and 32 secret bytes; it
 * still loads, cannot sign, and `casefile keygen --upgrade` adds a signing key to it in
 * place (cf_identity_add_signing), keeping the X25519 pair so that every key sealed to it
 * still opens.
 *
 * The public line a member gives to an administrator:
 *   casefile-pub-2 <base64 of the X25519 and the Ed25519 public keys> <fingerprint>
 * (version 1: "casefile-pub-1 <base64 of the X25519 key>", no signing key).  The fingerprint is
 * 16 characters of Crockford's base32 in groups of four, "K7QM-3XPA-9D2F-WBNC": the first 80
 * bits of BLAKE2b-256 of both public keys, short enough to read aloud over the telephone and
 * compare.  A line that carries one must carry the right one. */
#ifndef CF_IDENTITY_H
#define CF_IDENTITY_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define CF_PUBKEY_BYTES 32
#define CF_SIGNPUB_BYTES 32
#define CF_SIGNATURE_BYTES 64
#define CF_HASH_BYTES 32
/* "XXXX-XXXX-XXXX-XXXX" and the NUL. */
#define CF_FINGERPRINT_BYTES 20

/* A member's public keys: what the member log records of them. */
typedef struct cf_pubkeys {
	unsigned char box[CF_PUBKEY_BYTES];
	unsigned char sign[CF_SIGNPUB_BYTES];
	int has_sign; /* a version 1 identity has no signing key */
} cf_pubkeys;

typedef struct cf_identity cf_identity;

/* A new identity of both key pairs. */
int cf_identity_generate(cf_identity **out);
/* Gives a version 1 identity a signing key: 1 done, 0 it had one, -1 out of memory. */
int cf_identity_add_signing(cf_identity *id);
/* Writes the identity atomically, mode 0600 (its directory made 0700 when missing); with a
 * passphrase the secret is protected by Argon2id (passphrase NULL: stored as it is,
 * protected by the file's mode only).  A passphrase shorter than CF_PASSPHRASE_MIN characters
 * is refused (crypt/passphrase).  Writes version 2, or version 1 for an identity that cannot
 * sign. */
int cf_identity_save(const cf_identity *id, const char *path, const char *passphrase,
		     size_t passlen, cf_diags *diags);
/* Reads an identity; refuses a file readable by others (crypt/key-permissions), a wrong
 * passphrase (crypt/passphrase), and a file that is empty, truncated or malformed
 * (crypt/key-format, naming the line).  passphrase may be NULL for an unprotected one. */
int cf_identity_load(cf_identity **out, const char *path, const char *passphrase, size_t passlen,
		     cf_diags *diags);
/* Is the identity file passphrase-protected?  1, 0, or -1 when it cannot be read. */
int cf_identity_is_protected(const char *path);
/* The public keys of an identity file, read without the passphrase (cf_identity_load checks
 * them against the secret).  Refuses what cf_identity_load refuses but a wrong passphrase. */
int cf_identity_read_public(cf_pubkeys *out, const char *path, cf_diags *diags);
const cf_pubkeys *cf_identity_public(const cf_identity *id);
int cf_identity_can_sign(const cf_identity *id);
/* Signs msg (detached Ed25519); -1 when the identity cannot sign. */
int cf_identity_sign(const cf_identity *id, unsigned char sig[CF_SIGNATURE_BYTES], const void *msg,
		     size_t len);
/* Opens a crypto_box_seal'd message to this identity into out (n - crypto_box_SEALBYTES
 * bytes); 0, or -1 when it was sealed to another key or changed. */
int cf_identity_unseal(const cf_identity *id, unsigned char *out, const unsigned char *sealed,
		       size_t n);
void cf_identity_free(cf_identity *id);

/* 1 when sig is pub's signature of msg, else 0. */
int cf_signature_valid(const unsigned char pub[CF_SIGNPUB_BYTES],
		       const unsigned char sig[CF_SIGNATURE_BYTES], const void *msg, size_t len);

/* The public line (no newline): casefile-pub-2 with the fingerprint, or casefile-pub-1 for
 * keys without a signing key. */
void cf_pubkeys_format(cf_buf *out, const cf_pubkeys *pk);
/* Parses a public line (surrounding blanks and one trailing newline allowed): 0, or -1 for
 * anything else, a fingerprint that is not the keys' among them. */
int cf_pubkeys_parse(cf_pubkeys *out, const char *line);
/* The keys' fingerprint. */
void cf_pubkeys_fingerprint(char out[CF_FINGERPRINT_BYTES], const cf_pubkeys *pk);
/* The fingerprint of a hash (a member log's first entry: the repository's fingerprint). */
void cf_fingerprint_of_hash(char out[CF_FINGERPRINT_BYTES],
			    const unsigned char hash[CF_HASH_BYTES]);
/* 1 when text, as a person may type it (any letter case, with or without the dashes or with
 * blanks, O for 0, I and L for 1), is the fingerprint fp; else 0. */
int cf_fingerprint_matches(const char *fp, const char *text);

/* A member name: [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'.  1 or 0. */
int cf_member_name_valid(const char *name);

#endif
