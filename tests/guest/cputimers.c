/*
 * CPU-time timers: ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF)
 * fire while the process spins and stand still while it sleeps;
 * setitimer returns the old setting; RLIMIT_CPU sends SIGXCPU at the soft
 * limit (and every second after, raising the soft limit) and SIGKILL at
 * the hard one; POSIX timers on process and thread CPU-time clocks fire;
 * /proc/loadavg and sysinfo agree on the load averages.
 *
 * Everything is measured in the process's own CPU time, never in wall
 * time, so a busy host makes the test slower but not flaky. Counts are
 * checked against wide ranges: only facts are printed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "guest.h"

static volatile sig_atomic_t vtalrms, profs, xcpus, cpu_hits;
static volatile sig_atomic_t cpu_code, cpu_value, cpu_overruns;
static volatile double xcpu_at[4];

/* CPU time of the whole process, in seconds. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A little user-mode work between two looks at the clock. */
static void burn(void)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < 100000; i++)
		x += i;
}

/* Spin until *count reaches want or secs of CPU time have gone. */
static void spin_until(volatile sig_atomic_t *count, int want, double secs)
{
	double end = cpu_now() + secs;

	while ((!count || *count < want) && cpu_now() < end)
		burn();
}

static void spin(double secs)
{
	spin_until(NULL, 0, secs);
}

/* This thread's CPU time, in seconds. */
static double thread_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_secs(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double ts_secs(struct timespec ts)
{
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_vtalrm(int sig)
{
	(void)sig;
	vtalrms++;
}

static void on_prof(int sig)
{
	(void)sig;
	profs++;
}

static void on_xcpu(int sig)
{
	(void)sig;
	if (xcpus < 4)
		xcpu_at[xcpus] = cpu_now();
	xcpus++;
}

static void on_cpu_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	cpu_hits++;
	cpu_code = si->si_code;
	cpu_value = si->si_value.sival_int;
	cpu_overruns += si->si_overrun;
}

static void set_itimer(int which, double value, double interval)
{
	struct itimerval it = {
		.it_value = { (time_t)value,
			      (suseconds_t)((value - (time_t)value) * 1e6) },
		.it_interval = { (time_t)interval,
				 (suseconds_t)((interval - (time_t)interval) *
					       1e6) },
	};

	CHECK(setitimer(which, &it, NULL) == 0);
}

/* Ten expiries of a 10 ms timer take about 100 ms of CPU time. */
#define PERIODIC_SIGNALS 10
#define PERIODIC_MIN_CPU 0.08
/* The most CPU time to spin waiting for one signal. */
#define SPIN_CAP 5.0

static void test_virtual_periodic(void)
{
	struct itimerval old, zero = { 0 };
	double start = cpu_now();

	signal(SIGVTALRM, on_vtalrm);
	vtalrms = 0;
	set_itimer(ITIMER_VIRTUAL, 0.01, 0.01);
	spin_until(&vtalrms, PERIODIC_SIGNALS, SPIN_CAP);
	CHECK(setitimer(ITIMER_VIRTUAL, &zero, &old) == 0);
	printf("vtalrm fired: %s\n", vtalrms > 0 ? "yes" : "no");
	CHECK(vtalrms >= PERIODIC_SIGNALS);
	CHECK(cpu_now() - start >= PERIODIC_MIN_CPU);
	CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
	CHECK(tv_secs(old.it_value) > 0 && tv_secs(old.it_value) <= 0.03);
	tg_ok("ITIMER_VIRTUAL fires SIGVTALRM every 10 ms of CPU time");
}

static void test_prof_periodic(void)
{
	struct itimerval zero = { 0 }, cur;
	double start = cpu_now();

	signal(SIGPROF, on_prof);
	profs = 0;
	set_itimer(ITIMER_PROF, 0.01, 0.01);
	spin_until(&profs, PERIODIC_SIGNALS, SPIN_CAP);
	CHECK(setitimer(ITIMER_PROF, &zero, NULL) == 0);
	printf("sigprof fired: %s\n", profs > 0 ? "yes" : "no");
	CHECK(profs >= PERIODIC_SIGNALS);
	CHECK(cpu_now() - start >= PERIODIC_MIN_CPU);
	CHECK(getitimer(ITIMER_PROF, &cur) == 0);
	CHECK(tv_secs(cur.it_value) == 0 && tv_secs(cur.it_interval) == 0);
	tg_ok("ITIMER_PROF fires SIGPROF every 10 ms of CPU time");
}

static void test_one_shot(void)
{
	struct itimerval cur;
	double start = cpu_now();

	vtalrms = 0;
	set_itimer(ITIMER_VIRTUAL, 0.05, 0);
	spin_until(&vtalrms, 1, SPIN_CAP);
	CHECK(cpu_now() - start >= 0.045);
	spin(0.1);
	CHECK(getitimer(ITIMER_VIRTUAL, &cur) == 0);
	printf("one-shot fired once: %s\n", vtalrms == 1 ? "yes" : "no");
	CHECK(vtalrms == 1);
	CHECK(tv_secs(cur.it_value) == 0 && tv_secs(cur.it_interval) == 0);
	tg_ok("an ITIMER_VIRTUAL without interval fires once and disarms");
}

/* A thread that spins until SIGVTALRM came (or for SPIN_CAP of CPU). */
static void *spin_thread(void *arg)
{
	double end = thread_cpu_now() + SPIN_CAP;

	(void)arg;
	while (vtalrms < 1 && thread_cpu_now() < end)
		burn();
	return NULL;
}

static void test_all_threads_count(void)
{
	struct itimerval cur;
	pthread_t th;

	vtalrms = 0;
	set_itimer(ITIMER_VIRTUAL, 0.1, 0);
	CHECK(pthread_create(&th, NULL, spin_thread, NULL) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(getitimer(ITIMER_VIRTUAL, &cur) == 0);
	printf("another thread's time counts: %s\n",
	       vtalrms == 1 ? "yes" : "no");
	CHECK(vtalrms == 1 && tv_secs(cur.it_value) == 0);
	tg_ok("CPU itimers count the time of every thread");
}

static void test_steady_while_sleeping(void)
{
	struct itimerval v1, v2, v3, p1, p2, p3;
	double end;

	set_itimer(ITIMER_VIRTUAL, 10, 0);
	set_itimer(ITIMER_PROF, 10, 0);
	CHECK(getitimer(ITIMER_VIRTUAL, &v1) == 0);
	CHECK(getitimer(ITIMER_PROF, &p1) == 0);
	CHECK(tv_secs(v1.it_value) > 9.9 && tv_secs(v1.it_value) <= 10.02);
	CHECK(tv_secs(p1.it_value) > 9.9 && tv_secs(p1.it_value) <= 10.02);
	tg_msleep(300);
	CHECK(getitimer(ITIMER_VIRTUAL, &v2) == 0);
	CHECK(getitimer(ITIMER_PROF, &p2) == 0);
	printf("virtual steady while sleeping: %s\n",
	       tv_secs(v1.it_value) - tv_secs(v2.it_value) < 0.03 ? "yes" :
								    "no");
	printf("prof steady while sleeping: %s\n",
	       tv_secs(p1.it_value) - tv_secs(p2.it_value) < 0.03 ? "yes" :
								    "no");
	end = cpu_now() + SPIN_CAP;
	do {
		spin(0.02);
		CHECK(getitimer(ITIMER_VIRTUAL, &v3) == 0);
		CHECK(getitimer(ITIMER_PROF, &p3) == 0);
	} while ((tv_secs(v2.it_value) - tv_secs(v3.it_value) < 0.1 ||
		  tv_secs(p2.it_value) - tv_secs(p3.it_value) < 0.1) &&
		 cpu_now() < end);
	printf("virtual and prof run while spinning: %s\n",
	       cpu_now() < end ? "yes" : "no");
	set_itimer(ITIMER_VIRTUAL, 0, 0);
	set_itimer(ITIMER_PROF, 0, 0);
	tg_ok("CPU itimers count CPU time, not sleep");
}

static void test_old_value(void)
{
	struct itimerval it = { .it_value = { 2, 0 } }, old, cur;

	set_itimer(ITIMER_PROF, 5, 1);
	CHECK(setitimer(ITIMER_PROF, &it, &old) == 0);
	CHECK(old.it_interval.tv_sec == 1 && old.it_interval.tv_usec == 0);
	CHECK(tv_secs(old.it_value) > 4.9 && tv_secs(old.it_value) <= 5.02);
	CHECK(getitimer(ITIMER_PROF, &cur) == 0);
	CHECK(tv_secs(cur.it_interval) == 0);
	CHECK(tv_secs(cur.it_value) > 1.9 && tv_secs(cur.it_value) <= 2.02);
	set_itimer(ITIMER_PROF, 0, 0);
	CHECK(getitimer(ITIMER_PROF, &cur) == 0);
	CHECK(tv_secs(cur.it_value) == 0);
	CHECK_ERR(setitimer(ITIMER_PROF + 1, &it, NULL), EINVAL);
	it.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_VIRTUAL, &it, NULL), EINVAL);
	tg_ok("setitimer returns the old CPU itimer and validates");
}

/*
 * In a child: after 1.05 s of CPU time, a soft RLIMIT_CPU of 1 s sends
 * SIGXCPU at once (well before the next second) and raises the soft limit
 * to 2 s; SIGXCPU comes again at 2 s, and the hard limit of 3 s kills.
 */
static void rlimit_child(void)
{
	struct rlimit rl = { 1, 3 };

	signal(SIGXCPU, on_xcpu);
	spin(1.05 - cpu_now());
	CHECK(setrlimit(RLIMIT_CPU, &rl) == 0);
	spin_until(&xcpus, 1, SPIN_CAP);
	printf("sigxcpu at soft limit: %s\n", xcpus == 1 ? "yes" : "no");
	CHECK(xcpus == 1);
	printf("setrlimit takes effect at once: %s\n",
	       xcpu_at[0] < 1.9 ? "yes" : "no");
	CHECK(getrlimit(RLIMIT_CPU, &rl) == 0);
	printf("soft limit raised by a second: %s\n",
	       rl.rlim_cur == 2 && rl.rlim_max == 3 ? "yes" : "no");
	spin_until(&xcpus, 2, SPIN_CAP);
	printf("sigxcpu again a second later: %s\n",
	       xcpus == 2 && xcpu_at[1] >= 1.95 ? "yes" : "no");
	fflush(stdout);
	spin(SPIN_CAP);
	printf("FAIL %s: not killed at the hard limit\n", tg_name);
	_exit(1);
}

static void test_rlimit_cpu(void)
{
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		rlimit_child();
	CHECK(waitpid(pid, &status, 0) == pid);
	printf("killed at hard limit: %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "yes" :
								    "no");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	tg_ok("RLIMIT_CPU: SIGXCPU past the soft limit, SIGKILL at hard");
}

static timer_t make_cpu_timer(clockid_t clk, int value)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGRTMIN,
		.sigev_value.sival_int = value,
	};
	timer_t tid;

	CHECK(timer_create(clk, &sev, &tid) == 0);
	return tid;
}

static void arm(timer_t tid, double value, double interval)
{
	struct itimerspec its = {
		.it_value = { (time_t)value,
			      (long)((value - (time_t)value) * 1e9) },
		.it_interval = { (time_t)interval,
				 (long)((interval - (time_t)interval) * 1e9) },
	};

	CHECK(timer_settime(tid, 0, &its, NULL) == 0);
}

static void test_posix_process_timer(void)
{
	struct itimerspec cur;
	double start;
	timer_t tid = make_cpu_timer(CLOCK_PROCESS_CPUTIME_ID, 7);

	cpu_hits = 0;
	start = cpu_now();
	arm(tid, 0.1, 0);
	CHECK(timer_gettime(tid, &cur) == 0);
	CHECK(ts_secs(cur.it_value) > 0.05 && ts_secs(cur.it_value) <= 0.1);
	tg_msleep(200);
	CHECK(timer_gettime(tid, &cur) == 0);
	printf("cpu timer steady while sleeping: %s\n",
	       ts_secs(cur.it_value) > 0.05 && cpu_hits == 0 ? "yes" : "no");
	spin_until(&cpu_hits, 1, SPIN_CAP);
	printf("process cpu timer fired: %s\n", cpu_hits == 1 ? "yes" : "no");
	CHECK(cpu_hits == 1 && cpu_code == SI_TIMER && cpu_value == 7);
	CHECK(cpu_now() - start >= 0.095);
	CHECK(timer_gettime(tid, &cur) == 0);
	CHECK(ts_secs(cur.it_value) == 0);
	CHECK(timer_delete(tid) == 0);
	tg_ok("timer_create(CLOCK_PROCESS_CPUTIME_ID) fires on CPU time");
}

static void test_posix_thread_timer(void)
{
	timer_t tid = make_cpu_timer(CLOCK_THREAD_CPUTIME_ID, 8);
	double start = thread_cpu_now(), end = start + SPIN_CAP;

	cpu_hits = 0;
	cpu_overruns = 0;
	arm(tid, 0.02, 0.02);
	while (cpu_hits + cpu_overruns < 5 && thread_cpu_now() < end)
		burn();
	CHECK(timer_delete(tid) == 0);
	printf("thread cpu timer fired: %s\n", cpu_hits > 0 ? "yes" : "no");
	CHECK(cpu_hits + cpu_overruns >= 5 && cpu_value == 8);
	CHECK(thread_cpu_now() - start >= 0.095);
	tg_ok("a periodic CLOCK_THREAD_CPUTIME_ID timer fires every period");
}

static void test_posix_cpuclockid_timers(void)
{
	clockid_t pclk, tclk;
	timer_t ptid, ttid;

	CHECK(clock_getcpuclockid(getpid(), &pclk) == 0);
	CHECK(pthread_getcpuclockid(pthread_self(), &tclk) == 0);
	ptid = make_cpu_timer(pclk, 9);
	ttid = make_cpu_timer(tclk, 10);
	cpu_hits = 0;
	arm(ptid, 0.03, 0);
	spin_until(&cpu_hits, 1, SPIN_CAP);
	CHECK(cpu_hits == 1 && cpu_value == 9);
	arm(ttid, 0.03, 0);
	spin_until(&cpu_hits, 2, SPIN_CAP);
	CHECK(cpu_hits == 2 && cpu_value == 10);
	CHECK(timer_delete(ptid) == 0);
	CHECK(timer_delete(ttid) == 0);
	/* The process clock of a pid beyond any pid_max. */
	pclk = (clockid_t)(((unsigned)~0x7ffffffu << 3) | 2);
	CHECK_ERR(timer_create(pclk, NULL, &ptid), EINVAL);
	tg_ok("timers on clock_getcpuclockid and pthread_getcpuclockid ids");
}

/* A timer on a child's CPU clock: fires while the child spins. */
static void test_posix_child_clock_timer(void)
{
	struct itimerspec its = { .it_value = { 1, 0 } }, cur;
	double deadline;
	clockid_t clk;
	timer_t tid;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		spin(SPIN_CAP);
		_exit(0);
	}
	CHECK(clock_getcpuclockid(pid, &clk) == 0);
	tid = make_cpu_timer(clk, 11);
	cpu_hits = 0;
	arm(tid, 0.05, 0);
	deadline = tg_now() + 30;
	while (cpu_hits < 1 && tg_now() < deadline)
		tg_msleep(10);
	printf("timer on a child's clock fired: %s\n",
	       cpu_hits == 1 ? "yes" : "no");
	CHECK(cpu_hits == 1 && cpu_value == 11);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, NULL, 0) == pid);
	CHECK_ERR(timer_settime(tid, 0, &its, NULL), ESRCH);
	CHECK(timer_gettime(tid, &cur) == 0);
	CHECK(ts_secs(cur.it_value) == 0);
	CHECK(timer_delete(tid) == 0);
	tg_ok("a timer on another process's CPU clock");
}

static void test_posix_cpu_timers(void)
{
	struct sigaction sa = { .sa_sigaction = on_cpu_timer,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGRTMIN, &sa, NULL) == 0);
	test_posix_process_timer();
	test_posix_thread_timer();
	test_posix_cpuclockid_timers();
	test_posix_child_clock_timer();
}

/* Read /proc/loadavg's three averages in hundredths; 0 on a bad format. */
static int read_loadavg(long hundredths[3])
{
	char buf[128], tail[8];
	long whole[3], frac[3], running, total, last;
	int n;
	FILE *f = fopen("/proc/loadavg", "r");

	if (!f)
		return 0;
	n = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!n)
		return 0;
	n = sscanf(buf, "%ld.%2ld %ld.%2ld %ld.%2ld %ld/%ld %ld%1s", &whole[0],
		   &frac[0], &whole[1], &frac[1], &whole[2], &frac[2], &running,
		   &total, &last, tail);
	if (n != 9 || running < 1 || total < running)
		return 0;
	for (int i = 0; i < 3; i++)
		hundredths[i] = whole[i] * 100 + frac[i];
	return 1;
}

static void test_loadavg(void)
{
	long a[3], b[3];
	struct sysinfo si;
	int agreed = 0;

	for (int tries = 0; tries < 10 && !agreed; tries++) {
		CHECK(read_loadavg(a));
		CHECK(sysinfo(&si) == 0);
		CHECK(read_loadavg(b));
		if (memcmp(a, b, sizeof(a)))
			continue;
		agreed = 1;
		for (int i = 0; i < 3; i++) {
			long si_hundredths =
				(long)((si.loads[i] * 100 + 32768) >> 16);

			if (si_hundredths < a[i] - 1 ||
			    si_hundredths > a[i] + 1)
				agreed = 0;
		}
	}
	printf("loadavg and sysinfo agree: %s\n", agreed ? "yes" : "no");
	CHECK(agreed);
	tg_ok("/proc/loadavg format");
}

int main(void)
{
	tg_init("cputimers");
	test_virtual_periodic();
	test_prof_periodic();
	test_one_shot();
	test_all_threads_count();
	test_steady_while_sleeping();
	test_old_value();
	test_rlimit_cpu();
	test_posix_cpu_timers();
	test_loadavg();
	return tg_pass();
}
