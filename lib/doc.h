/* lib/doc: a YAML file, or the YAML front matter of a Markdown file, as a tree of nodes that
 * keep the 1-based line and column where they start in the file (front-matter fence
 * included).  Every node lives in the caller's arena.  Problems are diagnostics, never
 * crashes: yaml/syntax, yaml/duplicate-key, yaml/multiple-documents, yaml/alias-limit,
 * yaml/alias, yaml/bom, yaml/tab, yaml/utf8, yaml/empty, yaml/too-large, yaml/too-deep.
 *
 * Aliases share the anchored node, so the tree is a DAG, never a cycle: an alias inside the
 * value it names is yaml/alias.  Its depth, aliases expanded, is at most the depth limit, and
 * its size is bounded by the alias limit, so a recursive walk of it is bounded by both. */
#ifndef CF_DOC_H
#define CF_DOC_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "rules.h"

typedef enum cf_node_kind {
	CF_NODE_SCALAR,
	CF_NODE_MAP,
	CF_NODE_SEQ,
} cf_node_kind;

typedef struct cf_node cf_node;
typedef struct cf_pair {
	cf_node *key; /* always a scalar */
	cf_node *val;
} cf_pair;

struct cf_node {
	cf_node_kind kind;
	unsigned line, col;
	/* CF_NODE_SCALAR */
	const char *str; /* NUL-terminated; may hold NULs when len says so */
	size_t len;
	int plain; /* 1 for a plain (unquoted) scalar: only those can be null, bool or int */
	/* CF_NODE_MAP: pairs[n]; CF_NODE_SEQ: items[n] */
	size_t n;
	cf_pair *pairs;
	cf_node **items;
	size_t weight;	 /* nodes below and including this one, aliases expanded (bounded) */
	unsigned height; /* collections nested in this one, itself included, aliases expanded
			    (0 for a scalar; at most the depth limit) */
};

typedef struct cf_doc {
	const char *name; /* as given: the path diagnostics name */
	cf_node *root;	  /* NULL for an empty document */
	const char *body; /* Markdown: the text after the front matter (else NULL) */
	size_t body_len;
	unsigned body_line; /* the line of the file where body starts */
} cf_doc;

typedef struct cf_doc_limits {
	size_t max_bytes;	/* default 1 MiB */
	unsigned max_depth;	/* default 64 */
	size_t max_alias_nodes; /* nodes that aliases may expand to; default 10,000 */
} cf_doc_limits;

/* Parses YAML.  Returns 0 and sets *out (which may have diagnostics such as duplicate keys),
 * or -1 with an error diagnostic and *out NULL when the file cannot be read as YAML.
 * limits may be NULL for the defaults.  data need not be NUL-terminated. */
int cf_doc_parse_yaml(cf_doc **out, cf_arena *arena, const char *name, const char *data, size_t len,
		      const cf_doc_limits *limits, cf_diags *diags);

/* Parses a Markdown file: the YAML between a first line "---" and the next line "---" (or
 * "..."), and the body after it.  A file without front matter has root NULL. */
int cf_doc_parse_markdown(cf_doc **out, cf_arena *arena, const char *name, const char *data,
			  size_t len, const cf_doc_limits *limits, cf_diags *diags);

/* Reports a file over the size limit (yaml/too-large), for readers that check the size
 * before reading. */
void cf_doc_report_too_large(cf_diags *diags, const char *name, size_t size, size_t max);
#define CF_DOC_MAX_BYTES_DEFAULT (1024 * 1024)

/* The value of key in a map (NULL when absent or map is not a map). */
const cf_node *cf_node_get(const cf_node *map, const char *key);
/* The pair holding key, for the key's position. */
const cf_pair *cf_node_get_pair(const cf_node *map, const char *key);
/* Follows a dotted path ("dates.tor_agreed") through maps. */
const cf_node *cf_node_path(const cf_node *root, const char *path);
/* A plain scalar "", "~", "null", "Null", "NULL": YAML's null. */
int cf_node_is_null(const cf_node *n);
/* Absent or null. */
int cf_node_is_empty(const cf_node *n);
/* The scalar's text, or NULL when n is not a non-null scalar. */
const char *cf_node_str(const cf_node *n);
/* Parses a plain true/false (YAML 1.2 core: true, True, TRUE, false ...); 0 or -1. */
int cf_node_bool(const cf_node *n, int *out);
/* Parses a plain decimal integer; 0 or -1. */
int cf_node_int(const cf_node *n, long long *out);

extern const cf_rule_info cf_doc_rules[];

#endif
