#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "protect.h"

int cli_today(cf_date *out, const char *cmd, const char *as_of)
{
	const char *env = getenv("CASEFILE_TODAY");
	const char *s = as_of ? as_of : (env && *env ? env : NULL);
	if (s) {
		if (cf_date_parse(out, s) < 0)
			return cli_usage(cmd, "%s '%s' is not a date (YYYY-MM-DD)",
					 as_of ? "--as-of" : "CASEFILE_TODAY", s);
		return 0;
	}
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) ||
	    cf_date_from_ymd(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) < 0) {
		fprintf(stderr, "casefile: %s: cannot read today's date\n", cmd);
		return CF_EXIT_USAGE;
	}
	return 0;
}

unsigned cli_threads(void)
{
	const char *s = getenv("CASEFILE_THREADS");
	long n = s ? strtol(s, NULL, 10) : 0;
	return n > 0 && n <= 64 ? (unsigned)n : 0;
}

int cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "casefile: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'casefile help %s'.\n", cmd);
	return CF_EXIT_USAGE;
}

void cli_print_diags(FILE *f, const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	fputs(cf_buf_cstr(&out), f);
	cf_buf_free(&out);
}

int cli_write_stdout(const cf_buf *b)
{
	if (cf_buf_oom(b))
		return -1;
	if (b->len && fwrite(b->ptr, 1, b->len, stdout) != b->len)
		return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

int cli_find_root(char **root)
{
	*root = NULL;
	if (cf_repo_discover(root, ".") < 0) {
		fprintf(stderr, "casefile: not a case repository (no %s here or above)\n",
			CF_CONFIG_PATH);
		fprintf(stderr,
			"  hint: run casefile in a case repository, or name one with -C DIR\n");
		return CF_EXIT_USAGE;
	}
	return 0;
}

int cli_open_repo(cf_repo **out, const cf_cli *cli)
{
	char *root = NULL;
	*out = NULL;
	int rc = cli_find_root(&root);
	if (rc == 0)
		rc = cli_open_repo_at(out, cli, root, NULL);
	free(root);
	return rc;
}

int cli_open_repo_at(cf_repo **out, const cf_cli *cli, const char *root, cf_source *src)
{
	cf_diags diags = CF_DIAGS_INIT;
	int rc = cf_repo_open_source(out, root, src, cli->schema_dirs, cli->n_schema_dirs, &diags);
	cf_diags_sort(&diags);
	cli_print_diags(stderr, &diags);
	cf_diags_free(&diags);
	if (rc < 0) {
		fprintf(stderr, "casefile: the repository's configuration is wrong (see above)\n");
		return CF_EXIT_USAGE;
	}
	return 0;
}

int cli_load_calendar(cf_calendar **out, const cf_cli *cli)
{
	char *root = NULL;
	*out = NULL;
	if (cf_repo_discover(&root, ".") == 0) {
		free(root);
		cf_repo *repo;
		int rc = cli_open_repo(&repo, cli);
		if (rc)
			return rc;
		*out = repo->calendar;
		repo->calendar = NULL; /* the caller's now */
		cf_repo_free(repo);
		return 0;
	}
	/* Outside a repository: the installed calendar. */
	char *path = NULL;
	for (size_t i = 0; i < cli->n_schema_dirs && !path; i++) {
		char *p = cf_path_join(cli->schema_dirs[i], "calendar/england-and-wales.yaml");
		if (p && cf_is_file(p))
			path = p;
		else
			free(p);
	}
	if (!path) {
		fprintf(stderr,
			"casefile: no calendar installed (calendar/england-and-wales.yaml)\n");
		return CF_EXIT_USAGE;
	}
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf data = CF_BUF_INIT;
	cf_arena *arena = NULL;
	cf_doc *doc;
	int rc = CF_EXIT_USAGE;
	if (cf_calendar_new(out) < 0 || cf_arena_new(&arena, 0) < 0) {
		fprintf(stderr, "casefile: out of memory\n");
	} else if (cf_read_file_buf(&data, path, CF_DOC_MAX_BYTES_DEFAULT) < 0) {
		fprintf(stderr, "casefile: cannot read %s: %s\n", path, strerror(errno));
	} else if (cf_doc_parse_yaml(&doc, arena, path, cf_buf_cstr(&data), data.len, NULL,
				     &diags) == 0 &&
		   cf_calendar_apply(*out, doc, &diags) == 0) {
		rc = 0;
	}
	cli_print_diags(stderr, &diags);
	if (rc) {
		cf_calendar_free(*out);
		*out = NULL;
	}
	cf_diags_free(&diags);
	cf_buf_free(&data);
	cf_arena_free(arena);
	free(path);
	return rc;
}

int cli_case_args(int argc, char **argv, const char *cmd, const char *usage, const char **id,
		  const char **as_of)
{
	*id = *as_of = NULL;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--as-of") == 0) {
			*as_of = i + 1 < argc ? argv[++i] : "";
		} else if (strncmp(argv[i], "--as-of=", 8) == 0) {
			*as_of = argv[i] + 8;
		} else if (argv[i][0] == '-' || *id) {
			return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
		} else {
			*id = argv[i];
		}
	}
	if (!*id)
		return cli_usage(cmd, "name a case, e.g. casefile %s 2026-014", cmd);
	return -1;
}

int cli_case_open(cli_case *out, const char *cmd, cf_repo *repo, const char *id, cf_diags *load)
{
	if (cf_source_open_workdir(&out->src, repo->root) < 0) {
		fprintf(stderr, "casefile: %s: cannot read %s\n", cmd, repo->root);
		return CF_EXIT_USAGE;
	}
	if (cf_source_load_keyring(&out->ring, repo->root, load) < 0) {
		cli_print_diags(stderr, load);
		fprintf(stderr, "casefile: %s: cannot read the keys of this clone\n", cmd);
		return CF_EXIT_KEY;
	}
	cf_source_set_keyring(out->src, out->ring);
	cf_buf dir = CF_BUF_INIT;
	cf_buf_printf(&dir, "%s/%s", CF_CASES_DIR, id);
	int exists = !cf_buf_oom(&dir) && cf_source_exists(out->src, cf_buf_cstr(&dir));
	cf_buf_free(&dir);
	if (!*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || !exists)
		return cli_usage(cmd, "no case '%s' in %s", id, repo->root);
	if (cf_case_load(&out->c, repo, out->src, id, load) < 0) {
		fprintf(stderr, "casefile: %s: out of memory\n", cmd);
		return CF_EXIT_USAGE;
	}
	if (out->c->locked) {
		cli_print_diags(stderr, load);
		fprintf(stderr, "casefile: %s: this clone holds no key for case %s\n", cmd, id);
		return CF_EXIT_KEY;
	}
	return 0;
}

void cli_case_free(cli_case *k)
{
	cf_case_free(k->c);
	cf_source_free(k->src);
	cf_keyring_free(k->ring);
	k->c = NULL;
	k->src = NULL;
	k->ring = NULL;
}
