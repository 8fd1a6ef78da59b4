#include "keytext.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void cf_keytext_loose_mode(cf_diags *diags, const char *path, const char *what, mode_t mode,
			   const char *chmod_mode)
{
	if (!diags)
		return;
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/key-permissions",
				  "the %s can be read or written by other users (mode %04o); it "
				  "was not used",
				  what, (unsigned)(mode & 07777));
	if (!d)
		return;
	cf_buf h = CF_BUF_INIT;
	cf_buf_printf(&h, "run: chmod %s ", chmod_mode);
	cf_buf_put_shell_word(&h, path);
	if (cf_buf_oom(&h))
		diags->oom = 1;
	else
		cf_diag_hint(diags, d, "%s", h.ptr);
	cf_buf_free(&h);
}

/* Reads a file that holds a secret into sodium_malloc memory (*text, NUL-terminated, to be
 * sodium_free'd).  check_mode: refuse a file group or others may read or write. */
int cf_keytext_read_secret(char **text, size_t *len, const char *path, size_t max, const char *what,
			   int check_mode, cf_diags *diags)
{
	*text = NULL;
	*len = 0;
	int rc = CF_CRYPT_ERROR;
	cf_buf msg = CF_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cf_buf_printf(&msg, "cannot open the %s", what);
		cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
		cf_buf_free(&msg);
		return CF_CRYPT_ERROR;
	}
	struct stat st;
	char *t = NULL;
	if (fstat(fd, &st) != 0) {
		cf_buf_printf(&msg, "cannot read the %s", what);
		cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cf_buf_printf(&msg, "the %s is not a regular file", what);
		cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	if (check_mode && (st.st_mode & 077)) {
		cf_keytext_loose_mode(diags, path, what, st.st_mode, "600");
		rc = CF_CRYPT_EPERMISSIONS;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		cf_buf_printf(&msg, "the %s is too large to be one", what);
		cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
		rc = CF_CRYPT_EKEYFORMAT;
		goto out;
	}
	t = sodium_malloc(max + 2);
	if (!t) {
		cf_keytext_diag(diags, path, 0, "crypt/key-io", "out of memory");
		goto out;
	}
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, t + got, max + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cf_buf_printf(&msg, "cannot read the %s", what);
			cf_keytext_errno(diags, path, cf_buf_cstr(&msg), errno);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			cf_buf_printf(&msg, "the %s is too large to be one", what);
			cf_keytext_diag(diags, path, 0, "crypt/key-format", cf_buf_cstr(&msg));
			rc = CF_CRYPT_EKEYFORMAT;
			goto out;
		}
	}
	t[got] = '\0';
	*text = t;
	*len = got;
	t = NULL;
	rc = 0;
out:
	if (t)
		sodium_free(t);
	close(fd);
	cf_buf_free(&msg);
	return rc;
}
