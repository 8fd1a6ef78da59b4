/* casefile member add, list and remove: who holds which key (DESIGN.md §6).  A member is a
 * public key in .casefile/members/NAME.pub; holding a key is a copy of it sealed to that public
 * key in .casefile/keys/KEYID/NAME.sealed.  Everything written here is staged for the next
 * commit, never committed. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "keys.h"
#include "strlist.h"

static const char usage_text[] =
    "usage: casefile member add NAME PUBKEY [--case ID ...]\n"
    "       casefile member list\n"
    "       casefile member remove NAME\n"
    "\n"
    "add: makes NAME a member: PUBKEY is the line 'casefile keygen' printed for them (or a\n"
    "file holding it), written to .casefile/members/NAME.pub. Without --case NAME gets the\n"
    "repository key and every case key, sealed to PUBKEY in .casefile/keys/KEYID/NAME.sealed.\n"
    "With --case NAME gets those cases' keys only (an independent reviewer): a case without\n"
    "a key of its own gets one now, sealed to NAME and to every full member, and its files\n"
    "are encrypted again with it. This clone must hold the keys it seals.\n"
    "\n"
    "list: each member and the keys they hold: 'repository', 'case 2026-003'.\n"
    "\n"
    "remove: takes NAME out and rotates every key they held: a new key, sealed to everyone\n"
    "else who held the old one, and the files encrypted again with it. The commits made\n"
    "before stay readable to NAME with the old keys; only rewriting history changes that.\n"
    "\n"
    "NAME is letters, digits, '.', '_' and '-' (at most 64). Nothing is committed: the\n"
    "changes are staged for your next commit.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 this clone does not hold a key it needs.\n";

/* ---- files of .casefile/ ---- */

static char *member_pub_path(const char *root, const char *name)
{
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s/%s/%s.pub", root, CF_MEMBERS_DIR, name);
	return cf_buf_detach(&b);
}

static char *sealed_dir(const char *root, const unsigned char id[CF_KEYID_BYTES])
{
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s/%s/%s", root, CF_SEALED_DIR, hex);
	return cf_buf_detach(&b);
}

/* Writes .casefile/members/NAME.pub; 1 written, 0 it was there already, -1 failed. */
int cli_write_pubfile(const char *root, const char *name, const unsigned char pub[CF_PUBKEY_BYTES])
{
	char *path = member_pub_path(root, name);
	char *dir = cf_path_join(root, CF_MEMBERS_DIR);
	cf_buf line = CF_BUF_INIT;
	int rc = -1;
	if (!path || !dir)
		goto out;
	if (cf_is_file(path)) {
		rc = 0;
		goto out;
	}
	cf_pubkey_format(&line, pub);
	cf_buf_putc(&line, '\n');
	if (!cf_buf_oom(&line) && (cf_is_dir(dir) || cf_mkdirs(dir, 0755) == 0) &&
	    cf_write_file_atomic(path, line.ptr, line.len, 0644) == 0)
		rc = 1;
out:
	cf_buf_free(&line);
	free(dir);
	free(path);
	return rc;
}

/* Writes .casefile/keys/KEYID/NAME.sealed unless it exists (a seal is random: writing it again
 * would change the file for nothing); 1 written, 0 it was there, -1 failed. */
int cli_seal_to(const char *root, const cf_key *k, const char *name,
		const unsigned char pub[CF_PUBKEY_BYTES])
{
	char *dir = sealed_dir(root, cf_key_id(k));
	cf_buf path = CF_BUF_INIT, text = CF_BUF_INIT;
	int rc = -1;
	if (!dir)
		goto out;
	cf_buf_printf(&path, "%s/%s.sealed", dir, name);
	if (cf_buf_oom(&path))
		goto out;
	if (cf_is_file(path.ptr)) {
		rc = 0;
		goto out;
	}
	if (cf_key_seal(&text, k, pub) == 0 && (cf_is_dir(dir) || cf_mkdirs(dir, 0755) == 0) &&
	    cf_write_file_atomic(path.ptr, text.ptr, text.len, 0644) == 0)
		rc = 1;
out:
	cf_buf_free(&path);
	cf_buf_free(&text);
	free(dir);
	return rc;
}

/* The members holding a sealed copy of key id. */
static int holders(cf_strlist *out, const char *root, const unsigned char id[CF_KEYID_BYTES])
{
	char *dir = sealed_dir(root, id);
	int rc = dir ? cli_list_names(out, dir, ".sealed") : -1;
	free(dir);
	return rc;
}

static int holds(const char *root, const unsigned char id[CF_KEYID_BYTES], const char *name)
{
	cf_strlist h = CF_STRLIST_INIT;
	int yes = holders(&h, root, id) == 0 && cf_strlist_contains(&h, name);
	cf_strlist_free(&h);
	return yes;
}

/* ---- re-encrypting ---- */

/* `git add --renormalize` of the files, a batch at a time: the clean filter encrypts each
 * with the key access.yaml now names for it. */
static int renormalize(const char *root, const cf_strlist *files)
{
	enum { BATCH = 256 };
	const char *args[BATCH + 4];
	for (size_t i = 0; i < files->n; i += BATCH) {
		size_t n = 0;
		args[n++] = "add";
		args[n++] = "--renormalize";
		args[n++] = "--";
		for (size_t j = i; j < files->n && j < i + BATCH; j++)
			args[n++] = files->items[j];
		args[n] = NULL;
		if (cli_git(NULL, root, 0, args) != 0)
			return -1;
	}
	return 0;
}

/* Before files are encrypted again: no unstaged change under cases/ (renormalizing would
 * stage it), and every one of them plaintext in the working tree (the filter leaves
 * ciphertext as it is, so a locked file would keep its old key). */
static int ready_to_reencrypt(const char *root, const cf_strlist *files, const char *cmd)
{
	cf_buf st = CF_BUF_INIT;
	if (cli_cases_changes(&st, root, 0) != 0) {
		cf_buf_free(&st);
		return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "git status failed");
	}
	if (st.len) {
		cli_key_error(cmd, CF_EXIT_USAGE, NULL,
			      "commit, stage or stash them first: encrypting the files again "
			      "would stage them",
			      "cases/ has unstaged changes; nothing was changed:");
		fputs(st.ptr, stderr);
		cf_buf_free(&st);
		return CF_EXIT_USAGE;
	}
	cf_buf_free(&st);
	for (size_t i = 0; i < files->n; i++) {
		unsigned char id[CF_KEYID_BYTES];
		char *p = cf_path_join(root, files->items[i]);
		int r = p ? cli_worktree_blob(id, p) : -1;
		free(p);
		if (r == 1)
			return cli_key_error(
			    cmd, CF_EXIT_KEY, "crypt/no-key", "run `casefile unlock` first",
			    "%s is ciphertext in the working tree, so it cannot be "
			    "encrypted again; nothing was changed",
			    files->items[i]);
	}
	return 0;
}

/* The tracked files under cases/ that access.yaml has encrypted with key id. */
static int files_of_key(cf_strlist *out, const char *root, const cf_access *a,
			const unsigned char id[CF_KEYID_BYTES])
{
	cf_strlist all = CF_STRLIST_INIT;
	if (cli_list_tracked(&all, root, "cases/") < 0) {
		cf_strlist_free(&all);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < all.n && rc == 0; i++) {
		const unsigned char *k = cf_access_key_for(a, all.items[i]);
		if (k && memcmp(k, id, CF_KEYID_BYTES) == 0 &&
		    !cf_strlist_contains(out, all.items[i]))
			rc = cf_strlist_add(out, all.items[i]);
	}
	cf_strlist_free(&all);
	return rc;
}

static int stage(const char *root, const cf_strlist *paths)
{
	const char **args = calloc(paths->n + 4, sizeof(*args));
	if (!args)
		return -1;
	size_t n = 0;
	args[n++] = "add";
	args[n++] = "--";
	for (size_t i = 0; i < paths->n; i++)
		args[n++] = paths->items[i];
	args[n] = NULL;
	int rc = paths->n ? cli_git(NULL, root, 0, args) : 0;
	free(args);
	return rc == 0 ? 0 : -1;
}

/* ---- member add ---- */

static int parse_pubkey_arg(unsigned char pub[CF_PUBKEY_BYTES], const char *arg)
{
	if (cf_pubkey_parse(pub, arg) == 0)
		return 0;
	if (strncmp(arg, "casefile-pub-1", 14) != 0 && cf_is_file(arg))
		return cli_read_pubkey(pub, arg);
	return -1;
}

/* The full members (holders of the repository key) and their public keys, for sealing a new
 * case key to them. */
typedef struct member_pub {
	char *name;
	unsigned char pub[CF_PUBKEY_BYTES];
} member_pub;

static void free_pubs(member_pub *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

/* Reads the public keys of names (NAME.pub); prints the ones missing. */
static int load_pubs(member_pub **out, size_t *n_out, const char *root, const cf_strlist *names,
		     const char *cmd)
{
	*out = NULL;
	*n_out = 0;
	member_pub *m = calloc(names->n ? names->n : 1, sizeof(*m));
	if (!m)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < names->n; i++) {
		char *p = member_pub_path(root, names->items[i]);
		if (p && cli_read_pubkey(m[n].pub, p) == 0) {
			m[n].name = cf_strdup(names->items[i]);
			if (!m[n].name) {
				free(p);
				free_pubs(m, n);
				return -1;
			}
			n++;
		} else {
			cli_key_error(cmd, 0, NULL, NULL,
				      "warning: %s holds a key but %s/%s.pub is missing or "
				      "malformed; skipped",
				      names->items[i], CF_MEMBERS_DIR, names->items[i]);
		}
		free(p);
	}
	*out = m;
	*n_out = n;
	return 0;
}

/* The key of a case's own (NULL when it uses the repository key). */
static const unsigned char *case_key(const cf_access *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->cases[i].id, id) == 0)
			return a->cases[i].key;
	return NULL;
}

static int member_add(int argc, char **argv)
{
	const char *cmd = "member add";
	const char *name = NULL, *pub_arg = NULL;
	cf_strlist cases = CF_STRLIST_INIT;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			fputs(usage_text, stdout);
			cf_strlist_free(&cases);
			return CF_EXIT_OK;
		} else if (strcmp(a, "--case") == 0 && i + 1 < argc) {
			if (!cf_strlist_contains(&cases, argv[i + 1]) &&
			    cf_strlist_add(&cases, argv[i + 1]) < 0) {
				cf_strlist_free(&cases);
				return CF_EXIT_USAGE;
			}
			i++;
		} else if (a[0] == '-' && a[1] != '\0') {
			cf_strlist_free(&cases);
			return cli_usage("member", "unknown option '%s'", a);
		} else if (!name) {
			name = a;
		} else if (!pub_arg) {
			pub_arg = a;
		} else {
			cf_strlist_free(&cases);
			return cli_usage("member", "add takes NAME and PUBKEY, not '%s'", a);
		}
	}
	unsigned char pub[CF_PUBKEY_BYTES];
	if (!name || !pub_arg) {
		cf_strlist_free(&cases);
		return cli_usage("member", "add needs NAME and PUBKEY");
	}
	if (!cf_member_name_valid(name)) {
		cf_strlist_free(&cases);
		return cli_usage("member",
				 "'%s' is not a member name (letters, digits, '.', '_', '-'; at "
				 "most 64; not starting with '.')",
				 name);
	}
	if (parse_pubkey_arg(pub, pub_arg) < 0) {
		cf_strlist_free(&cases);
		return cli_usage(
		    "member",
		    "'%s' is not a public key: give the line 'casefile keygen' printed "
		    "('casefile-pub-1 BASE64'), or a file holding it",
		    pub_arg);
	}

	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, cmd);
	if (rc) {
		cf_strlist_free(&cases);
		return rc;
	}
	cf_access a;
	memset(&a, 0, sizeof(a));
	cf_diags diags = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	cf_strlist full = CF_STRLIST_INIT, files = CF_STRLIST_INIT, paths = CF_STRLIST_INIT;
	cf_strlist members = CF_STRLIST_INIT, prefixes = CF_STRLIST_INIT;
	member_pub *fulls = NULL;
	size_t n_fulls = 0;
	cf_buf held = CF_BUF_INIT;
	int *fresh = calloc(cases.n ? cases.n : 1, sizeof(*fresh));
	cf_key **new_keys = calloc(cases.n ? cases.n : 1, sizeof(*new_keys));
	char *pub_path = member_pub_path(root, name);
	char *members_dir = cf_path_join(root, CF_MEMBERS_DIR);
	if (!fresh || !new_keys || !pub_path || !members_dir) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "out of memory");
		goto out;
	}
	if ((rc = cli_load_access_keys(&a, &ring, root, git_dir, &diags)))
		goto out;
	/* The name and the key must not already mean someone else. */
	if (cf_is_file(pub_path)) {
		unsigned char have[CF_PUBKEY_BYTES];
		if (cli_read_pubkey(have, pub_path) != 0 ||
		    sodium_memcmp(have, pub, CF_PUBKEY_BYTES) != 0) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL,
					   "`casefile member remove` them first, or choose another "
					   "name",
					   "member %s exists with another public key", name);
			goto out;
		}
	}
	if (cli_list_names(&members, members_dir, ".pub") < 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot read %s/",
				   CF_MEMBERS_DIR);
		goto out;
	}
	for (size_t i = 0; i < members.n; i++) {
		unsigned char other[CF_PUBKEY_BYTES];
		char *p = member_pub_path(root, members.items[i]);
		int same = p && strcmp(members.items[i], name) != 0 &&
			   cli_read_pubkey(other, p) == 0 &&
			   sodium_memcmp(other, pub, CF_PUBKEY_BYTES) == 0;
		free(p);
		if (same) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "this public key is member %s's already",
					   members.items[i]);
			goto out;
		}
	}

	/* Check everything before writing anything. */
	const char *no_key_hint = "run `casefile unlock` in a clone where you are a member "
				  "holding it";
	if (cases.n == 0) {
		if (!a.has_repository_key) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, "crypt/access",
					   "`casefile init` makes the repository key",
					   "%s names no repository key", CF_ACCESS_PATH);
			goto out;
		}
		if (!cf_keyring_find(ring, a.repository_key)) {
			rc = cli_key_error(cmd, CF_EXIT_KEY, "crypt/no-key", no_key_hint,
					   "this clone does not hold the repository key, so it "
					   "cannot seal it to %s",
					   name);
			goto out;
		}
		for (size_t i = 0; i < a.n; i++) {
			if (!cf_keyring_find(ring, a.cases[i].key)) {
				rc =
				    cli_key_error(cmd, CF_EXIT_KEY, "crypt/no-key", no_key_hint,
						  "this clone does not hold the key of case %s, so "
						  "it cannot seal it to %s",
						  a.cases[i].id, name);
				goto out;
			}
		}
	}
	int any_fresh = 0;
	for (size_t i = 0; i < cases.n; i++) {
		const char *id = cases.items[i];
		cf_buf dir = CF_BUF_INIT;
		cf_buf_printf(&dir, "%s/cases/%s", root, id);
		int exists = cf_access_case_id_valid(id) && cf_is_dir(cf_buf_cstr(&dir));
		cf_buf_free(&dir);
		if (!exists) {
			rc = cli_usage("member",
				       "'%s' is not a case of this repository (no cases/%s/)", id,
				       id);
			goto out;
		}
		cf_buf path = CF_BUF_INIT;
		cf_buf_printf(&path, "cases/%s/", id);
		if (cf_strlist_add(&prefixes, cf_buf_cstr(&path)) < 0) {
			cf_buf_free(&path);
			rc = CF_EXIT_USAGE;
			goto out;
		}
		cf_buf_free(&path);
		const unsigned char *k = case_key(&a, id);
		if (k && !cf_keyring_find(ring, k)) {
			rc = cli_key_error(cmd, CF_EXIT_KEY, "crypt/no-key", no_key_hint,
					   "this clone does not hold the key of case %s, so it "
					   "cannot seal it to %s",
					   id, name);
			goto out;
		}
		if (!k) {
			if (!a.has_repository_key || !cf_keyring_find(ring, a.repository_key)) {
				rc =
				    cli_key_error(cmd, CF_EXIT_KEY, "crypt/no-key", no_key_hint,
						  "case %s has no key of its own yet; making one "
						  "needs the repository key, which this clone does "
						  "not hold",
						  id);
				goto out;
			}
			if (cli_list_tracked(&files, root, prefixes.items[i]) < 0) {
				rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
						   "cannot list the files of case %s", id);
				goto out;
			}
			fresh[i] = 1;
			any_fresh = 1;
		}
	}
	if (any_fresh) {
		if ((rc = ready_to_reencrypt(root, &files, cmd)))
			goto out;
		if (holders(&full, root, a.repository_key) < 0 ||
		    load_pubs(&fulls, &n_fulls, root, &full, cmd) < 0) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "cannot read who holds the repository key");
			goto out;
		}
	}

	/* Write. */
	if (cli_write_pubfile(root, name, pub) < 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot write %s/%s.pub: %s",
				   CF_MEMBERS_DIR, name, strerror(errno));
		goto out;
	}
	cf_buf member_rel = CF_BUF_INIT;
	cf_buf_printf(&member_rel, "%s/%s.pub", CF_MEMBERS_DIR, name);
	int bad = cf_strlist_add(&paths, cf_buf_cstr(&member_rel)) < 0 ||
		  cf_strlist_add(&paths, CF_SEALED_DIR) < 0;
	cf_buf_free(&member_rel);
	if (bad) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < cases.n; i++) {
		if (!fresh[i])
			continue;
		if (cf_key_generate(&new_keys[i]) != 0 ||
		    cf_keystore_install(git_dir, new_keys[i], &diags) != 0 ||
		    cf_access_set_case(&a, cases.items[i], cf_key_id(new_keys[i])) != 0) {
			rc = cli_key_diags(&diags, CF_EXIT_KEY);
			goto out;
		}
	}
	if (any_fresh) {
		if (cf_access_save(&a, root) != 0) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot write %s: %s",
					   CF_ACCESS_PATH, strerror(errno));
			goto out;
		}
		if (cf_strlist_add(&paths, CF_ACCESS_PATH) < 0) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}
	size_t n_held = 0;
	int failed = 0;
	if (cases.n == 0) {
		failed = cli_seal_to(root, cf_keyring_find(ring, a.repository_key), name, pub) < 0;
		cf_buf_printf(&held, "%s%s", n_held++ ? ", " : "", "repository");
		for (size_t i = 0; i < a.n && !failed; i++) {
			failed =
			    cli_seal_to(root, cf_keyring_find(ring, a.cases[i].key), name, pub) < 0;
			cf_buf_printf(&held, "%scase %s", n_held++ ? ", " : "", a.cases[i].id);
		}
	}
	for (size_t i = 0; i < cases.n && !failed; i++) {
		const cf_key *k =
		    fresh[i] ? new_keys[i] : cf_keyring_find(ring, case_key(&a, cases.items[i]));
		failed = cli_seal_to(root, k, name, pub) < 0;
		for (size_t j = 0; fresh[i] && !failed && j < n_fulls; j++)
			failed = cli_seal_to(root, k, fulls[j].name, fulls[j].pub) < 0;
		cf_buf_printf(&held, "%scase %s%s", n_held++ ? ", " : "", cases.items[i],
			      fresh[i] ? " (a new key of its own)" : "");
	}
	if (failed) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
				   "cannot write a sealed key under %s/: %s", CF_SEALED_DIR,
				   strerror(errno));
		goto out;
	}
	if (stage(root, &paths) < 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "git add failed (see above)");
		goto out;
	}
	if (files.n && renormalize(root, &files) < 0) {
		rc = cli_key_error(cmd, CF_EXIT_KEY, NULL,
				   "the new key is installed and recorded; fix the filter and run "
				   "`git add --renormalize cases/`",
				   "git could not encrypt the case files again (see above)");
		goto out;
	}
	if (any_fresh && (rc = cli_check_staged(root, &a, &prefixes, cmd)))
		goto out;
	printf("casefile: member add: %s holds: %s\n", name, cf_buf_cstr(&held));
	if (any_fresh) {
		printf("  the new case key%s also sealed to the full members:",
		       n_fulls == 1 ? " is" : "s are");
		for (size_t j = 0; j < n_fulls; j++)
			printf(" %s", fulls[j].name);
		printf("%s\n", n_fulls ? "" : " (none)");
		printf("  %zu file%s encrypted again with the case key%s\n", files.n,
		       files.n == 1 ? "" : "s", cases.n == 1 ? "" : "s");
	}
	printf("  staged for your next commit (git commit -m 'Add member %s')\n", name);
	rc = 0;
out:
	for (size_t i = 0; new_keys && i < cases.n; i++)
		cf_key_free(new_keys[i]);
	free(new_keys);
	free(fresh);
	free_pubs(fulls, n_fulls);
	cf_keyring_free(ring);
	cf_access_free(&a);
	cf_diags_free(&diags);
	cf_strlist_free(&cases);
	cf_strlist_free(&full);
	cf_strlist_free(&files);
	cf_strlist_free(&paths);
	cf_strlist_free(&members);
	cf_strlist_free(&prefixes);
	cf_buf_free(&held);
	free(pub_path);
	free(members_dir);
	free(root);
	free(git_dir);
	return rc;
}

/* ---- member list ---- */

static int cmp_case(const void *x, const void *y)
{
	return strcmp(((const cf_access_case *)x)->id, ((const cf_access_case *)y)->id);
}

static int member_list(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
		return cli_usage("member", "list takes no arguments");
	}
	char *root = NULL;
	if (cf_repo_discover(&root, ".") < 0) {
		fprintf(stderr,
			"casefile: member list: not a case repository (no %s here or "
			"above)\n",
			CF_CONFIG_PATH);
		return CF_EXIT_USAGE;
	}
	cf_access a;
	cf_diags diags = CF_DIAGS_INIT;
	cf_strlist names = CF_STRLIST_INIT, pubs = CF_STRLIST_INIT, dirs = CF_STRLIST_INIT;
	cf_buf out = CF_BUF_INIT;
	cf_strlist *held = NULL; /* per key dir: who holds it */
	cf_access_case *sorted = NULL;
	char *members_dir = cf_path_join(root, CF_MEMBERS_DIR);
	char *keys_dir = cf_path_join(root, CF_SEALED_DIR);
	int rc = CF_EXIT_USAGE;
	if (cf_access_load(&a, root, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_USAGE);
		goto out;
	}
	if (!members_dir || !keys_dir || cli_list_names(&pubs, members_dir, ".pub") < 0 ||
	    cli_list_names(&dirs, keys_dir, "") < 0) {
		fprintf(stderr, "casefile: member list: cannot read .casefile/\n");
		goto out;
	}
	held = calloc(dirs.n ? dirs.n : 1, sizeof(*held));
	sorted = malloc((a.n ? a.n : 1) * sizeof(*sorted));
	if (!held || !sorted)
		goto out;
	if (a.n)
		memcpy(sorted, a.cases, a.n * sizeof(*sorted));
	qsort(sorted, a.n, sizeof(*sorted), cmp_case);
	for (size_t i = 0; i < pubs.n; i++)
		if (cf_strlist_add(&names, pubs.items[i]) < 0)
			goto out;
	for (size_t d = 0; d < dirs.n; d++) {
		char *p = cf_path_join(keys_dir, dirs.items[d]);
		if (!p || cli_list_names(&held[d], p, ".sealed") < 0) {
			free(p);
			goto out;
		}
		free(p);
		for (size_t j = 0; j < held[d].n; j++)
			if (!cf_strlist_contains(&names, held[d].items[j]) &&
			    cf_strlist_add(&names, held[d].items[j]) < 0)
				goto out;
	}
	cf_strlist_sort(&names);
	size_t width = 0;
	for (size_t i = 0; i < names.n; i++)
		if (strlen(names.items[i]) > width)
			width = strlen(names.items[i]);
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.items[i];
		size_t n = 0;
		cf_buf_printf(&out, "%-*s  ", (int)width, name);
		/* The repository key, then the cases' keys by case id, then keys no longer used. */
		for (size_t pass = 0; pass < 3; pass++) {
			for (size_t d = 0; d < dirs.n; d++) {
				unsigned char id[CF_KEYID_BYTES];
				if (!cf_strlist_contains(&held[d], name) ||
				    cf_keyid_parse(id, dirs.items[d]) != 0)
					continue;
				int is_repo = a.has_repository_key &&
					      memcmp(id, a.repository_key, CF_KEYID_BYTES) == 0;
				const char *case_id = NULL;
				for (size_t c = 0; c < a.n && !case_id; c++)
					if (memcmp(sorted[c].key, id, CF_KEYID_BYTES) == 0)
						case_id = sorted[c].id;
				if (pass == 0 && is_repo)
					cf_buf_printf(&out, "%srepository", n++ ? ", " : "");
				else if (pass == 2 && !is_repo && !case_id)
					cf_buf_printf(&out, "%skey %s (no longer in use)",
						      n++ ? ", " : "", dirs.items[d]);
			}
			for (size_t c = 0; pass == 1 && c < a.n; c++) {
				char hex[CF_KEYID_HEX_BYTES];
				cf_keyid_hex(hex, sorted[c].key);
				for (size_t d = 0; d < dirs.n; d++)
					if (strcmp(dirs.items[d], hex) == 0 &&
					    cf_strlist_contains(&held[d], name))
						cf_buf_printf(&out, "%scase %s", n++ ? ", " : "",
							      sorted[c].id);
			}
		}
		if (n == 0)
			cf_buf_puts(&out, "(no keys)");
		if (!cf_strlist_contains(&pubs, name))
			cf_buf_printf(&out, " (no %s/%s.pub)", CF_MEMBERS_DIR, name);
		cf_buf_putc(&out, '\n');
	}
	if (cli_write_stdout(&out) < 0)
		goto out;
	if (names.n == 0)
		fprintf(stderr, "casefile: member list: no members yet (`casefile member add NAME "
				"PUBKEY` adds one)\n");
	rc = 0;
out:
	cf_access_free(&a);
	for (size_t d = 0; held && d < dirs.n; d++)
		cf_strlist_free(&held[d]);
	free(held);
	free(sorted);
	cf_strlist_free(&names);
	cf_strlist_free(&pubs);
	cf_strlist_free(&dirs);
	cf_buf_free(&out);
	cf_diags_free(&diags);
	free(members_dir);
	free(keys_dir);
	free(root);
	return rc;
}

/* ---- member remove ---- */

/* One key the member held, and what replaces it. */
typedef struct rotation {
	char what[32]; /* "repository" or the case id */
	int is_repo;
	unsigned char old_id[CF_KEYID_BYTES];
	cf_key *key;	 /* the new key */
	cf_strlist keep; /* the other holders, who get the new key */
} rotation;

static int member_remove(int argc, char **argv)
{
	const char *cmd = "member remove";
	const char *name = NULL;
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
		if (argv[i][0] == '-' || name)
			return cli_usage("member", "remove takes one NAME, not '%s'", argv[i]);
		name = argv[i];
	}
	if (!name)
		return cli_usage("member", "remove needs NAME");
	if (!cf_member_name_valid(name))
		return cli_usage("member", "'%s' is not a member name", name);
	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, cmd);
	if (rc)
		return rc;
	cf_access a;
	memset(&a, 0, sizeof(a));
	cf_diags diags = CF_DIAGS_INIT;
	cf_keyring *ring = NULL;
	rotation *rot = NULL;
	size_t n_rot = 0;
	cf_strlist dirs = CF_STRLIST_INIT, files = CF_STRLIST_INIT, gone = CF_STRLIST_INIT;
	cf_strlist paths = CF_STRLIST_INIT;
	char *keys_dir = cf_path_join(root, CF_SEALED_DIR);
	char *pub_path = member_pub_path(root, name);
	if (!keys_dir || !pub_path) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "out of memory");
		goto out;
	}
	if ((rc = cli_load_access_keys(&a, &ring, root, git_dir, &diags)))
		goto out;
	if (cli_list_names(&dirs, keys_dir, "") < 0) {
		rc =
		    cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot read %s/", CF_SEALED_DIR);
		goto out;
	}
	/* Every sealed file of NAME goes, in whichever key directory. */
	int known = cf_is_file(pub_path);
	for (size_t d = 0; d < dirs.n; d++) {
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/%s/%s.sealed", keys_dir, dirs.items[d], name);
		if (cf_is_file(cf_buf_cstr(&p))) {
			known = 1;
			cf_buf_clear(&p);
			cf_buf_printf(&p, "%s/%s/%s.sealed", CF_SEALED_DIR, dirs.items[d], name);
			if (cf_strlist_add(&gone, cf_buf_cstr(&p)) < 0) {
				cf_buf_free(&p);
				rc = CF_EXIT_USAGE;
				goto out;
			}
		}
		cf_buf_free(&p);
	}
	if (!known) {
		rc = cli_usage("member", "%s is not a member of this repository", name);
		goto out;
	}
	/* The keys in use that NAME held: each is rotated. */
	rot = calloc(a.n + 1, sizeof(*rot));
	if (!rot) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i <= a.n; i++) {
		const unsigned char *id = i == a.n ? a.repository_key : a.cases[i].key;
		if ((i == a.n && !a.has_repository_key) || !holds(root, id, name))
			continue;
		rotation *r = &rot[n_rot++];
		r->is_repo = i == a.n;
		snprintf(r->what, sizeof(r->what), "%s", r->is_repo ? "repository" : a.cases[i].id);
		memcpy(r->old_id, id, CF_KEYID_BYTES);
		cf_strlist all = CF_STRLIST_INIT;
		if (holders(&all, root, id) < 0) {
			cf_strlist_free(&all);
			rc = CF_EXIT_USAGE;
			goto out;
		}
		for (size_t j = 0; j < all.n; j++)
			if (strcmp(all.items[j], name) != 0 &&
			    cf_strlist_add(&r->keep, all.items[j]) < 0) {
				cf_strlist_free(&all);
				rc = CF_EXIT_USAGE;
				goto out;
			}
		cf_strlist_free(&all);
		char label[48];
		snprintf(label, sizeof(label),
			 r->is_repo ? "the repository key" : "the key of case %s", r->what);
		if (r->keep.n == 0) {
			rc = cli_key_error(
			    cmd, CF_EXIT_USAGE, NULL,
			    "add another member first (`casefile member add`)",
			    "nobody but %s holds %s: after removing them nobody could "
			    "read what it encrypts; nothing was changed",
			    name, label);
			goto out;
		}
		if (!cf_keyring_find(ring, id)) {
			rc = cli_key_error(
			    cmd, CF_EXIT_KEY, "crypt/no-key",
			    "run it in a clone where you hold every key NAME held",
			    "this clone does not hold %s, so it cannot re-encrypt what "
			    "it encrypts; nothing was changed",
			    label);
			goto out;
		}
		for (size_t j = 0; j < r->keep.n; j++) {
			unsigned char pk[CF_PUBKEY_BYTES];
			char *pp = member_pub_path(root, r->keep.items[j]);
			int ok = pp && cli_read_pubkey(pk, pp) == 0;
			free(pp);
			if (!ok) {
				rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
						   "%s holds %s but %s/%s.pub is missing or "
						   "malformed; nothing was changed",
						   r->keep.items[j], label, CF_MEMBERS_DIR,
						   r->keep.items[j]);
				goto out;
			}
		}
		if (files_of_key(&files, root, &a, id) < 0) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "cannot list the files under cases/");
			goto out;
		}
	}
	if (n_rot && (rc = ready_to_reencrypt(root, &files, cmd)))
		goto out;

	/* New keys: installed here, sealed to the others who held the old ones, recorded. */
	for (size_t i = 0; i < n_rot; i++) {
		rotation *r = &rot[i];
		if (cf_key_generate(&r->key) != 0 ||
		    cf_keystore_install(git_dir, r->key, &diags) != 0) {
			rc = cli_key_diags(&diags, CF_EXIT_KEY);
			goto out;
		}
		for (size_t j = 0; j < r->keep.n; j++) {
			unsigned char pk[CF_PUBKEY_BYTES];
			char *pp = member_pub_path(root, r->keep.items[j]);
			int ok = pp && cli_read_pubkey(pk, pp) == 0 &&
				 cli_seal_to(root, r->key, r->keep.items[j], pk) >= 0;
			free(pp);
			if (!ok) {
				rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
						   "cannot write the new key sealed to %s",
						   r->keep.items[j]);
				goto out;
			}
		}
		if (r->is_repo)
			memcpy(a.repository_key, cf_key_id(r->key), CF_KEYID_BYTES);
		else if (cf_access_set_case(&a, r->what, cf_key_id(r->key)) != 0) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, r->old_id);
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/%s", CF_SEALED_DIR, hex);
		int bad = cf_strlist_add(&gone, cf_buf_cstr(&p)) < 0;
		cf_buf_clear(&p);
		cf_keyid_hex(hex, cf_key_id(r->key));
		cf_buf_printf(&p, "%s/%s", CF_SEALED_DIR, hex);
		bad |= cf_strlist_add(&paths, cf_buf_cstr(&p)) < 0;
		cf_buf_free(&p);
		if (bad) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}
	if (n_rot &&
	    (cf_access_save(&a, root) != 0 || cf_strlist_add(&paths, CF_ACCESS_PATH) < 0)) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot write %s",
				   CF_ACCESS_PATH);
		goto out;
	}
	/* Out of git and out of the working tree: NAME.pub, NAME's sealed files, and the old
	 * keys' sealed files (nobody should be given a key no longer in use). */
	if (cf_is_file(pub_path)) {
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/%s.pub", CF_MEMBERS_DIR, name);
		int bad = cf_strlist_add(&gone, cf_buf_cstr(&p)) < 0;
		cf_buf_free(&p);
		if (bad) {
			rc = CF_EXIT_USAGE;
			goto out;
		}
	}
	{
		static const char *const rm[] = {"rm", "-q", "-r", "-f", "--ignore-unmatch", NULL};
		if (cli_git_paths(root, rm, &gone) != 0) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
					   "git rm failed (see above)");
			goto out;
		}
		/* What git did not track is removed here. */
		for (size_t i = 0; i < gone.n; i++) {
			char *p = cf_path_join(root, gone.items[i]);
			if (p && cf_is_dir(p)) {
				cf_strlist in = CF_STRLIST_INIT;
				cli_list_names(&in, p, "");
				for (size_t j = 0; j < in.n; j++) {
					char *f = cf_path_join(p, in.items[j]);
					if (f)
						unlink(f);
					free(f);
				}
				cf_strlist_free(&in);
				rmdir(p);
			} else if (p) {
				unlink(p);
			}
			free(p);
		}
	}
	if (stage(root, &paths) < 0) {
		rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "git add failed (see above)");
		goto out;
	}
	if (files.n && renormalize(root, &files) < 0) {
		rc =
		    cli_key_error(cmd, CF_EXIT_KEY, NULL,
				  "the new keys are installed and recorded; fix the filter and run "
				  "`git add --renormalize cases/`",
				  "git could not encrypt the case files again (see above)");
		goto out;
	}
	if (files.n && (rc = cli_check_staged(root, &a, &files, cmd)))
		goto out;

	printf("casefile: member remove: %s is no longer a member\n", name);
	for (size_t i = 0; i < n_rot; i++) {
		char o[CF_KEYID_HEX_BYTES], nw[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(o, rot[i].old_id);
		cf_keyid_hex(nw, cf_key_id(rot[i].key));
		printf("  %s%s key rotated: %s -> %s, sealed to", rot[i].is_repo ? "" : "case ",
		       rot[i].what, o, nw);
		for (size_t j = 0; j < rot[i].keep.n; j++)
			printf(" %s", rot[i].keep.items[j]);
		printf("\n");
	}
	if (n_rot == 0)
		printf("  %s held no key in use: nothing to rotate\n", name);
	else
		printf("  %zu file%s under cases/ encrypted again with the new key%s\n", files.n,
		       files.n == 1 ? "" : "s", n_rot == 1 ? "" : "s");
	printf("  staged for your next commit (git commit -m 'Remove member %s'); this clone "
	       "keeps the old keys, to read history\n",
	       name);
	printf("History before this rotation stays readable to %s: the old keys decrypt the old "
	       "commits. Re-cloning does not change that; rewriting history would.\n",
	       name);
	rc = 0;
out:
	for (size_t i = 0; rot && i < n_rot; i++) {
		cf_key_free(rot[i].key);
		cf_strlist_free(&rot[i].keep);
	}
	free(rot);
	cf_keyring_free(ring);
	cf_access_free(&a);
	cf_diags_free(&diags);
	cf_strlist_free(&dirs);
	cf_strlist_free(&files);
	cf_strlist_free(&gone);
	cf_strlist_free(&paths);
	free(keys_dir);
	free(pub_path);
	free(root);
	free(git_dir);
	return rc;
}

int cmd_member(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	if (strcmp(argv[1], "add") == 0)
		return member_add(argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return member_list(argc, argv);
	if (strcmp(argv[1], "remove") == 0)
		return member_remove(argc, argv);
	return cli_usage("member", "'%s' is not a member command (add, list, remove)", argv[1]);
}
