/* The access file of the layout before the member log (.casefile/access.yaml, lib/legacy),
 * still read by `casefile upgrade` and by clones not yet upgraded: which key id encrypts which
 * case.  Each input is parsed; a file that parses is asked for the key of a few paths, has a
 * case set, and is saved and parsed again to the same keys. */
#include "fs.h"
#include "fuzz.h"
#include "legacy.h"

static char root[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	fuzz_path(root, fuzz_dir("access"), "repo");
	char dir[PATH_MAX];
	fuzz_path(dir, root, ".casefile");
	FUZZ_ASSERT(cf_mkdirs(dir, 0700) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_diags d = CF_DIAGS_INIT;
	cf_legacy_access a;
	memset(&a, 0, sizeof(a));
	int rc = cf_legacy_access_parse(&a, copy, size, &d);
	FUZZ_ASSERT(rc == 0 || (rc == -1 && cf_diags_count(&d, CF_SEV_ERROR) > 0));
	if (rc == 0) {
		const char *paths[] = {"cases/2026-003/case.yaml", "cases/2026-001/report.md",
				       "README.md", "cases/"};
		for (size_t i = 0; i < 4; i++)
			(void)cf_legacy_access_key_for(&a, paths[i]);
		for (size_t i = 0; i < a.n; i++)
			FUZZ_ASSERT(cf_legacy_case_id_valid(a.cases[i].id));
		unsigned char id[CF_KEYID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
		FUZZ_ASSERT(cf_legacy_access_set_case(&a, "2026-009", id) == 0);
		FUZZ_ASSERT(cf_legacy_access_save(&a, root) == 0);
		char path[PATH_MAX];
		fuzz_path(path, root, CF_LEGACY_ACCESS_PATH);
		cf_buf text = CF_BUF_INIT;
		FUZZ_ASSERT(cf_read_file_buf(&text, path, 1 << 20) == 0);
		cf_legacy_access b;
		memset(&b, 0, sizeof(b));
		FUZZ_ASSERT(cf_legacy_access_parse(&b, text.ptr, text.len, &d) == 0);
		FUZZ_ASSERT(b.n == a.n && b.has_repository_key == a.has_repository_key);
		for (size_t i = 0; i < a.n; i++) {
			char path_of[64];
			snprintf(path_of, sizeof(path_of), "cases/%s/case.yaml", a.cases[i].id);
			const unsigned char *k = cf_legacy_access_key_for(&b, path_of);
			FUZZ_ASSERT(k && memcmp(k, a.cases[i].key, CF_KEYID_BYTES) == 0);
		}
		cf_legacy_access_free(&b);
		cf_buf_free(&text);
	}
	cf_legacy_access_free(&a);
	fuzz_diags_drain(&d);
	free(copy);
	return 0;
}
