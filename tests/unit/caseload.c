/* lib/caseload: cf_case_ids and cf_case_load(_in) on small repositories written to a temporary
 * directory (a copy of tests/data/repo's case, then one case per error path): what is listed,
 * what each file of the case holds, and the diagnostics a user sees, with file, line, column
 * and rule: no case.yaml, bad YAML, a root that is not a mapping, no or an unknown type, an
 * unknown file, a file that cannot be read, a case locked to this clone. */
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "caseload.h"
#include "crypt.h"
#include "diag.h"
#include "repo.h"
#include "source.h"
#include "strlist.h"

#include "fsutil.h"

static char root[PATH_MAX];
static char schema_dir[PATH_MAX];
static const char *schema_dirs[1] = {schema_dir};

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

static void show(const cf_diags *d)
{
	cf_buf out = CF_BUF_INIT;
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	const char *s = cf_buf_cstr(&out);
	while (*s) {
		size_t n = strcspn(s, "\n");
		printf("#   %.*s\n", (int)(n > 300 ? 300 : n), s);
		s += n + (s[n] == '\n');
	}
	cf_buf_free(&out);
}

/* Whether d holds exactly one diagnostic: sev, rule at file:line:col, its message holding
 * needle (when not NULL); shows d when not. */
static int only(const cf_diags *d, cf_severity sev, const char *file, unsigned line, unsigned col,
		const char *rule, const char *needle)
{
	int good = d->len == 1 && d->items[0].severity == sev &&
		   strcmp(d->items[0].file, file) == 0 && d->items[0].line == line &&
		   d->items[0].col == col && strcmp(d->items[0].rule, rule) == 0 &&
		   (!needle || strstr(d->items[0].message, needle));
	if (!good) {
		printf("# want only %s at %s:%u:%u %s\n", rule, file, line, col,
		       needle ? needle : "");
		show(d);
	}
	return good;
}

/* A TAP TODO test: a known bug, reported and not failing the file until it is fixed. */
static void todo(int cond, const char *name, const char *reason)
{
	tap_count++;
	printf("%s %d - %s # TODO %s\n", cond ? "ok" : "not ok", tap_count, name, reason);
}

static void put(const char *rel, const char *text)
{
	if (write_text_at(root, rel, text, 0600) < 0)
		bail(rel);
}

static const char *const case_yaml = "id: 2026-001\n"
				     "type: cspr\n"
				     "title: Child A\n"
				     "stage: rapid-review\n"
				     "route: notification\n";

/* Loads case id of the repository at root, read from the working tree (with ring, if any). */
typedef struct loaded {
	cf_repo *repo;
	cf_source *src;
	cf_case *c;
	cf_diags d;
	int rc;
} loaded;

static void load(loaded *L, const char *id, const cf_keyring *ring)
{
	memset(L, 0, sizeof(*L));
	cf_diags open = CF_DIAGS_INIT;
	if (cf_repo_open(&L->repo, root, schema_dirs, 1, &open) < 0 ||
	    cf_source_open_workdir(&L->src, root) < 0) {
		show(&open);
		bail("cannot open the test repository");
	}
	cf_diags_free(&open);
	if (ring)
		cf_source_set_keyring(L->src, ring);
	L->d = (cf_diags)CF_DIAGS_INIT;
	L->rc = cf_case_load(&L->c, L->repo, L->src, id, &L->d);
}

static void unload(loaded *L)
{
	cf_case_free(L->c);
	cf_source_free(L->src);
	cf_repo_free(L->repo);
	cf_diags_free(&L->d);
}

static void test_ids(void)
{
	cf_source *src = NULL;
	cf_strlist ids = CF_STRLIST_INIT;
	cf_diags d = CF_DIAGS_INIT;
	cf_source_open_workdir(&src, root);
	ok(cf_case_ids(&ids, src, &d) == 0 && d.len == 0 && ids.n == 0,
	   "case_ids: a repository with no cases/ lists none, quietly");
	cf_strlist_free(&ids);
	cf_source_free(src);

	put("cases/2026-002/case.yaml", "id: 2026-002\n");
	put("cases/2026-001/case.yaml", case_yaml);
	put("cases/README.md", "not a case\n");
	cf_source_open_workdir(&src, root);
	int rc = cf_case_ids(&ids, src, &d);
	ok(rc == 0 && d.len == 0 && ids.n == 2 && strcmp(ids.items[0], "2026-001") == 0 &&
	       strcmp(ids.items[1], "2026-002") == 0,
	   "case_ids: the directories under cases/, sorted, a file among them left out");
	cf_strlist_free(&ids);
	cf_diags_free(&d);
	cf_source_free(src);
}

static void test_good(void)
{
	char from[PATH_MAX + 64], to[PATH_MAX + 64];
	snprintf(from, sizeof(from), "%s/tests/data/repo/cases/2026-001", tap_srcdir());
	snprintf(to, sizeof(to), "%s/cases/2026-001", root);
	remove_tree(to);
	if (copy_tree(from, to) < 0)
		bail("cannot copy tests/data/repo");
	loaded L;
	load(&L, "2026-001", NULL);
	cf_case *c = L.c;
	ok(L.rc == 0 && c != NULL, "load: tests/data/repo's case loads");
	if (!c) {
		unload(&L);
		return;
	}
	if (!ok(L.d.len == 0, "... with no diagnostic"))
		show(&L.d);
	is_str(c->id, "2026-001", "... its id is the directory name");
	is_str(c->dir, "cases/2026-001", "... its dir is under cases/");
	ok(c->schema && strcmp(c->schema->name, "cspr") == 0, "... the schema of its type, cspr");
	ok(c->deadlines != NULL && c->deadlines == cf_repo_deadlines(L.repo, c->schema),
	   "... and that schema's deadlines");
	ok(c->root && c->root->kind == CF_NODE_MAP &&
	       strcmp(cf_node_str(cf_node_get(c->root, "title")), "Child A") == 0,
	   "... root is case.yaml's mapping");
	is_int(c->stage, cf_schema_stage_index(c->schema, "rapid-review"),
	       "... stage is the index of rapid-review");
	ok(c->stage >= 0, "... which the schema knows");
	ok(!c->locked, "... not locked");
	is_int(c->n_files, 3, "... three files");
	const cf_case_file *f = cf_case_file_get(c, "family.yaml");
	ok(f && strcmp(f->path, "cases/2026-001/family.yaml") == 0 && f->spec && f->doc &&
	       f->doc->root && f->doc->root->kind == CF_NODE_MAP,
	   "case_file_get: family.yaml, its repository path, spec and parsed document");
	ok(cf_case_file_get(c, "case.yaml") && cf_case_file_get(c, "case.yaml")->doc &&
	       cf_case_file_get(c, "case.yaml")->doc->root == c->root,
	   "case_file_get: case.yaml's document is the case's root");
	ok(cf_case_file_get(c, "report.md") == NULL, "case_file_get: a file it lacks is NULL");
	ok(cf_case_file_get(c, "Family.yaml") == NULL, "case_file_get: names are exact");
	cf_check_ctx ctx = cf_case_ctx(c);
	ok(ctx.schema == c->schema && ctx.case_root == c->root && ctx.stage == c->stage,
	   "case_ctx: the case's schema, root and stage");
	unload(&L);

	/* Into the caller's arena: the case is freed, the arena is not. */
	cf_repo *repo = NULL;
	cf_source *src = NULL;
	cf_arena *arena = NULL;
	cf_diags d = CF_DIAGS_INIT;
	cf_repo_open(&repo, root, schema_dirs, 1, &d);
	cf_source_open_workdir(&src, root);
	cf_arena_new(&arena, 1);
	c = NULL;
	ok(cf_case_load_in(&c, repo, src, "2026-001", arena, &d) == 0 && c && c->arena == arena &&
	       !c->own_arena && c->schema && d.len == 0,
	   "load_in: into the caller's arena, which the case does not own");
	cf_case_free(c);
	char *s = cf_arena_strdup(arena, "still here");
	ok(s && strcmp(s, "still here") == 0, "load_in: the arena outlives the case");
	cf_arena_reset(arena);
	c = NULL;
	ok(cf_case_load_in(&c, repo, src, "2026-001", arena, &d) == 0 && c && c->root && d.len == 0,
	   "load_in: the arena, reset, takes the case again");
	cf_case_free(c);
	cf_arena_free(arena);
	cf_source_free(src);
	cf_repo_free(repo);
	cf_diags_free(&d);
}

/* A case of its own, id 2026-1NN, holding case.yaml text (NULL: none) and family.yaml text
 * (NULL: none). */
static void make_case(const char *id, const char *case_text, const char *family)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "cases/%s/case.yaml", id);
	if (case_text)
		put(rel, case_text);
	snprintf(rel, sizeof(rel), "cases/%s/family.yaml", id);
	if (family)
		put(rel, family);
}

static void test_errors(void)
{
	loaded L;

	make_case("2026-101", NULL, "members: []\n");
	load(&L, "2026-101", NULL);
	ok(L.rc == 0 && L.c && !L.c->root && !L.c->schema && L.c->stage == -1 &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-101", 0, 0, "schema/missing-file",
		    "no case.yaml"),
	   "no case.yaml: schema/missing-file on the directory, the case still returned");
	unload(&L);

	load(&L, "2026-999", NULL);
	ok(L.rc == 0 && L.c && L.c->n_files == 0 && !L.c->root &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-999", 0, 0, "schema/missing-file",
		    "no case.yaml"),
	   "a case directory that is not there: no files, schema/missing-file");
	unload(&L);

	make_case("2026-102", "id: 2026-102\ntype: [cspr\n", NULL);
	load(&L, "2026-102", NULL);
	ok(L.rc == 0 && L.c && !L.c->root && !L.c->schema && L.d.len >= 1 &&
	       strncmp(L.d.items[0].rule, "yaml/", 5) == 0 &&
	       strcmp(L.d.items[0].file, "cases/2026-102/case.yaml") == 0 &&
	       L.d.items[0].line >= 2 && L.d.items[0].severity == CF_SEV_ERROR,
	   "bad YAML in case.yaml: a yaml/ error in case.yaml, from line 2, no root, no schema");
	show(&L.d);
	unload(&L);

	make_case("2026-103", "- id: 2026-103\n- type: cspr\n", NULL);
	load(&L, "2026-103", NULL);
	ok(L.rc == 0 && L.c && !L.c->root && !L.c->schema &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-103/case.yaml", 1, 1, "schema/type", "mapping"),
	   "case.yaml a list: schema/type at 1:1");
	unload(&L);

	make_case("2026-104", "just words\n", NULL);
	load(&L, "2026-104", NULL);
	ok(L.rc == 0 && L.c && !L.c->root &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-104/case.yaml", 1, 1, "schema/type", "mapping"),
	   "case.yaml a string: schema/type at 1:1");
	unload(&L);

	make_case("2026-105", "42\n", NULL);
	load(&L, "2026-105", NULL);
	ok(L.rc == 0 && L.c && !L.c->root &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-105/case.yaml", 1, 1, "schema/type", "mapping"),
	   "case.yaml a number: schema/type at 1:1");
	unload(&L);

	make_case("2026-112", "", NULL);
	load(&L, "2026-112", NULL);
	ok(L.rc == 0 && L.c && !L.c->root && !L.c->schema &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-112/case.yaml", 0, 0, "yaml/empty", "empty"),
	   "case.yaml empty: yaml/empty, no root");
	unload(&L);

	make_case("2026-113", "# nothing yet\n", NULL);
	load(&L, "2026-113", NULL);
	ok(L.rc == 0 && L.c && !L.c->root &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-113/case.yaml", 0, 0, "yaml/empty", "empty"),
	   "case.yaml a comment only: yaml/empty");
	unload(&L);

	make_case("2026-114", "~\n", NULL);
	load(&L, "2026-114", NULL);
	ok(L.rc == 0 && L.c && !L.c->root &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-114/case.yaml", 1, 1, "schema/type", "mapping"),
	   "case.yaml a null: schema/type at 1:1");
	unload(&L);

	make_case("2026-115", "---\n", NULL);
	load(&L, "2026-115", NULL);
	ok(L.rc == 0 && L.c && !L.c->root && L.d.len == 1 &&
	       strcmp(L.d.items[0].rule, "schema/type") == 0,
	   "case.yaml a document marker alone: schema/type");
	todo(L.d.len == 1 && L.d.items[0].line == 1 && L.d.items[0].col == 1,
	     "... at 1:1, a place the file has",
	     "reported at 2:1, past the end of a one-line file");
	show(&L.d);
	unload(&L);

	make_case("2026-106", "id: 2026-106\ntitle: Child F\n", NULL);
	load(&L, "2026-106", NULL);
	ok(L.rc == 0 && L.c && L.c->root && !L.c->schema && L.c->stage == -1 &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-106/case.yaml", 1, 1, "schema/required",
		    "'type' is required"),
	   "no type: schema/required at the mapping's start, root kept, no schema");
	unload(&L);

	make_case("2026-116", "id: 2026-116\ntype: [cspr]\n", NULL);
	load(&L, "2026-116", NULL);
	ok(L.rc == 0 && L.c && L.c->root && !L.c->schema && L.d.len == 1 &&
	       strcmp(L.d.items[0].rule, "schema/required") == 0 &&
	       strcmp(L.d.items[0].file, "cases/2026-116/case.yaml") == 0,
	   "type a list: schema/required, no schema");
	todo(L.d.len == 1 && L.d.items[0].line == 2 && L.d.items[0].col == 7,
	     "... at the list, 2:7",
	     "reported at 1:1 as \"'type' is required\", though type is there (not a word)");
	show(&L.d);
	unload(&L);

	make_case("2026-107", "id: 2026-107\ntype: csrp\n", "members: []\n");
	load(&L, "2026-107", NULL);
	ok(L.rc == 0 && L.c && L.c->root && !L.c->schema &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-107/case.yaml", 2, 7, "schema/unknown-type",
		    "no schema for case type 'csrp'") &&
	       L.d.items[0].hint && strstr(L.d.items[0].hint, "did you mean 'cspr'?"),
	   "an unknown type: schema/unknown-type at its value, 'did you mean' the known one");
	ok(L.c && cf_case_file_get(L.c, "family.yaml") &&
	       cf_case_file_get(L.c, "family.yaml")->doc &&
	       !cf_case_file_get(L.c, "family.yaml")->spec,
	   "... its other files still parsed, with no spec");
	unload(&L);

	make_case("2026-108", "id: 2026-108\ntype: cspr\nstage: nowhere\n", NULL);
	put("cases/2026-108/scribbles.yaml", "a: 1\n");
	load(&L, "2026-108", NULL);
	ok(L.rc == 0 && L.c && L.c->schema && L.c->stage == -1 &&
	       only(&L.d, CF_SEV_WARNING, "cases/2026-108/scribbles.yaml", 0, 0,
		    "schema/unknown-file", "the cspr schema knows no file 'scribbles.yaml'") &&
	       !cf_case_file_get(L.c, "scribbles.yaml")->doc,
	   "a file the schema does not know: a schema/unknown-file warning, not parsed; a "
	   "stage it does not know is -1");
	unload(&L);

	make_case("2026-109", "id: 2026-109\ntype: cspr\nstage: rapid-review\n",
		  "members:\n  - name: [a\n");
	load(&L, "2026-109", NULL);
	const cf_case_file *f = L.c ? cf_case_file_get(L.c, "family.yaml") : NULL;
	ok(L.rc == 0 && L.c && L.c->root && L.c->schema && f && !f->doc && L.d.len >= 1 &&
	       strncmp(L.d.items[0].rule, "yaml/", 5) == 0 &&
	       strcmp(L.d.items[0].file, "cases/2026-109/family.yaml") == 0 &&
	       L.d.items[0].line >= 2,
	   "bad YAML in family.yaml: reported there, the rest of the case loaded");
	show(&L.d);
	unload(&L);

	if (geteuid() != 0) { /* see below */
		char path[PATH_MAX + 64];
		make_case("2026-110", "id: 2026-110\ntype: cspr\n", "members: []\n");
		snprintf(path, sizeof(path), "%s/cases/2026-110/family.yaml", root);
		chmod(path, 0);
		load(&L, "2026-110", NULL);
		f = L.c ? cf_case_file_get(L.c, "family.yaml") : NULL;
		ok(L.rc == 0 && L.c && L.c->schema && f && !f->doc &&
		       only(&L.d, CF_SEV_ERROR, "cases/2026-110/family.yaml", 0, 0, "source/read",
			    NULL),
		   "an unreadable family.yaml: source/read on it, the case still loaded");
		unload(&L);
		chmod(path, 0600);
	}
	/* As root every file is readable, so there is no unreadable file to make: the test runs
	 * for every other user (a skip would fail make check, which allows none). */

	/* A file past the size limit is not read: yaml/too-large, the rest loads. */
	make_case("2026-111", "id: 2026-111\ntype: cspr\n", NULL);
	size_t big = CF_DOC_MAX_BYTES_DEFAULT + 1;
	char *text = malloc(big);
	if (!text)
		bail("malloc");
	memset(text, '#', big);
	text[big - 1] = '\n';
	char bigpath[PATH_MAX + 64];
	snprintf(bigpath, sizeof(bigpath), "%s/cases/2026-111/family.yaml", root);
	write_file(bigpath, text, big, 0600);
	free(text);
	load(&L, "2026-111", NULL);
	f = L.c ? cf_case_file_get(L.c, "family.yaml") : NULL;
	ok(L.rc == 0 && L.c && L.c->schema && f && !f->doc &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-111/family.yaml", 0, 0, "yaml/too-large", NULL),
	   "a family.yaml past 1 MiB: yaml/too-large on it, not parsed, the case still loaded");
	unload(&L);
}

static void test_locked(void)
{
	cf_key *k = NULL, *other = NULL;
	cf_keyring *ring = NULL;
	if (cf_key_generate(&k) < 0 || cf_key_generate(&other) < 0 || cf_keyring_new(&ring) < 0)
		bail("keys");
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, cf_key_id(k));

	/* case.yaml and family.yaml under k, which the clone does not hold */
	cf_buf b = CF_BUF_INIT;
	char rel[128];
	const char *cy = "id: 2026-120\ntype: cspr\nstage: rapid-review\n";
	snprintf(rel, sizeof(rel), "cases/2026-120/case.yaml");
	if (cf_crypt_encrypt(&b, k, rel, cy, strlen(cy), NULL) != 0)
		bail("encrypt");
	char path[PATH_MAX + 128];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	write_file(path, b.ptr, b.len, 0600);
	cf_buf_clear(&b);
	snprintf(rel, sizeof(rel), "cases/2026-120/family.yaml");
	cf_crypt_encrypt(&b, k, rel, "members: [\n", 11, NULL);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	write_file(path, b.ptr, b.len, 0600);
	cf_buf_clear(&b);

	loaded L;
	load(&L, "2026-120", NULL);
	ok(L.rc == 0 && L.c && L.c->locked && !L.c->root && !L.c->schema &&
	       strcmp(L.c->locked_key, hex) == 0,
	   "case.yaml under a key not held: locked, the key's id kept, no root, no schema");
	ok(only(&L.d, CF_SEV_NOTE, "cases/2026-120", 0, 0, "crypt/locked", hex) &&
	       L.d.items[0].hint && strstr(L.d.items[0].hint, "casefile member add"),
	   "... one crypt/locked note on the directory naming the key: not an error");
	ok(L.c && L.c->n_files == 2 && !cf_case_file_get(L.c, "family.yaml")->doc,
	   "... its files listed, none read (family.yaml's bad YAML never reported)");
	unload(&L);

	cf_keyring_add(ring, other);
	load(&L, "2026-120", ring);
	ok(L.rc == 0 && L.c && L.c->locked &&
	       only(&L.d, CF_SEV_NOTE, "cases/2026-120", 0, 0, "crypt/locked", hex),
	   "... the same with a keyring holding another key");
	unload(&L);

	/* case.yaml readable, family.yaml under a key not held */
	make_case("2026-121", "id: 2026-121\ntype: cspr\nstage: rapid-review\n", NULL);
	snprintf(rel, sizeof(rel), "cases/2026-121/family.yaml");
	cf_crypt_encrypt(&b, k, rel, "members: []\n", 12, NULL);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	write_file(path, b.ptr, b.len, 0600);
	cf_buf_free(&b);
	load(&L, "2026-121", ring);
	ok(L.rc == 0 && L.c && !L.c->locked && L.c->schema &&
	       only(&L.d, CF_SEV_ERROR, "cases/2026-121/family.yaml", 0, 0, "crypt/no-key", hex) &&
	       !cf_case_file_get(L.c, "family.yaml")->doc,
	   "a case.yaml readable and a file under a key not held: crypt/no-key, an error");
	unload(&L);

	/* with the key, both read */
	cf_keyring_add(ring, k);
	load(&L, "2026-121", ring);
	ok(L.rc == 0 && L.c && !L.c->locked && L.d.len == 0 &&
	       cf_case_file_get(L.c, "family.yaml")->doc,
	   "... with the key held, decrypted and parsed, no diagnostic");
	unload(&L);
	load(&L, "2026-120", ring);
	ok(L.rc == 0 && L.c && !L.c->locked && L.c->root && L.c->schema &&
	       cf_case_file_get(L.c, "family.yaml") && L.d.len >= 1 &&
	       strcmp(L.d.items[0].file, "cases/2026-120/family.yaml") == 0 &&
	       strncmp(L.d.items[0].rule, "yaml/", 5) == 0,
	   "the locked case with its key: unlocked, and family.yaml's bad YAML now reported");
	unload(&L);
	cf_keyring_free(ring);
}

int main(void)
{
	if (cf_init() < 0)
		bail("cf_init");
	snprintf(schema_dir, sizeof(schema_dir), "%s/schemas", tap_srcdir());
	if (make_temp_dir_resolved(root, "caseload") < 0)
		bail("mkdtemp");
	put(".casefile/config.yaml", "partnership: Test Partnership\ncase_types: [cspr]\n");
	test_ids();
	test_good();
	test_errors();
	test_locked();
	remove_tree(root);
	return tap_done();
}
