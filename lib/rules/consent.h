/* The consent rules (consent/...): the family's involvement in the review (CASE-FORMAT.md "Consent
 * and involvement"; seeds 001 §7.3-7.4, 000 §1.2-1.7).  Each member of family.yaml who takes part
 * has consented, each who does not has a recorded reason, a deferred decision has a date to
 * be revisited, every member is informed of the review (or the reason why not is recorded),
 * and once anyone is not involved the report has the section that says why.
 *
 * Where the case's schema still marks one of these fields `required` (older schemas did),
 * the schema's schema/required reports it and the rule stays silent, so that a problem is
 * reported once whichever schema a repository pins. */
#ifndef CF_RULES_CONSENT_H
#define CF_RULES_CONSENT_H

#include "calendar.h"
#include "caseload.h"
#include "diag.h"
#include "rules.h"

/* today dates the consent/revisit warning (CF_DATE_NONE: none); the warning is left to the
 * schema's own deadline when it declares one on members' revisit_by (deadline/revisit). */
void cf_rule_consent(const cf_case *c, cf_date today, cf_diags *diags);

extern const cf_rule_info cf_consent_rules[];

#endif
