#!/usr/bin/env bash
# Run the ubench yardstick (../shared/bench/ubench.c) natively, inside
# ./linux and, if Debian's user-mode-linux is installed, inside real UML,
# then print one table comparing them. A run that fails shows as n/a.
# Usage: bench/run.sh [-q] [TEST...]   (-q: a tenth of the iterations)
# Real UML runs through scripts/real-uml.sh, which preloads the XSAVE shim
# it needs on hosts with AVX-512/AMX (tools/uml_xstate_shim.c).
# Environment: UML=/path/to/linux.uml (default /usr/bin/linux.uml),
#   BENCH_TIMEOUT=seconds per run (default 600).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
src=$root/../shared/bench/ubench.c
bin=$root/build/ubench
image=$root/build/initramfs.cpio.gz
kernel=$root/linux
uml=${UML:-/usr/bin/linux.uml}
limit=${BENCH_TIMEOUT:-600}
quick=()
if [[ ${1:-} == -q ]]; then
	quick=(-q)
	shift
fi
tests=("$@")

[[ -f $src ]] || { echo "bench: no $src" >&2; exit 1; }
mkdir -p build
if [[ ! -x $bin || $src -nt $bin ]]; then
	gcc -O2 -static -pthread -o "$bin" "$src" || exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Results are files of "name value unit" lines.
echo "bench: native" >&2
mkdir -p "$work/native-dir"
timeout -k 5 "$limit" "$bin" "${quick[@]}" "$work/native-dir" \
	"${tests[@]}" >"$work/native" 2>"$work/native.err" ||
	echo "bench: native run failed" >&2
# The host file system stands in for the ubd disk natively.
"$bin" "${quick[@]}" "$work/native-dir" files 2>/dev/null |
	sed 's/^/ubd_/' >>"$work/native"

# An empty ext2 disk for the file tests on ubd.
disk_image() {
	local out=$1
	rm -f "$out"
	truncate -s 512M "$out" && mke2fs -q -F -t ext2 -b 4096 "$out"
}

# Milliseconds from starting the kernel on a COW of root_fs to its shell
# prompt on the console (boot, busybox init, rcS, the shell).
# boot_time COMMAND...: the kernel command (with its own arguments).
boot_time() {
	[[ -f $root/root_fs ]] || return
	rm -f "$work/boot.cow"
	python3 - "$@" "ubd0=$work/boot.cow,$root/root_fs" <<'PY' || return
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
seen = b''
while b'# ' not in seen and time.monotonic() - t0 < 30:
    chunk = os.read(p.stdout.fileno(), 4096)
    if not chunk:
        break
    seen += chunk
ms = (time.monotonic() - t0) * 1000
p.stdin.write(b'poweroff -f\n')
p.stdin.flush()
p.wait(timeout=30)
if b'# ' in seen:
    print(f"boot_rootfs {ms:.0f} ms")
PY
}

# An image with ubench as /t/ubench and /bench.sh as init's script.
make_image() {
	local out=$1 extra=$work/extra
	mkdir -p "$extra/t"
	cp "$bin" "$extra/t/ubench"
	cat >"$extra/bench.sh" <<SCRIPT
#!/bin/sh
mount -t proc proc /proc 2>/dev/null
mount -t tmpfs tmpfs /tmp 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "=== begin ubench"
/t/ubench ${quick[*]} /tmp ${tests[*]}
# The file tests again on an ext2 file system on a ubd disk.
if [ -b /dev/ubdb ] && mount -t ext2 /dev/ubdb /mnt; then
	/t/ubench ${quick[*]} /mnt files | sed 's/^/ubd_/'
	umount /mnt
fi
echo "=== end ubench"
poweroff -f
SCRIPT
	chmod 755 "$extra/bench.sh"
	(cd "$extra" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0) | gzip -n >"$work/extra.cpio.gz"
	cat "$image" "$work/extra.cpio.gz" >"$out"
}

# run_guest NAME KERNEL ARGS...: boot, keep the lines between the markers.
run_guest() {
	local name=$1
	shift
	echo "bench: $name" >&2
	timeout -k 5 "$limit" "$@" </dev/null >"$work/$name.raw" 2>"$work/$name.err"
	tr -d '\r' <"$work/$name.raw" |
		awk '/^=== end ubench/ { on = 0 } on { print } /^=== begin ubench/ { on = 1 }' \
			>"$work/$name"
	[[ -s $work/$name ]] || echo "bench: $name run failed (see below)" >&2
}

touch "$work/ours" "$work/uml"
# The first CPU this script may run on, for pinning real UML.
pin=()
if cpu=$(taskset -pc $$ 2>/dev/null); then
	cpu=${cpu##*: }
	pin=(taskset -c "${cpu%%[-,]*}")
fi
if [[ -f $image ]]; then
	make_image "$work/bench.cpio.gz"
	if [[ -x $kernel ]]; then
		disk_image "$work/disk.img"
		run_guest ours "$kernel" mem=1G initrd="$work/bench.cpio.gz" quiet \
			init=/bin/sh /bench.sh ubd1="$work/disk.img"
		boot_time "$kernel" >>"$work/ours"
	else
		echo "bench: no ./linux (run make)" >&2
	fi
	if [[ -x $uml ]]; then
		# Real UML: the same image; con=null keeps it from opening xterms.
		# It runs on one CPU, as ours pins itself to one: a ptrace
		# hand-off between CPUs costs several times more on this kind of
		# host (UML's syscall: 67 us unpinned against 6.8 us pinned).
		# Linux runs an initramfs's /init unless rdinit= names another,
		# and drops bare words with a dot (module options), so the script
		# is rdinit itself.
		disk_image "$work/disk.img"
		run_guest uml "${pin[@]}" "$root/scripts/real-uml.sh" mem=1G \
			initrd="$work/bench.cpio.gz" rdinit=/bench.sh quiet \
			con0=fd:0,fd:1 con=null ubd1="$work/disk.img"
		[[ -s $work/uml ]] || tr -d '\r' <"$work/uml.raw" |
			grep -E 'panic|failed' | head -n 3 >&2
		boot_time "${pin[@]}" "$root/scripts/real-uml.sh" \
			con0=fd:0,fd:1 con=null \
			>>"$work/uml"
	else
		echo "bench: no $uml (apt-get install user-mode-linux)" >&2
	fi
else
	echo "bench: no $image (run make image)" >&2
fi

awk '
function val(src, name) { return (src SUBSEP name) in v ? v[src, name] : "" }
function fmt(x) { return x == "" ? "n/a" : x }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b) }
FNR == 1 { src = FILENAME; sub(/.*\//, "", src) }
NF >= 3 && $2 ~ /^[0-9.]+$/ {
	v[src, $1] = $2
	unit[$1] = $3
	if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 }
}
END {
	printf "%-20s %-5s %12s %12s %12s %12s %10s\n", "test", "unit",
		"native", "ours", "uml", "ours/native", "ours/uml"
	for (i = 0; i < n; i++) {
		t = order[i]
		a = val("native", t); o = val("ours", t); u = val("uml", t)
		printf "%-20s %-5s %12s %12s %12s %12s %10s\n", t, unit[t],
			fmt(a), fmt(o), fmt(u), ratio(o, a), ratio(o, u)
	}
	if (n == 0) print "(no results)"
}' "$work/native" "$work/ours" "$work/uml"
echo "(lower is better except MB/s)"
