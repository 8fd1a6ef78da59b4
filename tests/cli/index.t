#!/bin/sh
# check --staged reads git's index file itself (lib/source), never through libgit2: the
# formats git writes -- versions 2, 3 (extended flags: `git add -N`) and 4 (paths
# prefix-compressed) -- each give what the staged files say; an unmerged path is reported,
# not read; a split or sparse index, which it does not read, stops the check with a way
# out.  A damaged index (cut short, a wrong checksum, an entry count the file cannot hold)
# is a diagnostic naming .git/index and what is wrong, from `check --staged` and from the
# pre-commit hook: never a crash, and, with CASEFILE built with SANITIZE=address, no leak
# from check --staged (the hook's is a TODO, below).  An empty index and a path 100,000
# directories deep are read without undefined behaviour or running out of stack.
. "$(dirname "$0")/lib.sh"
need init hook
need_tool python3

echo "1..25"

sandbox

r="$tmp/clone"
"$CASEFILE" keygen >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member alice \
	>/dev/null 2>&1 &&
	mkdir "$r/cases" &&
	cp -r "$CF_SRCDIR/example-repo/cases/2026-004" "$CF_SRCDIR/example-repo/cases/2026-011" \
		"$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit -qm "two clean cases" >/dev/null 2>&1
check $? "two clean cases committed"

# The staged version of 2026-004 lacks a required date; the working tree has it back.
c="$r/cases/2026-004/case.yaml"
cp "$c" "$tmp/good.yaml"
sed -i '/^  tor_agreed:/d' "$c"
git -C "$r" add cases/2026-004/case.yaml
cp "$tmp/good.yaml" "$c"
want="^cases/2026-004/case.yaml:[0-9]*:[0-9]*: error\[schema/required\]: 'dates.tor_agreed' is required"

staged() {
	"$CASEFILE" -C "$r" check --staged >"$tmp/out" 2>&1
	[ $? -eq 1 ] && grep -q "$want" "$tmp/out" && grep -q ' in 1 case$' "$tmp/out"
}
staged
check $? "index version 2: the staged version is judged, one case touched"

echo "new notes" >"$r/cases/2026-011/notes/later.md"
git -C "$r" add -N cases/2026-011/notes/later.md
[ "$(od -An -tu1 -j7 -N1 "$r/.git/index" | tr -d ' ')" = 3 ]
check $? "git add -N makes it version 3 (extended flags)"
staged
check $? "version 3: the entry added with -N is not staged, 2026-011 not touched"

git -C "$r" update-index --index-version 4
[ "$(od -An -tu1 -j7 -N1 "$r/.git/index" | tr -d ' ')" = 4 ]
check $? "update-index --index-version 4"
staged
check $? "version 4 (paths prefix-compressed): the same"

# A split index keeps entries in another file; casefile does not read one (nor can libgit2
# 1.5): the check stops (exit 2, so the hook refuses) and says how to turn it off.
git -C "$r" update-index --split-index 2>/dev/null
"$CASEFILE" -C "$r" check --staged >"$tmp/split.out" 2>&1
[ $? -eq 2 ] && grep -q 'git update-index --no-split-index' "$tmp/split.out"
check $? "a split index: not read, exit 2, with how to turn it off"
git -C "$r" update-index --no-split-index 2>/dev/null
git -C "$r" rm -q --cached cases/2026-011/notes/later.md 2>/dev/null
rm -f "$r/cases/2026-011/notes/later.md"
git -C "$r" checkout -q -- cases

# An unmerged path: reported as such, never read as a file.
git -C "$r" checkout -q -b other
sed -i 's/^title: .*/title: Child D (other)/' "$c"
git -C "$r" commit -qam "other title" --no-verify
git -C "$r" checkout -q main
sed -i 's/^title: .*/title: Child D (main)/' "$c"
git -C "$r" commit -qam "main title" --no-verify
git -C "$r" merge -q other >/dev/null 2>&1
git -C "$r" ls-files -u | grep -q case.yaml
check $? "a merge that conflicts leaves case.yaml unmerged"
"$CASEFILE" -C "$r" check --staged >"$tmp/u.out" 2>&1
[ $? -eq 1 ] && grep -q '^cases/2026-004/case.yaml: error\[source/conflict\]: unmerged' "$tmp/u.out"
check $? "check --staged: source/conflict, exit 1"
[ $? -eq 0 ] || show "$tmp/u.out"

# A damaged index, written from a good one: cut short; garbage (the same bytes every run)
# after its header; a checksum changed; an entry count of 4294967295 under a checksum that
# matches it (what libgit2 1.5 would size its tables by).  Each is the same diagnostic from
# check --staged (exit 2) and from the pre-commit hook (the commit refused, exit 1).
# Neither hands any of them to libgit2 (which leaks on a damaged version 4 index, and sizes
# its tables by the count): the hook asks lib/source's reader before its member-log and
# policy checks open the index with libgit2.
git -C "$r" merge --abort 2>/dev/null
cp "$r/.git/index" "$tmp/index.good"
damage() {
	python3 - "$tmp/index.good" "$r/.git/index" "$1" <<'EOF'
import hashlib, random, struct, sys
good = open(sys.argv[1], "rb").read()
kind = sys.argv[3]
if kind == "cut":
    out = good[:100]
elif kind == "garbage":
    rng = random.Random(12)
    out = good[:12] + bytes(rng.randrange(256) for _ in range(4000))
elif kind == "checksum":
    out = good[:-20] + bytes(b ^ 0x5A for b in good[-20:])
else:
    body = good[:8] + struct.pack(">I", 0xFFFFFFFF) + good[12:-20]
    out = body + hashlib.sha1(body).digest()
open(sys.argv[2], "wb").write(out)
EOF
}
leaks=0
for kind in cut garbage checksum count; do
	case $kind in
	cut) what="an index cut short" why="cut short" ;;
	garbage) what="garbage after the header" why="" ;;
	checksum) what="a wrong checksum" why="its checksum does not match its contents" ;;
	*) what="4294967295 entries claimed" why="it claims 4294967295 entries" ;;
	esac
	want="^.git/index: error\[source/read\]: the git index is damaged: .*$why"
	damage $kind
	"$CASEFILE" -C "$r" check --staged >"$tmp/d.out" 2>&1
	rc=$?
	[ $rc -eq 2 ] && grep -q "$want" "$tmp/d.out" && ! grep -q "Sanitizer\|runtime error" "$tmp/d.out"
	check $? "$what: check --staged says what is wrong with .git/index, exit 2" ||
		{ echo "# status $rc"; show "$tmp/d.out"; }
	(cd "$r" && "$CASEFILE" hook pre-commit) >"$tmp/h.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] && grep -q "$want" "$tmp/h.out" && grep -q "commit refused" "$tmp/h.out" &&
		! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/h.out"
	check $? "$what: the pre-commit hook refuses, with the same diagnostic, exit 1" ||
		{ echo "# status $rc"; show "$tmp/h.out"; }
	if grep -q "LeakSanitizer" "$tmp/h.out"; then
		leaks=1
		grep -A4 "^Direct leak" "$tmp/h.out" | sed 's/^/# /'
	fi
done
check $leaks "the pre-commit hook leaks nothing on any of them (ASan)"

# git does not verify the checksum when it reads an index (only `git fsck` does): a commit
# goes as far as the hook, which refuses it.
damage checksum
git -C "$r" commit -qm "on a damaged index" >"$tmp/c.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "its checksum does not match" "$tmp/c.out" &&
	[ "$(git -C "$r" log --format=%s -1)" != "on a damaged index" ]
check $? "git commit on an index whose checksum is wrong: the hook refuses, nothing committed" ||
	show "$tmp/c.out"
cp "$tmp/index.good" "$r/.git/index"

# A sparse index holds a directory in place of the files outside the sparse checkout's cone.
git -C "$r" sparse-checkout set --cone --sparse-index .casefile >/dev/null 2>&1
"$CASEFILE" -C "$r" check --staged >"$tmp/sp.out" 2>&1
rc=$?
[ $rc -eq 2 ] &&
	grep -q '^.git/index: error\[source/read\]: the git index is a sparse index' "$tmp/sp.out" &&
	grep -q 'git sparse-checkout disable' "$tmp/sp.out"
check $? "a sparse index: not read, exit 2, with how to turn it off" || show "$tmp/sp.out"
git -C "$r" sparse-checkout disable >/dev/null 2>&1
cp "$tmp/index.good" "$r/.git/index"

# An empty index (everything unstaged): nothing to sort, nothing to crash on.
git -C "$r" rm -rq --cached . >/dev/null
"$CASEFILE" -C "$r" check --staged >"$tmp/e.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q '^.casefile/config.yaml: error\[config/invalid\]' "$tmp/e.out" &&
	! grep -q "Sanitizer\|runtime error" "$tmp/e.out"
check $? "an empty index: no crash, the configuration is not staged, exit 2" || show "$tmp/e.out"
cp "$tmp/index.good" "$r/.git/index"

# A path 4,000 directories deep, which git takes into its index: hashing its case (what
# changed since HEAD) does not run out of stack, and it is no case file.  One 100,000 deep
# is past git's core.maxTreeDepth (4096): the index is refused whole, by check --staged and
# by the hook, which would otherwise have libgit2 write its tree (once a directory, by
# recursion).
blob=$(echo "plain text" | git -C "$r" hash-object -w --stdin)
deep=$(python3 -c 'print("cases/2026-004/" + "a/" * 4000 + "f.md")')
dir=$(python3 -c 'print("cases/2026-004/" + "a/" * 16 + "a")')
printf '100644 %s\t%s\n' "$blob" "$deep" | git -C "$r" update-index --add --index-info
"$CASEFILE" -C "$r" check --staged >"$tmp/deep.out" 2>&1
rc=$?
[ $rc -eq 2 ] &&
	grep -q "^$dir: error\[source/read\]: directories nested too deeply (not read)$" "$tmp/deep.out" &&
	! grep -q "Sanitizer\|runtime error" "$tmp/deep.out"
check $? "a path 4,000 directories deep: its directory 17 deep reported, exit 2" ||
	{ echo "# status $rc"; cut -c1-200 "$tmp/deep.out" | sed 's/^/# /'; }
cp "$tmp/index.good" "$r/.git/index"
deep=$(python3 -c 'print("cases/2026-004/" + "a/" * 100000 + "f.md")')
printf '100644 %s\t%s\n' "$blob" "$deep" | git -C "$r" update-index --add --index-info
"$CASEFILE" -C "$r" check --staged >"$tmp/deep.out" 2>&1
rc=$?
(cd "$r" && "$CASEFILE" hook pre-commit) >"$tmp/deeph.out" 2>&1
hrc=$?
want="^.git/index: error\[source/read\]: the git index is damaged: entry [0-9]*'s path is more than 4096 directories deep"
[ $rc -eq 2 ] && grep -q "$want" "$tmp/deep.out" && [ $hrc -eq 1 ] && grep -q "$want" "$tmp/deeph.out" &&
	grep -q "commit refused" "$tmp/deeph.out" && ! grep -q "Sanitizer\|runtime error" "$tmp/deep.out" "$tmp/deeph.out"
check $? "a path 100,000 directories deep: the index refused by check --staged (exit 2) and the hook (exit 1), no crash" ||
	{ echo "# status $rc $hrc"; cut -c1-200 "$tmp/deep.out" "$tmp/deeph.out" | sed 's/^/# /'; }
cp "$tmp/index.good" "$r/.git/index"

# A staged file whose name holds terminal control characters (a staged path can be any
# bytes): named in the refusal escaped, so the terminal obeys none of them.
esc=$(printf '\033')
blob=$(echo "plain text" | git -C "$r" hash-object -w --stdin)
git -C "$r" update-index --add --cacheinfo "100644,$blob,cases/${esc}]0;owned.yaml"
"$CASEFILE" -C "$r" check --staged >"$tmp/esc.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '^cases/\\x1b\]0;owned.yaml: error\[crypt/plaintext\]' "$tmp/esc.out" &&
	! grep -q "$esc" "$tmp/esc.out"
check $? "a staged name with an escape sequence: crypt/plaintext, the name shown escaped"
[ $rc -eq 1 ] || show "$tmp/esc.out"
git -C "$r" rm -q --cached "cases/${esc}]0;owned.yaml"

# A link staged inside a case directory: reported once, as plaintext (git keeps a link's
# target as it is), not also as a link the case could not read.
ln -s case.yaml "$r/cases/2026-011/alias.yaml"
git -C "$r" add cases/2026-011/alias.yaml
"$CASEFILE" -C "$r" check --staged >"$tmp/ln.out" 2>&1
rc=$?
[ $rc -eq 1 ] &&
	[ "$(grep -c '^cases/2026-011/alias.yaml: ' "$tmp/ln.out")" = 1 ] &&
	grep -q '^cases/2026-011/alias.yaml: error\[crypt/plaintext\]: a symbolic link' "$tmp/ln.out"
check $? "a link staged in a case: one diagnostic, crypt/plaintext"
[ $rc -eq 1 ] || show "$tmp/ln.out"
git -C "$r" rm -q --cached cases/2026-011/alias.yaml
rm "$r/cases/2026-011/alias.yaml"
