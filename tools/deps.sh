#!/bin/sh
# Install the Debian packages casefile needs, when some are missing.
# As root: apt-get update, then apt-get install -y the missing ones.
# Otherwise: print the exact command and fail, so the user knows what to run.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "casefile: installing$missing" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	exit $?
fi
echo "casefile: missing Debian packages:$missing" >&2
echo "  run: sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
