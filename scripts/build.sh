#!/usr/bin/env bash
# Build one kernel flavour: vanilla | patched | debug.
#   vanilla: unpatched base, lean config
#   patched: base + patches/, lean + offload config (the series' options)
#   debug:   as patched, plus the debug config (lockdep, KASAN, DEBUG_VM, ...)
# Output in $BUILD/<flavour>: arch/x86/boot/bzImage and mods/ (modules_install,
# with the workbench modules of guest/kmod under updates/).
# Incremental: the config is regenerated only when a fragment changes, and
# ccache serves objects already built by any flavour.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:?usage: build.sh vanilla|patched|debug}
src=$(flavour_src "$flavour")
out=$BUILD/$flavour
frags=("$REPO/configs/lean.config")
[ "$flavour" = vanilla ] || frags+=("$REPO/configs/offload.config")
[ "$flavour" = debug ] && frags+=("$REPO/configs/debug.config")
kmake() { kernel_make "$src" "$out" "$@"; }

configure() {
	msg "$flavour: configuring (tinyconfig + ${frags[*]##*/})"
	configure_kernel "$src" "$out" "${frags[@]}"
	config_honours "$out" "${frags[@]}" || die "$flavour: config fragment not honoured"
}

# Configure anew when a fragment changed, or when the .config no longer
# honours them (a build of a tree without some of the series' Kconfig
# entries, e.g. mid-rebase, makes kconfig drop their options).
stamp=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$stamp" ] ||
	! config_honours "$out" "${frags[@]}" >/dev/null 2>&1; then
	configure
	echo "$stamp" >"$out/.config-stamp"
fi

msg "$flavour: building in $out"
start=$(date +%s)
kmake bzImage modules
rm -rf "$out/mods"
kmake modules_install INSTALL_MOD_PATH="$out/mods" INSTALL_MOD_STRIP=1 >/dev/null
# The workbench's own modules (guest/kmod, e.g. the copy-limit probe), built
# out of tree from a copy so the clone stays clean.
rm -rf "$out/kmod"
cp -r "$REPO/guest/kmod" "$out/kmod"
kmake M="$out/kmod" modules
kmake M="$out/kmod" modules_install INSTALL_MOD_PATH="$out/mods" INSTALL_MOD_STRIP=1 >/dev/null
msg "$flavour: built $(kmake -s kernelrelease) in $(($(date +%s) - start))s"
