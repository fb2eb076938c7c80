/*
 * The mconsole server: UML's management console on the datagram socket
 * <umid dir>/mconsole, plus the notify socket (mconsole=notify:PATH).
 *
 * Guarantees: no datagram can block or crash the kernel. Each interrupt
 * takes a bounded number of datagrams (the socket stays readable for the
 * rest); each is decoded by the codec, which bounds every length; replies
 * go to the sender's address (abstract names included) and are dropped
 * when the sender does not read them. While stopped, only this socket is
 * served: the guest, timers and other interrupts wait for go.
 */
#include "err.h"
#include "irq.h"
#include "klib.h"
#include "mconsole_internal.h"
#include "printk.h"
#include "procfs.h"
#include "timer.h"
#include "umid.h"

/* Datagrams taken per interrupt before the idle loop runs again. */
#define MC_DRAIN_MAX 64
/*
 * How long one request's later chunks may wait for a client's full queue
 * (Linux queues only max_dgram_qlen, often 10, datagrams per socket).
 */
#define MC_REPLY_WAIT_NS (1000 * NSEC_PER_MSEC)
/* sun_path of struct sockaddr_un. */
#define MC_SOCK_PATH_MAX 108
#define MC_NOTIFY_PREFIX "notify:"

struct mc_server {
	int fd; /* the bound socket, or -1 */
	struct irq *irq;
	char path[MC_SOCK_PATH_MAX];
	char notify[MC_SOCK_PATH_MAX]; /* the notify socket, "" for none */
	bool stopped;
};

static struct mc_server mc_server = { .fd = -1 };

/* Send one datagram of req's reply; give up on a client that stalls. */
static void mc_send(struct mc_req *req, const void *buf, size_t len)
{
	int64_t wait = 0;
	long r;

	if (req->dead)
		return;
	if (req->sent) {
		uint64_t now = os_time_mono_ns();

		wait = now < req->deadline ? (int64_t)(req->deadline - now) : 0;
	}
	r = os_mc_send(mc_server.fd, buf, len, &req->from, wait);
	if (r < 0)
		req->dead = true;
	else
		req->sent = true;
}

void mc_reply_len(struct mc_req *req, const char *text, size_t len,
		  uint32_t err, bool more)
{
	struct mc_reply r;

	do {
		size_t n = len < MC_REPLY_CHUNK ? len : MC_REPLY_CHUNK;
		size_t size =
			mc_reply_encode(&r, err, n < len || more, text, n);

		mc_send(req, &r, size);
		err = 0;
		text += n;
		len -= n;
	} while (len);
}

void mc_reply(struct mc_req *req, const char *text, uint32_t err, bool more)
{
	mc_reply_len(req, text, kstrlen(text), err, more);
}

/* Answer one datagram of n bytes from from. */
static void mc_handle(const void *buf, size_t n, const struct os_mc_addr *from)
{
	char cmd[MCONSOLE_MAX_DATA];
	struct mc_req req = {
		.cmd = cmd,
		.args = cmd,
		.from = *from,
		.deadline = os_time_mono_ns() + MC_REPLY_WAIT_NS,
	};
	const struct mc_command *c;

	switch (mc_request_decode(buf, n, cmd)) {
	case MC_REQ_V0:
		os_mc_send(mc_server.fd, MC_V0_REPLY, sizeof(MC_V0_REPLY) - 1,
			   from, 0);
		return;
	case MC_REQ_TOO_LARGE:
		mc_reply(&req, "Request too large", 1, false);
		return;
	case MC_REQ_BAD_VERSION:
		mc_reply(&req, "This driver only supports version 2 clients", 1,
			 false);
		return;
	case MC_REQ_OK:
		break;
	}
	c = mc_command_find(cmd, &req.args);
	if (!c) {
		mc_reply(&req, "Unknown command", 1, false);
		return;
	}
	c->handler(&req);
}

/* Answer the datagrams waiting on the socket, at most MC_DRAIN_MAX. */
static void mc_drain(void)
{
	struct mc_request buf;
	struct os_mc_addr from;
	int i;

	for (i = 0; i < MC_DRAIN_MAX; i++) {
		long n = os_mc_recv(mc_server.fd, &buf, sizeof(buf), &from);

		if (n < 0)
			return;
		mc_handle(&buf, (size_t)n, &from);
	}
}

static void mc_interrupt(void *data)
{
	mc_drain();
}

void mc_serve_stopped(void)
{
	struct mc_server *s = &mc_server;

	s->stopped = true;
	while (s->stopped) {
		if (os_fd_wait(s->fd, OS_EV_IN, -1) < 0)
			break;
		mc_drain();
	}
	s->stopped = false;
}

bool mc_is_stopped(void)
{
	return mc_server.stopped;
}

void mc_resume(void)
{
	mc_server.stopped = false;
}

/* Send a notification to the notify socket, if there is one. */
static void mc_notify(uint32_t type, const void *data, size_t len)
{
	struct mc_notify msg;
	size_t size;

	if (!mc_server.notify[0])
		return;
	size = mc_notify_encode(&msg, type, data, len);
	os_mc_notify(mc_server.notify, &msg, size);
}

void mconsole_notify_panic(const char *msg)
{
	mc_notify(MCONSOLE_PANIC, msg, kstrlen(msg) + 1);
}

/* /proc/mconsole: what the guest writes goes to the notify socket. */
static long mc_proc_write(const char *buf, size_t len)
{
	mc_notify(MCONSOLE_USER_NOTIFY, buf, len);
	return (long)len;
}

int mconsole_setup(const char *key, const char *value, const char **why)
{
	const char *path;

	if (kstrcmp(key, "mconsole"))
		return 0;
	if (!value || !kstarts_with(value, MC_NOTIFY_PREFIX)) {
		*why = "expected mconsole=notify:<socket path>";
		return -EINVAL;
	}
	path = value + kstrlen(MC_NOTIFY_PREFIX);
	if (!*path || kstrlen(path) >= sizeof(mc_server.notify)) {
		*why = "the notify socket path must be 1 to 107 characters";
		return -EINVAL;
	}
	kstrlcpy(mc_server.notify, path, sizeof(mc_server.notify));
	printk_set_panic_hook(mconsole_notify_panic);
	procfs_set_mconsole_handler(mc_proc_write);
	return 1;
}

int mconsole_init(void)
{
	struct mc_server *s = &mc_server;
	const char *dir = umid_dir();
	size_t len;
	int err;

	if (!*dir)
		return -ENOENT;
	len = (size_t)ksnprintf(s->path, sizeof(s->path), "%s/mconsole", dir);
	if (len >= sizeof(s->path)) {
		printk(KERN_ERR "mconsole: %s/mconsole is too long for a "
				"socket path\n",
		       dir);
		err = -ENAMETOOLONG;
		goto out_forget;
	}
	s->fd = os_mc_open(s->path);
	if (s->fd < 0) {
		err = s->fd;
		printk(KERN_ERR "mconsole: cannot open %s (error %d)\n",
		       s->path, -err);
		goto out_forget;
	}
	s->irq = irq_register(s->fd, IRQ_IN, mc_interrupt, NULL);
	if (IS_ERR(s->irq)) {
		err = (int)PTR_ERR(s->irq);
		goto out_close;
	}
	printk(KERN_INFO "mconsole (version 2) initialized on %s\n", s->path);
	mc_notify(MCONSOLE_SOCKET, s->path, len + 1);
	return 0;

out_close:
	os_close(s->fd);
	s->fd = -1;
	s->irq = NULL;
out_forget:
	s->path[0] = '\0';
	return err;
}
