/* lib/report: the business office's summary of open cases (`casefile status`) — one row per
 * case, built while the cases are read one at a time, so that memory holds the rows and
 * never the cases — and its formats: text, Markdown, CSV, TSV, JSON (HTML: report_html). */
#ifndef CF_REPORT_H
#define CF_REPORT_H

#include <stddef.h>

#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "deadline.h"
#include "diag.h"

/* A point on a case's timeline: a milestone reached, or a deadline's due date. */
typedef struct cf_status_mark {
	cf_date date;
	char label[64];
	int is_deadline;
	cf_deadline_state state; /* deadlines only */
} cf_status_mark;

#define CF_STATUS_MAX_MARKS 48

typedef struct cf_status_row {
	char *id;
	char *title;
	char *route;
	char *stage;
	int stage_index;
	int closed;
	int locked;	/* the clone holds no key for this case (nothing else is known) */
	cf_date opened; /* the referral or notification date, or CF_DATE_NONE */
	int open_days;	/* working days since opened, or -1 */
	/* the next deadline: the most pressing one not met, excused or pending */
	int has_next;
	char *next_id;
	char *next_title;
	cf_date next_due;
	int next_days; /* working days left (>= 0), or overdue by (when next_state is overdue) */
	cf_deadline_state next_state;
	char rag;		/* 'R' overdue, 'A' due soon, 'G' otherwise */
	size_t overdue;		/* overdue deadlines */
	size_t overdue_actions; /* of which action-plan items */
	size_t errors, warnings;
	cf_status_mark marks[CF_STATUS_MAX_MARKS];
	size_t n_marks;
} cf_status_row;

typedef struct cf_status {
	char *partnership;
	cf_date as_of;
	cf_status_row *rows;
	size_t n, cap;
	int oom;
} cf_status;

typedef enum cf_status_format {
	CF_STATUS_TEXT,
	CF_STATUS_MD,
	CF_STATUS_CSV,
	CF_STATUS_TSV,
	CF_STATUS_JSON,
	CF_STATUS_HTML,
} cf_status_format;

int cf_status_init(cf_status *st, const char *partnership, cf_date as_of);
/* Adds the row of a loaded case, from its deadline results and its diagnostics.  The
 * calendar counts the working days the case has been open. */
int cf_status_add(cf_status *st, const cf_case *c, const cf_deadline_results *r,
		  const cf_diags *case_diags, const cf_calendar *cal);
/* Builds the row of a loaded case without touching the report (safe on worker threads);
 * as_of is the report's day.  Returns 0 or -1 (out of memory; the row is then released). */
int cf_status_row_make(cf_status_row *row, const cf_case *c, const cf_deadline_results *r,
		       const cf_diags *case_diags, const cf_calendar *cal, cf_date as_of);
/* Moves a made row into the report. */
int cf_status_append(cf_status *st, cf_status_row *row);
/* Frees what a row holds. */
void cf_status_row_release(cf_status_row *row);
/* Adds a row for a case this clone cannot read. */
int cf_status_add_locked(cf_status *st, const char *id);
/* Overdue first (most overdue first), then by working days left, then by id. */
void cf_status_sort(cf_status *st);
/* The format named by a word ("csv") or a file name's extension ("x.csv"); -1 if none. */
int cf_status_format_parse(cf_status_format *out, const char *word_or_path, int is_path);
/* Appends the report.  color: ANSI colours for the text form. */
void cf_status_render(cf_buf *out, const cf_status *st, cf_status_format fmt, int color);
void cf_status_free(cf_status *st);

typedef struct cf_status_totals {
	size_t cases, red, amber, green, locked, overdue, overdue_actions, errors, warnings;
} cf_status_totals;

/* The totals every form prints at its foot. */
void cf_status_sum(cf_status_totals *t, const cf_status *st);

/* The words of a RAG mark: "red", "amber", "green". */
const char *cf_rag_name(char rag);

#endif
