/* casefile hooks install: casefile's git hooks in a clone (pre-commit, pre-merge-commit,
 * pre-push) or in the shared bare repository (pre-receive), and the installer `casefile init` uses
 * too.  See hooks.h.  A hook of someone else's is never overwritten: it is kept as NAME.local and
 * run after ours, so a team's own hooks keep working. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "hooks.h"
#include "strlist.h"

/* The chain script's mark (the same since init first wrote chains), and the line every hook
 * file of ours holds. */
#define HOOK_MARK "# casefile: chained hook"
#define HOOK_OURS "# This hook is casefile's"
#define HOOK_EXE "@CASEFILE@"
#define HOOK_MAX ((size_t)1024 * 1024)

static const char *const clone_hooks[] = {"pre-commit", "commit-msg", "pre-merge-commit",
					  "pre-push"};
static const char *const bare_hooks[] = {"pre-receive"};
_Static_assert(sizeof(clone_hooks) / sizeof(*clone_hooks) <= CLI_HOOKS_MAX &&
		   sizeof(bare_hooks) / sizeof(*bare_hooks) <= CLI_HOOKS_MAX,
	       "cli_hooks holds every hook");

static const char usage_text[] =
    "usage: casefile hooks install [--force]\n"
    "\n"
    "Installs casefile's git hooks where git looks for them (core.hooksPath, when it is set):\n"
    "  in a clone            pre-commit, which refuses a commit that would put a file under\n"
    "                        cases/ into git unencrypted or whose case files have errors;\n"
    "                        commit-msg, which refuses a message naming a person of a case\n"
    "                        the commit changes;\n"
    "                        pre-merge-commit, which does the same for the commit of a\n"
    "                        merge (git 2.24 and newer; older git runs no hook there);\n"
    "                        pre-push, which refuses to push a commit holding such a file\n"
    "  in a bare repository  pre-receive, for the shared repository everyone pushes to: it\n"
    "                        refuses a push holding anything under cases/ that is not\n"
    "                        casefile's ciphertext (it needs no key)\n"
    "The hooks run this casefile (its absolute path is written into them): run this again\n"
    "after casefile moves. A hook already there that is not casefile's is kept, as\n"
    "NAME.local, and still runs after casefile's. Running it again changes nothing.\n"
    "`casefile init` installs the hooks of a clone too.\n"
    "\n"
    "  --force   write the hooks again even when they are up to date; where a hook that is\n"
    "            not casefile's and a NAME.local are both there, keep the hook as NAME.local\n"
    "            and move the old NAME.local to NAME.local.old (no longer run)\n"
    "\n"
    "Exit codes: 0 installed (or installed already), 1 a hook could not be installed, 2 usage\n"
    "error or not a git repository.\n";

/* ---- finding things ---- */

char *cli_self_exe(void)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	return cf_strdup(exe);
}

char *cli_find_data(const char *name, const char *exe, int need_files)
{
	const char *env = getenv("CASEFILE_DATADIR");
	const char *src = getenv("CF_SRCDIR");
	char *bases[4] = {NULL, NULL, NULL, NULL};
	if (env && *env)
		bases[0] = cf_strdup(env);
	if (exe) {
		char *copy = cf_strdup(exe);
		if (copy)
			bases[1] = cf_path_join(dirname(copy), "../share/casefile");
		free(copy);
	}
	if (src && *src)
		bases[2] = cf_strdup(src);
	bases[3] = cf_strdup(CF_SRCDIR);
	char *found = NULL;
	for (size_t i = 0; i < 4 && !found; i++) {
		char *p = bases[i] ? cf_path_join(bases[i], name) : NULL;
		cf_strlist in = CF_STRLIST_INIT;
		if (p && cf_is_dir(p) &&
		    (!need_files || (cli_list_names(&in, p, "") == 0 && in.n > 0)))
			found = p;
		else
			free(p);
		cf_strlist_free(&in);
	}
	for (size_t i = 0; i < 4; i++)
		free(bases[i]);
	return found;
}

char *cli_hooks_dir(const char *dir)
{
	cf_buf hp = CF_BUF_INIT;
	char *hooks = NULL;
	if (cli_gitv(&hp, dir, 1, "rev-parse", "--git-path", "hooks", (char *)NULL) == 0) {
		while (hp.len && (hp.ptr[hp.len - 1] == '\n' || hp.ptr[hp.len - 1] == '\r'))
			hp.ptr[--hp.len] = '\0';
		if (hp.len)
			hooks = hp.ptr[0] == '/' ? cf_strdup(hp.ptr) : cf_path_join(dir, hp.ptr);
	}
	cf_buf_free(&hp);
	return hooks;
}

/* ---- reading hooks ---- */

char *cli_shell_word(const char **pp)
{
	const char *p = *pp;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n') {
		*pp = p;
		return NULL;
	}
	cf_buf w = CF_BUF_INIT;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				cf_buf_putc(&w, *p);
			if (*p)
				p++;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1]))
					p++;
				cf_buf_putc(&w, *p);
			}
			if (*p)
				p++;
		} else if (*p == '\\' && p[1]) {
			cf_buf_putc(&w, p[1]);
			p += 2;
		} else {
			cf_buf_putc(&w, *p++);
		}
	}
	*pp = p;
	char *word = cf_buf_oom(&w) ? NULL : cf_strdup(cf_buf_cstr(&w));
	cf_buf_free(&w);
	return word;
}

cli_hook_kind cli_hook_kind_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? CLI_HOOK_NONE : CLI_HOOK_FOREIGN;
	if (!S_ISREG(st.st_mode))
		return CLI_HOOK_FOREIGN;
	cf_buf b = CF_BUF_INIT;
	cli_hook_kind kind = CLI_HOOK_FOREIGN;
	if (cf_read_file_buf(&b, path, HOOK_MAX) == 0) {
		if (strstr(cf_buf_cstr(&b), HOOK_MARK))
			kind = CLI_HOOK_CHAIN;
		else if (strstr(cf_buf_cstr(&b), HOOK_OURS))
			kind = CLI_HOOK_OURS;
	}
	cf_buf_free(&b);
	return kind;
}

char *cli_hook_program(const char *path)
{
	cf_buf b = CF_BUF_INIT;
	char *exe = NULL;
	if (cf_read_file_buf(&b, path, HOOK_MAX) == 0) {
		const char *p = cf_buf_cstr(&b);
		while (*p && !exe) {
			if (strncmp(p, "casefile=", 9) == 0) {
				const char *q = p + 9;
				exe = cli_shell_word(&q);
			}
			p += strcspn(p, "\n");
			if (*p)
				p++;
		}
	}
	cf_buf_free(&b);
	return exe;
}

/* ---- installing ---- */

/* Our hook: the template at src with the absolute path of exe, as one shell word. */
static int hook_text(cf_buf *out, const char *src, const char *exe)
{
	cf_buf t = CF_BUF_INIT, q = CF_BUF_INIT;
	int rc = -1;
	if (cf_read_file_buf(&t, src, HOOK_MAX) < 0)
		goto out;
	cf_buf_put_shell_word(&q, exe);
	const char *p = cf_buf_cstr(&t);
	const char *m;
	while ((m = strstr(p, HOOK_EXE)) != NULL) {
		cf_buf_put(out, p, (size_t)(m - p));
		cf_buf_puts(out, cf_buf_cstr(&q));
		p = m + strlen(HOOK_EXE);
	}
	cf_buf_puts(out, p);
	rc = cf_buf_oom(out) || cf_buf_oom(&q) ? -1 : 0;
	if (rc < 0)
		errno = ENOMEM;
out:
	cf_buf_free(&t);
	cf_buf_free(&q);
	return rc;
}

/* Hooks that read their input from stdin: the chain gives each hook a copy. */
static int hook_reads_stdin(const char *name)
{
	static const char *const names[] = {
	    "pre-push",	    "pre-receive",	     "post-receive",
	    "post-rewrite", "reference-transaction", "proc-receive"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* The chain: ours (NAME.casefile) first; when it lets the operation through, the hook that
 * was there (NAME.local), if it is still there and executable (git ran it only then). */
static void chain_text(cf_buf *b, const char *name)
{
	cf_buf_printf(b,
		      "#!/bin/sh\n" HOOK_MARK "\n"
		      "# casefile put its %s hook in %s.casefile and the hook that was here\n"
		      "# before in %s.local; both run, casefile's first.\n"
		      "dir=$(dirname \"$0\")\n",
		      name, name, name);
	if (hook_reads_stdin(name))
		cf_buf_printf(b,
			      "input=$(mktemp) || exit 1\n"
			      "trap 'rm -f \"$input\"' EXIT\n"
			      "cat >\"$input\" || exit 1\n"
			      "\"$dir/%s.casefile\" \"$@\" <\"$input\" || exit $?\n"
			      "[ -x \"$dir/%s.local\" ] || exit 0\n"
			      "\"$dir/%s.local\" \"$@\" <\"$input\"\n",
			      name, name, name);
	else
		cf_buf_printf(b,
			      "\"$dir/%s.casefile\" \"$@\" || exit $?\n"
			      "[ -x \"$dir/%s.local\" ] || exit 0\n"
			      "exec \"$dir/%s.local\" \"$@\"\n",
			      name, name, name);
}

/* 1 when the file at path holds exactly want. */
static int same_text(const char *path, const cf_buf *want)
{
	cf_buf b = CF_BUF_INIT;
	int same = cf_read_file_buf(&b, path, HOOK_MAX) == 0 && b.len == want->len &&
		   (b.len == 0 || memcmp(b.ptr, want->ptr, b.len) == 0);
	cf_buf_free(&b);
	return same;
}

/* 1 when the file at path holds exactly want and is executable (git runs it). */
static int file_is(const char *path, const cf_buf *want)
{
	return access(path, X_OK) == 0 && same_text(path, want);
}

static int write_hook(const char *path, const cf_buf *text)
{
	return cf_write_file_atomic(path, text->ptr ? text->ptr : "", text->len, 0755);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Installs one hook (ours: its text) in hooks; *state says what happened.  0 or -1 (errno). */
static int install_hook(cli_hook_state *state, const cf_buf *ours, const char *hooks,
			const char *name, int force)
{
	char *target = cf_path_join(hooks, name);
	cf_buf mine = CF_BUF_INIT, local = CF_BUF_INIT, old = CF_BUF_INIT, chain = CF_BUF_INIT;
	int rc = -1;
	if (!target)
		goto out;
	cf_buf_printf(&mine, "%s.casefile", target);
	cf_buf_printf(&local, "%s.local", target);
	cf_buf_printf(&old, "%s.local.old", target);
	chain_text(&chain, name);
	if (cf_buf_oom(&mine) || cf_buf_oom(&local) || cf_buf_oom(&old) || cf_buf_oom(&chain)) {
		errno = ENOMEM;
		goto out;
	}
	cli_hook_kind kind = cli_hook_kind_of(target);
	rc = 0;
	if (kind == CLI_HOOK_NONE) {
		rc = write_hook(target, ours);
		*state = CLI_HOOK_INSTALLED;
	} else if (kind == CLI_HOOK_OURS || (kind == CLI_HOOK_FOREIGN && same_text(target, ours))) {
		*state = CLI_HOOK_SAME;
		if (force || !file_is(target, ours)) {
			rc = write_hook(target, ours);
			*state = CLI_HOOK_UPDATED;
		}
	} else if (kind == CLI_HOOK_CHAIN && !exists(local.ptr)) {
		/* The hook it chained to is gone: ours alone is enough. */
		rc = write_hook(target, ours);
		if (rc == 0)
			unlink(mine.ptr);
		*state = CLI_HOOK_UPDATED;
	} else if (kind == CLI_HOOK_CHAIN) {
		*state = CLI_HOOK_SAME;
		if (force || !file_is(mine.ptr, ours)) {
			rc = write_hook(mine.ptr, ours);
			*state = CLI_HOOK_UPDATED;
		}
		if (rc == 0 && (force || !file_is(target, &chain))) {
			rc = write_hook(target, &chain);
			*state = CLI_HOOK_UPDATED;
		}
	} else if (exists(local.ptr) && (!force || exists(old.ptr))) {
		/* Someone else's hook and a .local beside it: leave both alone. */
		*state = CLI_HOOK_BLOCKED;
	} else {
		int moved_local = 0;
		if (exists(local.ptr)) {
			if (rename(local.ptr, old.ptr) != 0) {
				rc = -1;
				goto out;
			}
			moved_local = 1;
		}
		if (rename(target, local.ptr) != 0) {
			int e = errno;
			if (moved_local)
				rename(old.ptr, local.ptr);
			errno = e;
			rc = -1;
			goto out;
		}
		if (write_hook(mine.ptr, ours) != 0 || write_hook(target, &chain) != 0) {
			/* Put the hook that was there back where it was. */
			int e = errno;
			unlink(mine.ptr);
			rename(local.ptr, target);
			if (moved_local)
				rename(old.ptr, local.ptr);
			errno = e;
			rc = -1;
			goto out;
		}
		*state = moved_local ? CLI_HOOK_FORCED : CLI_HOOK_CHAINED;
	}
out:
	cf_buf_free(&mine);
	cf_buf_free(&local);
	cf_buf_free(&old);
	cf_buf_free(&chain);
	free(target);
	return rc;
}

int cli_hooks_install(cli_hooks *out, const char *dir, const char *exe, int bare, int force,
		      const char *cmd)
{
	memset(out, 0, sizeof(*out));
	out->bare = bare;
	const char *const *names = bare ? bare_hooks : clone_hooks;
	size_t n = bare ? sizeof(bare_hooks) / sizeof(*bare_hooks)
			: sizeof(clone_hooks) / sizeof(*clone_hooks);
	char *src = cli_find_data("hooks", exe, 1);
	int rc = 0;
	if (!(out->dir = cli_hooks_dir(dir))) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
				   "git cannot say where the hooks of %s go", dir);
		goto out;
	}
	if (!src) {
		out->no_src = 1;
		goto out;
	}
	if (!cf_is_dir(out->dir) && cf_mkdirs(out->dir, 0755) < 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot make %s: %s", out->dir,
				   strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *from = cf_path_join(src, names[i]);
		cf_buf ours = CF_BUF_INIT;
		out->hooks[i].name = names[i];
		out->hooks[i].state = CLI_HOOK_MISSING;
		out->n = i + 1;
		if (!from) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "out of memory");
		} else if (cf_is_file(from) && (hook_text(&ours, from, exe) != 0 ||
						install_hook(&out->hooks[i].state, &ours, out->dir,
							     names[i], force) != 0)) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "cannot install the %s hook in %s: %s", names[i],
					   out->dir, strerror(errno));
		}
		cf_buf_free(&ours);
		free(from);
	}
out:
	free(src);
	if (rc)
		cli_hooks_free(out);
	return rc;
}

void cli_hooks_free(cli_hooks *h)
{
	free(h->dir);
	h->dir = NULL;
	h->n = 0;
}

void cli_hooks_describe(cf_buf *out, const char *name, cli_hook_state state)
{
	cf_buf_puts(out, name);
	switch (state) {
	case CLI_HOOK_SAME:
	case CLI_HOOK_INSTALLED:
		break;
	case CLI_HOOK_UPDATED:
		cf_buf_puts(out, " (updated)");
		break;
	case CLI_HOOK_CHAINED:
		cf_buf_printf(out, " (the one there kept as %s.local, still run)", name);
		break;
	case CLI_HOOK_FORCED:
		cf_buf_printf(out,
			      " (the one there kept as %s.local, still run; the %s.local there "
			      "before moved to %s.local.old, no longer run)",
			      name, name, name);
		break;
	case CLI_HOOK_BLOCKED:
		cf_buf_printf(out, " (NOT installed: %s and %s.local both exist)", name, name);
		break;
	case CLI_HOOK_MISSING:
		cf_buf_puts(out, " (NOT installed: no such hook file comes with this casefile)");
		break;
	}
}

/* ---- casefile hooks install ---- */

static int hooks_install(int argc, char **argv)
{
	int force = 0;
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = 1;
		} else {
			return cli_usage("hooks install", "unknown argument '%s'", argv[i]);
		}
	}
	const char *cmd = "hooks install";
	cf_buf b = CF_BUF_INIT, report = CF_BUF_INIT;
	char *exe = cli_self_exe(), *dir = NULL, *git_dir = NULL;
	cli_hooks h;
	memset(&h, 0, sizeof(h));
	int rc = 0;
	if (!exe) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
				   "cannot find this program's path (/proc/self/exe)");
		goto out;
	}
	if (cli_gitv(&b, ".", 1, "rev-parse", "--is-bare-repository", (char *)NULL) != 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL,
				   "run it in a clone of the case repository, or in the shared "
				   "bare repository (-C DIR names one)",
				   "not in a git repository");
		goto out;
	}
	int bare = strncmp(cf_buf_cstr(&b), "true", 4) == 0;
	if (bare) {
		cf_buf_clear(&b);
		if (cli_gitv(&b, ".", 1, "rev-parse", "--git-dir", (char *)NULL) == 0) {
			while (b.len && b.ptr[b.len - 1] == '\n')
				b.ptr[--b.len] = '\0';
			dir = realpath(cf_buf_cstr(&b), NULL);
		}
		if (!dir) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "cannot find the bare repository's directory");
			goto out;
		}
	} else if ((rc = cli_open_clone(&dir, &git_dir, cmd))) {
		goto out;
	}
	if ((rc = cli_hooks_install(&h, dir, exe, bare, force, cmd)))
		goto out;
	if (h.no_src) {
		rc = cli_key_error(cmd, CF_EXIT_ERRORS, NULL,
				   "reinstall casefile (`make install` puts them in "
				   "PREFIX/share/casefile/hooks), or set CASEFILE_DATADIR to a "
				   "directory holding hooks/",
				   "no hooks installed: casefile's hook files are missing");
		goto out;
	}
	size_t changed = 0, failed = 0;
	for (size_t i = 0; i < h.n; i++) {
		const char *name = h.hooks[i].name;
		switch (h.hooks[i].state) {
		case CLI_HOOK_SAME:
			cf_buf_printf(&report, "  already: %s\n", name);
			break;
		case CLI_HOOK_INSTALLED:
			cf_buf_printf(&report, "  %s: installed\n", name);
			break;
		case CLI_HOOK_UPDATED:
			cf_buf_printf(&report, "  %s: updated\n", name);
			break;
		case CLI_HOOK_CHAINED:
			cf_buf_printf(&report,
				      "  %s: installed; the hook that was there is kept as "
				      "%s.local, and still runs after casefile's\n",
				      name, name);
			break;
		case CLI_HOOK_FORCED:
			cf_buf_printf(&report,
				      "  %s: installed; the hook that was there is kept as "
				      "%s.local, and still runs after casefile's; the %s.local "
				      "there before is now %s.local.old, and no longer runs\n",
				      name, name, name, name);
			break;
		case CLI_HOOK_BLOCKED:
			cf_buf_printf(
			    &report,
			    "  %s: NOT installed: %s and %s.local are both there, and "
			    "neither is casefile's\n"
			    "    hint: look at them; `casefile hooks install --force` keeps "
			    "%s as %s.local (still run) and moves %s.local to "
			    "%s.local.old (no longer run)\n",
			    name, name, name, name, name, name, name);
			break;
		case CLI_HOOK_MISSING:
			cf_buf_printf(&report,
				      "  %s: NOT installed: no %s hook file comes with this "
				      "casefile\n",
				      name, name);
			break;
		}
		changed += h.hooks[i].state != CLI_HOOK_SAME;
		failed +=
		    h.hooks[i].state == CLI_HOOK_BLOCKED || h.hooks[i].state == CLI_HOOK_MISSING;
	}
	if (changed > failed)
		cf_buf_printf(&report, "  the hooks run %s\n", exe);
	printf("casefile: %s: %s%s\n", cmd, h.dir,
	       changed ? "" : ": already installed, nothing changed");
	if (cli_write_stdout(&report) != 0)
		rc = CF_EXIT_USAGE;
	else if (failed)
		rc = CF_EXIT_ERRORS;
out:
	cli_hooks_free(&h);
	cf_buf_free(&b);
	cf_buf_free(&report);
	free(exe);
	free(dir);
	free(git_dir);
	return rc;
}

int cmd_hooks(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	if (strcmp(argv[1], "install") == 0)
		return hooks_install(argc, argv);
	return cli_usage("hooks", "'%s' is not a hooks command (install)", argv[1]);
}
