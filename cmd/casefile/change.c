/* Changes of the member log, applied: see change.h. */
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "keys.h"
#include "trust.h"

int cli_identity_open(cf_identity **id, const char *pass_file, const char *cmd)
{
	*id = NULL;
	char *path = cli_identity_path();
	char *pass = NULL;
	size_t passlen = 0;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (!path) {
		rc = cli_key_error(cmd, CF_EXIT_KEY, "crypt/identity",
				   "set HOME, or CASEFILE_IDENTITY to the identity's path",
				   "no identity: HOME is not set");
		goto out;
	}
	if (access(path, F_OK) != 0) {
		rc = cli_key_error(cmd, CF_EXIT_KEY, "crypt/identity",
				   "`casefile keygen` makes one", "no identity at %s", path);
		goto out;
	}
	if (cf_identity_is_protected(path) == 1 &&
	    (rc = cli_passphrase(&pass, &passlen, pass_file, "Passphrase of your identity: ", 0,
				 cmd)))
		goto out;
	if (cf_identity_load(id, path, pass, passlen, &diags) != 0)
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
out:
	cli_passphrase_free(pass);
	cf_diags_free(&diags);
	free(path);
	return rc;
}

const cf_mlog_member *cli_member_of(const cf_mlog *log, const cf_identity *id, const char *cmd)
{
	const cf_mlog_member *m = cf_mlog_member_by_box(log, cf_identity_public(id)->box);
	if (m)
		return m;
	cf_buf line = CF_BUF_INIT;
	cf_pubkeys_format(&line, cf_identity_public(id));
	cli_key_error(cmd, 0, "crypt/identity",
		      "an administrator adds you with `casefile member add NAME LINE`, the line "
		      "`casefile key public` prints",
		      "your identity is not a member of this repository's member log (your "
		      "public line: %s)",
		      cf_buf_cstr(&line));
	cf_buf_free(&line);
	return NULL;
}

int cli_stale_files(cf_strlist *out, const char *root, const cf_mlog *log)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	int rc = -1;
	if (git_libgit2_init() < 0)
		return -1;
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
	    git_repository_index(&index, repo) != 0)
		goto out;
	rc = 0;
	size_t n = git_index_entrycount(index);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		if (!e || strncmp(e->path, "cases/", 6) != 0 || git_index_entry_stage(e) != 0)
			continue;
		git_blob *blob = NULL;
		if (git_blob_lookup(&blob, repo, &e->id) != 0) {
			git_error_clear();
			continue;
		}
		cf_blob_verdict v = cf_access_judge_blob(log, e->path, git_blob_rawcontent(blob),
							 (size_t)git_blob_rawsize(blob), NULL);
		git_blob_free(blob);
		if (v != CF_BLOB_OK && v != CF_BLOB_NOT_BLOB && !cf_strlist_contains(out, e->path))
			rc = cf_strlist_add(out, e->path);
	}
out:
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

int cli_ready_to_reencrypt(const char *root, const cf_strlist *files, const char *cmd)
{
	if (files->n == 0)
		return 0;
	cf_buf st = CF_BUF_INIT;
	if (cli_cases_changes(&st, root, 0) != 0) {
		cf_buf_free(&st);
		return cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "git status failed");
	}
	if (st.len) {
		fprintf(stderr, "casefile: %s: cases/ has unstaged changes; nothing was changed:\n",
			cmd);
		fputs(st.ptr, stderr);
		fprintf(stderr, "  hint: commit, stage or stash them first: encrypting the files "
				"again would stage them\n");
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
			    "%s is ciphertext in the working tree, so it cannot be encrypted again "
			    "with the key the member log assigns it; nothing was changed",
			    files->items[i]);
	}
	return 0;
}

int cli_renormalize(const char *root, const cf_strlist *files)
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

int cli_apply_plan(size_t *rekeyed, const char *root, const char *git_dir,
		   const cf_access_plan *plan, const char *cmd)
{
	cf_strlist stale = CF_STRLIST_INIT;
	cf_diags diags = CF_DIAGS_INIT;
	char *log_path = cf_path_join(root, CF_MLOG_PATH);
	char *dir = cf_path_join(root, ".casefile");
	int rc = CF_EXIT_USAGE;
	if (rekeyed)
		*rekeyed = 0;
	if (!log_path || !dir) {
		cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "out of memory");
		goto out;
	}
	if (cli_stale_files(&stale, root, plan->verified) < 0) {
		cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot read the git index");
		goto out;
	}
	if ((rc = cli_ready_to_reencrypt(root, &stale, cmd)))
		goto out;
	rc = CF_EXIT_USAGE;
	if (cf_mkdirs(dir, 0755) < 0 ||
	    cf_write_file_atomic(log_path, plan->log.ptr, plan->log.len, 0644) < 0) {
		cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "cannot write %s: %s", CF_MLOG_PATH,
			      strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < plan->n_new_keys; i++)
		if (cf_keystore_install(git_dir, plan->new_keys[i], &diags) != 0) {
			rc = cli_key_diags(&diags, CF_EXIT_KEY);
			goto out;
		}
	/* A genesis is this clone's own: it is the anchor the clone pins. */
	if (cf_mlog_entries(plan->verified) == 1 &&
	    cf_trust_pin_save(git_dir, plan->verified, &diags) < 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	if (cf_trust_remember(git_dir, plan->verified, &diags) < 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	if (cli_gitv(NULL, root, 0, "add", "--", CF_MLOG_PATH, (char *)NULL) != 0) {
		cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "git add %s failed", CF_MLOG_PATH);
		goto out;
	}
	if (cli_renormalize(root, &stale) < 0) {
		cli_key_error(cmd, CF_EXIT_KEY, NULL,
			      "the member log is written and staged: run `casefile rekey` to "
			      "encrypt the files again",
			      "encrypting the case files again failed (see above)");
		rc = CF_EXIT_KEY;
		goto out;
	}
	if ((rc = cli_check_staged(root, plan->verified, &stale, cmd)))
		goto out;
	if (rekeyed)
		*rekeyed = stale.n;
	rc = 0;
out:
	cf_strlist_free(&stale);
	cf_diags_free(&diags);
	free(log_path);
	free(dir);
	return rc;
}

void cli_print_plan(const cf_access_plan *plan, const char *cmd)
{
	for (size_t i = 0; i < plan->n_new_keys; i++) {
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, cf_key_id(plan->new_keys[i]));
		if (plan->new_scopes[i])
			printf("casefile: %s: new key %s for case %s\n", cmd, hex,
			       plan->new_scopes[i]);
		else
			printf("casefile: %s: new repository key %s\n", cmd, hex);
	}
	/* One line per member: what was sealed to them. */
	cf_strlist who = CF_STRLIST_INIT;
	for (size_t i = 0; i < plan->n_seals; i++)
		if (!cf_strlist_contains(&who, plan->seals[i].member))
			cf_strlist_add(&who, plan->seals[i].member);
	cf_strlist_sort(&who);
	for (size_t w = 0; w < who.n; w++) {
		cf_buf line = CF_BUF_INIT;
		size_t n = 0;
		for (size_t i = 0; i < plan->n_seals; i++) {
			if (strcmp(plan->seals[i].member, who.items[w]) != 0)
				continue;
			const cf_mlog_key *k =
			    cf_mlog_key_by_id(plan->verified, plan->seals[i].key);
			cf_buf_puts(&line, n++ ? ", " : "");
			if (k && k->retired) {
				char hex[CF_KEYID_HEX_BYTES];
				cf_keyid_hex(hex, k->id);
				cf_buf_printf(&line, "retired key %s", hex);
			} else if (k && k->scope) {
				cf_buf_printf(&line, "case %s", k->scope);
			} else {
				cf_buf_puts(&line, "repository");
			}
		}
		printf("casefile: %s: sealed to %s: %s\n", cmd, who.items[w], cf_buf_cstr(&line));
		cf_buf_free(&line);
	}
	cf_strlist_free(&who);
	for (size_t i = 0; i < plan->not_sealed.n; i++)
		fprintf(stderr,
			"casefile: %s: note: not sealed (this clone does not hold it): %s\n", cmd,
			plan->not_sealed.items[i]);
}
