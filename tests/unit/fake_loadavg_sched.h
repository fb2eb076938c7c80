/*
 * A fake task list for test_loadavg: the scheduler state loadavg.c walks,
 * filled with tasks in given states (built with kernel flags, so the test
 * itself needs no kernel headers that clash with libc).
 */
#ifndef FAKE_LOADAVG_SCHED_H
#define FAKE_LOADAVG_SCHED_H

/* Replace the task list: running, blocked (D), sleeping and zombie tasks. */
void fake_sched_set_tasks(int running, int blocked, int sleeping, int zombies);

#endif
