/*
 * Load averages (see include/loadavg.h): the fixed-point arithmetic,
 * which is Linux's, and the lazy catch-up of missed samples.
 */
#include "loadavg.h"
#include "sched.h"

struct loadavg_state loadavg;

static const unsigned long loadavg_exp[3] = {
	LOADAVG_EXP_1,
	LOADAVG_EXP_5,
	LOADAVG_EXP_15,
};

unsigned long loadavg_calc(unsigned long load, unsigned long exp,
			   unsigned long active)
{
	unsigned long newload = load * exp + active * (LOADAVG_FIXED_1 - exp);

	/* Round up while rising, so a constant load is reached. */
	if (active >= load)
		newload += LOADAVG_FIXED_1 - 1;
	return newload / LOADAVG_FIXED_1;
}

unsigned long loadavg_exp_pow(unsigned long exp, uint64_t n)
{
	const unsigned long half = 1UL << (LOADAVG_FSHIFT - 1);
	unsigned long result = LOADAVG_FIXED_1;

	while (n) {
		if (n & 1) {
			result = (result * exp + half) >> LOADAVG_FSHIFT;
			if (!result)
				break;
		}
		n >>= 1;
		exp = (exp * exp + half) >> LOADAVG_FSHIFT;
	}
	return result;
}

void loadavg_apply(struct loadavg_state *la, unsigned long nr, uint64_t n)
{
	unsigned long active = nr * LOADAVG_FIXED_1;

	if (!n)
		return;
	for (int i = 0; i < 3; i++) {
		unsigned long exp = n == 1 ? loadavg_exp[i] :
					     loadavg_exp_pow(loadavg_exp[i], n);

		la->avenrun[i] = loadavg_calc(la->avenrun[i], exp, active);
	}
}

void loadavg_advance(struct loadavg_state *la, uint64_t now, unsigned long busy,
		     unsigned long idle)
{
	uint64_t n;
	bool was_idle = now - la->last_update > LOADAVG_IDLE_GAP_NS;

	if (now < la->next_sample)
		return;
	n = (now - la->next_sample) / LOADAVG_FREQ_NS + 1;
	la->next_sample += n * LOADAVG_FREQ_NS;
	loadavg_apply(la, was_idle ? idle : busy, n);
}

void loadavg_read(unsigned long loads[3], unsigned long offset, int shift)
{
	for (int i = 0; i < 3; i++)
		loads[i] = (loadavg.avenrun[i] + offset) << shift;
}

void loadavg_catch_up(uint64_t now)
{
	unsigned long running = 0, blocked = 0;
	struct task *t;

	for_each_task(t)
	{
		if (t->state == TASK_RUNNING)
			running++;
		else if (t->state == TASK_UNINTERRUPTIBLE)
			blocked++;
	}
	loadavg_advance(&loadavg, now, running + blocked, blocked);
}
