/* What the subcommands of the casefile program share: the options before the subcommand,
 * opening the repository, printing diagnostics, exit codes (DESIGN.md §5). */
#ifndef CF_CLI_H
#define CF_CLI_H

#include <stdio.h>

#include "calendar.h"
#include "caseload.h"
#include "diag.h"
#include "repo.h"
#include "rules/privacy.h"
#include "source.h"
#include "strlist.h"

#define CF_VERSION "0.1.0"

enum {
	CF_EXIT_OK = 0,	    /* no errors (warnings allowed) */
	CF_EXIT_ERRORS = 1, /* errors found */
	CF_EXIT_USAGE = 2,  /* usage or configuration error */
	CF_EXIT_KEY = 3,    /* a key or decryption problem */
};

typedef struct cf_cli {
	const char *const *schema_dirs; /* installed schema directories, most specific first */
	size_t n_schema_dirs;
} cf_cli;

int cmd_check(int argc, char **argv, const cf_cli *cli);
int cmd_explain(int argc, char **argv, const cf_cli *cli);
int cmd_init(int argc, char **argv, const cf_cli *cli);
int cmd_keygen(int argc, char **argv, const cf_cli *cli);
int cmd_key(int argc, char **argv, const cf_cli *cli);
int cmd_member(int argc, char **argv, const cf_cli *cli);
int cmd_rekey(int argc, char **argv, const cf_cli *cli);
int cmd_upgrade(int argc, char **argv, const cf_cli *cli);
int cmd_unlock(int argc, char **argv, const cf_cli *cli);
int cmd_lock(int argc, char **argv, const cf_cli *cli);
int cmd_filter_process(int argc, char **argv, const cf_cli *cli);
int cmd_clean(int argc, char **argv, const cf_cli *cli);
int cmd_smudge(int argc, char **argv, const cf_cli *cli);
int cmd_textconv(int argc, char **argv, const cf_cli *cli);
int cmd_merge(int argc, char **argv, const cf_cli *cli);
int cmd_hook(int argc, char **argv, const cf_cli *cli);
int cmd_hooks(int argc, char **argv, const cf_cli *cli);
int cmd_doctor(int argc, char **argv, const cf_cli *cli);
int cmd_ready(int argc, char **argv, const cf_cli *cli);
int cmd_new(int argc, char **argv, const cf_cli *cli);
int cmd_show(int argc, char **argv, const cf_cli *cli);
int cmd_status(int argc, char **argv, const cf_cli *cli);
int cmd_holidays(int argc, char **argv, const cf_cli *cli);
int cmd_workdays(int argc, char **argv, const cf_cli *cli);

/* Finds and opens the case repository at or above the current directory.  Prints what is
 * wrong and returns CF_EXIT_USAGE, or 0. */
int cli_open_repo(cf_repo **out, const cf_cli *cli);
/* The two halves of it: finding the root (malloc'd) and opening the repository there, its
 * .casefile/ read from src (the index or a commit) when src is not NULL. */
int cli_find_root(char **root);
int cli_open_repo_at(cf_repo **out, const cf_cli *cli, const char *root, cf_source *src);

/* What `casefile check` reads (DESIGN.md §7). */
enum { CLI_FROM_WORKDIR, CLI_FROM_INDEX, CLI_FROM_REV };
typedef struct cli_check_opts {
	int from;
	const char *rev;	 /* CLI_FROM_REV */
	int all;		 /* CLI_FROM_INDEX: every case, not only those the change touches */
	const char *as_of;	 /* or NULL: today */
	const cf_strlist *named; /* cases named (ids or paths); none: all, or those touched */
	const cf_privacy_text *message; /* a commit message to scan too (privacy/), or NULL */
} cli_check_opts;
/* Runs the checks of `casefile check`: the diagnostics, sorted, into diags, the number of
 * cases checked into *checked.  Returns the exit code (DESIGN.md §5); problems that stop
 * it before any case is read (CF_EXIT_USAGE, CF_EXIT_KEY) are printed on stderr. */
int cli_check(const cf_cli *cli, const cli_check_opts *o, cf_diags *diags, size_t *checked);
/* The repository's calendar when inside one, else the installed England & Wales calendar.
 * Prints what is wrong and returns an exit code, or 0. */
int cli_load_calendar(cf_calendar **out, const cf_cli *cli);
/* Prints diagnostics (text form) to f. */
void cli_print_diags(FILE *f, const cf_diags *d);
/* "casefile: CMD: message" on stderr, a pointer to help, and CF_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The day deadlines are evaluated on: --as-of DATE when given (as_of non-NULL), else
 * CASEFILE_TODAY from the environment (for tests), else today's local date.  Prints what is
 * wrong and returns CF_EXIT_USAGE, or 0. */
int cli_today(cf_date *out, const char *cmd, const char *as_of);
/* Worker threads for commands that read every case: CASEFILE_THREADS when set (tests and
 * benchmarks compare 1 with many), else 0 (as many as help). */
unsigned cli_threads(void);
/* The arguments of `casefile CMD CASE-ID [--as-of DATE]` (show, ready): -1 to go on with *id
 * and *as_of (NULL when not given), else the exit code, help printed or the mistake said. */
int cli_case_args(int argc, char **argv, const char *cmd, const char *usage, const char **id,
		  const char **as_of);

/* One case of the working tree, read with the clone's keys. */
typedef struct cli_case {
	cf_source *src;
	cf_keyring *ring;
	cf_case *c;
} cli_case;
#define CLI_CASE_INIT                                                                              \
	{                                                                                          \
		NULL, NULL, NULL                                                                   \
	}
/* Loads case id from repo's working tree, decrypting what the clone holds keys for, its
 * loading diagnostics into load.  0, or the exit code having said why: no such case (an id
 * is a directory name under cases/, never "." or ".."), the keys cannot be read, no key for
 * this case, out of memory.  cli_case_free it either way. */
int cli_case_open(cli_case *out, const char *cmd, cf_repo *repo, const char *id, cf_diags *load);
void cli_case_free(cli_case *k);

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);
/* Writes all of buf to stdout; 0 or -1 (a closed pipe, a full disk). */
int cli_write_stdout(const cf_buf *b);

#endif
