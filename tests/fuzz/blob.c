/* Blobs (lib/crypt, lib/guard, lib/access): what a clone reads from git's object store, which
 * anyone who can push may have written.  Each input is taken
 *   - as a blob: its header read by every accessor (which must agree with cf_crypt_is_blob),
 *     decrypted with the fixed key under its own case's path and under a fixed one, judged
 *     by the guard with and without the key, and by the member log's policy;
 *   - as a plaintext: encrypted (version 2 and version 1) and decrypted again, which must give
 *     it back, and must fail as crypt/tampered once any byte of the blob changes. */
#include "fuzz.h"
#include "guard.h"

static cf_keyring *ring;
static cf_mlog *log_;
static cf_arena *scratch;

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
	free(copy);
	return 0;
}
