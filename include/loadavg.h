/*
 * Load averages: Linux's exponentially decaying 1, 5 and 15 minute
 * averages of the number of runnable plus uninterruptible tasks, in fixed
 * point with LOADAVG_FSHIFT fractional bits, sampled every
 * LOADAVG_FREQ_NS.
 *
 * The kernel has no tick while idle, so sampling is lazy: the trap loop
 * calls loadavg_update() after every stop of a guest (at least once a
 * tick while anything runs), and readers call it before reading. It
 * applies every sample that fell due since its previous call. A sample
 * that fell in a gap with no guest activity (the machine was idle) counts
 * only the uninterruptible tasks; any other counts the runnable ones too.
 * Many samples with one count are applied at once with a fixed-point
 * power, so a long idle period costs no more than a short one.
 */
#ifndef LOADAVG_H
#define LOADAVG_H

#include "compiler.h"
#include "timer.h"

#define LOADAVG_FSHIFT 11
#define LOADAVG_FIXED_1 (1UL << LOADAVG_FSHIFT)
/* Decay per sample: FIXED_1 / exp(5 s / 1, 5 and 15 minutes). */
#define LOADAVG_EXP_1 1884UL
#define LOADAVG_EXP_5 2014UL
#define LOADAVG_EXP_15 2037UL
/* Sampling period: 5 s and one tick, as Linux's 5 * HZ + 1. */
#define LOADAVG_FREQ_NS (5 * NSEC_PER_SEC + 10 * NSEC_PER_MSEC)
/* No guest stop for this long means the machine was idle meanwhile. */
#define LOADAVG_IDLE_GAP_NS (30 * NSEC_PER_MSEC)

/* Whole and hundredths parts of a fixed-point load, for printing. */
#define LOADAVG_INT(x) ((x) >> LOADAVG_FSHIFT)
#define LOADAVG_FRAC(x) LOADAVG_INT(((x) & (LOADAVG_FIXED_1 - 1)) * 100)

struct loadavg_state {
	unsigned long avenrun[3]; /* 1, 5 and 15 minutes, fixed point */
	uint64_t next_sample; /* monotonic ns the next sample is due */
	uint64_t last_update; /* monotonic ns of the previous update */
};

extern struct loadavg_state loadavg;

/* One sample: decay load by exp towards active (both fixed point). */
unsigned long loadavg_calc(unsigned long load, unsigned long exp,
			   unsigned long active);
/* exp (fixed point) to the power n, rounded as Linux's fixed_power_int. */
unsigned long loadavg_exp_pow(unsigned long exp, uint64_t n);
/* Apply n samples that each counted nr tasks. */
void loadavg_apply(struct loadavg_state *la, unsigned long nr, uint64_t n);
/*
 * Apply the samples due at monotonic time now, given the task counts
 * now: busy (runnable + uninterruptible) and idle (uninterruptible).
 */
void loadavg_advance(struct loadavg_state *la, uint64_t now, unsigned long busy,
		     unsigned long idle);
/* The averages plus offset, shifted left by shift (Linux get_avenrun). */
void loadavg_read(unsigned long loads[3], unsigned long offset, int shift);

/* Count the tasks and apply the samples due at now (the slow path). */
void loadavg_catch_up(uint64_t now);

/* Bring the averages up to monotonic time now; cheap unless one is due. */
static inline void loadavg_update(uint64_t now)
{
	if (now >= loadavg.next_sample)
		loadavg_catch_up(now);
	loadavg.last_update = now;
}

#endif
