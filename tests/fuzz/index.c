/* The git index reader (lib/source cf_source_open_index, which reads .git/index itself rather
 * than through libgit2): what `check --staged` and the pre-commit hook read.  The harness
 * keeps one repository whose object store holds the example repository's blobs (fuzz.h
 * fuzz_fill_repo) and whose HEAD commits them; each input is the index file, named to the
 * reader by GIT_INDEX_FILE as `git commit FILE` does.  An index that opens is listed, every
 * file under cases/ read with the fixed key, its staged changes against HEAD computed and the
 * plaintext guard run over it. */
#define FUZZ_NEED_GIT
#include "fuzz.h"
#include "source.h"

static char root[PATH_MAX], index_path[PATH_MAX];
static cf_keyring *ring;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	/* held for the whole run: each source would otherwise initialise libgit2 again */
	FUZZ_ASSERT(git_libgit2_init() > 0);
	const char *dir = fuzz_dir("index");
	fuzz_path(root, dir, "repo");
	fuzz_path(index_path, dir, "index");
	git_repository *repo = NULL;
	FUZZ_ASSERT(git_repository_init(&repo, root, 0) == 0);
	git_index *idx = NULL;
	FUZZ_ASSERT(git_index_new(&idx) == 0);
	fuzz_fill_repo(repo, idx);
	git_oid tree_id, commit_id;
	FUZZ_ASSERT(git_index_write_tree_to(&tree_id, idx, repo) == 0);
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	FUZZ_ASSERT(git_tree_lookup(&tree, repo, &tree_id) == 0);
	FUZZ_ASSERT(git_signature_new(&sig, "fuzz", "fuzz@casefile.invalid", 1767225600, 0) == 0);
	FUZZ_ASSERT(git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, "example", tree, 0,
				      NULL) == 0);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
	FUZZ_ASSERT(setenv("GIT_INDEX_FILE", index_path, 1) == 0);
	ring = fuzz_keyring();
	return 0;
}

static void read_all(cf_source *s, cf_diags *d)
{
	cf_strlist dirs = CF_STRLIST_INIT;
	FUZZ_ASSERT(cf_source_list_dirs(s, "cases", &dirs, d) == 0);
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 1) == 0);
	for (size_t i = 0; i < dirs.n && i < 16; i++) {
		char dir[PATH_MAX];
		fuzz_path(dir, "cases", dirs.items[i]);
		cf_strlist files = CF_STRLIST_INIT;
		if (cf_source_list_files(s, dir, &files, d) == 0) {
			for (size_t j = 0; j < files.n && j < 32; j++) {
				char path[PATH_MAX];
				fuzz_path(path, dir, files.items[j]);
				FUZZ_ASSERT(cf_source_exists(s, path));
				char *data = NULL;
				size_t len = 0;
				int rc = cf_source_read(s, path, 1 << 20, arena, &data, &len, d);
				FUZZ_ASSERT(rc <= 0 && rc >= CF_SOURCE_LOCKED);
				if (rc == 0)
					FUZZ_ASSERT(data && data[len] == '\0');
				cf_arena_reset(arena);
			}
		}
		cf_strlist_free(&files);
	}
	cf_arena_free(arena);
	cf_strlist_free(&dirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(fuzz_write(index_path, data, size, 0644) == 0);
	cf_diags d = CF_DIAGS_INIT;
	cf_source *s = NULL;
	if (cf_source_open_index(&s, root, &d) == 0) {
		FUZZ_ASSERT(s && cf_source_name(s) && cf_source_git_repository(s));
		cf_source_set_keyring(s, ring);
		read_all(s, &d);
		cf_strlist cases = CF_STRLIST_INIT, files = CF_STRLIST_INIT;
		int everything = 0;
		(void)cf_source_staged_changes(s, &cases, &files, &everything, &d);
		FUZZ_ASSERT(cf_source_guard(s, &cases, &files, everything, &d) >= -1);
		(void)cf_source_attributes_changed(s);
		cf_strlist_free(&cases);
		cf_strlist_free(&files);
		cf_source_free(s);
	} else {
		FUZZ_ASSERT(cf_diags_count(&d, CF_SEV_ERROR) > 0);
	}
	fuzz_diags_drain(&d);
	return 0;
}
