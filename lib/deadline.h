/* lib/deadline: the deadlines a schema declares (DESIGN.md §4), evaluated for one case on a
 * given day.  Deadlines are data: a partnership following its own procedure edits the
 * schema, not C.
 *
 *   - id: rapid-review                       # the rule id is deadline/rapid-review
 *     title: Rapid review sent to the National Panel
 *     from: dates.notified_national_panel    # or before: DATE (counting back from it)
 *     within: 15 working days                # N working days | N months | N days |
 *                                            #   between A and B working days
 *     met_by: dates.rapid_review_submitted
 *     excused_by: dates.delay_notified       # optional
 *     when: {field: route, is: notification} # optional; a condition as in schemas
 *     source: "001 §4.2.2"
 *
 *   - id: actions                            # one deadline per list item:
 *     each: "actions.yaml:recommendations[].actions[]"
 *     due: due                               # the item's own due date
 *     met_by: completed                      # paths read from the item
 *     when: {field: status, not_in: [dropped]}
 *
 * "Within N working days of D" is the Nth working day after D (D is day 0); "N months" is
 * the same day of the month N months later, or that month's last day. */
#ifndef CF_DEADLINE_H
#define CF_DEADLINE_H

#include "calendar.h"
#include "diag.h"
#include "rules.h"
#include "schema.h"

struct cf_case;

typedef enum cf_deadline_state {
	CF_DL_PENDING,	 /* not running yet: the date it counts from is not recorded */
	CF_DL_MET,	 /* done on or before the due date */
	CF_DL_MET_LATE,	 /* done after it */
	CF_DL_EXCUSED,	 /* excused (e.g. the delay was notified) */
	CF_DL_OPEN,	 /* due later */
	CF_DL_DUE_SOON,	 /* due within the warning window */
	CF_DL_OVERDUE,	 /* due date passed, not done */
	CF_DL_MET_EARLY, /* a window's step done before the window opened */
} cf_deadline_state;

typedef enum cf_span_unit {
	CF_SPAN_WORKING_DAYS,
	CF_SPAN_MONTHS,
	CF_SPAN_DAYS,
} cf_span_unit;

typedef struct cf_deadline_spec {
	const char *id;
	const char *title;
	const char *source;
	int before;		 /* counts back from the anchor */
	cf_order_ref anchor;	 /* from: or before: */
	const char *each_file;	 /* list deadlines: the document ("actions.yaml") */
	const char *each_path;	 /* ... and the list path ("recommendations[].actions[]") */
	const char *due_field;	 /* list deadlines: the item's due date */
	cf_order_ref met_by;	 /* optional */
	cf_order_ref excused_by; /* optional */
	int n, n_min;		 /* within N; between n_min and n */
	cf_span_unit unit;
	cf_conds when;
	unsigned line, col;
} cf_deadline_spec;

typedef struct cf_deadlines {
	cf_deadline_spec *items;
	size_t n;
} cf_deadlines;

typedef struct cf_deadline_result {
	const cf_deadline_spec *spec;
	cf_deadline_state state;
	cf_date anchor;	  /* the date it counts from (CF_DATE_NONE for list deadlines) */
	cf_date earliest; /* windows: the first acceptable day; else CF_DATE_NONE */
	cf_date due;
	cf_date done;	  /* the met_by or excused_by date, or CF_DATE_NONE */
	int days;	  /* working days: left (open, due soon), overdue by, late or early by */
	const char *file; /* where to point: the anchor, or the list item */
	unsigned line, col;
	char label[48]; /* list deadlines: the item ("R1.2"); else "" */
} cf_deadline_result;

typedef struct cf_deadline_results {
	cf_deadline_result *items;
	size_t n, cap;
} cf_deadline_results;

/* Reads the schema's `deadlines:`; a malformed entry is a schema/invalid error naming the
 * schema's line.  The specs live in the schema's arena. */
int cf_deadlines_parse(cf_deadlines *out, cf_schema *s, cf_diags *diags);
/* Evaluates every deadline of the case on `today`; results appended to out. */
int cf_deadlines_eval(cf_deadline_results *out, const cf_deadlines *dl, const struct cf_case *c,
		      const cf_calendar *cal, cf_date today, int warning_days);
/* The warnings check prints: overdue and met-late deadlines (deadline/<id>). */
void cf_deadlines_report(const cf_deadline_results *r, cf_diags *diags);
/* "15 working days from dates.notified_national_panel", "7 working days before ..." */
void cf_deadline_describe(cf_buf *out, const cf_deadline_spec *s);
const char *cf_deadline_state_name(cf_deadline_state st);
/* The deadline of a rule id ("deadline/rapid-review") in a set, or NULL. */
const cf_deadline_spec *cf_deadlines_find(const cf_deadlines *dl, const char *rule);
void cf_deadline_results_free(cf_deadline_results *r);

extern const cf_rule_info cf_deadline_rules[];

#endif
