/*
 * The kernel log. printk writes a message to the log ring buffer (read by
 * dmesg and mconsole's log) and, unless it is below the console loglevel, to
 * the console. A message may start with a level prefix "<N>".
 */
#ifndef PRINTK_H
#define PRINTK_H

#include "compiler.h"

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

/* Broken invariant: report it and abort the host process, leaving a core. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (unlikely(cond))                                           \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#endif
