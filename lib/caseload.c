#include "caseload.h"

#include <stdlib.h>
#include <string.h>

#include "strlist.h"
#include "suggest.h"

int cf_case_ids(cf_strlist *out, cf_source *src, cf_diags *diags)
{
	return cf_source_list_dirs(src, CF_CASES_DIR, out, diags);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A file of the case is encrypted with a key the clone does not hold.  For case.yaml the
 * whole case is locked (a note: the clone was not given its key); any other file is an error,
 * since one case's files share one key and case.yaml was readable. */
static void report_locked(cf_case *c, const char *path, const char *blob, size_t len,
			  cf_diags *diags)
{
	unsigned char id[CF_KEYID_BYTES];
	char hex[CF_KEYID_HEX_BYTES] = "?";
	if (cf_crypt_blob_keyid(id, blob, len) == 0)
		cf_keyid_hex(hex, id);
	if (c->locked) {
		memcpy(c->locked_key, hex, sizeof(hex));
		cf_diag *d = cf_diags_add(
		    diags, CF_SEV_NOTE, c->dir, 0, 0, "crypt/locked",
		    "encrypted with key %s, which this clone does not hold: not checked", hex);
		cf_diag_hint(diags, d,
			     "a member who holds the key can add you (`casefile member add`); "
			     "then run `casefile unlock`");
		return;
	}
	cf_diag *d =
	    cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
			 "the file is encrypted with key %s, which this clone does not hold, "
			 "although the case's case.yaml is readable",
			 hex);
	cf_diag_hint(diags, d,
		     "every file of a case is encrypted with the case's key; re-encrypt it "
		     "(`git add` it again with the right key installed)");
}

static const cf_doc *parse_file(cf_case *c, cf_source *src, const char *path,
				const cf_docspec *spec, int is_case_yaml, cf_diags *diags)
{
	char *data;
	size_t len;
	int rc = cf_source_read(src, path, CF_DOC_MAX_BYTES_DEFAULT, c->arena, &data, &len, diags);
	if (rc == CF_SOURCE_LOCKED) {
		if (is_case_yaml)
			c->locked = 1;
		report_locked(c, path, data, len, diags);
	}
	if (rc < 0)
		return NULL;
	cf_doc *doc = NULL;
	int markdown = spec ? spec->markdown : ends_with(path, ".md");
	if (markdown)
		cf_doc_parse_markdown(&doc, c->arena, path, data, len, NULL, diags);
	else
		cf_doc_parse_yaml(&doc, c->arena, path, data, len, NULL, diags);
	return doc;
}

static void report_unknown_type(cf_repo *repo, const cf_node *type_node, const char *path,
				cf_diags *diags)
{
	cf_diag *d =
	    cf_diags_add(diags, CF_SEV_ERROR, path, type_node->line, type_node->col,
			 "schema/unknown-type", "no schema for case type '%s'", type_node->str);
	const cf_node *types = cf_node_get(repo->config, "case_types");
	if (types && types->kind == CF_NODE_SEQ && types->n > 0) {
		const char *names[16];
		size_t n = 0;
		for (size_t i = 0; i < types->n && n < 16; i++)
			if (cf_node_str(types->items[i]))
				names[n++] = cf_node_str(types->items[i]);
		const char *sug = cf_suggest(type_node->str, names, n);
		if (sug)
			cf_diag_hint(diags, d, "did you mean '%s'?", sug);
		else if (n)
			cf_diag_hint(diags, d, "this repository uses: %s%s", names[0],
				     n > 1 ? " (and others in .casefile/config.yaml)" : "");
	}
}

/* Reads case.yaml first: its type names the schema that says how to read the rest. */
static void load_case_yaml(cf_case *c, cf_repo *repo, cf_source *src, cf_case_file *file,
			   cf_diags *diags)
{
	const char *path = file->path;
	const cf_doc *doc = parse_file(c, src, path, NULL, 1, diags);
	file->doc = doc;
	if (!doc || !doc->root)
		return;
	if (doc->root->kind != CF_NODE_MAP) {
		/* Without a mapping there is no type, so no schema to say so: say it here, as
		 * the schema does of every other document (cf_schema_check_doc). */
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, doc->root->line,
					  doc->root->col, "schema/type",
					  "the file must hold a mapping of fields (key: value)");
		cf_diag_hint(diags, d,
			     "case.yaml starts with lines such as 'id: 2026-001' and 'type: cspr'");
		return;
	}
	c->root = doc->root;
	const cf_node *type = cf_node_get(c->root, "type");
	if (cf_node_is_empty(type) || type->kind != CF_NODE_SCALAR) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, c->root->line, c->root->col,
					  "schema/required", "'type' is required");
		cf_diag_hint(diags, d, "add 'type: cspr' (the case type names its schema)");
		return;
	}
	int rc = cf_repo_schema_get(&c->schema, repo, type->str, diags);
	if (rc < 0) {
		if (rc == -1)
			report_unknown_type(repo, type, path, diags);
		c->schema = NULL;
		return;
	}
	c->deadlines = cf_repo_deadlines(repo, c->schema);
	const char *stage = cf_node_str(cf_node_get(c->root, "stage"));
	c->stage = stage ? cf_schema_stage_index(c->schema, stage) : -1;
}

int cf_case_load(cf_case **out, cf_repo *repo, cf_source *src, const char *id, cf_diags *diags)
{
	return cf_case_load_in(out, repo, src, id, NULL, diags);
}

int cf_case_load_in(cf_case **out, cf_repo *repo, cf_source *src, const char *id, cf_arena *arena,
		    cf_diags *diags)
{
	*out = NULL;
	cf_case *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->arena = arena;
	if (!arena) {
		if (cf_arena_new(&c->arena, 1) < 0) {
			free(c);
			return -1;
		}
		c->own_arena = 1;
	}
	c->stage = -1;
	cf_buf dir = CF_BUF_INIT;
	cf_buf_printf(&dir, "%s/%s", CF_CASES_DIR, id);
	c->id = cf_arena_strdup(c->arena, id);
	c->dir = cf_arena_strdup(c->arena, cf_buf_cstr(&dir));
	cf_buf_free(&dir);
	cf_strlist names = CF_STRLIST_INIT;
	if (!c->id || !c->dir)
		goto fail;
	/* A directory that cannot be listed is reported by the source; the case then has
	 * no files, which the checks report in turn. */
	cf_source_list_files(src, c->dir, &names, diags);
	if (diags->oom)
		goto fail;

	c->files = cf_arena_alloc(c->arena, (names.n ? names.n : 1) * sizeof(*c->files));
	if (!c->files)
		goto fail;
	cf_buf path = CF_BUF_INIT;
	for (size_t i = 0; i < names.n; i++) {
		cf_buf_clear(&path);
		cf_buf_printf(&path, "%s/%s", c->dir, names.items[i]);
		cf_case_file *f = &c->files[c->n_files++];
		f->name = cf_arena_strdup(c->arena, names.items[i]);
		f->path = cf_arena_strdup(c->arena, cf_buf_cstr(&path));
		if (!f->name || !f->path) {
			cf_buf_free(&path);
			goto fail;
		}
	}
	cf_buf_free(&path);
	cf_strlist_free(&names);

	cf_case_file *case_file = (cf_case_file *)cf_case_file_get(c, "case.yaml");
	if (!case_file && cf_diags_has_file_rule(diags, c->dir, "source/")) {
		*out = c; /* the source said why the directory was not read */
		return 0;
	}
	if (!case_file) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, c->dir, 0, 0, "schema/missing-file",
					  "the case has no case.yaml");
		cf_diag_hint(diags, d,
			     "every case directory holds a case.yaml; `casefile new` "
			     "makes one");
		*out = c;
		return 0;
	}
	load_case_yaml(c, repo, src, case_file, diags);
	for (size_t i = 0; !c->locked && i < c->n_files; i++) {
		cf_case_file *f = &c->files[i];
		if (c->schema)
			f->spec = cf_schema_docspec(c->schema, f->name);
		if (f == case_file)
			continue; /* parsed first, above */
		if (c->schema && !f->spec) {
			cf_diag *d = cf_diags_add(
			    diags, CF_SEV_WARNING, f->path, 0, 0, "schema/unknown-file",
			    "the %s schema knows no file '%s'", c->schema->name, f->name);
			cf_diag_hint(diags, d, "free notes belong in notes/*.md");
			continue;
		}
		if (f->spec && f->spec->free_form && !f->spec->markdown)
			continue;
		f->doc = parse_file(c, src, f->path, f->spec, 0, diags);
	}
	*out = c;
	return 0;
fail:
	cf_strlist_free(&names);
	cf_case_free(c);
	return -1;
}

const cf_case_file *cf_case_file_get(const cf_case *c, const char *name)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (strcmp(c->files[i].name, name) == 0)
			return &c->files[i];
	return NULL;
}

cf_check_ctx cf_case_ctx(const cf_case *c)
{
	cf_check_ctx ctx = {c->schema, c->root, c->stage};
	return ctx;
}

void cf_case_free(cf_case *c)
{
	if (!c)
		return;
	if (c->own_arena)
		cf_arena_free(c->arena);
	free(c);
}

const cf_rule_info cf_caseload_rules[] = {
    {"crypt/locked", "a case this clone holds no key for (a note, not an error)",
     "A case whose case.yaml is encrypted with a key this clone does not hold is listed as "
     "locked: check notes it and reads none of its files, status shows it as a locked row. "
     "Neither counts it as an error or a warning.",
     "Each case can have a key of its own (.casefile/access.yaml), so that a reviewer given "
     "one case reads that case only.  Their clone still holds every case, encrypted; the "
     "ones they were not given are locked to them, which is the point, not a fault.",
     "Nothing, if you were not meant to read the case.  Otherwise ask a member who holds "
     "its key (the id in the note) to run `casefile member add` for you, then run "
     "`casefile unlock`.",
     "DESIGN.md §6"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
