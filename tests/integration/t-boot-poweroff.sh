#!/usr/bin/env bash
# Boot the default image with a shell script as init, print a line, power
# off: ./linux must exit 0 with the line on its console. Then rdinit=, as
# in Linux: it runs before init=, and when it cannot run, init= does.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
boot_lines 'echo hello from the guest' 'echo "sum $((40 + 2))"' 'poweroff -f' \
	'echo "not reached"'
assert_status 0
assert_line 'hello from the guest'
assert_line 'sum 42'
assert_no_match 'not reached'

printf '%s\n' '#!/bin/sh' 'echo "rdinit ran as pid $$"' 'poweroff -f' \
	>"$WORK/rd.sh"
make_image "$WORK/rd.sh" "$WORK/rd.cpio.gz"
run_kernel "$BOOT_OUT" "$BOOT_ERR" mem="$BOOT_MEM" initrd="$WORK/rd.cpio.gz" \
	rdinit=/test.sh init=/bin/false
assert_status 0
assert_line 'rdinit ran as pid 1'
run_kernel "$BOOT_OUT" "$BOOT_ERR" mem="$BOOT_MEM" initrd="$WORK/rd.cpio.gz" \
	rdinit=/no/such/file init=/test.sh
assert_status 0
assert_line 'rdinit ran as pid 1'
assert_match 'Failed to execute /no/such/file \(error -2\)'
pass "boots, runs echo, powers off with status 0; rdinit= first, init= after it fails"
