#!/usr/bin/env bash
# Install the Debian packages the workbench needs (idempotent, quiet when done).
set -euo pipefail

pkgs=(
	linux-source-6.12 linux-config-6.12 dpkg-dev debhelper
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	ccache sparse git rsync
	gcc-aarch64-linux-gnu
	qemu-system-x86 busybox-static
	libnuma-dev numactl stress-ng
	gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
