/*
 * The host half of the machine's identity and its management console:
 * the umid directory (<uml_dir><umid>/, with the pid file and socket) and
 * the AF_UNIX datagram socket mconsole clients talk to. Nothing here ever
 * blocks: the socket is non-blocking and replies are sent with
 * MSG_DONTWAIT (a client that does not read loses them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "os.h"
#include "os_internal.h"

/* How long to pause before retrying a send to a full peer queue. */
#define MC_SEND_RETRY_NS 200000

_Static_assert(sizeof(((struct os_mc_addr *)0)->raw) >=
		       sizeof(struct sockaddr_un),
	       "os_mc_addr holds a sockaddr_un");

/* mkdir every missing component of path (which is writable scratch). */
static int mkdir_parents(char *path, int mode)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, (mode_t)mode) && errno != EEXIST) {
			int err = -errno;

			*p = '/';
			return err;
		}
		*p = '/';
	}
	if (mkdir(path, (mode_t)mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int os_umid_mkdir(const char *path, int mode, bool exclusive)
{
	char buf[4096];
	struct stat st;
	size_t len = strlen(path);

	if (exclusive)
		return mkdir(path, (mode_t)mode) ? -errno : 0;
	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	if (!stat(buf, &st))
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	return mkdir_parents(buf, mode);
}

int os_umid_remove(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) &&
		    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(path) && !err)
		err = -errno;
	return err;
}

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	if (len >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}

int os_mc_open(const char *path)
{
	struct sockaddr_un sun;
	int fd, err;

	err = unix_addr(path, &sun);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return err;
}

long os_mc_recv(int fd, void *buf, size_t size, struct os_mc_addr *from)
{
	socklen_t alen = sizeof(from->raw);
	long n;

	memset(from->raw, 0, sizeof(from->raw));
	n = OS_RETRY(recvfrom(fd, buf, size, MSG_DONTWAIT,
			      (struct sockaddr *)from->raw, &alen));
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	from->len = alen <= sizeof(from->raw) ? (uint32_t)alen : 0;
	return n;
}

long os_mc_send(int fd, const void *buf, size_t len,
		const struct os_mc_addr *to, int64_t wait_ns)
{
	const struct timespec pause = { .tv_nsec = MC_SEND_RETRY_NS };
	int64_t waited = 0;
	long n;

	if (to->len <= sizeof(sa_family_t))
		return -EDESTADDRREQ;
	for (;;) {
		n = OS_RETRY(sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
				    (const struct sockaddr *)to->raw,
				    (socklen_t)to->len));
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (waited >= wait_ns)
			return -EAGAIN;
		nanosleep(&pause, NULL);
		waited += MC_SEND_RETRY_NS;
	}
}

int os_mc_notify(const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sun;
	long n;
	int fd, err;

	err = unix_addr(path, &sun);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = OS_RETRY(sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			    (struct sockaddr *)&sun, sizeof(sun)));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}
