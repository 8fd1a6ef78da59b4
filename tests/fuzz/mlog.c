/* The signed member log (lib/mlog cf_mlog_load), which anyone who can push may have changed.
 * Each input is loaded twice: as it is, and re-signed -- every entry's prev line set to the
 * hash of the entry before it as the input now stands, and its signature line replaced by
 * alice's signature (the admin of every seed) -- so that mutations get past the chain and the
 * signatures to the rules of the replay, which a random change would never reach otherwise.
 * A log that loads has every accessor asked, and each of its prefixes must load too. */
#include "fuzz.h"
#include "mlog.h"

static cf_identity *alice;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	alice = fuzz_identity(fuzz_dir("mlog"));
	return 0;
}

static int starts(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n >= w && memcmp(s, word, w) == 0;
}

/* The input with every entry chained and signed again by alice. */
static void resign(cf_buf *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t start = 0, signed_end = 0;
	int in_entry = 0, have_prev = 0;
	unsigned char prev[CF_HASH_BYTES];
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (starts(p, n, "entry ")) {
			in_entry = 1;
			start = out->len;
			signed_end = 0;
		}
		if (in_entry && have_prev && starts(p, n, "prev ") && !starts(p, n, "prev none")) {
			char hex[2 * CF_HASH_BYTES + 1];
			sodium_bin2hex(hex, sizeof(hex), prev, sizeof(prev));
			cf_buf_printf(out, "prev %s\n", hex);
		} else if (in_entry && starts(p, n, "signature ")) {
			if (!signed_end)
				signed_end = out->len;
			size_t dl = sizeof(CF_MLOG_SIGN_DOMAIN), ml = dl + (signed_end - start);
			unsigned char *msg = malloc(ml);
			FUZZ_ASSERT(msg && !cf_buf_oom(out));
			memcpy(msg, CF_MLOG_SIGN_DOMAIN, dl);
			memcpy(msg + dl, out->ptr + start, signed_end - start);
			unsigned char sig[CF_SIGNATURE_BYTES];
			FUZZ_ASSERT(cf_identity_sign(alice, sig, msg, ml) == 0);
			free(msg);
			char b64[sodium_base64_ENCODED_LEN(CF_SIGNATURE_BYTES,
							   sodium_base64_VARIANT_ORIGINAL)];
			sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
					  sodium_base64_VARIANT_ORIGINAL);
			cf_buf_printf(out, "signature %s%s", b64, nl ? "\n" : "");
			FUZZ_ASSERT(!cf_buf_oom(out));
			crypto_generichash_state st;
			crypto_generichash_init(&st, NULL, 0, CF_HASH_BYTES);
			crypto_generichash_update(&st, (const unsigned char *)CF_MLOG_HASH_DOMAIN,
						  sizeof(CF_MLOG_HASH_DOMAIN));
			crypto_generichash_update(&st, (const unsigned char *)out->ptr + start,
						  out->len - start);
			crypto_generichash_final(&st, prev, CF_HASH_BYTES);
			have_prev = 1;
			in_entry = 0;
		} else {
			cf_buf_put(out, p, nl ? n + 1 : n);
			if (in_entry && starts(p, n, "signer "))
				signed_end = out->len;
		}
		p = nl ? nl + 1 : end;
	}
	FUZZ_ASSERT(!cf_buf_oom(out));
}

/* Everything a loaded log answers. */
static void ask(const cf_mlog *m, int prefixes)
{
	size_t n = cf_mlog_entries(m);
	size_t len = 0;
	const char *text = cf_mlog_text(m, &len);
	char fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, m);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(cf_mlog_entry_hash(m, i) && cf_mlog_prefix_len(m, i) <= len);
		FUZZ_ASSERT(cf_action_name(cf_mlog_entry_action(m, i)));
		FUZZ_ASSERT(cf_mlog_entry_signer(m, i) && cf_mlog_entry_date(m, i));
		if (prefixes && i + 1 < n) {
			cf_mlog *p = NULL;
			cf_diags d = CF_DIAGS_INIT;
			FUZZ_ASSERT(cf_mlog_load(&p, text, cf_mlog_prefix_len(m, i), NULL, &d) ==
				    0);
			FUZZ_ASSERT(cf_mlog_entries(p) == i + 1);
			cf_mlog_free(p);
			cf_diags_free(&d);
		}
	}
	for (size_t i = 0; i < cf_mlog_members(m); i++) {
		const cf_mlog_member *mem = cf_mlog_member_at(m, i);
		FUZZ_ASSERT(mem && mem->name && cf_mlog_member_named(m, mem->name) == mem);
		FUZZ_ASSERT(cf_role_name(mem->role) && cf_member_name_valid(mem->name));
		if (mem->active)
			FUZZ_ASSERT(cf_mlog_member_by_box(m, mem->pub.box) != NULL);
		for (size_t c = 0; c < mem->n_cases; c++) {
			FUZZ_ASSERT(cf_mlog_case_id_valid(mem->cases[c]));
			(void)cf_mlog_key_for_case(m, mem->cases[c], strlen(mem->cases[c]));
			(void)cf_mlog_scope_key(m, mem->cases[c]);
		}
		for (size_t k = 0; k < cf_mlog_keys(m); k++) {
			const cf_mlog_key *key = cf_mlog_key_at(m, k);
			if (mem->active)
				(void)cf_mlog_allowed(mem, key);
			(void)cf_mlog_seal_for(m, k, mem->name);
		}
	}
	for (size_t k = 0; k < cf_mlog_keys(m); k++) {
		const cf_mlog_key *key = cf_mlog_key_at(m, k);
		FUZZ_ASSERT(key && cf_mlog_key_by_id(m, key->id) != NULL);
		FUZZ_ASSERT(!key->scope || cf_mlog_case_id_valid(key->scope));
	}
	for (size_t s = 0; s < cf_mlog_seals(m); s++) {
		const cf_mlog_seal *seal = cf_mlog_seal_at(m, s);
		FUZZ_ASSERT(seal && seal->key < cf_mlog_keys(m) && seal->member && seal->sealed);
	}
	(void)cf_mlog_scope_key(m, NULL);
	(void)cf_mlog_key_for_case(m, "2026-001", 8);
}

static void load(const char *text, size_t len, int prefixes)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_mlog *m = NULL;
	int rc = cf_mlog_load(&m, text, len, CF_MLOG_PATH, &d);
	if (rc == 0) {
		FUZZ_ASSERT(m && d.len == 0);
		ask(m, prefixes);
		cf_mlog_free(m);
	} else {
		FUZZ_ASSERT(rc == -1 && m == NULL && cf_diags_count(&d, CF_SEV_ERROR) == 1);
		FUZZ_ASSERT(strcmp(d.items[0].rule, "crypt/untrusted") == 0);
	}
	fuzz_diags_drain(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	load(copy, size, 0);
	cf_buf again = CF_BUF_INIT;
	resign(&again, copy, size);
	load(again.ptr ? again.ptr : "", again.len, 1);
	cf_buf_free(&again);
	free(copy);
	return 0;
}
