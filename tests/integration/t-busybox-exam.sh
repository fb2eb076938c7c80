#!/usr/bin/env bash
# Run tests/integration/busybox-exam.sh (50+ busybox applets and shell
# features) natively and in the guest with the same /bin/busybox; the
# outputs must be identical. Natively, PATH holds only busybox applet
# symlinks, so no host tool takes part.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BUSYBOX=${BUSYBOX:-/bin/busybox}
exam=$ROOT/tests/integration/busybox-exam.sh

need_kernel
[[ -x $BUSYBOX ]] || skip "no $BUSYBOX (install busybox-static)"

# Native run: $WORK/native/{bin,busybox-exam.sh,w}
nat=$WORK/native
mkdir -p "$nat/bin" "$nat/w"
for applet in $("$BUSYBOX" --list); do
	ln -s "$BUSYBOX" "$nat/bin/$applet"
done
cp "$exam" "$nat/busybox-exam.sh"
(cd "$nat/w" && timeout -k 5 120 env -i PATH="$nat/bin" HOME="$nat/w" \
	"$BUSYBOX" sh ../busybox-exam.sh >"$WORK/native.out" 2>&1
	echo "=== status $?" >>"$WORK/native.out")

# Guest run: /tmp/busybox-exam.sh beside /tmp/w, the same layout.
cat >"$WORK/exam.sh" <<SCRIPT
#!/bin/sh
$GUEST_PROLOGUE
mkdir -p /tmp/w
cp /t/busybox-exam.sh /tmp/busybox-exam.sh
cd /tmp/w
echo "=== begin exam"
env -i PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp/w sh ../busybox-exam.sh 2>&1
echo "=== status \$?"
echo "=== end exam"
poweroff -f
SCRIPT
BOOT_TIMEOUT=120 boot_script "$WORK/exam.sh" "$exam"
section exam >"$WORK/guest.out"

grep -qxF "=== status 0" "$WORK/native.out" || {
	show "native output" "$WORK/native.out"
	fail "the exam fails natively"
}
assert_status 0
assert_same_files "$WORK/native.out" "$WORK/guest.out" "busybox-exam.sh"
pass "$(grep -c . "$WORK/native.out") lines identical natively and in the guest"
