/*
 * Host half of the fd channel: waiting on a host descriptor that may be
 * non-blocking (a terminal shared with the shell that started us).
 */
#include <errno.h>
#include <poll.h>

#include "os.h"
#include "os_internal.h"

int os_fd_wait(int fd, uint32_t events, int64_t timeout_ns)
{
	struct pollfd p = {
		.fd = fd,
		.events = (short)((events & OS_EV_IN ? POLLIN : 0) |
				  (events & OS_EV_OUT ? POLLOUT : 0)),
	};
	int timeout_ms = timeout_ns < 0 ? -1 : (int)(timeout_ns / 1000000);
	uint32_t ready = 0;
	int n;

	n = (int)OS_RETRY(poll(&p, 1, timeout_ms));
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (p.revents & POLLNVAL)
		return -EBADF;
	if (p.revents & POLLIN)
		ready |= OS_EV_IN;
	if (p.revents & POLLOUT)
		ready |= OS_EV_OUT;
	if (p.revents & POLLERR)
		ready |= OS_EV_ERR;
	if (p.revents & POLLHUP)
		ready |= OS_EV_HUP;
	return (int)ready;
}
