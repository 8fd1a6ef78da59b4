/* lib/keys: keys sealed to a member (what the member log carries), and the keys a clone holds
 * (GITDIR/casefile/keys). */
#include "tap.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "identity.h"
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

static int contains(const void *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp((const char *)hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static int same_key(const cf_key *a, const cf_key *b)
{
	return a && b && memcmp(cf_key_id(a), cf_key_id(b), CF_KEYID_BYTES) == 0 &&
	       memcmp(cf_key_secret(a), cf_key_secret(b), CF_KEY_BYTES) == 0 &&
	       memcmp(cf_key_commitment(a), cf_key_commitment(b), CF_KEY_COMMIT_BYTES) == 0;
}

static int file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* ---- sealing ---- */

static void test_seal(void)
{
	cf_identity *alice = NULL, *bob = NULL;
	cf_key *k = NULL, *other = NULL, *got = NULL;
	cf_buf sealed = CF_BUF_INIT, b64 = CF_BUF_INIT, again = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_identity_generate(&alice);
	cf_identity_generate(&bob);
	cf_key_generate(&k);
	cf_key_generate(&other);
	const unsigned char *box = cf_identity_public(alice)->box;

	is_int(cf_key_seal(&sealed, k, box), 0, "seal: sealed");
	ok(strncmp(sealed.ptr, "casefile-sealed-1 ", 18) == 0 &&
	       sealed.ptr[sealed.len - 1] == '\n' &&
	       strchr(sealed.ptr, '\n') == sealed.ptr + sealed.len - 1,
	   "seal: one line 'casefile-sealed-1 BASE64'");
	is_int(sealed.len, 18 + CF_SEALED_B64_LEN + 1, "seal: of CF_SEALED_B64_LEN characters");
	unsigned char raw[CF_SEALED_BYTES + 1];
	size_t got_len = 0;
	ok(sodium_base642bin(raw, sizeof(raw), sealed.ptr + 18, CF_SEALED_B64_LEN, NULL, &got_len,
			     NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       got_len == CF_SEALED_BYTES,
	   "seal: CF_SEALED_BYTES bytes in standard base64");
	ok(!contains(sealed.ptr, sealed.len, cf_key_secret(k), CF_KEY_BYTES) &&
	       !contains(raw, got_len, cf_key_secret(k), CF_KEY_BYTES),
	   "seal: the secret is not in it");
	is_int(cf_key_seal(&again, k, box), 0, "seal: sealed again");
	ok(again.len == sealed.len && memcmp(again.ptr, sealed.ptr, sealed.len) != 0,
	   "seal: two seals of one key differ (an ephemeral key each)");
	is_int(cf_key_seal_b64(&b64, k, box), 0, "seal: the base64 alone");
	is_int(b64.len, CF_SEALED_B64_LEN, "seal: CF_SEALED_B64_LEN characters, no head");
	ok(!strchr(cf_buf_cstr(&b64), ' ') && !strchr(cf_buf_cstr(&b64), '\n'),
	   "seal: no blank, no newline");

	/* Opening. */
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), cf_key_commitment(k),
			     alice, "a.sealed", &d),
	       0, "unseal: opens with the identity, id and commitment checked");
	ok(same_key(got, k), "unseal: the very key");
	is_int(d.len, 0, "unseal: no diagnostics");
	cf_key_free(got);
	got = NULL;
	is_int(cf_key_unseal(&got, b64.ptr, b64.len, cf_key_id(k), NULL, alice, "a.sealed", &d), 0,
	       "unseal: the base64 alone opens");
	ok(same_key(got, k), "unseal: to the key");
	cf_key_free(got);
	got = NULL;
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, NULL, NULL, alice, "a.sealed", &d), 0,
	       "unseal: without an expected id");
	ok(same_key(got, k), "unseal: still the key");
	cf_key_free(got);
	got = NULL;

	/* Refusals. */
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), NULL, bob, "a.sealed", &d),
	       CF_CRYPT_ENOKEY, "unseal: another identity cannot open it");
	is_str(only_rule(&d), "crypt/sealed", "unseal: crypt/sealed");
	ok(d.len == 1 && strcmp(d.items[0].file, "a.sealed") == 0 && d.items[0].hint,
	   "unseal: naming the file, with a hint");
	ok(got == NULL, "unseal: nothing opened");
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(other), NULL, alice,
			     "a.sealed", &d),
	       CF_CRYPT_EKEYFORMAT, "unseal: a key other than the id recorded is refused");
	is_str(only_rule(&d), "crypt/sealed", "unseal: crypt/sealed for the wrong id");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(other));
	ok(d.len == 1 && strstr(d.items[0].message, hex) && strstr(d.items[0].message, "forged"),
	   "unseal: a forged seal, naming the key it claimed to be");
	ok(got == NULL, "unseal: nothing returned for the wrong id");
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, sealed.ptr, sealed.len, cf_key_id(k), cf_key_commitment(other),
			     alice, "a.sealed", &d),
	       CF_CRYPT_EKEYFORMAT, "unseal: a commitment that is not the key's is refused");
	is_str(only_rule(&d), "crypt/sealed", "unseal: crypt/sealed for the wrong commitment");
	ok(got == NULL, "unseal: nothing returned for it");
	cf_diags_clear(&d);

	/* A changed byte anywhere in the sealed box. */
	int all = 1;
	for (size_t i = 0; i < CF_SEALED_B64_LEN - 2; i++) {
		cf_buf_clear(&again);
		cf_buf_put(&again, b64.ptr, b64.len);
		again.ptr[i] = again.ptr[i] == 'A' ? 'B' : 'A';
		cf_diags_clear(&d);
		int rc = cf_key_unseal(&got, again.ptr, again.len, cf_key_id(k), NULL, alice,
				       "a.sealed", &d);
		if (rc == 0 || got || d.len != 1) {
			all = 0;
			cf_key_free(got);
			got = NULL;
		}
	}
	ok(all, "unseal: a change to any character of the seal: refused");
	cf_diags_clear(&d);

	static const char *const bad[] = {
	    "casefile-sealed-1 abc\n",
	    "",
	    "casefile-sealed-1 \n",
	    "casefile-sealed-2 AAAA\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cf_diags_clear(&d);
		ok(cf_key_unseal(&got, bad[i], strlen(bad[i]), NULL, NULL, alice, "a.sealed", &d) ==
			   CF_CRYPT_EKEYFORMAT &&
		       !got && d.len == 1 && strcmp(d.items[0].rule, "crypt/key-format") == 0,
		   "unseal: malformed text is crypt/key-format");
	}
	cf_buf_clear(&again);
	cf_buf_printf(&again, "%s%s", sealed.ptr, sealed.ptr);
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, again.ptr, again.len, NULL, NULL, alice, "a.sealed", &d),
	       CF_CRYPT_EKEYFORMAT, "unseal: two lines refused");
	cf_diags_clear(&d);
	is_int(cf_key_unseal(&got, NULL, 0, NULL, NULL, alice, "a.sealed", &d), CF_CRYPT_EKEYFORMAT,
	       "unseal: no text refused");
	cf_diags_clear(&d);
	cf_buf_clear(&again);
	cf_buf_printf(&again, "%s  \r\n", b64.ptr);
	is_int(cf_key_unseal(&got, again.ptr, again.len, cf_key_id(k), NULL, alice, "a.sealed", &d),
	       0, "unseal: trailing blanks and a CRLF are fine");
	cf_key_free(got);
	got = NULL;

	cf_buf_free(&sealed);
	cf_buf_free(&b64);
	cf_buf_free(&again);
	cf_key_free(k);
	cf_key_free(other);
	cf_identity_free(alice);
	cf_identity_free(bob);
	cf_diags_free(&d);
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
	ok(store && strcmp(store, git) != 0 && strncmp(store, git, strlen(git)) == 0 &&
	       strcmp(store + strlen(git), "/casefile/keys") == 0,
	   "keystore: GITDIR/casefile/keys");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: none yet loads");
	ok(ring && cf_keyring_len(ring) == 0, "keystore: an empty ring");
	cf_keyring_free(ring);
	ring = NULL;
	cf_key_generate(&k1);
	cf_key_generate(&k2);
	is_int(cf_keystore_install(git, k1, &d), 0, "keystore: installed a key");
	is_int(cf_keystore_install(git, k2, &d), 0, "keystore: installed another");
	is_int(cf_keystore_install(git, k1, &d), 0, "keystore: installing again is fine");
	is_int(file_mode(store), 0700, "keystore: directory 0700");
	char *top = tmp_path("git/casefile");
	is_int(file_mode(top), 0700, "keystore: GITDIR/casefile 0700");
	free(top);
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k1));
	cf_buf kp = CF_BUF_INIT;
	cf_buf_printf(&kp, "%s/%s.key", store, hex);
	is_int(file_mode(kp.ptr), 0600, "keystore: key file KEYID.key, 0600");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: loads");
	is_int(cf_keyring_len(ring), 2, "keystore: two keys");
	ok(same_key(cf_keyring_find(ring, cf_key_id(k1)), k1) &&
	       same_key(cf_keyring_find(ring, cf_key_id(k2)), k2),
	   "keystore: both, secrets and all");
	is_int(d.len, 0, "keystore: no diagnostics");
	cf_keyring_free(ring);
	ring = NULL;

	/* Stray files are ignored; loose modes are refused. */
	char *stray = cf_path_join(store, "README");
	write_text(stray, "not a key\n", 0600);
	free(stray);
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: other names ignored");
	is_int(cf_keyring_len(ring), 2, "keystore: still two keys");
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
	ok(ring == NULL, "keystore: no ring with a misnamed key");
	cf_diags_clear(&d);
	unlink(wrong.ptr);
	/* A damaged key file. */
	cf_buf_clear(&wrong);
	char hex2[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex2, cf_key_id(k2));
	cf_buf_printf(&wrong, "%s/%s.key", store, hex2);
	write_text(wrong.ptr, "casefile-key 1\nid ", 0600);
	is_int(cf_keystore_load(&ring, git, &d), CF_CRYPT_EKEYFORMAT,
	       "keystore: a damaged key file refused");
	is_str(only_rule(&d), "crypt/key-format", "keystore: crypt/key-format for it");
	cf_diags_clear(&d);
	cf_key_save(k2, wrong.ptr, &d);
	cf_buf_free(&wrong);

	/* The git directory must exist. */
	char *nogit = tmp_path("nogit");
	is_int(cf_keystore_install(nogit, k1, &d), CF_CRYPT_ERROR,
	       "keystore: no install without a git directory");
	is_str(only_rule(&d), "crypt/key-io", "keystore: crypt/key-io");
	ok(access(nogit, F_OK) != 0, "keystore: and no directory made for it");
	cf_diags_clear(&d);

	/* Clearing: every key file removed, and the temporary files a save may leave. */
	cf_buf tmpf = CF_BUF_INIT;
	cf_buf_printf(&tmpf, "%s/%s.key.tmp-a1B2c3", store, hex);
	write_text(tmpf.ptr, "casefile-key 1\n", 0600);
	is_int(cf_keystore_clear(git, &d), 0, "keystore: cleared");
	is_int(cf_keystore_load(&ring, git, &d), 0, "keystore: loads after clear");
	is_int(cf_keyring_len(ring), 0, "keystore: empty after clear");
	ok(access(kp.ptr, F_OK) != 0, "keystore: the key file is gone");
	ok(access(tmpf.ptr, F_OK) != 0, "keystore: and a temporary file beside it");
	char *readme = cf_path_join(store, "README");
	ok(access(readme, F_OK) == 0, "keystore: other files stay");
	free(readme);
	cf_keyring_free(ring);
	ring = NULL;
	is_int(cf_keystore_clear(nogit, &d), 0, "keystore: clearing a store that is not there");
	is_int(d.len, 0, "keystore: no diagnostics");
	free(nogit);

	cf_buf_free(&tmpf);
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
		complete &= r->title && *r->title && r->checks && *r->checks && r->why && *r->why &&
			    r->fix && *r->fix && r->source && strncmp(r->id, "crypt/", 6) == 0;
	ok(complete, "rules: every entry has all its texts");
	is_int(n, sizeof(ids) / sizeof(*ids), "rules: the crypt rules of lib/keys");
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		int found = 0;
		for (const cf_rule_info *r = cf_keys_rules; r->id; r++)
			found += strcmp(r->id, ids[i]) == 0;
		is_int(found, 1, ids[i]);
	}
}

int main(void)
{
	if (cf_init() != 0) {
		printf("Bail out! cf_init failed\n");
		return 1;
	}
	if (make_temp_dir(tmpdir, sizeof(tmpdir), "keys") < 0) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_seal();
	test_keystore();
	test_rules();
	remove_tree(tmpdir);
	return tap_done();
}
