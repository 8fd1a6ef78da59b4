/* The privacy rules (privacy/...): no real identifier of a case's people where git keeps it
 * in plaintext.  Case files are encrypted; their names, the commit messages and the case's
 * title as other tools show it are not, or end up where they are not:
 *
 *   privacy/title           case.yaml's `title` names a person of the case (a real name,
 *                           alias, date of birth, address or school): the title is the
 *                           child's pseudonym, shown by status, printed packs and `new`;
 *   privacy/file-name       a file or directory name under the case holds one: git stores
 *                           names in plaintext trees, which anyone who can read the server
 *                           sees;
 *   privacy/commit-message  the message of a commit that touches the case holds one
 *                           (`casefile hook commit-msg`): commit messages are plaintext.
 *
 * The identifiers are the values of the fields the schema marks `identifier: true`, in every
 * list of people of the case's files, found as lib/idscan finds them (names by their parts,
 * dates in the forms people write them).  Pseudonyms are not identifiers: a name part equal
 * to a word of a person's pseudonym is not looked for alone, unless the pseudonym itself
 * holds a real identifier.  Diagnostics name a person by a label ("members[2] (Mother)"),
 * never by the identifier found. */
#ifndef CF_RULES_PRIVACY_H
#define CF_RULES_PRIVACY_H

#include <stddef.h>

#include "caseload.h"
#include "diag.h"
#include "idscan.h"
#include "rules.h"

/* A text to scan besides the case's own (a commit message), or NULL. */
typedef struct cf_privacy_text {
	const char *name; /* how diagnostics name it: ".git/COMMIT_EDITMSG" */
	const char *text;
	size_t len;
} cf_privacy_text;

/* privacy/title and privacy/file-name for the case; privacy/commit-message for message
 * when it is not NULL.  A case without a schema is left to the loader's diagnostics. */
void cf_rule_privacy(const cf_case *c, const cf_privacy_text *message, cf_diags *diags);

/* One identifier value of a person (v, of field g) into s, as its kind says: a date of
 * birth, a name or alias (and its parts), an address, a school, or any other identifier as
 * written.  who and aux are the caller's tags.  Returns 0, or -1 when memory ran out. */
int cf_privacy_add_value(cf_idscan *s, int who, int aux, const cf_field *g, const cf_node *v);

/* A label for a person that holds no identifier: their `ref` or `id`, else "LIST[N]", and
 * alt (a pseudonym or a role) in brackets: "M2 (Mother)".  In arena; NULL when memory ran
 * out. */
const char *cf_privacy_label(cf_arena *arena, const cf_node *item, size_t index, const char *list,
			     const char *alt);

extern const cf_rule_info cf_privacy_rules[];

#endif
