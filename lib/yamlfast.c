#include "yamlfast.h"

#include <stdlib.h>
#include <string.h>

/* Results of the readers below: read, outside what this module reads, out of memory. */
#define READ 0
#define OUTSIDE 1
#define NOMEM (-1)
#define MORE 2 /* next_entry: another entry of the same collection follows */

/* Nesting deeper than this is left to libyaml (and to the depth limit of lib/doc). */
#define MAX_DEPTH 48
/* libyaml finds the ':' of a key at most 1024 characters after the key's start. */
#define MAX_KEY_BYTES 1000

typedef struct reader {
	const char *d; /* the input: it ends with '\n' and holds no NUL (see text_in_subset) */
	size_t len;
	size_t pos;    /* the start of the current line */
	unsigned line; /* its number, from 0 */
	unsigned depth;
	cf_yevs *out;
	cf_arena *arena;
} reader;

/* ---- the text ---------------------------------------------------------------------------- */

/* The code point of the UTF-8 sequence at p (at most avail bytes) and its length in *n; -1
 * when it is not well formed (overlong, surrogate, past U+10FFFF, cut short). */
static long utf8_decode(const unsigned char *p, size_t avail, size_t *n)
{
	unsigned c = p[0];
	size_t k;
	long cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (avail < k)
		return -1;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*n = k;
	return cp;
}

/* Whether the whole text is of the kind this reader takes: it ends with a line break; its
 * only control character is '\n' (no tab, no CR); every other character is one libyaml
 * prints (so not C1 controls, U+FEFF or U+FFFE/F) and no other line break (NEL, U+2028/9);
 * and no line starts a document marker ("---", "..."). */
static int text_in_subset(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	if (len == 0 || p[len - 1] != '\n')
		return 0;
	for (size_t i = 0; i < len;) {
		if (i == 0 || p[i - 1] == '\n') {
			if (len - i >= 3 &&
			    (memcmp(p + i, "---", 3) == 0 || memcmp(p + i, "...", 3) == 0))
				return 0;
		}
		unsigned c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		size_t n = 0;
		long cp = utf8_decode(p + i, len - i, &n);
		if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe ||
		    cp == 0xffff)
			return 0;
		i += n;
	}
	return 1;
}

/* ---- lines --------------------------------------------------------------------------------- */

static size_t line_end(const reader *r, size_t off)
{
	const char *nl = memchr(r->d + off, '\n', r->len - off);
	return (size_t)(nl - r->d);
}

static size_t spaces_at(const reader *r, size_t off)
{
	size_t i = off;
	while (r->d[i] == ' ')
		i++;
	return i - off;
}

static void next_line(reader *r)
{
	r->pos = line_end(r, r->pos) + 1;
	r->line++;
}

/* Passes empty lines and lines holding only a comment; 1 when the input ends there. */
static int skip_blank_lines(reader *r)
{
	while (r->pos < r->len) {
		char c = r->d[r->pos + spaces_at(r, r->pos)];
		if (c != '\n' && c != '#')
			return 0;
		next_line(r);
	}
	return 1;
}

/* The column of off in the current line, in characters as libyaml counts them. */
static unsigned col_of(const reader *r, size_t off)
{
	unsigned col = 0;
	for (size_t i = r->pos; i < off; i++)
		col += ((unsigned char)r->d[i] & 0xc0) != 0x80;
	return col;
}

static int is_indicator(char c)
{
	return c != '\0' && strchr("-?:,[]{}#&*!|>'\"%@`", c) != NULL;
}

static int is_blank_or_break(char c)
{
	return c == ' ' || c == '\n';
}

/* A block sequence entry at s: '-' and a blank. */
static int is_entry(const reader *r, size_t s)
{
	return r->d[s] == '-' && is_blank_or_break(r->d[s + 1]);
}

/* What follows a value on its line is nothing, or a comment after a blank. */
static int rest_is_empty(const reader *r, size_t off)
{
	size_t i = off + spaces_at(r, off);
	return r->d[i] == '\n' || (r->d[i] == '#' && i > off);
}

/* ---- events -------------------------------------------------------------------------------- */

static int emit(reader *r, cf_yev_kind kind, unsigned line, unsigned col, const char *s, size_t n,
		cf_ystyle style)
{
	cf_yevs *o = r->out;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		cf_yev *items = realloc(o->items, cap * sizeof(*items));
		if (!items)
			return NOMEM;
		o->items = items;
		o->cap = cap;
	}
	cf_yev *e = &o->items[o->n++];
	e->kind = kind;
	e->line = line;
	e->col = col;
	e->str = s;
	e->len = n;
	e->style = style;
	return READ;
}

static int emit_scalar(reader *r, size_t at, const char *s, size_t n, cf_ystyle style)
{
	return emit(r, CF_YEV_SCALAR, r->line, col_of(r, at), s, n, style);
}

/* ---- scalars on one line ------------------------------------------------------------------ */

/* A plain scalar in block context starting at off (not an indicator): *end is the end of
 * its text without trailing spaces, *stop where it stops -- at a ':' that a blank follows
 * (a key's end), or at the line break or the '#' of a comment. */
static void scan_plain(const reader *r, size_t off, size_t *end, size_t *stop)
{
	const char *d = r->d;
	size_t last = off, i = off;
	for (;; i++) {
		char c = d[i];
		if (c == '\n' || (c == '#' && d[i - 1] == ' ') ||
		    (c == ':' && is_blank_or_break(d[i + 1])))
			break;
		if (c != ' ')
			last = i + 1;
	}
	*end = last;
	*stop = i;
}

/* A quoted scalar whose opening quote is at off, closed on the same line: its value in *s
 * and *n (the input's bytes when nothing in it is escaped, else unescaped into the arena),
 * its style, and the offset after the closing quote.  Double quotes take the escapes \\ \"
 * \/ \n \t; any other is left to libyaml. */
static int scan_quoted(reader *r, size_t off, const char **s, size_t *n, cf_ystyle *style,
		       size_t *after)
{
	const char *d = r->d;
	char q = d[off];
	int escaped = 0;
	size_t i = off + 1;
	for (;;) {
		char c = d[i];
		if (c == '\n')
			return OUTSIDE; /* a value over several lines */
		if (q == '\'' && c == '\'') {
			if (d[i + 1] != '\'')
				break;
			escaped = 1;
			i += 2;
		} else if (q == '"' && c == '\\') {
			if (!strchr("\\\"/nt", d[i + 1]) || d[i + 1] == '\0')
				return OUTSIDE;
			escaped = 1;
			i += 2;
		} else if (q == '"' && c == '"') {
			break;
		} else {
			i++;
		}
	}
	*style = q == '"' ? CF_YSTYLE_DOUBLE : CF_YSTYLE_SINGLE;
	*after = i + 1;
	if (!escaped) {
		*s = d + off + 1;
		*n = i - off - 1;
		return READ;
	}
	char *v = cf_arena_alloc(r->arena, i - off);
	if (!v)
		return NOMEM;
	size_t k = 0;
	for (size_t j = off + 1; j < i; j++) {
		char c = d[j];
		if (q == '\'' && c == '\'') {
			j++; /* '' is one quote */
		} else if (q == '"' && c == '\\') {
			char e = d[++j];
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
		}
		v[k++] = c;
	}
	*s = v;
	*n = k;
	return READ;
}

/* ---- collections --------------------------------------------------------------------------- */

static int block_node(reader *r, size_t indent);
static int block_mapping(reader *r, unsigned indent, size_t key);

/* A list on one line, "[a, 'b c', d]", whose '[' is at off: its events and, in *after,
 * the offset after the ']'.  Items are plain words (no ':', '#' or brackets in them) or
 * quoted values. */
static int flow_sequence(reader *r, size_t off, size_t *after)
{
	const char *d = r->d;
	int rc = emit(r, CF_YEV_SEQ_START, r->line, col_of(r, off), NULL, 0, CF_YSTYLE_PLAIN);
	size_t i = off + 1 + spaces_at(r, off + 1);
	if (rc == READ && d[i] != ']') {
		for (;;) {
			char c = d[i];
			if (c == '"' || c == '\'') {
				const char *s;
				size_t n, next;
				cf_ystyle style;
				if ((rc = scan_quoted(r, i, &s, &n, &style, &next)) != READ ||
				    (rc = emit_scalar(r, i, s, n, style)) != READ)
					return rc;
				i = next;
			} else {
				if (is_indicator(c) || c == '\n')
					return OUTSIDE;
				size_t j = i, last = i;
				for (; d[j] != ',' && d[j] != ']'; j++) {
					if (d[j] == '\n' || strchr("[]{}:#", d[j]))
						return OUTSIDE;
					if (d[j] != ' ')
						last = j + 1;
				}
				if ((rc = emit_scalar(r, i, d + i, last - i, CF_YSTYLE_PLAIN)) !=
				    READ)
					return rc;
				i = j;
			}
			i += spaces_at(r, i);
			if (d[i] == ']')
				break;
			if (d[i] != ',')
				return OUTSIDE;
			i++;
			i += spaces_at(r, i);
			if (d[i] == ']')
				return OUTSIDE; /* a trailing comma */
		}
	}
	if (rc != READ)
		return rc;
	*after = i + 1;
	return emit(r, CF_YEV_SEQ_END, r->line, 0, NULL, 0, CF_YSTYLE_PLAIN);
}

/* A block of text, `>` or `|`, whose indicator is at off, in a collection indented by
 * parent: its header may name the chomping (`-`, `+`) but not the indentation, which is
 * the indentation of its first line.  A line indented more than that, or a blank line
 * holding more spaces than that, is left to libyaml (there YAML keeps the extra spaces). */
static int block_scalar(reader *r, size_t off, size_t parent)
{
	const char *d = r->d;
	unsigned col = col_of(r, off);
	unsigned line = r->line;
	int literal = d[off] == '|';
	int chomp = 0; /* -1 strip, 0 clip, 1 keep */
	size_t h = off + 1;
	if (d[h] == '-' || d[h] == '+')
		chomp = d[h++] == '-' ? -1 : 1;
	if (!rest_is_empty(r, h))
		return OUTSIDE;
	next_line(r);
	/* First pass: the block's indentation and extent. */
	size_t start = r->pos, p = start, indent = 0, widest_blank = 0;
	unsigned lines = 0;
	while (p < r->len) {
		size_t s = spaces_at(r, p);
		if (d[p + s] == '\n') {
			if (indent && s > indent)
				return OUTSIDE;
			if (s > widest_blank)
				widest_blank = s;
		} else if (!indent) {
			/* not deeper than its collection: an empty block; narrower than a blank
			 * line above it: libyaml would take the blank line's indentation */
			if (s <= parent || s < widest_blank)
				return OUTSIDE;
			indent = s;
		} else if (s < indent) {
			break;
		} else if (s > indent) {
			return OUTSIDE;
		}
		p = line_end(r, p) + 1;
		lines++;
	}
	if (!indent)
		return OUTSIDE;
	/* Second pass: the value, folded or kept line by line, then chomped. */
	char *v = cf_arena_alloc(r->arena, p - start + 2);
	if (!v)
		return NOMEM;
	size_t n = 0, breaks = 0;
	int any = 0;
	for (size_t q = start; q < p;) {
		size_t s = spaces_at(r, q), e = line_end(r, q);
		if (d[q + s] == '\n') {
			breaks++;
		} else {
			if (any && (literal || breaks == 0))
				v[n++] = literal ? '\n' : ' ';
			for (; breaks; breaks--)
				v[n++] = '\n';
			memcpy(v + n, d + q + indent, e - q - indent);
			n += e - q - indent;
			any = 1;
		}
		q = e + 1;
	}
	if (chomp >= 0)
		v[n++] = '\n';
	if (chomp > 0)
		for (; breaks; breaks--)
			v[n++] = '\n';
	int rc =
	    emit(r, CF_YEV_SCALAR, line, col, v, n, literal ? CF_YSTYLE_LITERAL : CF_YSTYLE_FOLDED);
	r->pos = p;
	r->line += lines;
	return rc;
}

/* The value after a mapping's ':' or a sequence's '-', which ends at off, in a collection
 * indented by parent: on the same line (a scalar, a list, a block of text, or in a sequence
 * a mapping's first key), on the lines below (a collection indented more, or in a mapping a
 * sequence at its own indentation), or nothing: then an empty plain scalar marked where
 * libyaml marks it, just after the indicator.  The reader ends on the line after it. */
static int value(reader *r, size_t off, size_t parent, int in_sequence)
{
	const char *d = r->d;
	unsigned empty_col = col_of(r, off);
	size_t i = off + spaces_at(r, off);
	char c = d[i];
	int rc;
	if (c == '\n' || c == '#') {
		unsigned empty_line = r->line;
		next_line(r);
		if (!skip_blank_lines(r)) {
			size_t k = spaces_at(r, r->pos);
			if (k > parent)
				return block_node(r, k);
			if (!in_sequence && k == parent && is_entry(r, r->pos + k))
				return block_node(r, k); /* a sequence not indented under its key */
		}
		return emit(r, CF_YEV_SCALAR, empty_line, empty_col, "", 0, CF_YSTYLE_PLAIN);
	}
	if (c == '|' || c == '>')
		return block_scalar(r, i, parent);
	if (c == '[') {
		size_t after;
		if ((rc = flow_sequence(r, i, &after)) != READ)
			return rc;
		if (!rest_is_empty(r, after))
			return OUTSIDE;
		next_line(r);
		return READ;
	}
	if (c == '"' || c == '\'') {
		const char *s;
		size_t n, after;
		cf_ystyle style;
		if ((rc = scan_quoted(r, i, &s, &n, &style, &after)) != READ)
			return rc;
		size_t j = after + spaces_at(r, after);
		if (in_sequence && d[j] == ':' && is_blank_or_break(d[j + 1]))
			return block_mapping(r, col_of(r, i), i);
		if (!rest_is_empty(r, after))
			return OUTSIDE;
		if ((rc = emit_scalar(r, i, s, n, style)) != READ)
			return rc;
		next_line(r);
		return READ;
	}
	if (is_indicator(c))
		return OUTSIDE;
	size_t end, stop;
	scan_plain(r, i, &end, &stop);
	if (d[stop] == ':')
		return in_sequence ? block_mapping(r, col_of(r, i), i) : OUTSIDE;
	if ((rc = emit_scalar(r, i, d + i, end - i, CF_YSTYLE_PLAIN)) != READ)
		return rc;
	next_line(r);
	return READ;
}

/* A key at off on the current line, plain or quoted: its event, and in *colon the offset of
 * the ':' after it. */
static int key(reader *r, size_t off, size_t *colon)
{
	const char *d = r->d;
	char c = d[off];
	if (c == '"' || c == '\'') {
		const char *s;
		size_t n, after;
		cf_ystyle style;
		int rc = scan_quoted(r, off, &s, &n, &style, &after);
		if (rc != READ)
			return rc;
		size_t j = after + spaces_at(r, after);
		if (d[j] != ':' || !is_blank_or_break(d[j + 1]) || j - off > MAX_KEY_BYTES)
			return OUTSIDE;
		*colon = j;
		return emit_scalar(r, off, s, n, style);
	}
	if (is_indicator(c))
		return OUTSIDE;
	size_t end, stop;
	scan_plain(r, off, &end, &stop);
	if (d[stop] != ':' || stop - off > MAX_KEY_BYTES)
		return OUTSIDE;
	*colon = stop;
	return emit_scalar(r, off, d + off, end - off, CF_YSTYLE_PLAIN);
}

/* After an entry of a block collection indented by indent, the next line that is not blank:
 * MORE when it is indented as much (*at is its first character), READ when the collection
 * ends before it (it is indented less, or the input ends), OUTSIDE when it is indented more
 * (a value going on over lines, or a mistake: libyaml's to read). */
static int next_entry(reader *r, size_t indent, size_t *at)
{
	if (skip_blank_lines(r))
		return READ;
	size_t k = spaces_at(r, r->pos);
	if (k > indent)
		return OUTSIDE;
	*at = r->pos + k;
	return k == indent ? MORE : READ;
}

/* A block mapping whose keys are at column indent, the first at offset first of the current
 * line (after "- " when the mapping is a sequence's item). */
static int block_mapping(reader *r, unsigned indent, size_t first)
{
	if (++r->depth > MAX_DEPTH)
		return OUTSIDE;
	int rc = emit(r, CF_YEV_MAP_START, r->line, indent, NULL, 0, CF_YSTYLE_PLAIN);
	for (size_t at = first, colon; rc == READ;) {
		if ((rc = key(r, at, &colon)) != READ ||
		    (rc = value(r, colon + 1, indent, 0)) != READ)
			break;
		int next = next_entry(r, indent, &at);
		if (next != MORE) {
			rc = next;
			break;
		}
		if (is_entry(r, at))
			rc = OUTSIDE; /* a "- " where a key belongs */
	}
	if (rc == READ)
		rc = emit(r, CF_YEV_MAP_END, r->line, 0, NULL, 0, CF_YSTYLE_PLAIN);
	r->depth--;
	return rc;
}

/* A block sequence whose '-' are at column indent, the first on the current line. */
static int block_sequence(reader *r, size_t indent)
{
	if (++r->depth > MAX_DEPTH)
		return OUTSIDE;
	int rc = emit(r, CF_YEV_SEQ_START, r->line, (unsigned)indent, NULL, 0, CF_YSTYLE_PLAIN);
	for (size_t at = r->pos + indent; rc == READ;) {
		if ((rc = value(r, at + 1, indent, 1)) != READ)
			break;
		int next = next_entry(r, indent, &at);
		/* a line indented as much but no "- ": a key of the mapping whose value this
		 * sequence is (block_mapping goes on with it) */
		if (next != MORE || !is_entry(r, at)) {
			rc = next == OUTSIDE ? OUTSIDE : READ;
			break;
		}
	}
	if (rc == READ)
		rc = emit(r, CF_YEV_SEQ_END, r->line, 0, NULL, 0, CF_YSTYLE_PLAIN);
	r->depth--;
	return rc;
}

/* A mapping or a sequence starting on the current line at indentation indent. */
static int block_node(reader *r, size_t indent)
{
	size_t s = r->pos + indent;
	return is_entry(r, s) ? block_sequence(r, indent) : block_mapping(r, (unsigned)indent, s);
}

int cf_yamlfast_parse(cf_yevs *out, const char *data, size_t len, cf_arena *arena)
{
	out->n = 0;
	if (!data || !text_in_subset(data, len))
		return OUTSIDE;
	reader r = {data, len, 0, 0, 0, out, arena};
	if (skip_blank_lines(&r))
		return OUTSIDE; /* nothing but comments */
	int rc = block_node(&r, spaces_at(&r, r.pos));
	if (rc != READ)
		return rc;
	return skip_blank_lines(&r) ? READ : OUTSIDE; /* something after the document */
}

void cf_yevs_free(cf_yevs *evs)
{
	free(evs->items);
	evs->items = NULL;
	evs->n = evs->cap = 0;
}
