/*
 * The N_TTY line discipline: input editing, echo, signals, flow control
 * and output post-processing, after Linux's n_tty.
 *
 * Pure logic on a struct n_tty: no sleeping, no allocation, no calls into
 * the rest of the kernel except through the owner's n_tty_ops. Echo and
 * output are batched per call and handed to ops->write in chunks.
 */
#include <asm/signal.h>

#include "klib.h"
#include "n_tty.h"

#define N_TTY_MASK(i) ((size_t)((i) & (N_TTY_BUF_SIZE - 1)))
#define N_TTY_OUT_CHUNK 1024
#define N_TTY_TAB_WIDTH 8
#define N_TTY_CTRL_TOGGLE 0x40 /* ^C is 'C' ^ 0x40 */

/* A batch of processed output on its way to ops->write. */
struct n_tty_out {
	struct n_tty *ld;
	size_t len;
	char buf[N_TTY_OUT_CHUNK];
};

enum n_tty_erase {
	N_TTY_ERASE_CHAR,
	N_TTY_ERASE_WORD,
	N_TTY_ERASE_LINE,
};

static bool is_cntrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 'a' - 'A') : c;
}

static unsigned char to_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

static tcflag_t iflag(const struct n_tty *ld)
{
	return ld->termios->c_iflag;
}

static tcflag_t oflag(const struct n_tty *ld)
{
	return ld->termios->c_oflag;
}

static tcflag_t lflag(const struct n_tty *ld)
{
	return ld->termios->c_lflag;
}

/* c is the control character cc[idx], which is not disabled (0). */
static bool is_cc(const struct n_tty *ld, int idx, unsigned char c)
{
	cc_t v = ld->termios->c_cc[idx];

	return v != 0 && v == c;
}

/* A UTF-8 continuation byte that takes no column (IUTF8). */
static bool is_continuation(const struct n_tty *ld, unsigned char c)
{
	return (iflag(ld) & IUTF8) && (c & 0xc0) == 0x80;
}

static bool bit_test(const uint8_t *map, uint64_t i)
{
	size_t m = N_TTY_MASK(i);

	return map[m / 8] & (1u << (m % 8));
}

static void bit_assign(uint8_t *map, uint64_t i, bool on)
{
	size_t m = N_TTY_MASK(i);

	if (on)
		map[m / 8] |= (uint8_t)(1u << (m % 8));
	else
		map[m / 8] &= (uint8_t) ~(1u << (m % 8));
}

static size_t used(const struct n_tty *ld)
{
	return (size_t)(ld->head - ld->read_tail);
}

static unsigned char byte_at(const struct n_tty *ld, uint64_t i)
{
	return (unsigned char)ld->buf[N_TTY_MASK(i)];
}

/* ---- output ---- */

static void out_flush(struct n_tty_out *o)
{
	if (o->len) {
		o->ld->ops->write(o->ld->owner, o->buf, o->len);
		o->len = 0;
	}
}

static void out_raw(struct n_tty_out *o, unsigned char c)
{
	if (o->len == sizeof(o->buf))
		out_flush(o);
	o->buf[o->len++] = (char)c;
}

/* One byte through OPOST processing, keeping the column up to date. */
static void out_char(struct n_tty_out *o, unsigned char c)
{
	struct n_tty *ld = o->ld;
	tcflag_t of = oflag(ld);
	unsigned int spaces;

	if (!(of & OPOST)) {
		out_raw(o, c);
		return;
	}
	switch (c) {
	case '\n':
		if (of & ONLRET)
			ld->column = 0;
		if (of & ONLCR) {
			ld->column = 0;
			out_raw(o, '\r');
		}
		ld->canon_column = ld->column;
		break;
	case '\r':
		if ((of & ONOCR) && ld->column == 0)
			return;
		if (of & OCRNL) {
			c = '\n';
			if (of & ONLRET)
				ld->column = ld->canon_column = 0;
			break;
		}
		ld->column = ld->canon_column = 0;
		break;
	case '\t':
		spaces = N_TTY_TAB_WIDTH - (ld->column % N_TTY_TAB_WIDTH);
		ld->column += spaces;
		if ((of & TABDLY) == XTABS) {
			while (spaces--)
				out_raw(o, ' ');
			return;
		}
		break;
	case '\b':
		if (ld->column > 0)
			ld->column--;
		break;
	default:
		if (!is_cntrl(c)) {
			if (of & OLCUC)
				c = to_upper(c);
			if (!is_continuation(ld, c))
				ld->column++;
		}
		break;
	}
	out_raw(o, c);
}

static void out_str(struct n_tty_out *o, const char *s)
{
	while (*s)
		out_char(o, (unsigned char)*s++);
}

/* Echo c, showing control characters as ^X under ECHOCTL. */
static void echo_char(struct n_tty_out *o, unsigned char c)
{
	if ((lflag(o->ld) & ECHOCTL) && is_cntrl(c) && c != '\t') {
		out_char(o, '^');
		out_char(o, c ^ N_TTY_CTRL_TOGGLE);
	} else {
		out_char(o, c);
	}
}

/* Remember where an input line starts on screen, for tab erase. */
static void note_line_start(struct n_tty *ld)
{
	if (ld->canon_head == ld->head)
		ld->canon_column = ld->column;
}

/* ---- input ---- */

static void put_char(struct n_tty *ld, unsigned char c, bool delim, bool eof)
{
	uint64_t i = ld->head++;

	ld->buf[N_TTY_MASK(i)] = (char)c;
	bit_assign(ld->delim, i, delim);
	bit_assign(ld->eof, i, eof);
}

static void set_stopped(struct n_tty *ld, bool stopped)
{
	if (ld->stopped == stopped)
		return;
	ld->stopped = stopped;
	ld->ops->flow(ld->owner, stopped);
}

/* Complete the edited line with c; eof marks it as an EOF mark. */
static void end_line(struct n_tty *ld, unsigned char c, bool eof)
{
	if (used(ld) >= N_TTY_BUF_SIZE)
		return;
	put_char(ld, c, true, eof);
	ld->canon_head = ld->head;
}

/* An ordinary input byte: echo it and queue it. */
static void receive_plain(struct n_tty *ld, struct n_tty_out *o,
			  unsigned char c, bool literal)
{
	size_t limit = (lflag(ld) & ICANON) ? N_TTY_BUF_SIZE - 1 :
					      N_TTY_BUF_SIZE;

	/* A full buffer drops input; canonical mode keeps a slot for EOL. */
	if (used(ld) >= limit)
		return;
	if (lflag(ld) & ECHO) {
		if (c == '\n' && !literal) {
			out_char(o, '\n');
		} else {
			note_line_start(ld);
			echo_char(o, c);
		}
	}
	put_char(ld, c, false, false);
}

static void receive_signal(struct n_tty *ld, struct n_tty_out *o,
			   unsigned char c, int sig)
{
	ld->ops->signal(ld->owner, sig);
	if (!(lflag(ld) & NOFLSH)) {
		n_tty_flush_input(ld);
		ld->ops->flush_output(ld->owner);
	}
	if (iflag(ld) & IXON)
		set_stopped(ld, false);
	if (lflag(ld) & ECHO)
		echo_char(o, c);
}

/* Back up the cursor over a tab that was just erased from the line. */
static void erase_tab(struct n_tty *ld, struct n_tty_out *o)
{
	unsigned int col = ld->canon_column;
	unsigned int n;
	uint64_t i;

	for (i = ld->canon_head; i < ld->head; i++) {
		unsigned char c = byte_at(ld, i);

		if (c == '\t')
			col = (col / N_TTY_TAB_WIDTH + 1) * N_TTY_TAB_WIDTH;
		else if (is_cntrl(c))
			col += (lflag(ld) & ECHOCTL) ? 2 : 0;
		else if (!is_continuation(ld, c))
			col++;
	}
	if (col >= ld->column)
		return;
	n = MIN(ld->column - col, (unsigned int)N_TTY_TAB_WIDTH);
	while (n--)
		out_char(o, '\b');
}

/* Echo the removal of c from the screen. */
static void erase_echo(struct n_tty *ld, struct n_tty_out *o, unsigned char c,
		       enum n_tty_erase kind)
{
	tcflag_t lf = lflag(ld);

	if (kind == N_TTY_ERASE_CHAR && !(lf & ECHOE)) {
		echo_char(o, ld->termios->c_cc[VERASE]);
		return;
	}
	if (c == '\t') {
		erase_tab(ld, o);
		return;
	}
	/* A control character echoed as ^X takes two cells. */
	if (is_cntrl(c) && (lf & ECHOCTL))
		out_str(o, "\b \b");
	if (!is_cntrl(c) || (lf & ECHOCTL))
		out_str(o, "\b \b");
}

/* VERASE, VWERASE or VKILL (typed as c) on the edited line. */
static void erase(struct n_tty *ld, struct n_tty_out *o, unsigned char c,
		  enum n_tty_erase kind)
{
	tcflag_t lf = lflag(ld);
	unsigned int seen_alnums = 0;

	if (ld->head == ld->canon_head)
		return;
	if (kind == N_TTY_ERASE_LINE) {
		if (!(lf & ECHO)) {
			ld->head = ld->canon_head;
			return;
		}
		if (!(lf & ECHOK) || !(lf & ECHOKE) || !(lf & ECHOE)) {
			ld->head = ld->canon_head;
			echo_char(o, c);
			if (lf & ECHOK)
				out_char(o, '\n');
			return;
		}
	}
	while (ld->head > ld->canon_head) {
		uint64_t at = ld->head - 1;
		unsigned char ch;

		while (at > ld->canon_head &&
		       is_continuation(ld, byte_at(ld, at)))
			at--;
		ch = byte_at(ld, at);
		if (kind == N_TTY_ERASE_WORD) {
			if (is_alnum(ch) || ch == '_')
				seen_alnums++;
			else if (seen_alnums)
				break;
		}
		ld->head = at;
		if (lf & ECHO)
			erase_echo(ld, o, ch, kind);
		if (kind == N_TTY_ERASE_CHAR)
			break;
	}
}

/* VREPRINT: show the edited line again on a fresh line. */
static void reprint(struct n_tty *ld, struct n_tty_out *o, unsigned char c)
{
	uint64_t i;

	echo_char(o, c);
	out_char(o, '\n');
	for (i = ld->canon_head; i < ld->head; i++)
		echo_char(o, byte_at(ld, i));
}

/* Canonical-mode specials; returns true when c was consumed. */
static bool receive_canon(struct n_tty *ld, struct n_tty_out *o,
			  unsigned char c)
{
	tcflag_t lf = lflag(ld);

	if (is_cc(ld, VERASE, c) || c == '\b') {
		erase(ld, o, c, N_TTY_ERASE_CHAR);
		return true;
	}
	if (is_cc(ld, VKILL, c)) {
		erase(ld, o, c, N_TTY_ERASE_LINE);
		return true;
	}
	if (is_cc(ld, VWERASE, c) && (lf & IEXTEN)) {
		erase(ld, o, c, N_TTY_ERASE_WORD);
		return true;
	}
	if (is_cc(ld, VLNEXT, c) && (lf & IEXTEN)) {
		ld->lnext = true;
		if ((lf & ECHO) && (lf & ECHOCTL)) {
			out_char(o, '^');
			out_char(o, '\b');
		}
		return true;
	}
	if (is_cc(ld, VREPRINT, c) && (lf & ECHO) && (lf & IEXTEN)) {
		reprint(ld, o, c);
		return true;
	}
	if (c == '\n') {
		if (lf & (ECHO | ECHONL))
			out_char(o, '\n');
		end_line(ld, c, false);
		return true;
	}
	if (is_cc(ld, VEOF, c)) {
		end_line(ld, c, true);
		return true;
	}
	if (is_cc(ld, VEOL, c) || (is_cc(ld, VEOL2, c) && (lf & IEXTEN))) {
		if (lf & ECHO) {
			note_line_start(ld);
			echo_char(o, c);
		}
		end_line(ld, c, false);
		return true;
	}
	return false;
}

static void receive_byte(struct n_tty *ld, struct n_tty_out *o, unsigned char c)
{
	tcflag_t inf = iflag(ld);
	tcflag_t lf = lflag(ld);

	if (inf & ISTRIP)
		c &= 0x7f;
	if ((inf & IUCLC) && (lf & IEXTEN))
		c = to_lower(c);
	if (ld->lnext) {
		ld->lnext = false;
		receive_plain(ld, o, c, true);
		return;
	}
	if (inf & IXON) {
		if (is_cc(ld, VSTART, c)) {
			set_stopped(ld, false);
			return;
		}
		if (is_cc(ld, VSTOP, c)) {
			set_stopped(ld, true);
			return;
		}
	}
	if (lf & ISIG) {
		if (is_cc(ld, VINTR, c)) {
			receive_signal(ld, o, c, SIGINT);
			return;
		}
		if (is_cc(ld, VQUIT, c)) {
			receive_signal(ld, o, c, SIGQUIT);
			return;
		}
		if (is_cc(ld, VSUSP, c)) {
			receive_signal(ld, o, c, SIGTSTP);
			return;
		}
	}
	if (ld->stopped && (inf & IXON) && (inf & IXANY))
		set_stopped(ld, false);
	if (c == '\r') {
		if (inf & IGNCR)
			return;
		if (inf & ICRNL)
			c = '\n';
	} else if (c == '\n' && (inf & INLCR)) {
		c = '\r';
	}
	if ((lf & ICANON) && receive_canon(ld, o, c))
		return;
	receive_plain(ld, o, c, false);
}

/* ---- the interface ---- */

void n_tty_termios_init(struct ktermios *t)
{
	kmemset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		     IEXTEN;
	t->c_cc[VINTR] = 'C' - 0x40;
	t->c_cc[VQUIT] = '\\' - 0x40;
	t->c_cc[VERASE] = 0x7f;
	t->c_cc[VKILL] = 'U' - 0x40;
	t->c_cc[VEOF] = 'D' - 0x40;
	t->c_cc[VTIME] = 0;
	t->c_cc[VMIN] = 1;
	t->c_cc[VSTART] = 'Q' - 0x40;
	t->c_cc[VSTOP] = 'S' - 0x40;
	t->c_cc[VSUSP] = 'Z' - 0x40;
	t->c_cc[VREPRINT] = 'R' - 0x40;
	t->c_cc[VDISCARD] = 'O' - 0x40;
	t->c_cc[VWERASE] = 'W' - 0x40;
	t->c_cc[VLNEXT] = 'V' - 0x40;
	t->c_ispeed = 38400;
	t->c_ospeed = 38400;
}

void n_tty_init(struct n_tty *ld, const struct ktermios *termios,
		const struct n_tty_ops *ops, void *owner)
{
	kmemset(ld, 0, sizeof(*ld));
	ld->termios = termios;
	ld->ops = ops;
	ld->owner = owner;
}

void n_tty_receive(struct n_tty *ld, const char *buf, size_t len)
{
	struct n_tty_out o = { .ld = ld };
	size_t i;

	for (i = 0; i < len; i++)
		receive_byte(ld, &o, (unsigned char)buf[i]);
	out_flush(&o);
}

size_t n_tty_receive_room(const struct n_tty *ld)
{
	size_t n = used(ld);
	size_t left = n < N_TTY_BUF_SIZE - 1 ? N_TTY_BUF_SIZE - 1 - n : 0;

	if (left == 0 && (lflag(ld) & ICANON) &&
	    ld->canon_head == ld->read_tail)
		left = 1;
	return left;
}

size_t n_tty_readable(const struct n_tty *ld)
{
	if (lflag(ld) & ICANON)
		return (size_t)(ld->canon_head - ld->read_tail);
	return used(ld);
}

size_t n_tty_inq(const struct n_tty *ld)
{
	size_t n = 0;
	uint64_t i;

	if (!(lflag(ld) & ICANON))
		return used(ld);
	for (i = ld->read_tail; i < ld->canon_head; i++)
		if (!(bit_test(ld->delim, i) && bit_test(ld->eof, i)))
			n++;
	return n;
}

/* One line (or its first len bytes); an EOF mark ends it unread. */
static size_t read_canon(struct n_tty *ld, char *buf, size_t len)
{
	size_t n = 0;

	while (ld->read_tail < ld->canon_head && n < len) {
		uint64_t i = ld->read_tail++;
		bool delim = bit_test(ld->delim, i);

		if (delim && bit_test(ld->eof, i))
			return n;
		buf[n++] = (char)byte_at(ld, i);
		if (delim)
			return n;
	}
	/* A full buffer right before an EOF mark: the mark only pushed. */
	if (ld->read_tail < ld->canon_head &&
	    bit_test(ld->eof, ld->read_tail) &&
	    bit_test(ld->delim, ld->read_tail))
		ld->read_tail++;
	return n;
}

static size_t read_raw(struct n_tty *ld, char *buf, size_t len)
{
	size_t n = MIN(len, used(ld));
	size_t start = N_TTY_MASK(ld->read_tail);
	size_t first = MIN(n, N_TTY_BUF_SIZE - start);

	kmemcpy(buf, ld->buf + start, first);
	kmemcpy(buf + first, ld->buf, n - first);
	ld->read_tail += n;
	if (ld->canon_head < ld->read_tail)
		ld->canon_head = ld->read_tail;
	return n;
}

size_t n_tty_read(struct n_tty *ld, char *buf, size_t len)
{
	if (lflag(ld) & ICANON)
		return read_canon(ld, buf, len);
	return read_raw(ld, buf, len);
}

void n_tty_write(struct n_tty *ld, const char *buf, size_t len)
{
	struct n_tty_out o = { .ld = ld };
	size_t i;

	if (!(oflag(ld) & OPOST)) {
		if (len)
			ld->ops->write(ld->owner, buf, len);
		return;
	}
	for (i = 0; i < len; i++)
		out_char(&o, (unsigned char)buf[i]);
	out_flush(&o);
}

void n_tty_flush_input(struct n_tty *ld)
{
	ld->read_tail = ld->head;
	ld->canon_head = ld->head;
	ld->lnext = false;
}

void n_tty_termios_changed(struct n_tty *ld, const struct ktermios *old)
{
	const struct ktermios *t = ld->termios;

	if ((old->c_lflag ^ t->c_lflag) & ICANON) {
		ld->canon_head = ld->head;
		ld->lnext = false;
	}
	if (ld->stopped && (old->c_iflag & IXON) && !(t->c_iflag & IXON))
		set_stopped(ld, false);
}

void n_tty_set_stopped(struct n_tty *ld, bool stopped)
{
	set_stopped(ld, stopped);
}

void n_tty_push(struct n_tty *ld)
{
	ld->canon_head = ld->head;
}
