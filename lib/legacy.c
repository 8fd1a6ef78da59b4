#include "legacy.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "doc.h"
#include "fs.h"

#define ACCESS_MAX (1024 * 1024)
#define CASE_ID_MAX 15

int cf_legacy_case_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > CASE_ID_MAX || id[0] == '.')
		return 0;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* ---- access.yaml ---- */

static cf_diag *access_diag(cf_diags *diags, const cf_node *at, const char *msg)
{
	return cf_diags_add(diags, CF_SEV_ERROR, CF_LEGACY_ACCESS_PATH, at ? at->line : 0,
			    at ? at->col : 0, "crypt/access", "%s", msg);
}

static int access_keyid(unsigned char id[CF_KEYID_BYTES], const cf_node *n, const char *what,
			cf_diags *diags)
{
	const char *s = cf_node_str(n);
	if (s && n->kind == CF_NODE_SCALAR && strlen(s) == n->len && cf_keyid_parse(id, s) == 0)
		return 0;
	cf_diags_add(diags, CF_SEV_ERROR, CF_LEGACY_ACCESS_PATH, n->line, n->col, "crypt/access",
		     "%s must be a key id of 16 hex digits", what);
	return -1;
}

static int access_parse(cf_legacy_access *a, const cf_doc *doc, cf_diags *diags)
{
	const cf_node *root = doc->root;
	if (!root || cf_node_is_null(root))
		return 0;
	if (root->kind != CF_NODE_MAP) {
		access_diag(diags, root,
			    "access.yaml must be a map of repository_key and case_keys");
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < root->n; i++) {
		const cf_pair *p = &root->pairs[i];
		const char *k = p->key->str;
		if (strcmp(k, "repository_key") == 0) {
			if (access_keyid(a->repository_key, p->val, "repository_key", diags) < 0)
				bad = 1;
			else
				a->has_repository_key = 1;
		} else if (strcmp(k, "case_keys") == 0) {
			const cf_node *m = p->val;
			if (cf_node_is_null(m))
				continue;
			if (m->kind != CF_NODE_MAP) {
				access_diag(diags, m,
					    "case_keys must be a map of case id to key id");
				bad = 1;
				continue;
			}
			for (size_t j = 0; j < m->n; j++) {
				const cf_node *key = m->pairs[j].key;
				unsigned char id[CF_KEYID_BYTES];
				if (!cf_legacy_case_id_valid(key->str) ||
				    strlen(key->str) != key->len) {
					cf_diags_add(diags, CF_SEV_ERROR, CF_LEGACY_ACCESS_PATH,
						     key->line, key->col, "crypt/access",
						     "'%s' is not a case id", key->str);
					bad = 1;
					continue;
				}
				char what[64];
				snprintf(what, sizeof(what), "the key of case %s", key->str);
				if (access_keyid(id, m->pairs[j].val, what, diags) < 0) {
					bad = 1;
					continue;
				}
				if (cf_legacy_access_set_case(a, key->str, id) < 0) {
					diags->oom = 1;
					return -1;
				}
			}
		} else {
			cf_diag *d = cf_diags_add(diags, CF_SEV_ERROR, CF_LEGACY_ACCESS_PATH,
						  p->key->line, p->key->col, "crypt/access",
						  "unknown key '%s' in access.yaml", k);
			cf_diag_hint(diags, d, "access.yaml holds repository_key and case_keys");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int cf_legacy_access_parse(cf_legacy_access *out, const char *text, size_t len, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	cf_diags local = CF_DIAGS_INIT;
	cf_diags *d = diags ? diags : &local;
	cf_arena *arena = NULL;
	int rc = -1;
	if (cf_arena_new(&arena, 0) < 0) {
		d->oom = 1;
		goto out;
	}
	/* An empty file (or one of comments only) names no keys: not an error here. */
	cf_diags parse = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	int prc = cf_doc_parse_yaml(&doc, arena, CF_LEGACY_ACCESS_PATH, text, len, NULL, &parse);
	if (parse.len == 1 && strcmp(parse.items[0].rule, "yaml/empty") == 0) {
		cf_diags_free(&parse);
		rc = 0;
		goto out;
	}
	int bad = prc < 0 || cf_diags_count(&parse, CF_SEV_ERROR) > 0;
	if (parse.oom)
		d->oom = 1;
	cf_diags_move(d, &parse);
	cf_diags_free(&parse);
	if (!bad)
		rc = access_parse(out, doc, d);
out:
	if (rc < 0)
		cf_legacy_access_free(out);
	cf_arena_free(arena);
	cf_diags_free(&local);
	return rc;
}

int cf_legacy_access_load(cf_legacy_access *out, const char *root, cf_diags *diags)
{
	memset(out, 0, sizeof(*out));
	cf_diags local = CF_DIAGS_INIT;
	cf_diags *d = diags ? diags : &local;
	char *path = cf_path_join(root, CF_LEGACY_ACCESS_PATH);
	cf_buf data = CF_BUF_INIT;
	int rc = -1;
	if (!path) {
		d->oom = 1;
	} else if (cf_read_file_buf(&data, path, ACCESS_MAX) < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			cf_diags_add(d, CF_SEV_ERROR, CF_LEGACY_ACCESS_PATH, 0, 0, "crypt/access",
				     "cannot read access.yaml: %s", strerror(errno));
	} else {
		rc = cf_legacy_access_parse(out, cf_buf_cstr(&data), data.len, d);
	}
	cf_buf_free(&data);
	free(path);
	cf_diags_free(&local);
	return rc;
}

static int case_cmp(const void *a, const void *b)
{
	return strcmp(((const cf_legacy_case *)a)->id, ((const cf_legacy_case *)b)->id);
}

int cf_legacy_access_save(const cf_legacy_access *a, const char *root)
{
	cf_buf b = CF_BUF_INIT;
	char hex[CF_KEYID_HEX_BYTES];
	cf_legacy_case *sorted = NULL;
	int rc = -1;
	cf_buf_puts(&b, "# Which key encrypts which case (DESIGN.md §6). Written by casefile: key "
			"ids, no secrets.\n");
	if (a->has_repository_key) {
		cf_keyid_hex(hex, a->repository_key);
		cf_buf_printf(&b, "repository_key: %s\n", hex);
	}
	if (a->n == 0) {
		cf_buf_puts(&b, "case_keys: {}\n");
	} else {
		sorted = malloc(a->n * sizeof(*sorted));
		if (!sorted)
			goto out;
		memcpy(sorted, a->cases, a->n * sizeof(*sorted));
		qsort(sorted, a->n, sizeof(*sorted), case_cmp);
		cf_buf_puts(&b, "case_keys:\n");
		for (size_t i = 0; i < a->n; i++) {
			cf_keyid_hex(hex, sorted[i].key);
			cf_buf_printf(&b, "  %s: %s\n", sorted[i].id, hex);
		}
	}
	if (cf_buf_oom(&b))
		goto out;
	char *dir = cf_path_join(root, ".casefile");
	char *path = cf_path_join(root, CF_LEGACY_ACCESS_PATH);
	if (dir && path && (cf_is_dir(dir) || cf_mkdirs(dir, 0755) == 0) &&
	    cf_write_file_atomic(path, b.ptr, b.len, 0644) == 0)
		rc = 0;
	free(dir);
	free(path);
out:
	free(sorted);
	cf_buf_free(&b);
	return rc;
}

const unsigned char *cf_legacy_access_key_for(const cf_legacy_access *a, const char *path)
{
	static const char prefix[] = "cases/";
	size_t pl = sizeof(prefix) - 1;
	if (!path || strncmp(path, prefix, pl) != 0 || path[pl] == '\0')
		return NULL;
	const char *id = path + pl;
	size_t n = strcspn(id, "/");
	for (size_t i = 0; i < a->n; i++)
		if (strlen(a->cases[i].id) == n && memcmp(a->cases[i].id, id, n) == 0)
			return a->cases[i].key;
	return a->has_repository_key ? a->repository_key : NULL;
}

int cf_legacy_access_set_case(cf_legacy_access *a, const char *case_id,
			      const unsigned char key[CF_KEYID_BYTES])
{
	if (!cf_legacy_case_id_valid(case_id))
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->cases[i].id, case_id) == 0) {
			memcpy(a->cases[i].key, key, CF_KEYID_BYTES);
			return 0;
		}
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		cf_legacy_case *c = realloc(a->cases, cap * sizeof(*c));
		if (!c)
			return -1;
		a->cases = c;
		a->cap = cap;
	}
	cf_legacy_case *c = &a->cases[a->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, case_id, strlen(case_id) + 1);
	memcpy(c->key, key, CF_KEYID_BYTES);
	return 0;
}

void cf_legacy_access_free(cf_legacy_access *a)
{
	if (!a)
		return;
	free(a->cases);
	memset(a, 0, sizeof(*a));
}

/* ---- members and sealed keys ---- */

/* The names in dir that end in suffix, suffix removed, sorted ("" takes every name); hidden
 * names are left out.  A directory that does not exist is empty. */
static int list_names(cf_strlist *out, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	size_t sl = strlen(suffix);
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= sl || strcmp(e->d_name + n - sl, suffix) != 0)
			continue;
		char *name = cf_strndup(e->d_name, n - sl);
		if (!name || cf_strlist_take(out, name) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	cf_strlist_sort(out);
	return rc;
}

void cf_legacy_members_free(cf_legacy_member *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].name);
	free(m);
}

int cf_legacy_members(cf_legacy_member **out, size_t *n, cf_strlist *bad, const char *root)
{
	*out = NULL;
	*n = 0;
	char *dir = cf_path_join(root, CF_LEGACY_MEMBERS_DIR);
	cf_strlist names = CF_STRLIST_INIT;
	cf_legacy_member *m = NULL;
	size_t got = 0;
	int rc = -1;
	if (!dir || list_names(&names, dir, ".pub") < 0)
		goto out;
	m = calloc(names.n ? names.n : 1, sizeof(*m));
	if (!m)
		goto out;
	for (size_t i = 0; i < names.n; i++) {
		cf_buf path = CF_BUF_INIT, text = CF_BUF_INIT;
		cf_buf_printf(&path, "%s/%s.pub", dir, names.items[i]);
		int ok = !cf_buf_oom(&path) && cf_read_file_buf(&text, path.ptr, 4096) == 0 &&
			 cf_member_name_valid(names.items[i]) &&
			 cf_pubkeys_parse(&m[got].pub, cf_buf_cstr(&text)) == 0;
		cf_buf_free(&path);
		cf_buf_free(&text);
		if (ok) {
			if (!(m[got].name = cf_strdup(names.items[i])))
				goto out;
			got++;
		} else if (bad && cf_strlist_add(bad, names.items[i]) < 0) {
			goto out;
		}
	}
	*out = m;
	*n = got;
	m = NULL;
	rc = 0;
out:
	cf_legacy_members_free(m, got);
	cf_strlist_free(&names);
	free(dir);
	return rc;
}

static char *sealed_dir(const char *root, const unsigned char id[CF_KEYID_BYTES])
{
	char hex[CF_KEYID_HEX_BYTES];
	cf_keyid_hex(hex, id);
	cf_buf b = CF_BUF_INIT;
	cf_buf_printf(&b, "%s/%s/%s", root, CF_LEGACY_SEALED_DIR, hex);
	return cf_buf_detach(&b);
}

int cf_legacy_holders(cf_strlist *out, const char *root, const unsigned char id[CF_KEYID_BYTES])
{
	char *dir = sealed_dir(root, id);
	int rc = dir ? list_names(out, dir, ".sealed") : -1;
	free(dir);
	return rc;
}

int cf_legacy_sealed_read(cf_buf *out, const char *root, const unsigned char id[CF_KEYID_BYTES],
			  const char *name)
{
	char *dir = sealed_dir(root, id);
	cf_buf path = CF_BUF_INIT;
	int rc = -1;
	if (!dir || !cf_member_name_valid(name))
		goto out;
	cf_buf_printf(&path, "%s/%s.sealed", dir, name);
	if (cf_buf_oom(&path))
		goto out;
	if (!cf_is_file(path.ptr)) {
		rc = 0;
		goto out;
	}
	rc = cf_read_file_buf(out, path.ptr, 4096) == 0 ? 1 : -1;
out:
	cf_buf_free(&path);
	free(dir);
	return rc;
}

int cf_legacy_paths(cf_strlist *out, const char *root)
{
	static const char *const paths[] = {CF_LEGACY_ACCESS_PATH, CF_LEGACY_MEMBERS_DIR,
					    CF_LEGACY_SEALED_DIR};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		char *p = cf_path_join(root, paths[i]);
		struct stat st;
		int there = p && lstat(p, &st) == 0;
		free(p);
		if (!p || (there && cf_strlist_add(out, paths[i]) < 0))
			return -1;
	}
	return 0;
}

const cf_rule_info cf_legacy_rules[] = {
    {"crypt/upgrade", "a repository whose keys are not yet in a signed member log",
     "A case repository made by a casefile before the member log kept its list of members "
     "and keys in .casefile/access.yaml, .casefile/members/ and .casefile/keys/, which "
     "nobody signs.  casefile still decrypts it, but encrypts nothing new with it: it is "
     "read-only until an administrator upgrades it.",
     "Anyone who could push could change those files: point a case at a key of their own, "
     "or have the next key sealed to them, and read what was written after.  Encrypting on "
     "their word would hand new case files to whoever changed them last.",
     "An administrator -- a member holding every key -- runs `casefile upgrade` once: it "
     "checks the members with them (their fingerprints), writes the signed log's first entry "
     "from today's members and keys, encrypts every case file again in format 2 and stages "
     "it all.  Commit and push; then every member runs `casefile unlock`.",
     "Working Together to Safeguard Children 2023, ch. 5 (information shared securely); "
     "seeds 001 §2.1.6"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
