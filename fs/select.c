/*
 * poll, ppoll, select and pselect6: wait until some files are ready.
 *
 * The poller makes one pass over its files with a poll table that queues a
 * wait entry on every wait queue the files name (each entry holds a file
 * reference, so the queues stay alive), then sleeps until a wake-up, a
 * signal or the deadline, and makes passes without registering until
 * something is ready. Every entry is dequeued before the syscall returns.
 */
#include <asm/signal.h>

#include "err.h"
#include "klib.h"
#include "poll.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"
#include "vfs.h"

/* Bounds on guest-supplied sizes, whatever RLIMIT_NOFILE says. */
#define POLL_MAX_FDS (1U << 20)
#define POLL_CHUNK_ENTRIES 16
#define POLL_FD_BITS 64

#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)

/* One queued wait of the poller, with a reference to the polled file. */
struct poll_entry {
	struct wait_entry wait;
	struct file *file;
};

struct poll_chunk {
	struct poll_chunk *next;
	unsigned int used;
	struct poll_entry entries[POLL_CHUNK_ENTRIES];
};

/* The poller: a poll table plus the entries it queued. */
struct poller {
	struct poll_table pt;
	struct poll_chunk first;
	struct poll_chunk *last;
	int error;
};

void poll_wait(struct file *f, struct wait_queue *wq, struct poll_table *pt)
{
	if (pt && pt->queue && wq)
		pt->queue(pt, f, wq);
}

unsigned int poll_file(struct file *f, struct poll_table *pt)
{
	if (!f->ops || !f->ops->poll)
		return POLL_DEFAULT_MASK;
	return f->ops->poll(f, pt);
}

bool poll_file_supported(const struct file *f)
{
	return f->ops && f->ops->poll && f->ops->poll != vfs_default_poll;
}

uint64_t poll_deadline(uint64_t sec, uint64_t nsec)
{
	uint64_t now = time_mono_ns();
	uint64_t rel;

	if (sec > (UINT64_MAX - nsec) / NSEC_PER_SEC)
		return 0;
	rel = sec * NSEC_PER_SEC + nsec;
	if (rel > UINT64_MAX - now)
		return 0;
	return now + rel ? now + rel : 1;
}

int poll_sigmask_install(uaddr_t usig, size_t size)
{
	ksigset_t mask;
	int err;

	if (!usig)
		return 0;
	if (size != sizeof(ksigset_t))
		return -EINVAL;
	err = copy_from_user(&mask, usig, sizeof(mask));
	if (err)
		return err;
	current->saved_mask = current->blocked;
	current->blocked = mask & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
	return 1;
}

void poll_sigmask_finish(int installed, long ret)
{
	if (installed <= 0)
		return;
	if (ret == -EINTR || ret == -ERESTARTNOHAND)
		current->restore_mask = true;
	else
		current->blocked = current->saved_mask;
}

/* poll_table queue function: add one wait entry for the current task. */
static void poller_queue(struct poll_table *pt, struct file *f,
			 struct wait_queue *wq)
{
	struct poller *p = container_of(pt, struct poller, pt);
	struct poll_chunk *c = p->last;
	struct poll_entry *e;

	if (c->used == POLL_CHUNK_ENTRIES) {
		c = kmalloc(sizeof(*c));
		if (!c) {
			p->error = -ENOMEM;
			return;
		}
		c->next = NULL;
		c->used = 0;
		p->last->next = c;
		p->last = c;
	}
	e = &c->entries[c->used++];
	kmemset(e, 0, sizeof(*e));
	e->wait.task = current;
	e->file = f ? file_get(f) : NULL;
	wait_add(wq, &e->wait);
}

static void poller_init(struct poller *p)
{
	p->pt.queue = poller_queue;
	p->first.next = NULL;
	p->first.used = 0;
	p->last = &p->first;
	p->error = 0;
}

/* Dequeue every entry and drop its file reference. */
static void poller_free(struct poller *p)
{
	struct poll_chunk *c = &p->first;

	while (c) {
		struct poll_chunk *next = c->next;

		for (unsigned int i = 0; i < c->used; i++) {
			wait_remove(&c->entries[i].wait);
			if (c->entries[i].file)
				file_put(c->entries[i].file);
		}
		if (c != &p->first)
			kfree(c);
		c = next;
	}
}

/* The largest fd count a task may poll: RLIMIT_NOFILE, bounded. */
static uint64_t poll_max_fds(void)
{
	uint64_t lim = current->group->rlim[RLIMIT_NOFILE].rlim_cur;

	return MIN(lim, (uint64_t)POLL_MAX_FDS);
}

/* ---- poll ---- */

static unsigned int poll_one(struct pollfd *pfd, struct poll_table *pt)
{
	struct file *f;
	unsigned int mask;

	if (pfd->fd < 0)
		return 0;
	f = fd_get(pfd->fd);
	if (!f)
		return POLLNVAL;
	mask = poll_file(f, pt);
	file_put(f);
	return mask & ((uint16_t)pfd->events | POLLERR | POLLHUP);
}

/*
 * Poll nfds entries until one is ready. deadline 0 waits forever; nowait
 * makes a single pass. Returns the ready count, 0 on timeout,
 * -ERESTARTNOHAND on a signal or -ENOMEM.
 */
static long poll_run(struct pollfd *pfds, unsigned int nfds, uint64_t deadline,
		     bool nowait)
{
	struct poller p;
	struct poll_table *pt = nowait ? NULL : &p.pt;
	bool timed_out = nowait;
	long count = 0;

	poller_init(&p);
	for (;;) {
		for (unsigned int i = 0; i < nfds; i++) {
			pfds[i].revents = (short)poll_one(&pfds[i], pt);
			if (pfds[i].revents) {
				count++;
				pt = NULL;
			}
		}
		pt = NULL;
		if (count || timed_out)
			break;
		if (p.error) {
			count = p.error;
			break;
		}
		if (signal_pending(current)) {
			count = -ERESTARTNOHAND;
			break;
		}
		if (sched_sleep(true, deadline) == -ETIMEDOUT)
			timed_out = true;
	}
	poller_free(&p);
	return count;
}

/* Copy the pollfd array in, poll it and copy the revents back. */
static long poll_user(uaddr_t ufds, uint64_t nfds, uint64_t deadline,
		      bool nowait)
{
	struct pollfd *pfds = NULL;
	size_t size;
	long ret;

	if (nfds > poll_max_fds())
		return -EINVAL;
	size = (size_t)nfds * sizeof(*pfds);
	if (nfds) {
		pfds = kmalloc(size);
		if (!pfds)
			return -ENOMEM;
		if (copy_from_user(pfds, ufds, size)) {
			ret = -EFAULT;
			goto out_free;
		}
	}
	ret = poll_run(pfds, (unsigned int)nfds, deadline, nowait);
	if (nfds && copy_to_user(ufds, pfds, size))
		ret = -EFAULT;
out_free:
	kfree(pfds);
	return ret;
}

/*
 * Write the time left before deadline back to a guest timespec (or
 * timeval), as Linux does for ppoll, pselect6 and select. A failed write
 * turns a restart into -EINTR, since the guest's timeout is stale.
 */
static long poll_write_remaining(uaddr_t uts, bool timeval, uint64_t deadline,
				 long ret)
{
	uint64_t now = time_mono_ns();
	uint64_t left = deadline > now ? deadline - now : 0;
	int err;

	if (timeval) {
		struct __kernel_old_timeval tv = {
			.tv_sec = (long)(left / NSEC_PER_SEC),
			.tv_usec = (long)(left % NSEC_PER_SEC / NSEC_PER_USEC),
		};
		err = copy_to_user(uts, &tv, sizeof(tv));
	} else {
		struct __kernel_timespec ts = {
			.tv_sec = (long long)(left / NSEC_PER_SEC),
			.tv_nsec = (long long)(left % NSEC_PER_SEC),
		};
		err = copy_to_user(uts, &ts, sizeof(ts));
	}
	if (err && ret == -ERESTARTNOHAND)
		return -EINTR;
	return ret;
}

SYSCALL3(poll, uaddr_t, ufds, unsigned int, nfds, int, timeout_ms)
{
	uint64_t deadline = 0;

	if (timeout_ms > 0)
		deadline = poll_deadline((uint64_t)timeout_ms / 1000,
					 (uint64_t)timeout_ms % 1000 *
						 NSEC_PER_MSEC);
	return poll_user(ufds, nfds, deadline, timeout_ms == 0);
}

/*
 * Read a guest timespec for ppoll/pselect6: *deadline and *nowait describe
 * it; returns 0 or -EFAULT/-EINVAL. A NULL pointer waits forever.
 */
static int poll_get_timespec(uaddr_t uts, uint64_t *deadline, bool *nowait)
{
	struct __kernel_timespec ts;

	*deadline = 0;
	*nowait = false;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
	    (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if (!ts.tv_sec && !ts.tv_nsec)
		*nowait = true;
	else
		*deadline = poll_deadline((uint64_t)ts.tv_sec,
					  (uint64_t)ts.tv_nsec);
	return 0;
}

SYSCALL5(ppoll, uaddr_t, ufds, unsigned int, nfds, uaddr_t, tsp, uaddr_t,
	 sigmask, size_t, sigsetsize)
{
	uint64_t deadline;
	bool nowait;
	int masked;
	long ret;

	ret = poll_get_timespec(tsp, &deadline, &nowait);
	if (ret)
		return ret;
	masked = poll_sigmask_install(sigmask, sigsetsize);
	if (masked < 0)
		return masked;
	ret = poll_user(ufds, nfds, deadline, nowait);
	poll_sigmask_finish(masked, ret);
	if (tsp && deadline)
		ret = poll_write_remaining(tsp, false, deadline, ret);
	return ret;
}

/* ---- select ---- */

/* The six fd bitmaps of one select call, in 64-bit words. */
struct select_sets {
	size_t words;
	uint64_t *in, *out, *ex;
	uint64_t *res_in, *res_out, *res_ex;
};

static bool fdbit(const uint64_t *set, int fd)
{
	return set[fd / POLL_FD_BITS] >> (fd % POLL_FD_BITS) & 1;
}

static void fdbit_set(uint64_t *set, int fd)
{
	set[fd / POLL_FD_BITS] |= 1ULL << (fd % POLL_FD_BITS);
}

/* Every fd named in the sets must be open: 0 or -EBADF. */
static int select_check_fds(const struct select_sets *s, int n)
{
	for (int fd = 0; fd < n; fd++) {
		struct file *f;

		if (!fdbit(s->in, fd) && !fdbit(s->out, fd) &&
		    !fdbit(s->ex, fd))
			continue;
		f = fd_get(fd);
		if (!f)
			return -EBADF;
		file_put(f);
	}
	return 0;
}

/* One pass over the sets; returns the number of bits set or -EBADF. */
static long select_pass(struct select_sets *s, int n, struct poll_table **pt)
{
	long count = 0;

	for (int fd = 0; fd < n; fd++) {
		bool in = fdbit(s->in, fd), out = fdbit(s->out, fd);
		bool ex = fdbit(s->ex, fd);
		struct file *f;
		unsigned int mask;

		if (!in && !out && !ex)
			continue;
		f = fd_get(fd);
		if (!f)
			return -EBADF;
		mask = poll_file(f, *pt);
		file_put(f);
		if (in && (mask & POLLIN_SET)) {
			fdbit_set(s->res_in, fd);
			count++;
		}
		if (out && (mask & POLLOUT_SET)) {
			fdbit_set(s->res_out, fd);
			count++;
		}
		if (ex && (mask & POLLEX_SET)) {
			fdbit_set(s->res_ex, fd);
			count++;
		}
		if (count)
			*pt = NULL;
	}
	return count;
}

static long select_run(struct select_sets *s, int n, uint64_t deadline,
		       bool nowait)
{
	struct poller p;
	struct poll_table *pt = nowait ? NULL : &p.pt;
	bool timed_out = nowait;
	long count;

	count = select_check_fds(s, n);
	if (count)
		return count;
	poller_init(&p);
	for (;;) {
		kmemset(s->res_in, 0, 3 * s->words * sizeof(uint64_t));
		count = select_pass(s, n, &pt);
		pt = NULL;
		if (count || timed_out)
			break;
		if (p.error) {
			count = p.error;
			break;
		}
		if (signal_pending(current)) {
			count = -ERESTARTNOHAND;
			break;
		}
		if (sched_sleep(true, deadline) == -ETIMEDOUT)
			timed_out = true;
	}
	poller_free(&p);
	return count;
}

static int select_get_set(uaddr_t uset, uint64_t *set, size_t words)
{
	if (!uset) {
		kmemset(set, 0, words * sizeof(uint64_t));
		return 0;
	}
	return copy_from_user(set, uset, words * sizeof(uint64_t));
}

static int select_put_set(uaddr_t uset, const uint64_t *set, size_t words)
{
	if (!uset)
		return 0;
	return copy_to_user(uset, set, words * sizeof(uint64_t));
}

/* select and pselect6 without their timeout and mask handling. */
static long select_user(int n, uaddr_t inp, uaddr_t outp, uaddr_t exp,
			uint64_t deadline, bool nowait)
{
	struct select_sets s;
	uint64_t *mem;
	long ret;

	if (n < 0)
		return -EINVAL;
	if ((uint64_t)n > poll_max_fds())
		n = (int)poll_max_fds();
	s.words = DIV_ROUND_UP((size_t)n, POLL_FD_BITS);
	mem = kmalloc(6 * s.words * sizeof(uint64_t) + 1);
	if (!mem)
		return -ENOMEM;
	s.in = mem;
	s.out = s.in + s.words;
	s.ex = s.out + s.words;
	s.res_in = s.ex + s.words;
	s.res_out = s.res_in + s.words;
	s.res_ex = s.res_out + s.words;
	if (select_get_set(inp, s.in, s.words) ||
	    select_get_set(outp, s.out, s.words) ||
	    select_get_set(exp, s.ex, s.words)) {
		ret = -EFAULT;
		goto out_free;
	}
	ret = select_run(&s, n, deadline, nowait);
	if (ret < 0)
		goto out_free;
	if (select_put_set(inp, s.res_in, s.words) ||
	    select_put_set(outp, s.res_out, s.words) ||
	    select_put_set(exp, s.res_ex, s.words))
		ret = -EFAULT;
out_free:
	kfree(mem);
	return ret;
}

SYSCALL5(select, int, n, uaddr_t, inp, uaddr_t, outp, uaddr_t, exp, uaddr_t,
	 tvp)
{
	struct __kernel_old_timeval tv;
	uint64_t deadline = 0;
	bool nowait = false;
	long ret;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		if (!tv.tv_sec && !tv.tv_usec)
			nowait = true;
		else
			deadline = poll_deadline(
				(uint64_t)tv.tv_sec +
					(uint64_t)tv.tv_usec / 1000000,
				(uint64_t)tv.tv_usec % 1000000 * NSEC_PER_USEC);
	}
	ret = select_user(n, inp, outp, exp, deadline, nowait);
	if (tvp && deadline)
		ret = poll_write_remaining(tvp, true, deadline, ret);
	return ret;
}

/* pselect6's sixth argument: the sigset pointer and its size. */
struct pselect_sig {
	uint64_t ss;
	uint64_t ss_len;
};

SYSCALL6(pselect6, int, n, uaddr_t, inp, uaddr_t, outp, uaddr_t, exp, uaddr_t,
	 tsp, uaddr_t, usig)
{
	struct pselect_sig sig = { 0, 0 };
	uint64_t deadline;
	bool nowait;
	int masked;
	long ret;

	ret = poll_get_timespec(tsp, &deadline, &nowait);
	if (ret)
		return ret;
	if (usig && copy_from_user(&sig, usig, sizeof(sig)))
		return -EFAULT;
	masked = poll_sigmask_install(sig.ss, sig.ss_len);
	if (masked < 0)
		return masked;
	ret = select_user(n, inp, outp, exp, deadline, nowait);
	poll_sigmask_finish(masked, ret);
	if (tsp && deadline)
		ret = poll_write_remaining(tsp, false, deadline, ret);
	return ret;
}
