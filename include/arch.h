/*
 * The machine layer's interface to the portable kernel (arch-um/kernel).
 */
#ifndef ARCH_H
#define ARCH_H

#include "sched.h"

struct mm;

/* Switch kernel stacks: save into from, continue from to. */
void arch_switch(struct kctx *from, struct kctx *to);
/* Prepare a fresh kernel stack so switching to it enters sched_task_entry. */
void arch_kstack_init(struct task *t);
/* Called (once) on a new task's kernel stack after its first switch. */
__noreturn void sched_task_entry(void);

/* Kill and reap every stub process (the machine is going away). */
void mmu_shutdown(void);

/* The host pid of mm's stub process, or -1. */
int mm_host_pid(struct mm *mm);

/*
 * Run current in guest mode forever: enter the guest, take its syscalls,
 * faults and interrupts, deliver signals, repeat. Never returns.
 */
__noreturn void arch_user_loop(void);

/* Run the syscall in t's registers and store its result. */
void syscall_dispatch(struct task *t);

/* Make the FPU state of t available in t->fpregs. */
int arch_fpu_save(struct task *t);

/* Host vDSO address (AT_SYSINFO_EHDR) and the range reserved for it. */
uint64_t arch_vdso_base(void);

/* Halt or restart the machine after the guest asked for it. */
__noreturn void machine_halt(int status);
__noreturn void machine_restart(void);
/*
 * Ctrl-Alt-Del (mconsole's cad): restart when reboot(2) left it enabled,
 * else send SIGINT to init, as Linux does.
 */
void machine_ctrl_alt_del(void);

#endif
