#!/usr/bin/env bash
# gdb can run the kernel, stop in the syscall dispatcher on a guest's
# syscall and print a backtrace through the trap loop (docs/debugging.md).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
command -v gdb >/dev/null || skip "gdb is not installed"
printf '#!/bin/sh\npoweroff -f\n' >"$WORK/script.sh"
make_image "$WORK/script.sh" "$WORK/img.cpio.gz"
timeout -k 5 60 gdb -batch -nx \
	-ex 'handle SIGALRM nostop noprint pass' \
	-ex 'handle SIGCHLD nostop noprint pass' \
	-ex 'break syscall_dispatch' -ex run -ex bt \
	-ex 'print t->regs.orig_rax' -ex kill \
	--args "$KERNEL" initrd="$WORK/img.cpio.gz" quiet init=/bin/sh \
	/test.sh </dev/null >"$WORK/gdb.out" 2>&1
grep -q 'Breakpoint 1, syscall_dispatch' "$WORK/gdb.out" &&
	grep -qE '^#[0-9]+ .* arch_user_loop' "$WORK/gdb.out" &&
	grep -qE '^\$1 = [0-9]+' "$WORK/gdb.out" ||
	{
		show "gdb output" "$WORK/gdb.out"
		fail "no stop in syscall_dispatch with a backtrace"
	}
pass "gdb breaks in syscall_dispatch and prints the trap-loop backtrace"
