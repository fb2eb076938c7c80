/*
 * Task allocation helpers shared by fork, exit and boot.
 */
#ifndef TASK_H
#define TASK_H

#include "sched.h"

/* A new task with a pid and a kernel stack, not yet runnable. */
struct task *task_alloc(void);
void task_free(struct task *t);
/* Make a new task runnable. */
void task_start(struct task *t);

struct tgroup *tgroup_alloc(struct task *leader);
void tgroup_put(struct tgroup *g);
struct sighand *sighand_alloc(void);
void sighand_put(struct sighand *sh);

/* Create the first process (pid 1), running kfn on its stack first. */
struct task *task_create_init(void (*kfn)(void *arg), void *arg);

/* Release what an exited task held and let waiters reap it. */
void release_task(struct task *t);

#endif
