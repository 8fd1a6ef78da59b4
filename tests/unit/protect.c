/* lib/protect: git's clean, smudge and textconv of one repository path, in a temporary clone
 * whose member log is trusted the way `casefile init` leaves it: the log written, its keys
 * installed, its genesis pinned.  Then a case with its own key, a clone that lacks a key, and
 * a rotation. */
#include "tap.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "identity.h"
#include "keys.h"
#include "mlog.h"
#include "protect.h"
#include "trust.h"

#include "fsutil.h"

#define DATE "2026-12-05T10:11:12Z"
#define CASE1 "cases/2026-001/case.yaml"
#define CASE3 "cases/2026-003/report.md"

static const char plain[] = "id: 2026-001\n"
			    "title: The review of Child M\n"
			    "family:\n"
			    "  - name: Example Parent\n";
#define PLAIN_LEN (sizeof(plain) - 1)

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

/* ---- a clone with a trusted member log ---- */

typedef struct clone {
	char root[64];
	char *git_dir;
	cf_mlog *log;	  /* the log now, as written */
	cf_keyring *held; /* every key the log made, kept here to install again */
} clone;

static cf_identity *alice, *carol;

static void clone_make(clone *c)
{
	memset(c, 0, sizeof(*c));
	git_repository *g = NULL;
	if (make_temp_dir(c->root, sizeof(c->root), "protect") < 0 ||
	    git_repository_init(&g, c->root, 0) != 0)
		bail("a temporary repository");
	git_repository_free(g);
	c->git_dir = cf_path_join(c->root, ".git");
	if (cf_keyring_new(&c->held) != 0)
		bail("keyring");
}

static void clone_free(clone *c)
{
	remove_tree(c->root);
	free(c->git_dir);
	cf_mlog_free(c->log);
	cf_keyring_free(c->held);
}

/* What cmd/casefile/change.c's cli_apply_plan does with a plan, with lib/ alone: the log
 * written into the working tree, the new keys installed, a genesis pinned, the log kept. */
static void apply(clone *c, cf_access_plan *plan)
{
	cf_diags d = CF_DIAGS_INIT;
	char *dir = cf_path_join(c->root, ".casefile");
	char *path = cf_path_join(c->root, CF_MLOG_PATH);
	if (cf_mkdirs(dir, 0755) < 0 ||
	    cf_write_file_atomic(path, plan->log.ptr, plan->log.len, 0644) < 0)
		bail("cannot write the member log");
	for (size_t i = 0; i < plan->n_new_keys; i++) {
		cf_key *copy = NULL;
		if (cf_keystore_install(c->git_dir, plan->new_keys[i], &d) != 0 ||
		    cf_key_from_bytes(&copy, cf_key_secret(plan->new_keys[i])) != 0 ||
		    cf_keyring_add(c->held, copy) != 0)
			bail("cannot install a key");
	}
	if (cf_mlog_entries(plan->verified) == 1 &&
	    cf_trust_pin_save(c->git_dir, plan->verified, &d) < 0)
		bail("cannot pin the genesis");
	if (cf_trust_remember(c->git_dir, plan->verified, &d) < 0)
		bail("cannot keep the log");
	cf_mlog_free(c->log);
	c->log = NULL;
	if (cf_mlog_load(&c->log, plan->log.ptr, plan->log.len, CF_MLOG_PATH, &d) != 0)
		bail("the plan's log does not load");
	free(dir);
	free(path);
	cf_diags_free(&d);
}

static void change(clone *c, const cf_access_request *req)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	cf_access_plan plan;
	if (cf_keystore_load(&ring, c->git_dir, &d) != 0)
		bail("the clone's keys");
	if (cf_access_plan_make(&plan, c->log, req, ring, &d) != 0) {
		for (size_t i = 0; i < d.len; i++)
			printf("# %s\n", d.items[i].message);
		bail("the plan");
	}
	apply(c, &plan);
	cf_access_plan_free(&plan);
	cf_keyring_free(ring);
	cf_diags_free(&d);
}

static cf_access_request request(cf_action act)
{
	cf_access_request r;
	memset(&r, 0, sizeof(r));
	r.action = act;
	r.signer = "alice";
	r.signer_id = alice;
	r.date = DATE;
	return r;
}

/* `casefile init`: alice, the first admin, and a new repository key. */
static void genesis(clone *c)
{
	cf_access_person me = {"alice", CF_ROLE_ADMIN, *cf_identity_public(alice), NULL, 0};
	cf_access_request r = request(CF_ACT_GENESIS);
	r.people = &me;
	r.n_people = 1;
	change(c, &r);
}

static char *key_path(const clone *c, const unsigned char *id)
{
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	char *store = cf_keystore_dir(c->git_dir);
	cf_buf p = CF_BUF_INIT;
	cf_buf_printf(&p, "%s/%s.key", store, hex);
	free(store);
	return cf_buf_detach(&p);
}

/* The clone loses a key (as one that was never given it). */
static void drop_key(const clone *c, const unsigned char *id)
{
	char *p = key_path(c, id);
	if (unlink(p) != 0)
		bail("cannot remove a key file");
	free(p);
}

static void restore_key(const clone *c, const unsigned char *id)
{
	cf_diags d = CF_DIAGS_INIT;
	const cf_key *k = cf_keyring_find(c->held, id);
	if (!k || cf_keystore_install(c->git_dir, k, &d) != 0)
		bail("cannot install a key again");
	cf_diags_free(&d);
}

static cf_protect *reopen(cf_protect *p, const clone *c)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_protect_free(p);
	p = NULL;
	if (cf_protect_open(&p, c->root, c->git_dir, &d) != 0 || d.len)
		bail("cf_protect_open");
	cf_diags_free(&d);
	return p;
}

/* Writes data into the repository's object store (as git add would); *oid its id. */
static void store_blob(const clone *c, const char *data, size_t len, git_oid *oid)
{
	git_repository *g = NULL;
	git_oid tmp;
	if (git_repository_open(&g, c->root) != 0 ||
	    git_blob_create_from_buffer(oid ? oid : &tmp, g, data, len) != 0)
		bail("cannot store a blob");
	git_repository_free(g);
}

/* Stages data at path in the index (as git add does). */
static void stage(const clone *c, const char *path, const char *data, size_t len)
{
	git_repository *g = NULL;
	git_index *index = NULL;
	git_index_entry e;
	memset(&e, 0, sizeof(e));
	store_blob(c, data, len, &e.id);
	e.mode = GIT_FILEMODE_BLOB;
	e.path = path;
	if (git_repository_open(&g, c->root) != 0 || git_repository_index(&index, g) != 0 ||
	    git_index_add(index, &e) != 0 || git_index_write(index) != 0)
		bail("cannot stage a file");
	git_index_free(index);
	git_repository_free(g);
}

/* ---- checks ---- */

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

/* 1 when blob is a format 2 blob made for case_id under the key of id. */
static int blob_under(const char *blob, size_t len, const unsigned char *id, const char *case_id)
{
	unsigned char got[CF_KEYID_BYTES];
	const char *cid = NULL;
	size_t n = 0;
	return blob && cf_crypt_is_blob(blob, len) &&
	       cf_crypt_blob_version(blob, len) == CF_CRYPT_VERSION &&
	       cf_crypt_blob_keyid(got, blob, len) == 0 && memcmp(got, id, CF_KEYID_BYTES) == 0 &&
	       cf_crypt_blob_case(&cid, &n, blob, len) == 0 && n == strlen(case_id) &&
	       memcmp(cid, case_id, n) == 0;
}

/* One crypt/no-key error at path whose message names the key k as lib/access describes it. */
static int no_key_error(const cf_diags *d, const char *path, const cf_mlog_key *k)
{
	cf_buf what = CF_BUF_INIT;
	cf_access_describe_key(&what, k);
	int good = d->len == 1 && strcmp(d->items[0].rule, "crypt/no-key") == 0 &&
		   d->items[0].severity == CF_SEV_ERROR && strcmp(d->items[0].file, path) == 0 &&
		   strstr(d->items[0].message, cf_buf_cstr(&what)) &&
		   strstr(d->items[0].message, "does not hold") && d->items[0].hint;
	if (!good)
		for (size_t i = 0; i < d->len; i++)
			printf("#   %s: %s[%s]: %s\n", d->items[i].file, d->items[i].rule,
			       d->items[i].rule, d->items[i].message);
	cf_buf_free(&what);
	return good;
}

/* How many references to libgit2 others hold (this test's own among them). */
static int libgit2_refs(void)
{
	int n = git_libgit2_init();
	git_libgit2_shutdown();
	return n - 1;
}

/* libgit2 is started at clean's first need of the policy, once, and never for smudge or
 * textconv (it costs their start-up some milliseconds). */
static void test_lazy_libgit2(const clone *c)
{
	cf_diags d = CF_DIAGS_INIT;
	const char *out;
	size_t out_len;
	const char *path = "cases/2026-001/lazy.md";
	cf_protect *p = reopen(NULL, c);
	cf_buf blob = CF_BUF_INIT;
	if (cf_protect_clean(&out, &out_len, p, path, plain, PLAIN_LEN, &d) != 0)
		bail("clean for the lazy test");
	cf_buf_put(&blob, out, out_len);
	cf_protect_free(p);
	int base = libgit2_refs();
	p = reopen(NULL, c);
	ok(libgit2_refs() == base, "lazy libgit2: cf_protect_open does not start it");
	ok(cf_protect_smudge(&out, &out_len, p, path, blob.ptr, blob.len, &d) == 0 &&
	       out_len == PLAIN_LEN && memcmp(out, plain, PLAIN_LEN) == 0 &&
	       cf_protect_textconv(&out, &out_len, p, path, blob.ptr, blob.len, &d) == 0 &&
	       out_len == PLAIN_LEN && libgit2_refs() == base,
	   "lazy libgit2: smudge and textconv decrypt without it");
	ok(cf_protect_clean(&out, &out_len, p, path, plain, PLAIN_LEN, &d) == 0 &&
	       libgit2_refs() == base + 1,
	   "lazy libgit2: the first clean under cases/ starts it");
	ok(cf_protect_clean(&out, &out_len, p, path, plain, PLAIN_LEN, &d) == 0 &&
	       cf_protect_clean(&out, &out_len, p, "cases/2026-002/case.yaml", plain, PLAIN_LEN,
				&d) == 0 &&
	       libgit2_refs() == base + 1,
	   "lazy libgit2: ... once, however many files follow");
	cf_protect_free(p);
	ok(libgit2_refs() == base, "lazy libgit2: cf_protect_free gives it back");
	ok(d.len == 0, "lazy libgit2: no diagnostics");
	cf_diags_free(&d);
	cf_buf_free(&blob);
}

int main(void)
{
	if (cf_init() < 0 || git_libgit2_init() < 0)
		bail("libsodium, libgit2");
	if (cf_identity_generate(&alice) != 0 || cf_identity_generate(&carol) != 0)
		bail("identities");
	clone c;
	clone_make(&c);
	genesis(&c);
	cf_diags diags = CF_DIAGS_INIT;
	const char *out;
	size_t out_len;
	cf_buf blob = CF_BUF_INIT, b2 = CF_BUF_INIT, b3 = CF_BUF_INIT;

	/* The clone as `casefile init` leaves it. */
	const cf_mlog_key *rk = cf_mlog_scope_key(c.log, NULL);
	unsigned char k1[CF_KEYID_BYTES];
	ok(rk && cf_keyring_find(c.held, rk->id), "init: the log's repository key is installed");
	if (!rk)
		bail("no repository key");
	memcpy(k1, rk->id, CF_KEYID_BYTES);
	cf_trust_pin pin;
	ok(cf_trust_pin_load(&pin, c.git_dir, &diags) == 0 && pin.pinned &&
	       memcmp(pin.genesis, cf_mlog_entry_hash(c.log, 0), CF_HASH_BYTES) == 0,
	   "init: the genesis is pinned");

	cf_protect *p = reopen(NULL, &c);

	/* ---- clean: the key the log assigns ---- */
	ok(cf_protect_clean(&out, &out_len, p, "README.md", plain, PLAIN_LEN, &diags) == 0 &&
	       out == plain && out_len == PLAIN_LEN,
	   "clean: a path outside cases/ passes unchanged");
	ok(cf_protect_clean(&out, &out_len, p, "casesfoo/x.yaml", plain, PLAIN_LEN, &diags) == 0 &&
	       out == plain,
	   "clean: 'casesfoo/' is not cases/");
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       diags.len == 0,
	   "clean: a case file");
	ok(blob_under(out, out_len, k1, "2026-001"),
	   "clean: format 2, for case 2026-001, under the log's repository key");
	ok(!contains(out, out_len, "Child M") && !contains(out, out_len, "Example Parent"),
	   "clean: no plaintext in the blob");
	ok(out_len >= CF_CRYPT_V2_MIN &&
	       (out_len - CF_CRYPT_HEADER_BYTES - 1 - 8 - CF_CRYPT_TAG_BYTES) %
		       CF_CRYPT_PAD_BYTES ==
		   0,
	   "clean: the body padded to a multiple of CF_CRYPT_PAD_BYTES");
	is_int(cf_access_judge_blob(c.log, CASE1, out, out_len, NULL), CF_BLOB_OK,
	       "clean: a blob the log's policy accepts");
	cf_buf_put(&blob, out, out_len);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "clean: the same plaintext gives the same blob (git sees no change)");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-002/case.yaml", plain, PLAIN_LEN,
			    &diags) == 0 &&
	       blob_under(out, out_len, k1, "2026-002") && !same(out, out_len, blob.ptr, blob.len),
	   "clean: the same plaintext in another case gives another blob");
	ok(cf_protect_clean(&out, &out_len, p, "Cases/2026-001/case.yaml", plain, PLAIN_LEN,
			    &diags) == 0 &&
	       cf_crypt_is_blob(out, out_len),
	   "clean: Cases/ in another letter case is encrypted too");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-001/empty.md", "", 0, &diags) == 0 &&
	       blob_under(out, out_len, k1, "2026-001"),
	   "clean: an empty case file is encrypted too");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, out, out_len);
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-001/empty.md", b2.ptr, b2.len,
			     &diags) == 0 &&
	       out_len == 0 && out != b2.ptr,
	   "smudge: and decrypted to nothing");
	ok(cf_protect_clean(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       out == blob.ptr && out_len == blob.len,
	   "clean: a blob that verifies passes unchanged (a locked clone's working tree)");
	/* Bytes appended to a blob, as many as keep its shape: it does not verify. */
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	for (int i = 0; i < CF_CRYPT_PAD_BYTES; i++)
		cf_buf_putc(&b2, 'x');
	ok(cf_crypt_is_blob(b2.ptr, b2.len) &&
	       cf_protect_clean(&out, &out_len, p, CASE1, b2.ptr, b2.len, &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "clean: a blob with 256 bytes appended: refused, nothing out");
	is_str(only_rule(&diags), "crypt/tampered", "clean: ... crypt/tampered");
	cf_diags_clear(&diags);
	/* Plaintext appended to a blob: whatever clean does, it never stores that plaintext in
	 * the clear. */
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	cf_buf_puts(&b2, "title: appended in an editor\n");
	int rc = cf_protect_clean(&out, &out_len, p, CASE1, b2.ptr, b2.len, &diags);
	ok(rc == -1 ? out == NULL && diags.len == 1
		    : blob_under(out, out_len, k1, "2026-001") &&
			  !contains(out, out_len, "appended in an editor"),
	   "clean: a blob with plaintext appended: refused, or encrypted whole");
	cf_diags_clear(&diags);

	/* ---- smudge ---- */
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN) && out[out_len] == '\0',
	   "smudge: decrypts the blob to the plaintext");
	is_int(diags.len, 0, "smudge: no diagnostics");
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       out == plain && out_len == PLAIN_LEN,
	   "smudge: not a blob passes unchanged");
	ok(cf_protect_smudge(&out, &out_len, p, "cases/2026-002/case.yaml", blob.ptr, blob.len,
			     &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "smudge: a blob moved into another case fails, nothing out");
	is_str(only_rule(&diags), "crypt/tampered", "smudge: ... crypt/tampered");
	cf_diags_clear(&diags);
	cf_buf_clear(&b2);
	cf_buf_put(&b2, blob.ptr, blob.len);
	b2.ptr[blob.len - CF_CRYPT_TAG_BYTES - 5] ^= 1;
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, b2.ptr, b2.len, &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "smudge: a changed byte of ciphertext fails, nothing out");
	is_str(only_rule(&diags), "crypt/tampered", "smudge: ... crypt/tampered");
	cf_diags_clear(&diags);
	b2.ptr[blob.len - CF_CRYPT_TAG_BYTES - 5] ^= 1;
	b2.ptr[blob.len - 1] ^= 0x80;
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, b2.ptr, b2.len, &diags) == -1,
	   "smudge: a changed tag fails");
	is_str(only_rule(&diags), "crypt/tampered", "smudge: ... crypt/tampered");
	cf_diags_clear(&diags);
	ok(cf_protect_textconv(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "textconv: a blob with its key, its plaintext");
	ok(cf_protect_textconv(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       out == plain,
	   "textconv: plaintext (the working tree's side of a diff) unchanged");

	/* ---- a case of its own key ---- */
	cf_access_request r = request(CF_ACT_ADD);
	static const char *const c3[] = {"2026-003"};
	r.name = "carol";
	r.role = CF_ROLE_CASE;
	r.pub = cf_identity_public(carol);
	r.cases = c3;
	r.n_cases = 1;
	change(&c, &r);
	const cf_mlog_key *ck = cf_mlog_scope_key(c.log, "2026-003");
	unsigned char kc[CF_KEYID_BYTES];
	ok(ck && !ck->retired && memcmp(ck->id, k1, CF_KEYID_BYTES) != 0 &&
	       cf_keyring_find(c.held, ck->id),
	   "carol added: case 2026-003 has a key of its own, installed");
	if (!ck)
		bail("no case key");
	memcpy(kc, ck->id, CF_KEYID_BYTES);
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE3, plain, PLAIN_LEN, &diags) == 0 &&
	       blob_under(out, out_len, kc, "2026-003"),
	   "clean: a file of case 2026-003 under its own key");
	cf_buf_clear(&b3);
	cf_buf_put(&b3, out, out_len);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "clean: another case's file as before, under the repository key");
	ok(cf_protect_smudge(&out, &out_len, p, CASE3, b3.ptr, b3.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "smudge: decrypts it");

	/* ---- a clone without the case's key ---- */
	drop_key(&c, kc);
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE3, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "no case key: clean of its file fails, nothing out");
	ok(no_key_error(&diags, CASE3, cf_mlog_key_by_id(c.log, kc)),
	   "no case key: crypt/no-key naming the key of case 2026-003 and the file");
	ok(diags.len == 1 && strstr(diags.items[0].message, "2026-003") &&
	       strstr(diags.items[0].hint, "casefile unlock"),
	   "no case key: the hint says to unlock (the key came after the genesis)");
	cf_diags_clear(&diags);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "no case key: other cases still encrypt, under the repository key");
	ok(cf_protect_smudge(&out, &out_len, p, CASE3, b3.ptr, b3.len, &diags) == 0 &&
	       out == b3.ptr && out_len == b3.len && diags.len == 0,
	   "no case key: smudge checks out its ciphertext, quietly");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, kc);
	cf_buf want = CF_BUF_INIT;
	cf_buf_printf(&want, "casefile: encrypted with key %s, which this clone does not hold\n",
		      hex);
	ok(cf_protect_textconv(&out, &out_len, p, CASE3, b3.ptr, b3.len, &diags) == 0 &&
	       same(out, out_len, want.ptr, want.len),
	   "no case key: textconv gives one line naming the key");
	/* Its ciphertext, as checked out: quiet when the repository has it, refused when not. */
	ok(cf_protect_clean(&out, &out_len, p, CASE3, b3.ptr, b3.len, &diags) == -1 && out == NULL,
	   "no case key: ciphertext the repository lacks is refused");
	is_str(only_rule(&diags), "crypt/no-key", "no case key: ... crypt/no-key");
	ok(diags.len == 1 && strstr(diags.items[0].message, hex), "no case key: naming the key");
	cf_diags_clear(&diags);
	store_blob(&c, b3.ptr, b3.len, NULL);
	ok(cf_protect_clean(&out, &out_len, p, CASE3, b3.ptr, b3.len, &diags) == 0 &&
	       out == b3.ptr && diags.len == 0,
	   "no case key: ciphertext the repository has passes (git status stays quiet)");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, b3.ptr, b3.len);
	cf_buf_puts(&b2, "x");
	ok(cf_protect_clean(&out, &out_len, p, CASE3, b2.ptr, b2.len, &diags) == -1 && out == NULL,
	   "no case key: that ciphertext with a byte appended is refused");
	is_str(only_rule(&diags), "crypt/no-key", "no case key: ... crypt/no-key");
	cf_diags_clear(&diags);

	/* No key at all: a member's clone before `casefile unlock`. */
	drop_key(&c, k1);
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "no keys: clean fails");
	ok(no_key_error(&diags, CASE1, cf_mlog_key_by_id(c.log, k1)),
	   "no keys: crypt/no-key naming the repository key");
	ok(diags.len == 1 && strstr(diags.items[0].hint, "member add"),
	   "no keys: the hint says to ask for `casefile member add`");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       out == blob.ptr && diags.len == 0,
	   "no keys: smudge checks out ciphertext");
	restore_key(&c, k1);
	restore_key(&c, kc);

	/* ---- a rotation of the repository key ---- */
	cf_buf before = CF_BUF_INIT; /* the log before it */
	size_t before_len;
	const char *before_text = cf_mlog_text(c.log, &before_len);
	cf_buf_put(&before, before_text, before_len);
	r = request(CF_ACT_ROTATE);
	const char *repo_scope[] = {NULL};
	r.scopes = repo_scope;
	r.n_scopes = 1;
	change(&c, &r);
	const cf_mlog_key *old = cf_mlog_key_by_id(c.log, k1);
	const cf_mlog_key *nk = cf_mlog_scope_key(c.log, NULL);
	unsigned char k2[CF_KEYID_BYTES];
	ok(old && old->retired && nk && !nk->retired && memcmp(nk->id, k1, CF_KEYID_BYTES) != 0,
	   "rotated: the old repository key retired, a new one current");
	if (!nk)
		bail("no new key");
	memcpy(k2, nk->id, CF_KEYID_BYTES);
	ok(cf_mlog_scope_key(c.log, "2026-003") &&
	       memcmp(cf_mlog_scope_key(c.log, "2026-003")->id, kc, CF_KEYID_BYTES) == 0,
	   "rotated: the case key as it was");
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       blob_under(out, out_len, k2, "2026-001"),
	   "rotated: clean encrypts with the new key");
	cf_buf_clear(&b2);
	cf_buf_put(&b2, out, out_len);
	is_int(cf_access_judge_blob(c.log, CASE1, b2.ptr, b2.len, NULL), CF_BLOB_OK,
	       "rotated: which the log accepts");
	is_int(cf_access_judge_blob(c.log, CASE1, blob.ptr, blob.len, NULL), CF_BLOB_RETIRED_KEY,
	       "rotated: and the old blob is under a retired key");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-009/new.md", plain, PLAIN_LEN, &diags) ==
		   0 &&
	       blob_under(out, out_len, k2, "2026-009"),
	   "rotated: a new file of another case, the new key too");
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "rotated: smudge still decrypts an old blob with the retired key");
	ok(cf_protect_textconv(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "rotated: and textconv (git log -p of history)");
	ok(cf_protect_clean(&out, &out_len, p, CASE3, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, b3.ptr, b3.len),
	   "rotated: case 2026-003 keeps its own key");
	/* The old blob staged, the rotation applied: nothing reuses it. */
	stage(&c, CASE1, blob.ptr, blob.len);
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, b2.ptr, b2.len),
	   "rotated: with the old blob staged, clean still gives the new key's blob");
	is_int(diags.len, 0, "rotated: no diagnostics");

	/* A clone that has the new log but not the new key: no fallback to the retired one. */
	drop_key(&c, k2);
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL && out_len == 0,
	   "new key not held: clean fails rather than use the retired key");
	ok(no_key_error(&diags, CASE1, cf_mlog_key_by_id(c.log, k2)),
	   "new key not held: crypt/no-key naming the new key");
	cf_keyid_hex(hex, k1);
	ok(diags.len == 1 && !strstr(diags.items[0].message, hex) &&
	       strstr(diags.items[0].hint, "unlock"),
	   "new key not held: not the old key; the hint says to unlock");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "new key not held: old blobs still decrypt");
	restore_key(&c, k2);

	/* A clone behind the log (the rotation fetched, not merged: its working tree has the
	 * log before it): an unchanged file keeps its staged blob, a changed one gets the new
	 * key. */
	char *wt_log = cf_path_join(c.root, CF_MLOG_PATH);
	if (cf_write_file_atomic(wt_log, before.ptr, before.len, 0644) < 0)
		bail("cannot write the old log");
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == 0 &&
	       same(out, out_len, blob.ptr, blob.len),
	   "behind: an unchanged file gives back its staged blob");
	static const char edited[] = "id: 2026-001\ntitle: edited\n";
	ok(cf_protect_clean(&out, &out_len, p, CASE1, edited, sizeof(edited) - 1, &diags) == 0 &&
	       blob_under(out, out_len, k2, "2026-001"),
	   "behind: a changed file is encrypted with the new key, not the retired one");
	ok(cf_protect_clean(&out, &out_len, p, "cases/2026-002/case.yaml", plain, PLAIN_LEN,
			    &diags) == 0 &&
	       blob_under(out, out_len, k2, "2026-002"),
	   "behind: a file not staged gets the new key");
	is_int(diags.len, 0, "behind: no diagnostics");
	cf_mlog *now = NULL;
	ok(cf_trust_current(&now, NULL, NULL, c.root, c.git_dir, 0, &diags) == 0 && now &&
	       cf_mlog_entries(now) == cf_mlog_entries(c.log),
	   "behind: the log now is the newest the clone has seen");
	cf_mlog_free(now);
	now = NULL;

	/* ---- a log this clone must not trust ---- */
	size_t log_len;
	const char *log_text = cf_mlog_text(c.log, &log_len);
	if (cf_write_file_atomic(wt_log, log_text, log_len, 0644) < 0)
		bail("cannot write the log");
	char *pin_path = cf_path_join(c.git_dir, CF_TRUST_PIN_FILE);
	cf_buf pin_text = CF_BUF_INIT;
	cf_read_file_buf(&pin_text, pin_path, 4096);
	unlink(pin_path);
	p = reopen(p, &c);
	char fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, c.log);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "not pinned: clean encrypts nothing");
	is_str(only_rule(&diags), "crypt/untrusted", "not pinned: ... crypt/untrusted");
	ok(diags.len == 1 && strstr(diags.items[0].message, fp),
	   "not pinned: naming the log's fingerprint");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, b2.ptr, b2.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "not pinned: smudge still decrypts");
	write_file(pin_path, pin_text.ptr, pin_text.len, 0600);

	/* A byte of the working tree's log changed. */
	cf_buf_clear(&b2);
	cf_buf_put(&b2, log_text, log_len);
	char *date = NULL;
	for (char *at = strstr(b2.ptr, "\ndate 2026"); at; at = strstr(at + 1, "\ndate 2026"))
		date = at + 1;
	if (!date)
		bail("no date line");
	date[5] = '3';
	if (cf_write_file_atomic(wt_log, b2.ptr, b2.len, 0644) < 0)
		bail("cannot write the log");
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "changed log: clean encrypts nothing");
	ok(diags.len >= 1 && cf_diags_has_rule(&diags, "crypt/untrusted") &&
	       cf_diags_count(&diags, CF_SEV_ERROR) == diags.len,
	   "changed log: crypt/untrusted");
	cf_diags_clear(&diags);

	/* Another repository's log, in a clone that pinned this one's. */
	clone other;
	clone_make(&other);
	genesis(&other);
	size_t other_len;
	const char *other_text = cf_mlog_text(other.log, &other_len);
	char *kept = cf_path_join(c.git_dir, CF_TRUST_LOG_FILE);
	cf_buf kept_text = CF_BUF_INIT;
	cf_read_file_buf(&kept_text, kept, CF_MLOG_MAX_BYTES);
	unlink(kept);
	if (cf_write_file_atomic(wt_log, other_text, other_len, 0644) < 0)
		bail("cannot write the log");
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "another repository's log: clean encrypts nothing");
	is_str(only_rule(&diags), "crypt/untrusted", "another repository's log: crypt/untrusted");
	ok(diags.len == 1 && strstr(diags.items[0].message, "pinned") &&
	       strstr(diags.items[0].message, fp),
	   "another repository's log: the fingerprint pinned differs");
	cf_diags_clear(&diags);
	clone_free(&other);
	write_file(kept, kept_text.ptr, kept_text.len, 0600);
	if (cf_write_file_atomic(wt_log, log_text, log_len, 0644) < 0)
		bail("cannot write the log");
	p = reopen(p, &c);
	ok(cf_protect_clean(&out, &out_len, p, CASE1, edited, sizeof(edited) - 1, &diags) == 0 &&
	       blob_under(out, out_len, k2, "2026-001"),
	   "the log restored: clean encrypts again");

	/* ---- the clone's keys ---- */
	char *store = cf_keystore_dir(c.git_dir);
	chmod(store, 0755);
	cf_protect *bad = NULL;
	ok(cf_protect_open(&bad, c.root, c.git_dir, &diags) == -1 && bad == NULL,
	   "a key store others can read: open fails");
	is_str(only_rule(&diags), "crypt/key-permissions", "... crypt/key-permissions");
	cf_diags_clear(&diags);
	chmod(store, 0700);

	/* ---- a bare repository: no working tree, no log to read ---- */
	cf_protect_free(p);
	p = NULL;
	ok(cf_protect_open(&p, NULL, c.git_dir, &diags) == 0, "bare: opens");
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "bare: clean under cases/ fails");
	is_str(only_rule(&diags), "crypt/no-key", "bare: ... crypt/no-key");
	cf_diags_clear(&diags);
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       same(out, out_len, plain, PLAIN_LEN),
	   "bare: smudge decrypts");
	cf_protect_free(p);
	p = NULL;

	/* ---- a repository with no member log ---- */
	clone empty;
	clone_make(&empty);
	ok(cf_protect_open(&p, empty.root, empty.git_dir, &diags) == 0, "no log: opens");
	ok(cf_protect_clean(&out, &out_len, p, CASE1, plain, PLAIN_LEN, &diags) == -1 &&
	       out == NULL,
	   "no log: clean under cases/ fails");
	is_str(only_rule(&diags), "crypt/upgrade", "no log: ... crypt/upgrade");
	ok(diags.len == 1 && strstr(diags.items[0].hint, "casefile init"),
	   "no log: the hint says `casefile init`");
	cf_diags_clear(&diags);
	ok(cf_protect_clean(&out, &out_len, p, "notes.md", plain, PLAIN_LEN, &diags) == 0 &&
	       out == plain,
	   "no log: outside cases/ unchanged");
	ok(cf_protect_smudge(&out, &out_len, p, CASE1, blob.ptr, blob.len, &diags) == 0 &&
	       out == blob.ptr && diags.len == 0,
	   "no log, no keys: smudge checks out ciphertext");
	cf_protect_free(p);
	clone_free(&empty);
	test_lazy_libgit2(&c);

	ok(cf_protect_is_encrypted_path("cases/2026-001/case.yaml") &&
	       cf_protect_is_encrypted_path("cases/x") && cf_protect_is_encrypted_path("CASES/x") &&
	       !cf_protect_is_encrypted_path("cases") && !cf_protect_is_encrypted_path("cases/") &&
	       !cf_protect_is_encrypted_path("casesX/y") &&
	       !cf_protect_is_encrypted_path("docs/cases/y") && !cf_protect_is_encrypted_path(NULL),
	   "which paths are encrypted");

	free(kept);
	free(store);
	free(pin_path);
	free(wt_log);
	cf_buf_free(&kept_text);
	cf_buf_free(&pin_text);
	cf_buf_free(&before);
	cf_buf_free(&want);
	cf_buf_free(&blob);
	cf_buf_free(&b2);
	cf_buf_free(&b3);
	cf_diags_free(&diags);
	clone_free(&c);
	cf_identity_free(alice);
	cf_identity_free(carol);
	git_libgit2_shutdown();
	return tap_done();
}
