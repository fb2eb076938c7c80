#!/usr/bin/env bash
# A person at the console: boot the default image (busybox init, a shell on
# the console) on a pseudo-terminal and drive it with console_session.py: a
# pipeline, a background job, ^C, ps, /proc/self/maps, vi, ^D, poweroff -f.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
command -v python3 >/dev/null || skip "python3 not installed"
cp "$BASE_IMAGE" "$WORK/initramfs.cpio.gz"
if ! timeout -k 10 240 python3 "$ROOT/tests/integration/console_session.py" \
	"$WORK/console.log" -- "$KERNEL" mem=256M \
	initrd="$WORK/initramfs.cpio.gz" quiet >"$WORK/steps.log" 2>&1; then
	cat "$WORK/steps.log"
	echo "--- console transcript (last 40 lines):"
	tail -n 40 "$WORK/console.log" | tr -d '\033' | sed 's/^/  | /'
	fail "interactive session failed"
fi
pass "$(grep -c '^step:' "$WORK/steps.log") interactive steps passed"
