#!/bin/sh
# casefile merge, git's merge driver for encrypted case files, under a real git merge: edits to
# different lines of one case.yaml merge cleanly, edits to the same line give plaintext conflict
# markers in the working tree, and neither the commits, the index nor anything else under .git
# ever holds the plaintext.
. "$(dirname "$0")/lib.sh"
need init filter-process merge

echo "1..20"

sandbox
# No identity of the test's own: keygen writes the default one, under the sandbox's HOME.
unset CASEFILE_IDENTITY
git config --global advice.detachedHead false

r="$tmp/r"
path=cases/2026-011/case.yaml
# Is the blob of REV:PATH ciphertext?  It starts with the magic "\0CFCRYPT".
is_cipher() {
	git -C "$r" cat-file -p "$1" | head -c 8 | od -c | head -1 | grep -q '\\0   C   F   C   R   Y   P   T'
}
# Does any object in the repository hold this text?

"$CASEFILE" keygen --no-passphrase >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member tester >"$tmp/init.out" 2>&1 &&
	mkdir "$r/cases" && cp -r "$CF_SRCDIR/example-repo/cases/2026-011" "$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit -qm "case 2026-011"
check $? "a repository made by casefile init, one case committed"
git -C "$r" check-attr merge -- "$path" | grep -q 'merge: casefile$' &&
	git -C "$r" config merge.casefile.driver | grep -q ' merge '
check $? "cases/ goes through the casefile merge driver (.gitattributes, git config)"
is_cipher "HEAD:$path"
check $? "the committed case.yaml is ciphertext"

# ---- different lines: a clean merge ---------------------------------------------------------

git -C "$r" checkout -qb other &&
	sed -i 's/^title: Child M$/title: Child M the second/' "$r/$path" &&
	git -C "$r" commit -qam "other: title" &&
	git -C "$r" checkout -q main &&
	sed -i 's/^  age_band: 1-4$/  age_band: 5-10/' "$r/$path" &&
	git -C "$r" commit -qam "main: age band"
check $? "two branches edit different lines of case.yaml"
git -C "$r" merge -q -m "merge other" other >"$tmp/merge1.out" 2>&1
check $? "git merge exits 0: no conflict"
grep -q '^title: Child M the second$' "$r/$path" && grep -q '^  age_band: 5-10$' "$r/$path"
check $? "the working tree holds both edits, in plaintext"
is_cipher "HEAD:$path"
check $? "the merge commit's case.yaml is ciphertext"
[ -z "$(git -C "$r" status --porcelain)" ]
check $? "nothing left to commit: the merged blob is what the filter makes of the file"
"$CASEFILE" -C "$r" check >"$tmp/check1.out" 2>&1
check $? "casefile check passes on the merged case"
no_object_holds "$r" "Child M the second"
check $? "no object in the repository holds the merged plaintext"

# ---- the same line: a conflict --------------------------------------------------------------

git -C "$r" checkout -qb theirs &&
	sed -i 's/^title: Child M the second$/title: Child X/' "$r/$path" &&
	git -C "$r" commit -qam "theirs: title X" &&
	git -C "$r" checkout -q main &&
	sed -i 's/^title: Child M the second$/title: Child Y/' "$r/$path" &&
	git -C "$r" commit -qam "main: title Y"
git -C "$r" merge -q -m "merge theirs" theirs >"$tmp/merge2.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'CONFLICT (content): Merge conflict in cases/2026-011/case.yaml' "$tmp/merge2.out"
check $? "editing the same line: git reports a conflict in case.yaml"
grep -q '^<<<<<<< ' "$r/$path" && grep -q '^title: Child Y$' "$r/$path" &&
	grep -q '^=======$' "$r/$path" && grep -q '^title: Child X$' "$r/$path" &&
	grep -q '^>>>>>>> ' "$r/$path"
check $? "the working tree shows plaintext conflict markers around both titles"
stages=$(git -C "$r" ls-files -u -- "$path" | wc -l)
all=0
for s in 1 2 3; do is_cipher ":$s:$path" || all=1; done
[ "$stages" -eq 3 ] && [ $all -eq 0 ]
check $? "the index holds the three conflicting stages, each ciphertext"
no_object_holds "$r" "<<<<<<<" "Child X" "Child Y"
check $? "no object holds the conflict markers or either title in plaintext"
grep -rIlF -e "Child X" -e "<<<<<<<" "$r/.git" >"$tmp/leak" 2>/dev/null
[ ! -s "$tmp/leak" ]
check $? "nothing under .git holds the plaintext (temporary files included)"

sed -i -e '/^<<<<<<< /d' -e '/^=======$/d' -e '/^>>>>>>> /d' -e '/^title: Child X$/d' \
	"$r/$path" &&
	git -C "$r" add "$path" && git -C "$r" commit -qm "merge theirs: keep Y" &&
	is_cipher "HEAD:$path" && "$CASEFILE" -C "$r" check >"$tmp/check2.out" 2>&1
check $? "resolved and committed: ciphertext again, and check passes"

# ---- the driver on its own: keys it does not hold, damaged blobs ---------------------------

# A second repository's blobs are encrypted with a key this clone does not hold.
r2="$tmp/r2"
mkdir "$r2" && "$CASEFILE" -C "$r2" init --partnership "Other LSCP" --member tester >/dev/null 2>&1 &&
	mkdir "$r2/cases" && cp -r "$CF_SRCDIR/example-repo/cases/2026-011" "$r2/cases/" &&
	git -C "$r2" add . && git -C "$r2" commit -qm one
git -C "$r2" cat-file -p "HEAD:$path" >"$tmp/foreign"
git -C "$r" cat-file -p "HEAD:$path" >"$tmp/ours"
cp "$tmp/ours" "$tmp/ours.before"
(cd "$r" && "$CASEFILE" merge "$tmp/foreign" "$tmp/ours" "$tmp/ours" "$path") 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q 'crypt/no-key' "$tmp/err" && cmp -s "$tmp/ours" "$tmp/ours.before"
check $? "an ancestor under a key this clone lacks: exit 3, crypt/no-key, ours untouched"

cp "$tmp/ours" "$tmp/damaged"
# Flip one bit of byte 80 (inside the ciphertext): overwriting it with a fixed byte would,
# one run in 256, write the byte it already holds and damage nothing.
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[80] ^= 1; open(p, "wb").write(b)' "$tmp/damaged"
(cd "$r" && "$CASEFILE" merge "$tmp/ours" "$tmp/ours" "$tmp/damaged" "$path") 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q 'crypt/tampered' "$tmp/err" && cmp -s "$tmp/ours" "$tmp/ours.before"
check $? "a damaged theirs: exit 3, crypt/tampered, ours untouched"

# The path comes from git's %P, which anyone who can push chooses: its control characters
# are shown escaped, never sent to the terminal.
head -c 40 "$tmp/ours" >"$tmp/short"
evil=$(printf 'cases/2026-011/\033[2J\033[31mred\nline')
(cd "$r" && "$CASEFILE" merge "$tmp/ours" "$tmp/ours" "$tmp/short" "$evil") 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -qF 'cases/2026-011/\x1b[2J\x1b[31mred\x0aline: cannot decrypt theirs: not merged' "$tmp/err" &&
	! grep -q "$(printf '\033')" "$tmp/err" && cmp -s "$tmp/ours" "$tmp/ours.before"
check $? "a path with control characters: shown escaped in every message (no escape byte reaches the terminal)"

(cd "$r" && "$CASEFILE" merge "$tmp/ours" "$tmp/ours") 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'ANCESTOR OURS THEIRS PATH' "$tmp/err"
check $? "missing arguments: a usage error, exit 2"
