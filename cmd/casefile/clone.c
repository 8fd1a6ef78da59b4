/* The shared part of the key and clone commands: see clone.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "cli.h"
#include "fs.h"
#include "keys.h"
#include "source.h"
#include "strlist.h"
#include "clone.h"

#define PASS_MAX 1024

/* ---- running git ---- */

/* Runs `git -C dir ARGS...` with stdin from /dev/null.  Its stdout goes into out when out is
 * non-NULL, else to our stderr (our stdout is the command's own output); its stderr is
 * dropped when quiet.  Returns git's exit status, or -1 when it could not be run. */
int cli_git(cf_buf *out, const char *dir, int quiet, const char *const *args)
{
	size_t n = 0;
	while (args[n])
		n++;
	const char **argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		return -1;
	argv[0] = "git";
	argv[1] = "-C";
	argv[2] = dir;
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = args[i];
	int pfd[2] = {-1, -1};
	if (out && pipe(pfd) < 0) {
		free(argv);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		free(argv);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, 0);
		if (out) {
			dup2(pfd[1], 1);
			close(pfd[0]);
			close(pfd[1]);
		} else {
			dup2(2, 1);
		}
		if (quiet && null >= 0)
			dup2(null, 2);
		execvp("git", (char *const *)argv);
		_exit(127);
	}
	free(argv);
	int failed = 0;
	if (out) {
		close(pfd[1]);
		char chunk[4096];
		for (;;) {
			ssize_t r = read(pfd[0], chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				failed = r < 0;
				break;
			}
			cf_buf_put(out, chunk, (size_t)r);
		}
		close(pfd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (failed || (out && cf_buf_oom(out)) || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
}

/* `git -C dir ARGS... -- PATHS...`: args (NULL-terminated) then every path of paths, so that
 * no path is ever read as an option.  What cli_git returns. */
int cli_git_paths(const char *dir, const char *const *args, const cf_strlist *paths)
{
	size_t n = 0;
	while (args[n])
		n++;
	const char **argv = calloc(n + paths->n + 2, sizeof(*argv));
	if (!argv)
		return -1;
	memcpy(argv, args, n * sizeof(*argv));
	argv[n++] = "--";
	for (size_t i = 0; i < paths->n; i++)
		argv[n++] = paths->items[i];
	int rc = cli_git(NULL, dir, 0, argv);
	free(argv);
	return rc;
}

/* The member log now (lib/trust: the newest copy the clone sees, kept when remember is set;
 * *log NULL when there is none) and the clone's keys: 0, or the exit code with the
 * diagnostics printed (CF_EXIT_KEY). */
int cli_load_log_keys(cf_mlog **log, cf_trust_pin *pin, cf_keyring **ring, const char *root,
		      const char *git_dir, int remember, cf_diags *diags)
{
	*log = NULL;
	if (ring)
		*ring = NULL;
	git_repository *repo = NULL;
	if (git_libgit2_init() < 0)
		return cli_key_error("casefile", CF_EXIT_USAGE, NULL, NULL, "cannot start libgit2");
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_error_clear();
		repo = NULL;
	}
	int rc = cf_trust_current(log, pin, repo, root, git_dir, remember, diags);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (rc < 0)
		return cli_key_diags(diags, CF_EXIT_KEY);
	if (ring && cf_keystore_load(ring, git_dir, diags) != 0) {
		cf_mlog_free(*log);
		*log = NULL;
		return cli_key_diags(diags, CF_EXIT_KEY);
	}
	return 0;
}

char *cli_identity_path(void)
{
	const char *env = getenv("CASEFILE_IDENTITY");
	if (env && *env)
		return cf_strdup(env);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s/.config/casefile/identity", home);
	return cf_buf_detach(&b);
}

void cli_utc_now(char out[CLI_DATE_BYTES])
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, CLI_DATE_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(out, "1970-01-01T00:00:00Z", CLI_DATE_BYTES);
}

/* cli_git with the arguments listed, ended by NULL. */
int cli_gitv(cf_buf *out, const char *dir, int quiet, ...)
{
	const char *args[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, quiet);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return cli_git(out, dir, quiet, args);
}

/* ---- messages ---- */

/* "casefile: CMD: error[RULE]: message" and a hint line on stderr; returns rc. */
int cli_key_error(const char *cmd, int rc, const char *rule, const char *hint, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "casefile: %s: ", cmd);
	if (rule)
		fprintf(stderr, "error[%s]: ", rule);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (hint)
		fprintf(stderr, "  hint: %s\n", hint);
	return rc;
}

/* Prints the diagnostics a library call left; returns rc. */
int cli_key_diags(const cf_diags *d, int rc)
{
	cli_print_diags(stderr, d);
	return rc;
}

/* ---- the clone ---- */

/* The case repository at or above the current directory and the git directory whose
 * casefile/keys holds the clone's keys (the one the filter uses: cf_source_git_dir). */
int cli_open_clone(char **root, char **git_dir, const char *cmd)
{
	*root = NULL;
	*git_dir = NULL;
	if (cf_repo_discover(root, ".") < 0) {
		fprintf(stderr, "casefile: %s: not a case repository (no %s here or above)\n", cmd,
			CF_CONFIG_PATH);
		fprintf(stderr, "  hint: run it in a case repository, or name one with -C DIR; "
				"`casefile init` makes one\n");
		return CF_EXIT_USAGE;
	}
	*git_dir = cf_source_git_dir(*root);
	if (!*git_dir) {
		fprintf(stderr,
			"casefile: %s: %s is not the top of a git working tree, so it has no place "
			"for keys\n",
			cmd, *root);
		fprintf(stderr, "  hint: `casefile init` makes it a git repository\n");
		free(*root);
		*root = NULL;
		return CF_EXIT_USAGE;
	}
	return 0;
}

/* 1 when this clone runs casefile's filter (filter.casefile.process is set), else 0. */
int cli_filter_configured(const char *root)
{
	cf_buf out = CF_BUF_INIT;
	int rc =
	    cli_gitv(&out, root, 1, "config", "--get", "filter.casefile.process", (char *)NULL);
	int yes = rc == 0 && out.len > 0;
	cf_buf_free(&out);
	return yes;
}

/* The tracked paths matching pathspec, relative to root. */
int cli_list_tracked(cf_strlist *out, const char *root, const char *pathspec)
{
	cf_buf b = CF_BUF_INIT;
	int rc = cli_gitv(&b, root, 0, "ls-files", "-z", "--", pathspec, (char *)NULL);
	if (rc != 0) {
		cf_buf_free(&b);
		return -1;
	}
	for (size_t i = 0; i < b.len;) {
		size_t n = strlen(b.ptr + i);
		if (n && cf_strlist_add(out, b.ptr + i) < 0) {
			cf_buf_free(&b);
			return -1;
		}
		i += n + 1;
	}
	cf_buf_free(&b);
	return 0;
}

/* The names in dir that end in suffix, suffix removed, sorted ("" takes every name); hidden
 * names are left out.  A directory that does not exist is empty. */
int cli_list_names(cf_strlist *out, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	size_t sl = strlen(suffix);
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= sl || strcmp(e->d_name + n - sl, suffix) != 0)
			continue;
		char *name = cf_strndup(e->d_name, n - sl);
		if (!name || cf_strlist_take(out, name) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	cf_strlist_sort(out);
	return rc;
}

/* Reads a public line, or a file holding one; 0 or -1. */
int cli_read_pubkey(cf_pubkeys *pub, const char *arg)
{
	if (cf_pubkeys_parse(pub, arg) == 0)
		return 0;
	if (strncmp(arg, "casefile-pub-", 13) == 0 || !cf_is_file(arg))
		return -1;
	cf_buf b = CF_BUF_INIT;
	int rc = cf_read_file_buf(&b, arg, 4096) == 0 && cf_pubkeys_parse(pub, cf_buf_cstr(&b)) == 0
		     ? 0
		     : -1;
	cf_buf_free(&b);
	return rc;
}

/* "repository", "case 2026-003", or "key 0123456789abcdef (retired)"; 1 for a key the log
 * retired or never made, else 0. */
int cli_describe_key(cf_buf *out, const cf_mlog *log, const unsigned char id[CF_KEYID_BYTES])
{
	const cf_mlog_key *k = cf_mlog_key_by_id(log, id);
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	if (k && !k->retired) {
		if (k->scope)
			cf_buf_printf(out, "case %s", k->scope);
		else
			cf_buf_puts(out, "repository");
		return 0;
	}
	if (k)
		cf_buf_printf(out, "key %s (retired: history only)", hex);
	else
		cf_buf_printf(out, "key %s (not in the member log)", hex);
	return 1;
}

/* ---- passphrases ---- */

void cli_passphrase_free(char *pass)
{
	if (pass)
		sodium_free(pass);
}

/* Reads one line into p (at most PASS_MAX bytes, without its newline); 0, or -1. */
static int read_line_fd(int fd, char *p, size_t *len)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n >= PASS_MAX)
			return -1;
		p[n++] = c;
	}
	if (n && p[n - 1] == '\r')
		n--;
	p[n] = '\0';
	*len = n;
	return 0;
}

static int ask_tty(char *p, size_t *len, const char *prompt)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct termios old, quiet;
	int have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	int rc = write(fd, prompt, strlen(prompt)) < 0 ? -1 : 0;
	if (rc == 0)
		rc = read_line_fd(fd, p, len);
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		rc = -1;
	close(fd);
	return rc;
}

/* A passphrase (sodium_malloc'd: free with cli_passphrase_free) from the first line of file,
 * or typed at the terminal (twice when confirm).  Prints what is wrong and returns an exit
 * code, or 0. */
int cli_passphrase(char **pass, size_t *len, const char *file, const char *prompt, int confirm,
		   const char *cmd)
{
	*pass = NULL;
	*len = 0;
	char *p = sodium_malloc(PASS_MAX + 1);
	if (!p)
		return cli_key_error(cmd, CF_EXIT_KEY, NULL, NULL, "out of memory");
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read_line_fd(fd, p, len) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			sodium_free(p);
			return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					     "cannot read the passphrase from %s: %s", file,
					     fd < 0 ? strerror(e) : "not one line of text");
		}
		close(fd);
	} else {
		if (ask_tty(p, len, prompt) < 0) {
			sodium_free(p);
			return cli_key_error(cmd, CF_EXIT_USAGE, NULL,
					     "give it with --passphrase-file FILE",
					     "no terminal to ask for the passphrase");
		}
		if (confirm) {
			char *again = sodium_malloc(PASS_MAX + 1);
			size_t alen = 0;
			int same = again && ask_tty(again, &alen, "Again: ") == 0 && alen == *len &&
				   sodium_memcmp(again, p, alen) == 0;
			if (again)
				sodium_free(again);
			if (!same) {
				sodium_free(p);
				return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
						     "the passphrases differ");
			}
		}
	}
	if (*len == 0) {
		sodium_free(p);
		return cli_key_error(cmd, CF_EXIT_USAGE, "crypt/passphrase", NULL,
				     "the passphrase is empty");
	}
	*pass = p;
	return 0;
}

/* ---- what git holds under cases/ ---- */

/* Takes the paths back out of the index: to HEAD's version, or untracked in a repository
 * without commits. */
static void unstage(const char *root, const cf_strlist *paths)
{
	int has_head =
	    cli_gitv(NULL, root, 1, "rev-parse", "-q", "--verify", "HEAD", (char *)NULL) == 0;
	const char **args = calloc(paths->n + 6, sizeof(*args));
	if (!args)
		return;
	size_t n = 0;
	if (has_head) {
		args[n++] = "reset";
		args[n++] = "-q";
	} else {
		args[n++] = "rm";
		args[n++] = "-q";
		args[n++] = "--cached";
	}
	args[n++] = "--";
	for (size_t i = 0; i < paths->n; i++)
		args[n++] = paths->items[i];
	args[n] = NULL;
	cli_git(NULL, root, 1, args);
	free(args);
}

/* Every entry of the index under cases/ (only those starting with one of prefixes, when
 * prefixes is non-NULL) must be a casefile blob, encrypted as the member log says (format 2,
 * its case, the case's current key) when log is non-NULL.  The guard behind every command here
 * that stages case files: whatever the filter did, plaintext must not stay staged.  Prints
 * each problem and takes the offending paths out of the index; returns 0 when there was
 * none, else an exit code. */
int cli_check_staged(const char *root, const cf_mlog *log, const cf_strlist *prefixes,
		     const char *cmd)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	cf_strlist bad = CF_STRLIST_INIT;
	int rc = CF_EXIT_KEY;
	int plain = 0;
	if (git_libgit2_init() < 0)
		return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot start libgit2");
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
	    git_repository_index(&index, repo) != 0) {
		const git_error *e = git_error_last();
		cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot read the git index: %s",
			      e ? e->message : "unknown error");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	size_t n = git_index_entrycount(index);
	for (size_t i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		if (!e || strncmp(e->path, "cases/", 6) != 0)
			continue;
		int wanted = !prefixes;
		for (size_t j = 0; prefixes && j < prefixes->n && !wanted; j++)
			wanted =
			    strncmp(e->path, prefixes->items[j], strlen(prefixes->items[j])) == 0;
		if (!wanted)
			continue;
		git_blob *blob = NULL;
		cf_blob_verdict v = CF_BLOB_NOT_BLOB;
		if (git_blob_lookup(&blob, repo, &e->id) == 0) {
			const void *data = git_blob_rawcontent(blob);
			size_t len = (size_t)git_blob_rawsize(blob);
			v = !cf_crypt_is_blob(data, len) ? CF_BLOB_NOT_BLOB
			    : log ? cf_access_judge_blob(log, e->path, data, len, NULL)
				  : CF_BLOB_OK;
			git_blob_free(blob);
		}
		if (v == CF_BLOB_OK)
			continue;
		plain |= v == CF_BLOB_NOT_BLOB;
		if (v == CF_BLOB_NOT_BLOB)
			cli_key_error(cmd, 0, "crypt/format", NULL,
				      "%s was staged as plaintext, not ciphertext", e->path);
		else
			cli_key_error(cmd, 0, "crypt/policy", NULL, "%s was staged %s", e->path,
				      cf_blob_verdict_text(v));
		if (!cf_strlist_contains(&bad, e->path) && cf_strlist_add(&bad, e->path) < 0) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}
	rc = 0;
out:
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (rc == 0 && bad.n) {
		unstage(root, &bad);
		fprintf(stderr,
			"casefile: %s: %zu file%s taken back out of the index; nothing was "
			"committed\n",
			cmd, bad.n, bad.n == 1 ? "" : "s");
		if (plain)
			fprintf(stderr,
				"  hint: check that this clone's filter works (`casefile "
				"init` configures it), then run `git gc --prune=now` to drop "
				"the plaintext objects git wrote\n");
		rc = CF_EXIT_KEY;
	}
	cf_strlist_free(&bad);
	return rc;
}

/* The entries of the index under cases/ that are not casefile blobs (a repository that kept
 * its cases in plaintext before casefile's filter was set up).  0 or -1. */
int cli_index_plaintext(cf_strlist *out, const char *root)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	int rc = -1;
	if (git_libgit2_init() < 0)
		return -1;
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
	    git_repository_index(&index, repo) != 0)
		goto out;
	size_t n = git_index_entrycount(index);
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		git_blob *blob = NULL;
		if (!e || strncmp(e->path, "cases/", 6) != 0 ||
		    git_blob_lookup(&blob, repo, &e->id) != 0)
			continue;
		if (!cf_crypt_is_blob(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) &&
		    !cf_strlist_contains(out, e->path))
			rc = cf_strlist_add(out, e->path);
		git_blob_free(blob);
	}
out:
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* What the working-tree file at path is: 1 a casefile blob (its key id into id), 0 anything
 * else, -1 unreadable.  Reads the fixed header only, and wipes it. */
int cli_cases_private(const char *root)
{
	char *p = cf_path_join(root, "cases");
	struct stat st;
	int rc = 0;
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	if (lstat(p, &st) != 0)
		rc = errno == ENOENT ? 0 : -1;
	else if (S_ISDIR(st.st_mode) && (st.st_mode & 077))
		rc = chmod(p, st.st_mode & 0700);
	free(p);
	return rc;
}

int cli_worktree_blob(unsigned char id[CF_KEYID_BYTES], const char *path)
{
	unsigned char h[CF_CRYPT_HEADER_BYTES];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	struct stat st;
	size_t got = 0;
	int rc = -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	while (got < sizeof(h)) {
		ssize_t r = read(fd, h + got, sizeof(h) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	rc = 0;
	if (got == sizeof(h) && (size_t)st.st_size >= CF_CRYPT_MIN_BLOB &&
	    memcmp(h, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES) == 0 &&
	    (h[CF_CRYPT_MAGIC_BYTES] == CF_CRYPT_VERSION ||
	     h[CF_CRYPT_MAGIC_BYTES] == CF_CRYPT_VERSION_V1)) {
		memcpy(id, h + CF_CRYPT_MAGIC_BYTES + 1, CF_KEYID_BYTES);
		rc = 1;
	}
out:
	sodium_memzero(h, sizeof(h));
	close(fd);
	return rc;
}
