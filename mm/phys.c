/*
 * Physical memory: the pages of the physmem file.
 *
 * A bitmap of free pages with a next-fit hint, so consecutive allocations
 * tend to be physically contiguous (a run of guest pages then maps into a
 * stub with one mmap), and a reference count per page. When no page is
 * free, the reclaim hook (the block cache) is asked to give some back
 * before an allocation fails.
 */
#include "err.h"
#include "klib.h"
#include "mm.h"
#include "mm_internal.h"
#include "printk.h"
#include "os/os.h"

struct phys_state {
	int fd;
	char *base;
	uint64_t nr_pages;
	uint64_t nr_free;
	uint64_t hint;
	uint64_t *free_map; /* bit set: page free */
	uint32_t *refs;
	uint64_t *cow_copied; /* bit set: a sharer took a private copy */
	uint64_t (*reclaim)(uint64_t nr);
};

static struct phys_state phys;

static bool page_is_free(pfn_t pfn)
{
	return phys.free_map[pfn / 64] & (1ULL << (pfn % 64));
}

static void mark_used(pfn_t pfn)
{
	phys.free_map[pfn / 64] &= ~(1ULL << (pfn % 64));
	phys.refs[pfn] = 1;
	phys.cow_copied[pfn / 64] &= ~(1ULL << (pfn % 64));
	phys.nr_free--;
}

/*
 * Allocation goes on from the lowest page freed since: pages the host has
 * already backed (and that are warm in the cache) are reused before
 * untouched ones, each of which costs a host fault to back.
 */
static void mark_free(pfn_t pfn)
{
	phys.free_map[pfn / 64] |= 1ULL << (pfn % 64);
	phys.nr_free++;
	if (pfn < phys.hint)
		phys.hint = pfn;
}

int phys_init(uint64_t bytes)
{
	uint64_t words, i;
	void *base;

	phys.nr_pages = bytes / PAGE_SIZE;
	phys.fd = os_physmem_create(phys.nr_pages * PAGE_SIZE, &base);
	if (phys.fd < 0)
		return phys.fd;
	phys.base = base;
	words = DIV_ROUND_UP(phys.nr_pages, 64);
	phys.free_map = kmalloc(words * sizeof(uint64_t));
	phys.refs = kzalloc(phys.nr_pages * sizeof(uint32_t));
	phys.cow_copied = kzalloc(words * sizeof(uint64_t));
	if (!phys.free_map || !phys.refs || !phys.cow_copied)
		return -ENOMEM;
	for (i = 0; i < words; i++)
		phys.free_map[i] = ~0ULL;
	if (phys.nr_pages % 64)
		phys.free_map[words - 1] = (1ULL << (phys.nr_pages % 64)) - 1;
	phys.nr_free = phys.nr_pages;
	return 0;
}

int phys_fd(void)
{
	return phys.fd;
}

/* Find the first free page at or after from, wrapping once. */
static pfn_t find_free(pfn_t from)
{
	uint64_t words = DIV_ROUND_UP(phys.nr_pages, 64);
	uint64_t w = from / 64, n;

	for (n = 0; n <= words; n++, w = (w + 1) % words) {
		uint64_t bits = phys.free_map[w];

		if (n == 0)
			bits &= ~0ULL << (from % 64);
		if (bits)
			return w * 64 + (uint64_t)__builtin_ctzll(bits);
	}
	return PFN_NONE;
}

/*
 * The first page of a wholly free 64-page group at or after from,
 * wrapping once; PFN_NONE if memory has none left.
 */
static pfn_t find_free_group(pfn_t from)
{
	uint64_t words = phys.nr_pages / 64, w, n;

	if (!words)
		return PFN_NONE;
	w = (from / 64) % words;
	for (n = 0; n < words; n++, w = (w + 1) % words)
		if (phys.free_map[w] == ~0ULL)
			return w * 64;
	return PFN_NONE;
}

static bool run_is_free(pfn_t start, size_t n)
{
	size_t i;

	if (start + n > phys.nr_pages)
		return false;
	for (i = 0; i < n; i++)
		if (!page_is_free(start + i))
			return false;
	return true;
}

/* Runs of at least this many pages are worth looking for. */
#define RUN_SEARCH_MIN 8

/* Pages a reclaim pass asks for: enough to be worth the call. */
#define RECLAIM_BATCH 256

void phys_set_reclaim(uint64_t (*reclaim)(uint64_t nr))
{
	phys.reclaim = reclaim;
}

/* Out of pages: true when the reclaim hook freed some. */
static bool phys_reclaim(void)
{
	return phys.reclaim && phys.reclaim(RECLAIM_BATCH) > 0;
}

size_t page_alloc_run_raw(size_t n, pfn_t *first)
{
	pfn_t start = PFN_NONE;
	size_t len = 0;

	if (!phys.nr_free && !phys_reclaim())
		return 0;
	/*
	 * Freed pages end up scattered between live ones; a multi-page
	 * request prefers a clean group, so it maps with one op.
	 */
	if (n >= RUN_SEARCH_MIN &&
	    !(phys.hint % 64 == 0 && run_is_free(phys.hint, n)))
		start = find_free_group(phys.hint);
	if (start == PFN_NONE)
		start = find_free(phys.hint);
	if (start == PFN_NONE)
		return 0;
	while (len < n && start + len < phys.nr_pages &&
	       page_is_free(start + len)) {
		mark_used(start + len);
		len++;
	}
	phys.hint = start + len;
	if (phys.hint >= phys.nr_pages)
		phys.hint = 0;
	*first = start;
	return len;
}

size_t page_alloc_run(size_t n, pfn_t *first)
{
	size_t len = page_alloc_run_raw(n, first);

	if (len)
		kmemset(page_ptr(*first), 0, len * PAGE_SIZE);
	return len;
}

pfn_t page_alloc(void)
{
	pfn_t pfn = find_free(phys.hint);

	if (pfn == PFN_NONE && phys_reclaim())
		pfn = find_free(phys.hint);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	mark_used(pfn);
	phys.hint = pfn + 1 < phys.nr_pages ? pfn + 1 : 0;
	return pfn;
}

pfn_t page_alloc_zeroed(void)
{
	pfn_t pfn = page_alloc();

	if (pfn != PFN_NONE)
		kmemset(page_ptr(pfn), 0, PAGE_SIZE);
	return pfn;
}

pfn_t page_alloc_contig(size_t n)
{
	pfn_t start = 0;

	while (start + n <= phys.nr_pages) {
		size_t len = 0;

		start = find_free(start);
		if (start == PFN_NONE || start + n > phys.nr_pages)
			return PFN_NONE;
		while (len < n && page_is_free(start + len))
			len++;
		if (len == n) {
			for (len = 0; len < n; len++)
				mark_used(start + len);
			kmemset(page_ptr(start), 0, n * PAGE_SIZE);
			return start;
		}
		start += len + 1;
	}
	return PFN_NONE;
}

void page_get(pfn_t pfn)
{
	BUG_ON(pfn >= phys.nr_pages || page_is_free(pfn));
	phys.refs[pfn]++;
}

void page_put(pfn_t pfn)
{
	BUG_ON(pfn >= phys.nr_pages || page_is_free(pfn));
	if (--phys.refs[pfn] == 0)
		mark_free(pfn);
}

unsigned int page_refs(pfn_t pfn)
{
	return phys.refs[pfn];
}

void page_note_cow_copy(pfn_t pfn)
{
	phys.cow_copied[pfn / 64] |= 1ULL << (pfn % 64);
}

bool page_cow_copied(pfn_t pfn)
{
	return phys.cow_copied[pfn / 64] & (1ULL << (pfn % 64));
}

void *page_ptr(pfn_t pfn)
{
	return phys.base + pfn * PAGE_SIZE;
}

uint64_t phys_total_pages(void)
{
	return phys.nr_pages;
}

uint64_t phys_free_pages(void)
{
	return phys.nr_free;
}
