#include "rules.h"

#include <string.h>

#include "calendar.h"
#include "caseload.h"
#include "check.h"
#include "deadline.h"
#include "doc.h"
#include "guard.h"
#include "keys.h"
#include "legacy.h"
#include "mlog.h"
#include "policy.h"
#include "repo.h"
#include "rules/consent.h"
#include "rules/dates.h"
#include "rules/privacy.h"
#include "rules/publication.h"
#include "rules/quorum.h"
#include "waiver.h"
#include "schema.h"
#include "source.h"
#include "suggest.h"

/* Every table of rule texts, in the order `casefile explain` lists them. */
static const cf_rule_info *const tables[] = {
    cf_doc_rules,      cf_schema_rules,	     cf_calendar_rules, cf_check_rules,	   cf_dates_rules,
    cf_deadline_rules, cf_source_rules,	     cf_keys_rules,	cf_mlog_rules,	   cf_policy_rules,
    cf_legacy_rules,   cf_guard_rules,	     cf_config_rules,	cf_caseload_rules, cf_consent_rules,
    cf_quorum_rules,   cf_publication_rules, cf_privacy_rules,	cf_waiver_rules,
};

#define N_TABLES (sizeof(tables) / sizeof(*tables))

const cf_rule_info *cf_rule_find(const char *id)
{
	for (size_t t = 0; t < N_TABLES; t++)
		for (const cf_rule_info *r = tables[t]; r->id; r++)
			if (strcmp(r->id, id) == 0)
				return r;
	return NULL;
}

void cf_rules_each(void (*fn)(const cf_rule_info *r, void *arg), void *arg)
{
	for (size_t t = 0; t < N_TABLES; t++)
		for (const cf_rule_info *r = tables[t]; r->id; r++)
			fn(r, arg);
}

const char *cf_rule_suggest(const char *id)
{
	const char *ids[256];
	size_t n = 0;
	for (size_t t = 0; t < N_TABLES; t++)
		for (const cf_rule_info *r = tables[t]; r->id && n < 256; r++)
			ids[n++] = r->id;
	return cf_suggest(id, ids, n);
}
