/* Did-you-mean: the closest of a set of known words to one that is not known, so that a typo
 * in a field name ("tor_agred") is reported with the name it was meant to be. */
#ifndef CF_SUGGEST_H
#define CF_SUGGEST_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions, adjacent transpositions); stops
 * counting past limit and returns limit + 1. */
size_t cf_edit_distance(const char *a, const char *b, size_t limit);
/* The candidate closest to word when it is close enough to be a likely typo, else NULL. */
const char *cf_suggest(const char *word, const char *const *candidates, size_t n);

#endif
