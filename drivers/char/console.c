/*
 * UML consoles: con0..con15 as /dev/tty0..15 (major 4), each on a host
 * channel pair; /dev/console (5,1) is con0 and /dev/tty (5,0) the
 * caller's controlling terminal.
 *
 * Guarantees: conN=/con= values are checked when the command line is
 * read; con0 is opened at boot and receives kernel messages, the others
 * when the guest first opens them. Host input goes through the line
 * discipline without loss (the input interrupt is turned off while the
 * buffer is full) and never spins: at the end of host input the interrupt
 * is dropped and readers see end of file.
 */
#include "chan.h"
#include "console.h"
#include "err.h"
#include "irq.h"
#include "klib.h"
#include "printk.h"
#include "tty.h"

#define CON_MAJOR 4
#define TTYAUX_MAJOR 5
#define TTYAUX_MINOR_TTY 0
#define TTYAUX_MINOR_CONSOLE 1
#define CON_MODE 0620
#define CON_MODE_CONSOLE 0600
#define CON_MODE_TTY 0666
#define CON_READ_CHUNK 512
#define CON_DEFAULT_BOOT "fd:0,fd:1"
#define CON_DEFAULT_OTHER "none"

struct con_line {
	unsigned int index;
	char spec[CHAN_SPEC_MAX]; /* conN= value; empty when not given */
	struct chan_pair chans;
	struct tty tty;
	struct tty_node node;
	struct irq *irq; /* host input interrupt, NULL when none */
	bool exists; /* not "none": has a device node */
	bool active; /* channels open, input wired up */
	bool throttled; /* input interrupt off until readers make room */
	bool input_done; /* host input has ended */
};

struct console_state {
	char default_spec[CHAN_SPEC_MAX]; /* con= value; empty when not given */
	struct con_line lines[CONSOLE_MAX];
	struct tty_node console_node; /* /dev/console */
	struct tty_node ctty_node; /* /dev/tty */
};

static struct console_state console;

/* conN= beats con=, which beats the built-in default. */
static const char *con_spec(const struct con_line *line)
{
	if (line->spec[0])
		return line->spec;
	if (console.default_spec[0])
		return console.default_spec;
	return line == &console.lines[0] ? CON_DEFAULT_BOOT : CON_DEFAULT_OTHER;
}

/* ---- command line ---- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int console_setup(const char *key, const char *value)
{
	const char *suffix;
	struct chan_pair pair;
	const char *why = "";
	uint64_t n;
	char *dst;

	if (!kstarts_with(key, "con"))
		return 0;
	suffix = key + 3;
	if (!*suffix) {
		dst = console.default_spec;
	} else if (all_digits(suffix)) {
		if (kstrtou64(suffix, 10, &n) || n >= CONSOLE_MAX) {
			printk(KERN_ERR "%s: device number out of range\n",
			       key);
			return -EINVAL;
		}
		dst = console.lines[n].spec;
	} else {
		return 0;
	}
	if (!value) {
		printk(KERN_ERR "%s: missing channel spec\n", key);
		return -EINVAL;
	}
	if (chan_parse_pair(value, &pair, &why)) {
		printk(KERN_ERR "%s=%s: %s\n", key, value, why);
		return -EINVAL;
	}
	kstrlcpy(dst, value, CHAN_SPEC_MAX);
	return 1;
}

int console_get_config(unsigned int n, char *buf, size_t size)
{
	struct con_line *line;

	if (n >= CONSOLE_MAX)
		return -EINVAL;
	line = &console.lines[n];
	if (line->active)
		return (int)chan_pair_describe(&line->chans, buf, size);
	return ksnprintf(buf, size, "%s", con_spec(line));
}

/* ---- host input ---- */

static void con_input_end(struct con_line *line)
{
	if (line->irq) {
		irq_unregister(line->irq);
		line->irq = NULL;
	}
	line->input_done = true;
	tty_input_eof(&line->tty);
}

static void con_throttle(struct con_line *line)
{
	line->throttled = true;
	if (line->irq)
		irq_set_events(line->irq, 0);
}

/*
 * Read host input once, as much as the line discipline takes. Returns
 * true when bytes arrived and more may follow.
 */
static bool con_read_once(struct con_line *line)
{
	char buf[CON_READ_CHUNK];
	size_t room = tty_receive_room(&line->tty);
	long n;

	if (!room) {
		con_throttle(line);
		return false;
	}
	n = chan_read(chan_pair_in(&line->chans), buf, MIN(room, sizeof(buf)));
	if (n > 0) {
		tty_receive(&line->tty, buf, (size_t)n);
		return true;
	}
	if (n != -EAGAIN && n != -EINTR)
		con_input_end(line);
	return false;
}

static void con_input_irq(void *data)
{
	struct con_line *line = data;

	/*
	 * Hangups are reported even with input events off: the host side is
	 * gone, so read the rest without the interrupt once there is room.
	 */
	if (line->throttled) {
		irq_unregister(line->irq);
		line->irq = NULL;
		return;
	}
	con_read_once(line);
}

/*
 * Input without an interrupt (a file, /dev/null, a hung-up fd): read it
 * now, as far as there is room; such reads never block.
 */
static void con_pump(struct con_line *line)
{
	while (!line->input_done && con_read_once(line))
		;
}

/* ---- tty driver ---- */

static void con_tty_write(struct tty *tty, const char *buf, size_t len)
{
	struct con_line *line = tty->driver_data;

	if (line->active)
		chan_write(chan_pair_out(&line->chans), buf, len);
}

static void con_update_winsize(struct con_line *line)
{
	uint16_t rows, cols;

	if (!chan_pair_winsize(&line->chans, &rows, &cols))
		tty_set_winsize(&line->tty, rows, cols);
}

/* Open the line's channels and wire up its input. */
static int con_activate(struct con_line *line)
{
	struct chan *in = chan_pair_in(&line->chans);
	struct irq *irq;
	int err;

	if (line->active)
		return 0;
	err = chan_pair_open(&line->chans);
	if (err) {
		printk(KERN_ERR "con%u: cannot open channel %s: error %d\n",
		       line->index, con_spec(line), err);
		return err;
	}
	line->active = true;
	con_update_winsize(line);
	if (in->fd < 0)
		return 0;
	irq = irq_register(in->fd, IRQ_IN, con_input_irq, line);
	if (!IS_ERR(irq)) {
		line->irq = irq;
		return 0;
	}
	/* Regular files and /dev/null cannot be polled, nor do they block. */
	if (PTR_ERR(irq) == -EPERM) {
		con_pump(line);
		return 0;
	}
	printk(KERN_ERR "con%u: no input from host fd %d: error %ld\n",
	       line->index, in->fd, PTR_ERR(irq));
	return 0;
}

static int con_tty_open(struct tty *tty)
{
	return con_activate(tty->driver_data);
}

static void con_tty_unthrottle(struct tty *tty)
{
	struct con_line *line = tty->driver_data;

	if (!line->active || line->input_done || !line->throttled)
		return;
	if (!tty_receive_room(tty))
		return;
	line->throttled = false;
	if (line->irq)
		irq_set_events(line->irq, IRQ_IN);
	else
		con_pump(line);
}

static const struct tty_ops con_tty_ops = {
	.write = con_tty_write,
	.flush = tty_op_flush_nop,
	.set_termios = tty_op_set_termios_nop,
	.open = con_tty_open,
	.close = tty_op_close_nop,
	.unthrottle = con_tty_unthrottle,
};

/* ---- kernel messages and host window changes ---- */

/* printk output on con0; a raw host terminal needs \r\n line ends. */
static void con_printk_write(const char *text, size_t len)
{
	struct con_line *line = &console.lines[0];
	struct chan *out = chan_pair_out(&line->chans);
	size_t start = 0, i;

	if (!out->is_tty) {
		chan_write(out, text, len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		if (i > start)
			chan_write(out, text + start, i - start);
		chan_write(out, "\r\n", 2);
		start = i + 1;
	}
	if (len > start)
		chan_write(out, text + start, len - start);
}

static const struct printk_sink con_printk_sink = {
	.write = con_printk_write,
};

static void con_winch(void)
{
	unsigned int i;

	for (i = 0; i < CONSOLE_MAX; i++)
		if (console.lines[i].active)
			con_update_winsize(&console.lines[i]);
}

/* ---- boot ---- */

/* Set up line i from its spec and create /dev/ttyI unless it is none. */
static void con_line_init(unsigned int i)
{
	struct con_line *line = &console.lines[i];
	const char *why = "";
	char name[8];
	int err;

	line->index = i;
	ksnprintf(name, sizeof(name), "tty%u", i);
	tty_setup(&line->tty, name, MKDEV(CON_MAJOR, i), &con_tty_ops, line);
	if (chan_parse_pair(con_spec(line), &line->chans, &why)) {
		printk(KERN_ERR "con%u=%s: %s\n", i, con_spec(line), why);
		return;
	}
	if (chan_pair_is_none(&line->chans))
		return;
	err = tty_register_node(&line->node, &line->tty, line->tty.name,
				CON_MAJOR, i, CON_MODE, false);
	if (err) {
		printk(KERN_ERR "con%u: cannot create /dev/%s: error %d\n", i,
		       name, err);
		return;
	}
	line->exists = true;
}

int console_init(void)
{
	struct con_line *boot = &console.lines[0];
	unsigned int i;
	int err;

	for (i = 0; i < CONSOLE_MAX; i++)
		con_line_init(i);
	err = tty_register_node(&console.ctty_node, NULL, "tty", TTYAUX_MAJOR,
				TTYAUX_MINOR_TTY, CON_MODE_TTY, true);
	if (err)
		printk(KERN_ERR "cannot create /dev/tty: error %d\n", err);
	irq_set_winch_handler(con_winch);
	printk(KERN_INFO "Initialized stdio console driver\n");
	if (!boot->exists)
		return 0;
	err = tty_register_node(&console.console_node, &boot->tty, "console",
				TTYAUX_MAJOR, TTYAUX_MINOR_CONSOLE,
				CON_MODE_CONSOLE, true);
	if (err)
		printk(KERN_ERR "cannot create /dev/console: error %d\n", err);
	err = con_activate(boot);
	if (err)
		return err;
	printk_set_sink(&con_printk_sink);
	printk(KERN_INFO "Console initialized on /dev/tty0\n");
	return 0;
}
