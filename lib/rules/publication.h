/* The publication rules (publication/status, publication/identifier ...): is a case ready to
 * publish its report?  The readiness list of CASE-FORMAT.md ("Publication readiness", items
 * 1-9): the report final and complete, no real identifier in it, its reviewer named, the
 * approvals in order, the National Panel's notice, the family's wishes and involvement,
 * criminal proceedings cleared, the practitioners' debrief and a media contact, and neither
 * the genogram nor drafting marks in the report.
 *
 * The parameters (the stage the items become errors, the report's sections, the drafting
 * marks, the days of notice, the files that hold identifiers) are the schema's
 * `rules: publication:`, never constants here; the identifier fields are those the schema
 * marks `identifier: true`. */
#ifndef CF_RULES_PUBLICATION_H
#define CF_RULES_PUBLICATION_H

#include <stddef.h>

#include "calendar.h"
#include "caseload.h"
#include "diag.h"
#include "rules.h"

#define CF_PUBLICATION_ITEMS 9

/* One item of the readiness list. */
typedef struct cf_publication_item {
	char title[128];
	const char *note;    /* why the item holds without applying ("publish: false"), or NULL */
	int ok;		     /* no diagnostic (the case's waivers are the caller's to apply) */
	size_t first, count; /* its diagnostics: diags->items[first .. first + count) */
} cf_publication_item;

/* The check's part: from the schema's rules.publication.from_stage on, every failure of the
 * readiness list is an error; before it, nothing.  What the schema itself reports (a field
 * required at the stage, a file missing, dates/order) is left to it, and a member's missing
 * non_involvement_reason to consent/reason, so nothing is said twice.  (No waiver excuses
 * publication/identifier: lib/waiver.c forbids it.)  cal may be NULL: the regular England &
 * Wales bank holidays are used then. */
void cf_rule_publication(const cf_case *c, const cf_calendar *cal, cf_diags *diags);

/* The readiness list for `casefile ready`, at any stage: every item, in order, whether it
 * holds, and the diagnostics (errors) that explain each failure, appended to diags item by
 * item.  Returns 0; -1 when the case has no schema (the loader said why), when the schema
 * has no rules.publication (a schema/invalid error says so), or memory ran out. */
int cf_publication_checklist(cf_publication_item items[CF_PUBLICATION_ITEMS], const cf_case *c,
			     const cf_calendar *cal, cf_diags *diags);

/* Does the case never reach the publication stage (the schema skips it, as for a no-review
 * decision)?  Then 1, and the condition is appended to why ("decision.outcome is no-review");
 * the readiness list does not concern such a case. */
int cf_publication_skipped(const cf_case *c, cf_buf *why);

extern const cf_rule_info cf_publication_rules[];

#endif
