/*
 * Process life cycle: fork, execve, exit statuses through wait4/waitpid/
 * waitid, WNOHANG, zombies, ECHILD and reparenting of orphans.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "guest.h"

static pid_t spawn_exec(const char *path, char *const argv[],
			char *const envp[])
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(errno == ENOENT ? 126 : 125);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int status = 0;
	struct rusage ru;

	CHECK(wait4(pid, &status, 0, &ru) == pid);
	return status;
}

static void test_exit_status(void)
{
	pid_t pid = fork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(7);
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	tg_ok("exit status 7");
}

static void test_exec_true_false(void)
{
	char *targv[] = { "true", NULL };
	char *fargv[] = { "false", NULL };
	char *envp[] = { "PATH=/bin:/usr/bin", NULL };
	int status;

	status = wait_status(spawn_exec("/bin/true", targv, envp));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	status = wait_status(spawn_exec("/bin/false", fargv, envp));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	tg_ok("execve /bin/true /bin/false");
}

static void test_exec_args_env(void)
{
	char *argv[] = { "sh", "-c", "exit $((CODE + $0))", "2", NULL };
	char *envp[] = { "CODE=40", "PATH=/bin:/usr/bin", NULL };
	int status = wait_status(spawn_exec("/bin/sh", argv, envp));

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	tg_ok("execve argv and envp");
}

static void test_exec_missing(void)
{
	char *argv[] = { "nothing", NULL };
	char *envp[] = { NULL };
	int status = wait_status(spawn_exec("/no/such/file", argv, envp));

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 126);
	tg_ok("execve missing file ENOENT");
}

static void test_signaled(void)
{
	pid_t pid = fork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	status = wait_status(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	tg_ok("killed by SIGKILL");
}

static void test_wnohang(void)
{
	int fds[2];
	pid_t pid;
	int status;
	char c;

	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 5 : 6);
	}
	close(fds[0]);
	CHECK(waitpid(pid, &status, WNOHANG) == 0);
	close(fds[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	tg_ok("waitpid WNOHANG");
}

static void test_zombie(void)
{
	siginfo_t si;
	pid_t pid = fork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(3);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK(si.si_pid == pid && si.si_code == CLD_EXITED &&
	      si.si_status == 3);
	/* Still a zombie: it exists until reaped. */
	CHECK(kill(pid, 0) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	CHECK_ERR(kill(pid, 0), ESRCH);
	tg_ok("zombie until reaped");
}

static void test_echild(void)
{
	int status;

	CHECK_ERR(wait(&status), ECHILD);
	CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
	tg_ok("wait without children ECHILD");
}

static void test_many_children(void)
{
	enum {
		NCHILD = 20
	};
	int sum = 0, status;
	pid_t pid;

	for (int i = 0; i < NCHILD; i++) {
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(i);
	}
	for (int i = 0; i < NCHILD; i++) {
		pid = wait(&status);
		CHECK(pid > 0 && WIFEXITED(status));
		sum += WEXITSTATUS(status);
	}
	CHECK(sum == NCHILD * (NCHILD - 1) / 2);
	tg_ok("twenty children reaped");
}

/* The grandchild outlives its parent and must be reparented: getppid()
 * changes from the dead parent to some other live process. */
static void test_reparent(void)
{
	int fds[2];
	pid_t child;
	int status;
	char verdict = '?';

	CHECK(pipe(fds) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		pid_t me = getpid();
		pid_t gc = fork();

		if (gc < 0)
			_exit(1);
		if (gc == 0) {
			char v = 'n';

			for (int i = 0; i < 500; i++) {
				pid_t pp = getppid();
				if (pp != me) {
					v = pp > 0 ? 'y' : 'z';
					break;
				}
				tg_msleep(10);
			}
			if (write(fds[1], &v, 1) != 1)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(fds[1]);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(read(fds[0], &verdict, 1) == 1);
	close(fds[0]);
	CHECK(verdict == 'y');
	tg_ok("orphan reparented");
}

static void test_vfork(void)
{
	volatile int touched = 0;
	pid_t pid = vfork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0) {
		touched = 1;
		_exit(9);
	}
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	CHECK(touched == 1);
	tg_ok("vfork shares memory until exit");
}

/* The check itself: /proc/self/exe is argv0's absolute, real path. */
static int exe_is_real_path(const char *argv0)
{
	char link[4096], real[4096];
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);

	if (n <= 0 || !realpath(argv0, real))
		return 0;
	link[n] = '\0';
	return link[0] == '/' && strcmp(link, real) == 0;
}

/*
 * /proc/self/exe names the program file by its absolute path, even when it
 * was started by a relative one (static glibc depends on it).
 */
static void test_proc_exe(const char *argv0)
{
	char real[4096], *slash;
	pid_t pid;
	int status;

	CHECK(realpath(argv0, real) != NULL);
	slash = strrchr(real, '/');
	CHECK(slash != NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char rel[4096];

		*slash = '\0';
		snprintf(rel, sizeof(rel), "./%s", slash + 1);
		if (chdir(real[0] ? real : "/") != 0)
			_exit(3);
		execl(rel, rel, "--exe-check", (char *)NULL);
		_exit(4);
	}
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tg_ok("/proc/self/exe is absolute after a relative execve");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--exe-check") == 0)
		return exe_is_real_path(argv[0]) ? 0 : 1;
	tg_init("fork_exec_wait");
	CHECK(argc >= 1);
	test_proc_exe(argv[0]);
	test_exit_status();
	test_exec_true_false();
	test_exec_args_env();
	test_exec_missing();
	test_signaled();
	test_wnohang();
	test_zombie();
	test_echild();
	test_many_children();
	test_reparent();
	test_vfork();
	return tg_pass();
}
