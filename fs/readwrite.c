/*
 * Data syscalls on open files: read, write and their vectored and
 * positional forms, lseek, sendfile, copy_file_range, fsync, truncate and
 * fallocate. Every guest length is bounded by VFS_RW_MAX (as Linux's
 * MAX_RW_COUNT) and iovec counts by UIO_MAXIOV.
 */
#include <linux/fs.h>
#include <linux/uio.h>

#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

#define VFS_RW_MAX 0x7ffff000UL
#define VFS_COPY_CHUNK 65536

/* Whether f has file positions (pread/pwrite make sense). */
static bool file_seekable(struct file *f)
{
	if (!f->inode || S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode))
		return false;
	return f->ops->llseek != vfs_no_llseek;
}

SYSCALL3(read, int, fd, uaddr_t, buf, size_t, count)
{
	struct file *f = fd_get(fd);
	struct uio u;
	long ret;

	if (!f)
		return -EBADF;
	u = uio_user(buf, MIN(count, VFS_RW_MAX));
	ret = vfs_read(f, &u, &f->pos);
	file_put(f);
	return ret;
}

SYSCALL3(write, int, fd, uaddr_t, buf, size_t, count)
{
	struct file *f = fd_get(fd);
	struct uio u;
	long ret;

	if (!f)
		return -EBADF;
	u = uio_user(buf, MIN(count, VFS_RW_MAX));
	ret = vfs_write(f, &u, &f->pos);
	file_put(f);
	return ret;
}

static long check_pos(struct file *f, int64_t pos)
{
	if (pos < 0)
		return -EINVAL;
	if (!file_seekable(f))
		return -ESPIPE;
	return 0;
}

SYSCALL4(pread64, int, fd, uaddr_t, buf, size_t, count, int64_t, off)
{
	struct file *f = fd_get(fd);
	uint64_t pos = (uint64_t)off;
	struct uio u;
	long ret;

	if (!f)
		return -EBADF;
	ret = (f->mode & FMODE_READ) ? check_pos(f, off) : -EBADF;
	if (!ret) {
		u = uio_user(buf, MIN(count, VFS_RW_MAX));
		ret = vfs_read(f, &u, &pos);
	}
	file_put(f);
	return ret;
}

SYSCALL4(pwrite64, int, fd, uaddr_t, buf, size_t, count, int64_t, off)
{
	struct file *f = fd_get(fd);
	uint64_t pos = (uint64_t)off;
	struct uio u;
	long ret;

	if (!f)
		return -EBADF;
	ret = (f->mode & FMODE_WRITE) ? check_pos(f, off) : -EBADF;
	if (!ret) {
		u = uio_user(buf, MIN(count, VFS_RW_MAX));
		ret = vfs_write(f, &u, &pos);
	}
	file_put(f);
	return ret;
}

/*
 * Vectored I/O at *pos: copies the iovec array in, bounds it, then moves
 * each segment; stops at the first short transfer. Returns bytes moved
 * (the error only when nothing moved).
 */
static long rw_vec(struct file *f, uaddr_t uiov, int cnt, uint64_t *pos,
		   bool write)
{
	struct iovec *iov;
	size_t total = 0;
	long ret = 0;

	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	if (!(f->mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (cnt == 0)
		return 0;
	iov = kmalloc((size_t)cnt * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (copy_from_user(iov, uiov, (size_t)cnt * sizeof(*iov))) {
		ret = -EFAULT;
		goto out_free;
	}
	for (int i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].iov_len < 0) {
			ret = -EINVAL;
			goto out_free;
		}
		iov[i].iov_len = MIN(iov[i].iov_len, VFS_RW_MAX - total);
		total += iov[i].iov_len;
	}
	total = 0;
	for (int i = 0; i < cnt; i++) {
		struct uio u = uio_user((uaddr_t)(uintptr_t)iov[i].iov_base,
					iov[i].iov_len);

		if (!iov[i].iov_len)
			continue;
		ret = write ? vfs_write(f, &u, pos) : vfs_read(f, &u, pos);
		if (ret < 0)
			break;
		total += (size_t)ret;
		if ((size_t)ret < iov[i].iov_len)
			break;
	}
	if (total)
		ret = (long)total;
	else if (ret > 0)
		ret = 0;
out_free:
	kfree(iov);
	return ret;
}

/* readv/writev/preadv/pwritev and the v2 forms; off -1 means f->pos. */
static long vec_syscall(int fd, uaddr_t uiov, int cnt, int64_t off,
			bool positional, int flags, bool write)
{
	struct file *f = fd_get(fd);
	uint64_t pos;
	long ret = 0;

	if (!f)
		return -EBADF;
	if (flags & ~RWF_SUPPORTED)
		ret = -EOPNOTSUPP;
	else if (positional && off != -1)
		ret = check_pos(f, off);
	if (!ret) {
		if (positional && off != -1) {
			pos = (uint64_t)off;
			ret = rw_vec(f, uiov, cnt, &pos, write);
		} else {
			ret = rw_vec(f, uiov, cnt, &f->pos, write);
		}
	}
	file_put(f);
	return ret;
}

SYSCALL3(readv, int, fd, uaddr_t, iov, int, cnt)
{
	return vec_syscall(fd, iov, cnt, -1, false, 0, false);
}

SYSCALL3(writev, int, fd, uaddr_t, iov, int, cnt)
{
	return vec_syscall(fd, iov, cnt, -1, false, 0, true);
}

SYSCALL4(preadv, int, fd, uaddr_t, iov, int, cnt, int64_t, off)
{
	if (off < 0)
		return -EINVAL;
	return vec_syscall(fd, iov, cnt, off, true, 0, false);
}

SYSCALL4(pwritev, int, fd, uaddr_t, iov, int, cnt, int64_t, off)
{
	if (off < 0)
		return -EINVAL;
	return vec_syscall(fd, iov, cnt, off, true, 0, true);
}

SYSCALL6(preadv2, int, fd, uaddr_t, iov, int, cnt, int64_t, off, int64_t,
	 off_hi, int, flags)
{
	if (off < -1)
		return -EINVAL;
	return vec_syscall(fd, iov, cnt, off, true, flags, false);
}

SYSCALL6(pwritev2, int, fd, uaddr_t, iov, int, cnt, int64_t, off, int64_t,
	 off_hi, int, flags)
{
	if (off < -1)
		return -EINVAL;
	return vec_syscall(fd, iov, cnt, off, true, flags, true);
}

SYSCALL3(lseek, int, fd, int64_t, off, int, whence)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->mode & FMODE_PATH)
		ret = -EBADF;
	else if (f->inode &&
		 (S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode)))
		ret = -ESPIPE;
	else if (f->ops->llseek)
		ret = f->ops->llseek(f, off, whence);
	else
		ret = vfs_default_llseek(f, off, whence);
	file_put(f);
	return ret;
}

/* Copy up to count bytes from in at *inpos to out at *outpos. */
static long file_copy(struct file *in, uint64_t *inpos, struct file *out,
		      uint64_t *outpos, size_t count)
{
	char *buf = kmalloc(VFS_COPY_CHUNK);
	size_t done = 0;
	long ret = 0;

	if (!buf)
		return -ENOMEM;
	count = MIN(count, VFS_RW_MAX);
	while (done < count) {
		size_t chunk = MIN(count - done, VFS_COPY_CHUNK);
		struct uio u = uio_kernel(buf, chunk);
		long n, w;

		n = vfs_read(in, &u, inpos);
		if (n <= 0) {
			ret = n;
			break;
		}
		u = uio_kernel(buf, (size_t)n);
		w = vfs_write(out, &u, outpos);
		if (w < 0) {
			ret = w;
			break;
		}
		done += (size_t)w;
		if (w < n) {
			/* The reader moved on; give back what was not written. */
			*inpos -= (uint64_t)(n - w);
			break;
		}
		if ((size_t)n < chunk)
			break;
	}
	kfree(buf);
	return done ? (long)done : ret;
}

SYSCALL4(sendfile, int, out_fd, int, in_fd, uaddr_t, uoff, size_t, count)
{
	struct file *in = fd_get(in_fd), *out = fd_get(out_fd);
	int64_t off;
	uint64_t pos;
	long ret;

	ret = -EBADF;
	if (!in || !out || !(in->mode & FMODE_READ) ||
	    !(out->mode & FMODE_WRITE))
		goto out_put;
	ret = -EINVAL;
	if (out->flags & O_APPEND)
		goto out_put;
	if (!uoff) {
		ret = file_copy(in, &in->pos, out, &out->pos, count);
		goto out_put;
	}
	ret = -EFAULT;
	if (get_user(off, uoff))
		goto out_put;
	ret = check_pos(in, off);
	if (ret)
		goto out_put;
	pos = (uint64_t)off;
	ret = file_copy(in, &pos, out, &out->pos, count);
	off = (int64_t)pos;
	if (ret >= 0 && put_user(off, uoff))
		ret = -EFAULT;
out_put:
	file_put(in);
	file_put(out);
	return ret;
}

SYSCALL6(copy_file_range, int, fd_in, uaddr_t, uoff_in, int, fd_out, uaddr_t,
	 uoff_out, size_t, len, unsigned int, flags)
{
	struct file *in = fd_get(fd_in), *out = fd_get(fd_out);
	int64_t off_in = 0, off_out = 0;
	uint64_t pin, pout;
	long ret;

	ret = -EBADF;
	if (!in || !out || !(in->mode & FMODE_READ) ||
	    !(out->mode & FMODE_WRITE))
		goto out_put;
	ret = -EINVAL;
	if (flags || !in->inode || !out->inode)
		goto out_put;
	ret = -EISDIR;
	if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode))
		goto out_put;
	ret = -EINVAL;
	if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode) ||
	    (out->flags & O_APPEND))
		goto out_put;
	ret = -EFAULT;
	if ((uoff_in && get_user(off_in, uoff_in)) ||
	    (uoff_out && get_user(off_out, uoff_out)))
		goto out_put;
	ret = -EINVAL;
	if (off_in < 0 || off_out < 0)
		goto out_put;
	pin = uoff_in ? (uint64_t)off_in : in->pos;
	pout = uoff_out ? (uint64_t)off_out : out->pos;
	ret = file_copy(in, &pin, out, &pout, len);
	if (ret < 0)
		goto out_put;
	if (uoff_in) {
		off_in = (int64_t)pin;
		if (put_user(off_in, uoff_in))
			ret = -EFAULT;
	} else {
		in->pos = pin;
	}
	if (uoff_out) {
		off_out = (int64_t)pout;
		if (put_user(off_out, uoff_out))
			ret = -EFAULT;
	} else {
		out->pos = pout;
	}
out_put:
	file_put(in);
	file_put(out);
	return ret;
}

static long fsync_fd(int fd, bool datasync)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->mode & FMODE_PATH)
		ret = -EBADF;
	else
		ret = f->ops->fsync ? f->ops->fsync(f, datasync) :
				      vfs_default_fsync(f, datasync);
	file_put(f);
	return ret;
}

SYSCALL1(fsync, int, fd)
{
	return fsync_fd(fd, false);
}

SYSCALL1(fdatasync, int, fd)
{
	return fsync_fd(fd, true);
}

SYSCALL2(truncate, uaddr_t, upath, int64_t, length)
{
	char *name;
	struct path p;
	long ret;

	if (length < 0)
		return -EINVAL;
	name = getname(upath, false);
	if (IS_ERR(name))
		return PTR_ERR(name);
	ret = vfs_path_lookup(AT_FDCWD, name, LOOKUP_FOLLOW, &p);
	kfree(name);
	if (ret)
		return ret;
	ret = inode_permission(p.dentry->inode, MAY_WRITE);
	if (!ret)
		ret = vfs_truncate(&p, (uint64_t)length);
	path_put(&p);
	return ret;
}

SYSCALL2(ftruncate, int, fd, int64_t, length)
{
	struct file *f = fd_get(fd);
	struct path p;
	long ret;

	if (!f)
		return -EBADF;
	ret = -EINVAL;
	if (length < 0 || !(f->mode & FMODE_WRITE) || !f->dentry)
		goto out_put;
	p.mnt = f->mnt;
	p.dentry = f->dentry;
	ret = vfs_truncate(&p, (uint64_t)length);
out_put:
	file_put(f);
	return ret;
}

SYSCALL4(fallocate, int, fd, int, mode, int64_t, off, int64_t, len)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = -EINVAL;
	if (off < 0 || len <= 0)
		goto out_put;
	ret = -EFBIG;
	if (off + len < off)
		goto out_put;
	ret = -EBADF;
	if (!(f->mode & FMODE_WRITE))
		goto out_put;
	ret = -ENODEV;
	if (!f->inode)
		goto out_put;
	if (S_ISDIR(f->inode->mode)) {
		ret = -EISDIR;
		goto out_put;
	}
	if (!S_ISREG(f->inode->mode))
		goto out_put;
	ret = f->ops->fallocate ?
		      f->ops->fallocate(f, mode, (uint64_t)off, (uint64_t)len) :
		      vfs_default_fallocate(f, mode, (uint64_t)off,
					    (uint64_t)len);
out_put:
	file_put(f);
	return ret;
}
