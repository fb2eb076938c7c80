/*
 * Futexes, for the kernel's own use (thread exit, robust lists).
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

#endif
