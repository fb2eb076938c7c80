/*
 * Readiness polling: the poll table that poll, select and epoll hand to a
 * file's poll operation.
 *
 * A file's poll op returns its POLL* mask and calls poll_wait() for every
 * wait queue whose wake_up may change that mask. poll_wait passes the queue
 * to the table's owner (pt->queue), which queues a wait entry there; a NULL
 * table (or a NULL queue function) only asks for the mask.
 */
#ifndef POLL_H
#define POLL_H

#include <linux/poll.h>

#include "vfs.h"
#include "wait.h"

struct poll_table {
	void (*queue)(struct poll_table *pt, struct file *f,
		      struct wait_queue *wq);
};

/* What a file without a poll operation reports: always ready. */
#define POLL_DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/*
 * The file's current POLL* mask, registering with pt (may be NULL). A file
 * without a poll op is always readable and writable.
 */
unsigned int poll_file(struct file *f, struct poll_table *pt);

/* The file has a real poll operation (epoll refuses files that do not). */
bool poll_file_supported(const struct file *f);

/*
 * Convert a relative timeout to an absolute monotonic deadline. A timeout
 * so long that the sum overflows gives 0, which sched_sleep reads as "no
 * deadline"; any other result is non-zero.
 */
uint64_t poll_deadline(uint64_t sec, uint64_t nsec);

/*
 * Signal masks of ppoll, pselect6 and epoll_pwait. install replaces the
 * blocked set with the guest's sigset at usig (size bytes) and returns 1,
 * or 0 when usig is 0, or -EINVAL/-EFAULT. finish restores the old mask at
 * once, unless the call was interrupted (ret is -EINTR or -ERESTARTNOHAND):
 * then signal delivery restores it after the handler's frame is built.
 */
int poll_sigmask_install(uaddr_t usig, size_t size);
void poll_sigmask_finish(int installed, long ret);

/*
 * f is going away (its last reference dropped): take it out of every
 * epoll interest list. The VFS calls this from file_put before
 * f->ops->release, so no epoll keeps a wait entry on a freed queue.
 */
void eventpoll_release(struct file *f);

#endif
