#!/bin/sh
# Builds the seed corpus of every harness of tests/fuzz into OUT/NAME (default
# build/fuzz/corpus/NAME): the example repository, the test data (tests/data/repo, and
# tests/data/bad's broken inputs in their place, as tests/data/bad/MANIFEST says), the
# installed schemas, the few hand seeds of tests/fuzz/seeds/NAME, and what seedgen makes
# (keys, identities, blobs, member logs, filter sessions, git indexes).  Files are named by
# the SHA-1 of their content, as libFuzzer names what it adds, so running this again adds
# nothing twice and keeps what earlier runs found.  Nothing here is committed.
#   usage: tests/fuzz/seeds.sh [OUT]      (SEEDGEN names the seedgen binary)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$src/build/fuzz/corpus}
seedgen=${SEEDGEN:-$src/build/fuzz/seedgen}
ex=$src/example-repo
bad=$src/tests/data/bad
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cf-seeds-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# add NAME FILE...: copies each file into the corpus of NAME.
add() {
	name=$1
	shift
	mkdir -p "$out/$name"
	for f in "$@"; do
		[ -f "$f" ] || continue
		sum=$(sha1sum <"$f" | cut -c1-40)
		[ -f "$out/$name/$sum" ] || cp "$f" "$out/$name/$sum"
	done
}

# archive DIR [NAME=FILE ...]: a case archive for the case harness (tests/fuzz/case.c) of
# every file under DIR, a NAME=FILE argument replacing (or adding) the file NAME.
archive() {
	dir=$1
	shift
	(
		cd "$dir"
		find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
			skip=
			for o in "$@"; do [ "${o%%=*}" = "$f" ] && skip=1; done
			[ -n "$skip" ] && continue
			printf '==> %s\n' "$f"
			cat "$f"
		done
		for o in "$@"; do
			printf '==> %s\n' "${o%%=*}"
			cat "${o#*=}"
		done
	)
}

yaml_files=$(find "$ex" "$src/tests/data" "$src/schemas" -name '*.yaml' -type f | LC_ALL=C sort)
md_files=$(find "$ex" "$src/tests/data" -name '*.md' -path '*cases*' -type f | LC_ALL=C sort)
md_files="$md_files $(find "$bad" -name '*.md' -type f)"
# shellcheck disable=SC2086
add yaml $yaml_files
# shellcheck disable=SC2086
add yamlfast $yaml_files
# shellcheck disable=SC2086
add markdown $md_files
add schema "$src/schemas/cspr.yaml"
add calendar "$src"/schemas/calendar/*.yaml
add config "$ex/.casefile/config.yaml"

# idscan: a case's people (from family.yaml), "---", then its report.
for c in "$ex"/cases/*/; do
	[ -f "$c/report.md" ] || continue
	id=$(basename "$c")
	{
		sed -n -e 's/^ *\(- \)\{0,1\}name: *\(.*\)/name \2/p' \
			-e 's/^ *pseudonym: *\(.*\)/pseudonym \1/p' \
			-e 's/^ *dob: *\(.*\)/date \1/p' \
			-e 's/^ *address: *\(.*\)/address \1/p' \
			-e 's/^ *school: *\(.*\)/school \1/p' "$c/family.yaml"
		echo ---
		cat "$c/report.md"
	} >"$tmp/idscan-$id"
	add idscan "$tmp/idscan-$id"
done

# case: every example case, the test fixture's case, and each broken input in its place.
for c in "$ex"/cases/*/; do
	id=$(basename "$c")
	archive "$c" >"$tmp/case-$id"
	add case "$tmp/case-$id"
done
fixture=$src/tests/data/repo/cases/2026-001
archive "$fixture" >"$tmp/case-fixture"
add case "$tmp/case-fixture"
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$bad/MANIFEST" | while read -r name target _; do
	target=${target#../../} # the repository's own files, from the case directory
	[ "$target" = generated ] && continue
	archive "$fixture" "$target=$bad/$name" >"$tmp/case-bad-$name"
	add case "$tmp/case-bad-$name"
done
# and one with the repository's own configuration and pinned schema
archive "$fixture" ".casefile/config.yaml=$ex/.casefile/config.yaml" \
	".casefile/schemas/cspr.yaml=$src/schemas/cspr.yaml" >"$tmp/case-pinned"
add case "$tmp/case-pinned"

# The hand seeds.
for d in "$src"/tests/fuzz/seeds/*/; do
	[ -d "$d" ] || continue
	add "$(basename "$d")" "$d"*
done

# What seedgen makes.
"$seedgen" "$tmp/gen"
for d in "$tmp"/gen/*/; do
	add "$(basename "$d")" "$d"*
done
