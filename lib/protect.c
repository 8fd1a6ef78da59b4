#include "protect.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "fs.h"
#include "keys.h"
#include "legacy.h"
#include "mlog.h"
#include "trust.h"

struct cf_protect {
	char *root; /* NULL: no working tree */
	char *git_dir;
	cf_keyring *ring;
	int git_ready;	     /* libgit2 initialised (at the first need), until cf_protect_free */
	git_repository *git; /* opened at the first clean that needs the log or the store */
	git_odb *odb;
	int policy_loaded;
	cf_mlog *log; /* the verified member log now (lib/trust), or NULL */
	cf_trust_pin pin;
	cf_legacy_access legacy; /* a repository not yet upgraded: read-only */
	cf_arena *plain;	 /* secure: the plaintext of the last smudge or textconv */
	cf_arena *pad;		 /* secure: the padded plaintext of the last clean */
	cf_buf cipher;		 /* the blob of the last clean (ciphertext only) */
	cf_buf notice;		 /* the line textconv prints for a blob without its key */
	int wt_loaded, wt_is_log;
	cf_mlog *wt_log; /* the working tree's member log, verified (the checked-out state) */
};

int cf_protect_open(cf_protect **out, const char *root, const char *git_dir, cf_diags *diags)
{
	*out = NULL;
	cf_protect *p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	if ((root && !(p->root = cf_strdup(root))) || !(p->git_dir = cf_strdup(git_dir)))
		goto oom;
	if (cf_arena_new(&p->plain, 1) < 0 || cf_arena_new(&p->pad, 1) < 0)
		goto oom;
	if (cf_keystore_load(&p->ring, git_dir, diags) < 0) {
		if (diags->len == 0)
			cf_diags_add(diags, CF_SEV_ERROR, git_dir, 0, 0, "crypt/key-io",
				     "cannot read the keys of this clone");
		cf_protect_free(p);
		return -1;
	}
	*out = p;
	return 0;
oom:
	cf_diags_add(diags, CF_SEV_ERROR, "", 0, 0, "crypt/memory", "out of memory");
	cf_protect_free(p);
	return -1;
}

void cf_protect_free(cf_protect *p)
{
	if (!p)
		return;
	git_odb_free(p->odb);
	git_repository_free(p->git);
	if (p->git_ready)
		git_libgit2_shutdown();
	free(p->root);
	free(p->git_dir);
	cf_keyring_free(p->ring);
	cf_mlog_free(p->log);
	cf_mlog_free(p->wt_log);
	cf_legacy_access_free(&p->legacy);
	cf_arena_free(p->plain);
	cf_arena_free(p->pad);
	cf_buf_free(&p->cipher);
	cf_buf_free(&p->notice);
	free(p);
}

int cf_protect_is_encrypted_path(const char *path)
{
	/* In any letter case: on a clone with core.ignorecase (macOS, Windows) git sends
	 * Cases/... through the filter too, and it must not come out as plaintext. */
	size_t n = strlen(CF_CASES_DIR);
	return path && strncasecmp(path, CF_CASES_DIR, n) == 0 && path[n] == '/' && path[n + 1];
}

/* libgit2, started at the first need -- clean's policy or the object store -- and held until
 * cf_protect_free, so a process starts it once: smudge and textconv never start it (it reads
 * the system's certificates, some milliseconds).  0, or -1 when it cannot start. */
static int git_ready(cf_protect *p)
{
	if (!p->git_ready) {
		if (git_libgit2_init() < 0)
			return -1;
		p->git_ready = 1;
	}
	return 0;
}

/* The repository, opened once. */
static git_repository *repo_of(cf_protect *p)
{
	if (!p->git && git_ready(p) < 0)
		return NULL;
	if (!p->git && git_repository_open_bare(&p->git, p->git_dir) < 0) {
		git_error_clear();
		p->git = NULL;
	}
	return p->git;
}

/* Reads the member log now (lib/trust), or, in a repository without one, access.yaml of the
 * layout before it; again when reload is set (a key it names is not held: the log may have
 * been written since, as in a clone's first checkout or an unlock while git runs). */
static int policy_ready(cf_protect *p, const char *path, int reload, cf_diags *diags)
{
	if (p->policy_loaded && !reload)
		return 0;
	if (!p->root) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
					  "there is no working tree to read %s from, so the key "
					  "that encrypts the file is unknown",
					  CF_MLOG_PATH);
		cf_diag_hint(diags, d, "run git in a clone with a working tree");
		return -1;
	}
	cf_mlog_free(p->log);
	p->log = NULL;
	cf_mlog_free(p->wt_log);
	p->wt_log = NULL;
	p->wt_loaded = p->wt_is_log = 0;
	cf_legacy_access_free(&p->legacy);
	p->policy_loaded = 0;
	if (git_ready(p) < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-io",
			     "cannot initialise libgit2 to read %s", CF_MLOG_PATH);
		return -1;
	}
	if (cf_trust_current(&p->log, &p->pin, repo_of(p), p->root, p->git_dir, 1, diags) < 0)
		return -1;
	if (!p->log && cf_legacy_access_load(&p->legacy, p->root, diags) < 0)
		return -1;
	p->policy_loaded = 1;
	return 0;
}

static int no_key(cf_diags *diags, const char *path, const cf_mlog_key *k)
{
	cf_buf what = CF_BUF_INIT;
	cf_access_describe_key(&what, k);
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
				  "this file must be encrypted with %s, which this clone does not "
				  "hold, so git cannot store it",
				  cf_buf_cstr(&what));
	cf_diag_hint(diags, d,
		     k->created > 0
			 ? "the member log gave this key out after this clone's last unlock (a "
			   "key was rotated, or the case got a key of its own): run `casefile "
			   "unlock`; if it is not sealed to you, ask an administrator"
			 : "ask an administrator to run `casefile member add`, then run `casefile "
			   "unlock`");
	cf_buf_free(&what);
	return -1;
}

/* 1 when the repository's object store holds data as a blob, 0 when not (or it cannot be
 * opened). */
static int in_repository(cf_protect *p, const char *data, size_t len)
{
	if (!p->odb) {
		if (!repo_of(p))
			return 0;
		if (git_repository_odb(&p->odb, p->git) < 0) {
			p->odb = NULL;
			return 0;
		}
	}
	git_oid oid;
	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0)
		return 0;
	return git_odb_exists(p->odb, &oid) == 1;
}

/* Clean met content that is already a blob: it may be stored as it is only when it is what
 * casefile made -- it verifies under its key, when the clone holds it; else it is a blob the
 * repository already has (a locked clone's checkout).  Anything else is ciphertext someone
 * changed, with plaintext added perhaps: refused. */
static int clean_blob(cf_protect *p, const char *path, const char *in, size_t len, cf_diags *diags)
{
	unsigned char id[CF_KEYID_BYTES];
	if (cf_crypt_blob_keyid(id, in, len) < 0)
		return -1;
	if (cf_keyring_find(p->ring, id)) {
		char *plain = NULL;
		size_t plain_len = 0;
		cf_arena_reset(p->plain);
		int rc =
		    cf_crypt_decrypt(&plain, &plain_len, p->plain, p->ring, in, len, path, diags);
		cf_arena_reset(p->plain); /* wipes it: only the verdict was wanted */
		return rc < 0 ? -1 : 0;
	}
	if (in_repository(p, in, len))
		return 0;
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
				  "the file is encrypted with key %s, which this clone does not "
				  "hold, and was changed since it was checked out, so git must not "
				  "store it",
				  hex);
	cf_diag_hint(diags, d,
		     "restore it with `git checkout -- %s`; to edit cases, ask a member who holds "
		     "the key to run `casefile member add`, then run `casefile unlock`",
		     path);
	return -1;
}

/* A repository without a member log: its key list is not signed, so nothing new is
 * encrypted on its word.  A file whose blob the repository already has (a checkout, `git
 * status` of an unchanged file) is given back as it was; anything else is refused. */
static int clean_legacy(const char **out, size_t *out_len, cf_protect *p, const char *path,
			const char *in, size_t len, cf_diags *diags)
{
	const unsigned char *id = cf_legacy_access_key_for(&p->legacy, path);
	const cf_key *k = id ? cf_keyring_find(p->ring, id) : NULL;
	if (k) {
		cf_buf_clear(&p->cipher);
		if (cf_crypt_encrypt_v1(&p->cipher, k, in, len) == 0 &&
		    in_repository(p, p->cipher.ptr, p->cipher.len)) {
			*out = p->cipher.ptr;
			*out_len = p->cipher.len;
			return 0;
		}
	}
	cf_diag *d = cf_diags_add(
	    diags, CF_SEV_ERROR, path, 0, 0, "crypt/upgrade",
	    id ? "this repository has no signed member log, so its list of keys could have been "
		 "changed by anyone who can push: casefile encrypts nothing new with it (the "
		 "repository is read-only until it is upgraded)"
	       : "no key is set up to encrypt this file: the repository has no member log "
		 "(`casefile init` makes one)");
	cf_diag_hint(diags, d,
		     id ? "an administrator runs `casefile upgrade` once, and commits"
			: "set the repository up for encryption (`casefile init`), or move the "
			  "file out of cases/");
	return -1;
}

/* The working tree's member log, read and verified once; NULL when it has none or it does
 * not verify. */
static const cf_mlog *worktree_log(cf_protect *p)
{
	if (p->wt_loaded)
		return p->wt_is_log ? p->log : p->wt_log;
	p->wt_loaded = 1;
	char *path = p->root ? cf_path_join(p->root, CF_MLOG_PATH) : NULL;
	cf_buf text = CF_BUF_INIT;
	cf_diags quiet = CF_DIAGS_INIT;
	size_t now_len = 0;
	const char *now = p->log ? cf_mlog_text(p->log, &now_len) : NULL;
	if (path && cf_read_file_buf(&text, path, CF_MLOG_MAX_BYTES) == 0 && text.len) {
		if (now && now_len == text.len && memcmp(now, text.ptr, now_len) == 0)
			p->wt_is_log = 1; /* the log now: no second verification */
		else if (cf_mlog_load(&p->wt_log, text.ptr, text.len, CF_MLOG_PATH, &quiet) != 0)
			p->wt_log = NULL;
	}
	cf_diags_free(&quiet);
	cf_buf_free(&text);
	free(path);
	return p->wt_is_log ? p->log : p->wt_log;
}

/* A file the clone has not changed, in a clone whose checked-out member log is older than
 * the log now (it fetched a rotation and has not merged it yet): the staged blob is given
 * back as it is, so that git does not see every such file as changed.  Nothing new is
 * encrypted with an old key: a changed file always gets the key of the log now, and a blob
 * under a retired key that no commit had at its path is still refused by lib/policy.  When the
 * checked-out log is the log now (a rotation being applied), nothing is reused.  1 reused
 * (into p->cipher), 0 not. */
static int reuse_staged(cf_protect *p, const char *path, const char *in, size_t len,
			const cf_mlog_key *want)
{
	const cf_mlog *wt = worktree_log(p);
	if (!wt || wt == p->log)
		return 0;
	git_repository *repo = repo_of(p);
	git_index *index = NULL;
	git_blob *blob = NULL;
	int reused = 0;
	char *index_path = cf_path_join(p->git_dir, "index");
	if (!repo || !index_path || git_index_open(&index, index_path) < 0)
		goto out;
	const git_index_entry *e = git_index_get_bypath(index, path, 0);
	if (!e || git_blob_lookup(&blob, repo, &e->id) < 0)
		goto out;
	const void *data = git_blob_rawcontent(blob);
	size_t n = (size_t)git_blob_rawsize(blob);
	unsigned char id[CF_KEYID_BYTES];
	if (cf_crypt_blob_version(data, n) != CF_CRYPT_VERSION ||
	    cf_crypt_blob_keyid(id, data, n) < 0 || memcmp(id, want->id, CF_KEYID_BYTES) == 0)
		goto out;
	cf_blob_verdict v = cf_access_judge_blob(p->log, path, data, n, NULL);
	if (v != CF_BLOB_OK && v != CF_BLOB_RETIRED_KEY)
		goto out;
	char *plain = NULL;
	size_t plain_len = 0;
	cf_diags quiet = CF_DIAGS_INIT;
	cf_arena_reset(p->plain);
	if (cf_crypt_decrypt(&plain, &plain_len, p->plain, p->ring, data, n, path, &quiet) == 0 &&
	    plain_len == len && memcmp(plain, in, len) == 0) {
		cf_buf_clear(&p->cipher);
		cf_buf_put(&p->cipher, data, n);
		reused = !cf_buf_oom(&p->cipher);
	}
	cf_arena_reset(p->plain);
	cf_diags_free(&quiet);
out:
	git_error_clear();
	git_blob_free(blob);
	git_index_free(index);
	free(index_path);
	return reused;
}

int cf_protect_clean(const char **out, size_t *out_len, cf_protect *p, const char *path,
		     const char *in, size_t len, cf_diags *diags)
{
	*out = NULL;
	*out_len = 0;
	if (!cf_protect_is_encrypted_path(path)) {
		*out = in;
		*out_len = len;
		return 0;
	}
	if (cf_crypt_is_blob(in, len)) {
		if (clean_blob(p, path, in, len, diags) < 0)
			return -1;
		*out = in;
		*out_len = len;
		return 0;
	}
	int was_loaded = p->policy_loaded;
	if (policy_ready(p, path, 0, diags) < 0)
		return -1;
	if (!p->log)
		return clean_legacy(out, out_len, p, path, in, len, diags);
	if (!p->pin.pinned) {
		char fp[CF_FINGERPRINT_BYTES];
		cf_mlog_fingerprint(fp, p->log);
		cf_diag *d =
		    cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/untrusted",
				 "this clone has not pinned the repository's fingerprint "
				 "(the member log's is %s), so it encrypts nothing with the "
				 "log's keys",
				 fp);
		cf_diag_hint(diags, d,
			     "compare the fingerprint with the one your administrator gave you, "
			     "then run `casefile unlock --expect FINGERPRINT`");
		return -1;
	}
	const cf_mlog_key *lk = cf_access_key_for_path(p->log, path);
	const cf_key *k = lk ? cf_keyring_find(p->ring, lk->id) : NULL;
	if (!k && was_loaded) {
		/* An unlock while git runs, or the log written since: read both again. */
		cf_keyring *ring = NULL;
		cf_diags quiet = CF_DIAGS_INIT;
		if (cf_keystore_load(&ring, p->git_dir, &quiet) == 0) {
			cf_keyring_free(p->ring);
			p->ring = ring;
		}
		cf_diags_free(&quiet);
		if (policy_ready(p, path, 1, diags) < 0)
			return -1;
		if (!p->log)
			return clean_legacy(out, out_len, p, path, in, len, diags);
		lk = cf_access_key_for_path(p->log, path);
		k = lk ? cf_keyring_find(p->ring, lk->id) : NULL;
	}
	if (!lk) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
			     "the member log names no key for this file");
		return -1;
	}
	/* Before the key is needed: a clone behind the log (a removed member's among them)
	 * can still check out what it fetched, as long as it changed nothing. */
	if (reuse_staged(p, path, in, len, lk)) {
		*out = p->cipher.ptr;
		*out_len = p->cipher.len;
		return 0;
	}
	if (!k)
		return no_key(diags, path, lk);
	cf_buf_clear(&p->cipher);
	cf_arena_reset(p->pad);
	int rc = cf_crypt_encrypt(&p->cipher, k, path, in, len, p->pad);
	cf_arena_reset(p->pad);
	if (rc == CF_CRYPT_EFORMAT) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/format",
			     "the file is larger than casefile encrypts (%zu MiB)",
			     CF_CRYPT_MAX_PLAIN >> 20);
		return -1;
	}
	if (rc < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/memory",
			     "out of memory while encrypting");
		return -1;
	}
	*out = p->cipher.ptr;
	*out_len = p->cipher.len;
	return 0;
}

/* smudge and textconv: *held is 0 (and the result the input) for a blob without its key. */
static int decrypt(const char **out, size_t *out_len, int *held, cf_protect *p, const char *path,
		   const char *in, size_t len, cf_diags *diags)
{
	*out = in;
	*out_len = len;
	*held = 1;
	unsigned char id[CF_KEYID_BYTES];
	if (cf_crypt_blob_keyid(id, in, len) < 0)
		return 0; /* not a blob: plaintext outside cases/, or a file git never cleaned */
	if (!cf_keyring_find(p->ring, id)) {
		*held = 0;
		return 0;
	}
	cf_arena_reset(p->plain);
	char *plain = NULL;
	size_t plain_len = 0;
	if (cf_crypt_decrypt(&plain, &plain_len, p->plain, p->ring, in, len, path, diags) < 0) {
		*out = NULL;
		*out_len = 0;
		return -1;
	}
	*out = plain;
	*out_len = plain_len;
	return 0;
}

int cf_protect_smudge(const char **out, size_t *out_len, cf_protect *p, const char *path,
		      const char *in, size_t len, cf_diags *diags)
{
	int held;
	return decrypt(out, out_len, &held, p, path, in, len, diags);
}

int cf_protect_textconv(const char **out, size_t *out_len, cf_protect *p, const char *path,
			const char *in, size_t len, cf_diags *diags)
{
	int held;
	if (decrypt(out, out_len, &held, p, path, in, len, diags) < 0)
		return -1;
	if (held)
		return 0;
	unsigned char id[CF_KEYID_BYTES];
	char hex[CF_KEYID_HEX_BYTES];
	cf_crypt_blob_keyid(id, in, len);
	cf_keyid_hex(hex, id);
	cf_buf_clear(&p->notice);
	cf_buf_printf(&p->notice,
		      "casefile: encrypted with key %s, which this clone does not hold\n", hex);
	if (cf_buf_oom(&p->notice)) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/memory", "out of memory");
		*out = NULL;
		*out_len = 0;
		return -1;
	}
	*out = p->notice.ptr;
	*out_len = p->notice.len;
	return 0;
}
