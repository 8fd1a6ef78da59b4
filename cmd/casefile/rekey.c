/* casefile rekey: case files encrypted again under the keys the member log assigns them now.
 *
 * Without options: every file under cases/ whose staged blob is not what the log demands (a
 * blob of the format before case binding, under a retired key, or under another scope's key)
 * is encrypted again from the working tree (`git add --renormalize`) and staged.
 *
 * --unpushed: also the commits of the current branch that no remote-tracking branch holds --
 * the work of a clone that committed before it fetched a rotation, which pre-push and the
 * shared repository refuse.  Each such commit is written again with every blob it brought in
 * under cases/ decrypted in secure memory and encrypted under its case's current key; authors,
 * dates and messages stay as they were.  The branch is moved to the rewritten tip (the old one
 * stays in the reflog) and the index follows it.  Plaintext never reaches the disk. */
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "arena.h"
#include "change.h"
#include "cli.h"
#include "clone.h"
#include "crypt.h"
#include "keys.h"
#include "trust.h"

static const char usage_text[] =
    "usage: casefile rekey [--unpushed] [--dry-run]\n"
    "\n"
    "Encrypts the files under cases/ again under the keys the member log assigns them now:\n"
    "those staged in the format of an older casefile, under a retired key (a clone that\n"
    "missed a rotation) or under another case's key. The working tree's files are\n"
    "encrypted again and staged; commit them.\n"
    "\n"
    "  --unpushed  also write again the commits of the current branch that no remote has\n"
    "              (what pre-push refuses after a rotation): every case file they brought\n"
    "              in is encrypted again under its case's current key; authors, dates\n"
    "              and messages stay; the branch moves to the new commits\n"
    "  --dry-run   say what would be encrypted again, change nothing\n"
    "\n"
    "The clone must be unlocked (it decrypts with the keys it holds, retired ones among\n"
    "them) and cases/ must have no unstaged changes.\n"
    "\n"
    "Exit codes: 0 done (or nothing to do), 2 usage error or local changes, 3 a key is\n"
    "missing or the member log is untrusted.\n";

/* One blob written again: old id, new id. */
typedef struct blob_map {
	git_oid *from, *to;
	size_t n, cap;
} blob_map;

static const git_oid *map_find(const blob_map *m, const git_oid *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (git_oid_equal(&m->from[i], id))
			return &m->to[i];
	return NULL;
}

static int map_add(blob_map *m, const git_oid *from, const git_oid *to)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		git_oid *f = realloc(m->from, cap * sizeof(*f));
		if (!f)
			return -1;
		m->from = f;
		git_oid *t = realloc(m->to, cap * sizeof(*t));
		if (!t)
			return -1;
		m->to = t;
		m->cap = cap;
	}
	git_oid_cpy(&m->from[m->n], from);
	git_oid_cpy(&m->to[m->n], to);
	m->n++;
	return 0;
}

typedef struct rewrite {
	git_repository *repo;
	const cf_mlog *log;
	const cf_keyring *ring;
	cf_arena *plain, *pad;
	blob_map map;
	git_commit *const *kept_parents; /* the commit's parents that are not rewritten */
	size_t n_kept;
	git_tree_update *updates;
	char **paths;
	size_t n_updates, cap_updates;
	size_t blobs;
	int failed;
	const char *failed_path;
	cf_diags *diags;
} rewrite;

/* 1 when a parent that stays as it is holds blob id at path: it was pushed, accepted then,
 * and is not this commit's to change. */
static int kept_parent_has(const rewrite *w, const char *path, const git_oid *id)
{
	for (size_t i = 0; i < w->n_kept; i++) {
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		int same = git_commit_tree(&t, w->kept_parents[i]) == 0 &&
			   git_tree_entry_bypath(&e, t, path) == 0 &&
			   git_oid_equal(git_tree_entry_id(e), id);
		git_tree_entry_free(e);
		git_tree_free(t);
		git_error_clear();
		if (same)
			return 1;
	}
	return 0;
}

/* The blob encrypted again under the log's key for path: 0 and *out, or -1 (a diagnostic). */
static int reencrypt(git_oid *out, rewrite *w, const char *path, git_blob *blob)
{
	const cf_mlog_key *lk = cf_access_key_for_path(w->log, path);
	const cf_key *k = lk ? cf_keyring_find(w->ring, lk->id) : NULL;
	if (!k) {
		cf_diags_add(w->diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
			     "the key the member log assigns this file now is not in this clone "
			     "(run `casefile unlock`)");
		return -1;
	}
	char *plain = NULL;
	size_t len = 0;
	cf_arena_reset(w->plain);
	if (cf_crypt_decrypt(&plain, &len, w->plain, w->ring, git_blob_rawcontent(blob),
			     (size_t)git_blob_rawsize(blob), path, w->diags) < 0)
		return -1;
	cf_buf cipher = CF_BUF_INIT;
	int rc = cf_crypt_encrypt(&cipher, k, path, plain, len, w->pad);
	cf_arena_reset(w->plain);
	cf_arena_reset(w->pad);
	if (rc < 0 || cf_buf_oom(&cipher) ||
	    git_blob_create_from_buffer(out, w->repo, cipher.ptr, cipher.len) < 0) {
		cf_diags_add(w->diags, CF_SEV_ERROR, path, 0, 0, "crypt/memory",
			     "cannot write the file again");
		rc = -1;
	}
	cf_buf_free(&cipher);
	return rc < 0 ? -1 : 0;
}

static int add_update(rewrite *w, const char *path, const git_oid *id, git_filemode_t mode)
{
	if (w->n_updates == w->cap_updates) {
		size_t cap = w->cap_updates ? w->cap_updates * 2 : 32;
		git_tree_update *u = realloc(w->updates, cap * sizeof(*u));
		if (!u)
			return -1;
		w->updates = u;
		char **p = realloc(w->paths, cap * sizeof(*p));
		if (!p)
			return -1;
		w->paths = p;
		w->cap_updates = cap;
	}
	char *copy = cf_strdup(path);
	if (!copy)
		return -1;
	git_tree_update *u = &w->updates[w->n_updates];
	memset(u, 0, sizeof(*u));
	u->action = GIT_TREE_UPDATE_UPSERT;
	git_oid_cpy(&u->id, id);
	u->filemode = mode;
	u->path = copy;
	w->paths[w->n_updates++] = copy;
	return 0;
}

static int walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
	rewrite *w = payload;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	cf_buf path = CF_BUF_INIT;
	cf_buf_printf(&path, "cases/%s%s", root, git_tree_entry_name(e));
	if (cf_buf_oom(&path)) {
		w->failed = 1;
		return -1;
	}
	const git_oid *id = git_tree_entry_id(e);
	const git_oid *mapped = map_find(&w->map, id);
	git_blob *blob = NULL;
	int rc = 0;
	if (mapped) {
		rc = add_update(w, path.ptr, mapped, git_tree_entry_filemode(e));
	} else if (git_blob_lookup(&blob, w->repo, id) == 0) {
		cf_blob_verdict v =
		    cf_access_judge_blob(w->log, path.ptr, git_blob_rawcontent(blob),
					 (size_t)git_blob_rawsize(blob), NULL);
		if ((v == CF_BLOB_OLD_FORMAT || v == CF_BLOB_RETIRED_KEY ||
		     v == CF_BLOB_WRONG_KEY) &&
		    !kept_parent_has(w, path.ptr, id)) {
			git_oid to;
			rc = reencrypt(&to, w, path.ptr, blob);
			if (rc == 0)
				rc = map_add(&w->map, id, &to);
			if (rc == 0)
				rc = add_update(w, path.ptr, &to, git_tree_entry_filemode(e));
			if (rc == 0)
				w->blobs++;
		}
	}
	git_error_clear();
	git_blob_free(blob);
	cf_buf_free(&path);
	if (rc < 0) {
		w->failed = 1;
		return -1;
	}
	return 0;
}

static void clear_updates(rewrite *w)
{
	for (size_t i = 0; i < w->n_updates; i++)
		free(w->paths[i]);
	w->n_updates = 0;
}

/* The commits to write again: the current branch's, not on any remote-tracking branch,
 * oldest first.  0 or -1. */
static int unpushed(git_oid **out, size_t *n, git_repository *repo)
{
	git_revwalk *walk = NULL;
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	int rc = -1;
	if (git_revwalk_new(&walk, repo) < 0)
		return -1;
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if (git_revwalk_push_head(walk) < 0 || git_revwalk_hide_glob(walk, "refs/remotes/*") < 0)
		goto out;
	git_oid id;
	while (git_revwalk_next(&id, walk) == 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			git_oid *v = realloc(*out, cap * sizeof(*v));
			if (!v)
				goto out;
			*out = v;
		}
		git_oid_cpy(&(*out)[(*n)++], &id);
	}
	rc = 0;
out:
	git_revwalk_free(walk);
	return rc;
}

/* Writes the unpushed commits again; *count receives how many changed.  0, or an exit code
 * with the reason printed. */
static int rewrite_unpushed(size_t *count, size_t *blobs, git_repository *repo, const cf_mlog *log,
			    const cf_keyring *ring, int dry_run)
{
	git_oid *ids = NULL, *new_ids = NULL;
	size_t n = 0;
	cf_diags diags = CF_DIAGS_INIT;
	rewrite w;
	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.log = log;
	w.ring = ring;
	w.diags = &diags;
	git_reference *head = NULL, *moved = NULL;
	int rc = CF_EXIT_USAGE;
	*count = 0;
	*blobs = 0;
	if (git_repository_head(&head, repo) < 0 || !git_reference_is_branch(head)) {
		git_error_clear();
		rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL, "check out a branch first",
				   "HEAD is not a branch, so there is nothing to move");
		goto out;
	}
	if (cf_arena_new(&w.plain, 1) < 0 || cf_arena_new(&w.pad, 1) < 0 ||
	    unpushed(&ids, &n, repo) < 0 || !(new_ids = calloc(n ? n : 1, sizeof(*new_ids)))) {
		rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL, NULL, "cannot walk the history");
		goto out;
	}
	int changed_any = 0;
	for (size_t i = 0; i < n; i++) {
		git_commit *c = NULL, *parents[16] = {NULL}, *kept[16] = {NULL};
		git_tree *tree = NULL, *new_tree = NULL, *cases = NULL;
		git_tree_entry *ce = NULL;
		size_t np = 0, nk = 0;
		int changed = 0, ok = 0;
		if (git_commit_lookup(&c, repo, &ids[i]) < 0 || git_commit_tree(&tree, c) < 0)
			goto next;
		np = git_commit_parentcount(c);
		if (np > 16)
			goto next;
		for (size_t p = 0; p < np; p++) {
			const git_oid *pid = git_commit_parent_id(c, (unsigned)p);
			size_t j = 0;
			while (j < i && !git_oid_equal(&ids[j], pid))
				j++;
			/* a rewritten parent: its new id; else the parent as it is */
			if (j < i && !git_oid_equal(&new_ids[j], pid))
				changed = 1;
			if (git_commit_lookup(&parents[p], repo, j < i ? &new_ids[j] : pid) < 0)
				goto next;
			if (j == i)
				kept[nk++] = parents[p];
		}
		w.kept_parents = kept;
		w.n_kept = nk;
		clear_updates(&w);
		if (git_tree_entry_bypath(&ce, tree, "cases") == 0 &&
		    git_tree_entry_type(ce) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&cases, repo, git_tree_entry_id(ce)) == 0 &&
		    git_tree_walk(cases, GIT_TREEWALK_PRE, walk_entry, &w) < 0 && w.failed)
			goto next;
		git_error_clear();
		const git_oid *tree_id = git_tree_id(tree);
		git_oid built;
		if (w.n_updates) {
			if (git_tree_create_updated(&built, repo, tree, w.n_updates, w.updates) <
				0 ||
			    git_tree_lookup(&new_tree, repo, &built) < 0)
				goto next;
			tree_id = &built;
			changed = 1;
		}
		if (!changed || dry_run) {
			git_oid_cpy(&new_ids[i], dry_run ? &ids[i] : git_commit_id(c));
			*count += (size_t)changed;
			ok = 1;
			goto next;
		}
		if (!new_tree && git_tree_lookup(&new_tree, repo, tree_id) < 0)
			goto next;
		if (git_commit_create(&new_ids[i], repo, NULL, git_commit_author(c),
				      git_commit_committer(c), git_commit_message_encoding(c),
				      git_commit_message_raw(c), new_tree, np,
				      (const git_commit **)parents) < 0)
			goto next;
		(*count)++;
		changed_any = 1;
		ok = 1;
	next:
		git_tree_entry_free(ce);
		git_tree_free(cases);
		git_tree_free(new_tree);
		git_tree_free(tree);
		for (size_t p = 0; p < np && p < 16; p++)
			git_commit_free(parents[p]);
		git_commit_free(c);
		if (!ok) {
			cli_print_diags(stderr, &diags);
			const git_error *e = git_error_last();
			rc = cli_key_error(
			    "rekey", w.failed ? CF_EXIT_KEY : CF_EXIT_USAGE, NULL,
			    "nothing was changed", "cannot write commit %.12s again%s%s",
			    git_oid_tostr_s(&ids[i]), e ? ": " : "", e ? e->message : "");
			goto out;
		}
	}
	*blobs = w.blobs;
	if (changed_any && n &&
	    git_reference_set_target(&moved, head, &new_ids[n - 1], "casefile rekey --unpushed") <
		0) {
		const git_error *e = git_error_last();
		rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL, NULL, "cannot move %s: %s",
				   git_reference_shorthand(head), e ? e->message : "unknown error");
		goto out;
	}
	rc = 0;
out:
	clear_updates(&w);
	free(w.updates);
	free(w.paths);
	free(w.map.from);
	free(w.map.to);
	cf_arena_free(w.plain);
	cf_arena_free(w.pad);
	git_reference_free(moved);
	git_reference_free(head);
	free(ids);
	free(new_ids);
	cf_diags_free(&diags);
	return rc;
}

int cmd_rekey(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	int all = 0, dry_run = 0;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--unpushed") == 0) {
			all = 1;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = 1;
		} else {
			return cli_usage("rekey", "unknown argument '%s'", argv[i]);
		}
	}
	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, "rekey");
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_trust_pin pin;
	cf_keyring *ring = NULL;
	cf_strlist stale = CF_STRLIST_INIT;
	git_repository *repo = NULL;
	cf_buf st = CF_BUF_INIT;
	if ((rc = cli_load_log_keys(&log, &pin, &ring, root, git_dir, 1, &diags)))
		goto out;
	if (!log || !pin.pinned) {
		rc = cli_key_error("rekey", CF_EXIT_KEY, log ? "crypt/untrusted" : "crypt/upgrade",
				   log ? "run `casefile unlock`, which pins it"
				       : "an admin runs `casefile upgrade` once, and commits",
				   log ? "this clone has not pinned the repository's fingerprint"
				       : "this repository has no signed member log to rekey to");
		goto out;
	}
	if (all) {
		if (cli_cases_changes(&st, root, 0) != 0 || st.len ||
		    cli_gitv(NULL, root, 1, "diff", "--cached", "--quiet", (char *)NULL) != 0) {
			rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL,
					   "commit or stash them first",
					   "the clone has staged or unstaged changes; nothing was "
					   "changed");
			goto out;
		}
		if (git_libgit2_init() < 0 ||
		    git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
			rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL, NULL,
					   "cannot open the repository");
			goto out;
		}
		git_oid before;
		int had_head = git_reference_name_to_id(&before, repo, "HEAD") == 0;
		git_error_clear();
		size_t commits = 0, blobs = 0;
		if ((rc = rewrite_unpushed(&commits, &blobs, repo, log, ring, dry_run)))
			goto out;
		if (commits && !dry_run && had_head) {
			/* The index follows the branch: its entries that were the old blobs are
			 * the new ones (the working tree's plaintext is the same). */
			if (cli_gitv(NULL, root, 0, "reset", "-q", (char *)NULL) != 0) {
				rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL,
						   "`git reset` brings the index to the new HEAD",
						   "the commits were written again but the index "
						   "was not updated");
				goto out;
			}
		}
		printf("casefile: rekey: %zu unpushed commit%s %s, %zu case file%s encrypted "
		       "again\n",
		       commits, commits == 1 ? "" : "s",
		       dry_run ? "to write again" : "written again", blobs, blobs == 1 ? "" : "s");
	}
	if (cli_stale_files(&stale, root, log) < 0) {
		rc = cli_key_error("rekey", CF_EXIT_USAGE, NULL, NULL, "cannot read the git index");
		goto out;
	}
	if (dry_run) {
		for (size_t i = 0; i < stale.n; i++)
			printf("%s\n", stale.items[i]);
		printf("casefile: rekey: %zu staged file%s to encrypt again\n", stale.n,
		       stale.n == 1 ? "" : "s");
		goto out;
	}
	if ((rc = cli_ready_to_reencrypt(root, &stale, "rekey")))
		goto out;
	if (cli_renormalize(root, &stale) < 0) {
		rc = cli_key_error("rekey", CF_EXIT_KEY, NULL, NULL,
				   "encrypting the files again failed (see above)");
		goto out;
	}
	if ((rc = cli_check_staged(root, log, NULL, "rekey")))
		goto out;
	printf("casefile: rekey: %zu staged file%s encrypted again%s\n", stale.n,
	       stale.n == 1 ? "" : "s", stale.n ? ": commit them" : "");
out:
	if (repo) {
		git_repository_free(repo);
		git_libgit2_shutdown();
	}
	cf_buf_free(&st);
	cf_strlist_free(&stale);
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}
