/*
 * eventfd: a 64-bit counter behind a file descriptor.
 *
 * As Linux: read takes the whole count (or 1 with EFD_SEMAPHORE) and waits
 * while it is 0; write adds a value and waits while the sum would pass
 * 0xfffffffffffffffe; both need an 8-byte buffer. Readable while the count
 * is non-zero, writable while 1 more fits.
 */
#include "err.h"
#include "klib.h"
#include "poll.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "wait.h"

#define EFD_SEMAPHORE 0x1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define EFD_FLAGS (EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)
#define EVENTFD_MAX (UINT64_MAX - 1)

struct eventfd {
	uint64_t count;
	bool semaphore;
	struct wait_queue wq; /* both readers and writers */
};

static long eventfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *e = f->private_data;
	uint64_t val;
	int err;

	if (u->len < sizeof(val))
		return -EINVAL;
	if (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(&e->wq, e->count);
		if (err)
			return err;
	}
	val = e->semaphore ? 1 : e->count;
	err = uio_copy_out(u, &val, sizeof(val));
	if (err)
		return err;
	e->count -= val;
	wake_up(&e->wq);
	return sizeof(val);
}

static long eventfd_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *e = f->private_data;
	uint64_t val;
	int err;

	if (u->len < sizeof(val))
		return -EINVAL;
	err = uio_copy_in(u, &val, sizeof(val));
	if (err)
		return err;
	if (val == UINT64_MAX)
		return -EINVAL;
	if (EVENTFD_MAX - e->count < val) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(&e->wq,
					       EVENTFD_MAX - e->count >= val);
		if (err)
			return err;
	}
	e->count += val;
	if (val)
		wake_up(&e->wq);
	return sizeof(val);
}

static unsigned int eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->private_data;
	unsigned int mask = 0;

	poll_wait(f, &e->wq, pt);
	if (e->count)
		mask |= POLLIN | POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static void eventfd_release(struct file *f)
{
	kfree(f->private_data);
	f->private_data = NULL;
}

static int64_t eventfd_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_ops eventfd_file_ops = {
	.release = eventfd_release,
	.read = eventfd_read,
	.write = eventfd_write,
	.llseek = eventfd_llseek,
	.poll = eventfd_poll,
};

SYSCALL2(eventfd2, unsigned int, initval, int, flags)
{
	struct eventfd *e;
	struct file *f;

	if (flags & ~EFD_FLAGS)
		return -EINVAL;
	e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	wait_queue_init(&e->wq);
	f = file_alloc_anon(&eventfd_file_ops, e,
			    O_RDWR | ((unsigned int)flags & EFD_NONBLOCK),
			    "eventfd");
	if (IS_ERR(f)) {
		kfree(e);
		return PTR_ERR(f);
	}
	return fd_install(f, flags & EFD_CLOEXEC);
}

SYSCALL1(eventfd, unsigned int, initval)
{
	const long args2[2] = { (long)initval, 0 };

	return sys_eventfd2(args2);
}
