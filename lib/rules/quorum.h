/* The meeting rules (quorum/...): a Rapid Review meeting is quorate (enough partner agencies,
 * enough of the statutory safeguarding partners: seeds 001 §4.6.1), and every case meeting
 * records that conflicts of interest were declared (001 §1.5.8).  The kind of meeting, the
 * partners and the numbers are the schema's `rules: quorum:`, not C; a schema without that
 * section has no quorum rule.
 *
 * Where the case's schema still marks conflicts_declared `required` (older schemas did), a
 * meeting without it is the schema's schema/required and quorum/conflicts only reports a
 * meeting that records false, so a problem is reported once whichever schema is pinned. */
#ifndef CF_RULES_QUORUM_H
#define CF_RULES_QUORUM_H

#include "caseload.h"
#include "diag.h"
#include "rules.h"

void cf_rule_quorum(const cf_case *c, cf_diags *diags);

extern const cf_rule_info cf_quorum_rules[];

#endif
