#!/usr/bin/env bash
# Write the commits of the kernel work tree (base..HEAD) back into patches/.
# The cover letter (patches/0000-cover-letter.patch) is kept as it is.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -d "$LINUX/.git" ] || die "no work tree at $LINUX: run scripts/tree.sh"
[ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] ||
	die "$LINUX has uncommitted changes: commit them first"

find "$REPO/patches" -name '*.patch' ! -name '0000-cover-letter.patch' -delete
format_series "$REPO/patches"
hash=$(series_hash)
echo "$hash $(git -C "$LINUX" rev-parse HEAD)" >"$LINUX/.git/migoff-applied"
msg "exported $(git -C "$LINUX" log --oneline base..HEAD | wc -l) patches to patches/"
