#!/bin/sh
# make bench: what blob format v2 and the signed member log (commit ecd5a6f) cost the filter,
# and what Argon2id MODERATE costs an unlock.  The issue's targets: clean and smudge per file
# no more than 10% slower than before the change (its parent, d85752f), and offline files
# (identities, key exports) at Argon2id MODERATE or stronger, with the unlock time shown.
#
# Before and after, in the same run: the casefile of d85752f, built from `git archive` in the
# temporary directory (or BASELINE=/path/to/old/casefile), and the casefile given.  Each gets
# its own repository made by its own `casefile init`, with the same FILES (default 2,000) case
# files from bench/gen.sh.  gen.sh copies a few template cases, so most of its files are the
# same bytes in every case; the old format encrypts identical files to identical blobs, which
# git then stores once, while v2 binds the case id, so every file is a blob of its own.  Real
# case files all differ, so each file here gets a last line naming its path (a YAML comment,
# an HTML comment in Markdown) and both formats store one blob per file
# (CF_BENCH_AS_GENERATED=1 keeps gen.sh's files as they are).
#   clean   `git add cases` into an index without them and an object store without their
#           blobs (so every blob is encrypted, compressed and written each run)
#   smudge  `rm -rf cases; git checkout -- cases` from a packed repository, as a clone has it
# The git commands are the same for both binaries, so the difference between them is the
# filter; the figures are the whole git command divided by the number of files.  Both on tmpfs
# (/dev/shm) and on the disk under TMPDIR: the disk's inode allocation is noisy.  Before and
# after take turns, each first in every other run; best of RUNS (default 3) each.  Beside the
# wall clock (the target), the CPU time of git and the filter together, which other load
# disturbs less.  Then the filter alone, without git: bench/filterdrive.c speaks git's filter
# protocol to `casefile filter-process` with the files in memory (RUNS x RUNS processes of
# each); its per-file figures leave out the start-up and the first request of each kind,
# which are shown apart (once per git command, they are in the git figures).
#
# Unlock: a protected identity (keygen --passphrase-file), then `casefile unlock
# --passphrase-file` and `casefile key export --passphrase-file` in a small repository, for
# both binaries, best of RUNS; `keygen --upgrade` of an up-to-date identity (after only) opens
# the identity and nothing else; bench/pwhash.c times crypto_pwhash itself at INTERACTIVE
# (before) and MODERATE (after).  The limits written in the identity and the export are
# checked against MODERATE.
#
# Exits non-zero when a step fails or a checkout differs from the files; a target not met is
# reported, not an error (this machine's timings vary by tens of percent).
#
# One run (2 cores shared with other work, load average 4-5; ext4 disk; git 2.39; after =
# 19d2491 with others' uncommitted edits), after/before per file:
#   wall clock  clean 0.76 tmpfs, 1.16 disk; smudge 1.36 tmpfs, 1.44 disk;
#               the filter alone: clean 1.09, smudge 1.09
#   CPU time    clean 1.08 tmpfs, 1.06 disk; smudge 0.99 tmpfs, 1.26 disk;
#               the filter alone: clean 1.04, smudge 1.02
# On that machine the wall-clock ratios swung between about 0.6 and 1.7 from run to run, in
# either direction, while CPU time, context switches and page faults of the two checkouts
# stayed equal (measured apart); the disk's CPU time is mostly the kernel's, as noisy.  One
# run does not resolve 10% there.  The CPU figures and perf agree that the
# steady per-file cost is the same within a few percent.  What after adds is, once per git
# command, a first clean of 7-16 ms against 0.2: the member log read and verified, and a
# second git_libgit2_init, which has libgit2 parse the system CA bundle through mbedTLS again
# (about 5 ms; cmd/casefile/filter.c's find_repository shuts libgit2 down and lib/protect.c's
# repo_of starts it anew) -- 4-8 us a file over 2,000 files, but most of a one-file
# `git add`; and v2 blobs 10.5% larger (padding to 256 bytes, the case id) for git to
# deflate, write and read.  Argon2id: crypto_pwhash 149 ms at INTERACTIVE and 895 ms at
# MODERATE (6.0 times); unlock 255 -> 1030 ms, a key export 146 -> 874 ms, opening the
# identity alone 907 ms; each derivation takes 256 MiB.
#
# Usage: sh bench/filter.sh BUILD/casefile [FILES]
#   BASELINE=FILE   the casefile to compare against, instead of building d85752f
#   RUNS=N          runs of each timing (default 3)
#   CF_BENCH_KEEP=1 keep the temporary directories
set -eu
casefile=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
nfiles=${2:-2000}
runs=${RUNS:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$casefile")
before_rev=d85752f
# Outside the source tree: casefile init will not make a repository inside another one.
out=$(mktemp -d "${TMPDIR:-/tmp}/casefile-bench.XXXXXX")
shm=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	shm=$(mktemp -d /dev/shm/casefile-bench.XXXXXX)
fi
[ -n "${CF_BENCH_KEEP:-}" ] || trap 'rm -rf "$out" ${shm:+"$shm"}' EXIT
# A signal (the reader of the output gone, ^C) ends it through the EXIT trap too.
trap 'exit 1' HUP INT PIPE TERM
mkdir -p "$out/home"

# A private git and casefile configuration: nothing of the user's is read or changed.
export HOME="$out/home" GIT_CONFIG_GLOBAL="$out/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
unset CASEFILE_IDENTITY GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
git config --global user.name "casefile bench"
git config --global user.email bench@example.org
git config --global init.defaultBranch main

fail() {
	echo "bench/filter.sh: $*" >&2
	exit 1
}

now_ns() { date +%s%N; }

# timed CMD...: runs CMD (its output to stderr) and prints "WALL_NS CPU_NS": the wall-clock
# time, and the CPU time (user and system) of CMD and of every process it waited for -- git's
# filter process among them.  CPU time is less disturbed than the wall clock by other load on
# the machine, though not free of it (caches, frequency).
timed() {
	python3 -c '
import resource, subprocess, sys, time
t0 = time.monotonic_ns()
rc = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=sys.stderr)
t1 = time.monotonic_ns()
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(t1 - t0, round((u.ru_utime + u.ru_stime) * 1e9))
sys.exit(rc)' "$@"
}

# The smaller of two numbers (either may be empty).
min() {
	if [ -z "$1" ]; then echo "$2"; elif [ -z "$2" ]; then echo "$1"; else
		awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? a : b }'
	fi
}

# The machine's load when this starts (and, in the report, when it ends): other work on the
# machine makes every figure worse, and the wall clock most.
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")

# ---- the two binaries -----------------------------------------------------------------------
if [ -n "${BASELINE:-}" ]; then
	before=$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")
	[ -x "$before" ] || fail "BASELINE=$BASELINE is not an executable"
	before_what="BASELINE=$before"
else
	# The commit's tree, built with the Makefile's default flags; MAKEFLAGS would carry the
	# calling make's variables (BUILD=, SANITIZE=) and jobserver into it.
	mkdir "$out/before-src"
	git -C "$here" archive "$before_rev" | tar -x -C "$out/before-src" ||
		fail "cannot extract $before_rev from $here"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u SANITIZE \
		make -C "$out/before-src" -j"$(nproc)" >"$out/before-build.log" 2>&1 || {
		tail -20 "$out/before-build.log" >&2
		fail "the build of $before_rev failed (log above)"
	}
	before="$out/before-src/build/casefile"
	before_what="$before_rev, built here"
fi
# A copy: the build directory may be rebuilt while this runs (init records the path of the
# binary that ran it as the repository's filter).
mkdir "$out/bin"
cp "$casefile" "$out/bin/casefile" || fail "cannot copy $casefile"
# shellcheck disable=SC2034 # read through eval "bin=\$$label"
after="$out/bin/casefile"
after_what="$casefile, $(git -C "$here" describe --always --dirty 2>/dev/null || echo "?")"

cc=${CC:-cc}
mkdir -p "$build/bench"
$cc -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-o "$build/bench/filterdrive" "$here/bench/filterdrive.c" || fail "cannot build filterdrive"
# shellcheck disable=SC2046
$cc -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(pkg-config --cflags libsodium) \
	-o "$build/bench/pwhash" "$here/bench/pwhash.c" $(pkg-config --libs libsodium) ||
	fail "cannot build pwhash"

# Does BIN's COMMAND take OPTION?  (The old casefile and the new one differ in a few.)
takes() {
	"$1" "$2" --help 2>/dev/null | grep -q -e "$3"
}

# ---- the files: cases generated from example-repo/, cut to exactly $nfiles files -------------
ncases=$((nfiles / 5 + 8))
sh "$here/bench/gen.sh" "$out/src" "$ncases" >/dev/null
(cd "$out/src" && find cases -type f | LC_ALL=C sort | tail -n +"$((nfiles + 1))" |
	while IFS= read -r f; do rm -f "$f"; done && find cases -type d -empty -delete)
if [ -z "${CF_BENCH_AS_GENERATED:-}" ]; then
	(cd "$out/src" && find cases -type f | while IFS= read -r f; do
		case $f in
		*.md) printf '\n<!-- bench file %s -->\n' "$f" >>"$f" ;;
		*) printf '# bench file %s\n' "$f" >>"$f" ;;
		esac
	done)
fi
have=$(cd "$out/src" && find cases -type f | wc -l)
bytes=$(cd "$out/src" && find cases -type f -exec cat {} + | wc -c)
distinct=$(cd "$out/src" && find cases -type f -exec sha1sum {} + | awk '{ print $1 }' |
	sort -u | wc -l)
[ "$have" -eq "$nfiles" ] || fail "generated $have files, wanted $nfiles"

# ---- a repository for each binary on each file system ---------------------------------------
# setup DIR BIN: DIR made by BIN's init with its own identity; the set-up commit packed, the
# case files untracked.
setup() {
	dir=$1
	bin=$2
	export CASEFILE_IDENTITY="$dir.identity"
	nopass=
	takes "$bin" keygen --no-passphrase && nopass=--no-passphrase
	"$bin" keygen $nopass >"$dir.keygen.log" 2>&1 || {
		cat "$dir.keygen.log" >&2
		fail "$bin keygen failed"
	}
	mkdir "$dir"
	cp -r "$out/src/.casefile" "$out/src/cases" "$dir/"
	"$bin" -C "$dir" init --member bench >"$dir.init.log" 2>&1 || {
		cat "$dir.init.log" >&2
		fail "$bin init failed"
	}
	[ -z "$(git -C "$dir" ls-files cases)" ] || fail "$bin init staged case files"
	[ "$(git -C "$dir" config filter.casefile.process)" = "$bin filter-process" ] ||
		fail "$dir: the filter is not $bin"
	git -C "$dir" commit -q --no-verify -m "set up by casefile init"
	git -C "$dir" repack -a -d -q
	git -C "$dir" prune-packed
}

# time_clean DIR: git add of every case file into an index and object store without them.
time_clean() {
	rm -rf "$1"/.git/objects/[0-9a-f][0-9a-f]
	git -C "$1" read-tree HEAD
	timed git -C "$1" add cases || fail "git add through the filter failed in $1"
}

# time_smudge DIR: a fresh checkout of every case file.
time_smudge() {
	rm -rf "$1/cases"
	timed git -C "$1" checkout -q -- cases || fail "the checkout in $1 failed"
}

# keep_best WHAT LABEL "WALL_NS CPU_NS": the best wall and the best CPU time so far.
keep_best() {
	# shellcheck disable=SC2086 # the two numbers, split
	set -- "$1" "$2" $3
	put "$1-wall" "$2" "$(min "$(get "$1-wall" "$2")" "$3")"
	put "$1-cpu" "$2" "$(min "$(get "$1-cpu" "$2")" "$4")"
}

# The first blob under cases/ in DIR's index starts with \0CFCRYPT and the version byte.
blob_version() {
	f=$(git -C "$1" ls-files cases | head -1)
	git -C "$1" cat-file -p ":$f" | head -c 9 | od -An -tu1 | awk '{ print $NF }'
}

us_per_file() { awk -v ns="$1" -v n="$nfiles" 'BEGIN { printf "%.1f", ns / 1000 / n }'; }

fss="disk"
[ -n "$shm" ] && fss="tmpfs disk"
for fs in $fss; do
	root=$out
	[ "$fs" = tmpfs ] && root=$shm
	for label in before after; do
		eval "bin=\$$label"
		setup "$root/$label" "$bin"
	done
done

# The order of the two in run I: before first, then after first, and so on.
order() { if [ $(($1 % 2)) = 0 ]; then echo before after; else echo after before; fi; }

# Results go into files, one value each: $out/res.WHAT.LABEL.
put() { echo "$3" >"$out/res.$1.$2"; }
get() { cat "$out/res.$1.$2" 2>/dev/null || true; }

for fs in $fss; do
	root=$out
	[ "$fs" = tmpfs ] && root=$shm
	i=0
	while [ $i -lt "$runs" ]; do
		for label in $(order $i); do
			t=$(CASEFILE_IDENTITY="$root/$label.identity" time_clean "$root/$label")
			keep_best "clean-$fs" "$label" "$t"
		done
		i=$((i + 1))
	done
	for label in before after; do
		d="$root/$label"
		v=$(blob_version "$d")
		[ "$label" = before ] && [ "$v" != 1 ] && fail "before: the blobs are not format v1 ($v)"
		[ "$label" = after ] && [ "$v" != 2 ] && fail "after: the blobs are not format v2 ($v)"
		put "blobs-$fs" "$label" "$(git -C "$d" count-objects -v | awk '/^count:/ { print $2 }')"
		git -C "$d" commit -q --no-verify -m "$nfiles case files"
		git -C "$d" repack -a -d -q
		git -C "$d" prune-packed
	done
	i=0
	while [ $i -lt "$runs" ]; do
		for label in $(order $i); do
			t=$(CASEFILE_IDENTITY="$root/$label.identity" time_smudge "$root/$label")
			keep_best "smudge-$fs" "$label" "$t"
		done
		i=$((i + 1))
	done
	for label in before after; do
		diff -r "$out/src/cases" "$root/$label/cases" >"$out/diff.log" 2>&1 ||
			fail "$label: the checkout on $fs differs from the files (see $out/diff.log)"
		[ -z "$(git -C "$root/$label" status --porcelain)" ] ||
			fail "$label: the working tree on $fs is not clean after the checkout"
	done
done

# ---- the filter alone -------------------------------------------------------------------------
fsd=${shm:-$out}
for label in before after; do
	git -C "$fsd/$label" ls-files cases >"$out/paths.$label"
done
# A process of each in turn, RUNS x RUNS times: these runs are short, and their wall clock
# jumps between two levels with where the scheduler puts the two ends of the pipe.
i=0
while [ $i -lt $((runs * runs)) ]; do
	for label in $(order $i); do
		eval "bin=\$$label"
		r=$(cd "$fsd/$label" && CASEFILE_IDENTITY="$fsd/$label.identity" \
			"$build/bench/filterdrive" 1 "$bin" filter-process <"$out/paths.$label") ||
			fail "$label: the filter alone failed"
		for kv in $r; do
			k=${kv%%=*}
			v=${kv#*=}
			case $k in
			*_bytes) put "f-$k" "$label" "$v" ;;
			*) put "f-$k" "$label" "$(min "$(get "f-$k" "$label")" "$v")" ;;
			esac
		done
	done
	i=$((i + 1))
done

# ---- unlock: a passphrase-protected identity ------------------------------------------------
echo "correct horse battery staple" >"$out/passphrase"
chmod 600 "$out/passphrase"
for label in before after; do
	eval "bin=\$$label"
	d="$out/unlock-$label"
	export CASEFILE_IDENTITY="$d.identity"
	"$bin" keygen --passphrase-file "$out/passphrase" >"$d.keygen.log" 2>&1 || {
		cat "$d.keygen.log" >&2
		fail "$label: keygen --passphrase-file failed"
	}
	put ops "$label" "$(awk '$1 == "opslimit" { print $2 }' "$d.identity")"
	put mem "$label" "$(awk '$1 == "memlimit" { print $2 / 1048576 }' "$d.identity")"
	sh "$here/bench/gen.sh" "$d" 5 >/dev/null
	pf=
	takes "$bin" init --passphrase-file && pf="--passphrase-file $out/passphrase"
	# shellcheck disable=SC2086
	"$bin" -C "$d" init --member bench $pf >"$d.init.log" 2>&1 || {
		cat "$d.init.log" >&2
		fail "$label: init with a protected identity failed"
	}
	git -C "$d" add cases || fail "$label: git add in the unlock repository failed"
	git -C "$d" commit -q --no-verify -m "5 cases"
	put unfiles "$label" "$(git -C "$d" ls-files cases | wc -l)"
	i=0
	while [ $i -lt "$runs" ]; do
		t0=$(now_ns)
		(cd "$d" && "$bin" unlock --passphrase-file "$out/passphrase") >"$d.unlock.log" 2>&1 || {
			cat "$d.unlock.log" >&2
			fail "$label: unlock --passphrase-file failed"
		}
		t1=$(now_ns)
		put unlock "$label" "$(min "$(get unlock "$label")" $(((t1 - t0) / 1000000)))"
		# A key export: the other offline file, a derivation per key (one key here).
		rm -f "$d.export"
		t0=$(now_ns)
		(cd "$d" && "$bin" key export --passphrase-file "$out/passphrase" -o "$d.export") \
			>"$d.export.log" 2>&1 || {
			cat "$d.export.log" >&2
			fail "$label: key export --passphrase-file failed"
		}
		t1=$(now_ns)
		put export "$label" "$(min "$(get export "$label")" $(((t1 - t0) / 1000000)))"
		if [ "$label" = after ] && takes "$bin" keygen --upgrade; then
			t0=$(now_ns)
			"$bin" keygen --upgrade --passphrase-file "$out/passphrase" >"$d.open.log" 2>&1 ||
				{
					cat "$d.open.log" >&2
					fail "after: keygen --upgrade (opening the identity) failed"
				}
			t1=$(now_ns)
			put open "$label" "$(min "$(get open "$label")" $(((t1 - t0) / 1000000)))"
		fi
		i=$((i + 1))
	done
done
unset CASEFILE_IDENTITY
"$build/bench/pwhash" "$runs" >"$out/pwhash.txt" || fail "pwhash failed"

# ---- the report ----------------------------------------------------------------------------
echo "filter cost per file: $nfiles case files ($((bytes / 1024)) KiB, $distinct distinct)," \
	"$(nproc) cores, $(git --version); best of $runs, before and after in turn;" \
	"load average $load0 at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")" \
	"at the end"
echo "  before: $before_what (blob format v1, $(get f-blob_bytes before) blob bytes)"
echo "  after:  $after_what (blob format v2, $(get f-blob_bytes after) blob bytes)"
[ -n "$shm" ] || echo "  note: /dev/shm is not writable here; the tmpfs leg is skipped"
printf '  %-30s %26s   %26s\n' "" "wall clock per file (target)" "CPU per file (git + filter)"
printf '  %-30s %8s %8s %8s   %8s %8s %8s\n' "" before after ratio before after ratio
over=
# ratio AFTER BEFORE: after/before to 3 places, and " ok" or " OVER" against 1.10.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a < 0 || b <= 0) { printf "%8s %-4s", "-", ""; exit }
		r = a / b; printf "%8.3f %-4s", r, (r <= 1.10 ? "ok" : "OVER") }'
}
# row TITLE WALL_BEFORE WALL_AFTER CPU_BEFORE CPU_AFTER (microseconds per file)
row() {
	rw=$(ratio "$3" "$2")
	rc=$(ratio "$5" "$4")
	case "$rw$rc" in *OVER*) over="$over${over:+, }$1" ;; esac
	printf '  %-30s %8.1f %8.1f %s %8.1f %8.1f %s\n' "$1" "$2" "$3" "$rw" "$4" "$5" "$rc"
}
per() { awk -v ns="$(get "$1" "$2")" -v n="$nfiles" 'BEGIN { printf "%.2f", ns / 1000 / n }'; }
for fs in $fss; do
	for op in clean smudge; do
		row "$op, git $([ $op = clean ] && echo add || echo checkout), $fs" \
			"$(per "$op-$fs-wall" before)" "$(per "$op-$fs-wall" after)" \
			"$(per "$op-$fs-cpu" before)" "$(per "$op-$fs-cpu" after)"
	done
done
for op in clean smudge; do
	row "$op, the filter alone" "$(get "f-${op}_us" before)" "$(get "f-${op}_us" after)" \
		"$(get "f-${op}_cpu_us" before)" "$(get "f-${op}_cpu_us" after)"
done
echo "  once per git command, in ms (in the git figures above, not in 'the filter alone'):"
printf '    %-48s %8.1f %8.1f\n' "filter start-up, to the end of the handshake" \
	"$(get f-start_ms before)" "$(get f-start_ms after)"
printf '    %-48s %8.1f %8.1f\n' "first clean (the member log read and verified)" \
	"$(get f-clean_first_ms before)" "$(get f-clean_first_ms after)"
for fs in $fss; do
	nb=$(get "blobs-$fs" before)
	na=$(get "blobs-$fs" after)
	[ "$nb" = "$na" ] ||
		echo "  note: on $fs git wrote $nb loose objects before and $na after: not the same work"
done
if [ -z "$over" ]; then
	echo "Note: clean and smudge after are within 10% of before per file (target: no more" \
		"than 10% slower, met)."
else
	echo "Note: more than 10% slower per file after than before: $over (target: no more" \
		"than 10% slower, NOT MET on those lines; see the header of bench/filter.sh)."
fi

echo "unlock with a passphrase-protected identity (best of $runs; Argon2id13):"
for label in before after; do
	printf '  %-6s opslimit %s, memlimit %4s MiB: unlock (%s files) %5s ms\n' "$label" \
		"$(get ops "$label")" "$(get mem "$label")" "$(get unfiles "$label")" \
		"$(get unlock "$label")"
done
for label in before after; do
	printf '  %-6s key export, %s key (opslimit %s, memlimit %4s MiB)       %5s ms\n' "$label" \
		"$(grep -c '^opslimit' "$out/unlock-$label.export")" \
		"$(awk '$1 == "opslimit" { print $2; exit }' "$out/unlock-$label.export")" \
		"$(awk '$1 == "memlimit" { print $2 / 1048576; exit }' "$out/unlock-$label.export")" \
		"$(get export "$label")"
done
[ -n "$(get open after)" ] &&
	printf '  after: opening the identity alone (keygen --upgrade, nothing to add) %s ms\n' \
		"$(get open after)"
awk '{ printf "  crypto_pwhash alone at %-11s (opslimit %s, memlimit %3s MiB) %7.1f ms\n",
	$1, $2, $3, $4 }' \
	"$out/pwhash.txt"
# Every opslimit and memlimit of the identity and the export made after: MODERATE or more.
weak=$(awk '$1 == "opslimit" && $2 < 3 { print FILENAME ": opslimit " $2 }
	$1 == "memlimit" && $2 < 268435456 { print FILENAME ": memlimit " $2 }' \
	"$out/unlock-after.identity" "$out/unlock-after.export" | sed "s|$out/||")
if [ -z "$weak" ]; then
	echo "Note: the identity and the key export are at Argon2id MODERATE or stronger (target met)."
else
	echo "Note: below Argon2id MODERATE: $weak (target: MODERATE or stronger, NOT MET)."
fi
[ -z "${CF_BENCH_KEEP:-}" ] || echo "kept: $out${shm:+ and $shm}"
