/*
 * Open files: allocation and reference counting, the generic defaults for
 * file_ops, open(2) and its variants, kernel-internal opens and I/O, and
 * absolute path names of files and dentries.
 *
 * A file holds references on its inode, dentry and mount; the last
 * file_put releases flock locks, calls ops->release and drops them.
 * Opening a FIFO hands the file to fs/pipe.c (fifo_open may sleep for the
 * other end); opening a character device looks its ops up by rdev.
 */
#include <asm/poll.h>
#include <linux/fs.h>
#include <linux/openat2.h>

#include "blkdev.h"
#include "err.h"
#include "klib.h"
#include "pipe.h"
#include "poll.h"
#include "printk.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

#define OPEN_VALID_FLAGS                                                \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
	 O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE |       \
	 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | __O_SYNC |  \
	 O_PATH | __O_TMPFILE)
/* Flags that only matter at open time and are not kept in f->flags. */
#define OPEN_ONLY_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)
#define OPEN_HOW_MAX 4096
#define OPEN_HOW_SIZE_MIN 24 /* struct open_how, version 0 */

static const struct file_ops vfs_empty_file_ops = { 0 };

/* ---- defaults ---- */

int vfs_default_open(struct inode *inode, struct file *f)
{
	return 0;
}

void vfs_default_release(struct file *f)
{
}

long vfs_default_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return -EINVAL;
}

long vfs_default_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return -EINVAL;
}

int64_t vfs_default_llseek(struct file *f, int64_t off, int whence)
{
	return vfs_llseek_size(f, off, whence,
			       f->inode ? (int64_t)f->inode->size : 0);
}

int64_t vfs_llseek_size(struct file *f, int64_t off, int whence, int64_t size)
{
	int64_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow((int64_t)f->pos, off, &pos))
			return -EOVERFLOW;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(size, off, &pos))
			return -EOVERFLOW;
		break;
	case SEEK_DATA:
		if (off < 0 || off >= size)
			return -ENXIO;
		pos = off;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		pos = size;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->pos = (uint64_t)pos;
	return pos;
}

int64_t vfs_no_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

int vfs_default_readdir(struct file *f, struct dir_ctx *ctx)
{
	return -ENOTDIR;
}

long vfs_default_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	return -ENOTTY;
}

unsigned int vfs_default_poll(struct file *f, struct poll_table *pt)
{
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

int vfs_default_get_page(struct file *f, uint64_t idx, pfn_t *out)
{
	return -ENODEV;
}

int vfs_default_fsync(struct file *f, bool datasync)
{
	return 0;
}

int vfs_default_fallocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	return -EOPNOTSUPP;
}

unsigned int vfs_poll(struct file *f, struct poll_table *pt)
{
	return f->ops->poll ? f->ops->poll(f, pt) : vfs_default_poll(f, pt);
}

long vfs_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) :
			       vfs_default_ioctl(f, cmd, arg);
}

int vfs_get_page(struct file *f, uint64_t idx, pfn_t *out)
{
	return f->ops->get_page ? f->ops->get_page(f, idx, out) :
				  vfs_default_get_page(f, idx, out);
}

/* ---- allocation ---- */

static unsigned int fmode_of(unsigned int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return FMODE_READ;
	case O_WRONLY:
		return FMODE_WRITE;
	case O_RDWR:
		return FMODE_READ | FMODE_WRITE;
	default:
		return 0;
	}
}

static struct file *file_new(const struct file_ops *ops, unsigned int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->ops = ops ? ops : &vfs_empty_file_ops;
	f->flags = flags & ~OPEN_ONLY_FLAGS;
	f->mode = fmode_of(flags);
	list_init(&f->locks);
	return f;
}

struct file *file_alloc_anon(const struct file_ops *ops, void *priv,
			     unsigned int flags, const char *name)
{
	struct file *f = file_new(ops, flags);

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->private_data = priv;
	f->anon_name = name;
	return f;
}

struct file *file_get(struct file *f)
{
	if (f)
		f->refs++;
	return f;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	BUG_ON(f->refs <= 0);
	if (--f->refs > 0)
		return;
	flock_release(f);
	eventpoll_release(f);
	if (f->ops->release)
		f->ops->release(f);
	if (f->inode && (f->mode & FMODE_WRITE) && f->inode->writers)
		f->inode->writers--;
	inode_put(f->inode);
	dput(f->dentry);
	mnt_put(f->mnt);
	kfree(f);
}

/* ---- opening ---- */

struct file *vfs_open_path(struct path *p, int flags)
{
	struct inode *inode = p->dentry->inode;
	const struct file_ops *ops;
	struct file *f;
	int err;

	if (flags & O_PATH) {
		f = file_new(NULL,
			     O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW)));
		if (!f)
			return ERR_PTR(-ENOMEM);
		f->mode = FMODE_PATH;
	} else {
		switch (inode->mode & S_IFMT) {
		case S_IFCHR:
			if (p->mnt->flags & MNT_NODEV)
				return ERR_PTR(-EACCES);
			ops = chrdev_lookup(inode->rdev);
			if (!ops)
				return ERR_PTR(-ENXIO);
			break;
		case S_IFBLK:
			if (p->mnt->flags & MNT_NODEV)
				return ERR_PTR(-EACCES);
			ops = blkdev_file_lookup(inode->rdev);
			if (!ops)
				return ERR_PTR(-ENXIO);
			break;
		case S_IFSOCK:
			return ERR_PTR(-ENXIO);
		case S_IFIFO:
			ops = &fifo_file_ops;
			break;
		default:
			ops = inode->fops;
			break;
		}
		f = file_new(ops, (unsigned int)flags);
		if (!f)
			return ERR_PTR(-ENOMEM);
	}
	f->inode = inode_get(inode);
	f->dentry = dget(p->dentry);
	f->mnt = mnt_get(p->mnt);
	if (f->mode & FMODE_PATH)
		return f;
	if (f->mode & FMODE_WRITE)
		inode->writers++;
	if (S_ISFIFO(inode->mode))
		err = fifo_open(inode, f);
	else
		err = f->ops->open ? f->ops->open(inode, f) : 0;
	if (err) {
		f->ops = &vfs_empty_file_ops;
		file_put(f);
		return ERR_PTR(err);
	}
	return f;
}

/* Resolve name for open with O_CREAT: create a regular file if missing. */
static int open_create(int dfd, const char *name, int flags, uint32_t mode,
		       struct path *out, bool *created)
{
	struct nameidata nd;
	struct inode *dir;
	struct dentry *d;
	int err = vfs_walk_parent(dfd, name, 0, &nd);

	if (err)
		return err;
	err = -EISDIR;
	if (nd.last_type != LAST_NORM)
		goto out_release;
	d = vfs_lookup_one(&nd.path, &nd.last, false);
	err = (int)PTR_ERR(d);
	if (IS_ERR(d))
		goto out_release;
	dir = nd.path.dentry->inode;
	if (d->inode) {
		err = -EEXIST;
		if (flags & O_EXCL)
			goto out_dput;
		out->mnt = mnt_get(nd.path.mnt);
		out->dentry = d;
		follow_mounts(out);
		nd_release(&nd);
		if (S_ISLNK(out->dentry->inode->mode) &&
		    !(flags & O_NOFOLLOW)) {
			path_put(out);
			return vfs_path_lookup(dfd, name, LOOKUP_FOLLOW, out);
		}
		return 0;
	}
	err = -EISDIR;
	if (nd.trailing_slash)
		goto out_dput;
	err = mnt_want_write(nd.path.mnt);
	if (!err)
		err = inode_permission(dir, MAY_WRITE | MAY_EXEC);
	if (!err && dir->nlink == 0)
		err = -ENOENT;
	if (!err)
		err = dir->ops->create ?
			      dir->ops->create(dir, d,
					       S_IFREG | (mode & 07777 &
							  ~vfs_umask()),
					       0) :
			      -EACCES;
	if (err)
		goto out_dput;
	*created = true;
	out->mnt = mnt_get(nd.path.mnt);
	out->dentry = d;
	nd_release(&nd);
	return 0;
out_dput:
	dput(d);
out_release:
	nd_release(&nd);
	return err;
}

/* Access checks for opening an existing object at p. */
static int open_check(struct path *p, int flags)
{
	struct inode *inode = p->dentry->inode;
	int acc = flags & O_ACCMODE;
	int mask = 0;

	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		return -ENOTDIR;
	if (S_ISLNK(inode->mode))
		return (flags & O_PATH) ? 0 : -ELOOP;
	if (flags & O_PATH)
		return 0;
	if (S_ISDIR(inode->mode) &&
	    (acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
		return -EISDIR;
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	if ((mask & MAY_WRITE) &&
	    (S_ISREG(inode->mode) || S_ISDIR(inode->mode))) {
		int err = mnt_want_write(p->mnt);

		if (err)
			return err;
	}
	return inode_permission(inode, mask);
}

/* Open name relative to dfd: the new file or an ERR_PTR. */
static struct file *open_file(int dfd, const char *name, int flags,
			      uint32_t mode)
{
	bool created = false;
	struct path p;
	struct file *f;
	int err;

	if (flags & __O_TMPFILE)
		return ERR_PTR(-EOPNOTSUPP);
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((flags & O_CREAT) && !(flags & O_PATH))
		err = open_create(dfd, name, flags, mode, &p, &created);
	else
		err = vfs_path_lookup(
			dfd, name,
			((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				((flags & O_DIRECTORY) ? LOOKUP_DIRECTORY : 0),
			&p);
	if (err)
		return ERR_PTR(err);
	if (!created) {
		err = open_check(&p, flags);
		if (err)
			goto out_path;
		if ((flags & O_TRUNC) && S_ISREG(p.dentry->inode->mode) &&
		    p.dentry->inode->size) {
			err = vfs_truncate(&p, 0);
			if (err)
				goto out_path;
		}
	}
	f = vfs_open_path(&p, flags);
	path_put(&p);
	return f;
out_path:
	path_put(&p);
	return ERR_PTR(err);
}

struct file *vfs_open(const char *path, int flags, int mode)
{
	return open_file(AT_FDCWD, path, flags, (uint32_t)mode);
}

long vfs_do_open(int dfd, const char *name, int flags, uint32_t mode,
		 uint64_t resolve)
{
	struct file *f = open_file(dfd, name, flags, mode);

	if (IS_ERR(f))
		return PTR_ERR(f);
	return fd_install(f, flags & O_CLOEXEC);
}

static long open_user(int dfd, uaddr_t upath, int flags, uint32_t mode)
{
	char *name = getname(upath, false);
	long ret;

	if (IS_ERR(name))
		return PTR_ERR(name);
	ret = vfs_do_open(dfd, name, (flags & OPEN_VALID_FLAGS) | O_LARGEFILE,
			  mode, 0);
	kfree(name);
	return ret;
}

SYSCALL3(open, uaddr_t, path, int, flags, uint32_t, mode)
{
	return open_user(AT_FDCWD, path, flags, mode);
}

SYSCALL4(openat, int, dfd, uaddr_t, path, int, flags, uint32_t, mode)
{
	return open_user(dfd, path, flags, mode);
}

SYSCALL2(creat, uaddr_t, path, uint32_t, mode)
{
	return open_user(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SYSCALL4(openat2, int, dfd, uaddr_t, path, uaddr_t, uhow, size_t, size)
{
	struct open_how how;

	if (size < OPEN_HOW_SIZE_MIN || size > OPEN_HOW_MAX)
		return -EINVAL;
	kmemset(&how, 0, sizeof(how));
	if (copy_from_user(&how, uhow, MIN(size, sizeof(how))))
		return -EFAULT;
	if (how.flags & ~(uint64_t)OPEN_VALID_FLAGS)
		return -EINVAL;
	if (how.mode & ~07777ULL)
		return -EINVAL;
	if (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE)))
		return -EINVAL;
	if (how.resolve & ~(uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
				      RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
				      RESOLVE_IN_ROOT | RESOLVE_CACHED))
		return -EINVAL;
	return open_user(dfd, path, (int)how.flags, (uint32_t)how.mode);
}

/* ---- kernel I/O ---- */

long vfs_read(struct file *f, struct uio *u, uint64_t *pos)
{
	if (!(f->mode & FMODE_READ))
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	return f->ops->read ? f->ops->read(f, u, pos) :
			      vfs_default_read(f, u, pos);
}

long vfs_write(struct file *f, struct uio *u, uint64_t *pos)
{
	if (!(f->mode & FMODE_WRITE))
		return -EBADF;
	return f->ops->write ? f->ops->write(f, u, pos) :
			       vfs_default_write(f, u, pos);
}

long kernel_read(struct file *f, void *buf, size_t len, uint64_t off)
{
	struct uio u = uio_kernel(buf, len);

	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	return f->ops->read ? f->ops->read(f, &u, &off) :
			      vfs_default_read(f, &u, &off);
}

long kernel_write(struct file *f, const void *buf, size_t len, uint64_t off)
{
	struct uio u = uio_kernel((void *)buf, len);

	return f->ops->write ? f->ops->write(f, &u, &off) :
			       vfs_default_write(f, &u, &off);
}

int file_permission_exec(struct file *f)
{
	struct inode *inode = f->inode;

	if (!inode || !S_ISREG(inode->mode))
		return -EACCES;
	if (f->mnt && (f->mnt->flags & MNT_NOEXEC))
		return -EACCES;
	return inode_permission(inode, MAY_EXEC);
}

/* ---- path names ---- */

/* Prepend s (len bytes) before *end within buf; false when it does not fit. */
static bool prepend(char **end, char *buf, const char *s, size_t len)
{
	if ((size_t)(*end - buf) < len)
		return false;
	*end -= len;
	kmemcpy(*end, s, len);
	return true;
}

char *dentry_path(struct mount *mnt, struct dentry *d, char *buf, size_t size)
{
	static const char deleted[] = " (deleted)";
	char *end = buf + size;
	struct path root;
	bool any = false;

	if (size == 0)
		return ERR_PTR(-ENAMETOOLONG);
	vfs_root_path(&root);
	*--end = '\0';
	if (d->parent != d && !d->hashed &&
	    !prepend(&end, buf, deleted, sizeof(deleted) - 1))
		goto too_long;
	for (;;) {
		if (d == root.dentry && mnt == root.mnt)
			break;
		if (d == mnt->root) {
			if (mnt->parent == mnt)
				break;
			d = mnt->mountpoint;
			mnt = mnt->parent;
			continue;
		}
		if (!prepend(&end, buf, d->name.name, d->name.len) ||
		    !prepend(&end, buf, "/", 1))
			goto too_long;
		any = true;
		d = d->parent;
	}
	if (!any && !prepend(&end, buf, "/", 1))
		goto too_long;
	path_put(&root);
	return end;
too_long:
	path_put(&root);
	return ERR_PTR(-ENAMETOOLONG);
}

char *file_path(struct file *f, char *buf, size_t size)
{
	int n;

	if (f->dentry && f->mnt)
		return dentry_path(f->mnt, f->dentry, buf, size);
	if (f->inode)
		n = ksnprintf(buf, size, "%s:[%llu]",
			      f->anon_name ? f->anon_name : "anon_inode",
			      (unsigned long long)f->inode->ino);
	else
		n = ksnprintf(buf, size, "anon_inode:[%s]",
			      f->anon_name ? f->anon_name : "");
	if (n < 0 || (size_t)n >= size)
		return ERR_PTR(-ENAMETOOLONG);
	return buf;
}
