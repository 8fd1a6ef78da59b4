/* lib/batch: cf_batch_run over the cases of a repository written to a temporary directory:
 * every case is handed to the function exactly once, with its own index, its own loaded case
 * and its own diagnostics (holding what loading it said), whatever the number of threads --
 * none asked (the machine's), one, fewer than the cases, more than the limit -- and for no
 * case at all; a function that fails stops the batch and makes it fail. */
#include "tap.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "buf.h"
#include "caseload.h"
#include "diag.h"
#include "repo.h"
#include "source.h"
#include "strlist.h"

#include "fsutil.h"

#define N_CASES 300
#define BAD_EVERY 7 /* every 7th case has no case.yaml */

static char root[PATH_MAX];
static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

typedef struct seen {
	const cf_strlist *ids;
	atomic_int calls[N_CASES];
	int right_case[N_CASES];    /* c->id is ids->items[index] */
	int schema[N_CASES];	    /* the case's schema was loaded */
	int diag_case[N_CASES];	    /* diags->case_id is the case's */
	size_t load_diags[N_CASES]; /* diagnostics in the slot when fn ran */
	int fail_at;		    /* index to return -1 at, or -1 */
	atomic_int total;
	pthread_t threads[N_CASES];
} seen;

static int record(const cf_case *c, cf_diags *diags, size_t index, void *arg)
{
	seen *s = arg;
	atomic_fetch_add(&s->total, 1);
	if (index >= N_CASES)
		return -1;
	atomic_fetch_add(&s->calls[index], 1);
	s->right_case[index] = strcmp(c->id, s->ids->items[index]) == 0;
	s->schema[index] = c->schema != NULL;
	s->diag_case[index] = diags->case_id && strcmp(diags->case_id, c->id) == 0;
	s->load_diags[index] = diags->len;
	s->threads[index] = pthread_self();
	/* something of the function's own, in the case's slot */
	cf_diags_add(diags, CF_SEV_NOTE, c->dir, 0, 0, "test/seen", "seen %zu", index);
	return (int)index == s->fail_at ? -1 : 0;
}

static int is_bad(size_t i)
{
	return i % BAD_EVERY == 3;
}

/* Runs the batch with threads over the first n ids; checks every slot.  Returns the batch's
 * return value. */
static int run(cf_repo *repo, cf_source *src, const cf_strlist *all, size_t n, unsigned threads,
	       int fail_at, seen *s, const char *what)
{
	cf_strlist ids = *all;
	ids.n = n;
	memset(s, 0, sizeof(*s));
	s->ids = &ids;
	s->fail_at = fail_at;
	cf_diags *diags = calloc(n ? n : 1, sizeof(*diags));
	if (!diags)
		bail("calloc");
	int rc = cf_batch_run(repo, src, &ids, threads, record, s, diags);
	if (fail_at < 0) {
		int once = 1, right = 1, slots = 1;
		for (size_t i = 0; i < n; i++) {
			once &= s->calls[i] == 1;
			right &= s->right_case[i] && s->diag_case[i] && s->schema[i] == !is_bad(i);
			char dir[64];
			snprintf(dir, sizeof(dir), "cases/%s", ids.items[i]);
			/* the slot holds loading's word (a bad case's missing case.yaml) and then
			 * the function's own note, and nothing of another case */
			int good = diags[i].len == (is_bad(i) ? 2u : 1u) &&
				   s->load_diags[i] == (is_bad(i) ? 1u : 0u);
			for (size_t j = 0; good && j < diags[i].len; j++)
				good = strcmp(diags[i].items[j].file, dir) == 0 &&
				       diags[i].items[j].case_id &&
				       strcmp(diags[i].items[j].case_id, ids.items[i]) == 0;
			if (good && is_bad(i))
				good = strcmp(diags[i].items[0].rule, "schema/missing-file") == 0;
			if (good) {
				char want[32];
				snprintf(want, sizeof(want), "seen %zu", i);
				good = strcmp(diags[i].items[diags[i].len - 1].message, want) == 0;
			}
			slots &= good;
		}
		printf("# %s\n", what);
		is_int(rc, 0, "... returns 0");
		is_int(s->total, n, "... the function called once for each case");
		ok(once, "... every index exactly once");
		ok(right, "... each with its own case (id, schema) and its own diagnostics");
		ok(slots, "... each slot holds that case's loading diagnostics, then its own");
	}
	for (size_t i = 0; i < n; i++)
		cf_diags_free(&diags[i]);
	free(diags);
	return rc;
}

int main(void)
{
	if (cf_init() < 0)
		bail("cf_init");
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	if (make_temp_dir_resolved(root, "batch") < 0)
		bail("mkdtemp");
	if (write_text_at(root, ".casefile/config.yaml", "partnership: P\ncase_types: [cspr]\n",
			  0600) < 0)
		bail("config");
	for (size_t i = 0; i < N_CASES; i++) {
		char rel[128], text[256];
		snprintf(rel, sizeof(rel), "cases/2026-%03zu/%s", i + 1,
			 is_bad(i) ? "family.yaml" : "case.yaml");
		snprintf(text, sizeof(text),
			 is_bad(i) ? "members: []\n"
				   : "id: 2026-%03zu\ntype: cspr\ntitle: Child %zu\nstage: "
				     "notification\nroute: notification\n",
			 i + 1, i + 1);
		if (write_text_at(root, rel, text, 0600) < 0)
			bail(rel);
	}
	cf_repo *repo = NULL;
	cf_source *src = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist ids = CF_STRLIST_INIT;
	if (cf_repo_open(&repo, root, schema_dirs, 1, &d) < 0 ||
	    cf_source_open_workdir(&src, root) < 0 || cf_case_ids(&ids, src, &d) < 0)
		bail("open");
	if (!is_int(ids.n, N_CASES, "the repository's cases listed"))
		bail("cases");
	seen *s = malloc(sizeof(*s));
	if (!s)
		bail("malloc");

	run(repo, src, &ids, N_CASES, 0, -1, s,
	    "300 cases, threads 0 (as many as the machine has)");
	run(repo, src, &ids, N_CASES, 1, -1, s, "300 cases, one thread");
	int all_mine = 1;
	for (size_t i = 0; i < N_CASES; i++)
		all_mine &= pthread_equal(s->threads[i], pthread_self()) != 0;
	ok(all_mine, "... one thread is the caller's: no other thread ran a case");
	run(repo, src, &ids, N_CASES, 3, -1, s, "300 cases, three threads");
	run(repo, src, &ids, N_CASES, 1000, -1, s, "300 cases, 1000 threads asked (capped)");
	run(repo, src, &ids, 2, 8, -1, s, "two cases, eight threads: more threads than cases");

	memset(s, 0, sizeof(*s));
	cf_strlist none = CF_STRLIST_INIT;
	s->ids = &none;
	s->fail_at = -1;
	is_int(cf_batch_run(repo, src, &none, 0, record, s, NULL), 0,
	       "no cases: returns 0 (and never touches diags)");
	is_int(s->total, 0, "no cases: the function never called");
	is_int(cf_batch_run(repo, src, &none, 4, record, s, NULL), 0,
	       "no cases, four threads: returns 0");

	/* A function that fails: the batch fails; on one thread it stops there */
	is_int(run(repo, src, &ids, N_CASES, 1, 10, s, ""), -1,
	       "the function fails at case 10, one thread: the batch returns -1");
	is_int(s->total, 11, "... no case after 10 was handed to it");
	is_int(run(repo, src, &ids, N_CASES, 4, 10, s, ""), -1,
	       "the function fails at case 10, four threads: the batch returns -1");
	ok(s->total < N_CASES, "... and stopped before the last case");
	is_int(run(repo, src, &ids, N_CASES, 4, N_CASES - 1, s, ""), -1,
	       "the function fails at the last case only: the batch still returns -1");
	is_int(run(repo, src, &ids, N_CASES, 0, 0, s, ""), -1,
	       "the function fails at the first case, threads 0: -1");

	free(s);
	cf_strlist_free(&ids);
	cf_diags_free(&d);
	cf_source_free(src);
	cf_repo_free(repo);
	remove_tree(root);
	return tap_done();
}
