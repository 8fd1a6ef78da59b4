/* lib/repo: finding a repository, opening it (its configuration and calendar) and the schemas
 * of its case types, on small repositories written to a temporary directory.  Each check
 * asserts what a user sees: the settings read, and for every configuration a user can get
 * wrong, the diagnostic (file:line:col, rule, message) and the refusal. */
#include "tap.h"

#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "calendar.h"
#include "diag.h"
#include "repo.h"
#include "source.h"

#include "fsutil.h"

static char tmp[PATH_MAX];
static char root[PATH_MAX + 16];
static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

static void show(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	const char *s = cf_buf_cstr(&out);
	while (*s) {
		size_t n = strcspn(s, "\n");
		printf("#   %.*s\n", (int)(n > 300 ? 300 : n), s);
		s += n + (s[n] == '\n');
	}
	cf_buf_free(&out);
}

static int only(const cf_diags *d, cf_severity sev, const char *file, unsigned line, unsigned col,
		const char *rule, const char *needle)
{
	int good = d->len == 1 && d->items[0].severity == sev &&
		   strcmp(d->items[0].file, file) == 0 && d->items[0].line == line &&
		   d->items[0].col == col && strcmp(d->items[0].rule, rule) == 0 &&
		   (!needle || strstr(d->items[0].message, needle));
	if (!good) {
		printf("# want only %s at %s:%u:%u %s\n", rule, file, line, col,
		       needle ? needle : "");
		show(d);
	}
	return good;
}

static void put(const char *rel, const char *text)
{
	if (write_text_at(root, rel, text, 0600) < 0)
		bail(rel);
}

static cf_date D(const char *s)
{
	cf_date d;
	if (cf_date_parse(&d, s) < 0)
		bail(s);
	return d;
}

static void test_discover(void)
{
	char start[PATH_MAX + 64];
	char *found = NULL;
	put(".casefile/config.yaml", "partnership: P\n");
	put("cases/2026-001/meetings/rrm.yaml", "a: 1\n");
	snprintf(start, sizeof(start), "%s/cases/2026-001/meetings", root);
	ok(cf_repo_discover(&found, start) == 0 && found && strcmp(found, root) == 0,
	   "discover: from three directories down, the root");
	free(found);
	found = NULL;
	ok(cf_repo_discover(&found, root) == 0 && found && strcmp(found, root) == 0,
	   "discover: from the root itself");
	free(found);
	found = NULL;
	snprintf(start, sizeof(start), "%s/cases/2026-001/meetings/../../../cases/.", root);
	ok(cf_repo_discover(&found, start) == 0 && found && strcmp(found, root) == 0,
	   "discover: the path resolved first (.. and .)");
	free(found);
	found = NULL;
	snprintf(start, sizeof(start), "%s/elsewhere", tmp);
	mkdir(start, 0700);
	ok(cf_repo_discover(&found, start) == -1 && found == NULL,
	   "discover: a directory beside the repository is in none");
	snprintf(start, sizeof(start), "%s/nowhere/at/all", tmp);
	ok(cf_repo_discover(&found, start) == -1 && found == NULL,
	   "discover: a directory that does not exist is in none");
	remove_tree(root);
}

/* Opens the repository whose config.yaml is config; returns what cf_repo_open did. */
static int open_with(cf_repo **r, const char *config, cf_diags *d)
{
	remove_tree(root);
	mkdir(root, 0700);
	if (config)
		put(".casefile/config.yaml", config);
	cf_diags_clear(d);
	*r = NULL;
	return cf_repo_open(r, root, schema_dirs, 1, d);
}

static void test_open(void)
{
	cf_repo *r = NULL;
	cf_diags d = CF_DIAGS_INIT;

	ok(open_with(&r, "partnership: Test Partnership\n", &d) == 0 && r && d.len == 0,
	   "open: a configuration of a partnership alone opens, quietly");
	if (r) {
		is_str(r->partnership, "Test Partnership", "... its partnership");
		is_str(r->calendar_name, "england-and-wales", "... the default calendar");
		is_int(r->warning_days, 5, "... 5 warning days by default");
		is_str(r->root, root, "... its root");
		ok(r->calendar && !cf_calendar_is_working_day(r->calendar, D("2026-12-25")) &&
		       cf_calendar_is_working_day(r->calendar, D("2026-12-23")),
		   "... its calendar knows Christmas Day");
	}
	cf_repo_free(r);

	ok(open_with(&r,
		     "partnership: P\ncalendar: england-and-wales\nstatus:\n  warning_days: 0\n"
		     "closures:\n  - {date: 2026-12-23, title: Office closed}\n",
		     &d) == 0 &&
	       r && d.len == 0 && r->warning_days == 0 &&
	       !cf_calendar_is_working_day(r->calendar, D("2026-12-23")) &&
	       cf_calendar_is_working_day(r->calendar, D("2026-12-22")),
	   "open: warning_days 0 taken, a closure is not a working day, the day before is");
	cf_repo_free(r);

	ok(open_with(&r, "partnership: P\nstatuss: {}\n", &d) == 0 && r &&
	       only(&d, CF_SEV_WARNING, CF_CONFIG_PATH, 2, 1, "config/unknown-key",
		    "unknown setting 'statuss'") &&
	       d.items[0].hint && strstr(d.items[0].hint, "did you mean 'status'?"),
	   "open: an unknown setting is a warning at its key, with a suggestion, and opens");
	cf_repo_free(r);

	ok(open_with(&r, NULL, &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 0, 0, "config/invalid", "no such file"),
	   "open: no config.yaml: -1, config/invalid 'no such file'");
	ok(open_with(&r, "partnership: [P\n", &d) == -1 && r == NULL && d.len >= 1 &&
	       strcmp(d.items[0].file, CF_CONFIG_PATH) == 0 &&
	       strncmp(d.items[0].rule, "yaml/", 5) == 0 && d.items[0].line >= 1,
	   "open: bad YAML: -1, a yaml/ error in config.yaml");
	ok(open_with(&r, "- partnership: P\n", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 1, 1, "config/invalid", "must be a mapping"),
	   "open: a list: -1, config/invalid at 1:1");
	ok(open_with(&r, "", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 0, 0, "yaml/empty", "empty"),
	   "open: an empty file: -1, yaml/empty");
	ok(open_with(&r, "calendar: england-and-wales\n", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 1, 1, "config/invalid",
		    "'partnership' is required"),
	   "open: no partnership: -1, config/invalid");
	ok(open_with(&r, "partnership: P\nstatus:\n  warning_days: 61\n", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 3, 17, "config/invalid", "0 to 60"),
	   "open: warning_days 61: -1, config/invalid at the value");
	ok(open_with(&r, "partnership: P\nstatus:\n  warning_days: -1\n", &d) == -1 &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 3, 17, "config/invalid", "0 to 60"),
	   "open: warning_days -1: refused");
	ok(open_with(&r, "partnership: P\nstatus:\n  warning_days: five\n", &d) == -1 &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 3, 17, "config/invalid", "0 to 60"),
	   "open: warning_days 'five': refused");
	ok(open_with(&r, "partnership: P\nstatus:\n  warning_days: 60\n", &d) == 0 && r &&
	       r->warning_days == 60 && d.len == 0,
	   "open: warning_days 60, the largest, taken");
	cf_repo_free(r);
	ok(open_with(&r, "partnership: P\ncalendar: mars\n", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 2, 11, "config/invalid",
		    "no calendar 'mars' is installed"),
	   "open: an unknown calendar: -1, config/invalid at its name");
	ok(open_with(&r, "partnership: P\ncalendar: ../../x\n", &d) == -1 && r == NULL &&
	       d.len == 1 && strcmp(d.items[0].rule, "config/invalid") == 0,
	   "open: a calendar name with .. in it: refused");
	if (d.len != 1)
		show(&d);
	ok(open_with(&r, "partnership: P\nclosures: {date: 2026-12-23}\n", &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 2, 11, "config/invalid",
		    "'closures' must be a list"),
	   "open: closures a mapping: -1, config/invalid at it");
	ok(open_with(&r, "partnership: P\nclosures:\n  - {date: 23/12/2026}\n", &d) == -1 &&
	       r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 3, 5, "config/invalid", "YYYY-MM-DD"),
	   "open: a closure's date not YYYY-MM-DD: -1, config/invalid at the closure");

	/* The repository's own calendar, pinned in .casefile/schemas/calendar/ */
	remove_tree(root);
	mkdir(root, 0700);
	put(".casefile/config.yaml", "partnership: P\ncalendar: local\n");
	put(".casefile/schemas/calendar/local.yaml", "not: [a calendar\n");
	cf_diags_clear(&d);
	ok(cf_repo_open(&r, root, schema_dirs, 1, &d) == -1 && r == NULL && d.len >= 1 &&
	       strcmp(d.items[0].file, ".casefile/schemas/calendar/local.yaml") == 0 &&
	       strncmp(d.items[0].rule, "yaml/", 5) == 0,
	   "open: the repository's own calendar, bad YAML: -1, reported in that file");
	cf_diags_free(&d);
}

static void test_schemas(void)
{
	cf_repo *r = NULL;
	cf_diags d = CF_DIAGS_INIT;
	remove_tree(root);
	mkdir(root, 0700);
	put(".casefile/config.yaml", "partnership: P\n");
	put(".casefile/schemas/broken.yaml", "name: broken\nfields: [\n");
	if (cf_repo_open(&r, root, schema_dirs, 1, &d) < 0)
		bail("open");
	const cf_schema *s = NULL, *again = NULL;
	ok(cf_repo_schema_get(&s, r, "cspr", &d) == 0 && s && strcmp(s->name, "cspr") == 0 &&
	       d.len == 0,
	   "schema_get: the installed cspr schema");
	ok(cf_repo_schema_get(&again, r, "cspr", &d) == 0 && again == s && d.len == 0,
	   "schema_get: asked again, the same schema, loaded once");
	const cf_deadlines *dl = cf_repo_deadlines(r, s);
	ok(dl != NULL && dl == cf_repo_deadlines(r, s),
	   "deadlines: the schema's, the same each time");
	ok(cf_repo_schema_get(&again, r, "nope", &d) == -1 && again == NULL && d.len == 0,
	   "schema_get: an unknown type: -1, no diagnostic (the caller says it)");
	ok(cf_repo_schema_get(&again, r, "nope", &d) == -1 && again == NULL && d.len == 0,
	   "schema_get: ... again -1");
	ok(cf_repo_schema_get(&again, r, "../schemas/cspr", &d) == -1 && again == NULL &&
	       d.len == 0,
	   "schema_get: a type with a path in it is no type");
	ok(cf_repo_schema_get(&again, r, "", &d) == -1 && again == NULL && d.len == 0,
	   "schema_get: the empty type is no type");
	ok(cf_repo_schema_get(&again, r, "CSPR", &d) == -1 && again == NULL,
	   "schema_get: type names are lower case");
	ok(cf_repo_schema_get(&again, r, "broken", &d) == -2 && again == NULL && d.len >= 1 &&
	       strcmp(d.items[0].file, ".casefile/schemas/broken.yaml") == 0 &&
	       d.items[0].severity == CF_SEV_ERROR,
	   "schema_get: a malformed schema of the repository's own: -2, reported in its file");
	show(&d);
	size_t had = d.len;
	ok(cf_repo_schema_get(&again, r, "broken", &d) == -2 && again == NULL && d.len == had,
	   "schema_get: ... asked again: -2, not reported a second time");
	ok(cf_repo_schema_get(&again, r, "cspr", &d) == 0 && again == s,
	   "schema_get: cspr still the same after the array grew");
	cf_repo_free(r);
	cf_diags_free(&d);

	/* The repository's own cspr.yaml comes before the installed one */
	put(".casefile/schemas/cspr.yaml", "name: [\n");
	r = NULL;
	if (cf_repo_open(&r, root, schema_dirs, 1, &d) < 0)
		bail("open");
	ok(cf_repo_schema_get(&s, r, "cspr", &d) == -2 && s == NULL && d.len >= 1 &&
	       strcmp(d.items[0].file, ".casefile/schemas/cspr.yaml") == 0,
	   "schema_get: a pinned .casefile/schemas/cspr.yaml is read before the installed one");
	cf_repo_free(r);
	cf_diags_free(&d);

	/* Through a source: the working tree's, here */
	cf_source *src = NULL;
	if (cf_source_open_workdir(&src, root) < 0)
		bail("source");
	r = NULL;
	ok(cf_repo_open_source(&r, root, src, schema_dirs, 1, &d) == 0 && r && r->src == src &&
	       strcmp(r->partnership, "P") == 0 && d.len == 0,
	   "open_source: the configuration read through the source");
	cf_repo_free(r);
	remove_tree(root);
	mkdir(root, 0700);
	r = NULL;
	ok(cf_repo_open_source(&r, root, src, schema_dirs, 1, &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 0, 0, "config/invalid",
		    "not in the files checked"),
	   "open_source: no config.yaml in the source: config/invalid 'not in the files checked'");
	cf_source_free(src);
	cf_diags_free(&d);
	cf_repo_free(NULL); /* harmless: the plan is not printed if it crashes */
}

/* Stages text at path in idx, stored in r's objects. */
static int stage(git_repository *r, git_index *idx, const char *path, const char *text)
{
	git_index_entry e;
	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = path;
	int rc = git_blob_create_from_buffer(&e.id, r, text, strlen(text));
	return rc < 0 ? rc : git_index_add(idx, &e);
}

/* `check --staged`: the configuration and the pinned schemas are the index's, not the working
 * tree's. */
static void test_index(void)
{
	remove_tree(root);
	mkdir(root, 0700);
	git_repository *g = NULL;
	git_index *idx = NULL;
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/.git/index", root);
	if (git_repository_init(&g, root, 0) < 0 || git_index_open(&idx, path) < 0 ||
	    stage(g, idx, ".casefile/config.yaml",
		  "partnership: Staged\nstatus:\n  warning_days: 9\n") < 0 ||
	    stage(g, idx, ".casefile/schemas/cspr.yaml", "name: [\n") < 0 ||
	    git_index_write(idx) < 0)
		bail("git");
	put(".casefile/config.yaml", "partnership: Working tree\n");
	cf_diags d = CF_DIAGS_INIT;
	cf_source *src = NULL;
	cf_repo *r = NULL;
	if (cf_source_open_index(&src, root, &d) < 0) {
		show(&d);
		bail("open the index");
	}
	ok(cf_repo_open_source(&r, root, src, schema_dirs, 1, &d) == 0 && r &&
	       strcmp(r->partnership, "Staged") == 0 && r->warning_days == 9 && d.len == 0,
	   "open_source, the index: its configuration, not the working tree's");
	const cf_schema *s = NULL;
	ok(r && cf_repo_schema_get(&s, r, "cspr", &d) == -2 && !s && d.len >= 1 &&
	       strcmp(d.items[0].file, ".casefile/schemas/cspr.yaml") == 0,
	   "... and its pinned schema, malformed, though the working tree pins none");
	cf_repo_free(r);
	cf_source_free(src);
	cf_diags_clear(&d);

	r = NULL;
	ok(cf_repo_open(&r, root, schema_dirs, 1, &d) == 0 && r &&
	       strcmp(r->partnership, "Working tree") == 0 &&
	       cf_repo_schema_get(&s, r, "cspr", &d) == 0 && s && d.len == 0,
	   "open, the working tree: its own configuration, and the installed schema");
	cf_repo_free(r);

	/* staged without a configuration */
	git_index_clear(idx);
	if (stage(g, idx, "README.md", "readme\n") < 0 || git_index_write(idx) < 0)
		bail("git");
	cf_diags_clear(&d);
	if (cf_source_open_index(&src, root, &d) < 0)
		bail("open the index");
	r = NULL;
	ok(cf_repo_open_source(&r, root, src, schema_dirs, 1, &d) == -1 && r == NULL &&
	       only(&d, CF_SEV_ERROR, CF_CONFIG_PATH, 0, 0, "config/invalid",
		    "not in the files checked"),
	   "open_source, an index without config.yaml: config/invalid, though the working tree "
	   "has one");
	cf_source_free(src);
	cf_diags_free(&d);
	git_index_free(idx);
	git_repository_free(g);
}

int main(void)
{
	if (cf_init() < 0)
		bail("cf_init");
	if (make_temp_dir_resolved(tmp, "repo") < 0)
		bail("mkdtemp");
	/* no system or user git configuration */
	if (git_libgit2_init() < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, tmp) < 0)
		bail("git_libgit2_init");
	unsetenv("GIT_INDEX_FILE"); /* a hook's, when the suite runs from one */
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	snprintf(root, sizeof(root), "%s/repo", tmp);
	mkdir(root, 0700);
	test_discover();
	test_open();
	test_schemas();
	test_index();
	remove_tree(tmp);
	git_libgit2_shutdown();
	return tap_done();
}
