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

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ -n "$updated" ] && exit 0

echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
[ ${#missing[@]} -eq 0 ] ||
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
