#!/usr/bin/env bash
# Assemble the guest's initramfs for one kernel flavour: busybox, the test
# plan, the static test binaries, numactl and stress-ng with their libraries,
# and the flavour's modules.  Output: $GUEST/initramfs-<flavour>.cpio.gz
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:?usage: initramfs.sh FLAVOUR}
mods=$BUILD/$flavour/mods
root=$GUEST/root-$flavour
[ -d "$mods" ] || die "no modules for $flavour: run scripts/build.sh $flavour"

mkdir -p "$GUEST/bin"
make -s -C "$REPO/guest/src" OUT="$GUEST/bin" KSRC="$VANILLA"

# A Debian binary and the shared libraries it loads.
copy_with_libs() {
	local bin lib
	bin=$(command -v "$1") || die "$1 not installed"
	install -D "$bin" "$root/usr/bin/$1"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		install -D "$lib" "$root$lib"
	done
}

rm -rf "$root"
mkdir -p "$root"/{bin,usr/bin,proc,sys,dev,tmp,plan/bin,lib}
install /bin/busybox "$root/bin/busybox"
install "$REPO/guest/init" "$root/init"
install "$REPO"/guest/plan/*.sh "$root/plan/"
install "$REPO/guest/plan/mm-migration" "$root/plan/bin/"
install "$VANILLA/tools/testing/selftests/kselftest/ktap_helpers.sh" "$root/plan/"
install "$GUEST"/bin/* "$root/plan/bin/"
# Native mode's script runs in the VM too (CI checks it there).
install -D -t "$root/repo/scripts" "$REPO/scripts/native.sh" "$REPO/scripts/common.sh"
copy_with_libs bash
copy_with_libs numactl
copy_with_libs migratepages
copy_with_libs stress-ng
cp -a "$mods/lib/modules" "$root/lib/"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$GUEST/initramfs-$flavour.cpio.gz"
msg "$flavour: initramfs $(du -h "$GUEST/initramfs-$flavour.cpio.gz" | cut -f1)"
