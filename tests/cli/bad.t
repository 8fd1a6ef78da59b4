#!/bin/sh
# casefile check on the corpus of broken inputs in tests/data/bad: each one is put into a fresh
# copy of the clean fixture repository tests/data/repo, and the test asserts the exact stdout
# and exit status of NAME.expect, then that casefile neither crashed nor wrote to stderr (a
# signal is status 128+; a sanitizer reports on stderr).  tests/data/bad/MANIFEST says where
# each input goes, and which entries are known bugs (reported as TODO until fixed).

. "$(dirname "$0")/lib.sh"
need check explain
CASEFILE_TODAY=2026-01-12 # deadlines must not depend on the day the tests run
export CASEFILE_TODAY
BAD=$CF_SRCDIR/tests/data/bad
REPO=$CF_SRCDIR/tests/data/repo
MANIFEST=$BAD/MANIFEST

if [ ! -x "$CASEFILE" ] || [ ! -f "$MANIFEST" ] || [ ! -d "$REPO/cases" ]; then
	echo "Bail out! no casefile binary at $CASEFILE, or no corpus under $CF_SRCDIR/tests/data"
	exit 1
fi

# The MANIFEST without comments and blank lines: NAME TARGET [TODO reason ...].
entries() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MANIFEST"
}

# Two tests an entry, the clean fixture, the named link, the three runs at the publication
# stage and the explanation of yaml/alias at the end.
plan=$(($(entries | wc -l) * 2 + 6))
echo "1..$plan"

# check_todo STATUS DESC [REASON]: check; with a REASON, the line is marked "# TODO REASON" (a
# known bug).
check_todo() {
	if [ -z "$3" ]; then
		check "$1" "$2"
	elif [ "$1" = 0 ]; then
		ok "$2 # TODO $3"
	else
		nok "$2 # TODO $3"
	fi
}

# fresh NAME: a new copy of the clean repository, in $repo.
fresh() {
	repo=$tmp/$1
	mkdir -p "$repo" && cp -R "$REPO/." "$repo"
}

# expect NAME TODO: the two tests of one corpus entry, on what run left behind.
expect() {
	name=$1 todo=$2
	exp=$BAD/$name.expect
	want_rc=$(sed -n '1s/^exit //p' "$exp")
	tail -n +2 "$exp" >"$repo.want"
	same=1
	[ "$rc" = "$want_rc" ] && cmp -s "$repo.want" "$out" && same=0
	check_todo $same "$name: exit $want_rc and the expected diagnostics" "$todo"
	if [ $same -ne 0 ]; then
		echo "#   exit $rc, want $want_rc"
		diff -u "$repo.want" "$out" | sed -e '1,2d' -e 's/^/#   /'
	fi

	# A crash (a signal, or a sanitizer's report) is never excused by a TODO.
	sane=1
	case $rc in 1 | 2) [ -s "$err" ] || sane=0 ;; esac
	crash_todo=
	[ "$rc" = 0 ] && [ ! -s "$err" ] && crash_todo=$todo
	check_todo $sane "$name: exits 1 or 2, no crash, nothing on stderr" "$crash_todo"
	if [ $sane -ne 0 ]; then
		echo "#   exit $rc"
		sed 's/^/#   stderr: /' "$err" | head -n 40
	fi
}

# The fixture itself is clean, so every diagnostic below comes from the broken input.
fresh clean
run -C "$repo" check
res=1
[ "$rc" = 0 ] && [ ! -s "$out" ] && [ ! -s "$err" ] && res=0
check $res "the clean fixture repository passes with no output"
[ $res -eq 0 ] || sed 's/^/#   /' "$out" "$err"

entries >"$tmp/entries"
while read -r name target todo; do
	stem=${name%.*}
	fresh "$stem"
	case $target in
	generated)
		case $name in
		too-large)
			# Valid YAML (comments), just far too big: 5 MiB exactly.
			yes '# a line of padding that makes the file far larger than any case file' |
				head -c 5242880 >"$repo/cases/2026-001/family.yaml"
			;;
		symlink-outside)
			# A well-formed family.yaml, so only the link itself can be the problem.
			mkdir -p "$tmp/outside-$stem"
			mv "$repo/cases/2026-001/family.yaml" "$tmp/outside-$stem/family.yaml"
			ln -s "$tmp/outside-$stem/family.yaml" "$repo/cases/2026-001/family.yaml"
			;;
		directory-id)
			cp -R "$repo/cases/2026-001" "$repo/cases/2026-999"
			;;
		case-dir-symlink)
			# A clean case, so that a check that follows the link finds nothing wrong.
			mkdir -p "$tmp/outside-$stem"
			cp -R "$repo/cases/2026-001" "$tmp/outside-$stem/2026-002"
			sed 's/^id: 2026-001$/id: 2026-002/' "$repo/cases/2026-001/case.yaml" \
				>"$tmp/outside-$stem/2026-002/case.yaml"
			ln -s "$tmp/outside-$stem/2026-002" "$repo/cases/2026-002"
			;;
		*)
			echo "# MANIFEST: no way to generate '$name'"
			;;
		esac
		;;
	*)
		mkdir -p "$(dirname "$repo/cases/2026-001/$target")"
		cp "$BAD/$name" "$repo/cases/2026-001/$target"
		;;
	esac
	run -C "$repo" check
	expect "$stem" "$todo"
done <"$tmp/entries"

# Named on the command line, a case directory that is a link is not read through either.
fresh named-link
mkdir -p "$tmp/outside-named-link"
cp -R "$repo/cases/2026-001" "$tmp/outside-named-link/2026-002"
sed 's/^id: 2026-001$/id: 2026-002/' "$repo/cases/2026-001/case.yaml" \
	>"$tmp/outside-named-link/2026-002/case.yaml"
ln -s "$tmp/outside-named-link/2026-002" "$repo/cases/2026-002"
run -C "$repo" check 2026-002
res=1
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] && grep -q '^cases/2026-002: error\[source/symlink\]' "$out" &&
	res=0
check $res "check 2026-002, a link to a case outside the repository: source/symlink, not read"
[ $res -eq 0 ] || { echo "#   exit $rc"; sed 's/^/#   /' "$out" "$err"; }

# The rules of the publication stage read every value of report.md's front matter: an alias
# into its own anchor there made check, status and ready recurse until they crashed (issue 12,
# F1).  The same corpus input, in the fixture's case moved to the publication stage: the
# alias is reported where it stands, and no command crashes or writes to stderr.
fresh publication
sed 's/^stage: rapid-review$/stage: publication/' "$REPO/cases/2026-001/case.yaml" \
	>"$repo/cases/2026-001/case.yaml"
cp "$BAD/alias-self-front-matter.md" "$repo/cases/2026-001/report.md"
alias_line="cases/2026-001/report.md:5:16: error[yaml/alias]: '*r' is inside the value anchored '&r' (line 5), so it would contain itself"
for cmd in check status ready; do
	case $cmd in
	check) run -C "$repo" check ;;
	status) run -C "$repo" status ;;
	ready) run -C "$repo" ready 2026-001 ;;
	esac
	res=1
	case $cmd in
	check) [ "$rc" = 1 ] && grep -qxF "$alias_line" "$out" && res=0 ;;
	status) [ "$rc" = 0 ] && grep -q '^2026-001  Child A .* publication ' "$out" && res=0 ;;
	ready) [ "$rc" = 1 ] && grep -q 'report.md could not be read' "$out" && res=0 ;;
	esac
	[ -s "$err" ] && res=1
	check $res "alias-self-front-matter.md at the publication stage: $cmd reports, no crash, nothing on stderr"
	[ $res -eq 0 ] || { echo "#   exit $rc"; sed 's/^/#   /' "$out" "$err" | head -n 40; }
done

# The rule those inputs report is explained like every other.
run explain yaml/alias
res=1
[ "$rc" = 0 ] && [ ! -s "$err" ] &&
	[ "$(head -n 1 "$out")" = "yaml/alias: an alias inside the value it repeats" ] &&
	grep -q '§7.1 "Alias' "$out" && res=0
check $res "explain yaml/alias: what it checks, and the YAML spec's section on alias nodes"
[ $res -eq 0 ] || { echo "#   exit $rc"; sed 's/^/#   /' "$out" "$err" | head -n 20; }
