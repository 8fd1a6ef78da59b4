#include "gitfilter.h"

#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

/* What reading one packet gave. */
enum {
	PKT_ERROR = -1, /* malformed, truncated, or a failed read (err says which) */
	PKT_FLUSH = 0,
	PKT_DATA = 1,
	PKT_EOF = 2, /* the input ended before the packet's first byte */
};

typedef struct conn {
	int in, out;
	cf_buf *err;
	char *line; /* the payload of the last text packet, NUL-terminated (plain malloc) */
	size_t line_len;
	unsigned char *content; /* sodium_malloc: the content of the current file */
	size_t content_len, content_cap;
	unsigned char *scratch; /* sodium_malloc, one payload: content past the limit */
	/* Buffered I/O: what git sent and we have not parsed yet (the content of a clean is
	 * plaintext), and what we have not sent yet (a smudge's result is): both sodium_malloc,
	 * wiped as they are used up. */
	unsigned char *ibuf;
	size_t ipos, ilen;
	unsigned char *obuf;
	size_t olen;
} conn;

/* Reads come in blocks of up to IBUF_CAP; replies are sent when the protocol waits for git (the
 * end of a handshake list or a response) or when OBUF_CAP fills: one write for a small file. */
#define IBUF_CAP ((size_t)64 * 1024)
#define OBUF_CAP ((size_t)2 * CF_PKT_MAX_PACKET)

static int fail(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends one line to the caller's error buffer; returns PKT_ERROR. */
static int fail(conn *c, const char *fmt, ...)
{
	if (c->err) {
		va_list ap;
		va_start(ap, fmt);
		cf_buf_vprintf(c->err, fmt, ap);
		va_end(ap);
		cf_buf_putc(c->err, '\n');
	}
	return PKT_ERROR;
}

/* Sends what is buffered.  0, or PKT_ERROR when a write fails. */
static int out_flush(conn *c)
{
	if (c->olen == 0)
		return 0;
	int rc = cf_write_all(c->out, c->obuf, c->olen);
	int e = errno;
	sodium_memzero(c->obuf, c->olen);
	c->olen = 0;
	if (rc < 0)
		return fail(c, "cannot write to git: %s", strerror(e));
	return 0;
}

/* Reads exactly n bytes from the buffer, refilling it with one read at a time; returns how many
 * it got before the end of input (n when all), or -1 when a read fails.  What is still to be
 * sent goes first: git answers nothing until it has our reply. */
static ssize_t read_full(conn *c, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (c->ipos == c->ilen) {
			if (out_flush(c) < 0) {
				errno = EPIPE;
				return -1;
			}
			sodium_memzero(c->ibuf, c->ilen);
			c->ipos = c->ilen = 0;
			ssize_t r = read(c->in, c->ibuf, IBUF_CAP);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (r == 0)
				break;
			c->ilen = (size_t)r;
		}
		size_t k = c->ilen - c->ipos;
		if (k > n - got)
			k = n - got;
		memcpy((char *)buf + got, c->ibuf + c->ipos, k);
		c->ipos += k;
		got += k;
	}
	return (ssize_t)got;
}

/* Queues n bytes for git; what does not fit is sent first (a block as large as the buffer
 * goes straight out). */
static int write_all(conn *c, const void *buf, size_t n)
{
	if (c->olen + n > OBUF_CAP && out_flush(c) < 0)
		return PKT_ERROR;
	if (n >= OBUF_CAP) {
		if (cf_write_all(c->out, buf, n) < 0)
			return fail(c, "cannot write to git: %s", strerror(errno));
		return 0;
	}
	memcpy(c->obuf + c->olen, buf, n);
	c->olen += n;
	return 0;
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads a packet's length header: PKT_DATA with the payload length, PKT_FLUSH, PKT_EOF. */
static int read_header(conn *c, size_t *payload)
{
	unsigned char h[4];
	ssize_t got = read_full(c, h, sizeof(h));
	if (got < 0)
		return fail(c, "cannot read from git: %s", strerror(errno));
	if (got == 0)
		return PKT_EOF;
	if (got < 4)
		return fail(c, "the input ended inside a packet header");
	size_t len = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(h[i]);
		if (d < 0)
			return fail(c, "malformed packet: its length is not four hex digits");
		len = len * 16 + (size_t)d;
	}
	if (len == 0)
		return PKT_FLUSH;
	if (len < 4) {
		char text[5];
		memcpy(text, h, 4);
		text[4] = '\0';
		return fail(c, "malformed packet: length %s is reserved", text);
	}
	if (len > CF_PKT_MAX_PACKET)
		return fail(c, "malformed packet: longer than 65520 bytes");
	*payload = len - 4;
	return PKT_DATA;
}

static int read_payload(conn *c, void *buf, size_t n)
{
	ssize_t got = read_full(c, buf, n);
	if (got < 0)
		return fail(c, "cannot read from git: %s", strerror(errno));
	if ((size_t)got < n)
		return fail(c, "the input ended inside a packet");
	return PKT_DATA;
}

/* Reads a text packet into c->line, without its trailing LF. */
static int read_text(conn *c)
{
	size_t n = 0;
	int rc = read_header(c, &n);
	if (rc != PKT_DATA)
		return rc;
	if (read_payload(c, c->line, n) != PKT_DATA)
		return PKT_ERROR;
	if (n > 0 && c->line[n - 1] == '\n')
		n--;
	c->line[n] = '\0';
	c->line_len = n;
	if (memchr(c->line, '\0', n))
		return fail(c, "malformed packet: a NUL byte in a text packet");
	return PKT_DATA;
}

static int write_text(conn *c, const char *s)
{
	char pkt[128];
	size_t n = strlen(s);
	if (n + 6 > sizeof(pkt))
		return fail(c, "internal error: text packet too long");
	snprintf(pkt, sizeof(pkt), "%04zx%s\n", n + 5, s);
	return write_all(c, pkt, n + 5);
}

static int write_flush(conn *c)
{
	return write_all(c, "0000", 4);
}

/* Writes data as as many packets as it takes. */
static int write_content(conn *c, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len < CF_PKT_MAX_PAYLOAD ? len : CF_PKT_MAX_PAYLOAD;
		char h[5];
		snprintf(h, sizeof(h), "%04zx", n + 4);
		if (write_all(c, h, 4) < 0 || write_all(c, data, n) < 0)
			return PKT_ERROR;
		data += n;
		len -= n;
	}
	return 0;
}

/* Makes room for need bytes of content and a NUL, moving what there is into a larger
 * sodium_malloc block and wiping the old one. */
static int content_reserve(conn *c, size_t need)
{
	if (need < c->content_cap)
		return 0;
	size_t cap = c->content_cap ? c->content_cap : 64 * 1024;
	while (cap <= need)
		cap *= 2;
	unsigned char *p = sodium_malloc(cap);
	if (!p)
		return -1;
	if (c->content_len)
		memcpy(p, c->content, c->content_len);
	if (c->content)
		sodium_free(c->content);
	c->content = p;
	c->content_cap = cap;
	return 0;
}

static void content_wipe(conn *c)
{
	if (c->content)
		sodium_memzero(c->content, c->content_len);
	c->content_len = 0;
}

/* Reads a list of text packets up to its flush; calls each(c, arg) for every one.  PKT_FLUSH
 * at its end, PKT_EOF when the input ended before its first packet, else PKT_ERROR. */
static int read_list(conn *c, const char *what, int (*each)(conn *c, void *arg), void *arg)
{
	for (int first = 1;; first = 0) {
		int rc = read_text(c);
		if (rc == PKT_EOF)
			return first ? PKT_EOF : fail(c, "the input ended inside %s", what);
		if (rc != PKT_DATA)
			return rc;
		if (each(c, arg) < 0)
			return PKT_ERROR;
	}
}

typedef struct welcome {
	int seen_client; /* the first packet was git-filter-client */
	int version2;
} welcome;

static int on_welcome(conn *c, void *arg)
{
	welcome *w = arg;
	if (!w->seen_client) {
		if (strcmp(c->line, "git-filter-client") != 0)
			return fail(c, "git did not start with git-filter-client, but '%s'",
				    c->line);
		w->seen_client = 1;
	} else if (strcmp(c->line, "version=2") == 0) {
		w->version2 = 1;
	}
	return 0;
}

typedef struct caps {
	int clean, smudge;
} caps;

static int on_capability(conn *c, void *arg)
{
	caps *k = arg;
	if (strcmp(c->line, "capability=clean") == 0)
		k->clean = 1;
	else if (strcmp(c->line, "capability=smudge") == 0)
		k->smudge = 1;
	return 0;
}

/* 0 after the handshake, PKT_EOF when git closed the pipe before it, PKT_ERROR. */
static int handshake(conn *c)
{
	welcome w = {0, 0};
	int rc = read_list(c, "the welcome", on_welcome, &w);
	if (rc == PKT_EOF || rc == PKT_ERROR)
		return rc;
	if (!w.seen_client)
		return fail(c, "git sent an empty welcome");
	if (!w.version2)
		return fail(c, "git does not offer version 2 of the filter protocol");
	if (write_text(c, "git-filter-server") < 0 || write_text(c, "version=2") < 0 ||
	    write_flush(c) < 0 || out_flush(c) < 0)
		return PKT_ERROR;

	caps k = {0, 0};
	rc = read_list(c, "the capabilities", on_capability, &k);
	if (rc == PKT_EOF)
		return fail(c, "the input ended before the capabilities");
	if (rc == PKT_ERROR)
		return rc;
	if ((k.clean && write_text(c, "capability=clean") < 0) ||
	    (k.smudge && write_text(c, "capability=smudge") < 0) || write_flush(c) < 0 ||
	    out_flush(c) < 0)
		return PKT_ERROR;
	return 0;
}

typedef struct request {
	int command; /* -1 none yet, 0 clean, 1 smudge */
	cf_buf path;
	int has_path;
} request;

static int on_request_key(conn *c, void *arg)
{
	request *r = arg;
	const char *eq = strchr(c->line, '=');
	if (!eq)
		return fail(c, "malformed request: '%s' is not KEY=VALUE", c->line);
	size_t klen = (size_t)(eq - c->line);
	if (klen == 7 && strncmp(c->line, "command", 7) == 0) {
		if (strcmp(eq + 1, "clean") == 0)
			r->command = 0;
		else if (strcmp(eq + 1, "smudge") == 0)
			r->command = 1;
		else
			return fail(c, "git asked for a command this filter does not have: %s",
				    eq + 1);
	} else if (klen == 8 && strncmp(c->line, "pathname", 8) == 0) {
		cf_buf_clear(&r->path);
		cf_buf_puts(&r->path, eq + 1);
		if (cf_buf_oom(&r->path))
			return fail(c, "out of memory");
		r->has_path = 1;
	}
	return 0;
}

/* Reads the content up to its flush into c->content; *too_big when it passed max (the rest
 * is read and dropped, so the protocol stays in step). */
static int read_content(conn *c, size_t max, int *too_big)
{
	*too_big = 0;
	content_wipe(c);
	for (;;) {
		size_t n = 0;
		int rc = read_header(c, &n);
		if (rc == PKT_EOF)
			return fail(c, "the input ended inside a file's content");
		if (rc == PKT_ERROR)
			return rc;
		if (rc == PKT_FLUSH)
			return 0;
		if (!*too_big && n > max - c->content_len) {
			*too_big = 1;
			content_wipe(c);
		}
		if (*too_big) {
			rc = read_payload(c, c->scratch, n);
			sodium_memzero(c->scratch, n);
			if (rc != PKT_DATA)
				return rc;
			continue;
		}
		if (content_reserve(c, c->content_len + n) < 0)
			return fail(c, "out of memory reading a file from git");
		if (read_payload(c, c->content + c->content_len, n) != PKT_DATA)
			return PKT_ERROR;
		c->content_len += n;
	}
}

static int reply_error(conn *c)
{
	if (write_text(c, "status=error") < 0 || write_flush(c) < 0 || out_flush(c) < 0)
		return PKT_ERROR;
	return 0;
}

/* One request: 0 when answered, PKT_EOF when git closed the pipe instead, PKT_ERROR. */
static int serve_one(conn *c, const cf_gitfilter *gf, size_t max, request *r)
{
	r->command = -1;
	r->has_path = 0;
	int rc = read_list(c, "a request", on_request_key, r);
	if (rc == PKT_EOF || rc == PKT_ERROR)
		return rc;
	if (r->command < 0)
		return fail(c, "malformed request: no command");
	if (!r->has_path)
		return fail(c, "malformed request: no pathname");

	int too_big = 0;
	if (read_content(c, max, &too_big) < 0)
		return PKT_ERROR;
	if (too_big) {
		if (gf->notice)
			gf->notice(r->path.ptr, "the file is larger than the filter accepts",
				   gf->arg);
		return reply_error(c);
	}
	if (content_reserve(c, c->content_len) < 0)
		return fail(c, "out of memory reading a file from git");
	c->content[c->content_len] = '\0';

	const char *out = NULL;
	size_t out_len = 0;
	int fn_rc = gf->fn(&out, &out_len, r->command, r->path.ptr, (const char *)c->content,
			   c->content_len, gf->arg);
	if (fn_rc < 0 || (!out && out_len)) {
		content_wipe(c);
		return reply_error(c);
	}
	rc = 0;
	if (write_text(c, "status=success") < 0 || write_flush(c) < 0 ||
	    write_content(c, out, out_len) < 0 || write_flush(c) < 0 || write_flush(c) < 0 ||
	    out_flush(c) < 0)
		rc = PKT_ERROR;
	content_wipe(c);
	return rc;
}

int cf_gitfilter_run(const cf_gitfilter *gf, cf_buf *err)
{
	conn c = {gf->in_fd, gf->out_fd, err, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0};
	request r = {-1, CF_BUF_INIT, 0};
	size_t max = gf->max_content ? gf->max_content : CF_GITFILTER_MAX_CONTENT;
	int rc = PKT_ERROR;

	c.line = malloc(CF_PKT_MAX_PAYLOAD + 1);
	c.scratch = sodium_malloc(CF_PKT_MAX_PAYLOAD);
	c.ibuf = sodium_malloc(IBUF_CAP);
	c.obuf = sodium_malloc(OBUF_CAP);
	if (!c.line || !c.scratch || !c.ibuf || !c.obuf) {
		fail(&c, "out of memory");
		goto out;
	}
	rc = handshake(&c);
	while (rc == 0)
		rc = serve_one(&c, gf, max, &r);
out:
	content_wipe(&c);
	if (c.content)
		sodium_free(c.content);
	if (c.scratch)
		sodium_free(c.scratch);
	if (c.ibuf)
		sodium_free(c.ibuf); /* wipes what was left unread */
	if (c.obuf)
		sodium_free(c.obuf);
	free(c.line);
	cf_buf_free(&r.path);
	return rc == PKT_EOF ? 0 : -1;
}
