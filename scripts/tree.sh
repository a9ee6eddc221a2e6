#!/usr/bin/env bash
# Make the kernel work trees:
#   $LINUX   - Debian's linux-source-$KVER committed as tag "base", patches/ applied
#   $VANILLA - a git worktree of "base", the unpatched kernel
# A patch that does not apply stops here, loudly.  An up-to-date tree is left
# untouched (its mtimes too, so builds stay incremental).  A tree carrying
# commits that were never exported to patches/ is never thrown away: export
# them first, or set FORCE=1.
set -euo pipefail
. "$(dirname "$0")/common.sh"

unpack_base() {
	[ -f "$KSRC_TARBALL" ] || die "$KSRC_TARBALL missing: run scripts/deps.sh"
	msg "unpacking $(basename "$KSRC_TARBALL") into $LINUX"
	rm -rf "$LINUX" "$VANILLA"
	mkdir -p "$LINUX"
	tar -xJf "$KSRC_TARBALL" -C "$LINUX" --strip-components=1
	local version
	version=$(dpkg-query -W -f='${Version}' linux-source-$KVER 2>/dev/null || echo unknown)
	# Debian's .gitignore ignores every top-level path (its packaging repo
	# tracks only debian/); drop that rule so new files show up in git.
	sed -i '/^# Debian packaging: ignore everything at the top level/,$d' "$LINUX/.gitignore"
	git -C "$LINUX" init -q -b work
	git -C "$LINUX" config user.name "migrate-offload workbench"
	git -C "$LINUX" config user.email "workbench@localhost"
	git -C "$LINUX" add -A -f .
	git -C "$LINUX" commit -q -m "Debian linux-source-$KVER $version (without Debian's ignore-everything .gitignore rule)"
	git -C "$LINUX" tag base
	echo "none $(git -C "$LINUX" rev-parse HEAD)" >"$LINUX/.git/migoff-applied"
}

apply_series() {
	local want=$1
	msg "applying patches/ onto base"
	git -C "$LINUX" am --abort >/dev/null 2>&1 || true
	git -C "$LINUX" reset -q --hard base
	local p
	for p in "$REPO"/patches/*.patch; do
		[ -e "$p" ] || continue
		case $p in *0000-cover-letter.patch) continue ;; esac
		git -C "$LINUX" am -q --whitespace=error-all "$p" ||
			die "patch $(basename "$p") does not apply (tree left mid-am in $LINUX)"
	done
	echo "$want $(git -C "$LINUX" rev-parse HEAD)" >"$LINUX/.git/migoff-applied"
}

[ -d "$LINUX/.git" ] && git -C "$LINUX" rev-parse -q --verify base >/dev/null || unpack_base

want=$(series_hash)
read -r have head <"$LINUX/.git/migoff-applied" || have=none
if [ "$have" != "$want" ]; then
	if [ "${FORCE:-0}" != 1 ] && { [ "$(git -C "$LINUX" rev-parse HEAD)" != "$head" ] ||
		[ -n "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ]; }; then
		die "$LINUX has changes not exported to patches/ (make export, or FORCE=1 to drop them)"
	fi
	apply_series "$want"
fi

ensure_worktree "$VANILLA" base
msg "trees ready: $LINUX ($(git -C "$LINUX" log --oneline base..HEAD | wc -l) patches), $VANILLA"
