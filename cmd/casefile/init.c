/* casefile init: makes a case repository, or adopts a git repository (a fresh clone among
 * them): the configuration, .gitattributes routing cases/ through the filter, the member
 * log's genesis (the creator as its first admin, a new repository key), git's filter, diff
 * and merge configuration, and the hooks.  Everything it finds already set up it leaves as it is,
 * and says so. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "hooks.h"
#include "change.h"
#include "keys.h"
#include "legacy.h"
#include "source.h"
#include "strlist.h"

#define ATTR_LINE "cases/** filter=casefile diff=casefile merge=casefile"
#define PARTNERSHIP_MAX 200
#define COPY_MAX ((size_t)16 * 1024 * 1024)

static const char usage_text[] =
    "usage: casefile init [DIR] [--partnership NAME] [--member NAME] [--example]\n"
    "                     [--passphrase-file FILE]\n"
    "\n"
    "Makes DIR (default: the current directory) a case repository, running 'git init' when\n"
    "it is not one yet, or sets up a clone of an existing one. It writes what is missing:\n"
    "  .casefile/config.yaml    partnership NAME, the England & Wales calendar, type cspr\n"
    "  .gitattributes           cases/** filter=casefile diff=casefile merge=casefile\n"
    "  the member log           .casefile/members.log, begun with you as its first admin\n"
    "                           (your identity, `casefile keygen`: NAME from --member,\n"
    "                           else $USER) and a new repository key sealed to you; its\n"
    "                           first entry's hash, the repository's fingerprint, is\n"
    "                           printed and pinned in this clone. In a clone of a\n"
    "                           repository that has a log: says its fingerprint, which\n"
    "                           `casefile unlock` pins\n"
    "  git configuration        the casefile filter (which encrypts cases/), the diff text\n"
    "                           conversion and the merge driver, running this casefile\n"
    "  hooks                    pre-commit, commit-msg, pre-merge-commit and pre-push,\n"
    "                           which keep plaintext, invalid case files and real\n"
    "                           names in commit messages out of git (as\n"
    "                           `casefile hooks install`); a hook already\n"
    "                           there is kept, as NAME.local, and still runs\n"
    "and stages .casefile/ and .gitattributes for your first commit. Running it again\n"
    "changes nothing and says what is already set up.\n"
    "\n"
    "  --partnership NAME  the partnership (needed when there is no config.yaml yet)\n"
    "  --member NAME       your member name (default: $USER)\n"
    "  --example           copy in the example partnership's cases, staged (encrypted)\n"
    "  --passphrase-file FILE  the passphrase of your identity (first line of FILE)\n"
    "\n"
    "Exit codes: 0 done, 2 usage or configuration error, 3 a key problem.\n";

/* ---- small helpers ---- */

typedef struct report {
	cf_buf lines;
	int changed;
} report;

static void say(report *r, int changed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum { ALREADY = 0, DONE = 1, NOTE = 2 };

/* A line of the report: what was done, what was set up already, or a note. */
static void say(report *r, int changed, const char *fmt, ...)
{
	va_list ap;
	cf_buf_puts(&r->lines, changed == ALREADY ? "  already: "
			       : changed == NOTE  ? "  note: "
						  : "  ");
	va_start(ap, fmt);
	cf_buf_vprintf(&r->lines, fmt, ap);
	va_end(ap);
	cf_buf_putc(&r->lines, '\n');
	r->changed |= changed == DONE;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	cf_buf b = CF_BUF_INIT;
	int rc = cf_read_file_buf(&b, from, COPY_MAX) == 0 &&
			 cf_write_file_atomic(to, b.ptr ? b.ptr : "", b.len, mode) == 0
		     ? 0
		     : -1;
	cf_buf_free(&b);
	return rc;
}

/* Copies a directory tree of regular files (links and anything else are left out). */
static int copy_tree(const char *from, const char *to, size_t *files)
{
	cf_strlist names = CF_STRLIST_INIT;
	if (cf_mkdirs(to, 0755) < 0 || cli_list_names(&names, from, "") < 0) {
		cf_strlist_free(&names);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *f = cf_path_join(from, names.items[i]);
		char *t = cf_path_join(to, names.items[i]);
		struct stat st;
		if (!f || !t || lstat(f, &st) < 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = copy_tree(f, t, files);
		else if (S_ISREG(st.st_mode) && (rc = copy_file(f, t, 0644)) == 0)
			(*files)++;
		free(f);
		free(t);
	}
	cf_strlist_free(&names);
	return rc;
}

/* ---- the steps ---- */

/* DIR a git repository of its own: `git init` when it is in none. */
static int step_git(report *r, const char *root)
{
	cf_buf top = CF_BUF_INIT;
	int rc = 0;
	if (cli_gitv(&top, root, 1, "rev-parse", "--show-toplevel", (char *)NULL) == 0) {
		while (top.len && top.ptr[top.len - 1] == '\n')
			top.ptr[--top.len] = '\0';
		char *real = realpath(cf_buf_cstr(&top), NULL);
		if (!real || strcmp(real, root) != 0) {
			rc = cli_key_error("init", CF_EXIT_USAGE, NULL,
					   "run casefile init at the top of that repository, or in "
					   "a directory outside it",
					   "%s is inside the git repository at %s", root,
					   cf_buf_cstr(&top));
		} else {
			say(r, 0, "git repository");
		}
		free(real);
	} else if (cli_gitv(NULL, root, 0, "init", "-q", (char *)NULL) != 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "git init failed in %s (see above)", root);
	} else {
		say(r, 1, "git repository created");
	}
	cf_buf_free(&top);
	return rc;
}

/* Writes a YAML scalar for the partnership's name: quoted when it needs to be. */
static void put_yaml_str(cf_buf *b, const char *s)
{
	int plain = *s && strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) == NULL &&
		    strstr(s, ": ") == NULL && strstr(s, " #") == NULL && s[strlen(s) - 1] != ' ' &&
		    s[strlen(s) - 1] != ':';
	if (plain) {
		cf_buf_puts(b, s);
		return;
	}
	cf_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			cf_buf_putc(b, '\\');
		cf_buf_putc(b, *s);
	}
	cf_buf_putc(b, '"');
}

static int step_config(report *r, const char *root, const char *partnership, const char *example)
{
	char *path = cf_path_join(root, CF_CONFIG_PATH);
	char *dir = cf_path_join(root, ".casefile");
	cf_buf text = CF_BUF_INIT, ex = CF_BUF_INIT;
	int rc = 0;
	if (!path || !dir) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_is_file(path)) {
		say(r, 0, "%s", CF_CONFIG_PATH);
		goto out;
	}
	if (!partnership) {
		rc = cli_usage("init", "--partnership NAME is needed: %s has no %s yet", root,
			       CF_CONFIG_PATH);
		goto out;
	}
	char *ex_path = example ? cf_path_join(example, CF_CONFIG_PATH) : NULL;
	if (ex_path && cf_read_file_buf(&ex, ex_path, COPY_MAX) == 0) {
		/* The example's configuration, with this partnership's name. */
		const char *p = cf_buf_cstr(&ex);
		int done = 0;
		while (*p) {
			size_t n = strcspn(p, "\n");
			if (!done && strncmp(p, "partnership:", 12) == 0) {
				cf_buf_puts(&text, "partnership: ");
				put_yaml_str(&text, partnership);
				cf_buf_putc(&text, '\n');
				done = 1;
			} else {
				cf_buf_put(&text, p, n);
				cf_buf_putc(&text, '\n');
			}
			p += n;
			if (*p)
				p++;
		}
	} else {
		cf_buf_puts(&text, "partnership: ");
		put_yaml_str(&text, partnership);
		cf_buf_puts(&text, "\ncalendar: england-and-wales\ncase_types: [cspr]\n");
	}
	free(ex_path);
	if (cf_buf_oom(&text) || (!cf_is_dir(dir) && cf_mkdirs(dir, 0755) < 0) ||
	    cf_write_file_atomic(path, text.ptr, text.len, 0644) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "cannot write %s: %s",
				   CF_CONFIG_PATH, strerror(errno));
		goto out;
	}
	say(r, 1, "%s written (partnership: %s)", CF_CONFIG_PATH, partnership);
out:
	cf_buf_free(&text);
	cf_buf_free(&ex);
	free(path);
	free(dir);
	return rc;
}

static int step_attributes(report *r, const char *root)
{
	char *path = cf_path_join(root, ".gitattributes");
	cf_buf text = CF_BUF_INIT;
	int rc = 0;
	if (!path)
		return CF_EXIT_USAGE;
	if (cf_is_file(path) && cf_read_file_buf(&text, path, COPY_MAX) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "cannot read .gitattributes: %s", strerror(errno));
		goto out;
	}
	const char *p = cf_buf_cstr(&text);
	size_t al = strlen(ATTR_LINE);
	int have = 0;
	while (*p && !have) {
		size_t n = strcspn(p, "\n");
		size_t m = n && p[n - 1] == '\r' ? n - 1 : n;
		have = m == al && memcmp(p, ATTR_LINE, al) == 0;
		p += n;
		if (*p)
			p++;
	}
	if (have) {
		say(r, 0, ".gitattributes");
		goto out;
	}
	int existed = text.len > 0 || cf_is_file(path);
	if (text.len && text.ptr[text.len - 1] != '\n')
		cf_buf_putc(&text, '\n');
	cf_buf_puts(&text, ATTR_LINE "\n");
	if (cf_buf_oom(&text) || cf_write_file_atomic(path, text.ptr, text.len, 0644) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "cannot write .gitattributes: %s", strerror(errno));
		goto out;
	}
	say(r, 1, ".gitattributes: %s '%s'", existed ? "added" : "written with", ATTR_LINE);
out:
	cf_buf_free(&text);
	free(path);
	return rc;
}

/* The member log: this clone's view of it when the repository has one (pinned by `casefile
 * unlock`, not here: the fingerprint is for the member to compare); else its genesis, with
 * the identity as the first admin and a new repository key.  A repository of an older
 * casefile is left to `casefile upgrade`. */
static int step_trust(report *r, const char *root, const char *git_dir, const char *member,
		      const char *pass_file)
{
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_keyring *ring = NULL;
	cf_identity *id = NULL;
	cf_trust_pin pin;
	cf_access_plan plan;
	int have_plan = 0;
	char *path = cli_identity_path();
	char fp[CF_FINGERPRINT_BYTES];
	int rc = cli_load_log_keys(&log, &pin, &ring, root, git_dir, 0, &diags);
	if (rc)
		goto out;
	if (log) {
		cf_mlog_fingerprint(fp, log);
		if (pin.pinned)
			say(r, ALREADY,
			    "member log: %zu entr%s, repository fingerprint %s (pinned)",
			    cf_mlog_entries(log), cf_mlog_entries(log) == 1 ? "y" : "ies", fp);
		else
			say(r, NOTE,
			    "member log: %zu entr%s, repository fingerprint %s, not pinned in this "
			    "clone yet: `casefile unlock` shows and pins it (compare it with the "
			    "one your administrator gave you, or use --expect)",
			    cf_mlog_entries(log), cf_mlog_entries(log) == 1 ? "y" : "ies", fp);
		cf_pubkeys pub;
		cf_diags quiet = CF_DIAGS_INIT;
		if (path && access(path, F_OK) == 0 &&
		    cf_identity_read_public(&pub, path, &quiet) == 0) {
			const cf_mlog_member *m = cf_mlog_member_by_box(log, pub.box);
			if (m)
				say(r, ALREADY, "member %s (your identity), role %s", m->name,
				    cf_role_name(m->role));
			else
				say(r, NOTE,
				    "your identity is not a member of this repository: an admin "
				    "runs "
				    "`casefile member add NAME \"$(casefile key public)\"` for "
				    "you");
		}
		cf_diags_free(&quiet);
		goto out;
	}
	char *legacy = cf_path_join(root, CF_LEGACY_ACCESS_PATH);
	int old = legacy && cf_is_file(legacy);
	free(legacy);
	if (old) {
		say(r, NOTE,
		    "this repository keeps its keys in the unsigned files of an older casefile "
		    "(%s): it is read-only until an admin runs `casefile upgrade`, which writes "
		    "the signed member log",
		    CF_LEGACY_ACCESS_PATH);
		goto out;
	}
	if (!path || access(path, F_OK) != 0) {
		say(r, NOTE,
		    "no member log made: no identity at %s (`casefile keygen` makes one; then "
		    "run `casefile init` again). Until then nothing under cases/ can be "
		    "committed",
		    path ? path : "~/.config/casefile/identity");
		goto out;
	}
	const char *name = member ? member : getenv("USER");
	if (!name || !cf_member_name_valid(name)) {
		say(r, NOTE,
		    "no member log made: $USER is not set or not a member name; run `casefile "
		    "init --member NAME`");
		goto out;
	}
	if ((rc = cli_identity_open(&id, pass_file, "init")))
		goto out;
	if (!cf_identity_can_sign(id)) {
		say(r, NOTE,
		    "no member log made: your identity is of an older casefile and cannot sign "
		    "(`casefile keygen --upgrade` adds a signing key; then run `casefile init` "
		    "again)");
		goto out;
	}
	char date[CLI_DATE_BYTES];
	cli_utc_now(date);
	cf_access_person me = {name, CF_ROLE_ADMIN, *cf_identity_public(id), NULL, 0};
	cf_access_request req;
	memset(&req, 0, sizeof(req));
	req.action = CF_ACT_GENESIS;
	req.people = &me;
	req.n_people = 1;
	req.signer = name;
	req.signer_id = id;
	req.date = date;
	if (cf_access_plan_make(&plan, NULL, &req, ring, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	have_plan = 1;
	if ((rc = cli_apply_plan(NULL, root, git_dir, &plan, "init")))
		goto out;
	char hex[CF_KEYID_HEX_BYTES] = "";
	if (plan.n_new_keys)
		cf_keyid_hex(hex, cf_key_id(plan.new_keys[0]));
	cf_mlog_fingerprint(fp, plan.verified);
	say(r, DONE,
	    "member log %s begun, signed by you: %s, its first admin; the repository key %s "
	    "made, sealed to you and installed in .git/casefile/keys",
	    CF_MLOG_PATH, name, hex);
	say(r, DONE,
	    "repository fingerprint %s, pinned in this clone: give it to every member, who "
	    "compares it at `casefile unlock`",
	    fp);
out:
	if (have_plan)
		cf_access_plan_free(&plan);
	cf_identity_free(id);
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	free(path);
	return rc;
}

enum { N_CONFIG = 9 };

static int step_git_config(report *r, const char *root, const char *exe)
{
	cf_buf q = CF_BUF_INIT;
	cf_buf_put_shell_word(&q, exe);
	const char *e = cf_buf_cstr(&q);
	cf_buf v[N_CONFIG] = {CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT,
			      CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT};
	cf_buf_printf(&v[0], "%s filter-process", e);
	cf_buf_puts(&v[1], "true");
	cf_buf_printf(&v[2], "%s clean %%f", e);
	cf_buf_printf(&v[3], "%s smudge %%f", e);
	cf_buf_printf(&v[4], "%s textconv", e);
	cf_buf_puts(&v[5], "casefile three-way merge of encrypted case files");
	cf_buf_printf(&v[6], "%s merge %%O %%A %%B %%P", e);
	/* rerere records conflicted files, in plaintext, under .git/rr-cache: off. */
	cf_buf_puts(&v[7], "false");
	/* A cached text conversion is plaintext in refs/notes/textconv/casefile, which a push
	 * of every ref would send to the server: off. */
	cf_buf_puts(&v[8], "false");
	static const char *const keys[N_CONFIG] = {
	    "filter.casefile.process", "filter.casefile.required", "filter.casefile.clean",
	    "filter.casefile.smudge",  "diff.casefile.textconv",   "merge.casefile.name",
	    "merge.casefile.driver",   "rerere.enabled",	   "diff.casefile.cachetextconv",
	};
	size_t set = 0;
	int rc = 0;
	for (size_t i = 0; i < N_CONFIG && rc == 0; i++) {
		cf_buf cur = CF_BUF_INIT;
		int got =
		    cli_gitv(&cur, root, 1, "config", "--local", "--get", keys[i], (char *)NULL);
		if (cur.len && cur.ptr[cur.len - 1] == '\n')
			cur.ptr[--cur.len] = '\0';
		if (got != 0 || strcmp(cf_buf_cstr(&cur), cf_buf_cstr(&v[i])) != 0) {
			if (cf_buf_oom(&v[i]) || cli_gitv(NULL, root, 0, "config", "--local",
							  keys[i], v[i].ptr, (char *)NULL) != 0)
				rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
						   "git config %s failed", keys[i]);
			set++;
		}
		cf_buf_free(&cur);
	}
	if (rc == 0 && set)
		say(r, 1,
		    "git configuration: the casefile filter, diff and merge driver, running %s",
		    exe);
	else if (rc == 0)
		say(r, 0, "git configuration (filter, diff and merge driver: %s)", exe);
	for (size_t i = 0; i < N_CONFIG; i++)
		cf_buf_free(&v[i]);
	cf_buf_free(&q);
	return rc;
}

/* casefile's hooks (hooks.c installs them, as `casefile hooks install` does). */
static int step_hooks(report *r, const char *root, const char *exe)
{
	cli_hooks h;
	int rc = cli_hooks_install(&h, root, exe, 0, 0, "init");
	if (rc)
		return rc;
	if (h.no_src) {
		say(r, NOTE,
		    "hooks: none installed: casefile's hook files are missing (reinstall casefile, "
		    "then run `casefile hooks install`)");
		cli_hooks_free(&h);
		return 0;
	}
	cf_buf done = CF_BUF_INIT;
	size_t same = 0;
	for (size_t i = 0; i < h.n; i++) {
		cli_hook_state st = h.hooks[i].state;
		if (st == CLI_HOOK_SAME) {
			same++;
		} else if (st == CLI_HOOK_BLOCKED || st == CLI_HOOK_MISSING) {
			cf_buf why = CF_BUF_INIT;
			cli_hooks_describe(&why, h.hooks[i].name, st);
			say(r, NOTE, "hooks: %s%s", cf_buf_cstr(&why),
			    st == CLI_HOOK_BLOCKED ? "; `casefile hooks install --help` says what "
						     "--force does"
						   : "");
			cf_buf_free(&why);
		} else {
			cf_buf_putc(&done, ' ');
			cli_hooks_describe(&done, h.hooks[i].name, st);
		}
	}
	if (done.len)
		say(r, DONE, "hooks installed:%s", done.ptr);
	else if (same)
		say(r, ALREADY, "hooks (%zu)", same);
	cf_buf_free(&done);
	cli_hooks_free(&h);
	return 0;
}

/* Case files git already holds in plaintext (a repository adopted after it kept cases
 * unencrypted): staged again, now encrypted.  The commits before keep them readable. */
static int step_plaintext(report *r, const char *root, const cf_mlog *log, const cf_keyring *ring)
{
	cf_strlist plain = CF_STRLIST_INIT;
	int rc = 0;
	if (cli_index_plaintext(&plain, root) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "cannot read the git index");
		goto out;
	}
	if (plain.n == 0)
		goto out;
	for (size_t i = 0; i < plain.n; i++) {
		const cf_mlog_key *k = log ? cf_access_key_for_path(log, plain.items[i]) : NULL;
		if (!k || !cf_keyring_find(ring, k->id)) {
			say(r, NOTE,
			    "git holds %zu file%s under cases/ in plaintext (%s ...); this clone "
			    "cannot encrypt them: a member holding the keys should run `casefile "
			    "init`",
			    plain.n, plain.n == 1 ? "" : "s", plain.items[0]);
			goto out;
		}
	}
	static const char *const renormalize[] = {"add", "--renormalize", NULL};
	if (cli_git_paths(root, renormalize, &plain) != 0) {
		rc = cli_key_error("init", CF_EXIT_KEY, "crypt/format",
				   "the filter is configured; `git add --renormalize cases/` tries "
				   "again",
				   "git holds %zu file%s under cases/ in plaintext and could not "
				   "encrypt them (see above)",
				   plain.n, plain.n == 1 ? "" : "s");
		goto out;
	}
	if ((rc = cli_check_staged(root, log, &plain, "init")))
		goto out;
	say(r, DONE,
	    "%zu file%s under cases/ that git held in plaintext staged again, encrypted. "
	    "WARNING: the commits made before keep them in plaintext; only rewriting history "
	    "removes them",
	    plain.n, plain.n == 1 ? "" : "s");
out:
	cf_strlist_free(&plain);
	return rc;
}

/* The example partnership's cases, each copied unless a case of that id is there. */
static int step_example(report *r, cf_strlist *copied, const char *root, const char *example)
{
	char *from = cf_path_join(example, "cases");
	char *to = cf_path_join(root, "cases");
	cf_strlist ids = CF_STRLIST_INIT;
	size_t files = 0, skipped = 0;
	int rc = 0;
	if (!from || !to || cli_list_names(&ids, from, "") < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "cannot read the example's cases");
		goto out;
	}
	/* the example's cases in plaintext: cases/ out of other users' reach */
	if ((!cf_is_dir(to) && cf_mkdirs(to, 0700) < 0) || cli_cases_private(root) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "cannot make %s: %s", to,
				   strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < ids.n && rc == 0; i++) {
		char *f = cf_path_join(from, ids.items[i]);
		char *t = cf_path_join(to, ids.items[i]);
		cf_buf rel = CF_BUF_INIT;
		cf_buf_printf(&rel, "cases/%s/", ids.items[i]);
		if (!f || !t || cf_buf_oom(&rel))
			rc = CF_EXIT_USAGE;
		else if (!cf_is_dir(f))
			;
		else if (cf_is_dir(t))
			skipped++;
		else if (copy_tree(f, t, &files) < 0 || cf_strlist_add(copied, rel.ptr) < 0)
			rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
					   "cannot copy the example case %s: %s", ids.items[i],
					   strerror(errno));
		cf_buf_free(&rel);
		free(f);
		free(t);
	}
	if (rc == 0 && copied->n)
		say(r, 1, "example: %zu cases (%zu files) copied into cases/ and staged, encrypted",
		    copied->n, files);
	if (rc == 0 && skipped)
		say(r, 0, "example: %zu cases", skipped);
out:
	cf_strlist_free(&ids);
	free(from);
	free(to);
	return rc;
}

int cmd_init(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	const char *dir = ".", *partnership = NULL, *member = NULL, *pass_file = NULL;
	int example = 0, have_dir = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--partnership") == 0 && i + 1 < argc) {
			partnership = argv[++i];
		} else if (strncmp(a, "--partnership=", 14) == 0) {
			partnership = a + 14;
		} else if (strcmp(a, "--member") == 0 && i + 1 < argc) {
			member = argv[++i];
		} else if (strcmp(a, "--passphrase-file") == 0 && i + 1 < argc) {
			pass_file = argv[++i];
		} else if (strcmp(a, "--example") == 0) {
			example = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_usage("init", "unknown option '%s'", a);
		} else if (!have_dir) {
			dir = a;
			have_dir = 1;
		} else {
			return cli_usage("init", "one DIR only, not '%s'", a);
		}
	}
	if (partnership) {
		size_t n = strlen(partnership);
		int ctrl = 0;
		for (size_t i = 0; i < n; i++)
			ctrl |= (unsigned char)partnership[i] < 0x20 || partnership[i] == 0x7f;
		if (n == 0 || n > PARTNERSHIP_MAX || ctrl)
			return cli_usage("init",
					 "the partnership's name must be one line of at most "
					 "%d characters",
					 PARTNERSHIP_MAX);
	}
	if (member && !cf_member_name_valid(member))
		return cli_usage("init",
				 "'%s' is not a member name (letters, digits, '.', '_', "
				 "'-'; at most 64)",
				 member);

	report r = {CF_BUF_INIT, 0};
	cf_mlog *log = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	cf_strlist copied = CF_STRLIST_INIT;
	char *root = NULL, *git_dir = NULL, *example_dir = NULL;
	char *exe = cli_self_exe();
	int rc = 0;
	if (!exe) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "cannot find this program's path (/proc/self/exe)");
		goto out;
	}
	if (!cf_is_dir(dir) && cf_mkdirs(dir, 0755) < 0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "cannot create %s: %s", dir,
				   strerror(errno));
		goto out;
	}
	root = realpath(dir, NULL);
	if (!root) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "cannot resolve %s: %s", dir,
				   strerror(errno));
		goto out;
	}
	if (example && !(example_dir = cli_find_data("example-repo", exe, 0))) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL,
				   "set CASEFILE_DATADIR to a directory holding example-repo/",
				   "cannot find the example repository");
		goto out;
	}
	if ((rc = step_git(&r, root)))
		goto out;
	git_dir = cf_source_git_dir(root);
	if (!git_dir) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL,
				   "cannot find the git directory of %s", root);
		goto out;
	}
	if ((rc = step_config(&r, root, partnership, example_dir)) ||
	    (rc = step_attributes(&r, root)))
		goto out;
	if ((rc = step_trust(&r, root, git_dir, member, pass_file)))
		goto out;
	if ((rc = cli_load_log_keys(&log, NULL, &ring, root, git_dir, 0, &diags)))
		goto out;
	if ((rc = step_git_config(&r, root, exe)) || (rc = step_hooks(&r, root, exe)) ||
	    (rc = step_plaintext(&r, root, log, ring)))
		goto out;
	if (example && (rc = step_example(&r, &copied, root, example_dir)))
		goto out;

	/* Stage what casefile wrote (git add of what did not change changes nothing). */
	if (cli_gitv(NULL, root, 0, "add", "--", ".casefile", ".gitattributes", (char *)NULL) !=
	    0) {
		rc = cli_key_error("init", CF_EXIT_USAGE, NULL, NULL, "git add failed (see above)");
		goto out;
	}
	if (copied.n) {
		static const char *const add[] = {"add", NULL};
		if (cli_git_paths(root, add, &copied) != 0) {
			rc =
			    cli_key_error("init", CF_EXIT_KEY, NULL,
					  "check `casefile filter-process --help` works; the cases "
					  "are copied but not staged",
					  "git could not stage the example's cases: the filter did "
					  "not encrypt them (see above)");
			goto out;
		}
		if ((rc = cli_check_staged(root, log, &copied, "init")))
			goto out;
	}
	cf_buf staged = CF_BUF_INIT;
	if (r.changed &&
	    cli_gitv(&staged, root, 1, "diff", "--cached", "--name-only", "--", ".casefile",
		     ".gitattributes", "cases", (char *)NULL) == 0 &&
	    staged.len) {
		size_t n = 0;
		for (size_t i = 0; i < staged.len; i++)
			n += staged.ptr[i] == '\n';
		say(&r, DONE, "staged for your next commit: %zu file%s", n, n == 1 ? "" : "s");
	}
	cf_buf_free(&staged);
	printf("casefile: init: %s%s\n", root,
	       r.changed ? "" : ": already set up, nothing changed");
	fputs(cf_buf_cstr(&r.lines), stdout);
out:
	if (rc && r.lines.len) {
		/* What was done before the step that failed, so nobody has to guess. */
		printf("casefile: init: %s: stopped after these steps\n", root);
		fputs(cf_buf_cstr(&r.lines), stdout);
	}
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	cf_strlist_free(&copied);
	cf_buf_free(&r.lines);
	free(example_dir);
	free(exe);
	free(root);
	free(git_dir);
	return rc;
}
