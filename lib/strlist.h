/* cf_strlist: a growable list of malloc'd strings. */
#ifndef CF_STRLIST_H
#define CF_STRLIST_H

#include <stddef.h>

typedef struct cf_strlist {
	char **items;
	size_t n, cap;
} cf_strlist;

#define CF_STRLIST_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

int cf_strlist_add(cf_strlist *l, const char *s);
/* Takes ownership of s (freed on failure). */
int cf_strlist_take(cf_strlist *l, char *s);
int cf_strlist_contains(const cf_strlist *l, const char *s);
void cf_strlist_sort(cf_strlist *l);
void cf_strlist_free(cf_strlist *l);

#endif
