/*
 * Unit tests for procfs's text buffers and pure formatters
 * (fs/procfs_fmt.c): maps lines, the 52 stat fields, limits and meminfo
 * lines come out byte for byte as Linux prints them, and buffers stay
 * bounded and escape what /proc/mounts must escape.
 */
#include "sched.h"
#include "mm.h"
#include "../../fs/procfs_internal.h"

/* The uapi <linux/time.h> under sched.h already defined struct timeval. */
#define __timeval_defined 1
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Format one maps line into a fresh string (caller frees). */
static char *maps_line(const struct proc_maps_line *l)
{
	struct proc_buf b;
	char *s;

	pbuf_init(&b);
	proc_fmt_maps_line(&b, l);
	ck_assert(!b.overflow);
	s = strndup(b.data, b.len);
	pbuf_free(&b);
	return s;
}

START_TEST(maps_file_line_matches_linux_column_layout)
{
	struct proc_maps_line l = {
		.start = 0x55bdf41be000ULL,
		.end = 0x55bdf41c0000ULL,
		.flags = VM_READ,
		.offset = 0,
		.major = 0xfe,
		.minor = 0,
		.ino = 247134,
		.name = "/usr/bin/cat",
	};
	char *s = maps_line(&l);

	ck_assert_str_eq(s, "55bdf41be000-55bdf41c0000 r--p 00000000 fe:00 "
			    "247134                     /usr/bin/cat\n");
	ck_assert_int_eq((int)(strchr(s, '/') - s), 73);
	free(s);
}
END_TEST

START_TEST(maps_short_addresses_pad_to_eight_digits)
{
	struct proc_maps_line l = {
		.start = 0x400000,
		.end = 0x401000,
		.flags = VM_READ | VM_EXEC,
		.offset = 0x1000,
		.major = 0,
		.minor = 2,
		.ino = 7,
		.name = "/bin/busybox",
	};
	char *s = maps_line(&l);

	ck_assert_str_eq(s, "00400000-00401000 r-xp 00001000 00:02 7"
			    "                                  /bin/busybox\n");
	ck_assert_int_eq((int)(strchr(s, '/') - s), 73);
	free(s);
}
END_TEST

START_TEST(maps_anonymous_line_keeps_trailing_space)
{
	struct proc_maps_line l = {
		.start = 0x5e5000,
		.end = 0x5ec000,
		.flags = VM_READ | VM_WRITE,
	};
	char *s = maps_line(&l);

	ck_assert_str_eq(s, "005e5000-005ec000 rw-p 00000000 00:00 0 \n");
	free(s);
}
END_TEST

START_TEST(maps_shared_and_named_anonymous_lines)
{
	struct proc_maps_line l = {
		.start = 0x7ffffffdf000ULL,
		.end = 0x7ffffffff000ULL,
		.flags = VM_READ | VM_WRITE | VM_EXEC | VM_SHARED,
		.name = "[stack]",
	};
	char *s = maps_line(&l);

	ck_assert_str_eq(s, "7ffffffdf000-7ffffffff000 rwxs 00000000 00:00 0"
			    "                          [stack]\n");
	free(s);
}
END_TEST

START_TEST(maps_overlong_header_keeps_its_space_and_the_pad_space)
{
	struct proc_maps_line l = {
		.start = 0xffffffffff600000ULL,
		.end = 0xffffffffff601000ULL,
		.flags = VM_READ,
		.offset = 0x123456789abcULL,
		.major = 0xfff,
		.minor = 0xfffff,
		.ino = 18446744073709551615ULL,
		.name = "/x",
	};
	char *s = maps_line(&l);

	ck_assert_str_eq(s,
			 "ffffffffff600000-ffffffffff601000 r--p "
			 "123456789abc fff:fffff 18446744073709551615  /x\n");
	free(s);
}
END_TEST

START_TEST(stat_line_has_52_fields_in_linux_order)
{
	struct proc_stat_fields f = {
		.pid = 1951,
		.comm = "cat",
		.state = 'R',
		.ppid = 1945,
		.pgrp = 1945,
		.session = 28973,
		.tty_nr = 0,
		.tpgid = -1,
		.flags = 4194304,
		.minflt = 102,
		.priority = 20,
		.num_threads = 1,
		.starttime = 112800,
		.vsize = 3133440,
		.rss = 417,
		.rsslim = 18446744073709551615ULL,
		.startcode = 94664007647232ULL,
		.endcode = 94664007667113ULL,
		.startstack = 140735989753616ULL,
		.exit_signal = 17,
		.processor = 1,
		.start_data = 94664007683120ULL,
		.end_data = 94664007684736ULL,
		.start_brk = 94664591253504ULL,
		.arg_start = 140735989754496ULL,
		.arg_end = 140735989754516ULL,
		.env_start = 140735989754516ULL,
		.env_end = 140735989755883ULL,
	};
	struct proc_buf b;
	int fields = 1;

	pbuf_init(&b);
	proc_fmt_stat(&b, &f);
	ck_assert_str_eq(
		b.data,
		"1951 (cat) R 1945 1945 28973 0 -1 4194304 102 0 0 0 0 0 0 0 "
		"20 0 1 0 112800 3133440 417 18446744073709551615 "
		"94664007647232 94664007667113 140735989753616 0 0 0 0 0 0 0 "
		"0 0 17 1 0 0 0 0 0 94664007683120 94664007684736 "
		"94664591253504 140735989754496 140735989754516 "
		"140735989754516 140735989755883 0\n");
	for (size_t i = 0; i < b.len; i++)
		fields += b.data[i] == ' ';
	ck_assert_int_eq(fields, 52);
	pbuf_free(&b);
}
END_TEST

START_TEST(stat_comm_with_spaces_stays_in_parentheses)
{
	struct proc_stat_fields f = { .pid = 7,
				      .comm = "a b) c",
				      .state = 'S',
				      .cutime = -1,
				      .exit_code = 256 };
	struct proc_buf b;

	pbuf_init(&b);
	proc_fmt_stat(&b, &f);
	ck_assert(strncmp(b.data, "7 (a b) c) S 0 ", 15) == 0);
	ck_assert_ptr_nonnull(strstr(b.data, " -1 0 0 0 0 0 "));
	ck_assert(strcmp(b.data + b.len - 5, " 256\n") == 0);
	pbuf_free(&b);
}
END_TEST

START_TEST(limits_table_matches_linux)
{
	uint64_t cur[RLIM_NLIMITS], max[RLIM_NLIMITS];
	struct proc_buf b;

	for (int i = 0; i < RLIM_NLIMITS; i++)
		cur[i] = max[i] = (uint64_t)RLIM_INFINITY;
	cur[RLIMIT_STACK] = 8388608;
	cur[RLIMIT_CORE] = 0;
	cur[RLIMIT_NICE] = max[RLIMIT_NICE] = 0;
	pbuf_init(&b);
	proc_fmt_limits(&b, cur, max, RLIM_NLIMITS);
	ck_assert(strncmp(b.data,
			  "Limit                     Soft Limit           "
			  "Hard Limit           Units     \n"
			  "Max cpu time              unlimited            "
			  "unlimited            seconds   \n",
			  156) == 0);
	ck_assert_ptr_nonnull(
		strstr(b.data, "Max stack size            8388608              "
			       "unlimited            bytes     \n"));
	ck_assert_ptr_nonnull(
		strstr(b.data, "Max nice priority         0                    "
			       "0                    \n"));
	ck_assert_ptr_nonnull(
		strstr(b.data, "Max realtime timeout      unlimited            "
			       "unlimited            us        \n"));
	pbuf_free(&b);
}
END_TEST

START_TEST(meminfo_lines_align_values_at_column_16)
{
	struct proc_buf b;

	pbuf_init(&b);
	proc_fmt_meminfo(&b, "MemTotal", 24683656, true);
	proc_fmt_meminfo(&b, "Active(anon)", 3200, true);
	proc_fmt_meminfo(&b, "VmallocTotal", 34359738367ULL, true);
	proc_fmt_meminfo(&b, "HugePages_Total", 0, false);
	ck_assert_str_eq(b.data, "MemTotal:       24683656 kB\n"
				 "Active(anon):       3200 kB\n"
				 "VmallocTotal:   34359738367 kB\n"
				 "HugePages_Total:       0\n");
	pbuf_free(&b);
}
END_TEST

START_TEST(mangle_escapes_space_tab_newline_backslash)
{
	struct proc_buf b;

	pbuf_init(&b);
	pbuf_mangle(&b, "a b\tc\\d\ne");
	ck_assert_str_eq(b.data, "a\\040b\\011c\\134d\\012e");
	pbuf_free(&b);
}
END_TEST

START_TEST(buffer_stops_at_its_bound_and_flags_overflow)
{
	static char chunk[4096];
	struct proc_buf b;

	memset(chunk, 'x', sizeof(chunk));
	pbuf_init(&b);
	for (size_t i = 0; i < PROC_BUF_MAX / sizeof(chunk) + 2; i++)
		pbuf_write(&b, chunk, sizeof(chunk));
	ck_assert(b.overflow);
	ck_assert_uint_lt(b.len, PROC_BUF_MAX);
	ck_assert_uint_lt(b.len, b.cap);
	pbuf_printf(&b, "%d", 5);
	ck_assert_uint_lt(b.len, PROC_BUF_MAX);
	pbuf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(printf_grows_the_buffer_and_pad_counts_from_line_start)
{
	struct proc_buf b;

	pbuf_init(&b);
	for (int i = 0; i < 1000; i++)
		pbuf_printf(&b, "%d\n", i);
	ck_assert(!b.overflow);
	ck_assert_ptr_nonnull(strstr(b.data, "\n999\n"));
	pbuf_puts(&b, "ab");
	pbuf_pad(&b, 5);
	pbuf_putc(&b, '|');
	ck_assert(strcmp(b.data + b.len - 7, "\nab   |") == 0);
	pbuf_free(&b);
}
END_TEST

START_TEST(state_letters_and_names_follow_linux)
{
	ck_assert_int_eq(proc_state_char(TASK_RUNNING), 'R');
	ck_assert_int_eq(proc_state_char(TASK_INTERRUPTIBLE), 'S');
	ck_assert_int_eq(proc_state_char(TASK_UNINTERRUPTIBLE), 'D');
	ck_assert_int_eq(proc_state_char(TASK_STOPPED), 'T');
	ck_assert_int_eq(proc_state_char(TASK_ZOMBIE), 'Z');
	ck_assert_str_eq(proc_state_name(TASK_INTERRUPTIBLE), "S (sleeping)");
	ck_assert_str_eq(proc_state_name(TASK_UNINTERRUPTIBLE),
			 "D (disk sleep)");
	ck_assert_str_eq(proc_state_name(TASK_ZOMBIE), "Z (zombie)");
}
END_TEST

static Suite *procfs_suite(void)
{
	Suite *s = suite_create("procfs");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, maps_file_line_matches_linux_column_layout);
	tcase_add_test(tc, maps_short_addresses_pad_to_eight_digits);
	tcase_add_test(tc, maps_anonymous_line_keeps_trailing_space);
	tcase_add_test(tc, maps_shared_and_named_anonymous_lines);
	tcase_add_test(tc,
		       maps_overlong_header_keeps_its_space_and_the_pad_space);
	tcase_add_test(tc, stat_line_has_52_fields_in_linux_order);
	tcase_add_test(tc, stat_comm_with_spaces_stays_in_parentheses);
	tcase_add_test(tc, limits_table_matches_linux);
	tcase_add_test(tc, meminfo_lines_align_values_at_column_16);
	tcase_add_test(tc, mangle_escapes_space_tab_newline_backslash);
	tcase_add_test(tc, buffer_stops_at_its_bound_and_flags_overflow);
	tcase_add_test(tc,
		       printf_grows_the_buffer_and_pad_counts_from_line_start);
	tcase_add_test(tc, state_letters_and_names_follow_linux);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(procfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
