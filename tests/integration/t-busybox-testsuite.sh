#!/usr/bin/env bash
# Busybox's own test suite (Debian's busybox source package, built with
# Debian's static configuration by scripts/busybox-src.sh) natively and in
# the guest; at least $MIN_PERCENT% of the tests that pass natively must
# pass in the guest.
#
# Both runs use the same file tree: the base image plus /bb (the built
# busybox, its .config, applet links in /bb/bin, the testsuite directory)
# and /run-tests.sh, which runs testsuite/runtest once per applet that has
# tests, as Debian's `make check` does (SKIP_KNOWN_BUGS, SKIP_INTERNET_TESTS,
# C.UTF-8, no mdev.tests), each bounded by $APPLET_TIMEOUT seconds, and
# prints "=== applet NAME" ... "=== end NAME STATUS SECS" around runtest's
# PASS:/FAIL:/SKIPPED:/UNTESTED: lines (VERBOSE, so failures show their
# diff). Natively the tree is extracted to a directory and run by chroot in
# fresh mount and pid namespaces (a user namespace too when not root), so
# /bin/sh and every tool a test calls are the same busybox on both sides and
# only the kernel differs. The guest run is one boot:
#   ./linux mem=512M initrd=IMG quiet init=/bin/sh /run-tests.sh guest
# A test is identified by its applet, its name and its occurrence (names
# repeat). runtest is patched to make its applet links once, not per call.
#
# Environment: BB_APPLETS="a b ..." runs only those applets' tests;
# KEEP_LOGS=DIR copies the native and guest logs there; GUEST_QUIET= boots
# without quiet, so the kernel's "unimplemented syscall" lines are listed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MIN_PERCENT=${MIN_PERCENT:-90}
APPLET_TIMEOUT=${APPLET_TIMEOUT:-240}
NATIVE_TIMEOUT=${NATIVE_TIMEOUT:-120}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-400}
SHOW_DETAILS=${SHOW_DETAILS:-20}
SHOW_NAMES=${SHOW_NAMES:-100}
GUEST_QUIET=${GUEST_QUIET-quiet}

need_kernel
if ! command -v unshare >/dev/null || ! command -v chroot >/dev/null; then
	skip "needs unshare and chroot for the native run"
fi

# ---- the built busybox and its source tree ----
bash "$ROOT/scripts/busybox-src.sh" >"$WORK/src.out" 2>"$WORK/src.log"
case $? in
0) ;;
77)
	cat "$WORK/src.log"
	skip "busybox source package not available (see scripts/busybox-src.sh)"
	;;
*)
	cat "$WORK/src.log"
	fail "scripts/busybox-src.sh failed"
	;;
esac
bb=$(tail -n 1 "$WORK/src.out")
bbdir=$(dirname "$bb")
src=$(cd "$bbdir/../../.." && pwd)
[[ -x $bb && -f $bbdir/.config && -x $src/testsuite/runtest ]] ||
	fail "no built busybox, .config or testsuite/runtest near $bb"

# ---- the extra tree: /bb and /run-tests.sh ----
stage=$WORK/stage
mkdir -p "$stage/bb/bin"
cp "$bb" "$stage/bb/busybox"
cp "$bbdir/.config" "$stage/bb/.config"
cp -a "$src/testsuite" "$stage/bb/testsuite"
rm -f "$stage/bb/testsuite/mdev.tests" # as debian/rules does
runtest=$stage/bb/testsuite/runtest
sed -i -e '/^rm -rf "\$LINKSDIR" 2>\/dev\/null$/d' \
	-e 's/^for i in \$implemented; do$/[ -e "$LINKSDIR\/busybox" ] || for i in $implemented; do/' \
	"$runtest"
if ! grep -q '^\[ -e "\$LINKSDIR/busybox" \] || for i in' "$runtest" ||
	grep -q '^rm -rf "\$LINKSDIR"' "$runtest"; then
	fail "testsuite/runtest changed: cannot patch it to make its links once"
fi
applets=()
# runtest's own list is "busybox" plus the applets, which may repeat it.
for a in busybox $("$bb" --list | grep -vx busybox); do
	[[ -d $src/testsuite/$a || -f $stage/bb/testsuite/$a.tests ]] && applets+=("$a")
	ln -s /bb/busybox "$stage/bb/bin/$a"
done
if [[ -n ${BB_APPLETS:-} ]]; then
	read -r -a applets <<<"$BB_APPLETS"
fi

cat >"$stage/run-tests.sh" <<RUNNER
#!/bin/sh
# Run busybox's testsuite/runtest per applet; \$1 is "guest" or "native".
mount -t proc proc /proc 2>/dev/null
mount -t tmpfs tmpfs /tmp 2>/dev/null
export PATH=/bb/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
export SKIP_KNOWN_BUGS=y SKIP_INTERNET_TESTS=y LANG=C.UTF-8 LC_ALL=C.UTF-8
export SHELL=/bin/sh ECHO=/bin/echo VERBOSE=1
cd /bb/testsuite || exit 1
echo "=== begin testsuite"
for a in ${applets[*]}; do
	echo "=== applet \$a"
	t0=\$(date +%s)
	timeout $APPLET_TIMEOUT ./runtest "\$a" </dev/null 2>&1
	echo "=== end \$a \$? \$((\$(date +%s) - t0))s"
done
echo "=== end testsuite"
cd /
if [ "\$1" = guest ]; then poweroff -f; fi
RUNNER
chmod 755 "$stage/run-tests.sh"

# ---- native run: the same tree, chroot'ed in private namespaces ----
nat=$WORK/native-root
mkdir -p "$nat"
(cd "$nat" && gzip -dc "$BASE_IMAGE" | cpio -idm --quiet --no-absolute-filenames) ||
	fail "cannot extract $BASE_IMAGE"
cp -a "$stage/." "$nat/"
userns=()
[[ $(id -u) -eq 0 ]] || userns=(--user --map-root-user)
start=$SECONDS
timeout -k 5 "$NATIVE_TIMEOUT" unshare "${userns[@]}" --mount --pid --kill-child \
	--propagation private sh -c 'mount --rbind /dev "$1/dev" &&
		exec chroot "$1" /bin/sh /run-tests.sh native' sh "$nat" \
	</dev/null >"$WORK/native.out" 2>&1
native_status=$?
native_secs=$((SECONDS - start))
if ! grep -qxF "=== begin testsuite" "$WORK/native.out"; then
	show "native output" "$WORK/native.out"
	skip "cannot run the suite natively in private namespaces (unshare/chroot)"
fi
grep -qxF "=== end testsuite" "$WORK/native.out" || {
	show "native output" "$WORK/native.out"
	fail "the native run did not finish (status $native_status)"
}

# ---- guest run ----
make_cpio "$stage" "$WORK/extra.cpio.gz"
cat "$BASE_IMAGE" "$WORK/extra.cpio.gz" >"$WORK/image.cpio.gz"
rm -f "$WORK/extra.cpio.gz"
start=$SECONDS
BOOT_TIMEOUT=$GUEST_TIMEOUT run_kernel "$BOOT_OUT" "$BOOT_ERR" mem=512M \
	initrd="$WORK/image.cpio.gz" $GUEST_QUIET init=/bin/sh /run-tests.sh guest
guest_secs=$((SECONDS - start))
rm -rf "$WORK/image.cpio.gz" "$nat"
cp "$BOOT_OUT" "$WORK/guest.out"

if [[ -n ${KEEP_LOGS:-} ]]; then
	mkdir -p "$KEEP_LOGS"
	cp "$WORK/native.out" "$WORK/guest.out" "$BOOT_ERR" "$KEEP_LOGS/"
fi

# results FILE: "applet<TAB>name#n<TAB>PASS|FAIL" per test, and
# "applet<TAB>-<TAB>TIMEOUT|UNFINISHED" for an applet cut short.
results() {
	awk '
		/^=== applet / { applet = $3; delete seen; open = 1; next }
		/^=== end / && open {
			if ($4 == 124 || $4 == 137) print applet "\t-\tTIMEOUT"
			open = 0; next
		}
		open && /^(PASS|FAIL): / {
			st = substr($0, 1, 4); name = substr($0, 7)
			n = ++seen[name]
			print applet "\t" name "#" n "\t" st
		}
		END { if (open) print applet "\t-\tUNFINISHED" }' "$1"
}
results "$WORK/native.out" >"$WORK/native.res"
results "$WORK/guest.out" >"$WORK/guest.res"

# Among tests passing natively, those passing in the guest.
awk -F'\t' '
	FNR == NR { if ($3 == "PASS") want[$1 "\t" $2] = 1; next }
	$3 == "PASS" { got[$1 "\t" $2] = 1 }
	END { for (k in want) if (!(k in got)) print k }' \
	"$WORK/native.res" "$WORK/guest.res" | LC_ALL=C sort >"$WORK/lost"
native_pass=$(awk -F'\t' '$3 == "PASS" { print $1 "\t" $2 }' "$WORK/native.res" | sort -u | wc -l)
native_fail=$(awk -F'\t' '$3 == "FAIL" { print $1 "\t" $2 }' "$WORK/native.res" | sort -u | wc -l)
lost=$(wc -l <"$WORK/lost")
kept=$((native_pass - lost))
[[ $native_pass -gt 0 ]] || fail "no test passed natively"
pct10=$((kept * 1000 / native_pass))
pct="$((pct10 / 10)).$((pct10 % 10))"

# detail APPLET NAME#N: the guest's lines about that failure (VERBOSE).
detail() {
	awk -v applet="$1" -v key="$2" '
		/^=== applet / { cur = $3; delete seen; on = 0; next }
		/^(PASS|FAIL|SKIPPED|UNTESTED): |^=== / {
			if (on) exit
			if (cur == applet && /^(PASS|FAIL): /) {
				name = substr($0, 7)
				on = (name "#" (++seen[name]) == key)
			}
			if (on) print
			next
		}
		on && ++n <= 12 { print }' "$WORK/guest.out"
}

awk -F'\t' '$3 ~ /TIMEOUT|UNFINISHED/ { print "--- guest: " $1 ": " $3 }' \
	"$WORK/guest.res"
# Applets whose guest run reported no test at all: the first few's output.
awk -v max=5 '
	function flush() {
		if (applet != "" && !results && shown++ < max) {
			print "--- guest: " applet " reported no test (" status "):"
			for (i = 1; i <= n && i <= 6; i++) print "    | " lines[i]
		}
		if (applet != "" && !results) silent++
		applet = ""
	}
	/^=== applet / { flush(); applet = $3; n = 0; results = 0; status = "unfinished"; next }
	/^=== end / && applet != "" { status = "status " $4; flush(); next }
	applet != "" && /^(PASS|FAIL): / { results = 1 }
	applet != "" { lines[++n] = $0 }
	END {
		flush()
		if (silent > max) print "--- guest: " silent - max " more applets reported no test"
	}' "$WORK/guest.out"
if [[ $lost -gt 0 ]]; then
	echo "--- passing natively, not in the guest ($lost; the guest's output for the first $SHOW_DETAILS):"
	n=0
	while IFS=$'\t' read -r applet key; do
		n=$((n + 1))
		if [[ $n -gt $SHOW_NAMES ]]; then
			echo "  ... and $((lost - SHOW_NAMES)) more"
			break
		fi
		echo "  $applet: ${key%#*}"
		[[ $n -gt $SHOW_DETAILS ]] || detail "$applet" "$key" | sed 's/^/    | /'
	done <"$WORK/lost"
fi
if grep -qh 'unimplemented syscall' "$WORK/guest.out" "$BOOT_ERR"; then
	echo "--- unimplemented syscalls the guest used:"
	grep -ho 'unimplemented syscall.*' "$WORK/guest.out" "$BOOT_ERR" |
		sort | uniq -c | sort -rn | sed 's/^/  /'
fi
if [[ $BOOT_STATUS -ne 0 ]]; then
	echo "--- boot exit status $BOOT_STATUS"
	show "kernel stderr" "$BOOT_ERR"
fi
grep -qxF "=== end testsuite" "$WORK/guest.out" ||
	echo "--- the guest run did not finish (${guest_secs}s)"

summary="$kept of $native_pass tests passing natively pass in the guest ($pct%); ${#applets[@]} applets, $native_fail fail natively; native ${native_secs}s, guest ${guest_secs}s"
[[ $((kept * 100)) -ge $((native_pass * MIN_PERCENT)) ]] ||
	fail "$summary; below $MIN_PERCENT%"
pass "$summary"
