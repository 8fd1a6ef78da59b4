/* cf_arena: bump allocation in large chunks, freed all at once.  A case's file contents and
 * its parsed documents live in one arena; a secure arena takes its chunks from sodium_malloc
 * (guarded, locked where the system allows) and sodium_free wipes them, so the plaintext of
 * a case file never outlives the case's check. */
#ifndef CF_ARENA_H
#define CF_ARENA_H

#include <stddef.h>

typedef struct cf_arena cf_arena;

/* secure: chunks from sodium_malloc (call cf_init first). */
int cf_arena_new(cf_arena **out, int secure);
/* Returns zeroed memory aligned for any type, or NULL when memory ran out. */
void *cf_arena_alloc(cf_arena *a, size_t size);
char *cf_arena_strndup(cf_arena *a, const char *s, size_t n);
char *cf_arena_strdup(cf_arena *a, const char *s);
/* Wipes everything handed out and makes the memory available again, keeping one chunk, so
 * that reading case after case does not map and unmap guarded pages for each. */
void cf_arena_reset(cf_arena *a);
/* Bytes handed out so far (for benchmarks and limits). */
size_t cf_arena_used(const cf_arena *a);
/* Frees every chunk (wiping them when secure); NULL is allowed. */
void cf_arena_free(cf_arena *a);

/* Initialises libsodium once per process; returns 0 or -1. */
int cf_init(void);

#endif
