#!/usr/bin/env bash
# Build the default initramfs: Debian's static busybox, a symlink for every
# applet, a minimal /etc for busybox init, and empty mount points. No root
# needed: files are recorded as owned by root (cpio --owner=0:0) and /dev is
# left for the kernel's devtmpfs to fill.
# Usage: scripts/mkinitramfs.sh OUT.cpio.gz
# The Makefile may run this with sh: make sure bash runs it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

out=${1:?usage: $0 OUT.cpio.gz}
busybox=${BUSYBOX:-/bin/busybox}

if [[ ! -x $busybox ]] || ! "$busybox" --list-full >/dev/null 2>&1; then
	echo "mkinitramfs.sh: $busybox is not a working busybox (install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc/init.d,mnt,var/log,run,home}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"

"$busybox" --list-full | while read -r applet; do
	[[ -n $applet && $applet != bin/busybox ]] || continue
	mkdir -p "$root/$(dirname "$applet")"
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done
# The kernel runs init= if given, else /init, /sbin/init, ... as Linux does.
ln -s /bin/busybox "$root/init"

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "uml" >"$root/etc/hostname"
cat >"$root/etc/inittab" <<'INITTAB'
::sysinit:/etc/init.d/rcS
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
INITTAB
cat >"$root/etc/init.d/rcS" <<'RCS'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys 2>/dev/null
mount -t tmpfs tmpfs /tmp
hostname -F /etc/hostname
echo "Welcome to the user-mode kernel. Shut down with: poweroff -f"
RCS
chmod 0755 "$root/etc/init.d/rcS"
cat >"$root/etc/profile" <<'PROFILE'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
export PS1='\w # '
PROFILE
echo "/bin/sh" >"$root/etc/shells"

mkdir -p "$(dirname "$out")"
tmp_out="$out.tmp.$$"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner=0:0 --reproducible) |
	gzip -9 -n >"$tmp_out"
mv "$tmp_out" "$out"
