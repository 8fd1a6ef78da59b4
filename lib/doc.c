#include "doc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamlfast.h"

#define DEFAULT_MAX_BYTES CF_DOC_MAX_BYTES_DEFAULT
#define DEFAULT_MAX_DEPTH 64
#define DEFAULT_MAX_ALIAS_NODES 10000

/* One open collection while events arrive: its node and the children gathered so far. */
typedef struct frame {
	cf_node *node;
	size_t base; /* where its children start in the builder's kids stack */
	size_t n;    /* for a map: key, value, key, value ... */
} frame;

typedef struct anchor {
	char *name;
	cf_node *node;
} anchor;

typedef struct builder {
	cf_arena *arena;
	cf_diags *diags;
	const char *name;
	const char *data;
	size_t len;
	unsigned line_offset;
	const cf_doc_limits *lim;
	frame *stack;
	cf_node **kids; /* the children of every open collection, innermost last */
	size_t n_kids, cap_kids;
	size_t depth, stack_cap;
	anchor *anchors;
	size_t n_anchors, anchors_cap;
	size_t alias_nodes;
	cf_node *root;
	int failed;
} builder;

static void fail(builder *b, unsigned line, unsigned col, const char *rule, const char *msg,
		 const char *hint)
{
	cf_diag *d = cf_diags_add(b->diags, CF_SEV_ERROR, b->name, line, col, rule, "%s", msg);
	if (hint)
		cf_diag_hint(b->diags, d, "%s", hint);
	b->failed = 1;
}

static unsigned mark_line(const builder *b, yaml_mark_t m)
{
	return (unsigned)m.line + 1 + b->line_offset;
}

static unsigned mark_col(yaml_mark_t m)
{
	return (unsigned)m.column + 1;
}

static size_t add_sat(size_t a, size_t b)
{
	return a > (size_t)-1 - b ? (size_t)-1 : a + b;
}

/* ---- checks made before libyaml sees the bytes ------------------------------------------ */

/* Length of the UTF-8 sequence at p, or 0 when it is not valid (overlongs, surrogates and
 * code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	unsigned cp = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int is_bad_control(unsigned c)
{
	return c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* The offset of the first byte that is not UTF-8 text, or len.  Printable ASCII, the bulk of
 * every case file, takes one comparison a byte. */
static size_t first_bad_byte(const unsigned char *p, size_t len, int *utf8)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c < 0x80) {
			if (is_bad_control(c)) {
				*utf8 = 0;
				return i;
			}
			i++;
			continue;
		}
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0) {
			*utf8 = 1;
			return i;
		}
		i += n;
	}
	return len;
}

/* Refuses bytes that are not UTF-8 text, naming the line and column of the first.  The
 * position is worked out only when there is something to report. */
static int check_text(builder *b)
{
	const unsigned char *p = (const unsigned char *)b->data;
	int utf8 = 0;
	size_t bad = first_bad_byte(p, b->len, &utf8);
	if (bad == b->len)
		return 0;
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < bad;) {
		if (p[i] == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		size_t n = p[i] < 0x80 ? 1 : utf8_seq(p + i, b->len - i);
		i += n ? n : 1;
		col++;
	}
	if (utf8)
		fail(b, line + b->line_offset, col, "yaml/utf8", "the file is not valid UTF-8",
		     "save the file as UTF-8 (most editors have an 'encoding' choice)");
	else
		fail(b, line + b->line_offset, col, "yaml/binary",
		     "the file holds a control byte (not text)",
		     "case files are UTF-8 text; was a binary file saved under this name?");
	return -1;
}

/* When libyaml fails on a line indented with a tab, say so: YAML indents with spaces only,
 * and libyaml's own message ("found character that cannot start any token") hides that. */
static int report_tab(builder *b, unsigned err_line)
{
	unsigned line = 1;
	const char *p = b->data, *end = b->data + b->len;
	while (p < end && line <= err_line) {
		const char *s = p;
		while (s < end && *s == ' ')
			s++;
		if (s < end && *s == '\t') {
			fail(b, line + b->line_offset, (unsigned)(s - p) + 1, "yaml/tab",
			     "a tab is used for indentation",
			     "YAML indents with spaces only: replace the tab with spaces");
			return 1;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
	return 0;
}

/* ---- building the tree ------------------------------------------------------------------ */

/* A node at libyaml's mark (line and column from 0). */
static cf_node *node_new(builder *b, cf_node_kind kind, size_t line, size_t col)
{
	cf_node *n = cf_arena_alloc(b->arena, sizeof(*n));
	if (!n) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)line + 1 + b->line_offset;
	n->col = (unsigned)col + 1;
	n->weight = 1;
	n->height = kind == CF_NODE_SCALAR ? 0 : 1;
	return n;
}

static int frame_push_kid(builder *b, frame *f, cf_node *kid)
{
	/* One stack for all open collections: a child's children are popped before the
	 * child itself is pushed, so no collection needs an array of its own. */
	if (b->n_kids == b->cap_kids) {
		size_t cap = b->cap_kids ? b->cap_kids * 2 : 64;
		cf_node **k = realloc(b->kids, cap * sizeof(*k));
		if (!k) {
			fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
			return -1;
		}
		b->kids = k;
		b->cap_kids = cap;
	}
	b->kids[b->n_kids++] = kid;
	f->n++;
	f->node->weight = add_sat(f->node->weight, kid->weight);
	if (kid->height >= f->node->height)
		f->node->height = kid->height + 1;
	return 0;
}

static int add_anchor(builder *b, const char *name, cf_node *node)
{
	if (b->n_anchors == b->anchors_cap) {
		size_t cap = b->anchors_cap ? b->anchors_cap * 2 : 8;
		anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (!a)
			return -1;
		b->anchors = a;
		b->anchors_cap = cap;
	}
	char *copy = cf_strdup(name);
	if (!copy)
		return -1;
	/* A later anchor of the same name shadows the earlier one, as YAML says. */
	b->anchors[b->n_anchors].name = copy;
	b->anchors[b->n_anchors].node = node;
	b->n_anchors++;
	return 0;
}

static cf_node *find_anchor(const builder *b, const char *name)
{
	for (size_t i = b->n_anchors; i-- > 0;)
		if (strcmp(b->anchors[i].name, name) == 0)
			return b->anchors[i].node;
	return NULL;
}

/* Attaches a finished node to its parent (or makes it the root), checking map keys. */
static int attach(builder *b, cf_node *node)
{
	if (b->depth == 0) {
		b->root = node;
		return 0;
	}
	frame *parent = &b->stack[b->depth - 1];
	if (parent->node->kind == CF_NODE_MAP && parent->n % 2 == 0 &&
	    node->kind != CF_NODE_SCALAR) {
		fail(b, node->line, node->col, "yaml/syntax",
		     "a key must be a plain value, not a list or a mapping", NULL);
		return -1;
	}
	return frame_push_kid(b, parent, node);
}

static int key_cmp(const void *pa, const void *pb)
{
	const cf_node *a = *(cf_node *const *)pa, *b = *(cf_node *const *)pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->str, b->str, n);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	/* equal keys: earlier in the file first, so the later one is reported */
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : (a->col > b->col);
}

static int same_key(const cf_node *a, const cf_node *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

static void report_duplicate(builder *b, const cf_node *first, const cf_node *dup)
{
	cf_diag *d = cf_diags_add(b->diags, CF_SEV_ERROR, b->name, dup->line, dup->col,
				  "yaml/duplicate-key", "duplicate key '%s'", dup->str);
	cf_diag_hint(b->diags, d, "'%s' is already set at line %u; YAML keeps only one of them",
		     dup->str, first->line);
}

/* libyaml accepts a key twice and a naive reader keeps the last value: a reviewer's first
 * entry would silently vanish.  Small maps are checked pairwise; large ones by sorting. */
static int check_duplicates(builder *b, cf_node *map)
{
	size_t n = map->n;
	if (n < 2)
		return 0;
	if (n <= 32) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (same_key(map->pairs[i].key, map->pairs[j].key)) {
					report_duplicate(b, map->pairs[j].key, map->pairs[i].key);
					break;
				}
		return 0;
	}
	cf_node **keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -1;
	for (size_t i = 0; i < n; i++)
		keys[i] = map->pairs[i].key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++) {
		size_t j = i;
		while (j > 0 && same_key(keys[j - 1], keys[i]))
			j--;
		if (j < i)
			report_duplicate(b, keys[j], keys[i]);
	}
	free(keys);
	return 0;
}

static int close_collection(builder *b)
{
	frame *f = &b->stack[--b->depth];
	cf_node *node = f->node;
	/* b->kids is NULL until a first child arrives: no pointer arithmetic on it before */
	cf_node **kids = f->n ? b->kids + f->base : NULL;
	int rc = 0;
	if (node->kind == CF_NODE_MAP) {
		node->n = f->n / 2;
		if (node->n) {
			node->pairs = cf_arena_alloc(b->arena, node->n * sizeof(cf_pair));
			if (!node->pairs)
				rc = -1;
			for (size_t i = 0; rc == 0 && i < node->n; i++) {
				node->pairs[i].key = kids[2 * i];
				node->pairs[i].val = kids[2 * i + 1];
			}
			if (rc == 0)
				rc = check_duplicates(b, node);
		}
	} else {
		node->n = f->n;
		if (node->n) {
			node->items = cf_arena_alloc(b->arena, node->n * sizeof(cf_node *));
			if (node->items)
				memcpy(node->items, kids, node->n * sizeof(cf_node *));
			else
				rc = -1;
		}
	}
	b->n_kids = f->base;
	if (rc < 0) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return -1;
	}
	return attach(b, node);
}

static int open_collection(builder *b, cf_node *node, const char *anchor_name)
{
	if (b->depth >= b->lim->max_depth) {
		cf_diag *d = cf_diags_add(b->diags, CF_SEV_ERROR, b->name, node->line, node->col,
					  "yaml/too-deep", "nesting deeper than %u levels",
					  b->lim->max_depth);
		cf_diag_hint(b->diags, d,
			     "case files nest a few levels at most; is this the right file?");
		b->failed = 1;
		return -1;
	}
	if (b->depth == b->stack_cap) {
		size_t cap = b->stack_cap ? b->stack_cap * 2 : 16;
		frame *s = realloc(b->stack, cap * sizeof(*s));
		if (!s) {
			fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
			return -1;
		}
		b->stack = s;
		b->stack_cap = cap;
	}
	frame *f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->base = b->n_kids;
	/* The anchor is registered when the collection opens, as YAML orders it (the anchor
	 * comes before the content), so that an alias inside the collection to it finds it --
	 * and on_alias refuses it (yaml/alias) rather than make the node its own child. */
	if (anchor_name && add_anchor(b, (const char *)anchor_name, node) < 0) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return -1;
	}
	return 0;
}

/* A scalar at libyaml's mark (line, col): its value (len bytes), style and anchor. */
static int on_scalar(builder *b, size_t line, size_t col, const char *value, size_t len, int plain,
		     const char *anchor_name)
{
	cf_node *n = node_new(b, CF_NODE_SCALAR, line, col);
	if (!n)
		return -1;
	n->len = len;
	n->str = cf_arena_strndup(b->arena, value, n->len);
	if (!n->str) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return -1;
	}
	n->plain = plain;
	/* The raw bytes were checked, but a quoted scalar can write control characters as
	 * escapes ("\0", "\e"): a NUL would cut the value short for every check that reads it
	 * ("notification\0 and more" read as "notification"), an ESC would reach a terminal. */
	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->str[i];
		if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
			cf_diag *d = cf_diags_add(
			    b->diags, CF_SEV_ERROR, b->name, n->line, n->col, "yaml/binary",
			    "a value holds a control character (written as an "
			    "escape)");
			cf_diag_hint(b->diags, d, "remove the escape sequence from the value");
			b->failed = 1;
			return -1;
		}
	}
	if (anchor_name && add_anchor(b, anchor_name, n) < 0) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return -1;
	}
	return attach(b, n);
}

static int on_alias(builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	cf_node *target = find_anchor(b, name);
	if (!target) {
		cf_diag *d =
		    cf_diags_add(b->diags, CF_SEV_ERROR, b->name, mark_line(b, ev->start_mark),
				 mark_col(ev->start_mark), "yaml/syntax",
				 "'*%s' refers to no anchor '&%s' above it", name, name);
		(void)d;
		b->failed = 1;
		return -1;
	}
	/* An alias to a collection still open (the alias is inside it) would make the node its
	 * own descendant: a cycle, which every walk of the tree would follow for ever. */
	for (size_t i = 0; i < b->depth; i++) {
		if (b->stack[i].node != target)
			continue;
		cf_diag *d = cf_diags_add(
		    b->diags, CF_SEV_ERROR, b->name, mark_line(b, ev->start_mark),
		    mark_col(ev->start_mark), "yaml/alias",
		    "'*%s' is inside the value anchored '&%s' (line %u), so it would contain "
		    "itself",
		    name, name, target->line);
		cf_diag_hint(b->diags, d,
			     "an alias repeats a value that is complete before it; write the inner "
			     "value out instead of '*%s'",
			     name);
		b->failed = 1;
		return -1;
	}
	/* What the alias repeats nests under the alias's place: the tree, aliases expanded,
	 * stays within the depth limit, so that no walk of it recurses deeper. */
	if (b->depth + target->height > b->lim->max_depth) {
		cf_diag *d = cf_diags_add(
		    b->diags, CF_SEV_ERROR, b->name, mark_line(b, ev->start_mark),
		    mark_col(ev->start_mark), "yaml/too-deep",
		    "nesting deeper than %u levels ('*%s' repeats %u levels here, %zu deep)",
		    b->lim->max_depth, name, target->height, b->depth);
		cf_diag_hint(b->diags, d,
			     "case files nest a few levels at most; is this the right file?");
		b->failed = 1;
		return -1;
	}
	b->alias_nodes = add_sat(b->alias_nodes, target->weight);
	if (b->alias_nodes > b->lim->max_alias_nodes) {
		cf_diag *d =
		    cf_diags_add(b->diags, CF_SEV_ERROR, b->name, mark_line(b, ev->start_mark),
				 mark_col(ev->start_mark), "yaml/alias-limit",
				 "aliases expand to more than %zu nodes", b->lim->max_alias_nodes);
		cf_diag_hint(b->diags, d,
			     "write the values out instead of repeating them with '*%s'", name);
		b->failed = 1;
		return -1;
	}
	if (b->depth > 0) {
		frame *parent = &b->stack[b->depth - 1];
		if (parent->node->kind == CF_NODE_MAP && parent->n % 2 == 0 &&
		    target->kind != CF_NODE_SCALAR) {
			fail(b, mark_line(b, ev->start_mark), mark_col(ev->start_mark),
			     "yaml/syntax", "a key must be a plain value, not a list or a mapping",
			     NULL);
			return -1;
		}
	}
	/* The tree shares the anchored node, which is complete; nothing walks it mutably. */
	return attach(b, target);
}

static void report_libyaml_error(builder *b, const yaml_parser_t *p)
{
	/* "while scanning a quoted scalar / simple key": the token began at context_mark, and
	 * that is where the mistake is (an unclosed quote, a key without ':'); problem_mark is
	 * where libyaml gave up, often lines later.  Other contexts ("while parsing a block
	 * mapping") point at the start of the mapping, so the problem mark is better there. */
	yaml_mark_t m = p->problem_mark;
	int scanning = p->context && strncmp(p->context, "while scanning", 14) == 0;
	if (report_tab(b, mark_line(b, p->problem_mark) - b->line_offset))
		return;
	if (scanning)
		m = p->context_mark;
	unsigned line = mark_line(b, m);
	cf_buf msg = CF_BUF_INIT;
	cf_buf_puts(&msg, p->problem ? p->problem : "the YAML cannot be read");
	if (p->context)
		cf_buf_printf(&msg, " (%s)", p->context);
	const char *hint = "check the indentation and the ':' after each key on this line and "
			   "the one above";
	if (p->context && strstr(p->context, "quoted scalar"))
		hint = "the quote opened here is never closed: add the closing quote";
	else if (p->context && strstr(p->context, "simple key"))
		hint = "a key needs ':' after it (key: value)";
	cf_diag *d = cf_diags_add(b->diags, CF_SEV_ERROR, b->name, line, mark_col(m), "yaml/syntax",
				  "%s", cf_buf_cstr(&msg));
	cf_diag_hint(b->diags, d, "%s", hint);
	cf_buf_free(&msg);
	b->failed = 1;
}

/* Reads the text with lib/yamlfast when it is in the part of YAML that module reads: 0 when
 * read (b->failed tells whether the tree was built), 1 when libyaml must read it. */
static int run_fast_reader(builder *b)
{
	cf_yevs evs = CF_YEVS_INIT;
	int rc = cf_yamlfast_parse(&evs, b->data, b->len, b->arena);
	if (rc < 0)
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
	for (size_t i = 0; rc == 0 && i < evs.n && !b->failed; i++) {
		const cf_yev *e = &evs.items[i];
		switch (e->kind) {
		case CF_YEV_SCALAR:
			on_scalar(b, e->line, e->col, e->str, e->len, e->style == CF_YSTYLE_PLAIN,
				  NULL);
			break;
		case CF_YEV_SEQ_START:
		case CF_YEV_MAP_START: {
			cf_node *n =
			    node_new(b, e->kind == CF_YEV_MAP_START ? CF_NODE_MAP : CF_NODE_SEQ,
				     e->line, e->col);
			if (n)
				open_collection(b, n, NULL);
			break;
		}
		default:
			close_collection(b);
			break;
		}
	}
	cf_yevs_free(&evs);
	return rc > 0 ? 1 : 0;
}

static int run_parser(builder *b)
{
	if (run_fast_reader(b) == 0)
		return b->failed ? -1 : 0;
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		fail(b, 0, 0, "yaml/syntax", "out of memory", NULL);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)b->data, b->len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	int documents = 0, done = 0;
	while (!done && !b->failed) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			report_libyaml_error(b, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				cf_diag *d = cf_diags_add(
				    b->diags, CF_SEV_ERROR, b->name, mark_line(b, ev.start_mark),
				    mark_col(ev.start_mark), "yaml/multiple-documents",
				    "a second YAML document starts here");
				cf_diag_hint(
				    b->diags, d,
				    "a case file holds one document: remove this '---' line "
				    "or move what follows into its own file");
				b->failed = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(b, ev.start_mark.line, ev.start_mark.column,
				  (const char *)ev.data.scalar.value, ev.data.scalar.length,
				  ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
				  (const char *)ev.data.scalar.anchor);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int is_map = ev.type == YAML_MAPPING_START_EVENT;
			cf_node *n = node_new(b, is_map ? CF_NODE_MAP : CF_NODE_SEQ,
					      ev.start_mark.line, ev.start_mark.column);
			if (n)
				open_collection(
				    b, n,
				    (const char *)(is_map ? ev.data.mapping_start.anchor
							  : ev.data.sequence_start.anchor));
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			close_collection(b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return b->failed ? -1 : 0;
}

static void builder_release(builder *b)
{
	free(b->kids);
	free(b->stack);
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
}

static int is_blank_or_comments(const char *s, size_t len)
{
	int in_comment = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\n')
			in_comment = 0;
		else if (c == '#')
			in_comment = 1;
		else if (!in_comment && c != ' ' && c != '\t' && c != '\r')
			return 0;
	}
	return 1;
}

static int parse_yaml_part(cf_doc *doc, cf_arena *arena, const char *name, const char *data,
			   size_t len, unsigned line_offset, const cf_doc_limits *lim,
			   cf_diags *diags)
{
	builder b;
	memset(&b, 0, sizeof(b));
	b.arena = arena;
	b.diags = diags;
	b.name = name;
	b.data = data;
	b.len = len;
	b.line_offset = line_offset;
	b.lim = lim;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, name, 1 + line_offset, 1, "yaml/bom",
					  "the file starts with a byte-order mark");
		cf_diag_hint(diags, d, "save the file as UTF-8 without a BOM");
		b.data += 3;
		b.len -= 3;
		b.failed = 1; /* keep reading, so every other problem is reported too */
	}
	int had_bom = b.failed;
	b.failed = 0;
	if (check_text(&b) < 0)
		return -1;
	int rc = run_parser(&b);
	builder_release(&b);
	if (rc < 0)
		return -1;
	doc->root = b.root;
	return had_bom ? -1 : 0;
}

static cf_doc_limits effective_limits(const cf_doc_limits *lim)
{
	cf_doc_limits l = {DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ALIAS_NODES};
	if (lim) {
		if (lim->max_bytes)
			l.max_bytes = lim->max_bytes;
		if (lim->max_depth)
			l.max_depth = lim->max_depth;
		if (lim->max_alias_nodes)
			l.max_alias_nodes = lim->max_alias_nodes;
	}
	return l;
}

void cf_doc_report_too_large(cf_diags *diags, const char *name, size_t size, size_t max)
{
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, name, 0, 0, "yaml/too-large",
				  "the file is %.1f MiB, over the limit of %.1f MiB",
				  (double)size / (1024 * 1024), (double)max / (1024 * 1024));
	cf_diag_hint(diags, d, "case files are small text files; attachments belong elsewhere");
}

static int start_doc(cf_doc **out, cf_arena *arena, const char *name, size_t len,
		     const cf_doc_limits *lim, cf_diags *diags)
{
	*out = NULL;
	if (len > lim->max_bytes) {
		cf_doc_report_too_large(diags, name, len, lim->max_bytes);
		return -1;
	}
	cf_doc *doc = cf_arena_alloc(arena, sizeof(*doc));
	if (!doc || !(doc->name = cf_arena_strdup(arena, name))) {
		cf_diags_add(diags, CF_SEV_ERROR, name, 0, 0, "yaml/syntax", "out of memory");
		return -1;
	}
	*out = doc;
	return 0;
}

int cf_doc_parse_yaml(cf_doc **out, cf_arena *arena, const char *name, const char *data, size_t len,
		      const cf_doc_limits *limits, cf_diags *diags)
{
	cf_doc_limits lim = effective_limits(limits);
	cf_doc *doc;
	*out = NULL;
	if (start_doc(&doc, arena, name, len, &lim, diags) < 0)
		return -1;
	if (is_blank_or_comments(data, len)) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, name, 0, 0, "yaml/empty",
					  "the file is empty");
		cf_diag_hint(diags, d, "fill it in (casefile new writes templates of every file)");
		return -1;
	}
	if (parse_yaml_part(doc, arena, name, data, len, 0, &lim, diags) < 0)
		return -1;
	*out = doc;
	return 0;
}

/* The length of the line at p without its end-of-line (\n or \r\n). */
static size_t line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl ? nl : end;
	*next = nl ? nl + 1 : end;
	if (e > p && e[-1] == '\r')
		e--;
	return (size_t)(e - p);
}

static int is_fence(const char *p, size_t n, int closing)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return (n == 3 && memcmp(p, "---", 3) == 0) ||
	       (closing && n == 3 && memcmp(p, "...", 3) == 0);
}

int cf_doc_parse_markdown(cf_doc **out, cf_arena *arena, const char *name, const char *data,
			  size_t len, const cf_doc_limits *limits, cf_diags *diags)
{
	cf_doc_limits lim = effective_limits(limits);
	cf_doc *doc;
	*out = NULL;
	if (start_doc(&doc, arena, name, len, &lim, diags) < 0)
		return -1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		/* Reported, and read past, so the front matter behind it is still found. */
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, name, 1, 1, "yaml/bom",
					  "the file starts with a byte-order mark");
		cf_diag_hint(diags, d, "save the file as UTF-8 without a BOM");
		cf_doc *rest;
		cf_doc_parse_markdown(&rest, arena, name, data + 3, len - 3, limits, diags);
		return -1;
	}
	const char *end = data + len, *next;
	size_t n = line_len(data, end, &next);
	if (!is_fence(data, n, 0)) {
		/* No front matter: the whole file is the body (the schema says whether that is
		 * allowed).  It must still be text. */
		builder b;
		memset(&b, 0, sizeof(b));
		b.diags = diags;
		b.name = name;
		b.data = data;
		b.len = len;
		if (check_text(&b) < 0)
			return -1;
		doc->body = data;
		doc->body_len = len;
		doc->body_line = 1;
		*out = doc;
		return 0;
	}
	const char *yaml_start = next, *p = next;
	unsigned line = 2;
	while (p < end) {
		const char *after;
		size_t ln = line_len(p, end, &after);
		if (is_fence(p, ln, 1)) {
			if (p == yaml_start) {
				cf_diag *d =
				    cf_diags_add(diags, CF_SEV_ERROR, name, 1, 1, "yaml/empty",
						 "the front matter is empty");
				cf_diag_hint(diags, d,
					     "put the report's details between the '---' lines");
				return -1;
			}
			if (parse_yaml_part(doc, arena, name, yaml_start, (size_t)(p - yaml_start),
					    1, &lim, diags) < 0)
				return -1;
			doc->body = after;
			doc->body_len = (size_t)(end - after);
			doc->body_line = line + 1;
			builder b;
			memset(&b, 0, sizeof(b));
			b.diags = diags;
			b.name = name;
			b.data = after;
			b.len = doc->body_len;
			b.line_offset = line;
			if (check_text(&b) < 0)
				return -1;
			*out = doc;
			return 0;
		}
		p = after;
		line++;
	}
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, name, 1, 1, "yaml/front-matter",
				  "the front matter opened here is never closed");
	cf_diag_hint(diags, d, "end the front matter with a line '---' before the report text");
	return -1;
}

/* ---- reading the tree ------------------------------------------------------------------- */

/* The pair of map whose key is the klen bytes at key. */
static const cf_pair *get_pair_n(const cf_node *map, const char *key, size_t klen)
{
	if (!map || map->kind != CF_NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const cf_node *k = map->pairs[i].key;
		if (k->len == klen && memcmp(k->str, key, klen) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

const cf_pair *cf_node_get_pair(const cf_node *map, const char *key)
{
	return get_pair_n(map, key, strlen(key));
}

const cf_node *cf_node_get(const cf_node *map, const char *key)
{
	const cf_pair *p = cf_node_get_pair(map, key);
	return p ? p->val : NULL;
}

const cf_node *cf_node_path(const cf_node *root, const char *path)
{
	const cf_node *n = root;
	while (n && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		const cf_pair *p = get_pair_n(n, path, len);
		n = p ? p->val : NULL;
		path += len + (dot ? 1 : 0);
	}
	return n;
}

int cf_node_is_null(const cf_node *n)
{
	if (!n || n->kind != CF_NODE_SCALAR || !n->plain)
		return 0;
	/* every value read goes through here: tell by length before comparing */
	switch (n->len) {
	case 0:
		return 1;
	case 1:
		return n->str[0] == '~';
	case 4:
		return memcmp(n->str, "null", 4) == 0 || memcmp(n->str, "Null", 4) == 0 ||
		       memcmp(n->str, "NULL", 4) == 0;
	default:
		return 0;
	}
}

int cf_node_is_empty(const cf_node *n)
{
	return !n || cf_node_is_null(n);
}

const char *cf_node_str(const cf_node *n)
{
	if (!n || n->kind != CF_NODE_SCALAR || cf_node_is_null(n))
		return NULL;
	return n->str;
}

int cf_node_bool(const cf_node *n, int *out)
{
	if (!n || n->kind != CF_NODE_SCALAR || !n->plain)
		return -1;
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	for (int i = 0; i < 3; i++) {
		if (strcmp(n->str, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(n->str, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int cf_node_int(const cf_node *n, long long *out)
{
	if (!n || n->kind != CF_NODE_SCALAR || !n->plain || n->len == 0 || n->len > 18)
		return -1;
	const char *s = n->str;
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	long long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* ---- rules ------------------------------------------------------------------------------ */

#define YAML_SRC "YAML 1.2 (yaml.org/spec/1.2.2); DESIGN.md §5"

const cf_rule_info cf_doc_rules[] = {
    {"yaml/syntax", "the file cannot be read as YAML",
     "The file follows YAML's syntax: `key: value` lines, nested by indenting with spaces, "
     "lists with `- `. The position is where the parser gave up; the mistake is often on "
     "that line or the one above it.",
     "A file that cannot be read cannot be checked at all: none of its deadlines or consent "
     "records would count.",
     "Look at the line and the one before it: a missing ':' after a key, a value that "
     "starts with a character YAML reserves (quote it: \"@home\"), an unclosed quote or "
     "bracket, or indentation that does not line up.",
     YAML_SRC},
    {"yaml/duplicate-key", "the same key twice in one mapping",
     "No key appears twice in the same mapping.",
     "YAML readers keep only one of the two values, silently. A reviewer who adds a second "
     "`reviewer:` block, or pastes a date twice, would lose one of them without a word.",
     "Keep the key once, with the value that is right; merge the two if both hold something.",
     YAML_SRC},
    {"yaml/multiple-documents", "more than one YAML document in a file",
     "A case file holds one YAML document; a `---` line in the middle starts a second one.",
     "Everything after the second `---` would be ignored by the reader.",
     "Remove the `---` line, or move what follows it into a file of its own.", YAML_SRC},
    {"yaml/alias-limit", "aliases that expand too far",
     "Anchors (`&a`) and aliases (`*a`) may repeat a value, but what they expand to is "
     "bounded (10,000 nodes).",
     "A few lines of aliases can expand to billions of nodes (the 'billion laughs'); a "
     "bound keeps a hostile or broken file from stopping the commit hook.",
     "Write the repeated values out.", YAML_SRC},
    {"yaml/alias", "an alias inside the value it repeats",
     "An alias (`*a`) repeats a value anchored (`&a`) before it, and that value is complete "
     "where the alias stands: an alias is never inside the list or mapping it names, as in "
     "`a: &a [*a]`.",
     "Such an alias makes a value that contains itself, without end. Every reader that walks "
     "it -- the checks, the status page, the commit hook -- would loop or crash, for everyone "
     "who opens the repository.",
     "Write the inner value out, or anchor a value that ends before the alias.",
     "YAML 1.2 (yaml.org/spec/1.2.2) §3.2.2.2 \"Anchors and Aliases\", §7.1 \"Alias "
     "Nodes\""},
    {"yaml/bom", "a byte-order mark at the start of the file",
     "The file does not start with the bytes EF BB BF (a UTF-8 byte-order mark).",
     "Some editors add it invisibly; other tools then read the first key with three extra "
     "bytes and miss it.",
     "Save the file as 'UTF-8' rather than 'UTF-8 with BOM'.", YAML_SRC},
    {"yaml/tab", "a tab used for indentation", "Lines are indented with spaces only.",
     "YAML forbids tabs in indentation; editors show them at different widths, so the "
     "nesting the reviewer sees is not the nesting the file has.",
     "Replace the tab with spaces (most editors: 'convert indentation to spaces').", YAML_SRC},
    {"yaml/utf8", "the file is not valid UTF-8", "Case files are UTF-8 text.",
     "A file saved in another encoding (Windows-1252, Latin-1) shows names with accents as "
     "garbage, and a name that is garbled cannot be found by the identifier scan.",
     "Re-save the file as UTF-8 in your editor.", YAML_SRC},
    {"yaml/binary", "the file holds control bytes",
     "Case files are text: no NUL or other control bytes besides tab, line feed and "
     "carriage return.",
     "A binary file saved under a case file's name (a document, a picture) is not a record "
     "the tool can check, and would be committed unread.",
     "Put the text back; attachments do not belong in the case directory.", YAML_SRC},
    {"yaml/empty", "an empty file", "A case file holds at least one field.",
     "An empty file looks like a record that exists but says nothing; it hides that the "
     "record is missing.",
     "Fill the file in (`casefile new` writes commented templates), or delete it.", "DESIGN.md §5"},
    {"yaml/too-large", "a file over the size limit", "Each case file is at most 1 MiB.",
     "Case files are short records; a huge one is an attachment or a mistake, and reading "
     "it would slow the commit hook for everyone.",
     "Keep attachments outside the case repository; split a long report's appendices.",
     "DESIGN.md §1 (the hook is fast)"},
    {"yaml/too-deep", "nesting too deep",
     "Mappings and lists nest at most 64 levels, counting what aliases (`*a`) repeat at the "
     "level where they stand.",
     "Case files nest a few levels; a deeper file is broken or hostile, and would cost the "
     "hook time and memory.",
     "Check the indentation: a block indented one step too far nests under the line above.",
     YAML_SRC},
    {"yaml/front-matter", "a report's front matter is not closed",
     "A Markdown file that starts with a `---` line closes its front matter with another "
     "`---` line.",
     "Without the closing line the whole report would be read as front matter.",
     "Add a `---` line after the report's details, before its text.", "CASE-FORMAT.md, report.md"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
