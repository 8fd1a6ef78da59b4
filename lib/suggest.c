#include "suggest.h"

#include <string.h>

#define MAXLEN 64

size_t cf_edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > MAXLEN || lb > MAXLEN)
		return limit + 1;
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	/* Three rows of the Damerau-Levenshtein (optimal string alignment) table. */
	size_t prev2[MAXLEN + 1], prev[MAXLEN + 1], cur[MAXLEN + 1];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		size_t row_min = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > limit)
			return limit + 1;
		memcpy(prev2, prev, sizeof(prev));
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb] > limit ? limit + 1 : prev[lb];
}

const char *cf_suggest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word);
	/* One edit in short words, two in longer ones: beyond that a "suggestion" misleads. */
	size_t limit = len <= 4 ? 1 : (len <= 12 ? 2 : 3);
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = cf_edit_distance(word, candidates[i], limit);
		/* "boolean" for "bool", "notif" for "notification": a word that one of the
		 * candidates begins (or that begins one) is a likely meaning, however far apart. */
		size_t lc = strlen(candidates[i]);
		size_t shorter = len < lc ? len : lc;
		if (d > limit && shorter >= 3 && strncmp(word, candidates[i], shorter) == 0)
			d = limit;
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
