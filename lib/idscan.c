#include "idscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- folding: one code point to lower-case ASCII -------------------------------------------
 *
 * Text and identifiers are compared in a folded form: ASCII letters in lower case, Latin-1 and
 * Latin Extended-A letters as their ASCII base ("ë" is "e", "ß" is "ss"), typographic
 * apostrophes and dashes as ASCII ones, and runs of white space as one space.  Letters of other
 * scripts stay as they are (their UTF-8 bytes, which are >= 0x80: word bytes). */

enum { K_WORD, K_SPACE, K_NEWLINE, K_PUNCT, K_IGNORE };

/* U+00C0..U+00FF.  '.' is not a letter (× and ÷); capitals stand for two letters:
 * A "ae", T "th", S "ss". */
static const char latin1[] = "aaaaaaAceeeeiiiidnooooo.ouuuuyTS"
			     "aaaaaaAceeeeiiiidnooooo.ouuuuyTy";
/* U+0100..U+017F; J "ij", O "oe". */
static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiJJjjkkk"
			    "llllllllllnnnnnnnnnooooooOOrrrrrrsssssssstttttt"
			    "uuuuuuuuuuuuwwyyyzzzzzzs";
_Static_assert(sizeof(latin1) == 64 + 1, "one letter for each of U+00C0..U+00FF");
_Static_assert(sizeof(ext_a) == 128 + 1, "one letter for each of U+0100..U+017F");

/* One code point, folded: kind, and the bytes it folds to (none for white space and marks). */
typedef struct fch {
	unsigned char kind;
	unsigned char n;
	unsigned char s[4];
} fch;

static void fch_set(fch *f, int kind, const char *s)
{
	size_t n = strlen(s);
	f->kind = (unsigned char)kind;
	f->n = (unsigned char)(n < sizeof(f->s) ? n : sizeof(f->s));
	memcpy(f->s, s, f->n);
}

static void fold_letter(fch *f, char c)
{
	switch (c) {
	case '.':
		fch_set(f, K_PUNCT, "\x01");
		break;
	case 'A':
		fch_set(f, K_WORD, "ae");
		break;
	case 'T':
		fch_set(f, K_WORD, "th");
		break;
	case 'S':
		fch_set(f, K_WORD, "ss");
		break;
	case 'J':
		fch_set(f, K_WORD, "ij");
		break;
	case 'O':
		fch_set(f, K_WORD, "oe");
		break;
	default:
		f->kind = K_WORD;
		f->n = 1;
		f->s[0] = (unsigned char)c;
		break;
	}
}

static int is_space_cp(unsigned cp)
{
	return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Soft hyphens, combining accents (a decomposed "ë"), zero-width characters, variation
 * selectors: they do not change what a word is. */
static int is_ignorable_cp(unsigned cp)
{
	return cp == 0xAD || (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200D) ||
	       cp == 0x2060 || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F);
}

static void fold_cp(fch *f, unsigned cp, const unsigned char *raw, size_t len)
{
	if (cp >= 0xC0 && cp <= 0xFF) {
		fold_letter(f, latin1[cp - 0xC0]);
	} else if (cp >= 0x100 && cp <= 0x17F) {
		fold_letter(f, ext_a[cp - 0x100]);
	} else if (is_space_cp(cp)) {
		fch_set(f, K_SPACE, "");
	} else if (is_ignorable_cp(cp)) {
		fch_set(f, K_IGNORE, "");
	} else if (cp < 0xC0) {
		fch_set(f, K_PUNCT, "\x01"); /* Latin-1 signs: « » · ¿ ... */
	} else if (cp == 0x218 || cp == 0x219) {
		fch_set(f, K_WORD, "s"); /* Romanian comma below */
	} else if (cp == 0x21A || cp == 0x21B) {
		fch_set(f, K_WORD, "t");
	} else if (cp >= 0x1E80 && cp <= 0x1E85) {
		fch_set(f, K_WORD, "w"); /* Welsh ẁ ẃ ẅ */
	} else if (cp == 0x1EF2 || cp == 0x1EF3) {
		fch_set(f, K_WORD, "y"); /* Welsh ỳ */
	} else if (cp >= 0x2010 && cp <= 0x2015) {
		fch_set(f, K_PUNCT, "-");
	} else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032 || cp == 0x2BC) {
		fch_set(f, K_PUNCT, "'");
	} else if (cp >= 0x201C && cp <= 0x201F) {
		fch_set(f, K_PUNCT, "\"");
	} else if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
		   (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0x1F000) {
		fch_set(f, K_PUNCT, "\x01"); /* punctuation, symbols, emoji */
	} else {
		f->kind = K_WORD; /* a letter of another script, as it is */
		f->n = (unsigned char)len;
		memcpy(f->s, raw, len);
	}
}

/* Decodes and folds the code point at p (avail > 0 bytes); returns the bytes it took.  A byte
 * that is not UTF-8 is one punctuation character. */
static size_t fold1(const unsigned char *p, size_t avail, fch *f)
{
	unsigned c = p[0];
	if (c < 0x80) {
		f->n = 1;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			f->kind = K_WORD;
			f->s[0] = (unsigned char)c;
		} else if (c >= 'A' && c <= 'Z') {
			f->kind = K_WORD;
			f->s[0] = (unsigned char)(c + 32);
		} else if (c == '\n') {
			f->kind = K_NEWLINE;
			f->n = 0;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			f->kind = K_SPACE;
			f->n = 0;
		} else {
			f->kind = K_PUNCT;
			f->s[0] = (unsigned char)c;
		}
		return 1;
	}
	size_t len;
	unsigned cp;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		fch_set(f, K_PUNCT, "\x01");
		return 1;
	}
	if (avail < len) {
		fch_set(f, K_PUNCT, "\x01");
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			fch_set(f, K_PUNCT, "\x01");
			return 1;
		}
		cp = (cp << 6) | (p[i] & 0x3Fu);
	}
	fold_cp(f, cp, p, len);
	return len;
}

/* A byte of the folded form that belongs to a word. */
static int wordb(unsigned char b)
{
	return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b >= 0x80;
}

/* The folded form of a string as a stream of bytes: white space runs are one space, and
 * leading and trailing white space is dropped. */
typedef struct fstream {
	const unsigned char *p, *end;
	fch cur;
	size_t ci;
	int pending_space, started;
} fstream;

static void fstream_init(fstream *s, const char *text, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->p = (const unsigned char *)text;
	s->end = s->p + len;
}

static int fstream_next(fstream *s)
{
	for (;;) {
		if (s->ci < s->cur.n)
			return s->cur.s[s->ci++];
		if (s->p >= s->end)
			return -1;
		fch f;
		s->p += fold1(s->p, (size_t)(s->end - s->p), &f);
		if (f.kind == K_SPACE || f.kind == K_NEWLINE) {
			s->pending_space = s->started;
			continue;
		}
		if (f.kind == K_IGNORE || f.n == 0)
			continue;
		s->cur = f;
		s->ci = 0;
		s->started = 1;
		if (s->pending_space) {
			s->pending_space = 0;
			return ' ';
		}
	}
}

int cf_idscan_same(const char *a, const char *b)
{
	fstream x, y;
	fstream_init(&x, a, strlen(a));
	fstream_init(&y, b, strlen(b));
	for (;;) {
		int ca = fstream_next(&x), cb = fstream_next(&y);
		if (ca != cb)
			return 0;
		if (ca < 0)
			return 1;
	}
}

/* ---- the scanner --------------------------------------------------------------------------
 *
 * Every cost here is linear (in the identifiers' bytes when adding and compiling, in the text's
 * bytes when scanning), whatever the identifiers are and however many share a word:
 *
 *   - the identifiers are compiled (on the first run after one is added) into a trie of their
 *     folded bytes, in which a hyphen is a space; a node where an identifier ends holds it and
 *     the identifiers spelled the same but for hyphens ("Marsh-Tilling", "Marsh Tilling") in
 *     the order they were added;
 *   - at each word of the text a bit for its hash, then the trie, tell whether an identifier's
 *     first word is that word; where one is, the trie is walked along the folded text, one
 *     table look-up a byte, as far as the text goes on like an identifier (at most MAX_PAT
 *     bytes): the cost does not depend on how many identifiers there are or start alike;
 *   - duplicates, pseudonyms' words and dates are found through hash tables.
 *
 * The tables live in the arena: they hold pieces of identifiers. */

#define WIN 512	     /* bytes of folded text compared at one place (on the stack) */
#define MAX_PAT 480  /* a longer identifier is looked for by its first MAX_PAT bytes */
#define FIRST_MAX 64 /* bytes of a first word gathered while reading the text */
#define DATE_WIN 32  /* "2nd of September, 2014" and the like */
/* Hyphen-for-space comparisons at one place of the text.  Only identifiers spelled alike but
 * for their hyphens ("A-B C", "A B-C", ... by the hundred) can need more: which of them has a
 * hyphen wherever the text has one is a subset query, for which nothing much faster than trying
 * each is known.  Past the budget, the one being compared is taken as found: a hit, not a miss. */
#define LOOKALIKE_BUDGET 256

_Static_assert(MAX_PAT + 8 < WIN, "the window holds the longest identifier and a byte more");

typedef struct pattern {
	const unsigned char *text; /* folded, in the arena */
	size_t len;
	cf_id_kind kind;
	int who, aux;
	int part; /* one word of a name: not looked for when short or a pseudonym's word */
	/* compiled */
	int dead;	  /* never reported: too short, a pseudonym's word, or a duplicate */
	cf_id_kind ekind; /* the kind and aux reported: its duplicates' most telling */
	int eaux;
	uint32_t next_alike; /* 1 + the next pattern at its trie node, or 0 */
} pattern;

typedef struct date_id {
	int y, m, d;
	int who, aux;
	cf_id_kind kind;
} date_id;

typedef struct word {
	const unsigned char *text;
	size_t len;
} word;

/* Open addressing with linear probing, at most half full; a key is never 0 (empty). */
typedef struct htab {
	uint64_t *key;
	uint32_t *val;
	size_t mask;
} htab;

/* The trie's edges, the same way, one 64-bit slot each (one memory access a step of the
 * walk): the key (1 + the parent node << 8 | the byte) from bit E_SHIFT, then two flags of the
 * child (an identifier ends there; an identifier's first word does), then the child. */
#define NODE_BITS 26
#define NODE_MAX ((size_t)1 << NODE_BITS) /* 64 Mi: the identifiers' bytes, at most */
#define E_END ((uint64_t)1 << NODE_BITS)
#define E_FIRST ((uint64_t)1 << (NODE_BITS + 1))
#define E_SHIFT (NODE_BITS + 2)
#define E_NODE(e) ((uint32_t)((e) & (NODE_MAX - 1)))

typedef struct etab {
	uint64_t *slot;
	size_t mask;
} etab;

struct cf_idscan {
	cf_arena *arena;
	pattern *pats;
	size_t n_pats, cap_pats;
	date_id *dates;
	size_t n_dates, cap_dates;
	word *stop;
	size_t n_stop, cap_stop;
	/* compiled (on the first run after anything was added) */
	int compiled;
	etab kids;	     /* the trie's edges; the root is node 0 */
	uint64_t root[256];  /* the root's edges, for the first byte of every word */
	uint32_t *head;	     /* by node: 1 + the first pattern that ends there, or 0 */
	uint64_t *firsts;    /* a bit for the hash of each pattern's first word */
	size_t firsts_mask;  /* its bits, less one */
	htab dates_ymd;	     /* (year, month, day) -> the first date added with them */
	htab dates_yy;	     /* (year % 100, month, day) -> the same, for "2/3/14" */
	htab years;	     /* the dates' years */
	uint32_t day_mask;   /* the days of the month of the dates: bit d */
	uint32_t month_mask; /* their months: bit m */
	size_t work;	     /* steps taken (cf_idscan_work) */
};

/* Grows an array that lives in the arena (the old copy stays there until the arena goes). */
static int arena_grow(cf_arena *a, void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return -1;
	void *p = cf_arena_alloc(a, ncap * size);
	if (!p)
		return -1;
	if (*arr)
		memcpy(p, *arr, n * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A table with room for n keys. */
static int htab_init(cf_arena *a, htab *t, size_t n)
{
	size_t cap = 16;
	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 2 / sizeof(uint64_t))
			return -1;
		cap *= 2;
	}
	t->key = cf_arena_alloc(a, cap * sizeof(uint64_t));
	t->val = cf_arena_alloc(a, cap * sizeof(uint32_t));
	t->mask = cap - 1;
	return t->key && t->val ? 0 : -1;
}

/* The slot of key, or the empty one where it would go. */
static size_t htab_slot(const htab *t, uint64_t key, size_t *work)
{
	size_t i = (size_t)mix64(key) & t->mask;
	for (;;) {
		++*work;
		if (t->key[i] == key || t->key[i] == 0)
			return i;
		i = (i + 1) & t->mask;
	}
}

/* The value of key, or 0 when it is absent (so values the caller wants to find are > 0). */
static uint32_t htab_get(const htab *t, uint64_t key, size_t *work)
{
	size_t i = htab_slot(t, key, work);
	return t->key[i] ? t->val[i] : 0;
}

/* Adds key with val unless it is there; returns its value. */
static uint32_t htab_add(htab *t, uint64_t key, uint32_t val, size_t *work)
{
	size_t i = htab_slot(t, key, work);
	if (!t->key[i]) {
		t->key[i] = key;
		t->val[i] = val;
	}
	return t->val[i];
}

/* The key of a folded text (never 0).  Different texts may share one: compare them. */
static uint64_t text_key(const unsigned char *p, size_t n, size_t *work)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a, then mixed */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	*work += n;
	h = mix64(h ^ n);
	return h ? h : 1;
}

int cf_idscan_new(cf_idscan **out, cf_arena *arena)
{
	*out = cf_arena_alloc(arena, sizeof(**out));
	if (!*out)
		return -1;
	(*out)->arena = arena;
	return 0;
}

size_t cf_idscan_count(const cf_idscan *s)
{
	return s->n_pats + s->n_dates;
}

size_t cf_idscan_work(const cf_idscan *s)
{
	return s->work;
}

/* The folded form of text[0..len) in the arena, trimmed to its first and last word bytes. */
static unsigned char *fold_into(cf_idscan *s, const char *text, size_t len, size_t *out_len)
{
	fstream st;
	size_t n = 0;
	fstream_init(&st, text, len);
	while (fstream_next(&st) >= 0)
		n++;
	unsigned char *buf = cf_arena_alloc(s->arena, n + 1);
	if (!buf)
		return NULL;
	fstream_init(&st, text, len);
	int c;
	size_t i = 0;
	while ((c = fstream_next(&st)) >= 0 && i < n)
		buf[i++] = (unsigned char)c;
	size_t start = 0;
	while (start < n && !wordb(buf[start]))
		start++;
	while (n > start && !wordb(buf[n - 1]))
		n--;
	s->work += 2 * len + n;
	*out_len = n - start;
	return buf + start;
}

static int add_pattern(cf_idscan *s, const unsigned char *text, size_t len, cf_id_kind kind,
		       int who, int aux, int part)
{
	while (len && !wordb(text[0])) {
		text++;
		len--;
	}
	while (len && !wordb(text[len - 1]))
		len--;
	if (len == 0)
		return 0;
	if (len > MAX_PAT) {
		/* looked for by its beginning, cut at a word's end: more sensitive, never less */
		size_t cut = MAX_PAT;
		while (cut > 1 && (wordb(text[cut]) || !wordb(text[cut - 1])))
			cut--;
		s->work += MAX_PAT - cut;
		len = cut;
	}
	if (s->n_pats >= UINT32_MAX / 2 ||
	    arena_grow(s->arena, (void **)&s->pats, &s->cap_pats, s->n_pats, sizeof(pattern)) < 0)
		return -1;
	pattern *p = &s->pats[s->n_pats++];
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->len = len;
	p->kind = kind;
	p->who = who;
	p->aux = aux;
	p->part = part;
	s->compiled = 0;
	s->work++;
	return 0;
}

int cf_idscan_add_pseudonym(cf_idscan *s, const char *pseudonym)
{
	size_t n;
	const unsigned char *f = fold_into(s, pseudonym, strlen(pseudonym), &n);
	if (!f)
		return -1;
	for (size_t i = 0; i < n;) {
		if (!wordb(f[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && wordb(f[j]))
			j++;
		if (s->n_stop >= UINT32_MAX / 2 ||
		    arena_grow(s->arena, (void **)&s->stop, &s->cap_stop, s->n_stop, sizeof(word)) <
			0)
			return -1;
		s->stop[s->n_stop].text = f + i;
		s->stop[s->n_stop].len = j - i;
		s->n_stop++;
		s->compiled = 0;
		i = j;
	}
	return 0;
}

int cf_idscan_add_name(cf_idscan *s, int who, int aux, cf_id_kind kind, const char *name)
{
	size_t n;
	const unsigned char *f = fold_into(s, name, strlen(name), &n);
	if (!f)
		return -1;
	size_t words = 0;
	for (size_t i = 0; i < n; i++)
		words += f[i] == ' ';
	words += n > 0;
	s->work += n;
	if (words <= 1) /* a one-word name is one of its parts */
		return add_pattern(s, f, n, kind, who, aux, 1);
	if (add_pattern(s, f, n, kind, who, aux, 0) < 0)
		return -1;
	size_t w = 0;
	for (size_t i = 0; i < n; w++) {
		size_t j = i;
		while (j < n && f[j] != ' ')
			j++;
		cf_id_kind k = w == 0		? CF_ID_FIRST_NAME
			       : w + 1 == words ? CF_ID_SURNAME
						: CF_ID_MIDDLE_NAME;
		if (add_pattern(s, f + i, j - i, k, who, aux, 1) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

int cf_idscan_add_phrase(cf_idscan *s, int who, int aux, cf_id_kind kind, const char *text)
{
	size_t n;
	const unsigned char *f = fold_into(s, text, strlen(text), &n);
	return f ? add_pattern(s, f, n, kind, who, aux, 0) : -1;
}

static int word_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

int cf_idscan_add_address(cf_idscan *s, int who, int aux, const char *address)
{
	if (cf_idscan_add_phrase(s, who, aux, CF_ID_ADDRESS, address) < 0)
		return -1;
	/* The first line: segments up to the first three words, so that "Room 4, Harbourside
	 * Lodge" is one, and "41 Fellgate Terrace" is another.  The words are counted as the
	 * segments are read, once each. */
	size_t len = strlen(address), end = 0, words = 0, counted = 0;
	int in = 0;
	while (end < len) {
		size_t next = end;
		while (next < len && address[next] != ',' && address[next] != '\n')
			next++;
		end = next;
		for (; counted < end; counted++) {
			int sp = word_sep(address[counted]);
			words += !sp && !in;
			in = !sp;
		}
		if (words >= 3)
			break;
		end++;
	}
	s->work += len;
	if (end >= len)
		return 0; /* the first line is the whole address */
	size_t n;
	const unsigned char *f = fold_into(s, address, end, &n);
	return f ? add_pattern(s, f, n, CF_ID_ADDRESS, who, aux, 0) : -1;
}

int cf_idscan_add_date(cf_idscan *s, int who, int aux, cf_id_kind kind, int year, int month,
		       int day)
{
	if (s->n_dates >= UINT32_MAX / 2 || arena_grow(s->arena, (void **)&s->dates, &s->cap_dates,
						       s->n_dates, sizeof(date_id)) < 0)
		return -1;
	date_id *d = &s->dates[s->n_dates++];
	d->y = year;
	d->m = month;
	d->d = day;
	d->who = who;
	d->aux = aux;
	d->kind = kind;
	s->compiled = 0;
	s->work++;
	return 0;
}

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

/* The hash of a word's first FIRST_MAX bytes, as the scan computes it while reading. */
static uint32_t word_hash(const unsigned char *p, size_t n)
{
	uint32_t h = FNV_OFFSET;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

/* In the trie a hyphen is a space: "Marsh-Tilling" and "Marsh Tilling" share a node. */
static unsigned char canon(unsigned char c)
{
	return c == '-' ? ' ' : c;
}

static uint64_t kid_key(uint32_t node, unsigned char c)
{
	return ((uint64_t)node << 8 | c) + 1;
}

/* The slot of the edge from node by byte c, or the empty one where it would go. */
static size_t edge_slot(const etab *t, uint32_t node, unsigned char c, size_t *work)
{
	uint64_t key = kid_key(node, c);
	size_t i = (size_t)mix64(key) & t->mask;
	for (;;) {
		++*work;
		uint64_t e = t->slot[i];
		if (!e || e >> E_SHIFT == key)
			return i;
		i = (i + 1) & t->mask;
	}
}

/* The edge from node by byte c, or 0. */
static uint64_t edge_get(const etab *t, uint32_t node, unsigned char c, size_t *work)
{
	return t->slot[edge_slot(t, node, c, work)];
}

static uint64_t date_key(int y, int m, int d)
{
	return (uint64_t)(uint32_t)y << 16 | (uint64_t)m << 8 | (uint64_t)d; /* m >= 1: never 0 */
}

static uint64_t year_key(int y)
{
	return (uint64_t)(uint32_t)y + 1;
}

/* Is the text f[0..n) a word of a pseudonym? */
static int is_stopword(const cf_idscan *s, const htab *stop, const unsigned char *f, size_t n,
		       size_t *work)
{
	uint64_t key = text_key(f, n, work);
	for (size_t i = (size_t)mix64(key) & stop->mask; stop->key[i]; i = (i + 1) & stop->mask) {
		++*work;
		const word *w = &s->stop[stop->val[i] - 1];
		if (stop->key[i] == key && w->len == n && memcmp(w->text, f, n) == 0) {
			*work += n;
			return 1;
		}
	}
	return 0;
}

/* The patterns that can be reported, deduplicated, in a trie; the dates in tables. */
static int compile(cf_idscan *s)
{
	size_t work = 0;
	htab stop, seen;
	if (htab_init(s->arena, &stop, s->n_stop) < 0 || htab_init(s->arena, &seen, s->n_pats) < 0)
		return -1;
	for (size_t i = 0; i < s->n_stop; i++) {
		const word *w = &s->stop[i];
		uint64_t key = text_key(w->text, w->len, &work);
		size_t k = (size_t)mix64(key) & stop.mask;
		while (stop.key[k]) {
			work++;
			k = (k + 1) & stop.mask;
		}
		stop.key[k] = key;
		stop.val[k] = (uint32_t)(i + 1);
	}

	/* The same text once, as the first added: another with it can never win (the first
	 * added wins among the longest).  The same text for the same person is reported as its
	 * most telling kind (name, alias, surname, ...: a one-word alias that is also the
	 * surname is the surname's). */
	size_t bytes = 1; /* the trie's nodes, at most */
	for (size_t i = 0; i < s->n_pats; i++) {
		pattern *p = &s->pats[i];
		p->dead = 0;
		p->ekind = p->kind;
		p->eaux = p->aux;
		p->next_alike = 0;
		if (p->part) {
			size_t letters = 0;
			for (size_t k = 0; k < p->len; k++)
				letters +=
				    wordb(p->text[k]) && !(p->text[k] >= '0' && p->text[k] <= '9');
			work += p->len;
			if (letters < 3 || is_stopword(s, &stop, p->text, p->len, &work)) {
				p->dead = 1;
				continue;
			}
		}
		uint64_t key = text_key(p->text, p->len, &work);
		size_t k = (size_t)mix64(key) & seen.mask;
		for (; seen.key[k]; k = (k + 1) & seen.mask) {
			work++;
			pattern *r = &s->pats[seen.val[k] - 1];
			if (seen.key[k] != key || r->len != p->len ||
			    memcmp(r->text, p->text, p->len) != 0)
				continue;
			work += p->len;
			if (r->who == p->who && p->kind < r->ekind) {
				r->ekind = p->kind;
				r->eaux = p->aux;
			}
			p->dead = 1;
			break;
		}
		if (p->dead)
			continue;
		seen.key[k] = key;
		seen.val[k] = (uint32_t)(i + 1);
		bytes += p->len;
	}
	if (bytes >= NODE_MAX)
		return -1;
	size_t cap = 16;
	while (cap / 2 < bytes)
		cap *= 2;
	s->kids.slot = cf_arena_alloc(s->arena, cap * sizeof(uint64_t));
	s->kids.mask = cap - 1;
	s->head = cf_arena_alloc(s->arena, bytes * sizeof(uint32_t));
	if (!s->kids.slot || !s->head)
		return -1;
	size_t nbits = 1024;
	while (nbits / 16 < s->n_pats && nbits < SIZE_MAX / 32)
		nbits *= 2;
	s->firsts = cf_arena_alloc(s->arena, nbits / 8);
	if (!s->firsts)
		return -1;
	s->firsts_mask = nbits - 1;
	uint32_t n_nodes = 1;
	/* in reverse, each put first at its node: the nodes list them in the order added */
	for (size_t i = s->n_pats; i-- > 0;) {
		pattern *p = &s->pats[i];
		if (p->dead)
			continue;
		uint32_t node = 0;
		size_t first = 1; /* the bytes of its first word */
		while (first < p->len && wordb(p->text[first]))
			first++;
		work += first;
		uint32_t h = word_hash(p->text, first < FIRST_MAX ? first : FIRST_MAX);
		s->firsts[(h & s->firsts_mask) / 64] |= 1ull << (h & 63);
		size_t slot = 0;
		for (size_t k = 0; k < p->len; k++) {
			unsigned char c = canon(p->text[k]);
			slot = edge_slot(&s->kids, node, c, &work);
			if (!s->kids.slot[slot])
				s->kids.slot[slot] = kid_key(node, c) << E_SHIFT | n_nodes++;
			if (k + 1 == first)
				s->kids.slot[slot] |= E_FIRST;
			node = E_NODE(s->kids.slot[slot]);
		}
		s->kids.slot[slot] |= E_END;
		p->next_alike = s->head[node];
		s->head[node] = (uint32_t)(i + 1);
	}
	for (unsigned c = 0; c < 256; c++)
		s->root[c] = edge_get(&s->kids, 0, (unsigned char)c, &work);

	if (htab_init(s->arena, &s->dates_ymd, s->n_dates) < 0 ||
	    htab_init(s->arena, &s->dates_yy, s->n_dates) < 0 ||
	    htab_init(s->arena, &s->years, s->n_dates) < 0)
		return -1;
	s->day_mask = s->month_mask = 0;
	for (size_t i = 0; i < s->n_dates; i++) {
		const date_id *d = &s->dates[i];
		htab_add(&s->years, year_key(d->y), 1, &work);
		if (d->m < 1 || d->m > 12 || d->d < 1 || d->d > 31)
			continue; /* no date in a text is that one */
		s->day_mask |= 1u << d->d;
		s->month_mask |= 1u << d->m;
		htab_add(&s->dates_ymd, date_key(d->y, d->m, d->d), (uint32_t)(i + 1), &work);
		htab_add(&s->dates_yy, date_key(d->y % 100, d->m, d->d), (uint32_t)(i + 1), &work);
	}
	s->work += work;
	s->compiled = 1;
	return 0;
}

/* ---- dates as people write them ----------------------------------------------------------- */

/* The months' names and abbreviations, longest first within each initial. */
typedef struct month_name {
	const char *name;
	unsigned char len, month;
} month_name;

static const month_name m_j[] = {{"january", 7, 1}, {"june", 4, 6}, {"july", 4, 7},
				 {"jan", 3, 1},	    {"jun", 3, 6},  {"jul", 3, 7}};
static const month_name m_f[] = {{"february", 8, 2}, {"feb", 3, 2}};
static const month_name m_m[] = {{"march", 5, 3}, {"may", 3, 5}, {"mar", 3, 3}};
static const month_name m_a[] = {{"august", 6, 8}, {"april", 5, 4}, {"aug", 3, 8}, {"apr", 3, 4}};
static const month_name m_s[] = {{"september", 9, 9}, {"sept", 4, 9}, {"sep", 3, 9}};
static const month_name m_o[] = {{"october", 7, 10}, {"oct", 3, 10}};
static const month_name m_n[] = {{"november", 8, 11}, {"nov", 3, 11}};
static const month_name m_d[] = {{"december", 8, 12}, {"dec", 3, 12}};

/* The names above by their first letter, so a word is compared with the few that could be
 * its month. */
typedef struct month_group {
	const month_name *names;
	size_t n;
} month_group;

#define N_OF(a) (sizeof(a) / sizeof(*(a)))
static const month_group months_by_letter['z' - 'a' + 1] = {
    ['j' - 'a'] = {m_j, N_OF(m_j)}, ['f' - 'a'] = {m_f, N_OF(m_f)}, ['m' - 'a'] = {m_m, N_OF(m_m)},
    ['a' - 'a'] = {m_a, N_OF(m_a)}, ['s' - 'a'] = {m_s, N_OF(m_s)}, ['o' - 'a'] = {m_o, N_OF(m_o)},
    ['n' - 'a'] = {m_n, N_OF(m_n)}, ['d' - 'a'] = {m_d, N_OF(m_d)}};
#undef N_OF

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A month's name or abbreviation at w[i], followed by a non-word byte: its length. */
static size_t month_at(const unsigned char *w, size_t n, size_t i, int *month)
{
	if (i >= n || w[i] < 'a' || w[i] > 'z')
		return 0;
	const month_group *g = &months_by_letter[w[i] - 'a'];
	const month_name *m = g->names;
	size_t k = g->n; /* most words do not start like a month: none to try */
	for (size_t j = 0; j < k; j++) {
		size_t l = m[j].len;
		if (i + l <= n && memcmp(w + i, m[j].name, l) == 0 &&
		    (i + l == n || !wordb(w[i + l]))) {
			*month = m[j].month;
			return l;
		}
	}
	return 0;
}

/* Up to max digits at w[*i]: how many, and their value. */
static int number_at(const unsigned char *w, size_t n, size_t *i, int max, int *val)
{
	int k = 0;
	*val = 0;
	while (*i < n && k < max && is_digit(w[*i])) {
		*val = *val * 10 + (w[*i] - '0');
		(*i)++;
		k++;
	}
	if (*i < n && is_digit(w[*i]))
		return 0; /* more digits than a date has there */
	return k;
}

static size_t ordinal_at(const unsigned char *w, size_t n, size_t i)
{
	static const char *const sfx[] = {"st", "nd", "rd", "th"};
	for (size_t k = 0; k < 4; k++)
		if (i + 2 <= n && memcmp(w + i, sfx[k], 2) == 0 && (i + 2 == n || !wordb(w[i + 2])))
			return 2;
	return 0;
}

static int ends_word(const unsigned char *w, size_t n, size_t i)
{
	return i >= n || !wordb(w[i]);
}

typedef struct found_date {
	int y, m, d;
	int two_digit_year;
	size_t len; /* folded bytes */
} found_date;

/* 2014-03-02 (also with / or .) */
static int date_iso(found_date *out, const unsigned char *w, size_t n, size_t i, int year)
{
	unsigned char sep = w[i++];
	int m, d;
	if (number_at(w, n, &i, 2, &m) < 1 || i >= n || w[i] != sep)
		return 0;
	i++;
	if (number_at(w, n, &i, 2, &d) < 1 || !ends_word(w, n, i))
		return 0;
	*out = (found_date){year, m, d, 0, i};
	return 1;
}

/* 02/03/2014, 2/3/14, 02.03.2014, 2-3-2014: the day first */
static int date_numeric(found_date *out, const unsigned char *w, size_t n, size_t i, int day)
{
	unsigned char sep = w[i++];
	int m, y;
	if (number_at(w, n, &i, 2, &m) < 1 || i >= n || w[i] != sep)
		return 0;
	i++;
	int k = number_at(w, n, &i, 4, &y);
	if ((k != 2 && k != 4) || !ends_word(w, n, i))
		return 0;
	*out = (found_date){y, m, day, k == 2, i};
	return 1;
}

/* 2 March 2014, 2nd March 2014, 2nd of March, 2014, 2 Mar. 2014 */
static int date_day_month(found_date *out, const unsigned char *w, size_t n, size_t i, int day)
{
	i += ordinal_at(w, n, i);
	if (!ends_word(w, n, i))
		return 0;
	if (i < n && w[i] == ' ')
		i++;
	if (i + 3 <= n && memcmp(w + i, "of ", 3) == 0)
		i += 3;
	int m, y;
	size_t l = month_at(w, n, i, &m);
	if (!l)
		return 0;
	i += l;
	if (i < n && w[i] == '.')
		i++;
	if (i < n && w[i] == ',')
		i++;
	if (i >= n || w[i] != ' ')
		return 0;
	i++;
	if (number_at(w, n, &i, 4, &y) != 4 || !ends_word(w, n, i))
		return 0;
	*out = (found_date){y, m, day, 0, i};
	return 1;
}

/* March 2, 2014, March 2nd 2014, Mar. 2 2014 */
static int date_month_day(found_date *out, const unsigned char *w, size_t n)
{
	int m, d, y;
	size_t i = month_at(w, n, 0, &m);
	if (!i)
		return 0;
	if (i < n && w[i] == '.')
		i++;
	if (i >= n || w[i] != ' ')
		return 0;
	i++;
	if (number_at(w, n, &i, 2, &d) < 1)
		return 0;
	i += ordinal_at(w, n, i);
	if (i < n && w[i] == ',')
		i++;
	if (i >= n || w[i] != ' ')
		return 0;
	i++;
	if (number_at(w, n, &i, 4, &y) != 4 || !ends_word(w, n, i))
		return 0;
	*out = (found_date){y, m, d, 0, i};
	return 1;
}

static int is_date_sep(unsigned char c)
{
	return c == '-' || c == '/' || c == '.';
}

/* A date at the start of the folded window w. */
static int parse_date(found_date *out, const unsigned char *w, size_t n)
{
	int ok = 0;
	if (is_digit(w[0])) {
		size_t i = 0;
		int a, k = number_at(w, n, &i, 4, &a);
		if (k == 4 && i < n && is_date_sep(w[i]))
			ok = date_iso(out, w, n, i, a);
		else if ((k == 1 || k == 2) && i < n && is_date_sep(w[i]))
			ok = date_numeric(out, w, n, i, a);
		else if (k == 1 || k == 2)
			ok = date_day_month(out, w, n, i, a);
	} else {
		ok = date_month_day(out, w, n);
	}
	return ok && out->m >= 1 && out->m <= 12 && out->d >= 1 && out->d <= 31;
}

/* ---- scanning ------------------------------------------------------------------------------ */

typedef struct scan {
	const cf_idscan *s;
	const unsigned char *t;
	size_t len;
	cf_idhits *out;
	size_t skip; /* no match starts before this byte: it is inside the last hit */
	size_t work;
} scan;

/* The text from one place, folded as far as it is needed: white space runs as one space or,
 * when they hold a blank line, as '\n' (a paragraph break, which no identifier spans).
 * wend[k] is the byte of the text after the character that folded byte k came from. */
typedef struct window {
	unsigned char w[WIN];
	size_t wend[WIN];
	size_t n; /* bytes folded */
	size_t p; /* the text's next byte */
} window;

/* Folds on until the window holds need bytes (a character's last ones may go past it) or the
 * text ends. */
static void fold_more(scan *S, window *W, size_t need)
{
	const unsigned char *t = S->t;
	size_t len = S->len, n = W->n, p = W->p;
	unsigned char *w = W->w;
	size_t *wend = W->wend;
	if (need > WIN - 4)
		need = WIN - 4;
	while (p < len && n < need) {
		S->work++;
		unsigned char c = t[p];
		if (c > ' ' && c < 0x7F) { /* printable ASCII folds to itself, in lower case */
			w[n] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			wend[n++] = ++p;
			continue;
		}
		fch f;
		size_t adv = fold1(t + p, len - p, &f);
		if (f.kind == K_SPACE || f.kind == K_NEWLINE) {
			int nl = 0;
			size_t q = p;
			while (q < len) {
				fch g;
				size_t a = fold1(t + q, len - q, &g);
				if (g.kind == K_NEWLINE)
					nl++;
				else if (g.kind != K_SPACE)
					break;
				q += a;
				S->work++;
			}
			p = q;
			if (nl == 1 && n > 0 && w[n - 1] == '-')
				continue; /* a name wrapped at its hyphen: "Vosper-\nHatch" */
			w[n] = nl >= 2 ? '\n' : ' ';
			wend[n++] = q;
			continue;
		}
		p += adv;
		if (f.kind == K_IGNORE) {
			if (n)
				wend[n - 1] = p; /* a mark belongs to the letter before it */
			continue;
		}
		for (size_t k = 0; k < f.n; k++) { /* f.n <= 4: room is left for them */
			w[n] = f.s[k];
			wend[n++] = p;
		}
	}
	W->n = n;
	W->p = p;
}

/* Could a date that starts with this word be one of the dates?  A cheap look at the first
 * word (the day, the year or the month) before the whole date is read. */
static int date_may_start(scan *S, const unsigned char *fw, size_t n)
{
	const cf_idscan *s = S->s;
	if (!is_digit(fw[0])) {
		int m;
		return n >= 3 && n <= 9 && month_at(fw, n, 0, &m) == n && (s->month_mask >> m & 1);
	}
	size_t k = 0;
	int v = 0;
	while (k < n && k < 5 && is_digit(fw[k]))
		v = v * 10 + (fw[k++] - '0');
	if (k == 4 && k == n)
		return htab_get(&s->years, year_key(v), &S->work) != 0;
	if (k > 2 || (k < n && !(n - k == 2 && ordinal_at(fw, n, k))))
		return 0;
	return v <= 31 && (s->day_mask >> v & 1);
}

static int push_hit(cf_idhits *out, const cf_idhit *h)
{
	if (out->n == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(cf_idhit))
			return -1;
		cf_idhit *p = realloc(out->items, ncap * sizeof(*p));
		if (!p)
			return -1;
		out->items = p;
		out->cap = ncap;
	}
	out->items[out->n++] = *h;
	return 0;
}

/* Does pattern pt, whose words (a hyphen as a space) are the text's at this place, match it
 * there: has it a hyphen wherever the text has one (hy, the hyphens of the window, ascending)
 * before len?  A hyphen in pt also matches a space, not the other way round. */
static int alike_fits(const pattern *pt, const uint16_t *hy, size_t nhy, size_t len, size_t *budget)
{
	for (size_t k = 0; k < nhy && hy[k] < len; k++) {
		if (*budget == 0)
			return 1; /* taken as found (LOOKALIKE_BUDGET) */
		--*budget;
		if (pt->text[hy[k]] != '-')
			return 0;
	}
	return 1;
}

/* The longest identifier at pos, whose first word (nfw folded bytes) led along trie edge e
 * (0: none did), and the date there when date: the text is folded into a window as far as
 * the trie goes along it.  Kept apart from word_at so that the window's stack frame is only
 * paid for at candidates. */
static __attribute__((noinline)) int match_at(scan *S, size_t pos, unsigned line, unsigned col,
					      uint64_t e, size_t nfw, int date)
{
	const cf_idscan *s = S->s;
	window W;
	W.n = 0;
	W.p = pos;
	/* the nodes on the way where a pattern ends at a word's end, and the text's hyphens */
	uint32_t term[MAX_PAT / 2 + 2];
	uint16_t term_len[MAX_PAT / 2 + 2];
	uint16_t hy[MAX_PAT + 1];
	size_t n_term = 0, n_hy = 0;
	for (size_t d = nfw; e;) {
		if (d >= W.n)
			fold_more(S, &W, d + 32); /* a few at a time */
		int end = d >= W.n;
		if ((e & E_END) && (end || !wordb(W.w[d])) && n_term < MAX_PAT / 2 + 2) {
			term[n_term] = E_NODE(e);
			term_len[n_term++] = (uint16_t)d;
		}
		if (end || d >= MAX_PAT)
			break;
		unsigned char c = W.w[d];
		if (c == '-')
			hy[n_hy++] = (uint16_t)d;
		e = edge_get(&s->kids, E_NODE(e), canon(c), &S->work);
		d++;
	}
	cf_idhit best = {line, col, pos, 0, 0, 0, CF_ID_NAME};
	/* the longest first; at one node, the first added that fits */
	size_t budget = LOOKALIKE_BUDGET;
	for (size_t t = n_term; t-- > 0 && !best.len;) {
		/* term[0..n_term) were set above */
		// cppcheck-suppress uninitvar
		for (uint32_t i = s->head[term[t]]; i; i = s->pats[i - 1].next_alike) {
			const pattern *pt = &s->pats[i - 1];
			S->work++;
			if (budget)
				budget--;
			if (!alike_fits(pt, hy, n_hy, term_len[t], &budget))
				continue;
			best.len = W.wend[term_len[t] - 1] - pos;
			best.who = pt->who;
			best.aux = pt->eaux;
			best.kind = pt->ekind;
			break;
		}
	}
	found_date fd;
	if (date) {
		fold_more(S, &W, DATE_WIN + 1);
		S->work += DATE_WIN;
	}
	if (date && parse_date(&fd, W.w, W.n)) {
		const htab *tab = fd.two_digit_year ? &s->dates_yy : &s->dates_ymd;
		uint32_t i = htab_get(tab, date_key(fd.y, fd.m, fd.d), &S->work);
		size_t end = W.wend[fd.len - 1];
		if (i && end - pos > best.len) {
			const date_id *d = &s->dates[i - 1];
			best.len = end - pos;
			best.who = d->who;
			best.aux = d->aux;
			best.kind = d->kind;
		}
	}
	if (!best.len)
		return 0;
	S->skip = pos + best.len;
	return push_hit(S->out, &best);
}

/* A word started at pos and folds to fw (its first FIRST_MAX bytes): could any identifier
 * start there?  The trie is walked along the word: most words leave it at once. */
static int word_at(scan *S, size_t pos, unsigned line, unsigned col, const unsigned char *fw,
		   size_t nfw, uint32_t h)
{
	const cf_idscan *s = S->s;
	uint64_t e = 0;
	if (s->firsts[(h & s->firsts_mask) / 64] >> (h & 63) & 1)
		e = s->root[fw[0]];
	S->work++;
	for (size_t i = 1; i < nfw && e; i++)
		e = edge_get(&s->kids, E_NODE(e), fw[i], &S->work);
	if (nfw < FIRST_MAX && !(e & E_FIRST))
		e = 0; /* the word only begins an identifier's first word */
	int date = s->n_dates && date_may_start(S, fw, nfw);
	if (!e && !date)
		return 0;
	return match_at(S, pos, line, col, e, nfw, date);
}

/* Memory ran out for the hits. */
static int run_failed(cf_idscan *s, const scan *S)
{
	s->work += S->work;
	return -1;
}

int cf_idscan_run(cf_idhits *out, cf_idscan *s, const char *text, size_t len, unsigned first_line)
{
	return cf_idscan_run_at(out, s, text, len, first_line, 1);
}

int cf_idscan_run_at(cf_idhits *out, cf_idscan *s, const char *text, size_t len,
		     unsigned first_line, unsigned first_col)
{
	if (!s->compiled && compile(s) < 0)
		return -1;
	if (!text || (s->n_pats == 0 && s->n_dates == 0))
		return 0;
	scan S = {s, (const unsigned char *)text, len, out, 0, len};
	const unsigned char *t = S.t;
	unsigned line = first_line, col = first_col; /* the word being read: where it started, and
							its first bytes folded and hashed */
	int in_word = 0;
	size_t wpos = 0, nfw = 0;
	unsigned wline = 0, wcol = 0;
	unsigned char fw[FIRST_MAX];
	uint32_t h = FNV_OFFSET;
	size_t pos = 0;
	while (pos < len) {
		unsigned char c = t[pos];
		if (c < 0x80) { /* the common case, without decoding */
			unsigned char lc = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			if ((unsigned)(lc - 'a') < 26u || (unsigned)(c - '0') < 10u) {
				if (!in_word) {
					in_word = 1;
					wpos = pos;
					wline = line;
					wcol = col;
					nfw = 0;
					h = FNV_OFFSET;
				}
				if (nfw < FIRST_MAX) {
					fw[nfw++] = lc;
					h = (h ^ lc) * FNV_PRIME;
				}
				col++;
			} else {
				if (in_word) {
					in_word = 0;
					if (wpos >= S.skip &&
					    word_at(&S, wpos, wline, wcol, fw, nfw, h) < 0)
						return run_failed(s, &S);
				}
				if (c == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			pos++;
			continue;
		}
		fch f;
		size_t adv = fold1(t + pos, len - pos, &f);
		if (f.kind == K_WORD) {
			if (!in_word) {
				in_word = 1;
				wpos = pos;
				wline = line;
				wcol = col;
				nfw = 0;
				h = FNV_OFFSET;
			}
			for (size_t k = 0; k < f.n && nfw < FIRST_MAX; k++) {
				fw[nfw++] = f.s[k];
				h = (h ^ f.s[k]) * FNV_PRIME;
			}
		} else if (f.kind != K_IGNORE && in_word) {
			in_word = 0;
			if (wpos >= S.skip && word_at(&S, wpos, wline, wcol, fw, nfw, h) < 0)
				return run_failed(s, &S);
		}
		col++;
		pos += adv;
	}
	if (in_word && wpos >= S.skip && word_at(&S, wpos, wline, wcol, fw, nfw, h) < 0)
		return run_failed(s, &S);
	s->work += S.work;
	return 0;
}

void cf_idhits_free(cf_idhits *h)
{
	free(h->items);
	h->items = NULL;
	h->n = h->cap = 0;
}

const char *cf_id_kind_name(cf_id_kind k)
{
	switch (k) {
	case CF_ID_NAME:
		return "name";
	case CF_ID_ALIAS:
		return "alias";
	case CF_ID_SURNAME:
		return "surname";
	case CF_ID_FIRST_NAME:
		return "first name";
	case CF_ID_MIDDLE_NAME:
		return "middle name";
	case CF_ID_DOB:
		return "date of birth";
	case CF_ID_ADDRESS:
		return "address";
	case CF_ID_SCHOOL:
		return "school";
	default:
		return "identifier";
	}
}
