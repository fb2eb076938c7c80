/*
 * The management console (mconsole): UML's wire format, shared by the
 * in-kernel server (mconsole/) and the uml_mconsole client (tools/), and
 * the kernel's interfaces to it.
 *
 * Every field is a u32 in host byte order (reference/uml-interop.md §3).
 * The codec in mconsole/mconsole_proto.c calls no library, so the
 * freestanding kernel and the host client compile the same file.
 */
#ifndef MCONSOLE_H
#define MCONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCONSOLE_MAGIC 0xcafebabeU
#define MCONSOLE_VERSION 2
#define MCONSOLE_MAX_DATA 512

/* A request datagram; clients send all 524 bytes, len says what counts. */
struct mc_request {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

/* A reply datagram: 12 + len bytes; len counts the data's NUL. */
struct mc_reply {
	uint32_t err; /* 0 OK, 1 error, or a negative errno */
	uint32_t more; /* 1 on every chunk of a long reply but the last */
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

/* Notification types of struct mc_notify. */
enum mc_notify_type {
	MCONSOLE_SOCKET = 0,
	MCONSOLE_PANIC = 1,
	MCONSOLE_HANG = 2,
	MCONSOLE_USER_NOTIFY = 3,
};

/* A notification datagram sent to mconsole=notify:PATH: 16 + len bytes. */
struct mc_notify {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	uint32_t len;
	char data[MCONSOLE_MAX_DATA];
} __attribute__((packed));

#define MC_REQUEST_HDR 12
#define MC_REPLY_HDR 12
#define MC_NOTIFY_HDR 16

/*
 * A device family that mconsole's config and remove reach ("ubd", later
 * "con", "eth"). Registered once at boot with mc_device_register.
 */
struct mc_device {
	const char *name;
	/*
	 * config <name><spec>: spec is the rest, e.g. "1=disk.img" for
	 * "ubd1=disk.img". 0, or -errno with a message in err.
	 */
	int (*config)(const char *spec, char *err, size_t errlen);
	/*
	 * config <name><unit>: the unit's current setting into buf ("" if
	 * unconfigured). 0, or -errno with a message in err.
	 */
	int (*get_config)(const char *unit, char *buf, size_t size, char *err,
			  size_t errlen);
	/* remove <name><unit>: 0, or -errno with a message in err. */
	int (*remove)(const char *unit, char *err, size_t errlen);
};

int mc_device_register(const struct mc_device *dev);

/* ---- the codec (mconsole/mconsole_proto.c), kernel and client alike ---- */

/* The most text one reply datagram carries (its NUL follows). */
#define MC_REPLY_CHUNK (MCONSOLE_MAX_DATA - 1)

/* The raw text (no header, no NUL) sent to a client without the magic. */
#define MC_V0_REPLY \
	"ERR Version 0 mconsole clients are not supported by this driver"

enum mc_req_status {
	MC_REQ_OK,
	MC_REQ_V0, /* shorter than a header, or no magic: a version 0 client */
	MC_REQ_TOO_LARGE, /* len >= MCONSOLE_MAX_DATA */
	MC_REQ_BAD_VERSION, /* magic right, version not MCONSOLE_VERSION */
};

/*
 * Decode a request datagram of n bytes. On MC_REQ_OK, cmd (which holds
 * MCONSOLE_MAX_DATA bytes) receives the command: the first len bytes of
 * data (no more than the datagram holds), cut at the first NUL and
 * NUL-terminated.
 */
enum mc_req_status mc_request_decode(const void *buf, size_t n, char *cmd);

/*
 * Fill req for the command cmd (cut to MC_REPLY_CHUNK bytes). Returns the
 * datagram size: the whole struct, as uml_mconsole sends it.
 */
size_t mc_request_encode(struct mc_request *req, const char *cmd);

/*
 * Fill one reply datagram with len bytes of data (cut to MC_REPLY_CHUNK)
 * and a NUL. Returns the datagram size, MC_REPLY_HDR + len + 1.
 */
size_t mc_reply_encode(struct mc_reply *r, uint32_t err, bool more,
		       const char *data, size_t len);

/*
 * Check a received reply of n bytes and copy it to out: the header is
 * whole, len is at most MCONSOLE_MAX_DATA and within the datagram. out's
 * data is always NUL-terminated. 0, or -1 for a malformed datagram.
 */
int mc_reply_decode(const void *buf, size_t n, struct mc_reply *out);

/*
 * Fill a notification of type with len bytes of data (cut to
 * MCONSOLE_MAX_DATA; not terminated). Returns the datagram size.
 */
size_t mc_notify_encode(struct mc_notify *msg, uint32_t type, const void *data,
			size_t len);

/* Check a received notification like mc_reply_decode. 0 or -1. */
int mc_notify_decode(const void *buf, size_t n, struct mc_notify *out);

/*
 * Whether the first word of cmd (up to a blank or the end) is exactly
 * name. If so and args is not NULL, *args points past the word and the
 * blanks after it.
 */
bool mc_command_is(const char *cmd, const char *name, const char **args);

/* ---- the kernel's server (mconsole/server.c) ---- */

/*
 * Boot option hook for mconsole=notify:PATH (struct boot_option_hook):
 * 1 taken, 0 not ours, -EINVAL with *why for a bad value.
 */
int mconsole_setup(const char *key, const char *value, const char **why);

/*
 * Open <umid dir>/mconsole and start serving requests, then tell the
 * notify socket. Without a umid directory there is no console. 0 or
 * -errno (the machine runs on without a console).
 */
int mconsole_init(void);

/*
 * The machine panics: send MCONSOLE_PANIC with msg to the notify socket.
 * Safe at any time, also before mconsole_init and when it failed.
 */
void mconsole_notify_panic(const char *msg);

#endif
