# Shared settings for the workbench scripts; sourced, never run.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything generated lives outside the tracked tree, so a fresh clone stays
# clean and incremental builds survive between runs on the same machine.
WORK=${MIGOFF_WORK:-/var/tmp/migrate-offload}
# The base: Debian's linux-source package of this kernel version (from
# trixie-backports, see deps.sh) and its linux-config package.
KVER=7.3
KSRC_TARBALL=${KSRC_TARBALL:-/usr/src/linux-source-$KVER.tar.xz}
DEBIAN_CONFIG=/usr/src/linux-config-$KVER/config.amd64_none_amd64.xz
LINUX=$WORK/linux            # git work tree: base commit + patches/ applied
VANILLA=$WORK/vanilla        # git worktree of the unpatched base commit
BUILD=$WORK/build            # one O= directory per kernel flavour
GUEST=$WORK/guest            # guest binaries and initramfs images
RESULTS=${MIGOFF_RESULTS:-$REPO/results}

# sparse for C=2: scripts/deps.sh builds one here when the distribution's
# is too old for the base (kernel_make passes it as CHECK when it exists).
SPARSE_DIR=$WORK/tools
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
	local check=()
	[ ! -x "$SPARSE_DIR/sparse" ] || check=(CHECK="$SPARSE_DIR/sparse")
	make -s -C "$src" O="$out" CC="ccache gcc" "${check[@]}" -j"$JOBS" "$@"
}

# Configure OUT from SRC: tinyconfig with the config FRAGMENTs merged on top.
# With KEEP_BASE=1, OUT/.config is the base instead (a distribution config).
configure_kernel() { # configure_kernel SRC OUT FRAGMENT...
	local src=$1 out=$2
	shift 2
	mkdir -p "$out"
	[ "${KEEP_BASE:-}" = 1 ] || kernel_make "$src" "$out" tinyconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@" >/dev/null)
	kernel_make "$src" "$out" olddefconfig >/dev/null
}

# Every option the FRAGMENTs ask for is in OUT/.config: an unmet dependency
# makes olddefconfig drop an option silently.  Names each one that is not,
# with the "depends on" lines of its Kconfig entry in SRC when given.
config_honours() { # config_honours OUT [--src SRC] FRAGMENT...
	local out=$1 src='' line sym val bad=0
	shift
	[ "$1" != --src ] || { src=$2; shift 2; }
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$out/.config" || continue
		else
			grep -qx "$sym=$val" "$out/.config" && continue
		fi
		echo "config: $line requested, got: $(grep "^$sym=\|^# $sym is" "$out/.config" || echo unset)" >&2
		[ -z "$src" ] || kconfig_depends "$src" "${sym#CONFIG_}" >&2
		bad=1
	done < <(cat "$@")
	return $bad
}

# The "depends on" lines of Kconfig entry SYMBOL in kernel tree SRC.
kconfig_depends() { # kconfig_depends SRC SYMBOL
	(cd "$1" && find . -name 'Kconfig*' -not -path './.git/*' -print0 |
		xargs -0 awk -v entry="config $2" '
			$0 == entry { on = 1; next }
			on && /^(config|menuconfig|endmenu|endif|menu|if|choice|source)[ \t]/ { on = 0 }
			on && /^[ \t]+depends on/ { sub(/^[ \t]+/, ""); print "  " substr(FILENAME, 3) ": " $0 }')
}

# A detached git worktree of the kernel repository at DIR (checked out at REV
# when it is created; an existing one is left as it is).
ensure_worktree() { # ensure_worktree DIR REV
	[ -d "$1" ] && return 0
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add -q --detach "$1" "$2"
}
