#!/bin/sh
# casefile hooks install (issue 5): pre-commit, pre-merge-commit and pre-push in a clone,
# pre-receive in a bare repository, each running the absolute path of the casefile that installed them; twice
# changes nothing; an outdated copy of ours is written again; a hook that is not casefile's
# is kept as NAME.local and still runs, after ours; core.hooksPath is honoured; a hook whose
# casefile is gone refuses (fails closed).  The hooks' own work (`casefile hook`) is
# commit.t's: here the chain is tested with a stand-in for casefile's hook.
. "$(dirname "$0")/lib.sh"
need init hooks

echo "1..34"

sandbox
EXE=$(readlink -f "$CASEFILE")
out="$tmp/out" err="$tmp/err"

run() {
	"$CASEFILE" "$@" >"$out" 2>"$err"
	rc=$?
}

# hooks_state DIR: each file of a hooks directory with its mode and its contents' hash.
hooks_state() {
	(cd "$1" && for f in *; do
		[ -f "$f" ] && printf '%s %s %s\n' "$(stat -c %a "$f")" "$(sha1sum <"$f" | cut -c1-40)" "$f"
	done)
}

# ---- usage -----------------------------------------------------------------------------------
run hooks --help
[ $rc = 0 ] && [ "$(head -n 1 "$out")" = "usage: casefile hooks install [--force]" ]
check $? "hooks --help: the usage on stdout, exit 0"
run hooks
[ $rc = 2 ] && grep -q "^usage: casefile hooks install" "$err"
check $? "hooks without a command: the usage on stderr, exit 2"
run -C "$tmp" hooks install
[ $rc = 2 ] && grep -q "not in a git repository" "$err"
check $? "hooks install outside a git repository: exit 2, says so"

# ---- the repository, and a clone of it without hooks -----------------------------------------
r="$tmp/origin"
"$CASEFILE" keygen >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member alice \
	>"$tmp/init.out" 2>&1 &&
	mkdir "$r/cases" && cp -r "$CF_SRCDIR/example-repo/cases/2026-004" "$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit --no-verify -qm "a case"
check $? "origin: init, a case committed"
grep -q "^  hooks installed: pre-commit commit-msg pre-merge-commit pre-push$" "$tmp/init.out" &&
	grep -q "^casefile=$EXE$" "$r/.git/hooks/pre-commit"
check $? "init installs pre-commit, commit-msg, pre-merge-commit and pre-push with this casefile's path" || show "$tmp/init.out"

c="$tmp/clone"
git clone -q "$r" "$c" && [ ! -e "$c/.git/hooks/pre-commit" ] && [ ! -e "$c/.git/hooks/pre-push" ] &&
	[ ! -e "$c/.git/hooks/pre-merge-commit" ]
check $? "a fresh clone has no casefile hooks"
run -C "$c" hooks install
[ $rc = 0 ] && [ "$(cat "$out")" = "casefile: hooks install: $c/.git/hooks
  pre-commit: installed
  commit-msg: installed
  pre-merge-commit: installed
  pre-push: installed
  the hooks run $EXE" ] && [ ! -s "$err" ]
check $? "hooks install: exit 0, pre-commit, commit-msg, pre-merge-commit and pre-push installed, the casefile they run named" || { show "$out"; show "$err"; }
res=0
for h in pre-commit commit-msg pre-merge-commit pre-push; do
	f="$c/.git/hooks/$h"
	[ -x "$f" ] && [ "$(head -n 1 "$f")" = "#!/bin/sh" ] &&
		grep -q "^casefile=$EXE$" "$f" && ! grep -q "@CASEFILE@" "$f" &&
		grep -q "exec \"\$casefile\" hook $h \"\$@\"" "$f" &&
		sh -n "$f" || res=1
done
check $res "each is an executable sh script running '$EXE hook NAME' (the path substituted)"
[ ! -e "$c/.git/hooks/pre-receive" ]
check $? "a clone gets no pre-receive hook"
before=$(hooks_state "$c/.git/hooks")
run -C "$c" hooks install
[ $rc = 0 ] && [ "$(cat "$out")" = "casefile: hooks install: $c/.git/hooks: already installed, nothing changed
  already: pre-commit
  already: commit-msg
  already: pre-merge-commit
  already: pre-push" ] && [ "$(hooks_state "$c/.git/hooks")" = "$before" ]
check $? "hooks install again: exit 0, 'already installed, nothing changed', no file changed" || show "$out"
run -C "$c/cases/2026-004" hooks install
[ $rc = 0 ] && grep -q "already installed" "$out"
check $? "hooks install from a directory inside the clone finds the clone"

# ---- an outdated copy of ours, a hook git would not run ---------------------------------------
sed -i "s|^casefile=.*|casefile=/old/place/casefile|" "$c/.git/hooks/pre-commit"
chmod 644 "$c/.git/hooks/pre-push"
run -C "$c" hooks install
[ $rc = 0 ] && grep -q "^  pre-commit: updated$" "$out" && grep -q "^  pre-push: updated$" "$out" &&
	[ "$(hooks_state "$c/.git/hooks")" = "$before" ]
check $? "a copy of ours naming another casefile, and one not executable: both written again"

# ---- a casefile that is gone: the hook refuses ------------------------------------------------
mkdir -p "$tmp/my bin"
cp "$CASEFILE" "$tmp/my bin/casefile"
c2="$tmp/clone2"
git clone -q "$r" "$c2"
(cd "$c2" && "$tmp/my bin/casefile" hooks install >"$out" 2>"$err")
got=$(sed -n 's/^casefile=//p' "$c2/.git/hooks/pre-commit")
[ "$got" = "'$tmp/my bin/casefile'" ]
check $? "a path with a space is written as one quoted shell word ($got)"
# shellcheck disable=SC2154 # eval sets it
(eval "casefile=$got" && [ "$casefile" = "$tmp/my bin/casefile" ])
check $? "the shell reads it back as the path"
rm -f "$tmp/my bin/casefile"
(cd "$c2" && sh .git/hooks/pre-commit </dev/null >"$out" 2>"$err")
rc=$?
[ $rc != 0 ] && [ "$(wc -l <"$err")" = 1 ] &&
	grep -q "^casefile: pre-commit hook: commit refused: $tmp/my bin/casefile is not there any more; run 'casefile hooks install' again (and 'casefile doctor')$" "$err"
check $? "its casefile gone, pre-commit fails closed (exit $rc) with one line: run hooks install again"
[ $rc != 0 ] || show "$err"
(cd "$c2" && echo "refs/heads/main 0 refs/heads/main 0" | sh .git/hooks/pre-push origin "$r" >"$out" 2>"$err")
rc=$?
[ $rc != 0 ] && grep -q "casefile: pre-push hook: push refused:.*casefile hooks install" "$err"
check $? "so does pre-push (exit $rc)"
(cd "$c2" && sh .git/hooks/pre-merge-commit </dev/null >"$out" 2>"$err")
rc=$?
[ $rc != 0 ] && [ "$(wc -l <"$err")" = 1 ] &&
	grep -q "^casefile: pre-merge-commit hook: merge refused: $tmp/my bin/casefile is not there any more; run 'casefile hooks install' again (and 'casefile doctor')$" "$err"
check $? "and pre-merge-commit (exit $rc)"

# ---- a hook that is not casefile's: kept, chained, still run ----------------------------------
c3="$tmp/clone3"
git clone -q "$r" "$c3"
printf '#!/bin/sh\necho mine "$@" >>"%s"\n' "$tmp/ran" >"$c3/.git/hooks/pre-commit"
printf '#!/bin/sh\necho "mine $1: $(cat)" >>"%s"\n' "$tmp/ran" >"$c3/.git/hooks/pre-push"
chmod 755 "$c3/.git/hooks/pre-commit" "$c3/.git/hooks/pre-push"
cp "$c3/.git/hooks/pre-commit" "$tmp/their-pre-commit"
run -C "$c3" hooks install
[ $rc = 0 ] && grep -q "^  pre-commit: installed; the hook that was there is kept as pre-commit.local, and still runs after casefile's$" "$out" &&
	grep -q "^  pre-push: installed; the hook that was there is kept as pre-push.local, and still runs after casefile's$" "$out"
check $? "hooks there already: both installed, the old ones kept as NAME.local" || show "$out"
h="$c3/.git/hooks"
cmp -s "$tmp/their-pre-commit" "$h/pre-commit.local" && [ -x "$h/pre-commit.local" ] &&
	grep -q "^# casefile: chained hook$" "$h/pre-commit" && [ -x "$h/pre-commit" ] &&
	grep -q "^casefile=$EXE$" "$h/pre-commit.casefile" && [ -x "$h/pre-commit.casefile" ] &&
	grep -q '"$dir/pre-commit.casefile" "$@" || exit $?' "$h/pre-commit" &&
	grep -q 'exec "$dir/pre-commit.local" "$@"' "$h/pre-commit"
check $? "pre-commit runs pre-commit.casefile (ours, this casefile), then pre-commit.local (theirs)"
# The chain at work, with a stand-in for casefile's hook (which commit.t tests).
cp "$h/pre-commit.casefile" "$tmp/ours-pre-commit"
cp "$h/pre-push.casefile" "$tmp/ours-pre-push"
printf '#!/bin/sh\necho casefile "$@" >>"%s"\n' "$tmp/ran" >"$h/pre-commit.casefile"
printf '#!/bin/sh\necho "casefile $1: $(cat)" >>"%s"\n' "$tmp/ran" >"$h/pre-push.casefile"
rm -f "$tmp/ran"
(cd "$c3" && .git/hooks/pre-commit && echo "main 1 main 2" | .git/hooks/pre-push origin "$r")
rc=$?
[ $rc = 0 ] && [ "$(cat "$tmp/ran")" = "casefile
mine
casefile origin: main 1 main 2
mine origin: main 1 main 2" ]
check $? "the chains run casefile's hook, then theirs; each pre-push reads the same input" || show "$tmp/ran"
printf '#!/bin/sh\necho casefile >>"%s"\nexit 1\n' "$tmp/ran" >"$h/pre-commit.casefile"
rm -f "$tmp/ran"
(cd "$c3" && .git/hooks/pre-commit)
rc=$?
[ $rc = 1 ] && [ "$(cat "$tmp/ran")" = "casefile" ]
check $? "when casefile's hook refuses, the chain stops with its status and theirs does not run"
run -C "$c3" hooks install
[ $rc = 0 ] && grep -q "^  pre-commit: updated$" "$out" && grep -q "^  pre-push: updated$" "$out" &&
	cmp -s "$tmp/ours-pre-commit" "$h/pre-commit.casefile" &&
	cmp -s "$tmp/ours-pre-push" "$h/pre-push.casefile" &&
	cmp -s "$tmp/their-pre-commit" "$h/pre-commit.local"
check $? "hooks install again: ours written back, theirs kept"
before=$(hooks_state "$h")
run -C "$c3" hooks install
[ $rc = 0 ] && grep -q "already installed, nothing changed" "$out" && [ "$(hooks_state "$h")" = "$before" ]
check $? "and once more: nothing changed"
rm -f "$h/pre-push.local"
run -C "$c3" hooks install
[ $rc = 0 ] && grep -q "^  pre-push: updated$" "$out" && ! grep -q "chained hook" "$h/pre-push" &&
	grep -q "^casefile=$EXE$" "$h/pre-push" && [ ! -e "$h/pre-push.casefile" ]
check $? "a chain whose other hook was removed: ours alone again"

# ---- a hook and a NAME.local both not casefile's -----------------------------------------------
c4="$tmp/clone4"
git clone -q "$r" "$c4"
h4="$c4/.git/hooks"
printf '#!/bin/sh\necho theirs\n' >"$h4/pre-commit"
printf '#!/bin/sh\necho older\n' >"$h4/pre-commit.local"
chmod 755 "$h4/pre-commit" "$h4/pre-commit.local"
run -C "$c4" hooks install
[ $rc = 1 ] && grep -q "^  pre-commit: NOT installed: pre-commit and pre-commit.local are both there, and neither is casefile's$" "$out" &&
	grep -q "^    hint: .*casefile hooks install --force" "$out" &&
	grep -q "echo theirs" "$h4/pre-commit" && grep -q "echo older" "$h4/pre-commit.local" &&
	grep -q "^  pre-push: installed$" "$out"
check $? "pre-commit and pre-commit.local both there: left alone, exit 1, --force named; pre-push installed" || show "$out"
run -C "$c4" hooks install --force
[ $rc = 0 ] && grep -q "echo theirs" "$h4/pre-commit.local" && grep -q "echo older" "$h4/pre-commit.local.old" &&
	grep -q "chained hook" "$h4/pre-commit" && grep -q "^casefile=$EXE$" "$h4/pre-commit.casefile" &&
	grep -q "pre-commit.local.old, and no longer runs" "$out"
check $? "--force: theirs becomes pre-commit.local, the old one pre-commit.local.old" || show "$out"

# ---- core.hooksPath ---------------------------------------------------------------------------
c5="$tmp/clone5"
git clone -q "$r" "$c5" && git -C "$c5" config core.hooksPath .githooks
run -C "$c5" hooks install
[ $rc = 0 ] && head -n 1 "$out" | grep -q "^casefile: hooks install: $c5/.githooks$" &&
	grep -q "^casefile=$EXE$" "$c5/.githooks/pre-commit" && [ -x "$c5/.githooks/pre-push" ] &&
	[ ! -e "$c5/.git/hooks/pre-commit" ]
check $? "core.hooksPath .githooks: the hooks go there (made), not in .git/hooks" || show "$out"
git -C "$c5" config core.hooksPath "$tmp/shared-hooks"
run -C "$c5" hooks install
[ $rc = 0 ] && [ -x "$tmp/shared-hooks/pre-commit" ] && [ -x "$tmp/shared-hooks/pre-push" ]
check $? "an absolute core.hooksPath too"

# ---- a linked worktree ---------------------------------------------------------------------------
git -C "$c" worktree add -q "$tmp/wt" 2>/dev/null
run -C "$tmp/wt" hooks install
[ $rc = 0 ] && grep -q "^casefile: hooks install: .*/clone/.git/hooks: already installed" "$out"
check $? "in a linked worktree: the hooks of the repository it belongs to" || { show "$out"; show "$err"; }

# ---- a bare repository: pre-receive only ------------------------------------------------------
b="$tmp/shared.git"
git clone -q --bare "$r" "$b"
run -C "$b" hooks install
[ $rc = 0 ] && [ "$(cat "$out")" = "casefile: hooks install: $b/hooks
  pre-receive: installed
  the hooks run $EXE" ]
check $? "a bare repository (no .casefile/ there): pre-receive installed, exit 0" || { show "$out"; show "$err"; }
[ -x "$b/hooks/pre-receive" ] && grep -q "^casefile=$EXE$" "$b/hooks/pre-receive" &&
	grep -q "exec \"\$casefile\" hook pre-receive \"\$@\"" "$b/hooks/pre-receive" &&
	[ ! -e "$b/hooks/pre-commit" ] && [ ! -e "$b/hooks/pre-push" ] &&
	[ ! -e "$b/hooks/pre-merge-commit" ]
check $? "only pre-receive, running this casefile"
run -C "$b/refs" hooks install
[ $rc = 0 ] && grep -q "^casefile: hooks install: $b/hooks: already installed, nothing changed$" "$out"
check $? "from a directory inside the bare repository: the same hooks, nothing changed"
mv "$b/hooks/pre-receive" "$tmp/ours-pre-receive"
printf '#!/bin/sh\ncat >/dev/null\nexit 0\n' >"$b/hooks/pre-receive"
chmod 755 "$b/hooks/pre-receive"
run -C "$b" hooks install
[ $rc = 0 ] && grep -q "^  pre-receive: installed; the hook that was there is kept as pre-receive.local" "$out" &&
	grep -q 'cat >"$input"' "$b/hooks/pre-receive" && cmp -s "$tmp/ours-pre-receive" "$b/hooks/pre-receive.casefile"
check $? "a pre-receive hook there already: chained, with its input given to both"
run -C "$tmp/clone" hooks install --frob
[ $rc = 2 ] && grep -q "unknown argument '--frob'" "$err"
check $? "an unknown option: exit 2"
