#include "arena.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN (64 * 1024)
#define ALIGN 16

typedef struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
} chunk;

struct cf_arena {
	chunk *head;
	int secure;
	size_t total;
};

int cf_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int cf_arena_new(cf_arena **out, int secure)
{
	cf_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	a->secure = secure;
	*out = a;
	return 0;
}

static size_t header_size(void)
{
	return (sizeof(chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static chunk *chunk_new(cf_arena *a, size_t need)
{
	size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
	if (size > SIZE_MAX - header_size())
		return NULL;
	size_t bytes = header_size() + size;
	chunk *c = a->secure ? sodium_malloc(bytes) : malloc(bytes);
	if (!c)
		return NULL;
	memset((char *)c + header_size(), 0, size);
	c->size = size;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	return c;
}

void *cf_arena_alloc(cf_arena *a, size_t size)
{
	if (size > SIZE_MAX - ALIGN)
		return NULL;
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (size == 0)
		size = ALIGN;
	chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		c = chunk_new(a, size);
		if (!c)
			return NULL;
	}
	/* sodium_malloc returns memory that is not necessarily 16-aligned at the start of the
	 * user area, so align the address, not just the offset. */
	char *base = (char *)c + header_size();
	uintptr_t addr = (uintptr_t)(base + c->used);
	size_t pad = (ALIGN - (addr & (ALIGN - 1))) & (ALIGN - 1);
	if (c->size - c->used < size + pad) {
		c = chunk_new(a, size + ALIGN);
		if (!c)
			return NULL;
		base = (char *)c + header_size();
		addr = (uintptr_t)base;
		pad = (ALIGN - (addr & (ALIGN - 1))) & (ALIGN - 1);
	}
	char *p = base + c->used + pad;
	c->used += size + pad;
	a->total += size;
	return p; /* zeroed: chunks are zeroed when made and when reset */
}

char *cf_arena_strndup(cf_arena *a, const char *s, size_t n)
{
	char *p = cf_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cf_arena_strdup(cf_arena *a, const char *s)
{
	return cf_arena_strndup(a, s, strlen(s));
}

static void chunk_free(const cf_arena *a, chunk *c)
{
	if (a->secure)
		sodium_free(c); /* wipes */
	else
		free(c);
}

void cf_arena_reset(cf_arena *a)
{
	if (!a->head)
		return;
	if (!a->head->next) {
		sodium_memzero((char *)a->head + header_size(), a->head->used);
		a->head->used = 0;
		a->total = 0;
		return;
	}
	/* Several chunks: give them back and keep one as large as all of them, so the next
	 * case of this size fits in one chunk and reset stops mapping pages. */
	size_t size = 0;
	for (chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		size += c->size;
		chunk_free(a, c);
	}
	a->head = NULL;
	a->total = 0;
	chunk_new(a, size); /* a failure here only means the next alloc maps a chunk */
}

size_t cf_arena_used(const cf_arena *a)
{
	return a->total;
}

void cf_arena_free(cf_arena *a)
{
	if (!a)
		return;
	chunk *c = a->head;
	while (c) {
		chunk *next = c->next;
		chunk_free(a, c);
		c = next;
	}
	free(a);
}
