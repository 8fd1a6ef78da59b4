#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "doc.h"
#include "fs.h"
#include "keys.h"

#define MAX_DEPTH 16

struct cf_source {
	char *root;
	char *real_root;	/* root with links resolved, to tell where a link leads */
	const cf_keyring *ring; /* the caller's; NULL holds no key */
};

int cf_source_open_workdir(cf_source **out, const char *root)
{
	cf_source *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->root = cf_strdup(root);
	s->real_root = realpath(root, NULL);
	if (!s->root || !s->real_root) {
		cf_source_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const char *cf_source_name(const cf_source *s)
{
	(void)s;
	return "working tree";
}

static char *abs_path(const cf_source *s, const char *rel)
{
	return cf_path_join(s->root, rel);
}

int cf_source_exists(cf_source *s, const char *path)
{
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

int cf_source_list_dirs(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags)
{
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

int cf_source_read(cf_source *s, const char *path, size_t max, cf_arena *arena, char **data,
		   size_t *len, cf_diags *diags)
{
	char *p = abs_path(s, path);
	if (!p)
		return -1;
	/* A blob is its plaintext and CF_CRYPT_OVERHEAD bytes more: max bounds the plaintext. */
	size_t cap = max > SIZE_MAX - CF_CRYPT_OVERHEAD ? max : max + CF_CRYPT_OVERHEAD;
	int rc = cf_read_file_arena(data, len, arena, p, cap);
	int e = errno;
	free(p);
	if (rc == -2) {
		cf_doc_report_too_large(diags, path, *len, max);
		return -2;
	}
	if (rc < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "source/read", "cannot read: %s",
			     strerror(e));
		return -1;
	}
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
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
