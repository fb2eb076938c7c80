#!/usr/bin/env bash
# Hostile guests must not hurt the kernel: a segfault reaches the parent
# shell as SIGSEGV (status 139); bad pointers give EFAULT; allocations
# beyond mem= fail or are killed; fork until failure then reap; unknown raw
# syscalls give -ENOSYS; a jump into the stub's code to make host syscalls
# gets the process killed. Afterwards the machine still runs and powers off.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
need_guest_bins
cat >"$WORK/abuse.sh" <<SCRIPT
#!/bin/sh
$GUEST_PROLOGUE
cd /tmp
sh -c 'kill -SEGV \$\$'; echo "kill-segv=\$?"
/t/abuse segv; echo "null-deref=\$?"
/t/abuse stubjump; echo "stubjump=\$?"
/t/abuse; echo "efault-enomem=\$?"
/t/abuse oom 384; echo "oom=\$?"
/t/abuse forks 1000; echo "forks=\$?"
/t/nosys; echo "nosys=\$?"
echo "still alive"
poweroff -f
SCRIPT
BOOT_MEM=256M boot_script "$WORK/abuse.sh" "$GUEST_DIR/abuse" "$GUEST_DIR/nosys"
for want in kill-segv=139 null-deref=139 stubjump=137 efault-enomem=0 oom=0 forks=0 \
	nosys=0 "still alive"; do
	assert_line "$want"
done
assert_status 0
pass "segfaults, EFAULT, ENOMEM, fork limit and ENOSYS handled"
