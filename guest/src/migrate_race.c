// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_race - move a buffer back and forth between two NUMA nodes while
 * another thread races with the migrations on the same folios, then check
 * every byte.
 *
 * Usage: migrate_race -k KIND -s FOLIO_SIZE [-t TOTAL] [-d SECONDS]
 *   fork      forks children in a loop; each child checks every page's
 *             first word against the pattern (copying migration entries
 *             into the child, and the child's references, race the move)
 *   mprotect  flips the whole buffer between read-only and read-write
 *   dontneed  MADV_DONTNEED on each folio of the second half in turn,
 *             then refaults it with the pattern
 *   munmap    unmaps and remaps each folio of the second half in turn,
 *             then refaults it with the pattern
 *   split     as dontneed, but only the first half of each folio: the
 *             large folio is left partly mapped and the next migration
 *             (or the deferred split) splits it; the main thread names
 *             every base page, and the kernel's thp_split_page count must
 *             rise
 * The main thread moves the whole buffer (MPOL_MF_MOVE_ALL: forked
 * children map the pages too) and after every move checks every byte of
 * the part no racer rewrites (all of it for fork and mprotect, the first
 * half otherwise); at the end, with the racer stopped, every byte of the
 * whole buffer.  Some folios must have moved.  The pattern is seeded per
 * run.  Exit status follows kselftest: 0 pass, 1 fail, 4 skip.
 */
#define _GNU_SOURCE
#include "migtest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

enum kind { FORK, MPROTECT, DONTNEED, MUNMAP, SPLIT };
static const char *const kind_names[] = { "fork", "mprotect", "dontneed", "munmap", "split" };

struct race {
	enum kind kind;
	char *buf;
	size_t len, folio;
	uint64_t seed;
	atomic_bool stop;
	atomic_bool failed;	/* a child saw wrong data, or a racer call failed */
	unsigned long rounds;
};

/* The half a racer rewrites (dontneed, munmap, split), or nothing. */
static size_t churn_start(const struct race *r)
{
	return r->kind >= DONTNEED ? r->len / 2 : r->len;
}

/* What the racer throws away and refaults of each folio. */
static size_t churn_len(const struct race *r)
{
	return r->kind == SPLIT ? r->folio / 2 : r->folio;
}

/* The step between the addresses the main thread names. */
static size_t move_step(const struct race *r)
{
	return r->kind == SPLIT ? PAGE_SZ : r->folio;
}

/* A /proc/vmstat counter. */
static unsigned long long vmstat(const char *name)
{
	unsigned long long v = 0, x;
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];

	while (f && fscanf(f, "%63s %llu", key, &x) == 2)
		if (!strcmp(key, name))
			v = x;
	if (f)
		fclose(f);
	return v;
}

static void fail(struct race *r, const char *what)
{
	printf("# racer: %s: %s\n", what, strerror(errno));
	atomic_store(&r->failed, true);
}

/* A child's check: the first word of every page holds the pattern. */
static int child_check(const struct race *r)
{
	const uint64_t *w = (const uint64_t *)r->buf;
	size_t i;

	for (i = 0; i < r->len / 8; i += PAGE_SZ / 8)
		if (w[i] != pattern_word(i, r->seed))
			return 1;
	return 0;
}

static void race_fork(struct race *r)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail(r, "fork");
	if (!pid)
		_exit(child_check(r));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("# a forked child saw data that is not the pattern\n");
		atomic_store(&r->failed, true);
	}
}

static void race_mprotect(struct race *r)
{
	if (mprotect(r->buf, r->len, PROT_READ) ||
	    mprotect(r->buf, r->len, PROT_READ | PROT_WRITE))
		fail(r, "mprotect");
}

/* Throw away the piece at @off of the churn half and fault it in again. */
static void race_refault(struct race *r, size_t off)
{
	size_t len = churn_len(r);
	char *p = r->buf + off;

	if (r->kind == MUNMAP) {
		if (munmap(p, len))
			return fail(r, "munmap");
		if (mmap(p, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
			return fail(r, "mmap(MAP_FIXED)");
	} else if (madvise(p, len, MADV_DONTNEED)) {
		return fail(r, "madvise(MADV_DONTNEED)");
	}
	/* fill_pattern() of a piece: the words of this offset's pattern. */
	for (size_t i = 0; i < len / 8; i++)
		((uint64_t *)p)[i] = pattern_word(off / 8 + i, r->seed);
}

static void *racer_fn(void *arg)
{
	struct race *r = arg;
	size_t off = churn_start(r);

	while (!atomic_load(&r->stop) && !atomic_load(&r->failed)) {
		switch (r->kind) {
		case FORK:
			race_fork(r);
			break;
		case MPROTECT:
			race_mprotect(r);
			break;
		default:
			race_refault(r, off);
			off += r->folio;
			if (off >= r->len)
				off = churn_start(r);
			break;
		}
		r->rounds++;
	}
	return NULL;
}

/*
 * Move every folio (or base page) of the buffer to @node once.  Folios the racer holds
 * (busy, or unmapped this instant) may stay; the count that moved is
 * returned, or -1 on an error no race explains.
 */
static long move_all(struct race *r, int node)
{
	unsigned long n = r->len / move_step(r), i, moved = 0;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(*nodes));
	int *status = malloc(n * sizeof(*status));
	long ret = -1;

	if (!pages || !nodes || !status)
		goto out;
	for (i = 0; i < n; i++) {
		pages[i] = r->buf + i * move_step(r);
		nodes[i] = node;
		status[i] = -EINPROGRESS;
	}
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE_ALL) < 0) {
		printf("# move_pages: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		int st = status[i];
		bool churn = i * move_step(r) >= churn_start(r);

		if (st == node)
			moved++;
		else if (st != -EBUSY && st != -EAGAIN && st != -EINPROGRESS &&
			 !(churn && (st == -ENOENT || st == -EFAULT || st >= 0))) {
			printf("# folio %lu: status %d\n", i, st);
			goto out;
		}
	}
	ret = moved;
out:
	free(pages);
	free(nodes);
	free(status);
	return ret;
}

static int check(const struct race *r, size_t len, const char *when)
{
	long bad = verify_pattern(r->buf, len, r->seed, 0);

	if (bad < 0)
		return 0;
	printf("# %s: data mismatch at page %ld offset %ld\n", when,
	       bad / (long)PAGE_SZ, bad % (long)PAGE_SZ);
	return -1;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s -k fork|mprotect|dontneed|munmap|split -s FOLIO_SIZE [-t TOTAL] [-d SECONDS]\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	struct race r = { .len = 8UL << 20 };
	int kind = -1, seconds = 2, opt, node = far_node(), ret = KSFT_FAIL;
	unsigned long moves = 0, moved = 0;
	unsigned long long splits;
	uint64_t deadline;
	pthread_t thread;
	char name[16];
	long m;

	while ((opt = getopt(argc, argv, "k:s:t:d:")) != -1) {
		switch (opt) {
		case 'k':
			for (kind = SPLIT; kind >= 0 && strcmp(optarg, kind_names[kind]); kind--)
				;
			break;
		case 's': r.folio = parse_size(optarg); break;
		case 't': r.len = parse_size(optarg); break;
		case 'd': seconds = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (kind < 0 || !r.folio || r.folio % PAGE_SZ || !r.len ||
	    r.len % (2 * r.folio) || seconds < 1)
		usage(argv[0]);
	r.kind = kind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (set_folio_size(r.folio)) {
		printf("# folio size %s not offered by this kernel\n",
		       size_name(r.folio, name, sizeof(name)));
		return KSFT_SKIP;
	}
	r.buf = map_on_node(r.len, r.folio, near_node());
	if (!r.buf) {
		perror("# map_on_node");
		return KSFT_FAIL;
	}
	r.seed = now_ns() ^ ((uint64_t)getpid() << 40);
	fill_pattern(r.buf, r.len, r.seed, 0);
	printf("# %s against %s folios, seed %#llx\n", kind_names[r.kind],
	       size_name(r.folio, name, sizeof(name)), (unsigned long long)r.seed);
	splits = vmstat("thp_split_page");
	if (pthread_create(&thread, NULL, racer_fn, &r))
		goto out;

	deadline = now_ns() + seconds * 1000000000ULL;
	while (now_ns() < deadline && !atomic_load(&r.failed)) {
		m = move_all(&r, node);
		if (m < 0 || check(&r, churn_start(&r), "after a move"))
			break;
		moves++;
		moved += m;
		node = node == far_node() ? near_node() : far_node();
	}
	atomic_store(&r.stop, true);
	pthread_join(thread, NULL);
	splits = vmstat("thp_split_page") - splits;
	printf("# %lu moves, %lu folios moved, %lu racer rounds, %llu THPs split\n", moves,
	       moved, r.rounds, splits);
	if (now_ns() < deadline || atomic_load(&r.failed))
		goto out;
	if (check(&r, r.len, "at the end"))
		goto out;
	if (r.kind == SPLIT && !splits) {
		printf("# no THP was split: the split was not tested\n");
		goto out;
	}
	if (!moved || !r.rounds) {
		printf("# nothing moved or the racer never ran: no race was tested\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	unmap_aligned(r.buf, r.len);
	return ret;
}
