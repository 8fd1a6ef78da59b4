#!/bin/sh
# make demo: show casefile on the example partnership's repository.
set -u
casefile=$1
here=$(cd "$(dirname "$0")/.." && pwd)
echo "== casefile check on example-repo/ (a fictional partnership; every case is invented)"
echo "\$ casefile -C example-repo check"
"$casefile" -C "$here/example-repo" check
echo "(exit $?: 1 means errors were found, as example-repo/README.md documents)"
echo
echo "== what one of those rules is for"
echo "\$ casefile explain dates/order"
"$casefile" explain dates/order
