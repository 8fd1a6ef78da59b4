#include "guard.h"

#include <git2/sys/repository.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "protect.h"

/* Trees under cases/ nested deeper than this are not walked (a hostile tree could be nested
 * deep enough to exhaust the stack); a case repository nests four or five levels. */
#define MAX_DEPTH 64
#define STR_(x) #x
#define STR(x) STR_(x)
#define TEXT_RUN_STR STR(CF_GUARD_TEXT_RUN)

/* ---- diagnostics ---- */

/* -1 after a diagnostic was added, -2 when memory ran out adding it. */
static int reported(const cf_diags *diags)
{
	return diags->oom ? -2 : -1;
}

/* A source/read error naming what could not be read, with libgit2's reason. */
static int git_failed(cf_diags *diags, const char *file, const char *what)
{
	const git_error *e = git_error_last();
	cf_diags_add(diags, CF_SEV_ERROR, file ? file : "", 0, 0, "source/read", "%s: %s", what,
		     e && e->message ? e->message : "unknown error");
	return reported(diags);
}

/* The hint of a file staged in plaintext: set the filter up, then stage it again (git add
 * alone would not, as long as the file's stat data matches the index). */
static void hint_restage(cf_diags *diags, cf_diag *d, const char *path)
{
	cf_buf cmd = CF_BUF_INIT;
	cf_buf_puts(&cmd, "git rm --cached ");
	cf_buf_put_shell_word(&cmd, path);
	cf_buf_puts(&cmd, " && git add ");
	cf_buf_put_shell_word(&cmd, path);
	if (cf_buf_oom(&cmd))
		diags->oom = 1;
	else
		cf_diag_hint(diags, d,
			     "set up casefile's filter in this clone (`casefile init`; `casefile "
			     "doctor` says what is wrong), then stage the file again: `%s`",
			     cmd.ptr);
	cf_buf_free(&cmd);
}

/* ---- one blob ---- */

static int is_text(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' || c == '\r';
}

/* The length of the well-formed UTF-8 sequence of 2 to 4 bytes at b (len bytes there), or 0
 * (RFC 3629 §4): a lead byte C2..F4 and the continuation bytes 80..BF it calls for, with no
 * overlong form (E0 then A0.., F0 then 90..), no surrogate (ED then ..9F) and nothing above
 * U+10FFFF (F4 then ..8F). */
static size_t utf8_seq(const unsigned char *b, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (len < 2)
		return 0;
	if (b[0] >= 0xc2 && b[0] <= 0xdf) {
		n = 2;
	} else if (b[0] >= 0xe0 && b[0] <= 0xef) {
		n = 3;
		if (b[0] == 0xe0)
			lo = 0xa0;
		else if (b[0] == 0xed)
			hi = 0x9f;
	} else if (b[0] >= 0xf0 && b[0] <= 0xf4) {
		n = 4;
		if (b[0] == 0xf0)
			lo = 0x90;
		else if (b[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len < n || b[1] < lo || b[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (b[i] < 0x80 || b[i] > 0xbf)
			return 0;
	return n;
}

/* The offset of the first run of CF_GUARD_TEXT_RUN readable characters in b, or len: each
 * one printable ASCII byte (is_text) or one well-formed UTF-8 sequence (accented letters,
 * curly quotes and dashes are as much text as ASCII is).  A byte that starts neither ends the
 * run, and the next run starts at the byte after it; as UTF-8 continuation bytes start
 * nothing, a run starting anywhere is found. */
static size_t text_run(const unsigned char *b, size_t len)
{
	size_t run = 0, start = 0;
	for (size_t i = 0; i < len;) {
		size_t n = is_text(b[i]) ? 1 : utf8_seq(b + i, len - i);
		if (n == 0) {
			run = 0;
			i++;
			continue;
		}
		if (run++ == 0)
			start = i;
		i += n;
		if (run == CF_GUARD_TEXT_RUN)
			return start;
	}
	return len;
}

static int plaintext(cf_diags *diags, const char *path, size_t len)
{
	cf_diag *d;
	if (len == 0)
		d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/plaintext",
				 "not encrypted: the file is empty, and casefile's filter makes "
				 "even an empty file a blob of at least %d bytes, so it was stored "
				 "without the filter",
				 CF_CRYPT_V2_MIN);
	else
		d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/plaintext",
				 "not encrypted: git holds this file as plaintext, not as "
				 "casefile ciphertext");
	hint_restage(diags, d, path);
	return reported(diags);
}

static int too_large(cf_diags *diags, const char *path, size_t len)
{
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/format",
				  "too large for a case file: %zu bytes, and casefile makes no "
				  "encrypted file over %zu MiB",
				  len, CF_CRYPT_MAX_BLOB >> 20);
	cf_diag_hint(diags, d, "a case file is text; keep large attachments out of cases/");
	return reported(diags);
}

int cf_guard_blob(const char *path, const void *data, size_t len, const cf_keyring *ring,
		  cf_arena *scratch, cf_diags *diags)
{
	const unsigned char *b = data;
	if (!path)
		path = "";
	if (len == 0 || !b || len < CF_CRYPT_MAGIC_BYTES ||
	    memcmp(b, CF_CRYPT_MAGIC, CF_CRYPT_MAGIC_BYTES) != 0)
		return plaintext(diags, path, b ? len : 0);
	if (len > CF_CRYPT_MAX_BLOB)
		return too_large(diags, path, len);
	if (!cf_crypt_is_blob(b, len)) {
		cf_diag *d;
		unsigned v = len > CF_CRYPT_MAGIC_BYTES ? b[CF_CRYPT_MAGIC_BYTES] : 0;
		if (len > CF_CRYPT_MAGIC_BYTES && v != CF_CRYPT_VERSION &&
		    v != CF_CRYPT_VERSION_V1) {
			d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/format",
					 "encrypted in format version %u, which this casefile "
					 "does not read (it reads versions 1 and %d)",
					 v, CF_CRYPT_VERSION);
			cf_diag_hint(diags, d,
				     "upgrade casefile; if nobody uses a newer one, the file was "
				     "damaged: restore it from a commit or remote you trust");
		} else {
			d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/format",
					 "truncated or malformed: a casefile header, but %zu bytes "
					 "that are not the shape of a format %u blob",
					 len, v);
			cf_diag_hint(diags, d,
				     "restore the file from a commit or remote you trust");
		}
		return reported(diags);
	}

	unsigned char id[CF_KEYID_BYTES];
	if (cf_crypt_blob_keyid(id, b, len) == 0 && cf_keyring_find(ring, id)) {
		/* The key is held: the blob is authentic or it is not; nothing else to guess. */
		char *plain = NULL;
		size_t plain_len = 0;
		int rc = cf_crypt_decrypt(&plain, &plain_len, scratch, ring, b, len, path, diags);
		cf_arena_reset(scratch);
		if (rc == 0)
			return 0;
		return rc == CF_CRYPT_ERROR ? -2 : reported(diags);
	}

	/* Without the key only the shape can be judged: ciphertext is indistinguishable from
	 * random bytes, which hold neither a run of readable text this long (below 1e-24 per
	 * position) nor a stretch whose bytes are distributed as text's are (guard.h says why). */
	size_t head = cf_crypt_blob_header_len(b, len);
	size_t body = len - head;
	size_t at = text_run(b + head, body);
	const char *how = "readable characters";
	if (at == body) {
		at = cf_guard_nonrandom(b + head, body);
		how = "bytes distributed as text's or data's are, not as ciphertext's";
	}
	if (at == body)
		return 0;
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/plaintext",
				  "holds what is not ciphertext after its encryption header (%s "
				  "from byte %zu): plaintext appended to or pasted into an "
				  "encrypted file",
				  how, head + at);
	cf_diag_hint(diags, d,
		     "an encrypted file cannot be edited without its key: restore it "
		     "(`git restore --staged --worktree FILE`) and ask a member who holds the key "
		     "to make the change");
	return reported(diags);
}

static int printable(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' || c == '\r';
}

/* Is one window of n bytes (n <= CF_GUARD_WINDOW) unlike random bytes?  Its printable
 * count is above n*98/256 + sqrt(n * 64 ln 2 / 2) (Hoeffding: below 2^-64 for random
 * bytes), or one byte value comes CF_GUARD_REPEAT times or more (Chernoff, see guard.h). */
static int window_nonrandom(const unsigned char *w, size_t n)
{
	unsigned count[256] = {0};
	size_t text = 0;
	for (size_t i = 0; i < n; i++) {
		text += printable(w[i]);
		if (++count[w[i]] >= CF_GUARD_REPEAT)
			return 1;
	}
	/* text > n*98/256 + t with t^2 = n * 64 ln 2 / 2 = n * 22.18; scaled by 256 (d) and
	 * squared, in integers: d^2 * 100 > 256^2 * n * 2218. */
	long long d = 256 * (long long)text - 98 * (long long)n;
	return d > 0 && (unsigned long long)d * (unsigned long long)d * 100ull >
			    65536ull * (unsigned long long)n * 2218ull;
}

size_t cf_guard_nonrandom(const void *data, size_t len)
{
	const unsigned char *b = data;
	if (len <= CF_GUARD_WINDOW)
		return len && window_nonrandom(b, len) ? 0 : len;
	/* Windows of CF_GUARD_WINDOW bytes every half window, and the last one flush with the
	 * end: any stretch of 1.5 windows holds a whole one. */
	for (size_t at = 0;; at += CF_GUARD_WINDOW / 2) {
		if (at + CF_GUARD_WINDOW > len)
			at = len - CF_GUARD_WINDOW;
		if (window_nonrandom(b + at, CF_GUARD_WINDOW))
			return at;
		if (at + CF_GUARD_WINDOW >= len)
			return len;
	}
}

/* ---- opening the repository ---- */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* What GIT_REPOSITORY_OPEN_FROM_ENV does, for the one case libgit2 1.5 refuses: GIT_WORK_TREE
 * set (`git --work-tree=DIR commit` exports it to hooks).  The guard reads objects, refs and
 * the index only, so the working tree plays no part and is left out. */
static int open_env_without_work_tree(git_repository **out)
{
	const char *dir = env("GIT_DIR");
	const char *objects = env("GIT_OBJECT_DIRECTORY");
	const char *alternates = env("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	const char *index_file = env("GIT_INDEX_FILE");
	const char *ns = env("GIT_NAMESPACE");
	git_odb *odb = NULL;
	git_index *index = NULL;
	char *alts = NULL;
	int rc =
	    git_repository_open_ext(out, dir ? dir : ".", dir ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0,
				    env("GIT_CEILING_DIRECTORIES"));
	if (rc < 0) {
		*out = NULL;
		return rc;
	}
	if (objects || alternates) {
		rc = objects ? git_odb_open(&odb, objects) : git_repository_odb(&odb, *out);
		if (rc == 0 && alternates) {
			if (!(alts = cf_strdup(alternates))) {
				git_error_set_oom();
				rc = -1;
			}
			for (char *p = alts, *next; rc == 0 && p; p = next) {
				next = strchr(p, ':');
				if (next)
					*next++ = '\0';
				if (*p)
					rc = git_odb_add_disk_alternate(odb, p);
			}
		}
		if (rc == 0 && objects)
			rc = git_repository_set_odb(*out, odb);
	}
	if (rc == 0 && index_file && (rc = git_index_open(&index, index_file)) == 0)
		rc = git_repository_set_index(*out, index);
	if (rc == 0 && ns)
		rc = git_repository_set_namespace(*out, ns);
	free(alts);
	git_odb_free(odb);
	git_index_free(index);
	if (rc < 0) {
		git_repository_free(*out);
		*out = NULL;
	}
	return rc;
}

int cf_guard_open(git_repository **out, const char *path, cf_diags *diags)
{
	*out = NULL;
	/* Like a cf_source, the repository holds a reference to libgit2 of its own, which the
	 * caller gives back (git_libgit2_shutdown) after git_repository_free. */
	if (git_libgit2_init() < 0) {
		cf_diags_add(diags, CF_SEV_ERROR, path ? path : "", 0, 0, "source/read",
			     "cannot open the repository: libgit2 cannot be initialised");
		return reported(diags);
	}
	int rc;
	if (path)
		rc = git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	else if (env("GIT_WORK_TREE") && !env("GIT_COMMON_DIR"))
		rc = open_env_without_work_tree(out);
	else
		rc = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (rc < 0) {
		*out = NULL;
		const char *where = path ? path : env("GIT_DIR");
		rc = git_failed(diags, where ? where : ".", "cannot open the git repository");
		git_libgit2_shutdown();
		return rc;
	}
	return 0;
}

/* ---- a set of object ids ---- */

/* Open addressing with linear probing, keyed by a SipHash of the id under a random key, so
 * that objects crafted to collide in the low bits of their ids cannot make probing slow. */
typedef struct oid_set {
	git_oid *keys;
	unsigned char *vals; /* 0: empty slot; else SLOT_USED, with SLOT_BAD when bad */
	size_t cap, len;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
} oid_set;

#define SLOT_USED 1
#define SLOT_BAD 2

static size_t oid_hash(const oid_set *s, const git_oid *id)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, id->id, sizeof(id->id), s->hash_key);
	size_t v;
	memcpy(&v, h, sizeof(v) < sizeof(h) ? sizeof(v) : sizeof(h));
	return v;
}

/* The slot that holds id, or the empty slot where it would go (cap is a power of two, and
 * the set is never more than half full). */
static size_t set_slot(const oid_set *s, const git_oid *id)
{
	size_t mask = s->cap - 1, i = oid_hash(s, id) & mask;
	while (s->vals[i] && !git_oid_equal(&s->keys[i], id))
		i = (i + 1) & mask;
	return i;
}

/* -1 when id is not in the set; else 1 when it was recorded bad, 0 when not. */
static int set_get(const oid_set *s, const git_oid *id)
{
	if (!s->cap)
		return -1;
	size_t i = set_slot(s, id);
	return s->vals[i] ? (s->vals[i] & SLOT_BAD) != 0 : -1;
}

static int set_grow(oid_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 256;
	oid_set n = *s;
	n.keys = malloc(cap * sizeof(*n.keys));
	n.vals = calloc(cap, 1);
	n.cap = cap;
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->vals[i])
			continue;
		size_t j = set_slot(&n, &s->keys[i]);
		git_oid_cpy(&n.keys[j], &s->keys[i]);
		n.vals[j] = s->vals[i];
	}
	free(s->keys);
	free(s->vals);
	*s = n;
	return 0;
}

/* Records id (not yet in the set) as bad or not; 0, or -1 when memory ran out. */
static int set_put(oid_set *s, const git_oid *id, int bad)
{
	if ((s->len + 1) * 2 > s->cap && set_grow(s) < 0)
		return -1;
	size_t i = set_slot(s, id);
	if (!s->vals[i])
		s->len++;
	git_oid_cpy(&s->keys[i], id);
	s->vals[i] = SLOT_USED | (bad ? SLOT_BAD : 0);
	return 0;
}

static void set_init(oid_set *s)
{
	memset(s, 0, sizeof(*s));
	crypto_shorthash_keygen(s->hash_key);
}

static void set_free(oid_set *s)
{
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

/* ---- history ---- */

typedef struct walk {
	git_repository *repo;
	git_odb *odb;
	const cf_keyring *ring;
	cf_arena *scratch;
	cf_diags *diags;
	oid_set seen;	 /* trees and blobs already judged: bad (holding a bad blob) or not */
	oid_set special; /* symbolic links and submodules, judged apart from blobs of the same id */
	cf_buf path;	 /* of the tree entry being judged */
	cf_buf shown;	 /* path escaped for a terminal (printable_path), when it must be */
	const git_object *where; /* the commit (or tree, for a tip that is one) being walked */
	cf_buf where_name;	 /* "commit 1a2b3c4", made when first needed */
} walk;

/* The bytes of the character at p (len bytes there) that a terminal may be given as they are:
 * 1 for printable ASCII, 2-4 for a well-formed UTF-8 sequence that is not a C1 control
 * (U+0080..U+009F, which some terminals obey as ESC and the like); 0 for anything else. */
static size_t shown_char(const unsigned char *p, size_t len)
{
	if (*p < 0x80)
		return *p >= 0x20 && *p != 0x7f;
	size_t n = utf8_seq(p, len);
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0 ? 0 : n;
}

/* path as it may be shown on a terminal: path itself, or -- when a byte of it is a control
 * character (below 0x20, 0x7f, a C1 control) or not part of well-formed UTF-8 -- a copy in
 * *out with each such byte, and each backslash (so that the copy reads back to one name),
 * written \xNN.  A name in a pushed tree is whatever its pusher made it (git refuses NUL and
 * '/' only), and the diagnostic goes to the terminal of whoever pushes or runs doctor.  NULL
 * when memory ran out. */
static const char *printable_path(cf_buf *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t len = strlen(path), i = 0, n;
	while (i < len && (n = shown_char(p + i, len - i)) > 0)
		i += n;
	if (i == len)
		return path;
	cf_buf_clear(out);
	for (i = 0; i < len; i += n) {
		n = shown_char(p + i, len - i);
		if (n == 0 || p[i] == '\\') {
			cf_buf_printf(out, "\\x%02x", (unsigned)p[i]);
			n = 1;
		} else {
			cf_buf_put(out, path + i, n);
		}
	}
	return cf_buf_oom(out) ? NULL : cf_buf_cstr(out);
}

const char *cf_guard_printable(cf_buf *out, const char *path)
{
	return printable_path(out, path);
}

/* The path of the tree entry being judged, as a diagnostic may name it; NULL out of memory. */
static const char *entry_path(walk *w)
{
	return printable_path(&w->shown, cf_buf_cstr(&w->path));
}

/* "commit 1a2b3c4" (the id as git abbreviates it) of the object being walked. */
static const char *where_name(walk *w)
{
	if (w->where_name.len)
		return w->where_name.ptr;
	int is_commit = git_object_type(w->where) == GIT_OBJECT_COMMIT;
	cf_buf_puts(&w->where_name, is_commit ? "commit " : "tree ");
	git_buf sid = GIT_BUF_INIT;
	if (git_object_short_id(&sid, w->where) == 0 && sid.ptr) {
		cf_buf_puts(&w->where_name, sid.ptr);
	} else {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, 13, git_object_id(w->where));
		cf_buf_puts(&w->where_name, hex);
		git_error_clear();
	}
	git_buf_dispose(&sid);
	if (cf_buf_oom(&w->where_name))
		w->diags->oom = 1;
	return cf_buf_cstr(&w->where_name);
}

/* Says where in the history the blob of the last diagnostic is, and for plaintext, how to
 * take it out of commits that are not yet pushed. */
static void amend_last(walk *w)
{
	cf_diags *diags = w->diags;
	if (!diags->len || diags->oom)
		return;
	const char *name = where_name(w);
	cf_diag *d = &diags->items[diags->len - 1];
	cf_buf msg = CF_BUF_INIT;
	cf_buf_printf(&msg, "%s (first in %s)", d->message, name);
	char *m = cf_buf_detach(&msg);
	if (!m) {
		diags->oom = 1;
		return;
	}
	free(d->message);
	d->message = m;
	if (strcmp(d->rule, "crypt/plaintext") == 0)
		cf_diag_hint(diags, d,
			     "no commit that holds it may leave this clone: once casefile's filter "
			     "works (`casefile doctor`), stage the file again (`git rm --cached "
			     "FILE`, `git add FILE`) and rewrite the commits that hold it (`git "
			     "commit --amend`, or `git rebase -i` for an earlier one)");
}

cf_diag *cf_guard_special(const char *path, int link, cf_diags *diags)
{
	cf_diag *d =
	    cf_diags_add(diags, CF_SEV_ERROR, path, 0, 0, "crypt/plaintext",
			 link ? "a symbolic link: git stores its target as plain text, not "
				"through casefile's filter"
			      : "a submodule: its files are kept in another repository, "
				"not encrypted through casefile's filter");
	cf_diag_hint(diags, d, "case directories hold regular files only");
	return d;
}

/* Judges the symbolic link or submodule at w->path: never ciphertext. */
static int judge_special(walk *w, const git_oid *id, int link)
{
	int v = set_get(&w->special, id);
	if (v >= 0)
		return v;
	const char *path = entry_path(w);
	if (!path)
		return -2;
	cf_guard_special(path, link, w->diags);
	amend_last(w);
	if (w->diags->oom || set_put(&w->special, id, 1) < 0)
		return -2;
	return 1;
}

static int judge_blob(walk *w, const git_oid *id)
{
	int v = set_get(&w->seen, id);
	if (v >= 0)
		return v;
	const char *path = entry_path(w);
	if (!path)
		return -2;
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	int rc;
	if (git_odb_read_header(&size, &type, w->odb, id) < 0)
		return git_failed(w->diags, path, "cannot read the file's blob");
	if (size > CF_CRYPT_MAX_BLOB) {
		/* Judged by its size alone: nothing that large is read into memory. */
		rc = too_large(w->diags, path, size);
	} else {
		git_blob *blob = NULL;
		if (git_blob_lookup(&blob, w->repo, id) < 0)
			return git_failed(w->diags, path, "cannot read the file's blob");
		rc = cf_guard_blob(path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				   w->ring, w->scratch, w->diags);
		git_blob_free(blob);
	}
	if (rc == -1)
		amend_last(w);
	if (rc == -2 || w->diags->oom || set_put(&w->seen, id, rc < 0) < 0)
		return -2;
	return rc < 0;
}

/* Judges every blob of the tree id at w->path ("cases/..."), each distinct tree and blob
 * once; 1 when it holds a bad blob, 0 when not, -1 or -2. */
static int walk_tree(walk *w, const git_oid *id, unsigned depth)
{
	int v = set_get(&w->seen, id);
	if (v >= 0)
		return v;
	const char *path = entry_path(w);
	if (!path)
		return -2;
	if (depth > MAX_DEPTH) {
		cf_diags_add(w->diags, CF_SEV_ERROR, path, 0, 0, "source/read",
			     "directories nested more than %d deep under %s/: not read", MAX_DEPTH,
			     CF_CASES_DIR);
		return reported(w->diags);
	}
	git_tree *tree = NULL;
	if (git_tree_lookup(&tree, w->repo, id) < 0)
		return git_failed(w->diags, path, "cannot read a directory");
	size_t base = w->path.len;
	int bad = 0, rc = 0;
	size_t n = git_tree_entrycount(tree);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *eid = git_tree_entry_id(e);
		w->path.len = base;
		cf_buf_puts(&w->path, git_tree_entry_name(e));
		if (cf_buf_oom(&w->path)) {
			rc = -2;
			break;
		}
		switch (git_tree_entry_type(e)) {
		case GIT_OBJECT_TREE:
			cf_buf_putc(&w->path, '/');
			rc = walk_tree(w, eid, depth + 1);
			break;
		case GIT_OBJECT_COMMIT:
			rc = judge_special(w, eid, 0);
			break;
		default:
			if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
				rc = judge_special(w, eid, 1);
			else
				rc = judge_blob(w, eid);
			break;
		}
		if (rc > 0)
			bad = 1;
	}
	w->path.len = base;
	if (w->path.ptr)
		w->path.ptr[base] = '\0';
	git_tree_free(tree);
	if (rc < 0)
		return rc;
	if (set_put(&w->seen, id, bad) < 0)
		return -2;
	return bad;
}

/* Judges the cases/ tree of root (the tree of where); 1 when it holds a bad blob. */
static int walk_root(walk *w, const git_tree *root, const git_object *where)
{
	/* Every root entry whose name is cases in any letter case: git matches the cases pattern so
	 * on a clone with core.ignorecase, and a link or file named cases would put the case
	 * files somewhere the filter never sees. */
	w->where = where;
	cf_buf_clear(&w->where_name);
	int bad = 0, rc = 0;
	size_t n = git_tree_entrycount(root);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(root, i);
		const char *name = git_tree_entry_name(e);
		if (strcasecmp(name, CF_CASES_DIR) != 0)
			continue;
		cf_buf_clear(&w->path);
		cf_buf_puts(&w->path, name);
		if (cf_buf_oom(&w->path))
			return -2;
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			cf_buf_putc(&w->path, '/');
			rc = walk_tree(w, git_tree_entry_id(e), 0);
		} else if (git_tree_entry_type(e) == GIT_OBJECT_COMMIT) {
			rc = judge_special(w, git_tree_entry_id(e), 0);
		} else if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
			rc = judge_special(w, git_tree_entry_id(e), 1);
		} else {
			rc = judge_blob(w, git_tree_entry_id(e));
		}
		if (rc > 0)
			bad = 1;
	}
	return rc < 0 ? rc : bad;
}

typedef struct oid_list {
	git_oid *ids;
	size_t n, cap;
} oid_list;

static int list_add(oid_list *l, const git_oid *id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		git_oid *ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return -1;
		l->ids = ids;
		l->cap = cap;
	}
	git_oid_cpy(&l->ids[l->n++], id);
	return 0;
}

/* Adds the object id (named name) to the walk: a commit (or a tag of one) is pushed; a tree
 * (a ref may point at one, and pushing it sends its blobs) goes to trees; a blob has no path,
 * so nothing under cases/. */
static int add_tip(git_revwalk *rw, oid_list *trees, git_repository *repo, const git_oid *id,
		   const char *name, cf_diags *diags)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = 0;
	if (git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY) < 0)
		return git_failed(diags, name, "cannot read the revision");
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		if (git_revwalk_push(rw, git_object_id(peeled)) < 0)
			rc = git_failed(diags, name, "cannot walk the revision");
	} else if (git_object_peel(&peeled, obj, GIT_OBJECT_TREE) == 0) {
		if (list_add(trees, git_object_id(peeled)) < 0)
			rc = -2;
	} else {
		git_error_clear();
	}
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* Hides the commit id names (a tag of one too); anything else -- an object this repository
 * lacks, a tree, a blob -- hides nothing and is passed over. */
static int hide(git_revwalk *rw, git_repository *repo, const git_oid *id, const char *name,
		cf_diags *diags)
{
	git_object *obj = NULL, *commit = NULL;
	int rc = 0;
	if (git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY) == 0 &&
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0 &&
	    git_revwalk_hide(rw, git_object_id(commit)) < 0)
		rc = git_failed(diags, name, "cannot walk the revision");
	git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

/* Adds (or, hiding, hides) the refs matching glob, read as git_revwalk_push_glob reads it:
 * "refs/" implied, "/ *" added to a glob without wildcards.  Walked here rather than by
 * libgit2, so that a ref to a tree is judged and a dangling symbolic ref (an origin/HEAD
 * whose branch was deleted) is passed over, as git passes over it. */
static int add_glob(git_revwalk *rw, oid_list *trees, git_repository *repo, const char *glob,
		    int hiding, cf_diags *diags)
{
	cf_buf pattern = CF_BUF_INIT;
	if (strncmp(glob, "refs/", 5) != 0)
		cf_buf_puts(&pattern, "refs/");
	cf_buf_puts(&pattern, glob);
	if (!glob[strcspn(glob, "?*[")])
		cf_buf_puts(&pattern, "/*");
	if (cf_buf_oom(&pattern)) {
		cf_buf_free(&pattern);
		return -2;
	}
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc = 0, err = 0;
	if (git_reference_iterator_glob_new(&it, repo, pattern.ptr) < 0)
		rc = git_failed(diags, glob, "cannot list the refs");
	while (rc == 0 && (err = git_reference_next(&ref, it)) == 0) {
		git_reference *resolved = NULL;
		const char *name = git_reference_name(ref);
		int e = git_reference_resolve(&resolved, ref);
		if (e == GIT_ENOTFOUND && git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC)
			git_error_clear();
		else if (e < 0)
			rc = git_failed(diags, name, "cannot resolve the ref");
		else if (hiding)
			rc = hide(rw, repo, git_reference_target(resolved), name, diags);
		else
			rc = add_tip(rw, trees, repo, git_reference_target(resolved), name, diags);
		git_reference_free(resolved);
		git_reference_free(ref);
	}
	if (rc == 0 && err != GIT_ITEROVER)
		rc = git_failed(diags, glob, "cannot list the refs");
	git_reference_iterator_free(it);
	cf_buf_free(&pattern);
	return rc;
}

/* Pushes the tips and hides the hides of range. */
static int walk_range(git_revwalk *rw, oid_list *trees, git_repository *repo,
		      const cf_guard_range *range, cf_diags *diags)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < range->n_tips; i++) {
		git_object *obj = NULL;
		const char *tip = range->tips[i];
		if (git_revparse_single(&obj, repo, tip) < 0)
			return git_failed(diags, tip, "cannot find the revision");
		rc = add_tip(rw, trees, repo, git_object_id(obj), tip, diags);
		git_object_free(obj);
	}
	if (rc == 0 && range->tip_glob)
		rc = add_glob(rw, trees, repo, range->tip_glob, 0, diags);
	for (size_t i = 0; rc == 0 && i < range->n_hides; i++) {
		/* The remote's side of a push names commits this clone may never have fetched:
		 * they hide nothing here. */
		git_object *obj = NULL;
		if (git_revparse_single(&obj, repo, range->hides[i]) == 0)
			rc = hide(rw, repo, git_object_id(obj), range->hides[i], diags);
		git_error_clear();
		git_object_free(obj);
	}
	if (rc == 0 && range->hide_glob)
		rc = add_glob(rw, trees, repo, range->hide_glob, 1, diags);
	return rc;
}

int cf_guard_revwalk(git_revwalk **out, git_repository *repo, const cf_guard_range *range,
		     cf_diags *diags)
{
	oid_list trees = {NULL, 0, 0};
	*out = NULL;
	git_revwalk *rw = NULL;
	if (git_revwalk_new(&rw, repo) < 0 ||
	    git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0) {
		git_revwalk_free(rw);
		return git_failed(diags, "", "cannot walk the history");
	}
	int rc = walk_range(rw, &trees, repo, range, diags);
	free(trees.ids);
	if (rc < 0) {
		git_revwalk_free(rw);
		return rc;
	}
	*out = rw;
	return 0;
}

int cf_guard_history(git_repository *repo, const cf_guard_range *range, const cf_keyring *ring,
		     cf_strlist *commits, cf_diags *diags)
{
	walk w;
	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.ring = ring;
	w.diags = diags;
	set_init(&w.seen);
	set_init(&w.special);
	git_revwalk *rw = NULL;
	oid_list trees = {NULL, 0, 0};
	int rc = 0, bad = 0, err;
	git_oid id;

	if (cf_arena_new(&w.scratch, 1) < 0) {
		rc = -2;
		goto out;
	}
	if (git_repository_odb(&w.odb, repo) < 0 || git_revwalk_new(&rw, repo) < 0 ||
	    git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0) {
		rc = git_failed(diags, "", "cannot walk the history");
		goto out;
	}
	if ((rc = walk_range(rw, &trees, repo, range, diags)) < 0)
		goto out;

	/* Oldest first, so that a bad blob is named in the commit that brought it. */
	while ((err = git_revwalk_next(&id, rw)) == 0) {
		git_commit *commit = NULL;
		git_tree *tree = NULL;
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &id);
		if (git_commit_lookup(&commit, repo, &id) < 0 || git_commit_tree(&tree, commit) < 0)
			rc = git_failed(diags, hex, "cannot read the commit");
		else
			rc = walk_root(&w, tree, (const git_object *)commit);
		git_tree_free(tree);
		git_commit_free(commit);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			bad = 1;
			if (commits && cf_strlist_add(commits, hex) < 0) {
				rc = -2;
				goto out;
			}
		}
	}
	if (err != GIT_ITEROVER) {
		rc = git_failed(diags, "", "cannot walk the history");
		goto out;
	}
	/* Trees that refs point at directly, after the commits, so that a blob that is in both
	 * is named in its commit. */
	for (size_t i = 0; i < trees.n; i++) {
		git_tree *tree = NULL;
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &trees.ids[i]);
		if (git_tree_lookup(&tree, repo, &trees.ids[i]) < 0)
			rc = git_failed(diags, hex, "cannot read the tree");
		else
			rc = walk_root(&w, tree, (const git_object *)tree);
		git_tree_free(tree);
		if (rc < 0)
			goto out;
		bad |= rc;
	}
	rc = bad;
out:
	if (rc == -1 && diags->oom)
		rc = -2;
	free(trees.ids);
	git_revwalk_free(rw);
	git_odb_free(w.odb);
	cf_arena_free(w.scratch);
	cf_buf_free(&w.path);
	cf_buf_free(&w.shown);
	cf_buf_free(&w.where_name);
	set_free(&w.seen);
	set_free(&w.special);
	return rc;
}

/* ---- attributes ---- */

/* libgit2 chooses the working tree and index sources of attributes by the low two bits of
 * the flags: 0 working tree then index, 1 index then working tree, 2 index only.  3 names
 * neither, so that with GIT_ATTR_CHECK_INCLUDE_COMMIT the commit's .gitattributes files are
 * read and not those of the index or working tree (which, in a clone with a working tree,
 * would come first).  tests/unit/guard.c holds libgit2 to it. */
#define ATTR_CHECK_NO_TREE_NO_INDEX 3

/* libgit2's object cache size limit for trees (src/libgit2/cache.c: 4096 bytes), and one
 * no tree reaches (git_tree_entry lengths are size_t; the whole cache stays bounded by
 * GIT_OPT_SET_CACHE_MAX_SIZE, 256 MiB by default). */
#define TREE_CACHE_DEFAULT ((size_t)4096)
#define TREE_CACHE_ANY ((size_t)CF_CRYPT_MAX_BLOB)

/* "filter is not set" and the like: what git sees for attr. */
static void describe(cf_buf *b, const char *attr, const char *value)
{
	switch (git_attr_value(value)) {
	case GIT_ATTR_VALUE_UNSPECIFIED:
		cf_buf_printf(b, "%s is not set", attr);
		break;
	case GIT_ATTR_VALUE_FALSE:
		cf_buf_printf(b, "%s is unset: -%s", attr, attr);
		break;
	case GIT_ATTR_VALUE_TRUE:
		cf_buf_printf(b, "%s is set without a value", attr);
		break;
	default:
		cf_buf_printf(b, "%s=%s", attr, value);
		break;
	}
}

static int wrong_attribute(cf_diags *diags, const char *path, int which, const char *value)
{
	static const char *const names[] = {"filter", "diff", "merge"};
	static const char *const what[] = {
	    "would be stored without casefile's filter, in plaintext",
	    "would be shown by git diff without casefile's textconv",
	    "would be merged without casefile's merge driver",
	};
	cf_buf why = CF_BUF_INIT;
	describe(&why, names[which], value);
	if (cf_buf_oom(&why)) {
		cf_buf_free(&why);
		diags->oom = 1;
		return -2;
	}
	cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, ".gitattributes", 0, 0, "crypt/attributes",
				  "%s %s (%s)", path, what[which], why.ptr);
	cf_diag_hint(diags, d,
		     "the root .gitattributes must route case files through casefile: "
		     "`cases/** filter=casefile diff=casefile merge=casefile` (the line `casefile "
		     "init` writes), and no .gitattributes under cases/ may override it");
	cf_buf_free(&why);
	return diags->oom ? -2 : 1;
}

int cf_guard_attributes(git_repository *repo, const char *commit, const cf_strlist *paths,
			cf_diags *diags)
{
	static const char *names[] = {"filter", "diff", "merge"};
	git_attr_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.version = GIT_ATTR_OPTIONS_VERSION;
	if (commit) {
		git_object *obj = NULL, *c = NULL;
		int rc = 0;
		if (git_revparse_single(&obj, repo, commit) < 0 ||
		    git_object_peel(&c, obj, GIT_OBJECT_COMMIT) < 0)
			rc = git_failed(diags, commit, "cannot find the commit");
		else
			git_oid_cpy(&opts.attr_commit_id, git_object_id(c));
		git_object_free(c);
		git_object_free(obj);
		if (rc < 0)
			return rc;
		opts.flags = ATTR_CHECK_NO_TREE_NO_INDEX | GIT_ATTR_CHECK_INCLUDE_COMMIT |
			     GIT_ATTR_CHECK_NO_SYSTEM;
	} else {
		opts.flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM;
	}
	/* In commit mode libgit2 looks up each directory's .gitattributes in the commit's trees
	 * for every path, and its object cache keeps no tree over 4 KiB: the cases/ tree was
	 * read and parsed again for each file, the square of the cases in all (issue 12).  With
	 * trees cached, whatever their size, each tree is read once and each lookup is a binary
	 * search per level.  The limit is process-wide; libgit2's default is put back after. */
	if (commit && git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE,
				       TREE_CACHE_ANY) < 0)
		return git_failed(diags, commit, "cannot set libgit2's tree cache");
	int rc = 0;
	for (size_t i = 0; rc == 0 && paths && i < paths->n; i++) {
		const char *values[3] = {NULL, NULL, NULL};
		if (git_attr_get_many_ext(values, repo, &opts, paths->items[i], 3, names) < 0) {
			rc = git_failed(diags, paths->items[i], "cannot read git's attributes");
			break;
		}
		for (int k = 0; rc == 0 && k < 3; k++)
			if (git_attr_value(values[k]) != GIT_ATTR_VALUE_STRING ||
			    strcmp(values[k], "casefile") != 0)
				rc = wrong_attribute(diags, paths->items[i], k, values[k]);
	}
	if (commit)
		(void)git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE,
				       TREE_CACHE_DEFAULT);
	return rc;
}

/* ---- rules ---- */

const cf_rule_info cf_guard_rules[] = {
    {"crypt/plaintext", "a case file that git would store, or has stored, in plaintext",
     "Every blob under cases/ -- staged for a commit, in a commit being pushed or received, or "
     "anywhere in the history -- is casefile ciphertext: the header (magic, format version, key "
     "id, nonce), the ciphertext and its tag. Also reported: an empty blob (the filter makes "
     "even an empty file a blob of some 300 bytes), a header followed by readable text (plaintext "
     "appended to or pasted into an encrypted file, which a run of " TEXT_RUN_STR " readable "
     "characters -- printable ASCII or UTF-8 -- gives away without the key), and symbolic links "
     "and submodules under cases/.",
     "Case files are about harmed children and their families. A plaintext blob goes "
     "wherever the repository goes: once pushed it is on the server, and in every clone and "
     "backup made from it, for good -- deleting the file in a later commit does not remove "
     "it. It happens when a clone's filter is not set up, when a tool built on libgit2 (which "
     "runs no filters) stages the file, or when .gitattributes is edited. `git commit "
     "--no-verify` skips the pre-commit hook, but not the pre-push hook, which checks every "
     "commit being pushed again, nor a shared repository's pre-receive hook, which refuses "
     "the push.",
     "Run `casefile doctor`: it names what is wrong with the clone's set-up. Once the filter "
     "works, `git rm --cached FILE` then `git add FILE` stages the file again, encrypted. "
     "Commits that already hold the plaintext must be rewritten before they are pushed (`git "
     "commit --amend`, or `git rebase -i` for an earlier one); if one was pushed, tell the "
     "repository's administrator, and follow your partnership's procedure for a data "
     "breach.",
     "DESIGN.md §6 (guards); issue 5; 000 §1.2; 001 §2.1.6"},
    {"crypt/attributes", "case files that .gitattributes does not route through casefile",
     "For each path under cases/ being committed or pushed, the attributes filter, diff and "
     "merge are all `casefile`, as the .gitattributes files staged in the index (or committed "
     "in the commit) set them -- a .gitattributes inside cases/ included, since it overrides "
     "the root one.",
     "The filter is what encrypts a case file when git stores it. A .gitattributes that drops "
     "it (a line removed, `-filter`, a `cases/.gitattributes` with `* -filter`) makes every "
     "clone that checks it out store case files in plaintext from then on. Without diff and "
     "merge, `git diff` shows ciphertext and merges of case files cannot be resolved.",
     "Restore the line `cases/** filter=casefile diff=casefile merge=casefile` in the root "
     ".gitattributes (`casefile init` writes it), remove any .gitattributes under cases/ that "
     "overrides it, and stage the result.",
     "DESIGN.md §6; issue 5"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
