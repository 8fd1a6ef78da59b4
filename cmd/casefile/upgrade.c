/* casefile upgrade: moves a repository of an older casefile -- its unsigned key files,
 * .casefile/access.yaml, members/ and keys/ (lib/legacy) -- to the signed member log
 * (lib/mlog), once, by an admin.
 *
 * The genesis it writes records today's members as the old files have them: the one who runs
 * it as the first admin (with their identity's signing key); each member holding the
 * repository key as of role member; each member holding only case keys as of role case, for
 * those cases.  The keys stay the same -- nothing already committed needs a new key -- and
 * every key of history this clone holds is carried over as retired, so history stays
 * readable: each key a committed access.yaml named (an older `casefile member remove`
 * rotated keys and took the old ones' sealed files away), with the scope it had there, and
 * each key the old files still seal.  Then every case file is encrypted again in the new
 * format (bound to its case, padded) and the old files are removed.  Running it again in an
 * upgraded repository changes nothing. */
#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "change.h"
#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "keys.h"
#include "legacy.h"
#include "strlist.h"

static const char usage_text[] =
    "usage: casefile upgrade [--yes] [--passphrase-file FILE]\n"
    "\n"
    "Moves a repository made by an older casefile to the signed member log. Before it, who\n"
    "held which key was a set of unsigned files (.casefile/access.yaml, members/, keys/)\n"
    "that anyone who can push could change, so casefile encrypts nothing new in such a\n"
    "repository: it is read-only until an admin upgrades it.\n"
    "\n"
    "upgrade writes .casefile/members.log: you (your identity must be one of the members\n"
    "and able to sign: `casefile keygen --upgrade`) as its first admin; each member who\n"
    "holds the repository key as role member; each who holds only case keys as role case,\n"
    "for those cases. The keys stay; keys of history this clone holds are kept, retired.\n"
    "Every case file is encrypted again in the new format, the old files are removed, and\n"
    "it all is staged for your commit. It prints the repository's fingerprint, which every\n"
    "member compares at `casefile unlock`. Members who are to be admins are made so with\n"
    "`casefile member role NAME admin --pubkey LINE` once they upgraded their identity.\n"
    "\n"
    "  --yes                   do it without asking (it shows what it will write first)\n"
    "  --passphrase-file FILE  the passphrase of your identity (first line of FILE)\n"
    "\n"
    "Exit codes: 0 done or nothing to do, 2 usage error or not confirmed, 3 a key or\n"
    "identity problem.\n";

/* A key a committed access.yaml named, with the scope the newest such file gave it ("": the
 * repository). */
typedef struct old_key {
	unsigned char id[CF_KEYID_BYTES];
	char scope[sizeof(((cf_legacy_case *)0)->id)];
} old_key;

/* The members and keys of the old files, as the genesis will record them. */
typedef struct legacy_state {
	cf_legacy_access access;
	cf_legacy_member *members;
	size_t n_members;
	cf_strlist bad;
	cf_access_person *people;
	size_t n_people;
	char ***cases; /* per person: the case ids (owned) */
	cf_access_genesis_key *keys;
	size_t n_keys;
	cf_strlist skipped; /* members who hold no key */
	old_key *history;   /* the keys of every committed access.yaml */
	size_t n_history, cap_history;
	cf_strlist unheld; /* keys of history this clone does not hold (hex) */
} legacy_state;

static void state_free(legacy_state *s)
{
	for (size_t i = 0; s->cases && i < s->n_people; i++) {
		for (size_t c = 0; s->cases[i] && s->cases[i][c]; c++)
			free(s->cases[i][c]);
		free(s->cases[i]);
	}
	free(s->cases);
	free(s->people);
	free(s->keys);
	free(s->history);
	cf_strlist_free(&s->unheld);
	cf_strlist_free(&s->skipped);
	cf_strlist_free(&s->bad);
	cf_legacy_members_free(s->members, s->n_members);
	cf_legacy_access_free(&s->access);
}

/* 1 when access.yaml names id now (the repository key or a case's). */
static int named_now(const cf_legacy_access *a, const unsigned char id[CF_KEYID_BYTES])
{
	if (a->has_repository_key && memcmp(id, a->repository_key, CF_KEYID_BYTES) == 0)
		return 1;
	for (size_t c = 0; c < a->n; c++)
		if (memcmp(id, a->cases[c].key, CF_KEYID_BYTES) == 0)
			return 1;
	return 0;
}

static int holds(const char *root, const unsigned char id[CF_KEYID_BYTES], const char *name)
{
	cf_strlist h = CF_STRLIST_INIT;
	int yes = cf_legacy_holders(&h, root, id) == 0 && cf_strlist_contains(&h, name);
	cf_strlist_free(&h);
	return yes;
}

static const old_key *history_key(const legacy_state *s, const unsigned char id[CF_KEYID_BYTES])
{
	for (size_t i = 0; i < s->n_history; i++)
		if (memcmp(s->history[i].id, id, CF_KEYID_BYTES) == 0)
			return &s->history[i];
	return NULL;
}

/* Records a key of history unless a newer access.yaml named it already.  0 or -1. */
static int history_add(legacy_state *s, const unsigned char id[CF_KEYID_BYTES], const char *scope)
{
	if (history_key(s, id))
		return 0;
	if (s->n_history == s->cap_history) {
		size_t cap = s->cap_history ? s->cap_history * 2 : 16;
		old_key *v = realloc(s->history, cap * sizeof(*v));
		if (!v)
			return -1;
		s->history = v;
		s->cap_history = cap;
	}
	old_key *k = &s->history[s->n_history++];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, CF_KEYID_BYTES);
	if (scope)
		snprintf(k->scope, sizeof(k->scope), "%s", scope);
	return 0;
}

/* One committed access.yaml: its keys into s->history.  A version that does not parse names
 * nothing (history cannot be mended).  0, or -1 out of memory. */
static int history_blob(legacy_state *s, const git_blob *blob)
{
	cf_legacy_access a;
	cf_diags quiet = CF_DIAGS_INIT;
	int rc = 0;
	if (cf_legacy_access_parse(&a, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				   &quiet) == 0) {
		if (a.has_repository_key)
			rc = history_add(s, a.repository_key, NULL);
		for (size_t i = 0; rc == 0 && i < a.n; i++)
			rc = history_add(s, a.cases[i].key, a.cases[i].id);
		cf_legacy_access_free(&a);
	}
	rc = rc < 0 || quiet.oom ? -1 : 0;
	cf_diags_free(&quiet);
	return rc;
}

/* Every key an access.yaml of any commit on any ref (or HEAD) named, newest commit first, into
 * s->history.  0, or an exit code having said why. */
static int read_history(legacy_state *s, const char *root)
{
	git_repository *repo = NULL;
	git_revwalk *rw = NULL;
	cf_strlist seen = CF_STRLIST_INIT;
	const char *what = NULL;
	int err = 0;
	if (git_libgit2_init() < 0)
		return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL, "cannot start libgit2");
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
	    git_revwalk_new(&rw, repo) != 0 || git_revwalk_sorting(rw, GIT_SORT_TIME) != 0 ||
	    git_revwalk_push_glob(rw, "*") != 0) {
		what = "cannot list the commits";
		goto out;
	}
	if (git_revwalk_push_head(rw) != 0)
		git_error_clear(); /* no commit yet */
	git_oid oid;
	while (!what && (err = git_revwalk_next(&oid, rw)) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		git_blob *b = NULL;
		char hex[GIT_OID_HEXSZ + 1];
		if (git_commit_lookup(&c, repo, &oid) != 0 || git_commit_tree(&t, c) != 0) {
			what = "cannot read a commit";
		} else if (git_tree_entry_bypath(&e, t, CF_LEGACY_ACCESS_PATH) != 0 ||
			   git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
			git_error_clear(); /* a commit without one */
		} else if (!git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e)) ||
			   cf_strlist_contains(&seen, hex)) {
			/* a version read already */
		} else if (cf_strlist_add(&seen, hex) < 0) {
			what = "out of memory";
		} else if (git_blob_lookup(&b, repo, git_tree_entry_id(e)) != 0) {
			what = "cannot read a version of " CF_LEGACY_ACCESS_PATH;
		} else if (history_blob(s, b) < 0) {
			what = "out of memory";
		}
		git_blob_free(b);
		git_tree_entry_free(e);
		git_tree_free(t);
		git_commit_free(c);
	}
	if (!what && err != GIT_ITEROVER)
		what = "cannot walk the commits";
out:;
	int rc = 0;
	if (what) {
		const git_error *ge = git_error_last();
		rc = cli_key_error(
		    "upgrade", CF_EXIT_USAGE, NULL,
		    "run it in a full clone (`git fetch --unshallow` in a shallow one): "
		    "the keys of history are read from every commit; nothing was changed",
		    "%s%s%s", what, ge && ge->message ? ": " : "",
		    ge && ge->message ? ge->message : "");
	}
	git_error_clear();
	cf_strlist_free(&seen);
	git_revwalk_free(rw);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* Reads the old files into s: the people (me an admin) and the keys.  0, or an exit code. */
static int read_state(legacy_state *s, const char *root, const cf_keyring *ring,
		      const cf_identity *id)
{
	cf_diags diags = CF_DIAGS_INIT;
	int rc = 0;
	if (cf_legacy_access_load(&s->access, root, &diags) != 0) {
		int oom = diags.oom;
		cli_key_diags(&diags, CF_EXIT_USAGE);
		cf_diags_free(&diags);
		return cli_key_error("upgrade", CF_EXIT_USAGE, "crypt/access",
				     "restore it (`git checkout -- " CF_LEGACY_ACCESS_PATH "`)",
				     "%s cannot be read%s: nothing was changed",
				     CF_LEGACY_ACCESS_PATH, oom ? " (out of memory)" : "");
	}
	cf_diags_free(&diags);
	if (cf_legacy_members(&s->members, &s->n_members, &s->bad, root) != 0)
		return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL, "cannot read %s/",
				     CF_LEGACY_MEMBERS_DIR);
	/* A member whose public key cannot be read would be left out of the log, and lose the
	 * keys they hold: the admin decides that, not a damaged file. */
	for (size_t i = 0; i < s->bad.n; i++) {
		cf_buf hint = CF_BUF_INIT;
		cf_buf_printf(&hint,
			      "restore it (`git checkout -- %s/%s.pub`), or `git rm` it to leave "
			      "%s out of the member log; nothing was changed",
			      CF_LEGACY_MEMBERS_DIR, s->bad.items[i], s->bad.items[i]);
		cli_key_error("upgrade", 0, "crypt/access",
			      cf_buf_oom(&hint) ? NULL : cf_buf_cstr(&hint),
			      "%s/%s.pub is not a member's public key", CF_LEGACY_MEMBERS_DIR,
			      s->bad.items[i]);
		cf_buf_free(&hint);
	}
	if (s->bad.n)
		return CF_EXIT_USAGE;
	if (!s->access.has_repository_key)
		return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL,
				     "%s names no repository key: there is nothing to upgrade",
				     CF_LEGACY_ACCESS_PATH);
	s->people = calloc(s->n_members ? s->n_members : 1, sizeof(*s->people));
	s->cases = calloc(s->n_members ? s->n_members : 1, sizeof(*s->cases));
	size_t max_keys = cf_keyring_len(ring) + s->access.n + 1;
	s->keys = calloc(max_keys, sizeof(*s->keys));
	if (!s->people || !s->cases || !s->keys)
		return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL, "out of memory");
	const unsigned char *mine = cf_identity_public(id)->box;
	int me_found = 0;
	for (size_t i = 0; i < s->n_members; i++) {
		const cf_legacy_member *m = &s->members[i];
		cf_access_person *p = &s->people[s->n_people];
		p->name = m->name;
		p->pub = m->pub;
		if (memcmp(m->pub.box, mine, CF_PUBKEY_BYTES) == 0) {
			p->role = CF_ROLE_ADMIN;
			p->pub = *cf_identity_public(id);
			me_found = 1;
		} else if (holds(root, s->access.repository_key, m->name)) {
			p->role = CF_ROLE_MEMBER;
		} else {
			p->role = CF_ROLE_CASE;
			char **v = calloc(s->access.n + 1, sizeof(*v));
			if (!v)
				return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL,
						     "out of memory");
			size_t n = 0;
			for (size_t c = 0; c < s->access.n; c++)
				if (holds(root, s->access.cases[c].key, m->name) &&
				    !(v[n++] = cf_strdup(s->access.cases[c].id)))
					return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL,
							     "out of memory");
			s->cases[s->n_people] = v;
			if (n == 0) {
				cf_strlist_add(&s->skipped, m->name);
				continue;
			}
			p->cases = (const char *const *)v;
			p->n_cases = n;
		}
		s->n_people++;
	}
	if (!me_found)
		return cli_key_error("upgrade", CF_EXIT_KEY, "crypt/identity",
				     "run it with the identity of a member who holds the keys",
				     "your identity is not one of the members in %s/",
				     CF_LEGACY_MEMBERS_DIR);
	/* The keys: history first (retired), then each scope's current one.  A key of history
	 * keeps its case's scope while the case has a key of its own (else the repository's: a
	 * case key of the log is current when no newer key of its case follows). */
	if ((rc = read_history(s, root)))
		return rc;
	for (size_t i = 0; i < cf_keyring_len(ring); i++) {
		const cf_key *k = cf_keyring_at(ring, i);
		if (named_now(&s->access, cf_key_id(k)))
			continue;
		const old_key *h = history_key(s, cf_key_id(k));
		cf_strlist holders = CF_STRLIST_INIT;
		int sealed = cf_legacy_holders(&holders, root, cf_key_id(k)) == 0 && holders.n > 0;
		cf_strlist_free(&holders);
		if (!h && !sealed)
			continue; /* not a key of this repository, as far as its files tell */
		const char *scope = NULL;
		for (size_t c = 0; h && h->scope[0] && c < s->access.n && !scope; c++)
			if (strcmp(s->access.cases[c].id, h->scope) == 0)
				scope = s->access.cases[c].id;
		s->keys[s->n_keys++] = (cf_access_genesis_key){k, scope, 1};
	}
	for (size_t i = 0; i < s->n_history; i++) {
		char hex[CF_KEYID_HEX_BYTES];
		if (named_now(&s->access, s->history[i].id) ||
		    cf_keyring_find(ring, s->history[i].id))
			continue;
		cf_keyid_hex(hex, s->history[i].id);
		if (cf_strlist_add(&s->unheld, hex) < 0)
			return cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL, "out of memory");
	}
	const cf_key *rk = cf_keyring_find(ring, s->access.repository_key);
	if (!rk)
		return cli_key_error("upgrade", CF_EXIT_KEY, "crypt/no-key",
				     "run `casefile unlock` first",
				     "this clone does not hold the "
				     "repository key");
	s->keys[s->n_keys++] = (cf_access_genesis_key){rk, NULL, 0};
	for (size_t c = 0; c < s->access.n; c++) {
		const cf_key *k = cf_keyring_find(ring, s->access.cases[c].key);
		if (!k)
			return cli_key_error("upgrade", CF_EXIT_KEY, "crypt/no-key",
					     "run `casefile unlock` first, or upgrade from a clone "
					     "that holds every key",
					     "this clone does not hold the key of case %s",
					     s->access.cases[c].id);
		s->keys[s->n_keys++] = (cf_access_genesis_key){k, s->access.cases[c].id, 0};
	}
	return 0;
}

static void print_state(const legacy_state *s)
{
	printf("casefile: upgrade: the member log will begin with:\n");
	for (size_t i = 0; i < s->n_people; i++) {
		const cf_access_person *p = &s->people[i];
		char fp[CF_FINGERPRINT_BYTES];
		cf_pubkeys_fingerprint(fp, &p->pub);
		printf("  %-16s %-6s %s", p->name, cf_role_name(p->role), fp);
		for (size_t c = 0; c < p->n_cases; c++)
			printf("%s%s", c ? "," : "  cases ", p->cases[c]);
		printf("\n");
	}
	size_t retired = 0;
	for (size_t i = 0; i < s->n_keys; i++)
		retired += (size_t)s->keys[i].retired;
	printf("  keys: the repository key, %zu case key%s, %zu retired key%s of history\n",
	       s->access.n, s->access.n == 1 ? "" : "s", retired, retired == 1 ? "" : "s");
	for (size_t i = 0; i < s->skipped.n; i++)
		printf("  left out: %s holds no key the access list names\n", s->skipped.items[i]);
	for (size_t i = 0; i < s->unheld.n; i++)
		printf(
		    "  not carried over: key %s of history, which this clone does not hold (what "
		    "it encrypted stays readable to those who hold it)\n",
		    s->unheld.items[i]);
}

static int confirmed(int yes)
{
	if (yes)
		return 1;
	if (!isatty(0)) {
		cli_key_error("upgrade", 0, NULL,
			      "read the list above; run `casefile upgrade --yes` to write it",
			      "not confirmed: nothing was changed");
		return 0;
	}
	printf("Write it? [y/N] ");
	fflush(stdout);
	char line[16];
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* Removes root/rel from the working tree: a file (a link is removed, never followed), or a
 * directory and everything in it.  Counts the files removed that tracked does not hold.  0, or
 * -1 with errno. */
static int remove_tree(const char *root, const char *rel, const cf_strlist *tracked,
		       size_t *untracked)
{
	char *path = cf_path_join(root, rel);
	struct stat st;
	int rc = -1;
	if (!path)
		goto out;
	if (lstat(path, &st) != 0) {
		rc = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == 0 || errno == ENOENT) {
			rc = 0;
			*untracked += !cf_strlist_contains(tracked, rel);
		}
		goto out;
	}
	cf_strlist names = CF_STRLIST_INIT;
	DIR *d = opendir(path);
	if (!d)
		goto out;
	struct dirent *e;
	rc = 0;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = cf_strlist_add(&names, e->d_name);
	closedir(d);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		char *sub = cf_path_join(rel, names.items[i]);
		rc = sub ? remove_tree(root, sub, tracked, untracked) : -1;
		free(sub);
	}
	cf_strlist_free(&names);
	if (rc == 0 && rmdir(path) != 0 && errno != ENOENT)
		rc = -1;
out:
	free(path);
	return rc;
}

/* The old files out of the index and the working tree, whether git tracks them or not; none
 * may be left.  *removed: how many files went.  0, or -1 having said why. */
static int remove_legacy(const char *root, size_t *removed)
{
	static const char *const legacy[] = {CF_LEGACY_ACCESS_PATH, CF_LEGACY_MEMBERS_DIR,
					     CF_LEGACY_SEALED_DIR};
	cf_strlist tracked = CF_STRLIST_INIT, left = CF_STRLIST_INIT;
	size_t untracked = 0;
	int rc = -1;
	*removed = 0;
	for (size_t i = 0; i < 3; i++)
		if (cli_list_tracked(&tracked, root, legacy[i]) < 0) {
			cli_key_error("upgrade", 0, NULL, NULL, "cannot list the files git tracks");
			goto out;
		}
	if (tracked.n) {
		static const char *const rm[] = {"rm", "-r", "-q", "--cached", "--ignore-unmatch",
						 NULL};
		if (cli_git_paths(root, rm, &tracked) != 0) {
			cli_key_error("upgrade", 0, NULL, NULL,
				      "git rm --cached failed (see above)");
			goto out;
		}
	}
	for (size_t i = 0; i < 3; i++)
		if (remove_tree(root, legacy[i], &tracked, &untracked) < 0) {
			cli_key_error("upgrade", 0, NULL, NULL, "cannot remove %s: %s", legacy[i],
				      strerror(errno));
			goto out;
		}
	cf_strlist still = CF_STRLIST_INIT;
	int bad = cf_legacy_paths(&left, root) < 0;
	for (size_t i = 0; i < 3 && !bad; i++)
		bad = cli_list_tracked(&still, root, legacy[i]) < 0;
	if (bad || left.n || still.n)
		cli_key_error("upgrade", 0, NULL, NULL, "%s is still there",
			      left.n	? left.items[0]
			      : still.n ? still.items[0]
					: "an old key file");
	else
		rc = 0;
	cf_strlist_free(&still);
	*removed = tracked.n + untracked;
out:
	cf_strlist_free(&tracked);
	cf_strlist_free(&left);
	return rc;
}

int cmd_upgrade(int argc, char **argv, const cf_cli *cli)
{
	(void)cli;
	int yes = 0;
	const char *pass_file = NULL;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		} else if (strcmp(argv[i], "--yes") == 0) {
			yes = 1;
		} else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc) {
			pass_file = argv[++i];
		} else {
			return cli_usage("upgrade", "unknown argument '%s'", argv[i]);
		}
	}
	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, "upgrade");
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_keyring *ring = NULL;
	cf_identity *id = NULL;
	legacy_state st;
	memset(&st, 0, sizeof(st));
	cf_access_plan plan;
	int have_plan = 0;
	size_t removed = 0;
	if ((rc = cli_load_log_keys(&log, NULL, &ring, root, git_dir, 0, &diags)))
		goto out;
	if (log) {
		/* Upgraded already: only old files left behind are taken away. */
		if (remove_legacy(root, &removed) < 0) {
			rc = cli_key_error("upgrade", CF_EXIT_USAGE, NULL, NULL,
					   "cannot remove the old key files");
			goto out;
		}
		char fp[CF_FINGERPRINT_BYTES];
		cf_mlog_fingerprint(fp, log);
		printf("casefile: upgrade: this repository has its member log already "
		       "(fingerprint %s): %s\n",
		       fp,
		       removed ? "the old key files left behind are removed, and it is staged"
			       : "nothing to do");
		goto out;
	}
	char *legacy = cf_path_join(root, CF_LEGACY_ACCESS_PATH);
	int old = legacy && cf_is_file(legacy);
	free(legacy);
	if (!old) {
		rc = cli_key_error(
		    "upgrade", CF_EXIT_USAGE, NULL,
		    "`casefile init` begins a member log in a new repository",
		    "this repository has neither a member log nor the key files of an "
		    "older casefile: there is nothing to upgrade");
		goto out;
	}
	if ((rc = cli_identity_open(&id, pass_file, "upgrade")))
		goto out;
	if (!cf_identity_can_sign(id)) {
		rc = cli_key_error(
		    "upgrade", CF_EXIT_KEY, "crypt/identity",
		    "run `casefile keygen --upgrade` first: it adds a signing key and "
		    "keeps everything sealed to you",
		    "your identity cannot sign the member log");
		goto out;
	}
	if ((rc = read_state(&st, root, ring, id)))
		goto out;
	print_state(&st);
	if (!confirmed(yes)) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	const char *me = NULL;
	for (size_t i = 0; i < st.n_people && !me; i++)
		if (st.people[i].role == CF_ROLE_ADMIN)
			me = st.people[i].name;
	char date[CLI_DATE_BYTES];
	cli_utc_now(date);
	cf_access_request req;
	memset(&req, 0, sizeof(req));
	req.action = CF_ACT_GENESIS;
	req.people = st.people;
	req.n_people = st.n_people;
	req.keys = st.keys;
	req.n_keys = st.n_keys;
	req.signer = me;
	req.signer_id = id;
	req.date = date;
	if (cf_access_plan_make(&plan, NULL, &req, ring, &diags) != 0) {
		rc = cli_key_diags(&diags, CF_EXIT_KEY);
		goto out;
	}
	have_plan = 1;
	size_t rekeyed = 0;
	if ((rc = cli_apply_plan(&rekeyed, root, git_dir, &plan, "upgrade")))
		goto out;
	if (remove_legacy(root, &removed) < 0) {
		rc = cli_key_error("upgrade", CF_EXIT_USAGE, NULL,
				   "run `casefile upgrade` again to finish",
				   "the member log is written, but the old key files could not all "
				   "be removed");
		goto out;
	}
	char fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, plan.verified);
	printf("casefile: upgrade: member log written, signed by %s; %zu case file%s encrypted "
	       "again in the new format; %zu old key file%s removed; all staged: commit and "
	       "push it\n",
	       me, rekeyed, rekeyed == 1 ? "" : "s", removed, removed == 1 ? "" : "s");
	printf("casefile: upgrade: the repository's fingerprint is %s (pinned in this clone): "
	       "give it to every member, who compares it at `casefile unlock`\n",
	       fp);
	for (size_t i = 0; i < plan.not_sealed.n; i++)
		fprintf(stderr, "casefile: upgrade: note: not sealed: %s\n",
			plan.not_sealed.items[i]);
out:
	if (have_plan)
		cf_access_plan_free(&plan);
	state_free(&st);
	cf_identity_free(id);
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}
