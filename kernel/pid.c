/*
 * Process identity syscalls: pids, process groups, sessions, and the
 * small scheduler queries guests make.
 */
#include <linux/sched.h>

#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"

SYSCALL0(getpid)
{
	return current->tgid;
}

SYSCALL0(gettid)
{
	return current->pid;
}

SYSCALL0(getppid)
{
	struct task *p = task_leader(current)->parent;

	return p ? p->tgid : 0;
}

static struct task *process_of(int pid)
{
	struct task *t;

	if (pid == 0)
		return task_leader(current);
	t = task_find(pid);
	if (!t || t->state == TASK_DEAD)
		return NULL;
	return task_leader(t);
}

SYSCALL1(getpgid, int, pid)
{
	struct task *t = process_of(pid);

	if (pid < 0)
		return -EINVAL;
	return t ? t->group->pgid : -ESRCH;
}

SYSCALL0(getpgrp)
{
	return current->group->pgid;
}

SYSCALL1(getsid, int, pid)
{
	struct task *t = process_of(pid);

	if (pid < 0)
		return -EINVAL;
	return t ? t->group->sid : -ESRCH;
}

static bool pgrp_in_session(int pgid, int sid)
{
	struct task *t;

	for_each_task(t) if (t == task_leader(t) && t->state != TASK_ZOMBIE &&
			     t->group->pgid == pgid &&
			     t->group->sid == sid) return true;
	return false;
}

SYSCALL2(setpgid, int, pid, int, pgid)
{
	struct task *me = task_leader(current), *t;

	if (pgid < 0)
		return -EINVAL;
	t = process_of(pid);
	if (!t)
		return -ESRCH;
	if (t != me && t->parent != me)
		return -ESRCH;
	if (t->group->sid == t->tgid)
		return -EPERM; /* a session leader */
	if (t->group->sid != me->group->sid)
		return -EPERM;
	if (pgid == 0)
		pgid = t->tgid;
	if (pgid != t->tgid && !pgrp_in_session(pgid, me->group->sid))
		return -EPERM;
	t->group->pgid = pgid;
	return 0;
}

SYSCALL0(setsid)
{
	struct task *me = task_leader(current), *t;

	for_each_task(t) if (t->group->pgid == me->tgid &&
			     t->group != me->group) return -EPERM;
	if (me->group->pgid == me->tgid)
		return -EPERM;
	me->group->sid = me->tgid;
	me->group->pgid = me->tgid;
	me->group->tty = NULL;
	return me->tgid;
}

SYSCALL1(set_tid_address, uaddr_t, tidptr)
{
	current->clear_child_tid = tidptr;
	return current->pid;
}

SYSCALL0(sched_yield)
{
	schedule();
	return 0;
}

SYSCALL3(sched_getaffinity, int, pid, size_t, len, uaddr_t, umask)
{
	uint64_t mask = 1;

	if (pid && !task_find(pid))
		return -ESRCH;
	if (len < sizeof(mask) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	if (copy_to_user(umask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL3(sched_setaffinity, int, pid, size_t, len, uaddr_t, umask)
{
	uint64_t mask = 0;

	if (pid && !task_find(pid))
		return -ESRCH;
	if (copy_from_user(&mask, umask, MIN(len, sizeof(mask))))
		return -EFAULT;
	return (mask & 1) ? 0 : -EINVAL;
}

SYSCALL1(sched_getscheduler, int, pid)
{
	if (pid < 0)
		return -EINVAL;
	if (pid && !task_find(pid))
		return -ESRCH;
	return SCHED_NORMAL;
}

SYSCALL2(sched_getparam, int, pid, uaddr_t, uparam)
{
	int prio = 0;

	if (pid < 0)
		return -EINVAL;
	if (pid && !task_find(pid))
		return -ESRCH;
	return copy_to_user(uparam, &prio, sizeof(prio)) ? -EFAULT : 0;
}

SYSCALL3(sched_setscheduler, int, pid, int, policy, uaddr_t, uparam)
{
	if (pid < 0)
		return -EINVAL;
	if (pid && !task_find(pid))
		return -ESRCH;
	return policy == SCHED_NORMAL || policy == SCHED_BATCH ||
			       policy == SCHED_IDLE ?
		       0 :
		       -EPERM;
}

SYSCALL2(sched_setparam, int, pid, uaddr_t, uparam)
{
	if (pid && !task_find(pid))
		return -ESRCH;
	return 0;
}

SYSCALL1(sched_get_priority_max, int, policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

SYSCALL1(sched_get_priority_min, int, policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

SYSCALL2(getpriority, int, which, int, who)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	return 20; /* nice 0, as the raw syscall reports it */
}

SYSCALL3(setpriority, int, which, int, who, int, prio)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	return 0;
}

SYSCALL3(getcpu, uaddr_t, ucpu, uaddr_t, unode, uaddr_t, cache)
{
	unsigned int zero = 0;

	if (ucpu && copy_to_user(ucpu, &zero, sizeof(zero)))
		return -EFAULT;
	if (unode && copy_to_user(unode, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}
