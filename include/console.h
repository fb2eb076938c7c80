/*
 * UML consoles: con0..con15 (/dev/tty0..15) on host channels, plus
 * /dev/console and /dev/tty.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "compiler.h"

#define CONSOLE_MAX 16

/*
 * Command-line hook, called for every key=value word: "conN" (N < 16)
 * sets one console's channel spec, "con" the default of every console
 * without its own. Returns 1 when the option was taken, 0 when it is not
 * a console option, -EINVAL for a bad value or number (after a printk
 * naming the option). Needs no allocator; call any time before
 * console_init.
 */
int console_setup(const char *key, const char *value);

/*
 * Create the console devices, open con0's channels, route its host input
 * through the line discipline and kernel messages to it. Needs the VFS
 * (devtmpfs), the interrupt layer and the heap.
 */
int console_init(void);

/*
 * The channel spec of console n as configured (or its live channels once
 * open), as "config conN" shows it. Returns the length or -EINVAL.
 */
int console_get_config(unsigned int n, char *buf, size_t size);

#endif
