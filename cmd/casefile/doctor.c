/* casefile doctor: what is wrong with a clone's set-up, each thing with how to fix it (issue
 * 5).  Each check prints one line, "ok: NAME: ..." or "problem: NAME: ..." followed by
 * "  fix: ..." lines, so a person can act on it and a test can find it by NAME:
 *   git version   2.11 or newer, for the long-running filter protocol; in a clone 2.24 or
 *                 newer, which runs the pre-merge-commit hook
 *   filter        git's filter, diff and merge configuration running a casefile that exists
 *   attributes    git's own view of cases/ (check-attr): filter, diff and merge casefile
 *   hooks         pre-commit, commit-msg, pre-merge-commit and pre-push (pre-receive in a bare
 *                 repository), casefile's
 *   text cache    no decrypted text of case files cached by git (diff.casefile.cachetextconv,
 *                 refs/notes/textconv/casefile), in the bare repository too
 *   commit message
 *                 commit.verbose off, and no plaintext diff of case files in COMMIT_EDITMSG
 *   key store     the clone's key files, readable by their owner only
 *   identity      the member's identity file, readable by its owner only
 *   history       no blob under cases/ in any commit that is not ciphertext (lib/guard)
 *   working tree  cases/ checked out as plaintext where this clone holds the key
 *   case file modes
 *                 no plaintext file under cases/, nor (with plaintext there) a directory,
 *                 readable by everyone (the "other" read bit: a group's access is left to
 *                 the owner); MODES_MAX_ENTRIES entries, MODES_MAX_DEPTH levels down
 * In the shared bare repository it checks git's version, the pre-receive hook, the text
 * cache and the history (it holds no key). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "guard.h"
#include "hooks.h"
#include "keys.h"
#include "source.h"
#include "strlist.h"

#define ATTR_LINE "cases/** filter=casefile diff=casefile merge=casefile"
#define GIT_MIN_MAJOR 2
#define GIT_MIN_MINOR 11
#define GIT_MERGE_HOOK_MAJOR 2 /* pre-merge-commit: git 2.24 */
#define GIT_MERGE_HOOK_MINOR 24
#define COMMITS_SHOWN 20
/* where git caches what diff.casefile.textconv prints, with diff.casefile.cachetextconv */
#define TEXTCONV_NOTES "refs/notes/textconv/casefile"
#define COMMENT_MAX 16 /* the longest core.commentString a scissors line is looked for with */
/* The walk of cases/ for the modes of its files: a case is cases/ID/FILE, its attachments a
 * level or two further down; a clone holds some hundreds of cases. */
#define MODES_MAX_DEPTH 8
#define MODES_MAX_ENTRIES 10000 /* the usage says both */

static const char usage_text[] =
    "usage: casefile doctor\n"
    "\n"
    "Checks this clone's set-up and says what is wrong, and how to fix it, one line each:\n"
    "  git version   2.11 or newer (casefile runs as git's long-running filter); in a\n"
    "                clone 2.24 or newer, which checks merges (pre-merge-commit)\n"
    "  filter        git's configuration runs casefile's filter, diff and merge driver,\n"
    "                and the casefile it names is there\n"
    "  attributes    git sends cases/ through casefile (.gitattributes, and nothing that\n"
    "                overrides it such as .git/info/attributes)\n"
    "  hooks         the pre-commit, commit-msg, pre-merge-commit and pre-push hooks are\n"
    "                casefile's and run a casefile that is there\n"
    "  text cache    git keeps no decrypted text of case files: diff.casefile.cachetextconv\n"
    "                is not true, and there is no refs/notes/textconv/casefile\n"
    "  commit message\n"
    "                commit.verbose is not true, and .git/COMMIT_EDITMSG holds no diff of\n"
    "                case files (`git commit -v` writes one there, in plaintext)\n"
    "  key store     the keys in .git/casefile/keys are readable by you only\n"
    "  identity      your identity (~/.config/casefile/identity) is readable by you only\n"
    "  history       no commit holds a file under cases/ unencrypted\n"
    "  working tree  cases/ is checked out as plaintext where this clone holds the key\n"
    "  case file modes\n"
    "                no plaintext under cases/ is readable by everyone on this computer\n"
    "                (what a group may read is left to you; the first 10000 entries,\n"
    "                to 8 levels down, are looked at)\n"
    "In the shared bare repository it checks git's version, the pre-receive hook, the text\n"
    "cache and the history.\n"
    "\n"
    "Exit codes: 0 nothing wrong, 1 something is (each problem says how to fix it), 2 not in a\n"
    "case repository or git repository.\n";

typedef struct doctor {
	cf_buf out;
	cf_strlist failed; /* the names of the checks that found a problem */
	const char *root;  /* the clone's top directory, or the bare repository */
	const char *git_dir;
	int bare;
	int write_failed; /* stdout could not be written (a closed pipe, a full disk) */
} doctor;

/* Writes what the checks so far found: a check of a long history shows the others first. */
static void emit(doctor *d)
{
	if (cli_write_stdout(&d->out) != 0)
		d->write_failed = 1;
	cf_buf_clear(&d->out);
}

static void put_line(doctor *d, const char *kind, const char *check, const char *fmt, va_list ap)
{
	cf_buf_printf(&d->out, "%s: %s: ", kind, check);
	cf_buf_vprintf(&d->out, fmt, ap);
	cf_buf_putc(&d->out, '\n');
}

static void ok(doctor *d, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ok(doctor *d, const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_line(d, "ok", check, fmt, ap);
	va_end(ap);
}

static void problem(doctor *d, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(doctor *d, const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_line(d, "problem", check, fmt, ap);
	va_end(ap);
	if (!cf_strlist_contains(&d->failed, check) && cf_strlist_add(&d->failed, check) < 0)
		d->out.oom = 1;
}

/* An indented line under a problem: "  fix: ..." (prefix "fix") or "  ..." (prefix NULL). */
static void more(doctor *d, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void more(doctor *d, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	cf_buf_puts(&d->out, "  ");
	if (prefix)
		cf_buf_printf(&d->out, "%s: ", prefix);
	va_start(ap, fmt);
	cf_buf_vprintf(&d->out, fmt, ap);
	va_end(ap);
	cf_buf_putc(&d->out, '\n');
}

/* `git -C dir ARGS` (ended by NULL): its output, trailing newlines removed, malloc'd; NULL
 * when git fails or prints nothing. */
static char *git_value(const char *dir, ...) __attribute__((sentinel));
static char *git_value(const char *dir, ...)
{
	const char *args[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, dir);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 15)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	cf_buf out = CF_BUF_INIT;
	char *v = NULL;
	if (cli_git(&out, dir, 1, args) == 0) {
		while (out.len && (out.ptr[out.len - 1] == '\n' || out.ptr[out.len - 1] == '\r'))
			out.ptr[--out.len] = '\0';
		if (out.len)
			v = cf_buf_detach(&out);
	}
	cf_buf_free(&out);
	return v;
}

/* ---- git version ---- */

static void check_git_version(doctor *d)
{
	char *v = git_value(d->root, "--version", (char *)NULL);
	unsigned major = 0, minor = 0;
	const char *p = v ? strstr(v, "version ") : NULL;
	if (!v) {
		problem(d, "git version", "git cannot be run");
		more(d, "fix", "install git %d.%d or newer", GIT_MIN_MAJOR, GIT_MIN_MINOR);
	} else if (!p || sscanf(p + 8, "%u.%u", &major, &minor) != 2) {
		problem(d, "git version", "cannot tell which version git is: it says '%s'", v);
		more(d, "fix", "install git %d.%d or newer", GIT_MIN_MAJOR, GIT_MIN_MINOR);
	} else if (major < GIT_MIN_MAJOR || (major == GIT_MIN_MAJOR && minor < GIT_MIN_MINOR)) {
		problem(d, "git version",
			"git %s is too old: casefile needs %d.%d or newer, which runs the filter "
			"as one long-running process",
			p + 8, GIT_MIN_MAJOR, GIT_MIN_MINOR);
		more(d, "fix", "install git %d.%d or newer (your system's package manager has it)",
		     GIT_MIN_MAJOR, GIT_MIN_MINOR);
	} else if (!d->bare && (major < GIT_MERGE_HOOK_MAJOR ||
				(major == GIT_MERGE_HOOK_MAJOR && minor < GIT_MERGE_HOOK_MINOR))) {
		/* Commits and pushes are checked; only a clean merge waits until the push. */
		problem(d, "git version",
			"git %s does not run the pre-merge-commit hook: a merge that commits "
			"without a conflict is not checked until it is pushed",
			p + 8);
		more(d, "fix", "install git %d.%d or newer (your system's package manager has it)",
		     GIT_MERGE_HOOK_MAJOR, GIT_MERGE_HOOK_MINOR);
	} else {
		ok(d, "git version", "%s", p + 8);
	}
	free(v);
}

/* ---- filter ---- */

/* Is prog (a path, or a name looked for on PATH) a program that can be run?  1 or 0. */
static int runnable(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	while (*path) {
		size_t n = strcspn(path, ":");
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%.*s/%s", (int)n, path, prog);
		int yes = !cf_buf_oom(&p) && access(p.ptr, X_OK) == 0;
		cf_buf_free(&p);
		if (yes)
			return 1;
		path += n;
		if (*path)
			path++;
	}
	return 0;
}

/* Adds to why what is wrong with a configured command (key = value): the program it runs.
 * The program into *prog (malloc'd) when there is one. */
static void check_command(cf_buf *why, char **prog, const char *key, const char *value)
{
	const char *p = value;
	char *word = cli_shell_word(&p);
	if (!word) {
		cf_buf_printf(why, "%s%s names no program", why->len ? "; " : "", key);
	} else if (!runnable(word)) {
		cf_buf_printf(why, "%s%s runs %s, which %s", why->len ? "; " : "", key, word,
			      access(word, F_OK) == 0 ? "cannot be run" : "is not there");
	}
	if (word && !*prog)
		*prog = word;
	else
		free(word);
}

static void check_filter(doctor *d)
{
	static const char *const commands[] = {"filter.casefile.process", "diff.casefile.textconv",
					       "merge.casefile.driver"};
	cf_buf why = CF_BUF_INIT;
	char *prog = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		char *v = git_value(d->root, "config", "--get", commands[i], (char *)NULL);
		if (!v)
			cf_buf_printf(&why, "%s%s is not set", why.len ? "; " : "", commands[i]);
		else
			check_command(&why, &prog, commands[i], v);
		free(v);
	}
	char *req = git_value(d->root, "config", "--bool", "--get", "filter.casefile.required",
			      (char *)NULL);
	if (!req || strcmp(req, "true") != 0)
		cf_buf_printf(&why,
			      "%sfilter.casefile.required is %s (git would store a case file "
			      "unencrypted when the filter fails)",
			      why.len ? "; " : "", req ? "false" : "not set");
	free(req);
	/* rerere records conflicted files, plaintext, under .git/rr-cache: on when it is set
	 * true, or when it is not set and that directory exists. */
	char *rerere =
	    git_value(d->root, "config", "--bool", "--get", "rerere.enabled", (char *)NULL);
	char *rr = cf_path_join(d->git_dir, "rr-cache");
	if (rerere ? strcmp(rerere, "true") == 0 : (rr && cf_is_dir(rr)))
		cf_buf_printf(&why,
			      "%srerere.enabled is %s (git would keep conflicted case files in "
			      "plaintext under .git/rr-cache)",
			      why.len ? "; " : "",
			      rerere ? "true" : "not set and .git/rr-cache exists");
	free(rerere);
	free(rr);
	if (why.len) {
		problem(d, "filter", "git's configuration in this clone is not casefile's: %s",
			why.ptr);
		more(d, "fix",
		     "run `casefile init` here: it sets what is missing, and leaves what is set up "
		     "as it is");
	} else {
		ok(d, "filter", "git encrypts cases/ with %s (filter, diff and merge driver)",
		   prog ? prog : "casefile");
	}
	free(prog);
	cf_buf_free(&why);
}

/* ---- attributes ---- */

/* 1 when the file at path has a line equal to line. */
static int has_line(const char *path, const char *line)
{
	cf_buf b = CF_BUF_INIT;
	int have = 0;
	if (cf_read_file_buf(&b, path, (size_t)16 * 1024 * 1024) == 0) {
		size_t n = strlen(line);
		const char *p = cf_buf_cstr(&b);
		while (*p && !have) {
			size_t l = strcspn(p, "\n");
			size_t m = l && p[l - 1] == '\r' ? l - 1 : l;
			have = m == n && memcmp(p, line, n) == 0;
			p += l;
			if (*p)
				p++;
		}
	}
	cf_buf_free(&b);
	return have;
}

/* An attribute's value as check-attr prints it, in words. */
static const char *attr_words(const char *val)
{
	if (strcmp(val, "unspecified") == 0)
		return "not set";
	if (strcmp(val, "unset") == 0)
		return "turned off";
	if (strcmp(val, "set") == 0)
		return "set without a driver";
	return val;
}

/* 1 when the file at path mentions cases. */
static int mentions_cases(const char *path)
{
	cf_buf b = CF_BUF_INIT;
	int yes = cf_read_file_buf(&b, path, (size_t)16 * 1024 * 1024) == 0 &&
		  strstr(cf_buf_cstr(&b), "cases") != NULL;
	cf_buf_free(&b);
	return yes;
}

static void check_attributes(doctor *d)
{
	static const char probe[] = "cases/2026-001/case.yaml";
	char *v =
	    git_value(d->root, "check-attr", "filter", "diff", "merge", "--", probe, (char *)NULL);
	cf_buf why = CF_BUF_INIT;
	size_t good = 0;
	const char *p = v ? v : "";
	while (*p) {
		size_t n = strcspn(p, "\n");
		cf_buf l = CF_BUF_INIT;
		cf_buf_put(&l, p, n);
		/* "PATH: ATTR: VALUE" */
		const char *line = cf_buf_cstr(&l);
		const char *a = strstr(line, ": ");
		const char *val = a ? strstr(a + 2, ": ") : NULL;
		if (a && val) {
			int attr_len = (int)(val - (a + 2));
			val += 2;
			if (strcmp(val, "casefile") == 0)
				good++;
			else
				cf_buf_printf(&why, "%s%.*s is %s", why.len ? ", " : "", attr_len,
					      a + 2, attr_words(val));
		}
		cf_buf_free(&l);
		p += n;
		if (*p)
			p++;
	}
	if (!v) {
		problem(d, "attributes",
			"git check-attr failed: cannot tell how git stores cases/");
		more(d, "fix", "check that `git check-attr -a -- %s` works here", probe);
	} else if (good == 3) {
		ok(d, "attributes", "git sends cases/ through casefile (filter, diff and merge)");
	} else {
		char *top = cf_path_join(d->root, ".gitattributes");
		char *info = cf_path_join(d->git_dir, "info/attributes");
		problem(d, "attributes",
			"git does not send cases/ through casefile: %s (git check-attr, asked "
			"about %s)",
			why.len ? why.ptr : "no answer", probe);
		if (info && mentions_cases(info))
			more(d, "fix",
			     "remove the lines about cases/ from %s: they override .gitattributes",
			     info);
		else if (!top || !has_line(top, ATTR_LINE))
			more(d, "fix",
			     "run `casefile init` here: it adds the line '%s' to .gitattributes",
			     ATTR_LINE);
		else
			more(d, "fix",
			     "find what overrides .gitattributes (a .gitattributes under cases/, "
			     "or .git/info/attributes): `git check-attr -a -- %s` shows what git "
			     "sees",
			     probe);
		free(top);
		free(info);
	}
	cf_buf_free(&why);
	free(v);
}

/* ---- hooks ---- */

/* Adds to why what is wrong with the hook NAME in hooks; the casefile it runs into *prog. */
static void check_hook(cf_buf *why, char **prog, const char *hooks, const char *name)
{
	char *path = cf_path_join(hooks, name);
	cf_buf ours = CF_BUF_INIT;
	const char *sep = why->len ? "; " : "";
	if (!path)
		return;
	cf_buf_printf(&ours, "%s.casefile", path);
	cli_hook_kind kind = cli_hook_kind_of(path);
	const char *run = path;
	if (kind == CLI_HOOK_NONE) {
		cf_buf_printf(why, "%s%s is not installed", sep, name);
		goto out;
	} else if (kind == CLI_HOOK_FOREIGN) {
		cf_buf_printf(why, "%s%s is not casefile's, and casefile's is not chained to it",
			      sep, name);
		goto out;
	} else if (access(path, X_OK) != 0) {
		cf_buf_printf(why, "%s%s cannot be run (not executable), so git skips it", sep,
			      name);
		goto out;
	}
	if (kind == CLI_HOOK_CHAIN) {
		run = cf_buf_cstr(&ours);
		if (cli_hook_kind_of(run) != CLI_HOOK_OURS || access(run, X_OK) != 0) {
			cf_buf_printf(why, "%s%s runs %s.casefile, which is %s", sep, name, name,
				      cli_hook_kind_of(run) == CLI_HOOK_NONE   ? "not there"
				      : cli_hook_kind_of(run) != CLI_HOOK_OURS ? "not casefile's"
									       : "not executable");
			goto out;
		}
	}
	char *exe = cli_hook_program(run);
	if (!exe)
		cf_buf_printf(why, "%s%s names no casefile to run", sep, name);
	else if (access(exe, X_OK) != 0)
		cf_buf_printf(why, "%s%s runs %s, which %s", sep, name, exe,
			      access(exe, F_OK) == 0 ? "cannot be run" : "is not there");
	if (exe && !*prog)
		*prog = exe;
	else
		free(exe);
out:
	cf_buf_free(&ours);
	free(path);
}

static void check_hooks(doctor *d)
{
	static const char *const clone_names[] = {"pre-commit", "commit-msg", "pre-merge-commit",
						  "pre-push"};
	static const char *const bare_names[] = {"pre-receive"};
	const char *const *names = d->bare ? bare_names : clone_names;
	size_t n = d->bare ? sizeof(bare_names) / sizeof(*bare_names)
			   : sizeof(clone_names) / sizeof(*clone_names);
	char *hooks = cli_hooks_dir(d->root);
	char *hooks_path = git_value(d->root, "config", "--get", "core.hooksPath", (char *)NULL);
	cf_buf why = CF_BUF_INIT;
	char *prog = NULL;
	if (!hooks) {
		problem(d, "hooks", "git cannot say where this repository's hooks are");
		more(d, "fix", "check that `git rev-parse --git-path hooks` works here");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		check_hook(&why, &prog, hooks, names[i]);
	const char *where = hooks_path ? " (core.hooksPath)" : "";
	if (why.len) {
		problem(d, "hooks", "in %s%s: %s", hooks, where, why.ptr);
		more(d, "fix", "run `casefile hooks install`%s",
		     d->bare ? " in this repository" : "");
	} else {
		ok(d, "hooks", "%s %s (in %s%s)",
		   d->bare ? "pre-receive runs"
			   : "pre-commit, commit-msg, pre-merge-commit and pre-push run",
		   prog ? prog : "casefile", hooks, where);
	}
out:
	cf_buf_free(&why);
	free(prog);
	free(hooks);
	free(hooks_path);
}

/* ---- plaintext git keeps outside the encryption ---- */

/* Where git's configuration sets key (its value git uses): "/home/x/.gitconfig",
 * ".git/config", "the command line"; malloc'd, or NULL. */
static char *config_origin(const char *dir, const char *key)
{
	char *v = git_value(dir, "config", "--show-origin", "--get", key, (char *)NULL);
	char *where = NULL;
	if (v) {
		/* "file:PATH<TAB>VALUE", "command line:<TAB>VALUE" */
		size_t n = strcspn(v, "\t");
		if (n > 5 && strncmp(v, "file:", 5) == 0)
			where = cf_strndup(v + 5, n - 5);
		else if (n > 1)
			where = cf_strndup(v, v[n - 1] == ':' ? n - 1 : n);
	}
	free(v);
	return where;
}

/* Is key set true (the value git uses, from any scope)?  Its origin into *where then. */
static int config_true(const char *dir, const char *key, char **where)
{
	char *v = git_value(dir, "config", "--bool", "--get", key, (char *)NULL);
	int yes = v && strcmp(v, "true") == 0;
	free(v);
	*where = yes ? config_origin(dir, key) : NULL;
	return yes;
}

/* diff.casefile.cachetextconv makes git keep what casefile's textconv prints (the case
 * files decrypted) as notes in refs/notes/textconv/casefile: plaintext, and a ref a push of
 * every ref sends.  In the bare repository only the ref is looked for (it was pushed). */
static void check_text_cache(doctor *d)
{
	char *where = NULL;
	int cache = !d->bare && config_true(d->root, "diff.casefile.cachetextconv", &where);
	cf_buf refs = CF_BUF_INIT;
	int listed = cli_gitv(&refs, d->root, 1, "for-each-ref", "--format=%(refname)",
			      TEXTCONV_NOTES, (char *)NULL) == 0 &&
		     !cf_buf_oom(&refs);
	int notes = listed && refs.len > 0;
	if (!listed) {
		problem(d, "text cache", "git cannot list the refs: cannot tell whether %s exists",
			TEXTCONV_NOTES);
		more(d, "fix", "check that `git for-each-ref %s` works here", TEXTCONV_NOTES);
	} else if (d->bare && notes) {
		problem(d, "text cache",
			"this repository holds %s: the decrypted text of case files, in plaintext "
			"(a clone's cache of casefile's textconv, pushed here)",
			TEXTCONV_NOTES);
		more(d, "fix",
		     "treat it as a possible data breach: follow the partnership's procedure and "
		     "tell its data protection lead");
		more(d, "fix",
		     "remove it: `git update-ref -d %s && git reflog expire --expire=now --all && "
		     "git gc --prune=now`; in the clone that pushed it, `casefile doctor` says how "
		     "to stop the cache",
		     TEXTCONV_NOTES);
	} else if (cache || notes) {
		cf_buf why = CF_BUF_INIT;
		if (cache)
			cf_buf_printf(&why,
				      "diff.casefile.cachetextconv is true (set in %s): git keeps "
				      "the decrypted text of each case file it diffs in %s",
				      where ? where : "git's configuration", TEXTCONV_NOTES);
		if (notes && cache)
			cf_buf_puts(&why, "; that ref exists: it holds such text now");
		else if (notes)
			cf_buf_printf(&why, "%s exists: it holds the decrypted text of case files",
				      TEXTCONV_NOTES);
		problem(d, "text cache", "%s", cf_buf_cstr(&why));
		more(d, NULL,
		     "those notes are plaintext outside casefile's encryption, and a push of every "
		     "ref (`git push --mirror`, or of refs/notes/*) sends them to the server");
		if (cache)
			more(d, "fix", "run `git config diff.casefile.cachetextconv false`");
		if (notes) {
			more(d, "fix",
			     "run `git update-ref -d %s && git gc --prune=now`: the ref goes, then "
			     "the plaintext it kept in .git/objects",
			     TEXTCONV_NOTES);
			more(
			    d, "fix",
			    "if it has been pushed, treat it as a possible data breach: follow the "
			    "partnership's procedure and tell its data protection lead; `casefile "
			    "doctor` in the shared repository says how to remove it there");
		}
		cf_buf_free(&why);
	} else {
		ok(d, "text cache",
		   d->bare
		       ? "no %s (no clone has pushed its cache of decrypted case files)"
		       : "git keeps no decrypted text of case files (diff.casefile.cachetextconv "
			 "is not true, and there is no %s)",
		   TEXTCONV_NOTES);
	}
	cf_buf_free(&refs);
	free(where);
}

/* A scissors line of `git commit -v`: a comment character (core.commentChar, or the string
 * of core.commentString), a space and the line.  1 or 0. */
static int is_scissors(const char *line, size_t len)
{
	static const char cut[] = " ------------------------ >8 ------------------------";
	size_t n = sizeof(cut) - 1;
	if (len <= n || len - n > COMMENT_MAX || memcmp(line + len - n, cut, n) != 0)
		return 0;
	for (size_t i = 0; i < len - n; i++)
		if (line[i] == ' ' || line[i] == '\t')
			return 0;
	return 1;
}

/* The diff of a file under cases/: "diff --git a/cases/...", or with another one-letter
 * prefix (diff.mnemonicPrefix: "c/", "i/", "w/"), or none (diff.noPrefix). */
static int is_case_diff(const char *line)
{
	static const char head[] = "diff --git ";
	if (strncmp(line, head, sizeof(head) - 1) != 0)
		return 0;
	const char *p = line + sizeof(head) - 1;
	if (*p == '"')
		p++;
	if (p[0] && p[0] != '/' && p[1] == '/')
		p += 2;
	return strncmp(p, "cases/", 6) == 0;
}

/* Does the message file at path hold a diff of case files below a scissors line?  1 (the
 * scissors line's offset into *cut), 0, or -1 with errno set (0: no such file). */
static int editmsg_has_case_diff(const char *path, long *cut)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long off = 0, scissors = -1;
	int found = 0;
	while (!found && (got = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (scissors < 0 && is_scissors(line, len))
			scissors = off;
		else if (scissors >= 0 && is_case_diff(line))
			found = 1;
		off += (long)got;
	}
	int err = ferror(f) ? errno : 0;
	free(line);
	fclose(f);
	if (err) {
		errno = err;
		return -1;
	}
	if (found)
		*cut = scissors;
	return found;
}

/* `git commit -v` (or commit.verbose) puts the staged diff below the message it asks for,
 * through casefile's textconv: the case files' changes in plaintext, in COMMIT_EDITMSG,
 * which git leaves on disk after the commit.  It is not pushed: it stays on this disk. */
static void check_commit_message(doctor *d)
{
	char *where = NULL;
	int verbose = config_true(d->root, "commit.verbose", &where);
	char *rel = git_value(d->root, "rev-parse", "--git-path", "COMMIT_EDITMSG", (char *)NULL);
	char *path = rel ? (rel[0] == '/' ? cf_strdup(rel) : cf_path_join(d->root, rel)) : NULL;
	cf_buf why = CF_BUF_INIT, q = CF_BUF_INIT;
	long cut = 0;
	int diff = 0, unreadable = 0;
	if (!path) {
		cf_buf_printf(&why, "git cannot say where its commit message file is");
	} else {
		cf_buf_put_shell_word(&q, path);
		diff = editmsg_has_case_diff(path, &cut);
		if (diff < 0) {
			unreadable = errno;
			diff = 0;
		}
	}
	if (verbose)
		cf_buf_printf(
		    &why,
		    "%scommit.verbose is true (set in %s): `git commit` writes the staged "
		    "diff of the case files, decrypted by casefile's textconv, into %s",
		    why.len ? "; " : "", where ? where : "git's configuration",
		    path ? path : ".git/COMMIT_EDITMSG");
	if (diff && verbose)
		cf_buf_puts(&why, "; it holds such a diff now, below its scissors line");
	else if (diff)
		cf_buf_printf(
		    &why,
		    "%s holds a diff of case files in plaintext (below its scissors line, "
		    "from `git commit -v`)",
		    path);
	if (unreadable)
		cf_buf_printf(&why, "%scannot read %s: %s", why.len ? "; " : "", path,
			      strerror(unreadable));
	if (why.len) {
		problem(d, "commit message", "%s", cf_buf_cstr(&why));
		if (verbose || diff)
			more(d, NULL,
			     "git leaves that file on this disk, unencrypted, after the commit "
			     "(it is not pushed; anyone who can read .git can read it)");
		if (verbose)
			more(d, "fix",
			     "run `git config commit.verbose false` (and do not use "
			     "`git commit -v`: it does the same)");
		if (diff) {
			more(d, "fix", "run `rm %s` (git writes it again at the next commit)",
			     cf_buf_cstr(&q));
			more(d, "fix",
			     "or, to keep the message above the diff, `truncate -s %ld %s`", cut,
			     cf_buf_cstr(&q));
		}
		if (unreadable)
			more(d, "fix", "check the permissions of %s (`ls -l %s`)", path,
			     cf_buf_cstr(&q));
		if (!path)
			more(d, "fix",
			     "check that `git rev-parse --git-path COMMIT_EDITMSG` works");
	} else {
		ok(d, "commit message",
		   "commit.verbose is not true, and %s holds no diff of case files",
		   path ? path : ".git/COMMIT_EDITMSG");
	}
	cf_buf_free(&why);
	cf_buf_free(&q);
	free(path);
	free(rel);
	free(where);
}

/* ---- key files ---- */

static void check_keys(doctor *d)
{
	char *store = cf_keystore_dir(d->git_dir);
	cf_strlist names = CF_STRLIST_INIT;
	cf_buf loose = CF_BUF_INIT, files = CF_BUF_INIT;
	struct stat st;
	size_t keys = 0;
	if (!store)
		return;
	if (lstat(store, &st) != 0) {
		ok(d, "key store", "this clone holds no keys (`casefile unlock` installs yours)");
		goto out;
	}
	int dir_loose = S_ISDIR(st.st_mode) && (st.st_mode & 077);
	if (dir_loose)
		cf_buf_printf(&loose, "%s is mode %04o", store, (unsigned)(st.st_mode & 07777));
	if (S_ISDIR(st.st_mode) && cli_list_names(&names, store, "") == 0) {
		for (size_t i = 0; i < names.n; i++) {
			char *f = cf_path_join(store, names.items[i]);
			struct stat fs;
			if (f && lstat(f, &fs) == 0 && S_ISREG(fs.st_mode)) {
				keys++;
				if (fs.st_mode & 077) {
					cf_buf_printf(&loose, "%s%s is mode %04o",
						      loose.len ? ", " : "", f,
						      (unsigned)(fs.st_mode & 07777));
					cf_buf_putc(&files, ' ');
					cf_buf_put_shell_word(&files, f);
				}
			}
			free(f);
		}
	}
	if (loose.len) {
		problem(d, "key store", "other users on this computer can read the keys: %s",
			loose.ptr);
		if (dir_loose) {
			cf_buf c = CF_BUF_INIT;
			cf_buf_put_shell_word(&c, store);
			more(d, "fix", "run `chmod 700 %s`", cf_buf_cstr(&c));
			cf_buf_free(&c);
		}
		if (files.len)
			more(d, "fix", "run `chmod 600%s`", files.ptr);
	} else {
		ok(d, "key store", "%zu key%s in %s, readable by you only", keys,
		   keys == 1 ? "" : "s", store);
	}
out:
	cf_strlist_free(&names);
	cf_buf_free(&loose);
	cf_buf_free(&files);
	free(store);
}

static void check_identity(doctor *d)
{
	char *path = cli_identity_path();
	struct stat st;
	if (!path) {
		ok(d, "identity", "none (HOME is not set); `casefile keygen` makes one");
	} else if (lstat(path, &st) != 0) {
		ok(d, "identity",
		   "none at %s (`casefile keygen` makes one; you need it to unlock the keys sealed "
		   "to you)",
		   path);
	} else if (st.st_mode & 077) {
		cf_buf c = CF_BUF_INIT;
		cf_buf_put_shell_word(&c, path);
		problem(d, "identity",
			"%s is mode %04o: other users on this computer can read your identity",
			path, (unsigned)(st.st_mode & 07777));
		more(d, "fix", "run `chmod 600 %s`", cf_buf_cstr(&c));
		cf_buf_free(&c);
	} else {
		ok(d, "identity", "%s, readable by you only", path);
	}
	free(path);
}

/* ---- history ---- */

/* "abc1234 subject" of a commit (hex id). */
static void put_commit(cf_buf *out, git_repository *repo, const char *hex)
{
	git_oid oid;
	git_commit *c = NULL;
	git_buf shortid = {NULL, 0, 0};
	if (git_oid_fromstr(&oid, hex) == 0 && git_commit_lookup(&c, repo, &oid) == 0 &&
	    git_object_short_id(&shortid, (const git_object *)c) == 0) {
		const char *s = git_commit_summary(c);
		cf_buf_printf(out, "%s %s", shortid.ptr, s ? s : "");
	} else {
		cf_buf_printf(out, "%.12s", hex);
	}
	git_buf_dispose(&shortid);
	git_commit_free(c);
}

/* Is the blob at path in commit c one lib/guard refuses?  1, 0, or -1 (no such blob). */
static int bad_blob_at(git_repository *repo, git_commit *c, const char *path,
		       const cf_keyring *ring, cf_arena *scratch, cf_strlist *seen_bad,
		       cf_strlist *seen_good)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc = -1;
	char hex[GIT_OID_HEXSZ + 1];
	if (git_commit_tree(&tree, c) != 0 || git_tree_entry_bypath(&e, tree, path) != 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		goto out;
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
	if (cf_strlist_contains(seen_bad, hex)) {
		rc = 1;
	} else if (cf_strlist_contains(seen_good, hex)) {
		rc = 0;
	} else if (git_blob_lookup(&blob, repo, git_tree_entry_id(e)) == 0) {
		cf_diags tmp = CF_DIAGS_INIT;
		rc = cf_guard_blob(path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				   ring, scratch, &tmp) != 0;
		cf_diags_free(&tmp);
		if (cf_strlist_add(rc ? seen_bad : seen_good, hex) < 0)
			rc = -1;
	}
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc;
}

/* The oldest commit on HEAD's history holding one of the bad blobs at one of paths (by the
 * guard's judgement); into *first.  1 found, 0 none, -1 cannot tell. */
static int first_bad_on_head(git_oid *first, git_repository *repo, const cf_diags *bad,
			     const cf_keyring *ring)
{
	git_revwalk *walk = NULL;
	cf_arena *scratch = NULL;
	cf_strlist seen_bad = CF_STRLIST_INIT, seen_good = CF_STRLIST_INIT;
	int found = -1;
	if (git_revwalk_new(&walk, repo) != 0 || cf_arena_new(&scratch, 1) != 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) != 0 ||
	    git_revwalk_push_head(walk) != 0)
		goto out;
	git_oid oid;
	found = 0;
	while (!found && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo, &oid) != 0)
			continue;
		for (size_t i = 0; i < bad->len && !found; i++)
			if (bad_blob_at(repo, c, bad->items[i].file, ring, scratch, &seen_bad,
					&seen_good) == 1) {
				*first = oid;
				found = 1;
			}
		git_commit_free(c);
	}
out:
	cf_strlist_free(&seen_bad);
	cf_strlist_free(&seen_good);
	cf_arena_free(scratch);
	git_revwalk_free(walk);
	return found;
}

/* Is the commit hex reachable from (or equal to) tip?  1 or 0. */
static int holds(git_repository *repo, const git_oid *tip, const char *hex)
{
	git_oid c;
	if (git_oid_fromstr(&c, hex) != 0)
		return 0;
	return git_oid_equal(tip, &c) || git_graph_descendant_of(repo, tip, &c) == 1;
}

/* The remote-tracking branches ("origin/main") that hold one of commits. */
static void remotes_holding(cf_buf *out, git_repository *repo, const cf_strlist *commits)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	if (git_reference_iterator_glob_new(&it, repo, "refs/remotes/*") != 0)
		return;
	while (git_reference_next(&ref, it) == 0) {
		const git_oid *tip = git_reference_target(ref);
		int yes = 0;
		for (size_t i = 0; tip && i < commits->n && i < COMMITS_SHOWN * 5 && !yes; i++)
			yes = holds(repo, tip, commits->items[i]);
		if (yes)
			cf_buf_printf(out, "%s%s", out->len ? ", " : "",
				      git_reference_shorthand(ref));
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
}

static void history_fix(doctor *d, git_repository *repo, const cf_diags *bad,
			const cf_strlist *commits, const cf_keyring *ring)
{
	cf_buf remotes = CF_BUF_INIT;
	remotes_holding(&remotes, repo, commits);
	if (remotes.len)
		more(d, NULL, "already pushed: %s hold%s them", remotes.ptr,
		     strchr(remotes.ptr, ',') ? "" : "s");
	else if (!d->bare)
		more(d, NULL,
		     "no remote-tracking branch holds them: as far as this clone knows, they have "
		     "not been pushed");
	if (d->bare) {
		more(d, "fix",
		     "this repository already holds them: treat it as a possible data breach, "
		     "follow the partnership's procedure and tell its data protection lead");
		more(d, "fix",
		     "the clone that pushed them rewrites them (`casefile doctor` there says how) "
		     "and pushes with --force; then remove them here: `git reflog expire "
		     "--expire=now --all && git gc --prune=now`");
		cf_buf_free(&remotes);
		return;
	}
	more(d, "fix", "do not push these commits (casefile's pre-push hook refuses to)");
	more(d, "fix",
	     "if they have been pushed%s, treat it as a possible data breach: follow the "
	     "partnership's procedure and tell its data protection lead; the copies on the "
	     "remote must be removed there too",
	     remotes.len ? " (they have)" : "");
	git_oid first;
	int head = git_repository_head_unborn(repo) == 0;
	int found = head ? first_bad_on_head(&first, repo, bad, ring) : 0;
	if (found == 1) {
		git_commit *c = NULL;
		git_buf shortid = {NULL, 0, 0};
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &first);
		const char *id = hex;
		int root = 0;
		if (git_commit_lookup(&c, repo, &first) == 0) {
			root = git_commit_parentcount(c) == 0;
			if (git_object_short_id(&shortid, (const git_object *)c) == 0)
				id = shortid.ptr;
		}
		if (root)
			more(d, "fix",
			     "once the filter is set up (the checks above), make the commits again "
			     "with the files encrypted: `git update-ref -d HEAD` (the branch "
			     "starts again; every change since %s stays staged), `git add "
			     "--renormalize cases/`, `git commit`",
			     id);
		else
			more(
			    d, "fix",
			    "once the filter is set up (the checks above), make the commits again "
			    "with the files encrypted: `git reset --soft %s^` (the commits from %s "
			    "on become one; their changes stay staged), `git add --renormalize "
			    "cases/`, `git commit`",
			    id, id);
		git_buf_dispose(&shortid);
		git_commit_free(c);
	} else {
		more(
		    d, "fix",
		    "once the filter is set up (the checks above), make the commits again with the "
		    "files encrypted: check out the branch that holds them, `git reset --soft "
		    "FIRST^` (FIRST: the oldest of them), `git add --renormalize cases/`, `git "
		    "commit`");
	}
	int elsewhere = 0;
	for (size_t i = 0; i < commits->n && !elsewhere && head; i++) {
		git_reference *h = NULL;
		if (git_repository_head(&h, repo) == 0 && git_reference_target(h))
			elsewhere = !holds(repo, git_reference_target(h), commits->items[i]);
		git_reference_free(h);
	}
	if (elsewhere)
		more(d, "fix",
		     "some of them are not on the branch checked out: do the same on the branch "
		     "that holds them (`git branch -a --contains ID` names it), or, in the stash, "
		     "`git stash drop` the entry");
	more(d, "fix",
	     "then remove the old commits' plaintext from this clone: `git reflog expire "
	     "--expire=now --all && git gc --prune=now`");
	cf_buf_free(&remotes);
}

static void check_history(doctor *d, const cf_keyring *ring)
{
	git_repository *repo = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_strlist commits = CF_STRLIST_INIT;
	/* cf_guard_open initialises libgit2; its shutdown is ours once the repository is. */
	if (cf_guard_open(&repo, d->root, &diags) != 0) {
		problem(d, "history", "cannot open the repository: %s",
			diags.len ? diags.items[0].message : "libgit2 failed");
		more(d, "fix", "`git fsck` says whether the repository is damaged");
		goto out;
	}
	const char *tips[] = {"HEAD"};
	cf_guard_range range = {
	    tips, git_repository_head_unborn(repo) == 0 ? 1 : 0, "refs/*", NULL, 0, NULL};
	int rc = cf_guard_history(repo, &range, ring, &commits, &diags);
	if (rc == 0) {
		ok(d, "history", "every file under cases/ in every commit is encrypted");
	} else if (rc == 1) {
		size_t plain = 0;
		for (size_t i = 0; i < diags.len; i++)
			plain += strcmp(diags.items[i].rule, "crypt/plaintext") == 0;
		problem(d, "history",
			"%zu file%s under cases/ %s stored in git %s, in %zu commit%s:", diags.len,
			diags.len == 1 ? "" : "s", diags.len == 1 ? "is" : "are",
			plain == diags.len ? "unencrypted" : "unencrypted or damaged", commits.n,
			commits.n == 1 ? "" : "s");
		cf_buf text = CF_BUF_INIT;
		for (size_t i = 0; i < diags.len; i++) {
			/* The fix lines below say what to do, for all of them at once. */
			cf_diag x = diags.items[i];
			x.hint = NULL;
			cf_diag_format_text(&text, &x);
		}
		const char *p = cf_buf_cstr(&text);
		while (*p) {
			size_t n = strcspn(p, "\n");
			more(d, NULL, "%.*s", (int)n, p);
			p += n;
			if (*p)
				p++;
		}
		cf_buf_free(&text);
		more(d, NULL, "the commit%s holding them:", commits.n == 1 ? "" : "s");
		for (size_t i = 0; i < commits.n && i < COMMITS_SHOWN; i++) {
			cf_buf c = CF_BUF_INIT;
			put_commit(&c, repo, commits.items[i]);
			more(d, NULL, "  %s", cf_buf_cstr(&c));
			cf_buf_free(&c);
		}
		if (commits.n > COMMITS_SHOWN)
			more(d, NULL, "  and %zu more", commits.n - COMMITS_SHOWN);
		history_fix(d, repo, &diags, &commits, ring);
	} else if (rc == -2) {
		problem(d, "history", "out of memory while reading the history");
	} else {
		problem(d, "history", "cannot read the history: %s",
			diags.len ? diags.items[0].message : "libgit2 failed");
		more(d, "fix", "`git fsck` says whether the repository is damaged");
	}
out:
	cf_strlist_free(&commits);
	cf_diags_free(&diags);
	if (repo) {
		git_repository_free(repo);
		git_libgit2_shutdown();
	}
}

/* ---- the working tree ---- */

static void check_worktree(doctor *d, const cf_keyring *ring)
{
	cf_strlist files = CF_STRLIST_INIT;
	size_t held = 0, locked = 0;
	const char *example = NULL;
	if (cli_list_tracked(&files, d->root, "cases") < 0) {
		problem(d, "working tree", "git cannot list the files under cases/");
		more(d, "fix", "check that `git ls-files cases` works here");
		goto out;
	}
	for (size_t i = 0; i < files.n; i++) {
		unsigned char id[CF_KEYID_BYTES];
		char *path = cf_path_join(d->root, files.items[i]);
		if (path && cli_worktree_blob(id, path) == 1) {
			if (ring && cf_keyring_find(ring, id)) {
				held++;
				if (!example)
					example = files.items[i];
			} else {
				locked++;
			}
		}
		free(path);
	}
	if (held) {
		problem(
		    d, "working tree",
		    "%zu file%s under cases/ (%s%s) %s still encrypted, though this clone holds "
		    "the key",
		    held, held == 1 ? "" : "s", example, held > 1 ? " ..." : "",
		    held == 1 ? "is" : "are");
		more(d, "fix", "run `casefile unlock`: it checks cases/ out again as plaintext");
	} else if (locked) {
		ok(d, "working tree",
		   "%zu file%s under cases/ %s locked: encrypted with keys this clone does not "
		   "hold",
		   locked, locked == 1 ? "" : "s", locked == 1 ? "is" : "are");
	} else {
		ok(d, "working tree", "cases/ is checked out as plaintext (%zu file%s)", files.n,
		   files.n == 1 ? "" : "s");
	}
out:
	cf_strlist_free(&files);
}

/* ---- who else can read cases/ ---- */

/* What the walk of cases/ found: the plaintext files and the directories everyone may read
 * (the "other" read bit: a group's access is the owner's choice, and is left alone). */
typedef struct modes_walk {
	const char *root;
	size_t entries;	   /* looked at, at most MODES_MAX_ENTRIES */
	size_t plain;	   /* files that are not ciphertext */
	size_t open_files; /* of them, readable by everyone */
	size_t open_dirs;  /* directories everyone can list */
	cf_buf first_file; /* "cases/2026-001/case.yaml is mode 0644" */
	cf_buf first_dir;
	cf_buf error; /* the first entry that could not be looked at, and why */
	int cut;      /* stopped at MODES_MAX_ENTRIES */
	int deep;     /* a directory MODES_MAX_DEPTH levels down not looked into */
	int oom;
} modes_walk;

static void modes_error(modes_walk *w, const char *rel, int err)
{
	if (!w->error.len)
		cf_buf_printf(&w->error, "%s: %s", rel, strerror(err));
}

static void modes_mode(cf_buf *first, size_t *count, const char *rel, mode_t mode)
{
	if (!*count)
		cf_buf_printf(first, "%s is mode %04o", rel, (unsigned)(mode & 07777));
	(*count)++;
}

static void modes_file(modes_walk *w, const char *rel, mode_t mode, int reach)
{
	unsigned char id[CF_KEYID_BYTES];
	char *path = cf_path_join(w->root, rel);
	if (!path) {
		w->oom = 1;
		return;
	}
	/* unreadable (-1): it may be plaintext */
	if (cli_worktree_blob(id, path) != 1) {
		w->plain++;
		if (reach && (mode & S_IROTH))
			modes_mode(&w->first_file, &w->open_files, rel, mode);
	}
	free(path);
}

/* The directory open at fd (rel from the top of the clone, depth levels below cases/):
 * each entry by lstat, never following a link; fd is closed.  reach: other users can get to
 * its entries (it and every directory above it searchable by them): what a mode lets them
 * do counts only then. */
static void modes_dir(modes_walk *w, int fd, const char *rel, int depth, int reach)
{
	DIR *dir = fdopendir(fd);
	cf_strlist names = CF_STRLIST_INIT;
	if (!dir) {
		modes_error(w, rel, errno);
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(dir);
		if (!e) {
			if (errno)
				modes_error(w, rel, errno);
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (cf_strlist_add(&names, e->d_name) < 0) {
			w->oom = 1;
			break;
		}
		if (names.n > MODES_MAX_ENTRIES)
			break; /* more than the walk looks at */
	}
	cf_strlist_sort(&names);
	for (size_t i = 0; i < names.n && !w->oom; i++) {
		if (w->entries >= MODES_MAX_ENTRIES) {
			w->cut = 1;
			break;
		}
		w->entries++;
		const char *name = names.items[i];
		char *sub = cf_path_join(rel, name);
		struct stat st;
		if (!sub) {
			w->oom = 1;
		} else if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			modes_error(w, sub, errno);
		} else if (S_ISDIR(st.st_mode)) {
			if (reach && (st.st_mode & S_IROTH))
				modes_mode(&w->first_dir, &w->open_dirs, sub, st.st_mode);
			if (depth + 1 > MODES_MAX_DEPTH) {
				w->deep = 1;
			} else {
				int subfd = openat(dirfd(dir), name,
						   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (subfd < 0)
					modes_error(w, sub, errno);
				else
					modes_dir(w, subfd, sub, depth + 1,
						  reach && (st.st_mode & S_IXOTH));
			}
		} else if (S_ISREG(st.st_mode)) {
			modes_file(w, sub, st.st_mode, reach);
		}
		free(sub);
	}
	cf_strlist_free(&names);
	closedir(dir);
}

/* What the walk left out: "only the first 10000 entries were looked at", ... */
static void modes_limits(cf_buf *out, const modes_walk *w)
{
	if (w->cut)
		cf_buf_printf(out, "only the first %d entries were looked at%s", MODES_MAX_ENTRIES,
			      w->deep ? ", and " : "");
	if (w->deep)
		cf_buf_printf(out, "nothing more than %d levels below cases/ was looked at",
			      MODES_MAX_DEPTH);
}

/* 1 when other users can get into dir: it and every directory above it searchable by them
 * (a home directory of mode 0700 keeps everything under it from them, whatever its modes). */
static int others_reach(const char *dir)
{
	char *p = realpath(dir, NULL);
	int reach = 1;
	if (!p)
		return 1; /* cannot tell: judge by the modes below */
	for (;;) {
		struct stat st;
		if (stat(p, &st) != 0 || !(st.st_mode & S_IXOTH)) {
			reach = stat(p, &st) != 0;
			break;
		}
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
	return reach;
}

/* In the working tree of an unlocked clone cases/ holds the case files in plaintext: a mode
 * that lets everyone read them (git checks files out with the umask, 0022 by default) gives
 * them to every user of the computer.  Only plaintext counts: a locked clone's ciphertext
 * may be read by anyone; directories count when there is plaintext under cases/. */
static void check_case_modes(doctor *d)
{
	static const char check[] = "case file modes";
	modes_walk w = {d->root, 0, 0, 0, 0, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, 0, 0, 0};
	char *top = cf_path_join(d->root, "cases");
	cf_buf why = CF_BUF_INIT, q = CF_BUF_INIT;
	struct stat st;
	if (!top) {
		problem(d, check, "out of memory");
		goto out;
	}
	cf_buf_put_shell_word(&q, top);
	if (lstat(top, &st) != 0) {
		if (errno == ENOENT) {
			ok(d, check, "there is no cases/ directory");
		} else {
			problem(d, check, "cannot look at %s: %s", top, strerror(errno));
			more(d, "fix", "check its permissions (`ls -ld %s`)", cf_buf_cstr(&q));
		}
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		ok(d, check, "cases is not a directory (a link is not followed)");
		goto out;
	}
	int reach = others_reach(d->root);
	if (reach && (st.st_mode & S_IROTH))
		modes_mode(&w.first_dir, &w.open_dirs, "cases", st.st_mode);
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		modes_error(&w, "cases", errno);
	else
		modes_dir(&w, fd, "cases", 0, reach && (st.st_mode & S_IXOTH));
	if (w.oom || cf_buf_oom(&w.first_file) || cf_buf_oom(&w.first_dir) ||
	    cf_buf_oom(&w.error)) {
		problem(d, check, "out of memory while looking at cases/");
		goto out;
	}
	if (w.open_files) {
		cf_buf_printf(&why, "can read plaintext case files: %s",
			      cf_buf_cstr(&w.first_file));
		if (w.open_files > 1)
			cf_buf_printf(&why, " (and %zu more plaintext files)", w.open_files - 1);
	}
	if (w.plain && w.open_dirs) {
		cf_buf_printf(&why, "%s: %s",
			      why.len ? "; and list them" : "can list the plaintext case files",
			      cf_buf_cstr(&w.first_dir));
		if (w.open_dirs > 1)
			cf_buf_printf(&why, " (and %zu more directories)", w.open_dirs - 1);
	}
	if (why.len) {
		mode_t mask = umask(0);
		umask(mask);
		problem(d, check, "other users on this computer %s", cf_buf_cstr(&why));
		more(d, "fix", "run `chmod -R go-rwx %s`: readable by you only", cf_buf_cstr(&q));
		if (!(mask & S_IROTH))
			more(
			    d, "fix",
			    "git checks files out with your umask (%04o), which lets everyone read "
			    "them: put `umask 077` in your shell's profile (~/.profile), so "
			    "the files git writes next are yours only",
			    (unsigned)mask);
		if (w.cut || w.deep) {
			cf_buf lim = CF_BUF_INIT;
			modes_limits(&lim, &w);
			more(d, NULL, "%s: the chmod covers them all", cf_buf_cstr(&lim));
			cf_buf_free(&lim);
		}
		if (w.error.len)
			more(d, NULL, "cannot look at %s", cf_buf_cstr(&w.error));
	} else if (w.error.len) {
		problem(d, check, "cannot tell who can read cases/: cannot look at %s",
			cf_buf_cstr(&w.error));
		more(d, "fix", "check the permissions under cases/ (`ls -lR %s`)", cf_buf_cstr(&q));
	} else {
		cf_buf lim = CF_BUF_INIT;
		if (w.cut || w.deep) {
			cf_buf_puts(&lim, "; ");
			modes_limits(&lim, &w);
		}
		if (!w.entries)
			ok(d, check, "cases/ is empty");
		else if (!w.plain)
			ok(d, check,
			   "cases/ holds no plaintext: its files are ciphertext, whoever can read "
			   "them (%zu entr%s%s)",
			   w.entries, w.entries == 1 ? "y" : "ies", cf_buf_cstr(&lim));
		else
			ok(d, check,
			   "nothing under cases/ is readable by everyone on this computer (%zu "
			   "entr%s%s)",
			   w.entries, w.entries == 1 ? "y" : "ies", cf_buf_cstr(&lim));
		cf_buf_free(&lim);
	}
out:
	cf_buf_free(&w.first_file);
	cf_buf_free(&w.first_dir);
	cf_buf_free(&w.error);
	cf_buf_free(&why);
	cf_buf_free(&q);
	free(top);
}

/* ---- casefile doctor ---- */

int cmd_doctor(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
		return cli_usage("doctor", "unknown argument '%s'", argv[i]);
	}
	doctor d = {CF_BUF_INIT, CF_STRLIST_INIT, NULL, NULL, 0, 0};
	char *root = NULL, *git_dir = NULL, *bare = NULL;
	cf_keyring *ring = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	bare = git_value(".", "rev-parse", "--is-bare-repository", (char *)NULL);
	if (bare && strcmp(bare, "true") == 0) {
		char *gd = git_value(".", "rev-parse", "--git-dir", (char *)NULL);
		d.bare = 1;
		root = gd ? realpath(gd, NULL) : NULL;
		git_dir = root ? cf_strdup(root) : NULL;
		free(gd);
		if (!root || !git_dir) {
			rc = cli_key_error("doctor", CF_EXIT_USAGE, NULL, NULL,
					   "cannot find the bare repository's directory");
			goto out;
		}
	} else if ((rc = cli_open_clone(&root, &git_dir, "doctor"))) {
		goto out;
	}
	d.root = root;
	d.git_dir = git_dir;
	cf_buf_printf(&d.out, "casefile: doctor: %s %s\n",
		      d.bare ? "the bare repository" : "the clone", root);
	check_git_version(&d);
	if (!d.bare) {
		check_filter(&d);
		check_attributes(&d);
	}
	check_hooks(&d);
	check_text_cache(&d);
	if (!d.bare) {
		check_commit_message(&d);
		check_keys(&d);
		check_identity(&d);
		/* A key store others may read is refused (reported above): the history is then
		 * judged without keys, which still finds every plaintext blob. */
		if (cf_source_load_keyring(&ring, root, &diags) != 0) {
			cf_keyring_free(ring);
			ring = NULL;
		}
	}
	emit(&d);
	check_history(&d, ring);
	if (!d.bare) {
		check_worktree(&d, ring);
		check_case_modes(&d);
	}

	if (d.failed.n == 0) {
		cf_buf_puts(&d.out, "casefile: doctor: nothing wrong\n");
	} else {
		cf_buf_printf(&d.out, "casefile: doctor: %zu problem%s:", d.failed.n,
			      d.failed.n == 1 ? "" : "s");
		for (size_t i = 0; i < d.failed.n; i++)
			cf_buf_printf(&d.out, "%s %s", i ? "," : "", d.failed.items[i]);
		cf_buf_putc(&d.out, '\n');
	}
	emit(&d);
	if (d.write_failed)
		rc = CF_EXIT_USAGE;
	else
		rc = d.failed.n ? CF_EXIT_ERRORS : CF_EXIT_OK;
out:
	cf_keyring_free(ring);
	cf_diags_free(&diags);
	cf_buf_free(&d.out);
	cf_strlist_free(&d.failed);
	free(bare);
	free(root);
	free(git_dir);
	return rc;
}
