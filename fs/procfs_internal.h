/*
 * Private interfaces of procfs (fs/procfs*.c).
 *
 * Every procfs object is described by a static struct proc_entry (its
 * name, mode and how to produce its content) and, per inode, a struct
 * proc_node saying which process, thread and fd it is about. Directories
 * have a table of fixed children and optionally dynamic ones (pids, tids,
 * fds) produced by proc_dyn_ops. Regular files generate their whole text
 * into a proc_buf; reads copy windows of it.
 *
 * The formatters at the end are pure (klib only) and unit-tested.
 */
#ifndef PROCFS_INTERNAL_H
#define PROCFS_INTERNAL_H

#include "compiler.h"
#include "vfs.h"

struct task;
struct proc_entry;
struct proc_table;

/* The largest text a procfs file generates. */
#define PROC_BUF_MAX (1U << 20)
/* Scratch size for paths (file_path, dentry_path). */
#define PROC_PATH_MAX 4096
/* The largest write a procfs file accepts at once. */
#define PROC_WRITE_MAX 4096
/* Inode number of the root directory. */
#define PROC_ROOT_INO 1
/* Highest pid the kernel hands out (kernel/task.c). */
#define PROC_PID_MAX 32768
/* USER_HZ: clock ticks per second in /proc. */
#define PROC_HZ 100

/* A growable text buffer, bounded by PROC_BUF_MAX. */
struct proc_buf {
	char *data;
	size_t len;
	size_t cap;
	bool overflow; /* out of memory or past PROC_BUF_MAX: text is cut */
};

/* Which object an inode is: the entry, and the process it is about. */
struct proc_node {
	const struct proc_entry *entry;
	int pid; /* process (tgid); 0 for global objects */
	int tid; /* thread; 0 for global objects */
	uint64_t start_time; /* of thread tid, to notice pid reuse */
	int fd; /* fd/N and fdinfo/N; -1 otherwise */
	uint32_t mode; /* overrides entry->mode when nonzero */
	bool thread; /* under task/TID: about the thread alone */
};

/* The dynamic children of a directory, keyed by a number (pid, fd). */
struct proc_dyn_ops {
	/* Resolve name in dir into *child; false if there is none. */
	bool (*lookup)(const struct proc_node *dir, const char *name,
		       size_t len, struct proc_node *child);
	/*
	 * The child with the smallest key >= key: fill *child and its name
	 * (NUL-terminated, within size) and return its key; -1 if none.
	 */
	int64_t (*next)(const struct proc_node *dir, uint64_t key,
			struct proc_node *child, char *name, size_t size);
};

struct proc_entry {
	const char *name;
	uint32_t mode; /* S_IFREG/S_IFDIR/S_IFLNK | permissions */
	/* Regular files: append the content to b. 0 or -errno. */
	int (*show)(const struct proc_node *n, struct proc_buf *b);
	/* Writable files: consume buf[0..len) (NUL follows). len or -errno. */
	long (*write)(const struct proc_node *n, const char *buf, size_t len);
	/* Symlinks: the target into buf (no NUL). Length or -errno. */
	long (*readlink)(const struct proc_node *n, char *buf, size_t size);
	/* Directories: fixed children, then dynamic ones (each optional). */
	const struct proc_table *children;
	const struct proc_dyn_ops *dyn;
	/* PROC_CONST files: the number they show. */
	uint64_t value;
	/* Optional: whether the entry exists now (absent when NULL). */
	bool (*present)(void);
};

/* The fixed children of a directory. */
struct proc_table {
	const struct proc_entry *entries;
	size_t nr;
};

#define PROC_REG(nm, perm, showfn)                                       \
	{                                                                \
		.name = (nm), .mode = S_IFREG | (perm), .show = (showfn) \
	}
/* A read-only file holding a constant number, such as pid_max. */
#define PROC_CONST(nm, val)                                                    \
	{                                                                      \
		.name = (nm), .mode = S_IFREG | 0444, .show = proc_show_const, \
		.value = (val)                                                 \
	}
int proc_show_const(const struct proc_node *n, struct proc_buf *b);
#define PROC_RW(nm, perm, showfn, writefn)                                \
	{                                                                 \
		.name = (nm), .mode = S_IFREG | (perm), .show = (showfn), \
		.write = (writefn)                                        \
	}
#define PROC_LNK(nm, linkfn)                                               \
	{                                                                  \
		.name = (nm), .mode = S_IFLNK | 0777, .readlink = (linkfn) \
	}
#define PROC_DIR(nm, perm, table, dynops)                                    \
	{                                                                    \
		.name = (nm), .mode = S_IFDIR | (perm), .children = (table), \
		.dyn = (dynops)                                              \
	}
#define PROC_TABLE(arr)                                 \
	{                                               \
		.entries = (arr), .nr = ARRAY_SIZE(arr) \
	}

/* procfs's own state (fs/procfs.c). */
struct procfs_state {
	char *cmdline;
	void (*sysrq)(char key);
	long (*mconsole)(const char *buf, size_t len);
	int overcommit_memory;
	char boot_id[40];
};

extern struct procfs_state procfs;

/* ---- fs/procfs.c ---- */

/* The live thread n is about, or NULL when it exited (or was reused). */
struct task *proc_node_task(const struct proc_node *n);
/* A node about thread t (as a child of dir, whose fields it inherits). */
void proc_node_for_task(struct proc_node *child, const struct task *t,
			const struct proc_entry *entry);
/* Copy a NUL-terminated string into a readlink buffer; its length. */
long proc_link_copy(char *buf, size_t size, const char *s);
/* Parse a decimal number without sign or leading zeros; -1 if invalid. */
long proc_parse_num(const char *name, size_t len, long max);
/* A random version 4 UUID as text (37 bytes with the NUL). */
void proc_random_uuid(char *buf, size_t size);

/* ---- fs/procfs_root.c: the top directory ---- */

extern const struct proc_entry proc_root_entry;

/* ---- fs/procfs_pid.c: /proc/PID and /proc/PID/task/TID ---- */

extern const struct proc_entry proc_pid_entry;
extern const struct proc_entry proc_tid_entry;
/* The pid directories of the root: every thread-group leader. */
extern const struct proc_dyn_ops proc_pid_dyn_ops;

/* ---- fs/procfs_sys.c: /proc/sys ---- */

extern const struct proc_table proc_sys_table;

/* ---- fs/procfs_fmt.c: buffers and pure formatters ---- */

void pbuf_init(struct proc_buf *b);
void pbuf_free(struct proc_buf *b);
void pbuf_write(struct proc_buf *b, const void *data, size_t n);
void pbuf_puts(struct proc_buf *b, const char *s);
void pbuf_putc(struct proc_buf *b, char c);
void pbuf_printf(struct proc_buf *b, const char *fmt, ...) __printf(2, 3);
/* Append spaces until the current line is col characters long. */
void pbuf_pad(struct proc_buf *b, size_t col);
/* Append s with space, tab, newline and backslash escaped as \ooo. */
void pbuf_mangle(struct proc_buf *b, const char *s);

/* One line of /proc/PID/maps. */
struct proc_maps_line {
	uint64_t start, end;
	unsigned int flags; /* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED */
	uint64_t offset; /* file offset in bytes */
	unsigned int major, minor;
	uint64_t ino;
	const char *name; /* path or "[heap]"...; NULL for none */
};

void proc_fmt_maps_line(struct proc_buf *b, const struct proc_maps_line *l);

/* The 52 fields of /proc/PID/stat, in their order. */
struct proc_stat_fields {
	int pid;
	const char *comm;
	char state;
	int ppid, pgrp, session, tty_nr, tpgid;
	uint64_t flags;
	uint64_t minflt, cminflt, majflt, cmajflt;
	uint64_t utime, stime; /* ticks */
	int64_t cutime, cstime; /* ticks */
	int64_t priority, nice, num_threads;
	uint64_t itrealvalue, starttime, vsize, rss, rsslim;
	uint64_t startcode, endcode, startstack, kstkesp, kstkeip;
	uint64_t signal, blocked, sigignore, sigcatch;
	uint64_t wchan, nswap, cnswap;
	int exit_signal, processor;
	uint64_t rt_priority, policy, blkio_ticks, guest_time;
	int64_t cguest_time;
	uint64_t start_data, end_data, start_brk, arg_start, arg_end;
	uint64_t env_start, env_end;
	int exit_code;
};

void proc_fmt_stat(struct proc_buf *b, const struct proc_stat_fields *s);

/* /proc/PID/limits from the soft and hard limits (RLIM_INFINITY aware). */
void proc_fmt_limits(struct proc_buf *b, const uint64_t *cur,
		     const uint64_t *max, size_t n);

/* A meminfo line: "Name:" padded to 16 columns, value in kB if kb. */
void proc_fmt_meminfo(struct proc_buf *b, const char *name, uint64_t value,
		      bool kb);

/*
 * Page usage of a mapping or a whole address space, as /proc/PID/smaps
 * counts it: sizes in bytes; the proportional (pss) ones are scaled by
 * 1 << PROC_PSS_SHIFT so that shares of a page add up without rounding.
 */
#define PROC_PSS_SHIFT 12

enum proc_page_kind {
	PROC_PAGE_ANON, /* private memory: anonymous or a private copy */
	PROC_PAGE_FILE, /* a file's cached page */
	PROC_PAGE_SHMEM, /* tmpfs or shared anonymous memory */
};

struct proc_mem_usage {
	uint64_t resident;
	uint64_t pss, pss_dirty, pss_anon, pss_file, pss_shmem;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t anonymous, file, shmem; /* resident, by kind */
};

/*
 * Count one resident page of kind that mapcount page tables map (1: the
 * page is private to this one).
 */
void proc_mem_account(struct proc_mem_usage *u, enum proc_page_kind kind,
		      unsigned int mapcount, bool dirty);
/* The counters from Rss to Locked; rollup adds Pss_Anon/_File/_Shmem. */
void proc_fmt_smaps_usage(struct proc_buf *b, const struct proc_mem_usage *u,
			  bool rollup);

/* VmFlags mnemonics of smaps we can tell, as bits, in Linux's order. */
enum proc_vmflag {
	PROC_VMF_RD, /* readable */
	PROC_VMF_WR, /* writable */
	PROC_VMF_EX, /* executable */
	PROC_VMF_SH, /* shared */
	PROC_VMF_MR, /* may read */
	PROC_VMF_MW, /* may write */
	PROC_VMF_ME, /* may execute */
	PROC_VMF_MS, /* may share */
	PROC_VMF_GD, /* grows down */
	PROC_VMF_DC, /* not copied on fork */
	PROC_VMF_DE, /* not expandable by mremap */
	PROC_VMF_AC, /* accounted */
	PROC_VMF_COUNT
};

/*
 * What smaps shows of one mapping after its maps line: its size and page
 * sizes, the usage counters, THPeligible and VmFlags (PROC_VMF_* bits).
 */
void proc_fmt_smaps_vma(struct proc_buf *b, uint64_t size,
			const struct proc_mem_usage *u, unsigned int vmflags);

/*
 * The words of a saved auxiliary vector up to and including its AT_NULL
 * pair; all of them (whole pairs) if it has none.
 */
size_t proc_auxv_words(const uint64_t *auxv, size_t words);

/* The state letter and name of /proc/PID/stat and status. */
char proc_state_char(int state);
const char *proc_state_name(int state);

#endif
