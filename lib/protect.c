#include "protect.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "caseload.h"
#include "crypt.h"
#include "keys.h"

struct cf_protect {
	char *root; /* NULL: no working tree */
	char *git_dir;
	cf_keyring *ring;
	int git_ready;	     /* libgit2 initialised (once per cf_protect) */
	git_repository *git; /* opened at the first blob clean meets whose key is not held */
	git_odb *odb;
	cf_access access;
	int access_loaded;
	cf_arena *plain; /* secure: the plaintext of the last smudge or textconv */
	cf_buf cipher;	 /* the blob of the last clean (ciphertext only) */
	cf_buf notice;	 /* the line textconv prints for a blob without its key */
};

int cf_protect_open(cf_protect **out, const char *root, const char *git_dir, cf_diags *diags)
{
	*out = NULL;
	cf_protect *p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	if ((root && !(p->root = cf_strdup(root))) || !(p->git_dir = cf_strdup(git_dir)))
		goto oom;
	if (cf_arena_new(&p->plain, 1) < 0)
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
	if (p->access_loaded)
		cf_access_free(&p->access);
	cf_arena_free(p->plain);
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

/* Reads access.yaml when it has not been read, or when reload is set (it named no key for a
 * path: it may have been written since, as in a clone's first checkout). */
static int access_ready(cf_protect *p, const char *path, int reload, cf_diags *diags)
{
	if (p->access_loaded && !reload)
		return 0;
	if (!p->root) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
					  "there is no working tree to read %s from, so the key "
					  "that encrypts the file is unknown",
					  CF_ACCESS_PATH);
		cf_diag_hint(diags, d, "run git in a clone with a working tree");
		return -1;
	}
	if (p->access_loaded)
		cf_access_free(&p->access);
	p->access_loaded = 0;
	if (cf_access_load(&p->access, p->root, diags) < 0)
		return -1;
	p->access_loaded = 1;
	return 0;
}

static int no_key(cf_diags *diags, const char *path, const unsigned char *id)
{
	cf_diag *d;
	if (!id) {
		d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
				 "no key is set up to encrypt this file (%s names no repository "
				 "key), so git must not store it",
				 CF_ACCESS_PATH);
		cf_diag_hint(diags, d,
			     "set the repository up for encryption (`casefile init`), or move "
			     "the file out of cases/");
		return -1;
	}
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/no-key",
			 "this file must be encrypted with key %s, which this clone does not "
			 "hold, so git cannot store it",
			 hex);
	cf_diag_hint(diags, d,
		     "ask a member who holds the key to run `casefile member add`, then run "
		     "`casefile unlock`");
	return -1;
}

/* 1 when the repository's object store holds data as a blob, 0 when not (or it cannot be
 * opened). */
static int in_repository(cf_protect *p, const char *data, size_t len)
{
	if (!p->odb) {
		if (!p->git_ready) {
			if (git_libgit2_init() < 0)
				return 0;
			p->git_ready = 1;
		}
		if (!p->git && git_repository_open_bare(&p->git, p->git_dir) < 0) {
			p->git = NULL;
			return 0;
		}
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
	int was_loaded = p->access_loaded;
	if (access_ready(p, path, 0, diags) < 0)
		return -1;
	const unsigned char *id = cf_access_key_for(&p->access, path);
	if (!id && was_loaded) {
		if (access_ready(p, path, 1, diags) < 0)
			return -1;
		id = cf_access_key_for(&p->access, path);
	}
	const cf_key *k = id ? cf_keyring_find(p->ring, id) : NULL;
	if (!k)
		return no_key(diags, path, id);
	cf_buf_clear(&p->cipher);
	int rc = cf_crypt_encrypt(&p->cipher, k, in, len);
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
