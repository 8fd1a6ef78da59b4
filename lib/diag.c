#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void diag_release(cf_diag *x)
{
	free(x->file);
	free(x->rule);
	free(x->message);
	free(x->hint);
	free(x->case_id);
}

cf_diag *cf_diags_add(cf_diags *d, cf_severity sev, const char *file, unsigned line, unsigned col,
		      const char *rule, const char *fmt, ...)
{
	if (d->oom)
		return NULL;
	if (d->len == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		cf_diag *items = realloc(d->items, cap * sizeof(*items));
		if (!items) {
			d->oom = 1;
			return NULL;
		}
		d->items = items;
		d->cap = cap;
	}
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);

	cf_diag *x = &d->items[d->len];
	memset(x, 0, sizeof(*x));
	x->file = cf_strdup(file ? file : "");
	x->rule = cf_strdup(rule);
	x->message = cf_buf_detach(&msg);
	x->case_id = cf_strdup(d->case_id);
	x->line = line;
	x->col = col;
	x->severity = sev;
	if (!x->file || !x->rule || !x->message || (d->case_id && !x->case_id)) {
		diag_release(x);
		d->oom = 1;
		return NULL;
	}
	d->len++;
	return x;
}

void cf_diag_hint(cf_diags *d, cf_diag *diag, const char *fmt, ...)
{
	if (!diag)
		return;
	cf_buf h = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&h, fmt, ap);
	va_end(ap);
	free(diag->hint);
	diag->hint = cf_buf_detach(&h);
	if (!diag->hint)
		d->oom = 1;
}

int cf_diags_set_case(cf_diags *d, const char *case_id)
{
	free(d->case_id);
	d->case_id = NULL;
	if (case_id && !(d->case_id = cf_strdup(case_id))) {
		d->oom = 1;
		return -1;
	}
	return 0;
}

int cf_diags_move(cf_diags *dst, cf_diags *src)
{
	if (src->len == 0)
		return 0;
	if (dst->len + src->len > dst->cap) {
		size_t cap = dst->cap ? dst->cap : 16;
		while (cap < dst->len + src->len)
			cap *= 2;
		cf_diag *items = realloc(dst->items, cap * sizeof(*items));
		if (!items) {
			dst->oom = 1;
			return -1;
		}
		dst->items = items;
		dst->cap = cap;
	}
	memcpy(dst->items + dst->len, src->items, src->len * sizeof(*src->items));
	dst->len += src->len;
	src->len = 0;
	if (src->oom)
		dst->oom = 1;
	return 0;
}

static int diag_cmp(const void *pa, const void *pb)
{
	const cf_diag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	c = strcmp(a->rule, b->rule);
	if (c)
		return c;
	return strcmp(a->message, b->message);
}

void cf_diags_sort(cf_diags *d)
{
	if (d->len > 1)
		qsort(d->items, d->len, sizeof(*d->items), diag_cmp);
}

size_t cf_diags_count(const cf_diags *d, cf_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		if (d->items[i].severity == sev && !d->items[i].waived)
			n++;
	return n;
}

int cf_diags_has_rule(const cf_diags *d, const char *rule)
{
	size_t n = strlen(rule);
	int prefix = n > 0 && rule[n - 1] == '/';
	for (size_t i = 0; i < d->len; i++) {
		const char *r = d->items[i].rule;
		if (prefix ? strncmp(r, rule, n) == 0 : strcmp(r, rule) == 0)
			return 1;
	}
	return 0;
}

int cf_diags_has_file_rule(const cf_diags *d, const char *file, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < d->len; i++)
		if (strcmp(d->items[i].file, file) == 0 &&
		    strncmp(d->items[i].rule, prefix, n) == 0)
			return 1;
	return 0;
}

const char *cf_severity_name(cf_severity sev)
{
	switch (sev) {
	case CF_SEV_ERROR:
		return "error";
	case CF_SEV_WARNING:
		return "warning";
	default:
		return "note";
	}
}

/* s for a terminal: a control character (C0, DEL, or C1 written in UTF-8) is shown as \xNN,
 * so that a file name or a value from a file cannot move the cursor, retitle the window or
 * split one diagnostic over lines.  Everything else is copied as it is. */
void cf_diag_put_shown(cf_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t run = 0; /* the bytes that need no escape, copied at once */
		while (p[run] && p[run] >= 0x20 && p[run] != 0x7f &&
		       !(p[run] == 0xc2 && p[run + 1] >= 0x80 && p[run + 1] <= 0x9f))
			run++;
		cf_buf_put(out, p, run);
		p += run;
		if (!*p)
			break;
		size_t n = *p == 0xc2 ? 2 : 1;
		for (size_t i = 0; i < n; i++)
			cf_buf_printf(out, "\\x%02x", p[i]);
		p += n;
	}
}

void cf_diag_format_text(cf_buf *out, const cf_diag *x)
{
	cf_diag_put_shown(out, x->file);
	if (x->line) {
		cf_buf_printf(out, ":%u", x->line);
		if (x->col)
			cf_buf_printf(out, ":%u", x->col);
	}
	cf_buf_printf(out, ": %s[%s]: ", x->waived ? "waived" : cf_severity_name(x->severity),
		      x->rule);
	cf_diag_put_shown(out, x->message);
	cf_buf_putc(out, '\n');
	if (x->hint && *x->hint) {
		cf_buf_puts(out, "  hint: ");
		cf_diag_put_shown(out, x->hint);
		cf_buf_putc(out, '\n');
	}
}

void cf_diag_format_json(cf_buf *out, const cf_diag *x)
{
	cf_buf_putc(out, '{');
	cf_buf_put_json_member(out, "file", x->file, 0);
	cf_buf_printf(out, ",\"line\":%u,\"column\":%u", x->line, x->col);
	cf_buf_put_json_member(out, "severity", cf_severity_name(x->severity), 1);
	cf_buf_put_json_member(out, "rule", x->rule, 1);
	cf_buf_put_json_member(out, "message", x->message, 1);
	cf_buf_put_json_member(out, "hint", x->hint, 1);
	cf_buf_put_json_member(out, "case", x->case_id, 1);
	cf_buf_printf(out, ",\"waived\":%s}", x->waived ? "true" : "false");
}

static void count_words(cf_buf *out, size_t n, const char *one)
{
	if (n == 0)
		cf_buf_printf(out, "no %ss", one);
	else
		cf_buf_printf(out, "%zu %s%s", n, one, n == 1 ? "" : "s");
}

void cf_diags_format_counts(cf_buf *out, const cf_diags *d)
{
	count_words(out, cf_diags_count(d, CF_SEV_ERROR), "error");
	cf_buf_puts(out, ", ");
	count_words(out, cf_diags_count(d, CF_SEV_WARNING), "warning");
}

void cf_diags_clear(cf_diags *d)
{
	for (size_t i = 0; i < d->len; i++)
		diag_release(&d->items[i]);
	d->len = 0;
}

void cf_diags_free(cf_diags *d)
{
	cf_diags_clear(d);
	free(d->items);
	free(d->case_id);
	d->items = NULL;
	d->case_id = NULL;
	d->cap = 0;
	d->oom = 0;
}
