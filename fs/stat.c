/*
 * Attributes: the stat family and statx, chmod, chown, utimes, access,
 * and the setattr/truncate paths every attribute change goes through.
 * Ownership rules follow Linux: only root changes owners, an owner may
 * change a file's group to one of its groups, and chmod by a non-member
 * of the file's group drops S_ISGID.
 */
#include <asm/stat.h>
#include <linux/utime.h>

#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "timer.h"
#include "vfs_internal.h"

#define UTIME_NOW_K ((1L << 30) - 1L)
#define UTIME_OMIT_K ((1L << 30) - 2L)
#define ACCESS_MODE_MASK 7 /* R_OK | W_OK | X_OK */
#define ACCESS_W_OK 2

/* ---- getattr ---- */

static void kstat_from_inode(struct inode *inode, struct kstat *st)
{
	st->dev = inode->sb->dev;
	st->ino = inode->ino;
	st->mode = inode->mode;
	st->nlink = inode->nlink;
	st->uid = inode->uid;
	st->gid = inode->gid;
	st->rdev = inode->rdev;
	st->size = inode->size;
	st->blocks = inode->blocks;
	st->blksize = VFS_BLOCK_SIZE;
	st->atime = inode->atime;
	st->mtime = inode->mtime;
	st->ctime = inode->ctime;
	st->btime = inode->btime;
}

int vfs_getattr(struct path *p, struct kstat *st)
{
	struct inode *inode = p->dentry->inode;

	kmemset(st, 0, sizeof(*st));
	kstat_from_inode(inode, st);
	return inode->ops->getattr ? inode->ops->getattr(p->dentry, st) : 0;
}

int vfs_fstat(struct file *f, struct kstat *st)
{
	struct path p = { .mnt = f->mnt, .dentry = f->dentry };

	if (f->dentry)
		return vfs_getattr(&p, st);
	kmemset(st, 0, sizeof(*st));
	if (f->inode) {
		kstat_from_inode(f->inode, st);
	} else {
		st->mode = S_IRUSR | S_IWUSR;
		st->blksize = VFS_BLOCK_SIZE;
		st->dev = vfs.anon_sb->dev;
	}
	return 0;
}

static int copy_stat_to_user(const struct kstat *k, uaddr_t ubuf)
{
	struct stat st;

	kmemset(&st, 0, sizeof(st));
	st.st_dev = k->dev;
	st.st_ino = k->ino;
	st.st_nlink = k->nlink;
	st.st_mode = k->mode;
	st.st_uid = k->uid;
	st.st_gid = k->gid;
	st.st_rdev = k->rdev;
	st.st_size = (long)k->size;
	st.st_blksize = k->blksize;
	st.st_blocks = (long)k->blocks;
	st.st_atime = (unsigned long)k->atime.tv_sec;
	st.st_atime_nsec = (unsigned long)k->atime.tv_nsec;
	st.st_mtime = (unsigned long)k->mtime.tv_sec;
	st.st_mtime_nsec = (unsigned long)k->mtime.tv_nsec;
	st.st_ctime = (unsigned long)k->ctime.tv_sec;
	st.st_ctime_nsec = (unsigned long)k->ctime.tv_nsec;
	return copy_to_user(ubuf, &st, sizeof(st));
}

/* Look up a guest path for an *at call with AT_* flags. */
static int user_path_at(int dfd, uaddr_t upath, int at_flags,
			unsigned int lflags, struct path *out)
{
	char *name = getname(upath, at_flags & AT_EMPTY_PATH);
	int err;

	if (IS_ERR(name))
		return (int)PTR_ERR(name);
	if (!(at_flags & AT_SYMLINK_NOFOLLOW))
		lflags |= LOOKUP_FOLLOW;
	if (at_flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	err = vfs_path_lookup(dfd, name, lflags, out);
	kfree(name);
	return err;
}

/*
 * The attributes named by an *at call. An empty path with AT_EMPTY_PATH
 * means dfd itself, which may be a file without a name (a pipe, a socket),
 * so it is stat'ed as an open file, not looked up.
 */
static long getattr_at(int dfd, uaddr_t upath, int flags, struct kstat *k)
{
	struct path p;
	long err;

	if ((flags & AT_EMPTY_PATH) && dfd != AT_FDCWD) {
		char c;

		if (copy_from_user(&c, upath, 1))
			return -EFAULT;
		if (c == '\0') {
			struct file *f = fd_get(dfd);

			if (!f)
				return -EBADF;
			err = vfs_fstat(f, k);
			file_put(f);
			return err;
		}
	}
	err = user_path_at(dfd, upath, flags, 0, &p);
	if (err)
		return err;
	err = vfs_getattr(&p, k);
	path_put(&p);
	return err;
}

static long stat_at(int dfd, uaddr_t upath, uaddr_t ubuf, int flags)
{
	struct kstat k;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	err = getattr_at(dfd, upath, flags, &k);
	return err ? err : copy_stat_to_user(&k, ubuf);
}

SYSCALL2(stat, uaddr_t, path, uaddr_t, buf)
{
	return stat_at(AT_FDCWD, path, buf, 0);
}

SYSCALL2(lstat, uaddr_t, path, uaddr_t, buf)
{
	return stat_at(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

SYSCALL4(newfstatat, int, dfd, uaddr_t, path, uaddr_t, buf, int, flags)
{
	return stat_at(dfd, path, buf, flags);
}

SYSCALL2(fstat, int, fd, uaddr_t, buf)
{
	struct file *f = fd_get(fd);
	struct kstat k;
	long err;

	if (!f)
		return -EBADF;
	err = vfs_fstat(f, &k);
	if (!err)
		err = copy_stat_to_user(&k, buf);
	file_put(f);
	return err;
}

static struct statx_timestamp statx_ts(struct __kernel_timespec ts)
{
	return (struct statx_timestamp){ .tv_sec = ts.tv_sec,
					 .tv_nsec = (uint32_t)ts.tv_nsec };
}

SYSCALL5(statx, int, dfd, uaddr_t, upath, int, flags, unsigned int, mask,
	 uaddr_t, ubuf)
{
	struct statx sx;
	struct kstat k;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		      AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	err = getattr_at(dfd, upath, flags, &k);
	if (err)
		return err;
	kmemset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
	sx.stx_blksize = k.blksize;
	sx.stx_nlink = k.nlink;
	sx.stx_uid = k.uid;
	sx.stx_gid = k.gid;
	sx.stx_mode = (uint16_t)k.mode;
	sx.stx_ino = k.ino;
	sx.stx_size = k.size;
	sx.stx_blocks = k.blocks;
	sx.stx_atime = statx_ts(k.atime);
	sx.stx_btime = statx_ts(k.btime);
	sx.stx_ctime = statx_ts(k.ctime);
	sx.stx_mtime = statx_ts(k.mtime);
	sx.stx_rdev_major = MAJOR(k.rdev);
	sx.stx_rdev_minor = MINOR(k.rdev);
	sx.stx_dev_major = MAJOR(k.dev);
	sx.stx_dev_minor = MINOR(k.dev);
	return copy_to_user(ubuf, &sx, sizeof(sx));
}

/* ---- setattr ---- */

void inode_setattr_copy(struct inode *inode, const struct iattr *attr)
{
	if (attr->valid & ATTR_MODE)
		inode->mode = (inode->mode & S_IFMT) | (attr->mode & 07777);
	if (attr->valid & ATTR_UID)
		inode->uid = attr->uid;
	if (attr->valid & ATTR_GID)
		inode->gid = attr->gid;
	if (attr->valid & ATTR_ATIME)
		inode->atime = attr->atime;
	if (attr->valid & ATTR_MTIME)
		inode->mtime = attr->mtime;
	if (attr->valid & ATTR_CTIME)
		inode->ctime = attr->ctime;
}

static struct __kernel_timespec now_ts(void)
{
	uint64_t now = time_real_ns();

	return (struct __kernel_timespec){
		.tv_sec = (int64_t)(now / NSEC_PER_SEC),
		.tv_nsec = (int64_t)(now % NSEC_PER_SEC),
	};
}

int vfs_setattr(struct path *p, struct iattr *attr)
{
	struct dentry *d = p->dentry;
	int err = mnt_want_write(p->mnt);

	if (err)
		return err;
	if (!(attr->valid & ATTR_CTIME)) {
		attr->valid |= ATTR_CTIME;
		attr->ctime = now_ts();
	}
	if (d->inode->ops->setattr)
		return d->inode->ops->setattr(d, attr);
	if (attr->valid & ATTR_SIZE)
		return -EPERM;
	inode_setattr_copy(d->inode, attr);
	return 0;
}

int vfs_truncate(struct path *p, uint64_t size)
{
	struct inode *inode = p->dentry->inode;
	struct iattr attr = { .valid = ATTR_SIZE | ATTR_MTIME, .size = size };

	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	attr.mtime = now_ts();
	return vfs_setattr(p, &attr);
}

static int chmod_path(struct path *p, uint32_t mode)
{
	struct inode *inode = p->dentry->inode;
	const struct cred *c = vfs_cred();
	struct iattr attr = { .valid = ATTR_MODE, .mode = mode & 07777 };

	if (!vfs_is_owner(c, inode->uid))
		return -EPERM;
	if (c->fsuid != 0 && (attr.mode & S_ISGID) && c->fsgid != inode->gid &&
	    !cred_in_group(c, inode->gid))
		attr.mode &= ~S_ISGID;
	return vfs_setattr(p, &attr);
}

static int chown_path(struct path *p, uint32_t uid, uint32_t gid)
{
	struct inode *inode = p->dentry->inode;
	const struct cred *c = vfs_cred();
	struct iattr attr = { 0 };

	if (uid != (uint32_t)-1 && uid != inode->uid) {
		if (c->fsuid != 0)
			return -EPERM;
		attr.valid |= ATTR_UID;
		attr.uid = uid;
	}
	if (gid != (uint32_t)-1 && gid != inode->gid) {
		if (c->fsuid != 0 &&
		    (c->fsuid != inode->uid ||
		     (c->fsgid != gid && !cred_in_group(c, gid))))
			return -EPERM;
		attr.valid |= ATTR_GID;
		attr.gid = gid;
	}
	if (uid != (uint32_t)-1 && c->fsuid != 0 && uid == inode->uid &&
	    !vfs_is_owner(c, inode->uid))
		return -EPERM;
	if (!S_ISDIR(inode->mode) && (attr.valid || c->fsuid != 0)) {
		uint32_t mode = inode->mode & 07777;

		mode &= ~S_ISUID;
		if (mode & S_IXGRP)
			mode &= ~S_ISGID;
		if (mode != (inode->mode & 07777)) {
			attr.valid |= ATTR_MODE;
			attr.mode = mode;
		}
	}
	return vfs_setattr(p, &attr);
}

SYSCALL2(fchmod, int, fd, uint32_t, mode)
{
	struct file *f = fd_get(fd);
	struct path p;
	long err = -EBADF;

	if (!f)
		return -EBADF;
	if (f->dentry && !(f->mode & FMODE_PATH)) {
		p.mnt = f->mnt;
		p.dentry = f->dentry;
		err = chmod_path(&p, mode);
	}
	file_put(f);
	return err;
}

static long fchmodat_common(int dfd, uaddr_t upath, uint32_t mode, int flags)
{
	struct path p;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(dfd, upath, flags, 0, &p);
	if (err)
		return err;
	if (S_ISLNK(p.dentry->inode->mode))
		err = -EOPNOTSUPP;
	else
		err = chmod_path(&p, mode);
	path_put(&p);
	return err;
}

SYSCALL3(fchmodat, int, dfd, uaddr_t, path, uint32_t, mode)
{
	return fchmodat_common(dfd, path, mode, 0);
}

SYSCALL2(chmod, uaddr_t, path, uint32_t, mode)
{
	return fchmodat_common(AT_FDCWD, path, mode, 0);
}

static long fchownat_common(int dfd, uaddr_t upath, uint32_t uid, uint32_t gid,
			    int flags)
{
	struct path p;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(dfd, upath, flags, 0, &p);
	if (err)
		return err;
	err = chown_path(&p, uid, gid);
	path_put(&p);
	return err;
}

SYSCALL5(fchownat, int, dfd, uaddr_t, path, uint32_t, uid, uint32_t, gid, int,
	 flags)
{
	return fchownat_common(dfd, path, uid, gid, flags);
}

SYSCALL3(chown, uaddr_t, path, uint32_t, uid, uint32_t, gid)
{
	return fchownat_common(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL3(lchown, uaddr_t, path, uint32_t, uid, uint32_t, gid)
{
	return fchownat_common(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL3(fchown, int, fd, uint32_t, uid, uint32_t, gid)
{
	struct file *f = fd_get(fd);
	struct path p;
	long err = -EBADF;

	if (!f)
		return -EBADF;
	if (f->dentry && !(f->mode & FMODE_PATH)) {
		p.mnt = f->mnt;
		p.dentry = f->dentry;
		err = chown_path(&p, uid, gid);
	}
	file_put(f);
	return err;
}

/* ---- times ---- */

/*
 * Set atime/mtime of p from ts (NULL: both now). Explicit times need
 * ownership; "now" needs ownership or write permission.
 */
static int utimes_path(struct path *p, const struct __kernel_timespec *ts)
{
	struct inode *inode = p->dentry->inode;
	const struct cred *c = vfs_cred();
	struct iattr attr = { 0 };
	struct __kernel_timespec now = now_ts();
	bool explicit_time = false;

	for (int i = 0; i < 2; i++) {
		long nsec = ts ? (long)ts[i].tv_nsec : UTIME_NOW_K;
		struct __kernel_timespec t = now;

		if (nsec == UTIME_OMIT_K)
			continue;
		if (nsec != UTIME_NOW_K) {
			if (nsec < 0 || nsec >= (long)NSEC_PER_SEC)
				return -EINVAL;
			t = ts[i];
			explicit_time = true;
		}
		if (i == 0) {
			attr.valid |= ATTR_ATIME;
			attr.atime = t;
		} else {
			attr.valid |= ATTR_MTIME;
			attr.mtime = t;
		}
	}
	if (!attr.valid)
		return 0;
	if (!vfs_is_owner(c, inode->uid)) {
		if (explicit_time)
			return -EPERM;
		if (inode_permission(inode, MAY_WRITE))
			return -EACCES;
	}
	return vfs_setattr(p, &attr);
}

static long utimens_common(int dfd, uaddr_t upath,
			   const struct __kernel_timespec *ts, int flags)
{
	struct path p;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!upath) {
		struct file *f = fd_get(dfd);

		if (!f)
			return -EBADF;
		err = -EBADF;
		if (f->dentry) {
			p.mnt = f->mnt;
			p.dentry = f->dentry;
			err = utimes_path(&p, ts);
		}
		file_put(f);
		return err;
	}
	err = user_path_at(dfd, upath, flags, 0, &p);
	if (err)
		return err;
	err = utimes_path(&p, ts);
	path_put(&p);
	return err;
}

SYSCALL4(utimensat, int, dfd, uaddr_t, path, uaddr_t, utimes, int, flags)
{
	struct __kernel_timespec ts[2];

	if (utimes && copy_from_user(ts, utimes, sizeof(ts)))
		return -EFAULT;
	return utimens_common(dfd, path, utimes ? ts : NULL, flags);
}

/* utimes/futimesat: struct timeval[2] (NULL: now). */
static long utimes_tv(int dfd, uaddr_t path, uaddr_t utv)
{
	struct __kernel_old_timeval tv[2];
	struct __kernel_timespec ts[2];

	if (!utv)
		return utimens_common(dfd, path, NULL, 0);
	if (copy_from_user(tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return utimens_common(dfd, path, ts, 0);
}

SYSCALL2(utimes, uaddr_t, path, uaddr_t, tv)
{
	return path ? utimes_tv(AT_FDCWD, path, tv) : -EFAULT;
}

SYSCALL3(futimesat, int, dfd, uaddr_t, path, uaddr_t, tv)
{
	return utimes_tv(dfd, path, tv);
}

SYSCALL2(utime, uaddr_t, path, uaddr_t, ubuf)
{
	struct utimbuf b;
	struct __kernel_timespec ts[2];

	if (!path)
		return -EFAULT;
	if (!ubuf)
		return utimens_common(AT_FDCWD, path, NULL, 0);
	if (copy_from_user(&b, ubuf, sizeof(b)))
		return -EFAULT;
	ts[0].tv_sec = b.actime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = b.modtime;
	ts[1].tv_nsec = 0;
	return utimens_common(AT_FDCWD, path, ts, 0);
}

/* ---- access ---- */

static long access_at(int dfd, uaddr_t upath, int mode, int flags)
{
	struct cred c;
	struct inode *inode;
	struct path p;
	long err;

	if (mode & ~ACCESS_MODE_MASK)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	c = *vfs_cred();
	if (!(flags & AT_EACCESS)) {
		c.fsuid = c.uid;
		c.fsgid = c.gid;
	}
	err = user_path_at(dfd, upath, flags, 0, &p);
	if (err)
		return err;
	inode = p.dentry->inode;
	err = 0;
	if ((mode & ACCESS_W_OK) && mnt_readonly(p.mnt) &&
	    (S_ISREG(inode->mode) || S_ISDIR(inode->mode) ||
	     S_ISLNK(inode->mode)))
		err = -EROFS;
	if (!err && mode)
		err = vfs_perm_check(&c, inode->mode, inode->uid, inode->gid,
				     mode);
	path_put(&p);
	return err;
}

SYSCALL2(access, uaddr_t, path, int, mode)
{
	return access_at(AT_FDCWD, path, mode, 0);
}

SYSCALL3(faccessat, int, dfd, uaddr_t, path, int, mode)
{
	return access_at(dfd, path, mode, 0);
}

SYSCALL4(faccessat2, int, dfd, uaddr_t, path, int, mode, int, flags)
{
	return access_at(dfd, path, mode, flags);
}

/* ---- kernel helpers ---- */

static int kern_path(const char *path, bool follow, struct path *out)
{
	return vfs_path_lookup(AT_FDCWD, path,
			       LOOKUP_NOPERM | (follow ? LOOKUP_FOLLOW : 0),
			       out);
}

int kern_chown(const char *path, uint32_t uid, uint32_t gid, bool follow)
{
	struct iattr attr = { .valid = ATTR_UID | ATTR_GID,
			      .uid = uid,
			      .gid = gid };
	struct path p;
	int err = kern_path(path, follow, &p);

	if (err)
		return err;
	err = vfs_setattr(&p, &attr);
	path_put(&p);
	return err;
}

int kern_chmod(const char *path, uint32_t mode)
{
	struct iattr attr = { .valid = ATTR_MODE, .mode = mode & 07777 };
	struct path p;
	int err = kern_path(path, true, &p);

	if (err)
		return err;
	err = vfs_setattr(&p, &attr);
	path_put(&p);
	return err;
}

int kern_set_mtime(const char *path, int64_t sec)
{
	struct iattr attr = { .valid = ATTR_MTIME | ATTR_ATIME,
			      .mtime = { .tv_sec = sec },
			      .atime = { .tv_sec = sec } };
	struct path p;
	int err = kern_path(path, false, &p);

	if (err)
		return err;
	err = vfs_setattr(&p, &attr);
	path_put(&p);
	return err;
}
