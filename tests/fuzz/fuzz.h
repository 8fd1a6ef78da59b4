/* What the libFuzzer harnesses of tests/fuzz share: a private directory to write inputs into
 * (for the entry points that read files), the fixed key and identity that the seeds of
 * tests/fuzz/seedgen.c are made with, and a cheap stand-in for Argon2id.
 *
 * Every harness frees all it allocates: under AddressSanitizer a leak is a finding.  None
 * of them prints unless it aborts on a broken promise (abort() is a crash to libFuzzer). */
#ifndef CF_FUZZ_H
#define CF_FUZZ_H

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "doc.h"
#include "identity.h"
#include "mlog.h"
#include "strlist.h"

#include "fsutil.h"

#ifndef CF_SRCDIR
#define CF_SRCDIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Stops the run: a broken promise of the library, or a harness that cannot set itself up. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- a directory of the process's own ----------------------------------------------------- */

static char fuzz_dir_path[PATH_MAX];

static void fuzz_dir_remove(void)
{
	if (fuzz_dir_path[0])
		remove_tree(fuzz_dir_path);
}

/* A fresh directory for this process (libFuzzer's -fork and -jobs run several), removed at
 * exit; on a crash it stays behind under $TMPDIR, named cf-fuzz-NAME-XXXXXX. */
static inline const char *fuzz_dir(const char *name)
{
	if (!fuzz_dir_path[0]) {
		FUZZ_ASSERT(make_temp_dir_resolved(fuzz_dir_path, name) == 0);
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* dir/rel, into out. */
static inline const char *fuzz_path(char out[PATH_MAX], const char *dir, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, rel);
	FUZZ_ASSERT(n > 0 && n < PATH_MAX);
	return out;
}

/* Writes a file plainly (no fsync: the fuzzer writes thousands a second); the directories
 * above it must exist.  0 or -1. */
static inline int fuzz_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	int rc = fchmod(fd, mode) == 0 && cf_write_all(fd, data ? data : "", len) == 0 ? 0 : -1;
	return close(fd) == 0 ? rc : -1;
}

/* A NUL-terminated malloc'd copy of the input. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	FUZZ_ASSERT(s);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Formats every diagnostic as the commands print them (text and JSON, the counts), then
 * empties the list: formatting is an entry point of untrusted text too (file names, values
 * quoted in messages). */
static inline void fuzz_diags_drain(cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	cf_diags_sort(d);
	for (size_t i = 0; i < d->len; i++) {
		FUZZ_ASSERT(d->items[i].rule && d->items[i].message && d->items[i].file);
		cf_diag_format_text(&out, &d->items[i]);
		cf_diag_format_json(&out, &d->items[i]);
	}
	cf_diags_format_counts(&out, d);
	cf_buf_free(&out);
	cf_diags_free(d);
}

/* ---- documents ---------------------------------------------------------------------------- */

/* Visits the tree of a parsed document as the checks do, reading each node through the
 * accessors, with a budget: lib/doc promises a tree (nesting bounded by max_depth, aliases
 * expanding to at most max_alias_nodes), so a walk that visits more nodes than the file has
 * bytes plus that allowance has met a cycle or an unbounded expansion. */
static inline void fuzz_walk_node(const cf_node *n, unsigned depth, size_t *budget)
{
	FUZZ_ASSERT(n);
	FUZZ_ASSERT(*budget > 0 && depth <= 1024);
	--*budget;
	FUZZ_ASSERT(n->line >= 1 && n->col >= 1);
	long long v;
	int b;
	switch (n->kind) {
	case CF_NODE_SCALAR:
		FUZZ_ASSERT(n->str && n->str[n->len] == '\0');
		(void)cf_node_is_empty(n);
		(void)cf_node_str(n);
		(void)cf_node_bool(n, &b);
		(void)cf_node_int(n, &v);
		break;
	case CF_NODE_MAP:
		FUZZ_ASSERT(n->n == 0 || n->pairs);
		for (size_t i = 0; i < n->n; i++) {
			const cf_pair *p = &n->pairs[i];
			FUZZ_ASSERT(p->key && p->key->kind == CF_NODE_SCALAR && p->val);
			fuzz_walk_node(p->key, depth + 1, budget);
			fuzz_walk_node(p->val, depth + 1, budget);
			const char *k = cf_node_str(p->key);
			if (k && strlen(k) == p->key->len) {
				FUZZ_ASSERT(cf_node_get(n, k) != NULL);
				(void)cf_node_path(n, k);
			}
		}
		break;
	case CF_NODE_SEQ:
		FUZZ_ASSERT(n->n == 0 || n->items);
		for (size_t i = 0; i < n->n; i++)
			fuzz_walk_node(n->items[i], depth + 1, budget);
		break;
	default:
		FUZZ_ASSERT(!"a node of no kind");
	}
}

/* Checks what cf_doc_parse_* promised: -1 with an error and no document, or 0 and a
 * document whose tree is a bounded tree. */
static inline void fuzz_check_doc(int rc, const cf_doc *doc, const cf_diags *d, size_t len,
				  const char *data)
{
	if (rc < 0) {
		FUZZ_ASSERT(doc == NULL && cf_diags_count(d, CF_SEV_ERROR) > 0);
		return;
	}
	FUZZ_ASSERT(rc == 0 && doc);
	if (doc->body) {
		FUZZ_ASSERT(doc->body >= data && doc->body + doc->body_len <= data + len);
		FUZZ_ASSERT(doc->body_line >= 1);
	}
	if (doc->root) {
		size_t budget = 4 * (len + 10000) + 16;
		fuzz_walk_node(doc->root, 0, &budget);
	}
}

/* ---- the fixed key and identity ----------------------------------------------------------- */

/* The repository key of every seed: the bytes 1 to 32. */
static inline cf_key *fuzz_key(void)
{
	unsigned char secret[CF_KEY_BYTES];
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)(i + 1);
	cf_key *k = NULL;
	FUZZ_ASSERT(cf_key_from_bytes(&k, secret) == 0);
	return k;
}

/* A keyring of that key alone. */
static inline cf_keyring *fuzz_keyring(void)
{
	cf_keyring *ring = NULL;
	FUZZ_ASSERT(cf_keyring_new(&ring) == 0);
	FUZZ_ASSERT(cf_keyring_add(ring, fuzz_key()) == 0);
	return ring;
}

/* alice, the admin of every seed's member log, and the member keys are sealed to: an
 * identity made once by `casefile keygen --no-passphrase` for these tests alone (it protects
 * nothing). */
#define FUZZ_IDENTITY                                                                              \
	"casefile-identity 2\n"                                                                    \
	"public 6gBy70B+zuA4fvzi4Qd7zP+MK+HE3c4YVEPdr3bfPwg=\n"                                    \
	"sign-public gKXx4t8LO6kxtbL5TzQs0ptYWyQeY9JUk9xN2P3r36I=\n"                               \
	"secret "                                                                                  \
	"mHqepqK/PzD4imE91Q9vbUNJ4RySo6U7qsIHbdR6GdyLDOTjx/58exJIGKwKBB/"                          \
	"b8c6tpP3bMfcjhsTXLmMzZQ==\n"

/* Loads alice (the file is written into dir). */
static inline cf_identity *fuzz_identity(const char *dir)
{
	char path[PATH_MAX];
	fuzz_path(path, dir, "alice.identity");
	FUZZ_ASSERT(fuzz_write(path, FUZZ_IDENTITY, strlen(FUZZ_IDENTITY), 0600) == 0);
	cf_identity *id = NULL;
	cf_diags d = CF_DIAGS_INIT;
	FUZZ_ASSERT(cf_identity_load(&id, path, NULL, 0, &d) == 0);
	cf_diags_free(&d);
	unlink(path);
	return id;
}

/* The member log of every seed: its genesis, by alice, alice its one admin and the fixed key
 * its repository key (the caller frees it with cf_mlog_free; text, when not NULL, receives
 * the log's bytes). */
static inline cf_mlog *fuzz_genesis(const cf_identity *alice, cf_buf *text)
{
	cf_key *k = fuzz_key();
	cf_keyring *ring = fuzz_keyring();
	cf_access_person me = {"alice", CF_ROLE_ADMIN, *cf_identity_public(alice), NULL, 0};
	cf_access_genesis_key gk = {k, NULL, 0};
	cf_access_request r;
	memset(&r, 0, sizeof(r));
	r.action = CF_ACT_GENESIS;
	r.people = &me;
	r.n_people = 1;
	r.keys = &gk;
	r.n_keys = 1;
	r.signer = "alice";
	r.signer_id = alice;
	r.date = "2026-01-05T10:00:00Z";
	cf_access_plan plan;
	cf_diags d = CF_DIAGS_INIT;
	FUZZ_ASSERT(cf_access_plan_make(&plan, NULL, &r, ring, &d) == 0);
	cf_mlog *log = NULL;
	FUZZ_ASSERT(cf_mlog_load(&log, plan.log.ptr, plan.log.len, CF_MLOG_PATH, &d) == 0);
	if (text)
		cf_buf_put(text, plan.log.ptr, plan.log.len);
	cf_access_plan_free(&plan);
	cf_diags_free(&d);
	cf_keyring_free(ring);
	cf_key_free(k);
	return log;
}

#ifdef FUZZ_NEED_GIT
#include <dirent.h>
#include <git2.h>

#include "fs.h"

/* Writes into repo's object store a blob for each file of the example repository -- under
 * cases/ the blob the filter makes of it with the fixed key (the same bytes every time: the
 * nonce is derived from the content), elsewhere the file itself -- and, when index is not
 * NULL, stages each at its path (mode 100644).  The harness that reads indexes and the seeds
 * of its corpus are made by this one function, so the seeds name blobs the harness has. */
static inline void fuzz_fill_rel(git_repository *repo, git_index *index, const cf_key *k,
				 const char *dir, const char *rel)
{
	char path[PATH_MAX];
	fuzz_path(path, dir, rel);
	struct stat st;
	FUZZ_ASSERT(lstat(path, &st) == 0);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		FUZZ_ASSERT(d);
		struct dirent *e;
		cf_strlist names = CF_STRLIST_INIT;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' || strcmp(e->d_name, ".casefile") == 0)
				FUZZ_ASSERT(cf_strlist_add(&names, e->d_name) == 0);
		closedir(d);
		cf_strlist_sort(&names);
		for (size_t i = 0; i < names.n; i++) {
			char sub[PATH_MAX];
			if (*rel)
				fuzz_path(sub, rel, names.items[i]);
			else
				snprintf(sub, sizeof(sub), "%s", names.items[i]);
			fuzz_fill_rel(repo, index, k, dir, sub);
		}
		cf_strlist_free(&names);
		return;
	}
	if (!S_ISREG(st.st_mode) || strcmp(rel, "README.md") == 0)
		return;
	cf_buf plain = CF_BUF_INIT, blob = CF_BUF_INIT;
	FUZZ_ASSERT(cf_read_file_buf(&plain, path, 1 << 20) == 0);
	if (strncmp(rel, "cases/", 6) == 0)
		FUZZ_ASSERT(cf_crypt_encrypt(&blob, k, rel, plain.ptr ? plain.ptr : "", plain.len,
					     NULL) == 0);
	else
		cf_buf_put(&blob, plain.ptr, plain.len);
	git_oid oid;
	FUZZ_ASSERT(git_blob_create_from_buffer(&oid, repo, blob.ptr ? blob.ptr : "", blob.len) ==
		    0);
	if (index) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.id = oid;
		e.path = rel;
		e.file_size = (uint32_t)blob.len;
		FUZZ_ASSERT(git_index_add(index, &e) == 0);
	}
	cf_buf_free(&plain);
	cf_buf_free(&blob);
}

#define FUZZ_ATTRIBUTES "cases/** filter=casefile diff=casefile merge=casefile\n"

/* The example repository, as above, and a .gitattributes that stores cases/ through
 * casefile. */
static inline void fuzz_fill_repo(git_repository *repo, git_index *index)
{
	cf_key *k = fuzz_key();
	char dir[PATH_MAX];
	fuzz_path(dir, CF_SRCDIR, "example-repo");
	fuzz_fill_rel(repo, index, k, dir, "");
	cf_key_free(k);
	git_oid oid;
	FUZZ_ASSERT(
	    git_blob_create_from_buffer(&oid, repo, FUZZ_ATTRIBUTES, strlen(FUZZ_ATTRIBUTES)) == 0);
	if (index) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.id = oid;
		e.path = ".gitattributes";
		FUZZ_ASSERT(git_index_add(index, &e) == 0);
	}
}
#endif

/* ---- Argon2id, made cheap ----------------------------------------------------------------- */

#ifdef FUZZ_FAKE_PWHASH
/* Passphrase files name their own Argon2id limits, up to a gigabyte and many passes: honest
 * work for a real import, but it would spend the whole run on one input.  A harness that
 * defines FUZZ_FAKE_PWHASH replaces libsodium's crypto_pwhash for the library linked into it
 * (the executable's definition wins) with keyed BLAKE2b of the passphrase, salt and limits.
 * The parsing around it is what is fuzzed; the seeds are made with the same stand-in. */
int crypto_pwhash(unsigned char *const out, unsigned long long outlen, const char *const passwd,
		  unsigned long long passwdlen, const unsigned char *const salt,
		  unsigned long long opslimit, size_t memlimit, int alg)
{
	if (outlen < crypto_generichash_BYTES_MIN || outlen > crypto_generichash_BYTES_MAX ||
	    alg != crypto_pwhash_ALG_ARGON2ID13)
		return -1;
	crypto_generichash_state st;
	unsigned long long lim[2] = {opslimit, (unsigned long long)memlimit};
	crypto_generichash_init(&st, salt, crypto_pwhash_SALTBYTES, (size_t)outlen);
	crypto_generichash_update(&st, (const unsigned char *)passwd, passwdlen);
	crypto_generichash_update(&st, (const unsigned char *)lim, sizeof(lim));
	return crypto_generichash_final(&st, out, (size_t)outlen);
}
#endif

#endif
