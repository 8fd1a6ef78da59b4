#include "repo.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "suggest.h"

int cf_repo_discover(char **root, const char *start)
{
	char *dir = realpath(start, NULL);
	if (!dir)
		return -1;
	for (;;) {
		char *cfg = cf_path_join(dir, CF_CONFIG_PATH);
		int found = cfg && cf_is_file(cfg);
		free(cfg);
		if (found) {
			*root = dir;
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			free(dir);
			return -1;
		}
		*slash = '\0';
	}
}

static void config_error(cf_diags *diags, const cf_node *at, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void config_error(cf_diags *diags, const cf_node *at, const char *hint, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, CF_CONFIG_PATH, at ? at->line : 0,
				  at ? at->col : 0, "config/invalid", "%s", cf_buf_cstr(&msg));
	if (hint)
		cf_diag_hint(diags, d, "%s", hint);
	cf_buf_free(&msg);
}

/* Reads a file of the repository (rel: ".casefile/config.yaml") through its source when it has
 * one -- the index or a commit -- else from the working tree.  0, 1 when there is no such
 * file, -1 when it cannot be read (errno says why; a source's diagnostics are dropped: the
 * caller reports the file). */
static int read_repo_file(cf_repo *r, const char *rel, size_t max, cf_buf *out)
{
	if (!r->src) {
		char *path = cf_path_join(r->root, rel);
		int rc = !path ? -1 : !cf_is_file(path) ? 1 : cf_read_file_buf(out, path, max);
		free(path);
		return rc;
	}
	if (!cf_source_exists(r->src, rel))
		return 1;
	cf_arena *scratch = NULL;
	cf_diags ignored = CF_DIAGS_INIT;
	char *data;
	size_t len;
	int rc = -1;
	errno = EIO;
	if (cf_arena_new(&scratch, 0) == 0 &&
	    cf_source_read(r->src, rel, max, scratch, &data, &len, &ignored) == 0) {
		cf_buf_clear(out);
		cf_buf_put(out, data, len);
		rc = cf_buf_oom(out) ? -1 : 0;
	}
	cf_diags_free(&ignored);
	cf_arena_free(scratch);
	return rc;
}

/* A data file: the repository's own (.casefile/schemas/NAME, through its source), else the
 * first of the installed schema directories that has it.  *display names it in messages.
 * 0, 1 when there is none, -1 when it cannot be read. */
static int load_data(cf_repo *r, const char *name, size_t max, cf_buf *data, cf_buf *display)
{
	cf_buf_clear(display);
	cf_buf_printf(display, ".casefile/schemas/%s", name);
	if (cf_buf_oom(display))
		return -1;
	int rc = read_repo_file(r, display->ptr, max, data);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < r->n_schema_dirs; i++) {
		cf_buf_clear(display);
		cf_buf_printf(display, "%s/%s", r->schema_dirs[i], name);
		if (cf_buf_oom(display))
			return -1;
		if (cf_is_file(display->ptr))
			return cf_read_file_buf(data, display->ptr, max);
	}
	return 1;
}

/* The path to name a data file by in messages: relative to the repository when it is in it. */
static const char *display_path(const cf_repo *r, const char *path)
{
	size_t n = strlen(r->root);
	if (strncmp(path, r->root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static int load_calendar(cf_repo *r, cf_diags *diags)
{
	if (cf_calendar_new(&r->calendar) < 0)
		return -1;
	const cf_node *name_node = cf_node_get(r->config, "calendar");
	r->calendar_name = name_node ? cf_node_str(name_node) : "england-and-wales";
	if (!r->calendar_name) {
		config_error(diags, name_node, NULL, "'calendar' must name a calendar");
		return -1;
	}
	cf_buf file = CF_BUF_INIT, data = CF_BUF_INIT, display = CF_BUF_INIT;
	cf_buf_printf(&file, "calendar/%s.yaml", r->calendar_name);
	int rc = cf_buf_oom(&file)
		     ? -1
		     : load_data(r, file.ptr, CF_DOC_MAX_BYTES_DEFAULT, &data, &display);
	cf_doc *doc;
	if (rc == 1) {
		config_error(diags, name_node,
			     "calendars live in .casefile/schemas/calendar/ or the installed "
			     "schemas/calendar/",
			     "no calendar '%s' is installed", r->calendar_name);
		rc = -1;
	} else if (rc < 0) {
		config_error(diags, name_node, NULL, "cannot read %s: %s", cf_buf_cstr(&display),
			     strerror(errno));
	} else if (cf_doc_parse_yaml(&doc, r->arena, display_path(r, display.ptr),
				     cf_buf_cstr(&data), data.len, NULL, diags) < 0 ||
		   cf_calendar_apply(r->calendar, doc, diags) < 0) {
		rc = -1;
	}
	cf_buf_free(&file);
	cf_buf_free(&data);
	cf_buf_free(&display);
	if (rc < 0)
		return -1;

	const cf_node *closures = cf_node_get(r->config, "closures");
	if (cf_node_is_empty(closures))
		return 0;
	if (closures->kind != CF_NODE_SEQ) {
		config_error(diags, closures, "write - {date: 2026-12-24, title: Office closed}",
			     "'closures' must be a list");
		return -1;
	}
	for (size_t i = 0; i < closures->n; i++) {
		const cf_node *c = closures->items[i];
		const char *ds = cf_node_str(cf_node_get(c, "date"));
		const char *title = cf_node_str(cf_node_get(c, "title"));
		cf_date d;
		if (!ds || cf_date_parse(&d, ds) < 0) {
			config_error(diags, c, "write - {date: 2026-12-24, title: Office closed}",
				     "a closure needs a 'date' written YYYY-MM-DD");
			return -1;
		}
		if (cf_calendar_add_closure(r->calendar, d, title ? title : "Office closed") < 0)
			return -1;
	}
	return 0;
}

static int read_config(cf_repo *r, cf_diags *diags)
{
	static const char *const keys[] = {"partnership", "calendar", "case_types", "closures",
					   "status"};
	cf_buf data = CF_BUF_INIT;
	cf_doc *doc = NULL;
	int rc = read_repo_file(r, CF_CONFIG_PATH, CF_DOC_MAX_BYTES_DEFAULT, &data);
	if (rc != 0) {
		cf_diags_add(diags, CF_SEV_ERROR, CF_CONFIG_PATH, 0, 0, "config/invalid",
			     "cannot read: %s",
			     rc == 1 ? (r->src ? "not in the files checked" : "no such file")
				     : strerror(errno));
		rc = -1;
		goto out;
	}
	rc = -1;
	if (cf_doc_parse_yaml(&doc, r->arena, CF_CONFIG_PATH, cf_buf_cstr(&data), data.len, NULL,
			      diags) < 0)
		goto out;
	if (!doc->root || doc->root->kind != CF_NODE_MAP) {
		config_error(diags, doc->root, NULL, "the configuration must be a mapping");
		goto out;
	}
	r->config = doc->root;
	for (size_t i = 0; i < r->config->n; i++) {
		const cf_node *k = r->config->pairs[i].key;
		int known = 0;
		for (size_t j = 0; j < sizeof(keys) / sizeof(*keys) && !known; j++)
			known = strcmp(k->str, keys[j]) == 0;
		if (!known) {
			const char *sug = cf_suggest(k->str, keys, sizeof(keys) / sizeof(*keys));
			cf_diag *d =
			    cf_diags_add(diags, CF_SEV_WARNING, CF_CONFIG_PATH, k->line, k->col,
					 "config/unknown-key", "unknown setting '%s'", k->str);
			if (sug)
				cf_diag_hint(diags, d, "did you mean '%s'?", sug);
		}
	}
	r->partnership = cf_node_str(cf_node_get(r->config, "partnership"));
	if (!r->partnership) {
		config_error(diags, r->config,
			     "add 'partnership: NAME' (printed on status reports)",
			     "'partnership' is required");
		goto out;
	}
	r->warning_days = 5;
	const cf_node *wd = cf_node_path(r->config, "status.warning_days");
	long long v;
	if (wd && (cf_node_int(wd, &v) < 0 || v < 0 || v > 60)) {
		config_error(diags, wd, NULL,
			     "'status.warning_days' must be a number of working "
			     "days from 0 to 60");
		goto out;
	} else if (wd) {
		r->warning_days = (int)v;
	}
	rc = load_calendar(r, diags);
out:
	cf_buf_free(&data);
	return rc;
}

int cf_repo_open(cf_repo **out, const char *root, const char *const *schema_dirs, size_t n_dirs,
		 cf_diags *diags)
{
	return cf_repo_open_source(out, root, NULL, schema_dirs, n_dirs, diags);
}

int cf_repo_open_source(cf_repo **out, const char *root, cf_source *src,
			const char *const *schema_dirs, size_t n_dirs, cf_diags *diags)
{
	*out = NULL;
	cf_repo *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->src = src;
	r->root = cf_strdup(root);
	r->schema_dirs = schema_dirs;
	r->n_schema_dirs = n_dirs;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return -1;
	}
	if (!r->root || cf_arena_new(&r->arena, 0) < 0 || read_config(r, diags) < 0) {
		cf_repo_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

static int schema_get_locked(const cf_schema **out, cf_repo *r, const char *type, cf_diags *diags);

int cf_repo_schema_get(const cf_schema **out, cf_repo *r, const char *type, cf_diags *diags)
{
	pthread_mutex_lock(&r->lock);
	int rc = schema_get_locked(out, r, type, diags);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static int schema_get_locked(const cf_schema **out, cf_repo *r, const char *type, cf_diags *diags)
{
	*out = NULL;
	for (size_t i = 0; i < r->n_schemas; i++) {
		if (strcmp(r->schemas[i].type, type) == 0) {
			*out = r->schemas[i].schema;
			return *out ? 0 : r->schemas[i].broken ? -2 : -1;
		}
	}
	/* Remember the outcome either way, so a broken schema is reported once, not per case. */
	cf_repo_schema *s = realloc(r->schemas, (r->n_schemas + 1) * sizeof(*s));
	if (!s)
		return -1;
	r->schemas = s;
	cf_repo_schema *entry = &s[r->n_schemas];
	entry->type = cf_strdup(type);
	entry->schema = NULL;
	entry->broken = 0;
	entry->deadlines = NULL;
	if (!entry->type)
		return -1;
	r->n_schemas++;

	/* A type name is a file name: refuse anything that could walk out of the directory. */
	int valid = *type != '\0' && strlen(type) < 64;
	for (const char *p = type; valid && *p; p++)
		valid =
		    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
	cf_buf file = CF_BUF_INIT, data = CF_BUF_INIT, display = CF_BUF_INIT;
	cf_buf_printf(&file, "%s.yaml", type);
	int rc = !valid || cf_buf_oom(&file)
		     ? 1
		     : load_data(r, file.ptr, CF_SCHEMA_MAX_BYTES, &data, &display);
	cf_buf_free(&file);
	if (rc == 1) {
		cf_buf_free(&data);
		cf_buf_free(&display);
		return -1;
	}
	const char *name = display_path(r, cf_buf_cstr(&display));
	if (rc < 0)
		cf_diags_add(diags, CF_SEV_ERROR, name, 0, 0, "schema/invalid",
			     "cannot read the schema: %s", strerror(errno));
	else
		rc = cf_schema_parse(&entry->schema, name, cf_buf_cstr(&data), data.len, diags);
	cf_buf_free(&data);
	cf_buf_free(&display);
	if (rc == 0 &&
	    (!(entry->deadlines = cf_arena_alloc(entry->schema->arena, sizeof(cf_deadlines))) ||
	     cf_deadlines_parse(entry->deadlines, entry->schema, diags) < 0)) {
		cf_schema_free(entry->schema);
		entry->schema = NULL;
		rc = -1;
	}
	if (rc < 0) {
		entry->broken = 1;
		return -2;
	}
	*out = entry->schema;
	return 0;
}

const cf_deadlines *cf_repo_deadlines(const cf_repo *r, const cf_schema *s)
{
	/* Another worker may be growing the array: read it under the lock. */
	pthread_mutex_t *lock = (pthread_mutex_t *)&r->lock;
	const cf_deadlines *d = NULL;
	pthread_mutex_lock(lock);
	for (size_t i = 0; i < r->n_schemas && !d; i++)
		if (r->schemas[i].schema == s)
			d = r->schemas[i].deadlines;
	pthread_mutex_unlock(lock);
	return d;
}

void cf_repo_free(cf_repo *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_schemas; i++) {
		free(r->schemas[i].type);
		cf_schema_free(r->schemas[i].schema);
	}
	free(r->schemas);
	cf_calendar_free(r->calendar);
	cf_arena_free(r->arena);
	pthread_mutex_destroy(&r->lock);
	free(r->root);
	free(r);
}

const cf_rule_info cf_config_rules[] = {
    {"config/invalid", "the repository's configuration is wrong (configuration error)",
     ".casefile/config.yaml names the partnership, a calendar that is installed, valid "
     "closure days and status settings.",
     "Every deadline depends on the calendar and every report is headed with the "
     "partnership; casefile stops (exit 2) rather than compute them wrongly.",
     "Correct the setting at the line named.", "DESIGN.md §3"},
    {"config/unknown-key", "a setting casefile does not know (warning)",
     "Every key of .casefile/config.yaml is a known setting.",
     "A misspelt setting (`closure:` for `closures:`) is silently ignored: the office's "
     "closure days would count as working days.",
     "Rename it as the hint suggests.", "DESIGN.md §3"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
