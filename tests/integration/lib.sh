# shellcheck shell=bash disable=SC2034
# Helpers for the integration tests; source it from a t-*.sh script.
#
# A test is a standalone bash script that exits 0 (pass), 1 (fail) or 77
# (skip) and prints a one-line summary ("PASS name", "FAIL name: why",
# "SKIP name: why") as its last line. Everything it creates lives under
# $WORK, removed on exit; every boot is bounded by $BOOT_TIMEOUT seconds.
#
# Booting: boot_script SCRIPT [FILE...] builds an extra gzip'ed newc archive
# holding SCRIPT as /test.sh and each FILE under /t/, appends it to the base
# image build/initramfs.cpio.gz and runs
#   ./linux mem=256M initrd=IMG quiet init=/bin/sh /test.sh </dev/null
# The guest's console output (carriage returns removed) is left in
# $BOOT_OUT, the kernel's stderr in $BOOT_ERR, the exit status in
# $BOOT_STATUS (124 means the boot timed out). SCRIPT runs as pid 1 and
# should end with `poweroff -f`. Words in the array BOOT_ARGS (disks:
# ubd1=...) are added to the kernel's command line.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KERNEL=${KERNEL:-$ROOT/linux}
BASE_IMAGE=${BASE_IMAGE:-$ROOT/build/initramfs.cpio.gz}
GUEST_DIR=${GUEST_DIR:-$ROOT/build/guest}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
BOOT_MEM=${BOOT_MEM:-256M}
TEST_NAME=$(basename "$0" .sh)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
chmod 755 "$WORK"
# Processes a test starts in the background: add their pids to BG_PIDS and
# they are killed on exit. KEEP_WORK=1 keeps $WORK for a post-mortem.
BG_PIDS=()
end_test() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	[[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap end_test EXIT
# Kernels make their machine directory under ~/.uml: keep it in $WORK, so
# one killed on purpose leaves nothing behind.
mkdir -p "$WORK/home"
export HOME=$WORK/home
trap 'exit 130' INT TERM

BOOT_OUT=$WORK/boot.out
BOOT_ERR=$WORK/boot.err
BOOT_STATUS=0
BOOT_ARGS=()
boot_count=0

pass() {
	echo "PASS $TEST_NAME${1:+: $1}"
	exit 0
}

fail() {
	echo "FAIL $TEST_NAME: $*"
	exit 1
}

skip() {
	echo "SKIP $TEST_NAME: $*"
	exit 77
}

# Print a file indented, for failure reports; at most 60 lines.
show() {
	local label=$1 file=$2

	[[ -s $file ]] || return 0
	echo "--- $label:"
	head -n 60 "$file" | sed 's/^/  | /'
}

show_boot() {
	echo "--- boot exit status $BOOT_STATUS"
	show "guest output" "$BOOT_OUT"
	show "kernel stderr" "$BOOT_ERR"
}

need_kernel() {
	[[ -x $KERNEL ]] || fail "no kernel at $KERNEL (run make)"
	[[ -f $BASE_IMAGE ]] || fail "no base image at $BASE_IMAGE (run make image)"
}

# Build tests/guest/*.c into $GUEST_DIR (only what is out of date).
need_guest_bins() {
	bash "$ROOT/tests/guest/build.sh" "$GUEST_DIR" >"$WORK/build.log" 2>&1 ||
		{
			cat "$WORK/build.log"
			fail "building tests/guest failed"
		}
}

# make_cpio DIR OUT: a gzip'ed newc archive of DIR's contents, owned by root.
make_cpio() {
	local dir=$1 out=$2

	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0) | gzip -n >"$out"
}

# make_image SCRIPT OUT [FILE...]: the base image plus SCRIPT as /test.sh
# and FILEs under /t/.
make_image() {
	local script=$1 out=$2 root
	shift 2

	root=$(mktemp -d "$WORK/root.XXXXXX")
	mkdir -p "$root/t"
	cp "$script" "$root/test.sh"
	chmod 755 "$root/test.sh"
	local f
	for f in "$@"; do
		cp -L "$f" "$root/t/"
	done
	make_cpio "$root" "$WORK/extra.cpio.gz"
	cat "$BASE_IMAGE" "$WORK/extra.cpio.gz" >"$out"
	rm -rf "$root" "$WORK/extra.cpio.gz"
}

# run_kernel OUT ERR ARGS...: run ./linux bounded by $BOOT_TIMEOUT, with no
# standard input; sets BOOT_STATUS.
run_kernel() {
	local out=$1 err=$2
	shift 2

	BOOT_STATUS=0
	timeout -k 5 "$BOOT_TIMEOUT" "$KERNEL" "$@" </dev/null \
		>"$out.raw" 2>"$err" || BOOT_STATUS=$?
	tr -d '\r' <"$out.raw" >"$out"
	rm -f "$out.raw"
}

boot_script() {
	local script=$1 img
	shift

	need_kernel
	boot_count=$((boot_count + 1))
	img=$WORK/test$boot_count.cpio.gz
	make_image "$script" "$img" "$@"
	run_kernel "$BOOT_OUT" "$BOOT_ERR" mem="$BOOT_MEM" initrd="$img" \
		quiet init=/bin/sh /test.sh "${BOOT_ARGS[@]}"
	rm -f "$img"
}

# boot_lines LINE...: boot_script on a script made of the given lines.
boot_lines() {
	local script=$WORK/script.sh

	printf '%s\n' "#!/bin/sh" "$@" >"$script"
	boot_script "$script"
}

# section NAME [FILE]: the lines between "=== begin NAME" and
# "=== end NAME" in FILE (default $BOOT_OUT).
section() {
	awk -v b="=== begin $1" -v e="=== end $1" '
		$0 == e { on = 0 }
		on { print }
		$0 == b { on = 1 }' "${2:-$BOOT_OUT}"
}

# wait_match FILE REGEX [SECONDS]: 0 once a line of FILE (carriage returns
# dropped) matches the extended regex, 1 after SECONDS (default 20).
wait_match() {
	local i
	for ((i = 0; i < ${3:-20} * 10; i++)); do
		tr -d '\r' 2>/dev/null <"$1" | grep -qE -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# A guest script prologue: mount what the tests rely on, quietly.
GUEST_PROLOGUE='mount -t proc proc /proc 2>/dev/null
mount -t tmpfs tmpfs /tmp 2>/dev/null
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root'

# ---- assertions: each fails the test with a message ----

assert_status() {
	[[ $BOOT_STATUS -eq $1 ]] ||
		{
			show_boot
			fail "kernel exited with $BOOT_STATUS, expected $1"
		}
}

# assert_line TEXT: a line of $BOOT_OUT is exactly TEXT.
assert_line() {
	grep -qxF -- "$1" "$BOOT_OUT" ||
		{
			show_boot
			fail "no line '$1' in the guest output"
		}
}

# assert_match REGEX: some line of $BOOT_OUT matches the extended regex.
assert_match() {
	grep -qE -- "$1" "$BOOT_OUT" ||
		{
			show_boot
			fail "nothing matches /$1/ in the guest output"
		}
}

assert_no_match() {
	! grep -qE -- "$1" "$BOOT_OUT" ||
		{
			show_boot
			fail "unexpected /$1/ in the guest output"
		}
}

# assert_same_files EXPECTED ACTUAL WHAT: byte-identical, else show a diff.
assert_same_files() {
	cmp -s "$1" "$2" ||
		{
			echo "--- diff (native vs guest) for $3:"
			diff -u "$1" "$2" | head -n 80
			fail "$3: guest output differs from native"
		}
}
