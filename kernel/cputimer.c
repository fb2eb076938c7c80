/*
 * CPU-time accounting, CPU-time clocks and RLIMIT_CPU.
 *
 * cputime_account() is called by the trap loop after every stop of the
 * guest; it is the only place CPU time is charged. Its fast path adds to
 * the thread's and the process's totals and compares them with the cached
 * earliest deadlines (process and thread) and the RLIMIT_CPU soft limit
 * the cache was computed for, so setrlimit takes effect at the next
 * accounting. The slow path runs the interval timers (kernel/itimer.c),
 * the POSIX CPU timers (kernel/posix_timers.c) and RLIMIT_CPU as Linux
 * does: SIGXCPU when the process's CPU time reaches the soft limit, with
 * the soft limit raised by one second each time so that SIGXCPU repeats
 * every second, and SIGKILL at the hard limit.
 */
#include <asm/signal.h>

#include "cputimer.h"
#include "err.h"
#include "sched.h"
#include "signal.h"

void cputimer_group_init(struct cputimer_group *c)
{
	c->user_ns = 0;
	c->prof_ns = 0;
	c->next.user = 0;
	c->next.prof = 0;
	c->rlim_cpu_seen = 0;
	c->virt.expires = c->virt.interval = 0;
	c->prof.expires = c->prof.interval = 0;
	list_init(&c->timers);
}

/* A limit in seconds as ns of CPU time; RLIM_INFINITY is never reached. */
static uint64_t rlimit_cpu_ns(unsigned long secs)
{
	uint64_t ns;

	if (secs == RLIM_INFINITY ||
	    __builtin_mul_overflow((uint64_t)secs, NSEC_PER_SEC, &ns))
		return CPUTIMER_NEVER;
	return ns;
}

/*
 * Enforce RLIMIT_CPU on t's process and lower next to the next time it
 * must be looked at again.
 */
static void rlimit_cpu_run(struct task *t, struct cpu_deadlines *next)
{
	struct tgroup *g = t->group;
	struct rlimit *r = &g->rlim[RLIMIT_CPU];
	uint64_t now = g->cputimers.prof_ns, soft, hard;

	soft = rlimit_cpu_ns(r->rlim_cur);
	hard = rlimit_cpu_ns(r->rlim_max);
	if (soft != CPUTIMER_NEVER) {
		if (now >= hard) {
			send_sig_proc(t, SIGKILL, NULL);
		} else if (now >= soft) {
			send_sig_proc(t, SIGXCPU, NULL);
			r->rlim_cur++;
			soft += NSEC_PER_SEC;
		}
		cpu_deadlines_lower(next, false, soft < hard ? soft : hard);
	}
	g->cputimers.rlim_cpu_seen = r->rlim_cur;
}

/* Fire what has expired for t and recompute the cached deadlines. */
static void cputimers_run(struct task *t)
{
	struct cpu_deadlines group_next = { CPUTIMER_NEVER, CPUTIMER_NEVER };
	struct cpu_deadlines thread_next = { CPUTIMER_NEVER, CPUTIMER_NEVER };

	itimers_cpu_run(t, &group_next);
	posix_cpu_timers_run(t, &group_next, &thread_next);
	rlimit_cpu_run(t, &group_next);
	t->group->cputimers.next = group_next;
	t->cputimer_next = thread_next;
}

void cputime_account(struct task *t, uint64_t user_ns, uint64_t sys_ns)
{
	struct tgroup *g = t->group;
	struct cputimer_group *c = &g->cputimers;

	t->utime_ns += user_ns;
	t->stime_ns += sys_ns;
	c->user_ns += user_ns;
	c->prof_ns += user_ns + sys_ns;
	if (c->user_ns >= c->next.user || c->prof_ns >= c->next.prof ||
	    t->utime_ns >= t->cputimer_next.user ||
	    t->utime_ns + t->stime_ns >= t->cputimer_next.prof ||
	    g->rlim[RLIMIT_CPU].rlim_cur != c->rlim_cpu_seen)
		cputimers_run(t);
}

int cpuclock_resolve(int clk, bool for_timer, struct cpuclock *out)
{
	int pid, which;
	struct task *t = current;

	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID) {
		out->which = CPUCLOCK_SCHED;
		out->thread = clk == CLOCK_THREAD_CPUTIME_ID ? t : NULL;
		out->group = t->group;
		return 0;
	}
	if (clk >= 0)
		return -EINVAL;
	pid = ~(clk >> 3);
	which = clk & CPUCLOCK_WHICH_MASK;
	if (which > CPUCLOCK_SCHED || pid < 0)
		return -EINVAL;
	if (pid != 0) {
		t = task_find(pid);
		if (!t || t->state == TASK_DEAD)
			return -EINVAL;
	}
	out->which = which;
	out->group = t->group;
	out->thread = NULL;
	if (clk & CPUCLOCK_PERTHREAD) {
		if (t->group != current->group)
			return -EINVAL;
		out->thread = t;
	} else if (for_timer && pid != 0 && t != task_leader(t)) {
		return -EINVAL;
	}
	return 0;
}

uint64_t cpuclock_sample(const struct cpuclock *c)
{
	const struct task *t = c->thread;

	if (t)
		return cpuclock_on_user(c->which) ? t->utime_ns :
						    t->utime_ns + t->stime_ns;
	return cpuclock_on_user(c->which) ? c->group->cputimers.user_ns :
					    c->group->cputimers.prof_ns;
}
