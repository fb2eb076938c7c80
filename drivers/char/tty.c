/*
 * The tty core: file operations of terminal devices, termios and window
 * size ioctls, controlling terminals and job control.
 *
 * Guarantees: every guest pointer goes through copy_*_user; a background
 * process group reading (or writing under TOSTOP, or changing settings)
 * gets SIGTTIN/SIGTTOU, or -EIO when it cannot be stopped; reads follow
 * canonical, VMIN/VTIME and O_NONBLOCK semantics and never spin.
 */
#include <asm/signal.h>
#include <linux/poll.h>

#include "err.h"
#include "klib.h"
#include "signal.h"
#include "timer.h"
#include "tty.h"

#define TTY_WRITE_CHUNK 1024
#define TTY_VTIME_UNIT_NS (100 * NSEC_PER_MSEC)
#define TTY_LDISC_N_TTY 0

/* The tty core's state: every registered device node. */
struct tty_core_state {
	struct list_head nodes;
};

static struct tty_core_state tty_core = {
	.nodes = LIST_HEAD_INIT(tty_core.nodes),
};

/* ---- do-nothing driver operations ---- */

void tty_op_flush_nop(struct tty *tty)
{
}

void tty_op_set_termios_nop(struct tty *tty, const struct ktermios *old)
{
}

int tty_op_open_nop(struct tty *tty)
{
	return 0;
}

void tty_op_close_nop(struct tty *tty)
{
}

void tty_op_unthrottle_nop(struct tty *tty)
{
}

/* ---- the line discipline's view of the tty ---- */

static void tty_ld_write(void *owner, const char *buf, size_t len)
{
	struct tty *tty = owner;

	tty->ops->write(tty, buf, len);
}

static void tty_ld_signal(void *owner, int sig)
{
	struct tty *tty = owner;

	if (tty->pgrp > 0)
		send_sig_pgrp(tty->pgrp, sig, NULL);
}

static void tty_ld_flush_output(void *owner)
{
	struct tty *tty = owner;

	tty->ops->flush(tty);
}

static void tty_ld_flow(void *owner, bool stopped)
{
	struct tty *tty = owner;

	if (!stopped)
		wake_up(&tty->write_wait);
}

static const struct n_tty_ops tty_ld_ops = {
	.write = tty_ld_write,
	.signal = tty_ld_signal,
	.flush_output = tty_ld_flush_output,
	.flow = tty_ld_flow,
};

void tty_setup(struct tty *tty, const char *name, uint64_t dev,
	       const struct tty_ops *ops, void *driver_data)
{
	kmemset(tty, 0, sizeof(*tty));
	tty->ops = ops;
	tty->driver_data = driver_data;
	kstrlcpy(tty->name, name, sizeof(tty->name));
	tty->dev = dev;
	n_tty_termios_init(&tty->termios);
	n_tty_init(&tty->ld, &tty->termios, &tty_ld_ops, tty);
	wait_queue_init(&tty->read_wait);
	wait_queue_init(&tty->write_wait);
}

/* ---- driver side ---- */

void tty_receive(struct tty *tty, const char *buf, size_t len)
{
	n_tty_receive(&tty->ld, buf, len);
	wake_up(&tty->read_wait);
}

size_t tty_receive_room(const struct tty *tty)
{
	return n_tty_receive_room(&tty->ld);
}

void tty_input_eof(struct tty *tty)
{
	tty->input_eof = true;
	n_tty_push(&tty->ld);
	wake_up(&tty->read_wait);
}

void tty_set_winsize(struct tty *tty, uint16_t rows, uint16_t cols)
{
	if (tty->winsize.ws_row == rows && tty->winsize.ws_col == cols)
		return;
	tty->winsize.ws_row = rows;
	tty->winsize.ws_col = cols;
	if (tty->pgrp > 0)
		send_sig_pgrp(tty->pgrp, SIGWINCH, NULL);
}

/* ---- sessions and job control ---- */

static bool is_session_leader(void)
{
	return current->group->sid == current->tgid;
}

static void tty_set_ctty(struct tty *tty)
{
	struct tgroup *g = current->group;

	g->tty = tty;
	tty->session = g->sid;
	tty->pgrp = g->pgid;
}

/* Every process of session sid loses its controlling tty. */
static void session_clear_tty(int sid)
{
	struct task *t;

	list_for_each_entry(t, &sched.all_tasks, all_link)
		if (t->group && t->group->sid == sid)
			t->group->tty = NULL;
}

void tty_disassociate_ctty(void)
{
	struct tty *tty = current->group->tty;
	int sid = current->group->sid;

	if (!tty)
		return;
	if (tty->pgrp > 0) {
		send_sig_pgrp(tty->pgrp, SIGHUP, NULL);
		send_sig_pgrp(tty->pgrp, SIGCONT, NULL);
	}
	if (tty->session == sid) {
		tty->session = 0;
		tty->pgrp = 0;
	}
	session_clear_tty(sid);
}

/*
 * May current use tty as if in the foreground? 0 if so; otherwise its
 * process group gets sig and the call restarts after the stop
 * (-ERESTARTSYS), or -EIO when the group cannot be stopped. An ignored or
 * blocked SIGTTOU lets the caller go on; an ignored SIGTTIN is -EIO.
 */
static int tty_check_change(struct tty *tty, int sig)
{
	struct tgroup *g = current->group;

	if (g->tty != tty || tty->pgrp <= 0 || g->pgid == tty->pgrp)
		return 0;
	if (signal_is_ignored(current, sig) || signal_is_blocked(current, sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (pgrp_is_orphaned(g->pgid))
		return -EIO;
	send_sig_pgrp(g->pgid, sig, NULL);
	return -ERESTARTSYS;
}

/* ---- read, write, poll ---- */

/* In non-canonical mode, how many bytes make poll report input. */
static size_t tty_poll_threshold(const struct tty *tty)
{
	const struct ktermios *t = &tty->termios;

	if ((t->c_lflag & ICANON) || t->c_cc[VTIME] || !t->c_cc[VMIN])
		return 1;
	return t->c_cc[VMIN];
}

/*
 * Wait until a read of up to want bytes may go ahead. Returns 1 to read
 * (possibly nothing: VMIN/VTIME timeout or VMIN=VTIME=0), 0 for end of
 * input, or -EAGAIN / -ERESTARTSYS.
 */
static int tty_wait_input(struct tty *tty, struct file *f, size_t want)
{
	const struct ktermios *t = &tty->termios;
	bool canon = t->c_lflag & ICANON;
	size_t vmin = t->c_cc[VMIN];
	uint64_t vtime = (uint64_t)t->c_cc[VTIME] * TTY_VTIME_UNIT_NS;
	uint64_t deadline = 0;
	size_t need = 1;
	size_t seen = 0;

	if (!canon) {
		if (!vmin && !vtime)
			return 1;
		if (vmin)
			need = MIN(vmin, want);
		else
			deadline = time_mono_ns() + vtime;
	}
	for (;;) {
		size_t avail = n_tty_readable(&tty->ld);
		int err;

		if (avail >= need)
			return 1;
		if (tty->input_eof)
			return avail ? 1 : 0;
		/* VMIN and VTIME: an inter-byte timer, started by a byte. */
		if (!canon && vmin && vtime && avail != seen) {
			deadline = time_mono_ns() + vtime;
			seen = avail;
		}
		if (f->flags & O_NONBLOCK)
			return avail ? 1 : -EAGAIN;
		err = wait_sleep(&tty->read_wait, true, deadline);
		if (err == -ETIMEDOUT)
			return 1;
		if (err)
			return err;
	}
}

static long tty_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty *tty = f->private_data;
	size_t want = MIN(u->len, (size_t)N_TTY_BUF_SIZE);
	char *kbuf;
	size_t n;
	long ret;

	ret = tty_check_change(tty, SIGTTIN);
	if (ret)
		return ret;
	if (!want)
		return 0;
	ret = tty_wait_input(tty, f, want);
	if (ret <= 0)
		return ret;
	kbuf = kmalloc(want);
	if (!kbuf)
		return -ENOMEM;
	n = n_tty_read(&tty->ld, kbuf, want);
	ret = uio_copy_out(u, kbuf, n);
	kfree(kbuf);
	tty->ops->unthrottle(tty);
	return ret ? ret : (long)n;
}

static long tty_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty *tty = f->private_data;
	char kbuf[TTY_WRITE_CHUNK];
	size_t done = 0;
	long err;

	if (tty->termios.c_lflag & TOSTOP) {
		err = tty_check_change(tty, SIGTTOU);
		if (err)
			return err;
	}
	while (u->len) {
		size_t n;

		if (tty->ld.stopped) {
			if (f->flags & O_NONBLOCK)
				return done ? (long)done : -EAGAIN;
			err = wait_event_interruptible(&tty->write_wait,
						       !tty->ld.stopped);
			if (err)
				return done ? (long)done : err;
			continue;
		}
		n = MIN(u->len, sizeof(kbuf));
		err = uio_copy_in(u, kbuf, n);
		if (err)
			return done ? (long)done : err;
		n_tty_write(&tty->ld, kbuf, n);
		done += n;
	}
	return (long)done;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty *tty = f->private_data;
	unsigned int mask = 0;

	poll_wait(f, &tty->read_wait, pt);
	poll_wait(f, &tty->write_wait, pt);
	if (tty->input_eof ||
	    n_tty_readable(&tty->ld) >= tty_poll_threshold(tty))
		mask |= POLLIN | POLLRDNORM;
	if (!tty->ld.stopped)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* ---- termios ---- */

static const speed_t tty_baud_table[] = {
	0,	 50,	  75,	   110,	    134,     150,     200,     300,
	600,	 1200,	  1800,	   2400,    4800,    9600,    19200,   38400,
	57600,	 115200,  230400,  460800,  500000,  576000,  921600,  1000000,
	1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
};

/* The rate a CBAUD code stands for; 0 for BOTHER or unknown codes. */
static speed_t tty_baud_rate(tcflag_t code)
{
	size_t idx = code & ~CBAUDEX;

	if (code & CBAUDEX)
		idx += 15;
	if (code == BOTHER || idx >= ARRAY_SIZE(tty_baud_table))
		return 0;
	return tty_baud_table[idx];
}

/* Fill c_ispeed/c_ospeed from c_cflag unless BOTHER says they are set. */
static void tty_termios_speeds(struct ktermios *t)
{
	tcflag_t out = t->c_cflag & CBAUD;
	tcflag_t in = (t->c_cflag >> IBSHIFT) & CBAUD;

	if (out != BOTHER)
		t->c_ospeed = tty_baud_rate(out);
	if (in == 0)
		t->c_ispeed = t->c_ospeed;
	else if (in != BOTHER)
		t->c_ispeed = tty_baud_rate(in);
}

enum tty_set_how {
	TTY_SET_NOW,
	TTY_SET_DRAIN,
	TTY_SET_FLUSH,
};

static long tty_set_termios(struct tty *tty, const struct ktermios *nt,
			    enum tty_set_how how)
{
	struct ktermios old = tty->termios;
	long err;

	err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	/* Output is written synchronously: there is nothing to drain. */
	if (how == TTY_SET_FLUSH)
		n_tty_flush_input(&tty->ld);
	tty->termios = *nt;
	tty->termios.c_line = old.c_line;
	n_tty_termios_changed(&tty->ld, &old);
	tty->ops->set_termios(tty, &old);
	tty->ops->unthrottle(tty);
	wake_up(&tty->read_wait);
	wake_up(&tty->write_wait);
	return 0;
}

static enum tty_set_how tty_set_how_of(unsigned int cmd)
{
	switch (cmd) {
	case TCSETSW:
	case TCSETSW2:
	case TCSETAW:
		return TTY_SET_DRAIN;
	case TCSETSF:
	case TCSETSF2:
	case TCSETAF:
		return TTY_SET_FLUSH;
	default:
		return TTY_SET_NOW;
	}
}

/* ---- ioctls: one handler per request ---- */

struct tty_ioctl {
	unsigned int cmd;
	long (*fn)(struct tty *tty, struct file *f, unsigned int cmd,
		   uint64_t arg);
};

static long ioc_tcgets(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	struct termios t;

	kmemset(&t, 0, sizeof(t));
	t.c_iflag = tty->termios.c_iflag;
	t.c_oflag = tty->termios.c_oflag;
	t.c_cflag = tty->termios.c_cflag;
	t.c_lflag = tty->termios.c_lflag;
	t.c_line = tty->termios.c_line;
	kmemcpy(t.c_cc, tty->termios.c_cc, sizeof(t.c_cc));
	return copy_to_user(arg, &t, sizeof(t));
}

static long ioc_tcsets(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	struct ktermios nt = tty->termios;
	struct termios t;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	nt.c_iflag = t.c_iflag;
	nt.c_oflag = t.c_oflag;
	nt.c_cflag = t.c_cflag;
	nt.c_lflag = t.c_lflag;
	kmemcpy(nt.c_cc, t.c_cc, sizeof(nt.c_cc));
	tty_termios_speeds(&nt);
	return tty_set_termios(tty, &nt, tty_set_how_of(cmd));
}

static long ioc_tcgets2(struct tty *tty, struct file *f, unsigned int cmd,
			uint64_t arg)
{
	struct termios2 t;

	kmemset(&t, 0, sizeof(t));
	t.c_iflag = tty->termios.c_iflag;
	t.c_oflag = tty->termios.c_oflag;
	t.c_cflag = tty->termios.c_cflag;
	t.c_lflag = tty->termios.c_lflag;
	t.c_line = tty->termios.c_line;
	kmemcpy(t.c_cc, tty->termios.c_cc, sizeof(t.c_cc));
	t.c_ispeed = tty->termios.c_ispeed;
	t.c_ospeed = tty->termios.c_ospeed;
	return copy_to_user(arg, &t, sizeof(t));
}

static long ioc_tcsets2(struct tty *tty, struct file *f, unsigned int cmd,
			uint64_t arg)
{
	struct ktermios nt = tty->termios;
	struct termios2 t;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	nt.c_iflag = t.c_iflag;
	nt.c_oflag = t.c_oflag;
	nt.c_cflag = t.c_cflag;
	nt.c_lflag = t.c_lflag;
	kmemcpy(nt.c_cc, t.c_cc, sizeof(nt.c_cc));
	nt.c_ispeed = t.c_ispeed;
	nt.c_ospeed = t.c_ospeed;
	tty_termios_speeds(&nt);
	return tty_set_termios(tty, &nt, tty_set_how_of(cmd));
}

static long ioc_tcgeta(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	struct termio t;

	kmemset(&t, 0, sizeof(t));
	t.c_iflag = (unsigned short)tty->termios.c_iflag;
	t.c_oflag = (unsigned short)tty->termios.c_oflag;
	t.c_cflag = (unsigned short)tty->termios.c_cflag;
	t.c_lflag = (unsigned short)tty->termios.c_lflag;
	t.c_line = tty->termios.c_line;
	kmemcpy(t.c_cc, tty->termios.c_cc, sizeof(t.c_cc));
	return copy_to_user(arg, &t, sizeof(t));
}

/* The old struct termio sets only the low 16 bits of each flag word. */
static long ioc_tcseta(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	struct ktermios nt = tty->termios;
	struct termio t;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	nt.c_iflag = (nt.c_iflag & 0xffff0000u) | t.c_iflag;
	nt.c_oflag = (nt.c_oflag & 0xffff0000u) | t.c_oflag;
	nt.c_cflag = (nt.c_cflag & 0xffff0000u) | t.c_cflag;
	nt.c_lflag = (nt.c_lflag & 0xffff0000u) | t.c_lflag;
	kmemcpy(nt.c_cc, t.c_cc, sizeof(t.c_cc));
	tty_termios_speeds(&nt);
	return tty_set_termios(tty, &nt, tty_set_how_of(cmd));
}

static long ioc_tiocgwinsz(struct tty *tty, struct file *f, unsigned int cmd,
			   uint64_t arg)
{
	return copy_to_user(arg, &tty->winsize, sizeof(tty->winsize));
}

static long ioc_tiocswinsz(struct tty *tty, struct file *f, unsigned int cmd,
			   uint64_t arg)
{
	struct winsize ws;

	if (copy_from_user(&ws, arg, sizeof(ws)))
		return -EFAULT;
	if (!kmemcmp(&ws, &tty->winsize, sizeof(ws)))
		return 0;
	tty->winsize = ws;
	if (tty->pgrp > 0)
		send_sig_pgrp(tty->pgrp, SIGWINCH, NULL);
	return 0;
}

static long ioc_tiocgpgrp(struct tty *tty, struct file *f, unsigned int cmd,
			  uint64_t arg)
{
	int pgrp = tty->pgrp;

	if (current->group->tty != tty)
		return -ENOTTY;
	return put_user(pgrp, arg);
}

static long ioc_tiocspgrp(struct tty *tty, struct file *f, unsigned int cmd,
			  uint64_t arg)
{
	struct tgroup *g = current->group;
	struct task *t;
	bool found = false;
	int pgrp;
	long err;

	err = tty_check_change(tty, SIGTTOU);
	if (err == -EIO)
		return -ENOTTY;
	if (err)
		return err;
	if (g->tty != tty || tty->session != g->sid)
		return -ENOTTY;
	if (get_user(pgrp, arg))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	list_for_each_entry(t, &sched.all_tasks, all_link) {
		if (!t->group || t->group->pgid != pgrp)
			continue;
		if (t->group->sid != g->sid)
			return -EPERM;
		found = true;
	}
	if (!found)
		return -ESRCH;
	tty->pgrp = pgrp;
	return 0;
}

static long ioc_tiocgsid(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	int sid = tty->session;

	if (current->group->tty != tty || !sid)
		return -ENOTTY;
	return put_user(sid, arg);
}

static long ioc_tiocsctty(struct tty *tty, struct file *f, unsigned int cmd,
			  uint64_t arg)
{
	struct tgroup *g = current->group;

	if (is_session_leader() && g->tty == tty)
		return 0;
	if (!is_session_leader() || g->tty)
		return -EPERM;
	if (!(f->mode & FMODE_READ) && !capable_root())
		return -EPERM;
	if (tty->session) {
		/* Stealing another session's terminal needs root and arg 1. */
		if (arg != 1 || !capable_root())
			return -EPERM;
		session_clear_tty(tty->session);
	}
	tty_set_ctty(tty);
	return 0;
}

static long ioc_tiocnotty(struct tty *tty, struct file *f, unsigned int cmd,
			  uint64_t arg)
{
	if (current->group->tty != tty)
		return -ENOTTY;
	if (is_session_leader())
		tty_disassociate_ctty();
	else
		current->group->tty = NULL;
	return 0;
}

static long ioc_fionread(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	int n = (int)n_tty_inq(&tty->ld);

	return put_user(n, arg);
}

static long ioc_put_zero(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	int zero = 0;

	return put_user(zero, arg);
}

static long ioc_accept(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	return 0;
}

static long ioc_tcflsh(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	long err;

	if (arg != TCIFLUSH && arg != TCOFLUSH && arg != TCIOFLUSH)
		return -EINVAL;
	err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	if (arg != TCOFLUSH) {
		n_tty_flush_input(&tty->ld);
		tty->ops->unthrottle(tty);
	}
	if (arg != TCIFLUSH)
		tty->ops->flush(tty);
	return 0;
}

static long ioc_tcxonc(struct tty *tty, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	char c;
	long err;

	err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	switch (arg) {
	case TCOOFF:
		n_tty_set_stopped(&tty->ld, true);
		return 0;
	case TCOON:
		n_tty_set_stopped(&tty->ld, false);
		return 0;
	case TCIOFF:
	case TCION:
		c = (char)tty->termios.c_cc[arg == TCIOFF ? VSTOP : VSTART];
		if (c)
			tty->ops->write(tty, &c, 1);
		return 0;
	default:
		return -EINVAL;
	}
}

static long ioc_tiocexcl(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	tty->exclusive = cmd == TIOCEXCL;
	return 0;
}

static long ioc_tiocgexcl(struct tty *tty, struct file *f, unsigned int cmd,
			  uint64_t arg)
{
	int excl = tty->exclusive;

	return put_user(excl, arg);
}

static long ioc_tiocsetd(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	int ldisc;

	if (get_user(ldisc, arg))
		return -EFAULT;
	return ldisc == TTY_LDISC_N_TTY ? 0 : -EINVAL;
}

#define TTY_MAJOR_VC 4
#define TTY_VC_MINORS 64
#define VT_GETSTATE_K 0x5603

static long ioc_tiocgdev(struct tty *tty, struct file *f, unsigned int cmd,
			 uint64_t arg)
{
	unsigned int dev = (unsigned int)tty->dev;

	return put_user(dev, arg);
}

/*
 * VT_GETSTATE, for the virtual consoles only (major 4, minors 0..63):
 * busybox's cttyhack uses it to find which /dev/ttyN the console is.
 */
static long ioc_vt_getstate(struct tty *tty, struct file *f, unsigned int cmd,
			    uint64_t arg)
{
	struct {
		uint16_t v_active, v_signal, v_state;
	} vs;
	unsigned int minor = MINOR(tty->dev);

	if (MAJOR(tty->dev) != TTY_MAJOR_VC || minor >= TTY_VC_MINORS)
		return -ENOTTY;
	vs.v_active = (uint16_t)minor;
	vs.v_signal = 0;
	vs.v_state = (uint16_t)(1U << (minor & 15));
	return copy_to_user(arg, &vs, sizeof(vs)) ? -EFAULT : 0;
}

static const struct tty_ioctl tty_ioctls[] = {
	{ .cmd = VT_GETSTATE_K, .fn = ioc_vt_getstate },
	{ .cmd = TCGETS, .fn = ioc_tcgets },
	{ .cmd = TCSETS, .fn = ioc_tcsets },
	{ .cmd = TCSETSW, .fn = ioc_tcsets },
	{ .cmd = TCSETSF, .fn = ioc_tcsets },
	{ .cmd = TCGETS2, .fn = ioc_tcgets2 },
	{ .cmd = TCSETS2, .fn = ioc_tcsets2 },
	{ .cmd = TCSETSW2, .fn = ioc_tcsets2 },
	{ .cmd = TCSETSF2, .fn = ioc_tcsets2 },
	{ .cmd = TCGETA, .fn = ioc_tcgeta },
	{ .cmd = TCSETA, .fn = ioc_tcseta },
	{ .cmd = TCSETAW, .fn = ioc_tcseta },
	{ .cmd = TCSETAF, .fn = ioc_tcseta },
	{ .cmd = TIOCGWINSZ, .fn = ioc_tiocgwinsz },
	{ .cmd = TIOCSWINSZ, .fn = ioc_tiocswinsz },
	{ .cmd = TIOCGPGRP, .fn = ioc_tiocgpgrp },
	{ .cmd = TIOCSPGRP, .fn = ioc_tiocspgrp },
	{ .cmd = TIOCGSID, .fn = ioc_tiocgsid },
	{ .cmd = TIOCSCTTY, .fn = ioc_tiocsctty },
	{ .cmd = TIOCNOTTY, .fn = ioc_tiocnotty },
	{ .cmd = FIONREAD, .fn = ioc_fionread },
	{ .cmd = TIOCOUTQ, .fn = ioc_put_zero },
	{ .cmd = TCFLSH, .fn = ioc_tcflsh },
	{ .cmd = TCXONC, .fn = ioc_tcxonc },
	{ .cmd = TCSBRK, .fn = ioc_accept },
	{ .cmd = TCSBRKP, .fn = ioc_accept },
	{ .cmd = TIOCSBRK, .fn = ioc_accept },
	{ .cmd = TIOCCBRK, .fn = ioc_accept },
	{ .cmd = TIOCEXCL, .fn = ioc_tiocexcl },
	{ .cmd = TIOCNXCL, .fn = ioc_tiocexcl },
	{ .cmd = TIOCGEXCL, .fn = ioc_tiocgexcl },
	{ .cmd = TIOCGETD, .fn = ioc_put_zero },
	{ .cmd = TIOCSETD, .fn = ioc_tiocsetd },
	{ .cmd = TIOCGDEV, .fn = ioc_tiocgdev },
};

static long tty_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct tty *tty = f->private_data;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tty_ioctls); i++)
		if (tty_ioctls[i].cmd == cmd)
			return tty_ioctls[i].fn(tty, f, cmd, arg);
	return -ENOTTY;
}

/* ---- open and close ---- */

static struct tty_node *tty_node_find(uint64_t dev)
{
	struct tty_node *node;

	list_for_each_entry(node, &tty_core.nodes, link)
		if (node->dev == dev)
			return node;
	return NULL;
}

static int tty_open(struct inode *inode, struct file *f)
{
	struct tty_node *node = tty_node_find(inode->rdev);
	struct tty *tty;
	bool noctty;
	int err;

	if (!node)
		return -ENXIO;
	tty = node->tty;
	noctty = node->noctty || (f->flags & O_NOCTTY);
	if (!tty) {
		tty = current->group->tty;
		if (!tty)
			return -ENXIO;
		noctty = true;
	}
	if (tty->exclusive && tty->opens && !capable_root())
		return -EBUSY;
	if (!tty->opens) {
		err = tty->ops->open(tty);
		if (err)
			return err;
	}
	tty->opens++;
	f->private_data = tty;
	if (!noctty && is_session_leader() && !current->group->tty &&
	    !tty->session)
		tty_set_ctty(tty);
	return 0;
}

static void tty_release(struct file *f)
{
	struct tty *tty = f->private_data;

	if (!tty)
		return;
	if (--tty->opens == 0)
		tty->ops->close(tty);
}

static const struct file_ops tty_fops = {
	.open = tty_open,
	.release = tty_release,
	.read = tty_read,
	.write = tty_write,
	.llseek = vfs_no_llseek,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};

int tty_register_node(struct tty_node *node, struct tty *tty, const char *name,
		      unsigned int major, unsigned int minor, uint32_t mode,
		      bool noctty)
{
	int err;

	node->dev = MKDEV(major, minor);
	node->tty = tty;
	node->noctty = noctty;
	err = chrdev_register(major, minor, 1, name, &tty_fops);
	if (err)
		return err;
	list_add_tail(&node->link, &tty_core.nodes);
	return devfs_create(name, S_IFCHR | mode, MKDEV(major, minor));
}
