#include "waiver.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "doc.h"
#include "schema.h"
#include "strlist.h"
#include "suggest.h"

const cf_rule_info cf_waiver_rules[] = {
    {"waiver/invalid", "a waiver without its rule, reason or agreement",
     "Each entry of case.yaml's `waivers:` has `rule` (one rule id, as check prints it: "
     "consent/reason, deadline/crg-decision), `reason` (why the rule does not apply to this "
     "case) and `agreed` (the body that agreed it, and the date), and the rule exists: one "
     "of `casefile explain`'s rules or a deadline of the case's schema. A waiver names one "
     "rule, never a family of them (deadline/*). An invalid waiver waives nothing.",
     "A waiver turns an error into something the commit hook lets through. Without a reason "
     "and an agreement it is a way of silencing the validator that nobody can account for "
     "to the Case Review Group or the National Panel; a misspelt rule silently waives "
     "nothing, and the case stays blocked for a reason nobody can see.",
     "Give the waiver all three fields: `rule:`, `reason:` and `agreed:` (for example "
     "\"Case Review Group, 2026-05-12\"). Correct the rule id to the one check printed "
     "(the did-you-mean hint names the likeliest).",
     "DESIGN.md §5 (a waiver without reason and agreement is itself an error); decisions "
     "are transparent: seeds 001 §1.5.3"},
    {"waiver/forbidden", "a waiver of a rule that can never be waived",
     "No waiver names publication/identifier (a real identifier in the report), a crypt/* "
     "rule (the encryption guards), a yaml/* rule or schema/invalid (a file or schema that "
     "cannot be read), or a waiver/* rule. Such a waiver is an error and waives nothing.",
     "These rules protect the family and the integrity of the records themselves: a real "
     "name published in a report cannot be taken back, a plaintext blob pushed to a remote "
     "stays in every clone, and a file that cannot be read has not been checked at all. No "
     "local agreement makes them safe to ignore.",
     "Remove the waiver and fix what the rule reports: take the identifier out of "
     "report.md, configure the casefile filter (casefile init) and re-stage the file, or "
     "correct the YAML.",
     "DESIGN.md §5, §6; seeds 001 §9.1.3 (a published report is anonymised); 000 §1.2 "
     "(personal information kept confidential)"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Rules no waiver may name; an id ending in '/' is a family of rules. */
static const struct {
	const char *id;
	const char *why;
} forbidden[] = {
    {"publication/identifier", "a real identifier in the report is removed, never excused"},
    {"crypt/", "the encryption guards keep plaintext out of every clone"},
    {"yaml/", "a file that cannot be read has not been checked"},
    {"schema/invalid", "a broken schema checks nothing"},
    {"waiver/", "a waiver cannot excuse the problems of waivers"},
};

static const char *forbidden_why(const char *rule)
{
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(*forbidden); i++) {
		const char *f = forbidden[i].id;
		size_t n = strlen(f);
		if (f[n - 1] == '/' ? strncmp(rule, f, n) == 0 : strcmp(rule, f) == 0)
			return forbidden[i].why;
	}
	return NULL;
}

enum { GIVEN, MISSING, MALFORMED };

/* A field of a waiver: a scalar with some text in it, missing, or not a scalar at all (the
 * schema's schema/type). */
static int field_state(const cf_node *n)
{
	if (cf_node_is_empty(n))
		return MISSING;
	if (n->kind != CF_NODE_SCALAR)
		return MALFORMED;
	for (size_t i = 0; i < n->len; i++)
		if (n->str[i] != ' ' && n->str[i] != '\t' && n->str[i] != '\r' && n->str[i] != '\n')
			return GIVEN;
	return MISSING;
}

/* Safe to quote in a message: one short line. */
static int printable(const char *s)
{
	if (!s || strlen(s) > 80)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

typedef struct ctx {
	const cf_case *c;
	cf_check_ctx check;
	const cf_field *item; /* the schema's spec of one waiver, or NULL */
	const char *file;     /* case.yaml's path */
	cf_diags *diags;
} ctx;

/* The schema already reports this field of the waiver missing (schema/required). */
static int schema_reports(const ctx *X, const cf_node *w, const char *name)
{
	const cf_field *f = X->item ? cf_field_find(X->item, name) : NULL;
	return f && cf_node_is_empty(cf_node_get(w, name)) && cf_field_required(f, &X->check, w);
}

static void collect(const cf_rule_info *r, void *arg)
{
	cf_strlist *l = arg;
	if (!strchr(r->id, '*'))
		(void)cf_strlist_add(l, r->id);
}

/* The known rule closest to an unknown one, with the schema's deadlines: malloc'd or NULL. */
static char *suggest(const cf_case *c, const char *rule)
{
	cf_strlist ids = CF_STRLIST_INIT;
	cf_rules_each(collect, &ids);
	cf_buf id = CF_BUF_INIT;
	for (size_t i = 0; c->deadlines && i < c->deadlines->n; i++) {
		cf_buf_clear(&id);
		cf_buf_printf(&id, "deadline/%s", c->deadlines->items[i].id);
		(void)cf_strlist_add(&ids, cf_buf_cstr(&id));
	}
	cf_buf_free(&id);
	const char *s = cf_suggest(rule, (const char *const *)ids.items, ids.n);
	char *out = cf_strdup(s);
	cf_strlist_free(&ids);
	return out;
}

static void missing_fields(ctx *X, const cf_node *w, const char *rule, int states[3])
{
	static const char *const names[3] = {"rule", "reason", "agreed"};
	static const char *const says[3] = {"names no rule", "gives no reason",
					    "does not say who agreed it"};
	const char *parts[3];
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		if (states[i] == MISSING && !schema_reports(X, w, names[i]))
			parts[n++] = says[i];
	if (n == 0)
		return;
	cf_buf msg = CF_BUF_INIT;
	if (rule && printable(rule))
		cf_buf_printf(&msg, "the waiver of '%s'", rule);
	else
		cf_buf_puts(&msg, "a waiver");
	for (size_t i = 0; i < n; i++)
		cf_buf_printf(&msg, "%s%s", i == 0 ? " " : i + 1 == n ? " and " : ", ", parts[i]);
	cf_diag *d = cf_diags_add(X->diags, CF_SEV_ERROR, X->file, w->line, w->col,
				  "waiver/invalid", "%s", cf_buf_cstr(&msg));
	cf_diag_hint(X->diags, d,
		     "a waiver needs 'rule:', 'reason:' (why the rule does not apply to this "
		     "case) and 'agreed:' (who agreed it, and when: 'Case Review Group, "
		     "2026-05-12'); until then it waives nothing");
	if (cf_buf_oom(&msg))
		X->diags->oom = 1;
	cf_buf_free(&msg);
}

/* Checks the rule a waiver names; 0 when it may be waived. */
static int check_rule(ctx *X, const cf_node *at, const char *rule)
{
	const char *why = forbidden_why(rule);
	const char *shown = printable(rule) ? rule : "the rule";
	cf_diag *d;
	if (why) {
		d = cf_diags_add(X->diags, CF_SEV_ERROR, X->file, at->line, at->col,
				 "waiver/forbidden", "'%s' cannot be waived: %s", shown, why);
		cf_diag_hint(X->diags, d, "remove this waiver, and fix what the rule reports");
		return -1;
	}
	size_t n = strlen(rule);
	if (strchr(rule, '*') || rule[n - 1] == '/') {
		d = cf_diags_add(X->diags, CF_SEV_ERROR, X->file, at->line, at->col,
				 "waiver/invalid",
				 "'%s' is a family of rules; a waiver names one rule", shown);
		cf_diag_hint(X->diags, d,
			     "name the one rule the case is excused from, as check prints it "
			     "(such as deadline/crg-decision)");
		return -1;
	}
	if (cf_rule_find(rule) || cf_deadlines_find(X->c->deadlines, rule))
		return 0;
	d = cf_diags_add(X->diags, CF_SEV_ERROR, X->file, at->line, at->col, "waiver/invalid",
			 "'%s' is not a rule", shown);
	char *s = suggest(X->c, rule);
	if (s)
		cf_diag_hint(X->diags, d, "did you mean '%s'?", s);
	else
		cf_diag_hint(X->diags, d,
			     "name a rule as check prints it, such as consent/reason or "
			     "deadline/crg-decision; 'casefile explain' lists them");
	free(s);
	return -1;
}

void cf_waivers_apply(const cf_case *c, cf_diags *diags, size_t first)
{
	const cf_case_file *cy = cf_case_file_get(c, "case.yaml");
	if (!c->root || !cy || c->root->kind != CF_NODE_MAP)
		return;
	/* The waivers list, from its key to the next key of case.yaml: nothing reported there
	 * is waived, so a waiver never hides what is wrong with another. */
	const cf_node *list = NULL;
	unsigned from = 0, to = UINT_MAX;
	for (size_t i = 0; i < c->root->n; i++) {
		if (strcmp(c->root->pairs[i].key->str, "waivers") != 0)
			continue;
		list = c->root->pairs[i].val;
		from = c->root->pairs[i].key->line;
		if (i + 1 < c->root->n)
			to = c->root->pairs[i + 1].key->line;
	}
	if (!list || list->kind != CF_NODE_SEQ)
		return; /* absent, or the schema's schema/type */

	ctx X = {c, cf_case_ctx(c), NULL, cy->path, diags};
	const cf_docspec *spec = cy->spec    ? cy->spec
				 : c->schema ? cf_schema_docspec(c->schema, "case.yaml")
					     : NULL;
	const cf_field *f = spec ? cf_field_find(&spec->root, "waivers") : NULL;
	if (f && f->type == CF_TYPE_LIST && f->items && f->items->type == CF_TYPE_MAP)
		X.item = f->items;

	size_t end = diags->len; /* the waivers' own errors, added below, are never waived */
	for (size_t i = 0; i < list->n; i++) {
		const cf_node *w = list->items[i];
		if (w->kind != CF_NODE_MAP)
			continue; /* schema/type's */
		const cf_node *rn = cf_node_get(w, "rule");
		int states[3] = {field_state(rn), field_state(cf_node_get(w, "reason")),
				 field_state(cf_node_get(w, "agreed"))};
		const char *rule = states[0] == GIVEN ? rn->str : NULL;
		int valid = rule && check_rule(&X, rn, rule) == 0;
		missing_fields(&X, w, rule, states);
		if (!valid || states[1] != GIVEN || states[2] != GIVEN)
			continue;
		for (size_t k = first; k < end; k++) {
			cf_diag *d = &diags->items[k];
			if (strcmp(d->rule, rule) != 0)
				continue;
			if (strcmp(d->file, cy->path) == 0 && d->line >= from && d->line < to)
				continue;
			d->waived = 1;
		}
	}
}
