/* casefile new: open the next case of the year, with the files its first stage requires
 * written as templates of every field, and print the deadlines that now run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caseload.h"
#include "check.h"
#include "cli.h"
#include "fs.h"
#include "source.h"
#include "strlist.h"
#include "suggest.h"
#include "template.h"

static const char usage_text[] =
    "usage: casefile new --title PSEUDONYM --route ROUTE [--date DATE] [--FIELD VALUE ...]\n"
    "       casefile new --template FILE\n"
    "\n"
    "Opens the next case of the year of DATE (cases/YYYY-NNN, numbered after the highest of\n"
    "that year) in the case repository at or above the current directory. It writes the\n"
    "files the case type requires at its first stage, each a template of every field with\n"
    "its description, its source and when it is required, and prints the deadlines that\n"
    "now run. The new case passes 'casefile check'.\n"
    "\n"
    "Nothing about a child is guessed: every field of case.yaml that the first stage\n"
    "requires is given as an option, or nothing is created and the missing ones are listed.\n"
    "A field's option is its name with '-' for '_' (--looked-after) or, where that is\n"
    "ambiguous or taken, its path with '-' for '.' (--incident-date); its dotted path\n"
    "(--child.looked_after) always works. Dates are YYYY-MM-DD; yes or no answers a\n"
    "true-or-false field.\n"
    "For a cspr case:\n"
    "\n"
    "  --title PSEUDONYM                 the case's title, also the child's pseudonym\n"
    "  --route notification|referral    notified to the National Panel, or referred\n"
    "  --date DATE                       the referral was received (default: today)\n"
    "  --died yes|no\n"
    "  --looked-after yes|no\n"
    "  --incident-date DATE\n"
    "  --harm death|serious-harm|near-miss|good-practice\n"
    "  --abuse-or-neglect known|suspected|not-suspected\n"
    "  --la-aware DATE                   route notification: the local authority knew\n"
    "  --notified-national-panel DATE    route notification: it notified the Panel\n"
    "\n"
    "  --type TYPE        the case type (default: the repository's first, else cspr)\n"
    "  --as-of DATE       evaluate deadlines on DATE (default: today)\n"
    "  --template FILE    print the template of one file of the case type (family.yaml,\n"
    "                     meetings/*.yaml ...) for a later stage, and create nothing\n"
    "\n"
    "Exit codes: 0 created, 2 usage error (a value missing or wrong: nothing is created).\n";

/* The field that --date fills, and the one that takes the title unless given: the case
 * format's own names (schemas/cspr.yaml: the title is the child's pseudonym). */
#define REFERRAL_FIELD "dates.referral_received"
#define PSEUDONYM_FIELD "child.pseudonym"

/* Fields new sets itself, never from an option. */
static const char *const set_by_new[] = {"id", "type", "stage"};

/* An option of the command line, before the schema says what it means. */
typedef struct opt {
	const char *name; /* without "--" */
	const char *value;
} opt;

/* A field of case.yaml that an option can set, and that option's name. */
typedef struct optfield {
	const cf_field *f;
	char *name;
	const char *value; /* as written to the file, once given */
} optfield;

typedef struct optfields {
	optfield *items;
	size_t n, cap;
} optfields;

/* What one run of casefile new works with. */
typedef struct job {
	cf_repo *repo;
	const cf_schema *schema;
	const cf_docspec *case_spec;
	const char *type;
	cf_date today;
	optfields fields;
	char id[24];
	char today_text[11];
	char *case_dir;	      /* absolute */
	char *cases_dir;      /* absolute */
	int made_cases_dir;   /* cases/ did not exist before */
	cf_strlist written;   /* absolute paths of the files written */
	cf_strlist made_dirs; /* absolute paths of the directories made, in order */
} job;

static void optfields_free(optfields *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->items[i].name);
	free(o->items);
	o->items = NULL;
	o->n = o->cap = 0;
}

static int settable(const cf_field *f)
{
	if (f->type == CF_TYPE_LIST || f->type == CF_TYPE_MAP)
		return 0;
	for (size_t i = 0; i < sizeof(set_by_new) / sizeof(*set_by_new); i++)
		if (strcmp(f->path, set_by_new[i]) == 0)
			return 0;
	return 1;
}

/* The single values of case.yaml, outside lists: what an option can give. */
static int collect(optfields *o, const cf_field *map)
{
	for (size_t i = 0; i < map->n_fields; i++) {
		const cf_field *f = &map->fields[i];
		if (f->type == CF_TYPE_MAP) {
			if (collect(o, f) < 0)
				return -1;
			continue;
		}
		if (!settable(f))
			continue;
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 32;
			optfield *p = realloc(o->items, cap * sizeof(*p));
			if (!p)
				return -1;
			o->items = p;
			o->cap = cap;
		}
		o->items[o->n++] = (optfield){f, NULL, NULL};
	}
	return 0;
}

static char *dashed(const char *s)
{
	char *d = cf_strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p == '_' || *p == '.')
			*p = '-';
	return d;
}

static int reserved(const char *name)
{
	static const char *const names[] = {"type", "as-of", "template", "date", "help"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Names each field's option after the schema, so that a partnership's own fields get their
 * own options: the field's last name, unless another field has it too or the command has
 * an option of that name (--date), then its whole path. */
static int name_options(optfields *o)
{
	for (size_t i = 0; i < o->n; i++) {
		const char *name = o->items[i].f->name;
		int clash = 0;
		for (size_t j = 0; j < o->n && !clash; j++)
			clash = j != i && strcmp(o->items[j].f->name, name) == 0;
		char *d = dashed(name);
		if (d && (clash || reserved(d))) {
			free(d);
			d = dashed(o->items[i].f->path);
		}
		if (!d)
			return -1;
		o->items[i].name = d;
	}
	return 0;
}

static optfield *option_of(optfields *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->items[i].name, name) == 0 || strcmp(o->items[i].f->path, name) == 0)
			return &o->items[i];
	return NULL;
}

static optfield *field_of(optfields *o, const char *path)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->items[i].f->path, path) == 0)
			return &o->items[i];
	return NULL;
}

static int unknown_option(optfields *o, const char *name)
{
	const char **names = malloc((o->n ? o->n : 1) * sizeof(*names));
	const char *sug = NULL;
	if (names) {
		for (size_t i = 0; i < o->n; i++)
			names[i] = o->items[i].name;
		sug = cf_suggest(name, names, o->n);
	}
	int rc = sug ? cli_usage("new", "unknown option '--%s' (did you mean '--%s'?)", name, sug)
		     : cli_usage("new", "unknown option '--%s'", name);
	free(names);
	return rc;
}

static int set_value(const job *J, optfield *of, const char *option, const char *text)
{
	if (of->value)
		return cli_usage("new", "'%s' is given twice (--%s)", of->f->path, option);
	cf_buf why = CF_BUF_INIT;
	int rc = 0;
	if (cf_template_value_read(&of->value, J->schema, of->f, text, &why) < 0)
		rc = cli_usage("new", "--%s '%s': %s takes %s", option, text, of->f->path,
			       cf_buf_cstr(&why));
	cf_buf_free(&why);
	return rc;
}

/* Gives each option its field; then the values new knows without being told. */
static int apply_options(job *J, const opt *opts, size_t n, const char *date)
{
	for (size_t i = 0; i < n; i++) {
		optfield *of = option_of(&J->fields, opts[i].name);
		for (size_t k = 0; !of && k < sizeof(set_by_new) / sizeof(*set_by_new); k++)
			if (strcmp(opts[i].name, set_by_new[k]) == 0)
				return cli_usage("new",
						 "'--%s': casefile new sets %s itself (the id is "
						 "the year's next, the type is --type, the stage "
						 "is the first: %s)",
						 opts[i].name, set_by_new[k], J->schema->stages[0]);
		if (!of)
			return unknown_option(&J->fields, opts[i].name);
		int rc = set_value(J, of, opts[i].name, opts[i].value);
		if (rc)
			return rc;
	}
	optfield *referral = field_of(&J->fields, REFERRAL_FIELD);
	if (referral) {
		int rc = 0;
		if (date)
			rc = set_value(J, referral, "date", date);
		else if (!referral->value)
			referral->value = J->today_text;
		if (rc)
			return rc;
	} else if (date) {
		cf_date d;
		if (cf_date_parse(&d, date) < 0)
			return cli_usage("new", "--date '%s' is not a date (YYYY-MM-DD)", date);
	}
	optfield *title = field_of(&J->fields, "title");
	optfield *pseudonym = field_of(&J->fields, PSEUDONYM_FIELD);
	if (title && title->value && pseudonym && !pseudonym->value)
		pseudonym->value = title->value;
	return 0;
}

/* The year's next number: one more than the highest case of the year. */
static int next_id(job *J, const char *date)
{
	cf_date d = J->today;
	int year, month, day;
	if (date && cf_date_parse(&d, date) < 0)
		d = J->today;
	cf_date_to_ymd(d, &year, &month, &day);
	cf_source *src = NULL;
	cf_strlist ids = CF_STRLIST_INIT;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_source_open_workdir(&src, J->repo->root) < 0 || cf_case_ids(&ids, src, &diags) < 0) {
		fprintf(stderr, "casefile: new: cannot list the cases of %s\n", J->repo->root);
		cli_print_diags(stderr, &diags);
		cf_diags_free(&diags);
		cf_source_free(src);
		return CF_EXIT_USAGE;
	}
	int highest = 0;
	for (size_t i = 0; i < ids.n; i++) {
		const char *s = ids.items[i];
		int y, n;
		char tail;
		if (strlen(s) == 8 && s[4] == '-' && strspn(s, "0123456789-") == 8 &&
		    sscanf(s, "%4d-%3d%c", &y, &n, &tail) == 2 && y == year && n > highest)
			highest = n;
	}
	cf_strlist_free(&ids);
	cf_diags_free(&diags);
	cf_source_free(src);
	if (year < 1000 || year > 9999 || highest >= 999) {
		fprintf(stderr,
			"casefile: new: no case number is left for %d (the highest is %03d)\n",
			year, highest);
		return CF_EXIT_USAGE;
	}
	snprintf(J->id, sizeof(J->id), "%04d-%03d", year, highest + 1);
	return 0;
}

/* Every value of case.yaml, for the template: the options' and new's own. */
static cf_template_value *values_of(const job *J, size_t *n)
{
	cf_template_value *v = malloc((J->fields.n + 3) * sizeof(*v));
	if (!v)
		return NULL;
	*n = 0;
	v[(*n)++] = (cf_template_value){"id", J->id};
	v[(*n)++] = (cf_template_value){"type", J->type};
	v[(*n)++] = (cf_template_value){"stage", J->schema->stages[0]};
	for (size_t i = 0; i < J->fields.n; i++)
		if (J->fields.items[i].value)
			v[(*n)++] = (cf_template_value){J->fields.items[i].f->path,
							J->fields.items[i].value};
	return v;
}

/* Does any condition of the document read this field?  Then what else is required depends
 * on it, and the user is told so. */
static int decides(const cf_field *map, const char *path)
{
	for (size_t i = 0; i < map->n_fields; i++) {
		const cf_field *f = &map->fields[i];
		for (size_t k = 0; k < f->when.n; k++)
			if (!f->when.items[k].from_case &&
			    strcmp(f->when.items[k].field, path) == 0)
				return 1;
		if (f->type == CF_TYPE_MAP && decides(f, path))
			return 1;
	}
	return 0;
}

/* Lists what the first stage needs and no option gave: the reason nothing is created. */
static int report_missing(const job *J, const cf_strlist *missing)
{
	cf_buf msg = CF_BUF_INIT;
	cf_buf *opt_text = calloc(missing->n, sizeof(*opt_text));
	size_t w = 0;
	if (!opt_text) {
		fprintf(stderr, "casefile: new: out of memory\n");
		return CF_EXIT_USAGE;
	}
	for (size_t i = 0; i < missing->n; i++) {
		const char *path = missing->items[i];
		const cf_field *f = cf_field_find(&J->case_spec->root, path);
		const optfield *of = field_of((optfields *)&J->fields, path);
		if (of && f) {
			cf_buf_printf(&opt_text[i], "--%s ", of->name);
			cf_template_value_hint(&opt_text[i], J->schema, f);
		} else {
			/* A list, which no option gives: the schema asks for more than new can
			 * fill in, and says so rather than write something untrue. */
			cf_buf_puts(&opt_text[i], "(a list: write it in case.yaml)");
		}
		w = opt_text[i].len > w ? opt_text[i].len : w;
	}
	cf_buf_printf(&msg,
		      "a %s case at stage '%s' needs %s; nothing was created:", J->schema->name,
		      J->schema->stages[0], missing->n == 1 ? "this" : "these");
	for (size_t i = 0; i < missing->n; i++) {
		cf_buf_printf(&msg, "\n  %-*s  %s", (int)w, cf_buf_cstr(&opt_text[i]),
			      missing->items[i]);
		if (decides(&J->case_spec->root, missing->items[i]))
			cf_buf_puts(&msg, " (what else is required depends on it)");
		cf_buf_free(&opt_text[i]);
	}
	free(opt_text);
	int rc = cli_usage("new", "%s", cf_buf_cstr(&msg));
	cf_buf_free(&msg);
	return rc;
}

/* ---- writing the case ------------------------------------------------------------------- */

/* Removes what this run wrote, newest first, so that a failure leaves no half case. */
static void undo(job *J)
{
	for (size_t i = J->written.n; i > 0; i--)
		unlink(J->written.items[i - 1]);
	for (size_t i = J->made_dirs.n; i > 0; i--)
		rmdir(J->made_dirs.items[i - 1]);
	if (J->made_cases_dir)
		rmdir(J->cases_dir);
	cf_strlist_free(&J->written);
	cf_strlist_free(&J->made_dirs);
}

/* Makes the directories of a document's path inside the case ("meetings/x.yaml"). */
static int make_parents(job *J, const char *path)
{
	size_t base = strlen(J->case_dir) + 1;
	char *p = cf_strdup(path);
	if (!p)
		return -1;
	for (char *s = p + base; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (!cf_is_dir(p)) {
			if (cf_mkdirs(p, 0755) < 0 || cf_strlist_add(&J->made_dirs, p) < 0) {
				free(p);
				return -1;
			}
		}
		*s = '/';
	}
	free(p);
	return 0;
}

static int write_doc(job *J, const cf_docspec *spec, const cf_template_value *values,
		     size_t n_values)
{
	cf_buf text = CF_BUF_INIT;
	char *path = cf_path_join(J->case_dir, spec->pattern);
	/* The options are case.yaml's fields; another document's may share a name. */
	int is_case = spec == J->case_spec;
	int rc = -1;
	if (path &&
	    cf_template_doc(&text, J->schema, spec, is_case ? values : NULL, is_case ? n_values : 0,
			    NULL, 0) == 0 &&
	    make_parents(J, path) == 0) {
		if (cf_write_file_atomic(path, text.ptr, text.len, 0644) == 0)
			rc = cf_strlist_add(&J->written, path);
		else
			fprintf(stderr, "casefile: new: cannot write %s: %s\n", path,
				strerror(errno));
	} else {
		fprintf(stderr, "casefile: new: cannot write %s/%s: out of memory\n", J->case_dir,
			spec->pattern);
	}
	free(path);
	cf_buf_free(&text);
	return rc;
}

/* Creates the case directory (never one that exists: mkdir refuses, even when another run
 * has just made it) and writes the documents the first stage requires. */
static int write_case(job *J, const cf_check_ctx *ctx, const cf_template_value *values,
		      size_t n_values, cf_buf *names)
{
	J->made_cases_dir = !cf_is_dir(J->cases_dir);
	if (cf_mkdirs(J->cases_dir, 0755) < 0) {
		fprintf(stderr, "casefile: new: cannot create %s: %s\n", J->cases_dir,
			strerror(errno));
		J->made_cases_dir = 0;
		return CF_EXIT_USAGE;
	}
	if (mkdir(J->case_dir, 0755) < 0) {
		int e = errno;
		if (e == EEXIST)
			fprintf(stderr,
				"casefile: new: %s/%s already exists; nothing was written\n",
				CF_CASES_DIR, J->id);
		else
			fprintf(stderr, "casefile: new: cannot create %s: %s\n", J->case_dir,
				strerror(e));
		undo(J);
		return CF_EXIT_USAGE;
	}
	if (cf_strlist_add(&J->made_dirs, J->case_dir) < 0) {
		rmdir(J->case_dir);
		undo(J);
		return CF_EXIT_USAGE;
	}
	for (size_t i = 0; i < J->schema->n_docs; i++) {
		const cf_docspec *spec = &J->schema->docs[i];
		if (spec != J->case_spec && !cf_docspec_required(spec, ctx))
			continue;
		if (write_doc(J, spec, values, n_values) < 0) {
			undo(J);
			return CF_EXIT_USAGE;
		}
		cf_buf_printf(names, "%s%s", names->len ? ", " : "", spec->pattern);
	}
	return 0;
}

/* ---- what it prints --------------------------------------------------------------------- */

static const char *days(int n)
{
	return n == 1 ? "working day" : "working days";
}

/* "5 working days from 2026-11-20", as check's deadline warnings print it: the describer
 * names the field it counts from, which the new case has just given a date. */
static void put_rule(cf_buf *out, const cf_deadline_result *r)
{
	size_t start = out->len;
	cf_deadline_describe(out, r->spec);
	const cf_order_ref *a = &r->spec->anchor;
	cf_buf ref = CF_BUF_INIT;
	cf_buf_printf(&ref, "%s%s%s", a->file ? a->file : "", a->file ? ":" : "",
		      a->path ? a->path : "");
	size_t n = ref.len;
	if (r->anchor != CF_DATE_NONE && n && out->len - start >= n && out->ptr &&
	    strcmp(out->ptr + out->len - n, cf_buf_cstr(&ref)) == 0) {
		char d[11];
		cf_date_format(d, r->anchor);
		out->len -= n;
		out->ptr[out->len] = '\0';
		cf_buf_puts(out, d);
	}
	cf_buf_free(&ref);
}

static void put_state(cf_buf *out, const cf_deadline_result *r)
{
	char done[11] = "";
	if (r->done != CF_DATE_NONE)
		cf_date_format(done, r->done);
	const char *name = cf_deadline_state_name(r->state);
	switch (r->state) {
	case CF_DL_OPEN:
	case CF_DL_DUE_SOON:
		if (r->days == 0)
			cf_buf_printf(out, "%s, due today", name);
		else
			cf_buf_printf(out, "%s, %d %s left", name, r->days, days(r->days));
		break;
	case CF_DL_OVERDUE:
		cf_buf_printf(out, "%s by %d %s", name, r->days, days(r->days));
		break;
	case CF_DL_MET_LATE:
		cf_buf_printf(out, "%s %s, %d %s late", name, done, r->days, days(r->days));
		break;
	default:
		cf_buf_printf(out, "%s %s", name, done);
		break;
	}
}

static void put_deadlines(cf_buf *out, const cf_deadline_results *res, cf_date today)
{
	size_t w_id = 0, w_due = 0, shown = 0;
	cf_buf *due = calloc(res->n ? res->n : 1, sizeof(*due));
	if (!due) {
		out->oom = 1;
		return;
	}
	for (size_t i = 0; i < res->n; i++) {
		const cf_deadline_result *r = &res->items[i];
		if (r->state == CF_DL_PENDING)
			continue;
		char d[11];
		cf_date_format(d, r->due);
		cf_buf_printf(&due[i], "due %s (", d);
		put_rule(&due[i], r);
		cf_buf_putc(&due[i], ')');
		size_t w = strlen(r->spec->id);
		w_id = w > w_id ? w : w_id;
		w_due = due[i].len > w_due ? due[i].len : w_due;
		shown++;
	}
	char asof[11];
	cf_date_format(asof, today);
	if (shown == 0)
		cf_buf_printf(out, "no deadline runs yet (as of %s)\n", asof);
	else
		cf_buf_printf(out, "deadlines as of %s:\n", asof);
	for (size_t i = 0; i < res->n; i++) {
		const cf_deadline_result *r = &res->items[i];
		if (r->state == CF_DL_PENDING)
			continue;
		cf_buf_printf(out, "  %-*s  %-*s  ", (int)w_id, r->spec->id, (int)w_due,
			      cf_buf_cstr(&due[i]));
		put_state(out, r);
		cf_buf_putc(out, '\n');
		if (cf_buf_oom(&due[i]))
			out->oom = 1;
	}
	for (size_t i = 0; i < res->n; i++)
		cf_buf_free(&due[i]);
	free(due);
}

/* The files the case will need later, so that nobody has to know the format by heart. */
static void put_later(cf_buf *out, const job *J, const cf_check_ctx *ctx)
{
	size_t w = 0, n = 0;
	for (size_t i = 0; i < J->schema->n_docs; i++) {
		const cf_docspec *spec = &J->schema->docs[i];
		if (spec == J->case_spec || spec->free_form || cf_docspec_required(spec, ctx))
			continue;
		size_t len = strlen(spec->pattern);
		w = len > w ? len : w;
		n++;
	}
	if (n == 0)
		return;
	cf_buf_puts(out, "files of later stages ('casefile new --template FILE' prints one):\n");
	for (size_t i = 0; i < J->schema->n_docs; i++) {
		const cf_docspec *spec = &J->schema->docs[i];
		if (spec == J->case_spec || spec->free_form || cf_docspec_required(spec, ctx))
			continue;
		cf_buf_printf(out, "  %-*s  ", (int)w, spec->pattern);
		if (spec->required_from >= 0)
			cf_buf_printf(out, "from stage %s", J->schema->stages[spec->required_from]);
		else if (spec->required)
			cf_buf_puts(out, "required");
		else
			cf_buf_puts(out, "when there is one");
		if (spec->when.n) {
			cf_buf_puts(out, " when ");
			cf_conds_describe(out, &spec->when);
		}
		cf_buf_putc(out, '\n');
	}
}

/* Reads the new case back as check does: whatever check would call an error (a date before
 * the incident, a value the schema refuses) undoes it.  Deadlines come from the same run. */
static int verify(job *J, cf_deadline_results *res)
{
	cf_source *src = NULL;
	cf_case *c = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (cf_source_open_workdir(&src, J->repo->root) < 0 ||
	    cf_case_load(&c, J->repo, src, J->id, &diags) < 0) {
		fprintf(stderr, "casefile: new: cannot read the new case back: out of memory\n");
		rc = CF_EXIT_USAGE;
	} else {
		cf_check_env env = {J->repo->calendar, J->today, J->repo->warning_days, NULL};
		cf_diags_set_case(&diags, J->id);
		cf_check_case(c, &env, &diags, res);
		cf_diags_sort(&diags);
		if (diags.oom) {
			fprintf(stderr, "casefile: new: out of memory\n");
			rc = CF_EXIT_USAGE;
		} else if (cf_diags_count(&diags, CF_SEV_ERROR) > 0) {
			cli_print_diags(stderr, &diags);
			fprintf(stderr, "casefile: new: the new case would not pass check (above), "
					"so nothing was created\n");
			rc = CF_EXIT_USAGE;
		} else {
			/* Overdue and met-late deadlines are facts, and the list below shows
			 * them; anything else check would warn about is printed here. */
			for (size_t i = 0; i < diags.len; i++) {
				cf_buf line = CF_BUF_INIT;
				if (strncmp(diags.items[i].rule, "deadline/", 9) == 0)
					continue;
				cf_diag_format_text(&line, &diags.items[i]);
				fputs(cf_buf_cstr(&line), stderr);
				cf_buf_free(&line);
			}
		}
	}
	cf_case_free(c);
	cf_source_free(src);
	cf_diags_free(&diags);
	return rc;
}

/* ---- the command ------------------------------------------------------------------------ */

static int print_template(const cf_schema *s, const char *file)
{
	const cf_docspec *spec = cf_schema_docspec(s, file);
	if (!spec) {
		for (size_t i = 0; i < s->n_docs && !spec; i++)
			if (strcmp(s->docs[i].pattern, file) == 0)
				spec = &s->docs[i];
	}
	if (!spec) {
		cf_buf list = CF_BUF_INIT;
		for (size_t i = 0; i < s->n_docs; i++)
			cf_buf_printf(&list, "%s%s", i ? ", " : "", s->docs[i].pattern);
		int rc = cli_usage("new", "the %s case type has no file '%s'; its files: %s",
				   s->name, file, cf_buf_cstr(&list));
		cf_buf_free(&list);
		return rc;
	}
	cf_buf out = CF_BUF_INIT;
	int rc = CF_EXIT_OK;
	if (cf_template_doc(&out, s, spec, NULL, 0, NULL, 0) < 0 || cli_write_stdout(&out) < 0) {
		fprintf(stderr, "casefile: new: could not write the template\n");
		rc = CF_EXIT_USAGE;
	}
	cf_buf_free(&out);
	return rc;
}

/* The case type: --type, else the first the repository's config names, else cspr. */
static int pick_type(const char **type, const cf_repo *repo)
{
	const cf_node *types = cf_node_get(repo->config, "case_types");
	if (!*type) {
		const char *first = types && types->kind == CF_NODE_SEQ && types->n
					? cf_node_str(types->items[0])
					: NULL;
		*type = first ? first : "cspr";
		return 0;
	}
	if (!types || types->kind != CF_NODE_SEQ)
		return 0;
	cf_buf list = CF_BUF_INIT;
	for (size_t i = 0; i < types->n; i++) {
		const char *t = cf_node_str(types->items[i]);
		if (t && strcmp(t, *type) == 0) {
			cf_buf_free(&list);
			return 0;
		}
		cf_buf_printf(&list, "%s%s", list.len ? ", " : "", t ? t : "");
	}
	int rc = cli_usage("new", "this repository's case types are %s, not '%s'",
			   cf_buf_cstr(&list), *type);
	cf_buf_free(&list);
	return rc;
}

/* After the options are read: everything from the schema to the printed summary. */
static int create(job *J, const opt *opts, size_t n_opts, const char *date)
{
	int rc;
	if (collect(&J->fields, &J->case_spec->root) < 0 || name_options(&J->fields) < 0) {
		fprintf(stderr, "casefile: new: out of memory\n");
		return CF_EXIT_USAGE;
	}
	if ((rc = apply_options(J, opts, n_opts, date)))
		return rc;
	const optfield *referral = field_of(&J->fields, REFERRAL_FIELD);
	if ((rc = next_id(J, referral ? referral->value : date)))
		return rc;
	J->cases_dir = cf_path_join(J->repo->root, CF_CASES_DIR);
	J->case_dir = J->cases_dir ? cf_path_join(J->cases_dir, J->id) : NULL;
	if (!J->case_dir) {
		fprintf(stderr, "casefile: new: out of memory\n");
		return CF_EXIT_USAGE;
	}

	/* The requirements are the schema's, read on the values given: case.yaml is written
	 * in memory and parsed, so that `route: notification` asks for what it asks for. */
	size_t n_values = 0;
	cf_template_value *values = values_of(J, &n_values);
	cf_buf text = CF_BUF_INIT;
	cf_arena *arena = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_strlist missing = CF_STRLIST_INIT;
	cf_buf names = CF_BUF_INIT, out = CF_BUF_INIT;
	cf_deadline_results res = {NULL, 0, 0};
	cf_doc *doc = NULL;
	if (!values || cf_arena_new(&arena, 1) < 0 ||
	    cf_template_doc(&text, J->schema, J->case_spec, values, n_values, NULL, 0) < 0) {
		fprintf(stderr, "casefile: new: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_doc_parse_yaml(&doc, arena, "case.yaml", text.ptr, text.len, NULL, &diags) < 0 ||
	    !doc->root) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: new: the template of case.yaml does not parse\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	cf_check_ctx ctx = {J->schema, doc->root, 0};
	if (cf_template_missing(&missing, &ctx, J->case_spec, doc->root) < 0) {
		fprintf(stderr, "casefile: new: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (missing.n) {
		rc = report_missing(J, &missing);
		goto out;
	}
	if ((rc = write_case(J, &ctx, values, n_values, &names)))
		goto out;
	if ((rc = verify(J, &res))) {
		undo(J);
		goto out;
	}
	const optfield *title = field_of(&J->fields, "title");
	cf_buf_printf(&out, "created %s/%s", CF_CASES_DIR, J->id);
	if (title && title->value)
		cf_buf_printf(&out, " (%s)", title->value);
	cf_buf_printf(&out, ": %s\n", cf_buf_cstr(&names));
	put_deadlines(&out, &res, J->today);
	put_later(&out, J, &ctx);
	if (cli_write_stdout(&out) < 0)
		fprintf(stderr, "casefile: new: created %s/%s, but could not print the summary\n",
			CF_CASES_DIR, J->id);
out:
	cf_deadline_results_free(&res);
	cf_buf_free(&out);
	cf_buf_free(&names);
	cf_strlist_free(&missing);
	cf_diags_free(&diags);
	cf_arena_free(arena);
	cf_buf_free(&text);
	free(values);
	return rc;
}

int cmd_new(int argc, char **argv, const cf_cli *cli)
{
	const char *type = NULL, *as_of = NULL, *template = NULL, *date = NULL;
	opt *opts = malloc((argc > 0 ? (size_t)argc : 1) * sizeof(*opts));
	size_t n_opts = 0;
	cf_strlist names = CF_STRLIST_INIT; /* option names cut from --NAME=VALUE */
	job J;
	memset(&J, 0, sizeof(J));
	int rc = 0;
	if (!opts) {
		fprintf(stderr, "casefile: new: out of memory\n");
		return CF_EXIT_USAGE;
	}
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(usage_text, stdout);
			goto out;
		}
		if (strncmp(a, "--", 2) != 0 || !a[2]) {
			rc = cli_usage("new", "unexpected argument '%s'", a);
			break;
		}
		/* --NAME VALUE or --NAME=VALUE; NAME is looked up once the schema is known. */
		opt o = {a + 2, NULL};
		const char *eq = strchr(a, '=');
		if (eq) {
			char *name = cf_strndup(a + 2, (size_t)(eq - a - 2));
			if (!name || cf_strlist_take(&names, name) < 0) {
				rc = CF_EXIT_USAGE;
				break;
			}
			o.name = names.items[names.n - 1];
			o.value = eq + 1;
		} else if (i + 1 < argc) {
			o.value = argv[++i];
		} else {
			rc = cli_usage("new", "--%s needs a value", o.name);
			break;
		}
		const char **fixed = strcmp(o.name, "type") == 0       ? &type
				     : strcmp(o.name, "as-of") == 0    ? &as_of
				     : strcmp(o.name, "template") == 0 ? &template
				     : strcmp(o.name, "date") == 0     ? &date
								       : NULL;
		if (!fixed)
			opts[n_opts++] = o;
		else if (*fixed)
			rc = cli_usage("new", "--%s is given twice", o.name);
		else
			*fixed = o.value;
	}
	if (rc == 0)
		rc = cli_today(&J.today, "new", as_of);
	if (rc == 0)
		rc = cli_open_repo(&J.repo, cli);
	if (rc == 0)
		rc = pick_type(&type, J.repo);
	if (rc)
		goto out;
	J.type = type;
	cf_date_format(J.today_text, J.today);
	cf_diags diags = CF_DIAGS_INIT;
	int got = cf_repo_schema_get(&J.schema, J.repo, type, &diags);
	cf_diags_sort(&diags);
	cli_print_diags(stderr, &diags);
	cf_diags_free(&diags);
	if (got == -1) {
		rc = cli_usage("new", "no schema for case type '%s'", type);
		goto out;
	} else if (got < 0) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (template) {
		rc = print_template(J.schema, template);
		goto out;
	}
	J.case_spec = cf_schema_docspec(J.schema, "case.yaml");
	if (!J.case_spec || J.schema->n_stages == 0) {
		fprintf(stderr, "casefile: new: the %s schema has no case.yaml or no stages\n",
			type);
		rc = CF_EXIT_USAGE;
		goto out;
	}
	rc = create(&J, opts, n_opts, date);
out:
	free(J.case_dir);
	free(J.cases_dir);
	cf_strlist_free(&J.written);
	cf_strlist_free(&J.made_dirs);
	optfields_free(&J.fields);
	cf_repo_free(J.repo);
	cf_strlist_free(&names);
	free(opts);
	return rc;
}
