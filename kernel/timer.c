/*
 * Kernel timers (a sorted list) and the clocks.
 */
#include "printk.h"
#include "timer.h"
#include "os/os.h"

struct timer_state {
	struct list_head armed;
	uint64_t boot_mono;
};

static struct timer_state timers = {
	.armed = LIST_HEAD_INIT(timers.armed),
};

void time_init(void)
{
	timers.boot_mono = os_time_mono_ns();
}

uint64_t time_mono_ns(void)
{
	return os_time_mono_ns();
}

uint64_t time_real_ns(void)
{
	return os_time_real_ns();
}

uint64_t time_uptime_ns(void)
{
	return os_time_mono_ns() - timers.boot_mono;
}

void ktimer_cancel(struct ktimer *t)
{
	if (t->armed) {
		list_del(&t->link);
		t->armed = false;
	}
}

void ktimer_arm(struct ktimer *t, uint64_t expires)
{
	struct ktimer *pos;

	ktimer_cancel(t);
	t->expires = expires;
	t->armed = true;
	list_for_each_entry(pos, &timers.armed, link) {
		if (pos->expires > expires) {
			list_add_tail(&t->link, &pos->link);
			return;
		}
	}
	list_add_tail(&t->link, &timers.armed);
}

uint64_t ktimer_run_expired(void)
{
	uint64_t now = time_mono_ns();

	while (!list_empty(&timers.armed)) {
		struct ktimer *t =
			list_first_entry(&timers.armed, struct ktimer, link);

		if (t->expires > now) {
			return t->expires;
		}
		ktimer_cancel(t);
		t->fn(t);
	}
	return 0;
}
