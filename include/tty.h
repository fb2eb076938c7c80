/*
 * The tty core: terminal devices as the guest sees them.
 *
 * A struct tty is one terminal: its termios settings, window size,
 * foreground process group and session, the line discipline (n_tty.h) with
 * its input buffer, and wait queues for readers and writers. A driver
 * (console, serial line, pty) supplies struct tty_ops and feeds device
 * input with tty_receive(). The tty core provides the file operations of
 * the device files, including job control (SIGTTIN/SIGTTOU) and the
 * terminal ioctls.
 */
#ifndef TTY_H
#define TTY_H

#include <asm/termios.h>

#include "compiler.h"
#include "list.h"
#include "n_tty.h"
#include "vfs.h"
#include "wait.h"

struct tty;

/* What a driver does for the tty core. Every field is required. */
struct tty_ops {
	/*
	 * Send processed output to the device. Called from syscalls and from
	 * interrupt handlers (echo), so it must not sleep.
	 */
	void (*write)(struct tty *tty, const char *buf, size_t len);
	/* Discard output the device has not sent yet (TCOFLUSH, ISIG). */
	void (*flush)(struct tty *tty);
	/* termios changed; old holds the previous settings. */
	void (*set_termios)(struct tty *tty, const struct ktermios *old);
	/* First open of the device; may sleep. 0 or -errno. */
	int (*open)(struct tty *tty);
	/* Last close of the device. */
	void (*close)(struct tty *tty);
	/* A reader consumed input: the driver may deliver more now. */
	void (*unthrottle)(struct tty *tty);
};

/* Do-nothing tty_ops entries for drivers that have nothing to do. */
void tty_op_flush_nop(struct tty *tty);
void tty_op_set_termios_nop(struct tty *tty, const struct ktermios *old);
int tty_op_open_nop(struct tty *tty);
void tty_op_close_nop(struct tty *tty);
void tty_op_unthrottle_nop(struct tty *tty);

struct tty {
	const struct tty_ops *ops;
	void *driver_data;
	char name[16]; /* "tty0" */
	uint64_t dev; /* device number (TIOCGDEV) */
	struct ktermios termios;
	struct winsize winsize;
	int pgrp; /* foreground process group, 0 if none */
	int session; /* session it controls, 0 if none */
	int opens; /* open files */
	bool exclusive; /* TIOCEXCL: further opens need root */
	bool input_eof; /* the device will deliver no more input */
	struct n_tty ld;
	struct wait_queue read_wait;
	struct wait_queue write_wait;
};

/* Set up tty with default termios and no session. */
void tty_setup(struct tty *tty, const char *name, uint64_t dev,
	       const struct tty_ops *ops, void *driver_data);

/*
 * Device input (from an interrupt handler): run it through the line
 * discipline and wake readers. Deliver at most tty_receive_room() bytes
 * to lose nothing.
 */
void tty_receive(struct tty *tty, const char *buf, size_t len);
size_t tty_receive_room(const struct tty *tty);

/* The device will deliver no more input: readers get what is left, then 0. */
void tty_input_eof(struct tty *tty);

/* New window size from the device; SIGWINCH to the foreground if changed. */
void tty_set_winsize(struct tty *tty, uint16_t rows, uint16_t cols);

/*
 * A device node backed by a tty, found by its device number when opened.
 * With tty NULL the node is /dev/tty: the opener's controlling terminal.
 */
struct tty_node {
	struct list_head link; /* in the tty core's node list */
	uint64_t dev;
	struct tty *tty;
	bool noctty; /* opening never acquires a controlling tty */
};

/*
 * Register node as character device major:minor for tty (NULL: the
 * caller's controlling tty) and create /dev/name. node and name must live
 * forever.
 */
int tty_register_node(struct tty_node *node, struct tty *tty, const char *name,
		      unsigned int major, unsigned int minor, uint32_t mode,
		      bool noctty);

/*
 * Drop the controlling tty of current's session (TIOCNOTTY by the session
 * leader, or the session leader exiting): the foreground process group
 * gets SIGHUP and SIGCONT, and every process of the session loses the tty.
 * Call from exit when the exiting process leads its session.
 */
void tty_disassociate_ctty(void);

#endif
