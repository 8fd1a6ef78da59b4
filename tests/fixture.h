/* The fixture the rule tests share: a copy of an example case on disk, edited one field at a
 * time, with the schema pinned, loaded the way `casefile check` loads it. */
#ifndef CF_TEST_FIXTURE_H
#define CF_TEST_FIXTURE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "schema.h"
#include "source.h"
#include "tap.h"

#include "fsutil.h"

#ifndef CF_SRCDIR
#define CF_SRCDIR "."
#endif

/* ---- a copy of an example case, edited ----------------------------------------------------- */

static char srcdir[PATH_MAX];
static char schema_dir[PATH_MAX + 16];
static const char *schema_dirs[1] = {schema_dir};

typedef struct edit {
	const char *file; /* in the case directory; "cspr.yaml" for the pinned schema */
	const char *old;  /* replaced, once; it must be there */
	const char *with;
} edit;

#define SCHEMA "cspr.yaml"

/* The requirements of schemas/cspr.yaml that the consent, quorum and waiver rules take over:
 * each `old` (a field with its `required`/`when` lines) becomes `with` (the field without
 * them) in the schema the lead is asked to ship.  Each old starts with its with, so that both
 * schemas can be made from either. */
static const edit single[] = {
    {SCHEMA, "            rule:\n              type: string\n              required: true\n",
     "            rule:\n              type: string\n"},
    {SCHEMA, "            reason:\n              type: text\n              required: true\n",
     "            reason:\n              type: text\n"},
    {SCHEMA, "            agreed:\n              type: string\n              required: true\n",
     "            agreed:\n              type: string\n"},
    {SCHEMA,
     "            informed_of_review:\n              type: date\n"
     "              required_from: scoping\n"
     "              when: {field: not_informed_reason, present: false}\n",
     "            informed_of_review:\n              type: date\n"},
    {SCHEMA,
     "            consent_to_participate:\n              type: date\n"
     "              required: true\n              when: {field: involvement, is: participating}\n",
     "            consent_to_participate:\n              type: date\n"},
    {SCHEMA,
     "            non_involvement_reason:\n              type: text\n"
     "              required: true\n"
     "              when: {field: involvement, in: [declined, not-approached, deferred]}\n",
     "            non_involvement_reason:\n              type: text\n"},
    {SCHEMA,
     "            revisit_by:\n              type: date\n"
     "              required: true\n              when: {field: involvement, is: deferred}\n",
     "            revisit_by:\n              type: date\n"},
    {SCHEMA, "      conflicts_declared:\n        type: bool\n        required: true\n",
     "      conflicts_declared:\n        type: bool\n"},
};
#define N_SINGLE (sizeof(single) / sizeof(*single))

/* The schema a fixture is read with, pinned in its .casefile/schemas/ whatever state the
 * installed one is in: SINGLE, the one the lead is asked to ship (each problem reported once,
 * by the rule); OLD, the one before it, whose schema/required still reports the fields (the
 * rules must then stay silent). */
enum { OLD, SINGLE };

static inline void bail(const char *what, const char *detail)
{
	printf("Bail out! %s: %s\n", what, detail);
	exit(2);
}

/* Returns how many edits it made. */
static inline size_t apply_edits(cf_buf *text, const char *file, const edit *e, size_t n)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].file, file) != 0)
			continue;
		const char *at = strstr(cf_buf_cstr(text), e[i].old);
		if (!at)
			bail("an edit does not apply", e[i].old);
		cf_buf out = CF_BUF_INIT;
		cf_buf_put(&out, text->ptr, (size_t)(at - text->ptr));
		cf_buf_puts(&out, e[i].with);
		cf_buf_puts(&out, at + strlen(e[i].old));
		cf_buf_free(text);
		*text = out;
		done++;
	}
	return done;
}

/* Writes text to path (0600, its directories made), or bails out. */
static inline void write_buf(const char *path, const cf_buf *text)
{
	if (write_file(path, text->ptr, text->len, 0600) < 0)
		bail("cannot write", path);
}

static size_t applied; /* edits made since world_open began */

static inline void copy_edited(const char *from, const char *to, const char *rel, const edit *e,
			       size_t n)
{
	cf_buf text = CF_BUF_INIT;
	if (cf_read_file_buf(&text, from, 1 << 20) < 0)
		bail("cannot read", from);
	applied += apply_edits(&text, rel, e, n);
	write_buf(to, &text);
	cf_buf_free(&text);
}

/* The edits copy_tree_with makes on the way, for copy_edited_fn. */
typedef struct edit_list {
	const edit *e;
	size_t n;
} edit_list;

/* The copy_fn of world_open: copy_edited with the edits of ctx (an edit_list); it bails out
 * rather than fail. */
static inline int copy_edited_fn(const char *from, const char *to, const char *rel, void *ctx)
{
	const edit_list *ed = ctx;
	copy_edited(from, to, rel, ed->e, ed->n);
	return 0;
}

typedef struct world {
	char root[PATH_MAX];
	cf_repo *repo;
	cf_source *src;
	cf_case *c;
	cf_diags load; /* what loading said */
} world;

static inline void world_close(world *W)
{
	cf_case_free(W->c);
	cf_source_free(W->src);
	cf_repo_free(W->repo);
	cf_diags_free(&W->load);
	if (W->root[0])
		remove_tree(W->root);
	memset(W, 0, sizeof(*W));
}

/* The example case id, copied with the edits, with the schema SINGLE or OLD (and the edits of
 * cspr.yaml) pinned. */
static inline void world_open(world *W, const char *id, const edit *e, size_t n, int schema)
{
	memset(W, 0, sizeof(*W));
	applied = 0;
	if (make_temp_dir_resolved(W->root, "rules") < 0)
		bail("mkdtemp", strerror(errno));
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	snprintf(from, sizeof(from), "%s/example-repo/.casefile/config.yaml", srcdir);
	snprintf(to, sizeof(to), "%s/.casefile/config.yaml", W->root);
	copy_edited(from, to, "config.yaml", NULL, 0);
	snprintf(from, sizeof(from), "%s/example-repo/cases/%s", srcdir, id);
	snprintf(to, sizeof(to), "%s/cases/%s", W->root, id);
	edit_list ed = {e, n};
	if (copy_tree_with(from, to, "", copy_edited_fn, &ed) < 0)
		bail("cannot list", from);
	cf_buf text = CF_BUF_INIT;
	snprintf(from, sizeof(from), "%s/cspr.yaml", schema_dir);
	if (cf_read_file_buf(&text, from, 1 << 20) < 0)
		bail("cannot read", from);
	for (size_t i = 0; i < N_SINGLE; i++) {
		const edit *s = &single[i];
		int is_old = strstr(cf_buf_cstr(&text), s->old) != NULL;
		if (!is_old && !strstr(cf_buf_cstr(&text), s->with))
			bail("schemas/cspr.yaml has changed; update SINGLE", s->with);
		edit flip = {SCHEMA, s->with, s->old};
		if (schema == SINGLE && is_old)
			apply_edits(&text, SCHEMA, s, 1);
		else if (schema == OLD && !is_old)
			apply_edits(&text, SCHEMA, &flip, 1);
	}
	applied += apply_edits(&text, SCHEMA, e, n);
	snprintf(to, sizeof(to), "%s/.casefile/schemas/cspr.yaml", W->root);
	write_buf(to, &text);
	cf_buf_free(&text);
	size_t wanted = 0;
	for (size_t i = 0; i < n; i++)
		wanted += strcmp(e[i].file, "-") != 0;
	if (applied != wanted)
		bail("an edit names a file the case does not have", id);
	if (cf_repo_open(&W->repo, W->root, schema_dirs, 1, &W->load) < 0 ||
	    cf_source_open_workdir(&W->src, W->root) < 0 ||
	    cf_case_load(&W->c, W->repo, W->src, id, &W->load) < 0 || !W->c->schema)
		bail("cannot load the case", id);
}

/* The start of a fixture test's main(): the library set up, and srcdir and schema_dir found
 * (tap_srcdir); a library that cannot be set up bails out (exit 1). */
static inline void fixture_init(void)
{
	if (cf_init() < 0) {
		printf("Bail out! cf_init failed\n");
		exit(1);
	}
	snprintf(srcdir, sizeof(srcdir), "%s", tap_srcdir());
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", srcdir);
}

static inline cf_date D(const char *s)
{
	cf_date d;
	if (cf_date_parse(&d, s) < 0)
		bail("bad date in the test", s);
	return d;
}

/* Every diagnostic, as check prints it. */
static inline char *text_of(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	char *s = cf_buf_detach(&out);
	return s ? s : cf_strdup("");
}

#endif
