/* The meeting rules, quorum/rapid-review and quorum/conflicts (001 §4.6.1, §1.5.8), on copies
 * of the example repository's cases made on disk and changed one line at a time, read the way
 * `casefile check` reads them.  Each failing fixture is compared with the exact lines the user
 * sees.  The rule's parameters come from the schema's rules.quorum: fixtures that change
 * them edit the pinned copy of cspr.yaml, never the C.
 *
 * Every fixture pins (in the copy's .casefile/schemas/) a cspr.yaml made from the installed
 * one: mostly SINGLE, without the `required` lines that the rules take over (the schema the
 * lead is asked to ship); some OLD, where conflicts_declared is still `required` and the rule
 * must leave a missing one to schema/required, so that nothing is reported twice. */
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
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "rules/quorum.h"
#include "schema.h"
#include "source.h"

#include "fixture.h"

/* ---- the rules ----------------------------------------------------------------------------- */

/* What cf_rule_quorum reports for the case. */
static char *quorum(const char *id, const edit *e, size_t n, int schema)
{
	world W;
	world_open(&W, id, e, n, schema);
	cf_diags d = CF_DIAGS_INIT;
	cf_rule_quorum(W.c, &d);
	cf_diags_sort(&d);
	char *t = text_of(&d);
	cf_diags_free(&d);
	world_close(&W);
	return t;
}

#define CHECK(id, edits, schema, want, name)                                                       \
	do {                                                                                       \
		char *got_ = quorum(id, edits, sizeof(edits) / sizeof(*(edits)), schema);          \
		is_str(got_, want, name);                                                          \
		free(got_);                                                                        \
	} while (0)

#define RRM "meetings/2026-06-25-rapid-review.yaml"
#define CRG "meetings/2026-08-12-crg.yaml"
#define HINT3                                                                                      \
	"  hint: a quorum is at least 3 partner agencies, including at least 2 of the "            \
	"safeguarding partners (local-authority, police and health); give each attendee's "        \
	"'agency', and 'partner:' for a safeguarding partner (001 §4.6.1)\n"

static const edit none[] = {{"-", "", ""}};
/* 2026-004's Rapid Review meeting: five agencies; the police and health not marked partners. */
static const edit one_partner[] = {{RRM, "    partner: police\n", ""},
				   {RRM, "    partner: health\n", ""}};
static const edit no_partner[] = {{RRM, "    partner: police\n", ""},
				  {RRM, "    partner: health\n", ""},
				  {RRM, "    partner: local-authority\n", ""}};
/* The same agencies typed again, in another case or with a space: two agencies, three
 * partners. */
static const edit two_agencies[] = {
    {RRM, "agency: Northdale Integrated Care Board\n", "agency: northdale constabulary\n"},
    {RRM, "agency: Northdale Hospitals NHS Foundation Trust\n",
     "agency: \" Northdale Constabulary \"\n"},
    {RRM, "agency: Northdale Safeguarding Children Partnership\n",
     "agency: Northdale Council Children's Social Care\n"}};
static const edit nobody[] = {{RRM,
			       "attendees:\n"
			       "  - name: Sarah Whitcombe\n"
			       "    agency: Northdale Council Children's Social Care\n"
			       "    partner: local-authority\n"
			       "  - name: DI Graham Ellery\n"
			       "    agency: Northdale Constabulary\n"
			       "    partner: police\n"
			       "  - name: Rachel Onwuachi\n"
			       "    agency: Northdale Integrated Care Board\n"
			       "    partner: health\n"
			       "  - name: Dr Imogen Saltash\n"
			       "    agency: Northdale Hospitals NHS Foundation Trust\n"
			       "  - name: Helen Corby\n"
			       "    agency: Northdale Safeguarding Children Partnership\n",
			       "attendees: []\n"}};
/* A Case Review Group meeting is not the meeting the quorum is about. */
static const edit crg_no_partner[] = {{CRG, "    partner: police\n", ""},
				      {CRG, "    partner: health\n", ""},
				      {CRG, "    partner: local-authority\n", ""}};
/* ... unless the schema says so; and the numbers are the schema's. */
static const edit crg_too[] = {
    {CRG, "    partner: police\n", ""},
    {CRG, "    partner: health\n", ""},
    {CRG, "    partner: local-authority\n", ""},
    {SCHEMA, "    meeting_kind: rapid-review ", "    meeting_kind: [rapid-review, crg] "}};
static const edit six_agencies[] = {
    {SCHEMA, "    min_partner_agencies: 3 ", "    min_partner_agencies: 6 "}};
static const edit no_quorum_rules[] = {
    {RRM, "    partner: police\n", ""},
    {RRM, "    partner: health\n", ""},
    {RRM, "conflicts_declared: true\n", "conflicts_declared: false\n"},
    {SCHEMA,
     "  quorum:\n"
     "    source: \"001 §4.6.1\"\n"
     "    meeting_kind: rapid-review          # the meetings the quorum applies to\n"
     "    safeguarding_partners: [local-authority, police, health]\n"
     "    min_partner_agencies: 3             # at least three partner agencies represented "
     "...\n"
     "    min_safeguarding_partners: 2        # ... at least two of them safeguarding "
     "partners\n"
     "    conflicts_source: \"001 §1.5.8\"      # every case meeting records "
     "conflicts_declared: true\n",
     ""}};
static const edit conflicts_false[] = {
    {RRM, "conflicts_declared: true\n", "conflicts_declared: false\n"}};
static const edit conflicts_yes[] = {
    {RRM, "conflicts_declared: true\n", "conflicts_declared: yes\n"}};

static void test_quorum(void)
{
	CHECK("2026-004", none, SINGLE, "",
	      "2026-004: a quorate Rapid Review meeting, conflicts declared at every meeting");
	CHECK("2026-007", none, SINGLE, "", "2026-007: likewise");
	CHECK("2026-004", one_partner, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 5 agencies and 1 safeguarding partner (local-authority) "
	      "represented\n" HINT3,
	      "quorum/rapid-review: one safeguarding partner, at the attendees line, with the "
	      "counts");
	CHECK(
	    "2026-004", no_partner, SINGLE,
	    "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	    "2026-06-25 is not quorate: 5 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: no safeguarding partner");
	CHECK("2026-004", two_agencies, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 2 agencies and 3 safeguarding partners (local-authority, "
	      "police, health) represented\n" HINT3,
	      "quorum/rapid-review: agencies are counted once, whatever their case and spaces");
	CHECK(
	    "2026-004", nobody, SINGLE,
	    "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	    "2026-06-25 is not quorate: 0 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: an empty attendees list");
	CHECK("2026-004", crg_no_partner, SINGLE, "",
	      "quorum/rapid-review: other kinds of meeting are not counted");
	CHECK(
	    "2026-004", crg_too, SINGLE,
	    "cases/2026-004/" CRG ":3:1: error[quorum/rapid-review]: the crg meeting of "
	    "2026-08-12 is not quorate: 4 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: the meeting kinds are the schema's rules.quorum.meeting_kind");
	CHECK("2026-004", six_agencies, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 5 agencies and 3 safeguarding partners (local-authority, "
	      "police, health) represented\n"
	      "  hint: a quorum is at least 6 partner agencies, including at least 2 of the "
	      "safeguarding partners (local-authority, police and health); give each attendee's "
	      "'agency', and 'partner:' for a safeguarding partner (001 §4.6.1)\n",
	      "quorum/rapid-review: the numbers are the schema's rules.quorum");
	CHECK("2026-004", no_quorum_rules, SINGLE,
	      "cases/2026-004/" RRM ":15:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting\n",
	      "a schema without rules.quorum has no quorum; conflicts are still asked for");

	CHECK(
	    "2026-002", none, SINGLE,
	    "cases/2026-002/meetings/2026-05-20-panel.yaml:1:1: error[quorum/conflicts]: the panel "
	    "meeting of 2026-05-20 does not record that conflicts of interest were declared\n"
	    "  hint: add 'conflicts_declared: true' once conflicts of interest have been asked "
	    "for and declared: a standing item at every case meeting (001 §1.5.8)\n",
	    "quorum/conflicts: 2026-002's panel meeting without conflicts_declared");
	CHECK("2026-002", none, OLD, "",
	      "quorum/conflicts: left to schema/required while the schema requires the field");
	CHECK("2026-004", conflicts_false, SINGLE,
	      "cases/2026-004/" RRM ":17:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting (001 §1.5.8)\n",
	      "quorum/conflicts: false, at the value");
	CHECK("2026-004", conflicts_false, OLD,
	      "cases/2026-004/" RRM ":17:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting (001 §1.5.8)\n",
	      "quorum/conflicts: false whatever the schema (it cannot say that)");
	CHECK("2026-004", conflicts_yes, SINGLE, "",
	      "quorum/conflicts: 'yes' is schema/type's (true or false), not reported again");
}

/* ---- each problem reported once ------------------------------------------------------------ */

static size_t count(const cf_diags *d, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += strcmp(d->items[i].rule, rule) == 0;
	return n;
}

static void test_once(void)
{
	static const int schemas[2] = {OLD, SINGLE};
	static const size_t want_schema[2] = {1, 0}, want_rule[2] = {0, 1};
	for (int k = 0; k < 2; k++) {
		world W;
		world_open(&W, "2026-002", none, 1, schemas[k]);
		cf_diags d = CF_DIAGS_INIT;
		cf_check_ctx ctx = cf_case_ctx(W.c);
		for (size_t i = 0; i < W.c->n_files; i++) {
			const cf_case_file *f = &W.c->files[i];
			if (f->doc && f->spec && strncmp(f->name, "meetings/", 9) == 0)
				cf_schema_check_doc(&ctx, f->spec, f->doc, &d);
		}
		cf_rule_quorum(W.c, &d);
		is_int(count(&d, "schema/required"), want_schema[k],
		       k ? "without the requirement in the schema: no schema/required"
			 : "old schema: schema/required reports the missing field");
		is_int(count(&d, "quorum/conflicts"), want_rule[k],
		       k ? "... and quorum/conflicts does, once"
			 : "... and quorum/conflicts does not say it again");
		cf_diags_free(&d);
		world_close(&W);
	}
}

static void test_explain(void)
{
	size_t n = 0, complete = 0;
	int rr = 0, co = 0;
	for (const cf_rule_info *r = cf_quorum_rules; r->id; r++) {
		n++;
		complete += r->title && r->checks && r->why && r->fix && r->source &&
			    strstr(r->source, "§");
		rr |= strcmp(r->id, "quorum/rapid-review") == 0 && strstr(r->source, "001 §4.6.1");
		co |= strcmp(r->id, "quorum/conflicts") == 0 && strstr(r->source, "001 §1.5.8");
	}
	is_int(n, 2, "two quorum rules have explain texts");
	is_int(complete, 2, "each with title, checks, why, fix and a seed section");
	ok(rr && co, "quorum/rapid-review cites 001 §4.6.1, quorum/conflicts 001 §1.5.8");
}

int main(void)
{
	fixture_init();
	test_quorum();
	test_once();
	test_explain();
	return tap_done();
}
