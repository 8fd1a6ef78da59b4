#include "deadline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caseload.h"

const cf_rule_info cf_deadline_rules[] = {
    {"deadline/*", "a statutory or local deadline overdue or met late (warning)",
     "Every deadline the case type's schema declares under `deadlines:` (for cspr: the "
     "notification to the National Panel, information requests, the rapid review meeting and "
     "its submission, the Case Review Group's decision on a referral, the six months of an "
     "LCSPR, the copy to the Panel before publication, the practitioners' debrief, each "
     "action of the plan, each deferred family member's revisit). A deadline is met, met "
     "late, excused, open, due soon or overdue; overdue and met late are warnings named "
     "deadline/<id>. `casefile explain deadline/<id>` gives one deadline's rule and source.",
     "These are facts the business office reports to the Case Review Group and, for some, "
     "to the National Panel; they are warnings, not errors, because a late date is a fact to "
     "record truthfully, not a typo to fix, and must never block recording it.",
     "Record the date the step was done (the `met_by` field). If the delay was notified "
     "(for the six months: to the National Panel and the Secretary of State), record that "
     "date (`excused_by`). Working days exclude weekends and England & Wales bank holidays; "
     "`casefile workdays` shows the arithmetic.",
     "DESIGN.md §4; each deadline's source in schemas/cspr.yaml"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- parsing ------------------------------------------------------------------------------ */

typedef struct parser {
	cf_schema *s;
	cf_diags *diags;
	int failed;
} parser;

static void bad(parser *P, const cf_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(parser *P, const cf_node *at, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cf_diags_add(P->diags, CF_SEV_ERROR, P->s->file, at ? at->line : 0, at ? at->col : 0,
		     "schema/invalid", "%s", cf_buf_cstr(&msg));
	cf_buf_free(&msg);
	P->failed = 1;
}

/* "15 working days", "1 month", "10 days", "between 7 and 13 working days". */
static int parse_span(cf_deadline_spec *d, const char *s)
{
	char unit[32] = "";
	int a, b, used = 0;
	if (sscanf(s, "between %d and %d %31[a-z ]%n", &a, &b, unit, &used) == 3 &&
	    s[used] == '\0') {
		if (a < 0 || b < a || strcmp(unit, "working days") != 0)
			return -1;
		d->n_min = a;
		d->n = b;
		d->unit = CF_SPAN_WORKING_DAYS;
		return 0;
	}
	if (sscanf(s, "%d %31[a-z ]%n", &a, unit, &used) != 2 || s[used] != '\0' || a < 0 ||
	    a > 10000)
		return -1;
	d->n = a;
	d->n_min = -1;
	if (strcmp(unit, "working days") == 0 || strcmp(unit, "working day") == 0)
		d->unit = CF_SPAN_WORKING_DAYS;
	else if (strcmp(unit, "months") == 0 || strcmp(unit, "month") == 0)
		d->unit = CF_SPAN_MONTHS;
	else if (strcmp(unit, "days") == 0 || strcmp(unit, "day") == 0)
		d->unit = CF_SPAN_DAYS;
	else
		return -1;
	return 0;
}

/* A date reference: "dates.x" in case.yaml, or "FILE:path".  In a list deadline the
 * references name fields of the item (no file). */
static void parse_ref(parser *P, const cf_node *n, cf_order_ref *r, const cf_field *scope,
		      int in_item)
{
	const char *s = cf_node_str(n);
	if (!s || n->kind != CF_NODE_SCALAR) {
		bad(P, n, "a date field's path is expected here");
		return;
	}
	const char *colon = in_item ? NULL : strchr(s, ':');
	if (colon) {
		r->file = cf_arena_strndup(P->s->arena, s, (size_t)(colon - s));
		r->path = colon + 1;
	} else {
		r->path = s;
	}
	const cf_docspec *doc = NULL;
	if (!in_item) {
		const char *file = r->file ? r->file : "case.yaml";
		for (size_t i = 0; i < P->s->n_docs && !doc; i++)
			if (strcmp(P->s->docs[i].pattern, file) == 0)
				doc = &P->s->docs[i];
		scope = doc ? &doc->root : NULL;
	}
	const cf_field *f = scope ? cf_field_find(scope, r->path) : NULL;
	if (!f || f->type != CF_TYPE_DATE)
		bad(P, n, "'%s' is not a date field of the schema", s);
}

/* The spec of the items a list path leads to ("recommendations[].actions[]"). */
static const cf_field *each_items(const cf_field *root, const char *path)
{
	const cf_field *f = root;
	char seg[64];
	while (f && *path) {
		size_t len = strcspn(path, ".");
		if (len < 3 || len >= sizeof(seg) || strncmp(path + len - 2, "[]", 2) != 0)
			return NULL;
		memcpy(seg, path, len - 2);
		seg[len - 2] = '\0';
		f = cf_field_find(f, seg);
		if (!f || f->type != CF_TYPE_LIST || !f->items || f->items->type != CF_TYPE_MAP)
			return NULL;
		f = f->items;
		path += len + (path[len] == '.');
	}
	return f;
}

static void parse_one(parser *P, const cf_node *n, cf_deadline_spec *d)
{
	static const char *const keys[] = {"id",     "title",  "source", "from",
					   "before", "within", "met_by", "excused_by",
					   "when",   "each",   "due",	 "description"};
	if (n->kind != CF_NODE_MAP) {
		bad(P, n, "a deadline is a mapping (id, title, from, within, met_by ...)");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		int known = 0;
		for (size_t j = 0; j < sizeof(keys) / sizeof(*keys) && !known; j++)
			known = strcmp(n->pairs[i].key->str, keys[j]) == 0;
		if (!known)
			bad(P, n->pairs[i].key, "unknown key '%s' in a deadline",
			    n->pairs[i].key->str);
	}
	d->line = n->line;
	d->col = n->col;
	d->id = cf_node_str(cf_node_get(n, "id"));
	d->title = cf_node_str(cf_node_get(n, "title"));
	d->source = cf_node_str(cf_node_get(n, "source"));
	if (!d->id || !d->title) {
		bad(P, n, "a deadline needs an 'id' and a 'title'");
		return;
	}
	const cf_node *each = cf_node_get(n, "each");
	const cf_field *scope = NULL;
	if (each) {
		const char *s = cf_node_str(each);
		const char *colon = s ? strchr(s, ':') : NULL;
		if (!colon) {
			bad(P, each,
			    "'each' is FILE:LIST[] (\"actions.yaml:recommendations[].actions[]\")");
			return;
		}
		d->each_file = cf_arena_strndup(P->s->arena, s, (size_t)(colon - s));
		d->each_path = colon + 1;
		const cf_docspec *doc = NULL;
		for (size_t i = 0; i < P->s->n_docs && !doc; i++)
			if (strcmp(P->s->docs[i].pattern, d->each_file) == 0)
				doc = &P->s->docs[i];
		scope = doc ? each_items(&doc->root, d->each_path) : NULL;
		if (!scope) {
			bad(P, each, "'%s' is not a list of mappings in the schema", s);
			return;
		}
		const cf_node *due = cf_node_get(n, "due");
		if (!due) {
			bad(P, n, "a deadline over list items names the items' 'due' date");
			return;
		}
		cf_order_ref r = {NULL, NULL};
		parse_ref(P, due, &r, scope, 1);
		d->due_field = r.path;
	} else {
		const cf_node *from = cf_node_get(n, "from");
		const cf_node *before = cf_node_get(n, "before");
		const cf_node *within = cf_node_get(n, "within");
		if (!!from == !!before) {
			bad(P, n, "deadline '%s' needs one of 'from' or 'before'", d->id);
			return;
		}
		d->before = before != NULL;
		parse_ref(P, from ? from : before, &d->anchor, NULL, 0);
		const char *w = cf_node_str(within);
		if (!w || parse_span(d, w) < 0) {
			bad(P, within ? within : n,
			    "deadline '%s' needs 'within: N working days', 'N months', 'N days' or "
			    "'between A and B working days'",
			    d->id);
			return;
		}
		if (d->before && d->n_min >= 0)
			bad(P, within, "a window ('between') counts from a date, not before one");
	}
	const cf_node *v;
	if ((v = cf_node_get(n, "met_by")))
		parse_ref(P, v, &d->met_by, scope, each != NULL);
	if ((v = cf_node_get(n, "excused_by")))
		parse_ref(P, v, &d->excused_by, scope, each != NULL);
	if ((v = cf_node_get(n, "when"))) {
		/* Conditions read from the item for list deadlines, else from case.yaml. */
		const cf_docspec *cs = cf_schema_docspec(P->s, "case.yaml");
		const cf_field *root = each ? scope : (cs ? &cs->root : NULL);
		if (cf_conds_parse(&d->when, P->s, v, root, P->diags) < 0)
			P->failed = 1;
	}
}

int cf_deadlines_parse(cf_deadlines *out, cf_schema *s, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	const cf_node *list = cf_node_get(s->root, "deadlines");
	if (!list)
		return 0;
	parser P = {s, diags, 0};
	if (list->kind != CF_NODE_SEQ) {
		bad(&P, list, "'deadlines' must be a list");
		return -1;
	}
	out->items = cf_arena_alloc(s->arena, (list->n ? list->n : 1) * sizeof(*out->items));
	if (!out->items)
		return -1;
	out->n = list->n;
	for (size_t i = 0; i < list->n; i++) {
		parse_one(&P, list->items[i], &out->items[i]);
		for (size_t j = 0; j < i; j++)
			if (out->items[i].id && out->items[j].id &&
			    strcmp(out->items[i].id, out->items[j].id) == 0)
				bad(&P, list->items[i], "a second deadline with id '%s'",
				    out->items[i].id);
	}
	return P.failed ? -1 : 0;
}

/* ---- evaluating ---------------------------------------------------------------------------- */

typedef struct located {
	cf_date date;
	const cf_node *node;
	const char *file;
} located;

static int read_date(const cf_node *n, cf_date *d)
{
	const char *s = cf_node_str(n);
	return s && n->kind == CF_NODE_SCALAR && cf_date_parse(d, s) == 0 ? 0 : -1;
}

/* The date a reference names in the case: the first file matching it that holds it. */
static int find_ref(located *out, const cf_case *c, const cf_order_ref *r)
{
	if (!r->path)
		return -1;
	const char *pattern = r->file ? r->file : "case.yaml";
	for (size_t i = 0; i < c->n_files; i++) {
		const cf_case_file *f = &c->files[i];
		if (!f->doc || !f->doc->root || !cf_path_match(pattern, f->name))
			continue;
		const cf_node *n = cf_node_path(f->doc->root, r->path);
		if (read_date(n, &out->date) == 0) {
			out->node = n;
			out->file = f->path;
			return 0;
		}
	}
	return -1;
}

static int push(cf_deadline_results *out, const cf_deadline_result *r)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		cf_deadline_result *items = realloc(out->items, cap * sizeof(*items));
		if (!items)
			return -1;
		out->items = items;
		out->cap = cap;
	}
	out->items[out->n++] = *r;
	return 0;
}

static cf_date span_add(const cf_calendar *cal, cf_date d, int n, cf_span_unit unit)
{
	switch (unit) {
	case CF_SPAN_MONTHS:
		return cf_date_add_months(d, n);
	case CF_SPAN_DAYS:
		return d + n;
	default:
		return cf_calendar_add_working_days(cal, d, n);
	}
}

/* Sets state and days from due, the done date (or none) and today. */
static void settle(cf_deadline_result *r, const cf_calendar *cal, cf_date today, int warning_days)
{
	if (r->done != CF_DATE_NONE) {
		if (r->state == CF_DL_EXCUSED)
			return;
		if (r->earliest != CF_DATE_NONE && r->done < r->earliest) {
			/* "between 7 and 13 working days": too early is a fact worth saying too
			 * (001 §4.4.2: the days before are for analysing the agencies' replies). */
			r->state = CF_DL_MET_EARLY;
			r->days = cf_calendar_working_days_between(cal, r->done, r->earliest);
		} else if (r->done <= r->due) {
			r->state = CF_DL_MET;
		} else {
			r->state = CF_DL_MET_LATE;
			r->days = cf_calendar_working_days_between(cal, r->due, r->done);
		}
		return;
	}
	if (today > r->due) {
		r->state = CF_DL_OVERDUE;
		r->days = cf_calendar_working_days_between(cal, r->due, today);
	} else {
		r->days = cf_calendar_working_days_between(cal, today, r->due);
		r->state = r->days <= warning_days ? CF_DL_DUE_SOON : CF_DL_OPEN;
	}
}

static void eval_single(cf_deadline_results *out, const cf_deadline_spec *s, const cf_case *c,
			const cf_calendar *cal, cf_date today, int warning_days, int *oom)
{
	if (!cf_conds_hold(&s->when, c->root, c->root))
		return;
	cf_deadline_result r;
	memset(&r, 0, sizeof(r));
	r.spec = s;
	r.anchor = r.earliest = r.due = r.done = CF_DATE_NONE;
	located a, m;
	if (find_ref(&a, c, &s->anchor) < 0) {
		r.state = CF_DL_PENDING;
		const cf_case_file *cf = cf_case_file_get(c, "case.yaml");
		r.file = cf ? cf->path : c->dir;
		r.line = c->root ? c->root->line : 0;
		r.col = c->root ? c->root->col : 0;
		if (push(out, &r) < 0)
			*oom = 1;
		return;
	}
	r.anchor = a.date;
	r.file = a.file;
	r.line = a.node->line;
	r.col = a.node->col;
	if (s->before && s->unit == CF_SPAN_WORKING_DAYS && s->n > 0) {
		/* "No later than N working days before D": at least N working days must lie
		 * after the step, up to and including D.  The last such day is the one before
		 * the Nth working day counting back from D itself, which is later than the Nth
		 * working day before D when holidays or a weekend follow it. */
		cf_date nth = cf_calendar_add_working_days(cal, a.date + 1, -s->n);
		r.due = nth == CF_DATE_NONE ? CF_DATE_NONE : nth - 1;
	} else {
		r.due = span_add(cal, a.date, s->before ? -s->n : s->n, s->unit);
	}
	if (s->n_min >= 0 && !s->before)
		r.earliest = span_add(cal, a.date, s->n_min, s->unit);
	if (r.due == CF_DATE_NONE) {
		/* Past the calendar's end (year 9999): nothing sensible to say about it. */
		r.state = CF_DL_PENDING;
		if (push(out, &r) < 0)
			*oom = 1;
		return;
	}
	if (find_ref(&m, c, &s->excused_by) == 0) {
		r.state = CF_DL_EXCUSED;
		r.done = m.date;
	} else if (find_ref(&m, c, &s->met_by) == 0) {
		r.done = m.date;
	}
	settle(&r, cal, today, warning_days);
	if (push(out, &r) < 0)
		*oom = 1;
}

static void item_label(char *out, size_t size, const cf_node *item, size_t index)
{
	static const char *const keys[] = {"id", "ref", "pseudonym"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = cf_node_str(cf_node_get(item, keys[i]));
		if (v && strlen(v) < size && !strchr(v, '\n')) {
			snprintf(out, size, "%s", v);
			return;
		}
	}
	snprintf(out, size, "#%zu", index + 1);
}

typedef struct each_ctx {
	cf_deadline_results *out;
	const cf_deadline_spec *s;
	const cf_case *c;
	const cf_case_file *file;
	const cf_calendar *cal;
	cf_date today;
	int warning_days;
	int *oom;
} each_ctx;

static void eval_item(each_ctx *E, const cf_node *item, size_t index)
{
	const cf_deadline_spec *s = E->s;
	if (item->kind != CF_NODE_MAP || !cf_conds_hold(&s->when, item, E->c->root))
		return;
	const cf_node *due = cf_node_path(item, s->due_field);
	cf_deadline_result r;
	memset(&r, 0, sizeof(r));
	r.spec = s;
	r.anchor = r.earliest = r.done = CF_DATE_NONE;
	if (read_date(due, &r.due) < 0)
		return; /* a missing or malformed due date is the schema's to report */
	r.file = E->file->path;
	r.line = due->line;
	r.col = due->col;
	item_label(r.label, sizeof(r.label), item, index);
	cf_date d;
	if (s->excused_by.path && read_date(cf_node_path(item, s->excused_by.path), &d) == 0) {
		r.state = CF_DL_EXCUSED;
		r.done = d;
	} else if (s->met_by.path && read_date(cf_node_path(item, s->met_by.path), &d) == 0) {
		r.done = d;
	}
	settle(&r, E->cal, E->today, E->warning_days);
	if (push(E->out, &r) < 0)
		*E->oom = 1;
}

/* Walks "a[].b[]": every item of list a, then every item of its list b. */
static void walk_each(each_ctx *E, const cf_node *node, const char *path)
{
	size_t len = strcspn(path, ".");
	char key[64];
	if (len < 3 || len - 2 >= sizeof(key))
		return;
	memcpy(key, path, len - 2);
	key[len - 2] = '\0';
	const cf_node *list = cf_node_get(node, key);
	if (!list || list->kind != CF_NODE_SEQ)
		return;
	const char *rest = path[len] == '.' ? path + len + 1 : NULL;
	for (size_t i = 0; i < list->n; i++) {
		if (rest)
			walk_each(E, list->items[i], rest);
		else
			eval_item(E, list->items[i], i);
	}
}

int cf_deadlines_eval(cf_deadline_results *out, const cf_deadlines *dl, const cf_case *c,
		      const cf_calendar *cal, cf_date today, int warning_days)
{
	int oom = 0;
	if (!dl || !c->root)
		return 0;
	for (size_t i = 0; i < dl->n && !oom; i++) {
		const cf_deadline_spec *s = &dl->items[i];
		if (!s->each_file) {
			eval_single(out, s, c, cal, today, warning_days, &oom);
			continue;
		}
		for (size_t f = 0; f < c->n_files; f++) {
			const cf_case_file *file = &c->files[f];
			if (!file->doc || !file->doc->root ||
			    !cf_path_match(s->each_file, file->name))
				continue;
			each_ctx E = {out, s, c, file, cal, today, warning_days, &oom};
			walk_each(&E, file->doc->root, s->each_path);
		}
	}
	return oom ? -1 : 0;
}

static const char *span_unit(const cf_deadline_spec *s)
{
	if (s->unit == CF_SPAN_MONTHS)
		return s->n == 1 ? "month" : "months";
	if (s->unit == CF_SPAN_DAYS)
		return s->n == 1 ? "day" : "days";
	return s->n == 1 ? "working day" : "working days";
}

void cf_deadline_describe(cf_buf *out, const cf_deadline_spec *s)
{
	if (s->each_file) {
		cf_buf_printf(out, "by each item's %s (%s)", s->due_field, s->each_file);
		return;
	}
	const char *unit = span_unit(s);
	if (s->n_min >= 0)
		cf_buf_printf(out, "between %d and %d %s", s->n_min, s->n, unit);
	else
		cf_buf_printf(out, "%d %s", s->n, unit);
	cf_buf_printf(out, " %s %s%s%s", s->before ? "before" : "from",
		      s->anchor.file ? s->anchor.file : "", s->anchor.file ? ":" : "",
		      s->anchor.path);
}

static void hint(cf_diags *diags, cf_diag *d, const cf_deadline_spec *s, int overdue)
{
	cf_buf h = CF_BUF_INIT;
	cf_buf_puts(&h, s->title);
	if (s->source)
		cf_buf_printf(&h, " (%s)", s->source);
	if (overdue && s->met_by.path)
		cf_buf_printf(&h, "; record %s when it is done", s->met_by.path);
	if (overdue && s->excused_by.path)
		cf_buf_printf(&h, ", or %s if the delay was notified", s->excused_by.path);
	cf_diag_hint(diags, d, "%s", cf_buf_cstr(&h));
	cf_buf_free(&h);
}

void cf_deadlines_report(const cf_deadline_results *r, cf_diags *diags)
{
	for (size_t i = 0; i < r->n; i++) {
		const cf_deadline_result *x = &r->items[i];
		if (x->state != CF_DL_OVERDUE && x->state != CF_DL_MET_LATE &&
		    x->state != CF_DL_MET_EARLY)
			continue;
		char due[11], done[11], anchor[11];
		cf_date_format(due, x->due);
		cf_buf what = CF_BUF_INIT, rule = CF_BUF_INIT;
		cf_buf_printf(&rule, "deadline/%s", x->spec->id);
		if (x->label[0])
			cf_buf_printf(&what, "%s due %s", x->label, due);
		else {
			/* DESIGN.md §5: "due 2026-10-01 (6 months from 2026-04-01)"; the line and
			 * column already point at the date it counts from. */
			const cf_deadline_spec *sp = x->spec;
			cf_date_format(anchor, x->anchor);
			cf_buf_printf(&what, "due %s (", due);
			if (sp->n_min >= 0)
				cf_buf_printf(&what, "between %d and ", sp->n_min);
			cf_buf_printf(&what, "%d %s %s %s)", sp->n, span_unit(sp),
				      sp->before ? "before" : "from", anchor);
		}
		/* A due date just before a weekend or holiday can be passed by no working day:
		 * then the message says so plainly rather than "0 working days". */
		cf_buf tail = CF_BUF_INIT;
		char n_days[48] = "";
		if (x->days > 0)
			snprintf(n_days, sizeof(n_days), "%d working day%s", x->days,
				 x->days == 1 ? "" : "s");
		if (x->state != CF_DL_OVERDUE)
			cf_date_format(done, x->done);
		if (x->state == CF_DL_OVERDUE) {
			cf_buf_printf(&tail, "%s%soverdue", n_days, x->days > 0 ? " " : "");
		} else if (x->state == CF_DL_MET_EARLY) {
			char earliest[11];
			cf_date_format(earliest, x->earliest);
			cf_buf_printf(&tail, "done early, on %s, %s before the window opened on %s",
				      done, n_days, earliest);
		} else {
			cf_buf_printf(&tail, "met late, on %s", done);
			if (x->days > 0)
				cf_buf_printf(&tail, ", %s after", n_days);
		}
		cf_diag *d = cf_diags_add(diags, CF_SEV_WARNING, x->file, x->line, x->col,
					  cf_buf_cstr(&rule), "%s: %s", cf_buf_cstr(&what),
					  cf_buf_cstr(&tail));
		cf_buf_free(&tail);
		hint(diags, d, x->spec, x->state == CF_DL_OVERDUE);
		cf_buf_free(&what);
		cf_buf_free(&rule);
	}
}

const char *cf_deadline_state_name(cf_deadline_state st)
{
	static const char *const names[] = {"pending", "met",	   "met-late", "excused",
					    "open",    "due-soon", "overdue",  "met-early"};
	return names[st];
}

const cf_deadline_spec *cf_deadlines_find(const cf_deadlines *dl, const char *rule)
{
	if (strncmp(rule, "deadline/", 9) != 0)
		return NULL;
	for (size_t i = 0; dl && i < dl->n; i++)
		if (strcmp(dl->items[i].id, rule + 9) == 0)
			return &dl->items[i];
	return NULL;
}

void cf_deadline_results_free(cf_deadline_results *r)
{
	free(r->items);
	r->items = NULL;
	r->n = r->cap = 0;
}
