/*
 * Channels: the host side of consoles and serial lines, one ops table per
 * channel type (fd, null, none).
 *
 * Guarantees: a spec is accepted only if every part names a known type
 * exactly and carries a valid argument; parsing never touches the host.
 * Writes to an fd channel are complete unless the host reports an error.
 */
#include "chan.h"
#include "err.h"
#include "klib.h"
#include "os/os.h"

/* ---- defaults shared by several types ---- */

static int chan_parse_no_arg(struct chan *chan, const char *arg,
			     const char **why)
{
	if (arg) {
		*why = "this channel type takes no argument";
		return -EINVAL;
	}
	return 0;
}

static void chan_close_nop(struct chan *chan)
{
}

static int chan_winsize_none(struct chan *chan, uint16_t *rows, uint16_t *cols)
{
	return -ENOTTY;
}

/* ---- fd:N, an inherited host descriptor ---- */

static int fd_parse(struct chan *chan, const char *arg, const char **why)
{
	uint64_t v;

	if (!arg || !*arg || kstrtou64(arg, 10, &v) || v > INT32_MAX) {
		*why = "fd needs a host descriptor number (fd:N)";
		return -EINVAL;
	}
	chan->fd = (int)v;
	kstrlcpy(chan->arg, arg, sizeof(chan->arg));
	return 0;
}

static int fd_open(struct chan *chan)
{
	uint64_t size;
	int err;

	err = os_fstat_size(chan->fd, &size);
	if (err == -EBADF)
		return err;
	chan->is_tty = os_isatty(chan->fd);
	if (chan->is_tty) {
		err = os_tty_raw(chan->fd);
		if (err)
			return err;
	}
	return 0;
}

static long fd_read(struct chan *chan, void *buf, size_t len)
{
	return os_read(chan->fd, buf, len);
}

/* The host fd may be non-blocking (shared with our caller): wait it out. */
static long fd_write(struct chan *chan, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		long n = os_write(chan->fd, p + done, len - done);

		if (n == -EAGAIN) {
			int err = os_fd_wait(chan->fd, OS_EV_OUT, -1);

			if (err < 0)
				return done ? (long)done : err;
			continue;
		}
		if (n <= 0)
			return done ? (long)done : (n ? n : -EIO);
		done += (size_t)n;
	}
	return (long)done;
}

static int fd_winsize(struct chan *chan, uint16_t *rows, uint16_t *cols)
{
	if (!chan->is_tty)
		return -ENOTTY;
	return os_tty_winsize(chan->fd, rows, cols);
}

static const struct chan_ops chan_fd_ops = {
	.type = "fd",
	.parse = fd_parse,
	.open = fd_open,
	.read = fd_read,
	.write = fd_write,
	.close = chan_close_nop,
	.winsize = fd_winsize,
};

/* ---- null: output discarded, never any input ---- */

static int null_open(struct chan *chan)
{
	chan->fd = -1;
	return 0;
}

static long null_read(struct chan *chan, void *buf, size_t len)
{
	return -ENODEV;
}

static long null_write(struct chan *chan, const void *buf, size_t len)
{
	return (long)len;
}

static const struct chan_ops chan_null_ops = {
	.type = "null",
	.parse = chan_parse_no_arg,
	.open = null_open,
	.read = null_read,
	.write = null_write,
	.close = chan_close_nop,
	.winsize = chan_winsize_none,
};

/* ---- none: the line does not exist ---- */

static int none_open(struct chan *chan)
{
	return -ENODEV;
}

static long none_read(struct chan *chan, void *buf, size_t len)
{
	return -ENODEV;
}

static long none_write(struct chan *chan, const void *buf, size_t len)
{
	return -ENODEV;
}

static const struct chan_ops chan_none_ops = {
	.type = "none",
	.parse = chan_parse_no_arg,
	.open = none_open,
	.read = none_read,
	.write = none_write,
	.close = chan_close_nop,
	.winsize = chan_winsize_none,
};

/* Every channel type, matched by exact name. */
static const struct chan_ops *const chan_types[] = {
	&chan_fd_ops,
	&chan_null_ops,
	&chan_none_ops,
};

static const struct chan_ops *chan_lookup(const char *type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(chan_types); i++)
		if (!kstrcmp(chan_types[i]->type, type))
			return chan_types[i];
	return NULL;
}

/* Parse one channel ("type" or "type:arg"); text is modified. */
static int parse_one(struct chan *chan, char *text, const char **why)
{
	const struct chan_ops *ops;
	char *colon = kstrchr(text, ':');
	const char *arg = NULL;

	if (!*text) {
		*why = "empty channel";
		return -EINVAL;
	}
	if (colon) {
		*colon = '\0';
		arg = colon + 1;
	}
	ops = chan_lookup(text);
	if (!ops) {
		*why = "unknown channel type";
		return -EINVAL;
	}
	kmemset(chan, 0, sizeof(*chan));
	chan->ops = ops;
	chan->fd = -1;
	return ops->parse(chan, arg, why);
}

int chan_parse_pair(const char *spec, struct chan_pair *pair, const char **why)
{
	char text[CHAN_SPEC_MAX];
	char *comma;
	int err;

	if (kstrlcpy(text, spec, sizeof(text)) >= sizeof(text)) {
		*why = "channel spec too long";
		return -EINVAL;
	}
	kmemset(pair, 0, sizeof(*pair));
	comma = kstrchr(text, ',');
	if (comma)
		*comma = '\0';
	err = parse_one(&pair->in, text, why);
	if (err)
		return err;
	pair->in.input = true;
	pair->in.output = !comma;
	if (!comma)
		return 0;
	err = parse_one(&pair->out, comma + 1, why);
	if (err)
		return err;
	pair->out.output = true;
	pair->split = true;
	if (pair->in.ops == &chan_none_ops || pair->out.ops == &chan_none_ops) {
		*why = "none cannot be half of a pair";
		return -EINVAL;
	}
	return 0;
}

bool chan_pair_is_none(const struct chan_pair *pair)
{
	return pair->in.ops == &chan_none_ops;
}

static int chan_open(struct chan *chan)
{
	int err = chan->ops->open(chan);

	if (!err)
		chan->opened = true;
	return err;
}

static void chan_close(struct chan *chan)
{
	if (chan->opened) {
		chan->ops->close(chan);
		chan->opened = false;
	}
}

int chan_pair_open(struct chan_pair *pair)
{
	int err;

	err = chan_open(&pair->in);
	if (err)
		return err;
	if (pair->split) {
		err = chan_open(&pair->out);
		if (err)
			goto out_close_in;
	}
	return 0;

out_close_in:
	chan_close(&pair->in);
	return err;
}

void chan_pair_close(struct chan_pair *pair)
{
	if (pair->split)
		chan_close(&pair->out);
	chan_close(&pair->in);
}

long chan_read(struct chan *chan, void *buf, size_t len)
{
	return chan->ops->read(chan, buf, len);
}

long chan_write(struct chan *chan, const void *buf, size_t len)
{
	return chan->ops->write(chan, buf, len);
}

int chan_pair_winsize(struct chan_pair *pair, uint16_t *rows, uint16_t *cols)
{
	int err = pair->in.ops->winsize(&pair->in, rows, cols);

	if (err && pair->split)
		err = pair->out.ops->winsize(&pair->out, rows, cols);
	return err;
}

static void describe_one(const struct chan *chan, char *buf, size_t size)
{
	if (chan->arg[0])
		ksnprintf(buf, size, "%s:%s", chan->ops->type, chan->arg);
	else
		ksnprintf(buf, size, "%s", chan->ops->type);
}

size_t chan_pair_describe(const struct chan_pair *pair, char *buf, size_t size)
{
	char in[CHAN_SPEC_MAX], out[CHAN_SPEC_MAX];

	describe_one(&pair->in, in, sizeof(in));
	if (!pair->split)
		return (size_t)ksnprintf(buf, size, "%s", in);
	describe_one(&pair->out, out, sizeof(out));
	return (size_t)ksnprintf(buf, size, "%s,%s", in, out);
}
