// SPDX-License-Identifier: GPL-2.0
/*
 * migbench - move_pages() throughput between two NUMA nodes per folio size,
 * the method of the series' cover letter, plus the guest's own memcpy
 * bandwidth node 0 -> node 1 as the reference limit.
 *
 * Every repetition compacts memory first (so that every repetition finds
 * free large folios on the destination node, whatever ran before), faults a
 * fresh buffer of the stated folio size on node 0 (moving the same buffer
 * twice can meet split folios), checks the folio size, moves it to node 1
 * in one move_pages() call naming each folio once (plus bounded retries of
 * transient failures),
 * then checks the node of every base page, that the destination folios
 * kept the size (a split on the way is another workload), and every byte.
 * A repetition that fails a check is reported as failed, never as a
 * figure.
 *
 * Output, one CSV row per repetition on stdout:
 *   MIGBENCH,move,<folio bytes>,<rep>,<bytes moved>,<ns>,<caller cpu ns>,<ok|error>
 *   MIGBENCH,memcpy,<threads>,<rep>,<bytes copied>,<ns>,0,ok
 *
 * Usage: migbench [-t TOTAL] [-r REPS] [-f FIRST] [-s SIZE[,SIZE...]] [-m]
 *   -f: number the repetitions from FIRST (for callers that interleave runs)
 *   -m: also measure the memcpy reference
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <pthread.h>
#include <sched.h>
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

static void compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("compact_memory");
		close(fd);
	}
}

static void report(const char *kind, size_t param, int rep, size_t bytes,
		   uint64_t ns, uint64_t cpu, const char *status)
{
	printf("MIGBENCH,%s,%zu,%d,%zu,%llu,%llu,%s\n", kind, param, rep, bytes,
	       (unsigned long long)ns, (unsigned long long)cpu, status);
}

/* One repetition: fresh folios on node 0, timed move to node 1, full checks. */
static void bench_move(size_t folio, size_t total, int rep)
{
	uint64_t t0, t1, c0, c1;
	const char *status = "ok";
	long left;
	int err;
	char *buf;

	if (set_folio_size(folio)) {
		report("move", folio, rep, 0, 0, 0, "folio-size-unsupported");
		return;
	}
	compact_memory();
	buf = map_on_node(total, folio, 0);
	if (!buf) {
		report("move", folio, rep, 0, 0, 0, "mmap-failed");
		return;
	}
	fill_pattern(buf, total, SEED + rep, 0);
	if (count_folios(buf, total, folio) != (long)(total / folio)) {
		status = "wrong-folio-size";
		goto out;
	}
	c0 = cpu_ns();
	t0 = now_ns();
	left = move_range(buf, total, folio, 1, RETRIES, &err);
	t1 = now_ns();
	c1 = cpu_ns();
	if (left || pages_off_node(buf, total, 1))
		status = "placement-failed";
	else if (count_folios(buf, total, folio) != (long)(total / folio))
		status = "dst-folios-split";
	else if (verify_pattern(buf, total, SEED + rep, 0) >= 0)
		status = "data-corrupted";
	else
		report("move", folio, rep, total, t1 - t0, c1 - c0, status);
out:
	if (strcmp(status, "ok"))
		report("move", folio, rep, 0, 0, 0, status);
	unmap_aligned(buf, total);
}

struct copy_job {
	char *dst;
	const char *src;
	size_t len;
	int cpu;
};

static void *copy_fn(void *arg)
{
	struct copy_job *j = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	memcpy(j->dst, j->src, j->len);
	return NULL;
}

/* memcpy node 0 -> node 1 with @threads threads on node 0's CPUs (0, 1). */
static void bench_memcpy(size_t total, int threads, int rep)
{
	char *src = map_on_node(total, PAGE_SZ, 0);
	char *dst = map_on_node(total, PAGE_SZ, 1);
	struct copy_job jobs[2];
	pthread_t tid[2];
	size_t part = total / threads;
	uint64_t t0, t1;
	int i;

	if (!src || !dst) {
		report("memcpy", threads, rep, 0, 0, 0, "mmap-failed");
		return;
	}
	fill_pattern(src, total, SEED, 0);
	memset(dst, 0, total);
	t0 = now_ns();
	for (i = 0; i < threads; i++) {
		jobs[i] = (struct copy_job){ dst + i * part, src + i * part, part, i };
		pthread_create(&tid[i], NULL, copy_fn, &jobs[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	t1 = now_ns();
	if (verify_pattern(dst, total, SEED, 0) >= 0)
		report("memcpy", threads, rep, 0, 0, 0, "data-corrupted");
	else
		report("memcpy", threads, rep, total, t1 - t0, 0, "ok");
	unmap_aligned(src, total);
	unmap_aligned(dst, total);
}

int main(int argc, char **argv)
{
	const char *sizes = "4K,16K,64K,256K,1M,2M";
	size_t total = 256UL << 20;
	int reps = 3, first = 0, with_memcpy = 0, opt, rep, threads;
	char *list, *tok, *save;

	while ((opt = getopt(argc, argv, "t:r:f:s:m")) != -1) {
		switch (opt) {
		case 't': total = parse_size(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'f': first = atoi(optarg); break;
		case 's': sizes = optarg; break;
		case 'm': with_memcpy = 1; break;
		default:
			fprintf(stderr, "usage: %s [-t TOTAL] [-r REPS] [-f FIRST] [-s SIZES] [-m]\n", argv[0]);
			return 1;
		}
	}
	if (!total || total % (2UL << 20) || reps < 1) {
		fprintf(stderr, "TOTAL must be a multiple of 2M, REPS >= 1\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (threads = 1; with_memcpy && threads <= 2; threads++)
		for (rep = first; rep < first + reps; rep++)
			bench_memcpy(total, threads, rep);

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
