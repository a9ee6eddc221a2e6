// SPDX-License-Identifier: GPL-2.0
/*
 * fragment - make compaction migrate pages, and check they survive it.
 *
 * Faults TOTAL bytes of base pages on the near node (near_node() in
 * migtest.h) or on NODE, fills them with a pattern, frees every other page
 * to fragment the node, asks the kernel to compact all memory
 * (/proc/sys/vm/compact_memory), then checks every byte of the pages that
 * remain.  Succeeds if no byte changed and compaction moved some of those
 * pages (their page frames changed): a check of pages that did not move
 * would prove nothing.  Compaction moves pages from the start of a zone
 * into free pages at its end, so the caller puts the buffer where it must
 * be moved: most of a zone (the slow node's ZONE_MOVABLE in the VM).
 *
 * With -k it does not compact: once its pages are fragmented and the node's
 * kswapd is idle, it raises vm.compaction_proactiveness to 100 (the caller
 * puts it back), which wakes every node's kcompactd to compact
 * proactively, waits up to SECONDS for kcompactd to move some of its pages,
 * and fails if none moved.  The caller keeps proactive compaction off until then, and puts
 * the buffer where compaction must move it.
 *
 * Usage: fragment [-t TOTAL] [-n NODE] [-k SECONDS]   exit 0 pass, 1 fail
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 0xc0a1e5ce

static int compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	int ok = fd >= 0 && write(fd, "1", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* How many of the kept (even) pages have another frame than in @before. */
static long kept_pages_moved(char *buf, size_t total, const uint64_t *before, uint64_t *after)
{
	size_t i;
	long moved = 0;

	if (page_frames(buf, total, after))
		return -1;
	for (i = 0; i < total / PAGE_SZ; i += 2)
		moved += before[i] != after[i];
	return moved;
}

/*
 * Where the kept pages are: compaction moves pages from the bottom of a
 * zone into partly free blocks near its top until its scanners meet, so
 * which of them it moves depends on where they lie.
 */
static void print_frame_range(const uint64_t *frames, size_t npages)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t i;

	for (i = 0; i < npages; i += 2) {
		if (!frames[i])
			continue;
		lo = frames[i] < lo ? frames[i] : lo;
		hi = frames[i] > hi ? frames[i] : hi;
	}
	printf("# kept pages in frames %#llx to %#llx\n", (unsigned long long)lo,
	       (unsigned long long)hi);
}

/*
 * The CPU time (ticks) the kernel thread NAME has used, or -1 if there is
 * no such thread; its pid in @pid.
 */
static long kthread_ticks(const char *name, int *pid)
{
	char path[64], line[512], comm[64];
	unsigned long utime, stime;
	FILE *f;

	if (*pid <= 0) {
		for (*pid = 2; *pid < 32768; (*pid)++) {
			snprintf(path, sizeof(path), "/proc/%d/comm", *pid);
			f = fopen(path, "r");
			if (!f)
				continue;
			comm[0] = 0;
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
			comm[strcspn(comm, "\n")] = 0;
			if (!strcmp(comm, name))
				break;
		}
		if (*pid >= 32768)
			return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", *pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/* After "pid (comm) ": state, then 10 fields, then utime and stime. */
	if (!fgets(line, sizeof(line), f) || !strrchr(line, ')') ||
	    sscanf(strrchr(line, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &utime, &stime) != 2)
		utime = stime = -1UL;
	fclose(f);
	return utime == -1UL ? -1 : (long)(utime + stime);
}

/*
 * Wait up to @seconds until the node's kswapd has used no CPU for a second.
 * Proactive compaction gives up on a node whose kswapd runs
 * (kswapd_is_running() in mm/compaction.c) and, when that pass made no
 * progress, waits 32 s before it tries again; the fragmented node is just
 * where an allocation may have woken kswapd.
 */
static int wait_for_kswapd_idle(const char *kswapd, int *pid, int seconds)
{
	long last = kthread_ticks(kswapd, pid), now;
	int i;

	for (i = 0; i < seconds && last >= 0; i++) {
		sleep(1);
		now = kthread_ticks(kswapd, pid);
		if (now == last)
			return 0;
		last = now;
	}
	printf("# %s %s\n", kswapd, last < 0 ? "not found" : "still busy");
	return -1;
}

/*
 * Trigger proactive compaction (a write of a non-zero proactiveness wakes
 * every kcompactd at once) once the node's kswapd is idle, then wait until
 * kcompactd moved some kept page, or @seconds passed.
 */
static long wait_for_kcompactd(char *buf, size_t total, const uint64_t *before,
			       uint64_t *after, int node, int seconds)
{
	uint64_t start, end;
	long moved, kswapd_start;
	char kswapd[32];
	int pid = 0;

	snprintf(kswapd, sizeof(kswapd), "kswapd%d", node);
	if (wait_for_kswapd_idle(kswapd, &pid, 30))
		return -1;
	kswapd_start = kthread_ticks(kswapd, &pid);
	if (write_file("/proc/sys/vm/compaction_proactiveness", "100")) {
		perror("# compaction_proactiveness");
		return -1;
	}
	start = now_ns();
	end = start + seconds * 1000000000ULL;
	while (!(moved = kept_pages_moved(buf, total, before, after)) && now_ns() < end)
		usleep(200000);
	printf("# kcompactd: waited %.1f s; %s used %ld ticks of CPU meanwhile\n",
	       (now_ns() - start) / 1e9, kswapd, kthread_ticks(kswapd, &pid) - kswapd_start);
	return moved;
}

int main(int argc, char **argv)
{
	size_t total = 128UL << 20, i, npages;
	int opt, node = near_node(), kcompactd_seconds = 0;
	uint64_t *before, *after;
	long moved, bad;
	char *buf;

	while ((opt = getopt(argc, argv, "t:n:k:")) != -1) {
		switch (opt) {
		case 't':
			total = parse_size(optarg);
			break;
		case 'n':
			node = atoi(optarg);
			break;
		case 'k':
			kcompactd_seconds = atoi(optarg);
			break;
		default:
			total = 0;
		}
	}
	if (!total || node < 0 || kcompactd_seconds < 0) {
		fprintf(stderr, "usage: %s [-t TOTAL] [-n NODE] [-k SECONDS]\n", argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_folio_size(PAGE_SZ);
	buf = map_on_node(total, PAGE_SZ, node);
	if (!buf)
		return 1;
	fill_pattern(buf, total, SEED, 0);
	npages = total / PAGE_SZ;
	for (i = 1; i < npages; i += 2)
		madvise(buf + i * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);

	before = calloc(npages, sizeof(*before));
	after = calloc(npages, sizeof(*after));
	if (!before || !after || page_frames(buf, total, before))
		return 1;
	if (kcompactd_seconds) {
		print_frame_range(before, npages);
		moved = wait_for_kcompactd(buf, total, before, after, node, kcompactd_seconds);
	} else {
		if (compact_memory()) {
			perror("# compact_memory");
			return 1;
		}
		moved = kept_pages_moved(buf, total, before, after);
	}
	if (moved < 0)
		return 1;
	printf("# %s migrated %ld of the %zu pages kept\n",
	       kcompactd_seconds ? "kcompactd" : "compaction", moved, (npages + 1) / 2);

	/* Every word of every page kept (the even ones) must be intact. */
	for (i = 0, bad = -1; i < total / 8 && bad < 0; i++) {
		if ((i * 8 / PAGE_SZ) % 2 == 0 && ((uint64_t *)buf)[i] != pattern_word(i, SEED))
			bad = (long)(i * 8);
	}
	if (bad >= 0)
		printf("# data mismatch at offset %ld\n", bad);
	return bad >= 0 || !moved ? 1 : 0;
}
