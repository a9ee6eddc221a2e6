#!/usr/bin/env bash
# Write patches/0000-cover-letter.patch: git format-patch's cover letter
# for the work tree's series (shortlog and diffstat always current), with
# the subject and text of docs/cover-letter.txt, whose marker lines
# (scripts/template.sh) become tables and lines of results/ (sizes.md:
# the size table of scripts/sizes.sh, written here).
# The results are those of the last ./run-benchmark.sh (icount.md: of the
# last ./run-benchmark.sh --icount, which must have succeeded too).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/template.sh"

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

"$REPO/scripts/sizes.sh" >"$RESULTS/sizes.md"

sed '1,2d' "$template" | template_expand >"$tmp/blurb"
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
