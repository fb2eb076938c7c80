/*
 * Advisory file locks: POSIX record locks (fcntl F_GETLK/F_SETLK/
 * F_SETLKW, owned by the process; OFD variants owned by the open file)
 * and flock(2) locks (owned by the open file). The range logic
 * (conflicts, splitting, merging) works on plain lists and is unit-tested;
 * the syscall glue sleeps on the inode's lock_wait for F_SETLKW.
 */
#include "err.h"
#include "klib.h"
#include "sched.h"
#include "signal.h"
#include "vfs_internal.h"

static bool ranges_overlap(const struct file_lock *a, const struct file_lock *b)
{
	return a->start <= b->end && b->start <= a->end;
}

bool lock_conflicts(const struct file_lock *a, const struct file_lock *b)
{
	if (a->owner == b->owner || !ranges_overlap(a, b))
		return false;
	return a->type == F_WRLCK || b->type == F_WRLCK;
}

struct file_lock *lock_find_conflict(struct list_head *locks,
				     const struct file_lock *req)
{
	struct file_lock *l;

	list_for_each_entry(l, locks, link)
		if (lock_conflicts(l, req))
			return l;
	return NULL;
}

/* a and b touch: overlapping or adjacent. */
static bool ranges_touch(const struct file_lock *a, const struct file_lock *b)
{
	if (ranges_overlap(a, b))
		return true;
	if (a->end != UINT64_MAX && a->end + 1 == b->start)
		return true;
	return b->end != UINT64_MAX && b->end + 1 == a->start;
}

int lock_apply(struct list_head *locks, const struct file_lock *req)
{
	struct file_lock *spare[2], *l, *tmp;
	uint64_t start = req->start, end = req->end;
	int used = 0;

	/* At most one new lock and one split piece: allocate up front so
	 * that failure leaves the list unchanged. */
	spare[0] = kmalloc(sizeof(*spare[0]));
	spare[1] = kmalloc(sizeof(*spare[1]));
	if (!spare[0] || !spare[1]) {
		kfree(spare[0]);
		kfree(spare[1]);
		return -ENOMEM;
	}
	list_for_each_entry_safe(l, tmp, locks, link) {
		if (l->owner != req->owner)
			continue;
		if (l->type == req->type && req->type != F_UNLCK) {
			if (!ranges_touch(l, req))
				continue;
			start = MIN(start, l->start);
			end = MAX(end, l->end);
			list_del(&l->link);
			kfree(l);
			continue;
		}
		if (!ranges_overlap(l, req))
			continue;
		if (l->start < req->start && l->end > req->end) {
			struct file_lock *right = spare[used++];

			*right = *l;
			right->start = req->end + 1;
			list_add(&right->link, &l->link);
			l->end = req->start - 1;
		} else if (l->start < req->start) {
			l->end = req->start - 1;
		} else if (l->end > req->end) {
			l->start = req->end + 1;
		} else {
			list_del(&l->link);
			kfree(l);
		}
	}
	if (req->type != F_UNLCK) {
		struct file_lock *n = spare[used++];

		*n = *req;
		n->start = start;
		n->end = end;
		list_add_tail(&n->link, locks);
	}
	while (used < 2)
		kfree(spare[used++]);
	return 0;
}

bool lock_release_owner(struct list_head *locks, uint64_t owner)
{
	struct file_lock *l, *tmp;
	bool any = false;

	list_for_each_entry_safe(l, tmp, locks, link) {
		if (l->owner != owner)
			continue;
		list_del(&l->link);
		kfree(l);
		any = true;
	}
	return any;
}

int lock_range(int whence, int64_t start, int64_t len, uint64_t pos,
	       uint64_t size, uint64_t *out_start, uint64_t *out_end)
{
	int64_t base;

	switch (whence) {
	case 0: /* SEEK_SET */
		base = 0;
		break;
	case 1: /* SEEK_CUR */
		base = (int64_t)pos;
		break;
	case 2: /* SEEK_END */
		base = (int64_t)size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, start, &start))
		return -EOVERFLOW;
	if (len < 0) {
		if (start + len < 0)
			return -EINVAL;
		*out_end = (uint64_t)(start - 1);
		start += len;
	} else if (len == 0) {
		*out_end = UINT64_MAX;
	} else {
		int64_t last;

		if (__builtin_add_overflow(start, len - 1, &last))
			return -EOVERFLOW;
		*out_end = (uint64_t)last;
	}
	if (start < 0)
		return -EINVAL;
	*out_start = (uint64_t)start;
	return 0;
}

static uint64_t posix_owner(void)
{
	return current ? (uint64_t)current->tgid : 0;
}

void posix_locks_close(struct inode *inode)
{
	if (!inode || list_empty(&inode->posix_locks))
		return;
	if (lock_release_owner(&inode->posix_locks, posix_owner()))
		wake_up(&inode->lock_wait);
}

void flock_release(struct file *f)
{
	struct inode *inode = f->inode;
	bool woke = false;

	if (!inode)
		return;
	if (!list_empty(&inode->flocks))
		woke |= lock_release_owner(&inode->flocks,
					   (uint64_t)(uintptr_t)f);
	if (!list_empty(&inode->posix_locks))
		woke |= lock_release_owner(&inode->posix_locks,
					   (uint64_t)(uintptr_t)f);
	if (woke)
		wake_up(&inode->lock_wait);
}

/* Apply req on list, sleeping while it conflicts when wait is set. */
static int lock_set(struct inode *inode, struct list_head *list,
		    const struct file_lock *req, bool wait)
{
	int err;

	if (req->type != F_UNLCK) {
		if (!wait && lock_find_conflict(list, req))
			return -EAGAIN;
		err = wait_event_interruptible(&inode->lock_wait,
					       !lock_find_conflict(list, req));
		if (err)
			return err;
	}
	err = lock_apply(list, req);
	if (!err)
		wake_up(&inode->lock_wait);
	return err;
}

long vfs_fcntl_lock(struct file *f, int cmd, uaddr_t arg)
{
	struct inode *inode = f->inode;
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK ||
		   cmd == F_OFD_SETLKW;
	struct file_lock req = { .pid = current ? current->tgid : 0 };
	struct flock fl;
	int err;

	if (!inode || (f->mode & FMODE_PATH))
		return -EBADF;
	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK &&
	    fl.l_type != F_UNLCK)
		return -EINVAL;
	err = lock_range(fl.l_whence, fl.l_start, fl.l_len, f->pos, inode->size,
			 &req.start, &req.end);
	if (err)
		return err;
	req.type = fl.l_type;
	req.owner = ofd ? (uint64_t)(uintptr_t)f : posix_owner();
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		struct file_lock *c;

		if (req.type == F_UNLCK)
			return -EINVAL;
		c = lock_find_conflict(&inode->posix_locks, &req);
		if (!c) {
			fl.l_type = F_UNLCK;
		} else {
			fl.l_type = c->type;
			fl.l_whence = 0;
			fl.l_start = (int64_t)c->start;
			fl.l_len = c->end == UINT64_MAX ?
					   0 :
					   (int64_t)(c->end - c->start + 1);
			fl.l_pid = c->owner == (uint64_t)c->pid ? c->pid : -1;
		}
		return copy_to_user(arg, &fl, sizeof(fl));
	}
	if (req.type == F_RDLCK && !(f->mode & FMODE_READ))
		return -EBADF;
	if (req.type == F_WRLCK && !(f->mode & FMODE_WRITE))
		return -EBADF;
	return lock_set(inode, &inode->posix_locks, &req,
			cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long vfs_flock(struct file *f, int op)
{
	struct file_lock req = {
		.start = 0,
		.end = UINT64_MAX,
		.owner = (uint64_t)(uintptr_t)f,
		.pid = current ? current->tgid : 0,
	};
	int err;

	if (!f->inode || (f->mode & FMODE_PATH))
		return -EBADF;
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		req.type = F_RDLCK;
		break;
	case LOCK_EX:
		req.type = F_WRLCK;
		break;
	case LOCK_UN:
		req.type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (req.type != F_UNLCK &&
	    lock_find_conflict(&f->inode->flocks, &req)) {
		/* A conversion drops the old lock before waiting. */
		struct file_lock un = req;

		un.type = F_UNLCK;
		err = lock_apply(&f->inode->flocks, &un);
		if (err)
			return err;
	}
	return lock_set(f->inode, &f->inode->flocks, &req, !(op & LOCK_NB));
}
