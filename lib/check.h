/* lib/check: every check of one loaded case — the files its schema requires, each document
 * against its schema, the case id against its directory, and the domain rules. */
#ifndef CF_CHECK_H
#define CF_CHECK_H

#include "caseload.h"
#include "deadline.h"
#include "diag.h"
#include "rules.h"
#include "rules/privacy.h"

/* What deadlines are evaluated against. */
typedef struct cf_check_env {
	const cf_calendar *calendar;
	cf_date today;
	int warning_days;
	const cf_privacy_text *message; /* a commit message to scan (privacy/), or NULL */
} cf_check_env;

/* Runs every check; deadline warnings too when env is given.  When results is not NULL, the
 * evaluated deadlines are appended to it (status and show use them). */
void cf_check_case(const cf_case *c, const cf_check_env *env, cf_diags *diags,
		   cf_deadline_results *results);

extern const cf_rule_info cf_check_rules[];

#endif
