/*
 * Host half of the kernel's random generator: seed bytes from the host's
 * getrandom(2).
 */
#include <errno.h>
#include <sys/random.h>

#include "os.h"

int os_getrandom(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return (int)done;
}
