/* lib/doc: positions, and every malformed input as a diagnostic rather than a crash. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "doc.h"
#include "tap.h"

static cf_arena *arena;

/* Parses text; returns the doc (or NULL) and leaves the diagnostics in *d. */
static cf_doc *parse(const char *text, cf_diags *d)
{
	cf_doc *doc = NULL;
	cf_diags_clear(d);
	cf_doc_parse_yaml(&doc, arena, "f.yaml", text, strlen(text), NULL, d);
	return doc;
}

static const char *first_rule(const cf_diags *d)
{
	return d->len ? d->items[0].rule : "(none)";
}

static void test_positions(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = parse("id: 2026-001\ndates:\n  referral: 2026-03-04\n  list:\n    - a\n", &d);
	ok(doc && doc->root, "a small file parses");
	is_int(d.len, 0, "with no diagnostics");
	const cf_pair *p = cf_node_get_pair(doc->root, "dates");
	is_int(p->key->line, 2, "key line");
	is_int(p->key->col, 1, "key column");
	const cf_node *r = cf_node_path(doc->root, "dates.referral");
	is_str(cf_node_str(r), "2026-03-04", "dotted path");
	is_int(r->line, 3, "value line");
	is_int(r->col, 13, "value column");
	const cf_node *l = cf_node_path(doc->root, "dates.list");
	is_int(l->kind, CF_NODE_SEQ, "a list");
	is_int(l->items[0]->line, 5, "item line");
	cf_diags_free(&d);
}

static void test_scalars(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = parse("a: true\nb: 'true'\nc:\nd: ~\ne: 42\nf: yes\n", &d);
	int b = -1;
	ok(cf_node_bool(cf_node_get(doc->root, "a"), &b) == 0 && b == 1, "plain true is a bool");
	ok(cf_node_bool(cf_node_get(doc->root, "b"), &b) < 0, "quoted 'true' is a string");
	ok(cf_node_is_empty(cf_node_get(doc->root, "c")), "an empty value is null");
	ok(cf_node_is_empty(cf_node_get(doc->root, "d")), "~ is null");
	ok(cf_node_is_empty(cf_node_get(doc->root, "zz")), "an absent key is empty");
	long long v;
	ok(cf_node_int(cf_node_get(doc->root, "e"), &v) == 0 && v == 42, "an int");
	ok(cf_node_bool(cf_node_get(doc->root, "f"), &b) < 0, "yes is not a YAML 1.2 bool");
	cf_diags_free(&d);
}

static void test_errors(void)
{
	cf_diags d = CF_DIAGS_INIT;
	ok(!parse("a: [1, 2\n", &d), "unclosed flow list fails");
	is_str(first_rule(&d), "yaml/syntax", "as yaml/syntax");

	ok(parse("title: A\ntitle: B\n", &d) != NULL, "a duplicate key still gives a tree");
	is_str(first_rule(&d), "yaml/duplicate-key", "and yaml/duplicate-key");
	is_int(d.items[0].line, 2, "at the second key");
	is_str(d.items[0].hint, "'title' is already set at line 1; YAML keeps only one of them",
	       "naming the first");

	/* a map large enough to take the sorting path */
	cf_buf big = CF_BUF_INIT;
	for (int i = 0; i < 100; i++)
		cf_buf_printf(&big, "k%d: v\n", i);
	cf_buf_puts(&big, "k7: again\n");
	parse(cf_buf_cstr(&big), &d);
	is_int(d.len, 1, "a duplicate in a large map is found once");
	is_int(d.len ? d.items[0].line : 0, 101, "at its line");
	cf_buf_free(&big);

	ok(!parse("a: 1\n---\nb: 2\n", &d), "two documents fail");
	is_str(first_rule(&d), "yaml/multiple-documents", "as yaml/multiple-documents");
	is_int(d.items[0].line, 2, "at the second document's start");

	ok(!parse("a:\n\tb: 1\n", &d), "a tab in the indentation fails");
	is_str(first_rule(&d), "yaml/tab", "as yaml/tab");
	is_int(d.items[0].line, 2, "on its line");
	is_int(d.items[0].col, 1, "at its column");

	ok(!parse("a: \xc3\x28\n", &d), "invalid UTF-8 fails");
	is_str(first_rule(&d), "yaml/utf8", "as yaml/utf8");
	is_int(d.items[0].col, 4, "at the bad byte");

	ok(!parse("\xef\xbb\xbf"
		  "a: 1\n",
		  &d),
	   "a BOM fails");
	is_str(first_rule(&d), "yaml/bom", "as yaml/bom");

	ok(!parse("", &d), "an empty file fails");
	is_str(first_rule(&d), "yaml/empty", "as yaml/empty");
	ok(!parse("# only a comment\n\n", &d), "a comment-only file fails");
	is_str(first_rule(&d), "yaml/empty", "as yaml/empty too");

	char junk[] = {'a', ':', ' ', 0, 1, 2, '\n'};
	cf_doc *doc = NULL;
	cf_diags_clear(&d);
	ok(cf_doc_parse_yaml(&doc, arena, "f.yaml", junk, sizeof(junk), NULL, &d) < 0,
	   "NUL bytes fail");
	is_str(first_rule(&d), "yaml/binary", "as yaml/binary");

	ok(parse("a: 1\r\nb:\r\n  c: 2\r\n", &d) != NULL && d.len == 0, "CRLF is accepted");

	cf_doc_limits small = {16, 0, 0};
	cf_diags_clear(&d);
	ok(cf_doc_parse_yaml(&doc, arena, "f.yaml", "a: 0123456789abcdef\n", 20, &small, &d) < 0,
	   "a file over the limit fails");
	is_str(first_rule(&d), "yaml/too-large", "as yaml/too-large");
	cf_diags_free(&d);
}

static void test_nesting_and_aliases(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf deep = CF_BUF_INIT;
	for (int i = 0; i < 200; i++)
		cf_buf_puts(&deep, "[");
	for (int i = 0; i < 200; i++)
		cf_buf_puts(&deep, "]");
	ok(!parse(cf_buf_cstr(&deep), &d), "200 levels of nesting fail");
	is_str(first_rule(&d), "yaml/too-deep", "as yaml/too-deep");
	cf_buf_free(&deep);

	cf_doc *doc = parse("base: &b {x: 1}\ncopy: *b\n", &d);
	ok(doc && d.len == 0, "a small alias resolves");
	is_str(cf_node_str(cf_node_path(doc->root, "copy.x")), "1", "to the anchored value");

	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
	ok(!parse(bomb, &d), "an alias bomb is refused");
	is_str(first_rule(&d), "yaml/alias-limit", "as yaml/alias-limit");

	ok(!parse("a: *nowhere\n", &d), "an undefined alias fails");
	is_str(first_rule(&d), "yaml/syntax", "as yaml/syntax");
	cf_diags_free(&d);
}

/* An alias into the collection anchored by its own name (issue 12, F1): the tree would hold a
 * cycle, which check, status and the hooks followed until the stack ran out. */
static void test_alias_cycles(void)
{
	cf_diags d = CF_DIAGS_INIT;
	ok(!parse("a: &a [*a]\n", &d), "an alias inside its own anchor's list fails");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");
	is_int(d.len, 1, "once");
	is_int(d.len ? d.items[0].line : 0, 1, "at the alias's line");
	is_int(d.len ? d.items[0].col : 0, 8, "and column");
	is_str(d.len ? d.items[0].message : NULL,
	       "'*a' is inside the value anchored '&a' (line 1), so it would contain itself",
	       "saying what it refers to");

	/* the pinned schema that made check run for ever */
	ok(!parse("fields: &f {a: {type: map, fields: *f}}\n", &d),
	   "an alias two mappings inside its anchor fails");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");
	is_int(d.len ? d.items[0].col : 0, 36, "at the alias");

	ok(!parse("top: &t\n  list:\n    - x\n    - *t\n", &d), "in block style too");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");
	is_int(d.len ? d.items[0].line : 0, 4, "at the alias's line");
	is_int(d.len ? d.items[0].col : 0, 7, "and column");

	ok(!parse("m: &m {*m : 1}\n", &d), "an alias as a key of its own anchor's mapping fails");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");

	/* YAML: an alias names the latest node with that anchor, which here is the open one */
	ok(!parse("x: &a 1\ny: &a [*a]\n", &d), "a shadowing anchor still open is refused");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");

	/* what is refused is the open node, not the name */
	cf_doc *doc = parse("y: &a [&a x, *a]\n", &d);
	ok(doc && d.len == 0, "an alias to a complete value inside an anchored list resolves");
	const cf_node *y = doc ? cf_node_get(doc->root, "y") : NULL;
	ok(y && y->n == 2 && y->items[1] == y->items[0], "to the inner value, shared");

	doc = parse("base: &b [1, 2]\nlist: [*b, *b]\n", &d);
	ok(doc && d.len == 0, "aliases to a complete sibling resolve");

	const char *md = "---\ncase: 2026-001\nreviewers: &r [*r]\n---\nText.\n";
	cf_diags_clear(&d);
	ok(cf_doc_parse_markdown(&doc, arena, "report.md", md, strlen(md), NULL, &d) < 0,
	   "in front matter too");
	is_str(first_rule(&d), "yaml/alias", "as yaml/alias");
	is_int(d.len ? d.items[0].line : 0, 3, "at a line of the file, fence included");
	is_int(d.len ? d.items[0].col : 0, 16, "and the alias's column");

	ok(cf_rule_find("yaml/alias") != NULL, "casefile explain knows yaml/alias");
	cf_diags_free(&d);
}

/* Nesting is bounded with aliases expanded, so that no recursive walk of a tree goes deeper
 * than the limit: an alias repeats what it names at the depth where it stands. */
static void test_alias_depth(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf y = CF_BUF_INIT;
	cf_buf_puts(&y, "a: &a ");
	for (int i = 0; i < 60; i++)
		cf_buf_putc(&y, '[');
	for (int i = 0; i < 60; i++)
		cf_buf_putc(&y, ']');
	cf_buf_puts(&y, "\nb: [[[[[[[[[[[*a]]]]]]]]]]]\n");
	/* the root, a mapping, is level 1: 'a' nests 61 levels, and *a stands 12 levels deep */
	ok(!parse(cf_buf_cstr(&y), &d), "an alias that nests the tree past 64 levels fails");
	is_str(first_rule(&d), "yaml/too-deep", "as yaml/too-deep");
	is_int(d.len ? d.items[0].line : 0, 2, "at the alias's line");
	is_int(d.len ? d.items[0].col : 0, 15, "and column");
	is_str(d.len ? d.items[0].message : NULL,
	       "nesting deeper than 64 levels ('*a' repeats 60 levels here, 12 deep)",
	       "saying how deep");

	cf_buf_clear(&y);
	cf_buf_puts(&y, "a: &a ");
	for (int i = 0; i < 60; i++)
		cf_buf_putc(&y, '[');
	for (int i = 0; i < 60; i++)
		cf_buf_putc(&y, ']');
	cf_buf_puts(&y, "\nb: [[[*a]]]\n");
	ok(parse(cf_buf_cstr(&y), &d) && d.len == 0, "one that stays within 64 levels resolves");
	cf_buf_free(&y);
	cf_diags_free(&d);
}

/* Empty collections: nothing to gather, and no arithmetic on the pointers of nothing (issue
 * 12, F3: UBSan's "applying zero offset to null pointer" under SANITIZE=undefined). */
static void test_empty_collections(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = parse("{}\n", &d);
	ok(doc && doc->root && doc->root->kind == CF_NODE_MAP && doc->root->n == 0 && d.len == 0,
	   "{} is an empty mapping");
	doc = parse("[]\n", &d);
	ok(doc && doc->root && doc->root->kind == CF_NODE_SEQ && doc->root->n == 0 && d.len == 0,
	   "[] is an empty list");
	doc = parse("a: {}\nb: []\nc: [{}, []]\n", &d);
	const cf_node *c = doc ? cf_node_get(doc->root, "c") : NULL;
	ok(c && c->n == 2 && c->items[0]->n == 0 && c->items[1]->n == 0 && d.len == 0,
	   "empty collections inside others");
	cf_diags_free(&d);
}

static void test_markdown(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	const char *md = "---\ncase: 2026-001\nstatus: draft\n---\n# Overview\n\nText.\n";
	ok(cf_doc_parse_markdown(&doc, arena, "report.md", md, strlen(md), NULL, &d) == 0,
	   "front matter parses");
	const cf_node *st = cf_node_get(doc->root, "status");
	is_int(st->line, 3, "front matter lines count the fence");
	is_int(doc->body_line, 5, "the body starts after the closing fence");
	ok(strncmp(doc->body, "# Overview", 10) == 0, "body text");

	const char *open = "---\ncase: 2026-001\n# Overview\n";
	cf_diags_clear(&d);
	ok(cf_doc_parse_markdown(&doc, arena, "report.md", open, strlen(open), NULL, &d) < 0,
	   "unclosed front matter fails");
	is_str(first_rule(&d), "yaml/front-matter", "as yaml/front-matter");

	const char *bad = "---\ncase: [\n---\nText\n";
	cf_diags_clear(&d);
	ok(cf_doc_parse_markdown(&doc, arena, "report.md", bad, strlen(bad), NULL, &d) < 0,
	   "broken front matter fails");
	is_int(d.len ? d.items[0].line : 0, 3, "at a line of the file, fence included");

	const char *plain = "# Notes\n\nNo front matter.\n";
	cf_diags_clear(&d);
	ok(cf_doc_parse_markdown(&doc, arena, "n.md", plain, strlen(plain), NULL, &d) == 0 &&
	       doc->root == NULL && doc->body_line == 1,
	   "a file without front matter is all body");
	cf_diags_free(&d);
}

int main(void)
{
	if (cf_init() < 0 || cf_arena_new(&arena, 1) < 0)
		return 1;
	test_positions();
	test_scalars();
	test_errors();
	test_nesting_and_aliases();
	test_alias_cycles();
	test_alias_depth();
	test_empty_collections();
	test_markdown();
	cf_arena_free(arena);
	return tap_done();
}
