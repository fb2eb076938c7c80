#!/usr/bin/env bash
# Our uml_mkcow and uml_moo against Debian's (uml-utilities): the same
# backing file gives byte-identical COW files; COW files of every version
# with known data merge into byte-identical images, plain, in place (-d)
# and with -b, just as sparse; and broken input fails with the same
# message and exit status, leaving nothing written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MKCOW=$ROOT/tools/uml_mkcow
MOO=$ROOT/tools/uml_moo
DEB_MKCOW=${DEB_MKCOW:-/usr/bin/uml_mkcow}
DEB_MOO=${DEB_MOO:-/usr/bin/uml_moo}
T=60 # seconds allowed for each tool run

[[ -x $MKCOW && -x $MOO ]] || fail "no tools/uml_mkcow or tools/uml_moo (run make tools)"
[[ -x $DEB_MKCOW && -x $DEB_MOO ]] ||
	skip "Debian's uml_mkcow and uml_moo are not installed (uml-utilities)"
command -v python3 >/dev/null || skip "python3 is not installed"

# A helper that makes backing files, writes legacy headers and pokes
# sectors into a COW file of any version, setting their bits.
cat >"$WORK/cowlab.py" <<'EOF'
import os, random, struct, sys

def up(x, a):
    return (x + a - 1) // a * a

def layout(h):
    """version, broken, sectorsize, bitmap_offset, data_offset of a header."""
    if h[:4] == b'MOOO':
        version = struct.unpack('<I', h[4:8])[0]
    else:
        version = struct.unpack('>I', h[4:8])[0]
    if version == 1:
        size, ss = struct.unpack('<Qi', h[268:280])
        bl = (size + ss - 1) // (8 * ss)
        return ss, 280, up(280 + bl, ss)
    if version == 2:
        size, ss = struct.unpack('>Qi', h[4108:4120])
        bl = (size + ss - 1) // (8 * ss)
        return ss, 4120, up(4120 + bl, ss)
    if h[32:36] == bytes(4):
        size, ss, al = struct.unpack('>QII', h[16:32])
        hlen = 4136
    else:
        size, ss, al = struct.unpack('>QII', h[12:28])
        hlen = 4128
    bo = up(hlen, al)
    return ss, bo, up(bo + ((size + ss - 1) // ss + 7) // 8, al)

def backing(path, size):
    """A sparse file of size bytes with random data in a few places."""
    rnd = random.Random(size)
    with open(path, 'wb') as f:
        f.truncate(size)
        for off in (0, 3 * 512, 4096, 100 * 1024, size // 2, size - 2048):
            f.seek(off)
            f.write(bytes(rnd.getrandbits(8) for _ in range(1536)))

def legacy(kind, cow, back):
    """A v1, v2 or v3_b COW file for back, extended to its full size."""
    st = os.stat(back)
    path = os.path.abspath(back).encode()
    mtime, size = st.st_mtime_ns // 10**9, st.st_size
    if kind == 'v1':
        h = struct.pack('<ii256sIQi', 0x4f4f4f4d, 1, path, mtime, size, 512)
    elif kind == 'v2':
        h = struct.pack('>II4096sIQi', 0x4f4f4f4d, 2, path, mtime, size, 512)
    else:
        h = struct.pack('>IIIIQIII4096s', 0x4f4f4f4d, 3, mtime, 0, size,
                        512, 4096, 0, path) + bytes(4)
    with open(cow, 'wb') as f:
        f.write(h)
        f.truncate(layout(h)[2] + size)

def poke(cow, first, count, what):
    """Write count sectors from first into cow and set their bits."""
    rnd = random.Random(first)
    with open(cow, 'r+b') as f:
        ss, bo, do = layout(f.read(4136))
        for s in range(first, first + count):
            if what == 'zero':
                data = bytes(ss)
            elif what == 'rand':
                data = bytes(rnd.getrandbits(8) for _ in range(ss))
            else:
                data = bytes([int(what, 16)]) * ss
            f.seek(do + s * ss)
            f.write(data)
            f.seek(bo + s // 8)
            b = f.read(1)[0] | 1 << (s % 8)
            f.seek(bo + s // 8)
            f.write(bytes([b]))

cmd = sys.argv[1]
if cmd == 'backing':
    backing(sys.argv[2], int(sys.argv[3]))
elif cmd == 'legacy':
    legacy(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == 'poke':
    poke(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
EOF
lab() {
	python3 "$WORK/cowlab.py" "$@" || fail "cowlab.py $*"
}

# run NAME PROG ARGS...: run a tool as argv[0] NAME (so usage texts
# match); stdout, stderr and status land in $WORK/NAME.{out,err,rc}.
run() {
	local tag=$1 prog=$2
	shift 2
	(cd "$WORK" && timeout $T bash -c 'exec -a "$0" "$@"' \
		"$(basename "$prog")" "$prog" "$@") \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"
	echo $? >"$WORK/$tag.rc"
}

# both TAG mkcow|moo ARGS...: run our tool and Debian's with the same
# arguments, except that an @ in them reads "ours" or "deb".
both() {
	local tag=$1 tool=$2
	shift 2
	local ours=$MKCOW deb=$DEB_MKCOW
	if [[ $tool == moo ]]; then
		ours=$MOO deb=$DEB_MOO
	fi
	run "ours-$tag" "$ours" "${@//@/ours}"
	run "deb-$tag" "$deb" "${@//@/deb}"
}

# same_output TAG: both runs printed the same and exited alike.
same_output() {
	local f
	for f in out err rc; do
		cmp -s "$WORK/ours-$1.$f" "$WORK/deb-$1.$f" || {
			show "ours $f" "$WORK/ours-$1.$f"
			show "Debian's $f" "$WORK/deb-$1.$f"
			fail "$1: our $f differs from Debian's"
		}
	done
}

# same_file A B WHAT: identical bytes and identical allocation.
same_file() {
	cmp "$1" "$2" || fail "$3: files differ"
	[[ $(stat -c %b "$1") == $(stat -c %b "$2") ]] ||
		fail "$3: $(stat -c %b "$1") vs $(stat -c %b "$2") blocks allocated"
	[[ $(stat -c %a "$1") == $(stat -c %a "$2") ]] ||
		fail "$3: modes $(stat -c %a "$1") vs $(stat -c %a "$2")"
}

expect_rc() {
	[[ $(cat "$WORK/$1.rc") == "$2" ]] || {
		show "stdout" "$WORK/$1.out"
		show "stderr" "$WORK/$1.err"
		fail "$1: exit status $(cat "$WORK/$1.rc"), expected $2"
	}
}

cd "$WORK" || fail "no work directory"
umask 022

# ---- (a) uml_mkcow: identical COW files ----
if command -v mke2fs >/dev/null; then
	truncate -s 8M back.img
	mke2fs -q -F -b 1024 back.img >/dev/null 2>&1 || fail "mke2fs failed"
else
	lab backing back.img $((8 * 1024 * 1024))
fi
mkdir -p sub
both mk mkcow @.cow sub/../back.img
expect_rc ours-mk 0
same_output mk
same_file ours.cow deb.cow "uml_mkcow output"
[[ $(stat -c %s ours.cow) -eq $((8 * 1024 * 1024 + 8192 + 4096)) ]] ||
	fail "COW file size $(stat -c %s ours.cow)"
run ours-abs "$MKCOW" abs.cow "$WORK/back.img"
cmp -s abs.cow ours.cow || fail "absolute and relative backing paths differ"

# An existing file needs -f; -f starts afresh (no stale bitmap).
both exists mkcow ours.cow back.img
expect_rc ours-exists 1
same_output exists
grep -q 'open COW file: File exists' ours-exists.err || fail "no EEXIST message"
cp ours.cow stale.cow
lab poke stale.cow 0 16 ff
run ours-force "$MKCOW" -f stale.cow back.img
expect_rc ours-force 0
cmp -s stale.cow ours.cow || fail "-f left the old bitmap or data behind"

# Usage: same text and status.
both usage-mk mkcow
expect_rc ours-usage-mk 2
same_output usage-mk
both usage-moo moo
expect_rc ours-usage-moo 1
same_output usage-moo
both usage-moo3 moo a b c
same_output usage-moo3

# ---- (b) uml_moo: identical merges ----
lab backing data.img $((8 * 1024 * 1024))
run mkdata "$DEB_MKCOW" data.cow data.img
expect_rc mkdata 0
lab poke data.cow 2 4 ab
[[ $(od -An -tx1 -j 8192 -N 1 data.cow | tr -d ' ') == 3c ]] ||
	fail "sectors 2-5 did not give bitmap byte 0x3c"
lab poke data.cow 6 2 zero      # zeros over backing data
lab poke data.cow 200 3 zero    # zeros over a backing hole
lab poke data.cow 1000 2600 rand # a run across 1 MiB chunks
lab poke data.cow 9000 1 7f
lab poke data.cow 16383 1 zero  # the last sector

both merge moo data.cow @.img
expect_rc ours-merge 0
same_output merge
same_file ours.img deb.img "plain merge"
cmp -s ours.img data.img && fail "the merge did not change anything"

# -b: the backing file moved away.
mkdir -p moved
cp -p data.img moved/data.img
both b moo -b moved/data.img data.cow @-b.img
expect_rc ours-b 0
same_output b
same_file ours-b.img deb-b.img "merge with -b"
cmp -s ours-b.img ours.img || fail "-b merge differs from the plain merge"

# -d: in place, each tool on its own sparse copy of the backing file.
cp --sparse=always data.img ours-d.img
cp --sparse=always data.img deb-d.img
touch -r data.img ours-d.img deb-d.img
both d moo -d -b @-d.img data.cow
expect_rc ours-d 0
same_output d
same_file ours-d.img deb-d.img "destructive merge"
cmp -s ours-d.img ours.img || fail "-d result differs from the plain merge"
# Ours also takes -b before -d, as its usage text has it.
cp --sparse=always data.img bd.img
touch -r data.img bd.img
run ours-bd "$MOO" -b bd.img -d data.cow
expect_rc ours-bd 0
same_file bd.img ours-d.img "-b before -d"

# Legacy versions, and a COW made by our uml_mkcow.
for kind in v1 v2 v3b ours; do
	if [[ $kind == ours ]]; then
		run mk-$kind "$MKCOW" $kind.cow data.img
	else
		lab legacy $kind $kind.cow data.img
	fi
	lab poke $kind.cow 3 5 c3
	lab poke $kind.cow 4000 300 rand
	lab poke $kind.cow 12 1 zero
	both merge-$kind moo $kind.cow @-$kind.img
	expect_rc ours-merge-$kind 0
	same_output merge-$kind
	same_file ours-$kind.img deb-$kind.img "$kind merge"
done

# A sparse 512 MiB image: identical, and just as sparse.
lab backing big.img $((512 * 1024 * 1024))
run mkbig "$MKCOW" big.cow big.img
lab poke big.cow 70000 100 5a
start=$SECONDS
run ours-big "$MOO" big.cow ours-big.img
expect_rc ours-big 0
((SECONDS - start < 20)) ||
	fail "merging a sparse 512 MiB image took $((SECONDS - start))s"
run deb-big "$DEB_MOO" big.cow deb-big.img
same_file ours-big.img deb-big.img "sparse 512 MiB merge"
rm -f big.img big.cow ours-big.img deb-big.img

# ---- (c) errors: same message and status, nothing written ----
cp --sparse=always data.img gone.img
touch -r data.img gone.img
run mkgone "$DEB_MKCOW" gone.cow gone.img
rm gone.img
both missing moo gone.cow @-missing.img
expect_rc ours-missing 1
same_output missing
grep -q 'Stating backing file: No such file or directory' ours-missing.err ||
	fail "no message for the missing backing file"
[[ -e ours-missing.img ]] && fail "an output file was created"

touch -d '2001-02-03 04:05:06' moved/data.img
both mtime moo -b moved/data.img data.cow @-mtime.img
expect_rc ours-mtime 1
same_output mtime
grep -q '^mtime mismatch (' ours-mtime.err || fail "no mtime mismatch message"
[[ -e ours-mtime.img ]] && fail "an output file was created after an mtime mismatch"

cp data.img bigger.img
truncate -s 9M bigger.img
both size moo -b bigger.img data.cow @-size.img
expect_rc ours-size 1
same_output size
grep -q '^Size mismatch (' ours-size.err || fail "no size mismatch message"

head -c 100 data.cow >trunc.cow
both trunc moo trunc.cow @-trunc.img
expect_rc ours-trunc 1
same_output trunc
grep -q 'failed to read V3 header' ours-trunc.out || fail "no truncation message"
[[ -e ours-trunc.img ]] && fail "an output file was created for a truncated header"

both raw moo data.img @-raw.img
expect_rc ours-raw 1
same_output raw

cp -p moved/data.img keep.img
both mtime-d moo -d -b moved/data.img data.cow
expect_rc ours-mtime-d 1
same_output mtime-d
cmp -s moved/data.img keep.img || fail "-d wrote into a mismatched backing file"

run ours-mk-missing "$MKCOW" nothing.cow no-such-file
expect_rc ours-mk-missing 1
grep -q "mtime request failed" ours-mk-missing.out ||
	fail "uml_mkcow: no message for a missing backing file"
grep -q 'write_cow_header: No such file or directory' ours-mk-missing.err ||
	fail "uml_mkcow: no errno message"
[[ -e nothing.cow ]] && fail "uml_mkcow left a COW file behind"

pass "uml_mkcow and uml_moo match Debian's byte for byte"
