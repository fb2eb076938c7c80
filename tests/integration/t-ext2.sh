#!/usr/bin/env bash
# ext2 on a ubd disk under a real workload, checked on the host by
# e2fsck and debugfs: unpack a tar tree, create 10,000 files and delete
# half, rename across directories, hard links, fast and slow symlinks, a
# device node and a FIFO, a sparse file with a 1 GiB hole, a 200 MiB file
# read back with a checksum; then a second disk made with the guest's
# mkfs.ext2, an ext2 in an MBR partition, and a remount read-only.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
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
# A disk with an MBR whose second primary partition (at 1 MiB) holds ext2.
part=$WORK/part.img
mkdir "$WORK/ptree" && echo in-partition >"$WORK/ptree/hello"
truncate -s 8M "$WORK/p2.img"
mke2fs -q -F -t ext2 -d "$WORK/ptree" "$WORK/p2.img" || fail "mke2fs -d"
python3 - "$part" <<'PY'
import struct, sys
mbr = bytearray(512)
# entry 2: status 0, type 0x83, start sector 2048, 16384 sectors
mbr[446 + 16:446 + 32] = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0x83,
                                     b'\0\0\0', 2048, 16384)
mbr[510:512] = b'\x55\xaa'
open(sys.argv[1], 'wb').write(mbr)
PY
dd if="$WORK/p2.img" of="$part" bs=1M seek=1 conv=notrunc 2>/dev/null

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
cd /
mkfs.ext2 -q /dev/ubdd >/dev/null 2>&1 || mke2fs /dev/ubdd >/dev/null 2>&1 || echo MKFS-FAILED
mkdir -p /mnt2 && mount -t ext2 /dev/ubdd /mnt2 && echo on-small >/mnt2/x &&
	umount /mnt2 || echo SMALL-FAILED
mkdir -p /mnt3 && mount -t ext2 -o ro /dev/ubde2 /mnt3 &&
	grep -qx in-partition /mnt3/hello && umount /mnt3 || echo PARTITION-FAILED
mount -o remount,ro /mnt && (echo no >/mnt/ro-test) 2>/dev/null && echo RO-WRITE-WORKED
umount /mnt || echo UMOUNT-FAILED
echo "=== done"
poweroff -f
EOF
BOOT_TIMEOUT=${EXT2_TIMEOUT:-600}
BOOT_ARGS=(ubd1="$disk" ubd2d="$WORK/tree.tar" ubd3="$small" ubd4="$part")
boot_script "$WORK/work.sh" "$WORK/chunk"
assert_status 0
assert_line '=== done'
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
pass "tar tree, 10,000 files, renames, links, sparse 1 GiB hole, 200 MiB checksum, mkfs, MBR partition, e2fsck clean"
