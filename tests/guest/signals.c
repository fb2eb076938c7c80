/*
 * Signal delivery: sigaction with SA_SIGINFO, masks, pending sets,
 * sigsuspend, SA_RESTART, SIGCHLD, sigaltstack, nesting, queued real-time
 * signals, default actions and FPU state preserved across handlers.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "guest.h"

static volatile sig_atomic_t hits;
static volatile sig_atomic_t last_signo, last_code, last_pid_ok, last_value;
static char order[64];
static volatile sig_atomic_t order_len;

static void note(char c)
{
	if (order_len < (sig_atomic_t)sizeof(order) - 1)
		order[order_len++] = c;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_signo = sig;
	last_code = si->si_code;
	last_pid_ok = si->si_pid == getpid();
	last_value = si->si_value.sival_int;
}

static void on_plain(int sig)
{
	(void)sig;
	hits++;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void set_info_handler(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void test_siginfo(void)
{
	struct sigaction old;

	set_info_handler(SIGUSR1, 0);
	hits = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECK(hits == 1 && last_signo == SIGUSR1 && last_code == SI_TKILL &&
	      last_pid_ok);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(hits == 2 && last_code == SI_USER && last_pid_ok);
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
	CHECK(old.sa_flags & SA_SIGINFO);
	CHECK(kill(getpid(), 0) == 0);
	tg_ok("SA_SIGINFO si_code and si_pid");
}

static void test_mask_pending_suspend(void)
{
	sigset_t block, old, pend, none;

	set_info_handler(SIGUSR1, 0);
	hits = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(hits == 0);
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	sigemptyset(&none);
	CHECK_ERR(sigsuspend(&none), EINTR);
	/* Standard signals do not queue: two raises, one delivery. */
	CHECK(hits == 1);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	tg_ok("sigprocmask sigpending sigsuspend");
}

static void test_rt_queue(void)
{
	sigset_t block, old;
	union sigval v;

	set_info_handler(SIGRTMIN, 0);
	hits = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	for (int i = 1; i <= 3; i++) {
		v.sival_int = i * 10;
		CHECK(sigqueue(getpid(), SIGRTMIN, v) == 0);
	}
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(hits == 3 && last_code == SI_QUEUE && last_value == 30);
	tg_ok("real-time signals queue in order");
}

static void test_ignore_and_default(void)
{
	pid_t pid;
	int status;

	set_handler(SIGUSR2, SIG_IGN, 0);
	CHECK(raise(SIGUSR2) == 0);
	set_handler(SIGUSR2, SIG_DFL, 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	tg_ok("SIG_IGN and default action");
}

static void arm_alarm_ms(long ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

/* A child writes one byte to the pipe after 300 ms; SIGALRM interrupts the
 * blocked read at 100 ms. */
static ssize_t read_with_alarm(int restart)
{
	int fds[2];
	pid_t pid;
	ssize_t n;
	char c = 0;
	int saved;

	set_handler(SIGALRM, on_plain, restart ? SA_RESTART : 0);
	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		tg_msleep(300);
		_exit(write(fds[1], "x", 1) == 1 ? 0 : 1);
	}
	close(fds[1]);
	hits = 0;
	arm_alarm_ms(100);
	n = read(fds[0], &c, 1);
	saved = errno;
	CHECK(hits == 1);
	CHECK(waitpid(pid, NULL, 0) == pid);
	close(fds[0]);
	errno = saved;
	if (n == 1)
		CHECK(c == 'x');
	return n;
}

static void test_sa_restart(void)
{
	CHECK(read_with_alarm(1) == 1);
	tg_ok("SA_RESTART restarts read");
	CHECK(read_with_alarm(0) == -1 && errno == EINTR);
	tg_ok("no SA_RESTART gives EINTR");
}

static void test_sigchld(void)
{
	sigset_t block, old, none;
	pid_t pid;
	int status;

	set_info_handler(SIGCHLD, 0);
	hits = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(4);
	sigemptyset(&none);
	while (hits == 0)
		sigsuspend(&none);
	CHECK(last_signo == SIGCHLD && last_code == CLD_EXITED);
	CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 4);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	set_handler(SIGCHLD, SIG_DFL, 0);
	tg_ok("SIGCHLD with CLD_EXITED");
}

static char *alt_base;
static volatile sig_atomic_t on_alt;

static void on_altstack(int sig)
{
	char here;
	stack_t cur;

	(void)sig;
	on_alt = &here >= alt_base && &here < alt_base + SIGSTKSZ * 4;
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_ONSTACK))
		on_alt = 0;
}

static void test_sigaltstack(void)
{
	stack_t ss, old;

	alt_base = malloc(SIGSTKSZ * 4);
	CHECK(alt_base != NULL);
	ss.ss_sp = alt_base;
	ss.ss_size = SIGSTKSZ * 4;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, &old) == 0);
	set_handler(SIGUSR2, on_altstack, SA_ONSTACK);
	on_alt = 0;
	CHECK(raise(SIGUSR2) == 0);
	CHECK(on_alt == 1);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	set_handler(SIGUSR2, SIG_DFL, 0);
	free(alt_base);
	tg_ok("sigaltstack SA_ONSTACK");
}

static volatile sig_atomic_t nest_runs;

static void on_nest2(int sig)
{
	(void)sig;
	note('b');
}

static void on_nest1(int sig)
{
	(void)sig;
	note('a');
	if (nest_runs++ == 0) {
		raise(SIGUSR2); /* not masked: runs now, nested */
		raise(SIGUSR1); /* masked in its own handler: deferred */
	}
	note('c');
}

static void test_nested(void)
{
	set_handler(SIGUSR2, on_nest2, 0);
	set_handler(SIGUSR1, on_nest1, 0);
	order_len = 0;
	nest_runs = 0;
	CHECK(raise(SIGUSR1) == 0);
	order[order_len] = '\0';
	set_handler(SIGUSR1, SIG_DFL, 0);
	set_handler(SIGUSR2, SIG_DFL, 0);
	CHECK(strcmp(order, "abcac") == 0);
	tg_ok("nested and deferred handlers");
}

/* FPU: the handler uses x87 and SSE heavily; the interrupted loop must
 * still compute exactly what it computes without signals. */
static volatile double sink;

static void on_fpu(int sig)
{
	double d = 1.0;
	long double ld = 3.0L;

	(void)sig;
	for (int i = 0; i < 200; i++) {
		d = d * 1.0001 + 0.37;
		ld = ld / 1.0003L + 0.11L;
	}
	sink = d + (double)ld;
	hits++;
}

static void fpu_loop(double *out_d, long double *out_ld)
{
	double d = 0.5;
	long double ld = 0.25L;

	for (long i = 0; i < 30000000; i++) {
		d = d * 0.9999999 + 0.0000003;
		ld = ld * 0.99999991L + 0.00000007L;
	}
	*out_d = d;
	*out_ld = ld;
}

static void test_fpu(void)
{
	double ref_d, d;
	long double ref_ld, ld;
	struct itimerval it;

	fpu_loop(&ref_d, &ref_ld);
	set_handler(SIGALRM, on_fpu, SA_RESTART);
	hits = 0;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 1000;
	it.it_interval.tv_usec = 1000;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	fpu_loop(&d, &ld);
	memset(&it, 0, sizeof(it));
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	set_handler(SIGALRM, SIG_IGN, 0);
	CHECK(hits > 0);
	CHECK(memcmp(&d, &ref_d, sizeof(d)) == 0);
	CHECK(ld == ref_ld);
	tg_ok("FPU state preserved across handlers");
}

int main(void)
{
	tg_init("signals");
	test_siginfo();
	test_mask_pending_suspend();
	test_rt_queue();
	test_ignore_and_default();
	test_sa_restart();
	test_sigchld();
	test_sigaltstack();
	test_nested();
	test_fpu();
	return tg_pass();
}
