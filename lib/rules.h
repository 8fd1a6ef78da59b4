/* lib/rules: what `casefile explain RULE` prints.  Each module that reports a rule keeps that
 * rule's text beside its check, in a table ended by an entry with a NULL id; this module
 * only finds them. */
#ifndef CF_RULES_H
#define CF_RULES_H

#include <stddef.h>

typedef struct cf_rule_info {
	const char *id;
	const char *title;  /* one line */
	const char *checks; /* what it checks */
	const char *why;    /* why it matters */
	const char *fix;    /* how to fix it */
	const char *source; /* the guidance it comes from: seed file and section */
} cf_rule_info;

/* The rule with this id, or NULL. */
const cf_rule_info *cf_rule_find(const char *id);
/* Calls fn for every rule, in the order of the tables. */
void cf_rules_each(void (*fn)(const cf_rule_info *r, void *arg), void *arg);
/* The closest known rule id to an unknown one, or NULL. */
const char *cf_rule_suggest(const char *id);

#endif
