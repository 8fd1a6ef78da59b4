/* lib/crypt: the blob format (version 2 written, version 1 still read), the case a blob is
 * bound to, padding, tamper detection, unknown keys, key files and passphrase export. */
#include "tap.h"

#include <dirent.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"

#include "fsutil.h"

#define CASE_A "2026-014"
#define CASE_B "2026-015"
#define PATH_A "cases/" CASE_A "/case.yaml"
#define PATH_B "cases/" CASE_B "/case.yaml"
/* The bytes of a version 2 header before the case id: magic, version, key id, nonce, L. */
#define V2_FIXED (CF_CRYPT_HEADER_BYTES + 1)
#define OFF_KEYID (CF_CRYPT_MAGIC_BYTES + 1)
#define OFF_NONCE (OFF_KEYID + CF_KEYID_BYTES)
#define OFF_CASE_LEN CF_CRYPT_HEADER_BYTES

static const char yaml[] = "id: 2026-014\n"
			   "child:\n"
			   "  name: Example Child\n"
			   "dates:\n"
			   "  referral: 2026-01-12\n";

static const char yaml_alive[] = "id: 2026-014\n"
				 "child:\n"
				 "  name: Example Child\n"
				 "  died: false\n"
				 "dates:\n"
				 "  referral: 2026-01-12\n";
static const char yaml_died[] = "id: 2026-014\n"
				"child:\n"
				"  name: Example Child\n"
				"  died: true\n"
				"dates:\n"
				"  referral: 2026-01-12\n";

static char tmpdir[64];

/* The rule of the only diagnostic, or a marker saying why there is not exactly one. */
static const char *only_rule(const cf_diags *d)
{
	if (d->len == 0)
		return "(none)";
	if (d->len > 1)
		return "(several)";
	return d->items[0].rule;
}

static int msg_has(const cf_diags *d, const char *needle)
{
	return d->len == 1 && strstr(d->items[0].message, needle) != NULL;
}

/* 1 when the n bytes at hay hold needle. */
static int contains(const void *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp((const char *)hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static void path_in_tmp(cf_buf *b, const char *name)
{
	cf_buf_clear(b);
	cf_buf_printf(b, "%s/%s", tmpdir, name);
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	if (!d)
		return;
	struct dirent *e;
	cf_buf p = CF_BUF_INIT;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_in_tmp(&p, e->d_name);
		unlink(p.ptr);
	}
	closedir(d);
	cf_buf_free(&p);
	ok(rmdir(tmpdir) == 0, "temp dir removed");
}

static size_t count_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* The length crypt.h gives a version 2 blob of n plaintext bytes for a case id of l bytes:
 * header, the 4-byte length and the text padded to whole blocks, tag. */
static size_t v2_len(size_t l, size_t n)
{
	size_t blocks = (CF_CRYPT_LEN_BYTES + n + CF_CRYPT_PAD_BYTES - 1) / CF_CRYPT_PAD_BYTES;
	return V2_FIXED + l + blocks * CF_CRYPT_PAD_BYTES + CF_CRYPT_TAG_BYTES;
}

/* Decrypts at path into a fresh secure arena; returns the result and whether anything of a
 * plaintext came back (a pointer or a length). */
static int try_decrypt(const cf_keyring *ring, const void *blob, size_t len, const char *path,
		       cf_diags *d, int *gave_plain)
{
	cf_arena *a = NULL;
	char *plain = (char *)"sentinel";
	size_t plen = 99;
	if (cf_arena_new(&a, 1) != 0)
		return 1000;
	int rc = cf_crypt_decrypt(&plain, &plen, a, ring, blob, len, path, d);
	*gave_plain = plain != NULL || plen != 0;
	cf_arena_free(a);
	return rc;
}

/* 1 when blob decrypts at path to exactly want (n bytes, NUL-terminated), with no
 * diagnostic. */
static int decrypts_to(const cf_keyring *ring, const void *blob, size_t len, const char *path,
		       const char *want, size_t n)
{
	cf_arena *a = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *plain = NULL;
	size_t plen = 0;
	if (cf_arena_new(&a, 1) != 0)
		return 0;
	int rc = cf_crypt_decrypt(&plain, &plen, a, ring, blob, len, path, &d);
	int good = rc == 0 && d.len == 0 && plain && plen == n && memcmp(plain, want, n) == 0 &&
		   plain[n] == '\0';
	if (!good)
		printf("#   decrypt at %s: rc %d, %zu bytes (want %zu), rule %s\n", path, rc, plen,
		       n, only_rule(&d));
	cf_diags_free(&d);
	cf_arena_free(a);
	return good;
}

/* What a changed byte at offset i of a blob must give; l is a version 2 blob's case id
 * length, or -1 for a version 1 blob. */
static int expect_for_offset(size_t i, int l, const char **rule)
{
	if (i < CF_CRYPT_MAGIC_BYTES) {
		*rule = "crypt/format";
		return CF_CRYPT_ENOTENCRYPTED;
	}
	if (i == CF_CRYPT_MAGIC_BYTES) {
		*rule = "crypt/format";
		return CF_CRYPT_EFORMAT;
	}
	if (i < OFF_NONCE) {
		*rule = "crypt/no-key";
		return CF_CRYPT_ENOKEY;
	}
	/* L: another length moves the body off the block size (no L' = L mod 256 but L). */
	if (l >= 0 && i == OFF_CASE_LEN) {
		*rule = "crypt/format";
		return CF_CRYPT_EFORMAT;
	}
	/* The nonce, the case id, the ciphertext and the tag. */
	*rule = "crypt/tampered";
	return CF_CRYPT_ETAMPERED;
}

/* Changes every byte (all bits at once) and, when bits is set, every single bit of a blob,
 * decrypting it at path; each change must fail with the outcome its field calls for and
 * never give plaintext. */
static void mutate_all(const cf_keyring *ring, const cf_buf *blob, int l, const char *path,
		       int bits, const char *what)
{
	unsigned char *copy = malloc(blob->len);
	size_t tried = 0, wrong = 0;
	if (!copy) {
		ok(0, "malloc");
		return;
	}
	for (size_t i = 0; i < blob->len; i++) {
		for (int bit = -1; bit < (bits ? 8 : 0); bit++) {
			memcpy(copy, blob->ptr, blob->len);
			copy[i] ^= bit < 0 ? 0xff : (unsigned char)(1u << bit);
			cf_diags d = CF_DIAGS_INIT;
			int gave = 0;
			const char *rule;
			int want = expect_for_offset(i, l, &rule);
			int rc = try_decrypt(ring, copy, blob->len, path, &d, &gave);
			tried++;
			if (rc != want || gave || strcmp(only_rule(&d), rule) != 0) {
				if (wrong++ < 10)
					printf("#   %s: byte %zu bit %d: rc %d (want %d), rule %s, "
					       "plaintext %d\n",
					       what, i, bit, rc, want, only_rule(&d), gave);
			}
			cf_diags_free(&d);
		}
	}
	free(copy);
	printf("# %s: %zu changed blobs\n", what, tried);
	ok(tried > 0 && wrong == 0, what);
}

/* ---- key ids ---- */

static void test_keyid(void)
{
	unsigned char id[CF_KEYID_BYTES];
	char hex[CF_KEYID_HEX_BYTES];
	ok(cf_keyid_parse(id, "0123456789abcdef") == 0, "keyid parses");
	cf_keyid_hex(hex, id);
	is_str(hex, "0123456789abcdef", "keyid hex round trip");
	ok(cf_keyid_parse(id, "0123456789ABCDEF") == 0, "keyid parses upper case");
	ok(cf_keyid_parse(id, "0123456789abcde") != 0, "keyid: 15 digits refused");
	ok(cf_keyid_parse(id, "0123456789abcdef0") != 0, "keyid: 17 digits refused");
	ok(cf_keyid_parse(id, "0123456789abcdeg") != 0, "keyid: non-hex refused");
	ok(cf_keyid_parse(id, "") != 0, "keyid: empty refused");
}

/* ---- the case of a path ---- */

static void test_case_of_path(void)
{
	size_t n = 99;
	const char *c = cf_crypt_case_of_path(PATH_A, &n);
	ok(c && n == 8 && memcmp(c, CASE_A, 8) == 0, "case of cases/2026-014/case.yaml: 2026-014");
	c = cf_crypt_case_of_path("cases/2026-014/notes/a/b.md", &n);
	ok(c && n == 8 && memcmp(c, CASE_A, 8) == 0, "a file deeper in the case: the same case");
	c = cf_crypt_case_of_path("Cases/A/x.yaml", &n);
	ok(c && n == 1 && c[0] == 'A', "Cases/ in another letter case: case A");
	c = cf_crypt_case_of_path("cases/A", &n);
	ok(c && n == 1 && c[0] == 'A', "cases/A: case A");
	n = 99;
	ok(cf_crypt_case_of_path("cases/", &n) == NULL && n == 0, "cases/ alone: no case, n 0");
	ok(cf_crypt_case_of_path("cases//x", &n) == NULL, "an empty case name: no case");
	ok(cf_crypt_case_of_path("notes/2026-014/x", &n) == NULL, "not under cases/: no case");
	ok(cf_crypt_case_of_path("casesx/a/b", &n) == NULL, "casesx/: no case");
	ok(cf_crypt_case_of_path("x/cases/a/b", &n) == NULL, "cases/ not at the top: no case");
	ok(cf_crypt_case_of_path(NULL, &n) == NULL && n == 0, "NULL: no case");

	char p[300];
	memcpy(p, "cases/", 6);
	memset(p + 6, 'c', CF_CRYPT_CASE_MAX + 1);
	memcpy(p + 6 + CF_CRYPT_CASE_MAX, "/f", 3);
	c = cf_crypt_case_of_path(p, &n);
	ok(c == p + 6 && n == CF_CRYPT_CASE_MAX, "a 255-byte case name: a case");
	memcpy(p + 6 + CF_CRYPT_CASE_MAX, "c/f", 4);
	ok(cf_crypt_case_of_path(p, &n) == NULL && n == 0, "a 256-byte case name: no case");
}

/* ---- the format, rebuilt from crypt.h with libsodium alone ---- */

typedef struct subkeys {
	unsigned char id[16], aead[32], nonce[32];
} subkeys;

static void derive(subkeys *s, const unsigned char secret[CF_KEY_BYTES])
{
	crypto_kdf_derive_from_key(s->aead, 32, 1, "cfaead01", secret);
	crypto_kdf_derive_from_key(s->nonce, 32, 2, "cfnonce1", secret);
	crypto_kdf_derive_from_key(s->id, 16, 3, "cfkeyid1", secret);
}

/* The padded plaintext of a version 2 blob: the length field len_field, the n bytes of text,
 * zeros up to inner_len. */
static void make_inner(unsigned char *inner, size_t inner_len, uint32_t len_field, const void *text,
		       size_t n)
{
	memset(inner, 0, inner_len);
	inner[0] = (unsigned char)(len_field >> 24);
	inner[1] = (unsigned char)(len_field >> 16);
	inner[2] = (unsigned char)(len_field >> 8);
	inner[3] = (unsigned char)len_field;
	memcpy(inner + CF_CRYPT_LEN_BYTES, text, n);
}

/* A version 2 blob: the header for case_id, the nonce -- BLAKE2b-192 keyed with the nonce
 * subkey over the domain "casefile-blob-2" (with its NUL: crypt.c's NONCE2_DOMAIN; crypt.h
 * does not spell it out), the case id's length byte, the case id and text -- or random bytes,
 * then inner encrypted with the header as associated data.  Returns its length. */
static size_t build_v2(unsigned char *out, const subkeys *s, const char *case_id,
		       const unsigned char *inner, size_t inner_len, const void *text, size_t n,
		       int random_nonce)
{
	size_t l = strlen(case_id), head = V2_FIXED + l;
	unsigned char lb = (unsigned char)l;
	memcpy(out, "\0CFCRYPT", 8);
	out[8] = 2;
	memcpy(out + 9, s->id, 8);
	out[41] = lb;
	memcpy(out + 42, case_id, l);
	if (random_nonce) {
		randombytes_buf(out + 17, 24);
	} else {
		crypto_generichash_state st;
		crypto_generichash_init(&st, s->nonce, 32, 24);
		crypto_generichash_update(&st, (const unsigned char *)"casefile-blob-2", 16);
		crypto_generichash_update(&st, &lb, 1);
		crypto_generichash_update(&st, (const unsigned char *)case_id, l);
		crypto_generichash_update(&st, text, n);
		crypto_generichash_final(&st, out + 17, 24);
	}
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + head, &clen, inner, inner_len, out, head,
						   NULL, out + 17, s->aead);
	return head + (size_t)clen;
}

/* A crafted blob (a valid tag: only a key holder can make one) must be refused as tampered,
 * saying the nonce or padding is not casefile's. */
static void crafted(const cf_keyring *ring, const unsigned char *blob, size_t len, const char *what)
{
	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;
	char name[128];
	snprintf(name, sizeof(name), "%s: tampered", what);
	is_int(try_decrypt(ring, blob, len, PATH_A, &d, &gave), CF_CRYPT_ETAMPERED, name);
	snprintf(name, sizeof(name), "%s: crypt/tampered naming the nonce or padding", what);
	ok(strcmp(only_rule(&d), "crypt/tampered") == 0 && msg_has(&d, "nonce or padding"), name);
	snprintf(name, sizeof(name), "%s: no plaintext", what);
	ok(!gave, name);
	cf_diags_free(&d);
}

static void test_spec(void)
{
	unsigned char secret[CF_KEY_BYTES];
	for (unsigned i = 0; i < CF_KEY_BYTES; i++)
		secret[i] = (unsigned char)i;
	cf_key *k = NULL;
	cf_keyring *ring = NULL;
	ok(cf_key_from_bytes(&k, secret) == 0 && k, "key from bytes");
	if (!k || cf_keyring_new(&ring) != 0)
		return;
	subkeys s;
	derive(&s, secret);
	ok(memcmp(cf_key_id(k), s.id, 8) == 0, "key id is the documented derivation");
	ok(memcmp(cf_key_secret(k), secret, 32) == 0, "cf_key_secret gives the secret");
	unsigned char commit[32];
	crypto_kdf_derive_from_key(commit, 32, 4, "cfkeycm1", secret);
	ok(memcmp(cf_key_commitment(k), commit, 32) == 0,
	   "key commitment is the documented derivation");
	ok(memcmp(commit, s.aead, 32) != 0 && memcmp(commit, s.nonce, 32) != 0,
	   "the commitment is no cipher key");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k));
	is_str(hex, "5f2caa37af025893", "key id of the bytes 0..31 is pinned");
	cf_key *kc = NULL;
	if (cf_key_from_bytes(&kc, secret) != 0 || cf_keyring_add(ring, kc) != 0) {
		ok(0, "keyring");
		cf_key_free(k);
		cf_keyring_free(ring);
		return;
	}

	size_t n = sizeof(yaml) - 1;
	size_t cap = v2_len(CF_CRYPT_CASE_MAX, n + 600);
	unsigned char *want = malloc(cap), *inner = malloc(cap);
	cf_buf blob = CF_BUF_INIT;
	if (!want || !inner) {
		ok(0, "malloc");
		goto out;
	}

	/* Version 1, as casefile before the member log wrote it: header, then the text. */
	memcpy(want, "\0CFCRYPT", 8);
	want[8] = 1;
	memcpy(want + 9, s.id, 8);
	crypto_generichash(want + 17, 24, (const unsigned char *)yaml, n, s.nonce, 32);
	unsigned long long clen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(want + 41, &clen, (const unsigned char *)yaml, n,
						   want, 41, NULL, want + 17, s.aead);
	ok(cf_crypt_encrypt_v1(&blob, k, yaml, n) == 0, "encrypt v1");
	is_int(blob.len, CF_CRYPT_V1_OVERHEAD + n, "v1 blob length is plaintext + 57");
	ok(blob.len == CF_CRYPT_V1_OVERHEAD + n && memcmp(blob.ptr, want, blob.len) == 0,
	   "v1 blob is byte for byte the documented format");
	ok(decrypts_to(ring, want, CF_CRYPT_V1_OVERHEAD + n, PATH_A, yaml, n),
	   "a v1 blob built from the documentation decrypts");
	randombytes_buf(want + 17, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(want + 41, &clen, (const unsigned char *)yaml, n,
						   want, 41, NULL, want + 17, s.aead);
	crafted(ring, want, CF_CRYPT_V1_OVERHEAD + n, "v1, a nonce that is not the content's hash");

	/* Version 2. */
	size_t inner_len = CF_CRYPT_PAD_BYTES;
	make_inner(inner, inner_len, (uint32_t)n, yaml, n);
	size_t wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 0);
	cf_buf_clear(&blob);
	ok(cf_crypt_encrypt(&blob, k, PATH_A, yaml, n, NULL) == 0, "encrypt v2");
	is_int(blob.len, v2_len(8, n), "v2 blob length: 42 + 8 + 256 + 16");
	is_int(wlen, v2_len(8, n), "the rebuilt blob has that length too");
	ok(blob.len == wlen && memcmp(blob.ptr, want, wlen) == 0,
	   "v2 blob is byte for byte the documented format");
	ok(decrypts_to(ring, want, wlen, PATH_A, yaml, n), "the rebuilt v2 blob decrypts");

	/* What casefile never makes, with tags that verify. */
	wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 1);
	crafted(ring, want, wlen, "v2, a nonce that is not the content's hash");
	make_inner(inner, inner_len, (uint32_t)n, yaml, n);
	inner[CF_CRYPT_LEN_BYTES + n + 5] = 1;
	wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 0);
	crafted(ring, want, wlen, "v2, a padding byte that is not zero");
	make_inner(inner, inner_len, (uint32_t)(inner_len - CF_CRYPT_LEN_BYTES + 1), yaml, n);
	wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 0);
	crafted(ring, want, wlen, "v2, a length longer than the body");
	make_inner(inner, inner_len, 0xffffffffu, yaml, n);
	wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 0);
	crafted(ring, want, wlen, "v2, a length of 2^32 - 1");
	make_inner(inner, 2 * CF_CRYPT_PAD_BYTES, (uint32_t)n, yaml, n);
	wlen = build_v2(want, &s, CASE_A, inner, 2 * CF_CRYPT_PAD_BYTES, yaml, n, 0);
	is_int(wlen, v2_len(8, n) + CF_CRYPT_PAD_BYTES, "a blob padded one block too many");
	crafted(ring, want, wlen, "v2, one block of padding too many");
	/* A nonce made for case B in a blob labelled A (the header, as associated data, says
	 * A): the tag verifies, the nonce is not A's. */
	make_inner(inner, inner_len, (uint32_t)n, yaml, n);
	wlen = build_v2(want, &s, CASE_B, inner, inner_len, yaml, n, 0);
	unsigned char nonce_b[24];
	memcpy(nonce_b, want + 17, 24);
	wlen = build_v2(want, &s, CASE_A, inner, inner_len, yaml, n, 0);
	memcpy(want + 17, nonce_b, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(want + 50, &clen, inner, inner_len, want, 50,
						   NULL, want + 17, s.aead);
	crafted(ring, want, wlen, "v2, case A's blob with case B's nonce");

out:
	sodium_memzero(&s, sizeof(s));
	sodium_memzero(commit, sizeof(commit));
	free(want);
	free(inner);
	cf_buf_free(&blob);
	cf_keyring_free(ring);
	cf_key_free(k);
}

/* ---- version 2: round trip, cases, padding ---- */

static void test_v2(void)
{
	cf_key *k = NULL;
	cf_keyring *ring = NULL;
	cf_arena *scratch = NULL;
	if (cf_key_generate(&k) != 0 || cf_keyring_new(&ring) != 0 ||
	    cf_arena_new(&scratch, 1) != 0) {
		ok(0, "a key, a keyring, an arena");
		return;
	}
	cf_key *kc = NULL;
	if (cf_key_from_bytes(&kc, cf_key_secret(k)) != 0 || cf_keyring_add(ring, kc) != 0) {
		ok(0, "keyring");
		return;
	}
	size_t n = sizeof(yaml) - 1;
	cf_buf a1 = CF_BUF_INIT, a2 = CF_BUF_INIT, b1 = CF_BUF_INIT, x = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;

	ok(cf_crypt_encrypt(&a1, k, PATH_A, yaml, n, NULL) == 0, "encrypt for case A");
	is_int(a1.len, v2_len(8, n), "length: header, one padded block, tag");
	ok(a1.len > V2_FIXED + 8 && memcmp(a1.ptr, CF_CRYPT_MAGIC, 8) == 0 &&
	       a1.ptr[8] == CF_CRYPT_VERSION && (unsigned char)a1.ptr[41] == 8 &&
	       memcmp(a1.ptr + 42, CASE_A, 8) == 0 &&
	       memcmp(a1.ptr + OFF_KEYID, cf_key_id(k), CF_KEYID_BYTES) == 0,
	   "header: magic, version 2, key id, case id 2026-014");
	ok(memchr(a1.ptr, '\0', a1.len) == a1.ptr, "blob starts with NUL (binary to git)");
	ok(a1.len > n && !contains(a1.ptr, a1.len, "Example") && !contains(a1.ptr, a1.len, "id:"),
	   "plaintext not visible in the blob");
	ok(cf_crypt_is_blob(a1.ptr, a1.len), "is_blob");
	is_int(cf_crypt_blob_version(a1.ptr, a1.len), 2, "blob_version 2");
	is_int(cf_crypt_blob_header_len(a1.ptr, a1.len), 50, "header_len 42 + 8");
	const char *cid = NULL;
	size_t cn = 0;
	ok(cf_crypt_blob_case(&cid, &cn, a1.ptr, a1.len) == 0 && cn == 8 && cid == a1.ptr + 42 &&
	       memcmp(cid, CASE_A, 8) == 0,
	   "blob_case: 2026-014");
	unsigned char id[CF_KEYID_BYTES];
	ok(cf_crypt_blob_keyid(id, a1.ptr, a1.len) == 0 &&
	       memcmp(id, cf_key_id(k), CF_KEYID_BYTES) == 0,
	   "blob key id is the key's id");

	ok(decrypts_to(ring, a1.ptr, a1.len, PATH_A, yaml, n), "round trip at its own path");
	ok(decrypts_to(ring, a1.ptr, a1.len, "cases/" CASE_A "/notes/other.md", yaml, n),
	   "decrypts at another file of the same case");

	ok(cf_crypt_encrypt(&a2, k, PATH_A, yaml, n, scratch) == 0, "encrypt again, with scratch");
	ok(a1.len == a2.len && memcmp(a1.ptr, a2.ptr, a1.len) == 0,
	   "deterministic: same file, same blob (scratch or not)");
	cf_arena_reset(scratch);
	cf_buf_clear(&a2);
	ok(cf_crypt_encrypt(&a2, k, "cases/" CASE_A "/notes/copy.yaml", yaml, n, NULL) == 0 &&
	       a1.len == a2.len && memcmp(a1.ptr, a2.ptr, a1.len) == 0,
	   "the blob depends on the case, not the file's name in it");

	/* Two cases. */
	ok(cf_crypt_encrypt(&b1, k, PATH_B, yaml, n, NULL) == 0, "encrypt for case B");
	is_int(b1.len, a1.len, "same length (case ids of one length)");
	ok(b1.len == a1.len && memcmp(a1.ptr, b1.ptr, a1.len) != 0, "two cases, two blobs");
	ok(memcmp(a1.ptr + OFF_NONCE, b1.ptr + OFF_NONCE, CF_CRYPT_NONCE_BYTES) != 0,
	   "two cases, two nonces");
	size_t same = 0;
	for (size_t i = 50; i < a1.len && i < b1.len; i++)
		same += a1.ptr[i] == b1.ptr[i];
	ok(same < 16, "two cases, unrelated ciphertexts (few equal bytes by chance)");
	printf("# equal bytes of the two bodies: %zu of %zu\n", same, a1.len - 50);
	ok(decrypts_to(ring, b1.ptr, b1.len, PATH_B, yaml, n), "case B's blob decrypts at B");

	/* A blob moved or copied into another case. */
	is_int(try_decrypt(ring, a1.ptr, a1.len, PATH_B, &d, &gave), CF_CRYPT_ETAMPERED,
	       "case A's blob at case B's path: tampered");
	is_str(only_rule(&d), "crypt/tampered", "... crypt/tampered");
	ok(msg_has(&d, "case " CASE_A) && msg_has(&d, "case " CASE_B),
	   "... naming the case it was made for and the case it is in");
	is_str(d.len ? d.items[0].file : NULL, PATH_B, "... at the path");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, a1.ptr, a1.len, "CASES/" CASE_B "/x", &d, &gave),
	       CF_CRYPT_ETAMPERED, "... and at CASES/2026-015/x");
	cf_diags_free(&d);
	/* Moved, and its label rewritten to the new case: the header is associated data. */
	cf_buf_put(&x, a1.ptr, a1.len);
	memcpy(x.ptr + 42, CASE_B, 8);
	ok(cf_crypt_is_blob(x.ptr, x.len), "relabelled: still the shape of a blob");
	is_int(try_decrypt(ring, x.ptr, x.len, PATH_B, &d, &gave), CF_CRYPT_ETAMPERED,
	       "relabelled to case B, at case B's path: tampered");
	is_str(only_rule(&d), "crypt/tampered", "... crypt/tampered");
	ok(msg_has(&d, "changed or damaged"), "... the tag does not verify");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, x.ptr, x.len, "case.yaml", &d, &gave), CF_CRYPT_ETAMPERED,
	       "relabelled, at a path naming no case: tampered");
	cf_diags_free(&d);

	/* Padding: a one-character edit does not show in the size. */
	size_t nf = strlen(yaml_alive), nt = strlen(yaml_died);
	cf_buf_clear(&a2);
	cf_buf_clear(&b1);
	ok(cf_crypt_encrypt(&a2, k, PATH_A, yaml_alive, nf, NULL) == 0 &&
	       cf_crypt_encrypt(&b1, k, PATH_A, yaml_died, nt, NULL) == 0,
	   "encrypt `died: false` and `died: true`");
	is_int(nf, nt + 1, "the plaintexts differ in length by one");
	is_int(a2.len, b1.len, "`died: false` and `died: true`: blobs of one length");
	ok(a2.len == b1.len && memcmp(a2.ptr, b1.ptr, a2.len) != 0, "... but different blobs");
	ok(decrypts_to(ring, a2.ptr, a2.len, PATH_A, yaml_alive, nf) &&
	       decrypts_to(ring, b1.ptr, b1.len, PATH_A, yaml_died, nt),
	   "... each decrypting to its own text");
	unsigned char *text = malloc(1100);
	size_t wrong = 0;
	if (text) {
		for (size_t i = 0; i < 1100; i++)
			text[i] = (unsigned char)('a' + i % 26);
		for (size_t len = 0; len <= 1100; len++) {
			cf_buf_clear(&x);
			int rc = cf_crypt_encrypt(&x, k, PATH_A, text, len, NULL);
			if (rc != 0 || x.len != v2_len(8, len) ||
			    (x.len - 50 - CF_CRYPT_TAG_BYTES) % CF_CRYPT_PAD_BYTES != 0 ||
			    (len % 97 == 0 &&
			     !decrypts_to(ring, x.ptr, x.len, PATH_A, (const char *)text, len))) {
				if (wrong++ < 5)
					printf("#   %zu bytes: rc %d, blob %zu (want %zu)\n", len,
					       rc, x.len, v2_len(8, len));
			}
		}
	}
	ok(text && wrong == 0, "0 to 1100 bytes: blobs of whole 256-byte blocks, as documented");
	cf_buf_clear(&x);
	cf_buf_clear(&a2);
	if (text) {
		ok(cf_crypt_encrypt(&x, k, PATH_A, text, 252, NULL) == 0 &&
		       cf_crypt_encrypt(&a2, k, PATH_A, text, 253, NULL) == 0,
		   "encrypt 252 and 253 bytes");
		is_int(x.len, 50 + 256 + 16, "252 bytes and the length field fill one block");
		is_int(a2.len, 50 + 512 + 16, "253 bytes take two");
		free(text);
	}

	/* Empty plaintext. */
	cf_buf empty = CF_BUF_INIT, empty2 = CF_BUF_INIT, tiny = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&empty, k, PATH_A, NULL, 0, NULL) == 0, "encrypt an empty file");
	is_int(empty.len, 50 + CF_CRYPT_PAD_BYTES + CF_CRYPT_TAG_BYTES,
	       "empty file: header, one block, tag");
	ok(cf_crypt_encrypt(&empty2, k, PATH_A, "", 0, scratch) == 0 && empty2.len == empty.len &&
	       memcmp(empty.ptr, empty2.ptr, empty.len) == 0,
	   "empty file: \"\" and NULL give one blob");
	ok(cf_crypt_is_blob(empty.ptr, empty.len), "empty file: is a blob");
	ok(decrypts_to(ring, empty.ptr, empty.len, PATH_A, "", 0),
	   "empty file round trip: \"\", NUL-terminated");
	ok(cf_crypt_encrypt(&tiny, k, "cases/x/y", NULL, 0, NULL) == 0, "empty file in case x");
	is_int(tiny.len, CF_CRYPT_V2_MIN, "... CF_CRYPT_V2_MIN bytes, the smallest v2 blob");
	ok(!cf_crypt_is_blob(tiny.ptr, tiny.len - 1), "... one byte less is no blob");
	cf_buf_free(&empty2);
	cf_buf_free(&tiny);

	/* Appending keeps what the buffer held. */
	cf_buf app = CF_BUF_INIT;
	cf_buf_puts(&app, "xy");
	ok(cf_crypt_encrypt(&app, k, PATH_A, yaml, n, NULL) == 0 && app.len == 2 + a1.len &&
	       memcmp(app.ptr, "xy", 2) == 0 && memcmp(app.ptr + 2, a1.ptr, a1.len) == 0,
	   "encrypt appends");
	cf_buf_free(&app);

	/* What encrypt refuses: nothing appended. */
	cf_buf_clear(&x);
	is_int(cf_crypt_encrypt(&x, k, "notes/a.yaml", yaml, n, NULL), CF_CRYPT_EFORMAT,
	       "a path under no case: EFORMAT");
	is_int(cf_crypt_encrypt(&x, k, NULL, yaml, n, NULL), CF_CRYPT_EFORMAT,
	       "NULL path: EFORMAT");
	is_int(cf_crypt_encrypt(&x, k, "cases//a.yaml", yaml, n, NULL), CF_CRYPT_EFORMAT,
	       "an empty case name: EFORMAT");
	is_int(cf_crypt_encrypt(&x, k, PATH_A, NULL, 5, NULL), CF_CRYPT_ERROR,
	       "NULL plaintext of 5 bytes: ERROR");
	is_int(x.len, 0, "nothing appended");
	char longp[300];
	memcpy(longp, "cases/", 6);
	memset(longp + 6, 'c', CF_CRYPT_CASE_MAX + 1);
	memcpy(longp + 6 + CF_CRYPT_CASE_MAX + 1, "/f", 3);
	is_int(cf_crypt_encrypt(&x, k, longp, yaml, n, NULL), CF_CRYPT_EFORMAT,
	       "a 256-byte case name: EFORMAT");
	memcpy(longp + 6 + CF_CRYPT_CASE_MAX, "/f", 3);
	ok(cf_crypt_encrypt(&x, k, longp, yaml, n, NULL) == 0 &&
	       x.len == v2_len(CF_CRYPT_CASE_MAX, n) &&
	       cf_crypt_blob_header_len(x.ptr, x.len) == V2_FIXED + CF_CRYPT_CASE_MAX,
	   "a 255-byte case name: a blob with a 297-byte header");
	ok(decrypts_to(ring, x.ptr, x.len, longp, yaml, n), "... which decrypts");

	cf_buf_free(&a1);
	cf_buf_free(&a2);
	cf_buf_free(&b1);
	cf_buf_free(&x);
	cf_buf_free(&empty);
	cf_keyring_free(ring);
	cf_key_free(k);
	cf_arena_free(scratch);
}

/* ---- unknown keys, the keyring ---- */

static void test_keys(void)
{
	cf_key *k = NULL, *k2 = NULL;
	cf_keyring *ring = NULL;
	ok(cf_key_generate(&k) == 0 && k, "generate a key");
	ok(cf_key_generate(&k2) == 0 && k2, "generate a second key");
	ok(cf_keyring_new(&ring) == 0, "keyring");
	if (!k || !k2 || !ring)
		return;
	ok(memcmp(cf_key_id(k), cf_key_id(k2), CF_KEYID_BYTES) != 0, "two keys, two ids");
	ok(memcmp(cf_key_secret(k), cf_key_secret(k2), CF_KEY_BYTES) != 0, "two keys, two secrets");

	size_t n = sizeof(yaml) - 1;
	cf_buf b1 = CF_BUF_INIT, b2 = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&b1, k, PATH_A, yaml, n, NULL) == 0, "encrypt under the first key");
	ok(cf_crypt_encrypt(&b2, k2, PATH_A, yaml, n, NULL) == 0, "encrypt under the second key");
	ok(b1.len == b2.len && memcmp(b1.ptr + OFF_NONCE, b2.ptr + OFF_NONCE, 24) != 0 &&
	       memcmp(b1.ptr + 50, b2.ptr + 50, b1.len - 50) != 0,
	   "different key, different nonce and ciphertext");

	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;
	is_int(try_decrypt(NULL, b1.ptr, b1.len, PATH_A, &d, &gave), CF_CRYPT_ENOKEY,
	       "NULL keyring: no key");
	is_str(only_rule(&d), "crypt/no-key", "... crypt/no-key");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, b1.ptr, b1.len, PATH_A, &d, &gave), CF_CRYPT_ENOKEY,
	       "empty keyring: no key");
	cf_diags_free(&d);

	ok(cf_keyring_add(ring, k2) == 0, "add the second key to the ring");
	is_int(try_decrypt(ring, b1.ptr, b1.len, PATH_A, &d, &gave), CF_CRYPT_ENOKEY,
	       "a ring with another key: no key");
	is_str(only_rule(&d), "crypt/no-key", "... crypt/no-key");
	if (d.len == 1) {
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, cf_key_id(k));
		ok(strstr(d.items[0].message, hex) != NULL, "... the message names the key id");
		is_str(d.items[0].file, PATH_A, "... the diagnostic names the file");
		is_int(d.items[0].line, 0, "... line 0");
		is_str(d.items[0].hint,
		       "ask a member who holds it to run `casefile member add`, then "
		       "`casefile unlock`",
		       "... the hint");
	} else {
		ok(0, "one diagnostic");
	}
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);
	ok(decrypts_to(ring, b2.ptr, b2.len, PATH_A, yaml, n), "the second key decrypts its blob");
	/* The key id of a blob is not authenticated on its own: another key's id in it is a key
	 * the ring has, and the tag does not verify under it. */
	memcpy(b1.ptr + OFF_KEYID, cf_key_id(k2), CF_KEYID_BYTES);
	is_int(try_decrypt(ring, b1.ptr, b1.len, PATH_A, &d, &gave), CF_CRYPT_ETAMPERED,
	       "the first key's blob claiming the second key's id: tampered");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);
	memcpy(b1.ptr + OFF_KEYID, cf_key_id(k), CF_KEYID_BYTES);

	is_int(cf_keyring_len(ring), 1, "ring holds one key");
	ok(cf_keyring_find(ring, cf_key_id(k2)) == k2, "find the key by id");
	ok(cf_keyring_find(ring, cf_key_id(k)) == NULL, "the other key is not there");
	ok(cf_keyring_find(NULL, cf_key_id(k)) == NULL, "find in a NULL ring: NULL");
	cf_key *dup = NULL;
	ok(cf_key_from_bytes(&dup, cf_key_secret(k2)) == 0, "copy of the second key");
	ok(cf_keyring_add(ring, dup) == 0, "adding a duplicate succeeds");
	is_int(cf_keyring_len(ring), 1, "the duplicate was not added twice");
	ok(cf_keyring_find(ring, cf_key_id(k2)) == k2, "the first copy is kept");
	ok(cf_keyring_add(ring, k) == 0, "add the first key");
	is_int(cf_keyring_len(ring), 2, "ring holds two keys");
	ok(cf_keyring_at(ring, 0) == k2 && cf_keyring_at(ring, 1) == k &&
	       cf_keyring_at(ring, 2) == NULL,
	   "keyring_at: in the order added, NULL past the end");
	is_int(cf_keyring_len(NULL), 0, "len of a NULL ring: 0");
	ok(decrypts_to(ring, b1.ptr, b1.len, PATH_A, yaml, n), "now the first blob decrypts");

	cf_buf_free(&b1);
	cf_buf_free(&b2);
	cf_keyring_free(ring);
}

/* ---- tampering, truncation, other versions ---- */

/* Every truncation of blob (header head bytes) must fail: a prefix of the magic as not
 * encrypted, one that is not the shape of the version as a format error, one that happens to
 * be (a whole block less) as tampered.  Never plaintext. */
static void truncate_all(const cf_keyring *ring, const cf_buf *blob, int v2, size_t head,
			 const char *what)
{
	size_t wrong = 0, shaped = 0;
	for (size_t len = 0; len < blob->len; len++) {
		int shape = v2 ? len >= head + CF_CRYPT_PAD_BYTES + CF_CRYPT_TAG_BYTES &&
				     (len - head - CF_CRYPT_TAG_BYTES) % CF_CRYPT_PAD_BYTES == 0
			       : len >= CF_CRYPT_V1_OVERHEAD;
		int want = len < CF_CRYPT_MAGIC_BYTES ? CF_CRYPT_ENOTENCRYPTED
			   : shape		      ? CF_CRYPT_ETAMPERED
						      : CF_CRYPT_EFORMAT;
		const char *rule = shape ? "crypt/tampered" : "crypt/format";
		cf_diags d = CF_DIAGS_INIT;
		int gave = 0;
		int rc = try_decrypt(ring, blob->ptr, len, PATH_A, &d, &gave);
		shaped += shape;
		if (rc != want || gave || strcmp(only_rule(&d), rule) != 0 ||
		    cf_crypt_is_blob(blob->ptr, len) != shape) {
			if (wrong++ < 10)
				printf("#   %s: truncated to %zu: rc %d (want %d), rule %s\n", what,
				       len, rc, want, only_rule(&d));
		}
		cf_diags_free(&d);
	}
	printf("# %s: %zu truncations, %zu of the shape of a blob\n", what, blob->len, shaped);
	ok(wrong == 0, what);
}

static void test_tamper(void)
{
	cf_key *k = NULL;
	cf_keyring *ring = NULL;
	if (cf_key_generate(&k) != 0 || cf_keyring_new(&ring) != 0 || cf_keyring_add(ring, k)) {
		ok(0, "a key in a ring");
		return;
	}
	size_t n = sizeof(yaml) - 1;
	cf_buf small = CF_BUF_INIT, big = CF_BUF_INIT, empty = CF_BUF_INIT, x = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;
	ok(cf_crypt_encrypt(&small, k, "cases/x/a.yaml", "a: 1\n", 5, NULL) == 0,
	   "encrypt a small file in case x");
	ok(cf_crypt_encrypt(&empty, k, "cases/x/e.md", NULL, 0, NULL) == 0,
	   "encrypt an empty file in case x");
	unsigned char text[300];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)(' ' + i % 90);
	ok(cf_crypt_encrypt(&big, k, PATH_A, text, sizeof(text), NULL) == 0 &&
	       big.len == v2_len(8, sizeof(text)),
	   "encrypt a two-block file in case A");

	/* The path is the blob's case, or names none: then only the tag can tell. */
	mutate_all(ring, &small, 1, "cases/x/a.yaml", 1,
		   "every byte and every bit of a small blob, at its path");
	mutate_all(ring, &small, 1, "a.yaml", 1,
		   "every byte and every bit of a small blob, at a path naming no case");
	mutate_all(ring, &empty, 1, "cases/x/e.md", 1,
		   "every byte and every bit of an empty file's blob");
	mutate_all(ring, &big, 8, PATH_A, 0, "every byte of a two-block blob");

	truncate_all(ring, &big, 1, 50, "every truncation of a two-block v2 blob");
	cf_buf_put(&x, big.ptr, big.len);
	cf_buf_putc(&x, 'x');
	is_int(try_decrypt(ring, x.ptr, x.len, PATH_A, &d, &gave), CF_CRYPT_EFORMAT,
	       "an appended byte: format error (not whole blocks)");
	is_str(only_rule(&d), "crypt/format", "... crypt/format");
	cf_diags_free(&d);
	cf_buf_clear(&x);
	cf_buf_put(&x, big.ptr, big.len);
	for (int i = 0; i < CF_CRYPT_PAD_BYTES; i++)
		cf_buf_putc(&x, '\0');
	is_int(try_decrypt(ring, x.ptr, x.len, PATH_A, &d, &gave), CF_CRYPT_ETAMPERED,
	       "an appended block: tampered");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);

	/* Versions this build does not read. */
	static const unsigned char versions[] = {0, 3, 255};
	for (size_t i = 0; i < sizeof(versions); i++) {
		char name[64], want[32];
		cf_buf_clear(&x);
		cf_buf_put(&x, big.ptr, big.len);
		x.ptr[8] = (char)versions[i];
		snprintf(want, sizeof(want), "version %u", versions[i]);
		snprintf(name, sizeof(name), "version %u: not a blob, format error naming it",
			 versions[i]);
		int rc = try_decrypt(ring, x.ptr, x.len, PATH_A, &d, &gave);
		ok(!cf_crypt_is_blob(x.ptr, x.len) && cf_crypt_blob_version(x.ptr, x.len) == 0 &&
		       rc == CF_CRYPT_EFORMAT && strcmp(only_rule(&d), "crypt/format") == 0 &&
		       msg_has(&d, want) && !gave,
		   name);
		cf_diags_free(&d);
	}

	/* Plaintext is not a blob, and the caller is told plainly. */
	ok(!cf_crypt_is_blob(yaml, n), "plaintext YAML is not a blob");
	unsigned char id[CF_KEYID_BYTES];
	ok(cf_crypt_blob_keyid(id, yaml, n) == -1, "plaintext YAML has no key id");
	is_int(cf_crypt_blob_version(yaml, n), 0, "plaintext YAML has no version");
	is_int(cf_crypt_blob_header_len(yaml, n), 0, "plaintext YAML has no header");
	const char *cid = "x";
	size_t cn = 9;
	ok(cf_crypt_blob_case(&cid, &cn, yaml, n) == -1 && cid == NULL && cn == 0,
	   "plaintext YAML has no case");
	is_int(try_decrypt(ring, yaml, n, PATH_A, &d, &gave), CF_CRYPT_ENOTENCRYPTED,
	       "plaintext YAML: not encrypted");
	is_str(only_rule(&d), "crypt/format", "plaintext YAML: crypt/format");
	ok(msg_has(&d, "not encrypted"), "plaintext YAML: message says not encrypted");
	ok(!gave, "plaintext YAML: no plaintext handed back");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, "", 0, PATH_A, &d, &gave), CF_CRYPT_ENOTENCRYPTED, "empty input");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, NULL, 0, PATH_A, &d, &gave), CF_CRYPT_ENOTENCRYPTED, "NULL input");
	cf_diags_free(&d);

	/* Size limits. */
	unsigned char *huge = calloc(1, CF_CRYPT_MAX_BLOB + 1);
	if (huge) {
		cf_buf out = CF_BUF_INIT;
		is_int(cf_crypt_encrypt(&out, k, PATH_A, huge, CF_CRYPT_MAX_PLAIN + 1, NULL),
		       CF_CRYPT_EFORMAT, "encrypt refuses more than CF_CRYPT_MAX_PLAIN");
		is_int(out.len, 0, "nothing appended");
		is_int(cf_crypt_encrypt_v1(&out, k, huge, CF_CRYPT_MAX_BLOB - 56), CF_CRYPT_EFORMAT,
		       "encrypt_v1 refuses a blob over the cap");
		memcpy(huge, big.ptr, 50);
		is_int(try_decrypt(ring, huge, CF_CRYPT_MAX_BLOB + 1, PATH_A, &d, &gave),
		       CF_CRYPT_EFORMAT, "decrypt refuses a blob over 64 MiB");
		is_str(only_rule(&d), "crypt/format", "oversized: crypt/format");
		ok(msg_has(&d, "larger"), "oversized: says it is too large");
		cf_diags_free(&d);
		cf_buf_free(&out);
		free(huge);
	} else {
		ok(0, "calloc 64 MiB");
	}

	cf_buf_free(&small);
	cf_buf_free(&big);
	cf_buf_free(&empty);
	cf_buf_free(&x);
	cf_keyring_free(ring);
}

/* ---- version 1: still read ---- */

static void test_v1(void)
{
	cf_key *k = NULL, *k2 = NULL;
	cf_keyring *ring = NULL;
	if (cf_key_generate(&k) != 0 || cf_key_generate(&k2) != 0 || cf_keyring_new(&ring) != 0 ||
	    cf_keyring_add(ring, k) != 0) {
		ok(0, "a key in a ring");
		return;
	}
	size_t n = sizeof(yaml) - 1;
	cf_buf v1 = CF_BUF_INIT, again = CF_BUF_INIT, empty = CF_BUF_INIT, other = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;
	ok(cf_crypt_encrypt_v1(&v1, k, yaml, n) == 0, "encrypt in format 1");
	is_int(v1.len, CF_CRYPT_V1_OVERHEAD + n, "v1: plaintext + 57, no padding");
	ok(v1.len > 8 && (unsigned char)v1.ptr[8] == CF_CRYPT_VERSION_V1, "v1: version byte 1");
	ok(cf_crypt_is_blob(v1.ptr, v1.len), "v1: is a blob");
	is_int(cf_crypt_blob_version(v1.ptr, v1.len), 1, "v1: blob_version 1");
	is_int(cf_crypt_blob_header_len(v1.ptr, v1.len), 41, "v1: header_len 41");
	const char *cid = "x";
	size_t cn = 9;
	ok(cf_crypt_blob_case(&cid, &cn, v1.ptr, v1.len) == -1 && cid == NULL && cn == 0,
	   "v1: bound to no case");
	ok(cf_crypt_encrypt_v1(&again, k, yaml, n) == 0 && again.len == v1.len &&
	       memcmp(again.ptr, v1.ptr, v1.len) == 0,
	   "v1: deterministic");
	ok(!contains(v1.ptr, v1.len, "Example"), "v1: plaintext not visible");

	ok(decrypts_to(ring, v1.ptr, v1.len, PATH_A, yaml, n), "v1 blob decrypts");
	ok(decrypts_to(ring, v1.ptr, v1.len, PATH_B, yaml, n),
	   "v1 blob decrypts in any case (it names none)");
	ok(decrypts_to(ring, v1.ptr, v1.len, "case.yaml", yaml, n),
	   "v1 blob decrypts at a path naming no case");
	ok(cf_crypt_encrypt_v1(&empty, k, NULL, 0) == 0 && empty.len == CF_CRYPT_V1_OVERHEAD &&
	       empty.len == CF_CRYPT_MIN_BLOB,
	   "v1 of an empty file: 57 bytes, the smallest blob");
	ok(decrypts_to(ring, empty.ptr, empty.len, PATH_A, "", 0), "v1 empty file round trip");

	ok(cf_crypt_encrypt_v1(&other, k2, yaml, n) == 0, "v1 under a key the ring lacks");
	is_int(try_decrypt(ring, other.ptr, other.len, PATH_A, &d, &gave), CF_CRYPT_ENOKEY,
	       "v1, unknown key: no key");
	is_str(only_rule(&d), "crypt/no-key", "... crypt/no-key");
	cf_diags_free(&d);

	cf_buf small = CF_BUF_INIT;
	ok(cf_crypt_encrypt_v1(&small, k, "a: 1\n", 5) == 0, "v1 of a small file");
	mutate_all(ring, &small, -1, PATH_A, 1, "every byte and every bit of a small v1 blob");
	mutate_all(ring, &empty, -1, PATH_A, 1, "every byte and every bit of an empty v1 blob");
	truncate_all(ring, &v1, 0, 41, "every truncation of a v1 blob");
	cf_buf_putc(&small, 'x');
	is_int(try_decrypt(ring, small.ptr, small.len, PATH_A, &d, &gave), CF_CRYPT_ETAMPERED,
	       "v1 with an appended byte: tampered");
	cf_diags_free(&d);

	/* Version 1 and 2 blobs of one file differ, and neither passes for the other. */
	cf_buf v2 = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&v2, k, PATH_A, yaml, n, NULL) == 0 && v2.len != v1.len &&
	       memcmp(v2.ptr + 17, v1.ptr + 17, 24) != 0,
	   "v1 and v2 of one file: other sizes, other nonces");
	v1.ptr[8] = 2;
	is_int(try_decrypt(ring, v1.ptr, v1.len, PATH_A, &d, &gave), CF_CRYPT_EFORMAT,
	       "a v1 blob relabelled 2: not the shape of a v2 blob");
	cf_diags_free(&d);
	v2.ptr[8] = 1;
	is_int(try_decrypt(ring, v2.ptr, v2.len, PATH_A, &d, &gave), CF_CRYPT_ETAMPERED,
	       "a v2 blob relabelled 1: tampered");
	ok(!gave, "... no plaintext");
	cf_diags_free(&d);

	cf_buf_free(&v1);
	cf_buf_free(&v2);
	cf_buf_free(&again);
	cf_buf_free(&empty);
	cf_buf_free(&other);
	cf_buf_free(&small);
	cf_key_free(k2);
	cf_keyring_free(ring);
}

/* ---- key files ---- */

static void test_keyfile(void)
{
	cf_key *k = NULL, *l = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_buf path = CF_BUF_INIT, want = CF_BUF_INIT;
	struct stat st;
	if (cf_key_generate(&k) != 0)
		return;

	path_in_tmp(&path, "k1.key");
	ok(cf_key_save(k, path.ptr, &d) == 0, "save a key");
	is_int(d.len, 0, "save: no diagnostics");
	ok(stat(path.ptr, &st) == 0 && (st.st_mode & 0777) == 0600, "key file has mode 0600");
	is_int(count_tmpdir(), 1, "no temp file left behind");
	ok(cf_key_save(k, path.ptr, &d) == 0, "saving again replaces the file");
	is_int(count_tmpdir(), 1, "still one file");

	FILE *f = fopen(path.ptr, "r");
	char line[128] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	is_str(line, "casefile-key 1\n", "key file header");

	ok(cf_key_load(&l, path.ptr, &d) == 0 && l, "load the key");
	is_int(d.len, 0, "load: no diagnostics");
	ok(l && memcmp(cf_key_id(l), cf_key_id(k), CF_KEYID_BYTES) == 0 &&
	       memcmp(cf_key_secret(l), cf_key_secret(k), CF_KEY_BYTES) == 0 &&
	       memcmp(cf_key_commitment(l), cf_key_commitment(k), CF_KEY_COMMIT_BYTES) == 0,
	   "loaded key equals the saved one");
	cf_key_free(l);
	l = NULL;

	/* Permissions. */
	static const mode_t bad_modes[] = {0644, 0640, 0604, 0660, 0602};
	for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		chmod(path.ptr, bad_modes[i]);
		char name[64];
		snprintf(name, sizeof(name), "mode %04o refused", (unsigned)bad_modes[i]);
		is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EPERMISSIONS, name);
		ok(l == NULL, "no key handed out");
		is_str(only_rule(&d), "crypt/key-permissions", "crypt/key-permissions");
		if (i == 0 && d.len == 1) {
			cf_buf_clear(&want);
			cf_buf_printf(&want, "run: chmod 600 %s", path.ptr);
			is_str(d.items[0].hint, want.ptr, "the hint is the chmod command");
			is_str(d.items[0].file, path.ptr, "the diagnostic names the file");
			ok(strstr(d.items[0].message, "0644") != NULL,
			   "the message gives the mode");
		}
		cf_diags_free(&d);
	}
	chmod(path.ptr, 0400);
	ok(cf_key_load(&l, path.ptr, &d) == 0, "mode 0400 is fine");
	cf_key_free(l);
	l = NULL;
	cf_diags_free(&d);

	/* A path that needs quoting in the hint. */
	path_in_tmp(&path, "my key's file");
	ok(cf_key_save(k, path.ptr, &d) == 0, "save under an awkward name");
	chmod(path.ptr, 0644);
	is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EPERMISSIONS, "awkward name refused");
	cf_buf_clear(&want);
	cf_buf_printf(&want, "run: chmod 600 '%s/my key'\\''s file'", tmpdir);
	is_str(d.len ? d.items[0].hint : NULL, want.ptr, "the hint is shell-quoted");
	cf_diags_free(&d);

	/* Malformed files. */
	char idhex[CF_KEYID_HEX_BYTES], b64[64];
	cf_keyid_hex(idhex, cf_key_id(k));
	sodium_bin2base64(b64, sizeof(b64), cf_key_secret(k), CF_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	struct {
		const char *name;
		const char *fmt; /* %1$s would be nicer, but C11 printf has no positional args */
		int with_id, with_secret;
		unsigned line;
	} cases[] = {
	    {"empty file", "", 0, 0, 1},
	    {"wrong header", "casefile-kee 1\n", 0, 0, 1},
	    {"newer version", "casefile-key 2\nid %s\nsecret %s\n", 1, 1, 1},
	    {"no id line", "casefile-key 1\n", 0, 0, 2},
	    {"bad id", "casefile-key 1\nid 12345\nsecret %s\n", 0, 1, 2},
	    {"no secret", "casefile-key 1\nid %s\n", 1, 0, 3},
	    {"short secret", "casefile-key 1\nid %s\nsecret AAAA\n", 1, 0, 3},
	    {"secret not base64", "casefile-key 1\nid %s\nsecret %s!\n", 1, 1, 3},
	    {"trailing text", "casefile-key 1\nid %s\nsecret %s\nmore\n", 1, 1, 4},
	    {"id of another key", "casefile-key 1\nid 0123456789abcdef\nsecret %s\n", 0, 1, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		if (cases[i].with_id && cases[i].with_secret)
			snprintf(text, sizeof(text), cases[i].fmt, idhex, b64);
		else if (cases[i].with_id)
			snprintf(text, sizeof(text), cases[i].fmt, idhex);
		else if (cases[i].with_secret)
			snprintf(text, sizeof(text), cases[i].fmt, b64);
		else
			snprintf(text, sizeof(text), "%s", cases[i].fmt);
		path_in_tmp(&path, "bad.key");
		write_text(path.ptr, text, 0600);
		is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EKEYFORMAT, cases[i].name);
		ok(l == NULL, "no key handed out");
		is_str(only_rule(&d), "crypt/key-format", "crypt/key-format");
		is_int(d.len ? d.items[0].line : 0, cases[i].line, "diagnostic line");
		cf_diags_free(&d);
	}

	/* CRLF and a missing final newline are still one key file. */
	char text[256];
	snprintf(text, sizeof(text), "casefile-key 1\r\nid %s\r\nsecret %s", idhex, b64);
	write_text(path.ptr, text, 0600);
	ok(cf_key_load(&l, path.ptr, &d) == 0, "CRLF, no final newline: loads");
	cf_key_free(l);
	l = NULL;
	cf_diags_free(&d);

	path_in_tmp(&path, "missing.key");
	is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_ERROR, "missing file");
	is_str(only_rule(&d), "crypt/key-io", "missing file: crypt/key-io");
	cf_diags_free(&d);
	path_in_tmp(&path, "no-such-dir/k.key");
	is_int(cf_key_save(k, path.ptr, &d), CF_CRYPT_ERROR, "save into a missing directory");
	is_str(only_rule(&d), "crypt/key-io", "save failure: crypt/key-io");
	cf_diags_free(&d);

	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(text, sizeof(text));
	cf_buf_free(&path);
	cf_buf_free(&want);
	cf_key_free(k);
}

/* ---- passphrase export ---- */

static void test_passphrase(void)
{
	cf_key *k = NULL, *l = NULL;
	cf_buf e1 = CF_BUF_INIT, e2 = CF_BUF_INIT, bad = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	const char *pass = "correct horse battery staple";
	if (cf_key_generate(&k) != 0)
		return;

	ok(cf_passphrase_acceptable("123456789012", 12), "12 characters: acceptable");
	ok(!cf_passphrase_acceptable("12345678901", 11), "11 characters: not");
	ok(!cf_passphrase_acceptable(
	       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3\xa9",
	       22),
	   "11 two-byte characters (22 bytes): not");
	ok(cf_passphrase_acceptable(
	       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3\xa9\xc3\xa9",
	       24),
	   "12 two-byte characters: acceptable");
	ok(!cf_passphrase_acceptable(NULL, 0), "NULL: not");
	is_int(cf_key_export_passphrase(&bad, k, "", 0), CF_CRYPT_EPASSPHRASE,
	       "empty passphrase refused");
	is_int(cf_key_export_passphrase(&bad, k, "12345678901", 11), CF_CRYPT_EPASSPHRASE,
	       "11-character passphrase refused");

	ok(cf_key_export_passphrase(&e1, k, pass, strlen(pass)) == 0, "export");
	ok(strncmp(e1.ptr, "casefile-key-export 1\nid ", 25) == 0, "export header");
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), cf_key_secret(k), CF_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	ok(strstr(e1.ptr, b64) == NULL, "the export does not contain the secret");
	char limits[96];
	snprintf(limits, sizeof(limits), "\nopslimit %llu\nmemlimit %zu\n",
		 (unsigned long long)CF_PWHASH_OPSLIMIT, (size_t)CF_PWHASH_MEMLIMIT);
	ok(strstr(e1.ptr, limits) != NULL, "export uses the MODERATE limits");
	ok(cf_key_export_passphrase(&e2, k, pass, strlen(pass)) == 0, "export again");
	ok(strcmp(e1.ptr, e2.ptr) != 0, "two exports differ (fresh salt and nonce)");

	ok(cf_key_import_passphrase(&l, e1.ptr, e1.len, "backup.txt", pass, strlen(pass), &d) == 0,
	   "import");
	is_int(d.len, 0, "import: no diagnostics");
	ok(l && memcmp(cf_key_secret(l), cf_key_secret(k), CF_KEY_BYTES) == 0 &&
	       memcmp(cf_key_id(l), cf_key_id(k), CF_KEYID_BYTES) == 0,
	   "imported key equals the exported one");
	cf_key_free(l);
	l = NULL;

	is_int(cf_key_import_passphrase(&l, e1.ptr, e1.len, "backup.txt", "wrong horse battery", 19,
					&d),
	       CF_CRYPT_EPASSPHRASE, "wrong passphrase");
	is_str(only_rule(&d), "crypt/passphrase", "wrong passphrase: crypt/passphrase");
	is_str(d.len ? d.items[0].file : NULL, "backup.txt", "diagnostic names the export");
	ok(l == NULL, "wrong passphrase: no key");
	cf_diags_free(&d);

	/* The limits are not authenticated on their own, but they feed the key derivation. */
	cf_buf_puts(&bad, e1.ptr);
	char *ops = strstr(bad.ptr, "\nopslimit ");
	ok(ops && ops[10] >= '1' && ops[10] <= '4' && ops[11] == '\n', "one-digit opslimit");
	if (ops && ops[11] == '\n') {
		char was = ops[10];
		ops[10] = was == '2' ? '3' : '2';
		is_int(cf_key_import_passphrase(&l, bad.ptr, bad.len, "b", pass, strlen(pass), &d),
		       CF_CRYPT_EPASSPHRASE, "changed opslimit: refused");
		cf_diags_free(&d);
		ops[10] = '9';
		is_int(cf_key_import_passphrase(&l, bad.ptr, bad.len, "b", pass, strlen(pass), &d),
		       CF_CRYPT_EKEYFORMAT, "opslimit over SENSITIVE: refused before hashing");
		is_int(d.len ? d.items[0].line : 0, 4, "opslimit diagnostic on line 4");
		cf_diags_free(&d);
		ops[10] = was;
	}
	char *mem = strstr(bad.ptr, "\nmemlimit ");
	if (mem) {
		/* 9999999999: over SENSITIVE's 2^30. */
		cf_buf over = CF_BUF_INIT;
		cf_buf_put(&over, bad.ptr, (size_t)(mem - bad.ptr));
		cf_buf_puts(&over, "\nmemlimit 9999999999");
		cf_buf_puts(&over, strchr(mem + 1, '\n'));
		is_int(
		    cf_key_import_passphrase(&l, over.ptr, over.len, "b", pass, strlen(pass), &d),
		    CF_CRYPT_EKEYFORMAT, "memlimit over SENSITIVE: refused before hashing");
		is_int(d.len ? d.items[0].line : 0, 5, "memlimit diagnostic on line 5");
		cf_diags_free(&d);
		cf_buf_free(&over);
	} else {
		ok(0, "a memlimit line");
	}

	static const char *malformed[] = {
	    "",
	    "casefile-key 1\n",
	    "casefile-key-export 1\nid 0011223344556677\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAA\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit x\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit 2\nmemlimit 99999999999999999999999\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit 2\nmemlimit 67108864\nbox AAAA\n",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "malformed export %zu refused", i);
		is_int(cf_key_import_passphrase(&l, malformed[i], strlen(malformed[i]), "b", pass,
						strlen(pass), &d),
		       CF_CRYPT_EKEYFORMAT, name);
		is_str(only_rule(&d), "crypt/key-format", "crypt/key-format");
		cf_diags_free(&d);
	}
	ok(l == NULL, "no key from malformed exports");

	sodium_memzero(b64, sizeof(b64));
	cf_buf_free(&e1);
	cf_buf_free(&e2);
	cf_buf_free(&bad);
	cf_key_free(k);
}

int main(void)
{
	if (cf_init() != 0) {
		ok(0, "cf_init");
		return tap_done();
	}
	if (make_temp_dir(tmpdir, sizeof(tmpdir), "crypt") < 0) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_keyid();
	test_case_of_path();
	test_spec();
	test_v2();
	test_keys();
	test_tamper();
	test_v1();
	test_keyfile();
	test_passphrase();
	remove_tmpdir();
	return tap_done();
}
