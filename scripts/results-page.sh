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

# The busy-machine table, or a line saying the run had no such phase.
if [ -f "$RESULTS/busy.md" ]; then
	cp "$RESULTS/busy.md" "$RESULTS/busy-section.md"
else
	echo "This run had no busy-machine phase (\`MIGOFF_BUSYREPS=0\`, or a run from before the phase existed)." \
		>"$RESULTS/busy-section.md"
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
template_expand <"$template" >"$tmp"
for plot in bench latency span tier; do
	cp "$RESULTS/$plot.png" "$docs/$plot.png" 2>/dev/null ||
		die "$RESULTS/$plot.png missing (is gnuplot installed?)"
done
mv "$tmp" "$page"
trap - EXIT
msg "wrote $page and its plots"
