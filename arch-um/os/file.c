/*
 * Host files: plain wrappers that return -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

int os_open(const char *path, int flags, int mode)
{
	int fd = (int)OS_RETRY(open(path, flags | O_CLOEXEC, mode));

	return fd < 0 ? -errno : fd;
}

int os_close(int fd)
{
	return close(fd) ? -errno : 0;
}

long os_read(int fd, void *buf, size_t len)
{
	long n = OS_RETRY(read(fd, buf, len));

	return n < 0 ? -errno : n;
}

long os_write(int fd, const void *buf, size_t len)
{
	long n = OS_RETRY(write(fd, buf, len));

	return n < 0 ? -errno : n;
}

long os_pread(int fd, void *buf, size_t len, uint64_t off)
{
	long n = OS_RETRY(pread(fd, buf, len, (off_t)off));

	return n < 0 ? -errno : n;
}

long os_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	long n = OS_RETRY(pwrite(fd, buf, len, (off_t)off));

	return n < 0 ? -errno : n;
}

int os_fsync(int fd)
{
	return OS_RETRY(fsync(fd)) ? -errno : 0;
}

int os_ftruncate(int fd, uint64_t len)
{
	return OS_RETRY(ftruncate(fd, (off_t)len)) ? -errno : 0;
}

int os_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

int os_fstat_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

long os_read_file(const char *path, char **out)
{
	int fd = os_open(path, O_RDONLY, 0);
	size_t cap = 65536, len = 0;
	char *buf;
	long n;

	if (fd < 0)
		return fd;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				n = -ENOMEM;
				goto out_free;
			}
			buf = nb;
			cap *= 2;
		}
		n = os_read(fd, buf + len, cap - len);
		if (n < 0)
			goto out_free;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	return (long)len;

out_free:
	free(buf);
	close(fd);
	return n;
}
