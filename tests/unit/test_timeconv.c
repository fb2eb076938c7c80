/*
 * Unit tests for the time conversions of include/ktime.h: timespec and
 * timeval to nanoseconds and back, range validation, saturation, clock
 * deadline translation, periodic timer forwarding and alarm rounding.
 */
#include <check.h>
#include <stdlib.h>

#include "ktime.h"

static struct __kernel_timespec ts(long long sec, long long nsec)
{
	struct __kernel_timespec t = { .tv_sec = sec, .tv_nsec = nsec };
	return t;
}

static struct __kernel_old_timeval tv(long sec, long usec)
{
	struct __kernel_old_timeval t = { .tv_sec = sec, .tv_usec = usec };
	return t;
}

START_TEST(timespec_converts_to_ns)
{
	struct __kernel_timespec t = ts(3, 999999999);
	uint64_t ns = 0;

	ck_assert_int_eq(ktime_ts_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, 3999999999ULL);
	t = ts(0, 0);
	ck_assert_int_eq(ktime_ts_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, 0);
}
END_TEST

START_TEST(timespec_rejects_out_of_range_nsec)
{
	const struct __kernel_timespec bad[] = {
		ts(0, -1),
		ts(0, 1000000000),
		ts(1, 1000000001),
		ts(-1, 0),
	};
	uint64_t ns = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(!ktime_ts_valid(&bad[i]));
		ck_assert_int_eq(ktime_ts_to_ns(&bad[i], &ns), -EINVAL);
	}
	ck_assert_uint_eq(ns, 42);
}
END_TEST

START_TEST(timespec_huge_seconds_saturate)
{
	struct __kernel_timespec t = ts(INT64_MAX, 999999999);
	uint64_t ns = 0;

	ck_assert_int_eq(ktime_ts_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, KTIME_MAX);
	t = ts(9223372036LL, 854775807);
	ck_assert_int_eq(ktime_ts_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, KTIME_MAX);
	t = ts(9223372036LL, 854775808);
	ck_assert_int_eq(ktime_ts_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, KTIME_MAX);
}
END_TEST

START_TEST(ns_to_timespec_round_trips)
{
	const uint64_t values[] = {
		0, 1, 999999999, 1000000000, 1234567890123ULL, KTIME_MAX
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct __kernel_timespec t = ktime_ns_to_ts(values[i]);
		uint64_t back;

		ck_assert(ktime_ts_valid(&t));
		ck_assert_int_eq(ktime_ts_to_ns(&t, &back), 0);
		ck_assert_uint_eq(back, values[i]);
	}
}
END_TEST

START_TEST(timeval_converts_and_validates_usec)
{
	struct __kernel_old_timeval t = tv(2, 500000);
	uint64_t ns = 0;

	ck_assert_int_eq(ktime_tv_to_ns(&t, &ns), 0);
	ck_assert_uint_eq(ns, 2500000000ULL);
	t = tv(0, 1000000);
	ck_assert_int_eq(ktime_tv_to_ns(&t, &ns), -EINVAL);
	t = tv(0, -1);
	ck_assert_int_eq(ktime_tv_to_ns(&t, &ns), -EINVAL);
	t = tv(-5, 0);
	ck_assert_int_eq(ktime_tv_to_ns(&t, &ns), -EINVAL);
}
END_TEST

START_TEST(ns_to_timeval_truncates_to_usec)
{
	struct __kernel_old_timeval t = ktime_ns_to_tv(1999999999ULL);

	ck_assert_int_eq(t.tv_sec, 1);
	ck_assert_int_eq(t.tv_usec, 999999);
}
END_TEST

START_TEST(ticks_are_hundredths_of_a_second)
{
	ck_assert_uint_eq(ktime_ns_to_ticks(NSEC_PER_SEC), 100);
	ck_assert_uint_eq(ktime_ns_to_ticks(9999999), 0);
	ck_assert_uint_eq(ktime_ns_to_ticks(10000000), 1);
}
END_TEST

START_TEST(clock_deadline_maps_to_monotonic)
{
	ck_assert_uint_eq(ktime_deadline_to_mono(150, 100, 1000), 1050);
	ck_assert_uint_eq(ktime_deadline_to_mono(50, 100, 1000), 1000);
	ck_assert_uint_eq(ktime_deadline_to_mono(KTIME_MAX, 0, 1000),
			  KTIME_MAX);
}
END_TEST

START_TEST(forward_skips_missed_periods_and_counts_overrun)
{
	uint64_t overrun = 99;

	/* On time: next period, no overrun. */
	ck_assert_uint_eq(ktime_forward(1000, 100, 1000, 0, &overrun), 1100);
	ck_assert_uint_eq(overrun, 0);
	/* Late by 2.5 periods: two periods skipped. */
	ck_assert_uint_eq(ktime_forward(1000, 100, 1250, 0, &overrun), 1300);
	ck_assert_uint_eq(overrun, 2);
	/* A tiny interval is held off by the minimum gap. */
	ck_assert_uint_eq(ktime_forward(1000, 1, 1000, 50, &overrun), 1050);
}
END_TEST

START_TEST(alarm_rounds_to_nearest_second_but_never_zero)
{
	ck_assert_uint_eq(ktime_alarm_secs(1), 1);
	ck_assert_uint_eq(ktime_alarm_secs(NSEC_PER_SEC + 499999999), 1);
	ck_assert_uint_eq(ktime_alarm_secs(NSEC_PER_SEC + 500000000), 2);
	ck_assert_uint_eq(ktime_alarm_secs(5 * NSEC_PER_SEC), 5);
}
END_TEST

static Suite *timeconv_suite(void)
{
	Suite *s = suite_create("timeconv");
	TCase *tc = tcase_create("conversions");

	tcase_add_test(tc, timespec_converts_to_ns);
	tcase_add_test(tc, timespec_rejects_out_of_range_nsec);
	tcase_add_test(tc, timespec_huge_seconds_saturate);
	tcase_add_test(tc, ns_to_timespec_round_trips);
	tcase_add_test(tc, timeval_converts_and_validates_usec);
	tcase_add_test(tc, ns_to_timeval_truncates_to_usec);
	tcase_add_test(tc, ticks_are_hundredths_of_a_second);
	tcase_add_test(tc, clock_deadline_maps_to_monotonic);
	tcase_add_test(tc, forward_skips_missed_periods_and_counts_overrun);
	tcase_add_test(tc, alarm_rounds_to_nearest_second_but_never_zero);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(timeconv_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
