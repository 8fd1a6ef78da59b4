/* lib/source: where the bytes of a case repository come from (DESIGN.md §7): the working tree,
 * the git index (`check --staged`, the pre-commit hook: exactly what will be committed, even
 * when the working tree differs) or a commit (`check --rev`, the pre-push hook).  All three
 * give the same interface, so every check is written once.  Paths are relative to the
 * repository root, '/'-separated.
 *
 * Files that are casefile blobs (DESIGN.md §6: a clone whose working tree still holds
 * ciphertext, the index, a commit) are decrypted here with the source's keyring, into the
 * caller's secure arena, so no check ever sees ciphertext.  libgit2 runs no filters: the
 * index and commits hold the blobs as git stores them, and they are decrypted here, in
 * process.  A file under cases/ that the index or a commit holds in plaintext is
 * crypt/plaintext (lib/guard), whatever git's configuration is. */
#ifndef CF_SOURCE_H
#define CF_SOURCE_H

#include <git2.h>
#include <stddef.h>

#include "arena.h"
#include "crypt.h"
#include "diag.h"
#include "rules.h"
#include "strlist.h"

typedef struct cf_source cf_source;

/* The working tree at root (an absolute path). */
int cf_source_open_workdir(cf_source **out, const char *root);
/* The index of the git working tree at root (an absolute path): its stage-0 entries; an
 * unmerged path is listed and reported (source/conflict) when read, `git add -N` entries are
 * left out.  The index file is read here, never by libgit2.  -1 with a source/read
 * diagnostic when there is no repository, or when the index cannot be read: the diagnostic
 * names the file (".git/index") and says what is wrong -- damaged (cut short, a wrong
 * checksum, more entries claimed than it holds, entries out of order), or a split or sparse
 * index.  Needs nothing set up: it calls git_libgit2_init (and cf_source_free its
 * shutdown). */
int cf_source_open_index(cf_source **out, const char *root, cf_diags *diags);
/* The files of the commit rev names ("HEAD", a branch, an id) in the repository at root. */
int cf_source_open_rev(cf_source **out, const char *root, const char *rev, cf_diags *diags);
/* A short name for messages: "working tree", "index", "commit 1a2b3c4d5e6f". */
const char *cf_source_name(const cf_source *s);
/* The repository of an index or commit source (NULL for the working tree); the source's. */
git_repository *cf_source_git_repository(const cf_source *s);
/* What committing the index (s, from cf_source_open_index) would change under cases/ and
 * .casefile/, compared with HEAD, without reading a file: the staged trees are hashed as git
 * would hash them and compared with HEAD's.  Adds to cases the ids of the case directories
 * added, modified or renamed into (a deleted case has nothing left to check) and to files
 * the paths of files directly under cases/ that are new or changed.  *everything is set when
 * there is no HEAD yet or .casefile/ changed (the rules themselves changed: every case must
 * be checked).  -1 with a source/read diagnostic when HEAD cannot be read, or memory ran
 * out. */
int cf_source_staged_changes(cf_source *s, cf_strlist *cases, cf_strlist *files, int *everything,
			     cf_diags *diags);
/* The names of the directories directly under dir (sorted); 0 when dir does not exist. */
int cf_source_list_dirs(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags);
/* The files under dir, recursively, as paths relative to dir (sorted).  Anything that is
 * not a regular file or a directory is left out: in the working tree it is reported as
 * source/symlink or source/special (a link could lead outside the repository); in the
 * index or a commit cf_source_guard reports it, as crypt/plaintext.  A file more than 16
 * directories below dir is not listed: its directory at that depth is reported, once, as
 * source/read. */
int cf_source_list_files(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags);
/* The plaintext guard over an index or commit source (lib/guard), for what no case read:
 * every entry whose first component is "cases" in any letter case (a link or file named
 * cases included) that cf_source_read did not read -- files of a locked case, files the
 * schema does not know, files directly under cases/, dot-directories -- is judged with
 * cf_guard_blob; links and submodules are crypt/plaintext.  Unless all is set, only the
 * entries under cases/ID/ for the ids in dirs, the paths in files, and entries whose
 * first component is not exactly "cases" (the rest are as HEAD has them).  Call it after
 * the cases were read.  0 (diagnostics added), -1 when a blob cannot be read or memory ran
 * out. */
int cf_source_guard(cf_source *s, const cf_strlist *dirs, const cf_strlist *files, int all,
		    cf_diags *diags);
/* Whether the root .gitattributes of an index or commit source differs from the one before
 * it (HEAD for the index, the first parent for a commit): 1 (also when there is nothing
 * before it, and always for the working tree), 0, or -1 when git cannot say.  Only the root
 * file decides how cases/ is stored: one below cases/ is itself a file under cases/, so it
 * is ciphertext git cannot read, or plaintext the guard refuses. */
int cf_source_attributes_changed(cf_source *s);
/* The keys that decrypt the files read (the caller's: it must outlive the source; NULL, the
 * default, holds none).  Set it before reading; reads may then run on many threads. */
void cf_source_set_keyring(cf_source *s, const cf_keyring *ring);
/* Reads a file into the arena (NUL-terminated), decrypting it when it is a casefile blob:
 * max bounds the plaintext.  Returns
 *    0  the plaintext (the file as it is, or decrypted);
 *   -1  with a diagnostic: source/read, or crypt/format or crypt/tampered for a blob that
 *       does not decrypt (nothing of it is returned);
 *   -2  larger than max (a yaml/too-large diagnostic);
 *   -3  a blob encrypted with a key the keyring does not hold: NOT an error, and no
 *       diagnostic (the file is locked to this clone); *data and *len hold the blob as
 *       read, for cf_crypt_blob_keyid. */
int cf_source_read(cf_source *s, const char *path, size_t max, cf_arena *arena, char **data,
		   size_t *len, cf_diags *diags);
#define CF_SOURCE_LOCKED (-3)
int cf_source_exists(cf_source *s, const char *path);
void cf_source_free(cf_source *s);

/* The git directory whose casefile/keys hold the keys of the clone whose working tree is at
 * root: ROOT/.git, or for a linked worktree (.git is a file) the repository's common
 * directory, where every worktree finds the same keys.  Returns a malloc'd path, or NULL when
 * root is not the top of a git working tree. */
char *cf_source_git_dir(const char *root);
/* The keys the clone at root holds (cf_keystore_load): an empty keyring when root is not a
 * git working tree or the clone holds no keys, so a plaintext repository reads as before.
 * -1 when the key store cannot be read (a crypt/ diagnostic says why) or memory ran out. */
int cf_source_load_keyring(cf_keyring **out, const char *root, cf_diags *diags);

extern const cf_rule_info cf_source_rules[];

#endif
