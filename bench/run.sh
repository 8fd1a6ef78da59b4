#!/bin/sh
# make bench: the speed targets of the issues, measured on generated repositories.
set -eu
casefile=$1
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/bench/out"
sh "$here/bench/gen.sh" "$out/repo-1000" 1000 >/dev/null

# hyperfine when it is installed (Debian: hyperfine), else the best of 10 runs by date(1).
time_cmd() {
	label=$1
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --warmup 2 --runs 10 -N -i --export-json "$out/last.json" "$*" >/dev/null
		python3 -c "import json;r=json.load(open('$out/last.json'))['results'][0];print('%-44s mean %6.1f ms  min %6.1f ms' % ('$label', r['mean']*1000, r['min']*1000))"
	else
		best=999999
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			t1=$(date +%s%N)
			ms=$(((t1 - t0) / 1000000))
			[ "$ms" -lt "$best" ] && best=$ms
		done
		printf '%-44s min %6d ms\n' "$label" "$best"
	fi
}

echo "casefile benchmarks ($(nproc) cores)"
time_cmd "check, 1,000 cases (target < 150 ms)" "$casefile" -C "$out/repo-1000" check
