/*
 * A sparse map from page index to pfn: a radix tree of 512-slot nodes.
 * Holes cost nothing; the tree grows in height only as far as the highest
 * index stored. Slots hold pfn + 1 so that 0 means empty. Used by tmpfs
 * for file data.
 */
#include "err.h"
#include "klib.h"
#include "vfs_internal.h"

#define PM_SHIFT 9
#define PM_SLOTS (1u << PM_SHIFT)
#define PM_MASK (PM_SLOTS - 1)
#define PM_MAX_HEIGHT 6

struct pm_node {
	uint64_t slot[PM_SLOTS]; /* leaves: pfn + 1; inner: node pointer */
	unsigned int used;
};

static uint64_t pm_capacity(unsigned int height)
{
	if (height == 0)
		return 0;
	if (height * PM_SHIFT >= 64)
		return UINT64_MAX;
	return 1ULL << (height * PM_SHIFT);
}

static unsigned int pm_index(uint64_t idx, unsigned int level)
{
	return (unsigned int)(idx >> (level * PM_SHIFT)) & PM_MASK;
}

pfn_t pagemap_lookup(const struct pagemap *pm, uint64_t idx)
{
	struct pm_node *n = pm->root;

	if (!n || (pm_capacity(pm->height) != UINT64_MAX &&
		   idx >= pm_capacity(pm->height)))
		return (pfn_t)-1;
	for (unsigned int level = pm->height - 1; level > 0; level--) {
		n = (struct pm_node *)(uintptr_t)n->slot[pm_index(idx, level)];
		if (!n)
			return (pfn_t)-1;
	}
	return n->slot[pm_index(idx, 0)] - 1;
}

/* Grow the tree until idx fits. */
static int pm_grow(struct pagemap *pm, uint64_t idx)
{
	while (pm->height == 0 || (pm_capacity(pm->height) != UINT64_MAX &&
				   idx >= pm_capacity(pm->height))) {
		struct pm_node *n;

		if (pm->height >= PM_MAX_HEIGHT)
			return -EFBIG;
		n = kzalloc(sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (pm->root) {
			n->slot[0] = (uint64_t)(uintptr_t)pm->root;
			n->used = 1;
		}
		pm->root = n;
		pm->height++;
	}
	return 0;
}

int pagemap_insert(struct pagemap *pm, uint64_t idx, pfn_t pfn)
{
	struct pm_node *n;
	int err = pm_grow(pm, idx);

	if (err)
		return err;
	n = pm->root;
	for (unsigned int level = pm->height - 1; level > 0; level--) {
		uint64_t *slot = &n->slot[pm_index(idx, level)];

		if (!*slot) {
			struct pm_node *child = kzalloc(sizeof(*child));

			if (!child)
				return -ENOMEM;
			*slot = (uint64_t)(uintptr_t)child;
			n->used++;
		}
		n = (struct pm_node *)(uintptr_t)*slot;
	}
	if (!n->slot[pm_index(idx, 0)])
		n->used++;
	n->slot[pm_index(idx, 0)] = pfn + 1;
	return 0;
}

/*
 * Free entries >= first in the subtree n (covering indexes from base at
 * this level). Returns whether n became empty (and was freed).
 */
static bool pm_truncate_node(struct pm_node *n, unsigned int level,
			     uint64_t base, uint64_t first,
			     void (*put)(pfn_t pfn))
{
	uint64_t span = 1ULL << (level * PM_SHIFT);

	for (unsigned int i = 0; i < PM_SLOTS; i++) {
		uint64_t lo = base + i * span;

		if (!n->slot[i] || lo + span <= first)
			continue;
		if (level == 0) {
			put(n->slot[i] - 1);
			n->slot[i] = 0;
			n->used--;
		} else if (pm_truncate_node(
				   (struct pm_node *)(uintptr_t)n->slot[i],
				   level - 1, lo, first, put)) {
			n->slot[i] = 0;
			n->used--;
		}
	}
	if (n->used)
		return false;
	kfree(n);
	return true;
}

void pagemap_truncate(struct pagemap *pm, uint64_t first,
		      void (*put)(pfn_t pfn))
{
	if (!pm->root)
		return;
	if (pm_truncate_node(pm->root, pm->height - 1, 0, first, put)) {
		pm->root = NULL;
		pm->height = 0;
	}
}

static uint64_t pm_count_node(const struct pm_node *n, unsigned int level)
{
	uint64_t total = 0;

	if (level == 0)
		return n->used;
	for (unsigned int i = 0; i < PM_SLOTS; i++)
		if (n->slot[i])
			total += pm_count_node(
				(const struct pm_node *)(uintptr_t)n->slot[i],
				level - 1);
	return total;
}

uint64_t pagemap_count(const struct pagemap *pm)
{
	return pm->root ? pm_count_node(pm->root, pm->height - 1) : 0;
}

int64_t pagemap_next(const struct pagemap *pm, uint64_t idx, uint64_t limit,
		     bool data)
{
	for (uint64_t i = idx; i < limit; i++)
		if ((pagemap_lookup(pm, i) != (pfn_t)-1) == data)
			return (int64_t)i;
	return -1;
}
