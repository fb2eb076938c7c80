#!/usr/bin/env bash
# ./linux needs no privileges: when run as root, boot once as user nobody
# (setpriv) from copies in a directory nobody can read; as a normal user,
# the plain boot already is unprivileged.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
printf '%s\n' '#!/bin/sh' 'echo "unprivileged boot ok"' 'poweroff -f' \
	>"$WORK/script.sh"

if [[ $(id -u) -ne 0 ]]; then
	boot_script "$WORK/script.sh"
else
	command -v setpriv >/dev/null || skip "setpriv not installed"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	group=nogroup
	getent group nogroup >/dev/null || group=nobody
	home=$WORK/home
	mkdir -p "$home"
	chown nobody "$home"
	cp "$KERNEL" "$WORK/linux"
	chmod 755 "$WORK/linux"
	make_image "$WORK/script.sh" "$WORK/test.cpio.gz"
	chmod 644 "$WORK/test.cpio.gz"
	cd "$home" || fail "cannot enter $home"
	KERNEL="setpriv"
	run_kernel "$BOOT_OUT" "$BOOT_ERR" --reuid=nobody --regid="$group" \
		--clear-groups env HOME="$home" TMPDIR="$home" \
		"$WORK/linux" mem=256M initrd="$WORK/test.cpio.gz" quiet \
		init=/bin/sh /test.sh
	cd / || true
fi
assert_status 0
assert_line "unprivileged boot ok"
pass "boots and powers off without privileges"
