/* bench/filterdrive: the filter alone, without git.  Speaks git's long-running filter protocol
 * (gitprotocol-long-running-process(5), the filter's side is lib/gitfilter) to a filter
 * process as git would, and times a clean of every file named on standard input, then a
 * smudge of every blob the clean gave, in one process; the smudge must give each file back
 * byte for byte.  The files are read into memory first, so only the pipe and the filter are
 * timed.  RUNS fresh filter processes; the best of them is printed, as NAME=VALUE words:
 *   clean_us, smudge_us         wall-clock microseconds per file, the first file apart
 *   clean_cpu_us, smudge_cpu_us the filter process's own CPU time per file, the first apart
 *                               (/proc/PID/schedstat: less disturbed by other load than the
 *                               wall clock; -1 where it cannot be read)
 *   start_ms                    from fork to the end of the handshake
 *   clean_first_ms, smudge_first_ms  the first request of each (what the filter reads or
 *                               opens at its first file is here)
 *   in_bytes, blob_bytes        the plaintext and the blobs clean made, in all
 * Run it at the top of the working tree: the filter finds its repository there, as under git.
 * Built by bench/filter.sh.
 * Usage: filterdrive RUNS FILTER-COMMAND [ARGS...] < PATHS */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PKT_DATA_MAX 65516

typedef struct file {
	char *path;
	char *data, *blob, *back;
	size_t len, blob_len, back_len;
} file;

/* The CPU time the process has run, in seconds (the first field of /proc/PID/schedstat, in
 * nanoseconds), or -1. */
static double cpu_s(pid_t pid)
{
	char name[64];
	snprintf(name, sizeof(name), "/proc/%ld/schedstat", (long)pid);
	FILE *f = fopen(name, "r");
	unsigned long long ns;
	int ok = f && fscanf(f, "%llu", &ns) == 1;
	if (f)
		fclose(f);
	return ok ? (double)ns / 1e9 : -1;
}

static void die(const char *what)
{
	fprintf(stderr, "filterdrive: %s%s%s\n", what, errno ? ": " : "",
		errno ? strerror(errno) : "");
	exit(1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- buffered output to the filter, unbuffered input from it ---- */

static int to_fd = -1, from_fd = -1;
static char obuf[1 << 16];
static size_t olen;

static void oflush(void)
{
	size_t off = 0;
	while (off < olen) {
		ssize_t w = write(to_fd, obuf + off, olen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("cannot write to the filter");
		off += (size_t)w;
	}
	olen = 0;
}

static void oput(const void *p, size_t n)
{
	while (n) {
		size_t room = sizeof(obuf) - olen, k = n < room ? n : room;
		memcpy(obuf + olen, p, k);
		olen += k;
		p = (const char *)p + k;
		n -= k;
		if (olen == sizeof(obuf))
			oflush();
	}
}

static void pkt(const void *p, size_t n)
{
	char head[5];
	snprintf(head, sizeof(head), "%04zx", n + 4);
	oput(head, 4);
	oput(p, n);
}

static void pkt_text(const char *s)
{
	pkt(s, strlen(s));
}

static void pkt_flush(void)
{
	oput("0000", 4);
}

static char ibuf[1 << 16];
static size_t ipos, ilen;

static void iread(void *p, size_t n)
{
	char *d = p;
	while (n) {
		if (ipos == ilen) {
			ssize_t r = read(from_fd, ibuf, sizeof(ibuf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r == 0)
					errno = 0;
				die("the filter closed its output (see its message above)");
			}
			ipos = 0;
			ilen = (size_t)r;
		}
		size_t k = ilen - ipos < n ? ilen - ipos : n;
		memcpy(d, ibuf + ipos, k);
		ipos += k;
		d += k;
		n -= k;
	}
}

/* One packet into buf (NUL-terminated); its length, or -1 for a flush packet. */
static long pkt_read(char *buf)
{
	char head[5] = {0};
	iread(head, 4);
	unsigned long n = strtoul(head, NULL, 16);
	if (n == 0)
		return -1;
	if (n < 4 || n > PKT_DATA_MAX + 4) {
		errno = 0;
		die("a malformed packet from the filter");
	}
	iread(buf, n - 4);
	buf[n - 4] = '\0';
	return (long)(n - 4);
}

static char pbuf[PKT_DATA_MAX + 1];

/* Reads a list of text packets up to a flush; fails unless every status in it is success. */
static void expect_status(const char *path)
{
	long n;
	while ((n = pkt_read(pbuf)) >= 0) {
		if (strncmp(pbuf, "status=", 7) == 0 && strncmp(pbuf, "status=success", 14) != 0) {
			errno = 0;
			fprintf(stderr, "filterdrive: %s: %s", path, pbuf);
			die("the filter did not succeed");
		}
	}
}

/* One request: command (clean or smudge) of path with in; the content the filter gives back,
 * malloc'd. */
static char *request(size_t *out_len, const char *command, const char *path, const char *in,
		     size_t len)
{
	char line[4096];
	snprintf(line, sizeof(line), "command=%s\n", command);
	pkt_text(line);
	snprintf(line, sizeof(line), "pathname=%s\n", path);
	pkt_text(line);
	pkt_flush();
	for (size_t off = 0; off < len; off += PKT_DATA_MAX)
		pkt(in + off, len - off < PKT_DATA_MAX ? len - off : PKT_DATA_MAX);
	pkt_flush();
	oflush();
	expect_status(path);
	size_t cap = len + 4096, n = 0;
	char *out = malloc(cap);
	long k;
	while (out && (k = pkt_read(pbuf)) >= 0) {
		if (n + (size_t)k > cap) {
			cap = (n + (size_t)k) * 2;
			char *o = realloc(out, cap);
			if (!o) {
				free(out);
				out = NULL;
				break;
			}
			out = o;
		}
		memcpy(out + n, pbuf, (size_t)k);
		n += (size_t)k;
	}
	if (!out)
		die("out of memory");
	expect_status(path); /* the status after the content: empty, or a change of it */
	*out_len = n;
	return out;
}

static char *slurp(size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 8192, n = 0;
	char *p = malloc(cap);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				p = NULL;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	*len = n;
	return p;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: filterdrive RUNS FILTER-COMMAND [ARGS...] < PATHS\n", stderr);
		return 2;
	}
	int runs = atoi(argv[1]);
	signal(SIGPIPE, SIG_IGN);
	file *files = NULL;
	size_t n = 0, cap = 0, in_bytes = 0;
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			files = realloc(files, cap * sizeof(*files));
			if (!files)
				die("out of memory");
		}
		file *f = &files[n++];
		memset(f, 0, sizeof(*f));
		f->path = strdup(line);
		if (!f->path || !(f->data = slurp(&f->len, line)))
			die(line);
		in_bytes += f->len;
	}
	if (n == 0) {
		errno = 0;
		die("no files on standard input");
	}
	if (n < 2) {
		errno = 0;
		die("it takes two files or more");
	}
	/* best[phase][what]: phase 0 clean, 1 smudge; what 0 the first request, 1 the others,
	 * 2 the filter's CPU time over the others. */
	double best[2][3] = {{1e30, 1e30, 1e30}, {1e30, 1e30, 1e30}}, best_start = 1e30;
	int have_cpu = 1;
	size_t out_bytes = 0;
	for (int run = 0; run < runs; run++) {
		int down[2], up[2];
		if (pipe(down) < 0 || pipe(up) < 0)
			die("pipe");
		double t0 = now_s();
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			dup2(down[0], 0);
			dup2(up[1], 1);
			close(down[0]);
			close(down[1]);
			close(up[0]);
			close(up[1]);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		close(down[0]);
		close(up[1]);
		to_fd = down[1];
		from_fd = up[0];
		ipos = ilen = 0;
		/* The handshake, as git does it. */
		pkt_text("git-filter-client\n");
		pkt_text("version=2\n");
		pkt_flush();
		oflush();
		int server = 0, version = 0, clean = 0, smudge = 0;
		while (pkt_read(pbuf) >= 0) {
			server |= strcmp(pbuf, "git-filter-server\n") == 0;
			version |= strcmp(pbuf, "version=2\n") == 0;
		}
		pkt_text("capability=clean\n");
		pkt_text("capability=smudge\n");
		pkt_flush();
		oflush();
		while (pkt_read(pbuf) >= 0) {
			clean |= strcmp(pbuf, "capability=clean\n") == 0;
			smudge |= strcmp(pbuf, "capability=smudge\n") == 0;
		}
		if (!server || !version || !clean || !smudge) {
			errno = 0;
			die("the filter's handshake is not git's");
		}
		double start = now_s() - t0;
		if (start < best_start)
			best_start = start;
		out_bytes = 0;
		for (int phase = 0; phase < 2; phase++) {
			/* The first request apart: the filter may read the member log, or open the
			 * repository, at the first file that needs it. */
			double t1 = 0, c1 = 0, t2, c2;
			double ta = now_s();
			for (size_t i = 0; i < n; i++) {
				file *f = &files[i];
				if (phase == 0) {
					free(f->blob);
					f->blob = request(&f->blob_len, "clean", f->path, f->data,
							  f->len);
					out_bytes += f->blob_len;
				} else {
					free(f->back);
					f->back = request(&f->back_len, "smudge", f->path, f->blob,
							  f->blob_len);
				}
				if (i == 0) {
					t1 = now_s();
					c1 = cpu_s(pid);
				}
			}
			t2 = now_s();
			c2 = cpu_s(pid);
			if (t1 - ta < best[phase][0])
				best[phase][0] = t1 - ta;
			if (t2 - t1 < best[phase][1])
				best[phase][1] = t2 - t1;
			if (c1 < 0 || c2 < 0)
				have_cpu = 0;
			if (c2 - c1 < best[phase][2])
				best[phase][2] = c2 - c1;
		}
		close(to_fd);
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		close(from_fd);
		errno = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("the filter did not exit 0");
		for (size_t i = 0; i < n; i++) {
			const file *f = &files[i];
			if (f->back_len != f->len || memcmp(f->back, f->data, f->len) != 0) {
				fprintf(stderr, "filterdrive: %s: ", f->path);
				die("smudge did not give back what clean was given");
			}
			if (f->blob_len == f->len && memcmp(f->blob, f->data, f->len) == 0) {
				fprintf(stderr, "filterdrive: %s: ", f->path);
				die("clean gave the plaintext back: nothing was encrypted");
			}
		}
	}
	double per = 1e6 / (double)(n - 1);
	printf("clean_us=%.2f smudge_us=%.2f clean_cpu_us=%.2f smudge_cpu_us=%.2f "
	       "start_ms=%.2f clean_first_ms=%.2f smudge_first_ms=%.2f in_bytes=%zu "
	       "blob_bytes=%zu\n",
	       best[0][1] * per, best[1][1] * per, have_cpu ? best[0][2] * per : -1,
	       have_cpu ? best[1][2] * per : -1, best_start * 1e3, best[0][0] * 1e3,
	       best[1][0] * 1e3, in_bytes, out_bytes);
	return 0;
}
