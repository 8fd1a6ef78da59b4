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

/* ---- the scanner -------------------------------------------------------------------------- */

#define WIN 512	     /* bytes of folded text compared at one place (on the stack) */
#define MAX_PAT 480  /* a longer identifier is looked for by its first MAX_PAT bytes */
#define FIRST_MAX 64 /* bytes of a first word that are hashed */
#define DATE_WIN 32  /* "2nd of September, 2014" and the like */

typedef struct pattern {
	const unsigned char *text; /* folded, in the arena */
	size_t len;
	size_t first; /* bytes of its first word (at most FIRST_MAX) */
	uint32_t hash;
	cf_id_kind kind;
	int who, aux;
	int part; /* one word of a name: not looked for when short or a pseudonym's word */
	int dead;
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

struct cf_idscan {
	cf_arena *arena;
	pattern *pats;
	size_t n_pats, cap_pats;
	date_id *dates;
	size_t n_dates, cap_dates;
	word *stop;
	size_t n_stop, cap_stop;
	/* compiled (on the first run): the live patterns by the hash of their first word */
	int compiled;
	uint32_t *bucket_start; /* n_buckets + 1 */
	uint32_t *order;	/* indices of pats, bucket by bucket */
	size_t n_buckets;
	uint32_t day_mask;   /* the days of the month of the dates: bit d */
	uint32_t month_mask; /* their months: bit m */
};

/* Grows an array that lives in the arena (the old copy stays there until the arena goes). */
static int arena_grow(cf_arena *a, void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = cf_arena_alloc(a, ncap * size);
	if (!p)
		return -1;
	if (*arr)
		memcpy(p, *arr, n * size);
	*arr = p;
	*cap = ncap;
	return 0;
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

/* The folded form of text[0..len) in the arena, trimmed to its first and last word bytes. */
static unsigned char *fold_into(cf_arena *a, const char *text, size_t len, size_t *out_len)
{
	fstream st;
	size_t n = 0;
	fstream_init(&st, text, len);
	while (fstream_next(&st) >= 0)
		n++;
	unsigned char *buf = cf_arena_alloc(a, n + 1);
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
		len = cut;
	}
	if (arena_grow(s->arena, (void **)&s->pats, &s->cap_pats, s->n_pats, sizeof(pattern)) < 0)
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
	return 0;
}

int cf_idscan_add_pseudonym(cf_idscan *s, const char *pseudonym)
{
	size_t n;
	const unsigned char *f = fold_into(s->arena, pseudonym, strlen(pseudonym), &n);
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
		if (arena_grow(s->arena, (void **)&s->stop, &s->cap_stop, s->n_stop, sizeof(word)) <
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
	const unsigned char *f = fold_into(s->arena, name, strlen(name), &n);
	if (!f)
		return -1;
	size_t words = 0;
	for (size_t i = 0; i < n; i++)
		words += f[i] == ' ';
	words += n > 0;
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
	const unsigned char *f = fold_into(s->arena, text, strlen(text), &n);
	return f ? add_pattern(s, f, n, kind, who, aux, 0) : -1;
}

static size_t count_words(const char *s, size_t len)
{
	size_t n = 0;
	int in = 0;
	for (size_t i = 0; i < len; i++) {
		int sp = s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ',';
		n += !sp && !in;
		in = !sp;
	}
	return n;
}

int cf_idscan_add_address(cf_idscan *s, int who, int aux, const char *address)
{
	if (cf_idscan_add_phrase(s, who, aux, CF_ID_ADDRESS, address) < 0)
		return -1;
	/* The first line: segments up to the first three words, so that "Room 4, Harbourside
	 * Lodge" is one, and "41 Fellgate Terrace" is another. */
	size_t len = strlen(address), end = 0;
	while (end < len) {
		size_t next = end;
		while (next < len && address[next] != ',' && address[next] != '\n')
			next++;
		end = next;
		if (count_words(address, end) >= 3)
			break;
		end++;
	}
	if (end >= len)
		return 0; /* the first line is the whole address */
	size_t n;
	const unsigned char *f = fold_into(s->arena, address, end, &n);
	return f ? add_pattern(s, f, n, CF_ID_ADDRESS, who, aux, 0) : -1;
}

int cf_idscan_add_date(cf_idscan *s, int who, int aux, cf_id_kind kind, int year, int month,
		       int day)
{
	if (arena_grow(s->arena, (void **)&s->dates, &s->cap_dates, s->n_dates, sizeof(date_id)) <
	    0)
		return -1;
	date_id *d = &s->dates[s->n_dates++];
	d->y = year;
	d->m = month;
	d->d = day;
	d->who = who;
	d->aux = aux;
	d->kind = kind;
	return 0;
}

static uint32_t hash_bytes(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int is_stopword(const cf_idscan *s, const pattern *p)
{
	for (size_t i = 0; i < s->n_stop; i++)
		if (s->stop[i].len == p->len && memcmp(s->stop[i].text, p->text, p->len) == 0)
			return 1;
	return 0;
}

static int compile(cf_idscan *s)
{
	for (size_t i = 0; i < s->n_pats; i++) {
		pattern *p = &s->pats[i];
		p->dead = 0;
		if (p->part) {
			size_t letters = 0;
			for (size_t k = 0; k < p->len; k++)
				letters +=
				    wordb(p->text[k]) && !(p->text[k] >= '0' && p->text[k] <= '9');
			if (letters < 3 || is_stopword(s, p))
				p->dead = 1;
		}
		size_t f = 0;
		while (f < p->len && f < FIRST_MAX && wordb(p->text[f]))
			f++;
		p->first = f;
		p->hash = hash_bytes(p->text, f);
	}
	/* The same text for the same person once, as its most telling kind (a one-word alias
	 * that is also the surname is the surname's kind order: name, alias, surname, ...). */
	for (size_t i = 0; i < s->n_pats; i++) {
		pattern *p = &s->pats[i];
		for (size_t j = i + 1; j < s->n_pats && !p->dead; j++) {
			pattern *q = &s->pats[j];
			if (q->dead || q->who != p->who || q->len != p->len ||
			    memcmp(q->text, p->text, p->len) != 0)
				continue;
			if (q->kind < p->kind) {
				p->kind = q->kind;
				p->aux = q->aux;
			}
			q->dead = 1;
		}
	}
	s->day_mask = s->month_mask = 0;
	for (size_t i = 0; i < s->n_dates; i++) {
		if (s->dates[i].d >= 1 && s->dates[i].d <= 31)
			s->day_mask |= 1u << s->dates[i].d;
		if (s->dates[i].m >= 1 && s->dates[i].m <= 12)
			s->month_mask |= 1u << s->dates[i].m;
	}
	size_t nb = 16;
	while (nb < 2 * s->n_pats)
		nb *= 2;
	s->bucket_start = cf_arena_alloc(s->arena, (nb + 1) * sizeof(uint32_t));
	s->order = cf_arena_alloc(s->arena, (s->n_pats + 1) * sizeof(uint32_t));
	if (!s->bucket_start || !s->order)
		return -1;
	s->n_buckets = nb;
	for (size_t i = 0; i < s->n_pats; i++)
		if (!s->pats[i].dead)
			s->bucket_start[(s->pats[i].hash & (nb - 1)) + 1]++;
	for (size_t b = 0; b < nb; b++)
		s->bucket_start[b + 1] += s->bucket_start[b];
	uint32_t *fill = cf_arena_alloc(s->arena, nb * sizeof(uint32_t));
	if (!fill)
		return -1;
	memcpy(fill, s->bucket_start, nb * sizeof(uint32_t));
	for (size_t i = 0; i < s->n_pats; i++) /* in the order added: the first added wins ties */
		if (!s->pats[i].dead)
			s->order[fill[s->pats[i].hash & (nb - 1)]++] = (uint32_t)i;
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

/* Folds text from pos into w (at most need bytes), white space runs as one space or, when they
 * hold a blank line, as '\n' (a paragraph break, which no identifier spans).  wend[k] is the
 * byte of the text after the character that folded byte k came from. */
static size_t fold_window(const unsigned char *t, size_t len, size_t pos, size_t need,
			  unsigned char *w, size_t *wend)
{
	size_t n = 0, p = pos;
	while (p < len && n < need) {
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
		for (size_t k = 0; k < f.n && n < need; k++) {
			w[n] = f.s[k];
			wend[n++] = p;
		}
	}
	return n;
}

/* A pattern at the start of w: its '-' also matches a space ("Marsh Tilling"). */
static int pattern_at(const pattern *pt, const unsigned char *w, size_t wn)
{
	if (pt->len > wn)
		return 0;
	for (size_t i = 0; i < pt->len; i++) {
		unsigned char a = pt->text[i], b = w[i];
		if (a != b && !(a == '-' && b == ' '))
			return 0;
	}
	return pt->len == wn || !wordb(w[pt->len]);
}

/* Could a date that starts with this word be one of the dates?  A cheap look at the first
 * word (the day, the year or the month) before the whole date is read. */
static int date_may_start(const cf_idscan *s, const unsigned char *fw, size_t n)
{
	if (!is_digit(fw[0])) {
		int m;
		return n >= 3 && n <= 9 && month_at(fw, n, 0, &m) == n && (s->month_mask >> m & 1);
	}
	size_t k = 0;
	int v = 0;
	while (k < n && k < 5 && is_digit(fw[k]))
		v = v * 10 + (fw[k++] - '0');
	if (k == 4 && k == n) {
		for (size_t i = 0; i < s->n_dates; i++)
			if (s->dates[i].y == v)
				return 1;
		return 0;
	}
	if (k > 2 || (k < n && !(n - k == 2 && ordinal_at(fw, n, k))))
		return 0;
	return v <= 31 && (s->day_mask >> v & 1);
}

static int push_hit(cf_idhits *out, const cf_idhit *h)
{
	if (out->n == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 16;
		cf_idhit *p = realloc(out->items, ncap * sizeof(*p));
		if (!p)
			return -1;
		out->items = p;
		out->cap = ncap;
	}
	out->items[out->n++] = *h;
	return 0;
}

typedef struct scan {
	const cf_idscan *s;
	const unsigned char *t;
	size_t len;
	cf_idhits *out;
	size_t skip; /* no match starts before this byte: it is inside the last hit */
} scan;

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

/* The longest identifier at pos, whose first word folds to fw (hash h), when the cheap tests
 * found candidates: the text there is folded into a window and compared.  Kept apart from
 * word_at so that the window's stack frame is only paid for at candidates. */
static __attribute__((noinline)) int match_at(scan *S, size_t pos, unsigned line, unsigned col,
					      size_t b, uint32_t h, size_t nfw, size_t need,
					      int date)
{
	const cf_idscan *s = S->s;
	unsigned char w[WIN];
	size_t wend[WIN];
	size_t wn = fold_window(S->t, S->len, pos, need + 1, w, wend);
	cf_idhit best = {line, col, pos, 0, 0, 0, CF_ID_NAME};
	for (uint32_t i = s->bucket_start[b]; i < s->bucket_start[b + 1]; i++) {
		const pattern *pt = &s->pats[s->order[i]];
		if (pt->hash != h || pt->first != nfw || !pattern_at(pt, w, wn))
			continue;
		size_t end = wend[pt->len - 1];
		if (end - pos > best.len) {
			best.len = end - pos;
			best.who = pt->who;
			best.aux = pt->aux;
			best.kind = pt->kind;
		}
	}
	found_date fd;
	if (date && parse_date(&fd, w, wn)) {
		for (size_t i = 0; i < s->n_dates; i++) {
			const date_id *d = &s->dates[i];
			int year = fd.two_digit_year ? d->y % 100 : d->y;
			if (d->m != fd.m || d->d != fd.d || year != fd.y)
				continue;
			size_t end = wend[fd.len - 1];
			if (end - pos > best.len) {
				best.len = end - pos;
				best.who = d->who;
				best.aux = d->aux;
				best.kind = d->kind;
			}
			break;
		}
	}
	if (!best.len)
		return 0;
	S->skip = pos + best.len;
	return push_hit(S->out, &best);
}

/* A word started at pos and folds to fw (its first FIRST_MAX bytes, hash h): is any identifier
 * likely to start there? */
static int word_at(scan *S, size_t pos, unsigned line, unsigned col, const unsigned char *fw,
		   size_t nfw, uint32_t h)
{
	const cf_idscan *s = S->s;
	size_t b = h & (s->n_buckets - 1);
	size_t need = 0;
	for (uint32_t i = s->bucket_start[b]; i < s->bucket_start[b + 1]; i++) {
		const pattern *pt = &s->pats[s->order[i]];
		if (pt->hash == h && pt->first == nfw && pt->len > need)
			need = pt->len;
	}
	int date = s->n_dates && date_may_start(s, fw, nfw);
	if (!need && !date)
		return 0;
	if (date && need < DATE_WIN)
		need = DATE_WIN;
	return match_at(S, pos, line, col, b, h, nfw, need, date);
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
	scan S = {s, (const unsigned char *)text, len, out, 0};
	const unsigned char *t = S.t;
	unsigned line = first_line, col = first_col;
	/* the word being read: where it started, and its first bytes folded and hashed */
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
						return -1;
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
				return -1;
		}
		col++;
		pos += adv;
	}
	if (in_word && wpos >= S.skip && word_at(&S, wpos, wline, wcol, fw, nfw, h) < 0)
		return -1;
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
