/*
 * Unit tests for the kernel log (kernel/printk.c): what printk puts in the
 * ring and how it reads back: plain text without level prefixes for
 * mconsole (printk_read_since, printk_read_log), whole "<N>"-prefixed
 * lines for syslog(2), across continuation lines, embedded newlines and a
 * ring that has wrapped. The clock, the console and the scheduler's
 * wake_up are fakes. Each test runs in its own child: the log starts
 * empty.
 */
#include "printk.h"
#include "timer.h"
#include "wait.h"
#include "os/os.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define UPTIME_NS 1234567890ULL
#define STAMP "[    1.234567] "
#define CONSOLE_MAX 4096
#define BIG 200000

struct printktest_state {
	char console[CONSOLE_MAX];
	size_t console_len;
	int wakeups;
};

static struct printktest_state pt;

/* ---- fakes ---- */

uint64_t time_uptime_ns(void)
{
	return UPTIME_NS;
}

void os_write_stderr(const char *text, size_t len)
{
	size_t room = CONSOLE_MAX - 1 - pt.console_len;
	size_t n = len < room ? len : room;

	memcpy(pt.console + pt.console_len, text, n);
	pt.console_len += n;
	pt.console[pt.console_len] = '\0';
}

void wake_up(struct wait_queue *wq)
{
	pt.wakeups++;
}

void os_tty_restore_all(void)
{
}

void os_abort(void)
{
	abort();
}

/* ---- helpers ---- */

/* The text since seq as a NUL-terminated string (static buffer). */
static const char *since(uint64_t seq)
{
	static char buf[BIG];
	size_t n = printk_read_since(seq, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	return buf;
}

/* The syslog form from seq on, read in one go. */
static const char *syslog_all(uint64_t seq)
{
	static char buf[BIG];
	size_t n = printk_syslog_read(&seq, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	return buf;
}

/* ---- plain text ---- */

START_TEST(read_since_gives_stamped_text_without_the_level_prefix)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_INFO "hello\n");
	ck_assert_str_eq(since(seq), STAMP "hello\n");
}
END_TEST

START_TEST(log_seq_advances_with_every_message)
{
	uint64_t a = printk_log_seq(), b;

	printk("one\n");
	b = printk_log_seq();
	ck_assert_uint_gt(b, a);
	printk("two\n");
	ck_assert_uint_gt(printk_log_seq(), b);
	ck_assert_str_eq(since(b), STAMP "two\n");
}
END_TEST

START_TEST(read_since_the_current_seq_is_empty)
{
	printk("old\n");
	ck_assert_str_eq(since(printk_log_seq()), "");
	ck_assert_str_eq(since(printk_log_seq() + 100), "");
}
END_TEST

START_TEST(continuation_shares_one_stamp)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_INFO "HELP : ");
	printk("a ");
	printk("b\n");
	ck_assert_str_eq(since(seq), STAMP "HELP : a b\n");
}
END_TEST

START_TEST(embedded_newline_starts_a_new_stamped_line)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_ERR "x\ny\n");
	ck_assert_str_eq(since(seq), STAMP "x\n" STAMP "y\n");
}
END_TEST

START_TEST(mark_bytes_in_text_are_replaced)
{
	uint64_t seq = printk_log_seq();

	printk("a\x10"
	       "b\x17"
	       "c\x18\n");
	ck_assert_str_eq(since(seq), STAMP "a?b?c\x18\n");
	ck_assert_str_eq(syslog_all(seq), "<4>" STAMP "a?b?c\x18\n");
}
END_TEST

START_TEST(read_since_stops_when_the_buffer_is_full)
{
	uint64_t seq = printk_log_seq();
	char buf[8];

	printk("abcdefghijklmnopqrstuvwxyz\n");
	ck_assert_uint_eq(printk_read_since(seq, buf, sizeof(buf)), 8);
	ck_assert_int_eq(memcmp(buf, STAMP, 8), 0);
}
END_TEST

START_TEST(read_log_keeps_the_newest_bytes)
{
	char buf[6];

	printk("first\n");
	printk("last\n");
	ck_assert_uint_eq(printk_read_log(buf, sizeof(buf)), 6);
	ck_assert_int_eq(memcmp(buf, " last\n", 6), 0);
}
END_TEST

START_TEST(read_log_of_a_wrapped_ring_is_plain_text)
{
	static char buf[BIG];
	size_t n;

	for (int i = 0; i < 5000; i++)
		printk(KERN_INFO "line %d\n", i);
	n = printk_read_log(buf, sizeof(buf));
	ck_assert_uint_le(n, printk_log_size());
	ck_assert_uint_gt(n, printk_log_size() / 2);
	for (size_t i = 0; i < n; i++)
		ck_assert(buf[i] >= ' ' || buf[i] == '\n');
	ck_assert_int_eq(memcmp(buf + n - 10, "line 4999\n", 10), 0);
}
END_TEST

START_TEST(read_since_a_seq_lost_to_the_wrap_starts_at_the_oldest)
{
	uint64_t seq = printk_log_seq();
	static char buf[BIG];
	size_t n;

	for (int i = 0; i < 5000; i++)
		printk("line %d\n", i);
	n = printk_read_since(seq, buf, sizeof(buf));
	ck_assert_uint_le(n, printk_log_size());
	ck_assert_int_eq(memcmp(buf + n - 10, "line 4999\n", 10), 0);
}
END_TEST

/* ---- console ---- */

START_TEST(console_shows_only_levels_below_the_console_level)
{
	printk_set_console_level(4);
	ck_assert_int_eq(printk_console_level(), 4);
	printk(KERN_INFO "info\n");
	printk(KERN_WARNING "warn\n");
	printk(KERN_ERR "err\n");
	ck_assert_str_eq(pt.console, "err\n");
	printk_set_console_level(7);
	printk(KERN_INFO "info\n");
	ck_assert_str_eq(pt.console, "err\ninfo\n");
}
END_TEST

START_TEST(a_completed_line_wakes_syslog_readers)
{
	struct wait_entry e = { .task = NULL };

	printk("no waiter\n");
	ck_assert_int_eq(pt.wakeups, 0);
	list_add_tail(&e.link, &printk_log_wait()->waiters);
	printk("open ");
	ck_assert_int_eq(pt.wakeups, 0);
	printk("closed\n");
	ck_assert_int_eq(pt.wakeups, 1);
}
END_TEST

/* ---- the syslog form ---- */

START_TEST(syslog_prefixes_every_line_with_its_level)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_INFO "Linux version\n");
	printk("default\n");
	printk(KERN_EMERG "a\nb\n");
	ck_assert_str_eq(syslog_all(seq), "<6>" STAMP "Linux version\n"
					  "<4>" STAMP "default\n"
					  "<0>" STAMP "a\n"
					  "<0>" STAMP "b\n");
}
END_TEST

START_TEST(syslog_size_counts_the_prefixed_form)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_INFO "x\n");
	ck_assert_uint_eq(printk_syslog_size(seq), strlen("<6>" STAMP "x\n"));
}
END_TEST

START_TEST(syslog_leaves_out_an_open_line_until_it_ends)
{
	uint64_t seq = printk_log_seq();

	printk(KERN_INFO "done\n");
	printk(KERN_INFO "half ");
	ck_assert_str_eq(syslog_all(seq), "<6>" STAMP "done\n");
	printk("whole\n");
	ck_assert_str_eq(syslog_all(seq),
			 "<6>" STAMP "done\n<6>" STAMP "half whole\n");
}
END_TEST

START_TEST(syslog_read_moves_seq_past_the_lines_it_copies)
{
	uint64_t seq = printk_log_seq();
	size_t one = strlen("<6>" STAMP "aa\n");
	char buf[256];

	printk(KERN_INFO "aa\n");
	printk(KERN_INFO "bb\n");
	ck_assert_uint_eq(printk_syslog_read(&seq, buf, one + 3), one);
	ck_assert_int_eq(memcmp(buf, "<6>" STAMP "aa\n", one), 0);
	ck_assert_uint_eq(printk_syslog_size(seq), one);
	ck_assert_uint_eq(printk_syslog_read(&seq, buf, sizeof(buf)), one);
	ck_assert_int_eq(memcmp(buf, "<6>" STAMP "bb\n", one), 0);
	ck_assert_uint_eq(printk_syslog_read(&seq, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(syslog_read_cuts_a_line_longer_than_the_buffer)
{
	uint64_t seq = printk_log_seq();
	char buf[5];

	printk(KERN_INFO "a long line\n");
	printk(KERN_INFO "next\n");
	ck_assert_uint_eq(printk_syslog_read(&seq, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "<6>[ ", 5), 0);
	ck_assert_uint_eq(printk_syslog_size(seq),
			  strlen("<6>" STAMP "next\n"));
	ck_assert_uint_eq(printk_syslog_read(&seq, buf, 0), 0);
}
END_TEST

START_TEST(syslog_tail_keeps_the_newest_lines_that_fit)
{
	uint64_t seq = printk_log_seq(), tail;
	size_t one = strlen("<6>" STAMP "l1\n");

	printk(KERN_INFO "l1\n");
	printk(KERN_INFO "l2\n");
	printk(KERN_INFO "l3\n");
	tail = printk_syslog_tail(seq, 2 * one + 1);
	ck_assert_str_eq(syslog_all(tail), "<6>" STAMP "l2\n<6>" STAMP "l3\n");
	ck_assert_uint_eq(printk_syslog_tail(seq, 3 * one), seq);
	ck_assert_str_eq(syslog_all(printk_syslog_tail(seq, 1)), "");
}
END_TEST

START_TEST(syslog_of_a_wrapped_ring_starts_at_a_whole_line)
{
	static char buf[BIG];
	uint64_t seq = 0;
	size_t n;

	for (int i = 0; i < 5000; i++)
		printk(KERN_NOTICE "line %d\n", i);
	n = printk_syslog_read(&seq, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(n, printk_syslog_size(0));
	ck_assert_int_eq(memcmp(buf, "<5>" STAMP "line ", 3 + 15 + 5), 0);
	ck_assert_int_eq(memcmp(buf + n - 10, "line 4999\n", 10), 0);
	ck_assert_uint_eq(seq, printk_log_seq());
}
END_TEST

static Suite *printk_suite(void)
{
	Suite *s = suite_create("printk");
	TCase *text = tcase_create("text");
	TCase *console = tcase_create("console");
	TCase *sys = tcase_create("syslog");

	tcase_add_test(text,
		       read_since_gives_stamped_text_without_the_level_prefix);
	tcase_add_test(text, log_seq_advances_with_every_message);
	tcase_add_test(text, read_since_the_current_seq_is_empty);
	tcase_add_test(text, continuation_shares_one_stamp);
	tcase_add_test(text, embedded_newline_starts_a_new_stamped_line);
	tcase_add_test(text, mark_bytes_in_text_are_replaced);
	tcase_add_test(text, read_since_stops_when_the_buffer_is_full);
	tcase_add_test(text, read_log_keeps_the_newest_bytes);
	tcase_add_test(text, read_log_of_a_wrapped_ring_is_plain_text);
	tcase_add_test(text,
		       read_since_a_seq_lost_to_the_wrap_starts_at_the_oldest);
	suite_add_tcase(s, text);
	tcase_add_test(console,
		       console_shows_only_levels_below_the_console_level);
	tcase_add_test(console, a_completed_line_wakes_syslog_readers);
	suite_add_tcase(s, console);
	tcase_add_test(sys, syslog_prefixes_every_line_with_its_level);
	tcase_add_test(sys, syslog_size_counts_the_prefixed_form);
	tcase_add_test(sys, syslog_leaves_out_an_open_line_until_it_ends);
	tcase_add_test(sys, syslog_read_moves_seq_past_the_lines_it_copies);
	tcase_add_test(sys, syslog_read_cuts_a_line_longer_than_the_buffer);
	tcase_add_test(sys, syslog_tail_keeps_the_newest_lines_that_fit);
	tcase_add_test(sys, syslog_of_a_wrapped_ring_starts_at_a_whole_line);
	suite_add_tcase(s, sys);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(printk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
