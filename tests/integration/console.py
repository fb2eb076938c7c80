"""Drive a program's console through a pseudo-terminal (stdlib only).

Used by the interactive integration tests: spawn ./linux (or any program)
with stdin, stdout and stderr on a pty slave, then send keys and expect
regular expressions with timeouts, as a person at the terminal would.

    from console import Console
    with Console(["./linux", "mem=256M", "initrd=build/initramfs.cpio.gz"],
                 log="console.log") as con:
        con.expect(r"# $", timeout=30)
        con.sendline("echo $((6 * 7))")
        con.expect(r"\\b42\\b")
        con.send(Console.CTRL_C)
        con.sendline("poweroff -f")
        status = con.wait_exit(timeout=10)

Whatever happens, leaving the with block (or close()) kills the program's
process group by its pid and reaps it.
"""

import errno
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time


# Terminal control sequences (CSI ... final byte, and two-byte ESC x) are
# removed before matching: shells and vi emit them around their output.
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class ConsoleError(Exception):
    """An expectation failed; the message holds the recent output."""


class Console:
    CTRL_C = "\x03"
    CTRL_D = "\x04"
    CTRL_Z = "\x1a"
    ESC = "\x1b"

    def __init__(self, argv, log=None, rows=24, cols=80, env=None, cwd=None):
        self.buffer = ""  # output not yet consumed by expect()
        self.transcript = ""  # everything ever read
        self.status = None
        self.log = open(log, "w", encoding="utf-8") if log else None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the pty slave is our stdin/out/err
            try:
                if cwd:
                    os.chdir(cwd)
                if env is None:
                    os.execvp(argv[0], argv)
                else:
                    os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        winsize = struct.pack("HHHH", rows, cols, 0, 0)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, winsize)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _read_some(self, timeout):
        """Read what is available within timeout; False at end of output."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError as e:
            if e.errno == errno.EIO:  # slave closed: the program ended
                return False
            raise
        if not data:
            return False
        text = data.decode("utf-8", errors="replace").replace("\r", "")
        self.buffer += text
        self.transcript += text
        if self.log:
            self.log.write(text)
            self.log.flush()
        return True

    def expect(self, pattern, timeout=10):
        """Wait until pattern matches the unconsumed output; consume up to
        the end of the match and return the match object."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            text = ANSI.sub("", self.buffer)
            m = regex.search(text)
            if m:
                self.buffer = text[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConsoleError(
                    "timed out after %ss waiting for /%s/; recent output:\n%s"
                    % (timeout, pattern, self.transcript[-1500:]))
            if not self._read_some(min(left, 0.5)):
                text = ANSI.sub("", self.buffer)
                m = regex.search(text)
                if m:
                    self.buffer = text[m.end():]
                    return m
                raise ConsoleError(
                    "output ended waiting for /%s/; recent output:\n%s"
                    % (pattern, self.transcript[-1500:]))

    def drain(self, seconds):
        """Read and discard output for a while (e.g. to let a boot settle)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._read_some(deadline - time.monotonic()):
                break
        self.buffer = ""

    def send(self, text):
        os.write(self.fd, text.encode("utf-8"))

    def sendline(self, line):
        self.send(line + "\r")

    def wait_exit(self, timeout=10):
        """Wait for the program to end while reading its output; return its
        exit status (negative signal number if killed), or raise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = (os.WEXITSTATUS(status)
                               if os.WIFEXITED(status)
                               else -os.WTERMSIG(status))
                return self.status
            if not self._read_some(0.1):
                time.sleep(0.05)
        raise ConsoleError("program still running after %ss; recent output:"
                           "\n%s" % (timeout, self.transcript[-1500:]))

    def close(self):
        """Kill the program (its pid, then its process group) and reap it."""
        if self.status is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for target in (lambda s: os.kill(self.pid, s),
                               lambda s: os.killpg(self.pid, s)):
                    try:
                        target(sig)
                    except OSError:
                        pass
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline:
                    try:
                        pid, _ = os.waitpid(self.pid, os.WNOHANG)
                    except ChildProcessError:
                        pid = self.pid
                    if pid == self.pid:
                        self.status = -sig
                        break
                    time.sleep(0.05)
                if self.status is not None:
                    break
        try:
            os.close(self.fd)
        except OSError:
            pass
        if self.log:
            self.log.close()
            self.log = None
