/* casefile check: validate the cases of a repository and print compiler-style diagnostics. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "caseload.h"
#include "check.h"
#include "cli.h"
#include "guard.h"
#include "source.h"
#include "strlist.h"

static const char usage_text[] =
    "usage: casefile check [--staged [--all] | --rev REV] [--format text|json] [--as-of DATE]\n"
    "                      [CASE-ID|PATH ...]\n"
    "\n"
    "Validates every case of the case repository at or above the current directory, or\n"
    "only the cases named (by id, such as 2026-014, or by a path inside the case).\n"
    "Prints one line per problem, 'file:line:col: severity[rule]: message', then a\n"
    "summary. 'casefile explain RULE' says what a rule checks and how to fix it.\n"
    "\n"
    "  --staged             what is staged in git's index, not the working tree: what the\n"
    "                       next commit would hold (the pre-commit hook runs this).  Only\n"
    "                       the cases the staged change touches, compared with HEAD (all\n"
    "                       of them when .casefile/ changes); every file it adds under\n"
    "                       cases/ must be encrypted (crypt/plaintext) and .gitattributes\n"
    "                       must route cases/ through casefile (crypt/attributes)\n"
    "  --all                with --staged: every case, touched or not\n"
    "  --rev REV            the files of a commit (a branch, a tag, HEAD~1, an id)\n"
    "  --format text|json   text (the default) or JSON\n"
    "  --as-of DATE         evaluate deadlines on DATE (default: today)\n"
    "\n"
    "Encrypted case files are decrypted with the keys this clone holds; a case whose key it\n"
    "does not hold is noted as locked (note[crypt/locked]) and not checked.\n"
    "\n"
    "Warnings, deadlines among them, never make check fail: only errors do.\n"
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

static int open_source(cf_source **src, const cli_check_opts *o, const char *root, cf_diags *diags)
{
	switch (o->from) {
	case CLI_FROM_INDEX:
		return cf_source_open_index(src, root, diags);
	case CLI_FROM_REV:
		return cf_source_open_rev(src, root, o->rev, diags);
	default:
		return cf_source_open_workdir(src, root);
	}
}

/* The files under cases/ whose attributes are checked (crypt/attributes): one made-up path
 * always, so a .gitattributes that stops routing cases/ is caught even when no case changed;
 * and when the root .gitattributes changed (*changed), every file of the cases checked and
 * the loose ones.  (A lookup costs libgit2 a walk of the path: doing it for every file of
 * 1,000 cases at each commit would cost more than the whole check.) */
static int attribute_paths(cf_strlist *paths, int *changed, cf_source *src, const cf_strlist *ids,
			   const cf_strlist *files)
{
	if (cf_strlist_add(paths, CF_CASES_DIR "/CASE-ID/case.yaml") < 0)
		return -1;
	*changed = cf_source_attributes_changed(src);
	if (*changed == 0)
		return 0;
	for (size_t i = 0; i < files->n; i++)
		if (cf_strlist_add(paths, files->items[i]) < 0)
			return -1;
	cf_diags ignored = CF_DIAGS_INIT; /* the check reports what cannot be listed */
	int rc = 0;
	for (size_t i = 0; i < ids->n && rc == 0; i++) {
		cf_strlist names = CF_STRLIST_INIT;
		cf_buf dir = CF_BUF_INIT;
		cf_buf_printf(&dir, "%s/%s", CF_CASES_DIR, ids->items[i]);
		rc = cf_buf_oom(&dir) ? -1 : cf_source_list_files(src, dir.ptr, &names, &ignored);
		for (size_t j = 0; j < names.n && rc == 0; j++) {
			cf_buf p = CF_BUF_INIT;
			cf_buf_printf(&p, "%s/%s", dir.ptr, names.items[j]);
			rc = cf_buf_oom(&p) ? -1 : cf_strlist_take(paths, cf_buf_detach(&p));
		}
		cf_buf_free(&dir);
		cf_strlist_free(&names);
	}
	cf_diags_free(&ignored);
	return rc;
}

int cli_check(const cf_cli *cli, const cli_check_opts *o, cf_diags *diags, size_t *checked)
{
	*checked = 0;
	cf_date today;
	int rc = cli_today(&today, "check", o->as_of);
	if (rc)
		return rc;
	char *root = NULL;
	if ((rc = cli_find_root(&root)))
		return rc;
	cf_repo *repo = NULL;
	cf_source *src = NULL;
	cf_keyring *ring = NULL;
	cf_diags *per_case = NULL;
	cf_strlist ids = CF_STRLIST_INIT, files = CF_STRLIST_INIT, all = CF_STRLIST_INIT;
	if (open_source(&src, o, root, diags) < 0) {
		cli_print_diags(stderr, diags);
		fprintf(stderr, "casefile: check: cannot read the %s of %s\n",
			o->from == CLI_FROM_INDEX ? "git index"
			: o->from == CLI_FROM_REV ? "commit"
						  : "files",
			root);
		cf_diags_clear(diags);
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_open_repo_at(&repo, cli, root, o->from == CLI_FROM_WORKDIR ? NULL : src)))
		goto out;
	if (cf_source_load_keyring(&ring, repo->root, diags) < 0) {
		cli_print_diags(stderr, diags);
		fprintf(stderr, "casefile: check: cannot read the keys of this clone\n");
		cf_diags_clear(diags);
		rc = CF_EXIT_KEY;
		goto out;
	}
	cf_source_set_keyring(src, ring);
	int everything = o->from != CLI_FROM_INDEX || o->all || o->named->n;
	if (!everything && cf_source_staged_changes(src, &ids, &files, &everything, diags) < 0) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (everything) {
		cf_strlist_free(&ids);
		if (cf_case_ids(o->named->n ? &all : &ids, src, diags) < 0) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < o->named->n; i++) {
		char *id = NULL;
		if (resolve_case(&id, repo, src, o->named->items[i]) < 0 ||
		    !cf_strlist_contains(&all, id)) {
			free(id);
			if (o->from == CLI_FROM_WORKDIR)
				rc =
				    cli_usage("check", "'%s' is not a case of the repository at %s",
					      o->named->items[i], repo->root);
			else
				rc = cli_usage("check", "'%s' is not a case in the %s",
					       o->named->items[i], cf_source_name(src));
			goto out;
		}
		if (!cf_strlist_contains(&ids, id))
			cf_strlist_take(&ids, id);
		else
			free(id);
	}
	if (o->from != CLI_FROM_WORKDIR) {
		cf_strlist paths = CF_STRLIST_INIT;
		int changed = 1;
		int bad = attribute_paths(&paths, &changed, src, &ids, &files) < 0;
		/* The index's root .gitattributes is HEAD's: it was judged when HEAD was
		 * committed (and `casefile doctor` judges the clone's), so the commit changes
		 * nothing there -- and libgit2 would load the whole index again for one lookup.
		 * A commit (pre-push) is always judged. */
		int skip = o->from == CLI_FROM_INDEX && changed == 0;
		bad = bad || (!skip && cf_guard_attributes(cf_source_git_repository(src),
							   o->from == CLI_FROM_REV ? o->rev : NULL,
							   &paths, diags) < 0);
		cf_strlist_free(&paths);
		if (bad) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}

	cf_check_env env = {repo->calendar, today, repo->warning_days, o->message};
	per_case = calloc(ids.n ? ids.n : 1, sizeof(*per_case));
	if (!per_case ||
	    cf_batch_run(repo, src, &ids, cli_threads(), check_one, &env, per_case) < 0) {
		fprintf(stderr, "casefile: check: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++)
		cf_diags_move(diags, &per_case[i]);
	*checked = ids.n;
	/* What no case read -- files the schema does not know, a locked case's other files,
	 * files directly under cases/ -- must be ciphertext too. */
	if (o->from != CLI_FROM_WORKDIR &&
	    cf_source_guard(src, &ids, &files, everything, diags) < 0) {
		fprintf(stderr, "casefile: check: cannot read the files under cases/\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
out:
	cf_diags_sort(diags);
	if (rc == 0) {
		if (cf_diags_has_rule(diags, "schema/invalid") ||
		    cf_diags_has_rule(diags, "calendar/") ||
		    cf_diags_has_rule(diags, "source/read"))
			rc = CF_EXIT_USAGE;
		else if (cf_diags_count(diags, CF_SEV_ERROR) > 0)
			rc = CF_EXIT_ERRORS;
	}
	for (size_t i = 0; per_case && i < ids.n; i++)
		cf_diags_free(&per_case[i]);
	free(per_case);
	cf_strlist_free(&ids);
	cf_strlist_free(&files);
	cf_strlist_free(&all);
	cf_repo_free(repo);
	cf_source_free(src);
	cf_keyring_free(ring);
	free(root);
	return rc;
}

int cmd_check(int argc, char **argv, const cf_cli *cli)
{
	int json = 0, staged = 0, rev = 0;
	cf_strlist named = CF_STRLIST_INIT;
	cli_check_opts o = {CLI_FROM_WORKDIR, NULL, 0, NULL, &named, NULL};
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
			o.as_of = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : "");
		} else if (strcmp(a, "--staged") == 0 || strcmp(a, "--cached") == 0) {
			o.from = CLI_FROM_INDEX;
			staged = 1;
		} else if (strcmp(a, "--all") == 0) {
			o.all = 1;
		} else if (strcmp(a, "--rev") == 0 || strncmp(a, "--rev=", 6) == 0) {
			o.from = CLI_FROM_REV;
			rev = 1;
			o.rev = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : "");
			if (!*o.rev) {
				cf_strlist_free(&named);
				return cli_usage("check", "--rev needs a commit");
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			cf_strlist_free(&named);
			return cli_usage("check", "unknown option '%s'", a);
		} else if (cf_strlist_add(&named, a) < 0) {
			cf_strlist_free(&named);
			return CF_EXIT_USAGE;
		}
	}
	if (staged && rev) {
		cf_strlist_free(&named);
		return cli_usage("check", "--staged and --rev read different things: give one");
	}
	if (o.all && !staged) {
		cf_strlist_free(&named);
		return cli_usage("check", "--all goes with --staged (check reads every case "
					  "otherwise)");
	}

	cf_diags diags = CF_DIAGS_INIT;
	size_t cases = 0;
	int rc = cli_check(cli, &o, &diags, &cases);
	if (rc == CF_EXIT_OK || rc == CF_EXIT_ERRORS || diags.len) {
		cf_buf out = CF_BUF_INIT;
		if (json)
			format_json(&out, &diags, cases);
		else
			format_text(&out, &diags, cases);
		if (cli_write_stdout(&out) < 0 || diags.oom) {
			fprintf(stderr, "casefile: check: could not write the report\n");
			rc = CF_EXIT_USAGE;
		}
		cf_buf_free(&out);
	}
	cf_diags_free(&diags);
	cf_strlist_free(&named);
	return rc;
}
