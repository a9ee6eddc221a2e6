// SPDX-License-Identifier: GPL-2.0
/*
 * firstfolio - first-folio latency of move_pages() against batch size.
 *
 * For each batch size N (folios per move_pages() call), faults N fresh
 * folios of the given size on node 0, moves them to node 1 with tracing on,
 * and reads from tracefs the time from migrate:mm_migrate_pages_start to
 * the first migrate:remove_migration_pte (the first folio remapped) and to
 * the last one (the whole call).
 *
 * Output rows: MIGLAT,<folio bytes>,<N>,<rep>,<first ns>,<total ns>,<ok|error>
 * Usage: firstfolio -s SIZE -n N[,N...] [-r REPS]
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACING "/sys/kernel/tracing/"

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int tracing_setup(void)
{
	return write_str(TRACING "events/migrate/mm_migrate_pages_start/enable", "1") ||
	       write_str(TRACING "events/migrate/remove_migration_pte/enable", "1") ||
	       write_str(TRACING "tracing_on", "1");
}

/* Timestamps (ns) of the first start, first remap and last remap events. */
static int read_trace(uint64_t *start, uint64_t *first, uint64_t *last)
{
	FILE *f = fopen(TRACING "trace", "r");
	char line[512];

	*start = *first = *last = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long sec, usec;
		char *colon = strstr(line, ": mm_migrate_pages_start:");
		char *remap = strstr(line, ": remove_migration_pte:");
		char *ts;

		if (line[0] == '#' || (!colon && !remap))
			continue;
		ts = colon ? colon : remap;
		while (ts > line && ts[-1] != ' ')
			ts--;
		if (sscanf(ts, "%lu.%lu", &sec, &usec) != 2)
			continue;
		if (colon && !*start)
			*start = sec * 1000000000ULL + usec * 1000ULL;
		if (remap && *start) {
			*last = sec * 1000000000ULL + usec * 1000ULL;
			if (!*first)
				*first = *last;
		}
	}
	fclose(f);
	return *start && *first ? 0 : -1;
}

static void measure(size_t folio, unsigned long n, int rep)
{
	size_t len = folio * n;
	uint64_t start, first, last;
	const char *status = "ok";
	char *buf;
	int err;

	buf = map_on_node(len, folio, 0);
	if (!buf) {
		printf("MIGLAT,%zu,%lu,%d,0,0,mmap-failed\n", folio, n, rep);
		return;
	}
	fill_pattern(buf, len, rep);
	if (count_folios(buf, len, folio) != (long)n)
		status = "wrong-folio-size";
	else if (write_str(TRACING "trace", ""))
		status = "tracefs";
	else if (move_range(buf, len, folio, 1, 10, &err) || pages_off_node(buf, len, 1))
		status = "placement-failed";
	else if (verify_pattern(buf, len, rep, 0) >= 0)
		status = "data-corrupted";
	else if (read_trace(&start, &first, &last))
		status = "no-trace";
	if (strcmp(status, "ok"))
		printf("MIGLAT,%zu,%lu,%d,0,0,%s\n", folio, n, rep, status);
	else
		printf("MIGLAT,%zu,%lu,%d,%llu,%llu,ok\n", folio, n, rep,
		       (unsigned long long)(first - start), (unsigned long long)(last - start));
	unmap_aligned(buf, len);
}

int main(int argc, char **argv)
{
	const char *counts = "1,2,4,8,16,32,64,128,256,512";
	size_t folio = PAGE_SZ;
	int reps = 5, opt, rep;
	char *list, *tok, *save;

	while ((opt = getopt(argc, argv, "s:n:r:")) != -1) {
		switch (opt) {
		case 's': folio = parse_size(optarg); break;
		case 'n': counts = optarg; break;
		case 'r': reps = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s -s SIZE -n N[,N...] [-r REPS]\n", argv[0]);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!folio || folio % PAGE_SZ || set_folio_size(folio) || tracing_setup()) {
		fprintf(stderr, "cannot set up folio size or tracing\n");
		return 1;
	}
	list = strdup(counts);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (rep = 0; rep < reps; rep++)
			measure(folio, strtoul(tok, NULL, 10), rep);
	free(list);
	write_str(TRACING "tracing_on", "0");
	return 0;
}
