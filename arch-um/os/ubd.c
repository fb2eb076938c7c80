/*
 * Host half of the ubd driver: disk image files. Opening with the UML
 * locking rules, whole-file fcntl locks, identity and timestamps for the
 * COW checks, and scatter-gather I/O that completes in full (a short read
 * at end of file is zero-filled).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

int os_disk_stat(const char *path, int fd, struct os_disk_stat *out)
{
	struct stat st;

	if (path ? stat(path, &st) : fstat(fd, &st))
		return -errno;
	out->size = (uint64_t)st.st_size;
	out->mtime = (int64_t)st.st_mtime;
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->is_reg = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	return 0;
}

int os_disk_lock(int fd, bool write, int *holder)
{
	struct flock fl = {
		.l_type = write ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -errno;
	*holder = 0;
	fl.l_type = write ? F_WRLCK : F_RDLCK;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		*holder = fl.l_pid;
	return -EAGAIN;
}

int os_disk_abspath(const char *path, char *buf, size_t size)
{
	char *p = realpath(path, NULL);
	size_t len;

	if (!p)
		return -errno;
	len = strlen(p);
	if (len >= size) {
		free(p);
		return -ENAMETOOLONG;
	}
	memcpy(buf, p, len + 1);
	free(p);
	return 0;
}

/*
 * Move len bytes at off through iov[0..n), resuming after short transfers.
 * A read that meets end of file zero-fills the rest.
 */
static int disk_rw(int fd, bool write, const struct os_iovec *vec,
		   unsigned int n, uint64_t off)
{
	struct iovec iov[OS_DISK_MAX_IOV];
	unsigned int first = 0;

	if (n > OS_DISK_MAX_IOV)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		iov[i].iov_base = vec[i].base;
		iov[i].iov_len = vec[i].len;
	}
	while (first < n) {
		ssize_t done = write ? pwritev(fd, iov + first,
					       (int)(n - first), (off_t)off) :
				       preadv(fd, iov + first, (int)(n - first),
					      (off_t)off);

		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (done == 0) {
			if (write)
				return -EIO;
			for (unsigned int i = first; i < n; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			return 0;
		}
		off += (uint64_t)done;
		while (first < n && (size_t)done >= iov[first].iov_len) {
			done -= (ssize_t)iov[first].iov_len;
			first++;
		}
		if (first < n) {
			iov[first].iov_base =
				(char *)iov[first].iov_base + done;
			iov[first].iov_len -= (size_t)done;
		}
	}
	return 0;
}

int os_disk_read(int fd, const struct os_iovec *vec, unsigned int n,
		 uint64_t off)
{
	return disk_rw(fd, false, vec, n, off);
}

int os_disk_write(int fd, const struct os_iovec *vec, unsigned int n,
		  uint64_t off)
{
	return disk_rw(fd, true, vec, n, off);
}

int os_disk_sync(int fd)
{
	return OS_RETRY(fdatasync(fd)) ? -errno : 0;
}
