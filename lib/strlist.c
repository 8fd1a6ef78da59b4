#include "strlist.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

int cf_strlist_take(cf_strlist *l, char *s)
{
	if (!s)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **items = realloc(l->items, cap * sizeof(*items));
		if (!items) {
			free(s);
			return -1;
		}
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = s;
	return 0;
}

int cf_strlist_add(cf_strlist *l, const char *s)
{
	return cf_strlist_take(l, cf_strdup(s));
}

int cf_strlist_contains(const cf_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cf_strlist_sort(cf_strlist *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), cmp);
}

void cf_strlist_free(cf_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}
