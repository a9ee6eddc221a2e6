#!/usr/bin/env bash
# Install the Debian packages the workbench needs (idempotent, quiet when done).
#
# The kernel source and Debian's config for it come from trixie-backports
# (linux-source-7.3 is arch-independent and needs only binutils and
# xz-utils, so it installs on bookworm as is).  That suite is added pinned
# at priority 1: apt takes from it only a package no other suite has, so
# nothing else on the machine changes.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(
	"linux-source-$KVER" "linux-config-$KVER" dpkg-dev debhelper
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	ccache sparse git rsync
	gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu
	qemu-system-x86 busybox-static
	libnuma-dev numactl stress-ng
	gnuplot-nox
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# Add trixie-backports, pinned low, unless apt already knows the source package.
add_backports() {
	local list=/etc/apt/sources.list.d/migoff-trixie-backports.sources
	local pin=/etc/apt/preferences.d/migoff-trixie-backports
	[ -f "$list" ] && [ -f "$pin" ] && return 0
	grep -rqs 'trixie-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ &&
		grep -rqs 'n=trixie-backports' /etc/apt/preferences.d/ && return 0
	echo "adding trixie-backports (pinned at priority 1) for linux-source-$KVER" >&2
	$SUDO tee "$list" >/dev/null <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: trixie-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	$SUDO tee "$pin" >/dev/null <<-EOF
		Package: *
		Pin: release n=trixie-backports
		Pin-Priority: 1
	EOF
	updated=
}

updated=1
add_backports

# The kernel's sparse test (scripts/checker-valid.sh): 7.3 needs a sparse
# that knows __typeof_unqual__; bookworm's 0.6.4 does not, and kbuild then
# drops C=2 with a warning.  Debian's newer sparse needs a newer libc, so
# its source package (from the deb-src of unstable, which changes nothing
# installed) is built here instead: a minute, once, into $SPARSE_DIR.
sparse_is_recent() { # SPARSE
	local t
	t=$(mktemp --suffix=.c)
	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$t"
	"$1" -m64 -mlittle-endian "$t" 2>&1 | awk -v c=1 '/error/ { c = 0 } END { exit !c }'
	local rc=$?
	rm -f "$t"
	return $rc
}

build_sparse() {
	local list=/etc/apt/sources.list.d/migoff-sid-src.sources tmp
	sparse_is_recent "$SPARSE_DIR/sparse" 2>/dev/null && return 0
	sparse_is_recent sparse 2>/dev/null && return 0
	echo "building a sparse recent enough for Linux $KVER (Debian's source package)" >&2
	$SUDO tee "$list" >/dev/null <<-EOF
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: sid
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	$SUDO apt-get update -qq
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get source -qq --download-only sparse >/dev/null 2>&1) ||
		{ echo "cannot fetch sparse's source package" >&2; rm -rf "$tmp"; return 1; }
	tar -xzf "$tmp"/sparse_*.orig.tar.gz -C "$tmp"
	make -s -C "$tmp"/sparse-*/ -j"$(nproc)" sparse HAVE_LLVM=no HAVE_GTK=no \
		HAVE_SQLITE=no HAVE_LIBXML=no >/dev/null 2>&1
	mkdir -p "$SPARSE_DIR"
	cp "$tmp"/sparse-*/sparse "$SPARSE_DIR/sparse"
	rm -rf "$tmp"
	sparse_is_recent "$SPARSE_DIR/sparse" ||
		{ echo "the sparse built from Debian's source is not recent enough either" >&2; return 1; }
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ] || [ -z "$updated" ]; then
	echo "installing: ${missing[*]}" >&2
	$SUDO apt-get update -qq
	[ ${#missing[@]} -eq 0 ] ||
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Without it, check-series says that sparse did not run (a skip), so a
# failure here is no reason to stop the rest.
build_sparse || true
