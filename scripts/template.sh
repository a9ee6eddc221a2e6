# Fill a text template from the benchmark's results; sourced, never run.
# shellcheck shell=bash
# A line of the template that is one of these markers becomes:
#   @FILE NAME@          the whole of results/NAME;
#   @TABLE NAME PREFIX@  the table of results/NAME whose caption starts
#                        with PREFIX (caption included);
#   @LINE NAME PREFIX@   the line of results/NAME starting with PREFIX.
# Every other line stays as it is.  A marker with nothing behind it stops
# the expansion with an error: a page never goes out with a hole in it.
# Needs RESULTS and die (common.sh).

# The caption line of results/NAME starting with PREFIX, and the table
# after it.
template_table() { # NAME PREFIX
	awk -v p="$2" 'index($0, p) == 1 && !on { on = 1; print; next }
		on && /^\|/ { rows = 1; print; next }
		on && rows { exit }
		on { print }' "$RESULTS/$1"
}

# What one marker line stands for.
template_marker() { # MARKER
	local kind name prefix
	read -r kind name prefix <<<"${1//@/}"
	[ -f "$RESULTS/$name" ] || return 0
	case $kind in
	FILE) cat "$RESULTS/$name" ;;
	TABLE) template_table "$name" "$prefix" ;;
	LINE) grep -m1 -F -- "$prefix" "$RESULTS/$name" || true ;;
	esac
}

# Standard input, the template, to standard output, the page.
template_expand() {
	local line text
	while IFS= read -r line; do
		case $line in
		@FILE\ *@ | @TABLE\ *@ | @LINE\ *@)
			text=$(template_marker "$line")
			[ -n "$text" ] || die "template: nothing in $RESULTS for '$line'"
			printf '%s\n' "$text"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}
