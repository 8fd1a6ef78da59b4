/* The meeting rules, quorum/rapid-review and quorum/conflicts (001 §4.6.1, §1.5.8), on copies
 * of the example repository's cases made on disk and changed one line at a time, read the way
 * `casefile check` reads them.  Each failing fixture is compared with the exact lines the user
 * sees.  The rule's parameters come from the schema's rules.quorum: fixtures that change
 * them edit the pinned copy of cspr.yaml, never the C.
 *
 * Every fixture pins (in the copy's .casefile/schemas/) a cspr.yaml made from the installed
 * one: mostly SINGLE, without the `required` lines that the rules take over (the schema the
 * lead is asked to ship); some OLD, where conflicts_declared is still `required` and the rule
 * must leave a missing one to schema/required, so that nothing is reported twice. */
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "caseload.h"
#include "diag.h"
#include "fs.h"
#include "repo.h"
#include "rules/quorum.h"
#include "schema.h"
#include "source.h"

#ifndef CF_SRCDIR
#define CF_SRCDIR "."
#endif

/* ---- a copy of an example case, edited ----------------------------------------------------- */

static char srcdir[PATH_MAX];
static char schema_dir[PATH_MAX + 16];
static const char *schema_dirs[1] = {schema_dir};

typedef struct edit {
	const char *file; /* in the case directory; "cspr.yaml" for the pinned schema */
	const char *old;  /* replaced, once; it must be there */
	const char *with;
} edit;

#define SCHEMA "cspr.yaml"

/* The requirements of schemas/cspr.yaml that the consent, quorum and waiver rules take over:
 * each `old` (a field with its `required`/`when` lines) becomes `with` (the field without
 * them) in the schema the lead is asked to ship.  Each old starts with its with, so that both
 * schemas can be made from either. */
static const edit single[] = {
    {SCHEMA, "            rule:\n              type: string\n              required: true\n",
     "            rule:\n              type: string\n"},
    {SCHEMA, "            reason:\n              type: text\n              required: true\n",
     "            reason:\n              type: text\n"},
    {SCHEMA, "            agreed:\n              type: string\n              required: true\n",
     "            agreed:\n              type: string\n"},
    {SCHEMA,
     "            informed_of_review:\n              type: date\n"
     "              required_from: scoping\n"
     "              when: {field: not_informed_reason, present: false}\n",
     "            informed_of_review:\n              type: date\n"},
    {SCHEMA,
     "            consent_to_participate:\n              type: date\n"
     "              required: true\n              when: {field: involvement, is: participating}\n",
     "            consent_to_participate:\n              type: date\n"},
    {SCHEMA,
     "            non_involvement_reason:\n              type: text\n"
     "              required: true\n"
     "              when: {field: involvement, in: [declined, not-approached, deferred]}\n",
     "            non_involvement_reason:\n              type: text\n"},
    {SCHEMA,
     "            revisit_by:\n              type: date\n"
     "              required: true\n              when: {field: involvement, is: deferred}\n",
     "            revisit_by:\n              type: date\n"},
    {SCHEMA, "      conflicts_declared:\n        type: bool\n        required: true\n",
     "      conflicts_declared:\n        type: bool\n"},
};
#define N_SINGLE (sizeof(single) / sizeof(*single))

/* The schema a fixture is read with, pinned in its .casefile/schemas/ whatever state the
 * installed one is in: SINGLE, the one the lead is asked to ship (each problem reported once,
 * by the rule); OLD, the one before it, whose schema/required still reports the fields (the
 * rules must then stay silent). */
enum { OLD, SINGLE };

static void bail(const char *what, const char *detail)
{
	printf("Bail out! %s: %s\n", what, detail);
	exit(2);
}

/* Returns how many edits it made. */
static size_t apply_edits(cf_buf *text, const char *file, const edit *e, size_t n)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].file, file) != 0)
			continue;
		const char *at = strstr(cf_buf_cstr(text), e[i].old);
		if (!at)
			bail("an edit does not apply", e[i].old);
		cf_buf out = CF_BUF_INIT;
		cf_buf_put(&out, text->ptr, (size_t)(at - text->ptr));
		cf_buf_puts(&out, e[i].with);
		cf_buf_puts(&out, at + strlen(e[i].old));
		cf_buf_free(text);
		*text = out;
		done++;
	}
	return done;
}

static void write_text(const char *path, const cf_buf *text)
{
	char *dir = cf_strdup(path);
	*strrchr(dir, '/') = '\0';
	if (cf_mkdirs(dir, 0700) < 0 ||
	    cf_write_file_atomic(path, text->ptr ? text->ptr : "", text->len, 0600) < 0)
		bail("cannot write", path);
	free(dir);
}

static size_t applied; /* edits made since world_open began */

static void copy_edited(const char *from, const char *to, const char *rel, const edit *e, size_t n)
{
	cf_buf text = CF_BUF_INIT;
	if (cf_read_file_buf(&text, from, 1 << 20) < 0)
		bail("cannot read", from);
	applied += apply_edits(&text, rel, e, n);
	write_text(to, &text);
	cf_buf_free(&text);
}

static void copy_tree(const char *from, const char *to, const char *rel, const edit *e, size_t n)
{
	DIR *d = opendir(from);
	struct dirent *x;
	if (!d)
		bail("cannot list", from);
	while ((x = readdir(d))) {
		if (x->d_name[0] == '.')
			continue;
		char *f = cf_path_join(from, x->d_name), *t = cf_path_join(to, x->d_name);
		char *r = rel[0] ? cf_path_join(rel, x->d_name) : cf_strdup(x->d_name);
		if (cf_is_dir(f))
			copy_tree(f, t, r, e, n);
		else
			copy_edited(f, t, r, e, n);
		free(f);
		free(t);
		free(r);
	}
	closedir(d);
}

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *sub = cf_path_join(path, e->d_name);
			remove_tree(sub);
			free(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

typedef struct world {
	char root[PATH_MAX];
	cf_repo *repo;
	cf_source *src;
	cf_case *c;
	cf_diags load; /* what loading said */
} world;

static void world_close(world *W)
{
	cf_case_free(W->c);
	cf_source_free(W->src);
	cf_repo_free(W->repo);
	cf_diags_free(&W->load);
	if (W->root[0])
		remove_tree(W->root);
	memset(W, 0, sizeof(*W));
}

/* The example case id, copied with the edits, with the schema SINGLE or OLD (and the edits of
 * cspr.yaml) pinned. */
static void world_open(world *W, const char *id, const edit *e, size_t n, int schema)
{
	memset(W, 0, sizeof(*W));
	applied = 0;
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];
	snprintf(templ, sizeof(templ), "%s/cf-rules-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(templ) || !realpath(templ, W->root))
		bail("mkdtemp", strerror(errno));
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	snprintf(from, sizeof(from), "%s/example-repo/.casefile/config.yaml", srcdir);
	snprintf(to, sizeof(to), "%s/.casefile/config.yaml", W->root);
	copy_edited(from, to, "config.yaml", NULL, 0);
	snprintf(from, sizeof(from), "%s/example-repo/cases/%s", srcdir, id);
	snprintf(to, sizeof(to), "%s/cases/%s", W->root, id);
	copy_tree(from, to, "", e, n);
	cf_buf text = CF_BUF_INIT;
	snprintf(from, sizeof(from), "%s/cspr.yaml", schema_dir);
	if (cf_read_file_buf(&text, from, 1 << 20) < 0)
		bail("cannot read", from);
	for (size_t i = 0; i < N_SINGLE; i++) {
		const edit *s = &single[i];
		int is_old = strstr(cf_buf_cstr(&text), s->old) != NULL;
		if (!is_old && !strstr(cf_buf_cstr(&text), s->with))
			bail("schemas/cspr.yaml has changed; update SINGLE", s->with);
		edit flip = {SCHEMA, s->with, s->old};
		if (schema == SINGLE && is_old)
			apply_edits(&text, SCHEMA, s, 1);
		else if (schema == OLD && !is_old)
			apply_edits(&text, SCHEMA, &flip, 1);
	}
	applied += apply_edits(&text, SCHEMA, e, n);
	snprintf(to, sizeof(to), "%s/.casefile/schemas/cspr.yaml", W->root);
	write_text(to, &text);
	cf_buf_free(&text);
	size_t wanted = 0;
	for (size_t i = 0; i < n; i++)
		wanted += strcmp(e[i].file, "-") != 0;
	if (applied != wanted)
		bail("an edit names a file the case does not have", id);
	if (cf_repo_open(&W->repo, W->root, schema_dirs, 1, &W->load) < 0 ||
	    cf_source_open_workdir(&W->src, W->root) < 0 ||
	    cf_case_load(&W->c, W->repo, W->src, id, &W->load) < 0 || !W->c->schema)
		bail("cannot load the case", id);
}

/* Every diagnostic, as check prints it. */
static char *text_of(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	char *s = cf_buf_detach(&out);
	return s ? s : cf_strdup("");
}

/* ---- the rules ----------------------------------------------------------------------------- */

/* What cf_rule_quorum reports for the case. */
static char *quorum(const char *id, const edit *e, size_t n, int schema)
{
	world W;
	world_open(&W, id, e, n, schema);
	cf_diags d = CF_DIAGS_INIT;
	cf_rule_quorum(W.c, &d);
	cf_diags_sort(&d);
	char *t = text_of(&d);
	cf_diags_free(&d);
	world_close(&W);
	return t;
}

#define CHECK(id, edits, schema, want, name)                                                       \
	do {                                                                                       \
		char *got_ = quorum(id, edits, sizeof(edits) / sizeof(*(edits)), schema);          \
		is_str(got_, want, name);                                                          \
		free(got_);                                                                        \
	} while (0)

#define RRM "meetings/2026-06-25-rapid-review.yaml"
#define CRG "meetings/2026-08-12-crg.yaml"
#define HINT3                                                                                      \
	"  hint: a quorum is at least 3 partner agencies, including at least 2 of the "            \
	"safeguarding partners (local-authority, police and health); give each attendee's "        \
	"'agency', and 'partner:' for a safeguarding partner (001 §4.6.1)\n"

static const edit none[] = {{"-", "", ""}};
/* 2026-004's Rapid Review meeting: five agencies; the police and health not marked partners. */
static const edit one_partner[] = {{RRM, "    partner: police\n", ""},
				   {RRM, "    partner: health\n", ""}};
static const edit no_partner[] = {{RRM, "    partner: police\n", ""},
				  {RRM, "    partner: health\n", ""},
				  {RRM, "    partner: local-authority\n", ""}};
/* The same agencies typed again, in another case or with a space: two agencies, three
 * partners. */
static const edit two_agencies[] = {
    {RRM, "agency: Northdale Integrated Care Board\n", "agency: northdale constabulary\n"},
    {RRM, "agency: Northdale Hospitals NHS Foundation Trust\n",
     "agency: \" Northdale Constabulary \"\n"},
    {RRM, "agency: Northdale Safeguarding Children Partnership\n",
     "agency: Northdale Council Children's Social Care\n"}};
static const edit nobody[] = {{RRM,
			       "attendees:\n"
			       "  - name: Sarah Whitcombe\n"
			       "    agency: Northdale Council Children's Social Care\n"
			       "    partner: local-authority\n"
			       "  - name: DI Graham Ellery\n"
			       "    agency: Northdale Constabulary\n"
			       "    partner: police\n"
			       "  - name: Rachel Onwuachi\n"
			       "    agency: Northdale Integrated Care Board\n"
			       "    partner: health\n"
			       "  - name: Dr Imogen Saltash\n"
			       "    agency: Northdale Hospitals NHS Foundation Trust\n"
			       "  - name: Helen Corby\n"
			       "    agency: Northdale Safeguarding Children Partnership\n",
			       "attendees: []\n"}};
/* A Case Review Group meeting is not the meeting the quorum is about. */
static const edit crg_no_partner[] = {{CRG, "    partner: police\n", ""},
				      {CRG, "    partner: health\n", ""},
				      {CRG, "    partner: local-authority\n", ""}};
/* ... unless the schema says so; and the numbers are the schema's. */
static const edit crg_too[] = {
    {CRG, "    partner: police\n", ""},
    {CRG, "    partner: health\n", ""},
    {CRG, "    partner: local-authority\n", ""},
    {SCHEMA, "    meeting_kind: rapid-review ", "    meeting_kind: [rapid-review, crg] "}};
static const edit six_agencies[] = {
    {SCHEMA, "    min_partner_agencies: 3 ", "    min_partner_agencies: 6 "}};
static const edit no_quorum_rules[] = {
    {RRM, "    partner: police\n", ""},
    {RRM, "    partner: health\n", ""},
    {RRM, "conflicts_declared: true\n", "conflicts_declared: false\n"},
    {SCHEMA,
     "  quorum:\n"
     "    source: \"001 §4.6.1\"\n"
     "    meeting_kind: rapid-review          # the meetings the quorum applies to\n"
     "    safeguarding_partners: [local-authority, police, health]\n"
     "    min_partner_agencies: 3             # at least three partner agencies represented "
     "...\n"
     "    min_safeguarding_partners: 2        # ... at least two of them safeguarding "
     "partners\n"
     "    conflicts_source: \"001 §1.5.8\"      # every case meeting records "
     "conflicts_declared: true\n",
     ""}};
static const edit conflicts_false[] = {
    {RRM, "conflicts_declared: true\n", "conflicts_declared: false\n"}};
static const edit conflicts_yes[] = {
    {RRM, "conflicts_declared: true\n", "conflicts_declared: yes\n"}};

static void test_quorum(void)
{
	CHECK("2026-004", none, SINGLE, "",
	      "2026-004: a quorate Rapid Review meeting, conflicts declared at every meeting");
	CHECK("2026-007", none, SINGLE, "", "2026-007: likewise");
	CHECK("2026-004", one_partner, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 5 agencies and 1 safeguarding partner (local-authority) "
	      "represented\n" HINT3,
	      "quorum/rapid-review: one safeguarding partner, at the attendees line, with the "
	      "counts");
	CHECK(
	    "2026-004", no_partner, SINGLE,
	    "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	    "2026-06-25 is not quorate: 5 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: no safeguarding partner");
	CHECK("2026-004", two_agencies, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 2 agencies and 3 safeguarding partners (local-authority, "
	      "police, health) represented\n" HINT3,
	      "quorum/rapid-review: agencies are counted once, whatever their case and spaces");
	CHECK(
	    "2026-004", nobody, SINGLE,
	    "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	    "2026-06-25 is not quorate: 0 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: an empty attendees list");
	CHECK("2026-004", crg_no_partner, SINGLE, "",
	      "quorum/rapid-review: other kinds of meeting are not counted");
	CHECK(
	    "2026-004", crg_too, SINGLE,
	    "cases/2026-004/" CRG ":3:1: error[quorum/rapid-review]: the crg meeting of "
	    "2026-08-12 is not quorate: 4 agencies and no safeguarding partner represented\n" HINT3,
	    "quorum/rapid-review: the meeting kinds are the schema's rules.quorum.meeting_kind");
	CHECK("2026-004", six_agencies, SINGLE,
	      "cases/2026-004/" RRM ":3:1: error[quorum/rapid-review]: the rapid-review meeting of "
	      "2026-06-25 is not quorate: 5 agencies and 3 safeguarding partners (local-authority, "
	      "police, health) represented\n"
	      "  hint: a quorum is at least 6 partner agencies, including at least 2 of the "
	      "safeguarding partners (local-authority, police and health); give each attendee's "
	      "'agency', and 'partner:' for a safeguarding partner (001 §4.6.1)\n",
	      "quorum/rapid-review: the numbers are the schema's rules.quorum");
	CHECK("2026-004", no_quorum_rules, SINGLE,
	      "cases/2026-004/" RRM ":15:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting\n",
	      "a schema without rules.quorum has no quorum; conflicts are still asked for");

	CHECK(
	    "2026-002", none, SINGLE,
	    "cases/2026-002/meetings/2026-05-20-panel.yaml:1:1: error[quorum/conflicts]: the panel "
	    "meeting of 2026-05-20 does not record that conflicts of interest were declared\n"
	    "  hint: add 'conflicts_declared: true' once conflicts of interest have been asked "
	    "for and declared: a standing item at every case meeting (001 §1.5.8)\n",
	    "quorum/conflicts: 2026-002's panel meeting without conflicts_declared");
	CHECK("2026-002", none, OLD, "",
	      "quorum/conflicts: left to schema/required while the schema requires the field");
	CHECK("2026-004", conflicts_false, SINGLE,
	      "cases/2026-004/" RRM ":17:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting (001 §1.5.8)\n",
	      "quorum/conflicts: false, at the value");
	CHECK("2026-004", conflicts_false, OLD,
	      "cases/2026-004/" RRM ":17:21: error[quorum/conflicts]: the rapid-review meeting of "
	      "2026-06-25 records that conflicts of interest were not declared\n"
	      "  hint: ask for and minute declarations of conflicts of interest, then record "
	      "'conflicts_declared: true': a standing item at every case meeting (001 §1.5.8)\n",
	      "quorum/conflicts: false whatever the schema (it cannot say that)");
	CHECK("2026-004", conflicts_yes, SINGLE, "",
	      "quorum/conflicts: 'yes' is schema/type's (true or false), not reported again");
}

/* ---- each problem reported once ------------------------------------------------------------ */

static size_t count(const cf_diags *d, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += strcmp(d->items[i].rule, rule) == 0;
	return n;
}

static void test_once(void)
{
	static const int schemas[2] = {OLD, SINGLE};
	static const size_t want_schema[2] = {1, 0}, want_rule[2] = {0, 1};
	for (int k = 0; k < 2; k++) {
		world W;
		world_open(&W, "2026-002", none, 1, schemas[k]);
		cf_diags d = CF_DIAGS_INIT;
		cf_check_ctx ctx = cf_case_ctx(W.c);
		for (size_t i = 0; i < W.c->n_files; i++) {
			const cf_case_file *f = &W.c->files[i];
			if (f->doc && f->spec && strncmp(f->name, "meetings/", 9) == 0)
				cf_schema_check_doc(&ctx, f->spec, f->doc, &d);
		}
		cf_rule_quorum(W.c, &d);
		is_int(count(&d, "schema/required"), want_schema[k],
		       k ? "without the requirement in the schema: no schema/required"
			 : "old schema: schema/required reports the missing field");
		is_int(count(&d, "quorum/conflicts"), want_rule[k],
		       k ? "... and quorum/conflicts does, once"
			 : "... and quorum/conflicts does not say it again");
		cf_diags_free(&d);
		world_close(&W);
	}
}

static void test_explain(void)
{
	size_t n = 0, complete = 0;
	int rr = 0, co = 0;
	for (const cf_rule_info *r = cf_quorum_rules; r->id; r++) {
		n++;
		complete += r->title && r->checks && r->why && r->fix && r->source &&
			    strstr(r->source, "§");
		rr |= strcmp(r->id, "quorum/rapid-review") == 0 && strstr(r->source, "001 §4.6.1");
		co |= strcmp(r->id, "quorum/conflicts") == 0 && strstr(r->source, "001 §1.5.8");
	}
	is_int(n, 2, "two quorum rules have explain texts");
	is_int(complete, 2, "each with title, checks, why, fix and a seed section");
	ok(rr && co, "quorum/rapid-review cites 001 §4.6.1, quorum/conflicts 001 §1.5.8");
}

int main(void)
{
	if (cf_init() < 0) {
		printf("Bail out! cf_init failed\n");
		return 1;
	}
	const char *src = getenv("CF_SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", src && *src ? src : CF_SRCDIR);
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", srcdir);
	test_quorum();
	test_once();
	test_explain();
	return tap_done();
}
