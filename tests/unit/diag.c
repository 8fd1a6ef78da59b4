/* lib/diag: the exact text and JSON a user sees, and sorting. */
#include <string.h>

#include "diag.h"
#include "tap.h"

int main(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_diags_set_case(&d, "2026-014");
	cf_diag *x = cf_diags_add(&d, CF_SEV_WARNING, "cases/2026-014/case.yaml", 4, 1,
				  "deadline/lcspr-completion", "due %s: %d working days overdue",
				  "2026-10-01", 37);
	ok(x != NULL, "add returns the diagnostic");
	cf_diags_add(&d, CF_SEV_ERROR, "cases/2026-014/case.yaml", 12, 3, "schema/required",
		     "'dates.tor_agreed' is required from stage 'review'");
	x = cf_diags_add(&d, CF_SEV_ERROR, "cases/2026-014/family.yaml", 8, 5, "consent/reason",
			 "'Mother' is not involved and no reason is recorded");
	cf_diag_hint(&d, x, "add 'non_involvement_reason:' under this member");
	cf_diags_add(&d, CF_SEV_ERROR, "cases/2026-009/report.md", 0, 0, "schema/missing-file",
		     "'report.md' is required");
	cf_diags_sort(&d);

	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d.len; i++)
		cf_diag_format_text(&out, &d.items[i]);
	is_str(cf_buf_cstr(&out),
	       "cases/2026-009/report.md: error[schema/missing-file]: 'report.md' is required\n"
	       "cases/2026-014/case.yaml:4:1: warning[deadline/lcspr-completion]: due 2026-10-01: "
	       "37 working days overdue\n"
	       "cases/2026-014/case.yaml:12:3: error[schema/required]: 'dates.tor_agreed' is "
	       "required from stage 'review'\n"
	       "cases/2026-014/family.yaml:8:5: error[consent/reason]: 'Mother' is not involved "
	       "and no reason is recorded\n"
	       "  hint: add 'non_involvement_reason:' under this member\n",
	       "text form, sorted by file then line, hint indented");

	cf_buf_clear(&out);
	cf_diags_format_counts(&out, &d);
	is_str(cf_buf_cstr(&out), "3 errors, 1 warning", "counts in words");
	is_int(cf_diags_count(&d, CF_SEV_ERROR), 3, "error count");
	ok(cf_diags_has_rule(&d, "consent/"), "rule prefix lookup");
	ok(!cf_diags_has_rule(&d, "crypt/"), "absent prefix");

	cf_buf_clear(&out);
	cf_diag_format_json(&out, &d.items[3]);
	is_str(cf_buf_cstr(&out),
	       "{\"file\":\"cases/2026-014/family.yaml\",\"line\":8,\"column\":5,"
	       "\"severity\":\"error\",\"rule\":\"consent/reason\",\"message\":\"'Mother' is not "
	       "involved and no reason is recorded\",\"hint\":\"add 'non_involvement_reason:' "
	       "under this member\",\"case\":\"2026-014\",\"waived\":false}",
	       "JSON form");

	cf_diags e = CF_DIAGS_INIT;
	cf_diags_add(&e, CF_SEV_ERROR, "a\"b", 1, 1, "x/y", "tab\there \"q\" \\ \x01");
	cf_buf_clear(&out);
	cf_diag_format_json(&out, &e.items[0]);
	ok(strstr(cf_buf_cstr(&out), "\"file\":\"a\\\"b\"") != NULL, "JSON escapes quotes");
	ok(strstr(cf_buf_cstr(&out), "tab\\there \\\"q\\\" \\\\ \\u0001") != NULL,
	   "JSON escapes controls and backslashes");

	cf_buf_clear(&out);
	cf_diags_clear(&e);
	cf_diags_format_counts(&out, &e);
	is_str(cf_buf_cstr(&out), "no errors, no warnings", "zero counts");

	cf_diags_add(&e, CF_SEV_ERROR, "z", 1, 1, "r", "m");
	ok(cf_diags_move(&d, &e) == 0 && d.len == 5 && e.len == 0, "move appends and empties");

	/* A file name staged with control characters in it, and a message quoting a value:
	 * shown escaped, so a terminal neither obeys them nor breaks the line. */
	cf_diags t = CF_DIAGS_INIT;
	cf_diag *c =
	    cf_diags_add(&t, CF_SEV_ERROR, "cases/\x1b]0;owned\x07.yaml", 0, 0, "crypt/plaintext",
			 "value '%s' and C1 '\xc2\x9b' but 'Zo\xc3\xab'", "two\nlines\x7f");
	cf_diag_hint(&t, c, "tab\there");
	cf_buf_clear(&out);
	cf_diag_format_text(&out, &t.items[0]);
	is_str(cf_buf_cstr(&out),
	       "cases/\\x1b]0;owned\\x07.yaml: error[crypt/plaintext]: value 'two\\x0alines\\x7f' "
	       "and C1 '\\xc2\\x9b' but 'Zo\xc3\xab'\n"
	       "  hint: tab\\x09here\n",
	       "text output escapes control characters in file, message and hint; UTF-8 kept");

	cf_buf_free(&out);
	cf_diags_free(&d);
	cf_diags_free(&e);
	cf_diags_free(&t);
	return tap_done();
}
