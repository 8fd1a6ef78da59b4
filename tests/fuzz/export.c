/* Passphrase exports of a key (cf_key_import_passphrase), as a member brings one back from a
 * backup: any text gives a key or a crypt/key-format or crypt/passphrase diagnostic.  Argon2id
 * is replaced by a cheap stand-in (FUZZ_FAKE_PWHASH, fuzz.h) so each input costs microseconds
 * whatever limits it names; the seeds are made with the same stand-in and the passphrase
 * below, so the box opens and what follows is reached.  A key imported is exported and
 * imported again, and must be the same key. */
#define FUZZ_FAKE_PWHASH
#include "fuzz.h"

#define PASS "correct horse battery staple"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

static int import(cf_key **k, const char *text, size_t len, const char *pass, size_t passlen)
{
	cf_diags d = CF_DIAGS_INIT;
	int rc = cf_key_import_passphrase(k, text, len, "key.export", pass, passlen, &d);
	FUZZ_ASSERT((rc == 0) == (*k != NULL));
	FUZZ_ASSERT(rc == 0 ? d.len == 0 : cf_diags_count(&d, CF_SEV_ERROR) > 0);
	fuzz_diags_drain(&d);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	FUZZ_ASSERT(text);
	if (size)
		memcpy(text, data, size);
	cf_key *k = NULL;
	if (import(&k, text, size, PASS, strlen(PASS)) == 0) {
		cf_buf out = CF_BUF_INIT;
		cf_key *again = NULL;
		FUZZ_ASSERT(cf_key_export_passphrase(&out, k, PASS, strlen(PASS)) == 0);
		FUZZ_ASSERT(import(&again, out.ptr, out.len, PASS, strlen(PASS)) == 0);
		FUZZ_ASSERT(memcmp(cf_key_secret(k), cf_key_secret(again), CF_KEY_BYTES) == 0);
		cf_key_free(again);
		cf_buf_free(&out);
		cf_key_free(k);
	}
	/* the input as a passphrase, too: its length, and any bytes in it */
	(void)cf_passphrase_acceptable(text, size);
	k = NULL;
	if (import(&k, "", 0, text, size) == 0)
		FUZZ_ASSERT(!"an empty export imported");
	free(text);
	return 0;
}
