/*
 * Guest-visible time: clocks, sleeps, interval timers and POSIX timers.
 *
 * The conversions below are pure: they turn the guest's timespec/timeval
 * into nanoseconds and back, reject out-of-range fields with -EINVAL as
 * Linux does, and saturate instead of overflowing, so a guest asking for
 * an absurdly long sleep gets "forever" rather than a wrapped deadline.
 */
#ifndef KTIME_H
#define KTIME_H

#include <linux/errno.h>
#include <linux/time_types.h>

#include "compiler.h"
#include "timer.h"
#include "uaccess.h"

/* The largest time we represent: about 292 years of nanoseconds. */
#define KTIME_MAX ((uint64_t)INT64_MAX)
#define USEC_PER_SEC 1000000ULL
/* clock_t ticks per second as seen by times(2) (USER_HZ). */
#define KTIME_USER_HZ 100ULL
/* A re-armed periodic timer fires no sooner than this after "now". */
#define KTIME_REARM_MIN_NS (10 * NSEC_PER_USEC)

struct tgroup;

static inline uint64_t ktime_add_sat(uint64_t a, uint64_t b)
{
	uint64_t sum;

	if (__builtin_add_overflow(a, b, &sum) || sum > KTIME_MAX)
		return KTIME_MAX;
	return sum;
}

/* A timespec with 0 <= tv_sec and 0 <= tv_nsec < 1e9. */
static inline bool ktime_ts_valid(const struct __kernel_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       (uint64_t)ts->tv_nsec < NSEC_PER_SEC;
}

/* Convert a valid timespec to ns (saturating); -EINVAL if invalid. */
static inline int ktime_ts_to_ns(const struct __kernel_timespec *ts,
				 uint64_t *ns)
{
	uint64_t sec_ns;

	if (!ktime_ts_valid(ts))
		return -EINVAL;
	if (__builtin_mul_overflow((uint64_t)ts->tv_sec, NSEC_PER_SEC,
				   &sec_ns)) {
		*ns = KTIME_MAX;
		return 0;
	}
	*ns = ktime_add_sat(sec_ns, (uint64_t)ts->tv_nsec);
	return 0;
}

static inline struct __kernel_timespec ktime_ns_to_ts(uint64_t ns)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(ns / NSEC_PER_SEC),
		.tv_nsec = (long long)(ns % NSEC_PER_SEC),
	};
	return ts;
}

/* A timeval with 0 <= tv_sec and 0 <= tv_usec < 1e6. */
static inline bool ktime_tv_valid(const struct __kernel_old_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 &&
	       (uint64_t)tv->tv_usec < USEC_PER_SEC;
}

/* Convert a valid timeval to ns (saturating); -EINVAL if invalid. */
static inline int ktime_tv_to_ns(const struct __kernel_old_timeval *tv,
				 uint64_t *ns)
{
	uint64_t sec_ns;

	if (!ktime_tv_valid(tv))
		return -EINVAL;
	if (__builtin_mul_overflow((uint64_t)tv->tv_sec, NSEC_PER_SEC,
				   &sec_ns)) {
		*ns = KTIME_MAX;
		return 0;
	}
	*ns = ktime_add_sat(sec_ns, (uint64_t)tv->tv_usec * NSEC_PER_USEC);
	return 0;
}

/* Truncates to whole microseconds, as Linux does. */
static inline struct __kernel_old_timeval ktime_ns_to_tv(uint64_t ns)
{
	struct __kernel_old_timeval tv = {
		.tv_sec = (long)(ns / NSEC_PER_SEC),
		.tv_usec = (long)((ns % NSEC_PER_SEC) / NSEC_PER_USEC),
	};
	return tv;
}

static inline uint64_t ktime_ns_to_ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / KTIME_USER_HZ);
}

/*
 * The monotonic time at which a clock reading now_clock (taken at
 * monotonic time now_mono) reaches target; now_mono if already past.
 */
static inline uint64_t
ktime_deadline_to_mono(uint64_t target, uint64_t now_clock, uint64_t now_mono)
{
	if (target <= now_clock)
		return now_mono;
	return ktime_add_sat(now_mono, target - now_clock);
}

/*
 * Next expiry of a periodic timer that was due at expires (<= now):
 * the first expires + k * interval after now, but no sooner than
 * now + min_gap. *overrun gets the number of periods skipped besides the
 * one firing now. interval must be non-zero.
 */
static inline uint64_t ktime_forward(uint64_t expires, uint64_t interval,
				     uint64_t now, uint64_t min_gap,
				     uint64_t *overrun)
{
	uint64_t periods = 1, step, next;

	if (now >= expires)
		periods = (now - expires) / interval + 1;
	*overrun = periods - 1;
	if (__builtin_mul_overflow(periods, interval, &step))
		return KTIME_MAX;
	next = ktime_add_sat(expires, step);
	if (next < ktime_add_sat(now, min_gap))
		next = ktime_add_sat(now, min_gap);
	return next;
}

/*
 * alarm(2)'s return value for a timer with rem_ns left: whole seconds,
 * rounded to nearest, but never 0 while the alarm is still pending.
 */
static inline unsigned int ktime_alarm_secs(uint64_t rem_ns)
{
	uint64_t secs = rem_ns / NSEC_PER_SEC;
	uint64_t frac = rem_ns % NSEC_PER_SEC;

	if ((secs == 0 && frac != 0) || frac >= NSEC_PER_SEC / 2)
		secs++;
	return secs > UINT32_MAX ? UINT32_MAX : (unsigned int)secs;
}

/*
 * Read clock clk (a CLOCK_* id or a CPU-time clock id) in ns; -EINVAL if
 * there is no such clock.
 */
int ktime_clock_now(int clk, uint64_t *ns);
/* clk is one clock_nanosleep and timer_create accept. */
bool ktime_clock_can_sleep(int clk);
/* Copy in a guest timespec and convert it: -EFAULT or -EINVAL. */
int ktime_get_timespec(uaddr_t uts, uint64_t *ns);

/*
 * Prepare a new thread group's timer state: no itimer armed, no POSIX
 * timers. Call for every new group (fork, the first process); timers are
 * never inherited across fork.
 */
void ktime_group_init(struct tgroup *g);

/* Cancel the group's interval timers (process exit). */
void itimers_exit(struct tgroup *g);

/* Delete every POSIX timer of the group (process exit and execve). */
void posix_timers_exit(struct tgroup *g);

/*
 * CPU time used by every thread of g, live and exited: the running totals
 * that cputime_account() keeps for the process timers.
 */
void ktime_group_cputime(struct tgroup *g, uint64_t *utime, uint64_t *stime);

#endif
