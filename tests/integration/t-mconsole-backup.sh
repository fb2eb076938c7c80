#!/usr/bin/env bash
# The backup workflow of a running machine, with Debian's uml_mconsole:
# a machine boots the default image through a COW file and writes data;
# `stop`, `sysrq s`, copy the COW file, `go`; the machine goes on and
# powers off. The copy then boots on its own, still holding the data,
# and the image merged from it by uml_moo is clean for e2fsck.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_kernel
MCONSOLE=${MCONSOLE:-/usr/bin/uml_mconsole}
[[ -x $MCONSOLE ]] && command -v uml_moo >/dev/null ||
	skip "Debian's uml-utilities is not installed"
command -v e2fsck >/dev/null || skip "e2fsprogs is not installed"

bash "$ROOT/scripts/mkrootfs.sh" "$WORK/root_fs" >"$WORK/mkrootfs.log" 2>&1 ||
	{ show "mkrootfs" "$WORK/mkrootfs.log"; fail "building root_fs"; }
sock=$WORK/uml/bk/mconsole
mkfifo "$WORK/in"

# The machine's console reads the fifo; fd 3 keeps it open for writing.
"$KERNEL" mem=128M umid=bk uml_dir="$WORK/uml" \
	ubd0="$WORK/cow,$WORK/root_fs" <"$WORK/in" >"$WORK/out" 2>&1 &
kpid=$!
exec 3>"$WORK/in"
trap 'kill -9 $kpid 2>/dev/null; rm -rf "$WORK"' EXIT

wait_for() { # wait_for REGEX: until the console shows it (30 s)
	for _ in $(seq 300); do
		grep -qE -- "$1" "$WORK/out" && return 0
		kill -0 "$kpid" 2>/dev/null || break
		sleep 0.1
	done
	show "console" "$WORK/out"
	fail "the console never showed /$1/"
}
mc() { # mc COMMAND...: run uml_mconsole, fail unless it says OK
	"$MCONSOLE" "$sock" "$@" >"$WORK/mc.out" 2>&1 ||
		{ show "uml_mconsole $*" "$WORK/mc.out"; fail "uml_mconsole $* failed"; }
}

wait_for 'root@uml:/# '
echo 'head -c 300000 /dev/urandom >/root/data; md5sum /root/data >/root/sum; echo WRITTEN' >&3
wait_for '^WRITTEN'
echo 'cat /root/sum' >&3
wait_for '[0-9a-f]{32}  /root/data'
sum=$(tr -d '\r' <"$WORK/out" | grep -oE '^[0-9a-f]{32}  /root/data' | tail -1 | cut -c1-32)
[[ ${#sum} -eq 32 ]] || fail "no checksum of the data on the console"

mc stop
mc sysrq s
grep -q 'Emergency Sync' "$WORK/mc.out" || { show "sysrq s" "$WORK/mc.out"; fail "sysrq s did not sync"; }
cp --sparse=always "$WORK/cow" "$WORK/backup.cow"
mc go
echo 'echo AFTER-GO; poweroff' >&3
wait_for '^AFTER-GO'
exec 3>&-
for _ in $(seq 100); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
wait "$kpid"
st=$?
[[ $st -eq 0 ]] || { show "console" "$WORK/out"; fail "the machine exited $st"; }

# The copy boots on its own and still holds the data written before it.
rm -f "$WORK/out"
printf '%s\n' 'md5sum /root/data' 'poweroff' >"$WORK/in2"
timeout -k 5 60 "$KERNEL" mem=128M uml_dir="$WORK/uml" \
	ubd0="$WORK/backup.cow,$WORK/root_fs" <"$WORK/in2" >"$WORK/out" 2>&1 ||
	{ show "console" "$WORK/out"; fail "the backup copy does not boot"; }
tr -d '\r' <"$WORK/out" | grep -q "^$sum  /root/data" ||
	{ show "console" "$WORK/out"; fail "the backup copy lost the data"; }

# Its merge is a clean file system.
uml_moo "$WORK/backup.cow" "$WORK/merged" >/dev/null 2>&1 || fail "uml_moo"
e2fsck -fn "$WORK/merged" >"$WORK/fsck.log" 2>&1 ||
	{ show "e2fsck" "$WORK/fsck.log"; fail "the backup is not clean for e2fsck"; }
pass "stop, sysrq s, copy the COW file, go; the copy boots with the data and is e2fsck-clean"
