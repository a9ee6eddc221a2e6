// SPDX-License-Identifier: GPL-2.0
/*
 * softoffline - make memory failure handling migrate pages, and check they
 * survive it.
 *
 * Faults NPAGES base pages, fills them with a pattern, soft-offlines every
 * one of them (madvise(MADV_SOFT_OFFLINE): the kernel migrates each in-use
 * page away from its frame, migration reason memory_failure, and retires
 * the frame), then checks that every page now has another frame and that
 * every byte survived.
 *
 * Usage: softoffline [-n NPAGES]    exit 0 pass, 1 fail (kselftest)
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#define SEED 0x50f70ff1ULL

int main(int argc, char **argv)
{
	size_t npages = 16, len, i;
	uint64_t *before, *after;
	long moved = 0, bad;
	char *buf;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || !(npages = strtoul(optarg, NULL, 0))) {
			fprintf(stderr, "usage: %s [-n NPAGES]\n", argv[0]);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_folio_size(PAGE_SZ);
	len = npages * PAGE_SZ;
	buf = map_on_node(len, PAGE_SZ, near_node());
	before = calloc(npages, sizeof(*before));
	after = calloc(npages, sizeof(*after));
	if (!buf || !before || !after)
		return 1;
	fill_pattern(buf, len, SEED, 0);
	if (page_frames(buf, len, before))
		return 1;
	for (i = 0; i < npages; i++) {
		if (madvise(buf + i * PAGE_SZ, PAGE_SZ, MADV_SOFT_OFFLINE)) {
			perror("# madvise(MADV_SOFT_OFFLINE)");
			return 1;
		}
	}
	if (page_frames(buf, len, after))
		return 1;
	for (i = 0; i < npages; i++)
		moved += after[i] && after[i] != before[i];
	bad = verify_pattern(buf, len, SEED, 0);
	printf("# soft offline moved %ld of %zu pages\n", moved, npages);
	if (bad >= 0)
		printf("# data mismatch at page %ld offset %ld\n", bad / (long)PAGE_SZ,
		       bad % (long)PAGE_SZ);
	return moved == (long)npages && bad < 0 ? 0 : 1;
}
