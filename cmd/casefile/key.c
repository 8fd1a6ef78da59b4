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
#include "change.h"
#include "keys.h"
#include "legacy.h"
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
	/* what unlock writes is plaintext: cases/ out of other users' reach, whatever the umask */
	if (cli_cases_private(root) != 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL,
				   "the files are still in the index: `git checkout -- cases/` "
				   "brings them back",
				   "cannot make cases/ readable by you only: %s", strerror(errno));
		goto out;
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

/* Zeros a buffer that held key material, then frees it. */
static void wipe_free(cf_buf *b)
{
	if (b->ptr)
		sodium_memzero(b->ptr, b->len);
	cf_buf_free(b);
}

/* ---- keygen ---- */

static const char keygen_usage[] =
    "usage: casefile keygen [--passphrase | --passphrase-file FILE | --no-passphrase] [--force]\n"
    "       casefile keygen --upgrade [--passphrase-file FILE]\n"
    "\n"
    "Makes your member identity at ~/.config/casefile/identity (CASEFILE_IDENTITY names\n"
    "another path), mode 0600: an X25519 key pair that keys are sealed to and an Ed25519\n"
    "key pair that signs the member log. Prints its public line,\n"
    "'casefile-pub-2 BASE64 FINGERPRINT'. Give that line to an admin of a case\n"
    "repository and read the fingerprint to them; they run 'casefile member add NAME\n"
    "LINE'; then 'casefile unlock' gives you the keys.\n"
    "\n"
    "On a terminal keygen asks for a passphrase (Argon2id; at least 12 characters).\n"
    "\n"
    "  --passphrase            ask for a passphrase, twice, even when not on a terminal\n"
    "  --passphrase-file FILE  the passphrase on the first line of FILE\n"
    "  --no-passphrase         protect the secret by the file's mode only\n"
    "  --force                 replace an existing identity (you lose the keys sealed to it)\n"
    "  --upgrade               give an identity of an older casefile a signing key, in\n"
    "                          place: its keys stay, so everything sealed to it opens\n"
    "\n"
    "Exit codes: 0 done, 2 usage error or an identity exists, 3 it could not be written.\n";

static int print_public(const cf_pubkeys *pk)
{
	cf_buf line = CF_BUF_INIT;
	cf_pubkeys_format(&line, pk);
	cf_buf_putc(&line, '\n');
	int rc = cli_write_stdout(&line) < 0 ? CF_EXIT_USAGE : 0;
	cf_buf_free(&line);
	return rc;
}

static int keygen_upgrade(const char *path, const char *pass_file)
{
	char *pass = NULL;
	size_t passlen = 0;
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (access(path, F_OK) != 0) {
		rc = cli_key_error("keygen", CF_EXIT_USAGE, "crypt/identity",
				   "`casefile keygen` makes a new one", "no identity at %s", path);
		goto out;
	}
	int protect = cf_identity_is_protected(path) == 1;
	if (protect && (rc = cli_passphrase(&pass, &passlen, pass_file,
					    "Passphrase of your identity: ", 0, "keygen")))
		goto out;
	if (cf_identity_load(&id, path, pass, passlen, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	int added = cf_identity_add_signing(id);
	if (added < 0) {
		rc = cli_key_error("keygen", CF_EXIT_KEY, NULL, NULL, "out of memory");
		goto out;
	}
	if (added && cf_identity_save(id, path, pass, passlen, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	if ((rc = print_public(cf_identity_public(id))))
		goto out;
	char fp[CF_FINGERPRINT_BYTES];
	cf_pubkeys_fingerprint(fp, cf_identity_public(id));
	if (added)
		fprintf(
		    stderr,
		    "casefile: keygen: %s now has a signing key (fingerprint %s); its sealing "
		    "key is the same, so every key sealed to it still opens\n"
		    "  an admin records it with `casefile member role NAME ROLE --pubkey LINE`\n",
		    path, fp);
	else
		fprintf(stderr, "casefile: keygen: %s has a signing key already (fingerprint %s)\n",
			path, fp);
out:
	cf_identity_free(id);
	cli_passphrase_free(pass);
	cf_diags_free(&diags);
	return rc;
}

int cmd_keygen(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	int protect = -1, force = 0, upgrade = 0;
	const char *pass_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(keygen_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--passphrase") == 0) {
			protect = 1;
		} else if (strcmp(a, "--no-passphrase") == 0) {
			protect = 0;
		} else if (strcmp(a, "--passphrase-file") == 0) {
			if (i + 1 >= argc)
				return cli_usage("keygen", "--passphrase-file needs a file");
			pass_file = argv[++i];
			protect = 1;
		} else if (strcmp(a, "--force") == 0) {
			force = 1;
		} else if (strcmp(a, "--upgrade") == 0) {
			upgrade = 1;
		} else {
			return cli_usage("keygen", "unknown argument '%s'", a);
		}
	}
	if (upgrade && force)
		return cli_usage("keygen", "--upgrade keeps the identity; --force replaces it");
	char *path = cli_identity_path();
	if (!path)
		return cli_key_error("keygen", CF_EXIT_USAGE, NULL,
				     "set HOME, or CASEFILE_IDENTITY to the identity's path",
				     "no place for the identity: HOME is not set");
	if (upgrade) {
		int rc = keygen_upgrade(path, pass_file);
		free(path);
		return rc;
	}
	struct stat st;
	if (!force && lstat(path, &st) == 0) {
		cli_key_error("keygen", CF_EXIT_USAGE, NULL,
			      "--force replaces it, and the keys sealed to it are lost to you; "
			      "--upgrade gives an older identity a signing key",
			      "an identity exists already at %s", path);
		free(path);
		return CF_EXIT_USAGE;
	}
	if (protect < 0)
		protect = isatty(0) && isatty(2);
	char *pass = NULL;
	size_t passlen = 0;
	int rc = 0;
	if (protect && (rc = cli_passphrase(&pass, &passlen, pass_file,
					    "Passphrase for the new identity (at least 12 "
					    "characters): ",
					    1, "keygen"))) {
		free(path);
		return rc;
	}
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_identity_generate(&id) != 0) {
		rc = cli_key_error("keygen", CF_EXIT_KEY, NULL, NULL, "cannot make a key pair");
	} else if (cf_identity_save(id, path, pass, passlen, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
	} else if ((rc = print_public(cf_identity_public(id))) == 0) {
		char fp[CF_FINGERPRINT_BYTES];
		cf_pubkeys_fingerprint(fp, cf_identity_public(id));
		fprintf(stderr,
			"casefile: keygen: identity written to %s%s; fingerprint %s\n"
			"  give the line above to an admin, who runs `casefile member add NAME "
			"LINE`, and read them the fingerprint\n",
			path, pass ? " (protected by your passphrase)" : "", fp);
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
    "each protected by a passphrase (Argon2id, at least 12 characters): a backup, which\n"
    "'casefile unlock --key-file FILE' reads back. The passphrase is asked twice, or read\n"
    "from the first line of --passphrase-file FILE.\n"
    "public: prints the public line of your identity, the line 'casefile keygen' printed.\n"
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
	if (!cf_passphrase_acceptable(pass, passlen)) {
		rc = cli_key_error("key export", CF_EXIT_KEY, "crypt/passphrase",
				   "a few words make a passphrase long enough",
				   "the passphrase is too short: at least %d characters",
				   CF_PASSPHRASE_MIN);
		goto out;
	}
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
	wipe_free(&text);
	cf_keyring_free(ring);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}

static int key_public(void)
{
	char *path = cli_identity_path();
	cf_pubkeys pub;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (!path) {
		rc = cli_key_error("key public", CF_EXIT_KEY, "crypt/identity", NULL,
				   "no identity: HOME is not set");
	} else if (access(path, F_OK) != 0) {
		rc = cli_key_error("key public", CF_EXIT_KEY, "crypt/identity",
				   "`casefile keygen` makes one", "no identity at %s", path);
	} else if (cf_identity_read_public(&pub, path, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
	} else {
		rc = print_public(&pub);
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
    "usage: casefile unlock [--expect FINGERPRINT] [--passphrase-file FILE]\n"
    "                       [--key-file EXPORT]\n"
    "\n"
    "Installs the keys the member log seals to you and checks cases/ out again as\n"
    "plaintext. The member log (.casefile/members.log) is verified first: every entry\n"
    "signed by an admin, back to its first. The first entry's hash is the repository's\n"
    "fingerprint: the first unlock of a clone shows it and pins it, and from then on the\n"
    "clone refuses a log that does not descend from it. Compare it with the fingerprint\n"
    "your administrator gave you (`casefile init` printed it), or let unlock compare:\n"
    "\n"
    "  --expect FINGERPRINT    refuse unless the repository's fingerprint is this one\n"
    "  --passphrase-file FILE  the passphrase of the identity or the export (first line)\n"
    "  --key-file EXPORT       install the keys of a passphrase-protected export instead\n"
    "\n"
    "Your identity (~/.config/casefile/identity, or CASEFILE_IDENTITY) must be a member of\n"
    "the log. Only keys sealed to the keys the log records for you, and matching the\n"
    "log's commitment to each key, are installed. cases/ is made yours only (mode\n"
    "0700) before the plaintext is written. Refuses to touch cases/ while it has\n"
    "unstaged changes. Run 'casefile init' in a fresh clone first: it configures the\n"
    "filter that decrypts.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error or local changes, 3 no key for you, an untrusted\n"
    "member log, or a key problem.\n";

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
	wipe_free(&text);
	cf_diags_free(&diags);
	return rc;
}

/* Opens every key the log seals to the member whose X25519 key is the identity's, checks it
 * against the log's id and commitment, and installs it.  Appends what was installed to
 * what; *member_out (malloc'd) names the member. */
static int install_sealed(size_t *count, cf_buf *what, char **member_out, const cf_mlog *log,
			  const char *git_dir, const char *pass_file)
{
	*count = 0;
	*member_out = NULL;
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0, failed = 0;
	if ((rc = cli_identity_open(&id, pass_file, "unlock")))
		goto out;
	const cf_mlog_member *m = cli_member_of(log, id, "unlock");
	if (!m) {
		rc = CF_EXIT_KEY;
		goto out;
	}
	size_t current = 0, history = 0;
	for (size_t i = 0; i < cf_mlog_keys(log); i++) {
		const cf_mlog_seal *s = cf_mlog_seal_for(log, i, m->name);
		if (!s)
			continue;
		const cf_mlog_key *lk = cf_mlog_key_at(log, i);
		cf_key *k = NULL;
		if (cf_key_unseal(&k, s->sealed, strlen(s->sealed), lk->id, lk->commitment, id,
				  CF_MLOG_PATH, &diags) != 0 ||
		    cf_keystore_install(git_dir, k, &diags) != 0) {
			failed = 1;
		} else if (lk->retired) {
			history++;
		} else {
			if (current++)
				cf_buf_puts(what, ", ");
			cli_describe_key(what, log, lk->id);
		}
		cf_key_free(k);
	}
	cli_print_diags(stderr, &diags);
	*count = current + history;
	if (history)
		cf_buf_printf(what, "%s%zu retired key%s (history)", current ? ", " : "", history,
			      history == 1 ? "" : "s");
	if (*count == 0) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/no-key",
				   "ask an admin to run `casefile member add` for you",
				   "the member log seals no key to member %s", m->name);
		goto out;
	}
	if (failed)
		rc = CF_EXIT_KEY;
	*member_out = cf_strdup(m->name);
out:
	cf_identity_free(id);
	cf_diags_free(&diags);
	return rc;
}

/* A repository an older casefile left, not yet upgraded: the keys sealed to the identity in
 * .casefile/keys/, read-only (lib/legacy). */
static int install_legacy(size_t *count, cf_buf *what, char **member_out, const char *root,
			  const char *git_dir, const char *pass_file)
{
	*count = 0;
	*member_out = NULL;
	cf_identity *id = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	cf_legacy_member *members = NULL;
	size_t n_members = 0;
	cf_legacy_access a;
	memset(&a, 0, sizeof(a));
	int rc = 0;
	if ((rc = cli_identity_open(&id, pass_file, "unlock")))
		goto out;
	if (cf_legacy_access_load(&a, root, &diags) != 0 ||
	    cf_legacy_members(&members, &n_members, NULL, root) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_USAGE);
		goto out;
	}
	const char *name = NULL;
	for (size_t i = 0; i < n_members && !name; i++)
		if (memcmp(members[i].pub.box, cf_identity_public(id)->box, CF_PUBKEY_BYTES) == 0)
			name = members[i].name;
	if (!name) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/no-key", NULL,
				   "your public key is not in %s/", CF_LEGACY_MEMBERS_DIR);
		goto out;
	}
	/* Every key the access list names, and the cases' keys. */
	size_t n_ids = a.n + (size_t)a.has_repository_key;
	for (size_t i = 0; i < n_ids; i++) {
		const unsigned char *kid = i < a.n ? a.cases[i].key : a.repository_key;
		cf_buf text = CF_BUF_INIT;
		cf_key *k = NULL;
		if (cf_legacy_sealed_read(&text, root, kid, name) == 1 &&
		    cf_key_unseal(&k, text.ptr, text.len, kid, NULL, id, CF_LEGACY_SEALED_DIR,
				  &diags) == 0 &&
		    cf_keystore_install(git_dir, k, &diags) == 0) {
			if ((*count)++)
				cf_buf_puts(what, ", ");
			if (i < a.n)
				cf_buf_printf(what, "case %s", a.cases[i].id);
			else
				cf_buf_puts(what, "repository");
		}
		cf_key_free(k);
		cf_buf_free(&text);
	}
	cli_print_diags(stderr, &diags);
	if (*count == 0) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/no-key", NULL,
				   "no key is sealed to member %s in %s/", name,
				   CF_LEGACY_SEALED_DIR);
		goto out;
	}
	*member_out = cf_strdup(name);
out:
	cf_legacy_members_free(members, n_members);
	cf_legacy_access_free(&a);
	cf_identity_free(id);
	cf_diags_free(&diags);
	return rc;
}

/* 1 when the log commits to at least one of the keys the clone holds. */
static int log_knows_a_held_key(const cf_mlog *log, const cf_keyring *ring)
{
	for (size_t i = 0; i < cf_keyring_len(ring); i++)
		if (cf_mlog_key_by_id(log, cf_key_id(cf_keyring_at(ring, i))))
			return 1;
	return 0;
}

/* The trust step: the log verified, the pin checked or made.  0, or an exit code. */
static int trust_log(const cf_mlog *log, const cf_trust_pin *pin, const cf_keyring *ring,
		     const char *git_dir, const char *expect)
{
	char fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, log);
	if (expect && !cf_fingerprint_matches(fp, expect))
		return cli_key_error("unlock", CF_EXIT_KEY, "crypt/untrusted",
				     "do not use this clone for cases until you know why: ask your "
				     "administrator for the repository's fingerprint",
				     "the repository's fingerprint is %s, not %s: this member log "
				     "is not the one you expected",
				     fp, expect);
	if (pin->pinned) {
		printf("casefile: unlock: member log verified: %zu entr%s, fingerprint %s "
		       "(pinned)\n",
		       cf_mlog_entries(log), cf_mlog_entries(log) == 1 ? "y" : "ies", fp);
		return 0;
	}
	if (!expect && cf_keyring_len(ring) && !log_knows_a_held_key(log, ring))
		return cli_key_error("unlock", CF_EXIT_KEY, "crypt/untrusted",
				     "if your administrator confirms this fingerprint, run "
				     "`casefile unlock --expect FINGERPRINT`",
				     "the member log (fingerprint %s) knows none of the keys this "
				     "clone holds: it may not be your repository's log",
				     fp);
	cf_diags diags = CF_DIAGS_INIT;
	int rc = cf_trust_pin_save(git_dir, log, &diags);
	if (rc < 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		cf_diags_free(&diags);
		return rc;
	}
	cf_diags_free(&diags);
	printf("casefile: unlock: member log verified: %zu entr%s; the repository's fingerprint "
	       "is %s\n",
	       cf_mlog_entries(log), cf_mlog_entries(log) == 1 ? "y" : "ies", fp);
	printf("  pinned in this clone%s\n",
	       expect ? " (as you expected)"
		      : ": compare it with the fingerprint your administrator gave you");
	return 0;
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
	const char *pass_file = NULL, *key_file = NULL, *expect = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(unlock_usage, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--passphrase-file") == 0 && i + 1 < argc) {
			pass_file = argv[++i];
		} else if (strcmp(a, "--key-file") == 0 && i + 1 < argc) {
			key_file = argv[++i];
		} else if (strcmp(a, "--expect") == 0 && i + 1 < argc) {
			expect = argv[++i];
		} else {
			return cli_usage("unlock", "unknown argument '%s'", a);
		}
	}
	char *root, *git_dir;
	int rc = cli_open_clone(&root, &git_dir, "unlock");
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf what = CF_BUF_INIT, status = CF_BUF_INIT;
	cf_keyring *ring = NULL;
	cf_mlog *log = NULL;
	cf_trust_pin pin;
	size_t count = 0;
	int key_rc = 0;
	if (!cli_filter_configured(root)) {
		rc = cli_key_error(
		    "unlock", CF_EXIT_USAGE, NULL, "run `casefile init` in this clone first",
		    "the casefile filter is not configured in this clone, so nothing "
		    "would be decrypted");
		goto out;
	}
	/* remember 0: the log is kept only once it is trusted (pinned) below. */
	if ((rc = cli_load_log_keys(&log, &pin, &ring, root, git_dir, 0, &diags)))
		goto out;
	if (log) {
		if ((rc = trust_log(log, &pin, ring, git_dir, expect)))
			goto out;
		cf_trust_remember(git_dir, log, &diags);
	} else if (expect) {
		rc = cli_key_error("unlock", CF_EXIT_KEY, "crypt/untrusted", NULL,
				   "this repository has no member log, so it has no fingerprint");
		goto out;
	}
	if (key_file) {
		key_rc = install_export(&count, git_dir, key_file, pass_file);
		if (key_rc == 0)
			printf("casefile: unlock: %zu key%s installed from %s\n", count,
			       count == 1 ? "" : "s", key_file);
	} else {
		char *member = NULL;
		if (log)
			key_rc = install_sealed(&count, &what, &member, log, git_dir, pass_file);
		else
			key_rc = install_legacy(&count, &what, &member, root, git_dir, pass_file);
		if (count)
			printf("casefile: unlock: %zu key%s of member %s installed: %s\n", count,
			       count == 1 ? "" : "s", member ? member : "?", cf_buf_cstr(&what));
		if (count && !log)
			fprintf(stderr,
				"casefile: unlock: warning[crypt/upgrade]: this repository has no "
				"signed member log: it is readable, but nothing new is encrypted "
				"until an admin runs `casefile upgrade`\n");
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
	cf_keyring_free(ring);
	ring = NULL;
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
	cf_mlog_free(log);
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
    "Removes every key this clone holds (.git/casefile/keys; each file overwritten before\n"
    "it is unlinked) and checks cases/ out again, now as ciphertext: the working tree then\n"
    "holds nothing readable. 'casefile unlock' brings the keys back from the member log.\n"
    "\n"
    "Refuses while cases/ has unstaged changes or files git does not track (they would\n"
    "be lost, or stay plaintext), and while a key this clone holds is sealed to no member\n"
    "(it would be lost to everyone).\n"
    "\n"
    "  --force   lock anyway: unstaged changes under cases/ are lost, untracked files\n"
    "            stay as they are, and a key sealed to nobody is gone unless exported\n"
    "\n"
    "Exit codes: 0 done, 2 refused or usage error, 3 a key problem.\n";

/* Keys the clone holds that the log (or, before it, access.yaml) uses and that no member
 * holds a sealed copy of. */
static int unsealed_keys(cf_buf *out, const char *root, const cf_mlog *log, const cf_keyring *ring)
{
	int n = 0;
	cf_legacy_access a;
	memset(&a, 0, sizeof(a));
	cf_diags quiet = CF_DIAGS_INIT;
	if (!log)
		cf_legacy_access_load(&a, root, &quiet);
	for (size_t i = 0; i < cf_keyring_len(ring); i++) {
		const unsigned char *id = cf_key_id(cf_keyring_at(ring, i));
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, id);
		int used = 0, sealed = 0;
		if (log) {
			for (size_t k = 0; k < cf_mlog_keys(log) && !used; k++) {
				const cf_mlog_key *lk = cf_mlog_key_at(log, k);
				if (memcmp(lk->id, id, CF_KEYID_BYTES) != 0)
					continue;
				used = 1;
				for (size_t s = 0; s < cf_mlog_seals(log) && !sealed; s++) {
					const cf_mlog_seal *se = cf_mlog_seal_at(log, s);
					const cf_mlog_member *m =
					    cf_mlog_member_named(log, se->member);
					sealed = se->key == k && m && m->active;
				}
			}
		} else {
			used = (a.has_repository_key &&
				memcmp(a.repository_key, id, CF_KEYID_BYTES) == 0);
			for (size_t c = 0; c < a.n && !used; c++)
				used = memcmp(a.cases[c].key, id, CF_KEYID_BYTES) == 0;
			cf_strlist h = CF_STRLIST_INIT;
			sealed = cf_legacy_holders(&h, root, id) == 0 && h.n > 0;
			cf_strlist_free(&h);
		}
		if (used && !sealed)
			cf_buf_printf(out, "%skey %s", n++ ? ", " : "", hex);
	}
	cf_legacy_access_free(&a);
	cf_diags_free(&quiet);
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
	cf_diags diags = CF_DIAGS_INIT;
	cf_buf status = CF_BUF_INIT, lost = CF_BUF_INIT;
	cf_keyring *ring = NULL, *none = NULL;
	cf_mlog *log = NULL;
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
	/* An untrusted log does not stop a lock: it only makes the check below impossible. */
	if (cli_load_log_keys(&log, NULL, NULL, root, git_dir, 0, &diags) != 0 && !force) {
		rc = cli_key_error("lock", CF_EXIT_KEY, NULL,
				   "resolve the member log first, or `casefile lock --force`",
				   "cannot tell whether the keys are sealed to anyone");
		goto out;
	}
	cf_diags_clear(&diags);
	/* A clone whose key store others may read still gets locked: clear what is there. */
	if (cf_keystore_load(&ring, git_dir, &diags) != 0 && !force) {
		cli_print_diags(stderr, &diags);
		rc = cli_key_error("lock", CF_EXIT_KEY, NULL,
				   "fix the key store first, or `casefile lock --force`",
				   "cannot read the keys this clone holds");
		goto out;
	}
	if (ring && unsealed_keys(&lost, root, log, ring) > 0 && !force) {
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
	cf_mlog_free(log);
	cf_buf_free(&status);
	cf_buf_free(&lost);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}
