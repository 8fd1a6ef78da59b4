/* A whole case through `casefile check` and `casefile status` in every format: each input is
 * a small archive of the files of case 2026-001 of a repository, every file introduced by a
 * line "==> NAME" (NAME relative to the case directory: case.yaml, family.yaml,
 * meetings/x.yaml, report.md ...; or .casefile/config.yaml and .casefile/schemas/cspr.yaml for
 * the repository's own configuration and pinned schema; or COMMIT_EDITMSG, a commit message
 * for the privacy rules).  Names with anything but [A-Za-z0-9._/-], "..", or more than three
 * levels are skipped.  The case is written into a private repository, loaded, checked (with
 * deadlines, as of 2026-01-12), added to a status report, and the report rendered as text,
 * Markdown, CSV, TSV, JSON and HTML, the diagnostics as text and JSON.  An input that
 * changes nothing under .casefile/ is checked with the repository opened once, as `status`
 * reads many cases with one; one that does opens its own. */
#include "check.h"
#include "fuzz.h"
#include "report.h"
#include "report_html.h"
#include "waiver.h"

static char root[PATH_MAX], cases_dir[PATH_MAX], casefile_dir[PATH_MAX], schemas[PATH_MAX];
static const char *schema_dirs[1] = {schemas};
static char *default_config;
static size_t default_config_len;
static cf_repo *shared;

static void reset_repo(void)
{
	remove_tree(cases_dir);
	remove_tree(casefile_dir);
	char path[PATH_MAX];
	fuzz_path(path, cases_dir, "2026-001");
	FUZZ_ASSERT(cf_mkdirs(path, 0755) == 0 && cf_mkdirs(casefile_dir, 0755) == 0);
	FUZZ_ASSERT(fuzz_write(fuzz_path(path, root, CF_CONFIG_PATH), default_config,
			       default_config_len, 0644) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	fuzz_path(root, fuzz_dir("case"), "repo");
	fuzz_path(cases_dir, root, "cases");
	fuzz_path(casefile_dir, root, ".casefile");
	fuzz_path(schemas, CF_SRCDIR, "schemas");
	char path[PATH_MAX];
	cf_buf b = CF_BUF_INIT;
	FUZZ_ASSERT(cf_read_file_buf(&b, fuzz_path(path, CF_SRCDIR, "example-repo/" CF_CONFIG_PATH),
				     1 << 20) == 0);
	default_config_len = b.len;
	default_config = cf_buf_detach(&b);
	reset_repo();
	cf_diags d = CF_DIAGS_INIT;
	FUZZ_ASSERT(cf_repo_open(&shared, root, schema_dirs, 1, &d) == 0);
	cf_diags_free(&d);
	return 0;
}

static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 100 || s[0] == '/' || s[n - 1] == '/')
		return 0;
	int slashes = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			return 0;
		if (c == '/' && (++slashes > 3 || s[i + 1] == '/'))
			return 0;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Writes one file of the archive; *own set when it is under .casefile/. */
static void put_file(const char *name, size_t n, const char *data, size_t len, int *own,
		     cf_buf *message)
{
	if (!name_ok(name, n))
		return;
	cf_buf rel = CF_BUF_INIT;
	if (n == 14 && memcmp(name, "COMMIT_EDITMSG", 14) == 0) {
		cf_buf_clear(message);
		cf_buf_put(message, data, len);
		return;
	}
	if (n > 10 && memcmp(name, ".casefile/", 10) == 0) {
		*own = 1;
		cf_buf_put(&rel, name, n);
	} else {
		cf_buf_puts(&rel, "cases/2026-001/");
		cf_buf_put(&rel, name, n);
	}
	char path[PATH_MAX];
	FUZZ_ASSERT(!cf_buf_oom(&rel));
	fuzz_path(path, root, rel.ptr);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int dir_ok = cf_mkdirs(path, 0755) == 0;
	*slash = '/';
	/* a name that is a directory already (x, then x/y) is passed over */
	if (dir_ok && !cf_is_dir(path))
		FUZZ_ASSERT(fuzz_write(path, data, len, 0644) == 0);
	cf_buf_free(&rel);
}

/* Splits the archive into files (what comes before the first header is ignored). */
static int unpack(const char *data, size_t size, cf_buf *message)
{
	int own = 0;
	const char *p = data, *end = data + size;
	const char *name = NULL, *body = NULL;
	size_t name_n = 0;
	for (;;) {
		int at_end = p >= end;
		int header = !at_end && (size_t)(end - p) >= 4 && memcmp(p, "==> ", 4) == 0;
		const char *nl = at_end ? NULL : memchr(p, '\n', (size_t)(end - p));
		if (at_end || header) {
			if (name)
				put_file(name, name_n, body, (size_t)(p - body), &own, message);
			if (at_end)
				break;
			name = p + 4;
			name_n = (size_t)((nl ? nl : end) - name);
			body = nl ? nl + 1 : end;
		}
		p = nl ? nl + 1 : end;
	}
	return own;
}

static void render(const cf_status *st)
{
	static const cf_status_format formats[] = {CF_STATUS_TEXT, CF_STATUS_MD,   CF_STATUS_CSV,
						   CF_STATUS_TSV,  CF_STATUS_JSON, CF_STATUS_HTML};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		cf_buf out = CF_BUF_INIT;
		cf_status_render(&out, st, formats[i], i == 0);
		FUZZ_ASSERT(!cf_buf_oom(&out) && out.len > 0);
		cf_buf_free(&out);
	}
	cf_status_totals t;
	cf_status_sum(&t, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reset_repo();
	cf_buf message = CF_BUF_INIT;
	int own = unpack((const char *)data, size, &message);
	cf_diags d = CF_DIAGS_INIT;
	cf_repo *repo = shared;
	if (own && cf_repo_open(&repo, root, schema_dirs, 1, &d) < 0) {
		FUZZ_ASSERT(cf_diags_count(&d, CF_SEV_ERROR) > 0);
		fuzz_diags_drain(&d);
		cf_buf_free(&message);
		return 0;
	}
	cf_source *src = NULL;
	FUZZ_ASSERT(cf_source_open_workdir(&src, root) == 0);
	cf_strlist ids = CF_STRLIST_INIT;
	FUZZ_ASSERT(cf_case_ids(&ids, src, &d) == 0);
	cf_date today;
	FUZZ_ASSERT(cf_date_parse(&today, "2026-01-12") == 0);
	cf_privacy_text msg = {".git/COMMIT_EDITMSG", cf_buf_cstr(&message), message.len};
	cf_check_env env = {repo->calendar, today, repo->warning_days, message.len ? &msg : NULL};
	cf_status st;
	FUZZ_ASSERT(cf_status_init(&st, repo->partnership, today) == 0);
	for (size_t i = 0; i < ids.n; i++) {
		cf_case *c = NULL;
		cf_diags cd = CF_DIAGS_INIT;
		FUZZ_ASSERT(cf_case_load(&c, repo, src, ids.items[i], &cd) == 0 && c);
		cf_deadline_results res = {NULL, 0, 0};
		cf_check_case(c, &env, &cd, &res);
		/* a case that passes has a case.yaml that is a mapping, of a known type */
		size_t errors = 0;
		for (size_t j = 0; j < cd.len; j++)
			errors += cd.items[j].severity == CF_SEV_ERROR && !cd.items[j].waived;
		if (errors == 0 && !c->locked)
			FUZZ_ASSERT(c->root && c->root->kind == CF_NODE_MAP && c->schema);
		if (!cf_diags_has_rule(&cd, "schema/invalid"))
			FUZZ_ASSERT(cf_status_add(&st, c, &res, &cd, repo->calendar) == 0);
		FUZZ_ASSERT(cf_status_add_locked(&st, "2026-999") == 0);
		cf_deadline_results_free(&res);
		cf_case_free(c);
		FUZZ_ASSERT(cf_diags_move(&d, &cd) == 0);
		cf_diags_free(&cd);
	}
	cf_status_sort(&st);
	render(&st);
	cf_status_free(&st);
	cf_strlist_free(&ids);
	cf_source_free(src);
	if (repo != shared)
		cf_repo_free(repo);
	fuzz_diags_drain(&d);
	cf_buf_free(&message);
	return 0;
}
