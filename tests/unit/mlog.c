/* lib/mlog: the signed member log -- its text, its chain of hashes and numbers, its signatures,
 * and what it says when a log is changed, cut short or not a log at all. */
#include "tap.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "identity.h"
#include "keys.h"
#include "mlog.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define PATH "members.log"
#define DATE "2026-12-05T10:11:12Z"
#define HEAD_LEN (sizeof(CF_MLOG_HEAD "\n") - 1)

static cf_identity *alice, *bob, *carol, *eve;
/* k1 the first repository key, kc case 2026-003's, k2 the repository key after a rotation, k3
 * and kc2 after bob's removal. */
static cf_key *k1, *kc, *k2, *k3, *kc2;

static const char *const carol_cases[] = {"2026-003"};

/* ---- making entries ---- */

static cf_mlog_draft_member person(const char *name, cf_role role, const cf_identity *id,
				   const char *const *cases, size_t n)
{
	cf_mlog_draft_member m;
	memset(&m, 0, sizeof(m));
	m.name = name;
	m.role = role;
	m.pub = *cf_identity_public(id);
	m.cases = cases;
	m.n_cases = n;
	return m;
}

static cf_mlog_draft_seal seal(const cf_key *k, const char *name, const cf_identity *id)
{
	cf_mlog_draft_seal s = {k, name, cf_identity_public(id)->box};
	return s;
}

static cf_mlog_draft draft(cf_action act)
{
	cf_mlog_draft d;
	memset(&d, 0, sizeof(d));
	d.action = act;
	d.date = DATE;
	d.signer = "alice";
	return d;
}

/* Appends the entry to log (NULL: none yet) signed by id and loads the result: 0 and *out, or
 * the load's -1 with its diagnostics in diags (a failure to write is -2). */
static int try_entry(cf_mlog **out, cf_buf *text, const cf_mlog *log, const cf_mlog_draft *d,
		     const cf_identity *id, cf_diags *diags)
{
	*out = NULL;
	cf_buf_clear(text);
	if (cf_mlog_append(text, log, d, id) != 0)
		return -2;
	return cf_mlog_load(out, text->ptr, text->len, PATH, diags);
}

/* 1 when diags is one crypt/untrusted error of PATH at line (0: any line but 0), column 1,
 * whose message holds what. */
static int one_error(const cf_diags *d, unsigned line, const char *what)
{
	if (d->len != 1)
		return 0;
	const cf_diag *x = &d->items[0];
	int at = line ? x->line == line : x->line > 0;
	return x->severity == CF_SEV_ERROR && strcmp(x->rule, "crypt/untrusted") == 0 &&
	       strcmp(x->file, PATH) == 0 && at && x->col == 1 &&
	       (!what || strstr(x->message, what) != NULL);
}

static void explain(const cf_diags *d)
{
	for (size_t i = 0; i < d->len; i++)
		printf("#   %s:%u:%u: %s\n", d->items[i].file, d->items[i].line, d->items[i].col,
		       d->items[i].message);
}

/* ---- the text ---- */

static unsigned line_of(const char *text, size_t off)
{
	unsigned n = 1;
	for (size_t i = 0; i < off; i++)
		n += text[i] == '\n';
	return n;
}

/* Where entry i of log starts (its "entry" line). */
static size_t entry_start(const cf_mlog *log, size_t i)
{
	return i == 0 ? HEAD_LEN + 1 : cf_mlog_prefix_len(log, i - 1) + 1;
}

static void b64(cf_buf *out, const unsigned char *bin, size_t n)
{
	char tmp[256];
	sodium_bin2base64(tmp, sizeof(tmp), bin, n, B64);
	cf_buf_puts(out, tmp);
}

/* Signs text's entry that starts at start again, as id: its signature line replaced by one of
 * the bytes from its "entry" line to the end of its signer line as they are now. */
static void resign(cf_buf *text, size_t start, const cf_identity *id)
{
	const char *sig = strstr(text->ptr + start, "\nsignature ");
	size_t signed_end = (size_t)(sig - text->ptr) + 1;
	const char *eol = strchr(text->ptr + signed_end, '\n');
	size_t after = (size_t)(eol - text->ptr) + 1;
	cf_buf msg = CF_BUF_INIT, out = CF_BUF_INIT;
	cf_buf_put(&msg, CF_MLOG_SIGN_DOMAIN, sizeof(CF_MLOG_SIGN_DOMAIN));
	cf_buf_put(&msg, text->ptr + start, signed_end - start);
	unsigned char s[CF_SIGNATURE_BYTES];
	cf_identity_sign(id, s, msg.ptr, msg.len);
	cf_buf_put(&out, text->ptr, signed_end);
	cf_buf_puts(&out, "signature ");
	b64(&out, s, sizeof(s));
	cf_buf_putc(&out, '\n');
	cf_buf_put(&out, text->ptr + after, text->len - after);
	cf_buf_free(text);
	cf_buf_free(&msg);
	*text = out;
}

/* Replaces the first old after start with new (of any length). */
static void replace_at(cf_buf *text, size_t start, const char *old, const char *with)
{
	const char *at = strstr(text->ptr + start, old);
	if (!at) {
		printf("Bail out! '%s' is not in the log\n", old);
		exit(2);
	}
	size_t off = (size_t)(at - text->ptr);
	cf_buf out = CF_BUF_INIT;
	cf_buf_put(&out, text->ptr, off);
	cf_buf_puts(&out, with);
	cf_buf_puts(&out, at + strlen(old));
	cf_buf_free(text);
	*text = out;
}

static int load_text(const cf_buf *text, cf_diags *d)
{
	cf_mlog *m = NULL;
	cf_diags_clear(d);
	int rc = cf_mlog_load(&m, text->ptr, text->len, PATH, d);
	if ((rc == 0) != (m != NULL))
		rc = -99; /* a result that contradicts itself */
	cf_mlog_free(m);
	return rc;
}

/* ---- the log the tests share ---- */

static cf_buf full = CF_BUF_INIT; /* entries 0 to 4 */
static cf_mlog *log5;

static void build(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf text = CF_BUF_INIT;
	cf_mlog *log = NULL, *next = NULL;

	/* 0: the genesis: alice, admin, and the repository key k1. */
	cf_mlog_draft_member m0 = person("alice", CF_ROLE_ADMIN, alice, NULL, 0);
	cf_mlog_draft_key key0 = {k1, NULL};
	cf_mlog_draft_seal s0 = seal(k1, "alice", alice);
	cf_mlog_draft e0 = draft(CF_ACT_GENESIS);
	e0.members = &m0;
	e0.n_members = 1;
	e0.keys = &key0;
	e0.n_keys = 1;
	e0.seals = &s0;
	e0.n_seals = 1;
	is_int(try_entry(&log, &text, NULL, &e0, alice, &d), 0, "build: the genesis verifies");
	explain(&d);

	/* 1: bob joins, of role member: k1 sealed to him. */
	cf_mlog_draft_member m1 = person("bob", CF_ROLE_MEMBER, bob, NULL, 0);
	cf_mlog_draft_seal s1 = seal(k1, "bob", bob);
	cf_mlog_draft e1 = draft(CF_ACT_ADD);
	e1.members = &m1;
	e1.n_members = 1;
	e1.seals = &s1;
	e1.n_seals = 1;
	is_int(try_entry(&next, &text, log, &e1, alice, &d), 0, "build: bob added");
	cf_mlog_free(log);
	log = next;

	/* 2: carol joins for case 2026-003 alone, which gets a key of its own. */
	cf_mlog_draft_member m2 = person("carol", CF_ROLE_CASE, carol, carol_cases, 1);
	cf_mlog_draft_key key2 = {kc, "2026-003"};
	cf_mlog_draft_seal s2[] = {seal(kc, "alice", alice), seal(kc, "bob", bob),
				   seal(kc, "carol", carol)};
	cf_mlog_draft e2 = draft(CF_ACT_ADD);
	e2.members = &m2;
	e2.n_members = 1;
	e2.keys = &key2;
	e2.n_keys = 1;
	e2.seals = s2;
	e2.n_seals = 3;
	is_int(try_entry(&next, &text, log, &e2, alice, &d), 0, "build: carol added");
	cf_mlog_free(log);
	log = next;

	/* 3: the repository key rotated: k2, sealed to alice and bob (not carol). */
	cf_mlog_draft_key key3 = {k2, NULL};
	cf_mlog_draft_seal s3[] = {seal(k2, "alice", alice), seal(k2, "bob", bob)};
	cf_mlog_draft e3 = draft(CF_ACT_ROTATE);
	e3.keys = &key3;
	e3.n_keys = 1;
	e3.seals = s3;
	e3.n_seals = 2;
	is_int(try_entry(&next, &text, log, &e3, alice, &d), 0, "build: a rotation");
	cf_mlog_free(log);
	log = next;

	/* 4: bob removed: every key he held rotated in the same entry. */
	const char *gone[] = {"bob"};
	cf_mlog_draft_key key4[] = {{k3, NULL}, {kc2, "2026-003"}};
	cf_mlog_draft_seal s4[] = {seal(k3, "alice", alice), seal(kc2, "alice", alice),
				   seal(kc2, "carol", carol)};
	cf_mlog_draft e4 = draft(CF_ACT_REMOVE);
	e4.removed = gone;
	e4.n_removed = 1;
	e4.keys = key4;
	e4.n_keys = 2;
	e4.seals = s4;
	e4.n_seals = 3;
	is_int(try_entry(&next, &text, log, &e4, alice, &d), 0, "build: bob removed");
	cf_mlog_free(log);
	log = next;
	explain(&d);

	log5 = log;
	full = text;
	cf_diags_free(&d);
	if (!log5 || cf_mlog_entries(log5) != 5) {
		printf("Bail out! the log of five entries was not made\n");
		exit(2);
	}
}

/* ---- round trips ---- */

static void test_empty(void)
{
	cf_mlog *m = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char fp[CF_FINGERPRINT_BYTES] = "x";
	ok(cf_mlog_load(&m, "", 0, PATH, &d) == 0 && m && cf_mlog_entries(m) == 0 && d.len == 0,
	   "empty: no text is an empty log");
	cf_mlog_fingerprint(fp, m);
	is_str(fp, "", "empty: no fingerprint");
	ok(cf_mlog_key_for_case(m, "2026-001", 8) == NULL && cf_mlog_members(m) == 0,
	   "empty: no key, no member");
	cf_mlog_free(m);
	m = NULL;
	ok(cf_mlog_load(&m, CF_MLOG_HEAD "\n", HEAD_LEN, PATH, &d) == 0 && m &&
	       cf_mlog_entries(m) == 0,
	   "empty: the head line alone is an empty log");
	cf_mlog_free(m);
	cf_diags_free(&d);
}

static void test_genesis_text(void)
{
	cf_mlog *m = NULL;
	cf_diags d = CF_DIAGS_INIT;
	size_t len0 = cf_mlog_prefix_len(log5, 0);
	ok(cf_mlog_load(&m, full.ptr, len0, PATH, &d) == 0 && m, "genesis: loads alone");
	if (!m)
		return;
	is_int(cf_mlog_entries(m), 1, "genesis: one entry");

	/* The text, line by line, as the format says. */
	const cf_pubkeys *pa = cf_identity_public(alice);
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k1));
	cf_buf want = CF_BUF_INIT;
	cf_buf_puts(&want, CF_MLOG_HEAD "\n\nentry 0\nprev none\ndate " DATE
					"\naction genesis\nmember alice admin ");
	b64(&want, pa->box, CF_PUBKEY_BYTES);
	cf_buf_putc(&want, ' ');
	b64(&want, pa->sign, CF_SIGNPUB_BYTES);
	cf_buf_printf(&want, " -\nkey %s repository ", hex);
	b64(&want, cf_key_commitment(k1), CF_KEY_COMMIT_BYTES);
	cf_buf_printf(&want, "\nseal %s alice ", hex);
	ok(len0 > want.len && memcmp(full.ptr, want.ptr, want.len) == 0,
	   "genesis: head, entry, prev, date, action, member, key and seal lines");
	const char *rest = full.ptr + want.len;
	const char *nl = memchr(rest, '\n', len0 - want.len);
	is_int(nl ? nl - rest : -1, CF_SEALED_B64_LEN, "genesis: the sealed key's base64");
	ok(nl && strncmp(nl, "\nsigner alice\nsignature ", 24) == 0,
	   "genesis: then the signer and the signature");
	is_int(full.ptr[len0 - 1], '\n', "genesis: the entry ends with its newline");
	cf_buf_free(&want);

	size_t tlen = 0;
	const char *t = cf_mlog_text(m, &tlen);
	ok(tlen == len0 && memcmp(t, full.ptr, len0) == 0, "genesis: the text as loaded");
	is_str(cf_action_name(cf_mlog_entry_action(m, 0)), "genesis", "genesis: its action");
	is_str(cf_mlog_entry_signer(m, 0), "alice", "genesis: its signer");
	is_str(cf_mlog_entry_date(m, 0), DATE, "genesis: its date");

	/* What it records, read back. */
	is_int(cf_mlog_members(m), 1, "genesis: one member");
	const cf_mlog_member *a = cf_mlog_member_named(m, "alice");
	ok(a && a == cf_mlog_member_at(m, 0) && a->active && a->role == CF_ROLE_ADMIN &&
	       a->since == 0 && a->line == 7 && a->n_cases == 0 &&
	       strcmp(a->added_by, "alice") == 0,
	   "genesis: alice, active admin since entry 0, line 7");
	ok(a && memcmp(a->pub.box, pa->box, CF_PUBKEY_BYTES) == 0 && a->pub.has_sign &&
	       memcmp(a->pub.sign, pa->sign, CF_SIGNPUB_BYTES) == 0,
	   "genesis: alice's public keys");
	ok(cf_mlog_member_by_box(m, pa->box) == a, "genesis: alice found by her key");
	ok(cf_mlog_member_named(m, "bob") == NULL, "genesis: nobody else");
	is_int(cf_mlog_keys(m), 1, "genesis: one key");
	const cf_mlog_key *k = cf_mlog_key_at(m, 0);
	ok(memcmp(k->id, cf_key_id(k1), CF_KEYID_BYTES) == 0 &&
	       memcmp(k->commitment, cf_key_commitment(k1), CF_KEY_COMMIT_BYTES) == 0 &&
	       k->scope == NULL && k->created == 0 && !k->retired,
	   "genesis: the repository key, its id and commitment");
	ok(cf_mlog_key_by_id(m, cf_key_id(k1)) == k && cf_mlog_scope_key(m, NULL) == k &&
	       cf_mlog_key_for_case(m, "2026-001", 8) == k,
	   "genesis: it encrypts every case");
	is_int(cf_mlog_seals(m), 1, "genesis: one seal");
	const cf_mlog_seal *s = cf_mlog_seal_at(m, 0);
	ok(s->key == 0 && strcmp(s->member, "alice") == 0 && s->entry == 0 && s->line == 9 &&
	       cf_mlog_seal_for(m, 0, "alice") == s,
	   "genesis: k1 sealed to alice, line 9");
	cf_key *opened = NULL;
	is_int(cf_key_unseal(&opened, s->sealed, strlen(s->sealed), k->id, k->commitment, alice,
			     PATH, &d),
	       0, "genesis: the seal opens with alice's identity");
	ok(opened && memcmp(cf_key_secret(opened), cf_key_secret(k1), CF_KEY_BYTES) == 0,
	   "genesis: to the key itself");
	cf_key_free(opened);
	opened = NULL;
	cf_diags_clear(&d);
	ok(cf_key_unseal(&opened, s->sealed, strlen(s->sealed), k->id, k->commitment, bob, PATH,
			 &d) != 0 &&
	       !opened,
	   "genesis: not with bob's");

	/* The fingerprint is entry 0's hash, and stays as the log grows. */
	char fp[CF_FINGERPRINT_BYTES], fp5[CF_FINGERPRINT_BYTES], want_fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, m);
	cf_mlog_fingerprint(fp5, log5);
	cf_fingerprint_of_hash(want_fp, cf_mlog_entry_hash(m, 0));
	ok(strlen(fp) == 19, "genesis: a fingerprint");
	is_str(fp, want_fp, "genesis: the fingerprint of entry 0's hash");
	is_str(fp5, fp, "genesis: the same fingerprint five entries on");
	cf_mlog_free(m);
	cf_diags_free(&d);
}

/* The hash and signature of every entry, worked out here from the text as the format says. */
static void test_chain(void)
{
	cf_diags d = CF_DIAGS_INIT;
	int hashes = 1, prevs = 1, numbers = 1, sigs = 1, prefixes = 1;
	for (size_t i = 0; i < cf_mlog_entries(log5); i++) {
		size_t start = entry_start(log5, i), end = cf_mlog_prefix_len(log5, i);
		unsigned char h[CF_HASH_BYTES];
		crypto_generichash_state st;
		crypto_generichash_init(&st, NULL, 0, sizeof(h));
		crypto_generichash_update(&st, (const unsigned char *)CF_MLOG_HASH_DOMAIN,
					  sizeof(CF_MLOG_HASH_DOMAIN));
		crypto_generichash_update(&st, (const unsigned char *)full.ptr + start,
					  end - start);
		crypto_generichash_final(&st, h, sizeof(h));
		hashes &= memcmp(h, cf_mlog_entry_hash(log5, i), sizeof(h)) == 0;

		cf_buf head = CF_BUF_INIT;
		cf_buf_printf(&head, "entry %zu\nprev ", i);
		if (i == 0) {
			cf_buf_puts(&head, "none");
		} else {
			char hex[2 * CF_HASH_BYTES + 1];
			sodium_bin2hex(hex, sizeof(hex), cf_mlog_entry_hash(log5, i - 1),
				       CF_HASH_BYTES);
			cf_buf_puts(&head, hex);
		}
		cf_buf_putc(&head, '\n');
		numbers &= full.ptr[start - 1] == '\n' && full.ptr[start - 2] == '\n' &&
			   strncmp(full.ptr + start, head.ptr, 6 + (i > 9)) == 0;
		prevs &= strncmp(full.ptr + start, head.ptr, head.len) == 0;
		cf_buf_free(&head);

		/* The signature: alice's Ed25519 of the domain and the entry up to its signer
		 * line. */
		const char *sl = strstr(full.ptr + start, "\nsignature ");
		size_t signed_end = (size_t)(sl - full.ptr) + 1;
		unsigned char sig[CF_SIGNATURE_BYTES];
		size_t got = 0;
		const char *b64end = NULL;
		cf_buf msg = CF_BUF_INIT;
		cf_buf_put(&msg, CF_MLOG_SIGN_DOMAIN, sizeof(CF_MLOG_SIGN_DOMAIN));
		cf_buf_put(&msg, full.ptr + start, signed_end - start);
		sigs &= sodium_base642bin(sig, sizeof(sig), sl + 11, end - 1 - (signed_end + 10),
					  NULL, &got, &b64end, B64) == 0 &&
			got == sizeof(sig) &&
			crypto_sign_verify_detached(sig, (const unsigned char *)msg.ptr, msg.len,
						    cf_identity_public(alice)->sign) == 0;
		cf_buf_free(&msg);

		/* Entries 0..i are a log of their own, of the same hashes. */
		cf_mlog *p = NULL;
		prefixes &= cf_mlog_load(&p, full.ptr, end, PATH, &d) == 0 && p &&
			    cf_mlog_entries(p) == i + 1 &&
			    memcmp(cf_mlog_entry_hash(p, i), cf_mlog_entry_hash(log5, i),
				   CF_HASH_BYTES) == 0;
		cf_mlog_free(p);
	}
	ok(hashes, "chain: each entry's hash is BLAKE2b of the domain and its bytes");
	ok(numbers, "chain: each entry numbered in turn, after a blank line");
	ok(prevs, "chain: each prev is the hash of the entry before ('none' for the first)");
	ok(sigs, "chain: each signature is alice's of the domain and the signed lines");
	ok(prefixes, "chain: every prefix of whole entries is a log");
	is_int(cf_mlog_prefix_len(log5, 4), full.len, "chain: the last entry ends the text");
	ok(memcmp(cf_mlog_entry_hash(log5, 0), cf_mlog_entry_hash(log5, 1), CF_HASH_BYTES) != 0,
	   "chain: two entries, two hashes");
	cf_diags_free(&d);
}

/* What the five entries leave. */
static void test_state(void)
{
	const cf_mlog *m = log5;
	is_int(cf_mlog_members(m), 3, "state: three members named");
	const cf_mlog_member *a = cf_mlog_member_named(m, "alice");
	const cf_mlog_member *b = cf_mlog_member_named(m, "bob");
	const cf_mlog_member *c = cf_mlog_member_named(m, "carol");
	ok(a && a->active && a->role == CF_ROLE_ADMIN, "state: alice, admin");
	ok(b && !b->active && b->role == CF_ROLE_MEMBER && b->since == 1,
	   "state: bob, removed (added at entry 1)");
	ok(cf_mlog_member_by_box(m, cf_identity_public(bob)->box) == NULL,
	   "state: bob's key is no active member's");
	ok(c && c->active && c->role == CF_ROLE_CASE && c->n_cases == 1 &&
	       strcmp(c->cases[0], "2026-003") == 0 && c->since == 2,
	   "state: carol, of case 2026-003");
	is_int(cf_mlog_keys(m), 5, "state: five keys made");
	const cf_mlog_key *K1 = cf_mlog_key_by_id(m, cf_key_id(k1));
	const cf_mlog_key *KC = cf_mlog_key_by_id(m, cf_key_id(kc));
	const cf_mlog_key *K2 = cf_mlog_key_by_id(m, cf_key_id(k2));
	const cf_mlog_key *K3 = cf_mlog_key_by_id(m, cf_key_id(k3));
	const cf_mlog_key *KC2 = cf_mlog_key_by_id(m, cf_key_id(kc2));
	ok(K1 && K1->retired && K1->retired_at == 3 && K2 && K2->retired && K2->retired_at == 4 &&
	       KC && KC->retired && KC->retired_at == 4,
	   "state: k1 retired at entry 3, k2 and the first case key at 4");
	ok(K3 && !K3->retired && K3->created == 4 && !K3->scope && KC2 && !KC2->retired &&
	       KC2->scope && strcmp(KC2->scope, "2026-003") == 0,
	   "state: k3 and the second case key current");
	ok(cf_mlog_scope_key(m, NULL) == K3 && cf_mlog_scope_key(m, "2026-003") == KC2 &&
	       cf_mlog_scope_key(m, "2026-001") == NULL,
	   "state: the current key of each scope");
	ok(cf_mlog_key_for_case(m, "2026-003", 8) == KC2, "state: case 2026-003 uses its own key");
	ok(cf_mlog_key_for_case(m, "2026-001", 8) == K3, "state: another case the repository's");
	ok(cf_mlog_key_for_case(m, "2026-0031", 9) == K3,
	   "state: a longer id is another case (the repository's key)");
	ok(cf_mlog_allowed(c, KC2) && !cf_mlog_allowed(c, K3) && cf_mlog_allowed(a, K3) &&
	       cf_mlog_allowed(a, KC2) && !cf_mlog_allowed(b, K3),
	   "state: who may hold which key");
	size_t i3 = (size_t)(K3 - cf_mlog_key_at(m, 0)), ic2 = (size_t)(KC2 - cf_mlog_key_at(m, 0));
	ok(cf_mlog_seal_for(m, i3, "alice") && !cf_mlog_seal_for(m, i3, "carol") &&
	       cf_mlog_seal_for(m, ic2, "carol") && !cf_mlog_seal_for(m, ic2, "bob"),
	   "state: the current keys sealed to those who may hold them");
	is_int(cf_mlog_seals(m), 10, "state: ten seals in all (1, 1, 3, 2 and 3)");
	ok(cf_mlog_entry_action(m, 3) == CF_ACT_ROTATE &&
	       cf_mlog_entry_action(m, 4) == CF_ACT_REMOVE,
	   "state: the actions");
}

/* ---- changes ---- */

/* Another character of the same kind: what is most likely to still parse. */
static char other_char(char c)
{
	if (c >= '0' && c <= '8')
		return (char)(c + 1);
	if (c == '9')
		return '0';
	if (c >= 'a' && c <= 'y')
		return (char)(c + 1);
	if (c == 'z')
		return 'a';
	if (c >= 'A' && c <= 'Y')
		return (char)(c + 1);
	if (c == 'Z')
		return 'A';
	if (c == '+')
		return '/';
	if (c == '/')
		return '+';
	if (c == '\n')
		return ' ';
	if (c == ' ')
		return '\n';
	return 'x';
}

/* Every byte of the log changed in turn: never accepted, one error at a line of the entry it
 * is in. */
static void test_every_byte(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	cf_buf_put(&t, full.ptr, full.len);
	size_t refused = 0, placed = 0, by_signature = 0;
	for (size_t p = 0; p < full.len; p++) {
		char was = t.ptr[p];
		t.ptr[p] = other_char(was);
		int rc = load_text(&t, &d);
		t.ptr[p] = was;
		refused += rc == -1 && one_error(&d, 0, NULL);
		/* The entry the byte is in (the blank line before it counts as its own). */
		size_t e = 0;
		while (e < 5 && cf_mlog_prefix_len(log5, e) <= p)
			e++;
		unsigned first = p < HEAD_LEN ? 1 : line_of(full.ptr, entry_start(log5, e)) - 1;
		unsigned last = line_of(full.ptr, cf_mlog_prefix_len(log5, e) - 1);
		if (d.len == 1 && d.items[0].line >= first && d.items[0].line <= last + 1)
			placed++;
		else if (placed + 3 > p)
			printf("# byte %zu (entry %zu, lines %u-%u): %zu diagnostics\n", p, e,
			       first, last, d.len);
		by_signature += d.len == 1 && strstr(d.items[0].message, "signature is not");
	}
	is_int(refused, full.len, "every byte: a change to any byte is refused, one error");
	is_int(placed, full.len, "every byte: at a line of the entry changed");
	printf("# %zu of %zu changes caught by the signature\n", by_signature, full.len);
	ok(by_signature > full.len / 2, "every byte: most by the signature");
	cf_buf_free(&t);
	cf_diags_free(&d);
}

/* The bounds of field idx (0-based) of a line of n bytes: 0, or -1 when it has fewer. */
static int field_span(const char *line, size_t n, int idx, size_t *b, size_t *e)
{
	size_t i = 0;
	for (int f = 0; f < idx; f++) {
		const char *sp = memchr(line + i, ' ', n - i);
		if (!sp)
			return -1;
		i = (size_t)(sp - line) + 1;
	}
	const char *sp = memchr(line + i, ' ', n - i);
	*b = i;
	*e = sp ? (size_t)(sp - line) : n;
	return 0;
}

/* Changes that parse: the signature, and nothing else, gives them away. */
static void test_signature(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	size_t tried = 0, caught = 0;
	for (size_t e = 0; e < 5; e++) {
		unsigned sig_line = line_of(full.ptr, cf_mlog_prefix_len(log5, e) - 1);
		for (size_t p = entry_start(log5, e); p < cf_mlog_prefix_len(log5, e);) {
			const char *line = full.ptr + p;
			size_t n = (size_t)(strchr(line, '\n') - line);
			/* Which fields: the date; key ids (hex); the base64 of the keys, seals
			 * and signature. */
			int hex = -1, b64a = -1, b64b = -1, date = -1;
			if (strncmp(line, "date ", 5) == 0)
				date = 1;
			else if (strncmp(line, "member ", 7) == 0)
				b64a = 3, b64b = 4;
			else if (strncmp(line, "key ", 4) == 0 || strncmp(line, "seal ", 5) == 0)
				hex = 1, b64a = 3;
			else if (strncmp(line, "signature ", 10) == 0)
				b64a = 1;
			int fields[4] = {hex, b64a, b64b, date};
			for (int f = 0; f < 4; f++) {
				size_t b, end;
				if (fields[f] < 0 || field_span(line, n, fields[f], &b, &end) < 0)
					continue;
				while (f == 1 || f == 2 ? line[end - 1] == '=' : 0)
					end--;
				/* The last character of base64 carries padding bits: leave it. */
				if (f == 1 || f == 2)
					end--;
				for (size_t i = b; i < end; i++) {
					char c = line[i];
					if (f == 3 && (c < '0' || c > '9'))
						continue;
					cf_buf_clear(&t);
					cf_buf_put(&t, full.ptr, full.len);
					t.ptr[p + i] = f == 0 ? (c == 'f'   ? '0'
								 : c == '9' ? 'a'
									    : (char)(c + 1))
							      : other_char(c);
					int rc = load_text(&t, &d);
					tried++;
					if (rc == -1 &&
					    one_error(&d, sig_line, "signature is not alice's"))
						caught++;
					else if (tried - caught == 1) {
						printf("# entry %zu, '%.12s...', byte %zu:\n", e,
						       line, i);
						explain(&d);
					}
				}
			}
			p += n + 1;
		}
	}
	ok(tried > 1500, "signature: many changes tried");
	is_int(caught, tried,
	       "signature: a changed date, key id, key, seal or signature: a bad signature, at "
	       "the entry's signature line");

	/* An entry signed by someone else in the name of an admin. */
	cf_mlog *m = NULL;
	cf_buf text = CF_BUF_INIT;
	cf_key *k4 = NULL;
	cf_key_generate(&k4);
	cf_mlog_draft_key key = {k4, NULL};
	cf_mlog_draft_seal s[] = {seal(k4, "alice", alice)};
	cf_mlog_draft rot = draft(CF_ACT_ROTATE);
	rot.keys = &key;
	rot.n_keys = 1;
	rot.seals = s;
	rot.n_seals = 1;
	cf_diags_clear(&d);
	is_int(try_entry(&m, &text, log5, &rot, eve, &d), -1,
	       "forged: an entry signed by eve as alice is refused");
	if (!ok(one_error(&d, line_of(text.ptr, text.len) - 1, "signature is not alice's"),
		"forged: the signature is not alice's, at its line"))
		explain(&d);
	ok(m == NULL, "forged: nothing loaded");
	/* Signed by a member who is not an admin, with their own key. */
	rot.signer = "carol";
	cf_diags_clear(&d);
	is_int(try_entry(&m, &text, log5, &rot, carol, &d), -1,
	       "not an admin: an entry signed by carol is refused");
	ok(one_error(&d, line_of(text.ptr, text.len) - 2,
		     "signed by carol, who is a member of role case, not an admin"),
	   "not an admin: says so, at the signer line");
	rot.signer = "bob";
	cf_diags_clear(&d);
	is_int(try_entry(&m, &text, log5, &rot, bob, &d), -1,
	       "removed: an entry signed by bob, removed, is refused");
	ok(one_error(&d, line_of(text.ptr, text.len) - 2, "signed by bob, who is not a member"),
	   "removed: bob is not a member");
	/* A key the log made before, made again. */
	key.key = k1;
	s[0].key = k1;
	rot.signer = "alice";
	cf_diags_clear(&d);
	is_int(try_entry(&m, &text, log5, &rot, alice, &d), -1,
	       "key reuse: a key made again is refused");
	ok(one_error(&d, line_of(text.ptr, text.len) - 4, "was made before"),
	   "key reuse: k1 was made before, at its key line");
	cf_key_free(k4);
	cf_buf_free(&text);
	cf_buf_free(&t);
	cf_diags_free(&d);
}

/* The chain and the numbering, with the entry signed again so the signature is right: they
 * are checked for themselves. */
static void test_chain_broken(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	size_t s4 = entry_start(log5, 4);
	unsigned l4 = line_of(full.ptr, s4);
	char hex[2 * CF_HASH_BYTES + 1], hex2[2 * CF_HASH_BYTES + 1];
	sodium_bin2hex(hex, sizeof(hex), cf_mlog_entry_hash(log5, 3), CF_HASH_BYTES);
	sodium_bin2hex(hex2, sizeof(hex2), cf_mlog_entry_hash(log5, 2), CF_HASH_BYTES);

	cf_buf_put(&t, full.ptr, full.len);
	resign(&t, s4, alice);
	ok(t.len == full.len && memcmp(t.ptr, full.ptr, full.len) == 0,
	   "resign: signing entry 4 again changes nothing (Ed25519 is deterministic)");

	struct {
		const char *old, *with;
		unsigned line;
		const char *what;
		const char *name;
	} cases[] = {
	    {"entry 4\n", "entry 5\n", 0, "entry 5 where entry 4 was expected",
	     "sequence: entry 4 numbered 5"},
	    {"entry 4\n", "entry 3\n", 0, "entry 3 where entry 4 was expected",
	     "sequence: entry 4 numbered 3 (a replay)"},
	    {"entry 4\n", "entry 04\n", 0, "expected 'entry N'", "sequence: a leading zero"},
	    {hex, hex2, 1, "the chain is broken", "prev: the hash of entry 2, not 3"},
	    {hex, "none", 1, "the chain is broken", "prev: none after the first"},
	    {hex, "0000000000000000000000000000000000000000000000000000000000000000", 1,
	     "the chain is broken", "prev: a hash of nothing"},
	    {"action remove\n", "action genesis\n", 3, "only the first entry is a genesis",
	     "action: a second genesis"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cf_buf_clear(&t);
		cf_buf_put(&t, full.ptr, full.len);
		replace_at(&t, s4, cases[i].old, cases[i].with);
		resign(&t, s4, alice);
		int rc = load_text(&t, &d);
		if (!ok(rc == -1 && one_error(&d, l4 + cases[i].line, cases[i].what),
			cases[i].name))
			explain(&d);
	}

	/* The genesis with a previous entry. */
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, cf_mlog_prefix_len(log5, 0));
	replace_at(&t, 0, "prev none",
		   "prev "
		   "0000000000000000000000000000000000000000000000000000000000000000");
	resign(&t, HEAD_LEN + 1, alice);
	ok(load_text(&t, &d) == -1 && one_error(&d, 4, "the first entry has no previous entry"),
	   "prev: the genesis names a previous entry");
	/* The genesis numbered 1. */
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, cf_mlog_prefix_len(log5, 0));
	replace_at(&t, 0, "entry 0", "entry 1");
	resign(&t, HEAD_LEN + 1, alice);
	ok(load_text(&t, &d) == -1 && one_error(&d, 3, "entry 1 where entry 0 was expected"),
	   "sequence: the first entry numbered 1");

	/* Whole entries left out, repeated or reordered. */
	size_t e3 = entry_start(log5, 3), e4 = s4;
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, e3 - 1);
	cf_buf_put(&t, full.ptr + e4 - 1, full.len - (e4 - 1));
	ok(load_text(&t, &d) == -1 &&
	       one_error(&d, line_of(full.ptr, e3), "entry 4 where entry 3 was expected"),
	   "sequence: entry 3 left out");
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, full.len);
	cf_buf_put(&t, full.ptr + e4 - 1, full.len - (e4 - 1));
	ok(load_text(&t, &d) == -1 &&
	       one_error(&d, line_of(full.ptr, full.len) + 1, "entry 4 where entry 5 was expected"),
	   "sequence: the last entry twice");
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, e3 - 1);
	cf_buf_put(&t, full.ptr + e4 - 1, full.len - (e4 - 1));
	cf_buf_put(&t, full.ptr + e3 - 1, e4 - e3);
	ok(load_text(&t, &d) == -1 && one_error(&d, line_of(full.ptr, e3), NULL),
	   "sequence: entries 3 and 4 swapped");
	cf_buf_clear(&t);
	cf_buf_put(&t, full.ptr, HEAD_LEN);
	cf_buf_put(&t, full.ptr + entry_start(log5, 1) - 1, full.len - (entry_start(log5, 1) - 1));
	ok(load_text(&t, &d) == -1 && one_error(&d, 3, "entry 1 where entry 0 was expected"),
	   "sequence: the genesis left out");
	cf_buf_free(&t);
	cf_diags_free(&d);
}

/* The log's own rules, with proper signatures. */
static void test_rules(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf text = CF_BUF_INIT;
	cf_mlog *m = NULL;
	cf_mlog *four = NULL;
	cf_mlog_load(&four, full.ptr, cf_mlog_prefix_len(log5, 3), PATH, &d);

	/* Removing bob without rotating what he held. */
	const char *gone[] = {"bob"};
	cf_mlog_draft rm = draft(CF_ACT_REMOVE);
	rm.removed = gone;
	rm.n_removed = 1;
	is_int(try_entry(&m, &text, four, &rm, alice, &d), -1,
	       "rules: removing bob without a rotation is refused");
	ok(one_error(&d, 0, "must rotate it"), "rules: the entry must rotate the keys he held");
	cf_diags_clear(&d);

	/* A member added without the keys they may hold. */
	cf_mlog_draft_member dave = person("dave", CF_ROLE_MEMBER, eve, NULL, 0);
	cf_mlog_draft add = draft(CF_ACT_ADD);
	add.members = &dave;
	add.n_members = 1;
	is_int(try_entry(&m, &text, log5, &add, alice, &d), -1,
	       "rules: a member given no key is refused");
	ok(one_error(&d, 0, "is not sealed to dave"), "rules: the keys are not sealed to dave");
	cf_diags_clear(&d);

	/* A key sealed to someone the log does not name. */
	cf_mlog_draft_seal to_eve[] = {seal(k3, "alice", alice), seal(k3, "eve", eve)};
	cf_key *k4 = NULL;
	cf_key_generate(&k4);
	cf_mlog_draft_key key = {k4, NULL};
	to_eve[0].key = k4;
	to_eve[1].key = k4;
	cf_mlog_draft rot = draft(CF_ACT_ROTATE);
	rot.keys = &key;
	rot.n_keys = 1;
	rot.seals = to_eve;
	rot.n_seals = 2;
	is_int(try_entry(&m, &text, log5, &rot, alice, &d), -1,
	       "rules: a key sealed to a stranger is refused");
	ok(one_error(&d, line_of(text.ptr, text.len) - 3, "who is not a member"),
	   "rules: eve is not a member, at the seal line");
	cf_diags_clear(&d);
	/* The repository key sealed to carol, who reads one case. */
	to_eve[1] = seal(k4, "carol", carol);
	is_int(try_entry(&m, &text, log5, &rot, alice, &d), -1,
	       "rules: the repository key sealed to a case member is refused");
	ok(one_error(&d, 0, "whose role does not allow it"), "rules: carol's role does not");
	cf_diags_clear(&d);
	/* The same rotation sealed to alice alone verifies. */
	rot.n_seals = 1;
	is_int(try_entry(&m, &text, log5, &rot, alice, &d), 0,
	       "rules: the rotation sealed to alice alone verifies");
	ok(m && cf_mlog_entries(m) == 6 && cf_mlog_scope_key(m, NULL) &&
	       memcmp(cf_mlog_scope_key(m, NULL)->id, cf_key_id(k4), CF_KEYID_BYTES) == 0,
	   "rules: and k4 is the repository key now");
	cf_mlog_free(m);
	m = NULL;

	/* The last admin cannot go. */
	const char *alice_gone[] = {"alice"};
	rm.removed = alice_gone;
	is_int(try_entry(&m, &text, log5, &rm, alice, &d), -1,
	       "rules: removing the last admin is refused");
	ok(one_error(&d, 0, "no member is an admin"), "rules: no admin would be left");
	cf_diags_clear(&d);

	is_int(cf_role_parse(&(cf_role){0}, "owner"), -1, "names: 'owner' is no role");
	cf_role r = CF_ROLE_ADMIN;
	ok(cf_role_parse(&r, "case") == 0 && r == CF_ROLE_CASE, "names: 'case' is a role");
	is_str(cf_role_name(CF_ROLE_MEMBER), "member", "names: role member");
	is_str(cf_action_name(CF_ACT_REVOKE), "revoke", "names: action revoke");
	ok(cf_mlog_case_id_valid("2026-003") && !cf_mlog_case_id_valid("../x") &&
	       !cf_mlog_case_id_valid(".x") && !cf_mlog_case_id_valid("") &&
	       !cf_mlog_case_id_valid("a,b"),
	   "names: case ids");
	cf_key_free(k4);
	cf_mlog_free(four);
	cf_buf_free(&text);
	cf_diags_free(&d);
}

/* ---- not a log ---- */

static void test_truncated(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	size_t whole = 0, refused = 0, boundaries = 0;
	for (size_t n = 0; n < full.len; n++) {
		int boundary = n == 0 || n == HEAD_LEN;
		size_t entries = 0;
		for (size_t e = 0; e < 5; e++)
			if (n == cf_mlog_prefix_len(log5, e)) {
				boundary = 1;
				entries = e + 1;
			}
		boundaries += boundary;
		cf_mlog *m = NULL;
		cf_diags_clear(&d);
		int rc = cf_mlog_load(&m, full.ptr, n, PATH, &d);
		if (boundary) {
			whole += rc == 0 && m && cf_mlog_entries(m) == entries && d.len == 0;
		} else if (rc == -1 && !m && one_error(&d, 0, NULL)) {
			/* As it is printed: FILE:LINE:COL: error[crypt/untrusted]: ... */
			cf_buf_clear(&t);
			cf_diag_format_text(&t, &d.items[0]);
			cf_buf want = CF_BUF_INIT;
			cf_buf_printf(&want, "%s:%u:1: error[crypt/untrusted]: ", PATH,
				      d.items[0].line);
			refused += strncmp(t.ptr, want.ptr, want.len) == 0 &&
				   d.items[0].line <= line_of(full.ptr, n) + 1;
			cf_buf_free(&want);
		} else if (refused + boundaries == n) {
			printf("# %zu bytes: rc %d\n", n, rc);
			explain(&d);
		}
		cf_mlog_free(m);
	}
	is_int(boundaries, 6, "truncated: six places a shorter log may end");
	is_int(whole, 6, "truncated: cut there, a shorter log");
	is_int(refused, full.len - 6,
	       "truncated: cut anywhere else, one error FILE:LINE:1 at or before the cut");

	static const char *const ends[] = {
	    CF_MLOG_HEAD "\n\n",
	    CF_MLOG_HEAD "\n\nentry 0\n",
	    CF_MLOG_HEAD "\n\nentry 0\nprev none\ndate " DATE "\naction genesis\n",
	    CF_MLOG_HEAD "\n\nentry 0\nprev none\ndate " DATE "\naction genesis\nsigner alice",
	};
	static const char *const say[] = {
	    "ends with a blank line",
	    "ends where 'prev' was expected",
	    "ends where 'signer' was expected",
	    "does not end with a newline",
	};
	static const unsigned at[] = {3, 4, 7, 7};
	for (size_t i = 0; i < sizeof(ends) / sizeof(*ends); i++) {
		cf_buf_clear(&t);
		cf_buf_puts(&t, ends[i]);
		if (!ok(load_text(&t, &d) == -1 && one_error(&d, at[i], say[i]), say[i]))
			explain(&d);
	}
	cf_buf_free(&t);
	cf_diags_free(&d);
}

static void test_garbage(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	struct {
		const char *text;
		size_t len; /* 0: strlen */
		unsigned line;
		const char *what;
	} bad[] = {
	    {"hello\n", 0, 1, "not a member log"},
	    {"casefile-members-log 1", 0, 1, "not a member log"},
	    {"casefile-members-log 2\n", 0, 1, "not a member log"},
	    {"casefile-members-log 1\r\n\r\n", 0, 1, "not a member log"},
	    {"casefile-members-log 1\nentry 0\n", 0, 2, "a blank line must come before"},
	    {"casefile-members-log 1\n\nentry x\n", 0, 3, "expected 'entry N'"},
	    {"casefile-members-log 1\n\nentry  0\n", 0, 3, "an empty field"},
	    {"casefile-members-log 1\n\nprev none\n", 0, 3, "expected 'entry N'"},
	    {"casefile-members-log 1\n\nentry 0\nprev none\ndate yesterday\n", 0, 5,
	     "expected 'date"},
	    {"casefile-members-log 1\n\nentry 0\nprev none\ndate " DATE "\naction promote\n", 0, 6,
	     "expected 'action ACTION'"},
	    {"casefile-members-log 1\n\nentry 0\nprev none\ndate " DATE
	     "\naction genesis\nwho alice\n",
	     0, 7, "not a line of a member log entry"},
	    {"casefile-members-log 1\n\nentry 0\nprev none\ndate " DATE
	     "\naction genesis\nmember alice admin AAAA - -\n",
	     0, 7, "not 32 bytes"},
	    {"casefile-members-log 1\n\nentry 0\nprev none\ndate " DATE
	     "\naction genesis\nsigner alice\nmember alice admin AAAA - -\n",
	     0, 8, "expected 'signature"},
	    {"casefile-members-log 1\n\nentry 999999999999\n", 0, 3, "expected 'entry N'"},
	    {"casefile-members-log 1\n\x00\n", 25, 0, "NUL"},
	    {"\xff\xfe\x00\x01garbage", 11, 0, "NUL"},
	    {"\xff\xfe\x01garbage\n", 0, 1, "not a member log"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cf_buf_clear(&t);
		cf_buf_put(&t, bad[i].text, bad[i].len ? bad[i].len : strlen(bad[i].text));
		int rc = load_text(&t, &d);
		int good =
		    rc == -1 && d.len == 1 && strcmp(d.items[0].rule, "crypt/untrusted") == 0 &&
		    d.items[0].line == bad[i].line && d.items[0].col == (bad[i].line ? 1u : 0u) &&
		    strstr(d.items[0].message, bad[i].what);
		cf_buf name = CF_BUF_INIT;
		cf_buf_printf(&name, "garbage %zu: line %u, '%s'", i, bad[i].line, bad[i].what);
		if (!ok(good, name.ptr))
			explain(&d);
		cf_buf_free(&name);
	}
	/* A long line in an entry. */
	cf_buf_clear(&t);
	cf_buf_puts(&t, CF_MLOG_HEAD "\n\nentry 0\nprev ");
	for (int i = 0; i < 5000; i++)
		cf_buf_putc(&t, 'a');
	cf_buf_puts(&t, "\n");
	ok(load_text(&t, &d) == -1 && one_error(&d, 4, "longer than"), "garbage: a line too long");
	/* Larger than a log may be. */
	cf_buf_clear(&t);
	cf_buf_grow(&t, CF_MLOG_MAX_BYTES + 2);
	cf_buf_puts(&t, CF_MLOG_HEAD "\n");
	while (t.len <= CF_MLOG_MAX_BYTES)
		cf_buf_puts(&t, "\n");
	ok(load_text(&t, &d) == -1 && d.len == 1 && strstr(d.items[0].message, "larger than"),
	   "garbage: a log over 16 MiB is refused whole");
	/* The log written with CRLF line ends, as a Windows checkout might. */
	cf_buf_clear(&t);
	for (size_t i = 0; i < full.len; i++) {
		if (full.ptr[i] == '\n')
			cf_buf_putc(&t, '\r');
		cf_buf_putc(&t, full.ptr[i]);
	}
	ok(load_text(&t, &d) == -1 && one_error(&d, 1, NULL), "garbage: CRLF line ends refused");
	cf_buf_free(&t);
	cf_diags_free(&d);
}

/* Random edits of the log: no crash, never accepted, always a diagnostic. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_fuzz(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf t = CF_BUF_INIT;
	static const char alphabet[] = "\n \0=+/-:,aAzZ09entrypvsigm";
	size_t tries = 0, good = 0;
	for (int round = 0; round < 3000; round++) {
		cf_buf_clear(&t);
		cf_buf_put(&t, full.ptr, full.len);
		int edits = 1 + (int)(next_random() % 3);
		for (int k = 0; k < edits; k++) {
			size_t p = (size_t)(next_random() % t.len);
			int kind = (int)(next_random() % 3);
			char c = (next_random() & 1)
				     ? alphabet[next_random() % (sizeof(alphabet) - 1)]
				     : (char)(next_random() & 0xff);
			if (kind == 0) {
				t.ptr[p] = c;
			} else if (kind == 1) {
				memmove(t.ptr + p, t.ptr + p + 1, t.len - p - 1);
				t.len--;
			} else {
				cf_buf_putc(&t, 0);
				memmove(t.ptr + p + 1, t.ptr + p, t.len - p - 1);
				t.ptr[p] = c;
			}
		}
		if (t.len == full.len && memcmp(t.ptr, full.ptr, t.len) == 0)
			continue;
		tries++;
		int rc = load_text(&t, &d);
		int all = d.len >= 1;
		for (size_t i = 0; i < d.len; i++)
			all &= strcmp(d.items[i].rule, "crypt/untrusted") == 0 &&
			       strcmp(d.items[i].file, PATH) == 0;
		good += rc == -1 && all;
	}
	ok(tries > 2500, "fuzz: many edited logs");
	is_int(good, tries, "fuzz: every edited log refused, with a crypt/untrusted diagnostic");
	cf_buf_free(&t);
	cf_diags_free(&d);
}

int main(void)
{
	if (cf_init() != 0) {
		printf("Bail out! cf_init failed\n");
		return 1;
	}
	if (cf_identity_generate(&alice) || cf_identity_generate(&bob) ||
	    cf_identity_generate(&carol) || cf_identity_generate(&eve) || cf_key_generate(&k1) ||
	    cf_key_generate(&kc) || cf_key_generate(&k2) || cf_key_generate(&k3) ||
	    cf_key_generate(&kc2)) {
		printf("Bail out! keys\n");
		return 1;
	}
	build();
	test_empty();
	test_genesis_text();
	test_chain();
	test_state();
	test_every_byte();
	test_signature();
	test_chain_broken();
	test_rules();
	test_truncated();
	test_garbage();
	test_fuzz();

	cf_mlog_free(log5);
	cf_buf_free(&full);
	cf_key_free(k1);
	cf_key_free(kc);
	cf_key_free(k2);
	cf_key_free(k3);
	cf_key_free(kc2);
	cf_identity_free(alice);
	cf_identity_free(bob);
	cf_identity_free(carol);
	cf_identity_free(eve);
	return tap_done();
}
