"""One login on the console of a machine booted from a disk (t-rootfs).

Usage: python3 rootfs_session.py LOG [LINE REGEX]... -- PROGRAM ARGS...
Boots PROGRAM on a pseudo-terminal, waits for busybox init's console shell
(the root_fs banner, then the prompt), types each LINE and expects its
REGEX, then types `sync; poweroff` and waits for the program to exit.
Exits 0 if every step passed and the exit status was 0; 77 if the kernel
could not mount its root file system (disks not supported yet); else 1.
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import Console, ConsoleError  # noqa: E402

PROMPT = r"root@uml:[^\n]*# $"
BANNER = r"Welcome to uml: "
# What a kernel prints when it has no usable root device: ours (no init on
# an empty root), and Linux's wording for a root it cannot open or mount.
NO_ROOT = (r"No working init found|Cannot open root device|"
           r"Unable to mount root")


class NoRoot(Exception):
    """The kernel could not mount its root file system."""


def boot(con):
    print("step: boot from the disk to a shell prompt", flush=True)
    m = con.expect("(%s)|(%s)" % (BANNER, NO_ROOT), timeout=60)
    if m.group(2):
        raise NoRoot(m.group(2))
    con.expect(PROMPT, timeout=30)
    con.drain(0.5)
    con.sendline("")
    con.expect(PROMPT)


def run(con, steps):
    boot(con)
    for line, regex in steps:
        print("step: %s" % line, flush=True)
        con.sendline(line)
        con.expect(regex, timeout=20)
        con.expect(PROMPT, timeout=20)
    print("step: sync; poweroff", flush=True)
    con.sendline("sync; poweroff")
    status = con.wait_exit(timeout=60)
    if status != 0:
        raise ConsoleError("exit status %s, expected 0" % status)


def main():
    args = sys.argv[1:]
    if "--" not in args:
        print(__doc__)
        return 2
    sep = args.index("--")
    head, argv = args[:sep], args[sep + 1:]
    if not head or len(head) % 2 != 1 or not argv:
        print(__doc__)
        return 2
    log = head[0]
    steps = list(zip(head[1::2], head[2::2]))
    # An outer timeout's SIGTERM must still run close() and kill the program.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    con = Console(argv, log=log)
    try:
        run(con, steps)
    except NoRoot as e:
        print("no root file system: %s" % e, flush=True)
        return 77
    except (ConsoleError, OSError) as e:
        print("step failed: %s" % e, flush=True)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
