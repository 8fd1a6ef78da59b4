#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cf_read_file_arena(char **out, size_t *len, cf_arena *arena, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		*len = (size_t)st.st_size;
		close(fd);
		return -2;
	}
	size_t size = (size_t)st.st_size;
	char *p = cf_arena_alloc(arena, size + 1);
	if (!p) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, p + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;
}

int cf_read_file_buf(cf_buf *out, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char chunk[16384];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		cf_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	if (cf_buf_oom(out)) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int cf_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cf_overwrite_fd(int fd)
{
	static const char zeros[4096];
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	for (off_t left = st.st_size; left > 0;) {
		size_t n = left > (off_t)sizeof(zeros) ? sizeof(zeros) : (size_t)left;
		if (cf_write_all(fd, zeros, n) != 0)
			return -1;
		left -= (off_t)n;
	}
	return fsync(fd);
}

int cf_shred(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = cf_overwrite_fd(fd);
	int e = errno;
	close(fd);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int cf_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *dirc = cf_strdup(path);
	if (!dirc)
		return -1;
	const char *dir = dirname(dirc);
	cf_buf tmp = CF_BUF_INIT;
	cf_buf_printf(&tmp, "%s.tmp.XXXXXX", path);
	if (cf_buf_oom(&tmp)) {
		free(dirc);
		errno = ENOMEM;
		return -1;
	}
	int fd = mkstemp(tmp.ptr);
	int rc = -1, e = 0;
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) < 0)
		goto fail;
	if (cf_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.ptr, path) < 0)
		goto fail;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* best effort: some file systems refuse fsync on directories */
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.ptr);
	errno = e;
out:
	e = errno;
	cf_buf_free(&tmp);
	free(dirc);
	errno = e;
	return rc;
}

char *cf_path_join(const char *a, const char *b)
{
	cf_buf p = CF_BUF_INIT;
	cf_buf_puts(&p, a);
	if (p.len && p.ptr[p.len - 1] != '/')
		cf_buf_putc(&p, '/');
	cf_buf_puts(&p, b);
	return cf_buf_detach(&p);
}

int cf_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cf_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cf_mkdirs(const char *path, mode_t mode)
{
	char *p = cf_strdup(path);
	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, mode) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}
