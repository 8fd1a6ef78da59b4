/* bench/idscan: the identifier scan of issue 6 on a generated 1 MiB report against 50
 * identifiers (ten people: a three-part name, an alias, a date of birth, an address and a
 * school each).  Target: under 20 ms.  The report is prose from a fixed vocabulary with dates,
 * accented words and near misses (names inside longer words), and 200 planted identifiers
 * that must all be found.  Then issue 12's F2: a name of 40,000 words, and a text of as many,
 * added, compiled and scanned (it took seconds when de-duplication was quadratic), against
 * 10,000 of them: 4 times the words should cost about 4 times as much.  Target: under 200 ms.
 * Built against build/libcasefile.a by bench/idscan.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "idscan.h"

static const char *const words[] = {
    "the",	   "child",
    "was",	   "seen",
    "by",	   "health",
    "visitor",	   "school",
    "referred",	   "concerns",
    "to",	   "front",
    "door",	   "and",
    "Mother",	   "said",
    "that",	   "Father",
    "had",	   "not",
    "visited",	   "since",
    "March",	   "2019",
    "on",	   "12",
    "occasions",   "agencies",
    "shared",	   "information",
    "late",	   "review",
    "learning",	   "practice",
    "in",	   "general",
    "Child",	   "K",
    "partner's",   "history",
    "police",	   "probation",
    "caf\xc3\xa9", "na\xc3\xafve",
    "r\xc3\xb4le", "\xe2\x80\x9cquoted\xe2\x80\x9d",
    "Marshes",	   "Leeds",
    "Hatchet",	   "Orchards",
    "3/4/2015",	   "2015-06-07",
    "21st",	   "May",
};

static const char *const first[] = {"Jodie",	   "Kayden", "Leanne", "Daniel", "Zo\xc3\xab",
				    "Si\xc3\xa2n", "Ciaran", "Bryony", "Kwame",	 "Denise"};
static const char *const middle[] = {"Ann",  "James", "Marie", "Lee",  "Rose",
				     "John", "Grace", "Paul",  "Kofi", "Mae"};
static const char *const alias[] = {"Jo Marsh",	    "Kay Rowe", "Lee-Anne",	   "Danny P",
				    "Zo\xc3\xab B", "Sia",	"Ciar\xc3\xa1n M", "Bry",
				    "Kwam\xc3\xa9", "Neecy"};
static const char *const last[] = {"Marsh-Tilling",  "Rowe-Pellingham", "Rowe",	      "Pellingham",
				   "Brannigan",	     "Pryce-Evans",	"Mulholland", "Haskett",
				   "Asante-Fellows", "Quennell"};

static unsigned long long rng = 88172645463325252ULL;
static unsigned next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n distinct words ("Cax Dax ..."), in the order of k * step. */
static int long_words(cf_buf *b, size_t n, size_t step, const char *sep)
{
	static const char cons[] = "bcdfghjklmnpqrstvwz", vow[] = "aeiou";
	for (size_t k = 0; k < n; k++) {
		size_t i = (k * step) % n + 1;
		if (k)
			cf_buf_puts(b, sep);
		cf_buf_putc(b, (char)(cons[i % 19] - 32));
		cf_buf_putc(b, vow[i / 19 % 5]);
		for (i /= 95; i; i /= 95) {
			cf_buf_putc(b, cons[i % 19]);
			cf_buf_putc(b, vow[i / 19 % 5]);
		}
		cf_buf_putc(b, 'x');
	}
	return cf_buf_oom(b) ? -1 : 0;
}

/* The best of 5 times to add an n-word name, compile it and scan a text of its n words (each
 * one a hit), and the scanner's steps: -1 on failure. */
static double long_name_ms(size_t n, size_t *steps)
{
	cf_buf name = CF_BUF_INIT, text = CF_BUF_INIT;
	double best = -1;
	if (long_words(&name, n, 1, " ") < 0 || long_words(&text, n, 7, " and ") < 0)
		goto out;
	for (int run = 0; run < 5; run++) {
		cf_arena *arena;
		cf_idscan *s;
		cf_idhits hits = CF_IDHITS_INIT;
		if (cf_arena_new(&arena, 1) < 0)
			goto out;
		double t0 = now_ms();
		int rc = cf_idscan_new(&s, arena) < 0 ||
			 cf_idscan_add_name(s, 0, 0, CF_ID_NAME, cf_buf_cstr(&name)) < 0 ||
			 cf_idscan_run(&hits, s, text.ptr, text.len, 1) < 0 || hits.n != n;
		double t = now_ms() - t0;
		*steps = rc ? 0 : cf_idscan_work(s);
		cf_idhits_free(&hits);
		cf_arena_free(arena);
		if (rc) {
			best = -1;
			goto out;
		}
		if (best < 0 || t < best)
			best = t;
	}
out:
	cf_buf_free(&name);
	cf_buf_free(&text);
	return best;
}

int main(void)
{
	cf_arena *arena;
	cf_idscan *s;
	if (cf_init() < 0 || cf_arena_new(&arena, 1) < 0 || cf_idscan_new(&s, arena) < 0) {
		fprintf(stderr, "bench/idscan: no secure arena\n");
		return 1;
	}
	int rc = cf_idscan_add_pseudonym(s, "Child K");
	rc |= cf_idscan_add_pseudonym(s, "Mother's Partner");
	char buf[160];
	for (int p = 0; p < 10; p++) {
		snprintf(buf, sizeof(buf), "%s %s %s", first[p], middle[p], last[p]);
		rc |= cf_idscan_add_name(s, p, 0, CF_ID_NAME, buf);
		rc |= cf_idscan_add_name(s, p, 1, CF_ID_ALIAS, alias[p]);
		rc |= cf_idscan_add_date(s, p, 2, CF_ID_DOB, 1980 + p * 3, 1 + p, 2 + p * 2);
		snprintf(buf, sizeof(buf), "%d %s Terrace, Northdale, ND%d %dXY", 10 + p, last[p],
			 p, p);
		rc |= cf_idscan_add_address(s, p, 3, buf);
		snprintf(buf, sizeof(buf), "%s Primary School", last[(p + 1) % 10]);
		rc |= cf_idscan_add_phrase(s, p, 4, CF_ID_SCHOOL, buf);
	}
	if (rc) {
		fprintf(stderr, "bench/idscan: out of memory\n");
		return 1;
	}

	/* 1 MiB of prose, with a planted identifier every so often */
	cf_buf text = CF_BUF_INIT;
	size_t planted = 0, col = 0;
	const size_t target = 1024 * 1024;
	while (text.len < target - 200) {
		if (next() % 600 == 0) {
			int p = (int)(next() % 10);
			switch (next() % 4) {
			case 0:
				cf_buf_printf(&text, "%s %s %s", first[p], middle[p], last[p]);
				break;
			case 1:
				cf_buf_printf(&text, "%d/%d/%d", 2 + p * 2, 1 + p, 1980 + p * 3);
				break;
			case 2:
				cf_buf_printf(&text, "%d %s Terrace", 10 + p, last[p]);
				break;
			default:
				cf_buf_printf(&text, "%s Primary School", last[(p + 1) % 10]);
				break;
			}
			planted++;
		} else {
			cf_buf_puts(&text, words[next() % (sizeof(words) / sizeof(*words))]);
		}
		col += 8;
		if (next() % 97 == 0) {
			cf_buf_puts(&text, ".\n\n");
			col = 0;
		} else if (col > 80) {
			cf_buf_putc(&text, '\n');
			col = 0;
		} else {
			cf_buf_putc(&text, ' ');
		}
	}
	if (cf_buf_oom(&text))
		return 1;

	double best = 1e9;
	size_t found = 0;
	for (int run = 0; run < 20; run++) {
		cf_idhits hits = CF_IDHITS_INIT;
		double t0 = now_ms();
		if (cf_idscan_run(&hits, s, text.ptr, text.len, 1) < 0)
			return 1;
		double t = now_ms() - t0;
		if (t < best)
			best = t;
		found = hits.n;
		cf_idhits_free(&hits);
	}
	printf("%-52s min %6.2f ms (%zu identifiers, %zu patterns and dates; %zu of %zu planted "
	       "found)\n",
	       "idscan, 1 MiB report, 50 identifiers (target < 20 ms)", best, (size_t)50,
	       cf_idscan_count(s), found, planted);
	cf_buf_free(&text);
	cf_arena_free(arena);

	size_t small_steps = 0, big_steps = 0;
	double small = long_name_ms(10000, &small_steps), big = long_name_ms(40000, &big_steps);
	if (small < 0 || big < 0 || !small_steps) {
		fprintf(stderr, "bench/idscan: the long name was not scanned\n");
		return 1;
	}
	/* the steps are linear (tests/unit/idscan.c); the time a little more, as the tables
	 * outgrow the caches */
	printf("%-52s min %6.2f ms (10,000 words: %.2f ms; 4x the words: %.1fx the time, %.1fx "
	       "the steps)\n",
	       "idscan, 40,000-word name and text (target < 200 ms)", big, small,
	       big / (small > 0.01 ? small : 0.01), (double)big_steps / (double)small_steps);
	return found == planted && best < 20.0 && big < 200.0 ? 0 : 1;
}
