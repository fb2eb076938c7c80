/*
 * The top directory of procfs: system-wide files (meminfo, stat, uptime,
 * mounts...), the self and thread-self links, and a directory per
 * process. Layouts follow Linux 6.1.
 */
#include "blkdev.h"
#include "err.h"
#include "klib.h"
#include "loadavg.h"
#include "mm.h"
#include "printk.h"
#include "procfs_internal.h"
#include "sched.h"
#include "timer.h"
#include "utsname.h"

#define KB_PER_PAGE (PAGE_SIZE / 1024)
#define PROC_VMALLOC_TOTAL_KB 34359738367ULL
#define PROC_HUGEPAGE_KB 2048
#define PROC_NSEC_PER_TICK (NSEC_PER_SEC / PROC_HZ)
#define PROC_NR_SOFTIRQS 10

/* ---- links ---- */

static long proc_self_link(const struct proc_node *n, char *buf, size_t size)
{
	char tmp[16];

	if (!current || !current->group || current == sched.idle)
		return -ENOENT;
	ksnprintf(tmp, sizeof(tmp), "%d", current->tgid);
	return proc_link_copy(buf, size, tmp);
}

static long proc_thread_self_link(const struct proc_node *n, char *buf,
				  size_t size)
{
	char tmp[32];

	if (!current || !current->group || current == sched.idle)
		return -ENOENT;
	ksnprintf(tmp, sizeof(tmp), "%d/task/%d", current->tgid, current->pid);
	return proc_link_copy(buf, size, tmp);
}

static long proc_mounts_link(const struct proc_node *n, char *buf, size_t size)
{
	return proc_link_copy(buf, size, "self/mounts");
}

/* ---- memory ---- */

static int proc_meminfo_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t total = phys_total_pages() * KB_PER_PAGE;
	uint64_t free = phys_free_pages() * KB_PER_PAGE;
	static const char *const zero_kb[] = {
		"Cached",	"SwapCached",	  "Active",
		"Inactive",	"Active(anon)",	  "Inactive(anon)",
		"Active(file)", "Inactive(file)", "Unevictable",
		"Mlocked",	"SwapTotal",	  "SwapFree",
		"Zswap",	"Zswapped",
	};
	static const char *const zero_kb2[] = {
		"Writeback",	"AnonPages",  "Mapped",	      "Shmem",
		"KReclaimable", "Slab",	      "SReclaimable", "SUnreclaim",
		"KernelStack",	"PageTables", "NFS_Unstable", "Bounce",
		"WritebackTmp",
	};
	static const char *const zero_vmalloc_kb[] = {
		"VmallocUsed",
		"VmallocChunk",
		"Percpu",
	};
	static const char *const zero_tail_kb[] = {
		"AnonHugePages", "ShmemHugePages", "ShmemPmdMapped",
		"FileHugePages", "FilePmdMapped",
	};
	static const char *const hugepages[] = {
		"HugePages_Total",
		"HugePages_Free",
		"HugePages_Rsvd",
		"HugePages_Surp",
	};
	uint64_t committed = 0, cached, dirty;
	struct task *t;

	bcache_stats(&cached, &dirty);

	for_each_task(t) if (task_leader(t) == t && t->mm)
		committed += t->mm->total_vm_pages * KB_PER_PAGE;
	proc_fmt_meminfo(b, "MemTotal", total, true);
	proc_fmt_meminfo(b, "MemFree", free, true);
	/* The block cache gives back its clean pages on demand. */
	proc_fmt_meminfo(b, "MemAvailable",
			 free + (cached - dirty) * KB_PER_PAGE, true);
	proc_fmt_meminfo(b, "Buffers", cached * KB_PER_PAGE, true);
	for (size_t i = 0; i < ARRAY_SIZE(zero_kb); i++)
		proc_fmt_meminfo(b, zero_kb[i], 0, true);
	proc_fmt_meminfo(b, "Dirty", dirty * KB_PER_PAGE, true);
	for (size_t i = 0; i < ARRAY_SIZE(zero_kb2); i++)
		proc_fmt_meminfo(b, zero_kb2[i], 0, true);
	proc_fmt_meminfo(b, "CommitLimit", total / 2, true);
	proc_fmt_meminfo(b, "Committed_AS", committed, true);
	proc_fmt_meminfo(b, "VmallocTotal", PROC_VMALLOC_TOTAL_KB, true);
	for (size_t i = 0; i < ARRAY_SIZE(zero_vmalloc_kb); i++)
		proc_fmt_meminfo(b, zero_vmalloc_kb[i], 0, true);
	/* Linux prints this one with its own, narrower layout. */
	pbuf_puts(b, "HardwareCorrupted:     0 kB\n");
	for (size_t i = 0; i < ARRAY_SIZE(zero_tail_kb); i++)
		proc_fmt_meminfo(b, zero_tail_kb[i], 0, true);
	for (size_t i = 0; i < ARRAY_SIZE(hugepages); i++)
		proc_fmt_meminfo(b, hugepages[i], 0, false);
	proc_fmt_meminfo(b, "Hugepagesize", PROC_HUGEPAGE_KB, true);
	proc_fmt_meminfo(b, "Hugetlb", 0, true);
	proc_fmt_meminfo(b, "DirectMap4k", total, true);
	proc_fmt_meminfo(b, "DirectMap2M", 0, true);
	proc_fmt_meminfo(b, "DirectMap1G", 0, true);
	return 0;
}

/* ---- time and scheduling ---- */

/* CPU time used by every process so far, in ns. */
static void proc_cpu_times(uint64_t *user, uint64_t *sys)
{
	struct task *t;

	*user = *sys = 0;
	for_each_task(t)
	{
		*user += t->utime_ns;
		*sys += t->stime_ns;
		if (task_leader(t) == t && t->group) {
			*user += t->group->utime_ns + t->group->cutime_ns;
			*sys += t->group->stime_ns + t->group->cstime_ns;
		}
	}
}

/* Idle time: what of the uptime no process used. */
static uint64_t proc_idle_ns(uint64_t uptime, uint64_t user, uint64_t sys)
{
	return uptime > user + sys ? uptime - user - sys : 0;
}

static int proc_uptime_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t up = time_uptime_ns(), user, sys, idle;
	uint64_t cs = NSEC_PER_SEC / 100;

	proc_cpu_times(&user, &sys);
	idle = proc_idle_ns(up, user, sys);
	pbuf_printf(b, "%llu.%02llu %llu.%02llu\n",
		    (unsigned long long)(up / NSEC_PER_SEC),
		    (unsigned long long)(up % NSEC_PER_SEC / cs),
		    (unsigned long long)(idle / NSEC_PER_SEC),
		    (unsigned long long)(idle % NSEC_PER_SEC / cs));
	return 0;
}

/* Threads that are runnable, blocked in D state, and in total. */
static void proc_count_tasks(int *running, int *blocked, int *total)
{
	struct task *t;

	*running = *blocked = *total = 0;
	for_each_task(t)
	{
		if (t->state == TASK_DEAD || t->state == TASK_ZOMBIE)
			continue;
		(*total)++;
		if (t->state == TASK_RUNNING)
			(*running)++;
		else if (t->state == TASK_UNINTERRUPTIBLE)
			(*blocked)++;
	}
}

/* Linux's format: the averages rounded to hundredths, then task counts. */
static int proc_loadavg_show(const struct proc_node *n, struct proc_buf *b)
{
	int running, blocked, total;
	unsigned long avg[3];

	loadavg_update(time_mono_ns());
	loadavg_read(avg, LOADAVG_FIXED_1 / 200, 0);
	proc_count_tasks(&running, &blocked, &total);
	pbuf_printf(b, "%lu.%02lu %lu.%02lu %lu.%02lu %d/%d %d\n",
		    LOADAVG_INT(avg[0]), LOADAVG_FRAC(avg[0]),
		    LOADAVG_INT(avg[1]), LOADAVG_FRAC(avg[1]),
		    LOADAVG_INT(avg[2]), LOADAVG_FRAC(avg[2]), MAX(running, 1),
		    total, sched.next_pid > 1 ? sched.next_pid - 1 : 0);
	return 0;
}

static void proc_stat_cpu_line(struct proc_buf *b, const char *name,
			       uint64_t user, uint64_t sys, uint64_t idle)
{
	pbuf_printf(b, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", name,
		    (unsigned long long)(user / PROC_NSEC_PER_TICK),
		    (unsigned long long)(sys / PROC_NSEC_PER_TICK),
		    (unsigned long long)(idle / PROC_NSEC_PER_TICK));
}

static int proc_stat_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t up = time_uptime_ns(), user, sys, idle;
	int running, blocked, total;

	proc_cpu_times(&user, &sys);
	idle = proc_idle_ns(up, user, sys);
	proc_count_tasks(&running, &blocked, &total);
	proc_stat_cpu_line(b, "cpu ", user, sys, idle);
	proc_stat_cpu_line(b, "cpu0", user, sys, idle);
	pbuf_puts(b, "intr 0\n");
	pbuf_printf(b, "ctxt %llu\n",
		    (unsigned long long)sched.context_switches);
	pbuf_printf(b, "btime %llu\n",
		    (unsigned long long)((time_real_ns() - up) / NSEC_PER_SEC));
	pbuf_printf(b, "processes %llu\n", (unsigned long long)sched.forks);
	pbuf_printf(b, "procs_running %d\n", MAX(running, 1));
	pbuf_printf(b, "procs_blocked %d\n", blocked);
	pbuf_puts(b, "softirq 0");
	for (int i = 0; i < PROC_NR_SOFTIRQS; i++)
		pbuf_puts(b, " 0");
	pbuf_putc(b, '\n');
	return 0;
}

/* ---- identity and configuration ---- */

static int proc_version_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%s version %s (um@localhost) (gcc) %s\n",
		    uts.name.sysname, uts.name.release, uts.name.version);
	return 0;
}

static int proc_cmdline_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, procfs.cmdline ? procfs.cmdline : "");
	pbuf_putc(b, '\n');
	return 0;
}

static int proc_cpuinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "processor\t: 0\n"
		     "vendor_id\t: GenuineIntel\n"
		     "cpu family\t: 6\n"
		     "model\t\t: 85\n"
		     "model name\t: UML virtual x86_64 CPU\n"
		     "stepping\t: 7\n"
		     "microcode\t: 0x1\n"
		     "cpu MHz\t\t: 2000.000\n"
		     "cache size\t: 16384 KB\n"
		     "physical id\t: 0\n"
		     "siblings\t: 1\n"
		     "core id\t\t: 0\n"
		     "cpu cores\t: 1\n"
		     "apicid\t\t: 0\n"
		     "initial apicid\t: 0\n"
		     "fpu\t\t: yes\n"
		     "fpu_exception\t: yes\n"
		     "cpuid level\t: 13\n"
		     "wp\t\t: yes\n"
		     "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep "
		     "mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 "
		     "syscall nx lm constant_tsc rep_good nopl pni ssse3 cx16 "
		     "sse4_1 sse4_2 popcnt hypervisor lahf_lm\n"
		     "bugs\t\t:\n"
		     "bogomips\t: 4000.00\n"
		     "clflush size\t: 64\n"
		     "cache_alignment\t: 64\n"
		     "address sizes\t: 46 bits physical, 48 bits virtual\n"
		     "power management:\n"
		     "\n");
	return 0;
}

static int proc_filesystems_show(const struct proc_node *n, struct proc_buf *b)
{
	for (const struct fs_type *t = fs_type_next(NULL); t;
	     t = fs_type_next(t))
		pbuf_printf(b, "%s\t%s\n", t->nodev ? "nodev" : "", t->name);
	return 0;
}

static int proc_devices_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "Character devices:\n"
		     "  1 mem\n"
		     "  4 /dev/vc/0\n"
		     "  4 tty\n"
		     "  5 /dev/tty\n"
		     "  5 /dev/console\n"
		     "  5 /dev/ptmx\n"
		     "136 pts\n"
		     "\n"
		     "Block devices:\n");
	if (blkdev_next(NULL))
		pbuf_puts(b, " 98 ubd\n");
	return 0;
}

static int proc_partitions_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "major minor  #blocks  name\n\n");
	for (struct block_device *bd = blkdev_next(NULL); bd;
	     bd = blkdev_next(bd))
		pbuf_printf(b, "%4u  %7u %10llu %s\n", MAJOR(bd->dev),
			    MINOR(bd->dev),
			    (unsigned long long)(bd->size >> 10), bd->name);
	return 0;
}

static int proc_swaps_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	return 0;
}

static int proc_interrupts_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "           CPU0       \n"
		     "  0:          0        UML  timer\n");
	return 0;
}

/* Linux acts on the first key written; so do we. */
static long proc_sysrq_write(const struct proc_node *n, const char *buf,
			     size_t len)
{
	if (len == 0)
		return 0;
	if (procfs.sysrq)
		procfs.sysrq(buf[0]);
	else
		printk(KERN_INFO "sysrq: key '%c' (no handler)\n", buf[0]);
	return (long)len;
}

/* /proc/mconsole: only with mconsole's notify socket configured. */
static bool proc_mconsole_present(void)
{
	return procfs.mconsole != NULL;
}

static long proc_mconsole_write(const struct proc_node *n, const char *buf,
				size_t len)
{
	return procfs.mconsole ? procfs.mconsole(buf, len) : -ENOENT;
}

static const struct proc_entry proc_root_children[] = {
	PROC_REG("cmdline", 0444, proc_cmdline_show),
	PROC_REG("cpuinfo", 0444, proc_cpuinfo_show),
	PROC_REG("devices", 0444, proc_devices_show),
	PROC_REG("filesystems", 0444, proc_filesystems_show),
	PROC_REG("interrupts", 0444, proc_interrupts_show),
	PROC_REG("loadavg", 0444, proc_loadavg_show),
	{ .name = "mconsole",
	  .mode = S_IFREG | 0200,
	  .write = proc_mconsole_write,
	  .present = proc_mconsole_present },
	PROC_REG("meminfo", 0444, proc_meminfo_show),
	PROC_LNK("mounts", proc_mounts_link),
	PROC_REG("partitions", 0444, proc_partitions_show),
	PROC_LNK("self", proc_self_link),
	PROC_REG("stat", 0444, proc_stat_show),
	PROC_REG("swaps", 0444, proc_swaps_show),
	PROC_DIR("sys", 0555, &proc_sys_table, NULL),
	PROC_RW("sysrq-trigger", 0200, NULL, proc_sysrq_write),
	PROC_LNK("thread-self", proc_thread_self_link),
	PROC_REG("uptime", 0444, proc_uptime_show),
	PROC_REG("version", 0444, proc_version_show),
};

static const struct proc_table proc_root_table = PROC_TABLE(proc_root_children);

const struct proc_entry proc_root_entry =
	PROC_DIR("/", 0555, &proc_root_table, &proc_pid_dyn_ops);
