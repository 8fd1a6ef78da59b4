/* lib/crypt: blob format, tamper detection, key files and passphrase export. */
#include "tap.h"

#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"

#include "fsutil.h"

static const char yaml[] = "id: 2026-014\n"
			   "child:\n"
			   "  name: Example Child\n"
			   "dates:\n"
			   "  referral: 2026-01-12\n";

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

static void path_in_tmp(cf_buf *b, const char *name)
{
	cf_buf_clear(b);
	cf_buf_printf(b, "%s/%s", tmpdir, name);
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	if (!d)
		return;
	struct dirent *e;
	cf_buf p = CF_BUF_INIT;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_in_tmp(&p, e->d_name);
		unlink(p.ptr);
	}
	closedir(d);
	cf_buf_free(&p);
	ok(rmdir(tmpdir) == 0, "temp dir removed");
}

static size_t count_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Decrypts into a fresh secure arena; returns the result and whether plaintext came back. */
static int try_decrypt(const cf_keyring *ring, const void *blob, size_t len, cf_diags *d,
		       int *gave_plain)
{
	cf_arena *a = NULL;
	char *plain = (char *)"sentinel";
	size_t plen = 99;
	if (cf_arena_new(&a, 1) != 0)
		return 1000;
	int rc = cf_crypt_decrypt(&plain, &plen, a, ring, blob, len, "cases/x/case.yaml", d);
	*gave_plain = plain != NULL || plen != 0;
	cf_arena_free(a);
	return rc;
}

/* The rc and rule a changed byte at offset i must give. */
static int expect_for_offset(size_t i, const char **rule)
{
	if (i < CF_CRYPT_MAGIC_BYTES) {
		*rule = "crypt/format";
		return CF_CRYPT_ENOTENCRYPTED;
	}
	if (i == CF_CRYPT_MAGIC_BYTES) {
		*rule = "crypt/format";
		return CF_CRYPT_EFORMAT;
	}
	if (i < CF_CRYPT_MAGIC_BYTES + 1 + CF_KEYID_BYTES) {
		*rule = "crypt/no-key";
		return CF_CRYPT_ENOKEY;
	}
	*rule = "crypt/tampered";
	return CF_CRYPT_ETAMPERED;
}

/* Changes every byte (all bits at once) and, when bits is set, every single bit of a blob;
 * each change must fail with the outcome its field calls for and never give plaintext. */
static void mutate_all(const cf_keyring *ring, const cf_buf *blob, int bits, const char *what)
{
	unsigned char *copy = malloc(blob->len);
	size_t tried = 0, wrong = 0;
	if (!copy) {
		ok(0, "malloc");
		return;
	}
	for (size_t i = 0; i < blob->len; i++) {
		for (int bit = -1; bit < (bits ? 8 : 0); bit++) {
			memcpy(copy, blob->ptr, blob->len);
			copy[i] ^= bit < 0 ? 0xff : (unsigned char)(1u << bit);
			cf_diags d = CF_DIAGS_INIT;
			int gave = 0;
			const char *rule;
			int want = expect_for_offset(i, &rule);
			int rc = try_decrypt(ring, copy, blob->len, &d, &gave);
			tried++;
			if (rc != want || gave || strcmp(only_rule(&d), rule) != 0) {
				wrong++;
				printf("#   %s: byte %zu bit %d: rc %d (want %d), rule %s, "
				       "plaintext %d\n",
				       what, i, bit, rc, want, only_rule(&d), gave);
			}
			cf_diags_free(&d);
		}
	}
	free(copy);
	printf("# %s: %zu changed blobs\n", what, tried);
	ok(tried > 0 && wrong == 0, what);
}

static void test_keyid(void)
{
	unsigned char id[CF_KEYID_BYTES];
	char hex[CF_KEYID_HEX_BYTES];
	ok(cf_keyid_parse(id, "0123456789abcdef") == 0, "keyid parses");
	cf_keyid_hex(hex, id);
	is_str(hex, "0123456789abcdef", "keyid hex round trip");
	ok(cf_keyid_parse(id, "0123456789ABCDEF") == 0, "keyid parses upper case");
	ok(cf_keyid_parse(id, "0123456789abcde") != 0, "keyid: 15 digits refused");
	ok(cf_keyid_parse(id, "0123456789abcdef0") != 0, "keyid: 17 digits refused");
	ok(cf_keyid_parse(id, "0123456789abcdeg") != 0, "keyid: non-hex refused");
	ok(cf_keyid_parse(id, "") != 0, "keyid: empty refused");
}

/* The format is specified in crypt.h; rebuild a blob from that text alone and compare, so that
 * a change to the derivations (which would orphan every existing repository) cannot slip by. */
static void test_spec(void)
{
	unsigned char secret[CF_KEY_BYTES];
	for (unsigned i = 0; i < CF_KEY_BYTES; i++)
		secret[i] = (unsigned char)i;
	cf_key *k = NULL;
	ok(cf_key_from_bytes(&k, secret) == 0, "key from bytes");
	if (!k)
		return;

	unsigned char idfull[16], aead[32], nk[32];
	crypto_kdf_derive_from_key(idfull, 16, 3, "cfkeyid1", secret);
	crypto_kdf_derive_from_key(aead, 32, 1, "cfaead01", secret);
	crypto_kdf_derive_from_key(nk, 32, 2, "cfnonce1", secret);
	ok(memcmp(cf_key_id(k), idfull, 8) == 0, "key id is the documented derivation");
	ok(memcmp(cf_key_secret(k), secret, 32) == 0, "cf_key_secret gives the secret");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k));
	is_str(hex, "5f2caa37af025893", "key id of the bytes 0..31 is pinned");

	size_t n = sizeof(yaml) - 1;
	unsigned char *want = malloc(CF_CRYPT_OVERHEAD + n);
	if (!want) {
		cf_key_free(k);
		return;
	}
	memcpy(want, "\0CFCRYPT", 8);
	want[8] = 1;
	memcpy(want + 9, idfull, 8);
	crypto_generichash(want + 17, 24, (const unsigned char *)yaml, n, nk, 32);
	unsigned long long clen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(want + 41, &clen, (const unsigned char *)yaml, n,
						   want, 41, NULL, want + 17, aead);

	cf_buf blob = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&blob, k, yaml, n) == 0, "encrypt");
	is_int(blob.len, CF_CRYPT_OVERHEAD + n, "blob length is plaintext + 57");
	ok(blob.len == CF_CRYPT_OVERHEAD + n && memcmp(blob.ptr, want, blob.len) == 0,
	   "blob is byte for byte the documented format");

	/* A blob with a valid tag whose nonce is not the hash of its content: only a key holder
	 * can make one, and casefile never does. */
	randombytes_buf(want + 17, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(want + 41, &clen, (const unsigned char *)yaml, n,
						   want, 41, NULL, want + 17, aead);
	cf_keyring *ring = NULL;
	cf_keyring_new(&ring);
	cf_keyring_add(ring, k);
	cf_diags d = CF_DIAGS_INIT;
	int gave = 0;
	is_int(try_decrypt(ring, want, CF_CRYPT_OVERHEAD + n, &d, &gave), CF_CRYPT_ETAMPERED,
	       "crafted nonce: tampered");
	is_str(only_rule(&d), "crypt/tampered", "crafted nonce: crypt/tampered");
	ok(d.len == 1 && strstr(d.items[0].message, "nonce"), "crafted nonce: message says why");
	ok(!gave, "crafted nonce: no plaintext");
	cf_diags_free(&d);

	sodium_memzero(aead, sizeof(aead));
	sodium_memzero(nk, sizeof(nk));
	free(want);
	cf_buf_free(&blob);
	cf_keyring_free(ring);
}

static void test_roundtrip(void)
{
	cf_key *k = NULL, *k2 = NULL;
	cf_keyring *ring = NULL;
	cf_arena *a = NULL;
	ok(cf_key_generate(&k) == 0 && k, "generate a key");
	ok(cf_key_generate(&k2) == 0 && k2, "generate a second key");
	ok(cf_keyring_new(&ring) == 0, "keyring");
	ok(cf_arena_new(&a, 1) == 0, "secure arena");
	if (!k || !k2 || !ring || !a)
		return;
	ok(memcmp(cf_key_id(k), cf_key_id(k2), CF_KEYID_BYTES) != 0, "two keys, two ids");

	size_t n = sizeof(yaml) - 1;
	cf_buf b1 = CF_BUF_INIT, b2 = CF_BUF_INIT, b3 = CF_BUF_INIT, b4 = CF_BUF_INIT;
	cf_buf empty = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&b1, k, yaml, n) == 0, "encrypt");
	ok(cf_crypt_encrypt(&b2, k, yaml, n) == 0, "encrypt again");
	ok(b1.len == b2.len && memcmp(b1.ptr, b2.ptr, b1.len) == 0,
	   "deterministic: same plaintext, same blob");
	ok(cf_crypt_encrypt(&b3, k, "id: 2026-015\n", 13) == 0, "encrypt other plaintext");
	ok(memcmp(b1.ptr + 17, b3.ptr + 17, CF_CRYPT_NONCE_BYTES) != 0,
	   "different plaintext, different nonce");
	ok(cf_crypt_encrypt(&b4, k2, yaml, n) == 0, "encrypt under the second key");
	ok(memcmp(b1.ptr + 17, b4.ptr + 17, CF_CRYPT_NONCE_BYTES) != 0 &&
	       memcmp(b1.ptr + 41, b4.ptr + 41, n) != 0,
	   "different key, different nonce and ciphertext");
	ok(memchr(b1.ptr, '\0', b1.len) == b1.ptr, "blob starts with NUL (binary to git)");
	ok(strstr(b1.ptr + 1, "Example") == NULL, "plaintext not visible in the blob");
	ok(cf_crypt_is_blob(b1.ptr, b1.len) == 1, "is_blob");
	unsigned char id[CF_KEYID_BYTES];
	ok(cf_crypt_blob_keyid(id, b1.ptr, b1.len) == 0 &&
	       memcmp(id, cf_key_id(k), CF_KEYID_BYTES) == 0,
	   "blob key id is the key's id");
	ok(cf_crypt_encrypt(&empty, k, NULL, 0) == 0, "encrypt empty plaintext");
	is_int(empty.len, CF_CRYPT_OVERHEAD, "empty plaintext: 57-byte blob");
	ok(cf_crypt_is_blob(empty.ptr, empty.len), "empty plaintext: is a blob");

	/* Appending keeps what the buffer held. */
	cf_buf app = CF_BUF_INIT;
	cf_buf_puts(&app, "xy");
	ok(cf_crypt_encrypt(&app, k, yaml, n) == 0 && app.len == 2 + b1.len &&
	       memcmp(app.ptr + 2, b1.ptr, b1.len) == 0,
	   "encrypt appends");
	cf_buf_free(&app);

	cf_diags d = CF_DIAGS_INIT;
	char *plain = NULL;
	size_t plen = 0;
	int gave = 0;
	/* No key yet. */
	is_int(cf_crypt_decrypt(&plain, &plen, a, NULL, b1.ptr, b1.len, "cases/x/case.yaml", &d),
	       CF_CRYPT_ENOKEY, "NULL keyring: no key");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, b1.ptr, b1.len, &d, &gave), CF_CRYPT_ENOKEY,
	       "empty keyring: no key");
	cf_diags_free(&d);

	ok(cf_keyring_add(ring, k) == 0, "add key to ring");
	is_int(cf_keyring_len(ring), 1, "ring holds one key");
	ok(cf_keyring_find(ring, cf_key_id(k)) == k, "find the key by id");
	ok(cf_keyring_find(ring, cf_key_id(k2)) == NULL, "the other key is not there");

	is_int(cf_crypt_decrypt(&plain, &plen, a, ring, b1.ptr, b1.len, "cases/x/case.yaml", &d), 0,
	       "decrypt");
	is_int(d.len, 0, "no diagnostics");
	is_int(plen, n, "plaintext length");
	is_str(plain, yaml, "round trip, NUL-terminated");

	is_int(cf_crypt_decrypt(&plain, &plen, a, ring, empty.ptr, empty.len, "e", &d), 0,
	       "decrypt empty");
	ok(plain && plen == 0 && plain[0] == '\0', "empty plaintext round trip");

	/* Wrong key. */
	is_int(try_decrypt(ring, b4.ptr, b4.len, &d, &gave), CF_CRYPT_ENOKEY, "wrong key: no key");
	is_str(only_rule(&d), "crypt/no-key", "wrong key: crypt/no-key");
	if (d.len == 1) {
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, cf_key_id(k2));
		ok(strstr(d.items[0].message, hex) != NULL, "no-key message names the key id");
		is_str(d.items[0].file, "cases/x/case.yaml", "no-key diagnostic names the file");
		is_str(d.items[0].hint,
		       "ask a member who holds it to run `casefile member add`, then "
		       "`casefile unlock`",
		       "no-key hint");
	}
	ok(!gave, "wrong key: no plaintext");
	cf_diags_free(&d);

	/* Keyring: a second key, duplicates. */
	cf_key *dup = NULL;
	ok(cf_key_from_bytes(&dup, cf_key_secret(k)) == 0, "copy of the first key");
	ok(cf_keyring_add(ring, dup) == 0, "adding a duplicate succeeds");
	is_int(cf_keyring_len(ring), 1, "the duplicate was not added twice");
	ok(cf_keyring_add(ring, k2) == 0, "add the second key");
	is_int(cf_keyring_len(ring), 2, "ring holds two keys");
	ok(cf_keyring_at(ring, 1) == k2 && cf_keyring_at(ring, 2) == NULL, "keyring_at");
	is_int(try_decrypt(ring, b4.ptr, b4.len, &d, &gave), 0, "second key decrypts its blob");
	cf_diags_free(&d);

	/* Plaintext is not a blob, and the caller is told plainly. */
	ok(!cf_crypt_is_blob(yaml, n), "plaintext YAML is not a blob");
	ok(cf_crypt_blob_keyid(id, yaml, n) != 0, "plaintext YAML has no key id");
	is_int(try_decrypt(ring, yaml, n, &d, &gave), CF_CRYPT_ENOTENCRYPTED,
	       "plaintext YAML: not encrypted");
	is_str(only_rule(&d), "crypt/format", "plaintext YAML: crypt/format");
	ok(d.len == 1 && strstr(d.items[0].message, "not encrypted"),
	   "plaintext YAML: message says not encrypted");
	ok(!gave, "plaintext YAML: no plaintext handed back");
	cf_diags_free(&d);
	is_int(try_decrypt(ring, "", 0, &d, &gave), CF_CRYPT_ENOTENCRYPTED, "empty input");
	cf_diags_free(&d);

	/* Unsupported version. */
	cf_buf v2 = CF_BUF_INIT;
	cf_buf_put(&v2, b1.ptr, b1.len);
	v2.ptr[8] = 2;
	ok(!cf_crypt_is_blob(v2.ptr, v2.len), "version 2 is not a blob this build reads");
	is_int(try_decrypt(ring, v2.ptr, v2.len, &d, &gave), CF_CRYPT_EFORMAT,
	       "version 2: format error");
	ok(d.len == 1 && strcmp(d.items[0].rule, "crypt/format") == 0 &&
	       strstr(d.items[0].message, "version 2"),
	   "version 2: crypt/format naming the version");
	cf_diags_free(&d);
	cf_buf_free(&v2);

	/* Truncation at every length, and one byte too many. */
	size_t wrong = 0;
	for (size_t len = 0; len < b1.len; len++) {
		const char *rule = len < CF_CRYPT_OVERHEAD ? "crypt/format" : "crypt/tampered";
		int rc = try_decrypt(ring, b1.ptr, len, &d, &gave);
		if (rc == 0 || gave || strcmp(only_rule(&d), rule) != 0 ||
		    cf_crypt_is_blob(b1.ptr, len) != (len >= CF_CRYPT_OVERHEAD)) {
			wrong++;
			printf("#   truncated to %zu: rc %d rule %s\n", len, rc, only_rule(&d));
		}
		cf_diags_free(&d);
	}
	ok(wrong == 0, "every truncation fails as format or tampered");
	cf_buf longer = CF_BUF_INIT;
	cf_buf_put(&longer, b1.ptr, b1.len);
	cf_buf_putc(&longer, 'x');
	is_int(try_decrypt(ring, longer.ptr, longer.len, &d, &gave), CF_CRYPT_ETAMPERED,
	       "an appended byte: tampered");
	cf_diags_free(&d);
	cf_buf_free(&longer);

	/* Every byte and every bit. */
	cf_buf small = CF_BUF_INIT;
	ok(cf_crypt_encrypt(&small, k, "a: 1\n", 5) == 0, "encrypt a small file");
	mutate_all(ring, &small, 1, "every byte and every bit of a small blob");
	mutate_all(ring, &empty, 1, "every byte and every bit of an empty-file blob");
	mutate_all(ring, &b1, 0, "every byte of a case blob");
	cf_buf_free(&small);

	/* Size limits. */
	unsigned char *big = calloc(1, CF_CRYPT_MAX_BLOB + 1);
	if (big) {
		cf_buf out = CF_BUF_INIT;
		is_int(cf_crypt_encrypt(&out, k, big, CF_CRYPT_MAX_PLAIN + 1), CF_CRYPT_EFORMAT,
		       "encrypt refuses more than the cap");
		is_int(out.len, 0, "nothing appended");
		memcpy(big, b1.ptr, CF_CRYPT_HEADER_BYTES);
		is_int(try_decrypt(ring, big, CF_CRYPT_MAX_BLOB + 1, &d, &gave), CF_CRYPT_EFORMAT,
		       "decrypt refuses a blob over 64 MiB");
		is_str(only_rule(&d), "crypt/format", "oversized: crypt/format");
		cf_diags_free(&d);
		cf_buf_free(&out);
		free(big);
	}

	cf_buf_free(&b1);
	cf_buf_free(&b2);
	cf_buf_free(&b3);
	cf_buf_free(&b4);
	cf_buf_free(&empty);
	cf_keyring_free(ring);
	cf_arena_free(a);
}

static void test_keyfile(void)
{
	cf_key *k = NULL, *l = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_buf path = CF_BUF_INIT, want = CF_BUF_INIT;
	struct stat st;
	if (cf_key_generate(&k) != 0)
		return;

	path_in_tmp(&path, "k1.key");
	ok(cf_key_save(k, path.ptr, &d) == 0, "save a key");
	is_int(d.len, 0, "save: no diagnostics");
	ok(stat(path.ptr, &st) == 0 && (st.st_mode & 0777) == 0600, "key file has mode 0600");
	is_int(count_tmpdir(), 1, "no temp file left behind");
	ok(cf_key_save(k, path.ptr, &d) == 0, "saving again replaces the file");
	is_int(count_tmpdir(), 1, "still one file");

	FILE *f = fopen(path.ptr, "r");
	char line[128] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	is_str(line, "casefile-key 1\n", "key file header");

	ok(cf_key_load(&l, path.ptr, &d) == 0 && l, "load the key");
	is_int(d.len, 0, "load: no diagnostics");
	ok(l && memcmp(cf_key_id(l), cf_key_id(k), CF_KEYID_BYTES) == 0 &&
	       memcmp(cf_key_secret(l), cf_key_secret(k), CF_KEY_BYTES) == 0,
	   "loaded key equals the saved one");
	cf_key_free(l);
	l = NULL;

	/* Permissions. */
	static const mode_t bad_modes[] = {0644, 0640, 0604, 0660, 0602};
	for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		chmod(path.ptr, bad_modes[i]);
		char name[64];
		snprintf(name, sizeof(name), "mode %04o refused", (unsigned)bad_modes[i]);
		is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EPERMISSIONS, name);
		ok(l == NULL, "no key handed out");
		is_str(only_rule(&d), "crypt/key-permissions", "crypt/key-permissions");
		if (i == 0 && d.len == 1) {
			cf_buf_clear(&want);
			cf_buf_printf(&want, "run: chmod 600 %s", path.ptr);
			is_str(d.items[0].hint, want.ptr, "the hint is the chmod command");
			is_str(d.items[0].file, path.ptr, "the diagnostic names the file");
			ok(strstr(d.items[0].message, "0644") != NULL,
			   "the message gives the mode");
		}
		cf_diags_free(&d);
	}
	chmod(path.ptr, 0400);
	ok(cf_key_load(&l, path.ptr, &d) == 0, "mode 0400 is fine");
	cf_key_free(l);
	l = NULL;
	cf_diags_free(&d);

	/* A path that needs quoting in the hint. */
	path_in_tmp(&path, "my key's file");
	ok(cf_key_save(k, path.ptr, &d) == 0, "save under an awkward name");
	chmod(path.ptr, 0644);
	is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EPERMISSIONS, "awkward name refused");
	cf_buf_clear(&want);
	cf_buf_printf(&want, "run: chmod 600 '%s/my key'\\''s file'", tmpdir);
	is_str(d.len ? d.items[0].hint : NULL, want.ptr, "the hint is shell-quoted");
	cf_diags_free(&d);

	/* Malformed files. */
	char idhex[CF_KEYID_HEX_BYTES], b64[64];
	cf_keyid_hex(idhex, cf_key_id(k));
	sodium_bin2base64(b64, sizeof(b64), cf_key_secret(k), CF_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	struct {
		const char *name;
		const char *fmt; /* %1$s would be nicer, but C11 printf has no positional args */
		int with_id, with_secret;
		unsigned line;
	} cases[] = {
	    {"empty file", "", 0, 0, 1},
	    {"wrong header", "casefile-kee 1\n", 0, 0, 1},
	    {"newer version", "casefile-key 2\nid %s\nsecret %s\n", 1, 1, 1},
	    {"no id line", "casefile-key 1\n", 0, 0, 2},
	    {"bad id", "casefile-key 1\nid 12345\nsecret %s\n", 0, 1, 2},
	    {"no secret", "casefile-key 1\nid %s\n", 1, 0, 3},
	    {"short secret", "casefile-key 1\nid %s\nsecret AAAA\n", 1, 0, 3},
	    {"secret not base64", "casefile-key 1\nid %s\nsecret %s!\n", 1, 1, 3},
	    {"trailing text", "casefile-key 1\nid %s\nsecret %s\nmore\n", 1, 1, 4},
	    {"id of another key", "casefile-key 1\nid 0123456789abcdef\nsecret %s\n", 0, 1, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		if (cases[i].with_id && cases[i].with_secret)
			snprintf(text, sizeof(text), cases[i].fmt, idhex, b64);
		else if (cases[i].with_id)
			snprintf(text, sizeof(text), cases[i].fmt, idhex);
		else if (cases[i].with_secret)
			snprintf(text, sizeof(text), cases[i].fmt, b64);
		else
			snprintf(text, sizeof(text), "%s", cases[i].fmt);
		path_in_tmp(&path, "bad.key");
		write_text(path.ptr, text, 0600);
		is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_EKEYFORMAT, cases[i].name);
		ok(l == NULL, "no key handed out");
		is_str(only_rule(&d), "crypt/key-format", "crypt/key-format");
		is_int(d.len ? d.items[0].line : 0, cases[i].line, "diagnostic line");
		cf_diags_free(&d);
	}

	/* CRLF and a missing final newline are still one key file. */
	char text[256];
	snprintf(text, sizeof(text), "casefile-key 1\r\nid %s\r\nsecret %s", idhex, b64);
	write_text(path.ptr, text, 0600);
	ok(cf_key_load(&l, path.ptr, &d) == 0, "CRLF, no final newline: loads");
	cf_key_free(l);
	l = NULL;
	cf_diags_free(&d);

	path_in_tmp(&path, "missing.key");
	is_int(cf_key_load(&l, path.ptr, &d), CF_CRYPT_ERROR, "missing file");
	is_str(only_rule(&d), "crypt/key-io", "missing file: crypt/key-io");
	cf_diags_free(&d);
	path_in_tmp(&path, "no-such-dir/k.key");
	is_int(cf_key_save(k, path.ptr, &d), CF_CRYPT_ERROR, "save into a missing directory");
	is_str(only_rule(&d), "crypt/key-io", "save failure: crypt/key-io");
	cf_diags_free(&d);

	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(text, sizeof(text));
	cf_buf_free(&path);
	cf_buf_free(&want);
	cf_key_free(k);
}

static void test_passphrase(void)
{
	cf_key *k = NULL, *l = NULL;
	cf_buf e1 = CF_BUF_INIT, e2 = CF_BUF_INIT, bad = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	const char *pass = "correct horse battery staple";
	if (cf_key_generate(&k) != 0)
		return;

	ok(cf_key_export_passphrase(&e1, k, pass, strlen(pass)) == 0, "export");
	ok(strncmp(e1.ptr, "casefile-key-export 1\nid ", 25) == 0, "export header");
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), cf_key_secret(k), CF_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	ok(strstr(e1.ptr, b64) == NULL, "the export does not contain the secret");
	ok(cf_key_export_passphrase(&e2, k, pass, strlen(pass)) == 0, "export again");
	ok(strcmp(e1.ptr, e2.ptr) != 0, "two exports differ (fresh salt and nonce)");
	is_int(cf_key_export_passphrase(&bad, k, "", 0), CF_CRYPT_EPASSPHRASE,
	       "empty passphrase refused");

	ok(cf_key_import_passphrase(&l, e1.ptr, e1.len, "backup.txt", pass, strlen(pass), &d) == 0,
	   "import");
	is_int(d.len, 0, "import: no diagnostics");
	ok(l && memcmp(cf_key_secret(l), cf_key_secret(k), CF_KEY_BYTES) == 0 &&
	       memcmp(cf_key_id(l), cf_key_id(k), CF_KEYID_BYTES) == 0,
	   "imported key equals the exported one");
	cf_key_free(l);
	l = NULL;

	is_int(cf_key_import_passphrase(&l, e1.ptr, e1.len, "backup.txt", "wrong", 5, &d),
	       CF_CRYPT_EPASSPHRASE, "wrong passphrase");
	is_str(only_rule(&d), "crypt/passphrase", "wrong passphrase: crypt/passphrase");
	is_str(d.len ? d.items[0].file : NULL, "backup.txt", "diagnostic names the export");
	ok(l == NULL, "wrong passphrase: no key");
	cf_diags_free(&d);

	/* The limits are not authenticated on their own, but they feed the key derivation. */
	cf_buf_puts(&bad, e1.ptr);
	char *ops = strstr(bad.ptr, "opslimit 2\n");
	ok(ops != NULL, "export uses opslimit 2 (interactive)");
	if (ops) {
		ops[9] = '3';
		is_int(cf_key_import_passphrase(&l, bad.ptr, bad.len, "b", pass, strlen(pass), &d),
		       CF_CRYPT_EPASSPHRASE, "changed opslimit: refused");
		cf_diags_free(&d);
		ops[9] = '9';
		is_int(cf_key_import_passphrase(&l, bad.ptr, bad.len, "b", pass, strlen(pass), &d),
		       CF_CRYPT_EKEYFORMAT, "opslimit over the cap: refused before hashing");
		is_int(d.len ? d.items[0].line : 0, 4, "opslimit diagnostic on line 4");
		cf_diags_free(&d);
	}

	static const char *malformed[] = {
	    "",
	    "casefile-key 1\n",
	    "casefile-key-export 1\nid 0011223344556677\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAA\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit x\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit 2\nmemlimit 99999999999999999999999\n",
	    "casefile-key-export 1\nid 0011223344556677\nsalt AAAAAAAAAAAAAAAAAAAAAA==\n"
	    "opslimit 2\nmemlimit 67108864\nbox AAAA\n",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "malformed export %zu refused", i);
		is_int(cf_key_import_passphrase(&l, malformed[i], strlen(malformed[i]), "b", pass,
						strlen(pass), &d),
		       CF_CRYPT_EKEYFORMAT, name);
		is_str(only_rule(&d), "crypt/key-format", "crypt/key-format");
		cf_diags_free(&d);
	}
	ok(l == NULL, "no key from malformed exports");

	cf_buf_free(&e1);
	cf_buf_free(&e2);
	cf_buf_free(&bad);
	cf_key_free(k);
}

int main(void)
{
	if (cf_init() != 0) {
		ok(0, "cf_init");
		return tap_done();
	}
	if (make_temp_dir(tmpdir, sizeof(tmpdir), "crypt") < 0) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_keyid();
	test_spec();
	test_roundtrip();
	test_keyfile();
	test_passphrase();
	remove_tmpdir();
	return tap_done();
}
