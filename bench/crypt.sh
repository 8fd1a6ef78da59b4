#!/bin/sh
# make bench: the cost of encryption at checkout.  The same 2,000 case files in three
# repositories -- plain git (no filter), casefile (its long-running filter process, set up by
# `casefile init`) and git-crypt (one smudge process per file) -- and a fresh checkout of all
# of them timed in each, in the same run.  The issue's targets: casefile at least 5 times
# faster than git-crypt, and no more than 2 times plain git.
# Usage: sh bench/crypt.sh BUILD/casefile [FILES]
set -eu
casefile=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
nfiles=${2:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
# Outside the source tree: casefile init will not make a repository inside another one.
out=$(mktemp -d "${TMPDIR:-/tmp}/casefile-bench.XXXXXX")
[ -n "${CF_BENCH_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out/home"

# A private git and casefile configuration: nothing of the user's is read or changed.
export HOME="$out/home" GIT_CONFIG_GLOBAL="$out/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
unset CASEFILE_IDENTITY GIT_DIR GIT_WORK_TREE
git config --global user.name "casefile bench"
git config --global user.email bench@example.org
git config --global init.defaultBranch main

# ---- the files: cases generated from example-repo/, cut to exactly $nfiles files -------------
ncases=$((nfiles / 5 + 8))
sh "$here/bench/gen.sh" "$out/src" "$ncases" >/dev/null
(cd "$out/src" && find cases -type f | LC_ALL=C sort | tail -n +"$((nfiles + 1))" |
	while IFS= read -r f; do rm -f "$f"; done && find cases -type d -empty -delete)
have=$(cd "$out/src" && find cases -type f | wc -l)
bytes=$(cd "$out/src" && find cases -type f -exec cat {} + | wc -c)
if [ "$have" -ne "$nfiles" ]; then
	echo "bench/crypt.sh: generated $have files, wanted $nfiles" >&2
	exit 1
fi

fail() {
	echo "bench/crypt.sh: $*" >&2
	exit 1
}

# Is the blob of cases' first file in REPO ciphertext starting with MAGIC?
first_blob_starts() {
	f=$(git -C "$1" ls-files cases | head -1)
	git -C "$1" cat-file -p "HEAD:$f" | head -c "$(printf '%s' "$2" | wc -c)" | od -An -c |
		tr -d ' \n'
}

# ---- plain git ------------------------------------------------------------------------------
plain="$out/plain"
mkdir "$plain"
cp -r "$out/src/cases" "$plain/"
git -C "$plain" init -q
git -C "$plain" add cases
git -C "$plain" commit -qm "$nfiles case files"

# ---- casefile: set up as `casefile init` does it ----------------------------------------------
enc="$out/casefile"
mkdir "$enc"
cp -r "$out/src/.casefile" "$out/src/cases" "$enc/"
"$casefile" keygen --no-passphrase >/dev/null 2>&1 || fail "casefile keygen failed"
"$casefile" -C "$enc" init --member bench >"$out/init.log" 2>&1 || {
	cat "$out/init.log" >&2
	fail "casefile init failed"
}
git -C "$enc" add . || fail "git add through the casefile filter failed"
# --no-verify: init installs the pre-commit hook, and the generated cases carry deliberate
# errors; this times the filter, and bench/hook.sh times the hook.
git -C "$enc" commit -q --no-verify -m "$nfiles case files" ||
	fail "casefile: the commit through the filter failed"
[ "$(first_blob_starts "$enc" "xCFCRYPT")" = '\0CFCRYPT' ] ||
	fail "casefile: the committed blobs are not ciphertext"
[ -z "$(git -C "$enc" status --porcelain)" ] || fail "casefile: the working tree is not clean"

# ---- git-crypt ------------------------------------------------------------------------------
gc="$out/git-crypt"
if command -v git-crypt >/dev/null 2>&1; then
	mkdir "$gc"
	git -C "$gc" init -q
	(cd "$gc" && git-crypt init >/dev/null 2>&1) || fail "git-crypt init failed"
	echo 'cases/** filter=git-crypt diff=git-crypt' >"$gc/.gitattributes"
	cp -r "$out/src/cases" "$gc/"
	git -C "$gc" add .gitattributes cases
	git -C "$gc" commit -qm "$nfiles case files"
	[ "$(first_blob_starts "$gc" "xGITCRYPT")" = '\0GITCRYPT' ] ||
		fail "git-crypt: the committed blobs are not ciphertext"
else
	gc=
	echo "note: git-crypt is not installed (Debian: apt-get install git-crypt); its leg is skipped"
fi

# ---- timing: rm -rf cases, then git checkout -- cases (every file written, smudged) -------------
# hyperfine when installed (Debian: hyperfine): the median of RUNS after WARMUP runs; else the
# best of RUNS by date(1), after WARMUP runs.  Prints milliseconds.
time_checkout() {
	dir=$1
	runs=$2
	warmup=$3
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup "$warmup" --runs "$runs" --prepare "rm -rf $dir/cases" \
			--export-json "$out/last.json" "git -C $dir checkout -- cases" >/dev/null 2>&1 ||
			fail "the checkout in $dir failed"
		python3 -c "import json;r=json.load(open('$out/last.json'))['results'][0];print('%.1f' % (r['median']*1000))"
	else
		best=
		i=0
		while [ $i -lt $((runs + warmup)) ]; do
			rm -rf "$dir/cases"
			t0=$(date +%s%N)
			git -C "$dir" checkout -- cases || fail "the checkout in $dir failed"
			t1=$(date +%s%N)
			ms=$(((t1 - t0) / 1000000))
			[ $i -ge "$warmup" ] && { [ -z "$best" ] || [ "$ms" -lt "$best" ]; } && best=$ms
			i=$((i + 1))
		done
		echo "$best"
	fi
}

echo "checkout of $nfiles case files ($((bytes / 1024)) KiB) from generated cases, $(nproc) cores;" \
	"$(git --version)$([ -n "$gc" ] && echo ", git-crypt $(git-crypt --version 2>&1 | awk '{print $NF}')")"
echo "  (median of 10 runs after a warm-up, by hyperfine when installed, else the best of 10)"
t_plain=$(time_checkout "$plain" 10 1)
printf '  %-44s %8s ms\n' "plain git, no filter" "$t_plain"
t_enc=$(time_checkout "$enc" 10 1)
printf '  %-44s %8s ms\n' "casefile (filter-process, XChaCha20-Poly1305)" "$t_enc"
# Every checked-out file is plaintext again, byte for byte.
diff -r "$out/src/cases" "$enc/cases" >"$out/diff.log" 2>&1 ||
	fail "casefile: the checkout differs from the files (see $out/diff.log)"
if [ -n "$gc" ]; then
	# A process (and git's own helpers) per file: minutes, where the others take a second or
	# two.  One run is enough to measure a gap that wide.
	t_gc=$(time_checkout "$gc" 1 0)
	printf '  %-44s %8s ms\n' "git-crypt (a smudge process per file; 1 run)" "$t_gc"
	diff -r "$out/src/cases" "$gc/cases" >/dev/null || fail "git-crypt: the checkout differs"
fi

python3 - "$t_plain" "$t_enc" "${t_gc:-}" <<'PY'
import sys
plain, enc = float(sys.argv[1]), float(sys.argv[2])
gc = float(sys.argv[3]) if sys.argv[3] else None
over = enc / plain
notes = []
if gc is not None:
    speed = gc / enc
    notes.append("casefile is %.1f times faster than git-crypt (casefile/git-crypt %.3f; target: at least 5 times, %s)"
                 % (speed, enc / gc, "met" if speed >= 5 else "NOT MET"))
else:
    notes.append("casefile/git-crypt: not measured (git-crypt is not installed)")
notes.append("casefile takes %.2f times plain git (target: at most 2, %s)" % (over, "met" if over <= 2 else "NOT MET"))
print("Note: " + "; ".join(notes) + ".")
PY
