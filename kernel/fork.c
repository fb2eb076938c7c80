/*
 * Process and thread creation: fork, vfork, clone, clone3, and the first
 * process.
 */
#include <asm/signal.h>
#include <linux/sched.h>

#include "arch.h"
#include "err.h"
#include "klib.h"
#include "ksys.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "task.h"
#include "vfs.h"

#define CLONE_SUPPORTED                                                      \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |       \
	 CLONE_PIDFD | CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT |           \
	 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |            \
	 CLONE_CHILD_SETTID | CLONE_IO)

struct clone_req {
	uint64_t flags;
	int exit_signal;
	uint64_t stack;
	uaddr_t parent_tid;
	uaddr_t child_tid;
	uint64_t tls;
};

static int copy_resources(struct task *t, const struct clone_req *req)
{
	struct task *p = current;

	if (req->flags & CLONE_VM) {
		mm_get(p->mm);
		t->mm = p->mm;
	} else {
		uint64_t hot[MM_FORK_HOT_MAX] = {
			p->regs.rsp & PAGE_MASK,
			(p->regs.rsp & PAGE_MASK) - PAGE_SIZE,
			p->regs.fs_base & PAGE_MASK,
			(p->regs.fs_base & PAGE_MASK) + PAGE_SIZE,
		};

		t->mm = mm_fork(p->mm, hot, MM_FORK_HOT_MAX);
		if (IS_ERR(t->mm)) {
			int err = (int)PTR_ERR(t->mm);

			t->mm = NULL;
			return err;
		}
	}
	if (req->flags & CLONE_FILES) {
		p->files->refs++;
		t->files = p->files;
	} else {
		t->files = files_clone(p->files);
		if (IS_ERR_OR_NULL(t->files)) {
			t->files = NULL;
			return -ENOMEM;
		}
	}
	if (req->flags & CLONE_FS) {
		p->fs->refs++;
		t->fs = p->fs;
	} else {
		t->fs = fs_context_clone(p->fs);
		if (IS_ERR_OR_NULL(t->fs)) {
			t->fs = NULL;
			return -ENOMEM;
		}
	}
	if (req->flags & CLONE_SIGHAND) {
		p->sighand->refs++;
		t->sighand = p->sighand;
	} else {
		t->sighand = sighand_alloc();
		if (!t->sighand)
			return -ENOMEM;
		kmemcpy(t->sighand->action, p->sighand->action,
			sizeof(t->sighand->action));
	}
	return 0;
}

static void undo_resources(struct task *t)
{
	if (t->mm)
		mm_put(t->mm);
	if (t->files)
		files_put(t->files);
	if (t->fs)
		fs_context_put(t->fs);
	sighand_put(t->sighand);
}

static int join_group(struct task *t, const struct clone_req *req)
{
	struct task *p = current;

	if (req->flags & CLONE_THREAD) {
		struct task *leader = task_leader(p);

		t->tgid = p->tgid;
		t->group = p->group;
		t->group->refs++;
		t->group->nr_threads++;
		t->parent = leader->parent;
		t->exit_signal = -1;
		list_add_tail(&t->thread_link, &leader->threads);
		return 0;
	}
	t->group = tgroup_alloc(t);
	if (!t->group)
		return -ENOMEM;
	t->group->pgid = p->group->pgid;
	t->group->sid = p->group->sid;
	t->group->tty = p->group->tty;
	kmemcpy(t->group->rlim, p->group->rlim, sizeof(t->group->rlim));
	t->parent = (req->flags & CLONE_PARENT) ? task_leader(p)->parent :
						  task_leader(p);
	if (!t->parent)
		t->parent = task_leader(p);
	t->exit_signal = req->exit_signal;
	list_add_tail(&t->sibling, &t->parent->children);
	return 0;
}

static long clone_task(const struct clone_req *req)
{
	struct task *p = current, *t;
	uint64_t flags = req->flags;
	int err, pid;

	if (flags & ~CLONE_SUPPORTED)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PARENT) && p->tgid == 1)
		return -EINVAL;
	if (req->exit_signal < 0 || req->exit_signal > NSIG_KERN)
		return -EINVAL;
	t = task_alloc();
	if (IS_ERR(t))
		return PTR_ERR(t);
	err = copy_resources(t, req);
	if (err)
		goto out_undo;
	err = join_group(t, req);
	if (err)
		goto out_undo;
	t->regs = p->regs;
	t->regs.rax = 0;
	if (req->stack)
		t->regs.rsp = req->stack;
	if (flags & CLONE_SETTLS)
		t->regs.fs_base = req->tls;
	arch_fpu_save(p);
	t->fpregs = p->fpregs;
	t->fpregs_valid = true;
	t->fpregs_dirty = true;
	t->cred = p->cred;
	t->blocked = p->blocked;
	t->personality = p->personality;
	t->no_new_privs = p->no_new_privs;
	kmemcpy(t->comm, p->comm, sizeof(t->comm));
	if (p->exe_path)
		t->exe_path = kstrdup(p->exe_path);
	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) {
		t->sas_sp = p->sas_sp;
		t->sas_size = p->sas_size;
		t->sas_flags = p->sas_flags;
	}
	pid = t->pid;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = req->child_tid;
	if ((flags & CLONE_CHILD_SETTID) &&
	    mm_copy_to(t->mm, req->child_tid, &pid, sizeof(pid))) {
		err = -EFAULT;
		goto out_unlink;
	}
	if ((flags & CLONE_PARENT_SETTID) &&
	    copy_to_user(req->parent_tid, &pid, sizeof(pid))) {
		err = -EFAULT;
		goto out_unlink;
	}
	if (flags & CLONE_VFORK) {
		t->vfork_parent = p;
		p->vfork_done = false;
	}
	sched.forks++;
	task_start(t);
	if (flags & CLONE_VFORK) {
		while (!p->vfork_done) {
			p->state = TASK_UNINTERRUPTIBLE;
			schedule();
		}
	}
	return pid;

out_unlink:
	if (flags & CLONE_THREAD) {
		t->group->nr_threads--;
		tgroup_put(t->group);
	} else {
		tgroup_put(t->group);
	}
out_undo:
	undo_resources(t);
	task_free(t);
	return err;
}

SYSCALL0(fork)
{
	struct clone_req req = { .exit_signal = SIGCHLD };

	return clone_task(&req);
}

SYSCALL0(vfork)
{
	struct clone_req req = { .flags = CLONE_VM | CLONE_VFORK,
				 .exit_signal = SIGCHLD };

	return clone_task(&req);
}

SYSCALL5(clone, uint64_t, flags, uint64_t, stack, uaddr_t, parent_tid, uaddr_t,
	 child_tid, uint64_t, tls)
{
	struct clone_req req = {
		.flags = flags & ~(uint64_t)CSIGNAL,
		.exit_signal = (int)(flags & CSIGNAL),
		.stack = stack,
		.parent_tid = parent_tid,
		.child_tid = child_tid,
		.tls = tls,
	};

	if (flags & CLONE_PIDFD)
		return -EINVAL;
	return clone_task(&req);
}

SYSCALL2(clone3, uaddr_t, uargs, size_t, size)
{
	struct clone_args a;
	struct clone_req req;

	if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
		return -EINVAL;
	kmemset(&a, 0, sizeof(a));
	if (copy_from_user(&a, uargs, MIN(size, sizeof(a))))
		return -EFAULT;
	if (a.set_tid || a.set_tid_size || a.cgroup ||
	    (a.flags & CLONE_PIDFD) || a.exit_signal > NSIG_KERN)
		return -EINVAL;
	if ((a.stack == 0) != (a.stack_size == 0))
		return -EINVAL;
	req = (struct clone_req){
		.flags = a.flags,
		.exit_signal = (int)a.exit_signal,
		.stack = a.stack ? a.stack + a.stack_size : 0,
		.parent_tid = a.parent_tid,
		.child_tid = a.child_tid,
		.tls = a.tls,
	};
	if (a.flags & CSIGNAL)
		return -EINVAL;
	return clone_task(&req);
}

struct task *task_create_init(void (*kfn)(void *arg), void *arg)
{
	struct task *t = task_alloc();
	int err = -ENOMEM;

	if (IS_ERR(t))
		return t;
	t->mm = mm_create();
	if (IS_ERR(t->mm)) {
		err = (int)PTR_ERR(t->mm);
		t->mm = NULL;
		goto out_free;
	}
	t->files = files_create();
	t->fs = fs_context_create();
	t->sighand = sighand_alloc();
	t->group = tgroup_alloc(t);
	if (IS_ERR_OR_NULL(t->files) || IS_ERR_OR_NULL(t->fs) || !t->sighand ||
	    !t->group)
		goto out_free;
	rlimits_init_default(t->group->rlim);
	t->group->pgid = t->pid;
	t->group->sid = t->pid;
	t->exit_signal = SIGCHLD;
	kstrlcpy(t->comm, "init", sizeof(t->comm));
	t->kfn = kfn;
	t->kfn_arg = arg;
	task_start(t);
	return t;

out_free:
	panic("cannot create the init process: %d", err);
}
