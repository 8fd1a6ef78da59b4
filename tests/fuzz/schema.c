/* The schema loader (lib/schema, lib/deadline, lib/template): a repository may pin its own
 * schema (.casefile/schemas/TYPE.yaml), so a schema is untrusted text like any case file.
 * Each input is parsed as a schema; one that loads has its deadlines read, every document's
 * template written, and the example case's case.yaml and family.yaml checked against it at
 * every stage. */
#include "deadline.h"
#include "fs.h"
#include "fuzz.h"
#include "schema.h"
#include "template.h"

static char *case_text, *family_text;
static size_t case_len, family_len;

static char *slurp(const char *rel, size_t *len)
{
	char path[PATH_MAX];
	fuzz_path(path, CF_SRCDIR, rel);
	cf_buf b = CF_BUF_INIT;
	FUZZ_ASSERT(cf_read_file_buf(&b, path, 1 << 20) == 0);
	*len = b.len;
	return cf_buf_detach(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	case_text = slurp("example-repo/cases/2025-006/case.yaml", &case_len);
	family_text = slurp("example-repo/cases/2025-006/family.yaml", &family_len);
	return 0;
}

static void check_file(const cf_schema *s, const char *name, const char *text, size_t len,
		       cf_arena *arena, const cf_node *case_root, cf_diags *d)
{
	const cf_docspec *spec = cf_schema_docspec(s, name);
	if (!spec)
		return;
	cf_doc *doc = NULL;
	int rc = spec->markdown ? cf_doc_parse_markdown(&doc, arena, name, text, len, NULL, d)
				: cf_doc_parse_yaml(&doc, arena, name, text, len, NULL, d);
	if (rc < 0)
		return;
	for (int stage = -1; stage < (int)s->n_stages; stage++) {
		cf_check_ctx ctx = {s, case_root, stage};
		cf_schema_check_doc(&ctx, spec, doc, d);
		(void)cf_docspec_required(spec, &ctx);
		cf_strlist missing = CF_STRLIST_INIT;
		FUZZ_ASSERT(cf_template_missing(&missing, &ctx, spec, doc->root) == 0);
		cf_strlist_free(&missing);
		if (case_root)
			for (int t = 0; t < (int)s->n_stages; t++)
				(void)cf_schema_reached(s, case_root, stage, t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	int rc = cf_schema_parse(&s, ".casefile/schemas/cspr.yaml", copy, size, &d);
	FUZZ_ASSERT(rc == 0 ? s != NULL : s == NULL && cf_diags_count(&d, CF_SEV_ERROR) > 0);
	if (s) {
		cf_deadlines dl;
		if (cf_deadlines_parse(&dl, s, &d) == 0) {
			for (size_t i = 0; i < dl.n; i++) {
				cf_buf b = CF_BUF_INIT;
				cf_deadline_describe(&b, &dl.items[i]);
				cf_buf_free(&b);
			}
		}
		for (size_t i = 0; i < s->n_stages; i++)
			FUZZ_ASSERT(cf_schema_stage_index(s, s->stages[i]) >= 0);
		const char *headings[] = {"Overview", "Findings"};
		for (size_t i = 0; i < s->n_docs; i++) {
			cf_buf t = CF_BUF_INIT;
			FUZZ_ASSERT(cf_template_doc(&t, s, &s->docs[i], NULL, 0, headings, 2) == 0);
			cf_buf_free(&t);
			const cf_field *root = &s->docs[i].root;
			for (size_t j = 0; j < root->n_fields; j++) {
				const char *v = NULL;
				cf_buf why = CF_BUF_INIT;
				(void)cf_template_value_read(&v, s, &root->fields[j], "2026-01-05",
							     &why);
				cf_template_value_hint(&why, s, &root->fields[j]);
				cf_buf_free(&why);
			}
		}
		cf_arena *arena = NULL;
		FUZZ_ASSERT(cf_arena_new(&arena, 0) == 0);
		cf_doc *c = NULL;
		cf_doc_parse_yaml(&c, arena, "case.yaml", case_text, case_len, NULL, &d);
		const cf_node *root = c && c->root && c->root->kind == CF_NODE_MAP ? c->root : NULL;
		check_file(s, "case.yaml", case_text, case_len, arena, root, &d);
		check_file(s, "family.yaml", family_text, family_len, arena, root, &d);
		cf_arena_free(arena);
		cf_schema_free(s);
	}
	fuzz_diags_drain(&d);
	free(copy);
	return 0;
}
