/* lib/report, the status model: rows made from cases (case.yaml parsed into a case of the test's
 * own, with the installed cspr schema for its stages) and from deadline results written here,
 * against fixed days, never today: the working days open (counted by hand from the published
 * England & Wales bank holidays: 2026-12-25 Fri, 2026-12-28 Mon), the next deadline and the RAG
 * mark, overdue deadlines and actions, the timeline's marks, errors and warnings; then locked
 * rows, sorting, totals, the format names and the forms' headings and totals. */
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "check.h"
#include "deadline.h"
#include "diag.h"
#include "doc.h"
#include "repo.h"
#include "report.h"
#include "schema.h"
#include "source.h"

#include "fsutil.h"

static char root[PATH_MAX];
static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};
static cf_arena *arena;
static cf_repo *repo;
static const cf_schema *cspr;
static cf_calendar *cal;
static cf_diags none = CF_DIAGS_INIT; /* a case's diagnostics: none */

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

static cf_date D(const char *s)
{
	cf_date d;
	if (cf_date_parse(&d, s) < 0)
		bail(s);
	return d;
}

/* A case of id whose case.yaml is yaml, at its stage in the cspr schema. */
static cf_case make_case(const char *id, const char *yaml)
{
	cf_case c;
	memset(&c, 0, sizeof(c));
	cf_doc *doc = NULL;
	cf_diags d = CF_DIAGS_INIT;
	if (cf_doc_parse_yaml(&doc, arena, "case.yaml", yaml, strlen(yaml), NULL, &d) < 0 || !doc ||
	    !doc->root || d.len)
		bail(yaml);
	cf_diags_free(&d);
	c.id = id;
	c.root = doc->root;
	c.schema = cspr;
	const char *stage = cf_node_str(cf_node_get(c.root, "stage"));
	c.stage = stage ? cf_schema_stage_index(cspr, stage) : -1;
	return c;
}

static cf_deadline_spec spec_rr = {.id = "rapid-review", .title = "Rapid review sent"};
static cf_deadline_spec spec_info = {.id = "info-requests", .title = "Information requested"};
static cf_deadline_spec spec_act = {
    .id = "actions", .title = "Action done", .each_file = "actions.yaml"};

static cf_deadline_result R(const cf_deadline_spec *spec, cf_deadline_state state, const char *due,
			    int days, const char *label)
{
	cf_deadline_result x;
	memset(&x, 0, sizeof(x));
	x.spec = spec;
	x.state = state;
	x.due = D(due);
	x.days = days;
	x.anchor = x.earliest = x.done = CF_DATE_NONE;
	snprintf(x.label, sizeof(x.label), "%s", label ? label : "");
	return x;
}

static const char *const base = "id: 2026-001\ntitle: Child A\nroute: notification\n";

static void test_open_days(void)
{
	cf_status_row row;
	char y[512];
	snprintf(y, sizeof(y), "%sstage: rapid-review\ndates:\n  referral_received: 2026-01-08\n",
		 base);
	cf_case c = make_case("2026-001", y);
	ok(cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-01-15")) == 0,
	   "row_make: a case with no results");
	is_str(row.id, "2026-001", "... id");
	is_str(row.title, "Child A", "... title");
	is_str(row.route, "notification", "... route");
	is_str(row.stage, "rapid-review", "... stage as written");
	is_int(row.stage_index, cf_schema_stage_index(cspr, "rapid-review"), "... its index");
	ok(!row.closed && !row.locked, "... neither closed nor locked");
	ok(row.opened == D("2026-01-08"), "... opened on the referral date");
	is_int(row.open_days, 5, "... 5 working days open, Thu 8 to Thu 15 January");
	ok(!row.has_next && row.rag == 'G' && row.overdue == 0 && row.errors == 0 &&
	       row.warnings == 0,
	   "... no results: nothing next, green, nothing overdue, no errors");
	cf_status_row_release(&row);

	snprintf(y, sizeof(y), "%sstage: rapid-review\ndates:\n  referral_received: 2026-12-23\n",
		 base);
	c = make_case("2026-001", y);
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-12-31"));
	is_int(row.open_days, 4, "open days over Christmas: 24, 29, 30, 31 December (25, 28 off)");
	cf_status_row_release(&row);

	snprintf(y, sizeof(y),
		 "%sstage: closed\ndates:\n  referral_received: 2026-12-23\n  closed: 2026-12-29\n",
		 base);
	c = make_case("2026-001", y);
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2027-02-01"));
	is_int(row.open_days, 2, "a closed case counts to the day it closed: 24 and 29 December");
	ok(row.closed && strcmp(row.stage, "closed") == 0, "... and is closed");
	cf_status_row_release(&row);

	c = make_case("2026-001", y);
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-12-24"));
	is_int(row.open_days, 1, "... a closing date after the report's day: counted to that day");
	cf_status_row_release(&row);

	snprintf(y, sizeof(y), "%sstage: rapid-review\n", base);
	c = make_case("2026-001", y);
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-12-24"));
	ok(row.opened == CF_DATE_NONE && row.open_days == -1, "no referral date: not opened, -1");
	cf_status_row_release(&row);

	snprintf(y, sizeof(y), "%sstage: rapid-review\ndates: {referral_received: soon}\n", base);
	c = make_case("2026-001", y);
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-12-24"));
	ok(row.opened == CF_DATE_NONE && row.open_days == -1, "a referral date 'soon': the same");
	cf_status_row_release(&row);

	c = make_case("2026-009", "stage: nowhere\n");
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-12-24"));
	ok(strcmp(row.title, "") == 0 && strcmp(row.route, "") == 0 && row.stage_index == -1 &&
	       !row.closed,
	   "no title, no route, an unknown stage: empty strings, index -1, not closed");
	cf_status_row_release(&row);
}

static void test_stages(void)
{
	size_t good = 0, closed = 0;
	for (size_t i = 0; i < cspr->n_stages; i++) {
		char y[512];
		snprintf(y, sizeof(y), "%sstage: %s\n", base, cspr->stages[i]);
		cf_case c = make_case("2026-001", y);
		cf_status_row row;
		cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-03-02"));
		good += (size_t)row.stage_index == i && strcmp(row.stage, cspr->stages[i]) == 0 &&
			row.closed == !!cspr->closed[i];
		closed += row.closed;
		cf_status_row_release(&row);
	}
	ok(cspr->n_stages >= 8, "the cspr schema has its eight stages or more");
	is_int(good, cspr->n_stages, "a row for a case at each stage: its name, index, closedness");
	is_int(closed, 1, "... one of them, closed, is closed");
}

static void test_deadlines(void)
{
	char y[512];
	snprintf(y, sizeof(y), "%sstage: rapid-review\ndates:\n  referral_received: 2026-01-08\n",
		 base);
	cf_case c = make_case("2026-001", y);
	cf_status_row row;

	cf_deadline_result a[] = {R(&spec_rr, CF_DL_OPEN, "2026-03-20", 14, NULL),
				  R(&spec_info, CF_DL_DUE_SOON, "2026-03-05", 3, NULL),
				  R(&spec_act, CF_DL_MET, "2026-02-01", 0, "R1.1"),
				  R(&spec_act, CF_DL_PENDING, "2026-01-01", 0, "R1.3")};
	cf_deadline_results r = {a, 4, 4};
	cf_status_row_make(&row, &c, &r, &none, cal, D("2026-03-02"));
	ok(row.has_next && strcmp(row.next_id, "info-requests") == 0 &&
	       strcmp(row.next_title, "Information requested") == 0 &&
	       row.next_due == D("2026-03-05") && row.next_days == 3 &&
	       row.next_state == CF_DL_DUE_SOON,
	   "open and due soon: next is the soonest due, 3 days left");
	ok(row.rag == 'A' && row.overdue == 0, "... amber, nothing overdue");
	cf_status_row_release(&row);

	cf_deadline_result b[] = {R(&spec_info, CF_DL_DUE_SOON, "2026-03-05", 3, NULL),
				  R(&spec_act, CF_DL_OVERDUE, "2026-02-20", 6, "R1.2"),
				  R(&spec_rr, CF_DL_OVERDUE, "2026-02-25", 3, NULL),
				  R(&spec_rr, CF_DL_EXCUSED, "2026-01-25", 0, NULL)};
	r = (cf_deadline_results){b, 4, 4};
	cf_status_row_make(&row, &c, &r, &none, cal, D("2026-03-02"));
	ok(row.rag == 'R' && row.overdue == 2 && row.overdue_actions == 1,
	   "two overdue, one an action, after a due-soon one: red, 2 overdue, 1 action");
	ok(row.has_next && strcmp(row.next_id, "actions") == 0 &&
	       strcmp(row.next_title, "R1.2: Action done") == 0 && row.next_days == 6 &&
	       row.next_state == CF_DL_OVERDUE,
	   "... next is the most overdue, its item before its title");
	cf_status_row_release(&row);

	cf_deadline_result m[] = {R(&spec_rr, CF_DL_MET, "2026-02-25", 0, NULL),
				  R(&spec_info, CF_DL_MET_LATE, "2026-02-25", 2, NULL),
				  R(&spec_act, CF_DL_PENDING, "2026-01-01", 0, "R1.3"),
				  R(&spec_act, CF_DL_EXCUSED, "2026-01-01", 0, "R1.4")};
	r = (cf_deadline_results){m, 4, 4};
	cf_diags d = CF_DIAGS_INIT;
	cf_diags_add(&d, CF_SEV_ERROR, "x", 1, 1, "schema/x", "e1");
	cf_diags_add(&d, CF_SEV_ERROR, "x", 2, 1, "schema/x", "e2");
	cf_diags_add(&d, CF_SEV_WARNING, "x", 3, 1, "deadline/x", "w1");
	cf_diags_add(&d, CF_SEV_NOTE, "x", 4, 1, "crypt/x", "n1");
	cf_status_row_make(&row, &c, &r, &d, cal, D("2026-03-02"));
	ok(!row.has_next && row.rag == 'G' && row.overdue == 0,
	   "met, met late, pending, excused only: nothing next, green");
	ok(row.errors == 2 && row.warnings == 1,
	   "... 2 errors and 1 warning of the case's, notes not counted");
	cf_status_row_release(&row);
	cf_diags_free(&d);
	ok(row.id == NULL && row.next_id == NULL, "row_release: the row emptied");
	cf_status_row_release(&row); /* twice: harmless (the plan is not printed if it crashes) */
}

static void test_marks(void)
{
	char y[2048];
	snprintf(y, sizeof(y),
		 "%sstage: rapid-review\ndates:\n  rapid_review_meeting: 2026-01-20\n"
		 "  referral_received: 2026-01-08\n  la_aware: 2026-01-06\n  not_a_date: soon\n",
		 base);
	cf_case c = make_case("2026-001", y);
	cf_deadline_result a[] = {R(&spec_rr, CF_DL_OVERDUE, "2026-01-29", 3, NULL),
				  R(&spec_act, CF_DL_OPEN, "2026-01-10", 1, "R1.2"),
				  R(&spec_info, CF_DL_PENDING, "2026-01-01", 0, NULL)};
	cf_deadline_results r = {a, 3, 3};
	cf_status_row row;
	cf_status_row_make(&row, &c, &r, &none, cal, D("2026-02-02"));
	int in_order = row.n_marks == 5;
	for (size_t i = 1; in_order && i < row.n_marks; i++)
		in_order = row.marks[i - 1].date <= row.marks[i].date;
	ok(in_order, "marks: three dates and two deadlines (not the pending one), by date");
	if (row.n_marks == 5) {
		is_str(row.marks[0].label, "la aware", "... the first, la_aware, '_' read as ' '");
		ok(!row.marks[0].is_deadline, "... a milestone");
		is_str(row.marks[2].label, "actions R1.2 due",
		       "... an action's due date by its item");
		ok(row.marks[2].is_deadline && row.marks[2].state == CF_DL_OPEN,
		   "... a deadline, with its state");
		is_str(row.marks[4].label, "rapid-review due", "... the last, rapid-review due");
		ok(row.marks[4].state == CF_DL_OVERDUE, "... overdue");
	}
	cf_status_row_release(&row);

	/* more dates than marks */
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%sstage: rapid-review\ndates:\n", base);
	for (int i = 0; i < 60; i++)
		cf_buf_printf(&b, "  d%02d: 2026-02-%02d\n", i, i % 28 + 1);
	c = make_case("2026-001", cf_buf_cstr(&b));
	cf_status_row_make(&row, &c, &r, &none, cal, D("2026-02-02"));
	is_int(row.n_marks, CF_STATUS_MAX_MARKS, "sixty dates: marks stop at the maximum");
	cf_status_row_release(&row);
	cf_buf_clear(&b);

	/* a long name, cut at a character: 61 x's, then é (2 bytes) across the cut */
	cf_buf_printf(&b, "%sstage: rapid-review\ndates:\n  ", base);
	for (int i = 0; i < 62; i++)
		cf_buf_putc(&b, 'x');
	cf_buf_puts(&b, "\xc3\xa9tail: 2026-02-02\n");
	c = make_case("2026-001", cf_buf_cstr(&b));
	cf_status_row_make(&row, &c, NULL, &none, cal, D("2026-02-02"));
	size_t n = row.n_marks == 1 ? strlen(row.marks[0].label) : 0;
	ok(n == 62 && row.marks[0].label[61] == 'x',
	   "a 68-byte name: cut to 62 bytes before the é, not inside it");
	cf_status_row_release(&row);
	cf_buf_free(&b);
}

/* A row of id with the next deadline in state and days (has_next when state is not -1). */
static void add_row(cf_status *st, const char *id, int state, int days, char rag)
{
	cf_status_row row;
	memset(&row, 0, sizeof(row));
	row.id = cf_strdup(id);
	row.title = cf_strdup("T");
	row.route = cf_strdup("referral");
	row.stage = cf_strdup("scoping");
	row.open_days = 10;
	row.opened = D("2026-01-05");
	row.rag = rag;
	if (state >= 0) {
		row.has_next = 1;
		row.next_id = cf_strdup("rapid-review");
		row.next_title = cf_strdup("Rapid review sent");
		row.next_state = (cf_deadline_state)state;
		row.next_days = days;
		row.next_due = D("2026-03-02");
	}
	row.overdue = state == CF_DL_OVERDUE;
	row.errors = 1;
	row.warnings = 2;
	if (cf_status_append(st, &row) < 0)
		bail("append");
	if (row.id)
		bail("append did not move the row");
}

static void test_report(void)
{
	cf_status st;
	ok(cf_status_init(&st, NULL, D("2026-03-02")) == 0 && strcmp(st.partnership, "") == 0 &&
	       st.n == 0,
	   "init: no partnership is the empty name, no rows");
	cf_status_free(&st);
	ok(cf_status_init(&st, "Northdale", D("2026-03-02")) == 0 &&
	       strcmp(st.partnership, "Northdale") == 0 && st.as_of == D("2026-03-02"),
	   "init: the partnership and the day");
	cf_status_sort(&st);
	ok(st.n == 0, "sort: no rows is fine");
	cf_status_totals t;
	cf_status_sum(&t, &st);
	ok(t.cases == 0 && t.red == 0 && t.green == 0, "sum: no rows, all zero");

	add_row(&st, "2026-005", CF_DL_OPEN, 10, 'G');
	add_row(&st, "2026-002", CF_DL_OVERDUE, 3, 'R');
	add_row(&st, "2026-007", -1, 0, 'G');
	add_row(&st, "2026-001", CF_DL_DUE_SOON, 2, 'A');
	add_row(&st, "2026-003", CF_DL_OVERDUE, 10, 'R');
	add_row(&st, "2026-004", CF_DL_OPEN, 2, 'G');
	ok(cf_status_add_locked(&st, "2026-000") == 0, "add_locked: a row");
	add_row(&st, "2026-006", -1, 0, 'G');
	for (int i = 0; i < 40; i++) { /* past the first capacity */
		char id[32];
		snprintf(id, sizeof(id), "2027-%03d", i);
		add_row(&st, id, -1, 0, 'G');
	}
	is_int(st.n, 48, "append: 48 rows");
	const cf_status_row *lk = &st.rows[6];
	ok(lk->locked && strcmp(lk->id, "2026-000") == 0 && strcmp(lk->stage, "locked") == 0 &&
	       strcmp(lk->title, "") == 0 && !lk->has_next,
	   "add_locked: locked, stage 'locked', no title, nothing next");
	cf_status_sort(&st);
	const char *want[] = {"2026-003", "2026-002", "2026-001", "2026-004", "2026-005",
			      "2026-000", "2026-006", "2026-007", "2027-000"};
	int order = 1;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		if (strcmp(st.rows[i].id, want[i]) != 0) {
			printf("# row %zu is %s, want %s\n", i, st.rows[i].id, want[i]);
			order = 0;
		}
	ok(order, "sort: most overdue first, then fewest days left (ties by id), then nothing "
		  "due, by id");
	ok(strcmp(st.rows[47].id, "2027-039") == 0, "sort: ... the last by id");

	cf_status_sum(&t, &st);
	ok(t.cases == 48 && t.locked == 1 && t.red == 2 && t.amber == 1 && t.green == 44 &&
	       t.overdue == 2 && t.errors == 47 && t.warnings == 94,
	   "sum: 48 cases, 1 locked (not counted red, amber or green, nor its errors), 2 red, 1 "
	   "amber, 44 green, 2 overdue, 47 errors, 94 warnings");

	cf_buf out = CF_BUF_INIT;
	cf_status_render(&out, &st, CF_STATUS_TEXT, 0);
	const char *s = cf_buf_cstr(&out);
	ok(strncmp(s, "Northdale: open cases as of 2026-03-02\n", 39) == 0,
	   "render text: the heading, the partnership and the day");
	ok(strstr(s, "48 cases: 2 red, 1 amber, 44 green, 1 locked; 2 overdue deadlines (0 "
		     "actions); 47 errors, 94 warnings\n") != NULL,
	   "render text: the totals line");
	ok(!strchr(s, '\033'), "render text without colour: no escape");
	cf_buf_clear(&out);
	cf_status_render(&out, &st, CF_STATUS_CSV, 0);
	s = cf_buf_cstr(&out);
	size_t lines = 0;
	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	ok(strncmp(s, "case,title,route,stage,working_days_open,", 41) == 0 && lines == 49,
	   "render csv: the header and one line a row");
	ok(strstr(
	       s,
	       "\n2026-003,T,referral,scoping,10,rapid-review,Rapid review sent,2026-03-02,,10,") !=
	       NULL,
	   "render csv: the most overdue first, overdue_by 10 and no days left");
	cf_buf_clear(&out);
	cf_status_render(&out, &st, CF_STATUS_JSON, 0);
	ok(strstr(cf_buf_cstr(&out), "\"2026-003\"") && strstr(cf_buf_cstr(&out), "Northdale"),
	   "render json: the rows and the partnership");
	cf_buf_free(&out);
	cf_status_free(&st);
	ok(st.rows == NULL && st.n == 0 && st.partnership == NULL, "free: emptied");

	/* add: a row from a case, into the report */
	ok(cf_status_init(&st, "P", D("2026-01-15")) == 0, "init again");
	char y[512];
	snprintf(y, sizeof(y), "%sstage: rapid-review\ndates:\n  referral_received: 2026-01-08\n",
		 base);
	cf_case c = make_case("2026-001", y);
	ok(cf_status_add(&st, &c, NULL, &none, cal) == 0 && st.n == 1 &&
	       st.rows[0].open_days == 5 && strcmp(st.rows[0].id, "2026-001") == 0,
	   "add: the row made against the report's day");
	cf_status_free(&st);
}

static void test_formats(void)
{
	static const struct {
		const char *s;
		int is_path, rc;
		cf_status_format fmt;
	} cases[] = {
	    {"text", 0, 0, CF_STATUS_TEXT},
	    {"txt", 0, 0, CF_STATUS_TEXT},
	    {"md", 0, 0, CF_STATUS_MD},
	    {"markdown", 0, 0, CF_STATUS_MD},
	    {"csv", 0, 0, CF_STATUS_CSV},
	    {"tsv", 0, 0, CF_STATUS_TSV},
	    {"json", 0, 0, CF_STATUS_JSON},
	    {"html", 0, 0, CF_STATUS_HTML},
	    {"htm", 0, 0, CF_STATUS_HTML},
	    {"xml", 0, -1, 0},
	    {"", 0, -1, 0},
	    {"CSV", 0, -1, 0},
	    {"out/status.csv", 1, 0, CF_STATUS_CSV},
	    {"status.json", 1, 0, CF_STATUS_JSON},
	    {"a.b/status", 1, -1, 0},
	    {"status", 1, -1, 0},
	    {"status.", 1, -1, 0},
	    {"status.xlsx", 1, -1, 0},
	    {"csv", 1, -1, 0},
	};
	int good = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cf_status_format f = (cf_status_format)99;
		int rc = cf_status_format_parse(&f, cases[i].s, cases[i].is_path);
		if (rc != cases[i].rc || (rc == 0 && f != cases[i].fmt) ||
		    (rc != 0 && f != (cf_status_format)99)) {
			printf("# '%s' (path %d): rc %d fmt %d\n", cases[i].s, cases[i].is_path, rc,
			       (int)f);
			good = 0;
		}
	}
	ok(good, "format_parse: every word, extension and non-format, output untouched on -1");
	ok(strcmp(cf_rag_name('R'), "red") == 0 && strcmp(cf_rag_name('A'), "amber") == 0 &&
	       strcmp(cf_rag_name('G'), "green") == 0,
	   "rag_name: red, amber, green");
}

/* The whole way, as status goes: tests/data/repo's case with its rapid review not submitted,
 * loaded, checked against 2026-03-02, and its row. */
static void test_loaded(void)
{
	char from[PATH_MAX + 64];
	cf_buf text = CF_BUF_INIT;
	snprintf(from, sizeof(from), "%s/tests/data/repo/cases/2026-001/case.yaml", tap_srcdir());
	if (cf_read_file_buf(&text, from, 1 << 20) < 0)
		bail(from);
	const char *cut = "  rapid_review_submitted: 2026-01-27\n";
	char *at = strstr(text.ptr, cut);
	if (!at)
		bail("tests/data/repo's case.yaml changed");
	memmove(at, at + strlen(cut), strlen(at + strlen(cut)) + 1);
	char dir[PATH_MAX + 64], to[PATH_MAX + 64];
	snprintf(dir, sizeof(dir), "%s/tests/data/repo/cases/2026-001", tap_srcdir());
	snprintf(to, sizeof(to), "%s/cases/2026-001", root);
	if (copy_tree(dir, to) < 0)
		bail("copy");
	if (write_text_at(root, "cases/2026-001/case.yaml", text.ptr, 0600) < 0)
		bail("write");
	cf_buf_free(&text);
	cf_source *src = NULL;
	cf_case *c = NULL;
	cf_diags d = CF_DIAGS_INIT;
	if (cf_source_open_workdir(&src, root) < 0 ||
	    cf_case_load(&c, repo, src, "2026-001", &d) < 0 || !c)
		bail("load");
	cf_check_env env = {cal, D("2026-03-02"), repo->warning_days, NULL};
	cf_deadline_results res = {NULL, 0, 0};
	cf_check_case(c, &env, &d, &res);
	cf_status st;
	cf_status_init(&st, "P", D("2026-03-02"));
	ok(cf_status_add(&st, c, &res, &d, cal) == 0 && st.n == 1, "a loaded, checked case: a row");
	const cf_status_row *row = &st.rows[0];
	ok(row->rag == 'R' && row->overdue == 1 && row->has_next &&
	       strcmp(row->next_id, "rapid-review") == 0 && row->next_state == CF_DL_OVERDUE &&
	       row->next_due == D("2026-01-29"),
	   "... red: the rapid review, due 2026-01-29, overdue");
	is_int(row->next_days, 22, "... by 22 working days on 2026-03-02");
	is_int(row->open_days, 37, "... open 37 working days since 2026-01-08");
	is_int(row->warnings, cf_diags_count(&d, CF_SEV_WARNING), "... its warnings counted");
	if (!ok(row->warnings >= 1 && row->errors == 0,
		"... the deadline's warning among them, no error"))
		for (size_t i = 0; i < d.len; i++)
			printf("# %s %s %s\n", d.items[i].file, d.items[i].rule,
			       d.items[i].message);
	is_str(row->stage, "rapid-review", "... at the rapid review");
	cf_status_free(&st);
	cf_deadline_results_free(&res);
	cf_diags_free(&d);
	cf_case_free(c);
	cf_source_free(src);
}

int main(void)
{
	if (cf_init() < 0)
		bail("cf_init");
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	if (make_temp_dir_resolved(root, "report") < 0)
		bail("mkdtemp");
	cf_diags d = CF_DIAGS_INIT;
	if (write_text_at(root, ".casefile/config.yaml", "partnership: P\n", 0600) < 0 ||
	    cf_repo_open(&repo, root, schema_dirs, 1, &d) < 0 ||
	    cf_repo_schema_get(&cspr, repo, "cspr", &d) < 0 || cf_arena_new(&arena, 1) < 0)
		bail("setup");
	cal = repo->calendar;
	test_open_days();
	test_stages();
	test_deadlines();
	test_marks();
	test_report();
	test_formats();
	test_loaded();
	cf_arena_free(arena);
	cf_repo_free(repo);
	cf_diags_free(&d);
	remove_tree(root);
	return tap_done();
}
