/*
 * Guest memory access from the kernel, through the page tables.
 *
 * Each page is looked up in the address space's page table; a missing or
 * read-only page is faulted in as the guest would fault it (copy-on-write
 * included), so the kernel reads and writes physmem directly. A bad
 * pointer gives -EFAULT, never a crash.
 */
#include <linux/limits.h>

#include "err.h"
#include "klib.h"
#include "mm.h"
#include "mm_internal.h"
#include "sched.h"
#include "uaccess.h"
#include "vfs.h"

#define GUEST_TOP 0x7ffffffff000ULL

static char *user_ptr(struct mm *mm, uaddr_t addr, bool write)
{
	uint64_t *pte = pgtable_walk(mm, addr, false);
	uint64_t need = PTE_PRESENT | PTE_READ | (write ? PTE_WRITE : 0);
	pfn_t pfn;

	if (pte && (*pte & need) == need)
		pfn = pte_pfn(*pte);
	else if (mm_get_page(mm, ALIGN_DOWN(addr, PAGE_SIZE), write, &pfn))
		return NULL;
	return (char *)page_ptr(pfn) + (addr & ~PAGE_MASK);
}

static bool range_ok(uaddr_t addr, size_t len)
{
	return addr + len >= addr && addr + len <= GUEST_TOP;
}

int mm_copy_from(struct mm *mm, void *dst, uaddr_t src, size_t len)
{
	char *d = dst;

	if (!range_ok(src, len))
		return -EFAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (src & ~PAGE_MASK));
		char *p = user_ptr(mm, src, false);

		if (!p)
			return -EFAULT;
		kmemcpy(d, p, chunk);
		d += chunk;
		src += chunk;
		len -= chunk;
	}
	return 0;
}

int mm_copy_to(struct mm *mm, uaddr_t dst, const void *src, size_t len)
{
	const char *s = src;

	if (!range_ok(dst, len))
		return -EFAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (dst & ~PAGE_MASK));
		char *p = user_ptr(mm, dst, true);

		if (!p)
			return -EFAULT;
		kmemcpy(p, s, chunk);
		s += chunk;
		dst += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_user(void *dst, uaddr_t src, size_t len)
{
	return mm_copy_from(current->mm, dst, src, len);
}

int copy_to_user(uaddr_t dst, const void *src, size_t len)
{
	return mm_copy_to(current->mm, dst, src, len);
}

int clear_user(uaddr_t dst, size_t len)
{
	struct mm *mm = current->mm;

	if (!range_ok(dst, len))
		return -EFAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (dst & ~PAGE_MASK));
		char *p = user_ptr(mm, dst, true);

		if (!p)
			return -EFAULT;
		kmemset(p, 0, chunk);
		dst += chunk;
		len -= chunk;
	}
	return 0;
}

long strncpy_from_user(char *dst, uaddr_t src, size_t max)
{
	struct mm *mm = current->mm;
	size_t done = 0;

	while (done < max) {
		size_t chunk = MIN(max - done, PAGE_SIZE - (src & ~PAGE_MASK));
		char *p;
		size_t i;

		if (!range_ok(src, chunk))
			return -EFAULT;
		p = user_ptr(mm, src, false);
		if (!p)
			return -EFAULT;
		for (i = 0; i < chunk; i++) {
			dst[done + i] = p[i];
			if (!p[i])
				return (long)(done + i);
		}
		done += chunk;
		src += chunk;
	}
	return -ENAMETOOLONG;
}

char *getname(uaddr_t upath, bool allow_empty)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return ERR_PTR(-ENOMEM);
	n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0) {
		kfree(buf);
		return ERR_PTR(n);
	}
	if (n == 0 && !allow_empty) {
		kfree(buf);
		return ERR_PTR(-ENOENT);
	}
	return buf;
}
