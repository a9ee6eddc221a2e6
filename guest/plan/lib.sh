# Helpers for the guest plans (busybox sh); sourced.

# Section markers the host looks for in the console log.
begin_section() { echo "=== migoff $1 begin ==="; }
end_section() { echo "=== migoff $1 end ==="; }

# Run a command, show its output as KTAP diagnostics, keep its exit status.
# The "# " prefix keeps a tool's own TAP lines from counting as ours.
run_quoted() {
	"$@" >/tmp/run.out 2>&1
	local rc=$?
	sed 's/^/# /' /tmp/run.out
	return $rc
}

# Report one KTAP result from a kselftest exit status (0 pass, 4 skip, else fail).
report() {
	case $1 in
	0) ktap_test_pass "$2" ;;
	4) ktap_test_skip "$2" ;;
	*) ktap_test_fail "$2" ;;
	esac
}

# Settings the migration tests need: THP on, a few hugetlb pages per node.
setup_mm() {
	echo always >/sys/kernel/mm/transparent_hugepage/enabled
	echo 32 >/proc/sys/vm/nr_hugepages
}

# One KTAP result from a shell function's kselftest status (0 pass, 4 skip).
report_quoted_status() { # FUNCTION NAME
	"$1"
	report $? "$2"
}
