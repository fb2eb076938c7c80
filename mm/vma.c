/*
 * Address spaces: VMAs, page population, faults, fork and teardown.
 *
 * The VMA list is sorted and non-overlapping. Page table entries are
 * created on demand (with fault-around: a run of pages is allocated
 * physically contiguous and mapped in the stub with one op) or eagerly
 * (ELF segments, shared anonymous memory). Private pages are shared
 * copy-on-write after fork: a page is writable in a private mapping only
 * while its reference count is one.
 */
#include <linux/mman.h>

#include "arch.h"
#include "err.h"
#include "klib.h"
#include "mm.h"
#include "mm_internal.h"
#include "printk.h"
#include "sched.h"

/* Pages allocated and mapped per anonymous fault. */
#define FAULT_AROUND_PAGES 32
/* Pages copied per copy-on-write fault. */
#define COW_AROUND_PAGES 16
#define GUEST_LOW_LIMIT 0x10000ULL
#define GUEST_TOP 0x7ffffffff000ULL

static struct vma *vma_alloc(uint64_t start, uint64_t end, unsigned int flags)
{
	struct vma *v = kzalloc(sizeof(*v));

	if (!v)
		return NULL;
	list_init(&v->link);
	v->start = start;
	v->end = end;
	v->flags = flags;
	return v;
}

static void vma_free(struct vma *v)
{
	if (v->file)
		file_put(v->file);
	kfree(v);
}

struct vma *vma_find(struct mm *mm, uint64_t addr)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, link) {
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

/* The first VMA ending above addr, or NULL. */
static struct vma *vma_next_above(struct mm *mm, uint64_t addr)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, link)
		if (v->end > addr)
			return v;
	return NULL;
}

static void vma_insert(struct mm *mm, struct vma *nv)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, link) {
		if (v->start >= nv->end) {
			list_add_tail(&nv->link, &v->link);
			mm->nr_vmas++;
			return;
		}
	}
	list_add_tail(&nv->link, &mm->vmas);
	mm->nr_vmas++;
}

static void vma_remove(struct mm *mm, struct vma *v)
{
	list_del(&v->link);
	mm->nr_vmas--;
	vma_free(v);
}

/* Split v at addr (inside it); v keeps the lower part. */
static int vma_split(struct mm *mm, struct vma *v, uint64_t addr)
{
	struct vma *hi = vma_alloc(addr, v->end, v->flags);

	if (!hi)
		return -ENOMEM;
	hi->name = v->name;
	if (v->file) {
		hi->file = file_get(v->file);
		hi->pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE;
	}
	v->end = addr;
	list_add(&hi->link, &v->link);
	mm->nr_vmas++;
	return 0;
}

/* Put a VMA boundary at addr, splitting the VMA that straddles it. */
static int split_at(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find(mm, addr);

	if (!v || v->start == addr)
		return 0;
	return vma_split(mm, v, addr);
}

/* Split so that every VMA lies wholly inside or outside [start, end). */
static int vma_isolate(struct mm *mm, uint64_t start, uint64_t end)
{
	int err = split_at(mm, start);

	return err ? err : split_at(mm, end);
}

static bool vmas_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->flags == b->flags && !a->file &&
	       !b->file && a->name == b->name;
}

/* Merge v with its neighbours where nothing distinguishes them. */
static void vma_merge_around(struct mm *mm, struct vma *v)
{
	struct vma *prev, *next;

	if (v->link.prev != &mm->vmas) {
		prev = list_entry(v->link.prev, struct vma, link);
		if (vmas_mergeable(prev, v)) {
			prev->end = v->end;
			vma_remove(mm, v);
			v = prev;
		}
	}
	if (v->link.next != &mm->vmas) {
		next = list_entry(v->link.next, struct vma, link);
		if (vmas_mergeable(v, next)) {
			v->end = next->end;
			vma_remove(mm, next);
		}
	}
}

static void release_pte(struct mm *mm, uint64_t addr, uint64_t *pte, void *arg)
{
	page_put(pte_pfn(*pte));
	*pte = 0;
	mm->rss_pages--;
}

/* Drop the pages of [start, end) and unmap them in the stub. */
static void release_range(struct mm *mm, uint64_t start, uint64_t end)
{
	pgtable_for_each(mm, start, end, release_pte, NULL);
	if (mm->host)
		mmu_queue_unmap(mm, start, end - start);
}

/*
 * Remove every VMA part inside [start, end). VM_SPECIAL areas are refused
 * with -EINVAL before anything changes.
 */
static int unmap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v, *tmp;
	int err;

	list_for_each_entry(v, &mm->vmas, link)
		if (v->start < end && v->end > start && (v->flags & VM_SPECIAL))
			return -EINVAL;
	err = vma_isolate(mm, start, end);
	if (err)
		return err;
	list_for_each_entry_safe(v, tmp, &mm->vmas, link) {
		if (v->end <= start || v->start >= end)
			continue;
		mm->total_vm_pages -= (v->end - v->start) / PAGE_SIZE;
		release_range(mm, v->start, v->end);
		vma_remove(mm, v);
	}
	return 0;
}

static bool range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_next_above(mm, start);

	return !v || v->start >= end;
}

/* Find a free range of len bytes, top-down below mmap_base. */
static uint64_t find_free_area(struct mm *mm, uint64_t len)
{
	uint64_t top = mm->mmap_base;
	struct vma *v;

	for (v = list_entry(mm->vmas.prev, struct vma, link);
	     &v->link != &mm->vmas;
	     v = list_entry(v->link.prev, struct vma, link)) {
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			return top - len;
		top = v->start;
	}
	if (top >= GUEST_LOW_LIMIT + len)
		return top - len;
	return 0;
}

static long map_region(struct mm *mm, uint64_t addr, uint64_t len,
		       unsigned int vmflags, int mapflags, struct file *file,
		       uint64_t pgoff, const char *name, bool merge)
{
	struct vma *v;
	int err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > GUEST_TOP)
		return -ENOMEM;
	if (mapflags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr < GUEST_LOW_LIMIT || addr + len > GUEST_TOP ||
		    addr + len < addr)
			return -ENOMEM;
		if (!range_free(mm, addr, addr + len)) {
			if (mapflags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			err = unmap_range(mm, addr, addr + len);
			if (err)
				return err;
		}
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || addr < GUEST_LOW_LIMIT || addr + len > GUEST_TOP ||
		    !range_free(mm, addr, addr + len))
			addr = find_free_area(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	v = vma_alloc(addr, addr + len, vmflags);
	if (!v)
		return -ENOMEM;
	v->name = name;
	if (file) {
		v->file = file_get(file);
		v->pgoff = pgoff;
	}
	vma_insert(mm, v);
	mm->total_vm_pages += len / PAGE_SIZE;
	if (!file && merge)
		vma_merge_around(mm, v);
	return (long)addr;
}

long mm_map(struct mm *mm, uint64_t addr, uint64_t len, unsigned int vmflags,
	    int mapflags, struct file *file, uint64_t pgoff, const char *name)
{
	return map_region(mm, addr, len, vmflags, mapflags, file, pgoff, name,
			  true);
}

int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr + len < addr || addr + len > GUEST_TOP)
		return -EINVAL;
	return unmap_range(mm, addr, addr + len);
}

/* Set a PTE for pfn at addr in v and queue its host mapping. */
static int install_pte(struct mm *mm, struct vma *v, uint64_t addr,
		       uint64_t *pte, pfn_t pfn, bool writable)
{
	uint64_t e = (pfn << PAGE_SHIFT) | PTE_PRESENT;

	if (v->flags & (VM_READ | VM_WRITE | VM_EXEC))
		e |= PTE_READ;
	if (writable && (v->flags & VM_WRITE))
		e |= PTE_WRITE;
	if (!(*pte & PTE_PRESENT))
		mm->rss_pages++;
	*pte = e;
	return mmu_queue_map(mm, addr, PAGE_SIZE, pfn, vma_host_prot(v, e));
}

/* Fill not-present anonymous pages around addr in one physical run. */
static int fault_anon(struct mm *mm, struct vma *v, uint64_t addr)
{
	uint64_t start = addr, end = addr + PAGE_SIZE;
	uint64_t *pte;

	if (v->flags & VM_GROWSDOWN) {
		while (end - start < FAULT_AROUND_PAGES * PAGE_SIZE &&
		       start > v->start) {
			pte = pgtable_walk(mm, start - PAGE_SIZE, false);
			if (pte && (*pte & PTE_PRESENT))
				break;
			start -= PAGE_SIZE;
		}
	} else {
		while (end - start < FAULT_AROUND_PAGES * PAGE_SIZE &&
		       end < v->end) {
			pte = pgtable_walk(mm, end, false);
			if (pte && (*pte & PTE_PRESENT))
				break;
			end += PAGE_SIZE;
		}
	}
	while (start < end) {
		pfn_t first;
		size_t n = page_alloc_run((end - start) / PAGE_SIZE, &first);
		size_t i;

		if (!n)
			return addr >= start ? -ENOMEM : 0;
		for (i = 0; i < n; i++) {
			pte = pgtable_walk(mm, start + i * PAGE_SIZE, true);
			if (!pte) {
				for (; i < n; i++)
					page_put(first + i);
				return -ENOMEM;
			}
			install_pte(mm, v, start + i * PAGE_SIZE, pte,
				    first + i, true);
		}
		start += n * PAGE_SIZE;
	}
	return 0;
}

static int fault_file(struct mm *mm, struct vma *v, uint64_t addr,
		      uint64_t *pte)
{
	uint64_t idx = v->pgoff + (addr - v->start) / PAGE_SIZE;
	bool private_write = (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
	pfn_t pfn, copy;
	int err;

	if (!v->file->ops->get_page)
		return -EFAULT;
	err = v->file->ops->get_page(v->file, idx, &pfn);
	if (err)
		return err == -ENOMEM ? -ENOMEM : -ENXIO;
	if (!private_write)
		return install_pte(mm, v, addr, pte, pfn,
				   (v->flags & VM_SHARED) != 0);
	copy = page_alloc();
	if (copy == PFN_NONE) {
		page_put(pfn);
		return -ENOMEM;
	}
	kmemcpy(page_ptr(copy), page_ptr(pfn), PAGE_SIZE);
	page_put(pfn);
	return install_pte(mm, v, addr, pte, copy, true);
}

/* Remember a page that took a COW fault, for the next fork. */
static void note_cow_fault(struct mm *mm, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < MM_COW_RECENT; i++)
		if (mm->cow_recent[i] == addr)
			return;
	mm->cow_recent[mm->cow_recent_next] = addr;
	mm->cow_recent_next = (mm->cow_recent_next + 1) % MM_COW_RECENT;
}

/* A private page that may be shared: copy it (and COW neighbours). */
static int fault_cow(struct mm *mm, struct vma *v, uint64_t addr)
{
	uint64_t end = addr;
	uint64_t *pte;

	note_cow_fault(mm, addr & PAGE_MASK);
	while (end < v->end && end - addr < COW_AROUND_PAGES * PAGE_SIZE) {
		pte = pgtable_walk(mm, end, false);
		if (!pte || !(*pte & PTE_PRESENT) || (*pte & PTE_WRITE))
			break;
		end += PAGE_SIZE;
	}
	while (addr < end) {
		pfn_t first;
		size_t n = page_alloc_run_raw((end - addr) / PAGE_SIZE, &first);
		size_t i;

		if (!n)
			return -ENOMEM;
		for (i = 0; i < n; i++, addr += PAGE_SIZE) {
			pfn_t old;

			pte = pgtable_walk(mm, addr, false);
			old = pte_pfn(*pte);
			if (page_refs(old) == 1) {
				/* Sole owner: keep the page, drop the copy. */
				page_put(first + i);
				install_pte(mm, v, addr, pte, old, true);
				continue;
			}
			kmemcpy(page_ptr(first + i), page_ptr(old), PAGE_SIZE);
			page_note_cow_copy(old);
			page_put(old);
			install_pte(mm, v, addr, pte, first + i, true);
		}
	}
	return 0;
}

/* Find the VMA for addr, growing a stack VMA down to reach it. */
static struct vma *vma_for_fault(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find(mm, addr);
	uint64_t limit, newstart;

	if (v)
		return v;
	v = vma_next_above(mm, addr);
	if (!v || !(v->flags & VM_GROWSDOWN))
		return NULL;
	limit = current->group->rlim[RLIMIT_STACK].rlim_cur;
	newstart = ALIGN_DOWN(addr, PAGE_SIZE);
	if (v->end - newstart > limit)
		return NULL;
	if (v->link.prev != &mm->vmas &&
	    list_entry(v->link.prev, struct vma, link)->end > newstart)
		return NULL;
	mm->total_vm_pages += (v->start - newstart) / PAGE_SIZE;
	v->start = newstart;
	return v;
}

static bool vma_allows(const struct vma *v, bool write)
{
	if (v->flags & VM_SPECIAL)
		return !write;
	if (write)
		return v->flags & VM_WRITE;
	return v->flags & (VM_READ | VM_EXEC | VM_WRITE);
}

/* Bring the page at addr in with the access given; vma already checked. */
static int fault_in(struct mm *mm, struct vma *v, uint64_t addr, bool write)
{
	uint64_t *pte = pgtable_walk(mm, addr, true);

	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_PRESENT) {
		if (!write || (*pte & PTE_WRITE))
			return 0;
		if (v->flags & VM_SHARED)
			return install_pte(mm, v, addr, pte, pte_pfn(*pte),
					   true);
		return fault_cow(mm, v, addr);
	}
	if (v->file)
		return fault_file(mm, v, addr, pte);
	if (v->flags & VM_SPECIAL)
		return -EFAULT;
	return fault_anon(mm, v, addr);
}

int mm_fault(struct mm *mm, uint64_t addr, bool write)
{
	struct vma *v;

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	v = vma_for_fault(mm, addr);
	if (!v || !vma_allows(v, write))
		return -EFAULT;
	return fault_in(mm, v, addr, write);
}

/*
 * A fault taken by guest code. The host does not tell us whether it was a
 * write, so infer it: a present page that is read-only in a writable VMA
 * gets copy-on-write; a present, writable page that still faults is a real
 * violation (exec of a non-exec page, PROT_NONE).
 */
int mm_fault_guest(struct mm *mm, uint64_t addr, int *si_code)
{
	struct vma *v;
	uint64_t *pte;

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	v = vma_for_fault(mm, addr);
	*si_code = 1; /* SEGV_MAPERR */
	if (!v)
		return -EFAULT;
	*si_code = 2; /* SEGV_ACCERR */
	if (!vma_allows(v, false))
		return -EFAULT;
	pte = pgtable_walk(mm, addr, false);
	if (pte && (*pte & PTE_PRESENT)) {
		if ((*pte & PTE_WRITE) || !(v->flags & VM_WRITE))
			return -EFAULT;
		return fault_in(mm, v, addr, true);
	}
	return fault_in(mm, v, addr, (v->flags & VM_WRITE) != 0);
}

int mm_get_page(struct mm *mm, uint64_t addr, bool write, pfn_t *out)
{
	uint64_t *pte = pgtable_walk(mm, addr, false);
	int err;

	if (!pte || !(*pte & PTE_READ) || (write && !(*pte & PTE_WRITE))) {
		err = mm_fault(mm, addr, write);
		if (err)
			return err;
		pte = pgtable_walk(mm, addr, false);
		if (!pte || !(*pte & PTE_PRESENT))
			return -EFAULT;
	}
	*out = pte_pfn(*pte);
	return 0;
}

/*
 * Fault in every page of [start, end) now (ELF segments, MAP_POPULATE).
 * The guest may touch few of them (a program's text), so the host maps
 * them without populating its own page table.
 */
int mm_populate(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t addr;
	int err = 0;

	mm->map_lazy = true;
	for (addr = ALIGN_DOWN(start, PAGE_SIZE); addr < end;
	     addr += PAGE_SIZE) {
		struct vma *v = vma_find(mm, addr);
		uint64_t *pte = pgtable_walk(mm, addr, false);

		if (!v) {
			err = -ENOMEM;
			break;
		}
		if (pte && (*pte & PTE_PRESENT))
			continue;
		err = fault_in(mm, v, addr, false);
		if (err)
			break;
	}
	mm->map_lazy = false;
	return err;
}

struct protect_arg {
	struct vma *vma;
};

static void protect_pte(struct mm *mm, uint64_t addr, uint64_t *pte, void *arg)
{
	struct vma *v = ((struct protect_arg *)arg)->vma;
	pfn_t pfn = pte_pfn(*pte);
	bool writable = (v->flags & VM_WRITE) &&
			((v->flags & VM_SHARED) || page_refs(pfn) == 1);
	uint64_t e = (pfn << PAGE_SHIFT) | PTE_PRESENT;

	if (v->flags & (VM_READ | VM_WRITE | VM_EXEC))
		e |= PTE_READ;
	if (writable)
		e |= PTE_WRITE;
	*pte = e;
	mmu_queue_protect(mm, addr, PAGE_SIZE, vma_host_prot(v, e));
}

int mm_protect(struct mm *mm, uint64_t addr, uint64_t len, unsigned int vmflags)
{
	uint64_t end, pos;
	struct vma *v;
	int err;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = addr + len;
	if (end < addr)
		return -ENOMEM;
	/* The whole range must be mapped. */
	for (pos = addr; pos < end;) {
		v = vma_find(mm, pos);
		if (!v)
			return -ENOMEM;
		if (v->flags & VM_SPECIAL)
			return -EINVAL;
		if ((vmflags & VM_WRITE) && (v->flags & VM_SHARED) && v->file &&
		    !(v->file->mode & FMODE_WRITE))
			return -EACCES;
		pos = v->end;
	}
	err = vma_isolate(mm, addr, end);
	if (err)
		return err;
	list_for_each_entry(v, &mm->vmas, link) {
		struct protect_arg pa = { v };
		unsigned int keep = v->flags & ~(VM_READ | VM_WRITE | VM_EXEC);

		if (v->end <= addr || v->start >= end)
			continue;
		v->flags = keep | vmflags;
		pgtable_for_each(mm, v->start, v->end, protect_pte, &pa);
	}
	return 0;
}

/* ---- whole address spaces ---- */

static struct mm *mm_alloc(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	mm->refs = 1;
	list_init(&mm->vmas);
	return mm;
}

/* The areas every address space has: the stub and the host vDSO. */
static int add_special_vmas(struct mm *mm)
{
	uint64_t vstart, vend;
	struct vma *stub, *vdso;

	mmu_vdso_range(&vstart, &vend);
	stub = vma_alloc(OS_STUB_CODE, OS_STUB_END, VM_SPECIAL);
	vdso = vma_alloc(vstart, vend, VM_SPECIAL | VM_READ | VM_EXEC);
	if (!stub || !vdso) {
		kfree(stub);
		kfree(vdso);
		return -ENOMEM;
	}
	vdso->name = "[vdso]";
	vma_insert(mm, stub);
	vma_insert(mm, vdso);
	mm->vdso_base = arch_vdso_base();
	return 0;
}

struct mm *mm_create(void)
{
	struct mm *mm = mm_alloc();
	int err;

	if (!mm)
		return ERR_PTR(-ENOMEM);
	err = mmu_host_create(mm);
	if (err)
		goto out_free;
	/* Top-down mmap starts below the stub, clear of the stack. */
	mm->mmap_base = OS_STUB_CODE;
	err = add_special_vmas(mm);
	if (err)
		goto out_host;
	return mm;

out_host:
	mmu_host_destroy(mm);
out_free:
	kfree(mm);
	return ERR_PTR(err);
}

void mm_get(struct mm *mm)
{
	mm->refs++;
}

static void release_all(struct mm *mm, bool keep_special)
{
	struct vma *v, *tmp;

	list_for_each_entry_safe(v, tmp, &mm->vmas, link) {
		if (keep_special && (v->flags & VM_SPECIAL))
			continue;
		release_range(mm, v->start, v->end);
		vma_remove(mm, v);
	}
	mm->total_vm_pages = 0;
}

void mm_put(struct mm *mm)
{
	if (--mm->refs > 0)
		return;
	mmu_host_destroy(mm);
	release_all(mm, false);
	pgtable_free(mm);
	kfree(mm);
}

void mm_clear(struct mm *mm)
{
	release_all(mm, true);
	mm->brk_start = mm->brk = 0;
}

struct fork_arg {
	struct mm *child;
	struct vma *vma;
	int err;
	const uint64_t *hot; /* page addresses copied at once */
	size_t nhot;
	unsigned int copied_written; /* see fork_wants_copy */
};

/* Pages a previous child wrote that one fork copies at most. */
#define FORK_COPY_WRITTEN_MAX 16

static bool fork_page_is_hot(const struct fork_arg *fa, struct mm *parent,
			     uint64_t addr)
{
	size_t i;

	for (i = 0; i < fa->nhot; i++)
		if (fa->hot[i] == addr)
			return true;
	for (i = 0; i < MM_COW_RECENT; i++)
		if (parent->cow_recent[i] == addr)
			return true;
	return false;
}

/*
 * Should the child get its own copy of this private page now? Yes for the
 * hot pages, while writable; and for a few pages an earlier child wrote
 * (page_note_cow_copy) and the parent now owns alone.
 */
static bool fork_wants_copy(struct fork_arg *fa, struct mm *parent,
			    uint64_t addr, uint64_t e)
{
	if (e & PTE_WRITE)
		return fork_page_is_hot(fa, parent, addr);
	if (!(fa->vma->flags & VM_WRITE) || !(e & PTE_READ) ||
	    fa->copied_written == FORK_COPY_WRITTEN_MAX ||
	    page_refs(pte_pfn(e)) != 1 || !page_cow_copied(pte_pfn(e)))
		return false;
	fa->copied_written++;
	return true;
}

/*
 * Give the child its own writable copy of a private page; the parent's PTE
 * stays as it is. False if no page is free (the page is then shared
 * copy-on-write as usual).
 */
static bool fork_copy_hot(struct fork_arg *fa, uint64_t addr, uint64_t *cpte,
			  uint64_t e)
{
	pfn_t copy = page_alloc();

	if (copy == PFN_NONE)
		return false;
	kmemcpy(page_ptr(copy), page_ptr(pte_pfn(e)), PAGE_SIZE);
	fa->err = install_pte(fa->child, fa->vma, addr, cpte, copy, true);
	return true;
}

static void fork_pte(struct mm *mm, uint64_t addr, uint64_t *pte, void *arg)
{
	struct fork_arg *fa = arg;
	struct vma *v = fa->vma;
	uint64_t *cpte;
	uint64_t e = *pte;

	if (fa->err)
		return;
	cpte = pgtable_walk(fa->child, addr, true);
	if (!cpte) {
		fa->err = -ENOMEM;
		return;
	}
	if (!(v->flags & VM_SHARED) && fork_wants_copy(fa, mm, addr, e) &&
	    fork_copy_hot(fa, addr, cpte, e))
		return;
	if (!(v->flags & VM_SHARED) && (e & PTE_WRITE)) {
		e &= ~PTE_WRITE;
		*pte = e;
		mmu_queue_protect(mm, addr, PAGE_SIZE, vma_host_prot(v, e));
	}
	page_get(pte_pfn(e));
	*cpte = e;
	fa->child->rss_pages++;
	fa->err = mmu_queue_map_lazy(fa->child, addr, PAGE_SIZE, pte_pfn(e),
				     vma_host_prot(v, e));
}

struct mm *mm_fork(struct mm *old, const uint64_t *hot, size_t nhot)
{
	struct mm *mm = mm_create();
	struct vma *v;
	struct fork_arg fa = { .child = mm, .hot = hot, .nhot = nhot };

	if (IS_ERR(mm))
		return mm;
	mm->brk_start = old->brk_start;
	mm->brk = old->brk;
	mm->stack_top = old->stack_top;
	mm->mmap_base = old->mmap_base;
	mm->arg_start = old->arg_start;
	mm->arg_end = old->arg_end;
	mm->env_start = old->env_start;
	mm->env_end = old->env_end;
	mm->total_vm_pages = old->total_vm_pages;
	mm->start_code = old->start_code;
	mm->end_code = old->end_code;
	mm->start_data = old->start_data;
	mm->end_data = old->end_data;
	kmemcpy(mm->saved_auxv, old->saved_auxv, sizeof(mm->saved_auxv));
	list_for_each_entry(v, &old->vmas, link) {
		struct vma *nv;

		if (v->flags & (VM_SPECIAL | VM_DONTCOPY))
			continue;
		nv = vma_alloc(v->start, v->end, v->flags);
		if (!nv)
			goto out_put;
		nv->name = v->name;
		if (v->file) {
			nv->file = file_get(v->file);
			nv->pgoff = v->pgoff;
		}
		vma_insert(mm, nv);
		fa.vma = v;
		pgtable_for_each(old, v->start, v->end, fork_pte, &fa);
		if (fa.err)
			goto out_put;
	}
	return mm;

out_put:
	mm_put(mm);
	return ERR_PTR(-ENOMEM);
}

/* Move the PTEs of [old, old+len) to new (already a free VMA range). */
static void move_ptes(struct mm *mm, struct vma *nv, uint64_t old, uint64_t new,
		      uint64_t len)
{
	uint64_t off;

	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pgtable_walk(mm, old + off, false);
		uint64_t *dst;

		if (!src || !(*src & PTE_PRESENT))
			continue;
		dst = pgtable_walk(mm, new + off, true);
		if (!dst)
			continue; /* the page stays behind and is freed */
		*dst = *src;
		*src = 0;
		mmu_queue_map(mm, new + off, PAGE_SIZE, pte_pfn(*dst),
			      vma_host_prot(nv, *dst));
	}
	mmu_queue_unmap(mm, old, len);
}

long mm_remap(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen,
	      int flags, uint64_t newaddr)
{
	struct vma *v, *nv;
	long addr;
	int err;

	if (old & ~PAGE_MASK)
		return -EINVAL;
	oldlen = ALIGN_UP(oldlen, PAGE_SIZE);
	newlen = ALIGN_UP(newlen, PAGE_SIZE);
	if (!newlen)
		return -EINVAL;
	v = vma_find(mm, old);
	if (!v || old + oldlen > v->end || (v->flags & VM_SPECIAL))
		return -EFAULT;
	if (!(flags & MREMAP_FIXED)) {
		if (newlen <= oldlen) {
			if (newlen < oldlen) {
				err = unmap_range(mm, old + newlen,
						  old + oldlen);
				if (err)
					return err;
			}
			return (long)old;
		}
		/* Grow in place when the VMA ends here and room follows. */
		if (old + oldlen == v->end && old + newlen <= GUEST_TOP &&
		    range_free(mm, v->end, old + newlen)) {
			mm->total_vm_pages += (newlen - oldlen) / PAGE_SIZE;
			v->end = old + newlen;
			return (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
	}
	if (oldlen == 0)
		return -EINVAL;
	/* Isolate [old, old+oldlen) as its own VMA, then move it. */
	err = vma_isolate(mm, old, old + oldlen);
	if (err)
		return err;
	v = vma_find(mm, old);
	/* Not merged yet: the old VMA must stay separate until it goes. */
	addr = map_region(mm, newaddr, newlen, v->flags,
			  (flags & MREMAP_FIXED) ? MAP_FIXED : 0, v->file,
			  v->pgoff, v->name, false);
	if (addr < 0)
		return addr;
	nv = vma_find(mm, (uint64_t)addr);
	v = vma_find(mm, old);
	move_ptes(mm, nv, old, (uint64_t)addr, MIN(oldlen, newlen));
	mm->total_vm_pages -= (v->end - v->start) / PAGE_SIZE;
	release_range(mm, v->start, v->end);
	vma_remove(mm, v);
	if (!nv->file)
		vma_merge_around(mm, nv);
	return addr;
}

int mm_discard(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, link) {
		uint64_t s = MAX(start, v->start), e = MIN(end, v->end);

		if (s >= e || (v->flags & VM_SPECIAL))
			continue;
		/* Shared memory keeps its contents: it is the data. */
		if (v->flags & VM_SHARED)
			continue;
		release_range(mm, s, e);
	}
	return 0;
}
