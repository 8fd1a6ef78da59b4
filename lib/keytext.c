#include "keytext.h"

#include <limits.h>
#include <sodium.h>
#include <string.h>

#include "crypt.h"

/* libsodium's standard, padded base64: the key files' encoding. */
#define B64 sodium_base64_VARIANT_ORIGINAL

cf_diag *cf_keytext_diag(cf_diags *diags, const char *path, unsigned line, const char *rule,
			 const char *msg)
{
	if (!diags)
		return NULL;
	return cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", line, 0, rule, "%s", msg);
}
void cf_keytext_errno(cf_diags *diags, const char *path, const char *what, int err)
{
	if (diags)
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "crypt/key-io", "%s: %s",
			     what, strerror(err));
}
/* Decodes exactly want bytes of standard base64 (padded) into out. */
int cf_keytext_b64(unsigned char *out, size_t want, const char *s, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	if (sodium_base642bin(out, want, s, n, NULL, &got, &end, B64) != 0 || got != want ||
	    end != s + n) {
		sodium_memzero(out, want);
		return -1;
	}
	return 0;
}
/* Returns 1 with the next line (without its "\n" or "\r\n"), 0 at the end of the text. */
int cf_keytext_next(cf_keytext *it, const char **s, size_t *n)
{
	if (it->p >= it->end)
		return 0;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const char *stop = nl ? nl : it->end;
	*s = it->p;
	*n = (size_t)(stop - it->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	it->p = nl ? nl + 1 : it->end;
	it->no++;
	return 1;
}
int cf_keytext_end(cf_keytext *it, const char *path, cf_diags *diags)
{
	const char *s;
	size_t n;
	while (cf_keytext_next(it, &s, &n)) {
		if (n != 0) {
			cf_keytext_diag(diags, path, it->no, "crypt/key-format",
					"unexpected text after the key");
			return CF_CRYPT_EKEYFORMAT;
		}
	}
	return 0;
}
int cf_keytext_u64(unsigned long long *out, const char *s, size_t n)
{
	unsigned long long v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
