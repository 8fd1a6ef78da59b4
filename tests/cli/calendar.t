#!/bin/sh
# casefile holidays and casefile workdays, run outside any case repository so that the
# installed (or source) England and Wales calendar is the one in use.
. "$(dirname "$0")/lib.sh"
need holidays workdays
cd "$tmp" || exit 1

echo "1..20"

run holidays 2022
expect_run "holidays 2022: the Platinum Jubilee and the State Funeral" 0 "2022-01-03  New Year's Day (substitute day)
2022-04-15  Good Friday
2022-04-18  Easter Monday
2022-05-02  Early May bank holiday
2022-06-02  Spring bank holiday
2022-06-03  Platinum Jubilee bank holiday
2022-08-29  Summer bank holiday
2022-09-19  Bank Holiday for the State Funeral of Queen Elizabeth II
2022-12-26  Boxing Day
2022-12-27  Christmas Day (substitute day)" ""

run holidays 2026
expect_run "holidays 2026: Boxing Day on a Saturday" 0 "2026-01-01  New Year's Day
2026-04-03  Good Friday
2026-04-06  Easter Monday
2026-05-04  Early May bank holiday
2026-05-25  Spring bank holiday
2026-08-31  Summer bank holiday
2026-12-25  Christmas Day
2026-12-28  Boxing Day (substitute day)" ""

run holidays 2020
expect_run "holidays 2020: VE day" 0 "2020-01-01  New Year's Day
2020-04-10  Good Friday
2020-04-13  Easter Monday
2020-05-08  Early May bank holiday (VE day)
2020-05-25  Spring bank holiday
2020-08-31  Summer bank holiday
2020-12-25  Christmas Day
2020-12-28  Boxing Day (substitute day)" ""

run workdays add 2026-12-23 3
expect_run "workdays add over Christmas" 0 "2026-12-30" ""
run workdays add 2026-12-26 0
expect_run "workdays add 0 is the date itself" 0 "2026-12-26" ""
run workdays add 2026-12-29 -1
expect_run "workdays add a negative count" 0 "2026-12-24" ""
run workdays add 2026-03-13 15
expect_run "workdays add 15 over Easter" 0 "2026-04-07" ""
run workdays between 2026-12-23 2026-12-30
expect_run "workdays between over Christmas" 0 "3" ""
run workdays between 2026-12-30 2026-12-23
expect_run "workdays between backwards" 0 "-3" ""
run workdays between 2021-12-31 2022-12-31
expect_run "workdays between a whole year" 0 "250" ""

run workdays add 2026-02-30 3
expect_run "workdays: a date that does not exist" 2 "" \
	"casefile: workdays: '2026-02-30' is not a date (YYYY-MM-DD)"
run workdays between 2026-01-01 tomorrow
expect_run "workdays: not a date at all" 2 "" \
	"casefile: workdays: 'tomorrow' is not a date (YYYY-MM-DD)"
run workdays add 2026-01-05 3x
expect_run "workdays: a count that is not a number" 2 "" \
	"casefile: workdays: '3x' is not a whole number of working days"
run workdays add 2026-01-05
expect_run "workdays: too few arguments" 2 "" \
	"casefile: workdays: 'add' needs DATE and N
Try 'casefile help workdays'."
run workdays sub 2026-01-05 3
expect_run "workdays: an unknown action" 2 "" \
	"casefile: workdays: unknown action 'sub' (add or between)
Try 'casefile help workdays'."
run holidays twenty
expect_run "holidays: not a year" 2 "" \
	"casefile: holidays: 'twenty' is not a year (1 to 9999)"
run holidays
expect_run "holidays: no year" 2 "" "casefile: holidays: needs one YEAR
Try 'casefile help holidays'."

run workdays --help
[ "$rc" = 0 ] && grep -q '^usage: casefile workdays add DATE N' "$out" && ! [ -s "$err" ]
check $? "workdays --help prints the usage on stdout"

run holidays --help
[ "$rc" = 0 ] && grep -q '^usage: casefile holidays YEAR' "$out" && ! [ -s "$err" ]
check $? "holidays --help prints the usage on stdout"

run workdays add 9999-12-30 5
expect_run "workdays add past the year 9999" 2 "" \
	"casefile: workdays: 9999-12-30 +5 working days is outside the years 1 to 9999"
