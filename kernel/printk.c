/*
 * The kernel log: a ring buffer of messages plus the console sink.
 *
 * Each message may begin with a "<N>" level. In the ring every line starts
 * with one mark byte holding its level (LOG_MARK + N, a control character
 * that logged text never carries: printk replaces it), then the uptime
 * stamp "[    1.234567] ", then the text. Readers drop the marks
 * (printk_read_log, printk_read_since) or render them as "<N>" (the syslog
 * form). Messages below the console loglevel also go to the registered
 * sink, or to the host's stderr before a console exists.
 */
#include <stdarg.h>

#include "klib.h"
#include "printk.h"
#include "timer.h"
#include "wait.h"
#include "os/os.h"

#define LOG_SIZE (64 * 1024)
#define LINE_MAX_LEN 1024
#define DEFAULT_LEVEL 4
#define DEFAULT_CONSOLE_LEVEL 7
#define LOG_MARK 0x10
#define LOG_LEVELS 8
/* A mark becomes "<N>" in the syslog form: two bytes more. */
#define SYSLOG_EXTRA 2

struct printk_state {
	char ring[LOG_SIZE];
	uint64_t head; /* total bytes ever written: the next seq */
	int console_level;
	const struct printk_sink *sink;
	bool line_open; /* the last message did not end in a newline */
	bool in_panic;
	void (*panic_hook)(const char *msg);
	struct wait_queue wait; /* syslog readers waiting for a line */
};

static struct printk_state printk_state = {
	.console_level = DEFAULT_CONSOLE_LEVEL,
	.wait = WAIT_QUEUE_INIT(printk_state.wait),
};

void printk_set_console_level(int level)
{
	printk_state.console_level = level;
}

int printk_console_level(void)
{
	return printk_state.console_level;
}

void printk_set_sink(const struct printk_sink *sink)
{
	printk_state.sink = sink;
}

struct wait_queue *printk_log_wait(void)
{
	return &printk_state.wait;
}

size_t printk_log_size(void)
{
	return LOG_SIZE;
}

uint64_t printk_log_seq(void)
{
	return printk_state.head;
}

static bool log_is_mark(char c)
{
	unsigned char u = (unsigned char)c;

	return u >= LOG_MARK && u < LOG_MARK + LOG_LEVELS;
}

static char ring_at(uint64_t seq)
{
	return printk_state.ring[seq % LOG_SIZE];
}

/* The oldest seq still in the ring. */
static uint64_t log_oldest(void)
{
	uint64_t head = printk_state.head;

	return head > LOG_SIZE ? head - LOG_SIZE : 0;
}

static void ring_putc(char c)
{
	struct printk_state *p = &printk_state;

	p->ring[p->head % LOG_SIZE] = c;
	p->head++;
}

size_t printk_read_since(uint64_t seq, char *buf, size_t size)
{
	uint64_t s = MAX(seq, log_oldest());
	size_t n = 0;

	for (; s < printk_state.head && n < size; s++) {
		char c = ring_at(s);

		if (!log_is_mark(c))
			buf[n++] = c;
	}
	return n;
}

size_t printk_read_log(char *buf, size_t size)
{
	uint64_t s = printk_state.head, oldest = log_oldest();
	size_t n = 0;

	/* Keep the newest bytes when the buffer is smaller than the log. */
	while (s > oldest && n < size)
		if (!log_is_mark(ring_at(--s)))
			n++;
	return printk_read_since(s, buf, size);
}

/* ---- the syslog form ---- */

/* The first line start (a mark) at or after seq still in the ring. */
static uint64_t log_line_start(uint64_t seq)
{
	uint64_t s = MAX(seq, log_oldest());

	while (s < printk_state.head && !log_is_mark(ring_at(s)))
		s++;
	return s;
}

/*
 * The end (just past the newline) of the line starting at start; false
 * while the line is still open.
 */
static bool log_line_end(uint64_t start, uint64_t *end)
{
	for (uint64_t s = start + 1; s < printk_state.head; s++) {
		if (ring_at(s) == '\n') {
			*end = s + 1;
			return true;
		}
	}
	return false;
}

/* Render the line [start, end) as "<N>text" into out, at most max bytes. */
static size_t log_render_line(uint64_t start, uint64_t end, char *out,
			      size_t max)
{
	char prefix[SYSLOG_EXTRA + 1] = {
		'<', (char)('0' + ring_at(start) - LOG_MARK), '>'
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(prefix) && n < max; i++)
		out[n++] = prefix[i];
	for (uint64_t s = start + 1; s < end && n < max; s++)
		out[n++] = ring_at(s);
	return n;
}

size_t printk_syslog_size(uint64_t seq)
{
	uint64_t s = log_line_start(seq), e;
	size_t total = 0;

	while (log_line_end(s, &e)) {
		total += (size_t)(e - s) + SYSLOG_EXTRA;
		s = e;
	}
	return total;
}

uint64_t printk_syslog_tail(uint64_t seq, size_t size)
{
	uint64_t s = log_line_start(seq), e;
	size_t total = printk_syslog_size(s);

	while (total > size && log_line_end(s, &e)) {
		total -= (size_t)(e - s) + SYSLOG_EXTRA;
		s = e;
	}
	return s;
}

size_t printk_syslog_read(uint64_t *seq, char *buf, size_t size)
{
	uint64_t s = log_line_start(*seq), e;
	size_t n = 0;

	if (size == 0)
		return 0;
	while (log_line_end(s, &e)) {
		size_t len = (size_t)(e - s) + SYSLOG_EXTRA;

		if (len > size - n) {
			if (n == 0) {
				n = log_render_line(s, e, buf, size);
				s = e;
			}
			break;
		}
		n += log_render_line(s, e, buf + n, len);
		s = e;
	}
	*seq = s;
	return n;
}

/* ---- writing ---- */

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

/* Start a line in the ring: its level mark and the uptime stamp. */
static void log_line_begin(int level, uint64_t up)
{
	char stamp[32];
	int n = ksnprintf(stamp, sizeof(stamp), "[%5u.%06u] ",
			  (unsigned int)(up / NSEC_PER_SEC),
			  (unsigned int)(up % NSEC_PER_SEC / 1000));

	ring_putc((char)(LOG_MARK + level));
	for (int i = 0; i < n; i++)
		ring_putc(stamp[i]);
}

static void log_message(const char *msg)
{
	struct printk_state *p = &printk_state;
	int level = parse_level(&msg);
	size_t len = kstrlen(msg);
	uint64_t up = time_uptime_ns();
	bool completed = false;

	for (size_t i = 0; i < len; i++) {
		char c = log_is_mark(msg[i]) ? '?' : msg[i];

		if (!p->line_open) {
			log_line_begin(level, up);
			p->line_open = true;
		}
		ring_putc(c);
		if (c == '\n') {
			p->line_open = false;
			completed = true;
		}
	}
	if (completed && !list_empty(&p->wait.waiters))
		wake_up(&p->wait);
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

void printk_set_panic_hook(void (*hook)(const char *msg))
{
	printk_state.panic_hook = hook;
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
		if (printk_state.panic_hook)
			printk_state.panic_hook(buf);
	}
	/* The console may be the thing that broke: say it on stderr too. */
	os_write_stderr("Kernel panic: ", 14);
	os_write_stderr(buf, (size_t)(n < LINE_MAX_LEN ? n : LINE_MAX_LEN - 1));
	os_write_stderr("\n", 1);
	os_tty_restore_all();
	os_abort();
}
