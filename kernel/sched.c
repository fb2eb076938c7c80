/*
 * The scheduler: round-robin over runnable tasks with a time slice, and
 * the idle loop.
 *
 * The kernel is one host thread; each task has its own kernel stack and
 * schedule() switches stacks. The idle loop runs on the boot stack: it
 * waits for host events (without a periodic tick, so an idle machine costs
 * nothing) and runs whoever they wake.
 */
#include "arch.h"
#include "err.h"
#include "irq.h"
#include "klib.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "task.h"
#include "timer.h"
#include "wait.h"
#include "os/os.h"

#define SLICE_NS (10 * NSEC_PER_MSEC)
#define TICK_NS (10 * NSEC_PER_MSEC)

struct sched_state sched;

static struct task idle_task;
/* A task that exited: its kernel stack is freed once we are off it. */
static struct task *sched_dead_stack;

void sched_init(void)
{
	list_init(&sched.runqueue);
	list_init(&sched.all_tasks);
	idle_task.pid = 0;
	idle_task.state = TASK_RUNNING;
	kstrlcpy(idle_task.comm, "swapper", sizeof(idle_task.comm));
	list_init(&idle_task.run_link);
	sched.idle = &idle_task;
	sched.running = &idle_task;
	sched.next_pid = 1;
}

static void enqueue(struct task *t)
{
	if (list_empty(&t->run_link))
		list_add_tail(&t->run_link, &sched.runqueue);
}

static void release_dead_stack(void)
{
	struct task *t = sched_dead_stack;

	if (!t || t == current)
		return;
	sched_dead_stack = NULL;
	if (t->state == TASK_DEAD) {
		task_free(t);
		return;
	}
	os_unmap(t->kstack, t->kstack_size);
	t->kstack = NULL;
}

void schedule(void)
{
	struct task *prev = current, *next;

	if (prev != sched.idle && prev->state == TASK_RUNNING)
		enqueue(prev);
	if (list_empty(&sched.runqueue)) {
		next = sched.idle;
	} else {
		next = list_first_entry(&sched.runqueue, struct task, run_link);
		list_del(&next->run_link);
	}
	prev->need_resched = false;
	if (next == prev)
		return;
	if (prev->state == TASK_DEAD || prev->state == TASK_ZOMBIE)
		sched_dead_stack = prev;
	if (next != sched.idle) {
		next->slice_end = time_mono_ns() + SLICE_NS;
		os_tick_start(TICK_NS);
	}
	sched.context_switches++;
	sched.running = next;
	arch_switch(&prev->kctx, &next->kctx);
	release_dead_stack();
}

void wake_up_process(struct task *t)
{
	if (t->state != TASK_INTERRUPTIBLE && t->state != TASK_UNINTERRUPTIBLE)
		return;
	t->state = TASK_RUNNING;
	if (t != current)
		enqueue(t);
}

/* Continue a stopped task (SIGCONT, SIGKILL). */
void sched_continue(struct task *t)
{
	if (t->state != TASK_STOPPED)
		return;
	t->state = TASK_RUNNING;
	if (t != current)
		enqueue(t);
}

void sched_yield_if_needed(void)
{
	if (current->need_resched)
		schedule();
}

/* The tick: preempt a task whose slice is over when others wait. */
void sched_tick(void)
{
	struct task *t = current;

	if (t != sched.idle && !list_empty(&sched.runqueue) &&
	    time_mono_ns() >= t->slice_end)
		t->need_resched = true;
}

__noreturn void sched_task_entry(void)
{
	struct task *t = current;

	release_dead_stack();
	if (t->kfn)
		t->kfn(t->kfn_arg);
	arch_user_loop();
}

struct task *task_find(int pid)
{
	struct task *t;

	if (pid <= 0)
		return NULL;
	for_each_task(t) if (t->pid == pid) return t;
	return NULL;
}

/* ---- wait queues ---- */

void wait_add(struct wait_queue *wq, struct wait_entry *e)
{
	if (!e->task)
		e->task = current;
	list_add_tail(&e->link, &wq->waiters);
}

void wait_remove(struct wait_entry *e)
{
	list_del(&e->link);
}

void wake_up(struct wait_queue *wq)
{
	struct wait_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &wq->waiters, link) {
		if (e->func)
			e->func(e);
		else
			wake_up_process(e->task);
	}
}

static void sleep_timeout(struct ktimer *timer)
{
	struct task *t = container_of(timer, struct task, sleep_timer);

	t->timed_out = true;
	wake_up_process(t);
}

int sched_sleep(bool interruptible, uint64_t deadline)
{
	struct task *t = current;

	if (interruptible && signal_pending(t))
		return -ERESTARTSYS;
	if (deadline && time_mono_ns() >= deadline)
		return -ETIMEDOUT;
	t->state = interruptible ? TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE;
	t->timed_out = false;
	if (deadline) {
		ktimer_init(&t->sleep_timer, sleep_timeout);
		ktimer_arm(&t->sleep_timer, deadline);
	}
	schedule();
	if (deadline)
		ktimer_cancel(&t->sleep_timer);
	t->state = TASK_RUNNING;
	if (interruptible && signal_pending(t))
		return -ERESTARTSYS;
	if (t->timed_out)
		return -ETIMEDOUT;
	return 0;
}

int wait_sleep(struct wait_queue *wq, bool interruptible, uint64_t deadline)
{
	struct wait_entry e = { .task = current };
	int r;

	wait_add(wq, &e);
	r = sched_sleep(interruptible, deadline);
	wait_remove(&e);
	return r;
}

/* ---- idle ---- */

__noreturn void sched_idle_loop(void)
{
	for (;;) {
		uint64_t next, now;
		int64_t timeout;

		irq_poll();
		if (!list_empty(&sched.runqueue)) {
			schedule();
			continue;
		}
		os_tick_stop();
		next = ktimer_run_expired();
		if (!list_empty(&sched.runqueue))
			continue;
		now = time_mono_ns();
		timeout = next ? (next > now ? (int64_t)(next - now) : 0) : -1;
		irq_wait(timeout);
	}
}
