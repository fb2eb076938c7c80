/*
 * Hostile but legal guest behaviour that the kernel must survive.
 *
 *   abuse            bad pointers give EFAULT, impossible allocations give
 *                    ENOMEM (deterministic: also run natively)
 *   abuse segv       dereference NULL (the shell should report 139)
 *   abuse forks N    fork until fork fails or N children exist, then reap
 *   abuse oom MB     a child touches MB megabytes; it must fail or be killed
 *                    when MB exceeds the machine's memory
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guest.h"

#define BAD_LOW ((void *)16)
#define BAD_HIGH ((void *)0xffff800000001000UL)
#define BAD_NONCANON ((void *)0x0000900000000000UL)

static void test_efault(void)
{
	int fds[2];
	struct stat st;
	void *bad[] = { BAD_LOW, BAD_HIGH, BAD_NONCANON };

	CHECK(pipe(fds) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(write(fds[1], bad[i], 10), EFAULT);
		CHECK(write(fds[1], "data", 4) == 4);
		CHECK_ERR(read(fds[0], bad[i], 4), EFAULT);
		CHECK_ERR(stat(bad[i], &st), EFAULT);
		CHECK_ERR(stat("/", bad[i]), EFAULT);
		CHECK_ERR(open(bad[i], O_RDONLY), EFAULT);
		CHECK_ERR(pipe(bad[i]), EFAULT);
		CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad[i]),
			  EFAULT);
	}
	/* A buffer that starts mapped and runs into unmapped memory. */
	{
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(p != MAP_FAILED);
		CHECK(munmap(p + 4096, 4096) == 0);
		memcpy(p + 4096 - 4, "/tmp", 4); /* no NUL */
		CHECK_ERR(stat(p + 4096 - 4, &st), EFAULT);
		munmap(p, 4096);
	}
	close(fds[0]);
	close(fds[1]);
	tg_ok("bad pointers give EFAULT");
}

static void test_enomem(void)
{
	struct sysinfo si;
	uint64_t huge = 1ULL << 40;
	void *p;

	if (sysinfo(&si) == 0)
		huge = 2 * ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	errno = 0;
	p = malloc((size_t)huge);
	CHECK(p == NULL && errno == ENOMEM);
	p = mmap(NULL, 1ULL << 46, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM);
	p = malloc(1 << 20);
	CHECK(p != NULL);
	memset(p, 1, 1 << 20);
	free(p);
	tg_ok("impossible allocations give ENOMEM");
}

static int fork_until_failure(long cap)
{
	int fds[2], status;
	long n = 0;
	char c;

	CHECK(pipe(fds) == 0);
	for (; n < cap; n++) {
		pid_t pid = fork();

		if (pid < 0) {
			CHECK(errno == EAGAIN || errno == ENOMEM);
			break;
		}
		if (pid == 0) {
			close(fds[1]);
			/* Wait for the parent to close the pipe. */
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
		}
	}
	close(fds[0]);
	close(fds[1]);
	for (long i = 0; i < n; i++) {
		CHECK(wait(&status) > 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_ERR(wait(&status), ECHILD);
	CHECK(n > 0);
	tg_ok("fork until failure, then reap every child");
	return 0;
}

static int oom_child(long mb)
{
	size_t len = (size_t)mb << 20;
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		char *p = malloc(len);

		if (p == NULL)
			_exit(2);
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 2) ||
	      WIFSIGNALED(status));
	tg_ok("over-large allocation fails or is killed");
	return 0;
}

int main(int argc, char **argv)
{
	tg_init("abuse");
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		volatile int *null = NULL;

		*null = 1;
		return 1;
	}
	/*
	 * Jump into the kernel's stub code (its fixed address in every guest
	 * address space) and let it try its host syscalls: the kernel must
	 * kill the process (SIGKILL) rather than let anything reach the host.
	 * Natively nothing is mapped there and this is a SIGSEGV.
	 */
	if (argc > 1 && strcmp(argv[1], "stubjump") == 0) {
		void (*stub)(void) = (void (*)(void))0x7ff000000000UL;

		stub();
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "forks") == 0) {
		fork_until_failure(atol(argv[2]));
		return tg_pass();
	}
	if (argc > 2 && strcmp(argv[1], "oom") == 0) {
		oom_child(atol(argv[2]));
		return tg_pass();
	}
	test_efault();
	test_enomem();
	return tg_pass();
}
