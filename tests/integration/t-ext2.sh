#!/usr/bin/env bash
# ext2 on a ubd disk under a real workload, checked on the host by
# e2fsck and debugfs: unpack a tar tree, create 10,000 files and delete
# half, rename across directories, hard links, fast and slow symlinks, a
# device node and a FIFO, a sparse file with a 1 GiB hole, a 200 MiB file
# read back with a checksum, SEEK_DATA/SEEK_HOLE (tests/guest/seek_holes);
# then a second disk made with the guest's mkfs.ext2, ext2 in a primary
# and in a logical MBR partition (inside an extended one), and a remount
# read-only.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
need_guest_bins
command -v mke2fs >/dev/null && command -v e2fsck >/dev/null &&
	command -v debugfs >/dev/null || skip "e2fsprogs is not installed"

disk=$WORK/disk.img
truncate -s 1G "$disk"
mke2fs -q -F -t ext2 -b 4096 "$disk" || fail "mke2fs"

# The tar tree: /usr/include, a few thousand files, read by the guest
# straight from a third disk that holds the tar archive itself.
tar -C /usr -cf "$WORK/tree.tar" include 2>/dev/null || fail "tar"
# A 1 MiB chunk of random data; the big file is 200 copies of it.
head -c 1048576 /dev/urandom >"$WORK/chunk"
big_sum=$(for _ in $(seq 200); do cat "$WORK/chunk"; done | md5sum | cut -d' ' -f1)
small=$WORK/small.img
truncate -s 32M "$small"
# A disk with an MBR: primary partition 2 (at 1 MiB) holds an ext2 the
# guest reads, extended partition 3 holds logical partitions 5 (an ext2
# the guest writes to) and 6 (a marker), linked by an EBR chain.
part=$WORK/part.img
mkdir "$WORK/ptree" "$WORK/ltree"
echo in-partition >"$WORK/ptree/hello"
echo in-logical >"$WORK/ltree/hello"
truncate -s 8M "$WORK/p2.img" "$WORK/l5.img"
mke2fs -q -F -t ext2 -d "$WORK/ptree" "$WORK/p2.img" || fail "mke2fs -d"
mke2fs -q -F -t ext2 -d "$WORK/ltree" "$WORK/l5.img" || fail "mke2fs -d"
truncate -s 40M "$part"
if command -v sfdisk >/dev/null; then
	sfdisk -q "$part" <<TABLE >/dev/null || fail "sfdisk"
label: dos
unit: sectors

part2 : start=2048, size=16384, type=83
part3 : start=18432, size=63488, type=5
part5 : start=20480, size=16384, type=83
part6 : start=38912, size=8192, type=83
TABLE
else
	# The same table by hand: an MBR and two EBRs.
	python3 - "$part" <<'PY' || fail "partition table"
import struct, sys

def table(f, sector, entries):
    s = bytearray(512)
    for slot, ptype, start, count in entries:
        s[446 + 16 * slot:462 + 16 * slot] = struct.pack(
            '<B3sB3sII', 0, b'\0\0\0', ptype, b'\0\0\0', start, count)
    s[510:512] = b'\x55\xaa'
    f.seek(sector * 512)
    f.write(s)

with open(sys.argv[1], 'r+b') as f:
    table(f, 0, [(1, 0x83, 2048, 16384), (2, 0x05, 18432, 63488)])
    # EBRs: the logical partition relative to the EBR, the link to the
    # next EBR relative to the extended partition.
    table(f, 18432, [(0, 0x83, 2048, 16384), (1, 0x05, 18432, 10240)])
    table(f, 36864, [(0, 0x83, 2048, 8192)])
PY
fi
dd if="$WORK/p2.img" of="$part" bs=512 seek=2048 conv=notrunc status=none
dd if="$WORK/l5.img" of="$part" bs=512 seek=20480 conv=notrunc status=none
printf logical-six | dd of="$part" bs=512 seek=38912 conv=notrunc status=none

cat >"$WORK/work.sh" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t tmpfs tmpfs /tmp
mount -t ext2 /dev/ubdb /mnt || { echo MOUNT-FAILED; poweroff -f; }
cd /mnt
mkdir tree && tar -xf /dev/ubdc -C tree || echo TAR-FAILED
mkdir many
i=0
while [ $i -lt 10000 ]; do
	echo "file $i" >many/f$i
	i=$((i + 1))
done
i=0
while [ $i -lt 10000 ]; do
	rm many/f$i
	i=$((i + 2))
done
mkdir a b
echo moved >a/m1
mkdir a/sub && echo deep >a/sub/d
mv a/m1 b/m1 && mv a/sub b/sub && mv many/f1 b/f1
echo linked >b/orig && ln b/orig a/hard1 && ln b/orig a/hard2
ln -s m1 b/fast
ln -s "$(printf 'x%.0s' $(seq 100))/target-of-a-slow-symlink" b/slow
mknod b/null c 1 3 && mkfifo b/fifo
dd if=/dev/zero of=sparse bs=1 count=1 seek=1073741824 2>/dev/null
echo sparse-tail >>sparse
dd if=/t/chunk of=chunk bs=65536 2>/dev/null
i=0
while [ $i -lt 200 ]; do cat chunk; i=$((i + 1)); done >big
echo "=== begin sums"
md5sum big | cut -d' ' -f1
ls many | wc -l
cat b/f1 b/m1 b/sub/d a/hard2
readlink b/fast
stat -c '%h %s' b/orig
[ "$(du -k sparse | cut -f1)" -lt 64 ] && echo sparse-ok
echo "=== end sums"
/t/seek_holes /mnt
cd /
mkfs.ext2 -q /dev/ubdd >/dev/null 2>&1 || mke2fs /dev/ubdd >/dev/null 2>&1 || echo MKFS-FAILED
mkdir -p /mnt2 && mount -t ext2 /dev/ubdd /mnt2 && echo on-small >/mnt2/x &&
	umount /mnt2 || echo SMALL-FAILED
mkdir -p /mnt3 && mount -t ext2 -o ro /dev/ubde2 /mnt3 &&
	grep -qx in-partition /mnt3/hello && umount /mnt3 || echo PARTITION-FAILED
echo "=== begin partitions"
grep ' ubde' /proc/partitions | while read -r _ _ kib name; do echo "$kib $name"; done
ls -1 /dev/ubde3 /dev/ubde5 /dev/ubde6
head -c 11 /dev/ubde6; echo
echo "=== end partitions"
mkdir -p /mnt4 && mount -t ext2 /dev/ubde5 /mnt4 &&
	grep -qx in-logical /mnt4/hello && echo written-in-logical >/mnt4/new &&
	umount /mnt4 || echo LOGICAL-FAILED
mount -o remount,ro /mnt && (echo no >/mnt/ro-test) 2>/dev/null && echo RO-WRITE-WORKED
umount /mnt || echo UMOUNT-FAILED
echo "=== done"
poweroff -f
EOF
BOOT_TIMEOUT=${EXT2_TIMEOUT:-600}
BOOT_ARGS=(ubd1="$disk" ubd2d="$WORK/tree.tar" ubd3="$small" ubd4="$part")
boot_script "$WORK/work.sh" "$WORK/chunk" "$GUEST_DIR/seek_holes"
assert_status 0
assert_line '=== done'
assert_line 'PASS seek_holes'
assert_no_match 'FAILED|RO-WRITE-WORKED'
section sums >"$WORK/sums"
printf '%s\n' "$big_sum" 4999 "file 1" moved deep linked m1 "3 7" sparse-ok >"$WORK/want"
diff -u "$WORK/want" "$WORK/sums" || { show_boot; fail "the guest's own checks"; }

# The host's view: a clean file system holding the same data.
e2fsck -fn "$disk" >"$WORK/fsck.log" 2>&1 ||
	{ show "e2fsck" "$WORK/fsck.log"; fail "e2fsck -fn finds the disk unclean"; }
e2fsck -fn "$small" >"$WORK/fsck2.log" 2>&1 ||
	{ show "e2fsck" "$WORK/fsck2.log"; fail "the guest's mkfs.ext2 disk is unclean"; }
mkdir "$WORK/out"
debugfs -R "rdump /tree $WORK/out" "$disk" >/dev/null 2>&1
diff -r --no-dereference /usr/include "$WORK/out/tree/include" >"$WORK/tree.diff" 2>&1 ||
	{ show "diff" "$WORK/tree.diff"; fail "the unpacked tree differs from the original"; }
debugfs -R "dump /big $WORK/big" "$disk" >/dev/null 2>&1
[[ $(md5sum <"$WORK/big" | cut -d' ' -f1) == "$big_sum" ]] ||
	fail "the 200 MiB file read by debugfs has the wrong checksum"
debugfs -R "cat /b/slow" "$disk" >/dev/null 2>&1
[[ $(debugfs -R "stat /b/slow" "$disk" 2>/dev/null | grep -c 'Fast link') -eq 0 ]] ||
	fail "a 120-byte symlink should be a slow symlink"
[[ $(debugfs -R "cat /x" "$small" 2>/dev/null) == on-small ]] ||
	fail "the file on the second disk is missing"
size=$(debugfs -R "stat /sparse" "$disk" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -n 1)
[[ $size == 1073741837 ]] || fail "sparse file size $size"
section partitions >"$WORK/parts"
printf '%s\n' "40960 ubde" "8192 ubde2" "1 ubde3" "8192 ubde5" "4096 ubde6" \
	/dev/ubde3 /dev/ubde5 /dev/ubde6 logical-six >"$WORK/parts.want"
diff -u "$WORK/parts.want" "$WORK/parts" ||
	{ show_boot; fail "the guest's partitions of the extended partition"; }
dd if="$part" of="$WORK/l5.out" bs=512 skip=20480 count=16384 status=none
e2fsck -fn "$WORK/l5.out" >"$WORK/fsck3.log" 2>&1 ||
	{ show "e2fsck" "$WORK/fsck3.log"; fail "the logical partition's ext2 is unclean"; }
[[ $(debugfs -R "cat /new" "$WORK/l5.out" 2>/dev/null) == written-in-logical ]] ||
	fail "the file written in logical partition 5 is missing"
pass "tar tree, 10,000 files, renames, links, sparse 1 GiB hole, SEEK_DATA/HOLE, 200 MiB checksum, mkfs, MBR primary and logical partitions, e2fsck clean"
