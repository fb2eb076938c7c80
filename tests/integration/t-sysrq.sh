#!/usr/bin/env bash
# SysRq through /proc/sysrq-trigger and the kernel log through dmesg
# (syslog(2)):
#  - dmesg shows the boot log ("Linux version", the memory line), and
#    dmesg -r the "<6>" level prefixes;
#  - h logs the HELP line, t a line per task (init included), m the
#    memory summary; e kills a plain process but not one ignoring SIGTERM,
#    i kills that one, and init survives both;
#  - s writes a block written but not yet synced to the host image while
#    the kernel keeps running (checked from the host);
#  - u makes a mounted ext2 read-only (EROFS), after which the kernel is
#    SIGKILLed and e2fsck -fn still finds the image clean;
#  - o powers off with status 0; b restarts the kernel (a marker on a disk
#    tells the second boot to power off).
# The guest waits for the host at each check point by reading a line from
# the console, which is fed from a FIFO.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
command -v mke2fs >/dev/null && command -v e2fsck >/dev/null &&
	command -v debugfs >/dev/null || skip "e2fsprogs is not installed"

ext2=$WORK/ext2.img
raw=$WORK/raw.img
truncate -s 16M "$ext2"
mke2fs -q -F -t ext2 "$ext2" || fail "mke2fs"
truncate -s 1M "$raw"
marker=SYSRQ-SYNC-MARKER-7d41

cat >"$WORK/main.sh" <<EOF
#!/bin/sh
$GUEST_PROLOGUE
echo "=== begin dmesg"
dmesg
echo "=== end dmesg"
echo "=== begin raw"
dmesg -r | head -n 3
echo "=== end raw"
grep -qx 1 /proc/sys/kernel/sysrq && echo SYSCTL-OK
echo h >/proc/sysrq-trigger
dmesg | grep -q 'sysrq: HELP : loglevel(0-9) reboot(b) ' && echo HELP-OK
echo t >/proc/sysrq-trigger
dmesg | grep -qE 'task:sh +state:R +running task +stack:[0-9]+ +pid:1 +ppid:0 ' &&
	echo STATE-OK
echo m >/proc/sysrq-trigger
dmesg | grep -qE '^\[[ 0-9.]+\] [0-9]+ pages RAM\$' && echo MEM-OK
sleep 1000 &
plain=\$!
sh -c 'trap "" TERM; sleep 1000' &
stubborn=\$!
sleep 1
echo e >/proc/sysrq-trigger
wait \$plain
echo "term-status \$?"
kill -0 \$stubborn && echo STUBBORN-ALIVE
echo i >/proc/sysrq-trigger
wait \$stubborn
echo "kill-status \$?"
echo INIT-ALIVE
dmesg | grep -q 'sysrq: Kill All Tasks' && echo KILL-LOGGED
exec 3>/dev/ubdc
echo $marker >&3
echo "=== written"
read -r go
echo s >/proc/sysrq-trigger
dmesg | grep -q 'Emergency Sync complete' && echo SYNC-LOGGED
echo "=== synced"
read -r go
mount -t ext2 /dev/ubdb /mnt || echo MOUNT-FAILED
echo before-remount >/mnt/file
exec 4>>/mnt/open
echo first >&4
echo u >/proc/sysrq-trigger
dmesg | grep -q 'Emergency Remount complete' && echo REMOUNT-LOGGED
(echo x >/mnt/new) 2>/dev/null && echo RO-WRITE-WORKED
(echo more >&4) 2>/dev/null && echo RO-FD-WRITE-WORKED
touch /mnt/new2 2>&1 | grep -q 'Read-only file system' && echo EROFS-OK
grep -q '^/dev/ubdb /mnt ext2 ro' /proc/mounts && echo RO-MOUNTS-OK
echo "=== ready"
read -r go
echo NOT-KILLED
EOF

# Run the main boot in the background, stdin from a FIFO held open here.
# It ends by SIGKILL, which leaves the machine's umid directory behind:
# keep that under $WORK.
make_image "$WORK/main.sh" "$WORK/main.cpio.gz"
mkfifo "$WORK/in"
exec 7<>"$WORK/in"
: >"$WORK/main.raw"
"$KERNEL" mem="$BOOT_MEM" initrd="$WORK/main.cpio.gz" quiet init=/bin/sh \
	/test.sh ubd1="$ext2" ubd2="$raw" uml_dir="$WORK/uml" <&7 \
	>"$WORK/main.raw" 2>"$WORK/main.err" &
kpid=$!
BOOT_OUT=$WORK/main.out
BOOT_ERR=$WORK/main.err

cleanup_kernel() {
	kill -KILL "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
}
trap 'cleanup_kernel; rm -rf "$WORK"' EXIT

# wait_for LINE: until the guest prints LINE; fails on exit or timeout.
wait_for() {
	local deadline=$((SECONDS + BOOT_TIMEOUT))

	while :; do
		tr -d '\r' <"$WORK/main.raw" >"$BOOT_OUT"
		grep -qxF -- "$1" "$BOOT_OUT" && return 0
		if ! kill -0 "$kpid" 2>/dev/null || ((SECONDS > deadline)); then
			show_boot
			fail "the guest never printed '$1'"
		fi
		sleep 0.1
	done
}

wait_for "=== written"
grep -qa "$marker" "$raw" &&
	fail "the marker reached the image before any sync (test is void)"
echo go >&7
wait_for "=== synced"
grep -qa "$marker" "$raw" ||
	{ show_boot; fail "sysrq s did not write the marker to the host image"; }
echo go >&7
wait_for "=== ready"
cleanup_kernel

section dmesg >"$WORK/dmesg"
grep -qE '^\[ *[0-9]+\.[0-9]{6}\] Linux version ' "$WORK/dmesg" ||
	{ show_boot; fail "dmesg lacks the 'Linux version' line"; }
grep -qE '^\[ *[0-9]+\.[0-9]{6}\] (Physical memory|Memory): ' "$WORK/dmesg" ||
	{ show_boot; fail "dmesg lacks the memory line"; }
section raw | head -n 1 | grep -qE '^<6>\[ *[0-9.]+\] Linux version ' ||
	{ show_boot; fail "dmesg -r does not start with '<6>[...] Linux version'"; }
for want in SYSCTL-OK HELP-OK STATE-OK MEM-OK "term-status 143" \
	STUBBORN-ALIVE "kill-status 137" INIT-ALIVE KILL-LOGGED SYNC-LOGGED \
	REMOUNT-LOGGED EROFS-OK RO-MOUNTS-OK; do
	assert_line "$want"
done
assert_no_match 'MOUNT-FAILED|RO-WRITE-WORKED|RO-FD-WRITE-WORKED|NOT-KILLED'
# The console (quiet) still shows each key's header, as in Linux.
assert_line 'sysrq: Emergency Remount R/O'

e2fsck -fn "$ext2" >"$WORK/fsck.log" 2>&1 ||
	{ show "e2fsck" "$WORK/fsck.log"; fail "e2fsck -fn: the image is unclean after sysrq u and SIGKILL"; }
[[ $(debugfs -R "cat /file" "$ext2" 2>/dev/null) == before-remount ]] ||
	fail "a file written before sysrq u is missing from the image"
[[ $(debugfs -R "cat /open" "$ext2" 2>/dev/null) == first ]] ||
	fail "data written through a still-open fd before sysrq u is missing"

# o: power off at once, status 0.
trap 'rm -rf "$WORK"' EXIT
exec 7>&-
BOOT_OUT=$WORK/boot.out
BOOT_ERR=$WORK/boot.err
boot_lines 'mount -t proc proc /proc' 'echo o >/proc/sysrq-trigger' \
	'echo NOT-REACHED' 'poweroff -f'
assert_status 0
assert_line 'sysrq: Power Off'
assert_no_match 'NOT-REACHED'

# b: restart (the same process re-executes); the second boot sees the
# marker the first left on a disk and powers off.
truncate -s 64K "$WORK/boot.img"
BOOT_ARGS=(ubd1="$WORK/boot.img")
boot_lines 'mount -t proc proc /proc' \
	'if [ "$(head -c 6 /dev/ubdb)" = BOOTED ]; then echo SECOND-BOOT; poweroff -f; fi' \
	'printf BOOTED >/dev/ubdb' 'echo FIRST-BOOT' \
	'echo b >/proc/sysrq-trigger' 'echo NOT-REACHED' 'poweroff -f'
assert_status 0
assert_line 'FIRST-BOOT'
assert_line 'sysrq: Resetting'
assert_line 'SECOND-BOOT'
assert_no_match 'NOT-REACHED'

# syslog(2) itself: arguments, READ_ALL/CLEAR/READ semantics, permissions.
cat >"$WORK/klog.c" <<'EOF'
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#define CHECK(c)                                                           \
	do {                                                               \
		if (!(c)) {                                                \
			printf("FAIL line %d: %s (errno %d)\n", __LINE__, #c, \
			       errno);                                     \
			return 1;                                          \
		}                                                          \
	} while (0)
#define CHECK_ERR(call, e) CHECK((call) == -1 && errno == (e))

static char buf[1 << 18];

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	FILE *f;
	int n;

	CHECK(klogctl(10, NULL, 0) == 65536);
	CHECK_ERR(klogctl(3, NULL, 10), EINVAL);
	CHECK_ERR(klogctl(3, buf, -1), EINVAL);
	CHECK(klogctl(3, buf, 0) == 0);
	CHECK_ERR(klogctl(3, (char *)8, 4096), EFAULT);
	CHECK_ERR(klogctl(99, NULL, 0), EINVAL);
	CHECK_ERR(klogctl(8, NULL, 0), EINVAL);
	CHECK_ERR(klogctl(8, NULL, 9), EINVAL);
	CHECK(klogctl(8, NULL, 4) == 0);
	CHECK(klogctl(6, NULL, 0) == 0 && klogctl(7, NULL, 0) == 0);
	n = klogctl(3, buf, sizeof(buf));
	CHECK(n > 0 && buf[0] == '<' && buf[n - 1] == '\n');
	CHECK(strstr(buf, "<6>[") && strstr(buf, "] Linux version "));
	/* A small buffer gets the newest whole lines only. */
	n = klogctl(3, buf, 200);
	CHECK(n > 0 && n <= 200 && buf[0] == '<' && buf[n - 1] == '\n');
	puts("ok read_all");
	CHECK(klogctl(5, NULL, 0) == 0);
	CHECK(klogctl(3, buf, sizeof(buf)) == 0);
	f = fopen("/proc/sysrq-trigger", "w");
	CHECK(f && fputs("h", f) >= 0 && fclose(f) == 0);
	n = klogctl(3, buf, sizeof(buf));
	CHECK(n > 0 && !strncmp(buf, "<6>[", 4) && strstr(buf, "sysrq: HELP : "));
	CHECK(klogctl(4, buf, sizeof(buf)) == n);
	CHECK(klogctl(3, buf, sizeof(buf)) == 0);
	puts("ok clear");
	/* READ consumes: a tiny buffer still makes progress; then it blocks. */
	CHECK(klogctl(9, NULL, 0) > 0);
	CHECK(klogctl(2, buf, 7) == 7 && !strncmp(buf, "<6>[", 4));
	while (klogctl(9, NULL, 0) > 0)
		CHECK(klogctl(2, buf, sizeof(buf)) > 0);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	alarm(1);
	CHECK_ERR(klogctl(2, buf, sizeof(buf)), EINTR);
	puts("ok read");
	CHECK(setuid(65534) == 0);
	CHECK(klogctl(3, buf, sizeof(buf)) >= 0);
	CHECK(klogctl(10, NULL, 0) == 65536);
	CHECK_ERR(klogctl(2, buf, sizeof(buf)), EPERM);
	CHECK_ERR(klogctl(4, buf, sizeof(buf)), EPERM);
	CHECK_ERR(klogctl(5, NULL, 0), EPERM);
	CHECK_ERR(klogctl(8, NULL, 4), EPERM);
	CHECK_ERR(klogctl(9, NULL, 0), EPERM);
	puts("ok permissions");
	puts("KLOG-PASS");
	return 0;
}
EOF
gcc -static -O2 -o "$WORK/klog" "$WORK/klog.c" ||
	fail "building the syslog(2) checker"
BOOT_ARGS=()
printf '%s\n' '#!/bin/sh' 'mount -t proc proc /proc' '/t/klog' 'poweroff -f' \
	>"$WORK/klog.sh"
boot_script "$WORK/klog.sh" "$WORK/klog"
assert_status 0
assert_line 'KLOG-PASS'

pass "dmesg, syslog(2), sysrq h t m e i s u o b"
