/* lib/keys: identities, public keys, sealed keys, access.yaml and the clone's key store. */
#include "tap.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "keys.h"
#include "rules.h"

#include "fsutil.h"

static char tmpdir[64];

/* The rule of the only diagnostic, or a marker saying why there is not exactly one. */
static const char *only_rule(const cf_diags *d)
{
	if (d->len == 0)
		return "(none)";
	if (d->len > 1)
		return "(several)";
	return d->items[0].rule;
}

static char *tmp_path(const char *name)
{
	return cf_path_join(tmpdir, name);
}

/* ---- identities ---- */

static void test_identity_plain(void)
{
	cf_identity *id = NULL, *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *path = tmp_path("id-plain");
	ok(cf_identity_generate(&id) == 0, "identity: generated");
	is_int(cf_identity_save(id, path, NULL, 0, &d), 0, "identity: saved without passphrase");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "identity: file mode 0600");
	is_int(cf_identity_is_protected(path), 0, "identity: not protected");
	is_int(cf_identity_load(&back, path, NULL, 0, &d), 0, "identity: loads");
	ok(back && memcmp(cf_identity_public(back), cf_identity_public(id), CF_PUBKEY_BYTES) == 0,
	   "identity: same public key after the round trip");
	unsigned char pub[CF_PUBKEY_BYTES];
	is_int(cf_identity_read_public(pub, path, &d), 0, "identity: public key read alone");
	ok(memcmp(pub, cf_identity_public(id), CF_PUBKEY_BYTES) == 0,
	   "identity: the public line is the public key");
	is_int(d.len, 0, "identity: no diagnostics");

	/* The secret is what decides: a round trip must keep it, so a key sealed to the
	 * original opens with the loaded copy. */
	cf_key *k = NULL, *opened = NULL;
	cf_buf sealed = CF_BUF_INIT;
	cf_key_generate(&k);
	ok(cf_key_seal(&sealed, k, cf_identity_public(id)) == 0, "identity: key sealed to it");
	is_int(cf_key_unseal(&opened, sealed.ptr, sealed.len, cf_key_id(k), back, "x.sealed", &d),
	       0, "identity: loaded copy opens what was sealed to the original");
	ok(opened && memcmp(cf_key_secret(opened), cf_key_secret(k), CF_KEY_BYTES) == 0,
	   "identity: the opened key is the key");

	/* Loose modes are refused, with a chmod hint. */
	chmod(path, 0640);
	cf_identity *loose = NULL;
	is_int(cf_identity_load(&loose, path, NULL, 0, &d), CF_CRYPT_EPERMISSIONS,
	       "identity: mode 0640 refused");
	is_str(only_rule(&d), "crypt/key-permissions", "identity: crypt/key-permissions");
	ok(d.len == 1 && d.items[0].hint && strstr(d.items[0].hint, "chmod 600"),
	   "identity: the hint says chmod 600");
	ok(loose == NULL, "identity: nothing loaded from a loose file");
	cf_diags_clear(&d);
	is_int(cf_identity_read_public(pub, path, &d), CF_CRYPT_EPERMISSIONS,
	       "identity: public key of a loose file refused too");
	cf_diags_clear(&d);
	chmod(path, 0600);

	/* A changed public line does not match the secret. */
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, path, 4096);
	char *pl = strstr(text.ptr, "public ");
	pl[7] = pl[7] == 'A' ? 'B' : 'A';
	write_text(path, text.ptr, 0600);
	is_int(cf_identity_load(&loose, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "identity: a public key that does not match the secret is refused");
	is_str(only_rule(&d), "crypt/key-format", "identity: crypt/key-format");
	ok(d.len == 1 && d.items[0].line == 2, "identity: on the public line");
	cf_diags_clear(&d);
	write_text(path, "not an identity\n", 0600);
	is_int(cf_identity_load(&loose, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "identity: another file refused");
	cf_diags_clear(&d);

	cf_buf_free(&text);
	cf_buf_free(&sealed);
	cf_key_free(k);
	cf_key_free(opened);
	cf_identity_free(id);
	cf_identity_free(back);
	cf_diags_free(&d);
	free(path);
}

static void test_identity_passphrase(void)
{
	cf_identity *id = NULL, *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *path = tmp_path("sub/dir/id-pass");
	const char *pass = "correct horse";
	ok(cf_identity_generate(&id) == 0, "passphrase: identity generated");
	is_int(cf_identity_save(id, path, pass, strlen(pass), &d), 0,
	       "passphrase: saved (its directory made)");
	char *dir = tmp_path("sub/dir");
	struct stat st;
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "passphrase: directory mode 0700");
	free(dir);
	is_int(cf_identity_is_protected(path), 1, "passphrase: protected");
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, path, 4096);
	ok(strstr(text.ptr, "secret ") == NULL && strstr(text.ptr, "box ") != NULL,
	   "passphrase: no plain secret in the file");
	cf_buf_free(&text);

	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EPASSPHRASE,
	       "passphrase: refused without the passphrase");
	is_str(only_rule(&d), "crypt/passphrase", "passphrase: crypt/passphrase");
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, "wrong", 5, &d), CF_CRYPT_EPASSPHRASE,
	       "passphrase: wrong passphrase refused");
	is_str(only_rule(&d), "crypt/passphrase", "passphrase: crypt/passphrase for a wrong one");
	ok(back == NULL, "passphrase: nothing loaded");
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, pass, strlen(pass), &d), 0,
	       "passphrase: loads with it");
	ok(back && memcmp(cf_identity_public(back), cf_identity_public(id), CF_PUBKEY_BYTES) == 0,
	   "passphrase: same public key");
	unsigned char pub[CF_PUBKEY_BYTES];
	is_int(cf_identity_read_public(pub, path, &d), 0,
	       "passphrase: public key read without the passphrase");
	ok(memcmp(pub, cf_identity_public(id), CF_PUBKEY_BYTES) == 0, "passphrase: it is the key");
	is_int(cf_identity_save(id, path, "", 0, &d), CF_CRYPT_EPASSPHRASE,
	       "passphrase: an empty one refused");
	cf_diags_clear(&d);
	is_int(cf_identity_is_protected("/nonexistent/identity"), -1,
	       "passphrase: a missing file is -1");

	cf_identity_free(id);
	cf_identity_free(back);
	cf_diags_free(&d);
	free(path);
}

static void test_default_path(void)
{
	setenv("CASEFILE_IDENTITY", "/x/id", 1);
	char *p = cf_identity_default_path();
	is_str(p, "/x/id", "default path: CASEFILE_IDENTITY");
	free(p);
	unsetenv("CASEFILE_IDENTITY");
	setenv("HOME", "/home/h", 1);
	p = cf_identity_default_path();
	is_str(p, "/home/h/.config/casefile/identity", "default path: under HOME");
	free(p);
}

/* ---- public keys ---- */

static void test_pubkey(void)
{
	unsigned char pub[CF_PUBKEY_BYTES], back[CF_PUBKEY_BYTES];
	for (size_t i = 0; i < sizeof(pub); i++)
		pub[i] = (unsigned char)(i * 7 + 1);
	cf_buf line = CF_BUF_INIT;
	cf_pubkey_format(&line, pub);
	is_str(line.ptr,
	       "casefile-pub-1 AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=", "pubkey: the line");
	is_int(cf_pubkey_parse(back, line.ptr), 0, "pubkey: parses");
	ok(memcmp(back, pub, sizeof(pub)) == 0, "pubkey: round trip");
	cf_buf_puts(&line, "\r\n");
	is_int(cf_pubkey_parse(back, line.ptr), 0, "pubkey: a trailing newline is fine");
	is_int(cf_pubkey_parse(back, "casefile-pub-2 AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o="),
	       -1, "pubkey: another version refused");
	is_int(cf_pubkey_parse(back, "casefile-pub-1 AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09"),
	       -1, "pubkey: short base64 refused");
	is_int(
	    cf_pubkey_parse(back, "casefile-pub-1 AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=x"),
	    -1, "pubkey: trailing text refused");
	is_int(cf_pubkey_parse(back, "casefile-pub-1 "), -1, "pubkey: empty refused");
	is_int(
	    cf_pubkey_parse(back, "casefile-pub-1 AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\nx"),
	    -1, "pubkey: a second line refused");
	is_int(cf_pubkey_parse(back, NULL), -1, "pubkey: NULL refused");
	cf_buf_free(&line);

	ok(cf_member_name_valid("alice"), "name: alice");
	ok(cf_member_name_valid("A.b_c-9"), "name: letters, digits, . _ -");
	ok(!cf_member_name_valid(""), "name: empty refused");
	ok(!cf_member_name_valid(".hidden"), "name: leading dot refused");
	ok(!cf_member_name_valid("a/b"), "name: slash refused");
	ok(!cf_member_name_valid("a b"), "name: space refused");
	char longname[70];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[64] = '\0';
	ok(cf_member_name_valid(longname), "name: 64 characters");
	longname[64] = 'a';
	longname[65] = '\0';
	ok(!cf_member_name_valid(longname), "name: 65 refused");
}

/* ---- sealing ---- */

static int contains(const void *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp((const char *)hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static void test_seal(void)
{
	cf_identity *alice = NULL, *bob = NULL;
	cf_key *k = NULL, *other = NULL, *got = NULL;
	cf_buf sealed = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_identity_generate(&alice);
	cf_identity_generate(&bob);
	cf_key_generate(&k);
	cf_key_generate(&other);
	is_int(cf_key_seal(&sealed, k, cf_identity_public(alice)), 0, "seal: sealed");
	ok(strncmp(sealed.ptr, "casefile-sealed-1 ", 18) == 0 &&
	       sealed.ptr[sealed.len - 1] == '\n' &&
	       strchr(sealed.ptr, '\n') == sealed.ptr + sealed.len - 1,
	   "seal: one line 'casefile-sealed-1 BASE64'");
	ok(!contains(sealed.ptr, sealed.len, cf_key_secret(k), CF_KEY_BYTES),
	   "seal: the secret is not in the text");
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), alice, "a.sealed", &d), 0,
	       "seal: opens with the identity");
	ok(got && memcmp(cf_key_id(got), cf_key_id(k), CF_KEYID_BYTES) == 0, "seal: same key");
	cf_key_free(got);
	got = NULL;
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, NULL, alice, "a.sealed", &d), 0,
	       "seal: opens without an expected id");
	cf_key_free(got);
	got = NULL;
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), bob, "a.sealed", &d),
	       CF_CRYPT_ENOKEY, "seal: another identity cannot open it");
	is_str(only_rule(&d), "crypt/sealed", "seal: crypt/sealed");
	ok(got == NULL, "seal: nothing opened");
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(other), alice, "a.sealed", &d),
	       CF_CRYPT_EKEYFORMAT, "seal: a key other than the directory names is refused");
	is_str(only_rule(&d), "crypt/sealed", "seal: crypt/sealed for the wrong id");
	ok(got == NULL, "seal: nothing returned for the wrong id");
	cf_diags_clear(&d);
	/* A changed byte of the sealed box. */
	char *b64 = sealed.ptr + 18;
	b64[10] = b64[10] == 'A' ? 'B' : 'A';
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), alice, "a.sealed", &d),
	       CF_CRYPT_ENOKEY, "seal: a changed seal does not open");
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, "casefile-sealed-1 abc\n", 22, NULL, alice, "a.sealed", &d),
	       CF_CRYPT_EKEYFORMAT, "seal: malformed text refused");
	is_str(only_rule(&d), "crypt/key-format", "seal: crypt/key-format");
	cf_diags_clear(&d);

	cf_buf_free(&sealed);
	cf_key_free(k);
	cf_key_free(other);
	cf_identity_free(alice);
	cf_identity_free(bob);
	cf_diags_free(&d);
}

/* ---- access.yaml ---- */

static void test_access(void)
{
	char *root = tmp_path("repo");
	char *cfdir = tmp_path("repo/.casefile");
	char *path = tmp_path("repo/.casefile/access.yaml");
	cf_access a, b;
	cf_diags d = CF_DIAGS_INIT;
	cf_mkdirs(root, 0755);
	is_int(cf_access_load(&a, root, &d), 0, "access: no file loads");
	ok(!a.has_repository_key && a.n == 0, "access: and holds no keys");
	ok(cf_access_key_for(&a, "cases/2026-003/case.yaml") == NULL,
	   "access: nothing encrypts without keys");

	unsigned char repo[CF_KEYID_BYTES], c3[CF_KEYID_BYTES], c3b[CF_KEYID_BYTES];
	cf_keyid_parse(repo, "5f2caa37af025893");
	cf_keyid_parse(c3, "9a8b7c6d5e4f3a2b");
	cf_keyid_parse(c3b, "0011223344556677");
	a.has_repository_key = 1;
	memcpy(a.repository_key, repo, CF_KEYID_BYTES);
	is_int(cf_access_set_case(&a, "2026-003", c3), 0, "access: case key set");
	is_int(cf_access_set_case(&a, "2026-001", c3b), 0, "access: another case key set");
	is_int(cf_access_set_case(&a, "2026-001", c3b), 0, "access: set again replaces");
	is_int(a.n, 2, "access: two cases");
	is_int(cf_access_set_case(&a, "../x", c3), -1, "access: a path is not a case id");
	is_int(cf_access_set_case(&a, "2026-0000000000000", c3), -1, "access: too long an id");
	is_int(cf_access_save(&a, root), 0, "access: saved (its directory made)");
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, path, 4096);
	ok(strstr(text.ptr, "repository_key: 5f2caa37af025893\n"
			    "case_keys:\n"
			    "  2026-001: 0011223344556677\n"
			    "  2026-003: 9a8b7c6d5e4f3a2b\n") != NULL,
	   "access: the file, cases in order");
	cf_buf_free(&text);

	is_int(cf_access_load(&b, root, &d), 0, "access: loads back");
	is_int(d.len, 0, "access: no diagnostics");
	ok(b.has_repository_key && memcmp(b.repository_key, repo, CF_KEYID_BYTES) == 0,
	   "access: repository key");
	is_int(b.n, 2, "access: two case keys");
	const unsigned char *k = cf_access_key_for(&b, "cases/2026-003/x");
	ok(k && memcmp(k, c3, CF_KEYID_BYTES) == 0, "access: cases/2026-003/x -> the case key");
	k = cf_access_key_for(&b, "cases/2026-003/meetings/m.yaml");
	ok(k && memcmp(k, c3, CF_KEYID_BYTES) == 0, "access: deeper in the case too");
	k = cf_access_key_for(&b, "cases/2026-004/x");
	ok(k && memcmp(k, repo, CF_KEYID_BYTES) == 0,
	   "access: cases/2026-004/x -> the repository key");
	k = cf_access_key_for(&b, "cases/2026-0031/x");
	ok(k && memcmp(k, repo, CF_KEYID_BYTES) == 0,
	   "access: a longer id is another case (the repository key)");
	ok(cf_access_key_for(&b, ".casefile/config.yaml") == NULL,
	   "access: .casefile/config.yaml -> NULL");
	ok(cf_access_key_for(&b, "casesx/2026-003/x") == NULL, "access: casesx/ -> NULL");
	ok(cf_access_key_for(&b, "cases/") == NULL, "access: cases/ alone -> NULL");
	cf_access_free(&b);
	cf_access_free(&a);

	/* Malformed files: crypt/access at the line. */
	struct {
		const char *text;
		unsigned line;
		const char *name;
	} bad[] = {
	    {"repository_key: 5f2caa37af02589\n", 1, "access: a short key id"},
	    {"repository_key: 5f2caa37af025893\ncase_keys:\n  2026-003: xyz\n", 3,
	     "access: a case key that is not hex"},
	    {"repository_key: 5f2caa37af025893\nkeys: {}\n", 2, "access: an unknown key"},
	    {"case_keys:\n  ../etc: 5f2caa37af025893\n", 2, "access: a case id that is a path"},
	    {"case_keys: [a, b]\n", 1, "access: case_keys not a map"},
	    {"- a\n", 1, "access: not a map"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		write_text(path, bad[i].text, 0644);
		cf_diags_clear(&d);
		int rc = cf_access_load(&a, root, &d);
		ok(rc == -1 && d.len == 1 && strcmp(d.items[0].rule, "crypt/access") == 0 &&
		       d.items[0].line == bad[i].line &&
		       strcmp(d.items[0].file, ".casefile/access.yaml") == 0,
		   bad[i].name);
		ok(a.n == 0 && !a.has_repository_key && a.cases == NULL, "access: nothing kept");
	}
	write_text(path, "repository_key: 5f2caa37af025893\nrepository_key: 5f2caa37af025893\n",
		   0644);
	cf_diags_clear(&d);
	is_int(cf_access_load(&a, root, &d), -1, "access: a duplicate key is an error");
	write_text(path, "", 0644);
	cf_diags_clear(&d);
	is_int(cf_access_load(&a, root, &d), 0, "access: an empty file has no keys");
	cf_access_free(&a);
	write_text(path, "# nothing yet\n", 0644);
	is_int(cf_access_load(&a, root, &d), 0, "access: a file of comments has no keys");
	ok(!a.has_repository_key && a.n == 0 && d.len == 0, "access: and no diagnostics");
	cf_access_free(&a);
	is_int(cf_access_load(&a, root, NULL), 0, "access: diags may be NULL");
	cf_access_free(&a);
	cf_diags_free(&d);
	free(root);
	free(cfdir);
	free(path);
}

/* ---- the key store ---- */

static void test_keystore(void)
{
	char *git = tmp_path("git");
	cf_keyring *ring = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_key *k1 = NULL, *k2 = NULL;
	cf_mkdirs(git, 0755);
	char *store = cf_keystore_dir(git);
	ok(store && strcmp(store + strlen(git), "/casefile/keys") == 0,
	   "keystore: GITDIR/casefile/keys");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: none yet loads");
	is_int(cf_keyring_len(ring), 0, "keystore: empty");
	cf_keyring_free(ring);
	ring = NULL;
	cf_key_generate(&k1);
	cf_key_generate(&k2);
	is_int(cf_keystore_install(git, k1, &d), 0, "keystore: installed a key");
	is_int(cf_keystore_install(git, k2, &d), 0, "keystore: installed another");
	is_int(cf_keystore_install(git, k1, &d), 0, "keystore: installing again is fine");
	struct stat st;
	ok(stat(store, &st) == 0 && (st.st_mode & 0777) == 0700, "keystore: directory 0700");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k1));
	cf_buf kp = CF_BUF_INIT;
	cf_buf_printf(&kp, "%s/%s.key", store, hex);
	ok(stat(kp.ptr, &st) == 0 && (st.st_mode & 0777) == 0600, "keystore: key file 0600");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: loads");
	is_int(cf_keyring_len(ring), 2, "keystore: two keys");
	ok(cf_keyring_find(ring, cf_key_id(k1)) && cf_keyring_find(ring, cf_key_id(k2)),
	   "keystore: both found by id");
	is_int(d.len, 0, "keystore: no diagnostics");
	cf_keyring_free(ring);
	ring = NULL;

	/* Stray files are ignored; loose modes are refused. */
	char *stray = cf_path_join(store, "README");
	write_text(stray, "not a key\n", 0644);
	free(stray);
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: other names ignored");
	cf_keyring_free(ring);
	ring = NULL;
	chmod(kp.ptr, 0644);
	is_int(cf_keystore_load(&ring, git, &d), CF_CRYPT_EPERMISSIONS,
	       "keystore: a key file of mode 0644 refused");
	is_str(only_rule(&d), "crypt/key-permissions", "keystore: crypt/key-permissions (file)");
	ok(ring == NULL, "keystore: no ring");
	cf_diags_clear(&d);
	chmod(kp.ptr, 0600);
	chmod(store, 0755);
	is_int(cf_keystore_load(&ring, git, &d), CF_CRYPT_EPERMISSIONS,
	       "keystore: a directory of mode 0755 refused");
	is_str(only_rule(&d), "crypt/key-permissions", "keystore: crypt/key-permissions (dir)");
	ok(d.len == 1 && d.items[0].hint && strstr(d.items[0].hint, "chmod 700"),
	   "keystore: the hint says chmod 700");
	cf_diags_clear(&d);
	is_int(cf_keystore_install(git, k1, &d), CF_CRYPT_EPERMISSIONS,
	       "keystore: no key installed into a loose directory");
	cf_diags_clear(&d);
	chmod(store, 0700);

	/* A key file whose name is not its key's id. */
	cf_buf wrong = CF_BUF_INIT;
	cf_buf_printf(&wrong, "%s/0000000000000000.key", store);
	cf_key_save(k2, wrong.ptr, &d);
	is_int(cf_keystore_load(&ring, git, &d), CF_CRYPT_EKEYFORMAT,
	       "keystore: a misnamed key file refused");
	is_str(only_rule(&d), "crypt/key-format", "keystore: crypt/key-format");
	cf_diags_clear(&d);
	unlink(wrong.ptr);
	cf_buf_free(&wrong);

	is_int(cf_keystore_clear(git, &d), 0, "keystore: cleared");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: loads after clear");
	is_int(cf_keyring_len(ring), 0, "keystore: empty after clear");
	ok(access(kp.ptr, F_OK) != 0, "keystore: the key file is gone");
	cf_keyring_free(ring);
	ring = NULL;
	char *none = tmp_path("nogit");
	is_int(cf_keystore_clear(none, &d), 0, "keystore: clearing a store that is not there");
	free(none);

	cf_buf_free(&kp);
	cf_key_free(k1);
	cf_key_free(k2);
	cf_diags_free(&d);
	free(store);
	free(git);
}

static void test_rules(void)
{
	static const char *const ids[] = {
	    "crypt/access",	"crypt/sealed", "crypt/identity",	 "crypt/no-key",
	    "crypt/tampered",	"crypt/format", "crypt/key-permissions", "crypt/passphrase",
	    "crypt/key-format", "crypt/key-io", "crypt/memory",
	};
	size_t n = 0;
	int complete = 1;
	for (const cf_rule_info *r = cf_keys_rules; r->id; r++, n++)
		complete &= r->title && r->checks && r->why && r->fix && r->source &&
			    strncmp(r->id, "crypt/", 6) == 0;
	ok(complete, "rules: every entry has all its texts");
	is_int(n, sizeof(ids) / sizeof(*ids), "rules: the crypt rules");
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		int found = 0;
		for (const cf_rule_info *r = cf_keys_rules; r->id; r++)
			found |= strcmp(r->id, ids[i]) == 0;
		ok(found, ids[i]);
	}
}

int main(void)
{
	if (cf_init() != 0) {
		ok(0, "cf_init");
		return tap_done();
	}
	if (make_temp_dir(tmpdir, sizeof(tmpdir), "keys") < 0) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_identity_plain();
	test_identity_passphrase();
	test_default_path();
	test_pubkey();
	test_seal();
	test_access();
	test_keystore();
	test_rules();
	remove_tree(tmpdir);
	return tap_done();
}
