#!/bin/sh
# The consent, quorum and waiver rules as a user sees them through casefile check and explain:
# the example repository's documented cases (2026-007's declined father without a reason,
# 2026-002's panel meeting without conflicts declared, 2026-009's waiver), and copies of them
# changed one line at a time.  It runs once check calls the rules and schemas/cspr.yaml leaves
# those fields to them (so that each problem is reported once, with the rule's message).

. "$(dirname "$0")/lib.sh"
need check explain
EXAMPLE=$CF_SRCDIR/example-repo

if [ ! -x "$CASEFILE" ] || [ ! -d "$EXAMPLE/cases" ]; then
	echo "Bail out! no casefile binary at $CASEFILE, or no example repository at $EXAMPLE"
	exit 1
fi

echo "1..17"

# fresh NAME: a new copy of the example repository at $tmp/NAME, in $repo.
fresh() {
	repo=$tmp/$1
	mkdir -p "$repo" && cp -R "$EXAMPLE/." "$repo"
}

# edit FILE SED-SCRIPT: edits a file of the copy in place.
edit() {
	sed "$2" "$repo/$1" >"$tmp/edited" && cat "$tmp/edited" >"$repo/$1"
}

check_case() {
	run -C "$repo" check --as-of 2026-11-24 "$@"
}

crg_decision="cases/2026-009/case.yaml:19:22: warning[deadline/crg-decision]: due 2026-09-14 (2 months from 2026-07-14): met late, on 2026-09-22, 6 working days after
  hint: Case Review Group decides on the referral (001 §4.9)"
info_requests="cases/2026-009/case.yaml:19:22: warning[deadline/info-requests]: due 2026-07-16 (2 working days from 2026-07-14): met late, on 2026-08-13, 20 working days after
  hint: Information requests sent to agencies (001 §4.3.3)"

# ---- the documented cases ------------------------------------------------------------------
fresh example

check_case 2026-007
expect_run "2026-007: consent/reason for the declined father, at his entry, named by ref and pseudonym" 1 \
	"cases/2026-007/case.yaml:19:3: error[schema/required]: 'dates.tor_agreed' is required from stage 'review'
  hint: add 'tor_agreed:' under 'dates': the date the Case Review Group agreed the Terms of Reference (001 §5.1.3)
cases/2026-007/case.yaml:21:22: warning[deadline/info-requests]: due 2026-04-29 (2 working days from 2026-04-27): met late, on 2026-04-30, 1 working day after
  hint: Information requests sent to agencies (001 §4.3.3)
cases/2026-007/case.yaml:27:3: warning[schema/unknown-field]: unknown field 'tor_agred' in 'dates'
  hint: did you mean 'tor_agreed'?
cases/2026-007/family.yaml:31:5: error[consent/reason]: 'M3 (Father)' is not involved and no reason is recorded
  hint: add 'non_involvement_reason:' under this member (001 §7.4.2)
casefile: 2 errors, 2 warnings in 1 case" ""

[ -s "$out" ] && ! grep -q "Lewis\|Abernethy\|1984-06-19\|Quarry Hill" "$out"
check_run $? "2026-007: none of the father's real identifiers in the output"

check_case 2026-002
expect_run "2026-002: quorum/conflicts for the panel meeting without conflicts_declared, reported once" 1 \
	"cases/2026-002/case.yaml:16:21: error[schema/enum]: 'incident.abuse_or_neglect' is 'knwon', which is not one of: known, suspected, not-suspected
  hint: did you mean 'known'?
cases/2026-002/case.yaml:21:22: warning[deadline/rapid-review-meeting]: due 2026-03-05 (between 7 and 13 working days from 2026-02-16): done early, on 2026-02-03, 16 working days before the window opened on 2026-02-25
  hint: Rapid review meeting held (001 §4.4.2)
cases/2026-002/case.yaml:23:25: error[dates/order]: 'dates.rapid_review_meeting' is 2026-02-03, before 'dates.referral_received' (2026-02-16)
  hint: 'dates.rapid_review_meeting' cannot come before 'dates.referral_received'; check both dates (001 §4.4.2)
cases/2026-002/meetings/2026-05-20-panel.yaml:1:1: error[quorum/conflicts]: the panel meeting of 2026-05-20 does not record that conflicts of interest were declared
  hint: add 'conflicts_declared: true' once conflicts of interest have been asked for and declared: a standing item at every case meeting (001 §1.5.8)
casefile: 3 errors, 1 warning in 1 case" ""

check_case 2026-009
expect_run "2026-009: its waiver of deadline/crg-decision prints the warning as waived, not counted" 0 \
	"cases/2026-009/case.yaml:19:22: waived[deadline/crg-decision]: due 2026-09-14 (2 months from 2026-07-14): met late, on 2026-09-22, 6 working days after
  hint: Case Review Group decides on the referral (001 §4.9)
$info_requests
casefile: no errors, 1 warning in 1 case" ""

check_case --format json 2026-009
res=1
python3 - "$out" <<'EOF' && res=0
import json, sys
d = json.load(open(sys.argv[1]))
w = {x["rule"]: x["waived"] for x in d["diagnostics"]}
sys.exit(0 if w == {"deadline/crg-decision": True, "deadline/info-requests": False}
         and d["summary"]["warnings"] == 1 and d["summary"]["errors"] == 0 else 1)
EOF
check_run $res "2026-009 --format json: \"waived\": true, and the summary does not count it"

check_case 2026-004
expect_run "2026-004: quorate, conflicts declared, everyone informed and accounted for" 0 "" ""

# ---- explain ---------------------------------------------------------------------------------
res=0
for r in consent/participation consent/reason consent/revisit consent/informed \
	consent/family-section quorum/rapid-review quorum/conflicts waiver/invalid waiver/forbidden; do
	run explain "$r"
	[ "$rc" = 0 ] && grep -q "^Source" "$out" || res=1
done
run explain consent/reason
grep -q "001 §7.4.2" "$out" || res=1
run explain quorum/rapid-review
grep -q "001 §4.6.1" "$out" || res=1
run explain quorum/conflicts
grep -q "001 §1.5.8" "$out" || res=1
run explain consent/informed
grep -q "001 §7.3.1" "$out" || res=1
check_run $res "explain: every consent, quorum and waiver rule, each citing its seed section"

run explain
res=0
for r in consent/reason quorum/rapid-review waiver/invalid; do
	grep -q "^  $r " "$out" || res=1
done
check_run $res "explain without a rule lists them"

# ---- consent, changed ------------------------------------------------------------------------
fresh informed
edit cases/2026-004/family.yaml '/^    informed_of_review: 2026-07-22$/d'
check_case 2026-004
expect_run "consent/informed: a member with neither informed_of_review nor not_informed_reason" 1 \
	"cases/2026-004/family.yaml:49:5: error[consent/informed]: 'M4 (Maternal Grandmother)' has no record of being informed of the review, and no reason is recorded
  hint: add 'informed_of_review:' (the date) or 'not_informed_reason:' under this member (001 §7.3.1)
casefile: 1 error, no warnings in 1 case" ""

fresh section
edit cases/2026-002/report.md '/^## Family involvement$/d'
edit cases/2026-002/meetings/2026-05-20-panel.yaml '$a\
conflicts_declared: true'
check_case 2026-002
res=1
grep -qx "cases/2026-002/report.md:7:1: error\[consent/family-section\]: the report has no 'Family involvement' section to give the reasons why M1 (Child B) and M3 (Mother's Partner) are not involved" "$out" &&
	! grep -q "quorum/" "$out" && [ "$rc" = 1 ] && res=0
check_run $res "consent/family-section: the report of 2026-002 without its Family involvement heading"

# ---- quorum, changed -------------------------------------------------------------------------
fresh quorum
edit cases/2026-004/meetings/2026-06-25-rapid-review.yaml '/^    partner: police$/d;/^    partner: health$/d'
check_case 2026-004
expect_run "quorum/rapid-review: one safeguarding partner present, at the attendees line, with the counts" 1 \
	"cases/2026-004/meetings/2026-06-25-rapid-review.yaml:3:1: error[quorum/rapid-review]: the rapid-review meeting of 2026-06-25 is not quorate: 5 agencies and 1 safeguarding partner (local-authority) represented
  hint: a quorum is at least 3 partner agencies, including at least 2 of the safeguarding partners (local-authority, police and health); give each attendee's 'agency', and 'partner:' for a safeguarding partner (001 §4.6.1)
casefile: 1 error, no warnings in 1 case" ""

fresh conflicts
edit cases/2026-004/meetings/2026-08-12-crg.yaml 's/^conflicts_declared: true$/conflicts_declared: false/'
check_case 2026-004
expect_run "quorum/conflicts: a meeting that records false" 1 \
	"cases/2026-004/meetings/2026-08-12-crg.yaml:15:21: error[quorum/conflicts]: the crg meeting of 2026-08-12 records that conflicts of interest were not declared
  hint: ask for and minute declarations of conflicts of interest, then record 'conflicts_declared: true': a standing item at every case meeting (001 §1.5.8)
casefile: 1 error, no warnings in 1 case" ""

# ---- waivers, changed ------------------------------------------------------------------------
fresh misspelt
edit cases/2026-009/case.yaml 's|^  - rule: deadline/crg-decision$|  - rule: deadline/crg-decison|'
check_case 2026-009
expect_run "waiver/invalid: a misspelt rule, with did-you-mean; it waives nothing" 1 \
	"$crg_decision
$info_requests
cases/2026-009/case.yaml:38:11: error[waiver/invalid]: 'deadline/crg-decison' is not a rule
  hint: did you mean 'deadline/crg-decision'?
casefile: 1 error, 2 warnings in 1 case" ""

fresh unreasoned
edit cases/2026-009/case.yaml '/^    reason: >$/,/^      scheduled meeting/d'
check_case 2026-009
expect_run "waiver/invalid: a waiver without its reason, at the waiver; it waives nothing" 1 \
	"$crg_decision
$info_requests
cases/2026-009/case.yaml:38:5: error[waiver/invalid]: the waiver of 'deadline/crg-decision' gives no reason
  hint: a waiver needs 'rule:', 'reason:' (why the rule does not apply to this case) and 'agreed:' (who agreed it, and when: 'Case Review Group, 2026-05-12'); until then it waives nothing
casefile: 1 error, 2 warnings in 1 case" ""

fresh forbidden
edit cases/2026-009/case.yaml 's|^  - rule: deadline/crg-decision$|  - rule: crypt/plaintext|'
check_case 2026-009
expect_run "waiver/forbidden: the plaintext guard is never waived" 1 \
	"$crg_decision
$info_requests
cases/2026-009/case.yaml:38:11: error[waiver/forbidden]: 'crypt/plaintext' cannot be waived: the encryption guards keep plaintext out of every clone
  hint: remove this waiver, and fix what the rule reports
casefile: 1 error, 2 warnings in 1 case" ""

fresh identifier
edit cases/2026-009/case.yaml 's|^  - rule: deadline/crg-decision$|  - rule: publication/identifier|'
check_case 2026-009
res=1
grep -q "^cases/2026-009/case.yaml:38:11: error\[waiver/forbidden\]: 'publication/identifier' cannot be waived" "$out" &&
	[ "$rc" = 1 ] && res=0
check_run $res "waiver/forbidden: nor is a real identifier in the report"

fresh waive-consent
edit cases/2026-007/case.yaml '$a\
waivers:\
  - rule: consent/reason\
    reason: Father declined through his solicitor and asked that no reason be recorded.\
    agreed: Case Review Group, 2026-07-14'
check_case 2026-007
res=1
grep -qx "cases/2026-007/family.yaml:31:5: waived\[consent/reason\]: 'M3 (Father)' is not involved and no reason is recorded" "$out" &&
	grep -qx "casefile: 1 error, 2 warnings in 1 case" "$out" && [ "$rc" = 1 ] && res=0
check_run $res "a waiver of consent/reason: printed as waived, one error (tor_agreed) left"
