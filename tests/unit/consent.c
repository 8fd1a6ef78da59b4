/* The consent rules: the family's involvement (CASE-FORMAT.md "Consent and involvement"), on copies
 * of the example repository's cases made on disk, changed one field at a time, and read the way
 * `casefile check` reads them.  Each failing fixture is compared with the exact lines the user
 * sees.
 *
 * Every fixture pins (in the copy's .casefile/schemas/) a cspr.yaml made from the installed
 * one: mostly SINGLE, without the `required`/`when` lines that the consent rules take over
 * (the schema the lead is asked to ship); some OLD, with them, where schema/required reports
 * those fields and the rules must stay silent, so that nothing is reported twice. */
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
#include "rules/consent.h"
#include "schema.h"
#include "source.h"

#include "fixture.h"

/* ---- the rule ------------------------------------------------------------------------------ */

/* What cf_rule_consent reports for the case, on that day. */
static char *consent(const char *id, const edit *e, size_t n, int schema, const char *today)
{
	world W;
	world_open(&W, id, e, n, schema);
	cf_diags d = CF_DIAGS_INIT;
	cf_rule_consent(W.c, today ? D(today) : CF_DATE_NONE, &d);
	cf_diags_sort(&d);
	char *t = text_of(&d);
	cf_diags_free(&d);
	world_close(&W);
	return t;
}

static const edit none[] = {{"-", "", ""}};

/* 2026-004 M2 (Mother) participating without consent. */
static const edit no_consent[] = {{"family.yaml", "    consent_to_participate: 2026-08-03\n", ""}};
/* 2026-004 M3 (Father) deferred without a reason. */
static const edit deferred_no_reason[] = {
    {"family.yaml",
     "    non_involvement_reason: >\n"
     "      Father is the subject of the ongoing police investigation. The senior "
     "investigating\n"
     "      officer advised on 2026-07-15 that he should not be approached until he has "
     "been\n"
     "      interviewed and a charging decision made.\n",
     ""}};
/* 2026-007 M3 (Father) declined with a reason of white space only. */
static const edit blank_reason[] = {
    {"family.yaml", "    involvement: declined\n",
     "    involvement: declined\n    non_involvement_reason: \"  \"\n"}};
static const edit empty_consent_date[] = {{"family.yaml",
					   "    consent_to_participate: 2026-08-03\n",
					   "    consent_to_participate: \"\"\n"}};
static const edit unknown_involvement[] = {
    {"family.yaml", "    involvement: declined\n", "    involvement: decline\n"}};
static const edit no_involvement[] = {{"family.yaml", "    involvement: declined\n", ""}};
static const edit no_revisit[] = {{"family.yaml", "    revisit_by: 2027-01-29\n", ""}};
/* The schema without its own revisit deadline: then the rule warns. */
static const edit no_revisit_deadline[] = {
    {SCHEMA,
     "  - id: revisit\n"
     "    title: Deferred family member's involvement revisited\n"
     "    each: \"family.yaml:members[]\"\n"
     "    due: revisit_by\n"
     "    when: {field: involvement, is: deferred}\n"
     "    source: \"000 §1.3, §1.7: a deferred decision is revisited later\"\n",
     ""}};
static const edit not_informed[] = {{"family.yaml", "    informed_of_review: 2026-07-20\n", ""}};
static const edit not_informed_early[] = {
    {"family.yaml", "    informed_of_review: 2026-07-20\n", ""},
    {"case.yaml", "stage: review\n", "stage: rapid-review\n"}};
/* 2026-002 (stage report): the report loses its Family involvement heading. */
static const edit no_section[] = {{"report.md", "## Family involvement\n", ""}};
static const edit section_variant[] = {
    {"report.md", "## Family involvement\n", "### FAMILY INVOLVEMENT ###\n"}};
static const edit section_in_code[] = {
    {"report.md", "## Family involvement\n", "```\n## Family involvement\n```\n"}};
/* 2025-011 (stage publication): publication readiness asks for the section from there. */
static const edit section_publication[] = {{"report.md", "## Family involvement\n", ""}};
static const edit section_early[] = {{"report.md", "## Family involvement\n", ""},
				     {"case.yaml", "stage: report\n", "stage: review\n"}};
/* 2026-004 with every consent problem at once. */
static const edit everything[] = {
    {"family.yaml", "    consent_to_participate: 2026-08-03\n", ""},
    {"family.yaml", "    informed_of_review: 2026-07-20\n", ""},
    {"family.yaml",
     "    non_involvement_reason: >\n"
     "      Father is the subject of the ongoing police investigation. The senior "
     "investigating\n"
     "      officer advised on 2026-07-15 that he should not be approached until he has "
     "been\n"
     "      interviewed and a charging decision made.\n",
     ""},
    {"family.yaml", "    revisit_by: 2027-01-29\n", ""}};

/* One row of the table below: the case, copied with its edits and the schema pinned, and
 * exactly what the consent rules report of it on that day. */
typedef struct rule_case {
	const char *id;
	const edit *edits;
	size_t n;
	int schema;	   /* SINGLE or OLD */
	const char *today; /* NULL: no day given */
	const char *want;
	const char *name;
} rule_case;

#define EDITS(e) (e), sizeof(e) / sizeof(*(e))

/* The same father, with no reason recorded, whichever way he came to have none. */
#define NO_REASON(id)                                                                              \
	"cases/" id "/family.yaml:31:5: error[consent/reason]: 'M3 (Father)' is not involved and " \
	"no reason is recorded\n"                                                                  \
	"  hint: add 'non_involvement_reason:' under this member (001 §7.4.2)\n"

/* 2026-002 without its section, whether it was removed or only written inside a code block. */
#define NO_FAMILY_SECTION                                                                          \
	"cases/2026-002/report.md:7:1: error[consent/family-section]: the report has no 'Family "  \
	"involvement' section to give the reasons why M1 (Child B) and M3 (Mother's Partner) are " \
	"not involved\n"                                                                           \
	"  hint: add a '## Family involvement' heading with the reasons for non-involvement, "     \
	"using pseudonyms only (001 §7.4.2)\n"

static const rule_case rule_cases[] = {
    {"2026-004", EDITS(none), SINGLE, "2026-11-24", "",
     "the clean case 2026-004: nothing to report"},
    {"2026-004", EDITS(none), OLD, "2026-11-24", "",
     "the clean case 2026-004 with the old schema: nothing either"},

    {"2026-004", EDITS(no_consent), SINGLE, "2026-11-24",
     "cases/2026-004/family.yaml:17:5: error[consent/participation]: 'M2 (Mother)' is "
     "participating and no consent is recorded\n"
     "  hint: add 'consent_to_participate:' under this member: the date they agreed to "
     "take part (001 §7.4)\n",
     "consent/participation: participating without consent_to_participate"},

    {"2026-004", EDITS(empty_consent_date), SINGLE, "2026-11-24", "",
     "consent/participation: a date that is not a date is schema/type's, not reported "
     "again"},

    {"2026-007", EDITS(none), SINGLE, "2026-11-24", NO_REASON("2026-007"),
     "consent/reason: 2026-007's declined father, at the member's line and column"},
    {"2026-004", EDITS(deferred_no_reason), SINGLE, "2026-11-24", NO_REASON("2026-004"),
     "consent/reason: a deferred member is not involved either"},
    {"2026-007", EDITS(blank_reason), SINGLE, "2026-11-24", NO_REASON("2026-007"),
     "consent/reason: a reason of white space is no reason"},
    {"2026-007", EDITS(unknown_involvement), SINGLE, "2026-11-24", "",
     "an involvement the schema does not know is its schema/enum, not consent/reason"},
    {"2026-007", EDITS(no_involvement), SINGLE, "2026-11-24", "",
     "no involvement recorded: schema/required's, nothing from the consent rules"},

    {"2026-004", EDITS(no_revisit), SINGLE, "2026-11-24",
     "cases/2026-004/family.yaml:31:5: error[consent/revisit]: 'M3 (Father)' is deferred "
     "and no date to revisit it is recorded\n"
     "  hint: add 'revisit_by:' under this member: the date by which the decision not "
     "to involve them is revisited (000 §1.3, §1.7)\n",
     "consent/revisit: deferred without revisit_by"},
    {"2026-004", EDITS(none), SINGLE, "2027-02-01", "",
     "consent/revisit: a passed revisit_by is left to deadline/revisit when the schema "
     "declares it"},
    {"2026-004", EDITS(no_revisit_deadline), SINGLE, "2027-02-01",
     "cases/2026-004/family.yaml:45:17: warning[consent/revisit]: 'M3 (Father)' is "
     "deferred and revisit_by 2027-01-29 has passed\n"
     "  hint: revisit the decision: record the member's involvement as it now stands, "
     "or a new 'revisit_by' (000 §1.7)\n",
     "consent/revisit: a warning once revisit_by has passed, at the date"},
    {"2026-004", EDITS(no_revisit_deadline), SINGLE, "2027-01-29", "",
     "consent/revisit: on the day itself it has not passed"},
    {"2026-004", EDITS(no_revisit_deadline), SINGLE, NULL, "",
     "consent/revisit: no day given, no warning"},

    {"2026-004", EDITS(not_informed), SINGLE, "2026-11-24",
     "cases/2026-004/family.yaml:17:5: error[consent/informed]: 'M2 (Mother)' has no "
     "record of being informed of the review, and no reason is recorded\n"
     "  hint: add 'informed_of_review:' (the date) or 'not_informed_reason:' under this "
     "member (001 §7.3.1)\n",
     "consent/informed: neither informed_of_review nor not_informed_reason"},
    {"2026-004", EDITS(not_informed_early), SINGLE, "2026-11-24", "",
     "consent/informed: not asked before stage scoping"},

    {"2026-002", EDITS(no_section), SINGLE, "2026-11-24", NO_FAMILY_SECTION,
     "consent/family-section: members not involved and no section, where the body "
     "starts"},
    {"2026-002", EDITS(section_variant), SINGLE, "2026-11-24", "",
     "consent/family-section: any heading level, case and closing #s"},
    {"2026-002", EDITS(section_in_code), SINGLE, "2026-11-24", NO_FAMILY_SECTION,
     "consent/family-section: a heading inside a code block is not a section"},
    {"2026-002", EDITS(section_early), SINGLE, "2026-11-24", "",
     "consent/family-section: not before the report is required"},
    {"2025-011", EDITS(section_publication), SINGLE, "2026-11-24", "",
     "consent/family-section: from rules.publication.from_stage, publication/family's"},
};

static void test_rules(void)
{
	for (size_t i = 0; i < sizeof(rule_cases) / sizeof(*rule_cases); i++) {
		const rule_case *r = &rule_cases[i];
		char *got = consent(r->id, r->edits, r->n, r->schema, r->today);
		is_str(got, r->want, r->name);
		free(got);
	}
}

/* ---- each problem reported once ------------------------------------------------------------ */

/* The schema's checks of every file of the case and the consent rules, as check runs them
 * (without deadlines: they do not touch family.yaml's fields). */
static void check_family(world *W, cf_diags *d)
{
	cf_check_ctx ctx = cf_case_ctx(W->c);
	for (size_t i = 0; i < W->c->n_files; i++) {
		const cf_case_file *f = &W->c->files[i];
		if (f->doc && f->spec)
			cf_schema_check_doc(&ctx, f->spec, f->doc, d);
	}
	cf_rule_consent(W->c, D("2026-11-24"), d);
}

static size_t count(const cf_diags *d, const char *rule, const char *file_suffix)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++) {
		const cf_diag *x = &d->items[i];
		size_t fl = strlen(x->file), sl = strlen(file_suffix);
		n += strncmp(x->rule, rule, strlen(rule)) == 0 && fl >= sl &&
		     strcmp(x->file + fl - sl, file_suffix) == 0;
	}
	return n;
}

static void test_once(void)
{
	size_t n = sizeof(everything) / sizeof(*everything);
	world W;
	cf_diags d = CF_DIAGS_INIT;

	world_open(&W, "2026-004", everything, n, OLD);
	check_family(&W, &d);
	is_int(count(&d, "schema/required", "family.yaml"), 4,
	       "old schema: its schema/required reports the four missing fields");
	is_int(count(&d, "consent/", "family.yaml"), 0,
	       "old schema: and the consent rules say nothing more");
	cf_diags_free(&d);
	world_close(&W);

	world_open(&W, "2026-004", everything, n, SINGLE);
	check_family(&W, &d);
	is_int(count(&d, "schema/required", "family.yaml"), 0,
	       "schema without those requirements: no schema/required in family.yaml");
	is_int(count(&d, "consent/", "family.yaml"), 4,
	       "schema without those requirements: one consent diagnostic for each problem");
	is_int(d.len, 4, "and nothing else");

	/* DESIGN.md: real identifiers never travel in a message. */
	char *t = text_of(&d);
	const cf_case_file *f = cf_case_file_get(W.c, "family.yaml");
	const cf_node *members = cf_node_get(f->doc->root, "members");
	static const char *const keys[] = {"name", "dob", "address", "school"};
	int leaked = 0;
	for (size_t i = 0; i < members->n; i++) {
		const cf_node *m = members->items[i];
		for (size_t k = 0; k < 4; k++) {
			const char *v = cf_node_str(cf_node_get(m, keys[k]));
			leaked += v && strstr(t, v) != NULL;
		}
		const cf_node *al = cf_node_get(m, "aliases");
		for (size_t k = 0; al && al->kind == CF_NODE_SEQ && k < al->n; k++)
			leaked += strstr(t, cf_node_str(al->items[k])) != NULL;
	}
	is_int(leaked, 0, "no name, alias, date of birth, address or school in any message");
	ok(strstr(t, "'M2 (Mother)'") && strstr(t, "'M3 (Father)'"),
	   "members are named by ref and pseudonym");
	free(t);
	cf_diags_free(&d);
	world_close(&W);
}

static void test_explain(void)
{
	static const char *const ids[] = {"consent/participation", "consent/reason",
					  "consent/revisit", "consent/informed",
					  "consent/family-section"};
	size_t n = 0, complete = 0;
	for (const cf_rule_info *r = cf_consent_rules; r->id; r++) {
		n++;
		complete += r->title && r->checks && r->why && r->fix && r->source &&
			    strstr(r->source, "§");
	}
	is_int(n, 5, "five consent rules have explain texts");
	is_int(complete, 5, "each with title, checks, why, fix and a seed section");
	int found = 1;
	for (size_t i = 0; i < 5; i++) {
		int hit = 0;
		for (const cf_rule_info *r = cf_consent_rules; r->id; r++)
			hit |= strcmp(r->id, ids[i]) == 0;
		found &= hit;
	}
	ok(found, "the ids are the ones the rule reports");
}

int main(void)
{
	fixture_init();
	test_rules();
	test_once();
	test_explain();
	return tap_done();
}
