/* The identifier scanner (lib/idscan), with identifiers and text both from the input: the lines
 * before the first line "---" each add one identifier, "KIND VALUE" with KIND name, alias,
 * address, school, other, pseudonym or date (VALUE YYYY-MM-DD); a line of another kind is
 * ignored.  The rest is the text scanned, as report.md's body from line 1 and as a value in
 * front matter at line 3, column 9.  Hits must lie inside the text, in order, with the tags
 * the identifiers were added with.  (tests/fuzz/seeds.sh makes seeds of the example cases:
 * their family.yaml's identifiers, then their report.md.) */
#include "fuzz.h"
#include "idscan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

/* Adds the identifier of one line; -1 only when memory ran out. */
static int add_line(cf_idscan *s, char *line, int who)
{
	char *sp = strchr(line, ' ');
	if (!sp)
		return 0;
	*sp = '\0';
	const char *kind = line, *v = sp + 1;
	if (strcmp(kind, "name") == 0)
		return cf_idscan_add_name(s, who, 1, CF_ID_NAME, v);
	if (strcmp(kind, "alias") == 0)
		return cf_idscan_add_name(s, who, 2, CF_ID_ALIAS, v);
	if (strcmp(kind, "address") == 0)
		return cf_idscan_add_address(s, who, 3, v);
	if (strcmp(kind, "school") == 0)
		return cf_idscan_add_phrase(s, who, 4, CF_ID_SCHOOL, v);
	if (strcmp(kind, "other") == 0)
		return cf_idscan_add_phrase(s, who, 5, CF_ID_OTHER, v);
	if (strcmp(kind, "pseudonym") == 0)
		return cf_idscan_add_pseudonym(s, v);
	int y, m, d;
	char tail;
	if (strcmp(kind, "date") == 0 && sscanf(v, "%d-%d-%d%c", &y, &m, &d, &tail) == 3)
		return cf_idscan_add_date(s, who, 6, CF_ID_DOB, y, m, d);
	return 0;
}

static void check_hits(const cf_idhits *h, size_t len, int whos)
{
	size_t prev = 0;
	for (size_t i = 0; i < h->n; i++) {
		const cf_idhit *x = &h->items[i];
		FUZZ_ASSERT(x->len > 0 && x->offset <= len && x->len <= len - x->offset);
		FUZZ_ASSERT(x->offset >= prev); /* in the order of the text */
		prev = x->offset;
		FUZZ_ASSERT(x->who >= 0 && x->who < whos && x->aux >= 1 && x->aux <= 6);
		FUZZ_ASSERT(x->line >= 1 && x->col >= 1);
		FUZZ_ASSERT(cf_id_kind_name(x->kind) != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	cf_arena *arena = NULL;
	cf_idscan *scan = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 1) == 0 && cf_idscan_new(&scan, arena) == 0);
	/* the identifiers */
	char *p = s, *end = s + size, *text = end;
	int who = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		*stop = '\0';
		if (strcmp(p, "---") == 0) {
			text = nl ? nl + 1 : end;
			break;
		}
		if (strlen(p) == (size_t)(stop - p))
			FUZZ_ASSERT(add_line(scan, p, who++) == 0);
		p = nl ? nl + 1 : end;
	}
	(void)cf_idscan_count(scan);
	/* the text, of exactly its length */
	size_t n = text < end ? (size_t)(end - text) : 0;
	char *copy = malloc(n ? n : 1);
	FUZZ_ASSERT(copy);
	if (n)
		memcpy(copy, data + (text - s), n);
	cf_idhits hits = CF_IDHITS_INIT;
	FUZZ_ASSERT(cf_idscan_run(&hits, scan, copy, n, 1) == 0);
	check_hits(&hits, n, who);
	hits.n = 0;
	FUZZ_ASSERT(cf_idscan_run_at(&hits, scan, copy, n, 3, 9) == 0);
	check_hits(&hits, n, who);
	cf_idhits_free(&hits);
	/* and the comparison of names, of the first two lines */
	(void)cf_idscan_same(s, text < end ? text : "");
	free(copy);
	cf_arena_free(arena);
	free(s);
	return 0;
}
