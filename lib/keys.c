#include "keys.h"
#include "keytext.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define SEALED_HEAD "casefile-sealed-1 "
#define SEALED_BYTES (crypto_box_SEALBYTES + CF_KEY_BYTES)

/* ---- small helpers ---- */

/* The length of s without trailing spaces, tabs, CR and LF. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* ---- sealing ---- */

int cf_key_seal_b64(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES])
{
	unsigned char sealed[SEALED_BYTES];
	char b64[sodium_base64_ENCODED_LEN(SEALED_BYTES, B64)];
	if (crypto_box_seal(sealed, cf_key_secret(k), CF_KEY_BYTES, pub) != 0)
		return CF_CRYPT_ERROR;
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed), B64);
	cf_buf_puts(out, b64);
	return cf_buf_oom(out) ? CF_CRYPT_ERROR : 0;
}

int cf_key_seal(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES])
{
	cf_buf_puts(out, SEALED_HEAD);
	if (cf_key_seal_b64(out, k, pub) != 0)
		return CF_CRYPT_ERROR;
	cf_buf_putc(out, '\n');
	return cf_buf_oom(out) ? CF_CRYPT_ERROR : 0;
}

int cf_key_unseal(cf_key **out, const char *text, size_t len,
		  const unsigned char expect_id[CF_KEYID_BYTES], const unsigned char *expect_commit,
		  const cf_identity *id, const char *path, cf_diags *diags)
{
	*out = NULL;
	size_t hl = strlen(SEALED_HEAD);
	size_t n = text ? trimmed_len(text, len) : 0;
	unsigned char sealed[SEALED_BYTES];
	if (n > hl && memcmp(text, SEALED_HEAD, hl) == 0) {
		text += hl;
		n -= hl;
	}
	if (n == 0 || memchr(text, '\n', n) ||
	    cf_keytext_b64(sealed, sizeof(sealed), text, n) != 0) {
		cf_keytext_diag(
		    diags, path, 1, "crypt/key-format",
		    "not a sealed key: the file must be one line 'casefile-sealed-1 BASE64'");
		return CF_CRYPT_EKEYFORMAT;
	}
	unsigned char *secret = sodium_malloc(CF_KEY_BYTES);
	if (!secret) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while opening a sealed key");
		return CF_CRYPT_ERROR;
	}
	if (cf_identity_unseal(id, secret, sealed, sizeof(sealed)) != 0) {
		sodium_free(secret);
		cf_diag *d =
		    cf_keytext_diag(diags, path, 0, "crypt/sealed",
				    "the sealed key cannot be opened with your identity (it was "
				    "sealed to another public key, or changed)");
		cf_diag_hint(diags, d,
			     "ask an administrator to run `casefile member add` with your public "
			     "key");
		return CF_CRYPT_ENOKEY;
	}
	cf_key *k;
	int rc = cf_key_from_bytes(&k, secret);
	sodium_free(secret);
	if (rc != 0) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while opening a sealed key");
		return rc;
	}
	if ((expect_id && sodium_memcmp(cf_key_id(k), expect_id, CF_KEYID_BYTES) != 0) ||
	    (expect_commit &&
	     sodium_memcmp(cf_key_commitment(k), expect_commit, CF_KEY_COMMIT_BYTES) != 0)) {
		char hex[CF_KEYID_HEX_BYTES], want[CF_KEYID_HEX_BYTES] = "";
		cf_keyid_hex(hex, cf_key_id(k));
		if (expect_id)
			cf_keyid_hex(want, expect_id);
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/sealed",
				     "the sealed key is not the key %s it is recorded as (it opens "
				     "to key %s, or one of another commitment): a forged seal",
				     want, hex);
		cf_key_free(k);
		return CF_CRYPT_EKEYFORMAT;
	}
	*out = k;
	return 0;
}

/* ---- the key store ---- */

char *cf_keystore_dir(const char *git_dir)
{
	return cf_path_join(git_dir, "casefile/keys");
}

/* NAME.key where NAME is 16 lowercase hex digits: the id (into id when non-NULL). */
static int keyfile_name(const char *name, unsigned char *id)
{
	unsigned char tmp[CF_KEYID_BYTES];
	size_t n = strlen(name);
	if (n != 2 * CF_KEYID_BYTES + 4 || strcmp(name + 2 * CF_KEYID_BYTES, ".key") != 0)
		return 0;
	char hex[CF_KEYID_HEX_BYTES];
	memcpy(hex, name, 2 * CF_KEYID_BYTES);
	hex[2 * CF_KEYID_BYTES] = '\0';
	if (strspn(hex, "0123456789abcdef") != 2 * CF_KEYID_BYTES || cf_keyid_parse(tmp, hex) != 0)
		return 0;
	if (id)
		memcpy(id, tmp, CF_KEYID_BYTES);
	return 1;
}

/* 1 when the store's directory exists and may be used, 0 when it does not exist, or a
 * negative cf_crypt_error with a diagnostic. */
static int store_check(const char *dir, cf_diags *diags)
{
	struct stat st;
	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		cf_keytext_errno(diags, dir, "cannot read the key store", errno);
		return CF_CRYPT_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		cf_keytext_diag(diags, dir, 0, "crypt/key-io", "the key store is not a directory");
		return CF_CRYPT_ERROR;
	}
	if (st.st_mode & 077) {
		cf_keytext_loose_mode(diags, dir, "key store directory", st.st_mode, "700");
		return CF_CRYPT_EPERMISSIONS;
	}
	return 1;
}

int cf_keystore_load(cf_keyring **out, const char *git_dir, cf_diags *diags)
{
	*out = NULL;
	char *dir = cf_keystore_dir(git_dir);
	cf_keyring *ring = NULL;
	DIR *d = NULL;
	int rc = CF_CRYPT_ERROR;
	if (!dir || cf_keyring_new(&ring) != 0) {
		cf_keytext_diag(diags, git_dir, 0, "crypt/key-io",
				"out of memory while loading keys");
		goto out;
	}
	int st = store_check(dir, diags);
	if (st <= 0) {
		rc = st;
		goto out;
	}
	d = opendir(dir);
	if (!d) {
		cf_keytext_errno(diags, dir, "cannot read the key store", errno);
		goto out;
	}
	rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		unsigned char id[CF_KEYID_BYTES];
		if (!keyfile_name(e->d_name, id))
			continue;
		char *path = cf_path_join(dir, e->d_name);
		cf_key *k = NULL;
		int r = path ? cf_key_load(&k, path, diags) : CF_CRYPT_ERROR;
		if (r == 0 && sodium_memcmp(cf_key_id(k), id, CF_KEYID_BYTES) != 0) {
			cf_keytext_diag(diags, path, 0, "crypt/key-format",
					"the key file's name is not the id of the key it holds");
			cf_key_free(k);
			r = CF_CRYPT_EKEYFORMAT;
		} else if (r == 0 && cf_keyring_add(ring, k) != 0) {
			cf_keytext_diag(diags, path, 0, "crypt/key-io",
					"out of memory while loading keys");
			r = CF_CRYPT_ERROR;
		}
		free(path);
		if (r != 0 && rc == 0)
			rc = r;
	}
out:
	if (d)
		closedir(d);
	free(dir);
	if (rc < 0) {
		cf_keyring_free(ring);
		return rc;
	}
	*out = ring;
	return 0;
}

int cf_keystore_install(const char *git_dir, const cf_key *k, cf_diags *diags)
{
	char *top = cf_path_join(git_dir, "casefile");
	char *dir = cf_keystore_dir(git_dir);
	char hex[CF_KEYID_HEX_BYTES + 4];
	char *path = NULL;
	int rc = CF_CRYPT_ERROR;
	if (!top || !dir) {
		cf_keytext_diag(diags, git_dir, 0, "crypt/key-io",
				"out of memory while installing a key");
		goto out;
	}
	if (!cf_is_dir(git_dir)) {
		cf_keytext_diag(diags, git_dir, 0, "crypt/key-io",
				"the git directory does not exist");
		goto out;
	}
	if (!cf_is_dir(top) && mkdir(top, 0700) != 0 && errno != EEXIST) {
		cf_keytext_errno(diags, top, "cannot create the key store", errno);
		goto out;
	}
	if (!cf_is_dir(dir) && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cf_keytext_errno(diags, dir, "cannot create the key store", errno);
		goto out;
	}
	int st = store_check(dir, diags);
	if (st <= 0) {
		if (st == 0)
			cf_keytext_diag(diags, dir, 0, "crypt/key-io", "the key store vanished");
		rc = st < 0 ? st : CF_CRYPT_ERROR;
		goto out;
	}
	cf_keyid_hex(hex, cf_key_id(k));
	memcpy(hex + 2 * CF_KEYID_BYTES, ".key", 5);
	path = cf_path_join(dir, hex);
	if (!path) {
		cf_keytext_diag(diags, dir, 0, "crypt/key-io",
				"out of memory while installing a key");
		goto out;
	}
	rc = cf_key_save(k, path, diags);
out:
	free(path);
	free(dir);
	free(top);
	return rc;
}

int cf_keystore_clear(const char *git_dir, cf_diags *diags)
{
	char *dir = cf_keystore_dir(git_dir);
	if (!dir) {
		cf_keytext_diag(diags, git_dir, 0, "crypt/key-io", "out of memory");
		return CF_CRYPT_ERROR;
	}
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		if (e == ENOENT) {
			free(dir);
			return 0;
		}
		cf_keytext_errno(diags, dir, "cannot read the key store", e);
		free(dir);
		return CF_CRYPT_ERROR;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		/* Key files, and the temporary files a crashed save may have left beside them. */
		const char *tmp = strstr(e->d_name, ".key.tmp");
		if (!keyfile_name(e->d_name, NULL) &&
		    !(tmp && tmp == e->d_name + 2 * CF_KEYID_BYTES))
			continue;
		char *path = cf_path_join(dir, e->d_name);
		if (!path || cf_shred(path) != 0) {
			cf_keytext_errno(diags, path ? path : dir, "cannot remove a key file",
					 path ? errno : ENOMEM);
			rc = CF_CRYPT_ERROR;
		}
		free(path);
	}
	closedir(d);
	free(dir);
	return rc;
}

/* ---- rules ---- */

const cf_rule_info cf_keys_rules[] = {
    {"crypt/access", "a malformed .casefile/access.yaml",
     "access.yaml holds `repository_key` (a key id: 16 hex digits) and `case_keys` (a map "
     "of case id to key id), and nothing else.",
     "access.yaml decides which key encrypts each case: a case with a key of its own can be "
     "shared with an independent reviewer without sharing every other case. A file casefile "
     "cannot read would leave the filter unable to choose a key, so nothing is encrypted "
     "until it is fixed.",
     "casefile init, member add and member remove write this file; restore it from the last "
     "commit (`git checkout -- .casefile/access.yaml`) rather than editing it by hand.",
     "DESIGN.md §6; 001 §2.1.6 (share information securely, the right information to the "
     "right individual)"},
    {"crypt/sealed", "a sealed key that cannot be opened with your identity",
     "Each .casefile/keys/KEYID/NAME.sealed opens with NAME's identity and holds the key "
     "KEYID names.",
     "A sealed key is how a member receives a key without anyone sending it in the clear; one "
     "that does not open was sealed to another public key (the member's identity was "
     "replaced) or was changed.",
     "Ask a member who holds the key to run `casefile member remove NAME` and `casefile "
     "member add NAME PUBKEY` with your current public key (`casefile keygen` printed it).",
     "DESIGN.md §6; 001 §2.1.6"},
    {"crypt/identity", "no member identity, or not a member of this repository",
     "`casefile unlock` needs your identity (`~/.config/casefile/identity`, or "
     "CASEFILE_IDENTITY) and a .casefile/members/NAME.pub holding its public key.",
     "Keys are given to named people only, so every read of a case can be traced to a "
     "decision to share it with that person.",
     "Run `casefile keygen` and give the line it prints to a member, who runs `casefile "
     "member add NAME LINE` and commits; then pull and run `casefile unlock`.",
     "DESIGN.md §6; 001 §2.1.6 (record information-sharing decisions)"},
    {"crypt/no-key", "a file encrypted with a key this clone does not hold",
     "Every encrypted file read is encrypted with a key of the clone's key store "
     "(.git/casefile/keys).",
     "Without the key the file is ciphertext: it cannot be checked or read. That is the point "
     "for a member who was never given the case (an independent reviewer holds one case's "
     "key only), or who was removed.",
     "If you should hold the key, ask a member who holds it to run `casefile member add` for "
     "you, then `casefile unlock`; or restore a backup with `casefile unlock --key-file`.",
     "DESIGN.md §6; 000 §1.2 (personal information is shared only with consent or a reason "
     "recorded)"},
    {"crypt/tampered", "an encrypted file that was changed",
     "The authentication tag of every encrypted file verifies, and its nonce is the keyed hash "
     "of its content, as casefile makes it.",
     "A file that does not verify was damaged or altered after it was encrypted; its content "
     "cannot be trusted as the record of the case, so it is never passed on.",
     "Restore the file from a commit or remote you trust; report the change if nobody made it "
     "knowingly.",
     "DESIGN.md §6"},
    {"crypt/format", "an encrypted file casefile cannot read: unknown format, truncated, too large",
     "A file with casefile's header is a whole casefile blob: the magic, format version 1, key "
     "id, nonce, ciphertext and tag, at most 64 MiB. (A file under cases/ with no header at "
     "all is crypt/plaintext when the guards find it; reading one where ciphertext was "
     "expected is reported here.)",
     "A blob casefile cannot read cannot be checked, and may not be what it seems: a newer "
     "format, a truncated copy, or data made to look encrypted.",
     "Upgrade casefile for a newer format version; restore a truncated or damaged file from a "
     "commit or remote you trust.",
     "DESIGN.md §6; 000 §1.2; 001 §2.1.6"},
    {"crypt/key-permissions", "a key or identity file other users can read",
     "Key files, the key store directory and the identity are readable and writable by their "
     "owner only (mode 0600, directory 0700); anything looser is refused, not used.",
     "A key readable by other accounts on the machine is a key they hold: every case it "
     "encrypts is readable to them.",
     "Run the chmod the hint gives; if others may already have read the key, ask a member to "
     "run `casefile member remove` for the compromised copy's holder, which rotates the key.",
     "DESIGN.md §6"},
    {"crypt/passphrase", "a wrong or missing passphrase",
     "A passphrase-protected identity or key export opens with its passphrase (Argon2id).",
     "The passphrase is what protects a copy of the keys that leaves the machine.",
     "Give the right passphrase (typed, or --passphrase-file FILE); it cannot be recovered.",
     "DESIGN.md §6"},
    {"crypt/key-format", "a malformed key file, identity, export or sealed key",
     "Key files, identities, exports and sealed keys have the line formats casefile writes, "
     "and each key's id matches its secret.",
     "A damaged key must not be guessed at: using the wrong key would make files nobody can "
     "read.",
     "Restore the file from a backup (`casefile key export` makes one), or have the key sealed "
     "to you again.",
     "DESIGN.md §6"},
    {"crypt/key-io", "a key file that cannot be read or written",
     "Key files and the key store can be read and written.",
     "A key that cannot be saved is a key that may be lost.",
     "Check the disk, the file's owner and permissions.", "DESIGN.md §6"},
    {"crypt/memory", "out of memory while decrypting",
     "Decryption has the (locked) memory it needs.",
     "Plaintext is held only in locked memory that is wiped after use.",
     "Close other programs, or raise the locked-memory limit (ulimit -l).", "DESIGN.md §6"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
