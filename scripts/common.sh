# Shared settings for the workbench scripts; sourced, never run.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything generated lives outside the tracked tree, so a fresh clone stays
# clean and incremental builds survive between runs on the same machine.
WORK=${MIGOFF_WORK:-/var/tmp/migrate-offload}
KSRC_TARBALL=${KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
LINUX=$WORK/linux            # git work tree: base commit + patches/ applied
VANILLA=$WORK/vanilla        # git worktree of the unpatched base commit
BUILD=$WORK/build            # one O= directory per kernel flavour
GUEST=$WORK/guest            # guest binaries and initramfs images
RESULTS=${MIGOFF_RESULTS:-$REPO/results}

JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$WORK
export CCACHE_NOHASHDIR=true
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

msg() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The kernel source a flavour is built from.
flavour_src() {
	case $1 in
	vanilla) echo "$VANILLA" ;;
	patched | debug) echo "$LINUX" ;;
	*) die "unknown kernel flavour '$1' (vanilla, patched, debug)" ;;
	esac
}

# Fingerprint of the series in patches/ (not the cover letter), to tell
# whether a tree is up to date.
series_hash() {
	find "$REPO/patches" -name '*.patch' ! -name '0000-cover-letter.patch' -print0 | sort -z |
		xargs -0 -r cat | sha1sum | cut -d' ' -f1
}

# Write the work tree's commits (base..HEAD) as patch files into a directory,
# with any further format-patch OPTIONs.  The abbreviation of the index
# lines is fixed: git's default grows with the number of objects, so a fresh
# tree would export different bytes.
format_series() { # format_series DIR [OPTION...]
	local dir=$1
	shift
	git -C "$LINUX" -c core.abbrev=9 format-patch -q --zero-commit --no-signature "$@" -o "$dir" base..HEAD
}

# make in kernel tree SRC with build directory OUT, always with the same CC
# (a change of CC makes kbuild rebuild everything).
kernel_make() { # kernel_make SRC OUT ARGS...
	local src=$1 out=$2
	shift 2
	make -s -C "$src" O="$out" CC="ccache gcc" -j"$JOBS" "$@"
}

# Configure OUT from SRC: tinyconfig with the config FRAGMENTs merged on top.
configure_kernel() { # configure_kernel SRC OUT FRAGMENT...
	local src=$1 out=$2
	shift 2
	mkdir -p "$out"
	kernel_make "$src" "$out" tinyconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@" >/dev/null)
	kernel_make "$src" "$out" olddefconfig >/dev/null
}

# A detached git worktree of the kernel repository at DIR (checked out at REV
# when it is created; an existing one is left as it is).
ensure_worktree() { # ensure_worktree DIR REV
	[ -d "$1" ] && return 0
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add -q --detach "$1" "$2"
}
