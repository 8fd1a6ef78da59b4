#!/bin/sh
# Runs each harness for SECONDS on its corpus (made first by tests/fuzz/seeds.sh), with its
# dictionary (tests/fuzz/NAME.dict and the files its "#include FILE" lines name).  What a run
# finds is kept in build/fuzz/corpus/NAME; a crash, a leak, a timeout or a broken promise
# leaves its input in build/fuzz/artifacts/ and fails the whole run, after every harness had
# its turn.  Each run's output is in build/fuzz/log/NAME.log.
#   usage: tests/fuzz/run.sh SECONDS BINARY...
# FUZZ_FLAGS go to every run: -jobs=N, -fork=N -ignore_crashes=1 to go on past a crash, ...
# FUZZ_TIMEOUT (default 10) is the seconds one input may take.
set -u
# The harnesses write their inputs to files: on tmpfs when there is one.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
secs=$1
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build/fuzz
sh "$src/tests/fuzz/seeds.sh" "$build/corpus" || exit 1
mkdir -p "$build/dict" "$build/artifacts" "$build/log"

# dict NAME: the dictionary of NAME, its includes expanded (one level).
dict() {
	f=$src/tests/fuzz/$1.dict
	[ -f "$f" ] || return 0
	sed -n 's/^#include[[:space:]]\{1,\}//p' "$f" | while read -r inc; do
		cat "$src/tests/fuzz/$inc"
	done >"$build/dict/$1.dict"
	cat "$f" >>"$build/dict/$1.dict"
	echo "-dict=$build/dict/$1.dict"
}

failed=
for bin in "$@"; do
	name=$(basename "$bin")
	log=$build/log/$name.log
	echo "== fuzz $name, ${secs}s"
	# shellcheck disable=SC2046,SC2086
	if "$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
		-artifact_prefix="$build/artifacts/$name-" -print_final_stats=1 \
		$(dict "$name") ${FUZZ_FLAGS:-} "$build/corpus/$name" >"$log" 2>&1; then
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
			sed 's/^/   /'
	else
		failed="$failed $name"
		echo "   FAILED: see $log; the input is in $build/artifacts/"
		grep -E -A30 '^==[0-9]+==ERROR|assertion failed|^SUMMARY|ALARM|out-of-memory' "$log" |
			head -n 60 | sed 's/^/   /'
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed"
	exit 1
fi
echo "fuzz: $# harnesses, ${secs}s each, nothing found"
