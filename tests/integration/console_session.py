"""The interactive session of t-console: a person at the guest's console.

Usage: python3 console_session.py LOG -- PROGRAM ARGS...
With --native before LOG, drive a host shell instead (a self-check of the
driver and of the expectations): then the poweroff step is replaced by exit.
Exits 0 if every step passed, else prints the failed step and exits 1.
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import Console, ConsoleError  # noqa: E402

PROMPT = r"# $"


def run(con, native):
    def step(name, line, pattern, timeout=10):
        print("step: %s" % name, flush=True)
        if line is not None:
            con.sendline(line)
        con.expect(pattern, timeout=timeout)

    step("boot to a shell prompt", None, PROMPT, timeout=60)
    con.drain(0.5)
    step("prompt after enter", "", PROMPT)
    step("five-process pipeline",
         "seq 1 100 | grep 7 | sort -r | head -n 3 | tr '\\n' ' '; echo",
         r"^97 87 79 $")
    con.expect(PROMPT)
    step("background job and wait",
         "sleep 1 & wait $!; echo \"wai\"\"ted $?\"", r"^waited 0$")
    con.expect(PROMPT)
    print("step: ^C interrupts sleep 100", flush=True)
    con.sendline("sleep 100")
    con.drain(1.0)
    con.send(Console.CTRL_C)
    con.expect(PROMPT, timeout=5)
    step("status after ^C", "echo \"st\"\"atus=$?\"", r"^status=130$")
    con.expect(PROMPT)
    step("ps lists processes", "ps", r"PID\s+USER\s+.*COMMAND")
    con.expect(r"^\s*\d+\s+\S+\s+.*\bps\b")
    con.expect(PROMPT)
    step("/proc/self/maps shows the stack", "cat /proc/self/maps",
         r"\[stack\]")
    con.expect(PROMPT)
    print("step: vi edits a file and :wq writes it", flush=True)
    con.sendline("rm -f /tmp/vi-test.txt /tmp/ctrl-d.txt")
    con.expect(PROMPT)
    con.sendline("vi /tmp/vi-test.txt")
    con.expect(r"~", timeout=10)
    # Pauses keep ESC from being read as the start of an escape sequence.
    con.send("ihello from vi")
    con.drain(0.5)
    con.send(Console.ESC)
    con.drain(0.5)
    con.send(":wq\r")
    con.expect(PROMPT, timeout=10)
    step("the file vi wrote", "cat /tmp/vi-test.txt", r"^hello from vi$")
    con.expect(PROMPT)
    print("step: vi :q quits", flush=True)
    con.sendline("vi /tmp/vi-test.txt")
    con.expect(r"hello from vi", timeout=10)
    con.drain(0.5)
    con.send(":q\r")
    con.expect(PROMPT, timeout=10)
    print("step: ^D ends the input of cat", flush=True)
    con.sendline("cat >/tmp/ctrl-d.txt")
    con.drain(0.5)  # let cat start and the line discipline turn canonical
    con.send("typed line\r")
    con.drain(0.3)
    con.send(Console.CTRL_D)
    con.expect(PROMPT, timeout=5)
    step("what cat got", "cat /tmp/ctrl-d.txt", r"^typed line$")
    con.expect(PROMPT)
    con.sendline("rm -f /tmp/vi-test.txt /tmp/ctrl-d.txt")
    con.expect(PROMPT)
    if native:
        con.sendline("exit")
    else:
        print("step: poweroff -f", flush=True)
        con.sendline("poweroff -f")
    status = con.wait_exit(timeout=15)
    if status != 0:
        raise ConsoleError("exit status %s, expected 0" % status)


def main():
    args = sys.argv[1:]
    native = bool(args) and args[0] == "--native"
    if native:
        args = args[1:]
    if len(args) < 3 or args[1] != "--":
        print(__doc__)
        return 2
    log, argv = args[0], args[2:]
    # An outer timeout's SIGTERM must still run close() and kill the program.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    con = Console(argv, log=log)
    try:
        run(con, native)
    except (ConsoleError, OSError) as e:
        print("step failed: %s" % e, flush=True)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
