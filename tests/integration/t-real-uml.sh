#!/usr/bin/env bash
# Our kernel and Debian's real UML kernel (linux.uml, run through
# scripts/real-uml.sh) as peers:
#  1. one COW file over one ext2 image, written in turn by our kernel, by
#     real UML and by ours again: each sees what the other wrote, the
#     backing image never changes, and Debian's uml_moo merges the COW
#     file into an image that e2fsck finds clean;
#  2. real UML's mconsole answers our uml_mconsole exactly as it answers
#     Debian's (stdout, stderr and exit status) for a set of commands;
#     stop/go pauses the guest; our client's halt ends the machine and
#     removes its umid directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
REAL_UML=${REAL_UML:-/usr/bin/linux.uml}
[[ -x $REAL_UML ]] || skip "no $REAL_UML (apt-get install user-mode-linux)"
DEB_MCONSOLE=/usr/bin/uml_mconsole
OUR_MCONSOLE=$ROOT/tools/uml_mconsole
[[ -x $DEB_MCONSOLE ]] || skip "no $DEB_MCONSOLE (apt-get install uml-utilities)"
[[ -x $OUR_MCONSOLE && -f $ROOT/tools/uml_xstate_shim.so ]] ||
	fail "tools not built (run make tools)"
for tool in mke2fs e2fsck debugfs uml_moo; do
	command -v "$tool" >/dev/null || skip "no $tool"
done
export UML=$REAL_UML

# boot_uml SCRIPT NAME ARGS...: real UML runs SCRIPT as pid 1 from the
# base image in the background; its console output in $WORK/NAME.out.
boot_uml() {
	local script=$1 name=$2
	shift 2
	make_image "$script" "$WORK/$name.cpio.gz"
	timeout -k 5 120 "$ROOT/scripts/real-uml.sh" mem=128M \
		initrd="$WORK/$name.cpio.gz" rdinit=/test.sh \
		con0=fd:0,fd:1 con=null "$@" </dev/null >"$WORK/$name.out" \
		2>"$WORK/$name.err" &
	UPID=$!
	BG_PIDS+=("$UPID")
}

show_uml() {
	show "real UML console" <(tr -d '\r' <"$WORK/$1.out")
	show "real UML stderr" "$WORK/$1.err"
}

# ---- 1. one COW file, three writers ----
BASE=$WORK/base.img
COW=$WORK/disk.cow
mkdir -p "$WORK/seed"
echo "from the backing file" >"$WORK/seed/hello"
truncate -s 32M "$BASE"
mke2fs -q -F -t ext2 -b 1024 -d "$WORK/seed" "$BASE" || fail "mke2fs"
base_sum=$(md5sum <"$BASE")

BOOT_ARGS=("ubd1=$COW,$BASE")
boot_lines "$GUEST_PROLOGUE" \
	"mount -t ext2 /dev/ubdb /mnt || echo MOUNT-FAILED" \
	"cat /mnt/hello" \
	"echo written by ours > /mnt/ours.txt" \
	"umount /mnt && echo ours-umounted" \
	"poweroff -f"
assert_status 0
assert_line "from the backing file"
assert_line "ours-umounted"
[[ -s $COW ]] || fail "our kernel made no COW file"

cat >"$WORK/uml1.sh" <<'SCRIPT'
#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
mount -t ext2 /dev/ubdb /mnt || echo MOUNT-FAILED
echo "=== begin uml"
cat /mnt/hello /mnt/ours.txt
echo written by real UML > /mnt/uml.txt
umount /mnt && echo uml-umounted
echo "=== end uml"
poweroff -f
SCRIPT
boot_uml "$WORK/uml1.sh" uml1 "ubd1=$COW,$BASE"
wait "$UPID"
tr -d '\r' <"$WORK/uml1.out" >"$WORK/uml1.txt"
printf '%s\n' "from the backing file" "written by ours" "uml-umounted" \
	>"$WORK/uml1.want"
section uml "$WORK/uml1.txt" >"$WORK/uml1.got"
cmp -s "$WORK/uml1.want" "$WORK/uml1.got" ||
	{
		show_uml uml1
		fail "real UML did not read our COW file as expected"
	}

boot_lines "$GUEST_PROLOGUE" \
	"mount -t ext2 /dev/ubdb /mnt || echo MOUNT-FAILED" \
	"cat /mnt/uml.txt /mnt/ours.txt" \
	"umount /mnt" \
	"poweroff -f"
assert_status 0
assert_line "written by real UML"
assert_line "written by ours"
[[ $(md5sum <"$BASE") == "$base_sum" ]] || fail "the backing file changed"

uml_moo "$COW" "$WORK/merged.img" >"$WORK/moo.log" 2>&1 ||
	{
		show "uml_moo" "$WORK/moo.log"
		fail "uml_moo could not merge the shared COW file"
	}
e2fsck -fn "$WORK/merged.img" >"$WORK/fsck.log" 2>&1 ||
	{
		show "e2fsck" "$WORK/fsck.log"
		fail "the merged image is not clean"
	}
[[ $(debugfs -R "cat /uml.txt" "$WORK/merged.img" 2>/dev/null) == \
	"written by real UML" ]] || fail "merged image lacks real UML's file"

# ---- 2. our uml_mconsole against real UML ----
cat >"$WORK/uml2.sh" <<'SCRIPT'
#!/bin/sh
mount -t proc proc /proc
echo "=== ready"
i=0
while true; do
	i=$((i + 1))
	echo "tick $i"
	sleep 0.2
done
SCRIPT
UMID=realuml$$
boot_uml "$WORK/uml2.sh" uml2 umid="$UMID" "ubd1=$COW,$BASE"
wait_match "$WORK/uml2.out" '^=== ready' 60 ||
	{
		show_uml uml2
		fail "real UML did not come up for the mconsole test"
	}
SOCK=$HOME/.uml/$UMID/mconsole
for ((i = 0; i < 100; i++)); do
	[[ -S $SOCK ]] && break
	sleep 0.1
done
[[ -S $SOCK ]] || fail "no mconsole socket at $SOCK"

# Both clients, one command each; their outputs must be identical.
n=0
for cmd in version help "config ubd1" "config ubd7" "proc filesystems" \
	"proc nosuchfile" "sysrq h" bogus "log from-the-test"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # the command's words are separate arguments
	"$DEB_MCONSOLE" "$UMID" $cmd >"$WORK/deb.$n.out" 2>"$WORK/deb.$n.err"
	echo "status $?" >>"$WORK/deb.$n.out"
	# shellcheck disable=SC2086
	"$OUR_MCONSOLE" "$UMID" $cmd >"$WORK/our.$n.out" 2>"$WORK/our.$n.err"
	echo "status $?" >>"$WORK/our.$n.out"
	for s in out err; do
		cmp -s "$WORK/deb.$n.$s" "$WORK/our.$n.$s" ||
			{
				diff -u "$WORK/deb.$n.$s" "$WORK/our.$n.$s" | head -40
				fail "'$cmd': our client's std$s differs from Debian's"
			}
	done
done
grep -qF "OK " "$WORK/our.1.out" || fail "version: no OK reply from real UML"
grep -qF "$COW" "$WORK/our.3.out" || fail "config ubd1 did not name the COW file"

# stop freezes the guest's tick loop; go resumes it.
"$OUR_MCONSOLE" "$UMID" stop >/dev/null || fail "stop failed"
sleep 0.5
before=$(tr -d '\r' <"$WORK/uml2.out" | grep -c '^tick')
sleep 1.5
after=$(tr -d '\r' <"$WORK/uml2.out" | grep -c '^tick')
[[ $before -eq $after ]] || fail "the guest ran while stopped ($before -> $after)"
"$OUR_MCONSOLE" "$UMID" go >/dev/null || fail "go failed"
wait_match "$WORK/uml2.out" "^tick $((after + 2))\$" 10 ||
	fail "the guest did not resume after go"

"$OUR_MCONSOLE" "$UMID" halt >"$WORK/halt.out" 2>&1 ||
	{
		show "halt" "$WORK/halt.out"
		fail "halt through our client failed"
	}
for ((i = 0; i < 100; i++)); do
	kill -0 "$UPID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$UPID" 2>/dev/null && fail "real UML still runs after halt"
[[ -e $HOME/.uml/$UMID ]] && fail "real UML left its umid directory"

pass "COW file shared with real UML both ways, uml_moo merge clean; our uml_mconsole = Debian's against real UML ($n commands), stop/go, halt"
