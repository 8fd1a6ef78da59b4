/* lib/access: who may read what, as the verified member log says (lib/mlog), and the entries
 * that change it.
 *
 * Decisions: the key a case file is encrypted with now (its case's own current key, else the
 * repository's); whether a blob is one a commit may add (format 2, made for its path's case,
 * under that key); who may hold which key.
 *
 * Changes: cf_access_plan turns a request (add a member, remove one, change a role, grant or
 * revoke cases, rotate keys, or the genesis) into the next entry of the log, made the way the
 * log's rules demand and no other: every key the change takes from someone is rotated -- a new
 * key for its scope, sealed to everyone who may still hold it -- every member gets every
 * current key they may hold, a member who joins or gains cases also gets the retired keys of
 * what they may read (so history stays readable, as far as this clone holds those keys), and a
 * case member's case that has no key of its own gets one, so that the reviewer of one case is
 * never given the repository key.  The result is verified (cf_mlog_load) before it is
 * returned: a plan that would not verify is never written. */
#ifndef CF_ACCESS_H
#define CF_ACCESS_H

#include <stddef.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "identity.h"
#include "mlog.h"
#include "strlist.h"

/* ---- decisions ---- */

/* The key that encrypts the file at a repository path now: NULL for a path not under cases/
 * or an empty log. */
const cf_mlog_key *cf_access_key_for_path(const cf_mlog *log, const char *path);

typedef enum cf_blob_verdict {
	CF_BLOB_OK,	     /* format 2, made for the path's case, under its current key */
	CF_BLOB_NOT_BLOB,    /* not ciphertext at all */
	CF_BLOB_OLD_FORMAT,  /* format 1: bound to no case, written by an older casefile */
	CF_BLOB_WRONG_CASE,  /* made for another case than the path's (moved, copied) */
	CF_BLOB_UNKNOWN_KEY, /* under a key the log never made */
	CF_BLOB_RETIRED_KEY, /* under a key the log has retired */
	CF_BLOB_WRONG_KEY,   /* under a current key of another scope */
} cf_blob_verdict;

/* Judges a blob stored at path against the log, by its header only (no key needed).  *key
 * (may be NULL) receives the log's key of the blob's key id, when there is one. */
cf_blob_verdict cf_access_judge_blob(const cf_mlog *log, const char *path, const void *data,
				     size_t len, const cf_mlog_key **key);
/* One line saying what a verdict means, for a diagnostic. */
const char *cf_blob_verdict_text(cf_blob_verdict v);

/* "the repository key" or "the key of case 2026-003", with the id, into out. */
void cf_access_describe_key(cf_buf *out, const cf_mlog_key *k);

/* ---- changes ---- */

typedef struct cf_access_person {
	const char *name;
	cf_role role;
	cf_pubkeys pub;
	const char *const *cases; /* role case */
	size_t n_cases;
} cf_access_person;

/* A key of the genesis: held by the clone, for a scope (NULL: the repository), retired or
 * current (of the keys of one scope, the last one not retired is current). */
typedef struct cf_access_genesis_key {
	const cf_key *key;
	const char *scope;
	int retired;
} cf_access_genesis_key;

typedef struct cf_access_request {
	cf_action action;
	/* genesis: the members, and the keys (none: a new repository key is made) */
	const cf_access_person *people;
	size_t n_people;
	const cf_access_genesis_key *keys;
	size_t n_keys;
	/* add, role, grant, revoke: the member and (add, role) the new role; grant and revoke:
	 * the cases to add or take away; role: the cases when the new role is case */
	const char *name;
	cf_role role;
	const cf_pubkeys *pub; /* add; role: a signing key to record (may be NULL) */
	const char *const *cases;
	size_t n_cases;
	/* rotate: the scopes to rotate (NULL entries: the repository); none: every current key */
	const char *const *scopes;
	size_t n_scopes;
	int rotate_all;
	/* who signs, and when */
	const char *signer;
	const cf_identity *signer_id;
	const char *date;
} cf_access_request;

typedef struct cf_access_seal_made {
	unsigned char key[CF_KEYID_BYTES];
	char *member;
} cf_access_seal_made;

typedef struct cf_access_plan {
	cf_buf log;	   /* the whole new log, verified */
	cf_mlog *verified; /* it, loaded */
	cf_key **new_keys; /* made by the plan: install them in the clone */
	char **new_scopes; /* each new key's scope: NULL for the repository */
	size_t n_new_keys;
	cf_access_seal_made *seals; /* what was sealed to whom */
	size_t n_seals;
	cf_strlist not_sealed; /* retired keys a member may read that this clone does not hold:
				  "KEYID NAME" */
} cf_access_plan;

/* Plans the request against log (NULL or empty for the genesis) with the keys of ring (the
 * keys the clone holds: those it must seal).  0 and *out; or -1 with an error diagnostic
 * saying why it cannot be done (rule crypt/access for a request the log's rules refuse,
 * crypt/no-key for a key the clone does not hold, crypt/identity for a signer who is not an
 * admin).  Nothing is written anywhere. */
int cf_access_plan_make(cf_access_plan *out, const cf_mlog *log, const cf_access_request *req,
			const cf_keyring *ring, cf_diags *diags);
void cf_access_plan_free(cf_access_plan *p);

#endif
