# Host-side result bookkeeping and console-log checks; sourced.
# shellcheck shell=bash

PASSED=0 FAILED=0 SKIPPED=0

result() { # result pass|fail|skip NAME
	case $1 in
	pass) PASSED=$((PASSED + 1)); echo "ok - $2" ;;
	skip) SKIPPED=$((SKIPPED + 1)); echo "ok - $2 # SKIP" ;;
	*) FAILED=$((FAILED + 1)); echo "not ok - $2" ;;
	esac
}

check() { # check NAME COMMAND... : one result from a command's exit status
	local name=$1
	shift
	if "$@"; then result pass "$name"; else result fail "$name"; fi
}

# Results printed by a host-side checker as "ok - NAME" / "not ok - NAME".
count_host_tap() {
	local line
	while IFS= read -r line; do
		case $line in
		"not ok - "*) result fail "${line#not ok - }" ;;
		"ok - "*"# SKIP"*) line=${line#ok - } && result skip "${line%% # SKIP*}" ;;
		"ok - "*) result pass "${line#ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done
}

# patches/ is what the work tree exports: a fresh tree made from it has it all.
series_round_trips() {
	local tmp rc=0
	tmp=$(mktemp -d)
	format_series "$tmp"
	diff -r -x 0000-cover-letter.patch "$tmp" "$REPO/patches" || rc=1
	rm -rf "$tmp"
	return $rc
}

# Every PATCH applies to the base in order with no whitespace error, as
# git am must apply it for scripts/tree.sh.  In a scratch index, so the
# check holds even when the work tree was made from other files, and costs
# no checkout.
series_applies_to_base() { # PATCH...
	local index p rc=0
	index=$(mktemp)
	GIT_INDEX_FILE=$index git -C "$LINUX" read-tree base
	for p in "$@"; do
		GIT_INDEX_FILE=$index git -C "$LINUX" apply --cached --whitespace=error-all "$p" ||
			{ echo "# ${p##*/} does not apply"; rc=1; break; }
	done
	rm -f "$index"
	return $rc
}

# The packages scripts/deb.sh wrote hold what a machine needs to run the
# series natively: the image package the kernel, the series' modules and a
# config with every option of offload.config; and a headers package.
deb_holds_the_series() {
	local image tmp f rc=0
	image=$(find "$WORK/deb" -maxdepth 1 -name 'linux-image-*-migoff_*.deb' ! -name '*-dbg_*' | head -1)
	[ -n "$image" ] || { echo "# no linux-image package in $WORK/deb"; return 1; }
	echo "# ${image##*/}"
	find "$WORK/deb" -maxdepth 1 -name 'linux-headers-*-migoff_*.deb' | grep -q . ||
		{ echo "# no linux-headers package"; rc=1; }
	tmp=$(mktemp -d)
	dpkg-deb -c "$image" | awk '{ print $NF }' >"$tmp/list"
	for f in '/boot/vmlinuz-' '/mm/migrate_offload_test.ko' '/drivers/migrate_offload/mtcopy.ko' \
		'/drivers/migrate_offload/dcbm.ko' '/drivers/dma/swdma.ko'; do
		grep -qF -- "$f" "$tmp/list" || { echo "# no $f in the image package"; rc=1; }
	done
	dpkg-deb --fsys-tarfile "$image" | tar -xO --wildcards './boot/config-*' >"$tmp/.config" &&
		config_honours "$tmp" "$REPO/configs/offload.config" || rc=1
	rm -rf "$tmp"
	return $rc
}

# The TAP plan, at the end (TAP allows it there), then the closing line.
summary() {
	local line="$PASSED passed, $FAILED failed"
	echo "1..$((PASSED + FAILED + SKIPPED))"
	[ "$SKIPPED" -gt 0 ] && line+=", $SKIPPED skipped"
	echo "$line"
	[ "$FAILED" -eq 0 ]
}

# The lines of a marked section of a console log (CRs stripped).
log_section() { # log_section LOG NAME
	tr -d '\r' <"$1" | sed -n "/^=== migoff $2 begin ===\$/,/^=== migoff $2 end ===\$/p" | sed '1d;$d'
}

# The top-level results of a log's KTAP section, one per line:
# "ok|not ok|skip<TAB>NAME<TAB>SKIP REASON" (the reason only for skip).
tap_lines() { # LOG
	log_section "$1" tap |
		sed -nE 's/^ok [0-9]+ (.*) # SKIP ?(.*)/skip\t\1\t\2/p; t; s/^(not ok|ok) [0-9]+ (.*)/\1\t\2\t/p'
}

# Count the guest's KTAP results, prefixed with the flavour: every top-level
# "ok"/"not ok" line is one result.  The plan must be the one the host
# expects (a guest plan that shrank because a feature vanished is a
# failure) and the number of results must match it (a guest that died
# half-way must not look green).
# A skipped result fails unless its name is ALLOWED_SKIP (a test that needs
# a checker only one flavour has) or its reason is one of SKIP_REASONS (one
# per line: native mode's reasons).
count_guest_tap() { # count_guest_tap FLAVOUR LOG EXPECTED_PLAN [ALLOWED_SKIP]
	local flavour=$1 expected=$3 allowed=${4:-} planned seen=0 res name why
	planned=$(log_section "$2" tap | sed -n 's/^1\.\.\([0-9]*\).*/\1/p' | head -n1)
	while IFS=$'\t' read -r res name why; do
		case $res in
		'not ok') result fail "$flavour: $name" ;;
		skip)
			if [ "$name" = "$allowed" ]; then
				result skip "$flavour: $name"
			elif [ -n "${SKIP_REASONS:-}" ] && grep -qxF -f <(echo "$SKIP_REASONS") <<<"$why"; then
				result skip "$flavour: $name ($why)"
			else
				result fail "$flavour: $name (skipped, which this flavour must not)"
			fi ;;
		ok) result pass "$flavour: $name" ;;
		esac
		seen=$((seen + 1))
	done < <(tap_lines "$2")
	if [ "${planned:-}" = "$expected" ]; then
		result pass "$flavour: guest plan has the $expected tests the host expects"
	else
		result fail "$flavour: guest plan has the $expected tests the host expects (it planned ${planned:-none})"
	fi
	if [ -n "$planned" ] && [ "$seen" -eq "$planned" ]; then
		result pass "$flavour: guest plan complete ($seen of $planned results)"
	else
		result fail "$flavour: guest plan complete ($seen of ${planned:-?} results)"
	fi
}

# The guest plan's test names, in plan order, must be the ones pinned in
# FILE (guest/plan/expected/FLAVOUR-PART.txt; scripts/pin-tests.sh writes
# them from a run's logs): a renamed, lost or added test, or a migrator
# configuration that came or went, shows here, not only in the counts.
check_test_names() { # check_test_names NAME LOG FILE
	local diffs name="$1: test names and order are the pinned ones (${3#"$REPO"/})"
	if [ ! -f "$3" ]; then
		result fail "$name (no such file)"
		return
	fi
	diffs=$(diff <(tap_lines "$2" | cut -f2) "$3" | grep '^[<>]' | head -n 10 || true)
	if [ -z "$diffs" ]; then
		result pass "$name"
	else
		sed 's/^</# this run:/; s/^>/# pinned:/' <<<"$diffs"
		result fail "$name"
	fi
}

# A KUnit suite's results in the console log (its own section) must show
# exactly CASES test cases, all passed: a case that vanished or never ran
# is a failure.
# The suite ran exactly CASES cases and every one passed; a skipped case
# ("ok N name # SKIP") is not a pass: the result is then a skip, with the
# count (a failed or missing case fails).
check_kunit_cases() { # FLAVOUR LOG SUITE CASES
	local cases ok skipped total name="$1: KUnit suite $3 ran its $4 cases, all passed"
	cases=$(log_section "$2" "kunit-$3" | grep -E '^    (not )?ok [0-9]+ ' || true)
	total=$(grep -c . <<<"$cases" || true)
	skipped=$(grep -E '^    ok [0-9]+ ' <<<"$cases" | grep -c '# SKIP' || true)
	ok=$(grep -E '^    ok [0-9]+ ' <<<"$cases" | grep -vc '# SKIP' || true)
	if [ "$4" -gt 0 ] && [ "$total" = "$4" ] && [ "$ok" = "$4" ]; then
		result pass "$name"
	elif [ "$4" -gt 0 ] && [ "$total" = "$4" ] && [ $((ok + skipped)) = "$4" ]; then
		result skip "$name ($skipped skipped)"
	else
		result fail "$name ($ok of $total passed, $skipped skipped)"
	fi
}

# Kernel reports that fail a run wherever they appear in the console log.
KERNEL_REPORTS='BUG:|WARNING:|KASAN|Oops|soft lockup|hard LOCKUP|Kernel panic|general protection fault|UBSAN:|DMA-API: .*device driver|possible circular locking|inconsistent lock state|possible recursive locking|blocked for more than|Call Trace:'

check_kernel_log() { # check_kernel_log FLAVOUR LOG
	local hits
	if [ ! -s "$2" ] || [ -z "$(log_section "$2" dmesg)" ]; then
		result fail "$1: kernel log free of BUG/WARNING/KASAN/lockdep/Oops reports (no kernel log in $2)"
		return
	fi
	hits=$(tr -d '\r' <"$2" | grep -nE "$KERNEL_REPORTS" | head -n 20 || true)
	if [ -n "$hits" ]; then
		sed 's/^/# /' <<<"$hits"
		result fail "$1: kernel log free of BUG/WARNING/KASAN/lockdep/Oops reports"
	else
		result pass "$1: kernel log free of BUG/WARNING/KASAN/lockdep/Oops reports"
	fi
}
