// SPDX-License-Identifier: GPL-2.0
/*
 * migbench - move_pages() throughput between two NUMA nodes per folio size,
 * the method of the series' cover letter.
 *
 * Every repetition compacts memory first (so that every repetition finds
 * free large folios on the destination node, whatever ran before), faults a
 * fresh buffer of the stated folio size on the near node (moving the same
 * buffer twice can meet split folios), checks the folio size, moves it to
 * the far node (near_node(), far_node() in migtest.h) in one move_pages()
 * call naming each folio once (plus bounded retries of transient
 * failures), then checks the node of every base page, that the destination folios
 * kept the size (a split on the way is another workload), and every byte.
 * A repetition that fails a check is reported as failed, never as a
 * figure.
 *
 * Besides the wall time it reports the caller's CPU time (getrusage) and
 * the whole guest's (every CPU's non-idle time in /proc/stat: the caller,
 * the copy threads and kworkers of a migrator, interrupts), both over the
 * move alone, and the /proc/vmstat counters that changed during the move:
 * the work the kernel did, which does not depend on the emulator's speed.
 *
 * Output on stdout, per repetition:
 *   MIGBENCH,move,<folio bytes>,<rep>,<bytes moved>,<ns>,<caller cpu ns>,<guest cpu ns>,<ok|error>
 *   MIGVMSTAT,<folio bytes>,<rep>,<counter>=<delta>[;<counter>=<delta>...]
 *
 * Usage: migbench [-t TOTAL] [-r REPS] [-f FIRST] [-s SIZE[,SIZE...]]
 *   -f: number the repetitions from FIRST (for callers that interleave runs)
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#define RETRIES	10
#define SEED	0xbe4c0ffeeULL

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

/* Non-idle time of every CPU of the guest, from the "cpu" line of /proc/stat. */
static uint64_t guest_cpu_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	if (f) {
		n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		fclose(f);
	}
	if (n != 8)
		return 0;
	/* user nice system [idle] [iowait] irq softirq steal */
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

#define MAX_VMSTAT 256

struct vmstat {
	int n;
	char name[MAX_VMSTAT][48];
	unsigned long long val[MAX_VMSTAT];
};

static void read_vmstat(struct vmstat *vm)
{
	FILE *f = fopen("/proc/vmstat", "r");

	vm->n = 0;
	while (f && vm->n < MAX_VMSTAT &&
	       fscanf(f, "%47s %llu", vm->name[vm->n], &vm->val[vm->n]) == 2)
		vm->n++;
	if (f)
		fclose(f);
}

/* The event counters that moved between @a and @b, on one line. */
static void report_vmstat(const struct vmstat *a, const struct vmstat *b,
			  size_t folio, int rep)
{
	const char *sep = "";
	int i;

	printf("MIGVMSTAT,%zu,%d,", folio, rep);
	for (i = 0; i < a->n && i < b->n; i++) {
		if (b->val[i] == a->val[i] || strcmp(a->name[i], b->name[i]) ||
		    !strncmp(a->name[i], "nr_", 3))
			continue;
		printf("%s%s=%lld", sep, a->name[i], (long long)(b->val[i] - a->val[i]));
		sep = ";";
	}
	printf("\n");
}

static void compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("compact_memory");
		close(fd);
	}
}

static void report(size_t folio, int rep, size_t bytes, uint64_t ns,
		   uint64_t cpu, uint64_t guest_cpu, const char *status)
{
	printf("MIGBENCH,move,%zu,%d,%zu,%llu,%llu,%llu,%s\n", folio, rep, bytes,
	       (unsigned long long)ns, (unsigned long long)cpu,
	       (unsigned long long)guest_cpu, status);
}

/* One repetition: fresh folios on the near node, timed move to the far node, full checks. */
static void bench_move(size_t folio, size_t total, int rep)
{
	static struct vmstat vm0, vm1;
	uint64_t t0, t1, c0, c1, g0, g1;
	const char *status = "ok";
	long left;
	int err;
	char *buf;

	if (set_folio_size(folio)) {
		report(folio, rep, 0, 0, 0, 0, "folio-size-unsupported");
		return;
	}
	compact_memory();
	buf = map_on_node(total, folio, near_node());
	if (!buf) {
		report(folio, rep, 0, 0, 0, 0, "mmap-failed");
		return;
	}
	fill_pattern(buf, total, SEED + rep, 0);
	if (count_folios(buf, total, folio) != (long)(total / folio)) {
		status = "wrong-folio-size";
		goto out;
	}
	read_vmstat(&vm0);
	g0 = guest_cpu_ns();
	c0 = cpu_ns();
	t0 = now_ns();
	left = move_range(buf, total, folio, far_node(), RETRIES, &err);
	t1 = now_ns();
	c1 = cpu_ns();
	g1 = guest_cpu_ns();
	read_vmstat(&vm1);
	report_vmstat(&vm0, &vm1, folio, rep);
	if (left || pages_off_node(buf, total, far_node()))
		status = "placement-failed";
	else if (count_folios(buf, total, folio) != (long)(total / folio))
		status = "dst-folios-split";
	else if (verify_pattern(buf, total, SEED + rep, 0) >= 0)
		status = "data-corrupted";
	else
		report(folio, rep, total, t1 - t0, c1 - c0, g1 - g0, status);
out:
	if (strcmp(status, "ok"))
		report(folio, rep, 0, 0, 0, 0, status);
	unmap_aligned(buf, total);
}

int main(int argc, char **argv)
{
	const char *sizes = "4K,16K,64K,256K,1M,2M";
	size_t total = 256UL << 20;
	int reps = 3, first = 0, opt, rep;
	char *list, *tok, *save;

	while ((opt = getopt(argc, argv, "t:r:f:s:")) != -1) {
		switch (opt) {
		case 't': total = parse_size(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'f': first = atoi(optarg); break;
		case 's': sizes = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-t TOTAL] [-r REPS] [-f FIRST] [-s SIZES]\n", argv[0]);
			return 1;
		}
	}
	if (!total || total % (2UL << 20) || reps < 1) {
		fprintf(stderr, "TOTAL must be a multiple of 2M, REPS >= 1\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	list = strdup(sizes);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t folio = parse_size(tok);

		if (!folio || folio % PAGE_SZ || total % folio) {
			fprintf(stderr, "bad folio size '%s'\n", tok);
			return 1;
		}
		for (rep = first; rep < first + reps; rep++)
			bench_move(folio, total, rep);
	}
	free(list);
	return 0;
}
