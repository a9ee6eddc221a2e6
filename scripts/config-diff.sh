#!/usr/bin/env bash
# Compare a built kernel's configuration with Debian's own amd64
# config on the options declared under mm/ and kernel/: one line per option
# whose value differs ("OPTION ours debian").  docs/workbench.md ("Kernel
# configuration") says why each difference is deliberate.
#   scripts/config-diff.sh [FLAVOUR]      (default patched)
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:-patched}
config=$BUILD/$flavour/.config
[ -f "$config" ] || die "no $config: run scripts/build.sh $flavour"
[ -f "$DEBIAN_CONFIG" ] || die "$DEBIAN_CONFIG missing: run scripts/deps.sh"
debian=$WORK/debian.config
xzcat "$DEBIAN_CONFIG" >"$debian"

value() { # CONFIG_FILE SYMBOL
	sed -n "s/^CONFIG_$2=\(.*\)/\1/p" "$1" | grep . || echo n
}

find "$LINUX/mm" "$LINUX/kernel" -name 'Kconfig*' -print0 |
	xargs -0 sed -n 's/^\(menu\)\{0,1\}config \([A-Z0-9_]*\).*/\2/p' | sort -u |
	while read -r sym; do
		ours=$(value "$config" "$sym") theirs=$(value "$debian" "$sym")
		[ "$ours" = "$theirs" ] || echo "$sym $ours $theirs"
	done
