/* lib/batch: runs a function over many cases on worker threads.  Cases are independent, so
 * a repository of a thousand cases is checked on every core; each worker reads its cases
 * into a secure arena of its own, wiped between cases.  Results go into per-case slots that
 * the caller merges in case order, so the output does not depend on the scheduling. */
#ifndef CF_BATCH_H
#define CF_BATCH_H

#include <stddef.h>

#include "caseload.h"
#include "diag.h"
#include "repo.h"
#include "source.h"
#include "strlist.h"

/* Called on a worker thread for each loaded case, with that case's own diagnostics (already
 * holding what loading it reported).  It must touch only data of that case's index.
 * Returns 0, or -1 to stop the batch. */
typedef int (*cf_case_fn)(const cf_case *c, cf_diags *diags, size_t index, void *arg);

/* Loads every case of ids and calls fn for each.  diags is an array of ids->n lists, one per
 * case (the caller's to free).  threads 0 means: as many as the machine has, fewer for few
 * cases.  Returns 0, or -1 when a case could not be loaded (out of memory) or fn failed. */
int cf_batch_run(cf_repo *repo, cf_source *src, const cf_strlist *ids, unsigned threads,
		 cf_case_fn fn, void *arg, cf_diags *diags);

#endif
