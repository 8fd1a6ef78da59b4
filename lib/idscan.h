/* lib/idscan: finds the real identifiers of the people of a case (names, aliases, dates of
 * birth, addresses, schools) in a text such as report.md's body, the way people write them:
 *
 *   - case-insensitively, on word boundaries ("Lee" is not found in "Leeds");
 *   - with accents folded: Latin-1 and Latin Extended-A letters match their ASCII base, so
 *     "Zoë" finds "Zoe" and "Siân" finds "Sian" (and the other way round), decomposed accents
 *     included;
 *   - across any run of white space, a line break inside a paragraph included
 *     ("Jodie\nMarsh-Tilling", and "Marsh-\nTilling" wrapped at its hyphen); a blank line (a
 *     paragraph break) separates; a hyphen in a name also matches a space;
 *   - a name also by its parts: the first name, the middle names and the surname alone, except
 *     a part shorter than three letters or equal to a word of the case's pseudonyms (a first
 *     name "Child" would otherwise match every "Child K");
 *   - a date of birth in the forms people write it: 2014-03-02, 02/03/2014, 2/3/14, 02.03.2014,
 *     2 March 2014, 2nd March 2014, 2nd of March 2014, 2 Mar 2014, March 2, 2014, March 2nd
 *     2014 (day before month in numbers, as in England);
 *   - an address as a whole, and by its first line ("41 Fellgate Terrace").
 *
 * At most one hit per occurrence: where several identifiers match at one place, the longest
 * wins (the full name, not its first name), then the one added first.  (Only where more than a
 * few hundred identifiers spelled alike but for their hyphens would be compared at one place is
 * the one then compared taken as found, hyphens aside: a hit rather than a miss.)
 *
 * The cost is linear: in the bytes of the identifiers to add and compile them, in the bytes of
 * the text to scan it, however many identifiers there are and however alike.
 *
 * Every copy of an identifier, folded or not, lives in the caller's arena (a case's secure
 * arena) or on the stack, never in malloc'd memory, and nothing here prints.  The hits hold
 * positions, kinds and the caller's tags only: never the identifier. */
#ifndef CF_IDSCAN_H
#define CF_IDSCAN_H

#include <stddef.h>

#include "arena.h"

typedef enum cf_id_kind {
	CF_ID_NAME,	   /* the full name */
	CF_ID_ALIAS,	   /* a whole alias */
	CF_ID_SURNAME,	   /* the last part of a name or alias */
	CF_ID_FIRST_NAME,  /* the first part */
	CF_ID_MIDDLE_NAME, /* a part between them */
	CF_ID_DOB,	   /* a date of birth */
	CF_ID_ADDRESS,	   /* an address, or its first line */
	CF_ID_SCHOOL,	   /* a school's or nursery's name */
	CF_ID_OTHER,	   /* any other identifier, matched as written */
} cf_id_kind;

typedef struct cf_idscan cf_idscan;

typedef struct cf_idhit {
	unsigned line, col; /* 1-based; col counts characters (code points), not bytes */
	size_t offset, len; /* bytes of the text that matched */
	int who;	    /* the tag the identifier was added with */
	int aux;	    /* the caller's second tag (e.g. which field) */
	cf_id_kind kind;
} cf_idhit;

typedef struct cf_idhits {
	cf_idhit *items;
	size_t n, cap;
} cf_idhits;

#define CF_IDHITS_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* A scanner whose identifiers (and the scanner itself) live in arena: it is freed, and wiped
 * when the arena is secure, with the arena.  Returns 0 or -1 (memory). */
int cf_idscan_new(cf_idscan **out, cf_arena *arena);
/* The words of a pseudonym ("Mother's Partner"): a name part equal to one is not looked for
 * alone. */
int cf_idscan_add_pseudonym(cf_idscan *s, const char *pseudonym);
/* A name (CF_ID_NAME) or an alias (CF_ID_ALIAS): the whole, and each part alone.  who and
 * aux are the caller's tags, returned in the hits. */
int cf_idscan_add_name(cf_idscan *s, int who, int aux, cf_id_kind kind, const char *name);
/* An address: the whole, and its first line (its comma- or line-separated segments up to the
 * first three words: "41 Fellgate Terrace", "Room 4, Harbourside Lodge"). */
int cf_idscan_add_address(cf_idscan *s, int who, int aux, const char *address);
/* Any other identifier (a school), matched as a whole. */
int cf_idscan_add_phrase(cf_idscan *s, int who, int aux, cf_id_kind kind, const char *text);
/* A date (of birth), found in any of the forms above. */
int cf_idscan_add_date(cf_idscan *s, int who, int aux, cf_id_kind kind, int year, int month,
		       int day);
/* The number of identifiers (whole, parts, dates) that will be looked for. */
size_t cf_idscan_count(const cf_idscan *s);
/* For tests: the elementary steps taken so far in adding, compiling and scanning (bytes read,
 * folded and compared, table probes), a measure of the cost that does not depend on the
 * machine.  It grows linearly with the identifiers' bytes and with the text's. */
size_t cf_idscan_work(const cf_idscan *s);

/* Scans text (len bytes, UTF-8), whose first byte is at line first_line, column 1; appends
 * the hits to out in the order of the text.  Returns 0 or -1 (memory). */
int cf_idscan_run(cf_idhits *out, cf_idscan *s, const char *text, size_t len, unsigned first_line);
/* The same, for a text whose first byte is at column first_col of its line (a value in YAML
 * front matter). */
int cf_idscan_run_at(cf_idhits *out, cf_idscan *s, const char *text, size_t len,
		     unsigned first_line, unsigned first_col);
void cf_idhits_free(cf_idhits *h);

/* Are a and b the same name, case, accents and white space aside? */
int cf_idscan_same(const char *a, const char *b);
/* "name", "alias", "surname", "first name", "middle name", "date of birth", "address",
 * "school", "identifier". */
const char *cf_id_kind_name(cf_id_kind k);

#endif
