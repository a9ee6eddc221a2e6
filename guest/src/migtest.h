/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest integrity test and the benchmark: folio-size
 * control through the mTHP sysfs knobs, node-bound buffers, move_pages() with
 * bounded retries of transient errors, and checks of placement, folio size and
 * content.
 */
#ifndef MIGTEST_H
#define MIGTEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SZ 4096UL

/* Parse "4K", "2M", "256M", "1G" or a plain byte count; 0 on error. */
size_t parse_size(const char *s);
/* "4K", "16K", "2M" for printing. */
const char *size_name(size_t bytes, char *buf, size_t len);

/*
 * Make new anonymous and shmem faults use folios of @folio_size (4K: no
 * large folios).
 * Returns 0, or -1 if this size is not offered by the kernel.
 */
/* Write @val to the file at @path (a sysfs knob): 0 or -1. */
int write_file(const char *path, const char *val);

int set_folio_size(size_t folio_size);

/*
 * The two nodes the tests move between: buffers are faulted on the near
 * node and moved to the far one.  MIGTEST_NODES="NEAR,FAR" names them (the
 * plan sets it from migoff.nodes, which native mode finds on the machine);
 * without it they are nodes 0 and 1, as in the VM.  A malformed value ends
 * the program with a message.
 */
int near_node(void);
int far_node(void);

/* Anonymous mapping of @len bytes aligned to @align, bound to @node, not faulted. */
void *map_on_node(size_t len, size_t align, int node);
/* The same, MAP_SHARED when @shared: shmem folios instead of anonymous ones. */
void *map_on_node_shared(size_t len, size_t align, int node, bool shared);
void unmap_aligned(void *p, size_t len);

/* The pattern's 64-bit word at word index @i of a buffer. */
static inline uint64_t pattern_word(size_t i, uint64_t seed)
{
	uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	return x ^ (x >> 29);
}

/*
 * Fill / verify the pattern of @len bytes, skipping every word at a multiple
 * of a non-zero @skip_word_stride; verify returns the first bad offset or -1.
 */
void fill_pattern(void *buf, size_t len, uint64_t seed, size_t skip_word_stride);
long verify_pattern(const void *buf, size_t len, uint64_t seed, size_t skip_word_stride);

/*
 * Move @buf to @node with move_pages(), naming one address every @step bytes,
 * retrying addresses whose status is a transient error (-EBUSY, -EAGAIN) up
 * to @retries times.  Returns the number of addresses not placed; *@hard_err
 * gets the first non-transient error, if any.
 *
 * @step decides how the kernel batches: move_pages() hands its list to
 * migrate_pages() whenever an address fails to isolate, and every tail page
 * of a folio already isolated does, so @step = PAGE_SZ over large folios
 * migrates one folio per batch; @step = folio size migrates up to 2 MiB of
 * folios per batch (what a tiering daemon naming each folio once does).
 */
long move_range(void *buf, size_t len, size_t step, int node, int retries, int *hard_err);

/*
 * Move @buf to @node by rebinding it with mbind(MPOL_MF_MOVE), up to
 * @retries more times while pages are left behind.  Returns the pages left.
 */
long mbind_range(void *buf, size_t len, int node, int retries);

/* Number of base pages of @buf that are not on @node (queried via move_pages). */
long pages_off_node(void *buf, size_t len, int node);
/* The same for the first page of every @step of @buf: the pages a move named. */
long named_pages_off_node(void *buf, size_t len, size_t step, int node);
/* Print where the pages off @node are (a failed check's diagnostics). */
void explain_off_node(void *buf, size_t len, int node);
/* Number of base pages of @buf that are on @node; -1 on error. */
long pages_on_node(void *buf, size_t len, int node);
/* Run the calling thread on the CPUs of @node only (its allocations are then local). */
int run_on_node(int node);

/*
 * Count the folios of exactly @folio_size backing @buf (pagemap + kpageflags).
 * Returns the number of naturally aligned @folio_size chunks that are one
 * folio each, or -1 if the page tables could not be read.
 */
long count_folios(void *buf, size_t len, size_t folio_size);

/*
 * The page frame number of each base page of @buf into @pfns (0 where none
 * is present).  Returns 0, or -1 if the page tables could not be read.
 */
int page_frames(void *buf, size_t len, uint64_t *pfns);
/*
 * A buffer of @len bytes of @folio-sized folios on @node, filled with the
 * pattern of @seed, and the frame of each of its 4K pages (in a new array,
 * *frames); NULL on failure.  The programs that make the kernel move such a
 * buffer (offlining, a contiguous allocation) compare the frames after.
 */
char *patterned_on_node(size_t len, size_t folio, int node, uint64_t seed, uint64_t **frames);
/* How many of the @n pages have another frame in @after than in @before. */
size_t pages_moved(const uint64_t *before, const uint64_t *after, size_t n);

#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)

/* move_range()'s move_pages() flags: MPOL_MF_MOVE (default) or MPOL_MF_MOVE_ALL. */
extern int move_pages_flags;

/* The present pages of [buf, buf+len) whose /proc/kpageflags has bit @flag. */
#define KPF_SWAPCACHE	14
#define KPF_KSM		21
long count_kpageflag(void *buf, size_t len, int flag);

uint64_t now_ns(void);

/*
 * A verifying writer: a thread that stores an increasing sequence to word 0
 * of every page of a buffer, over and over, and reads each word back before
 * it stores: it must still hold what the thread stored there last (before
 * its first store, what the buffer held).  A store that a migration lost
 * shows as the old value of that page.  The rest of each page is left
 * alone: verify it with a skip stride of WRITER_SLOT_STRIDE.  A writer that
 * rests between its sweeps leaves the pages cold enough for reclaim to
 * demote them, and still stores to each while reclaim is at work.
 */
#define WRITER_SLOT_STRIDE	(PAGE_SZ / 8)

struct writer {
	uint64_t *buf;
	unsigned long npages;
	uint64_t *last;		/* the value each page's slot must hold */
	uint64_t seq;		/* the first value stored */
	unsigned int pause_us;	/* set before writer_start(): rest after each sweep */
	atomic_bool claimed;	/* every slot has been stored to once */
	atomic_bool stop;
	atomic_bool lost;	/* a read-back mismatched: see bad_* */
	unsigned long bad_page;
	uint64_t bad_got;
	unsigned long stores;
	pthread_t thread;
};

/*
 * Start @w on the @len bytes of @buf, storing from @seq on, and return once
 * it has stored to every page.  Returns 0, or -1 if it could not start.
 */
int writer_start(struct writer *w, void *buf, size_t len, uint64_t seq);
/* Stop @w (if started) and say how many values it stored. */
void writer_stop(struct writer *w);
/* 0, or -1 (saying which) if @w, started or not, saw a store of its lost. */
int writer_check(const struct writer *w);
/* 0, or -1 if a slot of stopped @w does not hold the value last stored there. */
int writer_check_slots(const struct writer *w);

#endif
