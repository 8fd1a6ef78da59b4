#!/bin/sh
# The identifier scan's speed (issue 6: a 1 MiB report against 50 identifiers under 20 ms).
# Builds bench/idscan.c against build/libcasefile.a (make it first) and prints the figure;
# exits 1 when a planted identifier is missed or the target is not met.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
cc=${CC:-cc}
mkdir -p "$build/bench"
# shellcheck disable=SC2046
$cc -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$here/lib" \
	-o "$build/bench/idscan" "$here/bench/idscan.c" "$build/libcasefile.a" \
	$(pkg-config --libs yaml-0.1 libgit2 libsodium) -lm -pthread
"$build/bench/idscan"
