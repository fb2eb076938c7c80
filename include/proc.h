/*
 * Process life cycle: creation, exec, exit and the kernel's entry points
 * for them.
 */
#ifndef PROC_H
#define PROC_H

#include "sched.h"

/* End the calling thread / the whole thread group; never return. */
__noreturn void do_exit(int status);
__noreturn void do_group_exit(int status);

/* Job control: stop or continue every thread of current's group. */
void group_stop(int sig);
void group_continue(struct task *t);

/* Load a program into current's address space (see execve(2)). */
int do_execve(const char *path, char *const argv[], char *const envp[]);

#endif
