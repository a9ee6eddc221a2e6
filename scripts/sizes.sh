#!/usr/bin/env bash
# The size figures asked for in review: `size` of mm/migrate.o (and the new
# object) with CONFIG_MIGRATION_COPY_OFFLOAD off and on, and of vmlinux,
# against the unpatched kernel, all with the lean config.  Builds what is
# missing: vanilla, patched (=y), and the series with the option off in a
# worktree of its own (a full vmlinux, so a few minutes the first time;
# not check-series' worktree, which checks out every patch in turn).
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=$WORK/sizes
off=$BUILD/sizes-offload-off
scripts/build.sh vanilla >&2
scripts/build.sh patched >&2

ensure_worktree "$tree" HEAD
git -C "$tree" checkout -q --detach "$(git -C "$LINUX" rev-parse HEAD)"
mkdir -p "$off"
configure_kernel "$tree" "$off" "$REPO/configs/lean.config"
grep -q '^# CONFIG_MIGRATION_COPY_OFFLOAD is not set' "$off/.config" || die "option not off"
msg "offload=n: building vmlinux in $off"
kernel_make "$tree" "$off" vmlinux

row() { # row LABEL FILE
	if [ -f "$2" ]; then
		size "$2" | awk -v l="$1" 'NR == 2 { printf "| %s | %d | %d | %d | %d |\n", l, $1, $2, $3, $4 }'
	else
		echo "| $1 | - | - | - | - |"
	fi
}

echo "| object | text | data | bss | total |"
echo "|---|---|---|---|---|"
row "mm/migrate.o, unpatched" "$BUILD/vanilla/mm/migrate.o"
row "mm/migrate.o, series, offload=n" "$off/mm/migrate.o"
row "mm/migrate.o, series, offload=y" "$BUILD/patched/mm/migrate.o"
row "mm/migrate_offload.o (new, =y)" "$BUILD/patched/mm/migrate_offload.o"
row "vmlinux, unpatched" "$BUILD/vanilla/vmlinux"
row "vmlinux, series, offload=n" "$off/vmlinux"
row "vmlinux, series, offload=y" "$BUILD/patched/vmlinux"
