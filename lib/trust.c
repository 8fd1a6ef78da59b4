#include "trust.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"

#define PIN_HEAD "casefile-trust 1"

/* ---- the pin ---- */

static int untrusted(cf_diags *diags, const char *where, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int untrusted(cf_diags *diags, const char *where, const char *hint, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (cf_buf_oom(&msg)) {
		diags->oom = 1;
	} else {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, where, 0, 0, "crypt/untrusted", "%s",
					  msg.ptr);
		if (hint)
			cf_diag_hint(diags, d, "%s", hint);
	}
	cf_buf_free(&msg);
	return -1;
}

int cf_trust_pin_load(cf_trust_pin *out, const char *git_dir, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	char *path = cf_path_join(git_dir, CF_TRUST_PIN_FILE);
	cf_buf text = CF_BUF_INIT;
	int rc = -1;
	if (!path) {
		diags->oom = 1;
		goto out;
	}
	if (cf_read_file_buf(&text, path, 4096) < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-io",
				     "cannot read the pinned fingerprint: %s", strerror(errno));
		goto out;
	}
	const char *t = cf_buf_cstr(&text);
	size_t hl = strlen(PIN_HEAD);
	size_t got = 0;
	const char *end = NULL;
	if (strncmp(t, PIN_HEAD "\ngenesis ", hl + 9) != 0 ||
	    strlen(t) != hl + 9 + 2 * CF_HASH_BYTES + 1 || t[text.len - 1] != '\n' ||
	    sodium_hex2bin(out->genesis, CF_HASH_BYTES, t + hl + 9, 2 * CF_HASH_BYTES, NULL, &got,
			   &end) != 0 ||
	    got != CF_HASH_BYTES) {
		untrusted(diags, path,
			  "it is written by `casefile unlock`; remove it and run `casefile unlock` "
			  "to pin the fingerprint your administrator gave you",
			  "not a pinned fingerprint: it must be '%s' and 'genesis HASH'", PIN_HEAD);
		goto out;
	}
	out->pinned = 1;
	rc = 0;
out:
	cf_buf_free(&text);
	free(path);
	return rc;
}

/* GIT_DIR/casefile, mode 0700. */
static char *private_dir(const char *git_dir, cf_diags *diags)
{
	char *dir = cf_path_join(git_dir, "casefile");
	if (!dir) {
		diags->oom = 1;
		return NULL;
	}
	if (!cf_is_dir(dir) && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cf_diags_add(diags, CF_SEV_ERROR, dir, 0, 0, "crypt/key-io", "cannot create it: %s",
			     strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

int cf_trust_pin_save(const char *git_dir, const cf_mlog *log, cf_diags *diags)
{
	if (cf_mlog_entries(log) == 0)
		return 0;
	char *dir = private_dir(git_dir, diags);
	char *path = dir ? cf_path_join(git_dir, CF_TRUST_PIN_FILE) : NULL;
	char hex[2 * CF_HASH_BYTES + 1];
	cf_buf text = CF_BUF_INIT;
	int rc = -1;
	if (!path)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), cf_mlog_entry_hash(log, 0), CF_HASH_BYTES);
	cf_buf_printf(&text, PIN_HEAD "\ngenesis %s\n", hex);
	if (cf_buf_oom(&text) || cf_write_file_atomic(path, text.ptr, text.len, 0600) < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-io",
			     "cannot pin the fingerprint: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	cf_buf_free(&text);
	free(path);
	free(dir);
	return rc;
}

/* ---- copies ---- */

int cf_trust_copies_add(cf_trust_copies *c, const char *where, const char *text, size_t len)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		cf_trust_copy *v = realloc(c->items, cap * sizeof(*v));
		if (!v)
			return -1;
		c->items = v;
		c->cap = cap;
	}
	cf_trust_copy *t = &c->items[c->n];
	memset(t, 0, sizeof(*t));
	t->where = cf_strdup(where);
	if (!t->where)
		return -1;
	if (text) {
		t->text = malloc(len + 1);
		if (!t->text) {
			free(t->where);
			return -1;
		}
		memcpy(t->text, text, len);
		t->text[len] = '\0';
		t->len = len;
	}
	c->n++;
	return 0;
}

void cf_trust_copies_free(cf_trust_copies *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].where);
		free(c->items[i].text);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static int add_file(cf_trust_copies *out, const char *where, const char *path, cf_diags *diags)
{
	cf_buf b = CF_BUF_INIT;
	int rc = 0;
	if (cf_read_file_buf(&b, path, CF_MLOG_MAX_BYTES + 1) == 0) {
		rc = cf_trust_copies_add(out, where, b.ptr ? b.ptr : "", b.len);
	} else if (errno != ENOENT && errno != ENOTDIR) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read", "cannot read: %s",
			     strerror(errno));
		rc = -1;
	}
	cf_buf_free(&b);
	if (rc < 0 && !diags->len)
		diags->oom = 1;
	return rc;
}

/* The log of a blob id, once per id seen. */
typedef struct seen_ids {
	git_oid *ids;
	size_t n, cap;
} seen_ids;

static int add_blob(cf_trust_copies *out, seen_ids *seen, git_repository *repo, const git_oid *id,
		    const char *where)
{
	for (size_t i = 0; i < seen->n; i++)
		if (git_oid_equal(&seen->ids[i], id))
			return 0;
	if (seen->n == seen->cap) {
		size_t cap = seen->cap ? seen->cap * 2 : 16;
		git_oid *v = realloc(seen->ids, cap * sizeof(*v));
		if (!v)
			return -1;
		seen->ids = v;
		seen->cap = cap;
	}
	git_oid_cpy(&seen->ids[seen->n++], id);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, repo, id) < 0) {
		git_error_clear();
		return 0; /* a missing object is the guard's business */
	}
	int rc = cf_trust_copies_add(out, where, git_blob_rawcontent(blob),
				     (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

static int add_commit(cf_trust_copies *out, seen_ids *seen, git_repository *repo,
		      const git_oid *commit_id, const char *where)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc = 0;
	if (git_commit_lookup(&c, repo, commit_id) < 0 || git_commit_tree(&tree, c) < 0) {
		git_error_clear();
		goto out;
	}
	if (git_tree_entry_bypath(&e, tree, CF_MLOG_PATH) < 0) {
		git_error_clear();
		goto out;
	}
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		rc = add_blob(out, seen, repo, git_tree_entry_id(e), where);
out:
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

typedef struct ref_walk {
	cf_trust_copies *out;
	seen_ids *seen;
	git_repository *repo;
	int failed;
} ref_walk;

static int each_ref(const char *name, void *payload)
{
	ref_walk *w = payload;
	git_object *obj = NULL, *commit = NULL;
	if (git_revparse_single(&obj, w->repo, name) == 0 &&
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0) {
		cf_buf where = CF_BUF_INIT;
		cf_buf_printf(&where, "%s:%s", name, CF_MLOG_PATH);
		if (cf_buf_oom(&where) ||
		    add_commit(w->out, w->seen, w->repo, git_object_id(commit), where.ptr) < 0)
			w->failed = 1;
		cf_buf_free(&where);
	}
	git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	return w->failed ? -1 : 0;
}

int cf_trust_collect_rev(cf_trust_copies *out, git_repository *repo, const char *rev,
			 cf_diags *diags)
{
	seen_ids seen = {NULL, 0, 0};
	ref_walk w = {out, &seen, repo, 0};
	each_ref(rev, &w);
	free(seen.ids);
	if (w.failed) {
		diags->oom = 1;
		return -1;
	}
	return 0;
}

int cf_trust_collect_refs(cf_trust_copies *out, git_repository *repo, const char *git_dir,
			  const char *prefix, cf_diags *diags)
{
	seen_ids seen = {NULL, 0, 0};
	ref_walk w = {out, &seen, repo, 0};
	char *kept = git_dir ? cf_path_join(git_dir, CF_TRUST_LOG_FILE) : NULL;
	int rc = -1;
	if (git_dir &&
	    (!kept || add_file(out, "the kept copy (" CF_TRUST_LOG_FILE ")", kept, diags) < 0))
		goto out;
	git_reference_iterator *it = NULL;
	size_t pl = strlen(prefix);
	if (git_reference_iterator_new(&it, repo) == 0) {
		const char *name;
		while (!w.failed && git_reference_next_name(&name, it) == 0)
			if (strncmp(name, prefix, pl) == 0)
				each_ref(name, &w);
		git_reference_iterator_free(it);
	}
	git_error_clear();
	rc = w.failed ? -1 : 0;
out:
	if (w.failed || (git_dir && !kept))
		diags->oom = 1;
	free(kept);
	free(seen.ids);
	return rc;
}

int cf_trust_collect(cf_trust_copies *out, git_repository *repo, const char *root,
		     const char *git_dir, cf_diags *diags)
{
	char *kept = cf_path_join(git_dir, CF_TRUST_LOG_FILE);
	char *wt = root ? cf_path_join(root, CF_MLOG_PATH) : NULL;
	seen_ids seen = {NULL, 0, 0};
	int rc = -1;
	if (!kept || (root && !wt)) {
		diags->oom = 1;
		goto out;
	}
	if (add_file(out, "this clone's kept copy (.git/" CF_TRUST_LOG_FILE ")", kept, diags) < 0 ||
	    (wt && add_file(out, CF_MLOG_PATH, wt, diags) < 0))
		goto out;
	if (repo) {
		git_index *index = NULL;
		if (git_repository_index(&index, repo) == 0) {
			for (int stage = 0; stage <= 3; stage++) {
				const git_index_entry *e =
				    git_index_get_bypath(index, CF_MLOG_PATH, stage);
				if (e && add_blob(out, &seen, repo, &e->id,
						  stage ? "the index (a conflicted merge)"
							: "the index") < 0) {
					git_index_free(index);
					diags->oom = 1;
					goto out;
				}
			}
			git_index_free(index);
		}
		git_error_clear();
		static const char *const heads[] = {"HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD",
						    "REBASE_HEAD"};
		ref_walk w = {out, &seen, repo, 0};
		for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++)
			each_ref(heads[i], &w);
		git_reference_iterator *it = NULL;
		if (!w.failed && git_reference_iterator_new(&it, repo) == 0) {
			const char *name;
			while (!w.failed && git_reference_next_name(&name, it) == 0)
				if (strncmp(name, "refs/heads/", 11) == 0 ||
				    strncmp(name, "refs/remotes/", 13) == 0)
					each_ref(name, &w);
			git_reference_iterator_free(it);
		}
		git_error_clear();
		if (w.failed) {
			diags->oom = 1;
			goto out;
		}
	}
	rc = 0;
out:
	free(seen.ids);
	free(kept);
	free(wt);
	return rc;
}

/* ---- the newest ---- */

static int is_prefix(const cf_trust_copy *short_one, const cf_trust_copy *long_one)
{
	return short_one->len <= long_one->len &&
	       memcmp(short_one->text, long_one->text, short_one->len) == 0;
}

/* An empty log (no file, an empty file, the head line alone) is a prefix of every log. */
static int is_empty(const cf_trust_copy *c)
{
	return !c->text || c->len == 0 ||
	       (c->len == sizeof(CF_MLOG_HEAD) && memcmp(c->text, CF_MLOG_HEAD "\n", c->len) == 0);
}

int cf_trust_newest(cf_mlog **out, const cf_trust_copies *copies, const cf_trust_pin *pin,
		    cf_diags *diags)
{
	*out = NULL;
	const cf_trust_copy *newest = NULL;
	for (size_t i = 0; i < copies->n; i++)
		if (!is_empty(&copies->items[i]) && (!newest || copies->items[i].len > newest->len))
			newest = &copies->items[i];
	if (!newest)
		return 0;
	cf_mlog *log = NULL;
	if (cf_mlog_load(&log, newest->text, newest->len, newest->where, diags) != 0)
		return -1;
	if (pin && pin->pinned && cf_mlog_entries(log) &&
	    memcmp(cf_mlog_entry_hash(log, 0), pin->genesis, CF_HASH_BYTES) != 0) {
		char have[CF_FINGERPRINT_BYTES], want[CF_FINGERPRINT_BYTES];
		cf_mlog_fingerprint(have, log);
		cf_fingerprint_of_hash(want, pin->genesis);
		cf_mlog_free(log);
		return untrusted(
		    diags, newest->where,
		    "someone replaced the repository's member log with one of their own: "
		    "do not use this copy; tell an administrator",
		    "this member log has fingerprint %s, but this clone pinned %s: it does "
		    "not descend from the log this clone trusts",
		    have, want);
	}
	for (size_t i = 0; i < copies->n; i++) {
		const cf_trust_copy *c = &copies->items[i];
		if (c == newest || is_empty(c) || is_prefix(c, newest))
			continue;
		/* Not a prefix: a fork.  Say which copy is the odd one. */
		cf_mlog *other = NULL;
		cf_diags quiet = CF_DIAGS_INIT;
		int ok = cf_mlog_load(&other, c->text, c->len, c->where, &quiet) == 0;
		cf_mlog_free(other);
		if (!ok && cf_diags_move(diags, &quiet) < 0)
			diags->oom = 1; /* why it does not verify, at its line */
		cf_diags_free(&quiet);
		cf_mlog_free(log);
		return untrusted(diags, c->where,
				 "one of them was rewritten, not appended to: ask an administrator "
				 "which is right; nothing is encrypted until they agree",
				 ok ? "this member log and the one at %s have forked: neither is a "
				      "continuation of the other"
				    : "this member log does not verify, and is not the log at %s",
				 newest->where);
	}
	*out = log;
	return 0;
}

int cf_trust_remember(const char *git_dir, const cf_mlog *log, cf_diags *diags)
{
	if (!log || cf_mlog_entries(log) == 0)
		return 0;
	char *dir = private_dir(git_dir, diags);
	char *path = dir ? cf_path_join(git_dir, CF_TRUST_LOG_FILE) : NULL;
	cf_buf kept = CF_BUF_INIT;
	size_t len;
	const char *text = cf_mlog_text(log, &len);
	int rc = -1;
	if (!path)
		goto out;
	if (cf_read_file_buf(&kept, path, CF_MLOG_MAX_BYTES + 1) == 0 && kept.len >= len) {
		rc = 0;
		goto out;
	}
	if (cf_write_file_atomic(path, text, len, 0600) < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-io",
			     "cannot keep the member log: %s", strerror(errno));
		goto out;
	}
	rc = 1;
out:
	cf_buf_free(&kept);
	free(path);
	free(dir);
	return rc;
}

int cf_trust_current(cf_mlog **out, cf_trust_pin *pin_out, git_repository *repo, const char *root,
		     const char *git_dir, int remember, cf_diags *diags)
{
	*out = NULL;
	cf_trust_pin pin;
	cf_trust_copies copies = {NULL, 0, 0};
	int rc = -1;
	if (cf_trust_pin_load(&pin, git_dir, diags) < 0 ||
	    cf_trust_collect(&copies, repo, root, git_dir, diags) < 0 ||
	    cf_trust_newest(out, &copies, &pin, diags) < 0)
		goto done;
	if (remember && *out && pin.pinned && cf_trust_remember(git_dir, *out, diags) < 0) {
		cf_mlog_free(*out);
		*out = NULL;
		goto done;
	}
	if (pin_out)
		*pin_out = pin;
	rc = 0;
done:
	cf_trust_copies_free(&copies);
	return rc;
}
