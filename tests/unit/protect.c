/* lib/protect: the encryption policy of one repository path -- clean, smudge, textconv -- with
 * a temporary repository directory, its access.yaml and the keys its clone holds. */
#include "tap.h"

#include <git2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "keys.h"
#include "protect.h"

#include "fsutil.h"

static const char plain[] = "id: 2026-001\n"
			    "title: The review of Child M\n"
			    "family:\n"
			    "  - name: Example Parent\n";

/* A repository: ROOT with its ROOT/.git. */
typedef struct repo {
	char root[64];
	char *git_dir;
} repo;

static int repo_make(repo *r)
{
	if (make_temp_dir(r->root, sizeof(r->root), "protect") < 0)
		return -1;
	r->git_dir = cf_path_join(r->root, ".git");
	git_repository *g = NULL;
	int rc = r->git_dir && git_repository_init(&g, r->root, 0) == 0 ? 0 : -1;
	git_repository_free(g);
	return rc;
}

static void repo_free(repo *r)
{
	remove_tree(r->root);
	free(r->git_dir);
}

/* The rule of the only diagnostic, or a marker saying why there is not exactly one. */
static const char *only_rule(const cf_diags *d)
{
	if (d->len == 0)
		return "(none)";
	if (d->len > 1)
		return "(several)";
	return d->items[0].rule;
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return a && alen == blen && memcmp(a, b, alen) == 0;
}

static int contains(const char *hay, size_t len, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= len; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

/* Writes data into the repository's object store, as git add would. */
static int store_blob(const repo *r, const char *data, size_t len)
{
	git_repository *g = NULL;
	git_oid oid;
	int rc = git_repository_open(&g, r->root) == 0 &&
			 git_blob_create_from_buffer(&oid, g, data, len) == 0
		     ? 0
		     : -1;
	git_repository_free(g);
	return rc;
}

/* The blob of text under key k (malloc'd in b). */
static void encrypt_with(cf_buf *b, const cf_key *k, const char *text, size_t len)
{
	cf_buf_clear(b);
	cf_crypt_encrypt(b, k, text, len);
}

int main(void)
{
	if (cf_init() < 0 || git_libgit2_init() < 0) {
		printf("Bail out! libsodium, libgit2\n");
		return 1;
	}
	repo r = {"", NULL};
	if (repo_make(&r) < 0) {
		printf("Bail out! temporary directory\n");
		return 1;
	}
	cf_key *held = NULL, *other = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_key_generate(&held) != 0 || cf_key_generate(&other) != 0 ||
	    cf_keystore_install(r.git_dir, held, &diags) != 0) {
		printf("Bail out! keys\n");
		return 1;
	}
	/* The repository key is held; case 2026-003 has its own key, which is not. */
	cf_access a = {0};
	a.has_repository_key = 1;
	memcpy(a.repository_key, cf_key_id(held), CF_KEYID_BYTES);
	ok(cf_access_set_case(&a, "2026-003", cf_key_id(other)) == 0 &&
	       cf_access_save(&a, r.root) == 0,
	   "access.yaml written");
	cf_access_free(&a);
	char repo_hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(repo_hex, cf_key_id(held));

	cf_protect *p = NULL;
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == 0 && diags.len == 0,
	   "open: the clone's keys");
	const char *out;
	size_t out_len;
	size_t n = sizeof(plain) - 1;
	cf_buf blob = CF_BUF_INIT, b2 = CF_BUF_INIT;
	char *plain_copy;

	/* ---- clean ---- */
	ok(cf_protect_clean(&out, &out_len, p, "README.md", plain, n, &diags) == 0 &&
	       out == plain && out_len == n,
	   "clean: a path outside cases/ passes unchanged");
	ok(cf_protect_clean(&out, &out_len, p, "casesfoo/x.yaml", plain, n, &diags) == 0 &&
	       out == plain,
	   "clean: 'casesfoo/' is not cases/");

	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) == 0 &&
	       diags.len == 0,
	   "clean: a case file");
	ok(cf_crypt_is_blob(out, out_len), "clean: the result is a blob");
	ok(out_len == n + CF_CRYPT_OVERHEAD, "clean: of the plaintext's size and the overhead");
	ok(!contains(out, out_len, "Child M"), "clean: no plaintext in the blob");
	unsigned char id[CF_KEYID_BYTES];
	ok(cf_crypt_blob_keyid(id, out, out_len) == 0 &&
	       memcmp(id, cf_key_id(held), CF_KEYID_BYTES) == 0,
	   "clean: under the repository key");
	cf_buf_put(&blob, out, out_len);
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "clean: the same plaintext gives the same blob (git sees no change)");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			    &diags) == 0 &&
	       out == blob.ptr && out_len == blob.len,
	   "clean: a blob that verifies passes unchanged (a locked clone's working tree)");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	cf_buf_puts(&b2, "title: appended in an editor\n");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", b2.ptr, b2.len,
			    &diags) == -1 &&
	       out == NULL,
	   "clean: a blob with plaintext appended, key held: refused");
	is_str(only_rule(&diags), "crypt/tampered", "clean: ... crypt/tampered");
	cf_diags_clear(&diags);

	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-003/case.yaml", plain, n, &diags) ==
		   -1 &&
	       out == NULL && out_len == 0,
	   "clean: a case whose key the clone lacks fails, with nothing out");
	is_str(only_rule(&diags), "crypt/no-key", "clean: ... crypt/no-key");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(other));
	ok(diags.len && strstr(diags.items[0].message, hex) &&
	       strcmp(diags.items[0].file, "cases/2026-003/case.yaml") == 0,
	   "clean: ... naming the key and the file");
	cf_diags_clear(&diags);

	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/empty.md", "", 0, &diags) == 0 &&
	       out_len == CF_CRYPT_OVERHEAD && cf_crypt_is_blob(out, out_len),
	   "clean: an empty case file is encrypted too");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, out, out_len);
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/empty.md", b2.ptr, b2.len,
			     &diags) == 0 &&
	       out_len == 0 && out != b2.ptr,
	   "smudge: and decrypted to nothing");

	/* ---- smudge ---- */
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			     &diags) == 0 &&
	       same(out, out_len, plain, n) && out[out_len] == '\0',
	   "smudge: a blob whose key is held is decrypted");
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) ==
		   0 &&
	       out == plain && out_len == n,
	   "smudge: not a blob passes unchanged");
	ok(cf_protect_smudge(&out, &out_len, p, "README.md", "x", 1, &diags) == 0 && out_len == 1,
	   "smudge: outside cases/ unchanged");

	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	b2.ptr[CF_CRYPT_HEADER_BYTES + 3] ^= 1;
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", b2.ptr, b2.len,
			     &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "smudge: a tampered blob fails, with nothing out");
	is_str(only_rule(&diags), "crypt/tampered", "smudge: ... crypt/tampered");
	cf_diags_clear(&diags);
	b2.ptr[CF_CRYPT_HEADER_BYTES + 3] ^= 1;
	b2.ptr[b2.len - 1] ^= 0x80; /* the tag */
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", b2.ptr, b2.len,
			     &diags) == -1,
	   "smudge: a changed tag fails");
	is_str(only_rule(&diags), "crypt/tampered", "smudge: ... crypt/tampered");
	cf_diags_clear(&diags);

	/* A blob under a key the clone lacks: only one the repository already has passes. */
	encrypt_with(&b2, other, plain, n);
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-003/case.yaml", b2.ptr, b2.len,
			    &diags) == -1 &&
	       out == NULL,
	   "clean: a blob without its key, unknown to the repository: refused");
	is_str(only_rule(&diags), "crypt/no-key", "clean: ... crypt/no-key");
	cf_diags_clear(&diags);
	ok(store_blob(&r, b2.ptr, b2.len) == 0, "that blob stored in the repository");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-003/case.yaml", b2.ptr, b2.len,
			    &diags) == 0 &&
	       out == b2.ptr && diags.len == 0,
	   "clean: a blob without its key that the repository has passes unchanged");
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-003/case.yaml", b2.ptr, b2.len,
			     &diags) == 0 &&
	       out == b2.ptr && out_len == b2.len && diags.len == 0,
	   "smudge: a blob whose key is not held passes as ciphertext, quietly");

	/* ---- textconv ---- */
	cf_buf want = CF_BUF_INIT;
	cf_buf_printf(&want, "casefile: encrypted with key %s, which this clone does not hold\n",
		      hex);
	ok(cf_protect_textconv(&out, &out_len, p, "t", b2.ptr, b2.len, &diags) == 0 &&
	       same(out, out_len, want.ptr, want.len),
	   "textconv: a blob without its key becomes one line naming the key");
	ok(cf_protect_textconv(&out, &out_len, p, "t", blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, n),
	   "textconv: a blob with its key, its plaintext");
	ok(cf_protect_textconv(&out, &out_len, p, "t", plain, n, &diags) == 0 && out == plain,
	   "textconv: plaintext (the working tree's side of a diff) unchanged");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	b2.ptr[CF_CRYPT_HEADER_BYTES] ^= 4;
	ok(cf_protect_textconv(&out, &out_len, p, "t", b2.ptr, b2.len, &diags) == -1 && out == NULL,
	   "textconv: tampered fails");
	is_str(only_rule(&diags), "crypt/tampered", "textconv: ... crypt/tampered");
	cf_diags_clear(&diags);
	cf_buf_free(&want);
	cf_protect_free(p);
	p = NULL;

	/* A case with its own key, held: that key, not the repository's. */
	ok(cf_keystore_install(r.git_dir, other, &diags) == 0 &&
	       cf_protect_open(&p, r.root, r.git_dir, &diags) == 0,
	   "the case key installed");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-003/report.md", plain, n, &diags) == 0 &&
	       cf_crypt_blob_keyid(id, out, out_len) == 0 &&
	       memcmp(id, cf_key_id(other), CF_KEYID_BYTES) == 0,
	   "clean: a case with its own key is encrypted with it");
	cf_protect_free(p);
	p = NULL;
	ok(cf_keystore_clear(r.git_dir, &diags) == 0 &&
	       cf_keystore_install(r.git_dir, held, &diags) == 0,
	   "only the repository key again");

	/* ---- a repository that is not set up ---- */
	char *access = cf_path_join(r.root, CF_ACCESS_PATH);
	unlink(access);
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == 0, "no access.yaml: opens");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) ==
		   -1 &&
	       out == NULL,
	   "no access.yaml: clean under cases/ fails");
	is_str(only_rule(&diags), "crypt/no-key", "no access.yaml: ... crypt/no-key");
	cf_diags_clear(&diags);
	ok(cf_protect_clean(&out, &out_len, p, "notes.md", plain, n, &diags) == 0 && out == plain,
	   "no access.yaml: outside cases/ unchanged");
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			     &diags) == 0 &&
	       same(out, out_len, plain, n),
	   "no access.yaml: smudge still decrypts");
	/* Read again when it named no key: it may have been written since the filter started. */
	cf_buf_clear(&b2);
	cf_buf_printf(&b2, "repository_key: %s\n", repo_hex);
	ok(write_text_at(r.root, CF_ACCESS_PATH, b2.ptr, 0644) == 0, "access.yaml written later");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "access.yaml written after open: read again, clean encrypts");
	cf_protect_free(p);
	p = NULL;

	ok(write_text_at(r.root, CF_ACCESS_PATH, "case_keys:\n  2026-003: 0123456789abcdef\n",
			 0644) == 0,
	   "access.yaml with a case key and no repository key");
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == 0, "opens");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) == -1,
	   "no repository key: another case's file fails");
	is_str(only_rule(&diags), "crypt/no-key", "no repository key: ... crypt/no-key");
	cf_diags_clear(&diags);
	cf_protect_free(p);
	p = NULL;

	ok(write_text_at(r.root, CF_ACCESS_PATH, "repository_key: [oops\n", 0644) == 0,
	   "a malformed access.yaml");
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == 0,
	   "malformed access.yaml: opens (a checkout does not need it)");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) ==
		   -1 &&
	       out == NULL && diags.len > 0,
	   "malformed access.yaml: clean fails");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			     &diags) == 0 &&
	       same(out, out_len, plain, n),
	   "malformed access.yaml: smudge decrypts");
	cf_protect_free(p);
	p = NULL;

	/* ---- the clone's keys ---- */
	char *store = cf_keystore_dir(r.git_dir);
	chmod(store, 0755);
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == -1 && p == NULL,
	   "a key store others can read: open fails");
	is_str(only_rule(&diags), "crypt/key-permissions", "... crypt/key-permissions");
	cf_diags_clear(&diags);
	chmod(store, 0700);

	ok(write_text_at(r.root, CF_ACCESS_PATH, "repository_key: 0123456789abcdef\n", 0644) == 0,
	   "access.yaml again");
	ok(cf_keystore_clear(r.git_dir, &diags) == 0, "keys removed (a locked clone)");
	ok(store_blob(&r, blob.ptr, blob.len) == 0, "the case file's blob in the repository");
	ok(cf_protect_open(&p, r.root, r.git_dir, &diags) == 0, "no keys: opens");
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			     &diags) == 0 &&
	       out == blob.ptr && diags.len == 0,
	   "no keys: smudge checks out ciphertext");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			    &diags) == 0 &&
	       out == blob.ptr,
	   "no keys: clean of that ciphertext is quiet (git status stays clean)");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	cf_buf_puts(&b2, "title: appended in an editor\n");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", b2.ptr, b2.len,
			    &diags) == -1 &&
	       out == NULL,
	   "no keys: that ciphertext with plaintext appended is refused");
	is_str(only_rule(&diags), "crypt/no-key", "no keys: ... crypt/no-key");
	cf_diags_clear(&diags);
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) ==
		   -1 &&
	       out == NULL,
	   "no keys: clean of plaintext fails");
	is_str(only_rule(&diags), "crypt/no-key", "no keys: ... crypt/no-key");
	cf_diags_clear(&diags);
	cf_protect_free(p);
	p = NULL;

	/* ---- a bare repository: no working tree, no access.yaml ---- */
	ok(cf_keystore_install(r.git_dir, held, &diags) == 0, "key installed again");
	ok(cf_protect_open(&p, NULL, r.git_dir, &diags) == 0, "bare: opens");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/case.yaml", plain, n, &diags) == -1,
	   "bare: clean under cases/ fails");
	is_str(only_rule(&diags), "crypt/no-key", "bare: ... crypt/no-key");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/case.yaml", blob.ptr, blob.len,
			     &diags) == 0 &&
	       same(out, out_len, plain, n),
	   "bare: smudge decrypts");
	plain_copy = cf_strndup(out, out_len);
	ok(plain_copy && strcmp(plain_copy, plain) == 0, "bare: the exact plaintext");
	free(plain_copy);
	cf_protect_free(p);

	ok(cf_protect_is_encrypted_path("cases/2026-001/case.yaml") &&
	       cf_protect_is_encrypted_path("cases/x") && !cf_protect_is_encrypted_path("cases") &&
	       !cf_protect_is_encrypted_path("cases/") &&
	       !cf_protect_is_encrypted_path("casesX/y") &&
	       !cf_protect_is_encrypted_path("docs/cases/y") && !cf_protect_is_encrypted_path(NULL),
	   "which paths are encrypted");

	free(access);
	free(store);
	cf_buf_free(&blob);
	cf_buf_free(&b2);
	cf_diags_free(&diags);
	cf_key_free(held);
	cf_key_free(other);
	repo_free(&r);
	git_libgit2_shutdown();
	return tap_done();
}
