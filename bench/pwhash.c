/* bench/pwhash: what one Argon2id13 derivation (crypto_pwhash, as lib/identity and lib/crypt
 * call it for a passphrase-protected identity or key export) costs at libsodium's INTERACTIVE
 * limits (casefile before the member log) and MODERATE (after; the floor for files
 * that leave the machine).  Prints, per line, the best of RUNS (default 3):
 *   NAME opslimit memlimit_MiB ms
 * Built against libsodium by bench/filter.sh.  Usage: pwhash [RUNS] */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3;
	if (sodium_init() < 0 || runs < 1)
		return 1;
	static const struct {
		const char *name;
		unsigned long long ops;
		size_t mem;
	} limits[] = {
	    {"INTERACTIVE", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
	    {"MODERATE", crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE},
	};
	const char pass[] = "correct horse battery staple";
	unsigned char salt[crypto_pwhash_SALTBYTES] = {0};
	unsigned char key[32];
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		double best = 1e30;
		for (int r = 0; r < runs; r++) {
			double t0 = now_s();
			if (crypto_pwhash(key, sizeof(key), pass, sizeof(pass) - 1, salt,
					  limits[i].ops, limits[i].mem,
					  crypto_pwhash_ALG_ARGON2ID13) != 0) {
				fprintf(stderr, "pwhash: crypto_pwhash failed (out of memory?)\n");
				return 1;
			}
			double t = now_s() - t0;
			if (t < best)
				best = t;
		}
		printf("%s %llu %zu %.1f\n", limits[i].name, limits[i].ops, limits[i].mem >> 20,
		       best * 1e3);
	}
	return 0;
}
