/*
 * Pipes and FIFOs: a 64 KiB ring buffer between readers and writers.
 *
 * Guarantees, as Linux: a write of at most PIPE_BUF bytes is atomic (it
 * waits for room for all of it); reads return what is there, or 0 (EOF)
 * once every writer has gone; a write with no reader raises SIGPIPE and
 * fails with EPIPE; O_NONBLOCK turns waits into EAGAIN. A FIFO's pipe is
 * shared through its inode and freed when the last end closes.
 */
#include <asm/ioctls.h>
#include <asm/signal.h>
#include <linux/limits.h>

#include "err.h"
#include "klib.h"
#include "pipe.h"
#include "poll.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "wait.h"

struct pipe {
	char *buf;
	size_t rpos; /* index of the oldest byte */
	size_t count; /* bytes held */
	unsigned int readers, writers;
	/* Opens of each kind so far: FIFO opens wait for these to move. */
	unsigned int r_counter, w_counter;
	struct wait_queue rd_wait; /* readers: data, EOF, a writer opening */
	struct wait_queue wr_wait; /* writers: room, no reader, a reader */
	struct inode *inode; /* the FIFO inode, NULL for pipe(2) */
};

/* One open end: its pipe and what it has seen of the writers. */
struct pipe_end {
	struct pipe *pipe;
	/* Suppress POLLHUP until a writer newer than this has come and gone. */
	unsigned int w_counter;
};

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->buf = kmalloc(PIPE_SIZE);
	if (!p->buf) {
		kfree(p);
		return NULL;
	}
	wait_queue_init(&p->rd_wait);
	wait_queue_init(&p->wr_wait);
	return p;
}

static void pipe_free(struct pipe *p)
{
	if (p->inode)
		p->inode->pipe = NULL;
	kfree(p->buf);
	kfree(p);
}

/* Free p once no end is open. */
static void pipe_put_if_unused(struct pipe *p)
{
	if (!p->readers && !p->writers)
		pipe_free(p);
}

static struct pipe *pipe_of(struct file *f)
{
	return ((struct pipe_end *)f->private_data)->pipe;
}

/* Move up to n buffered bytes to the reader; returns bytes moved. */
static size_t pipe_copy_out(struct pipe *p, struct uio *u, size_t n)
{
	size_t start = u->done;

	while (n) {
		size_t chunk = MIN(n, PIPE_SIZE - p->rpos);
		size_t before = u->done;
		int err = uio_copy_out(u, p->buf + p->rpos, chunk);
		size_t moved = u->done - before;

		p->rpos = (p->rpos + moved) % PIPE_SIZE;
		p->count -= moved;
		n -= moved;
		if (err || moved < chunk)
			break;
	}
	return u->done - start;
}

/* Append up to n of the writer's bytes; returns bytes appended. */
static size_t pipe_copy_in(struct pipe *p, struct uio *u, size_t n)
{
	size_t start = u->done;

	while (n) {
		size_t wpos = (p->rpos + p->count) % PIPE_SIZE;
		size_t chunk = MIN(n, PIPE_SIZE - wpos);
		size_t before = u->done;
		int err = uio_copy_in(u, p->buf + wpos, chunk);
		size_t moved = u->done - before;

		p->count += moved;
		n -= moved;
		if (err || moved < chunk)
			break;
	}
	return u->done - start;
}

static long pipe_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t moved;
	int err;

	if (!u->len)
		return 0;
	while (!p->count) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(&p->rd_wait,
					       p->count || !p->writers);
		if (err)
			return err;
	}
	moved = pipe_copy_out(p, u, MIN(p->count, u->len));
	if (moved)
		wake_up(&p->wr_wait);
	return moved ? (long)moved : -EFAULT;
}

/* Room a writer needs before it may copy: all of an atomic write. */
static size_t pipe_room_needed(size_t left, bool atomic)
{
	return atomic ? left : 1;
}

static long pipe_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	bool atomic = u->len <= PIPE_BUF;
	size_t written = 0;
	int err;

	if (!u->len)
		return 0;
	for (;;) {
		size_t room = PIPE_SIZE - p->count, n, moved;

		if (!p->readers) {
			send_sig_task(current, SIGPIPE, NULL);
			return written ? (long)written : -EPIPE;
		}
		if (room >= pipe_room_needed(u->len, atomic)) {
			n = MIN(u->len, room);
			moved = pipe_copy_in(p, u, n);
			written += moved;
			if (moved)
				wake_up(&p->rd_wait);
			if (moved < n)
				return written ? (long)written : -EFAULT;
			if (!u->len)
				return (long)written;
			continue;
		}
		if (f->flags & O_NONBLOCK)
			return written ? (long)written : -EAGAIN;
		err = wait_event_interruptible(
			&p->wr_wait,
			!p->readers ||
				PIPE_SIZE - p->count >=
					pipe_room_needed(u->len, atomic));
		if (err)
			return written ? (long)written : err;
	}
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe_end *end = f->private_data;
	struct pipe *p = end->pipe;
	unsigned int mask = 0;

	if (f->mode & FMODE_READ) {
		poll_wait(f, &p->rd_wait, pt);
		if (p->count)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && end->w_counter != p->w_counter)
			mask |= POLLHUP;
	}
	if (f->mode & FMODE_WRITE) {
		poll_wait(f, &p->wr_wait, pt);
		if (PIPE_SIZE - p->count >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	struct pipe *p = pipe_of(f);

	switch (cmd) {
	case FIONREAD:
		return put_user((int)p->count, arg);
	default:
		return -ENOTTY;
	}
}

static void pipe_release(struct file *f)
{
	struct pipe_end *end = f->private_data;
	struct pipe *p;

	if (!end)
		return;
	p = end->pipe;
	if (f->mode & FMODE_READ)
		p->readers--;
	if (f->mode & FMODE_WRITE)
		p->writers--;
	wake_up(&p->rd_wait);
	wake_up(&p->wr_wait);
	f->private_data = NULL;
	kfree(end);
	pipe_put_if_unused(p);
}

static int64_t pipe_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_ops pipe_file_ops = {
	.release = pipe_release,
	.read = pipe_read,
	.write = pipe_write,
	.llseek = pipe_llseek,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
};

const struct file_ops fifo_file_ops = {
	.open = fifo_open,
	.release = pipe_release,
	.read = pipe_read,
	.write = pipe_write,
	.llseek = pipe_llseek,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
};

/* Sleep until *counter moves past its current value (a partner opened). */
static int fifo_wait_partner(struct wait_queue *wq, unsigned int *counter)
{
	unsigned int seen = *counter;

	return wait_event_interruptible(wq, *counter != seen);
}

static int fifo_open_read(struct pipe *p, struct pipe_end *end, bool nonblock)
{
	p->r_counter++;
	if (p->readers++ == 0)
		wake_up(&p->wr_wait);
	if (p->writers)
		return 0;
	if (nonblock) {
		end->w_counter = p->w_counter;
		return 0;
	}
	return fifo_wait_partner(&p->rd_wait, &p->w_counter);
}

static int fifo_open_write(struct pipe *p)
{
	p->w_counter++;
	if (p->writers++ == 0)
		wake_up(&p->rd_wait);
	if (p->readers)
		return 0;
	return fifo_wait_partner(&p->wr_wait, &p->r_counter);
}

int fifo_open(struct inode *inode, struct file *f)
{
	bool nonblock = f->flags & O_NONBLOCK;
	unsigned int rw = f->mode & (FMODE_READ | FMODE_WRITE);
	struct pipe_end *end;
	struct pipe *p;
	int err;

	if (f->private_data)
		return 0;
	if (!rw)
		return -EINVAL;
	p = inode->pipe;
	if (!p) {
		p = pipe_alloc();
		if (!p)
			return -ENOMEM;
		p->inode = inode;
		inode->pipe = p;
	}
	if (rw == FMODE_WRITE && nonblock && !p->readers) {
		err = -ENXIO;
		goto out_put_pipe;
	}
	end = kzalloc(sizeof(*end));
	if (!end) {
		err = -ENOMEM;
		goto out_put_pipe;
	}
	end->pipe = p;
	switch (rw) {
	case FMODE_READ:
		err = fifo_open_read(p, end, nonblock);
		break;
	case FMODE_WRITE:
		err = fifo_open_write(p);
		break;
	default:
		p->r_counter++;
		p->w_counter++;
		p->readers++;
		p->writers++;
		wake_up(&p->rd_wait);
		wake_up(&p->wr_wait);
		err = 0;
		break;
	}
	if (err)
		goto out_undo_open;
	f->private_data = end;
	return 0;

out_undo_open:
	if (rw & FMODE_READ)
		p->readers--;
	if (rw & FMODE_WRITE)
		p->writers--;
	wake_up(&p->rd_wait);
	wake_up(&p->wr_wait);
	kfree(end);
out_put_pipe:
	pipe_put_if_unused(p);
	return err;
}

void fifo_inode_release(struct inode *inode)
{
	if (inode->pipe)
		pipe_free(inode->pipe);
}

/*
 * Make one anonymous end of p; an ERR_PTR on failure. Both ends share
 * inode (S_IFIFO), which gives fstat its type and the pipe its number.
 */
static struct file *pipe_end_file(struct pipe *p, unsigned int flags,
				  struct inode *inode)
{
	struct pipe_end *end = kzalloc(sizeof(*end));
	struct file *f;

	if (!end)
		return ERR_PTR(-ENOMEM);
	end->pipe = p;
	f = file_alloc_anon(&pipe_file_ops, end, flags, "pipe");
	if (IS_ERR(f))
		kfree(end);
	else
		f->inode = inode_get(inode);
	return f;
}

SYSCALL2(pipe2, uaddr_t, ufds, int, flags)
{
	unsigned int fl = (unsigned int)flags & O_NONBLOCK;
	bool cloexec = flags & O_CLOEXEC;
	struct file *rf, *wf;
	struct inode *inode;
	struct pipe *p;
	int fds[2];

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	inode = anon_inode_alloc(S_IFIFO | S_IRUSR | S_IWUSR);
	if (!inode)
		return -ENOMEM;
	p = pipe_alloc();
	if (!p) {
		inode_put(inode);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1;
	rf = pipe_end_file(p, O_RDONLY | fl, inode);
	if (IS_ERR(rf)) {
		pipe_free(p);
		inode_put(inode);
		return PTR_ERR(rf);
	}
	wf = pipe_end_file(p, O_WRONLY | fl, inode);
	inode_put(inode); /* the files hold it now */
	if (IS_ERR(wf)) {
		p->writers = 0;
		file_put(rf);
		return PTR_ERR(wf);
	}
	/* fd_install consumes the file's reference even when it fails. */
	fds[0] = fd_install(rf, cloexec);
	if (fds[0] < 0) {
		file_put(wf);
		return fds[0];
	}
	fds[1] = fd_install(wf, cloexec);
	if (fds[1] < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL1(pipe, uaddr_t, ufds)
{
	const long args2[2] = { (long)ufds, 0 };

	return sys_pipe2(args2);
}
