/*
 * Access to guest memory.
 *
 * Guest addresses are plain 64-bit numbers (uaddr_t). Every access walks
 * the current address space's page tables, faulting pages in as the guest
 * would, and fails with -EFAULT instead of crashing on a bad pointer.
 */
#ifndef UACCESS_H
#define UACCESS_H

#include "compiler.h"

typedef uint64_t uaddr_t;

struct mm;

/* Return 0 or -EFAULT. Partial copies count as failure. */
int copy_from_user(void *dst, uaddr_t src, size_t len);
int copy_to_user(uaddr_t dst, const void *src, size_t len);
int clear_user(uaddr_t dst, size_t len);

/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG if no NUL within max.
 */
long strncpy_from_user(char *dst, uaddr_t src, size_t max);

/* Variants on an explicit address space (exec, /proc/PID/cmdline). */
int mm_copy_from(struct mm *mm, void *dst, uaddr_t src, size_t len);
int mm_copy_to(struct mm *mm, uaddr_t dst, const void *src, size_t len);

#define get_user(val, uaddr) copy_from_user(&(val), (uaddr), sizeof(val))
#define put_user(val, uaddr)                              \
	({                                                \
		__typeof__(val) __v = (val);              \
		copy_to_user((uaddr), &__v, sizeof(__v)); \
	})

/*
 * Copy a path name from the guest into a new kmalloc'd buffer (PATH_MAX).
 * Returns the buffer or an ERR_PTR (-EFAULT, -ENAMETOOLONG, -ENOENT for
 * an empty string unless allow_empty).
 */
char *getname(uaddr_t upath, bool allow_empty);

#endif
