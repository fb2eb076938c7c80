#!/usr/bin/env bash
# Run every tests/integration/t-*.sh (or the ones named) and summarise.
# Exit status 0 (pass), 1 (fail) or 77 (skip) per test; each test is
# bounded by $TEST_TIMEOUT seconds. The last line is always
#   integration: N passed, M failed, K skipped
# and the exit status is non-zero if any test failed.
# Usage: tests/integration/run-all.sh [t-name ...]
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
cd "$root" || exit 1
TEST_TIMEOUT=${TEST_TIMEOUT:-600}

if [[ $# -gt 0 ]]; then
	tests=()
	for name in "$@"; do
		tests+=("$dir/${name%.sh}.sh")
	done
else
	tests=("$dir"/t-*.sh)
fi

# Build the guest programs once up front (the tests rebuild only if stale).
if ! bash "$root/tests/guest/build.sh" "$root/build/guest"; then
	echo "run-all: building tests/guest failed" >&2
fi

passed=0 failed=0 skipped=0
failures=()
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	echo "--- $name"
	start=$SECONDS
	timeout -k 10 "$TEST_TIMEOUT" bash "$t"
	status=$?
	case $status in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*)
		[[ $status -eq 124 ]] && echo "FAIL $name: timed out after ${TEST_TIMEOUT}s"
		failed=$((failed + 1))
		failures+=("$name")
		;;
	esac
	echo "--- $name: status $status in $((SECONDS - start))s"
done

[[ $failed -eq 0 ]] || echo "failed: ${failures[*]}"
echo "integration: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
