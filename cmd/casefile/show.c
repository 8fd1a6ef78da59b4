/* casefile show CASE: one case as the Case Review Group meeting needs it — its milestones,
 * every deadline with its due date and state, what is still open, and its diagnostics. */
#include <stdlib.h>
#include <string.h>

#include "caseload.h"
#include "check.h"
#include "cli.h"
#include "deadline.h"
#include "source.h"

static const char usage_text[] = "usage: casefile show CASE-ID [--as-of DATE]\n"
				 "\n"
				 "Prints one case for the meeting: its milestones, every deadline "
				 "with its due date\n"
				 "and state, the list items still open (actions, deferred family "
				 "members), and its\n"
				 "diagnostics.\n";

static int date_cmp(const void *pa, const void *pb)
{
	const cf_pair *a = *(const cf_pair *const *)pa, *b = *(const cf_pair *const *)pb;
	const char *x = cf_node_str(a->val), *y = cf_node_str(b->val);
	cf_date dx = CF_DATE_NONE, dy = CF_DATE_NONE;
	if (x)
		cf_date_parse(&dx, x);
	if (y)
		cf_date_parse(&dy, y);
	return dx < dy ? -1 : dx > dy;
}

static void milestones(cf_buf *out, const cf_case *c)
{
	const cf_node *dates = cf_node_get(c->root, "dates");
	cf_buf_puts(out, "\nMilestones\n");
	if (!dates || dates->kind != CF_NODE_MAP || dates->n == 0) {
		cf_buf_puts(out, "  (none recorded)\n");
		return;
	}
	const cf_pair **pairs = malloc(dates->n * sizeof(*pairs));
	if (!pairs)
		return;
	size_t n = 0;
	for (size_t i = 0; i < dates->n; i++) {
		cf_date d;
		const char *s = cf_node_str(dates->pairs[i].val);
		if (s && cf_date_parse(&d, s) == 0)
			pairs[n++] = &dates->pairs[i];
	}
	qsort(pairs, n, sizeof(*pairs), date_cmp);
	for (size_t i = 0; i < n; i++) {
		cf_buf_printf(out, "  %s  ", cf_node_str(pairs[i]->val));
		for (const char *k = pairs[i]->key->str; *k; k++)
			cf_buf_putc(out, *k == '_' ? ' ' : *k);
		cf_buf_putc(out, '\n');
	}
	free((void *)pairs);
}

static void state_words(cf_buf *out, const cf_deadline_result *x)
{
	char d[11];
	switch (x->state) {
	case CF_DL_PENDING:
		cf_buf_puts(out, "not running yet");
		break;
	case CF_DL_MET:
		cf_date_format(d, x->done);
		cf_buf_printf(out, "met on %s", d);
		break;
	case CF_DL_MET_LATE:
		cf_date_format(d, x->done);
		cf_buf_printf(out, "met late on %s, %d working day%s after", d, x->days,
			      x->days == 1 ? "" : "s");
		break;
	case CF_DL_MET_EARLY:
		cf_date_format(d, x->done);
		cf_buf_printf(out, "done early on %s, %d working day%s before the window opened", d,
			      x->days, x->days == 1 ? "" : "s");
		break;
	case CF_DL_EXCUSED:
		cf_date_format(d, x->done);
		cf_buf_printf(out, "excused on %s", d);
		break;
	case CF_DL_OVERDUE:
		cf_buf_printf(out, "OVERDUE by %d working day%s", x->days, x->days == 1 ? "" : "s");
		break;
	case CF_DL_DUE_SOON:
		cf_buf_printf(out, "due soon: %d working day%s left", x->days,
			      x->days == 1 ? "" : "s");
		break;
	default:
		cf_buf_printf(out, "open: %d working day%s left", x->days, x->days == 1 ? "" : "s");
		break;
	}
}

static void deadlines(cf_buf *out, const cf_deadline_results *r, int items)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->n; i++) {
		const cf_deadline_result *x = &r->items[i];
		int is_item = x->label[0] != '\0';
		if (is_item != items)
			continue;
		/* Items done or excused are history, not business for the meeting. */
		if (items && (x->state == CF_DL_MET || x->state == CF_DL_MET_LATE ||
			      x->state == CF_DL_MET_EARLY || x->state == CF_DL_EXCUSED))
			continue;
		char due[11] = "";
		if (x->due != CF_DATE_NONE)
			cf_date_format(due, x->due);
		if (items)
			cf_buf_printf(out, "  %-8s %-40s due %-10s  ", x->label, x->spec->title,
				      due);
		else
			cf_buf_printf(out, "  %-22s due %-10s  ", x->spec->id, due);
		state_words(out, x);
		if (!items) {
			cf_buf_puts(out, "\n      ");
			cf_buf_puts(out, x->spec->title);
			cf_buf_puts(out, ": ");
			cf_deadline_describe(out, x->spec);
			if (x->spec->source)
				cf_buf_printf(out, " (%s)", x->spec->source);
		}
		cf_buf_putc(out, '\n');
		shown++;
	}
	if (!shown)
		cf_buf_puts(out, "  (none)\n");
}

int cmd_show(int argc, char **argv, const cf_cli *cli)
{
	const char *id, *as_of;
	int rc = cli_case_args(argc, argv, "show", usage_text, &id, &as_of);
	if (rc >= 0)
		return rc;
	cf_date today;
	cf_repo *repo;
	if ((rc = cli_today(&today, "show", as_of)) || (rc = cli_open_repo(&repo, cli)))
		return rc;
	cli_case k = CLI_CASE_INIT;
	cf_diags diags = CF_DIAGS_INIT;
	cf_deadline_results res = {NULL, 0, 0};
	cf_buf out = CF_BUF_INIT;
	if ((rc = cli_case_open(&k, "show", repo, id, &diags)))
		goto out;
	cf_case *c = k.c;
	cf_check_env env = {repo->calendar, today, repo->warning_days, NULL};
	cf_check_case(c, &env, &diags, &res);
	cf_diags_sort(&diags);

	char d[11];
	cf_date_format(d, today);
	const char *title = cf_node_str(cf_node_get(c->root, "title"));
	const char *stage = cf_node_str(cf_node_get(c->root, "stage"));
	const char *route = cf_node_str(cf_node_get(c->root, "route"));
	const char *outcome = cf_node_str(cf_node_path(c->root, "decision.outcome"));
	cf_buf_printf(&out, "%s  %s\n", id, title ? title : "(no title)");
	cf_buf_printf(&out, "  type %s, route %s, stage %s", c->schema ? c->schema->name : "?",
		      route ? route : "?", stage ? stage : "?");
	if (outcome)
		cf_buf_printf(&out, ", decision %s", outcome);
	cf_buf_printf(&out, "; as of %s\n", d);
	milestones(&out, c);
	cf_buf_puts(&out, "\nDeadlines\n");
	deadlines(&out, &res, 0);
	cf_buf_puts(&out, "\nStill open\n");
	deadlines(&out, &res, 1);
	cf_buf_puts(&out, "\nDiagnostics\n");
	if (diags.len == 0)
		cf_buf_puts(&out, "  (none)\n");
	for (size_t i = 0; i < diags.len; i++) {
		cf_buf_puts(&out, "  ");
		cf_diag_format_text(&out, &diags.items[i]);
	}
	if (cli_write_stdout(&out) < 0)
		rc = CF_EXIT_USAGE;
	else if (cf_diags_has_rule(&diags, "schema/invalid"))
		rc = CF_EXIT_USAGE;
	else
		rc = cf_diags_count(&diags, CF_SEV_ERROR) ? CF_EXIT_ERRORS : CF_EXIT_OK;
out:
	cf_buf_free(&out);
	cf_deadline_results_free(&res);
	cf_diags_free(&diags);
	cli_case_free(&k);
	cf_repo_free(repo);
	return rc;
}
