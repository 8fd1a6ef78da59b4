/* Markdown front matter (lib/doc cf_doc_parse_markdown): the fence, the YAML between, the
 * body after it; a tree or a diagnostic for any bytes. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 0) == 0);
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	int rc =
	    cf_doc_parse_markdown(&doc, arena, "cases/2026-001/report.md", copy, size, NULL, &d);
	fuzz_check_doc(rc, doc, &d, size, copy);
	fuzz_diags_drain(&d);
	free(copy);
	cf_arena_free(arena);
	return 0;
}
