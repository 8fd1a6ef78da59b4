/* lib/yamlfast: the fast reader gives exactly libyaml's events, or steps aside.
 *
 * cf_yamlfast_parse promises that whenever it returns 0 its events are the ones libyaml's
 * event parser gives for the same bytes, stream and document events left out: the same kinds
 * in the same order, the same start marks (of START and SCALAR events: the header leaves an
 * END's mark out), the same scalar bytes and styles.  It never returns 0 for input libyaml
 * rejects, nor for input with a second document, an anchor, an alias or a tag.  This test
 * holds it to that on
 *   - hand-written documents, one for each shape case files use and some they do not;
 *   - every YAML file of the example repository, the templates casefile new writes from
 *     schemas/cspr.yaml, and the other YAML files of the tests and schemas;
 *   - about 100,000 deterministic mutations of all of those (bytes and YAML syntax
 *     inserted, deleted and replaced; lines duplicated, deleted, re-indented, joined, split),
 *     where any disagreement fails the test and the first few inputs are printed in full,
 *     escaped as C strings, with a shrunk form, ready to paste into a fixed case.
 * A reader that declined everything would pass all that, so the test also asserts that the
 * common shapes, nine in ten of the repository's case files and a fair share of the mutants
 * take the fast path.  Each input is handed over in a buffer of exactly its length, so
 * that a read past its end shows under SANITIZE=address.
 *
 * CF_YAMLFAST_MUTANTS and CF_YAMLFAST_SEED in the environment change the number of mutants
 * and the seed, for a longer hunt by hand. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "fs.h"
#include "schema.h"
#include "tap.h"
#include "template.h"
#include "yamlfast.h"

#define DEFAULT_MUTANTS 100000
#define DEFAULT_SEED 0x9e3779b97f4a7c15ull
#define MAX_SHOWN 5	    /* disagreeing mutants printed in full */
#define MAX_VALUE_SHOWN 200 /* bytes of a scalar shown in a diagnostic */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- libyaml, the reference ------------------------------------------------------------ */

/* One node event as libyaml gives it; a scalar's value is at off in the reference's bytes. */
typedef struct ref_ev {
	cf_yev_kind kind;
	unsigned line, col;
	size_t off, len;
	cf_ystyle style;
} ref_ev;

typedef struct reference {
	ref_ev *items;
	size_t n, cap;
	cf_buf bytes;
	int failed; /* libyaml stopped with an error: problem, at problem_line:problem_col */
	const char *problem;
	unsigned problem_line, problem_col;
	int documents, anchors, tags, aliases;
	int odd_style; /* a scalar style with no cf_ystyle (never expected) */
	int oom;
} reference;

static void reference_clear(reference *r)
{
	r->n = 0;
	cf_buf_clear(&r->bytes);
	r->failed = 0;
	r->problem = NULL;
	r->problem_line = r->problem_col = 0;
	r->documents = r->anchors = r->tags = r->aliases = 0;
	r->odd_style = 0;
	r->oom = 0;
}

static void reference_free(reference *r)
{
	free(r->items);
	cf_buf_free(&r->bytes);
	memset(r, 0, sizeof(*r));
}

static ref_ev *reference_push(reference *r, cf_yev_kind kind, yaml_mark_t mark)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		ref_ev *items = realloc(r->items, cap * sizeof(*items));
		if (!items) {
			r->oom = 1;
			return NULL;
		}
		r->items = items;
		r->cap = cap;
	}
	ref_ev *e = &r->items[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->line = (unsigned)mark.line;
	e->col = (unsigned)mark.column;
	return e;
}

static void reference_props(reference *r, const yaml_char_t *anchor, const yaml_char_t *tag)
{
	r->anchors += anchor != NULL;
	r->tags += tag != NULL;
}

static int style_of(yaml_scalar_style_t s, cf_ystyle *out)
{
	switch (s) {
	case YAML_PLAIN_SCALAR_STYLE:
		*out = CF_YSTYLE_PLAIN;
		return 0;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		*out = CF_YSTYLE_SINGLE;
		return 0;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		*out = CF_YSTYLE_DOUBLE;
		return 0;
	case YAML_LITERAL_SCALAR_STYLE:
		*out = CF_YSTYLE_LITERAL;
		return 0;
	case YAML_FOLDED_SCALAR_STYLE:
		*out = CF_YSTYLE_FOLDED;
		return 0;
	default:
		return -1;
	}
}

/* Records one libyaml event. */
static void reference_take(reference *r, const yaml_event_t *ev)
{
	ref_ev *e;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		r->documents++;
		break;
	case YAML_ALIAS_EVENT:
		r->aliases++;
		break;
	case YAML_SCALAR_EVENT:
		reference_props(r, ev->data.scalar.anchor, ev->data.scalar.tag);
		e = reference_push(r, CF_YEV_SCALAR, ev->start_mark);
		if (!e)
			break;
		if (style_of(ev->data.scalar.style, &e->style) < 0)
			r->odd_style++;
		e->off = r->bytes.len;
		e->len = ev->data.scalar.length;
		cf_buf_put(&r->bytes, ev->data.scalar.value, ev->data.scalar.length);
		break;
	case YAML_SEQUENCE_START_EVENT:
		reference_props(r, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
		reference_push(r, CF_YEV_SEQ_START, ev->start_mark);
		break;
	case YAML_MAPPING_START_EVENT:
		reference_props(r, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
		reference_push(r, CF_YEV_MAP_START, ev->start_mark);
		break;
	case YAML_SEQUENCE_END_EVENT:
		reference_push(r, CF_YEV_SEQ_END, ev->start_mark);
		break;
	case YAML_MAPPING_END_EVENT:
		reference_push(r, CF_YEV_MAP_END, ev->start_mark);
		break;
	default:
		break;
	}
}

/* Reads data[0..len) with libyaml as lib/doc does (UTF-8, the whole stream) into r. */
static void reference_run(reference *r, const char *data, size_t len)
{
	reference_clear(r);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		r->oom = 1;
		return;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			r->failed = 1;
			r->problem = p.problem ? p.problem : "(no message)";
			r->problem_line = (unsigned)p.problem_mark.line;
			r->problem_col = (unsigned)p.problem_mark.column;
			break;
		}
		int end = ev.type == YAML_STREAM_END_EVENT;
		reference_take(r, &ev);
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	r->oom |= cf_buf_oom(&r->bytes);
}

/* ---- lines ---------------------------------------------------------------------------- */

static size_t line_start(const cf_buf *b, size_t pos)
{
	while (pos > 0 && b->ptr[pos - 1] != '\n')
		pos--;
	return pos;
}

/* The end of the line at pos, after its '\n' when it has one. */
static size_t line_end(const cf_buf *b, size_t pos)
{
	const char *nl = pos < b->len ? memchr(b->ptr + pos, '\n', b->len - pos) : NULL;
	return nl ? (size_t)(nl - b->ptr) + 1 : b->len;
}

static size_t indent_at(const cf_buf *b, size_t start)
{
	size_t i = start;
	while (i < b->len && b->ptr[i] == ' ')
		i++;
	return i - start;
}

/* Appends, to an empty line buffer, n spaces. */
static void put_spaces(cf_buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cf_buf_putc(b, ' ');
}

/* ---- showing inputs and events ---------------------------------------------------------- */

/* Appends s as the inside of a C string literal, on one line: a failing input can be pasted
 * into a fixed case as it is printed. */
static void put_escaped(cf_buf *out, const char *s, size_t len)
{
	int after_hex = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int hex_digit =
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (after_hex && hex_digit)
			cf_buf_puts(out, "\"\""); /* "\xc3" "a" must not read as "\xc3a" */
		after_hex = 0;
		switch (c) {
		case '\n':
			cf_buf_puts(out, "\\n");
			break;
		case '\t':
			cf_buf_puts(out, "\\t");
			break;
		case '\r':
			cf_buf_puts(out, "\\r");
			break;
		case '\\':
			cf_buf_puts(out, "\\\\");
			break;
		case '"':
			cf_buf_puts(out, "\\\"");
			break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				cf_buf_printf(out, "\\x%02x", c);
				after_hex = 1;
			} else {
				cf_buf_putc(out, (char)c);
			}
		}
	}
}

static const char *kind_name(cf_yev_kind k)
{
	switch (k) {
	case CF_YEV_SCALAR:
		return "SCALAR";
	case CF_YEV_SEQ_START:
		return "SEQ_START";
	case CF_YEV_MAP_START:
		return "MAP_START";
	case CF_YEV_SEQ_END:
		return "SEQ_END";
	case CF_YEV_MAP_END:
		return "MAP_END";
	}
	return "(unknown kind)";
}

static const char *style_name(cf_ystyle s)
{
	switch (s) {
	case CF_YSTYLE_PLAIN:
		return "plain";
	case CF_YSTYLE_SINGLE:
		return "single";
	case CF_YSTYLE_DOUBLE:
		return "double";
	case CF_YSTYLE_LITERAL:
		return "literal";
	case CF_YSTYLE_FOLDED:
		return "folded";
	}
	return "(unknown style)";
}

static void put_event(cf_buf *out, cf_yev_kind kind, unsigned line, unsigned col, const char *s,
		      size_t len, cf_ystyle style)
{
	cf_buf_printf(out, "%s at %u:%u", kind_name(kind), line, col);
	if (kind != CF_YEV_SCALAR)
		return;
	cf_buf_printf(out, " %s \"", style_name(style));
	if (s)
		put_escaped(out, s, len < MAX_VALUE_SHOWN ? len : MAX_VALUE_SHOWN);
	else
		cf_buf_puts(out, "(null str)");
	cf_buf_printf(out, "\"%s (%zu bytes)", len > MAX_VALUE_SHOWN ? "..." : "", len);
}

static void put_fast_event(cf_buf *out, const cf_yev *e)
{
	put_event(out, e->kind, e->line, e->col, e->str, e->len, e->style);
}

static void put_ref_event(cf_buf *out, const reference *r, const ref_ev *e)
{
	put_event(out, e->kind, e->line, e->col, r->bytes.ptr ? r->bytes.ptr + e->off : "", e->len,
		  e->style);
}

/* ---- the comparison --------------------------------------------------------------------- */

/* Whether two events are the same.  lib/yamlfast.h leaves an END's mark out of the contract
 * (nothing reads it), so only the marks of START and SCALAR events are compared. */
static int same_event(const cf_yev *f, const reference *r, const ref_ev *e)
{
	if (f->kind != e->kind)
		return 0;
	if (f->kind == CF_YEV_SEQ_END || f->kind == CF_YEV_MAP_END)
		return 1;
	if (f->line != e->line || f->col != e->col)
		return 0;
	if (f->kind != CF_YEV_SCALAR)
		return 1;
	return f->style == e->style && f->len == e->len &&
	       (e->len == 0 || (f->str && memcmp(f->str, r->bytes.ptr + e->off, e->len) == 0));
}

/* Appends to why, as diagnostic lines, how the fast reader's events (it returned 0) differ
 * from libyaml's reading r; appends nothing when they are the same. */
static void disagreement(cf_buf *why, const cf_yevs *fast, const reference *r)
{
	if (r->oom) {
		cf_buf_puts(why, "#   libyaml ran out of memory\n");
		return;
	}
	if (r->failed) {
		cf_buf_printf(why, "#   libyaml rejects it: %s, at %u:%u\n", r->problem,
			      r->problem_line, r->problem_col);
		return;
	}
	if (r->documents > 1) {
		cf_buf_printf(why, "#   libyaml reads %d documents\n", r->documents);
		return;
	}
	if (r->anchors || r->tags || r->aliases || r->odd_style) {
		cf_buf_printf(why,
			      "#   libyaml reads %d anchors, %d tags, %d aliases, %d odd styles\n",
			      r->anchors, r->tags, r->aliases, r->odd_style);
		return;
	}
	size_t n = fast->n < r->n ? fast->n : r->n;
	for (size_t i = 0; i < n; i++) {
		if (same_event(&fast->items[i], r, &r->items[i]))
			continue;
		cf_buf_printf(why, "#   event %zu (line:col 0-based) differs\n#     fast:    ", i);
		put_fast_event(why, &fast->items[i]);
		cf_buf_puts(why, "\n#     libyaml: ");
		put_ref_event(why, r, &r->items[i]);
		cf_buf_putc(why, '\n');
		return;
	}
	if (fast->n == r->n)
		return;
	cf_buf_printf(why, "#   the fast reader gives %zu events, libyaml %zu; event %zu is ",
		      fast->n, r->n, n);
	if (fast->n > n)
		put_fast_event(why, &fast->items[n]);
	else
		put_ref_event(why, r, &r->items[n]);
	cf_buf_putc(why, '\n');
}

typedef struct harness {
	cf_arena *arena;
	cf_yevs fast;
	reference ref;
	cf_buf why;  /* the last disagreement, as diagnostic lines */
	cf_buf text; /* scratch for printing */
} harness;

enum { DECLINED, AGREES, DISAGREES };

/* Runs the fast reader over a copy of data[0..len) of exactly len bytes, and libyaml when the
 * fast reader took it.  Returns DECLINED, AGREES or DISAGREES (h->why then says how). */
static int check(harness *h, const char *data, size_t len)
{
	cf_buf_clear(&h->why);
	char *copy = malloc(len ? len : 1);
	if (!copy) {
		cf_buf_puts(&h->why, "#   out of memory in the test\n");
		return DISAGREES;
	}
	if (len)
		memcpy(copy, data, len);
	cf_arena_reset(h->arena);
	int rc = cf_yamlfast_parse(&h->fast, copy, len, h->arena);
	int verdict = DECLINED;
	if (rc == 0) {
		reference_run(&h->ref, copy, len);
		disagreement(&h->why, &h->fast, &h->ref);
		verdict = h->why.len ? DISAGREES : AGREES;
	} else if (rc != 1) {
		cf_buf_printf(&h->why, "#   cf_yamlfast_parse returned %d\n", rc);
		verdict = DISAGREES;
	}
	free(copy);
	return verdict;
}

/* Prints an input as a diagnostic line. */
static void show_input(harness *h, const char *label, const char *data, size_t len)
{
	cf_buf_clear(&h->text);
	put_escaped(&h->text, data, len);
	printf("#   %s (%zu bytes): \"%s\"\n", label, len, cf_buf_cstr(&h->text));
}

/* Removes cur[at..at+n) when the input still disagrees without it; returns 1 if it did. */
static int try_without(harness *h, cf_buf *cur, cf_buf *next, size_t at, size_t n)
{
	cf_buf_clear(next);
	cf_buf_put(next, cur->ptr, at);
	cf_buf_put(next, cur->ptr + at + n, cur->len - at - n);
	if (check(h, next->ptr ? next->ptr : "", next->len) != DISAGREES)
		return 0;
	cf_buf_clear(cur);
	cf_buf_put(cur, next->ptr, next->len);
	return 1;
}

/* Shrinks a disagreeing input greedily -- whole lines, then runs of bytes of halving length
 * -- keeping it disagreeing, within a budget of readings.  Returns the result (malloc'd,
 * its length in *out_len). */
static char *shrink(harness *h, const char *data, size_t len, size_t *out_len)
{
	cf_buf cur = CF_BUF_INIT, next = CF_BUF_INIT;
	cf_buf_put(&cur, data, len);
	long budget = 20000;
	for (int changed = 1; changed && budget > 0;) {
		changed = 0;
		for (size_t at = 0; at < cur.len && budget-- > 0;) {
			size_t end = line_end(&cur, at);
			if (try_without(h, &cur, &next, at, end - at))
				changed = 1;
			else
				at = end;
		}
		for (size_t n = cur.len / 2 ? cur.len / 2 : 1; n > 0 && budget > 0; n /= 2) {
			for (size_t at = 0; at + n <= cur.len && budget-- > 0;) {
				if (try_without(h, &cur, &next, at, n))
					changed = 1;
				else
					at += n > 4 ? n : 1; /* small runs at every offset */
			}
		}
	}
	cf_buf_free(&next);
	*out_len = cur.len;
	if (!cur.ptr)
		return calloc(1, 1);
	return cf_buf_detach(&cur);
}

/* Prints a disagreement in full: the input, how they differ, and a shrunk input with its
 * own difference. */
static void show_disagreement(harness *h, const char *data, size_t len, int print_input)
{
	char *why = cf_strdup(cf_buf_cstr(&h->why));
	if (print_input)
		show_input(h, "input", data, len);
	printf("%s", why ? why : "");
	free(why);
	size_t small_len;
	char *small = shrink(h, data, len, &small_len);
	if (small && check(h, small, small_len) == DISAGREES) {
		show_input(h, "shrunk to", small, small_len);
		printf("%s", cf_buf_cstr(&h->why));
	}
	free(small);
}

/* ---- fixed cases ------------------------------------------------------------------------ */

typedef struct fixed_case {
	const char *name;
	const char *text;
	int must_accept; /* a common shape of case files: the fast reader must take it */
} fixed_case;

static const fixed_case fixed_cases[] = {
    /* block mappings and sequences */
    {"nested block mappings", "a:\n  b:\n    c: d\n    e: f\n  g: h\ni: j\n", 1},
    {"a case file's head",
     "id: 2026-004\ntype: cspr\ntitle: Child D\n\n"
     "child:\n  pseudonym: Child D\n  died: false\n",
     1},
    {"indented block sequence", "key:\n  - a\n  - b\nnext: c\n", 1},
    {"block sequence not indented", "key:\n- a\n- b\nnext: c\n", 1},
    {"sequence of mappings",
     "people:\n  - name: x\n    role: y\n  - name: z\n    role: w\nend: 1\n", 1},
    {"sequence of mappings not indented", "people:\n- name: x\n  role: y\n- name: z\nend: 1\n", 1},
    {"top-level sequence of mappings", "- name: x\n  role: y\n- name: z\n", 1},
    {"top-level sequence", "- a\n- b\n", 1},
    {"sequence in a sequence item's mapping", "- name: x\n  tags:\n    - a\n    - b\n  k: v\n", 1},
    {"deeper sequence closes before a key", "a:\n  b:\n    - 1\n    - 2\nc: 3\n", 1},
    {"sequence of sequences", "- - a\n  - b\n- - c\n", 0},
    {"blank lines between entries", "a: 1\n\n\nb: 2\n\n", 1},
    {"no newline at the end", "a: 1\nb: 2", 0},
    {"indented document", "  a: 1\n  b: 2\n", 0},
    /* empty values */
    {"empty values", "key:\nother: v\nlast:\n", 1},
    {"empty value before a nested key", "a:\nb:\n  c:\n", 0},
    {"empty sequence items", "- \n- a\n-\n", 0},
    {"empty item in a nested sequence", "list:\n  -\n  - b\n", 0},
    {"null and tilde", "a: ~\nb: null\n", 1},
    /* plain values */
    {"plain values with a colon or a hash inside",
     "url: http://x/y#z\ntime: 10:30\nratio: a:b\nissue: x#1\n", 1},
    {"plain values with indicators inside", "a: b - c\nd: -1\ne: x, y\nf: a]b\ng: x'y\n", 0},
    {"text after a closing quote", "g: 'x' y\n", 0},
    {"plain values starting with indicators", "a: -x\nb: :x\nc: ?x\nd: .x\n", 0},
    {"a sequence entry as a value", "key: - x\n", 0},
    {"two colons", "key: x: y\n", 0},
    {"trailing spaces", "a: b   \nc: d \n", 0},
    {"keys with spaces before the colon", "key : v\nother  :  w\n", 0},
    {"keys with spaces inside", "two words: v\nA-b_c.d: w\n", 1},
    {"numbers and dates", "n: 42\nf: 1.5\nd: 2026-03-04\nb: true\n", 1},
    {"a value over several lines", "a: one\n  two\nb: c\n", 0},
    /* comments */
    {"comments on their own lines", "# header\na: b\n# between\nc: d\n", 1},
    {"comments after values", "a: b # trailing\nc: 'd' # after a quote\ne: [f] # after a list\n",
     1},
    {"indented comments", "a:\n  # before a child\n  b: c\n    # deeper\n  d: e\n# last\n", 0},
    {"a comment as the only value", "a: # nothing here\nb: c\n", 0},
    {"a comment in a sequence", "l:\n  # first\n  - a\n  # second\n  - b\n", 0},
    {"only comments", "# one\n# two\n", 0},
    {"empty input", "", 0},
    /* quoted values */
    {"one-line quoted values", "a: \"x y\"\nb: 'z w'\nc: \"\"\nd: ''\n", 1},
    {"quoted values with escapes", "a: \"x\\ny\"\nb: 'it''s'\nc: \"q\\\"q \\\\ t\\tz\"\n", 1},
    {"quoted unicode escapes", "a: \"\\u00e9 \\x41 \\U0001F600 \\0 \\/ \\_ \\N\"\n", 0},
    {"quoted keys", "\"a b\": 1\n'c': 2\n", 0},
    {"quoted value over two lines", "a: \"x\n  y\"\nb: 'p\n\n  q'\n", 0},
    {"quoted value with a line break escape", "a: \"x\\\n  y\"\n", 0},
    {"quotes inside plain values", "a: it's\nb: say \"hi\"\n", 1},
    /* flow lists */
    {"flow lists of plain words",
     "themes: [information-sharing, lived-experience]\nx: []\ncriteria: [a, b-c]\n", 1},
    {"flow lists with quotes", "themes: [a, b-c, 'd e', \"f\\tg\"]\nx: []\n", 0},
    {"flow lists with odd spacing", "x: [ a ,b,  c ]\ny: [a,]\n", 0},
    {"flow list in a sequence", "- [a, b]\n- []\n", 0},
    {"flow list items with a colon", "x: [a:b, c]\ny: [a: b]\n", 0},
    {"flow list over two lines", "x: [a,\n  b]\n", 0},
    {"flow mappings", "x: {}\ny: {a: b}\n", 0},
    {"unclosed flow list", "a: [1, 2\n", 0},
    /* blocks */
    {"folded block with paragraphs", "text: >\n  one two\n  three\n\n  four\n\n\n  five\nnext: x\n",
     1},
    {"folded block at the end", "text: >\n  one\n  two\n", 1},
    {"folded block at the end without a newline", "text: >\n  one\n  two", 0},
    {"folded block followed by blank lines", "text: >\n  one\n\n\nnext: x\n", 1},
    {"literal block", "text: |\n  one\n  two\nnext: x\n", 1},
    {"literal block with paragraphs", "text: |\n  one\n\n  two\n\n\nnext: x\n", 0},
    {"chomping >-", "a: >-\n  one\n  two\n\nb: c\nd: >-\n  end\n", 0},
    {"chomping |-", "a: |-\n  one\n  two\n\nb: c\nd: |-\n  end\n", 0},
    {"chomping |+", "a: |+\n  one\n\n\nb: c\nd: |+\n  end\n\n", 0},
    {"chomping >+", "a: >+\n  one\n\nb: c\n", 0},
    {"blocks at the very end", "a: |\n  x\n\n\n", 0},
    {"blocks inside sequence items",
     "- >\n  folded item\n  text\n- |\n  literal\n- k: >\n    nested\n    text\n  j: v\n", 0},
    {"blocks in a not indented sequence", "l:\n- >\n  one\n  two\n- x\n", 0},
    {"more indented lines in a folded block", "a: >\n  x\n    indented\n  y\n\n  z\nb: c\n", 0},
    {"a block with an explicit indent", "a: |2\n   x\n  y\n", 0},
    {"an empty block", "a: >\nb: c\n", 0},
    {"a block with a comment", "a: > # why\n  x\nb: c\n", 0},
    {"a block whose first line is more indented", "a: >\n    x\n  y\n", 0},
    {"a block after a wide blank line", "a: >\n    \n  x\nb: c\n", 0},
    {"a block after a narrow blank line", "a: >\n \n  x\nb: c\n", 0},
    {"a wide blank line inside a block", "a: |\n  x\n     \n  y\nb: c\n", 0},
    {"a block with trailing spaces", "a: >\n  x  \n  \n  y\nb: c\n", 0},
    {"a block less indented than its key", "a:\n  b: >\n   x\n  c: d\n", 0},
    /* not ASCII: columns count characters */
    {"non-ASCII values", "name: Zoë Brontë\nplace: Zürich\nmood: 😀\n", 0},
    {"non-ASCII before a comment", "name: Zoë # note\nnext: é\n", 0},
    {"non-ASCII keys", "é: ü\nclé: 😀 x\n", 0},
    {"non-ASCII in flow lists", "k: [é, ü, 😀, z]\nnext: 1\n", 0},
    {"non-ASCII in quotes", "a: \"é\\n😀\" # x\nb: 'ü''ü' \n", 0},
    {"non-ASCII in a folded block", "a: >\n  é ü\n  😀\nb: [é]\n", 0},
    {"non-ASCII in a sequence", "- é\n- 😀 x\n- k: ü\n  j: v\n", 0},
    {"an em dash", "why: a — b\n", 0},
    {"NEL and LINE SEPARATOR", "a: x\xc2\x85y\nb: p\xe2\x80\xa8q\n", 0},
    {"a byte-order mark",
     "\xef\xbb\xbf"
     "a: b\n",
     0},
    {"invalid UTF-8", "a: \xc3\n", 0},
    {"overlong UTF-8", "a: \xe0\x84\x80\n", 0},
    {"overlong UTF-8 of four bytes", "a: \xf0\x80\x84\x80\n", 0},
    {"a surrogate", "a: \xed\xa0\x80\n", 0},
    {"a control character", "a: \x01\n", 0},
    /* documents, anchors, tags: never the fast path */
    {"a document start", "---\na: b\n", 0},
    {"a document end", "a: b\n...\n", 0},
    {"a document end with text after it", "a: b\n... c\n", 0},
    {"a document end with a key after it", "a: b\n... c: d\n", 0},
    {"two documents", "a: b\n---\nc: d\n", 0},
    {"a directive", "%YAML 1.1\n---\na: b\n", 0},
    {"anchors and aliases", "a: &x b\nc: *x\n", 0},
    /* lib/doc refuses these (yaml/alias) on libyaml's events: the fast reader, which gives
     * no anchors, must leave them to it */
    {"an alias into its own anchor", "a: &a [*a]\n", 0},
    {"an alias into its own anchor, in block style", "a: &a\n  - *a\n", 0},
    {"an alias into its own anchor, as a value", "f: &f\n  a: {type: map, fields: *f}\n", 0},
    {"tags", "a: !!str b\nc: ! d\n", 0},
    {"a tagged mapping", "a: !m\n  b: c\n", 0},
    /* other things outside the subset */
    {"tabs", "a:\tb\n", 0},
    {"a tab indent", "a:\n\tb: c\n", 0},
    {"CRLF lines", "a: b\r\nc: d\r\n", 0},
    {"a top-level scalar", "just text\n", 0},
    {"a complex key", "? a\n: b\n", 0},
    {"a bad indent", "a: b\n c: d\n", 0},
    {"a dedent too far", "a:\n  b: 1\n c: 2\n", 0},
    {"a sequence then a key", "- a\nb: c\n", 0},
    {"an unclosed quote", "a: 'x\nb: c\n", 0},
    {"a missing colon", "a: b\nc\nd: e\n", 0},
    {"a duplicate key", "a: 1\na: 2\n", 0},
    {"a reserved indicator", "a: @x\nb: `y\n", 0},
};

/* Keys near libyaml's limit of 1024 characters for a simple key, counted in characters. */
static void long_key_case(cf_buf *out, const char *unit, size_t count, const char *quote)
{
	cf_buf_clear(out);
	cf_buf_puts(out, "a: b\n");
	cf_buf_puts(out, quote);
	for (size_t i = 0; i < count; i++)
		cf_buf_puts(out, unit);
	cf_buf_puts(out, quote);
	cf_buf_puts(out, ": v\nc: d\n");
}

/* One fixed input: the fast reader declines or agrees; must_accept: it takes it. */
static void run_fixed(harness *h, const char *name, const char *text, size_t len, int must_accept)
{
	int v = check(h, text, len);
	printf("# %s: %s\n", v == DECLINED ? "falls back" : "fast path", name);
	cf_buf label = CF_BUF_INIT;
	cf_buf_printf(&label, "%s: libyaml's events, or declined", name);
	if (!ok(v != DISAGREES, cf_buf_cstr(&label)))
		show_disagreement(h, text, len, 1);
	if (must_accept) {
		cf_buf_clear(&label);
		cf_buf_printf(&label, "%s: the fast reader takes it", name);
		if (!ok(v != DECLINED, cf_buf_cstr(&label)))
			show_input(h, "declined", text, len);
	}
	cf_buf_free(&label);
}

static void test_fixed(harness *h)
{
	for (size_t i = 0; i < COUNT(fixed_cases); i++) {
		const fixed_case *c = &fixed_cases[i];
		run_fixed(h, c->name, c->text, strlen(c->text), c->must_accept);
	}
	/* each escape of double quotes, alone in a value */
	static const char *const escapes[] = {
	    "0",  "a", "b", "t", "\t", "n",   "v",     "f",	    "r", "e",  " ",   "\"", "/",
	    "\\", "N", "_", "L", "P",  "x41", "u00e9", "U0001F600", "q", "x4", "u12", "x",  "\n  ",
	};
	cf_buf text = CF_BUF_INIT, name = CF_BUF_INIT;
	for (size_t i = 0; i < COUNT(escapes); i++) {
		cf_buf_clear(&text);
		cf_buf_printf(&text, "a: \"x\\%sy\"\nb: c\n", escapes[i]);
		cf_buf_clear(&name);
		cf_buf_puts(&name, "the escape \\");
		put_escaped(&name, escapes[i], strlen(escapes[i]));
		run_fixed(h, cf_buf_cstr(&name), text.ptr, text.len, 0);
	}
	static const size_t lengths[] = {1000, 1020, 1022, 1023, 1024, 1025, 1026, 1030};
	for (size_t i = 0; i < COUNT(lengths); i++) {
		static const char *const forms[][2] = {{"x", ""}, {"x", "\""}, {"\xc3\xa9", ""}};
		for (size_t f = 0; f < 3; f++) {
			long_key_case(&text, forms[f][0], lengths[i], forms[f][1]);
			cf_buf_clear(&name);
			cf_buf_printf(&name, "a key of %zu '%s'%s", lengths[i], forms[f][0],
				      *forms[f][1] ? " in quotes" : "");
			run_fixed(h, cf_buf_cstr(&name), text.ptr, text.len, 0);
		}
	}
	cf_buf_clear(&text);
	for (int i = 0; i < 60; i++)
		cf_buf_printf(&text, "%*sk%d:\n", 2 * i, "", i);
	run_fixed(h, "sixty nested mappings", text.ptr, text.len, 0);
	cf_buf_clear(&text);
	cf_buf_puts(&text, "a: word");
	for (int i = 0; i < 20000; i++)
		cf_buf_puts(&text, " word");
	cf_buf_puts(&text, "\nb: c\n");
	run_fixed(h, "a value of 100,000 bytes", text.ptr, text.len, 0);
	cf_buf_free(&text);
	cf_buf_free(&name);
}

/* ---- the repository's YAML files -------------------------------------------------------- */

typedef struct corpus_file {
	char *name; /* from the source root, or "template:" and the document's pattern */
	char *data;
	size_t len;
	int counted; /* a case file or template: counts towards the share taken */
} corpus_file;

typedef struct corpus {
	corpus_file *items;
	size_t n, cap;
} corpus;

static void corpus_add(corpus *c, const char *name, const char *data, size_t len, int counted)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		corpus_file *items = realloc(c->items, cap * sizeof(*items));
		if (!items)
			return;
		c->items = items;
		c->cap = cap;
	}
	corpus_file *f = &c->items[c->n];
	f->name = cf_strdup(name);
	f->data = malloc(len ? len : 1);
	if (!f->name || !f->data) {
		free(f->name);
		free(f->data);
		return;
	}
	if (len)
		memcpy(f->data, data, len);
	f->len = len;
	f->counted = counted;
	c->n++;
}

static void corpus_free(corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].name);
		free(c->items[i].data);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Adds every *.yaml file under src/rel, in name order (so the mutants do not depend on the
 * order of the directory). */
static void corpus_walk(corpus *c, const char *src, const char *rel, int counted)
{
	cf_buf path = CF_BUF_INIT;
	cf_buf_printf(&path, "%s/%s", src, rel);
	struct dirent **list = NULL;
	int n = scandir(cf_buf_cstr(&path), &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *base = list[i]->d_name;
		if (strcmp(base, ".") != 0 && strcmp(base, "..") != 0) {
			cf_buf sub = CF_BUF_INIT, full = CF_BUF_INIT;
			cf_buf_printf(&sub, "%s/%s", rel, base);
			cf_buf_printf(&full, "%s/%s", src, cf_buf_cstr(&sub));
			struct stat st;
			int is_dir = 0, is_yaml = 0;
			if (lstat(cf_buf_cstr(&full), &st) == 0) {
				is_dir = S_ISDIR(st.st_mode);
				is_yaml = S_ISREG(st.st_mode) && ends_with(base, ".yaml");
			}
			if (is_dir) {
				corpus_walk(c, src, cf_buf_cstr(&sub), counted);
			} else if (is_yaml) {
				cf_buf data = CF_BUF_INIT;
				if (cf_read_file_buf(&data, cf_buf_cstr(&full), 16u << 20) == 0)
					corpus_add(c, cf_buf_cstr(&sub), data.ptr ? data.ptr : "",
						   data.len, counted);
				cf_buf_free(&data);
			}
			cf_buf_free(&sub);
			cf_buf_free(&full);
		}
		free(list[i]);
	}
	free(list);
	cf_buf_free(&path);
}

/* Adds the template of each YAML document of schemas/cspr.yaml: what casefile new writes,
 * with its comments and empty values.  Returns the number added. */
static size_t corpus_templates(corpus *c, const char *src)
{
	cf_buf path = CF_BUF_INIT, out = CF_BUF_INIT, name = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	size_t added = 0;
	cf_buf_printf(&path, "%s/schemas/cspr.yaml", src);
	if (cf_schema_load(&s, cf_buf_cstr(&path), "cspr.yaml", &d) == 0) {
		for (size_t i = 0; i < s->n_docs; i++) {
			const cf_docspec *spec = &s->docs[i];
			cf_buf_clear(&out);
			if (spec->markdown || cf_template_doc(&out, s, spec, NULL, 0, NULL, 0) < 0)
				continue;
			cf_buf_clear(&name);
			cf_buf_printf(&name, "template:%s", spec->pattern);
			corpus_add(c, cf_buf_cstr(&name), out.ptr ? out.ptr : "", out.len, 1);
			added++;
		}
	}
	cf_schema_free(s);
	cf_diags_free(&d);
	cf_buf_free(&path);
	cf_buf_free(&out);
	cf_buf_free(&name);
	return added;
}

static void load_corpus(corpus *c, const char *src)
{
	size_t before = c->n;
	corpus_walk(c, src, "example-repo", 1);
	ok(c->n - before >= 10, "example-repo holds the YAML case files");
	corpus_walk(c, src, "templates", 1); /* if there is such a directory */
	ok(corpus_templates(c, src) > 0, "the templates of schemas/cspr.yaml are written");
	corpus_walk(c, src, "tests/data", 0);
	corpus_walk(c, src, "schemas", 0);
}

static void test_corpus(harness *h, const corpus *c)
{
	size_t counted = 0, taken = 0;
	cf_buf label = CF_BUF_INIT, declined = CF_BUF_INIT, others = CF_BUF_INIT;
	for (size_t i = 0; i < c->n; i++) {
		const corpus_file *f = &c->items[i];
		int v = check(h, f->data, f->len);
		cf_buf_clear(&label);
		cf_buf_printf(&label, "%s: libyaml's events, or declined", f->name);
		if (!ok(v != DISAGREES, cf_buf_cstr(&label)))
			show_disagreement(h, f->data, f->len, 0);
		cf_buf *list = f->counted ? &declined : &others;
		if (v == DECLINED)
			cf_buf_printf(list, "#   %s\n", f->name);
		counted += f->counted;
		taken += f->counted && v != DECLINED;
	}
	printf("# the fast reader takes %zu of %zu case files and templates\n", taken, counted);
	if (declined.len)
		printf("# case files and templates it falls back on:\n%s", declined.ptr);
	if (others.len)
		printf("# other YAML files it falls back on (not counted):\n%s", others.ptr);
	ok(counted > 0 && taken * 10 >= counted * 9,
	   "the fast reader takes at least 90% of the case files and templates");
	cf_buf_free(&label);
	cf_buf_free(&declined);
	cf_buf_free(&others);
}

/* ---- mutants ---------------------------------------------------------------------------- */

static uint64_t rng_state = DEFAULT_SEED;

static uint64_t rng_next(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng_next() % n) : 0;
}

/* Single pieces of YAML syntax and of text, inserted or put in place of a byte. */
/* clang-format off */
static const char *const alphabet[] = {
	" ", " ", "\n", "\n", ":", "-", "#", "\"", "'", ">", "|", "[", "]", ",", "{", "}",
	"&", "*", "!", "%", "?", "@", "`", "\\", "\t", "\r", ".", "a", "Z", "0",
	"\xc3\xa9", "\x80",
};

/* Longer pieces: indicators with their blank, escapes, the ends of blocks, and characters
 * libyaml treats specially (NEL and LINE SEPARATOR break lines, a byte-order mark is skipped
 * at the start of a line; controls, C1 controls, surrogates, overlong forms and U+FFFE are
 * refused). */
static const char *const tokens[] = {
	": ", "- ", "? ", " #", " # note", "key: ", "- - ", "  ", " \t", "~", "null",
	"''", "\"\"", "'x", "\"x", "x\"", "[]", "{}", "[a, b]", "[a,]", ", ",
	"\\n", "\\\"", "\\\\", "\\/", "\\t", "\\0", "\\a", "\\e", "\\ ", "\\N", "\\_", "\\L",
	"\\x4", "\\x41", "\\u00e9", "\\U0001F600", "\\q",
	">", ">-", ">+", "|", "|-", "|+", "|2", ">\n", "|\n", "\n\n", "  \n", "\n    ",
	"&a ", "*a", "!!str ", "! ", "%YAML 1.2\n", "---", "...",
	"\xf0\x9f\x98\x80", "\xe2\x80\x94", "\xc2\xa0", "\xef\xbb\xbf", "\xc2\x85", "\xe2\x80\xa8",
	"\xc2\x9f", "\x7f", "\x01", "\xed\xa0\x80", "\xc0\xaf", "\xe0\x84\x80", "\xef\xbf\xbe",
	"\xf4\x90\x80\x80", "\xe2\x80", "\r\n",
};
/* clang-format on */

/* Replaces del bytes at pos with s[0..n). */
static void splice(cf_buf *b, size_t pos, size_t del, const char *s, size_t n)
{
	if (n == 0 && del == 0)
		return;
	if (n > del && cf_buf_grow(b, n - del) < 0)
		return;
	memmove(b->ptr + pos + n, b->ptr + pos + del, b->len - pos - del + 1); /* with the NUL */
	if (n)
		memcpy(b->ptr + pos, s, n);
	b->len = b->len + n - del;
}

/* One mutation of m, somewhere drawn at random. */
static void mutate(cf_buf *m, cf_buf *tmp)
{
	if (m->len == 0) { /* nothing to work on: a piece of syntax */
		const char *t = tokens[rng_below(COUNT(tokens))];
		cf_buf_puts(m, t);
		return;
	}
	size_t pos = rng_below(m->len + 1);
	size_t start = line_start(m, pos < m->len ? pos : m->len);
	size_t end = line_end(m, start);
	const char *s;
	cf_buf_clear(tmp);
	switch (rng_below(16)) {
	case 0: /* insert a byte (or é) */
	case 1:
		s = alphabet[rng_below(COUNT(alphabet))];
		splice(m, pos, 0, s, strlen(s));
		break;
	case 2: /* delete a byte */
		if (pos < m->len)
			splice(m, pos, 1, "", 0);
		break;
	case 3: /* replace a byte */
	case 4:
		s = alphabet[rng_below(COUNT(alphabet))];
		if (pos < m->len)
			splice(m, pos, 1, s, strlen(s));
		break;
	case 5: /* insert a piece of syntax */
		s = tokens[rng_below(COUNT(tokens))];
		splice(m, pos, 0, s, strlen(s));
		break;
	case 6: /* duplicate a line */
		cf_buf_put(tmp, m->ptr + start, end - start);
		if (end == m->len && (end == start || m->ptr[end - 1] != '\n'))
			cf_buf_putc(tmp, '\n');
		splice(m, start, 0, tmp->ptr, tmp->len);
		break;
	case 7: /* delete a line */
		splice(m, start, end - start, "", 0);
		break;
	case 8: /* indent a line more */
		splice(m, start, 0, "   ", 1 + rng_below(3));
		break;
	case 9: { /* indent a line less */
		size_t have = indent_at(m, start), take = 1 + rng_below(3);
		splice(m, start, have < take ? have : take, "", 0);
		break;
	}
	case 10: /* join a line with the next */
		if (end > start && end <= m->len && m->ptr[end - 1] == '\n')
			splice(m, end - 1, 1, "", 0);
		break;
	case 11: /* split a line, the rest indented like it or a little more */
		cf_buf_putc(tmp, '\n');
		put_spaces(tmp, indent_at(m, start) + rng_below(3));
		splice(m, pos, 0, tmp->ptr, tmp->len);
		break;
	case 12: /* a document marker */
		s = rng_below(2) ? "---\n" : "...\n";
		splice(m, start, 0, s, 4);
		break;
	case 13: /* a continuation line under a value */
	case 14:
		put_spaces(tmp, indent_at(m, start) + rng_below(4));
		cf_buf_puts(tmp, rng_below(2) ? "more text\n" : "- more: text\n");
		if (end > 0 && m->ptr[end - 1] != '\n') { /* the last line, unfinished */
			splice(m, end, 0, "\n", 1);
			end++;
		}
		splice(m, end, 0, tmp->ptr, tmp->len);
		break;
	default: /* swap a line with the next, both whole lines */
		if (end < m->len && m->ptr[line_end(m, end) - 1] == '\n') {
			size_t end2 = line_end(m, end);
			cf_buf_put(tmp, m->ptr + end, end2 - end);
			cf_buf_put(tmp, m->ptr + start, end - start);
			splice(m, start, end2 - start, tmp->ptr, tmp->len);
		}
		break;
	}
}

/* The text a mutant starts from: a whole seed, or a run of up to 24 of its lines. */
static void pick_base(cf_buf *m, const char *seed, size_t len)
{
	cf_buf_clear(m);
	if (rng_below(3) == 0 || len == 0) {
		cf_buf_put(m, seed, len);
		return;
	}
	size_t lines = 0;
	for (const char *p = seed; (p = memchr(p, '\n', len - (size_t)(p - seed))); p++)
		lines++;
	size_t first = rng_below(lines + 1), count = 1 + rng_below(24), at = 0;
	for (size_t l = 0; l < first && at < len; l++) {
		const char *nl = memchr(seed + at, '\n', len - at);
		at = nl ? (size_t)(nl - seed) + 1 : len;
	}
	size_t stop = at;
	for (size_t l = 0; l < count && stop < len; l++) {
		const char *nl = memchr(seed + stop, '\n', len - stop);
		stop = nl ? (size_t)(nl - seed) + 1 : len;
	}
	cf_buf_put(m, seed + at, stop - at);
}

typedef struct seed {
	const char *data;
	size_t len;
} seed;

/* The seeds of the mutants: the fixed cases and the corpus, those the fast reader takes
 * first (n_taken of them). */
static seed *collect_seeds(harness *h, const corpus *c, size_t *n, size_t *n_taken)
{
	*n = COUNT(fixed_cases) + c->n;
	*n_taken = 0;
	seed *all = calloc(*n, sizeof(*all)), *seeds = calloc(*n, sizeof(*seeds));
	if (!all || !seeds) {
		free(all);
		free(seeds);
		return NULL;
	}
	for (size_t i = 0; i < COUNT(fixed_cases); i++)
		all[i] = (seed){fixed_cases[i].text, strlen(fixed_cases[i].text)};
	for (size_t i = 0; i < c->n; i++)
		all[COUNT(fixed_cases) + i] = (seed){c->items[i].data, c->items[i].len};
	size_t back = *n;
	for (size_t i = 0; i < *n; i++) {
		if (check(h, all[i].data, all[i].len) == DECLINED)
			seeds[--back] = all[i];
		else
			seeds[(*n_taken)++] = all[i];
	}
	free(all);
	return seeds;
}

/* Mutants: three in four start from a seed the fast reader takes, so that most of them stay
 * near the fast path and test it; the others from any seed. */
static void test_mutants(harness *h, const corpus *c, size_t count)
{
	size_t n_seeds, n_taken;
	seed *seeds = collect_seeds(h, c, &n_seeds, &n_taken);
	if (!ok(seeds != NULL && n_taken > 0, "mutants: the fast reader takes some seeds")) {
		free(seeds);
		return;
	}

	cf_buf m = CF_BUF_INIT, tmp = CF_BUF_INIT;
	size_t accepted = 0, bad = 0, total_bytes = 0;
	uint64_t start_seed = rng_state;
	for (size_t i = 0; i < count; i++) {
		const seed *s = &seeds[rng_below(rng_below(4) ? n_taken : n_seeds)];
		pick_base(&m, s->data, s->len);
		for (size_t k = 1 + rng_below(3); k > 0; k--)
			mutate(&m, &tmp);
		if (cf_buf_oom(&m) || cf_buf_oom(&tmp))
			break;
		total_bytes += m.len;
		int v = check(h, m.ptr ? m.ptr : "", m.len);
		accepted += v != DECLINED;
		if (v != DISAGREES)
			continue;
		if (++bad <= MAX_SHOWN) {
			printf("# mutant %zu disagrees:\n", i);
			show_disagreement(h, m.ptr, m.len, 1);
		}
	}
	printf("# mutants: %zu (seed %#llx, %zu bytes in all); the fast reader took %zu (%.1f%%); "
	       "%zu disagree with libyaml\n",
	       count, (unsigned long long)start_seed, total_bytes, accepted,
	       count ? 100.0 * (double)accepted / (double)count : 0.0, bad);
	ok(bad == 0, "mutants: whenever the fast reader takes one, libyaml gives the same events");
	ok(accepted * 20 > count, "mutants: the fast reader takes more than 5% of them");
	cf_buf_free(&m);
	cf_buf_free(&tmp);
	free(seeds);
}

/* ---- main ------------------------------------------------------------------------------- */

/* A number from the environment (decimal, or hex with 0x), or fallback. */
static unsigned long long env_number(const char *name, unsigned long long fallback)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return fallback;
	char *end;
	unsigned long long n = strtoull(v, &end, 0);
	return *end ? fallback : n;
}

int main(void)
{
	const char *src = tap_srcdir();
	harness h;
	memset(&h, 0, sizeof(h));
	h.fast = (cf_yevs)CF_YEVS_INIT;
	if (cf_init() < 0 || cf_arena_new(&h.arena, 0) < 0)
		return 1;
	size_t mutants = (size_t)env_number("CF_YAMLFAST_MUTANTS", DEFAULT_MUTANTS);
	rng_state = env_number("CF_YAMLFAST_SEED", DEFAULT_SEED);
	if (rng_state == 0) /* xorshift stays at 0 */
		rng_state = DEFAULT_SEED;

	test_fixed(&h);
	corpus c = {NULL, 0, 0};
	load_corpus(&c, src);
	test_corpus(&h, &c);
	test_mutants(&h, &c, mutants);

	corpus_free(&c);
	cf_yevs_free(&h.fast);
	reference_free(&h.ref);
	cf_buf_free(&h.why);
	cf_buf_free(&h.text);
	cf_arena_free(h.arena);
	return tap_done();
}
