#!/usr/bin/env bash
# A dynamically linked glibc program runs in the guest when the image
# carries its loader and libraries, with the same output as natively.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
src=$ROOT/tests/integration/dynhello.c
bin=$WORK/dynhello
cc -O2 -pthread -o "$bin" "$src" || fail "cannot build $src"
DYN_TEST=yes "$bin" one >"$WORK/native" || fail "native run failed"

root=$WORK/root
mkdir -p "$root/t"
cp "$bin" "$root/t/dynhello"
# The loader and every library, at the paths the binary names.
for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat >"$root/test.sh" <<'SCRIPT'
#!/bin/sh
echo "=== begin dyn"
DYN_TEST=yes /t/dynhello one
echo "=== end dyn"
poweroff -f
SCRIPT
chmod 755 "$root/test.sh"
make_cpio "$root" "$WORK/extra.cpio.gz"
cat "$BASE_IMAGE" "$WORK/extra.cpio.gz" >"$WORK/img.cpio.gz"
run_kernel "$BOOT_OUT" "$BOOT_ERR" mem="$BOOT_MEM" initrd="$WORK/img.cpio.gz" \
	quiet init=/bin/sh /test.sh
assert_status 0
section dyn >"$WORK/guest"
assert_same_files "$WORK/native" "$WORK/guest" "dynhello"
pass "a glibc dynamic program runs with its libraries"
