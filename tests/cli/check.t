#!/bin/sh
# casefile check as a user sees it: which cases it reads, what it prints, how it exits; and the
# commands around it (explain, help, --version, a mistyped command).  The clean fixture is
# tests/data/repo; every test works on a copy of it in a temporary directory.

. "$(dirname "$0")/lib.sh"
need check
CASEFILE_TODAY=2026-01-12 # deadlines must not depend on the day the tests run
export CASEFILE_TODAY
REPO=$CF_SRCDIR/tests/data/repo

if [ ! -x "$CASEFILE" ] || [ ! -d "$REPO/cases" ]; then
	echo "Bail out! no casefile binary at $CASEFILE, or no fixture at $REPO"
	exit 1
fi

echo "1..26"

# fresh NAME: a new copy of the clean repository at $tmp/NAME, in $repo.
fresh() {
	repo=$tmp/$1
	mkdir -p "$repo" && cp -R "$REPO/." "$repo"
}

# ---- the clean fixture -------------------------------------------------------------------
fresh clean
run -C "$repo" check
expect_run "a clean repository: no output, exit 0" 0 "" ""

# ---- naming cases: 2026-001 is clean, 2026-002 has problems in three of its files --------
fresh named
c2=$repo/cases/2026-002
cp -R "$repo/cases/2026-001" "$c2"
sed -e 's/^id: 2026-001$/id: 2026-002/' \
	-e 's/^  died: false$/  died: no/' \
	-e 's/^  la_aware: 2026-01-06$/  la_aware: 2026-01-10/' \
	-e 's/^  info_requests_sent: 2026-01-09$/  info_requests_sent: 2026-02-30/' \
	"$repo/cases/2026-001/case.yaml" >"$c2/case.yaml"
sed 's/role: subject-child/role: subject_child/' "$repo/cases/2026-001/family.yaml" >"$c2/family.yaml"
sed 's/reply_received:/reply_recieved:/' "$repo/cases/2026-001/agencies.yaml" >"$c2/agencies.yaml"

c2_diags="cases/2026-002/agencies.yaml:2:5: error[schema/required]: 'agencies[1].reply_received' is required from stage 'rapid-review'
  hint: add 'reply_received:' under 'agencies[1]': the date the agency's reply was received (001 §4.3.4)
cases/2026-002/agencies.yaml:6:5: warning[schema/unknown-field]: unknown field 'reply_recieved' in 'agencies[1]'
  hint: did you mean 'reply_received'?
cases/2026-002/case.yaml:10:9: error[schema/type]: 'child.died' must be true or false; found 'no'
  hint: write true or false (not yes/no)
cases/2026-002/case.yaml:20:28: error[dates/order]: 'dates.notified_national_panel' is 2026-01-08, before 'dates.la_aware' (2026-01-10)
  hint: 'dates.notified_national_panel' cannot come before 'dates.la_aware'; check both dates (Working Together 2018)
cases/2026-002/case.yaml:22:23: error[schema/date]: 'dates.info_requests_sent' is 2026-02-30, which is not a real date
  hint: check the day and the month
cases/2026-002/family.yaml:3:11: error[schema/enum]: 'members[M1].role' is 'subject_child', which is not one of: subject-child, mother, father, step-parent, partner, sibling, grandparent, carer, other
  hint: did you mean 'subject-child'?"

run -C "$repo" check 2026-001
expect_run "check 2026-001 (by id) reads only that case" 0 "" ""
run -C "$repo" check cases/2026-001
expect_run "check cases/2026-001 (by directory)" 0 "" ""
run -C "$repo" check cases/2026-001/case.yaml
expect_run "check cases/2026-001/case.yaml (a path inside the case)" 0 "" ""
(cd "$repo/cases/2026-001" && run check family.yaml && echo "$rc" >"$tmp/rc")
rc=$(cat "$tmp/rc")
expect_run "check family.yaml from inside the case directory, without -C" 0 "" ""

run -C "$repo" check 2026-002
expect_run "check 2026-002: its diagnostics, sorted by file then line" 1 "$c2_diags
casefile: 5 errors, 1 warning in 1 case" ""
run -C "$repo" check
expect_run "check (every case): both cases, the summary counts both" 1 "$c2_diags
casefile: 5 errors, 1 warning in 2 cases" ""
run -C "$repo" check 2026-002 2026-001 cases/2026-002
expect_run "check 2026-002 2026-001 cases/2026-002: each case once, in order" 1 "$c2_diags
casefile: 5 errors, 1 warning in 2 cases" ""

run -C "$repo" check 2026-404
first=$(head -n 1 "$err")
res=1
[ "$rc" = 2 ] && [ ! -s "$out" ] &&
	[ "$first" = "casefile: check: '2026-404' is not a case of the repository at $repo" ] && res=0
check_run $res "check 2026-404 (no such case): exit 2, says so on stderr"

echo "not a case" >"$repo/cases/README.md"
run -C "$repo" check cases/README.md
first=$(head -n 1 "$err")
res=1
[ "$rc" = 2 ] && [ ! -s "$out" ] &&
	[ "$first" = "casefile: check: 'cases/README.md' is not a case of the repository at $repo" ] &&
	res=0
check_run $res "check cases/README.md (a file, not a case): exit 2, not a case"
rm -f "$repo/cases/README.md"

# ---- not a case repository ---------------------------------------------------------------
mkdir -p "$tmp/plain"
run -C "$tmp/plain" check
expect_run "not a case repository: exit 2 and what to do" 2 "" \
	"casefile: not a case repository (no .casefile/config.yaml here or above)
  hint: run casefile in a case repository, or name one with -C DIR"

# ---- --format ----------------------------------------------------------------------------
run -C "$repo" check --format json
res=1
python3 -m json.tool "$out" >/dev/null 2>&1 && python3 - "$out" <<'EOF' && res=0
import json, sys
doc = json.load(open(sys.argv[1]))
assert set(doc) == {"diagnostics", "summary"}, doc.keys()
assert doc["summary"] == {"errors": 5, "warnings": 1, "cases": 2}, doc["summary"]
diags = doc["diagnostics"]
assert len(diags) == 6
assert [d["severity"] for d in diags].count("error") == 5
first = diags[0]
assert first["file"] == "cases/2026-002/agencies.yaml", first
assert (first["line"], first["column"]) == (2, 5), first
assert first["rule"] == "schema/required", first
assert first["case"] == "2026-002", first
EOF
[ "$rc" = 1 ] || res=1
check_run $res "--format json: parses, has diagnostics and summary, 5 errors, 1 warning, 2 cases"

run -C "$tmp/clean" check --format=json
res=1
[ "$rc" = 0 ] && python3 -m json.tool "$out" >/dev/null 2>&1 && python3 - "$out" <<'EOF' && res=0
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc == {"diagnostics": [], "summary": {"errors": 0, "warnings": 0, "cases": 1}}, doc
EOF
check_run $res "--format=json on a clean repository: no diagnostics, exit 0"

# A file name is bytes, not necessarily UTF-8; the JSON must still be JSON.
fresh badname
: >"$repo/cases/2026-001/$(printf 'notes\377.yaml')"
run -C "$repo" check --format json
res=1
[ "$rc" = 1 ] && python3 -m json.tool "$out" >/dev/null 2>&1 && grep -q '"rule":"source/name"' "$out" && res=0
check_run $res "--format json, a file name that is not UTF-8: a source/name error, and still valid JSON"

run -C "$repo" check --format xml
expect_run "--format xml: a usage error, exit 2" 2 "" "casefile: check: --format is text or json, not 'xml'
Try 'casefile help check'."

# ---- a warning alone does not fail the check ---------------------------------------------
fresh warning
awk '{ print } /^  looked_after: false$/ { print "  care_levaer: false" }' \
	"$REPO/cases/2026-001/case.yaml" >"$repo/cases/2026-001/case.yaml"
run -C "$repo" check
expect_run "a warning only (unknown field): printed, exit 0" 0 \
	"cases/2026-001/case.yaml:12:3: warning[schema/unknown-field]: unknown field 'care_levaer' in 'child'
  hint: did you mean 'care_leaver'?
casefile: no errors, 1 warning in 1 case" ""

# ---- a malformed schema pinned by the repository -----------------------------------------
fresh schema
mkdir -p "$repo/.casefile/schemas"
# The first field of type bool becomes 'boolean', which is no type; its line is looked up so
# that the test follows the schema as it changes.
awk '!done && /^ *type: bool *$/ { sub(/bool/, "boolean"); done = 1 } { print }' \
	"$CF_SRCDIR/schemas/cspr.yaml" >"$repo/.casefile/schemas/cspr.yaml"
at=$(grep -n 'type: boolean' "$repo/.casefile/schemas/cspr.yaml" | head -n 1)
line=${at%%:*}
text=${at#*:}
indent=${text%%type:*}
col=$((${#indent} + 7))
field=$(sed -n "$((line - 1))s/^ *\([a-z_]*\):.*/\1/p" "$repo/.casefile/schemas/cspr.yaml")
run -C "$repo" check
res=1
[ "$rc" = 2 ] && grep -qx "\\.casefile/schemas/cspr\\.yaml:$line:$col: error\\[schema/invalid\\]: unknown type 'boolean' for field '\\([a-z_]*\\.\\)*$field'" "$out" && res=0
check_run $res "a malformed .casefile/schemas/cspr.yaml: exit 2, schema/invalid at $line:$col"

# ---- explain, help, version, a mistyped command ------------------------------------------
run explain dates/order
res=1
[ "$rc" = 0 ] && [ ! -s "$err" ] && [ "$(head -n 1 "$out")" = "dates/order: an impossible order of a case's dates" ] &&
	grep -qx 'What it checks' "$out" && grep -qx 'How to fix it' "$out" &&
	sed -n '/^Source$/{n;p;}' "$out" | grep -q '^  [^ ]' && res=0
check_run $res "explain dates/order: the rule's text, with a Source section"

# Every rule id the source can report (a quoted "area/name" of an area explain lists) has
# its text: a diagnostic always says where to read more.
run explain
areas=$(awk 'NR > 1 { split($1, a, "/"); print a[1] }' "$out" | sort -u | paste -sd '|')
missing=
for r in $(cat "$CF_SRCDIR"/lib/*.c "$CF_SRCDIR"/lib/rules/*.c "$CF_SRCDIR"/cmd/casefile/*.c |
	grep -oE "\"($areas)/[a-z0-9-]+\"" | tr -d '"' | sort -u); do
	"$CASEFILE" explain "$r" >/dev/null 2>&1 || missing="$missing $r"
done
check_run "$( { [ -n "$areas" ] && [ -z "$missing" ]; } && echo 0 || echo 1)" \
	"every rule id in the source has an explain text${missing:+ (missing:$missing)}"
run explain nosuch
expect_run "explain nosuch: exit 2" 2 "" "casefile: explain: no rule 'nosuch'
Try 'casefile help explain'."

run explain dates/ordr
expect_run "explain dates/ordr: suggests dates/order" 2 "" "casefile: explain: no rule 'dates/ordr'; did you mean 'dates/order'?
Try 'casefile help explain'."

run --version
res=1
[ "$rc" = 0 ] && [ ! -s "$err" ] && grep -qx 'casefile [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' "$out" &&
	[ "$(wc -l <"$out")" -eq 1 ] && res=0
check_run $res "--version: 'casefile X.Y.Z', exit 0"

run help check
res=1
[ "$rc" = 0 ] && [ ! -s "$err" ] &&
	head -n 1 "$out" | grep -q '^usage: casefile check ' && grep -q -- '--format' "$out" && res=0
check_run $res "help check: the usage of check on stdout"

run check --help
res=1
[ "$rc" = 0 ] && head -n 1 "$out" | grep -q '^usage: casefile check ' && res=0
check_run $res "check --help: the same usage"

run chekc
expect_run "chekc: not a command, did you mean check" 2 "" "casefile: 'chekc' is not a casefile command
  hint: did you mean 'check'?"

run -C "$tmp/clean" check --frmat json
expect_run "check --frmat: an unknown option, exit 2" 2 "" "casefile: check: unknown option '--frmat'
Try 'casefile help check'."
