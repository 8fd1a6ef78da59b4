/* lib/caseload: one case directory, read through a source into a case model: every file it
 * holds, parsed as its schema says, in one secure arena that is wiped when the case is
 * freed.  Problems reading or parsing a file are diagnostics; the rest of the case still
 * loads, so every problem is reported, not only the first. */
#ifndef CF_CASELOAD_H
#define CF_CASELOAD_H

#include "arena.h"
#include "crypt.h"
#include "diag.h"
#include "doc.h"
#include "protect.h"
#include "repo.h"
#include "schema.h"
#include "source.h"

typedef struct cf_case_file {
	const char *name;	/* relative to the case directory: "meetings/rrm.yaml" */
	const char *path;	/* relative to the repository: "cases/2026-014/..." */
	const cf_docspec *spec; /* NULL when the schema knows no such file */
	const cf_doc *doc;	/* NULL when it could not be read or parsed */
} cf_case_file;

typedef struct cf_case {
	cf_arena *arena;
	int own_arena;
	const char *id;		       /* the directory name */
	const char *dir;	       /* "cases/2026-014" */
	const cf_schema *schema;       /* NULL when the type is missing or unknown */
	const cf_deadlines *deadlines; /* the schema's */
	cf_case_file *files;
	size_t n_files;
	const cf_node *root; /* case.yaml's mapping, or NULL */
	int stage;	     /* index in the schema's stages, or -1 */
	/* case.yaml is encrypted with a key the source's keyring does not hold: nothing else of
	 * the case was read (root and schema are NULL, no file has a doc), and a note
	 * crypt/locked says so.  Not an error: the clone was not given that case's key. */
	int locked;
	char locked_key[CF_KEYID_HEX_BYTES]; /* the key id it needs, in hex */
} cf_case;

/* Lists the case ids of the repository (the directories under cases/). */
int cf_case_ids(cf_strlist *out, cf_source *src, cf_diags *diags);
/* Loads one case.  Returns 0 (diagnostics may have been added) or -1 when memory ran out.
 * The case's plaintext lives in a secure arena of its own, wiped when the case is freed. */
int cf_case_load(cf_case **out, cf_repo *repo, cf_source *src, const char *id, cf_diags *diags);
/* The same, into the caller's secure arena (not freed with the case): commands reading many
 * cases reuse one arena and reset (wipe) it between them, instead of mapping and unmapping
 * guarded pages for each case. */
int cf_case_load_in(cf_case **out, cf_repo *repo, cf_source *src, const char *id, cf_arena *arena,
		    cf_diags *diags);
/* The file with this name, or NULL. */
const cf_case_file *cf_case_file_get(const cf_case *c, const char *name);
/* The check context of the case's documents. */
cf_check_ctx cf_case_ctx(const cf_case *c);
void cf_case_free(cf_case *c);

/* crypt/locked. */
extern const cf_rule_info cf_caseload_rules[];

#endif
