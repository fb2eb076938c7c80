/*
 * Channels: the host side of a console or serial line.
 *
 * A line is configured with a channel spec (see the UML command line,
 * con0=fd:0,fd:1): one channel for both directions, or an "in,out" pair.
 * Each channel type is an ops table (fd, null, none, ...), matched by its
 * exact name; the part after the first ':' is the type's argument.
 * Parsing touches nothing on the host, so specs are checked when the
 * command line is read and opened when the line is first used.
 */
#ifndef CHAN_H
#define CHAN_H

#include "compiler.h"

#define CHAN_ARG_MAX 128 /* longest argument after "type:" */
#define CHAN_SPEC_MAX 256 /* longest spec, pair included */

struct chan;

struct chan_ops {
	const char *type;
	/*
	 * Check and store arg, the text after "type:" (NULL when the spec has
	 * no ':'). No host access. 0 or -EINVAL with *why set.
	 */
	int (*parse)(struct chan *chan, const char *arg, const char **why);
	/* Open the host side for chan->input / chan->output. */
	int (*open)(struct chan *chan);
	/*
	 * Read host input without blocking for long (called when the host fd
	 * is ready): bytes, 0 at end of input, -EAGAIN, or -errno.
	 */
	long (*read)(struct chan *chan, void *buf, size_t len);
	/* Write all of buf (may wait for the host); bytes or -errno. */
	long (*write)(struct chan *chan, const void *buf, size_t len);
	void (*close)(struct chan *chan);
	/* The host terminal's size, or -ENOTTY. */
	int (*winsize)(struct chan *chan, uint16_t *rows, uint16_t *cols);
};

struct chan {
	const struct chan_ops *ops;
	bool input, output; /* directions this channel serves */
	bool opened;
	bool is_tty; /* host side is a terminal, now in raw mode */
	int fd; /* host fd for input events, -1 when none */
	char arg[CHAN_ARG_MAX];
};

/* The channels of one line: in serves both directions unless split. */
struct chan_pair {
	struct chan in;
	struct chan out;
	bool split;
};

/*
 * Parse spec ("fd:0,fd:1", "null", "none"...) into pair, unopened. Returns
 * 0, or -EINVAL with *why describing the problem.
 */
int chan_parse_pair(const char *spec, struct chan_pair *pair, const char **why);

/* The line is configured as "none": it does not exist. */
bool chan_pair_is_none(const struct chan_pair *pair);

/* Open both directions; on failure nothing stays open. */
int chan_pair_open(struct chan_pair *pair);
void chan_pair_close(struct chan_pair *pair);

static inline struct chan *chan_pair_in(struct chan_pair *pair)
{
	return &pair->in;
}

static inline struct chan *chan_pair_out(struct chan_pair *pair)
{
	return pair->split ? &pair->out : &pair->in;
}

long chan_read(struct chan *chan, void *buf, size_t len);
long chan_write(struct chan *chan, const void *buf, size_t len);
/* The window size of whichever channel of the pair is a terminal. */
int chan_pair_winsize(struct chan_pair *pair, uint16_t *rows, uint16_t *cols);

/* Write the spec back ("fd:0,fd:1"); returns its length. */
size_t chan_pair_describe(const struct chan_pair *pair, char *buf, size_t size);

#endif
