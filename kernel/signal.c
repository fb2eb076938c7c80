/*
 * Guest signals: generation, pending sets, delivery with x86_64 signal
 * frames, default actions, and the signal syscalls.
 *
 * Each task has a pending set and a queue of siginfo records; a standard
 * signal is queued once, real-time signals queue every instance.
 * Delivery happens on the way back to the guest (signal_deliver): it
 * decides default actions, builds the rt_sigframe on the guest stack and
 * turns -ERESTART* syscall results into a restart or -EINTR.
 */
#include <asm/signal.h>
#include <asm/unistd.h>
#include <asm/siginfo.h>

#include "arch.h"
#include "err.h"
#include "klib.h"
#include "printk.h"
#include "proc.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"

#define SIG_DFL_K 0
#define SIG_IGN_K 1
#define KILL_STOP_MASK (sigbit(SIGKILL) | sigbit(SIGSTOP))
#define SYSCALL_INSN_LEN 2
#define REDZONE 128
#define FPSTATE_SIZE 512
#define UC_SIGCONTEXT_SS_K 0x2
#define UC_STRICT_RESTORE_SS_K 0x4
/* EFLAGS bits a signal frame may change: the arithmetic flags, DF, TF... */
#define FLAGS_USER_MASK 0x254dd5ULL
#define SS_ONSTACK_K 1
#define SS_DISABLE_K 2
#define SS_AUTODISARM_K (1U << 31)
#define MINSIGSTKSZ_K 2048

struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};

struct stack_k {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct ucontext_k {
	uint64_t flags;
	uint64_t link;
	struct stack_k stack;
	struct sigcontext_k mc;
	uint64_t sigmask;
};

struct rt_sigframe_k {
	uint64_t pretcode;
	struct ucontext_k uc;
	struct ksiginfo info;
};

_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext layout");

struct sigaction_k {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

enum sig_default {
	DEF_TERM,
	DEF_CORE,
	DEF_IGN,
	DEF_STOP,
	DEF_CONT
};

static enum sig_default sig_default_action(int sig)
{
	switch (sig) {
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return DEF_CORE;
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
		return DEF_IGN;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return DEF_STOP;
	case SIGCONT:
		return DEF_CONT;
	default:
		return DEF_TERM;
	}
}

static bool sig_valid(int sig)
{
	return sig >= 1 && sig <= NSIG_KERN;
}

static bool is_stop_signal(int sig)
{
	return sig_default_action(sig) == DEF_STOP;
}

bool signal_is_ignored(struct task *t, int sig)
{
	uint64_t h = t->sighand->action[sig - 1].handler;

	return h == SIG_IGN_K ||
	       (h == SIG_DFL_K && sig_default_action(sig) == DEF_IGN);
}

bool signal_is_blocked(struct task *t, int sig)
{
	return t->blocked & sigbit(sig);
}

bool signal_pending(struct task *t)
{
	return (t->pending & ~t->blocked) || (t->pending & sigbit(SIGKILL)) ||
	       t->group->group_exiting;
}

/* Wake t if it sleeps interruptibly (or at all, for fatal signals). */
static void signal_wake(struct task *t, bool fatal)
{
	if (t->state == TASK_INTERRUPTIBLE)
		wake_up_process(t);
	else if (fatal && t->state == TASK_STOPPED)
		sched_continue(t);
}

static void dequeue_all(struct task *t, int sig)
{
	struct sigqueue *q, *tmp;

	t->pending &= ~sigbit(sig);
	list_for_each_entry_safe(q, tmp, &t->sigqueue, link) {
		if (q->signo == sig) {
			list_del(&q->link);
			kfree(q);
		}
	}
}

static void for_each_thread(struct task *t, void (*fn)(struct task *, int),
			    int arg)
{
	struct task *leader = task_leader(t), *th;

	fn(leader, arg);
	list_for_each_entry(th, &leader->threads, thread_link)
		fn(th, arg);
}

static void drop_stop_signals(struct task *t, int unused)
{
	dequeue_all(t, SIGSTOP);
	dequeue_all(t, SIGTSTP);
	dequeue_all(t, SIGTTIN);
	dequeue_all(t, SIGTTOU);
}

static void drop_cont(struct task *t, int unused)
{
	dequeue_all(t, SIGCONT);
}

static void continue_thread(struct task *t, int unused)
{
	sched_continue(t);
}

static void notify_parent_cld(struct task *leader, int code, int status);

void group_continue(struct task *t)
{
	struct tgroup *g = t->group;

	for_each_thread(t, drop_stop_signals, 0);
	if (!g->stopped)
		return;
	g->stopped = false;
	g->cont_report = true;
	g->stop_report = false;
	for_each_thread(t, continue_thread, 0);
	notify_parent_cld(g->leader, CLD_CONTINUED, SIGCONT);
}

int send_sig_task(struct task *t, int sig, const void *info)
{
	struct sigqueue *q;
	bool fatal = sig == SIGKILL;

	if (sig == 0)
		return 0;
	if (!sig_valid(sig))
		return -EINVAL;
	if (t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return 0;
	if (sig == SIGCONT)
		group_continue(t);
	else if (is_stop_signal(sig))
		for_each_thread(t, drop_cont, 0);
	if (fatal)
		sched_continue(t);
	/* Ignored signals are discarded at once unless blocked. */
	if (!fatal && signal_is_ignored(t, sig) && !signal_is_blocked(t, sig))
		return 0;
	if (sig < SIGRTMIN && (t->pending & sigbit(sig)))
		return 0;
	q = kzalloc(sizeof(*q));
	if (q) {
		q->signo = sig;
		if (info) {
			kmemcpy(q->info, info, sizeof(q->info));
		} else {
			struct ksiginfo *si = (struct ksiginfo *)q->info;

			si->signo = sig;
			si->code = SI_KERNEL_K;
		}
		list_add_tail(&q->link, &t->sigqueue);
	}
	t->pending |= sigbit(sig);
	if (!signal_is_blocked(t, sig) || fatal)
		signal_wake(t, fatal);
	return 0;
}

int send_sig_proc(struct task *t, int sig, const void *info)
{
	struct task *leader = task_leader(t), *th;

	if (sig && sig_valid(sig) && signal_is_blocked(leader, sig)) {
		list_for_each_entry(th, &leader->threads, thread_link)
			if (!signal_is_blocked(th, sig))
				return send_sig_task(th, sig, info);
	}
	if (leader->state == TASK_ZOMBIE || leader->state == TASK_DEAD) {
		list_for_each_entry(th, &leader->threads, thread_link)
			return send_sig_task(th, sig, info);
	}
	return send_sig_task(leader, sig, info);
}

int send_sig_pgrp(int pgid, int sig, const void *info)
{
	struct task *t;
	int found = 0;

	for_each_task(t)
	{
		if (t == task_leader(t) && t->group->pgid == pgid &&
		    t->state != TASK_ZOMBIE && t->state != TASK_DEAD) {
			send_sig_proc(t, sig, info);
			found++;
		}
	}
	return found ? 0 : -ESRCH;
}

bool pgrp_is_orphaned(int pgid)
{
	struct task *t;

	for_each_task(t)
	{
		struct task *p;

		if (t != task_leader(t) || t->group->pgid != pgid ||
		    t->state == TASK_ZOMBIE)
			continue;
		p = t->parent;
		if (p && p->group->pgid != pgid &&
		    p->group->sid == t->group->sid)
			return false;
	}
	return true;
}

void force_sig_fault(int sig, int code, uaddr_t addr)
{
	struct task *t = current;
	struct ksiginfo si = { .signo = sig, .code = code };
	struct ksigaction *ka = &t->sighand->action[sig - 1];

	si.fault.addr = addr;
	/* A fault the guest blocks or ignores cannot be survived. */
	if (signal_is_blocked(t, sig) || ka->handler == SIG_IGN_K) {
		t->blocked &= ~sigbit(sig);
		ka->handler = SIG_DFL_K;
	}
	send_sig_task(t, sig, &si);
}

/* Take the next deliverable signal and its info; 0 if none. */
static int dequeue_signal(struct task *t, struct ksiginfo *info)
{
	ksigset_t ready = t->pending & ~t->blocked;
	struct sigqueue *q;
	int sig;

	if (t->pending & sigbit(SIGKILL))
		sig = SIGKILL;
	else if (ready & (sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) |
			  sigbit(SIGFPE) | sigbit(SIGTRAP)))
		sig = __builtin_ctzll(ready &
				      (sigbit(SIGSEGV) | sigbit(SIGBUS) |
				       sigbit(SIGILL) | sigbit(SIGFPE) |
				       sigbit(SIGTRAP))) +
		      1;
	else if (ready)
		sig = __builtin_ctzll(ready) + 1;
	else
		return 0;
	kmemset(info, 0, sizeof(*info));
	info->signo = sig;
	info->code = SI_KERNEL_K;
	list_for_each_entry(q, &t->sigqueue, link) {
		if (q->signo == sig) {
			kmemcpy(info, q->info, sizeof(*info));
			list_del(&q->link);
			kfree(q);
			break;
		}
	}
	/* Keep the bit while more instances of an rt signal are queued. */
	t->pending &= ~sigbit(sig);
	list_for_each_entry(q, &t->sigqueue, link)
		if (q->signo == sig)
			t->pending |= sigbit(sig);
	return sig;
}

static bool on_altstack(struct task *t, uint64_t sp)
{
	return t->sas_size && sp > t->sas_sp && sp - t->sas_sp <= t->sas_size;
}

static void regs_to_sigcontext(const struct os_regs *r, struct sigcontext_k *mc)
{
	mc->r8 = r->r8;
	mc->r9 = r->r9;
	mc->r10 = r->r10;
	mc->r11 = r->r11;
	mc->r12 = r->r12;
	mc->r13 = r->r13;
	mc->r14 = r->r14;
	mc->r15 = r->r15;
	mc->rdi = r->rdi;
	mc->rsi = r->rsi;
	mc->rbp = r->rbp;
	mc->rbx = r->rbx;
	mc->rdx = r->rdx;
	mc->rax = r->rax;
	mc->rcx = r->rcx;
	mc->rsp = r->rsp;
	mc->rip = r->rip;
	mc->eflags = r->eflags;
	mc->cs = (uint16_t)r->cs;
	mc->ss = (uint16_t)r->ss;
}

static void sigcontext_to_regs(const struct sigcontext_k *mc, struct os_regs *r)
{
	r->r8 = mc->r8;
	r->r9 = mc->r9;
	r->r10 = mc->r10;
	r->r11 = mc->r11;
	r->r12 = mc->r12;
	r->r13 = mc->r13;
	r->r14 = mc->r14;
	r->r15 = mc->r15;
	r->rdi = mc->rdi;
	r->rsi = mc->rsi;
	r->rbp = mc->rbp;
	r->rbx = mc->rbx;
	r->rdx = mc->rdx;
	r->rax = mc->rax;
	r->rcx = mc->rcx;
	r->rsp = mc->rsp;
	r->rip = mc->rip;
	r->eflags = (r->eflags & ~FLAGS_USER_MASK) |
		    (mc->eflags & FLAGS_USER_MASK);
	r->orig_rax = (uint64_t)-1;
}

/* Build the rt_sigframe and point the registers at the handler. */
static int setup_frame(struct task *t, int sig, struct ksigaction *ka,
		       const struct ksiginfo *info, ksigset_t oldmask)
{
	struct rt_sigframe_k frame;
	uint64_t sp = t->regs.rsp - REDZONE, fpaddr, faddr;

	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;
	if ((ka->flags & SA_ONSTACK) && t->sas_size &&
	    !on_altstack(t, t->regs.rsp)) {
		sp = t->sas_sp + t->sas_size;
		if (t->sas_flags & SS_AUTODISARM_K) {
			t->sas_sp = 0;
			t->sas_size = 0;
		}
	}
	fpaddr = ALIGN_DOWN(sp - FPSTATE_SIZE, 64);
	faddr = ALIGN_DOWN(fpaddr - sizeof(frame), 16) - 8;
	kmemset(&frame, 0, sizeof(frame));
	frame.pretcode = ka->restorer;
	frame.uc.flags = UC_SIGCONTEXT_SS_K | UC_STRICT_RESTORE_SS_K;
	frame.uc.stack.sp = t->sas_sp;
	frame.uc.stack.size = t->sas_size;
	frame.uc.stack.flags =
		t->sas_size ? (on_altstack(t, t->regs.rsp) ? SS_ONSTACK_K : 0) :
			      SS_DISABLE_K;
	regs_to_sigcontext(&t->regs, &frame.uc.mc);
	frame.uc.mc.fpstate = fpaddr;
	frame.uc.mc.oldmask = oldmask;
	if (info->signo == SIGSEGV || info->signo == SIGBUS)
		frame.uc.mc.cr2 = info->fault.addr;
	frame.uc.sigmask = oldmask;
	frame.info = *info;
	arch_fpu_save(t);
	if (copy_to_user(fpaddr, &t->fpregs, FPSTATE_SIZE) ||
	    copy_to_user(faddr, &frame, sizeof(frame)))
		return -EFAULT;
	t->regs.rdi = (uint64_t)sig;
	t->regs.rsi = faddr + offsetof(struct rt_sigframe_k, info);
	t->regs.rdx = faddr + offsetof(struct rt_sigframe_k, uc);
	t->regs.rax = 0;
	t->regs.rip = ka->handler;
	t->regs.rsp = faddr;
	t->regs.eflags &= ~(0x100ULL | 0x400ULL); /* TF, DF */
	return 0;
}

static int core_flag(int sig)
{
	return sig_default_action(sig) == DEF_CORE ? 0x80 : 0;
}

/* The default action of a stop signal: stop the whole group. */
static void do_group_stop(struct task *t, int sig)
{
	struct tgroup *g = t->group;
	struct task *leader = task_leader(t), *th;

	if (!g->stopped) {
		g->stopped = true;
		g->stop_sig = sig;
		g->stop_report = true;
		g->cont_report = false;
		notify_parent_cld(leader, CLD_STOPPED, sig);
		list_for_each_entry(th, &leader->threads, thread_link)
			if (th != t)
				signal_wake(th, false);
		if (leader != t)
			signal_wake(leader, false);
	}
}

void group_stop(int sig)
{
	do_group_stop(current, sig);
}

/* Returns true when a handler frame was set up. */
static bool deliver_one(struct task *t, bool *stop)
{
	struct ksiginfo info;
	struct ksigaction *ka;
	ksigset_t oldmask;
	int sig = dequeue_signal(t, &info);

	if (!sig)
		return false;
	ka = &t->sighand->action[sig - 1];
	if (sig == SIGKILL && t->group->exec_task && t->group->exec_task != t)
		do_exit(0);
	if (sig == SIGKILL)
		do_group_exit(SIGKILL);
	if (ka->handler == SIG_IGN_K)
		return false;
	if (ka->handler == SIG_DFL_K) {
		enum sig_default d = sig_default_action(sig);

		/* init only gets the signals it asked for. */
		if (t->tgid == 1 && d != DEF_CORE)
			return false;
		if (t->tgid == 1)
			panic("Attempted to kill init! exitcode=%#x",
			      sig | core_flag(sig));
		switch (d) {
		case DEF_IGN:
		case DEF_CONT:
			return false;
		case DEF_STOP:
			if (sig != SIGSTOP && pgrp_is_orphaned(t->group->pgid))
				return false;
			do_group_stop(t, sig);
			*stop = true;
			return false;
		default:
			do_group_exit(sig | core_flag(sig));
		}
	}
	oldmask = t->restore_mask ? t->saved_mask : t->blocked;
	t->restore_mask = false;
	if (t->in_syscall) {
		long ret = (long)t->regs.rax;

		t->in_syscall = false;
		if (ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK ||
		    (ret == -ERESTARTSYS && !(ka->flags & SA_RESTART))) {
			t->regs.rax = (uint64_t)-EINTR;
		} else if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR) {
			t->regs.rax = t->regs.orig_rax;
			t->regs.rip -= SYSCALL_INSN_LEN;
		}
	}
	if (setup_frame(t, sig, ka, &info, oldmask)) {
		force_sig_fault(SIGSEGV, SI_KERNEL_K, 0);
		return false;
	}
	t->blocked |= ka->mask;
	if (!(ka->flags & SA_NODEFER))
		t->blocked |= sigbit(sig);
	t->blocked &= ~KILL_STOP_MASK;
	if (ka->flags & SA_RESETHAND)
		ka->handler = SIG_DFL_K;
	return true;
}

/* No handler ran: restart an interrupted syscall as Linux does. */
static void restart_without_handler(struct task *t)
{
	long ret = (long)t->regs.rax;

	t->in_syscall = false;
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		t->regs.rax = t->regs.orig_rax;
		t->regs.rip -= SYSCALL_INSN_LEN;
		break;
	case -ERESTART_RESTARTBLOCK:
		t->regs.rax = __NR_restart_syscall;
		t->regs.rip -= SYSCALL_INSN_LEN;
		break;
	default:
		break;
	}
}

void signal_deliver(struct task *t)
{
	bool handled = false;

	for (;;) {
		bool stop = false;

		if (t->group->group_exiting)
			do_exit(t->group->group_exit_code);
		if (t->group->stopped) {
			t->state = TASK_STOPPED;
			schedule();
			continue;
		}
		if (!(t->pending & (~t->blocked | sigbit(SIGKILL))))
			break;
		if (deliver_one(t, &stop)) {
			handled = true;
			break;
		}
	}
	if (!handled && t->in_syscall)
		restart_without_handler(t);
	t->in_syscall = false;
	if (!handled && t->restore_mask) {
		t->blocked = t->saved_mask;
		t->restore_mask = false;
	}
}

/* ---- SIGCHLD to the parent ---- */

static void notify_parent_cld(struct task *leader, int code, int status)
{
	struct task *parent = leader->parent;
	struct ksiginfo si = { .signo = SIGCHLD, .code = code };
	struct ksigaction *ka;

	if (!parent)
		return;
	si.kill.pid = leader->tgid;
	si.kill.uid = leader->cred.uid;
	si.kill.status = status;
	wake_up(&parent->group->wait_chld);
	ka = &parent->sighand->action[SIGCHLD - 1];
	if (code != CLD_EXITED && code != CLD_KILLED && code != CLD_DUMPED &&
	    (ka->flags & SA_NOCLDSTOP))
		return;
	send_sig_proc(parent, SIGCHLD, &si);
}

void signal_notify_exit(struct task *leader, int status)
{
	struct task *parent = leader->parent;
	struct ksiginfo si = { .signo = leader->exit_signal };
	int sig = leader->exit_signal;

	if (!parent)
		return;
	if (status & 0x7f) {
		si.code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
		si.kill.status = status & 0x7f;
	} else {
		si.code = CLD_EXITED;
		si.kill.status = (status >> 8) & 0xff;
	}
	si.kill.pid = leader->tgid;
	si.kill.uid = leader->cred.uid;
	si.kill.utime = (int64_t)(leader->group->utime_ns / 10000000ULL);
	si.kill.stime = (int64_t)(leader->group->stime_ns / 10000000ULL);
	wake_up(&parent->group->wait_chld);
	if (sig > 0 && sig_valid(sig))
		send_sig_proc(parent, sig, &si);
}

bool signal_parent_autoreaps(struct task *leader)
{
	struct task *parent = leader->parent;
	struct ksigaction *ka;

	if (!parent || leader->exit_signal != SIGCHLD)
		return false;
	ka = &parent->sighand->action[SIGCHLD - 1];
	return ka->handler == SIG_IGN_K || (ka->flags & SA_NOCLDWAIT);
}

/* Reset handlers for execve: caught signals go back to default. */
void signal_exec_reset(struct task *t)
{
	int i;

	if (t->sighand->refs > 1) {
		struct sighand *sh = kzalloc(sizeof(*sh));

		if (sh) {
			kmemcpy(sh->action, t->sighand->action,
				sizeof(sh->action));
			sh->refs = 1;
			t->sighand->refs--;
			t->sighand = sh;
		}
	}
	for (i = 0; i < NSIG_KERN; i++) {
		struct ksigaction *ka = &t->sighand->action[i];

		if (ka->handler != SIG_IGN_K)
			ka->handler = SIG_DFL_K;
		ka->flags = 0;
		ka->mask = 0;
		ka->restorer = 0;
	}
	t->sas_sp = 0;
	t->sas_size = 0;
	t->sas_flags = 0;
}

/* ---- syscalls ---- */

SYSCALL4(rt_sigaction, int, sig, uaddr_t, act, uaddr_t, oact, size_t,
	 sigsetsize)
{
	struct ksigaction *ka;
	struct sigaction_k k;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (!sig_valid(sig))
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	ka = &current->sighand->action[sig - 1];
	if (act && copy_from_user(&k, act, sizeof(k)))
		return -EFAULT;
	if (oact) {
		struct sigaction_k o = { ka->handler, ka->flags, ka->restorer,
					 ka->mask };

		if (copy_to_user(oact, &o, sizeof(o)))
			return -EFAULT;
	}
	if (act) {
		ka->handler = k.handler;
		ka->flags = k.flags;
		ka->restorer = k.restorer;
		ka->mask = k.mask & ~KILL_STOP_MASK;
		/* Setting SIG_IGN discards what is pending (POSIX). */
		if (signal_is_ignored(current, sig)) {
			struct task *leader = task_leader(current), *th;

			dequeue_all(leader, sig);
			list_for_each_entry(th, &leader->threads, thread_link)
				dequeue_all(th, sig);
		}
	}
	return 0;
}

SYSCALL4(rt_sigprocmask, int, how, uaddr_t, uset, uaddr_t, uoset, size_t,
	 sigsetsize)
{
	struct task *t = current;
	ksigset_t set, old = t->blocked;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		set &= ~KILL_STOP_MASK;
		switch (how) {
		case SIG_BLOCK:
			t->blocked |= set;
			break;
		case SIG_UNBLOCK:
			t->blocked &= ~set;
			break;
		case SIG_SETMASK:
			t->blocked = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (uoset && copy_to_user(uoset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL2(rt_sigpending, uaddr_t, uset, size_t, sigsetsize)
{
	ksigset_t set = current->pending & current->blocked;

	if (sigsetsize > sizeof(ksigset_t))
		return -EINVAL;
	return copy_to_user(uset, &set, sigsetsize) ? -EFAULT : 0;
}

SYSCALL2(rt_sigsuspend, uaddr_t, umask, size_t, sigsetsize)
{
	struct task *t = current;
	ksigset_t set;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(&set, umask, sizeof(set)))
		return -EFAULT;
	t->saved_mask = t->blocked;
	t->restore_mask = true;
	t->blocked = set & ~KILL_STOP_MASK;
	while (!signal_pending(t)) {
		t->state = TASK_INTERRUPTIBLE;
		schedule();
	}
	return -ERESTARTNOHAND;
}

SYSCALL0(pause)
{
	struct task *t = current;

	while (!signal_pending(t)) {
		t->state = TASK_INTERRUPTIBLE;
		schedule();
	}
	return -ERESTARTNOHAND;
}

SYSCALL4(rt_sigtimedwait, uaddr_t, uset, uaddr_t, uinfo, uaddr_t, uts, size_t,
	 sigsetsize)
{
	struct task *t = current;
	struct __kernel_timespec ts;
	struct ksiginfo info;
	ksigset_t set, saved;
	uint64_t deadline = 0;
	int sig, err;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	set &= ~KILL_STOP_MASK;
	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = time_mono_ns() + (uint64_t)ts.tv_sec * NSEC_PER_SEC +
			   (uint64_t)ts.tv_nsec;
		if (!deadline)
			deadline = 1;
	}
	for (;;) {
		saved = t->blocked;
		if (t->pending & set) {
			t->blocked = ~set;
			sig = dequeue_signal(t, &info);
			t->blocked = saved;
			if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
				return -EFAULT;
			return sig;
		}
		t->blocked = saved;
		if (signal_pending(t))
			return -EINTR;
		if (uts && (ts.tv_sec == 0 && ts.tv_nsec == 0))
			return -EAGAIN;
		/* Sleep with the awaited signals unblocked, so they wake us. */
		t->blocked = saved & ~set;
		err = sched_sleep(true, deadline);
		t->blocked = saved;
		if (err == -ETIMEDOUT)
			return -EAGAIN;
	}
}

static bool may_signal(struct task *target)
{
	const struct cred *c = &current->cred, *tc = &target->cred;

	return c->euid == 0 || c->euid == tc->uid || c->euid == tc->suid ||
	       c->uid == tc->uid || c->uid == tc->suid;
}

static void user_siginfo(struct ksiginfo *si, int sig, int code)
{
	kmemset(si, 0, sizeof(*si));
	si->signo = sig;
	si->code = code;
	si->kill.pid = current->tgid;
	si->kill.uid = current->cred.uid;
}

static int kill_proc(struct task *t, int sig, const struct ksiginfo *si)
{
	if (!may_signal(t))
		return -EPERM;
	return send_sig_proc(t, sig, si);
}

SYSCALL2(kill, int, pid, int, sig)
{
	struct ksiginfo si;
	struct task *t;
	int found = 0, err = -ESRCH, pgid;

	if (sig < 0 || sig > NSIG_KERN)
		return -EINVAL;
	user_siginfo(&si, sig, SI_USER_K);
	if (pid > 0) {
		t = task_find(pid);
		if (!t || t->state == TASK_DEAD ||
		    (t->state == TASK_ZOMBIE && t != task_leader(t)))
			return -ESRCH;
		return kill_proc(task_leader(t), sig, &si);
	}
	pgid = pid == 0 ? current->group->pgid : -pid;
	for_each_task(t)
	{
		if (t != task_leader(t) || t->state == TASK_ZOMBIE ||
		    t->state == TASK_DEAD)
			continue;
		if (pid == -1 ? (t->tgid == 1 || t->group == current->group) :
				t->group->pgid != pgid)
			continue;
		found++;
		err = kill_proc(t, sig, &si);
	}
	if (pid == -1)
		return found ? 0 : -ESRCH;
	return found ? (err == -EPERM ? -EPERM : 0) : -ESRCH;
}

static long tkill_common(int tgid, int tid, int sig)
{
	struct ksiginfo si;
	struct task *t;

	if (tid <= 0 || sig < 0 || sig > NSIG_KERN)
		return -EINVAL;
	t = task_find(tid);
	if (!t || t->state == TASK_DEAD || t->state == TASK_ZOMBIE ||
	    (tgid > 0 && t->tgid != tgid))
		return -ESRCH;
	if (!may_signal(t))
		return -EPERM;
	user_siginfo(&si, sig, SI_TKILL_K);
	return send_sig_task(t, sig, &si);
}

SYSCALL2(tkill, int, tid, int, sig)
{
	return tkill_common(-1, tid, sig);
}

SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
	if (tgid <= 0)
		return -EINVAL;
	return tkill_common(tgid, tid, sig);
}

static long queue_info(int tgid, int tid, int sig, uaddr_t uinfo)
{
	struct ksiginfo si;
	struct task *t;

	if (!sig_valid(sig))
		return -EINVAL;
	if (copy_from_user(&si, uinfo, sizeof(si)))
		return -EFAULT;
	/* Only the kernel may forge kernel or kill() codes for others. */
	if ((si.code >= 0 || si.code == SI_TKILL_K) && (tgid != current->tgid))
		return -EPERM;
	si.signo = sig;
	t = task_find(tid > 0 ? tid : tgid);
	if (!t || t->state == TASK_ZOMBIE || t->state == TASK_DEAD ||
	    t->tgid != tgid)
		return -ESRCH;
	if (!may_signal(t))
		return -EPERM;
	return tid > 0 ? send_sig_task(t, sig, &si) :
			 send_sig_proc(t, sig, &si);
}

SYSCALL3(rt_sigqueueinfo, int, tgid, int, sig, uaddr_t, uinfo)
{
	return queue_info(tgid, 0, sig, uinfo);
}

SYSCALL4(rt_tgsigqueueinfo, int, tgid, int, tid, int, sig, uaddr_t, uinfo)
{
	return queue_info(tgid, tid, sig, uinfo);
}

SYSCALL2(sigaltstack, uaddr_t, uss, uaddr_t, uoss)
{
	struct task *t = current;
	struct stack_k ss, old = {
		.sp = t->sas_sp,
		.size = t->sas_size,
		.flags = t->sas_size ?
				 (on_altstack(t, t->regs.rsp) ? SS_ONSTACK_K :
								0) |
					 t->sas_flags :
				 SS_DISABLE_K,
	};

	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on_altstack(t, t->regs.rsp))
			return -EPERM;
		if (ss.flags &
		    ~(SS_DISABLE_K | SS_ONSTACK_K | (int32_t)SS_AUTODISARM_K))
			return -EINVAL;
		if (ss.flags & SS_DISABLE_K) {
			t->sas_sp = 0;
			t->sas_size = 0;
			t->sas_flags = 0;
		} else {
			if (ss.size < MINSIGSTKSZ_K)
				return -ENOMEM;
			t->sas_sp = ss.sp;
			t->sas_size = ss.size;
			t->sas_flags = ss.flags & (int32_t)SS_AUTODISARM_K;
		}
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL0(rt_sigreturn)
{
	struct task *t = current;
	struct rt_sigframe_k frame;
	uaddr_t faddr = t->regs.rsp - 8;

	if (copy_from_user(&frame, faddr, sizeof(frame)))
		goto badframe;
	sigcontext_to_regs(&frame.uc.mc, &t->regs);
	t->blocked = frame.uc.sigmask & ~KILL_STOP_MASK;
	if (frame.uc.mc.fpstate) {
		if (copy_from_user(&t->fpregs, frame.uc.mc.fpstate,
				   FPSTATE_SIZE))
			goto badframe;
		/* Never let the guest load reserved MXCSR bits. */
		t->fpregs.mxcsr &= 0xffff;
		t->fpregs_valid = true;
		t->fpregs_dirty = true;
	}
	if (!(frame.uc.stack.flags & SS_DISABLE_K) && frame.uc.stack.size &&
	    !(t->sas_flags & SS_AUTODISARM_K) && t->sas_size) {
		t->sas_sp = frame.uc.stack.sp;
		t->sas_size = frame.uc.stack.size;
	}
	t->in_syscall = false;
	return (long)t->regs.rax;

badframe:
	force_sig_fault(SIGSEGV, SI_KERNEL_K, 0);
	return 0;
}

SYSCALL0(restart_syscall)
{
	long (*fn)(struct task * t) = current->restart_fn;

	current->restart_fn = NULL;
	return fn ? fn(current) : -EINTR;
}
