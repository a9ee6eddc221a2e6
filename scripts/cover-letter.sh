#!/usr/bin/env bash
# Write patches/0000-cover-letter.patch: git format-patch's cover letter
# for the work tree's series (shortlog and diffstat always current), with
# the subject and text of docs/cover-letter.txt.  In the text, a line
#   @SIZES@             becomes the size table of scripts/sizes.sh;
#   @TABLE FILE PREFIX@ becomes the table of results/FILE whose caption
#                       starts with PREFIX (caption included);
#   @LINE FILE PREFIX@  becomes the line of results/FILE starting with PREFIX.
# The results are those of the last ./run-benchmark.sh (icount.md: of the
# last ./run-benchmark.sh --icount, which must have succeeded too).
set -euo pipefail
. "$(dirname "$0")/common.sh"

template=$REPO/docs/cover-letter.txt
out=$REPO/patches/0000-cover-letter.patch
for f in bench.md latency.md; do
	[ -f "$RESULTS/$f" ] || die "$RESULTS/$f missing: run ./run-benchmark.sh first"
done
[ "$(cat "$RESULTS/icount-status" 2>/dev/null)" = ok ] ||
	die "no instruction counts of a run that succeeded ($RESULTS/icount-status): run ./run-benchmark.sh --icount first"
# Figures of a run that failed anywhere do not go out.
[ "$(cat "$RESULTS/status" 2>/dev/null)" = ok ] ||
	die "the last ./run-benchmark.sh did not succeed ($RESULTS/status: $(cat "$RESULTS/status" 2>/dev/null || echo missing)); no cover letter from its figures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$REPO/scripts/sizes.sh" >"$tmp/sizes.md"

# The caption line starting with PREFIX, and the table after it.
table() { # table FILE PREFIX
	awk -v p="$2" 'index($0, p) == 1 && !on { on = 1; print; next }
		on && /^\|/ { rows = 1; print; next }
		on && rows { exit }
		on { print }' "$RESULTS/$1"
}

# What a marker line stands for (see above).
snippet() { # snippet MARKER
	local kind file prefix
	read -r kind file prefix <<<"${1//@/}"
	case $kind in
	SIZES) cat "$tmp/sizes.md" ;;
	TABLE) table "$file" "$prefix" ;;
	LINE) grep -m1 -F -- "$prefix" "$RESULTS/$file" ;;
	esac
}

expand() {
	local line text
	while IFS= read -r line; do
		case $line in
		@SIZES@ | @TABLE\ *@ | @LINE\ *@)
			text=$(snippet "$line")
			[ -n "$text" ] || die "cover letter: nothing for '$line'"
			printf '%s\n' "$text"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

sed '1,2d' "$template" | expand >"$tmp/blurb"
subject=$(sed -n '1s/^Subject: //p' "$template")
[ -n "$subject" ] || die "$template: the first line must be 'Subject: ...'"

# The cover letter is from the series' author, not the tree's committer.
GIT_COMMITTER_NAME=$(git -C "$LINUX" log -1 --format='%an' base..HEAD) \
GIT_COMMITTER_EMAIL=$(git -C "$LINUX" log -1 --format='%ae' base..HEAD) \
	format_series "$tmp/series" --cover-letter
awk -v subject="$subject" -v blurb="$tmp/blurb" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
	/^\*\*\* BLURB HERE \*\*\*$/ { while ((getline l < blurb) > 0) print l; next }
	{ print }' "$tmp/series/0000-cover-letter.patch" >"$out"
msg "wrote $out"
