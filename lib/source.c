#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "doc.h"
#include "fs.h"
#include "guard.h"
#include "keys.h"
#include "protect.h"

#define MAX_DEPTH 16

enum kind { WORKDIR, INDEX, COMMIT };

/* A file git holds: in the index (stage 0) or in a commit's tree. */
typedef struct entry {
	const char *path; /* the index's own string, or in the source's arena */
	git_oid oid;
	unsigned mode;	/* 0100644, 0100755, 0120000 (a link), 0160000 (a submodule) */
	int conflicted; /* the index holds it unmerged (stages 1-3, no stage 0) */
	int read;	/* read by cf_source_read (judged there: see guard_read) */
} entry;

struct cf_source {
	enum kind kind;
	char *root;
	char *real_root;	/* root with links resolved, to tell where a link leads */
	const cf_keyring *ring; /* the caller's; NULL holds no key */
	char *name;		/* for messages */
	/* INDEX and COMMIT: the entries sorted by path, as git orders them. */
	git_repository *repo;
	git_odb *odb;
	cf_arena *paths; /* the entries' paths */
	entry *entries;
	size_t n, cap;
	git_oid commit; /* COMMIT */
	/* libgit2 objects serve one thread at a time; blobs are read from worker threads.  Each
	 * thread reading blobs opens an object database of its own (odb_key); lock guards
	 * s->odb, which the opening thread uses, and a thread that could not open its own. */
	pthread_mutex_t lock;
	int has_lock;
	pthread_key_t odb_key;
	int has_key;
	char *objects_dir;
};

int cf_source_open_workdir(cf_source **out, const char *root)
{
	cf_source *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->kind = WORKDIR;
	s->root = cf_strdup(root);
	s->real_root = realpath(root, NULL);
	s->name = cf_strdup("working tree");
	if (!s->root || !s->real_root || !s->name) {
		cf_source_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const char *cf_source_name(const cf_source *s)
{
	return s->name;
}

git_repository *cf_source_git_repository(const cf_source *s)
{
	return s->repo;
}

static char *abs_path(const cf_source *s, const char *rel)
{
	return cf_path_join(s->root, rel);
}

static int git_exists(const cf_source *s, const char *path);

int cf_source_exists(cf_source *s, const char *path)
{
	if (s->kind != WORKDIR)
		return git_exists(s, path);
	char *p = abs_path(s, path);
	struct stat st;
	int ok = p && lstat(p, &st) == 0;
	free(p);
	return ok;
}

/* Opens a directory of the source: 1 with *d and its absolute path *p (the caller's to close
 * and free), 0 when it does not exist (nothing to list), -1 with a source/read diagnostic. */
static int open_dir(DIR **d, char **p, cf_source *s, const char *rel, cf_diags *diags)
{
	*p = abs_path(s, rel);
	if (!*p)
		return -1;
	*d = opendir(*p);
	if (*d)
		return 1;
	int e = errno;
	free(*p);
	*p = NULL;
	if (e == ENOENT)
		return 0;
	cf_diags_add(diags, CF_SEV_ERROR, rel, 0, 0, "source/read", "cannot read: %s", strerror(e));
	return -1;
}

static int git_list_dirs(cf_source *s, const char *dir, cf_strlist *out);
static int git_list_files(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags);

int cf_source_list_dirs(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags)
{
	if (s->kind != WORKDIR)
		return git_list_dirs(s, dir, out);
	char *p;
	DIR *d;
	int rc = open_dir(&d, &p, s, dir, diags);
	if (rc <= 0)
		return rc;
	struct dirent *ent;
	rc = 0;
	while (rc == 0 && (ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		char *full = cf_path_join(p, ent->d_name);
		struct stat st;
		/* A link is listed too, so that the case it claims to be is reported as a link
		 * rather than silently skipped; it is never followed (cf_source_list_files). */
		int is_dir = ent->d_type == DT_DIR || ent->d_type == DT_LNK;
		if (ent->d_type == DT_UNKNOWN && full && lstat(full, &st) == 0)
			is_dir = S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode);
		if (is_dir)
			rc = cf_strlist_add(out, ent->d_name);
		free(full);
	}
	closedir(d);
	free(p);
	cf_strlist_sort(out);
	return rc;
}

/* File names end up in diagnostics, on terminals and in JSON: they must be plain text. */
static int name_is_text(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = (*p & 0xe0) == 0xc0	 ? 2
			   : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4
						 : 0;
		if (n == 0 || (n == 2 && *p < 0xc2))
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

static void report_link(cf_source *s, const char *full, const char *rel, cf_diags *diags)
{
	char *target = realpath(full, NULL);
	size_t n = strlen(s->real_root);
	int outside = !target || strncmp(target, s->real_root, n) != 0 ||
		      (target[n] != '/' && target[n] != '\0');
	cf_diag *d =
	    cf_diags_add(diags, CF_SEV_ERROR, rel, 0, 0, "source/symlink", "%s",
			 outside ? "a symbolic link that leads outside the repository (not read)"
				 : "a symbolic link (not read): case files are regular files");
	cf_diag_hint(diags, d, "replace the link with the file itself");
	free(target);
}

static int walk(cf_source *s, const char *rel_dir, size_t strip, int depth, cf_strlist *out,
		cf_diags *diags)
{
	char *p;
	DIR *d;
	int rc = open_dir(&d, &p, s, rel_dir, diags);
	if (rc <= 0)
		return rc;
	struct dirent *ent;
	rc = 0;
	while (rc == 0 && (ent = readdir(d))) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		char *full = cf_path_join(p, ent->d_name);
		char *rel = cf_path_join(rel_dir, ent->d_name);
		struct stat st;
		memset(&st, 0, sizeof(st));
		/* readdir says what an entry is on most file systems; lstat only when it
		 * does not (DT_UNKNOWN), to spare a system call per file. */
		int known = ent->d_type == DT_REG || ent->d_type == DT_DIR || ent->d_type == DT_LNK;
		if (known)
			st.st_mode = ent->d_type == DT_REG   ? S_IFREG
				     : ent->d_type == DT_DIR ? S_IFDIR
							     : S_IFLNK;
		if (!full || !rel) {
			rc = -1;
		} else if (!known && lstat(full, &st) < 0) {
			cf_diags_add(diags, CF_SEV_ERROR, rel, 0, 0, "source/read",
				     "cannot read: %s", strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			report_link(s, full, rel, diags);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= MAX_DEPTH)
				cf_diags_add(diags, CF_SEV_ERROR, rel, 0, 0, "source/read",
					     "directories nested too deeply (not read)");
			else
				rc = walk(s, rel, strip, depth + 1, out, diags);
		} else if (!name_is_text(ent->d_name)) {
			cf_diags_add(
			    diags, CF_SEV_ERROR, rel_dir, 0, 0, "source/name",
			    "a file whose name is not UTF-8 text or holds control characters "
			    "(not read)");
		} else if (S_ISREG(st.st_mode)) {
			/* Editors leave backups and swap files; they are not case files. */
			size_t len = strlen(ent->d_name);
			int junk = ent->d_name[len - 1] == '~' ||
				   (ent->d_name[0] == '.' &&
				    (len > 4 && strcmp(ent->d_name + len - 4, ".swp") == 0));
			if (!junk)
				rc = cf_strlist_add(out, rel + strip);
		} else {
			cf_diags_add(diags, CF_SEV_ERROR, rel, 0, 0, "source/special",
				     "not a regular file (not read)");
		}
		free(full);
		free(rel);
	}
	closedir(d);
	free(p);
	return rc;
}

int cf_source_list_files(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags)
{
	if (s->kind != WORKDIR)
		return git_list_files(s, dir, out, diags);
	/* opendir follows a link: a case directory that is one would be read from wherever it
	 * points, outside the repository perhaps.  Refuse it here. */
	char *p = abs_path(s, dir);
	struct stat st;
	if (p && lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
		report_link(s, p, dir, diags);
		free(p);
		return 0;
	}
	if (p && lstat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
		cf_diags_add(diags, CF_SEV_ERROR, dir, 0, 0, "source/special",
			     "not a directory: a case is a directory of files");
		free(p);
		return 0;
	}
	free(p);
	int rc = walk(s, dir, strlen(dir) + 1, 0, out, diags);
	cf_strlist_sort(out);
	return rc;
}

/* ---- the index and commits ---- */

static void git_failed(cf_diags *diags, const char *what)
{
	const git_error *e = git_error_last();
	cf_diags_add(diags, CF_SEV_ERROR, ".git", 0, 0, "source/read", "cannot read %s: %s", what,
		     e && e->message ? e->message : "unknown error");
}

static int add_entry(cf_source *s, const char *path, const git_oid *oid, unsigned mode,
		     int conflicted)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		entry *e = realloc(s->entries, cap * sizeof(*e));
		if (!e)
			return -1;
		s->entries = e;
		s->cap = cap;
	}
	entry *e = &s->entries[s->n++];
	e->path = path;
	git_oid_cpy(&e->oid, oid);
	e->mode = mode;
	e->conflicted = conflicted;
	e->read = 0;
	return 0;
}

static void free_thread_odb(void *odb)
{
	git_odb_free(odb);
}

/* The calling thread's own object database, opened on first use; NULL when it cannot be
 * opened (then s->odb serves, under s->lock). */
static git_odb *thread_odb(cf_source *s)
{
	git_odb *odb = pthread_getspecific(s->odb_key);
	if (odb)
		return odb;
	if (git_odb_open(&odb, s->objects_dir) < 0)
		return NULL;
	if (pthread_setspecific(s->odb_key, odb) != 0) {
		git_odb_free(odb);
		return NULL;
	}
	return odb;
}

/* The repository of the working tree at root, for a source of kind. */
static int open_git(cf_source **out, const char *root, enum kind kind, cf_diags *diags)
{
	*out = NULL;
	cf_source *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->kind = kind;
	if (git_libgit2_init() < 0) {
		free(s);
		return -1;
	}
	s->root = cf_strdup(root);
	s->real_root = realpath(root, NULL);
	if (!s->root || !s->real_root || pthread_mutex_init(&s->lock, NULL) != 0) {
		cf_source_free(s);
		return -1;
	}
	s->has_lock = 1;
	if (git_repository_open_ext(&s->repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_odb(&s->odb, s->repo) < 0) {
		git_failed(diags, "the git repository");
		cf_source_free(s);
		return -1;
	}
	s->objects_dir = cf_path_join(git_repository_commondir(s->repo), "objects");
	if (!s->objects_dir || pthread_key_create(&s->odb_key, free_thread_odb) != 0) {
		cf_source_free(s);
		return -1;
	}
	s->has_key = 1;
	*out = s;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds one entry of the index; unmerged paths (stages 1-3, consecutive) are listed once. */
static int add_index_entry(cf_source *s, const char *path, const git_oid *oid, unsigned mode,
			   int stage)
{
	if (stage && s->n && strcmp(s->entries[s->n - 1].path, path) == 0)
		return 0;
	return add_entry(s, path, oid, mode, stage != 0);
}

/* SHA-1 (FIPS 180-4), for the checksum that ends git's index file: an integrity check, as
 * `git fsck` makes it, that nothing here relies on for secrecy or authenticity. */
static uint32_t rol32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* SHA-1's rounds, unrolled (round i a constant): the message word i (loaded, or made of
 * the 16 before it), the round's function and constant, and one round, whose five working
 * variables are named in turn rather than moved. */
#define SHA1_W(i)                                                                                  \
	((i) < 16                                                                                  \
	     ? (w[(i)&15] = be32(p + 4 * ((i)&15)))                                                \
	     : (w[(i)&15] = rol32(                                                                 \
		    w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i)&15], 1)))
#define SHA1_F(i, x, y, z)                                                                         \
	((i) < 20   ? ((z) ^ ((x) & ((y) ^ (z))))                                                  \
	 : (i) < 40 ? ((x) ^ (y) ^ (z))                                                            \
	 : (i) < 60 ? (((x) & (y)) | ((z) & ((x) | (y))))                                          \
		    : ((x) ^ (y) ^ (z)))
#define SHA1_K(i)                                                                                  \
	((i) < 20 ? 0x5a827999u : (i) < 40 ? 0x6ed9eba1u : (i) < 60 ? 0x8f1bbcdcu : 0xca62c1d6u)
#define SHA1_R(v, x, y, z, u, i)                                                                   \
	do {                                                                                       \
		u += SHA1_F(i, x, y, z) + SHA1_K(i) + SHA1_W(i) + rol32(v, 5);                     \
		x = rol32(x, 30);                                                                  \
	} while (0)
#define SHA1_5(i)                                                                                  \
	do {                                                                                       \
		SHA1_R(a, b, c, d, e, (i));                                                        \
		SHA1_R(e, a, b, c, d, (i) + 1);                                                    \
		SHA1_R(d, e, a, b, c, (i) + 2);                                                    \
		SHA1_R(c, d, e, a, b, (i) + 3);                                                    \
		SHA1_R(b, c, d, e, a, (i) + 4);                                                    \
	} while (0)

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	SHA1_5(0);
	SHA1_5(5);
	SHA1_5(10);
	SHA1_5(15);
	SHA1_5(20);
	SHA1_5(25);
	SHA1_5(30);
	SHA1_5(35);
	SHA1_5(40);
	SHA1_5(45);
	SHA1_5(50);
	SHA1_5(55);
	SHA1_5(60);
	SHA1_5(65);
	SHA1_5(70);
	SHA1_5(75);
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}
#undef SHA1_W
#undef SHA1_F
#undef SHA1_K
#undef SHA1_R
#undef SHA1_5

static void sha1(unsigned char out[GIT_OID_RAWSZ], const unsigned char *data, size_t len)
{
	uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	size_t full = len - len % 64;
	for (size_t i = 0; i < full; i += 64)
		sha1_block(h, data + i);
	unsigned char tail[128];
	size_t rest = len - full, n = rest < 56 ? 64 : 128;
	memset(tail, 0, sizeof(tail));
	if (rest)
		memcpy(tail, data + full, rest);
	tail[rest] = 0x80;
	uint64_t bits = (uint64_t)len * 8;
	for (size_t i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t i = 0; i < n; i += 64)
		sha1_block(h, tail + i);
	for (size_t i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

/* The index file as its diagnostics name it: below the working tree (".git/index"), or the
 * whole path when it lies elsewhere (GIT_INDEX_FILE, a linked worktree's git directory). */
static const char *index_shown(const cf_source *s, const char *path)
{
	const char *roots[2] = {s->real_root, s->root};
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(roots[i]);
		if (n && strncmp(path, roots[i], n) == 0 && path[n] == '/' && path[n + 1])
			return path + n + 1;
	}
	return path;
}

#define INDEX_HINT_DAMAGED                                                                         \
	"`git status` says whether git can read it; `git reset` rebuilds the index from HEAD "     \
	"(what was staged must then be added again)"
#define INDEX_HINT_CHECKSUM                                                                        \
	"`git fsck` finds the same; when `git status` can read the index, `git update-index "      \
	"--force-write-index` writes it again, else `git reset` rebuilds it from HEAD (what was "  \
	"staged must then be added again)"
#define INDEX_HINT_SPLIT                                                                           \
	"casefile cannot read a split index (core.splitIndex): `git update-index "                 \
	"--no-split-index` turns it off"
#define INDEX_HINT_SPARSE                                                                          \
	"casefile cannot read a sparse index (index.sparse), which leaves directories out: "       \
	"`git sparse-checkout disable` turns it off"

/* One source/read error about the index file shown, as fmt says, with hint (may be NULL). */
static void index_refused(cf_diags *diags, const char *shown, const char *hint, const char *fmt,
			  ...) __attribute__((format(printf, 4, 5)));
static void index_refused(cf_diags *diags, const char *shown, const char *hint, const char *fmt,
			  ...)
{
	cf_buf why = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&why, fmt, ap);
	va_end(ap);
	cf_diag *d =
	    cf_diags_add(diags, CF_SEV_ERROR, shown, 0, 0, "source/read", "%s", cf_buf_cstr(&why));
	if (hint)
		cf_diag_hint(diags, d, "%s", hint);
	cf_buf_free(&why);
}

/* The smallest entry git writes: 62 bytes of stat data, id and flags, then a path of at least
 * one byte and its NUL (versions 2 and 3, padded to 8), or a one-byte prefix length, the path
 * and its NUL (version 4) -- 64 bytes either way. */
#define INDEX_MIN_ENTRY 64

/* git's index file, read here and only here: never by libgit2, which takes longer to load an
 * index of thousands of entries than casefile takes to check a case, and which (1.5) believes
 * the entry count of a damaged file.  Documentation/gitformat-index: versions 2 to 4, the
 * entries sorted by path then stage, extensions, the SHA-1 of all that (or zeros, when
 * index.skipHash is set).  The file is read as git reads it: the path length in an entry's
 * flags must be its path's, so that the entries found here are the ones git commits.  0 when
 * read (an absent file is an empty index), -1 with a source/read diagnostic naming the file
 * and what is wrong -- cut short, a wrong checksum, a count of entries larger than the file
 * holds, entries out of order; a split or sparse index, which this reader does not read
 * either -- or -1 alone when memory ran out. */
/* git's own limit of tree depth (core.maxTreeDepth, by default): an index holding a deeper
 * path is not one git makes, and libgit2 (which the hooks give the index to) recurses once
 * per directory to write its tree. */
#define INDEX_MAX_DEPTH 4096

static size_t path_depth(const char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += p[i] == '/';
	return n;
}

static int read_index_file(cf_source *s, const char *path, cf_diags *diags)
{
	const char *shown = index_shown(s, path);
	cf_buf b = CF_BUF_INIT, prev = CF_BUF_INIT, cur = CF_BUF_INIT, problem = CF_BUF_INIT;
	int rc = -1;
	if (cf_read_file_buf(&b, path, (size_t)1 << 30) < 0) {
		int e = errno;
		if (e == ENOENT)
			rc = 0;
		else if (e != ENOMEM)
			index_refused(diags, shown, NULL, "cannot read the git index: %s",
				      strerror(e));
		goto out;
	}
	if (b.len < 12 + GIT_OID_RAWSZ) {
		index_refused(diags, shown, INDEX_HINT_DAMAGED,
			      "the git index is damaged: %zu bytes, too short for an index", b.len);
		goto out;
	}
	const unsigned char *p = (const unsigned char *)b.ptr, *end = p + b.len - GIT_OID_RAWSZ;
	if (memcmp(p, "DIRC", 4) != 0) {
		index_refused(
		    diags, shown, INDEX_HINT_DAMAGED,
		    "the git index is damaged: it does not start with DIRC, as every index does");
		goto out;
	}
	uint32_t version = be32(p + 4), count = be32(p + 8);
	if (version < 2 || version > 4) {
		index_refused(diags, shown, INDEX_HINT_DAMAGED,
			      "the git index is damaged: version %u, which git does not write "
			      "(it writes 2, 3 and 4)",
			      (unsigned)version);
		goto out;
	}
	if (count > (size_t)(end - p - 12) / INDEX_MIN_ENTRY) {
		index_refused(
		    diags, shown, INDEX_HINT_DAMAGED,
		    "the git index is damaged: it claims %lu entries, more than its %zu bytes can "
		    "hold (cut short?)",
		    (unsigned long)count, b.len);
		goto out;
	}
	p += 12;
	int sparse = 0, split = 0, prev_stage = 0;
	uint32_t i;
	for (i = 0; i < count; i++) {
		const unsigned char *start = p;
		unsigned long nth = (unsigned long)i + 1;
		if (end - p < 62)
			goto cut;
		unsigned mode = be32(p + 24);
		git_oid oid;
		git_oid_fromraw(&oid, p + 40);
		unsigned flags = (unsigned)p[60] << 8 | p[61];
		p += 62;
		unsigned extended = 0;
		if (flags & 0x4000) {
			if (version < 3) {
				index_refused(
				    diags, shown, INDEX_HINT_DAMAGED,
				    "the git index is damaged: entry %lu has extended flags, which "
				    "version 2 does not have",
				    nth);
				goto out;
			}
			if (end - p < 2)
				goto cut;
			extended = (unsigned)p[0] << 8 | p[1];
			p += 2;
		}
		int stage = (int)((flags >> 12) & 3);
		cf_buf_clear(&cur);
		if (version == 4) {
			/* The number of bytes to drop from the previous path, as an offset varint,
			 * then the rest of this one. */
			if (p >= end)
				goto cut;
			unsigned char c = *p++;
			size_t drop = c & 127;
			while (c & 128) {
				if (p >= end)
					goto cut;
				if (drop > ((size_t)1 << 40))
					goto bad_prefix;
				c = *p++;
				drop = ((drop + 1) << 7) | (c & 127);
			}
			const unsigned char *nul = memchr(p, 0, (size_t)(end - p));
			if (!nul)
				goto cut;
			if (drop > prev.len)
				goto bad_prefix;
			if (prev.len > drop)
				cf_buf_put(&cur, prev.ptr, prev.len - drop);
			cf_buf_put(&cur, p, (size_t)(nul - p));
			p = nul + 1;
		} else {
			const unsigned char *nul = memchr(p, 0, (size_t)(end - p));
			if (!nul)
				goto cut;
			cf_buf_put(&cur, p, (size_t)(nul - p));
			/* Padded with 1 to 8 NULs to a multiple of 8 bytes from the entry's start.
			 */
			size_t len = (size_t)(nul - start) + 1;
			if (((len + 7) & ~(size_t)7) > (size_t)(end - start))
				goto cut;
			p = start + ((len + 7) & ~(size_t)7);
		}
		if (cf_buf_oom(&cur))
			goto out;
		/* git takes the path's length from the flags (0xfff: that long or longer), and
		 * from it where the next entry starts. */
		unsigned named = flags & 0xfff;
		if (named < 0xfff ? cur.len != named : cur.len < 0xfff) {
			index_refused(
			    diags, shown, INDEX_HINT_DAMAGED,
			    "the git index is damaged: entry %lu says its path is %u bytes "
			    "long, but it is %zu",
			    nth, named, cur.len);
			goto out;
		}
		/* A sparse index holds directories (mode 040000); a split index may hold entries
		 * without a path (its shared index has them): said once the extensions are read.
		 * What else is wrong is reported then too, unless the index is one of those. */
		if ((mode & 0170000) == 0040000)
			sparse = 1;
		if (cur.len == 0 && !problem.len)
			cf_buf_printf(&problem, "entry %lu has no path", nth);
		if (!problem.len && path_depth(cur.ptr, cur.len) > INDEX_MAX_DEPTH)
			cf_buf_printf(
			    &problem,
			    "entry %lu's path is more than %d directories deep (git's "
			    "core.maxTreeDepth; libgit2 would write its tree by recursion)",
			    nth, INDEX_MAX_DEPTH);
		if (i > 0 && cur.len && prev.len && !problem.len) {
			int cmp = strcmp(cf_buf_cstr(&prev), cf_buf_cstr(&cur));
			if (cmp > 0 || (cmp == 0 && prev_stage > stage))
				cf_buf_printf(&problem,
					      "entry %lu is out of order (git sorts them by path)",
					      nth);
			else if (cmp == 0 && prev_stage == 0)
				cf_buf_printf(&problem,
					      "entry %lu has the path of the one before it", nth);
		}
		cf_buf tmp = prev;
		prev = cur;
		cur = tmp;
		prev_stage = stage;
		/* Nothing staged: no path (a split index's), a directory (a sparse index's; both
		 * refused below), or an intent to add (`git add -N`). */
		if (prev.len == 0 || sparse || (extended & 0x2000))
			continue;
		char *copy = cf_arena_strndup(s->paths, prev.ptr, prev.len);
		if (!copy || add_index_entry(s, copy, &oid, mode, stage) < 0)
			goto out;
	}
	/* Extensions: four letters and a size.  A split index ("link") keeps entries in another
	 * file; a sparse one ("sdir") leaves directories out. */
	while (end - p >= 8) {
		uint32_t size = be32(p + 4);
		if (memcmp(p, "link", 4) == 0)
			split = 1;
		if (memcmp(p, "sdir", 4) == 0)
			sparse = 1;
		if ((size_t)(end - p - 8) < size) {
			int text = 1;
			for (int k = 0; k < 4; k++)
				text = text && ((p[k] >= 'A' && p[k] <= 'Z') ||
						(p[k] >= 'a' && p[k] <= 'z'));
			index_refused(
			    diags, shown, INDEX_HINT_DAMAGED,
			    "the git index is damaged: %s%.*s%s runs past its end (cut short?)",
			    text ? "extension '" : "an extension", text ? 4 : 0, (const char *)p,
			    text ? "'" : "");
			goto out;
		}
		p += 8 + size;
	}
	if (p != end) {
		index_refused(diags, shown, INDEX_HINT_DAMAGED,
			      "the git index is damaged: %zu bytes after its last entry or "
			      "extension that are neither (cut short?)",
			      (size_t)(end - p));
		goto out;
	}
	static const unsigned char zeros[GIT_OID_RAWSZ];
	unsigned char sum[GIT_OID_RAWSZ];
	if (memcmp(end, zeros, GIT_OID_RAWSZ) != 0) { /* zeros: index.skipHash */
		sha1(sum, (const unsigned char *)b.ptr, b.len - GIT_OID_RAWSZ);
		if (memcmp(end, sum, GIT_OID_RAWSZ) != 0) {
			index_refused(
			    diags, shown, INDEX_HINT_CHECKSUM,
			    "the git index is damaged: its checksum does not match its contents");
			goto out;
		}
	}
	if (split) {
		index_refused(
		    diags, shown, INDEX_HINT_SPLIT,
		    "the git index is a split index, which keeps entries in another file");
		goto out;
	}
	if (sparse) {
		index_refused(
		    diags, shown, INDEX_HINT_SPARSE,
		    "the git index is a sparse index, which holds directories in place of their "
		    "files");
		goto out;
	}
	if (problem.len) {
		index_refused(diags, shown, INDEX_HINT_DAMAGED, "the git index is damaged: %s",
			      cf_buf_cstr(&problem));
		goto out;
	}
	rc = cf_buf_oom(&problem) ? -1 : 0;
	goto out;
cut:
	index_refused(
	    diags, shown, INDEX_HINT_DAMAGED,
	    "the git index is damaged: it ends inside entry %lu of the %lu it claims (cut short?)",
	    (unsigned long)i + 1, (unsigned long)count);
	goto out;
bad_prefix:
	index_refused(
	    diags, shown, INDEX_HINT_DAMAGED,
	    "the git index is damaged: an entry drops more of the path before it than there is");
out:
	if (rc < 0) { /* what was read is dropped */
		s->n = 0;
		cf_arena_reset(s->paths);
	}
	cf_buf_free(&problem);
	cf_buf_free(&cur);
	cf_buf_free(&prev);
	cf_buf_free(&b);
	return rc;
}

int cf_source_open_index(cf_source **out, const char *root, cf_diags *diags)
{
	cf_source *s;
	if (open_git(&s, root, INDEX, diags) < 0)
		return -1;
	s->name = cf_strdup("index");
	if (!s->name || cf_arena_new(&s->paths, 0) < 0)
		goto fail;
	/* `git commit -a`, `git commit FILE` and `-i`/`-o` stage into a temporary index and
	 * name it to the hook in GIT_INDEX_FILE: that is what will be committed. */
	const char *index_file = getenv("GIT_INDEX_FILE");
	char *path = index_file && *index_file
			 ? cf_strdup(index_file)
			 : cf_path_join(git_repository_path(s->repo), "index");
	int rc = path ? read_index_file(s, path, diags) : -1;
	free(path);
	if (rc < 0)
		goto fail;
	/* No sorting: read_index_file refuses an index whose entries are not in git's order,
	 * which is the one every lookup here assumes. */
	*out = s;
	return 0;
fail:
	cf_source_free(s);
	return -1;
}

typedef struct walk_ctx {
	cf_source *s;
	int failed;
} walk_ctx;

static int tree_cb(const char *dir, const git_tree_entry *te, void *payload)
{
	walk_ctx *w = payload;
	git_object_t type = git_tree_entry_type(te);
	if (type == GIT_OBJECT_TREE)
		return 0; /* walked into */
	const char *name = git_tree_entry_name(te);
	size_t dl = strlen(dir), nl = strlen(name);
	char *path = cf_arena_alloc(w->s->paths, dl + nl + 1);
	if (!path || add_entry(w->s, path, git_tree_entry_id(te),
			       (unsigned)git_tree_entry_filemode_raw(te), 0) < 0) {
		w->failed = 1;
		return -1;
	}
	memcpy(path, dir, dl);
	memcpy(path + dl, name, nl + 1);
	return 0;
}

int cf_source_open_rev(cf_source **out, const char *root, const char *rev, cf_diags *diags)
{
	cf_source *s;
	if (open_git(&s, root, COMMIT, diags) < 0)
		return -1;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int rc = -1;
	if (git_revparse_single(&obj, s->repo, rev) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, ".git", 0, 0, "source/read",
					  "'%s' is not a commit of this repository", rev);
		cf_diag_hint(diags, d, "name a commit: a branch, a tag, HEAD~1 or an id");
		goto out;
	}
	git_oid_cpy(&s->commit, git_commit_id(commit));
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), &s->commit);
	cf_buf name = CF_BUF_INIT;
	cf_buf_printf(&name, "commit %.12s", hex);
	s->name = cf_buf_detach(&name);
	if (!s->name || cf_arena_new(&s->paths, 0) < 0)
		goto out;
	if (git_commit_tree(&tree, commit) < 0) {
		git_failed(diags, "the commit's files");
		goto out;
	}
	walk_ctx w = {s, 0};
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_cb, &w) < 0) {
		if (!w.failed)
			git_failed(diags, "the commit's files");
		goto out;
	}
	if (s->n > 1) /* an empty tree has no entries to sort (nor an array) */
		qsort(s->entries, s->n, sizeof(*s->entries), cmp_entry);
	rc = 0;
out:
	git_tree_free(tree);
	git_commit_free(commit);
	git_object_free(obj);
	if (rc < 0) {
		cf_source_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* The first entry whose path is not below key (binary search). */
static size_t lower_bound(const cf_source *s, const char *key)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->entries[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entries under dir ("dir/..."), as the range [*begin, *end). */
static int dir_range(const cf_source *s, const char *dir, size_t *begin, size_t *end)
{
	cf_buf prefix = CF_BUF_INIT;
	cf_buf_printf(&prefix, "%s/", dir);
	if (cf_buf_oom(&prefix))
		return -1;
	size_t i = lower_bound(s, prefix.ptr);
	*begin = i;
	while (i < s->n && strncmp(s->entries[i].path, prefix.ptr, prefix.len) == 0)
		i++;
	*end = i;
	cf_buf_free(&prefix);
	return 0;
}

static const entry *find_entry(const cf_source *s, const char *path)
{
	size_t i = lower_bound(s, path);
	return i < s->n && strcmp(s->entries[i].path, path) == 0 ? &s->entries[i] : NULL;
}

static int git_list_dirs(cf_source *s, const char *dir, cf_strlist *out)
{
	size_t b, e;
	if (dir_range(s, dir, &b, &e) < 0)
		return -1;
	size_t skip = strlen(dir) + 1;
	const char *last = NULL;
	size_t last_len = 0;
	for (size_t i = b; i < e; i++) {
		const char *name = s->entries[i].path + skip;
		const char *slash = strchr(name, '/');
		if (!slash || name[0] == '.')
			continue;
		size_t len = (size_t)(slash - name);
		if (last && len == last_len && memcmp(name, last, len) == 0)
			continue;
		char *copy = cf_strndup(name, len);
		if (cf_strlist_take(out, copy) < 0)
			return -1;
		last = name;
		last_len = len;
	}
	cf_strlist_sort(out);
	return 0;
}

static int git_list_files(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags)
{
	const entry *self = find_entry(s, dir);
	if (self) {
		cf_diags_add(diags, CF_SEV_ERROR, dir, 0, 0, "source/special",
			     "not a directory: a case is a directory of files");
		return 0;
	}
	size_t b, e;
	if (dir_range(s, dir, &b, &e) < 0)
		return -1;
	size_t skip = strlen(dir) + 1;
	const char *deep = NULL; /* the last directory reported as nested too deeply */
	size_t deep_len = 0;
	for (size_t i = b; i < e; i++) {
		const entry *en = &s->entries[i];
		const char *slash = strrchr(en->path, '/');
		/* As in the working tree (walk), a file more than MAX_DEPTH directories below dir
		 * is not read: its directory at that depth is reported, once. */
		const char *at = en->path + skip;
		for (int depth = 0; at && depth <= MAX_DEPTH; depth++) {
			const char *next = strchr(at, '/');
			at = next ? next + 1 : NULL;
		}
		if (at) {
			size_t len = (size_t)(at - 1 - en->path);
			if (!deep || len != deep_len || strncmp(en->path, deep, len) != 0) {
				deep = en->path;
				deep_len = len;
				char *shown = cf_strndup(en->path, len);
				if (!shown)
					return -1;
				cf_diags_add(diags, CF_SEV_ERROR, shown, 0, 0, "source/read",
					     "directories nested too deeply (not read)");
				free(shown);
			}
		} else if (en->conflicted) {
			cf_diag *d =
			    cf_diags_add(diags, CF_SEV_ERROR, en->path, 0, 0, "source/conflict",
					 "unmerged: the %s holds the file's conflicting "
					 "versions, not one file (not read)",
					 s->name);
			cf_diag_hint(diags, d,
				     "resolve the conflict in the file, then `git add` it");
		} else if (en->mode != GIT_FILEMODE_BLOB &&
			   en->mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
			/* A link or a submodule: not a case file, and not read; cf_source_guard
			 * reports it as crypt/plaintext, once (its target or its files are not
			 * encrypted). */
			continue;
		} else if (!name_is_text(slash ? slash + 1 : en->path)) {
			cf_diags_add(
			    diags, CF_SEV_ERROR, dir, 0, 0, "source/name",
			    "a file whose name is not UTF-8 text or holds control characters "
			    "(not read)");
		} else if (cf_strlist_add(out, en->path + skip) < 0) {
			return -1;
		}
	}
	return 0;
}

static int git_exists(const cf_source *s, const char *path)
{
	if (find_entry(s, path))
		return 1;
	size_t b, e;
	return dir_range(s, path, &b, &e) == 0 && e > b;
}

/* Reads the object id from odb's backends themselves, in the odb's order: 0 and the object's
 * bytes (to be freed with git_odb_backend_data_free(*from, ...)), 1 when no backend has it.
 * git_odb_read would hash every object it reads again (libgit2's strict hash verification,
 * about a tenth of a staged check): needless here, because a case file is ciphertext whose
 * tag and content-derived nonce are verified when it is decrypted, and zlib's checksum
 * already catches a damaged pack or loose object. */
static int backend_read(void **data, size_t *len, git_object_t *type, git_odb_backend **from,
			git_odb *odb, const git_oid *id)
{
	size_t n = git_odb_num_backends(odb);
	for (size_t i = 0; i < n; i++) {
		git_odb_backend *b = NULL;
		if (git_odb_get_backend(&b, odb, i) < 0 || !b->read)
			continue;
		*data = NULL;
		if (b->read(data, len, type, b, id) == 0) {
			*from = b;
			return 0;
		}
	}
	return 1;
}

/* An object's bytes as the odb's backends gave them (backend set), or git_odb_read (obj set). */
typedef struct raw_object {
	const void *data;
	size_t len;
	git_object_t type;
	git_odb_backend *backend;
	git_odb_object *obj;
} raw_object;

/* Reads object id from odb: from its backends, without a second hash (backend_read), else
 * through git_odb_read, which looks again for packs written since.  0, or -1 with libgit2's
 * error set.  raw_object_free it either way. */
static int raw_object_read(raw_object *o, git_odb *odb, const git_oid *id)
{
	memset(o, 0, sizeof(*o));
	void *data = NULL;
	if (backend_read(&data, &o->len, &o->type, &o->backend, odb, id) == 0) {
		o->data = data;
		return 0;
	}
	if (git_odb_read(&o->obj, odb, id) < 0)
		return -1;
	o->data = git_odb_object_data(o->obj);
	o->len = git_odb_object_size(o->obj);
	o->type = git_odb_object_type(o->obj);
	return 0;
}

static void raw_object_free(raw_object *o)
{
	if (o->backend)
		git_odb_backend_data_free(o->backend, (void *)o->data);
	git_odb_object_free(o->obj);
	memset(o, 0, sizeof(*o));
}

/* Copies a blob of the index or the commit into the arena, NUL-terminated. */
static int git_read_blob(cf_source *s, const char *path, size_t cap, cf_arena *arena, char **data,
			 size_t *len, cf_diags *diags)
{
	const entry *en = find_entry(s, path);
	if (!en || en->conflicted) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read",
			     "cannot read: not in the %s", s->name);
		return -1;
	}
	git_odb *odb = thread_odb(s);
	if (!odb)
		pthread_mutex_lock(&s->lock);
	raw_object o;
	int rc = 0;
	if (raw_object_read(&o, odb ? odb : s->odb, &en->oid) < 0) {
		const git_error *e = git_error_last();
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read",
			     "cannot read from the %s: %s", s->name,
			     e && e->message ? e->message : "unknown error");
		rc = -1;
	} else if (o.type != GIT_OBJECT_BLOB) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read",
			     "cannot read from the %s: object %s is not a file", s->name,
			     git_oid_tostr_s(&en->oid));
		rc = -1;
	} else if (o.len > cap) {
		*len = o.len;
		rc = -2;
	} else {
		*len = o.len;
		*data = cf_arena_alloc(arena, *len + 1);
		if (*data)
			memcpy(*data, o.data, *len);
		else
			rc = -1;
		((entry *)en)->read = 1;
	}
	raw_object_free(&o);
	if (!odb)
		pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- what the staged change touches ---- */

/* A directory hash_tree is building: the tree object so far, the entries [.., end) it holds,
 * how much of their paths names the directories above it, and its own name (in the first of
 * its entries' paths). */
typedef struct tree_frame {
	cf_buf tree;
	size_t end, skip;
	const char *name;
	size_t name_len;
} tree_frame;

/* The id git would give the tree of the entries [b, e), which all start with the same
 * directory prefix of length skip: git_odb_hash over the tree object built as git builds it
 * (its entries in the index's order, which is git's tree order).  Nothing is written.  A
 * stack of the directories open, not recursion: an index someone crafted may hold a path
 * 100,000 directories deep.  1 when an entry is unmerged (no tree can be made), -1 when
 * memory ran out. */
static int hash_tree(git_oid *out, const cf_source *s, size_t b, size_t e, size_t skip)
{
	tree_frame *stack = malloc(16 * sizeof(*stack));
	size_t depth = 0, cap = 16, i = b;
	int rc = stack ? 0 : -1;
	if (stack)
		stack[depth++] = (tree_frame){CF_BUF_INIT, e, skip, NULL, 0};
	while (rc == 0 && depth) {
		tree_frame *top = &stack[depth - 1];
		if (i == top->end) { /* the directory is complete: its id goes to its parent's */
			git_oid id;
			if (cf_buf_oom(&top->tree) ||
			    git_odb_hash(&id, top->tree.ptr ? top->tree.ptr : "", top->tree.len,
					 GIT_OBJECT_TREE) < 0) {
				rc = -1;
				break;
			}
			cf_buf_free(&top->tree);
			if (--depth == 0) {
				git_oid_cpy(out, &id);
				break;
			}
			cf_buf *up = &stack[depth - 1].tree;
			cf_buf_printf(up, "40000 %.*s", (int)top->name_len, top->name);
			cf_buf_putc(up, '\0');
			cf_buf_put(up, id.id, GIT_OID_RAWSZ);
			continue;
		}
		const entry *en = &s->entries[i];
		const char *name = en->path + top->skip;
		const char *slash = strchr(name, '/');
		if (en->conflicted) {
			rc = 1;
		} else if (!slash) {
			cf_buf_printf(&top->tree, "%o %s", en->mode, name);
			cf_buf_putc(&top->tree, '\0');
			cf_buf_put(&top->tree, en->oid.id, GIT_OID_RAWSZ);
			i++;
		} else {
			size_t len = (size_t)(slash - name), j = i + 1;
			while (j < top->end &&
			       strncmp(s->entries[j].path + top->skip, name, len + 1) == 0)
				j++;
			if (depth == cap) {
				tree_frame *more = cap > SIZE_MAX / 2 / sizeof(*stack)
						       ? NULL
						       : realloc(stack, 2 * cap * sizeof(*stack));
				if (!more) {
					rc = -1;
					break;
				}
				stack = more;
				cap *= 2;
				top = &stack[depth - 1];
			}
			stack[depth++] =
			    (tree_frame){CF_BUF_INIT, j, top->skip + len + 1, name, len};
		}
	}
	while (depth)
		cf_buf_free(&stack[--depth].tree);
	free(stack);
	return rc;
}

/* Whether the staged directory dir differs from HEAD's entry for it (NULL: HEAD has none). */
static int dir_changed(const cf_source *s, const char *dir, const git_tree_entry *head)
{
	size_t b, e;
	if (dir_range(s, dir, &b, &e) < 0)
		return -1;
	if (b == e)
		return head != NULL; /* gone, or never there */
	if (!head || git_tree_entry_type(head) != GIT_OBJECT_TREE)
		return 1;
	git_oid staged;
	int rc = hash_tree(&staged, s, b, e, strlen(dir) + 1);
	if (rc < 0)
		return -1;
	return rc == 1 || !git_oid_equal(&staged, git_tree_entry_id(head));
}

/* Whether the staged .casefile/config.yaml or .casefile/schemas/ differ from HEAD's. */
static int rules_differ(const cf_source *s, git_tree *head)
{
	git_tree_entry *cfg = NULL, *schemas = NULL;
	int rc = -1;
	int a = git_tree_entry_bypath(&cfg, head, ".casefile/config.yaml");
	int b = git_tree_entry_bypath(&schemas, head, ".casefile/schemas");
	if ((a < 0 && a != GIT_ENOTFOUND) || (b < 0 && b != GIT_ENOTFOUND))
		goto out;
	const entry *now = find_entry(s, ".casefile/config.yaml");
	if (!now != !cfg ||
	    (now && (now->conflicted || !git_oid_equal(&now->oid, git_tree_entry_id(cfg))))) {
		rc = 1;
		goto out;
	}
	rc = dir_changed(s, ".casefile/schemas", schemas);
out:
	git_tree_entry_free(cfg);
	git_tree_entry_free(schemas);
	return rc;
}

static int count_blobs(const char *root, const git_tree_entry *e, void *payload)
{
	(void)root;
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		++*(size_t *)payload;
	return 0;
}

/* Decrypts one blob of the object store, stored at path (so a version 2 blob must have been
 * made for path's case), into the arena; NULL when it is not a blob this clone holds the key
 * of, or does not verify. */
static const char *open_blob(cf_source *s, const git_oid *oid, const char *path, cf_arena *arena,
			     size_t *len, unsigned char id[CF_KEYID_BYTES])
{
	git_odb_object *obj = NULL;
	char *plain = NULL;
	if (git_odb_read(&obj, s->odb, oid) < 0)
		return NULL;
	const void *data = git_odb_object_data(obj);
	size_t n = git_odb_object_size(obj);
	if (cf_crypt_is_blob(data, n) && cf_crypt_blob_keyid(id, data, n) == 0 &&
	    cf_keyring_find(s->ring, id) &&
	    cf_crypt_decrypt(&plain, len, arena, s->ring, data, n, path, NULL) < 0)
		plain = NULL;
	git_odb_object_free(obj);
	return plain;
}

/* A case directory whose staged files differ from HEAD's only by their encryption: the same
 * files, each decrypting (with keys this clone holds) to the plaintext HEAD's does, under a
 * different key.  Anything else -- a file added or removed, a key not held, one plaintext
 * that differs -- is a change. */
static int reencrypted_only(cf_source *s, const char *dir, const git_tree_entry *was)
{
	size_t b, e, n_head = 0;
	git_tree *tree = NULL;
	cf_arena *arena = NULL;
	int same = 0;
	if (!was || git_tree_entry_type(was) != GIT_OBJECT_TREE || dir_range(s, dir, &b, &e) < 0 ||
	    git_tree_lookup(&tree, s->repo, git_tree_entry_id(was)) < 0 ||
	    git_tree_walk(tree, GIT_TREEWALK_PRE, count_blobs, &n_head) < 0 || n_head != e - b ||
	    cf_arena_new(&arena, 1) < 0)
		goto out;
	size_t skip = strlen(dir) + 1;
	same = 1;
	pthread_mutex_lock(&s->lock);
	for (size_t i = b; i < e && same; i++) {
		const entry *en = &s->entries[i];
		git_tree_entry *old = NULL;
		if (en->conflicted || git_tree_entry_bypath(&old, tree, en->path + skip) < 0) {
			same = 0;
			continue;
		}
		if (!git_oid_equal(&en->oid, git_tree_entry_id(old))) {
			unsigned char id_now[CF_KEYID_BYTES], id_was[CF_KEYID_BYTES];
			size_t len_now = 0, len_was = 0;
			const char *now = open_blob(s, &en->oid, en->path, arena, &len_now, id_now);
			const char *then =
			    open_blob(s, git_tree_entry_id(old), en->path, arena, &len_was, id_was);
			same = now && then && len_now == len_was &&
			       memcmp(now, then, len_now) == 0 &&
			       memcmp(id_now, id_was, CF_KEYID_BYTES) != 0;
			cf_arena_reset(arena);
		}
		git_tree_entry_free(old);
	}
	pthread_mutex_unlock(&s->lock);
out:
	cf_arena_free(arena);
	git_tree_free(tree);
	return same;
}

int cf_source_staged_changes(cf_source *s, cf_strlist *cases, cf_strlist *files, int *everything,
			     cf_diags *diags)
{
	*everything = 0;
	if (s->kind != INDEX)
		return -1;
	int unborn = git_repository_head_unborn(s->repo);
	if (unborn == 1) {
		*everything = 1; /* the first commit: everything in it is new */
		return 0;
	}
	git_object *obj = NULL;
	git_tree *head = NULL, *cases_tree = NULL;
	git_tree_entry *config = NULL, *cases_entry = NULL;
	int rc = -1;
	if (unborn < 0 || git_revparse_single(&obj, s->repo, "HEAD^{tree}") < 0) {
		git_failed(diags, "HEAD");
		goto out;
	}
	head = (git_tree *)obj;
	obj = NULL;
	/* The rules: the configuration and the repository's own schemas.  Members, keys and
	 * access.yaml change who may read, not what is valid. */
	int missing = git_tree_entry_bypath(&config, head, ".casefile");
	if (missing < 0 && missing != GIT_ENOTFOUND)
		goto failed;
	int keys_changed = dir_changed(s, ".casefile", config);
	int rules_changed = keys_changed > 0 ? rules_differ(s, head) : keys_changed;
	if (rules_changed < 0)
		goto out;
	if (rules_changed) {
		*everything = 1;
		rc = 0;
		goto out;
	}
	missing = git_tree_entry_bypath(&cases_entry, head, CF_CASES_DIR);
	if (missing < 0 && missing != GIT_ENOTFOUND)
		goto failed;
	if (cases_entry && git_tree_entry_type(cases_entry) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&cases_tree, s->repo, git_tree_entry_id(cases_entry)) < 0)
		goto failed;

	size_t b, e;
	if (dir_range(s, CF_CASES_DIR, &b, &e) < 0)
		goto out;
	size_t skip = strlen(CF_CASES_DIR) + 1;
	for (size_t i = b; i < e;) {
		const entry *en = &s->entries[i];
		const char *name = en->path + skip;
		const char *slash = strchr(name, '/');
		size_t len = slash ? (size_t)(slash - name) : strlen(name);
		char *comp = cf_strndup(name, len);
		if (!comp)
			goto out;
		const git_tree_entry *was =
		    cases_tree ? git_tree_entry_byname(cases_tree, comp) : NULL;
		size_t j = i + 1;
		if (slash) {
			while (j < e && strncmp(s->entries[j].path + skip, name, len + 1) == 0)
				j++;
			char *dir = cf_path_join(CF_CASES_DIR, comp);
			int changed = dir ? dir_changed(s, dir, was) : -1;
			/* A key rotation (`member remove`) re-encrypts cases it does not change. */
			if (changed > 0 && keys_changed)
				changed = !reencrypted_only(s, dir, was);
			free(dir);
			if (changed < 0 || (changed && cf_strlist_add(cases, comp) < 0)) {
				free(comp);
				goto out;
			}
		} else if (en->conflicted || !was || git_tree_entry_type(was) != GIT_OBJECT_BLOB ||
			   !git_oid_equal(&en->oid, git_tree_entry_id(was)) ||
			   (unsigned)git_tree_entry_filemode_raw(was) != en->mode) {
			if (cf_strlist_add(files, en->path) < 0) {
				free(comp);
				goto out;
			}
		}
		free(comp);
		i = j;
	}
	rc = 0;
	goto out;
failed:
	git_failed(diags, "HEAD");
out:
	git_tree_entry_free(config);
	git_tree_entry_free(cases_entry);
	git_tree_free(cases_tree);
	git_tree_free(head);
	git_object_free(obj);
	return rc;
}

/* The root .gitattributes entry of a commit's tree (NULL oid when it has none). */
static int commit_attributes(git_oid *out, int *has, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc = -1;
	*has = 0;
	if (git_commit_lookup(&c, repo, commit) == 0 && git_commit_tree(&tree, c) == 0) {
		int got = git_tree_entry_bypath(&e, tree, ".gitattributes");
		if (got == 0) {
			git_oid_cpy(out, git_tree_entry_id(e));
			*has = 1;
		}
		rc = got == 0 || got == GIT_ENOTFOUND ? 0 : -1;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int cf_source_attributes_changed(cf_source *s)
{
	if (s->kind == WORKDIR)
		return 1;
	git_oid base, mine;
	int has_base = 0, has_mine = 0;
	if (s->kind == INDEX) {
		const entry *e = find_entry(s, ".gitattributes");
		if (e) {
			git_oid_cpy(&mine, &e->oid);
			has_mine = 1;
		}
		git_oid head;
		int unborn = git_repository_head_unborn(s->repo);
		if (unborn != 0 || git_reference_name_to_id(&head, s->repo, "HEAD") < 0)
			return 1;
		if (commit_attributes(&base, &has_base, s->repo, &head) < 0)
			return -1;
	} else {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, s->repo, &s->commit) < 0)
			return -1;
		unsigned parents = git_commit_parentcount(c);
		git_oid parent;
		if (parents)
			git_oid_cpy(&parent, git_commit_parent_id(c, 0));
		git_commit_free(c);
		if (parents == 0)
			return 1;
		if (commit_attributes(&mine, &has_mine, s->repo, &s->commit) < 0 ||
		    commit_attributes(&base, &has_base, s->repo, &parent) < 0)
			return -1;
	}
	return has_mine != has_base || (has_mine && !git_oid_equal(&mine, &base));
}

/* Whether path lies under cases/ as git may match it: its first component is "cases" in
 * any letter case (core.ignorecase), or it is that component itself. */
static int under_cases(const char *path)
{
	size_t n = strlen(CF_CASES_DIR);
	return strncasecmp(path, CF_CASES_DIR, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int in_dirs(const char *path, const cf_strlist *dirs)
{
	size_t n = strlen(CF_CASES_DIR);
	if (strncmp(path, CF_CASES_DIR "/", n + 1) != 0)
		return 0;
	const char *id = path + n + 1;
	size_t len = strcspn(id, "/");
	for (size_t i = 0; dirs && i < dirs->n; i++)
		if (strlen(dirs->items[i]) == len && strncmp(id, dirs->items[i], len) == 0)
			return 1;
	return 0;
}

int cf_source_guard(cf_source *s, const cf_strlist *dirs, const cf_strlist *files, int all,
		    cf_diags *diags)
{
	if (s->kind == WORKDIR)
		return 0;
	cf_arena *scratch = NULL;
	if (cf_arena_new(&scratch, 1) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		entry *en = &s->entries[i];
		if (!under_cases(en->path) || en->read || en->conflicted)
			continue;
		int exact = strncmp(en->path, CF_CASES_DIR "/", strlen(CF_CASES_DIR) + 1) == 0;
		if (exact && !all && !in_dirs(en->path, dirs) &&
		    !(files && cf_strlist_contains(files, en->path)))
			continue; /* as HEAD has it: judged when it was committed */
		if (en->mode == GIT_FILEMODE_LINK || en->mode == GIT_FILEMODE_COMMIT) {
			cf_guard_special(en->path, en->mode == GIT_FILEMODE_LINK, diags);
			continue;
		}
		raw_object o;
		if (raw_object_read(&o, s->odb, &en->oid) < 0) {
			git_failed(diags, en->path);
			rc = -1;
		} else if (cf_guard_blob(en->path, o.data, o.len, s->ring, scratch, diags) == -2) {
			rc = -1;
		}
		raw_object_free(&o);
	}
	cf_arena_free(scratch);
	return rc;
}

void cf_source_set_keyring(cf_source *s, const cf_keyring *ring)
{
	s->ring = ring;
}

/* The file read is a blob (it starts with the magic): its plaintext, or why there is none. */
static int decrypt_read(const cf_source *s, const char *path, size_t max, cf_arena *arena,
			char **data, size_t *len, cf_diags *diags)
{
	unsigned char id[CF_KEYID_BYTES];
	if (cf_crypt_is_blob(*data, *len) && cf_crypt_blob_keyid(id, *data, *len) == 0 &&
	    !cf_keyring_find(s->ring, id))
		return CF_SOURCE_LOCKED;
	/* Held, or not a blob this build reads: cf_crypt_decrypt says which (crypt/format,
	 * crypt/tampered), and never hands out what did not verify. */
	char *plain;
	size_t plain_len;
	if (cf_crypt_decrypt(&plain, &plain_len, arena, s->ring, *data, *len, path, diags) < 0)
		return -1;
	if (plain_len > max) {
		cf_doc_report_too_large(diags, path, plain_len, max);
		return -2; /* the plaintext stays in the secure arena, wiped with it */
	}
	*data = plain;
	*len = plain_len;
	return 0;
}

/* A file of the index or a commit under cases/ must be ciphertext, whatever git's
 * configuration did when it was added: plaintext is crypt/plaintext, and a blob this clone
 * holds no key for must at least look like ciphertext (lib/guard). */
static int guard_read(const cf_source *s, const char *path, size_t max, cf_arena *arena,
		      char **data, size_t *len, cf_diags *diags)
{
	unsigned char id[CF_KEYID_BYTES];
	int held = cf_crypt_is_blob(*data, *len) && cf_crypt_blob_keyid(id, *data, *len) == 0 &&
		   cf_keyring_find(s->ring, id);
	if (held)
		return decrypt_read(s, path, max, arena, data, len, diags);
	/* Never decrypts without a ring, so it needs no arena. */
	int rc = cf_guard_blob(path, *data, *len, NULL, NULL, diags);
	if (rc < 0)
		return -1;
	return CF_SOURCE_LOCKED;
}

static int workdir_read(cf_source *s, const char *path, size_t cap, cf_arena *arena, char **data,
			size_t *len, cf_diags *diags)
{
	char *p = abs_path(s, path);
	if (!p)
		return -1;
	int rc = cf_read_file_arena(data, len, arena, p, cap);
	int e = errno;
	free(p);
	if (rc == -1)
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read", "cannot read: %s",
			     strerror(e));
	return rc;
}

int cf_source_read(cf_source *s, const char *path, size_t max, cf_arena *arena, char **data,
		   size_t *len, cf_diags *diags)
{
	/* A blob is its plaintext and at most CF_CRYPT_MAX_OVERHEAD bytes more: max bounds the
	 * plaintext. */
	size_t cap = max > SIZE_MAX - CF_CRYPT_MAX_OVERHEAD ? max : max + CF_CRYPT_MAX_OVERHEAD;
	int rc = s->kind == WORKDIR ? workdir_read(s, path, cap, arena, data, len, diags)
				    : git_read_blob(s, path, cap, arena, data, len, diags);
	if (rc == -2) {
		cf_doc_report_too_large(diags, path, *len, max);
		return -2;
	}
	if (rc < 0)
		return -1;
	if (s->kind != WORKDIR && cf_protect_is_encrypted_path(path))
		return guard_read(s, path, max, arena, data, len, diags);
	if (*len >= CF_CRYPT_MAGIC_BYTES &&
	    memcmp(*data, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES) == 0)
		return decrypt_read(s, path, max, arena, data, len, diags);
	if (*len > max) {
		cf_doc_report_too_large(diags, path, *len, max);
		return -2;
	}
	return 0;
}

char *cf_source_git_dir(const char *root)
{
	char *dot_git = cf_path_join(root, ".git");
	struct stat st;
	if (!dot_git || lstat(dot_git, &st) < 0) {
		free(dot_git);
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		return dot_git;
	free(dot_git);
	if (!S_ISREG(st.st_mode))
		return NULL;
	/* "gitdir: ..." of a linked worktree (or a submodule): libgit2 follows it. */
	char *out = NULL;
	git_repository *r = NULL;
	if (git_libgit2_init() < 0)
		return NULL;
	if (git_repository_open_ext(&r, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
		const char *common = git_repository_commondir(r);
		if (common) {
			out = cf_strdup(common);
			size_t n = out ? strlen(out) : 0;
			if (n > 1 && out[n - 1] == '/')
				out[n - 1] = '\0';
		}
		git_repository_free(r);
	}
	git_libgit2_shutdown();
	return out;
}

int cf_source_load_keyring(cf_keyring **out, const char *root, cf_diags *diags)
{
	*out = NULL;
	char *git_dir = cf_source_git_dir(root);
	char *store = git_dir ? cf_keystore_dir(git_dir) : NULL;
	int rc;
	if (git_dir && !store) {
		rc = -1;
	} else if (!store || !cf_is_dir(store)) {
		rc = cf_keyring_new(out); /* no git repository, or a clone without keys */
	} else {
		rc = cf_keystore_load(out, git_dir, diags);
	}
	free(store);
	free(git_dir);
	if (rc < 0) {
		cf_keyring_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void cf_source_free(cf_source *s)
{
	if (!s)
		return;
	if (s->kind != WORKDIR) {
		if (s->has_key) { /* the other threads' databases went with their threads */
			git_odb_free(pthread_getspecific(s->odb_key));
			pthread_setspecific(s->odb_key, NULL);
			pthread_key_delete(s->odb_key);
		}
		free(s->objects_dir);
		free(s->entries);
		cf_arena_free(s->paths);
		git_odb_free(s->odb);
		git_repository_free(s->repo);
		git_libgit2_shutdown();
		if (s->has_lock)
			pthread_mutex_destroy(&s->lock);
	}
	free(s->name);
	free(s->root);
	free(s->real_root);
	free(s);
}

const cf_rule_info cf_source_rules[] = {
    {"source/symlink", "a symbolic link in a case directory",
     "Case directories hold regular files only; a symbolic link is reported and not read.",
     "A link can point outside the repository (to another case's family file, or to a "
     "file that is not encrypted), and git stores the link, not the file: the record would "
     "not be what is committed.",
     "Replace the link with a copy of the file, or remove it.", "DESIGN.md §6"},
    {"source/special", "something that is not a file in a case directory",
     "Case directories hold regular files and directories only (no sockets, pipes, devices).",
     "Nothing but files can be committed.", "Remove it.", "DESIGN.md §3"},
    {"source/read", "a file that cannot be read", "Every file of a case can be read.",
     "An unreadable file is a record that cannot be checked.",
     "Check the file's permissions and that the disk is healthy.", "DESIGN.md §7"},
    {"source/name", "a file whose name is not text",
     "Every file name in a case directory is UTF-8 text without control characters.",
     "A name that is not text cannot be shown in a diagnostic, a report or a terminal "
     "without being garbled or changing what the terminal shows; such a file is not read.",
     "Rename the file (`git mv`) to a name of letters, digits, '-', '_' and '.'.",
     "casefile's own rule: diagnostics are shown on terminals (lib/diag)"},
    {"source/conflict", "a case file left unmerged by git",
     "No file of a case is unmerged in the index: a merge or rebase that stopped at a "
     "conflict leaves up to three versions of the file there, none of them the record.",
     "Which version is the case's record is a person's decision; checking one of them would "
     "report on a file nobody agreed.",
     "Resolve the conflict in the file (the working tree holds the merged text with git's "
     "markers), then `git add` it; `git merge --abort` goes back.",
     "git's merge (git-merge(1), \"How conflicts are presented\")"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
