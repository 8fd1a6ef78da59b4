/* casefile ready CASE: the publication readiness list (lib/rules/publication) for one case, at any
 * stage: each item with a tick or a cross, and under each cross the diagnostics that say what
 * is missing, so the business office knows before publication what is still to do. */
#include <stdlib.h>
#include <string.h>

#include "caseload.h"
#include "cli.h"
#include "rules/publication.h"
#include "source.h"
#include "waiver.h"

static const char usage_text[] =
    "usage: casefile ready CASE-ID [--as-of DATE]\n"
    "\n"
    "Prints the publication readiness list of one case: the report final with every\n"
    "section, no real identifier in it, its reviewer named, the approvals in order, the\n"
    "National Panel's notice, the family, criminal proceedings, the practitioners' debrief\n"
    "and a media contact, and neither the genogram nor drafting marks in the report. Each\n"
    "item is ticked or crossed; under a cross, what is wrong and where. It works at any\n"
    "stage; from the publication stage on, 'casefile check' reports the same failures as\n"
    "errors. The case's waivers apply as they do in check.\n"
    "\n"
    "  --as-of DATE   the day to count the working days to publication from (default: today)\n"
    "\n"
    "Exit codes: 0 every item holds, 1 an item fails, 2 usage or configuration error, 3 the\n"
    "clone's keys cannot be read.\n";

static const char tick[] = "\xe2\x9c\x93";  /* ✓ */
static const char cross[] = "\xe2\x9c\x97"; /* ✗ */

static void header(cf_buf *out, const cf_case *c, const cf_calendar *cal, cf_date today)
{
	char d[11];
	cf_date_format(d, today);
	const char *title = cf_node_str(cf_node_get(c->root, "title"));
	const char *stage = cf_node_str(cf_node_get(c->root, "stage"));
	cf_buf_printf(out, "%s  %s: publication readiness as of %s\n", c->id,
		      title ? title : "(no title)", d);
	cf_buf_printf(out, "  stage %s; ", stage ? stage : "?");
	const char *s = cf_node_str(cf_node_path(c->root, "dates.publication_planned"));
	cf_date planned;
	if (!s || cf_date_parse(&planned, s) < 0) {
		cf_buf_puts(out, "no publication date planned\n");
		return;
	}
	int days = cf_calendar_working_days_between(cal, today, planned);
	if (days > 0)
		cf_buf_printf(out, "publication planned for %s, in %d working day%s\n", s, days,
			      days == 1 ? "" : "s");
	else if (days == 0 && planned >= today)
		cf_buf_printf(out, "publication planned for %s, today or the next working day\n",
			      s);
	else
		cf_buf_printf(out, "publication planned for %s, %d working day%s ago\n", s, -days,
			      days == -1 ? "" : "s");
}

/* Each line of a diagnostic (and its hint), indented under its item. */
static void put_diag(cf_buf *out, const cf_diag *d)
{
	cf_buf line = CF_BUF_INIT;
	cf_diag_format_text(&line, d);
	const char *p = cf_buf_cstr(&line);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		cf_buf_puts(out, "  ");
		cf_buf_put(out, p, n);
		p += n;
	}
	cf_buf_free(&line);
}

/* The case's waivers apply as in `check`: an item whose every failure is waived holds (its
 * lines say waived[...]).  Returns the items that fail. */
static int checklist(cf_buf *out, const cf_publication_item *items, const cf_diags *diags)
{
	int failing = 0;
	for (int i = 0; i < CF_PUBLICATION_ITEMS; i++) {
		const cf_publication_item *it = &items[i];
		size_t waived = 0;
		for (size_t k = 0; k < it->count; k++)
			waived += diags->items[it->first + k].waived != 0;
		int ok = waived == it->count;
		failing += !ok;
		cf_buf_printf(out, "%s %d. %s", ok ? tick : cross, i + 1, it->title);
		if (it->note)
			cf_buf_printf(out, " (%s)", it->note);
		else if (it->count && ok)
			cf_buf_puts(out, " (waived)");
		cf_buf_putc(out, '\n');
		for (size_t k = 0; k < it->count; k++)
			put_diag(out, &diags->items[it->first + k]);
	}
	return failing;
}

/* The errors of the case's waivers of publication rules (one that may never be waived, one
 * without its reason or agreement): the case is not ready while they stand. */
static int waiver_errors(cf_buf *out, const cf_diags *diags, size_t from)
{
	int n = 0;
	for (size_t i = from; i < diags->len; i++) {
		const cf_diag *d = &diags->items[i];
		if (d->severity != CF_SEV_ERROR || strncmp(d->rule, "waiver/", 7) != 0 ||
		    !strstr(d->message, "publication/"))
			continue;
		if (n++ == 0)
			cf_buf_printf(out, "%s   the case's waivers of publication rules\n", cross);
		put_diag(out, d);
	}
	return n;
}

int cmd_ready(int argc, char **argv, const cf_cli *cli)
{
	const char *id, *as_of;
	int rc = cli_case_args(argc, argv, "ready", usage_text, &id, &as_of);
	if (rc >= 0)
		return rc;
	cf_date today;
	cf_repo *repo;
	if ((rc = cli_today(&today, "ready", as_of)) || (rc = cli_open_repo(&repo, cli)))
		return rc;
	cli_case k = CLI_CASE_INIT;
	cf_diags load = CF_DIAGS_INIT, diags = CF_DIAGS_INIT;
	cf_buf out = CF_BUF_INIT;
	if ((rc = cli_case_open(&k, "ready", repo, id, &load)))
		goto out;
	const cf_case *c = k.c;
	cf_buf why = CF_BUF_INIT;
	if (cf_publication_skipped(c, &why)) {
		header(&out, c, repo->calendar, today);
		cf_buf_printf(&out,
			      "\nThe schema skips the publication stage for this case%s%s: no "
			      "report is published.\n"
			      "\ncasefile: %s publishes no report: nothing to check\n",
			      why.len ? " when " : "", cf_buf_cstr(&why), id);
		cf_buf_free(&why);
		rc = cli_write_stdout(&out) < 0 ? CF_EXIT_USAGE : CF_EXIT_OK;
		goto out;
	}
	cf_buf_free(&why);
	cf_publication_item items[CF_PUBLICATION_ITEMS];
	if (cf_publication_checklist(items, c, repo->calendar, &diags) < 0) {
		/* no schema (the loader said why), or a schema without rules.publication */
		cf_diags_sort(&load);
		cli_print_diags(stderr, &load);
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: ready: the readiness of %s cannot be evaluated\n", id);
		rc = diags.oom ? CF_EXIT_USAGE : (c->root ? CF_EXIT_USAGE : CF_EXIT_ERRORS);
		goto out;
	}
	size_t listed = diags.len;
	cf_waivers_apply(c, &diags, 0);
	header(&out, c, repo->calendar, today);
	cf_buf_putc(&out, '\n');
	int failing = checklist(&out, items, &diags);
	int bad_waivers = waiver_errors(&out, &diags, listed);
	if (bad_waivers && !failing)
		cf_buf_printf(&out, "\ncasefile: %s is not ready to publish: a waiver is wrong\n",
			      id);
	else if (failing)
		cf_buf_printf(&out, "\ncasefile: %s is not ready to publish: %d of %d items fail\n",
			      id, failing, CF_PUBLICATION_ITEMS);
	else
		cf_buf_printf(&out, "\ncasefile: %s is ready to publish: all %d items hold\n", id,
			      CF_PUBLICATION_ITEMS);
	if (cli_write_stdout(&out) < 0) {
		fprintf(stderr, "casefile: ready: could not write the report\n");
		rc = CF_EXIT_USAGE;
	} else {
		rc = failing || bad_waivers ? CF_EXIT_ERRORS : CF_EXIT_OK;
	}
out:
	cf_buf_free(&out);
	cf_diags_free(&diags);
	cf_diags_free(&load);
	cli_case_free(&k);
	cf_repo_free(repo);
	return rc;
}
