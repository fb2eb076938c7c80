/*
 * Interrupts: host events delivered to kernel handlers.
 *
 * A host fd (console, disk, socket, mconsole) is registered with a handler.
 * When the fd becomes ready the handler runs from the kernel's interrupt
 * path: in the idle loop, or between guest traps. Handlers must not sleep;
 * they wake wait queues. A handler that cannot drain its fd stays
 * registered and is called again on the next readiness.
 */
#ifndef IRQ_H
#define IRQ_H

#include "compiler.h"

#define IRQ_IN 0x1
#define IRQ_OUT 0x4

struct irq;

/* Returns the registration (for irq_unregister) or an ERR_PTR. */
struct irq *irq_register(int host_fd, unsigned int events,
			 void (*handler)(void *data), void *data);
int irq_set_events(struct irq *irq, unsigned int events);
void irq_unregister(struct irq *irq);

/* Run pending interrupt work: host events, signals and timers. */
void irq_poll(void);

/* Wait for host events up to timeout_ns (-1: forever), then handle them. */
void irq_wait(int64_t timeout_ns);
int irq_init(void);

/* Hooks for asynchronous host signals (SIGWINCH: console resize). */
void irq_set_winch_handler(void (*handler)(void));

#endif
