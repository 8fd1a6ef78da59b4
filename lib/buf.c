#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cf_buf_grow(cf_buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (extra > ((size_t)-1) / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

void cf_buf_put(cf_buf *b, const void *data, size_t len)
{
	if (cf_buf_grow(b, len) < 0)
		return;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void cf_buf_puts(cf_buf *b, const char *s)
{
	cf_buf_put(b, s, strlen(s));
}

void cf_buf_putc(cf_buf *b, char c)
{
	cf_buf_put(b, &c, 1);
}

void cf_buf_vprintf(cf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || cf_buf_grow(b, (size_t)n) < 0)
		return;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void cf_buf_printf(cf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* The length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80				   ? 1
		   : (p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2 ? 2
		   : (p[0] & 0xf0) == 0xe0		   ? 3
		   : (p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4 ? 4
							   : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void cf_buf_put_json_str(cf_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			/* JSON is UTF-8: a stray byte becomes U+FFFD rather than invalid output. */
			size_t n = utf8_len(p);
			if (n == 0) {
				cf_buf_puts(b, "\\ufffd");
			} else {
				cf_buf_put(b, p, n);
				p += n - 1;
			}
			continue;
		}
		switch (*p) {
		case '"':
			cf_buf_puts(b, "\\\"");
			break;
		case '\\':
			cf_buf_puts(b, "\\\\");
			break;
		case '\n':
			cf_buf_puts(b, "\\n");
			break;
		case '\r':
			cf_buf_puts(b, "\\r");
			break;
		case '\t':
			cf_buf_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20)
				cf_buf_printf(b, "\\u%04x", *p);
			else
				cf_buf_putc(b, (char)*p);
		}
	}
}

void cf_buf_put_json_member(cf_buf *b, const char *key, const char *val, int comma)
{
	cf_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
	if (!val) {
		cf_buf_puts(b, "null");
		return;
	}
	cf_buf_putc(b, '"');
	cf_buf_put_json_str(b, val);
	cf_buf_putc(b, '"');
}

void cf_buf_put_shell_word(cf_buf *b, const char *s)
{
	if (*s &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+,:@%") ==
		strlen(s)) {
		cf_buf_puts(b, s);
		return;
	}
	cf_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cf_buf_puts(b, "'\\''");
		else
			cf_buf_putc(b, *s);
	}
	cf_buf_putc(b, '\'');
}

/* A number a spreadsheet reads as a number, never as a formula: "-3", "-3.5" (a count of
 * working days overdue, a signed difference).  Such a cell is left as it is, so that it stays
 * a number in the sheet.  Only a leading minus: a spreadsheet may take "+3" for the formula
 * "=+3", and no count casefile writes has a plus sign, so a plus sign is always guarded. */
static int is_plain_negative_number(const char *s)
{
	if (*s++ != '-')
		return 0;
	size_t d = strspn(s, "0123456789");
	if (d == 0)
		return 0;
	s += d;
	if (*s == '.') {
		d = strspn(++s, "0123456789");
		if (d == 0)
			return 0;
		s += d;
	}
	return *s == '\0';
}

int cf_csv_cell_is_formula(const char *s)
{
	/* Leading spaces first: a spreadsheet that trims them on import (LibreOffice's "trim
	 * spaces") would otherwise see the formula behind them. */
	const char *p = s + strspn(s, " ");
	switch (*p) {
	case '=':
	case '+':
	case '@':
	case '\t':
	case '\r':
	case '\n':
		return 1;
	case '-':
		return !is_plain_negative_number(p);
	default:
		return 0;
	}
}

void cf_buf_put_csv_field(cf_buf *b, const char *s)
{
	const char *guard = cf_csv_cell_is_formula(s) ? "'" : "";
	if (!strpbrk(s, ",\"\r\n")) {
		cf_buf_puts(b, guard);
		cf_buf_puts(b, s);
		return;
	}
	/* The guard goes inside the quotes: it is part of the cell's text (RFC 4180). */
	cf_buf_putc(b, '"');
	cf_buf_puts(b, guard);
	for (; *s; s++) {
		if (*s == '"')
			cf_buf_putc(b, '"');
		cf_buf_putc(b, *s);
	}
	cf_buf_putc(b, '"');
}

void cf_buf_put_tsv_field(cf_buf *b, const char *s)
{
	if (cf_csv_cell_is_formula(s))
		cf_buf_putc(b, '\'');
	/* TSV has no quoting: tabs and line breaks inside a field become spaces. */
	for (; *s; s++)
		cf_buf_putc(b, (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

void cf_buf_put_html(cf_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			cf_buf_puts(b, "&lt;");
			break;
		case '>':
			cf_buf_puts(b, "&gt;");
			break;
		case '&':
			cf_buf_puts(b, "&amp;");
			break;
		case '"':
			cf_buf_puts(b, "&quot;");
			break;
		default:
			cf_buf_putc(b, *s);
		}
	}
}

void cf_buf_clear(cf_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

const char *cf_buf_cstr(const cf_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *cf_buf_detach(cf_buf *b)
{
	char *p = NULL;
	if (!b->oom)
		p = b->ptr ? b->ptr : cf_strdup("");
	else
		free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return p;
}

int cf_buf_oom(const cf_buf *b)
{
	return b->oom;
}

void cf_buf_free(cf_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

char *cf_strdup(const char *s)
{
	return s ? cf_strndup(s, strlen(s)) : NULL;
}

char *cf_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
