/*
 * Private interfaces of the memory manager.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm.h"

int phys_init(uint64_t bytes);
int phys_fd(void);
/* Like page_alloc_run, but the contents are left as they were. */
size_t page_alloc_run_raw(size_t n, pfn_t *first);
/* Exactly n contiguous zeroed pages, or PFN_NONE. */
pfn_t page_alloc_contig(size_t n);

/* Page table entries: the physical address plus these bits. */
#define PTE_PRESENT 0x1ULL
#define PTE_WRITE 0x2ULL /* mapped writable in the stub */
#define PTE_READ 0x4ULL /* the guest may read it (not PROT_NONE) */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

static inline pfn_t pte_pfn(uint64_t pte)
{
	return (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

/*
 * Find the PTE for addr; with create, allocate missing tables. NULL when
 * absent (or out of memory with create).
 */
uint64_t *pgtable_walk(struct mm *mm, uint64_t addr, bool create);
/* Free every page table of mm (entries must already be released). */
void pgtable_free(struct mm *mm);
/*
 * Call fn for each present PTE in [start, end). fn may change the entry.
 */
void pgtable_for_each(struct mm *mm, uint64_t start, uint64_t end,
		      void (*fn)(struct mm *mm, uint64_t addr, uint64_t *pte,
				 void *arg),
		      void *arg);

/* ---- the host side of an address space (arch-um/kernel/mmu.c) ---- */
int mmu_host_create(struct mm *mm);
void mmu_host_destroy(struct mm *mm);
/*
 * Queue host mapping changes; flushed by mm_flush. A map is populated on
 * the host at once (the guest is about to touch it) unless mm->map_lazy is
 * set or it is queued with mmu_queue_map_lazy (the guest may never touch
 * it: the host then fills its page table on first touch).
 */
int mmu_queue_map(struct mm *mm, uint64_t addr, uint64_t len, pfn_t pfn,
		  unsigned int prot);
int mmu_queue_map_lazy(struct mm *mm, uint64_t addr, uint64_t len, pfn_t pfn,
		       unsigned int prot);
int mmu_queue_unmap(struct mm *mm, uint64_t addr, uint64_t len);
int mmu_queue_protect(struct mm *mm, uint64_t addr, uint64_t len,
		      unsigned int prot);
int mmu_flush(struct mm *mm);
/* The host vDSO range every stub keeps. */
void mmu_vdso_range(uint64_t *start, uint64_t *end);

/* Host protection bits (PROT_*) for a page of vma mapped with pte. */
unsigned int vma_host_prot(const struct vma *vma, uint64_t pte);

#endif
