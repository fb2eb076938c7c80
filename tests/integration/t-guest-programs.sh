#!/usr/bin/env bash
# Run every tests/guest program natively and inside ./linux (one boot per
# program, so one crash fails one program): each must print PASS and the two
# outputs must be byte-identical.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
need_guest_bins

failed=()
total=0
for src in "$ROOT"/tests/guest/*.c; do
	name=$(basename "$src" .c)
	bin=$GUEST_DIR/$name
	total=$((total + 1))

	mkdir -p "$WORK/native"
	(cd "$WORK/native" && timeout -k 5 60 "$bin" >"$WORK/$name.native" 2>&1)
	echo "=== status $?" >>"$WORK/$name.native"

	cat >"$WORK/$name.sh" <<SCRIPT
#!/bin/sh
$GUEST_PROLOGUE
cd /tmp
echo "=== begin $name"
/t/$name
echo "=== status \$?"
echo "=== end $name"
poweroff -f
SCRIPT
	boot_script "$WORK/$name.sh" "$bin"
	section "$name" >"$WORK/$name.guest"

	if ! grep -qxF "=== status 0" "$WORK/$name.native"; then
		echo "--- $name fails natively:"
		sed 's/^/  | /' "$WORK/$name.native"
		failed+=("$name(native)")
	elif [[ $BOOT_STATUS -ne 0 ]] ||
		! cmp -s "$WORK/$name.native" "$WORK/$name.guest"; then
		echo "--- $name: boot status $BOOT_STATUS; diff native guest:"
		diff -u "$WORK/$name.native" "$WORK/$name.guest" | head -n 40
		show "kernel stderr" "$BOOT_ERR"
		failed+=("$name")
	else
		echo "ok $name"
	fi
done

[[ ${#failed[@]} -eq 0 ]] || fail "${#failed[@]} of $total programs: ${failed[*]}"
pass "$total programs identical natively and in the guest"
