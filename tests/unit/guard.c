/* lib/guard: no plaintext under cases/ in git -- one blob, a history of commits built with
 * libgit2 in a temporary repository, a bare clone with a pre-receive quarantine, and the
 * attributes that route case files through casefile's filter. */
#include "tap.h"

#include <git2.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "crypt.h"
#include "diag.h"
#include "fs.h"
#include "guard.h"
#include "rules.h"
#include "strlist.h"

#include "fsutil.h"

static char tmp[64];

static const char plain1[] = "id: 2026-001\n"
			     "title: The review of Child M\n"
			     "family:\n"
			     "  - name: Example Parent\n";
static const char plain2[] = "id: 2026-001\n"
			     "title: The review of Child M\n"
			     "stage: scoping\n";
static const char notes[] = "# Notes\n\nChild M told the school nurse about the bruises on "
			    "Monday; the nurse rang the front door service the same day.\n";
static const char attrs_ok[] = "cases/** filter=casefile diff=casefile merge=casefile\n";

/* tmp/name, in a static buffer: one at a time. */
static const char *in_tmp(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s/%s", tmp, name);
	return buf;
}

/* The rule of the only diagnostic, or a marker saying why there is not exactly one. */
static const char *only_rule(const cf_diags *d)
{
	if (d->len == 0)
		return "(none)";
	if (d->len > 1)
		return "(several)";
	return d->items[0].rule;
}

static int msg_has(const cf_diags *d, size_t i, const char *needle)
{
	return i < d->len && strstr(d->items[i].message, needle) != NULL;
}

/* 1 when s holds a control character: a byte below 0x20, 0x7f, or U+0080..U+009F. */
static int has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return 1;
	return 0;
}

/* The index of the diagnostic at file, or -1. */
static long diag_at(const cf_diags *d, const char *file)
{
	for (size_t i = 0; i < d->len; i++)
		if (strcmp(d->items[i].file, file) == 0)
			return (long)i;
	return -1;
}

/* The blob of text under k, into b. */
static void encrypt(cf_buf *b, const cf_key *k, const char *text, size_t len)
{
	cf_buf_clear(b);
	cf_crypt_encrypt(b, k, text, len);
}

/* ---- one blob ---- */

static void test_blob(const cf_key *k, const cf_keyring *ring, const cf_keyring *other_ring)
{
	const char *path = "cases/2026-001/case.yaml";
	cf_arena *scratch = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_buf blob = CF_BUF_INIT, b = CF_BUF_INIT;
	if (cf_arena_new(&scratch, 1) < 0) {
		ok(0, "secure arena");
		return;
	}
	size_t n = strlen(plain1);
	encrypt(&blob, k, plain1, n);

	is_int(cf_guard_blob(path, plain1, n, ring, scratch, &d), -1, "plaintext: -1");
	is_str(only_rule(&d), "crypt/plaintext", "plaintext: crypt/plaintext");
	ok(d.len == 1 && strcmp(d.items[0].file, path) == 0 && d.items[0].line == 0,
	   "plaintext: at the path, line 0");
	ok(msg_has(&d, 0, "not encrypted"), "plaintext: says not encrypted");
	ok(d.len == 1 && d.items[0].hint &&
	       strstr(d.items[0].hint, "git rm --cached cases/2026-001/case.yaml && git add "
				       "cases/2026-001/case.yaml"),
	   "plaintext: the hint re-stages the file");
	cf_diags_clear(&d);

	is_int(cf_guard_blob(path, "", 0, ring, scratch, &d), -1, "empty: -1");
	is_str(only_rule(&d), "crypt/plaintext", "empty: crypt/plaintext");
	ok(msg_has(&d, 0, "empty"), "empty: says so");
	cf_diags_clear(&d);

	is_int(cf_guard_blob(path, blob.ptr, blob.len, ring, scratch, &d), 0, "valid, key held: 0");
	is_int(d.len, 0, "valid, key held: no diagnostic");
	is_int(cf_arena_used(scratch), 0, "the plaintext decrypted to verify is wiped");
	is_int(cf_guard_blob(path, blob.ptr, blob.len, NULL, scratch, &d), 0, "valid, no ring: 0");
	is_int(cf_guard_blob(path, blob.ptr, blob.len, other_ring, scratch, &d), 0,
	       "valid, key not held: 0");
	is_int(d.len, 0, "valid: no diagnostic");

	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, blob.len);
	b.ptr[CF_CRYPT_HEADER_BYTES + 3] ^= 0x01;
	is_int(cf_guard_blob(path, b.ptr, b.len, ring, scratch, &d), -1, "tampered, key held: -1");
	is_str(only_rule(&d), "crypt/tampered", "tampered, key held: crypt/tampered");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), 0,
	       "tampered, key not held: looks like ciphertext, 0");
	cf_diags_clear(&d);

	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, blob.len);
	cf_buf_puts(&b, notes);
	is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), -1,
	       "appended plaintext, key not held: -1");
	is_str(only_rule(&d), "crypt/plaintext",
	       "appended plaintext, key not held: crypt/plaintext");
	ok(msg_has(&d, 0, "readable text after its encryption header"), "... says readable text");
	ok(d.len == 1 && !strstr(d.items[0].message, "Child M") &&
	       !(d.items[0].hint && strstr(d.items[0].hint, "Child M")),
	   "... and does not quote it");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, b.ptr, b.len, NULL, scratch, &d), -1,
	       "appended plaintext, no ring: -1");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, b.ptr, b.len, ring, scratch, &d), -1,
	       "appended plaintext, key held: -1");
	is_str(only_rule(&d), "crypt/tampered", "appended plaintext, key held: crypt/tampered");
	is_int(cf_arena_used(scratch), 0, "scratch wiped after a failed verify");
	cf_diags_clear(&d);

	/* A header, then random bytes: what ciphertext looks like without its key. */
	size_t body = 1 << 20;
	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
	if (cf_buf_grow(&b, body) == 0) {
		randombytes_buf(b.ptr + b.len, body);
		b.len += body;
	}
	is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), 0,
	       "header and 1 MiB of random bytes, key not held: 0");
	is_int(d.len, 0, "... no diagnostic");

	/* The run: one printable byte short of CF_GUARD_TEXT_RUN passes, the full run does not. */
	for (int run = CF_GUARD_TEXT_RUN - 1; run <= CF_GUARD_TEXT_RUN; run++) {
		cf_buf_clear(&b);
		cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
		for (int i = 0; i < 100; i++)
			cf_buf_putc(&b, (char)0x80);
		for (int i = 0; i < run; i++)
			cf_buf_putc(&b, i % 3 == 0 ? '\n' : 'a');
		for (int i = 0; i < 100; i++)
			cf_buf_putc(&b, (char)0xff);
		int want = run == CF_GUARD_TEXT_RUN ? -1 : 0;
		char name[96];
		snprintf(name, sizeof(name), "a run of %d readable bytes: %d", run, want);
		is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), want, name);
	}
	ok(msg_has(&d, 0, "from byte 141"), "the run's offset is named");
	cf_diags_clear(&d);

	/* Text full of UTF-8: each well-formed sequence is one character of the run. */
	static const char utf8_text[] = "Caf\xc3\xa9 \xe2\x80\x93 \xe2\x80\x9cquoted\xe2\x80\x9d "
					"na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x8e\n";
	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, blob.len);
	for (int i = 0; i < 4; i++)
		cf_buf_puts(&b, utf8_text);
	is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), -1,
	       "appended UTF-8 text (accents, curly quotes, a dash), key not held: -1");
	is_str(only_rule(&d), "crypt/plaintext", "... crypt/plaintext");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, b.ptr, b.len, NULL, scratch, &d), -1,
	       "appended UTF-8 text, no ring: -1");
	cf_diags_clear(&d);
	/* Where ASCII alone counted, no run of it is long enough: every few letters a byte of
	 * a multi-byte sequence broke it. */
	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
	for (int i = 0; i < 40; i++)
		cf_buf_puts(&b, "\xc3\xa9t\xc3\xa9 \xe2\x80\x9c");
	is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), -1,
	       "text in which no ASCII run is longer than 2 bytes: -1");
	ok(msg_has(&d, 0, "from byte 41"), "... from where the text starts");
	cf_diags_clear(&d);

	/* The run in characters: one 2-, 3- and 4-byte sequence each short of it passes. */
	static const char *const seqs[] = {"\xc3\xa9", "\xe2\x80\x9c", "\xf0\x9f\x93\x8e"};
	for (size_t s = 0; s < 3; s++)
		for (int run = CF_GUARD_TEXT_RUN - 1; run <= CF_GUARD_TEXT_RUN; run++) {
			cf_buf_clear(&b);
			cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
			cf_buf_putc(&b, (char)0xff);
			for (int i = 0; i < run; i++)
				cf_buf_puts(&b, seqs[s]);
			cf_buf_putc(&b, (char)0xff);
			int want = run == CF_GUARD_TEXT_RUN ? -1 : 0;
			char name[96];
			snprintf(name, sizeof(name), "a run of %d %zu-byte UTF-8 characters: %d",
				 run, s + 2, want);
			is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), want,
			       name);
			cf_diags_clear(&d);
		}

	/* What is not well-formed UTF-8 is no character: each of these, repeated well past the
	 * run, passes. */
	static const struct {
		const char *bytes, *what;
	} bad8[] = {
	    {"\xc0\xaf", "an overlong 2-byte form (C0 AF)"},
	    {"\xc1\xbf", "an overlong 2-byte form (C1 BF)"},
	    {"\xe0\x80\xaf", "an overlong 3-byte form (E0 80 AF)"},
	    {"\xf0\x80\x80\xaf", "an overlong 4-byte form (F0 80 80 AF)"},
	    {"\xed\xa0\x80", "a surrogate (ED A0 80)"},
	    {"\xf4\x90\x80\x80", "over U+10FFFF (F4 90 80 80)"},
	    {"\xf5\x80\x80\x80", "a lead byte F5"},
	    {"\xe2\x80", "a 3-byte sequence cut short"},
	    {"\x80\xbf", "continuation bytes alone"},
	    {"\xc3\xc3", "a lead byte where a continuation belongs"},
	};
	for (size_t j = 0; j < sizeof(bad8) / sizeof(*bad8); j++) {
		cf_buf_clear(&b);
		cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
		for (int i = 0; i < 4 * CF_GUARD_TEXT_RUN; i++)
			cf_buf_puts(&b, bad8[j].bytes);
		char name[128];
		snprintf(name, sizeof(name), "%s, repeated: not text, 0", bad8[j].what);
		is_int(cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d), 0, name);
		cf_diags_clear(&d);
	}

	/* Random bytes after a valid header, UTF-8 counted: still taken for ciphertext (guard.h
	 * works out the odds; a heuristic that took too much for text would show here). */
	int fp = 0;
	for (int round = 0; round < 8; round++) {
		cf_buf_clear(&b);
		cf_buf_put(&b, blob.ptr, CF_CRYPT_HEADER_BYTES);
		if (cf_buf_grow(&b, body) == 0) {
			randombytes_buf(b.ptr + b.len, body);
			b.len += body;
		}
		fp += cf_guard_blob(path, b.ptr, b.len, other_ring, scratch, &d) != 0;
	}
	is_int(fp, 0, "8 headers each followed by 1 MiB of random bytes, key not held: all 0");
	is_int(d.len, 0, "... no diagnostic");

	cf_buf_clear(&b);
	cf_buf_put(&b, blob.ptr, blob.len);
	b.ptr[CF_CRYPT_MAGIC_BYTES] = 2;
	is_int(cf_guard_blob(path, b.ptr, b.len, ring, scratch, &d), -1, "version 2: -1");
	is_str(only_rule(&d), "crypt/format", "version 2: crypt/format");
	ok(msg_has(&d, 0, "version 2"), "version 2: named");
	cf_diags_clear(&d);

	is_int(cf_guard_blob(path, blob.ptr, CF_CRYPT_OVERHEAD - 1, other_ring, scratch, &d), -1,
	       "truncated: -1");
	is_str(only_rule(&d), "crypt/format", "truncated: crypt/format");
	ok(msg_has(&d, 0, "truncated"), "truncated: says so");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, blob.ptr, CF_CRYPT_MAGIC_BYTES, NULL, scratch, &d), -1,
	       "the magic alone: -1");
	is_str(only_rule(&d), "crypt/format", "the magic alone: crypt/format");
	cf_diags_clear(&d);
	is_int(cf_guard_blob(path, blob.ptr, 5, NULL, scratch, &d), -1,
	       "a prefix of the magic: -1");
	is_str(only_rule(&d), "crypt/plaintext", "a prefix of the magic: crypt/plaintext");
	cf_diags_clear(&d);

	ok(cf_rule_find("crypt/plaintext") && cf_rule_find("crypt/attributes") &&
	       strstr(cf_rule_find("crypt/plaintext")->why, "--no-verify") &&
	       strstr(cf_rule_find("crypt/plaintext")->source, "DESIGN.md §6"),
	   "crypt/plaintext and crypt/attributes are explained");

	cf_buf_free(&blob);
	cf_buf_free(&b);
	cf_diags_free(&d);
	cf_arena_free(scratch);
}

/* ---- repositories built with libgit2 ---- */

/* Stages data at path (mode) in the in-memory index idx of r. */
static int stage(git_repository *r, git_index *idx, const char *path, const void *data, size_t len,
		 unsigned mode)
{
	git_index_entry e;
	memset(&e, 0, sizeof(e));
	e.mode = mode;
	e.path = path;
	if (mode == GIT_FILEMODE_COMMIT)
		return git_oid_cpy(&e.id, (const git_oid *)data) < 0 ? -1 : git_index_add(idx, &e);
	if (git_blob_create_from_buffer(&e.id, r, data, len) < 0)
		return -1;
	return git_index_add(idx, &e);
}

static int stage_text(git_repository *r, git_index *idx, const char *path, const char *text)
{
	return stage(r, idx, path, text, strlen(text), GIT_FILEMODE_BLOB);
}

/* Commits the tree of idx on parent (NULL: none), updating ref (may be NULL); its hex id. */
static int commit(char hex[GIT_OID_HEXSZ + 1], git_repository *r, git_index *idx,
		  const char *parent, const char *ref)
{
	static int t = 1700000000;
	git_oid tree_id, id, pid;
	git_tree *tree = NULL;
	git_commit *p = NULL;
	git_signature *sig = NULL;
	int rc = -1;
	if (git_index_write_tree_to(&tree_id, idx, r) < 0 ||
	    git_tree_lookup(&tree, r, &tree_id) < 0 ||
	    git_signature_new(&sig, "Test", "test@example.org", t++, 0) < 0)
		goto out;
	if (parent && (git_oid_fromstr(&pid, parent) < 0 || git_commit_lookup(&p, r, &pid) < 0))
		goto out;
	const git_commit *parents[1] = {p};
	if (git_commit_create(&id, r, ref, sig, sig, NULL, "a commit\n", tree, p ? 1 : 0, parents) <
	    0)
		goto out;
	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
	rc = 0;
out:
	if (rc < 0) {
		const git_error *e = git_error_last();
		printf("# commit: %s\n", e ? e->message : "?");
	}
	git_signature_free(sig);
	git_commit_free(p);
	git_tree_free(tree);
	return rc;
}

/* git's abbreviation of the object hex. */
static void short_id(char *out, size_t size, git_repository *r, const char *hex)
{
	git_oid id;
	git_object *obj = NULL;
	git_buf b = GIT_BUF_INIT;
	out[0] = '\0';
	if (git_oid_fromstr(&id, hex) == 0 &&
	    git_object_lookup(&obj, r, &id, GIT_OBJECT_ANY) == 0 &&
	    git_object_short_id(&b, obj) == 0)
		snprintf(out, size, "%s", b.ptr);
	git_buf_dispose(&b);
	git_object_free(obj);
}

/* How many references to libgit2 are held. */
static int libgit2_users(void)
{
	int n = git_libgit2_init();
	git_libgit2_shutdown();
	return n - 1;
}

/* Frees a repository cf_guard_open opened, and gives back its reference to libgit2. */
static void close_repo(git_repository **r)
{
	if (*r) {
		git_repository_free(*r);
		git_libgit2_shutdown();
		*r = NULL;
	}
}

/* A bare clone of src that borrows its objects, as `git clone --bare --shared` makes: its
 * objects/info/alternates names src's object directory, and refs/heads/main is src's.
 * (Not git_clone: libgit2 1.5's remote set-up leaks pcre2 match data.) */
static int bare_clone(git_repository **out, git_repository *src, const char *dir)
{
	git_repository *b = NULL;
	git_reference *head = NULL, *ref = NULL;
	char *alternates = NULL;
	cf_buf line = CF_BUF_INIT;
	int rc = -1;
	*out = NULL;
	cf_buf_printf(&line, "%sobjects\n", git_repository_path(src));
	if (git_repository_init(&b, dir, 1) < 0 ||
	    !(alternates = cf_path_join(git_repository_path(b), "objects/info/alternates")) ||
	    cf_write_file_atomic(alternates, line.ptr, line.len, 0644) < 0 ||
	    git_reference_lookup(&head, src, "refs/heads/main") < 0)
		goto out;
	git_repository_free(b);
	b = NULL;
	/* Reopened, so that its object database reads the alternates. */
	if (git_repository_open_bare(&b, dir) < 0 ||
	    git_reference_create(&ref, b, "refs/heads/main", git_reference_target(head), 0,
				 "clone") < 0)
		goto out;
	*out = b;
	b = NULL;
	rc = 0;
out:
	git_reference_free(ref);
	git_reference_free(head);
	git_repository_free(b);
	free(alternates);
	cf_buf_free(&line);
	return rc;
}

static int list_is(const cf_strlist *l, const char *a, const char *b, const char *c)
{
	const char *want[3] = {a, b, c};
	size_t n = 0;
	while (n < 3 && want[n])
		n++;
	if (l->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->items[i], want[i]) != 0)
			return 0;
	return 1;
}

typedef struct history {
	git_repository *r;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1], c[GIT_OID_HEXSZ + 1], d[GIT_OID_HEXSZ + 1],
	    e[GIT_OID_HEXSZ + 1], f[GIT_OID_HEXSZ + 1], g[GIT_OID_HEXSZ + 1],
	    tree_b[GIT_OID_HEXSZ + 1];
} history;

/*   A  ciphertext case.yaml                         (refs/heads/main: A-B-C-D)
 *   B  + notes/n.md in plaintext
 *   C  case.yaml changed (ciphertext)
 *   D  notes/n.md removed
 *   E  on D: the plaintext of n.md again, at another path  (refs/heads/copy)
 *   F  on A: a symbolic link, a submodule, an empty file, a tampered blob  (refs/heads/odd)
 *   G  on A: "cases" is a file, not a directory  (refs/heads/flat) */
static int make_history(history *h, const cf_key *k)
{
	cf_buf blob = CF_BUF_INIT;
	git_index *idx = NULL;
	git_reference *ref = NULL;
	git_oid tid;
	int rc = -1;
	if (git_repository_init(&h->r, in_tmp("h"), 0) < 0 || git_index_new(&idx) < 0)
		goto out;
	encrypt(&blob, k, plain1, strlen(plain1));
	if (stage_text(h->r, idx, ".gitattributes", attrs_ok) < 0 ||
	    stage(h->r, idx, "cases/2026-001/case.yaml", blob.ptr, blob.len, GIT_FILEMODE_BLOB) <
		0 ||
	    commit(h->a, h->r, idx, NULL, "refs/heads/main") < 0)
		goto out;
	if (stage_text(h->r, idx, "cases/2026-001/notes/n.md", notes) < 0 ||
	    commit(h->b, h->r, idx, h->a, "refs/heads/main") < 0 ||
	    git_index_write_tree_to(&tid, idx, h->r) < 0)
		goto out;
	git_oid_tostr(h->tree_b, sizeof(h->tree_b), &tid);
	encrypt(&blob, k, plain2, strlen(plain2));
	if (stage(h->r, idx, "cases/2026-001/case.yaml", blob.ptr, blob.len, GIT_FILEMODE_BLOB) <
		0 ||
	    commit(h->c, h->r, idx, h->b, "refs/heads/main") < 0 ||
	    git_index_remove(idx, "cases/2026-001/notes/n.md", 0) < 0 ||
	    commit(h->d, h->r, idx, h->c, "refs/heads/main") < 0)
		goto out;
	if (stage_text(h->r, idx, "cases/2026-002/copy.md", notes) < 0 ||
	    commit(h->e, h->r, idx, h->d, "refs/heads/copy") < 0)
		goto out;

	git_index_clear(idx);
	encrypt(&blob, k, plain1, strlen(plain1));
	git_oid aid;
	git_oid_fromstr(&aid, h->a);
	blob.ptr[CF_CRYPT_HEADER_BYTES] ^= 0x10;
	if (stage_text(h->r, idx, ".gitattributes", attrs_ok) < 0 ||
	    stage(h->r, idx, "cases/2026-001/case.yaml", blob.ptr, blob.len, GIT_FILEMODE_BLOB) <
		0 ||
	    stage_text(h->r, idx, "cases/2026-003/empty.md", "") < 0 ||
	    stage(h->r, idx, "cases/2026-003/link", "../2026-001/case.yaml", 21,
		  GIT_FILEMODE_LINK) < 0 ||
	    stage(h->r, idx, "cases/2026-003/sub", &aid, 0, GIT_FILEMODE_COMMIT) < 0 ||
	    commit(h->f, h->r, idx, h->a, "refs/heads/odd") < 0)
		goto out;

	git_index_clear(idx);
	if (stage_text(h->r, idx, "cases", notes) < 0 ||
	    commit(h->g, h->r, idx, h->a, "refs/heads/flat") < 0)
		goto out;
	if (git_reference_create(&ref, h->r, "refs/trees/b", &tid, 0, "a tree") < 0)
		goto out;
	git_reference_free(ref);
	ref = NULL;
	/* What a remote's HEAD becomes when its branch is deleted. */
	if (git_reference_symbolic_create(&ref, h->r, "refs/remotes/origin/HEAD",
					  "refs/remotes/origin/gone", 0, "dangling") < 0 ||
	    git_repository_set_head(h->r, "refs/heads/main") < 0)
		goto out;
	rc = 0;
out:
	git_reference_free(ref);
	git_index_free(idx);
	cf_buf_free(&blob);
	return rc;
}

static int guard(git_repository *r, const char *tip, const char *hide, const char *tip_glob,
		 const char *hide_glob, const cf_keyring *ring, cf_strlist *commits,
		 cf_diags *diags)
{
	const char *tips[1] = {tip}, *hides[1] = {hide};
	cf_guard_range range = {tips, tip ? 1 : 0, tip_glob, hides, hide ? 1 : 0, hide_glob};
	return cf_guard_history(r, &range, ring, commits, diags);
}

static void test_history(const cf_key *k, const cf_keyring *ring)
{
	history h;
	memset(&h, 0, sizeof(h));
	if (make_history(&h, k) < 0) {
		ok(0, "the history is made");
		git_repository_free(h.r);
		return;
	}
	git_repository *r = h.r;
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist commits = CF_STRLIST_INIT;
	char sb[64], sc[64], st[64], want[96];
	short_id(sb, sizeof(sb), r, h.b);
	short_id(sc, sizeof(sc), r, h.c);
	short_id(st, sizeof(st), r, h.tree_b);
	const char *n_md = "cases/2026-001/notes/n.md";

	is_int(guard(r, h.a, NULL, NULL, NULL, NULL, &commits, &d), 0, "ciphertext only: 0");
	ok(d.len == 0 && commits.n == 0, "ciphertext only: nothing reported");

	is_int(guard(r, h.c, NULL, NULL, NULL, NULL, &commits, &d), 1, "plaintext in B: 1");
	is_str(only_rule(&d), "crypt/plaintext", "plaintext in B: one crypt/plaintext");
	ok(d.len == 1 && strcmp(d.items[0].file, n_md) == 0, "... at its path");
	snprintf(want, sizeof(want), "(first in commit %s)", sb);
	ok(sb[0] && msg_has(&d, 0, want), "... naming B by its short id");
	ok(d.len == 1 && d.items[0].hint && strstr(d.items[0].hint, "git commit --amend"),
	   "... with a hint to rewrite the commits");
	ok(list_is(&commits, h.b, h.c, NULL), "commits: B and C, which still holds it");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, h.d, NULL, NULL, NULL, NULL, &commits, &d), 1, "tip D (removed it): 1");
	ok(list_is(&commits, h.b, h.c, NULL), "commits: B and C, not D");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, h.d, h.c, NULL, NULL, NULL, &commits, &d), 0, "D hiding C: 0");
	ok(d.len == 0 && commits.n == 0, "D hiding C: nothing reported");
	is_int(guard(r, h.c, h.c, NULL, NULL, NULL, &commits, &d), 0, "C hiding C: 0");

	is_int(guard(r, h.c, h.b, NULL, NULL, NULL, &commits, &d), 1, "C hiding B: 1");
	snprintf(want, sizeof(want), "(first in commit %s)", sc);
	ok(d.len == 1 && msg_has(&d, 0, want), "C hiding B: names C, which holds it too");
	ok(list_is(&commits, h.c, NULL, NULL), "C hiding B: commits C");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, h.c, "0123456789abcdef0123456789abcdef01234567", NULL, NULL, NULL, &commits,
		     &d),
	       1, "a hide the repository lacks is skipped");
	is_str(only_rule(&d), "crypt/plaintext", "... silently");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);
	is_int(guard(r, h.c, "no-such-branch", NULL, NULL, NULL, NULL, &d), 1,
	       "a hide naming no ref is skipped");
	is_str(only_rule(&d), "crypt/plaintext", "... silently");
	cf_diags_clear(&d);

	is_int(guard(r, "no-such-branch", NULL, NULL, NULL, NULL, NULL, &d), -1,
	       "a tip that cannot be found: -1");
	is_str(only_rule(&d), "source/read", "... source/read");
	cf_diags_clear(&d);

	is_int(guard(r, h.c, NULL, NULL, NULL, ring, &commits, &d), 1,
	       "with the key: plaintext still 1");
	is_str(only_rule(&d), "crypt/plaintext", "with the key: one crypt/plaintext");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, "copy", NULL, NULL, NULL, NULL, &commits, &d), 1,
	       "the same plaintext at a second path: 1");
	ok(d.len == 1 && strcmp(d.items[0].file, n_md) == 0,
	   "... reported once, where it first appeared");
	ok(list_is(&commits, h.b, h.c, h.e), "... commits B, C and E");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, "odd", "main", NULL, NULL, ring, &commits, &d), 1,
	       "link, submodule, empty, tampered: 1");
	is_int(d.len, 4, "... four diagnostics");
	long i;
	i = diag_at(&d, "cases/2026-003/link");
	ok(i >= 0 && strcmp(d.items[i].rule, "crypt/plaintext") == 0 &&
	       msg_has(&d, (size_t)i, "symbolic link"),
	   "a symbolic link: crypt/plaintext");
	i = diag_at(&d, "cases/2026-003/sub");
	ok(i >= 0 && strcmp(d.items[i].rule, "crypt/plaintext") == 0 &&
	       msg_has(&d, (size_t)i, "submodule"),
	   "a submodule: crypt/plaintext");
	i = diag_at(&d, "cases/2026-003/empty.md");
	ok(i >= 0 && strcmp(d.items[i].rule, "crypt/plaintext") == 0 &&
	       msg_has(&d, (size_t)i, "empty"),
	   "an empty file: crypt/plaintext");
	i = diag_at(&d, "cases/2026-001/case.yaml");
	ok(i >= 0 && strcmp(d.items[i].rule, "crypt/tampered") == 0 &&
	       msg_has(&d, (size_t)i, "(first in commit "),
	   "a tampered blob with the key: crypt/tampered, in its commit");
	ok(list_is(&commits, h.f, NULL, NULL), "... commits F");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);
	is_int(guard(r, "odd", "main", NULL, NULL, NULL, NULL, &d), 1, "without the key: 1");
	is_int(d.len, 3, "... the tampered blob passes for ciphertext");
	cf_diags_clear(&d);

	is_int(guard(r, "flat", "main", NULL, NULL, NULL, &commits, &d), 1,
	       "a file named cases, in plaintext: 1");
	i = diag_at(&d, "cases");
	ok(d.len == 1 && i == 0 && strcmp(d.items[0].rule, "crypt/plaintext") == 0,
	   "... crypt/plaintext at 'cases': the files are not where the filter looks");
	ok(list_is(&commits, h.g, NULL, NULL), "... commit G");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);

	is_int(guard(r, h.tree_b, NULL, NULL, NULL, NULL, &commits, &d), 1,
	       "a tip that is a tree: its cases/ is judged");
	snprintf(want, sizeof(want), "(first in tree %s)", st);
	ok(d.len == 1 && msg_has(&d, 0, want), "... named by the tree's id");
	is_int(commits.n, 0, "... and no commit listed");
	cf_diags_clear(&d);

	is_int(guard(r, NULL, NULL, "refs/*", NULL, NULL, &commits, &d), 1,
	       "tip_glob refs/*, a dangling symbolic ref among them: 1");
	is_int(d.len, 4, "... every bad blob once: n.md, and F's link, submodule, empty file");
	ok(commits.n == 5 && cf_strlist_contains(&commits, h.b) &&
	       cf_strlist_contains(&commits, h.c) && cf_strlist_contains(&commits, h.e) &&
	       cf_strlist_contains(&commits, h.f) && cf_strlist_contains(&commits, h.g),
	   "... commits B, C, E, F, and G (whose file named cases is n.md's plaintext)");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);
	is_int(guard(r, NULL, NULL, "heads", "refs/heads/o*", NULL, &commits, &d), 1,
	       "tip_glob heads, hide_glob refs/heads/o*: 1");
	ok(commits.n == 4 && cf_strlist_contains(&commits, h.b) &&
	       cf_strlist_contains(&commits, h.c) && cf_strlist_contains(&commits, h.e) &&
	       cf_strlist_contains(&commits, h.g),
	   "... commits B, C, E, G");
	cf_diags_clear(&d);
	cf_strlist_free(&commits);
	is_int(guard(r, NULL, NULL, "refs/heads/main", "refs/heads/*", NULL, &commits, &d), 0,
	       "everything hidden: 0");
	is_int(guard(r, h.e, NULL, NULL, "refs/*", NULL, &commits, &d), 0,
	       "hide_glob refs/*, a dangling symbolic ref among them: 0");
	is_int(guard(r, NULL, NULL, NULL, NULL, NULL, &commits, &d), 0, "an empty range: 0");

	/* Names in a pushed tree are the pusher's: one with control characters or bytes that are
	 * not UTF-8 is named escaped, never as it is. */
	static const struct {
		const char *path, *shown;
	} names[] = {
	    {"cases/2026-005/evil\x1b[31mred\x1b[0m.md",
	     "cases/2026-005/evil\\x1b[31mred\\x1b[0m.md"},
	    {"cases/2026-005/bell\x07\x7f\r.md", "cases/2026-005/bell\\x07\\x7f\\x0d.md"},
	    {"cases/2026-005/latin1-caf\xe9.md", "cases/2026-005/latin1-caf\\xe9.md"},
	    {"cases/2026-005/c1-\xc2\x9b"
	     "2J.md",
	     "cases/2026-005/c1-\\xc2\\x9b2J.md"},
	    {"cases/2026-005/over\xc0\xaflong.md", "cases/2026-005/over\\xc0\\xaflong.md"},
	    {"cases/2026-005/back\\slash\x01.md", "cases/2026-005/back\\x5cslash\\x01.md"},
	    {"cases/2026-005/back\\slash.md", "cases/2026-005/back\\slash.md"},
	    {"cases/2026-005/r\xc3\xa9sum\xc3\xa9 \xe2\x80\x9c"
	     "A\xe2\x80\x9d.md",
	     "cases/2026-005/r\xc3\xa9sum\xc3\xa9 \xe2\x80\x9c"
	     "A\xe2\x80\x9d.md"},
	    {"cases/2026-\x1b]0;x\x07/n.md", "cases/2026-\\x1b]0;x\\x07/n.md"},
	};
	size_t n_names = sizeof(names) / sizeof(*names);
	git_index *idx = NULL;
	char hx[GIT_OID_HEXSZ + 1];
	int staged = git_index_new(&idx) == 0;
	for (size_t j = 0; staged && j < n_names; j++) {
		char text[64];
		snprintf(text, sizeof(text), "plaintext number %zu\n", j);
		staged = stage_text(r, idx, names[j].path, text) == 0;
	}
	if (staged && commit(hx, r, idx, h.a, NULL) == 0) {
		is_int(guard(r, hx, h.a, NULL, NULL, NULL, NULL, &d), 1,
		       "plaintext under names with control characters: 1");
		is_int(d.len, n_names, "... one diagnostic each");
		int all = 1, clean = 1;
		for (size_t j = 0; j < n_names; j++)
			if (diag_at(&d, names[j].shown) < 0) {
				all = 0;
				printf("# not named as %s\n", names[j].shown);
			}
		for (size_t j = 0; j < d.len; j++)
			if (has_control(d.items[j].file) || has_control(d.items[j].message) ||
			    has_control(d.items[j].hint))
				clean = 0;
		ok(all,
		   "... each named with its control characters and stray bytes as \\xNN, "
		   "a backslash among them as \\x5c; well-formed UTF-8 and a plain backslash as "
		   "they are");
		ok(clean, "... and no byte of a control character in any file, message or hint");
	} else {
		ok(0, "names with control characters are committed");
	}
	git_index_free(idx);
	idx = NULL;
	cf_diags_clear(&d);

	/* A blob larger than any case file is judged by its size, without being read. */
	size_t big = CF_CRYPT_MAX_BLOB + 1;
	char *zeros = calloc(1, big);
	if (zeros && git_index_new(&idx) == 0 &&
	    stage(r, idx, "cases/2026-004/scan.pdf", zeros, big, GIT_FILEMODE_BLOB) == 0 &&
	    commit(hx, r, idx, h.a, NULL) == 0) {
		is_int(guard(r, hx, h.a, NULL, NULL, NULL, NULL, &d), 1, "64 MiB and a byte: 1");
		is_str(only_rule(&d), "crypt/format", "... crypt/format");
		ok(msg_has(&d, 0, "too large"), "... too large");
	} else {
		ok(0, "a large blob is committed");
	}
	free(zeros);
	git_index_free(idx);
	cf_diags_free(&d);
	cf_strlist_free(&commits);

	/* cf_guard_open: a working tree's top, its git directory; a missing directory. */
	git_repository *o = NULL;
	int users = libgit2_users();
	is_int(cf_guard_open(&o, in_tmp("h"), &d), 0, "open: the working tree's top");
	is_int(libgit2_users(), users + 1, "... the repository holds a reference to libgit2");
	close_repo(&o);
	is_int(libgit2_users(), users, "... given back after it is freed");
	is_int(cf_guard_open(&o, in_tmp("h/.git"), &d), 0, "open: its git directory");
	close_repo(&o);
	is_int(cf_guard_open(&o, in_tmp("h/cases"), &d), -1, "open: no search upwards");
	is_int(libgit2_users(), users, "... a failure holds no reference");
	ok(o == NULL, "... *out NULL");
	is_str(only_rule(&d), "source/read", "... source/read");
	cf_diags_free(&d);
	git_repository_free(r);
}

/* ---- a bare repository receiving a push: the objects in a quarantine ---- */

static void test_quarantine(git_repository *h)
{
	git_repository *bare = NULL, *q = NULL, *o = NULL;
	git_odb *qodb = NULL;
	git_index *idx = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_strlist commits = CF_STRLIST_INIT;
	char base[GIT_OID_HEXSZ + 1], pushed[GIT_OID_HEXSZ + 1];
	char bare_dir[256], objects[256], qdir[256];
	snprintf(bare_dir, sizeof(bare_dir), "%s/q.git", tmp);
	snprintf(objects, sizeof(objects), "%s/q.git/objects", tmp);
	snprintf(qdir, sizeof(qdir), "%s/q.git/objects/incoming-1", tmp);
	git_object *main_tip = NULL;
	if (bare_clone(&bare, h, bare_dir) < 0 ||
	    git_revparse_single(&main_tip, bare, "refs/heads/main") < 0 || mkdir(qdir, 0700) < 0 ||
	    git_odb_open(&qodb, qdir) < 0 || git_odb_add_disk_alternate(qodb, objects) < 0 ||
	    git_repository_wrap_odb(&q, qodb) < 0 || git_index_new(&idx) < 0) {
		const git_error *e = git_error_last();
		ok(0, "a bare clone and a quarantine");
		printf("# %s\n", e ? e->message : "?");
		goto out;
	}
	git_oid_tostr(base, sizeof(base), git_object_id(main_tip));
	/* What receive-pack writes while the hook runs: new objects in the quarantine only. */
	if (stage_text(q, idx, ".gitattributes", attrs_ok) < 0 ||
	    stage_text(q, idx, "cases/2026-009/notes.md", notes) < 0 ||
	    commit(pushed, q, idx, base, NULL) < 0) {
		ok(0, "a commit in the quarantine");
		goto out;
	}

	is_int(cf_guard_open(&o, bare_dir, &d), 0, "open: a bare repository");
	is_int(guard(o, pushed, NULL, NULL, "refs/*", NULL, NULL, &d), -1,
	       "without the quarantine the pushed commit is not there: -1");
	is_str(only_rule(&d), "source/read", "... source/read");
	cf_diags_clear(&d);
	close_repo(&o);

	setenv("GIT_DIR", bare_dir, 1);
	setenv("GIT_OBJECT_DIRECTORY", qdir, 1);
	setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", objects, 1);
	setenv("GIT_QUARANTINE_PATH", qdir, 1);
	for (int wt = 0; wt < 2; wt++) {
		const char *how = wt ? "with GIT_WORK_TREE set" : "pre-receive's environment";
		char name[128];
		if (wt)
			setenv("GIT_WORK_TREE", in_tmp("h"), 1);
		snprintf(name, sizeof(name), "open from %s", how);
		is_int(cf_guard_open(&o, NULL, &d), 0, name);
		if (!o)
			continue;
		snprintf(name, sizeof(name), "%s: the pushed plaintext is found", how);
		is_int(guard(o, pushed, NULL, NULL, "refs/*", NULL, &commits, &d), 1, name);
		snprintf(name, sizeof(name), "%s: one crypt/plaintext at its path", how);
		ok(d.len == 1 && strcmp(d.items[0].rule, "crypt/plaintext") == 0 &&
		       strcmp(d.items[0].file, "cases/2026-009/notes.md") == 0,
		   name);
		snprintf(name, sizeof(name), "%s: only the pushed commit listed", how);
		ok(list_is(&commits, pushed, NULL, NULL), name);
		cf_diags_clear(&d);
		cf_strlist_free(&commits);
		close_repo(&o);
	}
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	unsetenv("GIT_QUARANTINE_PATH");
out:
	cf_diags_free(&d);
	cf_strlist_free(&commits);
	git_object_free(main_tip);
	git_index_free(idx);
	git_repository_free(q);
	git_odb_free(qodb);
	git_repository_free(bare);
}

/* ---- attributes ---- */

/* Replaces the repository's index with .gitattributes files: root, cases/, cases/2026-001/
 * (NULL: none). */
static int index_attrs(git_repository *r, const char *root, const char *cases, const char *case1)
{
	git_index *idx = NULL;
	int rc = -1;
	if (git_repository_index(&idx, r) < 0 || git_index_clear(idx) < 0)
		goto out;
	if ((root && stage_text(r, idx, ".gitattributes", root) < 0) ||
	    (cases && stage_text(r, idx, "cases/.gitattributes", cases) < 0) ||
	    (case1 && stage_text(r, idx, "cases/2026-001/.gitattributes", case1) < 0) ||
	    git_index_write(idx) < 0)
		goto out;
	rc = 0;
out:
	git_index_free(idx);
	return rc;
}

/* Commits the repository's index (on refs/heads/main). */
static int commit_index(char hex[GIT_OID_HEXSZ + 1], git_repository *r, const char *parent)
{
	git_index *idx = NULL;
	int rc = git_repository_index(&idx, r) == 0 ? commit(hex, r, idx, parent, "refs/heads/main")
						    : -1;
	git_index_free(idx);
	return rc;
}

static int attributes(git_repository *r, const char *commit_rev, cf_diags *d)
{
	cf_strlist paths = CF_STRLIST_INIT;
	cf_strlist_add(&paths, "cases/2026-001/case.yaml");
	cf_strlist_add(&paths, "cases/2026-001/notes/n.md");
	int rc = cf_guard_attributes(r, commit_rev, &paths, d);
	cf_strlist_free(&paths);
	return rc;
}

static void test_attributes(void)
{
	git_repository *r = NULL, *bare = NULL, *o = NULL;
	cf_diags d = CF_DIAGS_INIT;
	char good[GIT_OID_HEXSZ + 1], bad[GIT_OID_HEXSZ + 1];
	if (git_repository_init(&r, in_tmp("attr"), 0) < 0) {
		ok(0, "a repository");
		return;
	}

	ok(index_attrs(r, attrs_ok, NULL, NULL) == 0, "index: the line casefile init writes");
	is_int(attributes(r, NULL, &d), 0, "index: 0");
	is_int(d.len, 0, "index: no diagnostic");
	ok(commit_index(good, r, NULL) == 0 && git_repository_set_head(r, "refs/heads/main") == 0,
	   "committed");

	index_attrs(r, "*.md text\n", NULL, NULL);
	is_int(attributes(r, NULL, &d), 1, "index without the line: 1");
	is_str(only_rule(&d), "crypt/attributes", "... one crypt/attributes");
	ok(d.len == 1 && strcmp(d.items[0].file, ".gitattributes") == 0 && d.items[0].line == 0,
	   "... at .gitattributes, line 0");
	ok(msg_has(&d, 0, "cases/2026-001/case.yaml would be stored without casefile's filter") &&
	       msg_has(&d, 0, "filter is not set"),
	   "... naming the first path and the value");
	ok(d.len == 1 && d.items[0].hint &&
	       strstr(d.items[0].hint, "cases/** filter=casefile diff=casefile merge=casefile"),
	   "... the hint gives the line");
	cf_diags_clear(&d);

	index_attrs(r, "cases/** filter=casefile diff=casefile\n", NULL, NULL);
	is_int(attributes(r, NULL, &d), 1, "no merge=casefile: 1");
	ok(d.len == 1 && msg_has(&d, 0, "merge driver") && msg_has(&d, 0, "merge is not set"),
	   "... names merge");
	cf_diags_clear(&d);

	index_attrs(r, attrs_ok, "* -filter\n", NULL);
	is_int(attributes(r, NULL, &d), 1, "cases/.gitattributes with * -filter: 1");
	ok(d.len == 1 && msg_has(&d, 0, "filter is unset: -filter"), "... filter is unset");
	cf_diags_clear(&d);

	index_attrs(r, attrs_ok, NULL, "notes/** filter=lfs\n");
	is_int(attributes(r, NULL, &d), 1, "a case's .gitattributes routing notes to lfs: 1");
	ok(d.len == 1 && msg_has(&d, 0, "cases/2026-001/notes/n.md") &&
	       msg_has(&d, 0, "filter=lfs"),
	   "... names the path it concerns and the value");
	cf_diags_clear(&d);

	/* The working tree's .gitattributes is not what gets committed. */
	char *wt_attrs = cf_path_join(in_tmp("attr"), ".gitattributes");
	ok(wt_attrs && cf_write_file_atomic(wt_attrs, attrs_ok, strlen(attrs_ok), 0644) == 0,
	   "a good .gitattributes in the working tree");
	index_attrs(r, "*.md text\n", NULL, NULL);
	is_int(attributes(r, NULL, &d), 1, "index mode ignores the working tree's: 1");
	cf_diags_clear(&d);
	index_attrs(r, attrs_ok, "* -filter\n", NULL);
	ok(commit_index(bad, r, good) == 0, "committed cases/.gitattributes with * -filter");

	/* Commit mode reads the commit, never the index or the working tree. */
	index_attrs(r, "*.md text\n", "* -filter\n", NULL);
	if (wt_attrs)
		cf_write_file_atomic(wt_attrs, "* -filter\n", 10, 0644);
	is_int(attributes(r, good, &d), 0, "commit mode, good commit, bad index and tree: 0");
	is_int(d.len, 0, "... no diagnostic");
	is_int(attributes(r, bad, &d), 1, "commit mode, cases/.gitattributes with * -filter: 1");
	ok(d.len == 1 && msg_has(&d, 0, "filter is unset"), "... filter is unset");
	cf_diags_clear(&d);
	index_attrs(r, attrs_ok, NULL, NULL);
	is_int(attributes(r, bad, &d), 1, "commit mode, bad commit, good index: 1");
	cf_diags_clear(&d);
	is_int(attributes(r, "no-such-commit", &d), -1, "commit mode, no such commit: -1");
	is_str(only_rule(&d), "source/read", "... source/read");
	cf_diags_clear(&d);
	free(wt_attrs);

	/* A bare clone (a server's) has no index and no working tree. */
	if (bare_clone(&bare, r, in_tmp("attr.git")) == 0 &&
	    cf_guard_open(&o, in_tmp("attr.git"), &d) == 0) {
		ok(git_repository_is_bare(o), "a bare clone");
		is_int(attributes(o, good, &d), 0, "bare, commit mode, good commit: 0");
		is_int(attributes(o, bad, &d), 1, "bare, commit mode, bad commit: 1");
		is_str(only_rule(&d), "crypt/attributes", "... crypt/attributes");
		cf_diags_clear(&d);
		is_int(attributes(o, "main", &d), 1, "bare, commit mode by branch name: 1");
		cf_diags_clear(&d);
		ok(attributes(o, NULL, &d) != 0, "bare, index mode: no index, never 0");
		cf_diags_clear(&d);
	} else {
		ok(0, "a bare clone");
	}
	close_repo(&o);
	git_repository_free(bare);

	/* The temporary index of `git commit FILE` (GIT_INDEX_FILE), from the environment. */
	git_index *alt = NULL;
	git_index_entry e;
	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = ".gitattributes";
	if (git_blob_create_from_buffer(&e.id, r, "*.md text\n", 10) == 0 &&
	    git_index_open(&alt, in_tmp("alt-index")) == 0 && git_index_add(alt, &e) == 0 &&
	    git_index_write(alt) == 0) {
		char gd[256];
		snprintf(gd, sizeof(gd), "%s/attr/.git", tmp);
		setenv("GIT_DIR", gd, 1);
		setenv("GIT_INDEX_FILE", in_tmp("alt-index"), 1);
		for (int wt = 0; wt < 2; wt++) {
			if (wt)
				setenv("GIT_WORK_TREE", in_tmp("attr"), 1);
			ok(cf_guard_open(&o, NULL, &d) == 0 && attributes(o, NULL, &d) == 1,
			   wt ? "GIT_INDEX_FILE is read (with GIT_WORK_TREE)"
			      : "GIT_INDEX_FILE is read");
			cf_diags_clear(&d);
			close_repo(&o);
		}
		unsetenv("GIT_WORK_TREE");
		unsetenv("GIT_INDEX_FILE");
		unsetenv("GIT_DIR");
	} else {
		ok(0, "a second index");
	}
	git_index_free(alt);
	cf_diags_free(&d);
	git_repository_free(r);
}

int main(void)
{
	if (cf_init() < 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	if (make_temp_dir(tmp, sizeof(tmp), "guard") < 0) {
		printf("Bail out! temporary directory\n");
		return 1;
	}
	/* No configuration or attributes of the user running the tests. */
	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");

	cf_diags d = CF_DIAGS_INIT;
	git_repository *o = NULL;
	/* cf_guard_open needs nothing set up, and a failure leaves nothing to give back. */
	is_int(cf_guard_open(&o, tmp, &d), -1, "open, not a repository: -1");
	ok(o == NULL && d.len == 1 && strcmp(d.items[0].rule, "source/read") == 0 &&
	       strcmp(d.items[0].file, tmp) == 0,
	   "... source/read at the path");
	is_int(libgit2_users(), 0, "... libgit2 shut down again");
	cf_diags_free(&d);

	if (git_libgit2_init() < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, tmp) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, tmp) < 0) {
		printf("Bail out! libgit2\n");
		return 1;
	}
	cf_key *k = NULL, *other = NULL;
	cf_keyring *ring = NULL, *other_ring = NULL;
	if (cf_key_generate(&k) != 0 || cf_key_generate(&other) != 0 ||
	    cf_keyring_new(&ring) != 0 || cf_keyring_new(&other_ring) != 0) {
		printf("Bail out! keys\n");
		return 1;
	}
	cf_key *k_copy = NULL;
	if (cf_key_from_bytes(&k_copy, cf_key_secret(k)) != 0 ||
	    cf_keyring_add(ring, k_copy) != 0 || cf_keyring_add(other_ring, other) != 0) {
		printf("Bail out! keyrings\n");
		return 1;
	}

	test_blob(k, ring, other_ring);
	test_history(k, ring);
	git_repository *h = NULL;
	if (git_repository_open(&h, in_tmp("h")) == 0)
		test_quarantine(h);
	else
		ok(0, "the history's repository");
	git_repository_free(h);
	test_attributes();

	cf_keyring_free(ring);
	cf_keyring_free(other_ring);
	cf_key_free(k);
	remove_tree(tmp);
	git_libgit2_shutdown();
	return tap_done();
}
