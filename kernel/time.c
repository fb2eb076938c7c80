/*
 * Time syscalls: reading clocks, sleeping, and the refusal to set time.
 *
 * Guests normally read clocks through the vDSO; these handlers are the
 * fallback and must agree with it: CLOCK_REALTIME is the host's real time,
 * CLOCK_MONOTONIC (and its RAW/COARSE variants) the host's monotonic
 * clock, CLOCK_BOOTTIME the time since boot. CPU-time clocks come from the
 * running totals of kernel/cputimer.c. The guest cannot set the
 * clock: that is the host's business.
 *
 * Sleeps are interruptible. A relative sleep cut short by a signal writes
 * the remaining time and returns -ERESTART_RESTARTBLOCK, so it resumes
 * (through restart_syscall) with the original deadline when the signal
 * had no handler, and fails with EINTR when one ran.
 */
#include <linux/time.h>
#include <linux/timex.h>

#include "cputimer.h"
#include "err.h"
#include "klib.h"
#include "ktime.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"
#include "wait.h"

/* Reported resolution of the coarse clocks (one 250 Hz tick). */
#define COARSE_RES_NS (NSEC_PER_SEC / 250)
/* Microseconds per clock tick as adjtimex reports it (USER_HZ). */
#define TIMEX_TICK_USEC (USEC_PER_SEC / KTIME_USER_HZ)

void ktime_group_cputime(struct tgroup *g, uint64_t *utime, uint64_t *stime)
{
	*utime = g->cputimers.user_ns;
	*stime = g->cputimers.prof_ns - g->cputimers.user_ns;
}

/* Read clock clk in ns; -EINVAL for a clock that does not exist. */
int ktime_clock_now(int clk, uint64_t *ns)
{
	struct cpuclock cc;
	int err;

	if (cpuclock_is_cpu(clk)) {
		err = cpuclock_resolve(clk, false, &cc);
		if (!err)
			*ns = cpuclock_sample(&cc);
		return err;
	}
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = time_real_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
		*ns = time_mono_ns();
		return 0;
	case CLOCK_BOOTTIME:
		*ns = time_uptime_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

bool ktime_clock_can_sleep(int clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC ||
	       clk == CLOCK_BOOTTIME || clk == CLOCK_TAI;
}

static int put_timespec(uaddr_t uts, uint64_t ns)
{
	struct __kernel_timespec ts = ktime_ns_to_ts(ns);

	return copy_to_user(uts, &ts, sizeof(ts));
}

int ktime_get_timespec(uaddr_t uts, uint64_t *ns)
{
	struct __kernel_timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	return ktime_ts_to_ns(&ts, ns);
}

SYSCALL2(clock_gettime, int, clk, uaddr_t, tp)
{
	uint64_t ns;
	int err = ktime_clock_now(clk, &ns);

	if (err)
		return err;
	return put_timespec(tp, ns);
}

SYSCALL2(clock_getres, int, clk, uaddr_t, res)
{
	uint64_t ns;
	int err = ktime_clock_now(clk, &ns);

	if (err)
		return err;
	if (!res)
		return 0;
	if (clk == CLOCK_REALTIME_COARSE || clk == CLOCK_MONOTONIC_COARSE)
		return put_timespec(res, COARSE_RES_NS);
	/* As Linux: the user/prof CPU clocks tick; the others are exact. */
	if (clk < 0 && (clk & CPUCLOCK_WHICH_MASK) != CPUCLOCK_SCHED)
		return put_timespec(res, CPUTIMER_TICK_NS);
	return put_timespec(res, 1);
}

SYSCALL2(gettimeofday, uaddr_t, tv, uaddr_t, tz)
{
	if (tv) {
		struct __kernel_old_timeval val;

		val = ktime_ns_to_tv(time_real_ns());
		if (copy_to_user(tv, &val, sizeof(val)))
			return -EFAULT;
	}
	if (tz) {
		struct timezone zone = { 0 };

		if (copy_to_user(tz, &zone, sizeof(zone)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL1(time, uaddr_t, tloc)
{
	long secs = (long)(time_real_ns() / NSEC_PER_SEC);

	if (tloc && put_user(secs, tloc))
		return -EFAULT;
	return secs;
}

/* The clock belongs to the host: only validate, then refuse. */
SYSCALL2(clock_settime, int, clk, uaddr_t, tp)
{
	uint64_t ns;
	int err = ktime_clock_now(clk, &ns);

	if (err)
		return err;
	err = ktime_get_timespec(tp, &ns);
	if (err)
		return err;
	if (clk != CLOCK_REALTIME)
		return -EINVAL;
	return -EPERM;
}

SYSCALL2(settimeofday, uaddr_t, tv, uaddr_t, tz)
{
	struct __kernel_old_timeval val;

	if (tv) {
		if (copy_from_user(&val, tv, sizeof(val)))
			return -EFAULT;
		if (!ktime_tv_valid(&val))
			return -EINVAL;
	}
	if (!tv && !tz)
		return 0;
	return -EPERM;
}

/* Report a synchronized clock; refuse every adjustment. */
static long timex_read(uaddr_t utx)
{
	struct timex tx;
	struct __kernel_old_timeval now;

	if (copy_from_user(&tx, utx, sizeof(tx)))
		return -EFAULT;
	if (tx.modes != 0 && tx.modes != ADJ_OFFSET_SS_READ)
		return -EPERM;
	kmemset(&tx, 0, sizeof(tx));
	now = ktime_ns_to_tv(time_real_ns());
	tx.time.tv_sec = now.tv_sec;
	tx.time.tv_usec = now.tv_usec;
	tx.tick = TIMEX_TICK_USEC;
	tx.precision = 1;
	if (copy_to_user(utx, &tx, sizeof(tx)))
		return -EFAULT;
	return TIME_OK;
}

SYSCALL1(adjtimex, uaddr_t, utx)
{
	return timex_read(utx);
}

SYSCALL2(clock_adjtime, int, clk, uaddr_t, utx)
{
	uint64_t ns;
	int err = ktime_clock_now(clk, &ns);

	if (err)
		return err;
	if (clk != CLOCK_REALTIME)
		return -EOPNOTSUPP;
	return timex_read(utx);
}

/*
 * Sleep until clock clk reads at least target. Returns 0 then, or
 * -ERESTARTSYS when a signal interrupts. The clock is re-read after every
 * wake-up, so a real-time clock step is honoured.
 */
static int sleep_until(int clk, uint64_t target)
{
	struct wait_queue wq;
	uint64_t now;

	wait_queue_init(&wq);
	for (;;) {
		if (ktime_clock_now(clk, &now))
			return -EINVAL;
		if (now >= target)
			return 0;
		uint64_t deadline =
			ktime_deadline_to_mono(target, now, time_mono_ns());
		int err = wait_sleep(&wq, true, deadline);

		if (err == -ERESTARTSYS)
			return err;
	}
}

static long nanosleep_restart(struct task *t);

/*
 * Sleep on clk until target. A relative sleep that a signal interrupts
 * writes the remaining time to rmtp (if set) and arranges a restart with
 * the same deadline; an absolute one just asks to be restarted unless a
 * handler ran.
 */
static long nanosleep_until(int clk, uint64_t target, uaddr_t rmtp,
			    bool relative)
{
	uint64_t now;

	if (!sleep_until(clk, target))
		return 0;
	if (!relative)
		return -ERESTARTNOHAND;
	if (rmtp) {
		if (ktime_clock_now(clk, &now))
			return -EINVAL;
		if (put_timespec(rmtp, target > now ? target - now : 0))
			return -EFAULT;
	}
	current->restart_fn = nanosleep_restart;
	current->restart_data[0] = (uint64_t)clk;
	current->restart_data[1] = target;
	current->restart_data[2] = rmtp;
	return -ERESTART_RESTARTBLOCK;
}

static long nanosleep_restart(struct task *t)
{
	return nanosleep_until((int)t->restart_data[0], t->restart_data[1],
			       t->restart_data[2], true);
}

/*
 * Start a relative sleep of req ns. Relative sleeps on every clock run on
 * CLOCK_MONOTONIC: a step of the real-time clock must not affect them, and
 * this machine never suspends, so boot time advances with it.
 */
static long nanosleep_relative(uint64_t req, uaddr_t rmtp)
{
	uint64_t target = ktime_add_sat(time_mono_ns(), req);

	return nanosleep_until(CLOCK_MONOTONIC, target, rmtp, true);
}

SYSCALL2(nanosleep, uaddr_t, rqtp, uaddr_t, rmtp)
{
	uint64_t req;
	int err = ktime_get_timespec(rqtp, &req);

	if (err)
		return err;
	return nanosleep_relative(req, rmtp);
}

SYSCALL4(clock_nanosleep, int, clk, int, flags, uaddr_t, rqtp, uaddr_t, rmtp)
{
	uint64_t req, now;
	int err = ktime_clock_now(clk, &now);

	if (err)
		return err;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (!ktime_clock_can_sleep(clk))
		return -EOPNOTSUPP;
	err = ktime_get_timespec(rqtp, &req);
	if (err)
		return err;
	if (flags & TIMER_ABSTIME)
		return nanosleep_until(clk, req, 0, false);
	return nanosleep_relative(req, rmtp);
}
