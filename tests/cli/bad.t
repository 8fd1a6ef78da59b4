#!/bin/sh
# casefile check on the corpus of broken inputs in tests/data/bad: each one is put into a fresh
# copy of the clean fixture repository tests/data/repo, and the test asserts the exact stdout
# and exit status of NAME.expect, then that casefile neither crashed nor wrote to stderr (a
# signal is status 128+; a sanitizer reports on stderr).  tests/data/bad/MANIFEST says where
# each input goes, and which entries are known bugs (reported as TODO until fixed).

CF_SRCDIR=${CF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CASEFILE=${CASEFILE:-/work/main/build/casefile}
CASEFILE_TODAY=2026-01-12 # deadlines must not depend on the day the tests run
export CASEFILE_TODAY
BAD=$CF_SRCDIR/tests/data/bad
REPO=$CF_SRCDIR/tests/data/repo
MANIFEST=$BAD/MANIFEST

if [ ! -x "$CASEFILE" ] || [ ! -f "$MANIFEST" ] || [ ! -d "$REPO/cases" ]; then
	echo "Bail out! no casefile binary at $CASEFILE, or no corpus under $CF_SRCDIR/tests/data"
	exit 1
fi

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
# Resolved, so that paths casefile prints match ours even if TMPDIR is a symbolic link.
work=$(cd "$work" && pwd -P) || exit 1

# The MANIFEST without comments and blank lines: NAME TARGET [TODO reason ...].
entries() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MANIFEST"
}

n=0
plan=$(($(entries | wc -l) * 2 + 2))
echo "1..$plan"

# ok_if COND DESC [TODO]: prints one TAP line; COND is 0 for a pass.
ok_if() {
	n=$((n + 1))
	directive=
	[ -n "$3" ] && directive=" # TODO $3"
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2$directive"
	else
		echo "not ok $n - $2$directive"
	fi
}

# fresh NAME: a new copy of the clean repository, in $tmp.
fresh() {
	tmp=$work/$1
	mkdir -p "$tmp" && cp -R "$REPO/." "$tmp"
}

# run ARGS...: casefile -C $tmp ARGS, its stdout in $tmp.out, stderr in $tmp.err, status in $rc.
run() {
	"$CASEFILE" -C "$tmp" "$@" >"$tmp.out" 2>"$tmp.err"
	rc=$?
}

# expect NAME TODO: the two tests of one corpus entry, on what run left behind.
expect() {
	name=$1 todo=$2
	exp=$BAD/$name.expect
	want_rc=$(sed -n '1s/^exit //p' "$exp")
	tail -n +2 "$exp" >"$tmp.want"
	same=1
	[ "$rc" = "$want_rc" ] && cmp -s "$tmp.want" "$tmp.out" && same=0
	ok_if $same "$name: exit $want_rc and the expected diagnostics" "$todo"
	if [ $same -ne 0 ]; then
		echo "#   exit $rc, want $want_rc"
		diff -u "$tmp.want" "$tmp.out" | sed -e '1,2d' -e 's/^/#   /'
	fi

	# A crash (a signal, or a sanitizer's report) is never excused by a TODO.
	sane=1
	case $rc in 1 | 2) [ -s "$tmp.err" ] || sane=0 ;; esac
	crash_todo=
	[ "$rc" = 0 ] && [ ! -s "$tmp.err" ] && crash_todo=$todo
	ok_if $sane "$name: exits 1 or 2, no crash, nothing on stderr" "$crash_todo"
	if [ $sane -ne 0 ]; then
		echo "#   exit $rc"
		sed 's/^/#   stderr: /' "$tmp.err" | head -n 40
	fi
}

# The fixture itself is clean, so every diagnostic below comes from the broken input.
fresh clean
run check
out=1
[ "$rc" = 0 ] && [ ! -s "$tmp.out" ] && [ ! -s "$tmp.err" ] && out=0
ok_if $out "the clean fixture repository passes with no output"
[ $out -eq 0 ] || sed 's/^/#   /' "$tmp.out" "$tmp.err"

entries >"$work/entries"
while read -r name target todo; do
	stem=${name%.*}
	fresh "$stem"
	case $target in
	generated)
		case $name in
		too-large)
			# Valid YAML (comments), just far too big: 5 MiB exactly.
			yes '# a line of padding that makes the file far larger than any case file' |
				head -c 5242880 >"$tmp/cases/2026-001/family.yaml"
			;;
		symlink-outside)
			# A well-formed family.yaml, so only the link itself can be the problem.
			mkdir -p "$work/outside-$stem"
			mv "$tmp/cases/2026-001/family.yaml" "$work/outside-$stem/family.yaml"
			ln -s "$work/outside-$stem/family.yaml" "$tmp/cases/2026-001/family.yaml"
			;;
		directory-id)
			cp -R "$tmp/cases/2026-001" "$tmp/cases/2026-999"
			;;
		case-dir-symlink)
			# A clean case, so that a check that follows the link finds nothing wrong.
			mkdir -p "$work/outside-$stem"
			cp -R "$tmp/cases/2026-001" "$work/outside-$stem/2026-002"
			sed 's/^id: 2026-001$/id: 2026-002/' "$tmp/cases/2026-001/case.yaml" \
				>"$work/outside-$stem/2026-002/case.yaml"
			ln -s "$work/outside-$stem/2026-002" "$tmp/cases/2026-002"
			;;
		*)
			echo "# MANIFEST: no way to generate '$name'"
			;;
		esac
		;;
	*)
		mkdir -p "$(dirname "$tmp/cases/2026-001/$target")"
		cp "$BAD/$name" "$tmp/cases/2026-001/$target"
		;;
	esac
	run check
	expect "$stem" "$todo"
done <"$work/entries"

# Named on the command line, a case directory that is a link is not read through either.
fresh named-link
mkdir -p "$work/outside-named-link"
cp -R "$tmp/cases/2026-001" "$work/outside-named-link/2026-002"
sed 's/^id: 2026-001$/id: 2026-002/' "$tmp/cases/2026-001/case.yaml" \
	>"$work/outside-named-link/2026-002/case.yaml"
ln -s "$work/outside-named-link/2026-002" "$tmp/cases/2026-002"
run check 2026-002
res=1
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] && grep -q '^cases/2026-002: error\[source/symlink\]' "$tmp.out" &&
	res=0
ok_if $res "check 2026-002, a link to a case outside the repository: source/symlink, not read"
[ $res -eq 0 ] || { echo "#   exit $rc"; sed 's/^/#   /' "$tmp.out" "$tmp.err"; }
