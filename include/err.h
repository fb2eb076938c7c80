/*
 * Error pointers and kernel-internal errno values.
 *
 * Functions returning pointers encode -errno in the pointer with ERR_PTR;
 * functions returning integers return >= 0 or -errno.
 */
#ifndef ERR_H
#define ERR_H

#include <linux/errno.h>

#include "compiler.h"

/* Never seen by the guest: turned into EINTR or a restart on return. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

#define MAX_ERRNO 4095

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (uintptr_t)ptr >= (uintptr_t)-MAX_ERRNO;
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

#endif
