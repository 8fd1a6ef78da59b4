/* lib/rules/publication: every item of the readiness list (CASE-FORMAT.md, "Publication
 * readiness") on a real case repository made for each scenario: a copy of example-repo's
 * .casefile and of its published case 2025-006 (which holds every item), edited to break one
 * item.  Each scenario asserts the exact diagnostic line, as `casefile ready` and `casefile
 * check` print it, and that the unedited case passes.  Working days come from the published
 * England & Wales bank holidays (2026: Dec 25 Fri, Dec 28 Mon; 2027: Jan 1 Fri). */
#include "tap.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "caseload.h"
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "rules/publication.h"
#include "source.h"

#include "fsutil.h"

#define CASE "2025-006"

typedef struct world {
	char src[PATH_MAX];  /* the source tree */
	char root[PATH_MAX]; /* the repository made for the scenario */
	char *schema_dir;
	cf_repo *repo;
	cf_source *source;
	cf_case *c;
	cf_diags load;
} world;

/* A path, printed: malloc'd (NULL when memory ran out). */
static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	cf_buf b = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return cf_buf_detach(&b);
}

/* Replaces the one occurrence of old in the case's file by new; the scenario bails out when the
 * text is not there (the fixture changed under the test). */
static int edit(world *W, const char *file, const char *old, const char *new)
{
	char *path = pathf("%s/cases/%s/%s", W->root, CASE, file);
	cf_buf data = CF_BUF_INIT, out = CF_BUF_INIT;
	if (!path || cf_read_file_buf(&data, path, 1 << 20) < 0) {
		free(path);
		return -1;
	}
	const char *at = strstr(cf_buf_cstr(&data), old);
	int rc = -1;
	if (at) {
		cf_buf_put(&out, data.ptr, (size_t)(at - data.ptr));
		cf_buf_puts(&out, new);
		cf_buf_puts(&out, at + strlen(old));
		rc = write_text(path, cf_buf_cstr(&out), 0644);
	} else {
		printf("# the fixture %s has no '%s'\n", file, old);
	}
	cf_buf_free(&data);
	cf_buf_free(&out);
	free(path);
	return rc;
}

/* ---- the world ---------------------------------------------------------------------------------
 */

static void world_close(world *W)
{
	cf_case_free(W->c);
	cf_source_free(W->source);
	cf_repo_free(W->repo);
	cf_diags_free(&W->load);
	W->c = NULL;
	W->source = NULL;
	W->repo = NULL;
	if (W->root[0])
		remove_tree(W->root);
	W->root[0] = '\0';
}

/* A fresh copy of the example repository's config and case 2025-006. */
static int world_new(world *W)
{
	if (make_temp_dir_resolved(W->root, "publication") < 0) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	char *f1 = pathf("%s/example-repo/.casefile", W->src);
	char *t1 = pathf("%s/.casefile", W->root);
	char *f2 = pathf("%s/example-repo/cases/%s", W->src, CASE);
	char *t2 = pathf("%s/cases/%s", W->root, CASE);
	int rc = f1 && t1 && f2 && t2 && copy_tree(f1, t1) == 0 && copy_tree(f2, t2) == 0 ? 0 : -1;
	free(f1);
	free(t1);
	free(f2);
	free(t2);
	return rc;
}

static int world_load(world *W)
{
	const char *dirs[1] = {W->schema_dir};
	cf_diags_free(&W->load);
	if (cf_repo_open(&W->repo, W->root, dirs, 1, &W->load) < 0 ||
	    cf_source_open_workdir(&W->source, W->root) < 0 ||
	    cf_case_load(&W->c, W->repo, W->source, CASE, &W->load) < 0 || !W->c->schema) {
		for (size_t i = 0; i < W->load.len; i++) {
			cf_buf t = CF_BUF_INIT;
			cf_diag_format_text(&t, &W->load.items[i]);
			printf("# %s", cf_buf_cstr(&t));
			cf_buf_free(&t);
		}
		return -1;
	}
	return 0;
}

/* The first line of a diagnostic, as casefile prints it. */
static char *line_of(const cf_diag *d)
{
	cf_buf t = CF_BUF_INIT;
	cf_diag_format_text(&t, d);
	char *s = cf_buf_detach(&t);
	if (s && strchr(s, '\n'))
		*strchr(s, '\n') = '\0';
	return s;
}

typedef struct result {
	cf_publication_item items[CF_PUBLICATION_ITEMS];
	cf_diags list;	/* the checklist's diagnostics */
	cf_diags check; /* what `check` adds (cf_rule_publication) */
	int rc;
} result;

static void run(world *W, result *R)
{
	memset(R, 0, sizeof(*R));
	R->rc = cf_publication_checklist(R->items, W->c, W->repo->calendar, &R->list);
	cf_rule_publication(W->c, W->repo->calendar, &R->check);
}

static void result_free(result *R)
{
	cf_diags_free(&R->list);
	cf_diags_free(&R->check);
}

static void show(const cf_diags *d)
{
	for (size_t i = 0; i < d->len; i++) {
		char *l = line_of(&d->items[i]);
		printf("#     %s\n", l ? l : "?");
		free(l);
	}
}

/* Every item holds but `fails` (an item number, 0 for none), whose diagnostics are exactly
 * want (NULL-terminated). */
static void expect_items(const result *R, int fails, const char *const *want, const char *name)
{
	int good = R->rc == 0;
	for (int i = 0; i < CF_PUBLICATION_ITEMS; i++)
		good &= R->items[i].ok == (i + 1 != fails);
	size_t n = 0;
	while (want && want[n])
		n++;
	const cf_publication_item *it = fails ? &R->items[fails - 1] : NULL;
	if (it && it->count != n)
		good = 0;
	for (size_t k = 0; want && it && good && k < n; k++) {
		char *l = line_of(&R->list.items[it->first + k]);
		good &= l && strcmp(l, want[k]) == 0;
		free(l);
	}
	if (!ok(good, name)) {
		for (int i = 0; i < CF_PUBLICATION_ITEMS; i++)
			printf("#   item %d %s\n", i + 1, R->items[i].ok ? "ok" : "FAILS");
		printf("#   got:\n");
		show(&R->list);
		printf("#   want (item %d):\n", fails);
		for (size_t k = 0; k < n; k++)
			printf("#     %s\n", want[k]);
	}
}

/* What `check` reports of publication/ (the lines, in order), exactly want. */
static void expect_check(const result *R, const char *const *want, const char *name)
{
	size_t n = 0, got = 0;
	while (want && want[n])
		n++;
	int good = 1;
	for (size_t i = 0; i < R->check.len; i++) {
		if (strncmp(R->check.items[i].rule, "publication/", 12) != 0)
			continue;
		char *l = line_of(&R->check.items[i]);
		good &= got < n && l && strcmp(l, want[got]) == 0;
		got++;
		free(l);
	}
	good &= got == n;
	if (!ok(good, name)) {
		printf("#   check got:\n");
		show(&R->check);
		printf("#   want:\n");
		for (size_t k = 0; k < n; k++)
			printf("#     %s\n", want[k]);
	}
}

/* One scenario: a fresh world, edits (file, old, new; NULL-ended triples), the results. */
static int scenario(world *W, result *R, const char *const *edits)
{
	world_close(W);
	if (world_new(W) < 0)
		return -1;
	for (size_t i = 0; edits && edits[i]; i += 3)
		if (edit(W, edits[i], edits[i + 1], edits[i + 2]) < 0)
			return -1;
	if (world_load(W) < 0)
		return -1;
	run(W, R);
	return 0;
}

#define L(...)                                                                                     \
	(const char *const[])                                                                      \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}
#define NONE ((const char *const *)NULL)

#define SCENARIO(edits)                                                                            \
	if (scenario(W, &R, edits) < 0) {                                                          \
		printf("Bail out! the scenario could not be set up\n");                            \
		exit(1);                                                                           \
	}

/* A scenario as a row of a table: its edits, the item that then fails (0 for none) with
 * exactly the diagnostics want, and, where check_name is given, what `check` reports of
 * publication/.  Most scenarios say no more than that; more asserts the rest. */
typedef struct scene {
	const char *name; /* of the readiness list's assertion */
	const char *const *edits;
	int fails;
	const char *const *want;
	const char *check_name;	       /* NULL: what check reports is not asserted */
	const char *const *check;      /* AS_READY: the lines of want */
	void (*more)(const result *R); /* NULL: nothing more */
} scene;

/* Check reports what ready lists: the usual case once the case is at the publication stage,
 * so the table need not write the lines twice. */
static const char *const as_ready[] = {NULL};
#define AS_READY as_ready

static void play(world *W, const scene *s, size_t n)
{
	for (; n > 0; s++, n--) {
		result R;
		SCENARIO(s->edits);
		expect_items(&R, s->fails, s->want, s->name);
		if (s->check_name)
			expect_check(&R, s->check == AS_READY ? s->want : s->check, s->check_name);
		if (s->more)
			s->more(&R);
		result_free(&R);
	}
}

/* ---- the scenarios ----------------------------------------------------------------------------
 */

/* What the table's rows assert beyond the items and check, each named for its row. */

static void item5_title(const result *R)
{
	ok(strcmp(R->items[4].title, "sent to the National Panel, Ofsted and DfE at least 7 "
				     "working days before publication") == 0,
	   "item 5 names the schema's 7 working days");
}

/* The father's full name is the third diagnostic of item 2. */
static void identifier_hint_and_leaks(const result *R)
{
	if (R->items[1].count != 4)
		return;
	const cf_diag *d = &R->list.items[R->items[1].first + 2];
	is_str(d->hint,
	       "write 'Father' instead: a published report uses pseudonyms only (001 "
	       "§9.1.3; 004)",
	       "publication/identifier: the hint names the pseudonym, never the name");
	int leaks = 0;
	for (size_t i = 0; i < R->list.len; i++) {
		const cf_diag *x = &R->list.items[i];
		leaks |= strstr(x->message, "Jordan") || strstr(x->message, "Dobbs") ||
			 strstr(x->message, "2025-03-13") || strstr(x->message, "Tregarthen") ||
			 (x->hint && (strstr(x->hint, "Dobbs") || strstr(x->hint, "Tregarthen")));
	}
	ok(!leaks, "publication/identifier: no message or hint quotes an identifier");
}

static void own_pseudonym_hint(const result *R)
{
	if (R->items[1].count == 1)
		is_str(R->list.items[R->items[1].first].hint,
		       "their pseudonym holds a real identifier too: choose another one, and use "
		       "it; a published report uses pseudonyms only (001 §9.1.3)",
		       "publication/identifier: ... and the hint does not repeat it");
}

static void anonymous_note(const result *R)
{
	ok(R->items[2].note != NULL, "publication/reviewer: the item says why it holds");
}

static void panel_last_day_hint(const result *R)
{
	if (R->items[4].count == 1)
		is_str(R->list.items[R->items[4].first].hint,
		       "send the report by 2026-01-13, or move the publication date (001 §10.5.1: "
		       "no later than 7 working days before publication)",
		       "publication/panel-notice: the hint gives the last day");
}

/* ready lists the missing section under item 6 too; check reports only that. */
#define NO_FAMILY_SECTION                                                                          \
	"cases/2025-006/report.md: error[publication/family]: the report has no section 'Family "  \
	"involvement'"

static void reviewer_not_asked(const result *R)
{
	ok(R->items[2].note && strstr(R->items[2].note, "publish: false"),
	   "publication/reviewer: does not apply when the report is not published");
}

static const scene scenes[] = {
    /* ---- 2025-006 as published */
    {.name = "2025-006 as published: every item holds",
     .edits = NONE,
     .fails = 0,
     .want = NONE,
     .check_name = "check: nothing of publication/ for it",
     .check = NONE,
     .more = item5_title},
    /* ---- item 1: the report is final, */
    {.name = "publication/status: a draft fails item 1",
     .edits = L("report.md", "status: final", "status: draft"),
     .fails = 1,
     .want = L("cases/2025-006/report.md:4:9: error[publication/status]: the report is a "
	       "draft ('status: draft')"),
     .check_name = "publication/status: an error from check at embedding",
     .check = AS_READY},
    /* ... and has its sections */
    {.name = "publication/section: a missing section",
     .edits = L("report.md",
		"## Good practice\n\nThe midwife's safer-sleep conversation was thorough "
		"and well recorded, and Housing Options\nfound the family a larger room "
		"within a week of their request.\n\n",
		""),
     .fails = 1,
     .want = L("cases/2025-006/report.md: error[publication/section]: the report has no "
	       "section 'Good practice'"),
     .check_name = "publication/section: an error from check",
     .check = AS_READY},
    {.name = "publication/section: a section with only a comment is empty",
     .edits = L("report.md",
		"The midwife's safer-sleep conversation was thorough and well recorded, "
		"and Housing Options\nfound the family a larger room within a week of "
		"their request.",
		"<!-- to write: what went well -->"),
     .fails = 1,
     .want = L("cases/2025-006/report.md:40:1: error[publication/section]: the section "
	       "'Good practice' is empty")},
    {.name = "publication/section: a numbered heading, in capitals, at another level",
     .edits = L("report.md", "## Good practice", "### 6. GOOD PRACTICE ###"),
     .fails = 0,
     .want = NONE},
    /* a section whose text is in its sub-sections is not empty */
    {.name = "publication/section: text under a sub-heading counts",
     .edits = L("report.md", "## Learning and recommendations\n\n",
		"## Learning and recommendations\n\n### R1\n\n"),
     .fails = 0,
     .want = NONE},
    /* ---- item 2: no real identifier */
    {.name = "publication/identifier: a date of birth, first name, full name "
	     "across a line break, a practitioner's surname",
     .edits = L("report.md", "while sleeping on a sofa with Father.",
		"while sleeping on a sofa with Jordan\nDobbs.", "report.md", "## Overview\n",
		"## Overview\n\nChild F was born on 13/03/2025 to Chelsea, in Northdale.\n",
		"report.md", "The health visitor could not", "Ms Tregarthen could not"),
     .fails = 2,
     .want = L("cases/2025-006/report.md:15:21: error[publication/identifier]: report "
	       "gives the date of birth of M1 (Child F)",
	       "cases/2025-006/report.md:15:35: error[publication/identifier]: report "
	       "names M2 (Mother) by her first name",
	       "cases/2025-006/report.md:17:76: error[publication/identifier]: report "
	       "names M3 (Father) by his full name",
	       "cases/2025-006/report.md:24:4: error[publication/identifier]: report names "
	       "P1 (health visitor) by their surname"),
     .check_name = "publication/identifier: errors from check",
     .check = AS_READY,
     .more = identifier_hint_and_leaks},
    /* the address by its first line, the school, an alias; the pseudonym's words are not
     * names ("Maternal Grandmother" is M4's pseudonym, her first name is not sought) */
    {.name = "publication/identifier: alias, address's first line, school",
     .edits = L("family.yaml", "    name: Denise Quennell\n",
		"    name: Denise Quennell\n    aliases: [Neecy]\n    school: Ropewalk "
		"Nursery\n",
		"report.md", "Maternal Grandmother chose not",
		"Neecy, who lives at 7 Gorse Bank and ran Ropewalk Nursery, chose not"),
     .fails = 2,
     .want = L("cases/2025-006/report.md:53:31: error[publication/identifier]: report "
	       "names M4 (Maternal Grandmother) by her alias",
	       "cases/2025-006/report.md:53:51: error[publication/identifier]: report "
	       "gives the address of M4 (Maternal Grandmother)",
	       "cases/2025-006/report.md:53:72: error[publication/identifier]: report "
	       "names the school of M4 (Maternal Grandmother)")},
    /* The front matter is published too; a pseudonym that is a real name hides nothing. */
    {.name = "publication/identifier: a first name in the front matter's "
	     "title, at its column",
     .edits = L("report.md", "Practice Review: Child F\"", "Practice Review: Harley\""),
     .fails = 2,
     .want = L("cases/2025-006/report.md:3:51: error[publication/identifier]: report "
	       "names M1 (Child F) by their first name")},
    /* Child F's pseudonym is her first name: "Harley" in the report is found, and never
     * printed as her label */
    {.name = "publication/identifier: a pseudonym that is the real first name",
     .edits = L("family.yaml", "pseudonym: Child F", "pseudonym: Harley", "case.yaml",
		"pseudonym: Child F", "pseudonym: Harley", "report.md", "Child F died in May 2025",
		"Harley died in May 2025"),
     .fails = 2,
     .want = L("cases/2025-006/report.md:15:1: error[publication/identifier]: report "
	       "names M1 (subject-child) by their first name"),
     .more = own_pseudonym_hint},
    /* a surname wrapped at its hyphen at the end of a line */
    {.name = "publication/identifier: a surname wrapped at its hyphen",
     .edits = L("report.md", "while sleeping on a sofa with Father.",
		"while sleeping on a sofa with Ms Quennell-\nDobbs."),
     .fails = 2,
     .want = L("cases/2025-006/report.md:15:79: error[publication/identifier]: report "
	       "names M1 (Child F) by their surname")},
    /* ---- item 3: the reviewer is named */
    {.name = "publication/reviewer: the reviewer is not named",
     .edits = L("report.md", "reviewers: [Margaret Oyelaran-Finch]", "reviewers: [A. N. Other]",
		"report.md", "Independent reviewer: Margaret Oyelaran-Finch.",
		"Independent reviewer: to be named."),
     .fails = 3,
     .want = L("cases/2025-006/report.md:5:12: error[publication/reviewer]: the report "
	       "does not name its reviewer, Margaret Oyelaran-Finch ('reviewer.name')"),
     .check_name = "publication/reviewer: an error from check",
     .check = AS_READY},
    {.name = "publication/reviewer: named in the text, in capitals, across "
	     "a line break",
     .edits = L("report.md", "reviewers: [Margaret Oyelaran-Finch]\n", "", "report.md",
		"Independent reviewer: Margaret Oyelaran-Finch.",
		"Independent reviewer: MARGARET\nOYELARAN-FINCH."),
     .fails = 0,
     .want = NONE},
    {.name = "publication/reviewer: anonymous publication names nobody",
     .edits = L("report.md", "reviewers: [Margaret Oyelaran-Finch]\n", "", "report.md",
		"Independent reviewer: Margaret Oyelaran-Finch.", "Independent reviewer.",
		"case.yaml", "publish: true", "publish: true\nanonymous_publication: true"),
     .fails = 0,
     .want = NONE,
     .more = anonymous_note},
    /* ---- item 4: the approvals */
    {.name = "publication/approvals: endorsed before the final draft",
     .edits = L("case.yaml", "crg_endorsed: 2025-12-02", "crg_endorsed: 2025-11-01"),
     .fails = 4,
     .want = L("cases/2025-006/case.yaml:30:17: error[publication/approvals]: "
	       "'dates.crg_endorsed' is 2025-11-01, before 'dates.final_draft' "
	       "(2025-11-21)"),
     .check_name = "publication/approvals: check leaves it to dates/order",
     .check = NONE},
    {.name = "publication/approvals: an approval not recorded",
     .edits = L("case.yaml", "  scp_approved: 2025-12-11\n", ""),
     .fails = 4,
     .want = L("cases/2025-006/case.yaml:19:3: error[publication/approvals]: "
	       "'dates.scp_approved' is not recorded"),
     .check_name = "publication/approvals: check leaves it to schema/required",
     .check = NONE},
    /* ---- item 5: the copy to the National Panel, Ofsted and DfE (over Christmas: below) */
    {.name = "publication/panel-notice: 6 working days",
     .edits = L("case.yaml", "sent_to_panel: 2026-01-09", "sent_to_panel: 2026-01-14"),
     .fails = 5,
     .want = L("cases/2025-006/case.yaml:33:18: error[publication/panel-notice]: "
	       "'dates.sent_to_panel' is 2026-01-14, 6 working days before "
	       "'dates.publication_planned' (2026-01-22); at least 7 are needed"),
     .check_name = "publication/panel-notice: an error from check",
     .check = AS_READY,
     .more = panel_last_day_hint},
    {.name = "publication/panel-notice: exactly 7 working days holds",
     .edits = L("case.yaml", "sent_to_panel: 2026-01-09", "sent_to_panel: 2026-01-13"),
     .fails = 0,
     .want = NONE},
    /* ---- item 6: the family */
    {.name = "publication/family: wishes not considered, report not shared with a "
	     "participating member",
     .edits = L("family.yaml",
		"    report_shared: 2025-11-28\n    publication_wishes_considered: "
		"2025-12-08\n\n  - ref: M3",
		"    report_shared: 2025-11-28\n\n  - ref: M3", "family.yaml",
		"    report_shared: 2025-11-28\n    publication_wishes_considered: "
		"2025-12-08\n\n  - ref: M4",
		"    publication_wishes_considered: 2025-12-08\n\n  - ref: M4"),
     .fails = 6,
     .want = L("cases/2025-006/family.yaml:16:5: error[publication/family]: "
	       "'members[M2].publication_wishes_considered' is not recorded",
	       "cases/2025-006/family.yaml:30:5: error[publication/family]: "
	       "'members[M3].report_shared' is not recorded"),
     .check_name = "publication/family: check leaves the fields to schema/required",
     .check = NONE},
    {.name = "publication/family: no reason for non-involvement, no section",
     .edits = L("family.yaml",
		"    non_involvement_reason: >\n      Maternal Grandmother said she wanted "
		"to support Mother but did not want to talk about\n      Child F's death. "
		"Her wish was respected.\n",
		"", "report.md", "## Family involvement", "## Family"),
     .fails = 6,
     .want = L("cases/2025-006/family.yaml:45:5: error[publication/family]: "
	       "'members[M4].non_involvement_reason' is not recorded",
	       NO_FAMILY_SECTION),
     .check_name = "publication/family: check reports the missing section",
     .check = L(NO_FAMILY_SECTION)},
    /* ---- item 7: parallel investigations */
    {.name = "publication/criminal: ongoing, not cleared",
     .edits =
	 L("case.yaml", "  - kind: coroner\n    status: concluded\n    publication_cleared: true",
	   "  - kind: criminal\n    status: ongoing\n    sio_consulted: 2025-06-20\n"
	   "    publication_cleared: false"),
     .fails = 7,
     .want = L("cases/2025-006/case.yaml:56:5: error[publication/criminal]: "
	       "'parallel_investigations[1]': a criminal investigation is ongoing and has "
	       "not cleared the report for publication"),
     .check_name = "publication/criminal: an error from check",
     .check = AS_READY},
    {.name = "publication/criminal: ongoing but cleared holds",
     .edits =
	 L("case.yaml", "  - kind: coroner\n    status: concluded\n    publication_cleared: true",
	   "  - kind: criminal\n    status: ongoing\n    sio_consulted: 2025-06-20\n"
	   "    publication_cleared: true"),
     .fails = 0,
     .want = NONE},
    /* ---- item 8: the practitioners' debrief and the media contact */
    {.name = "publication/debrief: on the day of publication",
     .edits =
	 L("case.yaml", "practitioner_debrief: 2026-01-15", "practitioner_debrief: 2026-01-22"),
     .fails = 8,
     .want = L("cases/2025-006/case.yaml:32:25: error[publication/debrief]: "
	       "'dates.practitioner_debrief' is 2026-01-22, not before "
	       "'dates.publication_planned' (2026-01-22)"),
     .check_name = "publication/debrief: an error from check",
     .check = AS_READY},
    {.name = "publication/media: no media contact",
     .edits = L("case.yaml",
		"media_contact: Communications Lead, Northdale Council, for the "
		"partnership\n",
		""),
     .fails = 8,
     .want = L("cases/2025-006/case.yaml:1:1: error[publication/media]: 'media_contact' "
	       "is not recorded"),
     .check_name = "publication/media: check leaves it to schema/required",
     .check = NONE},
    /* ---- item 9: no genogram, no drafting marks */
    {.name = "publication/genogram: the file linked, another genogram "
	     "linked, the file named; 'a genogram' in prose is fine",
     .edits = L("family.yaml", "members:", "genogram: confidential/genogram-child-f.pdf\nmembers:",
		"report.md", "## Overview\n",
		"## Overview\n\nThe family: ![genogram](confidential/genogram-child-f.pdf), "
		"also [a map](files/Genogram_v2.png).\nA genogram was drawn; see "
		"genogram-child-f.pdf.\n"),
     .fails = 9,
     .want = L("cases/2025-006/report.md:15:25: error[publication/genogram]: the report "
	       "names the genogram's file (family.yaml 'genogram')",
	       "cases/2025-006/report.md:15:74: error[publication/genogram]: the report "
	       "links or includes a genogram",
	       "cases/2025-006/report.md:16:27: error[publication/genogram]: the report "
	       "names the genogram's file (family.yaml 'genogram')"),
     .check_name = "publication/genogram: errors from check",
     .check = AS_READY},
    {.name = "publication/drafting: the schema's marks, as written",
     .edits = L("report.md", "## Good practice\n\n",
		"## Good practice\n\nTODO: FIXME [[ask the midwife]] (todo, TODOS and "
		"mastodon are words)\n"),
     .fails = 9,
     .want = L("cases/2025-006/report.md:42:1: error[publication/drafting]: drafting "
	       "mark 'TODO' left in the report",
	       "cases/2025-006/report.md:42:7: error[publication/drafting]: drafting "
	       "mark 'FIXME' left in the report",
	       "cases/2025-006/report.md:42:13: error[publication/drafting]: drafting "
	       "mark '[[' left in the report"),
     .check_name = "publication/drafting: errors from check",
     .check = AS_READY},
    /* ---- publish: false */
    /* publish: false: the sections are not asked for, the improvements are */
    {.name = "publication/improvements: publish: false needs the rationale, not sections",
     .edits =
	 L("case.yaml", "publish: true", "publish: false", "report.md", "## Good practice\n\n", "",
	   "report.md", "Independent reviewer: Margaret Oyelaran-Finch.", "Independent reviewer."),
     .fails = 1,
     .want = L("cases/2025-006/case.yaml:1:1: error[publication/improvements]: "
	       "'not_publishing_rationale' is not recorded"),
     .check_name = "publication/improvements: check leaves the rationale to the schema",
     .check = NONE,
     .more = reviewer_not_asked},
    {.name = "publication/improvements: rationale and recommendations hold",
     .edits = L("case.yaml", "publish: true",
		"publish: false\nnot_publishing_rationale: Siblings still at the same "
		"school.",
		"report.md", "## Family involvement", "## Family"),
     .fails = 0,
     .want = NONE},
};

/* Over Christmas: 13 calendar days, but 25, 28 December and 1 January are bank holidays.  Only
 * item 5's first line is asserted here, not the whole list, so it is not a row of the table. */
static void panel_notice_christmas(world *W)
{
	result R;
	SCENARIO(L("case.yaml", "sent_to_panel: 2026-01-09", "sent_to_panel: 2026-12-23",
		   "case.yaml", "publication_planned: 2026-01-22",
		   "publication_planned: 2027-01-05"));
	const char *xmas[] = {"cases/2025-006/case.yaml:33:18: error[publication/panel-notice]: "
			      "'dates.sent_to_panel' is 2026-12-23, 6 working days before "
			      "'dates.publication_planned' (2027-01-05); at least 7 are needed",
			      NULL};
	char *got = R.items[4].count == 1 ? line_of(&R.list.items[R.items[4].first]) : NULL;
	if (!is_str(got, xmas[0], "publication/panel-notice: bank holidays are not working days"))
		show(&R.list);
	free(got);
	result_free(&R);
}

/* The stage decides whether check reports any of it: these ask other questions of the result
 * than the table's rows. */
static void stages(world *W)
{
	result R;
	SCENARIO(L("case.yaml", "stage: embedding", "stage: report", "report.md", "status: final",
		   "status: draft", "report.md", "with Father.", "with Jordan Dobbs."));
	expect_check(&R, NONE, "before the publication stage check reports none of it");
	ok(!R.items[0].ok && !R.items[1].ok, "... and ready still lists what is missing");
	result_free(&R);

	SCENARIO(L("case.yaml", "stage: embedding", "stage: publication", "report.md",
		   "with Father.", "with Jordan Dobbs."));
	ok(R.check.len == 1 && strcmp(R.check.items[0].rule, "publication/identifier") == 0 &&
	       R.check.items[0].severity == CF_SEV_ERROR,
	   "at the publication stage it is an error");
	result_free(&R);

	SCENARIO(L("case.yaml", "outcome: lcspr", "outcome: no-review", "case.yaml",
		   "stage: embedding", "stage: closed"));
	cf_buf why = CF_BUF_INIT;
	ok(cf_publication_skipped(W->c, &why) &&
	       strcmp(cf_buf_cstr(&why), "decision.outcome is no-review") == 0,
	   "a no-review case never reaches publication");
	expect_check(&R, NONE, "... and check says nothing of publication for it");
	cf_buf_free(&why);
	result_free(&R);
}

int main(void)
{
	world W;
	memset(&W, 0, sizeof(W));
	snprintf(W.src, sizeof(W.src), "%s", tap_srcdir());
	W.schema_dir = pathf("%s/schemas", W.src);
	if (cf_init() < 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	play(&W, scenes, sizeof(scenes) / sizeof(*scenes));
	panel_notice_christmas(&W);
	stages(&W);
	world_close(&W);
	free(W.schema_dir);
	return tap_done();
}
