/*
 * Switching between kernel stacks.
 *
 * void arch_switch(struct kctx *from, struct kctx *to): save the callee-
 * saved registers on the current stack, store its pointer in from->rsp,
 * load to->rsp and return on that stack.
 *
 * A new task's stack is prepared (arch_kstack_init) so that the first
 * switch to it "returns" into arch_task_start, which calls
 * sched_task_entry() and never returns.
 */
	.text
	.globl arch_switch
	.type arch_switch, @function
arch_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov (%rsi), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size arch_switch, . - arch_switch

	.globl arch_task_start
	.type arch_task_start, @function
arch_task_start:
	xor %ebp, %ebp
	call sched_task_entry
	ud2
	.size arch_task_start, . - arch_task_start
	.section .note.GNU-stack, "", @progbits
