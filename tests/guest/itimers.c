/*
 * Time: ITIMER_REAL and alarm with SIGALRM, getitimer, nanosleep and
 * clock_nanosleep durations, clock_gettime monotonicity, and POSIX timers
 * delivering SIGEV_SIGNAL. Durations are checked loosely: never shorter than
 * asked, and less than two seconds longer.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>

#include "guest.h"

#define SLACK 2.0

static volatile sig_atomic_t alarms;
static volatile sig_atomic_t rt_hits, rt_code, rt_value;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	rt_hits++;
	rt_code = si->si_code;
	rt_value = si->si_value.sival_int;
}

static void check_duration(double start, double want)
{
	double took = tg_now() - start;

	CHECK(took >= want - 0.0005);
	CHECK(took < want + SLACK);
}

static void wait_alarms(sig_atomic_t n)
{
	sigset_t none;

	sigemptyset(&none);
	while (alarms < n)
		sigsuspend(&none);
}

static void test_itimer_real(void)
{
	struct itimerval it, cur;
	sigset_t block, old;
	double t0;

	signal(SIGALRM, on_alarm);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	alarms = 0;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 20000;
	it.it_interval.tv_usec = 20000;
	t0 = tg_now();
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(getitimer(ITIMER_REAL, &cur) == 0);
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 20000);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 20000);
	wait_alarms(5);
	check_duration(t0, 0.1);
	memset(&it, 0, sizeof(it));
	CHECK(setitimer(ITIMER_REAL, &it, &cur) == 0);
	CHECK(cur.it_interval.tv_usec == 20000);
	CHECK(getitimer(ITIMER_REAL, &cur) == 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	tg_ok("setitimer ITIMER_REAL periodic");
}

static void test_alarm(void)
{
	unsigned left;
	double t0;
	sigset_t block, old;

	signal(SIGALRM, on_alarm);
	CHECK(alarm(5) == 0);
	left = alarm(0);
	CHECK(left >= 4 && left <= 5);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	alarms = 0;
	t0 = tg_now();
	CHECK(alarm(1) == 0);
	wait_alarms(1);
	check_duration(t0, 1.0);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	signal(SIGALRM, SIG_DFL);
	tg_ok("alarm");
}

static void test_sleeps(void)
{
	struct timespec req = { 0, 100 * 1000 * 1000 }, abs_ts;
	double t0;

	t0 = tg_now();
	CHECK(nanosleep(&req, NULL) == 0);
	check_duration(t0, 0.1);
	t0 = tg_now();
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
	check_duration(t0, 0.1);
	t0 = tg_now();
	CHECK(clock_gettime(CLOCK_MONOTONIC, &abs_ts) == 0);
	abs_ts.tv_nsec += 150 * 1000 * 1000;
	if (abs_ts.tv_nsec >= 1000000000) {
		abs_ts.tv_sec++;
		abs_ts.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs_ts, NULL) ==
	      0);
	check_duration(t0, 0.15);
	req.tv_nsec = 1000000000;
	CHECK_ERR(nanosleep(&req, NULL), EINVAL);
	tg_ok("nanosleep and clock_nanosleep durations");
}

static void test_clocks(void)
{
	struct timespec a, b, res;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	for (int i = 0; i < 10000; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
		CHECK(b.tv_sec > a.tv_sec ||
		      (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
		a = b;
	}
	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000);
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);
	CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0);
	CHECK(clock_gettime(CLOCK_BOOTTIME, &a) == 0);
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	CHECK(time(NULL) > 1600000000);
	CHECK_ERR(clock_gettime((clockid_t)1000, &a), EINVAL);
	tg_ok("clock_gettime clock_getres");
}

static void test_posix_timers(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its, cur;
	sigset_t block, old, none;
	timer_t tid;
	double t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGRTMIN, &sa, NULL) == 0);
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	sigemptyset(&none);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 42;
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 30 * 1000 * 1000;
	rt_hits = 0;
	t0 = tg_now();
	CHECK(timer_settime(tid, 0, &its, NULL) == 0);
	while (rt_hits < 1)
		sigsuspend(&none);
	check_duration(t0, 0.03);
	CHECK(rt_code == SI_TIMER && rt_value == 42);
	tg_ok("timer_create one-shot SIGEV_SIGNAL");

	its.it_value.tv_nsec = 10 * 1000 * 1000;
	its.it_interval.tv_nsec = 10 * 1000 * 1000;
	rt_hits = 0;
	t0 = tg_now();
	CHECK(timer_settime(tid, 0, &its, NULL) == 0);
	CHECK(timer_gettime(tid, &cur) == 0);
	CHECK(cur.it_interval.tv_nsec == 10 * 1000 * 1000);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10000000);
	while (rt_hits < 3)
		sigsuspend(&none);
	check_duration(t0, 0.03);
	CHECK(timer_getoverrun(tid) >= 0);
	CHECK(timer_delete(tid) == 0);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	tg_ok("timer_settime periodic and timer_delete");
}

int main(void)
{
	tg_init("itimers");
	test_itimer_real();
	test_alarm();
	test_sleeps();
	test_clocks();
	test_posix_timers();
	return tg_pass();
}
