/*
 * Syscall handler definitions.
 *
 * The dispatch table is generated from arch-um/syscalls.tbl. Every handler
 * has the signature long sys_NAME(const long *args); SYSCALLn defines one
 * with typed, named parameters unpacked from the six argument registers:
 *
 *	SYSCALL3(read, int, fd, uaddr_t, buf, size_t, count)
 *	{
 *		...
 *	}
 *
 * Handlers return >= 0 or -errno, and may sleep.
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#include "err.h"
#include "uaccess.h"

#define SYSCALL_DECLARE(name) long sys_##name(const long *args)

#define SYSCALL0(name)                 \
	static long sysc_##name(void); \
	SYSCALL_DECLARE(name)          \
	{                              \
		(void)args;            \
		return sysc_##name();  \
	}                              \
	static long sysc_##name(void)

#define SYSCALL1(name, t1, a1)                   \
	static long sysc_##name(t1 a1);          \
	SYSCALL_DECLARE(name)                    \
	{                                        \
		return sysc_##name((t1)args[0]); \
	}                                        \
	static long sysc_##name(t1 a1)

#define SYSCALL2(name, t1, a1, t2, a2)                        \
	static long sysc_##name(t1 a1, t2 a2);                \
	SYSCALL_DECLARE(name)                                 \
	{                                                     \
		return sysc_##name((t1)args[0], (t2)args[1]); \
	}                                                     \
	static long sysc_##name(t1 a1, t2 a2)

#define SYSCALL3(name, t1, a1, t2, a2, t3, a3)                             \
	static long sysc_##name(t1 a1, t2 a2, t3 a3);                      \
	SYSCALL_DECLARE(name)                                              \
	{                                                                  \
		return sysc_##name((t1)args[0], (t2)args[1], (t3)args[2]); \
	}                                                                  \
	static long sysc_##name(t1 a1, t2 a2, t3 a3)

#define SYSCALL4(name, t1, a1, t2, a2, t3, a3, t4, a4)                    \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4);              \
	SYSCALL_DECLARE(name)                                             \
	{                                                                 \
		return sysc_##name((t1)args[0], (t2)args[1], (t3)args[2], \
				   (t4)args[3]);                          \
	}                                                                 \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4)

#define SYSCALL5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)            \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);       \
	SYSCALL_DECLARE(name)                                             \
	{                                                                 \
		return sysc_##name((t1)args[0], (t2)args[1], (t3)args[2], \
				   (t4)args[3], (t5)args[4]);             \
	}                                                                 \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

#define SYSCALL6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)     \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	SYSCALL_DECLARE(name)                                              \
	{                                                                  \
		return sysc_##name((t1)args[0], (t2)args[1], (t3)args[2],  \
				   (t4)args[3], (t5)args[4], (t6)args[5]); \
	}                                                                  \
	static long sysc_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

/* Generated: every handler named in syscalls.tbl. */
#include "syscall_decls.h"

#endif
