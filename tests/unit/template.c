/* lib/template: templates generated from a schema, the shipped cspr one and a partnership's
 * own; the values casefile new reads from its command line; what a stage still needs. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "doc.h"
#include "schema.h"
#include "tap.h"
#include "template.h"

static cf_arena *arena;

static const char *text_of(const cf_diags *d)
{
	static cf_buf out = CF_BUF_INIT;
	cf_buf_clear(&out);
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	return cf_buf_cstr(&out);
}

static const char *template_of(cf_buf *out, const cf_schema *s, const char *file,
			       const cf_template_value *v, size_t n)
{
	cf_buf_clear(out);
	const cf_docspec *spec = cf_schema_docspec(s, file);
	if (!spec || cf_template_doc(out, s, spec, v, n, NULL, 0) < 0)
		return NULL;
	return cf_buf_cstr(out);
}

/* The layout wraps long comments onto lines of their own below the field's; this joins them
 * back, so that a field's whole comment can be read from its one line.  A continuation is
 * an indented line of one comment and nothing else (a commented-out example line holds two
 * '#', the header's lines start at column 1). */
static char *unwrap(const char *text)
{
	cf_buf out = CF_BUF_INIT;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		size_t lead = strspn(p, " ");
		const char *hash = memchr(p, '#', len);
		if (lead > 0 && hash == p + lead && !memchr(hash + 1, '#', len - lead - 1)) {
			cf_buf_put(&out, p + lead + 1, len - lead - 1);
		} else {
			if (out.len)
				cf_buf_putc(&out, '\n');
			cf_buf_put(&out, p, len);
		}
		p += len + (p[len] == '\n');
	}
	cf_buf_putc(&out, '\n');
	return cf_buf_detach(&out);
}

/* The line of a field: after the indentation, an optional "# " (an example item) and "- ",
 * its name and a colon. */
static const char *line_of(const char *text, const char *name, cf_buf *line)
{
	size_t n = strlen(name);
	cf_buf_clear(line);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		const char *q = p + strspn(p, " ");
		if (strncmp(q, "# ", 2) == 0)
			q += 2;
		q += strspn(q, " ");
		if (strncmp(q, "- ", 2) == 0)
			q += 2;
		if (q + n < p + len && strncmp(q, name, n) == 0 && q[n] == ':') {
			cf_buf_put(line, p, len);
			return cf_buf_cstr(line);
		}
		p += len + (p[len] == '\n');
	}
	return NULL;
}

static void collect_missing(cf_buf *out, const char *text, const cf_field *map, int sources)
{
	cf_buf line = CF_BUF_INIT;
	for (size_t i = 0; i < map->n_fields; i++) {
		const cf_field *f = &map->fields[i];
		const char *l = line_of(text, f->name, &line);
		if (!l) {
			cf_buf_printf(out, "%s%s", out->len ? ", " : "", f->path);
		} else if (sources && f->source) {
			cf_buf want = CF_BUF_INIT;
			cf_buf_printf(&want, "(%s)", f->source);
			if (!strstr(l, cf_buf_cstr(&want)))
				cf_buf_printf(out, "%s%s (no source)", out->len ? ", " : "",
					      f->path);
			cf_buf_free(&want);
		}
		const cf_field *sub = f->type == CF_TYPE_MAP ? f : NULL;
		if (f->type == CF_TYPE_LIST && f->items && f->items->type == CF_TYPE_MAP)
			sub = f->items;
		if (sub)
			collect_missing(out, text, sub, sources);
	}
	cf_buf_free(&line);
}

static size_t widest_line(const char *text)
{
	size_t widest = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n"), w = 0;
		for (size_t i = 0; i < len; i++)
			w += ((unsigned char)p[i] & 0xc0) != 0x80;
		widest = w > widest ? w : widest;
		p += len + (p[len] == '\n');
	}
	return widest;
}

static void test_cspr(const cf_schema *s)
{
	cf_buf out = CF_BUF_INIT, missing = CF_BUF_INIT, line = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	const char *t = template_of(&out, s, "case.yaml", NULL, 0);
	ok(t != NULL, "case.yaml: a template");
	char *flat = unwrap(t ? t : "");
	collect_missing(&missing, flat, &cf_schema_docspec(s, "case.yaml")->root, 1);
	is_str(cf_buf_cstr(&missing), "", "case.yaml: every field of the schema, with its source");
	is_str(line_of(flat, "tor_agreed", &line),
	       "  tor_agreed:                  # required from stage review — the date the "
	       "Case Review Group agreed the Terms of Reference (001 §5.1.3); a date written "
	       "YYYY-MM-DD",
	       "a field's comment: when it is required, what it holds, its source, what it takes");
	is_str(line_of(flat, "harm", &line),
	       "  harm:                        # required — what happened to the child (001 "
	       "§1.3, §1.4.4); one of: death, serious-harm, near-miss, good-practice",
	       "an enum lists its values");
	is_str(line_of(flat, "la_aware", &line),
	       "  la_aware:                    # required when route is notification — the "
	       "date the local authority became aware of the incident (Working Together 2018); a "
	       "date written YYYY-MM-DD",
	       "a condition is spelled out");
	is_str(line_of(flat, "publish", &line),
	       "publish:                       # required from stage publication (empty means "
	       "true) — whether the partners publish the report; if not, they publish the "
	       "improvements (001 §10.1.1 and its note 12); true or false",
	       "a default is said");
	ok(strstr(t ? t : "", "\nparallel_investigations:") != NULL,
	   "a list is an empty field of its own ...");
	is_str(line_of(flat, "kind", &line),
	       "  # - kind:                    # required — the kind of investigation (001 "
	       "§5.6.1); one of: criminal, coroner, disciplinary, dhr, sar, other",
	       "... with one example item, commented out at its dash");
	is_str(line_of(flat, "status", &line),
	       "  #   status:                  # required — whether the investigation is "
	       "ongoing or concluded; one of: ongoing, concluded",
	       "the item's other fields under its first");
	ok(widest_line(t ? t : "") <= 100, "no line is wider than 100 columns");
	free(flat);

	/* Every document of the type, as YAML or as front matter. */
	for (size_t i = 0; i < s->n_docs; i++) {
		const cf_docspec *spec = &s->docs[i];
		cf_buf name = CF_BUF_INIT;
		cf_buf_printf(&name, "%s: the template parses, with no diagnostics", spec->pattern);
		cf_buf_clear(&out);
		cf_diags_clear(&d);
		cf_doc *doc = NULL;
		int rc = cf_template_doc(&out, s, spec, NULL, 0, NULL, 0);
		if (rc == 0 && spec->markdown)
			rc = cf_doc_parse_markdown(&doc, arena, spec->pattern,
						   out.ptr ? out.ptr : "", out.len, NULL, &d);
		else if (rc == 0)
			rc = cf_doc_parse_yaml(&doc, arena, spec->pattern, out.ptr, out.len, NULL,
					       &d);
		if (!ok(rc == 0 && d.len == 0 && (spec->free_form || (doc && doc->root)),
			cf_buf_cstr(&name)))
			printf("# %s", text_of(&d));
		cf_buf_clear(&missing);
		if (!spec->free_form) {
			char *f = unwrap(cf_buf_cstr(&out));
			collect_missing(&missing, f, &spec->root, 1);
			free(f);
		}
		cf_buf_clear(&name);
		cf_buf_printf(&name, "%s: every field, with its source", spec->pattern);
		is_str(cf_buf_cstr(&missing), "", cf_buf_cstr(&name));
		cf_buf_free(&name);
	}
	cf_buf_free(&out);
	cf_buf_free(&missing);
	cf_buf_free(&line);
	cf_diags_free(&d);
}

/* A case.yaml filled the way casefile new fills it passes the check of the first stage. */
static void test_filled(const cf_schema *s)
{
	cf_template_value v[] = {
	    {"id", "2026-015"},
	    {"type", "cspr"},
	    {"title", "Child \"P\": #1"},
	    {"stage", "notification"},
	    {"route", "notification"},
	    {"child.pseudonym", "no"},
	    {"child.died", "false"},
	    {"child.looked_after", "true"},
	    {"incident.date", "2026-11-19"},
	    {"incident.harm", "serious-harm"},
	    {"incident.abuse_or_neglect", "suspected"},
	    {"dates.la_aware", "2026-11-20"},
	    {"dates.notified_national_panel", "2026-11-23"},
	    {"dates.referral_received", "2026-11-23"},
	};
	size_t n = sizeof(v) / sizeof(*v);
	cf_buf out = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	const char *t = template_of(&out, s, "case.yaml", v, n);
	int rc = t ? cf_doc_parse_yaml(&doc, arena, "case.yaml", t, strlen(t), NULL, &d) : -1;
	ok(rc == 0 && doc && doc->root, "a filled case.yaml parses");
	if (!doc || !doc->root)
		return;
	cf_check_ctx ctx = {s, doc->root, 0};
	cf_schema_check_doc(&ctx, cf_schema_docspec(s, "case.yaml"), doc, &d);
	is_str(text_of(&d), "", "and passes the check of stage notification");
	is_str(cf_node_str(cf_node_get(doc->root, "title")), "Child \"P\": #1",
	       "a string YAML would misread is quoted, and reads back the same");
	is_str(cf_node_str(cf_node_path(doc->root, "child.pseudonym")), "no",
	       "so is a word YAML 1.1 reads as a bool");
	ok(strstr(t, "\nid: 2026-015 ") && strstr(t, "\n  died: false ") &&
	       strstr(t, "\n  date: 2026-11-19 "),
	   "ids, bools and dates are written plain");
	cf_strlist missing = CF_STRLIST_INIT;
	is_int(cf_template_missing(&missing, &ctx, cf_schema_docspec(s, "case.yaml"), doc->root), 0,
	       "cf_template_missing runs");
	is_int(missing.n, 0, "and nothing is missing");
	cf_strlist_free(&missing);

	ctx.stage = cf_schema_stage_index(s, "rapid-review");
	cf_template_missing(&missing, &ctx, cf_schema_docspec(s, "case.yaml"), doc->root);
	cf_buf list = CF_BUF_INIT;
	for (size_t i = 0; i < missing.n; i++)
		cf_buf_printf(&list, "%s%s", i ? " " : "", missing.items[i]);
	is_str(cf_buf_cstr(&list), "child.age_band dates.info_requests_sent",
	       "at rapid-review, what that stage adds");
	cf_strlist_free(&missing);
	cf_buf_free(&list);
	cf_buf_free(&out);
	cf_diags_free(&d);
}

static void test_missing(const cf_schema *s)
{
	const char *const texts[] = {
	    "id: 2026-001\ntype: cspr\ntitle: Child P\nstage: notification\nroute: notification\n",
	    "id: 2026-001\ntype: cspr\ntitle: Child P\nstage: notification\nroute: referral\n"
	    "child: {pseudonym: Child P, died: false, looked_after: false}\n",
	};
	const char *const want[] = {
	    "child.pseudonym child.died child.looked_after incident.date incident.harm "
	    "incident.abuse_or_neglect dates.la_aware dates.notified_national_panel "
	    "dates.referral_received",
	    "incident.date incident.harm incident.abuse_or_neglect dates.referral_received",
	};
	const char *const names[] = {
	    "route notification: the notification dates are required at stage notification",
	    "route referral: they are not",
	};
	for (size_t k = 0; k < 2; k++) {
		cf_diags d = CF_DIAGS_INIT;
		cf_doc *doc = NULL;
		cf_doc_parse_yaml(&doc, arena, "case.yaml", texts[k], strlen(texts[k]), NULL, &d);
		cf_check_ctx ctx = {s, doc ? doc->root : NULL, 0};
		cf_strlist missing = CF_STRLIST_INIT;
		cf_template_missing(&missing, &ctx, cf_schema_docspec(s, "case.yaml"),
				    ctx.case_root);
		cf_buf list = CF_BUF_INIT;
		for (size_t i = 0; i < missing.n; i++)
			cf_buf_printf(&list, "%s%s", i ? " " : "", missing.items[i]);
		is_str(cf_buf_cstr(&list), want[k], names[k]);
		cf_buf_free(&list);
		cf_strlist_free(&missing);
		cf_diags_free(&d);
	}
}

static void test_values(const cf_schema *s)
{
	const cf_field *root = &cf_schema_docspec(s, "case.yaml")->root;
	const char *v = NULL;
	cf_buf why = CF_BUF_INIT;
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "child.died"), "yes", &why), 0,
	       "a bool: yes ...");
	is_str(v, "true", "... is written true");
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "child.died"), "No", &why), 0,
	       "No ...");
	is_str(v, "false", "... is written false");
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "child.died"), "maybe", &why), -1,
	       "maybe is not a bool");
	is_str(cf_buf_cstr(&why), "yes or no", "and says what is");
	cf_buf_clear(&why);
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "incident.harm"), "dead", &why),
	       -1, "an enum takes only its values");
	is_str(cf_buf_cstr(&why), "one of: death, serious-harm, near-miss, good-practice",
	       "and lists them");
	cf_buf_clear(&why);
	is_int(
	    cf_template_value_read(&v, s, cf_field_find(root, "incident.date"), "2026-02-30", &why),
	    -1, "a date must be a real one");
	is_int(
	    cf_template_value_read(&v, s, cf_field_find(root, "incident.date"), "2026-02-28", &why),
	    0, "2026-02-28 is");
	cf_buf_clear(&why);
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "id"), "26-1", &why), -1,
	       "a string must match its pattern");
	is_str(cf_buf_cstr(&why), "one line of text matching ^[0-9]{4}-[0-9]{3}$",
	       "which is named");
	cf_buf_clear(&why);
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "title"), "", &why), -1,
	       "empty is not a value: it would count as missing");
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "stage"), "review", &why), 0,
	       "a stage is one of the schema's");
	is_int(cf_template_value_read(&v, s, cf_field_find(root, "themes"), "x", &why), -1,
	       "a list is not given as one value");
	cf_buf_clear(&why);
	cf_template_value_hint(&why, s, cf_field_find(root, "route"));
	cf_buf_putc(&why, ' ');
	cf_template_value_hint(&why, s, cf_field_find(root, "child.died"));
	cf_buf_putc(&why, ' ');
	cf_template_value_hint(&why, s, cf_field_find(root, "dates.la_aware"));
	cf_buf_putc(&why, ' ');
	cf_template_value_hint(&why, s, cf_field_find(root, "title"));
	is_str(cf_buf_cstr(&why), "notification|referral yes|no DATE TEXT",
	       "what an option takes, for usage text");
	cf_buf_free(&why);
}

/* A partnership's own schema gets its own template: nothing of cspr is kept in C. */
static void test_own_schema(void)
{
	static const char schema[] =
	    "schema: demo\n"
	    "title: A demo case type\n"
	    "stages: [open, closed]\n"
	    "documents:\n"
	    "  case.yaml:\n"
	    "    required: true\n"
	    "    description: the case\n"
	    "    fields:\n"
	    "      id: {type: string, required: true}\n"
	    "      stage: {type: stage, required: true}\n"
	    "      count: {type: int, min: 1, max: 5, description: how many}\n"
	    "      referrer:\n"
	    "        type: map\n"
	    "        fields:\n"
	    "          agency: {type: string, required_from: closed, source: 'local §2'}\n"
	    "      people:\n"
	    "        type: list\n"
	    "        items:\n"
	    "          fields:\n"
	    "            ref: {type: string, required: true}\n"
	    "            tags: {type: list, items: {type: enum, values: [a, b]}}\n"
	    "  notes/*.md:\n"
	    "    format: markdown\n"
	    "    free: true\n";
	cf_schema *s = NULL;
	cf_diags d = CF_DIAGS_INIT;
	ok(cf_schema_parse(&s, "demo.yaml", schema, strlen(schema), &d) == 0,
	   "a schema of its own");
	cf_buf out = CF_BUF_INIT;
	cf_template_value v[] = {{"id", "D-1"}, {"stage", "open"}, {"people", "ignored"}};
	is_str(template_of(&out, s, "case.yaml", v, 3),
	       "# case.yaml — the case. A template of the demo schema (A demo case type): each "
	       "comment says when the\n"
	       "# field is required, what it holds, its source and what it takes. A field left "
	       "empty counts as\n"
	       "# missing.\n"
	       "id: D-1      # required\n"
	       "stage: open  # required; one of the stages: open, closed\n"
	       "count:       # optional — how many; a whole number from 1 to 5\n"
	       "referrer:\n"
	       "  agency:    # required from stage closed (local §2)\n"
	       "people:      # optional; a list, for example:\n"
	       "  # - ref:   # required\n"
	       "  #   tags:  # optional; a list, for example:\n"
	       "  #     -    # one of: a, b\n",
	       "its fields, as it nests them; a value for a list is never written");
	cf_buf_clear(&out);
	const char *const headings[] = {"Overview", "Learning"};
	const cf_docspec *notes = cf_schema_docspec(s, "notes/a.md");
	ok(notes && cf_template_doc(&out, s, notes, NULL, 0, headings, 2) == 0,
	   "a free Markdown document");
	is_str(cf_buf_cstr(&out), "## Overview\n\n## Learning\n",
	       "has its headings and no front matter");
	cf_buf_free(&out);
	cf_schema_free(s);
	cf_diags_free(&d);
}

int main(void)
{
	cf_buf path = CF_BUF_INIT;
	cf_buf_printf(&path, "%s/schemas/cspr.yaml", tap_srcdir());
	cf_schema *s = NULL;
	cf_diags d = CF_DIAGS_INIT;
	if (cf_arena_new(&arena, 0) < 0)
		return 1;
	int loaded = cf_schema_load(&s, cf_buf_cstr(&path), "cspr.yaml", &d) == 0;
	if (!ok(loaded, "schemas/cspr.yaml loads"))
		printf("# %s", text_of(&d));
	if (loaded) {
		test_cspr(s);
		test_filled(s);
		test_missing(s);
		test_values(s);
	}
	test_own_schema();
	cf_schema_free(s);
	cf_diags_free(&d);
	cf_buf_free(&path);
	cf_arena_free(arena);
	return tap_done();
}
