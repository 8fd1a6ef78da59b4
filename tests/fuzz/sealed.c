/* Sealed keys (lib/keys cf_key_unseal): the text of a seal line of the member log, opened with
 * alice's identity, the member every seed is sealed to.  Opened with no expectation and with
 * the fixed key's id and commitment; a key that opens has the id asked for. */
#include "fuzz.h"
#include "keys.h"

static cf_identity *alice;
static cf_key *fixed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	alice = fuzz_identity(fuzz_dir("sealed"));
	fixed = fuzz_key();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	FUZZ_ASSERT(text);
	if (size)
		memcpy(text, data, size);
	cf_diags d = CF_DIAGS_INIT;
	for (int expect = 0; expect < 2; expect++) {
		cf_key *k = NULL;
		int rc = cf_key_unseal(&k, text, size, expect ? cf_key_id(fixed) : NULL,
				       expect ? cf_key_commitment(fixed) : NULL, alice,
				       ".casefile/members.log", &d);
		FUZZ_ASSERT((rc == 0) == (k != NULL));
		if (k && expect)
			FUZZ_ASSERT(memcmp(cf_key_secret(k), cf_key_secret(fixed), CF_KEY_BYTES) ==
				    0);
		cf_key_free(k);
	}
	fuzz_diags_drain(&d);
	free(text);
	return 0;
}
