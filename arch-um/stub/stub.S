/*
 * The stub: the host process that is a guest address space.
 *
 * It is exec'd by the kernel under ptrace with the physmem file as fd 3 and
 * the physmem offset of its data area in %rdi. It maps the data area, locks
 * itself down with seccomp (only mmap/munmap/mprotect/exit from this code
 * page; anything else kills it) and traps. From then on the kernel runs
 * guest code in it with PTRACE_SYSEMU (guest syscalls never reach the host)
 * and sends it to ops_entry to apply queued mapping changes, after which it
 * traps again. Its stack is the top of the data area.
 */
#define STUB_CODE 0x7ff000000000
#define STUB_DATA (STUB_CODE + 0x1000)
#define STUB_DATA_SIZE 0x4000
#define NR_MMAP 9
#define NR_MPROTECT 10
#define NR_MUNMAP 11
#define NR_EXIT 60
#define NR_EXIT_GROUP 231
#define NR_PRCTL 157
#define NR_SECCOMP 317
#define PR_SET_NO_NEW_PRIVS 38
#define SECCOMP_SET_MODE_FILTER 1
#define MAP_SHARED_FIXED 0x11
/* Guest mappings are populated at once: they are about to be touched. */
#define MAP_SHARED_FIXED_POPULATE 0x8011
#define PHYSMEM_FD 3
#define OP_MAP 1
#define OP_UNMAP 2
#define OP_PROTECT 3
#define OP_MAP_LAZY 4
#define OP_SIZE 32
#define HDR_SIZE 32

	.text
	.globl _start
_start:
	jmp start_real

/* Execute the ops in the data area, then trap. At OS_STUB_OPS_ENTRY. */
	.org 0x10
	.globl ops_entry
ops_entry:
	movabs $STUB_DATA, %rbx
	mov (%rbx), %r12
	lea HDR_SIZE(%rbx), %r13
	xor %r14d, %r14d
	movq $0, 8(%rbx)
1:
	cmp %r12, %r14
	jae 9f
	mov 8(%r13), %rdi
	mov 16(%r13), %rsi
	mov 4(%r13), %edx
	mov (%r13), %eax
	cmp $OP_MAP, %eax
	je 2f
	cmp $OP_UNMAP, %eax
	je 3f
	cmp $OP_MAP_LAZY, %eax
	je 5f
	mov $NR_MPROTECT, %eax
	jmp 4f
5:
	mov $MAP_SHARED_FIXED, %r10d
	jmp 6f
2:
	mov $MAP_SHARED_FIXED_POPULATE, %r10d
6:
	mov $PHYSMEM_FD, %r8d
	mov 24(%r13), %r9
	mov $NR_MMAP, %eax
	jmp 4f
3:
	mov $NR_MUNMAP, %eax
4:
	syscall
	cmp $-4095, %rax
	jae 8f
	add $OP_SIZE, %r13
	inc %r14
	jmp 1b
8:
	mov %rax, 8(%rbx)
	mov %r14, 16(%rbx)
9:
	int3
	jmp 9b

start_real:
	mov %rdi, %r9
	movabs $STUB_DATA, %rdi
	mov $STUB_DATA_SIZE, %esi
	mov $3, %edx
	mov $MAP_SHARED_FIXED, %r10d
	mov $PHYSMEM_FD, %r8d
	mov $NR_MMAP, %eax
	syscall
	cmp $-4095, %rax
	jae die
	movabs $(STUB_DATA + STUB_DATA_SIZE), %rsp

	mov $NR_PRCTL, %eax
	mov $PR_SET_NO_NEW_PRIVS, %edi
	mov $1, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	syscall
	test %rax, %rax
	jnz die

	/* struct sock_fprog { u16 len; u64 filter; } on the stack */
	lea filter(%rip), %rax
	sub $16, %rsp
	movw $((filter_end - filter) / 8), (%rsp)
	mov %rax, 8(%rsp)
	mov $NR_SECCOMP, %eax
	mov $SECCOMP_SET_MODE_FILTER, %edi
	xor %esi, %esi
	mov %rsp, %rdx
	syscall
	add $16, %rsp
	test %rax, %rax
	jnz die
	int3
	jmp die

die:
	mov $NR_EXIT_GROUP, %eax
	mov $127, %edi
	syscall
	hlt

/* seccomp: allow mmap/mprotect/munmap/exit only from this code page. */
	.section .rodata
	.balign 8
#define BPF_STMT(code, k) .short code; .byte 0, 0; .long k
#define BPF_JUMP(code, k, jt, jf) .short code; .byte jt, jf; .long k
#define LD_ABS 0x20
#define JEQ 0x15
#define JGE 0x35
#define RET 0x06
filter:
	BPF_STMT(LD_ABS, 4)
	BPF_JUMP(JEQ, 0xc000003e, 0, 10)
	BPF_STMT(LD_ABS, 12)
	BPF_JUMP(JEQ, 0x7ff0, 0, 8)
	BPF_STMT(LD_ABS, 8)
	BPF_JUMP(JGE, 0x1000, 6, 0)
	BPF_STMT(LD_ABS, 0)
	BPF_JUMP(JEQ, NR_MMAP, 5, 0)
	BPF_JUMP(JEQ, NR_MUNMAP, 4, 0)
	BPF_JUMP(JEQ, NR_MPROTECT, 3, 0)
	BPF_JUMP(JEQ, NR_EXIT, 2, 0)
	BPF_JUMP(JEQ, NR_EXIT_GROUP, 1, 0)
	BPF_STMT(RET, 0x80000000)
	BPF_STMT(RET, 0x7fff0000)
filter_end:
