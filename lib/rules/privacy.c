#include "rules/privacy.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "schema.h"

static const char source_text[] =
    "seeds 000 §1.2 (personal information about family members is treated confidentially); "
    "seeds 004 (reviews are published anonymously, to ensure confidentiality); seeds 001 "
    "§9.1.3 (the published report is anonymised)";

const cf_rule_info cf_privacy_rules[] = {
    {"privacy/title", "a case's title that names a person of the case",
     "case.yaml's `title` holds none of the real identifiers of the case's people: the values "
     "of the fields the schema marks `identifier: true` (names and their parts, aliases, "
     "dates of birth, addresses, schools) in every list of people of the case's files.",
     "The title is the child's pseudonym. It is what `casefile status`, the printed pack for "
     "the Case Review Group, `casefile new` and the reports show, to people who may not know "
     "the family: a real name there is a name outside the encrypted files.",
     "Give the case a pseudonym as its title (`Child K`), and keep the names in family.yaml.",
     source_text},
    {"privacy/file-name", "a file or directory name under a case that names a person",
     "No file or directory name under cases/ID/ holds a real identifier of the case's people "
     "(as privacy/title finds them; hyphens, underscores and dots count as spaces).",
     "Git encrypts a file's content, never its name: names are stored in plaintext trees, "
     "which everyone who can read the shared server sees, and they stay in the history. "
     "`notes/poppy-quennell-home-visit.md` tells a reader of the server who the case is "
     "about.",
     "Rename the file by its date and what it records (`notes/2026-07-20-home-visit.md`), "
     "with `git mv`. A name already pushed stays in the history until it is rewritten.",
     source_text},
    {"privacy/commit-message", "a commit message that names a person of a case it touches",
     "The message of a commit holds none of the real identifiers of the people of any case "
     "the commit changes (checked by casefile's commit-msg hook, on the staged files).",
     "Commit messages are plaintext in git: everyone who can read the shared server reads "
     "them, and they cannot be taken back once pushed without rewriting history.",
     "Describe the change by the case's id and pseudonym (`2026-014: Child K's rapid review "
     "minutes`). Your message is kept in .git/COMMIT_EDITMSG: edit it and commit again "
     "(`git commit -e -F .git/COMMIT_EDITMSG`).",
     source_text},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

int cf_privacy_add_value(cf_idscan *s, int who, int aux, const cf_field *g, const cf_node *v)
{
	const char *str = cf_node_str(v);
	if (!str || v->kind != CF_NODE_SCALAR)
		return 0;
	if (g->type == CF_TYPE_DATE) {
		cf_date d;
		int y, m, day;
		if (cf_date_parse(&d, str) < 0)
			return 0;
		cf_date_to_ymd(d, &y, &m, &day);
		return cf_idscan_add_date(s, who, aux, CF_ID_DOB, y, m, day);
	}
	if (strcmp(g->name, "name") == 0)
		return cf_idscan_add_name(s, who, aux, CF_ID_NAME, str);
	if (g->type == CF_TYPE_LIST || strstr(g->name, "alias"))
		return cf_idscan_add_name(s, who, aux, CF_ID_ALIAS, str);
	if (strcmp(g->name, "address") == 0)
		return cf_idscan_add_address(s, who, aux, str);
	if (strcmp(g->name, "school") == 0)
		return cf_idscan_add_phrase(s, who, aux, CF_ID_SCHOOL, str);
	return cf_idscan_add_phrase(s, who, aux, CF_ID_OTHER, str);
}

const char *cf_privacy_label(cf_arena *arena, const cf_node *item, size_t index, const char *list,
			     const char *alt)
{
	const char *ref = cf_node_str(cf_node_get(item, "ref"));
	if (!ref)
		ref = cf_node_str(cf_node_get(item, "id"));
	if (ref && (strchr(ref, '\n') || strlen(ref) >= 40))
		ref = NULL;
	if (alt && (strchr(alt, '\n') || strlen(alt) >= 80))
		alt = NULL;
	cf_buf b = CF_BUF_INIT;
	if (ref)
		cf_buf_puts(&b, ref);
	else
		cf_buf_printf(&b, "%s[%zu]", list, index + 1);
	if (alt)
		cf_buf_printf(&b, " (%s)", alt);
	char *s = cf_buf_oom(&b) ? NULL : cf_arena_strdup(arena, cf_buf_cstr(&b));
	cf_buf_free(&b);
	return s;
}

/* A person of the case as the diagnostics name them, and their pseudonym. */
typedef struct person {
	const char *label;
	const char *pseudonym;
	const cf_node *item;
	size_t index;
	const char *list;
	int tainted; /* the pseudonym holds a real identifier: it hides nothing */
} person;

typedef struct scan {
	const cf_case *c;
	cf_diags *diags;
	cf_idscan *ids, *raw; /* the scan, and the same without pseudonyms (to test them) */
	person *people;
	size_t n, cap;
	int oom;
} scan;

static int has_identifiers(const cf_field *map)
{
	for (size_t i = 0; map && i < map->n_fields; i++)
		if (map->fields[i].identifier)
			return 1;
	return 0;
}

static int add_values(scan *S, int who, int g, const cf_field *gf, const cf_node *v)
{
	if (cf_privacy_add_value(S->ids, who, g, gf, v) < 0 ||
	    cf_privacy_add_value(S->raw, who, g, gf, v) < 0)
		return -1;
	return 0;
}

static person *new_person(scan *S)
{
	if (S->n == S->cap) {
		size_t ncap = S->cap ? S->cap * 2 : 16;
		person *np = cf_arena_alloc(S->c->arena, ncap * sizeof(*np));
		if (!np)
			return NULL;
		if (S->people)
			memcpy(np, S->people, S->n * sizeof(*np));
		S->people = np;
		S->cap = ncap;
	}
	return &S->people[S->n++];
}

/* Every person of one file: their identifiers into both scanners. */
static int add_file(scan *S, const cf_case_file *f)
{
	const cf_field *root = &f->spec->root;
	for (size_t i = 0; i < root->n_fields; i++) {
		const cf_field *list = &root->fields[i];
		if (list->type != CF_TYPE_LIST || !list->items ||
		    list->items->type != CF_TYPE_MAP || !has_identifiers(list->items))
			continue;
		const cf_node *seq = cf_node_get(f->doc->root, list->name);
		for (size_t k = 0; seq && seq->kind == CF_NODE_SEQ && k < seq->n; k++) {
			const cf_node *item = seq->items[k];
			if (item->kind != CF_NODE_MAP)
				continue;
			person *p = new_person(S);
			if (!p)
				return -1;
			int who = (int)(p - S->people);
			const char *pseudonym = cf_node_str(cf_node_get(item, "pseudonym"));
			const char *role = cf_node_str(cf_node_get(item, "role"));
			*p = (person){NULL, pseudonym, item, k, list->name, 0};
			p->label = cf_privacy_label(S->c->arena, item, k, list->name,
						    pseudonym ? pseudonym : role);
			if (!p->label)
				return -1;
			for (size_t g = 0; g < list->items->n_fields; g++) {
				const cf_field *gf = &list->items->fields[g];
				const cf_node *v = cf_node_get(item, gf->name);
				if (!gf->identifier || cf_node_is_empty(v))
					continue;
				if (v->kind != CF_NODE_SEQ) {
					if (add_values(S, who, (int)g, gf, v) < 0)
						return -1;
					continue;
				}
				for (size_t j = 0; j < v->n; j++)
					if (add_values(S, who, (int)g, gf, v->items[j]) < 0)
						return -1;
			}
		}
	}
	return 0;
}

/* A pseudonym holding a real identifier of its own person, or a whole identifier of anyone,
 * hides nothing: it is no pseudonym. */
static int tainted(scan *S, const char *pseudonym, int owner)
{
	cf_idhits hits = CF_IDHITS_INIT;
	int bad = 0;
	if (cf_idscan_run(&hits, S->raw, pseudonym, strlen(pseudonym), 1) < 0)
		S->oom = 1;
	for (size_t i = 0; i < hits.n; i++) {
		cf_id_kind k = hits.items[i].kind;
		bad |= hits.items[i].who == owner ||
		       (k != CF_ID_SURNAME && k != CF_ID_FIRST_NAME && k != CF_ID_MIDDLE_NAME);
	}
	cf_idhits_free(&hits);
	return bad;
}

/* The scanner of the case's identifiers; 0 when the case has none (nothing to find), -1 when
 * memory ran out. */
static int build(scan *S)
{
	if (cf_idscan_new(&S->ids, S->c->arena) < 0 || cf_idscan_new(&S->raw, S->c->arena) < 0)
		return -1;
	for (size_t i = 0; i < S->c->n_files; i++) {
		const cf_case_file *f = &S->c->files[i];
		if (f->doc && f->spec && f->doc->root && add_file(S, f) < 0)
			return -1;
	}
	for (size_t i = 0; i < S->n; i++) {
		person *p = &S->people[i];
		if (!p->pseudonym)
			continue;
		p->tainted = tainted(S, p->pseudonym, (int)i);
		if (!p->tainted && cf_idscan_add_pseudonym(S->ids, p->pseudonym) < 0)
			return -1;
	}
	return S->oom ? -1 : cf_idscan_count(S->ids) > 0;
}

/* "names members[2] (Mother) by a surname". */
static void describe(cf_buf *b, const person *p, cf_id_kind k)
{
	switch (k) {
	case CF_ID_DOB:
		cf_buf_printf(b, "gives the date of birth of %s", p->label);
		break;
	case CF_ID_ADDRESS:
		cf_buf_printf(b, "gives the address of %s", p->label);
		break;
	case CF_ID_SCHOOL:
		cf_buf_printf(b, "names the school of %s", p->label);
		break;
	case CF_ID_OTHER:
		cf_buf_printf(b, "gives an identifier of %s", p->label);
		break;
	default:
		cf_buf_printf(b, "names %s by %s", p->label,
			      k == CF_ID_NAME	 ? "their full name"
			      : k == CF_ID_ALIAS ? "an alias"
						 : cf_id_kind_name(k));
	}
}

static void report(scan *S, const cf_idhits *hits, const char *file, int at_place, const char *rule,
		   const char *what, const char *hint)
{
	for (size_t i = 0; i < hits->n; i++) {
		const cf_idhit *h = &hits->items[i];
		cf_buf b = CF_BUF_INIT;
		cf_buf_printf(&b, "%s ", what);
		describe(&b, &S->people[h->who], h->kind);
		if (cf_buf_oom(&b)) {
			S->oom = 1;
			cf_buf_free(&b);
			return;
		}
		cf_diag *d = cf_diags_add(S->diags, CF_SEV_ERROR, file, at_place ? h->line : 0,
					  at_place ? h->col : 0, rule, "%s", cf_buf_cstr(&b));
		cf_diag_hint(S->diags, d, "%s", hint);
		const person *p = &S->people[h->who];
		if (p->tainted)
			cf_diag_hint(
			    S->diags, d,
			    "%s's pseudonym holds a real identifier of theirs: choose another "
			    "pseudonym in the case's files, and use it",
			    p->label);
		cf_buf_free(&b);
	}
}

static void check_title(scan *S)
{
	const cf_case_file *f = cf_case_file_get(S->c, "case.yaml");
	const cf_node *t = S->c->root ? cf_node_get(S->c->root, "title") : NULL;
	if (!f || !t || t->kind != CF_NODE_SCALAR || !t->str || !t->len)
		return;
	cf_idhits hits = CF_IDHITS_INIT;
	if (cf_idscan_run_at(&hits, S->ids, t->str, t->len, t->line, t->col + !t->plain) < 0)
		S->oom = 1;
	report(S, &hits, f->path, 1, "privacy/title", "the title",
	       "the title is the child's pseudonym (`Child K`): status, the printed pack and "
	       "`casefile new` show it");
	cf_idhits_free(&hits);
}

/* Each file's name below the case directory, its separators as spaces. */
static void check_names(scan *S)
{
	for (size_t i = 0; i < S->c->n_files; i++) {
		const cf_case_file *f = &S->c->files[i];
		size_t len = strlen(f->name);
		char *words = malloc(len + 1);
		if (!words) {
			S->oom = 1;
			return;
		}
		for (size_t k = 0; k <= len; k++) {
			char ch = f->name[k];
			words[k] = ch == '-' || ch == '_' || ch == '.' || ch == '/' ? ' ' : ch;
		}
		cf_idhits hits = CF_IDHITS_INIT;
		if (cf_idscan_run(&hits, S->ids, words, len, 1) < 0)
			S->oom = 1;
		free(words);
		/* one diagnostic per file is enough: the name is renamed as a whole */
		if (hits.n > 1)
			hits.n = 1;
		report(S, &hits, f->path, 0, "privacy/file-name", "the file name",
		       "git stores file names unencrypted: rename it by its date and what it "
		       "records (`git mv`)");
		cf_idhits_free(&hits);
	}
}

static void check_message(scan *S, const cf_privacy_text *m)
{
	cf_idhits hits = CF_IDHITS_INIT;
	if (cf_idscan_run(&hits, S->ids, m->text, m->len, 1) < 0)
		S->oom = 1;
	cf_buf what = CF_BUF_INIT;
	cf_buf_printf(&what, "the commit message (it changes %s)", S->c->dir);
	if (cf_buf_oom(&what))
		S->oom = 1;
	else
		report(S, &hits, m->name, 1, "privacy/commit-message", cf_buf_cstr(&what),
		       "commit messages are not encrypted: name the case by its id and "
		       "pseudonym");
	cf_buf_free(&what);
	cf_idhits_free(&hits);
}

void cf_rule_privacy(const cf_case *c, const cf_privacy_text *message, cf_diags *diags)
{
	if (!c->schema || c->locked)
		return;
	scan S = {c, diags, NULL, NULL, NULL, 0, 0, 0};
	int r = build(&S);
	if (r > 0) {
		check_title(&S);
		check_names(&S);
		if (message && message->len)
			check_message(&S, message);
	}
	if (r < 0 || S.oom)
		diags->oom = 1;
}
