/* git's long-running filter protocol (lib/gitfilter) with casefile's filter behind it
 * (lib/protect): each input is what git would write to `casefile filter-process` -- the
 * pkt-line handshake, the capabilities, then clean and smudge requests with their content --
 * read from a file, the answers written to /dev/null.  The filter holds the fixed key (the
 * seeds' blobs decrypt) and has no working tree, so a clean under cases/ is refused and one
 * elsewhere passes through; every smudge is also shown as textconv would show it.  Run once
 * with the default content limit and once with a limit of 512 bytes. */
#include "fuzz.h"
#include "gitfilter.h"
#include "keys.h"
#include "protect.h"

static char input[PATH_MAX];
static cf_protect *prot;
static int devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	const char *dir = fuzz_dir("filter");
	char git_dir[PATH_MAX];
	fuzz_path(git_dir, dir, "git");
	fuzz_path(input, dir, "input");
	FUZZ_ASSERT(cf_mkdirs(git_dir, 0700) == 0);
	cf_diags d = CF_DIAGS_INIT;
	cf_key *k = fuzz_key();
	FUZZ_ASSERT(cf_keystore_install(git_dir, k, &d) == 0);
	cf_key_free(k);
	FUZZ_ASSERT(cf_protect_open(&prot, NULL, git_dir, &d) == 0);
	cf_diags_free(&d);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FUZZ_ASSERT(devnull >= 0);
	return 0;
}

static int filter(const char **out, size_t *out_len, int smudge, const char *path, const char *in,
		  size_t len, void *arg)
{
	(void)arg;
	FUZZ_ASSERT(path && in && in[len] == '\0');
	cf_diags d = CF_DIAGS_INIT;
	int rc;
	if (smudge) {
		const char *shown;
		size_t shown_len;
		int t = cf_protect_textconv(&shown, &shown_len, prot, path, in, len, &d);
		FUZZ_ASSERT(t == 0 ? shown && d.len == 0 : t == -1 && d.len == 1);
		fuzz_diags_drain(&d);
		rc = cf_protect_smudge(out, out_len, prot, path, in, len, &d);
	} else {
		rc = cf_protect_clean(out, out_len, prot, path, in, len, &d);
	}
	FUZZ_ASSERT(rc == 0 || (rc == -1 && cf_diags_count(&d, CF_SEV_ERROR) == 1));
	fuzz_diags_drain(&d);
	return rc;
}

static void notice(const char *path, const char *message, void *arg)
{
	(void)arg;
	FUZZ_ASSERT(path && message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(fuzz_write(input, data, size, 0600) == 0);
	for (int small = 0; small < 2; small++) {
		int fd = open(input, O_RDONLY | O_CLOEXEC);
		FUZZ_ASSERT(fd >= 0);
		cf_gitfilter gf = {fd, devnull, small ? 512 : 0, filter, notice, NULL};
		cf_buf err = CF_BUF_INIT;
		int rc = cf_gitfilter_run(&gf, &err);
		FUZZ_ASSERT(rc == 0 || (rc == -1 && err.len > 0));
		cf_buf_free(&err);
		close(fd);
	}
	return 0;
}
