/* lib/idscan: every form of every kind of identifier, each occurrence found exactly once at its
 * line and column (in characters); near misses (a name inside a longer word, another date, a
 * short or pseudonym-word name part) never. */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "idscan.h"

enum { JODIE, ZOE, SIAN, ED, VANCE };
enum { F_NAME, F_ALIASES, F_DOB, F_ADDRESS, F_SCHOOL };

/* The people of the tests: tags are who (the person) and aux (the field). */
static cf_idscan *people(cf_arena *a)
{
	cf_idscan *s;
	if (cf_idscan_new(&s, a) < 0)
		return NULL;
	int rc = 0;
	rc |= cf_idscan_add_pseudonym(s, "Child J");
	rc |= cf_idscan_add_pseudonym(s, "Mother");
	rc |= cf_idscan_add_name(s, JODIE, F_NAME, CF_ID_NAME, "Jodie Marsh-Tilling");
	rc |= cf_idscan_add_name(s, JODIE, F_ALIASES, CF_ID_ALIAS, "Jo Tilling");
	rc |= cf_idscan_add_date(s, JODIE, F_DOB, CF_ID_DOB, 2014, 3, 2);
	rc |= cf_idscan_add_address(s, JODIE, F_ADDRESS, "12 Orchard Way, Kettleby, KB3 9XY");
	rc |= cf_idscan_add_phrase(s, JODIE, F_SCHOOL, CF_ID_SCHOOL, "St Aidan's Primary School");
	rc |= cf_idscan_add_name(s, ZOE, F_NAME, CF_ID_NAME, "Zo\xc3\xab Brannigan");
	rc |= cf_idscan_add_name(s, SIAN, F_NAME, CF_ID_NAME, "Sian Pryce-Evans");
	rc |= cf_idscan_add_name(s, ED, F_NAME, CF_ID_NAME, "Ed Royle"); /* "Ed": too short */
	/* a first name that is a word of a pseudonym ("Child J") is not looked for alone */
	rc |= cf_idscan_add_name(s, VANCE, F_NAME, CF_ID_NAME, "Child Vance");
	return rc ? NULL : s;
}

/* Line 1 of the text is line 1 of the file unless the test says otherwise. */
static const char *const lines[] = {
    "# Review of the case of Child J",
    "",
    "Jodie Marsh-Tilling was seen by the nurse. JODIE MARSH-TILLING!",
    "Later that spring Jodie",
    "Marsh-Tilling moved school.",
    "Marsh-Tilling alone, then Jodie alone, then Jo Tilling, then Ms Tilling.",
    "Born 2014-03-02, 02/03/2014, 2/3/14, 2 March 2014, 2nd March 2014,",
    "March 2, 2014 and 2 Mar 2014; also 2nd of March, 2014 and 2 March",
    "2014 and 02.03.2014.",
    "Not born 3 March 2014, 2014-03-03, 02/03/2015, 12/03/2014 or 22 March 2014.",
    "They lived at 12 Orchard Way, Kettleby, KB3 9XY until May, then at 12 Orchard Way.",
    "She attended St Aidan\xe2\x80\x99s Primary School.",
    /* Zoë without its accent, with it (precomposed, capital, decomposed); Sian with an
     * accent she does not have, and a space for her hyphen */
    ("Zoe Brannigan met Zo\xc3\xab; ZO\xc3\x8b and Zoe\xcc\x88 are the same; Sian Pryce-Evans and "
     "Si\xc3\xa2n Pryce Evans too."),
    "Jodies, Marsh-Tillings, Zoey, Royles, Brannigans, Siana and 12 Orchard Wayside are not them.",
    "Ed went home; Mr Royle did not. Child J saw Vance.",
    "Jodie",
    "",
    "Marsh-Tilling, in two paragraphs.",
};

typedef struct want {
	unsigned line, col;
	int who, aux;
	cf_id_kind kind;
} want;

static const want wanted[] = {
    {3, 1, JODIE, F_NAME, CF_ID_NAME},	/* the full name: one hit, not three */
    {3, 44, JODIE, F_NAME, CF_ID_NAME}, /* in capitals */
    {4, 19, JODIE, F_NAME, CF_ID_NAME}, /* split by a line break in the paragraph */
    {6, 1, JODIE, F_NAME, CF_ID_SURNAME},
    {6, 27, JODIE, F_NAME, CF_ID_FIRST_NAME},
    {6, 45, JODIE, F_ALIASES, CF_ID_ALIAS},
    {6, 65, JODIE, F_ALIASES, CF_ID_SURNAME},  /* the alias's surname */
    {7, 6, JODIE, F_DOB, CF_ID_DOB},	       /* 2014-03-02 */
    {7, 18, JODIE, F_DOB, CF_ID_DOB},	       /* 02/03/2014 */
    {7, 30, JODIE, F_DOB, CF_ID_DOB},	       /* 2/3/14 */
    {7, 38, JODIE, F_DOB, CF_ID_DOB},	       /* 2 March 2014 */
    {7, 52, JODIE, F_DOB, CF_ID_DOB},	       /* 2nd March 2014 */
    {8, 1, JODIE, F_DOB, CF_ID_DOB},	       /* March 2, 2014 */
    {8, 19, JODIE, F_DOB, CF_ID_DOB},	       /* 2 Mar 2014 */
    {8, 36, JODIE, F_DOB, CF_ID_DOB},	       /* 2nd of March, 2014 */
    {8, 59, JODIE, F_DOB, CF_ID_DOB},	       /* 2 March / 2014, across the line */
    {9, 10, JODIE, F_DOB, CF_ID_DOB},	       /* 02.03.2014 */
    {11, 15, JODIE, F_ADDRESS, CF_ID_ADDRESS}, /* the whole address */
    {11, 68, JODIE, F_ADDRESS, CF_ID_ADDRESS}, /* its first line */
    {12, 14, JODIE, F_SCHOOL, CF_ID_SCHOOL},   /* a typographic apostrophe */
    {13, 1, ZOE, F_NAME, CF_ID_NAME},
    {13, 19, ZOE, F_NAME, CF_ID_FIRST_NAME},
    {13, 24, ZOE, F_NAME, CF_ID_FIRST_NAME},
    {13, 32, ZOE, F_NAME, CF_ID_FIRST_NAME},
    {13, 51, SIAN, F_NAME, CF_ID_NAME},
    {13, 72, SIAN, F_NAME, CF_ID_NAME},
    {15, 18, ED, F_NAME, CF_ID_SURNAME},
    {15, 45, VANCE, F_NAME, CF_ID_SURNAME},
    {16, 1, JODIE, F_NAME, CF_ID_FIRST_NAME}, /* a blank line between the two names */
    {18, 1, JODIE, F_NAME, CF_ID_SURNAME},
};

#define N_WANTED (sizeof(wanted) / sizeof(*wanted))
#define N_LINES (sizeof(lines) / sizeof(*lines))

static char *join(const char *const *l, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(l[i]) + 1;
	char *s = malloc(len + 1), *p = s;
	for (size_t i = 0; s && i < n; i++) {
		size_t k = strlen(l[i]);
		memcpy(p, l[i], k);
		p[k] = '\n';
		p += k + 1;
	}
	if (s)
		*p = '\0';
	return s;
}

static void test_every_form(cf_arena *a)
{
	cf_idscan *s = people(a);
	char *text = join(lines, N_LINES);
	cf_idhits hits = CF_IDHITS_INIT;
	ok(s && text && cf_idscan_run(&hits, s, text, strlen(text), 1) == 0, "scan runs");
	is_int(hits.n, N_WANTED, "one hit per occurrence, none for the near misses");
	for (size_t i = 0; i < N_WANTED && i < hits.n; i++) {
		const cf_idhit *h = &hits.items[i];
		const want *w = &wanted[i];
		char name[96];
		snprintf(name, sizeof(name), "hit %zu: %u:%u %s", i + 1, w->line, w->col,
			 cf_id_kind_name(w->kind));
		ok(h->line == w->line && h->col == w->col && h->who == w->who && h->aux == w->aux &&
		       h->kind == w->kind,
		   name);
		if (h->line != w->line || h->col != w->col || h->who != w->who ||
		    h->kind != w->kind)
			printf("#   got %u:%u who %d aux %d %s\n", h->line, h->col, h->who, h->aux,
			       cf_id_kind_name(h->kind));
	}
	for (size_t i = N_WANTED; i < hits.n; i++)
		printf("#   extra hit %u:%u who %d %s\n", hits.items[i].line, hits.items[i].col,
		       hits.items[i].who, cf_id_kind_name(hits.items[i].kind));
	if (hits.n > 2) {
		const cf_idhit *h = &hits.items[2];
		char *got = strndup(text + h->offset, h->len);
		is_str(got, "Jodie\nMarsh-Tilling", "the split name's hit spans the line break");
		free(got);
	}
	cf_idhits_free(&hits);

	/* the same text as the body of a report whose front matter takes 6 lines */
	ok(cf_idscan_run(&hits, s, text, strlen(text), 7) == 0 && hits.n == N_WANTED &&
	       hits.items[0].line == 9 && hits.items[0].col == 1 &&
	       hits.items[N_WANTED - 1].line == 24,
	   "lines count from the body's first line");
	cf_idhits_free(&hits);
	free(text);
}

static void test_none(cf_arena *a)
{
	cf_idscan *s = people(a);
	static const char *const clean[] = {
	    "# Local Child Safeguarding Practice Review: Child J",
	    "",
	    "Child J lived with Mother in Kettleby. The school referred concerns in March 2014",
	    "and again on 3 March 2014. Mother's partner (Mr V) was not known to the police.",
	    "Jodies, Zoey, Royles, Brannigans, Orchard Wayside, Edward, Sianne, Tillings,",
	    "2014-03-021, 2014-3-2x,",
	    "12/03/2014, 02/03/2015, 2/3/15, 20/3/14, 2 Marching 2014, March 20, 2014.",
	};
	char *text = join(clean, sizeof(clean) / sizeof(*clean));
	cf_idhits hits = CF_IDHITS_INIT;
	ok(s && text && cf_idscan_run(&hits, s, text, strlen(text), 1) == 0 && hits.n == 0,
	   "a report without identifiers: no hit");
	for (size_t i = 0; i < hits.n; i++)
		printf("#   unexpected hit %u:%u %s\n", hits.items[i].line, hits.items[i].col,
		       cf_id_kind_name(hits.items[i].kind));
	cf_idhits_free(&hits);
	free(text);
}

static void test_boundaries(cf_arena *a)
{
	cf_idscan *s;
	cf_idhits hits = CF_IDHITS_INIT;
	ok(cf_idscan_new(&s, a) == 0 && cf_idscan_add_name(s, 0, 0, CF_ID_NAME, "Lee Hatch") == 0,
	   "a scanner for 'Lee Hatch'");
	const char *t = "Leeds, Fleece, Hatchet, hatches, eLee, Lee2; but (Lee), \"hatch\", _Lee_ "
			"and Lee\xe2\x80\x99s";
	ok(cf_idscan_run(&hits, s, t, strlen(t), 1) == 0, "scan runs");
	is_int(hits.n, 4, "a name inside a longer word does not match; beside punctuation it does");
	if (hits.n == 4) {
		is_int(hits.items[0].col, 51, "(Lee): in brackets");
		is_int(hits.items[1].col, 58, "\"hatch\": in quotes");
		is_int(hits.items[2].col, 67, "_Lee_: Markdown emphasis");
		is_int(hits.items[3].col, 76, "Lee's, with a typographic apostrophe");
	}
	cf_idhits_free(&hits);
}

static void test_wrapped(cf_arena *a)
{
	cf_idscan *s;
	cf_idhits hits = CF_IDHITS_INIT;
	const char *t = "Mr Vosper-\nHatch and Lee Vosper-\nHatch, not Vosper-\n\nHatch.";
	ok(cf_idscan_new(&s, a) == 0 &&
	       cf_idscan_add_name(s, 0, 0, CF_ID_NAME, "Lee Vosper-Hatch") == 0 &&
	       cf_idscan_run(&hits, s, t, strlen(t), 1) == 0,
	   "a scanner for 'Lee Vosper-Hatch'");
	ok(hits.n == 2 && hits.items[0].line == 1 && hits.items[0].col == 4 &&
	       hits.items[0].kind == CF_ID_SURNAME && hits.items[1].line == 2 &&
	       hits.items[1].col == 11 && hits.items[1].kind == CF_ID_NAME,
	   "a name wrapped at its hyphen is found; across a paragraph break it is not");
	cf_idhits_free(&hits);
}

/* Spelled alike but for a hyphen: a hyphen in an identifier also matches a space, a space
 * does not match a hyphen, and where both match the one added first wins. */
static void test_lookalikes(cf_arena *a)
{
	cf_idscan *s;
	cf_idhits hits = CF_IDHITS_INIT;
	const char *t = "Kit Marsh Tilling; Kit Marsh-Tilling.";
	ok(cf_idscan_new(&s, a) == 0 &&
	       cf_idscan_add_phrase(s, 1, 0, CF_ID_OTHER, "Kit Marsh Tilling") == 0 &&
	       cf_idscan_add_phrase(s, 2, 0, CF_ID_OTHER, "Kit Marsh-Tilling") == 0 &&
	       cf_idscan_run(&hits, s, t, strlen(t), 1) == 0,
	   "a scanner for 'Kit Marsh Tilling', then 'Kit Marsh-Tilling'");
	ok(hits.n == 2 && hits.items[0].col == 1 && hits.items[0].who == 1 &&
	       hits.items[1].col == 20 && hits.items[1].who == 2 && hits.items[1].len == 17,
	   "with a space, the first; with a hyphen, only the second matches");
	cf_idhits_free(&hits);

	ok(cf_idscan_new(&s, a) == 0 &&
	       cf_idscan_add_phrase(s, 2, 0, CF_ID_OTHER, "Kit Marsh-Tilling") == 0 &&
	       cf_idscan_add_phrase(s, 1, 0, CF_ID_OTHER, "Kit Marsh Tilling") == 0 &&
	       cf_idscan_run(&hits, s, t, strlen(t), 1) == 0,
	   "the other way round");
	ok(hits.n == 2 && hits.items[0].who == 2 && hits.items[1].who == 2,
	   "the hyphenated one, added first, matches both");
	cf_idhits_free(&hits);
}

/* An identifier added after a scan is looked for in the next one. */
static void test_added_later(cf_arena *a)
{
	cf_idscan *s;
	cf_idhits hits = CF_IDHITS_INIT;
	const char *t = "Lee Hatch, born 2/3/2014.";
	ok(cf_idscan_new(&s, a) == 0 && cf_idscan_add_name(s, 0, 0, CF_ID_NAME, "Lee Hatch") == 0 &&
	       cf_idscan_run(&hits, s, t, strlen(t), 1) == 0 && hits.n == 1,
	   "a scan before the date is added: the name");
	cf_idhits_free(&hits);
	ok(cf_idscan_add_date(s, 0, 1, CF_ID_DOB, 2014, 3, 2) == 0 &&
	       cf_idscan_run(&hits, s, t, strlen(t), 1) == 0 && hits.n == 2 &&
	       hits.items[1].kind == CF_ID_DOB && hits.items[1].col == 17,
	   "after it: the date too");
	cf_idhits_free(&hits);
}

static void test_same(void)
{
	ok(cf_idscan_same("Family involvement", "family  INVOLVEMENT"), "same: case and spaces");
	ok(cf_idscan_same("Zo\xc3\xab Brannigan", "zoe brannigan"), "same: accents");
	ok(!cf_idscan_same("Good practice", "Good practices"), "not the same: a letter more");
}

/* ---- what it costs ----------------------------------------------------------------------
 *
 * Not timed (timings are flaky): cf_idscan_work counts the scanner's steps, and a cost that
 * grows linearly is about 4 times as much for 4 times the input, where a quadratic one (the
 * de-duplication of issue 12's F2 compared every pattern with every other) is 16 times. */

/* A distinct word for each i: "Cax", "Dax", ..., "Cexdax" (letters, ending in x: never "and"). */
static size_t put_word(char *out, size_t i)
{
	static const char cons[] = "bcdfghjklmnpqrstvwz", vow[] = "aeiou";
	size_t n = 0;
	i++;
	while (i) {
		out[n++] = cons[i % 19];
		out[n++] = vow[i / 19 % 5];
		i /= 95;
	}
	out[0] = (char)(out[0] - 32);
	out[n++] = 'x';
	return n;
}

/* n words from word(first + k * step), joined by sep, in the arena. */
static char *words(cf_arena *a, size_t n, size_t first, size_t step, const char *sep)
{
	size_t seplen = strlen(sep);
	char *s = cf_arena_alloc(a, n * (16 + seplen) + 1);
	size_t len = 0;
	for (size_t k = 0; s && k < n; k++) {
		if (k) {
			memcpy(s + len, sep, seplen);
			len += seplen;
		}
		len += put_word(s + len, (first + k * step) % n);
	}
	if (s)
		s[len] = '\0';
	return s;
}

typedef struct cost {
	size_t work, hits, input; /* steps; hits; bytes of identifiers and text */
	int ok;
} cost;

/* Builds a scanner for n of something, scans the text made for it, and counts. */
typedef int (*scenario)(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input);

static cost measure(scenario f, size_t n)
{
	cost c = {0, 0, 0, 0};
	cf_arena *a;
	cf_idscan *s;
	char *text = NULL;
	cf_idhits hits = CF_IDHITS_INIT;
	if (cf_arena_new(&a, 1) < 0)
		return c;
	c.ok = cf_idscan_new(&s, a) == 0 && f(a, s, n, &text, &c.input) == 0 && text &&
	       cf_idscan_run(&hits, s, text, strlen(text), 1) == 0;
	if (c.ok) {
		c.work = cf_idscan_work(s);
		c.hits = hits.n;
		c.input += strlen(text);
	}
	cf_idhits_free(&hits);
	cf_arena_free(a);
	return c;
}

/* The 40,000-word name of F2, and a text of its words in another order: each is a hit. */
static int one_long_name(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	char *name = words(a, n, 0, 1, " ");
	*text = words(a, n, 1, 7, " and "); /* 7 is prime to n: every word once */
	*input = name ? strlen(name) : 0;
	return !name || cf_idscan_add_pseudonym(s, "Child K") < 0 ||
		       cf_idscan_add_name(s, 0, 0, CF_ID_NAME, name) < 0
		   ? -1
		   : 0;
}

/* n people with the same first name ("Sam Cax", "Sam Dax", ...): every "Sam" of the text
 * used to be compared with every one of them. */
static int shared_first_name(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	char *last = words(a, n, 0, 1, "\n");
	*text = words(a, n, 3, 1, " Sam Sam ");
	*input = 0;
	for (char *p = last, *e; p && *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		char name[64];
		snprintf(name, sizeof(name), "Sam %.*s", (int)(e - p), p);
		*input += strlen(name);
		if (cf_idscan_add_name(s, (int)(*input % 7), 0, CF_ID_ALIAS, name) < 0)
			return -1;
	}
	return last ? 0 : -1;
}

/* n dates of birth, and n dates in the text (every date was compared with every one). */
static int many_dates(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	char *t = cf_arena_alloc(a, n * 16 + 1);
	size_t len = 0;
	*input = 0;
	for (size_t i = 0; t && i < n; i++) {
		int y = 1900 + (int)(i / 336), m = 1 + (int)(i / 28 % 12), d = 1 + (int)(i % 28);
		if (cf_idscan_add_date(s, (int)i, 0, CF_ID_DOB, y, m, d) < 0)
			return -1;
		len += (size_t)snprintf(t + len, 16, "%d/%d/%d ", d, m, y);
		*input += 8;
	}
	*text = t;
	return t ? 0 : -1;
}

/* n pseudonyms' words and a name of n parts (each part was compared with every word). */
static int many_pseudonyms(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	char *pseudonyms = words(a, n, 0, 1, " ");
	char *name = words(a, n, 1, 1, " "); /* the same words: no part is looked for alone */
	*text = words(a, n, 0, 3, ", ");
	*input = pseudonyms && name ? strlen(pseudonyms) + strlen(name) : 0;
	return !pseudonyms || !name || cf_idscan_add_pseudonym(s, pseudonyms) < 0 ||
		       cf_idscan_add_name(s, 0, 0, CF_ID_NAME, name) < 0
		   ? -1
		   : 0;
}

/* An address of n commas (its first line was looked for by counting from the start at
 * each comma). */
static int long_address(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	char *addr = cf_arena_alloc(a, n + 32);
	if (!addr)
		return -1;
	memset(addr, ',', n);
	strcpy(addr + n, "41 Fellgate Terrace, Northdale");
	char *w = words(a, n, 0, 1, " ");
	*text = w ? cf_arena_alloc(a, strlen(w) + 32) : NULL;
	if (!*text)
		return -1;
	strcpy(*text, w);
	strcat(*text, ", 41 Fellgate Terrace.");
	*input = n + 30;
	return cf_idscan_add_address(s, 0, 0, addr);
}

/* n aliases that are the same 17 words but for hyphens ("A B-C ...", "A-B C ..."), and a text
 * of them with all the hyphens, which none of them has: each would be compared at each place.
 * Past a few hundred such comparisons the phrase is taken as found (more sensitive, never
 * less): one hit a line. */
static int lookalikes(cf_arena *a, cf_idscan *s, size_t n, char **text, size_t *input)
{
	enum { K = 17 };
	char *w = words(a, K, 0, 1, " ");
	char *hyphens = w ? cf_arena_strdup(a, w) : NULL;
	if (!hyphens)
		return -1;
	for (char *p = hyphens; *p; p++)
		if (*p == ' ')
			*p = '-';
	*input = 0;
	for (size_t i = 0; i < n; i++) {
		char *v = cf_arena_strdup(a, w);
		if (!v)
			return -1;
		size_t sep = 0;
		for (char *p = v; *p; p++)
			if (*p == ' ' && (i >> sep++ & 1))
				*p = '-';
		*input += strlen(v);
		if (cf_idscan_add_name(s, (int)i, 0, CF_ID_ALIAS, v) < 0)
			return -1;
	}
	size_t reps = n / K + 1, hl = strlen(hyphens);
	char *t = cf_arena_alloc(a, reps * (hl + 1) + 1);
	for (size_t r = 0; t && r < reps; r++) {
		memcpy(t + r * (hl + 1), hyphens, hl);
		t[r * (hl + 1) + hl] = '\n';
	}
	*text = t;
	return t ? 0 : -1;
}

/* The scenario at n/4 and at n: the steps a byte of input (identifiers and text) may not grow
 * by more than a quarter (a quadratic cost grows 4 times), and stay few. */
static void test_linear(const char *what, scenario f, size_t n, size_t want_hits)
{
	cost small = measure(f, n / 4), big = measure(f, n);
	char name[160];
	snprintf(name, sizeof(name), "%s: scanned", what);
	if (!ok(small.ok && big.ok && small.input && big.input, name))
		return;
	snprintf(name, sizeof(name), "%s: the hits", what);
	is_int(big.hits, want_hits, name);
	double per_small = (double)small.work / (double)small.input,
	       per_big = (double)big.work / (double)big.input;
	snprintf(name, sizeof(name), "%s: 4 times the input, as many steps a byte", what);
	if (!ok(per_big <= 1.25 * per_small, name))
		printf("#   %zu steps for %zu bytes (%.1f a byte), %zu for %zu (%.1f)\n",
		       small.work, small.input, per_small, big.work, big.input, per_big);
	snprintf(name, sizeof(name), "%s: at most 20 steps a byte", what);
	if (!ok(per_big <= 20, name))
		printf("#   %zu steps for %zu bytes\n", big.work, big.input);
}

static void test_costs(void)
{
	enum { N = 40000 };
	test_linear("a 40,000-word name, a 40,000-word text", one_long_name, N, N);
	/* "W3 Sam Sam W4 ...": W3 a surname, then a first name and a whole alias each time */
	test_linear("40,000 names with one first name", shared_first_name, N, 2 * N - 1);
	test_linear("40,000 dates of birth, 40,000 dates", many_dates, N, N);
	test_linear("40,000 pseudonym words, a 40,000-part name", many_pseudonyms, N, 0);
	test_linear("an address of 40,000 commas", long_address, N, 1);
	test_linear("40,000 aliases alike but for hyphens", lookalikes, N, N / 17 + 1);
}

int main(void)
{
	cf_arena *a;
	if (cf_init() < 0 || cf_arena_new(&a, 1) < 0) {
		printf("Bail out! no secure arena\n");
		return 1;
	}
	test_every_form(a);
	test_none(a);
	test_boundaries(a);
	test_wrapped(a);
	test_lookalikes(a);
	test_added_later(a);
	test_same();
	test_costs();
	cf_arena_free(a);
	return tap_done();
}
