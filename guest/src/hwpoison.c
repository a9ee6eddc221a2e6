// SPDX-License-Identifier: GPL-2.0
/*
 * hwpoison - move a buffer with poisoned pages in it, and check that its
 * other pages move with every byte intact.
 *
 * Faults NPAGES base pages on the near node (see near_node()) and fills them with a pattern seeded
 * per run, poisons every STRIDE'th page with madvise(MADV_HWPOISON) (memory
 * failure takes the page away: the address now holds a hwpoison entry, and
 * the caller gets a SIGBUS, which it catches),
 * then moves the whole buffer to the far node and back with one move_pages() call
 * each.  The poisoned addresses must report -ENOENT (no page to move), every
 * other page must reach the target node, and every byte of the other pages
 * must survive both moves.  A poisoned page is never read.
 *
 * Usage: hwpoison [-n NPAGES] [-p STRIDE]    exit 0 pass, 1 fail (kselftest)
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static size_t npages = 256, stride = 32;
static volatile sig_atomic_t sigbus_seen;

/* MADV_HWPOISON signals the caller that maps the page (action required). */
static void on_sigbus(int sig)
{
	(void)sig;
	sigbus_seen++;
}

static int poisoned(size_t page)
{
	return page % stride == stride / 2;
}

/* Move every page of @buf to @node in one call; check each page's status. */
static int move_all(char *buf, int node)
{
	void **pages = calloc(npages, sizeof(*pages));
	int *nodes = calloc(npages, sizeof(*nodes));
	int *status = calloc(npages, sizeof(*status));
	long rc, wrong = 0;
	size_t i;

	if (!pages || !nodes || !status)
		return -1;
	for (i = 0; i < npages; i++) {
		pages[i] = buf + i * PAGE_SZ;
		nodes[i] = node;
	}
	rc = syscall(SYS_move_pages, 0, npages, pages, nodes, status, MPOL_MF_MOVE);
	for (i = 0; i < npages; i++) {
		int want = poisoned(i) ? -ENOENT : node;

		if (status[i] != want) {
			if (!wrong)
				printf("# page %zu: status %d, expected %d\n", i, status[i], want);
			wrong++;
		}
	}
	printf("# move_pages to node %d: returned %ld, %ld pages with a wrong status\n",
	       node, rc, wrong);
	free(pages);
	free(nodes);
	free(status);
	return rc == 0 && !wrong ? 0 : -1;
}

/* Every word of every page that was not poisoned holds its pattern. */
static int check_unpoisoned(const char *buf, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)buf;
	size_t words = PAGE_SZ / sizeof(*w), i, j;

	for (i = 0; i < npages; i++) {
		if (poisoned(i))
			continue;
		for (j = i * words; j < (i + 1) * words; j++) {
			if (w[j] != pattern_word(j, seed)) {
				printf("# data mismatch at page %zu offset %zu\n", i,
				       (j - i * words) * sizeof(*w));
				return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = now_ns();
	size_t i, len;
	char *buf;
	int opt;

	while ((opt = getopt(argc, argv, "n:p:")) != -1) {
		if (opt == 'n')
			npages = strtoul(optarg, NULL, 0);
		else if (opt == 'p')
			stride = strtoul(optarg, NULL, 0);
		else
			npages = 0;
	}
	if (!npages || stride < 2) {
		fprintf(stderr, "usage: %s [-n NPAGES] [-p STRIDE >= 2]\n", argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_folio_size(PAGE_SZ);
	len = npages * PAGE_SZ;
	buf = map_on_node(len, PAGE_SZ, near_node());
	if (!buf)
		return 1;
	fill_pattern(buf, len, seed, 0);
	if (signal(SIGBUS, on_sigbus) == SIG_ERR)
		return 1;
	for (i = 0; i < npages; i++) {
		if (poisoned(i) && madvise(buf + i * PAGE_SZ, PAGE_SZ, MADV_HWPOISON)) {
			perror("# madvise(MADV_HWPOISON)");
			return 1;
		}
	}
	printf("# %zu pages, every %zu'th poisoned (%d SIGBUS), seed %#llx\n", npages,
	       stride, (int)sigbus_seen, (unsigned long long)seed);
	if (move_all(buf, far_node()) || check_unpoisoned(buf, seed) ||
	    move_all(buf, near_node()) || check_unpoisoned(buf, seed))
		return 1;
	return 0;
}
