#!/bin/sh
# example-repo/README.md documents what casefile check prints for each example case: keep it true.
CASEFILE=${CASEFILE:-$(cd "$(dirname "$0")/../.." && pwd)/build/casefile}
CF_SRCDIR=${CF_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 "$CF_SRCDIR/tools/example-readme.py" --check "$CASEFILE"
