/* The repository's configuration (.casefile/config.yaml, lib/repo): partnership, calendar,
 * case types, closures, warning days.  Each input is written as the config of a repository in
 * a private directory and opened (cf_repo_open, the installed schemas of the source tree);
 * one that opens has every case type it names looked up, and the calendar it chose asked
 * about the year of its closures. */
#include "fuzz.h"
#include "repo.h"

static char root[PATH_MAX], config[PATH_MAX], schemas[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	fuzz_path(root, fuzz_dir("config"), "repo");
	fuzz_path(config, root, CF_CONFIG_PATH);
	char dir[PATH_MAX];
	fuzz_path(dir, root, ".casefile");
	FUZZ_ASSERT(cf_mkdirs(dir, 0700) == 0);
	fuzz_path(schemas, CF_SRCDIR, "schemas");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(fuzz_write(config, data, size, 0644) == 0);
	const char *dirs[] = {schemas};
	cf_diags d = CF_DIAGS_INIT;
	cf_repo *r = NULL;
	int rc = cf_repo_open(&r, root, dirs, 1, &d);
	FUZZ_ASSERT(rc == 0 ? r != NULL : r == NULL && cf_diags_count(&d, CF_SEV_ERROR) > 0);
	if (r) {
		FUZZ_ASSERT(r->calendar);
		const cf_node *types = cf_node_get(r->config, "case_types");
		for (size_t i = 0; types && types->kind == CF_NODE_SEQ && i < types->n && i < 4;
		     i++) {
			const char *t = cf_node_str(types->items[i]);
			const cf_schema *s = NULL;
			if (t && cf_repo_schema_get(&s, r, t, &d) == 0)
				FUZZ_ASSERT(s && cf_repo_deadlines(r, s));
		}
		cf_date day;
		FUZZ_ASSERT(cf_date_parse(&day, "2026-01-05") == 0);
		(void)cf_calendar_working_days_between(r->calendar, day, day + 400);
		cf_repo_free(r);
	}
	fuzz_diags_drain(&d);
	return 0;
}
