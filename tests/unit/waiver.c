/* lib/waiver: case.yaml's waivers (DESIGN.md §5), on copies of the example repository's case
 * 2026-009, whose waiver of deadline/crg-decision is the documented one, changed one line at a
 * time.  The diagnostics a waiver applies to are the schema's, dates/order's and the
 * deadlines', made as check makes them; a few are added by hand for rules these fixtures
 * cannot trigger (crypt/plaintext, publication/identifier).
 *
 * Every fixture pins (in the copy's .casefile/schemas/) a cspr.yaml made from the installed
 * one: mostly SINGLE, without the `required` lines of a waiver's fields (the schema the lead
 * is asked to ship); some OLD, with them, whose schema/required then reports a missing field
 * and waiver/invalid does not say it again. */
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "deadline.h"
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "rules/dates.h"
#include "schema.h"
#include "source.h"
#include "waiver.h"

#include "fixture.h"

/* ---- the waivers --------------------------------------------------------------------------- */

/* The diagnostics check makes of the case before its waivers (the schema, dates/order, the
 * deadlines on 2026-11-24), made here rather than through cf_check_case so that the test
 * does not depend on how check is wired. */
static void diagnose(world *W, cf_diags *d)
{
	cf_check_ctx ctx = cf_case_ctx(W->c);
	for (size_t i = 0; i < W->c->n_files; i++) {
		const cf_case_file *f = &W->c->files[i];
		if (f->doc && f->spec)
			cf_schema_check_doc(&ctx, f->spec, f->doc, d);
	}
	cf_rule_dates_order(W->c, d);
	cf_deadline_results r = {NULL, 0, 0};
	if (cf_deadlines_eval(&r, W->c->deadlines, W->c, W->repo->calendar, D("2026-11-24"),
			      W->repo->warning_days) < 0)
		bail("cf_deadlines_eval", "out of memory");
	cf_deadlines_report(&r, d);
	cf_deadline_results_free(&r);
}

typedef struct outcome {
	char *text;	 /* every diagnostic, sorted */
	size_t errors;	 /* that count */
	size_t warnings; /* that count */
} outcome;

/* Diagnoses the edited 2026-009, adds one diagnostic of rule `extra` (when not NULL), and
 * applies the waivers. */
static outcome waive(const edit *e, size_t n, int schema, const char *extra)
{
	world W;
	world_open(&W, "2026-009", e, n, schema);
	cf_diags d = CF_DIAGS_INIT;
	diagnose(&W, &d);
	if (extra)
		cf_diags_add(&d, CF_SEV_ERROR, "cases/2026-009/report.md", 3, 1, extra, "planted");
	cf_waivers_apply(W.c, &d, 0);
	cf_diags_sort(&d);
	outcome o = {text_of(&d), cf_diags_count(&d, CF_SEV_ERROR),
		     cf_diags_count(&d, CF_SEV_WARNING)};
	cf_diags_free(&d);
	world_close(&W);
	return o;
}

#define N(edits) (sizeof(edits) / sizeof(*(edits)))

/* The two deadlines 2026-009 documents. */
#define CRG_DECISION                                                                               \
	"cases/2026-009/case.yaml:19:22: %s[deadline/crg-decision]: due 2026-09-14 (2 months "     \
	"from "                                                                                    \
	"2026-07-14): met late, on 2026-09-22, 6 working days after\n"                             \
	"  hint: Case Review Group decides on the referral (001 §4.9)\n"
#define INFO_REQUESTS                                                                              \
	"cases/2026-009/case.yaml:19:22: warning[deadline/info-requests]: due 2026-07-16 (2 "      \
	"working days from 2026-07-14): met late, on 2026-08-13, 20 working days after\n"          \
	"  hint: Information requests sent to agencies (001 §4.3.3)\n"
#define INVALID_HINT                                                                               \
	"  hint: a waiver needs 'rule:', 'reason:' (why the rule does not apply to this case) "    \
	"and "                                                                                     \
	"'agreed:' (who agreed it, and when: 'Case Review Group, 2026-05-12'); until then it "     \
	"waives nothing\n"

static const edit none[] = {{"-", "", ""}};
static const char reason[] =
    "    reason: >\n"
    "      The August Case Review Group was not quorate, so the referral was decided at the "
    "next\n"
    "      scheduled meeting on 22 September, eight days after the two-month timescale.\n";
static const char agreed[] = "    agreed: Northdale SCP Executive, 2026-09-29\n";
static const edit no_reason[] = {{"case.yaml", reason, ""}};
static const edit no_reason_agreed[] = {{"case.yaml", reason, ""}, {"case.yaml", agreed, ""}};
static const edit empty[] = {{"case.yaml", "  - rule: deadline/crg-decision\n", "  - {}\n"},
			     {"case.yaml", reason, ""},
			     {"case.yaml", agreed, ""}};
static const edit misspelt[] = {
    {"case.yaml", "rule: deadline/crg-decision", "rule: deadline/crg-decison"}};
static const edit misspelt_table[] = {
    {"case.yaml", "rule: deadline/crg-decision", "rule: dates/ordr"}};
static const edit nothing_like[] = {
    {"case.yaml", "rule: deadline/crg-decision", "rule: nothing/like-this"}};
static const edit family[] = {{"case.yaml", "rule: deadline/crg-decision", "rule: \"deadline/*\""}};
static const edit family2[] = {{"case.yaml", "rule: deadline/crg-decision", "rule: deadline/"}};
/* Waive an unknown-field warning, and an error: what a waiver waives is any rule. */
static const edit other_rules[] = {
    {"case.yaml", "legal_advice_considered: false\n", "legal_advice_considerd: false\n"},
    {"case.yaml", "waivers:\n",
     "waivers:\n"
     "  - rule: schema/unknown-field\n"
     "    reason: the test\n"
     "    agreed: nobody, 2026-11-24\n"
     "  - rule: schema/required\n"
     "    reason: the test\n"
     "    agreed: nobody, 2026-11-24\n"}};
/* A valid waiver of schema/required beside a waiver without a reason, with the old
 * schema: the waiver cannot hide the other's schema/required. */
static const edit hide[] = {{"case.yaml", reason, ""},
			    {"case.yaml", "legal_advice_considered: false\n", ""},
			    {"case.yaml", "waivers:\n",
			     "waivers:\n"
			     "  - rule: schema/required\n"
			     "    reason: the test\n"
			     "    agreed: nobody, 2026-11-24\n"}};

static void test_valid(void)
{
	outcome o = waive(none, 1, SINGLE, NULL);
	is_str(o.text,
	       "cases/2026-009/case.yaml:19:22: waived[deadline/crg-decision]: due 2026-09-14 "
	       "(2 months from 2026-07-14): met late, on 2026-09-22, 6 working days after\n"
	       "  hint: Case Review Group decides on the referral (001 §4.9)\n" INFO_REQUESTS,
	       "2026-009: its waiver of deadline/crg-decision: printed as waived");
	is_int(o.warnings, 1, "... and not counted: one warning left");
	free(o.text);

	o = waive(none, 1, OLD, NULL);
	ok(strstr(o.text, "waived[deadline/crg-decision]") != NULL && o.warnings == 1,
	   "the same with the old schema");
	free(o.text);

	o = waive(other_rules, N(other_rules), SINGLE, NULL);
	ok(strstr(o.text, "waived[schema/unknown-field]: unknown field 'legal_advice_considerd'") &&
	       strstr(o.text, "waived[schema/required]: 'legal_advice_considered' is required") &&
	       o.errors == 0 && o.warnings == 1,
	   "a waiver applies to any rule, a warning or an error");
	free(o.text);
}

static void test_invalid(void)
{
	outcome o = waive(no_reason, N(no_reason), SINGLE, NULL);
	char want[2048];
	snprintf(want, sizeof(want), CRG_DECISION "%s", "warning",
		 INFO_REQUESTS
		 "cases/2026-009/case.yaml:38:5: error[waiver/invalid]: the waiver of "
		 "'deadline/crg-decision' gives no reason\n" INVALID_HINT);
	is_str(o.text, want, "waiver/invalid: no reason, at the waiver; it waives nothing");
	is_int(o.errors, 1, "... and it is an error");
	free(o.text);

	o = waive(no_reason, N(no_reason), OLD, NULL);
	snprintf(want, sizeof(want), CRG_DECISION "%s", "warning", INFO_REQUESTS);
	ok(strstr(o.text, "cases/2026-009/case.yaml:38:5: error[schema/required]: "
			  "'waivers[1].reason' is required\n") &&
	       !strstr(o.text, "waiver/invalid") && strstr(o.text, want),
	   "old schema: schema/required says it, waiver/invalid does not, nothing waived");
	free(o.text);

	o = waive(no_reason_agreed, N(no_reason_agreed), SINGLE, NULL);
	ok(strstr(o.text, "cases/2026-009/case.yaml:38:5: error[waiver/invalid]: the waiver of "
			  "'deadline/crg-decision' gives no reason and does not say who agreed "
			  "it\n") != NULL,
	   "waiver/invalid: no reason and no agreement, in one diagnostic");
	free(o.text);

	o = waive(empty, N(empty), SINGLE, NULL);
	ok(strstr(o.text, "cases/2026-009/case.yaml:38:5: error[waiver/invalid]: a waiver names no "
			  "rule, gives no reason and does not say who agreed it\n") != NULL,
	   "waiver/invalid: an empty waiver");
	free(o.text);

	o = waive(misspelt, N(misspelt), SINGLE, NULL);
	snprintf(want, sizeof(want), CRG_DECISION "%s", "warning",
		 INFO_REQUESTS "cases/2026-009/case.yaml:38:11: error[waiver/invalid]: "
			       "'deadline/crg-decison' is not a rule\n"
			       "  hint: did you mean 'deadline/crg-decision'?\n");
	is_str(o.text, want,
	       "waiver/invalid: an unknown rule, at the rule, with the schema's deadline as "
	       "did-you-mean; nothing waived");
	free(o.text);

	o = waive(misspelt_table, N(misspelt_table), SINGLE, NULL);
	ok(strstr(o.text, "error[waiver/invalid]: 'dates/ordr' is not a rule\n"
			  "  hint: did you mean 'dates/order'?\n") != NULL,
	   "waiver/invalid: did-you-mean from the rules casefile explain knows");
	free(o.text);

	o = waive(nothing_like, N(nothing_like), SINGLE, NULL);
	ok(strstr(o.text, "error[waiver/invalid]: 'nothing/like-this' is not a rule\n"
			  "  hint: name a rule as check prints it, such as consent/reason or "
			  "deadline/crg-decision; 'casefile explain' lists them\n") != NULL,
	   "waiver/invalid: nothing close, the hint says where the ids are");
	free(o.text);

	o = waive(family, N(family), SINGLE, NULL);
	ok(strstr(o.text, "cases/2026-009/case.yaml:38:11: error[waiver/invalid]: 'deadline/*' is "
			  "a family of rules; a waiver names one rule\n") &&
	       strstr(o.text, "warning[deadline/crg-decision]"),
	   "waiver/invalid: deadline/* is not one rule, and waives nothing");
	free(o.text);
	o = waive(family2, N(family2), SINGLE, NULL);
	ok(strstr(o.text, "error[waiver/invalid]: 'deadline/' is a family of rules; a waiver "
			  "names one rule\n") != NULL,
	   "waiver/invalid: nor is deadline/");
	free(o.text);
}

static void test_forbidden(void)
{
	static const char *const rules[] = {
	    "crypt/plaintext", "crypt/tampered",	 "yaml/syntax",
	    "schema/invalid",  "publication/identifier", "waiver/invalid"};
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		char with[64], line[160], planted[160], name[128];
		snprintf(with, sizeof(with), "rule: %s", rules[i]);
		edit e[1] = {{"case.yaml", "rule: deadline/crg-decision", with}};
		outcome o = waive(e, 1, SINGLE, rules[i]);
		snprintf(line, sizeof(line),
			 "cases/2026-009/case.yaml:38:11: error[waiver/forbidden]: '%s' cannot be "
			 "waived: ",
			 rules[i]);
		snprintf(planted, sizeof(planted),
			 "cases/2026-009/report.md:3:1: error[%s]: planted\n", rules[i]);
		snprintf(name, sizeof(name),
			 "waiver/forbidden: %s cannot be waived, and its diagnostic counts",
			 rules[i]);
		ok(strstr(o.text, line) && strstr(o.text, planted) && o.errors == 2, name);
		free(o.text);
	}
	edit e[1] = {{"case.yaml", "rule: deadline/crg-decision", "rule: crypt/plaintext"}};
	outcome o = waive(e, 1, SINGLE, NULL);
	is_str(o.text,
	       "cases/2026-009/case.yaml:19:22: warning[deadline/crg-decision]: due 2026-09-14 (2 "
	       "months from 2026-07-14): met late, on 2026-09-22, 6 working days after\n"
	       "  hint: Case Review Group decides on the referral (001 §4.9)\n" INFO_REQUESTS
	       "cases/2026-009/case.yaml:38:11: error[waiver/forbidden]: 'crypt/plaintext' cannot "
	       "be waived: the encryption guards keep plaintext out of every clone\n"
	       "  hint: remove this waiver, and fix what the rule reports\n",
	       "waiver/forbidden: the exact lines");
	free(o.text);
}

static void test_scope(void)
{
	outcome o = waive(hide, N(hide), OLD, NULL);
	ok(strstr(o.text, "waived[schema/required]: 'legal_advice_considered' is required") &&
	       strstr(o.text, "error[schema/required]: 'waivers[2].reason' is required") &&
	       o.errors == 1,
	   "a waiver of schema/required cannot hide what is wrong with another waiver");
	free(o.text);

	/* Only diagnostics from `first` on are the case's to waive. */
	world W;
	world_open(&W, "2026-009", none, 1, SINGLE);
	cf_diags d = CF_DIAGS_INIT;
	cf_diags_add(&d, CF_SEV_WARNING, "cases/2026-009/case.yaml", 19, 22,
		     "deadline/crg-decision", "before first");
	size_t first = d.len;
	diagnose(&W, &d);
	cf_waivers_apply(W.c, &d, first);
	is_int(d.items[0].waived, 0, "diagnostics before first are left alone");
	size_t waived = 0;
	for (size_t i = first; i < d.len; i++)
		waived += d.items[i].waived;
	is_int(waived, 1, "... and the case's own is waived");
	cf_diags_free(&d);
	world_close(&W);
}

static void test_explain(void)
{
	size_t n = 0, complete = 0;
	for (const cf_rule_info *r = cf_waiver_rules; r->id; r++) {
		n++;
		complete += r->title && r->checks && r->why && r->fix && r->source &&
			    strncmp(r->id, "waiver/", 7) == 0;
	}
	is_int(n, 2, "waiver/invalid and waiver/forbidden have explain texts");
	is_int(complete, 2, "each with title, checks, why, fix and source");
}

int main(void)
{
	fixture_init();
	test_valid();
	test_invalid();
	test_forbidden();
	test_scope();
	test_explain();
	return tap_done();
}
