#!/bin/sh
# Members and keys as users see them (DESIGN.md §6): keygen; member add (full, and for one
# case, which then gets a key of its own); member list; a clone unlocked with a member's
# identity reads what was sealed to that member and nothing else; lock; key export and
# unlock --key-file; member remove rotates the keys, so a fresh clone with the removed
# identity reads nothing of the new HEAD.  Every test works in a temporary HOME with its own
# git configuration and identities (CASEFILE_IDENTITY): nothing touches the real ones.

CF_SRCDIR=${CF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CASEFILE=${CASEFILE:-/work/main/build/casefile}
EXAMPLE=$CF_SRCDIR/example-repo

if [ ! -x "$CASEFILE" ] || [ ! -d "$EXAMPLE/cases" ] || ! command -v git >/dev/null; then
	echo "1..0 # SKIP no casefile binary at $CASEFILE, no example repository, or no git"
	exit 0
fi

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
work=$(cd "$work" && pwd -P) || exit 1
out=$work/out err=$work/err

HOME=$work/home
GIT_CONFIG_GLOBAL=$work/gitconfig
GIT_CONFIG_NOSYSTEM=1
CASEFILE_IDENTITY=$work/id-alice
USER=alice
export HOME GIT_CONFIG_GLOBAL GIT_CONFIG_NOSYSTEM CASEFILE_IDENTITY USER
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE CASEFILE_DATADIR
mkdir -p "$HOME"
git config --global user.name "Test User"
git config --global user.email test@example.org
git config --global init.defaultBranch main

n=0
echo "1..60"

run() {
	"$CASEFILE" "$@" >"$out" 2>"$err"
	rc=$?
}

# as NAME ARGS...: run as the member whose identity is $work/id-NAME.
as() {
	who=$1
	shift
	CASEFILE_IDENTITY=$work/id-$who run "$@"
}

# ok_if COND DESC: a test decided by the caller (COND 0 passes); on failure, shows the run.
ok_if() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		echo "#   status $rc"
		sed 's/^/#   out: /' "$out" | head -n 20
		sed 's/^/#   err: /' "$err" | head -n 20
	fi
}

# head8 FILE: the first 8 bytes, NULs shown as '@' ("@CFCRYPT" for ciphertext).
head8() {
	head -c 8 "$1" | tr '\0' '@'
}

# blob_key REPO REV:PATH: the key id a blob is encrypted with (bytes 9-16, in hex).
blob_key() {
	git -C "$1" cat-file blob "$2" | head -c 17 | tail -c 8 | od -An -tx1 | tr -d ' \n'
}

# clone_as NAME DIR: a fresh clone of $repo, set up by `casefile init` as NAME.
clone_as() {
	rm -rf "$2"
	git clone -q "$repo" "$2" && as "$1" -C "$2" init
}

# ---- keygen --------------------------------------------------------------------------------
for who in alice bob carol dave eve; do
	CASEFILE_IDENTITY=$work/id-$who "$CASEFILE" keygen >"$work/$who.pub" 2>/dev/null
done
as frank keygen
ok_if "$( { [ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 1 ] &&
	grep -Eq '^casefile-pub-1 [A-Za-z0-9+/]{43}=$' "$out"; } && echo 0 || echo 1)" \
	"keygen: exit 0, one line 'casefile-pub-1 BASE64' on stdout"
ok_if "$( { [ "$(stat -c %a "$work/id-frank")" = 600 ] && grep -q "^secret " "$work/id-frank"; } && echo 0 || echo 1)" \
	"keygen: the identity is written with mode 0600"
cp "$out" "$work/frank.pub"
as frank keygen
ok_if "$( { [ "$rc" = 2 ] && [ ! -s "$out" ] && grep -q "an identity exists already at $work/id-frank" "$err" &&
	grep -q -- "--force" "$err"; } && echo 0 || echo 1)" \
	"keygen again: refused (exit 2), the hint names --force"
as frank keygen --force
ok_if "$( { [ "$rc" = 0 ] && ! cmp -s "$out" "$work/frank.pub"; } && echo 0 || echo 1)" \
	"keygen --force: a new identity"
CASEFILE_IDENTITY='' run keygen
ok_if "$( { [ "$rc" = 0 ] && [ "$(stat -c %a "$HOME/.config/casefile/identity")" = 600 ] &&
	[ "$(stat -c %a "$HOME/.config/casefile")" = 700 ]; } && echo 0 || echo 1)" \
	"keygen without CASEFILE_IDENTITY: ~/.config/casefile/identity, mode 0600, directory 0700"
printf 'a long passphrase\n' >"$work/pass"
as gina keygen --passphrase-file "$work/pass"
cp "$out" "$work/gina.pub"
ok_if "$( { [ "$rc" = 0 ] && grep -q "^box " "$work/id-gina" && ! grep -q "^secret " "$work/id-gina"; } && echo 0 || echo 1)" \
	"keygen --passphrase-file: the secret is stored protected, not in the clear"
as gina key public
ok_if "$( { [ "$rc" = 0 ] && cmp -s "$out" "$work/gina.pub"; } && echo 0 || echo 1)" \
	"key public: the public key again, without the passphrase"

# ---- a repository: alice makes it, with the example's cases and one more, 2026-003 -------
repo=$work/repo
as alice init "$repo" --partnership "Northdale" --example
cp -R "$repo/cases/2026-004" "$repo/cases/2026-003"
sed -i 's/2026-004/2026-003/' "$repo/cases/2026-003/case.yaml"
git -C "$repo" add cases >/dev/null 2>&1
# The example's cases carry deliberate errors, which the pre-commit hook refuses.
git -C "$repo" commit -q --no-verify -m "the cases" >/dev/null 2>&1
repokey=$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")
ok_if "$( { [ -n "$repokey" ] && [ "$(blob_key "$repo" HEAD:cases/2026-003/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"a repository whose cases are encrypted with the repository key ($repokey)"
run -C "$repo" member list
ok_if "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  repository" ]; } && echo 0 || echo 1)" \
	"member list: alice, the creator, holds the repository key"

# ---- member add, its refusals ----------------------------------------------------------------
run -C "$repo" member add "bad name" "$(cat "$work/bob.pub")"
ok_if "$( { [ "$rc" = 2 ] && grep -q "is not a member name" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad name: exit 2"
run -C "$repo" member add bob "casefile-pub-1 nonsense"
ok_if "$( { [ "$rc" = 2 ] && grep -q "is not a public key" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad public key: exit 2"
run -C "$repo" member add bob "$(cat "$work/alice.pub")"
ok_if "$( { [ "$rc" = 2 ] && grep -q "this public key is member alice's already" "$err"; } && echo 0 || echo 1)" \
	"member add with a key that is another member's: exit 2"
run -C "$repo" member add bob "$(cat "$work/bob.pub")" --case 2099-999
ok_if "$( { [ "$rc" = 2 ] && grep -q "'2099-999' is not a case of this repository" "$err" &&
	[ ! -e "$repo/.casefile/members/bob.pub" ]; } && echo 0 || echo 1)" \
	"member add --case of no case: exit 2, nothing written"

# ---- bob, an independent reviewer of 2026-003 only ---------------------------------------
run -C "$repo" member add bob "$(cat "$work/bob.pub")" --case 2026-003
casekey=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
ok_if "$( { [ "$rc" = 0 ] && grep -q "^casefile: member add: bob holds: case 2026-003 (a new key of its own)$" "$out" &&
	[ -n "$casekey" ] && [ "$casekey" != "$repokey" ]; } && echo 0 || echo 1)" \
	"member add --case 2026-003: case 2026-003 gets a key of its own ($casekey)"
ok_if "$( { cmp -s "$work/bob.pub" "$repo/.casefile/members/bob.pub" &&
	[ -f "$repo/.casefile/keys/$casekey/bob.sealed" ] &&
	[ -f "$repo/.casefile/keys/$casekey/alice.sealed" ] &&
	[ ! -e "$repo/.casefile/keys/$repokey/bob.sealed" ]; } && echo 0 || echo 1)" \
	"bob.pub written; the case key sealed to bob and to alice (a full member); not the repository key"
ok_if "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/family.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged encrypted with the case key; 2026-004 keeps the repository key"
staged=$(git -C "$repo" diff --cached --name-only | tr '\n' ' ')
ok_if "$( { echo "$staged" | grep -q ".casefile/access.yaml .casefile/keys/$casekey/alice.sealed .casefile/keys/$casekey/bob.sealed .casefile/members/bob.pub cases/2026-003/agencies.yaml" &&
	! git -C "$repo" diff --cached --name-only | grep -q "^cases/2026-004"; } && echo 0 || echo 1)" \
	"staged, not committed: access.yaml, the sealed keys, bob.pub, 2026-003's files"
ok_if "$( { [ -z "$(git -C "$repo" status --porcelain | grep -v '^[AM]  ')" ]; } && echo 0 || echo 1)" \
	"git status: nothing unstaged"
git -C "$repo" commit -q -m "bob reviews 2026-003" >/dev/null 2>&1
run -C "$repo" member add bob "$(cat "$work/bob.pub")" --case 2026-003
ok_if "$( { [ "$rc" = 0 ] && [ -z "$(git -C "$repo" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"member add again: nothing changes"

# ---- carol, a full member (the public key from a file) -----------------------------------
run -C "$repo" member add carol "$work/carol.pub"
ok_if "$( { [ "$rc" = 0 ] && grep -q "^casefile: member add: carol holds: repository, case 2026-003$" "$out" &&
	[ -f "$repo/.casefile/keys/$repokey/carol.sealed" ] && [ -f "$repo/.casefile/keys/$casekey/carol.sealed" ]; } && echo 0 || echo 1)" \
	"member add carol FILE: a full member holds the repository key and every case key"
as alice -C "$repo" member add gina "$work/gina.pub"
git -C "$repo" commit -q -m "carol and gina" >/dev/null 2>&1
run -C "$repo" member list
ok_if "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  repository, case 2026-003
bob    case 2026-003
carol  repository, case 2026-003
gina   repository, case 2026-003" ]; } && echo 0 || echo 1)" \
	"member list: who holds what"

# ---- bob's clone: 2026-003 only ----------------------------------------------------------
clone_as bob "$work/bob"
ok_if "$( { [ "$rc" = 0 ] && [ "$(head8 "$work/bob/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"bob's fresh clone, set up by init: the cases are ciphertext"
as bob -C "$work/bob" unlock
ok_if "$( { [ "$rc" = 0 ] && grep -q "^casefile: unlock: 1 key of member bob installed: case 2026-003$" "$out"; } && echo 0 || echo 1)" \
	"bob unlocks: exit 0, the case key of 2026-003 installed"
ok_if "$( { cmp -s "$repo/cases/2026-003/case.yaml" "$work/bob/cases/2026-003/case.yaml" &&
	cmp -s "$repo/cases/2026-003/family.yaml" "$work/bob/cases/2026-003/family.yaml"; } && echo 0 || echo 1)" \
	"bob reads 2026-003 in plaintext"
res=0
for f in "$work"/bob/cases/*/case.yaml; do
	case $f in */2026-003/*) continue ;; esac
	[ "$(head8 "$f")" = "@CFCRYPT" ] || res=1
done
ok_if $res "every other case stays ciphertext in bob's clone"
ok_if "$( { [ -z "$(git -C "$work/bob" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"git status is clean after unlock"
ok_if "$( { [ "$(stat -c %a "$work/bob/.git/casefile/keys/$casekey.key")" = 600 ] &&
	[ "$(ls "$work/bob/.git/casefile/keys")" = "$casekey.key" ]; } && echo 0 || echo 1)" \
	"bob's clone holds the case key only, mode 0600"
mkdir -p "$work/bob-old-keys"
cp "$work/bob/.git/casefile/keys/"*.key "$work/bob-old-keys/"

run -C "$work/bob" member add dave "$(cat "$work/dave.pub")"
ok_if "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]: this clone does not hold the repository key" "$err" &&
	[ ! -e "$work/bob/.casefile/members/dave.pub" ]; } && echo 0 || echo 1)" \
	"bob cannot make dave a full member: exit 3, crypt/no-key, nothing written"

# ---- lock and unlock ---------------------------------------------------------------------
echo "a change" >>"$work/bob/cases/2026-003/case.yaml"
run -C "$work/bob" lock
ok_if "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes" "$err" &&
	[ -f "$work/bob/.git/casefile/keys/$casekey.key" ] && grep -q "^a change$" "$work/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"lock with a change under cases/: refused (exit 2), keys and change kept"
git -C "$work/bob" checkout -q -- cases/2026-003/case.yaml
run -C "$work/bob" lock
ok_if "$( { [ "$rc" = 0 ] && [ "$(head8 "$work/bob/cases/2026-003/case.yaml")" = "@CFCRYPT" ] &&
	[ -z "$(ls "$work/bob/.git/casefile/keys")" ] && [ -z "$(git -C "$work/bob" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"lock: keys removed, 2026-003 ciphertext again, git status clean"
as bob -C "$work/bob" unlock
ok_if "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-003/case.yaml" "$work/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock again: plaintext again"
echo "a change" >>"$work/bob/cases/2026-003/case.yaml"
as bob -C "$work/bob" unlock
ok_if "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes, so it was not checked out again" "$err" &&
	grep -q "^a change$" "$work/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock with a change under cases/: refused (exit 2), the change kept"
git -C "$work/bob" checkout -q -- cases/2026-003/case.yaml

# ---- a stranger, a protected identity, a backup ------------------------------------------
clone_as dave "$work/dave"
as dave -C "$work/dave" unlock
ok_if "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]: no key of this repository is sealed to you" "$err" &&
	[ "$(head8 "$work/dave/cases/2026-004/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"dave, no member: unlock says no key (exit 3), the cases stay ciphertext"
as nobody -C "$work/dave" unlock
ok_if "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/identity\]: no identity at $work/id-nobody" "$err"; } && echo 0 || echo 1)" \
	"no identity at all: exit 3, crypt/identity"
rm -rf "$work/raw" && git clone -q "$repo" "$work/raw"
as bob -C "$work/raw" unlock
ok_if "$( { [ "$rc" = 2 ] && grep -q "the casefile filter is not configured in this clone" "$err" &&
	[ ! -d "$work/raw/.git/casefile" ]; } && echo 0 || echo 1)" \
	"unlock in a clone without the filter: exit 2, run casefile init first"

clone_as gina "$work/gina"
printf 'wrong\n' >"$work/wrong"
as gina -C "$work/gina" unlock --passphrase-file "$work/wrong"
ok_if "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/passphrase\]: wrong passphrase" "$err" &&
	[ ! -e "$work/gina/.git/casefile/keys" ]; } && echo 0 || echo 1)" \
	"gina's protected identity with a wrong passphrase: exit 3, crypt/passphrase"
as gina -C "$work/gina" unlock --passphrase-file "$work/pass"
ok_if "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-004/family.yaml" "$work/gina/cases/2026-004/family.yaml" &&
	cmp -s "$repo/cases/2026-003/family.yaml" "$work/gina/cases/2026-003/family.yaml"; } && echo 0 || echo 1)" \
	"gina with the passphrase: a full member reads every case"

run -C "$repo" key export --passphrase-file "$work/pass" -o "$work/backup"
ok_if "$( { [ "$rc" = 0 ] && [ "$(stat -c %a "$work/backup")" = 600 ] &&
	[ "$(grep -c '^casefile-key-export 1$' "$work/backup")" = 2 ] &&
	! grep -q "^secret" "$work/backup"; } && echo 0 || echo 1)" \
	"key export: both keys, mode 0600, passphrase-protected"
clone_as nobody "$work/restore"
as nobody -C "$work/restore" unlock --key-file "$work/backup" --passphrase-file "$work/pass"
ok_if "$( { [ "$rc" = 0 ] && grep -q "^casefile: unlock: 2 keys installed from $work/backup$" "$out" &&
	cmp -s "$repo/cases/2026-003/case.yaml" "$work/restore/cases/2026-003/case.yaml" &&
	cmp -s "$repo/cases/2026-011/case.yaml" "$work/restore/cases/2026-011/case.yaml"; } && echo 0 || echo 1)" \
	"unlock --key-file: a clone with no identity reads everything from the backup"
as nobody -C "$work/restore" lock
ok_if "$( { [ "$rc" = 0 ] && [ "$(head8 "$work/restore/cases/2026-011/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"and locks again"
as nobody -C "$work/restore" unlock --key-file "$work/backup" --passphrase-file "$work/wrong"
ok_if "$( { [ "$rc" = 3 ] && grep -q "crypt/passphrase" "$err"; } && echo 0 || echo 1)" \
	"unlock --key-file with a wrong passphrase: exit 3, crypt/passphrase"

# A repository whose key nobody else holds: lock would lose it.
as nobody init "$work/lonely" --partnership P >/dev/null
run -C "$work/lonely" lock
ok_if "$( { [ "$rc" = 2 ] && grep -q "no member holds a sealed copy of repository" "$err" &&
	[ -n "$(ls "$work/lonely/.git/casefile/keys")" ]; } && echo 0 || echo 1)" \
	"lock of a key sealed to nobody: refused (exit 2), the key kept"
run -C "$work/lonely" lock --force
ok_if "$( { [ "$rc" = 0 ] && [ -z "$(ls "$work/lonely/.git/casefile/keys")" ]; } && echo 0 || echo 1)" \
	"lock --force: removed anyway"

# ---- member remove ---------------------------------------------------------------------------
run -C "$repo" member remove nosuch
ok_if "$( { [ "$rc" = 2 ] && grep -q "nosuch is not a member of this repository" "$err"; } && echo 0 || echo 1)" \
	"member remove of no member: exit 2"
echo "a change" >>"$repo/cases/2026-003/notes/2026-07-20-family-contact.md"
run -C "$repo" member remove bob
ok_if "$( { [ "$rc" = 2 ] && [ -f "$repo/.casefile/members/bob.pub" ] &&
	[ "$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")" = "$casekey" ]; } && echo 0 || echo 1)" \
	"member remove with a change under cases/: refused (exit 2), nothing changed"
git -C "$repo" checkout -q -- cases/

run -C "$repo" member remove bob
newkey=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
ok_if "$( { [ "$rc" = 0 ] && [ -n "$newkey" ] && [ "$newkey" != "$casekey" ] &&
	[ "$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")" = "$repokey" ]; } && echo 0 || echo 1)" \
	"member remove bob: exit 0, the case key rotated ($casekey -> $newkey), the repository key not"
ok_if "$( { grep -q "^  case 2026-003 key rotated: $casekey -> $newkey, sealed to alice carol gina$" "$out" &&
	[ "$(tail -n 1 "$out")" = "History before this rotation stays readable to bob: the old keys decrypt the old commits. Re-cloning does not change that; rewriting history would." ]; } && echo 0 || echo 1)" \
	"it says who holds the new key, and plainly that history stays readable to bob"
ok_if "$( { [ ! -e "$repo/.casefile/members/bob.pub" ] && [ ! -e "$repo/.casefile/keys/$casekey" ] &&
	[ -f "$repo/.casefile/keys/$newkey/alice.sealed" ] && [ -f "$repo/.casefile/keys/$newkey/carol.sealed" ] &&
	[ -f "$repo/.casefile/keys/$newkey/gina.sealed" ] && [ ! -e "$repo/.casefile/keys/$newkey/bob.sealed" ]; } && echo 0 || echo 1)" \
	"bob.pub and the old key's sealed files are gone; the new key is sealed to the others"
ok_if "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/notes/2026-07-20-family-contact.md)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged under the new key; the other cases are untouched"
ok_if "$( { git -C "$repo" diff --cached --name-only | grep -q "^.casefile/members/bob.pub$" &&
	[ -z "$(git -C "$repo" status --porcelain | grep -v '^[ADM]  ')" ]; } && echo 0 || echo 1)" \
	"everything is staged (nothing committed, nothing left unstaged)"
ok_if "$( { [ -f "$repo/.git/casefile/keys/$casekey.key" ] && [ -f "$repo/.git/casefile/keys/$newkey.key" ]; } && echo 0 || echo 1)" \
	"alice's clone keeps the old key beside the new one, to read history"
git -C "$repo" commit -q -m "bob leaves" >/dev/null 2>&1
run -C "$repo" member list
ok_if "$( { [ "$(cat "$out")" = "alice  repository, case 2026-003
carol  repository, case 2026-003
gina   repository, case 2026-003" ]; } && echo 0 || echo 1)" \
	"member list: bob is gone"

clone_as bob "$work/bob2"
as bob -C "$work/bob2" unlock
ok_if "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]" "$err" &&
	[ "$(head8 "$work/bob2/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"a fresh clone with bob's identity: unlock says no key (exit 3); 2026-003 stays ciphertext"
mkdir -p "$work/bob2/.git/casefile/keys" && chmod 700 "$work/bob2/.git/casefile" "$work/bob2/.git/casefile/keys"
cp "$work/bob-old-keys/"*.key "$work/bob2/.git/casefile/keys/"
rm -f "$work/bob2/cases/2026-003/case.yaml"
git -C "$work/bob2" checkout -q -- cases/2026-003/case.yaml
ok_if "$( { [ "$(head8 "$work/bob2/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"even with the old key bob kept, the new HEAD's 2026-003 stays ciphertext"
git -C "$work/bob2" show HEAD~1:cases/2026-003/case.yaml >"$work/old.blob"
(cd "$work/bob2" && "$CASEFILE" smudge cases/2026-003/case.yaml <"$work/old.blob" >"$work/old.plain" 2>/dev/null)
ok_if "$( { cmp -s "$work/old.plain" "$repo/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"... while the commit before the rotation still decrypts with it, as the message says"

clone_as carol "$work/carol"
as carol -C "$work/carol" unlock
ok_if "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-003/case.yaml" "$work/carol/cases/2026-003/case.yaml" &&
	[ -z "$(git -C "$work/carol" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"carol, who stayed, reads 2026-003 under the new key"

# Removing a full member rotates the repository key too.
as alice -C "$repo" member add dave "$work/dave.pub" >/dev/null
git -C "$repo" commit -q -m "dave" >/dev/null 2>&1
run -C "$repo" member remove dave
newrepo=$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")
newcase=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
ok_if "$( { [ "$rc" = 0 ] && [ "$newrepo" != "$repokey" ] && [ "$newcase" != "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$newrepo" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newcase" ]; } && echo 0 || echo 1)" \
	"member remove of a full member: the repository key and the case key both rotate, every case re-encrypted"
git -C "$repo" commit -q -m "dave leaves" >/dev/null 2>&1
ok_if "$( { [ -z "$(git -C "$repo" status --porcelain)" ] &&
	cmp -s "$EXAMPLE/cases/2026-004/family.yaml" "$repo/cases/2026-004/family.yaml"; } && echo 0 || echo 1)" \
	"after the commit: git status clean, the working tree unchanged plaintext"

# Nobody else holds gina's... everyone holds the repository key; a case reviewer alone cannot be
# the last holder: removing the last full members one by one stops at the last one.
run -C "$repo" member remove carol
git -C "$repo" commit -q -m "carol leaves" >/dev/null 2>&1
run -C "$repo" member remove gina
git -C "$repo" commit -q -m "gina leaves" >/dev/null 2>&1
run -C "$repo" member remove alice
ok_if "$( { [ "$rc" = 2 ] && grep -q "nobody but alice holds" "$err" && [ -f "$repo/.casefile/members/alice.pub" ]; } && echo 0 || echo 1)" \
	"removing the last holder of a key: refused (exit 2), nothing changed"
leaked=$(git -C "$repo" cat-file --batch-all-objects --batch 2>/dev/null | grep -c "Marsh-Tilling")
ok_if "$( { [ "$leaked" = 0 ]; } && echo 0 || echo 1)" \
	"no git object of the repository holds a family's name (found $leaked)"
