#!/usr/bin/env bash
# ubd disks and UML COW files, checked against Debian's uml-utilities:
# a COW file the kernel creates is sparse and leaves its backing file
# untouched; the real uml_moo merges it into the expected image; a COW file
# made by the real uml_mkcow works in the guest; synced data survives
# SIGKILL; bad COW files and locked images are refused with a clear message
# before anything is written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
command -v uml_moo >/dev/null && command -v uml_mkcow >/dev/null ||
	skip "Debian's uml-utilities is not installed"

# A 16 MiB backing file of known, non-zero data with a marker at 400 KiB.
back=$WORK/back.img
python3 - "$back" <<'EOF'
import sys
data = bytearray((i * 7 + i // 4096) & 0xff for i in range(16 << 20))
data[409600:409617] = b'BACKING-BLOCK-100'
open(sys.argv[1], 'wb').write(data)
EOF
back_sum=$(md5sum <"$back")

# 1. The kernel creates the COW file; the guest reads through it and writes.
cow=$WORK/cow.img
BOOT_ARGS=(ubd1="$cow,$back")
boot_lines "$GUEST_PROLOGUE" \
	'echo "=== begin read"' \
	'dd if=/dev/ubdb bs=4096 skip=100 count=1 2>/dev/null | head -c 17; echo' \
	'echo "=== end read"' \
	'echo GUEST-DATA-1 | dd of=/dev/ubdb bs=512 seek=2 conv=sync 2>/dev/null' \
	'dd if=/dev/zero of=/dev/ubdb bs=4096 seek=256 count=256 2>/dev/null' \
	'sync' 'poweroff -f'
assert_status 0
[[ $(section read) == BACKING-BLOCK-100 ]] ||
	{ show_boot; fail "reading the backing file through a new COW file"; }
[[ -f $cow ]] || fail "the COW file was not created"
[[ $(head -c 4 "$cow") == OOOM ]] || fail "the COW file has no v3 magic"
[[ $(md5sum <"$back") == "$back_sum" ]] || fail "the backing file changed"
used=$(du -k "$cow" | cut -f1)
((used < 2048)) || fail "the COW file is not sparse ($used KiB used)"

# 2. The real uml_moo merges our COW file into the expected image.
uml_moo "$cow" "$WORK/merged.img" >"$WORK/moo.log" 2>&1 ||
	{ show "uml_moo" "$WORK/moo.log"; fail "Debian's uml_moo rejected our COW file"; }
python3 - "$back" "$WORK/merged.img" <<'EOF' || fail "the merged image is wrong"
import sys
b = open(sys.argv[1], 'rb').read()
m = open(sys.argv[2], 'rb').read()
want = bytearray(b)
sector = b'GUEST-DATA-1\n'.ljust(512, b'\0')
want[1024:1536] = sector
want[256 * 4096:512 * 4096] = bytes(256 * 4096)
if m != want:
    bad = next(i for i in range(len(want)) if i >= len(m) or m[i] != want[i])
    sys.exit(f"first difference at byte {bad}")
EOF

# 3. A COW file made by the real uml_mkcow: the guest sees the backing data
#    and its writes land in the COW file (merged again by the real tool).
cow2=$WORK/cow2.img
uml_mkcow "$cow2" "$back" >/dev/null 2>&1 || fail "uml_mkcow failed"
BOOT_ARGS=(ubd1="$cow2")
boot_lines "$GUEST_PROLOGUE" \
	'echo "=== begin read"' \
	'dd if=/dev/ubdb bs=4096 skip=100 count=1 2>/dev/null | head -c 17; echo' \
	'echo "=== end read"' \
	'echo GUEST-DATA-2 | dd of=/dev/ubdb bs=4096 seek=1000 conv=sync 2>/dev/null' \
	'poweroff -f'
assert_status 0
[[ $(section read) == BACKING-BLOCK-100 ]] ||
	{ show_boot; fail "reading through a COW file made by uml_mkcow"; }
uml_moo "$cow2" "$WORK/merged2.img" >/dev/null 2>&1 || fail "uml_moo on cow2"
[[ $(dd if="$WORK/merged2.img" bs=4096 skip=1000 count=1 2>/dev/null |
	head -c 12) == GUEST-DATA-2 ]] || fail "poweroff did not write back the cache"
[[ $(md5sum <"$back") == "$back_sum" ]] || fail "the backing file changed"

# 4. Synced data survives SIGKILL of the kernel.
raw=$WORK/raw.img
truncate -s 8M "$raw"
cat >"$WORK/kill.sh" <<'EOF'
#!/bin/sh
echo SYNCED-DATA | dd of=/dev/ubdb bs=4096 seek=7 conv=sync 2>/dev/null
sync
echo "=== synced"
sleep 100
EOF
make_image "$WORK/kill.sh" "$WORK/kill.cpio.gz"
"$KERNEL" mem=64M initrd="$WORK/kill.cpio.gz" quiet init=/bin/sh /test.sh \
	ubd1="$raw" </dev/null >"$WORK/kill.out" 2>&1 &
kpid=$!
for _ in $(seq 100); do
	grep -q '=== synced' "$WORK/kill.out" && break
	sleep 0.1
done
grep -q '=== synced' "$WORK/kill.out" ||
	{ kill -KILL "$kpid"; show "kernel" "$WORK/kill.out"; fail "the sync guest did not run"; }
# 5. While it runs, the image is locked against a second kernel.
BOOT_ARGS=(ubd1="$raw")
boot_lines 'echo SECOND-KERNEL-RAN' 'poweroff -f'
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
[[ $(dd if="$raw" bs=4096 skip=7 count=1 2>/dev/null | head -c 11) == SYNCED-DATA ]] ||
	fail "data synced by the guest was lost on SIGKILL"
[[ $BOOT_STATUS -ne 0 ]] && grep -q "F_SETLK failed, file already locked by pid $kpid" "$BOOT_ERR" ||
	{ show_boot; fail "a second kernel on a locked image was not refused"; }
assert_no_match SECOND-KERNEL-RAN

# 6. Bad COW files fail before anything is written, with a clear message.
refused() { # refused WHAT REGEX FILE...: boot fails, files unchanged
	local what=$1 re=$2 sums
	shift 2
	sums=$(md5sum "$@")
	boot_lines 'echo BOOTED' 'poweroff -f'
	[[ $BOOT_STATUS -ne 0 ]] && grep -qE -- "$re" "$BOOT_ERR" ||
		{ show_boot; fail "$what: not refused with /$re/"; }
	assert_no_match BOOTED
	[[ $(md5sum "$@") == "$sums" ]] || fail "$what: a file was modified"
}
cp "$cow2" "$WORK/cow3.img"
cp "$back" "$WORK/back3.img"
uml_mkcow -f "$WORK/cow3.img" "$WORK/back3.img" >/dev/null 2>&1
touch -d '2001-01-01' "$WORK/back3.img"
BOOT_ARGS=(ubd1="$WORK/cow3.img")
refused "modified backing file" 'mtime mismatch' "$WORK/cow3.img" "$WORK/back3.img"
mv "$WORK/back3.img" "$WORK/gone.img"
refused "missing backing file" "Couldn't determine size of device's file" "$WORK/cow3.img"
head -c 100 "$cow2" >"$WORK/short.img"
BOOT_ARGS=(ubd1="$WORK/short.img,$back")
refused "truncated COW header" 'bad COW header.*failed to read V3 header' "$WORK/short.img" "$back"
BOOT_ARGS=(ubd1q="$raw")
refused "bad flag" "Expected '=' or flag letter" "$raw"

pass "COW create/read/write, real uml_moo/uml_mkcow interop, sync+SIGKILL, locking, refusals"
