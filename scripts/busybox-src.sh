#!/usr/bin/env bash
# Fetch Debian's busybox source package and build its static flavour, for
# tests/integration/t-busybox-testsuite.sh (busybox's own test suite).
#
#   1. deb-src: if apt knows no source for busybox, add a deb-src twin of
#      every configured deb entry of this Debian release (derived at run time
#      from /etc/apt/sources.list and /etc/apt/sources.list.d/*.sources) in
#      /etc/apt/sources.list.d/busybox-src-twin.{list,sources}, then
#      apt-get update.
#   2. `apt-get source busybox` into build/busybox-src (skipped if there).
#   3. The build dependencies of the static flavour, if dpkg lacks them.
#   4. `make -j2` with Debian's static configuration (debian/config/pkg/
#      static, as debian/rules builds busybox-static) in
#      build/busybox-src/busybox-*/debian/build/static.
#
# Idempotent; on success prints the path of the built binary as its last
# line. Steps needing root print the exact commands instead and exit 77
# (skip) when not root. Exit 1 on a real failure.
# Usage: scripts/busybox-src.sh [--print]   (--print: only print the path
# of an already-built binary, exit 77 if there is none)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
srcdir=$root/build/busybox-src
twin=/etc/apt/sources.list.d/busybox-src-twin
# What the static flavour needs beyond build-essential (see debian/control
# Build-Depends; the other flavours' needs are left out).
build_pkgs=(dpkg-dev bzip2 xz-utils patch gcc make libc6-dev)

say() { echo "busybox-src.sh: $*" >&2; }

# The built binary, if any.
built_binary() {
	local b
	for b in "$srcdir"/busybox-*/debian/build/static/busybox; do
		[[ -x $b ]] && {
			echo "$b"
			return 0
		}
	done
	return 1
}

if [[ ${1:-} == --print ]]; then
	built_binary || exit 77
	exit 0
fi

is_root() { [[ $(id -u) -eq 0 ]]; }

# This release's codename: only entries for it get a deb-src twin (a
# third-party repository may have no sources).
codename() {
	local VERSION_CODENAME=
	# shellcheck disable=SC1091
	[[ -r /etc/os-release ]] && . /etc/os-release
	echo "${VERSION_CODENAME:-}"
}

# Print deb822 stanzas of FILE... whose Types has deb and whose Suites are
# all of release $1 (X or X-*), with Types rewritten to deb-src.
twin_deb822() {
	local rel=$1
	shift
	awk -v rel="$rel" '
		function flush() {
			if (n && isdeb && relok && enabled)
				{ for (i = 1; i <= n; i++) print lines[i]; print "" }
			n = 0; isdeb = 0; relok = 0; enabled = 1
		}
		BEGIN { enabled = 1 }
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		{
			line = $0
			if (tolower($1) == "types:") {
				for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1
				line = "Types: deb-src"
			} else if (tolower($1) == "suites:") {
				relok = NF > 1
				for (i = 2; i <= NF; i++)
					if ($i != rel && index($i, rel "-") != 1) relok = 0
			} else if (tolower($1) == "enabled:" && tolower($2) == "no") {
				enabled = 0
			}
			lines[++n] = line
		}
		END { flush() }' "$@"
}

# Print one-line-style deb-src twins of FILE...'s deb lines for release $1.
twin_oneline() {
	local rel=$1
	shift
	awk -v rel="$rel" '
		$1 == "deb" {
			s = 3; if ($2 ~ /^\[/) { while (s <= NF && $(s - 1) !~ /\]$/) s++; s++ }
			suite = $s
			if (suite == rel || index(suite, rel "-") == 1) {
				sub(/^deb/, "deb-src"); print
			}
		}' "$@"
}

have_deb_src() {
	[[ -n $(apt-cache showsrc busybox 2>/dev/null | head -n 1) ]]
}

enable_deb_src() {
	local rel tmp f ext sources=() lists=()
	have_deb_src && return 0
	rel=$(codename)
	[[ -n $rel ]] || {
		say "cannot tell this system's release from /etc/os-release"
		exit 77
	}
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f && $f != "$twin.sources" ]] && sources+=("$f")
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f && $f != "$twin.list" ]] && lists+=("$f")
	done
	for ext in sources list; do
		echo "# deb-src twins of the configured sources, added by busybox-src.sh" >"$tmp/twin.$ext"
	done
	[[ ${#sources[@]} -eq 0 ]] || twin_deb822 "$rel" "${sources[@]}" >>"$tmp/twin.sources"
	[[ ${#lists[@]} -eq 0 ]] || twin_oneline "$rel" "${lists[@]}" >>"$tmp/twin.list"
	for ext in sources list; do
		[[ $(wc -l <"$tmp/twin.$ext") -gt 1 ]] || rm "$tmp/twin.$ext"
	done
	[[ -f $tmp/twin.sources || -f $tmp/twin.list ]] || {
		say "no deb entry for '$rel' to twin in /etc/apt"
		exit 77
	}
	if ! is_root; then
		say "apt knows no source for busybox; as root, run:"
		for ext in sources list; do
			[[ -f $tmp/twin.$ext ]] || continue
			echo "cat >$twin.$ext <<'EOF'"
			cat "$tmp/twin.$ext"
			echo "EOF"
		done >&2
		echo "apt-get update" >&2
		say "then run $0 again"
		exit 77
	fi
	for ext in sources list; do
		[[ -f $tmp/twin.$ext ]] || continue
		cp "$tmp/twin.$ext" "$twin.$ext"
		chmod 644 "$twin.$ext"
		say "wrote $twin.$ext"
	done
	timeout 600 apt-get update -qq >&2
	have_deb_src || {
		say "apt still knows no source for busybox"
		exit 77
	}
}

fetch_source() {
	local tmp d
	for d in "$srcdir"/busybox-*/debian/rules; do
		[[ -f $d ]] && return 0
	done
	enable_deb_src
	mkdir -p "$root/build"
	tmp=$(mktemp -d "$root/build/busybox-src.XXXXXX")
	chmod 755 "$tmp"
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	(cd "$tmp" && timeout 600 apt-get source -qq busybox >&2) || {
		say "apt-get source busybox failed"
		exit 77
	}
	rm -rf "$srcdir"
	mv "$tmp" "$srcdir"
	trap - RETURN
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_build_deps() {
	local missing=() p
	for p in "${build_pkgs[@]}"; do
		installed "$p" || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	if ! is_root; then
		say "missing build dependencies: ${missing[*]}; as root, run:"
		echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 77
	fi
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

# Build the static flavour as debian/rules does ($b/static/.stamp-setup and
# .stamp-build): .config = debian/config/os/linux + debian/config/pkg/static
# settled by silentoldconfig, then `make all` out of tree with dpkg's
# hardened flags minus -O2 (busybox's own -Os stays).
build_static() {
	local src='' b cflags ldflags r extra
	built_binary >/dev/null && return 0
	for r in "$srcdir"/busybox-*/debian/rules; do
		[[ -f $r ]] && src=$(dirname "$(dirname "$r")")
	done
	[[ -n $src ]] || {
		say "no unpacked busybox source in $srcdir"
		exit 1
	}
	b=$src/debian/build/static
	[[ -f $src/debian/config/pkg/static ]] || {
		say "no debian/config/pkg/static in $src"
		exit 1
	}
	rm -rf "$b"
	mkdir -p "$b"
	cat "$src/debian/config/os/linux" "$src/debian/config/pkg/static" >"$b/.config"
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all KCONFIG_NOTIMESTAMP=1
	cflags=$(cd "$src" && dpkg-buildflags --get CFLAGS | sed 's/ -O2 / /')
	cflags="$cflags $(cd "$src" && dpkg-buildflags --get CPPFLAGS)"
	ldflags="$(cd "$src" && dpkg-buildflags --get CFLAGS | sed 's/ -O2 / /') $(cd "$src" && dpkg-buildflags --get LDFLAGS)"
	extra="$(dpkg-vendor --query Vendor) $(cd "$src" && dpkg-parsechangelog -S Version)"
	say "building static busybox in $b"
	{
		{ yes "" || true; } | timeout 600 make -C "$b" -f "$src/Makefile" KBUILD_SRC="$src" \
			silentoldconfig &&
			timeout 1200 make -C "$b" -j2 all SKIP_STRIP=y BB_EXTRA_VERSION="$extra" \
				CONFIG_EXTRA_CFLAGS="$cflags" CONFIG_EXTRA_LDFLAGS="$ldflags" &&
			timeout 600 make -C "$b" busybox.links
	} >"$b/build.log" 2>&1 || {
		tail -n 30 "$b/build.log" >&2
		say "build failed (log: $b/build.log)"
		exit 1
	}
	[[ -x $b/busybox ]] || {
		say "no $b/busybox after the build"
		exit 1
	}
	diff -u "$src/debian/config/pkg/static" "$b/.config" >&2 ||
		say "note: the settled .config differs from debian/config/pkg/static"
}

# One run at a time: concurrent test runs share build/busybox-src.
mkdir -p "$root/build"
exec 9>"$root/build/.busybox-src.lock"
flock -w 1200 9 || {
	say "timed out waiting for $root/build/.busybox-src.lock"
	exit 1
}
fetch_source
install_build_deps
build_static
built_binary
