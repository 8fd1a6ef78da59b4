#!/bin/sh
# casefile init as a user sees it: a new case repository (git init, config, .gitattributes,
# the repository key, the creator as the first member, git's filter configuration, staged);
# running it twice changes nothing; --example copies the example's cases in, staged as
# ciphertext; an existing repository and its hooks are adopted, not overwritten.  Every test
# works in a temporary HOME with its own git configuration: nothing touches the real one.

. "$(dirname "$0")/lib.sh"
EXAMPLE=$CF_SRCDIR/example-repo

need init

EXE=$(readlink -f "$CASEFILE")

sandbox
# The test's own member identity (none there yet), and $USER, the member name init takes when
# no --member is given.
CASEFILE_IDENTITY=$tmp/no-identity
USER=alice
export CASEFILE_IDENTITY USER
git config --global advice.detachedHead false

echo "1..36"

# state DIR: everything init could change, as text: files with their modes and contents'
# hashes, the git configuration, the index's entries.  The index file's bytes are left out:
# any git command may rewrite it to refresh the stat data of a racily clean entry, which is
# not a change of the entries `git ls-files -s` lists.
state() {
	(cd "$1" && find . -path ./.git/objects -prune -o -path ./.git/logs -prune -o \
		-path ./.git/index -prune -o -type f -print | LC_ALL=C sort | while read -r f; do
		printf '%s %s %s\n' "$(stat -c %a "$f")" "$(sha1sum <"$f" | cut -c1-40)" "$f"
	done
	git config --local -l
	git ls-files -s)
}

# blob_head REPO PATH: the first 8 bytes of the staged blob, NULs shown as '@'.
blob_head() {
	git -C "$1" cat-file blob ":$2" | head -c 8 | tr '\0' '@'
}

# ---- help, and what is needed ------------------------------------------------------------
run init --help
check_run "$( { [ "$rc" = 0 ] && [ "$(head -n 1 "$out")" = "usage: casefile init [DIR] [--partnership NAME] [--member NAME] [--example]" ]; } && echo 0 || echo 1)" \
	"init --help: the usage on stdout, exit 0"

run init "$tmp/nopartner"
check_run "$( { [ "$rc" = 2 ] && grep -q -- "--partnership NAME is needed" "$err"; } && echo 0 || echo 1)" \
	"a new repository without --partnership: exit 2, says so"

# ---- a new repository, no identity -------------------------------------------------------
repo=$tmp/repo
run init "$repo" --partnership "Northdale Safeguarding Children Partnership"
check_run "$( { [ "$rc" = 0 ] && [ ! -s "$err" ]; } && echo 0 || echo 1)" "init DIR --partnership: exit 0, nothing on stderr"
check_run "$( { grep -q "^  git repository created$" "$out" &&
	grep -q "^  note: no member log made: no identity at $tmp/no-identity" "$out"; } && echo 0 || echo 1)" \
	"it says it made the git repository, and that no member log was made (no identity)"
check_run "$( { [ -d "$repo/.git" ] && [ "$(cat "$repo/.casefile/config.yaml")" = "partnership: Northdale Safeguarding Children Partnership
calendar: england-and-wales
case_types: [cspr]" ]; } && echo 0 || echo 1)" ".casefile/config.yaml: partnership, calendar, case type"
check_run "$( { [ "$(cat "$repo/.gitattributes")" = "cases/** filter=casefile diff=casefile merge=casefile" ]; } && echo 0 || echo 1)" \
	".gitattributes: exactly the filter line"
check_run "$( { [ ! -e "$repo/.casefile/members.log" ] && [ ! -e "$repo/.casefile/access.yaml" ] &&
	[ ! -e "$repo/.git/casefile/keys" ]; } && echo 0 || echo 1)" \
	"no identity: no member log, no access list, no key made"
want_config="filter.casefile.process=$EXE filter-process
filter.casefile.required=true
filter.casefile.clean=$EXE clean %f
filter.casefile.smudge=$EXE smudge %f
diff.casefile.textconv=$EXE textconv
diff.casefile.cachetextconv=false
merge.casefile.name=casefile three-way merge of encrypted case files
merge.casefile.driver=$EXE merge %O %A %B %P"
got_config=$(git -C "$repo" config --local -l | grep -E '^(filter|diff|merge)\.casefile\.')
check_run "$( { [ "$got_config" = "$want_config" ] && [ "$(git -C "$repo" config rerere.enabled)" = false ]; } && echo 0 || echo 1)" \
	"git configuration: filter, textconv (never cached) and merge driver run this casefile ($EXE); rerere off"
[ "$got_config" = "$want_config" ] || printf '%s\n' "$got_config" | sed 's/^/#   config: /'
check_run "$( { [ "$(git -C "$repo" diff --cached --name-only)" = ".casefile/config.yaml
.gitattributes" ]; } && echo 0 || echo 1)" "staged: config.yaml, .gitattributes (nothing committed)"
check_run "$(git -C "$repo" rev-parse -q --verify HEAD >/dev/null && echo 1 || echo 0)" "no commit was made"

before=$(state "$repo")
run init "$repo"
check_run "$( { [ "$rc" = 0 ] && [ "$(head -n 1 "$out")" = "casefile: init: $repo: already set up, nothing changed" ] &&
	grep -q "^  note: no member log made: no identity" "$out"; } && echo 0 || echo 1)" \
	"init again: exit 0, 'already set up, nothing changed', still no member log"
check_run "$( { [ "$(state "$repo")" = "$before" ]; } && echo 0 || echo 1)" "init again: no file, setting or index entry changed"
run -C "$repo" init --partnership "Another Name"
check_run "$( { [ "$rc" = 0 ] && grep -q "^partnership: Northdale" "$repo/.casefile/config.yaml"; } && echo 0 || echo 1)" \
	"init in the repository with another --partnership: the existing config.yaml is kept"

# ---- with an identity: the creator is the first member, an admin -------------------------
CASEFILE_IDENTITY=$tmp/id-alice "$CASEFILE" keygen --no-passphrase >"$tmp/alice.pub" 2>"$tmp/keygen.err"
alice_fp=$(cut -d' ' -f3 "$tmp/alice.pub")
repo2=$tmp/repo2
CASEFILE_IDENTITY=$tmp/id-alice run init "$repo2" --partnership "P" --member alice-s
key2=$(sed -n 's/^  member log .* the repository key \([0-9a-f]\{16\}\) made, sealed to you and installed in .git\/casefile\/keys$/\1/p' "$out")
repo_fp=$(sed -n 's/^  repository fingerprint \([0-9A-Z-]*\), pinned in this clone: .*/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$key2" ] &&
	grep -q "^  member log .casefile/members.log begun, signed by you: alice-s, its first admin; " "$out"; } && echo 0 || echo 1)" \
	"with an identity: the member log is begun, signed by alice-s, its first admin (repository key $key2)"
(cd "$repo2" && CASEFILE_IDENTITY=$tmp/id-alice run init)
check_run "$( { [ -n "$repo_fp" ] && grep -q "^  already: member log: 1 entry, repository fingerprint $repo_fp (pinned)$" "$out"; } && echo 0 || echo 1)" \
	"init prints the repository fingerprint ($repo_fp) and pins it in the clone"
check_run "$( { [ "$(stat -c %a "$repo2/.git/casefile/keys/$key2.key")" = 600 ] &&
	[ "$(stat -c %a "$repo2/.git/casefile/keys")" = 700 ] &&
	[ "$(stat -c %a "$repo2/.git/casefile")" = 700 ]; } && echo 0 || echo 1)" \
	"the key is installed in .git/casefile/keys/$key2.key, mode 0600, directories 0700"
(cd "$repo2" && CASEFILE_IDENTITY=$tmp/id-alice run member list)
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice-s  admin   $alice_fp  every case  (genesis, by alice-s)" ]; } && echo 0 || echo 1)" \
	"member list: alice-s, admin, her fingerprint ($alice_fp), added at the genesis"
check_run "$( { [ "$(git -C "$repo2" diff --cached --name-only)" = ".casefile/config.yaml
.casefile/members.log
.gitattributes" ]; } && echo 0 || echo 1)" "the member log is staged; no access.yaml, no members/ or seals"
CASEFILE_IDENTITY=$tmp/id-alice run init "$repo2"
check_run "$( { [ "$rc" = 0 ] && grep -q "^  already: member alice-s (your identity), role admin$" "$out"; } && echo 0 || echo 1)" \
	"init again: already a member"
CASEFILE_IDENTITY=$tmp/id-alice USER=alice run init "$tmp/repo3" --partnership "P"
check_run "$( { [ "$rc" = 0 ] && grep -q "signed by you: alice, its first admin" "$out"; } && echo 0 || echo 1)" \
	"without --member the name is \$USER"

# From here on the member has an identity: files under cases/ can be encrypted.
CASEFILE_IDENTITY=$tmp/id-alice

# ---- adopting a repository ---------------------------------------------------------------
adopt=$tmp/adopt
git init -q "$adopt"
printf '*.pdf binary' >"$adopt/.gitattributes"
mkdir -p "$adopt/cases/2026-001"
cp "$EXAMPLE/cases/2026-001/case.yaml" "$adopt/cases/2026-001/case.yaml"
git -C "$adopt" add . && git -C "$adopt" commit -q -m "cases kept in plaintext"
mkdir -p "$adopt/.git/hooks"
printf '#!/bin/sh\necho mine >>"%s"\n' "$tmp/hook-ran" >"$adopt/.git/hooks/pre-commit"
chmod 755 "$adopt/.git/hooks/pre-commit"
mkdir -p "$tmp/data/hooks"
printf '#!/bin/sh\necho casefile >>"%s"\n' "$tmp/hook-ran" >"$tmp/data/hooks/pre-commit"
printf '#!/bin/sh\nexit 0\n' >"$tmp/data/hooks/pre-push"
printf '#!/bin/sh\nexit 0\n' >"$tmp/data/hooks/pre-merge-commit"
printf '#!/bin/sh\nexit 0\n' >"$tmp/data/hooks/commit-msg"
CASEFILE_DATADIR=$tmp/data run -C "$adopt" init --partnership "P"
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$adopt/.gitattributes")" = "*.pdf binary
cases/** filter=casefile diff=casefile merge=casefile" ]; } && echo 0 || echo 1)" \
	"an existing .gitattributes without the line: the line is added, the rest kept"
check_run "$( { grep -q "^  1 file under cases/ that git held in plaintext staged again, encrypted. WARNING: the commits made before keep them in plaintext; only rewriting history removes them$" "$out" &&
	[ "$(blob_head "$adopt" cases/2026-001/case.yaml)" = "@CFCRYPT" ] &&
	cmp -s "$EXAMPLE/cases/2026-001/case.yaml" "$adopt/cases/2026-001/case.yaml"; } && echo 0 || echo 1)" \
	"a case committed in plaintext: staged again encrypted, with a plain warning about history"
check_run "$( { grep -q "^  hooks installed: pre-commit (the one there kept as pre-commit.local, still run) commit-msg pre-merge-commit pre-push$" "$out"; } && echo 0 || echo 1)" \
	"hooks: commit-msg, pre-merge-commit and pre-push installed, pre-commit chained before the one already there"
check_run "$( { cmp -s "$tmp/data/hooks/pre-commit" "$adopt/.git/hooks/pre-commit.casefile" &&
	grep -q "echo mine" "$adopt/.git/hooks/pre-commit.local" &&
	cmp -s "$tmp/data/hooks/pre-push" "$adopt/.git/hooks/pre-push" &&
	[ -x "$adopt/.git/hooks/pre-commit" ]; } && echo 0 || echo 1)" \
	"the old hook is pre-commit.local, ours pre-commit.casefile, pre-commit calls both"
rm -f "$tmp/hook-ran"
(cd "$adopt" && .git/hooks/pre-commit)
check_run "$( { [ "$(cat "$tmp/hook-ran" 2>/dev/null)" = "casefile
mine" ]; } && echo 0 || echo 1)" "the chained pre-commit runs casefile's hook, then the one that was there"
before=$(state "$adopt")
CASEFILE_DATADIR=$tmp/data run -C "$adopt" init
check_run "$( { [ "$rc" = 0 ] && [ "$(state "$adopt")" = "$before" ] && grep -q "^  already: hooks (4)$" "$out"; } && echo 0 || echo 1)" \
	"init again in the adopted repository: nothing changed, the hooks already there"
run -C "$adopt" init
check_run "$( { [ "$rc" = 0 ] && grep -q "^  hooks installed: pre-commit (updated) commit-msg (the one there kept as commit-msg.local, still run) pre-merge-commit (the one there kept as pre-merge-commit.local, still run) pre-push (the one there kept as pre-push.local, still run)$" "$out" &&
	grep -q "^casefile=$EXE$" "$adopt/.git/hooks/pre-commit.casefile" &&
	grep -q "echo mine" "$adopt/.git/hooks/pre-commit.local" &&
	cmp -s "$tmp/data/hooks/pre-push" "$adopt/.git/hooks/pre-push.local"; } && echo 0 || echo 1)" \
	"with casefile's own hook files: pre-commit.casefile updated to run this casefile, the other pre-push kept"

mkdir -p "$adopt/sub"
run init "$adopt/sub" --partnership P
check_run "$( { [ "$rc" = 2 ] && grep -q "is inside the git repository at $adopt" "$err" && [ ! -e "$adopt/sub/.casefile" ]; } && echo 0 || echo 1)" \
	"a directory inside another git repository: refused, exit 2, nothing written"

# ---- --example -----------------------------------------------------------------------------
ex=$tmp/example
run init "$ex" --partnership "Southdale Partnership" --example
check_run "$( { [ "$rc" = 0 ] && grep -q "^  example: 8 cases (.* files) copied into cases/ and staged, encrypted$" "$out"; } && echo 0 || echo 1)" \
	"init --example: exit 0, 8 cases copied and staged"
check_run "$( { grep -q "^partnership: Southdale Partnership$" "$ex/.casefile/config.yaml" &&
	grep -q "^  warning_days: 5$" "$ex/.casefile/config.yaml"; } && echo 0 || echo 1)" \
	"the example's config.yaml, with the partnership given"
nfiles=$(cd "$EXAMPLE" && find cases -type f | wc -l)
check_run "$( { [ "$(git -C "$ex" ls-files cases | wc -l)" = "$nfiles" ] && diff -r "$EXAMPLE/cases" "$ex/cases" >/dev/null; } && echo 0 || echo 1)" \
	"every example file ($nfiles) is staged, and the working tree holds them as plaintext"
res=0
for f in $(git -C "$ex" ls-files cases); do
	[ "$(blob_head "$ex" "$f")" = "@CFCRYPT" ] || {
		echo "# staged as plaintext: $f"
		res=1
	}
done
check_run $res "every staged blob under cases/ is ciphertext"
check_run "$( { [ -z "$(git -C "$ex" status --porcelain | grep -v '^A  ')" ]; } && echo 0 || echo 1)" \
	"git status: only the staged additions (the filter gives the same blob each time)"
git -C "$ex" commit -q -m "the example" >/dev/null 2>&1
no_object_holds "$ex" "Marsh-Tilling"
check_run $? "after the commit no git object holds a family's name from the example"
before=$(state "$ex")
run -C "$ex" init --example
check_run "$( { [ "$rc" = 0 ] && [ "$(state "$ex")" = "$before" ] && grep -q "^  already: example: 8 cases$" "$out"; } && echo 0 || echo 1)" \
	"init --example again: nothing changed"
run -C "$ex" check
check_run "$( { [ "$rc" != 2 ] && [ "$rc" != 3 ]; } && echo 0 || echo 1)" "casefile check reads the new repository (exit $rc)"
