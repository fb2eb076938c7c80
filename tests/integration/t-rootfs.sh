#!/usr/bin/env bash
# The default root disk: build a fresh root_fs with scripts/mkrootfs.sh and
# boot it the way `make run` does (no disk options: ubd0=root_fs in the
# current directory), log in on the console, write a file, sync, power
# off; the file must be on the host image and e2fsck must find it clean.
# Then boot it under a COW file (ubd0=cow,root_fs): the file is still
# there, a new one lands in the COW file and root_fs itself is untouched.
# SKIP while the kernel cannot mount its root from a disk.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
command -v python3 >/dev/null || skip "python3 not installed"
PATH=$PATH:/sbin:/usr/sbin
command -v debugfs >/dev/null || skip "debugfs not installed (e2fsprogs)"

# session NAME [LINE REGEX]... -- ARGS...: one console login in $WORK.
session() {
	local name=$1 status=0
	shift
	(cd "$WORK" && timeout -k 10 240 python3 \
		"$ROOT/tests/integration/rootfs_session.py" "$WORK/$name.log" \
		"$@" >"$WORK/$name.steps" 2>&1) || status=$?
	case $status in
	0) ;;
	77) skip "$(tail -n 1 "$WORK/$name.steps")" ;;
	*)
		cat "$WORK/$name.steps"
		echo "--- console transcript (last 40 lines):"
		tail -n 40 "$WORK/$name.log" | tr -d '\033' | sed 's/^/  | /'
		fail "$name: console session failed"
		;;
	esac
}

# fsck_clean: e2fsck finds nothing to fix in $WORK/root_fs.
fsck_clean() { # fsck_clean WHAT [IMAGE]
	e2fsck -fn "${2:-$WORK/root_fs}" >"$WORK/fsck.log" 2>&1 ||
		{
			show "e2fsck -fn" "$WORK/fsck.log"
			fail "$1: e2fsck -fn reports errors"
		}
}

bash "$ROOT/scripts/mkrootfs.sh" "$WORK/root_fs" >"$WORK/mkrootfs.log" 2>&1 ||
	{
		show "mkrootfs.sh" "$WORK/mkrootfs.log"
		fail "scripts/mkrootfs.sh failed"
	}
fsck_clean "the new image"

session plain 'cat /proc/mounts' '^\S+ / ext2 ' \
	'echo hello >/root/x; echo "wrote $?"' '^wrote 0$' \
	-- "$KERNEL" mem=256M
got=$(debugfs -R 'cat /root/x' "$WORK/root_fs" 2>/dev/null)
[[ $got == hello ]] || fail "/root/x on the host image holds '$got', not 'hello'"
fsck_clean "after the plain boot"

sum=$(md5sum <"$WORK/root_fs")
session cow 'cat /root/x' '^hello$' \
	'echo cow >/root/y; echo "wrote $?"' '^wrote 0$' \
	-- "$KERNEL" mem=256M ubd0=cow,root_fs
[[ $(md5sum <"$WORK/root_fs") == "$sum" ]] ||
	fail "booting with ubd0=cow,root_fs changed root_fs"
[[ -s $WORK/cow ]] || fail "booting with ubd0=cow,root_fs made no COW file"
session cow-again 'cat /root/y' '^cow$' \
	-- "$KERNEL" mem=256M ubd0=cow,root_fs
[[ $(md5sum <"$WORK/root_fs") == "$sum" ]] ||
	fail "booting the COW file again changed root_fs"
# The COW file is sparse: a whole boot and its writes use little disk.
used=$(du -k "$WORK/cow" | cut -f1)
((used < 1024)) || fail "the COW file uses $used KiB of disk, expected a few hundred"
# Debian's uml_moo merges it into an image that is clean and has the file.
if command -v uml_moo >/dev/null; then
	uml_moo "$WORK/cow" "$WORK/merged" >/dev/null 2>&1 ||
		fail "Debian's uml_moo cannot merge our COW file"
	fsck_clean "the image merged by uml_moo" "$WORK/merged"
	got=$(debugfs -R 'cat /root/y' "$WORK/merged" 2>/dev/null)
	[[ $got == cow ]] || fail "the merged image holds '$got' in /root/y"
fi
pass "boots root_fs, writes survive poweroff (plain and COW, $used KiB COW), uml_moo merge clean"
