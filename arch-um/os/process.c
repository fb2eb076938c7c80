/*
 * Host process services: exit, abort, re-exec, signals to host pids,
 * environment and stderr.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

struct os_process_state {
	int argc;
	char **argv;
};

static struct os_process_state os_process;

void os_process_save_args(int argc, char **argv)
{
	os_process.argc = argc;
	os_process.argv = argv;
}

void os_exit(int status)
{
	os_tty_restore_all();
	_exit(status);
}

void os_abort(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigaction(SIGABRT, &sa, NULL);
	abort();
}

int os_reexec(void)
{
	os_tty_restore_all();
	execv("/proc/self/exe", os_process.argv);
	return -errno;
}

int os_getpid(void)
{
	return getpid();
}

int os_kill(int pid, int sig)
{
	return kill(pid, sig) ? -errno : 0;
}

void os_write_stderr(const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(2, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

const char *os_getenv(const char *name)
{
	return getenv(name);
}

int os_uname_release(char *buf, size_t size)
{
	struct utsname u;

	if (uname(&u))
		return -errno;
	snprintf(buf, size, "%s", u.release);
	return 0;
}

int os_pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
