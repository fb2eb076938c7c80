#!/usr/bin/env bash
# Our uml_mconsole (tools/uml_mconsole) against Debian's (uml-utilities):
# both talk to the same fake UML mconsole server (a python AF_UNIX datagram
# server that frames its replies as UML does: 511-byte chunks with more=1,
# err in the first chunk, negative errnos), and for every command their
# stdout, stderr, exit status and the request datagrams the server got must
# be byte-identical, in one-shot mode (by umid and by path) and with
# commands on standard input. Then our client alone: readline on a pty
# (completion, history, EOF), the reply timeout, a malformed reply, a taken
# abstract address, -d UML_DIR, and halt. Last, if ./linux has an mconsole,
# our client drives a booted kernel.
# Our client against the real UML kernel is t-real-uml.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

OURS=${OURS:-$ROOT/tools/uml_mconsole}
DEBS=${DEB_MCONSOLE:-/usr/bin/uml_mconsole}
T=20 # seconds allowed for each client run

[[ -x $OURS ]] || fail "no tools/uml_mconsole (run make tools)"
[[ -x $DEBS ]] || skip "Debian's uml_mconsole is not installed (uml-utilities)"
command -v python3 >/dev/null || skip "python3 is not installed"

# The fake server. It logs every request datagram (size, header, data) to
# LOG, its source address to ADDRS and every SIGINT to SIGS, and answers
# like UML's mconsole.
cat >"$WORK/fakeuml.py" <<'EOF'
import os, signal, socket, struct, sys, time

sock_path, log_path, addr_path, sig_path = sys.argv[1:5]
CHUNK = 511
HELP = """Commands: 
    version - Get kernel version 
    help - Print this message 
    halt - Halt UML 
    reboot - Reboot UML 
    config <dev>=<config> - Add a new device to UML;  
	same syntax as command line 
    config <dev> - Query the configuration of a device 
    remove <dev> - Remove a device from UML 
    sysrq <letter> - Performs the SysRq action controlled by the letter 
    cad - invoke the Ctrl-Alt-Del handler 
    stop - pause the UML; it will do nothing until it receives a 'go' 
    go - continue the UML after a 'stop' 
    log <string> - make UML enter <string> into the kernel log
    proc <file> - returns the contents of the UML's /proc/<file>
    stack <pid> - returns the stack of the specified pid
"""
MEMINFO = "".join("%-16s%8d kB\n" % ("Field%d:" % i, i * 1000)
                  for i in range(60))
SYSRQ = ("sysrq: HELP : loglevel(0-9) reboot(b) crash(c) "
         "terminate-all-tasks(e) memory-full-oom-kill(f) kill-all-tasks(i) "
         "thaw-filesystems(j) sak(k) show-backtrace-all-active-cpus(l) "
         "show-memory-usage(m) nice-all-RT-tasks(n) poweroff(o) "
         "show-registers(p) show-all-timers(q) unraw(r) sync(s) "
         "show-task-states(t) unmount(u) show-blocked-tasks(w) "
         "dump-ftrace-buffer(z) replay-kernel-logs(R)\n" * 2)

log = open(log_path, "a")
addrs = open(addr_path, "a")
stopped = False


def note(line):
    log.write(line + "\n")
    log.flush()


def on_sigint(*_):
    with open(sig_path, "a") as f:
        f.write("SIGINT\n")


signal.signal(signal.SIGINT, on_sigint)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)


def send(addr, err, more, data):
    data += b"\0"
    try:
        s.sendto(struct.pack("=iII", err, more, len(data)) + data, addr)
    except OSError as e:  # the client went away
        note("reply to %r: %s" % (addr, e))


def reply(addr, err, text):
    """UML's framing: chunks of 511 bytes + NUL, err only in the first."""
    b = text.encode()
    chunks = [b[i:i + CHUNK] for i in range(0, len(b), CHUNK)] or [b""]
    for i, c in enumerate(chunks):
        send(addr, err if i == 0 else 0, int(i < len(chunks) - 1), c)


while True:
    pkt, addr = s.recvfrom(4096)
    magic, version, length = struct.unpack("=III", pkt[:12])
    data = pkt[12:12 + length]
    note("%d %#x %d %d %r" % (len(pkt), magic, version, length, data))
    addrs.write("%r\n" % (addr,))
    addrs.flush()
    cmd = data.split(b"\0")[0].decode("latin-1")
    word, _, arg = cmd.partition(" ")
    arg = arg.strip()
    if word == "version":
        reply(addr, 0, "Linux fakeuml 6.1.0-fake #1 SMP x86_64")
    elif word == "help":
        reply(addr, 0, HELP)
    elif word in ("halt", "reboot"):
        reply(addr, 0, "")
        os.unlink(sock_path)
        sys.exit(0)
    elif word == "config":
        if "=" in arg:
            reply(addr, 0, "")
        elif arg == "ubd0":
            reply(addr, 0, "/images/root_fs")
        else:
            reply(addr, 1, "Bad configuration option")
    elif word == "remove":
        if arg == "ubd1":
            reply(addr, -16, "Device is currently open")
        else:
            reply(addr, -19, "Device doesn't exist")
    elif word == "sysrq":
        reply(addr, 0, SYSRQ)
    elif word in ("cad", "log"):
        reply(addr, 0, "")
    elif word == "stop":
        reply(addr, 0, "Already stopped" if stopped else "stopped")
        stopped = True
    elif word == "go":
        reply(addr, 0 if stopped else 1, "" if stopped else "Not stopped")
        stopped = False
    elif word == "proc":
        if arg == "meminfo":
            send(addr, 0, 1, b"\n")
            b = MEMINFO.encode()
            for i in range(0, len(b), CHUNK):
                send(addr, 0, 1, b[i:i + CHUNK])
            send(addr, 0, 0, b"")
        else:
            reply(addr, 1, "Failed to open file")
    elif word == "stack":
        reply(addr, 1, "Please specify a pid")
    elif word == "errchunks":  # a long error: only the first chunk has err
        reply(addr, 1, "E" * 600)
    elif word == "silent":
        pass
    elif word == "slow":
        time.sleep(2)
        reply(addr, 0, "late")
    elif word == "malformed":
        s.sendto(b"\1\0\0", addr)
    else:
        reply(addr, 1, "Unknown command")
EOF

export HOME=$WORK/home INPUTRC=/dev/null
MACHINE=$HOME/.uml/fake
SOCK=$MACHINE/mconsole
LOG=$WORK/requests.log
ADDRS=$WORK/addrs.log
SIGS=$WORK/sigint.log
WORKP=$(cd "$WORK" && pwd -P) # what getcwd() says in $WORK
mkdir -p "$MACHINE" "$WORK/sub"
: >"$LOG"

SERVER_PID=
stop_server() {
	[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID"
	SERVER_PID=
}
KPID=
stop_kernel() {
	[[ -n $KPID ]] && kill "$KPID" 2>/dev/null && wait "$KPID"
	KPID=
}
trap 'stop_server; stop_kernel; rm -rf "$WORK"' EXIT

start_server() {
	local i

	rm -f "$SOCK"
	python3 "$WORK/fakeuml.py" "$SOCK" "$LOG" "$ADDRS" "$SIGS" &
	SERVER_PID=$!
	echo "$SERVER_PID" >"$MACHINE/pid"
	for ((i = 0; i < 100; i++)); do
		[[ -S $SOCK ]] && return 0
		sleep 0.05
	done
	fail "the fake server did not start"
}

# interrupted: wait up to 2 s for the fake server to log a SIGINT.
interrupted() {
	local i

	for ((i = 0; i < 40; i++)); do
		grep -qx SIGINT "$SIGS" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# run CLIENT OUT WORD...: run a client from $WORK; OUT.out gets its stdout
# and exit status, OUT.err its stderr, OUT.req the requests it caused.
run() {
	local client=$1 out=$2 status
	shift 2

	: >"$LOG"
	(cd "$WORK" && timeout "$T" "$client" "$@") >"$out.out" 2>"$out.err" \
		</dev/null
	status=$?
	echo "exit $status" >>"$out.out"
	[[ $status -eq 124 ]] && fail "$client $* hung"
	cp "$LOG" "$out.req"
}

# same NAME OUT [EXT...]: Debian's and our results for OUT must be
# byte-identical (stdout and status, stderr, requests; or just the EXTs).
same() {
	local name=$1 out=$2 ext exts=(out err req)

	[[ $# -gt 2 ]] && exts=("${@:3}")
	for ext in "${exts[@]}"; do
		cmp -s "$out.deb.$ext" "$out.ours.$ext" && continue
		echo "--- $name: Debian's (-) and our (+) $ext differ:"
		diff -u "$out.deb.$ext" "$out.ours.$ext" | head -n 40
		fail "$name: our uml_mconsole differs from Debian's"
	done
}

LONG=$(printf 'word%.0s ' {1..250}) # 1250 bytes: three log chunks
printf 'first line\n%1200s' "no newline at the end" >"$WORK/logfile.txt"
COMMANDS=(
	"version"
	"help"
	"proc meminfo"
	"proc nosuchfile"
	"config ubd1=cow.img,sub/backing.img"
	"config ubd2=sub/../disk.img"
	"config ubd3=/abs/disk.img"
	"config ubd0"
	"config eth0"
	"remove ubd1"
	"remove ubd7"
	"sysrq h"
	"stack"
	"cad"
	"stop"
	"stop"
	"go"
	"go"
	"log hello   world"
	"log $LONG"
	"log -f logfile.txt"
	"log -f nosuchfile"
	"log"
	"errchunks"
	"frobnicate now"
	"mconsole-version"
	"int"
	"umlfs 99"
	"umlfs x"
	"switch nowhere"
	"switch $SOCK"
	"quit"
)

start_server
declare -A RESULT # "form|command" -> the prefix of its result files
# Each client runs the whole list (stop and go change the server's state).
f=0
for form in fake "$SOCK"; do
	f=$((f + 1))
	for who in deb ours; do
		client=$DEBS
		[[ $who == ours ]] && client=$OURS
		n=0
		for cmd in "${COMMANDS[@]}"; do
			n=$((n + 1))
			RESULT["$form|$cmd"]=$WORK/c$f-$n
			read -ra words <<<"$cmd"
			run "$client" "$WORK/c$f-$n.$who" "$form" "${words[@]}"
		done
	done
	for cmd in "${COMMANDS[@]}"; do
		same "'uml_mconsole $form $cmd'" "${RESULT[$form|$cmd]}"
	done
done
grep -qx "exit 240" "${RESULT[fake|remove ubd1]}.ours.out" ||
	fail "remove of a busy disk did not exit 240 (-EBUSY)"
rm -f "$SIGS"
run "$OURS" "$WORK/int" fake int
interrupted || fail "'int' by umid did not interrupt the machine's pid"
grep -qF "config ubd1=$WORKP/cow.img,$WORKP/sub/backing.img" \
	"${RESULT[fake|config ubd1=cow.img,sub/backing.img]}.ours.req" ||
	fail "config ubd: file names not made absolute"

# The same commands read from standard input (readline without a tty
# echoes them after the prompt).
printf '%s\n' version "" "   " "help" "proc meminfo" "switch fake" "int" \
	"stop" "go" "log from stdin" "remove ubd1" "switch nowhere" \
	"mconsole-version" "quit" "version" >"$WORK/stdin.txt"
for who in deb ours; do
	client=$DEBS
	[[ $who == ours ]] && client=$OURS
	: >"$LOG"
	(cd "$WORK" && timeout "$T" "$client" "$SOCK") <"$WORK/stdin.txt" \
		>"$WORK/stdin.$who.out" 2>"$WORK/stdin.$who.err"
	echo "exit $?" >>"$WORK/stdin.$who.out"
	cp "$LOG" "$WORK/stdin.$who.req"
done
same "commands on standard input" "$WORK/stdin"
grep -qxF "(fake) mconsole-version" "$WORK/stdin.ours.out" ||
	fail "no '(fake) ' prompt after switch"

# Our client on a terminal: TAB completes command names (and file names
# after the first word), the up arrow recalls history, ^D exits 0.
cat >"$WORK/readline_session.py" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[1])
from console import Console, ConsoleError

client, work = sys.argv[2], sys.argv[3]
env = dict(os.environ, TERM="vt100")
try:
    with Console([client, "fake"], env=env, cwd=work,
                 log=os.path.join(work, "pty.log")) as con:
        con.expect(r"\(fake\) $")
        con.sendline("proc meminfo")
        con.expect(r"Field59: +59000 kB")
        con.expect(r"\(fake\) $")
        con.send("ver\t")
        con.expect(r"version $")
        con.send("\r")
        con.expect(r"OK Linux fakeuml")
        con.expect(r"\(fake\) $")
        con.send("\x1b[A\x1b[A\r")  # two steps back: proc meminfo
        con.expect(r"Field59: +59000 kB")
        con.expect(r"\(fake\) $")
        con.send("mcon\t\r")
        con.expect(r"uml_mconsole client version 2")
        con.expect(r"\(fake\) $")
        con.send("s\t\t")
        con.expect(r"stack +stop +switch +sysrq")
        con.send("\x15")  # ^U: clear the line
        con.send("log -f logf\t")
        con.expect(r"logfile\.txt $")
        con.send("\r")
        con.expect(r"(OK \n){3}")
        con.expect(r"\(fake\) $")
        con.send(Console.CTRL_D)
        status = con.wait_exit(timeout=10)
        if status != 0:
            raise ConsoleError("exit status %d after EOF" % status)
except ConsoleError as e:
    print(e)
    sys.exit(1)
EOF
python3 "$WORK/readline_session.py" "$ROOT/tests/integration" "$OURS" "$WORK" \
	>"$WORK/pty.out" 2>&1 ||
	{
		show "pty session" "$WORK/pty.out"
		fail "interactive mode on a pty"
	}
grep -qF "log first line" "$LOG" ||
	fail "log -f from the pty session did not reach the server"

# A machine that does not answer: a clear error within the timeout.
start=$SECONDS
UML_MCONSOLE_TIMEOUT=1 timeout "$T" "$OURS" fake silent \
	>"$WORK/silent.out" 2>"$WORK/silent.err"
status=$?
[[ $status -eq 1 && $((SECONDS - start)) -le 5 ]] ||
	fail "silent machine: exit $status after $((SECONDS - start))s"
grep -qxF "uml_mconsole: no reply from '$SOCK' within 1 s" \
	"$WORK/silent.err" || fail "silent machine: no timeout message"
# The late reply of a timed-out command is not taken for the next one's.
printf 'slow\nversion\n' >"$WORK/late.txt"
UML_MCONSOLE_TIMEOUT=1 timeout "$T" "$OURS" fake <"$WORK/late.txt" \
	>"$WORK/late.out" 2>&1
grep -qxF "OK Linux fakeuml 6.1.0-fake #1 SMP x86_64" "$WORK/late.out" &&
	! grep -q "OK late" "$WORK/late.out" ||
	fail "a late reply was taken for the next command's: $(cat "$WORK/late.out")"

# A malformed reply datagram is an error, not a crash or a hang.
timeout "$T" "$OURS" fake malformed >"$WORK/bad.out" 2>"$WORK/bad.err"
status=$?
[[ $status -eq 1 ]] && grep -q "malformed reply (3 bytes)" "$WORK/bad.err" ||
	fail "malformed reply: exit $status, $(cat "$WORK/bad.err")"

# Debian's abstract address ("\0" + "%5d" of the pid) taken by another
# socket: our client binds a unique one instead and still gets replies.
cat >"$WORK/squat.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b"\0" + (b"%5d" % os.getpid()).ljust(107, b"\0"))
os.set_inheritable(s.fileno(), True)
os.execv(sys.argv[1], sys.argv[1:])
EOF
: >"$ADDRS"
timeout "$T" python3 "$WORK/squat.py" "$OURS" fake version \
	>"$WORK/squat.out" 2>"$WORK/squat.err" ||
	fail "taken abstract address: $(cat "$WORK/squat.err")"
grep -qxF "OK Linux fakeuml 6.1.0-fake #1 SMP x86_64" "$WORK/squat.out" ||
	fail "taken abstract address: no reply"
grep -q "^b'\\\\x00[0-9a-f]\{5\}'$" "$ADDRS" ||
	fail "taken abstract address: not autobound ($(cat "$ADDRS"))"

# -d UML_DIR: the umid form for machines started with uml_dir=, int too.
mkdir -p "$WORK/umldir/other"
ln -s "$SOCK" "$WORK/umldir/other/mconsole"
echo "$SERVER_PID" >"$WORK/umldir/other/pid"
rm -f "$SIGS"
timeout "$T" "$OURS" -d "$WORK/umldir" other version >"$WORK/d.out" 2>&1 &&
	timeout "$T" "$OURS" -d "$WORK/umldir" other int >>"$WORK/d.out" 2>&1 ||
	fail "-d: $(cat "$WORK/d.out")"
[[ $(cat "$WORK/d.out") == "OK Linux fakeuml 6.1.0-fake #1 SMP x86_64" ]] ||
	fail "-d: $(cat "$WORK/d.out")"
interrupted || fail "-d: 'int' did not interrupt the machine's pid"

# halt: an empty OK, then the machine is gone for both clients.
run "$OURS" "$WORK/halt" fake halt
[[ $(cat "$WORK/halt.out") == $'OK \nexit 0' ]] ||
	fail "halt: $(cat "$WORK/halt.out" "$WORK/halt.err")"
wait "$SERVER_PID"
SERVER_PID=
run "$DEBS" "$WORK/gone.deb" "$SOCK" version
run "$OURS" "$WORK/gone.ours" "$SOCK" version
# (Debian's stderr differs: it tries one odd extra name and then sends to
# an empty address, where ours says that no machine is selected.)
same "a halted machine" "$WORK/gone" out req
grep -qxF "uml_mconsole: no machine selected; use switch <name>" \
	"$WORK/gone.ours.err" || fail "halted machine: $(cat "$WORK/gone.ours.err")"

# Our kernel's own mconsole server, when it has one.
kernel_note="no ./linux, kernel part skipped"
if [[ -x $KERNEL && -f $BASE_IMAGE ]]; then
	printf '%s\n' "#!/bin/sh" "$GUEST_PROLOGUE" "echo guest-up" \
		"sleep 40" "poweroff -f" >"$WORK/guest.sh"
	make_image "$WORK/guest.sh" "$WORK/k.cpio.gz"
	UMLDIR=$WORK/uml
	KSOCK=$UMLDIR/mcclient/mconsole
	timeout -k 5 "$BOOT_TIMEOUT" "$KERNEL" mem="$BOOT_MEM" \
		initrd="$WORK/k.cpio.gz" quiet umid=mcclient uml_dir="$UMLDIR" \
		init=/bin/sh /test.sh </dev/null >"$BOOT_OUT" 2>"$BOOT_ERR" &
	KPID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q guest-up "$BOOT_OUT" && break
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -S $KSOCK ]]; then
		run "$DEBS" "$WORK/kv.deb" "$KSOCK" version
		run "$OURS" "$WORK/kv.ours" "$KSOCK" version
		same "version from ./linux" "$WORK/kv"
		grep -q "^OK Linux " "$WORK/kv.ours.out" ||
			fail "./linux version: $(cat "$WORK/kv.ours.out")"
		run "$DEBS" "$WORK/kh.deb" "$KSOCK" help
		run "$OURS" "$WORK/kh.ours" "$KSOCK" help
		same "help from ./linux" "$WORK/kh"
		run "$OURS" "$WORK/km" -d "$UMLDIR" mcclient proc meminfo
		grep -q "^MemTotal:" "$WORK/km.out" ||
			fail "./linux proc meminfo: $(head -5 "$WORK/km.out")"
		run "$OURS" "$WORK/khalt" -d "$UMLDIR" mcclient halt
		[[ $(cat "$WORK/khalt.out") == $'OK \nexit 0' ]] ||
			fail "./linux halt: $(cat "$WORK/khalt.out")"
		wait "$KPID"
		status=$?
		KPID=
		[[ $status -eq 0 ]] || fail "./linux exited $status after halt"
		[[ ! -e $UMLDIR/mcclient ]] ||
			fail "./linux left $UMLDIR/mcclient behind after halt"
		kernel_note="and ./linux answers version, help, proc, halt"
	else
		stop_kernel
		kernel_note="./linux has no mconsole socket yet, kernel part skipped"
		echo "note: $kernel_note"
	fi
fi

pass "same bytes as Debian's client for ${#COMMANDS[@]} commands x2, \
stdin and halt; pty, timeout, -d work; $kernel_note"
