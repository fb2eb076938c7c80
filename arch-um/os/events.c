/*
 * Host events and asynchronous signals: the interrupt controller's host
 * half.
 *
 * Host fds are watched with one epoll set. Asynchronous signals (the tick,
 * SIGWINCH, SIGTERM/SIGINT/SIGHUP, SIGIO) only set a flag and write a byte
 * to a self-pipe that is part of the epoll set, so an idle wait never
 * misses one; and because their handlers are installed without SA_RESTART
 * they also interrupt a blocking wait for a stub.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

#define WAKE_TOKEN UINT64_MAX
#define MAX_BATCH 32

struct os_events_state {
	int epfd;
	int wake_rd, wake_wr;
	volatile sig_atomic_t pending;
	bool tick_on;
};

static struct os_events_state os_events = { .epfd = -1 };

int os_events_init(void)
{
	int p[2];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_TOKEN };

	os_events.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (os_events.epfd < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	os_events.wake_rd = p[0];
	os_events.wake_wr = p[1];
	if (epoll_ctl(os_events.epfd, EPOLL_CTL_ADD, p[0], &ev))
		return -errno;
	return 0;
}

static uint32_t to_epoll(uint32_t ev)
{
	return (ev & OS_EV_IN ? EPOLLIN : 0) | (ev & OS_EV_OUT ? EPOLLOUT : 0);
}

int os_event_add(int fd, uint32_t events, uint64_t token)
{
	struct epoll_event ev = { .events = to_epoll(events),
				  .data.u64 = token };

	return epoll_ctl(os_events.epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int os_event_mod(int fd, uint32_t events, uint64_t token)
{
	struct epoll_event ev = { .events = to_epoll(events),
				  .data.u64 = token };

	return epoll_ctl(os_events.epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int os_event_del(int fd)
{
	return epoll_ctl(os_events.epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

static void drain_wake_pipe(void)
{
	char buf[64];

	while (read(os_events.wake_rd, buf, sizeof(buf)) > 0)
		;
}

int os_event_wait(struct os_event *out, int max, int64_t timeout_ns)
{
	struct epoll_event evs[MAX_BATCH];
	int timeout_ms, n, i, stored = 0;

	if (os_events.pending)
		timeout_ns = 0;
	if (timeout_ns < 0)
		timeout_ms = -1;
	else
		timeout_ms = (int)((timeout_ns + 999999) / 1000000);
	if (max > MAX_BATCH)
		max = MAX_BATCH;
	n = epoll_wait(os_events.epfd, evs, max, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		uint32_t e = evs[i].events;

		if (evs[i].data.u64 == WAKE_TOKEN) {
			drain_wake_pipe();
			continue;
		}
		out[stored].token = evs[i].data.u64;
		out[stored].events = (e & EPOLLIN ? OS_EV_IN : 0) |
				     (e & EPOLLOUT ? OS_EV_OUT : 0) |
				     (e & EPOLLERR ? OS_EV_ERR : 0) |
				     (e & EPOLLHUP ? OS_EV_HUP : 0);
		stored++;
	}
	return stored;
}

static void note_signal(uint32_t bit)
{
	int saved = errno;

	__atomic_or_fetch(&os_events.pending, bit, __ATOMIC_SEQ_CST);
	if (write(os_events.wake_wr, "", 1) < 0) {
		/* A full pipe already guarantees a wake-up. */
	}
	errno = saved;
}

static void on_signal(int sig)
{
	switch (sig) {
	case SIGALRM:
		note_signal(OS_SIG_TICK);
		break;
	case SIGWINCH:
		note_signal(OS_SIG_WINCH);
		break;
	case SIGIO:
		note_signal(OS_SIG_IO);
		break;
	default:
		note_signal(OS_SIG_TERM);
		break;
	}
}

int os_signals_init(void)
{
	static const int sigs[] = { SIGALRM, SIGWINCH, SIGIO,
				    SIGTERM, SIGINT,   SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

void os_tick_start(uint64_t period_ns)
{
	struct itimerval it;

	if (os_events.tick_on)
		return;
	it.it_interval.tv_sec = (time_t)(period_ns / 1000000000ULL);
	it.it_interval.tv_usec =
		(suseconds_t)(period_ns % 1000000000ULL / 1000);
	it.it_value = it.it_interval;
	setitimer(ITIMER_REAL, &it, NULL);
	os_events.tick_on = true;
}

void os_tick_stop(void)
{
	struct itimerval it;

	if (!os_events.tick_on)
		return;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	os_events.tick_on = false;
}

uint32_t os_signals_take(void)
{
	return (uint32_t)__atomic_exchange_n(&os_events.pending, 0,
					     __ATOMIC_SEQ_CST);
}

bool os_signals_pending(void)
{
	return os_events.pending != 0;
}
