/*
 * procfs text buffers and the pure formatters of its files.
 *
 * A proc_buf grows as text is appended, up to PROC_BUF_MAX; past that (or
 * when memory runs out) it keeps what fits and sets overflow, so a
 * generator never fails half way and never writes out of bounds. The
 * formatters reproduce Linux's layouts byte for byte; smaps' page
 * accounting (proc_mem_account) splits shared pages as Linux does.
 */
#include <asm/resource.h>
#include <linux/auxvec.h>

#include "klib.h"
#include "mm.h"
#include "procfs_internal.h"
#include "sched.h"

#define PROC_BUF_START 1024
#define MAPS_NAME_COLUMN 73
#define MEMINFO_NAME_WIDTH 16

void pbuf_init(struct proc_buf *b)
{
	*b = (struct proc_buf){ 0 };
}

void pbuf_free(struct proc_buf *b)
{
	kfree(b->data);
	pbuf_init(b);
}

/* Make room for need more bytes plus a NUL; false (overflow) if we can't. */
static bool pbuf_reserve(struct proc_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : PROC_BUF_START;
	char *data;

	if (b->overflow)
		return false;
	if (need < PROC_BUF_MAX && b->len + need < b->cap)
		return true;
	if (need >= PROC_BUF_MAX || b->len + need >= PROC_BUF_MAX) {
		b->overflow = true;
		return false;
	}
	while (cap <= b->len + need)
		cap *= 2;
	data = krealloc(b->data, cap);
	if (!data) {
		b->overflow = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void pbuf_write(struct proc_buf *b, const void *data, size_t n)
{
	if (!pbuf_reserve(b, n))
		return;
	kmemcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void pbuf_puts(struct proc_buf *b, const char *s)
{
	pbuf_write(b, s, kstrlen(s));
}

void pbuf_putc(struct proc_buf *b, char c)
{
	pbuf_write(b, &c, 1);
}

void pbuf_printf(struct proc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !pbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	kvsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pbuf_pad(struct proc_buf *b, size_t col)
{
	size_t start = b->len;

	while (start > 0 && b->data[start - 1] != '\n')
		start--;
	while (b->len - start < col && !b->overflow)
		pbuf_putc(b, ' ');
}

void pbuf_mangle(struct proc_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			pbuf_printf(b, "\\%03o", (unsigned char)*s);
		else
			pbuf_putc(b, *s);
	}
}

/*
 * Linux pads the header to 72 columns (25 + 6 * sizeof(void *) - 1) and
 * then writes one more space, so names start in column 73; a line with
 * no name keeps the header's trailing space.
 */
void proc_fmt_maps_line(struct proc_buf *b, const struct proc_maps_line *l)
{
	pbuf_printf(b, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		    (unsigned long long)l->start, (unsigned long long)l->end,
		    (l->flags & VM_READ) ? 'r' : '-',
		    (l->flags & VM_WRITE) ? 'w' : '-',
		    (l->flags & VM_EXEC) ? 'x' : '-',
		    (l->flags & VM_SHARED) ? 's' : 'p',
		    (unsigned long long)l->offset, l->major, l->minor,
		    (unsigned long long)l->ino);
	if (l->name) {
		pbuf_pad(b, MAPS_NAME_COLUMN - 1);
		pbuf_putc(b, ' ');
		pbuf_puts(b, l->name);
	}
	pbuf_putc(b, '\n');
}

void proc_fmt_stat(struct proc_buf *b, const struct proc_stat_fields *s)
{
	pbuf_printf(b, "%d (%s) %c %d %d %d %d %d %llu %llu %llu %llu %llu ",
		    s->pid, s->comm, s->state, s->ppid, s->pgrp, s->session,
		    s->tty_nr, s->tpgid, (unsigned long long)s->flags,
		    (unsigned long long)s->minflt,
		    (unsigned long long)s->cminflt,
		    (unsigned long long)s->majflt,
		    (unsigned long long)s->cmajflt);
	pbuf_printf(b, "%llu %llu %lld %lld %lld %lld %lld %llu %llu %llu ",
		    (unsigned long long)s->utime, (unsigned long long)s->stime,
		    (long long)s->cutime, (long long)s->cstime,
		    (long long)s->priority, (long long)s->nice,
		    (long long)s->num_threads,
		    (unsigned long long)s->itrealvalue,
		    (unsigned long long)s->starttime,
		    (unsigned long long)s->vsize);
	pbuf_printf(b, "%llu %llu %llu %llu %llu %llu %llu ",
		    (unsigned long long)s->rss, (unsigned long long)s->rsslim,
		    (unsigned long long)s->startcode,
		    (unsigned long long)s->endcode,
		    (unsigned long long)s->startstack,
		    (unsigned long long)s->kstkesp,
		    (unsigned long long)s->kstkeip);
	pbuf_printf(b, "%llu %llu %llu %llu %llu %llu %llu %d %d %llu %llu ",
		    (unsigned long long)s->signal,
		    (unsigned long long)s->blocked,
		    (unsigned long long)s->sigignore,
		    (unsigned long long)s->sigcatch,
		    (unsigned long long)s->wchan, (unsigned long long)s->nswap,
		    (unsigned long long)s->cnswap, s->exit_signal, s->processor,
		    (unsigned long long)s->rt_priority,
		    (unsigned long long)s->policy);
	pbuf_printf(b, "%llu %llu %lld %llu %llu %llu %llu %llu %llu %llu %d\n",
		    (unsigned long long)s->blkio_ticks,
		    (unsigned long long)s->guest_time,
		    (long long)s->cguest_time,
		    (unsigned long long)s->start_data,
		    (unsigned long long)s->end_data,
		    (unsigned long long)s->start_brk,
		    (unsigned long long)s->arg_start,
		    (unsigned long long)s->arg_end,
		    (unsigned long long)s->env_start,
		    (unsigned long long)s->env_end, s->exit_code);
}

struct proc_limit_name {
	const char *name;
	const char *unit;
};

/* Indexed by RLIMIT_*. */
static const struct proc_limit_name proc_limit_names[] = {
	[RLIMIT_CPU] = { "Max cpu time", "seconds" },
	[RLIMIT_FSIZE] = { "Max file size", "bytes" },
	[RLIMIT_DATA] = { "Max data size", "bytes" },
	[RLIMIT_STACK] = { "Max stack size", "bytes" },
	[RLIMIT_CORE] = { "Max core file size", "bytes" },
	[RLIMIT_RSS] = { "Max resident set", "bytes" },
	[RLIMIT_NPROC] = { "Max processes", "processes" },
	[RLIMIT_NOFILE] = { "Max open files", "files" },
	[RLIMIT_MEMLOCK] = { "Max locked memory", "bytes" },
	[RLIMIT_AS] = { "Max address space", "bytes" },
	[RLIMIT_LOCKS] = { "Max file locks", "locks" },
	[RLIMIT_SIGPENDING] = { "Max pending signals", "signals" },
	[RLIMIT_MSGQUEUE] = { "Max msgqueue size", "bytes" },
	[RLIMIT_NICE] = { "Max nice priority", NULL },
	[RLIMIT_RTPRIO] = { "Max realtime priority", NULL },
	[RLIMIT_RTTIME] = { "Max realtime timeout", "us" },
};

static void proc_fmt_limit_value(struct proc_buf *b, uint64_t v)
{
	if (v == (uint64_t)RLIM_INFINITY)
		pbuf_printf(b, "%-20s ", "unlimited");
	else
		pbuf_printf(b, "%-20llu ", (unsigned long long)v);
}

void proc_fmt_limits(struct proc_buf *b, const uint64_t *cur,
		     const uint64_t *max, size_t n)
{
	pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		    "Hard Limit", "Units");
	for (size_t i = 0; i < n && i < ARRAY_SIZE(proc_limit_names); i++) {
		const struct proc_limit_name *l = &proc_limit_names[i];

		pbuf_printf(b, "%-25s ", l->name);
		proc_fmt_limit_value(b, cur[i]);
		proc_fmt_limit_value(b, max[i]);
		if (l->unit)
			pbuf_printf(b, "%-10s\n", l->unit);
		else
			pbuf_putc(b, '\n');
	}
}

void proc_fmt_meminfo(struct proc_buf *b, const char *name, uint64_t value,
		      bool kb)
{
	size_t len = kstrlen(name);

	pbuf_puts(b, name);
	pbuf_putc(b, ':');
	while (++len < MEMINFO_NAME_WIDTH)
		pbuf_putc(b, ' ');
	pbuf_printf(b, "%8llu%s\n", (unsigned long long)value, kb ? " kB" : "");
}

void proc_mem_account(struct proc_mem_usage *u, enum proc_page_kind kind,
		      unsigned int mapcount, bool dirty)
{
	uint64_t pss = PAGE_SIZE << PROC_PSS_SHIFT;
	bool private = mapcount < 2;

	if (!private)
		pss /= mapcount;
	u->resident += PAGE_SIZE;
	u->pss += pss;
	switch (kind) {
	case PROC_PAGE_ANON:
		u->pss_anon += pss;
		u->anonymous += PAGE_SIZE;
		break;
	case PROC_PAGE_FILE:
		u->pss_file += pss;
		u->file += PAGE_SIZE;
		break;
	case PROC_PAGE_SHMEM:
		u->pss_shmem += pss;
		u->shmem += PAGE_SIZE;
		break;
	}
	if (dirty) {
		u->pss_dirty += pss;
		if (private)
			u->private_dirty += PAGE_SIZE;
		else
			u->shared_dirty += PAGE_SIZE;
	} else if (private) {
		u->private_clean += PAGE_SIZE;
	} else {
		u->shared_clean += PAGE_SIZE;
	}
}

static void proc_fmt_kb(struct proc_buf *b, const char *name, uint64_t bytes)
{
	proc_fmt_meminfo(b, name, bytes >> 10, true);
}

static void proc_fmt_pss_kb(struct proc_buf *b, const char *name,
			    uint64_t scaled)
{
	proc_fmt_kb(b, name, scaled >> PROC_PSS_SHIFT);
}

/*
 * Rss, Pss, Shared and Private are what we count; Referenced is every
 * resident page (there are no accessed bits to clear), and there is no
 * KSM, lazy free, huge page, swap or mlock to report.
 */
void proc_fmt_smaps_usage(struct proc_buf *b, const struct proc_mem_usage *u,
			  bool rollup)
{
	static const char *const zero[] = {
		"KSM",
		"LazyFree",
		"AnonHugePages",
		"ShmemPmdMapped",
		"FilePmdMapped",
		"Shared_Hugetlb",
		"Private_Hugetlb",
		"Swap",
		"SwapPss",
		"Locked",
	};

	proc_fmt_kb(b, "Rss", u->resident);
	proc_fmt_pss_kb(b, "Pss", u->pss);
	proc_fmt_pss_kb(b, "Pss_Dirty", u->pss_dirty);
	if (rollup) {
		proc_fmt_pss_kb(b, "Pss_Anon", u->pss_anon);
		proc_fmt_pss_kb(b, "Pss_File", u->pss_file);
		proc_fmt_pss_kb(b, "Pss_Shmem", u->pss_shmem);
	}
	proc_fmt_kb(b, "Shared_Clean", u->shared_clean);
	proc_fmt_kb(b, "Shared_Dirty", u->shared_dirty);
	proc_fmt_kb(b, "Private_Clean", u->private_clean);
	proc_fmt_kb(b, "Private_Dirty", u->private_dirty);
	proc_fmt_kb(b, "Referenced", u->resident);
	proc_fmt_kb(b, "Anonymous", u->anonymous);
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		proc_fmt_kb(b, zero[i], 0);
}

static const char *const proc_vmflag_names[PROC_VMF_COUNT] = {
	[PROC_VMF_RD] = "rd", [PROC_VMF_WR] = "wr", [PROC_VMF_EX] = "ex",
	[PROC_VMF_SH] = "sh", [PROC_VMF_MR] = "mr", [PROC_VMF_MW] = "mw",
	[PROC_VMF_ME] = "me", [PROC_VMF_MS] = "ms", [PROC_VMF_GD] = "gd",
	[PROC_VMF_DC] = "dc", [PROC_VMF_DE] = "de", [PROC_VMF_AC] = "ac",
};

void proc_fmt_smaps_vma(struct proc_buf *b, uint64_t size,
			const struct proc_mem_usage *u, unsigned int vmflags)
{
	proc_fmt_kb(b, "Size", size);
	proc_fmt_kb(b, "KernelPageSize", PAGE_SIZE);
	proc_fmt_kb(b, "MMUPageSize", PAGE_SIZE);
	proc_fmt_smaps_usage(b, u, false);
	pbuf_puts(b, "THPeligible:    0\nVmFlags: ");
	for (unsigned int i = 0; i < PROC_VMF_COUNT; i++)
		if (vmflags & (1U << i))
			pbuf_printf(b, "%s ", proc_vmflag_names[i]);
	pbuf_putc(b, '\n');
}

size_t proc_auxv_words(const uint64_t *auxv, size_t words)
{
	size_t i;

	for (i = 0; i + 1 < words; i += 2)
		if (auxv[i] == AT_NULL)
			return i + 2;
	return i;
}

char proc_state_char(int state)
{
	switch (state) {
	case TASK_RUNNING:
		return 'R';
	case TASK_INTERRUPTIBLE:
		return 'S';
	case TASK_UNINTERRUPTIBLE:
		return 'D';
	case TASK_STOPPED:
		return 'T';
	case TASK_ZOMBIE:
		return 'Z';
	default:
		return 'X';
	}
}

const char *proc_state_name(int state)
{
	switch (state) {
	case TASK_RUNNING:
		return "R (running)";
	case TASK_INTERRUPTIBLE:
		return "S (sleeping)";
	case TASK_UNINTERRUPTIBLE:
		return "D (disk sleep)";
	case TASK_STOPPED:
		return "T (stopped)";
	case TASK_ZOMBIE:
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}
