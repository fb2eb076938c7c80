/*
 * Unit tests for kernel/loadavg.c: Linux's fixed-point decay, the
 * fixed-point power used to apply many samples at once, the lazy catch-up
 * of missed samples (idle gaps count only uninterruptible tasks) and the
 * task count it samples.
 */
#include <check.h>
#include <stdlib.h>

#include "fake_loadavg_sched.h"
#include "loadavg.h"

#define SEC NSEC_PER_SEC

static void state_reset(struct loadavg_state *la, uint64_t now)
{
	*la = (struct loadavg_state){ .next_sample = now + LOADAVG_FREQ_NS,
				      .last_update = now };
}

START_TEST(one_sample_of_one_task_reads_as_linux_does)
{
	struct loadavg_state la = { 0 };

	loadavg_apply(&la, 1, 1);
	/* (2048 - 1884) rounded up: 0.08 once printed with rounding. */
	ck_assert_uint_eq(la.avenrun[0], 164);
	ck_assert_uint_eq(la.avenrun[1], 34);
	ck_assert_uint_eq(la.avenrun[2], 11);
	ck_assert_uint_eq(LOADAVG_FRAC(la.avenrun[0] + LOADAVG_FIXED_1 / 200),
			  8);
}
END_TEST

START_TEST(constant_load_is_reached_exactly)
{
	struct loadavg_state la = { 0 };

	for (int i = 0; i < 2000; i++)
		loadavg_apply(&la, 3, 1);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(la.avenrun[i], 3 * LOADAVG_FIXED_1);
	for (int i = 0; i < 2000; i++)
		loadavg_apply(&la, 0, 1);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(la.avenrun[i], 0);
}
END_TEST

START_TEST(fixed_power_matches_linux_rounding)
{
	ck_assert_uint_eq(loadavg_exp_pow(LOADAVG_EXP_1, 0), LOADAVG_FIXED_1);
	ck_assert_uint_eq(loadavg_exp_pow(LOADAVG_EXP_1, 1), LOADAVG_EXP_1);
	/* 1884^2 / 2048 = 1733.1 -> 1733. */
	ck_assert_uint_eq(loadavg_exp_pow(LOADAVG_EXP_1, 2), 1733);
	/* e^-1 after one time constant: 12 samples of 5 s for 1 minute. */
	ck_assert_uint_ge(loadavg_exp_pow(LOADAVG_EXP_1, 12), 740);
	ck_assert_uint_le(loadavg_exp_pow(LOADAVG_EXP_1, 12), 770);
	ck_assert_uint_eq(loadavg_exp_pow(LOADAVG_EXP_15, UINT64_MAX), 0);
}
END_TEST

START_TEST(many_samples_at_once_match_one_by_one)
{
	struct loadavg_state a = { .avenrun = { 5000, 4000, 3000 } };
	struct loadavg_state b = a;

	for (int i = 0; i < 30; i++)
		loadavg_apply(&a, 1, 1);
	loadavg_apply(&b, 1, 30);
	/* Rounding differs, but by less than a hundredth of a task. */
	for (int i = 0; i < 3; i++) {
		long diff = (long)a.avenrun[i] - (long)b.avenrun[i];

		ck_assert_int_lt(labs(diff), (long)LOADAVG_FIXED_1 / 100);
	}
}
END_TEST

START_TEST(no_sample_before_it_is_due)
{
	struct loadavg_state la;

	state_reset(&la, 100 * SEC);
	loadavg_advance(&la, 100 * SEC + LOADAVG_FREQ_NS - 1, 4, 0);
	ck_assert_uint_eq(la.avenrun[0], 0);
	ck_assert_uint_eq(la.next_sample, 100 * SEC + LOADAVG_FREQ_NS);
}
END_TEST

START_TEST(busy_sample_counts_runnable_tasks)
{
	struct loadavg_state la;
	uint64_t now = 100 * SEC + LOADAVG_FREQ_NS;

	state_reset(&la, 100 * SEC);
	la.last_update = now - 5 * NSEC_PER_MSEC;
	loadavg_advance(&la, now, 2, 0);
	ck_assert_uint_eq(la.avenrun[0],
			  loadavg_calc(0, LOADAVG_EXP_1, 2 * LOADAVG_FIXED_1));
	ck_assert_uint_eq(la.next_sample, now + LOADAVG_FREQ_NS);
}
END_TEST

START_TEST(samples_missed_while_idle_count_only_blocked_tasks)
{
	struct loadavg_state la;
	uint64_t start = 100 * SEC, now = start + 60 * SEC;

	state_reset(&la, start);
	la.avenrun[0] = 2 * LOADAVG_FIXED_1;
	/* The machine slept a minute; one task just woke, one is in D. */
	loadavg_advance(&la, now, 2, 1);
	/* 11 samples (5.01 s apart) fell due, all with one task. */
	ck_assert_uint_eq(la.next_sample, start + 12 * LOADAVG_FREQ_NS);
	ck_assert_uint_gt(la.next_sample, now);
	ck_assert_uint_lt(la.avenrun[0], 2 * LOADAVG_FIXED_1);
	ck_assert_uint_gt(la.avenrun[0], LOADAVG_FIXED_1);
}
END_TEST

START_TEST(a_day_idle_decays_to_zero_at_once)
{
	struct loadavg_state la;

	state_reset(&la, 0);
	la.avenrun[0] = la.avenrun[1] = la.avenrun[2] = 9 * LOADAVG_FIXED_1;
	loadavg_advance(&la, 86400 * SEC, 1, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(la.avenrun[i], 0);
	ck_assert_uint_gt(la.next_sample, 86400 * SEC);
}
END_TEST

START_TEST(format_macros_split_whole_and_hundredths)
{
	unsigned long v = 3 * LOADAVG_FIXED_1 + LOADAVG_FIXED_1 / 2;

	ck_assert_uint_eq(LOADAVG_INT(v), 3);
	ck_assert_uint_eq(LOADAVG_FRAC(v), 50);
	ck_assert_uint_eq(LOADAVG_INT(LOADAVG_FIXED_1), 1);
	ck_assert_uint_eq(LOADAVG_FRAC(LOADAVG_FIXED_1), 0);
}
END_TEST

START_TEST(read_applies_offset_and_shift)
{
	unsigned long loads[3];

	loadavg.avenrun[0] = LOADAVG_FIXED_1;
	loadavg.avenrun[1] = 0;
	loadavg.avenrun[2] = 7;
	loadavg_read(loads, 0, 16 - LOADAVG_FSHIFT);
	ck_assert_uint_eq(loads[0], 65536);
	ck_assert_uint_eq(loads[1], 0);
	ck_assert_uint_eq(loads[2], 7 << 5);
	loadavg_read(loads, 10, 0);
	ck_assert_uint_eq(loads[2], 17);
}
END_TEST

START_TEST(catch_up_counts_running_and_uninterruptible_tasks)
{
	uint64_t now = 1000 * SEC;
	struct loadavg_state expect;

	fake_sched_set_tasks(2, 1, 1, 1);
	state_reset(&loadavg, now - LOADAVG_FREQ_NS);
	loadavg.last_update = now - NSEC_PER_MSEC;
	loadavg_update(now);
	ck_assert_uint_eq(loadavg.avenrun[0],
			  loadavg_calc(0, LOADAVG_EXP_1, 3 * LOADAVG_FIXED_1));
	ck_assert_uint_eq(loadavg.last_update, now);
	/* Then idle for 20 s: three samples, counting only the D task. */
	expect = loadavg;
	loadavg_apply(&expect, 1, 3);
	loadavg_update(now + 20 * SEC);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(loadavg.avenrun[i], expect.avenrun[i]);
}
END_TEST

static Suite *loadavg_suite(void)
{
	Suite *s = suite_create("loadavg");
	TCase *tc = tcase_create("decay");

	tcase_add_test(tc, one_sample_of_one_task_reads_as_linux_does);
	tcase_add_test(tc, constant_load_is_reached_exactly);
	tcase_add_test(tc, fixed_power_matches_linux_rounding);
	tcase_add_test(tc, many_samples_at_once_match_one_by_one);
	tcase_add_test(tc, no_sample_before_it_is_due);
	tcase_add_test(tc, busy_sample_counts_runnable_tasks);
	tcase_add_test(tc, samples_missed_while_idle_count_only_blocked_tasks);
	tcase_add_test(tc, a_day_idle_decays_to_zero_at_once);
	tcase_add_test(tc, format_macros_split_whole_and_hundredths);
	tcase_add_test(tc, read_applies_offset_and_shift);
	tcase_add_test(tc, catch_up_counts_running_and_uninterruptible_tasks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(loadavg_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
