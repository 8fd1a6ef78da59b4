#include "rules/publication.h"
#include "rules/privacy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "idscan.h"

const cf_rule_info cf_publication_rules[] = {
    {"publication/status", "the report is final",
     "report.md's front matter says `status: final`. From the publication stage on (the "
     "schema's rules.publication.from_stage) a draft is an error; `casefile ready` lists it at "
     "any stage.",
     "Only the final report, endorsed by the Case Review Group and approved by the Safeguarding "
     "Children Partnership, is sent to the National Panel and published. A draft published by "
     "mistake cannot be taken back.",
     "Set `status: final` in report.md's front matter once the report is endorsed and approved.",
     "seeds 001 §9.1.5 (the final report is approved by the Case Review Group, then the "
     "partnership), §10.5.1"},
    {"publication/section", "a required section of the report, present and written",
     "report.md has a Markdown heading (# to ######) for every section the schema lists under "
     "rules.publication.sections, matched case-insensitively (a leading number such as '3.' "
     "is allowed), and each section has text before the next heading of its level. The "
     "Family involvement section is publication/family's. When the partners decide not to "
     "publish (`publish: false`) the sections are not asked for.",
     "A published review must at least say what happened, why decisions were made, how "
     "agencies worked together, whether the shortcomings are practice in general, what "
     "should be done differently, the good practice, and the learning. A missing section is "
     "a gap readers and the National Panel will see.",
     "Add the heading and write the section (`## Good practice`). If your partnership names "
     "its sections differently, change rules.publication.sections in the schema.",
     "seeds 001 §9.1.2 (what a report includes as a minimum), §9.1.1"},
    {"publication/identifier", "a real identifier in the report",
     "report.md holds no real identifier of a family member or practitioner: the fields the "
     "schema marks `identifier: true` in the files of rules.publication.identifier_files "
     "(name, aliases, date of birth, address, school; practitioners' names). Names are found "
     "whole and by their parts (first name, middle names, surname; parts under three letters "
     "or equal to a word of a pseudonym are not looked for alone), case-insensitively, on "
     "word boundaries, with or without accents, across line breaks inside a paragraph; dates "
     "of birth in every usual form (2014-03-02, 02/03/2014, 2/3/14, 2 March 2014, 2nd March "
     "2014, March 2, 2014, 2 Mar 2014); addresses whole and by their first line. The front "
     "matter's values (the title) are published too, and checked. A pseudonym that holds a "
     "real identifier hides nothing: it is never shown in a message. The message "
     "names the person by reference and pseudonym and the kind of identifier, never the "
     "identifier itself: the line and column show where it is. This rule cannot be waived.",
     "Published reviews are anonymised: a real name, date of birth, address or school in a "
     "report about to be published identifies a child and their family to everyone who reads "
     "it, and cannot be taken back once it is on the partnership's website and in the NSPCC "
     "repository.",
     "Replace the identifier with the person's pseudonym (`Mother`, `Child K`), a role for a "
     "practitioner (`the duty social worker`), an age instead of a date of birth, and a "
     "description instead of an address or school (`the family home`, `Child K's school`). "
     "If a pseudonym itself collides with a real name, choose another pseudonym.",
     "seeds 001 §9.1.3 (information appropriately anonymised), 004 (reviews are published "
     "anonymously to ensure confidentiality), 001 §7.2.1"},
    {"publication/reviewer", "the report names its reviewer",
     "case.yaml's `reviewer.name` appears in report.md: in the front matter's `reviewers` list "
     "or in the text (case, accents and line breaks aside), unless the case sets "
     "`anonymous_publication: true` or the report is not published (`publish: false`).",
     "Published reports always include the name of the reviewer(s), unless they are published "
     "anonymously.",
     "Add the reviewer to `reviewers:` in report.md's front matter, or set "
     "`anonymous_publication: true` in case.yaml if the partnership publishes anonymously.",
     "seeds 001 §10.5.2; 004"},
    {"publication/approvals", "the approvals in order",
     "`dates.final_draft` <= `dates.crg_endorsed` <= `dates.scp_approved` <= "
     "`dates.publication_planned`, each recorded. (`casefile check` leaves an order the "
     "schema's `order:` already checks to dates/order.)",
     "The Case Review Group endorses the final draft, the Safeguarding Children Partnership "
     "then approves it, and publication planning starts from the endorsement: a report "
     "published before its approval was not approved.",
     "Record the missing dates; if a date is in the wrong order, correct the one that is "
     "wrong.",
     "seeds 001 §9.1.5, §10.2.1"},
    {"publication/panel-notice", "the National Panel, Ofsted and DfE have the report in time",
     "`dates.sent_to_panel` is at least rules.publication.panel_notice_working_days (7) "
     "working days before `dates.publication_planned`, counted over weekends and bank "
     "holidays.",
     "The partnership must send the full report to the National Panel, Ofsted and the "
     "Department for Education no later than seven working days before publication.",
     "Send the report and record `dates.sent_to_panel`, or move `dates.publication_planned` "
     "so that the notice is long enough (the hint gives the last day to send it).",
     "seeds 001 §10.5.1"},
    {"publication/family", "the family before publication",
     "Every family member has `publication_wishes_considered`; every participating member has "
     "`report_shared`; every member who is not involved has a `non_involvement_reason`; and "
     "the report has its Family involvement section (rules.publication.family_section), with "
     "text, unless the report is not published. (`casefile check` leaves a missing reason to "
     "consent/reason, and a missing date the schema requires to schema/required.)",
     "The family's wishes are considered in planning publication; those who took part see "
     "the report before it is finished; and the reasons anyone did not take part are "
     "documented in the final report.",
     "Record the dates in family.yaml, the reasons for non-involvement, and write the Family "
     "involvement section.",
     "seeds 001 §10.3.2, §7.4.2; 000 §1.7; 004"},
    {"publication/criminal", "criminal proceedings and publication",
     "No parallel investigation of kind `criminal` is `ongoing` unless it has "
     "`publication_cleared: true`.",
     "Publishing while a criminal investigation or trial is running can prejudice it; the "
     "senior investigating officer is consulted and agrees before the report is published.",
     "Agree publication with the senior investigating officer and record "
     "`publication_cleared: true`, or record `status: concluded` when it has concluded.",
     "seeds 000 §1.3; 001 §5.6"},
    {"publication/debrief", "the practitioners are debriefed before publication",
     "`dates.practitioner_debrief` is recorded and before `dates.publication_planned`.",
     "Practitioners hear the findings from the reviewer, and what will be published, a few "
     "days before publication: not from the press.",
     "Hold the debrief and record its date, or move the publication date after it.",
     "seeds 002 (practitioners debrief); 001 §10.3.3"},
    {"publication/media", "a media contact is named",
     "case.yaml's `media_contact` names the central point of contact for media enquiries.",
     "Publication may draw media interest; one named contact co-ordinates enquiries with "
     "every agency's media lead.",
     "Add `media_contact:` to case.yaml (a role and organisation is enough).",
     "seeds 001 §10.4.1; 002"},
    {"publication/genogram", "the genogram stays out of the report",
     "report.md neither names the genogram file of family.yaml's `genogram` (its path or its "
     "file name) nor links or includes any file named like a genogram (a Markdown link or "
     "image, an HTML src or href).",
     "The genogram maps the family's real relationships; it is shared with agencies at panel "
     "meetings and learning events, and is never part of the published report.",
     "Remove the link or image from report.md; describe the family by pseudonyms instead.",
     "seeds 001 §7.2.1"},
    {"publication/drafting", "drafting marks left in the report",
     "report.md's text holds none of the schema's rules.publication.drafting_marks (TODO, "
     "FIXME, [[ ...), matched as written: a word mark on word boundaries.",
     "A note to the author left in a published report shows it was not finished, and may "
     "hold what was not meant to be published.",
     "Resolve the note and delete the mark.",
     "seeds 001 §9.1.4-9.1.5 (quality assurance and "
     "approval of the final report)"},
    {"publication/improvements", "the improvements, when the report is not published",
     "When the partners decide not to publish the report (`publish: false`), case.yaml has "
     "`not_publishing_rationale`, and actions.yaml lists the recommendations: the improvements "
     "that are published instead.",
     "If the partners consider it inappropriate to publish the report, they must publish any "
     "information about the improvements that could be made following the review.",
     "Record why the report is not published, and the recommendations in actions.yaml.",
     "seeds 001 §10.1.1 and its note 12"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- the context of one run ----------------------------------------------------------------- */

typedef struct heading {
	int level;
	const char *text; /* in the body; not NUL-terminated */
	size_t len;
	unsigned line, col;
	int has_text;
} heading;

typedef struct person {
	const char *label; /* "M2 (Mother)", in the case's arena */
	const char *alt;   /* how the report may name them: the pseudonym, or NULL */
	const char *role;  /* a practitioner's role, or NULL */
	const char *pron;  /* her, his, their */
	const cf_field *spec;
	const cf_node *item; /* where they are in their file */
	size_t index;
	const char *list; /* "members" */
	int tainted;	  /* their pseudonym holds a real identifier: never shown */
} person;

typedef struct pub {
	const cf_case *c;
	const cf_calendar *cal;
	cf_diags *diags;
	int all; /* the checklist: say also what the schema says */
	const cf_node *params;
	const char *case_path;
	const cf_node *root;
	const cf_case_file *report; /* NULL when the case has none */
	const cf_node *fm;	    /* its front matter */
	const char *body;	    /* NULL when it could not be read */
	size_t body_len;
	unsigned body_line;
	cf_buf rpath;
	const cf_case_file *family;
	int publish;
	heading *heads;
	size_t n_heads;
	const char *family_section;
	int oom;
} pub;

static cf_diag *add(pub *P, const char *file, unsigned line, unsigned col, const char *rule,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static cf_diag *add(pub *P, const char *file, unsigned line, unsigned col, const char *rule,
		    const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cf_diag *d =
	    cf_diags_add(P->diags, CF_SEV_ERROR, file, line, col, rule, "%s", cf_buf_cstr(&msg));
	if (cf_buf_oom(&msg))
		P->oom = 1;
	cf_buf_free(&msg);
	return d;
}

static const char *rpath(const pub *P)
{
	return cf_buf_cstr(&P->rpath);
}

/* Does the schema ask for this field here?  Then `check` reports its absence
 * (schema/required) and this rule does not say it again. */
static int schema_requires(const pub *P, const char *doc, const char *list, const char *path,
			   const cf_node *scope)
{
	const cf_docspec *spec = cf_schema_docspec(P->c->schema, doc);
	if (!spec)
		return 0;
	const cf_field *f = &spec->root;
	if (list) {
		f = cf_field_find(f, list);
		if (!f || !f->items)
			return 0;
		f = f->items;
	}
	f = cf_field_find(f, path);
	cf_check_ctx ctx = cf_case_ctx(P->c);
	return f && cf_field_required(f, &ctx, scope);
}

/* Reports a field that is not recorded, unless `check` hears it from the schema. */
static cf_diag *missing(pub *P, const char *rule, const char *file, const cf_node *at,
			const char *doc, const char *list, const char *path, const cf_node *scope,
			const char *label)
{
	if (!P->all && schema_requires(P, doc, list, path, scope))
		return NULL;
	return add(P, file, at ? at->line : 1, at ? at->col : 1, rule, "'%s%s%s' is not recorded",
		   label ? label : "", label ? "." : "", path);
}

static const cf_node *map_at(const cf_node *map, const char *key)
{
	const cf_node *n = cf_node_get(map, key);
	return n && n->kind == CF_NODE_MAP ? n : NULL;
}

/* The date at a dotted path of case.yaml: 1 and *d, 0 when absent, -1 when it is not a date
 * (the schema reports that). */
static int case_date(const pub *P, const char *path, cf_date *d, const cf_node **node)
{
	const cf_node *n = cf_node_path(P->root, path);
	*node = n;
	if (cf_node_is_empty(n))
		return 0;
	const char *s = cf_node_str(n);
	return s && cf_date_parse(d, s) == 0 ? 1 : -1;
}

/* Where a missing field of case.yaml is reported: its parent map, as the schema does. */
static const cf_node *parent_of(const pub *P, const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return P->root;
	char parent[64];
	size_t n = (size_t)(dot - path);
	if (n >= sizeof(parent))
		return P->root;
	memcpy(parent, path, n);
	parent[n] = '\0';
	const cf_node *m = cf_node_path(P->root, parent);
	return m && m->kind == CF_NODE_MAP ? m : P->root;
}

static int is_true(const cf_node *n)
{
	int b;
	return n && cf_node_bool(n, &b) == 0 && b;
}

static int is_false(const cf_node *n)
{
	int b;
	return n && cf_node_bool(n, &b) == 0 && !b;
}

/* ---- positions in the report's body ---------------------------------------------------------- */

/* Line and column (in characters) of a byte of the body; offsets asked in increasing order are
 * found without starting again. */
typedef struct locator {
	const char *body;
	size_t pos;
	unsigned line, col;
	unsigned first_line;
} locator;

static void locate(locator *L, size_t off, unsigned *line, unsigned *col)
{
	if (off < L->pos) {
		L->pos = 0;
		L->line = L->first_line;
		L->col = 1;
	}
	for (; L->pos < off; L->pos++) {
		unsigned char c = (unsigned char)L->body[L->pos];
		if (c == '\n') {
			L->line++;
			L->col = 1;
		} else if ((c & 0xC0) != 0x80) {
			L->col++;
		}
	}
	*line = L->line;
	*col = L->col;
}

/* ---- the report's headings ------------------------------------------------------------------ */

/* Has the line text outside HTML comments?  (A template's "<!-- write here -->" is not text.) */
static int line_has_text(const char *p, size_t n, int *in_comment)
{
	int text = 0;
	for (size_t i = 0; i < n; i++) {
		if (*in_comment) {
			if (i + 3 <= n && memcmp(p + i, "-->", 3) == 0) {
				*in_comment = 0;
				i += 2;
			}
		} else if (i + 4 <= n && memcmp(p + i, "<!--", 4) == 0) {
			*in_comment = 1;
			i += 3;
		} else if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
			text = 1;
		}
	}
	return text;
}

/* An ATX heading: up to three spaces, 1-6 '#', then a space or the end of the line. */
static int atx_heading(const char *p, size_t n, int *level, const char **text, size_t *len,
		       unsigned *col)
{
	size_t i = 0;
	while (i < n && i < 3 && p[i] == ' ')
		i++;
	size_t hashes = 0;
	while (i + hashes < n && p[i + hashes] == '#')
		hashes++;
	if (hashes < 1 || hashes > 6)
		return 0;
	*col = (unsigned)i + 1;
	i += hashes;
	if (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t e = n;
	while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\r'))
		e--;
	size_t h = e; /* a closing sequence of '#' after a space */
	while (h > i && p[h - 1] == '#')
		h--;
	if (h < e && (h == i || p[h - 1] == ' ' || p[h - 1] == '\t')) {
		e = h;
		while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
	}
	*level = (int)hashes;
	*text = p + i;
	*len = e - i;
	return 1;
}

static int is_fence(const char *p, size_t n, char *fc)
{
	size_t i = 0;
	while (i < n && i < 3 && p[i] == ' ')
		i++;
	if (i + 3 <= n && (p[i] == '`' || p[i] == '~') && p[i + 1] == p[i] && p[i + 2] == p[i]) {
		*fc = p[i];
		return 1;
	}
	return 0;
}

static int parse_headings(pub *P)
{
	size_t cap = 0;
	size_t open_idx[7] = {0};
	int depth = 0, in_comment = 0;
	char fence = 0;
	unsigned line = P->body_line;
	const char *b = P->body, *end = b + P->body_len;
	for (const char *p = b; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int level;
		const char *text;
		size_t len;
		unsigned col;
		char fc;
		if (fence) {
			if (is_fence(p, n, &fc) && fc == fence)
				fence = 0;
			for (int k = 0; k < depth; k++)
				P->heads[open_idx[k]].has_text = 1;
		} else if (is_fence(p, n, &fc)) {
			fence = fc;
			for (int k = 0; k < depth; k++)
				P->heads[open_idx[k]].has_text = 1;
		} else if (!in_comment && atx_heading(p, n, &level, &text, &len, &col)) {
			if (P->n_heads == cap) {
				cap = cap ? cap * 2 : 16;
				heading *h = realloc(P->heads, cap * sizeof(*h));
				if (!h)
					return -1;
				P->heads = h;
			}
			heading *h = &P->heads[P->n_heads];
			*h = (heading){level, text, len, line, col, 0};
			while (depth > 0 && P->heads[open_idx[depth - 1]].level >= level)
				depth--;
			open_idx[depth++] = P->n_heads;
			P->n_heads++;
		} else if (line_has_text(p, n, &in_comment)) {
			for (int k = 0; k < depth; k++)
				P->heads[open_idx[k]].has_text = 1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The heading of a section: its text equals name, case and accents aside, after an optional
 * number ("3.", "3.1", "3)"). */
static const heading *find_section(const pub *P, const char *name)
{
	for (size_t i = 0; i < P->n_heads; i++) {
		const heading *h = &P->heads[i];
		const char *t = h->text;
		size_t n = h->len, k = 0;
		while (k < n && ((t[k] >= '0' && t[k] <= '9') || t[k] == '.'))
			k++;
		if (k > 0 && k < n && t[k] == ')')
			k++;
		if (k > 0 && k < n && (t[k] == ' ' || t[k] == '\t')) {
			t += k;
			n -= k;
		}
		char buf[256];
		if (n >= sizeof(buf))
			continue;
		memcpy(buf, t, n);
		buf[n] = '\0';
		if (cf_idscan_same(buf, name))
			return h;
	}
	return NULL;
}

/* ---- the items ------------------------------------------------------------------------------ */

static int report_unreadable(pub *P, const char *rule, const char *what)
{
	if (P->body)
		return 0;
	if (P->all) {
		cf_diag *d = add(
		    P, rpath(P), 0, 0, rule, "%s %s",
		    P->report ? "report.md could not be read:" : "there is no report.md:", what);
		cf_diag_hint(P->diags, d, "%s",
			     P->report ? "'casefile check' says what is wrong with the file"
				       : "write the report (casefile new writes a template of it)");
	}
	return 1;
}

static void check_sections(pub *P)
{
	const cf_node *sections = cf_node_get(P->params, "sections");
	for (size_t i = 0; sections && sections->kind == CF_NODE_SEQ && i < sections->n; i++) {
		const char *name = cf_node_str(sections->items[i]);
		if (!name || (P->family_section && cf_idscan_same(name, P->family_section)))
			continue; /* the family section is publication/family's */
		const heading *h = find_section(P, name);
		if (!h) {
			cf_diag *d = add(P, rpath(P), 0, 0, "publication/section",
					 "the report has no section '%s'", name);
			cf_diag_hint(P->diags, d,
				     "add a heading '## %s' and write the section (001 §9.1.2)",
				     name);
		} else if (!h->has_text) {
			cf_diag *d = add(P, rpath(P), h->line, h->col, "publication/section",
					 "the section '%s' is empty", name);
			cf_diag_hint(P->diags, d,
				     "write the section before the report is published "
				     "(001 §9.1.2)");
		}
	}
}

static void check_improvements(pub *P)
{
	const cf_node *r = cf_node_get(P->root, "not_publishing_rationale");
	if (cf_node_is_empty(r)) {
		cf_diag *d = missing(P, "publication/improvements", P->case_path, P->root,
				     "case.yaml", NULL, "not_publishing_rationale", P->root, NULL);
		if (d)
			cf_diag_hint(P->diags, d,
				     "with 'publish: false', record why the partners decided not "
				     "to publish the report (001 §10.1.1 and its note 12)");
	}
	const cf_case_file *a = cf_case_file_get(P->c, "actions.yaml");
	if (!a || !a->doc) {
		const cf_docspec *spec = cf_schema_docspec(P->c->schema, "actions.yaml");
		cf_check_ctx ctx = cf_case_ctx(P->c);
		if (P->all || !spec || !cf_docspec_required(spec, &ctx)) {
			cf_buf p = CF_BUF_INIT;
			cf_buf_printf(&p, "%s/actions.yaml", P->c->dir);
			cf_diag *d =
			    add(P, cf_buf_cstr(&p), 0, 0, "publication/improvements", "%s",
				a ? "actions.yaml could not be read" : "there is no actions.yaml");
			cf_diag_hint(P->diags, d,
				     "with 'publish: false' the improvements are published "
				     "instead of the report: list the recommendations in "
				     "actions.yaml (001 §10.1.1, note 12)");
			cf_buf_free(&p);
		}
		return;
	}
	const cf_node *recs = cf_node_get(a->doc->root, "recommendations");
	if (!recs || recs->kind != CF_NODE_SEQ || recs->n == 0) {
		const cf_node *at = recs ? recs : a->doc->root;
		cf_diag *d =
		    add(P, a->path, at ? at->line : 1, at ? at->col : 1, "publication/improvements",
			"actions.yaml lists no recommendation, and the report is not "
			"published");
		cf_diag_hint(P->diags, d,
			     "with 'publish: false' the improvements are published instead of the "
			     "report: list the recommendations (001 §10.1.1, note 12)");
	}
}

/* 1. report.md final, with every required section (or the improvements, when the report is
 * not published). */
static void item_report(pub *P)
{
	if (!P->report || !P->report->doc) {
		report_unreadable(P, "publication/status", "it is not known to be final");
		if (!P->publish)
			check_improvements(P);
		return;
	}
	const cf_node *st = cf_node_get(P->fm, "status");
	const char *s = cf_node_str(st);
	if (!s) {
		if (P->all || !schema_requires(P, "report.md", NULL, "status", P->fm)) {
			cf_diag *d = add(P, rpath(P), 1, 1, "publication/status",
					 "the report has no 'status'");
			cf_diag_hint(P->diags, d,
				     "add 'status: final' to the front matter once the report is "
				     "endorsed and approved (001 §9.1.5)");
		}
	} else if (strcmp(s, "final") != 0) {
		cf_diag *d = strcmp(s, "draft") == 0
				 ? add(P, rpath(P), st->line, st->col, "publication/status",
				       "the report is a draft ('status: draft')")
				 : add(P, rpath(P), st->line, st->col, "publication/status",
				       "the report's status is not 'final'");
		cf_diag_hint(P->diags, d,
			     "set 'status: final' once the Case Review Group has endorsed the "
			     "report and the partnership approved it (001 §9.1.5)");
	}
	if (P->publish && P->body)
		check_sections(P);
	if (!P->publish)
		check_improvements(P);
}

static const char *pronoun(const char *role, const char *pseudonym)
{
	if (role && strcmp(role, "mother") == 0)
		return "her";
	if (role && strcmp(role, "father") == 0)
		return "his";
	static const char *const hers[] = {"mother",	 "grandmother", "sister", "aunt",
					   "stepmother", "step-mother", "girl",	  NULL};
	static const char *const his[] = {"father",	"grandfather", "brother", "uncle",
					  "stepfather", "step-father", "boy",	  NULL};
	const char *last = pseudonym ? strrchr(pseudonym, ' ') : NULL;
	last = last ? last + 1 : pseudonym;
	for (size_t i = 0; last && hers[i]; i++)
		if (strcasecmp(last, hers[i]) == 0)
			return "her";
	for (size_t i = 0; last && his[i]; i++)
		if (strcasecmp(last, his[i]) == 0)
			return "his";
	return "their";
}

static int has_identifiers(const cf_field *map)
{
	for (size_t i = 0; map && i < map->n_fields; i++)
		if (map->fields[i].identifier)
			return 1;
	return 0;
}

typedef struct people {
	person *items;
	size_t n, cap;
} people;

/* A pseudonym of the case and whose it is (-1: nobody's in particular). */
typedef struct pseudo {
	const char *text;
	int owner;
} pseudo;

typedef struct pseudos {
	pseudo *items;
	size_t n, cap;
} pseudos;

static int push_pseudo(pseudos *ps, const char *text, int owner)
{
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 16;
		pseudo *p = realloc(ps->items, ncap * sizeof(*p));
		if (!p)
			return -1;
		ps->items = p;
		ps->cap = ncap;
	}
	ps->items[ps->n++] = (pseudo){text, owner};
	return 0;
}

static int add_values(cf_idscan *const sc[2], int who, int g, const cf_field *gf, const cf_node *v)
{
	for (int k = 0; k < 2; k++)
		if (cf_privacy_add_value(sc[k], who, g, gf, v) < 0)
			return -1;
	return 0;
}

/* Every person of one identifier file: their identifiers into both scanners, their labels
 * into ppl, their pseudonyms into ps; *subject is the subject child's index. */
static int add_people(pub *P, cf_idscan *const sc[2], people *ppl, pseudos *ps,
		      const cf_case_file *f, int *subject)
{
	cf_arena *a = P->c->arena;
	const cf_field *root = &f->spec->root;
	for (size_t i = 0; i < root->n_fields; i++) {
		const cf_field *list = &root->fields[i];
		if (list->type != CF_TYPE_LIST || !list->items ||
		    list->items->type != CF_TYPE_MAP || !has_identifiers(list->items))
			continue;
		const cf_node *seq = cf_node_get(f->doc->root, list->name);
		for (size_t k = 0; seq && seq->kind == CF_NODE_SEQ && k < seq->n; k++) {
			const cf_node *item = seq->items[k];
			if (item->kind != CF_NODE_MAP)
				continue;
			if (ppl->n == ppl->cap) {
				size_t ncap = ppl->cap ? ppl->cap * 2 : 16;
				person *np = cf_arena_alloc(a, ncap * sizeof(*np));
				if (!np)
					return -1;
				if (ppl->items)
					memcpy(np, ppl->items, ppl->n * sizeof(*np));
				ppl->items = np;
				ppl->cap = ncap;
			}
			int who = (int)ppl->n;
			person *p = &ppl->items[ppl->n++];
			const char *pseudonym = cf_node_str(cf_node_get(item, "pseudonym"));
			const char *role = cf_node_str(cf_node_get(item, "role"));
			if (pseudonym && push_pseudo(ps, pseudonym, who) < 0)
				return -1;
			if (role && strcmp(role, "subject-child") == 0 && *subject < 0)
				*subject = who;
			p->alt = pseudonym;
			p->role = pseudonym ? NULL : role;
			p->pron = pronoun(role, pseudonym);
			p->spec = list->items;
			p->item = item;
			p->index = k;
			p->list = list->name;
			p->label =
			    cf_privacy_label(a, item, k, list->name, pseudonym ? pseudonym : role);
			if (!p->label)
				return -1;
			for (size_t g = 0; g < list->items->n_fields; g++) {
				const cf_field *gf = &list->items->fields[g];
				const cf_node *v = cf_node_get(item, gf->name);
				if (!gf->identifier || cf_node_is_empty(v))
					continue;
				if (v->kind != CF_NODE_SEQ) {
					if (add_values(sc, who, (int)g, gf, v) < 0)
						return -1;
					continue;
				}
				for (size_t j = 0; j < v->n; j++)
					if (add_values(sc, who, (int)g, gf, v->items[j]) < 0)
						return -1;
			}
		}
	}
	return 0;
}

/* A pseudonym that holds a real identifier of its own person ("Kayden" for Kayden), or a
 * whole name, alias, date, address or school of anyone, is no pseudonym: its words must not
 * hide name parts from the scan.  (A pseudonym word that is only another person's first name,
 * "Child" for a Mr Child, is what the pseudonym rule is for.) */
static int tainted(pub *P, cf_idscan *raw, const pseudo *ps)
{
	cf_idhits hits = CF_IDHITS_INIT;
	int bad = 0;
	if (cf_idscan_run(&hits, raw, ps->text, strlen(ps->text), 1) < 0)
		P->oom = 1;
	for (size_t i = 0; i < hits.n; i++) {
		cf_id_kind k = hits.items[i].kind;
		bad |= hits.items[i].who == ps->owner ||
		       (k != CF_ID_SURNAME && k != CF_ID_FIRST_NAME && k != CF_ID_MIDDLE_NAME);
	}
	cf_idhits_free(&hits);
	return bad;
}

static void identifier_diag(pub *P, const person *p, const cf_idhit *h)
{
	const char *file = rpath(P);
	const char *rule = "publication/identifier";
	cf_diag *d;
	switch (h->kind) {
	case CF_ID_NAME:
		d = add(P, file, h->line, h->col, rule, "report names %s by %s full name", p->label,
			p->pron);
		break;
	case CF_ID_ALIAS:
		d = add(P, file, h->line, h->col, rule, "report names %s by %s alias", p->label,
			p->pron);
		break;
	case CF_ID_SURNAME:
	case CF_ID_FIRST_NAME:
	case CF_ID_MIDDLE_NAME:
		d = add(P, file, h->line, h->col, rule, "report names %s by %s %s", p->label,
			p->pron, cf_id_kind_name(h->kind));
		break;
	case CF_ID_DOB:
		d = add(P, file, h->line, h->col, rule, "report gives the date of birth of %s",
			p->label);
		cf_diag_hint(P->diags, d,
			     "give an age instead ('aged seven'): a published report is "
			     "anonymised (001 §9.1.3)");
		return;
	case CF_ID_ADDRESS:
		d = add(P, file, h->line, h->col, rule, "report gives the address of %s", p->label);
		cf_diag_hint(P->diags, d,
			     "describe the place instead ('the family home'): a published report "
			     "is anonymised (001 §9.1.3)");
		return;
	case CF_ID_SCHOOL:
		d = add(P, file, h->line, h->col, rule, "report names the school of %s", p->label);
		cf_diag_hint(P->diags, d,
			     "write '%s school' instead: a published report is anonymised (001 "
			     "§9.1.3)",
			     p->pron);
		return;
	default: {
		const char *field = p->spec && (size_t)h->aux < p->spec->n_fields
					? p->spec->fields[h->aux].name
					: "identifier";
		d = add(P, file, h->line, h->col, rule, "report gives the '%s' of %s", field,
			p->label);
		cf_diag_hint(P->diags, d, "a published report is anonymised (001 §9.1.3)");
		return;
	}
	}
	if (p->tainted)
		cf_diag_hint(P->diags, d,
			     "%s pseudonym holds a real identifier too: choose another one, and "
			     "use it; a published report uses pseudonyms only (001 §9.1.3)",
			     p->pron);
	else if (p->alt)
		cf_diag_hint(P->diags, d,
			     "write '%s' instead: a published report uses pseudonyms only (001 "
			     "§9.1.3; 004)",
			     p->alt);
	else if (p->role)
		cf_diag_hint(P->diags, d,
			     "name them by their role ('the %s') instead: a published report "
			     "names no practitioner (001 §9.1.3)",
			     p->role);
	else
		cf_diag_hint(P->diags, d, "a published report uses pseudonyms only (001 §9.1.3)");
}

static void report_hits(pub *P, const people *ppl, cf_idhits *hits)
{
	for (size_t i = 0; i < hits->n; i++)
		identifier_diag(P, &ppl->items[hits->items[i].who], &hits->items[i]);
	cf_idhits_free(hits);
}

/* The front matter is published too (its title above all): every scalar value, at its place
 * in the file (a value over several lines, at its first line). */
static void scan_front_matter(pub *P, cf_idscan *s, const people *ppl, const cf_node *n)
{
	if (!n)
		return;
	if (n->kind == CF_NODE_MAP) {
		for (size_t i = 0; i < n->n; i++)
			scan_front_matter(P, s, ppl, n->pairs[i].val);
		return;
	}
	if (n->kind == CF_NODE_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			scan_front_matter(P, s, ppl, n->items[i]);
		return;
	}
	if (!n->str || !n->len)
		return;
	cf_idhits hits = CF_IDHITS_INIT;
	int one_line = !memchr(n->str, '\n', n->len);
	if (cf_idscan_run_at(&hits, s, n->str, n->len, n->line, n->col + !n->plain) < 0)
		P->oom = 1;
	for (size_t i = 0; i < hits.n && !one_line; i++) {
		hits.items[i].line = n->line; /* folded or block text: the value's place */
		hits.items[i].col = n->col;
	}
	report_hits(P, ppl, &hits);
}

/* 2. no real identifier in the report. */
static void item_identifiers(pub *P)
{
	if (report_unreadable(P, "publication/identifier", "it was not checked for identifiers"))
		return;
	cf_idscan *sc[2]; /* the scan, and the same without pseudonyms (to test them) */
	people ppl = {NULL, 0, 0};
	pseudos ps = {NULL, 0, 0};
	int subject = -1;
	if (cf_idscan_new(&sc[0], P->c->arena) < 0 || cf_idscan_new(&sc[1], P->c->arena) < 0) {
		P->oom = 1;
		return;
	}
	const cf_node *files = cf_node_get(P->params, "identifier_files");
	for (size_t i = 0; files && files->kind == CF_NODE_SEQ && i < files->n; i++) {
		const char *name = cf_node_str(files->items[i]);
		if (!name)
			continue;
		const cf_case_file *f = cf_case_file_get(P->c, name);
		if (f && f->doc && f->spec) {
			if (add_people(P, sc, &ppl, &ps, f, &subject) < 0)
				P->oom = 1;
			continue;
		}
		/* check: the schema reports a missing or unreadable file */
		if (!P->all)
			continue;
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/%s", P->c->dir, name);
		cf_diag *d = add(P, cf_buf_cstr(&p), 0, 0, "publication/identifier",
				 "%s %s, so report.md was not checked against its identifiers",
				 name, f ? "could not be read" : "is missing");
		cf_diag_hint(P->diags, d,
			     "the report cannot be known to be anonymised until it is "
			     "checked against every identifier of the case");
		cf_buf_free(&p);
	}
	/* the pseudonyms of the case: a name part equal to one of their words is not sought
	 * alone ("Child" in "Child K"), unless the pseudonym holds a real identifier */
	const char *cp = cf_node_str(cf_node_path(P->root, "child.pseudonym"));
	if (cp && push_pseudo(&ps, cp, subject) < 0)
		P->oom = 1;
	for (size_t i = 0; i < ps.n; i++) {
		const pseudo *x = &ps.items[i];
		if (!tainted(P, sc[1], x)) {
			if (cf_idscan_add_pseudonym(sc[0], x->text) < 0)
				P->oom = 1;
		} else if (x->owner >= 0) {
			/* never shown: not in a label, not in a hint */
			person *p = &ppl.items[x->owner];
			p->tainted = 1;
			p->alt = NULL;
			p->label = cf_privacy_label(P->c->arena, p->item, p->index, p->list,
						    cf_node_str(cf_node_get(p->item, "role")));
			if (!p->label)
				p->label = p->list;
		}
	}
	free(ps.items);

	cf_idhits hits = CF_IDHITS_INIT;
	scan_front_matter(P, sc[0], &ppl, P->fm);
	if (cf_idscan_run(&hits, sc[0], P->body, P->body_len, P->body_line) < 0)
		P->oom = 1;
	report_hits(P, &ppl, &hits);
}

/* 3. the report names its reviewer. */
static void item_reviewer(pub *P, cf_publication_item *it)
{
	if (!P->publish) {
		it->note = "does not apply: the report is not published (publish: false)";
		return;
	}
	if (is_true(cf_node_get(P->root, "anonymous_publication"))) {
		it->note = "published anonymously (anonymous_publication: true)";
		return;
	}
	const char *name = cf_node_str(cf_node_path(P->root, "reviewer.name"));
	if (!name) {
		const cf_node *at = map_at(P->root, "reviewer");
		cf_diag *d = missing(P, "publication/reviewer", P->case_path, at ? at : P->root,
				     "case.yaml", NULL, "reviewer.name", P->root, NULL);
		if (d)
			cf_diag_hint(P->diags, d,
				     "published reports name the reviewer (001 §10.5.2)");
		return;
	}
	if (report_unreadable(P, "publication/reviewer", "it was not checked for the reviewer"))
		return;
	cf_idscan *s;
	if (cf_idscan_new(&s, P->c->arena) < 0 ||
	    cf_idscan_add_phrase(s, 0, 0, CF_ID_NAME, name) < 0) {
		P->oom = 1;
		return;
	}
	cf_idhits hits = CF_IDHITS_INIT;
	const cf_node *list = cf_node_get(P->fm, "reviewers");
	if (list && list->kind == CF_NODE_SEQ) {
		for (size_t i = 0; i < list->n && hits.n == 0; i++) {
			const char *v = cf_node_str(list->items[i]);
			if (v && cf_idscan_run(&hits, s, v, strlen(v), 1) < 0)
				P->oom = 1;
		}
	}
	if (hits.n == 0 && cf_idscan_run(&hits, s, P->body, P->body_len, P->body_line) < 0)
		P->oom = 1;
	if (hits.n == 0) {
		const cf_node *at = list ? list : P->fm;
		cf_diag *d =
		    add(P, rpath(P), at ? at->line : 1, at ? at->col : 1, "publication/reviewer",
			"the report does not name its reviewer, %s ('reviewer.name')", name);
		cf_diag_hint(
		    P->diags, d,
		    "add them to 'reviewers:' in the front matter, or set "
		    "'anonymous_publication: true' in case.yaml if the report is published "
		    "anonymously (001 §10.5.2)");
	}
	cf_idhits_free(&hits);
}

/* Does the schema's `order:` already check this pair of case.yaml dates (dates/order)? */
static int order_checks(const pub *P, const char *earlier, const char *later)
{
	const cf_schema *s = P->c->schema;
	for (size_t i = 0; i < s->n_order; i++) {
		const cf_order_pair *o = &s->order[i];
		if (!o->earlier.file && !o->later.file && strcmp(o->earlier.path, earlier) == 0 &&
		    strcmp(o->later.path, later) == 0)
			return 1;
	}
	return 0;
}

/* 4. the approvals in order. */
static void item_approvals(pub *P)
{
	static const char *const chain[] = {"dates.final_draft", "dates.crg_endorsed",
					    "dates.scp_approved", "dates.publication_planned"};
	cf_date prev = CF_DATE_NONE;
	const char *prev_path = NULL;
	for (size_t i = 0; i < 4; i++) {
		cf_date d;
		const cf_node *n;
		int r = case_date(P, chain[i], &d, &n);
		if (r == 0) {
			cf_diag *x = missing(P, "publication/approvals", P->case_path,
					     parent_of(P, chain[i]), "case.yaml", NULL, chain[i],
					     P->root, NULL);
			if (x)
				cf_diag_hint(
				    P->diags, x,
				    "the final draft is endorsed by the Case Review Group, "
				    "then approved by the partnership, then published (001 "
				    "§9.1.5, §10.2.1)");
			continue;
		}
		if (r < 0)
			continue; /* not a date: the schema's to report */
		if (prev != CF_DATE_NONE && d < prev &&
		    (P->all || !order_checks(P, prev_path, chain[i]))) {
			char a[11], b[11];
			cf_date_format(a, d);
			cf_date_format(b, prev);
			cf_diag *x = add(P, P->case_path, n->line, n->col, "publication/approvals",
					 "'%s' is %s, before '%s' (%s)", chain[i], a, prev_path, b);
			cf_diag_hint(
			    P->diags, x,
			    "the final draft is endorsed by the Case Review Group, then "
			    "approved by the partnership, then published; correct the date "
			    "that is wrong (001 §9.1.5, §10.2.1)");
		}
		prev = d;
		prev_path = chain[i];
	}
}

/* 5. the National Panel, Ofsted and DfE have the report N working days before publication. */
static void item_panel_notice(pub *P, cf_publication_item *it)
{
	long long days;
	if (cf_node_int(cf_node_get(P->params, "panel_notice_working_days"), &days) < 0 ||
	    days < 0 || days > 365) {
		it->note = "not configured (the schema has no rules.publication."
			   "panel_notice_working_days)";
		return;
	}
	int need = (int)days;
	snprintf(it->title, sizeof(it->title),
		 "sent to the National Panel, Ofsted and DfE at least %d working day%s before "
		 "publication",
		 need, need == 1 ? "" : "s");
	cf_date sent, planned;
	const cf_node *ns, *np;
	int rs = case_date(P, "dates.sent_to_panel", &sent, &ns);
	int rp = case_date(P, "dates.publication_planned", &planned, &np);
	const char *hint = "the partnership sends the full report to the National Panel, Ofsted "
			   "and DfE no later than %d working days before publication (001 "
			   "§10.5.1)";
	if (rs == 0) {
		cf_diag *d = missing(P, "publication/panel-notice", P->case_path,
				     parent_of(P, "dates.sent_to_panel"), "case.yaml", NULL,
				     "dates.sent_to_panel", P->root, NULL);
		if (d)
			cf_diag_hint(P->diags, d, hint, need);
	}
	if (rp == 0) {
		cf_diag *d = missing(P, "publication/panel-notice", P->case_path,
				     parent_of(P, "dates.publication_planned"), "case.yaml", NULL,
				     "dates.publication_planned", P->root, NULL);
		if (d)
			cf_diag_hint(P->diags, d, hint, need);
	}
	if (rs <= 0 || rp <= 0)
		return;
	cf_calendar *own = NULL;
	const cf_calendar *cal = P->cal;
	if (!cal) {
		if (cf_calendar_new(&own) < 0) {
			P->oom = 1;
			return;
		}
		cal = own;
	}
	int between = cf_calendar_working_days_between(cal, sent, planned);
	if (between < need) {
		char a[11], b[11], c[11];
		cf_date_format(a, sent);
		cf_date_format(b, planned);
		cf_date latest = cf_calendar_add_working_days(cal, planned, -need);
		while (cf_calendar_working_days_between(cal, latest, planned) < need)
			latest--;
		cf_date_format(c, latest);
		cf_diag *d;
		if (between >= 0)
			d = add(P, P->case_path, ns->line, ns->col, "publication/panel-notice",
				"'dates.sent_to_panel' is %s, %d working day%s before "
				"'dates.publication_planned' (%s); at least %d are needed",
				a, between, between == 1 ? "" : "s", b, need);
		else
			d = add(
			    P, P->case_path, ns->line, ns->col, "publication/panel-notice",
			    "'dates.sent_to_panel' is %s, after 'dates.publication_planned' (%s); "
			    "it must be at least %d working days before",
			    a, b, need);
		cf_diag_hint(P->diags, d,
			     "send the report by %s, or move the publication date (001 §10.5.1: "
			     "no later than %d working days before publication)",
			     c, need);
	}
	cf_calendar_free(own);
}

static void item_label_path(cf_buf *b, const cf_node *item, size_t index)
{
	static const char *const keys[] = {"ref", "id", "pseudonym"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = cf_node_str(cf_node_get(item, keys[i]));
		if (v && !strchr(v, '\n') && strlen(v) < 40) {
			cf_buf_printf(b, "members[%s]", v);
			return;
		}
	}
	cf_buf_printf(b, "members[%zu]", index + 1);
}

/* 6. the family before publication. */
static void item_family(pub *P)
{
	const cf_case_file *f = P->family;
	if (!f || !f->doc || !f->doc->root) {
		if (P->all) {
			cf_buf p = CF_BUF_INIT;
			cf_buf_printf(&p, "%s/family.yaml", P->c->dir);
			cf_diag *d = add(P, cf_buf_cstr(&p), 0, 0, "publication/family",
					 "family.yaml %s", f ? "could not be read" : "is missing");
			cf_diag_hint(P->diags, d,
				     "the family's wishes about publication are "
				     "recorded there (001 §10.3.2)");
			cf_buf_free(&p);
		}
	} else {
		const cf_node *members = cf_node_get(f->doc->root, "members");
		for (size_t i = 0; members && members->kind == CF_NODE_SEQ && i < members->n; i++) {
			const cf_node *m = members->items[i];
			if (m->kind != CF_NODE_MAP)
				continue;
			cf_buf label = CF_BUF_INIT;
			item_label_path(&label, m, i);
			const char *l = cf_buf_cstr(&label);
			const char *inv = cf_node_str(cf_node_get(m, "involvement"));
			cf_diag *d;
			if (cf_node_is_empty(cf_node_get(m, "publication_wishes_considered")) &&
			    (d = missing(P, "publication/family", f->path, m, "family.yaml",
					 "members", "publication_wishes_considered", m, l)))
				cf_diag_hint(
				    P->diags, d,
				    "record the date the member's wishes about publication "
				    "were considered (001 §10.3.2)");
			if (inv && strcmp(inv, "participating") == 0 &&
			    cf_node_is_empty(cf_node_get(m, "report_shared")) &&
			    (d = missing(P, "publication/family", f->path, m, "family.yaml",
					 "members", "report_shared", m, l)))
				cf_diag_hint(
				    P->diags, d,
				    "a member who takes part sees the report before it is "
				    "finished, to feed back; record the date (000 §1.7; 004)");
			/* check hears a missing reason from consent/reason, at every stage */
			if (P->all && inv && strcmp(inv, "participating") != 0 &&
			    cf_node_is_empty(cf_node_get(m, "non_involvement_reason")) &&
			    (d = missing(P, "publication/family", f->path, m, "family.yaml",
					 "members", "non_involvement_reason", m, l)))
				cf_diag_hint(
				    P->diags, d,
				    "the reasons a member is not involved are documented, and "
				    "reported in the final report (001 §7.4.2; 000 §1.7)");
			cf_buf_free(&label);
		}
	}
	if (!P->publish || !P->family_section || !P->body)
		return;
	const heading *h = find_section(P, P->family_section);
	if (!h) {
		cf_diag *d = add(P, rpath(P), 0, 0, "publication/family",
				 "the report has no section '%s'", P->family_section);
		cf_diag_hint(P->diags, d,
			     "add a heading '## %s': who took part, and the reasons any member "
			     "did not (001 §7.4.2)",
			     P->family_section);
	} else if (!h->has_text) {
		cf_diag *d = add(P, rpath(P), h->line, h->col, "publication/family",
				 "the section '%s' is empty", P->family_section);
		cf_diag_hint(P->diags, d,
			     "say who took part, and the reasons any member did not (001 §7.4.2)");
	}
}

/* 7. no ongoing criminal investigation without clearance. */
static void item_criminal(pub *P)
{
	const cf_node *pi = cf_node_get(P->root, "parallel_investigations");
	for (size_t i = 0; pi && pi->kind == CF_NODE_SEQ && i < pi->n; i++) {
		const cf_node *x = pi->items[i];
		const char *kind = cf_node_str(cf_node_get(x, "kind"));
		const char *status = cf_node_str(cf_node_get(x, "status"));
		if (x->kind != CF_NODE_MAP || !kind || strcmp(kind, "criminal") != 0 || !status ||
		    strcmp(status, "ongoing") != 0 ||
		    is_true(cf_node_get(x, "publication_cleared")))
			continue;
		cf_diag *d = add(P, P->case_path, x->line, x->col, "publication/criminal",
				 "'parallel_investigations[%zu]': a criminal investigation is "
				 "ongoing and has not cleared the report for publication",
				 i + 1);
		cf_diag_hint(P->diags, d,
			     "agree publication with the senior investigating officer and record "
			     "'publication_cleared: true', or wait until it has concluded (000 "
			     "§1.3; 001 §5.6)");
	}
}

/* 8. the practitioners' debrief before publication; a media contact. */
static void item_debrief_media(pub *P)
{
	cf_date deb, planned;
	const cf_node *nd, *np;
	int rd = case_date(P, "dates.practitioner_debrief", &deb, &nd);
	int rp = case_date(P, "dates.publication_planned", &planned, &np);
	const char *hint = "practitioners hear the findings a few days before publication (002)";
	cf_diag *d;
	if (rd == 0 && (d = missing(P, "publication/debrief", P->case_path,
				    parent_of(P, "dates.practitioner_debrief"), "case.yaml", NULL,
				    "dates.practitioner_debrief", P->root, NULL)))
		cf_diag_hint(P->diags, d, "%s", hint);
	if (rp == 0 && (d = missing(P, "publication/debrief", P->case_path,
				    parent_of(P, "dates.publication_planned"), "case.yaml", NULL,
				    "dates.publication_planned", P->root, NULL)))
		cf_diag_hint(P->diags, d, "%s", hint);
	if (rd > 0 && rp > 0 && deb >= planned) {
		char a[11], b[11];
		cf_date_format(a, deb);
		cf_date_format(b, planned);
		d = add(
		    P, P->case_path, nd->line, nd->col, "publication/debrief",
		    "'dates.practitioner_debrief' is %s, not before 'dates.publication_planned' "
		    "(%s)",
		    a, b);
		cf_diag_hint(P->diags, d, "%s", hint);
	}
	const cf_node *mc = cf_node_get(P->root, "media_contact");
	if (cf_node_is_empty(mc) &&
	    (d = missing(P, "publication/media", P->case_path, P->root, "case.yaml", NULL,
			 "media_contact", P->root, NULL)))
		cf_diag_hint(P->diags, d,
			     "name the central point of contact for media enquiries during "
			     "publication (001 §10.4.1)");
}

/* ---- 9. the genogram and drafting marks ------------------------------------------------------ */

typedef struct mark {
	size_t off, len;
	const char *rule;
	const char *what; /* the drafting mark, or NULL for the genogram */
	int named;	  /* the genogram: its file named, not only linked */
} mark;

typedef struct marks {
	mark *items;
	size_t n, cap;
} marks;

static int push_mark(marks *m, size_t off, size_t len, const char *rule, const char *what,
		     int named)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		mark *p = realloc(m->items, ncap * sizeof(*p));
		if (!p)
			return -1;
		m->items = p;
		m->cap = ncap;
	}
	m->items[m->n++] = (mark){off, len, rule, what, named};
	return 0;
}

static int mark_cmp(const void *pa, const void *pb)
{
	const mark *a = pa, *b = pb;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->named != b->named) /* the file named, rather than only linked */
		return a->named ? -1 : 1;
	return strcmp(a->rule, b->rule);
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* Occurrences of needle in the body (case-insensitively when icase), on word boundaries at an
 * end that is a word character. */
static int find_all(pub *P, marks *m, const char *needle, int icase, const char *rule,
		    const char *what, int named)
{
	size_t n = strlen(needle);
	if (n == 0 || n > P->body_len)
		return 0;
	const unsigned char *b = (const unsigned char *)P->body;
	int wb_start = ascii_word((unsigned char)needle[0]);
	int wb_end = ascii_word((unsigned char)needle[n - 1]);
	unsigned char first = (unsigned char)needle[0];
	if (icase)
		first = ascii_lower(first);
	for (size_t i = 0; i + n <= P->body_len;) {
		/* the first byte decides most positions: compare the rest only when it matches */
		unsigned char c = icase ? ascii_lower(b[i]) : b[i];
		int same = c == first && (icase ? strncasecmp((const char *)b + i, needle, n) == 0
						: memcmp(b + i, needle, n) == 0);
		if (same && (!wb_start || i == 0 || !ascii_word(b[i - 1])) &&
		    (!wb_end || i + n == P->body_len || !ascii_word(b[i + n]))) {
			if (push_mark(m, i, n, rule, what, named) < 0)
				return -1;
			i += n;
		} else {
			i++;
		}
	}
	return 0;
}

/* Link targets whose file name holds "genogram": Markdown links and images "](target)",
 * reference definitions "]: target", HTML src= and href=, autolinks <target>. */
static int find_genogram_links(pub *P, marks *m)
{
	const char *b = P->body;
	size_t n = P->body_len;
	for (size_t i = 0; i + 8 <= n; i++) {
		if ((b[i] != 'g' && b[i] != 'G') || strncasecmp(b + i, "genogram", 8) != 0)
			continue;
		size_t s = i; /* the start of the target: no space, quote or bracket in it */
		while (s > 0 && !strchr(" \t\r\n()<>\"'[]", b[s - 1]))
			s--;
		size_t e = i + 8;
		while (e < n && !strchr(" \t\r\n()<>\"'[]", b[e]))
			e++;
		/* the file name is the last path segment: "genogram" must be in it */
		const char *slash = NULL;
		for (size_t k = s; k < e; k++)
			if (b[k] == '/')
				slash = b + k;
		if (slash && slash > b + i)
			continue;
		int link = 0;
		if (s >= 2 && b[s - 1] == '(' && b[s - 2] == ']')
			link = 1;
		else if (s >= 3 && b[s - 1] == '<' && b[s - 2] == '(' && b[s - 3] == ']')
			link = 1;
		else if (s >= 1 && b[s - 1] == '<')
			link = 1;
		else if (s >= 1 && (b[s - 1] == '"' || b[s - 1] == '\'') && s >= 2 &&
			 b[s - 2] == '=') {
			size_t k = s - 2;
			link = (k >= 3 && strncasecmp(b + k - 3, "src", 3) == 0) ||
			       (k >= 4 && strncasecmp(b + k - 4, "href", 4) == 0);
		} else {
			size_t k = s;
			while (k > 0 && (b[k - 1] == ' ' || b[k - 1] == '\t'))
				k--;
			link = k >= 2 && k < s && b[k - 1] == ':' && b[k - 2] == ']';
		}
		if (link && push_mark(m, s, e - s, "publication/genogram", NULL, 0) < 0)
			return -1;
		i = e;
	}
	return 0;
}

static void item_genogram_drafting(pub *P)
{
	if (report_unreadable(P, "publication/drafting",
			      "it was not checked for the genogram and drafting marks"))
		return;
	marks m = {NULL, 0, 0};
	int rc = 0;
	const char *g = P->family && P->family->doc
			    ? cf_node_str(cf_node_get(P->family->doc->root, "genogram"))
			    : NULL;
	if (g && strlen(g) >= 3) {
		rc |= find_all(P, &m, g, 1, "publication/genogram", NULL, 1);
		const char *base = strrchr(g, '/');
		if (base && strlen(base + 1) >= 3)
			rc |= find_all(P, &m, base + 1, 1, "publication/genogram", NULL, 1);
	}
	rc |= find_genogram_links(P, &m);
	const cf_node *dm = cf_node_get(P->params, "drafting_marks");
	for (size_t i = 0; dm && dm->kind == CF_NODE_SEQ && i < dm->n; i++) {
		const char *s = cf_node_str(dm->items[i]);
		if (s)
			rc |= find_all(P, &m, s, 0, "publication/drafting", s, 0);
	}
	if (rc)
		P->oom = 1;
	if (m.n > 1)
		qsort(m.items, m.n, sizeof(*m.items), mark_cmp);
	locator L = {P->body, 0, P->body_line, 1, P->body_line};
	size_t covered = 0; /* the genogram: one report per place (path, file name, link) */
	for (size_t i = 0; i < m.n; i++) {
		const mark *x = &m.items[i];
		unsigned line, col;
		locate(&L, x->off, &line, &col);
		if (!x->what) {
			if (x->off < covered)
				continue;
			covered = x->off + x->len;
			cf_diag *d = add(P, rpath(P), line, col, "publication/genogram", "%s",
					 x->named ? "the report names the genogram's file "
						    "(family.yaml 'genogram')"
						  : "the report links or includes a genogram");
			cf_diag_hint(P->diags, d,
				     "remove it: the genogram is shared with agencies but never "
				     "included in the published report (001 §7.2.1)");
		} else {
			cf_diag *d = add(P, rpath(P), line, col, "publication/drafting",
					 "drafting mark '%s' left in the report", x->what);
			cf_diag_hint(P->diags, d,
				     "resolve the note and delete the mark before the report is "
				     "published (001 §9.1.4-9.1.5)");
		}
	}
	free(m.items);
}

/* ---- running them --------------------------------------------------------------------------- */

static const cf_node *params_of(const cf_schema *s)
{
	const cf_node *rules = cf_node_get(s->root, "rules");
	const cf_node *p = cf_node_get(rules, "publication");
	return p && p->kind == CF_NODE_MAP ? p : NULL;
}

static int pub_open(pub *P, const cf_case *c, const cf_calendar *cal, cf_diags *diags, int all)
{
	memset(P, 0, sizeof(*P));
	P->c = c;
	P->cal = cal;
	P->diags = diags;
	P->all = all;
	P->params = params_of(c->schema);
	P->root = c->root;
	const cf_case_file *cf = cf_case_file_get(c, "case.yaml");
	P->case_path = cf ? cf->path : "case.yaml";
	P->report = cf_case_file_get(c, "report.md");
	if (P->report && P->report->doc) {
		P->fm = P->report->doc->root;
		P->body = P->report->doc->body;
		P->body_len = P->report->doc->body_len;
		P->body_line = P->report->doc->body_line;
		if (!P->body) {
			P->body = "";
			P->body_line = 1;
		}
	}
	if (P->report)
		cf_buf_puts(&P->rpath, P->report->path);
	else
		cf_buf_printf(&P->rpath, "%s/report.md", c->dir);
	P->family = cf_case_file_get(c, "family.yaml");
	P->publish = !is_false(cf_node_get(P->root, "publish"));
	P->family_section = cf_node_str(cf_node_get(P->params, "family_section"));
	if (P->body && parse_headings(P) < 0)
		return -1;
	return cf_buf_oom(&P->rpath) ? -1 : 0;
}

static void pub_close(pub *P)
{
	free(P->heads);
	cf_buf_free(&P->rpath);
}

static const char *const titles[CF_PUBLICATION_ITEMS] = {
    "report.md is final, with every required section",
    "no real identifier of a family member or practitioner in report.md",
    "the report names its reviewer",
    "approved in order: final draft, CRG endorsement, SCP approval, publication",
    "sent to the National Panel, Ofsted and DfE in time before publication",
    "the family: wishes about publication considered, report shared, non-involvement explained",
    "no ongoing criminal investigation without clearance to publish",
    "practitioners debriefed before publication; a media contact named",
    "neither the genogram nor drafting marks in the report",
};

static void run_item(pub *P, int i, cf_publication_item *it)
{
	switch (i) {
	case 0:
		item_report(P);
		break;
	case 1:
		item_identifiers(P);
		break;
	case 2:
		item_reviewer(P, it);
		break;
	case 3:
		item_approvals(P);
		break;
	case 4:
		item_panel_notice(P, it);
		break;
	case 5:
		item_family(P);
		break;
	case 6:
		item_criminal(P);
		break;
	case 7:
		item_debrief_media(P);
		break;
	default:
		item_genogram_drafting(P);
		break;
	}
}

static int run_all(cf_publication_item *items, const cf_case *c, const cf_calendar *cal,
		   cf_diags *diags, int all)
{
	pub P;
	if (pub_open(&P, c, cal, diags, all) < 0) {
		pub_close(&P);
		return -1;
	}
	for (int i = 0; i < CF_PUBLICATION_ITEMS; i++) {
		cf_publication_item *it = &items[i];
		memset(it, 0, sizeof(*it));
		snprintf(it->title, sizeof(it->title), "%s", titles[i]);
		if (i == 0 && !P.publish)
			snprintf(it->title, sizeof(it->title),
				 "report.md is final; the improvements are recorded (the report "
				 "is not published)");
		it->first = diags->len;
		run_item(&P, i, it);
		it->count = diags->len - it->first;
		it->ok = it->count == 0;
	}
	int oom = P.oom || diags->oom;
	pub_close(&P);
	return oom ? -1 : 0;
}

void cf_rule_publication(const cf_case *c, const cf_calendar *cal, cf_diags *diags)
{
	if (!c->schema || !c->root || c->locked)
		return;
	const cf_node *params = params_of(c->schema);
	const char *from = cf_node_str(cf_node_get(params, "from_stage"));
	int stage = from ? cf_schema_stage_index(c->schema, from) : -1;
	if (stage < 0 || !cf_schema_reached(c->schema, c->root, c->stage, stage))
		return;
	cf_publication_item items[CF_PUBLICATION_ITEMS];
	if (run_all(items, c, cal, diags, 0) < 0)
		diags->oom = 1;
}

int cf_publication_skipped(const cf_case *c, cf_buf *why)
{
	if (!c->schema || !c->root || c->schema->n_stages == 0)
		return 0;
	const char *from = cf_node_str(cf_node_get(params_of(c->schema), "from_stage"));
	int stage = from ? cf_schema_stage_index(c->schema, from) : -1;
	int last = (int)c->schema->n_stages - 1;
	if (stage < 0 || cf_schema_reached(c->schema, c->root, last, stage))
		return 0;
	for (size_t i = 0; i < c->schema->n_skips; i++) {
		const cf_skip *k = &c->schema->skips[i];
		int in = 0;
		for (size_t j = 0; j < k->n_stages; j++)
			in |= k->stages[j] == stage;
		if (in && cf_conds_hold(&k->when, c->root, c->root)) {
			cf_conds_describe(why, &k->when);
			break;
		}
	}
	return 1;
}

int cf_publication_checklist(cf_publication_item items[CF_PUBLICATION_ITEMS], const cf_case *c,
			     const cf_calendar *cal, cf_diags *diags)
{
	if (!c->schema || !c->root || c->locked)
		return -1;
	if (!params_of(c->schema)) {
		cf_diags_add(diags, CF_SEV_ERROR, c->schema->file, 0, 0, "schema/invalid",
			     "the schema has no 'rules: publication:' section, so publication "
			     "readiness is not defined");
		return -1;
	}
	return run_all(items, c, cal, diags, 1);
}
