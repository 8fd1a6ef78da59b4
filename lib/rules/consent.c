#include "rules/consent.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "deadline.h"
#include "doc.h"
#include "schema.h"
#include "strlist.h"

const cf_rule_info cf_consent_rules[] = {
    {"consent/participation", "a family member taking part without recorded consent",
     "Every member of family.yaml whose `involvement` is `participating` has "
     "`consent_to_participate`: the date they agreed to take part.",
     "Family members take part in a review by choice. The date of their consent is the "
     "record that they were asked, understood what the review is for and agreed; without it "
     "the reviewer may be relying on contributions that were never freely given, and the "
     "partnership cannot show otherwise.",
     "Add `consent_to_participate:` with the date under the member. If they have not agreed, "
     "`involvement` is not `participating`: record `declined`, `not-approached` or `deferred` "
     "and the reason.",
     "seeds 001 §7.4 (conversations with family members), §7.4.2; 000 §1.2 (family "
     "engagement)"},
    {"consent/reason", "a family member not involved without a recorded reason",
     "Every member whose `involvement` is anything but `participating` (declined, "
     "not approached, deferred) has a `non_involvement_reason`.",
     "All reasons for the non-involvement of family members are documented and reported in "
     "the final report; the reviewer is asked whether they are reasonable. A member left "
     "out without a reason looks, to the family and to the National Panel, like a member "
     "nobody thought to ask.",
     "Add `non_involvement_reason:` under the member: why they are not involved (their "
     "choice, a parallel investigation, their age or safety), written so that the report can "
     "use it with pseudonyms.",
     "seeds 001 §7.4.2 (all reasons for non-involvement documented in the final report); 000 "
     "§1.7 (are the reasons reasonable and documented?)"},
    {"consent/revisit", "a deferred family member without a date to revisit the decision",
     "Every member whose `involvement` is `deferred` has `revisit_by`, the date by which the "
     "decision not to involve them yet is looked at again. Once that date has passed it is "
     "a warning, unless the schema declares the deadline itself (deadline/revisit), which "
     "then says so.",
     "A member is often deferred while the police investigate or proceedings run. Without a "
     "date the deferral silently becomes an exclusion, and the family's involvement, when it "
     "comes, is tokenistic or too late to inform the analysis.",
     "Add `revisit_by:` with a date under the member. When the date comes, revisit the "
     "decision: record their involvement as it now stands, or a new `revisit_by`.",
     "seeds 000 §1.3 (parallel processes: involvement after proceedings), §1.7 (is there an "
     "opportunity to revisit this decision later?)"},
    {"consent/informed", "a family member with no record of being informed of the review",
     "From the scoping stage, every member of family.yaml has `informed_of_review` (the "
     "date), or `not_informed_reason` saying why they were not told.",
     "Family members, including surviving children, are informed of the review and invited "
     "to contribute unless there is a strong reason not to; a review they learn about from "
     "its publication, or from the press, damages trust in every agency involved.",
     "Add `informed_of_review:` with the date under the member, or `not_informed_reason:` "
     "with the reason (a very young child, a member who cannot be traced, a family's "
     "request).",
     "seeds 001 §7.3.1 (family members informed of the review unless there is a strong "
     "reason not to); 000 §1.2"},
    {"consent/family-section", "a report without its Family involvement section",
     "Once any family member is not involved in the review, report.md has the section the "
     "schema names for it (`rules.publication.family_section`, for cspr \"Family "
     "involvement\") as a Markdown heading, from the stage the report is required (report) "
     "until the stage publication readiness applies (`rules.publication.from_stage`), from "
     "which publication/family asks for the section, and its text.",
     "The reasons for non-involvement are documented in the final report, so that readers "
     "know whose voices the review could not hear and why.",
     "Add a heading such as `## Family involvement` to report.md and give, with pseudonyms "
     "only, each member's involvement and the reasons for non-involvement.",
     "seeds 001 §7.4.2 (reasons for non-involvement documented in the final report), §9.1.2; "
     "000 §1.7"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* consent/informed applies from this stage, as CASE-FORMAT.md's family.yaml table says
 * ("informed_of_review: from scoping"); a schema without the stage does not get the rule. */
#define INFORMED_FROM "scoping"

/* Absent, null, or a text of nothing but white space: no reason given.  (A date that is
 * blank is not a date: schema/type's, so dates are only missing when absent or null.) */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int blank(const cf_node *n)
{
	if (cf_node_is_empty(n))
		return 1;
	if (n->kind != CF_NODE_SCALAR)
		return 0;
	for (size_t i = 0; i < n->len; i++)
		if (!is_space(n->str[i]))
			return 0;
	return 1;
}

static int printable(const char *s)
{
	if (!s || !*s || strlen(s) > 60)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* "M3 (Father)": the member's ref and pseudonym, never a real identifier. */
static void member_label(cf_buf *out, const cf_node *m, size_t index)
{
	const char *ref = cf_node_str(cf_node_get(m, "ref"));
	const char *pseudonym = cf_node_str(cf_node_get(m, "pseudonym"));
	if (printable(ref))
		cf_buf_puts(out, ref);
	else
		cf_buf_printf(out, "member %zu", index + 1);
	if (printable(pseudonym))
		cf_buf_printf(out, " (%s)", pseudonym);
}

typedef struct walker {
	const cf_case *c;
	cf_check_ctx ctx;
	const cf_field *item; /* the schema's spec of one member, or NULL */
	const char *file;
	cf_diags *diags;
} walker;

/* The schema reports this field of the member as missing (schema/required): say nothing. */
static int schema_reports(const walker *W, const char *name, const cf_node *member)
{
	const cf_field *f = W->item ? cf_field_find(W->item, name) : NULL;
	return f && cf_node_is_empty(cf_node_get(member, name)) &&
	       cf_field_required(f, &W->ctx, member);
}

/* Is this involvement one of the schema's values other than participating?  A value the
 * schema does not know is its schema/enum to report, not a member left out. */
static int not_involved(const walker *W, const char *v)
{
	if (strcmp(v, "participating") == 0)
		return 0;
	const cf_field *f = W->item ? cf_field_find(W->item, "involvement") : NULL;
	if (!f || f->type != CF_TYPE_ENUM)
		return 1;
	for (size_t i = 0; i < f->n_values; i++)
		if (strcmp(f->values[i], v) == 0)
			return 1;
	return 0;
}

/* Does the schema keep the revisit date as a deadline of its own?  Then deadline/revisit
 * warns when it has passed, and this rule does not say it again. */
static int revisit_is_deadline(const cf_case *c)
{
	for (size_t i = 0; c->deadlines && i < c->deadlines->n; i++) {
		const cf_deadline_spec *s = &c->deadlines->items[i];
		if (s->each_file && s->due_field && cf_path_match(s->each_file, "family.yaml") &&
		    strcmp(s->due_field, "revisit_by") == 0)
			return 1;
	}
	return 0;
}

static void report(walker *W, cf_severity sev, const cf_node *at, const char *rule,
		   const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(walker *W, cf_severity sev, const cf_node *at, const char *rule,
		   const char *hint, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (cf_buf_oom(&msg))
		W->diags->oom = 1;
	cf_diag *d =
	    cf_diags_add(W->diags, sev, W->file, at->line, at->col, rule, "%s", cf_buf_cstr(&msg));
	cf_diag_hint(W->diags, d, "%s", hint);
	cf_buf_free(&msg);
}

/* One member; returns 1 when the member is not involved. */
static int check_member(walker *W, const cf_node *m, int informed_due, int dated, cf_date today,
			const cf_buf *label)
{
	const char *involvement = cf_node_str(cf_node_get(m, "involvement"));
	const char *l = cf_buf_cstr(label);
	int out = 0;

	if (involvement && strcmp(involvement, "participating") == 0) {
		if (cf_node_is_empty(cf_node_get(m, "consent_to_participate")) &&
		    !schema_reports(W, "consent_to_participate", m))
			report(W, CF_SEV_ERROR, m, "consent/participation",
			       "add 'consent_to_participate:' under this member: the date they "
			       "agreed to take part (001 §7.4)",
			       "'%s' is participating and no consent is recorded", l);
	} else if (involvement && not_involved(W, involvement)) {
		out = 1;
		if (blank(cf_node_get(m, "non_involvement_reason")) &&
		    !schema_reports(W, "non_involvement_reason", m))
			report(W, CF_SEV_ERROR, m, "consent/reason",
			       "add 'non_involvement_reason:' under this member (001 §7.4.2)",
			       "'%s' is not involved and no reason is recorded", l);
	}

	if (involvement && strcmp(involvement, "deferred") == 0) {
		const cf_node *rv = cf_node_get(m, "revisit_by");
		cf_date when;
		if (cf_node_is_empty(rv)) {
			if (!schema_reports(W, "revisit_by", m))
				report(W, CF_SEV_ERROR, m, "consent/revisit",
				       "add 'revisit_by:' under this member: the date by which the "
				       "decision not to involve them is revisited (000 §1.3, §1.7)",
				       "'%s' is deferred and no date to revisit it is recorded", l);
		} else if (dated && today != CF_DATE_NONE && rv->kind == CF_NODE_SCALAR &&
			   cf_date_parse(&when, rv->str) == 0 && when < today) {
			/* a malformed date is schema/type's */
			report(W, CF_SEV_WARNING, rv, "consent/revisit",
			       "revisit the decision: record the member's involvement as it now "
			       "stands, or a new 'revisit_by' (000 §1.7)",
			       "'%s' is deferred and revisit_by %s has passed", l, rv->str);
		}
	}

	if (informed_due && cf_node_is_empty(cf_node_get(m, "informed_of_review")) &&
	    blank(cf_node_get(m, "not_informed_reason")) &&
	    !schema_reports(W, "informed_of_review", m))
		report(W, CF_SEV_ERROR, m, "consent/informed",
		       "add 'informed_of_review:' (the date) or 'not_informed_reason:' under this "
		       "member (001 §7.3.1)",
		       "'%s' has no record of being informed of the review, and no reason is "
		       "recorded",
		       l);
	return out;
}

/* Is there a Markdown heading (# to ######) whose text is title, outside code fences? */
static int has_heading(const char *body, size_t len, const char *title)
{
	if (!body)
		return 0;
	size_t tlen = strlen(title);
	int fenced = 0;
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		if (!eol)
			eol = end;
		const char *s = p;
		for (int i = 0; i < 3 && s < eol && *s == ' '; i++)
			s++;
		if (eol - s >= 3 && (strncmp(s, "```", 3) == 0 || strncmp(s, "~~~", 3) == 0)) {
			fenced = !fenced;
		} else if (!fenced && s < eol && *s == '#') {
			int level = 0;
			while (s < eol && *s == '#' && level < 7) {
				s++;
				level++;
			}
			if (level <= 6 && (s == eol || *s == ' ' || *s == '\t')) {
				const char *e = eol;
				while (e > s && is_space(e[-1]))
					e--;
				/* an optional closing sequence of #s */
				const char *h = e;
				while (h > s && h[-1] == '#')
					h--;
				if (h < e && (h == s || h[-1] == ' ' || h[-1] == '\t'))
					e = h;
				while (s < e && is_space(*s))
					s++;
				while (e > s && is_space(e[-1]))
					e--;
				if ((size_t)(e - s) == tlen && strncasecmp(s, title, tlen) == 0)
					return 1;
			}
		}
		p = next;
	}
	return 0;
}

/* "M1 (Child B)", "M1 (Child B) and M3 (Father)", "M1, M3 and M4", "M1, M3 and 3 more". */
static void join_labels(cf_buf *out, const cf_strlist *l)
{
	size_t shown = l->n <= 3 ? l->n : 2;
	for (size_t i = 0; i < shown; i++) {
		if (i)
			cf_buf_puts(out, i + 1 == l->n ? " and " : ", ");
		cf_buf_puts(out, l->items[i]);
	}
	if (shown < l->n)
		cf_buf_printf(out, " and %zu more", l->n - shown);
}

/* The report says why members are not involved, from the stage the report is required until
 * publication readiness takes over. */
static void check_family_section(const cf_case *c, const cf_check_ctx *ctx, const cf_strlist *who,
				 cf_diags *diags)
{
	const char *title =
	    cf_node_str(cf_node_path(c->schema->root, "rules.publication.family_section"));
	const cf_docspec *spec = cf_schema_docspec(c->schema, "report.md");
	const cf_case_file *f = cf_case_file_get(c, "report.md");
	if (!title || !spec || !f || !f->doc || !cf_docspec_required(spec, ctx))
		return;
	/* From the stage publication readiness applies, the report's sections are its
	 * publication/section and publication/family, the Family involvement one included. */
	const char *ready =
	    cf_node_str(cf_node_path(c->schema->root, "rules.publication.from_stage"));
	int ready_from = ready ? cf_schema_stage_index(c->schema, ready) : -1;
	if (ready_from >= 0 && cf_schema_reached(c->schema, c->root, c->stage, ready_from))
		return;
	if (has_heading(f->doc->body, f->doc->body_len, title))
		return;
	cf_buf names = CF_BUF_INIT;
	join_labels(&names, who);
	if (cf_buf_oom(&names))
		diags->oom = 1;
	unsigned line = f->doc->body_line ? f->doc->body_line : 1;
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, f->path, line, 1, "consent/family-section",
				  "the report has no '%s' section to give the reasons why %s %s "
				  "not involved",
				  title, cf_buf_cstr(&names), who->n == 1 ? "is" : "are");
	cf_diag_hint(diags, d,
		     "add a '## %s' heading with the reasons for non-involvement, using "
		     "pseudonyms only (001 §7.4.2)",
		     title);
	cf_buf_free(&names);
}

void cf_rule_consent(const cf_case *c, cf_date today, cf_diags *diags)
{
	const cf_case_file *f = cf_case_file_get(c, "family.yaml");
	if (!c->schema || !c->root || !f || !f->doc || !f->doc->root)
		return;
	const cf_node *members = cf_node_get(f->doc->root, "members");
	if (!members || members->kind != CF_NODE_SEQ)
		return; /* the schema's to report */

	walker W = {c, cf_case_ctx(c), NULL, f->path, diags};
	const cf_docspec *spec = f->spec ? f->spec : cf_schema_docspec(c->schema, "family.yaml");
	const cf_field *list = spec ? cf_field_find(&spec->root, "members") : NULL;
	if (list && list->type == CF_TYPE_LIST && list->items && list->items->type == CF_TYPE_MAP)
		W.item = list->items;

	int informed_from = cf_schema_stage_index(c->schema, INFORMED_FROM);
	int informed_due =
	    informed_from >= 0 && cf_schema_reached(c->schema, c->root, c->stage, informed_from);
	int dated = !revisit_is_deadline(c);

	cf_strlist who = CF_STRLIST_INIT; /* the members not involved, for the report's section */
	for (size_t i = 0; i < members->n; i++) {
		const cf_node *m = members->items[i];
		if (m->kind != CF_NODE_MAP)
			continue;
		cf_buf label = CF_BUF_INIT;
		member_label(&label, m, i);
		if (cf_buf_oom(&label) ||
		    (check_member(&W, m, informed_due, dated, today, &label) &&
		     cf_strlist_add(&who, cf_buf_cstr(&label)) < 0))
			diags->oom = 1;
		cf_buf_free(&label);
	}
	if (who.n)
		check_family_section(c, &W.ctx, &who, diags);
	cf_strlist_free(&who);
}
