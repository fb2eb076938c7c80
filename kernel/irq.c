/*
 * Interrupts: host fd readiness, asynchronous host signals and timers,
 * dispatched to kernel handlers from the idle loop and between guest traps.
 */
#include "arch.h"
#include "err.h"
#include "irq.h"
#include "klib.h"
#include "printk.h"
#include "sched.h"
#include "timer.h"
#include "os/os.h"

#define MAX_EVENTS 32

struct irq {
	int fd;
	unsigned int events;
	void (*handler)(void *data);
	void *data;
};

struct irq_state {
	void (*winch)(void);
};

static struct irq_state irqs;

int irq_init(void)
{
	int err = os_events_init();

	if (err)
		return err;
	return os_signals_init();
}

static uint32_t os_events_of(unsigned int events)
{
	return (events & IRQ_IN ? OS_EV_IN : 0) |
	       (events & IRQ_OUT ? OS_EV_OUT : 0);
}

struct irq *irq_register(int host_fd, unsigned int events,
			 void (*handler)(void *data), void *data)
{
	struct irq *irq = kzalloc(sizeof(*irq));
	int err;

	if (!irq)
		return ERR_PTR(-ENOMEM);
	irq->fd = host_fd;
	irq->events = events;
	irq->handler = handler;
	irq->data = data;
	err = os_event_add(host_fd, os_events_of(events),
			   (uint64_t)(uintptr_t)irq);
	if (err) {
		kfree(irq);
		return ERR_PTR(err);
	}
	return irq;
}

int irq_set_events(struct irq *irq, unsigned int events)
{
	irq->events = events;
	return os_event_mod(irq->fd, os_events_of(events),
			    (uint64_t)(uintptr_t)irq);
}

void irq_unregister(struct irq *irq)
{
	if (!irq)
		return;
	os_event_del(irq->fd);
	kfree(irq);
}

void irq_set_winch_handler(void (*handler)(void))
{
	irqs.winch = handler;
}

static void handle_signals(void)
{
	uint32_t sigs = os_signals_take();

	if (sigs & OS_SIG_TICK)
		sched_tick();
	if ((sigs & OS_SIG_WINCH) && irqs.winch)
		irqs.winch();
	if (sigs & OS_SIG_TERM) {
		printk(KERN_NOTICE "Received a termination signal: halting\n");
		machine_halt(0);
	}
}

static void dispatch(int64_t timeout_ns)
{
	struct os_event evs[MAX_EVENTS];
	int n = os_event_wait(evs, MAX_EVENTS, timeout_ns);
	int i;

	for (i = 0; i < n; i++) {
		struct irq *irq = (struct irq *)(uintptr_t)evs[i].token;

		irq->handler(irq->data);
	}
}

void irq_poll(void)
{
	handle_signals();
	dispatch(0);
	ktimer_run_expired();
}

void irq_wait(int64_t timeout_ns)
{
	dispatch(timeout_ns);
	handle_signals();
	ktimer_run_expired();
}
