#!/usr/bin/env python3
"""Exercise the mconsole server's framing and flood it with bad datagrams.

Usage: mconsole_fuzz.py SOCKET [COUNT]

Checks, against a running kernel, what uml_mconsole cannot show: the raw
version-0 reply, exactly one reply to a wrong version (the quirk fixed),
"Request too large", data without a NUL, whole-word command lookup and
replies to an abstract address. Then COUNT malformed datagrams (random
lengths, magics, versions, lens, no NUL, empty, 65 KiB) are sent from a
socket that never reads its replies and from an unbound one; afterwards
`version` must still be answered. Prints FUZZ-OK on success, else raises.
"""
import os
import random
import socket
import struct
import sys

MAGIC = 0xCAFEBABE
V0_REPLY = b"ERR Version 0 mconsole clients are not supported by this driver"
SAFE_WORDS = ["version", "help", "proc", "stack", "log", "go", "config",
              "remove", "versionfoo", "", "  ", "hal", "stopx", "sysrqq"]


def request(cmd, magic=MAGIC, version=2, length=None, pad=True):
    data = cmd if isinstance(cmd, bytes) else cmd.encode()
    if length is None:
        length = len(data)
    body = struct.pack("=III", magic, version, length) + data
    return body.ljust(524, b"\0") if pad else body


def replies(sock):
    """Every datagram of one reply, until more == 0."""
    out = []
    while True:
        data = sock.recv(65536)
        assert len(data) >= 12, "short reply %r" % data
        err, more, length = struct.unpack("=III", data[:12])
        assert length == len(data) - 12, "len %d in a %d-byte reply" % (
            length, len(data))
        assert data[-1:] == b"\0", "reply without its NUL"
        out.append((err, data[12:-1].decode(errors="replace")))
        if not more:
            return out


def ask(sock, path, dgram):
    sock.sendto(dgram, path)
    return replies(sock)


def expect_silence(sock):
    sock.settimeout(0.5)
    try:
        data = sock.recv(65536)
    except socket.timeout:
        return
    finally:
        sock.settimeout(5)
    raise AssertionError("unexpected extra reply %r" % data)


def framing(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0mcfuzz-%d" % os.getpid())
    s.settimeout(5)

    s.sendto(b"version", path)
    assert s.recv(1000) == V0_REPLY, "no raw version 0 reply"
    s.sendto(b"", path)
    assert s.recv(1000) == V0_REPLY, "no version 0 reply to an empty datagram"

    r = ask(s, path, request("version", version=1))
    assert r == [(1, "This driver only supports version 2 clients")], r
    expect_silence(s)

    r = ask(s, path, request("version", length=512))
    assert r == [(1, "Request too large")], r

    r = ask(s, path, request(b"versionXXXX", length=7, pad=False))
    assert r[0][0] == 0 and r[0][1].startswith("Linux "), r

    r = ask(s, path, request(b"help", pad=False))
    assert r[0][0] == 0 and "stack <pid>" in "".join(t for _, t in r), r

    r = ask(s, path, request("versionfoo"))
    assert r == [(1, "Unknown command")], r

    r = ask(s, path, request("go"))
    assert r == [(1, "Not stopped")], r

    r = ask(s, path, request("proc meminfo"))
    assert r[0] == (0, "\n") and r[-1] == (0, ""), r
    assert "MemTotal:" in "".join(t for _, t in r), r
    return s


def random_datagram(rng):
    kind = rng.randrange(8)
    if kind == 0:
        return b""
    if kind == 1:
        return os.urandom(rng.randrange(1, 12))
    if kind == 2:
        return os.urandom(65536)
    if kind == 3:
        return request(os.urandom(rng.randrange(0, 600)), pad=False)
    if kind == 4:
        return request(b"", magic=rng.getrandbits(32),
                       version=rng.getrandbits(32),
                       length=rng.getrandbits(32))
    if kind == 5:
        word = rng.choice(SAFE_WORDS)
        tail = bytes(rng.randrange(32, 127) for _ in range(rng.randrange(20)))
        return request(word.encode() + b" " + tail,
                       length=rng.choice([None, 0, 3, 511, 512, 100000]),
                       pad=rng.random() < 0.5)
    if kind == 6:
        return struct.pack("=III", MAGIC, 2, rng.randrange(1, 600)) + \
            os.urandom(rng.randrange(0, 64))
    return os.urandom(rng.randrange(12, 2000))


def flood(path, count):
    rng = random.Random(1234)
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    deaf.bind("\0mcdeaf-%d" % os.getpid())
    unbound = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for sock in (deaf, unbound):
        sock.settimeout(10)
    for i in range(count):
        sock = deaf if i % 3 else unbound
        sock.sendto(random_datagram(rng), path)
    deaf.close()
    unbound.close()


def main():
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    s = framing(path)
    flood(path, count)
    r = ask(s, path, request("version"))
    assert r[0][0] == 0 and r[0][1].startswith("Linux "), r
    print("FUZZ-OK")


if __name__ == "__main__":
    main()
