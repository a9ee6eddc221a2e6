// SPDX-License-Identifier: GPL-2.0
/*
 * tiering - demote a buffer to a slow memory node by reclaim and, with -p,
 * promote it back by touching it, checking every byte after each.
 *
 * The task runs on the CPUs of the fast node and faults the buffer there
 * (no memory policy: a policy would keep NUMA balancing from promoting).
 * Demotion: the task joins the memory cgroup CGROUP and writes TOTAL to its
 * memory.reclaim until nine tenths of the buffer are on the slow node;
 * with demotion enabled, reclaim of a top-tier node moves its folios to the
 * lower tier (MR_DEMOTION).  Promotion: the task reads every page of the
 * buffer in a loop, as a hot working set would, for up to SECONDS, until
 * nine tenths of what was demoted are off the slow node; NUMA balancing in
 * tiering mode (kernel.numa_balancing=2) promotes the folios it finds hot
 * (MR_NUMA_MISPLACED).  With -D, the task instead leaves the buffer idle
 * for up to SECONDS until another agent (a DAMON migrate_cold scheme) has
 * moved nine tenths of it to the slow node; whoever promotes it back (with
 * -p: NUMA balancing, or a DAMON migrate_hot scheme) is the caller's
 * choice.  Demotion passes when at least half of the buffer moved,
 * promotion when at least an eighth of what was demoted came back (NUMA
 * balancing promotes one folio per hinting fault, on a debug kernel
 * slowly), and each only if every byte reads back as written.
 *
 * Usage: tiering -s FOLIO_SIZE -t TOTAL (-c CGROUP | -D SECONDS) [-H FAST] [-L SLOW]
 *                [-p SECONDS] [-W PREFIX] [-w]
 *   -w: a verifying writer (migtest.h) stores to every page, resting 20 ms
 *       between its sweeps, from before the demotion until the promotion
 *       ends: stores that land while a folio is being demoted or promoted
 *       must survive, and every other byte is checked as without it
 *   -W: between the phases, create PREFIX-demoted and wait until PREFIX-go
 *       exists (the caller switches its agent from demoting to promoting)
 *   -H, -L: the fast and the slow node (default 1 and 2)
 * Output: "# demoted D of N pages to node L in T s" (and "# promoted ...").
 * Exit status follows kselftest: 0 pass, 1 fail, 4 skip.
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_DEFAULT	0

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4
#define DEMOTE_TRIES	20
#define WRITER_PAUSE_US	20000

/* Reclaim from the cgroup until 9/10 of @buf are on @slow; how many are. */
static long demote(void *buf, size_t len, int slow, const char *reclaim)
{
	long n = len / PAGE_SZ, on = 0;
	char total[32];
	int i;

	snprintf(total, sizeof(total), "%zu", len);
	for (i = 0; i < DEMOTE_TRIES; i++) {
		/* EAGAIN: less than asked was reclaimed; try again. */
		if (write_file(reclaim, total) && errno != EAGAIN) {
			perror(reclaim);
			return -1;
		}
		on = pages_on_node(buf, len, slow);
		if (on < 0 || on >= n * 9 / 10)
			break;
	}
	return on;
}

/* Say the demotion is over, then wait (at most 2 minutes) for the go. */
static int handshake(const char *prefix)
{
	char path[256];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s-demoted", prefix);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fclose(f);
	snprintf(path, sizeof(path), "%s-go", prefix);
	for (i = 0; i < 1200; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* Leave @buf idle until 9/10 of it are on @slow, or for @seconds. */
static long wait_demoted(void *buf, size_t len, int slow, int seconds)
{
	uint64_t deadline = now_ns() + seconds * 1000000000ULL;
	long n = len / PAGE_SZ, on;

	do {
		usleep(200000);
		on = pages_on_node(buf, len, slow);
	} while (on >= 0 && on < n * 9 / 10 && now_ns() < deadline);
	return on;
}

/*
 * Read every page, over and over, until at most @target pages are left on
 * @slow.  Where they are is asked only every 200 ms: the reads must come
 * close together to look hot to an agent that samples accesses (DAMON).
 */
static long promote(void *buf, size_t len, int slow, long target, int seconds)
{
	uint64_t now = now_ns(), deadline = now + seconds * 1000000000ULL, sum = 0;
	uint64_t next_check = now + 200000000ULL;
	volatile uint64_t *words = buf;
	long left = target + 1;
	size_t i;

	do {
		for (i = 0; i < len / 8; i += PAGE_SZ / 8)
			sum += words[i];
		now = now_ns();
		if (now >= next_check) {
			left = pages_on_node(buf, len, slow);
			next_check = now_ns() + 200000000ULL;
		}
	} while (left > target && now < deadline);
	if (left > target)
		left = pages_on_node(buf, len, slow);
	return sum == 1 ? -1 : left;	/* keep the reads */
}

/* 0 if every byte of @buf is as written (by @w too, if it writes), else -1. */
static int check_buffer(const void *buf, size_t len, uint64_t seed, const struct writer *w,
			const char *after)
{
	long bad = verify_pattern(buf, len, seed, w->last ? WRITER_SLOT_STRIDE : 0);

	if (bad >= 0)
		printf("# data mismatch after %s at byte %ld\n", after, bad);
	return bad >= 0 || writer_check(w) ? -1 : 0;
}

/* Stop @w and check that its last stores, and every other byte, are there. */
static int stop_and_check(const void *buf, size_t len, uint64_t seed, struct writer *w)
{
	writer_stop(w);
	return check_buffer(buf, len, seed, w, "the writer stopped") ||
	       writer_check_slots(w) ? KSFT_FAIL : KSFT_PASS;
}

int main(int argc, char **argv)
{
	size_t folio = 0, len = 0;
	char reclaim[512], procs[512], pid[16];
	const char *cgroup = NULL, *prefix = NULL;
	int fast = 1, slow = 2, seconds = 0, idle = 0, with_writer = 0, c;
	struct writer w = { .pause_us = WRITER_PAUSE_US };
	uint64_t seed = now_ns(), t0;
	long n, demoted, left;
	char name[16];
	void *buf;

	while ((c = getopt(argc, argv, "s:t:c:H:L:p:D:W:w")) != -1) {
		switch (c) {
		case 's': folio = parse_size(optarg); break;
		case 't': len = parse_size(optarg); break;
		case 'c': cgroup = optarg; break;
		case 'H': fast = atoi(optarg); break;
		case 'L': slow = atoi(optarg); break;
		case 'p': seconds = atoi(optarg); break;
		case 'D': idle = atoi(optarg); break;
		case 'W': prefix = optarg; break;
		case 'w': with_writer = 1; break;
		default: goto usage;
		}
	}
	if (!folio || !len || !cgroup == !idle || len % folio)
		goto usage;
	if (cgroup) {
		snprintf(reclaim, sizeof(reclaim), "%s/memory.reclaim", cgroup);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_file(procs, pid)) {
			perror(procs);
			return KSFT_FAIL;
		}
	}
	if (set_folio_size(folio) || run_on_node(fast)) {
		printf("# no %s folios or no CPUs on node %d\n", size_name(folio, name, sizeof(name)), fast);
		return KSFT_SKIP;
	}
	buf = map_on_node(len, folio, fast);
	/* The policy map_on_node() sets would keep the folios from promotion. */
	if (!buf || syscall(SYS_mbind, buf, len, MPOL_DEFAULT, NULL, 0, 0)) {
		perror("mmap");
		return KSFT_FAIL;
	}
	fill_pattern(buf, len, seed, 0);
	n = len / PAGE_SZ;
	if (pages_on_node(buf, len, fast) != n) {
		printf("# the buffer was not faulted on node %d\n", fast);
		return KSFT_FAIL;
	}
	if (with_writer && writer_start(&w, buf, len, seed)) {
		perror("# writer");
		return KSFT_FAIL;
	}

	t0 = now_ns();
	demoted = idle ? wait_demoted(buf, len, slow, idle) : demote(buf, len, slow, reclaim);
	printf("# demoted %ld of %ld pages to node %d in %.1f s\n", demoted, n, slow,
	       (now_ns() - t0) / 1e9);
	if (check_buffer(buf, len, seed, &w, "demotion") || demoted < n / 2)
		return KSFT_FAIL;
	if (!seconds)
		return stop_and_check(buf, len, seed, &w);
	if (prefix && handshake(prefix)) {
		printf("# no go from the caller\n");
		return KSFT_FAIL;
	}

	t0 = now_ns();
	left = promote(buf, len, slow, demoted / 10, seconds);
	printf("# promoted %ld of %ld demoted pages in %.1f s\n", demoted - left, demoted,
	       (now_ns() - t0) / 1e9);
	if (check_buffer(buf, len, seed, &w, "promotion") || stop_and_check(buf, len, seed, &w))
		return KSFT_FAIL;
	return left >= 0 && demoted - left >= demoted / 8 ? KSFT_PASS : KSFT_FAIL;
usage:
	fprintf(stderr, "usage: %s -s FOLIO_SIZE -t TOTAL (-c CGROUP | -D SECONDS) [-H FAST] [-L SLOW] [-p SECONDS] [-W PREFIX] [-w]\n",
		argv[0]);
	return KSFT_FAIL;
}
