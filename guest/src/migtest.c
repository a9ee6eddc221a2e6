// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "migtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MPOL_BIND		2

#define THP_SYSFS		"/sys/kernel/mm/transparent_hugepage"
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define PFN_MASK		((1ULL << 55) - 1)
#define PAGE_PRESENT		(1ULL << 63)

size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return 0;
	}
	return *end ? 0 : v;
}

const char *size_name(size_t bytes, char *buf, size_t len)
{
	if (bytes >= (1UL << 20) && !(bytes & ((1UL << 20) - 1)))
		snprintf(buf, len, "%zuM", bytes >> 20);
	else
		snprintf(buf, len, "%zuK", bytes >> 10);
	return buf;
}

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

int set_folio_size(size_t folio_size)
{
	char path[512];
	struct dirent *d;
	int found = folio_size == PAGE_SZ;
	DIR *dir = opendir(THP_SYSFS);

	if (!dir)
		return folio_size == PAGE_SZ ? 0 : -1;
	write_file(THP_SYSFS "/enabled", "always");
	write_file(THP_SYSFS "/defrag", "always");
	while ((d = readdir(dir))) {
		unsigned long kb;
		bool want;

		if (sscanf(d->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		want = kb * 1024 == folio_size;
		snprintf(path, sizeof(path), THP_SYSFS "/%s/shmem_enabled", d->d_name);
		write_file(path, want ? "always" : "never");
		snprintf(path, sizeof(path), THP_SYSFS "/%s/enabled", d->d_name);
		if (write_file(path, want ? "always" : "never") == 0 && want)
			found = 1;
	}
	closedir(dir);
	return found ? 0 : -1;
}

/* Node @which (0: near, 1: far) of MIGTEST_NODES, or @which itself. */
static int test_node(int which)
{
	const char *s = getenv("MIGTEST_NODES");
	int nodes[2], end = 0;

	if (!s)
		return which;
	if (sscanf(s, "%d,%d%n", &nodes[0], &nodes[1], &end) != 2 || s[end] ||
	    nodes[0] < 0 || nodes[1] < 0 || nodes[0] == nodes[1]) {
		fprintf(stderr, "MIGTEST_NODES='%s': expected NEAR,FAR (two different nodes)\n", s);
		exit(1);
	}
	return nodes[which];
}

int near_node(void)
{
	return test_node(0);
}

int far_node(void)
{
	return test_node(1);
}

void *map_on_node(size_t len, size_t align, int node)
{
	return map_on_node_shared(len, align, node, false);
}

void *map_on_node_shared(size_t len, size_t align, int node, bool shared)
{
	unsigned long mask = 1UL << node;
	char *raw, *p;

	raw = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		   (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	/* Keep only [p, p + len) so unmap_aligned() needs nothing else. */
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, align - (p - raw));
	if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask, sizeof(mask) * 8, 0)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

void unmap_aligned(void *p, size_t len)
{
	munmap(p, len);
}

/* A non-zero @skip_word_stride skips every word at a multiple of it (a writer's slots). */
void fill_pattern(void *buf, size_t len, uint64_t seed, size_t skip_word_stride)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		if (!skip_word_stride || i % skip_word_stride)
			w[i] = pattern_word(i, seed);
	}
}

long verify_pattern(const void *buf, size_t len, uint64_t seed, size_t skip_word_stride)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		if (skip_word_stride && i % skip_word_stride == 0)
			continue;
		if (w[i] != pattern_word(i, seed))
			return (long)(i * 8);
	}
	return -1;
}

#define NOT_TRIED	INT_MIN	/* a move_pages() status the kernel never writes */

int move_pages_flags = MPOL_MF_MOVE;

static long move_pages_sys(unsigned long n, void **pages, const int *nodes, int *status)
{
	return syscall(SYS_move_pages, 0, n, pages, nodes, status, move_pages_flags);
}

long move_range(void *buf, size_t len, size_t step, int node, int retries, int *hard_err)
{
	unsigned long n = len / step, todo = n, i, k;
	void **pages = malloc(n * sizeof(*pages));
	unsigned int backoff = 0;
	int *nodes = malloc(n * sizeof(*nodes));
	int *status = malloc(n * sizeof(*status));
	long left = -1;

	*hard_err = 0;
	if (!pages || !nodes || !status)
		goto out;
	for (i = 0; i < n; i++) {
		pages[i] = (char *)buf + i * step;
		nodes[i] = node;
	}
	for (;;) {
		/*
		 * A positive return (folios that did not migrate) stops the
		 * kernel before it writes the rest of the statuses: an entry
		 * still holding NOT_TRIED is tried again.
		 */
		for (i = 0; i < todo; i++)
			status[i] = NOT_TRIED;
		if (move_pages_sys(todo, pages, nodes, status) < 0) {
			*hard_err = -errno;
			goto out;
		}
		/* Keep the pages worth another try at the front of the arrays. */
		for (i = 0, k = 0; i < todo; i++) {
			if (status[i] == node)
				continue;
			if (status[i] == -EBUSY || status[i] == -EAGAIN || status[i] == NOT_TRIED)
				pages[k++] = pages[i];
			else if (!*hard_err)
				*hard_err = status[i];
		}
		todo = k;
		if (!todo || retries-- <= 0)
			break;
		/*
		 * Back off before the next try (1 ms, doubling to 256 ms): what
		 * holds a page may take a while to let go, e.g. a DMA copy a
		 * migrator could not stop keeps its source until it lands.
		 */
		usleep(1000U << (backoff < 8 ? backoff++ : 8));
	}
	left = todo;
	if (*hard_err)
		left = left ? left : 1;
out:
	free(pages);
	free(nodes);
	free(status);
	return left;
}

long mbind_range(void *buf, size_t len, int node, int retries)
{
	unsigned long mask = 1UL << node;
	long left;

	do {
		syscall(SYS_mbind, buf, len, MPOL_BIND, &mask, sizeof(mask) * 8,
			MPOL_MF_MOVE);
		left = pages_off_node(buf, len, node);
	} while (left && retries-- > 0);
	return left;
}

/*
 * The node (or error) of each base page of [buf, buf+len), as move_pages()
 * reports it: a malloc()ed array the caller frees, NULL on failure.
 */
static int *page_nodes(void *buf, size_t len)
{
	unsigned long n = len / PAGE_SZ, i;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));

	if (pages && status) {
		for (i = 0; i < n; i++)
			pages[i] = (char *)buf + i * PAGE_SZ;
		if (move_pages_sys(n, pages, NULL, status) == 0) {
			free(pages);
			return status;
		}
	}
	free(pages);
	free(status);
	return NULL;
}

long pages_off_node(void *buf, size_t len, int node)
{
	unsigned long n = len / PAGE_SZ, i;
	int *status = page_nodes(buf, len);
	long off = 0;

	if (!status)
		return -1;
	for (i = 0; i < n; i++)
		off += status[i] != node;
	free(status);
	return off;
}

long named_pages_off_node(void *buf, size_t len, size_t step, int node)
{
	unsigned long n = len / PAGE_SZ, per = step / PAGE_SZ, i;
	int *status = page_nodes(buf, len);
	long off = 0;

	if (!status)
		return -1;
	for (i = 0; i < n; i += per)
		off += status[i] != node;
	free(status);
	return off;
}

/*
 * Say where the pages of [buf, buf+len) that are not on @node are: the
 * first few with the node (or error) move_pages() reports, and how many
 * pages khugepaged has collapsed since boot (a collapse allocates where
 * khugepaged chooses, behind the test's back).
 */
void explain_off_node(void *buf, size_t len, int node)
{
	unsigned long n = len / PAGE_SZ, i, shown = 0;
	int *status = page_nodes(buf, len);
	char collapsed[32] = "?";
	FILE *f;

	if (!status)
		return;
	for (i = 0; i < n && shown < 8; i++) {
		if (status[i] == node)
			continue;
		printf("# page %lu: node/status %d, not %d\n", i, status[i], node);
		shown++;
	}
	free(status);
	f = fopen("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", "r");
	if (f) {
		if (!fgets(collapsed, sizeof(collapsed), f))
			strcpy(collapsed, "?\n");
		fclose(f);
	}
	printf("# khugepaged pages_collapsed since boot: %s", collapsed);
}

long pages_on_node(void *buf, size_t len, int node)
{
	long off = pages_off_node(buf, len, node);

	return off < 0 ? -1 : (long)(len / PAGE_SZ) - off;
}

int run_on_node(int node)
{
	char path[96], list[256], *p = list;
	cpu_set_t set;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (!f || !fgets(list, sizeof(list), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	CPU_ZERO(&set);
	while (*p && *p != '\n') {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return -1;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (; lo <= hi; lo++)
			CPU_SET(lo, &set);
		p = *end == ',' ? end + 1 : end;
	}
	return CPU_COUNT(&set) ? sched_setaffinity(0, sizeof(set), &set) : -1;
}

static int read_u64(int fd, uint64_t index, uint64_t *val)
{
	return pread(fd, val, 8, index * 8) == 8 ? 0 : -1;
}

long count_folios(void *buf, size_t len, size_t folio_size)
{
	unsigned long per = folio_size / PAGE_SZ, base = (uintptr_t)buf / PAGE_SZ;
	unsigned long nfolios = len / folio_size, f, j;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	long good = -1;

	if (pm < 0 || kf < 0)
		goto out;
	for (f = 0, good = 0; f < nfolios; f++) {
		uint64_t first_pfn = 0;
		bool ok = true;

		for (j = 0; j < per && ok; j++) {
			uint64_t ent, flags, pfn;
			bool head, tail;

			if (read_u64(pm, base + f * per + j, &ent) || !(ent & PAGE_PRESENT)) {
				ok = false;
				break;
			}
			pfn = ent & PFN_MASK;
			if (read_u64(kf, pfn, &flags)) {
				ok = false;
				break;
			}
			head = flags & (1ULL << KPF_COMPOUND_HEAD);
			tail = flags & (1ULL << KPF_COMPOUND_TAIL);
			if (j == 0)
				first_pfn = pfn;
			if (per == 1)
				ok = !head && !tail;
			else if (j == 0)
				ok = head;
			else
				ok = tail && pfn == first_pfn + j;
		}
		good += ok;
	}
out:
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return good;
}

long count_kpageflag(void *buf, size_t len, int flag)
{
	unsigned long base = (uintptr_t)buf / PAGE_SZ, i;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	long n = -1;

	if (pm < 0 || kf < 0)
		goto out;
	for (i = 0, n = 0; i < len / PAGE_SZ; i++) {
		uint64_t ent, flags;

		if (!read_u64(pm, base + i, &ent) && (ent & PAGE_PRESENT) &&
		    !read_u64(kf, ent & PFN_MASK, &flags))
			n += !!(flags & (1ULL << flag));
	}
out:
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return n;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int page_frames(void *buf, size_t len, uint64_t *pfns)
{
	unsigned long base = (uintptr_t)buf / PAGE_SZ, i;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int ret = 0;

	if (pm < 0)
		return -1;
	for (i = 0; i < len / PAGE_SZ && !ret; i++) {
		uint64_t ent = 0;

		ret = read_u64(pm, base + i, &ent);
		pfns[i] = ent & PAGE_PRESENT ? ent & PFN_MASK : 0;
	}
	close(pm);
	return ret;
}

char *patterned_on_node(size_t len, size_t folio, int node, uint64_t seed, uint64_t **frames)
{
	char *buf = map_on_node(len, folio, node);

	if (!buf)
		return NULL;
	fill_pattern(buf, len, seed, 0);
	*frames = calloc(len / PAGE_SZ, sizeof(**frames));
	if (!*frames || page_frames(buf, len, *frames))
		return NULL;
	return buf;
}

size_t pages_moved(const uint64_t *before, const uint64_t *after, size_t n)
{
	size_t i, moved = 0;

	for (i = 0; i < n; i++)
		moved += before[i] != after[i];
	return moved;
}

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t seq = w->seq, got;
	_Atomic uint64_t *slot;
	unsigned long i;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		for (i = 0; i < w->npages; i++) {
			slot = (_Atomic uint64_t *)&w->buf[i * WRITER_SLOT_STRIDE];
			got = atomic_load_explicit(slot, memory_order_relaxed);
			if (got != w->last[i]) {
				w->bad_page = i;
				w->bad_got = got;
				atomic_store(&w->lost, true);
				goto out;
			}
			atomic_store_explicit(slot, ++seq, memory_order_relaxed);
			w->last[i] = seq;
		}
		atomic_store(&w->claimed, true);
		if (w->pause_us)
			usleep(w->pause_us);
	}
out:
	w->stores = seq - w->seq;
	atomic_store(&w->claimed, true);
	return NULL;
}

int writer_start(struct writer *w, void *buf, size_t len, uint64_t seq)
{
	unsigned long i;

	w->buf = buf;
	w->npages = len / PAGE_SZ;
	w->seq = seq;
	w->last = calloc(w->npages, sizeof(*w->last));
	if (!w->last)
		return -1;
	for (i = 0; i < w->npages; i++)
		w->last[i] = w->buf[i * WRITER_SLOT_STRIDE];
	if (pthread_create(&w->thread, NULL, writer_fn, w)) {
		free(w->last);
		w->last = NULL;
		return -1;
	}
	while (!atomic_load(&w->claimed))
		usleep(1000);
	return 0;
}

void writer_stop(struct writer *w)
{
	if (!w->last)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	printf("# writer stored %lu values during migration\n", w->stores);
}

int writer_check(const struct writer *w)
{
	if (!w->last || !atomic_load(&w->lost))
		return 0;
	printf("# lost write in page %lu (offset %lu): read %llu, stored %llu\n",
	       w->bad_page, w->bad_page * PAGE_SZ, (unsigned long long)w->bad_got,
	       (unsigned long long)w->last[w->bad_page]);
	return -1;
}

int writer_check_slots(const struct writer *w)
{
	unsigned long i;

	for (i = 0; w->last && i < w->npages; i++) {
		if (w->buf[i * WRITER_SLOT_STRIDE] != w->last[i]) {
			printf("# lost write in page %lu: %llu, expected %llu\n", i,
			       (unsigned long long)w->buf[i * WRITER_SLOT_STRIDE],
			       (unsigned long long)w->last[i]);
			return -1;
		}
	}
	return 0;
}
