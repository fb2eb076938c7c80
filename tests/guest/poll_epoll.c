/*
 * Readiness: poll, select and ppoll on pipes with timeouts and signal masks,
 * epoll (level and edge triggered, ctl errors) and eventfd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/time.h>

#include "guest.h"

static void test_poll(void)
{
	int fds[2];
	struct pollfd pfd[2];
	double t0;
	char c;

	CHECK(pipe(fds) == 0);
	pfd[0].fd = fds[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = fds[1];
	pfd[1].events = POLLOUT;
	t0 = tg_now();
	CHECK(poll(pfd, 1, 50) == 0);
	CHECK(tg_now() - t0 >= 0.049 && tg_now() - t0 < 2.05);
	CHECK(poll(pfd, 2, 0) == 1 && pfd[1].revents == POLLOUT);
	CHECK(write(fds[1], "x", 1) == 1);
	CHECK(poll(pfd, 2, 1000) == 2);
	CHECK(pfd[0].revents == POLLIN && pfd[1].revents == POLLOUT);
	CHECK(read(fds[0], &c, 1) == 1);
	close(fds[1]);
	CHECK(poll(pfd, 1, 1000) == 1 && (pfd[0].revents & POLLHUP));
	close(fds[0]);
	pfd[0].fd = fds[0];
	CHECK(poll(pfd, 1, 0) == 1 && pfd[0].revents == POLLNVAL);
	pfd[0].fd = -1;
	CHECK(poll(pfd, 1, 0) == 0 && pfd[0].revents == 0);
	tg_ok("poll timeout POLLIN POLLOUT POLLHUP POLLNVAL");
}

static void test_select(void)
{
	int fds[2];
	fd_set rd, wr;
	struct timeval tv = { 0, 50000 };
	double t0;

	CHECK(pipe(fds) == 0);
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	t0 = tg_now();
	CHECK(select(fds[0] + 1, &rd, NULL, NULL, &tv) == 0);
	CHECK(tg_now() - t0 >= 0.049 && tg_now() - t0 < 2.05);
	CHECK(!FD_ISSET(fds[0], &rd));
	CHECK(write(fds[1], "y", 1) == 1);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fds[0], &rd);
	FD_SET(fds[1], &wr);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	CHECK(select(fds[1] + 1, &rd, &wr, NULL, &tv) == 2);
	CHECK(FD_ISSET(fds[0], &rd) && FD_ISSET(fds[1], &wr));
	close(fds[0]);
	close(fds[1]);
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	tv.tv_sec = 0;
	CHECK_ERR(select(fds[0] + 1, &rd, NULL, NULL, &tv), EBADF);
	tg_ok("select timeout and readiness");
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_ppoll(void)
{
	int fds[2];
	struct pollfd pfd;
	struct timespec ts = { 5, 0 };
	struct itimerval it;
	sigset_t block, old, none;

	CHECK(pipe(fds) == 0);
	signal(SIGALRM, on_alarm);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 50000;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	/* SIGALRM stays blocked outside ppoll, and is taken inside it. */
	tg_msleep(100);
	CHECK(alarms == 0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	sigemptyset(&none);
	CHECK_ERR(ppoll(&pfd, 1, &ts, &none), EINTR);
	CHECK(alarms == 1);
	ts.tv_sec = 0;
	ts.tv_nsec = 20 * 1000 * 1000;
	CHECK(ppoll(&pfd, 1, &ts, &none) == 0);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	signal(SIGALRM, SIG_DFL);
	close(fds[0]);
	close(fds[1]);
	tg_ok("ppoll with a signal mask");
}

static void test_epoll(void)
{
	int fds[2], ep;
	struct epoll_event ev, out[4];
	char c;

	CHECK(pipe(fds) == 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1234567890abcdefULL;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) == 0);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), EEXIST);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, fds[1], &ev), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_wait(ep, out, 4, 30) == 0);
	CHECK(write(fds[1], "ab", 2) == 2);
	CHECK(epoll_wait(ep, out, 4, 1000) == 1);
	CHECK(out[0].events == EPOLLIN &&
	      out[0].data.u64 == 0x1234567890abcdefULL);
	/* Level triggered: still readable. */
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u32 = 7;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u32 == 7);
	/* Edge triggered: no new data, no new event. */
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(fds[1], "c", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(read(fds[0], &c, 1) == 1);
	close(fds[1]);
	CHECK(epoll_wait(ep, out, 4, 100) == 1 && (out[0].events & EPOLLHUP));
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	close(fds[0]);
	close(ep);
	tg_ok("epoll level and edge triggered");
}

static void test_eventfd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int ep = epoll_create1(0);
	uint64_t v;
	struct epoll_event ev, out;
	struct pollfd pfd;

	CHECK(efd >= 0 && ep >= 0);
	CHECK_ERR(read(efd, &v, sizeof(v)), EAGAIN);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = efd;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	v = 3;
	CHECK(write(efd, &v, sizeof(v)) == sizeof(v));
	v = 4;
	CHECK(write(efd, &v, sizeof(v)) == sizeof(v));
	CHECK(epoll_wait(ep, &out, 1, 0) == 1 && out.data.fd == efd);
	pfd.fd = efd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 1);
	CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 7);
	CHECK(poll(&pfd, 1, 0) == 0);
	CHECK_ERR(write(efd, &v, 4), EINVAL);
	close(efd);
	close(ep);

	efd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(efd >= 0);
	CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 1);
	CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 1);
	CHECK_ERR(read(efd, &v, sizeof(v)), EAGAIN);
	close(efd);
	tg_ok("eventfd counter and semaphore");
}

int main(void)
{
	tg_init("poll_epoll");
	test_poll();
	test_select();
	test_ppoll();
	test_epoll();
	test_eventfd();
	return tg_pass();
}
