/*
 * Priority-inheritance futexes: PTHREAD_PRIO_INHERIT mutexes (contention,
 * trylock, error checking, robust owner death), condition variables with a
 * PI mutex, and the raw FUTEX_*_PI operations with their errors, including
 * the requeue-PI pair that a condvar on a PI mutex is built from.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "guest.h"

enum {
	NTHREADS = 4,
	INCREMENTS = 100000,
	NWAITERS = 3,
	/* A TID no thread has (above any pid_max). */
	NO_SUCH_TID = 0x3ffffff0
};

/* The raw futex call: the result, or -errno. */
static long fx(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
	       uint32_t *uaddr2, uint32_t val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);

	return r < 0 ? -errno : r;
}

static const char *errname(long err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "0";
	case EAGAIN:
		return "EAGAIN";
	case EBUSY:
		return "EBUSY";
	case EDEADLK:
		return "EDEADLK";
	case EINVAL:
		return "EINVAL";
	case EOWNERDEAD:
		return "EOWNERDEAD";
	case EPERM:
		return "EPERM";
	case ENOSYS:
		return "ENOSYS";
	case ESRCH:
		return "ESRCH";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return "other";
	}
}

static uint32_t my_tid(void)
{
	return (uint32_t)gettid();
}

/* An absolute time ms milliseconds from now on clock. */
static struct timespec abs_in(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Wait (bounded) until the futex word has FUTEX_WAITERS: someone sleeps. */
static void await_waiters(const _Atomic uint32_t *word)
{
	for (int i = 0; i < 5000 && !(atomic_load(word) & FUTEX_WAITERS); i++)
		tg_msleep(1);
	CHECK(atomic_load(word) & FUTEX_WAITERS);
}

static void mutex_init_pi(pthread_mutex_t *m, int type, int robust)
{
	pthread_mutexattr_t a;

	CHECK(pthread_mutexattr_init(&a) == 0);
	CHECK(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) == 0);
	CHECK(pthread_mutexattr_settype(&a, type) == 0);
	CHECK(pthread_mutexattr_setrobust(&a, robust) == 0);
	CHECK(pthread_mutex_init(m, &a) == 0);
	CHECK(pthread_mutexattr_destroy(&a) == 0);
}

/* ---- mutexes ---- */

static pthread_mutex_t count_lock;
static long counter;

static void *count_up(void *arg)
{
	for (int i = 0; i < INCREMENTS; i++) {
		CHECK(pthread_mutex_lock(&count_lock) == 0);
		counter++;
		CHECK(pthread_mutex_unlock(&count_lock) == 0);
	}
	return arg;
}

static void test_contention(void)
{
	pthread_t th[NTHREADS];

	mutex_init_pi(&count_lock, PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_STALLED);
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, count_up, (void *)i) == 0);
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	CHECK(counter == (long)NTHREADS * INCREMENTS);
	CHECK(pthread_mutex_destroy(&count_lock) == 0);
	printf("ok four threads count to %ld under a PI mutex\n", counter);
}

static pthread_mutex_t held;
static atomic_int held_state; /* 1 locked by holder, 2 may unlock */

static void *hold(void *arg)
{
	(void)arg;
	CHECK(pthread_mutex_lock(&held) == 0);
	atomic_store(&held_state, 1);
	while (atomic_load(&held_state) != 2)
		tg_msleep(1);
	CHECK(pthread_mutex_unlock(&held) == 0);
	return NULL;
}

static void test_trylock_errorcheck(void)
{
	struct timespec ts;
	pthread_t th;

	mutex_init_pi(&held, PTHREAD_MUTEX_ERRORCHECK, PTHREAD_MUTEX_STALLED);
	atomic_store(&held_state, 0);
	CHECK(pthread_create(&th, NULL, hold, NULL) == 0);
	while (atomic_load(&held_state) != 1)
		tg_msleep(1);
	printf("ok trylock of a held PI mutex: %s\n",
	       errname(pthread_mutex_trylock(&held)));
	printf("ok unlock of a PI mutex by a non-owner: %s\n",
	       errname(pthread_mutex_unlock(&held)));
	ts = abs_in(CLOCK_REALTIME, 30);
	printf("ok timedlock of a held PI mutex: %s\n",
	       errname(pthread_mutex_timedlock(&held, &ts)));
	ts = abs_in(CLOCK_MONOTONIC, 30);
	printf("ok monotonic clocklock of a held PI mutex: %s\n",
	       errname(pthread_mutex_clocklock(&held, CLOCK_MONOTONIC, &ts)));
	atomic_store(&held_state, 2);
	CHECK(pthread_mutex_lock(&held) == 0);
	printf("ok relock of an errorcheck PI mutex: %s\n",
	       errname(pthread_mutex_lock(&held)));
	printf("ok trylock by the owner: %s\n",
	       errname(pthread_mutex_trylock(&held)));
	CHECK(pthread_mutex_unlock(&held) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(pthread_mutex_destroy(&held) == 0);
}

/* ---- robust PI mutexes ---- */

static pthread_mutex_t robust;
static atomic_int robust_locked;
static atomic_int robust_linger_ms;

static void *lock_and_die(void *arg)
{
	(void)arg;
	CHECK(pthread_mutex_lock(&robust) == 0);
	atomic_store(&robust_locked, 1);
	tg_msleep(atomic_load(&robust_linger_ms));
	return NULL; /* exits still owning the mutex */
}

/* The owner exits holding the mutex, while we wait (linger) or before. */
static void robust_round(int linger_ms, const char *what)
{
	pthread_t th;
	int r;

	atomic_store(&robust_locked, 0);
	atomic_store(&robust_linger_ms, linger_ms);
	CHECK(pthread_create(&th, NULL, lock_and_die, NULL) == 0);
	if (linger_ms) {
		while (!atomic_load(&robust_locked))
			tg_msleep(1);
	} else {
		CHECK(pthread_join(th, NULL) == 0);
	}
	r = pthread_mutex_lock(&robust);
	printf("ok lock after the owner died %s: %s\n", what, errname(r));
	CHECK(r == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&robust) == 0);
	CHECK(pthread_mutex_unlock(&robust) == 0);
	CHECK(pthread_mutex_lock(&robust) == 0);
	CHECK(pthread_mutex_unlock(&robust) == 0);
	if (linger_ms)
		CHECK(pthread_join(th, NULL) == 0);
}

static void test_robust(void)
{
	mutex_init_pi(&robust, PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST);
	robust_round(0, "before");
	robust_round(100, "while we wait");
	CHECK(pthread_mutex_destroy(&robust) == 0);
	tg_ok("a robust PI mutex is consistent again after EOWNERDEAD");
}

/* ---- condition variables ---- */

static pthread_mutex_t cv_lock;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_ready, cv_tickets, cv_served;

static void *cv_waiter(void *arg)
{
	CHECK(pthread_mutex_lock(&cv_lock) == 0);
	cv_ready++;
	while (cv_tickets == 0)
		CHECK(pthread_cond_wait(&cv, &cv_lock) == 0);
	cv_tickets--;
	cv_served++;
	CHECK(pthread_mutex_unlock(&cv_lock) == 0);
	return arg;
}

static int cv_read(const int *v)
{
	int x;

	CHECK(pthread_mutex_lock(&cv_lock) == 0);
	x = *v;
	CHECK(pthread_mutex_unlock(&cv_lock) == 0);
	return x;
}

static void test_condvar(void)
{
	pthread_t th[NWAITERS];
	struct timespec ts;

	mutex_init_pi(&cv_lock, PTHREAD_MUTEX_ERRORCHECK,
		      PTHREAD_MUTEX_STALLED);
	for (long i = 0; i < NWAITERS; i++)
		CHECK(pthread_create(&th[i], NULL, cv_waiter, (void *)i) == 0);
	while (cv_read(&cv_ready) != NWAITERS)
		tg_msleep(1);
	CHECK(pthread_mutex_lock(&cv_lock) == 0);
	cv_tickets = 1;
	CHECK(pthread_cond_signal(&cv) == 0);
	CHECK(pthread_mutex_unlock(&cv_lock) == 0);
	while (cv_read(&cv_served) != 1)
		tg_msleep(1);
	CHECK(pthread_mutex_lock(&cv_lock) == 0);
	cv_tickets = NWAITERS - 1;
	CHECK(pthread_cond_broadcast(&cv) == 0);
	CHECK(pthread_mutex_unlock(&cv_lock) == 0);
	for (long i = 0; i < NWAITERS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	CHECK(cv_served == NWAITERS && cv_tickets == 0);
	tg_ok("cond signal and broadcast wake three waiters on a PI mutex");

	CHECK(pthread_mutex_lock(&cv_lock) == 0);
	ts = abs_in(CLOCK_REALTIME, 50);
	printf("ok timed cond wait on a PI mutex: %s\n",
	       errname(pthread_cond_timedwait(&cv, &cv_lock, &ts)));
	ts = abs_in(CLOCK_MONOTONIC, 50);
	printf("ok monotonic cond clockwait on a PI mutex: %s\n",
	       errname(pthread_cond_clockwait(&cv, &cv_lock, CLOCK_MONOTONIC,
					      &ts)));
	/* Still the owner: an errorcheck mutex unlocks without EPERM. */
	CHECK(pthread_mutex_unlock(&cv_lock) == 0);
	CHECK(pthread_mutex_destroy(&cv_lock) == 0);
	tg_ok("a timed-out cond wait returns owning the PI mutex");
}

/* ---- raw PI futex operations ---- */

static _Atomic uint32_t word, word2;
static atomic_int raw_state;

static uint32_t *w1(void)
{
	return (uint32_t *)&word;
}

static uint32_t *w2(void)
{
	return (uint32_t *)&word2;
}

/* Own word until told to go (raw_state 2), then unlock it. */
static void *raw_hold(void *arg)
{
	(void)arg;
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	atomic_store(&raw_state, 1);
	while (atomic_load(&raw_state) != 2)
		tg_msleep(1);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	return NULL;
}

static void test_raw_errors(void)
{
	struct timespec ts;
	pthread_t th;
	long r;

	atomic_store(&word, NO_SUCH_TID);
	printf("ok lock_pi of a word owned by no thread: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	atomic_store(&word, NO_SUCH_TID);
	printf("ok unlock_pi by a non-owner: %s\n",
	       errname(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	atomic_store(&word, 0);
	printf("ok unlock_pi of a free word: %s\n",
	       errname(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("ok lock_pi of a free word: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	CHECK(atomic_load(&word) == my_tid());
	printf("ok lock_pi again by the owner: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("ok trylock_pi by the owner: %s\n",
	       errname(fx(w1(), FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(atomic_load(&word) == 0);
	printf("ok lock_pi with FUTEX_CLOCK_REALTIME: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0,
			  NULL, NULL, 0)));
	atomic_store(&word, FUTEX_OWNER_DIED);
	r = fx(w1(), FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("ok trylock_pi takes over a dead owner's word: %s\n",
	       errname(r));
	CHECK(atomic_load(&word) == (FUTEX_OWNER_DIED | my_tid()));
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);

	atomic_store(&word, 0);
	atomic_store(&raw_state, 0);
	CHECK(pthread_create(&th, NULL, raw_hold, NULL) == 0);
	while (atomic_load(&raw_state) != 1)
		tg_msleep(1);
	printf("ok trylock_pi of a word held by a live thread: %s\n",
	       errname(fx(w1(), FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("ok unlock_pi of another thread's word: %s\n",
	       errname(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("ok wait on a PI word with the wrong value: %s\n",
	       errname(fx(w1(), FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0)));
	ts = abs_in(CLOCK_REALTIME, 30);
	printf("ok lock_pi times out on CLOCK_REALTIME: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0)));
	ts = abs_in(CLOCK_MONOTONIC, 30);
	printf("ok lock_pi2 times out on CLOCK_MONOTONIC: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI2_PRIVATE, 0, &ts, NULL, 0)));
	ts = abs_in(CLOCK_REALTIME, 30);
	printf("ok lock_pi2 times out on CLOCK_REALTIME: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI2_PRIVATE | FUTEX_CLOCK_REALTIME,
			  0, &ts, NULL, 0)));
	ts.tv_nsec = 1000000000L;
	printf("ok lock_pi with a bad timeout: %s\n",
	       errname(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0)));
	atomic_store(&raw_state, 2);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK((atomic_load(&word) & FUTEX_TID_MASK) == my_tid());
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(atomic_load(&word) == 0);
	tg_ok("a blocked lock_pi is handed the word on unlock");
}

/* Lock word, then exit without unlocking once the main thread waits. */
static void *raw_lock_and_die(void *arg)
{
	(void)arg;
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	atomic_store(&raw_state, 1);
	await_waiters(&word);
	return NULL;
}

static void test_raw_owner_death(void)
{
	pthread_t th;
	uint32_t v;

	atomic_store(&word, 0);
	atomic_store(&raw_state, 0);
	CHECK(pthread_create(&th, NULL, raw_lock_and_die, NULL) == 0);
	while (atomic_load(&raw_state) != 1)
		tg_msleep(1);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	v = atomic_load(&word);
	CHECK((v & FUTEX_TID_MASK) == my_tid());
	printf("ok a waiter gets the word of an owner that exits; "
	       "owner-died %s\n",
	       v & FUTEX_OWNER_DIED ? "set" : "clear");
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(atomic_load(&word) == 0);
}

static atomic_int interrupts;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&interrupts, 1);
}

/* Block in lock_pi across a signal; report the result in raw_state. */
static void *raw_lock_through_signal(void *arg)
{
	long r = fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);

	atomic_store(&raw_state, r == 0 ? 1 : -1);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	return arg;
}

static void test_raw_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t th;

	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	atomic_store(&raw_state, 0);
	atomic_store(&word, 0);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(pthread_create(&th, NULL, raw_lock_through_signal, NULL) == 0);
	await_waiters(&word);
	CHECK(pthread_kill(th, SIGUSR1) == 0);
	while (atomic_load(&interrupts) == 0)
		tg_msleep(1);
	tg_msleep(20);
	CHECK(atomic_load(&raw_state) == 0);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(atomic_load(&raw_state) == 1);
	tg_ok("a signal does not end a lock_pi wait (it restarts)");
}

/* Own word2, then lock word (owned by main): a deadlock once main waits. */
static void *raw_cross(void *arg)
{
	(void)arg;
	CHECK(fx(w2(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	atomic_store(&raw_state, 1);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(fx(w2(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	return arg;
}

static void test_raw_deadlock(void)
{
	pthread_t th;

	atomic_store(&word, 0);
	atomic_store(&word2, 0);
	atomic_store(&raw_state, 0);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(pthread_create(&th, NULL, raw_cross, NULL) == 0);
	await_waiters(&word);
	printf("ok lock_pi that would close a cycle of owners: %s\n",
	       errname(fx(w2(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(atomic_load(&word) == 0 && atomic_load(&word2) == 0);
}

/* ---- requeue-PI ---- */

static _Atomic uint32_t cond_word;
static atomic_int rq_owned;

static uint32_t *cw(void)
{
	return (uint32_t *)&cond_word;
}

/* Wait on cond_word to be requeued onto word; count the times we own it. */
static void *rq_waiter(void *arg)
{
	long r = fx(cw(), FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, w1(), 0);

	CHECK(r == 0);
	CHECK((atomic_load(&word) & FUTEX_TID_MASK) == my_tid());
	atomic_fetch_add(&rq_owned, 1);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	return arg;
}

/* CMP_REQUEUE_PI until n waiters were woken or moved in all. */
static long requeue_all(int n, int nrequeue)
{
	long total = 0;

	for (int i = 0; i < 5000 && total < n; i++) {
		long r = fx(cw(), FUTEX_CMP_REQUEUE_PI_PRIVATE, 1,
			    (const struct timespec *)(uintptr_t)nrequeue, w1(),
			    0);

		CHECK(r >= 0);
		total += r;
		if (total < n)
			tg_msleep(1);
	}
	return total;
}

static void test_requeue_pi(void)
{
	pthread_t th[NWAITERS];
	struct timespec ts;

	atomic_store(&cond_word, 0);
	atomic_store(&word, 0);
	printf("ok wait_requeue_pi onto itself: %s\n",
	       errname(fx(cw(), FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, cw(),
			  0)));
	printf("ok wait_requeue_pi with the wrong value: %s\n",
	       errname(fx(cw(), FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, NULL, w1(),
			  0)));
	ts = abs_in(CLOCK_MONOTONIC, 30);
	printf("ok wait_requeue_pi times out: %s\n",
	       errname(fx(cw(), FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, &ts, w1(),
			  0)));
	printf("ok cmp_requeue_pi waking two: %s\n",
	       errname(fx(cw(), FUTEX_CMP_REQUEUE_PI_PRIVATE, 2,
			  (const struct timespec *)1, w1(), 0)));
	printf("ok cmp_requeue_pi with a stale value: %s\n",
	       errname(fx(cw(), FUTEX_CMP_REQUEUE_PI_PRIVATE, 1,
			  (const struct timespec *)1, w1(), 7)));
	printf("ok cmp_requeue_pi without waiters: %ld\n",
	       fx(cw(), FUTEX_CMP_REQUEUE_PI_PRIVATE, 1,
		  (const struct timespec *)1, w1(), 0));

	/* The PI futex is free: the waiter takes it at once. */
	atomic_store(&rq_owned, 0);
	CHECK(pthread_create(&th[0], NULL, rq_waiter, NULL) == 0);
	printf("ok cmp_requeue_pi to a free lock: %ld\n", requeue_all(1, 1));
	CHECK(pthread_join(th[0], NULL) == 0);
	CHECK(atomic_load(&rq_owned) == 1 && atomic_load(&word) == 0);
	tg_ok("the requeued waiter returns owning the free PI futex");

	/* Held: a broadcast moves all three; unlocking hands it round. */
	atomic_store(&rq_owned, 0);
	CHECK(fx(w1(), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	for (long i = 0; i < NWAITERS; i++)
		CHECK(pthread_create(&th[i], NULL, rq_waiter, (void *)i) == 0);
	printf("ok cmp_requeue_pi broadcast to a held lock: %ld\n",
	       requeue_all(NWAITERS, INT_MAX));
	CHECK(atomic_load(&word) == (FUTEX_WAITERS | my_tid()));
	printf("ok plain wake on a PI futex with waiters: %s\n",
	       errname(fx(w1(), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
	CHECK(atomic_load(&rq_owned) == 0);
	CHECK(fx(w1(), FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0);
	for (long i = 0; i < NWAITERS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	CHECK(atomic_load(&rq_owned) == NWAITERS && atomic_load(&word) == 0);
	tg_ok("three requeued waiters each own the PI futex in turn");
}

int main(void)
{
	tg_init("futex_pi");
	test_contention();
	test_trylock_errorcheck();
	test_robust();
	test_condvar();
	test_raw_errors();
	test_raw_owner_death();
	test_raw_signal();
	test_raw_deadlock();
	test_requeue_pi();
	return tg_pass();
}
