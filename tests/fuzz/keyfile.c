/* Key files and the trust pin, the small secret and pinned files of a clone's git directory:
 * each input is written as GIT_DIR/casefile/keys/KEYID.key (KEYID the fixed key's, so a seed
 * of that key loads) and read by cf_key_load and by cf_keystore_load, and as
 * GIT_DIR/casefile/trust, read by cf_trust_pin_load.  A key that loads is saved and loaded
 * again, and must be the same key. */
#include "fuzz.h"
#include "keys.h"
#include "trust.h"

static char git_dir[PATH_MAX], key_path[PATH_MAX], pin_path[PATH_MAX], again_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	const char *dir = fuzz_dir("keyfile");
	fuzz_path(git_dir, dir, "git");
	char keys[PATH_MAX], hex[CF_KEYID_HEX_BYTES], name[64];
	fuzz_path(keys, git_dir, "casefile/keys");
	FUZZ_ASSERT(cf_mkdirs(keys, 0700) == 0);
	cf_key *k = fuzz_key();
	cf_keyid_hex(hex, cf_key_id(k));
	cf_key_free(k);
	snprintf(name, sizeof(name), "%s.key", hex);
	fuzz_path(key_path, keys, name);
	fuzz_path(pin_path, git_dir, CF_TRUST_PIN_FILE);
	fuzz_path(again_path, dir, "again.key");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(fuzz_write(key_path, data, size, 0600) == 0);
	cf_diags d = CF_DIAGS_INIT;
	cf_key *k = NULL;
	int rc = cf_key_load(&k, key_path, &d);
	FUZZ_ASSERT((rc == 0) == (k != NULL));
	FUZZ_ASSERT(rc == 0 ? d.len == 0 : cf_diags_count(&d, CF_SEV_ERROR) > 0);
	if (k) {
		cf_key *again = NULL;
		FUZZ_ASSERT(cf_key_save(k, again_path, &d) == 0);
		FUZZ_ASSERT(cf_key_load(&again, again_path, &d) == 0);
		FUZZ_ASSERT(memcmp(cf_key_id(k), cf_key_id(again), CF_KEYID_BYTES) == 0);
		FUZZ_ASSERT(memcmp(cf_key_secret(k), cf_key_secret(again), CF_KEY_BYTES) == 0);
		cf_key_free(again);
		cf_key_free(k);
	}
	cf_keyring *ring = NULL;
	rc = cf_keystore_load(&ring, git_dir, &d);
	FUZZ_ASSERT((rc == 0) == (ring != NULL));
	cf_keyring_free(ring);

	FUZZ_ASSERT(fuzz_write(pin_path, data, size, 0600) == 0);
	cf_trust_pin pin;
	rc = cf_trust_pin_load(&pin, git_dir, &d);
	FUZZ_ASSERT(rc == 0 ? pin.pinned : rc == -1 && !pin.pinned);
	fuzz_diags_drain(&d);
	return 0;
}
