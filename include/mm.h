/*
 * Memory management: physical pages and guest address spaces.
 *
 * Physical memory is one host memory file of mem= bytes, mapped whole into
 * the kernel. A page is named by its page frame number (pfn); page_ptr()
 * gives the kernel's view of it. Pages are reference counted: page cache,
 * page tables and COW sharing each hold references.
 *
 * An address space (mm) is a set of VMAs plus real 4-level page tables.
 * Changes to the page tables are queued and flushed to the address space's
 * stub process in one batch before guest code runs again.
 */
#ifndef MM_H
#define MM_H

#include <linux/mman.h>

#include "compiler.h"
#include "list.h"
#include "uaccess.h"
#include "vfs.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PFN_NONE ((pfn_t)-1)

/* ---- physical pages ---- */

/* Allocate one page (contents undefined); PFN_NONE when memory is full. */
pfn_t page_alloc(void);
/* Allocate one zero-filled page. */
pfn_t page_alloc_zeroed(void);
/*
 * Allocate up to n physically contiguous pages (at least 1 unless memory
 * is full), zero-filled; returns how many, the first in *first.
 */
size_t page_alloc_run(size_t n, pfn_t *first);
void page_get(pfn_t pfn);
void page_put(pfn_t pfn);
unsigned int page_refs(pfn_t pfn);
/*
 * A sharer of pfn broke copy-on-write by copying it: remember that, so
 * later forks of the remaining owner copy it for their child at once (the
 * next child will likely write it too). Reset when the page is allocated.
 */
void page_note_cow_copy(pfn_t pfn);
bool page_cow_copied(pfn_t pfn);
void *page_ptr(pfn_t pfn);
uint64_t phys_total_pages(void);
uint64_t phys_free_pages(void);
/*
 * Install the hook that frees up to nr cache pages when memory runs out
 * (returns how many it freed).
 */
void phys_set_reclaim(uint64_t (*reclaim)(uint64_t nr));

/* ---- address spaces ---- */

#define VM_READ 0x1
#define VM_WRITE 0x2
#define VM_EXEC 0x4
#define VM_SHARED 0x8
#define VM_GROWSDOWN 0x10
#define VM_SPECIAL 0x20 /* host vDSO / stub: never touched by the guest */
#define VM_DONTCOPY 0x40

struct vma {
	struct list_head link; /* sorted by start */
	uint64_t start, end;
	unsigned int flags; /* VM_* */
	struct file *file; /* file-backed, with a reference */
	uint64_t pgoff; /* file offset of start, in pages */
	const char *name; /* "[heap]", "[stack]", "[vdso]" or NULL */
};

struct mm_host;

/* Words of the auxiliary vector kept for /proc/PID/auxv (pairs). */
#define MM_AUXV_WORDS 48

#define MM_COW_RECENT 4

struct mm {
	int refs; /* tasks using it */
	struct list_head vmas;
	int nr_vmas;
	uint64_t *pgd; /* top-level page table */
	uint64_t brk_start, brk;
	uint64_t stack_top;
	uint64_t mmap_base;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t vdso_base;
	uint64_t rss_pages;
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t total_vm_pages;
	struct mm_host *host; /* the stub process and its queued changes */
	struct task *fpu_owner; /* whose FPU state the stub holds */
	/* The last exec's auxv, ending with an AT_NULL pair; fork copies it. */
	uint64_t saved_auxv[MM_AUXV_WORDS];
	/*
	 * The last pages that took a copy-on-write fault: a process that
	 * forks again will likely write them again, so mm_fork copies them
	 * for the child at once (see mm_fork).
	 */
	uint64_t cow_recent[MM_COW_RECENT];
	unsigned int cow_recent_next;
	/* Host mappings are queued lazily (see mmu_queue_map): mm_populate. */
	bool map_lazy;
};

/* Create an empty address space with its own stub process. */
struct mm *mm_create(void);
/*
 * Copy for fork: private pages become copy-on-write in both, except the
 * pages holding the nhot addresses in hot (the forking thread's stack and
 * TLS) and the pages in old->cow_recent, which the child gets copies of at
 * once: both sides write them right after fork, and a copy now is cheaper
 * than two faults.
 */
#define MM_FORK_HOT_MAX 4
struct mm *mm_fork(struct mm *old, const uint64_t *hot, size_t nhot);
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);
/* Drop every user mapping (execve reuses the address space and stub). */
void mm_clear(struct mm *mm);

struct vma *vma_find(struct mm *mm, uint64_t addr);

/*
 * Map [addr, addr+len) in mm; see mmap(2). file/pgoff for file-backed
 * maps. Returns the address or -errno.
 */
long mm_map(struct mm *mm, uint64_t addr, uint64_t len, unsigned int vmflags,
	    int mapflags, struct file *file, uint64_t pgoff, const char *name);
int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len);
int mm_protect(struct mm *mm, uint64_t addr, uint64_t len,
	       unsigned int vmflags);
/* Resolve a guest fault; 0 when fixed, -EFAULT (SIGSEGV) or -ENOMEM. */
int mm_fault(struct mm *mm, uint64_t addr, bool write);
/* A fault by guest code; *si_code gets SEGV_MAPERR or SEGV_ACCERR. */
int mm_fault_guest(struct mm *mm, uint64_t addr, int *si_code);
/* Fault in every page of [start, end) now (ELF segments, MAP_POPULATE). */
int mm_populate(struct mm *mm, uint64_t start, uint64_t end);
/*
 * The pfn backing a present guest page for a kernel access, faulting it
 * in as needed (write breaks COW). -EFAULT if unmapped or not allowed.
 */
int mm_get_page(struct mm *mm, uint64_t addr, bool write, pfn_t *out);
/* Move/resize a mapping: see mremap(2). Returns the address or -errno. */
long mm_remap(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen,
	      int flags, uint64_t newaddr);
/* Drop the pages of [start, end) so they read as new (MADV_DONTNEED). */
int mm_discard(struct mm *mm, uint64_t start, uint64_t end);
/* Flush queued page table changes to the stub before running the guest. */
int mm_flush(struct mm *mm);
/*
 * Call fn for every present page of mm in [start, end), in address order,
 * with its pfn and whether the guest may write it now. Changes nothing
 * (for /proc/PID/smaps and statm).
 */
void mm_walk_pages(struct mm *mm, uint64_t start, uint64_t end,
		   void (*fn)(uint64_t addr, pfn_t pfn, bool writable,
			      void *arg),
		   void *arg);

#endif
