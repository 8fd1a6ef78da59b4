#!/bin/sh
# Members and keys as users see them (DESIGN.md §6): keygen; member add (full, and for one
# case, which then gets a key of its own); member list; a clone unlocked with a member's
# identity reads what was sealed to that member and nothing else; lock; key export and
# unlock --key-file; member remove rotates the keys, so a fresh clone with the removed
# identity reads nothing of the new HEAD.  Every test works in a temporary HOME with its own
# git configuration and identities (CASEFILE_IDENTITY): nothing touches the real ones.

. "$(dirname "$0")/lib.sh"
EXAMPLE=$CF_SRCDIR/example-repo

need init

sandbox
# The test's own member identity (alice's, made below), and $USER, the member name init takes
# when no --member is given.
CASEFILE_IDENTITY=$tmp/id-alice
USER=alice
export CASEFILE_IDENTITY USER

echo "1..60"

# as NAME ARGS...: run as the member whose identity is $tmp/id-NAME.
as() {
	who=$1
	shift
	CASEFILE_IDENTITY=$tmp/id-$who run "$@"
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
	CASEFILE_IDENTITY=$tmp/id-$who "$CASEFILE" keygen >"$tmp/$who.pub" 2>/dev/null
done
as frank keygen
check_run "$( { [ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 1 ] &&
	grep -Eq '^casefile-pub-1 [A-Za-z0-9+/]{43}=$' "$out"; } && echo 0 || echo 1)" \
	"keygen: exit 0, one line 'casefile-pub-1 BASE64' on stdout"
check_run "$( { [ "$(stat -c %a "$tmp/id-frank")" = 600 ] && grep -q "^secret " "$tmp/id-frank"; } && echo 0 || echo 1)" \
	"keygen: the identity is written with mode 0600"
cp "$out" "$tmp/frank.pub"
as frank keygen
check_run "$( { [ "$rc" = 2 ] && [ ! -s "$out" ] && grep -q "an identity exists already at $tmp/id-frank" "$err" &&
	grep -q -- "--force" "$err"; } && echo 0 || echo 1)" \
	"keygen again: refused (exit 2), the hint names --force"
as frank keygen --force
check_run "$( { [ "$rc" = 0 ] && ! cmp -s "$out" "$tmp/frank.pub"; } && echo 0 || echo 1)" \
	"keygen --force: a new identity"
CASEFILE_IDENTITY='' run keygen
check_run "$( { [ "$rc" = 0 ] && [ "$(stat -c %a "$HOME/.config/casefile/identity")" = 600 ] &&
	[ "$(stat -c %a "$HOME/.config/casefile")" = 700 ]; } && echo 0 || echo 1)" \
	"keygen without CASEFILE_IDENTITY: ~/.config/casefile/identity, mode 0600, directory 0700"
printf 'a long passphrase\n' >"$tmp/pass"
as gina keygen --passphrase-file "$tmp/pass"
cp "$out" "$tmp/gina.pub"
check_run "$( { [ "$rc" = 0 ] && grep -q "^box " "$tmp/id-gina" && ! grep -q "^secret " "$tmp/id-gina"; } && echo 0 || echo 1)" \
	"keygen --passphrase-file: the secret is stored protected, not in the clear"
as gina key public
check_run "$( { [ "$rc" = 0 ] && cmp -s "$out" "$tmp/gina.pub"; } && echo 0 || echo 1)" \
	"key public: the public key again, without the passphrase"

# ---- a repository: alice makes it, with the example's cases and one more, 2026-003 -------
repo=$tmp/repo
as alice init "$repo" --partnership "Northdale" --example
cp -R "$repo/cases/2026-004" "$repo/cases/2026-003"
sed -i 's/2026-004/2026-003/' "$repo/cases/2026-003/case.yaml"
git -C "$repo" add cases >/dev/null 2>&1
# The example's cases carry deliberate errors, which the pre-commit hook refuses.
git -C "$repo" commit -q --no-verify -m "the cases" >/dev/null 2>&1
repokey=$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")
check_run "$( { [ -n "$repokey" ] && [ "$(blob_key "$repo" HEAD:cases/2026-003/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"a repository whose cases are encrypted with the repository key ($repokey)"
run -C "$repo" member list
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  repository" ]; } && echo 0 || echo 1)" \
	"member list: alice, the creator, holds the repository key"

# ---- member add, its refusals ----------------------------------------------------------------
run -C "$repo" member add "bad name" "$(cat "$tmp/bob.pub")"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a member name" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad name: exit 2"
run -C "$repo" member add bob "casefile-pub-1 nonsense"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a public key" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad public key: exit 2"
run -C "$repo" member add bob "$(cat "$tmp/alice.pub")"
check_run "$( { [ "$rc" = 2 ] && grep -q "this public key is member alice's already" "$err"; } && echo 0 || echo 1)" \
	"member add with a key that is another member's: exit 2"
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2099-999
check_run "$( { [ "$rc" = 2 ] && grep -q "'2099-999' is not a case of this repository" "$err" &&
	[ ! -e "$repo/.casefile/members/bob.pub" ]; } && echo 0 || echo 1)" \
	"member add --case of no case: exit 2, nothing written"

# ---- bob, an independent reviewer of 2026-003 only ---------------------------------------
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2026-003
casekey=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: member add: bob holds: case 2026-003 (a new key of its own)$" "$out" &&
	[ -n "$casekey" ] && [ "$casekey" != "$repokey" ]; } && echo 0 || echo 1)" \
	"member add --case 2026-003: case 2026-003 gets a key of its own ($casekey)"
check_run "$( { cmp -s "$tmp/bob.pub" "$repo/.casefile/members/bob.pub" &&
	[ -f "$repo/.casefile/keys/$casekey/bob.sealed" ] &&
	[ -f "$repo/.casefile/keys/$casekey/alice.sealed" ] &&
	[ ! -e "$repo/.casefile/keys/$repokey/bob.sealed" ]; } && echo 0 || echo 1)" \
	"bob.pub written; the case key sealed to bob and to alice (a full member); not the repository key"
check_run "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/family.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged encrypted with the case key; 2026-004 keeps the repository key"
staged=$(git -C "$repo" diff --cached --name-only | tr '\n' ' ')
check_run "$( { echo "$staged" | grep -q ".casefile/access.yaml .casefile/keys/$casekey/alice.sealed .casefile/keys/$casekey/bob.sealed .casefile/members/bob.pub cases/2026-003/agencies.yaml" &&
	! git -C "$repo" diff --cached --name-only | grep -q "^cases/2026-004"; } && echo 0 || echo 1)" \
	"staged, not committed: access.yaml, the sealed keys, bob.pub, 2026-003's files"
check_run "$( { [ -z "$(git -C "$repo" status --porcelain | grep -v '^[AM]  ')" ]; } && echo 0 || echo 1)" \
	"git status: nothing unstaged"
git -C "$repo" commit -q -m "bob reviews 2026-003" >/dev/null 2>&1
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2026-003
check_run "$( { [ "$rc" = 0 ] && [ -z "$(git -C "$repo" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"member add again: nothing changes"

# ---- carol, a full member (the public key from a file) -----------------------------------
run -C "$repo" member add carol "$tmp/carol.pub"
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: member add: carol holds: repository, case 2026-003$" "$out" &&
	[ -f "$repo/.casefile/keys/$repokey/carol.sealed" ] && [ -f "$repo/.casefile/keys/$casekey/carol.sealed" ]; } && echo 0 || echo 1)" \
	"member add carol FILE: a full member holds the repository key and every case key"
as alice -C "$repo" member add gina "$tmp/gina.pub"
git -C "$repo" commit -q -m "carol and gina" >/dev/null 2>&1
run -C "$repo" member list
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  repository, case 2026-003
bob    case 2026-003
carol  repository, case 2026-003
gina   repository, case 2026-003" ]; } && echo 0 || echo 1)" \
	"member list: who holds what"

# ---- bob's clone: 2026-003 only ----------------------------------------------------------
clone_as bob "$tmp/bob"
check_run "$( { [ "$rc" = 0 ] && [ "$(head8 "$tmp/bob/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"bob's fresh clone, set up by init: the cases are ciphertext"
as bob -C "$tmp/bob" unlock
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: unlock: 1 key of member bob installed: case 2026-003$" "$out"; } && echo 0 || echo 1)" \
	"bob unlocks: exit 0, the case key of 2026-003 installed"
check_run "$( { cmp -s "$repo/cases/2026-003/case.yaml" "$tmp/bob/cases/2026-003/case.yaml" &&
	cmp -s "$repo/cases/2026-003/family.yaml" "$tmp/bob/cases/2026-003/family.yaml"; } && echo 0 || echo 1)" \
	"bob reads 2026-003 in plaintext"
res=0
for f in "$tmp"/bob/cases/*/case.yaml; do
	case $f in */2026-003/*) continue ;; esac
	[ "$(head8 "$f")" = "@CFCRYPT" ] || res=1
done
check_run $res "every other case stays ciphertext in bob's clone"
check_run "$( { [ -z "$(git -C "$tmp/bob" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"git status is clean after unlock"
check_run "$( { [ "$(stat -c %a "$tmp/bob/.git/casefile/keys/$casekey.key")" = 600 ] &&
	[ "$(ls "$tmp/bob/.git/casefile/keys")" = "$casekey.key" ]; } && echo 0 || echo 1)" \
	"bob's clone holds the case key only, mode 0600"
mkdir -p "$tmp/bob-old-keys"
cp "$tmp/bob/.git/casefile/keys/"*.key "$tmp/bob-old-keys/"

run -C "$tmp/bob" member add dave "$(cat "$tmp/dave.pub")"
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]: this clone does not hold the repository key" "$err" &&
	[ ! -e "$tmp/bob/.casefile/members/dave.pub" ]; } && echo 0 || echo 1)" \
	"bob cannot make dave a full member: exit 3, crypt/no-key, nothing written"

# ---- lock and unlock ---------------------------------------------------------------------
echo "a change" >>"$tmp/bob/cases/2026-003/case.yaml"
run -C "$tmp/bob" lock
check_run "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes" "$err" &&
	[ -f "$tmp/bob/.git/casefile/keys/$casekey.key" ] && grep -q "^a change$" "$tmp/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"lock with a change under cases/: refused (exit 2), keys and change kept"
git -C "$tmp/bob" checkout -q -- cases/2026-003/case.yaml
run -C "$tmp/bob" lock
check_run "$( { [ "$rc" = 0 ] && [ "$(head8 "$tmp/bob/cases/2026-003/case.yaml")" = "@CFCRYPT" ] &&
	[ -z "$(ls "$tmp/bob/.git/casefile/keys")" ] && [ -z "$(git -C "$tmp/bob" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"lock: keys removed, 2026-003 ciphertext again, git status clean"
as bob -C "$tmp/bob" unlock
check_run "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-003/case.yaml" "$tmp/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock again: plaintext again"
echo "a change" >>"$tmp/bob/cases/2026-003/case.yaml"
as bob -C "$tmp/bob" unlock
check_run "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes, so it was not checked out again" "$err" &&
	grep -q "^a change$" "$tmp/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock with a change under cases/: refused (exit 2), the change kept"
git -C "$tmp/bob" checkout -q -- cases/2026-003/case.yaml

# ---- a stranger, a protected identity, a backup ------------------------------------------
clone_as dave "$tmp/dave"
as dave -C "$tmp/dave" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]: no key of this repository is sealed to you" "$err" &&
	[ "$(head8 "$tmp/dave/cases/2026-004/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"dave, no member: unlock says no key (exit 3), the cases stay ciphertext"
as nobody -C "$tmp/dave" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/identity\]: no identity at $tmp/id-nobody" "$err"; } && echo 0 || echo 1)" \
	"no identity at all: exit 3, crypt/identity"
rm -rf "$tmp/raw" && git clone -q "$repo" "$tmp/raw"
as bob -C "$tmp/raw" unlock
check_run "$( { [ "$rc" = 2 ] && grep -q "the casefile filter is not configured in this clone" "$err" &&
	[ ! -d "$tmp/raw/.git/casefile" ]; } && echo 0 || echo 1)" \
	"unlock in a clone without the filter: exit 2, run casefile init first"

clone_as gina "$tmp/gina"
printf 'wrong\n' >"$tmp/wrong"
as gina -C "$tmp/gina" unlock --passphrase-file "$tmp/wrong"
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/passphrase\]: wrong passphrase" "$err" &&
	[ ! -e "$tmp/gina/.git/casefile/keys" ]; } && echo 0 || echo 1)" \
	"gina's protected identity with a wrong passphrase: exit 3, crypt/passphrase"
as gina -C "$tmp/gina" unlock --passphrase-file "$tmp/pass"
check_run "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-004/family.yaml" "$tmp/gina/cases/2026-004/family.yaml" &&
	cmp -s "$repo/cases/2026-003/family.yaml" "$tmp/gina/cases/2026-003/family.yaml"; } && echo 0 || echo 1)" \
	"gina with the passphrase: a full member reads every case"

run -C "$repo" key export --passphrase-file "$tmp/pass" -o "$tmp/backup"
check_run "$( { [ "$rc" = 0 ] && [ "$(stat -c %a "$tmp/backup")" = 600 ] &&
	[ "$(grep -c '^casefile-key-export 1$' "$tmp/backup")" = 2 ] &&
	! grep -q "^secret" "$tmp/backup"; } && echo 0 || echo 1)" \
	"key export: both keys, mode 0600, passphrase-protected"
clone_as nobody "$tmp/restore"
as nobody -C "$tmp/restore" unlock --key-file "$tmp/backup" --passphrase-file "$tmp/pass"
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: unlock: 2 keys installed from $tmp/backup$" "$out" &&
	cmp -s "$repo/cases/2026-003/case.yaml" "$tmp/restore/cases/2026-003/case.yaml" &&
	cmp -s "$repo/cases/2026-011/case.yaml" "$tmp/restore/cases/2026-011/case.yaml"; } && echo 0 || echo 1)" \
	"unlock --key-file: a clone with no identity reads everything from the backup"
as nobody -C "$tmp/restore" lock
check_run "$( { [ "$rc" = 0 ] && [ "$(head8 "$tmp/restore/cases/2026-011/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"and locks again"
as nobody -C "$tmp/restore" unlock --key-file "$tmp/backup" --passphrase-file "$tmp/wrong"
check_run "$( { [ "$rc" = 3 ] && grep -q "crypt/passphrase" "$err"; } && echo 0 || echo 1)" \
	"unlock --key-file with a wrong passphrase: exit 3, crypt/passphrase"

# A repository whose key nobody else holds: lock would lose it.
as nobody init "$tmp/lonely" --partnership P >/dev/null
run -C "$tmp/lonely" lock
check_run "$( { [ "$rc" = 2 ] && grep -q "no member holds a sealed copy of repository" "$err" &&
	[ -n "$(ls "$tmp/lonely/.git/casefile/keys")" ]; } && echo 0 || echo 1)" \
	"lock of a key sealed to nobody: refused (exit 2), the key kept"
run -C "$tmp/lonely" lock --force
check_run "$( { [ "$rc" = 0 ] && [ -z "$(ls "$tmp/lonely/.git/casefile/keys")" ]; } && echo 0 || echo 1)" \
	"lock --force: removed anyway"

# ---- member remove ---------------------------------------------------------------------------
run -C "$repo" member remove nosuch
check_run "$( { [ "$rc" = 2 ] && grep -q "nosuch is not a member of this repository" "$err"; } && echo 0 || echo 1)" \
	"member remove of no member: exit 2"
echo "a change" >>"$repo/cases/2026-003/notes/2026-07-20-family-contact.md"
run -C "$repo" member remove bob
check_run "$( { [ "$rc" = 2 ] && [ -f "$repo/.casefile/members/bob.pub" ] &&
	[ "$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")" = "$casekey" ]; } && echo 0 || echo 1)" \
	"member remove with a change under cases/: refused (exit 2), nothing changed"
git -C "$repo" checkout -q -- cases/

run -C "$repo" member remove bob
newkey=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
check_run "$( { [ "$rc" = 0 ] && [ -n "$newkey" ] && [ "$newkey" != "$casekey" ] &&
	[ "$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")" = "$repokey" ]; } && echo 0 || echo 1)" \
	"member remove bob: exit 0, the case key rotated ($casekey -> $newkey), the repository key not"
check_run "$( { grep -q "^  case 2026-003 key rotated: $casekey -> $newkey, sealed to alice carol gina$" "$out" &&
	[ "$(tail -n 1 "$out")" = "History before this rotation stays readable to bob: the old keys decrypt the old commits. Re-cloning does not change that; rewriting history would." ]; } && echo 0 || echo 1)" \
	"it says who holds the new key, and plainly that history stays readable to bob"
check_run "$( { [ ! -e "$repo/.casefile/members/bob.pub" ] && [ ! -e "$repo/.casefile/keys/$casekey" ] &&
	[ -f "$repo/.casefile/keys/$newkey/alice.sealed" ] && [ -f "$repo/.casefile/keys/$newkey/carol.sealed" ] &&
	[ -f "$repo/.casefile/keys/$newkey/gina.sealed" ] && [ ! -e "$repo/.casefile/keys/$newkey/bob.sealed" ]; } && echo 0 || echo 1)" \
	"bob.pub and the old key's sealed files are gone; the new key is sealed to the others"
check_run "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/notes/2026-07-20-family-contact.md)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged under the new key; the other cases are untouched"
check_run "$( { git -C "$repo" diff --cached --name-only | grep -q "^.casefile/members/bob.pub$" &&
	[ -z "$(git -C "$repo" status --porcelain | grep -v '^[ADM]  ')" ]; } && echo 0 || echo 1)" \
	"everything is staged (nothing committed, nothing left unstaged)"
check_run "$( { [ -f "$repo/.git/casefile/keys/$casekey.key" ] && [ -f "$repo/.git/casefile/keys/$newkey.key" ]; } && echo 0 || echo 1)" \
	"alice's clone keeps the old key beside the new one, to read history"
git -C "$repo" commit -q -m "bob leaves" >/dev/null 2>&1
run -C "$repo" member list
check_run "$( { [ "$(cat "$out")" = "alice  repository, case 2026-003
carol  repository, case 2026-003
gina   repository, case 2026-003" ]; } && echo 0 || echo 1)" \
	"member list: bob is gone"

clone_as bob "$tmp/bob2"
as bob -C "$tmp/bob2" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/no-key\]" "$err" &&
	[ "$(head8 "$tmp/bob2/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"a fresh clone with bob's identity: unlock says no key (exit 3); 2026-003 stays ciphertext"
mkdir -p "$tmp/bob2/.git/casefile/keys" && chmod 700 "$tmp/bob2/.git/casefile" "$tmp/bob2/.git/casefile/keys"
cp "$tmp/bob-old-keys/"*.key "$tmp/bob2/.git/casefile/keys/"
rm -f "$tmp/bob2/cases/2026-003/case.yaml"
git -C "$tmp/bob2" checkout -q -- cases/2026-003/case.yaml
check_run "$( { [ "$(head8 "$tmp/bob2/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"even with the old key bob kept, the new HEAD's 2026-003 stays ciphertext"
git -C "$tmp/bob2" show HEAD~1:cases/2026-003/case.yaml >"$tmp/old.blob"
(cd "$tmp/bob2" && "$CASEFILE" smudge cases/2026-003/case.yaml <"$tmp/old.blob" >"$tmp/old.plain" 2>/dev/null)
check_run "$( { cmp -s "$tmp/old.plain" "$repo/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"... while the commit before the rotation still decrypts with it, as the message says"

clone_as carol "$tmp/carol"
as carol -C "$tmp/carol" unlock
check_run "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-003/case.yaml" "$tmp/carol/cases/2026-003/case.yaml" &&
	[ -z "$(git -C "$tmp/carol" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"carol, who stayed, reads 2026-003 under the new key"

# Removing a full member rotates the repository key too.
as alice -C "$repo" member add dave "$tmp/dave.pub" >/dev/null
git -C "$repo" commit -q -m "dave" >/dev/null 2>&1
run -C "$repo" member remove dave
newrepo=$(sed -n 's/^repository_key: //p' "$repo/.casefile/access.yaml")
newcase=$(sed -n 's/^  2026-003: //p' "$repo/.casefile/access.yaml")
check_run "$( { [ "$rc" = 0 ] && [ "$newrepo" != "$repokey" ] && [ "$newcase" != "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$newrepo" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newcase" ]; } && echo 0 || echo 1)" \
	"member remove of a full member: the repository key and the case key both rotate, every case re-encrypted"
git -C "$repo" commit -q -m "dave leaves" >/dev/null 2>&1
check_run "$( { [ -z "$(git -C "$repo" status --porcelain)" ] &&
	cmp -s "$EXAMPLE/cases/2026-004/family.yaml" "$repo/cases/2026-004/family.yaml"; } && echo 0 || echo 1)" \
	"after the commit: git status clean, the working tree unchanged plaintext"

# A key must keep a holder: with carol and gina gone, alice is the last member holding the
# repository key, so removing her is refused and nothing changes.
run -C "$repo" member remove carol
git -C "$repo" commit -q -m "carol leaves" >/dev/null 2>&1
run -C "$repo" member remove gina
git -C "$repo" commit -q -m "gina leaves" >/dev/null 2>&1
run -C "$repo" member remove alice
check_run "$( { [ "$rc" = 2 ] && grep -q "nobody but alice holds" "$err" && [ -f "$repo/.casefile/members/alice.pub" ]; } && echo 0 || echo 1)" \
	"removing the last holder of a key: refused (exit 2), nothing changed"
no_object_holds "$repo" "Marsh-Tilling"
check_run $? "no git object of the repository holds a family's name"
