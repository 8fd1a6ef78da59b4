/* lib/yamlfast: a quick reader for the plain block YAML that case files are written in.
 *
 * libyaml spends about a hundred instructions on each byte it reads, and reading is most of
 * what a check of many cases costs.  Case files use a small part of YAML: block mappings and
 * sequences indented with spaces, one-line plain and quoted values, `>` and `|` blocks of
 * text, one-line lists in brackets, and comments.  This module reads exactly that part and
 * gives the events libyaml would give for it: the same values, the same styles and the same
 * marks.  For anything else -- an anchor, a tag, a tab, a value over several lines, a
 * syntax error -- it says so, and the caller reads the file with libyaml, which remains the
 * reference: so libyaml's messages are kept for every mistake.  tests/unit/yamlfast.c holds
 * the two to the same events on the repository's files and on many mutations of them. */
#ifndef CF_YAMLFAST_H
#define CF_YAMLFAST_H

#include <stddef.h>

#include "arena.h"

typedef enum {
	CF_YEV_SCALAR,
	CF_YEV_SEQ_START,
	CF_YEV_MAP_START,
	CF_YEV_SEQ_END,
	CF_YEV_MAP_END,
} cf_yev_kind;

/* libyaml's scalar styles, by the same names. */
typedef enum {
	CF_YSTYLE_PLAIN,
	CF_YSTYLE_SINGLE,
	CF_YSTYLE_DOUBLE,
	CF_YSTYLE_LITERAL,
	CF_YSTYLE_FOLDED,
} cf_ystyle;

typedef struct cf_yev {
	cf_yev_kind kind;
	/* libyaml's start_mark, from 0, the column in characters rather than bytes; for the
	 * START and SCALAR events only (an END's mark is not libyaml's: nothing reads it) */
	unsigned line, col;
	const char *str; /* SCALAR: the value, len bytes, in the input or in the arena */
	size_t len;
	cf_ystyle style; /* SCALAR */
} cf_yev;

typedef struct cf_yevs {
	cf_yev *items;
	size_t n, cap;
} cf_yevs;

#define CF_YEVS_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Reads the YAML document data[0..len) into out (emptied first): the events of its nodes in
 * order, without the stream and document events.  Values that differ from their bytes in
 * the input (escapes, folded lines) are written to arena; the others point into data, which
 * must outlive the events.  0 when read; 1 when the input is outside what this reader reads
 * (out then holds nothing meaningful); -1 when memory ran out. */
int cf_yamlfast_parse(cf_yevs *out, const char *data, size_t len, cf_arena *arena);

void cf_yevs_free(cf_yevs *evs);

#endif
