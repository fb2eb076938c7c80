/*
 * Block devices and the block cache.
 *
 * A block device is a driver (ubd) behind an ops table that moves whole
 * 512-byte sectors synchronously: the kernel is one thread and the host's
 * page cache answers most requests, so a request simply runs to completion
 * on the calling kernel stack; nothing in this layer sleeps on a wait
 * queue. A partition is a block device of its own whose requests are
 * shifted onto its whole disk.
 *
 * The block cache holds device data in physical-memory pages, one 4 KiB
 * page per page-aligned 4 KiB of the device. File systems read and write
 * blocks of 512 to 4096 bytes through struct buf, which points into a cache
 * page and pins it until brelse(). Writes are write-back: a dirtied page
 * reaches the host on blkdev_sync() (sync, fsync, umount, halt), when the
 * dirty set grows large, under memory pressure, periodically, and at once
 * on write-through ("s" flag) devices. Sequential misses read ahead.
 */
#ifndef BLKDEV_H
#define BLKDEV_H

#include "compiler.h"
#include "list.h"
#include "vfs.h"

#define SECTOR_SIZE 512u
#define SECTOR_SHIFT 9

struct block_device;

/* One segment of a transfer: a kernel buffer (usually a cache page). */
struct blk_seg {
	void *data;
	size_t len; /* a multiple of SECTOR_SIZE */
};

struct blkdev_ops {
	/*
	 * Transfer the segments, back to back, from/to byte offset off of the
	 * device (sector aligned, inside the device). Synchronous; may not
	 * sleep. 0 or -errno (-EIO for host failures, -EROFS).
	 */
	int (*read)(struct block_device *bd, uint64_t off,
		    const struct blk_seg *segs, unsigned int nsegs);
	int (*write)(struct block_device *bd, uint64_t off,
		     const struct blk_seg *segs, unsigned int nsegs);
	/* Make everything written so far durable on the host. */
	int (*flush)(struct block_device *bd);
};

/* Per-device cache state (blkdev.c's). */
struct bcache_dev {
	struct list_head pages; /* every cached page of the device */
	struct list_head dirty; /* dirty pages, oldest first */
	uint64_t nr_pages, nr_dirty;
	uint64_t last_miss; /* page index of the last miss (readahead) */
	unsigned int ra_pages; /* current readahead window */
	int error; /* first write-back error not yet reported by sync */
};

struct block_device {
	uint64_t dev; /* MKDEV(major, minor) */
	char name[16]; /* "ubda", "ubda1" */
	uint64_t size; /* bytes, a multiple of SECTOR_SIZE */
	bool readonly;
	bool write_through; /* write dirty pages at once ("s" flag) */
	const struct blkdev_ops *ops;
	void *private_data; /* the driver's */
	struct block_device *whole; /* the disk of a partition, else itself */
	uint64_t start; /* byte offset of a partition in its disk */
	unsigned int openers; /* blkdev_get holders (opens and mounts) */
	unsigned int writers; /* holders with write access */
	bool mounted; /* held by a mounted file system */
	struct list_head link; /* in the registry */
	struct list_head parts; /* partitions of a whole disk */
	struct list_head part_link;
	struct bcache_dev cache;
};

/*
 * Register bd (dev, name, size, ops set by the driver) and create
 * /dev/<name> as a block node. Reads an MBR from a whole disk and
 * registers its partitions (minor + 1...). 0 or -errno.
 */
int blkdev_register(struct block_device *bd);
/*
 * Unregister a disk and its partitions, writing back their caches:
 * -EBUSY while any of them is open or mounted.
 */
int blkdev_unregister(struct block_device *bd);
/* The registered device with number dev, or NULL. */
struct block_device *blkdev_find(uint64_t dev);
/* The registered device named name ("ubda1"), or NULL. */
struct block_device *blkdev_find_name(const char *name);

/*
 * Take a holder reference for a mount or open; write asks for write access
 * (-EROFS on a read-only device). blkdev_put drops it.
 */
int blkdev_get(struct block_device *bd, bool write);
void blkdev_put(struct block_device *bd, bool write);
/*
 * Resolve a mount source: a path to a block device node ("/dev/ubda") or a
 * device number "98:0". On success *out holds a blkdev_get reference and
 * the device counts as mounted until its last holder goes.
 * -ENOTBLK for other files, -ENXIO for an unregistered device.
 */
int blkdev_open_source(const char *source, bool write,
		       struct block_device **out);

/* "MAJ:MIN" (decimal) as a device number; false if source is not one. */
bool blkdev_parse_devnum(const char *source, uint64_t *dev);
/* File ops for a block device node with rdev, or NULL if none exists. */
const struct file_ops *blkdev_file_lookup(uint64_t rdev);

/* Write back every dirty page of bd (and its partitions), then flush. */
int blkdev_sync(struct block_device *bd);
/* blkdev_sync of every device; the first error. */
int blkdev_sync_all(void);
/* Drop bd's clean, unpinned cached pages (BLKFLSBUF, after umount). */
void blkdev_invalidate(struct block_device *bd);

/* ---- the block cache, for file systems ---- */

struct bcache_page;

/* A block of size bytes in a pinned cache page. */
struct buf {
	struct block_device *bd;
	uint64_t blocknr; /* in units of size */
	unsigned int size; /* 512, 1024, 2048 or 4096 */
	void *data; /* size bytes of the block */
	struct bcache_page *page;
};

/*
 * Read block blocknr of size bytes (a power of two, 512..4096). On success
 * b is filled and pinned. -EIO on a read error, -EINVAL for a block past
 * the end of the device or a bad size.
 */
int bread(struct block_device *bd, uint64_t blocknr, unsigned int size,
	  struct buf *b);
/*
 * Like bread for a block the caller will overwrite entirely: when the
 * block covers a whole uncached page nothing is read. Contents are
 * unspecified until written.
 */
int bget(struct block_device *bd, uint64_t blocknr, unsigned int size,
	 struct buf *b);
/* Mark the block's page dirty (written back later; now if write-through). */
void bdirty(struct buf *b);
/* Unpin. b is invalid afterwards. */
void brelse(struct buf *b);
/*
 * The cache page holding b with a page reference for mapping it into a
 * guest (page_put to drop). shared_write: the mapping may be written, so
 * the page is written back while it stays mapped.
 */
pfn_t buf_page_get(struct buf *b, bool shared_write);
/* Forget cached copies of [blocknr, blocknr+count) of size (freed blocks). */
void bforget(struct block_device *bd, uint64_t blocknr, uint64_t count,
	     unsigned int size);

/* Pages in the cache and how many of them are dirty (/proc/meminfo). */
void bcache_stats(uint64_t *pages, uint64_t *dirty);
/* Iterate registered devices (partitions included): NULL gives the first. */
struct block_device *blkdev_next(struct block_device *prev);
/* Free up to nr clean cache pages (memory pressure); returns how many. */
uint64_t bcache_shrink(uint64_t nr);
/* Boot: start periodic write-back. */
void blkdev_init(void);

#endif
