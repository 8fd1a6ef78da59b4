/* lib/source: the three places a case repository's bytes come from -- the working tree, the
 * git index (read by casefile's own reader, never by libgit2) and a commit -- on small
 * repositories built with libgit2 in a temporary directory, and indexes written here byte by
 * byte for what git does not write: damaged, out of order, empty, 100,000 directories deep.
 * Each check asserts what a user sees: the files listed and read, and the diagnostics. */
#include "tap.h"

#include <git2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "source.h"
#include "strlist.h"

#include "fsutil.h"

static char tmp[64];

/* tmp/name, in one of four static buffers (so a call may use two or three of them). */
static const char *in_tmp(const char *name)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof(buf[0]), "%s/%s", tmp, name);
	return b;
}

/* Every diagnostic, as check prints it, as TAP comments. */
static void show(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	const char *s = cf_buf_cstr(&out);
	while (*s) {
		size_t n = strcspn(s, "\n");
		printf("#   %.*s\n", (int)(n > 300 ? 300 : n), s);
		s += n + (s[n] == '\n');
	}
	cf_buf_free(&out);
}

/* Whether d holds exactly one diagnostic, an error of rule at file whose message holds every
 * needle given (NULL ends them); shows d when not. */
static int only_diag(const cf_diags *d, const char *file, const char *rule, const char *needle,
		     const char *needle2)
{
	int good = d->len == 1 && d->items[0].severity == CF_SEV_ERROR &&
		   strcmp(d->items[0].file, file) == 0 && strcmp(d->items[0].rule, rule) == 0 &&
		   (!needle || strstr(d->items[0].message, needle)) &&
		   (!needle2 || strstr(d->items[0].message, needle2));
	if (!good) {
		printf("# want one %s at %s: %s\n", rule, file, needle ? needle : "");
		show(d);
	}
	return good;
}

/* Whether some diagnostic of d is rule at file. */
static int has_diag(const cf_diags *d, const char *file, const char *rule)
{
	for (size_t i = 0; i < d->len; i++)
		if (strcmp(d->items[i].file, file) == 0 && strcmp(d->items[i].rule, rule) == 0)
			return 1;
	return 0;
}

/* Whether l is exactly want (NULL-terminated); shows l when not. */
static int list_is(const cf_strlist *l, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	int same = l->n == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(l->items[i], want[i]) == 0;
	if (!same)
		for (size_t i = 0; i < l->n; i++)
			printf("#   got: %.200s\n", l->items[i]);
	return same;
}

/* "cases/2026-001/" and n directories named dir1 .. dirN (or "a" each), then "/f.md". */
static char *nested(const char *stem, int n, int numbered)
{
	cf_buf b = CF_BUF_INIT;
	cf_buf_puts(&b, "cases/2026-001");
	for (int i = 1; i <= n; i++) {
		if (numbered)
			cf_buf_printf(&b, "/%s%d", stem, i);
		else
			cf_buf_printf(&b, "/%s", stem);
	}
	cf_buf_puts(&b, "/f.md");
	return cf_buf_detach(&b);
}

/* The directory of path that is depth directories below cases/2026-001. */
static char *dir_at(const char *path, int depth)
{
	const char *p = path + strlen("cases/2026-001");
	for (int i = 0; i <= depth && p; i++)
		p = strchr(p + 1, '/');
	return p ? cf_strndup(path, (size_t)(p - path)) : NULL;
}

static const char plain1[] = "id: 2026-001\ntitle: The review of Child M\n";
static const char plain2[] = "id: 2026-002\ntitle: The review of Child N\n";
static const char notes[] = "# Notes\n\nThe school nurse rang the front door service.\n";

static cf_key *key, *other;
static cf_keyring *ring;
static char *deep16, *deep17, *deep17_dir;

/* ---- the working tree ---------------------------------------------------------------------- */

static void test_workdir(void)
{
	const char *root = in_tmp("wt");
	char *p = NULL;
	int made = write_text_at(root, "cases/2026-001/case.yaml", plain1, 0644) == 0 &&
		   write_text_at(root, "cases/2026-001/notes/n.md", notes, 0644) == 0 &&
		   write_text_at(root, "cases/2026-001/notes/n.md~", notes, 0644) == 0 &&
		   write_text_at(root, "cases/2026-001/.case.yaml.swp", "", 0644) == 0 &&
		   write_text_at(root, deep16, notes, 0644) == 0 &&
		   write_text_at(root, deep17, notes, 0644) == 0 &&
		   write_text_at(root, "cases/2026-001/bad\x01name.md", notes, 0644) == 0 &&
		   write_text_at(root, "cases/2026-002/case.yaml", plain2, 0644) == 0 &&
		   write_text_at(root, "cases/.hidden/case.yaml", plain2, 0644) == 0 &&
		   write_text_at(root, "cases/loose.md", notes, 0644) == 0 &&
		   (p = cf_path_join(root, "cases/2026-001/link.md")) != NULL &&
		   symlink("../2026-002/case.yaml", p) == 0;
	free(p);
	if (!ok(made, "working tree: the files made"))
		return;

	cf_source *s = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist l = CF_STRLIST_INIT;
	if (!ok(cf_source_open_workdir(&s, root) == 0, "working tree: opened"))
		return;
	is_str(cf_source_name(s), "working tree", "... named \"working tree\"");
	ok(cf_source_git_repository(s) == NULL, "... and no git repository of its own");

	ok(cf_source_list_dirs(s, "cases", &l, &d) == 0 &&
	       list_is(&l, (const char *[]){"2026-001", "2026-002", NULL}) && d.len == 0,
	   "list_dirs: the case directories, sorted; dot-directories and files left out");
	cf_strlist_free(&l);

	ok(cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 &&
	       list_is(&l, (const char *[]){"case.yaml", deep16 + strlen("cases/2026-001/"),
					    "notes/n.md", NULL}),
	   "list_files: the files, sorted, 16 directories deep at most; backups and swap "
	   "files left out");
	ok(d.len == 3 && has_diag(&d, "cases/2026-001/link.md", "source/symlink") &&
	       has_diag(&d, deep17_dir, "source/read") &&
	       has_diag(&d, "cases/2026-001", "source/name"),
	   "... a link (source/symlink), the directory 17 deep (source/read) and a name that is "
	   "not text (source/name) reported");
	if (d.len != 3)
		show(&d);
	cf_strlist_free(&l);
	cf_diags_clear(&d);

	ok(cf_source_list_files(s, "cases/loose.md", &l, &d) == 0 && l.n == 0 &&
	       only_diag(&d, "cases/loose.md", "source/special", "not a directory", NULL),
	   "list_files of a file: source/special");
	cf_diags_clear(&d);
	ok(cf_source_list_dirs(s, "nothing", &l, &d) == 0 && l.n == 0 && d.len == 0 &&
	       cf_source_list_files(s, "cases/2026-009", &l, &d) == 0 && l.n == 0 && d.len == 0,
	   "listing a directory that is not there: nothing, and no error");

	cf_arena *a = NULL;
	char *data = NULL;
	size_t len = 0;
	cf_arena_new(&a, 1);
	ok(cf_source_read(s, "cases/2026-001/case.yaml", 1 << 20, a, &data, &len, &d) == 0 &&
	       len == strlen(plain1) && strcmp(data, plain1) == 0 && d.len == 0,
	   "read: the file as it is, NUL-terminated");
	ok(cf_source_read(s, "cases/2026-001/case.yaml", 8, a, &data, &len, &d) == -2 &&
	       only_diag(&d, "cases/2026-001/case.yaml", "yaml/too-large", NULL, NULL),
	   "read: larger than max is -2, yaml/too-large");
	cf_diags_clear(&d);
	ok(cf_source_read(s, "cases/2026-001/gone.yaml", 1 << 20, a, &data, &len, &d) == -1 &&
	       only_diag(&d, "cases/2026-001/gone.yaml", "source/read", "cannot read", NULL),
	   "read: a file that is not there is source/read");
	cf_diags_clear(&d);
	ok(cf_source_exists(s, "cases/2026-001/case.yaml") && cf_source_exists(s, "cases") &&
	       !cf_source_exists(s, "cases/2026-009"),
	   "exists: files and directories, not what is not there");
	cf_arena_free(a);
	cf_diags_free(&d);
	cf_source_free(s);
}

/* ---- repositories built with libgit2 ------------------------------------------------------- */

static int blob(git_oid *out, git_repository *r, const char *data, size_t len)
{
	return git_blob_create_from_buffer(out, r, data, len);
}

/* Stages data at path in idx (stored in r's objects), encrypted under k when k is set. */
static int stage(git_repository *r, git_index *idx, const char *path, const char *text,
		 const cf_key *k)
{
	git_index_entry e;
	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = path;
	cf_buf b = CF_BUF_INIT;
	if (k && cf_crypt_encrypt(&b, k, path, text, strlen(text), NULL) != 0) {
		printf("# cannot encrypt %s\n", path);
		cf_buf_free(&b);
		return -1;
	}
	int rc = k ? blob(&e.id, r, b.ptr, b.len) : blob(&e.id, r, text, strlen(text));
	cf_buf_free(&b);
	return rc < 0 ? rc : git_index_add(idx, &e);
}

/* Commits the tree of idx on HEAD (none when parent is NULL), moving HEAD's branch. */
static int commit(git_oid *id, git_repository *r, git_index *idx, const git_oid *parent)
{
	static int t = 1700000000;
	git_oid tree_id;
	git_tree *tree = NULL;
	git_commit *p = NULL;
	git_signature *sig = NULL;
	int rc = -1;
	if (git_index_write_tree_to(&tree_id, idx, r) < 0 ||
	    git_tree_lookup(&tree, r, &tree_id) < 0 ||
	    git_signature_new(&sig, "Test", "test@example.org", t++, 0) < 0 ||
	    (parent && git_commit_lookup(&p, r, parent) < 0))
		goto out;
	const git_commit *parents[1] = {p};
	rc = git_commit_create(id, r, "HEAD", sig, sig, NULL, "a commit\n", tree, p ? 1 : 0,
			       parents);
out:
	if (rc < 0) {
		const git_error *e = git_error_last();
		printf("# commit: %s\n", e ? e->message : "?");
	}
	git_signature_free(sig);
	git_commit_free(p);
	git_tree_free(tree);
	return rc < 0 ? -1 : 0;
}

/* What idx holds written as r's index file (.git/index) by libgit2, whatever that file held
 * before (it is removed first, so libgit2 never reads it). */
static int write_index(git_repository *r, git_index *idx)
{
	git_index *own = NULL;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;
	char *path = cf_path_join(git_repository_path(r), "index");
	int rc = path ? 0 : -1;
	if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
		rc = -1;
	if (rc == 0)
		rc = git_index_open(&own, path);
	for (size_t i = 0; rc == 0 && i < git_index_entrycount(idx); i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		if (GIT_INDEX_ENTRY_STAGE(e) == 0)
			rc = git_index_add(own, e);
	}
	if (rc == 0)
		rc = git_index_conflict_iterator_new(&it, idx);
	while (rc == 0 && git_index_conflict_next(&anc, &ours, &theirs, it) == 0)
		rc = git_index_conflict_add(own, anc, ours, theirs);
	if (rc == 0)
		rc = git_index_write(own);
	git_index_conflict_iterator_free(it);
	git_index_free(own);
	free(path);
	return rc;
}

/* The repository of the index and commit tests: HEAD (*head) holds
 *   .gitattributes, .casefile/config.yaml, README.md     in plaintext
 *   cases/2026-001/case.yaml, notes/n.md, deep16, deep17   under key
 *   cases/2026-002/case.yaml                               under other (not in ring)
 * and the index is HEAD's. */
static git_repository *make_repo(git_oid *head, git_index **idx_out)
{
	git_repository *r = NULL;
	git_index *idx = NULL;
	if (git_repository_init(&r, in_tmp("git"), 0) < 0 || git_index_new(&idx) < 0 ||
	    stage(r, idx, ".gitattributes", "cases/** filter=casefile diff=casefile\n", NULL) ||
	    stage(r, idx, ".casefile/config.yaml", "partnership: Test\n", NULL) ||
	    stage(r, idx, "README.md", "readme\n", NULL) ||
	    stage(r, idx, "cases/2026-001/case.yaml", plain1, key) ||
	    stage(r, idx, "cases/2026-001/notes/n.md", notes, key) ||
	    stage(r, idx, deep16, notes, key) || stage(r, idx, deep17, notes, key) ||
	    stage(r, idx, "cases/2026-002/case.yaml", plain2, other) ||
	    commit(head, r, idx, NULL) < 0 || write_index(r, idx) < 0) {
		const git_error *e = git_error_last();
		printf("# make_repo: %s\n", e ? e->message : "?");
		git_index_free(idx);
		git_repository_free(r);
		return NULL;
	}
	*idx_out = idx;
	return r;
}

/* ---- index files written byte by byte ------------------------------------------------------ */

typedef struct raw_entry {
	const char *path;
	const git_oid *oid;
	unsigned mode;	   /* 0: 0100644 */
	int stage;	   /* 0 to 3 */
	unsigned extended; /* version 3 and 4: the extended flags (0x2000: `git add -N`) */
	int name_len;	   /* what the flags say the path's length is; -1: the true one */
} raw_entry;

static void put32(cf_buf *b, uint32_t v)
{
	unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	cf_buf_put(b, c, 4);
}

/* git's offset varint (varint.c). */
static void put_varint(cf_buf *b, size_t v)
{
	unsigned char c[16];
	size_t pos = sizeof(c) - 1;
	c[pos] = v & 127;
	while (v >>= 7)
		c[--pos] = (unsigned char)(128 | (--v & 127));
	cf_buf_put(b, c + pos, sizeof(c) - pos);
}

/* An index file of version holding the n entries (count: what its header claims; n when
 * 0), then ext (ext_len bytes of extensions), then 20 zero bytes -- the checksum git writes
 * when index.skipHash is set, which a reader does not verify. */
static void raw_index(cf_buf *b, unsigned version, const raw_entry *e, size_t n, uint32_t count,
		      const void *ext, size_t ext_len)
{
	cf_buf_clear(b);
	cf_buf_puts(b, "DIRC");
	put32(b, version);
	put32(b, count ? count : (uint32_t)n);
	const char *prev = "";
	for (size_t i = 0; i < n; i++) {
		size_t start = b->len, len = strlen(e[i].path);
		for (int k = 0; k < 6; k++)
			put32(b, 0); /* ctime, mtime, dev, ino */
		put32(b, e[i].mode ? e[i].mode : 0100644);
		for (int k = 0; k < 3; k++)
			put32(b, 0); /* uid, gid, size */
		cf_buf_put(b, e[i].oid->id, GIT_OID_RAWSZ);
		size_t named = e[i].name_len >= 0 ? (size_t)e[i].name_len : len;
		unsigned flags = (unsigned)e[i].stage << 12 | (named < 0xfff ? named : 0xfff) |
				 (e[i].extended ? 0x4000 : 0);
		cf_buf_putc(b, (char)(flags >> 8));
		cf_buf_putc(b, (char)flags);
		if (e[i].extended) {
			cf_buf_putc(b, (char)(e[i].extended >> 8));
			cf_buf_putc(b, (char)e[i].extended);
		}
		if (version == 4) {
			size_t same = 0;
			while (prev[same] && prev[same] == e[i].path[same])
				same++;
			put_varint(b, strlen(prev) - same);
			cf_buf_put(b, e[i].path + same, len - same + 1);
			prev = e[i].path;
		} else {
			cf_buf_put(b, e[i].path, len);
			size_t size = ((b->len - start) + 8) & ~(size_t)7;
			while (b->len - start < size)
				cf_buf_putc(b, '\0');
		}
	}
	cf_buf_put(b, ext, ext_len);
	for (int k = 0; k < GIT_OID_RAWSZ; k++)
		cf_buf_putc(b, '\0');
}

static int put_index(const cf_buf *b)
{
	char *path = cf_path_join(in_tmp("git"), ".git/index");
	int rc = path ? write_file(path, b->ptr, b->len, 0644) : -1;
	free(path);
	return rc;
}

/* Opens the index of the test repository after writing b as its index file (b NULL: as it
 * is); the diagnostics into d.  The source, or NULL. */
static cf_source *open_with(const cf_buf *b, cf_diags *d)
{
	cf_source *s = NULL;
	cf_diags_clear(d);
	if (b && put_index(b) < 0) {
		printf("# cannot write the index\n");
		return NULL;
	}
	if (cf_source_open_index(&s, in_tmp("git"), d) < 0)
		return NULL;
	return s;
}

/* Whether opening the index of b fails with one source/read error at .git/index whose message
 * holds needle, and whose hint (when hint is set) holds hint. */
static int refused(const cf_buf *b, const char *needle, const char *hint)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_source *s = open_with(b, &d);
	int good = !s && only_diag(&d, ".git/index", "source/read", needle, NULL) &&
		   (!hint || (d.items[0].hint && strstr(d.items[0].hint, hint)));
	if (!good && d.len && d.items[0].hint)
		printf("#   hint: %s\n", d.items[0].hint);
	cf_source_free(s);
	cf_diags_free(&d);
	return good;
}

/* ---- the index and the commit -------------------------------------------------------------- */

/* What a git source of the test repository lists and reads, the same from the index and from
 * HEAD. */
static void test_reading(cf_source *s, const char *what)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist l = CF_STRLIST_INIT;
	char name[128];
	ok(cf_source_git_repository(s) != NULL, what);
	ok(cf_source_list_dirs(s, "cases", &l, &d) == 0 &&
	       list_is(&l, (const char *[]){"2026-001", "2026-002", NULL}) && d.len == 0,
	   "... list_dirs: the case directories, sorted");
	cf_strlist_free(&l);
	ok(cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 &&
	       list_is(&l, (const char *[]){"case.yaml", deep16 + strlen("cases/2026-001/"),
					    "notes/n.md", NULL}),
	   "... list_files: as in the working tree, 16 directories deep at most");
	ok(only_diag(&d, deep17_dir, "source/read", "nested too deeply", NULL),
	   "... the directory 17 deep reported as the working tree reports it");
	cf_strlist_free(&l);
	cf_diags_clear(&d);

	cf_arena *a = NULL;
	char *data = NULL;
	size_t len = 0;
	cf_arena_new(&a, 1);
	ok(cf_source_read(s, "cases/2026-001/case.yaml", 1 << 20, a, &data, &len, &d) ==
		   CF_SOURCE_LOCKED &&
	       d.len == 0,
	   "... read with no keyring: locked, no diagnostic");
	cf_source_set_keyring(s, ring);
	ok(cf_source_read(s, "cases/2026-001/case.yaml", 1 << 20, a, &data, &len, &d) == 0 &&
	       len == strlen(plain1) && strcmp(data, plain1) == 0 && d.len == 0,
	   "... read with the key: the plaintext");
	ok(cf_source_read(s, "cases/2026-002/case.yaml", 1 << 20, a, &data, &len, &d) ==
		   CF_SOURCE_LOCKED &&
	       d.len == 0 && cf_crypt_is_blob(data, len),
	   "... a file under a key not held: locked, the blob as read, no diagnostic");
	ok(cf_source_read(s, "README.md", 1 << 20, a, &data, &len, &d) == 0 &&
	       strcmp(data, "readme\n") == 0,
	   "... a file outside cases/: as it is");
	ok(cf_source_read(s, "cases/2026-001/case.yaml", 8, a, &data, &len, &d) == -2 &&
	       only_diag(&d, "cases/2026-001/case.yaml", "yaml/too-large", NULL, NULL),
	   "... larger than max: -2, yaml/too-large");
	cf_diags_clear(&d);
	snprintf(name, sizeof(name), "not in the %s", cf_source_name(s));
	ok(cf_source_read(s, "cases/2026-001/gone.yaml", 1 << 20, a, &data, &len, &d) == -1 &&
	       only_diag(&d, "cases/2026-001/gone.yaml", "source/read", name, NULL),
	   "... a file it does not hold: source/read, naming the source");
	cf_diags_clear(&d);
	ok(cf_source_exists(s, "cases/2026-001/case.yaml") &&
	       cf_source_exists(s, "cases/2026-001") && !cf_source_exists(s, "cases/2026-009") &&
	       !cf_source_exists(s, "cases/2026-00"),
	   "... exists: files and directories, not what is not there");
	ok(cf_source_guard(s, NULL, NULL, 1, &d) == 0 && d.len == 0,
	   "... the guard: every file under cases/ is ciphertext");
	cf_arena_free(a);
	cf_diags_free(&d);
}

static void test_index(git_repository *r, git_index *idx)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist cases = CF_STRLIST_INIT, files = CF_STRLIST_INIT;
	int all = -1;
	cf_source *s = open_with(NULL, &d);
	if (!ok(s && d.len == 0, "index: opened")) {
		show(&d);
		return;
	}
	is_str(cf_source_name(s), "index", "... named \"index\"");
	test_reading(s, "index: a repository of its own");
	ok(cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 && cases.n == 0 &&
	       files.n == 0 && all == 0,
	   "staged_changes: the index as HEAD has it changes nothing (the trees hashed as git "
	   "hashes them, 17 directories deep too)");
	is_int(cf_source_attributes_changed(s), 0, "... nor .gitattributes");
	cf_source_free(s);

	/* One case changed, a file added directly under cases/ in plaintext. */
	if (stage(r, idx, "cases/2026-001/notes/n.md", "# Notes\n\nchanged\n", key) ||
	    stage(r, idx, "cases/loose.md", notes, NULL) || write_index(r, idx) < 0)
		printf("# cannot change the index\n");
	s = open_with(NULL, &d);
	ok(s && cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 &&
	       list_is(&cases, (const char *[]){"2026-001", NULL}) &&
	       list_is(&files, (const char *[]){"cases/loose.md", NULL}) && all == 0,
	   "staged_changes: the case changed, and the file added under cases/");
	ok(s && cf_source_guard(s, &cases, &files, 0, &d) == 0 &&
	       only_diag(&d, "cases/loose.md", "crypt/plaintext", NULL, NULL),
	   "... the guard: the file staged in plaintext is crypt/plaintext");
	cf_source_free(s);
	cf_strlist_free(&cases);
	cf_strlist_free(&files);

	/* The rules changed: every case is checked. */
	if (stage(r, idx, ".casefile/config.yaml", "partnership: Other\n", NULL) ||
	    write_index(r, idx) < 0)
		printf("# cannot change the index\n");
	s = open_with(NULL, &d);
	ok(s && cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 && all == 1,
	   "staged_changes: .casefile/config.yaml changed, so everything");
	cf_source_free(s);
	cf_strlist_free(&cases);
	cf_strlist_free(&files);

	/* Unmerged: stages 1 to 3 of one path (the rules as HEAD has them again). */
	git_index_entry e;
	const git_index_entry *was = git_index_get_bypath(idx, "cases/2026-001/case.yaml", 0);
	memset(&e, 0, sizeof(e));
	if (was)
		e = *was;
	e.path = "cases/2026-001/case.yaml";
	if (stage(r, idx, ".casefile/config.yaml", "partnership: Test\n", NULL) ||
	    git_index_remove(idx, e.path, 0) < 0 || git_index_conflict_add(idx, &e, &e, &e) < 0 ||
	    write_index(r, idx) < 0)
		printf("# cannot write the unmerged index\n");
	s = open_with(NULL, &d);
	cf_strlist l = CF_STRLIST_INIT;
	ok(s && cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 &&
	       has_diag(&d, "cases/2026-001/case.yaml", "source/conflict") &&
	       !cf_strlist_contains(&l, "case.yaml"),
	   "an unmerged file: listed as source/conflict, not as a file");
	cf_diags_clear(&d);
	cf_arena *a = NULL;
	char *data;
	size_t len;
	cf_arena_new(&a, 1);
	ok(s && cf_source_read(s, "cases/2026-001/case.yaml", 1 << 20, a, &data, &len, &d) == -1 &&
	       only_diag(&d, "cases/2026-001/case.yaml", "source/read", "not in the index", NULL),
	   "... and never read");
	ok(s && cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 &&
	       cf_strlist_contains(&cases, "2026-001"),
	   "... its case changed (no tree can be made of it)");
	cf_arena_free(a);
	cf_strlist_free(&l);
	cf_strlist_free(&cases);
	cf_strlist_free(&files);
	cf_source_free(s);

	/* No HEAD yet: everything is new. */
	git_repository *fresh = NULL;
	git_index *fi = NULL;
	if (git_repository_init(&fresh, in_tmp("fresh"), 0) < 0 || git_index_new(&fi) < 0 ||
	    stage(fresh, fi, "cases/2026-001/case.yaml", plain1, key) || write_index(fresh, fi) < 0)
		printf("# cannot make the fresh repository\n");
	s = NULL;
	cf_diags_clear(&d);
	ok(cf_source_open_index(&s, in_tmp("fresh"), &d) == 0 &&
	       cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 && all == 1 &&
	       cf_source_attributes_changed(s) == 1,
	   "no HEAD yet: everything changed, .gitattributes too");
	cf_source_free(s);
	git_index_free(fi);
	git_repository_free(fresh);

	/* Not a repository. */
	s = NULL;
	cf_diags_clear(&d);
	ok(cf_source_open_index(&s, in_tmp("wt"), &d) == -1 && !s &&
	       only_diag(&d, ".git", "source/read", "cannot read the git repository", NULL),
	   "open_index where there is no repository: source/read");
	cf_diags_free(&d);
}

/* F5: an index with no entries has no array to sort; nor has a commit of the empty tree. */
static void test_empty(git_repository *r, const git_oid *head)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_buf b = CF_BUF_INIT;
	cf_strlist l = CF_STRLIST_INIT, cases = CF_STRLIST_INIT, files = CF_STRLIST_INIT;
	int all = -1;
	git_index *none = NULL;
	if (git_index_new(&none) < 0 || write_index(r, none) < 0)
		printf("# cannot write an empty index\n");
	cf_source *s = open_with(NULL, &d);
	ok(s && d.len == 0, "an empty index (no entries, as libgit2 writes it): opened");
	ok(s && cf_source_list_dirs(s, "cases", &l, &d) == 0 && l.n == 0 &&
	       cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 && l.n == 0 && d.len == 0 &&
	       !cf_source_exists(s, "cases") && cf_source_guard(s, NULL, NULL, 1, &d) == 0,
	   "... lists nothing, holds nothing, guards nothing");
	ok(s && cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 && cases.n == 0 &&
	       all == 1,
	   "... against HEAD: the rules went, so everything (and no case left to check)");
	cf_source_free(s);

	raw_index(&b, 2, NULL, 0, 0, NULL, 0);
	s = open_with(&b, &d);
	ok(s && d.len == 0 && !cf_source_exists(s, "README.md"),
	   "an empty index of 32 bytes, checksum zeros (index.skipHash): opened, empty");
	cf_source_free(s);

	cf_buf_clear(&b);
	ok(refused(&b, "0 bytes, too short", "git reset"), "a file of 0 bytes: damaged, not read");

	char *path = cf_path_join(in_tmp("git"), ".git/index");
	if (path)
		unlink(path);
	free(path);
	s = open_with(NULL, &d);
	ok(s && d.len == 0 && !cf_source_exists(s, "README.md"),
	   "no index file at all: an empty index");
	cf_source_free(s);

	/* A commit of the empty tree. */
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1], want[64];
	s = NULL;
	if (commit(&id, r, none, head) == 0) {
		git_oid_tostr(hex, sizeof(hex), &id);
		snprintf(want, sizeof(want), "commit %.12s", hex);
		ok(cf_source_open_rev(&s, in_tmp("git"), hex, &d) == 0 &&
		       strcmp(cf_source_name(s), want) == 0 &&
		       cf_source_list_dirs(s, "cases", &l, &d) == 0 && l.n == 0 && d.len == 0,
		   "a commit of the empty tree: opened by id, named by it, lists nothing");
		ok(s && cf_source_attributes_changed(s) == 1,
		   "... .gitattributes removed: changed");
	} else {
		ok(0, "a commit of the empty tree");
	}
	cf_source_free(s);
	git_index_free(none);
	cf_strlist_free(&l);
	cf_strlist_free(&cases);
	cf_strlist_free(&files);
	cf_buf_free(&b);
	cf_diags_free(&d);
}

static void test_rev(const git_oid *head)
{
	cf_source *s = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char hex[GIT_OID_HEXSZ + 1], want[64];
	git_oid_tostr(hex, sizeof(hex), head);
	snprintf(want, sizeof(want), "commit %.12s", hex);
	if (!ok(cf_source_open_rev(&s, in_tmp("git"), "HEAD", &d) == 0 && d.len == 0,
		"commit: HEAD opened")) {
		show(&d);
		return;
	}
	is_str(cf_source_name(s), want, "... named by its id");
	test_reading(s, "commit: a repository of its own");
	is_int(cf_source_attributes_changed(s), 1, "... a root commit: .gitattributes is new");
	int all;
	cf_strlist a = CF_STRLIST_INIT, b = CF_STRLIST_INIT;
	is_int(cf_source_staged_changes(s, &a, &b, &all, &d), -1,
	       "... staged_changes is for the index only");
	cf_source_free(s);
	s = NULL;
	ok(cf_source_open_rev(&s, in_tmp("git"), "no-such-branch", &d) == -1 && !s &&
	       only_diag(&d, ".git", "source/read", "'no-such-branch' is not a commit", NULL),
	   "open_rev of a name that is no commit: source/read");
	cf_diags_clear(&d);
	ok(cf_source_open_rev(&s, in_tmp("git"), "HEAD^{tree}", &d) == -1 &&
	       only_diag(&d, ".git", "source/read", "is not a commit", NULL),
	   "open_rev of a tree: source/read");
	cf_diags_free(&d);
}

/* ---- damaged indexes: a diagnostic naming .git/index, never libgit2 ----------------------- */

static void test_damaged(git_repository *r, git_index *idx)
{
	cf_buf good = CF_BUF_INIT, b = CF_BUF_INIT;
	char *path = cf_path_join(in_tmp("git"), ".git/index");
	if (write_index(r, idx) < 0 || !path || cf_read_file_buf(&good, path, 1 << 24) < 0 ||
	    good.len < 200) {
		ok(0, "damaged: the good index, as libgit2 wrote it");
		free(path);
		return;
	}
	free(path);
	cf_diags d = CF_DIAGS_INIT;
	cf_source *s = open_with(&good, &d);
	ok(s && d.len == 0, "damaged: the index as libgit2 wrote it reads (its checksum verified)");
	cf_source_free(s);

	cf_buf_clear(&b);
	cf_buf_put(&b, good.ptr, 100);
	ok(refused(&b, "cut short", "`git reset` rebuilds the index"),
	   "cut to 100 bytes: damaged, cut short, how to rebuild it");
	cf_buf_clear(&b);
	cf_buf_put(&b, good.ptr, good.len - 30);
	ok(refused(&b, "cut short", NULL), "its last 30 bytes cut: damaged, cut short");

	cf_buf_clear(&b);
	cf_buf_put(&b, good.ptr, good.len);
	b.ptr[b.len - 1] ^= 1;
	ok(refused(&b, "checksum does not match", "--force-write-index"),
	   "a checksum changed: damaged, with how to write it again");
	b.ptr[b.len - 1] ^= 1;
	b.ptr[12] ^= 1; /* the first entry's ctime */
	ok(refused(&b, "checksum does not match", NULL), "a byte of an entry changed: the same");
	b.ptr[12] ^= 1;

	memcpy(b.ptr + 8, "\xff\xff\xff\xff", 4);
	ok(refused(&b, "claims 4294967295 entries", NULL),
	   "a count of 4294967295 entries: damaged, the count named");
	memcpy(b.ptr + 8, good.ptr + 8, 4);
	b.ptr[11] += 1;
	ok(refused(&b, "damaged", NULL), "a count one more than it holds: damaged");
	memcpy(b.ptr + 8, good.ptr + 8, 4);
	b.ptr[7] = 5;
	ok(refused(&b, "version 5", NULL), "version 5: damaged, the version named");
	b.ptr[7] = 1;
	ok(refused(&b, "version 1", NULL), "version 1: the same");
	b.ptr[7] = good.ptr[7];
	b.ptr[3] = 'X';
	ok(refused(&b, "does not start with DIRC", NULL), "no DIRC: not an index");
	cf_buf_clear(&b);
	cf_buf_puts(&b, "DIRC");
	ok(refused(&b, "4 bytes, too short", NULL), "4 bytes: too short");

	/* Written byte by byte, checksum zeros. */
	git_oid o1, o2;
	blob(&o1, r, "one\n", 4);
	blob(&o2, r, "two\n", 4);
	raw_entry sorted[] = {{"README.md", &o1, 0, 0, 0, -1},
			      {"cases/2026-001/case.yaml", &o2, 0, 0, 0, -1},
			      {"cases/2026-001/notes/a.md", &o1, 0, 0, 0, -1},
			      {"cases/2026-001/notes/b.md", &o1, 0, 0, 0, -1}};
	for (unsigned v = 2; v <= 4; v++) {
		cf_strlist l = CF_STRLIST_INIT;
		raw_index(&b, v, sorted, 4, 0, NULL, 0);
		s = open_with(&b, &d);
		ok(s && d.len == 0 && cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 &&
		       list_is(&l, (const char *[]){"case.yaml", "notes/a.md", "notes/b.md", NULL}),
		   v == 2   ? "version 2 written here: read, every entry"
		   : v == 3 ? "version 3: the same"
			    : "version 4 (paths prefix-compressed): the same");
		cf_strlist_free(&l);
		cf_source_free(s);
	}
	raw_entry ita[] = {{"cases/2026-001/case.yaml", &o2, 0, 0, 0, -1},
			   {"cases/2026-001/later.md", &o1, 0, 0, 0x2000, -1}};
	raw_index(&b, 3, ita, 2, 0, NULL, 0);
	s = open_with(&b, &d);
	ok(s && cf_source_exists(s, "cases/2026-001/case.yaml") &&
	       !cf_source_exists(s, "cases/2026-001/later.md"),
	   "version 3: an entry added with `git add -N` is left out (nothing staged)");
	cf_source_free(s);
	raw_index(&b, 2, ita, 2, 0, NULL, 0);
	ok(refused(&b, "extended flags", NULL), "version 2 with extended flags: damaged");

	raw_entry unordered[] = {{"cases/2026-001/notes/a.md", &o1, 0, 0, 0, -1},
				 {"cases/2026-001/case.yaml", &o2, 0, 0, 0, -1}};
	raw_index(&b, 2, unordered, 2, 0, NULL, 0);
	ok(refused(&b, "entry 2 is out of order", NULL),
	   "entries out of order: damaged (git sorts them; lookups rely on it)");
	raw_entry twice[] = {{"cases/2026-001/case.yaml", &o2, 0, 0, 0, -1},
			     {"cases/2026-001/case.yaml", &o1, 0, 0, 0, -1}};
	raw_index(&b, 2, twice, 2, 0, NULL, 0);
	ok(refused(&b, "entry 2 has the path of the one before it", NULL),
	   "one path staged twice: damaged (which would git commit?)");
	raw_entry stages[] = {{"cases/2026-001/case.yaml", &o2, 0, 2, 0, -1},
			      {"cases/2026-001/case.yaml", &o1, 0, 1, 0, -1}};
	raw_index(&b, 2, stages, 2, 0, NULL, 0);
	ok(refused(&b, "out of order", NULL), "stage 2 before stage 1: damaged");
	raw_entry liar[] = {{"cases/2026-001/case.yaml", &o2, 0, 0, 0, 14}};
	raw_index(&b, 2, liar, 1, 0, NULL, 0);
	ok(refused(&b, "says its path is 14 bytes long, but it is 24", NULL),
	   "a path longer than its flags say (git would read another path): damaged");
	raw_index(&b, 4, liar, 1, 0, NULL, 0);
	ok(refused(&b, "says its path is 14", NULL), "... in version 4 too");
	raw_entry nameless[] = {{"", &o2, 0, 0, 0, -1}};
	raw_index(&b, 2, nameless, 1, 0, NULL, 0);
	ok(refused(&b, "entry 1 has no path", NULL), "an entry without a path: damaged");

	raw_index(&b, 4, sorted, 2, 0, NULL, 0);
	b.ptr[12 + 62] = 9; /* the first entry drops 9 bytes of the empty path before it */
	ok(refused(&b, "drops more of the path before it", NULL),
	   "version 4, a prefix longer than the path before: damaged");

	static const char tree_ext[] = "TREE\0\0\0\x40short";
	raw_index(&b, 2, sorted, 1, 0, tree_ext, sizeof(tree_ext) - 1);
	ok(refused(&b, "extension 'TREE' runs past its end", NULL),
	   "an extension longer than the file: damaged, named");
	raw_index(&b, 2, sorted, 1, 0, "\1\2\3", 3);
	ok(refused(&b, "3 bytes after its last entry", NULL),
	   "bytes after the entries that are no extension: damaged");

	static const char link_ext[] = "link\0\0\0\x14"
				       "0123456789abcdefghij";
	raw_index(&b, 2, sorted, 1, 0, link_ext, sizeof(link_ext) - 1);
	ok(refused(&b, "split index", "git update-index --no-split-index"),
	   "a split index: not read, with how to turn it off");
	raw_entry split[] = {{"", &o1, 0, 0, 0, -1}};
	raw_index(&b, 2, split, 1, 0, link_ext, sizeof(link_ext) - 1);
	ok(refused(&b, "split index", NULL), "... its entries without a path too");
	raw_entry sparse[] = {{"README.md", &o1, 0, 0, 0, -1},
			      {"cases/", &o1, 040000, 0, 0x4000, -1}};
	raw_index(&b, 3, sparse, 2, 0, "sdir\0\0\0\0", 8);
	ok(refused(&b, "sparse index", "git sparse-checkout disable"),
	   "a sparse index: not read, with how to turn it off");

	/* GIT_INDEX_FILE (a commit's temporary index) outside the working tree: named in full. */
	char alt[sizeof(tmp) + 16];
	snprintf(alt, sizeof(alt), "%s/alt-index", tmp);
	cf_buf_clear(&b);
	cf_buf_put(&b, good.ptr, 50);
	write_file(alt, b.ptr, b.len, 0644);
	setenv("GIT_INDEX_FILE", alt, 1);
	s = NULL;
	cf_diags_clear(&d);
	ok(cf_source_open_index(&s, in_tmp("git"), &d) == -1 &&
	       only_diag(&d, alt, "source/read", "damaged", NULL),
	   "GIT_INDEX_FILE names a damaged index: reported by its whole path");
	cf_diags_clear(&d);
	write_file(alt, good.ptr, good.len, 0644);
	ok(cf_source_open_index(&s, in_tmp("git"), &d) == 0 && d.len == 0 &&
	       cf_source_exists(s, "README.md"),
	   "GIT_INDEX_FILE names a good index: read");
	cf_source_free(s);
	unsetenv("GIT_INDEX_FILE");

	cf_buf_free(&b);
	cf_buf_free(&good);
	cf_diags_free(&d);
}

/* F6: an entry 4,000 directories deep, which git takes into an index (update-index); one
 * 100,000 deep is past git's core.maxTreeDepth, and the index is refused. */
static void test_deep(git_repository *r)
{
	git_oid o1, o2, config;
	cf_buf b = CF_BUF_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist l = CF_STRLIST_INIT, cases = CF_STRLIST_INIT, files = CF_STRLIST_INIT;
	int all = -1;
	char *deep = nested("a", 4000, 0), *shown = deep ? dir_at(deep, 16) : NULL;
	blob(&o1, r, "one\n", 4);
	blob(&o2, r, "two\n", 4);
	/* The rules as HEAD has them, so that the cases are compared one by one. */
	blob(&config, r, "partnership: Test\n", strlen("partnership: Test\n"));
	raw_entry e[] = {{".casefile/config.yaml", &config, 0, 0, 0, -1},
			 {"cases/2026-001/a", NULL, 0, 0, 0, -1},
			 {"cases/2026-001/case.yaml", &o2, 0, 0, 0, -1}};
	e[1].path = deep;
	e[1].oid = &o1;
	if (!deep || !shown) {
		ok(0, "deep: the path made");
		return;
	}
	raw_index(&b, 2, e, 3, 0, NULL, 0);
	cf_source *s = open_with(&b, &d);
	ok(s && d.len == 0, "an entry 4,000 directories deep: the index is read");
	ok(s && cf_source_staged_changes(s, &cases, &files, &all, &d) == 0 &&
	       list_is(&cases, (const char *[]){"2026-001", NULL}) && files.n == 0,
	   "... staged_changes hashes its case without running out of stack: changed");
	ok(s && cf_source_list_files(s, "cases/2026-001", &l, &d) == 0 &&
	       list_is(&l, (const char *[]){"case.yaml", NULL}) &&
	       only_diag(&d, shown, "source/read", "directories nested too deeply", NULL),
	   "... list_files: not listed; its directory 17 deep reported, once");
	cf_diags_clear(&d);
	ok(s && cf_source_exists(s, deep) && cf_source_list_dirs(s, "cases", &l, &d) == 0,
	   "... it exists, as git holds it");
	cf_source_free(s);
	free(deep);
	deep = nested("a", 100000, 0);
	if (!deep) {
		ok(0, "deep: the path made");
	} else {
		e[1].path = deep;
		cf_buf_clear(&b);
		cf_diags_clear(&d);
		raw_index(&b, 2, e, 3, 0, NULL, 0);
		s = open_with(&b, &d);
		ok(!s && d.len == 1 && strcmp(d.items[0].rule, "source/read") == 0 &&
		       strstr(d.items[0].message, "more than 4096 directories deep"),
		   "an entry 100,000 directories deep: the index is refused, past git's "
		   "core.maxTreeDepth");
		cf_source_free(s);
	}
	cf_strlist_free(&l);
	cf_strlist_free(&cases);
	cf_strlist_free(&files);
	cf_diags_free(&d);
	cf_buf_free(&b);
	free(shown);
	free(deep);
}

int main(void)
{
	if (cf_init() < 0 || make_temp_dir(tmp, sizeof(tmp), "source") < 0 ||
	    git_libgit2_init() < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, tmp) < 0) {
		printf("Bail out! set-up\n");
		return 1;
	}
	unsetenv("GIT_INDEX_FILE"); /* a hook's, when the suite runs from one */
	cf_key *copy = NULL;
	if (cf_key_generate(&key) != 0 || cf_key_generate(&other) != 0 ||
	    cf_keyring_new(&ring) != 0 || cf_key_from_bytes(&copy, cf_key_secret(key)) != 0 ||
	    cf_keyring_add(ring, copy) != 0) {
		printf("Bail out! keys\n");
		return 1;
	}
	deep16 = nested("d", 16, 1);
	deep17 = nested("e", 17, 1);
	deep17_dir = deep17 ? dir_at(deep17, 16) : NULL;
	if (!deep16 || !deep17_dir) {
		printf("Bail out! memory\n");
		return 1;
	}

	test_workdir();
	git_oid head;
	git_index *idx = NULL;
	git_repository *r = make_repo(&head, &idx);
	if (ok(r != NULL, "the test repository, built with libgit2")) {
		test_rev(&head);
		test_index(r, idx);
		test_damaged(r, idx);
		test_deep(r); /* before test_empty moves HEAD */
		test_empty(r, &head);
	}
	git_index_free(idx);
	git_repository_free(r);

	free(deep16);
	free(deep17);
	free(deep17_dir);
	cf_keyring_free(ring);
	cf_key_free(key);
	cf_key_free(other);
	remove_tree(tmp);
	git_libgit2_shutdown();
	return tap_done();
}
