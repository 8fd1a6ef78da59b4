/* lib/waiver: a case's waivers (case.yaml `waivers: [{rule, reason, agreed}]`, DESIGN.md §5).
 * A waiver names one rule the case is excused from, why, and who agreed it and when; the
 * diagnostics of that rule are still printed, as waived[RULE], but no longer count.  A waiver
 * that lacks any of the three, or names no rule that exists, is itself an error
 * (waiver/invalid) and waives nothing; some rules are never waived (waiver/forbidden): a
 * real identifier in the report, the encryption guards, an unreadable file, a broken schema,
 * and the waiver rules themselves.
 *
 * Where the case's schema marks a waiver's fields `required`, a missing one is the schema's
 * schema/required and not reported again here.  Nothing inside the `waivers:` list of
 * case.yaml is ever waived, so a waiver cannot hide the problems of another. */
#ifndef CF_WAIVER_H
#define CF_WAIVER_H

#include <stddef.h>

#include "caseload.h"
#include "diag.h"
#include "rules.h"

/* Applies the case's waivers to diags->items[first..] (the diagnostics every rule of the case
 * reported; run after all of them) and appends the waivers' own errors. */
void cf_waivers_apply(const cf_case *c, cf_diags *diags, size_t first);

extern const cf_rule_info cf_waiver_rules[];

#endif
