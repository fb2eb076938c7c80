/*
 * Unit tests for the block layer: the block cache (drivers/block/bcache.c:
 * lookups, readahead, write-back runs, eviction, write-through, errors)
 * and the device registry (drivers/block/blkdev.c: MBR partitions with
 * the logical ones of extended partitions, holders, sync), over a fake driver that keeps the disk in a malloc'd
 * buffer, logs every request and fails reads, writes or flushes on
 * command. Physical memory is the real mm/phys.c over a small memfd.
 */
#include "../../drivers/block/block_internal.h"
#include "../../mm/mm_internal.h"
#include "err.h"
#include "fake_kernel.h"
#include "os/os.h"
#include "printk.h"
#include "timer.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHYS_BYTES (32ULL << 20)
#define SMALL_PHYS_PAGES 64
#define DISK_MAJOR 98
#define LOG_CALLS 64

/* One request the fake driver saw. */
struct fake_call {
	uint64_t off;
	unsigned int nsegs;
	size_t len;
};

/* A disk in host memory that counts and logs requests. */
struct fake_disk {
	struct block_device bd;
	uint8_t *data;
	unsigned int reads, writes, flushes, out_of_range;
	struct fake_call read_log[LOG_CALLS], write_log[LOG_CALLS];
	int read_err, write_err, flush_err; /* returned while nonzero */
	uint64_t bad_off, bad_len; /* reads touching this range fail */
};

struct blocktest_state {
	struct fake_disk disk;
	bool registered;
	char devfs_created[24][16], devfs_removed[24][16];
	unsigned int nr_created, nr_removed;
};

static struct blocktest_state bt;

/* ---- fakes for what blkdev.c and bcache.c call ---- */

int devfs_create(const char *name, uint32_t mode, uint64_t rdev)
{
	if (bt.nr_created < ARRAY_SIZE(bt.devfs_created))
		snprintf(bt.devfs_created[bt.nr_created++],
			 sizeof(bt.devfs_created[0]), "%s", name);
	return 0;
}

int devfs_remove(const char *name)
{
	if (bt.nr_removed < ARRAY_SIZE(bt.devfs_removed))
		snprintf(bt.devfs_removed[bt.nr_removed++],
			 sizeof(bt.devfs_removed[0]), "%s", name);
	return 0;
}

/* ---- the fake driver ---- */

static struct fake_disk *fake_of(struct block_device *bd)
{
	return bd->private_data;
}

static size_t segs_len(const struct blk_seg *segs, unsigned int nsegs)
{
	size_t len = 0;

	for (unsigned int i = 0; i < nsegs; i++)
		len += segs[i].len;
	return len;
}

static void log_call(struct fake_call *log, unsigned int n, uint64_t off,
		     unsigned int nsegs, size_t len)
{
	if (n < LOG_CALLS)
		log[n] = (struct fake_call){ off, nsegs, len };
}

static bool in_range(struct fake_disk *d, uint64_t off, size_t len)
{
	if (off % SECTOR_SIZE || len % SECTOR_SIZE || off > d->bd.size ||
	    len > d->bd.size - off) {
		d->out_of_range++;
		return false;
	}
	return true;
}

static int fake_read(struct block_device *bd, uint64_t off,
		     const struct blk_seg *segs, unsigned int nsegs)
{
	struct fake_disk *d = fake_of(bd);
	size_t len = segs_len(segs, nsegs);

	log_call(d->read_log, d->reads++, off, nsegs, len);
	if (!in_range(d, off, len))
		return -EIO;
	if (d->read_err)
		return d->read_err;
	if (d->bad_len && off < d->bad_off + d->bad_len &&
	    d->bad_off < off + len)
		return -EIO;
	for (unsigned int i = 0; i < nsegs; i++) {
		memcpy(segs[i].data, d->data + off, segs[i].len);
		off += segs[i].len;
	}
	return 0;
}

static int fake_write(struct block_device *bd, uint64_t off,
		      const struct blk_seg *segs, unsigned int nsegs)
{
	struct fake_disk *d = fake_of(bd);
	size_t len = segs_len(segs, nsegs);

	log_call(d->write_log, d->writes++, off, nsegs, len);
	if (!in_range(d, off, len))
		return -EIO;
	if (d->write_err)
		return d->write_err;
	for (unsigned int i = 0; i < nsegs; i++) {
		memcpy(d->data + off, segs[i].data, segs[i].len);
		off += segs[i].len;
	}
	return 0;
}

static int fake_flush(struct block_device *bd)
{
	struct fake_disk *d = fake_of(bd);

	d->flushes++;
	return d->flush_err;
}

static const struct blkdev_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.flush = fake_flush,
};

/* The byte the fresh fake disk holds at off: differs between sectors. */
static uint8_t pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13 ^ off >> 9);
}

static void reset_counters(struct fake_disk *d)
{
	d->reads = d->writes = d->flushes = d->out_of_range = 0;
}

/* Fill the fake disk (size bytes) with the pattern; sector0 if given. */
static void disk_create(uint64_t size, const uint8_t *sector0)
{
	struct fake_disk *d = &bt.disk;

	d->data = malloc(size);
	ck_assert_ptr_nonnull(d->data);
	for (uint64_t i = 0; i < size; i++)
		d->data[i] = pattern(i);
	if (sector0)
		memcpy(d->data, sector0, SECTOR_SIZE);
	snprintf(d->bd.name, sizeof(d->bd.name), "ubda");
	d->bd.dev = MKDEV(DISK_MAJOR, 0);
	d->bd.size = size;
	d->bd.ops = &fake_ops;
	d->bd.private_data = d;
}

static struct block_device *disk_register(void)
{
	ck_assert_int_eq(blkdev_register(&bt.disk.bd), 0);
	bt.registered = true;
	reset_counters(&bt.disk);
	return &bt.disk.bd;
}

/* A registered pattern-filled disk of size bytes without partitions. */
static struct block_device *disk_setup(uint64_t size)
{
	disk_create(size, NULL);
	return disk_register();
}

static bool cached(struct block_device *bd, uint64_t idx)
{
	struct bcache_page *p;

	list_for_each_entry(p, &bd->cache.pages, dev_link)
		if (p->idx == idx)
			return true;
	return false;
}

static uint64_t cache_pages(void)
{
	uint64_t pages, dirty;

	bcache_stats(&pages, &dirty);
	return pages;
}

static uint64_t cache_dirty(void)
{
	uint64_t pages, dirty;

	bcache_stats(&pages, &dirty);
	return dirty;
}

/* Read whole page idx, overwrite it with byte c, mark it dirty, unpin. */
static void dirty_page(struct block_device *bd, uint64_t idx, uint8_t c)
{
	struct buf b;

	ck_assert_int_eq(bread(bd, idx, PAGE_SIZE, &b), 0);
	memset(b.data, c, PAGE_SIZE);
	bdirty(&b);
	brelse(&b);
}

static void read_page(struct block_device *bd, uint64_t idx)
{
	struct buf b;

	ck_assert_int_eq(bread(bd, idx, PAGE_SIZE, &b), 0);
	brelse(&b);
}

static bool all_bytes(const uint8_t *p, uint8_t c, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void setup_phys(uint64_t bytes)
{
	memset(&bt, 0, sizeof(bt));
	fake_kernel_reset();
	ck_assert_int_eq(phys_init(bytes), 0);
	blkdev_init();
}

static void setup(void)
{
	setup_phys(PHYS_BYTES);
}

static void setup_small(void)
{
	setup_phys(SMALL_PHYS_PAGES * PAGE_SIZE);
}

static void teardown(void)
{
	if (bt.registered) {
		bt.disk.write_err = bt.disk.flush_err = 0;
		blkdev_unregister(&bt.disk.bd);
	}
	free(bt.disk.data);
	bt.disk.data = NULL;
}

/* ---- reading ---- */

START_TEST(bread_returns_device_data)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	ck_assert_int_eq(bread(bd, 3, SECTOR_SIZE, &b), 0);
	ck_assert_ptr_eq(b.bd, bd);
	ck_assert_uint_eq(b.blocknr, 3);
	ck_assert_uint_eq(b.size, SECTOR_SIZE);
	ck_assert_mem_eq(b.data, bt.disk.data + 3 * SECTOR_SIZE, SECTOR_SIZE);
	brelse(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(bt.disk.reads, 1);
	ck_assert_uint_eq(bt.disk.read_log[0].off, 0);
	ck_assert_uint_eq(bt.disk.read_log[0].len, PAGE_SIZE);
}
END_TEST

START_TEST(blocks_of_each_size_sit_at_their_offset_in_the_page)
{
	static const unsigned int sizes[] = { 512, 1024, 2048, 4096 };
	struct block_device *bd = disk_setup(1 << 20);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned int size = sizes[i];
		uint64_t blocknr = 4096 / size * 5 + (4096 / size - 1);
		uint64_t off = blocknr * size;
		struct buf b;

		ck_assert_int_eq(bread(bd, blocknr, size, &b), 0);
		ck_assert_uint_eq(b.page->idx, off / PAGE_SIZE);
		ck_assert_ptr_eq(b.data, (char *)page_ptr(b.page->pfn) +
						 off % PAGE_SIZE);
		ck_assert_mem_eq(b.data, bt.disk.data + off, size);
		brelse(&b);
	}
}
END_TEST

START_TEST(blocks_sharing_a_page_share_one_read)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf a, b;

	ck_assert_int_eq(bread(bd, 8, 1024, &a), 0);
	ck_assert_int_eq(bread(bd, 9, 1024, &b), 0);
	ck_assert_ptr_eq(a.page, b.page);
	ck_assert_uint_eq(a.page->pins, 2);
	ck_assert_uint_eq(bt.disk.reads, 1);
	brelse(&a);
	brelse(&b);
}
END_TEST

START_TEST(bad_block_sizes_and_blocks_past_the_end_are_invalid)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	ck_assert_int_eq(bread(bd, 0, 256, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 0, 3072, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 0, 8192, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 256, 4096, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 2048, 512, &b), -EINVAL);
	ck_assert_int_eq(bget(bd, UINT64_MAX / 512, 512, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 2047, 512, &b), 0);
	brelse(&b);
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

START_TEST(bget_of_a_whole_page_does_not_read)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	ck_assert_int_eq(bget(bd, 7, PAGE_SIZE, &b), 0);
	ck_assert_uint_eq(bt.disk.reads, 0);
	brelse(&b);
	ck_assert_int_eq(bget(bd, 8 * 4, 1024, &b), 0);
	ck_assert_uint_eq(bt.disk.reads, 1);
	ck_assert_mem_eq(b.data, bt.disk.data + 8 * PAGE_SIZE, 1024);
	brelse(&b);
}
END_TEST

START_TEST(bget_of_a_cached_page_keeps_its_data)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	read_page(bd, 3);
	ck_assert_int_eq(bget(bd, 3, PAGE_SIZE, &b), 0);
	ck_assert_mem_eq(b.data, bt.disk.data + 3 * PAGE_SIZE, PAGE_SIZE);
	brelse(&b);
	ck_assert_uint_eq(bt.disk.reads, 1);
}
END_TEST

START_TEST(sequential_misses_read_ahead_in_growing_windows)
{
	struct block_device *bd = disk_setup(1 << 20);
	const uint64_t pages = 32;

	for (uint64_t i = 0; i < pages; i++) {
		struct buf b;

		ck_assert_int_eq(bread(bd, i, PAGE_SIZE, &b), 0);
		ck_assert_mem_eq(b.data, bt.disk.data + i * PAGE_SIZE,
				 PAGE_SIZE);
		brelse(&b);
	}
	ck_assert_uint_lt(bt.disk.reads, pages / 4);
	ck_assert_uint_gt(bt.disk.read_log[1].nsegs, 1);
	ck_assert_uint_gt(bt.disk.read_log[2].nsegs, bt.disk.read_log[1].nsegs);
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

START_TEST(scattered_misses_do_not_read_ahead)
{
	struct block_device *bd = disk_setup(1 << 20);

	read_page(bd, 10);
	read_page(bd, 20);
	read_page(bd, 5);
	ck_assert_uint_eq(bt.disk.reads, 3);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_uint_eq(bt.disk.read_log[i].nsegs, 1);
	ck_assert_uint_eq(cache_pages(), 3);
}
END_TEST

START_TEST(readahead_stops_at_the_end_of_the_device)
{
	struct block_device *bd = disk_setup(6 * PAGE_SIZE);

	for (uint64_t i = 0; i < 6; i++)
		read_page(bd, i);
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
	ck_assert_uint_eq(cache_pages(), 6);
}
END_TEST

START_TEST(read_error_gives_eio_and_caches_nothing)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	bt.disk.read_err = -EIO;
	ck_assert_int_eq(bread(bd, 4, PAGE_SIZE, &b), -EIO);
	ck_assert_uint_eq(cache_pages(), 0);
	ck_assert(!cached(bd, 4));
	bt.disk.read_err = 0;
	ck_assert_int_eq(bread(bd, 4, PAGE_SIZE, &b), 0);
	ck_assert_mem_eq(b.data, bt.disk.data + 4 * PAGE_SIZE, PAGE_SIZE);
	brelse(&b);
	ck_assert_uint_eq(bt.disk.reads, 2);
}
END_TEST

START_TEST(readahead_into_a_bad_sector_still_reads_the_wanted_page)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;

	bt.disk.bad_off = 3 * PAGE_SIZE + SECTOR_SIZE;
	bt.disk.bad_len = SECTOR_SIZE;
	read_page(bd, 0);
	ck_assert_int_eq(bread(bd, 1, PAGE_SIZE, &b), 0);
	ck_assert_mem_eq(b.data, bt.disk.data + PAGE_SIZE, PAGE_SIZE);
	brelse(&b);
	ck_assert(cached(bd, 1));
	ck_assert(!cached(bd, 2));
	ck_assert(!cached(bd, 3));
	ck_assert_int_eq(bread(bd, 3 * 4, 1024, &b), -EIO);
	ck_assert(!cached(bd, 3));
}
END_TEST

START_TEST(last_partial_page_is_read_in_part_and_zero_filled)
{
	struct block_device *bd = disk_setup(10 * SECTOR_SIZE);
	uint8_t *page;
	struct buf b;

	ck_assert_int_eq(bread(bd, 9, SECTOR_SIZE, &b), 0);
	ck_assert_uint_eq(bt.disk.reads, 1);
	ck_assert_uint_eq(bt.disk.read_log[0].off, PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.read_log[0].len, 2 * SECTOR_SIZE);
	page = page_ptr(b.page->pfn);
	ck_assert_mem_eq(page, bt.disk.data + PAGE_SIZE, 2 * SECTOR_SIZE);
	ck_assert(all_bytes(page + 2 * SECTOR_SIZE, 0,
			    PAGE_SIZE - 2 * SECTOR_SIZE));
	memset(b.data, 0x5a, SECTOR_SIZE);
	bdirty(&b);
	brelse(&b);
	ck_assert_int_eq(bread(bd, 10, SECTOR_SIZE, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 1, PAGE_SIZE, &b), -EINVAL);
	ck_assert_int_eq(bread(bd, 2, 2048, &b), -EINVAL);

	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert_uint_eq(bt.disk.write_log[0].off, PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.write_log[0].len, 2 * SECTOR_SIZE);
	ck_assert(all_bytes(bt.disk.data + 9 * SECTOR_SIZE, 0x5a, SECTOR_SIZE));
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

/* ---- write-back ---- */

START_TEST(sync_writes_consecutive_dirty_pages_as_one_request)
{
	static const uint64_t order[] = { 5, 2, 6, 3, 4 };
	struct block_device *bd = disk_setup(1 << 20);

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		dirty_page(bd, order[i], (uint8_t)(0x10 + order[i]));
	ck_assert_uint_eq(bt.disk.writes, 0);
	ck_assert_uint_eq(cache_dirty(), 5);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert_uint_eq(bt.disk.write_log[0].off, 2 * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.write_log[0].nsegs, 5);
	ck_assert_uint_eq(bt.disk.write_log[0].len, 5 * PAGE_SIZE);
	for (uint64_t idx = 2; idx <= 6; idx++)
		ck_assert(all_bytes(bt.disk.data + idx * PAGE_SIZE,
				    (uint8_t)(0x10 + idx), PAGE_SIZE));
	ck_assert_uint_eq(bt.disk.flushes, 1);
	ck_assert_uint_eq(cache_dirty(), 0);
	ck_assert_uint_eq(bd->cache.nr_dirty, 0);
}
END_TEST

START_TEST(sync_writes_only_dirty_pages_in_ascending_runs)
{
	struct block_device *bd = disk_setup(1 << 20);

	read_page(bd, 40);
	dirty_page(bd, 30, 0xa1);
	dirty_page(bd, 12, 0xa2);
	dirty_page(bd, 31, 0xa3);
	dirty_page(bd, 50, 0xa4);
	read_page(bd, 13);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 3);
	ck_assert_uint_eq(bt.disk.write_log[0].off, 12 * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.write_log[0].nsegs, 1);
	ck_assert_uint_eq(bt.disk.write_log[1].off, 30 * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.write_log[1].nsegs, 2);
	ck_assert_uint_eq(bt.disk.write_log[2].off, 50 * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.write_log[2].nsegs, 1);
	for (uint64_t off = 13 * PAGE_SIZE; off < 14 * PAGE_SIZE; off++)
		ck_assert_uint_eq(bt.disk.data[off], pattern(off));
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 3);
}
END_TEST

START_TEST(long_dirty_runs_are_split_into_bounded_requests)
{
	struct block_device *bd = disk_setup(2 << 20);
	const uint64_t pages = OS_DISK_MAX_IOV + 44;

	for (uint64_t i = 0; i < pages; i++) {
		struct buf b;

		ck_assert_int_eq(bget(bd, i, PAGE_SIZE, &b), 0);
		memset(b.data, (int)(i & 0xff), PAGE_SIZE);
		bdirty(&b);
		brelse(&b);
	}
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_gt(bt.disk.writes, 1);
	for (unsigned int i = 0; i < bt.disk.writes; i++)
		ck_assert_uint_le(bt.disk.write_log[i].nsegs, OS_DISK_MAX_IOV);
	for (uint64_t i = 0; i < pages; i++)
		ck_assert(all_bytes(bt.disk.data + i * PAGE_SIZE,
				    (uint8_t)(i & 0xff), PAGE_SIZE));
}
END_TEST

START_TEST(write_back_error_is_reported_by_sync_and_the_page_stays_dirty)
{
	struct block_device *bd = disk_setup(1 << 20);

	dirty_page(bd, 7, 0x77);
	bt.disk.write_err = -EIO;
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: write-back of page 7 "
						"failed"));
	ck_assert_uint_eq(bd->cache.nr_dirty, 1);
	bt.disk.write_err = 0;
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert(all_bytes(bt.disk.data + 7 * PAGE_SIZE, 0x77, PAGE_SIZE));
	ck_assert_uint_eq(bd->cache.nr_dirty, 0);
}
END_TEST

START_TEST(flush_error_is_reported_by_sync)
{
	struct block_device *bd = disk_setup(1 << 20);

	bt.disk.flush_err = -EIO;
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	bt.disk.flush_err = 0;
	ck_assert_int_eq(blkdev_sync(bd), 0);
}
END_TEST

START_TEST(write_through_device_writes_at_brelse)
{
	struct block_device *bd;
	struct buf b;

	disk_create(1 << 20, NULL);
	bt.disk.bd.write_through = true;
	bd = disk_register();
	ck_assert_int_eq(bread(bd, 2, 1024, &b), 0);
	memset(b.data, 0x3c, 1024);
	bdirty(&b);
	ck_assert_uint_eq(bt.disk.writes, 0);
	brelse(&b);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert_uint_eq(bt.disk.write_log[0].off, 0);
	ck_assert(all_bytes(bt.disk.data + 2048, 0x3c, 1024));
	ck_assert_uint_eq(cache_dirty(), 0);
}
END_TEST

START_TEST(write_through_error_is_reported_by_the_next_sync)
{
	struct block_device *bd;

	disk_create(1 << 20, NULL);
	bt.disk.bd.write_through = true;
	bd = disk_register();
	bt.disk.write_err = -EIO;
	dirty_page(bd, 1, 0x11);
	ck_assert_uint_eq(bt.disk.writes, 1);
	bt.disk.write_err = 0;
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	ck_assert(all_bytes(bt.disk.data + PAGE_SIZE, 0x11, PAGE_SIZE));
	ck_assert_int_eq(blkdev_sync(bd), 0);
}
END_TEST

START_TEST(dirtying_arms_the_timer_whose_write_back_reports_errors_later)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct ktimer *t;

	dirty_page(bd, 3, 0x33);
	t = fake_armed_timer;
	ck_assert_ptr_nonnull(t);
	ck_assert(t->armed);

	bt.disk.write_err = -EIO;
	t->armed = false;
	t->fn(t);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert_msg(t->armed, "still dirty: the timer is armed again");

	bt.disk.write_err = 0;
	t->armed = false;
	t->fn(t);
	ck_assert_uint_eq(bt.disk.writes, 2);
	ck_assert(all_bytes(bt.disk.data + 3 * PAGE_SIZE, 0x33, PAGE_SIZE));
	ck_assert_msg(!t->armed, "nothing dirty: no periodic wake-up");
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	ck_assert_int_eq(blkdev_sync(bd), 0);
}
END_TEST

START_TEST(dirty_set_past_the_limit_is_written_back_at_brelse)
{
	struct block_device *bd = disk_setup(8 << 20);
	uint64_t limit = MAX(phys_total_pages() / 8, 256);
	struct buf b;

	ck_assert_uint_lt(limit + 1, bd->size / PAGE_SIZE);
	for (uint64_t i = 0; i < limit; i++) {
		ck_assert_int_eq(bget(bd, i, PAGE_SIZE, &b), 0);
		bdirty(&b);
		brelse(&b);
	}
	ck_assert_uint_eq(bt.disk.writes, 0);
	ck_assert_int_eq(bget(bd, limit, PAGE_SIZE, &b), 0);
	bdirty(&b);
	brelse(&b);
	ck_assert_uint_gt(bt.disk.writes, 0);
	ck_assert_uint_eq(bd->cache.nr_dirty, 0);
}
END_TEST

START_TEST(shared_writable_page_stays_dirty_while_mapped)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b;
	pfn_t pfn;

	ck_assert_int_eq(bread(bd, 4, PAGE_SIZE, &b), 0);
	pfn = buf_page_get(&b, true);
	brelse(&b);
	ck_assert_uint_eq(cache_dirty(), 1);
	memset(page_ptr(pfn), 0x44, PAGE_SIZE);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert(all_bytes(bt.disk.data + 4 * PAGE_SIZE, 0x44, PAGE_SIZE));
	ck_assert_uint_eq(cache_dirty(), 1);
	page_put(pfn);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 2);
	ck_assert_uint_eq(cache_dirty(), 0);
}
END_TEST

START_TEST(read_only_device_never_reaches_write_or_flush)
{
	struct block_device *bd;

	disk_create(1 << 20, NULL);
	bt.disk.bd.readonly = true;
	bd = disk_register();
	ck_assert_int_eq(blkdev_get(bd, true), -EROFS);
	dirty_page(bd, 0, 0xff);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 0);
	ck_assert_uint_eq(bt.disk.flushes, 0);
	ck_assert_uint_eq(cache_dirty(), 0);
	ck_assert_uint_eq(bt.disk.data[0], pattern(0));
}
END_TEST

/* ---- forgetting and eviction ---- */

START_TEST(bforget_drops_only_pages_wholly_inside_the_range)
{
	struct block_device *bd = disk_setup(1 << 20);

	for (uint64_t i = 0; i < 4; i++)
		read_page(bd, i);
	bforget(bd, 4, 8, 1024);
	ck_assert(cached(bd, 0));
	ck_assert(!cached(bd, 1));
	ck_assert(!cached(bd, 2));
	ck_assert(cached(bd, 3));
	bforget(bd, 13, 2, 1024);
	ck_assert(cached(bd, 3));
	bforget(bd, 0, UINT64_MAX, 512);
	bforget(bd, UINT64_MAX, 1, 4096);
	ck_assert(cached(bd, 0));
}
END_TEST

START_TEST(bforget_discards_dirty_pages_but_not_pinned_ones)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf pinned;

	dirty_page(bd, 20, 0x20);
	ck_assert_int_eq(bread(bd, 21, PAGE_SIZE, &pinned), 0);
	bforget(bd, 20, 2, PAGE_SIZE);
	ck_assert(!cached(bd, 20));
	ck_assert(cached(bd, 21));
	ck_assert_uint_eq(cache_dirty(), 0);
	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 0);
	brelse(&pinned);
}
END_TEST

START_TEST(shrink_frees_clean_unpinned_pages_first)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf pinned;
	pfn_t mapped;

	read_page(bd, 10);
	read_page(bd, 20);
	read_page(bd, 30);
	dirty_page(bd, 40, 0x40);
	ck_assert_int_eq(bread(bd, 50, PAGE_SIZE, &pinned), 0);
	read_page(bd, 60);
	{
		struct buf b;

		ck_assert_int_eq(bread(bd, 60, PAGE_SIZE, &b), 0);
		mapped = buf_page_get(&b, false);
		brelse(&b);
	}
	ck_assert_uint_eq(cache_pages(), 6);
	ck_assert_uint_eq(bcache_shrink(3), 3);
	ck_assert(!cached(bd, 10) && !cached(bd, 20) && !cached(bd, 30));
	ck_assert(cached(bd, 40));
	ck_assert(cached(bd, 50));
	ck_assert(cached(bd, 60));
	ck_assert_uint_eq(bt.disk.writes, 0);
	page_put(mapped);
	brelse(&pinned);
}
END_TEST

START_TEST(shrink_writes_back_dirty_pages_when_clean_ones_run_out)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf pinned;

	read_page(bd, 10);
	dirty_page(bd, 40, 0x40);
	ck_assert_int_eq(bread(bd, 50, PAGE_SIZE, &pinned), 0);
	ck_assert_uint_eq(bcache_shrink(100), 2);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert(all_bytes(bt.disk.data + 40 * PAGE_SIZE, 0x40, PAGE_SIZE));
	ck_assert(!cached(bd, 40));
	ck_assert(cached(bd, 50));
	brelse(&pinned);
}
END_TEST

START_TEST(shrink_keeps_dirty_pages_whose_write_back_fails)
{
	struct block_device *bd = disk_setup(1 << 20);

	dirty_page(bd, 40, 0x40);
	bt.disk.write_err = -EIO;
	ck_assert_uint_eq(bcache_shrink(100), 0);
	ck_assert(cached(bd, 40));
	ck_assert_uint_eq(cache_dirty(), 1);
	bt.disk.write_err = 0;
	ck_assert_int_eq(blkdev_sync(bd), -EIO);
	ck_assert(all_bytes(bt.disk.data + 40 * PAGE_SIZE, 0x40, PAGE_SIZE));
}
END_TEST

START_TEST(invalidate_drops_clean_pages_and_keeps_dirty_ones)
{
	struct block_device *bd = disk_setup(1 << 20);

	read_page(bd, 1);
	dirty_page(bd, 9, 0x99);
	blkdev_invalidate(bd);
	ck_assert(!cached(bd, 1));
	ck_assert(cached(bd, 9));
}
END_TEST

/* ---- memory pressure (a 64-page physmem) ---- */

START_TEST(page_alloc_reclaims_clean_cache_pages)
{
	struct block_device *bd = disk_setup(1 << 20);
	pfn_t got[SMALL_PHYS_PAGES / 2];

	/* Every other page: no readahead, one cache page per read. */
	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++)
		read_page(bd, 2 * i);
	ck_assert_uint_eq(cache_pages(), SMALL_PHYS_PAGES);
	ck_assert_uint_eq(phys_free_pages(), 0);
	for (size_t i = 0; i < ARRAY_SIZE(got); i++) {
		got[i] = page_alloc();
		ck_assert_uint_ne(got[i], PFN_NONE);
	}
	ck_assert_uint_le(cache_pages(), SMALL_PHYS_PAGES / 2);
	for (size_t i = 0; i < ARRAY_SIZE(got); i++)
		page_put(got[i]);
	ck_assert_uint_eq(bt.disk.writes, 0);
}
END_TEST

START_TEST(page_alloc_writes_back_a_dirty_cache_to_reclaim_it)
{
	struct block_device *bd = disk_setup(1 << 20);
	pfn_t pfn;

	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++) {
		struct buf b;

		ck_assert_int_eq(bget(bd, i, PAGE_SIZE, &b), 0);
		memset(b.data, (int)i, PAGE_SIZE);
		bdirty(&b);
		brelse(&b);
	}
	ck_assert_uint_eq(phys_free_pages(), 0);
	ck_assert_uint_eq(bt.disk.writes, 0);
	pfn = page_alloc();
	ck_assert_uint_ne(pfn, PFN_NONE);
	ck_assert_uint_gt(bt.disk.writes, 0);
	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++)
		ck_assert(all_bytes(bt.disk.data + i * PAGE_SIZE, (uint8_t)i,
				    PAGE_SIZE));
	page_put(pfn);
}
END_TEST

START_TEST(pinned_cache_pages_are_not_reclaimed_and_allocation_fails_cleanly)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct buf b[SMALL_PHYS_PAGES];
	struct buf extra;

	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++)
		ck_assert_int_eq(bget(bd, i, PAGE_SIZE, &b[i]), 0);
	ck_assert_uint_eq(page_alloc(), PFN_NONE);
	ck_assert_int_eq(bread(bd, SMALL_PHYS_PAGES + 10, PAGE_SIZE, &extra),
			 -ENOMEM);
	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++)
		ck_assert(cached(bd, i));
	for (uint64_t i = 0; i < SMALL_PHYS_PAGES; i++)
		brelse(&b[i]);
	ck_assert_int_eq(bread(bd, SMALL_PHYS_PAGES + 10, PAGE_SIZE, &extra),
			 0);
	brelse(&extra);
}
END_TEST

/* ---- the registry and partitions ---- */

struct mbr_entry {
	uint8_t status, type;
	uint32_t start, count;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void make_mbr(uint8_t *sector, const struct mbr_entry *e, size_t n)
{
	memset(sector, 0, SECTOR_SIZE);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = sector + 446 + 16 * i;

		p[0] = e[i].status;
		p[4] = e[i].type;
		put_le32(p + 8, e[i].start);
		put_le32(p + 12, e[i].count);
	}
	sector[510] = 0x55;
	sector[511] = 0xaa;
}

#define MBR_DISK_SECTORS 8192
#define P1_START 63
#define P1_SECTORS 1001 /* not whole pages */

/* A 4 MiB disk with partitions 1 and 2 valid, 3 too long, 4 extended. */
static struct block_device *mbr_disk_setup(void)
{
	static const struct mbr_entry parts[] = {
		{ 0x80, 0x83, P1_START, P1_SECTORS },
		{ 0x00, 0x83, 2048, MBR_DISK_SECTORS - 2048 },
		{ 0x00, 0x83, 8000, 500 },
		{ 0x00, 0x05, 100, 10 },
	};
	uint8_t sector[SECTOR_SIZE];

	make_mbr(sector, parts, ARRAY_SIZE(parts));
	disk_create(MBR_DISK_SECTORS * SECTOR_SIZE, sector);
	return disk_register();
}

static bool created(const char *name)
{
	for (unsigned int i = 0; i < bt.nr_created; i++)
		if (!strcmp(bt.devfs_created[i], name))
			return true;
	return false;
}

static bool removed(const char *name)
{
	for (unsigned int i = 0; i < bt.nr_removed; i++)
		if (!strcmp(bt.devfs_removed[i], name))
			return true;
	return false;
}

START_TEST(mbr_registers_partitions_with_their_offsets_and_sizes)
{
	struct block_device *bd = mbr_disk_setup();
	struct block_device *p1 = blkdev_find_name("ubda1");
	struct block_device *p2 = blkdev_find_name("ubda2");

	ck_assert_ptr_nonnull(p1);
	ck_assert_ptr_nonnull(p2);
	ck_assert_uint_eq(p1->dev, MKDEV(DISK_MAJOR, 1));
	ck_assert_uint_eq(p1->start, P1_START * SECTOR_SIZE);
	ck_assert_uint_eq(p1->size, P1_SECTORS * SECTOR_SIZE);
	ck_assert_ptr_eq(p1->whole, bd);
	ck_assert_uint_eq(p2->dev, MKDEV(DISK_MAJOR, 2));
	ck_assert_uint_eq(p2->start, 2048 * SECTOR_SIZE);
	ck_assert_uint_eq(p2->size, (MBR_DISK_SECTORS - 2048) * SECTOR_SIZE);
	ck_assert_ptr_eq(blkdev_find(MKDEV(DISK_MAJOR, 2)), p2);
	ck_assert(created("ubda") && created("ubda1") && created("ubda2"));
	ck_assert_ptr_eq(bd->whole, bd);
}
END_TEST

START_TEST(mbr_entries_beyond_the_disk_are_ignored_and_extended_ones_are_1k)
{
	struct block_device *p4;

	mbr_disk_setup();
	ck_assert_ptr_null(blkdev_find_name("ubda3"));
	ck_assert(!created("ubda3"));
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: partition 3 beyond the "
						"end of the disk, ignored"));
	/* Its first EBR has no signature: no logical partitions. */
	p4 = blkdev_find_name("ubda4");
	ck_assert_ptr_nonnull(p4);
	ck_assert_uint_eq(p4->start, 100 * SECTOR_SIZE);
	ck_assert_uint_eq(p4->size, 2 * SECTOR_SIZE);
	ck_assert_ptr_null(blkdev_find_name("ubda5"));
	ck_assert_ptr_null(strstr(fake_klog, "partition 4"));
}
END_TEST

/* ---- extended partitions and their EBR chains ---- */

#define EXT_START 4096
#define EXT_SECTORS (MBR_DISK_SECTORS - EXT_START)

/*
 * Create (not register) an 8192-sector disk whose MBR has a Linux
 * partition 1 and an extended partition 2 of type ext_type over the
 * second half of the disk.
 */
static void ext_disk_create(uint8_t ext_type)
{
	const struct mbr_entry parts[] = {
		{ 0x80, 0x83, 2048, 1024 },
		{ 0x00, ext_type, EXT_START, EXT_SECTORS },
	};
	uint8_t sector[SECTOR_SIZE];

	make_mbr(sector, parts, ARRAY_SIZE(parts));
	disk_create(MBR_DISK_SECTORS * SECTOR_SIZE, sector);
}

/*
 * Write the EBR at extended-relative sector rel: a logical partition of
 * count sectors at data_rel after the EBR (none when count is 0), and a
 * link to the EBR at extended-relative sector next (none when 0).
 */
static void put_ebr(uint32_t rel, uint32_t data_rel, uint32_t count,
		    uint32_t next)
{
	struct mbr_entry e[2] = { { 0 } };
	size_t n = 0;

	if (count)
		e[n++] = (struct mbr_entry){ 0, 0x83, data_rel, count };
	if (next)
		e[n++] = (struct mbr_entry){ 0, 0x05, next, 100 };
	make_mbr(bt.disk.data + (uint64_t)(EXT_START + rel) * SECTOR_SIZE, e,
		 n);
}

static void assert_part(const char *name, unsigned int minor, uint64_t start,
			uint64_t sectors)
{
	struct block_device *p = blkdev_find_name(name);

	ck_assert_msg(p != NULL, "%s missing", name);
	ck_assert_uint_eq(p->dev, MKDEV(DISK_MAJOR, minor));
	ck_assert_uint_eq(p->start, start * SECTOR_SIZE);
	ck_assert_uint_eq(p->size, sectors * SECTOR_SIZE);
	ck_assert_ptr_eq(p->whole, &bt.disk.bd);
	ck_assert(created(name));
}

START_TEST(extended_partition_gives_logical_partitions_numbered_from_5)
{
	static const char *const order[] = { "ubda",  "ubda1", "ubda2",
					     "ubda5", "ubda6", "ubda7" };
	struct block_device *bd, *p6;
	struct buf b;
	unsigned int i = 0;

	ext_disk_create(0x05);
	put_ebr(0, 64, 500, 1024);
	put_ebr(1024, 64, 500, 2048);
	put_ebr(2048, 64, 1000, 0);
	disk_register();
	assert_part("ubda1", 1, 2048, 1024);
	assert_part("ubda2", 2, EXT_START, 2);
	assert_part("ubda5", 5, EXT_START + 64, 500);
	assert_part("ubda6", 6, EXT_START + 1024 + 64, 500);
	assert_part("ubda7", 7, EXT_START + 2048 + 64, 1000);
	ck_assert_ptr_null(blkdev_find_name("ubda3"));
	ck_assert_ptr_null(blkdev_find_name("ubda8"));
	ck_assert_uint_eq(fake_klog_len, 0);
	/* Registered (and listed in /proc/partitions) in number order. */
	for (bd = blkdev_next(NULL); bd; bd = blkdev_next(bd), i++) {
		ck_assert_uint_lt(i, ARRAY_SIZE(order));
		ck_assert_str_eq(bd->name, order[i]);
	}
	ck_assert_uint_eq(i, ARRAY_SIZE(order));
	p6 = blkdev_find_name("ubda6");
	ck_assert_int_eq(bread(p6, 1, 1024, &b), 0);
	ck_assert_mem_eq(b.data,
			 bt.disk.data + (EXT_START + 1024 + 64) * SECTOR_SIZE +
				 1024,
			 1024);
	brelse(&b);
}
END_TEST

START_TEST(lba_and_linux_extended_types_are_walked_too)
{
	static const uint8_t types[] = { 0x0f, 0x85 };

	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		ext_disk_create(types[i]);
		put_ebr(0, 2048, 100, 0);
		disk_register();
		assert_part("ubda5", 5, EXT_START + 2048, 100);
		ck_assert_int_eq(blkdev_unregister(&bt.disk.bd), 0);
		bt.registered = false;
		free(bt.disk.data);
		bt.disk.data = NULL;
	}
}
END_TEST

START_TEST(link_before_the_partition_in_an_ebr_is_followed)
{
	struct mbr_entry e[2] = { { 0, 0x05, 1024, 100 },
				  { 0, 0x83, 64, 200 } };

	ext_disk_create(0x05);
	make_mbr(bt.disk.data + EXT_START * SECTOR_SIZE, e, 2);
	put_ebr(1024, 64, 300, 0);
	disk_register();
	assert_part("ubda5", 5, EXT_START + 64, 200);
	assert_part("ubda6", 6, EXT_START + 1024 + 64, 300);
}
END_TEST

START_TEST(looping_ebr_chain_stops_with_a_warning)
{
	ext_disk_create(0x05);
	put_ebr(0, 64, 500, 1024);
	put_ebr(1024, 64, 500, 512);
	/* Back to the second EBR, with no partition of its own. */
	put_ebr(512, 0, 0, 1024);
	disk_register();
	assert_part("ubda5", 5, EXT_START + 64, 500);
	assert_part("ubda6", 6, EXT_START + 1024 + 64, 500);
	ck_assert_ptr_null(blkdev_find_name("ubda7"));
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: EBR chain loops back to "
						"sector 5120, stopped"));
}
END_TEST

START_TEST(ebr_pointing_to_itself_stops_with_a_warning)
{
	ext_disk_create(0x05);
	put_ebr(0, 64, 500, 0);
	/* A link of 0 is the first EBR again. */
	bt.disk.data[EXT_START * SECTOR_SIZE + 446 + 16 + 4] = 0x05;
	bt.disk.data[EXT_START * SECTOR_SIZE + 446 + 16 + 12] = 1;
	disk_register();
	assert_part("ubda5", 5, EXT_START + 64, 500);
	ck_assert_ptr_null(blkdev_find_name("ubda6"));
	ck_assert_ptr_nonnull(strstr(fake_klog, "EBR chain loops back"));
}
END_TEST

START_TEST(ebr_link_past_the_disk_stops_the_chain_with_a_warning)
{
	ext_disk_create(0x05);
	put_ebr(0, 64, 500, 0xf0000000u);
	disk_register();
	assert_part("ubda5", 5, EXT_START + 64, 500);
	ck_assert_ptr_null(blkdev_find_name("ubda6"));
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: EBR link outside the "
						"extended partition, chain "
						"stopped"));
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

START_TEST(logical_partition_past_the_extended_one_is_ignored)
{
	ext_disk_create(0x05);
	put_ebr(0, 64, EXT_SECTORS, 1024);
	put_ebr(1024, 0xfffffff0u, 100, 2048);
	put_ebr(2048, 64, 100, 0);
	disk_register();
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: logical partition 5 "
						"outside the extended "
						"partition, ignored"));
	assert_part("ubda5", 5, EXT_START + 2048 + 64, 100);
	ck_assert_ptr_null(blkdev_find_name("ubda6"));
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

START_TEST(extended_partition_past_the_disk_is_not_walked)
{
	static const struct mbr_entry parts[] = {
		{ 0x00, 0x05, EXT_START, MBR_DISK_SECTORS },
	};
	uint8_t sector[SECTOR_SIZE];

	make_mbr(sector, parts, ARRAY_SIZE(parts));
	disk_create(MBR_DISK_SECTORS * SECTOR_SIZE, sector);
	put_ebr(0, 64, 500, 0);
	disk_register();
	ck_assert_ptr_null(blkdev_find_name("ubda1"));
	ck_assert_ptr_null(blkdev_find_name("ubda5"));
	ck_assert_ptr_nonnull(strstr(fake_klog, "ubda: partition 1 beyond the "
						"end of the disk, ignored"));
}
END_TEST

START_TEST(more_logical_partitions_than_minors_are_ignored)
{
	const uint32_t step = 256;

	ext_disk_create(0x05);
	/* 14 EBRs each with a partition: only 5..15 have minors. */
	for (uint32_t i = 0; i < 14; i++)
		put_ebr(i * step, 8, 100, i < 13 ? (i + 1) * step : 0);
	disk_register();
	for (unsigned int n = 5; n <= 15; n++) {
		char name[16];

		snprintf(name, sizeof(name), "ubda%u", n);
		assert_part(name, n, EXT_START + (n - 5) * step + 8, 100);
	}
	ck_assert_ptr_null(blkdev_find_name("ubda16"));
	ck_assert_ptr_null(blkdev_find(MKDEV(DISK_MAJOR, 16)));
	ck_assert(!created("ubda16"));
	ck_assert_ptr_nonnull(strstr(fake_klog,
				     "ubda: more than 15 partitions, "
				     "the rest ignored"));
	ck_assert_int_eq(blkdev_unregister(&bt.disk.bd), 0);
	bt.registered = false;
	ck_assert(removed("ubda15") && removed("ubda5") && removed("ubda"));
}
END_TEST

START_TEST(sector_zero_without_an_mbr_gives_no_partitions)
{
	uint8_t sector[SECTOR_SIZE] = { 0 };

	disk_create(1 << 20, sector);
	disk_register();
	ck_assert_ptr_null(blkdev_find_name("ubda1"));
	ck_assert_ptr_eq(blkdev_next(blkdev_next(NULL)), NULL);
}
END_TEST

START_TEST(boot_sector_with_signature_but_bad_status_gives_no_partitions)
{
	static const struct mbr_entry parts[] = {
		{ 0xeb, 0x83, 63, 100 },
	};
	uint8_t sector[SECTOR_SIZE];

	make_mbr(sector, parts, ARRAY_SIZE(parts));
	disk_create(1 << 20, sector);
	disk_register();
	ck_assert_ptr_null(blkdev_find_name("ubda1"));
}
END_TEST

START_TEST(partition_io_lands_at_its_start_on_the_disk)
{
	struct block_device *bd = mbr_disk_setup();
	struct block_device *p1 = blkdev_find_name("ubda1");
	uint64_t start = P1_START * SECTOR_SIZE;
	struct buf b;

	ck_assert_int_eq(bread(p1, 0, SECTOR_SIZE, &b), 0);
	ck_assert_mem_eq(b.data, bt.disk.data + start, SECTOR_SIZE);
	brelse(&b);
	ck_assert_int_eq(bread(p1, 2, 1024, &b), 0);
	ck_assert_mem_eq(b.data, bt.disk.data + start + 2048, 1024);
	memset(b.data, 0xc3, 1024);
	bdirty(&b);
	brelse(&b);
	ck_assert_int_eq(bread(p1, P1_SECTORS, SECTOR_SIZE, &b), -EINVAL);

	ck_assert_int_eq(blkdev_sync(bd), 0);
	ck_assert_uint_eq(bt.disk.writes, 1);
	ck_assert_uint_eq(bt.disk.write_log[0].off, start);
	ck_assert(all_bytes(bt.disk.data + start + 2048, 0xc3, 1024));
	ck_assert_uint_eq(bt.disk.data[start + 3072], pattern(start + 3072));
	ck_assert_uint_eq(bt.disk.flushes, 1);
}
END_TEST

START_TEST(last_partial_page_of_a_partition_stays_inside_it)
{
	uint64_t size = P1_SECTORS * SECTOR_SIZE, last = size / PAGE_SIZE;
	struct block_device *p1;
	struct buf b;

	mbr_disk_setup();
	p1 = blkdev_find_name("ubda1");
	ck_assert_uint_ne(size % PAGE_SIZE, 0);
	ck_assert_int_eq(bread(p1, P1_SECTORS - 1, SECTOR_SIZE, &b), 0);
	ck_assert_uint_eq(b.page->idx, last);
	ck_assert_uint_eq(bt.disk.read_log[0].off,
			  P1_START * SECTOR_SIZE + last * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.read_log[0].len, size - last * PAGE_SIZE);
	bdirty(&b);
	brelse(&b);
	ck_assert_int_eq(blkdev_sync(p1), 0);
	ck_assert_uint_eq(bt.disk.write_log[0].len, size - last * PAGE_SIZE);
	ck_assert_uint_eq(bt.disk.out_of_range, 0);
}
END_TEST

START_TEST(unregister_is_busy_while_a_holder_exists)
{
	struct block_device *bd = mbr_disk_setup();
	struct block_device *p2 = blkdev_find_name("ubda2");

	ck_assert_int_eq(blkdev_get(bd, true), 0);
	ck_assert_int_eq(blkdev_unregister(bd), -EBUSY);
	blkdev_put(bd, true);
	ck_assert_int_eq(blkdev_get(p2, false), 0);
	ck_assert_int_eq(blkdev_unregister(bd), -EBUSY);
	ck_assert_ptr_eq(blkdev_find_name("ubda2"), p2);
	blkdev_put(p2, false);

	dirty_page(bd, 3, 0x33);
	ck_assert_int_eq(blkdev_unregister(bd), 0);
	bt.registered = false;
	ck_assert(all_bytes(bt.disk.data + 3 * PAGE_SIZE, 0x33, PAGE_SIZE));
	ck_assert_ptr_null(blkdev_find_name("ubda"));
	ck_assert_ptr_null(blkdev_find_name("ubda1"));
	ck_assert_ptr_null(blkdev_next(NULL));
	ck_assert(removed("ubda") && removed("ubda1") && removed("ubda2"));
	ck_assert_uint_eq(cache_pages(), 0);
}
END_TEST

START_TEST(mount_source_by_device_number_holds_the_device)
{
	struct block_device *bd = mbr_disk_setup(), *got = NULL;

	ck_assert_int_eq(blkdev_open_source("98:1", false, &got), 0);
	ck_assert_ptr_eq(got, blkdev_find_name("ubda1"));
	ck_assert(got->mounted);
	ck_assert_int_eq(blkdev_unregister(bd), -EBUSY);
	blkdev_put(got, false);
	ck_assert(!got->mounted);
	ck_assert_int_eq(blkdev_open_source("98:7", false, &got), -ENXIO);
	ck_assert_int_eq(blkdev_open_source("", false, &got), -ENOENT);
	ck_assert_int_eq(blkdev_open_source("/dev/nothing", false, &got),
			 -ENOENT);
}
END_TEST

START_TEST(write_holder_is_refused_on_a_read_only_disk_and_its_partitions)
{
	struct block_device *p1;
	struct mbr_entry part = { 0, 0x83, 8, 100 };
	uint8_t sector[SECTOR_SIZE];

	make_mbr(sector, &part, 1);
	disk_create(1 << 20, sector);
	bt.disk.bd.readonly = true;
	disk_register();
	p1 = blkdev_find_name("ubda1");
	ck_assert_ptr_nonnull(p1);
	ck_assert(p1->readonly);
	ck_assert_int_eq(blkdev_get(p1, true), -EROFS);
	ck_assert_int_eq(blkdev_get(p1, false), 0);
	blkdev_put(p1, false);
}
END_TEST

START_TEST(register_refuses_duplicates_and_odd_sizes)
{
	struct block_device *bd = disk_setup(1 << 20);
	struct block_device other = *bd;

	ck_assert_int_eq(blkdev_register(&other), -EINVAL);
	snprintf(other.name, sizeof(other.name), "ubdb");
	ck_assert_int_eq(blkdev_register(&other), -EINVAL);
	other.dev = MKDEV(DISK_MAJOR, 16);
	other.size = 1000;
	ck_assert_int_eq(blkdev_register(&other), -EINVAL);
}
END_TEST

START_TEST(device_numbers_parse_as_major_colon_minor)
{
	uint64_t dev;

	ck_assert(blkdev_parse_devnum("98:16", &dev));
	ck_assert_uint_eq(dev, MKDEV(98, 16));
	ck_assert(blkdev_parse_devnum("8:300", &dev));
	ck_assert_uint_eq(dev, MKDEV(8, 300));
	ck_assert(!blkdev_parse_devnum("98", &dev));
	ck_assert(!blkdev_parse_devnum("x:1", &dev));
	ck_assert(!blkdev_parse_devnum("98:", &dev));
	ck_assert(!blkdev_parse_devnum("4096:0", &dev));
	ck_assert(!blkdev_parse_devnum("1:1048576", &dev));
	ck_assert(!blkdev_parse_devnum("123456789012345678:1", &dev));
}
END_TEST

static Suite *block_suite(void)
{
	Suite *s = suite_create("block");
	TCase *rd = tcase_create("read");
	TCase *wb = tcase_create("write-back");
	TCase *ev = tcase_create("eviction");
	TCase *mem = tcase_create("memory pressure");
	TCase *reg = tcase_create("registry");

	tcase_add_checked_fixture(rd, setup, teardown);
	tcase_add_test(rd, bread_returns_device_data);
	tcase_add_test(rd, blocks_of_each_size_sit_at_their_offset_in_the_page);
	tcase_add_test(rd, blocks_sharing_a_page_share_one_read);
	tcase_add_test(rd, bad_block_sizes_and_blocks_past_the_end_are_invalid);
	tcase_add_test(rd, bget_of_a_whole_page_does_not_read);
	tcase_add_test(rd, bget_of_a_cached_page_keeps_its_data);
	tcase_add_test(rd, sequential_misses_read_ahead_in_growing_windows);
	tcase_add_test(rd, scattered_misses_do_not_read_ahead);
	tcase_add_test(rd, readahead_stops_at_the_end_of_the_device);
	tcase_add_test(rd, read_error_gives_eio_and_caches_nothing);
	tcase_add_test(rd,
		       readahead_into_a_bad_sector_still_reads_the_wanted_page);
	tcase_add_test(rd, last_partial_page_is_read_in_part_and_zero_filled);
	suite_add_tcase(s, rd);

	tcase_add_checked_fixture(wb, setup, teardown);
	tcase_add_test(wb, sync_writes_consecutive_dirty_pages_as_one_request);
	tcase_add_test(wb, sync_writes_only_dirty_pages_in_ascending_runs);
	tcase_add_test(wb, long_dirty_runs_are_split_into_bounded_requests);
	tcase_add_test(
		wb,
		write_back_error_is_reported_by_sync_and_the_page_stays_dirty);
	tcase_add_test(wb, flush_error_is_reported_by_sync);
	tcase_add_test(wb, write_through_device_writes_at_brelse);
	tcase_add_test(wb, write_through_error_is_reported_by_the_next_sync);
	tcase_add_test(
		wb,
		dirtying_arms_the_timer_whose_write_back_reports_errors_later);
	tcase_add_test(wb, dirty_set_past_the_limit_is_written_back_at_brelse);
	tcase_add_test(wb, shared_writable_page_stays_dirty_while_mapped);
	tcase_add_test(wb, read_only_device_never_reaches_write_or_flush);
	suite_add_tcase(s, wb);

	tcase_add_checked_fixture(ev, setup, teardown);
	tcase_add_test(ev, bforget_drops_only_pages_wholly_inside_the_range);
	tcase_add_test(ev, bforget_discards_dirty_pages_but_not_pinned_ones);
	tcase_add_test(ev, shrink_frees_clean_unpinned_pages_first);
	tcase_add_test(ev,
		       shrink_writes_back_dirty_pages_when_clean_ones_run_out);
	tcase_add_test(ev, shrink_keeps_dirty_pages_whose_write_back_fails);
	tcase_add_test(ev, invalidate_drops_clean_pages_and_keeps_dirty_ones);
	suite_add_tcase(s, ev);

	tcase_add_checked_fixture(mem, setup_small, teardown);
	tcase_add_test(mem, page_alloc_reclaims_clean_cache_pages);
	tcase_add_test(mem, page_alloc_writes_back_a_dirty_cache_to_reclaim_it);
	tcase_add_test(
		mem,
		pinned_cache_pages_are_not_reclaimed_and_allocation_fails_cleanly);
	suite_add_tcase(s, mem);

	tcase_add_checked_fixture(reg, setup, teardown);
	tcase_add_test(reg,
		       mbr_registers_partitions_with_their_offsets_and_sizes);
	tcase_add_test(
		reg,
		mbr_entries_beyond_the_disk_are_ignored_and_extended_ones_are_1k);
	tcase_add_test(
		reg,
		extended_partition_gives_logical_partitions_numbered_from_5);
	tcase_add_test(reg, lba_and_linux_extended_types_are_walked_too);
	tcase_add_test(reg, link_before_the_partition_in_an_ebr_is_followed);
	tcase_add_test(reg, looping_ebr_chain_stops_with_a_warning);
	tcase_add_test(reg, ebr_pointing_to_itself_stops_with_a_warning);
	tcase_add_test(reg,
		       ebr_link_past_the_disk_stops_the_chain_with_a_warning);
	tcase_add_test(reg, logical_partition_past_the_extended_one_is_ignored);
	tcase_add_test(reg, extended_partition_past_the_disk_is_not_walked);
	tcase_add_test(reg, more_logical_partitions_than_minors_are_ignored);
	tcase_add_test(reg, sector_zero_without_an_mbr_gives_no_partitions);
	tcase_add_test(
		reg,
		boot_sector_with_signature_but_bad_status_gives_no_partitions);
	tcase_add_test(reg, partition_io_lands_at_its_start_on_the_disk);
	tcase_add_test(reg, last_partial_page_of_a_partition_stays_inside_it);
	tcase_add_test(reg, unregister_is_busy_while_a_holder_exists);
	tcase_add_test(reg, mount_source_by_device_number_holds_the_device);
	tcase_add_test(
		reg,
		write_holder_is_refused_on_a_read_only_disk_and_its_partitions);
	tcase_add_test(reg, register_refuses_duplicates_and_odd_sizes);
	tcase_add_test(reg, device_numbers_parse_as_major_colon_minor);
	suite_add_tcase(s, reg);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(block_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
