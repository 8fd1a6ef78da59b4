/* lib/source: where the bytes of a case repository come from.  The working tree now; the git
 * index (`check --staged`) and a commit (`check --rev`) give the same interface, so every
 * check is written once.  Paths are relative to the repository root, '/'-separated. */
#ifndef CF_SOURCE_H
#define CF_SOURCE_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "rules.h"
#include "strlist.h"

typedef struct cf_source cf_source;

/* The working tree at root (an absolute path). */
int cf_source_open_workdir(cf_source **out, const char *root);
/* A short name for messages: "working tree", "index", "HEAD". */
const char *cf_source_name(const cf_source *s);
/* The names of the directories directly under dir (sorted); 0 when dir does not exist. */
int cf_source_list_dirs(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags);
/* The files under dir, recursively, as paths relative to dir (sorted).  Anything that is
 * not a regular file or a directory (a symbolic link above all: it could lead outside the
 * repository) is reported as source/symlink or source/special and left out. */
int cf_source_list_files(cf_source *s, const char *dir, cf_strlist *out, cf_diags *diags);
/* Reads a file into the arena (NUL-terminated).  Returns 0; -1 with a source/read
 * diagnostic; -2 when it is larger than max (a yaml/too-large diagnostic). */
int cf_source_read(cf_source *s, const char *path, size_t max, cf_arena *arena, char **data,
		   size_t *len, cf_diags *diags);
int cf_source_exists(cf_source *s, const char *path);
void cf_source_free(cf_source *s);

extern const cf_rule_info cf_source_rules[];

#endif
