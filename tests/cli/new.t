#!/bin/sh
# casefile new as a user sees it: the id it picks, the files it writes, what it prints, and
# that the new case passes check at once; what it refuses (a value missing or wrong, a case
# that would not pass, a directory that exists), leaving nothing behind.  Every test works in
# a temporary copy of the example partnership's .casefile/ (and of its cases, for numbering).

. "$(dirname "$0")/lib.sh"
CASEFILE_TODAY=2026-11-24 # a Tuesday; deadlines must not depend on the day the tests run
export CASEFILE_TODAY
EXAMPLE=$CF_SRCDIR/example-repo

need new

echo "1..35"

# fresh NAME: a repository with the example's configuration and no cases, in $repo.
fresh() {
	repo=$tmp/$1
	mkdir -p "$repo" && cp -R "$EXAMPLE/.casefile" "$repo/"
}

# listing: what the repository holds under cases/, one path a line ("none" without cases/).
listing() {
	if [ -d "$repo/cases" ]; then (cd "$repo" && find cases | LC_ALL=C sort); else echo none; fi
}

# The facts of a notification that the first stage requires; the title comes separately.
NOTIFICATION="--route notification --died no --looked-after no --incident-date 2026-11-19
	--harm serious-harm --abuse-or-neglect suspected --la-aware 2026-11-20
	--notified-national-panel 2026-11-23 --date 2026-11-23"
REFERRAL="--route referral --died no --looked-after yes --incident-date 2026-11-02
	--harm near-miss --abuse-or-neglect known"

LATER="files of later stages ('casefile new --template FILE' prints one):
  family.yaml         from stage rapid-review
  agencies.yaml       from stage rapid-review
  practitioners.yaml  from stage review
  meetings/*.yaml     when there is one
  actions.yaml        from stage publication
  report.md           from stage report"

# ---- help --------------------------------------------------------------------------------
run new --help
first=$(head -n 1 "$out")
res=1
[ "$rc" = 0 ] && [ ! -s "$err" ] &&
	[ "$first" = "usage: casefile new --title PSEUDONYM --route ROUTE [--date DATE] [--FIELD VALUE ...]" ] &&
	res=0
check_run $res "new --help: the usage on stdout, exit 0"

# ---- what the first stage needs ----------------------------------------------------------
fresh empty
run -C "$repo" new --title "Child P"
expect_run "only a title: exit 2, every option the first stage needs, nothing created" 2 "" \
	"casefile: new: a cspr case at stage 'notification' needs these; nothing was created:
  --route notification|referral                      route (what else is required depends on it)
  --died yes|no                                      child.died
  --looked-after yes|no                              child.looked_after
  --incident-date DATE                               incident.date
  --harm death|serious-harm|near-miss|good-practice  incident.harm
  --abuse-or-neglect known|suspected|not-suspected   incident.abuse_or_neglect
Try 'casefile help new'."
check_run "$([ "$(listing)" = none ] && echo 0 || echo 1)" "... and no cases/ directory either"

run -C "$repo" new --title "Child P" --route notification --died no --looked-after no \
	--incident-date 2026-11-19 --harm serious-harm --abuse-or-neglect suspected
expect_run "route notification: the notification's dates are needed too" 2 "" \
	"casefile: new: a cspr case at stage 'notification' needs these; nothing was created:
  --la-aware DATE                 dates.la_aware
  --notified-national-panel DATE  dates.notified_national_panel
Try 'casefile help new'."

# ---- a notification ----------------------------------------------------------------------
# shellcheck disable=SC2086 # the option lists are split on purpose
run -C "$repo" new --title "Child P" $NOTIFICATION
expect_run "a notification: 2026-001, case.yaml, the deadlines that run" 0 \
	"created cases/2026-001 (Child P): case.yaml
deadlines as of 2026-11-24:
  notification          due 2026-11-27 (5 working days from 2026-11-20)                 met 2026-11-23
  info-requests         due 2026-11-25 (2 working days from 2026-11-23)                 due-soon, 1 working day left
  rapid-review-meeting  due 2026-12-10 (between 7 and 13 working days from 2026-11-23)  open, 12 working days left
  rapid-review          due 2026-12-14 (15 working days from 2026-11-23)                open, 14 working days left
$LATER" ""
check_run "$([ "$(listing)" = "cases
cases/2026-001
cases/2026-001/case.yaml" ] && echo 0 || echo 1)" "only case.yaml is written: the first stage requires no other file"

run -C "$repo" check 2026-001
expect_run "check 2026-001: nothing to say, exit 0" 0 "" ""

c=$repo/cases/2026-001/case.yaml
res=0
for want in "^id: 2026-001 " "^type: cspr " "^title: Child P " "^stage: notification " \
	"^route: notification " "^  pseudonym: Child P " "^  died: false " "^  looked_after: false " \
	"^  date: 2026-11-19 " "^  harm: serious-harm " "^  abuse_or_neglect: suspected " \
	"^  la_aware: 2026-11-20 " "^  notified_national_panel: 2026-11-23 " \
	"^  referral_received: 2026-11-23 " "^  tor_agreed: *# required from stage review" \
	"^  # - kind: *# required"; do
	grep -q "$want" "$c" || {
		echo "# no line matching '$want'"
		res=1
	}
done
check_run $res "case.yaml: the values given, the pseudonym from the title, the other fields empty and commented"
mode=$(stat -c %a "$c" 2>/dev/null || stat -f %Lp "$c")
check_run "$([ "$mode" = 644 ] && echo 0 || echo 1)" "case.yaml is written with mode 0644 (got $mode)"

# ---- a referral, and the next number -----------------------------------------------------
# shellcheck disable=SC2086
run -C "$repo" new --title "Child Q" $REFERRAL --date 2026-11-20
expect_run "a referral: 2026-002, the Case Review Group's deadlines" 0 \
	"created cases/2026-002 (Child Q): case.yaml
deadlines as of 2026-11-24:
  info-requests   due 2026-11-24 (2 working days from 2026-11-20)  due-soon, due today
  crg-discussion  due 2026-12-20 (1 month from 2026-11-20)         open, 18 working days left
  crg-decision    due 2027-01-20 (2 months from 2026-11-20)        open, 38 working days left
$LATER" ""
run -C "$repo" check
expect_run "check (both cases): nothing to say, exit 0" 0 "" ""
check_run "$(grep -q '^  la_aware: *#' "$repo/cases/2026-002/case.yaml" && echo 0 || echo 1)" \
	"a referral's la_aware is left empty: it is not required, and not known"

# --as-of evaluates on another day; the case still belongs to the year of its referral.
# shellcheck disable=SC2086
run -C "$repo" new --title "Child S" $REFERRAL --date 2026-11-20 --as-of 2026-11-30
first=$(sed -n '1,3p' "$out")
res=1
[ "$rc" = 0 ] && [ "$first" = "created cases/2026-003 (Child S): case.yaml
deadlines as of 2026-11-30:
  info-requests   due 2026-11-24 (2 working days from 2026-11-20)  overdue by 4 working days" ] &&
	res=0
check_run $res "--as-of 2026-11-30: the same deadline, now overdue"

# --date picks the year: the first case of 2027.
# shellcheck disable=SC2086
run -C "$repo" new --title "Child T" $REFERRAL --date 2027-01-04 --as-of 2027-01-04
check_run "$([ "$rc" = 0 ] && [ "$(head -n 1 "$out")" = "created cases/2027-001 (Child T): case.yaml" ] && echo 0 || echo 1)" \
	"--date 2027-01-04: the first case of 2027 is 2027-001"
run -C "$repo" check --as-of 2027-01-04 2027-001
expect_run "check 2027-001 on its day: nothing to say" 0 "" ""

# ---- numbering among existing cases ------------------------------------------------------
fresh numbered
cp -R "$EXAMPLE/cases" "$repo/"
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $NOTIFICATION
check_run "$([ "$rc" = 0 ] && [ "$(head -n 1 "$out")" = "created cases/2026-012 (Child P): case.yaml" ] && echo 0 || echo 1)" \
	"the example's cases go up to 2026-011: the next is 2026-012"
run -C "$repo" check 2026-012
expect_run "check 2026-012: nothing to say" 0 "" ""
mkdir "$repo/cases/2026-020" "$repo/cases/2026-7" "$repo/cases/2025-099"
# shellcheck disable=SC2086
run -C "$repo" new --title "Child Q" $REFERRAL --date 2026-11-20
check_run "$([ "$rc" = 0 ] && [ "$(head -n 1 "$out")" = "created cases/2026-021 (Child Q): case.yaml" ] && echo 0 || echo 1)" \
	"after the highest of the year (2026-020), not after a gap, another year or a stray name"

# ---- never over an existing directory ----------------------------------------------------
fresh taken
mkdir -p "$repo/cases"
echo "someone else's file" >"$repo/cases/2026-001"
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $NOTIFICATION
expect_run "cases/2026-001 exists (as a file): refused, exit 2" 2 "" \
	"casefile: new: cases/2026-001 already exists; nothing was written"
check_run "$([ "$(cat "$repo/cases/2026-001")" = "someone else's file" ] && [ "$(listing)" = "cases
cases/2026-001" ] && echo 0 || echo 1)" "... and it is left as it was, with nothing beside it"

# ---- a case that would not pass check is not created -------------------------------------
fresh wrong
run -C "$repo" new --title "Child P" --route referral --died no --looked-after no \
	--incident-date 2026-11-30 --harm death --abuse-or-neglect known --date 2026-11-20
expect_run "an incident after the referral: check's error, exit 2" 2 "" \
	"cases/2026-001/case.yaml:41:22: error[dates/order]: 'dates.referral_received' is 2026-11-20, before 'incident.date' (2026-11-30)
  hint: 'dates.referral_received' cannot come before 'incident.date'; check both dates (001 §4.1.1)
casefile: new: the new case would not pass check (above), so nothing was created"
check_run "$([ "$(listing)" = none ] && echo 0 || echo 1)" "... and what was written is removed, cases/ too"

# ---- values the schema refuses -----------------------------------------------------------
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $REFERRAL --date 2026-11-20 --harm=dead
expect_run "a value given twice: exit 2" 2 "" "casefile: new: 'incident.harm' is given twice (--harm)
Try 'casefile help new'."
run -C "$repo" new --title "Child P" --route referral --died no --looked-after maybe \
	--incident-date 2026-11-02 --harm dead --abuse-or-neglect known
expect_run "a bool that is not yes or no: exit 2, says what it takes" 2 "" \
	"casefile: new: --looked-after 'maybe': child.looked_after takes yes or no
Try 'casefile help new'."
run -C "$repo" new --title "Child P" --route referral --died no --looked-after no \
	--incident-date 2026-11-02 --harm dead --abuse-or-neglect known
expect_run "an enum value it does not have: exit 2, lists them" 2 "" \
	"casefile: new: --harm 'dead': incident.harm takes one of: death, serious-harm, near-miss, good-practice
Try 'casefile help new'."
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $REFERRAL --date 2026-11-20 --lookedafter yes
expect_run "a mistyped option: exit 2, the option meant" 2 "" \
	"casefile: new: unknown option '--lookedafter' (did you mean '--looked-after'?)
Try 'casefile help new'."
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $REFERRAL --date 2026-11-20 --stage review
expect_run "--stage: new sets it itself" 2 "" \
	"casefile: new: '--stage': casefile new sets stage itself (the id is the year's next, the type is --type, the stage is the first: notification)
Try 'casefile help new'."
check_run "$([ "$(listing)" = none ] && echo 0 || echo 1)" "none of the refused runs created anything"

# ---- a partnership's own schema gets its own options -------------------------------------
fresh own
mkdir -p "$repo/.casefile/schemas"
awk '!done && /^      child:$/ {
	print "      referrer:"
	print "        type: string"
	print "        required: true"
	print "        description: \"the agency that referred the case\""
	done = 1
} { print }' "$CF_SRCDIR/schemas/cspr.yaml" >"$repo/.casefile/schemas/cspr.yaml"
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $REFERRAL --date 2026-11-20
expect_run "a required field of its own: its option is asked for" 2 "" \
	"casefile: new: a cspr case at stage 'notification' needs this; nothing was created:
  --referrer TEXT  referrer
Try 'casefile help new'."
# shellcheck disable=SC2086
run -C "$repo" new --title "Child P" $REFERRAL --date 2026-11-20 --referrer "Northdale Police"
check_run "$([ "$rc" = 0 ] && grep -q '^referrer: Northdale Police *# required — the agency that referred the case$' "$repo/cases/2026-001/case.yaml" && echo 0 || echo 1)" \
	"--referrer: written, with the schema's own description"
run -C "$repo" check
expect_run "and the case passes check" 0 "" ""

# ---- templates of the later files --------------------------------------------------------
run -C "$repo" new --template family.yaml
res=1
[ "$rc" = 0 ] && [ "$(sed -n 4p "$out" | cut -c1-8)" = "members:" ] &&
	grep -q '^  # - ref: ' "$out" && res=0
check_run $res "--template family.yaml: the template on stdout, exit 0"
run -C "$repo" new --template nope.yaml
expect_run "--template of a file the type does not have: exit 2, its files" 2 "" \
	"casefile: new: the cspr case type has no file 'nope.yaml'; its files: case.yaml, family.yaml, agencies.yaml, practitioners.yaml, meetings/*.yaml, actions.yaml, report.md, notes/*.md
Try 'casefile help new'."

# ---- outside a repository ----------------------------------------------------------------
mkdir -p "$tmp/plain"
# shellcheck disable=SC2086
run -C "$tmp/plain" new --title "Child P" $NOTIFICATION
expect_run "not a case repository: exit 2 and what to do" 2 "" \
	"casefile: not a case repository (no .casefile/config.yaml here or above)
  hint: run casefile in a case repository, or name one with -C DIR"
run -C "$repo" new --title "Child P" --date 2026-11-20 --date 2026-11-21
expect_run "--date twice: exit 2" 2 "" "casefile: new: --date is given twice
Try 'casefile help new'."
