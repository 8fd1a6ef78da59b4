#!/bin/sh
# Generates a case repository of N cases (default 1,000) for the benchmarks, by copying the
# example repository's cases under new ids.  Usage: bench/gen.sh OUTDIR [N]
set -eu
out=$1
n=${2:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out/cases"
cp -r "$here/example-repo/.casefile" "$out/"
set -- "$here"/example-repo/cases/*/
i=0
while [ "$i" -lt "$n" ]; do
	for tpl in "$@"; do
		[ "$i" -lt "$n" ] || break
		old=$(basename "$tpl")
		new=$(printf '%04d-%03d' $((2000 + i / 1000)) $((i % 1000)))
		cp -r "$tpl" "$out/cases/$new"
		for f in "$out/cases/$new/case.yaml" "$out/cases/$new/report.md"; do
			[ -f "$f" ] && sed -i "s/$old/$new/g" "$f"
		done
		i=$((i + 1))
	done
done
echo "generated $n cases in $out"
