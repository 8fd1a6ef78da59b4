#!/bin/sh
# casefile status --format html on the example repository, as the business office gets it: a
# page that parses as HTML and as XML, lists every open case (and not the closed one), fetches
# nothing, says what the text form says, and is the same whether written to stdout or -o FILE.

. "$(dirname "$0")/lib.sh"
REPO=$CF_SRCDIR/example-repo
AS_OF=2026-11-24 # deadlines must not depend on the day the tests run

need status
need_tool python3 xmllint

echo "1..15"

status() {
	"$CASEFILE" -C "$REPO" status --as-of "$AS_OF" "$@"
}

page=$tmp/page.html
status --format html >"$page" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ]
check $? "status --format html exits 0 (it did: $rc)" || show "$tmp/err"

head -n 1 "$page" | grep -qx '<!DOCTYPE html>'
check $? "the page starts with <!DOCTYPE html>" || head -n 20 "$page" | sed 's/^/# /'

# libxml2 before 2.14 parses HTML 4, so it calls the HTML5 sectioning elements and inline SVG
# unknown ("Tag svg invalid"); those are expected, anything else (a tag left open, a stray
# '&', a bad attribute) is not.
known='header|main|footer|section|svg|g|line|circle|polygon|text|title'
xmllint --html --noout "$page" >"$tmp/html-lint" 2>&1
grep -E 'parser (error|warning)' "$tmp/html-lint" |
	grep -Ev ": Tag ($known) invalid\$" >"$tmp/html-real"
[ ! -s "$tmp/html-real" ]
check $? "xmllint --html: nothing but HTML5/SVG tags libxml2 does not know" || show "$tmp/html-real"
xmllint --noout "$page" >"$tmp/xml-lint" 2>&1
[ ! -s "$tmp/xml-lint" ]
check $? "xmllint (as XML): well-formed, silent" || show "$tmp/xml-lint"

# Every case directory, open or closed by its stage.
: >"$tmp/missing"
: >"$tmp/closed-shown"
closed=
for dir in "$REPO"/cases/*/; do
	id=$(basename "$dir")
	if grep -qx 'stage: closed' "$dir/case.yaml" 2>/dev/null; then
		closed="$closed $id"
		grep -qF ">$id<" "$page" && echo "$id" >>"$tmp/closed-shown"
	else
		grep -qF ">$id</a></td>" "$page" || echo "$id" >>"$tmp/missing"
	fi
done
[ ! -s "$tmp/missing" ]
check $? "every open case of the example repository has a row" || show "$tmp/missing"
[ -n "$closed" ] && [ ! -s "$tmp/closed-shown" ]
check $? "the closed case (${closed# }) is not listed without --all" || show "$tmp/closed-shown"

status --format html --all >"$tmp/all.html" 2>/dev/null
res=0
for id in $closed; do grep -qF ">$id</a></td>" "$tmp/all.html" || res=1; done
check $res "with --all, the closed case is listed too"

# One timeline per case section that has dates; a section without says so instead.
sections=$(grep -c '<section class="case"' "$page")
svgs=$(grep -o '<svg' "$page" | wc -l)
nodates=$(grep -o 'No dates recorded yet\.' "$page" | wc -l)
[ "$sections" -gt 0 ] && [ $((svgs + nodates)) -eq "$sections" ]
check $? "a timeline (or 'No dates recorded yet.') per case: $sections sections, $svgs timelines"

grep -Eq 'https?://|src=|url\(|@import|<script|<link|<img' "$page"
[ $? -eq 1 ]
check $? "nothing fetched, nothing run: no http(s)://, src=, url(), @import, <script>, <link>, <img>"

grep -q 'OFFICIAL-SENSITIVE: contains case details; do not forward outside the partnership.' "$page"
check $? "the footer's reminder"

# The same totals sentence as the text form (its last line).
totals=$(status --format text --color never 2>/dev/null | tail -n 1)
[ -n "$totals" ] && grep -qF "<p class=\"totals\">$totals</p>" "$page"
check $? "the totals line is the text form's: $totals"

status --format html -o "$tmp/s.html" >"$tmp/o-out" 2>"$tmp/o-err"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$page" "$tmp/s.html"
check $? "-o s.html --format html writes the same bytes as stdout" || show "$tmp/o-err"
[ ! -s "$tmp/o-out" ]
check $? "-o: nothing on stdout" || head -n 20 "$tmp/o-out" | sed 's/^/# /'

status -o "$tmp/t.html" >/dev/null 2>"$tmp/t-err"
cmp -s "$page" "$tmp/t.html"
check $? "-o t.html without --format: the format follows the extension" || show "$tmp/t-err"

status --format html >"$tmp/again.html" 2>/dev/null
cmp -s "$page" "$tmp/again.html"
check $? "the same repository and as-of day give the same page"
