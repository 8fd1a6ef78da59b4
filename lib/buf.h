/* cf_buf: a growable, always NUL-terminated byte buffer, used instead of fixed arrays and
 * sprintf.  An allocation failure is sticky: the buffer keeps what it had, `oom` is set, and
 * every later append is a no-op, so callers check once at the end (cf_buf_oom). */
#ifndef CF_BUF_H
#define CF_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct cf_buf {
	char *ptr;
	size_t len;
	size_t cap;
	int oom;
} cf_buf;

#define CF_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

int cf_buf_grow(cf_buf *b, size_t extra);
void cf_buf_put(cf_buf *b, const void *data, size_t len);
void cf_buf_puts(cf_buf *b, const char *s);
void cf_buf_putc(cf_buf *b, char c);
void cf_buf_printf(cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cf_buf_vprintf(cf_buf *b, const char *fmt, va_list ap);
/* Appends s as the inside of a JSON string (no quotes). */
void cf_buf_put_json_str(cf_buf *b, const char *s);
/* Appends a JSON member: [,]"key":"value" (null when val is NULL). */
void cf_buf_put_json_member(cf_buf *b, const char *key, const char *val, int comma);
/* Appends s as one shell word, quoted only when it needs to be (for hints a user pastes into
 * a shell, and for git configuration values). */
void cf_buf_put_shell_word(cf_buf *b, const char *s);
/* 1 when a spreadsheet opening a CSV or TSV file would run the cell s as a formula (CSV
 * injection): s begins, after any spaces, with '=', '+', '-', '@', a tab or a line break.  A
 * plain negative number ("-3", "-3.5") is a number, not a formula: 0.  Every CSV and TSV
 * writer guards such a cell with a leading "'", which Excel and LibreOffice show as text. */
int cf_csv_cell_is_formula(const char *s);
/* Appends s as a CSV field (RFC 4180), quoted when it needs to be; a formula cell (see
 * cf_csv_cell_is_formula) gets a leading "'", inside the quotes. */
void cf_buf_put_csv_field(cf_buf *b, const char *s);
/* Appends s as a TSV field: tabs and line breaks become spaces (TSV has no quoting); a
 * formula cell gets a leading "'". */
void cf_buf_put_tsv_field(cf_buf *b, const char *s);
/* Appends s with <, >, &, " escaped for HTML text and attributes. */
void cf_buf_put_html(cf_buf *b, const char *s);
void cf_buf_clear(cf_buf *b);
/* Returns the contents as a NUL-terminated string ("" for an empty buffer). */
const char *cf_buf_cstr(const cf_buf *b);
/* Hands the malloc'd string to the caller and resets the buffer; NULL on oom. */
char *cf_buf_detach(cf_buf *b);
int cf_buf_oom(const cf_buf *b);
void cf_buf_free(cf_buf *b);

/* strdup that returns NULL for NULL. */
char *cf_strdup(const char *s);
char *cf_strndup(const char *s, size_t n);

#endif
