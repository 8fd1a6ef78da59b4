#!/bin/sh
# make demo: casefile on the example partnership's repository (every case is invented).
set -u
casefile=$1
here=$(cd "$(dirname "$0")/.." && pwd)
repo="$here/example-repo"
show() {
	echo
	echo "\$ casefile $*"
	"$casefile" -C "$repo" "$@"
	echo "(exit $?)"
}
echo "== The business office's page before the Case Review Group (status)"
show status
echo
echo "== Every problem in every case, compiler-style (check: exit 1 means errors)"
show check
echo
echo "== One case for the meeting"
show show 2025-006
echo
echo "== Why a rule exists"
show explain deadline/rapid-review
echo
echo "Also: casefile status --format html -o status.html (a printable page),"
echo "      casefile status --format csv (for a spreadsheet), casefile holidays $(date +%Y)."
