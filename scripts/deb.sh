#!/usr/bin/env bash
# Build installable Debian packages of the patched kernel (make bindeb-pkg):
# linux-image-<release> with the kernel, its modules and its config, and
# linux-headers-<release> (for out-of-tree modules such as guest/kmod).
#   deb.sh [running|debian|lean|CONFIG_FILE]     (make deb DEB_CONFIG=...)
# The base configuration, by default the first of these that exists:
#   running  /boot/config-$(uname -r): what this machine boots today
#   debian   Debian's own amd64 config (package linux-config-$KVER)
#   lean     the VM's lean config (what CI builds: minutes, but it boots
#            only the VM, not a server)
# configs/offload.config goes on top (the series' options, modules where
# they can be), plus what a build from a plain source tree needs: no
# Debian certificate files, no debug info (it triples build time and disk),
# KUnit as a module when the base has none (for the series' KUnit suite),
# and "-migoff" appended to the release so the kernel is told apart.  Every
# option of offload.config must survive olddefconfig: if one cannot be set
# on this base, the build is refused with the option and what it depends on.
# Output: $WORK/deb/*.deb (printed at the end); build in $WORK/deb/build.
# DEB_CHECK_ONLY=1 stops after the configuration and its check.
set -euo pipefail
. "$(dirname "$0")/common.sh"

base=${1:-${DEB_CONFIG:-}}
if [ -z "$base" ]; then
	base=debian
	[ -f "/boot/config-$(uname -r)" ] && base=running
fi
debdir=$WORK/deb
out=$debdir/build
frag=$debdir/deb.config

# The base config, as a file.
base_config() {
	case $base in
	running) cat "/boot/config-$(uname -r)" ;;
	debian)
		[ -f "$DEBIAN_CONFIG" ] || die "$DEBIAN_CONFIG missing: run scripts/deps.sh"
		xzcat "$DEBIAN_CONFIG"
		;;
	lean) ;; # configure_kernel starts from tinyconfig
	*)
		[ -f "$base" ] || die "DEB_CONFIG: '$base' is neither running, debian, lean nor a file"
		cat "$base"
		;;
	esac
}

# What a build from this source tree needs on top of a distribution config.
distro_fragment() {
	cat <<-EOF
		CONFIG_LOCALVERSION="-migoff"
		CONFIG_SYSTEM_TRUSTED_KEYS=""
		CONFIG_SYSTEM_REVOCATION_KEYS=""
		CONFIG_DEBUG_INFO_NONE=y
		# CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT is not set
		# CONFIG_DEBUG_INFO_DWARF4 is not set
		# CONFIG_DEBUG_INFO_DWARF5 is not set
	EOF
	grep -q '^CONFIG_KUNIT=' "$out/.config" || echo CONFIG_KUNIT=m
}

configure() {
	rm -rf "$out" "$debdir/config-stamp"
	mkdir -p "$out"
	if [ "$base" = lean ]; then
		echo 'CONFIG_LOCALVERSION="-migoff"' >"$frag"
		configure_kernel "$LINUX" "$out" "$REPO/configs/lean.config" "$REPO/configs/offload.config" "$frag"
	else
		base_config >"$out/.config"
		distro_fragment >"$frag"
		KEEP_BASE=1 configure_kernel "$LINUX" "$out" "$frag" "$REPO/configs/offload.config"
	fi
	config_honours "$out" --src "$LINUX" "$REPO/configs/offload.config" ||
		die "this base config ($base) cannot carry the series' options above; enable what they depend on in it (and the menu they sit in, such as DMADEVICES for drivers/dma), or pick another base (DEB_CONFIG=running|debian|lean|FILE)"
}

"$REPO/scripts/tree.sh"
# Reconfigure only when the base or a fragment changed: the build stays
# incremental between runs.
stamp=$({ echo "$base"; base_config; cat "$REPO/configs/lean.config" "$REPO/configs/offload.config"; } | sha1sum)
if [ "$(cat "$debdir/config-stamp" 2>/dev/null)" != "$stamp" ]; then
	msg "deb: configuring from the $base config + offload.config"
	configure
	echo "$stamp" >"$debdir/config-stamp"
fi
if [ -n "${DEB_CHECK_ONLY:-}" ]; then
	msg "deb: $out/.config carries the series' options; not built (DEB_CHECK_ONLY)"
	exit 0
fi
msg "deb: building the packages in $out"
start=$(date +%s)
rm -f "$debdir"/*.deb "$debdir"/*.buildinfo "$debdir"/*.changes
# dpkg-buildpackage writes the packages to the build directory's parent.
# LOCALVERSION= (set, empty) keeps setlocalversion from appending "+" for a
# git tree not at a tag: the release is <version>-migoff.  DPKG_FLAGS=-d:
# build dependencies are not checked by dpkg; the ones the build needs
# are installed by scripts/deps.sh, and one missing fails with its name.
kernel_make "$LINUX" "$out" bindeb-pkg LOCALVERSION= DPKG_FLAGS=-d \
	KDEB_PKGVERSION="$(make -s -C "$LINUX" kernelversion)-1" >"$debdir/build.log" 2>&1 ||
	die "bindeb-pkg failed; log: $debdir/build.log"
msg "deb: built in $(($(date +%s) - start))s, $(du -sh "$out" | cut -f1) of build directory:"
ls -1 "$debdir"/*.deb
