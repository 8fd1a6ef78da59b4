#!/bin/sh
# casefile's git filter with real git (DESIGN.md §6): that every blob under cases/ is ciphertext
# in git's object store and no case's plaintext is anywhere in it; that a clone without the
# key checks out ciphertext, stays clean in `git status` and cannot add plaintext; that a clone
# with the key checks out the exact plaintext and reads history in plaintext (textconv); that a
# tampered blob is refused at checkout and no plaintext is written; that a checkout of 2,000
# files starts one filter process; and the single-shot clean, smudge and textconv commands.
#
# The repositories are made by `casefile init`; the filter configuration is the test's global
# git configuration, whose wrapper logs every start of casefile.

. "$(dirname "$0")/lib.sh"
EXAMPLE=$CF_SRCDIR/example-repo

need_tool python3 od
need filter-process

# git as nobody in particular: no system or user configuration but the test's own.
sandbox
unset GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
git config --global core.autocrlf false
git config --global advice.detachedHead false
git config --global gc.auto 0

# Every start of casefile by git is logged, to count filter processes.
starts=$tmp/starts.log
mkdir "$tmp/bin"
wrapper=$tmp/bin/casefile
cat >"$wrapper" <<EOF
#!/bin/sh
echo "\$*" >>'$starts'
exec '$CASEFILE' "\$@"
EOF
chmod +x "$wrapper"
git config --global filter.casefile.process "'$wrapper' filter-process"
git config --global filter.casefile.required true
git config --global diff.casefile.textconv "'$wrapper' textconv"

echo "1..58"

# pin FROM TO: what `casefile unlock` does when the member has compared the repository's
# fingerprint: TO trusts the member log FROM's clone began.
pin() {
	mkdir -p "$2/.git/casefile" && chmod 700 "$2/.git/casefile" &&
		cp -p "$1/.git/casefile/trust" "$2/.git/casefile/trust"
}

# copy_keys FROM TO: what `casefile unlock` does for the key store (and the pin).
copy_keys() {
	pin "$1" "$2" &&
		cp -Rp "$1/.git/casefile/keys" "$2/.git/casefile/" && chmod 700 "$2/.git/casefile/keys"
}

# The member whose identity begins each repository's member log.
"$CASEFILE" keygen --no-passphrase >/dev/null 2>&1 || bail "keygen failed"

# setup DIR: a repository made by `casefile init` (the signed member log, its repository key
# in .git/casefile/keys, the attributes); sets $key_id.  init's own filter configuration and
# hooks are taken out again, so git runs the logging wrapper of the global configuration and
# commits are not checked.
setup() {
	"$CASEFILE" init "$1" --partnership "Test LSCP" --member tester >"$tmp/init.out" 2>&1 &&
		key_id=$(sed -n 's/^  member log .* the repository key \([0-9a-f]\{16\}\) made, .*/\1/p' "$tmp/init.out") &&
		[ -n "$key_id" ] &&
		git -C "$1" config --local --remove-section filter.casefile &&
		git -C "$1" config --local --remove-section diff.casefile &&
		rm -f "$1"/.git/hooks/pre-commit "$1"/.git/hooks/pre-merge-commit "$1"/.git/hooks/pre-push
}

# is_blob FILE: starts with the magic "\0CFCRYPT" and format version 2.
is_blob() {
	[ "$(head -c 9 "$1" | od -An -tx1 | tr -d ' \n')" = 004346435259505402 ]
}

# all_blobs DIR: every file under DIR is a blob; prints how many there are (one python3 for
# them all: a shell loop would fork thousands of times).
all_blobs() {
	python3 - "$1" <<'EOF'
import os, sys
count = 0
for top, _, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(top, name), "rb") as f:
            if f.read(9) != b"\0CFCRYPT\x02":
                print("not a blob: " + os.path.join(top, name))
                sys.exit(1)
        count += 1
print(count)
EOF
}

# processes: how many filter processes git started since the log was last emptied.
processes() {
	grep -c '^filter-process' "$starts"
}

# The plaintext that must never reach git's object store: every case's title line, and the
# names and addresses of family members.
markers=$tmp/markers
{
	grep -h '^title:' "$EXAMPLE"/cases/*/case.yaml
	sed -n 's/^ *name: *//p; s/^ *address: *//p' "$EXAMPLE"/cases/*/family.yaml
} | LC_ALL=C sort -u >"$markers"
n_markers=$(wc -l <"$markers")
n_files=$(find "$EXAMPLE/cases" -type f | wc -l)

# leaks DIR: how many lines of the object store of DIR, every object in full, hold a marker;
# "unreadable" when git cannot list the objects (never a 0 that would pass for no leak).
leaks() {
	if git -C "$1" cat-file --batch-all-objects --batch >"$tmp/objects" 2>/dev/null &&
		[ -s "$tmp/objects" ]; then
		grep -a -c -F -f "$markers" "$tmp/objects"
	else
		echo unreadable
	fi
}

# ---- a repository with the example's cases ------------------------------------------------
repo=$tmp/repo
setup "$repo"
cp -R "$EXAMPLE/cases" "$repo/"
: >"$starts"
git -C "$repo" add -A >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ "$(processes)" = 1 ] && echo 0 || echo 1)" \
	"git add of $n_files case files: one filter process"
git -C "$repo" commit -q -m "the example cases" >"$out" 2>"$err"
check_run $? "git commit"

res=0 count=0
git -C "$repo" ls-tree -r HEAD -- cases >"$tmp/tree"
while read -r _ _ sha _; do
	git -C "$repo" cat-file blob "$sha" >"$tmp/blob" && is_blob "$tmp/blob" || res=1
	count=$((count + 1))
done <"$tmp/tree"
[ "$count" -eq "$n_files" ] || res=1
check_run $res "every blob under cases/ in the commit is ciphertext ($count of $n_files)"
check_run "$(git -C "$repo" show HEAD:.casefile/members.log | cmp -s - "$repo/.casefile/members.log" &&
	echo 0 || echo 1)" "files outside cases/ are stored as they are"
check_run "$(diff -r "$EXAMPLE/cases" "$repo/cases" >"$out" 2>&1 && echo 0 || echo 1)" \
	"the working tree keeps the plaintext"
git -C "$repo" status --porcelain >"$out" 2>"$err"
check_run "$([ ! -s "$out" ] && [ ! -s "$err" ] && echo 0 || echo 1)" \
	"git status is clean after the commit (the same plaintext, the same blob)"

git -C "$repo" gc -q >"$out" 2>"$err"
check_run $? "git gc packs the objects"
# The markers are real: every one of them is in the working tree.
res=0
while IFS= read -r m; do
	grep -r -q -F -- "$m" "$repo/cases" || res=1
done <"$markers"
[ "$n_markers" -ge 30 ] || res=1
check_run $res "$n_markers plaintext markers (titles, names, addresses), each in the working tree"
check_run "$(leaks "$repo" | grep -qx 0 && echo 0 || echo 1)" \
	"no marker in any object of the store (git cat-file --batch-all-objects --batch)"
check_run "$(grep -r -a -l -F -f "$markers" "$repo/.git" >"$out" 2>&1 && echo 1 || echo 0)" \
	"no marker anywhere under .git (packs, index, logs)"
check_run "$(ls "$repo"/.git/objects/pack/*.pack >/dev/null 2>&1 && echo 0 || echo 1)" \
	"... which has a pack file"

# ---- a clone without the key -------------------------------------------------------------
locked=$tmp/locked
: >"$starts"
git clone -q "$repo" "$locked" >"$out" 2>"$err"
check_run $? "git clone without the key succeeds"
count=$(all_blobs "$locked/cases")
check_run "$([ "$count" = "$n_files" ] && echo 0 || echo 1)" \
	"the clone's working tree has only ciphertext under cases/ ($count files)"
check_run "$(processes | grep -qx 1 && echo 0 || echo 1)" "the clone's checkout ran one filter process"
git -C "$locked" status --porcelain >"$out" 2>"$err"
check_run "$([ ! -s "$out" ] && [ ! -s "$err" ] && echo 0 || echo 1)" "git status there is clean"

git -C "$locked" log -p >"$out" 2>"$err"
check_run "$(grep -q -x -F "+casefile: encrypted with key $key_id, which this clone does not hold" \
	"$out" && ! grep -q -F -f "$markers" "$out" && echo 0 || echo 1)" \
	"git log -p there names the key instead of showing binary or plaintext"
"$CASEFILE" -C "$locked" textconv cases/2026-001/case.yaml >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ "$(cat "$out")" = \
	"casefile: encrypted with key $key_id, which this clone does not hold" ] && echo 0 || echo 1)" \
	"casefile textconv of a blob without its key: the one line"

# A clone that has not pinned the repository's fingerprint encrypts nothing: the member log
# it holds could be anyone's.
printf 'note: UNPINNED-LEAK-MARKER\n' >"$locked/cases/2026-001/unpinned.md"
git -C "$locked" add cases/2026-001/unpinned.md >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "^cases/2026-001/unpinned.md: error\[crypt/untrusted\]: this clone has not pinned the repository's fingerprint" "$err" &&
	git -C "$locked" diff --cached --quiet && echo 0 || echo 1)" \
	"git add in a clone that has not pinned the fingerprint: crypt/untrusted, nothing staged"
rm -f "$locked/cases/2026-001/unpinned.md"
pin "$repo" "$locked"

case_file=cases/2026-001/case.yaml
cp "$EXAMPLE/$case_file" "$locked/$case_file"
printf 'note: LOCKED-LEAK-MARKER\n' >>"$locked/$case_file"
git -C "$locked" add "$case_file" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "^$case_file: error\[crypt/no-key\]" "$err" && echo 0 || echo 1)" \
	"git add of plaintext without the key fails: crypt/no-key"
check_run "$(git -C "$locked" diff --cached --quiet && echo 0 || echo 1)" "... and stages nothing"
check_run "$([ "$(leaks "$locked")" = 0 ] && no_object_holds "$locked" LOCKED-LEAK-MARKER &&
	echo 0 || echo 1)" "... and writes no object with the plaintext"

git -C "$locked" checkout -- "$case_file"
printf 'note: APPENDED-LEAK-MARKER\n' >>"$locked/$case_file"
git -C "$locked" add "$case_file" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "^$case_file: error\[crypt/no-key\]" "$err" &&
	no_object_holds "$locked" APPENDED-LEAK-MARKER &&
	echo 0 || echo 1)" \
	"git add of ciphertext with plaintext appended fails too, and stores nothing"
git -C "$locked" checkout -- "$case_file"

printf 'title: NEW-FILE-MARKER\n' >"$locked/cases/2026-001/notes.md"
git -C "$locked" add cases/2026-001/notes.md >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "error\[crypt/no-key\]" "$err" &&
	no_object_holds "$locked" NEW-FILE-MARKER &&
	echo 0 || echo 1)" "git add of a new case file without the key fails"
"$CASEFILE" -C "$locked" clean cases/2026-001/notes.md <"$locked/cases/2026-001/notes.md" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 3 ] && [ ! -s "$out" ] && grep -q "error\[crypt/no-key\]" "$err" &&
	echo 0 || echo 1)" "casefile clean without the key: exit 3, nothing on stdout"
rm "$locked/cases/2026-001/notes.md"
git -C "$locked" status --porcelain >"$out" 2>"$err"
check_run "$([ ! -s "$out" ] && [ ! -s "$err" ] && echo 0 || echo 1)" "git status is clean again"

# ---- the key installed: plaintext -------------------------------------------------------
copy_keys "$repo" "$locked"
git -C "$locked" status --porcelain >"$out" 2>"$err"
check_run "$([ ! -s "$out" ] && [ ! -s "$err" ] && echo 0 || echo 1)" \
	"with the key, the ciphertext still checked out is clean in git status"
rm -rf "$locked/cases"
: >"$starts"
git -C "$locked" checkout -- cases >"$out" 2>"$err"
check_run $? "a checkout with the key succeeds"
check_run "$(diff -r "$EXAMPLE/cases" "$locked/cases" >"$out" 2>&1 && echo 0 || echo 1)" \
	"... and writes the exact plaintext of every case file"
check_run "$(processes | grep -qx 1 && echo 0 || echo 1)" "... with one filter process"
git -C "$locked" status --porcelain >"$out" 2>"$err"
check_run "$([ ! -s "$out" ] && [ ! -s "$err" ] && echo 0 || echo 1)" "... and git status is clean"

git -C "$locked" log -p >"$out" 2>"$err"
check_run "$(grep -q -x -F "+title: Child A" "$out" && grep -q -x -F "+    name: Reece Oddington-Lowe" "$out" &&
	echo 0 || echo 1)" "git log -p shows the plaintext (textconv)"
printf 'extra: DIFF-MARKER\n' >>"$locked/$case_file"
git -C "$locked" diff >"$out" 2>"$err"
check_run "$(grep -q -x -F "+extra: DIFF-MARKER" "$out" && [ "$(grep -c '^[-+][^-+]' "$out")" = 1 ] &&
	echo 0 || echo 1)" "git diff shows the one line changed, in plaintext"
(cd "$locked" && git add "$case_file" && git commit -q -m "a change") >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && git -C "$locked" cat-file blob "HEAD:$case_file" >"$tmp/blob" &&
	is_blob "$tmp/blob" && ! grep -a -q DIFF-MARKER "$tmp/blob" && echo 0 || echo 1)" \
	"a change committed with the key is stored encrypted"
git -C "$locked" show HEAD >"$out" 2>"$err"
check_run "$(grep -q -x -F "+extra: DIFF-MARKER" "$out" && echo 0 || echo 1)" \
	"git show of that commit: the plaintext change"

wt=$tmp/worktree
git -C "$locked" worktree add -q "$wt" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && diff -r "$locked/cases" "$wt/cases" >"$out" 2>&1 && echo 0 || echo 1)" \
	"a linked worktree (git sets GIT_DIR, GIT_WORK_TREE) checks out plaintext with the keys"
git -C "$locked" worktree remove --force "$wt"

# ---- the single-shot commands -----------------------------------------------------------
git -C "$locked" cat-file blob "HEAD:$case_file" >"$tmp/blob"
"$CASEFILE" -C "$locked" clean "$case_file" <"$locked/$case_file" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ ! -s "$err" ] && cmp -s "$out" "$tmp/blob" && echo 0 || echo 1)" \
	"casefile clean PATH: the very blob git stored"
"$CASEFILE" -C "$locked" smudge "$case_file" <"$tmp/blob" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ ! -s "$err" ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"casefile smudge PATH: the plaintext"
"$CASEFILE" -C "$locked" clean README.md <"$locked/$case_file" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"casefile clean of a path outside cases/: unchanged"
"$CASEFILE" -C "$locked" textconv "$tmp/blob" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"casefile textconv FILE with the key: the plaintext"

# textconv starts no libgit2: it finds the git directory itself, as git does for a filter.
wt=$tmp/linked
git -C "$locked" worktree add -q --detach "$wt" >"$out" 2>"$err"
check_run $? "git worktree add: a linked worktree (its .git a gitdir: file, with commondir)"
(cd "$wt/cases" && "$CASEFILE" textconv "$tmp/blob") >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"textconv in a linked worktree's subdirectory: the keys of the common git dir"
(cd "$wt" && GIT_DIR=$(git rev-parse --git-dir) GIT_WORK_TREE=$wt "$CASEFILE" textconv "$tmp/blob") \
	>"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"textconv with GIT_DIR and GIT_WORK_TREE of a linked worktree exported"
git -C "$wt" log -p >"$out" 2>"$err"
check_run "$(grep -q -x -F "+title: Child A" "$out" && echo 0 || echo 1)" \
	"git log -p in the linked worktree shows the plaintext"
mkdir -p "$tmp/gitfile/sub"
printf 'gitdir: ../locked/.git\n' >"$tmp/gitfile/.git"
(cd "$tmp/gitfile/sub" && "$CASEFILE" textconv "$tmp/blob") >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && cmp -s "$out" "$locked/$case_file" && echo 0 || echo 1)" \
	"textconv under a .git file 'gitdir: RELATIVE-PATH': that git directory's keys"
printf 'not a gitdir line\n' >"$tmp/gitfile/.git"
(cd "$tmp/gitfile/sub" && "$CASEFILE" textconv "$tmp/blob") >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 2 ] && [ ! -s "$out" ] && grep -q "gitdir" "$err" && echo 0 || echo 1)" \
	"textconv under a .git file that names no git directory: exit 2"
(cd / && GIT_DIR=/nonexistent "$CASEFILE" textconv "$tmp/blob") >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 2 ] && [ ! -s "$out" ] && grep -q "GIT_DIR" "$err" && echo 0 || echo 1)" \
	"textconv with GIT_DIR naming nothing: exit 2"
git -C "$locked" worktree remove --force "$wt" >"$out" 2>"$err"
check_run $? "the linked worktree removed"

# ---- a tampered blob ------------------------------------------------------------------
python3 - "$tmp/blob" "$tmp/tampered" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[60] ^= 1
open(sys.argv[2], "wb").write(b)
EOF
bad=$(git -C "$locked" hash-object -w --no-filters "$tmp/tampered")
(cd "$locked" && git update-index --cacheinfo "100644,$bad,$case_file" &&
	git commit -q -m "tampered") >"$out" 2>"$err"
check_run $? "a commit with one byte of a blob flipped"
rm "$locked/$case_file"
git -C "$locked" checkout -- "$case_file" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "^$case_file: error\[crypt/tampered\]" "$err" && echo 0 || echo 1)" \
	"checking it out fails: crypt/tampered"
check_run "$([ ! -s "$locked/$case_file" ] && echo 0 || echo 1)" "... and writes no plaintext"
"$CASEFILE" -C "$locked" smudge "$case_file" <"$tmp/tampered" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 3 ] && [ ! -s "$out" ] && grep -q "error\[crypt/tampered\]" "$err" &&
	echo 0 || echo 1)" "casefile smudge of it: exit 3, nothing on stdout"
"$CASEFILE" -C "$locked" textconv "$tmp/tampered" >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 3 ] && [ ! -s "$out" ] && grep -q "error\[crypt/tampered\]" "$err" &&
	echo 0 || echo 1)" "casefile textconv of it: exit 3, nothing on stdout"
tampered_copy=$tmp/tampered-clone
git clone -q --no-checkout "$locked" "$tampered_copy" && copy_keys "$repo" "$tampered_copy"
git -C "$tampered_copy" reset -q --hard >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -ne 0 ] && grep -q "crypt/tampered" "$err" &&
	! grep -q -F "title: Child A" "$tampered_copy/$case_file" 2>/dev/null && echo 0 || echo 1)" \
	"a clone with the key refuses the tampered file at checkout"

# ---- 2,000 files, one process --------------------------------------------------------------
big=$tmp/big
setup "$big"
python3 - "$big/cases" <<'EOF'
import os, sys
for c in range(20):
    d = os.path.join(sys.argv[1], "2026-%03d" % (100 + c))
    os.makedirs(d)
    for i in range(100):
        with open(os.path.join(d, "note-%03d.md" % i), "w") as f:
            f.write("case %d note %d: BIG-MARKER\n" % (c, i) * (1 + i % 7))
EOF
cp -R "$big/cases" "$tmp/big-plain"
: >"$starts"
git -C "$big" add -A >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ "$(processes)" = 1 ] &&
	git -C "$big" commit -q -m "2,000 files" >"$out" 2>"$err" && echo 0 || echo 1)" \
	"git add of 2,000 case files: one filter process"
no_object_holds "$big" BIG-MARKER
check_run $? "... and none of their plaintext in the object store"
rm -rf "$big/cases"
: >"$starts"
git -C "$big" checkout -- cases >"$out" 2>"$err"
rc=$?
check_run "$([ $rc -eq 0 ] && [ "$(processes)" = 1 ] && echo 0 || echo 1)" \
	"a checkout of 2,000 files starts one filter process ($(processes))"
check_run "$(diff -r "$tmp/big-plain" "$big/cases" >"$out" 2>&1 && echo 0 || echo 1)" \
	"... and writes all of them in plaintext"
: >"$starts"
git clone -q "$big" "$tmp/big-locked" >"$out" 2>"$err"
count=$(all_blobs "$tmp/big-locked/cases")
check_run "$([ "$count" = 2000 ] && [ "$(processes)" = 1 ] && echo 0 || echo 1)" \
	"a clone without the key: 2,000 files of ciphertext, one filter process"
