// SPDX-License-Identifier: GPL-2.0
/*
 * contig_alloc - allocate a whole CMA area while a buffer holds pages of it,
 * as a driver's contiguous DMA allocation or a gigantic hugetlb page does,
 * and check the buffer survives it.
 *
 * A CMA area lends its free pages to movable allocations and takes them
 * back when its owner allocates: alloc_contig_range() migrates whatever is
 * in the range out of it (migration reason contig_range), in the allocating
 * task's context.  The page allocator lends a zone's CMA pages only while
 * they are more than half of its free memory, so this program first fills
 * NODE with other memory until its free pages outside CMA are no more than
 * the area's free pages.  Then it faults TOTAL bytes of FOLIO-size folios
 * on NODE, which must put at least a quarter of the area's pages in the
 * buffer, fills them with a pattern, frees the filler (room for the
 * migration's destinations) and allocates the whole area through CMA's
 * debugfs (/sys/kernel/debug/cma/AREA/alloc), from this process.  Then
 * checks that no page of the buffer is left in the area and every byte
 * survived, and frees the area again.
 *
 * Usage: contig_alloc -a AREA -n NODE [-s FOLIO] [-t TOTAL]   exit 0 pass, 1 fail
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 0xc0471609ULL
#define CMA_DEBUGFS "/sys/kernel/debug/cma"

/* The number in the area's debugfs file @name, or 0 if it cannot be read. */
static unsigned long area_value(const char *area, const char *name)
{
	unsigned long value = 0;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), CMA_DEBUGFS "/%s/%s", area, name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lu", &value) != 1) {
		printf("# cannot read %s\n", path);
		value = 0;
	}
	if (f)
		fclose(f);
	return value;
}

/* 0, or -1 if writing @pages to the area's debugfs file @name failed. */
static int area_write(const char *area, const char *name, unsigned long pages)
{
	char path[256], value[32];

	snprintf(path, sizeof(path), CMA_DEBUGFS "/%s/%s", area, name);
	snprintf(value, sizeof(value), "%lu", pages);
	if (write_file(path, value)) {
		printf("# writing %s to %s failed: %s\n", value, path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The free pages of @node's zones (/proc/zoneinfo) outside CMA areas, and
 * in them into @cma.  Returns -1 if zoneinfo could not be read.
 */
static long node_free_outside_cma(int node, long *cma)
{
	long free = 0, n, this_node = 0;
	char line[256];
	int nid;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	*cma = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &nid) == 1)
			this_node = nid == node;
		else if (this_node && sscanf(line, " pages free %ld", &n) == 1)
			free += n;
		else if (this_node && sscanf(line, " nr_free_cma %ld", &n) == 1)
			*cma += n;
	}
	fclose(f);
	return free - *cma;
}

/*
 * Fault memory on @node until its free pages outside CMA are no more than
 * those in it.  Returns the filler's length in *@len (0: none needed), or
 * MAP_FAILED.
 */
static void *fill_node(int node, size_t folio, size_t *len)
{
	long cma, outside = node_free_outside_cma(node, &cma);
	size_t i;
	char *p;

	*len = 0;
	if (outside < 0)
		return MAP_FAILED;
	if (outside <= cma)
		return NULL;
	*len = (outside - cma) * PAGE_SZ / folio * folio;
	p = map_on_node(*len, folio, node);
	if (!p)
		return MAP_FAILED;
	for (i = 0; i < *len; i += PAGE_SZ)
		p[i] = 1;
	outside = node_free_outside_cma(node, &cma);
	printf("# filled node %d with %zu MiB: %ld pages free outside CMA, %ld in it\n",
	       node, *len >> 20, outside, cma);
	return p;
}

/* How many of the @n frames of @pfns lie in [@base, @base + @count). */
static size_t frames_in(const uint64_t *pfns, size_t n, unsigned long base, unsigned long count)
{
	size_t i, in = 0;

	for (i = 0; i < n; i++)
		in += pfns[i] >= base && pfns[i] < base + count;
	return in;
}

int main(int argc, char **argv)
{
	size_t total = 96UL << 20, folio = 2UL << 20, npages, held, left = 0, moved = 0;
	size_t filler_len;
	unsigned long base, count;
	uint64_t *before, *after;
	const char *area = NULL;
	int opt, node = -1, rc;
	char *buf, *filler;
	long bad;

	while ((opt = getopt(argc, argv, "a:n:s:t:")) != -1) {
		switch (opt) {
		case 'a':
			area = optarg;
			break;
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
	if (!area || node < 0 || !folio || !total || total % folio) {
		fprintf(stderr, "usage: %s -a AREA -n NODE [-s FOLIO] [-t TOTAL]\n", argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	base = area_value(area, "base_pfn");
	count = area_value(area, "count");
	if (!base || !count || set_folio_size(folio))
		return 1;
	filler = fill_node(node, folio, &filler_len);
	if (filler == MAP_FAILED)
		return 1;
	buf = patterned_on_node(total, folio, node, SEED, &before);
	npages = total / PAGE_SZ;
	after = calloc(npages, sizeof(*after));
	if (!buf || !after)
		return 1;
	held = frames_in(before, npages, base, count);
	printf("# CMA area %s: %lu pages from pfn %#lx, %zu of them hold the buffer\n",
	       area, count, base, held);
	if (held < count / 4)
		return 1;
	if (filler)
		unmap_aligned(filler, filler_len);

	if (area_write(area, "alloc", count))
		return 1;
	rc = page_frames(buf, total, after);
	moved = rc ? 0 : pages_moved(before, after, npages);
	left = frames_in(after, npages, base, count);
	printf("# allocated the area: %zu pages of the buffer moved, %zu left in it\n", moved, left);
	bad = verify_pattern(buf, total, SEED, 0);
	if (bad >= 0)
		printf("# data mismatch at offset %ld\n", bad);
	if (area_write(area, "free", count))
		rc = 1;
	return rc || left || bad >= 0;
}
