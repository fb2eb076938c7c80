/*
 * uml_mconsole: the host's client for a machine's management console.
 *
 *   uml_mconsole [-d UML_DIR] NAME|PATH [COMMAND...]
 *
 * It speaks UML's mconsole protocol over an AF_UNIX datagram socket, with
 * the codec the kernel's server uses (mconsole/mconsole_proto.c), and keeps
 * the command line, output and exit status of Debian's uml_mconsole
 * (uml-utilities 20070815): with a COMMAND it runs that one command, prints
 * "OK <reply>" or "ERR <reply>" and exits with the reply's error code;
 * without, it reads commands with GNU readline until EOF. quit, switch,
 * int, log, umlfs and mconsole-version run here, help adds a local part
 * to the kernel's, and everything else is sent to the kernel.
 *
 * Unlike Debian's client it gives up on a silent machine after a timeout
 * ($UML_MCONSOLE_TIMEOUT seconds, default 10, 0 waits forever), never
 * signals a pid it could not read, finds the pid of machines under
 * /tmp/uml and -d UML_DIR too, and stays up after a local error in
 * interactive mode.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "mconsole.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The prompt shows this many characters of the name, as Debian's does. */
#define MCC_PROMPT_NAME 11
/* Text bytes per "log" request: "log " + text + NUL fits the data. */
#define MCC_LOG_CHUNK (MCONSOLE_MAX_DATA - sizeof("log ") - 1)
#define MCC_DEFAULT_TIMEOUT 10

/* The machine commands go to. */
struct mcc_target {
	bool valid; /* addr names a socket that existed at switch time */
	struct sockaddr_un addr;
	socklen_t addrlen;
	char name[MCC_PROMPT_NAME + 1];
	char pid_path[PATH_MAX]; /* its pid file, or "" when unknown */
};

/*
 * The client's one state struct: readline's completion callbacks take no
 * context pointer, so it is file-wide.
 */
static struct mcc_state {
	int fd; /* our datagram socket, bound to an abstract name */
	int timeout_ms; /* per reply datagram; -1 waits forever */
	const char *uml_dir; /* -d: tried first when resolving names */
	struct mcc_target target;
	size_t complete_next; /* completion generator's position */
} mcc = {
	.fd = -1,
	.timeout_ms = MCC_DEFAULT_TIMEOUT * 1000,
};

/* A growable NUL-terminated string: a reply's chunks joined. */
struct mcc_text {
	char *s;
	size_t len;
};

static const char mcc_local_help[] =
	"Additional local mconsole commands:\n"
	"    quit - Quit mconsole\n"
	"    switch <socket-name> - Switch control to the given machine\n"
	"    log -f <filename> - use contents of <filename> as UML log "
	"messages\n"
	"    mconsole-version - version of this mconsole program\n"
	"    int  - Interrupt UML session\n";

static void mcc_usage(void)
{
	fprintf(stderr, "Usage : uml_mconsole socket-name [command]\n");
	exit(1);
}

static void *mcc_xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		perror("uml_mconsole");
		exit(1);
	}
	return p;
}

static char *mcc_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p) {
		perror("uml_mconsole");
		exit(1);
	}
	return p;
}

static const char *mcc_skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Does s start with prefix? (Debian's commands match by prefix.) */
static bool mcc_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- choosing the machine ---- */

/*
 * Make sock the target if it exists (Debian checks only that stat works).
 * pid_path may be NULL. Returns 0, or -1 after a warning on stderr.
 */
static int mcc_try_socket(const char *sock, const char *pid_path,
			  const char *name)
{
	struct mcc_target *t = &mcc.target;
	struct stat st;
	size_t len = strlen(sock);

	if (stat(sock, &st) < 0) {
		fprintf(stderr, "Warning: couldn't stat file: %s - %s\n", sock,
			strerror(errno));
		return -1;
	}
	if (len >= sizeof(t->addr.sun_path)) {
		fprintf(stderr, "Warning: socket path too long: %s\n", sock);
		return -1;
	}
	memset(&t->addr, 0, sizeof(t->addr));
	t->addr.sun_family = AF_UNIX;
	memcpy(t->addr.sun_path, sock, len + 1);
	t->addrlen =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->pid_path, sizeof(t->pid_path), "%s",
		 pid_path ? pid_path : "");
	t->valid = true;
	return 0;
}

/* Try <dir>/<name>/mconsole, whose pid file is <dir>/<name>/pid. */
static int mcc_try_umid(const char *dir, const char *name)
{
	char sock[PATH_MAX], pid[PATH_MAX];
	int n, m;

	n = snprintf(sock, sizeof(sock), "%s/%s/mconsole", dir, name);
	m = snprintf(pid, sizeof(pid), "%s/%s/pid", dir, name);
	if (n < 0 || (size_t)n >= sizeof(sock) || m < 0 ||
	    (size_t)m >= sizeof(pid)) {
		fprintf(stderr, "Warning: name too long: %s/%s\n", dir, name);
		return -1;
	}
	return mcc_try_socket(sock, pid, name);
}

/*
 * Switch to the machine called name: <-d dir>/name/mconsole, then
 * $HOME/.uml/name/mconsole, then /tmp/uml/name/mconsole, then name as a
 * path, warning about each one that is missing. A directory is skipped
 * when name already starts with it, as in Debian's client. Returns 0, or
 * -1 with the previous target kept.
 */
static int mcc_switch(const char *name)
{
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	int n;

	if (mcc.uml_dir && !mcc_try_umid(mcc.uml_dir, name))
		return 0;
	if (home) {
		n = snprintf(dir, sizeof(dir), "%s/.uml", home);
		if (n > 0 && (size_t)n < sizeof(dir) &&
		    !mcc_starts(name, dir) && !mcc_try_umid(dir, name))
			return 0;
	}
	if (!mcc_starts(name, "/tmp/uml/") && !mcc_try_umid("/tmp/uml", name))
		return 0;
	return mcc_try_socket(name, NULL, name);
}

/* The target's pid from its pid file, or -1 when it can't be read. */
static long mcc_read_pid(void)
{
	char buf[32], *end;
	ssize_t n;
	long pid;
	int fd;

	if (!mcc.target.valid || !mcc.target.pid_path[0])
		return -1;
	fd = open(mcc.target.pid_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (end == buf || errno || pid <= 0 || pid > INT_MAX)
		return -1;
	return pid;
}

/* ---- the wire ---- */

/*
 * Bind a new socket to the abstract name "\0" + "%5d" of our pid, as
 * Debian's client does, or let the host pick a unique abstract name when
 * unique is set or something else holds that one. Exits on failure.
 */
static void mcc_open_socket(bool unique)
{
	struct sockaddr_un here = { .sun_family = AF_UNIX };

	mcc.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (mcc.fd < 0) {
		perror("socket");
		exit(1);
	}
	snprintf(here.sun_path + 1, sizeof(here.sun_path) - 1, "%5d",
		 (int)getpid());
	if (!unique &&
	    bind(mcc.fd, (struct sockaddr *)&here, sizeof(here)) == 0)
		return;
	if ((unique || errno == EADDRINUSE) &&
	    bind(mcc.fd, (struct sockaddr *)&here, sizeof(sa_family_t)) == 0)
		return;
	perror("bind");
	exit(1);
}

/*
 * After a timeout the reply may still come: move to a new address so that
 * it can't be taken for the next command's reply.
 */
static void mcc_renew_socket(void)
{
	close(mcc.fd);
	mcc_open_socket(true);
}

/* Throw away datagrams left over from a reply that timed out. */
static void mcc_drain(void)
{
	char buf[sizeof(struct mc_reply)];

	while (recv(mcc.fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

/*
 * Send command (cut to what a request holds), passing passfd along with
 * SCM_RIGHTS unless it is negative. Returns 0 or -errno.
 */
static int mcc_send(const char *command, int passfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct mc_request req;
	struct iovec iov = { .iov_base = &req };
	struct msghdr msg = {
		.msg_name = &mcc.target.addr,
		.msg_namelen = mcc.target.addrlen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *cmsg;

	if (!mcc.target.valid)
		return -EDESTADDRREQ;
	iov.iov_len = mc_request_encode(&req, command);
	if (passfd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
	}
	mcc_drain();
	if (sendmsg(mcc.fd, &msg, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Wait for one reply datagram and decode it into r. Returns 0, or -1
 * after saying why on stderr: no reply in time, a receive error, or a
 * datagram that is not a well-formed reply.
 */
static int mcc_recv_chunk(struct mc_reply *r)
{
	struct pollfd pfd = { .fd = mcc.fd, .events = POLLIN };
	char buf[sizeof(struct mc_reply)];
	ssize_t n;
	int ready;

	for (;;) {
		ready = poll(&pfd, 1, mcc.timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			perror("poll");
			return -1;
		}
		if (ready == 0) {
			fprintf(stderr,
				"uml_mconsole: no reply from '%s' within %d "
				"s\n",
				mcc.target.addr.sun_path,
				mcc.timeout_ms / 1000);
			mcc_renew_socket();
			return -1;
		}
		n = recv(mcc.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			perror("recvmsg");
			return -1;
		}
		if (mc_reply_decode(buf, (size_t)n, r) == 0)
			return 0;
		fprintf(stderr, "uml_mconsole: malformed reply (%zd bytes)\n",
			n);
		return -1;
	}
}

static void mcc_text_append(struct mcc_text *t, const char *s)
{
	size_t n = strlen(s);

	t->s = mcc_xrealloc(t->s, t->len + n + 1);
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/*
 * Collect a reply: chunks until one has more == 0, their text joined into
 * out (which stays NULL if nothing arrived). Returns the last chunk's err
 * (Debian's client does too, so a long reply's error is lost), or 1 when
 * the reply was cut short.
 */
static int mcc_receive(struct mcc_text *out)
{
	struct mc_reply r;

	do {
		if (mcc_recv_chunk(&r))
			return 1;
		mcc_text_append(out, r.data);
	} while (r.more);
	return (int)r.err;
}

/* ---- commands ---- */

static int mcc_print_reply(int err, const char *output)
{
	printf("%s %s\n", err ? "ERR" : "OK", output);
	return err;
}

/*
 * from (len bytes) made absolute the way Debian's client does it: the
 * directory part resolved to its physical path, the last component kept.
 * Returns a malloc'ed string: a copy of from, after Debian's warning, when
 * the directory can't be resolved.
 */
static char *mcc_absolutize(const char *from, size_t len)
{
	const char *slash = memrchr(from, '/', len);
	size_t dirlen = slash ? (size_t)(slash - from) : 0;
	char *dir = NULL, *base, *abs = NULL;

	if (slash) {
		dir = mcc_xstrndup(from, dirlen);
		base = realpath(dir, NULL);
	} else {
		base = getcwd(NULL, 0);
	}
	if (!base)
		fprintf(stderr, "absolutize : Can't cd to '%s', %s\n",
			dir ? dir : ".", strerror(errno));
	else if (asprintf(&abs, "%s%s%.*s", base, slash ? "" : "/",
			  (int)(len - dirlen), from + dirlen) < 0)
		abs = NULL;
	free(base);
	free(dir);
	return abs ? abs : mcc_xstrndup(from, len);
}

/*
 * "config ubd<N...>=[COW,]FILE": the kernel opens these files from its own
 * working directory, so relative names are made absolute here, as
 * Debian's client does. Returns the new command (malloc'ed), or NULL to
 * send command unchanged.
 */
static char *mcc_fix_filenames(const char *command)
{
	const char *p, *spec, *comma;
	char *cow = NULL, *backing, *fixed;

	if (!mcc_starts(command, "config"))
		return NULL;
	p = mcc_skip_space(command + strlen("config"));
	if (!mcc_starts(p, "ubd"))
		return NULL;
	p = strchr(p, '=');
	if (!p)
		return NULL;
	spec = p + 1;
	comma = strchr(spec, ',');
	if (comma) {
		cow = mcc_absolutize(spec, (size_t)(comma - spec));
		backing = mcc_absolutize(comma + 1, strlen(comma + 1));
	} else {
		backing = mcc_absolutize(spec, strlen(spec));
	}
	if (asprintf(&fixed, "%.*s%s%s%s", (int)(spec - command), command,
		     cow ? cow : "", cow ? "," : "", backing) < 0)
		fixed = NULL;
	free(cow);
	free(backing);
	return fixed;
}

/*
 * Send command to the kernel and print its reply. Returns the reply's
 * err, or 1 when nothing could be sent or the reply was cut short.
 */
static int mcc_cmd_default(const char *command)
{
	struct mcc_text output = { 0 };
	char *fixed = mcc_fix_filenames(command);
	int err;

	err = mcc_send(fixed ? fixed : command, -1);
	free(fixed);
	if (err == -EDESTADDRREQ) {
		fprintf(stderr, "uml_mconsole: no machine selected; use "
				"switch <name>\n");
		return 1;
	}
	if (err < 0) {
		fprintf(stderr, "Sending command to '%s' : %s\n",
			mcc.target.addr.sun_path, strerror(-err));
		return 1;
	}
	err = mcc_receive(&output);
	if (output.s)
		mcc_print_reply(err, output.s);
	free(output.s);
	return err;
}

static int mcc_cmd_quit(char *command)
{
	exit(0);
}

/* The kernel's help, then ours. Always 0, as in Debian's client. */
static int mcc_cmd_help(char *command)
{
	mcc_cmd_default(command);
	fputs(mcc_local_help, stdout);
	return 0;
}

static int mcc_cmd_switch(char *command)
{
	const char *name = mcc_skip_space(command + strlen("switch"));

	if (mcc_switch(name))
		return 1;
	printf("Switched to '%s'\n", name);
	return 0;
}

/* Send text as "log" requests of at most MCC_LOG_CHUNK bytes each. */
static bool mcc_log_text(const char *text, size_t len)
{
	char buf[MCONSOLE_MAX_DATA];
	size_t chunk;
	bool newline = false;

	while (len > 0) {
		chunk = len < MCC_LOG_CHUNK ? len : MCC_LOG_CHUNK;
		snprintf(buf, sizeof(buf), "log %.*s", (int)chunk, text);
		mcc_cmd_default(buf);
		newline = text[chunk - 1] == '\n';
		text += chunk;
		len -= chunk;
	}
	return newline;
}

/* log -f FILE: one "log" request per read of the file. */
static int mcc_log_file(const char *path, bool *newline)
{
	char buf[MCONSOLE_MAX_DATA];
	const size_t off = strlen("log ");
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("opening file");
		return 1;
	}
	memcpy(buf, "log ", off);
	while ((n = read(fd, buf + off, MCC_LOG_CHUNK)) > 0) {
		buf[off + (size_t)n] = '\0';
		mcc_cmd_default(buf);
		*newline = buf[off + (size_t)n - 1] == '\n';
	}
	if (n < 0) {
		perror("reading file");
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/*
 * log TEXT or log -f FILE: the text goes to the kernel's log in chunks,
 * followed by "log \n" when it does not end in a newline (so a one-line
 * log prints two OK lines). Returns 0 whatever the kernel said, as in
 * Debian's client; 1 if the file can't be read.
 */
static int mcc_cmd_log(char *command)
{
	const char *arg = mcc_skip_space(command + strlen("log"));
	bool newline = false;

	if (mcc_starts(arg, "-f")) {
		if (mcc_log_file(mcc_skip_space(arg + strlen("-f")), &newline))
			return 1;
	} else {
		newline = mcc_log_text(arg, strlen(arg));
	}
	if (!newline)
		mcc_cmd_default("log \n");
	return 0;
}

/*
 * umlfs FD: pass FD to the kernel along with the command (UML's FUSE
 * hook; current kernels answer "Unknown command"). Returns the reply's
 * err, -EINVAL for a bad FD or -errno when it can't be sent.
 */
static int mcc_cmd_umlfs(char *command)
{
	const char *arg = mcc_skip_space(command + strlen("umlfs"));
	struct mcc_text output = { 0 };
	unsigned long fd;
	char *end;
	int err;

	errno = 0;
	fd = strtoul(arg, &end, 0);
	if (*end)
		return mcc_print_reply(-EINVAL,
				       "Failed to parse file descriptor");
	err = (errno || fd > INT_MAX) ? -EBADF : mcc_send(command, (int)fd);
	if (err < 0)
		return mcc_print_reply(err,
				       "Failed to send FUSE file descriptor");
	err = mcc_receive(&output);
	if (output.s)
		mcc_print_reply(err, output.s);
	free(output.s);
	return err;
}

static int mcc_cmd_version(char *command)
{
	printf("uml_mconsole client version %d\n", MCONSOLE_VERSION);
	return 0;
}

/* int: SIGINT to the machine's process, whose pid is in its pid file. */
static int mcc_cmd_int(char *command)
{
	long pid = mcc_read_pid();

	if (pid < 0) {
		printf("Cannot determine the PID of your UML session, not "
		       "sending signal.\n");
		return 0;
	}
	if (kill((pid_t)pid, SIGINT) < 0)
		fprintf(stderr, "uml_mconsole: sending SIGINT to pid %ld: %s\n",
			pid, strerror(errno));
	return 0;
}

/* A command run here; it gets the whole line and returns the status. */
struct mcc_local_cmd {
	const char *name;
	int (*run)(char *command);
};

/* Matched by prefix, in this order, as in Debian's client. */
static const struct mcc_local_cmd mcc_local_cmds[] = {
	{ .name = "quit", .run = mcc_cmd_quit },
	{ .name = "help", .run = mcc_cmd_help },
	{ .name = "switch", .run = mcc_cmd_switch },
	{ .name = "log", .run = mcc_cmd_log },
	{ .name = "umlfs", .run = mcc_cmd_umlfs },
	{ .name = "mconsole-version", .run = mcc_cmd_version },
	{ .name = "int", .run = mcc_cmd_int },
};

/*
 * Run one command line (modified: trailing blanks are cut). Returns its
 * status: the kernel's err, 1 for a failure here, 0 otherwise.
 */
static int mcc_issue(char *command)
{
	size_t len = strlen(command), i;

	while (len > 0 && isspace((unsigned char)command[len - 1]))
		command[--len] = '\0';
	for (i = 0; i < ARRAY_SIZE(mcc_local_cmds); i++)
		if (mcc_starts(command, mcc_local_cmds[i].name))
			return mcc_local_cmds[i].run(command);
	return mcc_cmd_default(command);
}

/* One-shot mode: the words joined with spaces make one command. */
static int mcc_issue_words(char **words)
{
	struct mcc_text command = { 0 };
	int status, i;

	mcc_text_append(&command, "");
	for (i = 0; words[i]; i++) {
		if (i > 0)
			mcc_text_append(&command, " ");
		mcc_text_append(&command, words[i]);
	}
	status = mcc_issue(command.s);
	free(command.s);
	return status;
}

/* ---- interactive mode ---- */

/* What TAB completes as the first word: the kernel's commands and ours. */
static const char *const mcc_words[] = {
	"cad",	   "config", "go",     "halt",
	"help",	   "int",    "log",    "mconsole-version",
	"proc",	   "quit",   "reboot", "remove",
	"stack",   "stop",   "switch", "sysrq",
	"version",
};

static char *mcc_complete_word(const char *text, int state)
{
	size_t len = strlen(text);
	const char *w;

	if (!state)
		mcc.complete_next = 0;
	while (mcc.complete_next < ARRAY_SIZE(mcc_words)) {
		w = mcc_words[mcc.complete_next++];
		if (!strncmp(w, text, len))
			return strdup(w);
	}
	return NULL;
}

/* The first word completes to a command; later ones to file names. */
static char **mcc_complete(const char *text, int start, int end)
{
	int i;

	for (i = 0; i < start; i++)
		if (!isspace((unsigned char)rl_line_buffer[i]))
			return NULL;
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, mcc_complete_word);
}

static int mcc_interactive(void)
{
	char prompt[sizeof(mcc.target.name) + 4];
	char *line;

	rl_readline_name = "uml_mconsole";
	rl_attempted_completion_function = mcc_complete;
	for (;;) {
		snprintf(prompt, sizeof(prompt), "(%s) ", mcc.target.name);
		line = readline(prompt);
		if (!line)
			break;
		if (*line)
			add_history(line);
		mcc_issue(line);
		free(line);
	}
	printf("\n");
	return 0;
}

/* $UML_MCONSOLE_TIMEOUT: whole seconds to wait for each reply datagram. */
static void mcc_read_timeout(void)
{
	const char *s = getenv("UML_MCONSOLE_TIMEOUT");
	char *end;
	long secs;

	if (!s || !*s)
		return;
	errno = 0;
	secs = strtol(s, &end, 10);
	if (*end || errno || secs < 0 || secs > INT_MAX / 1000) {
		fprintf(stderr,
			"uml_mconsole: ignoring UML_MCONSOLE_TIMEOUT=%s\n", s);
		return;
	}
	mcc.timeout_ms = secs ? (int)secs * 1000 : -1;
}

int main(int argc, char **argv)
{
	int arg = 1;

	if (argc >= 2 && !strcmp(argv[1], "-d")) {
		if (argc < 4)
			mcc_usage();
		mcc.uml_dir = argv[2];
		arg = 3;
	}
	if (arg >= argc)
		mcc_usage();
	snprintf(mcc.target.name, sizeof(mcc.target.name), "[None]");
	mcc_switch(argv[arg]);
	mcc_read_timeout();
	mcc_open_socket(false);
	if (arg + 1 < argc)
		exit(mcc_issue_words(argv + arg + 1));
	return mcc_interactive();
}
