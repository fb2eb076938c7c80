/*
 * The memory character devices of major 1: null (3), zero (5), full (7),
 * random (8) and urandom (9).
 *
 * null reads EOF and swallows writes; zero reads zeros and maps fresh zero
 * pages; full reads zeros and fails writes with ENOSPC; random and urandom
 * read the kernel generator (never blocking) and mix written data in.
 */
#include <asm/ioctls.h>
#include <linux/random.h>

#include "devices.h"
#include "err.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "signal.h"
#include "uaccess.h"
#include "vfs.h"

#define MEM_MAJOR 1
#define MEM_CHUNK 256
/* Long reads check for signals this often, as Linux does per page. */
#define MEM_SIGNAL_CHECK (64 * 1024)
#define MEM_ENTROPY_BITS 256

static const uint8_t mem_zero_page[PAGE_SIZE];

static int64_t mem_llseek_zero(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

static long null_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return 0;
}

/* Accept and drop the whole buffer. */
static long null_write(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t n = u->len;

	u->done += n;
	u->len = 0;
	return (long)n;
}

/* Fill the caller's buffer from fill(); stops early on a signal. */
static long mem_read_fill(struct uio *u, void (*fill)(uint8_t *buf, size_t n))
{
	uint8_t chunk[MEM_CHUNK];
	size_t start = u->done;
	long ret = 0;

	while (u->len) {
		size_t n = MIN(u->len, sizeof(chunk));
		size_t done = u->done - start;

		if (done && done % MEM_SIGNAL_CHECK == 0) {
			if (signal_pending(current))
				break;
			sched_yield_if_needed();
		}
		fill(chunk, n);
		ret = uio_copy_out(u, chunk, n);
		if (ret)
			break;
	}
	kmemset(chunk, 0, sizeof(chunk));
	if (u->done > start)
		return (long)(u->done - start);
	return ret;
}

static long zero_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t start = u->done;
	int err = 0;

	while (u->len) {
		size_t n = MIN(u->len, (size_t)PAGE_SIZE);
		size_t done = u->done - start;

		if (done && done % MEM_SIGNAL_CHECK == 0) {
			if (signal_pending(current))
				break;
			sched_yield_if_needed();
		}
		err = uio_copy_out(u, mem_zero_page, n);
		if (err)
			break;
	}
	if (u->done > start)
		return (long)(u->done - start);
	return err;
}

/* A private zero page for each page of a /dev/zero mapping. */
static int zero_get_page(struct file *f, uint64_t idx, pfn_t *out)
{
	pfn_t pfn = page_alloc_zeroed();

	if (pfn == PFN_NONE)
		return -ENOMEM;
	*out = pfn;
	return 0;
}

static long full_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return u->len ? -ENOSPC : 0;
}

static void random_fill(uint8_t *buf, size_t n)
{
	random_bytes(buf, n);
}

static long random_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return mem_read_fill(u, random_fill);
}

static long random_write(struct file *f, struct uio *u, uint64_t *pos)
{
	uint8_t chunk[MEM_CHUNK];
	size_t start = u->done;
	int err = 0;

	while (u->len) {
		size_t n = MIN(u->len, sizeof(chunk));

		err = uio_copy_in(u, chunk, n);
		if (err)
			break;
		random_add_bytes(chunk, n);
	}
	kmemset(chunk, 0, sizeof(chunk));
	if (u->done > start)
		return (long)(u->done - start);
	return err;
}

static long random_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case RNDGETENTCNT:
		return put_user((int)MEM_ENTROPY_BITS, arg);
	case RNDADDTOENTCNT:
	case RNDRESEEDCRNG:
	case RNDZAPENTCNT:
	case RNDCLEARPOOL:
		return capable_root() ? 0 : -EPERM;
	default:
		return -ENOTTY;
	}
}

static const struct file_ops null_ops = {
	.read = null_read,
	.write = null_write,
	.llseek = mem_llseek_zero,
};

static const struct file_ops zero_ops = {
	.read = zero_read,
	.write = null_write,
	.llseek = mem_llseek_zero,
	.get_page = zero_get_page,
};

static const struct file_ops full_ops = {
	.read = zero_read,
	.write = full_write,
	.llseek = mem_llseek_zero,
};

static const struct file_ops random_ops = {
	.read = random_read,
	.write = random_write,
	.llseek = mem_llseek_zero,
	.ioctl = random_ioctl,
};

struct mem_device {
	const char *name;
	unsigned int minor;
	uint32_t mode;
	const struct file_ops *ops;
};

static const struct mem_device mem_devices[] = {
	{ .name = "null", .minor = 3, .mode = 0666, .ops = &null_ops },
	{ .name = "zero", .minor = 5, .mode = 0666, .ops = &zero_ops },
	{ .name = "full", .minor = 7, .mode = 0666, .ops = &full_ops },
	{ .name = "random", .minor = 8, .mode = 0666, .ops = &random_ops },
	{ .name = "urandom", .minor = 9, .mode = 0666, .ops = &random_ops },
};

int mem_devices_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(mem_devices); i++) {
		const struct mem_device *d = &mem_devices[i];
		uint64_t rdev = MKDEV(MEM_MAJOR, d->minor);
		int err;

		err = chrdev_register(MEM_MAJOR, d->minor, 1, d->name, d->ops);
		if (err)
			return err;
		err = devfs_create(d->name, S_IFCHR | d->mode, rdev);
		if (err && err != -EEXIST) {
			printk(KERN_ERR "mem: cannot create /dev/%s: %d\n",
			       d->name, err);
			return err;
		}
	}
	return 0;
}
