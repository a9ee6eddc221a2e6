// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_integrity - move a buffer of a given folio size between two NUMA
 * nodes with move_pages() and check that every base page landed on the target
 * node and that every byte survived, optionally while a writer thread keeps
 * storing to the buffer (no write may be lost).
 *
 * Usage: migrate_integrity -s FOLIO_SIZE [-t TOTAL] [-r ROUNDS] [-w] [-m] [-S] [-l] [-P] [-K] [-V] [-A]
 *                           [-E] [-H NODE] [-F NODE] [-N NICE]
 *   -w: a writer thread stores to every page during migration, and checks
 *       before each store that the page still holds its previous one
 *   -m: migrate with mbind(MPOL_MF_MOVE) instead of move_pages()
 *   -S: shmem folios (a shared anonymous mapping) instead of anonymous ones
 *   -l: mlock the buffer before migrating it
 *   -P: page the buffer out to swap first (swap must be on) and read it
 *       back while a forked child shares the swap entries, so the pages
 *       come back through the swap cache and stay in it: the first round
 *       migrates swap-cache folios (later rounds' writes take them out)
 *   -K: fill the buffer so that every page has a twin, let KSM merge them
 *       (ksmd must run; it is paused while they move) and move with
 *       MPOL_MF_MOVE_ALL: the first round migrates KSM pages (later rounds'
 *       writes unmerge them)
 *   -V: first, with every PIN_STRIDE'th page held by a pipe (vmsplice()
 *       takes a reference to each), move the whole buffer: every held
 *       page must stay on the home node and every other one must move,
 *       every byte intact; the pipe's data must then read as the pattern
 *   -A: after every move, the kernel's accounting must have followed the
 *       buffer: the memory.numa_stat of the task's memory cgroup (the task
 *       must be in one) shows at least 90% of it (anon, or shmem with -S)
 *       on the node it moved to, /proc/meminfo's Mlocked still covers at
 *       least half of an mlocked buffer (-l), and /proc/vmstat's
 *       nr_isolated_anon + nr_isolated_file is back below half of its pages
 *       (the margins cover the per-CPU counter drift; a leak or a stat
 *       left behind is the whole buffer)
 *   -E: the moves run with this task's make-it-fail set: the allocations
 *       that fail_page_alloc (debugfs) is set up to fail for such tasks
 *       fail, as destinations of a batch failing part-way through it (the
 *       caller sets it up and checks that failures were injected)
 *   -H, -F: the home node the buffer is faulted on and returns to (default
 *       near_node()) and the far node it moves to (default far_node())
 *   -N: run at nice value NICE (the guest's busybox has no nice applet)
 * The data pattern is seeded anew for every run and every round, so a stale
 * copy left from an earlier round or run cannot pass for the current data.
 * Exit status follows kselftest: 0 pass, 1 fail, 4 skip.
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4
#define RETRIES		20
/* Every byte but the writer's slots holds this round's pattern. */
static int check_pattern(const char *buf, size_t len, uint64_t seed, const struct writer *w)
{
	long bad = verify_pattern(buf, len, seed, w ? WRITER_SLOT_STRIDE : 0);

	if (bad >= 0)
		printf("# data mismatch at page %ld offset %ld\n", bad / (long)PAGE_SZ,
		       bad % (long)PAGE_SZ);
	return bad >= 0 || (w && writer_check(w)) ? -1 : 0;
}

/* ... and, once the writer has stopped, its slots hold the values last stored. */
static int check_content(const char *buf, size_t len, uint64_t seed, const struct writer *w)
{
	return check_pattern(buf, len, seed, w) || (w && writer_check_slots(w)) ? -1 : 0;
}

/* A seed of this run: differs between runs and, by @round, between rounds. */
static uint64_t round_seed(uint64_t run_seed, int round)
{
	return run_seed + (uint64_t)round * 0x9E3779B97F4A7C15ULL;
}

static int use_mbind;

/*
 * Move [buf, buf+len) to @node naming one address per @step, and check
 * that it is all there.  Every named page the kernel reported placed must
 * be on @node.  A folio can be split during the move (the source of a large
 * folio whose migration failed is left queued as partially mapped, and its
 * next try splits it): the pieces that did not move with its first page
 * were never named, so the move names every page once more; the checks
 * after it cover every page.
 */
static int move_and_check(char *buf, size_t len, size_t step, int node)
{
	int err = 0;
	long left, off;

	if (use_mbind)
		left = mbind_range(buf, len, node, RETRIES);
	else
		left = move_range(buf, len, step, node, RETRIES, &err);

	if (left) {
		printf("# move to node %d: %ld addresses not placed (error %d)\n", node, left, err);
		return -1;
	}
	off = use_mbind ? 0 : named_pages_off_node(buf, len, step, node);
	if (off) {
		printf("# %ld addresses reported placed on node %d are not there\n", off, node);
		explain_off_node(buf, len, node);
		return -1;
	}
	off = pages_off_node(buf, len, node);
	if (off > 0 && !use_mbind && step > PAGE_SZ &&
	    count_folios(buf, len, step) < (long)(len / step)) {
		printf("# %ld pages off node %d in folios split during the move: naming every page\n",
		       off, node);
		return move_and_check(buf, len, PAGE_SZ, node);
	}
	if (off) {
		printf("# %ld pages not on node %d after move\n", off, node);
		explain_off_node(buf, len, node);
		return -1;
	}
	return 0;
}

/*
 * The step that names each folio once, while the folios are whole.  The
 * kernel (6.12 and 7.3) requeues a migrated PTE-mapped large folio on the
 * deferred split queue as partially mapped (its source was, while its PTEs
 * were being replaced), and the next migration splits it: from then on
 * every base page has to be named.
 */
static size_t out_step(char *buf, size_t len, size_t folio)
{
	char name[16];

	if (folio == PAGE_SZ || count_folios(buf, len, folio) == (long)(len / folio))
		return folio;
	printf("# %s folios split by an earlier migration: naming every page\n",
	       size_name(folio, name, sizeof(name)));
	return PAGE_SZ;
}

/*
 * Page @buf out and read it back through the swap cache.  A read fault on
 * a swap entry of a synchronous device (zram) skips the swap cache unless
 * the entry is shared, so a child forked after the page-out holds a second
 * reference to every entry until @child_pipe closes.  The pages read back
 * must hold the pattern, and at least half of them must be in the swap
 * cache (all are, here): the moves that follow are then moves of pages in
 * the swap cache, not of a few strays.
 */
static int swap_in_through_cache(char *buf, size_t len, uint64_t seed, int *child_pipe,
				 pid_t *child)
{
	long cached;
	char c;

	if (madvise(buf, len, MADV_PAGEOUT)) {
		perror("# madvise(MADV_PAGEOUT)");
		return -1;
	}
	if (pipe(child_pipe))
		return -1;
	*child = fork();
	if (*child < 0)
		return -1;
	if (!*child) {
		close(child_pipe[1]);
		_exit(read(child_pipe[0], &c, 1) < 0);
	}
	close(child_pipe[0]);
	if (check_pattern(buf, len, seed, NULL))
		return -1;
	cached = count_kpageflag(buf, len, KPF_SWAPCACHE);
	printf("# %ld of %zu pages in the swap cache after reading them back\n",
	       cached, len / PAGE_SZ);
	if (cached < (long)(len / PAGE_SZ) / 2) {
		printf("# fewer than half the pages came back through the swap cache (is swap on?)\n");
		return -1;
	}
	return 0;
}

#define KSM_PERIOD	2		/* page i holds what page i % KSM_PERIOD holds */
#define KSM_WAIT_S	30

/* This run's KSM content: pairs of identical pages, every pair alike. */
static void fill_twins(char *buf, size_t len, uint64_t seed)
{
	size_t i;

	fill_pattern(buf, KSM_PERIOD * PAGE_SZ, seed, 0);
	for (i = KSM_PERIOD * PAGE_SZ; i < len; i += PAGE_SZ)
		memcpy(buf + i, buf + i % (KSM_PERIOD * PAGE_SZ), PAGE_SZ);
}

static int check_twins(const char *buf, size_t len, uint64_t seed)
{
	size_t i;

	if (check_pattern(buf, KSM_PERIOD * PAGE_SZ, seed, NULL))
		return -1;
	for (i = KSM_PERIOD * PAGE_SZ; i < len; i += PAGE_SZ) {
		if (memcmp(buf + i, buf + i % (KSM_PERIOD * PAGE_SZ), PAGE_SZ)) {
			printf("# data mismatch in page %zu\n", i / PAGE_SZ);
			return -1;
		}
	}
	return 0;
}

/* Let KSM merge the twins of @buf: most pages must end up KSM pages. */
static int merge_twins(char *buf, size_t len)
{
	long merged = 0;
	int s;

	if (madvise(buf, len, MADV_MERGEABLE)) {
		perror("# madvise(MADV_MERGEABLE)");
		return -1;
	}
	for (s = 0; s < KSM_WAIT_S * 10; s++) {
		merged = count_kpageflag(buf, len, KPF_KSM);
		if (merged >= (long)(len / PAGE_SZ) / 2)
			break;
		usleep(100000);
	}
	printf("# %ld of %zu pages merged by KSM\n", merged, len / PAGE_SZ);
	return merged >= (long)(len / PAGE_SZ) / 2 ? 0 : -1;
}

/* Move the KSM pages of @buf to @node: their frames must change. */
static int move_twins_to(char *buf, size_t len, uint64_t seed, int node)
{
	uint64_t before[KSM_PERIOD], after[KSM_PERIOD];

	if (page_frames(buf, sizeof(before) / 8 * PAGE_SZ, before) ||
	    move_and_check(buf, len, PAGE_SZ, node) ||
	    page_frames(buf, sizeof(after) / 8 * PAGE_SZ, after))
		return -1;
	printf("# KSM pages' frames %#llx, %#llx -> %#llx, %#llx (node %d)\n",
	       (unsigned long long)before[0], (unsigned long long)before[1],
	       (unsigned long long)after[0], (unsigned long long)after[1], node);
	if (!before[0] || before[0] == after[0] || before[1] == after[1]) {
		printf("# the KSM pages did not move\n");
		return -1;
	}
	return check_twins(buf, len, seed);
}

#define KSM_RUN		"/sys/kernel/mm/ksm/run"

/*
 * One KSM round trip: the KSM pages move out and back, every byte checked.
 * ksmd is paused during the moves (run 0 keeps merged pages merged): every
 * 20 ms it walks the buffer's 1024 mappings of only two KSM pages, taking a
 * reference on one of them at each step, and a move that keeps finding such
 * a reference gives up after its retries (as designed, the page stays where
 * it is; a debug kernel failed this test that way once).
 */
static int move_twins(char *buf, size_t len, uint64_t seed, int home, int far)
{
	int err;

	move_pages_flags = MPOL_MF_MOVE_ALL;	/* KSM pages are mapped many times */
	fill_twins(buf, len, seed);
	if (merge_twins(buf, len))
		return -1;
	if (write_file(KSM_RUN, "0")) {
		perror("# pausing ksmd");
		return -1;
	}
	err = move_twins_to(buf, len, seed, far) || move_twins_to(buf, len, seed, home) ||
	      count_kpageflag(buf, len, KPF_KSM) <= 0;
	if (write_file(KSM_RUN, "1")) {
		perror("# restarting ksmd");
		return -1;
	}
	return err;
}

#define PIN_STRIDE	8

/* Hand every PIN_STRIDE'th page of @buf to a pipe: it holds a reference. */
static long pin_in_pipe(char *buf, size_t len, int *p)
{
	long n = 0;
	size_t i;

	if (pipe(p) || fcntl(p[1], F_SETPIPE_SZ, (int)(len / PIN_STRIDE)) < 0) {
		perror("# pipe");
		return -1;
	}
	for (i = 0; i < len; i += PIN_STRIDE * PAGE_SZ, n++) {
		struct iovec iov = { buf + i, PAGE_SZ };

		if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)PAGE_SZ) {
			perror("# vmsplice");
			return -1;
		}
	}
	return n;
}

/*
 * A batch with held pages in it: those stay behind on @home, the others
 * move to @far, and nothing changes anywhere.  Then the pipe gives back
 * the held pages' data.
 */
static int move_with_held_pages(char *buf, size_t len, uint64_t seed, int home, int far)
{
	long held, left, wrong = 0;
	char page[PAGE_SZ];
	int p[2], err;
	size_t i;

	held = pin_in_pipe(buf, len, p);
	if (held < 0)
		return -1;
	left = move_range(buf, len, PAGE_SZ, far, 2, &err);
	for (i = 0; i < len; i += PAGE_SZ)
		wrong += pages_off_node(buf + i, PAGE_SZ,
					(i / PAGE_SZ) % PIN_STRIDE ? far : home) != 0;
	printf("# %ld pages held by a pipe, %ld not placed, %ld on the wrong node\n",
	       held, left, wrong);
	if (wrong || left < held || check_pattern(buf, len, seed, NULL))
		return -1;
	for (i = 0; i < len; i += PIN_STRIDE * PAGE_SZ) {
		if (read(p[0], page, PAGE_SZ) != (ssize_t)PAGE_SZ ||
		    memcmp(page, buf + i, PAGE_SZ)) {
			printf("# the pipe's copy of page %zu differs\n", i / PAGE_SZ);
			return -1;
		}
	}
	close(p[0]);
	close(p[1]);
	return 0;
}

/*
 * The value of the line of @path that starts with @key, or -1.  With
 * @node >= 0 the line is "KEY ... N<node>=VALUE ..." (memory.numa_stat),
 * else "KEY VALUE" (/proc/meminfo, /proc/vmstat).
 */
static long long stat_line(const char *path, const char *key, int node)
{
	char line[4096], field[32];
	long long v = -1;
	const char *at;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	snprintf(field, sizeof(field), " N%d=", node);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)) || line[strlen(key)] != ' ')
			continue;
		if (node < 0)
			v = strtoll(line + strlen(key), NULL, 10);
		else if ((at = strstr(line, field)))
			v = strtoll(at + strlen(field), NULL, 10);
		break;
	}
	fclose(f);
	return v;
}

/* This task's cgroup v2 directory's file @file, into @path. */
static int own_cgroup_file(char *path, size_t size, const char *file)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(path, size, "/sys/fs/cgroup%s/%s", line + 3, file);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* -A: the kernel's accounting after a move of the @total byte buffer to @node. */
static int accounting_followed(size_t total, int node, int shared, int locked)
{
	long long on_node, mlocked, isolated;
	char numa_stat[600];

	if (own_cgroup_file(numa_stat, sizeof(numa_stat), "memory.numa_stat")) {
		printf("# no cgroup v2 for this task\n");
		return -1;
	}
	on_node = stat_line(numa_stat, shared ? "shmem" : "anon", node);
	mlocked = stat_line("/proc/meminfo", "Mlocked:", -1) * 1024;
	isolated = stat_line("/proc/vmstat", "nr_isolated_anon", -1) +
		   stat_line("/proc/vmstat", "nr_isolated_file", -1);
	printf("# accounting after the move to node %d: %s there %lld of %zu bytes, Mlocked %lld bytes, %lld pages isolated\n",
	       node, shared ? "shmem" : "anon", on_node, total, mlocked, isolated);
	if (on_node < 0) {
		printf("# %s has no per-node %s line (not in a memory cgroup?)\n", numa_stat,
		       shared ? "shmem" : "anon");
		return -1;
	}
	return on_node < (long long)(total / 10 * 9) ||
	       (locked && mlocked < (long long)(total / 2)) ||
	       isolated < 0 || isolated >= (long long)(total / PAGE_SZ / 2) ? -1 : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s -s FOLIO_SIZE [-t TOTAL] [-r ROUNDS] [-w] [-m] [-S] [-l] [-P] [-K] [-V] [-A] [-E] [-H NODE] [-F NODE] [-N NICE]\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	size_t folio = 0, total = 16UL << 20;
	int rounds = 2, with_writer = 0, shared = 0, locked = 0, swapped = 0, ksm = 0, held = 0;
	int accounting = 0, fail_allocs = 0;
	int home = near_node(), far = far_node();
	int opt, r;
	int child_pipe[2] = { -1, -1 }, ret = KSFT_FAIL;
	pid_t child = -1;
	uint64_t run_seed = now_ns() ^ ((uint64_t)getpid() << 40), seed;
	struct writer w = { 0 }, *wp;
	char name[16];
	long folios;
	char *buf;

	while ((opt = getopt(argc, argv, "s:t:r:wmSlPKVAEH:F:N:")) != -1) {
		switch (opt) {
		case 's': folio = parse_size(optarg); break;
		case 't': total = parse_size(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'w': with_writer = 1; break;
		case 'm': use_mbind = 1; break;
		case 'S': shared = 1; break;
		case 'l': locked = 1; break;
		case 'P': swapped = 1; break;
		case 'K': ksm = 1; break;
		case 'V': held = 1; break;
		case 'A': accounting = 1; break;
		case 'E': fail_allocs = 1; break;
		case 'H': home = atoi(optarg); break;
		case 'F': far = atoi(optarg); break;
		case 'N':
			if (setpriority(PRIO_PROCESS, 0, atoi(optarg))) {
				perror("# setpriority");
				return 1;
			}
			break;
		default: usage(argv[0]);
		}
	}
	if (!folio || folio % PAGE_SZ || !total || total % folio || rounds < 1 ||
	    ((swapped || ksm || held) && (with_writer || shared || locked || folio != PAGE_SZ)) ||
	    home < 0 || far < 0 || home == far)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (set_folio_size(folio)) {
		printf("# folio size %s not offered by this kernel\n",
		       size_name(folio, name, sizeof(name)));
		return KSFT_SKIP;
	}
	buf = map_on_node_shared(total, folio, home, shared);
	if (!buf) {
		perror("# map_on_node");
		return KSFT_FAIL;
	}
	wp = with_writer ? &w : NULL;
	seed = round_seed(run_seed, 0);
	fill_pattern(buf, total, seed, 0);
	if (locked && mlock(buf, total)) {
		perror("# mlock");
		goto out;
	}
	folios = count_folios(buf, total, folio);
	printf("# %s %s%s folios: %ld of %zu, seed %#llx, between node %d and node %d\n",
	       size_name(folio, name, sizeof(name)), locked ? "mlocked " : "",
	       shared ? "shmem" : "anonymous", folios, total / folio,
	       (unsigned long long)run_seed, home, far);
	if (folios != (long)(total / folio))
		goto out;
	if (pages_off_node(buf, total, home)) {
		printf("# buffer not faulted on node %d\n", home);
		goto out;
	}
	/* Pages that escaped the page-out are shared with the child. */
	if (swapped)
		move_pages_flags = MPOL_MF_MOVE_ALL;
	if (swapped && swap_in_through_cache(buf, total, seed, child_pipe, &child))
		goto out;
	if (held && move_with_held_pages(buf, total, seed, home, far))
		goto out;
	if (ksm) {
		if (move_twins(buf, total, seed, home, far)) {
			printf("# KSM pages did not survive a round trip\n");
			goto out;
		}
		/*
		 * The rounds below are plain moves: take the buffer away from
		 * ksmd (which would otherwise keep scanning it and hold pages
		 * that a move then finds busy) and rewrite every page.
		 */
		if (madvise(buf, total, MADV_UNMERGEABLE)) {
			perror("# madvise(MADV_UNMERGEABLE)");
			goto out;
		}
		move_pages_flags = MPOL_MF_MOVE;
		fill_pattern(buf, total, seed, 0);
	}

	/* Let the writer claim every slot before the first move. */
	if (with_writer && writer_start(&w, buf, total, run_seed))
		goto out;
	/*
	 * Check after every move: a corruption may cancel out on the way back.
	 * Out naming each folio once (batches of many folios), back naming
	 * every base page (one large folio per batch): both batch shapes.
	 * Each round writes its own pattern first.
	 */
	if (fail_allocs && write_file("/proc/self/make-it-fail", "1")) {
		perror("# make-it-fail");
		goto out;
	}
	for (r = 0; r < rounds; r++) {
		seed = round_seed(run_seed, r);
		if (r)
			fill_pattern(buf, total, seed, wp ? WRITER_SLOT_STRIDE : 0);
		if (move_and_check(buf, total, out_step(buf, total, folio), far) ||
		    check_pattern(buf, total, seed, wp) ||
		    (accounting && accounting_followed(total, far, shared, locked)) ||
		    move_and_check(buf, total, PAGE_SZ, home) ||
		    check_pattern(buf, total, seed, wp) ||
		    (accounting && accounting_followed(total, home, shared, locked)))
			break;
	}
	if (fail_allocs && write_file("/proc/self/make-it-fail", "0")) {
		perror("# make-it-fail");
		r = -1;
	}
	writer_stop(&w);
	if (r == rounds && !check_content(buf, total, seed, wp))
		ret = KSFT_PASS;
out:
	if (child > 0) {
		close(child_pipe[1]);
		waitpid(child, NULL, 0);
	}
	unmap_aligned(buf, total);
	free(w.last);
	return ret;
}
