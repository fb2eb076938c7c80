/*
 * Caller buffers for read and write: guest memory or kernel memory behind
 * one interface. A copy either moves all n bytes and advances the uio, or
 * fails with -EFAULT and leaves it unchanged.
 */
#include "err.h"
#include "klib.h"
#include "vfs.h"

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	if (n > u->len)
		return -EFAULT;
	if (u->kernel)
		kmemcpy(u->kbuf + u->done, src, n);
	else if (copy_to_user(u->ubuf + u->done, src, n))
		return -EFAULT;
	u->done += n;
	u->len -= n;
	return 0;
}

int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	if (n > u->len)
		return -EFAULT;
	if (u->kernel)
		kmemcpy(dst, u->kbuf + u->done, n);
	else if (copy_from_user(dst, u->ubuf + u->done, n))
		return -EFAULT;
	u->done += n;
	u->len -= n;
	return 0;
}
