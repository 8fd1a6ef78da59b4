/* dates/order: an impossible order of a case's dates (a meeting before the referral, a
 * publication before its approval).  The pairs are the schema's `order:`, not C. */
#ifndef CF_RULES_DATES_H
#define CF_RULES_DATES_H

#include "caseload.h"
#include "diag.h"
#include "rules.h"

void cf_rule_dates_order(const cf_case *c, cf_diags *diags);

extern const cf_rule_info cf_dates_rules[];

#endif
