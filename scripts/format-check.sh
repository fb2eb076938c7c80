#!/usr/bin/env bash
# Check that every tracked (and not ignored, untracked) *.c/*.h file outside
# build/ is formatted as .clang-format says. With --fix, reformat in place.
# Usage: scripts/format-check.sh [--fix]
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
	echo "format-check: $clang_format not found (apt-get install clang-format)" >&2
	exit 1
fi

mapfile -t files < <(git ls-files --cached --others --exclude-standard \
	-- '*.c' '*.h' | grep -v '^build/' | sort -u)
[[ ${#files[@]} -gt 0 ]] || { echo "format-check: no C files"; exit 0; }

if [[ ${1:-} == --fix ]]; then
	"$clang_format" -i --style=file "${files[@]}"
	exit 0
fi
if "$clang_format" --dry-run -Werror --style=file "${files[@]}"; then
	echo "format-check: ${#files[@]} files clean"
else
	echo "format-check: run scripts/format-check.sh --fix (or make format)" >&2
	exit 1
fi
