// SPDX-License-Identifier: GPL-2.0
/*
 * tierbench - a working set larger than the fast memory node, run to a
 * fixed amount of work, for the tiering benchmark.
 *
 * The task runs on the CPUs of the fast node.  It first pins most of that
 * node's free memory (an mlocked balloon, which reclaim cannot move) so that
 * only FAST bytes of it stay free, then fills a buffer of TOTAL bytes of
 * FOLIO_SIZE folios: what does not fit the fast node is demoted to the slow
 * node (or allocated there).  The newest part of the buffer, its last HOT
 * bytes, which did not fit, is then the working set: the task reads all of
 * it and writes word 0 of each of its pages, PASSES times, so NUMA
 * balancing in tiering mode promotes it, and reclaim demotes the older
 * rest to make room.  The trace (tracefs) covers the fill and the work: it
 * is cleared after the balloon is inflated and stopped (tracing_on 0)
 * after the work, before the check; the caller turns it on again.  At the end every byte of the
 * buffer is checked: the pattern it was filled with, and in word 0 of each
 * page the number of passes that wrote it.
 *
 * Usage: tierbench -s FOLIO_SIZE -t TOTAL -f FAST -h HOT -p PASSES [-H NODE] [-L NODE]
 *   -H, -L: the fast and the slow node (default 1 and 2)
 * Output: TIERBENCH,<fill ns>,<work ns>,<pages on the fast node>,
 *         <pages on the slow node>,<guest kernel CPU ns>,<pages demoted>,
 *         <pages promoted>,<ok|data-mismatch|error>
 * The last three cover the fill and the work, not the balloon: the kernel
 * CPU time of the whole guest (system, irq and softirq time of every CPU,
 * from /proc/stat) and the pgdemote_* and pgpromote_success counters.
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_DEFAULT	0
#define TRACING		"/sys/kernel/tracing/"
#define WORDS_PER_PAGE	(PAGE_SZ / 8)

/* MemFree of @node in bytes; 0 if unknown. */
static size_t node_free(int node)
{
	char path[96], line[256];
	size_t kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemFree: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Pin all but @fast bytes of @node's free memory. */
static int inflate_balloon(int node, size_t fast)
{
	size_t free = node_free(node), len;
	void *p;

	if (free <= fast)
		return 0;
	len = (free - fast) & ~(PAGE_SZ - 1);
	p = map_on_node(len, PAGE_SZ, node);
	if (!p || mlock(p, len))
		return -1;
	return 0;
}

/* System, irq and softirq time of all CPUs, in ns (USER_HZ ticks of 10 ms). */
static uint64_t kernel_cpu_ns(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys,
		   &idle, &iowait, &irq, &softirq) != 7)
		sys = irq = softirq = 0;
	fclose(f);
	return (sys + irq + softirq) * 10000000ULL;
}

/* The sum of the /proc/vmstat counters whose names start with @prefix. */
static uint64_t vmstat_sum(const char *prefix)
{
	unsigned long long val, sum = 0;
	char name[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", name, &val) == 2)
		if (!strncmp(name, prefix, strlen(prefix)))
			sum += val;
	fclose(f);
	return sum;
}

/* Every byte: the pattern, and word 0 of each page as the passes left it. */
static int check(const uint64_t *w, size_t len, size_t hot, uint64_t seed, uint64_t passes)
{
	size_t i;

	if (verify_pattern(w, len, seed, WORDS_PER_PAGE) >= 0)
		return -1;
	for (i = 0; i < len / 8; i += WORDS_PER_PAGE)
		if (w[i] != (i * 8 >= len - hot ? passes : 0))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t folio = 0, len = 0, fast = 0, hot = 0, i;
	int fast_node = 1, slow_node = 2, c;
	uint64_t seed = now_ns(), t0, fill_ns, work_ns, passes = 0, p, sum = 0;
	uint64_t cpu0, demoted0, promoted0;
	volatile uint64_t *w;
	const char *status;
	void *buf;

	while ((c = getopt(argc, argv, "s:t:f:h:p:H:L:")) != -1) {
		switch (c) {
		case 's': folio = parse_size(optarg); break;
		case 't': len = parse_size(optarg); break;
		case 'f': fast = parse_size(optarg); break;
		case 'h': hot = parse_size(optarg); break;
		case 'p': passes = strtoull(optarg, NULL, 0); break;
		case 'H': fast_node = atoi(optarg); break;
		case 'L': slow_node = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!folio || !len || !fast || !hot || !passes || hot > len || len % folio)
		goto usage;
	if (set_folio_size(folio) || run_on_node(fast_node) || inflate_balloon(fast_node, fast)) {
		printf("TIERBENCH,0,0,0,0,0,0,0,error\n");
		return 1;
	}
	buf = map_on_node(len, folio, fast_node);
	/* No policy: one would keep NUMA balancing from promoting. */
	if (!buf || syscall(SYS_mbind, buf, len, MPOL_DEFAULT, NULL, 0, 0)) {
		printf("TIERBENCH,0,0,0,0,0,0,0,error\n");
		return 1;
	}
	w = buf;
	close(open(TRACING "trace", O_WRONLY | O_TRUNC));	/* clears it */
	cpu0 = kernel_cpu_ns();
	demoted0 = vmstat_sum("pgdemote_");
	promoted0 = vmstat_sum("pgpromote_success");

	t0 = now_ns();
	fill_pattern(buf, len, seed, WORDS_PER_PAGE);
	for (i = 0; i < len / 8; i += WORDS_PER_PAGE)
		w[i] = 0;
	fill_ns = now_ns() - t0;

	/* A pass reads the whole working set and writes word 0 of each page. */
	t0 = now_ns();
	for (p = 0; p < passes; p++) {
		for (i = (len - hot) / 8; i < len / 8; i++)
			sum += w[i];
		for (i = (len - hot) / 8; i < len / 8; i += WORDS_PER_PAGE)
			w[i]++;
	}
	work_ns = now_ns() - t0;
	write_file(TRACING "tracing_on", "0");
	cpu0 = kernel_cpu_ns() - cpu0;
	demoted0 = vmstat_sum("pgdemote_") - demoted0;
	promoted0 = vmstat_sum("pgpromote_success") - promoted0;

	status = check(buf, len, hot, seed, passes) ? "data-mismatch" : "ok";
	if (sum == 1)	/* keep the reads */
		status = "error";
	printf("TIERBENCH,%llu,%llu,%ld,%ld,%llu,%llu,%llu,%s\n", (unsigned long long)fill_ns,
	       (unsigned long long)work_ns, pages_on_node(buf, len, fast_node),
	       pages_on_node(buf, len, slow_node), (unsigned long long)cpu0,
	       (unsigned long long)demoted0, (unsigned long long)promoted0, status);
	return strcmp(status, "ok") != 0;
usage:
	fprintf(stderr, "usage: %s -s FOLIO_SIZE -t TOTAL -f FAST -h HOT -p PASSES [-H NODE] [-L NODE]\n",
		argv[0]);
	return 1;
}
