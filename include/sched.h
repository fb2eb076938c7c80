/*
 * Tasks and the scheduler.
 *
 * A task is one guest thread. It owns a kernel stack on which its trap loop
 * and syscall handlers run; schedule() switches host stacks between tasks.
 * Threads of one process share an address space (mm), and may share the fd
 * table, fs context and signal handlers, per clone flags. Process-wide
 * state (process group, session, controlling tty, rlimits, itimers) lives
 * in the thread group.
 */
#ifndef SCHED_H
#define SCHED_H

#include <asm/resource.h>
#include <linux/resource.h>

#include "os/os.h"
#include "cputimer.h"
#include "list.h"
#include "timer.h"
#include "uaccess.h"
#include "wait.h"

#define TASK_COMM_LEN 16
#define NGROUPS_MAX_KERN 64
#define NSIG_KERN 64

enum task_state {
	TASK_RUNNING,
	TASK_INTERRUPTIBLE,
	TASK_UNINTERRUPTIBLE,
	TASK_STOPPED,
	TASK_ZOMBIE,
	TASK_DEAD,
};

typedef uint64_t ksigset_t;

static inline ksigset_t sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	int ngroups;
	uint32_t groups[NGROUPS_MAX_KERN];
};

struct ksigaction {
	uint64_t handler; /* SIG_DFL (0), SIG_IGN (1) or a guest address */
	uint64_t flags;
	uint64_t restorer;
	ksigset_t mask;
};

/* Signal actions; shared by threads created with CLONE_SIGHAND. */
struct sighand {
	int refs;
	struct ksigaction action[NSIG_KERN];
};

/* A queued signal with its siginfo (for rt signals and fault details). */
struct sigqueue {
	struct list_head link;
	int signo;
	uint8_t info[128]; /* struct siginfo as the guest sees it */
};

struct tty;

/* State shared by every thread of one process. */
struct tgroup {
	int refs;
	int nr_threads;
	int pgid;
	int sid;
	struct tty *tty; /* controlling terminal, or NULL */
	struct task *leader;
	ksigset_t shared_pending;
	struct list_head shared_queue;
	bool group_exiting;
	struct task *exec_task; /* the thread replacing the image */
	int group_exit_code;
	/* Job control: the group is stopped by stop_sig; reports pending. */
	bool stopped;
	int stop_sig;
	bool stop_report;
	bool cont_report;
	/* Parents sleep here in wait4 for children to change state. */
	struct wait_queue wait_chld;
	struct rlimit rlim[RLIM_NLIMITS];
	/* ITIMER_REAL, in monotonic ns; interval 0 for one-shot. */
	struct ktimer itimer_real;
	uint64_t itimer_real_interval;
	uint64_t start_time;
	uint64_t utime_ns, stime_ns;
	uint64_t cutime_ns, cstime_ns;
	struct list_head posix_timers;
	/* CPU time of the whole process and the timers running on it. */
	struct cputimer_group cputimers;
};

struct mm;
struct files;
struct fs_context;

/* Saved kernel-side context of a task switched out in schedule(). */
struct kctx {
	uint64_t rsp;
};

struct task {
	int pid;
	int tgid;
	char comm[TASK_COMM_LEN];
	enum task_state state;
	int exit_code; /* wait status once a zombie */
	int exit_signal; /* signal sent to the parent at exit (SIGCHLD) */

	struct task *parent;
	struct list_head children;
	struct list_head sibling;
	struct list_head thread_link; /* in the group leader's thread list */
	struct list_head threads; /* leader only: the group's threads */
	struct list_head all_link; /* in the list of every task */

	struct mm *mm;
	struct files *files;
	struct fs_context *fs;
	struct sighand *sighand;
	struct tgroup *group;
	struct cred cred;

	ksigset_t blocked;
	ksigset_t pending;
	struct list_head sigqueue;
	ksigset_t saved_mask; /* restored after sigsuspend/ppoll */
	bool restore_mask;
	uint64_t sas_sp, sas_size; /* sigaltstack */
	int sas_flags;

	uaddr_t clear_child_tid;
	uaddr_t robust_list;
	uint64_t robust_len;

	struct os_regs regs;
	struct os_fpregs fpregs;
	bool fpregs_valid; /* fpregs hold the live FPU state */
	bool fpregs_dirty; /* fpregs changed: load them before running */

	/* Scheduler. */
	struct kctx kctx;
	void *kstack;
	size_t kstack_size;
	struct list_head run_link;
	uint64_t slice_end;
	bool need_resched;
	/* Timeout of the current sleep. */
	struct ktimer sleep_timer;
	bool timed_out;

	/* Syscall restart after a signal (restart_syscall(2)). */
	long (*restart_fn)(struct task *t);
	uint64_t restart_data[4];

	/* Who waits for this task (vfork parent, ptrace-free waiters). */
	struct wait_queue exit_wait;
	struct task *vfork_parent;
	bool vfork_done;

	uint64_t utime_ns, stime_ns;
	/* Cached earliest deadline of timers on this thread's CPU clock. */
	struct cpu_deadlines cputimer_next;
	uint64_t start_time;
	int personality;
	bool no_new_privs;
	char *exe_path; /* path of the executable, kmalloc'd */
	bool in_syscall; /* regs.rax holds a syscall's result */

	/* A kernel function to run first on a new task's stack (init). */
	void (*kfn)(void *arg);
	void *kfn_arg;
};

struct sched_state {
	struct task *running;
	struct task *idle;
	struct list_head runqueue;
	struct list_head all_tasks;
	int nr_tasks;
	int next_pid;
	uint64_t context_switches;
	uint64_t forks;
};

extern struct sched_state sched;

#define current (sched.running)

/* Give up the CPU: run another runnable task (or idle) until woken. */
void schedule(void);
/* Make a sleeping task runnable. */
void wake_up_process(struct task *t);
/* Let other runnable tasks run first if this task's slice is over. */
void sched_yield_if_needed(void);

void sched_init(void);
/* Run the idle loop on the boot stack; never returns. */
__noreturn void sched_idle_loop(void);
/* The timer tick: mark current for preemption if its slice is over. */
void sched_tick(void);
/* Make a stopped task run again. */
void sched_continue(struct task *t);

/* Look a task up by pid (a thread id); NULL if none. */
struct task *task_find(int pid);
/* The thread group leader of t. */
static inline struct task *task_leader(struct task *t)
{
	return t->group->leader;
}

/* Iterate over every live task. */
#define for_each_task(t) list_for_each_entry(t, &sched.all_tasks, all_link)

/* Credentials helpers. */
bool cred_in_group(const struct cred *c, uint32_t gid);
static inline bool capable_root(void)
{
	return current->cred.euid == 0;
}

#endif
