/* casefile hook pre-commit|commit-msg|pre-merge-commit|pre-push|pre-receive: what runs in the git
 * hooks that `casefile hooks install` writes (DESIGN.md §6-7, issue 5).
 *
 *   pre-commit   `check --staged`: the cases the commit touches, and every file it adds under
 *                cases/ encrypted.  Errors refuse the commit; warnings (deadlines among them)
 *                are shown and never block.
 *   commit-msg   the message names no person of a case the commit changes (privacy/
 *                commit-message): messages are plaintext in git, and pushed with it.
 *   pre-merge-commit  the same as pre-commit, for the commit a conflict-free `git merge`
 *                makes (git runs no pre-commit hook for it; git 2.24 and newer run this one).
 *   pre-push     every blob under cases/ in the commits being pushed is ciphertext (lib/guard,
 *                with this clone's keys: a blob it holds the key of must verify), and the
 *                cases those commits change (every case when they change .casefile/ or a
 *                .gitattributes, or when the remote knows none of their history) have no
 *                errors as committed at each pushed tip.  `git commit --no-verify` skips
 *                pre-commit; it does not get plaintext past this.
 *   pre-receive  on a shared bare repository, which holds no key: every blob under cases/ in
 *                the pushed commits is well-formed ciphertext, or the push is refused.
 *
 * And each judges what is committed against the signed member log (lib/policy): the log only
 * grows, by entries an admin signed; a file under cases/ is added only as ciphertext made for
 * its own case, under the key the log assigns that case now.  The shared repository pins the
 * first log it sees, as a clone does, and refuses any log that does not descend from it.
 *
 * Each fails closed: when it cannot tell (a repository it cannot read, out of memory), it
 * refuses, and says why. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypt.h"
#include "fs.h"
#include "guard.h"
#include "policy.h"
#include "source.h"
#include "strlist.h"
#include "trust.h"

static const char usage_text[] =
    "usage: casefile hook pre-commit\n"
    "       casefile hook commit-msg MESSAGE-FILE\n"
    "       casefile hook pre-merge-commit\n"
    "       casefile hook pre-push REMOTE URL   < lines from git\n"
    "       casefile hook pre-receive           < lines from git\n"
    "\n"
    "What casefile's git hooks run; git calls them (`casefile hooks install` sets them up),\n"
    "you need not.  pre-commit refuses a commit whose staged case files have errors or are\n"
    "not encrypted; commit-msg refuses a message naming a person of a case the commit\n"
    "changes (commit messages are not encrypted); pre-merge-commit refuses the commit of\n"
    "a merge the same way as pre-commit; pre-push\n"
    "refuses to push a commit holding a case file in plaintext, or whose cases have errors;\n"
    "pre-receive, on a shared bare repository, refuses a push holding a case file in\n"
    "plaintext. Each also refuses a member log that is not signed by an admin or does\n"
    "not extend the one before, and a case file under a key the log does not assign to\n"
    "its case now (a retired key, another case's key, or ciphertext moved from another\n"
    "case).\n"
    "\n"
    "Exit codes: 0 go ahead, 1 refused.\n";

/* What `git CMD --no-verify` does not skip (CMD commit or merge). */
static void print_no_verify(const char *cmd)
{
	fprintf(stderr,
		"`git %s --no-verify` skips this check, but a case file in plaintext is still\n"
		"refused by the pre-push hook and by the shared repository's pre-receive hook.\n",
		cmd);
}

static void print_refusal(const char *what, const cf_diags *d, const char *again)
{
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "casefile: %s refused: ", what);
	cf_diags_format_counts(&b, d);
	cf_buf_puts(&b, "\n\n");
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&b, &d->items[i]);
	if (again)
		cf_buf_printf(&b, "\nSee them again with: %s\n", again);
	fputs(cf_buf_cstr(&b), stderr);
	cf_buf_free(&b);
}

/* What the policy found: printed with what to do.  rc is cf_policy_*'s. */
static void print_policy(const char *what, int rc, const cf_diags *d, const char *outcome)
{
	if (rc == 1) {
		print_refusal(what, d, NULL);
		fprintf(
		    stderr,
		    "\nThe member log says who may read what; these files or entries do not "
		    "keep to it.  %s\n"
		    "`casefile rekey` encrypts the working tree's files again under the keys the "
		    "log assigns them now;\n`casefile rekey --unpushed` does the same for commits "
		    "not pushed yet.\n",
		    outcome);
	} else if (rc != 0) {
		cli_print_diags(stderr, d);
		fprintf(stderr,
			"casefile: %s refused: the member log or the commits could not be "
			"read\n",
			what);
	}
}

/* The index against the clone's member log: 0 go ahead, 1 refused (printed). */
static int index_policy(const char *what)
{
	char *root = NULL, *git_dir = NULL;
	git_repository *repo = NULL;
	cf_mlog *log = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = -1;
	if (cli_find_root(&root) != 0)
		return 1;
	/* casefile's own reader judges the index first: libgit2 is given no index that is
	 * damaged or crafted (it allocates from its counts, and writes trees by recursion) */
	cf_source *index = NULL;
	if (cf_source_open_index(&index, root, &diags) < 0) {
		print_refusal(what, &diags, NULL);
		goto out;
	}
	cf_source_free(index);
	git_dir = cf_source_git_dir(root);
	if (git_libgit2_init() < 0)
		goto out;
	if (!git_dir ||
	    git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		fprintf(stderr, "casefile: %s refused: cannot open the repository at %s\n", what,
			root);
		goto shutdown;
	}
	if (cf_trust_current(&log, NULL, repo, root, git_dir, 0, &diags) < 0) {
		print_refusal(what, &diags, NULL);
		goto shutdown;
	}
	rc = cf_policy_index(repo, log, &diags);
	cf_diags_sort(&diags);
	print_policy(what, rc, &diags, "Nothing was committed.");
shutdown:
	cf_mlog_free(log);
	git_repository_free(repo);
	git_libgit2_shutdown();
out:
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc == 0 ? 0 : 1;
}

/* pre-commit (merge 0) and pre-merge-commit (merge 1): the same check of the index, which
 * for a merge holds its result. */
static int hook_pre_commit(const cf_cli *cli, int merge)
{
	const char *what = merge ? "merge" : "commit";
	if (index_policy(what) != 0) {
		print_no_verify(what);
		return 1;
	}
	cf_strlist none = CF_STRLIST_INIT;
	cli_check_opts o = {CLI_FROM_INDEX, NULL, 0, NULL, &none, NULL};
	cf_diags diags = CF_DIAGS_INIT;
	size_t cases;
	int rc = cli_check(cli, &o, &diags, &cases);
	if (rc == CF_EXIT_OK) {
		if (diags.len) { /* warnings and notes: shown, never blocking */
			cf_buf b = CF_BUF_INIT;
			for (size_t i = 0; i < diags.len; i++)
				cf_diag_format_text(&b, &diags.items[i]);
			cf_buf_printf(&b, "casefile: %s checked: ", what);
			cf_diags_format_counts(&b, &diags);
			cf_buf_printf(&b, " (warnings do not stop a %s)\n", what);
			fputs(cf_buf_cstr(&b), stderr);
			cf_buf_free(&b);
		}
	} else if (rc == CF_EXIT_ERRORS) {
		print_refusal(what, &diags, "casefile check --staged");
		fputs(merge ? "Fix the files, `git add` them, and commit the merge (`git commit`); "
			      "or give it up (`git merge --abort`).\n"
			    : "Fix the files, `git add` them, and commit again.\n",
		      stderr);
		print_no_verify(what);
	} else {
		cli_print_diags(stderr, &diags);
		fprintf(stderr,
			"casefile: %s refused: the staged files could not be checked (see "
			"above; `casefile doctor` looks for what is wrong with this clone)\n",
			what);
		print_no_verify(what);
	}
	cf_diags_free(&diags);
	return rc == CF_EXIT_OK ? 0 : 1;
}

/* The message as git will keep it: everything from the scissors line of `commit -v` on (the
 * diff below it holds the case files in plaintext) blanked, so positions stay those of the
 * file.  Comment lines are checked too: with `commit -F` or a cleanup mode other than strip
 * git keeps them, and a branch name in "On branch ..." reaches the server as well. */
static void cut_at_scissors(char *text, size_t len)
{
	static const char scissors[] = " ------------------------ >8 ------------------------";
	size_t n = sizeof(scissors) - 1, i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		/* any comment character (core.commentChar), then the line */
		if (end - i == n + 1 && memcmp(text + i + 1, scissors, n) == 0) {
			memset(text + i, ' ', len - i);
			return;
		}
		i = end + 1;
	}
}

/* commit-msg: the cases the commit changes (the index against HEAD) against the message. */
static int hook_commit_msg(int argc, char **argv, const cf_cli *cli)
{
	if (argc < 2)
		return cli_usage("hook", "commit-msg needs the message file git gives it");
	const char *file = argv[1];
	cf_buf msg = CF_BUF_INIT;
	if (cf_read_file_buf(&msg, file, (size_t)1 << 20) < 0) {
		fprintf(stderr, "casefile: commit refused: cannot read the message %s: %s\n", file,
			strerror(errno));
		cf_buf_free(&msg);
		return 1;
	}
	cut_at_scissors(msg.ptr, msg.len);
	cf_privacy_text text = {file, msg.ptr, msg.len};
	cf_strlist none = CF_STRLIST_INIT;
	cli_check_opts o = {CLI_FROM_INDEX, NULL, 0, NULL, &none, &text};
	cf_diags diags = CF_DIAGS_INIT, mine = CF_DIAGS_INIT;
	size_t cases;
	int rc = cli_check(cli, &o, &diags, &cases);
	/* the case files' own problems are pre-commit's to report: here only the message */
	for (size_t i = 0; i < diags.len; i++) {
		const cf_diag *d = &diags.items[i];
		if (strcmp(d->rule, "privacy/commit-message") != 0)
			continue;
		cf_diag *c = cf_diags_add(&mine, d->severity, d->file, d->line, d->col, d->rule,
					  "%s", d->message);
		if (d->hint)
			cf_diag_hint(&mine, c, "%s", d->hint);
	}
	int refused = 0;
	if (mine.len) {
		print_refusal("commit", &mine, NULL);
		fprintf(stderr,
			"\nYour message is kept in %s: `git commit -e -F %s` edits it and "
			"commits again.\n",
			file, file);
		refused = 1;
	} else if (rc != CF_EXIT_OK && rc != CF_EXIT_ERRORS) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: commit refused: the cases it changes could not be read, "
				"so the message was not checked (see above)\n");
		refused = 1;
	}
	cf_diags_free(&mine);
	cf_diags_free(&diags);
	cf_buf_free(&msg);
	return refused;
}

static int is_zero_id(const char *hex)
{
	return strspn(hex, "0") == strlen(hex);
}

/* One line of git's hook input, split at blanks into up to 4 fields (in place). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = t;
	return n;
}

/* Reads git's lines from stdin: the new tips (field tip_field) and, for pre-push, what the
 * remote has already (field hide_field, or none when < 0).  -1 on a malformed line. */
/* git's textconv cache: the decrypted text of case files, keyed by blob (diff.casefile.
 * cachetextconv, which init turns off).  Pushing it would send plaintext past the guard,
 * which looks at cases/ only. */
#define TEXTCONV_REFS "refs/notes/textconv/"

/* The lines git gives a pre-push or pre-receive hook, of want fields each: the new ids
 * (tip_field) into tips and the old ones (hide_field, or -1) into hides; 0, or -1 when a
 * line is not what it should be, memory ran out, or a ref being updated is git's textconv
 * cache (*cache set: the caller refuses the push, naming it). */
static int read_updates(cf_strlist *tips, cf_strlist *hides, size_t want, size_t tip_field,
			int hide_field, int *cache)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	errno = 0;
	while (rc == 0 && getline(&line, &cap, stdin) >= 0) {
		char *f[4];
		size_t n = split_fields(line, f, 4);
		if (n == 0)
			continue;
		if (n != want) {
			rc = -1;
			break;
		}
		if (strncmp(f[2], TEXTCONV_REFS, strlen(TEXTCONV_REFS)) == 0 &&
		    !is_zero_id(f[tip_field])) {
			*cache = 1;
			rc = -1;
			break;
		}
		if (!is_zero_id(f[tip_field]) && !cf_strlist_contains(tips, f[tip_field]))
			rc = cf_strlist_add(tips, f[tip_field]);
		if (rc == 0 && hide_field >= 0 && !is_zero_id(f[hide_field]))
			rc = cf_strlist_add(hides, f[hide_field]);
	}
	if (rc == 0 && ferror(stdin))
		rc = -1; /* a read error is not the end of git's list: refuse */
	free(line);
	return rc;
}

static void print_cache_refusal(int cache, const char *hook)
{
	if (!cache) {
		fprintf(stderr, "casefile: push refused: git's %s input is not what it should be\n",
			hook);
		return;
	}
	fputs("casefile: push refused: it updates " TEXTCONV_REFS "casefile, git's cache of the "
	      "decrypted text of case files (plaintext)\n"
	      "  hint: do not push it; `git config diff.casefile.cachetextconv false` and `git "
	      "update-ref -d " TEXTCONV_REFS "casefile` remove it (`casefile doctor` says more)\n",
	      stderr);
}

/* A case repository's refs point at commits (or tags of commits): a ref pointing at a blob
 * or a tree would carry files past every check that reads commits.  1 when each tip is
 * one (else each is named on stderr), 0 when one is not. */
static int tips_are_commits(git_repository *repo, const cf_strlist *tips)
{
	int ok = 1;
	for (size_t i = 0; i < tips->n; i++) {
		git_object *obj = NULL, *commit = NULL;
		if (git_revparse_single(&obj, repo, tips->items[i]) < 0 ||
		    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
			fprintf(stderr,
				"casefile: push refused: %.12s is not a commit: only branches and "
				"tags of commits may be pushed to a case repository\n",
				tips->items[i]);
			ok = 0;
		}
		git_object_free(commit);
		git_object_free(obj);
	}
	return ok;
}

/* Every blob under cases/ of the commits in range: 0 all ciphertext, 1 not (printed), or
 * -1 when it cannot tell (printed). */
static int guard_range(git_repository *repo, const cf_guard_range *range, const cf_keyring *ring,
		       const char *outcome)
{
	cf_diags diags = CF_DIAGS_INIT;
	int rc = cf_guard_history(repo, range, ring, NULL, &diags);
	cf_diags_sort(&diags);
	if (rc == 1) {
		print_refusal("push", &diags, NULL);
		fprintf(
		    stderr,
		    "\nThese commits hold case files that are not encrypted.  %s\n"
		    "`casefile doctor`, in the clone, says what is wrong with its set-up and how\n"
		    "to commit the files again, encrypted.\n",
		    outcome);
	} else if (rc < 0) {
		cli_print_diags(stderr, &diags);
		fputs("casefile: push refused: the commits could not be read\n", stderr);
	}
	cf_diags_free(&diags);
	return rc;
}

/* The commits pushed against the member log: their own logs, and what the remote published
 * as far as this clone knows (its remote-tracking branches), descending from the pin.  0 go
 * ahead, 1 refused (printed). */
static int push_policy(git_repository *repo, const char *root, const cf_guard_range *range)
{
	char *git_dir = cf_source_git_dir(root);
	cf_trust_copies copies = {NULL, 0, 0};
	cf_trust_pin pin;
	cf_mlog *published = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = -1;
	if (!git_dir || cf_trust_pin_load(&pin, git_dir, &diags) < 0 ||
	    cf_trust_collect_refs(&copies, repo, NULL, "refs/remotes/", &diags) < 0) {
		print_policy("push", -1, &diags, "Nothing was sent.");
		goto out;
	}
	if (cf_trust_newest(&published, &copies, &pin, &diags) < 0) {
		print_policy("push", 1, &diags, "Nothing was sent.");
		goto out;
	}
	rc = cf_policy_commits(repo, range, published, 0, &diags);
	cf_diags_sort(&diags);
	print_policy("push", rc, &diags, "Nothing was sent.");
out:
	cf_mlog_free(published);
	cf_trust_copies_free(&copies);
	cf_diags_free(&diags);
	free(git_dir);
	return rc == 0 ? 0 : 1;
}

/* The case of a repository path under cases/ ("cases/ID/..."), into out once; *rules set for
 * a path that changes how every case is checked (.casefile/, a .gitattributes). */
static int note_path(cf_strlist *out, int *rules, const char *path)
{
	if (!path)
		return 0;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(path, ".casefile/", 10) == 0 || strcmp(base, ".gitattributes") == 0) {
		*rules = 1;
		return 0;
	}
	size_t n;
	const char *id = cf_crypt_case_of_path(path, &n);
	if (!id)
		return 0;
	char *copy = strndup(id, n);
	int rc =
	    copy && (cf_strlist_contains(out, copy) || cf_strlist_add(out, copy) == 0) ? 0 : -1;
	free(copy);
	return rc;
}

/* The cases the commits of range (one tip) change against their parents, those still at the
 * tip, into out; *all set when they change the rules, or when a commit of the range has no
 * parent (the remote knows none of its history).  0, or -1 when the commits cannot be read. */
static int pushed_cases(cf_strlist *out, int *all, git_repository *repo,
			const cf_guard_range *range)
{
	cf_diags diags = CF_DIAGS_INIT;
	git_revwalk *walk = NULL;
	git_oid id;
	int rc = cf_guard_revwalk(&walk, repo, range, &diags) < 0 ? -1 : 0;
	cf_diags_free(&diags);
	*all = 0;
	while (rc == 0 && !*all && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		git_tree *tree = NULL;
		if (git_commit_lookup(&c, repo, &id) < 0 || git_commit_tree(&tree, c) < 0) {
			rc = -1;
		} else if (git_commit_parentcount(c) == 0) {
			*all = 1;
		}
		for (unsigned k = 0; rc == 0 && !*all && k < git_commit_parentcount(c); k++) {
			git_commit *parent = NULL;
			git_tree *was = NULL;
			git_diff *diff = NULL;
			if (git_commit_parent(&parent, c, k) < 0 ||
			    git_commit_tree(&was, parent) < 0 ||
			    git_diff_tree_to_tree(&diff, repo, was, tree, NULL) < 0)
				rc = -1;
			for (size_t j = 0; rc == 0 && diff && j < git_diff_num_deltas(diff); j++) {
				const git_diff_delta *dd = git_diff_get_delta(diff, j);
				if (note_path(out, all, dd->old_file.path) < 0 ||
				    note_path(out, all, dd->new_file.path) < 0)
					rc = -1;
			}
			git_diff_free(diff);
			git_tree_free(was);
			git_commit_free(parent);
		}
		git_tree_free(tree);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	if (rc == 0 && !*all && out->n) {
		/* a case the push removes is not there to check */
		git_object *tip = NULL;
		git_tree *tree = NULL;
		if (git_revparse_single(&tip, repo, range->tips[0]) < 0 ||
		    git_object_peel((git_object **)&tree, tip, GIT_OBJECT_TREE) < 0)
			rc = -1;
		cf_strlist kept = CF_STRLIST_INIT;
		for (size_t i = 0; rc == 0 && i < out->n; i++) {
			git_tree_entry *e = NULL;
			cf_buf p = CF_BUF_INIT;
			cf_buf_printf(&p, "cases/%s", out->items[i]);
			if (cf_buf_oom(&p))
				rc = -1;
			else if (git_tree_entry_bypath(&e, tree, p.ptr) == 0 &&
				 cf_strlist_add(&kept, out->items[i]) < 0)
				rc = -1;
			git_tree_entry_free(e);
			cf_buf_free(&p);
		}
		git_tree_free(tree);
		git_object_free(tip);
		cf_strlist_free(out);
		*out = kept;
	}
	git_error_clear();
	return rc;
}

static int hook_pre_push(int argc, char **argv, const cf_cli *cli)
{
	const char *remote = argc > 1 ? argv[1] : "";
	cf_strlist tips = CF_STRLIST_INIT, hides = CF_STRLIST_INIT;
	cf_keyring *ring = NULL;
	git_repository *repo = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf glob = CF_BUF_INIT;
	char *root = NULL;
	int refused = 1;
	int cache = 0;
	if (read_updates(&tips, &hides, 4, 1, 3, &cache) < 0) {
		print_cache_refusal(cache, "pre-push");
		goto out;
	}
	if (tips.n == 0) { /* only deletions */
		refused = 0;
		goto out;
	}
	if (cli_find_root(&root) != 0)
		goto out;
	if (cf_source_load_keyring(&ring, root, &diags) < 0 ||
	    cf_guard_open(&repo, root, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fputs("casefile: push refused: the clone's keys or commits could not be read\n",
		      stderr);
		goto out;
	}
	/* What the remote has already was checked when it was pushed: a named remote's
	 * tracking refs, and the ids git says the remote refs point at. */
	if (!tips_are_commits(repo, &tips))
		goto out;
	int named = *remote && !strchr(remote, '/') && !strchr(remote, ':');
	if (named)
		cf_buf_printf(&glob, "refs/remotes/%s/*", remote);
	cf_guard_range range = {
	    (const char *const *)tips.items,  tips.n,  NULL,
	    (const char *const *)hides.items, hides.n, named ? cf_buf_cstr(&glob) : NULL};
	if (guard_range(repo, &range, ring, "Nothing was sent.") != 0)
		goto out;
	if (push_policy(repo, root, &range) != 0)
		goto out;

	/* Each tip pushed: the cases its new commits change checked as committed (every case
	 * when the rules change, or when the remote knows none of its history). */
	int errors = 0;
	for (size_t i = 0; i < tips.n; i++) {
		cf_strlist changed = CF_STRLIST_INIT;
		int all = 0;
		cf_guard_range one = range;
		one.tips = (const char *const *)&tips.items[i];
		one.n_tips = 1;
		if (pushed_cases(&changed, &all, repo, &one) < 0) {
			cf_strlist_free(&changed);
			fprintf(stderr,
				"casefile: push refused: cannot tell which cases commit %.12s "
				"changes\n",
				tips.items[i]);
			errors = 1;
			continue;
		}
		if (!all && changed.n == 0) {
			cf_strlist_free(&changed);
			continue; /* no case changed, nor the rules */
		}
		if (all)
			cf_strlist_free(&changed); /* none named: every case */
		cli_check_opts o = {CLI_FROM_REV, tips.items[i], 0, NULL, &changed, NULL};
		cf_diags d = CF_DIAGS_INIT;
		size_t cases;
		int rc = cli_check(cli, &o, &d, &cases);
		cf_strlist_free(&changed);
		if (rc != CF_EXIT_OK) {
			cf_buf again = CF_BUF_INIT;
			cf_buf_printf(&again, "casefile check --rev %.12s", tips.items[i]);
			if (rc == CF_EXIT_ERRORS)
				print_refusal("push", &d, cf_buf_cstr(&again));
			else
				cli_print_diags(stderr, &d);
			fprintf(stderr, "(commit %.12s, pushed%s%s)\n", tips.items[i],
				*remote ? " to " : "", remote);
			cf_buf_free(&again);
			errors = 1;
		}
		cf_diags_free(&d);
	}
	if (errors) {
		fputs("Fix the files, commit, and push again.\n", stderr);
		goto out;
	}
	refused = 0;
out:
	git_repository_free(repo);
	if (repo)
		git_libgit2_shutdown();
	cf_keyring_free(ring);
	cf_diags_free(&diags);
	cf_strlist_free(&tips);
	cf_strlist_free(&hides);
	cf_buf_free(&glob);
	free(root);
	return refused;
}

/* 1 when the repository has a branch: a push into one without any is an import of a whole
 * history, where old commits under retired keys are allowed. */
static int has_branches(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	const char *name;
	int found = 0;
	if (git_reference_iterator_glob_new(&it, repo, "refs/heads/*") == 0) {
		found = git_reference_next_name(&name, it) == 0;
		git_reference_iterator_free(it);
	}
	git_error_clear();
	return found;
}

/* The pushed commits against the member log: the newest of the repository's refs and the
 * pushed tips, descending from the log the repository pinned when it first saw one.  0 go
 * ahead (the log pinned and kept), 1 refused (printed). */
static int receive_policy(git_repository *repo, const cf_strlist *tips, const cf_guard_range *range,
			  const char *outcome)
{
	const char *git_dir = git_repository_path(repo);
	cf_trust_copies copies = {NULL, 0, 0};
	cf_trust_pin pin;
	cf_mlog *log = NULL, *published = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = -1;
	if (cf_trust_pin_load(&pin, git_dir, &diags) < 0 ||
	    cf_trust_collect_refs(&copies, repo, git_dir, "refs/heads/", &diags) < 0) {
		print_policy("push", -1, &diags, outcome);
		goto out;
	}
	/* What the repository had before this push: the keys it had retired. */
	if (cf_trust_newest(&published, &copies, &pin, &diags) < 0) {
		cf_diags_sort(&diags);
		print_policy("push", 1, &diags, outcome);
		goto out;
	}
	for (size_t i = 0; i < tips->n; i++)
		if (cf_trust_collect_rev(&copies, repo, tips->items[i], &diags) < 0) {
			print_policy("push", -1, &diags, outcome);
			goto out;
		}
	/* And with the pushed logs: each must extend it, none may fork. */
	if (cf_trust_newest(&log, &copies, &pin, &diags) < 0) {
		cf_diags_sort(&diags);
		print_policy("push", 1, &diags, outcome);
		goto out;
	}
	rc = cf_policy_commits(repo, range, published, !has_branches(repo), &diags);
	cf_diags_sort(&diags);
	print_policy("push", rc, &diags, outcome);
	if (rc == 0 && log) {
		/* The first log this repository sees is its anchor, as in a clone. */
		cf_diags_clear(&diags);
		if ((!pin.pinned && cf_trust_pin_save(git_dir, log, &diags) < 0) ||
		    cf_trust_remember(git_dir, log, &diags) < 0) {
			print_policy("push", -1, &diags, outcome);
			rc = -1;
		}
	}
out:
	cf_mlog_free(log);
	cf_mlog_free(published);
	cf_trust_copies_free(&copies);
	cf_diags_free(&diags);
	return rc == 0 ? 0 : 1;
}

static int hook_pre_receive(void)
{
	cf_strlist tips = CF_STRLIST_INIT, none = CF_STRLIST_INIT;
	git_repository *repo = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int refused = 1;
	int cache = 0;
	if (read_updates(&tips, &none, 3, 1, -1, &cache) < 0) {
		print_cache_refusal(cache, "pre-receive");
		goto out;
	}
	if (tips.n == 0) {
		refused = 0;
		goto out;
	}
	/* The pushed objects are in git's quarantine until this hook agrees: open the
	 * repository as git's environment describes it.  It holds no key: the guard can only
	 * see whether each blob is well-formed ciphertext, and that is what it demands. */
	if (cf_guard_open(&repo, NULL, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fputs("casefile: push refused: the pushed commits could not be read\n", stderr);
		goto out;
	}
	if (!tips_are_commits(repo, &tips))
		goto out;
	/* Everything the repository's refs reach now was checked when it came. */
	cf_guard_range range = {(const char *const *)tips.items, tips.n, NULL, NULL, 0, "refs/*"};
	static const char outcome[] =
	    "The shared repository refused them: it keeps nothing of this push.";
	if (guard_range(repo, &range, NULL, outcome) != 0)
		goto out;
	if (receive_policy(repo, &tips, &range, outcome) != 0)
		goto out;
	refused = 0;
out:
	git_repository_free(repo);
	if (repo)
		git_libgit2_shutdown();
	cf_diags_free(&diags);
	cf_strlist_free(&tips);
	cf_strlist_free(&none);
	return refused;
}

int cmd_hook(int argc, char **argv, const cf_cli *cli)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	const char *name = argv[1];
	if (strcmp(name, "pre-commit") == 0)
		return hook_pre_commit(cli, 0);
	if (strcmp(name, "pre-merge-commit") == 0)
		return hook_pre_commit(cli, 1);
	if (strcmp(name, "commit-msg") == 0)
		return hook_commit_msg(argc - 1, argv + 1, cli);
	if (strcmp(name, "pre-push") == 0)
		return hook_pre_push(argc - 1, argv + 1, cli);
	if (strcmp(name, "pre-receive") == 0)
		return hook_pre_receive();
	return cli_usage(
	    "hook",
	    "no hook '%s' (pre-commit, commit-msg, pre-merge-commit, pre-push, pre-receive)", name);
}
