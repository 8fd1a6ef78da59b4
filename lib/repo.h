/* lib/repo: a case repository — the directory holding .casefile/config.yaml — its settings,
 * its calendar, and the schemas of the case types it uses (loaded once, on first use). */
#ifndef CF_REPO_H
#define CF_REPO_H

#include <pthread.h>

#include "arena.h"
#include "calendar.h"
#include "deadline.h"
#include "diag.h"
#include "rules.h"
#include "doc.h"
#include "schema.h"
#include "source.h"

#define CF_CONFIG_PATH ".casefile/config.yaml"

typedef struct cf_repo_schema {
	char *type;
	cf_schema *schema;	 /* NULL when it could not be loaded (reported once) */
	int broken;		 /* found but malformed */
	cf_deadlines *deadlines; /* in the schema's arena: stays put while schemas grows */
} cf_repo_schema;

typedef struct cf_repo {
	char *root; /* absolute path of the working tree */
	cf_arena *arena;
	const cf_node *config;
	const char *partnership;
	const char *calendar_name;
	cf_calendar *calendar;
	int warning_days;
	/* Directories searched for TYPE.yaml and calendar/NAME.yaml after the repository's own
	 * .casefile/schemas: the installed ones (owned by the caller). */
	const char *const *schema_dirs;
	size_t n_schema_dirs;
	cf_repo_schema *schemas;
	size_t n_schemas;
	pthread_mutex_t lock; /* schemas load on first use, from any worker thread */
	/* Where .casefile/ is read from: the index or a commit (the caller's: it outlives the
	 * repository), or NULL for the working tree at root. */
	cf_source *src;
} cf_repo;

/* Finds the repository at or above start: the nearest directory with .casefile/config.yaml.
 * Sets *root (malloc'd, absolute) and returns 0, or -1 when there is none. */
int cf_repo_discover(char **root, const char *start);
/* Opens the repository at root: reads its config and calendar.  A problem there is an error
 * diagnostic (a configuration error: exit 2) and -1. */
int cf_repo_open(cf_repo **out, const char *root, const char *const *schema_dirs, size_t n_dirs,
		 cf_diags *diags);
/* The same, reading the configuration and the repository's own schemas (.casefile/) from src:
 * `check --staged` judges a commit by the rules that commit holds. */
int cf_repo_open_source(cf_repo **out, const char *root, cf_source *src,
			const char *const *schema_dirs, size_t n_dirs, cf_diags *diags);
/* The schema of a case type, loaded on first use.  -1 when no such schema is installed; -2
 * when it is malformed (schema/invalid diagnostics, the first time only). */
int cf_repo_schema_get(const cf_schema **out, cf_repo *r, const char *type, cf_diags *diags);
/* The deadlines of a schema the repository loaded. */
const cf_deadlines *cf_repo_deadlines(const cf_repo *r, const cf_schema *s);
void cf_repo_free(cf_repo *r);

extern const cf_rule_info cf_config_rules[];

#endif
