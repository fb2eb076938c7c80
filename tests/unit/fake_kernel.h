/*
 * Fakes of kernel services shared by unit tests that link real kernel
 * code (tests/unit/fake_kernel.c, compiled with the test itself):
 * printk into a log the test can search, panic that aborts with the
 * message on stderr, a path lookup that finds nothing, a clock stopped
 * at 0 and ktimer_arm recording the last timer armed.
 * A suite links it with `test_NAME_HOST := tests/unit/fake_kernel.c`.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

struct ktimer;

/* Everything printk'd since the last fake_kernel_reset. */
extern char fake_klog[16384];
extern size_t fake_klog_len;
/* The last timer ktimer_arm was called on, or NULL. */
extern struct ktimer *fake_armed_timer;

/* Empty the log and forget the armed timer (call in each setup). */
void fake_kernel_reset(void);
bool fake_klog_has(const char *s);

#endif
