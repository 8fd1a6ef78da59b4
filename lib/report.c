#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

int cf_status_init(cf_status *st, const char *partnership, cf_date as_of)
{
	memset(st, 0, sizeof(*st));
	st->as_of = as_of;
	st->partnership = cf_strdup(partnership ? partnership : "");
	return st->partnership ? 0 : -1;
}

static cf_status_row *new_row(cf_status *st)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 32;
		cf_status_row *rows = realloc(st->rows, cap * sizeof(*rows));
		if (!rows) {
			st->oom = 1;
			return NULL;
		}
		st->rows = rows;
		st->cap = cap;
	}
	cf_status_row *r = &st->rows[st->n++];
	memset(r, 0, sizeof(*r));
	r->opened = r->next_due = CF_DATE_NONE;
	r->open_days = -1;
	r->stage_index = -1;
	r->rag = 'G';
	return r;
}

static char *dup_or_empty(const char *s)
{
	return cf_strdup(s ? s : "");
}

static int row_strings_ok(const cf_status_row *r)
{
	return r->id && r->title && r->route && r->stage;
}

int cf_status_add_locked(cf_status *st, const char *id)
{
	cf_status_row *r = new_row(st);
	if (!r)
		return -1;
	r->locked = 1;
	r->id = cf_strdup(id);
	r->title = dup_or_empty(NULL);
	r->route = dup_or_empty(NULL);
	r->stage = cf_strdup("locked");
	if (!row_strings_ok(r)) {
		st->oom = 1;
		return -1;
	}
	return 0;
}

static void add_mark(cf_status_row *r, cf_date date, const char *label, int is_deadline,
		     cf_deadline_state state)
{
	if (r->n_marks >= CF_STATUS_MAX_MARKS || date == CF_DATE_NONE)
		return;
	cf_status_mark *m = &r->marks[r->n_marks++];
	m->date = date;
	m->is_deadline = is_deadline;
	m->state = state;
	/* "rapid_review_submitted" reads better as "rapid review submitted" */
	size_t i = 0;
	for (; label[i] && i + 1 < sizeof(m->label); i++)
		m->label[i] = label[i] == '_' ? ' ' : label[i];
	/* cut at a character, not inside one */
	while (i > 0 && label[i] && ((unsigned char)label[i] & 0xc0) == 0x80)
		i--;
	m->label[i] = '\0';
}

static int mark_cmp(const void *pa, const void *pb)
{
	const cf_status_mark *a = pa, *b = pb;
	return a->date < b->date ? -1 : a->date > b->date;
}

/* The milestones are the dates the case records under `dates:` (the schema decides which
 * there are); the deadlines are their due dates. */
static void collect_marks(cf_status_row *row, const cf_case *c, const cf_deadline_results *r)
{
	const cf_node *dates = cf_node_get(c->root, "dates");
	for (size_t i = 0; dates && dates->kind == CF_NODE_MAP && i < dates->n; i++) {
		cf_date d;
		const char *s = cf_node_str(dates->pairs[i].val);
		if (s && cf_date_parse(&d, s) == 0)
			add_mark(row, d, dates->pairs[i].key->str, 0, CF_DL_MET);
	}
	for (size_t i = 0; r && i < r->n; i++) {
		const cf_deadline_result *x = &r->items[i];
		if (x->state == CF_DL_PENDING || x->state == CF_DL_EXCUSED)
			continue;
		char label[64];
		if (x->label[0])
			snprintf(label, sizeof(label), "%s %s due", x->spec->id, x->label);
		else
			snprintf(label, sizeof(label), "%s due", x->spec->id);
		add_mark(row, x->due, label, 1, x->state);
	}
	qsort(row->marks, row->n_marks, sizeof(*row->marks), mark_cmp);
}

static int is_action(const cf_deadline_result *x)
{
	return x->spec->each_file && strcmp(x->spec->id, "actions") == 0;
}

void cf_status_row_release(cf_status_row *r)
{
	free(r->id);
	free(r->title);
	free(r->route);
	free(r->stage);
	free(r->next_id);
	free(r->next_title);
	memset(r, 0, sizeof(*r));
}

int cf_status_append(cf_status *st, cf_status_row *row)
{
	cf_status_row *slot = new_row(st);
	if (!slot) {
		cf_status_row_release(row);
		return -1;
	}
	*slot = *row;
	memset(row, 0, sizeof(*row));
	return 0;
}

int cf_status_add(cf_status *st, const cf_case *c, const cf_deadline_results *r,
		  const cf_diags *case_diags, const cf_calendar *cal)
{
	cf_status_row row;
	if (cf_status_row_make(&row, c, r, case_diags, cal, st->as_of) < 0) {
		st->oom = 1;
		return -1;
	}
	return cf_status_append(st, &row);
}

int cf_status_row_make(cf_status_row *row, const cf_case *c, const cf_deadline_results *r,
		       const cf_diags *case_diags, const cf_calendar *cal, cf_date as_of)
{
	memset(row, 0, sizeof(*row));
	row->opened = row->next_due = CF_DATE_NONE;
	row->open_days = -1;
	row->stage_index = -1;
	row->rag = 'G';
	const cf_node *root = c->root;
	row->id = cf_strdup(c->id);
	row->title = dup_or_empty(cf_node_str(cf_node_get(root, "title")));
	row->route = dup_or_empty(cf_node_str(cf_node_get(root, "route")));
	row->stage = dup_or_empty(cf_node_str(cf_node_get(root, "stage")));
	if (!row_strings_ok(row)) {
		cf_status_row_release(row);
		return -1;
	}
	row->stage_index = c->stage;
	row->closed = c->schema && c->stage >= 0 && c->schema->closed[c->stage];
	const char *opened = cf_node_str(cf_node_path(root, "dates.referral_received"));
	/* A closed case stopped counting the day it closed. */
	const char *closed = cf_node_str(cf_node_path(root, "dates.closed"));
	cf_date until = as_of;
	if (closed && cf_date_parse(&until, closed) == 0 && until > as_of)
		until = as_of;
	else if (!closed || cf_date_parse(&until, closed) < 0)
		until = as_of;
	if (opened && cf_date_parse(&row->opened, opened) == 0)
		row->open_days = cf_calendar_working_days_between(cal, row->opened, until);
	else
		row->opened = CF_DATE_NONE;

	const cf_deadline_result *next = NULL;
	for (size_t i = 0; r && i < r->n; i++) {
		const cf_deadline_result *x = &r->items[i];
		if (x->state == CF_DL_OVERDUE) {
			row->overdue++;
			row->rag = 'R';
			if (is_action(x))
				row->overdue_actions++;
		} else if (x->state == CF_DL_DUE_SOON && row->rag != 'R') {
			row->rag = 'A';
		}
		if ((x->state == CF_DL_OVERDUE || x->state == CF_DL_DUE_SOON ||
		     x->state == CF_DL_OPEN) &&
		    (!next || x->due < next->due))
			next = x;
	}
	if (next) {
		row->has_next = 1;
		row->next_id = cf_strdup(next->spec->id);
		cf_buf t = CF_BUF_INIT;
		/* The item first: a cut title must still say which action it is. */
		if (next->label[0])
			cf_buf_printf(&t, "%s: ", next->label);
		cf_buf_puts(&t, next->spec->title);
		row->next_title = cf_buf_detach(&t);
		row->next_due = next->due;
		row->next_days = next->days;
		row->next_state = next->state;
		if (!row->next_id || !row->next_title) {
			cf_status_row_release(row);
			return -1;
		}
	}
	row->errors = cf_diags_count(case_diags, CF_SEV_ERROR);
	row->warnings = cf_diags_count(case_diags, CF_SEV_WARNING);
	collect_marks(row, c, r);
	return 0;
}

/* Overdue first, most overdue first; then the soonest due; cases with nothing due last. */
static long long urgency(const cf_status_row *r)
{
	if (!r->has_next)
		return 1000000;
	if (r->next_state == CF_DL_OVERDUE)
		return -100000 - r->next_days;
	return r->next_days;
}

static int row_cmp(const void *pa, const void *pb)
{
	const cf_status_row *a = pa, *b = pb;
	long long ua = urgency(a), ub = urgency(b);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(a->id, b->id);
}

void cf_status_sort(cf_status *st)
{
	if (st->n > 1)
		qsort(st->rows, st->n, sizeof(*st->rows), row_cmp);
}

int cf_status_format_parse(cf_status_format *out, const char *s, int is_path)
{
	static const struct {
		const char *word;
		cf_status_format fmt;
	} names[] = {{"text", CF_STATUS_TEXT},	 {"txt", CF_STATUS_TEXT},  {"md", CF_STATUS_MD},
		     {"markdown", CF_STATUS_MD}, {"csv", CF_STATUS_CSV},   {"tsv", CF_STATUS_TSV},
		     {"json", CF_STATUS_JSON},	 {"html", CF_STATUS_HTML}, {"htm", CF_STATUS_HTML}};
	if (is_path) {
		const char *dot = strrchr(s, '.');
		const char *slash = strrchr(s, '/');
		if (!dot || (slash && dot < slash))
			return -1;
		s = dot + 1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(s, names[i].word) == 0) {
			*out = names[i].fmt;
			return 0;
		}
	return -1;
}

void cf_status_sum(cf_status_totals *t, const cf_status *st)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < st->n; i++) {
		const cf_status_row *r = &st->rows[i];
		t->cases++;
		if (r->locked) {
			t->locked++;
			continue;
		}
		if (r->rag == 'R')
			t->red++;
		else if (r->rag == 'A')
			t->amber++;
		else
			t->green++;
		t->overdue += r->overdue;
		t->overdue_actions += r->overdue_actions;
		t->errors += r->errors;
		t->warnings += r->warnings;
	}
}

const char *cf_rag_name(char rag)
{
	return rag == 'R' ? "red" : rag == 'A' ? "amber" : "green";
}

/* ---- the forms ------------------------------------------------------------------------- */

static void date_str(char out[11], cf_date d)
{
	if (d == CF_DATE_NONE)
		strcpy(out, "");
	else
		cf_date_format(out, d);
}

/* "12 left", "3 overdue", "" */
static void left_str(char *out, size_t size, const cf_status_row *r)
{
	if (!r->has_next)
		snprintf(out, size, "%s", "");
	else if (r->next_state == CF_DL_OVERDUE)
		snprintf(out, size, "%d overdue", r->next_days);
	else
		snprintf(out, size, "%d left", r->next_days);
}

static size_t width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Appends s padded (or cut, with an ellipsis) to w display columns. */
static void cell(cf_buf *out, const char *s, size_t w, int right)
{
	size_t n = width(s);
	if (n > w) {
		size_t cols = 0, i = 0;
		while (s[i] && cols < w - 1) {
			i++;
			while (((unsigned char)s[i] & 0xc0) == 0x80)
				i++;
			cols++;
		}
		cf_buf_put(out, s, i);
		cf_buf_puts(out, "…");
		return;
	}
	if (right)
		for (size_t i = n; i < w; i++)
			cf_buf_putc(out, ' ');
	cf_buf_puts(out, s);
	if (!right)
		for (size_t i = n; i < w; i++)
			cf_buf_putc(out, ' ');
}

static void heading(cf_buf *out, const cf_status *st, const char *prefix)
{
	char d[11];
	cf_date_format(d, st->as_of);
	cf_buf_printf(out, "%s%s: open cases as of %s\n", prefix, st->partnership, d);
}

static void totals_line(cf_buf *out, const cf_status *st)
{
	cf_status_totals t;
	cf_status_sum(&t, st);
	cf_buf_printf(out, "%zu case%s: %zu red, %zu amber, %zu green", t.cases,
		      t.cases == 1 ? "" : "s", t.red, t.amber, t.green);
	if (t.locked)
		cf_buf_printf(out, ", %zu locked", t.locked);
	cf_buf_printf(out, "; %zu overdue deadline%s (%zu action%s); %zu error%s, %zu warning%s\n",
		      t.overdue, t.overdue == 1 ? "" : "s", t.overdue_actions,
		      t.overdue_actions == 1 ? "" : "s", t.errors, t.errors == 1 ? "" : "s",
		      t.warnings, t.warnings == 1 ? "" : "s");
}

static const char *rag_color(char rag)
{
	return rag == 'R' ? "\033[1;31m" : rag == 'A' ? "\033[1;33m" : "\033[32m";
}

static void render_text(cf_buf *out, const cf_status *st, int color)
{
	heading(out, st, "");
	cf_buf_putc(out, '\n');
	static const struct {
		const char *name;
		size_t w;
		int right;
	} cols[] = {{"CASE", 8, 0},   {"TITLE", 14, 0},	       {"ROUTE", 12, 0},
		    {"STAGE", 12, 0}, {"OPEN", 4, 1},	       {"NEXT DEADLINE", 34, 0},
		    {"DUE", 10, 0},   {"WORKING DAYS", 12, 1}, {"RAG", 5, 0},
		    {"ERR", 3, 1},    {"WARN", 4, 1},	       {"ACTIONS", 7, 1}};
	size_t ncols = sizeof(cols) / sizeof(*cols);
	for (size_t i = 0; i < ncols; i++) {
		cell(out, cols[i].name, cols[i].w, cols[i].right);
		cf_buf_puts(out, i + 1 < ncols ? "  " : "\n");
	}
	for (size_t i = 0; i < st->n; i++) {
		const cf_status_row *r = &st->rows[i];
		char open[16], due[11], left[32], err[16], warn[16], act[16];
		snprintf(open, sizeof(open), "%d", r->open_days);
		if (r->open_days < 0)
			open[0] = '\0';
		date_str(due, r->has_next ? r->next_due : CF_DATE_NONE);
		left_str(left, sizeof(left), r);
		snprintf(err, sizeof(err), "%zu", r->errors);
		snprintf(warn, sizeof(warn), "%zu", r->warnings);
		snprintf(act, sizeof(act), "%zu", r->overdue_actions);
		const char *vals[] = {r->id,
				      r->title,
				      r->route,
				      r->stage,
				      open,
				      r->has_next ? r->next_title : (r->locked ? "(no key)" : "-"),
				      due,
				      left,
				      r->locked ? "" : cf_rag_name(r->rag),
				      r->locked ? "" : err,
				      r->locked ? "" : warn,
				      r->locked ? "" : act};
		for (size_t k = 0; k < ncols; k++) {
			int paint = color && k == 8 && !r->locked;
			if (paint)
				cf_buf_puts(out, rag_color(r->rag));
			cell(out, vals[k], cols[k].w, cols[k].right);
			if (paint)
				cf_buf_puts(out, "\033[0m");
			if (k + 1 < ncols)
				cf_buf_puts(out, "  ");
		}
		/* no trailing blanks: trim the padding of the last column */
		while (out->len && out->ptr[out->len - 1] == ' ')
			out->ptr[--out->len] = '\0';
		cf_buf_putc(out, '\n');
	}
	cf_buf_putc(out, '\n');
	totals_line(out, st);
}

static void md_cell(cf_buf *out, const char *s)
{
	cf_buf_puts(out, " ");
	for (; *s; s++) {
		if (*s == '|')
			cf_buf_puts(out, "\\|");
		else if (*s == '\n')
			cf_buf_putc(out, ' ');
		else
			cf_buf_putc(out, *s);
	}
	cf_buf_puts(out, " |");
}

static void render_md(cf_buf *out, const cf_status *st)
{
	heading(out, st, "# ");
	cf_buf_puts(out, "\n| Case | Title | Route | Stage | Working days open | Next deadline | "
			 "Due | Working days | RAG | Errors | Warnings | Overdue actions |\n"
			 "| --- | --- | --- | --- | ---: | --- | --- | ---: | --- | ---: | ---: | "
			 "---: |\n");
	for (size_t i = 0; i < st->n; i++) {
		const cf_status_row *r = &st->rows[i];
		char open[16] = "", due[11], left[32], n[3][16];
		if (r->open_days >= 0)
			snprintf(open, sizeof(open), "%d", r->open_days);
		date_str(due, r->has_next ? r->next_due : CF_DATE_NONE);
		left_str(left, sizeof(left), r);
		snprintf(n[0], 16, "%zu", r->errors);
		snprintf(n[1], 16, "%zu", r->warnings);
		snprintf(n[2], 16, "%zu", r->overdue_actions);
		cf_buf_putc(out, '|');
		md_cell(out, r->id);
		md_cell(out, r->title);
		md_cell(out, r->route);
		md_cell(out, r->stage);
		md_cell(out, open);
		md_cell(out, r->has_next ? r->next_title : (r->locked ? "(no key)" : "-"));
		md_cell(out, due);
		md_cell(out, left);
		md_cell(out, r->locked ? ""
				       : (r->rag == 'R'	  ? "**red**"
					  : r->rag == 'A' ? "*amber*"
							  : "green"));
		md_cell(out, r->locked ? "" : n[0]);
		md_cell(out, r->locked ? "" : n[1]);
		md_cell(out, r->locked ? "" : n[2]);
		cf_buf_putc(out, '\n');
	}
	cf_buf_putc(out, '\n');
	totals_line(out, st);
}

static void sep_field(cf_buf *out, const char *s, int tsv, int last)
{
	/* Both guard a cell a spreadsheet would run as a formula (a title "=HYPERLINK(...)"). */
	if (tsv)
		cf_buf_put_tsv_field(out, s);
	else
		cf_buf_put_csv_field(out, s);
	cf_buf_puts(out, last ? (tsv ? "\n" : "\r\n") : (tsv ? "\t" : ","));
}

static void render_sep(cf_buf *out, const cf_status *st, int tsv)
{
	static const char *const header[] = {"case",
					     "title",
					     "route",
					     "stage",
					     "working_days_open",
					     "next_deadline",
					     "next_deadline_title",
					     "next_due",
					     "working_days_left",
					     "overdue_by",
					     "rag",
					     "errors",
					     "warnings",
					     "overdue_deadlines",
					     "overdue_actions",
					     "locked"};
	size_t nh = sizeof(header) / sizeof(*header);
	for (size_t i = 0; i < nh; i++)
		sep_field(out, header[i], tsv, i + 1 == nh);
	for (size_t i = 0; i < st->n; i++) {
		const cf_status_row *r = &st->rows[i];
		char open[16] = "", due[11], left[16] = "", over[16] = "", n[4][16];
		if (r->open_days >= 0)
			snprintf(open, sizeof(open), "%d", r->open_days);
		date_str(due, r->has_next ? r->next_due : CF_DATE_NONE);
		if (r->has_next && r->next_state == CF_DL_OVERDUE)
			snprintf(over, sizeof(over), "%d", r->next_days);
		else if (r->has_next)
			snprintf(left, sizeof(left), "%d", r->next_days);
		snprintf(n[0], 16, "%zu", r->errors);
		snprintf(n[1], 16, "%zu", r->warnings);
		snprintf(n[2], 16, "%zu", r->overdue);
		snprintf(n[3], 16, "%zu", r->overdue_actions);
		const char *vals[] = {r->id,
				      r->title,
				      r->route,
				      r->stage,
				      open,
				      r->has_next ? r->next_id : "",
				      r->has_next ? r->next_title : "",
				      due,
				      left,
				      over,
				      r->locked ? "" : cf_rag_name(r->rag),
				      r->locked ? "" : n[0],
				      r->locked ? "" : n[1],
				      r->locked ? "" : n[2],
				      r->locked ? "" : n[3],
				      r->locked ? "true" : "false"};
		for (size_t k = 0; k < nh; k++)
			sep_field(out, vals[k], tsv, k + 1 == nh);
	}
}

static void render_json(cf_buf *out, const cf_status *st)
{
	char d[11];
	cf_date_format(d, st->as_of);
	cf_buf_putc(out, '{');
	cf_buf_put_json_member(out, "partnership", st->partnership, 0);
	cf_buf_put_json_member(out, "as_of", d, 1);
	cf_buf_puts(out, ",\"cases\":[");
	for (size_t i = 0; i < st->n; i++) {
		const cf_status_row *r = &st->rows[i];
		cf_buf_puts(out, i ? ",\n  {" : "\n  {");
		cf_buf_put_json_member(out, "case", r->id, 0);
		cf_buf_printf(out, ",\"locked\":%s", r->locked ? "true" : "false");
		cf_buf_put_json_member(out, "title", r->title, 1);
		cf_buf_put_json_member(out, "route", r->route, 1);
		cf_buf_put_json_member(out, "stage", r->stage, 1);
		cf_buf_printf(out, ",\"closed\":%s", r->closed ? "true" : "false");
		if (r->open_days >= 0)
			cf_buf_printf(out, ",\"working_days_open\":%d", r->open_days);
		else
			cf_buf_puts(out, ",\"working_days_open\":null");
		if (r->has_next) {
			date_str(d, r->next_due);
			cf_buf_puts(out, ",\"next_deadline\":{");
			cf_buf_put_json_member(out, "id", r->next_id, 0);
			cf_buf_put_json_member(out, "title", r->next_title, 1);
			cf_buf_put_json_member(out, "due", d, 1);
			cf_buf_put_json_member(out, "state", cf_deadline_state_name(r->next_state),
					       1);
			cf_buf_printf(out, ",\"working_days\":%d}",
				      r->next_state == CF_DL_OVERDUE ? -r->next_days
								     : r->next_days);
		} else {
			cf_buf_puts(out, ",\"next_deadline\":null");
		}
		cf_buf_put_json_member(out, "rag", r->locked ? NULL : cf_rag_name(r->rag), 1);
		cf_buf_printf(out,
			      ",\"errors\":%zu,\"warnings\":%zu,\"overdue_deadlines\":%zu,"
			      "\"overdue_actions\":%zu}",
			      r->errors, r->warnings, r->overdue, r->overdue_actions);
	}
	cf_status_totals t;
	cf_status_sum(&t, st);
	cf_buf_printf(out,
		      "\n],\"totals\":{\"cases\":%zu,\"red\":%zu,\"amber\":%zu,\"green\":%zu,"
		      "\"locked\":%zu,\"overdue_deadlines\":%zu,\"overdue_actions\":%zu,"
		      "\"errors\":%zu,\"warnings\":%zu}}\n",
		      t.cases, t.red, t.amber, t.green, t.locked, t.overdue, t.overdue_actions,
		      t.errors, t.warnings);
}

void cf_status_render(cf_buf *out, const cf_status *st, cf_status_format fmt, int color)
{
	switch (fmt) {
	case CF_STATUS_MD:
		render_md(out, st);
		break;
	case CF_STATUS_CSV:
		render_sep(out, st, 0);
		break;
	case CF_STATUS_TSV:
		render_sep(out, st, 1);
		break;
	case CF_STATUS_JSON:
		render_json(out, st);
		break;
	case CF_STATUS_HTML:
		cf_status_render_html(out, st);
		break;
	default:
		render_text(out, st, color);
		break;
	}
}

void cf_status_free(cf_status *st)
{
	for (size_t i = 0; i < st->n; i++)
		cf_status_row_release(&st->rows[i]);
	free(st->rows);
	free(st->partnership);
	memset(st, 0, sizeof(*st));
}
