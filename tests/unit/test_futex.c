/*
 * Unit tests for the PI futex operations and thread-exit cleanup
 * (kernel/futex.c) against a fake guest memory, task table and scheduler:
 * taking, trying and releasing PI words, their errors, hand-over to a
 * sleeping waiter, owner death with and without a robust list, and the
 * requeue-PI pair. A "sleep" runs a hook standing in for the other tasks.
 */
#include <linux/futex.h>

#include "futex.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"

/* The uapi <linux/time.h> under sched.h already defined struct timeval. */
#define __timeval_defined 1
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define GUEST_BASE 0x10000ULL
#define TID_A 100
#define TID_B 200
#define TID_NONE 12345

/* ---- fakes ---- */

struct sched_state sched;
static uint8_t guest[4096];
static struct task task_a = { .pid = TID_A, .state = TASK_RUNNING };
static struct task task_b = { .pid = TID_B, .state = TASK_RUNNING };
/* A non-NULL mm for both tasks: one address space. */
static struct mm *fake_mm = (struct mm *)&guest;
static int wakeups;
static int sleeps;
/* What the other tasks do while current sleeps; the sleep's result. */
static int (*sleep_hook)(int nth);

static bool guest_range(uaddr_t addr, size_t len)
{
	return addr >= GUEST_BASE && len <= sizeof(guest) &&
	       addr - GUEST_BASE <= sizeof(guest) - len;
}

int copy_from_user(void *dst, uaddr_t src, size_t len)
{
	if (!guest_range(src, len))
		return -EFAULT;
	memcpy(dst, guest + (src - GUEST_BASE), len);
	return 0;
}

int copy_to_user(uaddr_t dst, const void *src, size_t len)
{
	if (!guest_range(dst, len))
		return -EFAULT;
	memcpy(guest + (dst - GUEST_BASE), src, len);
	return 0;
}

int mm_copy_from(struct mm *mm, void *dst, uaddr_t src, size_t len)
{
	ck_assert_ptr_eq(mm, fake_mm);
	return copy_from_user(dst, src, len);
}

int mm_copy_to(struct mm *mm, uaddr_t dst, const void *src, size_t len)
{
	ck_assert_ptr_eq(mm, fake_mm);
	return copy_to_user(dst, src, len);
}

int mm_get_page(struct mm *mm, uint64_t addr, bool write, pfn_t *out)
{
	(void)mm, (void)write;
	if (!guest_range(addr, 1))
		return -EFAULT;
	*out = 1;
	return 0;
}

struct task *task_find(int pid)
{
	if (pid == TID_A)
		return &task_a;
	if (pid == TID_B)
		return &task_b;
	return NULL;
}

void wake_up_process(struct task *t)
{
	(void)t;
	wakeups++;
}

int sched_sleep(bool interruptible, uint64_t deadline)
{
	(void)interruptible, (void)deadline;
	ck_assert_msg(sleep_hook != NULL, "slept with nobody to wake us");
	return sleep_hook(++sleeps);
}

uint64_t time_mono_ns(void)
{
	return 1000;
}

uint64_t time_real_ns(void)
{
	return 2000;
}

/* ---- helpers ---- */

enum {
	WORD = 0, /* offsets of futex words in guest memory */
	WORD2 = 4,
	COND = 8,
};

static uaddr_t uaddr(int off)
{
	return GUEST_BASE + (uaddr_t)off;
}

static uint32_t word(int off)
{
	uint32_t v;

	memcpy(&v, guest + off, sizeof(v));
	return v;
}

static void set_word(int off, uint32_t v)
{
	memcpy(guest + off, &v, sizeof(v));
}

static void setup(void)
{
	memset(guest, 0, sizeof(guest));
	task_a.mm = fake_mm;
	task_b.mm = fake_mm;
	sched.running = &task_a;
	wakeups = 0;
	sleeps = 0;
	sleep_hook = NULL;
}

static long futex_as(struct task *t, int off, int op, uint64_t val,
		     uint64_t uts, int off2, uint32_t val3)
{
	const long args[6] = { (long)uaddr(off),  op,
			       (long)val,	  (long)uts,
			       (long)uaddr(off2), (long)val3 };
	struct task *saved = sched.running;
	long r;

	sched.running = t;
	r = sys_futex(args);
	sched.running = saved;
	return r;
}

static long pi_op(struct task *t, int off, int op)
{
	return futex_as(t, off, op | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0);
}

/* ---- lock, trylock, unlock ---- */

START_TEST(lock_pi_takes_a_free_word)
{
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), TID_A);
}
END_TEST

START_TEST(lock_pi_takes_over_a_dead_owners_word_keeping_owner_died)
{
	set_word(WORD, FUTEX_OWNER_DIED | FUTEX_WAITERS);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), FUTEX_OWNER_DIED | TID_A);
}
END_TEST

START_TEST(lock_pi_by_the_owner_is_edeadlk)
{
	set_word(WORD, TID_A);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -EDEADLK);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_TRYLOCK_PI), -EDEADLK);
}
END_TEST

START_TEST(lock_pi_of_an_unknown_owner_is_esrch_with_waiters_set)
{
	set_word(WORD, TID_NONE);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -ESRCH);
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_NONE);
}
END_TEST

START_TEST(lock_pi_of_an_exited_owner_is_esrch)
{
	task_b.mm = NULL;
	set_word(WORD, TID_B);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -ESRCH);
}
END_TEST

START_TEST(pi_ops_refuse_misaligned_and_unmapped_words)
{
	const long misaligned[6] = { (long)GUEST_BASE + 2,
				     FUTEX_LOCK_PI_PRIVATE };
	const long unmapped[6] = { 0x1000, FUTEX_LOCK_PI_PRIVATE };

	ck_assert_int_eq(sys_futex(misaligned), -EINVAL);
	ck_assert_int_eq(sys_futex(unmapped), -EFAULT);
}
END_TEST

START_TEST(trylock_pi_of_a_held_word_would_block_and_keeps_no_state)
{
	set_word(WORD, TID_B);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_TRYLOCK_PI), -EWOULDBLOCK);
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_B);
	/* No kernel waiters: the owner's unlock just clears the word. */
	ck_assert_int_eq(pi_op(&task_b, WORD, FUTEX_UNLOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), 0);
}
END_TEST

START_TEST(unlock_pi_by_a_non_owner_is_eperm)
{
	set_word(WORD, TID_B);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_UNLOCK_PI), -EPERM);
	set_word(WORD, 0);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_UNLOCK_PI), -EPERM);
}
END_TEST

START_TEST(lock_pi_with_clock_realtime_is_enosys_but_lock_pi2_is_not)
{
	ck_assert_int_eq(futex_as(&task_a, WORD,
				  FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, 0, 0,
				  0),
			 -ENOSYS);
	ck_assert_int_eq(futex_as(&task_a, WORD,
				  FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, 0, 0,
				  0, 0),
			 0);
}
END_TEST

/* ---- sleeping for a held lock ---- */

static int b_unlocks(int nth)
{
	ck_assert_int_eq(nth, 1);
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_B);
	ck_assert_int_eq(pi_op(&task_b, WORD, FUTEX_UNLOCK_PI), 0);
	/* Handed straight to the waiter, which was woken. */
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_A);
	ck_assert_int_eq(wakeups, 1);
	return 0;
}

START_TEST(lock_pi_sleeps_until_the_owner_hands_the_word_over)
{
	set_word(WORD, TID_B);
	sleep_hook = b_unlocks;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_A);
	/* The lock state went with the last waiter. */
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_UNLOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), 0);
}
END_TEST

static int others_meddle(int nth)
{
	ck_assert_int_eq(nth, 1);
	/* B owns it; its word disagreeing with the kernel is EINVAL. */
	set_word(WORD, FUTEX_WAITERS | TID_A);
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_UNLOCK_PI), -EINVAL);
	ck_assert_int_eq(pi_op(&task_b, WORD, FUTEX_LOCK_PI), -EINVAL);
	/* A plain wake or wait-wake on a PI futex with waiters is EINVAL. */
	ck_assert_int_eq(futex_as(&task_b, WORD, FUTEX_WAKE_PRIVATE, 1, 0, 0,
				  0),
			 -EINVAL);
	return -ETIMEDOUT;
}

START_TEST(pi_state_checks_the_word_and_refuses_plain_wakes)
{
	set_word(WORD, TID_B);
	sleep_hook = others_meddle;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -ETIMEDOUT);
}
END_TEST

static int time_out(int nth)
{
	(void)nth;
	return -ETIMEDOUT;
}

static int signal_arrives(int nth)
{
	(void)nth;
	return -ERESTARTSYS;
}

static int spurious_then_unlock(int nth)
{
	if (nth == 1)
		return 0;
	return b_unlocks(1);
}

START_TEST(lock_pi_times_out_and_leaves_no_state)
{
	set_word(WORD, TID_B);
	sleep_hook = time_out;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -ETIMEDOUT);
	ck_assert_int_eq(pi_op(&task_b, WORD, FUTEX_UNLOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), 0);
}
END_TEST

START_TEST(lock_pi_interrupted_by_a_signal_restarts)
{
	set_word(WORD, TID_B);
	sleep_hook = signal_arrives;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), -ERESTARTNOINTR);
}
END_TEST

START_TEST(lock_pi_sleeps_again_after_a_spurious_wakeup)
{
	set_word(WORD, TID_B);
	sleep_hook = spurious_then_unlock;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), 0);
	ck_assert_int_eq(sleeps, 2);
}
END_TEST

/* ---- owner death ---- */

static int b_exits(int nth)
{
	ck_assert_int_eq(nth, 1);
	futex_exit_pi(&task_b);
	ck_assert_uint_eq(word(WORD), FUTEX_OWNER_DIED | FUTEX_WAITERS | TID_A);
	ck_assert_int_eq(wakeups, 1);
	return 0;
}

START_TEST(an_exiting_owner_hands_the_word_on_with_owner_died)
{
	set_word(WORD, TID_B);
	sleep_hook = b_exits;
	ck_assert_int_eq(pi_op(&task_a, WORD, FUTEX_LOCK_PI), 0);
}
END_TEST

/* B's robust list at 0x100: head, then entries at 0x200 and 0x300. */
enum {
	HEAD = 0x100,
	ENTRY1 = 0x200,
	ENTRY2 = 0x300,
	LOCK_OFFSET = 0x10,
};

static void set_u64(int off, uint64_t v)
{
	memcpy(guest + off, &v, sizeof(v));
}

/* Link the entries: each pointer carries bit 0 when its futex is PI. */
static void robust_list(bool pi1, bool pi2, uint64_t pending)
{
	set_u64(HEAD, uaddr(ENTRY1) | pi1);
	set_u64(HEAD + 8, LOCK_OFFSET);
	set_u64(HEAD + 16, pending);
	set_u64(ENTRY1, uaddr(ENTRY2) | pi2);
	set_u64(ENTRY2, uaddr(HEAD));
	task_b.robust_list = uaddr(HEAD);
	task_b.robust_len = 24;
}

START_TEST(robust_exit_marks_pi_and_plain_futexes_owner_died)
{
	robust_list(true, false, 0);
	set_word(ENTRY1 + LOCK_OFFSET, TID_B);
	set_word(ENTRY2 + LOCK_OFFSET, TID_B | FUTEX_WAITERS);
	futex_exit_robust(&task_b);
	ck_assert_uint_eq(word(ENTRY1 + LOCK_OFFSET), FUTEX_OWNER_DIED);
	ck_assert_uint_eq(word(ENTRY2 + LOCK_OFFSET),
			  FUTEX_OWNER_DIED | FUTEX_WAITERS);
}
END_TEST

START_TEST(robust_exit_leaves_futexes_of_other_owners_alone)
{
	robust_list(true, true, uaddr(ENTRY2) | 1);
	set_word(ENTRY1 + LOCK_OFFSET, TID_A);
	set_word(ENTRY2 + LOCK_OFFSET, TID_B);
	futex_exit_robust(&task_b);
	ck_assert_uint_eq(word(ENTRY1 + LOCK_OFFSET), TID_A);
	/* The pending entry, also on the list, is released once. */
	ck_assert_uint_eq(word(ENTRY2 + LOCK_OFFSET), FUTEX_OWNER_DIED);
}
END_TEST

static int b_exits_robustly(int nth)
{
	ck_assert_int_eq(nth, 1);
	futex_exit_robust(&task_b);
	ck_assert_uint_eq(word(ENTRY1 + LOCK_OFFSET),
			  FUTEX_OWNER_DIED | FUTEX_WAITERS);
	ck_assert_int_eq(wakeups, 0);
	futex_exit_pi(&task_b);
	ck_assert_int_eq(wakeups, 1);
	return 0;
}

START_TEST(robust_pi_owner_death_hands_the_lock_to_the_waiter)
{
	robust_list(true, false, 0);
	set_word(ENTRY1 + LOCK_OFFSET, TID_B);
	sleep_hook = b_exits_robustly;
	ck_assert_int_eq(pi_op(&task_a, ENTRY1 + LOCK_OFFSET, FUTEX_LOCK_PI),
			 0);
	ck_assert_uint_eq(word(ENTRY1 + LOCK_OFFSET),
			  FUTEX_OWNER_DIED | FUTEX_WAITERS | TID_A);
}
END_TEST

START_TEST(a_cyclic_robust_list_ends)
{
	robust_list(false, false, 0);
	set_u64(ENTRY2, uaddr(ENTRY1));
	futex_exit_robust(&task_b);
}
END_TEST

/* ---- requeue-PI ---- */

static long cmp_requeue_pi(struct task *t, uint32_t nwake, uint64_t nrequeue,
			   uint32_t cmpval)
{
	return futex_as(t, COND, FUTEX_CMP_REQUEUE_PI_PRIVATE, nwake, nrequeue,
			WORD, cmpval);
}

static long wait_requeue_pi(struct task *t, uint32_t val, int off2)
{
	return futex_as(t, COND, FUTEX_WAIT_REQUEUE_PI_PRIVATE, val, 0, off2,
			0);
}

START_TEST(requeue_pi_arguments_are_checked)
{
	ck_assert_int_eq(cmp_requeue_pi(&task_b, 2, 1, 0), -EINVAL);
	ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, (uint64_t)-1, 0), -EINVAL);
	ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, 1, 5), -EAGAIN);
	ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, 1, 0), 0);
	ck_assert_int_eq(wait_requeue_pi(&task_a, 0, COND), -EINVAL);
	ck_assert_int_eq(wait_requeue_pi(&task_a, 1, WORD), -EAGAIN);
}
END_TEST

static int b_requeues_then_unlocks(int nth)
{
	if (nth == 1) {
		/* The lock is held: the waiter moves onto it. */
		ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, 1, 0), 1);
		ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_B);
		ck_assert_int_eq(wakeups, 0);
		/* Requeued but not handed the lock: a plain wake is EINVAL. */
		ck_assert_int_eq(futex_as(&task_b, WORD, FUTEX_WAKE_PRIVATE, 1,
					  0, 0, 0),
				 -EINVAL);
		return 0;
	}
	return b_unlocks(1);
}

START_TEST(requeue_pi_to_a_held_lock_waits_for_the_owner)
{
	set_word(WORD, TID_B);
	sleep_hook = b_requeues_then_unlocks;
	ck_assert_int_eq(wait_requeue_pi(&task_a, 0, WORD), 0);
	ck_assert_uint_eq(word(WORD), FUTEX_WAITERS | TID_A);
}
END_TEST

static int b_requeues_free_lock(int nth)
{
	ck_assert_int_eq(nth, 1);
	ck_assert_int_eq(futex_as(&task_b, COND, FUTEX_WAKE_PRIVATE, 1, 0, 0,
				  0),
			 -EINVAL);
	ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, 0, 0), 1);
	ck_assert_uint_eq(word(WORD), TID_A);
	ck_assert_int_eq(wakeups, 1);
	return 0;
}

START_TEST(requeue_pi_to_a_free_lock_takes_it_for_the_waiter)
{
	sleep_hook = b_requeues_free_lock;
	ck_assert_int_eq(wait_requeue_pi(&task_a, 0, WORD), 0);
}
END_TEST

static int b_requeues_then_signal(int nth)
{
	if (nth == 1) {
		set_word(WORD, TID_B);
		ck_assert_int_eq(cmp_requeue_pi(&task_b, 1, 1, 0), 1);
		return 0;
	}
	return -ERESTARTSYS;
}

START_TEST(requeue_pi_waits_end_in_restart_before_and_ewouldblock_after)
{
	sleep_hook = signal_arrives;
	ck_assert_int_eq(wait_requeue_pi(&task_a, 0, WORD), -ERESTARTNOINTR);
	sleeps = 0;
	sleep_hook = b_requeues_then_signal;
	ck_assert_int_eq(wait_requeue_pi(&task_a, 0, WORD), -EWOULDBLOCK);
	/* The waiter left: the owner unlocks without anyone to hand to. */
	ck_assert_int_eq(pi_op(&task_b, WORD, FUTEX_UNLOCK_PI), 0);
	ck_assert_uint_eq(word(WORD), 0);
}
END_TEST

static Suite *futex_suite(void)
{
	Suite *s = suite_create("futex");
	TCase *lock = tcase_create("lock");
	TCase *sleep = tcase_create("sleep");
	TCase *death = tcase_create("death");
	TCase *requeue = tcase_create("requeue_pi");

	tcase_add_checked_fixture(lock, setup, NULL);
	tcase_add_test(lock, lock_pi_takes_a_free_word);
	tcase_add_test(
		lock, lock_pi_takes_over_a_dead_owners_word_keeping_owner_died);
	tcase_add_test(lock, lock_pi_by_the_owner_is_edeadlk);
	tcase_add_test(lock,
		       lock_pi_of_an_unknown_owner_is_esrch_with_waiters_set);
	tcase_add_test(lock, lock_pi_of_an_exited_owner_is_esrch);
	tcase_add_test(lock, pi_ops_refuse_misaligned_and_unmapped_words);
	tcase_add_test(
		lock, trylock_pi_of_a_held_word_would_block_and_keeps_no_state);
	tcase_add_test(lock, unlock_pi_by_a_non_owner_is_eperm);
	tcase_add_test(
		lock,
		lock_pi_with_clock_realtime_is_enosys_but_lock_pi2_is_not);
	suite_add_tcase(s, lock);

	tcase_add_checked_fixture(sleep, setup, NULL);
	tcase_add_test(sleep,
		       lock_pi_sleeps_until_the_owner_hands_the_word_over);
	tcase_add_test(sleep, pi_state_checks_the_word_and_refuses_plain_wakes);
	tcase_add_test(sleep, lock_pi_times_out_and_leaves_no_state);
	tcase_add_test(sleep, lock_pi_interrupted_by_a_signal_restarts);
	tcase_add_test(sleep, lock_pi_sleeps_again_after_a_spurious_wakeup);
	suite_add_tcase(s, sleep);

	tcase_add_checked_fixture(death, setup, NULL);
	tcase_add_test(death,
		       an_exiting_owner_hands_the_word_on_with_owner_died);
	tcase_add_test(death,
		       robust_exit_marks_pi_and_plain_futexes_owner_died);
	tcase_add_test(death, robust_exit_leaves_futexes_of_other_owners_alone);
	tcase_add_test(death,
		       robust_pi_owner_death_hands_the_lock_to_the_waiter);
	tcase_add_test(death, a_cyclic_robust_list_ends);
	suite_add_tcase(s, death);

	tcase_add_checked_fixture(requeue, setup, NULL);
	tcase_add_test(requeue, requeue_pi_arguments_are_checked);
	tcase_add_test(requeue, requeue_pi_to_a_held_lock_waits_for_the_owner);
	tcase_add_test(requeue,
		       requeue_pi_to_a_free_lock_takes_it_for_the_waiter);
	tcase_add_test(
		requeue,
		requeue_pi_waits_end_in_restart_before_and_ewouldblock_after);
	suite_add_tcase(s, requeue);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(futex_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
