#!/bin/sh
# casefile doctor (issue 5): a clone set up by init passes every check; then each set-up is
# broken in turn and doctor names it, with exit 1 and a fix that works: git too old for the
# filter protocol, the filter not configured, attributes overridden in .git/info/attributes,
# a hook missing or running a casefile that is gone, core.hooksPath elsewhere, a key file or
# the identity readable by others, a commit holding a case file in plaintext (named with its
# commit, and what to do, before and after a push), cases/ left encrypted in the working tree.
# Plaintext kept outside the encryption: git's cache of the textconv (diff.casefile.cachetextconv,
# refs/notes/textconv/casefile), commit.verbose and the diff `git commit -v` leaves in
# .git/COMMIT_EDITMSG, plaintext under cases/ that every user of the computer can read.
# In the shared bare repository it checks the pre-receive hook, the text cache and the history.
. "$(dirname "$0")/lib.sh"
need init doctor hooks keygen

echo "1..73"

sandbox
export USER=alice
# Files git and cp write are then the owner's only, whatever umask the test was run with: the
# case file modes check would otherwise find them readable by all (umask 0022).
umask 077
EXE=$(readlink -f "$CASEFILE")
out="$tmp/out" err="$tmp/err"
r="$tmp/clone"

# doctor: casefile doctor in the clone; $out, $err, $rc.
doctor() {
	"$CASEFILE" -C "$r" doctor >"$out" 2>"$err"
	rc=$?
}
# only CHECK: exit 1, and CHECK the one problem found.
only() {
	[ $rc = 1 ] && [ "$(grep -c '^problem: ' "$out")" = 1 ] &&
		grep -q "^casefile: doctor: 1 problem: $1$" "$out"
}
# clean: exit 0, every check ok.
clean() {
	[ $rc = 0 ] && [ "$(grep -c '^ok: ' "$out")" = 11 ] && ! grep -q '^problem: ' "$out" &&
		grep -q "^casefile: doctor: nothing wrong$" "$out"
}

# ---- usage ---------------------------------------------------------------------------------------
"$CASEFILE" doctor --help >"$out" 2>&1 && [ "$(head -n 1 "$out")" = "usage: casefile doctor" ]
check $? "doctor --help: the usage, exit 0"
"$CASEFILE" -C "$tmp" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 2 ] && grep -q "not a case repository" "$err"
check $? "outside a case repository: exit 2, says so"

# ---- a clone set up properly -------------------------------------------------------------------
"$CASEFILE" keygen --no-passphrase >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member alice \
	>"$tmp/init.out" 2>&1 &&
	mkdir "$r/cases" && cp -r "$CF_SRCDIR/example-repo/cases/2026-004" "$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit --no-verify -qm "a case"
check $? "init --member alice, a case committed"
keyfile=$(ls "$r"/.git/casefile/keys/*.key)
doctor
clean && [ ! -s "$err" ] && [ "$(stat -c %a "$r/cases")" = 700 ] &&
	[ "$(stat -c %a "$r/cases/2026-004/case.yaml")" = 600 ]
check $? "doctor: exit 0, every check ok, 'nothing wrong' (cases/ is 0700, its files 0600)" || { show "$out"; show "$err"; }
grep -q "^casefile: doctor: the clone $r$" "$out" &&
	grep -q "^ok: git version: [0-9]" "$out" &&
	grep -q "^ok: filter: git encrypts cases/ with $EXE (filter, diff and merge driver)$" "$out" &&
	grep -q "^ok: attributes: git sends cases/ through casefile (filter, diff and merge)$" "$out" &&
	grep -q "^ok: hooks: pre-commit, commit-msg, pre-merge-commit and pre-push run $EXE (in $r/.git/hooks)$" "$out" &&
	grep -q "^ok: text cache: git keeps no decrypted text of case files (diff.casefile.cachetextconv is not true, and there is no refs/notes/textconv/casefile)$" "$out" &&
	grep -q "^ok: commit message: commit.verbose is not true, and $r/.git/COMMIT_EDITMSG holds no diff of case files$" "$out" &&
	grep -q "^ok: key store: 1 key in $r/.git/casefile/keys, readable by you only$" "$out" &&
	grep -q "^ok: identity: $CASEFILE_IDENTITY, readable by you only$" "$out" &&
	grep -q "^ok: history: every file under cases/ in every commit is encrypted$" "$out" &&
	grep -q "^ok: working tree: cases/ is checked out as plaintext ($(git -C "$r" ls-files cases | wc -l) files)$" "$out" &&
	grep -q "^ok: case file modes: nothing under cases/ is readable by everyone on this computer ($(find "$r/cases" -mindepth 1 | wc -l) entries)$" "$out"
check $? "each check says what it found: git, filter, attributes, hooks, text cache, commit message, key store, identity, history, working tree, case file modes" || show "$out"

# ---- git too old ----------------------------------------------------------------------------------
mkdir "$tmp/oldgit"
real_git=$(command -v git)
cat >"$tmp/oldgit/git" <<EOF
#!/bin/sh
for a in "\$@"; do
	[ "\$a" = --version ] && { echo "git version 2.9.0"; exit 0; }
done
exec "$real_git" "\$@"
EOF
chmod 755 "$tmp/oldgit/git"
PATH="$tmp/oldgit:$PATH" "$CASEFILE" -C "$r" doctor >"$out" 2>"$err"
rc=$?
only "git version" && grep -q "^problem: git version: git 2.9.0 is too old: casefile needs 2.11 or newer" "$out" &&
	grep -q "^  fix: install git 2.11 or newer" "$out"
check $? "git 2.9.0: 'problem: git version' names the version and 2.11; nothing else wrong" || show "$out"
sed -i 's/git version 2.9.0/git version 2.20.1/' "$tmp/oldgit/git"
PATH="$tmp/oldgit:$PATH" "$CASEFILE" -C "$r" doctor >"$out" 2>"$err"
rc=$?
only "git version" &&
	grep -q "^problem: git version: git 2.20.1 does not run the pre-merge-commit hook: a merge that commits without a conflict is not checked until it is pushed$" "$out" &&
	grep -q "^  fix: install git 2.24 or newer" "$out"
check $? "git 2.20.1 in a clone: 'problem: git version' says merges go unchecked until the push; fix: 2.24" || show "$out"

# ---- the filter ----------------------------------------------------------------------------------
git -C "$r" config --unset filter.casefile.process
doctor
only filter && grep -q "^problem: filter: .*filter.casefile.process is not set" "$out" &&
	grep -q "^  fix: run \`casefile init\` here" "$out"
check $? "filter.casefile.process unset: 'problem: filter' names it, fix: casefile init" || show "$out"
"$CASEFILE" -C "$r" init >/dev/null 2>&1
doctor
clean
check $? "the fix: casefile init sets it again, doctor is clean"
git -C "$r" config filter.casefile.required false
git -C "$r" config merge.casefile.driver "'$tmp/gone/casefile' merge %O %A %B %P"
doctor
only filter && grep -q "^problem: filter: .*merge.casefile.driver runs $tmp/gone/casefile, which is not there" "$out" &&
	grep -q "^problem: filter: .*filter.casefile.required is false" "$out"
check $? "a merge driver whose casefile is gone, required false: both named" || show "$out"
"$CASEFILE" -C "$r" init >/dev/null 2>&1
git -C "$r" config rerere.enabled true
doctor
only filter && grep -q "^problem: filter: .*rerere.enabled is true" "$out"
check $? "rerere turned on (it keeps conflicted files in plaintext): named"
"$CASEFILE" -C "$r" init >/dev/null 2>&1
doctor
clean
check $? "casefile init puts it all back"

# ---- attributes ------------------------------------------------------------------------------------
mkdir -p "$r/.git/info"
echo 'cases/** -filter' >"$r/.git/info/attributes"
doctor
only attributes && grep -q "^problem: attributes: git does not send cases/ through casefile: filter is turned off" "$out" &&
	grep -q "^  fix: remove the lines about cases/ from $r/.git/info/attributes" "$out"
check $? ".git/info/attributes 'cases/** -filter': 'problem: attributes', names that file" || show "$out"
rm "$r/.git/info/attributes"
cp "$r/.gitattributes" "$tmp/gitattributes"
echo '*.pdf binary' >"$r/.gitattributes"
doctor
only attributes && grep -q "filter is not set, diff is not set, merge is not set" "$out" &&
	grep -q "^  fix: run \`casefile init\` here: it adds the line 'cases/\*\* filter=casefile diff=casefile merge=casefile' to .gitattributes" "$out"
check $? "the line gone from .gitattributes: named, fix: casefile init" || show "$out"
cp "$tmp/gitattributes" "$r/.gitattributes"

# ---- hooks -----------------------------------------------------------------------------------------
rm "$r/.git/hooks/pre-commit"
doctor
only hooks && grep -q "^problem: hooks: in $r/.git/hooks: pre-commit is not installed$" "$out" &&
	grep -q "^  fix: run \`casefile hooks install\`$" "$out"
check $? "pre-commit deleted: 'problem: hooks' names it, fix: casefile hooks install" || show "$out"
"$CASEFILE" -C "$r" hooks install >/dev/null 2>&1
doctor
clean
check $? "the fix: hooks install, doctor is clean"
rm "$r/.git/hooks/pre-merge-commit"
doctor
only hooks && grep -q "^problem: hooks: in $r/.git/hooks: pre-merge-commit is not installed$" "$out"
check $? "pre-merge-commit deleted: named too (a conflict-free merge commits through it)" || show "$out"
"$CASEFILE" -C "$r" hooks install >/dev/null 2>&1
sed -i "s|^casefile=.*|casefile=$tmp/gone/casefile|" "$r/.git/hooks/pre-push"
chmod 644 "$r/.git/hooks/pre-commit"
doctor
only hooks && grep -q "pre-commit cannot be run (not executable), so git skips it" "$out" &&
	grep -q "pre-push runs $tmp/gone/casefile, which is not there" "$out"
check $? "pre-commit not executable, pre-push running a casefile that is gone: both named" || show "$out"
printf '#!/bin/sh\nexit 0\n' >"$r/.git/hooks/pre-push"
"$CASEFILE" -C "$r" hooks install >/dev/null 2>&1
doctor
clean
check $? "after hooks install (a hook of another tool chained): clean" || show "$out"
rm "$r/.git/hooks/pre-push.casefile"
doctor
only hooks && grep -q "pre-push runs pre-push.casefile, which is not there" "$out"
check $? "a chain whose casefile hook is gone: named" || show "$out"
"$CASEFILE" -C "$r" hooks install >/dev/null 2>&1
git -C "$r" config core.hooksPath "$tmp/elsewhere"
doctor
only hooks && grep -q "^problem: hooks: in $tmp/elsewhere (core.hooksPath): pre-commit is not installed; commit-msg is not installed; pre-merge-commit is not installed; pre-push is not installed$" "$out"
check $? "core.hooksPath pointing elsewhere: the hooks there are looked at, and named missing" || show "$out"
git -C "$r" config --unset core.hooksPath

# ---- key files -------------------------------------------------------------------------------------
chmod 644 "$keyfile"
doctor
only "key store" && grep -q "^problem: key store: other users on this computer can read the keys: $keyfile is mode 0644$" "$out" &&
	grep -q "^  fix: run \`chmod 600 $keyfile\`$" "$out"
check $? "a key file of mode 0644: 'problem: key store' names it, fix: chmod 600 FILE" || show "$out"
chmod 600 "$keyfile"
chmod 755 "$r/.git/casefile/keys"
doctor
only "key store" && grep -q "^  fix: run \`chmod 700 $r/.git/casefile/keys\`$" "$out"
check $? "the key directory open to others: fix: chmod 700 DIR"
chmod 700 "$r/.git/casefile/keys"
chmod 640 "$CASEFILE_IDENTITY"
doctor
only identity && grep -q "^problem: identity: $CASEFILE_IDENTITY is mode 0640: other users on this computer can read your identity$" "$out" &&
	grep -q "^  fix: run \`chmod 600 $CASEFILE_IDENTITY\`$" "$out"
check $? "the identity of mode 0640: 'problem: identity', fix: chmod 600 FILE" || show "$out"
chmod 600 "$CASEFILE_IDENTITY"
doctor
clean
check $? "the chmods done: clean"

# ---- git's text cache: the decrypted case files as notes ----------------------------------------
# With diff.casefile.cachetextconv true git keeps what casefile's textconv prints as notes under
# refs/notes/textconv/casefile: plaintext, outside the encryption, and a ref a push can send.
git -C "$r" config diff.casefile.cachetextconv true
git -C "$r" log -p >/dev/null 2>&1
git -C "$r" log -p refs/notes/textconv/casefile 2>/dev/null | grep -q '^+title: Child D$'
check $? "cachetextconv true: git log -p writes case 2026-004 decrypted into refs/notes/textconv/casefile"
doctor
only "text cache" &&
	grep -q "^problem: text cache: diff.casefile.cachetextconv is true (set in .git/config): git keeps the decrypted text of each case file it diffs in refs/notes/textconv/casefile; that ref exists: it holds such text now$" "$out" &&
	grep -q "^  those notes are plaintext outside casefile's encryption, and a push of every ref" "$out" &&
	grep -q "^  fix: run \`git config diff.casefile.cachetextconv false\`$" "$out" &&
	grep -q "^  fix: run \`git update-ref -d refs/notes/textconv/casefile && git gc --prune=now\`: the ref goes, then the plaintext it kept in .git/objects$" "$out" &&
	grep -q "^  fix: if it has been pushed, treat it as a possible data breach" "$out"
check $? "'problem: text cache' (exit 1) names cachetextconv, where it is set, and the notes ref; fix: config false, update-ref -d, gc" || show "$out"
git -C "$r" config diff.casefile.cachetextconv false
doctor
only "text cache" &&
	grep -q "^problem: text cache: refs/notes/textconv/casefile exists: it holds the decrypted text of case files$" "$out" &&
	! grep -q "cachetextconv" "$out" && grep -q "^  fix: run \`git update-ref -d refs/notes/textconv/casefile" "$out"
check $? "cachetextconv false again: the notes ref is still named, its plaintext being there" || show "$out"
git -C "$r" gc -q # the notes packed: the fix must remove them from a pack too
(cd "$r" && git update-ref -d refs/notes/textconv/casefile && git gc -q --prune=now)
doctor
clean && no_object_holds "$r" "title: Child D"
check $? "the fix, as doctor gives it: clean, and no object in the clone holds the plaintext" || show "$out"
git -C "$r" config --unset diff.casefile.cachetextconv
git config --global diff.casefile.cachetextconv true
doctor
only "text cache" &&
	grep -q "^problem: text cache: diff.casefile.cachetextconv is true (set in $GIT_CONFIG_GLOBAL): " "$out"
check $? "cachetextconv true in the global configuration (this clone's unset): named, with that file" || show "$out"
git -C "$r" config diff.casefile.cachetextconv false
doctor
clean
check $? "the fix (this clone's setting false) overrides the global one: clean" || show "$out"
git config --global --unset diff.casefile.cachetextconv

# ---- commit.verbose: the staged diff, decrypted, in .git/COMMIT_EDITMSG ------------------------
git -C "$r" config commit.verbose true
doctor
only "commit message" &&
	grep -q "^problem: commit message: commit.verbose is true (set in .git/config): \`git commit\` writes the staged diff of the case files, decrypted by casefile's textconv, into $r/.git/COMMIT_EDITMSG$" "$out" &&
	grep -q "^  git leaves that file on this disk, unencrypted, after the commit (it is not pushed; " "$out" &&
	grep -q "^  fix: run \`git config commit.verbose false\`" "$out"
check $? "commit.verbose true: 'problem: commit message' (exit 1), on this disk only, fix: config false" || show "$out"
echo "visit: seen at home" >"$r/cases/2026-004/visit.md"
git -C "$r" add cases/2026-004/visit.md &&
	GIT_EDITOR="sed -i 1s/^/a\ visit/" git -C "$r" commit -q --no-verify
grep -q '^+visit: seen at home$' "$r/.git/COMMIT_EDITMSG" &&
	[ "$(git -C "$r" cat-file blob HEAD:cases/2026-004/visit.md | head -c 8 | tr '\0' @)" = "@CFCRYPT" ]
check $? "a commit with commit.verbose: the case file is ciphertext in git, plaintext in .git/COMMIT_EDITMSG"
doctor
only "commit message" && grep -q "^problem: commit message: commit.verbose is true .*; it holds such a diff now, below its scissors line$" "$out"
check $? "both named: commit.verbose and the diff the file holds" || show "$out"
git -C "$r" config commit.verbose false
doctor
only "commit message" &&
	grep -q "^problem: commit message: $r/.git/COMMIT_EDITMSG holds a diff of case files in plaintext (below its scissors line, from \`git commit -v\`)$" "$out" &&
	grep -q "^  fix: run \`rm $r/.git/COMMIT_EDITMSG\` (git writes it again at the next commit)$" "$out" &&
	grep -q "^  fix: or, to keep the message above the diff, \`truncate -s [0-9]* $r/.git/COMMIT_EDITMSG\`$" "$out"
check $? "commit.verbose off, the file still holding the diff: named, fix: rm it or truncate it" || show "$out"
fix=$(sed -n 's/^  fix: or, to keep the message above the diff, `\(truncate -s [0-9]* [^`]*\)`$/\1/p' "$out")
[ -n "$fix" ] && eval "$fix" && [ "$(head -n 1 "$r/.git/COMMIT_EDITMSG")" = "a visit" ] &&
	! grep -q 'visit: seen' "$r/.git/COMMIT_EDITMSG" && ! grep -q '>8' "$r/.git/COMMIT_EDITMSG"
check $? "the truncate doctor gives keeps the message and drops the diff"
doctor
clean
check $? "after it: clean" || show "$out"
echo "visit: seen again" >>"$r/cases/2026-004/visit.md"
git -C "$r" add cases/2026-004/visit.md &&
	GIT_EDITOR="sed -i 1s/^/again/" git -C "$r" -c core.commentChar=';' commit -q -v --no-verify
grep -q '^; -* >8 -*$' "$r/.git/COMMIT_EDITMSG" && grep -q '^+visit: seen again$' "$r/.git/COMMIT_EDITMSG"
check $? "git commit -v with core.commentChar ';': the scissors line starts with ';'"
doctor
only "commit message" && grep -q "^problem: commit message: $r/.git/COMMIT_EDITMSG holds a diff of case files in plaintext" "$out"
check $? "that scissors line is found too" || show "$out"
fix=$(sed -n 's/^  fix: run `\(rm [^`]*\)` (git writes it again at the next commit)$/\1/p' "$out")
[ -n "$fix" ] && eval "$fix" && [ ! -e "$r/.git/COMMIT_EDITMSG" ]
check $? "the rm doctor gives removes the file"
doctor
clean
check $? "after it: clean" || show "$out"
echo "# Northdale" >"$r/README.md"
git -C "$r" add README.md && GIT_EDITOR="sed -i 1s/^/readme/" git -C "$r" commit -q -v --no-verify
grep -q '^diff --git a/README.md' "$r/.git/COMMIT_EDITMSG" && doctor && clean
check $? "git commit -v of a file outside cases/: its diff is not a case's, doctor is clean" || show "$out"
rm -f "$r/.git/COMMIT_EDITMSG"

# ---- plaintext under cases/ that everyone on the computer can read -----------------------------
# What a mode allows counts only where others can get to: the clone's directory and every one
# above it searchable by them.  mktemp and umask 077 made $tmp and the clone 0700.
chmod 644 "$r/cases/2026-004/case.yaml" && chmod 755 "$r/cases"
doctor
clean
check $? "the clone in a directory of mode 0700: a case file of 0644 is out of others' reach, not a problem" || show "$out"
chmod o+x "$tmp" "$r"
chmod 700 "$r/cases"
doctor
clean
check $? "cases/ of mode 0700: the files under it are out of others' reach, whatever their modes" || show "$out"
chmod 755 "$r/cases" && chmod 711 "$r/cases/2026-004"
doctor
only "case file modes" &&
	grep -q "^problem: case file modes: other users on this computer can read plaintext case files: cases/2026-004/case.yaml is mode 0644; and list them: cases is mode 0755$" "$out" &&
	grep -q "^  fix: run \`chmod -R go-rwx $r/cases\`: readable by you only$" "$out" && ! grep -q "umask" "$out"
check $? "cases/ 0755, a case file 0644: 'problem: case file modes' (exit 1) names both, fix: chmod -R go-rwx" || show "$out"
rm -rf "$r/cases" && (umask 022 && git -C "$r" checkout -q -- cases)
files=$(find "$r/cases" -type f | wc -l) dirs=$(find "$r/cases" -type d | wc -l)
(umask 022 && "$CASEFILE" -C "$r" doctor >"$out" 2>"$err")
rc=$?
only "case file modes" &&
	grep -q "^problem: case file modes: other users on this computer can read plaintext case files: cases/2026-004/[^ ]* is mode 0644 (and $((files - 1)) more plaintext files); and list them: cases is mode 0755 (and $((dirs - 1)) more directories)$" "$out" &&
	grep -q "^  fix: git checks files out with your umask (0022), which lets everyone read them: put \`umask 077\` in your shell's profile" "$out"
check $? "cases/ checked out with umask 0022: every file and directory counted, and the umask named" || show "$out"
chmod -R go-rwx "$r/cases"
doctor
clean
check $? "the chmod doctor gives: clean" || show "$out"
chmod 711 "$r/cases" && chmod 755 "$r/cases/2026-004"
doctor
only "case file modes" &&
	grep -q "^problem: case file modes: other users on this computer can list the plaintext case files: cases/2026-004 is mode 0755$" "$out"
check $? "a case directory 0755 under cases/ 0711, its files 0600: named, the names of its files being readable" || show "$out"
chmod 700 "$r/cases/2026-004" "$r/cases"
chmod -R g+rX "$r/cases"
doctor
clean
check $? "readable by the group only: not a problem (the group is the owner's choice)" || show "$out"
chmod -R g-rwx "$r/cases"
echo "not a case" >"$tmp/outside" && chmod 644 "$tmp/outside" && ln -s "$tmp/outside" "$r/cases/link"
doctor
clean
check $? "a link under cases/ to a file everyone can read: not followed" || show "$out"
rm "$r/cases/link"
mkdir "$r/cases/many" && (cd "$r/cases/many" && seq 1 10001 | xargs touch)
doctor
clean && grep -q "^ok: case file modes: nothing under cases/ is readable by everyone on this computer (10000 entries; only the first 10000 entries were looked at)$" "$out"
check $? "10001 files under cases/: the first 10000 are looked at, and doctor says so" || show "$out"
rm -rf "$r/cases/many"
mkdir -p "$r/cases/deep/1/2/3/4/5/6/7/8" && echo "deep: x" >"$r/cases/deep/1/2/3/4/5/6/7/8/x.md" &&
	chmod 644 "$r/cases/deep/1/2/3/4/5/6/7/8/x.md"
doctor
clean && grep -q "^ok: case file modes: nothing under cases/ is readable by everyone on this computer ([0-9]* entries; nothing more than 8 levels below cases/ was looked at)$" "$out"
check $? "a directory 9 levels below cases/ is not looked into, and doctor says so" || show "$out"
rm -rf "$r/cases/deep"
u=$tmp/umask022
(umask 022 && git clone -q "$r" "$u" && chmod o+x "$u" && "$CASEFILE" -C "$u" init >/dev/null 2>&1 &&
	"$CASEFILE" -C "$u" unlock >/dev/null 2>&1) &&
	[ "$(stat -c %a "$u/cases")" = 700 ] && [ "$(stat -c %a "$u/cases/2026-004/case.yaml")" = 644 ] &&
	"$CASEFILE" -C "$u" doctor >"$out" 2>"$err" && grep -q "^ok: case file modes: " "$out"
check $? "a clone unlocked with umask 0022: unlock made cases/ 0700 before it wrote plaintext, doctor is clean" || show "$out"
rm -rf "$u"

# ---- plaintext in history --------------------------------------------------------------------------
# A commit made while the filter was off (here: attributes overridden), as a clone without
# casefile's set-up, or a GUI client that runs no filters, would make it.
echo 'cases/** -filter' >"$r/.git/info/attributes"
cp -r "$CF_SRCDIR/example-repo/cases/2026-007" "$r/cases/"
git -C "$r" add cases/2026-007 && git -C "$r" commit --no-verify -qm "case 2026-007, filter off"
rm "$r/.git/info/attributes"
bad=$(git -C "$r" rev-parse --short HEAD)
git -C "$r" cat-file blob HEAD:cases/2026-007/case.yaml | grep -q '^title:'
check $? "a commit made with the filter off holds case 2026-007 in plaintext"
doctor
only history && grep -q "^problem: history: [0-9]* files under cases/ are stored in git unencrypted, in 1 commit:$" "$out" &&
	grep -q "^  cases/2026-007/case.yaml: error\[crypt/plaintext\]: " "$out" &&
	grep -q "^    $bad case 2026-007, filter off$" "$out"
check $? "'problem: history' names the files, rule crypt/plaintext, and the commit ($bad) with its subject" || show "$out"
grep -q "^  no remote-tracking branch holds them" "$out" &&
	grep -q "^  fix: do not push these commits" "$out" &&
	grep -q "^  fix: if they have been pushed.*possible data breach.*data protection lead" "$out" &&
	grep -q "^  fix: .*\`git reset --soft $bad^\`.*\`git add --renormalize cases/\`, \`git commit\`" "$out" &&
	grep -q "^  fix: .*\`git reflog expire --expire=now --all && git gc --prune=now\`" "$out"
check $? "what to do: not pushed yet; do not push; a breach if pushed; reset --soft $bad^, add --renormalize, commit, gc" || show "$out"
(cd "$r" && git reset -q --soft "$bad^" && git add --renormalize cases/ &&
	git commit --no-verify -qm "case 2026-007, encrypted" &&
	git reflog expire --expire=now --all && git gc -q --prune=now)
check $? "the fix, as doctor gives it, runs"
doctor
clean && [ "$(git -C "$r" cat-file blob HEAD:cases/2026-007/case.yaml | head -c 8 | tr '\0' @)" = "@CFCRYPT" ]
check $? "after it: doctor is clean, the case is ciphertext in the commit" || show "$out"
git -C "$r" cat-file --batch-all-objects --batch >"$tmp/objects" 2>/dev/null &&
	[ -s "$tmp/objects" ] && ! grep -aq '^title: ' "$tmp/objects"
check $? "no object in the clone holds the plaintext any more"

# ---- pushed: the remote has it --------------------------------------------------------------------
b="$tmp/shared.git"
git init -q --bare "$b" && git -C "$r" remote add origin "$b" &&
	git -C "$r" push -q --no-verify origin main 2>/dev/null
check $? "a shared bare repository, the clean history pushed"
"$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 1 ] && grep -q "^casefile: doctor: the bare repository $b$" "$out" &&
	grep -q "^problem: hooks: in $b/hooks: pre-receive is not installed$" "$out" &&
	grep -q "^  fix: run \`casefile hooks install\` in this repository$" "$out" &&
	grep -q "^ok: history: " "$out" && grep -q "^ok: text cache: " "$out" && ! grep -q "^ok: filter" "$out" &&
	! grep -q "^ok: commit message" "$out" && ! grep -q "^ok: case file modes" "$out"
check $? "doctor in the bare repository: pre-receive not installed; history and text cache, no filter check" || { show "$out"; show "$err"; }
"$CASEFILE" -C "$b" hooks install >/dev/null 2>&1
"$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 0 ] && grep -q "^ok: hooks: pre-receive runs $EXE (in $b/hooks)$" "$out"
check $? "after hooks install there: clean" || show "$out"
PATH="$tmp/oldgit:$PATH" "$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 0 ] && grep -q "^ok: git version: 2.20.1$" "$out"
check $? "git 2.20.1 in the bare repository: ok (no merge is committed there)" || show "$out"

git -C "$r" config diff.casefile.cachetextconv true && git -C "$r" log -p >/dev/null 2>&1 &&
	git -C "$r" config diff.casefile.cachetextconv false &&
	git -C "$r" push -q --no-verify --receive-pack="git -c core.hooksPath=/dev/null receive-pack" \
		origin refs/notes/textconv/casefile 2>/dev/null # a server without casefile's hook
"$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 1 ] && [ "$(grep -c '^problem: ' "$out")" = 1 ] &&
	grep -q "^problem: text cache: this repository holds refs/notes/textconv/casefile: the decrypted text of case files, in plaintext" "$out" &&
	grep -q "^  fix: treat it as a possible data breach" "$out" &&
	grep -q "^  fix: remove it: \`git update-ref -d refs/notes/textconv/casefile && git reflog expire --expire=now --all && git gc --prune=now\`" "$out"
check $? "a clone's text cache pushed: the bare repository names it, a breach, and how to remove it" || show "$out"
(cd "$b" && git update-ref -d refs/notes/textconv/casefile && git reflog expire --expire=now --all &&
	git gc -q --prune=now)
(cd "$r" && git update-ref -d refs/notes/textconv/casefile && git gc -q --prune=now)
"$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 0 ] && grep -q "^ok: text cache: no refs/notes/textconv/casefile" "$out" &&
	no_object_holds "$b" "title: Child D" && "$CASEFILE" -C "$r" doctor >/dev/null 2>&1
check $? "after that fix there: clean, and no object there holds the plaintext; the clone clean too" || show "$out"
echo 'cases/** -filter' >"$r/.git/info/attributes"
echo "note: x" >>"$r/cases/2026-004/notes.md"
git -C "$r" add cases/2026-004 && git -C "$r" commit --no-verify -qm "a note, filter off"
rm "$r/.git/info/attributes"
bad=$(git -C "$r" rev-parse --short HEAD)
rm "$b/hooks/pre-receive"
git -C "$r" push -q --no-verify origin main 2>/dev/null
doctor
only history && grep -q "^  already pushed: origin/main holds them$" "$out" &&
	grep -q "^    $bad a note, filter off$" "$out" &&
	grep -q "^  fix: if they have been pushed (they have), treat it as a possible data breach" "$out"
check $? "pushed: doctor says origin/main holds them, and that it is a possible breach" || show "$out"
"$CASEFILE" -C "$b" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 1 ] && grep -q "^problem: history: 1 file under cases/ is stored in git unencrypted, in 1 commit:$" "$out" &&
	grep -q "^  cases/2026-004/notes.md: error\[crypt/plaintext\]" "$out" &&
	grep -q "^  fix: this repository already holds them: treat it as a possible data breach" "$out"
check $? "the bare repository, without a key: names the plaintext file and the breach" || show "$out"

# ---- a root commit in plaintext ------------------------------------------------------------------
r2="$tmp/second"
mkdir "$r2" && "$CASEFILE" -C "$r2" init --partnership "P" --member alice >/dev/null 2>&1 &&
	mkdir -p "$r2/.git/info" "$r2/cases" && echo 'cases/** -filter' >"$r2/.git/info/attributes" &&
	cp -r "$CF_SRCDIR/example-repo/cases/2026-001" "$r2/cases/" &&
	git -C "$r2" add . && git -C "$r2" commit --no-verify -qm "everything, filter off"
rm "$r2/.git/info/attributes"
root=$(git -C "$r2" rev-parse --short HEAD)
"$CASEFILE" -C "$r2" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 1 ] && grep -q "^  fix: .*\`git update-ref -d HEAD\`.*since $root" "$out"
check $? "plaintext in the first commit: the fix starts the branch again (update-ref -d HEAD)" || show "$out"
(cd "$r2" && git update-ref -d HEAD && git add --renormalize cases/ &&
	git commit --no-verify -qm "everything, encrypted" && git reflog expire --expire=now --all &&
	git gc -q --prune=now)
"$CASEFILE" -C "$r2" doctor >"$out" 2>"$err"
check $? "and that fix works: doctor is clean" || show "$out"

# ---- cases/ left encrypted in the working tree --------------------------------------------------
git -C "$r2" cat-file blob HEAD:cases/2026-001/case.yaml >"$r2/cases/2026-001/case.yaml"
"$CASEFILE" -C "$r2" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 1 ] && grep -q "^problem: working tree: 1 file under cases/ (cases/2026-001/case.yaml) is still encrypted, though this clone holds the key$" "$out" &&
	grep -q "^  fix: run \`casefile unlock\`" "$out"
check $? "a case file still ciphertext in the working tree: 'problem: working tree', fix: casefile unlock" || show "$out"
git -C "$r2" checkout -- cases/2026-001/case.yaml
mv "$r2/.git/casefile/keys" "$tmp/keys-away"
"$CASEFILE" -C "$r2" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 0 ] && grep -q "^ok: key store: this clone holds no keys" "$out"
check $? "a clone holding no keys: not a problem, said" || show "$out"
mv "$tmp/keys-away" "$r2/.git/casefile/keys"

# ---- a locked clone: ciphertext may be read by anyone ------------------------------------------
"$CASEFILE" -C "$r2" lock >/dev/null 2>&1 && chmod -R a+rX "$r2/cases" &&
	[ "$(git -C "$r2" cat-file blob HEAD:cases/2026-001/case.yaml | cmp - "$r2/cases/2026-001/case.yaml" && echo same)" = same ]
check $? "casefile lock: cases/ checked out as ciphertext, then made readable by all"
"$CASEFILE" -C "$r2" doctor >"$out" 2>"$err"
rc=$?
[ $rc = 0 ] && grep -q "^ok: case file modes: cases/ holds no plaintext: its files are ciphertext, whoever can read them" "$out"
check $? "the locked clone: case file modes ok, no plaintext to read" || show "$out"
