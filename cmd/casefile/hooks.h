/* casefile's git hooks (issue 5): installing them, shared by `casefile init` and `casefile
 * hooks install`, and recognising them, for `casefile doctor`.
 *
 * The hook files (hooks/ in the source tree, PREFIX/share/casefile/hooks installed) are
 * templates: @CASEFILE@ stands for the absolute path of the casefile that installs them,
 * written as one shell word.  A clone gets pre-commit, pre-merge-commit and pre-push; a shared
 * bare repository gets pre-receive.  A hook already there that is not casefile's is kept as
 * NAME.local and chained: NAME becomes a small script running NAME.casefile (ours), then
 * NAME.local. */
#ifndef CF_HOOKS_H
#define CF_HOOKS_H

#include <stddef.h>

#include "buf.h"
#include "cli.h"

#define CLI_HOOKS_MAX 4

typedef enum cli_hook_state {
	CLI_HOOK_SAME,	    /* installed already, as it is */
	CLI_HOOK_INSTALLED, /* installed where there was none */
	CLI_HOOK_UPDATED,   /* an older copy of ours (or its chain) written again */
	CLI_HOOK_CHAINED,   /* the hook there kept as NAME.local, run after ours */
	CLI_HOOK_FORCED,    /* CHAINED, and the NAME.local there before moved to NAME.local.old */
	CLI_HOOK_BLOCKED,   /* NOT installed: someone else's hook and a NAME.local both there */
	CLI_HOOK_MISSING,   /* NOT installed: no such hook file comes with this casefile */
} cli_hook_state;

typedef struct cli_hooks {
	char *dir;  /* the hooks directory git uses (core.hooksPath honoured), absolute */
	int bare;   /* a bare repository: pre-receive only */
	int no_src; /* no hook files come with this casefile: nothing was installed */
	size_t n;
	struct {
		const char *name; /* static */
		cli_hook_state state;
	} hooks[CLI_HOOKS_MAX];
} cli_hooks;

/* Installs casefile's hooks in the git repository at dir (the top of a clone, or a bare
 * repository, as bare says), as running exe (an absolute path).  force writes ours again
 * even when they are up to date, and where someone else's NAME and a NAME.local are both
 * there keeps NAME as NAME.local and the old NAME.local as NAME.local.old.  Returns 0 (what
 * happened to each hook in *out; cli_hooks_free it), or an exit code after printing what is
 * wrong as command cmd. */
int cli_hooks_install(cli_hooks *out, const char *dir, const char *exe, int bare, int force,
		      const char *cmd);
void cli_hooks_free(cli_hooks *h);
/* Appends what happened to one hook, as init reports it: "pre-commit", "pre-commit
 * (updated)", "pre-commit (the one there kept as pre-commit.local, still run)"... */
void cli_hooks_describe(cf_buf *out, const char *name, cli_hook_state state);

/* The hooks directory git uses for the repository at dir (`git rev-parse --git-path
 * hooks`), absolute and malloc'd; NULL when git cannot say. */
char *cli_hooks_dir(const char *dir);

typedef enum cli_hook_kind {
	CLI_HOOK_NONE,	  /* no file there */
	CLI_HOOK_OURS,	  /* one of casefile's hook files */
	CLI_HOOK_CHAIN,	  /* the chain running NAME.casefile, then NAME.local */
	CLI_HOOK_FOREIGN, /* anything else */
} cli_hook_kind;

/* What the file at path is (read, never run). */
cli_hook_kind cli_hook_kind_of(const char *path);
/* The casefile program a hook of ours at path runs (its casefile= line), malloc'd; NULL
 * when it names none. */
char *cli_hook_program(const char *path);

/* Reads one shell word from *p (after blanks): plain characters, '...', "..." and
 * backslashes, as cf_buf_put_shell_word writes them and as git passes a configured command
 * to sh.  Returns it malloc'd and moves *p past it; NULL at the end or out of memory. */
char *cli_shell_word(const char **p);

/* This program's absolute path (/proc/self/exe), malloc'd; NULL when it cannot be found. */
char *cli_self_exe(void);
/* DIR/NAME in the first data directory that has it: $CASEFILE_DATADIR, share/casefile beside
 * the program exe, the source tree ($CF_SRCDIR, then the one it was built from).  need_files:
 * only a directory that holds files counts.  malloc'd, or NULL. */
char *cli_find_data(const char *name, const char *exe, int need_files);

#endif
