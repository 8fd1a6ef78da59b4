#include "rules/quorum.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "schema.h"

const cf_rule_info cf_quorum_rules[] = {
    {"quorum/rapid-review", "a Rapid Review meeting that was not quorate",
     "A meeting of the kind the schema names (`rules.quorum.meeting_kind`, for cspr "
     "`rapid-review`) has attendees from at least `min_partner_agencies` different agencies "
     "(3 for cspr), at least `min_safeguarding_partners` of them (2) different safeguarding "
     "partners: attendees whose `partner:` is one of `safeguarding_partners` (the local "
     "authority, the police, health). Agencies are told apart by each attendee's `agency`.",
     "The Rapid Review meeting decides whether a case meets the criteria for a local review "
     "and what the National Panel is told. A meeting without the safeguarding partners is "
     "not quorate, and its decision is not the partnership's decision.",
     "Check the minutes: give every attendee their `agency`, and `partner:` for those who "
     "represent the local authority, the police or health. If the meeting really was not "
     "quorate, reconvene it, or record in case.yaml a waiver of quorum/rapid-review with the "
     "reason and who agreed it.",
     "seeds 001 §4.6.1 (quorate only with at least three representatives from partner "
     "agencies, including at least two of the safeguarding partners)"},
    {"quorum/conflicts", "a case meeting without conflicts of interest declared",
     "Every meeting of the case (meetings/*.yaml, whatever its kind) records "
     "`conflicts_declared: true`.",
     "Everyone taking part in a review is asked to declare any potential conflict of "
     "interest, as a standing item at every case-specific meeting. A reviewer or panel "
     "member with an undeclared interest compromises the independence of the review and the "
     "credibility of its findings.",
     "If conflicts of interest were asked for and declared, record `conflicts_declared: "
     "true` in the meeting's file. If they were not, ask for them at the next meeting, "
     "minute the declarations, and then record it.",
     "seeds 001 §1.5.8 (declaring conflicts of interest: a standard agenda item at all case "
     "specific meetings)"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

#define MEETINGS "meetings/*.yaml"

/* The schema's rules.quorum. */
typedef struct params {
	const cf_node *kind;	 /* a kind, or a list of them */
	const cf_node *partners; /* the safeguarding partners' `partner` values */
	long long min_agencies, min_partners;
	const char *source;
	const char *conflicts_source;
	int quorum; /* all of the quorum's parameters are there */
} params;

static void read_params(params *P, const cf_schema *s)
{
	memset(P, 0, sizeof(*P));
	const cf_node *q = cf_node_path(s->root, "rules.quorum");
	if (!q || q->kind != CF_NODE_MAP)
		return;
	P->kind = cf_node_get(q, "meeting_kind");
	P->partners = cf_node_get(q, "safeguarding_partners");
	P->source = cf_node_str(cf_node_get(q, "source"));
	P->conflicts_source = cf_node_str(cf_node_get(q, "conflicts_source"));
	P->quorum = P->kind && !cf_node_is_empty(P->kind) && P->partners &&
		    P->partners->kind == CF_NODE_SEQ &&
		    cf_node_int(cf_node_get(q, "min_partner_agencies"), &P->min_agencies) == 0 &&
		    cf_node_int(cf_node_get(q, "min_safeguarding_partners"), &P->min_partners) == 0;
}

/* Is v one of the scalars of n (a scalar or a list of them)? */
static int in_values(const cf_node *n, const char *v)
{
	if (!v || !n)
		return 0;
	if (n->kind == CF_NODE_SCALAR)
		return cf_node_str(n) && strcmp(cf_node_str(n), v) == 0;
	for (size_t i = 0; n->kind == CF_NODE_SEQ && i < n->n; i++)
		if (cf_node_str(n->items[i]) && strcmp(cf_node_str(n->items[i]), v) == 0)
			return 1;
	return 0;
}

static int printable(const char *s)
{
	if (!s || !*s || strlen(s) > 40)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* "the panel meeting of 2026-05-20", "the meeting of 2026-05-20", "the panel meeting". */
static void meeting_name(cf_buf *out, const cf_node *root)
{
	const char *kind = cf_node_str(cf_node_get(root, "kind"));
	const char *date = cf_node_str(cf_node_get(root, "date"));
	cf_buf_puts(out, "the ");
	if (printable(kind))
		cf_buf_printf(out, "%s ", kind);
	cf_buf_puts(out, "meeting");
	if (printable(date))
		cf_buf_printf(out, " of %s", date);
}

/* Does the schema report this top-level field of the meeting as missing (schema/required)? */
static int schema_reports(const cf_case *c, const cf_case_file *f, const char *name)
{
	const cf_field *spec = f->spec ? cf_field_find(&f->spec->root, name) : NULL;
	cf_check_ctx ctx = cf_case_ctx(c);
	return spec && cf_node_is_empty(cf_node_get(f->doc->root, name)) &&
	       cf_field_required(spec, &ctx, f->doc->root);
}

/* Trimmed, case-insensitive: "Northdale Constabulary " and "northdale constabulary" are one
 * agency typed twice. */
static int same_agency(const char *a, const char *b)
{
	while (*a == ' ')
		a++;
	while (*b == ' ')
		b++;
	size_t la = strlen(a), lb = strlen(b);
	while (la && a[la - 1] == ' ')
		la--;
	while (lb && b[lb - 1] == ' ')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static void check_quorum(const cf_case *c, const cf_case_file *f, const params *P, cf_diags *diags)
{
	const cf_node *root = f->doc->root;
	if (!in_values(P->kind, cf_node_str(cf_node_get(root, "kind"))))
		return;
	const cf_pair *pair = cf_node_get_pair(root, "attendees");
	const cf_node *list = pair ? pair->val : NULL;
	if (cf_node_is_empty(list) && schema_reports(c, f, "attendees"))
		return;
	if (list && !cf_node_is_empty(list) && list->kind != CF_NODE_SEQ)
		return; /* schema/type's */

	size_t n = list && list->kind == CF_NODE_SEQ ? list->n : 0;
	long long agencies = 0;
	for (size_t i = 0; i < n; i++) {
		const char *a = cf_node_str(cf_node_get(list->items[i], "agency"));
		if (!a || !*a)
			continue;
		size_t j = 0;
		for (; j < i; j++) {
			const char *b = cf_node_str(cf_node_get(list->items[j], "agency"));
			if (b && same_agency(a, b))
				break;
		}
		agencies += j == i;
	}
	/* the safeguarding partners present, in the schema's order */
	cf_buf present = CF_BUF_INIT, all = CF_BUF_INIT;
	long long partners = 0;
	const cf_node *sp = P->partners;
	for (size_t k = 0; k < sp->n; k++) {
		const char *p = cf_node_str(sp->items[k]);
		if (!p)
			continue;
		cf_buf_printf(&all, "%s%s", k == 0 ? "" : k + 1 == sp->n ? " and " : ", ", p);
		for (size_t i = 0; i < n; i++) {
			const char *v = cf_node_str(cf_node_get(list->items[i], "partner"));
			if (v && strcmp(v, p) == 0) {
				cf_buf_printf(&present, "%s%s", partners ? ", " : "", p);
				partners++;
				break;
			}
		}
	}
	if (agencies < P->min_agencies || partners < P->min_partners) {
		cf_buf name = CF_BUF_INIT;
		meeting_name(&name, root);
		const cf_node *at = pair ? pair->key : root;
		cf_diag *d;
		if (partners)
			d = cf_diags_add(diags, CF_SEV_ERROR, f->path, at->line, at->col,
					 "quorum/rapid-review",
					 "%s is not quorate: %lld agenc%s and %lld safeguarding "
					 "partner%s (%s) represented",
					 cf_buf_cstr(&name), agencies, agencies == 1 ? "y" : "ies",
					 partners, partners == 1 ? "" : "s", cf_buf_cstr(&present));
		else
			d = cf_diags_add(diags, CF_SEV_ERROR, f->path, at->line, at->col,
					 "quorum/rapid-review",
					 "%s is not quorate: %lld agenc%s and no safeguarding "
					 "partner represented",
					 cf_buf_cstr(&name), agencies, agencies == 1 ? "y" : "ies");
		cf_buf hint = CF_BUF_INIT;
		cf_buf_printf(&hint,
			      "a quorum is at least %lld partner agencies, including at least "
			      "%lld of the safeguarding partners (%s); give each attendee's "
			      "'agency', and 'partner:' for a safeguarding partner",
			      P->min_agencies, P->min_partners, cf_buf_cstr(&all));
		if (P->source)
			cf_buf_printf(&hint, " (%s)", P->source);
		cf_diag_hint(diags, d, "%s", cf_buf_cstr(&hint));
		if (cf_buf_oom(&name) || cf_buf_oom(&hint))
			diags->oom = 1;
		cf_buf_free(&name);
		cf_buf_free(&hint);
	}
	if (cf_buf_oom(&present) || cf_buf_oom(&all))
		diags->oom = 1;
	cf_buf_free(&present);
	cf_buf_free(&all);
}

static void check_conflicts(const cf_case *c, const cf_case_file *f, const params *P,
			    cf_diags *diags)
{
	const cf_node *root = f->doc->root;
	const cf_node *v = cf_node_get(root, "conflicts_declared");
	int declared = 0;
	int absent = cf_node_is_empty(v);
	if (absent && schema_reports(c, f, "conflicts_declared"))
		return;
	if (!absent && (cf_node_bool(v, &declared) < 0 || declared))
		return; /* declared; or a value that is not a bool, which is schema/type's */
	const cf_node *at = absent ? root : v;
	const char *hint =
	    absent ? "add 'conflicts_declared: true' once conflicts of interest have been asked "
		     "for and declared: a standing item at every case meeting"
		   : "ask for and minute declarations of conflicts of interest, then record "
		     "'conflicts_declared: true': a standing item at every case meeting";
	cf_buf name = CF_BUF_INIT;
	meeting_name(&name, root);
	cf_diag *d;
	if (absent)
		d = cf_diags_add(diags, CF_SEV_ERROR, f->path, at->line, at->col,
				 "quorum/conflicts",
				 "%s does not record that conflicts of interest were declared",
				 cf_buf_cstr(&name));
	else
		d = cf_diags_add(
		    diags, CF_SEV_ERROR, f->path, at->line, at->col, "quorum/conflicts",
		    "%s records that conflicts of interest were not declared", cf_buf_cstr(&name));
	if (P->conflicts_source)
		cf_diag_hint(diags, d, "%s (%s)", hint, P->conflicts_source);
	else
		cf_diag_hint(diags, d, "%s", hint);
	if (cf_buf_oom(&name))
		diags->oom = 1;
	cf_buf_free(&name);
}

void cf_rule_quorum(const cf_case *c, cf_diags *diags)
{
	if (!c->schema)
		return;
	params P;
	read_params(&P, c->schema);
	for (size_t i = 0; i < c->n_files; i++) {
		const cf_case_file *f = &c->files[i];
		if (!f->doc || !f->doc->root || f->doc->root->kind != CF_NODE_MAP ||
		    !cf_path_match(MEETINGS, f->name))
			continue;
		if (P.quorum)
			check_quorum(c, f, &P, diags);
		check_conflicts(c, f, &P, diags);
	}
}
