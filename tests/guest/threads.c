/*
 * Threads: pthread create/join, mutexes and condition variables, raw futex
 * wait/wake, thread-local storage, per-thread signals, and a raw clone()
 * with CLONE_CHILD_SETTID/CLONE_CHILD_CLEARTID (what pthread_join uses).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guest.h"

enum {
	NTHREADS = 8,
	INCREMENTS = 20000
};

static long futex(volatile int *uaddr, int op, int val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 1000 == 0)
			sched_yield();
	}
	return arg;
}

static void test_mutex(void)
{
	pthread_t th[NTHREADS];
	void *ret;

	counter = 0;
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, count_up, (void *)i) == 0);
	for (long i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(th[i], &ret) == 0);
		CHECK(ret == (void *)i);
	}
	CHECK(counter == (long)NTHREADS * INCREMENTS);
	tg_ok("eight threads count under a mutex");
}

enum {
	QUEUE = 16,
	ITEMS = 5000
};
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[QUEUE];
static int q_head, q_len;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (q_len == QUEUE)
			pthread_cond_wait(&not_full, &lock);
		queue[(q_head + q_len++) % QUEUE] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_condvar(void)
{
	pthread_t th;
	long sum = 0;

	CHECK(pthread_create(&th, NULL, producer, NULL) == 0);
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (q_len == 0)
			pthread_cond_wait(&not_empty, &lock);
		sum += queue[q_head];
		q_head = (q_head + 1) % QUEUE;
		q_len--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(sum == (long)ITEMS * (ITEMS + 1) / 2);
	tg_ok("producer and consumer on a condvar");
}

static volatile int futex_word;
static volatile int waiter_ready;

static void *futex_waiter(void *arg)
{
	(void)arg;
	__atomic_store_n(&waiter_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST) == 0)
		futex(&futex_word, FUTEX_WAIT_PRIVATE, 0, NULL);
	return (void *)(intptr_t)futex_word;
}

static void test_futex(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t th;
	void *ret;
	double t0;

	futex_word = 0;
	CHECK_ERR(futex(&futex_word, FUTEX_WAIT_PRIVATE, 1, NULL), EAGAIN);
	t0 = tg_now();
	CHECK_ERR(futex(&futex_word, FUTEX_WAIT_PRIVATE, 0, &ts), ETIMEDOUT);
	CHECK(tg_now() - t0 >= 0.049);
	CHECK(futex(&futex_word, FUTEX_WAKE_PRIVATE, 1, NULL) == 0);
	CHECK(pthread_create(&th, NULL, futex_waiter, NULL) == 0);
	while (!__atomic_load_n(&waiter_ready, __ATOMIC_SEQ_CST))
		sched_yield();
	tg_msleep(50);
	__atomic_store_n(&futex_word, 7, __ATOMIC_SEQ_CST);
	CHECK(futex(&futex_word, FUTEX_WAKE_PRIVATE, 1, NULL) >= 0);
	CHECK(pthread_join(th, &ret) == 0 && ret == (void *)7);
	tg_ok("futex wait, timeout and wake");
}

static __thread int tls_value = 100;
static pthread_barrier_t barrier;

static void *tls_thread(void *arg)
{
	int me = (int)(intptr_t)arg;
	int ok = tls_value == 100;

	tls_value = me;
	pthread_barrier_wait(&barrier);
	ok = ok && tls_value == me;
	return (void *)(intptr_t)ok;
}

static void test_tls(void)
{
	pthread_t th[NTHREADS];
	void *ret;

	tls_value = -1;
	CHECK(pthread_barrier_init(&barrier, NULL, NTHREADS) == 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, tls_thread,
				     (void *)(intptr_t)i) == 0);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(th[i], &ret) == 0);
		CHECK(ret == (void *)1);
	}
	CHECK(tls_value == -1);
	pthread_barrier_destroy(&barrier);
	tg_ok("thread-local storage is per thread");
}

static volatile pid_t target_tid, handled_tid;
static volatile int ids_ok;

static void on_usr1(int sig)
{
	(void)sig;
	handled_tid = (pid_t)syscall(SYS_gettid);
}

static void *id_thread(void *arg)
{
	(void)arg;
	target_tid = (pid_t)syscall(SYS_gettid);
	ids_ok = target_tid != getpid();
	while (handled_tid == 0)
		tg_msleep(1);
	return NULL;
}

static void test_ids_and_signal(void)
{
	pthread_t th;

	signal(SIGUSR1, on_usr1);
	CHECK(syscall(SYS_gettid) == getpid());
	CHECK(pthread_create(&th, NULL, id_thread, NULL) == 0);
	while (target_tid == 0)
		sched_yield();
	CHECK(pthread_kill(th, SIGUSR1) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(ids_ok);
	CHECK(handled_tid == target_tid);
	signal(SIGUSR1, SIG_DFL);
	tg_ok("gettid and pthread_kill");
}

static volatile int clone_ran;
static volatile pid_t child_tid = -1;

static int clone_fn(void *arg)
{
	(void)arg;
	clone_ran = 1;
	return 0;
}

static void test_raw_clone(void)
{
	size_t size = 64 * 1024;
	char *stack = malloc(size);
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_SETTID |
		    CLONE_CHILD_CLEARTID;
	int tid;

	CHECK(stack != NULL);
	tid = clone(clone_fn, stack + size, flags, NULL, NULL, NULL,
		    &child_tid);
	CHECK(tid > 0);
	/* The kernel clears child_tid and wakes it when the thread dies. */
	for (;;) {
		int cur = __atomic_load_n(&child_tid, __ATOMIC_SEQ_CST);

		if (cur == 0)
			break;
		futex((volatile int *)&child_tid, FUTEX_WAIT, cur, NULL);
	}
	CHECK(clone_ran == 1);
	free(stack);
	tg_ok("clone CLONE_CHILD_CLEARTID wakes the joiner");
}

static void *fork_in_thread(void *arg)
{
	int status;
	pid_t pid = fork();

	(void)arg;
	if (pid == 0)
		_exit(6);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return NULL;
	return (void *)(intptr_t)WEXITSTATUS(status);
}

static void test_fork_in_thread(void)
{
	pthread_t th;
	void *ret;

	CHECK(pthread_create(&th, NULL, fork_in_thread, NULL) == 0);
	CHECK(pthread_join(th, &ret) == 0 && ret == (void *)6);
	tg_ok("fork from a thread");
}

int main(void)
{
	tg_init("threads");
	test_mutex();
	test_condvar();
	test_futex();
	test_tls();
	test_ids_and_signal();
	test_raw_clone();
	test_fork_in_thread();
	return tg_pass();
}
