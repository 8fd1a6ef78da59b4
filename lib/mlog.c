#include "mlog.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "keys.h"
#include "keytext.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define MAX_FIELDS 8
#define MAX_LINE 4096

/* ---- names ---- */

static const char *const role_names[] = {"admin", "member", "case"};
static const char *const action_names[] = {"genesis", "add",	"remove", "role",
					   "grant",   "revoke", "rotate"};

const char *cf_role_name(cf_role r)
{
	return (unsigned)r < 3 ? role_names[r] : "?";
}

int cf_role_parse(cf_role *out, const char *s)
{
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (cf_role)i;
			return 0;
		}
	return -1;
}

const char *cf_action_name(cf_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(*action_names) ? action_names[a] : "?";
}

static int action_parse(cf_action *out, const char *s)
{
	for (unsigned i = 0; i < sizeof(action_names) / sizeof(*action_names); i++)
		if (strcmp(s, action_names[i]) == 0) {
			*out = (cf_action)i;
			return 0;
		}
	return -1;
}

int cf_mlog_case_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > CF_MLOG_CASE_MAX || id[0] == '.')
		return 0;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* ---- the parsed entries ---- */

typedef struct pmember {
	const char *name;
	cf_role role;
	cf_pubkeys pub;
	const char **cases;
	size_t n_cases;
	unsigned line;
} pmember;

typedef struct pname {
	const char *name;
	unsigned line;
} pname;

typedef struct pkey {
	unsigned char id[CF_KEYID_BYTES];
	unsigned char commitment[CF_KEY_COMMIT_BYTES];
	const char *scope;
	unsigned line;
} pkey;

typedef struct pseal {
	unsigned char key[CF_KEYID_BYTES];
	const char *member;
	const char *sealed;
	unsigned line;
} pseal;

typedef struct entry {
	unsigned seq;
	int has_prev;
	unsigned char prev[CF_HASH_BYTES];
	const char *date;
	cf_action action;
	unsigned action_line;
	pmember *members;
	size_t n_members, cap_members;
	pname *removed;
	size_t n_removed, cap_removed;
	pkey *keys;
	size_t n_keys, cap_keys;
	pseal *seals;
	size_t n_seals, cap_seals;
	const char *signer;
	unsigned signer_line;
	unsigned char sig[CF_SIGNATURE_BYTES];
	size_t start, signed_end, end; /* offsets in the text */
	unsigned line, sig_line;
	unsigned char hash[CF_HASH_BYTES];
} entry;

struct cf_mlog {
	char *text; /* a copy, NUL-terminated */
	size_t len;
	cf_arena *arena;
	entry *entries;
	size_t n, cap;
	cf_mlog_member *members;
	size_t n_members, cap_members;
	cf_mlog_key *keys;
	size_t n_keys, cap_keys;
	cf_mlog_seal *seals;
	size_t n_seals, cap_seals;
	/* while loading */
	const char *path;
	cf_diags *diags;
};

/* Grows an array of *cap elements of size bytes to hold one more; 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, c * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

#define GROW(arr, cap, n) grow((void **)&(arr), &(cap), (n), sizeof(*(arr)))

static void entry_free(entry *e)
{
	free(e->members);
	free(e->removed);
	free(e->keys);
	free(e->seals);
}

void cf_mlog_free(cf_mlog *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_free(&m->entries[i]);
	free(m->entries);
	free(m->members);
	free(m->keys);
	free(m->seals);
	cf_arena_free(m->arena);
	free(m->text);
	free(m);
}

/* ---- diagnostics ---- */

static int bad(cf_mlog *m, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One crypt/untrusted error at line; returns -1. */
static int bad(cf_mlog *m, unsigned line, const char *fmt, ...)
{
	if (!m->diags)
		return -1;
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (cf_buf_oom(&msg)) {
		m->diags->oom = 1;
	} else {
		cf_diag *d = cf_diags_add(m->diags, CF_SEV_ERROR, m->path, line, line ? 1 : 0,
					  "crypt/untrusted", "%s", msg.ptr);
		cf_diag_hint(
		    m->diags, d,
		    "the member log decides who may read what, and nothing of it is used "
		    "until it verifies: restore .casefile/members.log from a commit you "
		    "trust (`git checkout ORIGIN/main -- .casefile/members.log`), and tell "
		    "an administrator (`casefile explain crypt/untrusted`)");
	}
	cf_buf_free(&msg);
	return -1;
}

static int oom(cf_mlog *m)
{
	if (m->diags)
		m->diags->oom = 1;
	return -1;
}

/* ---- lexing ---- */

typedef struct lexer {
	const char *text, *end, *p;
	unsigned no;
	size_t line_start;
} lexer;

/* The next line (without its newline); 1, or 0 at the end.  A line must end in a newline:
 * -1 when the last does not. */
static int next_line(lexer *lx, const char **s, size_t *n)
{
	if (lx->p >= lx->end)
		return 0;
	const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
	if (!nl)
		return -1;
	lx->line_start = (size_t)(lx->p - lx->text);
	*s = lx->p;
	*n = (size_t)(nl - lx->p);
	lx->p = nl + 1;
	lx->no++;
	return 1;
}

/* Splits a line at single spaces into NUL-terminated copies in the arena: the number of
 * fields, or -1 for an empty field or too many. */
static int split(cf_mlog *m, const char *s, size_t n, char **f, size_t max)
{
	size_t k = 0, i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && s[j] != ' ')
			j++;
		if (j == i || k == max)
			return -1;
		f[k] = cf_arena_strndup(m->arena, s + i, j - i);
		if (!f[k])
			return -2;
		k++;
		i = j + 1;
	}
	return (int)k;
}

static int b64_exact(unsigned char *out, size_t want, const char *s)
{
	return cf_keytext_b64(out, want, s, strlen(s));
}

static int hex_hash(unsigned char out[CF_HASH_BYTES], const char *s)
{
	size_t got = 0;
	const char *end = NULL;
	size_t n = strlen(s);
	if (n != 2 * CF_HASH_BYTES || strspn(s, "0123456789abcdef") != n)
		return -1;
	return sodium_hex2bin(out, CF_HASH_BYTES, s, n, NULL, &got, &end) == 0 &&
		       got == CF_HASH_BYTES
		   ? 0
		   : -1;
}

static int keyid_lower(unsigned char id[CF_KEYID_BYTES], const char *s)
{
	return strspn(s, "0123456789abcdef") == strlen(s) && cf_keyid_parse(id, s) == 0 ? 0 : -1;
}

static int date_valid(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	return 1;
}

static int seq_parse(unsigned *out, const char *s)
{
	unsigned long long v;
	if (cf_keytext_u64(&v, s, strlen(s)) != 0 || v > 1000000 || (s[0] == '0' && s[1]))
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "member NAME ROLE BOX SIGN|- CASES|-" */
static int parse_member(cf_mlog *m, entry *e, char **f, int nf, unsigned line)
{
	if (nf != 6)
		return bad(m, line, "a member line is 'member NAME ROLE BOX SIGN CASES'");
	pmember pm;
	memset(&pm, 0, sizeof(pm));
	pm.name = f[1];
	pm.line = line;
	if (!cf_member_name_valid(pm.name))
		return bad(m, line, "'%s' is not a member name", pm.name);
	if (cf_role_parse(&pm.role, f[2]) != 0)
		return bad(m, line, "'%s' is not a role (admin, member, case)", f[2]);
	if (b64_exact(pm.pub.box, CF_PUBKEY_BYTES, f[3]) != 0)
		return bad(m, line, "the public key of %s is not 32 bytes in base64", pm.name);
	if (strcmp(f[4], "-") != 0) {
		if (b64_exact(pm.pub.sign, CF_SIGNPUB_BYTES, f[4]) != 0)
			return bad(m, line, "the signing key of %s is not 32 bytes in base64",
				   pm.name);
		pm.pub.has_sign = 1;
	}
	if (pm.role == CF_ROLE_ADMIN && !pm.pub.has_sign)
		return bad(m, line, "%s is an admin without a signing key", pm.name);
	if (strcmp(f[5], "-") != 0) {
		if (pm.role != CF_ROLE_CASE)
			return bad(m, line, "only a member of role case has cases");
		size_t n = 1;
		for (const char *p = f[5]; *p; p++)
			n += *p == ',';
		pm.cases = cf_arena_alloc(m->arena, n * sizeof(*pm.cases));
		if (!pm.cases)
			return oom(m);
		char *save = NULL;
		for (char *t = strtok_r(f[5], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!cf_mlog_case_id_valid(t))
				return bad(m, line, "'%s' is not a case id", t);
			pm.cases[pm.n_cases++] = t;
		}
		if (pm.n_cases != n)
			return bad(m, line, "the cases of %s are not a list of case ids", pm.name);
		qsort(pm.cases, pm.n_cases, sizeof(*pm.cases), cmp_str);
		for (size_t i = 1; i < pm.n_cases; i++)
			if (strcmp(pm.cases[i - 1], pm.cases[i]) == 0)
				return bad(m, line, "case %s is named twice", pm.cases[i]);
	} else if (pm.role == CF_ROLE_CASE) {
		return bad(m, line, "%s has role case and no case", pm.name);
	}
	for (size_t i = 0; i < e->n_members; i++)
		if (strcmp(e->members[i].name, pm.name) == 0)
			return bad(m, line, "%s has two member lines", pm.name);
	if (GROW(e->members, e->cap_members, e->n_members) < 0)
		return oom(m);
	e->members[e->n_members++] = pm;
	return 0;
}

static int parse_key(cf_mlog *m, entry *e, char **f, int nf, unsigned line)
{
	if (nf != 4)
		return bad(m, line, "a key line is 'key KEYID SCOPE COMMITMENT'");
	pkey k;
	memset(&k, 0, sizeof(k));
	k.line = line;
	if (keyid_lower(k.id, f[1]) != 0)
		return bad(m, line, "'%s' is not a key id (16 hex digits)", f[1]);
	if (strcmp(f[2], "repository") == 0) {
		k.scope = NULL;
	} else if (strncmp(f[2], "case:", 5) == 0 && cf_mlog_case_id_valid(f[2] + 5)) {
		k.scope = f[2] + 5;
	} else {
		return bad(m, line, "'%s' is not a key scope (repository, or case:ID)", f[2]);
	}
	if (b64_exact(k.commitment, CF_KEY_COMMIT_BYTES, f[3]) != 0)
		return bad(m, line, "the commitment of key %s is not 32 bytes in base64", f[1]);
	for (size_t i = 0; i < e->n_keys; i++) {
		if (memcmp(e->keys[i].id, k.id, CF_KEYID_BYTES) == 0)
			return bad(m, line, "key %s is made twice", f[1]);
	}
	if (GROW(e->keys, e->cap_keys, e->n_keys) < 0)
		return oom(m);
	e->keys[e->n_keys++] = k;
	return 0;
}

static int parse_seal(cf_mlog *m, entry *e, char **f, int nf, unsigned line)
{
	if (nf != 4)
		return bad(m, line, "a seal line is 'seal KEYID NAME SEALED'");
	pseal s;
	memset(&s, 0, sizeof(s));
	s.line = line;
	unsigned char sealed[CF_SEALED_BYTES];
	if (keyid_lower(s.key, f[1]) != 0)
		return bad(m, line, "'%s' is not a key id (16 hex digits)", f[1]);
	if (!cf_member_name_valid(f[2]))
		return bad(m, line, "'%s' is not a member name", f[2]);
	if (b64_exact(sealed, sizeof(sealed), f[3]) != 0)
		return bad(m, line, "the sealed key is not %d bytes in base64", CF_SEALED_BYTES);
	s.member = f[2];
	s.sealed = f[3];
	for (size_t i = 0; i < e->n_seals; i++)
		if (memcmp(e->seals[i].key, s.key, CF_KEYID_BYTES) == 0 &&
		    strcmp(e->seals[i].member, s.member) == 0)
			return bad(m, line, "key %s is sealed to %s twice", f[1], s.member);
	if (GROW(e->seals, e->cap_seals, e->n_seals) < 0)
		return oom(m);
	e->seals[e->n_seals++] = s;
	return 0;
}

/* The order the kinds of line come in; a line of an earlier kind after a later one is out of
 * order. */
enum { K_MEMBER, K_REMOVED, K_KEY, K_SEAL, K_SIGNER };

/* Parses one entry, the lexer on its "entry" line (already read: s, n). */
static int parse_entry(cf_mlog *m, lexer *lx, entry *e, const char *s, size_t n)
{
	char *f[MAX_FIELDS];
	int nf;
	e->start = lx->line_start;
	e->line = lx->no;
#define FIELDS()                                                                                   \
	do {                                                                                       \
		if (n > MAX_LINE)                                                                  \
			return bad(m, lx->no, "a line longer than %d bytes", MAX_LINE);            \
		nf = split(m, s, n, f, MAX_FIELDS);                                                \
		if (nf == -2)                                                                      \
			return oom(m);                                                             \
		if (nf < 1)                                                                        \
			return bad(m, lx->no, "a line with an empty field or too many");           \
	} while (0)
#define NEXT(what)                                                                                 \
	do {                                                                                       \
		int r_ = next_line(lx, &s, &n);                                                    \
		if (r_ < 0)                                                                        \
			return bad(m, lx->no + 1, "the log does not end with a newline");          \
		if (r_ == 0)                                                                       \
			return bad(m, lx->no + 1, "the log ends where %s was expected", what);     \
	} while (0)
	FIELDS();
	if (nf != 2 || strcmp(f[0], "entry") != 0 || seq_parse(&e->seq, f[1]) != 0)
		return bad(m, lx->no, "expected 'entry N'");
	NEXT("'prev'");
	FIELDS();
	if (nf != 2 || strcmp(f[0], "prev") != 0)
		return bad(m, lx->no, "expected 'prev HASH' (or 'prev none')");
	if (strcmp(f[1], "none") != 0) {
		if (hex_hash(e->prev, f[1]) != 0)
			return bad(m, lx->no, "the previous entry's hash must be 64 hex digits");
		e->has_prev = 1;
	}
	NEXT("'date'");
	FIELDS();
	if (nf != 2 || strcmp(f[0], "date") != 0 || !date_valid(f[1]))
		return bad(m, lx->no, "expected 'date YYYY-MM-DDTHH:MM:SSZ'");
	e->date = f[1];
	NEXT("'action'");
	FIELDS();
	if (nf != 2 || strcmp(f[0], "action") != 0 || action_parse(&e->action, f[1]) != 0)
		return bad(m, lx->no,
			   "expected 'action ACTION' (genesis, add, remove, role, grant, revoke, "
			   "rotate)");
	e->action_line = lx->no;
	int kind = K_MEMBER;
	for (;;) {
		NEXT("'signer'");
		FIELDS();
		int k = strcmp(f[0], "member") == 0    ? K_MEMBER
			: strcmp(f[0], "removed") == 0 ? K_REMOVED
			: strcmp(f[0], "key") == 0     ? K_KEY
			: strcmp(f[0], "seal") == 0    ? K_SEAL
			: strcmp(f[0], "signer") == 0  ? K_SIGNER
						       : -1;
		if (k < 0)
			return bad(m, lx->no, "'%s' is not a line of a member log entry", f[0]);
		if (k < kind)
			return bad(m, lx->no,
				   "'%s' out of order (member, removed, key, seal lines, then "
				   "signer)",
				   f[0]);
		kind = k;
		int rc = 0;
		if (k == K_MEMBER) {
			rc = parse_member(m, e, f, nf, lx->no);
		} else if (k == K_REMOVED) {
			if (nf != 2 || !cf_member_name_valid(f[1]))
				return bad(m, lx->no, "expected 'removed NAME'");
			for (size_t i = 0; i < e->n_removed; i++)
				if (strcmp(e->removed[i].name, f[1]) == 0)
					return bad(m, lx->no, "%s is removed twice", f[1]);
			if (GROW(e->removed, e->cap_removed, e->n_removed) < 0)
				return oom(m);
			e->removed[e->n_removed++] = (pname){f[1], lx->no};
		} else if (k == K_KEY) {
			rc = parse_key(m, e, f, nf, lx->no);
		} else if (k == K_SEAL) {
			rc = parse_seal(m, e, f, nf, lx->no);
		} else {
			if (nf != 2 || !cf_member_name_valid(f[1]))
				return bad(m, lx->no, "expected 'signer NAME'");
			e->signer = f[1];
			e->signer_line = lx->no;
			break;
		}
		if (rc < 0)
			return rc;
	}
	e->signed_end = (size_t)(lx->p - lx->text);
	NEXT("'signature'");
	FIELDS();
	if (nf != 2 || strcmp(f[0], "signature") != 0 ||
	    b64_exact(e->sig, CF_SIGNATURE_BYTES, f[1]) != 0)
		return bad(m, lx->no, "expected 'signature SIG' (64 bytes in base64)");
	e->sig_line = lx->no;
	e->end = (size_t)(lx->p - lx->text);
#undef FIELDS
#undef NEXT
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, CF_HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)CF_MLOG_HASH_DOMAIN,
				  sizeof(CF_MLOG_HASH_DOMAIN));
	crypto_generichash_update(&st, (const unsigned char *)m->text + e->start,
				  e->end - e->start);
	crypto_generichash_final(&st, e->hash, CF_HASH_BYTES);
	return 0;
}

/* ---- the state ---- */

static cf_mlog_member *member_named(cf_mlog *m, const char *name)
{
	for (size_t i = 0; i < m->n_members; i++)
		if (strcmp(m->members[i].name, name) == 0)
			return &m->members[i];
	return NULL;
}

static cf_mlog_key *key_by_id(cf_mlog *m, const unsigned char *id)
{
	for (size_t i = 0; i < m->n_keys; i++)
		if (memcmp(m->keys[i].id, id, CF_KEYID_BYTES) == 0)
			return &m->keys[i];
	return NULL;
}

static int same_scope(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static cf_mlog_key *current_of_scope(cf_mlog *m, const char *scope)
{
	for (size_t i = 0; i < m->n_keys; i++)
		if (!m->keys[i].retired && same_scope(m->keys[i].scope, scope))
			return &m->keys[i];
	return NULL;
}

static int has_case(const cf_mlog_member *mem, const char *id)
{
	for (size_t i = 0; i < mem->n_cases; i++)
		if (strcmp(mem->cases[i], id) == 0)
			return 1;
	return 0;
}

int cf_mlog_allowed(const cf_mlog_member *mem, const cf_mlog_key *key)
{
	if (!mem || !mem->active || !key)
		return 0;
	if (mem->role != CF_ROLE_CASE)
		return 1;
	return key->scope && has_case(mem, key->scope);
}

static const char *scope_label(cf_buf *b, const cf_mlog_key *k)
{
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, k->id);
	cf_buf_clear(b);
	if (k->scope)
		cf_buf_printf(b, "key %s (case %s)", hex, k->scope);
	else
		cf_buf_printf(b, "key %s (the repository key)", hex);
	return cf_buf_cstr(b);
}

static int same_pub(const cf_pubkeys *a, const cf_pubkeys *b)
{
	return memcmp(a->box, b->box, CF_PUBKEY_BYTES) == 0 && a->has_sign == b->has_sign &&
	       (!a->has_sign || memcmp(a->sign, b->sign, CF_SIGNPUB_BYTES) == 0);
}

/* Cases b holds all of a's (a <= b), both sorted. */
static int cases_subset(const cf_mlog_member *a, const pmember *b)
{
	for (size_t i = 0; i < a->n_cases; i++) {
		int found = 0;
		for (size_t j = 0; j < b->n_cases && !found; j++)
			found = strcmp(a->cases[i], b->cases[j]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

static int cases_subset_rev(const pmember *a, const cf_mlog_member *b)
{
	for (size_t i = 0; i < a->n_cases; i++)
		if (!has_case(b, a->cases[i]))
			return 0;
	return 1;
}

static void set_member(cf_mlog_member *t, const pmember *pm)
{
	t->role = pm->role;
	t->pub = pm->pub;
	t->cases = pm->cases;
	t->n_cases = pm->n_cases;
	t->line = pm->line;
}

/* The action's own rules, and the member lines applied. */
static int apply_members(cf_mlog *m, const entry *e)
{
	unsigned L = e->action_line;
	const char *act = cf_action_name(e->action);
	switch (e->action) {
	case CF_ACT_GENESIS:
		if (e->n_members == 0)
			return bad(m, L, "the genesis entry names no member");
		if (e->n_removed)
			return bad(m, e->removed[0].line, "the genesis entry removes nobody");
		break;
	case CF_ACT_ADD:
	case CF_ACT_ROLE:
	case CF_ACT_GRANT:
	case CF_ACT_REVOKE:
		if (e->n_members != 1 || e->n_removed)
			return bad(m, L, "an entry of action %s has one member line and no other",
				   act);
		break;
	case CF_ACT_REMOVE:
		if (e->n_removed != 1 || e->n_members)
			return bad(m, L,
				   "an entry of action remove has one removed line and no "
				   "member line");
		break;
	case CF_ACT_ROTATE:
		if (e->n_members || e->n_removed)
			return bad(m, L, "an entry of action rotate changes no member");
		if (e->n_keys == 0)
			return bad(m, L, "an entry of action rotate makes a key");
		break;
	}
	for (size_t i = 0; i < e->n_members; i++) {
		const pmember *pm = &e->members[i];
		cf_mlog_member *t = member_named(m, pm->name);
		int adding = e->action == CF_ACT_GENESIS || e->action == CF_ACT_ADD;
		if (adding) {
			if (t && t->active)
				return bad(m, pm->line, "%s is a member already", pm->name);
			for (size_t j = 0; j < m->n_members; j++) {
				const cf_mlog_member *o = &m->members[j];
				if (o->active &&
				    (memcmp(o->pub.box, pm->pub.box, CF_PUBKEY_BYTES) == 0 ||
				     (o->pub.has_sign && pm->pub.has_sign &&
				      memcmp(o->pub.sign, pm->pub.sign, CF_SIGNPUB_BYTES) == 0)))
					return bad(m, pm->line,
						   "the public key of %s is member %s's already",
						   pm->name, o->name);
			}
			if (!t) {
				if (GROW(m->members, m->cap_members, m->n_members) < 0)
					return oom(m);
				t = &m->members[m->n_members++];
				memset(t, 0, sizeof(*t));
				t->name = pm->name;
			}
			set_member(t, pm);
			t->active = 1;
			t->since = e->seq;
			t->added_by = e->signer;
			continue;
		}
		if (!t || !t->active)
			return bad(m, pm->line, "%s is not a member", pm->name);
		if (memcmp(t->pub.box, pm->pub.box, CF_PUBKEY_BYTES) != 0 ||
		    (t->pub.has_sign && !same_pub(&t->pub, &pm->pub)))
			return bad(m, pm->line,
				   "the public keys of %s cannot change (remove and add them with "
				   "the new keys)",
				   pm->name);
		if (e->action == CF_ACT_ROLE) {
			if (t->role == pm->role && same_pub(&t->pub, &pm->pub))
				return bad(m, pm->line, "the role of %s does not change", pm->name);
		} else {
			if (t->role != CF_ROLE_CASE || pm->role != CF_ROLE_CASE)
				return bad(m, pm->line,
					   "%s grants and revokes the cases of a member "
					   "of role case",
					   act);
			int grows = cases_subset(t, pm) && pm->n_cases > t->n_cases;
			int shrinks = cases_subset_rev(pm, t) && pm->n_cases < t->n_cases;
			if (e->action == CF_ACT_GRANT ? !grows : !shrinks)
				return bad(m, pm->line, "%s must %s cases of %s", act,
					   e->action == CF_ACT_GRANT ? "add" : "take away",
					   pm->name);
		}
		set_member(t, pm);
	}
	for (size_t i = 0; i < e->n_removed; i++) {
		cf_mlog_member *t = member_named(m, e->removed[i].name);
		if (!t || !t->active)
			return bad(m, e->removed[i].line, "%s is not a member", e->removed[i].name);
		t->active = 0;
	}
	return 0;
}

static int apply_keys(cf_mlog *m, const entry *e)
{
	int repo = 0;
	for (size_t i = 0; i < e->n_keys; i++) {
		const pkey *pk = &e->keys[i];
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, pk->id);
		if (key_by_id(m, pk->id))
			return bad(m, pk->line, "key %s was made before", hex);
		cf_mlog_key *old = current_of_scope(m, pk->scope);
		if (old) {
			old->retired = 1;
			old->retired_at = e->seq;
		}
		if (GROW(m->keys, m->cap_keys, m->n_keys) < 0)
			return oom(m);
		cf_mlog_key *k = &m->keys[m->n_keys++];
		memset(k, 0, sizeof(*k));
		memcpy(k->id, pk->id, CF_KEYID_BYTES);
		memcpy(k->commitment, pk->commitment, CF_KEY_COMMIT_BYTES);
		k->scope = pk->scope;
		k->created = e->seq;
		repo |= !pk->scope;
	}
	if (e->action == CF_ACT_GENESIS && !repo)
		return bad(m, e->action_line, "the genesis entry makes no repository key");
	if (e->action != CF_ACT_GENESIS && !current_of_scope(m, NULL))
		return bad(m, e->action_line, "no repository key");
	return 0;
}

static int apply_seals(cf_mlog *m, const entry *e)
{
	cf_buf label = CF_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < e->n_seals && rc == 0; i++) {
		const pseal *ps = &e->seals[i];
		cf_mlog_key *k = key_by_id(m, ps->key);
		const cf_mlog_member *mem = member_named(m, ps->member);
		char hex[CF_KEYID_HEX_BYTES];
		cf_keyid_hex(hex, ps->key);
		if (!k) {
			rc = bad(m, ps->line, "key %s is sealed but the log never made it", hex);
		} else if (!mem || !mem->active) {
			rc = bad(m, ps->line, "%s is sealed to %s, who is not a member",
				 scope_label(&label, k), ps->member);
		} else if (!cf_mlog_allowed(mem, k)) {
			rc = bad(m, ps->line, "%s is sealed to %s, whose role does not allow it",
				 scope_label(&label, k), ps->member);
		} else if (cf_mlog_seal_for(m, (size_t)(k - m->keys), ps->member)) {
			rc = bad(m, ps->line, "%s is sealed to %s again", scope_label(&label, k),
				 ps->member);
		} else if (GROW(m->seals, m->cap_seals, m->n_seals) < 0) {
			rc = oom(m);
		} else {
			cf_mlog_seal *s = &m->seals[m->n_seals++];
			s->key = (size_t)(k - m->keys);
			s->member = ps->member;
			s->sealed = ps->sealed;
			s->entry = e->seq;
			s->line = ps->line;
		}
	}
	cf_buf_free(&label);
	return rc;
}

/* What must hold after every entry (see mlog.h). */
static int invariants(cf_mlog *m, const entry *e)
{
	cf_buf label = CF_BUF_INIT;
	int admins = 0, rc = 0;
	for (size_t i = 0; i < m->n_members; i++)
		admins += m->members[i].active && m->members[i].role == CF_ROLE_ADMIN;
	if (!admins)
		rc = bad(m, e->action_line, "after this entry no member is an admin");
	/* (a) no current key is held by anyone who may not hold it now. */
	for (size_t i = 0; i < m->n_seals && rc == 0; i++) {
		const cf_mlog_seal *s = &m->seals[i];
		const cf_mlog_key *k = &m->keys[s->key];
		if (k->retired)
			continue;
		const cf_mlog_member *mem = member_named(m, s->member);
		if (!mem || !mem->active || s->entry < mem->since)
			rc = bad(m, e->action_line,
				 "%s is still the current key, but it was sealed to %s, who is no "
				 "longer a member: the entry must rotate it",
				 scope_label(&label, k), s->member);
		else if (!cf_mlog_allowed(mem, k))
			rc = bad(m, e->action_line,
				 "%s is still the current key, but it was sealed to %s, whose role "
				 "no longer allows it: the entry must rotate it",
				 scope_label(&label, k), s->member);
	}
	/* (b) every member holds every current key they may hold. */
	for (size_t i = 0; i < m->n_members && rc == 0; i++) {
		const cf_mlog_member *mem = &m->members[i];
		for (size_t j = 0; mem->active && j < m->n_keys && rc == 0; j++) {
			const cf_mlog_key *k = &m->keys[j];
			if (!k->retired && cf_mlog_allowed(mem, k) &&
			    !cf_mlog_seal_for(m, j, mem->name))
				rc = bad(m, e->action_line,
					 "%s is not sealed to %s, who may hold it",
					 scope_label(&label, k), mem->name);
		}
	}
	cf_buf_free(&label);
	return rc;
}

static int verify_entry(cf_mlog *m, size_t i)
{
	const entry *e = &m->entries[i];
	if (e->seq != i)
		return bad(m, e->line, "entry %u where entry %zu was expected", e->seq, i);
	if (i == 0 ? e->has_prev
		   : !e->has_prev || memcmp(e->prev, m->entries[i - 1].hash, CF_HASH_BYTES) != 0)
		return bad(m, e->line + 1,
			   i == 0
			       ? "the first entry has no previous entry ('prev none')"
			       : "'prev' is not the hash of the entry before: the chain is broken");
	if ((i == 0) != (e->action == CF_ACT_GENESIS))
		return bad(m, e->action_line,
			   i == 0 ? "the first entry must be the genesis"
				  : "only the first entry is a genesis");
	/* The signer: an admin of the state before (of the entry itself, for the genesis). */
	const cf_pubkeys *pub = NULL;
	if (i == 0) {
		for (size_t j = 0; j < e->n_members && !pub; j++)
			if (strcmp(e->members[j].name, e->signer) == 0 &&
			    e->members[j].role == CF_ROLE_ADMIN)
				pub = &e->members[j].pub;
		if (!pub)
			return bad(m, e->signer_line,
				   "the genesis entry is signed by %s, not an admin it names",
				   e->signer);
	} else {
		const cf_mlog_member *s = member_named(m, e->signer);
		if (!s || !s->active)
			return bad(m, e->signer_line, "signed by %s, who is not a member",
				   e->signer);
		if (s->role != CF_ROLE_ADMIN || !s->pub.has_sign)
			return bad(m, e->signer_line,
				   "signed by %s, who is a member of role %s, not an admin",
				   e->signer, cf_role_name(s->role));
		pub = &s->pub;
	}
	size_t dl = sizeof(CF_MLOG_SIGN_DOMAIN);
	size_t ml = dl + (e->signed_end - e->start);
	unsigned char *msg = malloc(ml);
	if (!msg)
		return oom(m);
	memcpy(msg, CF_MLOG_SIGN_DOMAIN, dl);
	memcpy(msg + dl, m->text + e->start, e->signed_end - e->start);
	int valid = cf_signature_valid(pub->sign, e->sig, msg, ml);
	free(msg);
	if (!valid)
		return bad(m, e->sig_line,
			   "the signature is not %s's: the entry was changed, or not made by them",
			   e->signer);
	if (apply_members(m, e) < 0 || apply_keys(m, e) < 0 || apply_seals(m, e) < 0 ||
	    invariants(m, e) < 0)
		return -1;
	return 0;
}

int cf_mlog_load(cf_mlog **out, const char *text, size_t len, const char *path, cf_diags *diags)
{
	*out = NULL;
	cf_mlog *m = calloc(1, sizeof(*m));
	if (!m || cf_arena_new(&m->arena, 0) < 0 || !(m->text = malloc(len + 1))) {
		if (diags)
			diags->oom = 1;
		cf_mlog_free(m);
		return -1;
	}
	m->path = path ? path : CF_MLOG_PATH;
	m->diags = diags;
	if (len > CF_MLOG_MAX_BYTES) {
		bad(m, 0, "the member log is larger than casefile reads (%zu MiB)",
		    CF_MLOG_MAX_BYTES >> 20);
		cf_mlog_free(m);
		return -1;
	}
	if (len)
		memcpy(m->text, text, len);
	m->text[len] = '\0';
	m->len = len;
	lexer lx = {m->text, m->text + len, m->text, 0, 0};
	const char *s;
	size_t n;
	int r = next_line(&lx, &s, &n);
	int rc = 0;
	if (memchr(m->text, '\0', len)) {
		rc = bad(m, 0, "the member log holds a NUL byte");
	} else if (r < 0 || (r == 1 && (n != strlen(CF_MLOG_HEAD) || memcmp(s, CF_MLOG_HEAD, n)))) {
		rc = bad(m, 1, "not a member log: the first line must be '%s'", CF_MLOG_HEAD);
	}
	while (rc == 0 && r == 1) {
		r = next_line(&lx, &s, &n);
		if (r == 0)
			break;
		if (r < 0) {
			rc = bad(m, lx.no + 1, "the log does not end with a newline");
			break;
		}
		if (n != 0) {
			rc = bad(m, lx.no, "a blank line must come before each entry");
			break;
		}
		r = next_line(&lx, &s, &n);
		if (r <= 0) {
			rc = bad(m, lx.no + 1,
				 r < 0 ? "the log does not end with a newline"
				       : "the log ends with a blank line");
			break;
		}
		if (GROW(m->entries, m->cap, m->n) < 0) {
			rc = oom(m);
			break;
		}
		entry *e = &m->entries[m->n++];
		memset(e, 0, sizeof(*e));
		if ((rc = parse_entry(m, &lx, e, s, n)) == 0)
			rc = verify_entry(m, m->n - 1);
	}
	m->diags = NULL;
	if (rc < 0) {
		cf_mlog_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- reading the state ---- */

size_t cf_mlog_entries(const cf_mlog *m)
{
	return m ? m->n : 0;
}

const unsigned char *cf_mlog_entry_hash(const cf_mlog *m, size_t i)
{
	return m->entries[i].hash;
}

size_t cf_mlog_prefix_len(const cf_mlog *m, size_t i)
{
	return m->entries[i].end;
}

cf_action cf_mlog_entry_action(const cf_mlog *m, size_t i)
{
	return m->entries[i].action;
}

const char *cf_mlog_entry_signer(const cf_mlog *m, size_t i)
{
	return m->entries[i].signer;
}

const char *cf_mlog_entry_date(const cf_mlog *m, size_t i)
{
	return m->entries[i].date;
}

const char *cf_mlog_text(const cf_mlog *m, size_t *len)
{
	*len = m->len;
	return m->text;
}

void cf_mlog_fingerprint(char out[CF_FINGERPRINT_BYTES], const cf_mlog *m)
{
	if (!m || m->n == 0) {
		out[0] = '\0';
		return;
	}
	cf_fingerprint_of_hash(out, m->entries[0].hash);
}

size_t cf_mlog_members(const cf_mlog *m)
{
	return m ? m->n_members : 0;
}

const cf_mlog_member *cf_mlog_member_at(const cf_mlog *m, size_t i)
{
	return &m->members[i];
}

const cf_mlog_member *cf_mlog_member_named(const cf_mlog *m, const char *name)
{
	return m ? member_named((cf_mlog *)m, name) : NULL;
}

const cf_mlog_member *cf_mlog_member_by_box(const cf_mlog *m, const unsigned char *box)
{
	for (size_t i = 0; m && i < m->n_members; i++)
		if (m->members[i].active &&
		    sodium_memcmp(m->members[i].pub.box, box, CF_PUBKEY_BYTES) == 0)
			return &m->members[i];
	return NULL;
}

size_t cf_mlog_keys(const cf_mlog *m)
{
	return m ? m->n_keys : 0;
}

const cf_mlog_key *cf_mlog_key_at(const cf_mlog *m, size_t i)
{
	return &m->keys[i];
}

const cf_mlog_key *cf_mlog_key_by_id(const cf_mlog *m, const unsigned char id[CF_KEYID_BYTES])
{
	return m ? key_by_id((cf_mlog *)m, id) : NULL;
}

const cf_mlog_key *cf_mlog_scope_key(const cf_mlog *m, const char *scope)
{
	return m ? current_of_scope((cf_mlog *)m, scope) : NULL;
}

const cf_mlog_key *cf_mlog_key_for_case(const cf_mlog *m, const char *case_id, size_t n)
{
	if (!m)
		return NULL;
	for (size_t i = 0; case_id && i < m->n_keys; i++) {
		const cf_mlog_key *k = &m->keys[i];
		if (!k->retired && k->scope && strlen(k->scope) == n &&
		    memcmp(k->scope, case_id, n) == 0)
			return k;
	}
	return current_of_scope((cf_mlog *)m, NULL);
}

size_t cf_mlog_seals(const cf_mlog *m)
{
	return m ? m->n_seals : 0;
}

const cf_mlog_seal *cf_mlog_seal_at(const cf_mlog *m, size_t i)
{
	return &m->seals[i];
}

const cf_mlog_seal *cf_mlog_seal_for(const cf_mlog *m, size_t key, const char *member)
{
	const cf_mlog_member *mem = cf_mlog_member_named(m, member);
	if (!mem)
		return NULL;
	for (size_t i = m->n_seals; i-- > 0;) {
		const cf_mlog_seal *s = &m->seals[i];
		if (s->key == key && strcmp(s->member, member) == 0 && s->entry >= mem->since)
			return s;
	}
	return NULL;
}

/* ---- writing ---- */

static void put_b64(cf_buf *b, const unsigned char *bin, size_t n)
{
	char tmp[sodium_base64_ENCODED_LEN(CF_SIGNATURE_BYTES, B64)];
	if (n > CF_SIGNATURE_BYTES) {
		b->oom = 1;
		return;
	}
	sodium_bin2base64(tmp, sizeof(tmp), bin, n, B64);
	cf_buf_puts(b, tmp);
}

static void put_member(cf_buf *b, const cf_mlog_draft_member *dm)
{
	cf_buf_printf(b, "member %s %s ", dm->name, cf_role_name(dm->role));
	put_b64(b, dm->pub.box, CF_PUBKEY_BYTES);
	cf_buf_putc(b, ' ');
	if (dm->pub.has_sign)
		put_b64(b, dm->pub.sign, CF_SIGNPUB_BYTES);
	else
		cf_buf_putc(b, '-');
	cf_buf_putc(b, ' ');
	if (dm->n_cases == 0)
		cf_buf_putc(b, '-');
	for (size_t i = 0; i < dm->n_cases; i++)
		cf_buf_printf(b, "%s%s", i ? "," : "", dm->cases[i]);
	cf_buf_putc(b, '\n');
}

int cf_mlog_append(cf_buf *out, const cf_mlog *m, const cf_mlog_draft *d, const cf_identity *id)
{
	if (!cf_identity_can_sign(id))
		return -1;
	size_t n = cf_mlog_entries(m);
	if (m && m->len)
		cf_buf_put(out, m->text, m->len);
	else
		cf_buf_puts(out, CF_MLOG_HEAD "\n");
	cf_buf_putc(out, '\n');
	size_t start = out->len;
	cf_buf_printf(out, "entry %zu\nprev ", n);
	if (n == 0) {
		cf_buf_puts(out, "none");
	} else {
		char hex[2 * CF_HASH_BYTES + 1];
		sodium_bin2hex(hex, sizeof(hex), m->entries[n - 1].hash, CF_HASH_BYTES);
		cf_buf_puts(out, hex);
	}
	cf_buf_printf(out, "\ndate %s\naction %s\n", d->date, cf_action_name(d->action));
	for (size_t i = 0; i < d->n_members; i++)
		put_member(out, &d->members[i]);
	for (size_t i = 0; i < d->n_removed; i++)
		cf_buf_printf(out, "removed %s\n", d->removed[i]);
	char hex[CF_KEYID_HEX_BYTES];
	for (size_t i = 0; i < d->n_keys; i++) {
		cf_keyid_hex(hex, cf_key_id(d->keys[i].key));
		if (d->keys[i].scope)
			cf_buf_printf(out, "key %s case:%s ", hex, d->keys[i].scope);
		else
			cf_buf_printf(out, "key %s repository ", hex);
		put_b64(out, cf_key_commitment(d->keys[i].key), CF_KEY_COMMIT_BYTES);
		cf_buf_putc(out, '\n');
	}
	for (size_t i = 0; i < d->n_seals; i++) {
		cf_keyid_hex(hex, cf_key_id(d->seals[i].key));
		cf_buf_printf(out, "seal %s %s ", hex, d->seals[i].member);
		if (cf_key_seal_b64(out, d->seals[i].key, d->seals[i].box) != 0)
			return -1;
		cf_buf_putc(out, '\n');
	}
	cf_buf_printf(out, "signer %s\n", d->signer);
	if (cf_buf_oom(out))
		return -1;
	size_t dl = sizeof(CF_MLOG_SIGN_DOMAIN);
	size_t ml = dl + (out->len - start);
	unsigned char *msg = malloc(ml);
	unsigned char sig[CF_SIGNATURE_BYTES];
	if (!msg)
		return -1;
	memcpy(msg, CF_MLOG_SIGN_DOMAIN, dl);
	memcpy(msg + dl, out->ptr + start, out->len - start);
	int rc = cf_identity_sign(id, sig, msg, ml);
	free(msg);
	if (rc != 0)
		return -1;
	cf_buf_puts(out, "signature ");
	put_b64(out, sig, sizeof(sig));
	cf_buf_putc(out, '\n');
	return cf_buf_oom(out) ? -1 : 0;
}

/* ---- rules ---- */

const cf_rule_info cf_mlog_rules[] = {
    {"crypt/untrusted", "a member log, or a key file, that does not verify",
     "`.casefile/members.log` is a chain of entries, each signed by an administrator of the "
     "entry before it, whose every change obeys the log's rules (a removed member's keys "
     "rotated in the same entry, every member sealed every key they may hold, only "
     "administrators adding, removing or granting), and that descends from the first entry "
     "this clone pinned.  Files of the layout before the log (.casefile/access.yaml, "
     ".casefile/members/, .casefile/keys/) are not read once a repository has the log, and "
     "are reported here when they appear.",
     "Who may read a case is decided from the log alone.  Anyone who can push to the shared "
     "repository could otherwise add a key of their own, redirect a case to a key they hold "
     "or seal the next key to themselves; every clone, and the shared repository's "
     "pre-receive hook, check the log with public keys only, so such a change is refused "
     "before any case file is encrypted for it.",
     "Restore the log from a commit you trust (`git checkout ORIGIN/main -- "
     ".casefile/members.log`), remove files of the old layout (`git rm -r "
     ".casefile/access.yaml .casefile/members .casefile/keys`), and tell an administrator: a "
     "log that does not verify was changed by someone who is not one.  A clone that pinned "
     "another repository's fingerprint was pointed at another repository.",
     "Working Together to Safeguard Children 2023, ch. 5 (information shared securely); "
     "seeds 001 §2.1.6 (share information securely, the right information to the right "
     "individual)"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
