/*
 * Process and thread exit, zombies, reparenting and wait4/waitid.
 *
 * A thread that exits releases its address space, files and handlers at
 * once. The thread group's leader stays as a zombie (holding the exit
 * status) until the last thread is gone and its parent reaps it; children
 * of an exiting process are handed to init.
 */
#include <asm/signal.h>
#include <asm/siginfo.h>
#include <linux/resource.h>
#include <linux/wait.h>

#include "arch.h"
#include "err.h"
#include "futex.h"
#include "klib.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "task.h"
#include "vfs.h"

#define P_ALL_K 0
#define P_PID_K 1
#define P_PGID_K 2

/* The thread's address space goes: wake whoever waits on that. */
static void exit_mm(struct task *t)
{
	struct mm *mm = t->mm;
	uint32_t zero = 0;

	if (!mm)
		return;
	if (t->robust_list)
		futex_exit_robust(t);
	futex_exit_pi(t);
	if (t->clear_child_tid &&
	    mm_copy_to(mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_mm(mm, t->clear_child_tid, 1);
	if (t->vfork_parent) {
		t->vfork_parent->vfork_done = true;
		wake_up_process(t->vfork_parent);
		t->vfork_parent = NULL;
	}
	if (mm->fpu_owner == t)
		mm->fpu_owner = NULL;
	t->mm = NULL;
	mm_put(mm);
}

static struct task *find_init(void)
{
	return task_find(1);
}

static void reparent_children(struct task *leader)
{
	struct task *init = find_init(), *c, *tmp;

	list_for_each_entry_safe(c, tmp, &leader->children, sibling) {
		list_del(&c->sibling);
		c->parent = init;
		if (init && init != leader) {
			list_add_tail(&c->sibling, &init->children);
			if (c->state == TASK_ZOMBIE)
				wake_up(&init->group->wait_chld);
		}
	}
}

/* The last thread of a group is gone: make the leader a zombie. */
static void exit_group_last(struct task *t, int status)
{
	struct tgroup *g = t->group;
	struct task *leader = g->leader;

	itimers_exit(g);
	posix_timers_exit(g);
	reparent_children(leader);
	leader->exit_code = status;
	if (signal_parent_autoreaps(leader)) {
		if (leader != t) {
			list_del(&leader->sibling);
			task_free(leader);
			tgroup_put(g);
		} else {
			leader->state = TASK_DEAD;
		}
		if (leader->parent)
			wake_up(&leader->parent->group->wait_chld);
		return;
	}
	leader->state = TASK_ZOMBIE;
	signal_notify_exit(leader, status);
}

__noreturn void do_exit(int status)
{
	struct task *t = current;
	struct tgroup *g = t->group;
	struct sigqueue *q, *tmp;

	if (g->group_exiting)
		status = g->group_exit_code;
	if (t->tgid == 1 && g->nr_threads == 1)
		panic("Attempted to kill init! exitcode=%#x", status);
	exit_mm(t);
	if (t->files)
		files_put(t->files);
	if (t->fs)
		fs_context_put(t->fs);
	t->files = NULL;
	t->fs = NULL;
	sighand_put(t->sighand);
	t->sighand = NULL;
	list_for_each_entry_safe(q, tmp, &t->sigqueue, link) {
		list_del(&q->link);
		kfree(q);
	}
	t->pending = 0;
	g->utime_ns += t->utime_ns;
	g->stime_ns += t->stime_ns;
	g->nr_threads--;
	if (t != g->leader) {
		list_del(&t->thread_link);
		t->state = TASK_DEAD;
		tgroup_put(g);
		if (g->nr_threads == 0)
			exit_group_last(t, status);
	} else {
		t->exit_code = status;
		if (g->nr_threads == 0)
			exit_group_last(t, status);
		else
			t->state = TASK_ZOMBIE;
	}
	wake_up(&t->exit_wait);
	schedule();
	panic("a dead task was scheduled");
}

__noreturn void do_group_exit(int status)
{
	struct task *t = current, *leader = task_leader(t), *th;
	struct tgroup *g = t->group;

	if (!g->group_exiting) {
		g->group_exiting = true;
		g->group_exit_code = status;
		if (leader != t && leader->state != TASK_ZOMBIE)
			send_sig_task(leader, SIGKILL, NULL);
		list_for_each_entry(th, &leader->threads, thread_link)
			if (th != t)
				send_sig_task(th, SIGKILL, NULL);
	}
	do_exit(g->group_exit_code);
}

SYSCALL1(exit, int, code)
{
	do_exit((code & 0xff) << 8);
}

SYSCALL1(exit_group, int, code)
{
	do_group_exit((code & 0xff) << 8);
}

/* ---- wait ---- */

struct wait_req {
	int idtype; /* P_ALL_K, P_PID_K or P_PGID_K */
	int id;
	int options;
	/* Results. */
	int pid;
	int status;
	int code; /* CLD_* for waitid */
	uint32_t uid;
	uint64_t utime, stime;
};

static bool eligible(struct task *c, const struct wait_req *w)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	if (w->idtype == P_PID_K && c->tgid != w->id)
		return false;
	if (w->idtype == P_PGID_K && c->group->pgid != w->id)
		return false;
	if (w->options & __WALL)
		return true;
	return clone_child == !!(w->options & __WCLONE);
}

static void reap(struct task *c)
{
	struct tgroup *mine = current->group;
	struct tgroup *g = c->group;

	mine->cutime_ns += g->utime_ns + g->cutime_ns;
	mine->cstime_ns += g->stime_ns + g->cstime_ns;
	list_del(&c->sibling);
	task_free(c);
	tgroup_put(g);
}

static void fill_exit(struct wait_req *w, struct task *c)
{
	int st = c->exit_code;

	w->pid = c->tgid;
	w->status = st;
	w->uid = c->cred.uid;
	w->utime = c->group->utime_ns;
	w->stime = c->group->stime_ns;
	if (st & 0x7f) {
		w->code = (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
		w->status = st;
	} else {
		w->code = CLD_EXITED;
	}
}

/* One pass over the children: 1 found a state change, 0 none, -ECHILD. */
static int wait_scan(struct wait_req *w)
{
	struct task *me = task_leader(current), *c, *tmp;
	bool found = false;

	list_for_each_entry_safe(c, tmp, &me->children, sibling) {
		struct tgroup *g = c->group;

		if (!eligible(c, w))
			continue;
		found = true;
		if (c->state == TASK_ZOMBIE && g->nr_threads == 0 &&
		    (w->options & WEXITED)) {
			fill_exit(w, c);
			if (!(w->options & WNOWAIT))
				reap(c);
			return 1;
		}
		if ((w->options & WSTOPPED) && g->stopped && g->stop_report) {
			w->pid = c->tgid;
			w->status = (g->stop_sig << 8) | 0x7f;
			w->code = CLD_STOPPED;
			w->uid = c->cred.uid;
			if (!(w->options & WNOWAIT))
				g->stop_report = false;
			return 1;
		}
		if ((w->options & WCONTINUED) && g->cont_report) {
			w->pid = c->tgid;
			w->status = 0xffff;
			w->code = CLD_CONTINUED;
			w->uid = c->cred.uid;
			if (!(w->options & WNOWAIT))
				g->cont_report = false;
			return 1;
		}
	}
	return found ? 0 : -ECHILD;
}

static int do_wait(struct wait_req *w)
{
	for (;;) {
		int r = wait_scan(w);

		if (r)
			return r < 0 ? r : w->pid;
		if (w->options & WNOHANG)
			return 0;
		r = wait_sleep(&current->group->wait_chld, true, 0);
		if (r)
			return -ERESTARTSYS;
	}
}

static int put_rusage(uaddr_t uru, const struct wait_req *w)
{
	struct rusage ru;

	if (!uru)
		return 0;
	kmemset(&ru, 0, sizeof(ru));
	ru.ru_utime.tv_sec = (long)(w->utime / 1000000000ULL);
	ru.ru_utime.tv_usec = (long)(w->utime % 1000000000ULL / 1000);
	ru.ru_stime.tv_sec = (long)(w->stime / 1000000000ULL);
	ru.ru_stime.tv_usec = (long)(w->stime % 1000000000ULL / 1000);
	return copy_to_user(uru, &ru, sizeof(ru));
}

SYSCALL4(wait4, int, pid, uaddr_t, ustatus, int, options, uaddr_t, uru)
{
	struct wait_req w = { .options = options | WEXITED };
	long r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (pid == -1) {
		w.idtype = P_ALL_K;
	} else if (pid > 0) {
		w.idtype = P_PID_K;
		w.id = pid;
	} else if (pid == 0) {
		w.idtype = P_PGID_K;
		w.id = current->group->pgid;
	} else {
		w.idtype = P_PGID_K;
		w.id = -pid;
	}
	r = do_wait(&w);
	if (r <= 0)
		return r;
	if (ustatus && copy_to_user(ustatus, &w.status, sizeof(int)))
		return -EFAULT;
	if (put_rusage(uru, &w))
		return -EFAULT;
	return r;
}

SYSCALL5(waitid, int, idtype, int, id, uaddr_t, uinfo, int, options, uaddr_t,
	 uru)
{
	struct wait_req w = { .idtype = idtype, .id = id, .options = options };
	struct ksiginfo si;
	long r;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_ALL_K) {
		w.id = 0;
	} else if (idtype == P_PID_K || idtype == P_PGID_K) {
		if (id < 0)
			return -EINVAL;
		if (idtype == P_PGID_K && id == 0)
			w.id = current->group->pgid;
	} else {
		return -EINVAL;
	}
	r = do_wait(&w);
	if (r < 0)
		return r;
	kmemset(&si, 0, sizeof(si));
	if (r > 0) {
		si.signo = SIGCHLD;
		si.code = w.code;
		si.kill.pid = w.pid;
		si.kill.uid = w.uid;
		if (w.code == CLD_EXITED)
			si.kill.status = (w.status >> 8) & 0xff;
		else if (w.code == CLD_KILLED || w.code == CLD_DUMPED)
			si.kill.status = w.status & 0x7f;
		else if (w.code == CLD_STOPPED)
			si.kill.status = (w.status >> 8) & 0xff;
		else
			si.kill.status = SIGCONT;
	}
	if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	if (put_rusage(uru, &w))
		return -EFAULT;
	return 0;
}
