/*
 * Shared between the block device registry (blkdev.c), the block cache
 * (bcache.c) and block device files (blkdev_file.c).
 */
#ifndef BLOCK_INTERNAL_H
#define BLOCK_INTERNAL_H

#include "blkdev.h"

/* A cached 4 KiB page of a device. */
struct bcache_page {
	struct block_device *bd;
	uint64_t idx; /* page index in the device */
	pfn_t pfn;
	unsigned int pins; /* struct buf holders */
	bool dirty;
	bool shared_write; /* mapped writable into a guest */
	struct list_head hash_link;
	struct list_head dev_link; /* in bd->cache.pages */
	struct list_head lru_link; /* global, least recently used first */
	struct list_head dirty_link; /* in bd->cache.dirty */
};

void bcache_dev_init(struct block_device *bd);
/* Whether a page of bd is pinned by a buf or mapped into a guest. */
bool bcache_dev_pinned(struct block_device *bd);
/* Write back and drop every page of bd (unregister); -EBUSY if pinned. */
int bcache_dev_release(struct block_device *bd);
/* Write back bd's dirty pages (no host flush). */
int bcache_writeback(struct block_device *bd);
/*
 * The page idx of bd, pinned; read from the device unless it is cached or
 * noread is set (then zero-filled). The last page of a device whose size
 * is not a multiple of the page size is read in part, the rest zeroed.
 */
int bcache_page_get(struct block_device *bd, uint64_t idx, bool noread,
		    struct bcache_page **out);
void bcache_page_dirty(struct bcache_page *p);
void bcache_page_put(struct bcache_page *p);
void bcache_init(void);

extern const struct file_ops blkdev_file_ops;

#endif
