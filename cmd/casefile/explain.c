/* casefile explain RULE: what a rule checks, why it matters, how to fix it, and where in the
 * guidance it comes from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "deadline.h"
#include "fs.h"
#include "repo.h"
#include "rules.h"

static const char usage_text[] =
    "usage: casefile explain [RULE]\n"
    "\n"
    "Says what RULE (such as schema/required or dates/order) checks, why it matters, how\n"
    "to fix what it reports, and the guidance it comes from. Without RULE, lists every\n"
    "rule.\n";

/* Appends text wrapped at width columns, each line indented by two spaces. */
static void wrap(cf_buf *out, const char *text, size_t width)
{
	const char *p = text;
	while (*p) {
		size_t col = 2;
		cf_buf_puts(out, "  ");
		const char *line_start = p;
		while (*p) {
			size_t word = strcspn(p, " ");
			if (col + word > width && p != line_start)
				break;
			cf_buf_put(out, p, word);
			col += word;
			p += word;
			while (*p == ' ')
				p++;
			if (*p && col + 1 + strcspn(p, " ") <= width) {
				cf_buf_putc(out, ' ');
				col++;
			} else {
				break;
			}
		}
		cf_buf_putc(out, '\n');
	}
}

static void list_one(const cf_rule_info *r, void *arg)
{
	cf_buf_printf(arg, "  %-26s %s\n", r->id, r->title);
}

static void print_rule(cf_buf *out, const cf_rule_info *r);

/* A deadline's rule is data: its text comes from the schema that declares it (the
 * repository's, when inside one; else the installed cspr schema). */
static int explain_deadline(cf_buf *out, const char *id, const cf_cli *cli)
{
	char *root = NULL;
	cf_repo *repo = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	const cf_deadline_spec *spec = NULL;
	const cf_schema *schema = NULL;
	cf_schema *own = NULL;
	cf_deadlines own_dl = {NULL, 0};
	if (cf_repo_discover(&root, ".") == 0 && cli_open_repo(&repo, cli) == 0) {
		const cf_node *types = cf_node_get(repo->config, "case_types");
		for (size_t i = 0; types && types->kind == CF_NODE_SEQ && i < types->n && !spec;
		     i++) {
			const char *t = cf_node_str(types->items[i]);
			if (t && cf_repo_schema_get(&schema, repo, t, &diags) == 0)
				spec = cf_deadlines_find(cf_repo_deadlines(repo, schema), id);
		}
	} else {
		for (size_t i = 0; i < cli->n_schema_dirs && !own; i++) {
			char *p = cf_path_join(cli->schema_dirs[i], "cspr.yaml");
			if (p && cf_is_file(p) &&
			    cf_schema_load(&own, p, "cspr.yaml", &diags) == 0 &&
			    cf_deadlines_parse(&own_dl, own, &diags) == 0) {
				schema = own;
				spec = cf_deadlines_find(&own_dl, id);
			}
			free(p);
		}
	}
	if (spec) {
		const cf_rule_info *generic = cf_rule_find("deadline/*");
		cf_buf checks = CF_BUF_INIT, source = CF_BUF_INIT;
		cf_buf_puts(&checks, spec->title);
		cf_buf_puts(&checks, ": ");
		cf_deadline_describe(&checks, spec);
		if (spec->met_by.path)
			cf_buf_printf(&checks, ", met by %s", spec->met_by.path);
		if (spec->excused_by.path)
			cf_buf_printf(&checks, ", excused by %s", spec->excused_by.path);
		if (spec->when.n) {
			cf_buf_puts(&checks, ", when ");
			cf_conds_describe(&checks, &spec->when);
		}
		cf_buf_puts(&checks, ". Working days exclude weekends and England & Wales bank "
				     "holidays; within N working days of D is the Nth working day "
				     "after D.");
		cf_buf_printf(&source, "%s (declared in %s)", spec->source ? spec->source : "",
			      schema->file);
		cf_rule_info r = {id,		spec->title,  cf_buf_cstr(&checks),
				  generic->why, generic->fix, cf_buf_cstr(&source)};
		print_rule(out, &r);
		cf_buf_free(&checks);
		cf_buf_free(&source);
	}
	cf_diags_free(&diags);
	cf_schema_free(own);
	cf_repo_free(repo);
	free(root);
	return spec ? 0 : -1;
}

static void print_rule(cf_buf *out, const cf_rule_info *r)
{
	cf_buf_printf(out, "%s: %s\n\nWhat it checks\n", r->id, r->title);
	wrap(out, r->checks, 78);
	cf_buf_puts(out, "\nWhy it matters\n");
	wrap(out, r->why, 78);
	cf_buf_puts(out, "\nHow to fix it\n");
	wrap(out, r->fix, 78);
	cf_buf_puts(out, "\nSource\n");
	wrap(out, r->source, 78);
}

int cmd_explain(int argc, char **argv, const cf_cli *cli)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(usage_text, stdout);
		return CF_EXIT_OK;
	}
	if (argc > 2)
		return cli_usage("explain", "names one rule");
	cf_buf out = CF_BUF_INIT;
	if (argc == 1) {
		cf_buf_puts(&out, "Rules (casefile explain RULE for one):\n");
		cf_rules_each(list_one, &out);
	} else {
		const cf_rule_info *r = cf_rule_find(argv[1]);
		if (r) {
			print_rule(&out, r);
		} else if (strncmp(argv[1], "deadline/", 9) != 0 ||
			   explain_deadline(&out, argv[1], cli) < 0) {
			const char *sug = cf_rule_suggest(argv[1]);
			cf_buf_free(&out);
			if (sug)
				return cli_usage("explain", "no rule '%s'; did you mean '%s'?",
						 argv[1], sug);
			return cli_usage("explain", "no rule '%s'", argv[1]);
		}
	}
	int rc = cli_write_stdout(&out) < 0 ? CF_EXIT_USAGE : CF_EXIT_OK;
	cf_buf_free(&out);
	return rc;
}
