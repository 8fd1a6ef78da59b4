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

#include "arena.h"
#include "doc.h"
#include "fs.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define PUB_HEAD "casefile-pub-1 "
#define SEALED_HEAD "casefile-sealed-1 "
#define IDENTITY_HEAD "casefile-identity 1"
#define SEALED_BYTES (crypto_box_SEALBYTES + CF_KEY_BYTES)
#define BOX_BYTES                                                                                  \
	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + crypto_box_SECRETKEYBYTES)
/* An identity file is a few hundred bytes; anything much larger is not one. */
#define IDFILE_MAX 4096
#define SEALED_MAX 1024
#define ACCESS_MAX (1024 * 1024)
#define MEMBER_NAME_MAX 64
#define CASE_ID_MAX 15

struct cf_identity {
	unsigned char *secret; /* sodium_malloc, crypto_box_SECRETKEYBYTES, read-only once set */
	unsigned char pub[CF_PUBKEY_BYTES];
};

/* ---- small helpers ---- */

static void loose_mode(cf_diags *diags, const char *path, const char *what, mode_t mode,
		       const char *chmod_mode)
{
	if (!diags)
		return;
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-permissions",
				  "the %s can be read or written by other users (mode %04o); it "
				  "was not used",
				  what, (unsigned)(mode & 07777));
	if (!d)
		return;
	cf_buf h = CF_BUF_INIT;
	cf_buf_printf(&h, "run: chmod %s ", chmod_mode);
	cf_buf_put_shell_word(&h, path);
	if (cf_buf_oom(&h))
		diags->oom = 1;
	else
		cf_diag_hint(diags, d, "%s", h.ptr);
	cf_buf_free(&h);
}

/* Text built in sodium_malloc memory, for files that hold a secret. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
	int bad;
} sbuf;

static void sput(sbuf *b, const char *s, size_t n)
{
	if (b->bad || n >= b->cap - b->len) {
		b->bad = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sputs(sbuf *b, const char *s)
{
	sput(b, s, strlen(s));
}

static void sput_b64(sbuf *b, const unsigned char *bin, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, B64);
	if (b->bad || need > b->cap - b->len) {
		b->bad = 1;
		return;
	}
	sodium_bin2base64(b->p + b->len, need, bin, n, B64);
	b->len += need - 1;
}

static void sput_u64(sbuf *b, unsigned long long v)
{
	char digits[24];
	size_t n = sizeof(digits);
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n > 0);
	sput(b, digits + n, sizeof(digits) - n);
}

/* ---- line parsing ---- */

/* The next line as "NAME VALUE": 1 and the value when its name is name, 0 when it is another
 * line (the line is consumed either way), -1 at the end. */
static int field(cf_keytext *it, const char *name, const char **val, size_t *vlen)
{
	const char *s;
	size_t n;
	size_t nl = strlen(name);
	if (!cf_keytext_next(it, &s, &n))
		return -1;
	if (n <= nl || memcmp(s, name, nl) != 0 || s[nl] != ' ')
		return 0;
	*val = s + nl + 1;
	*vlen = n - nl - 1;
	return 1;
}

static int expect_field(cf_keytext *it, const char *name, const char **val, size_t *vlen,
			const char *path, cf_diags *diags)
{
	int r = field(it, name, val, vlen);
	if (r == 1)
		return 0;
	if (diags)
		cf_diags_add(
		    diags, CF_SEV_ERROR, path ? path : "", r < 0 ? it->no + 1 : it->no, 0,
		    "crypt/key-format",
		    r < 0 ? "the file ends where '%s' was expected" : "expected '%s VALUE'", name);
	return CF_CRYPT_EKEYFORMAT;
}

/* Reads a file that holds a secret into sodium_malloc memory (*text, NUL-terminated, to be
 * sodium_free'd).  check_mode: refuse a file group or others may read or write. */
static int read_secret_file(char **text, size_t *len, const char *path, size_t max,
			    const char *what, int check_mode, cf_diags *diags)
{
	*text = NULL;
	*len = 0;
	int rc = CF_CRYPT_ERROR;
	cf_buf msg = CF_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cf_buf_printf(&msg, "cannot open the %s", what);
		cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
		cf_buf_free(&msg);
		return CF_CRYPT_ERROR;
	}
	struct stat st;
	char *t = NULL;
	if (fstat(fd, &st) != 0) {
		cf_buf_printf(&msg, "cannot read the %s", what);
		cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cf_buf_printf(&msg, "the %s is not a regular file", what);
		cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	if (check_mode && (st.st_mode & 077)) {
		loose_mode(diags, path, what, st.st_mode, "600");
		rc = CF_CRYPT_EPERMISSIONS;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		cf_buf_printf(&msg, "the %s is too large to be one", what);
		cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	t = sodium_malloc(max + 2);
	if (!t) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io", "out of memory");
		goto out;
	}
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, t + got, max + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cf_buf_printf(&msg, "cannot read the %s", what);
			cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			cf_buf_printf(&msg, "the %s is too large to be one", what);
			cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
	}
	t[got] = '\0';
	*text = t;
	*len = got;
	t = NULL;
	rc = 0;
out:
	if (t)
		sodium_free(t);
	close(fd);
	cf_buf_free(&msg);
	return rc;
}

/* ---- identities ---- */

static int identity_make(cf_identity **out, const unsigned char *secret)
{
	*out = NULL;
	cf_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return CF_CRYPT_ERROR;
	id->secret = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!id->secret) {
		free(id);
		return CF_CRYPT_ERROR;
	}
	if (secret) {
		memcpy(id->secret, secret, crypto_box_SECRETKEYBYTES);
		if (crypto_scalarmult_base(id->pub, id->secret) != 0) {
			cf_identity_free(id);
			return CF_CRYPT_ERROR;
		}
	} else if (crypto_box_keypair(id->pub, id->secret) != 0) {
		cf_identity_free(id);
		return CF_CRYPT_ERROR;
	}
	(void)sodium_mprotect_readonly(id->secret);
	*out = id;
	return 0;
}

int cf_identity_generate(cf_identity **out)
{
	return identity_make(out, NULL);
}

const unsigned char *cf_identity_public(const cf_identity *id)
{
	return id->pub;
}

void cf_identity_free(cf_identity *id)
{
	if (!id)
		return;
	if (id->secret)
		sodium_free(id->secret);
	free(id);
}

char *cf_identity_default_path(void)
{
	const char *env = getenv("CASEFILE_IDENTITY");
	if (env && *env)
		return cf_strdup(env);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s/.config/casefile/identity", home);
	return cf_buf_detach(&b);
}

/* The directory part of path (malloc'd), "." when there is none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return cf_strdup(".");
	if (slash == path)
		return cf_strdup("/");
	return cf_strndup(path, (size_t)(slash - path));
}

int cf_identity_save(const cf_identity *id, const char *path, const char *passphrase,
		     size_t passlen, cf_diags *diags)
{
	int rc = CF_CRYPT_ERROR;
	sbuf t = {sodium_malloc(IDFILE_MAX), 0, IDFILE_MAX, 0};
	if (!t.p) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while saving the identity");
		return CF_CRYPT_ERROR;
	}
	sputs(&t, IDENTITY_HEAD "\npublic ");
	sput_b64(&t, id->pub, CF_PUBKEY_BYTES);
	if (passphrase) {
		unsigned char salt[crypto_pwhash_SALTBYTES];
		unsigned char boxkey[crypto_secretbox_KEYBYTES];
		unsigned char box[BOX_BYTES];
		unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		if (passlen == 0) {
			cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					"the passphrase is empty");
			rc = CF_CRYPT_EPASSPHRASE;
			goto out;
		}
		randombytes_buf(salt, sizeof(salt));
		if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			sodium_memzero(boxkey, sizeof(boxkey));
			cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					"cannot derive a key from the passphrase (out of memory?)");
			goto out;
		}
		randombytes_buf(box, crypto_secretbox_NONCEBYTES);
		crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, id->secret,
				      crypto_box_SECRETKEYBYTES, box, boxkey);
		sodium_memzero(boxkey, sizeof(boxkey));
		sputs(&t, "\nsalt ");
		sput_b64(&t, salt, sizeof(salt));
		sputs(&t, "\nopslimit ");
		sput_u64(&t, ops);
		sputs(&t, "\nmemlimit ");
		sput_u64(&t, mem);
		sputs(&t, "\nbox ");
		sput_b64(&t, box, sizeof(box));
	} else {
		sputs(&t, "\nsecret ");
		sput_b64(&t, id->secret, crypto_box_SECRETKEYBYTES);
	}
	sputs(&t, "\n");
	if (t.bad) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while saving the identity");
		goto out;
	}
	char *dir = dir_of(path);
	if (!dir) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while saving the identity");
		goto out;
	}
	if (!cf_is_dir(dir) && cf_mkdirs(dir, 0700) < 0) {
		cf_keytext_errno(diags, path, "cannot create the identity's directory", errno);
		free(dir);
		goto out;
	}
	free(dir);
	if (cf_write_file_atomic(path, t.p, t.len, 0600) < 0) {
		cf_keytext_errno(diags, path, "cannot write the identity", errno);
		goto out;
	}
	rc = 0;
out:
	sodium_free(t.p);
	return rc;
}

/* Parses an identity file.  out NULL: only the public key, into pub. */
static int parse_identity(cf_identity **out, unsigned char pub[CF_PUBKEY_BYTES], const char *text,
			  size_t len, const char *path, const char *passphrase, size_t passlen,
			  cf_diags *diags)
{
	cf_keytext it = {text, text + len, 0};
	const char *s, *v;
	size_t n, vn;
	int rc;
	size_t hl = strlen(IDENTITY_HEAD);
	if (!cf_keytext_next(&it, &s, &n) || n != hl || memcmp(s, IDENTITY_HEAD, hl) != 0) {
		if (n > 18 && memcmp(s, "casefile-identity ", 18) == 0)
			cf_keytext_diag(
			    diags, path, 1, "crypt/key-format",
			    "unsupported version of the identity format (this casefile reads "
			    "version 1)");
		else if (diags)
			cf_diags_add(
			    diags, CF_SEV_ERROR, path ? path : "", 1, 0, "crypt/key-format",
			    "not a casefile identity: the first line must be '%s'", IDENTITY_HEAD);
		return CF_CRYPT_EKEYFORMAT;
	}
	if ((rc = expect_field(&it, "public", &v, &vn, path, diags)) != 0)
		return rc;
	unsigned char pk[CF_PUBKEY_BYTES];
	if (cf_keytext_b64(pk, sizeof(pk), v, vn) != 0) {
		cf_keytext_diag(diags, path, it.no, "crypt/key-format",
				"the public key must be 32 bytes in base64 (44 characters)");
		return CF_CRYPT_EKEYFORMAT;
	}
	if (!out) {
		memcpy(pub, pk, sizeof(pk));
		return 0;
	}
	unsigned pub_line = it.no;
	unsigned char *secret = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!secret) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the identity");
		return CF_CRYPT_ERROR;
	}
	cf_keytext look = it;
	int plain = field(&look, "secret", &v, &vn) == 1;
	if (plain) {
		it = look;
		if (cf_keytext_b64(secret, crypto_box_SECRETKEYBYTES, v, vn) != 0) {
			cf_keytext_diag(diags, path, it.no, "crypt/key-format",
					"the secret must be 32 bytes in base64 (44 characters)");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
	} else {
		unsigned char salt[crypto_pwhash_SALTBYTES];
		unsigned char box[BOX_BYTES];
		unsigned long long ops, mem;
		if ((rc = expect_field(&it, "salt", &v, &vn, path, diags)) != 0)
			goto out;
		if (cf_keytext_b64(salt, sizeof(salt), v, vn) != 0) {
			cf_keytext_diag(diags, path, it.no, "crypt/key-format",
					"the salt must be 16 bytes in base64");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
		if ((rc = expect_field(&it, "opslimit", &v, &vn, path, diags)) != 0)
			goto out;
		if (cf_keytext_u64(&ops, v, vn) != 0 || ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
		    ops > crypto_pwhash_OPSLIMIT_SENSITIVE) {
			cf_keytext_diag(diags, path, it.no, "crypt/key-format",
					"opslimit is not a number casefile accepts");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
		if ((rc = expect_field(&it, "memlimit", &v, &vn, path, diags)) != 0)
			goto out;
		if (cf_keytext_u64(&mem, v, vn) != 0 || mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
		    mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
			cf_keytext_diag(diags, path, it.no, "crypt/key-format",
					"memlimit is not a number casefile accepts");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
		if ((rc = expect_field(&it, "box", &v, &vn, path, diags)) != 0)
			goto out;
		if (cf_keytext_b64(box, sizeof(box), v, vn) != 0) {
			cf_keytext_diag(diags, path, it.no, "crypt/key-format",
					"the box must be 72 bytes in base64");
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
		if ((rc = cf_keytext_end(&it, path, diags)) != 0)
			goto out;
		if (!passphrase) {
			cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/passphrase",
						     "the identity is protected by a passphrase");
			cf_diag_hint(diags, d,
				     "give the passphrase (--passphrase-file FILE, or "
				     "type it when asked)");
			rc = CF_CRYPT_EPASSPHRASE;
			goto out;
		}
		unsigned char boxkey[crypto_secretbox_KEYBYTES];
		if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops,
				  (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			sodium_memzero(boxkey, sizeof(boxkey));
			cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					"cannot derive a key from the passphrase (out of memory?)");
			rc = CF_CRYPT_ERROR;
			goto out;
		}
		int open_rc = crypto_secretbox_open_easy(secret, box + crypto_secretbox_NONCEBYTES,
							 sizeof(box) - crypto_secretbox_NONCEBYTES,
							 box, boxkey);
		sodium_memzero(boxkey, sizeof(boxkey));
		if (open_rc != 0) {
			cf_diag *d =
			    cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					    "wrong passphrase, or the identity file was changed");
			cf_diag_hint(diags, d,
				     "check the passphrase; an identity cannot be "
				     "recovered without it");
			rc = CF_CRYPT_EPASSPHRASE;
			goto out;
		}
	}
	if (plain && (rc = cf_keytext_end(&it, path, diags)) != 0)
		goto out;
	cf_identity *id;
	if ((rc = identity_make(&id, secret)) != 0) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the identity");
		goto out;
	}
	if (sodium_memcmp(id->pub, pk, CF_PUBKEY_BYTES) != 0) {
		cf_keytext_diag(diags, path, pub_line, "crypt/key-format",
				"the public key does not match the secret");
		cf_identity_free(id);
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	*out = id;
	rc = 0;
out:
	sodium_free(secret);
	return rc;
}

int cf_identity_load(cf_identity **out, const char *path, const char *passphrase, size_t passlen,
		     cf_diags *diags)
{
	*out = NULL;
	char *text;
	size_t len;
	int rc = read_secret_file(&text, &len, path, IDFILE_MAX, "identity file", 1, diags);
	if (rc != 0)
		return rc;
	rc = parse_identity(out, NULL, text, len, path, passphrase, passlen, diags);
	sodium_free(text);
	return rc;
}

int cf_identity_read_public(unsigned char pub[CF_PUBKEY_BYTES], const char *path, cf_diags *diags)
{
	char *text;
	size_t len;
	int rc = read_secret_file(&text, &len, path, IDFILE_MAX, "identity file", 1, diags);
	if (rc != 0)
		return rc;
	rc = parse_identity(NULL, pub, text, len, path, NULL, 0, diags);
	sodium_free(text);
	return rc;
}

int cf_identity_is_protected(const char *path)
{
	char *text;
	size_t len;
	if (read_secret_file(&text, &len, path, IDFILE_MAX, "identity file", 0, NULL) != 0)
		return -1;
	cf_keytext it = {text, text + len, 0};
	const char *s;
	size_t n;
	int rc = -1;
	while (cf_keytext_next(&it, &s, &n)) {
		if (it.no == 1 && (n != strlen(IDENTITY_HEAD) || memcmp(s, IDENTITY_HEAD, n) != 0))
			break;
		if (n > 5 && memcmp(s, "salt ", 5) == 0) {
			rc = 1;
			break;
		}
		if (n > 7 && memcmp(s, "secret ", 7) == 0) {
			rc = 0;
			break;
		}
	}
	sodium_free(text);
	return rc;
}

/* ---- public keys ---- */

void cf_pubkey_format(cf_buf *out, const unsigned char pub[CF_PUBKEY_BYTES])
{
	char b64[sodium_base64_ENCODED_LEN(CF_PUBKEY_BYTES, B64)];
	sodium_bin2base64(b64, sizeof(b64), pub, CF_PUBKEY_BYTES, B64);
	cf_buf_puts(out, PUB_HEAD);
	cf_buf_puts(out, b64);
}

/* The length of s without trailing spaces, tabs, CR and LF. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

int cf_pubkey_parse(unsigned char pub[CF_PUBKEY_BYTES], const char *line)
{
	size_t hl = strlen(PUB_HEAD);
	if (!line)
		return -1;
	size_t n = trimmed_len(line, strlen(line));
	if (n <= hl || memcmp(line, PUB_HEAD, hl) != 0)
		return -1;
	if (memchr(line, '\n', n))
		return -1;
	return cf_keytext_b64(pub, CF_PUBKEY_BYTES, line + hl, n - hl) == 0 ? 0 : -1;
}

int cf_member_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > MEMBER_NAME_MAX || name[0] == '.')
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       n;
}

int cf_access_case_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > CASE_ID_MAX || id[0] == '.')
		return 0;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* ---- sealing ---- */

int cf_key_seal(cf_buf *out, const cf_key *k, const unsigned char pub[CF_PUBKEY_BYTES])
{
	unsigned char sealed[SEALED_BYTES];
	char b64[sodium_base64_ENCODED_LEN(SEALED_BYTES, B64)];
	if (crypto_box_seal(sealed, cf_key_secret(k), CF_KEY_BYTES, pub) != 0)
		return CF_CRYPT_ERROR;
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed), B64);
	cf_buf_puts(out, SEALED_HEAD);
	cf_buf_puts(out, b64);
	cf_buf_putc(out, '\n');
	return cf_buf_oom(out) ? CF_CRYPT_ERROR : 0;
}

int cf_key_unseal(cf_key **out, const char *text, size_t len,
		  const unsigned char expect_id[CF_KEYID_BYTES], const cf_identity *id,
		  const char *path, cf_diags *diags)
{
	*out = NULL;
	size_t hl = strlen(SEALED_HEAD);
	size_t n = text ? trimmed_len(text, len) : 0;
	unsigned char sealed[SEALED_BYTES];
	if (n <= hl || memcmp(text, SEALED_HEAD, hl) != 0 || memchr(text, '\n', n) ||
	    cf_keytext_b64(sealed, sizeof(sealed), text + hl, n - hl) != 0) {
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
	if (crypto_box_seal_open(secret, sealed, sizeof(sealed), id->pub, id->secret) != 0) {
		sodium_free(secret);
		cf_diag *d =
		    cf_keytext_diag(diags, path, 0, "crypt/sealed",
				    "the sealed key cannot be opened with your identity (it was "
				    "sealed to another public key, or changed)");
		cf_diag_hint(diags, d,
			     "ask a member who holds the key to run `casefile member "
			     "add` with your public key");
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
	if (expect_id && sodium_memcmp(cf_key_id(k), expect_id, CF_KEYID_BYTES) != 0) {
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, cf_key_id(k));
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/sealed",
				     "the sealed key is key %s, not the key its directory names",
				     hex);
		cf_key_free(k);
		return CF_CRYPT_EKEYFORMAT;
	}
	*out = k;
	return 0;
}

/* ---- access.yaml ---- */

static cf_diag *access_diag(cf_diags *diags, const cf_node *at, const char *msg)
{
	return cf_diags_add(diags, CF_SEV_ERROR, CF_ACCESS_PATH, at ? at->line : 0,
			    at ? at->col : 0, "crypt/access", "%s", msg);
}

static int access_keyid(unsigned char id[CF_KEYID_BYTES], const cf_node *n, const char *what,
			cf_diags *diags)
{
	const char *s = cf_node_str(n);
	if (s && n->kind == CF_NODE_SCALAR && strlen(s) == n->len && cf_keyid_parse(id, s) == 0)
		return 0;
	cf_diags_add(diags, CF_SEV_ERROR, CF_ACCESS_PATH, n->line, n->col, "crypt/access",
		     "%s must be a key id of 16 hex digits", what);
	return -1;
}

static int access_parse(cf_access *a, const cf_doc *doc, cf_diags *diags)
{
	const cf_node *root = doc->root;
	if (!root || cf_node_is_null(root))
		return 0;
	if (root->kind != CF_NODE_MAP) {
		access_diag(diags, root,
			    "access.yaml must be a map of repository_key and case_keys");
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < root->n; i++) {
		const cf_pair *p = &root->pairs[i];
		const char *k = p->key->str;
		if (strcmp(k, "repository_key") == 0) {
			if (access_keyid(a->repository_key, p->val, "repository_key", diags) < 0)
				bad = 1;
			else
				a->has_repository_key = 1;
		} else if (strcmp(k, "case_keys") == 0) {
			const cf_node *m = p->val;
			if (cf_node_is_null(m))
				continue;
			if (m->kind != CF_NODE_MAP) {
				access_diag(diags, m,
					    "case_keys must be a map of case id to key id");
				bad = 1;
				continue;
			}
			for (size_t j = 0; j < m->n; j++) {
				const cf_node *key = m->pairs[j].key;
				unsigned char id[CF_KEYID_BYTES];
				if (!cf_access_case_id_valid(key->str) ||
				    strlen(key->str) != key->len) {
					cf_diags_add(diags, CF_SEV_ERROR, CF_ACCESS_PATH, key->line,
						     key->col, "crypt/access",
						     "'%s' is not a case id", key->str);
					bad = 1;
					continue;
				}
				char what[64];
				snprintf(what, sizeof(what), "the key of case %s", key->str);
				if (access_keyid(id, m->pairs[j].val, what, diags) < 0) {
					bad = 1;
					continue;
				}
				if (cf_access_set_case(a, key->str, id) < 0) {
					diags->oom = 1;
					return -1;
				}
			}
		} else {
			cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, CF_ACCESS_PATH, p->key->line,
						  p->key->col, "crypt/access",
						  "unknown key '%s' in access.yaml", k);
			cf_diag_hint(diags, d, "access.yaml holds repository_key and case_keys");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int cf_access_load(cf_access *out, const char *root, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	cf_diags local = CF_DIAGS_INIT;
	cf_diags *d = diags ? diags : &local;
	char *path = cf_path_join(root, CF_ACCESS_PATH);
	cf_arena *arena = NULL;
	cf_buf data = CF_BUF_INIT;
	int rc = -1;
	if (!path || cf_arena_new(&arena, 0) < 0) {
		d->oom = 1;
		goto out;
	}
	if (cf_read_file_buf(&data, path, ACCESS_MAX) < 0) {
		if (errno == ENOENT) {
			rc = 0;
			goto out;
		}
		cf_diags_add(d, CF_SEV_ERROR, CF_ACCESS_PATH, 0, 0, "crypt/access",
			     "cannot read access.yaml: %s", strerror(errno));
		goto out;
	}
	/* An empty file (or one of comments only) names no keys: not an error here. */
	cf_diags parse = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	int prc = cf_doc_parse_yaml(&doc, arena, CF_ACCESS_PATH, cf_buf_cstr(&data), data.len, NULL,
				    &parse);
	if (parse.len == 1 && strcmp(parse.items[0].rule, "yaml/empty") == 0) {
		cf_diags_free(&parse);
		rc = 0;
		goto out;
	}
	int bad = prc < 0 || cf_diags_count(&parse, CF_SEV_ERROR) > 0;
	cf_diags_move(d, &parse);
	cf_diags_free(&parse);
	if (!bad)
		rc = access_parse(out, doc, d);
out:
	if (rc < 0)
		cf_access_free(out);
	cf_arena_free(arena);
	cf_buf_free(&data);
	free(path);
	cf_diags_free(&local);
	return rc;
}

static int case_cmp(const void *a, const void *b)
{
	return strcmp(((const cf_access_case *)a)->id, ((const cf_access_case *)b)->id);
}

int cf_access_save(const cf_access *a, const char *root)
{
	cf_buf b = CF_BUF_INIT;
	char hex[CF_KEYID_HEX_BYTES];
	cf_access_case *sorted = NULL;
	int rc = -1;
	cf_buf_puts(&b, "# Which key encrypts which case (DESIGN.md §6). Written by casefile: key "
			"ids, no secrets.\n");
	if (a->has_repository_key) {
		cf_keyid_hex(hex, a->repository_key);
		cf_buf_printf(&b, "repository_key: %s\n", hex);
	}
	if (a->n == 0) {
		cf_buf_puts(&b, "case_keys: {}\n");
	} else {
		sorted = malloc(a->n * sizeof(*sorted));
		if (!sorted)
			goto out;
		memcpy(sorted, a->cases, a->n * sizeof(*sorted));
		qsort(sorted, a->n, sizeof(*sorted), case_cmp);
		cf_buf_puts(&b, "case_keys:\n");
		for (size_t i = 0; i < a->n; i++) {
			cf_keyid_hex(hex, sorted[i].key);
			cf_buf_printf(&b, "  %s: %s\n", sorted[i].id, hex);
		}
	}
	if (cf_buf_oom(&b))
		goto out;
	char *dir = cf_path_join(root, ".casefile");
	char *path = cf_path_join(root, CF_ACCESS_PATH);
	if (dir && path && (cf_is_dir(dir) || cf_mkdirs(dir, 0755) == 0) &&
	    cf_write_file_atomic(path, b.ptr, b.len, 0644) == 0)
		rc = 0;
	free(dir);
	free(path);
out:
	free(sorted);
	cf_buf_free(&b);
	return rc;
}

const unsigned char *cf_access_key_for(const cf_access *a, const char *path)
{
	static const char prefix[] = "cases/";
	size_t pl = sizeof(prefix) - 1;
	if (!path || strncmp(path, prefix, pl) != 0 || path[pl] == '\0')
		return NULL;
	const char *id = path + pl;
	size_t n = strcspn(id, "/");
	for (size_t i = 0; i < a->n; i++)
		if (strlen(a->cases[i].id) == n && memcmp(a->cases[i].id, id, n) == 0)
			return a->cases[i].key;
	return a->has_repository_key ? a->repository_key : NULL;
}

int cf_access_set_case(cf_access *a, const char *case_id, const unsigned char key[CF_KEYID_BYTES])
{
	if (!cf_access_case_id_valid(case_id))
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->cases[i].id, case_id) == 0) {
			memcpy(a->cases[i].key, key, CF_KEYID_BYTES);
			return 0;
		}
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		cf_access_case *c = realloc(a->cases, cap * sizeof(*c));
		if (!c)
			return -1;
		a->cases = c;
		a->cap = cap;
	}
	cf_access_case *c = &a->cases[a->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, case_id, strlen(case_id) + 1);
	memcpy(c->key, key, CF_KEYID_BYTES);
	return 0;
}

void cf_access_free(cf_access *a)
{
	if (!a)
		return;
	free(a->cases);
	memset(a, 0, sizeof(*a));
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
		loose_mode(diags, dir, "key store directory", st.st_mode, "700");
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
		if (!path || (unlink(path) != 0 && errno != ENOENT)) {
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
