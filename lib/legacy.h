/* lib/legacy: the key layout of casefile before the signed member log, read so that
 * `casefile upgrade` can carry it over, and so that a repository not yet upgraded stays
 * readable.  None of it is signed: anyone who can push can change it, which is why nothing
 * new is encrypted on its word (lib/access, lib/protect).
 *
 * In the repository (committed, no secret in any of it):
 *   .casefile/access.yaml            which key id encrypts which case:
 *                                      repository_key: 5f2caa37af025893
 *                                      case_keys:
 *                                        2026-003: 9a8b7c6d5e4f3a2b   # a case with its own key
 *   .casefile/members/NAME.pub       a member's public key: one line "casefile-pub-1 BASE64"
 *   .casefile/keys/KEYID/NAME.sealed the key KEYID sealed to NAME (lib/keys' sealed format)
 */
#ifndef CF_LEGACY_H
#define CF_LEGACY_H

#include <stddef.h>

#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "identity.h"
#include "rules.h"
#include "strlist.h"

#define CF_LEGACY_ACCESS_PATH ".casefile/access.yaml"
#define CF_LEGACY_MEMBERS_DIR ".casefile/members"
#define CF_LEGACY_SEALED_DIR ".casefile/keys"

typedef struct cf_legacy_case {
	char id[16]; /* the case id, "2026-003" */
	unsigned char key[CF_KEYID_BYTES];
} cf_legacy_case;

typedef struct cf_legacy_access {
	int has_repository_key;
	unsigned char repository_key[CF_KEYID_BYTES];
	cf_legacy_case *cases;
	size_t n, cap;
} cf_legacy_access;

/* Reads ROOT/.casefile/access.yaml; a repository without one has no keys (n 0, no repository
 * key).  A malformed file is an error (crypt/access) naming its line. */
int cf_legacy_access_load(cf_legacy_access *out, const char *root, cf_diags *diags);
/* The same for the text of an access.yaml (a committed version of it, say; it need not end in
 * NUL): 0, or -1 with the diagnostics (named CF_LEGACY_ACCESS_PATH). */
int cf_legacy_access_parse(cf_legacy_access *out, const char *text, size_t len, cf_diags *diags);
/* Writes it atomically (for tests that build a repository as an older casefile left it). */
int cf_legacy_access_save(const cf_legacy_access *a, const char *root);
/* The key id that encrypts a repository path ("cases/2026-003/case.yaml"), or NULL for a
 * path that is not encrypted (not under cases/). */
const unsigned char *cf_legacy_access_key_for(const cf_legacy_access *a, const char *path);
/* Sets (or replaces) the key of one case. */
int cf_legacy_access_set_case(cf_legacy_access *a, const char *case_id,
			      const unsigned char key[CF_KEYID_BYTES]);
void cf_legacy_access_free(cf_legacy_access *a);
/* A case id as access.yaml accepts it: [A-Za-z0-9._-], 1 to 15 characters, not starting with
 * '.'.  1 or 0. */
int cf_legacy_case_id_valid(const char *id);

/* One of .casefile/members/NAME.pub. */
typedef struct cf_legacy_member {
	char *name;
	cf_pubkeys pub;
} cf_legacy_member;

/* The members whose NAME.pub parses, sorted by name; the names of those that do not parse go
 * to bad (may be NULL).  0, or -1 when the directory cannot be read or memory ran out. */
int cf_legacy_members(cf_legacy_member **out, size_t *n, cf_strlist *bad, const char *root);
void cf_legacy_members_free(cf_legacy_member *m, size_t n);
/* The names holding a sealed copy of key id (.casefile/keys/KEYID/NAME.sealed), sorted. */
int cf_legacy_holders(cf_strlist *out, const char *root, const unsigned char id[CF_KEYID_BYTES]);
/* Reads .casefile/keys/KEYID/NAME.sealed into out: 1, 0 when there is none, -1 unreadable. */
int cf_legacy_sealed_read(cf_buf *out, const char *root, const unsigned char id[CF_KEYID_BYTES],
			  const char *name);
/* The repository-relative paths of the legacy files the working tree at root holds (any of
 * access.yaml, members/, keys/), for `casefile upgrade` to remove and for the guard that
 * calls them untrusted.  0 or -1. */
int cf_legacy_paths(cf_strlist *out, const char *root);

/* crypt/upgrade. */
extern const cf_rule_info cf_legacy_rules[];

#endif
