/*
 * The kernel log. printk writes a message to the log ring buffer (read by
 * dmesg and mconsole's log) and, unless it is below the console loglevel, to
 * the console. A message may start with a level prefix "<N>".
 */
#ifndef PRINTK_H
#define PRINTK_H

#include "compiler.h"

struct wait_queue;

#define KERN_EMERG "<0>"
#define KERN_ALERT "<1>"
#define KERN_CRIT "<2>"
#define KERN_ERR "<3>"
#define KERN_WARNING "<4>"
#define KERN_NOTICE "<5>"
#define KERN_INFO "<6>"
#define KERN_DEBUG "<7>"

int printk(const char *fmt, ...) __printf(1, 2);

/* Messages at or above this level (numerically below) reach the console. */
void printk_set_console_level(int level);
int printk_console_level(void);

/*
 * Where console output goes. Until a console driver registers, messages go
 * to the host's stderr.
 */
struct printk_sink {
	void (*write)(const char *text, size_t len);
};
void printk_set_sink(const struct printk_sink *sink);

/*
 * Copy the log ring (oldest first) into buf; returns the number of bytes
 * copied. Used by syslog(2) and mconsole.
 */
size_t printk_read_log(char *buf, size_t size);

/*
 * A position in the log: the number of bytes ever logged. Take it before
 * an action and printk_read_since(seq) gives what the action logged.
 */
uint64_t printk_log_seq(void);
/*
 * Copy the text logged since seq (oldest first, as much as fits in size
 * and is still in the ring) into buf, without level prefixes. Returns the
 * number of bytes copied; buf is not NUL-terminated.
 */
size_t printk_read_since(uint64_t seq, char *buf, size_t size);

/*
 * The log in syslog(2) form: every complete line prefixed with its level,
 * "<6>[    0.000000] Linux version ...\n". A line still being written (no
 * newline yet) is not part of it until it ends.
 */
/* The capacity of the ring (SYSLOG_ACTION_SIZE_BUFFER). */
size_t printk_log_size(void);
/* Bytes the syslog form of the log from seq on takes. */
size_t printk_syslog_size(uint64_t seq);
/*
 * The earliest line start at or after seq whose syslog form, up to the
 * end of the log, fits in size bytes (the newest lines that fit).
 */
uint64_t printk_syslog_tail(uint64_t seq, size_t size);
/*
 * Copy whole lines in syslog form from *seq on into buf, as many as fit,
 * and move *seq past them. A single line longer than size is cut to size
 * and consumed whole, so a reader always makes progress. Returns the
 * number of bytes copied.
 */
size_t printk_syslog_read(uint64_t *seq, char *buf, size_t size);
/* Woken whenever a line completes (SYSLOG_ACTION_READ sleeps here). */
struct wait_queue *printk_log_wait(void);

/*
 * Called once by panic() with the message before the process aborts
 * (mconsole's notify socket). NULL for none.
 */
void printk_set_panic_hook(void (*hook)(const char *msg));

/* Broken invariant: report it and abort the host process, leaving a core. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (unlikely(cond))                                           \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#endif
