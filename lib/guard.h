/* lib/guard: keeps plaintext case files out of git's object store and off every remote
 * (DESIGN.md §6; issue 5).  Every blob under cases/ must be ciphertext in lib/crypt's format,
 * whatever git's configuration says: a clone where the filter is not set up, a GUI client
 * built on libgit2 (which runs no filters), an edited .gitattributes.
 *
 * Used by `check --staged` (the staged blobs a commit adds), the pre-push hook (every commit
 * being pushed), the pre-receive hook of a shared bare repository (which holds no key) and
 * `casefile doctor` (the whole history).
 *
 * libgit2: cf_guard_open initialises it (git_libgit2_init), as cf_source_open_index does; the
 * repository it opens holds that reference, which the caller gives back with
 * git_libgit2_shutdown after git_repository_free.  libsodium: cf_guard_blob and
 * cf_guard_history need cf_init (secure memory, hashing).
 * diags must not be NULL. */
#ifndef CF_GUARD_H
#define CF_GUARD_H

#include <git2.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "rules.h"
#include "strlist.h"

/* Judges one blob stored at path (a repository path under cases/).  Returns
 *    0  ciphertext: lib/crypt's format, version and size; when ring (which may be NULL) holds
 *       its key, it verifies; when it does not, its body shows no readable text;
 *   -1  with one error diagnostic at path (line 0):
 *         crypt/plaintext  no casefile header (the file as written; an empty blob too: the
 *                          filter makes even an empty file a blob of CF_CRYPT_V2_MIN bytes or
 * more), or, when ring lacks its key, a header followed by a run of CF_GUARD_TEXT_RUN readable
 * characters or by bytes that are not like random ones (plaintext pasted into a blob; see below).
 * The text itself is never quoted. crypt/format     a casefile header of a version this build does
 * not read, too short to hold header and tag, over CF_CRYPT_MAX_BLOB, or (version 2) of a size no
 * padded plaintext gives: text appended to a version 2 blob is reported so, before any test of its
 * bytes crypt/tampered   ring holds its key and it does not verify (cf_crypt_decrypt's diagnostic).
 * A blob that verifies is authentic and is not searched for text. -2  out of memory (a crypt/memory
 * diagnostic when decryption ran out). scratch is a secure arena (cf_arena_new with secure set)
 * that holds nothing else: the plaintext decrypted to verify goes there, and cf_guard_blob resets
 * (wipes) it before it returns.  One arena serves any number of calls. */
/* The run.  A readable character is one printable ASCII byte (0x20..0x7e, tab, CR, LF) or one
 * well-formed UTF-8 sequence of 2-4 bytes (RFC 3629: no overlong form, no surrogate, nothing
 * over U+10FFFF), so that pasted text full of accented letters and curly quotes is found.
 * Ciphertext without its key is indistinguishable from uniformly random bytes; from a given
 * byte of them, the next character is readable with probability exactly
 *   q = 98/256                         one ASCII byte: 95 printable, tab, CR, LF
 *     + 30*64/256^2                    C2..DF, then one continuation byte
 *     + (32*64 + 12*64^2 + 32*64 + 2*64^2)/256^3   E0 A0.., E1..EC, ED ..9F, EE..EF
 *     + (48*64^2 + 3*64^3 + 16*64^2)/256^4         F0 90.., F1..F3, F4 ..8F
 *     = 196/512 + 15/512 + 15/4096 + 1/4096 = 213/512 < 0.4161
 * (against 98/256 < 0.383 for ASCII alone), and as the characters of a run take disjoint
 * bytes, N readable characters in a row follow it with probability q^N.  A blob holds at
 * most CF_CRYPT_MAX_BLOB = 2^26 bytes, hence at most 2^26 places a run can start, so the
 * chance that any random blob is taken for text is below 2^26 * q^N.  The 48 of the ASCII-only
 * count (2^26 * 0.383^48 < 7e-13) would give 3.5e-11 with UTF-8 counted; 64 gives
 * q^64 < 4.2e-25 per place and below 2.9e-17 for a whole 64 MiB blob (under 1e-12 needs
 * N >= 53).  The cost is that an appended text shorter than 64 characters goes unnoticed
 * without the key; a key holder's check verifies the tag and misses nothing. */
#define CF_GUARD_TEXT_RUN 64
/* The second, statistical test of ciphertext without its key: it is judged window by window
 * (CF_GUARD_WINDOW bytes, every half window), and a window is not ciphertext when
 *   - more of its bytes are printable ASCII than random bytes give but with probability
 *     below 2^-64 (Hoeffding: the count exceeds n*98/256 + sqrt(n * 64 ln 2 / 2), 173 of
 *     256 bytes), which plaintext broken every few characters by a control byte, to slip
 *     past the run above, still is (a third of the bytes printable is the limit: text with
 *     a non-printable byte after every one or two characters, the bytes spread over many
 *     values, passes both tests; the key holder's check, which verifies the tag, does not
 *     let it pass); or
 *   - one byte value comes CF_GUARD_REPEAT times in it: for random bytes the chance is below
 *     (e * 256/256 / 24)^24 < 2^-75 per value and window, so below 2^-40 for all 256 values
 *     of all 2^19 windows of the largest blob; zeros, UTF-16 text or any low-entropy data
 *     exceed it.
 * A window shorter than about 50 bytes (a tiny format 1 blob) cannot fail the first test.
 * The unit test feeds it 10,000 random bodies of 1 byte to 1 MiB: none is refused. */
#define CF_GUARD_WINDOW 256
#define CF_GUARD_REPEAT 24
/* The offset of the first window of data that is not like random bytes, or len. */
size_t cf_guard_nonrandom(const void *data, size_t len);
int cf_guard_blob(const char *path, const void *data, size_t len, const cf_keyring *ring,
		  cf_arena *scratch, cf_diags *diags);

/* A symbolic link (link 1) or a submodule (0) at path under cases/: never ciphertext, so
 * always crypt/plaintext (git keeps a link's target as it is, a submodule's files in another
 * repository); the diagnostic added, or NULL when memory ran out. */
cf_diag *cf_guard_special(const char *path, int link, cf_diags *diags);

/* Opens the repository at path -- a working tree's top or a git directory, bare or not; no
 * search upwards -- or (path NULL) the one git's environment names, as a hook must: GIT_DIR
 * (else the current directory and up), the quarantine object directories git sets for
 * pre-receive hooks (GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES), GIT_INDEX_FILE
 * (the temporary index of `git commit FILE`), GIT_NAMESPACE.  GIT_WORK_TREE, which libgit2
 * 1.5 refuses, is ignored: the guard reads no working tree.  (GIT_COMMON_DIR, which it
 * refuses too and git does not export to hooks, fails.)  On success the caller frees *out
 * with git_repository_free, then calls git_libgit2_shutdown (see above); on failure (-1, with
 * a source/read diagnostic) *out is NULL and there is nothing to give back. */
int cf_guard_open(git_repository **out, const char *path, cf_diags *diags);

/* Which commits cf_guard_history examines: those reachable from a tip and not from a hide. */
typedef struct cf_guard_range {
	const char *const *tips; /* revisions (hex ids or names) */
	size_t n_tips;
	const char *tip_glob; /* and every ref matching it ("refs/" and a star: the whole history);
				 or NULL */
	const char *const *hides; /* revisions; one the repository lacks is skipped */
	size_t n_hides;
	const char *hide_glob; /* and refs matching it (refs/remotes/origin/ and a star); or NULL */
} cf_guard_range;

/* Judges (cf_guard_blob) every blob under cases/ in the trees of the commits of range, each
 * distinct blob once (a tree already seen is not walked again), oldest commit first
 * (topological order, reversed).  A symbolic link or a submodule under cases/ is
 * crypt/plaintext too; a blob over CF_CRYPT_MAX_BLOB is crypt/format by its size, unread.
 * A tip (or a ref of tip_glob) that is a tree, not a commit, has its cases/ judged as well
 * (pushing such a ref sends the tree); one that is a blob has no path and is passed over.
 * Globs are read as git_revwalk_push_glob reads them ("refs/" implied; a glob without
 * wildcards gets a trailing slash and star); a dangling symbolic ref is passed over.
 * One diagnostic per bad blob, at the path it first appeared under, its message ending
 * "(first in commit 1a2b3c4)" (git's abbreviation: the oldest commit of the range that holds
 * it; "tree ..." for a tree tip).  commits (may be NULL) receives the full hex ids of the
 * commits whose cases/ holds a bad blob -- the first and every later one that still holds
 * it -- in the order walked, each once.  Returns 0 when every blob is ciphertext, 1 when
 * some is not (diagnostics added), -1 when the commits cannot be read (a source/read
 * diagnostic says why: a tip that cannot be found, a missing object, trees nested over 64
 * deep), -2 when memory ran out.
 * A path holding a control character (below 0x20, 0x7f, U+0080..U+009F) or bytes that are
 * not well-formed UTF-8 is named with those bytes, and its backslashes, written \xNN: names
 * in a pushed tree are the pusher's to choose (git refuses only NUL and '/'), and the
 * diagnostic goes to someone's terminal. */
int cf_guard_history(git_repository *repo, const cf_guard_range *range, const cf_keyring *ring,
		     cf_strlist *commits, cf_diags *diags);

/* A walk of the commits of range (trees that refs point at are left out), oldest first
 * (topological order, reversed): what cf_guard_history walks, for other checks of each
 * commit.  0 and *out (git_revwalk_free it), or -1 / -2 as cf_guard_history. */
int cf_guard_revwalk(git_revwalk **out, git_repository *repo, const cf_guard_range *range,
		     cf_diags *diags);

/* A path as a diagnostic may name it on a terminal: path itself, or a copy in out with
 * control characters, bytes that are not UTF-8 and backslashes written \xNN; NULL when memory
 * ran out. */
const char *cf_guard_printable(cf_buf *out, const char *path);

/* Checks that git stores each of paths (repository paths under cases/) through casefile:
 * attributes filter, diff and merge all "casefile", as the .gitattributes files staged in
 * the index (commit NULL) or committed in commit (a revision) set them -- every level of
 * them, so a cases/.gitattributes with `* -filter` counts -- never the working tree's.
 * Commit mode reads neither index nor working tree, and works in a bare repository.  As in
 * git, $GIT_DIR/info/attributes and core.attributesFile apply too; the system-wide file does
 * not.  Otherwise one error crypt/attributes at .gitattributes (line 0) naming the first such
 * path and the attribute's value there, with a hint giving the line `casefile init` writes.
 * 0, 1 (reported), -1 when the attributes cannot be read (source/read), -2 out of memory.
 * Time linear in paths: commit mode lifts libgit2's process-wide size limit of cached trees
 * (GIT_OPT_SET_CACHE_OBJECT_LIMIT) for the call, so that a cases/ tree is parsed once and not
 * once per path (issue 12), and puts libgit2's default (4 KiB) back before it returns; call
 * it while no other thread sets that limit. */
int cf_guard_attributes(git_repository *repo, const char *commit, const cf_strlist *paths,
			cf_diags *diags);

/* crypt/plaintext, crypt/attributes. */
extern const cf_rule_info cf_guard_rules[];

#endif
