/*
 * Unit tests for the line discipline (drivers/char/n_tty.c): canonical
 * editing, end of file, input and output translation, echo, signals,
 * flow control and non-canonical reads, against a fake device that
 * records what the discipline writes, signals and stops.
 */
#include "n_tty.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX 16384
#define SIGS_MAX 8

/* The fake device. */
struct fake_dev {
	char out[OUT_MAX];
	size_t out_len;
	int sigs[SIGS_MAX];
	int nsigs;
	int output_flushes;
	int flow_changes;
	bool stopped;
};

static struct fake_dev dev;
static struct ktermios tio;
static struct n_tty ld;

static void fake_write(void *owner, const char *buf, size_t len)
{
	ck_assert_ptr_eq(owner, &dev);
	ck_assert_uint_le(dev.out_len + len, OUT_MAX);
	memcpy(dev.out + dev.out_len, buf, len);
	dev.out_len += len;
}

static void fake_signal(void *owner, int sig)
{
	ck_assert_int_lt(dev.nsigs, SIGS_MAX);
	dev.sigs[dev.nsigs++] = sig;
}

static void fake_flush_output(void *owner)
{
	dev.output_flushes++;
}

static void fake_flow(void *owner, bool stopped)
{
	dev.flow_changes++;
	dev.stopped = stopped;
}

static const struct n_tty_ops fake_ops = {
	.write = fake_write,
	.signal = fake_signal,
	.flush_output = fake_flush_output,
	.flow = fake_flow,
};

static void setup(void)
{
	memset(&dev, 0, sizeof(dev));
	n_tty_termios_init(&tio);
	n_tty_init(&ld, &tio, &fake_ops, &dev);
}

static void feed(const char *s)
{
	n_tty_receive(&ld, s, strlen(s));
}

static void feed_n(const char *s, size_t n)
{
	n_tty_receive(&ld, s, n);
}

/* Read once into a static NUL-terminated buffer; *n gets the count. */
static const char *read_once(size_t len, size_t *n)
{
	static char buf[N_TTY_BUF_SIZE + 1];

	ck_assert_uint_le(len, N_TTY_BUF_SIZE);
	*n = n_tty_read(&ld, buf, len);
	buf[*n] = '\0';
	return buf;
}

static void assert_reads(const char *expect)
{
	size_t n;
	const char *got = read_once(N_TTY_BUF_SIZE, &n);

	ck_assert_uint_eq(n, strlen(expect));
	ck_assert_mem_eq(got, expect, n);
}

static void assert_echo(const char *expect)
{
	ck_assert_uint_eq(dev.out_len, strlen(expect));
	ck_assert_mem_eq(dev.out, expect, dev.out_len);
}

static void set_raw(void)
{
	struct ktermios old = tio;

	tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	n_tty_termios_changed(&ld, &old);
}

/* ---- canonical editing ---- */

START_TEST(canonical_line_is_readable_only_after_newline)
{
	feed("abc");
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
	feed("\n");
	ck_assert_uint_eq(n_tty_readable(&ld), 4);
	assert_reads("abc\n");
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
}
END_TEST

START_TEST(canonical_read_returns_one_line_at_a_time)
{
	feed("one\ntwo\n");
	assert_reads("one\n");
	assert_reads("two\n");
}
END_TEST

START_TEST(canonical_short_read_leaves_rest_of_line)
{
	size_t n;
	const char *got;

	feed("hello\n");
	got = read_once(3, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(got, "hel", 3);
	assert_reads("lo\n");
}
END_TEST

START_TEST(erase_removes_last_char_and_echoes_backspace_space_backspace)
{
	feed("abx\x7f"
	     "c\n");
	assert_reads("abc\n");
	assert_echo("abx\b \bc\r\n");
}
END_TEST

START_TEST(ctrl_h_erases_like_verase)
{
	feed("abx\bc\n");
	assert_reads("abc\n");
}
END_TEST

START_TEST(erase_at_line_start_does_nothing)
{
	feed("\x7f\x7f"
	     "a\n");
	assert_reads("a\n");
	assert_echo("a\r\n");
}
END_TEST

START_TEST(erase_does_not_reach_into_completed_line)
{
	feed("ab\n\x7f\x7f"
	     "c\n");
	assert_reads("ab\n");
	assert_reads("c\n");
}
END_TEST

START_TEST(erase_without_echoe_echoes_the_erase_char)
{
	tio.c_lflag &= ~(tcflag_t)ECHOE;
	feed("ab\x7f");
	assert_echo("ab^?");
}
END_TEST

START_TEST(erase_of_control_char_under_echoctl_erases_two_cells)
{
	tio.c_lflag &= ~(tcflag_t)ISIG;
	feed("\x01\x7f");
	assert_echo("^A\b \b\b \b");
}
END_TEST

START_TEST(erase_of_tab_backs_up_to_previous_column)
{
	feed("ab\t\x7f");
	assert_echo("ab\t\b\b\b\b\b\b");
}
END_TEST

START_TEST(kill_erases_whole_line_visually_under_echoke)
{
	feed("hey\x15"
	     "yo\n");
	assert_reads("yo\n");
	assert_echo("hey\b \b\b \b\b \byo\r\n");
}
END_TEST

START_TEST(kill_without_echoke_echoes_kill_char_and_newline)
{
	tio.c_lflag &= ~(tcflag_t)ECHOKE;
	feed("hey\x15"
	     "yo\n");
	assert_reads("yo\n");
	assert_echo("hey^U\r\nyo\r\n");
}
END_TEST

START_TEST(word_erase_removes_last_word_and_trailing_blanks)
{
	feed("foo bar  \x17"
	     "baz\n");
	assert_reads("foo baz\n");
}
END_TEST

START_TEST(word_erase_stops_at_punctuation)
{
	feed("a/b_c\x17\n");
	assert_reads("a/\n");
}
END_TEST

START_TEST(word_erase_needs_iexten)
{
	tio.c_lflag &= ~(tcflag_t)IEXTEN;
	feed("foo\x17\n");
	assert_reads("foo\x17\n");
}
END_TEST

START_TEST(eof_at_line_start_reads_as_end_of_file)
{
	size_t n;

	feed("\x04");
	ck_assert_uint_gt(n_tty_readable(&ld), 0);
	ck_assert_uint_eq(n_tty_inq(&ld), 0);
	read_once(100, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
	assert_echo("");
}
END_TEST

START_TEST(eof_after_text_completes_line_without_newline)
{
	feed("ab\x04"
	     "cd\n");
	assert_reads("ab");
	assert_reads("cd\n");
}
END_TEST

START_TEST(eof_right_after_a_full_read_is_not_end_of_file)
{
	size_t n;

	feed("ab\x04"
	     "c\n");
	read_once(2, &n);
	ck_assert_uint_eq(n, 2);
	assert_reads("c\n");
}
END_TEST

START_TEST(veol_ends_a_line)
{
	tio.c_cc[VEOL] = '@';
	feed("ab@cd\n");
	assert_reads("ab@");
	assert_reads("cd\n");
}
END_TEST

START_TEST(nul_byte_is_data_not_disabled_eol)
{
	feed_n("a\0b\n", 4);
	ck_assert_uint_eq(n_tty_readable(&ld), 4);
}
END_TEST

START_TEST(lnext_takes_next_char_literally)
{
	feed("\x16\x03\n");
	ck_assert_int_eq(dev.nsigs, 0);
	assert_reads("\x03\n");
	assert_echo("^\b^C\r\n");
}
END_TEST

START_TEST(reprint_shows_line_again)
{
	feed("abc\x12");
	assert_echo("abc^R\r\nabc");
}
END_TEST

START_TEST(full_canonical_buffer_keeps_room_for_newline)
{
	static char big[5000];
	size_t n;

	memset(big, 'a', sizeof(big));
	feed_n(big, sizeof(big));
	ck_assert_uint_eq(n_tty_receive_room(&ld), 1);
	feed("\n");
	read_once(N_TTY_BUF_SIZE, &n);
	ck_assert_uint_eq(n, N_TTY_BUF_SIZE);
}
END_TEST

START_TEST(buffer_wraps_around)
{
	int i;

	for (i = 0; i < 1000; i++) {
		feed("0123456789\n");
		assert_reads("0123456789\n");
	}
}
END_TEST

/* ---- input translation ---- */

START_TEST(icrnl_turns_carriage_return_into_newline)
{
	feed("hi\r");
	assert_reads("hi\n");
	assert_echo("hi\r\n");
}
END_TEST

START_TEST(igncr_drops_carriage_return)
{
	tio.c_iflag |= IGNCR;
	feed("h\ri\n");
	assert_reads("hi\n");
}
END_TEST

START_TEST(inlcr_turns_newline_into_carriage_return)
{
	tio.c_iflag |= INLCR;
	tio.c_iflag &= ~(tcflag_t)ICRNL;
	set_raw();
	feed("a\n");
	assert_reads("a\r");
}
END_TEST

START_TEST(istrip_clears_the_high_bit)
{
	tio.c_iflag |= ISTRIP;
	feed("\xe1\n");
	assert_reads("a\n");
}
END_TEST

START_TEST(iuclc_lowercases_input)
{
	tio.c_iflag |= IUCLC;
	feed("HeLLo\n");
	assert_reads("hello\n");
}
END_TEST

/* ---- output ---- */

START_TEST(onlcr_turns_newline_into_crlf)
{
	n_tty_write(&ld, "a\nb\n", 4);
	assert_echo("a\r\nb\r\n");
}
END_TEST

START_TEST(without_opost_output_is_untouched)
{
	tio.c_oflag &= ~(tcflag_t)OPOST;
	n_tty_write(&ld, "a\nb\t", 4);
	assert_echo("a\nb\t");
}
END_TEST

START_TEST(ocrnl_turns_carriage_return_into_newline)
{
	tio.c_oflag = OPOST | OCRNL;
	n_tty_write(&ld, "a\r", 2);
	assert_echo("a\n");
}
END_TEST

START_TEST(onocr_drops_carriage_return_at_column_zero)
{
	tio.c_oflag = OPOST | ONOCR;
	n_tty_write(&ld, "\rab\r", 4);
	assert_echo("ab\r");
}
END_TEST

START_TEST(xtabs_expands_tabs_to_spaces)
{
	tio.c_oflag |= XTABS;
	n_tty_write(&ld, "ab\tc", 4);
	assert_echo("ab      c");
}
END_TEST

START_TEST(olcuc_uppercases_output)
{
	tio.c_oflag |= OLCUC;
	n_tty_write(&ld, "ab1", 3);
	assert_echo("AB1");
}
END_TEST

START_TEST(long_output_arrives_whole)
{
	static char big[3000];
	size_t i;

	memset(big, 'x', sizeof(big));
	n_tty_write(&ld, big, sizeof(big));
	ck_assert_uint_eq(dev.out_len, sizeof(big));
	for (i = 0; i < sizeof(big); i++)
		ck_assert_int_eq(dev.out[i], 'x');
}
END_TEST

/* ---- echo ---- */

START_TEST(printable_input_is_echoed)
{
	feed("ok");
	assert_echo("ok");
}
END_TEST

START_TEST(no_echo_without_echo_flag)
{
	tio.c_lflag &= ~(tcflag_t)ECHO;
	feed("secret\n");
	assert_echo("");
	assert_reads("secret\n");
}
END_TEST

START_TEST(echonl_echoes_newline_even_without_echo)
{
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	feed("pw\n");
	assert_echo("\r\n");
}
END_TEST

START_TEST(echoctl_shows_control_chars_as_caret)
{
	tio.c_lflag &= ~(tcflag_t)ISIG;
	feed("\x01\x1b");
	assert_echo("^A^[");
}
END_TEST

START_TEST(without_echoctl_control_chars_echo_raw)
{
	tio.c_lflag &= ~(tcflag_t)(ISIG | ECHOCTL);
	feed("\x01");
	assert_echo("\x01");
}
END_TEST

/* ---- signals ---- */

START_TEST(intr_sends_sigint_echoes_and_flushes_input)
{
	feed("abc\x03");
	ck_assert_int_eq(dev.nsigs, 1);
	ck_assert_int_eq(dev.sigs[0], SIGINT);
	ck_assert_int_eq(dev.output_flushes, 1);
	assert_echo("abc^C");
	feed("\n");
	assert_reads("\n");
}
END_TEST

START_TEST(quit_sends_sigquit)
{
	feed("\x1c");
	ck_assert_int_eq(dev.nsigs, 1);
	ck_assert_int_eq(dev.sigs[0], SIGQUIT);
}
END_TEST

START_TEST(susp_sends_sigtstp)
{
	feed("\x1a");
	ck_assert_int_eq(dev.nsigs, 1);
	ck_assert_int_eq(dev.sigs[0], SIGTSTP);
}
END_TEST

START_TEST(noflsh_keeps_input_after_signal)
{
	tio.c_lflag |= NOFLSH;
	feed("ab\x03\n");
	ck_assert_int_eq(dev.sigs[0], SIGINT);
	ck_assert_int_eq(dev.output_flushes, 0);
	assert_reads("ab\n");
}
END_TEST

START_TEST(without_isig_intr_is_data)
{
	tio.c_lflag &= ~(tcflag_t)ISIG;
	feed("\x03\n");
	ck_assert_int_eq(dev.nsigs, 0);
	assert_reads("\x03\n");
}
END_TEST

START_TEST(signals_work_in_raw_mode)
{
	set_raw();
	feed("\x03");
	ck_assert_int_eq(dev.nsigs, 1);
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
}
END_TEST

/* ---- flow control ---- */

START_TEST(ixon_stop_and_start_chars_control_output)
{
	feed("\x13");
	ck_assert(ld.stopped);
	ck_assert(dev.stopped);
	feed("\x11");
	ck_assert(!ld.stopped);
	ck_assert_int_eq(dev.flow_changes, 2);
	ck_assert_uint_eq(n_tty_readable(&ld) + ld.head, 0);
}
END_TEST

START_TEST(without_ixon_stop_char_is_data)
{
	tio.c_iflag &= ~(tcflag_t)IXON;
	feed("\x13\n");
	ck_assert(!ld.stopped);
	assert_reads("\x13\n");
}
END_TEST

START_TEST(ixany_restarts_output_on_any_char)
{
	tio.c_iflag |= IXANY;
	feed("\x13"
	     "a");
	ck_assert(!ld.stopped);
}
END_TEST

START_TEST(tcooff_and_tcoon_report_flow)
{
	n_tty_set_stopped(&ld, true);
	ck_assert(dev.stopped);
	n_tty_set_stopped(&ld, false);
	ck_assert(!dev.stopped);
}
END_TEST

/* ---- non-canonical mode ---- */

START_TEST(raw_mode_reads_whatever_is_available)
{
	size_t n;
	const char *got;

	set_raw();
	feed("abc");
	ck_assert_uint_eq(n_tty_readable(&ld), 3);
	got = read_once(2, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(got, "ab", 2);
	assert_reads("c");
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
	assert_echo("");
}
END_TEST

START_TEST(raw_mode_erase_and_eof_are_data)
{
	set_raw();
	feed("a\x7f\x04");
	assert_reads("a\x7f\x04");
}
END_TEST

START_TEST(switching_to_raw_makes_partial_line_readable)
{
	feed("par");
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
	set_raw();
	assert_reads("par");
}
END_TEST

START_TEST(switching_to_canonical_pushes_pending_input)
{
	struct ktermios old;

	set_raw();
	feed("xy");
	old = tio;
	tio.c_lflag |= ICANON;
	n_tty_termios_changed(&ld, &old);
	assert_reads("xy");
}
END_TEST

START_TEST(raw_mode_room_shrinks_as_buffer_fills)
{
	static char big[N_TTY_BUF_SIZE];

	set_raw();
	ck_assert_uint_eq(n_tty_receive_room(&ld), N_TTY_BUF_SIZE - 1);
	memset(big, 'z', sizeof(big));
	feed_n(big, 100);
	ck_assert_uint_eq(n_tty_receive_room(&ld), N_TTY_BUF_SIZE - 101);
	feed_n(big, sizeof(big));
	ck_assert_uint_eq(n_tty_receive_room(&ld), 0);
	ck_assert_uint_eq(n_tty_readable(&ld), N_TTY_BUF_SIZE);
}
END_TEST

START_TEST(push_makes_partial_line_readable)
{
	feed("tail");
	n_tty_push(&ld);
	assert_reads("tail");
}
END_TEST

START_TEST(flush_input_discards_everything)
{
	feed("line\npartial");
	n_tty_flush_input(&ld);
	ck_assert_uint_eq(n_tty_readable(&ld), 0);
	feed("x\n");
	assert_reads("x\n");
}
END_TEST

START_TEST(default_termios_match_linux)
{
	ck_assert_uint_eq(tio.c_iflag, ICRNL | IXON);
	ck_assert_uint_eq(tio.c_oflag, OPOST | ONLCR);
	ck_assert_uint_eq(tio.c_cflag, B38400 | CS8 | CREAD | HUPCL);
	ck_assert_uint_eq(tio.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK |
					       ECHOCTL | ECHOKE | IEXTEN);
	ck_assert_int_eq(tio.c_cc[VINTR], 3);
	ck_assert_int_eq(tio.c_cc[VERASE], 0x7f);
	ck_assert_int_eq(tio.c_cc[VEOF], 4);
	ck_assert_int_eq(tio.c_cc[VMIN], 1);
	ck_assert_int_eq(tio.c_cc[VTIME], 0);
}
END_TEST

static Suite *n_tty_suite(void)
{
	Suite *s = suite_create("n_tty");
	TCase *canon = tcase_create("canonical");
	TCase *input = tcase_create("input");
	TCase *output = tcase_create("output");
	TCase *echo = tcase_create("echo");
	TCase *sig = tcase_create("signals");
	TCase *flow = tcase_create("flow");
	TCase *raw = tcase_create("raw");
	TCase *all[] = { canon, input, output, echo, sig, flow, raw };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, NULL);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(canon, canonical_line_is_readable_only_after_newline);
	tcase_add_test(canon, canonical_read_returns_one_line_at_a_time);
	tcase_add_test(canon, canonical_short_read_leaves_rest_of_line);
	tcase_add_test(
		canon,
		erase_removes_last_char_and_echoes_backspace_space_backspace);
	tcase_add_test(canon, ctrl_h_erases_like_verase);
	tcase_add_test(canon, erase_at_line_start_does_nothing);
	tcase_add_test(canon, erase_does_not_reach_into_completed_line);
	tcase_add_test(canon, erase_without_echoe_echoes_the_erase_char);
	tcase_add_test(canon,
		       erase_of_control_char_under_echoctl_erases_two_cells);
	tcase_add_test(canon, erase_of_tab_backs_up_to_previous_column);
	tcase_add_test(canon, kill_erases_whole_line_visually_under_echoke);
	tcase_add_test(canon, kill_without_echoke_echoes_kill_char_and_newline);
	tcase_add_test(canon, word_erase_removes_last_word_and_trailing_blanks);
	tcase_add_test(canon, word_erase_stops_at_punctuation);
	tcase_add_test(canon, word_erase_needs_iexten);
	tcase_add_test(canon, eof_at_line_start_reads_as_end_of_file);
	tcase_add_test(canon, eof_after_text_completes_line_without_newline);
	tcase_add_test(canon, eof_right_after_a_full_read_is_not_end_of_file);
	tcase_add_test(canon, veol_ends_a_line);
	tcase_add_test(canon, nul_byte_is_data_not_disabled_eol);
	tcase_add_test(canon, lnext_takes_next_char_literally);
	tcase_add_test(canon, reprint_shows_line_again);
	tcase_add_test(canon, full_canonical_buffer_keeps_room_for_newline);
	tcase_add_test(canon, buffer_wraps_around);
	tcase_add_test(canon, default_termios_match_linux);

	tcase_add_test(input, icrnl_turns_carriage_return_into_newline);
	tcase_add_test(input, igncr_drops_carriage_return);
	tcase_add_test(input, inlcr_turns_newline_into_carriage_return);
	tcase_add_test(input, istrip_clears_the_high_bit);
	tcase_add_test(input, iuclc_lowercases_input);

	tcase_add_test(output, onlcr_turns_newline_into_crlf);
	tcase_add_test(output, without_opost_output_is_untouched);
	tcase_add_test(output, ocrnl_turns_carriage_return_into_newline);
	tcase_add_test(output, onocr_drops_carriage_return_at_column_zero);
	tcase_add_test(output, xtabs_expands_tabs_to_spaces);
	tcase_add_test(output, olcuc_uppercases_output);
	tcase_add_test(output, long_output_arrives_whole);

	tcase_add_test(echo, printable_input_is_echoed);
	tcase_add_test(echo, no_echo_without_echo_flag);
	tcase_add_test(echo, echonl_echoes_newline_even_without_echo);
	tcase_add_test(echo, echoctl_shows_control_chars_as_caret);
	tcase_add_test(echo, without_echoctl_control_chars_echo_raw);

	tcase_add_test(sig, intr_sends_sigint_echoes_and_flushes_input);
	tcase_add_test(sig, quit_sends_sigquit);
	tcase_add_test(sig, susp_sends_sigtstp);
	tcase_add_test(sig, noflsh_keeps_input_after_signal);
	tcase_add_test(sig, without_isig_intr_is_data);
	tcase_add_test(sig, signals_work_in_raw_mode);

	tcase_add_test(flow, ixon_stop_and_start_chars_control_output);
	tcase_add_test(flow, without_ixon_stop_char_is_data);
	tcase_add_test(flow, ixany_restarts_output_on_any_char);
	tcase_add_test(flow, tcooff_and_tcoon_report_flow);

	tcase_add_test(raw, raw_mode_reads_whatever_is_available);
	tcase_add_test(raw, raw_mode_erase_and_eof_are_data);
	tcase_add_test(raw, switching_to_raw_makes_partial_line_readable);
	tcase_add_test(raw, switching_to_canonical_pushes_pending_input);
	tcase_add_test(raw, raw_mode_room_shrinks_as_buffer_fills);
	tcase_add_test(raw, push_makes_partial_line_readable);
	tcase_add_test(raw, flush_input_discards_everything);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(n_tty_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
