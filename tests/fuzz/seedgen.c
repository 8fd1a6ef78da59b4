/* Makes the seeds of the harnesses whose inputs casefile writes itself and a person never
 * types: key files, exports, identities, sealed keys, blobs, member logs, filter sessions and
 * git indexes, made with the fixed key and identity of fuzz.h (and its stand-in for Argon2id,
 * so exports and protected identities open in the harnesses).  Usage: seedgen OUTDIR; writes
 * OUTDIR/NAME/SEED for each harness NAME.  tests/fuzz/seeds.sh runs it. */
#define FUZZ_FAKE_PWHASH
#define FUZZ_NEED_GIT
#include "fuzz.h"
#include "gitfilter.h"
#include "keys.h"
#include "trust.h"

#define PASS "correct horse battery staple"

static const char *outdir;

static void seed(const char *harness, const char *name, const void *data, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX];
	fuzz_path(dir, outdir, harness);
	FUZZ_ASSERT(cf_mkdirs(dir, 0755) == 0);
	FUZZ_ASSERT(fuzz_write(fuzz_path(path, dir, name), data, len, 0644) == 0);
}

static void seed_buf(const char *harness, const char *name, const cf_buf *b)
{
	FUZZ_ASSERT(!cf_buf_oom(b));
	seed(harness, name, b->ptr ? b->ptr : "", b->len);
}

static void seed_file(const char *harness, const char *name, const char *path)
{
	cf_buf b = CF_BUF_INIT;
	FUZZ_ASSERT(cf_read_file_buf(&b, path, 1 << 20) == 0);
	seed_buf(harness, name, &b);
	cf_buf_free(&b);
}

/* ---- keys, identities, seals -------------------------------------------------------------- */

static void keys(const char *tmp, const cf_identity *alice, const cf_mlog *log)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_key *k = fuzz_key();
	char path[PATH_MAX];
	FUZZ_ASSERT(cf_key_save(k, fuzz_path(path, tmp, "fixed.key"), &d) == 0);
	seed_file("keyfile", "fixed.key", path);
	FUZZ_ASSERT(cf_trust_pin_save(tmp, log, &d) == 0);
	seed_file("keyfile", "trust", fuzz_path(path, tmp, CF_TRUST_PIN_FILE));

	cf_buf b = CF_BUF_INIT;
	FUZZ_ASSERT(cf_key_export_passphrase(&b, k, PASS, strlen(PASS)) == 0);
	seed_buf("export", "fixed.export", &b);

	seed("identity", "alice", FUZZ_IDENTITY, strlen(FUZZ_IDENTITY));
	FUZZ_ASSERT(cf_identity_save(alice, fuzz_path(path, tmp, "protected"), PASS, strlen(PASS),
				     &d) == 0);
	seed_file("identity", "alice-protected", path);
	cf_buf_clear(&b);
	cf_pubkeys_format(&b, cf_identity_public(alice));
	seed_buf("identity", "alice.pub", &b);
	/* a version 1 identity (no signing key: its X25519 pair alone), and its public line */
	const char *sec = strstr(FUZZ_IDENTITY, "\nsecret ") + 8;
	unsigned char both[64], pub[32];
	size_t got = 0;
	FUZZ_ASSERT(sodium_base642bin(both, sizeof(both), sec, strcspn(sec, "\n"), NULL, &got, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    got == 64);
	FUZZ_ASSERT(crypto_scalarmult_base(pub, both) == 0);
	char pub64[64], sec64[64];
	sodium_bin2base64(pub64, sizeof(pub64), pub, 32, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sec64, sizeof(sec64), both, 32, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(both, sizeof(both));
	cf_buf_clear(&b);
	cf_buf_printf(&b, "casefile-identity 1\npublic %s\nsecret %s\n", pub64, sec64);
	seed_buf("identity", "alice-v1", &b);
	cf_buf_clear(&b);
	cf_buf_printf(&b, "casefile-pub-1 %s\n", pub64);
	seed_buf("identity", "alice-v1.pub", &b);

	cf_buf_clear(&b);
	FUZZ_ASSERT(cf_key_seal(&b, k, cf_identity_public(alice)->box) == 0);
	seed_buf("sealed", "fixed.sealed", &b);
	cf_buf_clear(&b);
	FUZZ_ASSERT(cf_key_seal_b64(&b, k, cf_identity_public(alice)->box) == 0);
	seed_buf("sealed", "fixed.b64", &b);
	cf_buf_free(&b);
	cf_key_free(k);
	FUZZ_ASSERT(d.len == 0);
	cf_diags_free(&d);
}

/* ---- blobs and filter sessions ------------------------------------------------------------ */

static void pkt(cf_buf *b, const void *data, size_t len)
{
	cf_buf_printf(b, "%04zx", len + 4);
	cf_buf_put(b, data, len);
}

static void pkt_text(cf_buf *b, const char *s)
{
	pkt(b, s, strlen(s));
}

static void flush(cf_buf *b)
{
	cf_buf_puts(b, "0000");
}

static void request(cf_buf *b, const char *command, const char *path, const char *data, size_t len)
{
	cf_buf line = CF_BUF_INIT;
	cf_buf_printf(&line, "command=%s\n", command);
	pkt_text(b, line.ptr);
	cf_buf_clear(&line);
	cf_buf_printf(&line, "pathname=%s\n", path);
	pkt_text(b, line.ptr);
	flush(b);
	for (size_t at = 0; at < len; at += CF_PKT_MAX_PAYLOAD)
		pkt(b, data + at, len - at < CF_PKT_MAX_PAYLOAD ? len - at : CF_PKT_MAX_PAYLOAD);
	flush(b);
	cf_buf_free(&line);
}

static void blobs(void)
{
	cf_key *k = fuzz_key();
	const char *files[] = {"2025-006/case.yaml", "2025-006/family.yaml", "2025-006/report.md",
			       "2026-001/case.yaml"};
	cf_buf session = CF_BUF_INIT;
	pkt_text(&session, "git-filter-client\n");
	pkt_text(&session, "version=2\n");
	flush(&session);
	pkt_text(&session, "capability=clean\n");
	pkt_text(&session, "capability=smudge\n");
	pkt_text(&session, "capability=delay\n");
	flush(&session);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[PATH_MAX], rel[PATH_MAX], name[64];
		fuzz_path(rel, "cases", files[i]);
		fuzz_path(path, CF_SRCDIR "/example-repo", rel);
		cf_buf plain = CF_BUF_INIT, blob = CF_BUF_INIT;
		FUZZ_ASSERT(cf_read_file_buf(&plain, path, 1 << 20) == 0);
		FUZZ_ASSERT(cf_crypt_encrypt(&blob, k, rel, plain.ptr, plain.len, NULL) == 0);
		snprintf(name, sizeof(name), "v2-%zu", i);
		seed_buf("blob", name, &blob);
		request(&session, "smudge", rel, blob.ptr, blob.len);
		if (i == 0) {
			cf_buf_clear(&blob);
			FUZZ_ASSERT(cf_crypt_encrypt_v1(&blob, k, plain.ptr, plain.len) == 0);
			seed_buf("blob", "v1-0", &blob);
			request(&session, "smudge", "cases/2026-002/case.yaml", blob.ptr, blob.len);
			request(&session, "clean", rel, plain.ptr, plain.len);
			request(&session, "clean", "README.md", plain.ptr, plain.len);
		}
		cf_buf_free(&plain);
		cf_buf_free(&blob);
	}
	seed_buf("filter", "session", &session);
	cf_buf_free(&session);
	cf_key_free(k);
}

/* ---- member logs -------------------------------------------------------------------------- */

static cf_access_request req(cf_action act, const cf_identity *alice)
{
	cf_access_request r;
	memset(&r, 0, sizeof(r));
	r.action = act;
	r.signer = "alice";
	r.signer_id = alice;
	r.date = "2026-01-06T09:00:00Z";
	return r;
}

/* Plans r on *log, keeps the keys it made in ring, and replaces *log with the result. */
static void step(cf_mlog **log, cf_keyring *ring, const cf_access_request *r, const char *seed_name)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_access_plan plan;
	if (cf_access_plan_make(&plan, *log, r, ring, &d) != 0) {
		for (size_t i = 0; i < d.len; i++)
			fprintf(stderr, "seedgen: %s\n", d.items[i].message);
		FUZZ_ASSERT(!"a plan of the seeds' log");
	}
	for (size_t i = 0; i < plan.n_new_keys; i++) {
		cf_key *copy = NULL;
		FUZZ_ASSERT(cf_key_from_bytes(&copy, cf_key_secret(plan.new_keys[i])) == 0);
		FUZZ_ASSERT(cf_keyring_add(ring, copy) == 0);
	}
	cf_mlog_free(*log);
	*log = NULL;
	FUZZ_ASSERT(cf_mlog_load(log, plan.log.ptr, plan.log.len, NULL, &d) == 0);
	seed_buf("mlog", seed_name, &plan.log);
	cf_access_plan_free(&plan);
	cf_diags_free(&d);
}

static void logs(const cf_identity *alice)
{
	cf_buf text = CF_BUF_INIT;
	cf_mlog *log = fuzz_genesis(alice, &text);
	seed_buf("mlog", "genesis", &text);
	cf_buf_free(&text);
	cf_keyring *ring = fuzz_keyring();
	cf_identity *bob = NULL, *carol = NULL;
	FUZZ_ASSERT(cf_identity_generate(&bob) == 0 && cf_identity_generate(&carol) == 0);
	static const char *const carol_cases[] = {"2026-003"};

	cf_access_request r = req(CF_ACT_ADD, alice);
	r.name = "bob";
	r.role = CF_ROLE_MEMBER;
	r.pub = cf_identity_public(bob);
	step(&log, ring, &r, "add-member");

	r = req(CF_ACT_ADD, alice);
	r.name = "carol";
	r.role = CF_ROLE_CASE;
	r.pub = cf_identity_public(carol);
	r.cases = carol_cases;
	r.n_cases = 1;
	step(&log, ring, &r, "add-case-member");

	r = req(CF_ACT_ROLE, alice);
	r.name = "bob";
	r.role = CF_ROLE_ADMIN;
	r.pub = cf_identity_public(bob);
	step(&log, ring, &r, "role");

	r = req(CF_ACT_ROTATE, alice);
	r.rotate_all = 1;
	step(&log, ring, &r, "rotate");

	r = req(CF_ACT_REMOVE, alice);
	r.name = "carol";
	step(&log, ring, &r, "remove");

	cf_identity_free(bob);
	cf_identity_free(carol);
	cf_keyring_free(ring);
	cf_mlog_free(log);
}

/* ---- git indexes -------------------------------------------------------------------------- */

static void write_index(git_repository *repo, const char *tmp, const char *name, unsigned version,
			int extras)
{
	char path[PATH_MAX];
	fuzz_path(path, tmp, name);
	unlink(path);
	git_index *idx = NULL;
	FUZZ_ASSERT(git_index_open(&idx, path) == 0);
	fuzz_fill_repo(repo, idx);
	if (extras) {
		/* an entry added with `git add -N`, and a conflict */
		const git_index_entry *e = git_index_get_bypath(idx, "cases/2025-006/case.yaml", 0);
		FUZZ_ASSERT(e);
		git_index_entry ita = *e, ours = *e, theirs = *e;
		ita.path = "cases/2025-006/notes.md";
		ita.flags_extended = GIT_INDEX_ENTRY_INTENT_TO_ADD;
		FUZZ_ASSERT(git_index_add(idx, &ita) == 0);
		ours.path = theirs.path = "cases/2025-006/family.yaml";
		FUZZ_ASSERT(git_index_conflict_add(idx, NULL, &ours, &theirs) == 0);
	}
	FUZZ_ASSERT(git_index_set_version(idx, version) == 0);
	FUZZ_ASSERT(git_index_write(idx) == 0);
	git_index_free(idx);
	seed_file("index", name, path);
}

static void indexes(const char *tmp)
{
	FUZZ_ASSERT(git_libgit2_init() > 0);
	char root[PATH_MAX];
	git_repository *repo = NULL;
	FUZZ_ASSERT(git_repository_init(&repo, fuzz_path(root, tmp, "repo"), 0) == 0);
	write_index(repo, tmp, "v2", 2, 0);
	write_index(repo, tmp, "v3", 3, 1);
	write_index(repo, tmp, "v4", 4, 1);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	FUZZ_ASSERT(cf_init() == 0);
	const char *tmp = fuzz_dir("seedgen");
	cf_identity *alice = fuzz_identity(tmp);
	cf_mlog *log = fuzz_genesis(alice, NULL);
	keys(tmp, alice, log);
	blobs();
	logs(alice);
	indexes(tmp);
	cf_mlog_free(log);
	cf_identity_free(alice);
	return 0;
}
