#include "identity.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypt.h"
#include "fs.h"
#include "keytext.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define HEAD_V1 "casefile-identity 1"
#define HEAD_V2 "casefile-identity 2"
#define HEAD_NAME "casefile-identity "
#define PUB1_HEAD "casefile-pub-1 "
#define PUB2_HEAD "casefile-pub-2 "
#define FP_DOMAIN "casefile-fingerprint-1"
/* An identity file is a few hundred bytes; anything much larger is not one. */
#define IDFILE_MAX 4096
#define MEMBER_NAME_MAX 64
#define SEED_BYTES crypto_sign_SEEDBYTES
/* The secret bytes of a version 2 identity: the X25519 secret, then the Ed25519 seed. */
#define SECRET2_BYTES (crypto_box_SECRETKEYBYTES + SEED_BYTES)
#define BOX_OVERHEAD (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
#define FP_CHARS 16

struct cf_identity {
	/* sodium_malloc, read-only once set: the X25519 secret, the Ed25519 seed and the
	 * Ed25519 secret key libsodium signs with (seed and public key). */
	unsigned char *secret;
	cf_pubkeys pub;
};

#define SEC_BOX 0
#define SEC_SEED crypto_box_SECRETKEYBYTES
#define SEC_SIGN (SEC_SEED + SEED_BYTES)
#define SEC_BYTES (SEC_SIGN + crypto_sign_SECRETKEYBYTES)

/* ---- making one ---- */

/* box NULL: a new X25519 pair; seed NULL: no signing key (a version 1 identity). */
static int identity_make(cf_identity **out, const unsigned char *box, const unsigned char *seed)
{
	*out = NULL;
	cf_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return CF_CRYPT_ERROR;
	id->secret = sodium_malloc(SEC_BYTES);
	if (!id->secret) {
		free(id);
		return CF_CRYPT_ERROR;
	}
	sodium_memzero(id->secret, SEC_BYTES);
	int rc = 0;
	if (box) {
		memcpy(id->secret + SEC_BOX, box, crypto_box_SECRETKEYBYTES);
		rc = crypto_scalarmult_base(id->pub.box, id->secret + SEC_BOX);
	} else {
		rc = crypto_box_keypair(id->pub.box, id->secret + SEC_BOX);
	}
	if (rc == 0 && seed) {
		memcpy(id->secret + SEC_SEED, seed, SEED_BYTES);
		rc = crypto_sign_seed_keypair(id->pub.sign, id->secret + SEC_SIGN,
					      id->secret + SEC_SEED);
		id->pub.has_sign = rc == 0;
	}
	if (rc != 0) {
		cf_identity_free(id);
		return CF_CRYPT_ERROR;
	}
	(void)sodium_mprotect_readonly(id->secret);
	*out = id;
	return 0;
}

int cf_identity_generate(cf_identity **out)
{
	unsigned char seed[SEED_BYTES];
	randombytes_buf(seed, sizeof(seed));
	int rc = identity_make(out, NULL, seed);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

int cf_identity_add_signing(cf_identity *id)
{
	if (id->pub.has_sign)
		return 0;
	if (sodium_mprotect_readwrite(id->secret) != 0)
		return -1;
	randombytes_buf(id->secret + SEC_SEED, SEED_BYTES);
	int rc =
	    crypto_sign_seed_keypair(id->pub.sign, id->secret + SEC_SIGN, id->secret + SEC_SEED);
	(void)sodium_mprotect_readonly(id->secret);
	if (rc != 0)
		return -1;
	id->pub.has_sign = 1;
	return 1;
}

const cf_pubkeys *cf_identity_public(const cf_identity *id)
{
	return &id->pub;
}

int cf_identity_can_sign(const cf_identity *id)
{
	return id->pub.has_sign;
}

int cf_identity_sign(const cf_identity *id, unsigned char sig[CF_SIGNATURE_BYTES], const void *msg,
		     size_t len)
{
	if (!id->pub.has_sign)
		return -1;
	return crypto_sign_detached(sig, NULL, msg, len, id->secret + SEC_SIGN) == 0 ? 0 : -1;
}

int cf_identity_unseal(const cf_identity *id, unsigned char *out, const unsigned char *sealed,
		       size_t n)
{
	if (n < crypto_box_SEALBYTES)
		return -1;
	return crypto_box_seal_open(out, sealed, n, id->pub.box, id->secret + SEC_BOX) == 0 ? 0
											    : -1;
}

int cf_signature_valid(const unsigned char pub[CF_SIGNPUB_BYTES],
		       const unsigned char sig[CF_SIGNATURE_BYTES], const void *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0;
}

void cf_identity_free(cf_identity *id)
{
	if (!id)
		return;
	if (id->secret)
		sodium_free(id->secret);
	free(id);
}

/* ---- the file ---- */

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

/* Seals the secret bytes with the passphrase into the file's salt, limits and box lines. */
static int put_protected(sbuf *t, const unsigned char *secret, size_t n, const char *passphrase,
			 size_t passlen, const char *path, cf_diags *diags)
{
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char boxkey[crypto_secretbox_KEYBYTES];
	unsigned char box[BOX_OVERHEAD + SECRET2_BYTES];
	unsigned long long ops = CF_PWHASH_OPSLIMIT;
	size_t mem = CF_PWHASH_MEMLIMIT;
	randombytes_buf(salt, sizeof(salt));
	if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(boxkey, sizeof(boxkey));
		cf_keytext_diag(diags, path, 0, "crypt/passphrase",
				"cannot derive a key from the passphrase (out of memory?)");
		return CF_CRYPT_ERROR;
	}
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret, n, box, boxkey);
	sodium_memzero(boxkey, sizeof(boxkey));
	sputs(t, "\nsalt ");
	sput_b64(t, salt, sizeof(salt));
	sputs(t, "\nopslimit ");
	sput_u64(t, ops);
	sputs(t, "\nmemlimit ");
	sput_u64(t, mem);
	sputs(t, "\nbox ");
	sput_b64(t, box, BOX_OVERHEAD + n);
	return 0;
}

int cf_identity_save(const cf_identity *id, const char *path, const char *passphrase,
		     size_t passlen, cf_diags *diags)
{
	int rc = CF_CRYPT_ERROR;
	int v2 = id->pub.has_sign;
	size_t n = v2 ? SECRET2_BYTES : crypto_box_SECRETKEYBYTES;
	if (passphrase && !cf_passphrase_acceptable(passphrase, passlen)) {
		cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					     "the passphrase is too short to protect the identity");
		cf_diag_hint(diags, d, "choose a passphrase of at least 12 characters");
		return CF_CRYPT_EPASSPHRASE;
	}
	sbuf t = {sodium_malloc(IDFILE_MAX), 0, IDFILE_MAX, 0};
	if (!t.p) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while saving the identity");
		return CF_CRYPT_ERROR;
	}
	sputs(&t, v2 ? HEAD_V2 "\npublic " : HEAD_V1 "\npublic ");
	sput_b64(&t, id->pub.box, CF_PUBKEY_BYTES);
	if (v2) {
		sputs(&t, "\nsign-public ");
		sput_b64(&t, id->pub.sign, CF_SIGNPUB_BYTES);
	}
	/* id->secret holds the X25519 secret and the seed side by side: what the file keeps. */
	if (passphrase) {
		if ((rc = put_protected(&t, id->secret, n, passphrase, passlen, path, diags)) != 0)
			goto out;
		rc = CF_CRYPT_ERROR;
	} else {
		sputs(&t, "\nsecret ");
		sput_b64(&t, id->secret, n);
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

/* ---- reading the file ---- */

/* The next line as "NAME VALUE": 1 and the value when its name is name, 0 when it is another
 * line (the line is consumed either way), -1 at the end. */
static int field(cf_keytext *it, const char *name, const char **val, size_t *vlen)
{
	const char *s = NULL;
	size_t n = 0;
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
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", r < 0 ? it->no + 1 : it->no, 0,
			     "crypt/key-format",
			     r < 0 ? "the identity ends where '%s' was expected"
				   : "expected '%s VALUE'",
			     name);
	return CF_CRYPT_EKEYFORMAT;
}

static int b64_field(unsigned char *out, size_t want, cf_keytext *it, const char *name,
		     const char *what, const char *path, cf_diags *diags)
{
	const char *v;
	size_t vn;
	int rc = expect_field(it, name, &v, &vn, path, diags);
	if (rc != 0)
		return rc;
	if (cf_keytext_b64(out, want, v, vn) != 0) {
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it->no, 0,
				     "crypt/key-format", "%s must be %zu bytes in base64", what,
				     want);
		return CF_CRYPT_EKEYFORMAT;
	}
	return 0;
}

static int limit_field(unsigned long long *out, unsigned long long lo, unsigned long long hi,
		       cf_keytext *it, const char *name, const char *path, cf_diags *diags)
{
	const char *v;
	size_t vn;
	int rc = expect_field(it, name, &v, &vn, path, diags);
	if (rc != 0)
		return rc;
	/* Limits come from the file, so cap them: a hostile file must not make us spend
	 * unbounded memory or time before the passphrase can even be checked. */
	if (cf_keytext_u64(out, v, vn) != 0 || *out < lo || *out > hi) {
		if (diags)
			cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it->no, 0,
				     "crypt/key-format", "%s is not a number casefile accepts",
				     name);
		return CF_CRYPT_EKEYFORMAT;
	}
	return 0;
}

/* The head line: 1 or 2, or a negative error after the diagnostic. */
static int identity_version(cf_keytext *it, const char *path, cf_diags *diags)
{
	const char *s = NULL;
	size_t n = 0;
	if (!cf_keytext_next(it, &s, &n)) {
		cf_keytext_diag(diags, path, 1, "crypt/key-format",
				"the identity file is empty: run `casefile keygen --force` to make "
				"a new one (the keys sealed to the old one are lost to you)");
		return CF_CRYPT_EKEYFORMAT;
	}
	if (n == strlen(HEAD_V1) && memcmp(s, HEAD_V1, n) == 0)
		return 1;
	if (n == strlen(HEAD_V2) && memcmp(s, HEAD_V2, n) == 0)
		return 2;
	if (n > strlen(HEAD_NAME) && memcmp(s, HEAD_NAME, strlen(HEAD_NAME)) == 0)
		cf_keytext_diag(diags, path, 1, "crypt/key-format",
				"unsupported version of the identity format (this casefile reads "
				"versions 1 and 2)");
	else if (diags)
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 1, 0, "crypt/key-format",
			     "not a casefile identity: the first line must be '%s'", HEAD_V2);
	return CF_CRYPT_EKEYFORMAT;
}

/* Opens the protected secret (n bytes) with the passphrase. */
static int open_protected(unsigned char *secret, size_t n, cf_keytext *it, const char *path,
			  const char *passphrase, size_t passlen, cf_diags *diags)
{
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char box[BOX_OVERHEAD + SECRET2_BYTES];
	unsigned long long ops = 0, mem = 0;
	int rc;
	if ((rc = b64_field(salt, sizeof(salt), it, "salt", "the salt", path, diags)) != 0 ||
	    (rc = limit_field(&ops, crypto_pwhash_argon2id_OPSLIMIT_MIN,
			      crypto_pwhash_OPSLIMIT_SENSITIVE, it, "opslimit", path, diags)) !=
		0 ||
	    (rc = limit_field(&mem, crypto_pwhash_argon2id_MEMLIMIT_MIN,
			      crypto_pwhash_MEMLIMIT_SENSITIVE, it, "memlimit", path, diags)) !=
		0 ||
	    (rc = b64_field(box, BOX_OVERHEAD + n, it, "box", "the box", path, diags)) != 0 ||
	    (rc = cf_keytext_end(it, path, diags)) != 0)
		return rc;
	if (!passphrase) {
		cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					     "the identity is protected by a passphrase");
		cf_diag_hint(diags, d,
			     "give the passphrase (--passphrase-file FILE, or type it when asked)");
		return CF_CRYPT_EPASSPHRASE;
	}
	unsigned char boxkey[crypto_secretbox_KEYBYTES];
	if (crypto_pwhash(boxkey, sizeof(boxkey), passphrase, passlen, salt, ops, (size_t)mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(boxkey, sizeof(boxkey));
		cf_keytext_diag(diags, path, 0, "crypt/passphrase",
				"cannot derive a key from the passphrase (out of memory?)");
		return CF_CRYPT_ERROR;
	}
	int open_rc = crypto_secretbox_open_easy(secret, box + crypto_secretbox_NONCEBYTES,
						 crypto_secretbox_MACBYTES + n, box, boxkey);
	sodium_memzero(boxkey, sizeof(boxkey));
	if (open_rc != 0) {
		cf_diag *d = cf_keytext_diag(diags, path, 0, "crypt/passphrase",
					     "wrong passphrase, or the identity file was changed");
		cf_diag_hint(diags, d,
			     "check the passphrase; an identity cannot be recovered without it");
		return CF_CRYPT_EPASSPHRASE;
	}
	return 0;
}

/* Parses an identity file.  out NULL: only the public keys, into pub. */
static int parse_identity(cf_identity **out, cf_pubkeys *pub, const char *text, size_t len,
			  const char *path, const char *passphrase, size_t passlen, cf_diags *diags)
{
	cf_keytext it = {text, text + len, 0};
	cf_pubkeys pk;
	memset(&pk, 0, sizeof(pk));
	int version = identity_version(&it, path, diags);
	if (version < 0)
		return version;
	int rc = b64_field(pk.box, CF_PUBKEY_BYTES, &it, "public", "the public key", path, diags);
	if (rc != 0)
		return rc;
	unsigned pub_line = it.no;
	if (version == 2) {
		if ((rc = b64_field(pk.sign, CF_SIGNPUB_BYTES, &it, "sign-public",
				    "the signing public key", path, diags)) != 0)
			return rc;
		pk.has_sign = 1;
	}
	if (!out) {
		*pub = pk;
		return 0;
	}
	size_t n = version == 2 ? SECRET2_BYTES : crypto_box_SECRETKEYBYTES;
	unsigned char *secret = sodium_malloc(SECRET2_BYTES);
	if (!secret) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the identity");
		return CF_CRYPT_ERROR;
	}
	cf_keytext look = it;
	const char *v;
	size_t vn;
	if (field(&look, "secret", &v, &vn) == 1) {
		it = look;
		if (cf_keytext_b64(secret, n, v, vn) != 0) {
			if (diags)
				cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", it.no, 0,
					     "crypt/key-format",
					     "the secret must be %zu bytes in base64", n);
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
		rc = cf_keytext_end(&it, path, diags);
	} else {
		rc = open_protected(secret, n, &it, path, passphrase, passlen, diags);
	}
	if (rc != 0)
		goto out;
	cf_identity *id;
	if ((rc = identity_make(&id, secret, version == 2 ? secret + SEC_SEED : NULL)) != 0) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io",
				"out of memory while loading the identity");
		goto out;
	}
	if (sodium_memcmp(id->pub.box, pk.box, CF_PUBKEY_BYTES) != 0 ||
	    (version == 2 && sodium_memcmp(id->pub.sign, pk.sign, CF_SIGNPUB_BYTES) != 0)) {
		cf_keytext_diag(diags, path, pub_line, "crypt/key-format",
				"the public keys do not match the secret");
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
	int rc = cf_keytext_read_secret(&text, &len, path, IDFILE_MAX, "identity file", 1, diags);
	if (rc != 0)
		return rc;
	rc = parse_identity(out, NULL, text, len, path, passphrase, passlen, diags);
	sodium_free(text);
	return rc;
}

int cf_identity_read_public(cf_pubkeys *out, const char *path, cf_diags *diags)
{
	char *text;
	size_t len;
	memset(out, 0, sizeof(*out));
	int rc = cf_keytext_read_secret(&text, &len, path, IDFILE_MAX, "identity file", 1, diags);
	if (rc != 0)
		return rc;
	rc = parse_identity(NULL, out, text, len, path, NULL, 0, diags);
	sodium_free(text);
	return rc;
}

int cf_identity_is_protected(const char *path)
{
	char *text;
	size_t len;
	if (cf_keytext_read_secret(&text, &len, path, IDFILE_MAX, "identity file", 0, NULL) != 0)
		return -1;
	cf_keytext it = {text, text + len, 0};
	const char *s;
	size_t n;
	int rc = -1;
	while (cf_keytext_next(&it, &s, &n)) {
		if (it.no == 1 &&
		    !(n > strlen(HEAD_NAME) && memcmp(s, HEAD_NAME, strlen(HEAD_NAME)) == 0))
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

/* ---- public lines and fingerprints ---- */

static const char base32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford's */

void cf_fingerprint_of_hash(char out[CF_FINGERPRINT_BYTES], const unsigned char hash[CF_HASH_BYTES])
{
	/* 80 bits, five at a time, into four groups of four. */
	size_t o = 0;
	for (unsigned i = 0; i < FP_CHARS; i++) {
		unsigned bit = i * 5, v = 0;
		for (unsigned j = 0; j < 5; j++, bit++)
			v = v << 1 | ((hash[bit / 8] >> (7 - bit % 8)) & 1u);
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = base32[v];
	}
	out[o] = '\0';
}

void cf_pubkeys_fingerprint(char out[CF_FINGERPRINT_BYTES], const cf_pubkeys *pk)
{
	unsigned char h[CF_HASH_BYTES];
	crypto_generichash_state st;
	static const unsigned char none[CF_SIGNPUB_BYTES];
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)FP_DOMAIN, sizeof(FP_DOMAIN));
	crypto_generichash_update(&st, pk->box, CF_PUBKEY_BYTES);
	crypto_generichash_update(&st, pk->has_sign ? pk->sign : none, CF_SIGNPUB_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	cf_fingerprint_of_hash(out, h);
}

/* A character of a fingerprint as a person may type it, as the alphabet spells it; 0 for
 * one to skip (a dash, a blank), -1 for one that is none. */
static int fp_char(char c)
{
	if (c == '-' || c == ' ' || c == '\t')
		return 0;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	return c && strchr(base32, c) ? c : -1;
}

int cf_fingerprint_matches(const char *fp, const char *text)
{
	char want[FP_CHARS], got[FP_CHARS];
	size_t nw = 0, ng = 0;
	if (!fp || !text)
		return 0;
	for (const char *p = fp; *p; p++) {
		int c = fp_char(*p);
		if (c < 0 || (c && nw == FP_CHARS))
			return 0;
		if (c)
			want[nw++] = (char)c;
	}
	for (const char *p = text; *p; p++) {
		int c = fp_char(*p);
		if (c < 0 || (c && ng == FP_CHARS))
			return 0;
		if (c)
			got[ng++] = (char)c;
	}
	return nw == FP_CHARS && ng == FP_CHARS && memcmp(want, got, FP_CHARS) == 0;
}

void cf_pubkeys_format(cf_buf *out, const cf_pubkeys *pk)
{
	unsigned char both[CF_PUBKEY_BYTES + CF_SIGNPUB_BYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof(both), B64)];
	if (!pk->has_sign) {
		sodium_bin2base64(b64, sizeof(b64), pk->box, CF_PUBKEY_BYTES, B64);
		cf_buf_puts(out, PUB1_HEAD);
		cf_buf_puts(out, b64);
		return;
	}
	memcpy(both, pk->box, CF_PUBKEY_BYTES);
	memcpy(both + CF_PUBKEY_BYTES, pk->sign, CF_SIGNPUB_BYTES);
	sodium_bin2base64(b64, sizeof(b64), both, sizeof(both), B64);
	char fp[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(fp, pk);
	cf_buf_printf(out, "%s%s %s", PUB2_HEAD, b64, fp);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cf_pubkeys_parse(cf_pubkeys *out, const char *line)
{
	memset(out, 0, sizeof(*out));
	if (!line)
		return -1;
	const char *s = line;
	size_t n = strlen(s);
	while (n && is_blank(*s))
		s++, n--;
	while (n && is_blank(s[n - 1]))
		n--;
	if (memchr(s, '\n', n) || memchr(s, '\r', n))
		return -1;
	size_t h1 = strlen(PUB1_HEAD), h2 = strlen(PUB2_HEAD);
	if (n > h1 && memcmp(s, PUB1_HEAD, h1) == 0) {
		return cf_keytext_b64(out->box, CF_PUBKEY_BYTES, s + h1, n - h1) == 0 ? 0 : -1;
	}
	if (n <= h2 || memcmp(s, PUB2_HEAD, h2) != 0)
		return -1;
	s += h2;
	n -= h2;
	size_t keylen = 0;
	while (keylen < n && !is_blank(s[keylen]))
		keylen++;
	unsigned char both[CF_PUBKEY_BYTES + CF_SIGNPUB_BYTES];
	if (cf_keytext_b64(both, sizeof(both), s, keylen) != 0)
		return -1;
	memcpy(out->box, both, CF_PUBKEY_BYTES);
	memcpy(out->sign, both + CF_PUBKEY_BYTES, CF_SIGNPUB_BYTES);
	out->has_sign = 1;
	const char *rest = s + keylen;
	size_t rn = n - keylen;
	while (rn && is_blank(*rest))
		rest++, rn--;
	if (rn == 0)
		return 0;
	char typed[64], fp[CF_FINGERPRINT_BYTES];
	if (rn >= sizeof(typed)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	memcpy(typed, rest, rn);
	typed[rn] = '\0';
	cf_pubkeys_fingerprint(fp, out);
	if (!cf_fingerprint_matches(fp, typed)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int cf_member_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > MEMBER_NAME_MAX || name[0] == '.')
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       n;
}
