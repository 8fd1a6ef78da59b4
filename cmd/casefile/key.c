/* casefile keygen, key export, unlock and lock: a member's identity, a backup of the keys, and
 * turning a clone's cases/ from ciphertext into plaintext and back (DESIGN.md §6). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "keys.h"
#include "source.h"
#include "strlist.h"

#define EXPORT_MAX (1024 * 1024)
#define EXPORT_HEAD "casefile-key-export 1"

/* ---- checking cases/ out again ---- */

typedef struct tally {
	size_t files;	    /* tracked files under cases/ */
	size_t plain;	    /* plaintext in the working tree */
	size_t locked;	    /* ciphertext whose key the clone does not hold */
	size_t undecrypted; /* ciphertext whose key the clone holds: the filter did not run */
} tally;

/* Removes the tracked files under cases/ and checks them out again from the index, so the
 * filter's smudge writes them as this clone's keys allow; then counts what came out. */
static int checkout_cases(tally *t, const char *root, const cf_keyring *ring, const char *cmd)
{
	memset(t, 0, sizeof(*t));
	cf_strlist files = CF_STRLIST_INIT;
	if (cli_list_tracked(&files, root, "cases/") < 0) {
		cf_strlist_free(&files);
		return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
				     "cannot list the files git tracks under cases/");
	}
	t->files = files.n;
	int rc = 0;
	for (size_t i = 0; i < files.n; i++) {
		char *p = cf_path_join(root, files.items[i]);
		if (!p || (unlink(p) != 0 && errno != ENOENT)) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot remove %s: %s",
					   files.items[i], p ? strerror(errno) : "out of memory");
			free(p);
			goto out;
		}
		free(p);
	}
	if (files.n &&
	    cli_gitv(NULL, root, 0, "checkout", "-q", "--", "cases/", (char *)NULL) != 0) {
		rc = cli_key_error(cmd, CF_EXIT_KEY, NULL,
				   "the files are still in the index: `git checkout -- cases/` "
				   "brings them back",
				   "git could not check out cases/ (see above)");
		goto out;
	}
	for (size_t i = 0; i < files.n; i++) {
		char *p = cf_path_join(root, files.items[i]);
		unsigned char id[CF_KEYID_BYTES];
		int r = p ? cli_worktree_blob(id, p) : -1;
		free(p);
		if (r == 0)
			t->plain++;
		else if (r == 1 && cf_keyring_find(ring, id))
			t->undecrypted++;
		else if (r == 1)
			t->locked++;
	}
out:
	cf_strlist_free(&files);
	return rc;
}

/* The changes under cases/ that rewriting the working tree from the index would lose: the
 * lines of `git status --porcelain` whose working-tree column is set (a staged change is
 * safe in the index), and with untracked the files git does not track.  0 or -1. */
int cli_cases_changes(cf_buf *out, const char *root, int untracked)
{
	cf_buf all = CF_BUF_INIT;
	if (cli_gitv(&all, root, 0, "status", "--porcelain",
		     untracked ? "--untracked-files=all" : "--untracked-files=no", "--", "cases/",
		     (char *)NULL) != 0) {
		cf_buf_free(&all);
		return -1;
	}
	const char *p = cf_buf_cstr(&all);
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (n > 3 && p[1] != ' ') {
			cf_buf_put(out, p, n);
			cf_buf_putc(out, '\n');
		}
		p += n;
		if (*p)
			p++;
	}
	cf_buf_free(&all);
	return cf_buf_oom(out) ? -1 : 0;
}

static int cases_status(cf_buf *out, const char *root, int untracked, const char *cmd)
{
	if (cli_cases_changes(out, root, untracked) != 0)
		return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
				     "git status failed (see above)");
	return 0;
}

static void print_indented(FILE *f, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "    %.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

/* ---- keygen ---- */

static const char keygen_usage[] =
    "usage: casefile keygen [--passphrase | --passphrase-file FILE] [--force]\n"
    "\n"
    "Makes your member identity: an X25519 key pair at ~/.config/casefile/identity\n"
    "(CASEFILE_IDENTITY names another path), mode 0600, and prints its public key as one\n"
    "line, 'casefile-pub-1 BASE64'. Give that line to a member of a case repository, who\n"
    "runs 'casefile member add NAME LINE'; then 'casefile unlock' gives you the keys.\n"
    "\n"
    "  --passphrase            protect the secret with a passphrase (Argon2id), asked twice\n"
    "  --passphrase-file FILE  the same, with the passphrase on the first line of FILE\n"
    "  --force                 replace an existing identity (you lose the keys sealed to it)\n"
    "\n"
    "Exit codes: 0 done, 2 usage error or an identity exists, 3 it could not be written.\n";

int cmd_keygen(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	int protect = 0, force = 0;
	const char *pass_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(keygen_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--passphrase") == 0) {
			protect = 1;
		} else if (strcmp(a, "--passphrase-file") == 0) {
			if (i + 1 >= argc)
				return cli_usage("keygen", "--passphrase-file needs a file");
			pass_file = argv[++i];
			protect = 1;
		} else if (strcmp(a, "--force") == 0) {
			force = 1;
		} else {
			return cli_usage("keygen", "unknown argument '%s'", a);
		}
	}
	char *path = cf_identity_default_path();
	if (!path)
		return cli_key_error("keygen", CF_EXIT_USAGE, NULL,
				     "set HOME, or CASEFILE_IDENTITY to the identity's path",
				     "no place for the identity: HOME is not set");
	struct stat st;
	if (!force && lstat(path, &st) == 0) {
		cli_key_error("keygen", CF_EXIT_USAGE, NULL,
			      "--force replaces it, and the keys sealed to it are lost to you",
			      "an identity exists already at %s", path);
		free(path);
		return CF_EXIT_USAGE;
	}
	char *pass = NULL;
	size_t passlen = 0;
	int rc = 0;
	if (protect && (rc = cli_passphrase(&pass, &passlen, pass_file,
					    "Passphrase for the new identity: ", 1, "keygen"))) {
		free(path);
		return rc;
	}
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_identity_generate(&id) != 0) {
		rc = cli_key_error("keygen", CF_EXIT_KEY, NULL, NULL, "cannot make a key pair");
	} else if (cf_identity_save(id, path, pass, passlen, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
	} else {
		cf_buf line = CF_BUF_INIT;
		cf_pubkey_format(&line, cf_identity_public(id));
		cf_buf_putc(&line, '\n');
		if (cli_write_stdout(&line) < 0)
			rc = CF_EXIT_USAGE;
		cf_buf_free(&line);
		fprintf(stderr,
			"casefile: keygen: identity written to %s%s\n"
			"  give the line above to a member, who runs `casefile member add NAME "
			"LINE`\n",
			path, pass ? " (protected by your passphrase)" : "");
	}
	cf_identity_free(id);
	cli_passphrase_free(pass);
	cf_diags_free(&diags);
	free(path);
	return rc;
}

/* ---- key export / key public ---- */

static const char key_usage[] =
    "usage: casefile key export [--passphrase-file FILE] -o FILE\n"
    "       casefile key public\n"
    "\n"
    "export: writes every key this clone holds (.git/casefile/keys) to FILE, mode 0600,\n"
    "each protected by a passphrase (Argon2id): a backup, which 'casefile unlock\n"
    "--key-file FILE' reads back. The passphrase is asked twice, or read from the first\n"
    "line of --passphrase-file FILE.\n"
    "public: prints the public key of your identity, the line 'casefile keygen' printed.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 no keys, or they could not be written.\n";

static int key_export(int argc, char **argv)
{
	const char *pass_file = NULL, *out_path = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(key_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--passphrase-file") == 0 && i + 1 < argc) {
			pass_file = argv[++i];
		} else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
			out_path = argv[++i];
		} else {
			return cli_usage("key", "unknown argument '%s'", a);
		}
	}
	if (!out_path)
		return cli_usage("key", "export needs -o FILE");
	char *root, *git_dir;
	int rc = cli_open_clone(&root, &git_dir, "key export");
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	char *pass = NULL;
	size_t passlen = 0;
	cf_buf text = CF_BUF_INIT;
	if (cf_keystore_load(&ring, git_dir, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	size_t n = cf_keyring_len(ring);
	if (n == 0) {
		rc = cli_key_error("key export", CF_EXIT_KEY, "crypt/no-key",
				   "`casefile unlock` installs the keys sealed to you",
				   "this clone holds no keys to export");
		goto out;
	}
	if ((rc = cli_passphrase(&pass, &passlen, pass_file, "Passphrase for the export: ", 1,
				 "key export")))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (i)
			cf_buf_putc(&text, '\n');
		if (cf_key_export_passphrase(&text, cf_keyring_at(ring, i), pass, passlen) != 0) {
			rc = cli_key_error("key export", CF_EXIT_KEY, "crypt/passphrase", NULL,
					   "cannot protect the keys with the passphrase");
			goto out;
		}
	}
	if (cf_buf_oom(&text) || cf_write_file_atomic(out_path, text.ptr, text.len, 0600) < 0) {
		rc = cli_key_error("key export", CF_EXIT_KEY, "crypt/key-io", NULL,
				   "cannot write %s: %s", out_path, strerror(errno));
		goto out;
	}
	fprintf(stderr,
		"casefile: key export: %zu key%s written to %s (mode 0600, protected by the "
		"passphrase)\n"
		"  keep it apart from the repository; `casefile unlock --key-file %s` reads it\n",
		n, n == 1 ? "" : "s", out_path, out_path);
out:
	cli_passphrase_free(pass);
	cf_buf_free(&text);
	cf_keyring_free(ring);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}

static int key_public(void)
{
	char *path = cf_identity_default_path();
	unsigned char pub[CF_PUBKEY_BYTES];
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (!path) {
		rc = cli_key_error("key public", CF_EXIT_KEY, "crypt/identity", NULL,
				   "no identity: HOME is not set");
	} else if (access(path, F_OK) != 0) {
		rc = cli_key_error("key public", CF_EXIT_KEY, "crypt/identity",
				   "`casefile keygen` makes one", "no identity at %s", path);
	} else if (cf_identity_read_public(pub, path, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
	} else {
		cf_buf line = CF_BUF_INIT;
		cf_pubkey_format(&line, pub);
		cf_buf_putc(&line, '\n');
		if (cli_write_stdout(&line) < 0)
			rc = CF_EXIT_USAGE;
		cf_buf_free(&line);
	}
	cf_diags_free(&diags);
	free(path);
	return rc;
}

int cmd_key(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(key_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	if (strcmp(argv[1], "export") == 0)
		return key_export(argc, argv);
	if (strcmp(argv[1], "public") == 0) {
		if (argc > 2 && cli_is_help(argv[2])) {
			fputs(key_usage, stdout);
			return CF_EXIT_OK;
		}
		if (argc > 2)
			return cli_usage("key", "public takes no arguments");
		return key_public();
	}
	return cli_usage("key", "'%s' is not a key command (export, public)", argv[1]);
}

/* ---- unlock ---- */

static const char unlock_usage[] =
    "usage: casefile unlock [--passphrase-file FILE] [--key-file EXPORT]\n"
    "\n"
    "Installs the keys sealed to you and checks cases/ out again as plaintext. Your\n"
    "identity (~/.config/casefile/identity, or CASEFILE_IDENTITY) must be a member: its\n"
    "public key in .casefile/members/NAME.pub. Every .casefile/keys/KEYID/NAME.sealed is\n"
    "opened and the key installed in .git/casefile/keys. With --key-file, the keys come\n"
    "from a backup that 'casefile key export' wrote instead.\n"
    "\n"
    "  --passphrase-file FILE  the passphrase of the identity or the export (first line)\n"
    "  --key-file EXPORT       install the keys of a passphrase-protected export\n"
    "\n"
    "Refuses to touch cases/ while it has unstaged changes. Run 'casefile init' in a\n"
    "fresh clone first: it configures the filter that decrypts.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error or local changes, 3 no key for you, or a key problem.\n";

/* Splits an export file into its keys and installs them. */
static int install_export(size_t *count, const char *git_dir, const char *file,
			  const char *pass_file)
{
	cf_buf text = CF_BUF_INIT;
	char *pass = NULL;
	size_t passlen = 0;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	*count = 0;
	if (cf_read_file_buf(&text, file, EXPORT_MAX) < 0)
		return cli_key_error("unlock", CF_EXIT_KEY, "crypt/key-io", NULL,
				     "cannot read %s: %s", file, strerror(errno));
	if ((rc = cli_passphrase(&pass, &passlen, pass_file, "Passphrase of the export: ", 0,
				 "unlock")))
		goto out;
	const char *p = text.ptr ? text.ptr : "";
	const char *end = p + text.len;
	size_t hl = strlen(EXPORT_HEAD);
	while (p < end) {
		/* One key: from its head line to the next head line. */
		const char *next = p;
		do {
			const char *nl = memchr(next, '\n', (size_t)(end - next));
			next = nl ? nl + 1 : end;
		} while (next < end &&
			 !((size_t)(end - next) >= hl && memcmp(next, EXPORT_HEAD, hl) == 0));
		cf_key *k = NULL;
		if (cf_key_import_passphrase(&k, p, (size_t)(next - p), file, pass, passlen,
					     &diags) != 0 ||
		    cf_keystore_install(git_dir, k, &diags) != 0) {
			cf_key_free(k);
			rc = cli_key_diags(&diags, CF_EXIT_KEY);
			goto out;
		}
		cf_key_free(k);
		(*count)++;
		p = next;
	}
	if (*count == 0)
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/key-format", NULL,
				   "%s holds no keys", file);
out:
	cli_passphrase_free(pass);
	cf_buf_free(&text);
	cf_diags_free(&diags);
	return rc;
}

/* The member whose .pub holds pub (malloc'd name), or NULL. */
static char *find_member(const char *root, const unsigned char pub[CF_PUBKEY_BYTES])
{
	char *dir = cf_path_join(root, CF_MEMBERS_DIR);
	cf_strlist names = CF_STRLIST_INIT;
	char *found = NULL;
	if (dir && cli_list_names(&names, dir, ".pub") == 0) {
		for (size_t i = 0; i < names.n && !found; i++) {
			cf_buf p = CF_BUF_INIT;
			unsigned char have[CF_PUBKEY_BYTES];
			cf_buf_printf(&p, "%s/%s.pub", dir, names.items[i]);
			if (!cf_buf_oom(&p) && cli_read_pubkey(have, p.ptr) == 0 &&
			    sodium_memcmp(have, pub, CF_PUBKEY_BYTES) == 0)
				found = cf_strdup(names.items[i]);
			cf_buf_free(&p);
		}
	}
	cf_strlist_free(&names);
	free(dir);
	return found;
}

/* Opens every key sealed to the member whose public key is our identity's, and installs it.
 * Appends what was installed to what; sets *member_out to the member's name (malloc'd). */
static int install_sealed(size_t *count, cf_buf *what, char **member_out, const char *root,
			  const char *git_dir, const cf_access *a, const char *pass_file)
{
	*count = 0;
	*member_out = NULL;
	char *path = cf_identity_default_path();
	char *pass = NULL, *member = NULL, *keys_dir = NULL;
	size_t passlen = 0;
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_strlist dirs = CF_STRLIST_INIT;
	int rc = 0, failed = 0;
	if (!path || access(path, F_OK) != 0) {
		rc =
		    cli_key_error("unlock", CF_EXIT_KEY, "crypt/identity",
				  "`casefile keygen` makes one; or give a backup with --key-file",
				  "no identity at %s", path ? path : "~/.config/casefile/identity");
		goto out;
	}
	if (cf_identity_is_protected(path) == 1 &&
	    (rc = cli_passphrase(&pass, &passlen, pass_file, "Passphrase of your identity: ", 0,
				 "unlock")))
		goto out;
	if (cf_identity_load(&id, path, pass, passlen, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	member = find_member(root, cf_identity_public(id));
	if (!member) {
		cf_buf line = CF_BUF_INIT;
		cf_pubkey_format(&line, cf_identity_public(id));
		rc = cli_key_error(
		    "unlock", CF_EXIT_KEY, "crypt/no-key",
		    "give a member your public key (`casefile key public` prints "
		    "it); they run `casefile member add NAME LINE` and commit; then "
		    "pull and run `casefile unlock` again",
		    "no key of this repository is sealed to you: your public key (%s) "
		    "is not in %s/",
		    cf_buf_cstr(&line), CF_MEMBERS_DIR);
		cf_buf_free(&line);
		goto out;
	}
	keys_dir = cf_path_join(root, CF_SEALED_DIR);
	if (!keys_dir || cli_list_names(&dirs, keys_dir, "") < 0) {
		rc = cli_key_error("unlock", CF_EXIT_USAGE, NULL, NULL, "cannot read %s/",
				   CF_SEALED_DIR);
		goto out;
	}
	for (size_t i = 0; i < dirs.n; i++) {
		unsigned char kid[CF_KEYID_BYTES];
		if (cf_keyid_parse(kid, dirs.items[i]) != 0)
			continue;
		cf_buf sp = CF_BUF_INIT, text = CF_BUF_INIT;
		cf_buf_printf(&sp, "%s/%s/%s.sealed", CF_SEALED_DIR, dirs.items[i], member);
		char *full = cf_path_join(root, cf_buf_cstr(&sp));
		cf_key *k = NULL;
		if (full && cf_is_file(full)) {
			if (cf_read_file_buf(&text, full, 4096) < 0) {
				cli_key_error("unlock", 0, "crypt/key-io", NULL,
					      "cannot read %s: %s", sp.ptr, strerror(errno));
				failed = 1;
			} else if (cf_key_unseal(&k, text.ptr, text.len, kid, id, sp.ptr, &diags) !=
				       0 ||
				   cf_keystore_install(git_dir, k, &diags) != 0) {
				failed = 1;
			} else {
				if ((*count)++)
					cf_buf_puts(what, ", ");
				cli_describe_key(what, a, kid);
			}
		}
		cf_key_free(k);
		free(full);
		cf_buf_free(&sp);
		cf_buf_free(&text);
	}
	cli_print_diags(stderr, &diags);
	if (*count == 0) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/no-key",
				   "ask a member who holds the keys to run `casefile member add` "
				   "for you",
				   "no key is sealed to member %s in %s/", member, CF_SEALED_DIR);
		goto out;
	}
	if (failed)
		rc = CF_EXIT_KEY;
	*member_out = member;
	member = NULL;
out:
	cf_strlist_free(&dirs);
	cf_identity_free(id);
	cli_passphrase_free(pass);
	cf_diags_free(&diags);
	free(keys_dir);
	free(member);
	free(path);
	return rc;
}

static void print_tally(const char *cmd, const tally *t)
{
	printf("casefile: %s: cases/ checked out again: %zu file%s", cmd, t->files,
	       t->files == 1 ? "" : "s");
	if (t->files)
		printf(", %zu plaintext, %zu encrypted", t->plain, t->locked + t->undecrypted);
	printf("\n");
	if (t->locked && strcmp(cmd, "unlock") == 0)
		printf("  %zu file%s stay%s encrypted: their keys are not sealed to you\n",
		       t->locked, t->locked == 1 ? "" : "s", t->locked == 1 ? "s" : "");
}

int cmd_unlock(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	const char *pass_file = NULL, *key_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(unlock_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--passphrase-file") == 0 && i + 1 < argc) {
			pass_file = argv[++i];
		} else if (strcmp(a, "--key-file") == 0 && i + 1 < argc) {
			key_file = argv[++i];
		} else {
			return cli_usage("unlock", "unknown argument '%s'", a);
		}
	}
	char *root, *git_dir;
	int rc = cli_open_clone(&root, &git_dir, "unlock");
	if (rc)
		return rc;
	cf_access a;
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf what = CF_BUF_INIT, status = CF_BUF_INIT;
	cf_keyring *ring = NULL;
	size_t count = 0;
	int key_rc = 0;
	memset(&a, 0, sizeof(a));
	if (!cli_filter_configured(root)) {
		rc = cli_key_error(
		    "unlock", CF_EXIT_USAGE, NULL, "run `casefile init` in this clone first",
		    "the casefile filter is not configured in this clone, so nothing "
		    "would be decrypted");
		goto out;
	}
	if (cf_access_load(&a, root, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_USAGE);
		goto out;
	}
	if (key_file) {
		key_rc = install_export(&count, git_dir, key_file, pass_file);
		if (key_rc == 0)
			printf("casefile: unlock: %zu key%s installed from %s\n", count,
			       count == 1 ? "" : "s", key_file);
	} else {
		char *member = NULL;
		key_rc = install_sealed(&count, &what, &member, root, git_dir, &a, pass_file);
		if (count)
			printf("casefile: unlock: %zu key%s of member %s installed: %s\n", count,
			       count == 1 ? "" : "s", member ? member : "?", cf_buf_cstr(&what));
		free(member);
	}
	if (count == 0) {
		rc = key_rc ? key_rc : CF_EXIT_KEY;
		goto out;
	}
	if ((rc = cases_status(&status, root, 0, "unlock")))
		goto out;
	if (status.len) {
		fprintf(stderr, "casefile: unlock: cases/ has unstaged changes, so it was not "
				"checked out again:\n");
		print_indented(stderr, status.ptr);
		fprintf(stderr,
			"  hint: commit, stage or stash them, then run `casefile unlock` again "
			"(the keys are installed)\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_keystore_load(&ring, git_dir, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	tally t;
	if ((rc = checkout_cases(&t, root, ring, "unlock")))
		goto out;
	print_tally("unlock", &t);
	if (t.undecrypted) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/format",
				   "check that `git config filter.casefile.process` names this "
				   "casefile (`casefile init` sets it)",
				   "%zu file%s under cases/ stayed encrypted although this clone "
				   "holds the key",
				   t.undecrypted, t.undecrypted == 1 ? "" : "s");
		goto out;
	}
	cf_buf_clear(&status);
	if (cases_status(&status, root, 0, "unlock") == 0 && status.len) {
		fprintf(stderr,
			"casefile: unlock: warning: git status is not clean under cases/:\n");
		print_indented(stderr, status.ptr);
	}
	rc = key_rc;
out:
	cf_keyring_free(ring);
	cf_access_free(&a);
	cf_buf_free(&what);
	cf_buf_free(&status);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}

/* ---- lock ---- */

static const char lock_usage[] =
    "usage: casefile lock [--force]\n"
    "\n"
    "Removes every key this clone holds (.git/casefile/keys) and checks cases/ out again,\n"
    "now as ciphertext: the working tree then holds nothing readable. 'casefile unlock'\n"
    "brings the keys back from the copies sealed to you.\n"
    "\n"
    "Refuses while cases/ has unstaged changes or files git does not track (they would\n"
    "be lost, or stay plaintext), and while a key this clone holds is sealed to no member\n"
    "(it would be lost to everyone).\n"
    "\n"
    "  --force   lock anyway: unstaged changes under cases/ are lost, untracked files\n"
    "            stay as they are, and a key sealed to nobody is gone unless exported\n"
    "\n"
    "Exit codes: 0 done, 2 refused or usage error, 3 a key problem.\n";

/* Keys the clone holds that access.yaml uses and that no member holds a sealed copy of. */
static int unsealed_keys(cf_buf *out, const char *root, const cf_access *a, const cf_keyring *ring)
{
	int n = 0;
	for (size_t i = 0; i < cf_keyring_len(ring); i++) {
		const unsigned char *id = cf_key_id(cf_keyring_at(ring, i));
		cf_buf d = CF_BUF_INIT;
		if (cli_describe_key(&d, a, id) != 0) {
			cf_buf_free(&d);
			continue; /* no longer in use: history only */
		}
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, id);
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/%s/%s", root, CF_SEALED_DIR, hex);
		cf_strlist sealed = CF_STRLIST_INIT;
		if (cli_list_names(&sealed, cf_buf_cstr(&p), ".sealed") != 0 || sealed.n == 0) {
			cf_buf_printf(out, "%s%s (%s)", n ? ", " : "", cf_buf_cstr(&d), hex);
			n++;
		}
		cf_strlist_free(&sealed);
		cf_buf_free(&p);
		cf_buf_free(&d);
	}
	return n;
}

int cmd_lock(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	int force = 0;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(lock_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = 1;
		} else {
			return cli_usage("lock", "unknown argument '%s'", argv[i]);
		}
	}
	char *root, *git_dir;
	int rc = cli_open_clone(&root, &git_dir, "lock");
	if (rc)
		return rc;
	cf_access a;
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf status = CF_BUF_INIT, lost = CF_BUF_INIT;
	cf_keyring *ring = NULL, *none = NULL;
	memset(&a, 0, sizeof(a));
	if ((rc = cases_status(&status, root, 1, "lock")))
		goto out;
	if (status.len && !force) {
		fprintf(stderr, "casefile: lock: cases/ has unstaged changes or untracked "
				"files; nothing was changed:\n");
		print_indented(stderr, status.ptr);
		fprintf(stderr, "  hint: commit, stage or stash them, or `casefile lock --force` "
				"to lose the changes\n");
		rc = CF_EXIT_USAGE;
		goto out;
	}
	if (cf_access_load(&a, root, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_USAGE);
		goto out;
	}
	/* A clone whose key store others may read still gets locked: clear what is there. */
	if (cf_keystore_load(&ring, git_dir, &diags) != 0 && !force) {
		cli_print_diags(stderr, &diags);
		rc = cli_key_error("lock", CF_EXIT_KEY, NULL,
				   "fix the key store first, or `casefile lock --force`",
				   "cannot read the keys this clone holds");
		goto out;
	}
	if (ring && unsealed_keys(&lost, root, &a, ring) > 0 && !force) {
		rc = cli_key_error("lock", CF_EXIT_USAGE, NULL,
				   "seal it to a member first (`casefile member add`), or keep a "
				   "backup (`casefile key export -o FILE`) and run `casefile lock "
				   "--force`",
				   "no member holds a sealed copy of %s: locking would lose it",
				   cf_buf_cstr(&lost));
		goto out;
	}
	size_t held = cf_keyring_len(ring);
	cf_diags_clear(&diags);
	if (cf_keystore_clear(git_dir, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	printf("casefile: lock: %zu key%s removed from this clone\n", held, held == 1 ? "" : "s");
	if (cf_keyring_new(&none) != 0) {
		rc = cli_key_error("lock", CF_EXIT_USAGE, NULL, NULL, "out of memory");
		goto out;
	}
	tally t;
	if ((rc = checkout_cases(&t, root, none, "lock")))
		goto out;
	print_tally("lock", &t);
	if (t.plain) {
		rc = cli_key_error("lock", CF_EXIT_KEY, "crypt/format",
				   "files git stores unencrypted under cases/ should not exist: "
				   "`casefile check` and the pre-commit hook report them",
				   "%zu tracked file%s under cases/ are still plaintext", t.plain,
				   t.plain == 1 ? "" : "s");
		goto out;
	}
	cf_buf_clear(&status);
	if (cases_status(&status, root, 1, "lock") == 0 && status.len) {
		fprintf(stderr, "casefile: lock: warning: these stay as they are under cases/ "
				"(untracked or changed files are not locked):\n");
		print_indented(stderr, status.ptr);
	}
	printf("  `casefile unlock` installs the keys sealed to you again\n");
out:
	cf_keyring_free(ring);
	cf_keyring_free(none);
	cf_access_free(&a);
	cf_buf_free(&status);
	cf_buf_free(&lost);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}
