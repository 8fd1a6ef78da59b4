#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "buf.h"
#include "crypt.h"
#include "legacy.h"
#include "protect.h"

#define MAX_DEPTH 64
#define MAX_PARENTS 16

/* ---- logs, once per blob ---- */

typedef struct log_slot {
	git_oid id;
	cf_mlog *log; /* NULL: did not verify */
	char *text;
	size_t len;
} log_slot;

typedef struct policy {
	git_repository *repo;
	const cf_mlog *newest;
	int import;
	cf_diags *diags;
	log_slot **logs; /* each its own allocation: pointers to them stay valid */
	size_t n_logs, cap_logs;
	cf_buf path, shown;
	const char *where; /* "commit 1a2b3c4" or "the index" */
	int bad;
} policy;

static int git_failed(policy *p, const char *what)
{
	const git_error *e = git_error_last();
	cf_diags_add(p->diags, CF_SEV_ERROR, p->where ? p->where : "", 0, 0, "source/read",
		     "%s: %s", what, e && e->message ? e->message : "unknown error");
	return p->diags->oom ? -2 : -1;
}

/* The log of a blob: its slot (log NULL when it did not verify: then reported, once). */
static const log_slot *log_of_blob(policy *p, const git_oid *id)
{
	for (size_t i = 0; i < p->n_logs; i++)
		if (git_oid_equal(&p->logs[i]->id, id))
			return p->logs[i];
	if (p->n_logs == p->cap_logs) {
		size_t cap = p->cap_logs ? p->cap_logs * 2 : 8;
		log_slot **v = realloc(p->logs, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->logs = v;
		p->cap_logs = cap;
	}
	log_slot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	git_oid_cpy(&s->id, id);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, p->repo, id) < 0) {
		free(s);
		git_failed(p, "cannot read the member log");
		return NULL;
	}
	size_t len = (size_t)git_blob_rawsize(blob);
	s->text = len <= CF_MLOG_MAX_BYTES ? malloc(len + 1) : NULL;
	if (!s->text) {
		git_blob_free(blob);
		free(s);
		if (len > CF_MLOG_MAX_BYTES) {
			cf_diags_add(p->diags, CF_SEV_ERROR, CF_MLOG_PATH, 0, 0, "crypt/untrusted",
				     "the member log is larger than casefile reads (%s)", p->where);
			p->bad = 1;
		}
		return NULL;
	}
	memcpy(s->text, git_blob_rawcontent(blob), len);
	s->text[len] = '\0';
	s->len = len;
	git_blob_free(blob);
	cf_buf where = CF_BUF_INIT;
	cf_buf_printf(&where, "%s (%s)", CF_MLOG_PATH, p->where);
	if (cf_buf_oom(&where)) {
		free(s->text);
		free(s);
		return NULL;
	}
	if (cf_mlog_load(&s->log, s->text, len, where.ptr, p->diags) != 0)
		p->bad = 1;
	cf_buf_free(&where);
	p->logs[p->n_logs++] = s;
	return s;
}

/* The log slot of a tree (*slot NULL when the tree has no log): 0, or -1/-2. */
static int log_of_tree(const log_slot **slot, policy *p, const git_tree *tree)
{
	*slot = NULL;
	git_tree_entry *e = NULL;
	if (git_tree_entry_bypath(&e, tree, CF_MLOG_PATH) < 0) {
		git_error_clear();
		return 0;
	}
	int rc = 0;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    !(*slot = log_of_blob(p, git_tree_entry_id(e))))
		rc = p->diags->oom || !p->diags->len ? -2 : -1;
	git_tree_entry_free(e);
	return rc;
}

static int has_entries(const log_slot *s)
{
	return s && (!s->log || cf_mlog_entries(s->log) > 0);
}

/* ---- judging ---- */

static cf_diag *report(policy *p, const char *rule, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cf_diag *report(policy *p, const char *rule, const char *path, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cf_buf_printf(&msg, " (%s)", p->where);
	p->bad = 1;
	if (cf_buf_oom(&msg)) {
		p->diags->oom = 1;
		cf_buf_free(&msg);
		return NULL;
	}
	const char *shown = cf_guard_printable(&p->shown, path);
	cf_diag *d =
	    cf_diags_add(p->diags, CF_SEV_ERROR, shown ? shown : "?", 0, 0, rule, "%s", msg.ptr);
	cf_buf_free(&msg);
	return d;
}

static void judge(policy *p, const char *path, const void *data, size_t len, const cf_mlog *own)
{
	const cf_mlog_key *k = NULL;
	cf_blob_verdict v = cf_access_judge_blob(own, path, data, len, &k);
	if (v == CF_BLOB_NOT_BLOB)
		return; /* lib/guard's crypt/plaintext */
	cf_blob_verdict vn = v;
	const cf_mlog_key *kn = k;
	if (p->newest && p->newest != own)
		vn = cf_access_judge_blob(p->newest, path, data, len, &kn);
	int retired = kn && kn->retired && !p->import;
	if ((v == CF_BLOB_OK || vn == CF_BLOB_OK) && !retired)
		return;
	cf_blob_verdict why = retired ? CF_BLOB_RETIRED_KEY : v;
	const char *rule = why == CF_BLOB_WRONG_CASE ? "crypt/tampered" : "crypt/policy";
	cf_diag *d = report(p, rule, path, "%s", cf_blob_verdict_text(why));
	if (!d)
		return;
	switch (why) {
	case CF_BLOB_RETIRED_KEY:
	case CF_BLOB_OLD_FORMAT:
		cf_diag_hint(
		    p->diags, d,
		    "the commit was made by a clone that had not seen the latest member "
		    "log (or an older casefile): in that clone run `casefile unlock`, then "
		    "`casefile rekey --unpushed` to encrypt its unpushed commits again with "
		    "the current keys, and push again");
		break;
	case CF_BLOB_WRONG_CASE:
		cf_diag_hint(p->diags, d,
			     "a file copied from another case's encrypted blob: someone without "
			     "the key moved ciphertext; restore the file from a commit you trust");
		break;
	default:
		cf_diag_hint(p->diags, d,
			     "only casefile's filter, with the key the member log assigns, makes "
			     "the files of a case: restore the file from a commit you trust, and "
			     "tell an administrator");
		break;
	}
}

static int judge_oid(policy *p, const char *path, const git_oid *id, const cf_mlog *own)
{
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type;
	int rc = 0;
	if (git_repository_odb(&odb, p->repo) < 0 ||
	    git_odb_read_header(&size, &type, odb, id) < 0) {
		rc = git_failed(p, "cannot read a blob");
		goto out;
	}
	if (size > CF_CRYPT_MAX_BLOB)
		goto out; /* lib/guard: crypt/format by its size */
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, p->repo, id) < 0) {
		rc = git_failed(p, "cannot read a blob");
		goto out;
	}
	/* The header is all that is judged. */
	judge(p, path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), own);
	git_blob_free(blob);
	rc = p->diags->oom ? -2 : 0;
out:
	git_odb_free(odb);
	return rc;
}

/* The entries of tree (at p->path) that no parent tree has, judged; parents[i] may be NULL. */
static int walk_new(policy *p, const git_tree *tree, const git_tree *const *parents, size_t np,
		    const cf_mlog *own, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return 0; /* lib/guard refuses such trees */
	size_t base = p->path.len;
	size_t n = git_tree_entrycount(tree);
	int rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		const git_tree_entry *pe[MAX_PARENTS];
		int same = 0;
		for (size_t j = 0; j < np; j++) {
			pe[j] = parents[j] ? git_tree_entry_byname(parents[j], name) : NULL;
			same |=
			    pe[j] && git_oid_equal(git_tree_entry_id(pe[j]), git_tree_entry_id(e));
		}
		if (same)
			continue;
		p->path.len = base;
		cf_buf_puts(&p->path, name);
		if (cf_buf_oom(&p->path))
			return -2;
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			git_tree *sub = NULL;
			git_tree *psub[MAX_PARENTS] = {NULL};
			if (git_tree_lookup(&sub, p->repo, git_tree_entry_id(e)) < 0) {
				rc = git_failed(p, "cannot read a directory");
				break;
			}
			for (size_t j = 0; j < np; j++)
				if (pe[j] && git_tree_entry_type(pe[j]) == GIT_OBJECT_TREE &&
				    git_tree_lookup(&psub[j], p->repo, git_tree_entry_id(pe[j])) <
					0)
					psub[j] = NULL;
			git_error_clear();
			cf_buf_putc(&p->path, '/');
			rc = walk_new(p, sub, (const git_tree *const *)psub, np, own, depth + 1);
			for (size_t j = 0; j < np; j++)
				git_tree_free(psub[j]);
			git_tree_free(sub);
		} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			   git_tree_entry_filemode(e) != GIT_FILEMODE_LINK) {
			rc = judge_oid(p, cf_buf_cstr(&p->path), git_tree_entry_id(e), own);
		}
	}
	p->path.len = base;
	if (p->path.ptr)
		p->path.ptr[base] = '\0';
	return rc;
}

/* The subtree of root named name (any letter case for cases/, as lib/guard reads it). */
static git_tree *subtree(policy *p, const git_tree *root, const char *name, int any_case)
{
	if (!root)
		return NULL;
	size_t n = git_tree_entrycount(root);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(root, i);
		const char *en = git_tree_entry_name(e);
		if ((any_case ? strcasecmp(en, name) : strcmp(en, name)) != 0 ||
		    git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		git_tree *t = NULL;
		if (git_tree_lookup(&t, p->repo, git_tree_entry_id(e)) == 0)
			return t;
		git_error_clear();
	}
	return NULL;
}

/* Legacy key files a commit with a log adds or changes. */
static int legacy_added(policy *p, const git_tree *tree, const git_tree *const *parents, size_t np)
{
	static const char *const paths[] = {CF_LEGACY_ACCESS_PATH, CF_LEGACY_MEMBERS_DIR,
					    CF_LEGACY_SEALED_DIR};
	for (size_t i = 0; i < 3; i++) {
		git_tree_entry *e = NULL;
		if (git_tree_entry_bypath(&e, tree, paths[i]) < 0) {
			git_error_clear();
			continue;
		}
		int same = 0;
		for (size_t j = 0; j < np && !same; j++) {
			git_tree_entry *pe = NULL;
			if (parents[j] && git_tree_entry_bypath(&pe, parents[j], paths[i]) == 0)
				same = git_oid_equal(git_tree_entry_id(pe), git_tree_entry_id(e));
			git_tree_entry_free(pe);
			git_error_clear();
		}
		git_tree_entry_free(e);
		if (same)
			continue;
		cf_diag *d = report(p, "crypt/untrusted", paths[i],
				    "a file of the key layout before the member log: casefile does "
				    "not read it, and it must not be there");
		if (d)
			cf_diag_hint(
			    p->diags, d,
			    "keys come from the signed member log only: `git rm -r` it; if "
			    "nobody you know added it, tell an administrator");
	}
	return p->diags->oom ? -2 : 0;
}

/* One commit (or the index, tree given): its log against its parents', its new files. */
static int judge_tree(policy *p, const git_tree *tree, const git_tree *const *parents, size_t np)
{
	const log_slot *own = NULL;
	int rc = log_of_tree(&own, p, tree);
	if (rc < 0)
		return rc;
	for (size_t j = 0; j < np; j++) {
		const log_slot *pl = NULL;
		if (!parents[j] || (rc = log_of_tree(&pl, p, parents[j])) < 0)
			continue;
		if (!has_entries(pl))
			continue;
		if (!own || own->len < pl->len || memcmp(own->text, pl->text, pl->len) != 0) {
			cf_diag *d = report(
			    p, "crypt/untrusted", CF_MLOG_PATH,
			    own ? "the member log is not its parent's with entries appended: an "
				  "entry was changed, removed or forked"
				: "the member log is removed");
			if (d)
				cf_diag_hint(
				    p->diags, d,
				    "the log is append-only: restore it from the parent "
				    "commit (`git checkout HEAD -- .casefile/members.log`)");
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (!has_entries(own))
		return 0;
	if ((rc = legacy_added(p, tree, parents, np)) < 0)
		return rc;
	if (!own->log)
		return 0; /* reported when loaded: nothing to judge against */
	git_tree *cases = subtree(p, tree, CF_CASES_DIR, 1);
	if (!cases)
		return 0;
	git_tree *pc[MAX_PARENTS] = {NULL};
	for (size_t j = 0; j < np; j++)
		pc[j] = subtree(p, parents[j], CF_CASES_DIR, 1);
	cf_buf_clear(&p->path);
	cf_buf_puts(&p->path, CF_CASES_DIR "/");
	rc = cf_buf_oom(&p->path)
		 ? -2
		 : walk_new(p, cases, (const git_tree *const *)pc, np, own->log, 0);
	for (size_t j = 0; j < np; j++)
		git_tree_free(pc[j]);
	git_tree_free(cases);
	return rc;
}

static void policy_free(policy *p)
{
	for (size_t i = 0; i < p->n_logs; i++) {
		cf_mlog_free(p->logs[i]->log);
		free(p->logs[i]->text);
		free(p->logs[i]);
	}
	free(p->logs);
	cf_buf_free(&p->path);
	cf_buf_free(&p->shown);
}

int cf_policy_commits(git_repository *repo, const cf_guard_range *range, const cf_mlog *newest,
		      int import, cf_diags *diags)
{
	policy p;
	memset(&p, 0, sizeof(p));
	p.repo = repo;
	p.newest = newest;
	p.import = import;
	p.diags = diags;
	git_revwalk *rw = NULL;
	int rc = cf_guard_revwalk(&rw, repo, range, diags);
	if (rc < 0)
		return rc;
	git_oid id;
	int err;
	char where[64];
	while (rc >= 0 && (err = git_revwalk_next(&id, rw)) == 0) {
		git_commit *c = NULL;
		git_tree *tree = NULL;
		git_tree *parents[MAX_PARENTS] = {NULL};
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, 13, &id);
		snprintf(where, sizeof(where), "commit %s", hex);
		p.where = where;
		if (git_commit_lookup(&c, repo, &id) < 0 || git_commit_tree(&tree, c) < 0) {
			rc = git_failed(&p, "cannot read the commit");
		} else {
			size_t np = git_commit_parentcount(c);
			if (np > MAX_PARENTS)
				np = MAX_PARENTS;
			for (size_t j = 0; j < np; j++) {
				git_commit *pc = NULL;
				if (git_commit_parent(&pc, c, (unsigned)j) == 0)
					git_commit_tree(&parents[j], pc);
				git_error_clear();
				git_commit_free(pc);
			}
			rc = judge_tree(&p, tree, (const git_tree *const *)parents, np);
			for (size_t j = 0; j < np; j++)
				git_tree_free(parents[j]);
		}
		git_tree_free(tree);
		git_commit_free(c);
	}
	if (rc >= 0 && err != GIT_ITEROVER)
		rc = git_failed(&p, "cannot walk the history");
	git_revwalk_free(rw);
	int bad = p.bad;
	policy_free(&p);
	if (diags->oom)
		return -2;
	return rc < 0 ? rc : bad;
}

/* The tree of a revision, or NULL. */
static git_tree *tree_of(git_repository *repo, const char *rev)
{
	git_object *obj = NULL, *t = NULL;
	if (git_revparse_single(&obj, repo, rev) == 0 &&
	    git_object_peel(&t, obj, GIT_OBJECT_TREE) == 0) {
		git_object_free(obj);
		return (git_tree *)t;
	}
	git_error_clear();
	git_object_free(obj);
	return NULL;
}

int cf_policy_index(git_repository *repo, const cf_mlog *newest, cf_diags *diags)
{
	policy p;
	memset(&p, 0, sizeof(p));
	p.repo = repo;
	p.newest = newest;
	p.diags = diags;
	p.where = "the index";
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_tree *parents[2] = {tree_of(repo, "HEAD"), tree_of(repo, "MERGE_HEAD")};
	int rc;
	git_oid tid;
	/* The tree the index would commit (written to the object store, as `git commit` will). */
	if (git_repository_index(&index, repo) < 0 || git_index_write_tree(&tid, index) < 0 ||
	    git_tree_lookup(&tree, repo, &tid) < 0) {
		git_error_clear();
		/* A conflicted index has no tree: judge nothing (git refuses to commit it). */
		rc = 0;
	} else {
		rc = judge_tree(&p, tree, (const git_tree *const *)parents, parents[1] ? 2 : 1);
	}
	git_tree_free(tree);
	git_tree_free(parents[0]);
	git_tree_free(parents[1]);
	git_index_free(index);
	int bad = p.bad;
	policy_free(&p);
	if (diags->oom)
		return -2;
	return rc < 0 ? rc : bad;
}

const cf_rule_info cf_policy_rules[] = {
    {"crypt/policy", "a case file not encrypted the way the member log says",
     "Every file a commit adds or changes under cases/ is encrypted in format 2, for the case "
     "it is in, with the key the member log assigns to that case -- never with a key the log "
     "has retired (pre-commit, pre-merge-commit, pre-push, the shared repository's "
     "pre-receive hook, and `casefile doctor` for past commits).",
     "A retired key is one a removed member may still hold: a file encrypted with it after "
     "the rotation would be readable to them.  A clone that had not yet seen the rotation "
     "makes such files in good faith; refusing them at the push keeps them off the server. "
     "A key the log never made is someone's own: encrypting a case with it hands the case to "
     "them.",
     "In the clone that made the commits: `casefile unlock` (installs the current keys), then "
     "`casefile rekey --unpushed`, which encrypts the unpushed commits again with the current "
     "keys, and push again.  For files of format 1 in the working tree, `casefile rekey`.",
     "Working Together to Safeguard Children 2023, ch. 5 (information shared securely); "
     "seeds 001 §2.1.6"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
