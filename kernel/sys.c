/*
 * System information and per-process settings: uname and the host and
 * domain names, sysinfo, resource limits, resource usage, times, prctl
 * and personality.
 *
 * Resource limits live in the thread group and are only stored here;
 * the subsystems that a limit governs enforce it. Raising a hard limit
 * needs root. Usage figures come from the scheduler's utime/stime.
 */
#include <asm/signal.h>
#include <linux/capability.h>
#include <linux/mqueue.h>
#include <linux/prctl.h>
#include <linux/sysinfo.h>
#include <linux/times.h>

#include "err.h"
#include "klib.h"
#include "ksys.h"
#include "ktime.h"
#include "loadavg.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"
#include "utsname.h"

/* prctl values we report for settings that are not modelled. */
#define PRCTL_DUMPABLE 1
#define PRCTL_TIMERSLACK_NS 50000
/* The fixed-point scale of sysinfo's load averages. */
#define SI_LOAD_SHIFT 16
#define PERSONALITY_QUERY 0xffffffffU
/* ru_maxrss is in KiB. */
#define KIB 1024

struct uts_state uts = {
	.name = {
		.sysname = UTS_SYSNAME,
		.nodename = UTS_DEFAULT_NAME,
		.release = UTS_RELEASE,
		.version = UTS_VERSION,
		.machine = UTS_MACHINE,
		.domainname = UTS_DEFAULT_NAME,
	},
};

/* ---- uname, host and domain names ---- */

static int uts_set(char *field, const char *name, size_t len)
{
	if (len > __NEW_UTS_LEN)
		return -EINVAL;
	kmemcpy(field, name, len);
	kmemset(field + len, 0, __NEW_UTS_LEN + 1 - len);
	return 0;
}

int uts_set_hostname(const char *name, size_t len)
{
	return uts_set(uts.name.nodename, name, len);
}

int uts_set_domainname(const char *name, size_t len)
{
	return uts_set(uts.name.domainname, name, len);
}

SYSCALL1(uname, uaddr_t, ubuf)
{
	if (copy_to_user(ubuf, &uts.name, sizeof(uts.name)))
		return -EFAULT;
	return 0;
}

/* Copy a name of len bytes from the guest and store it with set(). */
static long uts_set_from_user(uaddr_t uname, int len,
			      int (*set)(const char *name, size_t len))
{
	char buf[__NEW_UTS_LEN];

	if (!capable_root())
		return -EPERM;
	if (len < 0 || len > __NEW_UTS_LEN)
		return -EINVAL;
	if (len > 0 && copy_from_user(buf, uname, (size_t)len))
		return -EFAULT;
	return set(buf, (size_t)len);
}

SYSCALL2(sethostname, uaddr_t, name, int, len)
{
	return uts_set_from_user(name, len, uts_set_hostname);
}

SYSCALL2(setdomainname, uaddr_t, name, int, len)
{
	return uts_set_from_user(name, len, uts_set_domainname);
}

/* ---- sysinfo ---- */

SYSCALL1(sysinfo, uaddr_t, uinfo)
{
	struct sysinfo si;
	uint64_t up = time_uptime_ns();

	kmemset(&si, 0, sizeof(si));
	si.uptime = (long)(up / NSEC_PER_SEC + (up % NSEC_PER_SEC ? 1 : 0));
	loadavg_update(time_mono_ns());
	loadavg_read(si.loads, 0, SI_LOAD_SHIFT - LOADAVG_FSHIFT);
	si.totalram = phys_total_pages() * PAGE_SIZE;
	si.freeram = phys_free_pages() * PAGE_SIZE;
	si.procs = (uint16_t)MIN(sched.nr_tasks, UINT16_MAX);
	si.mem_unit = 1;
	if (copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	return 0;
}

/* ---- resource limits ---- */

void rlimits_init_default(struct rlimit *rlim)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		rlim[i].rlim_cur = RLIM_INFINITY;
		rlim[i].rlim_max = RLIM_INFINITY;
	}
	rlim[RLIMIT_STACK].rlim_cur = RLIM_STACK_CUR;
	rlim[RLIMIT_CORE].rlim_cur = 0;
	rlim[RLIMIT_NPROC].rlim_cur = RLIM_NPROC_DEFAULT;
	rlim[RLIMIT_NPROC].rlim_max = RLIM_NPROC_DEFAULT;
	rlim[RLIMIT_NOFILE].rlim_cur = RLIM_NOFILE_CUR;
	rlim[RLIMIT_NOFILE].rlim_max = RLIM_NOFILE_MAX;
	rlim[RLIMIT_MEMLOCK].rlim_cur = MLOCK_LIMIT;
	rlim[RLIMIT_MEMLOCK].rlim_max = MLOCK_LIMIT;
	rlim[RLIMIT_SIGPENDING].rlim_cur = RLIM_NPROC_DEFAULT;
	rlim[RLIMIT_SIGPENDING].rlim_max = RLIM_NPROC_DEFAULT;
	rlim[RLIMIT_MSGQUEUE].rlim_cur = MQ_BYTES_MAX;
	rlim[RLIMIT_MSGQUEUE].rlim_max = MQ_BYTES_MAX;
	rlim[RLIMIT_NICE].rlim_cur = 0;
	rlim[RLIMIT_NICE].rlim_max = 0;
	rlim[RLIMIT_RTPRIO].rlim_cur = 0;
	rlim[RLIMIT_RTPRIO].rlim_max = 0;
}

/*
 * Replace limit resource of g. -EINVAL if soft exceeds hard, -EPERM when
 * raising the hard limit without root or past the kernel's ceiling.
 */
static int rlimit_set(struct tgroup *g, unsigned int resource,
		      const struct rlimit64 *new)
{
	struct rlimit *cur = &g->rlim[resource];

	if (new->rlim_cur > new->rlim_max)
		return -EINVAL;
	if (resource == RLIMIT_NOFILE && new->rlim_max > RLIM_NR_OPEN)
		return -EPERM;
	if (new->rlim_max > cur->rlim_max && !capable_root())
		return -EPERM;
	cur->rlim_cur = new->rlim_cur;
	cur->rlim_max = new->rlim_max;
	return 0;
}

SYSCALL2(getrlimit, unsigned int, resource, uaddr_t, urlim)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (copy_to_user(urlim, &current->group->rlim[resource],
			 sizeof(struct rlimit)))
		return -EFAULT;
	return 0;
}

SYSCALL2(setrlimit, unsigned int, resource, uaddr_t, urlim)
{
	struct rlimit r;
	struct rlimit64 r64;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (copy_from_user(&r, urlim, sizeof(r)))
		return -EFAULT;
	r64.rlim_cur = r.rlim_cur;
	r64.rlim_max = r.rlim_max;
	return rlimit_set(current->group, resource, &r64);
}

/*
 * May current read or change t's limits? Yes for its own process, for a
 * process whose ids all match its own, and for root.
 */
static bool prlimit_allowed(const struct task *t)
{
	const struct cred *me = &current->cred, *c = &t->cred;

	if (t->group == current->group || capable_root())
		return true;
	return me->uid == c->uid && me->uid == c->euid && me->uid == c->suid &&
	       me->gid == c->gid && me->gid == c->egid && me->gid == c->sgid;
}

SYSCALL4(prlimit64, int, pid, unsigned int, resource, uaddr_t, unew, uaddr_t,
	 uold)
{
	struct task *t = current;
	struct rlimit64 new, old;
	struct rlimit *cur;

	if (resource >= RLIM_NLIMITS || pid < 0)
		return -EINVAL;
	if (unew && copy_from_user(&new, unew, sizeof(new)))
		return -EFAULT;
	if (pid != 0) {
		t = task_find(pid);
		if (!t)
			return -ESRCH;
	}
	if (!prlimit_allowed(t))
		return -EPERM;
	cur = &t->group->rlim[resource];
	old.rlim_cur = cur->rlim_cur;
	old.rlim_max = cur->rlim_max;
	if (unew) {
		int err = rlimit_set(t->group, resource, &new);

		if (err)
			return err;
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ---- resource usage and process times ---- */

static void rusage_fill(struct rusage *ru, uint64_t utime, uint64_t stime,
			bool with_rss)
{
	kmemset(ru, 0, sizeof(*ru));
	ru->ru_utime = ktime_ns_to_tv(utime);
	ru->ru_stime = ktime_ns_to_tv(stime);
	if (with_rss && current->mm)
		ru->ru_maxrss =
			(long)(current->mm->rss_pages * (PAGE_SIZE / KIB));
}

SYSCALL2(getrusage, int, who, uaddr_t, uru)
{
	struct tgroup *g = current->group;
	struct rusage ru;
	uint64_t ut, st;

	switch (who) {
	case RUSAGE_SELF:
		ktime_group_cputime(g, &ut, &st);
		rusage_fill(&ru, ut, st, true);
		break;
	case RUSAGE_THREAD:
		rusage_fill(&ru, current->utime_ns, current->stime_ns, true);
		break;
	case RUSAGE_CHILDREN:
		rusage_fill(&ru, g->cutime_ns, g->cstime_ns, false);
		break;
	default:
		return -EINVAL;
	}
	if (copy_to_user(uru, &ru, sizeof(ru)))
		return -EFAULT;
	return 0;
}

/* Returns clock ticks since boot; fills ubuf (if set) with CPU times. */
SYSCALL1(times, uaddr_t, ubuf)
{
	struct tgroup *g = current->group;
	struct tms tms;
	uint64_t ut, st;

	if (ubuf) {
		ktime_group_cputime(g, &ut, &st);
		tms.tms_utime = (long)ktime_ns_to_ticks(ut);
		tms.tms_stime = (long)ktime_ns_to_ticks(st);
		tms.tms_cutime = (long)ktime_ns_to_ticks(g->cutime_ns);
		tms.tms_cstime = (long)ktime_ns_to_ticks(g->cstime_ns);
		if (copy_to_user(ubuf, &tms, sizeof(tms)))
			return -EFAULT;
	}
	return (long)ktime_ns_to_ticks(time_uptime_ns());
}

/* ---- prctl ---- */

struct prctl_args {
	unsigned long arg2, arg3, arg4, arg5;
};

static bool prctl_rest_zero(const struct prctl_args *a)
{
	return !a->arg3 && !a->arg4 && !a->arg5;
}

/* Copy at most TASK_COMM_LEN - 1 bytes of the name, silently truncating. */
static long prctl_set_name(const struct prctl_args *a)
{
	char comm[TASK_COMM_LEN];
	size_t i;

	kmemset(comm, 0, sizeof(comm));
	for (i = 0; i < TASK_COMM_LEN - 1; i++) {
		if (copy_from_user(&comm[i], a->arg2 + i, 1))
			return -EFAULT;
		if (!comm[i])
			break;
	}
	kmemcpy(current->comm, comm, sizeof(comm));
	return 0;
}

static long prctl_get_name(const struct prctl_args *a)
{
	if (copy_to_user(a->arg2, current->comm, TASK_COMM_LEN))
		return -EFAULT;
	return 0;
}

/* The parent-death signal is accepted but not delivered. */
static long prctl_set_pdeathsig(const struct prctl_args *a)
{
	if (a->arg2 > NSIG_KERN)
		return -EINVAL;
	return 0;
}

/* Store an int 0 for settings that read back as off. */
static long prctl_get_zero_int(const struct prctl_args *a)
{
	if (put_user((int)0, a->arg2))
		return -EFAULT;
	return 0;
}

static long prctl_get_dumpable(const struct prctl_args *a)
{
	return PRCTL_DUMPABLE;
}

/* Boolean settings that are accepted and not modelled. */
static long prctl_set_bool(const struct prctl_args *a)
{
	return a->arg2 > 1 ? -EINVAL : 0;
}

static long prctl_return_zero(const struct prctl_args *a)
{
	return 0;
}

static long prctl_set_no_new_privs(const struct prctl_args *a)
{
	if (a->arg2 != 1 || !prctl_rest_zero(a))
		return -EINVAL;
	current->no_new_privs = true;
	return 0;
}

static long prctl_get_no_new_privs(const struct prctl_args *a)
{
	if (a->arg2 || !prctl_rest_zero(a))
		return -EINVAL;
	return current->no_new_privs;
}

static long prctl_capbset_read(const struct prctl_args *a)
{
	return a->arg2 > CAP_LAST_CAP ? -EINVAL : 1;
}

static long prctl_capbset_drop(const struct prctl_args *a)
{
	if (a->arg2 > CAP_LAST_CAP)
		return -EINVAL;
	return capable_root() ? 0 : -EPERM;
}

static long prctl_get_timerslack(const struct prctl_args *a)
{
	return PRCTL_TIMERSLACK_NS;
}

/* No ambient capabilities: they can be queried and cleared, not raised. */
static long prctl_cap_ambient(const struct prctl_args *a)
{
	switch (a->arg2) {
	case PR_CAP_AMBIENT_IS_SET:
	case PR_CAP_AMBIENT_LOWER:
		return a->arg3 > CAP_LAST_CAP ? -EINVAL : 0;
	case PR_CAP_AMBIENT_CLEAR_ALL:
		return 0;
	case PR_CAP_AMBIENT_RAISE:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

static long (*const prctl_ops[])(const struct prctl_args *a) = {
	[PR_SET_PDEATHSIG] = prctl_set_pdeathsig,
	[PR_GET_PDEATHSIG] = prctl_get_zero_int,
	[PR_GET_DUMPABLE] = prctl_get_dumpable,
	[PR_SET_DUMPABLE] = prctl_set_bool,
	[PR_GET_KEEPCAPS] = prctl_return_zero,
	[PR_SET_KEEPCAPS] = prctl_set_bool,
	[PR_SET_NAME] = prctl_set_name,
	[PR_GET_NAME] = prctl_get_name,
	[PR_GET_SECCOMP] = prctl_return_zero,
	[PR_CAPBSET_READ] = prctl_capbset_read,
	[PR_CAPBSET_DROP] = prctl_capbset_drop,
	[PR_SET_TIMERSLACK] = prctl_return_zero,
	[PR_GET_TIMERSLACK] = prctl_get_timerslack,
	[PR_SET_CHILD_SUBREAPER] = prctl_return_zero,
	[PR_GET_CHILD_SUBREAPER] = prctl_get_zero_int,
	[PR_SET_NO_NEW_PRIVS] = prctl_set_no_new_privs,
	[PR_GET_NO_NEW_PRIVS] = prctl_get_no_new_privs,
	[PR_CAP_AMBIENT] = prctl_cap_ambient,
};

SYSCALL5(prctl, int, option, unsigned long, arg2, unsigned long, arg3,
	 unsigned long, arg4, unsigned long, arg5)
{
	const struct prctl_args a = { arg2, arg3, arg4, arg5 };

	if (option < 0 || (size_t)option >= ARRAY_SIZE(prctl_ops) ||
	    !prctl_ops[option])
		return -EINVAL;
	return prctl_ops[option](&a);
}

SYSCALL1(personality, unsigned int, persona)
{
	int old = current->personality;

	if (persona != PERSONALITY_QUERY)
		current->personality = (int)persona;
	return old;
}
