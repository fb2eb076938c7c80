/*
 * The host side of guest address spaces: each mm is a stub process, and
 * page table changes become a queue of mmap/munmap/mprotect ops written
 * straight into the stub's data area (in physmem). mm_flush has the stub
 * execute the whole queue in one go before guest code runs again.
 */
#include <asm/mman.h>

#include "err.h"
#include "klib.h"
#include "mm.h"
#include "arch.h"
#include "printk.h"
#include "os/os.h"
#include "../../mm/mm_internal.h"

#define STUB_DATA_PAGES (OS_STUB_DATA_SIZE / PAGE_SIZE)
/* Guest addresses below this are never mapped (NULL-pointer guard). */
#define GUEST_LOW_LIMIT 0x10000ULL
#define GUEST_TOP 0x7ffffffff000ULL

extern const char stub_image_start[], stub_image_end[];

struct mm_host {
	struct list_head link; /* in mmu.hosts */
	int pid;
	pfn_t data_pfn;
	struct os_stub_data *data;
};

/*
 * Stubs of address spaces that went away are kept for reuse: a new
 * address space then costs no host process creation, only the unmapping
 * of the old contents, which rides in its first flush.
 */
#define STUB_POOL_SIZE 8

struct mmu_state {
	struct list_head hosts; /* every live stub, in use or pooled */
	struct mm_host *pool[STUB_POOL_SIZE];
	int pool_len;
	bool vdso_known;
	uint64_t vdso_start, vdso_end;
	uint64_t vdso;
};

static struct mmu_state mmu = {
	.hosts = LIST_HEAD_INIT(mmu.hosts),
};

void mmu_vdso_range(uint64_t *start, uint64_t *end)
{
	*start = mmu.vdso_start;
	*end = mmu.vdso_end;
}

uint64_t arch_vdso_base(void)
{
	return mmu.vdso;
}

/* Queue the unmapping of everything the host exec left in a new stub. */
static int clear_host_leftovers(struct mm *mm)
{
	int err = mmu_queue_unmap(mm, GUEST_LOW_LIMIT,
				  OS_STUB_CODE - GUEST_LOW_LIMIT);

	if (!err && mmu.vdso_start > OS_STUB_END)
		err = mmu_queue_unmap(mm, OS_STUB_END,
				      mmu.vdso_start - OS_STUB_END);
	if (!err && GUEST_TOP > mmu.vdso_end)
		err = mmu_queue_unmap(mm, mmu.vdso_end,
				      GUEST_TOP - mmu.vdso_end);
	return err;
}

int mmu_host_create(struct mm *mm)
{
	struct mm_host *h;
	int err;

	if (mmu.pool_len) {
		h = mmu.pool[--mmu.pool_len];
		h->data->nr_ops = 0;
		mm->host = h;
		err = clear_host_leftovers(mm);
		if (err) {
			mm->host = NULL;
			list_del(&h->link);
			os_stub_kill(h->pid);
			goto out_pages;
		}
		return 0;
	}
	h = kzalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->data_pfn = page_alloc_contig(STUB_DATA_PAGES);
	if (h->data_pfn == PFN_NONE) {
		err = -ENOMEM;
		goto out_free;
	}
	h->data = page_ptr(h->data_pfn);
	h->pid = os_stub_spawn(stub_image_start,
			       (size_t)(stub_image_end - stub_image_start),
			       phys_fd(), h->data_pfn * PAGE_SIZE);
	if (h->pid < 0) {
		err = h->pid;
		printk(KERN_ERR "mm: cannot start a stub process: %d\n", err);
		goto out_pages;
	}
	if (!mmu.vdso_known) {
		err = os_stub_vdso_range(h->pid, &mmu.vdso_start, &mmu.vdso_end,
					 &mmu.vdso);
		if (err) {
			printk(KERN_ERR "mm: host vDSO not found: %d\n", err);
			goto out_kill;
		}
		mmu.vdso_known = true;
	}
	mm->host = h;
	err = clear_host_leftovers(mm);
	if (err)
		goto out_detach;
	list_add(&h->link, &mmu.hosts);
	return 0;

out_detach:
	mm->host = NULL;
out_kill:
	os_stub_kill(h->pid);
out_pages:
	for (size_t i = 0; i < STUB_DATA_PAGES; i++)
		page_put(h->data_pfn + i);
out_free:
	kfree(h);
	return err;
}

void mmu_host_destroy(struct mm *mm)
{
	struct mm_host *h = mm->host;

	if (!h)
		return;
	mm->host = NULL;
	if (mmu.pool_len < STUB_POOL_SIZE) {
		mmu.pool[mmu.pool_len++] = h;
		return;
	}
	list_del(&h->link);
	os_stub_kill(h->pid);
	for (size_t i = 0; i < STUB_DATA_PAGES; i++)
		page_put(h->data_pfn + i);
	kfree(h);
}

void mmu_shutdown(void)
{
	struct mm_host *h;

	/* Reap them all, so none is left for the host's init to collect. */
	list_for_each_entry(h, &mmu.hosts, link) {
		os_stub_kill(h->pid);
		h->pid = -1;
	}
}

int mm_host_pid(struct mm *mm)
{
	return mm->host ? mm->host->pid : -1;
}

static int queue_op(struct mm *mm, uint32_t kind, uint64_t addr, uint64_t len,
		    uint64_t offset, unsigned int prot)
{
	struct os_stub_data *d = mm->host->data;
	struct os_mmop *last;
	int err;

	if (d->nr_ops) {
		last = &d->ops[d->nr_ops - 1];
		if (last->kind == kind && last->prot == prot &&
		    last->addr + last->len == addr &&
		    ((kind != OS_MMOP_MAP && kind != OS_MMOP_MAP_LAZY) ||
		     last->offset + last->len == offset)) {
			last->len += len;
			return 0;
		}
	}
	if (d->nr_ops == OS_STUB_MAX_OPS) {
		err = mmu_flush(mm);
		if (err)
			return err;
	}
	d->ops[d->nr_ops++] = (struct os_mmop){
		.kind = kind,
		.prot = prot,
		.addr = addr,
		.len = len,
		.offset = offset,
	};
	return 0;
}

int mmu_queue_map(struct mm *mm, uint64_t addr, uint64_t len, pfn_t pfn,
		  unsigned int prot)
{
	return queue_op(mm, mm->map_lazy ? OS_MMOP_MAP_LAZY : OS_MMOP_MAP, addr,
			len, pfn * PAGE_SIZE, prot);
}

int mmu_queue_map_lazy(struct mm *mm, uint64_t addr, uint64_t len, pfn_t pfn,
		       unsigned int prot)
{
	return queue_op(mm, OS_MMOP_MAP_LAZY, addr, len, pfn * PAGE_SIZE, prot);
}

int mmu_queue_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	return queue_op(mm, OS_MMOP_UNMAP, addr, len, 0, 0);
}

int mmu_queue_protect(struct mm *mm, uint64_t addr, uint64_t len,
		      unsigned int prot)
{
	return queue_op(mm, OS_MMOP_PROTECT, addr, len, 0, prot);
}

int mmu_flush(struct mm *mm)
{
	struct os_stub_data *d = mm->host->data;
	int err;

	if (!d->nr_ops)
		return 0;
	err = os_stub_run_ops(mm->host->pid);
	if (!err && d->result) {
		struct os_mmop *op = &d->ops[d->failed];

		printk(KERN_ERR "mm: stub op %u at %#lx+%#lx failed: %ld\n",
		       op->kind, (unsigned long)op->addr,
		       (unsigned long)op->len, (long)d->result);
		err = (int)d->result;
	}
	d->nr_ops = 0;
	return err;
}

int mm_flush(struct mm *mm)
{
	return mmu_flush(mm);
}

unsigned int vma_host_prot(const struct vma *vma, uint64_t pte)
{
	unsigned int prot = 0;

	if (vma->flags & (VM_READ | VM_EXEC | VM_WRITE))
		prot |= PROT_READ;
	if ((vma->flags & VM_WRITE) && (pte & PTE_WRITE))
		prot |= PROT_WRITE;
	if (vma->flags & VM_EXEC)
		prot |= PROT_EXEC;
	return prot;
}
