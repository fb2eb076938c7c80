/*
 * Page tables: a 4-level radix tree of 512-entry tables per address space,
 * as on x86_64. Entries hold the physical address of a physmem page plus
 * PTE_* bits; they describe what is mapped in the stub.
 */
#include "klib.h"
#include "mm.h"
#include "mm_internal.h"

#define LEVELS 4
#define ENTRIES 512
#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (l))

static unsigned int index_at(uint64_t addr, int level)
{
	return (unsigned int)((addr >> LEVEL_SHIFT(level)) & (ENTRIES - 1));
}

uint64_t *pgtable_walk(struct mm *mm, uint64_t addr, bool create)
{
	uint64_t *table;
	int level;

	if (!mm->pgd) {
		if (!create)
			return NULL;
		mm->pgd = kzalloc(ENTRIES * sizeof(uint64_t));
		if (!mm->pgd)
			return NULL;
	}
	table = mm->pgd;
	for (level = LEVELS - 1; level > 0; level--) {
		uint64_t *slot = &table[index_at(addr, level)];

		if (!*slot) {
			if (!create)
				return NULL;
			*slot = (uint64_t)(uintptr_t)kzalloc(ENTRIES *
							     sizeof(uint64_t));
			if (!*slot)
				return NULL;
		}
		table = (uint64_t *)(uintptr_t)*slot;
	}
	return &table[index_at(addr, 0)];
}

static void free_level(uint64_t *table, int level)
{
	int i;

	if (level > 0)
		for (i = 0; i < ENTRIES; i++)
			if (table[i])
				free_level((uint64_t *)(uintptr_t)table[i],
					   level - 1);
	kfree(table);
}

void pgtable_free(struct mm *mm)
{
	if (mm->pgd)
		free_level(mm->pgd, LEVELS - 1);
	mm->pgd = NULL;
}

static void walk_range(struct mm *mm, uint64_t *table, int level, uint64_t base,
		       uint64_t start, uint64_t end,
		       void (*fn)(struct mm *, uint64_t, uint64_t *, void *),
		       void *arg)
{
	uint64_t span = 1ULL << LEVEL_SHIFT(level);
	unsigned int i = index_at(start > base ? start : base, level);

	for (; i < ENTRIES; i++) {
		uint64_t lo = base + i * span;

		if (lo >= end)
			break;
		if (!table[i])
			continue;
		if (level == 0) {
			if (table[i] & PTE_PRESENT)
				fn(mm, lo, &table[i], arg);
		} else {
			walk_range(mm, (uint64_t *)(uintptr_t)table[i],
				   level - 1, lo, start, end, fn, arg);
		}
	}
}

void pgtable_for_each(struct mm *mm, uint64_t start, uint64_t end,
		      void (*fn)(struct mm *mm, uint64_t addr, uint64_t *pte,
				 void *arg),
		      void *arg)
{
	if (mm->pgd && start < end)
		walk_range(mm, mm->pgd, LEVELS - 1, 0, start, end, fn, arg);
}

struct walk_pages_arg {
	void (*fn)(uint64_t addr, pfn_t pfn, bool writable, void *arg);
	void *arg;
};

static void walk_pages_pte(struct mm *mm, uint64_t addr, uint64_t *pte,
			   void *arg)
{
	struct walk_pages_arg *wa = arg;

	wa->fn(addr, pte_pfn(*pte), (*pte & PTE_WRITE) != 0, wa->arg);
}

void mm_walk_pages(struct mm *mm, uint64_t start, uint64_t end,
		   void (*fn)(uint64_t addr, pfn_t pfn, bool writable,
			      void *arg),
		   void *arg)
{
	struct walk_pages_arg wa = { .fn = fn, .arg = arg };

	pgtable_for_each(mm, start, end, walk_pages_pte, &wa);
}
