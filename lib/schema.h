/* lib/schema: a case type's schema (schemas/README.md), loaded from YAML, and the check of a
 * document against it.  The schema keeps its parsed tree (cf_schema.root) so that other
 * modules read their own sections (deadlines, rules) without this one knowing them. */
#ifndef CF_SCHEMA_H
#define CF_SCHEMA_H

#include <regex.h>
#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "rules.h"
#include "doc.h"

typedef enum cf_type {
	CF_TYPE_STRING,
	CF_TYPE_TEXT,
	CF_TYPE_DATE,
	CF_TYPE_BOOL,
	CF_TYPE_INT,
	CF_TYPE_ENUM,
	CF_TYPE_LIST,
	CF_TYPE_MAP,
	CF_TYPE_STAGE,
} cf_type;

typedef enum cf_cond_op {
	CF_COND_IS,
	CF_COND_IS_NOT,
	CF_COND_IN,
	CF_COND_NOT_IN,
	CF_COND_PRESENT,
	CF_COND_ABSENT,
} cf_cond_op;

/* One condition: a field (dotted path from the scope, or from case.yaml when from_case) and
 * what must hold of it. */
typedef struct cf_cond {
	const char *field;
	int from_case;
	cf_cond_op op;
	const char **values;
	size_t n_values;
	unsigned line, col; /* in the schema file */
} cf_cond;

typedef struct cf_conds {
	cf_cond *items;
	size_t n;
} cf_conds;

typedef struct cf_field cf_field;
struct cf_field {
	const char *name; /* the key ("tor_agreed"; "[]" for list items) */
	const char *path; /* dotted from its scope ("dates.tor_agreed") */
	cf_type type;
	int required;
	int required_from; /* a stage index, or -1 */
	cf_conds when;
	const char **values; /* enum */
	size_t n_values;
	const char *pattern;
	regex_t *re;
	int has_min, has_max;
	long long min, max;
	cf_field *items;  /* list */
	cf_field *fields; /* map */
	size_t n_fields;
	int open;
	int identifier;
	const char *description;
	const char *source;
	const char *default_value;
	unsigned line, col; /* in the schema file */
};

typedef struct cf_docspec {
	const char *pattern; /* path in the case directory; '*' within one segment */
	int markdown;
	int free_form;
	int required;
	int required_from;
	cf_conds when;
	cf_field root; /* a map */
	unsigned line, col;
} cf_docspec;

typedef struct cf_order_ref {
	const char
	    *file; /* NULL for case.yaml, else a document pattern (such as meetings/STAR.yaml) */
	const char *path;
} cf_order_ref;

typedef struct cf_order_pair {
	cf_order_ref earlier, later;
	const char *source;
	unsigned line;
} cf_order_pair;

typedef struct cf_skip {
	cf_conds when;
	int *stages;
	size_t n_stages;
} cf_skip;

typedef struct cf_schema {
	cf_arena *arena;
	const char *file; /* the path diagnostics name */
	const char *name;
	const char *title;
	const char **stages;
	size_t n_stages;
	int *closed; /* per stage */
	cf_docspec *docs;
	size_t n_docs;
	cf_order_pair *order;
	size_t n_order;
	cf_skip *skips;
	size_t n_skips;
	const cf_node *root; /* the schema file's tree */
	regex_t **regexes;
	size_t n_regexes, cap_regexes;
} cf_schema;

/* A schema file is refused past this size. */
#define CF_SCHEMA_MAX_BYTES (4 * 1024 * 1024)

/* Loads a schema file; problems are errors naming the file (a malformed schema is a
 * configuration error).  Returns 0 or -1. */
int cf_schema_load(cf_schema **out, const char *path, const char *display_name, cf_diags *diags);
int cf_schema_parse(cf_schema **out, const char *name, const char *data, size_t len,
		    cf_diags *diags);
void cf_schema_free(cf_schema *s);

int cf_schema_stage_index(const cf_schema *s, const char *stage);
/* Has a case at stage `current` passed through stage `target`?  (Skips applied.) */
int cf_schema_reached(const cf_schema *s, const cf_node *case_root, int current, int target);
/* Does a case file's path match a document pattern ('*' within one segment)?  Literal names
 * are compared directly; only patterns go through fnmatch. */
int cf_path_match(const char *pattern, const char *path);
/* The document spec a file of the case directory (relative path) falls under, or NULL. */
const cf_docspec *cf_schema_docspec(const cf_schema *s, const char *relpath);
/* Finds the field spec at a dotted path under a map spec. */
const cf_field *cf_field_find(const cf_field *map, const char *path);

/* Parses a condition (or a list of them) of the schema s, checking that the fields they name
 * exist under scope (or case.yaml for 'case:' paths); schema/invalid errors otherwise. */
int cf_conds_parse(cf_conds *out, cf_schema *s, const cf_node *n, const cf_field *scope,
		   cf_diags *diags);
/* Do all conditions hold?  scope is the mapping paths are read from; case_root is case.yaml. */
int cf_conds_hold(const cf_conds *c, const cf_node *scope, const cf_node *case_root);
/* Appends "route is notification" etc. */
void cf_conds_describe(cf_buf *out, const cf_conds *c);

/* The context a document is checked in. */
typedef struct cf_check_ctx {
	const cf_schema *schema;
	const cf_node *case_root; /* case.yaml's root, or NULL */
	int stage;		  /* index, or -1 when unknown */
} cf_check_ctx;

/* Is a field with this spec required here? */
int cf_field_required(const cf_field *f, const cf_check_ctx *ctx, const cf_node *scope);
/* Checks a document against its spec (types, required fields, enums, patterns, ranges,
 * unknown fields). */
void cf_schema_check_doc(const cf_check_ctx *ctx, const cf_docspec *spec, const cf_doc *doc,
			 cf_diags *diags);
/* Is the document itself required here? */
int cf_docspec_required(const cf_docspec *spec, const cf_check_ctx *ctx);

const char *cf_type_name(cf_type t);

extern const cf_rule_info cf_schema_rules[];

#endif
