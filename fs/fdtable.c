/*
 * The per-process fd table and the syscalls on descriptors themselves:
 * dup, dup2, dup3, close, close_range, fcntl, ioctl and flock.
 *
 * A table is shared by tasks created with CLONE_FILES and copied on fork.
 * It grows on demand up to RLIMIT_NOFILE. Closing any fd of an inode drops
 * the process's POSIX record locks on it, as POSIX requires.
 */
#include <asm/ioctls.h>
#include <linux/close_range.h>

#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "vfs_internal.h"

#define FILES_MIN_SLOTS 64
/* The hard ceiling on fds regardless of RLIMIT_NOFILE (Linux nr_open). */
#define FILES_NR_OPEN (1u << 20)
#define SETFL_MASK (O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME)

struct files *files_create(void)
{
	struct files *files = kzalloc(sizeof(*files));

	if (files)
		files->refs = 1;
	return files;
}

unsigned long vfs_nofile_limit(void)
{
	uint64_t lim;

	if (!current || !current->group)
		return FILES_NR_OPEN;
	lim = current->group->rlim[RLIMIT_NOFILE].rlim_cur;
	return lim > FILES_NR_OPEN ? FILES_NR_OPEN : (unsigned long)lim;
}

static bool cloexec_test(struct files *files, unsigned int fd)
{
	return files->cloexec[fd / 64] & (1ULL << (fd % 64));
}

static void cloexec_set(struct files *files, unsigned int fd, bool on)
{
	if (on)
		files->cloexec[fd / 64] |= 1ULL << (fd % 64);
	else
		files->cloexec[fd / 64] &= ~(1ULL << (fd % 64));
}

/* Make room for slot fd. 0 or -ENOMEM. */
static int files_grow(struct files *files, unsigned int fd)
{
	unsigned int size = files->size ? files->size : FILES_MIN_SLOTS;
	struct file **fds;
	uint64_t *bits;

	if (fd < files->size)
		return 0;
	while (size <= fd)
		size *= 2;
	fds = kzalloc(size * sizeof(*fds));
	bits = kzalloc(size / 64 * sizeof(*bits));
	if (!fds || !bits) {
		kfree(fds);
		kfree(bits);
		return -ENOMEM;
	}
	if (files->size) {
		kmemcpy(fds, files->fds, files->size * sizeof(*fds));
		kmemcpy(bits, files->cloexec, files->size / 64 * sizeof(*bits));
	}
	kfree(files->fds);
	kfree(files->cloexec);
	files->fds = fds;
	files->cloexec = bits;
	files->size = size;
	return 0;
}

struct file *files_lookup(struct files *files, int fd)
{
	if (!files || fd < 0 || (unsigned int)fd >= files->size)
		return NULL;
	return files->fds[fd];
}

int files_max_fd(struct files *files)
{
	return files ? (int)files->size : 0;
}

bool files_cloexec(struct files *files, int fd)
{
	if (!files_lookup(files, fd))
		return false;
	return cloexec_test(files, (unsigned int)fd);
}

int fd_alloc_from(struct file *f, int min, bool cloexec)
{
	struct files *files = current->files;
	unsigned long limit = vfs_nofile_limit();
	unsigned int fd = (unsigned int)min;
	int err;

	while (fd < files->size && files->fds[fd])
		fd++;
	err = -EMFILE;
	if (min < 0 || fd >= limit)
		goto out_put;
	err = files_grow(files, fd);
	if (err)
		goto out_put;
	files->fds[fd] = f;
	cloexec_set(files, fd, cloexec);
	return (int)fd;
out_put:
	file_put(f);
	return err;
}

int fd_install(struct file *f, bool cloexec)
{
	return fd_alloc_from(f, 0, cloexec);
}

struct file *fd_get(int fd)
{
	if (!current)
		return NULL;
	return file_get(files_lookup(current->files, fd));
}

/* Take f out of slot fd and drop it (with the process's record locks). */
static void fd_release_slot(struct files *files, unsigned int fd)
{
	struct file *f = files->fds[fd];

	files->fds[fd] = NULL;
	cloexec_set(files, fd, false);
	posix_locks_close(f->inode);
	file_put(f);
}

int fd_close(int fd)
{
	struct files *files = current->files;

	if (!files_lookup(files, fd))
		return -EBADF;
	fd_release_slot(files, (unsigned int)fd);
	return 0;
}

int fd_set_cloexec(int fd, bool on)
{
	struct files *files = current->files;

	if (!files_lookup(files, fd))
		return -EBADF;
	cloexec_set(files, (unsigned int)fd, on);
	return 0;
}

int fd_get_cloexec(int fd)
{
	struct files *files = current->files;

	if (!files_lookup(files, fd))
		return -EBADF;
	return cloexec_test(files, (unsigned int)fd) ? FD_CLOEXEC : 0;
}

struct files *files_clone(struct files *old)
{
	struct files *files = files_create();

	if (!files)
		return NULL;
	if (old->size && files_grow(files, old->size - 1)) {
		kfree(files);
		return NULL;
	}
	for (unsigned int fd = 0; fd < old->size; fd++)
		files->fds[fd] = file_get(old->fds[fd]);
	if (old->size)
		kmemcpy(files->cloexec, old->cloexec,
			old->size / 64 * sizeof(uint64_t));
	return files;
}

void files_put(struct files *files)
{
	if (!files || --files->refs > 0)
		return;
	for (unsigned int fd = 0; fd < files->size; fd++)
		if (files->fds[fd])
			fd_release_slot(files, fd);
	kfree(files->fds);
	kfree(files->cloexec);
	kfree(files);
}

void files_close_on_exec(struct files *files)
{
	for (unsigned int fd = 0; fd < files->size; fd++)
		if (files->fds[fd] && cloexec_test(files, fd))
			fd_release_slot(files, fd);
}

/* ---- syscalls ---- */

SYSCALL1(close, int, fd)
{
	return fd_close(fd);
}

SYSCALL3(close_range, unsigned int, first, unsigned int, last, unsigned int,
	 flags)
{
	struct files *files = current->files;

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	if ((flags & CLOSE_RANGE_UNSHARE) && files->refs > 1) {
		struct files *copy = files_clone(files);

		if (!copy)
			return -ENOMEM;
		files_put(files);
		current->files = files = copy;
	}
	for (unsigned int fd = first; fd <= last && fd < files->size; fd++) {
		if (!files->fds[fd])
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			cloexec_set(files, fd, true);
		else
			fd_release_slot(files, fd);
	}
	return 0;
}

SYSCALL1(dup, int, oldfd)
{
	struct file *f = fd_get(oldfd);

	if (!f)
		return -EBADF;
	return fd_install(f, false);
}

/* Put a new reference to oldfd's file at newfd, closing what was there. */
static long dup_to(int oldfd, int newfd, bool cloexec)
{
	struct files *files = current->files;
	struct file *f = files_lookup(files, oldfd);
	int err;

	if (!f)
		return -EBADF;
	if (newfd < 0 || (unsigned long)newfd >= vfs_nofile_limit())
		return -EBADF;
	err = files_grow(files, (unsigned int)newfd);
	if (err)
		return err;
	file_get(f);
	if (files->fds[newfd])
		fd_release_slot(files, (unsigned int)newfd);
	files->fds[newfd] = f;
	cloexec_set(files, (unsigned int)newfd, cloexec);
	return newfd;
}

SYSCALL2(dup2, int, oldfd, int, newfd)
{
	if (oldfd == newfd)
		return files_lookup(current->files, oldfd) ? newfd : -EBADF;
	return dup_to(oldfd, newfd, false);
}

SYSCALL3(dup3, int, oldfd, int, newfd, int, flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return dup_to(oldfd, newfd, flags & O_CLOEXEC);
}

static long fcntl_file(struct file *f, int fd, int cmd, uint64_t arg)
{
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= vfs_nofile_limit())
			return -EINVAL;
		return fd_alloc_from(file_get(f), (int)arg,
				     cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_get_cloexec(fd);
	case F_SETFD:
		return fd_set_cloexec(fd, arg & FD_CLOEXEC);
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		if (f->mode & FMODE_PATH)
			return -EBADF;
		f->flags = (f->flags & ~SETFL_MASK) |
			   ((unsigned int)arg & SETFL_MASK);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return vfs_fcntl_lock(f, cmd, arg);
	case F_SETPIPE_SZ:
	case F_GETPIPE_SZ: {
		long r = vfs_ioctl(f, (unsigned int)cmd, arg);

		return r == -ENOTTY ? -EBADF : r;
	}
	case F_GETOWN:
	case F_GETSIG:
		return 0;
	case F_SETOWN:
	case F_SETSIG:
		return 0;
	case F_GETLEASE:
		return F_UNLCK;
	default:
		return -EINVAL;
	}
}

SYSCALL3(fcntl, int, fd, int, cmd, uint64_t, arg)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = fcntl_file(f, fd, cmd, arg);
	file_put(f);
	return ret;
}

static long ioctl_file(struct file *f, int fd, unsigned int cmd, uint64_t arg)
{
	int on;

	switch (cmd) {
	case FIOCLEX:
		return fd_set_cloexec(fd, true);
	case FIONCLEX:
		return fd_set_cloexec(fd, false);
	case FIONBIO:
	case FIOASYNC:
		if (get_user(on, arg))
			return -EFAULT;
		if (on)
			f->flags |= cmd == FIONBIO ? O_NONBLOCK : FASYNC;
		else
			f->flags &= ~(cmd == FIONBIO ? O_NONBLOCK : FASYNC);
		return 0;
	case FIONREAD:
		if (f->inode && S_ISREG(f->inode->mode)) {
			on = f->inode->size > f->pos ?
				     (int)MIN(f->inode->size - f->pos,
					      (uint64_t)INT32_MAX) :
				     0;
			return put_user(on, arg);
		}
		return vfs_ioctl(f, cmd, arg);
	default:
		return vfs_ioctl(f, cmd, arg);
	}
}

SYSCALL3(ioctl, int, fd, unsigned int, cmd, uint64_t, arg)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->mode & FMODE_PATH)
		ret = -EBADF;
	else
		ret = ioctl_file(f, fd, cmd, arg);
	file_put(f);
	return ret;
}

SYSCALL2(flock, int, fd, int, op)
{
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = vfs_flock(f, op);
	file_put(f);
	return ret;
}
