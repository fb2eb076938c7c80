/*
 * Memory syscalls: mmap, munmap, mprotect, brk, mremap, madvise, msync,
 * mincore.
 */
#include <linux/mman.h>

#include "err.h"
#include "klib.h"
#include "mm.h"
#include "mm_internal.h"
#include "sched.h"
#include "syscall.h"

#define GUEST_TOP 0x7ffffffff000ULL

static unsigned int prot_to_vm(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) |
	       (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

#define MAP_KNOWN_FLAGS                                                   \
	(MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED |     \
	 MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | \
	 MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |       \
	 MAP_STACK | MAP_HUGETLB | MAP_FIXED_NOREPLACE | MAP_32BIT)

long vm_mmap(uint64_t addr, uint64_t len, unsigned long prot,
	     unsigned long flags, struct file *f, uint64_t off);

long vm_mmap(uint64_t addr, uint64_t len, unsigned long prot,
	     unsigned long flags, struct file *f, uint64_t off)
{
	struct mm *mm = current->mm;
	unsigned int vmflags = prot_to_vm(prot);
	unsigned long type = flags & MAP_SHARED_VALIDATE;
	long r;

	if (!len || (off & ~PAGE_MASK))
		return -EINVAL;
	if (len > GUEST_TOP)
		return -ENOMEM;
	if (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN_FLAGS))
		return -EOPNOTSUPP;
	if (type != MAP_SHARED && type != MAP_PRIVATE &&
	    type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (flags & MAP_HUGETLB)
		return -EINVAL;
	if (type != MAP_PRIVATE)
		vmflags |= VM_SHARED;
	if (flags & MAP_GROWSDOWN)
		vmflags |= VM_GROWSDOWN;
	if (f) {
		if (!(f->mode & FMODE_READ))
			return -EACCES;
		if ((vmflags & VM_SHARED) && (prot & PROT_WRITE) &&
		    !(f->mode & FMODE_WRITE))
			return -EACCES;
		if (!f->ops->get_page)
			return -ENODEV;
	} else if (!(vmflags & VM_SHARED) && (vmflags & VM_WRITE) &&
		   !(flags & MAP_NORESERVE) &&
		   len / PAGE_SIZE > phys_total_pages()) {
		/* Like Linux's heuristic overcommit: never more than RAM. */
		return -ENOMEM;
	}
	r = mm_map(mm, addr, len, vmflags, (int)flags, f, off / PAGE_SIZE,
		   NULL);
	if (r < 0)
		return r;
	/* Shared anonymous memory must exist before a fork shares it. */
	if ((!f && (vmflags & VM_SHARED)) || (flags & MAP_POPULATE)) {
		int err = mm_populate(mm, (uint64_t)r, (uint64_t)r + len);

		if (err && !f) {
			mm_unmap(mm, (uint64_t)r, len);
			return -ENOMEM;
		}
	}
	return r;
}

SYSCALL6(mmap, uint64_t, addr, uint64_t, len, unsigned long, prot,
	 unsigned long, flags, int, fd, uint64_t, off)
{
	struct file *f = NULL;
	long r;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM |
		     PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get(fd);
		if (!f)
			return -EBADF;
	}
	r = vm_mmap(addr, len, prot, flags, f, off);
	if (f)
		file_put(f);
	return r;
}

SYSCALL2(munmap, uint64_t, addr, uint64_t, len)
{
	return mm_unmap(current->mm, addr, len);
}

SYSCALL3(mprotect, uint64_t, addr, uint64_t, len, unsigned long, prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM |
		     PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!len)
		return (addr & ~PAGE_MASK) ? -EINVAL : 0;
	return mm_protect(current->mm, addr, len, prot_to_vm(prot));
}

SYSCALL1(brk, uint64_t, newbrk)
{
	struct mm *mm = current->mm;
	uint64_t oldtop = ALIGN_UP(mm->brk, PAGE_SIZE);
	uint64_t newtop = ALIGN_UP(newbrk, PAGE_SIZE);
	long r;

	if (newbrk < mm->brk_start || newbrk > GUEST_TOP)
		return (long)mm->brk;
	if (newtop > oldtop) {
		/* The same overcommit rule as for anonymous mmap. */
		if ((newtop - oldtop) / PAGE_SIZE > phys_total_pages())
			return (long)mm->brk;
		r = mm_map(mm, oldtop, newtop - oldtop, VM_READ | VM_WRITE,
			   MAP_FIXED_NOREPLACE, NULL, 0, "[heap]");
		if (r < 0)
			return (long)mm->brk;
		/*
		 * malloc writes a header at the start of what it gets: map
		 * that page (and its fault-around run) now, not in a fault.
		 * Without memory it is left to the fault, as before.
		 */
		mm_populate(mm, oldtop, oldtop + PAGE_SIZE);
	} else if (newtop < oldtop) {
		if (mm_unmap(mm, newtop, oldtop - newtop))
			return (long)mm->brk;
	}
	mm->brk = newbrk;
	return (long)newbrk;
}

SYSCALL5(mremap, uint64_t, old, uint64_t, oldlen, uint64_t, newlen, int, flags,
	 uint64_t, newaddr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;
	return mm_remap(current->mm, old, oldlen, newlen, flags, newaddr);
}

SYSCALL3(madvise, uint64_t, addr, uint64_t, len, int, advice)
{
	uint64_t end;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		return mm_discard(current->mm, addr, end);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Every page of [addr, addr+len) is inside some VMA. */
static bool range_mapped(struct mm *mm, uint64_t addr, uint64_t end)
{
	while (addr < end) {
		struct vma *v = vma_find(mm, addr);

		if (!v)
			return false;
		addr = v->end;
	}
	return true;
}

SYSCALL3(msync, uint64_t, addr, uint64_t, len, int, flags)
{
	uint64_t end;

	if ((addr & ~PAGE_MASK) ||
	    (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -ENOMEM;
	/* Shared file pages are the page cache itself: nothing to copy. */
	return range_mapped(current->mm, addr, end) ? 0 : -ENOMEM;
}

SYSCALL3(mincore, uint64_t, addr, uint64_t, len, uaddr_t, vec)
{
	struct mm *mm = current->mm;
	uint64_t end, a;
	unsigned char buf[256];
	size_t n = 0;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr || !range_mapped(mm, addr, end))
		return -ENOMEM;
	for (a = addr; a < end; a += PAGE_SIZE) {
		uint64_t *pte = pgtable_walk(mm, a, false);

		buf[n++] = pte && (*pte & PTE_PRESENT);
		if (n == sizeof(buf) || a + PAGE_SIZE >= end) {
			if (copy_to_user(vec, buf, n))
				return -EFAULT;
			vec += n;
			n = 0;
		}
	}
	return 0;
}
