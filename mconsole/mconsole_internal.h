/*
 * Private interfaces between the mconsole server (server.c: the socket,
 * framing, stop/go and notifications) and its commands (commands.c).
 */
#ifndef MCONSOLE_INTERNAL_H
#define MCONSOLE_INTERNAL_H

#include "compiler.h"
#include "mconsole.h"
#include "os/os.h"

/* One request being answered. */
struct mc_req {
	const char *cmd; /* the whole command, NUL-terminated */
	const char *args; /* the text after the command word and its blanks */
	struct os_mc_addr from; /* where replies go */
	uint64_t deadline; /* after it, full peer queues are not waited for */
	bool sent; /* at least one datagram reached the client */
	bool dead; /* the client stopped reading: drop further replies */
};

/* A command of the console: its word and what it does. */
struct mc_command {
	const char *name;
	/* Answer req with one or more mc_reply calls (never zero). */
	void (*handler)(struct mc_req *req);
};

/* The command whose word starts cmd, or NULL. Sets *args like mc_req. */
const struct mc_command *mc_command_find(const char *cmd, const char **args);

/*
 * Reply with len bytes of text, in chunks of at most MC_REPLY_CHUNK bytes:
 * err on the first chunk only, more=1 on every chunk but the last, whose
 * more flag is the argument. Never blocks for long: a client that stops
 * reading loses the rest.
 */
void mc_reply_len(struct mc_req *req, const char *text, size_t len,
		  uint32_t err, bool more);
/* mc_reply_len of a NUL-terminated text. */
void mc_reply(struct mc_req *req, const char *text, uint32_t err, bool more);

/*
 * stop: serve nothing but the console until a go request arrives. The
 * guest, timers and other interrupts wait meanwhile. Returns after go.
 */
void mc_serve_stopped(void);
/* Whether the machine is stopped by mc_serve_stopped. */
bool mc_is_stopped(void);
/* go: make mc_serve_stopped return. */
void mc_resume(void);

#endif
