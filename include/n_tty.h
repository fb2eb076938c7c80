/*
 * The line discipline (N_TTY): what happens to bytes between a terminal
 * device and the programs reading and writing it.
 *
 * Input from the device is edited here (canonical mode: erase, kill, word
 * erase, EOF, literal next, reprint), translated (ICRNL, INLCR, IGNCR,
 * ISTRIP, IUCLC), echoed, and turned into signals (ISIG) and flow control
 * (IXON). Output from programs is post-processed (OPOST: ONLCR, OCRNL,
 * ONOCR, ONLRET, OLCUC, XTABS).
 *
 * The module is pure: it never sleeps, allocates or calls the rest of the
 * kernel. It talks to its owner (the tty core, or a unit test) only through
 * struct n_tty_ops; waiting for input (VMIN/VTIME, blocking reads) is the
 * owner's business.
 */
#ifndef N_TTY_H
#define N_TTY_H

#include <asm/termbits.h>

#include "compiler.h"

#define N_TTY_BUF_SIZE 4096

/* Callbacks into the owner. None may be NULL; none may sleep. */
struct n_tty_ops {
	/* Send processed bytes (echo or program output) to the device. */
	void (*write)(void *owner, const char *buf, size_t len);
	/* ISIG: raise sig (SIGINT, SIGQUIT, SIGTSTP) in the foreground. */
	void (*signal)(void *owner, int sig);
	/* Discard output the device still holds (ISIG without NOFLSH). */
	void (*flush_output)(void *owner);
	/* Output was stopped (IXON VSTOP, TCOOFF) or started again. */
	void (*flow)(void *owner, bool stopped);
};

/*
 * Line discipline state. The input buffer is circular; the indices only
 * grow and are reduced modulo N_TTY_BUF_SIZE when used:
 *   read_tail <= canon_head <= head (canonical mode)
 * [read_tail, canon_head) holds completed lines, [canon_head, head) the
 * line being edited. In non-canonical mode all of [read_tail, head) is
 * readable.
 */
struct n_tty {
	const struct n_tty_ops *ops;
	void *owner;
	const struct ktermios *termios; /* owned by the caller */
	uint64_t read_tail;
	uint64_t canon_head;
	uint64_t head;
	unsigned int column; /* output column, for tabs and erase */
	unsigned int canon_column; /* column where the edited line began */
	bool lnext; /* the next byte is taken literally */
	bool stopped; /* output is stopped */
	char buf[N_TTY_BUF_SIZE];
	uint8_t delim[N_TTY_BUF_SIZE / 8]; /* byte ends a line */
	uint8_t eof[N_TTY_BUF_SIZE / 8]; /* byte is an EOF mark, not data */
};

/* Fill t with Linux's default terminal settings (tty_std_termios). */
void n_tty_termios_init(struct ktermios *t);

/* Start ld empty, reading its settings from *termios. */
void n_tty_init(struct n_tty *ld, const struct ktermios *termios,
		const struct n_tty_ops *ops, void *owner);

/*
 * Process len bytes of device input. Bytes that do not fit are dropped;
 * a driver that wants no loss delivers at most n_tty_receive_room().
 */
void n_tty_receive(struct n_tty *ld, const char *buf, size_t len);

/*
 * How many bytes the device may deliver now. In canonical mode with no
 * completed line this is at least 1, so a newline can always get in.
 */
size_t n_tty_receive_room(const struct n_tty *ld);

/*
 * Bytes of input a read would consume now: completed lines (EOF marks
 * included) in canonical mode, everything otherwise. 0 means a reader
 * has to wait.
 */
size_t n_tty_readable(const struct n_tty *ld);

/* Data bytes waiting (FIONREAD): n_tty_readable without EOF marks. */
size_t n_tty_inq(const struct n_tty *ld);

/*
 * Copy input into buf without waiting. Canonical mode returns at most one
 * line (an EOF mark at the start of a line returns 0: end of file);
 * otherwise returns up to len available bytes.
 */
size_t n_tty_read(struct n_tty *ld, char *buf, size_t len);

/* Post-process program output and send it to the device. */
void n_tty_write(struct n_tty *ld, const char *buf, size_t len);

/* Discard all input, edited line included. */
void n_tty_flush_input(struct n_tty *ld);

/*
 * The termios settings changed (old are the previous ones): switching
 * canonical mode makes pending input readable as it is.
 */
void n_tty_termios_changed(struct n_tty *ld, const struct ktermios *old);

/* Stop or start output (TCXONC); reports through ops->flow. */
void n_tty_set_stopped(struct n_tty *ld, bool stopped);

/*
 * The device delivers no more input: make a partly edited line readable,
 * so readers get it and then end of file.
 */
void n_tty_push(struct n_tty *ld);

#endif
