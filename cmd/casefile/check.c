/* casefile check: validate the cases of a repository and print compiler-style diagnostics. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "caseload.h"
#include "check.h"
#include "cli.h"
#include "source.h"
#include "strlist.h"

static const char usage_text[] =
    "usage: casefile check [--format text|json] [--as-of DATE] [CASE-ID|PATH ...]\n"
    "\n"
    "Validates every case of the case repository at or above the current directory, or\n"
    "only the cases named (by id, such as 2026-014, or by a path inside the case).\n"
    "Prints one line per problem, 'file:line:col: severity[rule]: message', then a\n"
    "summary. 'casefile explain RULE' says what a rule checks and how to fix it.\n"
    "\n"
    "  --format text|json   text (the default) or JSON\n"
    "  --as-of DATE         evaluate deadlines on DATE (default: today)\n"
    "\n"
    "Encrypted case files are decrypted with the keys this clone holds; a case whose key it\n"
    "does not hold is noted as locked (note[crypt/locked]) and not checked.\n"
    "\n"
    "Exit codes: 0 no errors (warnings and notes allowed), 1 errors, 2 usage or configuration\n"
    "error, 3 the clone's keys cannot be read.\n";

/* A case named on the command line: its id, or a path to it or to a file in it. */
static int resolve_case(char **id, const cf_repo *repo, cf_source *src, const char *arg)
{
	cf_buf p = CF_BUF_INIT;
	cf_buf_printf(&p, "%s/%s", CF_CASES_DIR, arg);
	int is_id = !strchr(arg, '/') && cf_source_exists(src, cf_buf_cstr(&p));
	cf_buf_free(&p);
	if (is_id) {
		*id = cf_strdup(arg);
		return *id ? 0 : -1;
	}
	char *real = realpath(arg, NULL);
	if (!real)
		return -1;
	size_t n = strlen(repo->root);
	const char *rel = real + n;
	int inside = strncmp(real, repo->root, n) == 0 && *rel == '/' &&
		     strncmp(rel + 1, CF_CASES_DIR "/", strlen(CF_CASES_DIR) + 1) == 0;
	if (!inside) {
		free(real);
		return -1;
	}
	const char *start = rel + 1 + strlen(CF_CASES_DIR) + 1;
	size_t len = strcspn(start, "/");
	*id = len ? cf_strndup(start, len) : NULL;
	free(real);
	return *id ? 0 : -1;
}

/* Cases this clone holds no key for: one crypt/locked note each. */
static size_t count_locked(const cf_diags *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += strcmp(d->items[i].rule, "crypt/locked") == 0;
	return n;
}

static void format_json(cf_buf *out, const cf_diags *d, size_t cases)
{
	cf_buf_puts(out, "{\"diagnostics\":[");
	for (size_t i = 0; i < d->len; i++) {
		if (i)
			cf_buf_putc(out, ',');
		cf_buf_puts(out, "\n  ");
		cf_diag_format_json(out, &d->items[i]);
	}
	cf_buf_printf(out, "\n],\n\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"cases\":%zu",
		      cf_diags_count(d, CF_SEV_ERROR), cf_diags_count(d, CF_SEV_WARNING), cases);
	size_t locked = count_locked(d);
	if (locked) /* as in the text summary: only a clone short of keys mentions it */
		cf_buf_printf(out, ",\"locked\":%zu", locked);
	cf_buf_puts(out, "}}\n");
}

static void format_text(cf_buf *out, const cf_diags *d, size_t cases)
{
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(out, &d->items[i]);
	if (d->len == 0)
		return;
	cf_buf_puts(out, "casefile: ");
	cf_diags_format_counts(out, d);
	cf_buf_printf(out, " in %zu case%s", cases, cases == 1 ? "" : "s");
	size_t locked = count_locked(d);
	if (locked)
		cf_buf_printf(out, "; %zu locked", locked);
	cf_buf_putc(out, '\n');
}

/* Runs on a worker thread: everything it touches belongs to this case. */
static int check_one(const cf_case *c, cf_diags *diags, size_t index, void *arg)
{
	(void)index;
	if (!c->locked) /* the loader noted it; nothing of it was read */
		cf_check_case(c, arg, diags, NULL);
	return diags->oom ? -1 : 0;
}

int cmd_check(int argc, char **argv, const cf_cli *cli)
{
	int json = 0;
	const char *as_of = NULL;
	cf_strlist named = CF_STRLIST_INIT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(usage_text, stdout);
			cf_strlist_free(&named);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
			const char *f = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : "");
			if (strcmp(f, "json") == 0) {
				json = 1;
			} else if (strcmp(f, "text") != 0) {
				cf_strlist_free(&named);
				return cli_usage("check", "--format is text or json, not '%s'", f);
			}
		} else if (strcmp(a, "--as-of") == 0 || strncmp(a, "--as-of=", 8) == 0) {
			as_of = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : "");
		} else if (a[0] == '-' && a[1] != '\0') {
			cf_strlist_free(&named);
			return cli_usage("check", "unknown option '%s'", a);
		} else if (cf_strlist_add(&named, a) < 0) {
			cf_strlist_free(&named);
			return CF_EXIT_USAGE;
		}
	}

	cf_date today;
	int rc = cli_today(&today, "check", as_of);
	cf_repo *repo = NULL;
	if (rc || (rc = cli_open_repo(&repo, cli))) {
		cf_strlist_free(&named);
		return rc;
	}
	cf_check_env env = {repo->calendar, today, repo->warning_days};
	cf_source *src = NULL;
	cf_keyring *ring = NULL;
	cf_diags *per_case = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_strlist ids = CF_STRLIST_INIT;
	if (cf_source_open_workdir(&src, repo->root) < 0) {
		fprintf(stderr, "casefile: check: cannot read %s\n", repo->root);
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_source_load_keyring(&ring, repo->root, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: check: cannot read the keys of this clone\n");
		rc = CF_EXIT_KEY;
		goto out;
	}
	cf_source_set_keyring(src, ring);
	if (named.n == 0) {
		if (cf_case_ids(&ids, src, &diags) < 0) {
			rc = CF_EXIT_USAGE;
			goto print;
		}
	}
	cf_strlist all = CF_STRLIST_INIT;
	if (named.n && cf_case_ids(&all, src, &diags) < 0) {
		cf_strlist_free(&all);
		rc = CF_EXIT_USAGE;
		goto print;
	}
	for (size_t i = 0; i < named.n; i++) {
		char *id = NULL;
		if (resolve_case(&id, repo, src, named.items[i]) < 0 ||
		    !cf_strlist_contains(&all, id)) {
			free(id);
			cf_strlist_free(&all);
			rc = cli_usage("check", "'%s' is not a case of the repository at %s",
				       named.items[i], repo->root);
			goto out;
		}
		if (!cf_strlist_contains(&ids, id))
			cf_strlist_take(&ids, id);
		else
			free(id);
	}
	cf_strlist_free(&all);

	per_case = calloc(ids.n ? ids.n : 1, sizeof(*per_case));
	if (!per_case ||
	    cf_batch_run(repo, src, &ids, cli_threads(), check_one, &env, per_case) < 0) {
		fprintf(stderr, "casefile: check: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++)
		cf_diags_move(&diags, &per_case[i]);
print:
	cf_diags_sort(&diags);
	cf_buf out = CF_BUF_INIT;
	if (json)
		format_json(&out, &diags, ids.n);
	else
		format_text(&out, &diags, ids.n);
	if (cli_write_stdout(&out) < 0 || diags.oom) {
		fprintf(stderr, "casefile: check: could not write the report\n");
		rc = CF_EXIT_USAGE;
	}
	cf_buf_free(&out);
	if (rc == 0) {
		if (cf_diags_has_rule(&diags, "schema/invalid") ||
		    cf_diags_has_rule(&diags, "calendar/"))
			rc = CF_EXIT_USAGE;
		else if (cf_diags_count(&diags, CF_SEV_ERROR) > 0)
			rc = CF_EXIT_ERRORS;
	}
out:
	for (size_t i = 0; per_case && i < ids.n; i++)
		cf_diags_free(&per_case[i]);
	free(per_case);
	cf_strlist_free(&ids);
	cf_strlist_free(&named);
	cf_diags_free(&diags);
	cf_source_free(src);
	cf_keyring_free(ring);
	cf_repo_free(repo);
	return rc;
}
