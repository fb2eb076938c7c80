/*
 * Interval timers: setitimer/getitimer and alarm.
 *
 * ITIMER_REAL is a kernel timer in the thread group that sends SIGALRM to
 * the process when it expires and re-arms itself when it has an interval.
 * ITIMER_VIRTUAL (SIGVTALRM) counts down the user time of all the
 * process's threads and ITIMER_PROF (SIGPROF) their user + system time;
 * both are checked where CPU time is charged (kernel/cputimer.c), so they
 * fire within one scheduler tick of CPU time, even in a guest that never
 * makes a syscall. As in Linux, a CPU-time timer is armed one tick later
 * than asked (the tick in progress does not count), reloads from its
 * interval once per expiry, and reads back as at least one tick while it
 * is due but has not fired yet; an armed timer never reads back as 0.
 * Timers belong to the process: they survive execve, are not inherited
 * across fork and are cancelled when the process exits.
 */
#include <asm/signal.h>
#include <linux/time.h>

#include "cputimer.h"
#include "err.h"
#include "klib.h"
#include "ktime.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"

static void itimer_real_fire(struct ktimer *t)
{
	struct tgroup *g = container_of(t, struct tgroup, itimer_real);
	uint64_t overrun;

	if (g->itimer_real_interval)
		ktimer_arm(t, ktime_forward(t->expires, g->itimer_real_interval,
					    time_mono_ns(), KTIME_REARM_MIN_NS,
					    &overrun));
	if (g->leader && !g->group_exiting)
		send_sig_proc(g->leader, SIGALRM, NULL);
}

void ktime_group_init(struct tgroup *g)
{
	ktimer_init(&g->itimer_real, itimer_real_fire);
	g->itimer_real_interval = 0;
	list_init(&g->posix_timers);
	cputimer_group_init(&g->cputimers);
}

void itimers_exit(struct tgroup *g)
{
	if (g->itimer_real.armed)
		ktimer_cancel(&g->itimer_real);
	g->itimer_real_interval = 0;
	g->cputimers.virt.expires = 0;
	g->cputimers.prof.expires = 0;
	posix_cpu_timers_detach(g);
}

/* Time left on ITIMER_REAL, never 0 while it is armed. */
static uint64_t itimer_real_remaining(struct tgroup *g)
{
	uint64_t now = time_mono_ns();

	if (!g->itimer_real.armed)
		return 0;
	if (g->itimer_real.expires <= now)
		return NSEC_PER_USEC;
	return g->itimer_real.expires - now;
}

static void itimer_real_get(struct tgroup *g, uint64_t *value,
			    uint64_t *interval)
{
	*value = itimer_real_remaining(g);
	*interval = g->itimer_real_interval;
}

/* Arm ITIMER_REAL value ns from now (0 disarms) with the given interval. */
static void itimer_real_set(struct tgroup *g, uint64_t value, uint64_t interval)
{
	struct ktimer *t = &g->itimer_real;

	if (t->armed)
		ktimer_cancel(t);
	/* A group nobody prepared is zero-filled: give the timer its fn. */
	ktimer_init(t, itimer_real_fire);
	g->itimer_real_interval = value ? interval : 0;
	if (value)
		ktimer_arm(t, ktime_add_sat(time_mono_ns(), value));
}

/* ITIMER_VIRTUAL or ITIMER_PROF of g, and the CPU time it counts. */
static struct cpu_itimer *cpu_itimer(struct tgroup *g, int which, uint64_t *now)
{
	struct cputimer_group *c = &g->cputimers;

	if (which == ITIMER_VIRTUAL) {
		*now = c->user_ns;
		return &c->virt;
	}
	*now = c->prof_ns;
	return &c->prof;
}

/* Time left on a CPU-time itimer: a tick when due but not yet fired. */
static uint64_t cpu_itimer_remaining(const struct cpu_itimer *it, uint64_t now)
{
	if (!it->expires)
		return 0;
	if (it->expires <= now)
		return CPUTIMER_TICK_NS;
	return it->expires - now;
}

static void cpu_itimer_get(struct tgroup *g, int which, uint64_t *value,
			   uint64_t *interval)
{
	uint64_t now;
	struct cpu_itimer *it = cpu_itimer(g, which, &now);

	*value = cpu_itimer_remaining(it, now);
	*interval = it->interval;
}

/*
 * Arm a CPU-time itimer value ns of process CPU time from now, plus the
 * tick in progress (0 disarms). The interval is kept even when disarming,
 * as Linux does.
 */
static void cpu_itimer_set(struct tgroup *g, int which, uint64_t value,
			   uint64_t interval)
{
	uint64_t now;
	struct cpu_itimer *it = cpu_itimer(g, which, &now);

	it->interval = interval;
	it->expires = 0;
	if (!value)
		return;
	it->expires =
		ktime_add_sat(now, ktime_add_sat(value, CPUTIMER_TICK_NS));
	cpu_deadlines_lower(&g->cputimers.next, which == ITIMER_VIRTUAL,
			    it->expires);
}

/* Fire one CPU-time itimer if the process's CPU time now reached it. */
static void cpu_itimer_run(struct task *t, struct cpu_itimer *it, uint64_t now,
			   int sig, bool on_user, struct cpu_deadlines *next)
{
	if (!it->expires)
		return;
	if (now >= it->expires) {
		it->expires = it->interval ?
				      ktime_add_sat(it->expires, it->interval) :
				      0;
		if (!t->group->group_exiting)
			send_sig_proc(t, sig, NULL);
	}
	if (it->expires)
		cpu_deadlines_lower(next, on_user, it->expires);
}

void itimers_cpu_run(struct task *t, struct cpu_deadlines *next)
{
	struct cputimer_group *c = &t->group->cputimers;

	cpu_itimer_run(t, &c->virt, c->user_ns, SIGVTALRM, true, next);
	cpu_itimer_run(t, &c->prof, c->prof_ns, SIGPROF, false, next);
}

/*
 * An itimerval for the guest. Times truncate to microseconds, but an
 * armed timer (value > 0) never reads as 0.
 */
static struct __kernel_old_itimerval itimerval_make(uint64_t value,
						    uint64_t interval)
{
	struct __kernel_old_itimerval v = {
		.it_interval = ktime_ns_to_tv(interval),
		.it_value = ktime_ns_to_tv(value),
	};

	if (value && value < NSEC_PER_USEC)
		v.it_value.tv_usec = 1;
	return v;
}

static bool itimer_which_valid(int which)
{
	return which == ITIMER_REAL || which == ITIMER_VIRTUAL ||
	       which == ITIMER_PROF;
}

SYSCALL2(getitimer, int, which, uaddr_t, uvalue)
{
	uint64_t value = 0, interval = 0;
	struct __kernel_old_itimerval v;

	if (!itimer_which_valid(which))
		return -EINVAL;
	if (which == ITIMER_REAL)
		itimer_real_get(current->group, &value, &interval);
	else
		cpu_itimer_get(current->group, which, &value, &interval);
	v = itimerval_make(value, interval);
	if (copy_to_user(uvalue, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

SYSCALL3(setitimer, int, which, uaddr_t, unew, uaddr_t, uold)
{
	struct __kernel_old_itimerval nv = { 0 }, ov;
	uint64_t value, interval, old_value = 0, old_interval = 0;

	if (!itimer_which_valid(which))
		return -EINVAL;
	/* A NULL new value disarms, as Linux still allows. */
	if (unew && copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if (ktime_tv_to_ns(&nv.it_value, &value) ||
	    ktime_tv_to_ns(&nv.it_interval, &interval))
		return -EINVAL;
	if (which == ITIMER_REAL) {
		itimer_real_get(current->group, &old_value, &old_interval);
		itimer_real_set(current->group, value, interval);
	} else {
		cpu_itimer_get(current->group, which, &old_value,
			       &old_interval);
		cpu_itimer_set(current->group, which, value, interval);
	}
	if (uold) {
		ov = itimerval_make(old_value, old_interval);
		if (copy_to_user(uold, &ov, sizeof(ov)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL1(alarm, unsigned int, seconds)
{
	struct tgroup *g = current->group;
	uint64_t old = itimer_real_remaining(g);

	itimer_real_set(g, (uint64_t)seconds * NSEC_PER_SEC, 0);
	return old ? ktime_alarm_secs(old) : 0;
}
