/* casefile merge: git's merge driver for encrypted case files (DESIGN.md §6).
 *
 * git runs `merge.casefile.driver` for paths with the attribute merge=casefile when both sides
 * changed a file.  It hands over three temporary files holding the blobs as stored, that is
 * ciphertext: the common ancestor, ours (where the result goes) and theirs, and the path.  A
 * line-based merge of ciphertext is meaningless, so this driver decrypts the three into secure
 * memory, merges them there with libgit2's three-way file merge, encrypts the result with the
 * key the member log assigns the path's case now (lib/trust: the newest log the clone sees,
 * the one a merge of a rotation brings in among them; never the working tree's older copy)
 * and writes it over ours atomically.  Plaintext
 * never reaches the disk: on a conflict git stores the result (conflict markers and all) as
 * ciphertext, and the smudge filter shows the markers in the working tree.
 *
 * Configuration (what `casefile init` writes):
 *   .git/config      [merge "casefile"]
 *                        name = casefile: three-way merge of encrypted case files
 *                        driver = casefile merge --marker-size %L %O %A %B %P
 *   .gitattributes   filter=casefile diff=casefile merge=casefile for every path under cases/
 *
 * Exit codes: 0 merged cleanly, 1 merged with conflicts (the result holds conflict markers),
 * 2 usage or I/O error, 3 a key is missing or a file does not decrypt.  On 2 and 3 the file of
 * ours is left as it was, and git reports the path as conflicted. */
#include <errno.h>
#include <git2.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "cli.h"
#include "crypt.h"
#include "fs.h"
#include "access.h"
#include "keys.h"
#include "repo.h"
#include "source.h"
#include "trust.h"

static const char usage_text[] =
    "usage: casefile merge [--marker-size N] [--ancestor-label L] [--ours-label L]\n"
    "                      [--theirs-label L] ANCESTOR OURS THEIRS PATH\n"
    "\n"
    "The merge driver git runs for encrypted case files (merge=casefile in .gitattributes):\n"
    "  [merge \"casefile\"]\n"
    "      driver = casefile merge --marker-size %L %O %A %B %P\n"
    "Decrypts the ancestor, ours and theirs (ciphertext, as git stores them) in memory,\n"
    "merges them line by line, encrypts the result with the key the member log assigns\n"
    "PATH's case now and writes it over OURS.  On a conflict the result holds the usual conflict\n"
    "markers (labelled ours and theirs unless told otherwise); the working tree shows them in\n"
    "plaintext, git stores them encrypted.\n"
    "\n"
    "Exit codes: 0 merged, 1 conflicts, 2 usage or I/O error, 3 a key is missing or a file\n"
    "does not decrypt (OURS is then left as it was).\n";

typedef struct merge_args {
	const char *file[3]; /* ancestor, ours, theirs */
	const char *path;    /* the repository path the result is for */
	char *shown;	     /* it as messages show it: control characters escaped */
	const char *label[3];
	unsigned marker_size;
} merge_args;

/* One side of the merge: its plaintext, in the secure arena. */
typedef struct side {
	const char *plain;
	size_t len;
	int was_blob;
	unsigned char key[CF_KEYID_BYTES]; /* the key it was encrypted with (was_blob) */
} side;

static const char *const side_name[3] = {"ancestor", "ours", "theirs"};

static int parse_args(merge_args *a, int argc, char **argv)
{
	size_t n = 0;
	const char *pos[4];
	a->label[0] = "base";
	a->label[1] = "ours";
	a->label[2] = "theirs";
	a->marker_size = GIT_MERGE_CONFLICT_MARKER_SIZE;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **label = strcmp(s, "--ancestor-label") == 0 ? &a->label[0]
				     : strcmp(s, "--ours-label") == 0	? &a->label[1]
				     : strcmp(s, "--theirs-label") == 0 ? &a->label[2]
									: NULL;
		if (label || strcmp(s, "--marker-size") == 0) {
			if (i + 1 >= argc)
				return cli_usage("merge", "%s needs a value", s);
			const char *v = argv[++i];
			if (label) {
				*label = v;
				continue;
			}
			char *end;
			errno = 0;
			long m = strtol(v, &end, 10);
			if (errno || *end || end == v || m < 1 || m > 100)
				return cli_usage("merge",
						 "--marker-size is a number from 1 to 100");
			a->marker_size = (unsigned)m;
		} else if (strcmp(s, "--") == 0) {
			for (i++; i < argc; i++) {
				if (n == 4)
					return cli_usage("merge", "too many arguments");
				pos[n++] = argv[i];
			}
		} else if (s[0] == '-' && s[1] != '\0') {
			return cli_usage("merge", "unknown option '%s'", s);
		} else {
			if (n == 4)
				return cli_usage("merge", "too many arguments");
			pos[n++] = s;
		}
	}
	if (n != 4)
		return cli_usage("merge", "give ANCESTOR OURS THEIRS PATH (git's %%O %%A %%B %%P)");
	for (size_t i = 0; i < 3; i++)
		a->file[i] = pos[i];
	a->path = pos[3];
	cf_buf b = CF_BUF_INIT;
	cf_diag_put_shown(&b, a->path);
	a->shown = cf_buf_detach(&b);
	if (!a->shown)
		return cli_usage("merge", "out of memory");
	return 0;
}

/* Reads one of git's temporary files into the secure arena and decrypts it when it is a blob:
 * 0, or an exit code (the message printed). */
static int read_side(side *out, const char *file, const char *path, const char *shown,
		     const char *which, cf_arena *arena, const cf_keyring *ring)
{
	char *data;
	size_t len;
	memset(out, 0, sizeof(*out));
	int rc = cf_read_file_arena(&data, &len, arena, file, CF_CRYPT_MAX_BLOB);
	if (rc < 0) {
		fprintf(stderr, "casefile: merge: %s: cannot read %s (%s): %s\n", shown, which,
			file, rc == -2 ? "too large" : strerror(errno));
		return CF_EXIT_USAGE;
	}
	if (len < CF_CRYPT_MAGIC_BYTES || memcmp(data, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES) != 0) {
		/* Plaintext: a path that is not encrypted, a side from before encryption was
		 * turned on, or an empty ancestor (the two sides added the file). */
		out->plain = data;
		out->len = len;
		return 0;
	}
	cf_diags diags = CF_DIAGS_INIT;
	char *plain;
	size_t plain_len;
	out->was_blob = 1;
	cf_crypt_blob_keyid(out->key, data, len);
	rc = cf_crypt_decrypt(&plain, &plain_len, arena, ring, data, len, path, &diags);
	if (rc < 0) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: merge: %s: cannot decrypt %s: not merged\n", shown,
			which);
		cf_diags_free(&diags);
		return rc == CF_CRYPT_ERROR ? CF_EXIT_USAGE : CF_EXIT_KEY;
	}
	cf_diags_free(&diags);
	out->plain = plain;
	out->len = plain_len;
	return 0;
}

/* The key the result is encrypted with: the one the member log assigns the path now; NULL
 * when no side was encrypted and the log encrypts nothing there (a plaintext merge).  An exit
 * code when the key is not held, or the repository has no log (read-only until upgraded). */
static int result_key(const cf_key **out, const cf_mlog *log, const cf_keyring *ring,
		      const char *shown, const char *path, const side *sides)
{
	*out = NULL;
	const cf_mlog_key *lk = log ? cf_access_key_for_path(log, path) : NULL;
	int any_blob = sides[0].was_blob || sides[1].was_blob || sides[2].was_blob;
	if (!lk && !any_blob && !cf_protect_is_encrypted_path(path))
		return 0;
	if (!lk) {
		fprintf(stderr,
			"%s: error[crypt/upgrade]: the repository has no signed member log, so "
			"nothing new is encrypted (it is read-only)\n  hint: an admin runs "
			"`casefile upgrade` once, and commits\ncasefile: merge: %s: not merged\n",
			shown, shown);
		return CF_EXIT_KEY;
	}
	*out = cf_keyring_find(ring, lk->id);
	if (*out)
		return 0;
	cf_buf what = CF_BUF_INIT;
	cf_access_describe_key(&what, lk);
	fprintf(stderr,
		"%s: error[crypt/no-key]: the result must be encrypted with %s, which you do "
		"not hold\n  hint: run `casefile unlock`; if it is not sealed to you, ask an "
		"admin\ncasefile: merge: %s: not merged\n",
		shown, cf_buf_cstr(&what), shown);
	cf_buf_free(&what);
	return CF_EXIT_KEY;
}

/* The file mode of ours, kept for the result (git's temporary files are 0644 or so). */
static mode_t mode_of(const char *file)
{
	struct stat st;
	if (stat(file, &st) == 0)
		return st.st_mode & 07777;
	return 0644;
}

/* Merges the three sides and writes the result over ours: an exit code. */
static int merge_and_write(const merge_args *a, const side *sides, const cf_key *key, cf_arena *pad)
{
	git_merge_file_input in[3];
	for (size_t i = 0; i < 3; i++) {
		git_merge_file_input_init(&in[i], GIT_MERGE_FILE_INPUT_VERSION);
		in[i].ptr = sides[i].plain;
		in[i].size = sides[i].len;
		in[i].path = a->path;
		in[i].mode = 0100644;
	}
	git_merge_file_options opts;
	git_merge_file_options_init(&opts, GIT_MERGE_FILE_OPTIONS_VERSION);
	opts.ancestor_label = a->label[0];
	opts.our_label = a->label[1];
	opts.their_label = a->label[2];
	opts.marker_size = (unsigned short)a->marker_size;
	opts.favor = GIT_MERGE_FILE_FAVOR_NORMAL;

	git_merge_file_result res;
	memset(&res, 0, sizeof(res));
	if (git_merge_file(&res, &in[0], &in[1], &in[2], &opts) < 0) {
		const git_error *e = git_error_last();
		fprintf(stderr, "casefile: merge: %s: %s\n", a->shown,
			e && e->message ? e->message : "the merge failed");
		git_merge_file_result_free(&res);
		return CF_EXIT_USAGE;
	}
	int rc = CF_EXIT_OK;
	cf_buf out = CF_BUF_INIT;
	if (!key)
		cf_buf_put(&out, res.ptr, res.len); /* nothing was encrypted: neither is this */
	else if (cf_crypt_encrypt(&out, key, a->path, res.ptr, res.len, pad) < 0)
		rc = CF_EXIT_USAGE;
	unsigned clean = res.automergeable;
	/* libgit2 allocated the merged plaintext with malloc: wipe it before it goes back. */
	if (res.ptr)
		sodium_memzero((void *)(uintptr_t)res.ptr, res.len);
	git_merge_file_result_free(&res);
	if (rc == CF_EXIT_OK && cf_buf_oom(&out))
		rc = CF_EXIT_USAGE;
	if (rc == CF_EXIT_OK &&
	    cf_write_file_atomic(a->file[1], out.ptr, out.len, mode_of(a->file[1])) < 0) {
		fprintf(stderr, "casefile: merge: %s: cannot write the result to %s: %s\n",
			a->shown, a->file[1], strerror(errno));
		rc = CF_EXIT_USAGE;
	} else if (rc != CF_EXIT_OK) {
		fprintf(stderr, "casefile: merge: %s: cannot encrypt the result\n", a->shown);
	}
	if (!key && out.ptr)
		sodium_memzero(out.ptr, out.cap);
	cf_buf_free(&out);
	if (rc == CF_EXIT_OK && !clean)
		rc = CF_EXIT_ERRORS;
	return rc;
}

int cmd_merge(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
	merge_args a;
	memset(&a, 0, sizeof(a));
	int rc = parse_args(&a, argc, argv);
	if (rc)
		return rc;

	/* git runs the driver at the top of the working tree: the case repository. */
	char *root = NULL;
	if (cf_repo_discover(&root, ".") < 0) {
		fprintf(stderr,
			"casefile: merge: %s: not inside a case repository (no %s above %s)\n",
			a.shown, CF_CONFIG_PATH, ".");
		return CF_EXIT_USAGE;
	}
	cf_diags diags = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	cf_mlog *log = NULL;
	cf_trust_pin pin;
	cf_arena *arena = NULL, *pad = NULL;
	git_repository *repo = NULL;
	char *git_dir = cf_source_git_dir(root);
	if (git_libgit2_init() < 0) {
		fprintf(stderr, "casefile: merge: cannot initialise libgit2\n");
		free(git_dir);
		free(root);
		free(a.shown);
		return CF_EXIT_USAGE;
	}
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_error_clear();
		repo = NULL;
	}
	if (cf_source_load_keyring(&ring, root, &diags) < 0 ||
	    cf_trust_current(&log, &pin, repo, root, git_dir, 1, &diags) < 0) {
		cli_print_diags(stderr, &diags);
		fprintf(stderr, "casefile: merge: %s: not merged\n", a.shown);
		rc = CF_EXIT_KEY;
		goto out;
	}
	if (log && !pin.pinned) {
		fprintf(stderr,
			"%s: error[crypt/untrusted]: this clone has not pinned the repository's "
			"fingerprint, so it encrypts nothing with the member log's keys\n  hint: "
			"run `casefile unlock`\ncasefile: merge: %s: not merged\n",
			a.shown, a.shown);
		rc = CF_EXIT_KEY;
		goto out;
	}
	if (cf_arena_new(&arena, 1) < 0 || cf_arena_new(&pad, 1) < 0) {
		fprintf(stderr, "casefile: merge: out of memory\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	side sides[3];
	for (size_t i = 0; i < 3; i++)
		if ((rc = read_side(&sides[i], a.file[i], a.path, a.shown, side_name[i], arena,
				    ring)))
			goto out;
	const cf_key *key;
	if ((rc = result_key(&key, log, ring, a.shown, a.path, sides)))
		goto out;
	rc = merge_and_write(&a, sides, key, pad);
out:
	cf_arena_free(arena); /* wipes the plaintext */
	cf_arena_free(pad);
	cf_mlog_free(log);
	cf_keyring_free(ring);
	cf_diags_free(&diags);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(git_dir);
	free(root);
	free(a.shown);
	return rc;
}
