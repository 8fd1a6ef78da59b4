#include "rules/dates.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"

const cf_rule_info cf_dates_rules[] = {
    {"dates/order", "an impossible order of a case's dates",
     "Pairs of dates that can only come in one order: the incident before the referral, "
     "the referral before the rapid review meeting and its submission to the National Panel, "
     "the final draft before the Case Review Group's endorsement, before the Safeguarding "
     "Children Partnership's approval, before publication, and every meeting after the "
     "referral. The pairs are listed under `order:` in the case type's schema.",
     "A date in the wrong order is a typo (a month or a year slipped) or a record of the "
     "wrong event. Either way every deadline computed from it is wrong, and the business "
     "office would chase the wrong thing before the Case Review Group meets.",
     "Check both dates named in the message against the case papers and correct the one "
     "that is wrong. If both are right, the schema's `order:` does not fit your local "
     "procedure: change it in .casefile/schemas/.",
     "seeds 001 §4.4.2 (meeting 7-13 working days after the referral), §4.8.1, §9.1.5 and "
     "§10.2.1 (endorsement and approval before publication)"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

typedef struct dated {
	cf_date date;
	const cf_node *node;
	const char *file;     /* the file it is in (repository path) */
	const char *doc_name; /* that file in the case ("meetings/rrm.yaml") */
	const cf_order_ref *ref;
} dated;

/* How a message names the date: its path, with the file when it is not case.yaml.  Made only
 * for a date out of order, not for every date read. */
static void dated_name(char out[96], const dated *d)
{
	if (d->ref->file)
		snprintf(out, 96, "%s:%s", d->doc_name, d->ref->path);
	else
		snprintf(out, 96, "%s", d->ref->path);
}

#define MAX_VALUES 64

/* The dates a reference names: one from case.yaml, or one from each file a pattern matches.
 * Dates that are missing or malformed are the schema's to report; they are skipped here. */
static size_t resolve(const cf_case *c, const cf_order_ref *ref, dated *out)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_files && n < MAX_VALUES; i++) {
		const cf_case_file *f = &c->files[i];
		const char *pattern = ref->file ? ref->file : "case.yaml";
		if (!f->doc || !f->doc->root || !cf_path_match(pattern, f->name))
			continue;
		const cf_node *v = cf_node_path(f->doc->root, ref->path);
		const char *s = cf_node_str(v);
		cf_date d;
		if (!s || v->kind != CF_NODE_SCALAR || cf_date_parse(&d, s) < 0)
			continue;
		out[n].date = d;
		out[n].node = v;
		out[n].file = f->path;
		out[n].doc_name = f->name;
		out[n].ref = ref;
		n++;
	}
	return n;
}

void cf_rule_dates_order(const cf_case *c, cf_diags *diags)
{
	if (!c->schema)
		return;
	dated early[MAX_VALUES], late[MAX_VALUES];
	for (size_t i = 0; i < c->schema->n_order; i++) {
		const cf_order_pair *p = &c->schema->order[i];
		size_t ne = resolve(c, &p->earlier, early);
		size_t nl = ne ? resolve(c, &p->later, late) : 0;
		for (size_t a = 0; a < ne; a++) {
			for (size_t b = 0; b < nl; b++) {
				if (early[a].date <= late[b].date)
					continue;
				char ed[11], ld[11], en[96], ln[96];
				cf_date_format(ed, early[a].date);
				cf_date_format(ld, late[b].date);
				dated_name(en, &early[a]);
				dated_name(ln, &late[b]);
				cf_diag *d = cf_diags_add(
				    diags, CF_SEV_ERROR, late[b].file, late[b].node->line,
				    late[b].node->col, "dates/order",
				    "'%s' is %s, before '%s' (%s)", ln, ld, en, ed);
				if (p->source)
					cf_diag_hint(
					    diags, d,
					    "'%s' cannot come before '%s'; check both dates "
					    "(%s)",
					    ln, en, p->source);
				else
					cf_diag_hint(
					    diags, d,
					    "'%s' cannot come before '%s'; check both dates", ln,
					    en);
			}
		}
	}
}
