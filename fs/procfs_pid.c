/*
 * /proc/PID and /proc/PID/task/TID: what a process and its threads look
 * like, in Linux 6.1's formats. Every generator re-finds its task (the
 * caller checked it exists) and tolerates the parts a zombie has already
 * released (mm, files, fs, sighand are NULL then). Links, environ, auxv
 * and smaps are reserved to the task's owner and root, like ptrace access
 * in Linux.
 *
 * Memory usage (smaps, smaps_rollup, statm, the Rss lines of status) comes
 * from walking the page tables. Whether a page is shared is how many page
 * tables of live address spaces map it (counted afresh for each read),
 * and a page of a file mapping is the file's own cached page when
 * something besides those page tables (the page cache) holds a reference
 * to it; otherwise it is a private copy, anonymous memory as in Linux.
 */
#include <asm/resource.h>
#include <linux/magic.h>

#include "err.h"
#include "klib.h"
#include "ktime.h"
#include "mm.h"
#include "procfs_internal.h"
#include "sched.h"
#include "timer.h"
#include "tty.h"

#define PROC_SIG_DFL 0
#define PROC_SIG_IGN 1
#define PROC_PF_RANDOMIZE 0x00400000ULL
#define PROC_DEFAULT_PRIORITY 20
#define PROC_STAT_SIG_MASK 0x7fffffffULL
#define PROC_CAP_FULL 0x000001ffffffffffULL
#define PROC_MNT_ID_BASE 21
#define PROC_OOM_SCORE_ADJ_MIN (-1000)
#define PROC_OOM_SCORE_ADJ_MAX 1000
#define PROC_NSEC_PER_TICK (NSEC_PER_SEC / PROC_HZ)
#define PROC_MOUNT_OPTS_MAX 256
#define KB_PER_PAGE (PAGE_SIZE / 1024)

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / PROC_NSEC_PER_TICK;
}

/* The live task a node is about; the caller has checked it exists. */
static struct task *task_of(const struct proc_node *n)
{
	return proc_node_task(n);
}

/* May current look at t's private details (links, environ)? */
static bool proc_may_access(const struct task *t)
{
	return current->cred.euid == 0 || current->cred.euid == t->cred.euid;
}

static struct task *proc_parent(struct task *t)
{
	struct task *leader = t->group ? task_leader(t) : t;

	return leader->parent;
}

/* ---- dynamic directories: pids, tids, fds ---- */

static bool proc_task_visible(const struct task *t)
{
	return t->pid > 0 && t->group && t->state != TASK_DEAD;
}

static bool proc_pid_lookup(const struct proc_node *dir, const char *name,
			    size_t len, struct proc_node *child)
{
	long pid = proc_parse_num(name, len, PROC_PID_MAX);
	struct task *t = pid > 0 ? task_find((int)pid) : NULL;

	if (!t || !proc_task_visible(t))
		return false;
	proc_node_for_task(child, t, &proc_pid_entry);
	return true;
}

/*
 * The visible task with the smallest pid >= key that is a group leader
 * (leaders) or a thread of process tgid.
 */
static struct task *proc_next_task(uint64_t key, bool leaders, int tgid)
{
	struct task *t, *best = NULL;

	for_each_task(t)
	{
		if (!proc_task_visible(t) || (uint64_t)t->pid < key)
			continue;
		if (leaders ? task_leader(t) != t : t->tgid != tgid)
			continue;
		if (!best || t->pid < best->pid)
			best = t;
	}
	return best;
}

static int64_t proc_pid_next(const struct proc_node *dir, uint64_t key,
			     struct proc_node *child, char *name, size_t size)
{
	struct task *t = proc_next_task(key, true, 0);

	if (!t)
		return -1;
	proc_node_for_task(child, t, &proc_pid_entry);
	ksnprintf(name, size, "%d", t->pid);
	return t->pid;
}

const struct proc_dyn_ops proc_pid_dyn_ops = {
	.lookup = proc_pid_lookup,
	.next = proc_pid_next,
};

static bool proc_tid_lookup(const struct proc_node *dir, const char *name,
			    size_t len, struct proc_node *child)
{
	long tid = proc_parse_num(name, len, PROC_PID_MAX);
	struct task *t = tid > 0 ? task_find((int)tid) : NULL;

	if (!t || !proc_task_visible(t) || t->tgid != dir->pid)
		return false;
	proc_node_for_task(child, t, &proc_tid_entry);
	child->thread = true;
	return true;
}

static int64_t proc_tid_next(const struct proc_node *dir, uint64_t key,
			     struct proc_node *child, char *name, size_t size)
{
	struct task *t = proc_next_task(key, false, dir->pid);

	if (!t)
		return -1;
	proc_node_for_task(child, t, &proc_tid_entry);
	child->thread = true;
	ksnprintf(name, size, "%d", t->pid);
	return t->pid;
}

static const struct proc_dyn_ops proc_tid_dyn_ops = {
	.lookup = proc_tid_lookup,
	.next = proc_tid_next,
};

static long proc_fd_link(const struct proc_node *n, char *buf, size_t size);
static int proc_fdinfo_show(const struct proc_node *n, struct proc_buf *b);

static const struct proc_entry proc_fd_link_entry =
	PROC_LNK("fd", proc_fd_link);
static const struct proc_entry proc_fdinfo_file_entry =
	PROC_REG("fdinfo", 0444, proc_fdinfo_show);

/* The file at fd of n's task, or NULL. */
static struct file *proc_node_file(const struct proc_node *n, int fd)
{
	struct task *t = task_of(n);

	return t ? files_lookup(t->files, fd) : NULL;
}

/* A child node for fd of dir's task: a link (fd/) or a file (fdinfo/). */
static void proc_fd_child(const struct proc_node *dir, int fd, struct file *f,
			  bool link, struct proc_node *child)
{
	*child = *dir;
	child->fd = fd;
	if (link) {
		child->entry = &proc_fd_link_entry;
		child->mode = S_IFLNK | ((f->mode & FMODE_READ) ? 0500 : 0) |
			      ((f->mode & FMODE_WRITE) ? 0200 : 0);
		if (!(child->mode & 0777))
			child->mode |= 0500;
	} else {
		child->entry = &proc_fdinfo_file_entry;
		child->mode = 0;
	}
}

static bool proc_fd_lookup_as(const struct proc_node *dir, const char *name,
			      size_t len, struct proc_node *child, bool link)
{
	long fd = proc_parse_num(name, len, INT32_MAX);
	struct file *f = fd >= 0 ? proc_node_file(dir, (int)fd) : NULL;

	if (!f)
		return false;
	proc_fd_child(dir, (int)fd, f, link, child);
	return true;
}

static int64_t proc_fd_next_as(const struct proc_node *dir, uint64_t key,
			       struct proc_node *child, char *name, size_t size,
			       bool link)
{
	struct task *t = task_of(dir);
	int max = t ? files_max_fd(t->files) : 0;

	for (uint64_t fd = key; fd < (uint64_t)max; fd++) {
		struct file *f = files_lookup(t->files, (int)fd);

		if (!f)
			continue;
		proc_fd_child(dir, (int)fd, f, link, child);
		ksnprintf(name, size, "%d", (int)fd);
		return (int64_t)fd;
	}
	return -1;
}

static bool proc_fd_lookup(const struct proc_node *dir, const char *name,
			   size_t len, struct proc_node *child)
{
	return proc_fd_lookup_as(dir, name, len, child, true);
}

static int64_t proc_fd_next(const struct proc_node *dir, uint64_t key,
			    struct proc_node *child, char *name, size_t size)
{
	return proc_fd_next_as(dir, key, child, name, size, true);
}

static const struct proc_dyn_ops proc_fd_dyn_ops = {
	.lookup = proc_fd_lookup,
	.next = proc_fd_next,
};

static bool proc_fdinfo_lookup(const struct proc_node *dir, const char *name,
			       size_t len, struct proc_node *child)
{
	return proc_fd_lookup_as(dir, name, len, child, false);
}

static int64_t proc_fdinfo_next(const struct proc_node *dir, uint64_t key,
				struct proc_node *child, char *name,
				size_t size)
{
	return proc_fd_next_as(dir, key, child, name, size, false);
}

static const struct proc_dyn_ops proc_fdinfo_dyn_ops = {
	.lookup = proc_fdinfo_lookup,
	.next = proc_fdinfo_next,
};

/* ---- links ---- */

static long proc_path_link(struct mount *mnt, struct dentry *d, char *buf,
			   size_t size)
{
	char *scratch = kmalloc(PROC_PATH_MAX);
	char *path;
	long ret;

	if (!scratch)
		return -ENOMEM;
	path = dentry_path(mnt, d, scratch, PROC_PATH_MAX);
	ret = IS_ERR(path) ? PTR_ERR(path) : proc_link_copy(buf, size, path);
	kfree(scratch);
	return ret;
}

static long proc_fd_link(const struct proc_node *n, char *buf, size_t size)
{
	struct task *t = task_of(n);
	struct file *f = proc_node_file(n, n->fd);
	char *scratch, *path;
	long ret;

	if (!t || !f)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	scratch = kmalloc(PROC_PATH_MAX);
	if (!scratch)
		return -ENOMEM;
	path = file_path(f, scratch, PROC_PATH_MAX);
	ret = IS_ERR(path) ? PTR_ERR(path) : proc_link_copy(buf, size, path);
	kfree(scratch);
	return ret;
}

static long proc_exe_link(const struct proc_node *n, char *buf, size_t size)
{
	struct task *t = task_of(n);

	if (!t || !t->mm || !t->exe_path)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	return proc_link_copy(buf, size, t->exe_path);
}

static long proc_cwd_link(const struct proc_node *n, char *buf, size_t size)
{
	struct task *t = task_of(n);

	if (!t || !t->fs)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	return proc_path_link(t->fs->cwd.mnt, t->fs->cwd.dentry, buf, size);
}

static long proc_root_link(const struct proc_node *n, char *buf, size_t size)
{
	struct task *t = task_of(n);

	if (!t || !t->fs)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	return proc_path_link(t->fs->root.mnt, t->fs->root.dentry, buf, size);
}

/* ---- memory: maps, smaps, statm, cmdline, environ, auxv ---- */

/* Whether maps shows v: the stub's own areas are hidden. */
static bool proc_vma_shown(const struct vma *v)
{
	return !(v->flags & VM_SPECIAL) || v->name;
}

/* The maps line of v; a file's path is put in scratch (PROC_PATH_MAX). */
static void proc_vma_line(const struct vma *v, char *scratch,
			  struct proc_maps_line *l)
{
	*l = (struct proc_maps_line){
		.start = v->start,
		.end = v->end,
		.flags = v->flags,
		.name = v->name,
	};
	if (v->file) {
		struct inode *inode = v->file->inode;
		char *path = file_path(v->file, scratch, PROC_PATH_MAX);

		l->offset = v->pgoff << PAGE_SHIFT;
		if (inode) {
			l->major = MAJOR(inode->sb->dev);
			l->minor = MINOR(inode->sb->dev);
			l->ino = inode->ino;
		}
		l->name = IS_ERR(path) ? NULL : path;
	}
}

static int proc_maps_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct proc_maps_line l;
	char *scratch;
	struct vma *v;

	if (!t)
		return -ESRCH;
	if (!t->mm)
		return 0;
	scratch = kmalloc(PROC_PATH_MAX);
	if (!scratch)
		return -ENOMEM;
	list_for_each_entry(v, &t->mm->vmas, link) {
		if (!proc_vma_shown(v))
			continue;
		proc_vma_line(v, scratch, &l);
		proc_fmt_maps_line(b, &l);
	}
	kfree(scratch);
	return 0;
}

/* How many page tables of live address spaces map each physical page. */
struct proc_mapcounts {
	uint16_t *count; /* indexed by pfn, saturating */
	uint64_t nr;
};

static void proc_count_page(uint64_t addr, pfn_t pfn, bool writable, void *arg)
{
	struct proc_mapcounts *mc = arg;

	if (pfn < mc->nr && mc->count[pfn] < UINT16_MAX)
		mc->count[pfn]++;
}

/* Whether a task before t in the task list has t's mm (threads, vfork). */
static bool proc_mm_counted(const struct task *t)
{
	const struct task *o;

	for_each_task(o)
	{
		if (o == t)
			return false;
		if (o->mm == t->mm)
			return true;
	}
	return false;
}

/* Count the mappings of every page; proc_mapcounts_free undoes it. */
static int proc_mapcounts_build(struct proc_mapcounts *mc)
{
	struct task *t;

	mc->nr = phys_total_pages();
	mc->count = kzalloc(mc->nr * sizeof(*mc->count));
	if (!mc->count)
		return -ENOMEM;
	for_each_task(t) if (t->mm && !proc_mm_counted(t))
		mm_walk_pages(t->mm, 0, UINT64_MAX, proc_count_page, mc);
	return 0;
}

static void proc_mapcounts_free(struct proc_mapcounts *mc)
{
	kfree(mc->count);
	mc->count = NULL;
}

struct proc_usage_walk {
	const struct proc_mapcounts *mc;
	const struct vma *vma;
	struct proc_mem_usage *usage;
};

/* Whether the pages of f's cache are shmem (tmpfs) in Linux's terms. */
static bool proc_file_is_shmem(const struct file *f)
{
	return f->inode && f->inode->sb->magic == TMPFS_MAGIC;
}

static enum proc_page_kind proc_page_kind(const struct vma *v, pfn_t pfn,
					  unsigned int mapcount)
{
	if (!v->file)
		return (v->flags & VM_SHARED) ? PROC_PAGE_SHMEM :
						PROC_PAGE_ANON;
	/* A cached page has the cache's reference besides the mappings. */
	if (page_refs(pfn) <= mapcount)
		return PROC_PAGE_ANON;
	return proc_file_is_shmem(v->file) ? PROC_PAGE_SHMEM : PROC_PAGE_FILE;
}

/* Anonymous and shmem pages are dirty; we cannot tell for file pages. */
static void proc_usage_page(uint64_t addr, pfn_t pfn, bool writable, void *arg)
{
	struct proc_usage_walk *w = arg;
	unsigned int mapcount = pfn < w->mc->nr ? w->mc->count[pfn] : 0;
	enum proc_page_kind kind;

	mapcount = MAX(mapcount, 1U);
	kind = proc_page_kind(w->vma, pfn, mapcount);
	proc_mem_account(w->usage, kind, mapcount, kind != PROC_PAGE_FILE);
}

/* Add the resident pages of v (in mm) to u. */
static void proc_vma_usage(struct mm *mm, const struct proc_mapcounts *mc,
			   const struct vma *v, struct proc_mem_usage *u)
{
	struct proc_usage_walk w = { .mc = mc, .vma = v, .usage = u };

	mm_walk_pages(mm, v->start, v->end, proc_usage_page, &w);
}

/* The usage of every mapping maps shows, summed. 0 or -ENOMEM. */
static int proc_mm_usage(struct mm *mm, struct proc_mem_usage *u)
{
	struct proc_mapcounts mc;
	const struct vma *v;
	int err;

	*u = (struct proc_mem_usage){ 0 };
	err = proc_mapcounts_build(&mc);
	if (err)
		return err;
	list_for_each_entry(v, &mm->vmas, link)
		if (proc_vma_shown(v))
			proc_vma_usage(mm, &mc, v, u);
	proc_mapcounts_free(&mc);
	return 0;
}

/*
 * The VmFlags of v. The may-flags follow Linux for a mapping that was
 * never mprotect'ed: a shared file mapping of a file not open for
 * writing cannot become writable, and private writable memory is
 * accounted.
 */
static unsigned int proc_vma_vmflags(const struct vma *v)
{
	bool shared = v->flags & VM_SHARED;
	unsigned int f = 1U << PROC_VMF_MR | 1U << PROC_VMF_ME;

	if (v->flags & VM_READ)
		f |= 1U << PROC_VMF_RD;
	if (v->flags & VM_WRITE)
		f |= 1U << PROC_VMF_WR;
	if (v->flags & VM_EXEC)
		f |= 1U << PROC_VMF_EX;
	if (shared)
		f |= 1U << PROC_VMF_SH | 1U << PROC_VMF_MS;
	if (!shared || !v->file || (v->file->mode & FMODE_WRITE))
		f |= 1U << PROC_VMF_MW;
	if (v->flags & VM_GROWSDOWN)
		f |= 1U << PROC_VMF_GD;
	if (v->flags & VM_DONTCOPY)
		f |= 1U << PROC_VMF_DC;
	if (v->flags & VM_SPECIAL)
		f |= 1U << PROC_VMF_DE;
	if (!shared && (v->flags & VM_WRITE))
		f |= 1U << PROC_VMF_AC;
	return f;
}

static int proc_smaps_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct proc_mapcounts mc;
	struct proc_maps_line l;
	char *scratch;
	struct vma *v;
	int err;

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	scratch = kmalloc(PROC_PATH_MAX);
	if (!scratch)
		return -ENOMEM;
	err = proc_mapcounts_build(&mc);
	if (err)
		goto out_scratch;
	list_for_each_entry(v, &t->mm->vmas, link) {
		struct proc_mem_usage u = { 0 };

		if (!proc_vma_shown(v))
			continue;
		proc_vma_line(v, scratch, &l);
		proc_fmt_maps_line(b, &l);
		proc_vma_usage(t->mm, &mc, v, &u);
		proc_fmt_smaps_vma(b, v->end - v->start, &u,
				   proc_vma_vmflags(v));
	}
	proc_mapcounts_free(&mc);
out_scratch:
	kfree(scratch);
	return err;
}

/* The sum of smaps under one header spanning every mapping. */
static int proc_smaps_rollup_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct proc_maps_line l = { .name = "[rollup]" };
	struct proc_mem_usage u;
	const struct vma *v;
	bool first = true;
	int err;

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	err = proc_mm_usage(t->mm, &u);
	if (err)
		return err;
	list_for_each_entry(v, &t->mm->vmas, link) {
		if (!proc_vma_shown(v))
			continue;
		if (first)
			l.start = v->start;
		l.end = v->end;
		first = false;
	}
	proc_fmt_maps_line(b, &l);
	proc_fmt_smaps_usage(b, &u, true);
	return 0;
}

/*
 * Page counts of an address space, classified like Linux's mm counters;
 * text is the executable mappings overlapping [start_code, end_code).
 */
struct proc_vm_usage {
	uint64_t data, stack, exec, text;
};

static void proc_vm_usage(const struct mm *mm, struct proc_vm_usage *u)
{
	const struct vma *v;

	*u = (struct proc_vm_usage){ 0 };
	list_for_each_entry(v, &mm->vmas, link) {
		uint64_t pages = (v->end - v->start) >> PAGE_SHIFT;
		bool stack = (v->flags & VM_GROWSDOWN) ||
			     (v->name && !kstrcmp(v->name, "[stack]"));

		if (v->flags & VM_SPECIAL)
			continue;
		if (stack) {
			u->stack += pages;
		} else if ((v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE) {
			u->data += pages;
		} else if ((v->flags & (VM_EXEC | VM_WRITE)) == VM_EXEC) {
			u->exec += pages;
			if (v->start < mm->end_code && v->end > mm->start_code)
				u->text += pages;
		}
	}
}

/* Resident usage of mm; without memory for the walk, all anonymous. */
static void proc_rss_usage(struct mm *mm, struct proc_mem_usage *u)
{
	if (proc_mm_usage(mm, u) == 0)
		return;
	*u = (struct proc_mem_usage){ 0 };
	u->resident = u->anonymous = mm->rss_pages * PAGE_SIZE;
}

/* size resident shared text lib data dt, in pages; shared is file+shmem. */
static int proc_statm_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct proc_mem_usage mu;
	struct proc_vm_usage u;

	if (!t)
		return -ESRCH;
	if (!t->mm) {
		pbuf_puts(b, "0 0 0 0 0 0 0\n");
		return 0;
	}
	proc_vm_usage(t->mm, &u);
	proc_rss_usage(t->mm, &mu);
	pbuf_printf(b, "%llu %llu %llu %llu 0 %llu 0\n",
		    (unsigned long long)t->mm->total_vm_pages,
		    (unsigned long long)(mu.resident >> PAGE_SHIFT),
		    (unsigned long long)((mu.file + mu.shmem) >> PAGE_SHIFT),
		    (unsigned long long)u.text,
		    (unsigned long long)(u.data + u.stack));
	return 0;
}

/* The auxiliary vector of the last exec: binary pairs ending in AT_NULL. */
static int proc_auxv_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	size_t words;

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	words = proc_auxv_words(t->mm->saved_auxv, MM_AUXV_WORDS);
	pbuf_write(b, t->mm->saved_auxv, words * sizeof(uint64_t));
	return 0;
}

/* Append the guest memory [start, end) of mm, stopping at a fault. */
static int proc_copy_guest(struct mm *mm, uint64_t start, uint64_t end,
			   struct proc_buf *b)
{
	char *page;

	if (!mm || start >= end)
		return 0;
	if (end - start > PROC_BUF_MAX - 1)
		end = start + PROC_BUF_MAX - 1;
	page = kmalloc(PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	while (start < end) {
		size_t n = (size_t)MIN(PAGE_SIZE - (start & (PAGE_SIZE - 1)),
				       end - start);

		if (mm_copy_from(mm, page, start, n))
			break;
		pbuf_write(b, page, n);
		start += n;
	}
	kfree(page);
	return 0;
}

static int proc_cmdline_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);

	if (!t)
		return -ESRCH;
	if (!t->mm)
		return 0;
	return proc_copy_guest(t->mm, t->mm->arg_start, t->mm->arg_end, b);
}

static int proc_environ_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	return proc_copy_guest(t->mm, t->mm->env_start, t->mm->env_end, b);
}

/* ---- stat and status ---- */

/* Signals t ignores and catches, from its handlers. */
static void proc_sig_actions(const struct task *t, uint64_t *ign, uint64_t *cgt)
{
	*ign = *cgt = 0;
	if (!t->sighand)
		return;
	for (int sig = 1; sig <= NSIG_KERN; sig++) {
		uint64_t h = t->sighand->action[sig - 1].handler;

		if (h == PROC_SIG_IGN)
			*ign |= sigbit(sig);
		else if (h != PROC_SIG_DFL)
			*cgt |= sigbit(sig);
	}
}

/* Monotonic ns at boot. */
static uint64_t proc_boot_mono(void)
{
	return time_mono_ns() - time_uptime_ns();
}

/* Fill the stat fields of t; whole: of its process, else of the thread. */
static void proc_fill_stat(struct task *t, bool whole,
			   struct proc_stat_fields *s)
{
	struct tgroup *g = t->group;
	struct task *parent = proc_parent(t);
	struct mm *mm = t->mm;
	uint64_t utime = t->utime_ns, stime = t->stime_ns, boot;

	*s = (struct proc_stat_fields){ 0 };
	s->pid = t->pid;
	s->comm = t->comm;
	s->state = proc_state_char(t->state);
	s->ppid = parent ? parent->tgid : 0;
	s->pgrp = g->pgid;
	s->session = g->sid;
	s->tty_nr = g->tty ? (int)g->tty->dev : 0;
	s->tpgid = g->tty && g->tty->pgrp ? g->tty->pgrp : -1;
	s->flags = PROC_PF_RANDOMIZE;
	if (whole) {
		ktime_group_cputime(g, &utime, &stime);
		s->cutime = (int64_t)ns_to_ticks(g->cutime_ns);
		s->cstime = (int64_t)ns_to_ticks(g->cstime_ns);
	}
	s->utime = ns_to_ticks(utime);
	s->stime = ns_to_ticks(stime);
	s->priority = PROC_DEFAULT_PRIORITY;
	s->num_threads = g->nr_threads;
	boot = proc_boot_mono();
	s->starttime =
		t->start_time > boot ? ns_to_ticks(t->start_time - boot) : 0;
	s->rsslim = g->rlim[RLIMIT_RSS].rlim_cur;
	s->signal = (t->pending | (whole ? g->shared_pending : 0)) &
		    PROC_STAT_SIG_MASK;
	s->blocked = t->blocked & PROC_STAT_SIG_MASK;
	proc_sig_actions(t, &s->sigignore, &s->sigcatch);
	s->sigignore &= PROC_STAT_SIG_MASK;
	s->sigcatch &= PROC_STAT_SIG_MASK;
	s->exit_signal = t->exit_signal;
	if (mm) {
		s->vsize = mm->total_vm_pages * PAGE_SIZE;
		s->rss = mm->rss_pages;
		s->startcode = mm->start_code;
		s->endcode = mm->end_code;
		s->startstack = mm->stack_top;
		s->start_data = mm->start_data;
		s->end_data = mm->end_data;
		s->start_brk = mm->brk_start;
		s->arg_start = mm->arg_start;
		s->arg_end = mm->arg_end;
		s->env_start = mm->env_start;
		s->env_end = mm->env_end;
	}
	if (t->state == TASK_ZOMBIE)
		s->exit_code = t->exit_code;
}

/* /proc/PID/stat is about the process, task/TID/stat about the thread. */
static int proc_stat_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct proc_stat_fields s;

	if (!t)
		return -ESRCH;
	proc_fill_stat(t, !n->thread, &s);
	proc_fmt_stat(b, &s);
	return 0;
}

static void proc_status_kb(struct proc_buf *b, const char *name, uint64_t pages)
{
	pbuf_printf(b, "%s:\t%8llu kB\n", name,
		    (unsigned long long)(pages * KB_PER_PAGE));
}

static void proc_status_mem(struct proc_buf *b, struct mm *mm)
{
	struct proc_mem_usage mu;
	struct proc_vm_usage u;

	proc_vm_usage(mm, &u);
	proc_rss_usage(mm, &mu);
	proc_status_kb(b, "VmPeak", mm->total_vm_pages);
	proc_status_kb(b, "VmSize", mm->total_vm_pages);
	proc_status_kb(b, "VmLck", 0);
	proc_status_kb(b, "VmPin", 0);
	proc_status_kb(b, "VmHWM", mu.resident >> PAGE_SHIFT);
	proc_status_kb(b, "VmRSS", mu.resident >> PAGE_SHIFT);
	proc_status_kb(b, "RssAnon", mu.anonymous >> PAGE_SHIFT);
	proc_status_kb(b, "RssFile", mu.file >> PAGE_SHIFT);
	proc_status_kb(b, "RssShmem", mu.shmem >> PAGE_SHIFT);
	proc_status_kb(b, "VmData", u.data);
	proc_status_kb(b, "VmStk", u.stack);
	proc_status_kb(b, "VmExe", u.text);
	proc_status_kb(b, "VmLib", u.exec > u.text ? u.exec - u.text : 0);
	proc_status_kb(b, "VmPTE", 0);
	proc_status_kb(b, "VmSwap", 0);
	proc_status_kb(b, "HugetlbPages", 0);
	pbuf_puts(b, "CoreDumping:\t0\nTHP_enabled:\t1\n");
}

static int proc_sigqueue_len(const struct task *t)
{
	const struct sigqueue *q;
	int n = 0;

	list_for_each_entry(q, &t->sigqueue, link)
		n++;
	list_for_each_entry(q, &t->group->shared_queue, link)
		n++;
	return n;
}

static int proc_status_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct task *parent;
	const struct cred *c;
	struct tgroup *g;
	uint64_t ign, cgt, caps;

	if (!t)
		return -ESRCH;
	g = t->group;
	c = &t->cred;
	parent = proc_parent(t);
	pbuf_printf(b, "Name:\t%s\n", t->comm);
	if (t->fs)
		pbuf_printf(b, "Umask:\t%04o\n", t->fs->umask);
	pbuf_printf(b, "State:\t%s\n", proc_state_name(t->state));
	pbuf_printf(b,
		    "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		    "TracerPid:\t0\n",
		    t->tgid, t->pid, parent ? parent->tgid : 0);
	pbuf_printf(b, "Uid:\t%u\t%u\t%u\t%u\n", c->uid, c->euid, c->suid,
		    c->fsuid);
	pbuf_printf(b, "Gid:\t%u\t%u\t%u\t%u\n", c->gid, c->egid, c->sgid,
		    c->fsgid);
	pbuf_printf(b, "FDSize:\t%d\nGroups:\t", files_max_fd(t->files));
	for (int i = 0; i < c->ngroups && i < NGROUPS_MAX_KERN; i++)
		pbuf_printf(b, "%s%u", i ? " " : "", c->groups[i]);
	pbuf_puts(b, " \n");
	pbuf_printf(b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		    t->tgid, t->pid, g->pgid, g->sid);
	if (t->mm)
		proc_status_mem(b, t->mm);
	pbuf_printf(b, "Threads:\t%d\n", g->nr_threads);
	pbuf_printf(b, "SigQ:\t%d/%llu\n", proc_sigqueue_len(t),
		    (unsigned long long)g->rlim[RLIMIT_SIGPENDING].rlim_cur);
	proc_sig_actions(t, &ign, &cgt);
	pbuf_printf(b,
		    "SigPnd:\t%016llx\nShdPnd:\t%016llx\n"
		    "SigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		    "SigCgt:\t%016llx\n",
		    (unsigned long long)t->pending,
		    (unsigned long long)g->shared_pending,
		    (unsigned long long)t->blocked, (unsigned long long)ign,
		    (unsigned long long)cgt);
	caps = c->euid == 0 ? PROC_CAP_FULL : 0;
	pbuf_printf(b,
		    "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		    "CapBnd:\t%016llx\nCapAmb:\t%016llx\n",
		    0ULL, (unsigned long long)caps, (unsigned long long)caps,
		    PROC_CAP_FULL, 0ULL);
	pbuf_printf(b, "NoNewPrivs:\t%d\n", t->no_new_privs ? 1 : 0);
	pbuf_puts(b, "Seccomp:\t0\nSeccomp_filters:\t0\n"
		     "Speculation_Store_Bypass:\tthread vulnerable\n"
		     "SpeculationIndirectBranch:\tconditional enabled\n"
		     "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
		     "Mems_allowed:\t1\nMems_allowed_list:\t0\n"
		     "voluntary_ctxt_switches:\t0\n"
		     "nonvoluntary_ctxt_switches:\t0\n");
	return 0;
}

static int proc_limits_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	uint64_t cur[RLIM_NLIMITS], max[RLIM_NLIMITS];

	if (!t)
		return -ESRCH;
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		cur[i] = t->group->rlim[i].rlim_cur;
		max[i] = t->group->rlim[i].rlim_max;
	}
	proc_fmt_limits(b, cur, max, RLIM_NLIMITS);
	return 0;
}

/* ---- small files ---- */

static int proc_comm_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);

	if (!t)
		return -ESRCH;
	pbuf_printf(b, "%s\n", t->comm);
	return 0;
}

/* Like Linux: only a thread of the same process may rename; bytes kept. */
static long proc_comm_write(const struct proc_node *n, const char *buf,
			    size_t len)
{
	struct task *t = task_of(n);
	size_t keep = MIN(len, (size_t)TASK_COMM_LEN - 1);

	if (!t)
		return -ESRCH;
	if (t->tgid != current->tgid)
		return -EINVAL;
	kmemset(t->comm, 0, sizeof(t->comm));
	kmemcpy(t->comm, buf, keep);
	return (long)len;
}

static int proc_zero_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "0\n");
	return 0;
}

static long proc_oom_score_adj_write(const struct proc_node *n, const char *buf,
				     size_t len)
{
	size_t i = 0, end = len;
	bool neg = false;
	long v;

	while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' '))
		end--;
	if (i < end && buf[i] == '-') {
		neg = true;
		i++;
	}
	v = proc_parse_num(buf + i, end - i, PROC_OOM_SCORE_ADJ_MAX);
	if (v < 0 || (neg && -v < PROC_OOM_SCORE_ADJ_MIN))
		return -EINVAL;
	return (long)len;
}

static int proc_cgroup_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "0::/\n");
	return 0;
}

static int proc_wchan_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_puts(b, "0");
	return 0;
}

/* ---- mounts ---- */

/* A mount's id for mountinfo and fdinfo: its place in the mount list. */
static int proc_mnt_id(const struct mount *m)
{
	int id = PROC_MNT_ID_BASE;

	for (struct mount *it = mount_next(NULL); it; it = mount_next(it)) {
		if (it == m)
			return id;
		id++;
	}
	return 0;
}

static bool proc_mount_shown(const struct mount *m)
{
	return !(m->flags & MNT_DETACHED);
}

/* Append the path of d inside its own file system (bind mount roots). */
static void proc_sb_path(struct proc_buf *b, struct dentry *d, char *scratch)
{
	char *end = scratch + PROC_PATH_MAX - 1;

	*end = '\0';
	while (d->parent != d) {
		if ((size_t)(end - scratch) < d->name.len + 1) {
			pbuf_puts(b, "/");
			return;
		}
		end -= d->name.len;
		kmemcpy(end, d->name.name, d->name.len);
		*--end = '/';
		d = d->parent;
	}
	pbuf_mangle(b, *end ? end : "/");
}

static int proc_mounts_show(const struct proc_node *n, struct proc_buf *b)
{
	char opts[PROC_MOUNT_OPTS_MAX];
	char *scratch = kmalloc(PROC_PATH_MAX);

	if (!scratch)
		return -ENOMEM;
	for (struct mount *m = mount_next(NULL); m; m = mount_next(m)) {
		char *path;

		if (!proc_mount_shown(m))
			continue;
		path = dentry_path(m, m->root, scratch, PROC_PATH_MAX);
		if (IS_ERR(path))
			continue;
		mount_options(m, opts, sizeof(opts));
		pbuf_mangle(b, m->source ? m->source : "none");
		pbuf_putc(b, ' ');
		pbuf_mangle(b, path);
		pbuf_printf(b, " %s %s 0 0\n", m->sb->type->name, opts);
	}
	kfree(scratch);
	return 0;
}

static int proc_mountinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	char *scratch = kmalloc(PROC_PATH_MAX);

	if (!scratch)
		return -ENOMEM;
	for (struct mount *m = mount_next(NULL); m; m = mount_next(m)) {
		struct super_block *sb = m->sb;
		bool ro = (m->flags & MNT_RDONLY) || (sb->flags & SB_RDONLY);
		char sbopts[PROC_MOUNT_OPTS_MAX] = "";
		char *path;

		if (!proc_mount_shown(m))
			continue;
		pbuf_printf(b, "%d %d %u:%u ", proc_mnt_id(m),
			    proc_mnt_id(m->parent), MAJOR(sb->dev),
			    MINOR(sb->dev));
		proc_sb_path(b, m->root, scratch);
		path = dentry_path(m, m->root, scratch, PROC_PATH_MAX);
		pbuf_putc(b, ' ');
		pbuf_mangle(b, IS_ERR(path) ? "?" : path);
		pbuf_printf(b, " %s%s%s%s%s - %s ", ro ? "ro" : "rw",
			    (m->flags & MNT_NOSUID) ? ",nosuid" : "",
			    (m->flags & MNT_NODEV) ? ",nodev" : "",
			    (m->flags & MNT_NOEXEC) ? ",noexec" : "",
			    (m->flags & MNT_NOATIME) ? ",noatime" : "",
			    sb->type->name);
		pbuf_mangle(b, m->source ? m->source : "none");
		if (sb->ops->show_options)
			sb->ops->show_options(sb, sbopts, sizeof(sbopts));
		pbuf_printf(b, " %s%s\n", (sb->flags & SB_RDONLY) ? "ro" : "rw",
			    sbopts);
	}
	kfree(scratch);
	return 0;
}

/* ---- fdinfo ---- */

static int proc_fdinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = task_of(n);
	struct file *f = proc_node_file(n, n->fd);
	unsigned int flags;

	if (!t || !f)
		return -ENOENT;
	flags = f->flags;
	if (files_cloexec(t->files, n->fd))
		flags |= O_CLOEXEC;
	pbuf_printf(b, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n",
		    (long long)f->pos, flags, f->mnt ? proc_mnt_id(f->mnt) : 0,
		    (unsigned long long)(f->inode ? f->inode->ino : 0));
	return 0;
}

/* ---- the directories ---- */

/* The tid directories hold the same files but "task" (the first). */
static const struct proc_entry proc_pid_children[] = {
	PROC_DIR("task", 0555, NULL, &proc_tid_dyn_ops),
	PROC_DIR("fd", 0500, NULL, &proc_fd_dyn_ops),
	PROC_DIR("fdinfo", 0500, NULL, &proc_fdinfo_dyn_ops),
	PROC_REG("environ", 0400, proc_environ_show),
	PROC_REG("auxv", 0400, proc_auxv_show),
	PROC_REG("status", 0444, proc_status_show),
	PROC_REG("limits", 0444, proc_limits_show),
	PROC_REG("stat", 0444, proc_stat_show),
	PROC_REG("cmdline", 0444, proc_cmdline_show),
	PROC_REG("statm", 0444, proc_statm_show),
	PROC_REG("maps", 0444, proc_maps_show),
	PROC_REG("smaps", 0444, proc_smaps_show),
	PROC_REG("smaps_rollup", 0444, proc_smaps_rollup_show),
	PROC_REG("mounts", 0444, proc_mounts_show),
	PROC_REG("mountinfo", 0444, proc_mountinfo_show),
	PROC_RW("comm", 0644, proc_comm_show, proc_comm_write),
	PROC_LNK("cwd", proc_cwd_link),
	PROC_LNK("root", proc_root_link),
	PROC_LNK("exe", proc_exe_link),
	PROC_REG("wchan", 0444, proc_wchan_show),
	PROC_REG("cgroup", 0444, proc_cgroup_show),
	PROC_REG("oom_score", 0444, proc_zero_show),
	PROC_RW("oom_score_adj", 0644, proc_zero_show,
		proc_oom_score_adj_write),
};

static const struct proc_table proc_pid_table = PROC_TABLE(proc_pid_children);

static const struct proc_table proc_tid_table = {
	.entries = proc_pid_children + 1,
	.nr = ARRAY_SIZE(proc_pid_children) - 1,
};

const struct proc_entry proc_pid_entry =
	PROC_DIR("pid", 0555, &proc_pid_table, NULL);
const struct proc_entry proc_tid_entry =
	PROC_DIR("tid", 0555, &proc_tid_table, NULL);
