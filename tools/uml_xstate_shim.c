/*
 * uml_xstate_shim.so: lets Debian's real UML kernel (linux.uml 6.1) run on
 * hosts whose CPUs have a large XSAVE area (AVX-512, AMX).
 *
 * UML 6.1 keeps a guest's FPU state in a fixed buffer of the classic
 * x86_64 XSAVE size and restores it with PTRACE_SETREGSET(NT_X86_XSTATE).
 * Current host kernels accept that request only with a buffer of the full
 * XSAVE size, so UML's shorter one fails with EFAULT and UML panics at boot
 * ("ptrace set fp regs failed, errno = 14").
 *
 * Loaded with LD_PRELOAD (see scripts/real-uml.sh), this library wraps
 * ptrace(): a short NT_X86_XSTATE write is widened to the full size by
 * reading the target's current state and overlaying UML's bytes on its
 * start. The components UML does not know about keep their current values,
 * which is what UML would have got on an older host. Every other request
 * goes to libc's ptrace() unchanged. It is a test and benchmark aid: we use
 * it to run real UML as a peer; our own kernel does not need it.
 */
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Larger than any XSAVE area a CPU has today (AMX makes it about 11 KiB). */
#define XSTATE_MAX 65536

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static long widen_xstate_write(pid_t pid, const struct iovec *iov)
{
	static unsigned char buf[XSTATE_MAX] __attribute__((aligned(64)));
	struct iovec full = { buf, sizeof(buf) };

	if (syscall(SYS_ptrace, PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE,
		    &full) < 0)
		return -1;
	if (iov->iov_len >= full.iov_len)
		return 1; /* already full size: nothing to widen */
	memcpy(buf, iov->iov_base, iov->iov_len);
	return syscall(SYS_ptrace, PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE,
		       &full);
}

long ptrace(enum __ptrace_request request, ...)
{
	static ptrace_fn real;
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);

	if (request == PTRACE_SETREGSET && (long)addr == NT_X86_XSTATE &&
	    data) {
		long ret = widen_xstate_write(pid, data);

		if (ret != 1)
			return ret;
	}
	if (!real)
		real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	return real(request, pid, addr, data);
}
