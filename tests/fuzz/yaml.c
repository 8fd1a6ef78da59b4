/* The YAML loader (lib/doc cf_doc_parse_yaml): any bytes give a tree or a diagnostic, never a
 * crash, a hang, a cycle or a leak.  Parsed once with the default limits and once with tight
 * ones, so that the limit paths (too deep, too many alias nodes, too large) are reached by
 * small inputs too. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

static void one(const uint8_t *data, size_t size, const cf_doc_limits *lim)
{
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 0) == 0);
	/* a copy of exactly the input's length, so a read past its end is seen */
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	int rc = cf_doc_parse_yaml(&doc, arena, "cases/2026-001/case.yaml", copy, size, lim, &d);
	fuzz_check_doc(rc, doc, &d, size, copy);
	fuzz_diags_drain(&d);
	free(copy);
	cf_arena_free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, NULL);
	cf_doc_limits tight = {4096, 8, 64};
	one(data, size, &tight);
	return 0;
}
