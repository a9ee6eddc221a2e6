// SPDX-License-Identifier: GPL-2.0
/*
 * fragment - make compaction migrate pages, and check they survive it.
 *
 * Faults TOTAL bytes of base pages on the near node (near_node() in
 * migtest.h), fills them with a pattern, and frees some to fragment the
 * node: of the buffer's pages below their median page frame it keeps
 * every other one, of those above it every 8th.  Compaction migrates pages
 * from the start of a zone into the free pages of partly used pageblocks
 * near its end (it leaves wholly free pageblocks alone) until its two
 * scanners meet: the lower pages are what it should move, the upper ones
 * give it room above them.  It then asks the kernel to compact all memory
 * (/proc/sys/vm/compact_memory) and checks every byte of the kept pages.
 * Succeeds if compaction moved some kept pages (their page frames changed:
 * the data check covers moved pages) and no byte changed.
 *
 * Usage: fragment [-t TOTAL]       exit 0 pass, 1 fail (kselftest)
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
#define COMPACTIONS 3

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of the @n page frames in @pfns. */
static uint64_t median_frame(const uint64_t *pfns, size_t n)
{
	uint64_t *sorted = malloc(n * sizeof(*sorted)), median;

	if (!sorted)
		return 0;
	memcpy(sorted, pfns, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	median = sorted[n / 2];
	free(sorted);
	return median;
}

static int compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	int ok = fd >= 0 && write(fd, "1", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t total = 128UL << 20, i, npages;
	long moved = 0, kept = 0, kept_lower = 0, bad;
	uint64_t *before, *after;
	char *keep, *buf;
	uint64_t median;
	int opt, lower, tries;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || !(total = parse_size(optarg))) {
			fprintf(stderr, "usage: %s [-t TOTAL]\n", argv[0]);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_folio_size(PAGE_SZ);
	buf = map_on_node(total, PAGE_SZ, near_node());
	if (!buf)
		return 1;
	fill_pattern(buf, total, SEED, 0);
	npages = total / PAGE_SZ;
	before = calloc(npages, sizeof(*before));
	after = calloc(npages, sizeof(*after));
	keep = calloc(npages, 1);
	if (!before || !after || !keep || page_frames(buf, total, before))
		return 1;
	median = median_frame(before, npages);
	for (i = 0; i < npages; i++) {
		lower = before[i] < median;
		keep[i] = i % (lower ? 2 : 8) == 0;
		if (!keep[i]) {
			madvise(buf + i * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);
			continue;
		}
		kept++;
		kept_lower += lower;
	}
	printf("# kept %ld of %zu pages, %ld of them below their median page frame\n",
	       kept, npages, kept_lower);

	/*
	 * Where its scanners meet depends on the rest of memory: in the VM a
	 * full compaction moved from 20 to 5737 of the kept pages.  Should it
	 * move none, compact again (at most COMPACTIONS times in all).
	 */
	for (tries = 1; !moved && tries <= COMPACTIONS; tries++) {
		if (compact_memory()) {
			perror("# compact_memory");
			return 1;
		}
		if (page_frames(buf, total, after))
			return 1;
		for (i = 0; i < npages; i++)
			moved += keep[i] && before[i] != after[i];
		printf("# compaction %d migrated %ld of the %ld pages kept\n", tries, moved, kept);
	}

	/* Every word of every page kept must be intact. */
	for (i = 0, bad = -1; i < total / 8 && bad < 0; i++) {
		if (keep[i * 8 / PAGE_SZ] && ((uint64_t *)buf)[i] != pattern_word(i, SEED))
			bad = (long)(i * 8);
	}
	if (bad >= 0)
		printf("# data mismatch at offset %ld\n", bad);
	if (!moved)
		printf("# compaction moved none of the kept pages: the data check proves nothing\n");
	return bad < 0 && moved ? 0 : 1;
}
