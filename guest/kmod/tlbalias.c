// SPDX-License-Identifier: GPL-2.0
/*
 * tlbalias - the emulator's slow mode, shown: copy_mc_to_kernel() of 2M
 * blocks from src_node to dst_node, with the destination 2M-aligned as the
 * source is (as in a THP migration) or OFFSET pages past it.  Under QEMU
 * TCG the guest's accesses go through a direct-mapped software TLB of 64
 * to a few thousand entries; when source and destination lie a multiple of
 * its reach apart, every load evicts the store's entry and the other way
 * round, and a byte-wise `rep movsb` copy (copy_mc_to_kernel() with ERMS)
 * runs several times slower.  Workbench module, not part of the series.
 *
 *   echo "0 1" >/sys/kernel/debug/tlbalias     # aligned, on CPU 1
 *   cat /sys/kernel/debug/tlbalias
 *   0,1,67108864,<ns>,ok
 *
 * The copy runs on the CPU named (work_on_cpu()), over 64 MiB; the
 * destination is compared with the source afterwards ("corrupted" if it
 * differs or copy_mc_to_kernel() left bytes uncopied).
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#define NR_BLOCKS	32		/* 64 MiB of 2M blocks */
#define SRC_ORDER	9
#define DST_ORDER	10		/* room for a block at any page offset */

static int src_node;
module_param(src_node, int, 0444);
MODULE_PARM_DESC(src_node, "node the blocks are copied from (default 0)");
static int dst_node = 1;
module_param(dst_node, int, 0444);
MODULE_PARM_DESC(dst_node, "node the blocks are copied to (default 1)");

static struct page *src[NR_BLOCKS], *dst[NR_BLOCKS];
static DEFINE_MUTEX(run_lock);
static char result[96] = "none\n";
static struct dentry *file;

/* Copy every block to its destination @arg pages in; the time in ns. */
static long timed_copy(void *arg)
{
	unsigned long offset = (unsigned long)arg * PAGE_SIZE, left = 0;
	ktime_t t0 = ktime_get();
	int i;

	for (i = 0; i < NR_BLOCKS; i++)
		left += copy_mc_to_kernel(page_address(dst[i]) + offset,
					  page_address(src[i]), SZ_2M);
	return left ? -EIO : ktime_to_ns(ktime_sub(ktime_get(), t0));
}

static bool copied(unsigned long offset)
{
	int i;

	for (i = 0; i < NR_BLOCKS; i++)
		if (memcmp(page_address(dst[i]) + offset * PAGE_SIZE,
			   page_address(src[i]), SZ_2M))
			return false;
	return true;
}

static ssize_t tlbalias_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	unsigned long offset;
	unsigned int cpu;
	char line[32];
	long ns;
	int i;

	if (len >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, len))
		return -EFAULT;
	line[len] = '\0';
	if (sscanf(line, "%lu %u", &offset, &cpu) != 2 ||
	    offset >= 1UL << (DST_ORDER - 1) || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;

	mutex_lock(&run_lock);
	for (i = 0; i < NR_BLOCKS; i++)
		memset(page_address(dst[i]), 0, PAGE_SIZE << DST_ORDER);
	ns = work_on_cpu(cpu, timed_copy, (void *)offset);
	snprintf(result, sizeof(result), "%lu,%u,%lu,%ld,%s\n", offset, cpu,
		 NR_BLOCKS * (unsigned long)SZ_2M, ns < 0 ? 0 : ns,
		 ns >= 0 && copied(offset) ? "ok" : "corrupted");
	mutex_unlock(&run_lock);
	return len;
}

static ssize_t tlbalias_read(struct file *f, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&run_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, result, strlen(result));
	mutex_unlock(&run_lock);
	return ret;
}

static const struct file_operations tlbalias_fops = {
	.owner = THIS_MODULE,
	.read = tlbalias_read,
	.write = tlbalias_write,
	.llseek = default_llseek,
};

static void free_blocks(void)
{
	int i;

	for (i = 0; i < NR_BLOCKS; i++) {
		if (src[i])
			__free_pages(src[i], SRC_ORDER);
		if (dst[i])
			__free_pages(dst[i], DST_ORDER);
	}
}

static int __init tlbalias_init(void)
{
	gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN;
	int i, j;

	if (src_node < 0 || src_node >= MAX_NUMNODES || !node_online(src_node) ||
	    dst_node < 0 || dst_node >= MAX_NUMNODES || !node_online(dst_node))
		return -ENODEV;
	for (i = 0; i < NR_BLOCKS; i++) {
		src[i] = alloc_pages_node(src_node, gfp, SRC_ORDER);
		dst[i] = alloc_pages_node(dst_node, gfp, DST_ORDER);
		if (!src[i] || !dst[i]) {
			free_blocks();
			return -ENOMEM;
		}
		for (j = 0; j < SZ_2M / sizeof(u32); j++)
			((u32 *)page_address(src[i]))[j] = (i << 20 | j) * 2654435761U;
	}
	file = debugfs_create_file("tlbalias", 0600, NULL, NULL, &tlbalias_fops);
	return 0;
}

static void __exit tlbalias_exit(void)
{
	debugfs_remove(file);
	free_blocks();
}

module_init(tlbalias_init);
module_exit(tlbalias_exit);
MODULE_DESCRIPTION("Copy speed with source and destination aligned or not (workbench)");
MODULE_LICENSE("GPL");
