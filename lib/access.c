#include "access.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* ---- decisions ---- */

const cf_mlog_key *cf_access_key_for_path(const cf_mlog *log, const char *path)
{
	size_t n;
	const char *id = cf_crypt_case_of_path(path, &n);
	return id ? cf_mlog_key_for_case(log, id, n) : NULL;
}

cf_blob_verdict cf_access_judge_blob(const cf_mlog *log, const char *path, const void *data,
				     size_t len, const cf_mlog_key **key)
{
	if (key)
		*key = NULL;
	if (!cf_crypt_is_blob(data, len))
		return CF_BLOB_NOT_BLOB;
	unsigned char id[CF_KEYID_BYTES];
	cf_crypt_blob_keyid(id, data, len);
	const cf_mlog_key *k = cf_mlog_key_by_id(log, id);
	if (key)
		*key = k;
	if (cf_crypt_blob_version(data, len) != CF_CRYPT_VERSION)
		return CF_BLOB_OLD_FORMAT;
	const char *have, *want;
	size_t hn, wn;
	cf_crypt_blob_case(&have, &hn, data, len);
	want = cf_crypt_case_of_path(path, &wn);
	if (!want || hn != wn || memcmp(have, want, wn) != 0)
		return CF_BLOB_WRONG_CASE;
	if (!k)
		return CF_BLOB_UNKNOWN_KEY;
	if (k->retired)
		return CF_BLOB_RETIRED_KEY;
	if (k != cf_mlog_key_for_case(log, want, wn))
		return CF_BLOB_WRONG_KEY;
	return CF_BLOB_OK;
}

const char *cf_blob_verdict_text(cf_blob_verdict v)
{
	switch (v) {
	case CF_BLOB_OK:
		return "encrypted as the member log says";
	case CF_BLOB_NOT_BLOB:
		return "not casefile ciphertext";
	case CF_BLOB_OLD_FORMAT:
		return "encrypted in format 1, which binds it to no case: written by a casefile "
		       "older than the member log";
	case CF_BLOB_WRONG_CASE:
		return "encrypted for another case than the one it is in: copied or moved there";
	case CF_BLOB_UNKNOWN_KEY:
		return "encrypted with a key the member log never made";
	case CF_BLOB_RETIRED_KEY:
		return "encrypted with a key the member log has retired, which members removed "
		       "since may hold";
	case CF_BLOB_WRONG_KEY:
		return "encrypted with the key of another scope than its case's";
	}
	return "?";
}

void cf_access_describe_key(cf_buf *out, const cf_mlog_key *k)
{
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, k->id);
	if (k->scope)
		cf_buf_printf(out, "the key of case %s (%s)", k->scope, hex);
	else
		cf_buf_printf(out, "the repository key (%s)", hex);
}

/* ---- planning ---- */

typedef struct sim_member {
	const char *name;
	cf_role role;
	cf_pubkeys pub;
	const char **cases;
	size_t n_cases;
	int fresh;   /* added by this entry: no seal of the log is theirs */
	int gained;  /* may read more than before: is given the retired keys too */
	int changed; /* gets a member line */
} sim_member;

typedef struct sim_key {
	unsigned char id[CF_KEYID_BYTES];
	const cf_key *secret; /* held by the clone, or made now; NULL when neither */
	size_t log_index;     /* its index in the log's keys, when not new */
	const char *scope;
	int retired;
	int is_new;
} sim_key;

typedef struct plan_ctx {
	const cf_mlog *log;
	const cf_access_request *req;
	const cf_keyring *ring;
	cf_diags *diags;
	cf_arena *arena;
	sim_member *members;
	size_t n_members;
	sim_key *keys;
	size_t n_keys;
	cf_access_plan *out;
} plan_ctx;

static int refuse(plan_ctx *c, const char *rule, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(plan_ctx *c, const char *rule, const char *hint, const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (cf_buf_oom(&msg)) {
		c->diags->oom = 1;
	} else {
		cf_diag *d =
		    cf_diags_add(c->diags, CF_SEV_ERROR, CF_MLOG_PATH, 0, 0, rule, "%s", msg.ptr);
		if (hint)
			cf_diag_hint(c->diags, d, "%s", hint);
	}
	cf_buf_free(&msg);
	return -1;
}

static int no_memory(plan_ctx *c)
{
	c->diags->oom = 1;
	return -1;
}

static sim_member *sim_named(plan_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_members; i++)
		if (strcmp(c->members[i].name, name) == 0)
			return &c->members[i];
	return NULL;
}

static int sim_has_case(const sim_member *m, const char *id)
{
	for (size_t i = 0; i < m->n_cases; i++)
		if (strcmp(m->cases[i], id) == 0)
			return 1;
	return 0;
}

static int sim_allowed(const sim_member *m, const sim_key *k)
{
	if (m->role != CF_ROLE_CASE)
		return 1;
	return k->scope && sim_has_case(m, k->scope);
}

static int same_scope(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static sim_key *sim_current(plan_ctx *c, const char *scope)
{
	for (size_t i = c->n_keys; i-- > 0;)
		if (!c->keys[i].retired && same_scope(c->keys[i].scope, scope))
			return &c->keys[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted copy of cases in the arena, each checked. */
static int copy_cases(plan_ctx *c, const char ***out, size_t *n, const char *const *cases,
		      size_t count)
{
	const char **v = cf_arena_alloc(c->arena, (count ? count : 1) * sizeof(*v));
	if (!v)
		return no_memory(c);
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		if (!cf_mlog_case_id_valid(cases[i]))
			return refuse(c, "crypt/access", NULL, "'%s' is not a case id", cases[i]);
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = strcmp(v[j], cases[i]) == 0;
		if (!dup)
			v[k++] = cases[i];
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*out = v;
	*n = k;
	return 0;
}

static int add_sim_member(plan_ctx *c, const cf_access_person *p, int fresh)
{
	sim_member *m = &c->members[c->n_members++];
	memset(m, 0, sizeof(*m));
	m->name = p->name;
	m->role = p->role;
	m->pub = p->pub;
	m->fresh = m->gained = m->changed = fresh;
	if (p->role == CF_ROLE_CASE) {
		if (p->n_cases == 0)
			return refuse(c, "crypt/access", "name the cases with --case ID",
				      "%s would have role case and no case", p->name);
		if (copy_cases(c, &m->cases, &m->n_cases, p->cases, p->n_cases) < 0)
			return -1;
	}
	if (p->role == CF_ROLE_ADMIN && !p->pub.has_sign)
		return refuse(c, "crypt/identity",
			      "they run `casefile keygen --upgrade` and give you the new line",
			      "%s cannot be an admin: their public key has no signing key (a "
			      "casefile-pub-1 line)",
			      p->name);
	return 0;
}

/* The active members of the log, as the simulation's starting point. */
static int load_members(plan_ctx *c)
{
	size_t n = cf_mlog_members(c->log);
	for (size_t i = 0; i < n; i++) {
		const cf_mlog_member *lm = cf_mlog_member_at(c->log, i);
		if (!lm->active)
			continue;
		sim_member *m = &c->members[c->n_members++];
		memset(m, 0, sizeof(*m));
		m->name = lm->name;
		m->role = lm->role;
		m->pub = lm->pub;
		m->cases = (const char **)lm->cases;
		m->n_cases = lm->n_cases;
	}
	return 0;
}

static int check_signer(plan_ctx *c)
{
	const cf_access_request *r = c->req;
	const cf_pubkeys *mine = cf_identity_public(r->signer_id);
	if (!cf_identity_can_sign(r->signer_id))
		return refuse(c, "crypt/identity",
			      "run `casefile keygen --upgrade`; an admin then records your signing "
			      "key (`casefile member role NAME admin --pubkey LINE`)",
			      "your identity has no signing key, so it cannot sign the member log");
	if (r->action == CF_ACT_GENESIS) {
		for (size_t i = 0; i < r->n_people; i++)
			if (strcmp(r->people[i].name, r->signer) == 0 &&
			    r->people[i].role == CF_ROLE_ADMIN &&
			    memcmp(r->people[i].pub.sign, mine->sign, CF_SIGNPUB_BYTES) == 0 &&
			    r->people[i].pub.has_sign)
				return 0;
		return refuse(c, "crypt/identity", NULL,
			      "the genesis must name its signer %s as an admin, with this "
			      "identity's keys",
			      r->signer);
	}
	const cf_mlog_member *s = cf_mlog_member_by_box(c->log, mine->box);
	if (!s)
		return refuse(c, "crypt/identity",
			      "an admin must make this change (`casefile member list` names them)",
			      "your identity is not a member of this repository");
	if (s->role != CF_ROLE_ADMIN || !s->pub.has_sign ||
	    memcmp(s->pub.sign, mine->sign, CF_SIGNPUB_BYTES) != 0)
		return refuse(c, "crypt/identity",
			      "an admin must make this change (`casefile member list` names them)",
			      "you are member %s of role %s: only an admin may change who holds "
			      "keys",
			      s->name, cf_role_name(s->role));
	c->req = r;
	return 0;
}

/* Applies the request to the simulated members. */
static int apply_request(plan_ctx *c)
{
	const cf_access_request *r = c->req;
	if (r->action == CF_ACT_GENESIS) {
		for (size_t i = 0; i < r->n_people; i++) {
			if (!cf_member_name_valid(r->people[i].name))
				return refuse(c, "crypt/access", NULL, "'%s' is not a member name",
					      r->people[i].name);
			if (sim_named(c, r->people[i].name))
				return refuse(c, "crypt/access", NULL, "%s is named twice",
					      r->people[i].name);
			if (add_sim_member(c, &r->people[i], 1) < 0)
				return -1;
		}
		return 0;
	}
	if (r->action == CF_ACT_ROTATE)
		return 0;
	if (!r->name || !cf_member_name_valid(r->name))
		return refuse(c, "crypt/access", NULL, "'%s' is not a member name",
			      r->name ? r->name : "");
	sim_member *m = sim_named(c, r->name);
	if (r->action == CF_ACT_ADD) {
		if (m)
			return refuse(c, "crypt/access",
				      "`casefile member remove` them first, or choose another name",
				      "%s is a member already", r->name);
		for (size_t i = 0; i < c->n_members; i++)
			if (memcmp(c->members[i].pub.box, r->pub->box, CF_PUBKEY_BYTES) == 0)
				return refuse(c, "crypt/access", NULL,
					      "this public key is member %s's already",
					      c->members[i].name);
		cf_access_person p = {r->name, r->role, *r->pub, r->cases, r->n_cases};
		return add_sim_member(c, &p, 1);
	}
	if (!m)
		return refuse(c, "crypt/access", "`casefile member list` shows the members",
			      "%s is not a member of this repository", r->name);
	if (r->action == CF_ACT_REMOVE) {
		size_t i = (size_t)(m - c->members);
		memmove(m, m + 1, (c->n_members - i - 1) * sizeof(*m));
		c->n_members--;
		for (size_t j = 0; j < c->n_members; j++)
			if (c->members[j].role == CF_ROLE_ADMIN)
				return 0;
		return refuse(c, "crypt/access", "make another member an admin first",
			      "%s is the last admin: after removing them nobody could change who "
			      "holds keys; nothing was changed",
			      r->name);
	}
	m->changed = 1;
	if (r->action == CF_ACT_ROLE) {
		cf_role old = m->role;
		int adds_sign = 0;
		if (r->pub && r->pub->has_sign) {
			if (memcmp(r->pub->box, m->pub.box, CF_PUBKEY_BYTES) != 0)
				return refuse(c, "crypt/access",
					      "to change a member's keys, remove and add them",
					      "the public key given is not %s's", r->name);
			if (m->pub.has_sign &&
			    memcmp(m->pub.sign, r->pub->sign, CF_SIGNPUB_BYTES) != 0)
				return refuse(c, "crypt/access",
					      "to change a member's keys, remove and add them",
					      "%s has another signing key already", r->name);
			adds_sign = !m->pub.has_sign;
			m->pub = *r->pub;
		}
		if (old == r->role && !adds_sign && (r->role != CF_ROLE_CASE || r->n_cases == 0))
			return refuse(c, "crypt/access", NULL, "%s has role %s already", r->name,
				      cf_role_name(old));
		m->role = r->role;
		if (r->role == CF_ROLE_CASE) {
			if (r->n_cases == 0)
				return refuse(c, "crypt/access", "name the cases with --case ID",
					      "role case needs the cases %s may read", r->name);
			if (copy_cases(c, &m->cases, &m->n_cases, r->cases, r->n_cases) < 0)
				return -1;
		} else {
			m->cases = NULL;
			m->n_cases = 0;
		}
		if (r->role == CF_ROLE_ADMIN && !m->pub.has_sign)
			return refuse(
			    c, "crypt/identity",
			    "give their casefile-pub-2 line with --pubkey LINE (they run "
			    "`casefile keygen --upgrade` first)",
			    "%s cannot be an admin: the log holds no signing key of theirs",
			    r->name);
		m->gained = old == CF_ROLE_CASE;
		return 0;
	}
	/* grant and revoke */
	if (m->role != CF_ROLE_CASE)
		return refuse(c, "crypt/access", NULL,
			      "%s is of role %s and reads every case: grant and revoke are for "
			      "members of role case",
			      r->name, cf_role_name(m->role));
	if (r->n_cases == 0)
		return refuse(c, "crypt/access", "name the cases with --case ID", "no case named");
	const char **v = cf_arena_alloc(c->arena, (m->n_cases + r->n_cases) * sizeof(*v));
	if (!v)
		return no_memory(c);
	size_t n = 0;
	if (r->action == CF_ACT_GRANT) {
		memcpy(v, m->cases, m->n_cases * sizeof(*v));
		n = m->n_cases;
		for (size_t i = 0; i < r->n_cases; i++) {
			if (!cf_mlog_case_id_valid(r->cases[i]))
				return refuse(c, "crypt/access", NULL, "'%s' is not a case id",
					      r->cases[i]);
			if (!sim_has_case(m, r->cases[i]))
				v[n++] = r->cases[i];
		}
		if (n == m->n_cases)
			return refuse(c, "crypt/access", NULL, "%s reads those cases already",
				      r->name);
		m->gained = 1;
	} else {
		for (size_t i = 0; i < r->n_cases; i++)
			if (!sim_has_case(m, r->cases[i]))
				return refuse(c, "crypt/access", NULL, "%s does not read case %s",
					      r->name, r->cases[i]);
		for (size_t i = 0; i < m->n_cases; i++) {
			int gone = 0;
			for (size_t j = 0; j < r->n_cases && !gone; j++)
				gone = strcmp(m->cases[i], r->cases[j]) == 0;
			if (!gone)
				v[n++] = m->cases[i];
		}
		if (n == 0)
			return refuse(c, "crypt/access",
				      "`casefile member remove` takes a member out altogether",
				      "%s would read no case", r->name);
	}
	qsort(v, n, sizeof(*v), cmp_str);
	m->cases = v;
	m->n_cases = n;
	return 0;
}

/* A new key for scope (copied into the arena), the scope's current key retired. */
static int new_key(plan_ctx *c, const char *scope)
{
	sim_key *old = sim_current(c, scope);
	if (old)
		old->retired = 1;
	cf_key *k = NULL;
	if (cf_key_generate(&k) != 0)
		return no_memory(c);
	cf_access_plan *p = c->out;
	cf_key **keys = realloc(p->new_keys, (p->n_new_keys + 1) * sizeof(*keys));
	char **scopes = keys ? realloc(p->new_scopes, (p->n_new_keys + 1) * sizeof(*scopes)) : NULL;
	if (keys)
		p->new_keys = keys;
	if (scopes)
		p->new_scopes = scopes;
	char *sc = scope ? cf_strdup(scope) : NULL;
	if (!keys || !scopes || (scope && !sc)) {
		free(sc);
		cf_key_free(k);
		return no_memory(c);
	}
	p->new_keys[p->n_new_keys] = k;
	p->new_scopes[p->n_new_keys] = sc;
	p->n_new_keys++;
	sim_key *s = &c->keys[c->n_keys++];
	memset(s, 0, sizeof(*s));
	memcpy(s->id, cf_key_id(k), CF_KEYID_BYTES);
	s->secret = k;
	s->scope = sc;
	s->is_new = 1;
	return 0;
}

/* The log's keys, and the request's rotations and new case keys. */
static int plan_keys(plan_ctx *c)
{
	const cf_access_request *r = c->req;
	if (r->action == CF_ACT_GENESIS) {
		for (size_t i = 0; i < r->n_keys; i++) {
			const cf_access_genesis_key *g = &r->keys[i];
			if (g->scope && !cf_mlog_case_id_valid(g->scope))
				return refuse(c, "crypt/access", NULL, "'%s' is not a case id",
					      g->scope);
			if (!g->retired) {
				sim_key *old = sim_current(c, g->scope);
				if (old)
					old->retired = 1;
			}
			sim_key *s = &c->keys[c->n_keys++];
			memset(s, 0, sizeof(*s));
			memcpy(s->id, cf_key_id(g->key), CF_KEYID_BYTES);
			s->secret = g->key;
			s->scope = g->scope;
			s->retired = g->retired;
			s->is_new = 1;
		}
		if (!sim_current(c, NULL) && new_key(c, NULL) < 0)
			return -1;
	} else {
		size_t n = cf_mlog_keys(c->log);
		for (size_t i = 0; i < n; i++) {
			const cf_mlog_key *lk = cf_mlog_key_at(c->log, i);
			sim_key *s = &c->keys[c->n_keys++];
			memset(s, 0, sizeof(*s));
			memcpy(s->id, lk->id, CF_KEYID_BYTES);
			s->secret = cf_keyring_find(c->ring, lk->id);
			s->log_index = i;
			s->scope = lk->scope;
			s->retired = lk->retired;
		}
		/* Rotate what was asked, and every current key held by someone who may not hold it
		 * after the change (the log would refuse the entry otherwise). */
		size_t before = c->n_keys;
		for (size_t i = 0; i < before; i++) {
			sim_key *k = &c->keys[i];
			if (k->retired)
				continue;
			int rotate = r->action == CF_ACT_ROTATE && r->rotate_all;
			for (size_t j = 0; j < r->n_scopes && !rotate; j++)
				rotate = same_scope(r->scopes[j], k->scope);
			size_t ns = cf_mlog_seals(c->log);
			for (size_t j = 0; j < ns && !rotate; j++) {
				const cf_mlog_seal *s = cf_mlog_seal_at(c->log, j);
				if (s->key != k->log_index)
					continue;
				const sim_member *m = sim_named(c, s->member);
				rotate = !m || m->fresh || !sim_allowed(m, k);
			}
			if (rotate && new_key(c, k->scope) < 0)
				return -1;
		}
		if (r->action == CF_ACT_ROTATE && r->n_scopes)
			for (size_t j = 0; j < r->n_scopes; j++)
				if (r->scopes[j] && !sim_current(c, r->scopes[j]))
					return refuse(c, "crypt/access", NULL,
						      "case %s has no key of its own to rotate",
						      r->scopes[j]);
	}
	/* A case member's case without a key of its own gets one: never the repository key. */
	for (size_t i = 0; i < c->n_members; i++) {
		const sim_member *m = &c->members[i];
		for (size_t j = 0; m->role == CF_ROLE_CASE && j < m->n_cases; j++)
			if (!sim_current(c, m->cases[j]) && new_key(c, m->cases[j]) < 0)
				return -1;
	}
	return 0;
}

static int note_seal(plan_ctx *c, const sim_key *k, const char *member)
{
	cf_access_plan *p = c->out;
	cf_access_seal_made *s = realloc(p->seals, (p->n_seals + 1) * sizeof(*s));
	if (!s)
		return no_memory(c);
	p->seals = s;
	memcpy(s[p->n_seals].key, k->id, CF_KEYID_BYTES);
	if (!(s[p->n_seals].member = cf_strdup(member)))
		return no_memory(c);
	p->n_seals++;
	return 0;
}

/* Which seals the entry makes: every current key to every member who may hold it and has no
 * seal of it, and retired keys to members who gained access. */
static int plan_seals(plan_ctx *c, cf_mlog_draft_seal *seals, size_t *n_seals)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_members; i++) {
		const sim_member *m = &c->members[i];
		for (size_t j = 0; j < c->n_keys; j++) {
			const sim_key *k = &c->keys[j];
			if (!sim_allowed(m, k))
				continue;
			int has = !k->is_new && !m->fresh &&
				  cf_mlog_seal_for(c->log, k->log_index, m->name) != NULL;
			if (has || (k->retired && !m->gained && !k->is_new))
				continue;
			if (!k->secret) {
				char hex[CF_KEYID_HEX_BYTES];
				cf_keyid_hex(hex, k->id);
				if (!k->retired)
					return refuse(
					    c, "crypt/no-key",
					    "run it in a clone that holds every key "
					    "(`casefile unlock` installs those sealed to you)",
					    "this clone does not hold key %s, so it cannot "
					    "seal it to %s; nothing was changed",
					    hex, m->name);
				cf_buf note = CF_BUF_INIT;
				cf_buf_printf(&note, "%s %s", hex, m->name);
				int bad = cf_buf_oom(&note) ||
					  cf_strlist_add(&c->out->not_sealed, note.ptr) < 0;
				cf_buf_free(&note);
				if (bad)
					return no_memory(c);
				continue;
			}
			seals[n].key = k->secret;
			seals[n].member = m->name;
			seals[n].box = m->pub.box;
			n++;
			if (note_seal(c, k, m->name) < 0)
				return -1;
		}
	}
	*n_seals = n;
	return 0;
}

void cf_access_plan_free(cf_access_plan *p)
{
	if (!p)
		return;
	cf_buf_free(&p->log);
	cf_mlog_free(p->verified);
	for (size_t i = 0; i < p->n_new_keys; i++) {
		cf_key_free(p->new_keys[i]);
		free(p->new_scopes[i]);
	}
	free(p->new_keys);
	free(p->new_scopes);
	for (size_t i = 0; i < p->n_seals; i++)
		free(p->seals[i].member);
	free(p->seals);
	cf_strlist_free(&p->not_sealed);
	memset(p, 0, sizeof(*p));
}

int cf_access_plan_make(cf_access_plan *out, const cf_mlog *log, const cf_access_request *req,
			const cf_keyring *ring, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	plan_ctx c;
	memset(&c, 0, sizeof(c));
	c.log = log;
	c.req = req;
	c.ring = ring;
	c.diags = diags;
	c.out = out;
	int genesis = req->action == CF_ACT_GENESIS;
	if (genesis != (cf_mlog_entries(log) == 0)) {
		cf_diags_add(diags, CF_SEV_ERROR, CF_MLOG_PATH, 0, 0, "crypt/access",
			     genesis ? "the member log has entries already"
				     : "the repository has no member log yet (`casefile init`, or "
				       "`casefile upgrade` for a repository made before it)");
		return -1;
	}
	size_t most_members = cf_mlog_members(log) + req->n_people + 1;
	/* Every key of the log, the genesis' keys, one new key per scope rotated (at most one
	 * per current key) and per case of a case member. */
	size_t most_keys = 2 * cf_mlog_keys(log) + req->n_keys + 2;
	for (size_t i = 0; i < cf_mlog_members(log); i++)
		most_keys += cf_mlog_member_at(log, i)->n_cases;
	for (size_t i = 0; i < req->n_people; i++)
		most_keys += req->people[i].n_cases;
	most_keys += req->n_cases;
	cf_mlog_draft_seal *seals = NULL;
	cf_mlog_draft_key *dkeys = NULL;
	cf_mlog_draft_member *dmembers = NULL;
	int rc = -1;
	if (cf_arena_new(&c.arena, 0) < 0 ||
	    !(c.members = calloc(most_members, sizeof(*c.members))) ||
	    !(c.keys = calloc(most_keys, sizeof(*c.keys)))) {
		no_memory(&c);
		goto out;
	}
	if ((!genesis && load_members(&c) < 0) || check_signer(&c) < 0 || apply_request(&c) < 0 ||
	    plan_keys(&c) < 0)
		goto out;
	seals = calloc(c.n_members * c.n_keys + 1, sizeof(*seals));
	dkeys = calloc(out->n_new_keys + req->n_keys + 1, sizeof(*dkeys));
	dmembers = calloc(c.n_members + 1, sizeof(*dmembers));
	if (!seals || !dkeys || !dmembers) {
		no_memory(&c);
		goto out;
	}
	size_t n_seals = 0, n_dkeys = 0, n_dmembers = 0;
	if (plan_seals(&c, seals, &n_seals) < 0)
		goto out;
	/* The key lines: the genesis' keys in order, then every key the plan made. */
	for (size_t i = 0; i < c.n_keys; i++) {
		if (!c.keys[i].is_new)
			continue;
		dkeys[n_dkeys].key = c.keys[i].secret;
		dkeys[n_dkeys].scope = c.keys[i].scope;
		n_dkeys++;
	}
	for (size_t i = 0; i < c.n_members; i++) {
		const sim_member *m = &c.members[i];
		if (!m->changed)
			continue;
		cf_mlog_draft_member *d = &dmembers[n_dmembers++];
		d->name = m->name;
		d->role = m->role;
		d->pub = m->pub;
		d->cases = m->cases;
		d->n_cases = m->n_cases;
	}
	const char *removed[1] = {req->name};
	cf_mlog_draft draft = {req->action, req->date,	dmembers,
			       n_dmembers,  removed,	req->action == CF_ACT_REMOVE ? 1 : 0,
			       dkeys,	    n_dkeys,	seals,
			       n_seals,	    req->signer};
	if (cf_mlog_append(&out->log, log, &draft, req->signer_id) != 0) {
		no_memory(&c);
		goto out;
	}
	/* What the plan wrote must verify as every clone and the server will verify it. */
	if (cf_mlog_load(&out->verified, out->log.ptr, out->log.len, CF_MLOG_PATH, diags) != 0)
		goto out;
	rc = 0;
out:
	free(seals);
	free(dkeys);
	free(dmembers);
	free(c.members);
	free(c.keys);
	cf_arena_free(c.arena);
	if (rc != 0)
		cf_access_plan_free(out);
	return rc;
}
