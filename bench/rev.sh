#!/bin/sh
# The cost of `casefile check --rev HEAD` (what pre-push runs) against a working-tree `casefile
# check`, on encrypted repositories of N cases (issue 12: at most 2x at 2,000 and 10,000 cases).
# Each repository is one root commit, so --rev judges the attributes of every case file.
# Usage: sh bench/rev.sh BUILD/casefile [N ...]   (default 1000 2000 10000; on /dev/shm when
# it exists)
set -eu
casefile=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ $# -gt 0 ] || set -- 1000 2000 10000
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
out=$(mktemp -d "$tmp/casefile-rev.XXXXXX")
[ -n "${CF_BENCH_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out/home"
export HOME="$out/home" GIT_CONFIG_GLOBAL="$out/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
export CASEFILE_TODAY=2026-11-24
unset CASEFILE_IDENTITY GIT_DIR GIT_WORK_TREE
git config --global user.name "casefile bench"
git config --global user.email bench@example.org
git config --global init.defaultBranch main
"$casefile" keygen --no-passphrase >/dev/null 2>&1 || {
	echo "bench/rev.sh: casefile keygen failed" >&2
	exit 1
}

# The best of 5 runs, in ms (the exit code is ignored: some generated cases have errors).
best_ms() {
	best=999999999
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}

for n in "$@"; do
	r="$out/repo-$n"
	sh "$here/bench/gen.sh" "$r" "$n" >/dev/null
	"$casefile" -C "$r" init --member bench >"$out/init.log" 2>&1 || {
		cat "$out/init.log" >&2
		exit 1
	}
	git -C "$r" add .
	git -C "$r" -c gc.auto=0 commit -q --no-verify -m "$n cases"
	git -C "$r" gc -q
	work=$(best_ms "$casefile" -C "$r" check)
	rev=$(best_ms "$casefile" -C "$r" check --rev HEAD)
	ratio=$(awk -v a="$rev" -v b="$work" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
	printf '%6d cases: check %6d ms   check --rev HEAD %6d ms   ratio %sx\n' "$n" "$work" \
		"$rev" "$ratio"
	rm -rf "$r"
done
