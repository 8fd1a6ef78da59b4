/* forge: what an attacker's script can do with casefile's own source -- append an entry of
 * their choosing to a member log, signed with an identity of their choosing -- so that the
 * command-line tests can show that no clone and no server accepts it.  A test tool: it is
 * built for `make check` and never installed.
 *
 *   forge LOG IDENTITY SIGNER ACTION [member NAME ROLE CASES] ... [key SCOPE] ...
 *
 * LOG is the log to extend ("-" for none: a genesis); IDENTITY the identity file that signs;
 * SIGNER the name the entry claims.  "member NAME ROLE CASES" writes a member line (CASES
 * comma-separated, or "-"), with NAME's keys as LOG records them, else the identity's;
 * "key SCOPE" (repository, or a case id) makes a new key for it and seals it to every member
 * of LOG (and of the entry) -- whoever the attacker wants to read what comes next.  The
 * whole new log goes to stdout; nothing is verified.  Exit 0, or 2 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "identity.h"
#include "mlog.h"

#define MAX 32

static int fail(const char *msg)
{
	fprintf(stderr, "forge: %s\n", msg);
	return 2;
}

static char *split_cases(const char *s, const char **v, size_t *n)
{
	*n = 0;
	if (strcmp(s, "-") == 0)
		return NULL;
	char *copy = cf_strdup(s);
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && *n < MAX;
	     t = strtok_r(NULL, ",", &save))
		v[(*n)++] = t;
	return copy;
}

int main(int argc, char **argv)
{
	if (cf_init() < 0)
		return 2;
	if (argc < 5)
		return fail("usage: forge LOG IDENTITY SIGNER ACTION [member NAME ROLE CASES] "
			    "[key SCOPE]");
	cf_diags diags = CF_DIAGS_INIT;
	cf_mlog *log = NULL;
	cf_identity *id = NULL;
	cf_buf text = CF_BUF_INIT, out = CF_BUF_INIT;
	if (strcmp(argv[1], "-") != 0) {
		if (cf_read_file_buf(&text, argv[1], CF_MLOG_MAX_BYTES) < 0)
			return fail("cannot read the log");
		if (cf_mlog_load(&log, text.ptr, text.len, argv[1], &diags) != 0)
			return fail("the log to extend does not verify");
	}
	if (cf_identity_load(&id, argv[2], NULL, 0, &diags) != 0)
		return fail("cannot load the identity");
	cf_mlog_draft d;
	memset(&d, 0, sizeof(d));
	cf_action act = CF_ACT_ROTATE;
	static const char *const names[] = {"genesis", "add",	 "remove", "role",
					    "grant",   "revoke", "rotate"};
	for (size_t i = 0; i < 7; i++)
		if (strcmp(argv[4], names[i]) == 0)
			act = (cf_action)i;
	d.action = act;
	d.date = "2026-12-05T12:00:00Z";
	d.signer = argv[3];
	cf_mlog_draft_member members[MAX];
	cf_mlog_draft_key keys[MAX];
	cf_mlog_draft_seal seals[MAX * MAX];
	const char *cases[MAX][MAX];
	char *owned[MAX];
	cf_key *made[MAX];
	size_t nm = 0, nk = 0, ns = 0, no = 0;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "member") == 0 && i + 3 < argc && nm < MAX) {
			cf_mlog_draft_member *m = &members[nm];
			memset(m, 0, sizeof(*m));
			m->name = argv[i + 1];
			if (cf_role_parse(&m->role, argv[i + 2]) < 0)
				return fail("not a role");
			owned[no++] = split_cases(argv[i + 3], cases[nm], &m->n_cases);
			m->cases = cases[nm];
			const cf_mlog_member *known =
			    log ? cf_mlog_member_named(log, m->name) : NULL;
			m->pub = known ? known->pub : *cf_identity_public(id);
			nm++;
			i += 3;
		} else if (strcmp(argv[i], "key") == 0 && i + 1 < argc && nk < MAX) {
			if (cf_key_generate(&made[nk]) != 0)
				return fail("out of memory");
			keys[nk].key = made[nk];
			keys[nk].scope =
			    strcmp(argv[i + 1], "repository") == 0 ? NULL : argv[i + 1];
			nk++;
			i += 1;
		} else {
			return fail("unknown argument");
		}
	}
	/* Every key sealed to everyone the log and the entry name. */
	for (size_t k = 0; k < nk; k++) {
		for (size_t i = 0; log && i < cf_mlog_members(log); i++) {
			const cf_mlog_member *m = cf_mlog_member_at(log, i);
			if (m->active && ns < MAX * MAX)
				seals[ns++] = (cf_mlog_draft_seal){made[k], m->name, m->pub.box};
		}
		for (size_t i = 0; i < nm; i++) {
			int dup = 0;
			for (size_t s = 0; s < ns && !dup; s++)
				dup = seals[s].key == made[k] &&
				      strcmp(seals[s].member, members[i].name) == 0;
			if (!dup)
				seals[ns++] = (cf_mlog_draft_seal){made[k], members[i].name,
								   members[i].pub.box};
		}
	}
	d.members = members;
	d.n_members = nm;
	d.keys = keys;
	d.n_keys = nk;
	d.seals = seals;
	d.n_seals = ns;
	int rc = cf_mlog_append(&out, log, &d, id) == 0 ? 0 : fail("cannot write the entry");
	if (rc == 0)
		fwrite(out.ptr, 1, out.len, stdout);
	for (size_t i = 0; i < nk; i++)
		cf_key_free(made[i]);
	for (size_t i = 0; i < no; i++)
		free(owned[i]);
	cf_buf_free(&out);
	cf_buf_free(&text);
	cf_identity_free(id);
	cf_mlog_free(log);
	cf_diags_free(&diags);
	return rc;
}
