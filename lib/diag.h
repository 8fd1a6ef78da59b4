/* Diagnostics: one problem found in one place of one file, and the list that collects them.
 * Formatting follows DESIGN.md §5, one line each as compilers print them:
 *   cases/2026-014/case.yaml:12:3: error[schema/required]: 'dates.tor_agreed' is required ...
 *     hint: ...
 */
#ifndef CF_DIAG_H
#define CF_DIAG_H

#include <stddef.h>

#include "buf.h"

typedef enum cf_severity {
	CF_SEV_ERROR = 0,
	CF_SEV_WARNING = 1,
	CF_SEV_NOTE = 2,
} cf_severity;

typedef struct cf_diag {
	char *file;    /* path relative to the repository root, or as the user named it */
	unsigned line; /* 1-based; 0 when the problem is about the file as a whole */
	unsigned col;  /* 1-based; 0 when unknown */
	cf_severity severity;
	char *rule; /* stable id: schema/required, yaml/syntax, dates/order ... */
	char *message;
	char *hint;    /* may be NULL */
	char *case_id; /* may be NULL */
	int waived;    /* reported, but waived by the case (does not count as an error) */
} cf_diag;

typedef struct cf_diags {
	cf_diag *items;
	size_t len;
	size_t cap;
	int oom;
	char *case_id; /* the case the next diagnostics belong to (cf_diags_set_case) */
} cf_diags;

#define CF_DIAGS_INIT                                                                              \
	{                                                                                          \
		NULL, 0, 0, 0, NULL                                                                \
	}

/* Adds a diagnostic; returns it (valid until the next add) or NULL when memory ran out. */
cf_diag *cf_diags_add(cf_diags *d, cf_severity sev, const char *file, unsigned line, unsigned col,
		      const char *rule, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Sets the hint of a diagnostic that cf_diags_add returned. */
void cf_diag_hint(cf_diags *d, cf_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Every later diagnostic is tagged with this case id (NULL to clear). */
int cf_diags_set_case(cf_diags *d, const char *case_id);
/* Moves every diagnostic of src to the end of dst; src is left empty. */
int cf_diags_move(cf_diags *dst, cf_diags *src);

/* Sorts by file, line, column, then severity and rule; stable for equal keys. */
void cf_diags_sort(cf_diags *d);
size_t cf_diags_count(const cf_diags *d, cf_severity sev);
/* True when any diagnostic of the given rule id (or id prefix ending in '/') is present. */
int cf_diags_has_rule(const cf_diags *d, const char *rule);

/* True when a diagnostic of file has a rule starting with prefix. */
int cf_diags_has_file_rule(const cf_diags *d, const char *file, const char *prefix);
/* Appends one diagnostic in the text form of DESIGN.md §5 (with its hint line). */
void cf_diag_format_text(cf_buf *out, const cf_diag *diag);
/* Appends s as a diagnostic shows it: every control character (C0, DEL, C1) as \xNN. */
void cf_diag_put_shown(cf_buf *out, const char *s);
/* Appends {"file":...,"line":...,...} for one diagnostic. */
void cf_diag_format_json(cf_buf *out, const cf_diag *diag);
/* Appends "N errors, M warnings" in words ("1 error, no warnings"). */
void cf_diags_format_counts(cf_buf *out, const cf_diags *d);

const char *cf_severity_name(cf_severity sev);

void cf_diags_clear(cf_diags *d);
void cf_diags_free(cf_diags *d);

#endif
