// SPDX-License-Identifier: GPL-2.0
/*
 * firstfolio - first-folio latency of move_pages() against batch size.
 *
 * For each batch size N (folios per move_pages() call), faults N fresh
 * folios of the given size on the near node, moves them to the far node
 * (near_node(), far_node() in migtest.h) with tracing on, and reads from
 * tracefs the time from migrate:mm_migrate_pages_start to the first
 * migrate:remove_migration_pte (the first folio remapped; for a PMD-mapped
 * folio thp:remove_migration_pmd) and to the last one (the whole call).
 * On a kernel with the copy-offload series it also reads the series' migrate_offload:migrate_offload_batch events:
 * how many batches went to the migrator and how long their copies took,
 * which shows whether the minimum batch kept a call on the CPU path.
 * Only the events of its own pid count.
 *
 * Output rows:
 *   MIGLAT,<folio bytes>,<N>,<rep>,<first ns>,<total ns>,<offloaded batches>,
 *          <offload copy ns>,<ok|error>
 * Usage: firstfolio -s SIZE -n N[,N...] [-r REPS] [-f FIRST]
 *   -f: number the repetitions from FIRST (for callers that interleave runs)
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACING "/sys/kernel/tracing/"
#define OFFLOAD_EVENT TRACING "events/migrate_offload/migrate_offload_batch/enable"

/* What one traced move_pages() call showed. */
struct trace_times {
	uint64_t start, first, last;	/* ns timestamps */
	unsigned long batches;		/* batches handed to a migrator */
	uint64_t copy_ns;		/* time those copies took */
};

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* The first line of file @path, without its newline, in @buf. */
static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = f && fgets(buf, len, f) ? 0 : -1;

	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* The offload event exists only on kernels with the series. */
static int tracing_setup(void)
{
	if (access(OFFLOAD_EVENT, W_OK) == 0 && write_str(OFFLOAD_EVENT, "1"))
		return -1;
	return write_str(TRACING "events/migrate/mm_migrate_pages_start/enable", "1") ||
	       write_str(TRACING "events/migrate/remove_migration_pte/enable", "1") ||
	       write_str(TRACING "events/thp/remove_migration_pmd/enable", "1") ||
	       write_str(TRACING "tracing_on", "1");
}

/* The timestamp (ns) of trace line @line, whose event name is at @at. */
static uint64_t event_ns(const char *line, const char *at)
{
	unsigned long sec, usec;

	while (at > line && at[-1] != ' ')
		at--;
	if (sscanf(at, "%lu.%lu", &sec, &usec) != 2)
		return 0;
	return sec * 1000000000ULL + usec * 1000ULL;
}

/* The pid of the task that wrote trace line @line ("comm-pid [cpu] ..."). */
static long line_pid(const char *line)
{
	const char *cpu = strstr(line, " [");
	const char *dash = cpu;

	while (dash && dash > line && dash[-1] != '-')
		dash--;
	return dash && dash > line ? strtol(dash, NULL, 10) : -1;
}

/*
 * The first start, first and last remap, and the offloaded batches, of
 * this process only: every event read is raised in the migrating task,
 * and kcompactd or another task migrating at the same time must not count.
 */
static int read_trace(struct trace_times *t)
{
	FILE *f = fopen(TRACING "trace", "r");
	char line[512];

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *start = strstr(line, ": mm_migrate_pages_start:");
		char *remap = strstr(line, ": remove_migration_pte:");
		char *remap_pmd = strstr(line, ": remove_migration_pmd:");
		char *batch = strstr(line, ": migrate_offload_batch:");
		unsigned long long ns;
		char *field;

		if (line[0] == '#' || line_pid(line) != getpid())
			continue;
		if (!remap)
			remap = remap_pmd;
		if (start && !t->start)
			t->start = event_ns(line, start);
		if (remap && t->start) {
			t->last = event_ns(line, remap);
			if (!t->first)
				t->first = t->last;
		}
		field = batch ? strstr(batch, " ns=") : NULL;
		if (field && sscanf(field, " ns=%llu", &ns) == 1) {
			t->batches++;
			t->copy_ns += ns;
		}
	}
	fclose(f);
	return t->start && t->first ? 0 : -1;
}

static void measure(size_t folio, unsigned long n, int rep)
{
	size_t len = folio * n;
	const char *status = "ok";
	struct trace_times t;
	char *buf;
	int err;

	buf = map_on_node(len, folio, near_node());
	if (!buf) {
		printf("MIGLAT,%zu,%lu,%d,0,0,0,0,mmap-failed\n", folio, n, rep);
		return;
	}
	fill_pattern(buf, len, rep, 0);
	if (count_folios(buf, len, folio) != (long)n)
		status = "wrong-folio-size";
	else if (write_str(TRACING "trace", ""))
		status = "tracefs";
	else if (move_range(buf, len, folio, far_node(), 10, &err) ||
		 pages_off_node(buf, len, far_node()))
		status = "placement-failed";
	else if (verify_pattern(buf, len, rep, 0) >= 0)
		status = "data-corrupted";
	else if (read_trace(&t))
		status = "no-trace";
	if (strcmp(status, "ok"))
		printf("MIGLAT,%zu,%lu,%d,0,0,0,0,%s\n", folio, n, rep, status);
	else
		printf("MIGLAT,%zu,%lu,%d,%llu,%llu,%lu,%llu,ok\n", folio, n, rep,
		       (unsigned long long)(t.first - t.start),
		       (unsigned long long)(t.last - t.start), t.batches,
		       (unsigned long long)t.copy_ns);
	unmap_aligned(buf, len);
}

int main(int argc, char **argv)
{
	const char *counts = "1,2,4,8,16,32,64,128,256,512";
	size_t folio = PAGE_SZ;
	int reps = 5, first = 0, opt, rep;
	char *list, *tok, *save, was_on[8] = "1";

	while ((opt = getopt(argc, argv, "s:n:r:f:")) != -1) {
		switch (opt) {
		case 's': folio = parse_size(optarg); break;
		case 'n': counts = optarg; break;
		case 'r': reps = atoi(optarg); break;
		case 'f': first = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s -s SIZE -n N[,N...] [-r REPS] [-f FIRST]\n", argv[0]);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!folio || folio % PAGE_SZ || read_str(TRACING "tracing_on", was_on, sizeof(was_on)) ||
	    set_folio_size(folio) || tracing_setup()) {
		fprintf(stderr, "cannot set up folio size or tracing\n");
		return 1;
	}
	list = strdup(counts);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (rep = first; rep < first + reps; rep++)
			measure(folio, strtoul(tok, NULL, 10), rep);
	free(list);
	/* Leave the ring buffer as it was found: later users trace too. */
	write_str(TRACING "tracing_on", was_on);
	return 0;
}
