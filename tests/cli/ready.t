#!/bin/sh
# casefile ready CASE: the publication readiness list as the business office sees it.  Each
# readiness rule is broken once on a copy of example-repo's published case 2025-006 (which
# holds every item) and the exact diagnostic line is asserted under its crossed item; the
# unedited case, and the variants that hold, tick every item.  example-repo/README.md shows
# what `ready` prints for 2025-011: that block is checked to stay true.

. "$(dirname "$0")/lib.sh"
CASEFILE_TODAY=2026-11-24 # working days to publication must not depend on the day of the run
export CASEFILE_TODAY
EXAMPLE=$CF_SRCDIR/example-repo

need ready explain

has_line() { grep -Fqx -- "$1" "$out"; }

# fresh NAME: a copy of example-repo's configuration and case 2025-006, in $repo.
fresh() {
	repo=$tmp/$1
	mkdir -p "$repo/cases" && cp -R "$EXAMPLE/.casefile" "$repo/" &&
		cp -R "$EXAMPLE/cases/2025-006" "$repo/cases/"
}

# edit FILE OLD NEW: replaces OLD (once; "\n" is a line break) in the case's FILE.
edit() {
	OLD=$2 NEW=$3 perl -0pi -e '
		BEGIN { ($o, $n) = map { s/\\n/\n/gr } @ENV{qw(OLD NEW)}; $hit = 0 }
		$hit = s/\Q$o\E/$n/;
		END { exit !$hit }' "$repo/cases/2025-006/$1" || echo "Bail out! no '$2' in $1"
}

# fails NAME ITEM LINE: on the edited copy, ready exits 1, crosses ITEM and prints LINE
# (indented under it).
fails() {
	run -C "$repo" ready 2025-006
	has_line "  $3"
	found=$?
	grep -q "^✗ $2\. " "$out"
	crossed=$?
	[ "$rc" = 1 ] && [ "$found" = 0 ] && [ "$crossed" = 0 ]
	check_run $? "$1: item $2 crossed, with the exact line"
}

# holds DESC: on the edited copy, every item is ticked and ready exits 0.
holds() {
	run -C "$repo" ready 2025-006
	[ "$rc" = 0 ] && [ "$(grep -c '^✓ ' "$out")" = 9 ] &&
		has_line "casefile: 2025-006 is ready to publish: all 9 items hold"
	check_run $? "$1"
}

# ---- usage -------------------------------------------------------------------------------------
run -C "$EXAMPLE" ready
[ "$rc" = 2 ] && grep -q "name a case" "$err"
check_run $? "no case named: usage, exit 2"
run -C "$EXAMPLE" ready 2025-011 --frobnicate
[ "$rc" = 2 ]
check_run $? "an unknown option: exit 2"
run -C "$EXAMPLE" ready 2099-001
[ "$rc" = 2 ] && grep -q "no case '2099-001'" "$err"
check_run $? "a case that does not exist: exit 2"
run -C "$EXAMPLE" ready --as-of 2026-13-01 2025-011
[ "$rc" = 2 ]
check_run $? "--as-of that is not a date: exit 2"
run ready --help
[ "$rc" = 0 ] && grep -q "usage: casefile ready" "$out"
check_run $? "--help"

# ---- example-repo/README.md's block for 2025-011 ---------------------------------------------------
# the exit status the README states, then the fenced block after it
want=$(awk '
	/^`casefile -C example-repo ready --as-of 2026-11-24 2025-011` exits [0-9] and prints:$/ {
		split($0, w, " exits "); print substr(w[2], 1, 1); found = 1; next }
	found == 1 && /^```$/ { found = 2; next }
	found == 2 && /^```$/ { exit }
	found == 2 { print }' "$EXAMPLE/README.md")
run -C "$EXAMPLE" ready --as-of 2026-11-24 2025-011
got="$rc
$(cat "$out")"
[ -n "$want" ] && [ "$got" = "$want" ]
status=$?
check_run $status "example-repo/README.md: ready 2025-011 prints exactly what it documents"
if [ $status != 0 ]; then
	printf '%s\n' "$want" >"$tmp/want"
	printf '%s\n' "$got" >"$tmp/got"
	diff "$tmp/want" "$tmp/got" | sed 's/^/#   /'
fi
# the planted defects README.md lists, each at its place
for l in "cases/2025-011/report.md:4:9: error[publication/status]" \
	"cases/2025-011/report.md:40:42: error[publication/identifier]" \
	"cases/2025-011/report.md:20:21: error[publication/identifier]" \
	"cases/2025-011/report.md:35:1: error[publication/drafting]" \
	"cases/2025-011/case.yaml:19:3: error[publication/debrief]" \
	"cases/2025-011/family.yaml:51:5: error[publication/family]"; do
	grep -Fq "  $l" "$out"
	check_run $? "2025-011: $l"
done
! grep -q "Vosper\|Kayden\|Rowe\|Pellingham\|2018-03-14\|14 March" "$out"
check_run $? "2025-011: no identifier is quoted in the output"

run -C "$EXAMPLE" ready --as-of 2026-11-24 2026-001
[ "$rc" = 0 ] && has_line "casefile: 2026-001 publishes no report: nothing to check"
check_run $? "a no-review case: nothing to publish, exit 0"
run -C "$EXAMPLE" ready --as-of 2026-11-24 2026-004
[ "$rc" = 1 ] && has_line "✗ 1. report.md is final, with every required section" &&
	has_line "  cases/2026-004/report.md: error[publication/status]: there is no report.md: it is not known to be final"
check_run $? "a case at review: ready says what is missing"

# ---- the clean case ----------------------------------------------------------------------------------
fresh clean
holds "2025-006 as published: every item ticked, exit 0"
has_line "  stage embedding; publication planned for 2026-01-22, 213 working days ago"
check_run $? "the header counts working days from --as-of"

# ---- each rule: broken, and held ------------------------------------------------------------------
fresh status
edit report.md "status: final" "status: draft"
fails "publication/status" 1 \
	"cases/2025-006/report.md:4:9: error[publication/status]: the report is a draft ('status: draft')"

fresh section
edit report.md "## Good practice" "## Good work"
fails "publication/section (missing)" 1 \
	"cases/2025-006/report.md: error[publication/section]: the report has no section 'Good practice'"
fresh section-empty
edit report.md "The midwife's safer-sleep conversation was thorough and well recorded, and Housing Options\nfound the family a larger room within a week of their request." "<!-- to write -->"
fails "publication/section (empty)" 1 \
	"cases/2025-006/report.md:40:1: error[publication/section]: the section 'Good practice' is empty"
fresh section-numbered
edit report.md "## Good practice" "### 6. Good Practice"
holds "publication/section: a numbered heading at another level holds"

fresh identifier
edit report.md "with Father." "with Jordan Dobbs."
fails "publication/identifier (full name)" 2 \
	"cases/2025-006/report.md:15:76: error[publication/identifier]: report names M3 (Father) by his full name"
fresh identifier-dob
edit report.md "Child F died in May 2025" "Child F, born 13th March 2025, died in May 2025"
fails "publication/identifier (date of birth)" 2 \
	"cases/2025-006/report.md:15:15: error[publication/identifier]: report gives the date of birth of M1 (Child F)"
fresh identifier-accent
edit practitioners.yaml "name: Imran Bellingham" "name: Imrán Bellingham"
edit report.md "Housing Options knew" "Imran knew"
fails "publication/identifier (accent)" 2 \
	"cases/2025-006/report.md:22:27: error[publication/identifier]: report names P2 (housing options officer) by their first name"

fresh reviewer
edit report.md "reviewers: [Margaret Oyelaran-Finch]" "reviewers: [A. N. Other]"
edit report.md "Independent reviewer: Margaret Oyelaran-Finch." "Independent reviewer: to be named."
fails "publication/reviewer" 3 \
	"cases/2025-006/report.md:5:12: error[publication/reviewer]: the report does not name its reviewer, Margaret Oyelaran-Finch ('reviewer.name')"
edit case.yaml "publish: true" "publish: true\nanonymous_publication: true"
holds "publication/reviewer: anonymous publication holds"

fresh approvals
edit case.yaml "crg_endorsed: 2025-12-02" "crg_endorsed: 2025-11-01"
fails "publication/approvals" 4 \
	"cases/2025-006/case.yaml:30:17: error[publication/approvals]: 'dates.crg_endorsed' is 2025-11-01, before 'dates.final_draft' (2025-11-21)"

fresh panel
edit case.yaml "sent_to_panel: 2026-01-09" "sent_to_panel: 2026-01-14"
fails "publication/panel-notice" 5 \
	"cases/2025-006/case.yaml:33:18: error[publication/panel-notice]: 'dates.sent_to_panel' is 2026-01-14, 6 working days before 'dates.publication_planned' (2026-01-22); at least 7 are needed"
has_line "    hint: send the report by 2026-01-13, or move the publication date (001 §10.5.1: no later than 7 working days before publication)"
check_run $? "publication/panel-notice: the hint gives the last day"
fresh panel-7
edit case.yaml "sent_to_panel: 2026-01-09" "sent_to_panel: 2026-01-13"
holds "publication/panel-notice: exactly 7 working days holds"

fresh family
edit family.yaml "    report_shared: 2025-11-28\n    publication_wishes_considered: 2025-12-08\n\n  - ref: M3" "    report_shared: 2025-11-28\n\n  - ref: M3"
fails "publication/family" 6 \
	"cases/2025-006/family.yaml:16:5: error[publication/family]: 'members[M2].publication_wishes_considered' is not recorded"
fresh family-section
edit report.md "## Family involvement" "## The family"
fails "publication/family (section)" 6 \
	"cases/2025-006/report.md: error[publication/family]: the report has no section 'Family involvement'"

fresh criminal
edit case.yaml "  - kind: coroner\n    status: concluded\n    publication_cleared: true" "  - kind: criminal\n    status: ongoing\n    sio_consulted: 2025-06-20\n    publication_cleared: false"
fails "publication/criminal" 7 \
	"cases/2025-006/case.yaml:56:5: error[publication/criminal]: 'parallel_investigations[1]': a criminal investigation is ongoing and has not cleared the report for publication"
edit case.yaml "publication_cleared: false" "publication_cleared: true"
holds "publication/criminal: ongoing but cleared holds"

fresh debrief
edit case.yaml "practitioner_debrief: 2026-01-15" "practitioner_debrief: 2026-01-22"
fails "publication/debrief" 8 \
	"cases/2025-006/case.yaml:32:25: error[publication/debrief]: 'dates.practitioner_debrief' is 2026-01-22, not before 'dates.publication_planned' (2026-01-22)"
fresh media
edit case.yaml "media_contact: Communications Lead, Northdale Council, for the partnership\n" ""
fails "publication/media" 8 \
	"cases/2025-006/case.yaml:1:1: error[publication/media]: 'media_contact' is not recorded"

fresh genogram
edit family.yaml "members:" "genogram: confidential/genogram-child-f.pdf\nmembers:"
edit report.md "## Overview\n" "## Overview\n\nSee ![the family](confidential/genogram-child-f.pdf).\n"
fails "publication/genogram" 9 \
	"cases/2025-006/report.md:15:19: error[publication/genogram]: the report names the genogram's file (family.yaml 'genogram')"
fresh genogram-prose
edit family.yaml "members:" "genogram: confidential/genogram-child-f.pdf\nmembers:"
edit report.md "## Overview\n" "## Overview\n\nA genogram was drawn and shared at the learning event.\n"
holds "publication/genogram: the word in prose holds"

fresh drafting
edit report.md "## Good practice\n\n" "## Good practice\n\nFIXME: check with the midwife.\n"
fails "publication/drafting" 9 \
	"cases/2025-006/report.md:42:1: error[publication/drafting]: drafting mark 'FIXME' left in the report"

# ---- waivers apply as in check; publication/identifier is never waived --------------------------
fresh waived
edit report.md "## Good practice\n\n" "## Good practice\n\nTODO: check with the midwife.\n"
edit case.yaml "themes:" "waivers:\n  - rule: publication/drafting\n    reason: the note is removed at typesetting\n    agreed: Case Review Group, 2026-01-08\nthemes:"
run -C "$repo" ready 2025-006
[ "$rc" = 0 ] && has_line "✓ 9. neither the genogram nor drafting marks in the report (waived)" &&
	has_line "  cases/2025-006/report.md:42:1: waived[publication/drafting]: drafting mark 'TODO' left in the report"
check_run $? "a waived rule: the item holds, its line says waived"
fresh forbidden
edit report.md "with Father." "with Jordan Dobbs."
edit case.yaml "themes:" "waivers:\n  - rule: publication/identifier\n    reason: the family agreed\n    agreed: Case Review Group, 2026-01-08\nthemes:"
run -C "$repo" ready 2025-006
[ "$rc" = 1 ] && grep -q "^✗ 2\. " "$out" &&
	grep -Fq "  cases/2025-006/report.md:15:76: error[publication/identifier]" "$out" &&
	grep -Fq "error[waiver/forbidden]: 'publication/identifier' cannot be waived" "$out"
check_run $? "publication/identifier cannot be waived"

fresh not-published
edit case.yaml "publish: true" "publish: false"
edit report.md "## Good practice" "## Good work"
fails "publication/improvements (publish: false)" 1 \
	"cases/2025-006/case.yaml:1:1: error[publication/improvements]: 'not_publishing_rationale' is not recorded"
has_line "✓ 3. the report names its reviewer (does not apply: the report is not published (publish: false))"
check_run $? "publish: false: the reviewer item does not apply"
edit case.yaml "publish: false" "publish: false\nnot_publishing_rationale: The siblings attend the same school."
holds "publish: false with a rationale and recommendations holds, without the sections"

echo "1..$n"
