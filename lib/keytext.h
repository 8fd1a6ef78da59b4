/* lib/keytext: the line-oriented text of key, identity and export files ("name value" lines
 * after a head line), read the same way by lib/crypt and lib/keys.  The text is secret: it
 * is only ever read in place, from memory the caller wipes. */
#ifndef CF_KEYTEXT_H
#define CF_KEYTEXT_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

typedef struct cf_keytext {
	const char *p;
	const char *end;
	unsigned no; /* number of the line last returned */
} cf_keytext;

cf_diag *cf_keytext_diag(cf_diags *diags, const char *path, unsigned line, const char *rule,
			 const char *msg);
void cf_keytext_errno(cf_diags *diags, const char *path, const char *what, int err);
int cf_keytext_b64(unsigned char *out, size_t want, const char *s, size_t n);
int cf_keytext_next(cf_keytext *it, const char **s, size_t *n);
int cf_keytext_end(cf_keytext *it, const char *path, cf_diags *diags);
int cf_keytext_u64(unsigned long long *out, const char *s, size_t n);
/* crypt/key-permissions at path: the WHAT can be read or written by others (mode), with a
 * hint to run chmod CHMOD_MODE. */
void cf_keytext_loose_mode(cf_diags *diags, const char *path, const char *what, mode_t mode,
			   const char *chmod_mode);
/* Reads a file that holds a secret into sodium_malloc memory (*text, NUL-terminated, to be
 * sodium_free'd), at most max bytes.  check_mode: refuse a file group or others may read or
 * write (crypt/key-permissions).  Diagnostics name the file as the WHAT. */
int cf_keytext_read_secret(char **text, size_t *len, const char *path, size_t max, const char *what,
			   int check_mode, cf_diags *diags);

#endif
