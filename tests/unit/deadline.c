/* lib/deadline: every deadline of schemas/cspr.yaml (CASE-FORMAT.md "Deadlines"), in every
 * state it can take, evaluated on a real case repository made on disk for each scenario, the
 * way `casefile check` and `casefile status` see it.
 *
 * Every due date and day count below was worked out by hand from the published England &
 * Wales bank holidays (GOV.UK), not from the code under test:
 *   2026: Jan 1, Apr 3 (Good Friday), Apr 6, May 4, May 25, Aug 31, Dec 25 (Fri), Dec 28 (Mon,
 *         Boxing Day substitute)
 *   2027: Jan 1 (Fri), Mar 26 (Good Friday), Mar 29, May 3, May 31, Aug 30, Dec 27, Dec 28
 * "Within N working days of D" is the Nth working day after D (D is day 0); "N months" is the
 * same day N months later or that month's last day; `days` counts working days after one
 * date up to and including the other (DESIGN.md §4). */
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "deadline.h"
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "schema.h"
#include "source.h"

#include "fsutil.h"

static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};

static cf_date D(const char *s)
{
	cf_date d = CF_DATE_NONE;
	if (cf_date_parse(&d, s) != 0) {
		printf("Bail out! bad date literal in the test: %s\n", s);
		exit(2);
	}
	return d;
}

static const char *fmt(char buf[11], cf_date d)
{
	if (d == CF_DATE_NONE)
		return "(none)";
	cf_date_format(buf, d);
	return buf;
}

/* ---- a case repository on disk ------------------------------------------------------------ */

typedef struct world {
	char root[PATH_MAX];
	cf_repo *repo;
	cf_source *src;
	cf_case *c;
	cf_diags diags;
} world;

/* Every case.yaml starts with these four lines; a scenario's body follows from line 5. */
#define CASE_HEAD "id: 2026-001\ntype: cspr\ntitle: Child T\nstage: review\n"

static void world_close(world *W)
{
	cf_case_free(W->c);
	cf_source_free(W->src);
	cf_repo_free(W->repo);
	cf_diags_free(&W->diags);
	if (W->root[0])
		remove_tree(W->root);
	memset(W, 0, sizeof(*W));
}

/* window: the config's status.warning_days, or 0 for the default (5). */
static int world_open(world *W, int window, const char *case_body, const char *actions,
		      const char *family)
{
	memset(W, 0, sizeof(*W));
	if (make_temp_dir_resolved(W->root, "deadline") < 0) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	char config[160];
	snprintf(config, sizeof(config), "partnership: Test\ncalendar: england-and-wales\n%s",
		 window ? "status:\n  warning_days: " : "");
	if (window)
		snprintf(config + strlen(config), sizeof(config) - strlen(config), "%d\n", window);
	cf_buf cy = CF_BUF_INIT;
	cf_buf_puts(&cy, CASE_HEAD);
	cf_buf_puts(&cy, case_body);
	int rc = write_text_at(W->root, CF_CONFIG_PATH, config, 0644);
	if (rc == 0)
		rc = write_text_at(W->root, "cases/2026-001/case.yaml", cf_buf_cstr(&cy), 0644);
	if (rc == 0 && actions)
		rc = write_text_at(W->root, "cases/2026-001/actions.yaml", actions, 0644);
	if (rc == 0 && family)
		rc = write_text_at(W->root, "cases/2026-001/family.yaml", family, 0644);
	cf_buf_free(&cy);
	if (rc == 0 && (cf_repo_open(&W->repo, W->root, schema_dirs, 1, &W->diags) < 0 ||
			cf_source_open_workdir(&W->src, W->root) < 0 ||
			cf_case_load(&W->c, W->repo, W->src, "2026-001", &W->diags) < 0))
		rc = -1;
	if (rc == 0 && !W->c->deadlines) {
		printf("# the case has no deadlines (schema not loaded?)\n");
		rc = -1;
	}
	if (rc < 0) {
		for (size_t i = 0; i < W->diags.len; i++) {
			cf_buf t = CF_BUF_INIT;
			cf_diag_format_text(&t, &W->diags.items[i]);
			printf("# %s", cf_buf_cstr(&t));
			cf_buf_free(&t);
		}
		world_close(W);
	}
	return rc;
}

static int world_eval(world *W, const char *today, cf_deadline_results *res)
{
	memset(res, 0, sizeof(*res));
	return cf_deadlines_eval(res, W->c->deadlines, W->c, W->repo->calendar, D(today),
				 W->repo->warning_days);
}

/* The result of a deadline (and list item), and how many there are. */
static const cf_deadline_result *find(const cf_deadline_results *r, const char *id,
				      const char *label, int *count)
{
	const cf_deadline_result *hit = NULL;
	*count = 0;
	for (size_t i = 0; i < r->n; i++) {
		const cf_deadline_result *x = &r->items[i];
		if (strcmp(x->spec->id, id) != 0 || strcmp(x->label, label ? label : "") != 0)
			continue;
		(*count)++;
		hit = x;
	}
	return hit;
}

/* ---- the scenarios -------------------------------------------------------------------------- */

#define ABSENT (-1)

typedef struct expect {
	const char *id;
	const char *label; /* list deadlines: the item; NULL otherwise */
	int state;	   /* a cf_deadline_state, or ABSENT: the deadline does not apply */
	const char *due;   /* NULL: none (pending) */
	int days;
	const char *done;     /* NULL: not checked */
	const char *earliest; /* NULL: not checked */
} expect;

typedef struct scenario {
	const char *name;
	const char *today;
	int window; /* 0: the default warning window (5 working days) */
	const char *case_body;
	const char *actions;
	const char *family;
	expect e[10];
} scenario;

#define NOTIF "route: notification\n"
#define REFER "route: referral\n"
#define LCSPR "decision:\n  outcome: lcspr\n"

static const char *const ACTIONS =
    "recommendations:\n"
    "  - id: R1\n"
    "    text: Share information\n"
    "    actions:\n"
    "      - {id: R1.1, owner: Police, due: 2027-03-31, status: done, completed: 2027-03-31}\n"
    "      - {id: R1.2, owner: Police, due: 2027-03-25, status: done, completed: 2027-03-30}\n"
    "      - {id: R1.3, owner: Health, due: 2027-03-25, status: in-progress}\n"
    "      - {id: R1.4, owner: Health, due: 2027-04-06, status: open}\n"
    "      - {id: R1.5, owner: Health, due: 2027-04-07, status: open}\n"
    "      - {id: R1.6, owner: Health, due: 2027-01-04, status: dropped, reason: merged}\n"
    "  - id: R2\n"
    "    text: Train staff\n"
    "    actions:\n"
    "      - {id: R2.1, owner: Council, due: 2027-06-30, status: open}\n"
    "      - {id: R2.2, owner: Council, status: open}\n"
    "      - {owner: Council, due: 2027-03-29, status: open}\n";

static const char *const FAMILY =
    "members:\n"
    "  - {ref: M1, role: mother, pseudonym: Mother, name: Ann Example, is_child: false,\n"
    "     involvement: deferred, revisit_by: 2026-05-29}\n"
    "  - {ref: M2, role: father, pseudonym: Father, name: Bob Example, is_child: false,\n"
    "     involvement: deferred, revisit_by: 2026-06-08}\n"
    "  - {ref: M3, role: sibling, pseudonym: Sibling 1, name: Cal Example, is_child: true,\n"
    "     involvement: deferred, revisit_by: 2026-06-09}\n"
    "  - {ref: M4, role: grandparent, pseudonym: Grandmother, name: Dot Example,\n"
    "     is_child: false, involvement: declined, non_involvement_reason: x,\n"
    "     revisit_by: 2026-01-05}\n"
    "  - {ref: M5, role: carer, pseudonym: Carer, name: Eve Example, is_child: false,\n"
    "     involvement: participating}\n"
    "  - {ref: M6, role: partner, pseudonym: Partner, name: Fay Example, is_child: false,\n"
    "     involvement: deferred, revisit_by: 2026-06-01}\n"
    "  - {ref: M7, role: other, pseudonym: Aunt, name: Gus Example, is_child: false,\n"
    "     involvement: deferred}\n";

static const scenario scenarios[] = {
    /* notification: la_aware -> notified_national_panel, 5 working days, route notification.
     * From Tue 2026-12-22: 23 (1), 24 (2), [25 Christmas, 26-27, 28 Boxing Day substitute],
     * 29 (3), 30 (4), 31 (5). */
    {"notification: pending without la_aware",
     "2026-12-22",
     0,
     NOTIF "dates:\n  referral_received: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"notification: due-soon on the day of awareness (5 days left, the window's edge)",
     "2026-12-22",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_DUE_SOON, "2026-12-31", 5, NULL, NULL}}},
    {"notification: due-soon over Christmas",
     "2026-12-24",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_DUE_SOON, "2026-12-31", 3, NULL, NULL}}},
    {"notification: due-soon on the due day",
     "2026-12-31",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_DUE_SOON, "2026-12-31", 0, NULL, NULL}}},
    {"notification: open outside a 2-day window",
     "2026-12-23",
     2,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_OPEN, "2026-12-31", 4, NULL, NULL}}},
    {"notification: due-soon inside a 2-day window",
     "2026-12-29",
     2,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_DUE_SOON, "2026-12-31", 2, NULL, NULL}}},
    {"notification: met on the due day",
     "2027-01-04",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n  notified_national_panel: 2026-12-31\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_MET, "2026-12-31", 0, "2026-12-31", NULL}}},
    {"notification: met early",
     "2027-01-04",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n  notified_national_panel: 2026-12-23\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_MET, "2026-12-31", 0, "2026-12-23", NULL}}},
    {"notification: met late, 1 working day over New Year's Day and a weekend",
     "2027-01-04",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n  notified_national_panel: 2027-01-04\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_MET_LATE, "2026-12-31", 1, "2027-01-04", NULL}}},
    {"notification: overdue by 1 working day over New Year's Day and a weekend",
     "2027-01-04",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, CF_DL_OVERDUE, "2026-12-31", 1, NULL, NULL}}},
    {"notification: does not apply on route referral",
     "2027-01-04",
     0,
     REFER "dates:\n  la_aware: 2026-12-22\n  notified_national_panel: 2026-12-18\n"
	   "  referral_received: 2026-12-22\n",
     NULL,
     NULL,
     {{"notification", NULL, ABSENT, NULL, 0, NULL, NULL},
      {"rapid-review", NULL, ABSENT, NULL, 0, NULL, NULL},
      {"rapid-review-meeting", NULL, ABSENT, NULL, 0, NULL, NULL}}},

    /* info-requests: referral_received -> info_requests_sent, 2 working days, both routes.
     * From Thu 2026-04-02: [3 Good Friday, 4-5, 6 Easter Monday], 7 (1), 8 (2). */
    {"info-requests: pending without referral_received",
     "2026-04-02",
     0,
     REFER,
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"info-requests: due-soon on the day of the referral",
     "2026-04-02",
     0,
     NOTIF "dates:\n  referral_received: 2026-04-02\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_DUE_SOON, "2026-04-08", 2, NULL, NULL}}},
    {"info-requests: open outside a 1-day window",
     "2026-04-02",
     1,
     NOTIF "dates:\n  referral_received: 2026-04-02\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_OPEN, "2026-04-08", 2, NULL, NULL}}},
    {"info-requests: met the same day",
     "2026-04-10",
     0,
     NOTIF "dates:\n  referral_received: 2026-04-02\n  info_requests_sent: 2026-04-02\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_MET, "2026-04-08", 0, "2026-04-02", NULL}}},
    {"info-requests: met on the due day after Easter",
     "2026-04-10",
     0,
     NOTIF "dates:\n  referral_received: 2026-04-02\n  info_requests_sent: 2026-04-08\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_MET, "2026-04-08", 0, "2026-04-08", NULL}}},
    {"info-requests: met late by 1 working day",
     "2026-04-10",
     0,
     NOTIF "dates:\n  referral_received: 2026-04-02\n  info_requests_sent: 2026-04-09\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_MET_LATE, "2026-04-08", 1, "2026-04-09", NULL}}},
    {"info-requests: overdue by 1 working day",
     "2026-04-09",
     0,
     NOTIF "dates:\n  referral_received: 2026-04-02\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_OVERDUE, "2026-04-08", 1, NULL, NULL}}},
    {"info-requests: applies on route referral too",
     "2026-04-09",
     0,
     REFER "dates:\n  referral_received: 2026-04-02\n",
     NULL,
     NULL,
     {{"info-requests", NULL, CF_DL_OVERDUE, "2026-04-08", 1, NULL, NULL}}},

    /* rapid-review-meeting: referral_received -> rapid_review_meeting, between 7 and 13
     * working days, route notification.  From Fri 2026-05-08: 11 (1) ... 15 (5), 18 (6),
     * 19 (7: the window opens), 20 (8), 21 (9), 22 (10), [25 spring bank holiday], 26 (11),
     * 27 (12), 28 (13: due). */
    {"rapid-review-meeting: pending without referral_received",
     "2026-05-08",
     0,
     NOTIF,
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"rapid-review-meeting: open on the day of the referral, window 2026-05-19..28",
     "2026-05-08",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_OPEN, "2026-05-28", 13, NULL, "2026-05-19"}}},
    {"rapid-review-meeting: open 6 working days before the end of the window",
     "2026-05-19",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_OPEN, "2026-05-28", 6, NULL, "2026-05-19"}}},
    {"rapid-review-meeting: due-soon 5 working days before (over the bank holiday)",
     "2026-05-20",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_DUE_SOON, "2026-05-28", 5, NULL, "2026-05-19"}}},
    {"rapid-review-meeting: met on the first day of the window",
     "2026-06-01",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n  rapid_review_meeting: 2026-05-19\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_MET, "2026-05-28", 0, "2026-05-19", "2026-05-19"}}},
    {"rapid-review-meeting: met on the last day of the window",
     "2026-06-01",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n  rapid_review_meeting: 2026-05-28\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_MET, "2026-05-28", 0, "2026-05-28", "2026-05-19"}}},
    {"rapid-review-meeting: met late by 1 working day",
     "2026-06-01",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n  rapid_review_meeting: 2026-05-29\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_MET_LATE, "2026-05-28", 1, "2026-05-29", "2026-05-19"}}},
    {"rapid-review-meeting: overdue by 1 working day",
     "2026-05-29",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_OVERDUE, "2026-05-28", 1, NULL, "2026-05-19"}}},
    /* A meeting before the window opens is met-early: 12 May is 5 working days before 19. */
    {"rapid-review-meeting: a meeting before the window opens is met early",
     "2026-06-01",
     0,
     NOTIF "dates:\n  referral_received: 2026-05-08\n  rapid_review_meeting: 2026-05-12\n",
     NULL,
     NULL,
     {{"rapid-review-meeting", NULL, CF_DL_MET_EARLY, "2026-05-28", 5, "2026-05-12",
       "2026-05-19"}}},

    /* rapid-review: notified_national_panel -> rapid_review_submitted, 15 working days, route
     * notification.  From Fri 2026-12-18: 21-24 (1-4), 29-31 (5-7), [Jan 1], 2027-01-04..08
     * (8-12), 11 (13), 12 (14), 13 (15). */
    {"rapid-review: pending without notified_national_panel",
     "2026-12-22",
     0,
     NOTIF "dates:\n  la_aware: 2026-12-17\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"rapid-review: open on the day of the notification",
     "2026-12-18",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_OPEN, "2027-01-13", 15, NULL, NULL}}},
    {"rapid-review: open 6 working days before",
     "2027-01-05",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_OPEN, "2027-01-13", 6, NULL, NULL}}},
    {"rapid-review: due-soon 5 working days before",
     "2027-01-06",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_DUE_SOON, "2027-01-13", 5, NULL, NULL}}},
    {"rapid-review: met on the due day",
     "2027-01-18",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n"
	   "  rapid_review_submitted: 2027-01-13\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_MET, "2027-01-13", 0, "2027-01-13", NULL}}},
    {"rapid-review: met late by 2 working days",
     "2027-01-18",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n"
	   "  rapid_review_submitted: 2027-01-15\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_MET_LATE, "2027-01-13", 2, "2027-01-15", NULL}}},
    {"rapid-review: overdue by 3 working days (over a weekend)",
     "2027-01-18",
     0,
     NOTIF "dates:\n  notified_national_panel: 2026-12-18\n",
     NULL,
     NULL,
     {{"rapid-review", NULL, CF_DL_OVERDUE, "2027-01-13", 3, NULL, NULL}}},

    /* crg-discussion: referral_received -> crg_first_discussed, 1 month, route referral.
     * From 2026-01-31: 2026-02-28 (February's last day, a Saturday). */
    {"crg-discussion: pending without referral_received",
     "2026-02-02",
     0,
     REFER,
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL},
      {"crg-decision", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"crg-discussion: open, due on February's last day",
     "2026-02-02",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_OPEN, "2026-02-28", 19, NULL, NULL}}},
    {"crg-discussion: open 6 working days before",
     "2026-02-19",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_OPEN, "2026-02-28", 6, NULL, NULL}}},
    {"crg-discussion: due-soon 5 working days before",
     "2026-02-20",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_DUE_SOON, "2026-02-28", 5, NULL, NULL}}},
    {"crg-discussion: met on the due day (a Saturday)",
     "2026-03-02",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n  crg_first_discussed: 2026-02-28\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_MET, "2026-02-28", 0, "2026-02-28", NULL}}},
    {"crg-discussion: met late by 1 working day",
     "2026-03-05",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n  crg_first_discussed: 2026-03-02\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_MET_LATE, "2026-02-28", 1, "2026-03-02", NULL}}},
    {"crg-discussion: overdue by 1 working day across the weekend",
     "2026-03-02",
     0,
     REFER "dates:\n  referral_received: 2026-01-31\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, CF_DL_OVERDUE, "2026-02-28", 1, NULL, NULL}}},
    {"crg-discussion and crg-decision: do not apply on route notification",
     "2026-03-02",
     0,
     NOTIF "dates:\n  referral_received: 2026-01-31\n",
     NULL,
     NULL,
     {{"crg-discussion", NULL, ABSENT, NULL, 0, NULL, NULL},
      {"crg-decision", NULL, ABSENT, NULL, 0, NULL, NULL}}},

    /* crg-decision: referral_received -> crg_decision, 2 months, route referral.  From
     * 2026-12-31: 2027-02-28 (a Sunday); from 2027-12-31: 2028-02-29 (a leap year). */
    {"crg-decision: open, due on February's last day",
     "2027-01-04",
     0,
     REFER "dates:\n  referral_received: 2026-12-31\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_OPEN, "2027-02-28", 39, NULL, NULL},
      {"crg-discussion", NULL, CF_DL_OPEN, "2027-01-31", 19, NULL, NULL}}},
    {"crg-decision: due-soon",
     "2027-02-22",
     0,
     REFER "dates:\n  referral_received: 2026-12-31\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_DUE_SOON, "2027-02-28", 4, NULL, NULL}}},
    {"crg-decision: met",
     "2027-03-01",
     0,
     REFER "dates:\n  referral_received: 2026-12-31\n  crg_decision: 2027-02-26\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_MET, "2027-02-28", 0, "2027-02-26", NULL}}},
    {"crg-decision: met late by 2 working days",
     "2027-03-05",
     0,
     REFER "dates:\n  referral_received: 2026-12-31\n  crg_decision: 2027-03-02\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_MET_LATE, "2027-02-28", 2, "2027-03-02", NULL}}},
    {"crg-decision: overdue by 1 working day across the weekend",
     "2027-03-01",
     0,
     REFER "dates:\n  referral_received: 2026-12-31\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_OVERDUE, "2027-02-28", 1, NULL, NULL}}},
    {"crg-decision: 29 February in a leap year",
     "2028-03-01",
     0,
     REFER "dates:\n  referral_received: 2027-12-31\n  crg_decision: 2028-02-29\n",
     NULL,
     NULL,
     {{"crg-decision", NULL, CF_DL_MET, "2028-02-29", 0, "2028-02-29", NULL}}},

    /* lcspr-completion: decision_to_initiate -> published, 6 months, excused by
     * delay_notified, outcome lcspr.  From 2026-08-31: 2027-02-28 (a Sunday). */
    {"lcspr-completion: pending without decision_to_initiate",
     "2026-09-01",
     0,
     REFER LCSPR,
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"lcspr-completion: open",
     "2026-09-01",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_OPEN, "2027-02-28", 125, NULL, NULL}}},
    {"lcspr-completion: due-soon",
     "2027-02-22",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_DUE_SOON, "2027-02-28", 4, NULL, NULL}}},
    {"lcspr-completion: met",
     "2027-03-01",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n  published: 2027-02-26\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_MET, "2027-02-28", 0, "2027-02-26", NULL}}},
    {"lcspr-completion: met late by 3 working days",
     "2027-03-05",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n  published: 2027-03-03\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_MET_LATE, "2027-02-28", 3, "2027-03-03", NULL}}},
    {"lcspr-completion: excused (delay notified, not yet published)",
     "2027-03-15",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n  delay_notified: 2027-02-01\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_EXCUSED, "2027-02-28", 0, "2027-02-01", NULL}}},
    {"lcspr-completion: excused although published late",
     "2027-05-03",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n  delay_notified: 2027-02-01\n"
		 "  published: 2027-04-01\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_EXCUSED, "2027-02-28", 0, "2027-02-01", NULL}}},
    {"lcspr-completion: overdue by 1 working day across the weekend",
     "2027-03-01",
     0,
     REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, CF_DL_OVERDUE, "2027-02-28", 1, NULL, NULL}}},
    {"lcspr-completion: does not apply when the outcome is not lcspr",
     "2027-03-01",
     0,
     REFER "decision:\n  outcome: no-review\ndates:\n  decision_to_initiate: 2026-08-31\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, ABSENT, NULL, 0, NULL, NULL}}},
    {"lcspr-completion: does not apply before a decision",
     "2027-03-01",
     0,
     REFER "dates:\n  decision_to_initiate: 2026-08-31\n",
     NULL,
     NULL,
     {{"lcspr-completion", NULL, ABSENT, NULL, 0, NULL, NULL}}},

    /* panel-copy: no later than 7 working days before publication_planned <- sent_to_panel:
     * at least 7 working days must follow the copy, up to and including Thu 2027-01-07:
     * 7, 6, 5, 4, [3, 2, Jan 1], 2026-12-31, 30, 29 are the seven, so the last day that
     * leaves them all is Mon 28 December (the Boxing Day substitute). */
    {"panel-copy and debrief: pending without publication_planned",
     "2026-12-01",
     0,
     NOTIF,
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL},
      {"debrief", NULL, CF_DL_PENDING, NULL, 0, NULL, NULL}}},
    {"panel-copy: open, counting back over Christmas",
     "2026-12-01",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_OPEN, "2026-12-28", 17, NULL, NULL}}},
    {"panel-copy: open 6 working days before",
     "2026-12-16",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_OPEN, "2026-12-28", 6, NULL, NULL}}},
    {"panel-copy: due-soon 5 working days before",
     "2026-12-17",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_DUE_SOON, "2026-12-28", 5, NULL, NULL}}},
    {"panel-copy: met on the last working day before the due date",
     "2027-01-07",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n  sent_to_panel: 2026-12-24\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_MET, "2026-12-28", 0, "2026-12-24", NULL}}},
    {"panel-copy: met late by 1 working day over Christmas",
     "2027-01-07",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n  sent_to_panel: 2026-12-29\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_MET_LATE, "2026-12-28", 1, "2026-12-29", NULL}}},
    {"panel-copy: overdue by 1 working day over Christmas",
     "2026-12-29",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-07\n",
     NULL,
     NULL,
     {{"panel-copy", NULL, CF_DL_OVERDUE, "2026-12-28", 1, NULL, NULL}}},

    /* debrief: before publication_planned (1 day before) <- practitioner_debrief.  Before Mon
     * 2027-01-04 the due day is Sunday 3 January. */
    {"debrief: open",
     "2026-12-01",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-04\n",
     NULL,
     NULL,
     {{"debrief", NULL, CF_DL_OPEN, "2027-01-03", 20, NULL, NULL}}},
    {"debrief: due-soon",
     "2026-12-24",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-04\n",
     NULL,
     NULL,
     {{"debrief", NULL, CF_DL_DUE_SOON, "2027-01-03", 3, NULL, NULL}}},
    {"debrief: met on the last working day before publication",
     "2027-01-04",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-04\n  practitioner_debrief: 2026-12-31\n",
     NULL,
     NULL,
     {{"debrief", NULL, CF_DL_MET, "2027-01-03", 0, "2026-12-31", NULL}}},
    {"debrief: met late, on the day of publication",
     "2027-01-05",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-04\n  practitioner_debrief: 2027-01-04\n",
     NULL,
     NULL,
     {{"debrief", NULL, CF_DL_MET_LATE, "2027-01-03", 1, "2027-01-04", NULL}}},
    {"debrief: overdue on the day of publication",
     "2027-01-04",
     0,
     NOTIF "dates:\n  publication_planned: 2027-01-04\n",
     NULL,
     NULL,
     {{"debrief", NULL, CF_DL_OVERDUE, "2027-01-03", 1, NULL, NULL}}},

    /* actions: each action of actions.yaml by its own due date, met by `completed`; dropped
     * ones are not deadlines, nor are those without a due date.  On Tue 2027-03-30 (after
     * Good Friday 26 and Easter Monday 29 March). */
    {"actions: one deadline per action",
     "2027-03-30",
     0,
     REFER,
     ACTIONS,
     NULL,
     {{"actions", "R1.1", CF_DL_MET, "2027-03-31", 0, "2027-03-31", NULL},
      {"actions", "R1.2", CF_DL_MET_LATE, "2027-03-25", 1, "2027-03-30", NULL},
      {"actions", "R1.3", CF_DL_OVERDUE, "2027-03-25", 1, NULL, NULL},
      {"actions", "R1.4", CF_DL_DUE_SOON, "2027-04-06", 5, NULL, NULL},
      {"actions", "R1.5", CF_DL_OPEN, "2027-04-07", 6, NULL, NULL},
      {"actions", "R1.6", ABSENT, NULL, 0, NULL, NULL},
      {"actions", "R2.1", CF_DL_OPEN, "2027-06-30", 64, NULL, NULL},
      {"actions", "R2.2", ABSENT, NULL, 0, NULL, NULL},
      {"actions", "#3", CF_DL_OVERDUE, "2027-03-29", 1, NULL, NULL}}},

    /* revisit: each deferred family member by revisit_by (no met_by: revisiting it changes
     * the involvement).  On Mon 2026-06-01. */
    {"revisit: one deadline per deferred member",
     "2026-06-01",
     0,
     REFER,
     NULL,
     FAMILY,
     {{"revisit", "M1", CF_DL_OVERDUE, "2026-05-29", 1, NULL, NULL},
      {"revisit", "M2", CF_DL_DUE_SOON, "2026-06-08", 5, NULL, NULL},
      {"revisit", "M3", CF_DL_OPEN, "2026-06-09", 6, NULL, NULL},
      {"revisit", "M4", ABSENT, NULL, 0, NULL, NULL},
      {"revisit", "M5", ABSENT, NULL, 0, NULL, NULL},
      {"revisit", "M6", CF_DL_DUE_SOON, "2026-06-01", 0, NULL, NULL},
      {"revisit", "M7", ABSENT, NULL, 0, NULL, NULL}}},
};

static void check_expect(const scenario *sc, const expect *e, const cf_deadline_results *res)
{
	char name[400], buf[11], what[80];
	int count;
	const cf_deadline_result *x = find(res, e->id, e->label, &count);
	snprintf(what, sizeof(what), "%s%s%s", e->id, e->label ? " " : "",
		 e->label ? e->label : "");
	if (e->state == ABSENT) {
		snprintf(name, sizeof(name), "%s [%s on %s]: does not apply", sc->name, what,
			 sc->today);
		is_int(count, 0, name);
		return;
	}
	char got[32];
	if (count == 1)
		snprintf(got, sizeof(got), "%s", cf_deadline_state_name(x->state));
	else
		snprintf(got, sizeof(got), "(%d results)", count);
	snprintf(name, sizeof(name), "%s [%s on %s]: %s", sc->name, what, sc->today,
		 cf_deadline_state_name((cf_deadline_state)e->state));
	if (!is_str(got, cf_deadline_state_name((cf_deadline_state)e->state), name) && count != 1)
		return;
	snprintf(name, sizeof(name), "%s [%s]: due %s", sc->name, what, e->due ? e->due : "(none)");
	is_str(fmt(buf, x->due), e->due ? e->due : "(none)", name);
	snprintf(name, sizeof(name), "%s [%s]: days %d", sc->name, what, e->days);
	is_int(x->days, e->days, name);
	if (e->done) {
		snprintf(name, sizeof(name), "%s [%s]: done %s", sc->name, what, e->done);
		is_str(fmt(buf, x->done), e->done, name);
	}
	if (e->earliest) {
		snprintf(name, sizeof(name), "%s [%s]: window opens %s", sc->name, what,
			 e->earliest);
		is_str(fmt(buf, x->earliest), e->earliest, name);
	}
}

static void test_scenarios(void)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(*scenarios); i++) {
		const scenario *sc = &scenarios[i];
		world W;
		cf_deadline_results res;
		if (!ok(world_open(&W, sc->window, sc->case_body, sc->actions, sc->family) == 0,
			sc->name)) {
			continue;
		}
		char name[300];
		snprintf(name, sizeof(name), "%s: evaluated on %s", sc->name, sc->today);
		if (ok(world_eval(&W, sc->today, &res) == 0, name)) {
			for (const expect *e = sc->e; e->id; e++)
				check_expect(sc, e, &res);
		}
		cf_deadline_results_free(&res);
		world_close(&W);
	}
}

/* ---- the schema holds every deadline of CASE-FORMAT.md -------------------------------------- */

static void test_schema_table(void)
{
	static const struct {
		const char *id, *describe, *met_by, *excused_by, *when;
	} want[] = {
	    {"notification", "5 working days from dates.la_aware", "dates.notified_national_panel",
	     NULL, "route is notification"},
	    {"info-requests", "2 working days from dates.referral_received",
	     "dates.info_requests_sent", NULL, ""},
	    {"rapid-review-meeting", "between 7 and 13 working days from dates.referral_received",
	     "dates.rapid_review_meeting", NULL, "route is notification"},
	    {"rapid-review", "15 working days from dates.notified_national_panel",
	     "dates.rapid_review_submitted", NULL, "route is notification"},
	    {"crg-discussion", "1 month from dates.referral_received", "dates.crg_first_discussed",
	     NULL, "route is referral"},
	    {"crg-decision", "2 months from dates.referral_received", "dates.crg_decision", NULL,
	     "route is referral"},
	    {"lcspr-completion", "6 months from dates.decision_to_initiate", "dates.published",
	     "dates.delay_notified", "decision.outcome is lcspr"},
	    {"panel-copy", "7 working days before dates.publication_planned", "dates.sent_to_panel",
	     NULL, ""},
	    {"debrief", "1 day before dates.publication_planned", "dates.practitioner_debrief",
	     NULL, ""},
	    {"actions", "by each item's due (actions.yaml)", "completed", NULL, NULL},
	    {"revisit", "by each item's revisit_by (family.yaml)", NULL, NULL,
	     "involvement is deferred"},
	};
	const size_t n_want = sizeof(want) / sizeof(*want);
	world W;
	if (!ok(world_open(&W, 0, NOTIF, NULL, NULL) == 0, "schemas/cspr.yaml loads"))
		return;
	const cf_deadlines *dl = W.c->deadlines;
	is_int(dl->n, n_want, "cspr.yaml declares the 11 deadlines of CASE-FORMAT.md");
	for (size_t i = 0; i < n_want; i++) {
		char name[160], rule[64];
		snprintf(rule, sizeof(rule), "deadline/%s", want[i].id);
		const cf_deadline_spec *s = cf_deadlines_find(dl, rule);
		snprintf(name, sizeof(name), "%s is in cspr.yaml", want[i].id);
		if (!ok(s != NULL, name))
			continue;
		cf_buf b = CF_BUF_INIT;
		cf_deadline_describe(&b, s);
		snprintf(name, sizeof(name), "%s: %s", want[i].id, want[i].describe);
		is_str(cf_buf_cstr(&b), want[i].describe, name);
		snprintf(name, sizeof(name), "%s: met by %s", want[i].id,
			 want[i].met_by ? want[i].met_by : "(nothing)");
		is_str(s->met_by.path, want[i].met_by, name);
		snprintf(name, sizeof(name), "%s: excused by %s", want[i].id,
			 want[i].excused_by ? want[i].excused_by : "(nothing)");
		is_str(s->excused_by.path, want[i].excused_by, name);
		if (want[i].when) {
			cf_buf_clear(&b);
			cf_conds_describe(&b, &s->when);
			snprintf(name, sizeof(name), "%s: applies when '%s'", want[i].id,
				 want[i].when);
			is_str(cf_buf_cstr(&b), want[i].when, name);
		}
		ok(s->source && *s->source, "and cites its source");
		cf_buf_free(&b);
	}
	const cf_deadline_spec *a = cf_deadlines_find(dl, "deadline/actions");
	ok(a && a->each_file && strcmp(a->each_file, "actions.yaml") == 0 &&
	       strcmp(a->each_path, "recommendations[].actions[]") == 0,
	   "actions: each action of recommendations[].actions[] in actions.yaml");
	ok(cf_deadlines_find(dl, "deadline/nope") == NULL, "an unknown deadline is not found");
	ok(cf_deadlines_find(dl, "notification") == NULL, "a rule id needs the deadline/ prefix");
	world_close(&W);
}

/* Which deadlines a case of each route carries, whatever it records. */
static void test_applicability(void)
{
	static const char *const notif[] = {"notification", "info-requests", "rapid-review-meeting",
					    "rapid-review", "panel-copy",    "debrief"};
	static const char *const refer[] = {"info-requests",	"crg-discussion", "crg-decision",
					    "lcspr-completion", "panel-copy",	  "debrief"};
	world W;
	cf_deadline_results res;
	if (ok(world_open(&W, 0, NOTIF, NULL, NULL) == 0, "the case is set up")) {
		world_eval(&W, "2026-06-01", &res);
		is_int(res.n, 6, "a notification with nothing recorded: six deadlines");
		for (size_t i = 0; i < res.n && i < 6; i++) {
			is_str(res.items[i].spec->id, notif[i], "in the schema's order");
			is_str(cf_deadline_state_name(res.items[i].state), "pending",
			       "and pending: nothing to count from");
		}
		cf_deadline_results_free(&res);
		world_close(&W);
	}
	if (ok(world_open(&W, 0, REFER LCSPR, NULL, NULL) == 0, "the case is set up")) {
		world_eval(&W, "2026-06-01", &res);
		is_int(res.n, 6, "a referral going to an LCSPR, nothing recorded: six deadlines");
		for (size_t i = 0; i < res.n && i < 6; i++)
			is_str(res.items[i].spec->id, refer[i], "in the schema's order");
		cf_deadline_results_free(&res);
		world_close(&W);
	}
	/* The pending result points at case.yaml, the file to edit. */
	if (ok(world_open(&W, 0, NOTIF, NULL, NULL) == 0, "the case is set up")) {
		world_eval(&W, "2026-06-01", &res);
		int count;
		const cf_deadline_result *x = find(&res, "notification", NULL, &count);
		is_str(x ? x->file : NULL, "cases/2026-001/case.yaml", "pending names case.yaml");
		ok(x && x->anchor == CF_DATE_NONE && x->due == CF_DATE_NONE &&
		       x->done == CF_DATE_NONE,
		   "with no dates");
		cf_deadline_results_free(&res);
		world_close(&W);
	}
	/* A list deadline points at the item's due date. */
	if (ok(world_open(&W, 0, REFER, ACTIONS, NULL) == 0, "the case is set up")) {
		world_eval(&W, "2027-03-30", &res);
		int count;
		const cf_deadline_result *x = find(&res, "actions", "R1.3", &count);
		is_str(x ? x->file : NULL, "cases/2026-001/actions.yaml",
		       "an action names actions.yaml");
		is_int(x ? x->line : 0, 7, "at the action's line");
		size_t n = 0;
		for (size_t i = 0; i < res.n; i++)
			n += strcmp(res.items[i].spec->id, "actions") == 0;
		is_int(n, 7,
		       "seven actions are deadlines: not the dropped one nor the undated one");
		cf_deadline_results_free(&res);
		world_close(&W);
	}
}

/* ---- what check prints ----------------------------------------------------------------------- */

static char *report_text(world *W, const char *today, size_t *count)
{
	cf_deadline_results res;
	cf_diags d = CF_DIAGS_INIT;
	cf_buf out = CF_BUF_INIT;
	world_eval(W, today, &res);
	cf_deadlines_report(&res, &d);
	cf_diags_sort(&d);
	*count = d.len;
	for (size_t i = 0; i < d.len; i++)
		cf_diag_format_text(&out, &d.items[i]);
	cf_diags_free(&d);
	cf_deadline_results_free(&res);
	char *s = cf_buf_detach(&out);
	return s ? s : calloc(1, 1);
}

/* On the due day itself the deadline is only due-soon, of which check says nothing. */
static void quiet_on_due_day(world *W, const char *text)
{
	(void)text;
	size_t n;
	char *t = report_text(W, "2027-01-13", &n);
	is_int(n, 0, "due-soon on the due day: no warning");
	free(t);
}

static void no_real_name(world *W, const char *text)
{
	(void)W;
	ok(strstr(text, "Ann Example") == NULL, "revisit: no real name");
}

/* A case as written, the day check runs, and exactly the warnings it prints then; more, when
 * set, asserts what the row cannot say. */
typedef struct report_case {
	const char *case_body, *actions, *family;
	const char *today;
	size_t n;
	const char *n_name;
	const char *want;
	const char *want_name;
	void (*more)(world *W, const char *text);
} report_case;

static const report_case report_cases[] = {
    /* Overdue: the line and column of the date it counts from (notified_national_panel is
     * at line 7, its value at column 28). */
    {.case_body = NOTIF "dates:\n  notified_national_panel: 2026-12-18\n",
     .today = "2027-01-18",
     .n = 1,
     .n_name = "overdue: one warning (the pending deadlines say nothing)",
     .want = "cases/2026-001/case.yaml:7:28: warning[deadline/rapid-review]: due "
	     "2027-01-13 (15 working days from 2026-12-18): 3 working days overdue\n"
	     "  hint: Rapid review sent to the National Panel (001 §3.1.2, §4.2.2; 004); "
	     "record dates.rapid_review_submitted when it is done\n",
     .want_name = "overdue: the warning and its hint",
     .more = quiet_on_due_day},

    /* Met late, with an excuse it did not use: the hint does not ask for a date. */
    {.case_body = REFER LCSPR "dates:\n  decision_to_initiate: 2026-08-31\n"
			      "  published: 2027-03-03\n",
     .today = "2027-03-05",
     .n = 1,
     .n_name = "met late: one warning",
     .want = "cases/2026-001/case.yaml:9:25: warning[deadline/lcspr-completion]: due "
	     "2027-02-28 (6 months from 2026-08-31): met late, on 2027-03-03, 3 working "
	     "days after\n"
	     "  hint: LCSPR completed and published (001 §3.1.2-3.1.3: a delay past six "
	     "months is notified to the National Panel and the Secretary of State)\n",
     .want_name = "met late: the warning and its hint"},

    /* Several at once: a window met late, an overdue deadline that can be excused, a
     * `before:` deadline met late; the met ones and the pending one say nothing. */
    {.case_body = NOTIF LCSPR "dates:\n"
			      "  referral_received: 2026-05-08\n"
			      "  info_requests_sent: 2026-05-08\n"
			      "  rapid_review_meeting: 2026-05-29\n"
			      "  decision_to_initiate: 2026-08-31\n"
			      "  publication_planned: 2027-01-07\n"
			      "  sent_to_panel: 2026-12-29\n"
			      "  practitioner_debrief: 2027-01-05\n",
     .today = "2027-03-01",
     .n = 3,
     .n_name = "three warnings",
     .want = "cases/2026-001/case.yaml:9:22: warning[deadline/rapid-review-meeting]: due "
	     "2026-05-28 (between 7 and 13 working days from 2026-05-08): met late, on "
	     "2026-05-29, 1 working day after\n"
	     "  hint: Rapid review meeting held (001 §4.4.2)\n"
	     "cases/2026-001/case.yaml:12:25: warning[deadline/lcspr-completion]: due "
	     "2027-02-28 (6 months from 2026-08-31): 1 working day overdue\n"
	     "  hint: LCSPR completed and published (001 §3.1.2-3.1.3: a delay past six "
	     "months is notified to the National Panel and the Secretary of State); "
	     "record dates.published when it is done, or dates.delay_notified if the "
	     "delay was notified\n"
	     "cases/2026-001/case.yaml:13:24: warning[deadline/panel-copy]: due "
	     "2026-12-28 (7 working days before 2027-01-07): met late, on 2026-12-29, 1 "
	     "working day after\n"
	     "  hint: Report sent to the National Panel, Ofsted and DfE (001 §10.5.1: no "
	     "later than seven working days before publication)\n",
     .want_name = "a window, an excusable deadline and a before: deadline"},

    /* List items: named by their id (or place), at their due date. */
    {.case_body = REFER,
     .actions = ACTIONS,
     .today = "2027-03-30",
     .n = 3,
     .n_name = "actions: the late and the overdue ones",
     .want = "cases/2026-001/actions.yaml:6:40: warning[deadline/actions]: R1.2 due "
	     "2027-03-25: met late, on 2027-03-30, 1 working day after\n"
	     "  hint: Action of the plan completed (001 §11.4: monitoring progress of the "
	     "action plan)\n"
	     "cases/2026-001/actions.yaml:7:40: warning[deadline/actions]: R1.3 due "
	     "2027-03-25: 1 working day overdue\n"
	     "  hint: Action of the plan completed (001 §11.4: monitoring progress of the "
	     "action plan); record completed when it is done\n"
	     "cases/2026-001/actions.yaml:16:31: warning[deadline/actions]: #3 due "
	     "2027-03-29: 1 working day overdue\n"
	     "  hint: Action of the plan completed (001 §11.4: monitoring progress of the "
	     "action plan); record completed when it is done\n",
     .want_name = "actions: each by its label"},
    {.case_body = REFER,
     .family = FAMILY,
     .today = "2026-06-01",
     .n = 1,
     .n_name = "revisit: the one passed",
     .want = "cases/2026-001/family.yaml:3:41: warning[deadline/revisit]: M1 due "
	     "2026-05-29: 1 working day overdue\n"
	     "  hint: Deferred family member's involvement revisited (000 §1.3, §1.7: a "
	     "deferred decision is revisited later)\n",
     .want_name = "revisit: named by the member's ref, at its revisit_by",
     .more = no_real_name},
};

static void test_report(void)
{
	for (size_t i = 0; i < sizeof(report_cases) / sizeof(*report_cases); i++) {
		const report_case *r = &report_cases[i];
		world W;
		size_t n;
		/* a case that cannot be set up fails here, rather than its row not running */
		if (!ok(world_open(&W, 0, r->case_body, r->actions, r->family) == 0,
			"the case is set up"))
			continue;
		char *text = report_text(&W, r->today, &n);
		is_int(n, r->n, r->n_name);
		is_str(text, r->want, r->want_name);
		if (r->more)
			r->more(&W, text);
		free(text);
		world_close(&W);
	}
}

/* ---- once mismatches, now fixed ----------------------------------------------------------------
 */

static void test_known_bugs(void)
{
	world W;
	cf_deadline_results res;
	int count;
	/* CASE-FORMAT.md: debrief "before publication"; readiness item 8: practitioner_debrief
	 * is before publication_planned, so a debrief on the Sunday before a Monday publication
	 * is on time (cspr.yaml once said "1 working day before" and called it late). */
	if (ok(world_open(&W, 0,
			  NOTIF "dates:\n  publication_planned: 2027-01-04\n"
				"  practitioner_debrief: 2027-01-03\n",
			  NULL, NULL) == 0,
	       "the case is set up")) {
		world_eval(&W, "2027-01-05", &res);
		const cf_deadline_result *x = find(&res, "debrief", NULL, &count);
		ok(x && x->state == CF_DL_MET,
		   "debrief: held on the Sunday before a Monday publication is met");
		cf_deadline_results_free(&res);
		world_close(&W);
	}
}

/* ---- parsing: a malformed deadline names its schema line --------------------------------------
 */

static const char *SCHEMA_HEAD = "schema: t\n"
				 "stages: [open, closed]\n"
				 "documents:\n"
				 "  case.yaml:\n"
				 "    fields:\n"
				 "      route: {type: enum, values: [a, b]}\n"
				 "      dates:\n"
				 "        type: map\n"
				 "        fields:\n"
				 "          start: {type: date}\n"
				 "          done: {type: date}\n"
				 "          planned: {type: date}\n"
				 "deadlines:\n"; /* the deadlines start at line 14 */

static const char *parse_diags(const char *deadlines, int *rc, size_t *nd)
{
	static cf_buf out = CF_BUF_INIT;
	cf_buf_clear(&out);
	cf_buf text = CF_BUF_INIT;
	cf_buf_puts(&text, SCHEMA_HEAD);
	cf_buf_puts(&text, deadlines);
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	*rc = -2;
	if (cf_schema_parse(&s, "s.yaml", cf_buf_cstr(&text), text.len, &d) == 0) {
		cf_deadlines dl;
		*rc = cf_deadlines_parse(&dl, s, &d);
	}
	*nd = d.len;
	for (size_t i = 0; i < d.len; i++)
		cf_diag_format_text(&out, &d.items[i]);
	cf_diags_free(&d);
	cf_schema_free(s);
	cf_buf_free(&text);
	return cf_buf_cstr(&out);
}

static void test_parse(void)
{
	/* A good one, to see what it parsed. */
	cf_buf text = CF_BUF_INIT;
	cf_buf_puts(&text, SCHEMA_HEAD);
	cf_buf_puts(&text, "  - id: good\n"
			   "    title: Good\n"
			   "    before: dates.planned\n"
			   "    within: 3 working days\n"
			   "    met_by: dates.done\n"
			   "    when: {field: route, is: a}\n"
			   "  - id: window\n"
			   "    title: Window\n"
			   "    from: dates.start\n"
			   "    within: between 2 and 4 working days\n"
			   "  - id: cal\n"
			   "    title: Calendar days\n"
			   "    from: dates.start\n"
			   "    within: 10 days\n"
			   "    excused_by: dates.done\n");
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	cf_deadlines dl;
	memset(&dl, 0, sizeof(dl));
	ok(cf_schema_parse(&s, "s.yaml", cf_buf_cstr(&text), text.len, &d) == 0 &&
	       cf_deadlines_parse(&dl, s, &d) == 0,
	   "a well-formed deadlines section parses");
	is_int(d.len, 0, "with no diagnostics");
	if (dl.n == 3) {
		ok(dl.items[0].before && dl.items[0].n == 3 &&
		       dl.items[0].unit == CF_SPAN_WORKING_DAYS && dl.items[0].n_min < 0 &&
		       strcmp(dl.items[0].anchor.path, "dates.planned") == 0 &&
		       dl.items[0].when.n == 1 && dl.items[0].line == 14,
		   "before: 3 working days, at line 14");
		ok(!dl.items[1].before && dl.items[1].n_min == 2 && dl.items[1].n == 4,
		   "between 2 and 4 working days");
		ok(dl.items[2].unit == CF_SPAN_DAYS && dl.items[2].n == 10 &&
		       strcmp(dl.items[2].excused_by.path, "dates.done") == 0,
		   "10 (calendar) days, excused by dates.done");
		cf_buf b = CF_BUF_INIT;
		cf_deadline_describe(&b, &dl.items[2]);
		is_str(cf_buf_cstr(&b), "10 days from dates.start", "described");
		cf_buf_free(&b);
	} else {
		ok(0, "three deadlines");
	}
	cf_diags_free(&d);
	cf_schema_free(s);
	cf_buf_free(&text);
}

/* A malformed deadline: what is wrong with it, and the one diagnostic that says so, at the
 * place `where` names. */
typedef struct parse_case {
	const char *name;
	const char *deadlines;
	const char *want;
	const char *where;
} parse_case;

static const parse_case parse_cases[] = {
    {"an unknown span is refused",
     "  - id: fortnightly\n"
     "    title: Bad span\n"
     "    from: dates.start\n"
     "    within: 3 fortnights\n",
     "s.yaml:17:13: error[schema/invalid]: deadline 'fortnightly' needs 'within: N "
     "working days', 'N months', 'N days' or 'between A and B working days'\n",
     "at the within: line"},
    {"both from and before are refused",
     "  - id: twice\n"
     "    title: Both\n"
     "    from: dates.start\n"
     "    before: dates.planned\n"
     "    within: 3 working days\n",
     "s.yaml:14:5: error[schema/invalid]: deadline 'twice' needs one of 'from' or "
     "'before'\n",
     "at the deadline's line"},
    {"an unknown met_by field is refused",
     "  - id: ok\n"
     "    title: Fine\n"
     "    from: dates.start\n"
     "    within: 3 working days\n"
     "  - id: unknown\n"
     "    title: Unknown met_by\n"
     "    from: dates.start\n"
     "    within: 3 working days\n"
     "    met_by: dates.finished\n",
     "s.yaml:22:13: error[schema/invalid]: 'dates.finished' is not a date field of the "
     "schema\n",
     "at the met_by: line, after a good deadline"},
    {"a from: that is not a date is refused",
     "  - id: notdate\n"
     "    title: Not a date\n"
     "    from: route\n"
     "    within: 1 month\n",
     "s.yaml:16:11: error[schema/invalid]: 'route' is not a date field of the schema\n",
     "at the from: line"},
    {"a window counted before a date is refused",
     "  - id: win\n"
     "    title: Backwards window\n"
     "    before: dates.planned\n"
     "    within: between 1 and 3 working days\n",
     "s.yaml:17:13: error[schema/invalid]: a window ('between') counts from a date, "
     "not before one\n",
     "at the within: line"},
    {"an unknown key is refused",
     "  - id: typo\n"
     "    title: Typo\n"
     "    from: dates.start\n"
     "    within: 3 working days\n"
     "    met: dates.done\n",
     "s.yaml:18:5: error[schema/invalid]: unknown key 'met' in a deadline\n", "at the key"},
    {"a second deadline with the same id is refused",
     "  - id: dup\n"
     "    title: One\n"
     "    from: dates.start\n"
     "    within: 1 month\n"
     "  - id: dup\n"
     "    title: Two\n"
     "    from: dates.start\n"
     "    within: 2 months\n",
     "s.yaml:18:5: error[schema/invalid]: a second deadline with id 'dup'\n", "at the second one"},
};

/* Each is refused, with exactly one diagnostic, at its place. */
static void test_parse_errors(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(*parse_cases); i++) {
		const parse_case *p = &parse_cases[i];
		int rc;
		size_t nd;
		char name[160];
		const char *t = parse_diags(p->deadlines, &rc, &nd);
		is_int(rc, -1, p->name);
		snprintf(name, sizeof(name), "%s: once", p->name);
		is_int(nd, 1, name);
		snprintf(name, sizeof(name), "%s: %s", p->name, p->where);
		is_str(t, p->want, name);
	}
}

int main(void)
{
	if (cf_init() < 0) {
		printf("Bail out! cf_init failed\n");
		return 1;
	}
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	test_schema_table();
	test_scenarios();
	test_applicability();
	test_report();
	test_known_bugs();
	test_parse();
	test_parse_errors();
	return tap_done();
}
