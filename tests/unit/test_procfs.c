/*
 * Unit tests for procfs's text buffers and pure formatters
 * (fs/procfs_fmt.c): maps lines, the 52 stat fields, limits, meminfo
 * lines and smaps entries come out byte for byte as Linux prints them,
 * smaps' page accounting splits shared pages like Linux, the saved auxv
 * ends at its AT_NULL pair, and buffers stay bounded and escape what
 * /proc/mounts must escape.
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

#define KB 1024ULL

/* Linux 6.18's smaps entry for a private anonymous mapping, 10 pages. */
static const char smaps_anon_entry[] = "Size:                256 kB\n"
				       "KernelPageSize:        4 kB\n"
				       "MMUPageSize:           4 kB\n"
				       "Rss:                  40 kB\n"
				       "Pss:                  40 kB\n"
				       "Pss_Dirty:            40 kB\n"
				       "Shared_Clean:          0 kB\n"
				       "Shared_Dirty:          0 kB\n"
				       "Private_Clean:         0 kB\n"
				       "Private_Dirty:        40 kB\n"
				       "Referenced:           40 kB\n"
				       "Anonymous:            40 kB\n"
				       "KSM:                   0 kB\n"
				       "LazyFree:              0 kB\n"
				       "AnonHugePages:         0 kB\n"
				       "ShmemPmdMapped:        0 kB\n"
				       "FilePmdMapped:         0 kB\n"
				       "Shared_Hugetlb:        0 kB\n"
				       "Private_Hugetlb:       0 kB\n"
				       "Swap:                  0 kB\n"
				       "SwapPss:               0 kB\n"
				       "Locked:                0 kB\n"
				       "THPeligible:    0\n"
				       "VmFlags: rd wr mr mw me ac \n";

START_TEST(smaps_entry_matches_linux_layout)
{
	struct proc_mem_usage u = { 0 };
	struct proc_buf b;

	for (int i = 0; i < 10; i++)
		proc_mem_account(&u, PROC_PAGE_ANON, 1, true);
	pbuf_init(&b);
	proc_fmt_smaps_vma(&b, 256 * KB, &u,
			   1U << PROC_VMF_RD | 1U << PROC_VMF_WR |
				   1U << PROC_VMF_MR | 1U << PROC_VMF_MW |
				   1U << PROC_VMF_ME | 1U << PROC_VMF_AC);
	ck_assert_str_eq(b.data, smaps_anon_entry);
	pbuf_free(&b);
}
END_TEST

START_TEST(smaps_rollup_adds_pss_by_kind_after_pss_dirty)
{
	struct proc_mem_usage u = { 0 };
	struct proc_buf b;

	proc_mem_account(&u, PROC_PAGE_ANON, 1, true);
	proc_mem_account(&u, PROC_PAGE_FILE, 2, false);
	proc_mem_account(&u, PROC_PAGE_SHMEM, 4, true);
	pbuf_init(&b);
	proc_fmt_smaps_usage(&b, &u, true);
	ck_assert_ptr_nonnull(strstr(b.data, "Rss:                  12 kB\n"
					     "Pss:                   7 kB\n"
					     "Pss_Dirty:             5 kB\n"
					     "Pss_Anon:              4 kB\n"
					     "Pss_File:              2 kB\n"
					     "Pss_Shmem:             1 kB\n"
					     "Shared_Clean:          4 kB\n"
					     "Shared_Dirty:          4 kB\n"
					     "Private_Clean:         0 kB\n"
					     "Private_Dirty:         4 kB\n"
					     "Referenced:           12 kB\n"
					     "Anonymous:             4 kB\n"));
	ck_assert_ptr_null(strstr(b.data, "THPeligible"));
	ck_assert_str_eq(b.data + b.len - 29,
			 "\nLocked:                0 kB\n");
	pbuf_free(&b);
}
END_TEST

START_TEST(pss_splits_shared_pages_keeping_fractions_of_a_byte)
{
	struct proc_mem_usage u = { 0 };

	/* Three thirds of a page: 4095.99 B, not 3 * 1365 B. */
	for (int i = 0; i < 3; i++)
		proc_mem_account(&u, PROC_PAGE_ANON, 3, true);
	ck_assert_uint_eq(u.resident, 3 * PAGE_SIZE);
	ck_assert_uint_eq(u.pss >> PROC_PSS_SHIFT, PAGE_SIZE - 1);
	ck_assert_uint_gt(u.pss, (PAGE_SIZE << PROC_PSS_SHIFT) - 4);
	ck_assert_uint_eq(u.shared_dirty, 3 * PAGE_SIZE);
	ck_assert_uint_eq(u.private_dirty, 0);
	ck_assert_uint_eq(u.anonymous, 3 * PAGE_SIZE);
	/* A page mapped once is private whatever its kind. */
	proc_mem_account(&u, PROC_PAGE_FILE, 1, false);
	ck_assert_uint_eq(u.private_clean, PAGE_SIZE);
	ck_assert_uint_eq(u.file, PAGE_SIZE);
	ck_assert_uint_eq(u.pss_file >> PROC_PSS_SHIFT, PAGE_SIZE);
}
END_TEST

START_TEST(vmflags_follow_linux_mnemonic_order)
{
	struct proc_mem_usage u = { 0 };
	struct proc_buf b;
	const char *flags;

	pbuf_init(&b);
	proc_fmt_smaps_vma(&b, 4 * KB, &u, (1U << PROC_VMF_COUNT) - 1);
	flags = strstr(b.data, "VmFlags: ");
	ck_assert_ptr_nonnull(flags);
	ck_assert_str_eq(flags,
			 "VmFlags: rd wr ex sh mr mw me ms gd dc de ac \n");
	pbuf_free(&b);
}
END_TEST

START_TEST(auxv_words_end_at_the_at_null_pair)
{
	uint64_t auxv[8] = { 6, 4096, 25, 0x7ffc0000, 0, 0, 99, 99 };
	uint64_t full[5] = { 6, 4096, 25, 1, 7 };

	ck_assert_uint_eq(proc_auxv_words(auxv, 8), 6);
	ck_assert_uint_eq(proc_auxv_words(auxv + 4, 4), 2);
	/* Without an AT_NULL: the whole pairs there are. */
	ck_assert_uint_eq(proc_auxv_words(full, 5), 4);
	ck_assert_uint_eq(proc_auxv_words(full, 0), 0);
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
	tcase_add_test(tc, smaps_entry_matches_linux_layout);
	tcase_add_test(tc, smaps_rollup_adds_pss_by_kind_after_pss_dirty);
	tcase_add_test(tc, pss_splits_shared_pages_keeping_fractions_of_a_byte);
	tcase_add_test(tc, vmflags_follow_linux_mnemonic_order);
	tcase_add_test(tc, auxv_words_end_at_the_at_null_pair);
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
