#!/usr/bin/env bash
# Write docs/results.md from docs/results.tmpl and the tables of the last
# ./run-benchmark.sh (results/*.md, whose marker lines scripts/template.sh
# expands), and copy its plots into docs/.  run-benchmark.sh calls it after
# a VM run that succeeded; it refuses the results of any other.  The
# instruction-count section is that of the last ./run-benchmark.sh
# --icount, when it succeeded too.  MIGOFF_DOCS: where the page and the
# plots go (default docs/; the report checks write elsewhere).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/template.sh"

template=$REPO/docs/results.tmpl
docs=${MIGOFF_DOCS:-$REPO/docs}
page=$docs/results.md
[ "$(cat "$RESULTS/status" 2>/dev/null)" = ok ] ||
	die "the last ./run-benchmark.sh did not succeed ($RESULTS/status: $(cat "$RESULTS/status" 2>/dev/null || echo missing)); $page left as it is"
[ -f "$RESULTS/run.md" ] || die "$RESULTS/run.md missing: not the results of a VM run"
# The instruction counts' section: the tables of the last --icount run if
# it succeeded, with its date; else a line that says there are none.
if [ "$(cat "$RESULTS/icount-status" 2>/dev/null)" = ok ]; then
	{
		echo "The last \`./run-benchmark.sh --icount\`, $(date -u -r "$RESULTS/icount.md" '+%Y-%m-%d %H:%M') UTC:"
		echo
		cat "$RESULTS/icount.md"
	} >"$RESULTS/icount-section.md"
else
	echo "No instruction counts of a run that succeeded here: run \`./run-benchmark.sh --icount\`." \
		>"$RESULTS/icount-section.md"
fi

# The parts a run may leave out (MIGOFF_BUSYREPS=0, MIGOFF_SPANREPS=0):
# their tables, or a line saying the run had none.
optional_section() { # NAME WHAT VARIABLE [PLOT-TITLE]
	if [ -f "$RESULTS/$1.md" ]; then
		cp "$RESULTS/$1.md" "$RESULTS/$1-section.md"
		[ -z "${4:-}" ] || printf '\n![%s](%s.png)\n' "$4" "$1" >>"$RESULTS/$1-section.md"
	else
		echo "This run had no $2 (\`$3=0\`, or a run from before the part existed)." \
			>"$RESULTS/$1-section.md"
	fi
}
optional_section busy "busy-machine phase" MIGOFF_BUSYREPS
optional_section span "batch-span part" MIGOFF_SPANREPS "batch span"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
template_expand <"$template" >"$tmp"
for plot in bench latency tier; do
	cp "$RESULTS/$plot.png" "$docs/$plot.png" 2>/dev/null ||
		die "$RESULTS/$plot.png missing (is gnuplot installed?)"
done
if [ -f "$RESULTS/span.md" ]; then
	cp "$RESULTS/span.png" "$docs/span.png" 2>/dev/null || die "$RESULTS/span.png missing"
else
	rm -f "$docs/span.png"
fi
mv "$tmp" "$page"
trap - EXIT
msg "wrote $page and its plots"
