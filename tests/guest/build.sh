#!/usr/bin/env bash
# Build every tests/guest/*.c as a static binary into OUTDIR (default
# build/guest). Only out-of-date binaries are rebuilt.
# Usage: tests/guest/build.sh [OUTDIR]
# The Makefile may run this with sh: make sure bash runs it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

src_dir=$(cd "$(dirname "$0")" && pwd)
out_dir=${1:-$src_dir/../../build/guest}
mkdir -p "$out_dir"
CC=${CC:-gcc}
CFLAGS="-std=c11 -O2 -static -pthread -Wall -Wextra -Werror"

status=0
for src in "$src_dir"/*.c; do
	name=$(basename "$src" .c)
	bin=$out_dir/$name
	if [[ -x $bin && $bin -nt $src && $bin -nt $src_dir/guest.h ]]; then
		continue
	fi
	# shellcheck disable=SC2086
	if $CC $CFLAGS -o "$bin.tmp" "$src"; then
		mv "$bin.tmp" "$bin"
	else
		rm -f "$bin.tmp"
		echo "build.sh: failed to build $name" >&2
		status=1
	fi
done
exit $status
