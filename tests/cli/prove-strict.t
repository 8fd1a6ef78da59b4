#!/bin/sh
# tools/prove-strict, which `make check` runs the suite with: a file that skips itself, a test
# skipped for any reason but an absent optional tool, and a run of no test fail the run, as a
# failing test does; a skip naming an optional tool that really is absent does not.
. "$(dirname "$0")/lib.sh"
need_tool perl
strict=$CF_SRCDIR/tools/prove-strict
echo "1..6"

# tap NAME LINE...: a test file that prints the lines.
tap() {
	f=$tmp/$1.t
	shift
	printf '#!/bin/sh\n' >"$f"
	for line in "$@"; do printf "echo '%s'\n" "$line" >>"$f"; done
}
strict() { (cd "$tmp" && perl "$strict" "$@") >"$out" 2>"$err"; rc=$?; }

tap pass "1..1" "ok 1 - fine"
strict pass.t
check_run "$([ "$rc" = 0 ] && echo 0 || echo 1)" "a passing file: exit 0"

tap fail "1..1" "not ok 1 - broken"
strict pass.t fail.t
check_run "$([ "$rc" = 1 ] && echo 0 || echo 1)" "a failing test: exit 1"

tap skipall "1..0 # SKIP no casefile binary"
strict pass.t skipall.t
check_run "$([ "$rc" = 1 ] && grep -q "skipall.t: the whole file skipped: no casefile binary" "$err" && echo 0 || echo 1)" \
	"a file that skips itself: exit 1, named"

tap skipone "1..2" "ok 1 - a" "ok 2 - b # SKIP not written yet"
strict skipone.t
check_run "$([ "$rc" = 1 ] && grep -q "skipone.t: test 2 skipped: not written yet" "$err" && echo 0 || echo 1)" \
	"a test skipped for another reason than an absent tool: exit 1, named"

tap optional "1..2" "ok 1 - a" "ok 2 - b # SKIP optional tool cf-no-such-tool-here is not installed"
strict optional.t
check_run "$([ "$rc" = 0 ] && echo 0 || echo 1)" "a test skipped because an optional tool is absent: exit 0"

tap present "1..1" "ok 1 - a # SKIP optional tool sh is not installed"
strict present.t
check_run "$([ "$rc" = 1 ] && grep -q "present.t: test 1 skipped" "$err" && echo 0 || echo 1)" \
	"a skip that names an optional tool that is installed: exit 1"
