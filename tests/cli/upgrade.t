#!/bin/sh
# casefile upgrade, as the users of a repository made before the signed member log see it.
#
# The repository is made by the casefile of commit d85752f -- the last before the member log
# -- built from this source tree's history: its access.yaml, members/*.pub and
# keys/<id>/<member>.sealed and its format 1 blobs are the old program's own, not an imitation.
# Then the new casefile is put where the old one was (the same path, as a package upgrade
# does: the clone's filter, its hooks and the server's hook name that path), and:
#   - before the upgrade the repository is read-only: it decrypts (checkout, check, status, a
#     member's fresh clone), and every writing command refuses, naming `casefile upgrade`,
#     and leaves everything as it was;
#   - `casefile upgrade` refuses an identity that cannot sign, one that is not a member, an
#     unconfirmed run, a damaged access.yaml or members/*.pub and unstaged changes, writing
#     nothing;
#   - by alice (who made the repository) it writes the genesis from today's members, keeps the
#     keys, carries the keys of history over (dave joined and left, so an old `member remove`
#     rotated every key), encrypts every case file again in format 2 and removes the old
#     files; again, it has nothing to do;
#   - the shared server's pre-receive hook accepts the push; bob (a fresh clone, and one of
#     before the upgrade) reads the whole history, carol (case 2026-004 only, a clone of before
#     the upgrade) her case's since she joined; writing works again.
#
# The cast: alice (made it with the old casefile), bob (member: every case), carol (case
# 2026-004 only), dave (joined and left before the upgrade), mallory (no membership).

. "$(dirname "$0")/lib.sh"

OLD_COMMIT=d85752f
need init member unlock hooks rekey upgrade keygen smudge check status
need_tool make cc tar
sandbox
echo "1..42"

# ---- the old casefile -------------------------------------------------------------------------
# Built from the source tree's history (a clean clone has it; a shallow one does not: `git
# fetch --unshallow`).  -Werror is the old Makefile's, for its own development: a newer
# compiler's new warning must not stop this test.  Options of an outer make (SANITIZE=...)
# are not passed on.
mkdir -p "$tmp/old" "$tmp/bin"
git -C "$CF_SRCDIR" archive "$OLD_COMMIT" 2>"$tmp/archive" | tar -x -C "$tmp/old" 2>>"$tmp/archive" &&
	[ -f "$tmp/old/Makefile" ] ||
	bail "cannot read commit $OLD_COMMIT from $CF_SRCDIR's history (a clone with its history, not a shallow one or an export, is needed): $(head -1 "$tmp/archive")"
sed -i 's/ -Werror//' "$tmp/old/Makefile"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tmp/old" -j2 BUILD=build SANITIZE= \
	CFLAGS=-O0 build/casefile >"$tmp/old-build" 2>&1 && [ -x "$tmp/old/build/casefile" ] || {
	show "$tmp/old-build" | tail -20
	bail "cannot build the casefile of commit $OLD_COMMIT"
}
"$tmp/old/build/casefile" upgrade --help >/dev/null 2>&1
old_rc=$?
check "$( [ "$old_rc" = 2 ] && "$tmp/old/build/casefile" member --help | grep -q "access.yaml\|\.sealed" && echo 0 || echo 1)" \
	"the casefile of $OLD_COMMIT is built: it has no upgrade command, and keeps its members in the old files"

# ---- the repository as the old casefile left it ---------------------------------------------------
C=$tmp/bin/casefile # where casefile is installed: the old one, then the new one
A=$tmp/alice
server=$tmp/server.git
as() {
	who=$1
	shift
	CASEFILE_IDENTITY=$tmp/id-$who USER=$who run "$@"
}
# blob_version REPO REV:PATH and blob_key REPO REV:PATH: a stored blob's format version (byte
# 9) and key id (bytes 10-17, in hex).
blob_version() {
	git -C "$1" cat-file blob "$2" | head -c 9 | tail -c 1 | od -An -tu1 | tr -d ' \n'
}
blob_key() {
	git -C "$1" cat-file blob "$2" | head -c 17 | tail -c 8 | od -An -tx1 | tr -d ' \n'
}
# blobs REPO REV: each file under cases/ of REV (":" the index) with its format and key id.
blobs() {
	if [ "$2" = : ]; then
		git -C "$1" ls-files -- cases
	else
		git -C "$1" ls-tree -r --name-only "$2" -- cases
	fi | while read -r f; do
		sep=$2
		[ "$sep" = : ] || sep=$2:
		echo "$f $(blob_version "$1" "$sep$f") $(blob_key "$1" "$sep$f")"
	done
}
# state DIR: what a refused command must not change: the files (modes and hashes) of the
# working tree and of .git but its objects, logs and index file, the index's entries (not
# the index's bytes: any git command may refresh its stat data), HEAD.
state() {
	(cd "$1" && find . -path ./.git/objects -prune -o -path ./.git/logs -prune -o \
		-path ./.git/index -prune -o -type f -print | LC_ALL=C sort | while read -r f; do
		printf '%s %s %s\n' "$(stat -c %a "$f")" "$(cksum <"$f")" "$f"
	done
	git ls-files -s
	git rev-parse HEAD)
}
# unchanged DIR SNAPSHOT: 0 when state DIR is the snapshot; else shows what differs.
unchanged() {
	state "$1" >"$tmp/state-now"
	cmp -s "$2" "$tmp/state-now" && return 0
	diff "$2" "$tmp/state-now" | head -10 | sed 's/^/#   changed: /' >&2
	return 1
}

# Everything the old casefile does runs with its own data (templates, example) and at the
# path the new one takes over.
(
	set -e
	export CF_SRCDIR="$tmp/old"
	cp "$tmp/old/build/casefile" "$C"
	for w in alice bob carol dave; do
		CASEFILE_IDENTITY=$tmp/id-$w "$C" keygen </dev/null >"$tmp/$w.pub"
	done
	git init -q --bare "$server"
	"$C" -C "$server" hooks install
	oldcf() {
		who=$1
		shift
		CASEFILE_IDENTITY=$tmp/id-$who USER=$who "$C" "$@"
	}
	oldcf alice init "$A" --partnership Northdale --example
	cd "$A"
	git commit -q --no-verify -m "the cases"
	git remote add origin "$server"
	oldcf alice member add bob "$(cat "$tmp/bob.pub")"
	git commit -q --no-verify -m "bob joins"
	oldcf alice member add carol "$(cat "$tmp/carol.pub")" --case 2026-004
	git commit -q --no-verify -m "carol reviews 2026-004"
	oldcf alice member add dave "$(cat "$tmp/dave.pub")"
	git commit -q --no-verify -m "dave joins"
	echo "# written while dave was a member" >>cases/2025-006/case.yaml
	echo "# the review's note while dave was a member" >>cases/2026-004/case.yaml
	git commit -q --no-verify -am "notes"
	oldcf alice member remove dave
	git commit -q --no-verify -m "dave leaves"
	echo "# written after dave left" >>cases/2025-006/case.yaml
	git commit -q --no-verify -am "a note"
	git push -q --no-verify origin main
) >"$tmp/old-era" 2>&1 || {
	show "$tmp/old-era" | tail -20
	bail "the old casefile could not make the repository"
}
cp -R "$A/cases" "$tmp/cases-before"
blobs "$A" HEAD >"$tmp/blobs-before"
repokey=$(sed -n 's/^repository_key: //p' "$A/.casefile/access.yaml")
casekey=$(sed -n 's/^  2026-004: //p' "$A/.casefile/access.yaml")
git -C "$A" show "HEAD~2:.casefile/access.yaml" >"$tmp/access-before-rotation" 2>/dev/null
oldrepokey=$(sed -n 's/^repository_key: //p' "$tmp/access-before-rotation")
oldcasekey=$(sed -n 's/^  2026-004: //p' "$tmp/access-before-rotation")
check "$( { [ -n "$repokey" ] && [ -n "$casekey" ] && [ -n "$oldrepokey" ] && [ "$oldrepokey" != "$repokey" ] &&
	[ -n "$oldcasekey" ] && [ "$oldcasekey" != "$casekey" ] && [ ! -e "$A/.casefile/members.log" ] &&
	[ "$(cd "$A/.casefile/members" && echo *)" = "alice.pub bob.pub carol.pub" ] &&
	[ "$(cd "$A/.casefile/keys/$repokey" && echo *)" = "alice.sealed bob.sealed" ] &&
	[ "$(cd "$A/.casefile/keys/$casekey" && echo *)" = "alice.sealed bob.sealed carol.sealed" ] &&
	[ "$(ls "$A/.git/casefile/keys" | wc -l)" = 4 ] && [ -s "$tmp/blobs-before" ] &&
	! grep -qv " 1 [0-9a-f]\{16\}$" "$tmp/blobs-before" &&
	[ "$(grep -c " $casekey$" "$tmp/blobs-before")" = "$(git -C "$A" ls-files cases/2026-004 | wc -l)" ] &&
	git -C "$server" rev-parse -q --verify main >/dev/null; } && echo 0 || echo 1)" \
	"the old casefile made it: access.yaml, members/, keys/ sealed to alice bob (carol: 2026-004), format 1 blobs, pushed"

# ---- the new casefile takes the old one's place ------------------------------------------------
rm -f "$C" && cp "$CASEFILE" "$C" || bail "cannot install the new casefile at $C"
CASEFILE=$C
CASEFILE_IDENTITY=$tmp/id-mallory "$CASEFILE" keygen --no-passphrase >"$tmp/mallory.pub" 2>/dev/null
cd "$A" || exit 1

# ---- before the upgrade: read-only ---------------------------------------------------------------
# alice sets her clone up for the new casefile (its hooks, its filter): init.
as alice init
check_run "$( { [ "$rc" = 0 ] && grep -q "read-only until an admin runs \`casefile upgrade\`" "$out" &&
	[ ! -e .casefile/members.log ]; } && echo 0 || echo 1)" \
	"init in the old repository makes no member log of its own: it says the repository is read-only until upgraded"
st=$(git status --porcelain)
rm cases/2025-006/case.yaml && git checkout -- cases/2025-006/case.yaml 2>"$tmp/co"
check "$( { [ -z "$st" ] && cmp -s cases/2025-006/case.yaml "$tmp/cases-before/2025-006/case.yaml" &&
	[ -z "$(git status --porcelain)" ]; } && echo 0 || echo 1)" \
	"the new casefile reads the old clone: git status is clean, a checkout decrypts a format 1 blob"
git cat-file blob HEAD:cases/2026-004/case.yaml >"$tmp/v1blob"
as alice smudge cases/2026-004/case.yaml <"$tmp/v1blob"
check_run "$( { [ "$rc" = 0 ] && cmp -s "$out" "$tmp/cases-before/2026-004/case.yaml"; } && echo 0 || echo 1)" \
	"casefile smudge decrypts a format 1 blob to the case's text"
as alice check
check_run "$( { [ "$rc" -le 1 ] && grep -q "in 8 cases" "$out" && ! grep -q "crypt/" "$out" "$err"; } && echo 0 || echo 1)" \
	"casefile check reads every case (the example's own errors, none about keys)"
as alice status
check_run "$( { [ "$rc" = 0 ] && grep -q "^2025-006 " "$out" && grep -q "^2026-004 " "$out"; } && echo 0 || echo 1)" \
	"casefile status lists the cases"

# bob's and carol's new clones of the repository before the upgrade: they read their cases.
git clone -q "$server" "$tmp/bob-old" 2>/dev/null
as bob -C "$tmp/bob-old" init
as bob -C "$tmp/bob-old" unlock
check_run "$( { [ "$rc" = 0 ] && grep -q "crypt/upgrade" "$err" &&
	diff -r "$tmp/cases-before" "$tmp/bob-old/cases" >/dev/null; } && echo 0 || echo 1)" \
	"bob clones it and unlocks: he reads every case"
git clone -q "$server" "$tmp/carol" 2>/dev/null
as carol -C "$tmp/carol" init
as carol -C "$tmp/carol" unlock
check_run "$( { [ "$rc" = 0 ] && grep -q "crypt/upgrade" "$err" && grep -q "casefile upgrade" "$err" &&
	cmp -s "$tmp/carol/cases/2026-004/case.yaml" "$tmp/cases-before/2026-004/case.yaml" &&
	head -c 8 "$tmp/carol/cases/2025-006/case.yaml" | grep -q CFCRYPT &&
	[ ! -e "$tmp/carol/.casefile/members.log" ]; } && echo 0 || echo 1)" \
	"carol clones it and unlocks: she reads 2026-004 (only), warned that it is read-only until upgraded"
# Time passes: git's index no longer holds entries written in the second it was (racily clean
# ones, whose files git would read again through the filter).
sleep 1 && git -C "$tmp/bob-old" status >/dev/null 2>&1
git -C "$tmp/carol" status >/dev/null 2>&1

state "$A" >"$tmp/state-legacy"
echo "# a change" >>cases/2025-006/case.yaml
git add cases/2025-006/case.yaml 2>"$tmp/add"
added=$?
check "$( { [ "$added" != 0 ] && grep -q "crypt/upgrade" "$tmp/add" && grep -q "read-only" "$tmp/add" &&
	grep -q "casefile upgrade" "$tmp/add"; } && echo 0 || echo 1)" \
	"git add of a changed case file is refused: read-only until an admin runs casefile upgrade"
git checkout -- cases/2025-006/case.yaml
mkdir -p cases/2026-012 && printf 'id: 2026-012\ntitle: Child Z\n' >cases/2026-012/case.yaml
git add cases/2026-012/case.yaml 2>"$tmp/add"
added=$?
check "$( { [ "$added" != 0 ] && grep -q "crypt/upgrade" "$tmp/add" && grep -q "casefile upgrade" "$tmp/add" &&
	[ -z "$(git ls-files cases/2026-012)" ]; } && echo 0 || echo 1)" \
	"git add of a new case file is refused the same way, and git stores nothing of it"
rm -rf cases/2026-012
refusals=0
for cmd in add remove rotate; do
	case $cmd in
	add) as alice member add erin "$(cat "$tmp/mallory.pub")" ;;
	remove) as alice member remove bob ;;
	rotate) as alice member rotate ;;
	esac
	if [ "$rc" = 2 ] && grep -q "crypt/upgrade" "$err" && grep -q "casefile upgrade" "$err"; then
		refusals=$((refusals + 1))
	else
		echo "#   casefile member $cmd: status $rc"
		sed 's/^/#   err: /' "$err" | head -3
	fi
done
check "$( [ "$refusals" = 3 ] && echo 0 || echo 1)" \
	"member add, remove and rotate are refused (exit 2), naming casefile upgrade"
as alice rekey
check_run "$( { [ "$rc" = 3 ] && grep -q "crypt/upgrade" "$err" && grep -q "casefile upgrade" "$err"; } && echo 0 || echo 1)" \
	"rekey is refused (exit 3), naming casefile upgrade"
unchanged "$A" "$tmp/state-legacy"
check $? "after every refusal the clone is as it was: the same files, keys and index entries, no member log"

# ---- upgrade refused ---------------------------------------------------------------------------
# refused_upgrade WHO STATUS TEXT DESC [ARGS]: upgrade by WHO exits STATUS saying TEXT, and
# changes nothing.
refused_upgrade() {
	who=$1 want=$2 text=$3 desc=$4
	shift 4
	as "$who" upgrade "$@" </dev/null
	check_run "$( { [ "$rc" = "$want" ] && grep -q -- "$text" "$err" && unchanged "$A" "$tmp/state-legacy"; } &&
		echo 0 || echo 1)" "$desc"
}
refused_upgrade alice 3 "keygen --upgrade" \
	"upgrade with alice's identity of the old casefile: refused (exit 3), it cannot sign: keygen --upgrade; nothing written" --yes
as alice keygen --upgrade --no-passphrase
check_run "$( { [ "$rc" = 0 ] && grep -q "now has a signing key" "$err" && grep -q "^casefile-pub-2 " "$out"; } &&
	echo 0 || echo 1)" \
	"keygen --upgrade gives alice's identity a signing key, in place"
refused_upgrade alice 2 "not confirmed: nothing was changed" \
	"upgrade without --yes and no terminal to ask on: refused (exit 2), nothing written"
check "$(grep -q "^  alice  *admin" "$out" && grep -q "^  bob  *member" "$out" && grep -q "^  carol  *case .*cases 2026-004" "$out" &&
	! grep -q dave "$out" && echo 0 || echo 1)" \
	"it shows first what the log will begin with: alice admin, bob member, carol case 2026-004, not dave"
refused_upgrade mallory 3 "not one of the members" \
	"upgrade by mallory, who is no member: refused (exit 3), nothing written" --yes
cp .casefile/access.yaml "$tmp/access.yaml"
sed 's/^\(repository_key: .*\)..$/\1/' "$tmp/access.yaml" >.casefile/access.yaml
state "$A" >"$tmp/state-damaged"
as alice upgrade --yes
check_run "$( { [ "$rc" = 2 ] && grep -q "\.casefile/access.yaml:2:.*crypt/access" "$err" &&
	grep -q "nothing was changed" "$err" && unchanged "$A" "$tmp/state-damaged"; } && echo 0 || echo 1)" \
	"upgrade with a damaged access.yaml: refused (exit 2), naming its line, nothing written"
cp "$tmp/access.yaml" .casefile/access.yaml
head -c 20 "$tmp/bob.pub" >.casefile/members/bob.pub
state "$A" >"$tmp/state-damaged"
as alice upgrade --yes
check_run "$( { [ "$rc" = 2 ] && grep -q "\.casefile/members/bob.pub is not a member's public key" "$err" &&
	grep -q "nothing was changed" "$err" && unchanged "$A" "$tmp/state-damaged"; } && echo 0 || echo 1)" \
	"upgrade with a damaged members/bob.pub: refused (exit 2) rather than leave bob out, nothing written"
git checkout -q -- .casefile/members/bob.pub
echo "# not staged" >>cases/2025-006/case.yaml
state "$A" >"$tmp/state-damaged"
as alice upgrade --yes
check_run "$( { [ "$rc" = 2 ] && grep -q "unstaged changes; nothing was changed" "$err" &&
	unchanged "$A" "$tmp/state-damaged"; } && echo 0 || echo 1)" \
	"upgrade with an unstaged change under cases/: refused (exit 2), nothing written"
git checkout -- cases/2025-006/case.yaml
unchanged "$A" "$tmp/state-legacy"
check $? "(the clone is back as it was before the refusals)"

# ---- the upgrade -------------------------------------------------------------------------------
as alice upgrade --yes
fp=$(sed -n 's/.*the repository.s fingerprint is \([0-9A-Z-]*\) .*/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$fp" ] && grep -q "member log written, signed by alice" "$out" &&
	grep -q "2 retired keys of history" "$out" && [ ! -s "$err" ]; } && echo 0 || echo 1)" \
	"upgrade --yes by alice: exit 0, the log written and signed by her, 2 retired keys of history, the fingerprint ($fp)"
cp "$out" "$tmp/upgrade-out"
as alice member list
check_run "$( { [ "$rc" = 0 ] && grep -q "fingerprint $fp, 1 entry" "$err" &&
	grep -q "^alice  *admin .*every case" "$out" && grep -q "^bob  *member .*every case" "$out" &&
	grep -q "^carol  *case .*cases 2026-004" "$out" && [ "$(grep -c . "$out")" = 3 ]; } && echo 0 || echo 1)" \
	"member list: alice admin, bob member, carol case 2026-004 (the roles they had), no dave, the same fingerprint"
keyline() { grep -n "^key $1 $2 " .casefile/members.log | cut -d: -f1; }
check "$( { [ "$(grep -c "^key " .casefile/members.log)" = 4 ] && [ -n "$(keyline "$repokey" repository)" ] &&
	[ -n "$(keyline "$casekey" case:2026-004)" ] &&
	[ "$(keyline "$oldrepokey" repository)" -lt "$(keyline "$repokey" repository)" ] &&
	[ "$(keyline "$oldcasekey" case:2026-004)" -lt "$(keyline "$casekey" case:2026-004)" ]; } 2>/dev/null &&
	echo 0 || echo 1)" \
	"the genesis keeps the repository key and 2026-004's, and records before them the keys dave's removal retired"
diff -r "$tmp/cases-before" cases >"$tmp/diff" 2>&1
check $? "the case files' text is unchanged"
blobs "$A" : >"$tmp/blobs-after"
check "$( { [ "$(wc -l <"$tmp/blobs-after")" = "$(wc -l <"$tmp/blobs-before")" ] &&
	! grep -qv " 2 [0-9a-f]\{16\}$" "$tmp/blobs-after" &&
	[ "$(cut -d' ' -f1,3 "$tmp/blobs-before")" = "$(cut -d' ' -f1,3 "$tmp/blobs-after")" ]; } && echo 0 || echo 1)" \
	"every case file is staged in format 2, under the key it had"
git status --porcelain --untracked-files=all >"$tmp/st"
check "$( { [ ! -e .casefile/access.yaml ] && [ ! -e .casefile/members ] && [ ! -e .casefile/keys ] &&
	grep -q "^A  .casefile/members.log$" "$tmp/st" && ! grep -v "^M  cases/\|^A  .casefile/members.log$\|^D  .casefile/\(access.yaml\|members/\|keys/\)" "$tmp/st" | grep -q . &&
	[ -z "$(git ls-files .casefile/access.yaml .casefile/members .casefile/keys)" ] &&
	grep -q "$(grep -c "^D  " "$tmp/st") old key files removed" "$tmp/upgrade-out"; } && echo 0 || echo 1)" \
	"the old files are gone from the working tree and the index; the log and the case files are staged, nothing else"

# ---- again: nothing to do ---------------------------------------------------------------------
state "$A" >"$tmp/state-upgraded"
as alice upgrade --yes
check_run "$( { [ "$rc" = 0 ] && grep -q "member log already (fingerprint $fp): nothing to do" "$out" &&
	unchanged "$A" "$tmp/state-upgraded"; } && echo 0 || echo 1)" \
	"upgrade again: exit 0, nothing to do, nothing changed"
git commit -q --no-verify -m "upgrade to the signed member log" &&
	git push --no-verify origin main >"$tmp/push" 2>&1
pushed=$?
check "$( { [ "$pushed" = 0 ] && [ -f "$server/casefile/trust" ]; } && echo 0 || echo 1)" \
	"the server's pre-receive hook (the old one's script, now running the new casefile) accepts the push, and pins the log"
state "$A" >"$tmp/state-upgraded"
as alice upgrade
check_run "$( { [ "$rc" = 0 ] && grep -q "nothing to do" "$out" && unchanged "$A" "$tmp/state-upgraded"; } && echo 0 || echo 1)" \
	"upgrade after the commit: exit 0, nothing to do, nothing changed"

# ---- after it: the members -----------------------------------------------------------------------
git clone -q "$server" "$tmp/bob" 2>/dev/null
as bob -C "$tmp/bob" init
as bob -C "$tmp/bob" unlock --expect "$fp"
check_run "$( { [ "$rc" = 0 ] && grep -q "2 retired keys" "$out" &&
	diff -r "$tmp/cases-before" "$tmp/bob/cases" >/dev/null; } && echo 0 || echo 1)" \
	"bob clones the upgraded repository and unlocks --expect the fingerprint: the keys and history's, every case plaintext"
git -C "$tmp/bob" log -p -- cases/2025-006/case.yaml cases/2026-004/case.yaml >"$tmp/bob-log" 2>&1
check "$( { grep -q "^+# written while dave was a member" "$tmp/bob-log" &&
	grep -q "^+# written after dave left" "$tmp/bob-log" &&
	grep -q "^+# the review's note while dave was a member" "$tmp/bob-log" &&
	grep -q "^+id: 2025-006" "$tmp/bob-log" && ! grep -q "does not hold" "$tmp/bob-log"; } && echo 0 || echo 1)" \
	"bob's git log -p shows the old history as plaintext, before and after dave's removal (format 1 blobs, retired keys)"
# bob's clone of before the upgrade, plaintext: git pull takes the upgrade.
git -C "$tmp/bob-old" pull -q --no-rebase >"$tmp/pull" 2>&1
pulled=$?
as bob -C "$tmp/bob-old" unlock --expect "$fp"
check_run "$( { [ "$pulled" = 0 ] && [ "$rc" = 0 ] && [ -f "$tmp/bob-old/.casefile/members.log" ] &&
	diff -r "$tmp/cases-before" "$tmp/bob-old/cases" >/dev/null &&
	[ -z "$(git -C "$tmp/bob-old" status --porcelain)" ]; } && echo 0 || echo 1)" \
	"bob's clone of before the upgrade pulls it and unlocks --expect the fingerprint: every case plaintext, status clean"
# carol's clone of before the upgrade, where a case file was saved again unchanged (its time
# is new, so git reads it through the filter).
touch "$tmp/carol/cases/2026-004/case.yaml"
git -C "$tmp/carol" pull -q --no-rebase >"$tmp/pull" 2>&1
if [ $? = 0 ]; then
	ok "carol pulls the upgrade into a clone of before it with a case file saved again unchanged"
else
	# lib/protect.c: the clean filter no longer gives back the staged format 1 blob of an
	# unchanged file (before the clone pins the log it encrypts nothing; after, it makes a
	# format 2 blob), so git sees the file as changed, and the merge will not overwrite it.
	nok "carol pulls the upgrade into a clone of before it with a case file saved again unchanged # TODO git sees the format 1 file as changed"
	sed 's/^/#   pull: /' "$tmp/pull" | head -2
	git -C "$tmp/carol" reset -q --hard origin/main
fi
as carol -C "$tmp/carol" unlock --expect "$fp"
check_run "$( { [ "$rc" = 0 ] && [ -f "$tmp/carol/.casefile/members.log" ] &&
	cmp -s "$tmp/carol/cases/2026-004/case.yaml" "$tmp/cases-before/2026-004/case.yaml" &&
	head -c 8 "$tmp/carol/cases/2025-006/case.yaml" | grep -q CFCRYPT; } && echo 0 || echo 1)" \
	"carol unlocks --expect the fingerprint: she reads 2026-004 only, still"
joined=$(git -C "$tmp/carol" log --format=%H --grep="carol reviews 2026-004")
git -C "$tmp/carol" log -p "$joined..HEAD" -- cases/2026-004 >"$tmp/carol-log" 2>&1
check "$( { [ -n "$joined" ] && grep -q "^+# the review's note while dave was a member" "$tmp/carol-log" &&
	! grep -q "does not hold" "$tmp/carol-log"; } && echo 0 || echo 1)" \
	"carol's git log -p of 2026-004 since she joined is plaintext, under its retired key too"
check "$( [ "$(ls "$tmp/carol/.git/casefile/keys" | sort | tr '\n' ' ')" = "$(printf '%s.key\n' "$casekey" "$oldcasekey" | sort | tr '\n' ' ')" ] &&
	echo 0 || echo 1)" \
	"carol holds 2026-004's keys, the current and the retired one, and no repository key"

# ---- writing works again -------------------------------------------------------------------------
echo "# after the upgrade" >>cases/2025-006/case.yaml
git add cases/2025-006/case.yaml 2>"$tmp/add"
added=$?
check "$( { [ "$added" = 0 ] && [ "$(blob_version "$A" :cases/2025-006/case.yaml)" = 2 ] &&
	[ "$(blob_key "$A" :cases/2025-006/case.yaml)" = "$repokey" ]; } && echo 0 || echo 1)" \
	"alice edits a case file: git add encrypts it (format 2, the repository key)"
git commit -q --no-verify -m "an edit after the upgrade" && git push --no-verify origin main >"$tmp/push" 2>&1
check $? "the server accepts her edit"
git -C "$tmp/bob" pull -q --no-rebase >"$tmp/pull" 2>&1
check "$(tail -1 "$tmp/bob/cases/2025-006/case.yaml" | grep -qx "# after the upgrade" && echo 0 || echo 1)" \
	"bob pulls it and reads it"
exit 0
