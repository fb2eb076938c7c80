/*
 * Stub processes and the ptrace trap backend's host half.
 *
 * A stub is started from the stub image held in a sealed memfd: a vfork-
 * style clone sets PDEATHSIG, disables address randomisation (so every
 * stub has the host vDSO at the same place), puts the physmem file at fd 3,
 * asks to be traced and execs the image. The stub then initialises itself
 * and stops with SIGTRAP, ready.
 *
 * Guest code runs under PTRACE_SYSEMU: a guest syscall stops the stub
 * before the host executes anything. Faults and other synchronous signals
 * arrive as signal-delivery stops and are always suppressed: the kernel
 * decides what the guest sees. The tick or another asynchronous host signal
 * interrupts the wait; the stub is then stopped with SIGALRM, which is also
 * suppressed.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

#define CHILD_STACK_SIZE (64 * 1024)
#define PRESERVED_FD 3

struct os_ptrace_state {
	int image_fd;
	struct os_regs template;
	bool have_template;
};

static struct os_ptrace_state os_ptrace = { .image_fd = -1 };

_Static_assert(sizeof(struct os_regs) == sizeof(struct user_regs_struct),
	       "os_regs must match PTRACE_GETREGS");
_Static_assert(sizeof(struct os_fpregs) == sizeof(struct user_fpregs_struct),
	       "os_fpregs must match PTRACE_GETFPREGS");

static int image_fd_get(const void *image, size_t len)
{
	int fd;

	if (os_ptrace.image_fd >= 0)
		return os_ptrace.image_fd;
	fd = memfd_create("uml-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (write(fd, image, len) != (ssize_t)len)
		goto out_close;
	fcntl(fd, F_ADD_SEALS,
	      F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	os_ptrace.image_fd = fd;
	return fd;

out_close:
	close(fd);
	return -EIO;
}

struct spawn_args {
	int image_fd;
	int physmem_fd;
};

static int stub_child(void *arg)
{
	struct spawn_args *a = arg;
	char *argv[] = { "uml-stub", NULL };
	char *envp[] = { NULL };

	int image_fd = a->image_fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	personality(ADDR_NO_RANDOMIZE);
	if (image_fd == PRESERVED_FD)
		image_fd = fcntl(image_fd, F_DUPFD_CLOEXEC, PRESERVED_FD + 1);
	if (a->physmem_fd == PRESERVED_FD) {
		if (fcntl(PRESERVED_FD, F_SETFD, 0))
			_exit(126);
	} else if (dup2(a->physmem_fd, PRESERVED_FD) < 0) {
		_exit(126);
	}
	/* Nothing else of the kernel's may survive the exec. */
	syscall(SYS_close_range, PRESERVED_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	close(0);
	close(1);
	close(2);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(125);
	syscall(SYS_execveat, image_fd, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* Wait for pid to stop; returns the stop signal or -errno / -ECHILD. */
static int wait_stop(int pid, int *status)
{
	for (;;) {
		int r = waitpid(pid, status, __WALL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFSTOPPED(*status))
			return WSTOPSIG(*status);
		return -ECHILD;
	}
}

int os_stub_spawn(const void *image, size_t image_len, int physmem_fd,
		  uint64_t data_offset)
{
	struct spawn_args args = { .physmem_fd = physmem_fd };
	struct user_regs_struct regs;
	char *stack;
	int pid, status, sig;

	args.image_fd = image_fd_get(image, image_len);
	if (args.image_fd < 0)
		return args.image_fd;
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	pid = clone(stub_child, stack + CHILD_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	munmap(stack, CHILD_STACK_SIZE);
	if (pid < 0)
		return -errno;

	sig = wait_stop(pid, &status);
	if (sig != SIGTRAP)
		goto out_kill;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)))
		goto out_kill;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
		goto out_kill;
	regs.rdi = data_offset;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL))
		goto out_kill;
	sig = wait_stop(pid, &status);
	if (sig != SIGTRAP)
		goto out_kill;
	if (!os_ptrace.have_template) {
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			goto out_kill;
		memset(&os_ptrace.template, 0, sizeof(os_ptrace.template));
		os_ptrace.template.cs = regs.cs;
		os_ptrace.template.ss = regs.ss;
		os_ptrace.template.ds = regs.ds;
		os_ptrace.template.es = regs.es;
		os_ptrace.template.eflags = 0x202;
		os_ptrace.have_template = true;
	}
	return pid;

out_kill:
	os_stub_kill(pid);
	return -EIO;
}

void os_regs_template(struct os_regs *regs)
{
	*regs = os_ptrace.template;
}

void os_stub_kill(int pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

int os_stub_run_ops(int pid)
{
	struct os_regs regs = os_ptrace.template;
	int status, sig;

	regs.rip = OS_STUB_OPS_ENTRY;
	regs.rsp = OS_STUB_END;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL))
		return -errno;
	for (;;) {
		sig = wait_stop(pid, &status);
		if (sig == SIGTRAP)
			return 0;
		if (sig < 0)
			return -ECHILD;
		/* A preemption signal raced with us: swallow it. */
		if (ptrace(PTRACE_CONT, pid, NULL, NULL))
			return -errno;
	}
}

/* Turn a ptrace stop into a trap description for the kernel. */
static void classify_stop(int pid, int sig, struct os_trap *trap)
{
	siginfo_t si;

	memset(trap, 0, sizeof(*trap));
	if (sig == (SIGTRAP | 0x80)) {
		trap->kind = OS_TRAP_SYSCALL;
		return;
	}
	if (sig == SIGALRM || sig == SIGSTOP || sig == SIGWINCH ||
	    sig == SIGIO || sig == SIGCHLD) {
		trap->kind = OS_TRAP_INTERRUPT;
		return;
	}
	trap->signo = sig;
	if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0) {
		trap->code = si.si_code;
		trap->addr = (uint64_t)(uintptr_t)si.si_addr;
	}
	if ((sig == SIGSEGV || sig == SIGBUS) && trap->code > 0 &&
	    trap->code != SI_KERNEL)
		trap->kind = OS_TRAP_SEGV;
	else
		trap->kind = OS_TRAP_SIGNAL;
}

int os_stub_run(int pid, struct os_regs *regs, struct os_trap *trap)
{
	bool kicked = false;
	int status, r;

	if (ptrace(PTRACE_SETREGS, pid, NULL, regs) ||
	    ptrace(PTRACE_SYSEMU, pid, NULL, NULL))
		goto out_died;
	for (;;) {
		r = waitpid(pid, &status, __WALL);
		if (r < 0) {
			if (errno != EINTR)
				goto out_died;
			/* An async host signal: stop the guest to handle it. */
			if (!kicked && os_signals_pending()) {
				kill(pid, SIGALRM);
				kicked = true;
			}
			continue;
		}
		if (!WIFSTOPPED(status))
			goto out_died;
		classify_stop(pid, WSTOPSIG(status), trap);
		break;
	}
	if (ptrace(PTRACE_GETREGS, pid, NULL, regs))
		goto out_died;
	return 0;

out_died:
	memset(trap, 0, sizeof(*trap));
	trap->kind = OS_TRAP_DIED;
	return -ECHILD;
}

int os_stub_get_fpregs(int pid, struct os_fpregs *fp)
{
	return ptrace(PTRACE_GETFPREGS, pid, NULL, fp) ? -errno : 0;
}

int os_stub_set_fpregs(int pid, const struct os_fpregs *fp)
{
	return ptrace(PTRACE_SETFPREGS, pid, NULL, (void *)fp) ? -errno : 0;
}

int os_stub_vdso_range(int pid, uint64_t *start, uint64_t *end, uint64_t *vdso)
{
	char path[64], line[512];
	FILE *f;
	uint64_t lo = UINT64_MAX, hi = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (!strstr(line, "[vvar") && !strstr(line, "[vdso]"))
			continue;
		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if (strstr(line, "[vdso]"))
			*vdso = s;
		if (s < lo)
			lo = s;
		if (e > hi)
			hi = e;
	}
	fclose(f);
	if (hi == 0)
		return -ENOENT;
	*start = lo;
	*end = hi;
	return 0;
}
