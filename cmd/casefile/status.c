/* casefile status: the business office's page before a Case Review Group meeting — every
 * open case, where it stands, what falls due next and what is already late. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "caseload.h"
#include "check.h"
#include "cli.h"
#include "fs.h"
#include "report.h"
#include "source.h"

static const char usage_text[] =
    "usage: casefile status [--format F] [-o FILE] [--as-of DATE] [--all]\n"
    "                       [--stage STAGE] [--route ROUTE] [--overdue] [--color WHEN]\n"
    "\n"
    "One row per open case: id, title, route, stage, working days open, the next deadline\n"
    "(its due date and working days left, or overdue by), a RAG mark (red: overdue, amber:\n"
    "due within the warning window, green), error and warning counts, overdue actions.\n"
    "Overdue first, then by working days left.\n"
    "\n"
    "  --format F      text (default), md, csv, tsv, json or html\n"
    "  -o FILE         write to FILE (atomically); the format follows its extension\n"
    "  --as-of DATE    evaluate deadlines on DATE (default: today)\n"
    "  --all           include closed cases\n"
    "  --stage STAGE   only cases at STAGE\n"
    "  --route ROUTE   only cases on ROUTE (notification or referral)\n"
    "  --overdue       only cases with an overdue deadline\n"
    "  --color WHEN    auto (default: on a terminal, unless NO_COLOR is set), always, never\n"
    "\n"
    "A case encrypted with a key this clone does not hold is listed as locked, whatever the\n"
    "filters: nothing else of it can be known.\n";

typedef struct options {
	const char *format;
	const char *output;
	const char *as_of;
	const char *stage;
	const char *route;
	const char *color;
	int all;
	int overdue;
} options;

/* Reads "--name VALUE" or "--name=VALUE"; returns 1 when argv[*i] was that option. */
static int opt_value(const char **out, int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	*out = *i + 1 < argc ? argv[++*i] : "";
	return 1;
}

static int parse_args(options *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opt_value(&o->format, argc, argv, &i, "--format") ||
		    opt_value(&o->output, argc, argv, &i, "-o") ||
		    opt_value(&o->output, argc, argv, &i, "--output") ||
		    opt_value(&o->as_of, argc, argv, &i, "--as-of") ||
		    opt_value(&o->stage, argc, argv, &i, "--stage") ||
		    opt_value(&o->route, argc, argv, &i, "--route") ||
		    opt_value(&o->color, argc, argv, &i, "--color"))
			continue;
		if (strcmp(a, "--all") == 0)
			o->all = 1;
		else if (strcmp(a, "--overdue") == 0)
			o->overdue = 1;
		else
			return cli_usage("status", "unknown argument '%s'", a);
	}
	if (o->output && !*o->output)
		return cli_usage("status", "-o needs a file name");
	return 0;
}

static int want_color(const options *o)
{
	if (o->output)
		return 0;
	if (o->color && strcmp(o->color, "always") == 0)
		return 1;
	if (o->color && strcmp(o->color, "never") == 0)
		return 0;
	const char *no = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return isatty(STDOUT_FILENO) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

/* Does the case belong in the report?  Decided on what its case.yaml says. */
static int selected(const options *o, const cf_case *c, const cf_status_row *row)
{
	if (!o->all && row->closed)
		return 0;
	if (o->stage && strcmp(row->stage, o->stage) != 0)
		return 0;
	if (o->route && strcmp(row->route, o->route) != 0)
		return 0;
	if (o->overdue && row->overdue == 0)
		return 0;
	(void)c;
	return 1;
}

typedef struct status_job {
	cf_check_env env;
	const options *opt;
	cf_status_row *rows; /* one slot per case */
	char *keep;	     /* 1: the row belongs in the report; 3: a locked case */
} status_job;

/* Runs on a worker thread: builds the case's row in its own slot.  Only a summary is kept;
 * the case's diagnostics are dropped once counted (unless the schema is broken), so memory
 * does not grow with the cases beyond the rows. */
static int status_one(const cf_case *c, cf_diags *diags, size_t index, void *arg)
{
	status_job *job = arg;
	if (c->locked) {
		job->keep[index] = 3;
		cf_diags_free(diags);
		return 0;
	}
	cf_deadline_results res = {NULL, 0, 0};
	cf_check_case(c, &job->env, diags, &res);
	int rc = 0;
	if (cf_diags_has_rule(diags, "schema/invalid")) {
		job->keep[index] = 2;
	} else if (cf_status_row_make(&job->rows[index], c, &res, diags, job->env.calendar,
				      job->env.today) < 0) {
		rc = -1;
	} else if (selected(job->opt, c, &job->rows[index])) {
		job->keep[index] = 1;
	} else {
		cf_status_row_release(&job->rows[index]);
	}
	if (job->keep[index] != 2)
		cf_diags_free(diags);
	cf_deadline_results_free(&res);
	return rc;
}

int cmd_status(int argc, char **argv, const cf_cli *cli)
{
	options o;
	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
	int rc = parse_args(&o, argc, argv);
	if (rc)
		return rc;
	cf_status_format fmt = CF_STATUS_TEXT;
	if (o.format && cf_status_format_parse(&fmt, o.format, 0) < 0)
		return cli_usage("status", "--format is text, md, csv, tsv, json or html, not '%s'",
				 o.format);
	if (!o.format && o.output && cf_status_format_parse(&fmt, o.output, 1) < 0)
		return cli_usage("status",
				 "cannot tell the format of '%s' from its extension; give --format",
				 o.output);
	if (o.color && strcmp(o.color, "auto") != 0 && strcmp(o.color, "always") != 0 &&
	    strcmp(o.color, "never") != 0)
		return cli_usage("status", "--color is auto, always or never");
	cf_date today;
	if ((rc = cli_today(&today, "status", o.as_of)))
		return rc;

	cf_repo *repo;
	if ((rc = cli_open_repo(&repo, cli)))
		return rc;
	cf_source *src = NULL;
	cf_keyring *ring = NULL;
	cf_diags *per_case = NULL;
	status_job job;
	memset(&job, 0, sizeof(job));
	cf_strlist ids = CF_STRLIST_INIT;
	cf_diags diags = CF_DIAGS_INIT;
	cf_status st;
	cf_buf out = CF_BUF_INIT;
	if (cf_status_init(&st, repo->partnership, today) < 0 ||
	    cf_source_open_workdir(&src, repo->root) < 0 || cf_case_ids(&ids, src, &diags) < 0) {
		fprintf(stderr, "casefile: status: cannot read the cases of %s\n", repo->root);
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_source_load_keyring(&ring, repo->root, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: status: cannot read the keys of this clone\n");
		rc = CF_EXIT_KEY;
		goto out;
	}
	cf_source_set_keyring(src, ring);
	job.env.calendar = repo->calendar;
	job.env.today = today;
	job.env.warning_days = repo->warning_days;
	job.opt = &o;
	job.rows = calloc(ids.n ? ids.n : 1, sizeof(*job.rows));
	job.keep = calloc(ids.n ? ids.n : 1, 1);
	per_case = calloc(ids.n ? ids.n : 1, sizeof(*per_case));
	if (!job.rows || !job.keep || !per_case ||
	    cf_batch_run(repo, src, &ids, cli_threads(), status_one, &job, per_case) < 0) {
		fprintf(stderr, "casefile: status: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		if (cf_diags_has_rule(&per_case[i], "schema/invalid")) {
			cli_print_diags(stderr, &per_case[i]);
			rc = CF_EXIT_USAGE;
		}
	}
	for (size_t i = 0; rc == 0 && i < ids.n; i++)
		if ((job.keep[i] == 1 && cf_status_append(&st, &job.rows[i]) < 0) ||
		    (job.keep[i] == 3 && cf_status_add_locked(&st, ids.items[i]) < 0))
			rc = CF_EXIT_USAGE;
	if (rc || st.oom) {
		fprintf(stderr, "casefile: status: the report could not be made (see above)\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	cf_status_sort(&st);
	cf_status_render(&out, &st, fmt, want_color(&o));
	if (cf_buf_oom(&out)) {
		rc = CF_EXIT_USAGE;
	} else if (o.output) {
		/* The report names cases: readable by the owner and the group, not by all. */
		if (cf_write_file_atomic(o.output, out.ptr, out.len, 0640) < 0) {
			perror(o.output);
			rc = CF_EXIT_USAGE;
		}
	} else if (cli_write_stdout(&out) < 0) {
		rc = CF_EXIT_USAGE;
	}
out:
	cf_buf_free(&out);
	cf_status_free(&st);
	cf_diags_free(&diags);
	cf_strlist_free(&ids);
	for (size_t i = 0; i < ids.n; i++) {
		if (per_case)
			cf_diags_free(&per_case[i]);
		if (job.rows)
			cf_status_row_release(&job.rows[i]);
	}
	free(per_case);
	free(job.rows);
	free(job.keep);
	cf_source_free(src);
	cf_keyring_free(ring);
	cf_repo_free(repo);
	return rc;
}
