#!/usr/bin/env bash
# The management console against Debian's uml_mconsole (the reference
# client; real UML as the reference server is t-real-uml.sh). One machine runs busybox init with a
# guest that prints `date +%s` every second; over its socket we check
# version, help, proc, log, sysrq, stack, config/remove of ubd disks,
# stop (the guest pauses) and go, cad (init's ctrlaltdel action), a flood
# of malformed datagrams (mconsole_fuzz.py), a second kernel refused the
# same umid, and halt (exit 0, umid directory gone). Then a SIGKILLed
# machine's umid is reused, and a notify socket receives the socket path,
# /proc/mconsole writes and the panic message of a machine whose init
# exits (the directory stays after the panic).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
MCONSOLE=${MCONSOLE:-/usr/bin/uml_mconsole}
[[ -x $MCONSOLE ]] || skip "no $MCONSOLE (apt-get install uml-utilities)"
command -v python3 >/dev/null || skip "no python3"
command -v mke2fs >/dev/null || skip "no mke2fs"

UML=$WORK/uml
FUZZ=$(dirname "$0")/mconsole_fuzz.py
# start_kernel NAME ARGS...: boot in the background; output in
# $WORK/NAME.out (carriage returns kept), stderr in $WORK/NAME.err.
start_kernel() {
	local name=$1
	shift
	"$KERNEL" mem=128M "$@" </dev/null >"$WORK/$name.out" \
		2>"$WORK/$name.err" &
	KPID=$!
	BG_PIDS+=("$KPID")
}

# wait_exit PID SECONDS: wait for the kernel to end; its status in $EXIT.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && return 1
	wait "$1" 2>/dev/null
	EXIT=$?
	return 0
}

# mc SOCKET CMD...: one-shot uml_mconsole; output in $OUT, status in $ST.
mc() {
	local sock=$1
	shift
	OUT=$(timeout 10 "$MCONSOLE" "$sock" "$@" 2>/dev/null)
	ST=$?
}

# expect STATUS REGEX SOCKET CMD...: the client exits STATUS and prints
# something matching REGEX.
expect() {
	local want=$1 re=$2
	shift 2
	mc "$@"
	[[ $ST -eq $want ]] ||
		fail "'${*:2}': uml_mconsole exited $ST, expected $want: $OUT"
	grep -qE -- "$re" <<<"$OUT" ||
		fail "'${*:2}': got '$OUT', expected /$re/"
}

ticks() {
	tr -d '\r' <"$WORK/a.out" | grep -c '^tick [0-9]*$'
}

# ---- machine A: busybox init, a ticking guest ----
root=$WORK/root
mkdir -p "$root/etc"
cat >"$root/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::once:/test.sh
::ctrlaltdel:/bin/echo CTRL-ALT-DEL-RECEIVED
EOF
cat >"$root/test.sh" <<'EOF'
#!/bin/sh
[ -e /proc/mconsole ] && echo PROC-MCONSOLE-PRESENT || echo NO-PROC-MCONSOLE
b= c=
while true; do
	echo "tick $(date +%s)"
	if [ -z "$b" ] && [ -b /dev/ubdb ]; then
		b=1
		mount -t ext2 /dev/ubdb /mnt && echo "UBDB-MOUNTED $(cat /mnt/hello)"
	fi
	if [ -z "$c" ] && [ -b /dev/ubdc ]; then
		c=1
		echo "UBDC $(head -c 16 /dev/ubdc)"
	fi
	sleep 1
done
EOF
chmod 755 "$root/test.sh"
make_cpio "$root" "$WORK/extra.cpio.gz"
cat "$BASE_IMAGE" "$WORK/extra.cpio.gz" >"$WORK/a.cpio.gz"
mkdir -p "$WORK/fs"
echo "hello-from-ext2" >"$WORK/fs/hello"
mke2fs -q -F -t ext2 -d "$WORK/fs" "$WORK/disk1.img" 1M >/dev/null 2>&1 ||
	fail "mke2fs failed"
printf 'MCONSOLE-UBD-OK!' >"$WORK/disk2.img"
truncate -s 64K "$WORK/disk2.img"

start_kernel a initrd="$WORK/a.cpio.gz" umid=mcA uml_dir="$UML"
A=$KPID
S=$UML/mcA/mconsole
wait_match "$WORK/a.out" "^mconsole \(version 2\) initialized on $S\$" ||
	fail "no 'mconsole (version 2) initialized on $S' at boot"
[[ -S $S ]] || fail "no socket $S"
[[ $(cat "$UML/mcA/pid") == "$A" ]] || fail "pid file holds '$(cat "$UML/mcA/pid")', not $A"
[[ $(stat -c %a "$UML/mcA/pid") == 644 ]] || fail "pid file mode is not 0644"
wait_match "$WORK/a.out" '^tick ' || fail "the guest never ticked"
grep -q NO-PROC-MCONSOLE "$WORK/a.out" ||
	fail "/proc/mconsole exists without a notify socket"

expect 0 '^OK Linux uml 6\.1\.0 .* x86_64$' "$S" version
expect 0 'stack <pid> - returns the stack of the specified pid' "$S" help
expect 0 'MemTotal: +[0-9]+ kB' "$S" proc meminfo
expect 1 '^ERR Failed to open file$' "$S" proc no-such-file
expect 1 '^ERR Failed to open file$' "$S" proc ../etc/passwd
expect 1 '^ERR Unknown command$' "$S" frobnicate
expect 0 '^OK $' "$S" log mconsole-log-message
wait_match "$WORK/a.out" 'mconsole-log-message' 5 ||
	fail "log text did not reach the kernel log/console"
expect 0 'Emergency Sync' "$S" sysrq s
expect 0 '^OK Task 1 \(init\) state' "$S" stack 1
grep -q 'Call Trace:' <<<"$OUT" || fail "stack 1 shows no kernel frames: $OUT"
expect 1 '^ERR Couldn.t find that pid$' "$S" stack 99999
expect 1 '^ERR Please specify a pid$' "$S" stack

# Devices: hot-add an ext2 disk the guest mounts and a raw one it reads.
expect 1 '^ERR Bad configuration option$' "$S" config foo1=bar
expect 1 '^ERR Bad remove option$' "$S" remove foo1
expect 0 '^OK $' "$S" config ubd1="$WORK/disk1.img"
expect 0 "disk1\\.img" "$S" config ubd1
expect 0 '^OK $' "$S" config ubd2="$WORK/disk2.img"
wait_match "$WORK/a.out" '^UBDB-MOUNTED hello-from-ext2$' 10 ||
	fail "the guest did not mount the hot-added /dev/ubdb"
wait_match "$WORK/a.out" '^UBDC MCONSOLE-UBD-OK!$' 10 ||
	fail "the guest did not read the hot-added /dev/ubdc"
expect 240 '^ERR Device is currently open$' "$S" remove ubd1
expect 0 '^OK $' "$S" remove ubd2
expect 237 "^ERR Device doesn.t exist$" "$S" remove ubd2

# stop: the guest and its clock pause while the console still answers.
expect 0 '^OK stopped$' "$S" stop
before=$(ticks)
sleep 3
expect 1 '^ERR Already stopped$' "$S" stop
expect 0 '^OK Linux ' "$S" version
after=$(ticks)
[[ $after -eq $before ]] || fail "the guest ticked while stopped ($before -> $after)"
expect 0 '^OK $' "$S" go
expect 1 '^ERR Not stopped$' "$S" go
sleep 2.5
[[ $(ticks) -gt $after ]] || fail "the guest did not resume after go"

# A second machine may not take a umid in use.
timeout 20 "$KERNEL" mem=64M initrd="$WORK/a.cpio.gz" umid=mcA \
	uml_dir="$UML" </dev/null >"$WORK/dup.out" 2>"$WORK/dup.err"
st=$?
[[ $st -eq 1 ]] || fail "a second kernel with umid mcA exited $st, not 1"
grep -qF "umid \"mcA\" is already in use by pid $A" "$WORK/dup.err" ||
	fail "no 'already in use' message: $(cat "$WORK/dup.err")"
[[ $(cat "$UML/mcA/pid") == "$A" ]] || fail "the refused kernel touched the pid file"

# Malformed datagrams neither crash nor stall the machine.
before=$(ticks)
timeout 60 python3 "$FUZZ" "$S" 5000 >"$WORK/fuzz.out" 2>&1 ||
	fail "fuzzer: $(tail -5 "$WORK/fuzz.out")"
grep -q FUZZ-OK "$WORK/fuzz.out" || fail "fuzzer did not finish"
expect 0 '^OK Linux ' "$S" version
sleep 1.5
[[ $(ticks) -gt $before ]] || fail "the guest stopped running after the flood"

expect 0 '^OK $' "$S" cad
wait_match "$WORK/a.out" '^CTRL-ALT-DEL-RECEIVED$' 10 ||
	fail "init did not run its ctrlaltdel action"

expect 0 '^OK $' "$S" halt
wait_exit "$A" 15 || fail "the machine did not halt"
[[ $EXIT -eq 0 ]] || fail "halted machine exited $EXIT"
[[ ! -e $UML/mcA ]] || fail "umid directory left after halt"

# ---- a SIGKILLed machine's umid is taken over ----
start_kernel b initrd="$BASE_IMAGE" umid=mcB uml_dir="$UML"
wait_match "$WORK/b.out" 'mconsole \(version 2\) initialized' ||
	fail "machine B did not start its console"
kill -9 "$KPID"
wait "$KPID" 2>/dev/null
[[ -e $UML/mcB/pid ]] || fail "SIGKILL should leave the umid directory"
start_kernel c initrd="$BASE_IMAGE" umid=mcB uml_dir="$UML"
C=$KPID
wait_match "$WORK/c.out" 'mconsole \(version 2\) initialized' ||
	fail "the umid of a killed machine was not reused: $(cat "$WORK/c.err")"
[[ $(cat "$UML/mcB/pid") == "$C" ]] || fail "pid file not rewritten"
expect 0 '^OK Linux ' "$UML/mcB/mconsole" version
expect 0 '^OK $' "$UML/mcB/mconsole" halt
wait_exit "$C" 15 || fail "machine C did not halt"

# ---- notify socket: socket path, /proc/mconsole, panic ----
cat >"$WORK/listen.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        d = s.recv(4096)
        magic, version, kind, n = struct.unpack("=IIII", d[:16])
        out.write("%x %d %d %d %r\n" % (magic, version, kind, n, d[16:16 + n]))
        if kind == 1:
            break
EOF
python3 "$WORK/listen.py" "$WORK/notify.sock" "$WORK/notify.log" &
BG_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
	[[ -S $WORK/notify.sock ]] && break
	sleep 0.1
done
cat >"$WORK/n.sh" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
ls -l /proc/mconsole
printf hello-notify >/proc/mconsole
sleep 1
exit 3
EOF
img=$WORK/n.cpio.gz
make_image "$WORK/n.sh" "$img"
(
	ulimit -c 0
	"$KERNEL" mem=64M initrd="$img" init=/bin/sh /test.sh umid=mcN \
		uml_dir="$UML" mconsole=notify:"$WORK/notify.sock" </dev/null \
		>"$WORK/n.out" 2>"$WORK/n.err"
	echo $? >"$WORK/n.status"
) 2>/dev/null &
N=$!
BG_PIDS+=("$N")
wait_exit "$N" 20 || fail "machine N did not panic"
EXIT=$(cat "$WORK/n.status")
[[ $EXIT -eq 134 ]] || fail "panicked machine exited $EXIT, expected 134 (SIGABRT)"
wait_match "$WORK/notify.log" "^cafebabe 2 1 " 5 || fail "no panic notification"
grep -qF "cafebabe 2 0 $((${#UML} + 14)) b'$UML/mcN/mconsole\\x00'" "$WORK/notify.log" ||
	fail "no MCONSOLE_SOCKET notification: $(cat "$WORK/notify.log")"
grep -qF "cafebabe 2 3 12 b'hello-notify'" "$WORK/notify.log" ||
	fail "no MCONSOLE_USER_NOTIFY from /proc/mconsole: $(cat "$WORK/notify.log")"
grep -qE "^cafebabe 2 1 [0-9]+ b'Attempted to kill init.*\\\\x00'" "$WORK/notify.log" ||
	fail "bad panic notification: $(cat "$WORK/notify.log")"
grep -q -- '--w------- .* /proc/mconsole' "$WORK/n.out" ||
	fail "/proc/mconsole missing with a notify socket"
[[ -e $UML/mcN/pid ]] || fail "a panic should leave the umid directory"

pass "uml_mconsole commands, stop/go, cad, devices, fuzzing, umid lifecycle, notify"
