/*
 * The one door to the host.
 *
 * Everything the kernel needs from the host goes through these functions.
 * They take plain fixed-width types, never host structs, and return >= 0 on
 * success or -errno (host errno values are Linux's, the same as the guest's).
 * Only arch-um/os/ includes host headers; it reads errno right after the
 * failing call and nowhere else.
 */
#ifndef OS_H
#define OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- process ---- */
__attribute__((noreturn)) void os_exit(int status);
/* Abort with SIGABRT and a core, as a panicking UML does. */
__attribute__((noreturn)) void os_abort(void);
/* Re-execute the kernel binary in the same pid with the original argv. */
int os_reexec(void);
int os_getpid(void);
int os_kill(int pid, int sig);
/*
 * Keep the kernel (and the stubs it starts, which inherit this) on the
 * CPU it runs on: a guest trap is a hand-off between two host processes,
 * far cheaper on one CPU than across CPUs.
 */
int os_pin_cpu(void);
/* Write straight to the host's stderr, bypassing every buffer. */
void os_write_stderr(const char *text, size_t len);
/* Read an environment variable of the kernel process, or NULL. */
const char *os_getenv(const char *name);
/* The host's uname fields, for guest defaults. */
int os_uname_release(char *buf, size_t size);

/* ---- memory ---- */
void *os_heap_alloc(size_t size);
void *os_heap_realloc(void *ptr, size_t size);
void os_heap_free(void *ptr);
/* Anonymous private read-write memory (kernel stacks, big tables). */
void *os_map_anon(size_t size);
void os_unmap(void *addr, size_t size);
/*
 * Create the physical memory file of the given size, map it whole, and
 * return its fd; *base receives the kernel's mapping.
 */
int os_physmem_create(uint64_t size, void **base);
/* Give pages back to the host (punch a hole): they read as zero after. */
int os_physmem_discard(int fd, uint64_t offset, uint64_t len);

/* ---- host files ---- */
/* Flags and modes are Linux's O_* and S_* values, the same on both sides. */
int os_open(const char *path, int flags, int mode);
int os_close(int fd);
long os_read(int fd, void *buf, size_t len);
long os_write(int fd, const void *buf, size_t len);
long os_pread(int fd, void *buf, size_t len, uint64_t off);
long os_pwrite(int fd, const void *buf, size_t len, uint64_t off);
int os_fsync(int fd);
int os_ftruncate(int fd, uint64_t len);
int os_set_nonblock(int fd, bool on);
/* Size and mtime of an open file. */
int os_fstat_size(int fd, uint64_t *size);
/* Read a whole host file into a new heap buffer (os_heap_free it). */
long os_read_file(const char *path, char **out);

/* ---- disk image files (the ubd driver's host half) ---- */
struct os_iovec {
	void *base;
	size_t len;
};

struct os_disk_stat {
	uint64_t size;
	int64_t mtime; /* seconds */
	uint64_t dev, ino;
	bool is_reg; /* a regular file or a block device */
};

#define OS_DISK_MAX_IOV 256

/* stat of path, or of fd when path is NULL. */
int os_disk_stat(const char *path, int fd, struct os_disk_stat *out);
/*
 * Take a whole-file fcntl lock (write or read) without waiting: -EAGAIN
 * when another process holds one, its pid in *holder (0 if unknown).
 */
int os_disk_lock(int fd, bool write, int *holder);
/* The absolute, symlink-free name of an existing path. */
int os_disk_abspath(const char *path, char *buf, size_t size);
/*
 * Transfer the whole of vec[0..n) (n <= OS_DISK_MAX_IOV) at off, retrying
 * short transfers; reads past end of file give zeros. 0 or -errno.
 */
int os_disk_read(int fd, const struct os_iovec *vec, unsigned int n,
		 uint64_t off);
int os_disk_write(int fd, const struct os_iovec *vec, unsigned int n,
		  uint64_t off);
/* Make written data durable (fdatasync). */
int os_disk_sync(int fd);

/* ---- entropy ---- */
/* Fill buf with len bytes from the host's getrandom(2); len or -errno. */
int os_getrandom(void *buf, size_t len);

/* ---- time ---- */
uint64_t os_time_mono_ns(void);
uint64_t os_time_real_ns(void);

/* ---- events: the interrupt controller's host half ---- */
#define OS_EV_IN 0x1
#define OS_EV_OUT 0x4
#define OS_EV_ERR 0x8
#define OS_EV_HUP 0x10

struct os_event {
	uint64_t token;
	uint32_t events;
};

int os_events_init(void);
int os_event_add(int fd, uint32_t events, uint64_t token);
int os_event_mod(int fd, uint32_t events, uint64_t token);
int os_event_del(int fd);
/*
 * Wait up to timeout_ns (-1 forever, 0 poll) for host events; returns the
 * number stored in out. Returns early (0) when an asynchronous signal
 * (tick, SIGWINCH, SIGTERM...) arrives.
 */
int os_event_wait(struct os_event *out, int max, int64_t timeout_ns);

/*
 * Asynchronous host signals, turned into flags the kernel polls. The tick
 * is a periodic timer used only while guests run; it interrupts a wait for
 * a stub so a spinning guest can be preempted.
 */
#define OS_SIG_TICK 0x1
#define OS_SIG_WINCH 0x2
#define OS_SIG_TERM 0x4
#define OS_SIG_IO 0x8

int os_signals_init(void);
void os_tick_start(uint64_t period_ns);
void os_tick_stop(void);
/* Fetch and clear the set of OS_SIG_* that arrived. */
uint32_t os_signals_take(void);
bool os_signals_pending(void);

/* ---- terminals ---- */
bool os_isatty(int fd);
/* Put a host tty into raw mode, remembering its state for os_tty_restore. */
int os_tty_raw(int fd);
/* Restore every tty os_tty_raw changed; safe on any exit path. */
void os_tty_restore_all(void);
int os_tty_winsize(int fd, uint16_t *rows, uint16_t *cols);

/* ---- guest address spaces: stub processes and ptrace ---- */

/* Register state of a guest thread, in PTRACE_GETREGS order. */
struct os_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

/* FXSAVE image, in PTRACE_GETFPREGS order (512 bytes). */
struct os_fpregs {
	uint16_t cwd, swd, ftw, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint32_t st_space[32];
	uint32_t xmm_space[64];
	uint32_t padding[24];
};

/* Why a guest stopped running. */
enum os_trap_kind {
	OS_TRAP_SYSCALL, /* regs hold the syscall, nothing executed */
	OS_TRAP_SEGV, /* memory fault at addr */
	OS_TRAP_SIGNAL, /* a synchronous host signal: SIGILL, SIGFPE... */
	OS_TRAP_INTERRUPT, /* preempted by the tick or an async host signal */
	OS_TRAP_DIED, /* the stub process is gone */
};

struct os_trap {
	enum os_trap_kind kind;
	int signo; /* OS_TRAP_SIGNAL / OS_TRAP_SEGV: host signal */
	int code; /* si_code */
	uint64_t addr; /* fault address (si_addr) */
};

/* Where the stub lives in every guest address space. */
#define OS_STUB_CODE 0x7ff000000000ULL
#define OS_STUB_DATA (OS_STUB_CODE + 0x1000)
#define OS_STUB_DATA_SIZE 0x4000ULL
#define OS_STUB_END (OS_STUB_DATA + OS_STUB_DATA_SIZE)
/* Entry point that applies the queued ops (stub.S puts it there). */
#define OS_STUB_OPS_ENTRY (OS_STUB_CODE + 0x10)

/*
 * One queued change to a stub's mappings. MAP maps len bytes of the
 * physmem file at offset, MAP_SHARED|MAP_FIXED|MAP_POPULATE with prot (the
 * guest is about to touch them); MAP_LAZY is the same without
 * MAP_POPULATE, for pages it may never touch (a fork's copy of its
 * parent, a program's text); UNMAP and PROTECT are munmap and mprotect.
 */
enum os_mmop_kind {
	OS_MMOP_MAP = 1,
	OS_MMOP_UNMAP = 2,
	OS_MMOP_PROTECT = 3,
	OS_MMOP_MAP_LAZY = 4,
};

struct os_mmop {
	uint32_t kind;
	uint32_t prot;
	uint64_t addr;
	uint64_t len;
	uint64_t offset;
};

/*
 * The stub's shared data area: the kernel writes ops here (through its
 * physmem mapping) and the stub executes them in one go.
 */
struct os_stub_data {
	uint64_t nr_ops;
	int64_t result; /* 0, or -errno of the first failed op */
	uint64_t failed; /* index of that op */
	uint64_t vdso; /* host vDSO address seen by the stub at start */
	struct os_mmop ops[];
};

/* The top of the data area is the stub's own stack. */
#define OS_STUB_STACK_SIZE 1024
#define OS_STUB_MAX_OPS                            \
	((OS_STUB_DATA_SIZE - OS_STUB_STACK_SIZE - \
	  sizeof(struct os_stub_data)) /           \
	 sizeof(struct os_mmop))

/*
 * Start a new stub process from the embedded stub image, with the physmem
 * file as its fd 3 and its data area at data_offset in physmem. Returns the
 * host pid, stopped and ready to run guest code or ops.
 */
int os_stub_spawn(const void *image, size_t image_len, int physmem_fd,
		  uint64_t data_offset);
/*
 * Registers for a fresh guest thread: valid segment selectors and flags,
 * everything else zero.
 */
void os_regs_template(struct os_regs *regs);
/* Kill and reap a stub. */
void os_stub_kill(int pid);
/* Have the stub execute the ops already in its data area. */
int os_stub_run_ops(int pid);
/*
 * Run guest code in a stub with these registers until it traps; regs are
 * updated to the state at the trap.
 */
int os_stub_run(int pid, struct os_regs *regs, struct os_trap *trap);
int os_stub_get_fpregs(int pid, struct os_fpregs *fp);
int os_stub_set_fpregs(int pid, const struct os_fpregs *fp);
/*
 * Find the host's vvar/vdso area in a stub's maps: [*start, *end) is every
 * special mapping the stub must keep; *vdso is the vDSO's ELF image.
 */
int os_stub_vdso_range(int pid, uint64_t *start, uint64_t *end, uint64_t *vdso);

/* ---- console and serial line channels (drivers/char/chan.c) ---- */
/*
 * Wait until fd is ready for events (OS_EV_IN / OS_EV_OUT), or timeout_ns
 * passes (-1 forever). Returns the ready OS_EV_* mask, 0 on timeout, or
 * -errno.
 */
int os_fd_wait(int fd, uint32_t events, int64_t timeout_ns);

/* ---- machine identity and the mconsole socket (os/mconsole.c) ---- */
/*
 * Create the directory path with mode. exclusive: plain mkdir, -EEXIST if
 * it is there. Otherwise missing parents are created too and an existing
 * directory is fine.
 */
int os_umid_mkdir(const char *path, int mode, bool exclusive);
/* Remove the directory path and the files in it. 0 or -errno. */
int os_umid_remove(const char *path);

/* A datagram peer's address, opaque to the kernel (a sockaddr_un). */
struct os_mc_addr {
	uint32_t len;
	uint8_t raw[112];
};

/*
 * A non-blocking, close-on-exec AF_UNIX datagram socket bound to path (a
 * stale socket file there is replaced). fd or -errno.
 */
int os_mc_open(const char *path);
/*
 * Take one datagram, at most size bytes of it (the rest is dropped), and
 * its sender. Its length, or -EAGAIN when none is waiting.
 */
long os_mc_recv(int fd, void *buf, size_t size, struct os_mc_addr *from);
/*
 * Send a datagram to a peer. While the peer's queue is full, retry for up
 * to wait_ns (0: not at all), then give up with -EAGAIN. Bytes or -errno.
 */
long os_mc_send(int fd, const void *buf, size_t len,
		const struct os_mc_addr *to, int64_t wait_ns);
/* Send a datagram to the socket at path from an unbound socket. */
int os_mc_notify(const char *path, const void *buf, size_t len);

#endif
