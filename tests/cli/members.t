#!/bin/sh
# Members and keys as users see them: keygen (a sealing and a signing key, a fingerprint to
# read aloud); the signed member log init begins; member add (a full member, and a reviewer
# of one case, which then gets a key of its own); member list; a clone unlocked with a
# member's identity pins the repository's fingerprint and reads what the log gives that
# member and nothing else; lock; key export and unlock --key-file; member remove rotates the
# keys, so nothing committed afterwards is readable with the removed member's keys while the
# members who stay read the whole history.  Every test works in a temporary HOME with its own
# git configuration and identities (CASEFILE_IDENTITY): nothing touches the real ones.

. "$(dirname "$0")/lib.sh"
EXAMPLE=$CF_SRCDIR/example-repo

need init member unlock lock keygen key
sandbox
CASEFILE_IDENTITY=$tmp/id-alice
USER=alice
export CASEFILE_IDENTITY USER

echo "1..61"

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

# blob_key REPO REV:PATH: the key id a blob is encrypted with (bytes 10-17, in hex).
blob_key() {
	git -C "$1" cat-file blob "$2" | head -c 17 | tail -c 8 | od -An -tx1 | tr -d ' \n'
}

# clone_as NAME DIR: a fresh clone of $repo, set up by `casefile init` as NAME.
clone_as() {
	rm -rf "$2"
	git clone -q "$repo" "$2" && as "$1" -C "$2" init
}

# log_sum: the member log as committed to the working tree, to show nothing changed.
log_sum() {
	sha1sum <"$repo/.casefile/members.log"
}

# ---- keygen --------------------------------------------------------------------------------
for who in alice bob carol dave; do
	CASEFILE_IDENTITY=$tmp/id-$who "$CASEFILE" keygen --no-passphrase >"$tmp/$who.pub" 2>/dev/null
done
as frank keygen --no-passphrase
fp_frank=$(sed -n 's/^casefile-pub-2 [A-Za-z0-9+/]\{86\}== \([0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}\)$/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 1 ] && [ -n "$fp_frank" ] &&
	grep -q "fingerprint $fp_frank" "$err"; } && echo 0 || echo 1)" \
	"keygen: exit 0, one line 'casefile-pub-2 KEYS FINGERPRINT' on stdout, the fingerprint ($fp_frank) said on stderr"
check_run "$( { [ "$(stat -c %a "$tmp/id-frank")" = 600 ] && [ "$(head -n 1 "$tmp/id-frank")" = "casefile-identity 2" ] &&
	grep -q "^sign-public " "$tmp/id-frank"; } && echo 0 || echo 1)" \
	"keygen: the identity (a sealing and a signing key) is written with mode 0600"
cp "$out" "$tmp/frank.pub"
as frank keygen --no-passphrase
check_run "$( { [ "$rc" = 2 ] && [ ! -s "$out" ] && grep -q "an identity exists already at $tmp/id-frank" "$err" &&
	grep -q -- "--force" "$err"; } && echo 0 || echo 1)" \
	"keygen again: refused (exit 2), the hint names --force"
as frank keygen --no-passphrase --force
check_run "$( { [ "$rc" = 0 ] && ! cmp -s "$out" "$tmp/frank.pub"; } && echo 0 || echo 1)" \
	"keygen --force: a new identity"
CASEFILE_IDENTITY='' run keygen --no-passphrase
check_run "$( { [ "$rc" = 0 ] && [ "$(stat -c %a "$HOME/.config/casefile/identity")" = 600 ] &&
	[ "$(stat -c %a "$HOME/.config/casefile")" = 700 ]; } && echo 0 || echo 1)" \
	"keygen without CASEFILE_IDENTITY: ~/.config/casefile/identity, mode 0600, directory 0700"
printf 'short pass\n' >"$tmp/short"
as gina keygen --passphrase-file "$tmp/short"
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/passphrase\]: the passphrase is too short" "$err" &&
	grep -q "at least 12 characters" "$err" && [ ! -e "$tmp/id-gina" ]; } && echo 0 || echo 1)" \
	"keygen with a passphrase under 12 characters: refused (exit 3), nothing written"
printf 'a long passphrase\n' >"$tmp/pass"
as gina keygen --passphrase-file "$tmp/pass"
cp "$out" "$tmp/gina.pub"
check_run "$( { [ "$rc" = 0 ] && grep -q "^box " "$tmp/id-gina" && ! grep -q "^secret " "$tmp/id-gina"; } && echo 0 || echo 1)" \
	"keygen --passphrase-file: the secret is stored protected, not in the clear"
as gina key public
check_run "$( { [ "$rc" = 0 ] && cmp -s "$out" "$tmp/gina.pub"; } && echo 0 || echo 1)" \
	"key public: the public line again, without the passphrase"

# ---- a repository: alice makes it, with the example's cases and one more, 2026-003 -------
repo=$tmp/repo
as alice init "$repo" --partnership "Northdale" --example
repokey=$(sed -n 's/^  member log .* the repository key \([0-9a-f]\{16\}\) made, .*/\1/p' "$out")
repo_fp=$(sed -n 's/^  repository fingerprint \([0-9A-Z-]*\), pinned in this clone: .*/\1/p' "$out")
cp -R "$repo/cases/2026-004" "$repo/cases/2026-003"
sed -i 's/2026-004/2026-003/' "$repo/cases/2026-003/case.yaml"
git -C "$repo" add cases >/dev/null 2>&1
# The example's cases carry deliberate errors, which the pre-commit hook refuses.
git -C "$repo" commit -q --no-verify -m "the cases" >/dev/null 2>&1
check_run "$( { [ -n "$repokey" ] && [ "$(blob_key "$repo" HEAD:cases/2026-003/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"a repository whose cases are encrypted with the repository key ($repokey)"
alice_fp=$(cut -d' ' -f3 "$tmp/alice.pub")
run -C "$repo" member list
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  admin   $alice_fp  every case  (genesis, by alice)" ] &&
	grep -q "repository fingerprint $repo_fp, 1 entry" "$err"; } && echo 0 || echo 1)" \
	"member list: alice, the creator, an admin, with her fingerprint; the repository's fingerprint on stderr"

# ---- member add, its refusals ----------------------------------------------------------------
before=$(log_sum)
run -C "$repo" member add "bad name" "$(cat "$tmp/bob.pub")"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a member name" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad name: exit 2"
run -C "$repo" member add bob "casefile-pub-2 nonsense"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a public key" "$err"; } && echo 0 || echo 1)" \
	"member add with a bad public key: exit 2"
# A line whose fingerprint was misread (or changed on its way) is refused.
sed 's/ [0-9A-Z-]*$/ AAAA-BBBB-CCCC-DDDD/' "$tmp/bob.pub" >"$tmp/bob-wrong.pub"
run -C "$repo" member add bob "$tmp/bob-wrong.pub"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a public key" "$err" && grep -q "fingerprint that does not match" "$err"; } && echo 0 || echo 1)" \
	"member add with a public line whose fingerprint does not match its keys: exit 2"
run -C "$repo" member add bob "$(cat "$tmp/alice.pub")"
check_run "$( { [ "$rc" = 2 ] && grep -q "this public key is member alice's already" "$err"; } && echo 0 || echo 1)" \
	"member add with a key that is another member's: exit 2"
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2099-999
check_run "$( { [ "$rc" = 2 ] && grep -q "'2099-999' is not a case of this repository" "$err" &&
	[ "$(log_sum)" = "$before" ]; } && echo 0 || echo 1)" \
	"member add --case of no case: exit 2, the member log unchanged"

# ---- bob, an independent reviewer of 2026-003 only ---------------------------------------
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2026-003
casekey=$(sed -n 's/^casefile: member add: new key \([0-9a-f]\{16\}\) for case 2026-003$/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$casekey" ] && [ "$casekey" != "$repokey" ] &&
	grep -q "^casefile: member add: sealed to alice: case 2026-003$" "$out" &&
	grep -q "^casefile: member add: sealed to bob: case 2026-003$" "$out" &&
	grep -q "^casefile: member add: the member log (entry 1, signed by alice) is staged: commit and push it$" "$out"; } && echo 0 || echo 1)" \
	"member add --case 2026-003: the case gets a key of its own ($casekey), sealed to bob and to alice"
check_run "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/family.yaml)" = "$casekey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged encrypted with the case key; 2026-004 keeps the repository key"
staged=$(git -C "$repo" diff --cached --name-only | grep -v '^cases/2026-003/' | tr '\n' ' ')
check_run "$( { [ "$staged" = ".casefile/members.log " ] &&
	[ -z "$(git -C "$repo" status --porcelain | grep -v '^M  ')" ]; } && echo 0 || echo 1)" \
	"staged, not committed: the member log and 2026-003's files; nothing unstaged"
git -C "$repo" commit -q -m "bob reviews 2026-003" >/dev/null 2>&1
before=$(log_sum)
run -C "$repo" member add bob "$(cat "$tmp/bob.pub")" --case 2026-003
check_run "$( { [ "$rc" = 2 ] && grep -q "bob is a member already" "$err" && [ "$(log_sum)" = "$before" ] &&
	[ -z "$(git -C "$repo" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"member add of bob again: refused (exit 2), nothing changes"

# ---- carol, a full member (the public line from a file), gina ----------------------------
run -C "$repo" member add carol "$tmp/carol.pub"
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: member add: sealed to carol: repository, case 2026-003$" "$out"; } && echo 0 || echo 1)" \
	"member add carol FILE: a full member gets the repository key and every case key"
as alice -C "$repo" member add gina "$tmp/gina.pub"
git -C "$repo" commit -q -m "carol and gina" >/dev/null 2>&1
run -C "$repo" member list
check_run "$( { [ "$rc" = 0 ] && [ "$(cat "$out")" = "alice  admin   $alice_fp  every case  (genesis, by alice)
bob    case    $(cut -d' ' -f3 "$tmp/bob.pub")  cases 2026-003  (added by alice, entry 1)
carol  member  $(cut -d' ' -f3 "$tmp/carol.pub")  every case  (added by alice, entry 2)
gina   member  $(cut -d' ' -f3 "$tmp/gina.pub")  every case  (added by alice, entry 3)" ]; } && echo 0 || echo 1)" \
	"member list: each member's role, fingerprint and cases, and who added them"

# ---- bob's clone: 2026-003 only ----------------------------------------------------------
clone_as bob "$tmp/bob"
check_run "$( { [ "$rc" = 0 ] && [ "$(head8 "$tmp/bob/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"bob's fresh clone, set up by init: the cases are ciphertext"
as bob -C "$tmp/bob" unlock
check_run "$( { [ "$rc" = 0 ] && grep -q "^casefile: unlock: member log verified: 4 entries; the repository's fingerprint is $repo_fp$" "$out" &&
	grep -q "^  pinned in this clone: compare it with the fingerprint your administrator gave you$" "$out" &&
	grep -q "^casefile: unlock: 1 key of member bob installed: case 2026-003$" "$out"; } && echo 0 || echo 1)" \
	"bob unlocks: the repository's fingerprint ($repo_fp) shown and pinned, the case key of 2026-003 installed"
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

as bob -C "$tmp/bob" member add dave "$(cat "$tmp/dave.pub")"
check_run "$( { [ "$rc" = 3 ] && grep -q "you are member bob of role case: only an admin may change who holds keys" "$err" &&
	cmp -s "$repo/.casefile/members.log" "$tmp/bob/.casefile/members.log"; } && echo 0 || echo 1)" \
	"bob (role case) cannot add dave: exit 3, the member log unchanged"

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
check_run "$( { [ "$rc" = 0 ] && grep -q "fingerprint $repo_fp (pinned)" "$out" &&
	cmp -s "$repo/cases/2026-003/case.yaml" "$tmp/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock again: the pinned fingerprint checked, plaintext again"
echo "a change" >>"$tmp/bob/cases/2026-003/case.yaml"
as bob -C "$tmp/bob" unlock
check_run "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes, so it was not checked out again" "$err" &&
	grep -q "^a change$" "$tmp/bob/cases/2026-003/case.yaml"; } && echo 0 || echo 1)" \
	"unlock with a change under cases/: refused (exit 2), the change kept"
git -C "$tmp/bob" checkout -q -- cases/2026-003/case.yaml

# ---- a stranger, a fingerprint that does not match, a protected identity, a backup -------
clone_as dave "$tmp/dave"
as dave -C "$tmp/dave" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/identity\]: your identity is not a member of this repository's member log" "$err" &&
	[ "$(head8 "$tmp/dave/cases/2026-004/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"dave, no member: unlock says so (exit 3), the cases stay ciphertext"
as nobody -C "$tmp/dave" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/identity\]: no identity at $tmp/id-nobody" "$err"; } && echo 0 || echo 1)" \
	"no identity at all: exit 3, crypt/identity"
rm -rf "$tmp/raw" && git clone -q "$repo" "$tmp/raw"
as bob -C "$tmp/raw" unlock
check_run "$( { [ "$rc" = 2 ] && grep -q "the casefile filter is not configured in this clone" "$err" &&
	[ ! -d "$tmp/raw/.git/casefile" ]; } && echo 0 || echo 1)" \
	"unlock in a clone without the filter: exit 2, run casefile init first"
clone_as carol "$tmp/carol-x"
as carol -C "$tmp/carol-x" unlock --expect AAAA-BBBB-CCCC-DDDD
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/untrusted\]: the repository's fingerprint is $repo_fp, not AAAA-BBBB-CCCC-DDDD" "$err" &&
	[ ! -e "$tmp/carol-x/.git/casefile/trust" ] && [ ! -e "$tmp/carol-x/.git/casefile/keys" ]; } && echo 0 || echo 1)" \
	"unlock --expect with another fingerprint: refused (exit 3), nothing pinned, no key installed"
as carol -C "$tmp/carol-x" unlock --expect "$repo_fp"
check_run "$( { [ "$rc" = 0 ] && grep -q "pinned in this clone (as you expected)" "$out" &&
	cmp -s "$repo/cases/2026-004/family.yaml" "$tmp/carol-x/cases/2026-004/family.yaml"; } && echo 0 || echo 1)" \
	"unlock --expect with the repository's fingerprint: pinned, carol reads the cases"

clone_as gina "$tmp/gina"
printf 'the wrong passphrase\n' >"$tmp/wrong"
as gina -C "$tmp/gina" unlock --passphrase-file "$tmp/wrong"
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/passphrase\]: wrong passphrase" "$err" &&
	[ -z "$(ls "$tmp/gina/.git/casefile/keys" 2>/dev/null)" ]; } && echo 0 || echo 1)" \
	"gina's protected identity with a wrong passphrase: exit 3, crypt/passphrase, no key"
as gina -C "$tmp/gina" unlock --passphrase-file "$tmp/pass"
check_run "$( { [ "$rc" = 0 ] && cmp -s "$repo/cases/2026-004/family.yaml" "$tmp/gina/cases/2026-004/family.yaml" &&
	cmp -s "$repo/cases/2026-003/family.yaml" "$tmp/gina/cases/2026-003/family.yaml"; } && echo 0 || echo 1)" \
	"gina with the passphrase: a full member reads every case"

run -C "$repo" key export --passphrase-file "$tmp/short" -o "$tmp/backup"
check_run "$( { [ "$rc" = 3 ] && grep -q "the passphrase is too short: at least 12 characters" "$err" && [ ! -e "$tmp/backup" ]; } && echo 0 || echo 1)" \
	"key export with a passphrase under 12 characters: refused (exit 3), nothing written"
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

# ---- member remove ---------------------------------------------------------------------------
run -C "$repo" member remove nosuch
check_run "$( { [ "$rc" = 2 ] && grep -q "nosuch is not a member of this repository" "$err"; } && echo 0 || echo 1)" \
	"member remove of no member: exit 2"
before=$(log_sum)
echo "a change" >>"$repo/cases/2026-003/notes/2026-07-20-family-contact.md"
run -C "$repo" member remove bob
check_run "$( { [ "$rc" = 2 ] && grep -q "cases/ has unstaged changes; nothing was changed" "$err" &&
	[ "$(log_sum)" = "$before" ]; } && echo 0 || echo 1)" \
	"member remove with a change under cases/: refused (exit 2), the member log unchanged"
git -C "$repo" checkout -q -- cases/

run -C "$repo" member remove bob
newkey=$(sed -n 's/^casefile: member remove: new key \([0-9a-f]\{16\}\) for case 2026-003$/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$newkey" ] && [ "$newkey" != "$casekey" ] &&
	! grep -q "new repository key" "$out"; } && echo 0 || echo 1)" \
	"member remove bob: exit 0, the case key rotated ($casekey -> $newkey), the repository key not"
check_run "$( { grep -q "^casefile: member remove: sealed to alice: case 2026-003$" "$out" &&
	grep -q "^casefile: member remove: sealed to carol: case 2026-003$" "$out" &&
	grep -q "^casefile: member remove: sealed to gina: case 2026-003$" "$out" && ! grep -q "sealed to bob" "$out" &&
	grep -q "^casefile: member remove: bob removed; they keep what they had before, and read nothing committed from now on$" "$out"; } && echo 0 || echo 1)" \
	"it says who holds the new key, and plainly that bob keeps what they had"
check_run "$( { [ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/notes/2026-07-20-family-contact.md)" = "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"2026-003's files are staged under the new key; the other cases are untouched"
check_run "$( { [ -z "$(git -C "$repo" status --porcelain | grep -v '^M  ')" ] &&
	git -C "$repo" diff --cached --name-only | grep -q "^.casefile/members.log$"; } && echo 0 || echo 1)" \
	"everything is staged (nothing committed, nothing left unstaged)"
check_run "$( { [ -f "$repo/.git/casefile/keys/$casekey.key" ] && [ -f "$repo/.git/casefile/keys/$newkey.key" ]; } && echo 0 || echo 1)" \
	"alice's clone keeps the retired key beside the new one, to read history"
git -C "$repo" commit -q -m "bob leaves" >/dev/null 2>&1
run -C "$repo" member list
check_run "$( { [ "$(cut -d' ' -f1 "$out" | tr '\n' ' ')" = "alice carol gina " ]; } && echo 0 || echo 1)" \
	"member list: bob is gone"

clone_as bob "$tmp/bob2"
as bob -C "$tmp/bob2" unlock
check_run "$( { [ "$rc" = 3 ] && grep -q "error\[crypt/identity\]: your identity is not a member" "$err" &&
	[ "$(head8 "$tmp/bob2/cases/2026-003/case.yaml")" = "@CFCRYPT" ]; } && echo 0 || echo 1)" \
	"a fresh clone with bob's identity: unlock refuses (exit 3); 2026-003 stays ciphertext"
mkdir -p "$tmp/bob2/.git/casefile/keys" && chmod 700 "$tmp/bob2/.git/casefile" "$tmp/bob2/.git/casefile/keys"
cp "$tmp/bob-old-keys/"*.key "$tmp/bob2/.git/casefile/keys/"
rm -f "$tmp/bob2/cases/2026-003/case.yaml"
git -C "$tmp/bob2" checkout -q -- cases/2026-003/case.yaml 2>/dev/null
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
newrepo=$(sed -n 's/^casefile: member remove: new repository key \([0-9a-f]\{16\}\)$/\1/p' "$out")
newcase=$(sed -n 's/^casefile: member remove: new key \([0-9a-f]\{16\}\) for case 2026-003$/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$newrepo" ] && [ "$newrepo" != "$repokey" ] && [ -n "$newcase" ] && [ "$newcase" != "$newkey" ] &&
	[ "$(blob_key "$repo" :cases/2026-004/case.yaml)" = "$newrepo" ] &&
	[ "$(blob_key "$repo" :cases/2026-003/case.yaml)" = "$newcase" ]; } && echo 0 || echo 1)" \
	"member remove of a full member: the repository key and the case key both rotate, every case re-encrypted"
git -C "$repo" commit -q -m "dave leaves" >/dev/null 2>&1
check_run "$( { [ -z "$(git -C "$repo" status --porcelain)" ] &&
	cmp -s "$EXAMPLE/cases/2026-004/family.yaml" "$repo/cases/2026-004/family.yaml"; } && echo 0 || echo 1)" \
	"after the commit: git status clean, the working tree unchanged plaintext"

# The members who stay read the whole history, through three keys of 2026-003.
(cd "$tmp/carol" && git pull -q >/dev/null 2>&1)
git -C "$tmp/carol" log -p --format=%s -- cases/2026-003/case.yaml >"$tmp/history" 2>"$tmp/history.err"
check_run "$( { [ "$(grep -c '^+id: 2026-003$' "$tmp/history")" = 1 ] && ! grep -q "CFCRYPT\|Binary files" "$tmp/history" &&
	! grep -q . "$tmp/history.err" && grep -q "^the cases$" "$tmp/history"; } && echo 0 || echo 1)" \
	"carol, after pulling the second rotation, reads 2026-003's whole history in plaintext (git log -p)"

# A repository must keep an admin: alice is the last, so removing her is refused.
run -C "$repo" member remove carol
git -C "$repo" commit -q -m "carol leaves" >/dev/null 2>&1
before=$(log_sum)
run -C "$repo" member remove alice
check_run "$( { [ "$rc" = 2 ] && grep -q "alice is the last admin" "$err" && [ "$(log_sum)" = "$before" ]; } && echo 0 || echo 1)" \
	"removing the last admin: refused (exit 2), nothing changed"
no_object_holds "$repo" "Marsh-Tilling"
check_run $? "no git object of the repository holds a family's name"
