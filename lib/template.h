/* lib/template: the text of a case document as a template, generated from its schema (never
 * from text kept in C), so that a partnership's own schema gets its own templates.  Every
 * field of the document is written, nested as the schema nests it, with a comment that says
 * when it is required, what it holds, its source and the values it takes.  A field with no
 * value is written empty (`tor_agreed:`), which counts as missing: the file still passes
 * `casefile check` at any stage that does not require the field, and filling it in needs no
 * uncommenting.  A list shows one example item, commented out, because an item left empty
 * would be checked as a real one.
 *
 * casefile new uses it to write a new case; it also reads the values given on its command
 * line the way the schema types them, and finds which fields a stage still needs. */
#ifndef CF_TEMPLATE_H
#define CF_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "doc.h"
#include "schema.h"
#include "strlist.h"

/* A value to fill in: a field's dotted path from the document's root ("child.died") and its
 * text as cf_template_value_read returned it.  Strings are quoted when YAML needs it. */
typedef struct cf_template_value {
	const char *path;
	const char *text;
} cf_template_value;

/* Appends the template of one document of schema s to out.  values fill fields outside
 * lists (a path that names no field is ignored).  A Markdown document gets its fields as
 * front matter, then one "## heading" per entry of headings.  Returns 0, or -1 when memory
 * ran out. */
int cf_template_doc(cf_buf *out, const cf_schema *s, const cf_docspec *spec,
		    const cf_template_value *values, size_t n_values, const char *const *headings,
		    size_t n_headings);

/* Reads text as a value of field f, such as an option of casefile new: a date must be a
 * real YYYY-MM-DD, a bool yes, no, true or false, an int a whole number, an enum or stage
 * one of its values, a string one line matching its pattern; min and max apply.  Sets *out
 * to the text to write ("true" for yes; else text itself) and returns 0, or returns -1 and
 * appends what the field takes to why ("one of death, serious-harm ..."). */
int cf_template_value_read(const char **out, const cf_schema *s, const cf_field *f,
			   const char *text, cf_buf *why);

/* Appends what a field takes, as usage text writes it: "DATE", "yes|no", "a|b|c", "N",
 * "STAGE" or "TEXT". */
void cf_template_value_hint(cf_buf *out, const cf_schema *s, const cf_field *f);

/* Appends to out the dotted paths of the fields of a document that are required in ctx
 * (its stage, and the conditions read from root) and empty in root, in schema order, as
 * `casefile check` would report them.  Lists are not entered: a required list that is
 * empty is named itself.  root may be NULL.  Returns 0, or -1 when memory ran out. */
int cf_template_missing(cf_strlist *out, const cf_check_ctx *ctx, const cf_docspec *spec,
			const cf_node *root);

#endif
