/*
 * POSIX per-process timers: timer_create and friends.
 *
 * A timer lives on its thread group's posix_timers list, sorted by id, so
 * the lowest free id is found in one walk. It measures CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_TAI, whose expiries are
 * absolute monotonic times run by a kernel timer (an absolute
 * CLOCK_REALTIME expiry is converted when the timer is set), or a CPU-time
 * clock: CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID or a
 * clock_getcpuclockid/pthread_getcpuclockid id naming any process or a
 * thread of the caller's. A CPU-time timer's expiry is a reading of its
 * clock; it is also on the measured process's cputimers.timers list and
 * fires from CPU-time accounting (kernel/cputimer.c), within one tick of
 * CPU time. Once the measured process has exited (or the measured thread
 * is gone) the timer never fires again, reads as disarmed, and setting it
 * fails with ESRCH. On expiry a timer sends its signal with a
 * SI_TIMER siginfo to the process or, for SIGEV_THREAD_ID, to one thread;
 * a SIGEV_NONE timer only counts down. While an earlier signal of the
 * timer is still queued, a new expiry raises that signal's overrun count
 * instead of queueing another. Timers are deleted at exit and execve.
 */
#include <asm/signal.h>
#include <asm/siginfo.h>
#include <linux/time.h>

#include "cputimer.h"
#include "err.h"
#include "klib.h"
#include "ktime.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"

/* Most timers one process may hold. */
#define POSIX_TIMERS_MAX 1024
#define OVERRUN_MAX INT32_MAX
#define GUEST_SIGINFO_SIZE 128

struct posix_timer {
	struct list_head link; /* in tgroup.posix_timers, by id */
	struct ktimer timer; /* armed unless SIGEV_NONE or disarmed */
	struct tgroup *group;
	int id;
	int clock;
	int notify; /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
	int signo;
	int tid; /* SIGEV_THREAD_ID target */
	uint64_t sigval;
	bool armed;
	uint64_t expires; /* absolute ns of the next expiry, on the clock */
	uint64_t interval; /* ns; 0 for one-shot */
	int overrun_last; /* overrun of the latest signal sent */
	/* CPU-time clocks only (cpu is set). */
	bool cpu;
	int cpu_which; /* CPUCLOCK_PROF, _VIRT or _SCHED */
	int cpu_tid; /* a thread clock's thread, or 0 for the process */
	struct tgroup *cpu_group; /* process measured; NULL once it exited */
	struct list_head cpu_link; /* in cpu_group's cputimers.timers */
};

/* The guest's siginfo for SI_TIMER (the _timer member of the union). */
struct timer_siginfo {
	int32_t ts_signo;
	int32_t ts_errno;
	int32_t ts_code;
	int32_t ts_pad;
	int32_t ts_timerid;
	int32_t ts_overrun;
	uint64_t ts_value;
	uint8_t rest[GUEST_SIGINFO_SIZE - 32];
};

_Static_assert(sizeof(struct timer_siginfo) == GUEST_SIGINFO_SIZE,
	       "guest siginfo is 128 bytes");

static struct posix_timer *timer_find(struct tgroup *g, int id)
{
	struct posix_timer *pt;

	list_for_each_entry(pt, &g->posix_timers, link)
		if (pt->id == id)
			return pt;
	return NULL;
}

/*
 * The signal of this timer still waiting in queue q, or NULL. Returns a
 * pointer to the raw siginfo bytes (not necessarily aligned).
 */
static uint8_t *queued_info(struct list_head *q, const struct posix_timer *pt)
{
	struct sigqueue *sq;
	struct timer_siginfo info;

	list_for_each_entry(sq, q, link) {
		if (sq->signo != pt->signo)
			continue;
		kmemcpy(&info, sq->info, sizeof(info));
		if (info.ts_code == SI_TIMER && info.ts_timerid == pt->id)
			return sq->info;
	}
	return NULL;
}

static int32_t overrun_clamp(uint64_t n)
{
	return n > OVERRUN_MAX ? OVERRUN_MAX : (int32_t)n;
}

/* Deliver one expiry (plus skipped periods) as the timer's signal. */
static void timer_notify(struct posix_timer *pt, uint64_t skipped)
{
	struct tgroup *g = pt->group;
	struct task *target = g->leader;
	struct list_head *queue = &g->shared_queue;
	struct timer_siginfo info;
	uint8_t *queued;

	if (pt->notify == SIGEV_NONE || g->group_exiting)
		return;
	if (pt->notify == SIGEV_THREAD_ID) {
		target = task_find(pt->tid);
		if (!target || target->group != g)
			return;
		queue = &target->sigqueue;
	}
	if (!target)
		return;
	queued = queued_info(queue, pt);
	if (queued) {
		kmemcpy(&info, queued, sizeof(info));
		info.ts_overrun =
			overrun_clamp((uint64_t)info.ts_overrun + 1 + skipped);
		kmemcpy(queued, &info, sizeof(info));
		pt->overrun_last = info.ts_overrun;
		return;
	}
	kmemset(&info, 0, sizeof(info));
	info.ts_signo = pt->signo;
	info.ts_code = SI_TIMER;
	info.ts_timerid = pt->id;
	info.ts_overrun = overrun_clamp(skipped);
	info.ts_value = pt->sigval;
	pt->overrun_last = info.ts_overrun;
	if (pt->notify == SIGEV_THREAD_ID)
		send_sig_task(target, pt->signo, &info);
	else
		send_sig_proc(target, pt->signo, &info);
}

static void timer_fire(struct ktimer *kt)
{
	struct posix_timer *pt = container_of(kt, struct posix_timer, timer);
	uint64_t skipped = 0;

	if (pt->interval) {
		pt->expires = ktime_forward(pt->expires, pt->interval,
					    time_mono_ns(), KTIME_REARM_MIN_NS,
					    &skipped);
		ktimer_arm(kt, pt->expires);
	} else {
		pt->armed = false;
	}
	timer_notify(pt, skipped);
}

/* Time until the next expiry when pt's clock reads now; 0 if disarmed. */
static uint64_t timer_remaining(const struct posix_timer *pt, uint64_t now)
{
	if (!pt->armed)
		return 0;
	if (now < pt->expires)
		return pt->expires - now;
	if (!pt->interval)
		return 0;
	return pt->interval - (now - pt->expires) % pt->interval;
}

static void timer_disarm(struct posix_timer *pt)
{
	if (pt->timer.armed)
		ktimer_cancel(&pt->timer);
	pt->armed = false;
}

/* The clock a CPU-time timer measures; -ESRCH once its target is gone. */
static int cpu_timer_clock(const struct posix_timer *pt, struct cpuclock *cc)
{
	struct task *t = NULL;

	if (!pt->cpu_group)
		return -ESRCH;
	if (pt->cpu_tid) {
		t = task_find(pt->cpu_tid);
		if (!t || t->group != pt->cpu_group || t->state == TASK_DEAD)
			return -ESRCH;
	}
	cc->which = pt->cpu_which;
	cc->thread = t;
	cc->group = pt->cpu_group;
	return 0;
}

/*
 * Time left on a CPU-time timer, in CPU time: 1 ns when it is due but the
 * accounting has not fired it yet, 0 when disarmed or its target is gone.
 */
static uint64_t cpu_timer_remaining(const struct posix_timer *pt)
{
	struct cpuclock cc;
	uint64_t now;

	if (cpu_timer_clock(pt, &cc))
		return 0;
	now = cpuclock_sample(&cc);
	if (pt->notify == SIGEV_NONE)
		return timer_remaining(pt, now);
	if (!pt->armed)
		return 0;
	return now < pt->expires ? pt->expires - now : 1;
}

/* One expiry of a CPU-time timer whose clock reads now. */
static void cpu_timer_fire(struct posix_timer *pt, uint64_t now)
{
	uint64_t skipped = 0;

	if (pt->interval)
		pt->expires = ktime_forward(pt->expires, pt->interval, now, 0,
					    &skipped);
	else
		pt->armed = false;
	timer_notify(pt, skipped);
}

void posix_cpu_timers_run(struct task *t, struct cpu_deadlines *group_next,
			  struct cpu_deadlines *thread_next)
{
	struct tgroup *g = t->group;
	struct posix_timer *pt;
	struct cpu_deadlines *next;
	struct cpuclock cc;
	uint64_t now;

	list_for_each_entry(pt, &g->cputimers.timers, cpu_link) {
		if (!pt->armed || pt->notify == SIGEV_NONE)
			continue;
		if (pt->cpu_tid && pt->cpu_tid != t->pid)
			continue;
		cc.which = pt->cpu_which;
		cc.thread = pt->cpu_tid ? t : NULL;
		cc.group = g;
		now = cpuclock_sample(&cc);
		next = pt->cpu_tid ? thread_next : group_next;
		if (now >= pt->expires)
			cpu_timer_fire(pt, now);
		if (pt->armed)
			cpu_deadlines_lower(next,
					    cpuclock_on_user(pt->cpu_which),
					    pt->expires);
	}
}

void posix_cpu_timers_detach(struct tgroup *g)
{
	struct posix_timer *pt, *tmp;

	list_for_each_entry_safe(pt, tmp, &g->cputimers.timers, cpu_link) {
		list_del(&pt->cpu_link);
		pt->cpu_group = NULL;
		pt->armed = false;
	}
}

/*
 * Set a CPU-time timer: value ns of its clock from now, or the clock
 * reading value with TIMER_ABSTIME; 0 disarms. The old setting goes to
 * *old_value and *old_interval.
 */
static int cpu_timer_set(struct posix_timer *pt, int flags, uint64_t value,
			 uint64_t interval, uint64_t *old_value,
			 uint64_t *old_interval)
{
	struct cpuclock cc;
	struct cpu_deadlines *next;
	int err = cpu_timer_clock(pt, &cc);

	if (err)
		return err;
	*old_value = cpu_timer_remaining(pt);
	*old_interval = pt->interval;
	pt->armed = false;
	pt->interval = interval;
	pt->overrun_last = 0;
	if (!value)
		return 0;
	if (flags & TIMER_ABSTIME)
		pt->expires = value;
	else
		pt->expires = ktime_add_sat(cpuclock_sample(&cc), value);
	pt->armed = true;
	next = cc.thread ? &cc.thread->cputimer_next :
			   &cc.group->cputimers.next;
	cpu_deadlines_lower(next, cpuclock_on_user(pt->cpu_which), pt->expires);
	return 0;
}

/* Set a timer on a wall clock (see cpu_timer_set for the contract). */
static int wall_timer_set(struct posix_timer *pt, int flags, uint64_t value,
			  uint64_t interval, uint64_t *old_value,
			  uint64_t *old_interval)
{
	uint64_t now_mono, now_clock;

	if (ktime_clock_now(pt->clock, &now_clock))
		return -EINVAL;
	now_mono = time_mono_ns();
	*old_value = timer_remaining(pt, now_mono);
	*old_interval = pt->interval;

	timer_disarm(pt);
	pt->interval = interval;
	pt->overrun_last = 0;
	if (!value)
		return 0;
	if (flags & TIMER_ABSTIME)
		pt->expires =
			ktime_deadline_to_mono(value, now_clock, now_mono);
	else
		pt->expires = ktime_add_sat(now_mono, value);
	pt->armed = true;
	if (pt->notify != SIGEV_NONE)
		ktimer_arm(&pt->timer, pt->expires);
	return 0;
}

/* Validate a guest sigevent and fill the timer's notification from it. */
static int timer_set_event(struct posix_timer *pt, uaddr_t usev)
{
	struct sigevent sev;
	struct task *t;

	if (!usev) {
		pt->notify = SIGEV_SIGNAL;
		pt->signo = SIGALRM;
		pt->sigval = (uint64_t)pt->id;
		return 0;
	}
	if (copy_from_user(&sev, usev, sizeof(sev)))
		return -EFAULT;
	kmemcpy(&pt->sigval, &sev.sigev_value, sizeof(pt->sigval));
	pt->signo = sev.sigev_signo;
	switch (sev.sigev_notify) {
	case SIGEV_NONE:
		pt->notify = SIGEV_NONE;
		return 0;
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		t = task_find(sev.sigev_notify_thread_id);
		if (!t || t->group != current->group)
			return -EINVAL;
		pt->notify = SIGEV_THREAD_ID;
		pt->tid = t->pid;
		break;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		pt->notify = SIGEV_SIGNAL;
		break;
	default:
		return -EINVAL;
	}
	if (pt->signo <= 0 || pt->signo > NSIG_KERN)
		return -EINVAL;
	return 0;
}

/*
 * Give pt the lowest id not in use and insert it in order. -EAGAIN when
 * the process holds POSIX_TIMERS_MAX timers.
 */
static int timer_insert(struct tgroup *g, struct posix_timer *pt)
{
	struct posix_timer *cur;
	int id = 0;

	list_for_each_entry(cur, &g->posix_timers, link) {
		if (cur->id != id)
			break;
		id++;
	}
	if (id >= POSIX_TIMERS_MAX)
		return -EAGAIN;
	pt->id = id;
	list_add_tail(&pt->link, &cur->link);
	return 0;
}

static void timer_free(struct posix_timer *pt)
{
	timer_disarm(pt);
	list_del(&pt->cpu_link);
	list_del(&pt->link);
	kfree(pt);
}

/*
 * Check that timers can run on clock clk; a CPU-time clock is resolved
 * into *cc (cc->group is NULL for a wall clock).
 */
static int timer_clock_check(int clk, struct cpuclock *cc)
{
	uint64_t now;
	int err;

	cc->group = NULL;
	if (cpuclock_is_cpu(clk))
		return cpuclock_resolve(clk, true, cc);
	err = ktime_clock_now(clk, &now);
	if (err)
		return err;
	if (!ktime_clock_can_sleep(clk))
		return -EOPNOTSUPP;
	return 0;
}

SYSCALL3(timer_create, int, clk, uaddr_t, usev, uaddr_t, uid)
{
	struct tgroup *g = current->group;
	struct posix_timer *pt;
	struct cpuclock cc;
	int err = timer_clock_check(clk, &cc);

	if (err)
		return err;
	pt = kzalloc(sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	ktimer_init(&pt->timer, timer_fire);
	list_init(&pt->cpu_link);
	pt->group = g;
	pt->clock = clk;
	err = timer_insert(g, pt);
	if (err)
		goto out_free;
	err = timer_set_event(pt, usev);
	if (err)
		goto out_unlink;
	if (put_user(pt->id, uid)) {
		err = -EFAULT;
		goto out_unlink;
	}
	if (cc.group) {
		pt->cpu = true;
		pt->cpu_which = cc.which;
		pt->cpu_tid = cc.thread ? cc.thread->pid : 0;
		pt->cpu_group = cc.group;
		list_add_tail(&pt->cpu_link, &cc.group->cputimers.timers);
	}
	return 0;

out_unlink:
	list_del(&pt->link);
out_free:
	kfree(pt);
	return err;
}

static int itimerspec_put(uaddr_t u, uint64_t value, uint64_t interval)
{
	struct __kernel_itimerspec its = {
		.it_interval = ktime_ns_to_ts(interval),
		.it_value = ktime_ns_to_ts(value),
	};

	return copy_to_user(u, &its, sizeof(its));
}

SYSCALL4(timer_settime, int, id, int, flags, uaddr_t, unew, uaddr_t, uold)
{
	struct posix_timer *pt = timer_find(current->group, id);
	struct __kernel_itimerspec its;
	uint64_t value, interval, old_value, old_interval;
	int err;

	if (!pt)
		return -EINVAL;
	if (!unew)
		return -EINVAL;
	if (copy_from_user(&its, unew, sizeof(its)))
		return -EFAULT;
	if (ktime_ts_to_ns(&its.it_value, &value) ||
	    ktime_ts_to_ns(&its.it_interval, &interval))
		return -EINVAL;
	if (pt->cpu)
		err = cpu_timer_set(pt, flags, value, interval, &old_value,
				    &old_interval);
	else
		err = wall_timer_set(pt, flags, value, interval, &old_value,
				     &old_interval);
	if (err)
		return err;
	if (uold && itimerspec_put(uold, old_value, old_interval))
		return -EFAULT;
	return 0;
}

SYSCALL2(timer_gettime, int, id, uaddr_t, ucur)
{
	struct posix_timer *pt = timer_find(current->group, id);
	uint64_t value;

	if (!pt)
		return -EINVAL;
	if (pt->cpu)
		value = cpu_timer_remaining(pt);
	else
		value = timer_remaining(pt, time_mono_ns());
	if (itimerspec_put(ucur, value, pt->interval))
		return -EFAULT;
	return 0;
}

SYSCALL1(timer_getoverrun, int, id)
{
	struct posix_timer *pt = timer_find(current->group, id);

	if (!pt)
		return -EINVAL;
	return pt->overrun_last;
}

SYSCALL1(timer_delete, int, id)
{
	struct posix_timer *pt = timer_find(current->group, id);

	if (!pt)
		return -EINVAL;
	timer_free(pt);
	return 0;
}

void posix_timers_exit(struct tgroup *g)
{
	struct posix_timer *pt, *tmp;

	list_for_each_entry_safe(pt, tmp, &g->posix_timers, link)
		timer_free(pt);
}
