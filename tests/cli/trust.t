#!/bin/sh
# The attacks of someone who can push to the shared server, each as a script such a person
# could run, and what stops it: the signed member log, the clients that trust only it, and
# the server's pre-receive hook, which holds no key.
#
# The cast: alice (admin, made the repository), bob (role case: 2026-004 only), carol and
# dave (role member), mallory (push access, no key, no membership).  The server is a bare
# repository with casefile's pre-receive hook.  Attackers use plain git (no filter, no
# hooks) and the forging tools of tests/tools, built from casefile's own source.

. "$(dirname "$0")/lib.sh"

need init member unlock hooks rekey
need_forge
sandbox
echo "1..39"

as() {
	who=$1
	shift
	CASEFILE_IDENTITY=$tmp/id-$who USER=$who run "$@"
}
# blob_key REPO REV:PATH: the key id of a stored blob (bytes 10-17, in hex).
blob_key() {
	git -C "$1" cat-file blob "$2" | head -c 17 | tail -c 8 | od -An -tx1 | tr -d ' \n'
}
# plain git as an attacker uses it: no casefile filter, no hooks.
pgit() {
	git -c core.hooksPath=/dev/null "$@"
}
# refused OUTFILE TEXT: the push was refused by the server, saying TEXT.
refused() {
	grep -q "pre-receive hook declined" "$1" && grep -q -- "$2" "$1"
}

for w in alice bob carol dave mallory; do
	CASEFILE_IDENTITY=$tmp/id-$w "$CASEFILE" keygen --no-passphrase >"$tmp/$w.pub" 2>/dev/null
done
server=$tmp/server.git
git init -q --bare "$server" && "$CASEFILE" -C "$server" hooks install >/dev/null 2>&1
check $? "a shared bare repository with casefile's pre-receive hook"

# ---- alice makes the repository; bob, carol and dave join --------------------------------
A=$tmp/alice
as alice init "$A" --partnership Northdale --example
fp=$(sed -n 's/.*repository fingerprint \([0-9A-Z-]*\), pinned.*/\1/p' "$out")
check_run "$( { [ "$rc" = 0 ] && [ -n "$fp" ]; } && echo 0 || echo 1)" \
	"init prints the repository's fingerprint ($fp) and pins it"
git -C "$A" commit -q --no-verify -m "the cases" && git -C "$A" remote add origin "$server" &&
	git -C "$A" push -q --no-verify origin main 2>"$tmp/push"
check_run "$( { [ $? = 0 ] && [ -f "$server/casefile/trust" ]; } && echo 0 || echo 1)" \
	"the first push is accepted, and the server pins the log's first entry"
cd "$A" || exit 1
as alice member add bob "$(cat "$tmp/bob.pub")" --case 2026-004 &&
	as alice member add carol "$(cat "$tmp/carol.pub")" &&
	as alice member add dave "$(cat "$tmp/dave.pub")"
git commit -q --no-verify -m "bob, carol and dave" && git push -q --no-verify origin main 2>"$tmp/push"
check_run $? "alice adds bob (case 2026-004), carol and dave, and pushes"
cd "$tmp" || exit 1
repokey=$(blob_key "$A" HEAD:cases/2025-006/case.yaml)
casekey=$(blob_key "$A" HEAD:cases/2026-004/case.yaml)

for w in bob carol dave; do
	git clone -q "$server" "$tmp/$w" 2>/dev/null
	(cd "$tmp/$w" && CASEFILE_IDENTITY=$tmp/id-$w "$CASEFILE" init >/dev/null 2>&1 &&
		CASEFILE_IDENTITY=$tmp/id-$w "$CASEFILE" unlock --expect "$fp" >/dev/null 2>&1)
done
check_run "$( { head -1 "$tmp/bob/cases/2026-004/case.yaml" | grep -q '^id: 2026-004' &&
	head -c 8 "$tmp/bob/cases/2025-006/case.yaml" | grep -q CFCRYPT &&
	head -1 "$tmp/dave/cases/2025-006/case.yaml" | grep -q '^id: 2025-006'; } && echo 0 || echo 1)" \
	"unlock --expect: bob reads 2026-004 only, dave every case"
as bob -C "$tmp/bob" unlock --expect AAAA-BBBB-CCCC-DDDD
check_run "$( { [ "$rc" = 3 ] && grep -q "not AAAA-BBBB-CCCC-DDDD" "$err"; } && echo 0 || echo 1)" \
	"unlock --expect with another fingerprint: refused (exit 3)"

# mallory's clone: plain git
pgit clone -q "$server" "$tmp/mallory" 2>/dev/null
M=$tmp/mallory
B=$tmp/bob

# ---- attack 1: key redirection -------------------------------------------------------------
# The layout before the log: an access.yaml naming bob's key for another case.
printf 'repository_key: %s\ncase_keys:\n  2025-006: %s\n' "$repokey" "$casekey" >"$M/.casefile/access.yaml"
pgit -C "$M" add .casefile/access.yaml && pgit -C "$M" commit -q -m "keys" &&
	pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && grep -q access.yaml "$tmp/push" && echo 0 || echo 1)" \
	"attack 1: an access.yaml redirecting a case to bob's key is refused by the server"
pgit -C "$M" reset -q --hard origin/main
# Even in a clone where such a file lies about: nothing reads it.
cp "$M/../alice/.casefile/config.yaml" /dev/null
printf 'repository_key: %s\ncase_keys:\n  2025-006: %s\n' "$casekey" "$casekey" >"$A/.casefile/access.yaml"
echo "# note" >>"$A/cases/2025-006/case.yaml"
git -C "$A" add cases/2025-006/case.yaml 2>"$tmp/add"
check "$( [ "$(blob_key "$A" :cases/2025-006/case.yaml)" = "$repokey" ] && echo 0 || echo 1)" \
	"a local access.yaml changes nothing: alice's clean still encrypts 2025-006 with the repository key"
rm -f "$A/.casefile/access.yaml"
git -C "$A" reset -q && git -C "$A" checkout -q -- cases/2025-006/case.yaml

# bob signs an entry giving 2025-006 a key of his own choosing, sealed to everyone and him.
"$CF_TOOLS/forge" "$B/.casefile/members.log" "$tmp/id-bob" bob rotate \
	member bob case 2026-004,2025-006 key 2025-006 >"$tmp/forged.log" 2>/dev/null
cp "$tmp/forged.log" "$M/.casefile/members.log"
pgit -C "$M" commit -q -am "a key for 2025-006" && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && grep -q "bob" "$tmp/push" && grep -qi "admin" "$tmp/push" && echo 0 || echo 1)" \
	"attack 1: a log entry signed by bob (role case) is refused by the server: only an admin signs"
pgit -C "$M" reset -q --hard origin/main
cp "$tmp/forged.log" "$A/.casefile/members.log"
echo "# note" >>"$A/cases/2025-006/case.yaml"
git -C "$A" add cases/2025-006/case.yaml 2>"$tmp/add"
check "$( { [ "$(blob_key "$A" :cases/2025-006/case.yaml)" = "$repokey" ] && grep -q "crypt/untrusted" "$tmp/add"; } && echo 0 || echo 1)" \
	"in alice's clone the forged log is crypt/untrusted, and nothing is encrypted with its key"
git -C "$A" checkout -q -- .casefile/members.log cases/2025-006/case.yaml 2>/dev/null
git -C "$A" reset -q

# mallory makes a log of her own: a new genesis, herself the admin.
"$CF_TOOLS/forge" - "$tmp/id-mallory" mallory genesis member mallory admin - key repository \
	>"$M/.casefile/members.log" 2>/dev/null
pgit -C "$M" commit -q -am "a new log" && pgit -C "$M" push -f origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && echo 0 || echo 1)" \
	"attack 1: a log replaced by a genesis of the attacker's is refused (it does not descend from the pin)"
pgit -C "$M" reset -q --hard origin/main
pgit -C "$M" push origin :main >/dev/null 2>&1
pgit -C "$M" push -f origin HEAD:refs/heads/evil >"$tmp/push" 2>&1
"$CF_TOOLS/forge" - "$tmp/id-mallory" mallory genesis member mallory admin - key repository \
	>"$M/.casefile/members.log" 2>/dev/null
pgit -C "$M" commit -q -am "a new log" && pgit -C "$M" push -f origin HEAD:refs/heads/new >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && echo 0 || echo 1)" \
	"even after deleting the branches, a new genesis is refused: the server keeps its pin"
git -C "$A" push -q --no-verify origin main 2>/dev/null
pgit -C "$M" fetch -q origin && pgit -C "$M" reset -q --hard origin/main

# An unsigned change: carol's role changed in the text.
sed 's/^member carol member /member carol admin /' "$A/.casefile/members.log" >"$M/.casefile/members.log"
pgit -C "$M" commit -q -am "carol an admin" && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "signature" && echo 0 || echo 1)" \
	"an edited (unsigned) entry of the log is refused: its signature does not verify"
pgit -C "$M" fetch -q origin && pgit -C "$M" reset -q --hard origin/main

# ---- attack 2: forged seals and public keys --------------------------------------------------
mkdir -p "$M/.casefile/members" "$M/.casefile/keys/$repokey"
cp "$tmp/mallory.pub" "$M/.casefile/members/evil.pub"
echo "casefile-sealed-1 AAAA" >"$M/.casefile/keys/$repokey/evil.sealed"
pgit -C "$M" add .casefile && pgit -C "$M" commit -q -m "evil" && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && grep -q ".casefile/members" "$tmp/push" && echo 0 || echo 1)" \
	"attack 2: a members/evil.pub and a forged seal are refused by the server"
pgit -C "$M" reset -q --hard origin/main
# The same files in alice's working tree: a rotation seals to the log's members only.
mkdir -p "$A/.casefile/members"
cp "$tmp/mallory.pub" "$A/.casefile/members/carol.pub"
cd "$A" || exit 1
as alice member rotate
cd "$tmp" || exit 1
sealed_to=$(awk '/^entry /{e=$2} /^seal /{if (e == last) print $3}' last="$(grep -c '^entry ' "$A/.casefile/members.log" | awk '{print $1-1}')" "$A/.casefile/members.log" | sort -u | tr '\n' ' ')
check_run "$( { [ "$rc" = 0 ] && [ "$sealed_to" = "alice bob carol dave " ]; } && echo 0 || echo 1)" \
	"attack 2: member rotate seals to alice bob carol dave as the log records them, whatever members/ says ($sealed_to)"
run "$CF_TOOLS/forge" "$A/.casefile/members.log" "$tmp/id-alice" alice rotate
rm -rf "$A/.casefile/members"
git -C "$A" commit -q --no-verify -m "rotate" && git -C "$A" push -q --no-verify origin main 2>"$tmp/push"
check $? "alice's rotation is accepted by the server"
run -C "$A" member add erin "$(sed 's/ [0-9A-Z]\{4\}-[0-9A-Z-]*$/ AAAA-AAAA-AAAA-AAAA/' "$tmp/mallory.pub")"
check_run "$( { [ "$rc" = 2 ] && grep -q "is not a public key" "$err"; } && echo 0 || echo 1)" \
	"member add refuses a public line whose fingerprint is not its keys'"

# ---- attack 4: moved ciphertext ----------------------------------------------------------
pgit -C "$M" fetch -q origin && pgit -C "$M" reset -q --hard origin/main
blob=$(pgit -C "$M" rev-parse HEAD:cases/2026-004/case.yaml)
pgit -C "$M" update-index --add --cacheinfo "100644,$blob,cases/2025-006/moved.yaml" &&
	pgit -C "$M" commit -q -m moved && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/tampered" && grep -q "cases/2025-006/moved.yaml" "$tmp/push" && echo 0 || echo 1)" \
	"attack 4: a blob copied from 2026-004 into 2025-006 is refused by the server (crypt/tampered)"
git -C "$M" cat-file blob "$blob" >"$tmp/blob"
run -C "$A" smudge cases/2025-006/moved.yaml <"$tmp/blob"
check_run "$( { [ "$rc" != 0 ] && grep -q "crypt/tampered" "$err" && ! grep -q "2026-004" "$out"; } && echo 0 || echo 1)" \
	"attack 4: alice's clone does not decrypt it at the other case's path (crypt/tampered)"
pgit -C "$M" reset -q --hard origin/main
# bob, who holds 2026-004's key, encrypts a file for 2025-006 with it: the wrong key.
bobkey=$(ls "$B/.git/casefile/keys" | head -1)
for k in "$B"/.git/casefile/keys/*.key; do
	[ "$(basename "$k" .key)" = "$casekey" ] || continue
	bobkey=$k
done
echo "planted: yes" | "$CF_TOOLS/seal-blob" "$bobkey" cases/2025-006/planted.yaml >"$tmp/planted"
pblob=$(pgit -C "$M" hash-object -w "$tmp/planted")
pgit -C "$M" update-index --add --cacheinfo "100644,$pblob,cases/2025-006/planted.yaml" &&
	pgit -C "$M" commit -q -m planted && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/policy" && grep -q "planted.yaml" "$tmp/push" && echo 0 || echo 1)" \
	"a blob made for 2025-006 under 2026-004's key (bob's) is refused by the server (crypt/policy)"
pgit -C "$M" reset -q --hard origin/main
# plaintext behind a valid header, broken by control bytes every 40 characters
{ head -c 17 "$tmp/planted"; head -c 26 /dev/zero; printf 'cases/2025-006'; i=0
	while [ $i -lt 60 ]; do printf 'died: true; name: Poppy Quennell home visit\001'; i=$((i + 1)); done; } >"$tmp/fake"
fblob=$(pgit -C "$M" hash-object -w "$tmp/fake")
pgit -C "$M" update-index --add --cacheinfo "100644,$fblob,cases/2025-006/fake.yaml" &&
	pgit -C "$M" commit -q -m fake && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "fake.yaml" && echo 0 || echo 1)" \
	"a casefile header followed by low-entropy text is refused (the byte distribution is not ciphertext's)"
pgit -C "$M" reset -q --hard origin/main

# ---- attack 3: stale keys --------------------------------------------------------------------
# carol is removed; dave's clone does not know yet.
C=$tmp/carol D=$tmp/dave
git -C "$C" pull -q --no-rebase 2>/dev/null
git -C "$D" pull -q --no-rebase 2>/dev/null
(cd "$C" && CASEFILE_IDENTITY=$tmp/id-carol "$CASEFILE" unlock >/dev/null 2>&1)
(cd "$D" && CASEFILE_IDENTITY=$tmp/id-dave "$CASEFILE" unlock >/dev/null 2>&1)
cd "$A" || exit 1
as alice member remove carol
cd "$tmp" || exit 1
git -C "$A" commit -q --no-verify -m "carol leaves" && git -C "$A" push -q --no-verify origin main 2>"$tmp/push"
check_run $? "alice removes carol (every key rotated) and pushes"
# carol, removed, signs an entry in her old clone: refused.
"$CF_TOOLS/forge" "$A/.casefile/members.log" "$tmp/id-carol" carol add member mallory case 2025-006 key 2025-006 \
	>"$M/.casefile/members.log" 2>/dev/null
pgit -C "$M" fetch -q origin && pgit -C "$M" reset -q --soft origin/main
cp "$M/.casefile/members.log" "$tmp/carol-forged.log"
pgit -C "$M" reset -q --hard origin/main && cp "$tmp/carol-forged.log" "$M/.casefile/members.log"
pgit -C "$M" commit -q -am "mallory" && pgit -C "$M" push origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "crypt/untrusted" && grep -q carol "$tmp/push" && echo 0 || echo 1)" \
	"a log entry signed by carol, removed, is refused by the server"
pgit -C "$M" reset -q --hard origin/main

# 5 more rotations while dave is away
cd "$A" || exit 1
for i in 1 2 3 4 5; do
	CASEFILE_IDENTITY=$tmp/id-alice "$CASEFILE" member rotate >/dev/null 2>&1 &&
		git commit -q --no-verify -m "rotation $i"
done
git push -q --no-verify origin main 2>"$tmp/push"
check $? "alice rotates every key 5 more times and pushes"
cd "$tmp" || exit 1
newkey=$(blob_key "$A" HEAD:cases/2025-006/case.yaml)

# dave, 6 rotations behind, edits and commits: his clone still has the old keys.
sed -i 's/^title: .*/&/' "$D/cases/2025-006/case.yaml"
echo "# dave's edit, after carol left" >>"$D/cases/2025-006/case.yaml"
git -C "$D" commit -q --no-verify -am "dave's edit"
oldkey=$(blob_key "$D" HEAD:cases/2025-006/case.yaml)
git -C "$D" push --no-verify origin HEAD:refs/heads/dave-edit >"$tmp/push" 2>&1
check "$( { [ "$oldkey" != "$newkey" ] && refused "$tmp/push" "crypt/policy" && grep -q "retired" "$tmp/push"; } && echo 0 || echo 1)" \
	"attack 3: dave's commit under a retired key (pushed to a branch of its own) is refused by the server"
git -C "$D" fetch -q origin
(cd "$D" && CASEFILE_IDENTITY=$tmp/id-dave "$CASEFILE" unlock >"$tmp/unlock" 2>&1)
check "$(grep -q "installed" "$tmp/unlock" && echo 0 || echo 1)" \
	"dave fetches and unlocks: the log's newer keys are installed"
git -C "$D" merge -q --no-edit origin/main >"$tmp/merge" 2>&1
check_run "$( { [ $? = 0 ] && [ "$(blob_key "$D" HEAD:cases/2025-006/case.yaml)" = "$newkey" ]; } && echo 0 || echo 1)" \
	"the merge driver encrypts the merged case.yaml with the key the log assigns now"
git -C "$D" push --no-verify origin main >"$tmp/push" 2>&1
check "$(refused "$tmp/push" "retired" && echo 0 || echo 1)" \
	"dave's own commit under the retired key is still refused after the merge"
cd "$D" || exit 1
CASEFILE_IDENTITY=$tmp/id-dave run rekey --unpushed
cd "$tmp" || exit 1
check_run "$( { [ "$rc" = 0 ] && grep -q "unpushed commits\? written again" "$out"; } && echo 0 || echo 1)" \
	"rekey --unpushed writes dave's commits again under the current keys"
git -C "$D" push --no-verify origin main >"$tmp/push" 2>&1
check_run $? "and the push is accepted"
check "$( [ "$(git -C "$D" log -1 --skip=1 --format=%s)" = "dave's edit" ] || [ "$(git -C "$D" log --format=%s | grep -c "dave's edit")" = 1 ]; echo $?)" \
	"dave's commit keeps its message"
git -C "$D" log -p --all >"$tmp/dave-log" 2>&1
check "$( { grep -q "dave's edit, after carol left" "$tmp/dave-log" && ! grep -q "which this clone does not hold" "$tmp/dave-log"; } && echo 0 || echo 1)" \
	"dave, who stayed, reads the whole history after 6 rotations (git log -p)"

# carol fetches everything: nothing written after her removal opens with her keys.
git -C "$C" fetch -q origin
after=$(git -C "$C" log --format=%H origin/main -1 --grep="carol leaves")
leaked=0
for c in $(git -C "$C" rev-list "$after..origin/main"); do
	for path in $(git -C "$C" diff-tree --no-commit-id -r --name-only -m "$c" -- cases/ | sort -u); do
		k=$(blob_key "$C" "$c:$path" 2>/dev/null) || continue
		[ -f "$C/.git/casefile/keys/$k.key" ] && leaked=$((leaked + 1))
	done
done
check "$leaked" "carol, removed, holds no key of any case file committed after her removal"
git -C "$C" merge -q --no-edit origin/main >/dev/null 2>&1
check "$(head -c 8 "$C/cases/2025-006/case.yaml" | grep -q CFCRYPT && echo 0 || echo 1)" \
	"carol's clone shows dave's edit as ciphertext"
check "$(no_object_holds "$server" "dave's edit, after carol left" "Poppy Quennell" && echo 0 || echo 1)" \
	"no plaintext reached the server"

# ---- the server without any key: doctor over the history ---------------------------------
run -C "$A" doctor
check_run "$(! grep -q "crypt/policy\|crypt/tampered" "$out" && echo 0 || echo 1)" \
	"doctor finds no commit of the accepted history that breaks the policy"
run -C "$A" member list
check_run "$( { [ "$rc" = 0 ] && grep -q "^alice  admin" "$out" && grep -q "^bob    case    .*cases 2026-004" "$out" &&
	! grep -q "^carol" "$out" && grep -q "fingerprint $fp" "$err"; } && echo 0 || echo 1)" \
	"member list: role, cases, fingerprint and who added each; carol gone"
as bob -C "$B" member add erin "$(cat "$tmp/mallory.pub")"
check_run "$( { [ "$rc" = 3 ] && grep -q "only an admin" "$err"; } && echo 0 || echo 1)" \
	"bob (role case) cannot change the log: only an admin may"
git -C "$B" pull -q --no-rebase 2>/dev/null
check "$(git -C "$B" status --porcelain | grep -c . | grep -qx 0 && echo 0 || echo 1)" \
	"bob pulls the rotations cleanly"
exit 0
