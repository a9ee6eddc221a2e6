// SPDX-License-Identifier: GPL-2.0
/*
 * offline_block - take offline the memory block that holds a buffer, as
 * removing a memory device (a CXL expander) does, and check the buffer
 * survives it.
 *
 * Faults TOTAL bytes of FOLIO-size folios on NODE, fills them with a
 * pattern, and takes offline a memory block (/sys/devices/system/memory)
 * that holds some of them: the one that holds most, or if that one has a
 * page nothing can move (offlining fails at once with EBUSY: a page the
 * firmware or early boot reserved at the top of the node), the next.  The
 * block must be in ZONE_MOVABLE, where only such reserved pages and movable
 * ones can be.  Offlining migrates every page out of the block (migration
 * reason memory_hotplug), in this process, from its write to the block's
 * state.  Then checks that no page of the buffer is left in the block and
 * every byte survived, and puts the block back online (online_movable).
 *
 * Usage: offline_block -n NODE [-s FOLIO] [-t TOTAL]   exit 0 pass, 1 fail
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEED 0x0ff11e5eULL
#define MEMORY "/sys/devices/system/memory"
#define MAX_BLOCKS 64

static unsigned long block_size(void)
{
	unsigned long size = 0;
	FILE *f = fopen(MEMORY "/block_size_bytes", "r");

	if (!f || fscanf(f, "%lx", &size) != 1)
		size = 0;
	if (f)
		fclose(f);
	return size;
}

struct block_pages {
	long block;
	size_t pages;
};

static int more_pages_first(const void *a, const void *b)
{
	const struct block_pages *x = a, *y = b;

	return (y->pages > x->pages) - (y->pages < x->pages);
}

/*
 * The memory blocks holding the @n frames of @pfns into @blocks (at most
 * MAX_BLOCKS), the one holding most first.  Returns how many.
 */
static size_t blocks_by_pages(const uint64_t *pfns, size_t n, unsigned long pages_per_block,
			      struct block_pages *blocks)
{
	size_t i, j, nr = 0;

	for (i = 0; i < n; i++) {
		long b = pfns[i] / pages_per_block;

		if (!pfns[i])
			continue;
		for (j = 0; j < nr && blocks[j].block != b; j++)
			;
		if (j == nr) {
			if (nr == MAX_BLOCKS)
				continue;
			blocks[nr++] = (struct block_pages){ b, 0 };
		}
		blocks[j].pages++;
	}
	qsort(blocks, nr, sizeof(*blocks), more_pages_first);
	return nr;
}

/* The zone an online block is in, from its valid_zones ("Movable"). */
static int block_zone(long block, char *zone, size_t len)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), MEMORY "/memory%ld/valid_zones", block);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fgets(zone, len, f) != NULL;
	fclose(f);
	zone[strcspn(zone, " \n")] = '\0';
	return ok ? 0 : -1;
}

/* 0, or the errno of writing @state to the block's state. */
static int set_block_state(long block, const char *state)
{
	char path[128];

	snprintf(path, sizeof(path), MEMORY "/memory%ld/state", block);
	if (write_file(path, state)) {
		printf("# memory%ld: writing \"%s\" to its state failed: %s\n",
		       block, state, strerror(errno));
		return errno ?: EIO;
	}
	return 0;
}

/*
 * Take offline the first block of @blocks in ZONE_MOVABLE that can go.
 * Returns its index, or -1.
 */
static long offline_one(const struct block_pages *blocks, size_t nr)
{
	char zone[32];
	size_t i;

	for (i = 0; i < nr; i++) {
		int err;

		if (block_zone(blocks[i].block, zone, sizeof(zone)))
			return -1;
		printf("# memory%ld (zone %s) holds %zu pages of the buffer\n",
		       blocks[i].block, zone, blocks[i].pages);
		if (strcmp(zone, "Movable"))
			continue;
		err = set_block_state(blocks[i].block, "offline");
		if (!err)
			return i;
		if (err != EBUSY)
			return -1;
	}
	printf("# no block of the buffer in ZONE_MOVABLE went offline\n");
	return -1;
}

int main(int argc, char **argv)
{
	size_t total = 192UL << 20, folio = 2UL << 20, npages, nr, held, left = 0, moved = 0;
	struct block_pages blocks[MAX_BLOCKS];
	uint64_t *before, *after;
	int opt, node = -1, rc;
	long block, bad, i;
	unsigned long per_block;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			node = atoi(optarg);
			break;
		case 's':
			folio = parse_size(optarg);
			break;
		case 't':
			total = parse_size(optarg);
			break;
		default:
			node = -1;
		}
	}
	if (node < 0 || !folio || !total || total % folio) {
		fprintf(stderr, "usage: %s -n NODE [-s FOLIO] [-t TOTAL]\n", argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	per_block = block_size() / PAGE_SZ;
	if (!per_block || set_folio_size(folio))
		return 1;
	buf = patterned_on_node(total, folio, node, SEED, &before);
	npages = total / PAGE_SZ;
	after = calloc(npages, sizeof(*after));
	if (!buf || !after)
		return 1;

	nr = blocks_by_pages(before, npages, per_block, blocks);
	i = offline_one(blocks, nr);
	if (i < 0)
		return 1;
	block = blocks[i].block;
	held = blocks[i].pages;
	rc = page_frames(buf, total, after);
	moved = rc ? 0 : pages_moved(before, after, npages);
	for (i = 0; i < (long)npages && !rc; i++)
		left += after[i] / per_block == (uint64_t)block;
	printf("# offlined memory%ld: %zu pages of the buffer moved (%zu were in it), %zu left in it\n",
	       block, moved, held, left);
	bad = verify_pattern(buf, total, SEED, 0);
	if (bad >= 0)
		printf("# data mismatch at offset %ld\n", bad);
	if (set_block_state(block, "online_movable"))
		rc = 1;
	return rc || left || bad >= 0;
}
