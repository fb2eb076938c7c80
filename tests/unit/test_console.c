/*
 * Unit tests for the console command-line options (drivers/char/console.c)
 * and channel spec parsing (drivers/char/chan.c): conN= and con=
 * precedence, in,out pairs, exact channel type names, bad specs and
 * console numbers refused with a message naming the option.
 */
#include "chan.h"
#include "console.h"
#include "err.h"
#include "irq.h"
#include "os/os.h"
#include "printk.h"
#include "tty.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fakes for what console.c and chan.c call ---- */

static char klog[8192];
static size_t klog_len;

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(klog + klog_len, sizeof(klog) - klog_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		klog_len = strlen(klog);
	return n;
}

void printk_set_sink(const struct printk_sink *sink)
{
}

void tty_setup(struct tty *tty, const char *name, uint64_t dev,
	       const struct tty_ops *ops, void *driver_data)
{
	memset(tty, 0, sizeof(*tty));
	tty->ops = ops;
	tty->driver_data = driver_data;
}

int tty_register_node(struct tty_node *node, struct tty *tty, const char *name,
		      unsigned int major, unsigned int minor, uint32_t mode,
		      bool noctty)
{
	return 0;
}

void tty_receive(struct tty *tty, const char *buf, size_t len)
{
}

size_t tty_receive_room(const struct tty *tty)
{
	return 0;
}

void tty_input_eof(struct tty *tty)
{
}

void tty_set_winsize(struct tty *tty, uint16_t rows, uint16_t cols)
{
}

void tty_op_flush_nop(struct tty *tty)
{
}

void tty_op_set_termios_nop(struct tty *tty, const struct ktermios *old)
{
}

void tty_op_close_nop(struct tty *tty)
{
}

struct irq *irq_register(int host_fd, unsigned int events,
			 void (*handler)(void *data), void *data)
{
	return ERR_PTR(-EPERM);
}

int irq_set_events(struct irq *irq, unsigned int events)
{
	return 0;
}

void irq_unregister(struct irq *irq)
{
}

void irq_set_winch_handler(void (*handler)(void))
{
}

int os_fstat_size(int fd, uint64_t *size)
{
	return -EBADF;
}

bool os_isatty(int fd)
{
	return false;
}

int os_tty_raw(int fd)
{
	return 0;
}

int os_tty_winsize(int fd, uint16_t *rows, uint16_t *cols)
{
	return -ENOTTY;
}

long os_read(int fd, void *buf, size_t len)
{
	return 0;
}

long os_write(int fd, const void *buf, size_t len)
{
	return (long)len;
}

int os_fd_wait(int fd, uint32_t events, int64_t timeout_ns)
{
	return (int)events;
}

/* ---- helpers ---- */

static const char *config_of(unsigned int n)
{
	static char buf[CHAN_SPEC_MAX];

	ck_assert_int_ge(console_get_config(n, buf, sizeof(buf)), 0);
	return buf;
}

static void assert_rejected(const char *key, const char *value,
			    const char *message)
{
	klog_len = 0;
	klog[0] = '\0';
	ck_assert_int_eq(console_setup(key, value), -EINVAL);
	ck_assert_msg(strstr(klog, key), "log '%s' names no '%s'", klog, key);
	if (message)
		ck_assert_msg(strstr(klog, message), "log '%s' lacks '%s'",
			      klog, message);
}

/* ---- console options ---- */

START_TEST(defaults_are_stdio_for_con0_and_none_for_the_rest)
{
	unsigned int i;

	ck_assert_str_eq(config_of(0), "fd:0,fd:1");
	for (i = 1; i < CONSOLE_MAX; i++)
		ck_assert_str_eq(config_of(i), "none");
}
END_TEST

START_TEST(con_n_sets_one_console)
{
	ck_assert_int_eq(console_setup("con3", "fd:5"), 1);
	ck_assert_str_eq(config_of(3), "fd:5");
	ck_assert_str_eq(config_of(2), "none");
	ck_assert_str_eq(config_of(0), "fd:0,fd:1");
}
END_TEST

START_TEST(con_sets_default_of_consoles_without_their_own)
{
	ck_assert_int_eq(console_setup("con1", "fd:3"), 1);
	ck_assert_int_eq(console_setup("con", "null"), 1);
	ck_assert_str_eq(config_of(0), "null");
	ck_assert_str_eq(config_of(1), "fd:3");
	ck_assert_str_eq(config_of(15), "null");
}
END_TEST

START_TEST(con_n_beats_con_whatever_the_order)
{
	ck_assert_int_eq(console_setup("con", "null"), 1);
	ck_assert_int_eq(console_setup("con2", "fd:4"), 1);
	ck_assert_str_eq(config_of(2), "fd:4");
	ck_assert_str_eq(config_of(3), "null");
}
END_TEST

START_TEST(last_setting_of_a_console_wins)
{
	ck_assert_int_eq(console_setup("con0", "null"), 1);
	ck_assert_int_eq(console_setup("con0", "fd:2"), 1);
	ck_assert_str_eq(config_of(0), "fd:2");
}
END_TEST

START_TEST(in_out_pair_is_accepted)
{
	ck_assert_int_eq(console_setup("con0", "null,fd:2"), 1);
	ck_assert_str_eq(config_of(0), "null,fd:2");
}
END_TEST

START_TEST(highest_console_number_is_fifteen)
{
	ck_assert_int_eq(console_setup("con15", "null"), 1);
	ck_assert_str_eq(config_of(15), "null");
}
END_TEST

START_TEST(console_number_out_of_range_is_refused)
{
	assert_rejected("con16", "null", "out of range");
	assert_rejected("con99999999999999999999999", "null", "out of range");
}
END_TEST

START_TEST(unknown_channel_type_is_refused_naming_the_option)
{
	assert_rejected("con1", "foo", "unknown channel type");
	ck_assert_str_eq(config_of(1), "none");
}
END_TEST

START_TEST(channel_types_match_exactly_not_by_prefix)
{
	assert_rejected("con1", "nullx", "unknown channel type");
	assert_rejected("con1", "nul", "unknown channel type");
	assert_rejected("con1", "fdx:1", "unknown channel type");
	assert_rejected("con1", "nonesuch", "unknown channel type");
}
END_TEST

START_TEST(fd_channel_needs_a_number)
{
	assert_rejected("con0", "fd", "fd:N");
	assert_rejected("con0", "fd:", "fd:N");
	assert_rejected("con0", "fd:x1", "fd:N");
	assert_rejected("con0", "fd:-1", "fd:N");
	assert_rejected("con0", "fd:99999999999", "fd:N");
	ck_assert_str_eq(config_of(0), "fd:0,fd:1");
}
END_TEST

START_TEST(null_and_none_take_no_argument)
{
	assert_rejected("con1", "null:3", "no argument");
	assert_rejected("con1", "none:", "no argument");
}
END_TEST

START_TEST(none_cannot_be_half_of_a_pair)
{
	assert_rejected("con1", "none,fd:1", "pair");
	assert_rejected("con1", "fd:0,none", "pair");
}
END_TEST

START_TEST(empty_halves_are_refused)
{
	assert_rejected("con1", "", "empty");
	assert_rejected("con1", "fd:0,", "empty");
	assert_rejected("con1", ",fd:1", "empty");
	assert_rejected("con", "", "empty");
}
END_TEST

START_TEST(missing_value_is_refused)
{
	assert_rejected("con2", NULL, "missing");
}
END_TEST

START_TEST(overlong_spec_is_refused)
{
	char spec[CHAN_SPEC_MAX + 10];

	memset(spec, '1', sizeof(spec) - 1);
	memcpy(spec, "fd:", 3);
	spec[sizeof(spec) - 1] = '\0';
	assert_rejected("con1", spec, "too long");
}
END_TEST

START_TEST(other_options_are_not_taken)
{
	ck_assert_int_eq(console_setup("console", "tty0"), 0);
	ck_assert_int_eq(console_setup("conmode", "x"), 0);
	ck_assert_int_eq(console_setup("con1x", "null"), 0);
	ck_assert_int_eq(console_setup("ssl0", "null"), 0);
	ck_assert_int_eq(console_setup("co", "null"), 0);
	ck_assert_int_eq(console_setup("mem", "64M"), 0);
	ck_assert_str_eq(config_of(0), "fd:0,fd:1");
}
END_TEST

START_TEST(config_of_missing_console_is_invalid)
{
	char buf[16];

	ck_assert_int_eq(console_get_config(CONSOLE_MAX, buf, sizeof(buf)),
			 -EINVAL);
}
END_TEST

/* ---- channel specs ---- */

START_TEST(single_channel_serves_both_directions)
{
	struct chan_pair p;
	const char *why = NULL;

	ck_assert_int_eq(chan_parse_pair("fd:7", &p, &why), 0);
	ck_assert(!p.split);
	ck_assert_ptr_eq(chan_pair_in(&p), chan_pair_out(&p));
	ck_assert(p.in.input && p.in.output);
	ck_assert_int_eq(p.in.fd, 7);
}
END_TEST

START_TEST(pair_splits_input_and_output)
{
	struct chan_pair p;
	const char *why = NULL;

	ck_assert_int_eq(chan_parse_pair("fd:0,fd:1", &p, &why), 0);
	ck_assert(p.split);
	ck_assert(p.in.input && !p.in.output);
	ck_assert(p.out.output && !p.out.input);
	ck_assert_int_eq(p.in.fd, 0);
	ck_assert_int_eq(p.out.fd, 1);
}
END_TEST

START_TEST(none_is_recognised)
{
	struct chan_pair p;
	const char *why = NULL;

	ck_assert_int_eq(chan_parse_pair("none", &p, &why), 0);
	ck_assert(chan_pair_is_none(&p));
	ck_assert_int_eq(chan_parse_pair("null", &p, &why), 0);
	ck_assert(!chan_pair_is_none(&p));
}
END_TEST

START_TEST(describe_gives_the_spec_back)
{
	static const char *const specs[] = { "fd:0,fd:1", "null", "none",
					     "null,fd:2", "fd:12" };
	struct chan_pair p;
	const char *why = NULL;
	char buf[CHAN_SPEC_MAX];
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		ck_assert_int_eq(chan_parse_pair(specs[i], &p, &why), 0);
		ck_assert_uint_eq(chan_pair_describe(&p, buf, sizeof(buf)),
				  strlen(specs[i]));
		ck_assert_str_eq(buf, specs[i]);
	}
}
END_TEST

START_TEST(null_channel_discards_output_and_has_no_input)
{
	struct chan_pair p;
	const char *why = NULL;
	char c;

	ck_assert_int_eq(chan_parse_pair("null", &p, &why), 0);
	ck_assert_int_eq(chan_pair_open(&p), 0);
	ck_assert_int_eq(chan_write(chan_pair_out(&p), "abc", 3), 3);
	ck_assert_int_eq(chan_read(chan_pair_in(&p), &c, 1), -ENODEV);
	ck_assert_int_lt(chan_pair_in(&p)->fd, 0);
	chan_pair_close(&p);
}
END_TEST

START_TEST(none_channel_cannot_be_opened)
{
	struct chan_pair p;
	const char *why = NULL;

	ck_assert_int_eq(chan_parse_pair("none", &p, &why), 0);
	ck_assert_int_eq(chan_pair_open(&p), -ENODEV);
}
END_TEST

START_TEST(fd_channel_on_a_closed_fd_fails_to_open)
{
	struct chan_pair p;
	const char *why = NULL;

	ck_assert_int_eq(chan_parse_pair("fd:9", &p, &why), 0);
	ck_assert_int_eq(chan_pair_open(&p), -EBADF);
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *opt = tcase_create("options");
	TCase *chan = tcase_create("channels");

	tcase_add_test(opt, defaults_are_stdio_for_con0_and_none_for_the_rest);
	tcase_add_test(opt, con_n_sets_one_console);
	tcase_add_test(opt, con_sets_default_of_consoles_without_their_own);
	tcase_add_test(opt, con_n_beats_con_whatever_the_order);
	tcase_add_test(opt, last_setting_of_a_console_wins);
	tcase_add_test(opt, in_out_pair_is_accepted);
	tcase_add_test(opt, highest_console_number_is_fifteen);
	tcase_add_test(opt, console_number_out_of_range_is_refused);
	tcase_add_test(opt, unknown_channel_type_is_refused_naming_the_option);
	tcase_add_test(opt, channel_types_match_exactly_not_by_prefix);
	tcase_add_test(opt, fd_channel_needs_a_number);
	tcase_add_test(opt, null_and_none_take_no_argument);
	tcase_add_test(opt, none_cannot_be_half_of_a_pair);
	tcase_add_test(opt, empty_halves_are_refused);
	tcase_add_test(opt, missing_value_is_refused);
	tcase_add_test(opt, overlong_spec_is_refused);
	tcase_add_test(opt, other_options_are_not_taken);
	tcase_add_test(opt, config_of_missing_console_is_invalid);
	suite_add_tcase(s, opt);

	tcase_add_test(chan, single_channel_serves_both_directions);
	tcase_add_test(chan, pair_splits_input_and_output);
	tcase_add_test(chan, none_is_recognised);
	tcase_add_test(chan, describe_gives_the_spec_back);
	tcase_add_test(chan, null_channel_discards_output_and_has_no_input);
	tcase_add_test(chan, none_channel_cannot_be_opened);
	tcase_add_test(chan, fd_channel_on_a_closed_fd_fails_to_open);
	suite_add_tcase(s, chan);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(console_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
