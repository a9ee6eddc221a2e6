// SPDX-License-Identifier: GPL-2.0
/*
 * copylimit - how fast the guest kernel's own copy primitives move pages
 * from node src_node to node dst_node (module parameters, default 0 and 1),
 * per number of threads.  This is the limit a
 * migrator's copy phase is compared with at the same thread count: under
 * emulation the primitives differ several-fold in cost, so a copy phase
 * means something only next to the primitive it uses.  Workbench module,
 * not part of the series.
 *
 *   echo "copy_mc 2 67108864" >/sys/kernel/debug/copylimit
 *   cat /sys/kernel/debug/copylimit
 *   copy_mc,2,67108864,<ns>,ok
 *   echo "copy_mc 2 67108864 2M" >/sys/kernel/debug/copylimit
 *   cat /sys/kernel/debug/copylimit
 *   copy_mc/2M,2,67108864,<ns>,ok
 *
 * Primitives: memcpy(), copy_mc_to_kernel() (what folio_mc_copy() uses)
 * and copy_page(), each called once per 4K page as migration does today,
 * or (memcpy and copy_mc, with a unit of 64K or 2M) once per folio of that
 * size over its contiguous direct-map range, as a per-folio copy would.
 * The threads are kernel threads bound to src_node's CPUs in turn, each
 * copying whole units; the time runs from releasing them to the last one
 * finishing.
 * Every byte of the destination is compared with the source afterwards; a
 * mismatch or a copy_mc_to_kernel() failure makes the status "corrupted".
 */
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#define CHUNK_ORDER	9			/* 2M chunks */
#define CHUNK_PAGES	(1UL << CHUNK_ORDER)
#define MAX_THREADS	4		/* the test VM has two CPUs per node */
#define MAX_BYTES	(1UL << 30)

static int src_node;
module_param(src_node, int, 0444);
MODULE_PARM_DESC(src_node, "node the pages are copied from; needs CPUs (default 0)");
static int dst_node = 1;
module_param(dst_node, int, 0444);
MODULE_PARM_DESC(dst_node, "node the pages are copied to (default 1)");

enum primitive { PRIM_MEMCPY, PRIM_COPY_MC, PRIM_COPY_PAGE, NR_PRIMITIVES };

static const char * const primitive_names[NR_PRIMITIVES] = {
	[PRIM_MEMCPY] = "memcpy",
	[PRIM_COPY_MC] = "copy_mc",
	[PRIM_COPY_PAGE] = "copy_page",
};

/* The pages of one run: @nr_chunks 2M chunks on each node. */
struct buffers {
	struct page **src;
	struct page **dst;
	unsigned long nr_chunks;
};

struct copier {
	const struct buffers *buf;
	enum primitive prim;
	unsigned long unit_pages;	/* pages per call */
	unsigned long first, count;	/* page indexes, whole units */
	unsigned long failed;		/* calls copy_mc_to_kernel() did not finish */
	struct completion *start;
	atomic_t *running;
	struct completion *done;
};

static DEFINE_MUTEX(run_lock);
static char result[128] = "none\n";
static struct dentry *file;

static void *page_addr(struct page **chunks, unsigned long i)
{
	return page_address(chunks[i / CHUNK_PAGES]) + (i % CHUNK_PAGES) * PAGE_SIZE;
}

static int copier_fn(void *arg)
{
	struct copier *c = arg;
	unsigned long i;

	size_t len = c->unit_pages * PAGE_SIZE;

	wait_for_completion(c->start);
	/* A unit never crosses a 2M chunk: its range is contiguous. */
	for (i = c->first; i < c->first + c->count; i += c->unit_pages) {
		void *dst = page_addr(c->buf->dst, i);
		void *src = page_addr(c->buf->src, i);

		switch (c->prim) {
		case PRIM_MEMCPY:
			memcpy(dst, src, len);
			break;
		case PRIM_COPY_MC:
			if (copy_mc_to_kernel(dst, src, len))
				c->failed++;
			break;
		default:
			copy_page(dst, src);
			break;
		}
		cond_resched();
	}
	if (atomic_dec_and_test(c->running))
		complete(c->done);
	return 0;
}

static void free_chunks(struct page **chunks, unsigned long n)
{
	while (n--)
		if (chunks[n])
			__free_pages(chunks[n], CHUNK_ORDER);
	kfree(chunks);
}

static struct page **alloc_chunks(int nid, unsigned long n)
{
	struct page **chunks = kcalloc(n, sizeof(*chunks), GFP_KERNEL);
	unsigned long i;

	if (!chunks)
		return NULL;
	for (i = 0; i < n; i++) {
		chunks[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE |
					     __GFP_NOWARN, CHUNK_ORDER);
		if (!chunks[i]) {
			free_chunks(chunks, n);
			return NULL;
		}
	}
	return chunks;
}

static void fill(const struct buffers *buf)
{
	unsigned long i, j, npages = buf->nr_chunks * CHUNK_PAGES;

	for (i = 0; i < npages; i++) {
		u64 *s = page_addr(buf->src, i);

		for (j = 0; j < PAGE_SIZE / sizeof(u64); j++)
			s[j] = (i * PAGE_SIZE + j * sizeof(u64)) ^ 0x9e3779b97f4a7c15ULL;
		memset(page_addr(buf->dst, i), 0, PAGE_SIZE);
		cond_resched();
	}
}

static bool same(const struct buffers *buf)
{
	unsigned long i, npages = buf->nr_chunks * CHUNK_PAGES;

	for (i = 0; i < npages; i++)
		if (memcmp(page_addr(buf->dst, i), page_addr(buf->src, i), PAGE_SIZE))
			return false;
	return true;
}

/* The @i'th CPU of src_node, wrapping around. */
static int copier_cpu(int i)
{
	const struct cpumask *mask = cpumask_of_node(src_node);
	int cpu, n = i % cpumask_weight(mask);

	for_each_cpu(cpu, mask)
		if (!n--)
			return cpu;
	return cpumask_first(mask);
}

/*
 * Copy @buf with @threads threads, @unit_pages pages per call; the time in
 * ns, or a negative errno.
 */
static s64 timed_copy(const struct buffers *buf, enum primitive prim,
		      unsigned long unit_pages, int threads, unsigned long *failed)
{
	DECLARE_COMPLETION_ONSTACK(start);
	DECLARE_COMPLETION_ONSTACK(done);
	unsigned long nunits = buf->nr_chunks * CHUNK_PAGES / unit_pages, first = 0;
	struct copier c[MAX_THREADS];
	atomic_t running = ATOMIC_INIT(threads);
	ktime_t t0;
	int i;

	for (i = 0; i < threads; i++) {
		struct task_struct *t;
		unsigned long count = (nunits / threads + (i < nunits % threads)) * unit_pages;

		c[i] = (struct copier){ buf, prim, unit_pages, first, count, 0,
					&start, &running, &done };
		first += count;
		t = kthread_create_on_node(copier_fn, &c[i], src_node, "copylimit/%d", i);
		if (IS_ERR(t)) {
			/* Let the ones created finish before c[] goes. */
			atomic_sub(threads - i, &running);
			complete_all(&start);
			if (i)
				wait_for_completion(&done);
			return PTR_ERR(t);
		}
		kthread_bind(t, copier_cpu(i));
		wake_up_process(t);
	}
	t0 = ktime_get();
	complete_all(&start);
	wait_for_completion(&done);
	*failed = 0;
	for (i = 0; i < threads; i++)
		*failed += c[i].failed;
	return ktime_to_ns(ktime_sub(ktime_get(), t0));
}

static int run(enum primitive prim, unsigned long unit, int threads, unsigned long bytes)
{
	struct buffers buf = { .nr_chunks = bytes >> (PAGE_SHIFT + CHUNK_ORDER) };
	unsigned long failed = 0;
	const char *status;
	s64 ns;

	buf.src = alloc_chunks(src_node, buf.nr_chunks);
	buf.dst = buf.src ? alloc_chunks(dst_node, buf.nr_chunks) : NULL;
	if (!buf.dst) {
		if (buf.src)
			free_chunks(buf.src, buf.nr_chunks);
		return -ENOMEM;
	}
	fill(&buf);
	ns = timed_copy(&buf, prim, unit / PAGE_SIZE, threads, &failed);
	if (ns >= 0) {
		status = !failed && same(&buf) ? "ok" : "corrupted";
		if (unit == PAGE_SIZE)
			snprintf(result, sizeof(result), "%s,%d,%lu,%lld,%s\n",
				 primitive_names[prim], threads, bytes, ns, status);
		else
			snprintf(result, sizeof(result), "%s/%lu%c,%d,%lu,%lld,%s\n",
				 primitive_names[prim], unit % SZ_1M ? unit >> 10 : unit >> 20,
				 unit % SZ_1M ? 'K' : 'M', threads, bytes, ns, status);
	}
	free_chunks(buf.dst, buf.nr_chunks);
	free_chunks(buf.src, buf.nr_chunks);
	return ns < 0 ? ns : 0;
}

static ssize_t copylimit_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char line[64], name[16], unit_name[8] = "4K";
	unsigned long bytes, unit;
	int threads, prim, err;

	if (len >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, len))
		return -EFAULT;
	line[len] = '\0';
	if (sscanf(line, "%15s %d %lu %7s", name, &threads, &bytes, unit_name) < 3)
		return -EINVAL;
	prim = match_string(primitive_names, NR_PRIMITIVES, name);
	unit = memparse(unit_name, NULL);
	if (prim < 0 || threads < 1 || threads > MAX_THREADS || !bytes ||
	    bytes > MAX_BYTES || bytes % (CHUNK_PAGES * PAGE_SIZE))
		return -EINVAL;
	/* Per page, or (not copy_page) per folio of 64K or 2M. */
	if (unit != PAGE_SIZE && (prim == PRIM_COPY_PAGE ||
				  (unit != SZ_64K && unit != CHUNK_PAGES * PAGE_SIZE)))
		return -EINVAL;

	mutex_lock(&run_lock);
	err = run(prim, unit, threads, bytes);
	mutex_unlock(&run_lock);
	return err ? err : len;
}

static ssize_t copylimit_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&run_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, result, strlen(result));
	mutex_unlock(&run_lock);
	return ret;
}

static const struct file_operations copylimit_fops = {
	.owner = THIS_MODULE,
	.read = copylimit_read,
	.write = copylimit_write,
	.llseek = default_llseek,
};

static int __init copylimit_init(void)
{
	if (src_node < 0 || src_node >= MAX_NUMNODES || !node_online(src_node) ||
	    dst_node < 0 || dst_node >= MAX_NUMNODES || !node_online(dst_node) ||
	    src_node == dst_node || !cpumask_weight(cpumask_of_node(src_node)))
		return -ENODEV;
	file = debugfs_create_file("copylimit", 0600, NULL, NULL, &copylimit_fops);
	return 0;
}

static void __exit copylimit_exit(void)
{
	debugfs_remove(file);
}

module_init(copylimit_init);
module_exit(copylimit_exit);
MODULE_DESCRIPTION("Copy primitive bandwidth from node to node (workbench)");
MODULE_LICENSE("GPL");
