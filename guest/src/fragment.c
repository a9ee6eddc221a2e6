// SPDX-License-Identifier: GPL-2.0
/*
 * fragment - make compaction migrate pages, and check they survive it.
 *
 * Faults TOTAL bytes of base pages on the near node (near_node() in
 * migtest.h), fills them with a pattern, frees every other page to
 * fragment the node, asks the kernel to compact
 * all memory (/proc/sys/vm/compact_memory), then checks every byte of the
 * pages that remain.  Succeeds if no byte changed; prints how many of
 * those pages compaction moved (their page frames changed).  Whether the
 * compaction it asked for migrated anything is for the caller to check
 * (the migrate:mm_migrate_pages tracepoint of this process): compaction
 * moves pages from the start of a zone, which this buffer may not be in.
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
	uint64_t *before, *after;
	long moved = 0, bad;
	char *buf;
	int opt;

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
	for (i = 1; i < npages; i += 2)
		madvise(buf + i * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);

	before = calloc(npages, sizeof(*before));
	after = calloc(npages, sizeof(*after));
	if (!before || !after || page_frames(buf, total, before))
		return 1;
	if (compact_memory()) {
		perror("# compact_memory");
		return 1;
	}
	if (page_frames(buf, total, after))
		return 1;
	for (i = 0; i < npages; i += 2)
		moved += before[i] != after[i];
	printf("# compaction migrated %ld of the %zu pages kept\n", moved, (npages + 1) / 2);

	/* Every word of every page kept (the even ones) must be intact. */
	for (i = 0, bad = -1; i < total / 8 && bad < 0; i++) {
		if ((i * 8 / PAGE_SZ) % 2 == 0 && ((uint64_t *)buf)[i] != pattern_word(i, SEED))
			bad = (long)(i * 8);
	}
	if (bad >= 0)
		printf("# data mismatch at offset %ld\n", bad);
	return bad < 0 ? 0 : 1;
}
