/* Blobs (lib/crypt, lib/guard, lib/access): what a clone reads from git's object store, which
 * anyone who can push may have written.  Each input is taken
 *   - as a blob: its header read by every accessor (which must agree with cf_crypt_is_blob),
 *     decrypted with the fixed key under its own case's path and under a fixed one, judged
 *     by the guard with and without the key, and by the member log's policy;
 *   - as a plaintext: encrypted (version 2 and version 1) and decrypted again, which must give
 *     it back, and must fail as crypt/tampered once any byte of the blob changes;
 *   - as the inside of a version 2 blob that a key holder crafted: the harness derives the
 *     cipher and nonce subkeys from the fixed secret as lib/crypt.h documents and seals the
 *     input's padded plaintext itself (first byte: flags; then the case id's length, the case
 *     id, the padded plaintext), so that the checks after the tag -- the length field, the
 *     padding, the nonce -- are reached; decryption must succeed exactly when the padding is
 *     casefile's and the nonce is the hash of the content, and then give the text back. */
#include "fuzz.h"
#include "guard.h"

static cf_keyring *ring;
static cf_mlog *log_;
static cf_arena *scratch;
static unsigned char aead_key[32], nonce_key[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	ring = fuzz_keyring();
	cf_identity *alice = fuzz_identity(fuzz_dir("blob"));
	log_ = fuzz_genesis(alice, NULL);
	cf_identity_free(alice);
	FUZZ_ASSERT(cf_arena_new(&scratch, 1) == 0);
	/* the subkeys, derived as lib/crypt.h says: 1 "cfaead01", 2 "cfnonce1" */
	const unsigned char *secret = cf_key_secret(cf_keyring_at(ring, 0));
	FUZZ_ASSERT(crypto_kdf_derive_from_key(aead_key, 32, 1, "cfaead01", secret) == 0 &&
		    crypto_kdf_derive_from_key(nonce_key, 32, 2, "cfnonce1", secret) == 0);
	return 0;
}

/* Decrypts; on success the plaintext is NUL-terminated, on failure there is none and one
 * diagnostic says why. */
static int decrypt(const char *blob, size_t len, const char *path, char **plain, size_t *n,
		   cf_arena *arena)
{
	cf_diags d = CF_DIAGS_INIT;
	int rc = cf_crypt_decrypt(plain, n, arena, ring, blob, len, path, &d);
	if (rc == 0) {
		FUZZ_ASSERT(*plain && (*plain)[*n] == '\0' && d.len == 0);
		FUZZ_ASSERT(cf_crypt_is_blob(blob, len));
	} else {
		FUZZ_ASSERT(*plain == NULL && rc < 0 && d.len == 1);
		FUZZ_ASSERT(d.items[0].severity == CF_SEV_ERROR);
		FUZZ_ASSERT(strncmp(d.items[0].rule, "crypt/", 6) == 0);
	}
	fuzz_diags_drain(&d);
	return rc;
}

static void as_blob(const char *data, size_t size)
{
	int is = cf_crypt_is_blob(data, size);
	int version = cf_crypt_blob_version(data, size);
	unsigned char id[CF_KEYID_BYTES];
	int has_id = cf_crypt_blob_keyid(id, data, size);
	size_t header = cf_crypt_blob_header_len(data, size);
	const char *case_id = NULL;
	size_t case_n = 0;
	int has_case = cf_crypt_blob_case(&case_id, &case_n, data, size);
	FUZZ_ASSERT(is == 0 || is == 1);
	if (!is) {
		FUZZ_ASSERT(version == 0 && has_id == -1 && header == 0 && has_case == -1);
	} else {
		FUZZ_ASSERT(version == CF_CRYPT_VERSION || version == CF_CRYPT_VERSION_V1);
		FUZZ_ASSERT(has_id == 0 && header >= CF_CRYPT_HEADER_BYTES && header <= size);
		FUZZ_ASSERT((has_case == 0) == (version == CF_CRYPT_VERSION));
		if (has_case == 0)
			FUZZ_ASSERT(case_n >= 1 && case_n <= CF_CRYPT_CASE_MAX && case_id >= data &&
				    case_id + case_n <= data + size);
	}

	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 1) == 0);
	char *plain;
	size_t n;
	decrypt(data, size, "cases/2026-001/case.yaml", &plain, &n, arena);
	cf_buf path = CF_BUF_INIT;
	if (has_case == 0) {
		/* its own case: the one path a forged tag could pass under */
		cf_buf_puts(&path, "cases/");
		cf_buf_put(&path, case_id, case_n);
		cf_buf_puts(&path, "/family.yaml");
		FUZZ_ASSERT(!cf_buf_oom(&path));
		decrypt(data, size, path.ptr, &plain, &n, arena);
	}
	cf_arena_free(arena);

	cf_diags d = CF_DIAGS_INIT;
	const char *gpath = path.len ? path.ptr : "cases/2026-001/case.yaml";
	int g = cf_guard_blob(gpath, data, size, ring, scratch, &d);
	FUZZ_ASSERT(g == 0 || g == -1);
	FUZZ_ASSERT((g == 0) == (d.len == 0));
	g = cf_guard_blob(gpath, data, size, NULL, scratch, &d);
	FUZZ_ASSERT(g == 0 || g == -1);
	(void)cf_guard_nonrandom(data, size);
	fuzz_diags_drain(&d);
	const cf_mlog_key *k = NULL;
	cf_blob_verdict v = cf_access_judge_blob(log_, gpath, data, size, &k);
	FUZZ_ASSERT(cf_blob_verdict_text(v) != NULL);
	if (v == CF_BLOB_OK)
		FUZZ_ASSERT(is && version == CF_CRYPT_VERSION && k);
	cf_buf_free(&path);
}

/* Encrypts the input and decrypts it again. */
static void as_plain(const char *data, size_t size, unsigned flip)
{
	const cf_key *key = cf_keyring_at(ring, 0);
	const char *path = "cases/2026-001/report.md";
	cf_buf blob = CF_BUF_INIT;
	for (int v1 = 0; v1 < 2; v1++) {
		cf_buf_clear(&blob);
		int rc = v1 ? cf_crypt_encrypt_v1(&blob, key, data, size)
			    : cf_crypt_encrypt(&blob, key, path, data, size, scratch);
		cf_arena_reset(scratch);
		FUZZ_ASSERT(rc == 0 && cf_crypt_is_blob(blob.ptr, blob.len));
		FUZZ_ASSERT(cf_crypt_blob_version(blob.ptr, blob.len) ==
			    (v1 ? CF_CRYPT_VERSION_V1 : CF_CRYPT_VERSION));
		cf_arena *arena = NULL;
		FUZZ_ASSERT(cf_arena_new(&arena, 1) == 0);
		char *plain;
		size_t n;
		FUZZ_ASSERT(decrypt(blob.ptr, blob.len, path, &plain, &n, arena) == 0);
		FUZZ_ASSERT(n == size && (size == 0 || memcmp(plain, data, size) == 0));
		cf_diags d = CF_DIAGS_INIT;
		FUZZ_ASSERT(cf_guard_blob(path, blob.ptr, blob.len, ring, scratch, &d) == 0);
		FUZZ_ASSERT(v1 || cf_access_judge_blob(log_, path, blob.ptr, blob.len, NULL) ==
				      CF_BLOB_OK);
		/* one byte changed anywhere: never the plaintext back */
		size_t at = flip % blob.len;
		blob.ptr[at] ^= (char)(1u << (flip >> 24 & 7));
		FUZZ_ASSERT(decrypt(blob.ptr, blob.len, path, &plain, &n, arena) != 0);
		fuzz_diags_drain(&d);
		cf_arena_free(arena);
	}
	cf_buf_free(&blob);
}

/* Seals a crafted version 2 blob, and holds decryption to the format's rules. */
static void as_crafted(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	unsigned flags = data[0];
	size_t L = data[1] ? data[1] : 1;
	data += 2;
	size -= 2;
	char case_id[CF_CRYPT_CASE_MAX];
	for (size_t i = 0; i < L; i++)
		case_id[i] = i < size ? (char)data[i] : 'x';
	size_t used = L < size ? L : size;
	data += used;
	size -= used;
	/* the padded plaintext: the input, zeros (or 0xff) up to a multiple of the pad */
	size_t mlen = size < CF_CRYPT_PAD_BYTES ? CF_CRYPT_PAD_BYTES
						: (size + CF_CRYPT_PAD_BYTES - 1) /
						      CF_CRYPT_PAD_BYTES * CF_CRYPT_PAD_BYTES;
	size_t head = 42 + L;
	size_t total = head + mlen + CF_CRYPT_TAG_BYTES;
	unsigned char *b = calloc(1, total), *m = malloc(mlen);
	FUZZ_ASSERT(b && m);
	memset(m, flags & 1 ? 0xff : 0, mlen);
	if (size)
		memcpy(m, data, size);
	if (flags & 2) { /* a length field that fits the text the input gave */
		size_t n = size > CF_CRYPT_LEN_BYTES ? size - CF_CRYPT_LEN_BYTES : 0;
		m[0] = (unsigned char)(n >> 24);
		m[1] = (unsigned char)(n >> 16);
		m[2] = (unsigned char)(n >> 8);
		m[3] = (unsigned char)n;
	}
	size_t text_len = (size_t)m[0] << 24 | (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
	const cf_key *k = cf_keyring_at(ring, 0);
	memcpy(b, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES);
	b[8] = CF_CRYPT_VERSION;
	memcpy(b + 9, cf_key_id(k), CF_KEYID_BYTES);
	b[41] = (unsigned char)L;
	memcpy(b + 42, case_id, L);
	/* the nonce casefile would derive, unless flags say otherwise */
	int fits = text_len <= mlen - CF_CRYPT_LEN_BYTES;
	if (!(flags & 4) && fits) {
		crypto_generichash_state st;
		unsigned char l = (unsigned char)L;
		crypto_generichash_init(&st, nonce_key, 32, CF_CRYPT_NONCE_BYTES);
		crypto_generichash_update(&st, (const unsigned char *)"casefile-blob-2", 16);
		crypto_generichash_update(&st, &l, 1);
		crypto_generichash_update(&st, (const unsigned char *)case_id, L);
		crypto_generichash_update(&st, m + CF_CRYPT_LEN_BYTES, text_len);
		crypto_generichash_final(&st, b + 17, CF_CRYPT_NONCE_BYTES);
	}
	unsigned long long clen = 0;
	FUZZ_ASSERT(crypto_aead_xchacha20poly1305_ietf_encrypt(b + head, &clen, m, mlen, b, head,
							       NULL, b + 17, aead_key) == 0 &&
		    clen == mlen + CF_CRYPT_TAG_BYTES);
	FUZZ_ASSERT(cf_crypt_is_blob(b, total));
	/* canonical: what cf_crypt_encrypt makes of text_len bytes */
	int canonical = fits && !(flags & 4) &&
			(CF_CRYPT_LEN_BYTES + text_len + CF_CRYPT_PAD_BYTES - 1) /
				CF_CRYPT_PAD_BYTES * CF_CRYPT_PAD_BYTES ==
			    mlen;
	for (size_t i = CF_CRYPT_LEN_BYTES + text_len; canonical && i < mlen; i++)
		canonical = m[i] == 0;
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 1) == 0);
	char *plain;
	size_t n;
	/* a path of no case: the case id in the blob is not compared */
	int rc = decrypt((const char *)b, total, "blob", &plain, &n, arena);
	FUZZ_ASSERT((rc == 0) == canonical);
	if (rc == 0)
		FUZZ_ASSERT(n == text_len && memcmp(plain, m + CF_CRYPT_LEN_BYTES, n) == 0);
	cf_arena_free(arena);
	cf_diags d = CF_DIAGS_INIT;
	int g = cf_guard_blob("cases/2026-001/case.yaml", b, total, ring, scratch, &d);
	FUZZ_ASSERT(g == 0 || g == -1);
	fuzz_diags_drain(&d);
	free(m);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	as_blob(copy, size);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	as_plain(copy, size, h);
	as_crafted(data, size);
	free(copy);
	return 0;
}
