/* lib/identity: a member's identity file (plain and passphrase-protected), its public line and
 * its fingerprint -- what a member types, reads aloud and keeps on disk. */
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

#include "fsutil.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

static char tmpdir[64];

static const char pass[] = "correct horse battery"; /* 21 characters */

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

static int same_pub(const cf_pubkeys *a, const cf_pubkeys *b)
{
	return a->has_sign == b->has_sign && memcmp(a->box, b->box, CF_PUBKEY_BYTES) == 0 &&
	       (!a->has_sign || memcmp(a->sign, b->sign, CF_SIGNPUB_BYTES) == 0);
}

/* 1 when the two identities hold the same secrets: what b signs verifies under a's signing
 * key (Ed25519 is deterministic: the signatures are equal), and what was sealed to a's X25519
 * key opens with b. */
static int same_secret(const cf_identity *a, const cf_identity *b)
{
	static const char msg[] = "the minutes of the panel, 2026-12-05";
	unsigned char sa[CF_SIGNATURE_BYTES], sb[CF_SIGNATURE_BYTES];
	if (cf_identity_sign(a, sa, msg, sizeof(msg)) != 0 ||
	    cf_identity_sign(b, sb, msg, sizeof(msg)) != 0)
		return 0;
	if (memcmp(sa, sb, sizeof(sa)) != 0 ||
	    !cf_signature_valid(cf_identity_public(a)->sign, sb, msg, sizeof(msg)))
		return 0;
	unsigned char secret[32], sealed[crypto_box_SEALBYTES + 32], opened[32];
	randombytes_buf(secret, sizeof(secret));
	if (crypto_box_seal(sealed, secret, sizeof(secret), cf_identity_public(a)->box) != 0 ||
	    cf_identity_unseal(b, opened, sealed, sizeof(sealed)) != 0)
		return 0;
	return memcmp(opened, secret, sizeof(secret)) == 0;
}

static int file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* ---- generating, saving without a passphrase ---- */

static void test_plain(cf_identity **keep)
{
	cf_identity *id = NULL, *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *path = tmp_path("plain/identity");
	is_int(cf_identity_generate(&id), 0, "generate: an identity");
	ok(id && cf_identity_can_sign(id) && cf_identity_public(id)->has_sign,
	   "generate: it can sign (version 2)");
	cf_identity *other = NULL;
	cf_identity_generate(&other);
	ok(other && !same_pub(cf_identity_public(id), cf_identity_public(other)),
	   "generate: two identities have different keys");
	ok(!same_secret(id, other), "generate: and different secrets");
	cf_identity_free(other);

	is_int(cf_identity_save(id, path, NULL, 0, &d), 0, "plain: saved, its directory made");
	is_int(d.len, 0, "plain: no diagnostics");
	is_int(file_mode(path), 0600, "plain: the file is mode 0600");
	char *dir = tmp_path("plain");
	is_int(file_mode(dir), 0700, "plain: the directory made is mode 0700");
	free(dir);
	is_int(cf_identity_is_protected(path), 0, "plain: not protected");
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, path, 4096);
	ok(strncmp(cf_buf_cstr(&text), "casefile-identity 2\npublic ", 27) == 0 &&
	       strstr(cf_buf_cstr(&text), "\nsign-public ") &&
	       strstr(cf_buf_cstr(&text), "\nsecret "),
	   "plain: version 2, public, sign-public and secret lines");
	cf_buf_free(&text);

	is_int(cf_identity_load(&back, path, NULL, 0, &d), 0, "plain: loads back");
	ok(back && same_pub(cf_identity_public(back), cf_identity_public(id)),
	   "plain: the same public keys");
	ok(back && cf_identity_can_sign(back), "plain: the loaded copy can sign");
	ok(back && same_secret(id, back), "plain: the same secrets (signs and unseals alike)");
	cf_pubkeys pub;
	is_int(cf_identity_read_public(&pub, path, &d), 0, "plain: public keys read alone");
	ok(same_pub(&pub, cf_identity_public(id)), "plain: they are the identity's");
	is_int(d.len, 0, "plain: still no diagnostics");

	/* Others may not read it. */
	chmod(path, 0640);
	cf_identity *loose = NULL;
	is_int(cf_identity_load(&loose, path, NULL, 0, &d), CF_CRYPT_EPERMISSIONS,
	       "loose: mode 0640 refused");
	is_str(only_rule(&d), "crypt/key-permissions", "loose: crypt/key-permissions");
	ok(d.len == 1 && d.items[0].hint && strstr(d.items[0].hint, "chmod 600"),
	   "loose: the hint says chmod 600");
	ok(loose == NULL, "loose: nothing loaded");
	cf_diags_clear(&d);
	is_int(cf_identity_read_public(&pub, path, &d), CF_CRYPT_EPERMISSIONS,
	       "loose: its public keys refused too");
	cf_diags_clear(&d);
	chmod(path, 0600);

	*keep = id;
	cf_identity_free(back);
	cf_diags_free(&d);
	free(path);
}

/* ---- with a passphrase: three Argon2id derivations in all ---- */

static void test_passphrase(const cf_identity *id)
{
	cf_identity *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *path = tmp_path("protected");

	/* Too short: refused before any work, nothing written. */
	static const char *const shorts[] = {"", "short", "elevenchars"};
	for (size_t i = 0; i < sizeof(shorts) / sizeof(*shorts); i++) {
		cf_diags_clear(&d);
		is_int(cf_identity_save(id, path, shorts[i], strlen(shorts[i]), &d),
		       CF_CRYPT_EPASSPHRASE, "short passphrase: refused");
		is_str(only_rule(&d), "crypt/passphrase", "short passphrase: crypt/passphrase");
		ok(d.len == 1 && d.items[0].hint && strstr(d.items[0].hint, "12 characters"),
		   "short passphrase: the hint says 12 characters");
	}
	/* Eleven characters of two bytes each: characters count, not bytes. */
	static const char accents[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	cf_diags_clear(&d);
	is_int(cf_identity_save(id, path, accents, strlen(accents), &d), CF_CRYPT_EPASSPHRASE,
	       "short passphrase: 11 characters in 22 bytes refused");
	ok(access(path, F_OK) != 0, "short passphrase: no file written");
	cf_diags_clear(&d);
	ok(!cf_passphrase_acceptable("abcdefghijk", 11), "acceptable: 11 characters not");
	ok(cf_passphrase_acceptable("abcdefghijkl", 12), "acceptable: 12 characters");
	ok(cf_passphrase_acceptable(accents, strlen(accents)) == 0 &&
	       cf_passphrase_acceptable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
					24),
	   "acceptable: 12 two-byte characters, not 11");
	ok(!cf_passphrase_acceptable(NULL, 0), "acceptable: NULL not");

	is_int(cf_identity_save(id, path, pass, strlen(pass), &d), 0,
	       "protected: saved with a passphrase");
	is_int(file_mode(path), 0600, "protected: mode 0600");
	is_int(cf_identity_is_protected(path), 1, "protected: is protected");
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, path, 4096);
	const char *t = cf_buf_cstr(&text);
	ok(strncmp(t, "casefile-identity 2\n", 20) == 0 && !strstr(t, "\nsecret ") &&
	       strstr(t, "\nsalt ") && strstr(t, "\nopslimit ") && strstr(t, "\nmemlimit ") &&
	       strstr(t, "\nbox "),
	   "protected: salt, limits and box; no plain secret");
	cf_buf_free(&text);

	cf_pubkeys pub;
	is_int(cf_identity_read_public(&pub, path, &d), 0,
	       "protected: public keys read without the passphrase");
	ok(same_pub(&pub, cf_identity_public(id)), "protected: and they are the identity's");

	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EPASSPHRASE,
	       "protected: no passphrase given, refused");
	is_str(only_rule(&d), "crypt/passphrase", "protected: crypt/passphrase");
	ok(back == NULL, "protected: nothing loaded");
	cf_diags_clear(&d);

	static const char wrong[] = "correct horse battery!";
	is_int(cf_identity_load(&back, path, wrong, strlen(wrong), &d), CF_CRYPT_EPASSPHRASE,
	       "protected: a wrong passphrase refused");
	is_str(only_rule(&d), "crypt/passphrase", "protected: crypt/passphrase for it");
	ok(d.len == 1 && strstr(d.items[0].message, "wrong passphrase") &&
	       strcmp(d.items[0].file, path) == 0,
	   "protected: the message says so, naming the file");
	ok(back == NULL, "protected: nothing loaded with the wrong one");
	cf_diags_clear(&d);

	is_int(cf_identity_load(&back, path, pass, strlen(pass), &d), 0,
	       "protected: loads with the passphrase");
	ok(back && same_pub(cf_identity_public(back), cf_identity_public(id)),
	   "protected: the same public keys");
	ok(back && same_secret(id, back), "protected: the same secrets");
	is_int(d.len, 0, "protected: no diagnostics");
	cf_identity_free(back);
	back = NULL;

	/* Truncated protected files fail on their shape, before any passphrase work. */
	cf_read_file_buf(&text, path, 4096);
	char *cut = tmp_path("protected-cut");
	ok(text.len > 300, "protected: the file read back");
	int all = 1;
	for (size_t n = 0; n + 1 < text.len; n++) {
		write_file(cut, text.ptr, n, 0600);
		cf_diags_clear(&d);
		int rc = cf_identity_load(&back, cut, pass, strlen(pass), &d);
		if (rc != CF_CRYPT_EKEYFORMAT || back || d.len != 1 ||
		    strcmp(d.items[0].rule, "crypt/key-format") != 0 || d.items[0].line == 0) {
			all = 0;
			printf("# prefix of %zu bytes: rc %d, %zu diagnostics\n", n, rc, d.len);
			cf_identity_free(back);
			back = NULL;
			break;
		}
	}
	ok(all, "protected: every truncation is crypt/key-format at a line");
	unlink(cut);
	free(cut);
	cf_buf_free(&text);

	cf_diags_free(&d);
	free(path);
}

/* ---- files that are not identities ---- */

static void test_bad_files(const cf_identity *id)
{
	cf_identity *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char *path = tmp_path("bad");
	cf_pubkeys pub;

	write_file(path, "", 0, 0600);
	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT, "empty: refused");
	is_str(only_rule(&d), "crypt/key-format", "empty: crypt/key-format");
	ok(d.len == 1 && strstr(d.items[0].message, "empty") && d.items[0].line == 1 &&
	       strcmp(d.items[0].file, path) == 0,
	   "empty: the message says the file is empty, at line 1 of it");
	ok(d.len == 1 && strstr(d.items[0].message, "keygen"), "empty: and how to make a new one");
	ok(back == NULL, "empty: nothing loaded");
	cf_diags_clear(&d);
	is_int(cf_identity_read_public(&pub, path, &d), CF_CRYPT_EKEYFORMAT,
	       "empty: its public keys refused");
	cf_diags_clear(&d);
	is_int(cf_identity_is_protected(path), -1, "empty: neither protected nor not");

	/* Every truncation of a plain identity. */
	char *good = tmp_path("good");
	cf_identity_save(id, good, NULL, 0, &d);
	cf_buf text = CF_BUF_INIT;
	cf_read_file_buf(&text, good, 4096);
	ok(text.len > 200, "plain: the file read back");
	int all = 1, pub_ok = 1;
	for (size_t n = 0; n + 1 < text.len; n++) {
		write_file(path, text.ptr, n, 0600);
		cf_diags_clear(&d);
		int rc = cf_identity_load(&back, path, NULL, 0, &d);
		if (rc != CF_CRYPT_EKEYFORMAT || back || d.len != 1 ||
		    strcmp(d.items[0].rule, "crypt/key-format") != 0 || d.items[0].line == 0) {
			printf("# prefix of %zu bytes: rc %d, %zu diagnostics\n", n, rc, d.len);
			cf_identity_free(back);
			back = NULL;
			all = 0;
		}
		/* The public keys of a prefix: refused, or the whole of them. */
		cf_diags_clear(&d);
		rc = cf_identity_read_public(&pub, path, &d);
		if (rc == 0 ? !same_pub(&pub, cf_identity_public(id)) || d.len != 0
			    : rc != CF_CRYPT_EKEYFORMAT || d.len != 1)
			pub_ok = 0;
	}
	ok(all, "truncated: every prefix is crypt/key-format at a line, nothing loaded");
	ok(pub_ok, "truncated: the public keys of a prefix are refused or whole");
	/* Without the last newline it is still the identity. */
	write_file(path, text.ptr, text.len - 1, 0600);
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, NULL, 0, &d), 0, "no final newline: loads");
	ok(back && same_secret(id, back), "no final newline: the same identity");
	cf_identity_free(back);
	back = NULL;

	/* One changed character of the public key: it is not the secret's. */
	cf_buf changed = CF_BUF_INIT;
	cf_buf_put(&changed, text.ptr, text.len);
	char *pl = strstr(changed.ptr, "\npublic ") + 8;
	*pl = *pl == 'A' ? 'B' : 'A';
	write_file(path, changed.ptr, changed.len, 0600);
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "changed public key: refused");
	ok(d.len == 1 && d.items[0].line == 2 && strstr(d.items[0].message, "do not match"),
	   "changed public key: the keys do not match the secret, line 2");
	ok(back == NULL, "changed public key: nothing loaded");
	cf_buf_free(&changed);

	/* Text after the secret. */
	cf_buf_clear(&changed);
	cf_buf_put(&changed, text.ptr, text.len);
	cf_buf_puts(&changed, "secret again\n");
	write_file(path, changed.ptr, changed.len, 0600);
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "trailing text: refused");
	ok(d.len == 1 && d.items[0].line == 5, "trailing text: at its line (5)");
	cf_buf_free(&changed);

	struct {
		const char *text;
		size_t len; /* 0: strlen */
		unsigned line;
		const char *what;
		const char *name;
	} bad[] = {
	    {"not an identity\n", 0, 1, "first line", "another file"},
	    {"casefile-identity 3\npublic x\n", 0, 1, "unsupported version", "a newer version"},
	    {"casefile-identity 2\n", 0, 2, "ends where 'public'", "the head line alone"},
	    {"casefile-identity 2\nsecret AAAA\n", 0, 2, "expected 'public", "no public line"},
	    {"casefile-identity 2\npublic AAAA\n", 0, 2, "32 bytes", "a short public key"},
	    {"\x00\x01\x02\xff\xfe garbage\n", 14, 1, "first line", "binary garbage"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		write_file(path, bad[i].text, len, 0600);
		cf_diags_clear(&d);
		int rc = cf_identity_load(&back, path, NULL, 0, &d);
		if (!ok(rc == CF_CRYPT_EKEYFORMAT && back == NULL && d.len == 1 &&
			    strcmp(d.items[0].rule, "crypt/key-format") == 0 &&
			    d.items[0].line == bad[i].line &&
			    strstr(d.items[0].message, bad[i].what),
			bad[i].name) &&
		    d.len)
			printf("#   %u: %s\n", d.items[0].line, d.items[0].message);
	}

	/* Too large to be one, a directory, nothing there. */
	char big[5000];
	memset(big, 'x', sizeof(big));
	write_file(path, big, sizeof(big), 0600);
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, path, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "too large: refused");
	ok(d.len == 1 && strstr(d.items[0].message, "too large"), "too large: says so");
	cf_diags_clear(&d);
	is_int(cf_identity_load(&back, tmpdir, NULL, 0, &d), CF_CRYPT_EKEYFORMAT,
	       "a directory: refused");
	is_str(only_rule(&d), "crypt/key-format", "a directory: crypt/key-format");
	cf_diags_clear(&d);
	char *none = tmp_path("none");
	is_int(cf_identity_load(&back, none, NULL, 0, &d), CF_CRYPT_ERROR, "missing: an error");
	is_str(only_rule(&d), "crypt/key-io", "missing: crypt/key-io");
	is_int(cf_identity_is_protected(none), -1, "missing: is_protected -1");
	ok(back == NULL, "missing: nothing loaded");
	free(none);

	cf_buf_free(&text);
	unlink(good);
	free(good);
	cf_diags_free(&d);
	free(path);
}

/* ---- an identity of casefile before the member log ---- */

static void test_version1(void)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	crypto_box_keypair(pk, sk);
	char pk64[sodium_base64_ENCODED_LEN(sizeof(pk), B64)];
	char sk64[sodium_base64_ENCODED_LEN(sizeof(sk), B64)];
	sodium_bin2base64(pk64, sizeof(pk64), pk, sizeof(pk), B64);
	sodium_bin2base64(sk64, sizeof(sk64), sk, sizeof(sk), B64);
	cf_buf text = CF_BUF_INIT;
	cf_buf_printf(&text, "casefile-identity 1\npublic %s\nsecret %s\n", pk64, sk64);
	char *path = tmp_path("v1");
	write_file(path, text.ptr, text.len, 0600);
	cf_identity *id = NULL;
	cf_diags d = CF_DIAGS_INIT;
	is_int(cf_identity_load(&id, path, NULL, 0, &d), 0, "version 1: loads");
	ok(id && !cf_identity_can_sign(id) && !cf_identity_public(id)->has_sign,
	   "version 1: cannot sign");
	ok(id && memcmp(cf_identity_public(id)->box, pk, sizeof(pk)) == 0,
	   "version 1: its X25519 key");
	unsigned char sig[CF_SIGNATURE_BYTES];
	is_int(id ? cf_identity_sign(id, sig, "x", 1) : 0, -1, "version 1: signing refused");
	unsigned char secret[32], sealed[crypto_box_SEALBYTES + 32], opened[32];
	randombytes_buf(secret, sizeof(secret));
	crypto_box_seal(sealed, secret, sizeof(secret), pk);
	ok(id && cf_identity_unseal(id, opened, sealed, sizeof(sealed)) == 0 &&
	       memcmp(opened, secret, sizeof(secret)) == 0,
	   "version 1: opens what was sealed to it");
	cf_pubkeys pub;
	is_int(cf_identity_read_public(&pub, path, &d), 0, "version 1: public key read");
	ok(!pub.has_sign && memcmp(pub.box, pk, sizeof(pk)) == 0, "version 1: no signing key");

	/* Saved again as it is: still version 1. */
	char *again = tmp_path("v1-again");
	cf_buf out = CF_BUF_INIT;
	is_int(cf_identity_save(id, again, NULL, 0, &d), 0, "version 1: saved again");
	cf_read_file_buf(&out, again, 4096);
	is_str(cf_buf_cstr(&out), cf_buf_cstr(&text), "version 1: the same file");

	/* keygen --upgrade: a signing key added, the X25519 pair kept. */
	is_int(cf_identity_add_signing(id), 1, "upgrade: a signing key added");
	is_int(cf_identity_add_signing(id), 0, "upgrade: again, nothing to do");
	ok(cf_identity_can_sign(id) && memcmp(cf_identity_public(id)->box, pk, sizeof(pk)) == 0,
	   "upgrade: it signs, with the same X25519 key");
	ok(cf_identity_unseal(id, opened, sealed, sizeof(sealed)) == 0 &&
	       memcmp(opened, secret, sizeof(secret)) == 0,
	   "upgrade: what was sealed to it still opens");
	cf_identity *back = NULL;
	is_int(cf_identity_save(id, again, NULL, 0, &d), 0, "upgrade: saved");
	cf_buf_clear(&out);
	cf_read_file_buf(&out, again, 4096);
	ok(strncmp(cf_buf_cstr(&out), "casefile-identity 2\n", 20) == 0,
	   "upgrade: written as version 2");
	is_int(cf_identity_load(&back, again, NULL, 0, &d), 0, "upgrade: loads");
	ok(back && same_secret(id, back), "upgrade: the same identity, signing key and all");
	is_int(d.len, 0, "version 1: no diagnostics");

	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk64, sizeof(sk64));
	cf_identity_free(back);
	cf_identity_free(id);
	cf_buf_free(&out);
	cf_buf_free(&text);
	cf_diags_free(&d);
	free(again);
	free(path);
}

/* ---- fingerprints ---- */

/* Crockford's base32 of the first 80 bits of hash, in groups of four: written here again, the
 * way the format is described, to check the library against. */
static void fp_by_hand(char out[CF_FINGERPRINT_BYTES], const unsigned char *hash)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	size_t o = 0;
	for (unsigned i = 0; i < 16; i++) {
		unsigned v = 0;
		for (unsigned b = i * 5; b < i * 5 + 5; b++)
			v = (v << 1) | ((hash[b / 8] >> (7 - b % 8)) & 1u);
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = alphabet[v];
	}
	out[o] = '\0';
}

static int fp_shape(const char *fp)
{
	if (strlen(fp) != 19)
		return 0;
	for (size_t i = 0; i < 19; i++) {
		if (i % 5 == 4 ? fp[i] != '-'
			       : !strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", fp[i]) || !fp[i])
			return 0;
	}
	return 1;
}

static void test_fingerprint(const cf_identity *id)
{
	unsigned char h[CF_HASH_BYTES];
	char fp[CF_FINGERPRINT_BYTES], want[CF_FINGERPRINT_BYTES];
	memset(h, 0, sizeof(h));
	cf_fingerprint_of_hash(fp, h);
	is_str(fp, "0000-0000-0000-0000", "fingerprint of a zero hash");
	memset(h, 0xff, sizeof(h));
	cf_fingerprint_of_hash(fp, h);
	is_str(fp, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "fingerprint of an all-ones hash");
	for (size_t i = 0; i < sizeof(h); i++)
		h[i] = (unsigned char)(i * 37 + 11);
	cf_fingerprint_of_hash(fp, h);
	fp_by_hand(want, h);
	is_str(fp, want, "fingerprint: the first 80 bits in Crockford's base32");
	is_str(fp, "1CR5-AYMZ-RKMG-WCTR", "fingerprint: a known hash, a known fingerprint");

	/* Of fixed keys: pinned, since clones keep fingerprints and people compare them. */
	cf_pubkeys pk;
	memset(&pk, 0, sizeof(pk));
	for (size_t i = 0; i < CF_PUBKEY_BYTES; i++) {
		pk.box[i] = (unsigned char)i;
		pk.sign[i] = (unsigned char)(32 + i);
	}
	pk.has_sign = 1;
	cf_pubkeys_fingerprint(fp, &pk);
	is_str(fp, "91W8-V717-E21Z-0RKS", "fingerprint of fixed keys: as it always was");
	ok(fp_shape(fp), "fingerprint: four groups of four of the alphabet");
	/* It is a hash of both keys. */
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)"casefile-fingerprint-1", 23);
	crypto_generichash_update(&st, pk.box, CF_PUBKEY_BYTES);
	crypto_generichash_update(&st, pk.sign, CF_SIGNPUB_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	fp_by_hand(want, h);
	is_str(fp, want, "fingerprint: BLAKE2b of both public keys");
	cf_pubkeys pk2 = pk;
	pk2.sign[31] ^= 1;
	char fp2[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(fp2, &pk2);
	ok(strcmp(fp, fp2) != 0, "fingerprint: another signing key, another fingerprint");
	pk2 = pk;
	pk2.box[0] ^= 0x80;
	cf_pubkeys_fingerprint(fp2, &pk2);
	ok(strcmp(fp, fp2) != 0, "fingerprint: another X25519 key, another fingerprint");

	/* Read aloud and typed back. */
	ok(cf_fingerprint_matches(fp, "91W8-V717-E21Z-0RKS"), "typed: as printed");
	ok(cf_fingerprint_matches(fp, "91w8v717e21z0rks"), "typed: lower case, no dashes");
	ok(cf_fingerprint_matches(fp, " 91w8 v7i7 e2iz orks "),
	   "typed: blanks, I for 1 and O for 0");
	ok(cf_fingerprint_matches(fp, "91W8-V7L7-E2lZ-0RKS"), "typed: L for 1");
	ok(!cf_fingerprint_matches(fp, "91W8-V717-E21Z-0RKT"), "typed: one character off");
	ok(!cf_fingerprint_matches(fp, "91W8-V717-E21Z-0RK"), "typed: one character short");
	ok(!cf_fingerprint_matches(fp, "91W8-V717-E21Z-0RKSX"), "typed: one character more");
	ok(!cf_fingerprint_matches(fp, "91W8-V717-E21Z-0RKU"), "typed: U is not in the alphabet");
	ok(!cf_fingerprint_matches(fp, ""), "typed: nothing");
	ok(!cf_fingerprint_matches(fp, NULL) && !cf_fingerprint_matches(NULL, fp), "typed: NULL");

	/* An identity's fingerprint: the same every time, and after a save and load. */
	char a[CF_FINGERPRINT_BYTES], b[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(a, cf_identity_public(id));
	cf_pubkeys_fingerprint(b, cf_identity_public(id));
	ok(fp_shape(a) && strcmp(a, b) == 0, "identity fingerprint: stable");
	char *path = tmp_path("fp");
	cf_identity *back = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_identity_save(id, path, NULL, 0, &d);
	cf_identity_load(&back, path, NULL, 0, &d);
	if (back)
		cf_pubkeys_fingerprint(b, cf_identity_public(back));
	ok(back && strcmp(a, b) == 0, "identity fingerprint: the same after a save and a load");
	cf_identity_free(back);
	cf_diags_free(&d);
	unlink(path);
	free(path);
}

/* ---- the public line ---- */

static void test_public_line(const cf_identity *id)
{
	const cf_pubkeys *pk = cf_identity_public(id);
	cf_buf line = CF_BUF_INIT;
	cf_pubkeys back;
	char fp[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(fp, pk);
	cf_pubkeys_format(&line, pk);
	unsigned char both[64];
	memcpy(both, pk->box, 32);
	memcpy(both + 32, pk->sign, 32);
	char b64[sodium_base64_ENCODED_LEN(64, B64)];
	sodium_bin2base64(b64, sizeof(b64), both, sizeof(both), B64);
	cf_buf want = CF_BUF_INIT;
	cf_buf_printf(&want, "casefile-pub-2 %s %s", b64, fp);
	is_str(cf_buf_cstr(&line), cf_buf_cstr(&want),
	       "public line: casefile-pub-2, both keys, the fingerprint");
	ok(!strchr(cf_buf_cstr(&line), '\n'), "public line: no newline");
	is_int(cf_pubkeys_parse(&back, line.ptr), 0, "public line: parses");
	ok(same_pub(&back, pk) && back.has_sign, "public line: round trip");

	cf_buf l2 = CF_BUF_INIT;
	cf_buf_printf(&l2, "  %s\n", line.ptr);
	ok(cf_pubkeys_parse(&back, l2.ptr) == 0 && same_pub(&back, pk),
	   "public line: blanks around and a newline are fine");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "%s\r\n", line.ptr);
	ok(cf_pubkeys_parse(&back, l2.ptr) == 0 && same_pub(&back, pk),
	   "public line: a CRLF is fine");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-2 %s", b64);
	ok(cf_pubkeys_parse(&back, l2.ptr) == 0 && same_pub(&back, pk),
	   "public line: without the fingerprint");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-2 %s ", b64);
	for (const char *p = fp; *p; p++)
		if (*p != '-')
			cf_buf_putc(&l2, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	ok(cf_pubkeys_parse(&back, l2.ptr) == 0 && same_pub(&back, pk),
	   "public line: the fingerprint as typed");

	/* A fingerprint that is not the keys': refused, whatever else is right. */
	cf_identity *other = NULL;
	cf_identity_generate(&other);
	char ofp[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(ofp, cf_identity_public(other));
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-2 %s %s", b64, ofp);
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1, "public line: another's fingerprint refused");
	ok(!back.has_sign && memcmp(back.box, pk->box, 32) != 0,
	   "public line: nothing kept of a refused line");
	/* One changed character of the keys: the fingerprint gives it away. */
	cf_buf_clear(&l2);
	cf_buf_puts(&l2, line.ptr);
	l2.ptr[20] = l2.ptr[20] == 'A' ? 'B' : 'A';
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1,
	       "public line: a changed key does not match its fingerprint");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "%s\n%s", line.ptr, line.ptr);
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1, "public line: two lines refused");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-2 %s %s extra", b64, fp);
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1, "public line: trailing words refused");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-3 %s %s", b64, fp);
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1, "public line: another version refused");
	is_int(cf_pubkeys_parse(&back, "casefile-pub-2 AAAA"), -1, "public line: short keys");
	is_int(cf_pubkeys_parse(&back, "casefile-pub-2 "), -1, "public line: no keys");
	is_int(cf_pubkeys_parse(&back, ""), -1, "public line: empty");
	is_int(cf_pubkeys_parse(&back, NULL), -1, "public line: NULL");

	/* Keys without a signing key: the version 1 line. */
	cf_pubkeys v1 = *pk;
	v1.has_sign = 0;
	memset(v1.sign, 0, sizeof(v1.sign));
	cf_buf_clear(&line);
	cf_pubkeys_format(&line, &v1);
	char b64box[sodium_base64_ENCODED_LEN(32, B64)];
	sodium_bin2base64(b64box, sizeof(b64box), pk->box, 32, B64);
	cf_buf_clear(&want);
	cf_buf_printf(&want, "casefile-pub-1 %s", b64box);
	is_str(cf_buf_cstr(&line), cf_buf_cstr(&want), "public line 1: casefile-pub-1 BOX");
	ok(cf_pubkeys_parse(&back, line.ptr) == 0 && same_pub(&back, &v1) && !back.has_sign,
	   "public line 1: round trip, no signing key");
	cf_buf_clear(&l2);
	cf_buf_printf(&l2, "casefile-pub-1 %s %s", b64box, fp);
	is_int(cf_pubkeys_parse(&back, l2.ptr), -1, "public line 1: nothing after the key");

	cf_identity_free(other);
	cf_buf_free(&want);
	cf_buf_free(&l2);
	cf_buf_free(&line);
}

static void test_names(void)
{
	ok(cf_member_name_valid("alice"), "name: alice");
	ok(cf_member_name_valid("A.b_c-9"), "name: letters, digits, . _ -");
	ok(!cf_member_name_valid(""), "name: empty refused");
	ok(!cf_member_name_valid(NULL), "name: NULL refused");
	ok(!cf_member_name_valid(".hidden"), "name: a leading dot refused");
	ok(!cf_member_name_valid("a/b"), "name: a slash refused");
	ok(!cf_member_name_valid("a b"), "name: a space refused");
	ok(!cf_member_name_valid("caf\xc3\xa9"), "name: non-ASCII refused");
	char name[70];
	memset(name, 'a', sizeof(name));
	name[64] = '\0';
	ok(cf_member_name_valid(name), "name: 64 characters");
	name[64] = 'a';
	name[65] = '\0';
	ok(!cf_member_name_valid(name), "name: 65 refused");
}

int main(void)
{
	if (cf_init() != 0) {
		printf("Bail out! cf_init failed\n");
		return 1;
	}
	if (make_temp_dir(tmpdir, sizeof(tmpdir), "identity") < 0) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	cf_identity *id = NULL;
	test_plain(&id);
	if (!id) {
		printf("Bail out! no identity\n");
		remove_tree(tmpdir);
		return 1;
	}
	test_passphrase(id);
	test_bad_files(id);
	test_version1();
	test_fingerprint(id);
	test_public_line(id);
	test_names();
	cf_identity_free(id);
	remove_tree(tmpdir);
	return tap_done();
}
