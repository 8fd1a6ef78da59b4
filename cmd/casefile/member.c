/* casefile member add, list, remove, role, grant, revoke and rotate: who may read what, as
 * the signed member log (lib/mlog) records it.  The change itself is planned in lib/access;
 * this file parses the arguments, applies the plan to the working tree (cmd/change.c) and
 * says what was done.  Everything written is staged for the next commit, never committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "change.h"
#include "cli.h"
#include "clone.h"
#include "fs.h"
#include "keys.h"
#include "strlist.h"

static const char usage_text[] =
    "usage: casefile member add NAME PUBKEY [--role admin|member] | [--case ID ...]\n"
    "       casefile member list\n"
    "       casefile member remove NAME\n"
    "       casefile member role NAME admin|member|case [--case ID ...] [--pubkey LINE]\n"
    "       casefile member grant NAME ID ...\n"
    "       casefile member revoke NAME ID ...\n"
    "       casefile member rotate [--repository] [--case ID ...]\n"
    "\n"
    "Who may read what is the signed member log, .casefile/members.log: every change is\n"
    "an entry signed by an admin, and every clone and the shared server's hook check it.\n"
    "Roles: admin (reads every case; adds, removes, grants and rotates), member (reads\n"
    "every case), case (reads the named cases only).\n"
    "\n"
    "add: makes NAME a member. PUBKEY is the line `casefile keygen` printed for them (or\n"
    "a file holding it): compare its fingerprint with theirs, read aloud. Without\n"
    "--case NAME is of role member (--role admin for an admin); with --case NAME reads\n"
    "those cases only: a case without a key of its own gets one now, and its files are\n"
    "encrypted again with it. The keys of history NAME may read are sealed to them too.\n"
    "list: each member, their role, their cases, their fingerprint and who added them.\n"
    "remove: takes NAME out and rotates every key they held: a new key, sealed to every\n"
    "one who stays, and the files encrypted again with it. The old keys stay sealed to\n"
    "those who stay, for history. NAME keeps what they already had; nothing committed\n"
    "from now on is readable with their keys.\n"
    "role: changes NAME's role (--case for role case); --pubkey records the signing key\n"
    "of a member whose identity was upgraded (`casefile keygen --upgrade`).\n"
    "grant, revoke: gives a member of role case more cases, or takes some away (their\n"
    "keys rotated).\n"
    "rotate: new keys for the repository and every case key (or only those named).\n"
    "\n"
    "  --passphrase-file FILE  the passphrase of your identity (first line of FILE)\n"
    "\n"
    "Only an admin may change the log, with their identity (~/.config/casefile/identity,\n"
    "or CASEFILE_IDENTITY). This clone must be unlocked: it seals the keys it holds.\n"
    "NAME is letters, digits, '.', '_' and '-' (at most 64). Nothing is committed: the\n"
    "changes are staged for your next commit.\n"
    "\n"
    "Exit codes: 0 done, 2 usage error or a change the log's rules refuse, 3 a key or\n"
    "identity problem.\n";

/* What one invocation asks for. */
typedef struct member_args {
	cf_action action;
	const char *name;
	const char *role;
	const char *pubkey;
	const char *pass_file;
	cf_strlist cases;
	int repository; /* rotate --repository */
} member_args;

static int parse_args(member_args *a, int argc, char **argv, int *help)
{
	const char *sub = argv[1];
	*help = 0;
	int positional = 0;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (cli_is_help(s)) {
			*help = 1;
			return 0;
		} else if (strcmp(s, "--case") == 0 && i + 1 < argc) {
			if (cf_strlist_add(&a->cases, argv[++i]) < 0)
				return cli_usage("member", "out of memory");
		} else if (strcmp(s, "--role") == 0 && i + 1 < argc && a->action == CF_ACT_ADD) {
			a->role = argv[++i];
		} else if (strcmp(s, "--pubkey") == 0 && i + 1 < argc && a->action == CF_ACT_ROLE) {
			a->pubkey = argv[++i];
		} else if (strcmp(s, "--passphrase-file") == 0 && i + 1 < argc) {
			a->pass_file = argv[++i];
		} else if (strcmp(s, "--repository") == 0 && a->action == CF_ACT_ROTATE) {
			a->repository = 1;
		} else if (s[0] == '-' && s[1] != '\0') {
			return cli_usage("member", "unknown argument '%s' for %s", s, sub);
		} else if (a->action == CF_ACT_ROTATE) {
			return cli_usage("member",
					 "rotate takes no names (--case ID, --repository)");
		} else if (positional == 0) {
			a->name = s;
			positional++;
		} else if (a->action == CF_ACT_ADD && positional == 1) {
			a->pubkey = s;
			positional++;
		} else if (a->action == CF_ACT_ROLE && positional == 1) {
			a->role = s;
			positional++;
		} else if (a->action == CF_ACT_GRANT || a->action == CF_ACT_REVOKE) {
			if (cf_strlist_add(&a->cases, s) < 0)
				return cli_usage("member", "out of memory");
		} else {
			return cli_usage("member", "unexpected argument '%s'", s);
		}
	}
	if (a->action != CF_ACT_ROTATE && !a->name)
		return cli_usage("member", "%s needs a member NAME", sub);
	if (a->action == CF_ACT_ADD && !a->pubkey)
		return cli_usage("member", "add needs NAME and PUBKEY");
	if (a->action == CF_ACT_ROLE && !a->role)
		return cli_usage("member", "role needs NAME and a role (admin, member, case)");
	if ((a->action == CF_ACT_GRANT || a->action == CF_ACT_REVOKE) && a->cases.n == 0)
		return cli_usage("member", "%s needs NAME and at least one case ID", sub);
	if (a->name && !cf_member_name_valid(a->name))
		return cli_usage("member",
				 "'%s' is not a member name (letters, digits, '.', '_', "
				 "'-'; at most 64)",
				 a->name);
	return 0;
}

/* Every case named must be a directory of cases/ (revoke and rotate may name one that is
 * gone: its key is still the log's). */
static int cases_exist(const char *root, const cf_strlist *cases, const char *cmd)
{
	for (size_t i = 0; i < cases->n; i++) {
		cf_buf p = CF_BUF_INIT;
		cf_buf_printf(&p, "%s/cases/%s", root, cases->items[i]);
		int ok =
		    !cf_buf_oom(&p) && cf_mlog_case_id_valid(cases->items[i]) && cf_is_dir(p.ptr);
		cf_buf_free(&p);
		if (!ok)
			return cli_key_error(cmd, CF_EXIT_USAGE, NULL,
					     "`casefile status` lists the cases",
					     "'%s' is not a case of this repository; nothing was "
					     "changed",
					     cases->items[i]);
	}
	return 0;
}

/* Prints the plan's refusal: exit 2 for what the log's rules refuse, else 3. */
static int plan_failed(const cf_diags *d)
{
	int usage = 0;
	for (size_t i = 0; i < d->len; i++)
		usage |= d->items[i].rule && strcmp(d->items[i].rule, "crypt/access") == 0;
	return cli_key_diags(d, usage ? CF_EXIT_USAGE : CF_EXIT_KEY);
}

/* The log now, which must exist. */
static int need_log(cf_mlog **log, cf_keyring **ring, const char *root, const char *git_dir,
		    const char *cmd, cf_diags *diags)
{
	int rc = cli_load_log_keys(log, NULL, ring, root, git_dir, 1, diags);
	if (rc)
		return rc;
	if (*log)
		return 0;
	cf_keyring_free(*ring);
	*ring = NULL;
	char *legacy = cf_path_join(root, ".casefile/access.yaml");
	int old = legacy && cf_is_file(legacy);
	free(legacy);
	if (old)
		return cli_key_error(
		    cmd, CF_EXIT_USAGE, "crypt/upgrade",
		    "an admin runs `casefile upgrade` once, and commits",
		    "this repository has no signed member log yet: its members are "
		    "still the unsigned files of an older casefile");
	return cli_key_error(cmd, CF_EXIT_USAGE, "crypt/untrusted",
			     "`casefile init` makes it, with your identity as its first admin",
			     "this repository has no member log");
}

static int member_change(member_args *a, const char *cmd)
{
	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, cmd);
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_keyring *ring = NULL;
	cf_identity *id = NULL;
	cf_access_plan plan;
	int have_plan = 0;
	cf_pubkeys pub;
	const char **scopes = NULL;
	char date[CLI_DATE_BYTES];
	memset(&pub, 0, sizeof(pub));
	if ((rc = need_log(&log, &ring, root, git_dir, cmd, &diags)))
		goto out;
	cf_access_request req;
	memset(&req, 0, sizeof(req));
	req.action = a->action;
	req.name = a->name;
	req.cases = (const char *const *)a->cases.items;
	req.n_cases = a->cases.n;
	if (a->action == CF_ACT_ADD) {
		if (cli_read_pubkey(&pub, a->pubkey) < 0) {
			rc = cli_key_error(
			    cmd, CF_EXIT_USAGE, NULL,
			    "give the whole line `casefile keygen` printed (or a file "
			    "holding it); a fingerprint that does not match is refused",
			    "'%s' is not a public key", a->pubkey);
			goto out;
		}
		req.pub = &pub;
		req.role = a->cases.n ? CF_ROLE_CASE : CF_ROLE_MEMBER;
		if (a->role && cf_role_parse(&req.role, a->role) < 0) {
			rc = cli_usage("member", "'%s' is not a role (admin, member, case)",
				       a->role);
			goto out;
		}
		if (req.role == CF_ROLE_CASE && a->cases.n == 0) {
			rc = cli_usage("member", "role case needs the cases: --case ID");
			goto out;
		}
		if (req.role != CF_ROLE_CASE && a->cases.n) {
			rc = cli_usage("member", "--case is for role case; %s reads every case",
				       cf_role_name(req.role));
			goto out;
		}
	} else if (a->action == CF_ACT_ROLE) {
		if (cf_role_parse(&req.role, a->role) < 0) {
			rc = cli_usage("member", "'%s' is not a role (admin, member, case)",
				       a->role);
			goto out;
		}
		if (a->pubkey) {
			if (cli_read_pubkey(&pub, a->pubkey) < 0) {
				rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL,
						   "'%s' is not a public key", a->pubkey);
				goto out;
			}
			req.pub = &pub;
		}
	} else if (a->action == CF_ACT_ROTATE) {
		size_t n = a->cases.n + (size_t)a->repository;
		scopes = calloc(n ? n : 1, sizeof(*scopes));
		if (!scopes) {
			rc = cli_key_error(cmd, CF_EXIT_USAGE, NULL, NULL, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < a->cases.n; i++)
			scopes[i] = a->cases.items[i];
		/* --repository: a NULL scope, the repository's key */
		req.scopes = scopes;
		req.n_scopes = n;
		req.rotate_all = n == 0;
	}
	if ((a->action == CF_ACT_ADD || a->action == CF_ACT_GRANT ||
	     (a->action == CF_ACT_ROLE && req.role == CF_ROLE_CASE)) &&
	    (rc = cases_exist(root, &a->cases, cmd)))
		goto out;
	if ((rc = cli_identity_open(&id, a->pass_file, cmd)))
		goto out;
	const cf_mlog_member *me = cli_member_of(log, id, cmd);
	if (!me) {
		rc = CF_EXIT_KEY;
		goto out;
	}
	cli_utc_now(date);
	req.signer = me->name;
	req.signer_id = id;
	req.date = date;
	if (cf_access_plan_make(&plan, log, &req, ring, &diags) != 0) {
		rc = plan_failed(&diags);
		goto out;
	}
	have_plan = 1;
	size_t rekeyed = 0;
	if ((rc = cli_apply_plan(&rekeyed, root, git_dir, &plan, cmd)))
		goto out;
	cli_print_plan(&plan, cmd);
	if (a->action == CF_ACT_REMOVE)
		printf("casefile: %s: %s removed; they keep what they had before, and read "
		       "nothing committed from now on\n",
		       cmd, a->name);
	if (rekeyed)
		printf("casefile: %s: %zu file%s encrypted again\n", cmd, rekeyed,
		       rekeyed == 1 ? "" : "s");
	printf("casefile: %s: the member log (entry %zu, signed by %s) is staged: commit and "
	       "push it\n",
	       cmd, cf_mlog_entries(plan.verified) - 1, me->name);
out:
	if (have_plan)
		cf_access_plan_free(&plan);
	free(scopes);
	cf_identity_free(id);
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	free(root);
	free(git_dir);
	return rc;
}

/* ---- member list ---- */

static int member_list(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
		return cli_usage("member", "list takes no arguments");
	}
	char *root = NULL, *git_dir = NULL;
	int rc = cli_open_clone(&root, &git_dir, "member list");
	if (rc)
		return rc;
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_keyring *ring = NULL;
	cf_buf out = CF_BUF_INIT;
	if ((rc = need_log(&log, &ring, root, git_dir, "member list", &diags)))
		goto out;
	size_t width = 0;
	for (size_t i = 0; i < cf_mlog_members(log); i++) {
		const cf_mlog_member *m = cf_mlog_member_at(log, i);
		if (m->active && strlen(m->name) > width)
			width = strlen(m->name);
	}
	char fp[CF_FINGERPRINT_BYTES];
	cf_mlog_fingerprint(fp, log);
	for (size_t i = 0; i < cf_mlog_members(log); i++) {
		const cf_mlog_member *m = cf_mlog_member_at(log, i);
		if (!m->active)
			continue;
		char mfp[CF_FINGERPRINT_BYTES];
		cf_pubkeys_fingerprint(mfp, &m->pub);
		cf_buf_printf(&out, "%-*s  %-6s  %s  ", (int)width, m->name, cf_role_name(m->role),
			      mfp);
		if (m->role == CF_ROLE_CASE) {
			cf_buf_puts(&out, "cases ");
			for (size_t c = 0; c < m->n_cases; c++)
				cf_buf_printf(&out, "%s%s", c ? "," : "", m->cases[c]);
		} else {
			cf_buf_puts(&out, "every case");
		}
		if (m->since == 0)
			cf_buf_printf(&out, "  (genesis, by %s)", m->added_by);
		else
			cf_buf_printf(&out, "  (added by %s, entry %u)", m->added_by, m->since);
		if (!m->pub.has_sign)
			cf_buf_puts(&out, "  [no signing key]");
		cf_buf_putc(&out, '\n');
	}
	if (cli_write_stdout(&out) < 0) {
		rc = CF_EXIT_USAGE;
		goto out;
	}
	fprintf(stderr, "casefile: member list: repository fingerprint %s, %zu entr%s\n", fp,
		cf_mlog_entries(log), cf_mlog_entries(log) == 1 ? "y" : "ies");
out:
	cf_keyring_free(ring);
	cf_mlog_free(log);
	cf_buf_free(&out);
	cf_diags_free(&diags);
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
	const char *sub = argv[1];
	if (strcmp(sub, "list") == 0)
		return member_list(argc, argv);
	static const struct {
		const char *name;
		cf_action action;
	} subs[] = {
	    {"add", CF_ACT_ADD},     {"remove", CF_ACT_REMOVE}, {"role", CF_ACT_ROLE},
	    {"grant", CF_ACT_GRANT}, {"revoke", CF_ACT_REVOKE}, {"rotate", CF_ACT_ROTATE},
	};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i].name) != 0)
			continue;
		member_args a;
		memset(&a, 0, sizeof(a));
		a.action = subs[i].action;
		int help = 0;
		int rc = parse_args(&a, argc, argv, &help);
		if (rc == 0 && help)
			fputs(usage_text, stdout);
		else if (rc == 0) {
			char cmd[32];
			snprintf(cmd, sizeof(cmd), "member %s", sub);
			rc = member_change(&a, cmd);
		}
		cf_strlist_free(&a.cases);
		return rc;
	}
	return cli_usage("member",
			 "'%s' is not a member command (add, list, remove, role, grant, revoke, "
			 "rotate)",
			 sub);
}
