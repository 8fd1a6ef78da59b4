/* seal-blob: encrypts stdin as casefile stores a file, with a key file of a clone's key
 * store -- what a member who holds one key can make for any path, so that the command-line
 * tests can show that a blob under the wrong key, or in the format of an older casefile,
 * is refused where it must be.  A test tool: built for `make check`, never installed.
 *
 *   seal-blob KEYFILE PATH [v1] < plaintext > blob
 *
 * Exit 0, or 2 with a message. */
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

#include "buf.h"
#include "crypt.h"
#include "diag.h"

int main(int argc, char **argv)
{
	if (cf_init() < 0)
		return 2;
	if (argc < 3) {
		fputs("usage: seal-blob KEYFILE PATH [v1] < plaintext > blob\n", stderr);
		return 2;
	}
	cf_diags diags = CF_DIAGS_INIT;
	cf_key *k = NULL;
	cf_arena *pad = NULL;
	cf_buf in = CF_BUF_INIT, out = CF_BUF_INIT;
	int rc = 2;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		cf_buf_put(&in, chunk, n);
	if (cf_key_load(&k, argv[1], &diags) != 0 || cf_arena_new(&pad, 1) != 0) {
		fputs("seal-blob: cannot load the key\n", stderr);
		goto out;
	}
	int v1 = argc > 3 && argv[3][0] == 'v' && argv[3][1] == '1';
	if ((v1 ? cf_crypt_encrypt_v1(&out, k, in.ptr ? in.ptr : "", in.len)
		: cf_crypt_encrypt(&out, k, argv[2], in.ptr ? in.ptr : "", in.len, pad)) != 0) {
		fputs("seal-blob: cannot encrypt\n", stderr);
		goto out;
	}
	if (fwrite(out.ptr, 1, out.len, stdout) != out.len)
		goto out;
	rc = 0;
out:
	cf_buf_free(&in);
	cf_buf_free(&out);
	cf_arena_free(pad);
	cf_key_free(k);
	cf_diags_free(&diags);
	return rc;
}
