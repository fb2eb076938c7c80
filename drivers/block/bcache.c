/*
 * The block cache: device data in physical-memory pages.
 *
 * Each cached page holds the 4 KiB of a device at a page-aligned offset and
 * is found through one hash table keyed by (device, page index). Pages are
 * kept in one LRU list; pinned pages (struct buf holders) and pages mapped
 * into guests are never evicted, dirty ones only after write-back.
 *
 * Write-back sorts a device's dirty pages by index and sends runs of
 * consecutive pages to the driver as one multi-segment request, so the host
 * sees large pwritev calls. It runs on sync, when the dirty set passes a
 * limit, when memory runs out, and from a timer armed only while something
 * is dirty (an idle machine has no periodic wake-up).
 *
 * A miss right after a miss on the previous page reads ahead, doubling the
 * window up to RA_MAX pages, so sequential reads reach the host in large
 * preadv calls too.
 */
#include "block_internal.h"
#include "err.h"
#include "klib.h"
#include "mm.h"
#include "printk.h"
#include "timer.h"

#define BCACHE_HASH_BITS 14
#define BCACHE_HASH_SIZE (1u << BCACHE_HASH_BITS)
#define RA_MIN 4
#define RA_MAX 64
#define WRITEBACK_DELAY_NS (5 * NSEC_PER_SEC)
/* Segments per driver request during write-back. */
#define WB_SEGS 128

struct bcache_state {
	struct list_head *hash;
	struct list_head lru;
	uint64_t nr_pages, nr_dirty;
	uint64_t dirty_limit; /* write back a device past this many */
	struct ktimer writeback_timer;
	bool reclaiming;
};

static struct bcache_state bcache;

static unsigned int bcache_hash(const struct block_device *bd, uint64_t idx)
{
	uint64_t key = (uint64_t)(uintptr_t)bd ^ (idx * 0x9e3779b97f4a7c15ULL);

	key ^= key >> 29;
	return (unsigned int)((key * 0xbf58476d1ce4e5b9ULL) >>
			      (64 - BCACHE_HASH_BITS));
}

static struct bcache_page *bcache_find(struct block_device *bd, uint64_t idx)
{
	struct list_head *bucket = &bcache.hash[bcache_hash(bd, idx)];
	struct bcache_page *p;

	list_for_each_entry(p, bucket, hash_link)
		if (p->bd == bd && p->idx == idx)
			return p;
	return NULL;
}

/* Bytes of page idx that lie inside the device. */
static size_t page_bytes(const struct block_device *bd, uint64_t idx)
{
	uint64_t off = idx * PAGE_SIZE;

	if (off >= bd->size)
		return 0;
	return bd->size - off < PAGE_SIZE ? (size_t)(bd->size - off) :
					    PAGE_SIZE;
}

static struct bcache_page *bcache_alloc(struct block_device *bd, uint64_t idx)
{
	struct bcache_page *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->pfn = page_alloc();
	if (p->pfn == PFN_NONE) {
		kfree(p);
		return NULL;
	}
	p->bd = bd;
	p->idx = idx;
	list_init(&p->dirty_link);
	return p;
}

static void bcache_insert(struct bcache_page *p)
{
	list_add(&p->hash_link, &bcache.hash[bcache_hash(p->bd, p->idx)]);
	list_add_tail(&p->dev_link, &p->bd->cache.pages);
	list_add_tail(&p->lru_link, &bcache.lru);
	p->bd->cache.nr_pages++;
	bcache.nr_pages++;
}

static void bcache_free(struct bcache_page *p)
{
	page_put(p->pfn);
	kfree(p);
}

static void bcache_clean(struct bcache_page *p)
{
	if (!p->dirty)
		return;
	p->dirty = false;
	list_del(&p->dirty_link);
	list_init(&p->dirty_link);
	p->bd->cache.nr_dirty--;
	bcache.nr_dirty--;
}

static void bcache_remove(struct bcache_page *p)
{
	bcache_clean(p);
	list_del(&p->hash_link);
	list_del(&p->dev_link);
	list_del(&p->lru_link);
	p->bd->cache.nr_pages--;
	bcache.nr_pages--;
	bcache_free(p);
}

static bool bcache_evictable(const struct bcache_page *p)
{
	return !p->pins && !p->dirty && page_refs(p->pfn) == 1;
}

void bcache_dev_init(struct block_device *bd)
{
	list_init(&bd->cache.pages);
	list_init(&bd->cache.dirty);
	bd->cache.nr_pages = 0;
	bd->cache.nr_dirty = 0;
	bd->cache.last_miss = UINT64_MAX;
	bd->cache.ra_pages = 0;
	bd->cache.error = 0;
}

/* ---- reading ---- */

/*
 * How many pages after idx to read along with it: a growing window while
 * misses are sequential, none otherwise.
 */
static unsigned int readahead_window(struct block_device *bd, uint64_t idx)
{
	struct bcache_dev *c = &bd->cache;

	if (c->last_miss != UINT64_MAX && idx == c->last_miss + 1)
		c->ra_pages = c->ra_pages ? MIN(c->ra_pages * 2, RA_MAX) :
					    RA_MIN;
	else
		c->ra_pages = 0;
	return c->ra_pages;
}

/*
 * Read pages[0..n) (consecutive indexes from pages[0]->idx) in one request;
 * the part past the end of the device is zeroed.
 */
static int bcache_read_run(struct block_device *bd, struct bcache_page **pages,
			   unsigned int n)
{
	struct blk_seg segs[RA_MAX + 1];
	unsigned int nsegs = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t len = page_bytes(bd, pages[i]->idx);

		if (len < PAGE_SIZE)
			kmemset((char *)page_ptr(pages[i]->pfn) + len, 0,
				PAGE_SIZE - len);
		if (!len)
			break;
		segs[nsegs].data = page_ptr(pages[i]->pfn);
		segs[nsegs].len = len;
		nsegs++;
	}
	if (!nsegs)
		return 0;
	return bd->ops->read(bd, pages[0]->idx * PAGE_SIZE, segs, nsegs);
}

/* A miss on idx: read it and any readahead pages, insert them all. */
static int bcache_fill(struct block_device *bd, uint64_t idx,
		       struct bcache_page **out)
{
	struct bcache_page *pages[RA_MAX + 1];
	unsigned int ra = readahead_window(bd, idx), n = 0;
	uint64_t last = (bd->size - 1) / PAGE_SIZE;
	int err;

	bd->cache.last_miss = idx;
	pages[n] = bcache_alloc(bd, idx);
	if (!pages[n])
		return -ENOMEM;
	n++;
	while (n <= ra && idx + n <= last && !bcache_find(bd, idx + n)) {
		pages[n] = bcache_alloc(bd, idx + n);
		if (!pages[n])
			break;
		n++;
	}
	bd->cache.last_miss = idx + n - 1;
	err = bcache_read_run(bd, pages, n);
	if (err && n > 1) {
		/* Readahead may have run into the bad sector: just idx. */
		for (unsigned int i = 1; i < n; i++)
			bcache_free(pages[i]);
		n = 1;
		err = bcache_read_run(bd, pages, 1);
	}
	if (err) {
		bcache_free(pages[0]);
		return err;
	}
	for (unsigned int i = 0; i < n; i++)
		bcache_insert(pages[i]);
	*out = pages[0];
	return 0;
}

int bcache_page_get(struct block_device *bd, uint64_t idx, bool noread,
		    struct bcache_page **out)
{
	struct bcache_page *p = bcache_find(bd, idx);
	int err;

	if (idx * PAGE_SIZE >= bd->size)
		return -EINVAL;
	if (p) {
		list_del(&p->lru_link);
		list_add_tail(&p->lru_link, &bcache.lru);
	} else if (noread) {
		p = bcache_alloc(bd, idx);
		if (!p)
			return -ENOMEM;
		kmemset(page_ptr(p->pfn), 0, PAGE_SIZE);
		bcache_insert(p);
	} else {
		err = bcache_fill(bd, idx, &p);
		if (err)
			return err;
	}
	p->pins++;
	*out = p;
	return 0;
}

/* ---- write-back ---- */

static bool idx_less(const struct bcache_page *a, const struct bcache_page *b)
{
	return a->idx < b->idx;
}

static void sift_down(struct bcache_page **v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		struct bcache_page *t;

		if (child >= n)
			return;
		if (child + 1 < n && idx_less(v[child], v[child + 1]))
			child++;
		if (!idx_less(v[root], v[child]))
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

/* Heapsort by page index: no recursion, no extra memory. */
static void sort_by_idx(struct bcache_page **v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		struct bcache_page *t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

/* Write v[0..n) (sorted, consecutive indexes) in one request. */
static int write_run(struct block_device *bd, struct bcache_page **v, size_t n)
{
	struct blk_seg segs[WB_SEGS];
	size_t nsegs = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = page_bytes(bd, v[i]->idx);

		if (!len)
			break;
		segs[nsegs].data = page_ptr(v[i]->pfn);
		segs[nsegs].len = len;
		nsegs++;
	}
	if (!nsegs)
		return 0;
	return bd->ops->write(bd, v[0]->idx * PAGE_SIZE, segs,
			      (unsigned int)nsegs);
}

/*
 * A written page is clean unless a guest may still write it through a
 * shared mapping: then it stays on the dirty list for the next pass.
 */
static void written(struct bcache_page *p)
{
	if (p->shared_write && page_refs(p->pfn) > 1)
		return;
	p->shared_write = false;
	bcache_clean(p);
}

int bcache_writeback(struct block_device *bd)
{
	struct bcache_page **v, *p;
	size_t n = 0, i = 0;
	int err = 0;

	if (!bd->cache.nr_dirty)
		goto out;
	if (bd->readonly) {
		/* Nothing can reach the device: drop the changes. */
		while (!list_empty(&bd->cache.dirty))
			bcache_clean(list_first_entry(&bd->cache.dirty,
						      struct bcache_page,
						      dirty_link));
		goto out;
	}
	v = kmalloc(bd->cache.nr_dirty * sizeof(*v));
	if (!v)
		return -ENOMEM;
	list_for_each_entry(p, &bd->cache.dirty, dirty_link)
		v[n++] = p;
	sort_by_idx(v, n);
	while (i < n) {
		size_t run = 1;
		int e;

		while (i + run < n && run < WB_SEGS &&
		       v[i + run]->idx == v[i]->idx + run)
			run++;
		e = write_run(bd, v + i, run);
		if (e) {
			printk(KERN_ERR "%s: write-back of page %llu failed "
					"(%d)\n",
			       bd->name, (unsigned long long)v[i]->idx, e);
			if (!err)
				err = e;
		} else {
			for (size_t k = 0; k < run; k++)
				written(v[i + k]);
		}
		i += run;
	}
	kfree(v);
out:
	if (!err && bd->cache.error) {
		err = bd->cache.error;
		bd->cache.error = 0;
	}
	return err;
}

static void bcache_arm_writeback(void)
{
	if (!bcache.writeback_timer.armed)
		ktimer_arm(&bcache.writeback_timer,
			   time_mono_ns() + WRITEBACK_DELAY_NS);
}

/*
 * Write-back nobody waits for (timer, limits, memory pressure): the first
 * error is kept for the next blkdev_sync of the device to report.
 */
static void bcache_writeback_bg(struct block_device *bd)
{
	int err = bcache_writeback(bd);

	if (err && !bd->cache.error)
		bd->cache.error = err;
}

static void bcache_writeback_all(void)
{
	for (struct block_device *bd = blkdev_next(NULL); bd;
	     bd = blkdev_next(bd))
		bcache_writeback_bg(bd);
}

static void writeback_timer_fn(struct ktimer *t)
{
	bcache_writeback_all();
	if (bcache.nr_dirty)
		bcache_arm_writeback();
}

void bcache_page_dirty(struct bcache_page *p)
{
	if (p->dirty)
		return;
	p->dirty = true;
	list_add_tail(&p->dirty_link, &p->bd->cache.dirty);
	p->bd->cache.nr_dirty++;
	bcache.nr_dirty++;
	bcache_arm_writeback();
}

void bcache_page_put(struct bcache_page *p)
{
	struct block_device *bd = p->bd;

	BUG_ON(!p->pins);
	p->pins--;
	if ((p->dirty && bd->write_through) ||
	    bd->cache.nr_dirty > bcache.dirty_limit)
		bcache_writeback_bg(bd);
}

/* ---- struct buf ---- */

static int buf_check(struct block_device *bd, uint64_t blocknr,
		     unsigned int size)
{
	if (size < SECTOR_SIZE || size > PAGE_SIZE || (size & (size - 1)))
		return -EINVAL;
	if (blocknr >= bd->size / size)
		return -EINVAL;
	return 0;
}

static int buf_get(struct block_device *bd, uint64_t blocknr, unsigned int size,
		   bool noread, struct buf *b)
{
	uint64_t off = blocknr * size;
	struct bcache_page *p;
	int err = buf_check(bd, blocknr, size);

	if (err)
		return err;
	err = bcache_page_get(bd, off / PAGE_SIZE, noread, &p);
	if (err)
		return err;
	b->bd = bd;
	b->blocknr = blocknr;
	b->size = size;
	b->page = p;
	b->data = (char *)page_ptr(p->pfn) + off % PAGE_SIZE;
	return 0;
}

int bread(struct block_device *bd, uint64_t blocknr, unsigned int size,
	  struct buf *b)
{
	return buf_get(bd, blocknr, size, false, b);
}

int bget(struct block_device *bd, uint64_t blocknr, unsigned int size,
	 struct buf *b)
{
	return buf_get(bd, blocknr, size, size == PAGE_SIZE, b);
}

void bdirty(struct buf *b)
{
	bcache_page_dirty(b->page);
}

void brelse(struct buf *b)
{
	if (!b->page)
		return;
	bcache_page_put(b->page);
	b->page = NULL;
	b->data = NULL;
}

pfn_t buf_page_get(struct buf *b, bool shared_write)
{
	struct bcache_page *p = b->page;

	page_get(p->pfn);
	if (shared_write) {
		p->shared_write = true;
		bcache_page_dirty(p);
	}
	return p->pfn;
}

void bforget(struct block_device *bd, uint64_t blocknr, uint64_t count,
	     unsigned int size)
{
	uint64_t start = blocknr * size, end = start + count * size;

	if (buf_check(bd, blocknr, size) || count > bd->size / size)
		return;
	/* Only pages wholly inside the range hold nothing else. */
	for (uint64_t idx = DIV_ROUND_UP(start, PAGE_SIZE);
	     (idx + 1) * PAGE_SIZE <= end; idx++) {
		struct bcache_page *p = bcache_find(bd, idx);

		if (p && !p->pins && page_refs(p->pfn) == 1)
			bcache_remove(p);
	}
}

/* ---- eviction ---- */

static uint64_t evict_clean(uint64_t nr)
{
	struct bcache_page *p, *tmp;
	uint64_t freed = 0;

	list_for_each_entry_safe(p, tmp, &bcache.lru, lru_link) {
		if (freed >= nr)
			break;
		if (bcache_evictable(p)) {
			bcache_remove(p);
			freed++;
		}
	}
	return freed;
}

uint64_t bcache_shrink(uint64_t nr)
{
	uint64_t freed;

	if (bcache.reclaiming)
		return 0;
	bcache.reclaiming = true;
	freed = evict_clean(nr);
	if (freed < nr && bcache.nr_dirty) {
		bcache_writeback_all();
		freed += evict_clean(nr - freed);
	}
	bcache.reclaiming = false;
	return freed;
}

void blkdev_invalidate(struct block_device *bd)
{
	struct bcache_page *p, *tmp;

	list_for_each_entry_safe(p, tmp, &bd->cache.pages, dev_link)
		if (bcache_evictable(p))
			bcache_remove(p);
	bd->cache.last_miss = UINT64_MAX;
}

bool bcache_dev_pinned(struct block_device *bd)
{
	struct bcache_page *p;

	list_for_each_entry(p, &bd->cache.pages, dev_link)
		if (p->pins || page_refs(p->pfn) > 1)
			return true;
	return false;
}

int bcache_dev_release(struct block_device *bd)
{
	struct bcache_page *p, *tmp;
	int err;

	if (bcache_dev_pinned(bd))
		return -EBUSY;
	err = bcache_writeback(bd);
	list_for_each_entry_safe(p, tmp, &bd->cache.pages, dev_link)
		bcache_remove(p);
	return err;
}

void bcache_stats(uint64_t *pages, uint64_t *dirty)
{
	*pages = bcache.nr_pages;
	*dirty = bcache.nr_dirty;
}

void bcache_init(void)
{
	bcache.hash = kmalloc(BCACHE_HASH_SIZE * sizeof(*bcache.hash));
	if (!bcache.hash)
		panic("bcache: no memory for the hash table");
	for (unsigned int i = 0; i < BCACHE_HASH_SIZE; i++)
		list_init(&bcache.hash[i]);
	list_init(&bcache.lru);
	/* An eighth of memory may be dirty before a device is written. */
	bcache.dirty_limit = MAX(phys_total_pages() / 8, 256);
	ktimer_init(&bcache.writeback_timer, writeback_timer_fn);
	phys_set_reclaim(bcache_shrink);
}
