#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"

/* Lines are wrapped at this column, and comments start at one column for the whole document
 * (as far as COMMENT_COL_MAX), so a template reads as a table in any editor. */
#define WIDTH 100
#define COMMENT_COL_MAX 40

/* The lines of a document before they are laid out: what the line holds, and its comment
 * ("" for none).  Columns are only known once every line is. */
typedef struct gen {
	const cf_schema *s;
	const cf_template_value *values;
	size_t n_values;
	cf_strlist content;
	cf_strlist comment;
	int oom;
} gen;

/* Columns on a terminal: a UTF-8 character ("§", "—") is one, whatever its bytes. */
static size_t width_n(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static size_t width(const char *s)
{
	return width_n(s, strlen(s));
}

/* ---- what a field takes, in words ------------------------------------------------------- */

static void put_values(cf_buf *out, const char *const *values, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		cf_buf_printf(out, "%s%s", i ? sep : "", values[i]);
}

/* "a whole number from 1 to 5" and the like; unit names what is counted ("" for a value). */
static void put_range(cf_buf *out, const cf_field *f, const char *unit)
{
	const char *sp = *unit ? " " : "";
	if (f->has_min && f->has_max)
		cf_buf_printf(out, " from %lld to %lld%s%s", f->min, f->max, sp, unit);
	else if (f->has_min)
		cf_buf_printf(out, " of at least %lld%s%s", f->min, sp, unit);
	else if (f->has_max)
		cf_buf_printf(out, " of at most %lld%s%s", f->max, sp, unit);
}

static void put_takes(cf_buf *out, const cf_schema *s, const cf_field *f)
{
	switch (f->type) {
	case CF_TYPE_DATE:
		cf_buf_puts(out, "a date written YYYY-MM-DD");
		break;
	case CF_TYPE_BOOL:
		cf_buf_puts(out, "true or false");
		break;
	case CF_TYPE_INT:
		cf_buf_puts(out, "a whole number");
		put_range(out, f, "");
		break;
	case CF_TYPE_ENUM:
		cf_buf_puts(out, "one of: ");
		put_values(out, f->values, f->n_values, ", ");
		break;
	case CF_TYPE_STAGE:
		cf_buf_puts(out, "one of the stages: ");
		put_values(out, s->stages, s->n_stages, ", ");
		break;
	case CF_TYPE_STRING:
		cf_buf_puts(out, "one line of text");
		put_range(out, f, "characters");
		if (f->pattern)
			cf_buf_printf(out, " matching %s", f->pattern);
		break;
	case CF_TYPE_TEXT:
		cf_buf_puts(out, "text");
		put_range(out, f, "characters");
		if (f->pattern)
			cf_buf_printf(out, " matching %s", f->pattern);
		break;
	case CF_TYPE_LIST:
		cf_buf_puts(out, "a list");
		put_range(out, f, f->has_min && f->min == 1 && !f->has_max ? "item" : "items");
		break;
	case CF_TYPE_MAP:
		cf_buf_puts(out, f->open ? "a mapping of any keys" : "a mapping");
		break;
	}
}

/* The comment of a field: when it is required, what it holds, its source, what it takes.
 * The requirement is the schema's rule, not its value at one stage: the template serves the
 * case through every stage. */
static void describe(cf_buf *out, const cf_schema *s, const cf_field *f)
{
	size_t start = out->len;
	int item = strcmp(f->name, "[]") == 0;
	if (f->required || f->required_from >= 0) {
		cf_buf_puts(out, "required");
		if (f->required_from >= 0)
			cf_buf_printf(out, " from stage %s", s->stages[f->required_from]);
		if (f->when.n) {
			cf_buf_puts(out, " when ");
			cf_conds_describe(out, &f->when);
		}
	} else if (!item && f->type != CF_TYPE_MAP) {
		/* A map is only a heading for its fields, which say what they need. */
		cf_buf_puts(out, "optional");
	}
	if (f->default_value)
		cf_buf_printf(out, "%s(empty means %s)", out->len > start ? " " : "",
			      f->default_value);
	if (f->description)
		cf_buf_printf(out, "%s%s", out->len > start ? " — " : "", f->description);
	if (f->source)
		cf_buf_printf(out, "%s(%s)", out->len > start ? " " : "", f->source);
	/* What a map or a plain string takes goes without saying. */
	if ((f->type == CF_TYPE_MAP && !f->open) ||
	    ((f->type == CF_TYPE_STRING || f->type == CF_TYPE_TEXT) && !f->pattern && !f->has_min &&
	     !f->has_max))
		return;
	cf_buf_puts(out, out->len > start ? "; " : "");
	put_takes(out, s, f);
	if (f->type == CF_TYPE_LIST)
		cf_buf_puts(out, ", for example:");
}

/* ---- values as YAML --------------------------------------------------------------------- */

/* ASCII only: the C library's isalpha depends on the locale. */
static int is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What YAML 1.1 readers take for a number or a date rather than a string: "2026", "1.5",
 * "2026-11-23" (a case id such as 2026-015 is neither). */
static int looks_numeric(const char *v)
{
	const char *p = v + (*v == '-' || *v == '+');
	if (p[strspn(p, "0123456789._")] == '\0')
		return 1;
	int y, m, d;
	char tail;
	return sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3;
}

/* A plain scalar that every YAML reader takes as the same string: ASCII letters, digits and a
 * few marks, never a word that YAML 1.1 reads as a bool or null ("no", "on", "null"), and
 * never anything YAML gives a meaning (": ", " #", a leading "-", quotes, brackets). */
static int plain_ok(const char *v)
{
	static const char *const words[] = {"true", "false", "yes", "no",   "on",
					    "off",  "y",     "n",   "null", "~"};
	if (!is_letter(v[0]) && !is_digit(v[0]))
		return 0;
	if (looks_numeric(v))
		return 0;
	for (const char *p = v; *p; p++)
		if (!is_letter(*p) && !is_digit(*p) && !strchr(" _.,'()/@+-", *p))
			return 0;
	if (v[strlen(v) - 1] == ' ')
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcasecmp(v, words[i]) == 0)
			return 0;
	return 1;
}

/* A double-quoted scalar.  The characters YAML reads as line breaks (NEL, LS, PS) are
 * escaped too, or a title holding one would come back as two lines. */
static void put_quoted(cf_buf *out, const char *v)
{
	cf_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\') {
			cf_buf_putc(out, '\\');
			cf_buf_putc(out, (char)*p);
		} else if (*p == '\n') {
			cf_buf_puts(out, "\\n");
		} else if (*p == '\t') {
			cf_buf_puts(out, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			cf_buf_printf(out, "\\x%02x", *p);
		} else if (p[0] == 0xc2 && p[1] == 0x85) {
			cf_buf_puts(out, "\\N");
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			cf_buf_puts(out, p[2] == 0xa8 ? "\\L" : "\\P");
			p += 2;
		} else {
			cf_buf_putc(out, (char)*p);
		}
	}
	cf_buf_putc(out, '"');
}

static void put_scalar(cf_buf *out, cf_type type, const char *v)
{
	/* A bool or an int (read by cf_template_value_read) must stay plain to be one. */
	if (type == CF_TYPE_BOOL || type == CF_TYPE_INT || type == CF_TYPE_DATE || plain_ok(v))
		cf_buf_puts(out, v);
	else
		put_quoted(out, v);
}

/* ---- generating the lines --------------------------------------------------------------- */

static const char *value_of(const gen *G, const char *path)
{
	for (size_t i = 0; i < G->n_values; i++)
		if (strcmp(G->values[i].path, path) == 0)
			return G->values[i].text;
	return NULL;
}

/* Adds one line: text at column indent; with dash, "- " in the two columns before it (the
 * first field of a list item); with cc >= 0, "# " inserted at column cc, which comments the
 * line out so that deleting those two characters gives the line back. */
static void put_line(gen *G, int indent, int cc, int dash, const char *text, const cf_buf *comment)
{
	cf_buf line = CF_BUF_INIT;
	for (int i = 0; i < indent; i++)
		cf_buf_putc(&line, ' ');
	cf_buf_puts(&line, text);
	if (cf_buf_oom(&line) || cf_buf_oom(comment)) {
		G->oom = 1;
		cf_buf_free(&line);
		return;
	}
	if (dash)
		line.ptr[indent - 2] = '-';
	cf_buf done = CF_BUF_INIT;
	if (cc >= 0) {
		cf_buf_put(&done, line.ptr, (size_t)cc);
		cf_buf_puts(&done, "# ");
		cf_buf_puts(&done, line.ptr + cc);
	} else {
		cf_buf_puts(&done, line.ptr);
	}
	if (cf_buf_oom(&done) || cf_strlist_add(&G->content, cf_buf_cstr(&done)) < 0 ||
	    cf_strlist_add(&G->comment, cf_buf_cstr(comment)) < 0)
		G->oom = 1;
	cf_buf_free(&line);
	cf_buf_free(&done);
}

static void gen_fields(gen *G, const cf_field *map, int indent, int cc, int dash);

/* One example item of a list, its dash at column dash_col, commented out at cc. */
static void gen_item(gen *G, const cf_field *item, int dash_col, int cc)
{
	if (item->type == CF_TYPE_MAP && item->n_fields > 0) {
		gen_fields(G, item, dash_col + 2, cc, 1);
		return;
	}
	cf_buf comment = CF_BUF_INIT;
	describe(&comment, G->s, item);
	put_line(G, dash_col, cc, 0, "-", &comment);
	cf_buf_free(&comment);
}

static void gen_field(gen *G, const cf_field *f, int indent, int cc, int dash)
{
	cf_buf text = CF_BUF_INIT, comment = CF_BUF_INIT;
	describe(&comment, G->s, f);
	cf_buf_printf(&text, "%s:", f->name);
	/* Values fill the document's own fields; a list item is an example, never filled. */
	const char *v = cc < 0 && f->type != CF_TYPE_MAP && f->type != CF_TYPE_LIST
			    ? value_of(G, f->path)
			    : NULL;
	if (v) {
		cf_buf_putc(&text, ' ');
		put_scalar(&text, f->type, v);
	}
	put_line(G, indent, cc, dash, cf_buf_cstr(&text), &comment);
	cf_buf_free(&text);
	cf_buf_free(&comment);
	if (f->type == CF_TYPE_MAP)
		gen_fields(G, f, indent + 2, cc, 0);
	else if (f->type == CF_TYPE_LIST && f->items)
		gen_item(G, f->items, indent + 2, cc >= 0 ? cc : indent + 2);
}

static void gen_fields(gen *G, const cf_field *map, int indent, int cc, int dash)
{
	for (size_t i = 0; i < map->n_fields && !G->oom; i++)
		gen_field(G, &map->fields[i], indent, cc, dash && i == 0);
}

/* ---- laying the lines out --------------------------------------------------------------- */

/* Appends "#" and the words of text, wrapped at WIDTH: the first line is already at column
 * first, later ones start at column col. */
static void put_wrapped(cf_buf *out, const char *text, size_t first, size_t col)
{
	size_t pos = first + 1, words = 0;
	cf_buf_putc(out, '#');
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " ");
		size_t w = width_n(p, len);
		if (words && pos + 1 + w > WIDTH) {
			cf_buf_putc(out, '\n');
			for (size_t i = 0; i < col; i++)
				cf_buf_putc(out, ' ');
			cf_buf_putc(out, '#');
			pos = col + 1;
			words = 0;
		}
		cf_buf_putc(out, ' ');
		cf_buf_put(out, p, len);
		pos += 1 + w;
		words++;
		p += len;
	}
	cf_buf_putc(out, '\n');
}

static void render(cf_buf *out, const gen *G)
{
	size_t col = 0;
	for (size_t i = 0; i < G->content.n; i++) {
		size_t w = width(G->content.items[i]) + 2;
		if (*G->comment.items[i] && w > col && w <= COMMENT_COL_MAX)
			col = w;
	}
	for (size_t i = 0; i < G->content.n; i++) {
		const char *content = G->content.items[i], *comment = G->comment.items[i];
		cf_buf_puts(out, content);
		if (!*comment) {
			cf_buf_putc(out, '\n');
			continue;
		}
		size_t w = width(content);
		size_t at = w + 2 <= col ? col : w + 2;
		for (size_t k = w; k < at; k++)
			cf_buf_putc(out, ' ');
		put_wrapped(out, comment, at, col);
	}
}

/* The document's own description, from the schema's text (cf_docspec keeps none). */
static void header(cf_buf *out, const cf_schema *s, const cf_docspec *spec)
{
	const cf_node *doc = cf_node_get(cf_node_get(s->root, "documents"), spec->pattern);
	const char *desc = cf_node_str(cf_node_get(doc, "description"));
	const char *source = cf_node_str(cf_node_get(doc, "source"));
	cf_buf text = CF_BUF_INIT;
	cf_buf_puts(&text, spec->pattern);
	if (desc)
		cf_buf_printf(&text, " — %s", desc);
	if (source)
		cf_buf_printf(&text, " (%s)", source);
	cf_buf_printf(&text, ". A template of the %s schema", s->name);
	if (s->title)
		cf_buf_printf(&text, " (%s)", s->title);
	cf_buf_puts(&text, ": each comment says when the field is required, what it holds, its "
			   "source and what it takes. A field left empty counts as missing.");
	if (cf_buf_oom(&text))
		out->oom = 1;
	else
		put_wrapped(out, cf_buf_cstr(&text), 0, 0);
	cf_buf_free(&text);
}

int cf_template_doc(cf_buf *out, const cf_schema *s, const cf_docspec *spec,
		    const cf_template_value *values, size_t n_values, const char *const *headings,
		    size_t n_headings)
{
	gen G = {s, values, n_values, CF_STRLIST_INIT, CF_STRLIST_INIT, 0};
	/* Free-form Markdown needs no front matter; one of comments only would be yaml/empty. */
	int front = spec->markdown && !spec->free_form;
	if (front)
		cf_buf_puts(out, "---\n");
	if (!spec->free_form) {
		header(out, s, spec);
		gen_fields(&G, &spec->root, 0, -1, 0);
		if (!G.oom)
			render(out, &G);
	}
	if (front)
		cf_buf_puts(out, "---\n");
	for (size_t i = 0; i < n_headings; i++)
		cf_buf_printf(out, "%s## %s\n", i || front ? "\n" : "", headings[i]);
	cf_strlist_free(&G.content);
	cf_strlist_free(&G.comment);
	return G.oom || cf_buf_oom(out) ? -1 : 0;
}

/* ---- reading values --------------------------------------------------------------------- */

static int in_list(const char *v, const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(values[i], v) == 0)
			return 1;
	return 0;
}

static int in_range(const cf_field *f, long long v)
{
	return !(f->has_min && v < f->min) && !(f->has_max && v > f->max);
}

int cf_template_value_read(const char **out, const cf_schema *s, const cf_field *f,
			   const char *text, cf_buf *why)
{
	*out = text;
	int ok = 0;
	switch (f->type) {
	case CF_TYPE_DATE: {
		cf_date d;
		ok = cf_date_parse(&d, text) == 0;
		break;
	}
	case CF_TYPE_BOOL:
		/* yes and no read better on a command line; the file holds true and false. */
		if (strcasecmp(text, "yes") == 0 || strcasecmp(text, "true") == 0) {
			*out = "true";
			return 0;
		}
		if (strcasecmp(text, "no") == 0 || strcasecmp(text, "false") == 0) {
			*out = "false";
			return 0;
		}
		cf_buf_puts(why, "yes or no");
		return -1;
	case CF_TYPE_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		ok = *text && *text != ' ' && *text != '+' && !*end && errno == 0 && in_range(f, v);
		break;
	}
	case CF_TYPE_ENUM:
		ok = in_list(text, f->values, f->n_values);
		break;
	case CF_TYPE_STAGE:
		ok = in_list(text, s->stages, s->n_stages);
		break;
	case CF_TYPE_STRING:
	case CF_TYPE_TEXT:
		/* Empty would count as missing, so it is not a value. */
		ok = *text && (f->type == CF_TYPE_TEXT || !strchr(text, '\n')) &&
		     (!f->re || regexec(f->re, text, 0, NULL, 0) == 0) &&
		     in_range(f, (long long)width(text));
		break;
	default:
		cf_buf_puts(why,
			    "a list or a mapping, which is written in the file, not given here");
		return -1;
	}
	if (ok)
		return 0;
	put_takes(why, s, f);
	return -1;
}

void cf_template_value_hint(cf_buf *out, const cf_schema *s, const cf_field *f)
{
	(void)s;
	switch (f->type) {
	case CF_TYPE_DATE:
		cf_buf_puts(out, "DATE");
		break;
	case CF_TYPE_BOOL:
		cf_buf_puts(out, "yes|no");
		break;
	case CF_TYPE_INT:
		cf_buf_puts(out, "N");
		break;
	case CF_TYPE_ENUM:
		put_values(out, f->values, f->n_values, "|");
		break;
	case CF_TYPE_STAGE:
		cf_buf_puts(out, "STAGE");
		break;
	default:
		cf_buf_puts(out, "TEXT");
		break;
	}
}

/* ---- what a stage still needs ----------------------------------------------------------- */

/* As cf_schema_check_doc walks a document: conditions read from the document's root outside
 * lists, and a map that is absent still owes its required fields. */
static int missing(cf_strlist *out, const cf_check_ctx *ctx, const cf_field *map,
		   const cf_node *node, const cf_node *scope)
{
	for (size_t i = 0; i < map->n_fields; i++) {
		const cf_field *f = &map->fields[i];
		const cf_node *v = cf_node_get(node, f->name);
		int rc = 0;
		if (!cf_node_is_empty(v)) {
			if (f->type == CF_TYPE_MAP && v->kind == CF_NODE_MAP)
				rc = missing(out, ctx, f, v, scope);
		} else if (cf_field_required(f, ctx, scope)) {
			rc = cf_strlist_add(out, f->path);
		} else if (f->type == CF_TYPE_MAP) {
			rc = missing(out, ctx, f, NULL, scope);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int cf_template_missing(cf_strlist *out, const cf_check_ctx *ctx, const cf_docspec *spec,
			const cf_node *root)
{
	return missing(out, ctx, &spec->root, root, root);
}
