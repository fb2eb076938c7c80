"""A stand-in for ./linux that runs the guest natively: for checking the
integration harness itself before (or apart from) the kernel. Root only.

Usage: KERNEL=$PWD/tests/integration/fake-linux tests/integration/run-all.sh \
           t-boot-poweroff t-guest-programs t-busybox-exam
(t-abuse passes but for its oom step, which needs a real mem= limit;
t-console and t-unprivileged need the real kernel.)

It unpacks initrd= (concatenated gzip'ed newc archives), then runs init=
and the bare words in a chroot inside new pid and mount namespaces;
`poweroff -f` there ends the namespace, which counts as a clean halt (exit
0). It is not a kernel: /dev holds only bind mounts of null, zero, full
and urandom, and mem= is ignored.
"""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile


def unpack(data, root):
    off = 0
    while off + 110 <= len(data):
        if data[off:off + 6] not in (b"070701", b"070702"):
            off += 4 if data[off:off + 4] == b"\0\0\0\0" else 1
            continue
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        body = data[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            continue
        path = os.path.join(root, name.lstrip("./") or ".")
        kind = mode & 0o170000
        if os.path.lexists(path) and kind != 0o040000:
            os.unlink(path)
        if kind == 0o040000:
            os.makedirs(path, exist_ok=True)
        elif kind == 0o120000:
            os.symlink(body.decode(), path)
        elif kind == 0o100000:
            with open(path, "wb") as out:
                out.write(body)
        else:
            continue
        if kind != 0o120000:
            os.chmod(path, mode & 0o7777)


def main():
    initrd, init, words = None, "/init", []
    for arg in sys.argv[1:]:
        if arg.startswith("initrd="):
            initrd = arg[7:]
        elif arg.startswith("init="):
            init = arg[5:]
        elif "=" not in arg and arg != "quiet":
            words.append(arg)
    if not initrd:
        print("fake-linux: initrd= required", file=sys.stderr)
        return 1
    root = tempfile.mkdtemp(prefix="fake-linux.")
    try:
        with open(initrd, "rb") as f:
            raw = f.read()
        unpack(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw, root)
        setup = "".join(
            "touch %s/dev/%s && mount --bind /dev/%s %s/dev/%s && " %
            (root, d, d, root, d) for d in ("null", "zero", "full", "urandom"))
        cmd = ["unshare", "--pid", "--fork", "--mount", "--kill-child",
               "sh", "-c", setup + 'exec chroot "$0" "$@"', root, init] + words
        status = subprocess.call(cmd, env={"PATH": "/bin:/sbin:/usr/bin",
                                           "HOME": "/", "TERM": "linux"})
        # poweroff -f in a pid namespace kills its init with SIGINT (128+2).
        return 0 if status in (0, 130, -2) else status
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
