#!/bin/sh
# make bench: the speed and memory targets of the issues, measured on generated repositories.
set -eu
casefile=$1
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/bench/out"
mkdir -p "$out"
sh "$here/bench/gen.sh" "$out/repo-1000" 1000 >/dev/null
sh "$here/bench/gen.sh" "$out/repo-4000" 4000 >/dev/null
asof="--as-of 2026-11-24"

# hyperfine when it is installed (Debian: hyperfine), else the best of 10 runs by date(1).
time_cmd() {
	label=$1
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --warmup 2 --runs 15 -N -i --export-json "$out/last.json" "$*" >/dev/null 2>&1
		python3 -c "import json;r=json.load(open('$out/last.json'))['results'][0];print('%-52s mean %6.1f ms  min %6.1f ms' % ('$label', r['mean']*1000, r['min']*1000))"
	else
		best=999999
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			t1=$(date +%s%N)
			ms=$(((t1 - t0) / 1000000))
			[ "$ms" -lt "$best" ] && best=$ms
		done
		printf '%-52s min %6d ms\n' "$label" "$best"
	fi
}

# Peak resident memory in KiB (GNU time when installed, else /proc via python).
peak_kib() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

echo "casefile benchmarks ($(nproc) cores; cases generated from example-repo/)"
time_cmd "check, 1,000 cases (target < 150 ms)" "$casefile" -C "$out/repo-1000" check $asof
time_cmd "status, 1,000 cases (target < 200 ms)" "$casefile" -C "$out/repo-1000" status $asof
time_cmd "check, 1,000 cases, one thread (for comparison)" env CASEFILE_THREADS=1 "$casefile" -C "$out/repo-1000" check $asof
m1=$(peak_kib "$casefile" -C "$out/repo-1000" status $asof)
m4=$(peak_kib "$casefile" -C "$out/repo-4000" status $asof)
echo "status peak memory: 1,000 cases ${m1} KiB, 4,000 cases ${m4} KiB" \
	"($(( (m4 - m1) * 1024 / 3000 )) bytes more per case: the summary row and its timeline marks)"

BUILD=$(dirname "$casefile") sh "$here/bench/idscan.sh"
