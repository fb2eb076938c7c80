/*
 * Pipes and FIFOs: data and EOF, pipe2 flags, non-blocking EAGAIN, atomic
 * PIPE_BUF writes from several writers, SIGPIPE/EPIPE, FIONREAD and named
 * pipes in /tmp.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest.h"

static void test_basic(void)
{
	int fds[2];
	char buf[16];

	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "hello", 5) == 5);
	CHECK(read(fds[0], buf, sizeof(buf)) == 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(close(fds[1]) == 0);
	CHECK(read(fds[0], buf, sizeof(buf)) == 0);
	CHECK(close(fds[0]) == 0);
	tg_ok("pipe data then EOF");
}

/* Both ends are FIFOs to fstat, also by an empty path (what glibc uses). */
static void test_fstat(void)
{
	struct stat a, b;
	int fds[2];

	CHECK(pipe(fds) == 0);
	CHECK(fstat(fds[0], &a) == 0 && S_ISFIFO(a.st_mode));
	CHECK(fstatat(fds[1], "", &b, AT_EMPTY_PATH) == 0 &&
	      S_ISFIFO(b.st_mode));
	CHECK(a.st_ino == b.st_ino);
	close(fds[0]);
	close(fds[1]);
	tg_ok("fstat of both ends: the same S_IFIFO inode");
}

static void test_pipe2_nonblock(void)
{
	int fds[2], avail = -1;
	char buf[4096];
	long total = 0;
	ssize_t n;

	CHECK(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
	CHECK_ERR(read(fds[0], buf, sizeof(buf)), EAGAIN);
	memset(buf, 'p', sizeof(buf));
	while ((n = write(fds[1], buf, sizeof(buf))) > 0)
		total += n;
	CHECK(n == -1 && errno == EAGAIN);
	CHECK(total >= PIPE_BUF);
	CHECK(ioctl(fds[0], FIONREAD, &avail) == 0 && avail == total);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		total -= n;
	CHECK(n == -1 && errno == EAGAIN && total == 0);
	close(fds[0]);
	close(fds[1]);
	tg_ok("pipe2 O_CLOEXEC O_NONBLOCK EAGAIN FIONREAD");
}

static void test_atomic_writers(void)
{
	enum {
		WRITERS = 4,
		RECORDS = 100
	};
	static char data[WRITERS * RECORDS * PIPE_BUF];
	int fds[2], status;
	size_t got = 0;
	int count[WRITERS] = { 0 };

	CHECK(pipe(fds) == 0);
	for (int w = 0; w < WRITERS; w++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			char rec[PIPE_BUF];

			close(fds[0]);
			memset(rec, 'A' + w, sizeof(rec));
			for (int r = 0; r < RECORDS; r++)
				if (write(fds[1], rec, sizeof(rec)) !=
				    (ssize_t)sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], data + got, sizeof(data) - got);

		CHECK(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	for (int w = 0; w < WRITERS; w++) {
		CHECK(wait(&status) > 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK(got == sizeof(data));
	for (size_t off = 0; off < got; off += PIPE_BUF) {
		char c = data[off];

		CHECK(c >= 'A' && c < 'A' + WRITERS);
		for (size_t i = 1; i < PIPE_BUF; i++)
			CHECK(data[off + i] == c);
		count[c - 'A']++;
	}
	for (int w = 0; w < WRITERS; w++)
		CHECK(count[w] == RECORDS);
	tg_ok("PIPE_BUF writes are atomic");
}

static void test_epipe(void)
{
	int fds[2], status;
	pid_t pid;

	CHECK(pipe(fds) == 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(fds[1], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		ssize_t r = write(fds[1], "x", 1);
		(void)r;
		_exit(0);
	}
	close(fds[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
	tg_ok("SIGPIPE and EPIPE");
}

static void test_shared_writers_eof(void)
{
	int fds[2], status;
	char c;
	pid_t pid;

	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int w = dup(fds[1]);

		close(fds[0]);
		tg_msleep(100);
		_exit(write(w, "z", 1) == 1 ? 0 : 1);
	}
	close(fds[1]);
	/* The child's two copies of the write end keep EOF away. */
	CHECK(read(fds[0], &c, 1) == 1 && c == 'z');
	CHECK(read(fds[0], &c, 1) == 0);
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 0);
	tg_ok("EOF only after every writer closes");
}

static void test_fifo(void)
{
	char dir[] = "/tmp/pipesXXXXXX";
	char path[64];
	char buf[32];
	struct stat st;
	int fd, status;
	pid_t pid;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK_ERR(open(path, O_WRONLY | O_NONBLOCK), ENXIO);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int w = open(path, O_WRONLY);

		if (w < 0 || write(w, "through fifo", 12) != 12)
			_exit(1);
		_exit(0);
	}
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf)) == 12);
	CHECK(memcmp(buf, "through fifo", 12) == 0);
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	close(fd);
	CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 0);
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	tg_ok("mkfifo open read write");
}

int main(void)
{
	tg_init("pipes");
	test_basic();
	test_fstat();
	test_pipe2_nonblock();
	test_atomic_writers();
	test_epipe();
	test_shared_writers_eof();
	test_fifo();
	return tg_pass();
}
