/* casefile filter-process, clean, smudge, textconv: the entry points git runs to keep cases/
 * encrypted in the repository and plaintext in the working tree (DESIGN.md §6).  What each does
 * with a path is lib/protect's; filter-process speaks git's long-running filter protocol
 * (lib/gitfilter).  Diagnostics go to stderr; stdout carries only what git asked for. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "crypt.h"
#include "fs.h"
#include "gitfilter.h"
#include "protect.h"

static const char filter_process_usage[] =
    "usage: casefile filter-process\n"
    "\n"
    "git's long-running filter for cases/ (git runs it, not you): encrypts case files\n"
    "as git stores them and decrypts them as git checks them out, for one git command.\n"
    "Set up in .git/config by casefile init:\n"
    "  filter.casefile.process = casefile filter-process\n"
    "  filter.casefile.required = true\n"
    "\n"
    "Exit codes: 0 when git closes the pipe, 2 a protocol or I/O error, 3 a key problem.\n";

static const char clean_usage[] =
    "usage: casefile clean PATH < FILE > BLOB\n"
    "\n"
    "Encrypts standard input as git would store the repository path PATH (relative to\n"
    "the top of the working tree): files under cases/ with the key .casefile/access.yaml\n"
    "names for them, which this clone must hold; other files, and input that is already\n"
    "encrypted, unchanged.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 a key or encryption problem.\n";

static const char smudge_usage[] =
    "usage: casefile smudge PATH < BLOB > FILE\n"
    "\n"
    "Decrypts standard input as git would check out the repository path PATH: a file\n"
    "encrypted with a key this clone holds becomes its plaintext; anything else passes\n"
    "unchanged.  A file that was changed after it was encrypted is refused.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 a key or decryption problem.\n";

static const char textconv_usage[] =
    "usage: casefile textconv FILE\n"
    "\n"
    "Prints FILE as plaintext for git diff and git log -p (diff.casefile.textconv):\n"
    "decrypted when this clone holds its key, else one line naming the key.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 a key or decryption problem.\n";

/* ---- the repository git runs us in ---- */

/* The first line of the small file path (without its LF, CR LF or trailing blanks), in
 * plain malloc memory; NULL with errno. */
static char *read_line_file(const char *path)
{
	cf_buf text = CF_BUF_INIT;
	if (cf_read_file_buf(&text, path, 64 * 1024) < 0) {
		cf_buf_free(&text);
		return NULL;
	}
	const char *t = cf_buf_cstr(&text);
	size_t n = strcspn(t, "\n");
	while (n > 0 && (t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	char *line = malloc(n + 1);
	if (line) {
		memcpy(line, t, n);
		line[n] = '\0';
	} else {
		errno = ENOMEM;
	}
	cf_buf_free(&text);
	return line;
}

/* path, made absolute against base when relative, with its symbolic links resolved; NULL
 * with errno. */
static char *resolve_from(const char *base, const char *path)
{
	if (path[0] == '/' || !base)
		return realpath(path, NULL);
	char *joined = cf_path_join(base, path);
	if (!joined) {
		errno = ENOMEM;
		return NULL;
	}
	char *r = realpath(joined, NULL);
	int e = errno;
	free(joined);
	errno = e;
	return r;
}

/* A directory that is a git directory itself (a bare repository): HEAD, objects/, refs/. */
static int is_git_dir(const char *dir)
{
	static const char *const need[] = {"HEAD", "objects", "refs"};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char *p = cf_path_join(dir, need[i]);
		int there = p && access(p, F_OK) == 0;
		free(p);
		if (!there)
			return 0;
	}
	return 1;
}

/* The git directory shared by a linked worktree's git directory and the main one: what its
 * `commondir` file names (relative to it), else git_dir itself.  NULL with errno. */
static char *common_dir(const char *git_dir)
{
	char *file = cf_path_join(git_dir, "commondir");
	if (!file) {
		errno = ENOMEM;
		return NULL;
	}
	char *line = read_line_file(file);
	free(file);
	if (!line || !*line) {
		free(line);
		return cf_strdup(git_dir);
	}
	char *r = resolve_from(git_dir, line);
	free(line);
	return r;
}

/* The working tree (NULL when there is none) and the git directory shared by its worktrees,
 * as git finds them for a filter -- without libgit2, which smudge and textconv do not start.
 * Git runs filters at the top of the working tree, and exports GIT_DIR and GIT_WORK_TREE when
 * it was told them: those win (GIT_DIR alone: the current directory is the top of the tree,
 * unless it is the git directory, as in a bare repository).  Without GIT_DIR the repository is
 * found from the current directory up: a `.git` directory, or a `.git` file saying
 * "gitdir: PATH" (a linked worktree, a submodule), or a directory that is a git directory
 * itself (bare).  A linked worktree's git directory names the common one in `commondir`. */
static int find_repository(char **root, char **git_dir, const char *cmd)
{
	*root = NULL;
	*git_dir = NULL;
	const char *env_dir = getenv("GIT_DIR");
	const char *env_tree = getenv("GIT_WORK_TREE");
	char *cwd = getcwd(NULL, 0), *dir = NULL, *tree = NULL;
	int rc = CF_EXIT_USAGE;
	if (!cwd) {
		fprintf(stderr, "casefile: %s: cannot find the current directory: %s\n", cmd,
			strerror(errno));
		return rc;
	}
	if (env_dir && *env_dir) {
		if (!(dir = resolve_from(cwd, env_dir))) {
			fprintf(stderr, "casefile: %s: GIT_DIR '%s': %s\n", cmd, env_dir,
				strerror(errno));
			goto out;
		}
		if (env_tree && *env_tree) {
			if (!(tree = resolve_from(cwd, env_tree))) {
				fprintf(stderr, "casefile: %s: GIT_WORK_TREE '%s': %s\n", cmd,
					env_tree, strerror(errno));
				goto out;
			}
		} else if (strcmp(cwd, dir) != 0 && !(tree = cf_strdup(cwd))) {
			goto oom;
		}
	} else {
		char *at = cf_strdup(cwd);
		if (!at)
			goto oom;
		for (;;) {
			char *dotgit = cf_path_join(at, ".git");
			if (!dotgit) {
				free(at);
				goto oom;
			}
			if (cf_is_dir(dotgit)) {
				dir = realpath(dotgit, NULL);
				tree = at;
				at = NULL;
			} else if (access(dotgit, F_OK) == 0) {
				char *line = read_line_file(dotgit);
				if (line && strncmp(line, "gitdir:", 7) == 0) {
					const char *g = line + 7;
					g += strspn(g, " \t");
					dir = resolve_from(at, g);
				}
				if (!dir)
					fprintf(stderr,
						"casefile: %s: '%s' does not name a git "
						"directory (gitdir: PATH)\n",
						cmd, dotgit);
				free(line);
				tree = at;
				at = NULL;
				if (!dir) {
					free(dotgit);
					goto out;
				}
			} else if (is_git_dir(at)) {
				dir = at;
				at = NULL;
			}
			free(dotgit);
			if (dir || !at)
				break;
			char *slash = strrchr(at, '/');
			if (!slash || slash == at) {
				if (strcmp(at, "/") == 0)
					break;
				at[1] = '\0'; /* then "/" itself */
				continue;
			}
			*slash = '\0';
		}
		free(at);
		if (!dir) {
			fprintf(stderr,
				"casefile: %s: not in a git repository (no .git in '%s' "
				"or above)\n",
				cmd, cwd);
			goto out;
		}
	}
	if (!(*git_dir = common_dir(dir))) {
		fprintf(stderr, "casefile: %s: the common git directory of '%s': %s\n", cmd, dir,
			strerror(errno));
		goto out;
	}
	*root = tree;
	tree = NULL;
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "casefile: %s: out of memory\n", cmd);
out:
	free(cwd);
	free(dir);
	free(tree);
	return rc;
}

/* Opens the protection policy of the repository; prints what is wrong and returns an exit
 * code, or 0.  No libgit2 here: lib/protect starts it, once, when clean first needs it. */
static int open_protect(cf_protect **out, const char *cmd)
{
	char *root, *git_dir;
	int rc = find_repository(&root, &git_dir, cmd);
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_protect_open(out, root, git_dir, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: %s: cannot read the keys of this clone (see above)\n",
			cmd);
		rc = CF_EXIT_KEY;
	}
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}

/* ---- filter-process ---- */

typedef struct filter_ctx {
	cf_protect *protect;
	cf_diags diags;
} filter_ctx;

static void flush_diags(cf_diags *d)
{
	cli_print_diags(stderr, d);
	fflush(stderr);
	cf_diags_clear(d);
}

static int filter_one(const char **out, size_t *out_len, int smudge, const char *path,
		      const char *in, size_t len, void *arg)
{
	filter_ctx *ctx = arg;
	int rc = smudge ? cf_protect_smudge(out, out_len, ctx->protect, path, in, len, &ctx->diags)
			: cf_protect_clean(out, out_len, ctx->protect, path, in, len, &ctx->diags);
	flush_diags(&ctx->diags);
	return rc;
}

static void filter_notice(const char *path, const char *message, void *arg)
{
	filter_ctx *ctx = arg;
	cf_diag *d =
	    cf_diags_add(&ctx->diags, CF_SEV_ERROR, path, 0, 0, "crypt/format", "%s", message);
	cf_diag_hint(&ctx->diags, d, "case files are small; keep large files out of cases/");
	flush_diags(&ctx->diags);
}

int cmd_filter_process(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	if (argc > 1) {
		if (cli_is_help(argv[1])) {
			fputs(filter_process_usage, stdout);
			return CF_EXIT_OK;
		}
		return cli_usage("filter-process", "takes no arguments");
	}
	/* git closing the pipe must be an error from write, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	filter_ctx ctx = {NULL, CF_DIAGS_INIT};
	int rc = open_protect(&ctx.protect, "filter-process");
	if (rc)
		return rc;
	cf_gitfilter gf = {STDIN_FILENO, STDOUT_FILENO, 0, filter_one, filter_notice, &ctx};
	cf_buf err = CF_BUF_INIT;
	if (cf_gitfilter_run(&gf, &err) < 0) {
		fprintf(stderr, "casefile: filter-process: %s", cf_buf_cstr(&err));
		rc = CF_EXIT_USAGE;
	}
	cf_buf_free(&err);
	cf_diags_free(&ctx.diags);
	cf_protect_free(ctx.protect);
	return rc;
}

/* ---- clean, smudge ---- */

/* Reads all of fd into sodium_malloc memory (it may be case plaintext); NUL-terminated.
 * Returns 0, -1 with errno, or -2 when there is more than max. */
static int read_fd_secure(unsigned char **out, size_t *len, int fd, size_t max)
{
	size_t cap = 64 * 1024, n = 0;
	unsigned char *p = sodium_malloc(cap);
	*out = NULL;
	*len = 0;
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (n > max) {
				sodium_free(p); /* wipes */
				return -2;
			}
			unsigned char *q = sodium_malloc(cap * 2);
			if (!q) {
				sodium_free(p);
				errno = ENOMEM;
				return -1;
			}
			memcpy(q, p, n);
			sodium_free(p);
			p = q;
			cap *= 2;
		}
		ssize_t r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			sodium_free(p);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		sodium_free(p);
		return -2;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

typedef int (*protect_fn)(const char **out, size_t *out_len, cf_protect *p, const char *path,
			  const char *in, size_t len, cf_diags *diags);

/* Runs fn on data and writes its result to stdout; an exit code. */
static int run_one(const char *cmd, protect_fn fn, cf_protect *p, const char *path,
		   const char *data, size_t len)
{
	cf_diags diags = CF_DIAGS_INIT;
	const char *out = NULL;
	size_t out_len = 0;
	int rc = CF_EXIT_OK;
	if (fn(&out, &out_len, p, path, data, len, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		rc = CF_EXIT_KEY;
	} else if (cf_write_all(STDOUT_FILENO, out, out_len) < 0) {
		fprintf(stderr, "casefile: %s: cannot write the output: %s\n", cmd,
			strerror(errno));
		rc = CF_EXIT_USAGE;
	}
	cf_diags_free(&diags);
	return rc;
}

static int one_shot(int argc, char **argv, const char *cmd, const char *usage, protect_fn fn)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(usage, stdout);
		return CF_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '\0')
		return cli_usage(cmd, "needs the repository path of the file, e.g. "
				      "cases/2026-014/case.yaml");
	signal(SIGPIPE, SIG_IGN);
	cf_protect *p = NULL;
	int rc = open_protect(&p, cmd);
	if (rc)
		return rc;
	unsigned char *data = NULL;
	size_t len = 0;
	int r = read_fd_secure(&data, &len, STDIN_FILENO, CF_GITFILTER_MAX_CONTENT);
	if (r == -2) {
		fprintf(stderr,
			"%s: error[crypt/format]: the file is larger than casefile "
			"accepts (%zu MiB)\n",
			argv[1], CF_GITFILTER_MAX_CONTENT >> 20);
		rc = CF_EXIT_KEY;
	} else if (r < 0) {
		fprintf(stderr, "casefile: %s: cannot read standard input: %s\n", cmd,
			strerror(errno));
		rc = CF_EXIT_USAGE;
	} else {
		rc = run_one(cmd, fn, p, argv[1], (const char *)data, len);
		sodium_free(data);
	}
	cf_protect_free(p);
	return rc;
}

int cmd_clean(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	return one_shot(argc, argv, "clean", clean_usage, cf_protect_clean);
}

int cmd_smudge(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	return one_shot(argc, argv, "smudge", smudge_usage, cf_protect_smudge);
}

/* ---- textconv ---- */

int cmd_textconv(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(textconv_usage, stdout);
		return CF_EXIT_OK;
	}
	if (argc != 2)
		return cli_usage("textconv", "needs one file (git names it)");
	signal(SIGPIPE, SIG_IGN);
	cf_protect *p = NULL;
	int rc = open_protect(&p, "textconv");
	if (rc)
		return rc;
	cf_arena *arena = NULL;
	char *data = NULL;
	size_t len = 0;
	int r = cf_arena_new(&arena, 1);
	if (r == 0)
		r = cf_read_file_arena(&data, &len, arena, argv[1], CF_CRYPT_MAX_BLOB);
	if (r == -2) {
		fprintf(stderr,
			"%s: error[crypt/format]: the file is larger than casefile "
			"accepts (%zu MiB)\n",
			argv[1], CF_CRYPT_MAX_BLOB >> 20);
		rc = CF_EXIT_KEY;
	} else if (r < 0) {
		fprintf(stderr, "casefile: textconv: cannot read '%s': %s\n", argv[1],
			strerror(errno));
		rc = CF_EXIT_USAGE;
	} else {
		rc = run_one("textconv", cf_protect_textconv, p, argv[1], data, len);
	}
	cf_arena_free(arena);
	cf_protect_free(p);
	return rc;
}
