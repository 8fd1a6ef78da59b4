/* casefile explain RULE: what a rule checks, why it matters, how to fix it, and where in the
 * guidance it comes from. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
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

int cmd_explain(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
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
		if (!r) {
			const char *sug = cf_rule_suggest(argv[1]);
			cf_buf_free(&out);
			if (sug)
				return cli_usage("explain", "no rule '%s'; did you mean '%s'?",
						 argv[1], sug);
			return cli_usage("explain", "no rule '%s'", argv[1]);
		}
		cf_buf_printf(&out, "%s: %s\n\nWhat it checks\n", r->id, r->title);
		wrap(&out, r->checks, 78);
		cf_buf_puts(&out, "\nWhy it matters\n");
		wrap(&out, r->why, 78);
		cf_buf_puts(&out, "\nHow to fix it\n");
		wrap(&out, r->fix, 78);
		cf_buf_puts(&out, "\nSource\n");
		wrap(&out, r->source, 78);
	}
	int rc = cli_write_stdout(&out) < 0 ? CF_EXIT_USAGE : CF_EXIT_OK;
	cf_buf_free(&out);
	return rc;
}
