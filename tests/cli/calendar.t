#!/bin/sh
# casefile holidays and casefile workdays, run outside any case repository so that the
# installed (or source) England and Wales calendar is the one in use.
: "${CASEFILE:?set CASEFILE to the casefile binary (make check does)}"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
failed=0
echo "1..20"

# check NAME WANT_STATUS WANT_STDOUT WANT_STDERR -- ARGS...: runs casefile and compares all three.
check() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	n=$((n + 1))
	"$CASEFILE" "$@" >out 2>err
	rc=$?
	got_out=$(cat out)
	got_err=$(cat err)
	if [ "$rc" = "$want_rc" ] && [ "$got_out" = "$want_out" ] && [ "$got_err" = "$want_err" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		echo "#   casefile $*"
		echo "#   status $rc, want $want_rc"
		printf '%s\n' "$got_out" | sed 's/^/#   out:  /'
		printf '%s\n' "$want_out" | sed 's/^/#   want: /'
		printf '%s\n' "$got_err" | sed 's/^/#   err:  /'
		printf '%s\n' "$want_err" | sed 's/^/#   want: /'
	fi
}

check "holidays 2022: the Platinum Jubilee and the State Funeral" 0 "2022-01-03  New Year's Day (substitute day)
2022-04-15  Good Friday
2022-04-18  Easter Monday
2022-05-02  Early May bank holiday
2022-06-02  Spring bank holiday
2022-06-03  Platinum Jubilee bank holiday
2022-08-29  Summer bank holiday
2022-09-19  Bank Holiday for the State Funeral of Queen Elizabeth II
2022-12-26  Boxing Day
2022-12-27  Christmas Day (substitute day)" "" -- holidays 2022

check "holidays 2026: Boxing Day on a Saturday" 0 "2026-01-01  New Year's Day
2026-04-03  Good Friday
2026-04-06  Easter Monday
2026-05-04  Early May bank holiday
2026-05-25  Spring bank holiday
2026-08-31  Summer bank holiday
2026-12-25  Christmas Day
2026-12-28  Boxing Day (substitute day)" "" -- holidays 2026

check "holidays 2020: VE day" 0 "2020-01-01  New Year's Day
2020-04-10  Good Friday
2020-04-13  Easter Monday
2020-05-08  Early May bank holiday (VE day)
2020-05-25  Spring bank holiday
2020-08-31  Summer bank holiday
2020-12-25  Christmas Day
2020-12-28  Boxing Day (substitute day)" "" -- holidays 2020

check "workdays add over Christmas" 0 "2026-12-30" "" -- workdays add 2026-12-23 3
check "workdays add 0 is the date itself" 0 "2026-12-26" "" -- workdays add 2026-12-26 0
check "workdays add a negative count" 0 "2026-12-24" "" -- workdays add 2026-12-29 -1
check "workdays add 15 over Easter" 0 "2026-04-07" "" -- workdays add 2026-03-13 15
check "workdays between over Christmas" 0 "3" "" -- workdays between 2026-12-23 2026-12-30
check "workdays between backwards" 0 "-3" "" -- workdays between 2026-12-30 2026-12-23
check "workdays between a whole year" 0 "250" "" -- workdays between 2021-12-31 2022-12-31

check "workdays: a date that does not exist" 2 "" \
	"casefile: workdays: '2026-02-30' is not a date (YYYY-MM-DD)" -- workdays add 2026-02-30 3
check "workdays: not a date at all" 2 "" \
	"casefile: workdays: 'tomorrow' is not a date (YYYY-MM-DD)" -- workdays between 2026-01-01 tomorrow
check "workdays: a count that is not a number" 2 "" \
	"casefile: workdays: '3x' is not a whole number of working days" -- workdays add 2026-01-05 3x
check "workdays: too few arguments" 2 "" \
	"casefile: workdays: 'add' needs DATE and N
Try 'casefile help workdays'." -- workdays add 2026-01-05
check "workdays: an unknown action" 2 "" \
	"casefile: workdays: unknown action 'sub' (add or between)
Try 'casefile help workdays'." -- workdays sub 2026-01-05 3
check "holidays: not a year" 2 "" \
	"casefile: holidays: 'twenty' is not a year (1 to 9999)" -- holidays twenty
check "holidays: no year" 2 "" "casefile: holidays: needs one YEAR
Try 'casefile help holidays'." -- holidays

n=$((n + 1))
if "$CASEFILE" workdays --help >out 2>err && grep -q '^usage: casefile workdays add DATE N' out &&
	! [ -s err ]; then
	echo "ok $n - workdays --help prints the usage on stdout"
else
	failed=$((failed + 1))
	echo "not ok $n - workdays --help prints the usage on stdout"
fi

n=$((n + 1))
if "$CASEFILE" holidays --help >out 2>err && grep -q '^usage: casefile holidays YEAR' out &&
	! [ -s err ]; then
	echo "ok $n - holidays --help prints the usage on stdout"
else
	failed=$((failed + 1))
	echo "not ok $n - holidays --help prints the usage on stdout"
fi

check "workdays add past the year 9999" 2 "" \
	"casefile: workdays: 9999-12-30 +5 working days is outside the years 1 to 9999" -- workdays add 9999-12-30 5

[ "$failed" = 0 ]
