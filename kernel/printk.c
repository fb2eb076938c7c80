/*
 * The kernel log: a ring buffer of messages plus the console sink.
 *
 * Each message may begin with a "<N>" level. Messages go into the ring
 * (without the level prefix, each line stamped with the uptime) and, when
 * their level is below the console loglevel, to the registered sink, or to
 * the host's stderr before a console exists.
 */
#include <stdarg.h>

#include "klib.h"
#include "printk.h"
#include "timer.h"
#include "os/os.h"

#define LOG_SIZE (64 * 1024)
#define LINE_MAX_LEN 1024
#define DEFAULT_LEVEL 4
#define DEFAULT_CONSOLE_LEVEL 7

struct printk_state {
	char ring[LOG_SIZE];
	size_t head; /* total bytes ever written */
	int console_level;
	const struct printk_sink *sink;
	bool line_open; /* the last message did not end in a newline */
	bool in_panic;
};

static struct printk_state printk_state = {
	.console_level = DEFAULT_CONSOLE_LEVEL,
};

void printk_set_console_level(int level)
{
	printk_state.console_level = level;
}

void printk_set_sink(const struct printk_sink *sink)
{
	printk_state.sink = sink;
}

static void ring_put(const char *s, size_t len)
{
	struct printk_state *p = &printk_state;

	while (len--) {
		p->ring[p->head % LOG_SIZE] = *s++;
		p->head++;
	}
}

size_t printk_read_log(char *buf, size_t size)
{
	struct printk_state *p = &printk_state;
	size_t avail = p->head < LOG_SIZE ? p->head : LOG_SIZE;
	size_t start = p->head - avail;
	size_t n = avail < size ? avail : size;
	size_t i;

	/* Keep the newest bytes when the buffer is smaller than the log. */
	start += avail - n;
	for (i = 0; i < n; i++)
		buf[i] = p->ring[(start + i) % LOG_SIZE];
	return n;
}

static void console_emit(const char *text, size_t len)
{
	if (printk_state.sink)
		printk_state.sink->write(text, len);
	else
		os_write_stderr(text, len);
}

static int parse_level(const char **msg)
{
	const char *m = *msg;

	if (m[0] == '<' && m[1] >= '0' && m[1] <= '7' && m[2] == '>') {
		*msg = m + 3;
		return m[1] - '0';
	}
	return DEFAULT_LEVEL;
}

static void log_message(const char *msg)
{
	struct printk_state *p = &printk_state;
	int level = parse_level(&msg);
	size_t len = kstrlen(msg);

	if (!p->line_open) {
		char stamp[32];
		uint64_t up = time_uptime_ns();
		int n = ksnprintf(stamp, sizeof(stamp), "[%5u.%06u] ",
				  (unsigned int)(up / NSEC_PER_SEC),
				  (unsigned int)(up % NSEC_PER_SEC / 1000));

		ring_put(stamp, (size_t)n);
	}
	ring_put(msg, len);
	p->line_open = len && msg[len - 1] != '\n';
	if (level < p->console_level)
		console_emit(msg, len);
}

int printk(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_message(buf);
	return n;
}

void panic(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!printk_state.in_panic) {
		printk_state.in_panic = true;
		printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
	}
	/* The console may be the thing that broke: say it on stderr too. */
	os_write_stderr("Kernel panic: ", 14);
	os_write_stderr(buf, (size_t)(n < LINE_MAX_LEN ? n : LINE_MAX_LEN - 1));
	os_write_stderr("\n", 1);
	os_tty_restore_all();
	os_abort();
}
