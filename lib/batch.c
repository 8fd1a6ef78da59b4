#include "batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Below this many cases per thread, starting threads costs more than it saves. */
#define CASES_PER_THREAD 64
#define MAX_THREADS 16

typedef struct batch {
	cf_repo *repo;
	cf_source *src;
	const cf_strlist *ids;
	cf_case_fn fn;
	void *arg;
	cf_diags *diags;
	atomic_size_t next;
	atomic_int failed;
} batch;

static void *worker(void *p)
{
	batch *b = p;
	cf_arena *arena = NULL;
	if (cf_arena_new(&arena, 1) < 0) {
		atomic_store(&b->failed, 1);
		return NULL;
	}
	for (;;) {
		size_t i = atomic_fetch_add(&b->next, 1);
		if (i >= b->ids->n || atomic_load(&b->failed))
			break;
		cf_case *c;
		cf_diags *d = &b->diags[i];
		if (cf_diags_set_case(d, b->ids->items[i]) < 0 ||
		    cf_case_load_in(&c, b->repo, b->src, b->ids->items[i], arena, d) < 0) {
			atomic_store(&b->failed, 1);
			break;
		}
		if (b->fn(c, d, i, b->arg) < 0)
			atomic_store(&b->failed, 1);
		cf_case_free(c);
		cf_arena_reset(arena);
	}
	cf_arena_free(arena);
	return NULL;
}

static unsigned pick_threads(unsigned asked, size_t cases)
{
	if (asked)
		return asked > MAX_THREADS ? MAX_THREADS : asked;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cores > 0 ? (size_t)cores : 1;
	size_t useful = cases / CASES_PER_THREAD + 1;
	if (n > useful)
		n = useful;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

int cf_batch_run(cf_repo *repo, cf_source *src, const cf_strlist *ids, unsigned threads,
		 cf_case_fn fn, void *arg, cf_diags *diags)
{
	batch b = {repo, src, ids, fn, arg, diags, 0, 0};
	unsigned n = pick_threads(threads, ids->n);
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;
	/* The calling thread is worker 0; the others join it. */
	for (unsigned t = 1; t < n; t++) {
		if (pthread_create(&tid[started], NULL, worker, &b) != 0)
			break; /* fewer workers is still correct */
		started++;
	}
	worker(&b);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	return atomic_load(&b.failed) ? -1 : 0;
}
