#!/bin/sh
# Real names outside the ciphertext: git encrypts a case file's content, never its file name,
# the commit message or the branch, and status prints the title.  check refuses a title or a
# file name holding an identifier of the case's people; the commit-msg hook refuses a message
# naming a person of a case the commit changes.  Neither diagnostic repeats the identifier.

. "$(dirname "$0")/lib.sh"

need init check hook
sandbox
export USER=alice
echo "1..22"

"$CASEFILE" keygen --no-passphrase >/dev/null 2>&1
R=$tmp/repo
run init "$R" --partnership Northdale --example
git -C "$R" commit -q --no-verify -m "the example cases"
check_run "$( { [ "$rc" = 0 ] && [ -x "$R/.git/hooks/commit-msg" ] &&
	grep -q 'hook commit-msg' "$R/.git/hooks/commit-msg"; } && echo 0 || echo 1)" \
	"init installs a commit-msg hook that runs casefile hook commit-msg"
cd "$R" || exit 1
head=$(git rev-parse HEAD)

# ---- the title ---------------------------------------------------------------------------
sed -i 's/^title: Child D$/title: Child D (Alfie-James)/' cases/2026-004/case.yaml
run check 2026-004
check_run "$( { [ "$rc" = 1 ] &&
	grep -q "^cases/2026-004/case.yaml:3:17: error\[privacy/title\]: the title names M1 (Child D) by first name$" "$out" &&
	! grep -q "Alfie" "$out" "$err"; } && echo 0 || echo 1)" \
	"a title holding the child's first name: privacy/title at its place, the name not repeated"
run explain privacy/title
check_run "$( { [ "$rc" = 0 ] && grep -q "seeds 000 §1.2" "$out"; } && echo 0 || echo 1)" \
	"explain privacy/title says why, citing the guidance"
sed -i 's/^title: .*/title: Marsh-Tilling family/' cases/2026-004/case.yaml
run check 2026-004
check_run "$( { [ "$rc" = 1 ] && grep -q "error\[privacy/title\]: the title names .* by surname" "$out"; } && echo 0 || echo 1)" \
	"a title holding the family's surname: refused too"
git checkout -q -- cases/2026-004/case.yaml
run check 2026-004
check_run "$( [ "$rc" = 0 ] && echo 0 || echo 1)" "the pseudonym as the title (Child D): no error"

# ---- file names --------------------------------------------------------------------------
mkdir -p cases/2026-004/notes
printf '# Home visit\n\nNotes of the visit.\n' >cases/2026-004/notes/jodie-marsh-tilling-visit.md
run check 2026-004
check_run "$( { [ "$rc" = 1 ] &&
	grep -q "^cases/2026-004/notes/jodie-marsh-tilling-visit.md: error\[privacy/file-name\]: the file name names M2 (Mother) by their full name$" "$out" &&
	grep -q "git mv" "$out"; } && echo 0 || echo 1)" \
	"a note's file name holding the mother's name: privacy/file-name, with how to rename it"
git add cases/2026-004/notes
git commit -q -m "2026-004: a visit note" >"$out" 2>"$err"
rc=$?
check_run "$( { [ "$rc" != 0 ] && [ "$(git rev-parse HEAD)" = "$head" ] &&
	grep -q "privacy/file-name" "$err"; } && echo 0 || echo 1)" \
	"pre-commit refuses the commit of that file; nothing committed"
git mv -f cases/2026-004/notes/jodie-marsh-tilling-visit.md cases/2026-004/notes/2026-11-20-home-visit.md
git commit -q -m "2026-004: Child D's home visit" >"$out" 2>"$err"
rc=$?
check_run "$( { [ "$rc" = 0 ] && [ "$(git rev-parse HEAD)" != "$head" ] &&
	! git log --all --format= --name-only | grep -qi jodie; } && echo 0 || echo 1)" \
	"renamed by its date and what it records: committed, and no name in any tree"
head=$(git rev-parse HEAD)

# ---- commit messages ---------------------------------------------------------------------
# commit MESSAGE...: stage a change to 2026-004 and commit it with git's own -m.
commit() {
	printf 'Seen again.\n' >>cases/2026-004/notes/2026-11-20-home-visit.md
	git add cases/2026-004/notes
	git commit -q "$@" >"$out" 2>"$err"
	rc=$?
}
commit -m "Visit to Jodie Marsh-Tilling at home"
check_run "$( { [ "$rc" != 0 ] && [ "$(git rev-parse HEAD)" = "$head" ] &&
	grep -q "^.git/COMMIT_EDITMSG:1:10: error\[privacy/commit-message\]: the commit message (it changes cases/2026-004) names M2 (Mother) by their full name$" "$err" &&
	grep -q "git commit -e -F .git/COMMIT_EDITMSG" "$err" &&
	! grep -qi "jodie" "$err" "$out"; } && echo 0 || echo 1)" \
	"a message naming the mother of the case it changes: refused at its place, the name not repeated, nothing committed"
git reset -q
commit -m "call from jodie"
check_run "$( { [ "$rc" != 0 ] && [ "$(git rev-parse HEAD)" = "$head" ] &&
	grep -q "privacy/commit-message.*by first name" "$err"; } && echo 0 || echo 1)" \
	"a first name alone, in lower case: refused"
git reset -q
commit -m "Ryan's statement" -m "Second paragraph."
check_run "$( { [ "$rc" != 0 ] && grep -q "names M3 (Father) by first name" "$err"; } && echo 0 || echo 1)" \
	"the father's first name with a possessive: refused"
git reset -q
printf 'Notes of the visit\n# to Jodie\n' >"$tmp/msg"
commit -F "$tmp/msg"
check_run "$( { [ "$rc" != 0 ] && [ "$(git rev-parse HEAD)" = "$head" ]; } && echo 0 || echo 1)" \
	"a name on a '#' line of a message given with -F (which git keeps): refused"
git reset -q
commit -m "Oliwia Brzezinska-Hart"
check_run "$( { [ "$rc" = 0 ] && [ "$(git rev-parse HEAD)" != "$head" ]; } && echo 0 || echo 1)" \
	"a name from a case the commit does not change: not this hook's to refuse (committed)"
head=$(git rev-parse HEAD)
commit -m "2026-004: Child D, the mother's account"
check_run "$( { [ "$rc" = 0 ] && [ "$(git rev-parse HEAD)" != "$head" ]; } && echo 0 || echo 1)" \
	"a message by case id and pseudonyms: committed"
head=$(git rev-parse HEAD)
# git commit -v puts the staged diff (plaintext, through casefile's textconv) below the
# scissors line of the message file; git drops it, and so does the hook.
printf 'Jodie Marsh-Tilling called.\n' >>cases/2026-004/notes/2026-11-20-home-visit.md
git add cases/2026-004/notes
GIT_EDITOR="sed -i '1s/^/2026-004: a call noted/'" git commit -q -v >"$out" 2>"$err"
rc=$?
check_run "$( { [ "$rc" = 0 ] && [ "$(git log -1 --format=%s)" = "2026-004: a call noted" ]; } && echo 0 || echo 1)" \
	"git commit -v: the plaintext diff below the scissors line is not the message (committed)"

# ---- the hook itself ---------------------------------------------------------------------
run hook commit-msg
check_run "$( { [ "$rc" = 2 ] && grep -q "commit-msg needs the message file" "$err"; } && echo 0 || echo 1)" \
	"hook commit-msg without a file: usage, exit 2"
run hook commit-msg "$tmp/no-such-message"
check_run "$( { [ "$rc" = 1 ] && grep -q "cannot read the message" "$err"; } && echo 0 || echo 1)" \
	"hook commit-msg with a missing file: refused (fails closed), says why"
printf 'Jodie\n' >"$tmp/msg"
run hook commit-msg "$tmp/msg"
check_run "$( [ "$rc" = 0 ] && echo 0 || echo 1)" \
	"nothing staged: no case changes, so no case's names to refuse"

# ---- git's textconv cache: decrypted text under refs/notes/textconv/ ----------------------
server=$tmp/server.git
git init -q --bare "$server" && "$CASEFILE" -C "$server" hooks install >/dev/null 2>&1 &&
	git remote add origin "$server" && git push -q --no-verify origin main 2>"$err"
check_run $? "the cases pushed to a shared repository with casefile's pre-receive hook"
git -c diff.casefile.cachetextconv=true log -p -1 >/dev/null 2>&1
git show-ref -q refs/notes/textconv/casefile
check_run $? "a log -p with cachetextconv true leaves the decrypted text in refs/notes/textconv/casefile"
git push -q origin refs/notes/textconv/casefile >"$out" 2>"$err"
rc=$?
check_run "$( { [ "$rc" != 0 ] && grep -q "push refused: it updates refs/notes/textconv/casefile" "$err" &&
	! git -C "$server" show-ref -q refs/notes/textconv/casefile; } && echo 0 || echo 1)" \
	"pushing it: pre-push refuses, naming the cache"
git push -q --no-verify origin refs/notes/textconv/casefile >"$out" 2>"$err"
rc=$?
check_run "$( { [ "$rc" != 0 ] && grep -q "pre-receive hook declined" "$err" &&
	grep -q "push refused: it updates refs/notes/textconv/casefile" "$err" &&
	! git -C "$server" show-ref -q refs/notes/textconv/casefile &&
	no_object_holds "$server" "Jodie"; } && echo 0 || echo 1)" \
	"with --no-verify: the server's pre-receive refuses it, and holds no name"
