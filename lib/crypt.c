#include "crypt.h"
#include "keytext.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* Derivation parameters; changing any of them changes every key id and blob, so they are part of
 * the formats. */
#define SUB_AEAD 1
#define SUB_NONCE 2
#define SUB_KEYID 3
#define SUB_COMMIT 4
#define CTX_AEAD "cfaead01"
#define CTX_NONCE "cfnonce1"
#define CTX_KEYID "cfkeyid1"
#define CTX_COMMIT "cfkeycm1"
/* Version 2 nonces hash this first, so that no version 2 nonce input is a version 1 one. */
#define NONCE2_DOMAIN "casefile-blob-2"

/* Layout of cf_key.mem. */
#define MEM_SECRET 0
#define MEM_AEAD 32
#define MEM_NONCE 64
#define MEM_BYTES 96

#define OFF_VERSION 8
#define OFF_KEYID 9
#define OFF_NONCE 17
#define OFF_CASE_LEN 41
#define OFF_CASE 42

#define KEYFILE_HEAD "casefile-key 1"
#define EXPORT_HEAD "casefile-key-export 1"
/* Far above the ~90 bytes of a key file: anything larger is not one. */
#define KEYFILE_MAX 4096
#define B64 sodium_base64_VARIANT_ORIGINAL
#define SECRET_B64_BYTES sodium_base64_ENCODED_LEN(CF_KEY_BYTES, B64)
#define BOX_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CF_KEY_BYTES)

struct cf_key {
	unsigned char *mem; /* sodium_malloc, read-only once filled */
	unsigned char id[CF_KEYID_BYTES];
	unsigned char commitment[CF_KEY_COMMIT_BYTES];
};

struct cf_keyring {
	cf_key **keys;
	size_t len;
	size_t cap;
};

/* ---- keys ---- */

/* secret NULL: a fresh random key, generated straight into locked memory. */
static int key_make(cf_key **out, const unsigned char *secret)
{
	*out = NULL;
	cf_key *k = calloc(1, sizeof(*k));
	if (!k)
		return CF_CRYPT_ERROR;
	k->mem = sodium_malloc(MEM_BYTES);
	if (!k->mem) {
		free(k);
		return CF_CRYPT_ERROR;
	}
	if (secret)
		memcpy(k->mem + MEM_SECRET, secret, CF_KEY_BYTES);
	else
		crypto_kdf_keygen(k->mem + MEM_SECRET);
	unsigned char idfull[crypto_kdf_BYTES_MIN];
	const unsigned char *master = k->mem + MEM_SECRET;
	if (crypto_kdf_derive_from_key(k->mem + MEM_AEAD, 32, SUB_AEAD, CTX_AEAD, master) != 0 ||
	    crypto_kdf_derive_from_key(k->mem + MEM_NONCE, 32, SUB_NONCE, CTX_NONCE, master) != 0 ||
	    crypto_kdf_derive_from_key(idfull, sizeof(idfull), SUB_KEYID, CTX_KEYID, master) != 0 ||
	    crypto_kdf_derive_from_key(k->commitment, sizeof(k->commitment), SUB_COMMIT, CTX_COMMIT,
				       master) != 0) {
		sodium_free(k->mem);
		free(k);
		return CF_CRYPT_ERROR;
	}
	memcpy(k->id, idfull, CF_KEYID_BYTES);
	/* Best effort: a stray write through a bad pointer should fault, not corrupt the key. */
	(void)sodium_mprotect_readonly(k->mem);
	*out = k;
	return 0;
}

int cf_key_generate(cf_key **out)
{
	return key_make(out, NULL);
}

int cf_key_from_bytes(cf_key **out, const unsigned char secret[CF_KEY_BYTES])
{
	return key_make(out, secret);
}

void cf_key_free(cf_key *k)
{
	if (!k)
		return;
	sodium_free(k->mem); /* makes it writable again and wipes it */
	free(k);
}

const unsigned char *cf_key_id(const cf_key *k)
{
	return k->id;
}

const unsigned char *cf_key_secret(const cf_key *k)
{
	return k->mem + MEM_SECRET;
}

const unsigned char *cf_key_commitment(const cf_key *k)
{
	return k->commitment;
}

void cf_keyid_hex(char out[CF_KEYID_HEX_BYTES], const unsigned char id[CF_KEYID_BYTES])
{
	sodium_bin2hex(out, CF_KEYID_HEX_BYTES, id, CF_KEYID_BYTES);
}

static int keyid_parse_n(unsigned char id[CF_KEYID_BYTES], const char *hex, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	if (n != 2 * CF_KEYID_BYTES)
		return -1;
	if (sodium_hex2bin(id, CF_KEYID_BYTES, hex, n, NULL, &got, &end) != 0 ||
	    got != CF_KEYID_BYTES || end != hex + n)
		return -1;
	return 0;
}

int cf_keyid_parse(unsigned char id[CF_KEYID_BYTES], const char *hex)
{
	return keyid_parse_n(id, hex, strlen(hex));
}

/* ---- line parsing shared by the key file and the export ---- */

/* Reads the next line, which must be "NAME VALUE"; returns the value. */
static int expect_field(cf_keytext *it, const char *name, const char **val, size_t *vlen,
			const char *path, cf_diags *diags)
{
	const char *s;
	size_t n;
	size_t nl = strlen(name);
	if (!cf_keytext_next(it, &s, &n)) {
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it->no + 1, 0,
				     "crypt/key-format", "the file ends where '%s' was expected",
				     name);
		return CF_CRYPT_EKEYFORMAT;
	}
	if (n <= nl || memcmp(s, name, nl) != 0 || s[nl] != ' ') {
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it->no, 0,
				     "crypt/key-format", "expected '%s VALUE'", name);
		return CF_CRYPT_EKEYFORMAT;
	}
	*val = s + nl + 1;
	*vlen = n - nl - 1;
	return 0;
}

static int expect_head(cf_keytext *it, const char *head, const char *what, const char *path,
		       cf_diags *diags)
{
	const char *s = NULL;
	size_t n = 0;
	size_t hl = strlen(head);
	if (cf_keytext_next(it, &s, &n) && n == hl && memcmp(s, head, hl) == 0)
		return 0;
	/* The head is "NAME VERSION"; the same name with another version is a newer file. */
	size_t name_len = (size_t)(strchr(head, ' ') - head) + 1;
	if (it->no > 0 && n > name_len && memcmp(s, head, name_len) == 0)
		cf_keytext_diag(
		    diags, path, it->no, "crypt/key-format",
		    "unsupported version of this key format (this casefile reads version 1)");
	else if (diags)
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it->no > 0 ? it->no : 1, 0,
			     "crypt/key-format", "not a %s: the first line must be '%s'", what,
			     head);
	return CF_CRYPT_EKEYFORMAT;
}

/* ---- key files ---- */

/* Makes the rename itself durable: without it a crash can lose the new directory entry. */
static int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	if (!slash)
		dir = cf_strdup(".");
	else if (slash == path)
		dir = cf_strdup("/");
	else
		dir = cf_strndup(path, (size_t)(slash - path));
	if (!dir) {
		errno = ENOMEM;
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int err = errno;
	close(fd);
	/* Some file systems cannot sync a directory; the rename is as durable as they allow. */
	if (rc != 0 && err != EINVAL && err != ENOTSUP) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Fills text (sodium_malloc'd by the caller) with the key file and returns its length. */
static size_t keyfile_text(char *text, const cf_key *k)
{
	size_t n = 0;
	memcpy(text + n, KEYFILE_HEAD "\nid ", sizeof(KEYFILE_HEAD "\nid ") - 1);
	n += sizeof(KEYFILE_HEAD "\nid ") - 1;
	cf_keyid_hex(text + n, k->id);
	n += 2 * CF_KEYID_BYTES;
	memcpy(text + n, "\nsecret ", 8);
	n += 8;
	sodium_bin2base64(text + n, SECRET_B64_BYTES, k->mem + MEM_SECRET, CF_KEY_BYTES, B64);
	n += SECRET_B64_BYTES - 1;
	text[n++] = '\n';
	text[n] = '\0';
	return n;
}

int cf_key_save(const cf_key *k, const char *path, cf_diags *diags)
{
	int rc = CF_CRYPT_ERROR;
	int fd = -1;
	cf_buf tmp = CF_BUF_INIT;
	char *text = sodium_malloc(KEYFILE_MAX);
	cf_buf_printf(&tmp, "%s.tmp-XXXXXX", path);
	if (!text || cf_buf_oom(&tmp)) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while saving the key");
		goto out;
	}
	size_t n = keyfile_text(text, k);

	fd = mkstemp(tmp.ptr);
	if (fd < 0) {
		cf_keytext_errno(diags, path, "cannot create a temporary file next to the key file",
				 errno);
		goto out;
	}
	/* mkstemp already uses 0600; be explicit in case a libc does not. */
	if (fchmod(fd, 0600) != 0 || cf_write_all(fd, text, n) != 0 || fsync(fd) != 0) {
		cf_keytext_errno(diags, path, "cannot write the key file", errno);
		goto fail_unlink;
	}
	int cr = close(fd);
	fd = -1;
	if (cr != 0) {
		cf_keytext_errno(diags, path, "cannot write the key file", errno);
		goto fail_unlink;
	}
	if (rename(tmp.ptr, path) != 0) {
		cf_keytext_errno(diags, path, "cannot move the key file into place", errno);
		goto fail_unlink;
	}
	if (fsync_dir_of(path) != 0) {
		cf_keytext_errno(diags, path,
				 "the key file was written but its directory cannot be synced",
				 errno);
		goto out;
	}
	rc = 0;
	goto out;

fail_unlink:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(tmp.ptr);
out:
	if (fd >= 0)
		close(fd);
	if (text)
		sodium_free(text);
	cf_buf_free(&tmp);
	return rc;
}

static int parse_keyfile(cf_key **out, const char *text, size_t len, const char *path,
			 cf_diags *diags)
{
	cf_keytext it = {text, text + len, 0};
	const char *v;
	size_t vn;
	unsigned char id[CF_KEYID_BYTES];
	unsigned char secret[CF_KEY_BYTES];
	int rc;

	if ((rc = expect_head(&it, KEYFILE_HEAD, "casefile key file", path, diags)) != 0)
		return rc;
	if ((rc = expect_field(&it, "id", &v, &vn, path, diags)) != 0)
		return rc;
	unsigned id_line = it.no;
	if (keyid_parse_n(id, v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the key id must be 16 hex digits");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = expect_field(&it, "secret", &v, &vn, path, diags)) != 0)
		return rc;
	if (cf_keytext_b64(secret, sizeof(secret), v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the secret must be 32 bytes in base64 (44 characters)");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = cf_keytext_end(&it, path, diags)) != 0) {
		sodium_memzero(secret, sizeof(secret));
		return rc;
	}
	cf_key *k;
	rc = key_make(&k, secret);
	sodium_memzero(secret, sizeof(secret));
	if (rc != 0) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the key");
		return rc;
	}
	if (sodium_memcmp(k->id, id, CF_KEYID_BYTES) != 0) {
		char want[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(want, k->id);
		if (diags)
			cf_diags_add(
			    diags, CF_SEV_ERROR, path ? path : "", id_line, 0, "crypt/key-format",
			    "the key id does not match the secret (the secret's id is %s)", want);
		cf_key_free(k);
		return CF_CRYPT_EKEYFORMAT;
	}
	*out = k;
	return 0;
}

int cf_key_load(cf_key **out, const char *path, cf_diags *diags)
{
	*out = NULL;
	int rc = CF_CRYPT_ERROR;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cf_keytext_errno(diags, path, "cannot open the key file", errno);
		return CF_CRYPT_ERROR;
	}
	/* fstat the open file, not the path, so the file checked is the file read. */
	struct stat st;
	if (fstat(fd, &st) != 0) {
		cf_keytext_errno(diags, path, "cannot read the key file", errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cf_keytext_diag(diags, path, 0, "crypt/key-format",
				"the key file is not a regular file");
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	if (st.st_mode & 077) {
		cf_diag *d = NULL;
		if (diags)
			d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-permissions",
					 "the key file can be read or written by other users "
					 "(mode %04o); it was not used",
					 (unsigned)(st.st_mode & 07777));
		if (d) {
			cf_buf h = CF_BUF_INIT;
			cf_buf_puts(&h, "run: chmod 600 ");
			cf_buf_put_shell_word(&h, path);
			if (cf_buf_oom(&h))
				diags->oom = 1;
			else
				cf_diag_hint(diags, d, "%s", h.ptr);
			cf_buf_free(&h);
		}
		rc = CF_CRYPT_EPERMISSIONS;
		goto out;
	}
	if (st.st_size > KEYFILE_MAX) {
		cf_keytext_diag(diags, path, 0, "crypt/key-format",
				"the key file is too large to be one");
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	/* One byte spare to notice a file that grew past the limit after the fstat. */
	text = sodium_malloc(KEYFILE_MAX + 1);
	if (!text) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the key");
		goto out;
	}
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, text + len, KEYFILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cf_keytext_errno(diags, path, "cannot read the key file", errno);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > KEYFILE_MAX) {
			cf_keytext_diag(diags, path, 0, "crypt/key-format",
					"the key file is too large to be one");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
	}
	rc = parse_keyfile(out, text, len, path, diags);
out:
	if (text)
		sodium_free(text);
	close(fd);
	return rc;
}

/* ---- passphrase export ---- */

int cf_passphrase_acceptable(const char *passphrase, size_t passlen)
{
	size_t chars = 0;
	if (!passphrase)
		return 0;
	for (size_t i = 0; i < passlen; i++)
		chars += ((unsigned char)passphrase[i] & 0xc0) != 0x80; /* not a continuation */
	return chars >= CF_PASSPHRASE_MIN;
}

static void put_b64(cf_buf *out, const unsigned char *bin, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(BOX_BYTES, B64)];
	if (n > BOX_BYTES) {
		out->oom = 1;
		return;
	}
	sodium_bin2base64(b64, sizeof(b64), bin, n, B64);
	cf_buf_puts(out, b64);
}

int cf_key_export_passphrase(cf_buf *out, const cf_key *k, const char *passphrase, size_t passlen)
{
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char boxkey[crypto_secretbox_KEYBYTES];
	unsigned char box[BOX_BYTES];
	unsigned long long ops = CF_PWHASH_OPSLIMIT;
	size_t mem = CF_PWHASH_MEMLIMIT;

	if (!cf_passphrase_acceptable(passphrase, passlen))
		return CF_CRYPT_EPASSPHRASE;
	randombytes_buf(salt, sizeof(salt));
	if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(boxkey, sizeof(boxkey));
		return CF_CRYPT_ERROR;
	}
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, k->mem + MEM_SECRET, CF_KEY_BYTES,
			      box, boxkey);
	sodium_memzero(boxkey, sizeof(boxkey));

	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, k->id);
	cf_buf_printf(out, EXPORT_HEAD "\nid %s\nsalt ", hex);
	put_b64(out, salt, sizeof(salt));
	cf_buf_printf(out, "\nopslimit %llu\nmemlimit %zu\nbox ", ops, mem);
	put_b64(out, box, sizeof(box));
	cf_buf_putc(out, '\n');
	return cf_buf_oom(out) ? CF_CRYPT_ERROR : 0;
}

int cf_key_import_passphrase(cf_key **out, const char *text, size_t len, const char *path,
			     const char *passphrase, size_t passlen, cf_diags *diags)
{
	*out = NULL;
	cf_keytext it = {text, text + len, 0};
	const char *v;
	size_t vn;
	unsigned char id[CF_KEYID_BYTES];
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char box[BOX_BYTES];
	unsigned long long ops, mem;
	int rc;

	if ((rc = expect_head(&it, EXPORT_HEAD, "casefile key export", path, diags)) != 0)
		return rc;
	if ((rc = expect_field(&it, "id", &v, &vn, path, diags)) != 0)
		return rc;
	if (keyid_parse_n(id, v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the key id must be 16 hex digits");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = expect_field(&it, "salt", &v, &vn, path, diags)) != 0)
		return rc;
	if (cf_keytext_b64(salt, sizeof(salt), v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the salt must be 16 bytes in base64");
		return CF_CRYPT_EKEYFORMAT;
	}
	/* Limits come from the file, so cap them: a hostile export must not make us spend
	 * unbounded memory or time before the passphrase can even be checked. */
	if ((rc = expect_field(&it, "opslimit", &v, &vn, path, diags)) != 0)
		return rc;
	if (cf_keytext_u64(&ops, v, vn) != 0 || ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_SENSITIVE) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"opslimit is not a number casefile accepts");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = expect_field(&it, "memlimit", &v, &vn, path, diags)) != 0)
		return rc;
	if (cf_keytext_u64(&mem, v, vn) != 0 || mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"memlimit is not a number casefile accepts");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = expect_field(&it, "box", &v, &vn, path, diags)) != 0)
		return rc;
	if (cf_keytext_b64(box, sizeof(box), v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the box must be 72 bytes in base64");
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = cf_keytext_end(&it, path, diags)) != 0)
		return rc;

	unsigned char boxkey[crypto_secretbox_KEYBYTES];
	if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops, (size_t)mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(boxkey, sizeof(boxkey));
		cf_keytext_diag(diags, path, 0, "crypt/passphrase",
				"cannot derive a key from the passphrase (out of memory?)");
		return CF_CRYPT_ERROR;
	}
	unsigned char *secret = sodium_malloc(CF_KEY_BYTES);
	if (!secret) {
		sodium_memzero(boxkey, sizeof(boxkey));
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while importing the key");
		return CF_CRYPT_ERROR;
	}
	rc = crypto_secretbox_open_easy(secret, box + crypto_secretbox_NONCEBYTES,
					sizeof(box) - crypto_secretbox_NONCEBYTES, box, boxkey);
	sodium_memzero(boxkey, sizeof(boxkey));
	if (rc != 0) {
		sodium_free(secret);
		cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					     "wrong passphrase, or the export was changed");
		cf_diag_hint(diags, d,
			     "check the passphrase; an export cannot be recovered without it");
		return CF_CRYPT_EPASSPHRASE;
	}
	cf_key *k;
	rc = key_make(&k, secret);
	sodium_free(secret);
	if (rc != 0) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while importing the key");
		return rc;
	}
	if (sodium_memcmp(k->id, id, CF_KEYID_BYTES) != 0) {
		cf_keytext_diag(diags, path, 2, "crypt/key-format",
				"the key id does not match the secret");
		cf_key_free(k);
		return CF_CRYPT_EKEYFORMAT;
	}
	*out = k;
	return 0;
}

/* ---- keyrings ---- */

int cf_keyring_new(cf_keyring **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : CF_CRYPT_ERROR;
}

int cf_keyring_add(cf_keyring *ring, cf_key *k)
{
	if (!ring || !k) {
		cf_key_free(k);
		return CF_CRYPT_ERROR;
	}
	const cf_key *have = cf_keyring_find(ring, k->id);
	if (have) {
		int same = sodium_memcmp(have->mem, k->mem, CF_KEY_BYTES) == 0;
		cf_key_free(k);
		return same ? 0 : CF_CRYPT_ERROR;
	}
	if (ring->len == ring->cap) {
		size_t cap = ring->cap ? ring->cap * 2 : 4;
		cf_key **keys = realloc(ring->keys, cap * sizeof(*keys));
		if (!keys) {
			cf_key_free(k);
			return CF_CRYPT_ERROR;
		}
		ring->keys = keys;
		ring->cap = cap;
	}
	ring->keys[ring->len++] = k;
	return 0;
}

const cf_key *cf_keyring_find(const cf_keyring *ring, const unsigned char id[CF_KEYID_BYTES])
{
	if (!ring)
		return NULL;
	for (size_t i = 0; i < ring->len; i++) {
		if (memcmp(ring->keys[i]->id, id, CF_KEYID_BYTES) == 0)
			return ring->keys[i];
	}
	return NULL;
}

size_t cf_keyring_len(const cf_keyring *ring)
{
	return ring ? ring->len : 0;
}

const cf_key *cf_keyring_at(const cf_keyring *ring, size_t i)
{
	return ring && i < ring->len ? ring->keys[i] : NULL;
}

void cf_keyring_free(cf_keyring *ring)
{
	if (!ring)
		return;
	for (size_t i = 0; i < ring->len; i++)
		cf_key_free(ring->keys[i]);
	free(ring->keys);
	free(ring);
}

/* ---- blobs ---- */

const char *cf_crypt_case_of_path(const char *path, size_t *n)
{
	static const char dir[] = "cases/";
	*n = 0;
	if (!path || strncasecmp(path, dir, sizeof(dir) - 1) != 0)
		return NULL;
	const char *id = path + sizeof(dir) - 1;
	size_t len = strcspn(id, "/");
	if (len == 0 || len > CF_CRYPT_CASE_MAX)
		return NULL;
	*n = len;
	return id;
}

static size_t padded_len(size_t len)
{
	size_t n = CF_CRYPT_LEN_BYTES + len;
	return (n + CF_CRYPT_PAD_BYTES - 1) / CF_CRYPT_PAD_BYTES * CF_CRYPT_PAD_BYTES;
}

static int nonce_v1(unsigned char nonce[CF_CRYPT_NONCE_BYTES], const cf_key *k, const void *plain,
		    size_t len)
{
	return crypto_generichash(nonce, CF_CRYPT_NONCE_BYTES, len ? plain : (const void *)"", len,
				  k->mem + MEM_NONCE, 32);
}

/* BLAKE2b over the domain, the case id with its length, and the plaintext. */
static int nonce_v2(unsigned char nonce[CF_CRYPT_NONCE_BYTES], const cf_key *k, const char *case_id,
		    size_t case_len, const void *plain, size_t len)
{
	crypto_generichash_state st;
	unsigned char l = (unsigned char)case_len;
	int rc = crypto_generichash_init(&st, k->mem + MEM_NONCE, 32, CF_CRYPT_NONCE_BYTES) != 0 ||
		 crypto_generichash_update(&st, (const unsigned char *)NONCE2_DOMAIN,
					   sizeof(NONCE2_DOMAIN)) != 0 ||
		 crypto_generichash_update(&st, &l, 1) != 0 ||
		 crypto_generichash_update(&st, (const unsigned char *)case_id, case_len) != 0 ||
		 (len && crypto_generichash_update(&st, plain, len) != 0) ||
		 crypto_generichash_final(&st, nonce, CF_CRYPT_NONCE_BYTES) != 0;
	sodium_memzero(&st, sizeof(st));
	return rc ? -1 : 0;
}

int cf_crypt_encrypt(cf_buf *out, const cf_key *k, const char *path, const void *plain, size_t len,
		     cf_arena *scratch)
{
	size_t case_len;
	const char *case_id = cf_crypt_case_of_path(path, &case_len);
	if (!case_id || len > CF_CRYPT_MAX_PLAIN)
		return CF_CRYPT_EFORMAT;
	if (!plain && len)
		return CF_CRYPT_ERROR;
	size_t head = OFF_CASE + case_len;
	size_t inner = padded_len(len);
	size_t total = head + inner + CF_CRYPT_TAG_BYTES;
	unsigned char *pad = scratch ? cf_arena_alloc(scratch, inner) : sodium_malloc(inner);
	if (!pad || cf_buf_grow(out, total) < 0) {
		if (pad && !scratch)
			sodium_free(pad);
		return CF_CRYPT_ERROR;
	}
	/* The padded plaintext, in secure memory: its length, the text, zeros. */
	pad[0] = (unsigned char)(len >> 24);
	pad[1] = (unsigned char)(len >> 16);
	pad[2] = (unsigned char)(len >> 8);
	pad[3] = (unsigned char)len;
	if (len)
		memcpy(pad + CF_CRYPT_LEN_BYTES, plain, len);
	memset(pad + CF_CRYPT_LEN_BYTES + len, 0, inner - CF_CRYPT_LEN_BYTES - len);

	unsigned char *h = (unsigned char *)out->ptr + out->len;
	memcpy(h, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES);
	h[OFF_VERSION] = CF_CRYPT_VERSION;
	memcpy(h + OFF_KEYID, k->id, CF_KEYID_BYTES);
	h[OFF_CASE_LEN] = (unsigned char)case_len;
	memcpy(h + OFF_CASE, case_id, case_len);
	unsigned long long clen = 0;
	int rc = CF_CRYPT_ERROR;
	if (nonce_v2(h + OFF_NONCE, k, case_id, case_len, plain, len) == 0 &&
	    crypto_aead_xchacha20poly1305_ietf_encrypt(h + head, &clen, pad, inner, h, head, NULL,
						       h + OFF_NONCE, k->mem + MEM_AEAD) == 0 &&
	    clen == inner + CF_CRYPT_TAG_BYTES) {
		out->len += total;
		out->ptr[out->len] = '\0';
		rc = 0;
	}
	if (scratch)
		sodium_memzero(pad, inner);
	else
		sodium_free(pad);
	return rc;
}

int cf_crypt_encrypt_v1(cf_buf *out, const cf_key *k, const void *plain, size_t len)
{
	if (len > CF_CRYPT_MAX_BLOB - CF_CRYPT_V1_OVERHEAD)
		return CF_CRYPT_EFORMAT;
	if (!plain && len)
		return CF_CRYPT_ERROR;
	size_t total = CF_CRYPT_V1_OVERHEAD + len;
	if (cf_buf_grow(out, total) < 0)
		return CF_CRYPT_ERROR;
	unsigned char *h = (unsigned char *)out->ptr + out->len;
	memcpy(h, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES);
	h[OFF_VERSION] = CF_CRYPT_VERSION_V1;
	memcpy(h + OFF_KEYID, k->id, CF_KEYID_BYTES);
	if (nonce_v1(h + OFF_NONCE, k, plain, len) != 0)
		return CF_CRYPT_ERROR;
	unsigned long long clen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		h + CF_CRYPT_HEADER_BYTES, &clen, len ? plain : (const void *)"", len, h,
		CF_CRYPT_HEADER_BYTES, NULL, h + OFF_NONCE, k->mem + MEM_AEAD) != 0 ||
	    clen != len + CF_CRYPT_TAG_BYTES)
		return CF_CRYPT_ERROR;
	out->len += total;
	out->ptr[out->len] = '\0';
	return 0;
}

static int has_magic(const unsigned char *b, size_t len)
{
	return len >= CF_CRYPT_MAGIC_BYTES && memcmp(b, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES) == 0;
}

/* The version of a well-formed blob, or 0. */
static int blob_version(const unsigned char *b, size_t len)
{
	if (!b || !has_magic(b, len) || len <= OFF_VERSION)
		return 0;
	if (b[OFF_VERSION] == CF_CRYPT_VERSION_V1)
		return len >= CF_CRYPT_V1_OVERHEAD ? CF_CRYPT_VERSION_V1 : 0;
	if (b[OFF_VERSION] != CF_CRYPT_VERSION || len < CF_CRYPT_V2_MIN || b[OFF_CASE_LEN] == 0)
		return 0;
	size_t head = OFF_CASE + (size_t)b[OFF_CASE_LEN];
	if (len < head + CF_CRYPT_PAD_BYTES + CF_CRYPT_TAG_BYTES)
		return 0;
	return (len - head - CF_CRYPT_TAG_BYTES) % CF_CRYPT_PAD_BYTES == 0 ? CF_CRYPT_VERSION : 0;
}

int cf_crypt_is_blob(const void *data, size_t len)
{
	return blob_version(data, len) != 0;
}

int cf_crypt_blob_version(const void *data, size_t len)
{
	return blob_version(data, len);
}

int cf_crypt_blob_keyid(unsigned char id[CF_KEYID_BYTES], const void *data, size_t len)
{
	if (!cf_crypt_is_blob(data, len))
		return -1;
	memcpy(id, (const unsigned char *)data + OFF_KEYID, CF_KEYID_BYTES);
	return 0;
}

int cf_crypt_blob_case(const char **case_id, size_t *n, const void *data, size_t len)
{
	const unsigned char *b = data;
	*case_id = NULL;
	*n = 0;
	if (blob_version(b, len) != CF_CRYPT_VERSION)
		return -1;
	*case_id = (const char *)b + OFF_CASE;
	*n = b[OFF_CASE_LEN];
	return 0;
}

size_t cf_crypt_blob_header_len(const void *data, size_t len)
{
	const unsigned char *b = data;
	switch (blob_version(b, len)) {
	case CF_CRYPT_VERSION_V1:
		return CF_CRYPT_HEADER_BYTES;
	case CF_CRYPT_VERSION:
		return OFF_CASE + (size_t)b[OFF_CASE_LEN];
	default:
		return 0;
	}
}

static void tampered(cf_diags *diags, const char *path, const char *msg)
{
	cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/tampered", msg);
	cf_diag_hint(diags, d,
		     "do not use this copy; restore the file from a commit or remote you trust");
}

/* Why a blob with the magic is not one this build reads: -1 after the diagnostic. */
static int format_error(const unsigned char *b, size_t len, const char *path, cf_diags *diags)
{
	if (len <= OFF_VERSION) {
		cf_keytext_diag(diags, path, 0, "crypt/format", "the encrypted file is truncated");
		return CF_CRYPT_EFORMAT;
	}
	unsigned v = b[OFF_VERSION];
	if (v != CF_CRYPT_VERSION && v != CF_CRYPT_VERSION_V1) {
		if (diags) {
			cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0,
						  "crypt/format",
						  "unsupported encryption format version %u (this "
						  "casefile reads versions 1 and %d)",
						  v, CF_CRYPT_VERSION);
			cf_diag_hint(diags, d, "upgrade casefile");
		}
		return CF_CRYPT_EFORMAT;
	}
	if (len > CF_CRYPT_MAX_BLOB) {
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/format",
				     "the encrypted file is larger than casefile accepts (%zu MiB)",
				     CF_CRYPT_MAX_BLOB >> 20);
		return CF_CRYPT_EFORMAT;
	}
	if (diags)
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/format",
			     "the encrypted file is truncated or malformed (%zu bytes; format "
			     "version %u)",
			     len, v);
	return CF_CRYPT_EFORMAT;
}

/* A version 2 blob must have been made for the case of path (when path is one). */
static int wrong_case(const unsigned char *b, const char *path, cf_diags *diags)
{
	size_t want_len;
	const char *want = cf_crypt_case_of_path(path, &want_len);
	size_t have_len = b[OFF_CASE_LEN];
	if (!want || (want_len == have_len && memcmp(want, b + OFF_CASE, have_len) == 0))
		return 0;
	if (diags) {
		cf_buf have = CF_BUF_INIT;
		for (size_t i = 0; i < have_len; i++) {
			unsigned char c = b[OFF_CASE + i];
			if (c >= 0x20 && c < 0x7f && c != '\\')
				cf_buf_putc(&have, (char)c);
			else
				cf_buf_printf(&have, "\\x%02x", c);
		}
		cf_diag *d = cf_diags_add(
		    diags, CF_SEV_ERROR, path, 0, 0, "crypt/tampered",
		    "the file was encrypted for case %s, not for case %.*s: it was copied or "
		    "moved from another case; it was not decrypted",
		    cf_buf_cstr(&have), (int)want_len, want);
		cf_diag_hint(diags, d,
			     "restore the file from a commit or remote you trust; a case that was "
			     "renamed on purpose is encrypted again with `casefile rekey`");
		if (cf_buf_oom(&have))
			diags->oom = 1;
		cf_buf_free(&have);
	}
	return 1;
}

int cf_crypt_decrypt(char **plain, size_t *plain_len, cf_arena *arena, const cf_keyring *ring,
		     const void *blob, size_t len, const char *path, cf_diags *diags)
{
	const unsigned char *b = blob;
	*plain = NULL;
	*plain_len = 0;

	if (!b || !has_magic(b, len)) {
		cf_keytext_diag(diags, path, 0, "crypt/format",
				"the file is not encrypted (it has no casefile header)");
		return CF_CRYPT_ENOTENCRYPTED;
	}
	int version = len <= CF_CRYPT_MAX_BLOB ? blob_version(b, len) : 0;
	if (!version)
		return format_error(b, len, path, diags);
	const cf_key *k = cf_keyring_find(ring, b + OFF_KEYID);
	if (!k) {
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, b + OFF_KEYID);
		cf_diag *d = NULL;
		if (diags)
			d = cf_diags_add(
			    diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/no-key",
			    "the file is encrypted with key %s, which you do not hold", hex);
		cf_diag_hint(diags, d,
			     "ask a member who holds it to run `casefile member add`, then "
			     "`casefile unlock`");
		return CF_CRYPT_ENOKEY;
	}
	if (version == CF_CRYPT_VERSION && wrong_case(b, path, diags))
		return CF_CRYPT_ETAMPERED;

	size_t head = cf_crypt_blob_header_len(b, len);
	size_t mlen = len - head - CF_CRYPT_TAG_BYTES;
	unsigned char *m = cf_arena_alloc(arena, mlen + 1);
	if (!m) {
		cf_keytext_diag(diags, path, 0, "crypt/memory", "out of memory while decrypting");
		return CF_CRYPT_ERROR;
	}
	unsigned long long got = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &got, NULL, b + head, len - head, b, head,
						       b + OFF_NONCE, k->mem + MEM_AEAD) != 0 ||
	    got != mlen) {
		/* libsodium verifies before it decrypts, but do not rely on it. */
		sodium_memzero(m, mlen);
		tampered(diags, path,
			 "the encrypted file was changed or damaged; it was not decrypted");
		return CF_CRYPT_ETAMPERED;
	}
	const unsigned char *text = m;
	size_t text_len = mlen;
	unsigned char nonce[CF_CRYPT_NONCE_BYTES];
	int crafted;
	if (version == CF_CRYPT_VERSION) {
		/* The padding casefile makes, exactly: a length that fits, zeros after it, no
		 * more of them than a multiple of the pad needs. */
		text_len = (size_t)m[0] << 24 | (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		text = m + CF_CRYPT_LEN_BYTES;
		crafted = text_len > mlen - CF_CRYPT_LEN_BYTES || padded_len(text_len) != mlen;
		for (size_t i = CF_CRYPT_LEN_BYTES + text_len; !crafted && i < mlen; i++)
			crafted = m[i] != 0;
		crafted = crafted || nonce_v2(nonce, k, (const char *)b + OFF_CASE, b[OFF_CASE_LEN],
					      text, text_len) != 0;
	} else {
		crafted = nonce_v1(nonce, k, m, mlen) != 0;
	}
	/* Only a key holder can make a tag verify, but casefile itself never makes a blob whose
	 * nonce is not the hash of its content, or other padding: such a blob was crafted. */
	if (crafted || sodium_memcmp(nonce, b + OFF_NONCE, CF_CRYPT_NONCE_BYTES) != 0) {
		sodium_memzero(m, mlen);
		tampered(
		    diags, path,
		    "the encrypted file was not made by casefile (its nonce or padding does not "
		    "match its content); it was not decrypted");
		return CF_CRYPT_ETAMPERED;
	}
	if (text != m)
		memmove(m, text, text_len);
	sodium_memzero(m + text_len, mlen - text_len);
	m[text_len] = '\0';
	*plain = (char *)m;
	*plain_len = text_len;
	return 0;
}
