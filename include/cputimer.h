/*
 * CPU-time accounting and everything that fires on CPU time.
 *
 * The trap loop charges each stretch of guest user time, and the kernel
 * time spent for the task since its previous stop, through
 * cputime_account(). That is the only place CPU time grows, so the totals
 * kept here (per thread in struct task, per process in struct
 * cputimer_group) are exact running sums, and every CPU-time deadline is
 * checked there: ITIMER_VIRTUAL (process user time, SIGVTALRM),
 * ITIMER_PROF (process user + system time, SIGPROF), RLIMIT_CPU (SIGXCPU
 * every second past the soft limit, SIGKILL at the hard one) and POSIX
 * timers on CPU-time clocks. A guest spinning in user mode is stopped by
 * the scheduler tick, so these fire within one tick of CPU time.
 *
 * The fast path is a few additions and compares against cached earliest
 * deadlines. A cached deadline may be early (which costs one slow pass
 * that recomputes it) but never late: whoever arms a timer lowers it.
 */
#ifndef CPUTIMER_H
#define CPUTIMER_H

#include <linux/time.h>

#include "compiler.h"
#include "list.h"
#include "timer.h"

/* The scheduler tick: CPU time is sampled at least this often. */
#define CPUTIMER_TICK_NS (10 * NSEC_PER_MSEC)
/* A deadline that is never reached. */
#define CPUTIMER_NEVER UINT64_MAX

/* CPU-time clock ids (clock_getcpuclockid): ~pid << 3 | thread | which. */
#define CPUCLOCK_PROF 0 /* user + system time */
#define CPUCLOCK_VIRT 1 /* user time */
#define CPUCLOCK_SCHED 2 /* time on the CPU: here the same as PROF */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_WHICH_MASK 3

struct task;
struct tgroup;

/* Earliest deadlines on the two axes CPU time is measured on. */
struct cpu_deadlines {
	uint64_t user; /* user time */
	uint64_t prof; /* user + system time */
};

/* ITIMER_VIRTUAL or ITIMER_PROF. */
struct cpu_itimer {
	uint64_t expires; /* absolute process CPU time; 0 when disarmed */
	uint64_t interval; /* reload value, ns; 0 for one-shot */
};

/* The CPU-time state of one thread group. */
struct cputimer_group {
	uint64_t user_ns; /* user time of every thread, live or exited */
	uint64_t prof_ns; /* user + system time of every thread */
	struct cpu_deadlines next; /* cached earliest process deadline */
	uint64_t rlim_cpu_seen; /* the RLIMIT_CPU soft limit next knows */
	struct cpu_itimer virt, prof;
	struct list_head timers; /* POSIX timers measuring this process */
};

/* A CPU-time clock, resolved. */
struct cpuclock {
	int which; /* CPUCLOCK_PROF, _VIRT or _SCHED */
	struct task *thread; /* a thread clock: this thread */
	struct tgroup *group; /* the process measured (the thread's) */
};

static inline bool cpuclock_is_cpu(int clk)
{
	return clk < 0 || clk == CLOCK_PROCESS_CPUTIME_ID ||
	       clk == CLOCK_THREAD_CPUTIME_ID;
}

/*
 * Resolve CPU-time clock clk for current: CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID or a clock_getcpuclockid id. A thread clock
 * must name a thread of current's process; for a timer (for_timer) a
 * process clock must name a process by its leader's pid. Returns 0 or
 * -EINVAL.
 */
int cpuclock_resolve(int clk, bool for_timer, struct cpuclock *out);
/* The clock's reading in ns. */
uint64_t cpuclock_sample(const struct cpuclock *c);
/* The user-time axis (CPUCLOCK_VIRT) or user + system time. */
static inline bool cpuclock_on_user(int which)
{
	return which == CPUCLOCK_VIRT;
}

/*
 * Charge user_ns of guest time and sys_ns of kernel time to t and its
 * process, and run whatever CPU-time timer that makes expire (signals
 * are queued for delivery on the way back to the guest). Call from t's
 * own trap loop only.
 */
void cputime_account(struct task *t, uint64_t user_ns, uint64_t sys_ns);

/* A new process: no CPU time used, nothing armed. */
void cputimer_group_init(struct cputimer_group *c);

/* Make sure d's cached deadline on the given axis is no later than at. */
static inline void cpu_deadlines_lower(struct cpu_deadlines *d, bool on_user,
				       uint64_t at)
{
	uint64_t *slot = on_user ? &d->user : &d->prof;

	if (at < *slot)
		*slot = at;
}

/*
 * Slow-path helpers, called by cputime_account. Each fires what has
 * expired and lowers next to its earliest remaining deadline.
 *
 * itimers_cpu_run: ITIMER_VIRTUAL and ITIMER_PROF of t's process.
 * posix_cpu_timers_run: POSIX timers measuring t's process (into
 * group_next) and thread t (into thread_next).
 */
void itimers_cpu_run(struct task *t, struct cpu_deadlines *next);
void posix_cpu_timers_run(struct task *t, struct cpu_deadlines *group_next,
			  struct cpu_deadlines *thread_next);
/* Process g exits: timers measuring it (of any process) stop for good. */
void posix_cpu_timers_detach(struct tgroup *g);

#endif
