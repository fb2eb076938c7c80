/*
 * The trap loop: run a task's guest code in its stub and handle whatever
 * stops it (a syscall, a page fault, a synchronous signal, an interrupt).
 *
 * Before entering the guest: interrupts, rescheduling, signal delivery,
 * the batched mapping flush and the FPU state hand-over between threads
 * sharing one stub. A syscall costs one stop of the stub; nothing on this
 * path adds host syscalls for bookkeeping.
 */
#include <asm/signal.h>
#include <asm/siginfo.h>

#include "arch.h"
#include "cputimer.h"
#include "err.h"
#include "irq.h"
#include "klib.h"
#include "loadavg.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "sched.h"
#include "signal.h"
#include "syscall_table.h"
#include "timer.h"
#include "os/os.h"

struct trap_state {
	uint64_t enosys_logged[(NR_SYSCALLS + 63) / 64];
	uint64_t syscalls;
};

static struct trap_state traps;

int arch_fpu_save(struct task *t)
{
	struct mm *mm = t->mm;
	int err;

	if (t->fpregs_valid || !mm || mm->fpu_owner != t)
		return 0;
	err = os_stub_get_fpregs(mm_host_pid(mm), &t->fpregs);
	if (!err)
		t->fpregs_valid = true;
	return err;
}

/* Make the stub's FPU hold t's state. */
static void fpu_switch_to(struct task *t)
{
	struct mm *mm = t->mm;
	int pid = mm_host_pid(mm);

	if (mm->fpu_owner != t) {
		if (mm->fpu_owner)
			arch_fpu_save(mm->fpu_owner);
		mm->fpu_owner = t;
		if (t->fpregs_valid)
			t->fpregs_dirty = true;
	}
	if (t->fpregs_dirty) {
		os_stub_set_fpregs(pid, &t->fpregs);
		t->fpregs_dirty = false;
	}
	t->fpregs_valid = false;
}

static void log_enosys(uint64_t nr)
{
	const char *name = nr < NR_SYSCALLS ? syscall_names[nr] : NULL;

	if (nr < NR_SYSCALLS) {
		if (traps.enosys_logged[nr / 64] & (1ULL << (nr % 64)))
			return;
		traps.enosys_logged[nr / 64] |= 1ULL << (nr % 64);
	}
	printk(KERN_INFO "%s[%d]: unimplemented syscall %lu (%s)\n",
	       current->comm, current->pid, (unsigned long)nr,
	       name ? name : "unknown");
}

void syscall_dispatch(struct task *t)
{
	uint64_t nr = t->regs.orig_rax;
	long args[6] = {
		(long)t->regs.rdi, (long)t->regs.rsi, (long)t->regs.rdx,
		(long)t->regs.r10, (long)t->regs.r8,  (long)t->regs.r9,
	};
	long ret;

	traps.syscalls++;
	if (nr < NR_SYSCALLS && syscall_table[nr]) {
		ret = syscall_table[nr](args);
	} else {
		log_enosys(nr);
		ret = -ENOSYS;
	}
	t->regs.rax = (uint64_t)ret;
	t->in_syscall = true;
}

static void handle_segv(struct task *t, const struct os_trap *trap)
{
	int code, err = mm_fault_guest(t->mm, trap->addr, &code);

	if (!err)
		return;
	if (err == -ENOMEM) {
		printk(KERN_ERR "Out of memory: Killed process %d (%s)\n",
		       t->tgid, t->comm);
		send_sig_task(t, SIGKILL, NULL);
		return;
	}
	if (err == -ENXIO) /* past the end of a mapped file */
		force_sig_fault(SIGBUS, BUS_ADRERR, trap->addr);
	else
		force_sig_fault(trap->signo == SIGBUS ? SIGBUS : SIGSEGV, code,
				trap->addr);
}

static void handle_trap(struct task *t, const struct os_trap *trap)
{
	switch (trap->kind) {
	case OS_TRAP_SYSCALL:
		if (t->regs.rip - 2 >= OS_STUB_CODE &&
		    t->regs.rip - 2 < OS_STUB_END) {
			printk(KERN_WARNING "%s[%d]: syscall from the stub "
					    "page: killed\n",
			       t->comm, t->pid);
			send_sig_task(t, SIGKILL, NULL);
			return;
		}
		syscall_dispatch(t);
		break;
	case OS_TRAP_SEGV:
		handle_segv(t, trap);
		break;
	case OS_TRAP_SIGNAL:
		force_sig_fault(trap->signo, trap->code, trap->addr);
		break;
	case OS_TRAP_INTERRUPT:
		break;
	case OS_TRAP_DIED:
		printk(KERN_ERR "%s[%d]: address space process died\n", t->comm,
		       t->pid);
		do_group_exit(SIGKILL);
	}
}

__noreturn void arch_user_loop(void)
{
	struct task *t = current;
	struct os_trap trap;
	uint64_t enter, sys, left = time_mono_ns();
	uint64_t switches = sched.context_switches;

	for (;;) {
		if (os_signals_pending())
			irq_poll();
		if (t->need_resched)
			schedule();
		signal_deliver(t);
		if (mm_flush(t->mm)) {
			printk(KERN_ERR "%s[%d]: cannot update its address "
					"space: killed\n",
			       t->comm, t->pid);
			do_group_exit(SIGKILL);
		}
		fpu_switch_to(t);
		/*
		 * Time in the stub is user time. Kernel time since the last
		 * stop is system time, unless the task was switched out in
		 * between: how much of it the task ran is then unknown, and
		 * charging nothing beats charging its sleep.
		 */
		enter = time_mono_ns();
		sys = switches == sched.context_switches ? enter - left : 0;
		os_stub_run(mm_host_pid(t->mm), &t->regs, &trap);
		left = time_mono_ns();
		switches = sched.context_switches;
		cputime_account(t, left - enter, sys);
		loadavg_update(left);
		handle_trap(t, &trap);
	}
}
