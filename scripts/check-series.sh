#!/usr/bin/env bash
# Build-check the series patch by patch, the way a maintainer would:
#   - every patch builds: all of mm/ and the objects it touches, with the
#     series' options on;
#   - no new W=1 or sparse warnings in the touched files compared with the
#     unpatched base (line numbers ignored);
#   - the top of the series builds for arm64 (4K pages with MTE, 64K pages)
#     and ppc64le (book3s64, THP), with no W=1 warning in its files;
#   - with CONFIG_MIGRATION_COPY_OFFLOAD=n the top of the series gives
#     mm/migrate.o the same text size as the unpatched base.
# Uses its own worktree ($WORK/series) and build directory, so the other
# flavours' incremental builds are not disturbed.  Prints one line per
# check as "ok - ..." / "not ok - ..." and exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tree=$WORK/series
out=$BUILD/series
logs=$out/logs
commits=$(git -C "$LINUX" rev-list --reverse base..HEAD)
[ -n "$commits" ] || { echo "ok - series: nothing to check # SKIP"; exit 0; }

ensure_worktree "$tree" base
mkdir -p "$out" "$logs"
kmake() { kernel_make "$tree" "$out" "$@"; }

configure() { # configure y|n: the series' options as in offload.config, or all off
	local frag=$out/offload.frag
	if [ "$1" = y ]; then
		cp "$REPO/configs/offload.config" "$frag"
	else
		sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/# \1 is not set/p' "$REPO/configs/offload.config" >"$frag"
	fi
	configure_kernel "$tree" "$out" "$REPO/configs/lean.config" "$frag"
}

# Warnings of a build, without line and column numbers and source paths
# (none is no failure).
warnings() {
	{ grep -E 'warning:|error:' "$1" || true; } |
		sed -E "s/:[0-9]+(:[0-9]+)?:/:/; s|$tree/||; s|^(\.\./)+series/||" | sort -u
}

build_objs() { # build_objs LOG TARGET...
	local log=$1
	shift
	kmake "$@" >"$log" 2>&1
}

text_size() { size "$out/mm/migrate.o" | awk 'NR == 2 { print $1 }'; }

# sparse runs only where the kernel's own test finds it recent enough
# (scripts/checker-valid.sh: 7.3 needs __typeof_unqual__, which sparse
# 0.6.4, bookworm's, lacks; kbuild then drops C=2 with a warning).  Then
# the per-patch checks say "W=1" only, and a skipped check says why.
checked_by="W=1 or sparse"
sparse=sparse
[ ! -x "$SPARSE_DIR/sparse" ] || sparse=$SPARSE_DIR/sparse
sparse_runs() {
	[ "$("$tree/scripts/checker-valid.sh" "$sparse" -m64 -mlittle-endian 2>/dev/null)" = 1 ]
}

fail=0
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fail=1; fi
}

# Objects a commit touches (its .c files), but those of other
# architectures than x86, which cross_builds below builds.
touched() {
	git -C "$tree" diff --name-only "$1~1" "$1" -- '*.c' |
		awk '!/^arch\// || /^arch\/x86\//' | sed 's/\.c$/.o/'
}

# The unpatched base: reference warnings of every object the series touches
# that exists there, and the text size of mm/migrate.o.
git -C "$tree" checkout -q --detach base
configure y
if sparse_runs; then
	echo "ok - series: sparse runs on the touched files ($sparse)"
else
	checked_by=W=1
	echo "ok - series: sparse runs on the touched files # SKIP $sparse ($("$sparse" --version 2>/dev/null || echo missing)) is older than the base needs (no __typeof_unqual__)"
fi
base_objs=$(for c in $commits; do touched "$c"; done | sort -u |
	while read -r o; do [ -f "$tree/${o%.o}.c" ] && echo "$o"; done | tr '\n' ' ')
# (If it failed, fewer reference warnings make the patches' look new: that
# cannot hide one.)
kmake W=1 C=2 $base_objs >"$logs/base.log" 2>&1 || true
warnings "$logs/base.log" >"$logs/base.warnings"
base_text=$(text_size)

n=0
for c in $commits; do
	n=$((n + 1))
	git -C "$tree" checkout -q --detach "$c"
	subject=$(git -C "$tree" log -1 --format=%s)
	objs=$(touched "$c" | tr '\n' ' ')
	configure y
	log=$logs/patch-$n.log
	check "series: patch $n builds ($subject)" build_objs "$logs/build-$n.log" mm/ $objs
	: >"$log"
	w1=0
	[ -z "$objs" ] || kmake W=1 C=2 $objs >"$log" 2>&1 || w1=$?
	warnings "$log" | comm -13 "$logs/base.warnings" - >"$logs/patch-$n.new" || true
	# A W=1 (or sparse) run that failed has not shown there are none.
	[ "$w1" = 0 ] || echo "the W=1 build of $objs failed ($w1): $log" >>"$logs/patch-$n.new"
	if [ -s "$logs/patch-$n.new" ]; then
		sed 's/^/# /' "$logs/patch-$n.new"
	fi
	check "series: patch $n adds no $checked_by warnings" [ ! -s "$logs/patch-$n.new" ]
done

# Other architectures: the top of the series builds, with the series'
# options on, with no W=1 warning in its files:
#   arm64 4K pages (defconfig, which has MTE: arch_folio_has_metadata() is
#     arm64's there), arm64 64K pages (HPAGE_PMD_NR is 8192: a batch may
#     have more folios than the batch-copy phase takes), and ppc64le
#     (book3s64 with THP, where HPAGE_PMD_NR is not a compile-time constant).
cross_builds() { # cross_builds NAME ARCH CROSS DEFCONFIG [CONFIG=VALUE...]
	local name=$1 arch=$2 cross=$3 defconfig=$4 dir=$out/$1 frag=$out/$1.frag
	shift 4
	local make=(ARCH="$arch" CROSS_COMPILE="$cross" CC="ccache ${cross}gcc")
	mkdir -p "$dir"
	# KUnit and the DMA engine menu, which a defconfig may lack, for the
	# series' KUnit suite and its DMA drivers.
	{ cat "$REPO/configs/offload.config"; printf '%s\n' CONFIG_KUNIT=y CONFIG_DMADEVICES=y "$@"; } >"$frag"
	kernel_make "$tree" "$dir" "${make[@]}" "$defconfig" >/dev/null
	(cd "$dir" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$frag" >/dev/null)
	kernel_make "$tree" "$dir" "${make[@]}" olddefconfig >/dev/null
	config_honours "$dir" "$frag" || return 1
	# shellcheck disable=SC2046 # one argument per object
	kernel_make "$tree" "$dir" "${make[@]}" W=1 mm/migrate.o mm/migrate_offload.o \
		drivers/migrate_offload/ drivers/dma/swdma.o \
		$(git -C "$tree" diff --name-only base HEAD -- "arch/$arch/*.c" | sed 's/\.c$/.o/') \
		>"$logs/$name.log" 2>&1 ||
		{ tail -20 "$logs/$name.log" | sed 's/^/# /'; return 1; }
	! grep -E 'warning:|error:' "$logs/$name.log" | grep -E 'migrat|mtcopy|dcbm|swdma|copypage'
}
check "series: the top builds for arm64, 4K pages, MTE (no W=1 warning in its files)" \
	cross_builds arm64 arm64 aarch64-linux-gnu- defconfig CONFIG_ARM64_MTE=y CONFIG_ARM64_4K_PAGES=y
check "series: the top builds for arm64, 64K pages (no W=1 warning in its files)" \
	cross_builds arm64-64k arm64 aarch64-linux-gnu- defconfig CONFIG_ARM64_64K_PAGES=y \
	CONFIG_TRANSPARENT_HUGEPAGE=y
check "series: the top builds for ppc64le, book3s64 with THP (no W=1 warning in its files)" \
	cross_builds ppc64le powerpc powerpc64le-linux-gnu- ppc64le_defconfig CONFIG_PPC_BOOK3S_64=y \
	CONFIG_TRANSPARENT_HUGEPAGE=y

configure n
kmake mm/migrate.o >"$logs/off.log" 2>&1
off_text=$(text_size)
echo "# mm/migrate.o text: base $base_text, series with CONFIG_MIGRATION_COPY_OFFLOAD=n $off_text"
check "series: offload=n leaves mm/migrate.o text size unchanged" [ "$off_text" = "$base_text" ]
git -C "$tree" checkout -q --detach base
exit $fail
