/* casefile: the command-line program.  This file reads the options that come before the
 * subcommand and hands over to the subcommand's own file. */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "fs.h"
#include "suggest.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv, const cf_cli *cli);
	const char *summary;
} command;

static const command commands[] = {
    {"check", cmd_check, "validate the case files (all cases, or those named)"},
    {"explain", cmd_explain, "what a rule checks, why, how to fix it, and its source"},
    {"init", cmd_init, "make a case repository, or set up a clone: config, member log, hooks"},
    {"hooks", cmd_hooks, "hooks install: the git hooks that keep plaintext out of git"},
    {"doctor", cmd_doctor, "what is wrong with this clone's set-up, and how to fix it"},
    {"keygen", cmd_keygen, "make your member identity and print its public key"},
    {"key", cmd_key, "key export (a passphrase-protected backup of the keys), key public"},
    {"member", cmd_member, "member add, list, remove, role, grant, revoke, rotate: who reads what"},
    {"unlock", cmd_unlock, "verify the member log, install your keys, check cases/ out"},
    {"lock", cmd_lock, "remove this clone's keys; check cases/ out as ciphertext"},
    {"rekey", cmd_rekey, "encrypt case files again under the keys the member log assigns now"},
    {"upgrade", cmd_upgrade, "move a repository of an older casefile to the signed member log"},
    {"new", cmd_new, "open the next case of the year, with templates of its files"},
    {"status", cmd_status, "the open cases for the business office: stage, deadlines, RAG"},
    {"ready", cmd_ready, "the publication checklist of one case"},
    {"show", cmd_show, "one case for the meeting: milestones, deadlines, open items"},
    {"filter-process", cmd_filter_process, "git's long-running filter (set up by init)"},
    {"clean", cmd_clean, "encrypt one file from stdin for git (single-shot filter)"},
    {"smudge", cmd_smudge, "decrypt one file from stdin for git (single-shot filter)"},
    {"textconv", cmd_textconv, "print a case file as plaintext to key holders (git diff)"},
    {"merge", cmd_merge, "git's merge driver for encrypted case files"},
    {"hook", cmd_hook, "what casefile's git hooks run: pre-commit, pre-merge-commit, pre-push..."},
    {"holidays", cmd_holidays, "the bank holidays of a year"},
    {"workdays", cmd_workdays, "working-day arithmetic: add N to a date, count between two"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

static void usage(FILE *f)
{
	fputs("usage: casefile [-C DIR] COMMAND [ARGS]\n"
	      "\n"
	      "casefile keeps safeguarding practice review cases as YAML and Markdown files in a\n"
	      "git repository and checks them: required fields, statutory deadlines, consent and\n"
	      "publication readiness.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -C DIR     run as if started in DIR\n"
	      "  --help     this text; 'casefile help COMMAND' for a command's\n"
	      "  --version  the version\n"
	      "\n"
	      "Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage or\n"
	      "configuration error, 3 a key or decryption problem.\n",
	      f);
}

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[N_COMMANDS];
	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	fprintf(stderr, "casefile: '%s' is not a casefile command\n", name);
	const char *sug = cf_suggest(name, names, N_COMMANDS);
	if (sug)
		fprintf(stderr, "  hint: did you mean '%s'?\n", sug);
	else
		fprintf(stderr, "  hint: 'casefile --help' lists the commands\n");
	return CF_EXIT_USAGE;
}

/* Schemas are looked for in $CASEFILE_DATADIR/schemas, then beside the installed program
 * (PREFIX/bin/casefile -> PREFIX/share/casefile/schemas), then in the source tree the
 * program was built from, so that build/casefile works before `make install`. */
static size_t find_schema_dirs(char **dirs)
{
	size_t n = 0;
	const char *env = getenv("CASEFILE_DATADIR");
	if (env && *env)
		dirs[n++] = cf_path_join(env, "schemas");
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *bin = dirname(exe);
		char *p = cf_path_join(bin, "../share/casefile/schemas");
		if (p && cf_is_dir(p))
			dirs[n++] = p;
		else
			free(p);
	}
	char *src = cf_path_join(CF_SRCDIR, "schemas");
	if (src && cf_is_dir(src))
		dirs[n++] = src;
	else
		free(src);
	return n;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "casefile: -C needs a directory\n");
				return CF_EXIT_USAGE;
			}
			if (chdir(argv[++i]) < 0) {
				fprintf(stderr, "casefile: cannot change to '%s': %s\n", argv[i],
					strerror(errno));
				return CF_EXIT_USAGE;
			}
		} else if (cli_is_help(argv[i])) {
			usage(stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("casefile %s\n", CF_VERSION);
			return CF_EXIT_OK;
		} else {
			fprintf(stderr, "casefile: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CF_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CF_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return CF_EXIT_OK;
		}
		const command *c = find_command(argv[i + 1]);
		if (!c)
			return unknown_command(argv[i + 1]);
		char *help_argv[] = {(char *)c->name, "--help", NULL};
		cf_cli none = {NULL, 0};
		return c->run(2, help_argv, &none);
	}
	const command *c = find_command(argv[i]);
	if (!c)
		return unknown_command(argv[i]);
	if (cf_init() < 0) {
		fprintf(stderr, "casefile: cannot initialise libsodium\n");
		return CF_EXIT_KEY;
	}
	char *dirs[3] = {NULL, NULL, NULL};
	size_t n = find_schema_dirs(dirs);
	cf_cli cli = {(const char *const *)dirs, n};
	int rc = c->run(argc - i, argv + i, &cli);
	for (size_t k = 0; k < n; k++)
		free(dirs[k]);
	return rc;
}
