/*
 * Futexes, for the kernel's own use (thread exit, robust lists, PI locks).
 */
#ifndef FUTEX_H
#define FUTEX_H

#include "uaccess.h"

struct mm;
struct task;

/* Wake up to n waiters of the private futex at addr in mm. */
int futex_wake_mm(struct mm *mm, uaddr_t addr, int n);
/* Process the robust futex list of an exiting task. */
void futex_exit_robust(struct task *t);
/*
 * An exiting task gives up the PI futexes it owns that have waiters: each
 * goes to its first waiter with FUTEX_OWNER_DIED set. Call after
 * futex_exit_robust(), while t->mm is still set.
 */
void futex_exit_pi(struct task *t);

#endif
