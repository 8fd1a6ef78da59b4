#include "schema.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "fs.h"
#include "suggest.h"

/* ---- loading ---------------------------------------------------------------------------- */

typedef struct loader {
	cf_schema *s;
	cf_diags *diags;
	int failed;
} loader;

static void bad(loader *L, const cf_node *at, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void bad(loader *L, const cf_node *at, const char *hint, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cf_diag *d = cf_diags_add(L->diags, CF_SEV_ERROR, L->s->file, at ? at->line : 0,
				  at ? at->col : 0, "schema/invalid", "%s", cf_buf_cstr(&msg));
	if (hint)
		cf_diag_hint(L->diags, d, "%s", hint);
	cf_buf_free(&msg);
	L->failed = 1;
}

static const char *const type_names[] = {"string", "text", "date", "bool", "int",
					 "enum",   "list", "map",  "stage"};

const char *cf_type_name(cf_type t)
{
	return type_names[t];
}

/* Refuses keys a spec does not know, suggesting the one that was meant. */
static void known_keys(loader *L, const cf_node *map, const char *const *keys, size_t n,
		       const char *what)
{
	for (size_t i = 0; i < map->n; i++) {
		const cf_node *k = map->pairs[i].key;
		int found = 0;
		for (size_t j = 0; j < n && !found; j++)
			found = strcmp(k->str, keys[j]) == 0;
		if (found)
			continue;
		const char *sug = cf_suggest(k->str, keys, n);
		cf_buf hint = CF_BUF_INIT;
		if (sug)
			cf_buf_printf(&hint, "did you mean '%s'?", sug);
		bad(L, k, sug ? cf_buf_cstr(&hint) : NULL, "unknown key '%s' in %s", k->str, what);
		cf_buf_free(&hint);
	}
}

static const char *scalar(loader *L, const cf_node *n, const char *what)
{
	const char *s = cf_node_str(n);
	if (!s || n->kind != CF_NODE_SCALAR) {
		bad(L, n, NULL, "%s must be a single value", what);
		return NULL;
	}
	return s;
}

static int stage_of(loader *L, const cf_node *n)
{
	const char *name = scalar(L, n, "a stage");
	if (!name)
		return -1;
	int i = cf_schema_stage_index(L->s, name);
	if (i < 0) {
		const char *sug = cf_suggest(name, L->s->stages, L->s->n_stages);
		cf_buf hint = CF_BUF_INIT;
		if (sug)
			cf_buf_printf(&hint, "did you mean '%s'?", sug);
		bad(L, n, sug ? cf_buf_cstr(&hint) : NULL, "'%s' is not one of the schema's stages",
		    name);
		cf_buf_free(&hint);
	}
	return i;
}

static const char **string_list(loader *L, const cf_node *n, size_t *count, const char *what)
{
	*count = 0;
	if (!n || n->kind != CF_NODE_SEQ) {
		bad(L, n, NULL, "%s must be a list", what);
		return NULL;
	}
	const char **v = cf_arena_alloc(L->s->arena, (n->n + 1) * sizeof(*v));
	if (!v) {
		bad(L, n, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n->n; i++) {
		v[i] = scalar(L, n->items[i], what);
		if (!v[i])
			return NULL;
	}
	*count = n->n;
	return v;
}

static void parse_cond(loader *L, const cf_node *n, cf_cond *c)
{
	static const char *const keys[] = {"field", "is", "is_not", "in", "not_in", "present"};
	if (n->kind != CF_NODE_MAP) {
		bad(L, n, "write it as {field: route, is: notification}",
		    "a condition must be a mapping");
		return;
	}
	known_keys(L, n, keys, sizeof(keys) / sizeof(*keys), "a condition");
	c->line = n->line;
	c->col = n->col;
	const char *field = scalar(L, cf_node_get(n, "field"), "a condition's 'field'");
	if (!field)
		return;
	if (strncmp(field, "case:", 5) == 0) {
		c->from_case = 1;
		field += 5;
	}
	c->field = field;
	int ops = 0;
	const cf_node *v;
	if ((v = cf_node_get(n, "is")) || (v = cf_node_get(n, "is_not"))) {
		c->op = cf_node_get(n, "is") ? CF_COND_IS : CF_COND_IS_NOT;
		c->values = cf_arena_alloc(L->s->arena, sizeof(*c->values));
		if (c->values && (c->values[0] = scalar(L, v, "a condition's value")))
			c->n_values = 1;
		ops++;
	}
	if ((v = cf_node_get(n, "in")) || (v = cf_node_get(n, "not_in"))) {
		c->op = cf_node_get(n, "in") ? CF_COND_IN : CF_COND_NOT_IN;
		c->values = string_list(L, v, &c->n_values, "a condition's values");
		ops++;
	}
	if ((v = cf_node_get(n, "present"))) {
		int b;
		if (cf_node_bool(v, &b) < 0)
			bad(L, v, NULL, "'present' must be true or false");
		c->op = b ? CF_COND_PRESENT : CF_COND_ABSENT;
		ops++;
	}
	if (ops != 1 || (cf_node_get(n, "is") && cf_node_get(n, "is_not")) ||
	    (cf_node_get(n, "in") && cf_node_get(n, "not_in")))
		bad(L, n, NULL, "a condition needs exactly one of is, is_not, in, not_in, present");
}

static void parse_conds(loader *L, const cf_node *n, cf_conds *out)
{
	size_t count = n->kind == CF_NODE_SEQ ? n->n : 1;
	out->items = cf_arena_alloc(L->s->arena, count * sizeof(cf_cond));
	if (!out->items) {
		bad(L, n, NULL, "out of memory");
		return;
	}
	out->n = count;
	for (size_t i = 0; i < count; i++)
		parse_cond(L, n->kind == CF_NODE_SEQ ? n->items[i] : n, &out->items[i]);
}

static int track_regex(loader *L, regex_t *re)
{
	cf_schema *s = L->s;
	if (s->n_regexes == s->cap_regexes) {
		size_t cap = s->cap_regexes ? s->cap_regexes * 2 : 8;
		regex_t **r = realloc(s->regexes, cap * sizeof(*r));
		if (!r)
			return -1;
		s->regexes = r;
		s->cap_regexes = cap;
	}
	s->regexes[s->n_regexes++] = re;
	return 0;
}

static void parse_field(loader *L, const cf_node *n, cf_field *f, const char *name,
			const char *path);

static void parse_fields(loader *L, const cf_node *n, cf_field *f, const char *path)
{
	if (n->kind != CF_NODE_MAP) {
		bad(L, n, NULL, "'fields' must be a mapping of field names to their specs");
		return;
	}
	f->n_fields = n->n;
	f->fields = cf_arena_alloc(L->s->arena, (n->n ? n->n : 1) * sizeof(cf_field));
	if (!f->fields) {
		bad(L, n, NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *key = n->pairs[i].key->str;
		cf_buf p = CF_BUF_INIT;
		if (path && *path)
			cf_buf_printf(&p, "%s.%s", path, key);
		else
			cf_buf_puts(&p, key);
		const char *child_path = cf_arena_strdup(L->s->arena, cf_buf_cstr(&p));
		cf_buf_free(&p);
		if (!child_path) {
			bad(L, n, NULL, "out of memory");
			return;
		}
		parse_field(L, n->pairs[i].val, &f->fields[i], key, child_path);
	}
}

static void parse_field(loader *L, const cf_node *n, cf_field *f, const char *name,
			const char *path)
{
	static const char *const keys[] = {"type",	    "description", "source",  "required",
					   "required_from", "when",	   "values",  "pattern",
					   "min",	    "max",	   "default", "identifier",
					   "items",	    "fields",	   "open"};
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->path = path;
	f->required_from = -1;
	f->line = n->line;
	f->col = n->col;
	if (n->kind != CF_NODE_MAP) {
		bad(L, n, "write it as {type: string, required: true}",
		    "the spec of field '%s' must be a mapping", path);
		return;
	}
	known_keys(L, n, keys, sizeof(keys) / sizeof(*keys), "a field spec");

	const cf_node *t = cf_node_get(n, "type");
	if (t) {
		const char *tn = scalar(L, t, "'type'");
		size_t i, nt = sizeof(type_names) / sizeof(*type_names);
		for (i = 0; tn && i < nt; i++)
			if (strcmp(tn, type_names[i]) == 0)
				break;
		if (tn && i == nt) {
			const char *sug = cf_suggest(tn, type_names, nt);
			cf_buf hint = CF_BUF_INIT;
			cf_buf_puts(&hint, sug ? "did you mean '"
					       : "types: string, text, date, bool, "
						 "int, enum, list, map, stage");
			if (sug)
				cf_buf_printf(&hint, "%s'?", sug);
			bad(L, t, cf_buf_cstr(&hint), "unknown type '%s' for field '%s'", tn, path);
			cf_buf_free(&hint);
		}
		f->type = (cf_type)(i < nt ? i : 0);
	} else if (cf_node_get(n, "fields")) {
		f->type = CF_TYPE_MAP;
	} else if (cf_node_get(n, "items")) {
		f->type = CF_TYPE_LIST;
	} else if (cf_node_get(n, "values")) {
		f->type = CF_TYPE_ENUM;
	} else {
		bad(L, n, NULL, "field '%s' has no type", path);
	}

	const cf_node *v;
	if ((v = cf_node_get(n, "required")) && cf_node_bool(v, &f->required) < 0)
		bad(L, v, NULL, "'required' must be true or false");
	if ((v = cf_node_get(n, "required_from")))
		f->required_from = stage_of(L, v);
	if ((v = cf_node_get(n, "when")))
		parse_conds(L, v, &f->when);
	if ((v = cf_node_get(n, "identifier")) && cf_node_bool(v, &f->identifier) < 0)
		bad(L, v, NULL, "'identifier' must be true or false");
	if ((v = cf_node_get(n, "open")) && cf_node_bool(v, &f->open) < 0)
		bad(L, v, NULL, "'open' must be true or false");
	f->description = cf_node_str(cf_node_get(n, "description"));
	f->source = cf_node_str(cf_node_get(n, "source"));
	f->default_value = cf_node_str(cf_node_get(n, "default"));
	if ((v = cf_node_get(n, "min"))) {
		f->has_min = 1;
		if (cf_node_int(v, &f->min) < 0)
			bad(L, v, NULL, "'min' must be a whole number");
	}
	if ((v = cf_node_get(n, "max"))) {
		f->has_max = 1;
		if (cf_node_int(v, &f->max) < 0)
			bad(L, v, NULL, "'max' must be a whole number");
	}
	if ((v = cf_node_get(n, "values"))) {
		f->values = string_list(L, v, &f->n_values, "'values'");
		if (f->type != CF_TYPE_ENUM && !(f->type == CF_TYPE_LIST))
			bad(L, v, NULL, "'values' belongs to an enum field");
	} else if (f->type == CF_TYPE_ENUM) {
		bad(L, n, NULL, "enum field '%s' lists no 'values'", path);
	}
	if ((v = cf_node_get(n, "pattern"))) {
		f->pattern = scalar(L, v, "'pattern'");
		if (f->pattern) {
			f->re = cf_arena_alloc(L->s->arena, sizeof(regex_t));
			int rc = f->re ? regcomp(f->re, f->pattern, REG_EXTENDED | REG_NOSUB) : -1;
			if (rc != 0) {
				f->re = NULL;
				bad(L, v, NULL, "'%s' is not a valid regular expression",
				    f->pattern);
			} else if (track_regex(L, f->re) < 0) {
				regfree(f->re);
				f->re = NULL;
				bad(L, v, NULL, "out of memory");
			}
		}
	}
	if ((v = cf_node_get(n, "items"))) {
		if (f->type != CF_TYPE_LIST)
			bad(L, v, NULL, "'items' belongs to a list field");
		f->items = cf_arena_alloc(L->s->arena, sizeof(cf_field));
		if (f->items)
			parse_field(L, v, f->items, "[]", path);
	} else if (f->type == CF_TYPE_LIST) {
		bad(L, n, NULL, "list field '%s' has no 'items'", path);
	}
	if ((v = cf_node_get(n, "fields"))) {
		if (f->type != CF_TYPE_MAP)
			bad(L, v, NULL, "'fields' belongs to a map field");
		/* The fields of a list item are paths from that item, not from the document. */
		parse_fields(L, v, f, strcmp(name, "[]") == 0 ? "" : path);
	} else if (f->type == CF_TYPE_MAP && !f->open) {
		bad(L, n, "add 'fields:', or 'open: true' for a mapping of any keys",
		    "map field '%s' has no 'fields'", path);
	}
}

static void parse_docs(loader *L, const cf_node *n)
{
	static const char *const keys[] = {"required", "required_from", "when",	  "format",
					   "free",     "fields",	"source", "description"};
	if (!n || n->kind != CF_NODE_MAP || n->n == 0) {
		bad(L, n, NULL, "'documents' must map file names to their specs");
		return;
	}
	cf_schema *s = L->s;
	s->docs = cf_arena_alloc(s->arena, n->n * sizeof(*s->docs));
	if (!s->docs) {
		bad(L, n, NULL, "out of memory");
		return;
	}
	s->n_docs = n->n;
	for (size_t i = 0; i < n->n; i++) {
		cf_docspec *d = &s->docs[i];
		const cf_node *spec = n->pairs[i].val;
		d->pattern = n->pairs[i].key->str;
		d->required_from = -1;
		d->line = n->pairs[i].key->line;
		d->col = n->pairs[i].key->col;
		d->root.type = CF_TYPE_MAP;
		d->root.name = d->pattern;
		d->root.path = "";
		d->root.required_from = -1;
		if (spec->kind != CF_NODE_MAP) {
			bad(L, spec, NULL, "the spec of document '%s' must be a mapping",
			    d->pattern);
			continue;
		}
		known_keys(L, spec, keys, sizeof(keys) / sizeof(*keys), "a document spec");
		const cf_node *v;
		if ((v = cf_node_get(spec, "required")) && cf_node_bool(v, &d->required) < 0)
			bad(L, v, NULL, "'required' must be true or false");
		if ((v = cf_node_get(spec, "required_from")))
			d->required_from = stage_of(L, v);
		if ((v = cf_node_get(spec, "when")))
			parse_conds(L, v, &d->when);
		if ((v = cf_node_get(spec, "free")) && cf_node_bool(v, &d->free_form) < 0)
			bad(L, v, NULL, "'free' must be true or false");
		if ((v = cf_node_get(spec, "format"))) {
			const char *fmt = scalar(L, v, "'format'");
			if (fmt && strcmp(fmt, "markdown") == 0)
				d->markdown = 1;
			else if (fmt && strcmp(fmt, "yaml") != 0)
				bad(L, v, NULL, "'format' is yaml or markdown");
		}
		if ((v = cf_node_get(spec, "fields")))
			parse_fields(L, v, &d->root, "");
		else if (!d->free_form)
			bad(L, spec, NULL, "document '%s' has no 'fields' (or 'free: true')",
			    d->pattern);
	}
}

static void parse_order_ref(loader *L, const cf_node *n, cf_order_ref *r)
{
	const char *s = scalar(L, n, "a date in 'order'");
	if (!s)
		return;
	const char *colon = strchr(s, ':');
	if (colon) {
		r->file = cf_arena_strndup(L->s->arena, s, (size_t)(colon - s));
		r->path = colon + 1;
	} else {
		r->path = s;
	}
	const cf_docspec *spec = NULL;
	for (size_t i = 0; i < L->s->n_docs; i++)
		if (strcmp(L->s->docs[i].pattern, r->file ? r->file : "case.yaml") == 0)
			spec = &L->s->docs[i];
	const cf_field *f = spec ? cf_field_find(&spec->root, r->path) : NULL;
	if (!f || f->type != CF_TYPE_DATE)
		bad(L, n, NULL, "'%s' is not a date field of the schema", s);
}

static void parse_order(loader *L, const cf_node *n)
{
	if (n->kind != CF_NODE_SEQ) {
		bad(L, n, NULL, "'order' must be a list of [earlier, later] pairs");
		return;
	}
	cf_schema *s = L->s;
	s->order = cf_arena_alloc(s->arena, (n->n ? n->n : 1) * sizeof(*s->order));
	if (!s->order)
		return;
	s->n_order = n->n;
	for (size_t i = 0; i < n->n; i++) {
		const cf_node *p = n->items[i];
		cf_order_pair *o = &s->order[i];
		o->line = p->line;
		if (p->kind == CF_NODE_SEQ && p->n == 2) {
			parse_order_ref(L, p->items[0], &o->earlier);
			parse_order_ref(L, p->items[1], &o->later);
		} else if (p->kind == CF_NODE_MAP && cf_node_get(p, "earlier") &&
			   cf_node_get(p, "later")) {
			static const char *const keys[] = {"earlier", "later", "source"};
			known_keys(L, p, keys, 3, "an order pair");
			parse_order_ref(L, cf_node_get(p, "earlier"), &o->earlier);
			parse_order_ref(L, cf_node_get(p, "later"), &o->later);
			o->source = cf_node_str(cf_node_get(p, "source"));
		} else {
			bad(L, p, "write [earlier, later] or {earlier: ..., later: ...}",
			    "an order entry names two dates");
		}
	}
}

static void parse_skips(loader *L, const cf_node *n)
{
	if (n->kind != CF_NODE_SEQ) {
		bad(L, n, NULL, "'skips' must be a list");
		return;
	}
	cf_schema *s = L->s;
	s->skips = cf_arena_alloc(s->arena, (n->n ? n->n : 1) * sizeof(*s->skips));
	if (!s->skips)
		return;
	s->n_skips = n->n;
	for (size_t i = 0; i < n->n; i++) {
		const cf_node *k = n->items[i];
		static const char *const keys[] = {"when", "stages", "source"};
		if (k->kind != CF_NODE_MAP || !cf_node_get(k, "when") ||
		    !cf_node_get(k, "stages")) {
			bad(L, k, NULL, "a skip has 'when' and 'stages'");
			continue;
		}
		known_keys(L, k, keys, 3, "a skip");
		parse_conds(L, cf_node_get(k, "when"), &s->skips[i].when);
		const cf_node *st = cf_node_get(k, "stages");
		size_t count;
		const char **names = string_list(L, st, &count, "'stages'");
		if (!names)
			continue;
		s->skips[i].stages = cf_arena_alloc(s->arena, (count ? count : 1) * sizeof(int));
		if (!s->skips[i].stages)
			continue;
		s->skips[i].n_stages = count;
		for (size_t j = 0; j < count; j++)
			s->skips[i].stages[j] = stage_of(L, st->items[j]);
	}
}

/* Conditions name fields; a typo there would make a requirement silently never apply. */
static void check_cond_paths(loader *L, const cf_conds *c, const cf_field *scope);

int cf_conds_parse(cf_conds *out, cf_schema *s, const cf_node *n, const cf_field *scope,
		   cf_diags *diags)
{
	loader L = {s, diags, 0};
	memset(out, 0, sizeof(*out));
	parse_conds(&L, n, out);
	if (!L.failed)
		check_cond_paths(&L, out, scope);
	return L.failed ? -1 : 0;
}

static void check_cond_paths(loader *L, const cf_conds *c, const cf_field *scope)
{
	const cf_docspec *case_spec = cf_schema_docspec(L->s, "case.yaml");
	for (size_t i = 0; i < c->n; i++) {
		const cf_cond *k = &c->items[i];
		if (!k->field)
			continue;
		const cf_field *root = k->from_case ? (case_spec ? &case_spec->root : NULL) : scope;
		if (!root || !cf_field_find(root, k->field)) {
			cf_diag *d = cf_diags_add(
			    L->diags, CF_SEV_ERROR, L->s->file, k->line, k->col, "schema/invalid",
			    "the condition names '%s', which is not a field here", k->field);
			cf_diag_hint(L->diags, d,
				     "paths are read from the document (or the list item); use "
				     "'case:PATH' for case.yaml");
			L->failed = 1;
		}
	}
}

static void check_field_conds(loader *L, const cf_field *f, const cf_field *scope)
{
	check_cond_paths(L, &f->when, scope);
	if (f->items)
		check_field_conds(L, f->items, f->items->type == CF_TYPE_MAP ? f->items : scope);
	for (size_t i = 0; i < f->n_fields; i++)
		check_field_conds(L, &f->fields[i], scope);
}

static void parse_root(loader *L, const cf_node *root)
{
	static const char *const keys[] = {"schema",	  "title",  "source",	     "version",
					   "description", "stages", "closed_stages", "skips",
					   "documents",	  "order",  "deadlines",     "rules"};
	cf_schema *s = L->s;
	if (!root || root->kind != CF_NODE_MAP) {
		bad(L, root, NULL, "a schema is a mapping");
		return;
	}
	known_keys(L, root, keys, sizeof(keys) / sizeof(*keys), "a schema");
	s->name = scalar(L, cf_node_get(root, "schema"), "'schema' (the case type's name)");
	s->title = cf_node_str(cf_node_get(root, "title"));
	const cf_node *st = cf_node_get(root, "stages");
	s->stages = string_list(L, st, &s->n_stages, "'stages'");
	if (!s->stages || s->n_stages == 0) {
		bad(L, st ? st : root, NULL, "the schema lists no 'stages'");
		return;
	}
	s->closed = cf_arena_alloc(s->arena, s->n_stages * sizeof(int));
	if (!s->closed)
		return;
	const cf_node *cl = cf_node_get(root, "closed_stages");
	if (cl) {
		if (cl->kind != CF_NODE_SEQ) {
			bad(L, cl, NULL, "'closed_stages' must be a list");
		} else {
			for (size_t i = 0; i < cl->n; i++) {
				int k = stage_of(L, cl->items[i]);
				if (k >= 0)
					s->closed[k] = 1;
			}
		}
	}
	parse_docs(L, cf_node_get(root, "documents"));
	if (L->failed)
		return;
	const cf_node *v;
	if ((v = cf_node_get(root, "skips")))
		parse_skips(L, v);
	if ((v = cf_node_get(root, "order")))
		parse_order(L, v);
	for (size_t i = 0; i < s->n_docs; i++)
		check_field_conds(L, &s->docs[i].root, &s->docs[i].root);
	const cf_docspec *case_spec = cf_schema_docspec(s, "case.yaml");
	if (!case_spec)
		bad(L, root, NULL, "the schema has no 'case.yaml' document");
	for (size_t i = 0; case_spec && i < s->n_skips; i++)
		check_cond_paths(L, &s->skips[i].when, &case_spec->root);
}

int cf_schema_parse(cf_schema **out, const char *name, const char *data, size_t len,
		    cf_diags *diags)
{
	*out = NULL;
	cf_schema *s = calloc(1, sizeof(*s));
	if (!s || cf_arena_new(&s->arena, 0) < 0) {
		free(s);
		return -1;
	}
	s->file = cf_arena_strdup(s->arena, name);
	cf_doc_limits lim = {CF_SCHEMA_MAX_BYTES, 0, 0};
	cf_doc *doc;
	loader L = {s, diags, 0};
	if (!s->file || cf_doc_parse_yaml(&doc, s->arena, name, data, len, &lim, diags) < 0) {
		cf_schema_free(s);
		return -1;
	}
	/* A duplicate key in a schema is as wrong as one in a case file. */
	for (size_t i = 0; i < diags->len; i++)
		if (strcmp(diags->items[i].file, name) == 0 &&
		    diags->items[i].severity == CF_SEV_ERROR)
			L.failed = 1;
	s->root = doc->root;
	parse_root(&L, doc->root);
	if (L.failed) {
		cf_schema_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int cf_schema_load(cf_schema **out, const char *path, const char *display_name, cf_diags *diags)
{
	cf_buf data = CF_BUF_INIT;
	*out = NULL;
	if (cf_read_file_buf(&data, path, CF_SCHEMA_MAX_BYTES) < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, display_name, 0, 0, "schema/invalid",
			     "cannot read the schema");
		cf_buf_free(&data);
		return -1;
	}
	int rc = cf_schema_parse(out, display_name, cf_buf_cstr(&data), data.len, diags);
	cf_buf_free(&data);
	return rc;
}

void cf_schema_free(cf_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_regexes; i++)
		regfree(s->regexes[i]);
	free(s->regexes);
	cf_arena_free(s->arena);
	free(s);
}

/* ---- queries ---------------------------------------------------------------------------- */

int cf_schema_stage_index(const cf_schema *s, const char *stage)
{
	for (size_t i = 0; i < s->n_stages; i++)
		if (strcmp(s->stages[i], stage) == 0)
			return (int)i;
	return -1;
}

static int stage_in(const cf_skip *k, int stage)
{
	for (size_t i = 0; i < k->n_stages; i++)
		if (k->stages[i] == stage)
			return 1;
	return 0;
}

int cf_schema_reached(const cf_schema *s, const cf_node *case_root, int current, int target)
{
	if (current < 0 || target < 0 || current < target)
		return 0;
	for (size_t i = 0; i < s->n_skips; i++) {
		const cf_skip *k = &s->skips[i];
		if (stage_in(k, target) && !stage_in(k, current) &&
		    cf_conds_hold(&k->when, case_root, case_root))
			return 0;
	}
	return 1;
}

int cf_path_match(const char *pattern, const char *path)
{
	if (!strpbrk(pattern, "*?["))
		return strcmp(pattern, path) == 0;
	return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

const cf_docspec *cf_schema_docspec(const cf_schema *s, const char *relpath)
{
	for (size_t i = 0; i < s->n_docs; i++)
		if (cf_path_match(s->docs[i].pattern, relpath))
			return &s->docs[i];
	return NULL;
}

const cf_field *cf_field_find(const cf_field *map, const char *path)
{
	const cf_field *f = map;
	while (f && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		const cf_field *next = NULL;
		for (size_t i = 0; i < f->n_fields && !next; i++)
			if (strlen(f->fields[i].name) == len &&
			    memcmp(f->fields[i].name, path, len) == 0)
				next = &f->fields[i];
		f = next;
		path += len + (dot ? 1 : 0);
	}
	return f;
}

static int value_in(const char *v, const char **values, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, values[i]) == 0)
			return 1;
	return 0;
}

int cf_conds_hold(const cf_conds *c, const cf_node *scope, const cf_node *case_root)
{
	for (size_t i = 0; i < c->n; i++) {
		const cf_cond *k = &c->items[i];
		const cf_node *n = cf_node_path(k->from_case ? case_root : scope, k->field);
		const char *v = cf_node_str(n);
		/* A bool is compared by its value: `publish: False` is false, whatever its
		 * spelling, or a condition on it would silently not hold. */
		int b;
		if (cf_node_bool(n, &b) == 0)
			v = b ? "true" : "false";
		int holds;
		switch (k->op) {
		case CF_COND_IS:
		case CF_COND_IN:
			holds = value_in(v, k->values, k->n_values);
			break;
		case CF_COND_IS_NOT:
		case CF_COND_NOT_IN:
			holds = !value_in(v, k->values, k->n_values);
			break;
		case CF_COND_PRESENT:
			holds = !cf_node_is_empty(n);
			break;
		default:
			holds = cf_node_is_empty(n);
			break;
		}
		if (!holds)
			return 0;
	}
	return 1;
}

void cf_conds_describe(cf_buf *out, const cf_conds *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const cf_cond *k = &c->items[i];
		if (i)
			cf_buf_puts(out, " and ");
		cf_buf_puts(out, k->field);
		switch (k->op) {
		case CF_COND_IS:
			cf_buf_printf(out, " is %s", k->values[0]);
			break;
		case CF_COND_IS_NOT:
			cf_buf_printf(out, " is not %s", k->values[0]);
			break;
		case CF_COND_IN:
		case CF_COND_NOT_IN:
			cf_buf_puts(out, k->op == CF_COND_IN ? " is " : " is not ");
			for (size_t j = 0; j < k->n_values; j++)
				cf_buf_printf(out, "%s%s",
					      j ? (j + 1 == k->n_values ? " or " : ", ") : "",
					      k->values[j]);
			break;
		case CF_COND_PRESENT:
			cf_buf_puts(out, " is given");
			break;
		default:
			cf_buf_puts(out, " is not given");
			break;
		}
	}
}

int cf_field_required(const cf_field *f, const cf_check_ctx *ctx, const cf_node *scope)
{
	if (!f->required && f->required_from < 0)
		return 0;
	if (f->required_from >= 0 &&
	    !cf_schema_reached(ctx->schema, ctx->case_root, ctx->stage, f->required_from))
		return 0;
	return cf_conds_hold(&f->when, scope, ctx->case_root);
}

int cf_docspec_required(const cf_docspec *spec, const cf_check_ctx *ctx)
{
	if (!spec->required && spec->required_from < 0)
		return 0;
	if (strchr(spec->pattern, '*'))
		return 0; /* a pattern names files that may exist, not one that must */
	if (spec->required_from >= 0 &&
	    !cf_schema_reached(ctx->schema, ctx->case_root, ctx->stage, spec->required_from))
		return 0;
	return cf_conds_hold(&spec->when, ctx->case_root, ctx->case_root);
}

/* ---- checking a document ---------------------------------------------------------------- */

typedef struct checker {
	const cf_check_ctx *ctx;
	const cf_doc *doc;
	cf_diags *diags;
} checker;

static void describe_requirement(cf_buf *msg, const cf_field *f, const cf_check_ctx *ctx)
{
	if (f->required_from >= 0)
		cf_buf_printf(msg, " from stage '%s'", ctx->schema->stages[f->required_from]);
	if (f->when.n) {
		cf_buf_puts(msg, " when ");
		cf_conds_describe(msg, &f->when);
	}
}

static void field_hint(cf_buf *hint, const cf_field *f)
{
	if (f->description)
		cf_buf_puts(hint, f->description);
	if (f->source)
		cf_buf_printf(hint, "%s(%s)", f->description ? " " : "", f->source);
}

static void report_missing(checker *C, const cf_field *f, const char *path, const cf_node *at,
			   const char *parent_path)
{
	cf_buf msg = CF_BUF_INIT, hint = CF_BUF_INIT;
	cf_buf_printf(&msg, "'%s' is required", path);
	describe_requirement(&msg, f, C->ctx);
	if (parent_path && *parent_path)
		cf_buf_printf(&hint, "add '%s:' under '%s'", f->name, parent_path);
	else
		cf_buf_printf(&hint, "add '%s:'", f->name);
	if (f->description || f->source) {
		cf_buf_puts(&hint, ": ");
		field_hint(&hint, f);
	}
	cf_diag *d = cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, at ? at->line : 1,
				  at ? at->col : 1, "schema/required", "%s", cf_buf_cstr(&msg));
	cf_diag_hint(C->diags, d, "%s", cf_buf_cstr(&hint));
	cf_buf_free(&msg);
	cf_buf_free(&hint);
}

static void check_node(checker *C, const cf_field *f, const cf_node *n, const cf_node *scope,
		       cf_buf *path);

static void join_path(cf_buf *path, size_t mark, const char *name)
{
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
	if (mark)
		cf_buf_putc(path, '.');
	cf_buf_puts(path, name);
}

/* A map that is absent still owes its required fields: report each at the parent. */
static void report_absent_map(checker *C, const cf_field *f, const cf_node *at,
			      const cf_node *scope, cf_buf *path)
{
	size_t mark = path->len;
	for (size_t i = 0; i < f->n_fields; i++) {
		const cf_field *c = &f->fields[i];
		join_path(path, mark, c->name);
		if (cf_field_required(c, C->ctx, scope)) {
			char *parent = cf_strndup(path->ptr, mark);
			report_missing(C, c, cf_buf_cstr(path), at, parent);
			free(parent);
		} else if (c->type == CF_TYPE_MAP) {
			report_absent_map(C, c, at, scope, path);
		}
	}
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
}

static void unknown_field(checker *C, const cf_field *f, const cf_node *key, const char *path)
{
	const char **names = malloc((f->n_fields ? f->n_fields : 1) * sizeof(*names));
	if (!names)
		return;
	for (size_t i = 0; i < f->n_fields; i++)
		names[i] = f->fields[i].name;
	const char *sug = cf_suggest(key->str, names, f->n_fields);
	cf_diag *d;
	if (path && *path)
		d = cf_diags_add(C->diags, CF_SEV_WARNING, C->doc->name, key->line, key->col,
				 "schema/unknown-field", "unknown field '%s' in '%s'", key->str,
				 path);
	else
		d = cf_diags_add(C->diags, CF_SEV_WARNING, C->doc->name, key->line, key->col,
				 "schema/unknown-field", "unknown field '%s'", key->str);
	if (sug) {
		cf_diag_hint(C->diags, d, "did you mean '%s'?", sug);
	} else {
		cf_buf h = CF_BUF_INIT;
		cf_buf_puts(&h, "known fields here: ");
		for (size_t i = 0; i < f->n_fields; i++)
			cf_buf_printf(&h, "%s%s", i ? ", " : "", names[i]);
		cf_diag_hint(C->diags, d, "%s", cf_buf_cstr(&h));
		cf_buf_free(&h);
	}
	free(names);
}

/* A field of this mapping by its own name (not a dotted path: "dates.x" is a key of its own). */
static int has_field(const cf_field *f, const char *name)
{
	for (size_t j = 0; j < f->n_fields; j++)
		if (strcmp(f->fields[j].name, name) == 0)
			return 1;
	return 0;
}

static void check_map(checker *C, const cf_field *f, const cf_node *n, const cf_node *scope,
		      cf_buf *path)
{
	size_t mark = path->len;
	/* The path of this mapping, for messages; copied because the buffer grows below. Most
	 * mappings have nothing to report, so it is a small stack copy, not an allocation. */
	char here_buf[256];
	char *here = here_buf;
	if (mark < sizeof(here_buf)) {
		memcpy(here_buf, cf_buf_cstr(path), mark);
		here_buf[mark] = '\0';
	} else if (!(here = cf_strndup(cf_buf_cstr(path), mark))) {
		return;
	}
	/* One pass over the field specs finds each one's value and marks the keys it used;
	 * the keys left unmarked are the unknown fields (this runs for every mapping of every
	 * case, so no second pass comparing every key with every field). */
	unsigned char seen_small[128];
	unsigned char *seen = n->n <= sizeof(seen_small) ? seen_small : calloc(n->n, 1);
	if (!seen) {
		if (here != here_buf)
			free(here);
		return;
	}
	memset(seen, 0, n->n <= sizeof(seen_small) ? n->n : 0);
	for (size_t i = 0; i < f->n_fields; i++) {
		const cf_field *c = &f->fields[i];
		const cf_node *v = NULL;
		size_t len = strlen(c->name);
		for (size_t k = 0; k < n->n && !v; k++) {
			const cf_node *key = n->pairs[k].key;
			if (key->len == len && memcmp(key->str, c->name, len) == 0) {
				seen[k] = 1;
				v = n->pairs[k].val;
			}
		}
		join_path(path, mark, c->name);
		if (!cf_node_is_empty(v)) {
			check_node(C, c, v, scope, path);
		} else if (cf_field_required(c, C->ctx, scope)) {
			report_missing(C, c, cf_buf_cstr(path), n, here);
		} else if (c->type == CF_TYPE_MAP) {
			report_absent_map(C, c, n, scope, path);
		}
	}
	/* A key given twice is yaml/duplicate-key's to report, not an unknown field: only the
	 * first of equal keys is marked above, so ask the field specs of the others too. */
	if (!f->open)
		for (size_t k = 0; k < n->n; k++)
			if (!seen[k] && !has_field(f, n->pairs[k].key->str))
				unknown_field(C, f, n->pairs[k].key, here);
	if (seen != seen_small)
		free(seen);
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
	if (here != here_buf)
		free(here);
}

/* A label for a list item in messages: its ref or id when it has one, else its position.
 * Never a name: family and practitioner names are identifiers that must not travel. */
static void item_label(cf_buf *path, const cf_node *item, size_t index)
{
	static const char *const keys[] = {"ref", "id", "pseudonym"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = cf_node_str(cf_node_get(item, keys[i]));
		if (v && item->kind == CF_NODE_MAP && !strchr(v, '\n') && strlen(v) < 40) {
			cf_buf_printf(path, "[%s]", v);
			return;
		}
	}
	cf_buf_printf(path, "[%zu]", index + 1);
}

static void type_error(checker *C, const cf_field *f, const cf_node *n, const char *path)
{
	const char *what = f->type == CF_TYPE_DATE     ? "a date written YYYY-MM-DD"
			   : f->type == CF_TYPE_BOOL   ? "true or false"
			   : f->type == CF_TYPE_INT    ? "a whole number"
			   : f->type == CF_TYPE_LIST   ? "a list"
			   : f->type == CF_TYPE_MAP    ? "a mapping of fields"
			   : f->type == CF_TYPE_STRING ? "a single line of text"
						       : "a value";
	const char *found = n->kind == CF_NODE_SEQ   ? "a list"
			    : n->kind == CF_NODE_MAP ? "a mapping"
						     : NULL;
	cf_diag *d;
	if (found)
		d = cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col,
				 "schema/type", "'%s' must be %s, not %s", path, what, found);
	else
		d = cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col,
				 "schema/type", "'%s' must be %s; found '%s'", path, what, n->str);
	if (f->type == CF_TYPE_BOOL)
		cf_diag_hint(C->diags, d, "write true or false (not yes/no)");
	else if (f->type == CF_TYPE_DATE)
		cf_diag_hint(C->diags, d, "for example 2026-03-14");
	else if (f->description || f->source) {
		cf_buf h = CF_BUF_INIT;
		field_hint(&h, f);
		cf_diag_hint(C->diags, d, "%s", cf_buf_cstr(&h));
		cf_buf_free(&h);
	}
}

static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void check_range(checker *C, const cf_field *f, const cf_node *n, long long v,
			const char *path, const char *unit)
{
	if ((f->has_min && v < f->min) || (f->has_max && v > f->max)) {
		cf_buf lim = CF_BUF_INIT;
		if (f->has_min && f->has_max)
			cf_buf_printf(&lim, "between %lld and %lld", f->min, f->max);
		else if (f->has_min)
			cf_buf_printf(&lim, "at least %lld", f->min);
		else
			cf_buf_printf(&lim, "at most %lld", f->max);
		cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col, "schema/range",
			     "'%s' must be %s%s%s; it is %lld", path, cf_buf_cstr(&lim),
			     *unit ? " " : "", unit, v);
		cf_buf_free(&lim);
	}
}

static void check_enum(checker *C, const char *const *values, size_t n_values, const cf_node *n,
		       const char *path)
{
	for (size_t i = 0; i < n_values; i++)
		if (strcmp(values[i], n->str) == 0)
			return;
	cf_buf list = CF_BUF_INIT;
	for (size_t i = 0; i < n_values; i++)
		cf_buf_printf(&list, "%s%s", i ? ", " : "", values[i]);
	cf_diag *d =
	    cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col, "schema/enum",
			 "'%s' is '%s', which is not one of: %s", path, n->str, cf_buf_cstr(&list));
	const char *sug = cf_suggest(n->str, values, n_values);
	if (sug)
		cf_diag_hint(C->diags, d, "did you mean '%s'?", sug);
	cf_buf_free(&list);
}

static void check_node(checker *C, const cf_field *f, const cf_node *n, const cf_node *scope,
		       cf_buf *path)
{
	const char *p = cf_buf_cstr(path);
	int is_scalar = n->kind == CF_NODE_SCALAR;
	switch (f->type) {
	case CF_TYPE_MAP:
		if (n->kind != CF_NODE_MAP) {
			type_error(C, f, n, p);
			return;
		}
		check_map(C, f, n, scope, path);
		return;
	case CF_TYPE_LIST: {
		if (n->kind != CF_NODE_SEQ) {
			type_error(C, f, n, p);
			return;
		}
		check_range(C, f, n, (long long)n->n, p, "items");
		size_t mark = path->len;
		for (size_t i = 0; i < n->n; i++) {
			const cf_node *item = n->items[i];
			path->len = mark;
			if (path->ptr)
				path->ptr[mark] = '\0';
			item_label(path, item, i);
			if (cf_node_is_empty(item)) {
				cf_diags_add(C->diags, CF_SEV_ERROR, C->doc->name, item->line,
					     item->col, "schema/type", "'%s' is an empty list item",
					     cf_buf_cstr(path));
				continue;
			}
			/* Conditions inside a list item read from the item. */
			check_node(C, f->items, item, item->kind == CF_NODE_MAP ? item : scope,
				   path);
		}
		path->len = mark;
		if (path->ptr)
			path->ptr[mark] = '\0';
		return;
	}
	default:
		break;
	}
	if (!is_scalar) {
		type_error(C, f, n, p);
		return;
	}
	switch (f->type) {
	case CF_TYPE_STRING:
		if (strchr(n->str, '\n')) {
			type_error(C, f, n, p);
			return;
		}
		/* fall through */
	case CF_TYPE_TEXT:
		if (f->re && regexec(f->re, n->str, 0, NULL, 0) != 0) {
			cf_diag *d = cf_diags_add(
			    C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col, "schema/pattern",
			    "'%s' is '%s', which does not match %s", p, n->str, f->pattern);
			if (f->description || f->source) {
				cf_buf h = CF_BUF_INIT;
				field_hint(&h, f);
				cf_diag_hint(C->diags, d, "%s", cf_buf_cstr(&h));
				cf_buf_free(&h);
			}
		}
		check_range(C, f, n, (long long)utf8_length(n->str), p, "characters");
		return;
	case CF_TYPE_DATE: {
		cf_date d;
		if (cf_date_parse(&d, n->str) == 0)
			return;
		int y, m, day;
		char tail;
		if (sscanf(n->str, "%4d-%2d-%2d%c", &y, &m, &day, &tail) == 3 && n->len == 10) {
			cf_diag *x = cf_diags_add(
			    C->diags, CF_SEV_ERROR, C->doc->name, n->line, n->col, "schema/date",
			    "'%s' is %s, which is not a real date", p, n->str);
			cf_diag_hint(C->diags, x, "check the day and the month");
		} else {
			type_error(C, f, n, p);
		}
		return;
	}
	case CF_TYPE_BOOL: {
		int b;
		if (cf_node_bool(n, &b) < 0)
			type_error(C, f, n, p);
		return;
	}
	case CF_TYPE_INT: {
		long long v;
		if (cf_node_int(n, &v) < 0)
			type_error(C, f, n, p);
		else
			check_range(C, f, n, v, p, "");
		return;
	}
	case CF_TYPE_ENUM:
		check_enum(C, f->values, f->n_values, n, p);
		return;
	case CF_TYPE_STAGE:
		check_enum(C, C->ctx->schema->stages, C->ctx->schema->n_stages, n, p);
		return;
	default:
		return;
	}
}

void cf_schema_check_doc(const cf_check_ctx *ctx, const cf_docspec *spec, const cf_doc *doc,
			 cf_diags *diags)
{
	if (spec->free_form)
		return;
	checker C = {ctx, doc, diags};
	cf_buf path = CF_BUF_INIT;
	if (!doc->root) {
		if (spec->markdown) {
			cf_diag *d =
			    cf_diags_add(diags, CF_SEV_ERROR, doc->name, 1, 1,
					 "schema/front-matter", "the file has no front matter");
			cf_diag_hint(diags, d,
				     "start the file with a '---' line, the report's details, and "
				     "another '---' line");
		}
		return;
	}
	if (doc->root->kind != CF_NODE_MAP) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, doc->name, doc->root->line,
					  doc->root->col, "schema/type",
					  "the file must hold a mapping of fields (key: value)");
		cf_diag_hint(diags, d, "%s holds 'key: value' lines, not a list or a single value",
			     spec->markdown ? "the front matter" : "the file");
		return;
	}
	check_map(&C, &spec->root, doc->root, doc->root, &path);
	cf_buf_free(&path);
}

/* ---- rules ------------------------------------------------------------------------------ */

const cf_rule_info cf_schema_rules[] = {
    {"schema/required", "a required field is missing",
     "Each field of the case format is required always, from a stage on, or when another "
     "field says so (a notification needs the date the local authority became aware; a "
     "decision to hold an LCSPR needs its date). The message names the field and why it is "
     "required now; the hint says what it holds and where the requirement comes from.",
     "The business office reports to the Case Review Group, the National Panel and Ofsted "
     "from these records; a missing date is a deadline nobody can track, a missing decision "
     "rationale is a decision that was not made transparently (001 §1.5.3).",
     "Add the field under the mapping the message points at. If the case has not really "
     "reached the stage, correct `stage:` instead.",
     "CASE-FORMAT.md; each field's own source in schemas/cspr.yaml"},
    {"schema/type", "a value of the wrong kind",
     "Each field has a type: one line of text, text, a date, true/false, a whole number, a "
     "list or a mapping.",
     "A value of the wrong kind is read as missing by every later check.",
     "Write the value in the form the message names (dates as YYYY-MM-DD, booleans as true "
     "or false).",
     "schemas/README.md"},
    {"schema/date", "a date that does not exist",
     "A date written YYYY-MM-DD is a real calendar date (no 30 February, no 29 February "
     "outside leap years).",
     "Deadlines are counted in working days from these dates; an impossible date would "
     "make them meaningless.",
     "Correct the day or the month.", "schemas/README.md"},
    {"schema/enum", "a value outside the allowed list",
     "Fields such as `route`, `stage`, `decision.outcome` or a family member's `involvement` "
     "take one of a fixed list of values.",
     "The rules depend on these values (a `participating` member needs consent); a "
     "misspelt value would silently switch those rules off.",
     "Use one of the values listed in the message; the hint suggests the closest.",
     "CASE-FORMAT.md"},
    {"schema/pattern", "a value of the wrong form",
     "Some fields have a fixed form, such as a case id YYYY-NNN.",
     "Ids are how cases are found and named in every report.", "Write the value in the form shown.",
     "CASE-FORMAT.md"},
    {"schema/range", "a number or length out of range",
     "Fields with a `min` or `max` in the schema stay within it.",
     "Out-of-range values are almost always typos.", "Correct the value.", "schemas/README.md"},
    {"schema/unknown-field", "a field the schema does not know (warning)",
     "Every key is a field of the case format.",
     "A typo in a field name (`tor_agred`) hides the value from every check: the date is "
     "in the file but the deadline still shows as missing. It is a warning, because a "
     "partnership may keep extra notes, but read it.",
     "Rename the key as the hint suggests, or move a free note to notes/*.md.", "DESIGN.md §4"},
    {"schema/unknown-file", "a file the case format does not know (warning)",
     "Every file in a case directory is one of the case format's files.",
     "A misnamed file (familly.yaml) is never checked.",
     "Rename it, or keep free notes under notes/ as Markdown.", "CASE-FORMAT.md"},
    {"schema/unknown-type", "a case type with no schema",
     "case.yaml's `type` names an installed schema (cspr).",
     "Without its schema a case cannot be checked at all.",
     "Correct `type:`, or add the schema under .casefile/schemas/.", "DESIGN.md §4"},
    {"schema/front-matter", "a report without front matter",
     "report.md starts with front matter: a `---` line, the report's details (case, title, "
     "status, reviewers), and another `---` line.",
     "Publication readiness is read from the front matter (status: final).",
     "Add the front matter at the top of the file.", "CASE-FORMAT.md, report.md"},
    {"schema/invalid", "a malformed schema (configuration error)",
     "Schemas follow schemas/README.md: known keys, known types, existing stages, "
     "conditions that name real fields.",
     "A schema is the rulebook for every case of its type; a broken one would check "
     "nothing, so casefile stops (exit 2) rather than pass cases unchecked.",
     "Correct the schema at the line named; `casefile explain` lists the format.",
     "schemas/README.md"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
