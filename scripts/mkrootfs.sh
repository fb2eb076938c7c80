#!/usr/bin/env bash
# Build the default root disk image: an ext2 file system holding Debian's
# static busybox, a symlink for every applet, and a small /etc for busybox
# init (a shell on the console, / remounted read-write, pseudo file systems
# mounted by /etc/init.d/rcS). The kernel boots it with its defaults
# (ubd0=root_fs root=98:0).
#
# Guarantees: no root privileges are needed, and the image does not depend
# on who builds it or when: every file is owned by root (uid/gid 0), every
# time stamp is $SOURCE_DATE_EPOCH (default 2024-01-01), and the UUID and
# directory hash seed are fixed, so the same busybox and e2fsprogs give the
# same bytes. /dev holds console and null so that init has a console even
# before devtmpfs is mounted over it.
#
# Usage: scripts/mkrootfs.sh OUT [SIZE]     ext2 image, SIZE default 64M
#        scripts/mkrootfs.sh --cpio OUT     the same tree as a gzip'ed newc
#                                           initramfs (no device nodes), for
#                                           trying the init scripts without
#                                           a disk: ./linux initrd=OUT
# The Makefile may run this with sh: make sure bash runs it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

usage() {
	echo "usage: $0 OUT [SIZE] | $0 --cpio OUT.cpio.gz" >&2
	exit 2
}

format=ext2
if [[ ${1:-} == --cpio ]]; then
	format=cpio
	shift
fi
[[ $# -ge 1 && $# -le 2 && -n $1 ]] || usage
out=$1
size=${2:-64M}
[[ $format == ext2 || $# -eq 1 ]] || usage
if ! [[ $size =~ ^[1-9][0-9]*[KMG]$ ]]; then
	echo "mkrootfs.sh: bad SIZE '$size' (a number with a K, M or G suffix)" >&2
	exit 2
fi

busybox=${BUSYBOX:-/bin/busybox}
epoch=${SOURCE_DATE_EPOCH:-1704067200}
# Fixed so that rebuilding gives the same image; any UUID would do.
uuid=5ce1f3a0-75b1-4d6e-9a1c-0c0ffee0ba5e
hash_seed=0d1e2c3b-4a59-4687-8796-a5b4c3d2e1f0

if [[ ! -x $busybox ]] || ! "$busybox" --list-full >/dev/null 2>&1; then
	echo "mkrootfs.sh: $busybox is not a working busybox (install busybox-static)" >&2
	exit 1
fi
export PATH=$PATH:/sbin:/usr/sbin
if [[ $format == ext2 ]]; then
	for tool in mke2fs debugfs e2fsck; do
		if ! command -v "$tool" >/dev/null; then
			echo "mkrootfs.sh: $tool not found (install e2fsprogs)" >&2
			exit 1
		fi
	done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

# ---- the tree ----
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,mnt,home,run}
mkdir -p "$root"/{etc/init.d,var/log,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"

# What `busybox --install -s` would make, made here (it would need to run
# inside the tree): /sbin/init is among the applets.
"$busybox" --list-full | while read -r applet; do
	[[ -n $applet && $applet != bin/busybox ]] || continue
	mkdir -p "$root/$(dirname "$applet")"
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done

cat >"$root/etc/inittab" <<'INITTAB'
# busybox init: <tty>::<action>:<program>; an empty tty is the console.
::sysinit:/etc/init.d/rcS
# cttyhack makes the console the shell's controlling tty (job control, ^C).
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
::shutdown:/bin/sync
INITTAB

cat >"$root/etc/init.d/rcS" <<'RCS'
#!/bin/sh
# Run once by busybox init at boot (::sysinit in /etc/inittab).
mount -t proc proc /proc
mount -t sysfs sysfs /sys 2>/dev/null
# The kernel mounts devtmpfs on /dev itself; mount it only if it did not.
grep -q '^[^ ]* /dev ' /proc/mounts ||
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -o remount,rw / 2>/dev/null || echo "rcS: cannot remount / read-write"
hostname -F /etc/hostname
echo "Welcome to $(hostname): busybox on the user-mode kernel $(uname -r)."
RCS
chmod 0755 "$root/etc/init.d/rcS"

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
# Root has no password: this is a throw-away machine on your own terminal.
cat >"$root/etc/shadow" <<'SHADOW'
root::19723:0:99999:7:::
nobody:*:19723:0:99999:7:::
SHADOW
chmod 0600 "$root/etc/shadow"
cat >"$root/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP
echo "uml" >"$root/etc/hostname"
echo "/bin/sh" >"$root/etc/shells"
cat >"$root/etc/fstab" <<'FSTAB'
# <device>	<mount point>	<type>	<options>	<dump>	<pass>
/dev/ubda	/		ext2	defaults	0	1
proc		/proc		proc	defaults	0	0
tmpfs		/tmp		tmpfs	defaults	0	0
FSTAB
ln -s /proc/mounts "$root/etc/mtab"
cat >"$root/etc/profile" <<'PROFILE'
# Read by login shells (the console shell is `sh -l`).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ "$(id -u)" = 0 ] && export HOME=/root
export PS1='\u@\h:\w\$ '
umask 022
[ -r /etc/motd ] && cat /etc/motd
PROFILE
echo "Type 'poweroff' to shut down the machine; ./linux then exits." \
	>"$root/etc/motd"

# ---- the image ----
mkdir -p "$(dirname "$out")"
tmp_out="$out.tmp.$$"
trap 'rm -rf "$work" "$tmp_out"' EXIT

if [[ $format == cpio ]]; then
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) |
		gzip -9 -n >"$tmp_out"
	mv "$tmp_out" "$out"
	exit 0
fi

# mke2fs -d copies each file's owner and times from the tree; the times
# are set here, ctime and the owner (when not built by root) by debugfs.
find "$root" -exec touch -h -d "@$epoch" {} +
export E2FSPROGS_FAKE_TIME=$epoch
: >"$tmp_out"
mke2fs -q -F -t ext2 -b 4096 -L root -U "$uuid" \
	-E "root_owner=0:0,hash_seed=$hash_seed" -d "$root" "$tmp_out" "$size"

cmds=$work/debugfs.cmds
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cut -c2-) |
	while read -r path; do
		printf 'sif %s uid 0\nsif %s gid 0\nsif %s ctime @%s\n' \
			"$path" "$path" "$path" "$epoch"
	done >"$cmds"
cat >>"$cmds" <<DEV
cd /dev
mknod console c 5 1
sif console mode 020600
mknod null c 1 3
sif null mode 020666
DEV
debugfs -w -f "$cmds" "$tmp_out" >"$work/debugfs.log" 2>&1
# debugfs echoes each command ("debugfs: ...") and still exits 0 when one
# fails: any other line is an error message.
if grep -v -e '^debugfs' -e '^Allocated inode: ' "$work/debugfs.log" \
	>"$work/debugfs.err"; then
	echo "mkrootfs.sh: debugfs failed:" >&2
	head -n 20 "$work/debugfs.err" >&2
	exit 1
fi
if ! e2fsck -fn "$tmp_out" >"$work/fsck.log" 2>&1; then
	echo "mkrootfs.sh: the new image does not pass e2fsck:" >&2
	cat "$work/fsck.log" >&2
	exit 1
fi
mv "$tmp_out" "$out"
