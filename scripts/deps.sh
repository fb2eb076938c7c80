#!/usr/bin/env bash
# Install the Debian packages a mode needs, if any are missing.
# Usage: scripts/deps.sh build|test|bench
#   build  compile ./linux, the unit tests and the default initramfs
#   test   build + what the integration tests drive: tmux, uml-utilities,
#          fdisk (sfdisk), and Debian's user-mode-linux, the peer kernel
#   bench  the same as test (bench/run.sh compares with user-mode-linux)
# As root, missing packages are installed with apt-get; otherwise the exact
# command to run is printed and the script fails.
# The Makefile may run this with sh: make sure bash runs it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

build_pkgs=(gcc make libc6-dev linux-libc-dev busybox-static cpio gzip
	e2fsprogs pkg-config check python3 libreadline-dev)
test_pkgs=("${build_pkgs[@]}" tmux uml-utilities user-mode-linux fdisk gdb
	util-linux dpkg-dev bzip2 xz-utils patch) # last 4: scripts/busybox-src.sh
bench_pkgs=("${test_pkgs[@]}")

mode=${1:-build}
case $mode in
build) want=("${build_pkgs[@]}") ;;
test) want=("${test_pkgs[@]}") ;;
bench) want=("${bench_pkgs[@]}") ;;
*)
	echo "usage: $0 build|test|bench" >&2
	exit 2
	;;
esac

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${want[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps.sh: missing packages for '$mode': ${missing[*]}" >&2
	echo "deps.sh: run: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
timeout 600 apt-get update -qq
timeout 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
