/* lib/mlog: the signed member log, .casefile/members.log -- who may read what, decided from
 * signed data that someone who can push, but holds no administrator's key, cannot forge.
 *
 * The file is text: a head line, then entries, each after one blank line:
 *
 *   casefile-members-log 1
 *
 *   entry 0
 *   prev none
 *   date 2026-12-05T10:11:12Z
 *   action genesis
 *   member alice admin BOX SIGN -
 *   key 5f2caa37af025893 repository COMMITMENT
 *   seal 5f2caa37af025893 alice SEALED
 *   signer alice
 *   signature SIGNATURE
 *
 *   entry 1
 *   prev HASH-OF-ENTRY-0
 *   ...
 *
 * Lines, in this order, each "word values" separated by single spaces:
 *   entry N              the sequence number, 0 for the first
 *   prev HASH|none       BLAKE2b-256 (hex) of the previous entry: a chain
 *   date DATE            when it was written, UTC (told, not trusted)
 *   action ACTION        genesis (entry 0 only), add, remove, role, grant, revoke, rotate
 *   member NAME ROLE BOX SIGN|- CASES|-
 *                        a member's whole new state: role admin (may add, remove, grant and
 *                        rotate; signs), member (reads every case) or case (the cases of
 *                        CASES, comma-separated, only); BOX and SIGN are the base64 X25519 and
 *                        Ed25519 public keys; an admin needs SIGN
 *   removed NAME         NAME is no longer a member
 *   key KEYID SCOPE COMMITMENT
 *                        a new key for SCOPE (repository, or case:ID): from now on it
 *                        encrypts that scope, and the scope's key before it is retired
 *                        (decrypt-only); COMMITMENT is cf_key_commitment in base64.  Of
 *                        two key lines of one scope the later is the current key (the
 *                        genesis of `casefile upgrade` records the older keys of history)
 *   seal KEYID NAME SEALED
 *                        key KEYID sealed to NAME's BOX (lib/keys), in base64
 *   signer NAME          an admin as of the entry before (entry 0: an admin it names)
 *   signature SIG        Ed25519 by the signer's SIGN of CF_MLOG_SIGN_DOMAIN and the entry's
 *                        bytes from "entry" to the end of the signer line
 *
 * Verifying a log (cf_mlog_load) replays it and refuses the first entry that breaks any of:
 * the chain and the numbering; the signature, by an admin of the state before the entry; the
 * action's own rules (add names someone who is not a member, remove one who is, role changes a
 * role, grant and revoke change a case member's cases, rotate only makes keys; the last admin
 * cannot go); every key id new; a seal only to an active member allowed the key's scope; and
 * after the entry, (a) no current key is sealed to anyone who is not now an active member
 * allowed its scope -- so removing a member, revoking a case or lowering a role must rotate
 * every key that member held, in the same entry -- and (b) every active member holds a seal of
 * every current key they are allowed.  Everything is checked with public keys only: the
 * shared server's pre-receive hook, which holds no key, checks exactly what every clone checks.
 * What it cannot check -- that a seal opens to the key its line names -- unlock checks against
 * the commitment.
 *
 * The hash of entry 0 is the repository's fingerprint; a clone pins it (lib/trust). */
#ifndef CF_MLOG_H
#define CF_MLOG_H

#include <stddef.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "identity.h"
#include "rules.h"

#define CF_MLOG_PATH ".casefile/members.log"
#define CF_MLOG_HEAD "casefile-members-log 1"
#define CF_MLOG_SIGN_DOMAIN "casefile-members-log-sign-1"
#define CF_MLOG_HASH_DOMAIN "casefile-members-log-entry-1"
#define CF_MLOG_MAX_BYTES ((size_t)16 * 1024 * 1024)
/* A case id in a scope or a member's cases: [A-Za-z0-9._-], 1 to 64, not starting with '.'. */
#define CF_MLOG_CASE_MAX 64

typedef enum cf_role { CF_ROLE_ADMIN, CF_ROLE_MEMBER, CF_ROLE_CASE } cf_role;

typedef enum cf_action {
	CF_ACT_GENESIS,
	CF_ACT_ADD,
	CF_ACT_REMOVE,
	CF_ACT_ROLE,
	CF_ACT_GRANT,
	CF_ACT_REVOKE,
	CF_ACT_ROTATE,
} cf_action;

const char *cf_role_name(cf_role r);
/* 0 and the role, or -1 for a name that is none. */
int cf_role_parse(cf_role *out, const char *s);
const char *cf_action_name(cf_action a);

/* A member as the log knows them: after cf_mlog_load, their state at the end of the log. */
typedef struct cf_mlog_member {
	const char *name;
	cf_role role;
	cf_pubkeys pub;
	const char **cases; /* role case: the cases, sorted */
	size_t n_cases;
	int active;
	unsigned since;	      /* the entry that last added them (genesis or add) */
	const char *added_by; /* who signed it */
	unsigned line;	      /* of that member line in the file */
} cf_mlog_member;

typedef struct cf_mlog_key {
	unsigned char id[CF_KEYID_BYTES];
	unsigned char commitment[CF_KEY_COMMIT_BYTES];
	const char *scope; /* the case id, or NULL: the repository */
	unsigned created;  /* entry */
	int retired;	   /* replaced by a newer key of its scope: decrypt-only */
	unsigned retired_at;
} cf_mlog_key;

typedef struct cf_mlog_seal {
	size_t key; /* index into the keys */
	const char *member;
	const char *sealed; /* base64 */
	unsigned entry;
	unsigned line;
} cf_mlog_seal;

typedef struct cf_mlog cf_mlog;

/* Parses and verifies the log text (path names it in diagnostics).  Every problem is an error
 * crypt/untrusted at the line it is found at, and the log is refused whole: -1.  0 and *out
 * on success.  An empty text, or one of the head line alone, is an empty log (no entry). */
int cf_mlog_load(cf_mlog **out, const char *text, size_t len, const char *path, cf_diags *diags);
void cf_mlog_free(cf_mlog *m);

size_t cf_mlog_entries(const cf_mlog *m);
/* The hash of entry i (i < cf_mlog_entries). */
const unsigned char *cf_mlog_entry_hash(const cf_mlog *m, size_t i);
/* The bytes of the file up to the end of entry i: a log of entries 0..i. */
size_t cf_mlog_prefix_len(const cf_mlog *m, size_t i);
cf_action cf_mlog_entry_action(const cf_mlog *m, size_t i);
const char *cf_mlog_entry_signer(const cf_mlog *m, size_t i);
const char *cf_mlog_entry_date(const cf_mlog *m, size_t i);
/* The log's text as loaded. */
const char *cf_mlog_text(const cf_mlog *m, size_t *len);
/* The repository's fingerprint (cf_fingerprint_of_hash of entry 0's hash); "" when empty. */
void cf_mlog_fingerprint(char out[CF_FINGERPRINT_BYTES], const cf_mlog *m);

size_t cf_mlog_members(const cf_mlog *m);
const cf_mlog_member *cf_mlog_member_at(const cf_mlog *m, size_t i);
/* The member of that name, active or not; NULL when the log never named them. */
const cf_mlog_member *cf_mlog_member_named(const cf_mlog *m, const char *name);
/* The active member whose X25519 key is box; NULL when none. */
const cf_mlog_member *cf_mlog_member_by_box(const cf_mlog *m, const unsigned char *box);

size_t cf_mlog_keys(const cf_mlog *m);
const cf_mlog_key *cf_mlog_key_at(const cf_mlog *m, size_t i);
/* The key of that id; NULL when the log has none. */
const cf_mlog_key *cf_mlog_key_by_id(const cf_mlog *m, const unsigned char id[CF_KEYID_BYTES]);
/* The key that encrypts case_id (n bytes) now: the case's own current key, else the
 * repository's; NULL for an empty log. */
const cf_mlog_key *cf_mlog_key_for_case(const cf_mlog *m, const char *case_id, size_t n);
/* The current key of a scope (NULL: the repository); NULL when the scope has none. */
const cf_mlog_key *cf_mlog_scope_key(const cf_mlog *m, const char *scope);
/* 1 when member (active) may hold key: admins and members every key, a case member the keys
 * of their cases. */
int cf_mlog_allowed(const cf_mlog_member *member, const cf_mlog_key *key);

size_t cf_mlog_seals(const cf_mlog *m);
const cf_mlog_seal *cf_mlog_seal_at(const cf_mlog *m, size_t i);
/* The seal of key to member's present membership (made since their last add); NULL. */
const cf_mlog_seal *cf_mlog_seal_for(const cf_mlog *m, size_t key, const char *member);

/* 1 when a case id is one the log accepts, else 0. */
int cf_mlog_case_id_valid(const char *id);

/* ---- writing an entry ---- */

typedef struct cf_mlog_draft_member {
	const char *name;
	cf_role role;
	cf_pubkeys pub;
	const char *const *cases; /* role case */
	size_t n_cases;
} cf_mlog_draft_member;

typedef struct cf_mlog_draft_key {
	const cf_key *key;
	const char *scope; /* case id, or NULL: the repository */
} cf_mlog_draft_key;

typedef struct cf_mlog_draft_seal {
	const cf_key *key;
	const char *member;
	const unsigned char *box; /* the member's X25519 key */
} cf_mlog_draft_seal;

typedef struct cf_mlog_draft {
	cf_action action;
	const char *date; /* "2026-12-05T10:11:12Z" */
	const cf_mlog_draft_member *members;
	size_t n_members;
	const char *const *removed;
	size_t n_removed;
	const cf_mlog_draft_key *keys;
	size_t n_keys;
	const cf_mlog_draft_seal *seals;
	size_t n_seals;
	const char *signer;
} cf_mlog_draft;

/* Appends to out the whole log text of m (NULL: an empty log) with the draft as its next
 * entry, sealed and signed by id (the signer's identity).  It does not verify: load the result
 * (cf_mlog_load) before writing it anywhere.  0, or -1 when the identity cannot sign, a seal
 * cannot be made or memory ran out. */
int cf_mlog_append(cf_buf *out, const cf_mlog *m, const cf_mlog_draft *d, const cf_identity *id);

/* crypt/untrusted. */
extern const cf_rule_info cf_mlog_rules[];

#endif
