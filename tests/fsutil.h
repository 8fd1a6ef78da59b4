/* The unit tests' file-system helpers: a temporary directory to work in, files written into it,
 * a tree copied into it, and the whole of it removed again.  One copy each, for every test that
 * makes files on disk (tests/fixture.h includes it too). */
#ifndef CF_TEST_FSUTIL_H
#define CF_TEST_FSUTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"

/* ---- temporary directories ------------------------------------------------------------------ */

/* Makes a fresh directory /tmp/cf-NAME-XXXXXX, its path into out (size bytes), whatever $TMPDIR
 * says: for the tests that keep the path in a short buffer or hand it to libgit2 as HOME.  0, or
 * -1 with errno set. */
static inline int make_temp_dir(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "/tmp/cf-%s-XXXXXX", name);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(out) ? 0 : -1;
}

/* Makes a fresh directory cf-NAME-XXXXXX under $TMPDIR (/tmp when that is unset or empty), its
 * real path (no symbolic link in it, as the library resolves a repository's root) into out.  0,
 * or -1 with errno set; a directory made but not resolved is left behind. */
static inline int make_temp_dir_resolved(char out[PATH_MAX], const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];
	int n = snprintf(templ, sizeof(templ), "%s/cf-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (n < 0 || (size_t)n >= sizeof(templ)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(templ) && realpath(templ, out) ? 0 : -1;
}

/* Removes path and everything below it, as rm -rf does: a symbolic link is removed, never
 * followed (lstat), and a directory is made writable (0700) first, so that one a test made
 * read-only goes too.  Quiet: what cannot be removed stays. */
static inline void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *sub = cf_path_join(path, e->d_name);
		if (sub)
			remove_tree(sub);
		free(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* ---- files ---------------------------------------------------------------------------------- */

/* Writes len bytes of data to path with mode, atomically (lib/fs: a whole file or none), the
 * directories above it made first (0700).  0, or -1 with errno set. */
static inline int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char *dir = cf_strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int rc = dir ? 0 : -1;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = cf_mkdirs(dir, 0700);
	}
	free(dir);
	if (rc == 0)
		rc = cf_write_file_atomic(path, data ? data : "", len, mode);
	return rc;
}

/* write_file of a string. */
static inline int write_text(const char *path, const char *text, mode_t mode)
{
	return write_file(path, text, strlen(text), mode);
}

/* write_text of root/rel. */
static inline int write_text_at(const char *root, const char *rel, const char *text, mode_t mode)
{
	char *path = cf_path_join(root, rel);
	int rc = path ? write_text(path, text, mode) : -1;
	free(path);
	return rc;
}

/* Copies the file from to to (mode 0644, the directories above it made): 0, or -1. */
static inline int copy_file(const char *from, const char *to)
{
	cf_buf data = CF_BUF_INIT;
	int rc = cf_read_file_buf(&data, from, 1 << 20);
	if (rc == 0)
		rc = write_file(to, data.ptr, data.len, 0644);
	cf_buf_free(&data);
	return rc;
}

/* ---- trees ---------------------------------------------------------------------------------- */

/* What copy_tree_with does with each file: makes to from from, where rel is the file's path
 * below the tree copied.  0, or -1 to stop the copy. */
typedef int copy_fn(const char *from, const char *to, const char *rel, void *ctx);

/* Walks the tree at from, leaving out the names that start with a dot, and hands each file to
 * fn with its place under to and its path below the top (rel is "" at the top).  Directories are
 * made as fn writes their files, so an empty one is not copied (git keeps none).  0, or -1 when
 * a directory cannot be listed, memory runs out or fn says -1. */
static inline int copy_tree_with(const char *from, const char *to, const char *rel, copy_fn *fn,
				 void *ctx)
{
	DIR *d = opendir(from);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *f = cf_path_join(from, e->d_name), *t = cf_path_join(to, e->d_name);
		char *r = rel[0] ? cf_path_join(rel, e->d_name) : cf_strdup(e->d_name);
		if (!f || !t || !r)
			rc = -1;
		else if (cf_is_dir(f))
			rc = copy_tree_with(f, t, r, fn, ctx);
		else
			rc = fn(f, t, r, ctx);
		free(f);
		free(t);
		free(r);
	}
	closedir(d);
	return rc;
}

/* The copy_fn of copy_tree: the file as it is. */
static inline int copy_fn_plain(const char *from, const char *to, const char *rel, void *ctx)
{
	(void)rel;
	(void)ctx;
	return copy_file(from, to);
}

/* Copies the tree at from to to, as it is, leaving out the names that start with a dot: 0 or
 * -1. */
static inline int copy_tree(const char *from, const char *to)
{
	return copy_tree_with(from, to, "", copy_fn_plain, NULL);
}

#endif
