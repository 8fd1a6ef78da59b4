/* lib/gitfilter: git's long-running filter protocol, spoken over a socketpair to a scripted
 * "git" (this file writes and reads its own pkt-lines, independently of the engine's), with a
 * trivial callback: clean prefixes "clean:", smudge reverses, the path "fail" fails. */
#include "tap.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "gitfilter.h"

/* ---- the callback ---- */

typedef struct seen {
	cf_buf out;
	cf_buf path; /* the last path the callback was given */
	int smudge;  /* and what it was asked */
	int calls;
	int nul_terminated; /* every input had its NUL */
	cf_buf notices;
} seen;

static int transform(const char **out, size_t *out_len, int smudge, const char *path,
		     const char *in, size_t len, void *arg)
{
	seen *s = arg;
	s->calls++;
	s->smudge = smudge;
	cf_buf_clear(&s->path);
	cf_buf_puts(&s->path, path);
	if (in[len] != '\0')
		s->nul_terminated = 0;
	if (strcmp(path, "fail") == 0)
		return -1;
	cf_buf_clear(&s->out);
	if (smudge) {
		for (size_t i = len; i > 0; i--)
			cf_buf_putc(&s->out, in[i - 1]);
	} else {
		cf_buf_puts(&s->out, "clean:");
		cf_buf_put(&s->out, in, len);
	}
	*out = s->out.ptr ? s->out.ptr : "";
	*out_len = s->out.len;
	return 0;
}

static void notice(const char *path, const char *message, void *arg)
{
	seen *s = arg;
	cf_buf_printf(&s->notices, "%s: %s\n", path, message);
}

/* ---- a session: the engine on a thread, "git" here ---- */

typedef struct session {
	int fd[2]; /* fd[0] git's end, fd[1] the filter's */
	pthread_t thread;
	cf_gitfilter gf;
	cf_buf err;
	int rc;
	seen s;
} session;

static void *engine(void *arg)
{
	session *se = arg;
	se->rc = cf_gitfilter_run(&se->gf, &se->err);
	return NULL;
}

static int start(session *se, size_t max)
{
	memset(se, 0, sizeof(*se));
	se->s.nul_terminated = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, se->fd) != 0)
		return -1;
	/* A reply that never comes fails the test instead of hanging it. */
	struct timeval tv = {10, 0};
	setsockopt(se->fd[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	se->gf.in_fd = se->fd[1];
	se->gf.out_fd = se->fd[1];
	se->gf.max_content = max;
	se->gf.fn = transform;
	se->gf.notice = notice;
	se->gf.arg = &se->s;
	return pthread_create(&se->thread, NULL, engine, se) == 0 ? 0 : -1;
}

/* Git closes its end for writing (it has no more files); returns what the engine returned. */
static int finish(session *se)
{
	shutdown(se->fd[0], SHUT_WR);
	pthread_join(se->thread, NULL);
	close(se->fd[0]);
	close(se->fd[1]);
	cf_buf_free(&se->s.out);
	cf_buf_free(&se->s.path);
	cf_buf_free(&se->s.notices);
	return se->rc;
}

static void put_raw(session *se, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(se->fd[0], c, n);
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void put_pkt(session *se, const void *p, size_t n)
{
	char h[5];
	snprintf(h, sizeof(h), "%04zx", n + 4);
	put_raw(se, h, 4);
	put_raw(se, p, n);
}

static void put_text(session *se, const char *s)
{
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s\n", s);
	put_pkt(se, b.ptr, b.len);
	cf_buf_free(&b);
}

static void put_flush(session *se)
{
	put_raw(se, "0000", 4);
}

/* Content as git sends it: full packets, then a flush. */
static void put_content(session *se, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = n < CF_PKT_MAX_PAYLOAD ? n : CF_PKT_MAX_PAYLOAD;
		put_pkt(se, p, k);
		p += k;
		n -= k;
	}
	put_flush(se);
}

static int get_raw(session *se, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(se->fd[0], p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One packet from the engine: its payload length, -2 for a flush, -1 for nothing valid. */
static long get_pkt(session *se, char *payload)
{
	char h[5] = {0};
	if (get_raw(se, h, 4) < 0)
		return -1;
	long len = strtol(h, NULL, 16);
	if (len == 0)
		return -2;
	if (len < 4 || len > CF_PKT_MAX_PACKET)
		return -1;
	if (get_raw(se, payload, (size_t)len - 4) < 0)
		return -1;
	return len - 4;
}

/* The text packets up to a flush, each followed by '|': "status=success\n|". */
static void get_list(session *se, cf_buf *out)
{
	static char payload[CF_PKT_MAX_PAYLOAD];
	cf_buf_clear(out);
	for (;;) {
		long n = get_pkt(se, payload);
		if (n == -2)
			return;
		if (n < 0) {
			cf_buf_puts(out, "(broken)");
			return;
		}
		cf_buf_put(out, payload, (size_t)n);
		cf_buf_putc(out, '|');
	}
}

/* Content packets up to a flush; *largest the largest packet; -1 when broken. */
static int get_content(session *se, cf_buf *out, long *largest, int *packets)
{
	static char payload[CF_PKT_MAX_PAYLOAD];
	cf_buf_clear(out);
	*largest = 0;
	*packets = 0;
	for (;;) {
		long n = get_pkt(se, payload);
		if (n == -2)
			return 0;
		if (n < 0)
			return -1;
		cf_buf_put(out, payload, (size_t)n);
		(*packets)++;
		if (n > *largest)
			*largest = n;
	}
}

static void handshake(session *se, const char *caps)
{
	put_text(se, "git-filter-client");
	put_text(se, "version=2");
	put_text(se, "version=42");
	put_flush(se);
	cf_buf got = CF_BUF_INIT;
	get_list(se, &got);
	is_str(cf_buf_cstr(&got), "git-filter-server\n|version=2\n|", "server greets, version 2");
	for (const char *c = caps; *c;) {
		size_t n = strcspn(c, ",");
		cf_buf line = CF_BUF_INIT;
		cf_buf_printf(&line, "capability=%.*s", (int)n, c);
		put_text(se, line.ptr);
		cf_buf_free(&line);
		c += n + (c[n] == ',');
	}
	put_flush(se);
	cf_buf_free(&got);
}

static void request(session *se, const char *command, const char *path, const char *extra,
		    const char *content, size_t len)
{
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "command=%s", command);
	put_text(se, b.ptr);
	cf_buf_clear(&b);
	cf_buf_printf(&b, "pathname=%s", path);
	put_text(se, b.ptr);
	if (extra)
		put_text(se, extra);
	put_flush(se);
	put_content(se, content, len);
	cf_buf_free(&b);
}

static char *pattern(size_t n, unsigned seed)
{
	char *p = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)((i * 7 + seed) % 251);
	p[n] = '\0';
	return p;
}

/* ---- the tests ---- */

static void test_requests(void)
{
	session se;
	if (!ok(start(&se, 100000 * 3) == 0, "engine started"))
		return;
	cf_buf got = CF_BUF_INIT, list = CF_BUF_INIT;
	long largest;
	int packets;

	handshake(&se, "clean,smudge,delay");
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "capability=clean\n|capability=smudge\n|",
	       "answers clean and smudge, not delay");

	/* A clean of 200,000 bytes: four packets in, four out (the prefix moves a byte over). */
	size_t big = 200000;
	char *in = pattern(big, 3);
	request(&se, "clean", "cases/2026-014/case.yaml", "ref=refs/heads/main", in, big);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "clean: status=success first");
	ok(get_content(&se, &got, &largest, &packets) == 0, "clean: content until a flush");
	cf_buf want = CF_BUF_INIT;
	cf_buf_puts(&want, "clean:");
	cf_buf_put(&want, in, big);
	ok(got.len == want.len && memcmp(got.ptr, want.ptr, want.len) == 0,
	   "clean: the callback's result, whole");
	is_int(largest, CF_PKT_MAX_PAYLOAD, "clean: packets are full (65516 bytes)");
	is_int(packets, 4, "clean: 200,006 bytes in four packets");
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "", "clean: an empty list keeps the status");
	is_str(cf_buf_cstr(&se.s.path), "cases/2026-014/case.yaml", "clean: the path git named");
	is_int(se.s.smudge, 0, "clean: asked to clean");

	/* A smudge of exactly two full packets, with the keys git 2.27+ adds. */
	size_t two = 2 * CF_PKT_MAX_PAYLOAD;
	char *in2 = pattern(two, 11);
	put_text(&se, "command=smudge");
	put_text(&se, "pathname=cases/a=b/with space.md");
	put_text(&se, "treeish=0123456789abcdef0123456789abcdef01234567");
	put_text(&se, "blob=89abcdef0123456789abcdef0123456789abcdef");
	put_flush(&se);
	put_content(&se, in2, two);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "smudge: status=success");
	ok(get_content(&se, &got, &largest, &packets) == 0, "smudge: content until a flush");
	int reversed = got.len == two;
	for (size_t i = 0; reversed && i < two; i++)
		reversed = got.ptr[i] == in2[two - 1 - i];
	ok(reversed, "smudge: the callback's result, whole");
	is_int(packets, 2, "smudge: 131,032 bytes in two packets");
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "", "smudge: an empty list keeps the status");
	is_str(cf_buf_cstr(&se.s.path), "cases/a=b/with space.md",
	       "smudge: a path with '=' and a space");
	is_int(se.s.smudge, 1, "smudge: asked to smudge");

	/* An empty file: success, no content packets. */
	request(&se, "clean", "cases/empty", NULL, "", 0);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "empty file: status=success");
	ok(get_content(&se, &got, &largest, &packets) == 0 && got.len == 6 &&
	       memcmp(got.ptr, "clean:", 6) == 0,
	   "empty file: the callback's result");
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "", "empty file: final flush");

	/* The callback fails: status=error, nothing else, and the next file is served. */
	request(&se, "smudge", "fail", NULL, in, 70000);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=error\n|", "a failing callback: status=error");
	request(&se, "smudge", "cases/next", NULL, "abc", 3);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "the next request is served");
	ok(get_content(&se, &got, &largest, &packets) == 0 && got.len == 3 &&
	       memcmp(got.ptr, "cba", 3) == 0,
	   "and answered");
	get_list(&se, &list);

	/* Over the limit (300,000 in this session): status=error, the rest drained. */
	int calls = se.s.calls;
	char *huge = pattern(300001, 5);
	request(&se, "clean", "cases/huge", NULL, huge, 300001);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=error\n|", "content over the limit: status=error");
	is_int(se.s.calls, calls, "content over the limit: the callback is not called");
	request(&se, "clean", "cases/after", NULL, "x", 1);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "in step after a file over the limit");
	get_content(&se, &got, &largest, &packets);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&se.s.notices),
	       "cases/huge: the file is larger than the filter accepts\n",
	       "the notice names the file over the limit");
	ok(se.s.nul_terminated, "every input is followed by a NUL");

	is_int(finish(&se), 0, "git closing the pipe between requests: 0");
	is_str(cf_buf_cstr(&se.err), "", "and no error");
	cf_buf_free(&se.err);
	free(in);
	free(in2);
	free(huge);
	cf_buf_free(&got);
	cf_buf_free(&want);
	cf_buf_free(&list);
}

static void test_capabilities_offered(void)
{
	session se;
	if (!ok(start(&se, 0) == 0, "engine started"))
		return;
	cf_buf list = CF_BUF_INIT;
	handshake(&se, "smudge");
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "capability=smudge\n|", "only what git offered");
	is_int(finish(&se), 0, "EOF after the handshake: 0");
	cf_buf_free(&se.err);
	cf_buf_free(&list);
}

/* Text packets without their LF are accepted. */
static void test_no_lf(void)
{
	session se;
	if (!ok(start(&se, 0) == 0, "engine started"))
		return;
	cf_buf list = CF_BUF_INIT, got = CF_BUF_INIT;
	put_pkt(&se, "git-filter-client", 17);
	put_pkt(&se, "version=2", 9);
	put_flush(&se);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "git-filter-server\n|version=2\n|", "welcome without LFs");
	put_pkt(&se, "capability=clean", 16);
	put_flush(&se);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "capability=clean\n|", "capabilities without LFs");
	put_pkt(&se, "command=clean", 13);
	put_pkt(&se, "pathname=p", 10);
	put_flush(&se);
	put_raw(&se, "0004", 4); /* an empty packet: allowed, if discouraged */
	put_pkt(&se, "hi", 2);
	put_flush(&se);
	get_list(&se, &list);
	is_str(cf_buf_cstr(&list), "status=success\n|", "request without LFs");
	long largest;
	int packets;
	get_content(&se, &got, &largest, &packets);
	is_str(cf_buf_cstr(&got), "clean:hi", "an empty packet adds nothing");
	get_list(&se, &list);
	is_int(finish(&se), 0, "done: 0");
	cf_buf_free(&se.err);
	cf_buf_free(&list);
	cf_buf_free(&got);
}

/* A session that goes wrong after the handshake: raw is sent, the engine must fail with an
 * error containing want, without answering. */
static void test_broken(const char *name, const char *raw, size_t rawlen, const char *want)
{
	session se;
	if (!ok(start(&se, 0) == 0, "engine started"))
		return;
	cf_buf list = CF_BUF_INIT;
	handshake(&se, "clean,smudge");
	get_list(&se, &list);
	put_raw(&se, raw, rawlen);
	int calls_before = se.s.calls;
	int rc = finish(&se);
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s: -1", name);
	is_int(rc, -1, b.ptr);
	cf_buf_clear(&b);
	cf_buf_printf(&b, "%s: the error says so", name);
	if (!ok(strstr(cf_buf_cstr(&se.err), want) != NULL, b.ptr))
		printf("#   err: %s", cf_buf_cstr(&se.err));
	cf_buf_clear(&b);
	cf_buf_printf(&b, "%s: the callback was not called", name);
	is_int(se.s.calls, calls_before, b.ptr);
	cf_buf_free(&b);
	cf_buf_free(&se.err);
	cf_buf_free(&list);
}

static void test_broken_handshake(const char *name, const char *raw, size_t rawlen,
				  const char *want)
{
	session se;
	if (!ok(start(&se, 0) == 0, "engine started"))
		return;
	put_raw(&se, raw, rawlen);
	int rc = finish(&se);
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s: %d", name, want ? -1 : 0);
	is_int(rc, want ? -1 : 0, b.ptr);
	if (want) {
		cf_buf_clear(&b);
		cf_buf_printf(&b, "%s: the error says so", name);
		if (!ok(strstr(cf_buf_cstr(&se.err), want) != NULL, b.ptr))
			printf("#   err: %s", cf_buf_cstr(&se.err));
	}
	cf_buf_free(&b);
	cf_buf_free(&se.err);
}

/* ---- buffered I/O: the exact bytes, and how many writes carry them ---- */

typedef struct wire {
	int in[2];  /* in[0] "git" writes the script, in[1] the engine reads */
	int out[2]; /* out[1] the engine writes, out[0] "git" reads */
	pthread_t engine, writer;
	cf_gitfilter gf;
	cf_buf err;
	int rc;
	seen s;
	cf_buf script; /* all that "git" sends, sent at once by the writer thread */
} wire;

static void *wire_engine(void *arg)
{
	wire *w = arg;
	w->rc = cf_gitfilter_run(&w->gf, &w->err);
	close(w->out[1]); /* then "git" reads to the end */
	return NULL;
}

static void *wire_writer(void *arg)
{
	wire *w = arg;
	const char *p = w->script.ptr;
	size_t n = w->script.len;
	while (n > 0) {
		ssize_t k = write(w->in[0], p, n);
		if (k <= 0)
			break;
		p += k;
		n -= (size_t)k;
	}
	shutdown(w->in[0], SHUT_WR);
	return NULL;
}

static void script_pkt(cf_buf *b, const char *p, size_t n)
{
	cf_buf_printf(b, "%04zx", n + 4);
	cf_buf_put(b, p, n);
}

static void script_text(cf_buf *b, const char *t)
{
	cf_buf_printf(b, "%04zx%s\n", strlen(t) + 5, t);
}

static void script_content(cf_buf *b, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = n < CF_PKT_MAX_PAYLOAD ? n : CF_PKT_MAX_PAYLOAD;
		script_pkt(b, p, k);
		p += k;
		n -= k;
	}
	cf_buf_puts(b, "0000");
}

static void script_request(cf_buf *b, const char *command, const char *path, const char *content,
			   size_t len)
{
	cf_buf line = CF_BUF_INIT;
	cf_buf_printf(&line, "command=%s", command);
	script_text(b, line.ptr);
	cf_buf_clear(&line);
	cf_buf_printf(&line, "pathname=%s", path);
	script_text(b, line.ptr);
	cf_buf_puts(b, "0000");
	script_content(b, content, len);
	cf_buf_free(&line);
}

/* Runs the script through the engine with its output on a socket of type out_type
 * (SOCK_SEQPACKET keeps every write a record of its own); *got is everything the engine
 * sent, *writes how many records it came in.  The engine's return. */
static int wire_run(cf_buf *script, int out_type, cf_buf *got, int *writes)
{
	wire w;
	memset(&w, 0, sizeof(w));
	w.s.nul_terminated = 1;
	w.script = *script;
	*writes = 0;
	cf_buf_clear(got);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, w.in) != 0 ||
	    socketpair(AF_UNIX, out_type, 0, w.out) != 0)
		return -9;
	struct timeval tv = {10, 0};
	setsockopt(w.out[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	w.gf.in_fd = w.in[1];
	w.gf.out_fd = w.out[1];
	w.gf.fn = transform;
	w.gf.notice = notice;
	w.gf.arg = &w.s;
	if (pthread_create(&w.engine, NULL, wire_engine, &w) != 0 ||
	    pthread_create(&w.writer, NULL, wire_writer, &w) != 0)
		return -9;
	static char block[256 * 1024];
	for (;;) {
		ssize_t r = read(w.out[0], block, sizeof(block));
		if (r <= 0)
			break;
		cf_buf_put(got, block, (size_t)r);
		(*writes)++;
	}
	pthread_join(w.writer, NULL);
	pthread_join(w.engine, NULL);
	close(w.in[0]);
	close(w.in[1]);
	close(w.out[0]);
	cf_buf_free(&w.err);
	cf_buf_free(&w.s.out);
	cf_buf_free(&w.s.path);
	cf_buf_free(&w.s.notices);
	return w.rc;
}

static void script_handshake(cf_buf *b)
{
	script_text(b, "git-filter-client");
	script_text(b, "version=2");
	cf_buf_puts(b, "0000");
	script_text(b, "capability=clean");
	script_text(b, "capability=smudge");
	script_text(b, "capability=delay");
	cf_buf_puts(b, "0000");
}

static const char reply_handshake[] = "0016git-filter-server\n000eversion=2\n0000"
				      "0015capability=clean\n0016capability=smudge\n0000";

static void test_buffered_small(void)
{
	cf_buf script = CF_BUF_INIT, got = CF_BUF_INIT, want = CF_BUF_INIT;
	script_handshake(&script);
	script_request(&script, "clean", "a", "hello", 5);
	script_request(&script, "smudge", "b", "", 0);
	script_request(&script, "clean", "fail", "x", 1);
	int writes = 0;
	int rc = wire_run(&script, SOCK_SEQPACKET, &got, &writes);
	cf_buf_puts(&want, reply_handshake);
	cf_buf_puts(&want, "0013status=success\n0000"
			   "000fclean:hello"
			   "00000000");
	cf_buf_puts(&want, "0013status=success\n0000"
			   "00000000");
	cf_buf_puts(&want, "0011status=error\n0000");
	ok(rc == 0, "buffered: the engine ends cleanly when git closes its end");
	ok(got.len == want.len && memcmp(got.ptr, want.ptr, want.len) == 0,
	   "buffered: the bytes on the wire are exactly the protocol's (handshake, two "
	   "successes, one with no content, an error)");
	is_int(writes, 5, "buffered: one write for each list of the handshake and each reply");
	cf_buf_free(&script);
	cf_buf_free(&got);
	cf_buf_free(&want);
}

static void test_buffered_large(void)
{
	/* Larger than the output buffer: packets of 65516 bytes, the last one short. */
	size_t n = 3 * (size_t)CF_PKT_MAX_PAYLOAD + 1000;
	char *in = pattern(n, 3);
	cf_buf script = CF_BUF_INIT, got = CF_BUF_INIT, want = CF_BUF_INIT;
	script_handshake(&script);
	script_request(&script, "smudge", "big", in, n);
	script_request(&script, "clean", "small", "x", 1);
	int writes = 0;
	int rc = wire_run(&script, SOCK_STREAM, &got, &writes);
	char *rev = malloc(n);
	for (size_t i = 0; i < n; i++)
		rev[i] = in[n - 1 - i];
	cf_buf_puts(&want, reply_handshake);
	cf_buf_puts(&want, "0013status=success\n0000");
	script_content(&want, rev, n);
	cf_buf_puts(&want, "0000");
	cf_buf_puts(&want, "0013status=success\n0000"
			   "000bclean:x"
			   "00000000");
	ok(rc == 0, "buffered, large: the engine ends cleanly");
	ok(got.len == want.len && memcmp(got.ptr, want.ptr, want.len) == 0,
	   "buffered, large: the result in packets of 65516 bytes and a short one, then the "
	   "next file's reply, byte for byte");
	cf_buf_free(&script);
	cf_buf_free(&got);
	cf_buf_free(&want);
	free(in);
	free(rev);
}

#define RAW(s) s, sizeof(s) - 1

int main(void)
{
	if (cf_init() < 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	alarm(120); /* a hang is a failure */
	test_requests();
	test_capabilities_offered();
	test_no_lf();
	test_buffered_small();
	test_buffered_large();

	test_broken("length not hex", RAW("00zzcommand=clean\n"), "not four hex digits");
	test_broken("length 0002 (reserved)", RAW("0002"), "reserved");
	test_broken("length over 65520", RAW("fff1"), "longer than 65520");
	test_broken("truncated header", RAW("00"), "inside a packet header");
	test_broken("truncated payload", RAW("0013command=cl"), "inside a packet");
	test_broken("EOF inside a request", RAW("0012command=clean\n"), "inside a request");
	test_broken("EOF inside content", RAW("0012command=clean\n000fpathname=p\n00000008abcd"),
		    "inside a file's content");
	test_broken("no pathname", RAW("0012command=clean\n0000"), "no pathname");
	test_broken("no command", RAW("000fpathname=p\n0000"), "no command");
	test_broken("unknown command", RAW("0021command=list_available_blobs\n0000"),
		    "list_available_blobs");
	test_broken("not KEY=VALUE", RAW("0009hello0000"), "not KEY=VALUE");
	test_broken("NUL in a text packet", RAW("0013command=clean\0\n0000"), "NUL");

	test_broken_handshake("EOF before anything", RAW(""), NULL);
	test_broken_handshake("wrong welcome", RAW("0016git-filter-server\n0000"),
			      "git-filter-client");
	test_broken_handshake("no version 2", RAW("0016git-filter-client\n000eversion=3\n0000"),
			      "version 2");
	test_broken_handshake("EOF in the welcome", RAW("0016git-filter-client\n"), "welcome");
	test_broken_handshake("EOF before the capabilities",
			      RAW("0016git-filter-client\n000eversion=2\n0000"),
			      "before the capabilities");
	return tap_done();
}
