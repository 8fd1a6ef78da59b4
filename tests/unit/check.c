/* lib/check: cf_check_case on cases written to a temporary directory (tests/data/repo's case,
 * then one edit each): the case id against its directory, the files a stage requires, each
 * document against its schema, and the deadlines evaluated against a fixed day, never today.
 * Each check asserts the diagnostics a user sees: file:line:col, rule and message. */
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "check.h"
#include "crypt.h"
#include "deadline.h"
#include "diag.h"
#include "repo.h"
#include "source.h"

#include "fsutil.h"

static char root[PATH_MAX];
static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};
static char *case_text, *family_text, *agencies_text;

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

static void show(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	const char *s = cf_buf_cstr(&out);
	while (*s) {
		size_t n = strcspn(s, "\n");
		printf("#   %.*s\n", (int)(n > 300 ? 300 : n), s);
		s += n + (s[n] == '\n');
	}
	cf_buf_free(&out);
}

static const cf_diag *find(const cf_diags *d, const char *file, const char *rule)
{
	for (size_t i = 0; i < d->len; i++)
		if (strcmp(d->items[i].file, file) == 0 && strcmp(d->items[i].rule, rule) == 0)
			return &d->items[i];
	return NULL;
}

static size_t count_prefix(const cf_diags *d, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += strncmp(d->items[i].rule, prefix, strlen(prefix)) == 0;
	return n;
}

static int only(const cf_diags *d, cf_severity sev, const char *file, unsigned line, unsigned col,
		const char *rule, const char *needle)
{
	int good = d->len == 1 && d->items[0].severity == sev &&
		   strcmp(d->items[0].file, file) == 0 && d->items[0].line == line &&
		   d->items[0].col == col && strcmp(d->items[0].rule, rule) == 0 &&
		   (!needle || strstr(d->items[0].message, needle));
	if (!good) {
		printf("# want only %s at %s:%u:%u %s\n", rule, file, line, col,
		       needle ? needle : "");
		show(d);
	}
	return good;
}

static cf_date D(const char *s)
{
	cf_date d;
	if (cf_date_parse(&d, s) < 0)
		bail(s);
	return d;
}

static char *slurp(const char *name)
{
	char path[PATH_MAX + 64];
	cf_buf b = CF_BUF_INIT;
	snprintf(path, sizeof(path), "%s/tests/data/repo/cases/2026-001/%s", tap_srcdir(), name);
	if (cf_read_file_buf(&b, path, 1 << 20) < 0)
		bail(path);
	return cf_buf_detach(&b);
}

/* What edited() made, freed at the end. */
static char *made[64];
static size_t n_made;

/* text with old replaced by with (once; it must be there), freed at the end. */
static char *edited(const char *text, const char *old, const char *with)
{
	const char *at = strstr(text, old);
	if (!at)
		bail(old);
	cf_buf b = CF_BUF_INIT;
	cf_buf_put(&b, text, (size_t)(at - text));
	cf_buf_puts(&b, with);
	cf_buf_puts(&b, at + strlen(old));
	if (n_made == sizeof(made) / sizeof(*made))
		bail("too many edits");
	return made[n_made++] = cf_buf_detach(&b);
}

/* Writes case dir (under cases/) with case.yaml cy and, when set, family and agencies. */
static void make_case(const char *dir, const char *cy, const char *fam, const char *ag)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "cases/%s/case.yaml", dir);
	if (write_text_at(root, rel, cy, 0600) < 0)
		bail(rel);
	snprintf(rel, sizeof(rel), "cases/%s/family.yaml", dir);
	if (fam && write_text_at(root, rel, fam, 0600) < 0)
		bail(rel);
	snprintf(rel, sizeof(rel), "cases/%s/agencies.yaml", dir);
	if (ag && write_text_at(root, rel, ag, 0600) < 0)
		bail(rel);
}

typedef struct world {
	cf_repo *repo;
	cf_source *src;
	cf_case *c;
	cf_diags load, d;
} world;

static void w_open(world *W, const char *dir)
{
	memset(W, 0, sizeof(*W));
	if (cf_repo_open(&W->repo, root, schema_dirs, 1, &W->load) < 0 ||
	    cf_source_open_workdir(&W->src, root) < 0 ||
	    cf_case_load(&W->c, W->repo, W->src, dir, &W->load) < 0) {
		show(&W->load);
		bail("cannot load");
	}
}

static void w_close(world *W)
{
	cf_case_free(W->c);
	cf_source_free(W->src);
	cf_repo_free(W->repo);
	cf_diags_free(&W->load);
	cf_diags_free(&W->d);
}

static cf_check_env env_at(const world *W, const char *today)
{
	cf_check_env env = {W->repo->calendar, D(today), W->repo->warning_days, NULL};
	return env;
}

int main(void)
{
	if (cf_init() < 0)
		bail("cf_init");
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	if (make_temp_dir_resolved(root, "check") < 0)
		bail("mkdtemp");
	if (write_text_at(root, ".casefile/config.yaml",
			  "partnership: Test Partnership\ncase_types: [cspr]\n", 0600) < 0)
		bail("config");
	case_text = slurp("case.yaml");
	family_text = slurp("family.yaml");
	agencies_text = slurp("agencies.yaml");
	world W;

	/* The good case: nothing without env; with env, deadlines against a fixed day. */
	make_case("2026-001", case_text, family_text, agencies_text);
	w_open(&W, "2026-001");
	ok(W.load.len == 0, "the copy of tests/data/repo's case loads quietly");
	show(&W.load);
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(W.d.len == 0, "check, no env: no diagnostic");
	show(&W.d);
	cf_diags_clear(&W.d);
	cf_deadline_results res = {NULL, 0, 0};
	cf_check_env env = env_at(&W, "2027-06-01");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(W.d.len == 0, "check at 2027-06-01: every deadline met, no diagnostic");
	show(&W.d);
	is_int(res.n, 6, "... six deadlines evaluated into results");
	size_t met = 0;
	for (size_t i = 0; i < res.n; i++)
		met += res.items[i].state == CF_DL_MET;
	is_int(met, 4, "... four of them met, the others pending");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(res.n == 12 && res.items[6].spec == res.items[0].spec && W.d.len == 0,
	   "check again into the same results: appended after the first six");
	cf_deadline_results_free(&res);
	cf_check_case(W.c, &env, &W.d, NULL);
	ok(W.d.len == 0, "check with env and no results: the same, nothing kept");
	w_close(&W);

	/* The rapid review never submitted: overdue by 2027, open before its due day. */
	char *late = edited(case_text, "  rapid_review_submitted: 2026-01-27\n", "");
	make_case("2026-002", edited(late, "id: 2026-001", "id: 2026-002"), family_text,
		  agencies_text);
	w_open(&W, "2026-002");
	env = env_at(&W, "2027-06-01");
	cf_check_case(W.c, &env, &W.d, &res);
	const cf_diag *dl = find(&W.d, "cases/2026-002/case.yaml", "deadline/rapid-review");
	ok(W.d.len == 1 && dl && dl->severity == CF_SEV_WARNING && dl->line > 0 &&
	       strstr(dl->message, "overdue"),
	   "rapid review not submitted, at 2027-06-01: one deadline/rapid-review warning, overdue");
	show(&W.d);
	size_t overdue = 0;
	for (size_t i = 0; i < res.n; i++)
		overdue += res.items[i].state == CF_DL_OVERDUE &&
			   strcmp(res.items[i].spec->id, "rapid-review") == 0;
	is_int(overdue, 1, "... and its result overdue");
	cf_deadline_results_free(&res);
	cf_diags_clear(&W.d);
	env = env_at(&W, "2026-01-21");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(!find(&W.d, "cases/2026-002/case.yaml", "deadline/rapid-review"),
	   "... at 2026-01-21, before it is due: no overdue warning");
	show(&W.d);
	const cf_deadline_result *rr = NULL;
	for (size_t i = 0; i < res.n; i++)
		if (strcmp(res.items[i].spec->id, "rapid-review") == 0)
			rr = &res.items[i];
	ok(rr && rr->state == CF_DL_OPEN && rr->due == D("2026-01-29") && rr->days == 6,
	   "... its result open, due 2026-01-29, 6 working days left (22, 23, 26 to 29)");
	cf_deadline_results_free(&res);
	cf_diags_clear(&W.d);
	env = env_at(&W, "2026-01-26");
	cf_check_case(W.c, &env, &W.d, &res);
	rr = NULL;
	for (size_t i = 0; i < res.n; i++)
		if (strcmp(res.items[i].spec->id, "rapid-review") == 0)
			rr = &res.items[i];
	ok(rr && rr->state == CF_DL_DUE_SOON && rr->days == 3,
	   "... at 2026-01-26: due soon, 3 working days left (27 to 29), within the 5 of warning");
	ok(!find(&W.d, "cases/2026-002/case.yaml", "deadline/rapid-review"),
	   "... and not yet reported as a warning");
	show(&W.d);
	cf_deadline_results_free(&res);
	cf_diags_clear(&W.d);
	cf_check_case(W.c, NULL, &W.d, &res);
	ok(W.d.len == 0 && res.n == 0, "... with no env: no deadline evaluated, none reported");
	w_close(&W);

	/* The id against its directory */
	char *other = edited(case_text, "id: 2026-001", "id: 2026-003");
	make_case("2026-004", other, family_text, agencies_text);
	w_open(&W, "2026-004");
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(only(&W.d, CF_SEV_ERROR, "cases/2026-004/case.yaml", 1, 5, "schema/id",
		"'id' is 2026-003 but the case directory is 2026-004"),
	   "id 2026-003 in directory 2026-004: schema/id at the id's value");
	w_close(&W);

	make_case("child-a", case_text, family_text, agencies_text);
	w_open(&W, "child-a");
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(only(&W.d, CF_SEV_ERROR, "cases/child-a", 0, 0, "schema/id",
		"the case directory 'child-a' is not a case id"),
	   "a directory 'child-a': schema/id on the directory");
	w_close(&W);

	other = edited(case_text, "id: 2026-001", "id: 26-1");
	make_case("2026-005", other, family_text, agencies_text);
	w_open(&W, "2026-005");
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(W.d.len == 1 && strcmp(W.d.items[0].rule, "schema/id") != 0 &&
	       strcmp(W.d.items[0].file, "cases/2026-005/case.yaml") == 0 &&
	       W.d.items[0].line == 1 && W.d.items[0].col == 5,
	   "a malformed id '26-1': the schema's error at 1:5, no schema/id besides");
	show(&W.d);
	w_close(&W);

	/* The files a stage requires */
	make_case("2026-006", edited(case_text, "id: 2026-001", "id: 2026-006"), NULL, NULL);
	w_open(&W, "2026-006");
	cf_check_case(W.c, NULL, &W.d, NULL);
	const cf_diag *fam = find(&W.d, "cases/2026-006/family.yaml", "schema/missing-file");
	const cf_diag *ag = find(&W.d, "cases/2026-006/agencies.yaml", "schema/missing-file");
	ok(count_prefix(&W.d, "schema/missing-file") == 2 && fam && ag &&
	       fam->severity == CF_SEV_ERROR && fam->line == 0 &&
	       strstr(fam->message, "'family.yaml' is required") && fam->hint &&
	       strstr(fam->hint, "the case is at stage 'rapid-review'"),
	   "rapid review with no family.yaml, agencies.yaml: schema/missing-file for each, "
	   "the stage in the hint");
	show(&W.d);
	w_close(&W);

	make_case("2026-007",
		  edited(edited(case_text, "id: 2026-001", "id: 2026-007"), "stage: rapid-review",
			 "stage: notification"),
		  NULL, NULL);
	w_open(&W, "2026-007");
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(count_prefix(&W.d, "schema/missing-file") == 0,
	   "at notification neither is required yet");
	show(&W.d);
	w_close(&W);

	/* A file the source would not read is not reported missing as well */
	make_case("2026-008", edited(case_text, "id: 2026-001", "id: 2026-008"), NULL,
		  agencies_text);
	char link[PATH_MAX + 64];
	snprintf(link, sizeof(link), "%s/cases/2026-008/family.yaml", root);
	if (symlink("../2026-001/family.yaml", link) < 0)
		bail("symlink");
	w_open(&W, "2026-008");
	ok(only(&W.load, CF_SEV_ERROR, "cases/2026-008/family.yaml", 0, 0, "source/symlink",
		"symbolic link"),
	   "family.yaml a symbolic link: loading says source/symlink");
	/* as check and the hooks do: the case's own list, holding what loading said */
	cf_check_case(W.c, NULL, &W.load, NULL);
	ok(only(&W.load, CF_SEV_ERROR, "cases/2026-008/family.yaml", 0, 0, "source/symlink",
		"symbolic link"),
	   "... and check, given that list, does not call it missing too");
	w_close(&W);

	/* A document against its schema */
	make_case("2026-009",
		  edited(edited(case_text, "id: 2026-001", "id: 2026-009"), "  age_band: 1-4\n",
			 "  age_band: ancient\n"),
		  family_text, agencies_text);
	w_open(&W, "2026-009");
	cf_check_case(W.c, NULL, &W.d, NULL);
	ok(W.d.len == 1 && strcmp(W.d.items[0].file, "cases/2026-009/case.yaml") == 0 &&
	       W.d.items[0].line == 9 && W.d.items[0].col == 13 &&
	       strncmp(W.d.items[0].rule, "schema/", 7) == 0 &&
	       W.d.items[0].severity == CF_SEV_ERROR,
	   "an age band the schema does not allow: a schema/ error at 9:13");
	show(&W.d);
	w_close(&W);

	/* No schema: only the id is checked */
	make_case("2026-010", "id: 2026-011\ntype: unheard-of\n", NULL, NULL);
	w_open(&W, "2026-010");
	ok(find(&W.load, "cases/2026-010/case.yaml", "schema/unknown-type") != NULL,
	   "an unknown type: loading said so");
	env = env_at(&W, "2027-06-01");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(only(&W.d, CF_SEV_ERROR, "cases/2026-010/case.yaml", 1, 5, "schema/id", NULL) &&
	       res.n == 0,
	   "... check without a schema: the id mismatch alone, no deadline, no missing file");
	w_close(&W);

	/* Not a mapping: nothing to check, nothing added */
	make_case("2026-012", "- a\n- b\n", NULL, NULL);
	w_open(&W, "2026-012");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(W.d.len == 0 && res.n == 0, "case.yaml a list: check adds nothing to loading's error");
	w_close(&W);

	/* Locked: nothing to check, nothing added */
	cf_key *k = NULL;
	cf_buf blob = CF_BUF_INIT;
	const char *cy = "id: 2026-013\ntype: cspr\nstage: rapid-review\n";
	if (cf_key_generate(&k) < 0 ||
	    cf_crypt_encrypt(&blob, k, "cases/2026-013/case.yaml", cy, strlen(cy), NULL) != 0)
		bail("encrypt");
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/cases/2026-013/case.yaml", root);
	write_file(path, blob.ptr, blob.len, 0600);
	cf_buf_free(&blob);
	cf_key_free(k);
	w_open(&W, "2026-013");
	cf_check_case(W.c, &env, &W.d, &res);
	ok(W.c->locked && W.d.len == 0 && res.n == 0,
	   "a locked case: check adds nothing, not even a missing file");
	show(&W.d);
	w_close(&W);
	cf_deadline_results_free(&res);

	remove_tree(root);
	free(case_text);
	free(family_text);
	free(agencies_text);
	for (size_t i = 0; i < n_made; i++)
		free(made[i]);
	return tap_done();
}
