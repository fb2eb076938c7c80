/*
 * Kernel timers and clocks.
 *
 * Timers fire from the kernel's interrupt path (never inside another
 * handler), in expiry order. Times are absolute CLOCK_MONOTONIC ns.
 */
#ifndef TIMER_H
#define TIMER_H

#include "list.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

struct ktimer {
	struct list_head link;
	uint64_t expires;
	void (*fn)(struct ktimer *timer);
	bool armed;
};

static inline void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *))
{
	list_init(&t->link);
	t->fn = fn;
	t->armed = false;
	t->expires = 0;
}

/* Arm (or re-arm) t to fire at the absolute monotonic time expires. */
void ktimer_arm(struct ktimer *t, uint64_t expires);
void ktimer_cancel(struct ktimer *t);

/* Run expired timers; returns the next expiry or 0 when none is armed. */
uint64_t ktimer_run_expired(void);

void time_init(void);
uint64_t time_mono_ns(void);
uint64_t time_real_ns(void);
/* Nanoseconds since boot. */
uint64_t time_uptime_ns(void);

#endif
