# Shared by the command-line tests: source it first (. "$(dirname "$0")/lib.sh").
#
# Sets CASEFILE (the program under test) and CF_SRCDIR (the source tree) unless the caller
# did, makes $tmp (removed on exit), and gives the TAP helpers:
#   ok DESC, nok DESC        one test line
#   check STATUS DESC        ok when STATUS is 0; returns STATUS
#   show FILE                FILE as TAP comments
#   need CMD...              bails out (a failure, never a skip) unless the program exists,
#                            the example repository is there, git is installed and every
#                            `casefile CMD --help` succeeds
#   need_tool TOOL...        bails out unless every TOOL is installed
#   need_forge               bails out unless the test tools of tests/tools are built
#   bail WHY                 "Bail out! WHY" and exit 1: prove counts the file as failed
#   sandbox                  a private HOME, git configuration and member identity, so no
#                            test reads or changes the user's
#   run ARGS...              casefile ARGS: its stdout in $out, its stderr in $err, its status
#                            in $rc (the files are $tmp/out and $tmp/err)
#   check_run STATUS DESC    check (returns STATUS), and when it fails shows the last run: $rc
#                            and the first 20 lines of $out and $err
#   expect_run DESC RC OUT ERR
#                            ok when the last run's status, stdout and stderr are exactly RC, OUT
#                            and ERR (each without its final newline); when not, shows what differs
#   no_object_holds DIR TEXT...
#                            0 when no object of the git repository at DIR holds any TEXT; 1
#                            when one does, and when the objects cannot be read at all (so a
#                            git that fails never passes for "nothing leaked")
CASEFILE=${CASEFILE:-$(cd "$(dirname "$0")/../.." && pwd)/build/casefile}
# The test tools (tests/tools: an attacker's forger of member log entries and blobs), built
# beside the program by `make check`.
CF_TOOLS=${CF_TOOLS:-$(dirname "$CASEFILE")/tests/tools}
CF_SRCDIR=${CF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap '[ -n "${CF_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
tmp=$(cd "$tmp" && pwd -P) || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {
	if [ "$1" = 0 ]; then ok "$2"; else nok "$2"; fi
	return "$1"
}
show() { sed 's/^/# /' "$1"; }

out=$tmp/out err=$tmp/err
run() {
	"$CASEFILE" "$@" >"$out" 2>"$err"
	rc=$?
}
check_run() {
	check "$1" "$2" && return 0
	echo "#   status $rc"
	[ -f "$out" ] && sed 's/^/#   out: /' "$out" | head -n 20
	[ -f "$err" ] && sed 's/^/#   err: /' "$err" | head -n 20
	return "$1"
}
expect_run() {
	got_out=$(cat "$out")
	got_err=$(cat "$err")
	if [ "$rc" = "$2" ] && [ "$got_out" = "$3" ] && [ "$got_err" = "$4" ]; then
		ok "$1"
		return 0
	fi
	nok "$1"
	echo "#   status $rc, want $2"
	[ "$got_out" = "$3" ] || {
		printf '%s\n' "$got_out" | sed 's/^/#   out:  /'
		printf '%s\n' "$3" | sed 's/^/#   want: /'
	}
	[ "$got_err" = "$4" ] || {
		printf '%s\n' "$got_err" | sed 's/^/#   err:  /'
		printf '%s\n' "$4" | sed 's/^/#   want: /'
	}
	return 1
}

no_object_holds() {
	dir=$1
	shift
	git -C "$dir" cat-file --batch-all-objects --batch >"$tmp/objects" 2>/dev/null &&
		[ -s "$tmp/objects" ] || return 1
	for text in "$@"; do
		grep -aqF -e "$text" "$tmp/objects" && return 1
	done
	return 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

need() {
	[ -x "$CASEFILE" ] || bail "no casefile binary at $CASEFILE (run make)"
	[ -d "$CF_SRCDIR/example-repo/cases" ] || bail "no example repository at $CF_SRCDIR/example-repo"
	command -v git >/dev/null 2>&1 || bail "git is not installed (make deps installs it)"
	for c in "$@"; do
		"$CASEFILE" "$c" --help >/dev/null 2>&1 || bail "casefile $c --help fails: the command is missing or broken"
	done
}

need_forge() {
	for t in forge seal-blob; do
		[ -x "$CF_TOOLS/$t" ] || bail "no test tool $CF_TOOLS/$t (make check builds it)"
	done
}

need_tool() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || bail "$t is not installed (make deps installs it)"
	done
}

sandbox() {
	export HOME="$tmp/home" GIT_CONFIG_GLOBAL="$tmp/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
	export CASEFILE_IDENTITY="$tmp/home/identity" CASEFILE_TODAY=2026-11-24 NO_COLOR=1
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE CASEFILE_DATADIR
	mkdir -p "$HOME"
	git config --global user.name "Test Member"
	git config --global user.email test@example.org
	git config --global init.defaultBranch main
}
