/*
 * execveat: a program relative to a directory fd, fexecve through
 * AT_EMPTY_PATH on an O_PATH fd and an ordinary fd, #! scripts through a
 * directory fd, AT_SYMLINK_NOFOLLOW and the errors for bad flags and fds.
 * Each new image checks the names it was given (AT_EXECFN, the script's
 * name as the interpreter's argument, /proc/self/exe and comm) against
 * what Linux makes of them ("/dev/fd/N/path", "/dev/fd/N") and exits 0.
 *
 * The program copies itself into a scratch directory as "prog" and serves
 * as its own #! interpreter; run as "prog child" or "prog script ..." it
 * is such a new image.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guest.h"

/* Exit statuses of a new image whose names are not what was expected. */
enum {
	BAD_ENV = 120,
	BAD_EXECFN,
	BAD_EXE,
	BAD_COMM,
	BAD_ARGV,
};

static char dir_path[PATH_MAX];
static int dir_fd;

static int sys_execveat(int dfd, const char *path, char *const argv[],
			char *const envp[], int flags)
{
	return (int)syscall(SYS_execveat, dfd, path, argv, envp, flags);
}

/* The checks of a new image: 0 when every name is as expected. */
static int new_image(int argc, char **argv, bool script)
{
	const char *name = getenv("EXPECT_NAME");
	const char *exe = getenv("EXPECT_EXE");
	const char *comm = getenv("EXPECT_COMM");
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	char buf[PATH_MAX];
	ssize_t n;
	int fd;

	if (!name || !exe || !comm)
		return BAD_ENV;
	if (!execfn || strcmp(execfn, name) != 0)
		return BAD_EXECFN;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return BAD_EXE;
	buf[n] = '\0';
	if (strcmp(buf, exe) != 0)
		return BAD_EXE;
	fd = open("/proc/self/comm", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return BAD_COMM;
	buf[n - 1] = '\0';
	if (strcmp(buf, comm) != 0)
		return BAD_COMM;
	/* #!prog script: argv is prog, "script", the script's name, args. */
	if (script && (argc != 4 || strcmp(argv[2], name) != 0 ||
		       strcmp(argv[3], "extra") != 0))
		return BAD_ARGV;
	return 0;
}

/*
 * execveat in a child that must become a new image seeing name as its
 * AT_EXECFN, exe as /proc/self/exe and comm; returns its exit status.
 */
static int run(int dfd, const char *path, int flags, char *const argv[],
	       const char *name, const char *exe, const char *comm)
{
	char e_name[PATH_MAX + 16], e_exe[PATH_MAX + 16], e_comm[64];
	char *envp[] = { e_name, e_exe, e_comm, NULL };
	int status;
	pid_t pid;

	snprintf(e_name, sizeof(e_name), "EXPECT_NAME=%s", name);
	snprintf(e_exe, sizeof(e_exe), "EXPECT_EXE=%s", exe);
	snprintf(e_comm, sizeof(e_comm), "EXPECT_COMM=%s", comm);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sys_execveat(dfd, path, argv, envp, flags);
		_exit(errno);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An execveat that must fail, in this process. */
static int fail_exec(int dfd, const char *path, int flags)
{
	char *argv[] = { "prog", "child", NULL };
	char *envp[] = { "EXPECT_NAME=none", NULL };

	return sys_execveat(dfd, path, argv, envp, flags);
}

static void copy_self(const char *name)
{
	static char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY);
	int out = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL, 0755);
	ssize_t n;

	CHECK(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	CHECK(n == 0);
	close(in);
	close(out);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL, mode);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void setup(void)
{
	char tmpl[] = "exec_at.XXXXXX", link[64], script[PATH_MAX + 32];
	ssize_t n;

	CHECK(mkdtemp(tmpl) != NULL);
	dir_fd = open(tmpl, O_RDONLY | O_DIRECTORY);
	CHECK(dir_fd >= 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
	n = readlink(link, dir_path, sizeof(dir_path) - 1);
	CHECK(n > 0);
	dir_path[n] = '\0';
	copy_self("prog");
	CHECK(symlinkat("prog", dir_fd, "link") == 0);
	CHECK(mkdirat(dir_fd, "sub", 0755) == 0);
	snprintf(script, sizeof(script), "#!%s/prog script\n", dir_path);
	write_file("script", script, 0755);
	write_file("data", "not a program\n", 0644);
}

static void cleanup(void)
{
	static const char *const files[] = { "prog", "link", "script", "data" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(unlinkat(dir_fd, files[i], 0) == 0);
	CHECK(unlinkat(dir_fd, "sub", AT_REMOVEDIR) == 0);
	close(dir_fd);
	CHECK(rmdir(dir_path) == 0);
}

/* "/dev/fd/N/rest" (rest may be empty: "/dev/fd/N"). */
static const char *fd_name(int fd, const char *rest)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "/dev/fd/%d%s%s", fd, *rest ? "/" : "",
		 rest);
	return buf;
}

static void test_relative(void)
{
	char *argv[] = { "prog", "child", NULL };
	char exe[PATH_MAX + 8];

	snprintf(exe, sizeof(exe), "%s/prog", dir_path);
	CHECK(run(dir_fd, "prog", 0, argv, fd_name(dir_fd, "prog"), exe,
		  "prog") == 0);
	CHECK(run(dir_fd, "sub/../prog", 0, argv,
		  fd_name(dir_fd, "sub/../prog"), exe, "prog") == 0);
	tg_ok("execveat relative to a directory fd");

	/* An absolute path ignores the fd, even a bad one. */
	CHECK(run(-1, exe, 0, argv, exe, exe, "prog") == 0);
	CHECK(run(AT_FDCWD, exe, 0, argv, exe, exe, "prog") == 0);
	tg_ok("absolute path ignores the fd");
}

static void test_empty_path(void)
{
	char *argv[] = { "prog", "child", NULL };
	char exe[PATH_MAX + 8];
	int pfd = openat(dir_fd, "prog", O_PATH);
	int rfd = openat(dir_fd, "prog", O_RDONLY);

	CHECK(pfd >= 0 && rfd >= 0);
	snprintf(exe, sizeof(exe), "%s/prog", dir_path);
	CHECK(run(pfd, "", AT_EMPTY_PATH, argv, fd_name(pfd, ""), exe,
		  "prog") == 0);
	tg_ok("AT_EMPTY_PATH on an O_PATH fd");
	CHECK(run(rfd, "", AT_EMPTY_PATH, argv, fd_name(rfd, ""), exe,
		  "prog") == 0);
	tg_ok("AT_EMPTY_PATH on a read-only fd");
	close(pfd);
	close(rfd);
}

static void test_script(void)
{
	char *argv[] = { "script", "extra", NULL };
	char exe[PATH_MAX + 8];
	int sfd = openat(dir_fd, "script", O_RDONLY);
	int cfd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int csfd = openat(dir_fd, "script", O_RDONLY | O_CLOEXEC);

	CHECK(sfd >= 0 && cfd >= 0 && csfd >= 0);
	snprintf(exe, sizeof(exe), "%s/prog", dir_path);
	CHECK(run(dir_fd, "script", 0, argv, fd_name(dir_fd, "script"), exe,
		  "script") == 0);
	tg_ok("#! script through a directory fd gets /dev/fd/N/script");
	/* fexecve: comm is the name of the file run, the interpreter. */
	CHECK(run(sfd, "", AT_EMPTY_PATH, argv, fd_name(sfd, ""), exe,
		  "prog") == 0);
	tg_ok("#! script through AT_EMPTY_PATH gets /dev/fd/N");
	/* The interpreter could not open the script through a closed fd. */
	CHECK_ERR(fail_exec(cfd, "script", 0), ENOENT);
	CHECK_ERR(fail_exec(csfd, "", AT_EMPTY_PATH), ENOENT);
	tg_ok("#! script through an O_CLOEXEC fd fails with ENOENT");
	close(sfd);
	close(cfd);
	close(csfd);
}

static void test_symlinks(void)
{
	char *argv[] = { "prog", "child", NULL };
	char exe[PATH_MAX + 8];

	snprintf(exe, sizeof(exe), "%s/prog", dir_path);
	CHECK_ERR(fail_exec(dir_fd, "link", AT_SYMLINK_NOFOLLOW), ELOOP);
	CHECK(run(dir_fd, "prog", AT_SYMLINK_NOFOLLOW, argv,
		  fd_name(dir_fd, "prog"), exe, "prog") == 0);
	tg_ok("AT_SYMLINK_NOFOLLOW: ELOOP on a symlink only");
	CHECK(run(dir_fd, "link", 0, argv, fd_name(dir_fd, "link"), exe,
		  "link") == 0);
	tg_ok("a symlink is followed, exe is its target");
}

static void test_errors(void)
{
	int rfd = openat(dir_fd, "prog", O_RDONLY);
	int pipefd[2];

	CHECK(rfd >= 0 && pipe(pipefd) == 0);
	CHECK_ERR(fail_exec(dir_fd, "prog", AT_REMOVEDIR), EINVAL);
	CHECK_ERR(fail_exec(dir_fd, "prog", 0x8000), EINVAL);
	CHECK_ERR(fail_exec(dir_fd, "prog", -1), EINVAL);
	tg_ok("bad flags give EINVAL");
	CHECK_ERR(fail_exec(rfd, "prog", 0), ENOTDIR);
	CHECK_ERR(fail_exec(-1, "prog", 0), EBADF);
	CHECK_ERR(fail_exec(dir_fd, "", 0), ENOENT);
	CHECK_ERR(fail_exec(dir_fd, "", AT_EMPTY_PATH), EACCES);
	CHECK_ERR(fail_exec(pipefd[0], "", AT_EMPTY_PATH), EACCES);
	CHECK_ERR(fail_exec(dir_fd, "data", 0), EACCES);
	CHECK_ERR(fail_exec(dir_fd, "sub", 0), EACCES);
	CHECK_ERR(fail_exec(dir_fd, "missing", 0), ENOENT);
	tg_ok("bad fds and non-programs give ENOTDIR EBADF ENOENT EACCES");
	close(rfd);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return new_image(argc, argv, false);
	if (argc > 1 && strcmp(argv[1], "script") == 0)
		return new_image(argc, argv, true);
	tg_init("exec_at");
	setup();
	test_relative();
	test_empty_path();
	test_script();
	test_symlinks();
	test_errors();
	cleanup();
	return tg_pass();
}
