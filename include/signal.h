/*
 * Guest signals: sending, pending state and delivery on return to the guest.
 */
#ifndef KSIGNAL_H
#define KSIGNAL_H

#include "sched.h"

/* The guest's siginfo_t (128 bytes), with the fields the kernel fills. */
struct ksiginfo {
	int32_t signo;
	int32_t errno_;
	int32_t code;
	int32_t pad0;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int32_t pad1;
			int64_t utime;
			int64_t stime;
		} kill; /* kill, sigqueue (status holds si_value), SIGCHLD */
		struct {
			uint64_t addr;
		} fault;
		struct {
			int32_t tid;
			int32_t overrun;
			uint64_t value;
		} timer;
		uint8_t raw[112];
	};
};

_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo is 128 bytes");

/* si_code values. */
#define SI_USER_K 0
#define SI_KERNEL_K 0x80
#define SI_QUEUE_K (-1)
#define SI_TIMER_K (-2)
#define SI_TKILL_K (-6)

/* A signal is deliverable to t (pending, not blocked, or fatal SIGKILL). */
bool signal_pending(struct task *t);

/*
 * Send sig to one thread (send_sig_task) or to a process (send_sig_proc,
 * any thread may take it). info is the guest siginfo (128 bytes) or NULL
 * for a SI_KERNEL/SI_USER-style one. Returns 0 or -errno.
 */
int send_sig_task(struct task *t, int sig, const void *info);
int send_sig_proc(struct task *t, int sig, const void *info);
/* Send to every process in a process group; -ESRCH if there is none. */
int send_sig_pgrp(int pgid, int sig, const void *info);

/* A fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) for current. */
void force_sig_fault(int sig, int code, uaddr_t addr);

/*
 * Called on the way back to the guest: deliver pending signals (build
 * frames, run default actions) and handle -ERESTART* results.
 */
void signal_deliver(struct task *t);

/* A thread group ended with a wait status: tell its parent. */
void signal_notify_exit(struct task *leader, int status);
/* The parent ignores SIGCHLD (or SA_NOCLDWAIT): reap children at once. */
bool signal_parent_autoreaps(struct task *leader);
/* execve: caught signals revert to their default action. */
void signal_exec_reset(struct task *t);

/* Stop or continue job-control hooks, used by the tty layer for SIGTTOU. */
bool signal_is_ignored(struct task *t, int sig);
bool signal_is_blocked(struct task *t, int sig);
/* The process group of current is an orphaned one (no job control). */
bool pgrp_is_orphaned(int pgid);

#endif
