/* Encryption of case files.
 *
 * Blob layout, format version 2 (what casefile writes; all of it is one git blob):
 *
 *   offset  size  field
 *        0     8  magic "\0CFCRYPT" (the NUL makes git treat the blob as binary)
 *        8     1  format version (2)
 *        9     8  key id (see cf_key_id)
 *       17    24  nonce = BLAKE2b-192, keyed with the nonce subkey, of the case id and the
 *                 plaintext (see below: the derivation)
 *       41     1  L, the length of the case id (1 to 255)
 *       42     L  the case id: the directory under cases/ the file belongs to
 *     42+L     n  XChaCha20-Poly1305-IETF ciphertext, AEAD subkey, the 42+L header bytes
 *                 as associated data, of the padded plaintext: its length as 4 bytes (big
 *                 endian), the plaintext, and zero bytes up to a multiple of
 *                 CF_CRYPT_PAD_BYTES
 *   42+L+n    16  Poly1305 tag
 *
 * The nonce is derived from the case id and the plaintext so that the same file always gives
 * the same blob and git sees no spurious changes; equal files of two cases still differ.  Its
 * input, hashed in this order: the 16 bytes "casefile-blob-2" and its terminating NUL (so no
 * version 2 input is a version 1 one), the byte L, the L bytes of the case id, the plaintext
 * (unpadded).  The case id is in the associated data: a blob copied or moved into another
 * case fails to decrypt there (crypt/tampered).  Being in the clear, it also lets a check
 * without the key compare it with the path (lib/access does, for the server's policy;
 * lib/guard judges only the format).  The padding hides small edits: `died: false` and `died: true`
 * give blobs of one size.
 *
 * Format version 1 (casefile before the signed member log) is read, never written: a 41-byte
 * header (magic, version, key id, nonce over the plaintext alone) and the plain text with no
 * padding, bound to no case.  `casefile rekey` rewrites such files in version 2.
 *
 * Keys: the 32-byte repository secret never encrypts anything itself.  Four subkeys are
 * derived from it with crypto_kdf_derive_from_key (keyed BLAKE2b), each with its own id and
 * context:
 *   1 "cfaead01"  the XChaCha20-Poly1305 key
 *   2 "cfnonce1"  the key of the nonce hash
 *   3 "cfkeyid1"  16 bytes, of which the first 8 are the public key id
 *   4 "cfkeycm1"  32 bytes, the key's commitment: what the member log records beside the
 *                 key id, so that a key unsealed from the log is known to be the key the log
 *                 means (a key id alone is 64 bits)
 * so the key id and the commitment, which are public, reveal nothing about the cipher key.
 *
 * Every function returns 0 on success and a negative cf_crypt_error on failure; functions that
 * take a cf_diags add one diagnostic explaining the failure (diags may be NULL).
 */
#ifndef CF_CRYPT_H
#define CF_CRYPT_H

#include <sodium.h> /* CF_PWHASH_* below are libsodium's limits */
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"

#define CF_KEY_BYTES 32
#define CF_KEYID_BYTES 8
#define CF_KEYID_HEX_BYTES 17 /* 16 hex digits and the NUL */
#define CF_KEY_COMMIT_BYTES 32

#define CF_CRYPT_MAGIC "\0CFCRYPT"
#define CF_CRYPT_MAGIC_BYTES 8
#define CF_CRYPT_VERSION 2    /* the version casefile writes */
#define CF_CRYPT_VERSION_V1 1 /* read only */
#define CF_CRYPT_NONCE_BYTES 24
#define CF_CRYPT_TAG_BYTES 16
/* The fixed part of the header: magic, version, key id, nonce (all of a version 1 header). */
#define CF_CRYPT_HEADER_BYTES 41
#define CF_CRYPT_CASE_MAX 255
#define CF_CRYPT_PAD_BYTES 256
#define CF_CRYPT_LEN_BYTES 4
/* Version 1: header and tag, nothing else (an empty file). */
#define CF_CRYPT_V1_OVERHEAD (CF_CRYPT_HEADER_BYTES + CF_CRYPT_TAG_BYTES)
/* The smallest well-formed blob of either version (a version 1 blob of an empty file); a
 * version 2 blob has at least CF_CRYPT_V2_MIN bytes. */
#define CF_CRYPT_MIN_BLOB CF_CRYPT_V1_OVERHEAD
#define CF_CRYPT_V2_MIN (CF_CRYPT_HEADER_BYTES + 2 + CF_CRYPT_PAD_BYTES + CF_CRYPT_TAG_BYTES)
/* The most a blob of either version adds to its plaintext. */
#define CF_CRYPT_MAX_OVERHEAD                                                                      \
	(CF_CRYPT_HEADER_BYTES + 1 + CF_CRYPT_CASE_MAX + CF_CRYPT_LEN_BYTES + CF_CRYPT_PAD_BYTES - \
	 1 + CF_CRYPT_TAG_BYTES)
/* Case files are small; a cap keeps a hostile blob from making us allocate without bound. */
#define CF_CRYPT_MAX_BLOB ((size_t)64 * 1024 * 1024)
#define CF_CRYPT_MAX_PLAIN (CF_CRYPT_MAX_BLOB - CF_CRYPT_MAX_OVERHEAD)

typedef enum cf_crypt_error {
	CF_CRYPT_ERROR = -1,	     /* out of memory, I/O, libsodium failure */
	CF_CRYPT_ENOTENCRYPTED = -2, /* no casefile header: plaintext or foreign data */
	CF_CRYPT_EFORMAT = -3,	    /* casefile header, but unknown version, truncated, too large */
	CF_CRYPT_ENOKEY = -4,	    /* encrypted with a key the keyring does not hold */
	CF_CRYPT_ETAMPERED = -5,    /* tag or nonce does not verify */
	CF_CRYPT_EPERMISSIONS = -6, /* key file accessible by group or others */
	CF_CRYPT_EKEYFORMAT = -7,   /* malformed key file or export */
	CF_CRYPT_EPASSPHRASE = -8,  /* wrong passphrase (or a changed export) */
} cf_crypt_error;

/* ---- keys ---- */

/* A repository key: the secret and its derived subkeys live in read-only sodium_malloc memory,
 * wiped by cf_key_free. */
typedef struct cf_key cf_key;

int cf_key_generate(cf_key **out);
int cf_key_from_bytes(cf_key **out, const unsigned char secret[CF_KEY_BYTES]);
/* NULL is allowed. */
void cf_key_free(cf_key *k);
/* The 8-byte public key id. */
const unsigned char *cf_key_id(const cf_key *k);
/* The 32-byte secret, for sealing it to a member (crypto_box_seal).  Read-only memory that
 * lives as long as the key: never copy it anywhere that is not wiped. */
const unsigned char *cf_key_secret(const cf_key *k);
/* The key's CF_KEY_COMMIT_BYTES commitment (public: the member log records it). */
const unsigned char *cf_key_commitment(const cf_key *k);

/* Writes 16 lowercase hex digits and a NUL. */
void cf_keyid_hex(char out[CF_KEYID_HEX_BYTES], const unsigned char id[CF_KEYID_BYTES]);
/* Parses exactly 16 hex digits; -1 for anything else. */
int cf_keyid_parse(unsigned char id[CF_KEYID_BYTES], const char *hex);

/* Key file (.git/casefile/KEYID.key), three lines of text:
 *   casefile-key 1
 *   id 0123456789abcdef
 *   secret <base64 of the 32-byte secret>
 * Saving is atomic (0600 temp file in the same directory, fsync, rename, fsync of the directory)
 * and replaces an existing file.  Failures: crypt/key-io. */
int cf_key_save(const cf_key *k, const char *path, cf_diags *diags);
/* Refuses a file that group or others may read or write (crypt/key-permissions, with a chmod
 * hint), a malformed file or one whose id does not match its secret (crypt/key-format, with the
 * line), and I/O failures (crypt/key-io). */
int cf_key_load(cf_key **out, const char *path, cf_diags *diags);

/* Passphrase backup of a key, as text:
 *   casefile-key-export 1
 *   id 0123456789abcdef
 *   salt <base64, 16 bytes>
 *   opslimit N
 *   memlimit N
 *   box <base64 of a 24-byte nonce and crypto_secretbox of the secret>
 * The box key is Argon2id13 (crypto_pwhash) of the passphrase; export uses the MODERATE
 * limits (CF_PWHASH_OPSLIMIT, CF_PWHASH_MEMLIMIT: a file that leaves the machine must stand
 * an offline guess), import accepts any limits up to SENSITIVE.  Export appends to out and
 * uses a fresh random salt and nonce, so two exports of one key differ.  A passphrase
 * shorter than CF_PASSPHRASE_MIN characters is refused (CF_CRYPT_EPASSPHRASE). */
#define CF_PWHASH_OPSLIMIT crypto_pwhash_OPSLIMIT_MODERATE
#define CF_PWHASH_MEMLIMIT crypto_pwhash_MEMLIMIT_MODERATE
#define CF_PASSPHRASE_MIN 12
/* 1 when the passphrase is long enough to protect an offline file (CF_PASSPHRASE_MIN
 * characters, a UTF-8 sequence counting as one), else 0. */
int cf_passphrase_acceptable(const char *passphrase, size_t passlen);
int cf_key_export_passphrase(cf_buf *out, const cf_key *k, const char *passphrase, size_t passlen);
/* path only names the export in diagnostics.  Wrong passphrase: crypt/passphrase; malformed
 * text: crypt/key-format. */
int cf_key_import_passphrase(cf_key **out, const char *text, size_t len, const char *path,
			     const char *passphrase, size_t passlen, cf_diags *diags);

/* ---- keyrings ---- */

typedef struct cf_keyring cf_keyring;

int cf_keyring_new(cf_keyring **out);
/* Takes ownership of k, also when it fails (then k is freed).  Adding a key the ring already
 * holds frees the duplicate and succeeds; a different secret with the same id fails. */
int cf_keyring_add(cf_keyring *ring, cf_key *k);
/* NULL when the ring (which may be NULL) holds no key with that id. */
const cf_key *cf_keyring_find(const cf_keyring *ring, const unsigned char id[CF_KEYID_BYTES]);
size_t cf_keyring_len(const cf_keyring *ring);
/* The i-th key in the order added; NULL past the end. */
const cf_key *cf_keyring_at(const cf_keyring *ring, size_t i);
/* NULL is allowed. */
void cf_keyring_free(cf_keyring *ring);

/* ---- blobs ---- */

/* The case id a repository path belongs to: the name after "cases/" (in any letter case, as
 * cf_protect_is_encrypted_path reads it) up to the next '/'; NULL (and *n 0) for a path that
 * is not under cases/ or whose name is longer than CF_CRYPT_CASE_MAX. */
const char *cf_crypt_case_of_path(const char *path, size_t *n);

/* Appends the version 2 blob of plain, for the file at path (a repository path under cases/:
 * its case id goes into the blob), to out.  plain must not point into out.  The padded
 * plaintext is built in scratch, a secure arena the caller resets (wipes) when it likes, or,
 * when scratch is NULL, in sodium_malloc memory freed before it returns.
 * CF_CRYPT_EFORMAT when len > CF_CRYPT_MAX_PLAIN or path names no case, CF_CRYPT_ERROR when
 * memory runs out. */
int cf_crypt_encrypt(cf_buf *out, const cf_key *k, const char *path, const void *plain, size_t len,
		     cf_arena *scratch);
/* Appends the version 1 blob of plain: what a casefile before format version 2 made of it.
 * Never used for new content; only to tell whether a working-tree file is what an old blob
 * holds (an un-upgraded repository is read-only) and by tests that build old repositories. */
int cf_crypt_encrypt_v1(cf_buf *out, const cf_key *k, const void *plain, size_t len);
/* 1 when data has the magic, a version this build reads and the shape of that version
 * (room for header and tag; for version 2 a case id and a padded body); else 0.  A guard
 * that must keep plaintext out of git should ask this, not just look for the magic. */
int cf_crypt_is_blob(const void *data, size_t len);
/* The format version of a blob (cf_crypt_is_blob must hold); 0 when it does not. */
int cf_crypt_blob_version(const void *data, size_t len);
/* The key id of a blob (cf_crypt_is_blob must hold); -1 when it does not. */
int cf_crypt_blob_keyid(unsigned char id[CF_KEYID_BYTES], const void *data, size_t len);
/* The case id a version 2 blob was made for: a pointer into data and its length; -1 for a
 * version 1 blob or anything that is not a blob. */
int cf_crypt_blob_case(const char **case_id, size_t *n, const void *data, size_t len);
/* The bytes before the ciphertext: 41 for version 1, 42 + L for version 2 (cf_crypt_is_blob
 * must hold; 0 when it does not). */
size_t cf_crypt_blob_header_len(const void *data, size_t len);
/* Decrypts blob into the caller's arena (use a secure arena), NUL-terminated; path names the
 * file in diagnostics and, when it is a repository path under cases/, is the case a version 2
 * blob must have been made for.  On failure *plain is NULL and nothing of the plaintext
 * remains readable; the arena may have grown.  Outcomes, each with one diagnostic at path:0:0:
 *   CF_CRYPT_ENOTENCRYPTED crypt/format    no casefile header -- the data is NOT ciphertext;
 *                                          callers must not treat it as decrypted silently
 *   CF_CRYPT_EFORMAT       crypt/format    unknown version, truncated, over CF_CRYPT_MAX_BLOB
 *   CF_CRYPT_ENOKEY        crypt/no-key    ring is NULL or lacks the blob's key id
 *   CF_CRYPT_ETAMPERED     crypt/tampered  the tag does not verify, the nonce is not the
 *                                          keyed hash of the content, the padding is not
 *                                          casefile's (a crafted blob), or a version 2 blob
 *                                          was made for another case than path's
 *   CF_CRYPT_ERROR         crypt/memory    the arena could not grow */
int cf_crypt_decrypt(char **plain, size_t *plain_len, cf_arena *arena, const cf_keyring *ring,
		     const void *blob, size_t len, const char *path, cf_diags *diags);

#endif
