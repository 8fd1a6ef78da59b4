/* Files: reading whole files with a size bound, and writing them atomically (a temporary file
 * in the same directory, fsync, rename, fsync of the directory), so a crash or a full disk
 * never leaves a half-written file where a whole one was. */
#ifndef CF_FS_H
#define CF_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "arena.h"
#include "buf.h"

/* Reads path into the arena (NUL-terminated).  Returns 0, -1 with errno set, or -2 when the
 * file is larger than max (its size in *len). */
int cf_read_file_arena(char **out, size_t *len, cf_arena *arena, const char *path, size_t max);
/* Reads path into a buffer (appending). Returns 0 or -1 with errno set. */
int cf_read_file_buf(cf_buf *out, const char *path, size_t max);
/* Writes all len bytes of data to fd, again after an interrupted or short write; 0 or -1
 * with errno set. */
int cf_write_all(int fd, const void *data, size_t len);
/* Writes data to path atomically with the given mode; 0 or -1 with errno set. */
int cf_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Overwrites the whole of the open file fd with zeros and syncs it: what a key file gets
 * before it is unlinked or replaced, so its secret is not left in freed blocks.  0 or -1
 * with errno set. */
int cf_overwrite_fd(int fd);
/* Opens path (never following a link), overwrites it (cf_overwrite_fd) and unlinks it.  0
 * (also when there was no file), or -1 with errno set. */
int cf_shred(const char *path);
/* path joined: a + "/" + b, malloc'd. */
char *cf_path_join(const char *a, const char *b);
int cf_is_dir(const char *path);
int cf_is_file(const char *path);
/* mkdir -p; 0 or -1. */
int cf_mkdirs(const char *path, mode_t mode);

#endif
