/*
 * Wait queues: where tasks sleep until an event.
 *
 * Kernel code is written in blocking style. A task that must wait puts
 * itself on a wait queue and calls schedule(); whoever makes the condition
 * true calls wake_up(). The kernel is one host thread, so the check of the
 * condition and going to sleep cannot race with a waker.
 */
#ifndef WAIT_H
#define WAIT_H

#include "list.h"
#include "compiler.h"

struct task;

struct wait_queue {
	struct list_head waiters;
};

/*
 * One sleeper on one queue. func, when set, runs on wake_up instead of the
 * default (making task runnable); epoll uses it to note readiness.
 */
struct wait_entry {
	struct list_head link;
	struct task *task;
	void (*func)(struct wait_entry *e);
	void *data;
};

#define WAIT_QUEUE_INIT(name)                  \
	{                                      \
		LIST_HEAD_INIT((name).waiters) \
	}

static inline void wait_queue_init(struct wait_queue *wq)
{
	list_init(&wq->waiters);
}

/* Wake every task sleeping on wq. Safe from interrupt handlers. */
void wake_up(struct wait_queue *wq);

/* Queue e (for the current task) on wq / take it off again. */
void wait_add(struct wait_queue *wq, struct wait_entry *e);
void wait_remove(struct wait_entry *e);

/*
 * Sleep after queueing wait entries yourself (poll, select, epoll): returns
 * 0 when woken, -ERESTARTSYS on a signal (interruptible only), -ETIMEDOUT
 * once the absolute monotonic deadline (0 = none) has passed.
 */
int sched_sleep(bool interruptible, uint64_t deadline);

/*
 * Sleep on one queue until woken, a signal arrives
 * (interruptible only) or the deadline (absolute monotonic ns, 0 = none)
 * passes. Returns 0 when woken, -ERESTARTSYS on a signal, -ETIMEDOUT at the
 * deadline. The caller rechecks its condition in a loop; wait_event does.
 */
int wait_sleep(struct wait_queue *wq, bool interruptible, uint64_t deadline);

/*
 * Sleep until cond is true. Evaluates to 0, -ERESTARTSYS when a signal
 * is pending, or -ETIMEDOUT past the absolute deadline (0 = none).
 */
#define wait_event_deadline(wq, cond, deadline)                     \
	({                                                          \
		int __ret = 0;                                      \
		while (!(cond)) {                                   \
			__ret = wait_sleep((wq), true, (deadline)); \
			if (__ret)                                  \
				break;                              \
		}                                                   \
		(cond) ? 0 : __ret;                                 \
	})

#define wait_event_interruptible(wq, cond) wait_event_deadline(wq, cond, 0)

#endif
