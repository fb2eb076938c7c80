/*
 * Tiny harness shared by the guest test programs.
 *
 * Each program runs natively and inside ./linux, and the two outputs are
 * compared byte for byte, so nothing printed may depend on pids, addresses,
 * timings or the host. A program prints one "ok <what>" line per check group
 * and ends with "PASS <name>" (exit 0) or "FAIL <name>: <reason>" (exit 1).
 * stdout is line buffered so that fork() never duplicates pending output.
 */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *tg_name = "unknown";

static inline void tg_init(const char *name)
{
	tg_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Report a failed check and end the process (a child's failure reaches the
 * parent through its exit status). */
static inline void __attribute__((noreturn)) tg_fail(int line, const char *what)
{
	int err = errno;

	printf("FAIL %s: line %d: %s (errno %d: %s)\n", tg_name, line, what,
	       err, strerror(err));
	fflush(stdout);
	_exit(1);
}

#define CHECK(cond)                               \
	do {                                      \
		if (!(cond))                      \
			tg_fail(__LINE__, #cond); \
	} while (0)

/* CHECK that a call failed with the given errno. */
#define CHECK_ERR(call, err)                                          \
	do {                                                          \
		errno = 0;                                            \
		long tg_rc_ = (long)(call);                           \
		if (tg_rc_ != -1 || errno != (err))                   \
			tg_fail(__LINE__, #call " fails with " #err); \
	} while (0)

static inline void tg_ok(const char *what)
{
	printf("ok %s\n", what);
}

static inline int tg_pass(void)
{
	printf("PASS %s\n", tg_name);
	fflush(stdout);
	return 0;
}

/* Seconds on CLOCK_MONOTONIC, for loose duration checks only. */
static inline double tg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep a number of milliseconds, restarting after signals. */
static inline void tg_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

#endif
