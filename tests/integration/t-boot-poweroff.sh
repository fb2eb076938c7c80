#!/usr/bin/env bash
# Boot the default image with a shell script as init, print a line, power
# off: ./linux must exit 0 with the line on its console.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
boot_lines 'echo hello from the guest' 'echo "sum $((40 + 2))"' 'poweroff -f' \
	'echo "not reached"'
assert_status 0
assert_line 'hello from the guest'
assert_line 'sum 42'
assert_no_match 'not reached'
pass "boots, runs echo, powers off with status 0"
