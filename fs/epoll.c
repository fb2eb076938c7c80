/*
 * epoll: an interest list of (file, fd) pairs and a wait for any of them.
 *
 * Every item keeps wait entries on the wait queues its file's poll op
 * names; their wake function marks the item triggered and wakes the epoll.
 * epoll_wait polls the items and reports the ready ones: level-triggered
 * items whenever they are ready, edge-triggered ones only after a wake-up
 * since their last report, one-shot ones once until re-armed by MOD. Items
 * hold no file reference: eventpoll_release drops them when the file goes,
 * as Linux does when the last descriptor of a file is closed. An epoll
 * file is itself pollable (readable when an item is ready) and may nest
 * EP_MAX_NESTS deep, without cycles.
 */
#include <linux/eventpoll.h>
#include <linux/limits.h>

#include "err.h"
#include "klib.h"
#include "poll.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"
#include "vfs.h"
#include "wait.h"

#define EP_MAX_WAITS 4 /* wait queues one file's poll may name */
#define EP_MAX_NESTS 4
#define EP_MAX_ITEMS (1U << 20)
#define EP_HASH_SIZE 256
#define EP_MAX_EVENTS ((int)(INT32_MAX / sizeof(struct epoll_event)))
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK_BITS                                                \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
	 EPOLLEXCLUSIVE)

struct eventpoll {
	struct list_head items;
	unsigned int nr_items;
	struct wait_queue wq; /* epoll_wait sleepers and pollers of the epoll */
	struct file *file;
};

struct epitem {
	struct list_head link; /* in ep->items */
	struct list_head hash_link; /* in epoll_state.hash, keyed by file */
	struct eventpoll *ep;
	struct file *file;
	int fd;
	uint32_t events; /* requested, EPOLLERR | EPOLLHUP always included */
	uint64_t data;
	bool triggered; /* woken since the last report (edge trigger) */
	bool disabled; /* a one-shot item that has fired */
	unsigned int nwaits;
	struct wait_entry waits[EP_MAX_WAITS];
};

/* Items of every epoll, found by file for eventpoll_release. */
static struct epoll_state {
	bool hash_ready;
	struct list_head hash[EP_HASH_SIZE];
} epoll_state;

/* Registers the item being added on the wait queues its file names. */
struct ep_pqueue {
	struct poll_table pt;
	struct epitem *item;
};

static const struct file_ops epoll_file_ops;

static bool is_epoll(const struct file *f)
{
	return f->ops == &epoll_file_ops;
}

static struct list_head *ep_bucket(const struct file *f)
{
	uintptr_t key = (uintptr_t)f;

	if (!epoll_state.hash_ready) {
		for (size_t i = 0; i < EP_HASH_SIZE; i++)
			list_init(&epoll_state.hash[i]);
		epoll_state.hash_ready = true;
	}
	key ^= key >> 12;
	return &epoll_state.hash[(key >> 6) % EP_HASH_SIZE];
}

/* Wake function of an item's wait entries: never sleeps, never unlinks. */
static void ep_wake(struct wait_entry *e)
{
	struct epitem *item = e->data;

	item->triggered = true;
	wake_up(&item->ep->wq);
}

static void ep_queue(struct poll_table *pt, struct file *f,
		     struct wait_queue *wq)
{
	struct epitem *item = container_of(pt, struct ep_pqueue, pt)->item;
	struct wait_entry *e;

	if (item->nwaits == EP_MAX_WAITS)
		return;
	e = &item->waits[item->nwaits++];
	kmemset(e, 0, sizeof(*e));
	e->task = current;
	wait_add(wq, e);
	e->func = ep_wake;
	e->data = item;
}

/* The events the item reports now (0 when none or disabled). */
static uint32_t ep_item_poll(struct epitem *item)
{
	if (item->disabled)
		return 0;
	return poll_file(item->file, NULL) & item->events & ~EP_PRIVATE_BITS;
}

/* Whether the item would be reported by epoll_wait now. */
static bool ep_item_ready(struct epitem *item)
{
	if ((item->events & EPOLLET) && !item->triggered)
		return false;
	return ep_item_poll(item) != 0;
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *item;

	list_for_each_entry(item, &ep->items, link)
		if (item->file == f && item->fd == fd)
			return item;
	return NULL;
}

static void ep_remove(struct epitem *item)
{
	for (unsigned int i = 0; i < item->nwaits; i++)
		wait_remove(&item->waits[i]);
	list_del(&item->link);
	list_del(&item->hash_link);
	item->ep->nr_items--;
	kfree(item);
}

/* How many epolls deep ep is nested inside others. */
static int ep_depth_up(struct eventpoll *ep, int depth)
{
	struct list_head *bucket = ep_bucket(ep->file);
	struct epitem *item;
	int max = depth;

	if (depth > EP_MAX_NESTS)
		return depth;
	list_for_each_entry(item, bucket, hash_link)
		if (item->file == ep->file)
			max = MAX(max, ep_depth_up(item->ep, depth + 1));
	return max;
}

/* How deep epolls nest inside target; reaching ep means a cycle. */
static int ep_depth_down(struct eventpoll *target, struct eventpoll *ep,
			 int depth)
{
	struct epitem *item;
	int max = depth;

	if (target == ep || depth > EP_MAX_NESTS)
		return EP_MAX_NESTS + 1;
	list_for_each_entry(item, &target->items, link)
		if (is_epoll(item->file))
			max = MAX(max, ep_depth_down(item->file->private_data,
						     ep, depth + 1));
	return max;
}

static int ep_insert(struct eventpoll *ep, const struct epoll_event *ev,
		     struct file *tf, int fd)
{
	struct ep_pqueue epq;
	struct epitem *item;

	if (is_epoll(tf) &&
	    ep_depth_up(ep, 0) + ep_depth_down(tf->private_data, ep, 1) >
		    EP_MAX_NESTS)
		return -ELOOP;
	if (ep->nr_items >= EP_MAX_ITEMS)
		return -ENOSPC;
	item = kzalloc(sizeof(*item));
	if (!item)
		return -ENOMEM;
	item->ep = ep;
	item->file = tf;
	item->fd = fd;
	item->events = ev->events | EPOLLERR | EPOLLHUP;
	item->data = ev->data;
	item->triggered = true;
	list_add_tail(&item->link, &ep->items);
	list_add_tail(&item->hash_link, ep_bucket(tf));
	ep->nr_items++;
	epq.pt.queue = ep_queue;
	epq.item = item;
	poll_file(tf, &epq.pt);
	if (ep_item_ready(item))
		wake_up(&ep->wq);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *item,
		     const struct epoll_event *ev)
{
	item->events = ev->events | EPOLLERR | EPOLLHUP;
	item->data = ev->data;
	item->disabled = false;
	item->triggered = true;
	if (ep_item_ready(item))
		wake_up(&ep->wq);
	return 0;
}

/*
 * Report up to maxevents ready items to the guest array at uevents.
 * Level-triggered items that were reported move to the tail, so a small
 * maxevents still serves every item in turn. Returns the count or -EFAULT.
 */
static int ep_collect(struct eventpoll *ep, uaddr_t uevents, int maxevents)
{
	unsigned int n = ep->nr_items;
	struct list_head *pos = ep->items.next;
	int count = 0;

	for (unsigned int i = 0; i < n && count < maxevents; i++) {
		struct epitem *item = list_entry(pos, struct epitem, link);
		struct epoll_event ev;
		uint32_t mask;

		pos = pos->next;
		if ((item->events & EPOLLET) && !item->triggered)
			continue;
		mask = ep_item_poll(item);
		if (!mask) {
			item->triggered = false;
			continue;
		}
		ev.events = mask;
		ev.data = item->data;
		if (copy_to_user(uevents + (uint64_t)count * sizeof(ev), &ev,
				 sizeof(ev)))
			return count ? count : -EFAULT;
		count++;
		item->triggered = false;
		if (item->events & EPOLLONESHOT) {
			item->disabled = true;
		} else if (!(item->events & EPOLLET)) {
			list_del(&item->link);
			list_add_tail(&item->link, &ep->items);
		}
	}
	return count;
}

static unsigned int ep_file_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->private_data;
	struct epitem *item;

	poll_wait(f, &ep->wq, pt);
	list_for_each_entry(item, &ep->items, link)
		if (ep_item_ready(item))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void ep_file_release(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	struct epitem *item, *tmp;

	if (!ep)
		return;
	list_for_each_entry_safe(item, tmp, &ep->items, link)
		ep_remove(item);
	f->private_data = NULL;
	kfree(ep);
}

static int64_t ep_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_ops epoll_file_ops = {
	.release = ep_file_release,
	.llseek = ep_llseek,
	.poll = ep_file_poll,
};

void eventpoll_release(struct file *f)
{
	struct list_head *bucket;
	struct epitem *item, *tmp;

	if (!epoll_state.hash_ready)
		return;
	bucket = ep_bucket(f);
	list_for_each_entry_safe(item, tmp, bucket, hash_link)
		if (item->file == f)
			ep_remove(item);
}

SYSCALL1(epoll_create1, int, flags)
{
	struct eventpoll *ep;
	struct file *f;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	wait_queue_init(&ep->wq);
	f = file_alloc_anon(&epoll_file_ops, ep, O_RDWR, "[eventpoll]");
	if (IS_ERR(f)) {
		kfree(ep);
		return PTR_ERR(f);
	}
	ep->file = f;
	return fd_install(f, flags & EPOLL_CLOEXEC);
}

SYSCALL1(epoll_create, int, size)
{
	const long args1[1] = { 0 };

	if (size <= 0)
		return -EINVAL;
	return sys_epoll_create1(args1);
}

/* The checks of epoll_ctl that need both files; 0 or -errno. */
static int ep_ctl_check(struct file *f, struct file *tf, int op,
			struct epoll_event *ev)
{
	if (!poll_file_supported(tf))
		return -EPERM;
	if (f == tf || !is_epoll(f))
		return -EINVAL;
	ev->events &= ~EPOLLWAKEUP;
	if (ev->events & EPOLLEXCLUSIVE) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (is_epoll(tf) || (ev->events & ~EP_EXCLUSIVE_OK_BITS)))
			return -EINVAL;
	}
	return 0;
}

SYSCALL4(epoll_ctl, int, epfd, int, op, int, fd, uaddr_t, uevent)
{
	struct epoll_event ev = { 0, 0 };
	struct file *f, *tf;
	struct eventpoll *ep;
	struct epitem *item;
	long err;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uevent, sizeof(ev)))
		return -EFAULT;
	f = fd_get(epfd);
	if (!f)
		return -EBADF;
	tf = fd_get(fd);
	if (!tf) {
		err = -EBADF;
		goto out_put_ep;
	}
	err = ep_ctl_check(f, tf, op, &ev);
	if (err)
		goto out_put_target;
	ep = f->private_data;
	item = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		err = item ? -EEXIST : ep_insert(ep, &ev, tf, fd);
		break;
	case EPOLL_CTL_DEL:
		if (item)
			ep_remove(item);
		err = item ? 0 : -ENOENT;
		break;
	case EPOLL_CTL_MOD:
		if (!item)
			err = -ENOENT;
		else if (item->events & EPOLLEXCLUSIVE)
			err = -EINVAL;
		else
			err = ep_modify(ep, item, &ev);
		break;
	default:
		err = -EINVAL;
		break;
	}
out_put_target:
	file_put(tf);
out_put_ep:
	file_put(f);
	return err;
}

/*
 * Wait for events: deadline 0 waits forever, nowait only looks. Returns
 * the number reported, 0 on timeout, -EINTR on a signal, -errno.
 */
static long ep_wait(int epfd, uaddr_t uevents, int maxevents, uint64_t deadline,
		    bool nowait)
{
	struct eventpoll *ep;
	struct file *f;
	long n;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	f = fd_get(epfd);
	if (!f)
		return -EBADF;
	if (!is_epoll(f)) {
		file_put(f);
		return -EINVAL;
	}
	ep = f->private_data;
	for (;;) {
		n = ep_collect(ep, uevents, maxevents);
		if (n || nowait)
			break;
		if (signal_pending(current)) {
			n = -EINTR;
			break;
		}
		if (wait_sleep(&ep->wq, true, deadline) == -ETIMEDOUT)
			nowait = true;
	}
	file_put(f);
	return n;
}

static uint64_t ep_ms_deadline(int timeout_ms)
{
	if (timeout_ms <= 0)
		return 0;
	return poll_deadline((uint64_t)timeout_ms / 1000,
			     (uint64_t)timeout_ms % 1000 * NSEC_PER_MSEC);
}

SYSCALL4(epoll_wait, int, epfd, uaddr_t, events, int, maxevents, int,
	 timeout_ms)
{
	return ep_wait(epfd, events, maxevents, ep_ms_deadline(timeout_ms),
		       timeout_ms == 0);
}

SYSCALL6(epoll_pwait, int, epfd, uaddr_t, events, int, maxevents, int,
	 timeout_ms, uaddr_t, sigmask, size_t, sigsetsize)
{
	int masked = poll_sigmask_install(sigmask, sigsetsize);
	long ret;

	if (masked < 0)
		return masked;
	ret = ep_wait(epfd, events, maxevents, ep_ms_deadline(timeout_ms),
		      timeout_ms == 0);
	poll_sigmask_finish(masked, ret);
	return ret;
}

SYSCALL6(epoll_pwait2, int, epfd, uaddr_t, events, int, maxevents, uaddr_t, uts,
	 uaddr_t, sigmask, size_t, sigsetsize)
{
	struct __kernel_timespec ts;
	uint64_t deadline = 0;
	bool nowait = false;
	int masked;
	long ret;

	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		if (!ts.tv_sec && !ts.tv_nsec)
			nowait = true;
		else
			deadline = poll_deadline((uint64_t)ts.tv_sec,
						 (uint64_t)ts.tv_nsec);
	}
	masked = poll_sigmask_install(sigmask, sigsetsize);
	if (masked < 0)
		return masked;
	ret = ep_wait(epfd, events, maxevents, deadline, nowait);
	poll_sigmask_finish(masked, ret);
	return ret;
}
