#!/bin/sh
# make bench: the pre-commit hook on an encrypted repository of 1,000 cases (issue 5).  What a
# commit waits for is `casefile hook pre-commit` -- `check --staged` with its framing -- so
# that is what is timed: a commit touching one case (target < 50 ms) and one touching all
# 1,000 (target < 150 ms).  The cases are committed and packed first, as a clone has them.
# Usage: sh bench/hook.sh BUILD/casefile [CASES]
set -eu
casefile=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ncases=${2:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
# Outside the source tree: casefile init will not make a repository inside another one.
out=$(mktemp -d "${TMPDIR:-/tmp}/casefile-bench.XXXXXX")
[ -n "${CF_BENCH_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out/home"
export HOME="$out/home" GIT_CONFIG_GLOBAL="$out/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
export CASEFILE_TODAY=2026-11-24
unset CASEFILE_IDENTITY GIT_DIR GIT_WORK_TREE
git config --global user.name "casefile bench"
git config --global user.email bench@example.org
git config --global init.defaultBranch main

fail() {
	echo "bench/hook.sh: $*" >&2
	exit 1
}

r="$out/repo"
sh "$here/bench/gen.sh" "$r" "$ncases" >/dev/null
"$casefile" keygen --no-passphrase >/dev/null 2>&1 || fail "casefile keygen failed"
"$casefile" -C "$r" init --member bench >"$out/init.log" 2>&1 || {
	cat "$out/init.log" >&2
	fail "casefile init failed"
}
git -C "$r" add . || fail "git add failed"
git -C "$r" commit -q --no-verify -m "$ncases cases"
git -C "$r" gc -q
nfiles=$(git -C "$r" ls-files cases | wc -l)

# hyperfine when installed (Debian: hyperfine): mean and min of 15 runs after 2; else the best
# of 10 by date(1).  The hook's exit code is ignored: some generated cases have errors.
time_hook() {
	label=$1
	if command -v hyperfine >/dev/null 2>&1; then
		(cd "$r" && hyperfine --warmup 2 --runs 15 -N -i --export-json "$out/last.json" \
			"$casefile hook pre-commit" >/dev/null 2>&1) || fail "hyperfine failed"
		python3 -c "import json;r=json.load(open('$out/last.json'))['results'][0];print('%-52s mean %6.1f ms  min %6.1f ms' % ('$label', r['mean']*1000, r['min']*1000))"
	else
		best=999999
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			t0=$(date +%s%N)
			(cd "$r" && "$casefile" hook pre-commit >/dev/null 2>&1) || true
			t1=$(date +%s%N)
			ms=$(((t1 - t0) / 1000000))
			[ "$ms" -lt "$best" ] && best=$ms
		done
		printf '%-52s min %6d ms\n' "$label" "$best"
	fi
}

# How many cases the hook checked: the summary line of check --staged, or 0 when clean.
checked() {
	(cd "$r" && "$casefile" check --staged 2>/dev/null || true) |
		sed -n 's/.* in \([0-9]*\) cases*$/\1/p'
}

echo "pre-commit hook, $ncases encrypted cases ($nfiles files, packed), $(nproc) cores"
first=$(git -C "$r" ls-files cases | sed -n 's|^cases/\([^/]*\)/case.yaml$|\1|p' | sed -n 4p)
sed -i 's/^title: \(.*\)$/title: \1 (edited)/' "$r/cases/$first/case.yaml"
git -C "$r" add "cases/$first/case.yaml"
[ "$(git -C "$r" diff --cached --name-only | wc -l)" = 1 ] || fail "expected one staged file"
time_hook "commit touching 1 case of $ncases (target < 50 ms)"
git -C "$r" commit -q --no-verify -m "one case"

for f in "$r"/cases/*/case.yaml; do
	sed -i 's/^title: \(.*\)$/title: \1 (all)/' "$f"
done
git -C "$r" add cases
staged=$(git -C "$r" diff --cached --name-only | wc -l)
[ "$staged" = "$ncases" ] || fail "expected $ncases staged files, found $staged"
n=$(checked)
[ "$n" = "$ncases" ] || fail "check --staged checked ${n:-0} cases, not $ncases"
time_hook "commit touching all $ncases cases (target < 150 ms)"
