#include "check.h"

#include <string.h>

#include "deadline.h"
#include "rules/consent.h"
#include "rules/dates.h"
#include "rules/publication.h"
#include "rules/quorum.h"
#include "waiver.h"

const cf_rule_info cf_check_rules[] = {
    {"schema/id", "the case id and its directory",
     "case.yaml's `id` equals the name of the case directory, and both have the form "
     "YYYY-NNN (the year the case was opened and a number).",
     "The id is how the business office, the National Panel's notification and every "
     "e-mail name the case. A case copied from another and not renamed would otherwise be "
     "reported and chased under the wrong id.",
     "Rename the directory or correct `id:` so that they agree.",
     "schemas/cspr.yaml, case.yaml's `id` (the schema format: schemas/README.md)"},
    {"schema/missing-file", "a file the case must hold at its stage",
     "Each file of the case format is required from a stage on: case.yaml always, "
     "family.yaml and agencies.yaml from the rapid review, report.md from the report stage, "
     "and so on, as the schema's `documents:` say.",
     "A stage is only reached when its records exist; a missing file is a whole part of "
     "the review that nobody has recorded.",
     "Create the file (`casefile new` writes templates of every file), or correct the "
     "case's `stage:` if it has not reached that stage yet.",
     "schemas/cspr.yaml, `documents:` (each file's stage and source)"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static void check_required_files(const cf_case *c, const cf_check_ctx *ctx, cf_diags *diags)
{
	for (size_t i = 0; i < c->schema->n_docs; i++) {
		const cf_docspec *spec = &c->schema->docs[i];
		if (!cf_docspec_required(spec, ctx) || cf_case_file_get(c, spec->pattern))
			continue;
		cf_buf path = CF_BUF_INIT;
		cf_buf_printf(&path, "%s/%s", c->dir, spec->pattern);
		/* the source already said why it was not read (a link, unreadable) */
		if (cf_diags_has_file_rule(diags, cf_buf_cstr(&path), "source/")) {
			cf_buf_free(&path);
			continue;
		}
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, cf_buf_cstr(&path), 0, 0,
					  "schema/missing-file", "'%s' is required", spec->pattern);
		if (spec->required_from >= 0)
			cf_diag_hint(diags, d,
				     "the case is at stage '%s'; %s is required from stage '%s'",
				     c->schema->stages[c->stage], spec->pattern,
				     c->schema->stages[spec->required_from]);
		cf_buf_free(&path);
	}
}

static int valid_id(const char *s)
{
	if (strlen(s) != 8 || s[4] != '-')
		return 0;
	for (int i = 0; i < 8; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

static void check_id(const cf_case *c, cf_diags *diags)
{
	const cf_case_file *f = cf_case_file_get(c, "case.yaml");
	const cf_pair *id = cf_node_get_pair(c->root, "id");
	const char *v = id ? cf_node_str(id->val) : NULL;
	if (!valid_id(c->id)) {
		cf_diag *d =
		    cf_diags_add(diags, CF_SEV_ERROR, c->dir, 0, 0, "schema/id",
				 "the case directory '%s' is not a case id (YYYY-NNN)", c->id);
		cf_diag_hint(diags, d, "rename it to the case's id, e.g. cases/2026-014");
	} else if (v && valid_id(v) && strcmp(v, c->id) != 0) {
		/* A malformed id is the schema's pattern error; a mismatch is reported here. */
		cf_diag *d =
		    cf_diags_add(diags, CF_SEV_ERROR, f->path, id->val->line, id->val->col,
				 "schema/id", "'id' is %s but the case directory is %s", v, c->id);
		cf_diag_hint(diags, d,
			     "a case's id and its directory name are the same; correct "
			     "one of them");
	}
}

void cf_check_case(const cf_case *c, const cf_check_env *env, cf_diags *diags,
		   cf_deadline_results *results)
{
	size_t first_diag = diags->len;
	if (c->root)
		check_id(c, diags);
	if (!c->schema)
		return;
	cf_check_ctx ctx = cf_case_ctx(c);
	check_required_files(c, &ctx, diags);
	for (size_t i = 0; i < c->n_files; i++) {
		const cf_case_file *f = &c->files[i];
		if (f->doc && f->spec)
			cf_schema_check_doc(&ctx, f->spec, f->doc, diags);
	}
	cf_rule_dates_order(c, diags);
	cf_rule_consent(c, env ? env->today : CF_DATE_NONE, diags);
	cf_rule_quorum(c, diags);
	cf_rule_publication(c, env ? env->calendar : NULL, diags);
	cf_rule_privacy(c, env ? env->message : NULL, diags);
	if (env && c->deadlines) {
		cf_deadline_results own = {NULL, 0, 0};
		cf_deadline_results *r = results ? results : &own;
		size_t first = r->n;
		if (cf_deadlines_eval(r, c->deadlines, c, env->calendar, env->today,
				      env->warning_days) < 0)
			diags->oom = 1;
		/* r->items is NULL while nothing was evaluated (a schema without deadlines) */
		cf_deadline_results mine = {r->n > first ? r->items + first : NULL, r->n - first,
					    0};
		cf_deadlines_report(&mine, diags);
		cf_deadline_results_free(&own);
	}
	cf_waivers_apply(c, diags, first_diag);
}
