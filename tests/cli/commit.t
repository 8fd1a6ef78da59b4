#!/bin/sh
# The hooks at work (issue 5), through real `git commit`, `git merge` and `git push`: the
# pre-commit hook judges what is staged, not the working tree, and pre-merge-commit what a
# conflict-free merge would commit; plaintext never gets into a pushed commit, with
# or without --no-verify; the pre-receive hook of a bare remote refuses it without a key;
# `check --rev` reads a commit and reports a damaged blob as crypt/tampered.
. "$(dirname "$0")/lib.sh"
need init hook hooks

echo "1..51"

sandbox

r="$tmp/clone"
"$CASEFILE" keygen >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member alice \
	>"$tmp/init.out" 2>&1 &&
	mkdir "$r/cases" && cp -r "$CF_SRCDIR/example-repo/cases/2026-004" "$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit -qm "a clean case" 2>"$tmp/first.err"
check $? "init installs the hooks; a clean case commits through them"
[ -x "$r/.git/hooks/pre-commit" ] && [ -x "$r/.git/hooks/pre-merge-commit" ] &&
	[ -x "$r/.git/hooks/pre-push" ] && [ -x "$r/.git/hooks/commit-msg" ]
check $? "pre-commit, commit-msg, pre-merge-commit and pre-push are in .git/hooks"
[ -s "$tmp/first.err" ] && show "$tmp/first.err"

# ---- the index, not the working tree ---------------------------------------------------------
c="$r/cases/2026-004/case.yaml"
cp "$c" "$tmp/good.yaml"
sed -i '/^  tor_agreed:/d' "$c"
git -C "$r" add cases/2026-004/case.yaml
git -C "$r" commit -qm "drop a date" >"$tmp/c1.out" 2>&1
rc=$?
check $((rc == 0)) "a case missing a required field: the commit is refused"
grep -q "^cases/2026-004/case.yaml:[0-9]*:[0-9]*: error\[schema/required\]: 'dates.tor_agreed' is required from stage 'review'$" "$tmp/c1.out"
check $? "the refusal shows the diagnostic"
grep -q '^casefile: commit refused: 1 error, no warnings$' "$tmp/c1.out" &&
	grep -q '^See them again with: casefile check --staged$' "$tmp/c1.out" &&
	grep -q 'no-verify' "$tmp/c1.out" && grep -q 'pre-push' "$tmp/c1.out"
check $? "it counts the errors, says how to see them again, and what --no-verify does not skip"
[ "$(git -C "$r" rev-list --count HEAD)" = 1 ]
check $? "no commit was made"

cp "$tmp/good.yaml" "$c"
git -C "$r" commit -qm "fixed, but not staged" >"$tmp/c2.out" 2>&1
check $((! $?)) "fixing the working tree without staging it: still refused"
grep -q 'schema/required' "$tmp/c2.out"
check $? "  with the staged version's diagnostic"

git -C "$r" add cases/2026-004/case.yaml
git -C "$r" commit -qm "nothing to commit now" >/dev/null 2>&1
git -C "$r" status --porcelain | grep -q . && nok "staging the fix leaves nothing staged" ||
	ok "staging the fix: the index is HEAD again"
sed -i 's/^title: Child D$/title: Child D (renamed)/' "$c"
git -C "$r" add cases/2026-004/case.yaml
git -C "$r" commit -qm "retitle" >"$tmp/c3.out" 2>&1
check $? "a staged, valid change commits"
[ "$(git -C "$r" rev-list --count HEAD)" = 2 ]
check $? "  and the commit is there"

# A broken file in the working tree, not staged, does not block a commit of something else.
sed -i 's/^type: cspr$/type: nonsense/' "$c"
cp -r "$CF_SRCDIR/example-repo/cases/2026-011" "$r/cases/"
git -C "$r" add cases/2026-011
git -C "$r" commit -qm "another case" >"$tmp/c4.out" 2>&1
check $? "a broken unstaged file does not block the commit of another case"
grep -q '2026-004' "$tmp/c4.out"
check $((! $?)) "  and is not mentioned"
"$CASEFILE" -C "$r" check 2026-004 >/dev/null 2>&1
check $((! $?)) "  (check of the working tree does see it)"
git -C "$r" checkout -q -- cases/2026-004

# Only the touched cases are checked; --all checks all of them.
echo "broken: [" >>"$r/cases/2026-011/case.yaml"
sed -i 's/^title: \(.*\)$/title: \1 again/' "$c"
git -C "$r" add cases/2026-004/case.yaml
"$CASEFILE" -C "$r" check --staged --format json >"$tmp/s1.out" 2>&1 &&
	grep -q '"cases":1' "$tmp/s1.out"
check $? "check --staged: only 2026-004 is touched, and it is clean"
"$CASEFILE" -C "$r" check --staged --all --format json >"$tmp/s2.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '"cases":2' "$tmp/s2.out"
check $? "check --staged --all: 2026-011's staged version (clean) is checked too"
[ $rc -eq 0 ] || show "$tmp/s2.out"
git -C "$r" commit -qm "again" >/dev/null 2>&1
git -C "$r" checkout -q -- cases

# Warnings never block: they are shown, and the commit goes ahead.
echo "tor_agred: 2026-08-12" >>"$c"
git -C "$r" add cases/2026-004/case.yaml
git -C "$r" commit -qm "a misspelt field" >"$tmp/w.out" 2>&1
rc=$?
check $rc "a change with warnings only commits"
grep -q 'warning\[' "$tmp/w.out" && grep -q 'warnings do not stop a commit' "$tmp/w.out"
check $? "  and the warnings are shown"
[ $rc -eq 0 ] || show "$tmp/w.out"

# ---- a merge -----------------------------------------------------------------------------------
# A conflict-free `git merge` commits without running pre-commit: pre-merge-commit judges the
# merge's result instead, so a branch committed with --no-verify cannot be merged in broken.
git -C "$r" checkout -q -b broken &&
	sed -i '/^  tor_agreed:/d' "$c" && git -C "$r" add cases/2026-004/case.yaml &&
	git -C "$r" commit -q --no-verify -m "drop a date, past pre-commit"
check $? "on a branch, a case missing a required field committed with --no-verify"
git -C "$r" checkout -q main && echo "Agenda for the panel." >"$r/agenda.md" &&
	git -C "$r" add agenda.md && git -C "$r" commit -qm "an agenda" 2>"$tmp/ag.err"
main=$(git -C "$r" rev-parse main)
git -C "$r" merge --no-edit broken >"$tmp/m.out" 2>&1
rc=$?
[ $rc -ne 0 ] && ! grep -q 'CONFLICT' "$tmp/m.out" && ! grep -q 'Fast-forward' "$tmp/m.out"
check $? "git merge of the branch (no conflict, no fast-forward): refused by pre-merge-commit"
grep -q "^cases/2026-004/case.yaml:[0-9]*:[0-9]*: error\[schema/required\]: 'dates.tor_agreed' is required from stage 'review'$" "$tmp/m.out" &&
	grep -q '^casefile: merge refused: 1 error' "$tmp/m.out"
check $? "  with the diagnostic" || show "$tmp/m.out"
[ "$(git -C "$r" rev-parse main)" = "$main" ] && [ "$(git -C "$r" rev-parse HEAD)" = "$main" ]
check $? "  and main did not move"
git -C "$r" merge --abort && git -C "$r" branch -q -D broken

# ---- plaintext ---------------------------------------------------------------------------------
# The filter configuration removed from .git/config: git add stores the file as it is.
git -C "$r" config --local --remove-section filter.casefile
sed -i 's/^title: \(.*\)$/title: \1 (plain)/' "$c"
git -C "$r" add cases/2026-004/case.yaml 2>/dev/null
git -C "$r" cat-file -p :cases/2026-004/case.yaml | grep -q '^title: Child D'
check $? "without the filter, the index holds the case file in plaintext"
git -C "$r" commit -qm "leak" >"$tmp/p1.out" 2>&1
check $((! $?)) "the commit is refused"
grep -q '^cases/2026-004/case.yaml: error\[crypt/plaintext\]' "$tmp/p1.out"
check $? "  with crypt/plaintext naming the file"

# A .gitattributes that stops routing cases/ through casefile.
git -C "$r" reset -q
"$CASEFILE" -C "$r" init >/dev/null 2>&1
git -C "$r" checkout -q -- cases
echo 'cases/** -filter -diff -merge' >>"$r/.gitattributes"
git -C "$r" add .gitattributes
git -C "$r" commit -qm "attributes" >"$tmp/a.out" 2>&1
check $((! $?)) "a staged .gitattributes that stops routing cases/: refused"
grep -q '^\.gitattributes: error\[crypt/attributes\]' "$tmp/a.out"
check $? "  with crypt/attributes"
git -C "$r" checkout -q HEAD -- .gitattributes

# --no-verify gets plaintext into a local commit; pre-push and pre-receive keep it there.
bare="$tmp/shared.git"
git init -q --bare "$bare" && "$CASEFILE" -C "$bare" hooks install >"$tmp/bare.out" 2>&1 &&
	[ -x "$bare/hooks/pre-receive" ]
check $? "hooks install on a bare repository sets up pre-receive"
git -C "$r" remote add origin "$bare" && git -C "$r" push -q origin main 2>"$tmp/push0.err"
check $? "pushing the clean history goes through both hooks"
[ -s "$tmp/push0.err" ] && show "$tmp/push0.err"

git -C "$r" config --local --remove-section filter.casefile
echo "secret: the plaintext marker PLAINTEXT-MARKER-7" >"$r/cases/2026-004/notes/leak.md"
git -C "$r" add cases/2026-004/notes/leak.md 2>/dev/null
git -C "$r" commit -q --no-verify -m "leak past pre-commit"
check $? "git commit --no-verify records plaintext locally"
"$CASEFILE" -C "$r" init >/dev/null 2>&1
git -C "$r" push -q origin main >"$tmp/push1.out" 2>&1
check $((! $?)) "pre-push refuses the push"
grep -q '^cases/2026-004/notes/leak.md: error\[crypt/plaintext\]: .*commit [0-9a-f]\{7,\}' "$tmp/push1.out"
check $? "  naming the file and the commit"
git -C "$r" push -q --no-verify origin main >"$tmp/push2.out" 2>&1
check $((! $?)) "with --no-verify, the bare remote's pre-receive refuses it"
grep -q 'crypt/plaintext' "$tmp/push2.out" && grep -q 'leak.md' "$tmp/push2.out"
check $? "  with crypt/plaintext naming the file"
no_object_holds "$bare" PLAINTEXT-MARKER-7
check $? "the remote holds no object with the plaintext"
[ "$(git -C "$bare" rev-parse main)" = "$(git -C "$r" rev-parse HEAD~1)" ]
check $? "the remote's main did not move"
git -C "$r" reset -q --hard HEAD~1

# `git commit -a` stages into a temporary index (GIT_INDEX_FILE): the hook judges that one.
git -C "$r" config --local --remove-section filter.casefile
sed -i 's/^title: \(.*\)$/title: \1 (commit -a)/' "$c"
git -C "$r" commit -qam "commit -a without the filter" >"$tmp/ca.out" 2>&1
check $((! $?)) "git commit -a of a case file, filter unset: refused"
grep -q '^cases/2026-004/case.yaml: error\[crypt/plaintext\]' "$tmp/ca.out"
check $? "  crypt/plaintext: the hook read the index git commit -a made"
git -C "$r" reset -q
git -C "$r" checkout -q -- cases
"$CASEFILE" -C "$r" init >/dev/null 2>&1

# A file no case reads -- one the schema does not know -- is judged too.
echo "scanned letter, PLAINTEXT-MARKER-8" >"$tmp/scan.txt"
id=$(git -C "$r" hash-object -w --no-filters "$tmp/scan.txt")
git -C "$r" update-index --add --cacheinfo "100644,$id,cases/2026-004/scan.txt"
git -C "$r" commit -qm "an attachment" >"$tmp/u.out" 2>&1
check $((! $?)) "a plaintext file the schema does not know: refused"
grep -q '^cases/2026-004/scan.txt: error\[crypt/plaintext\]' "$tmp/u.out"
check $? "  with crypt/plaintext naming it"
git -C "$r" rm -q --cached cases/2026-004/scan.txt

# A link named cases would carry the case files to a path the filter never sees.
git -C "$r" mv cases data && ln -s data "$r/cases" && git -C "$r" add -A 2>/dev/null &&
	git -C "$r" commit -q --no-verify -m "cases moved behind a link"
git -C "$r" push -q --no-verify origin main >"$tmp/l.out" 2>&1
check $((! $?)) "a root 'cases' that is a symbolic link: the bare remote refuses the push"
grep -q 'cases: error\[crypt/plaintext\]: a symbolic link' "$tmp/l.out"
check $? "  naming it"
git -C "$r" reset -q --hard HEAD~1

# A ref that points at a blob, not a commit, would carry its bytes past every check.
blobid=$(git -C "$r" hash-object -w --no-filters "$tmp/scan.txt")
git -C "$r" tag blobtag "$blobid"
git -C "$r" push -q --no-verify origin blobtag >"$tmp/bt.out" 2>&1
check $((! $?)) "a tag of a blob: the bare remote refuses it"
grep -q 'is not a commit' "$tmp/bt.out"
check $? "  saying only commits may be pushed"
git -C "$r" tag -d blobtag >/dev/null

# pre-push checks the cases the pushed commits change, not every case: a case with errors
# the remote already holds does not block a push that does not touch it; a change of the
# rules (.casefile/) checks every case again.
before=$(git -C "$r" rev-parse HEAD)
cp -R "$CF_SRCDIR/example-repo/cases/2026-002" "$r/cases/" && git -C "$r" add cases/2026-002 &&
	git -C "$r" commit -q --no-verify -m "2026-002, with its errors" &&
	git -C "$r" push -q --no-verify origin main 2>"$tmp/pp0.err"
check $? "a case with errors committed and pushed past the hooks"
echo "# A visit" >"$r/cases/2026-004/notes/2026-11-20-visit.md" &&
	git -C "$r" add cases/2026-004/notes && git -C "$r" commit -q -m "2026-004: a visit" &&
	git -C "$r" push -q origin main >"$tmp/pp1.out" 2>&1
rc=$?
[ $rc = 0 ] && ! grep -q "2026-002" "$tmp/pp1.out"
check $? "a push changing only 2026-004: pre-push checks it alone, and lets it through" ||
	show "$tmp/pp1.out"
echo "# the rules changed" >>"$r/.casefile/config.yaml" && git -C "$r" add .casefile/config.yaml &&
	git -C "$r" commit -q --no-verify -m "config" &&
	git -C "$r" push -q origin main >"$tmp/pp2.out" 2>&1
rc=$?
[ $rc != 0 ] && grep -q "^cases/2026-002/.*error\[" "$tmp/pp2.out"
check $? "a push changing .casefile/: every case checked, 2026-002's errors refuse it" ||
	show "$tmp/pp2.out"
git -C "$r" reset -q --hard "$before"

# ---- check --rev -----------------------------------------------------------------------------
"$CASEFILE" -C "$r" check --rev HEAD >"$tmp/rev.out" 2>&1
check $? "check --rev HEAD: the committed cases are clean"
"$CASEFILE" -C "$r" check --rev no-such-thing >"$tmp/rev2.out" 2>&1
[ $? -eq 2 ] && grep -q "'no-such-thing' is not a commit of this repository" "$tmp/rev2.out"
check $? "check --rev of something that is not a commit: exit 2, said plainly"

# A committed blob with one bit flipped: crypt/tampered, and no plaintext printed.
blob=$(git -C "$r" rev-parse HEAD:cases/2026-004/case.yaml)
git -C "$r" cat-file blob "$blob" >"$tmp/blob"
python3 - "$tmp/blob" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[60] ^= 1
open(p, "wb").write(bytes(b))
PY
bad=$(git -C "$r" hash-object -w "$tmp/blob")
git -C "$r" update-index --cacheinfo "100644,$bad,cases/2026-004/case.yaml" &&
	git -C "$r" commit -q --no-verify -m "damaged"
"$CASEFILE" -C "$r" check --rev HEAD >"$tmp/t.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '^cases/2026-004/case.yaml: error\[crypt/tampered\]' "$tmp/t.out"
check $? "check --rev of a commit holding a damaged blob: crypt/tampered, exit 1"
grep -q 'Child D' "$tmp/t.out"
check $((! $?)) "  and nothing of the plaintext"
