/*
 * The mconsole wire codec: requests, replies and notifications as UML
 * lays them out (reference/uml-interop.md §3).
 *
 * It calls no library at all, so the freestanding kernel, the host client
 * and the unit tests compile this same file. Every decoder trusts nothing
 * in the datagram: lengths are bounded by both the field limits and the
 * bytes actually received, and text always comes out NUL-terminated.
 */
#include "mconsole.h"

static void mc_copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

static void mc_zero(void *dst, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = 0;
}

/* A u32 at offset off of a datagram, in host byte order. */
static uint32_t mc_get32(const void *buf, size_t off)
{
	uint32_t v;

	mc_copy(&v, (const unsigned char *)buf + off, sizeof(v));
	return v;
}

static size_t mc_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

enum mc_req_status mc_request_decode(const void *buf, size_t n, char *cmd)
{
	const char *data = (const char *)buf + MC_REQUEST_HDR;
	size_t len;

	cmd[0] = '\0';
	if (n < MC_REQUEST_HDR || mc_get32(buf, 0) != MCONSOLE_MAGIC)
		return MC_REQ_V0;
	len = mc_get32(buf, 8);
	if (len >= MCONSOLE_MAX_DATA)
		return MC_REQ_TOO_LARGE;
	if (mc_get32(buf, 4) != MCONSOLE_VERSION)
		return MC_REQ_BAD_VERSION;
	if (len > n - MC_REQUEST_HDR)
		len = n - MC_REQUEST_HDR;
	len = mc_strnlen(data, len);
	mc_copy(cmd, data, len);
	cmd[len] = '\0';
	return MC_REQ_OK;
}

size_t mc_request_encode(struct mc_request *req, const char *cmd)
{
	size_t len = mc_strnlen(cmd, MC_REPLY_CHUNK);

	mc_zero(req, sizeof(*req));
	req->magic = MCONSOLE_MAGIC;
	req->version = MCONSOLE_VERSION;
	req->len = (uint32_t)len;
	mc_copy(req->data, cmd, len);
	return sizeof(*req);
}

size_t mc_reply_encode(struct mc_reply *r, uint32_t err, bool more,
		       const char *data, size_t len)
{
	if (len > MC_REPLY_CHUNK)
		len = MC_REPLY_CHUNK;
	r->err = err;
	r->more = more ? 1 : 0;
	r->len = (uint32_t)(len + 1);
	mc_copy(r->data, data, len);
	r->data[len] = '\0';
	return MC_REPLY_HDR + len + 1;
}

/*
 * Copy a datagram with a 32-bit length at len_off and data at hdr into
 * out (of hdr + MCONSOLE_MAX_DATA bytes), NUL-terminating the data.
 */
static int mc_decode_framed(const void *buf, size_t n, void *out, size_t hdr,
			    size_t len_off)
{
	char *data = (char *)out + hdr;
	uint32_t len;

	if (n < hdr)
		return -1;
	len = mc_get32(buf, len_off);
	if (len > MCONSOLE_MAX_DATA || len > n - hdr)
		return -1;
	mc_copy(out, buf, hdr + len);
	if (len < MCONSOLE_MAX_DATA)
		data[len] = '\0';
	else
		data[MCONSOLE_MAX_DATA - 1] = '\0';
	return 0;
}

int mc_reply_decode(const void *buf, size_t n, struct mc_reply *out)
{
	return mc_decode_framed(buf, n, out, MC_REPLY_HDR, 8);
}

size_t mc_notify_encode(struct mc_notify *msg, uint32_t type, const void *data,
			size_t len)
{
	if (len > MCONSOLE_MAX_DATA)
		len = MCONSOLE_MAX_DATA;
	msg->magic = MCONSOLE_MAGIC;
	msg->version = MCONSOLE_VERSION;
	msg->type = type;
	msg->len = (uint32_t)len;
	mc_copy(msg->data, data, len);
	return MC_NOTIFY_HDR + len;
}

int mc_notify_decode(const void *buf, size_t n, struct mc_notify *out)
{
	if (mc_decode_framed(buf, n, out, MC_NOTIFY_HDR, 12))
		return -1;
	return out->magic == MCONSOLE_MAGIC ? 0 : -1;
}

static bool mc_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

bool mc_command_is(const char *cmd, const char *name, const char **args)
{
	size_t i = 0;

	while (name[i] && cmd[i] == name[i])
		i++;
	if (name[i] || (cmd[i] && !mc_blank(cmd[i])))
		return false;
	while (mc_blank(cmd[i]))
		i++;
	if (args)
		*args = cmd + i;
	return true;
}
