/* Identity files and public lines (lib/identity): each input is written as an identity file
 * (mode 0600) and read every way casefile reads one -- protected or not, its public keys
 * without the passphrase, the whole with the passphrase of the seeds and without one -- and
 * as a public line (cf_pubkeys_parse), a fingerprint as typed (cf_fingerprint_matches) and a
 * member name.  An identity that loads is saved and loaded again with the same keys; a public
 * line that parses is formatted and parses to the same keys.  Argon2id is the cheap stand-in
 * of fuzz.h (FUZZ_FAKE_PWHASH). */
#define FUZZ_FAKE_PWHASH
#include "fuzz.h"

#define PASS "correct horse battery staple"

static char path[PATH_MAX], again[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	const char *dir = fuzz_dir("identity");
	fuzz_path(path, dir, "identity");
	fuzz_path(again, dir, "again");
	return 0;
}

static int same_pub(const cf_pubkeys *a, const cf_pubkeys *b)
{
	return memcmp(a->box, b->box, sizeof(a->box)) == 0 && a->has_sign == b->has_sign &&
	       (!a->has_sign || memcmp(a->sign, b->sign, sizeof(a->sign)) == 0);
}

static void loaded(const cf_identity *id, const cf_pubkeys *read_pub, int protected_)
{
	cf_diags d = CF_DIAGS_INIT;
	const cf_pubkeys *pub = cf_identity_public(id);
	FUZZ_ASSERT(pub);
	if (read_pub)
		FUZZ_ASSERT(same_pub(pub, read_pub));
	unsigned char sig[CF_SIGNATURE_BYTES];
	if (cf_identity_can_sign(id)) {
		FUZZ_ASSERT(cf_identity_sign(id, sig, "m", 1) == 0);
		FUZZ_ASSERT(cf_signature_valid(pub->sign, sig, "m", 1));
	} else {
		FUZZ_ASSERT(cf_identity_sign(id, sig, "m", 1) == -1);
	}
	FUZZ_ASSERT(cf_identity_save(id, again, protected_ ? PASS : NULL,
				     protected_ ? strlen(PASS) : 0, &d) == 0);
	cf_identity *id2 = NULL;
	FUZZ_ASSERT(cf_identity_load(&id2, again, PASS, strlen(PASS), &d) == 0);
	FUZZ_ASSERT(same_pub(pub, cf_identity_public(id2)));
	cf_identity_free(id2);
	FUZZ_ASSERT(d.len == 0);
	cf_diags_free(&d);
}

static void as_file(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(fuzz_write(path, data, size, 0600) == 0);
	cf_diags d = CF_DIAGS_INIT;
	int prot = cf_identity_is_protected(path);
	FUZZ_ASSERT(prot >= -1 && prot <= 1);
	cf_pubkeys pub;
	int has_pub = cf_identity_read_public(&pub, path, &d) == 0;
	const char *passes[2] = {PASS, NULL};
	for (int i = 0; i < 2; i++) {
		cf_identity *id = NULL;
		int rc = cf_identity_load(&id, path, passes[i], passes[i] ? strlen(PASS) : 0, &d);
		FUZZ_ASSERT((rc == 0) == (id != NULL));
		if (id) {
			loaded(id, has_pub ? &pub : NULL, prot == 1);
			cf_identity_free(id);
		}
	}
	fuzz_diags_drain(&d);
}

static void as_line(const char *s)
{
	cf_pubkeys pub;
	if (cf_pubkeys_parse(&pub, s) == 0) {
		cf_buf line = CF_BUF_INIT;
		cf_pubkeys_format(&line, &pub);
		FUZZ_ASSERT(!cf_buf_oom(&line));
		cf_pubkeys back;
		FUZZ_ASSERT(cf_pubkeys_parse(&back, line.ptr) == 0 && same_pub(&pub, &back));
		char fp[CF_FINGERPRINT_BYTES];
		cf_pubkeys_fingerprint(fp, &pub);
		FUZZ_ASSERT(cf_fingerprint_matches(fp, fp));
		cf_buf_free(&line);
	}
	char fp[CF_FINGERPRINT_BYTES] = "K7QM-3XPA-9D2F-WBNC";
	(void)cf_fingerprint_matches(fp, s);
	(void)cf_member_name_valid(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_file(data, size);
	char *s = fuzz_cstr(data, size);
	as_line(s);
	free(s);
	return 0;
}
