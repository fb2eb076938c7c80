/*
 * syslog(2): the kernel log for dmesg and klogd. Reads hand out whole
 * lines in syslog form ("<6>[    0.000000] Linux version ...") from the
 * printk ring. READ consumes lines and sleeps until there is one;
 * READ_ALL copies the newest lines that fit without consuming; CLEAR
 * makes READ_ALL start after what is logged now. As with Linux's
 * dmesg_restrict = 0, anyone may READ_ALL and ask the buffer size; the
 * rest needs root.
 */
#include "klib.h"
#include "printk.h"
#include "sched.h"
#include "syscall.h"
#include "wait.h"

/* The actions of syslog(2) (Linux's SYSLOG_ACTION_*). */
enum syslog_action {
	SYSLOG_ACTION_CLOSE = 0,
	SYSLOG_ACTION_OPEN = 1,
	SYSLOG_ACTION_READ = 2,
	SYSLOG_ACTION_READ_ALL = 3,
	SYSLOG_ACTION_READ_CLEAR = 4,
	SYSLOG_ACTION_CLEAR = 5,
	SYSLOG_ACTION_CONSOLE_OFF = 6,
	SYSLOG_ACTION_CONSOLE_ON = 7,
	SYSLOG_ACTION_CONSOLE_LEVEL = 8,
	SYSLOG_ACTION_SIZE_UNREAD = 9,
	SYSLOG_ACTION_SIZE_BUFFER = 10,
};

/* Console levels of CONSOLE_OFF and CONSOLE_LEVEL (Linux's). */
#define SYSLOG_MIN_CONSOLE_LEVEL 1
#define SYSLOG_MAX_CONSOLE_LEVEL 8
#define SYSLOG_LEVEL_NONE (-1)

struct syslog_state {
	uint64_t read_seq; /* where READ continues */
	uint64_t clear_seq; /* where READ_ALL starts */
	int saved_console_level; /* before CONSOLE_OFF, or LEVEL_NONE */
};

static struct syslog_state syslog_state = {
	.saved_console_level = SYSLOG_LEVEL_NONE,
};

static bool syslog_allowed(int type)
{
	if (type == SYSLOG_ACTION_READ_ALL || type == SYSLOG_ACTION_SIZE_BUFFER)
		return true;
	return capable_root();
}

/*
 * Copy what printk_syslog_read gives from *seq into the guest's buffer of
 * len bytes; *seq moves only when the copy succeeds. Bytes or -errno.
 */
static long syslog_copy(uint64_t *seq, uaddr_t ubuf, size_t len)
{
	size_t want = MIN(len, printk_syslog_size(*seq));
	uint64_t s = *seq;
	char *kbuf;
	size_t n;
	long err;

	if (want == 0)
		return 0;
	kbuf = kmalloc(want);
	if (!kbuf)
		return -ENOMEM;
	n = printk_syslog_read(&s, kbuf, want);
	err = copy_to_user(ubuf, kbuf, n);
	kfree(kbuf);
	if (err)
		return err;
	*seq = s;
	return (long)n;
}

static long syslog_read(uaddr_t ubuf, size_t len)
{
	struct syslog_state *st = &syslog_state;
	int err = wait_event_interruptible(
		printk_log_wait(), printk_syslog_size(st->read_seq) > 0);

	if (err)
		return err;
	return syslog_copy(&st->read_seq, ubuf, len);
}

static long syslog_read_all(uaddr_t ubuf, size_t len, bool clear)
{
	struct syslog_state *st = &syslog_state;
	uint64_t seq = printk_syslog_tail(st->clear_seq, len);
	long n = syslog_copy(&seq, ubuf, len);

	if (n >= 0 && clear)
		st->clear_seq = seq;
	return n;
}

static long syslog_console_level(int level)
{
	if (level < SYSLOG_MIN_CONSOLE_LEVEL ||
	    level > SYSLOG_MAX_CONSOLE_LEVEL)
		return -EINVAL;
	printk_set_console_level(level);
	syslog_state.saved_console_level = SYSLOG_LEVEL_NONE;
	return 0;
}

SYSCALL3(syslog, int, type, uaddr_t, ubuf, int, len)
{
	struct syslog_state *st = &syslog_state;

	if (!syslog_allowed(type))
		return -EPERM;
	switch (type) {
	case SYSLOG_ACTION_CLOSE:
	case SYSLOG_ACTION_OPEN:
		return 0;
	case SYSLOG_ACTION_READ:
	case SYSLOG_ACTION_READ_ALL:
	case SYSLOG_ACTION_READ_CLEAR:
		if (!ubuf || len < 0)
			return -EINVAL;
		if (len == 0)
			return 0;
		if (type == SYSLOG_ACTION_READ)
			return syslog_read(ubuf, (size_t)len);
		return syslog_read_all(ubuf, (size_t)len,
				       type == SYSLOG_ACTION_READ_CLEAR);
	case SYSLOG_ACTION_CLEAR:
		st->clear_seq = printk_log_seq();
		return 0;
	case SYSLOG_ACTION_CONSOLE_OFF:
		if (st->saved_console_level == SYSLOG_LEVEL_NONE)
			st->saved_console_level = printk_console_level();
		printk_set_console_level(SYSLOG_MIN_CONSOLE_LEVEL);
		return 0;
	case SYSLOG_ACTION_CONSOLE_ON:
		if (st->saved_console_level != SYSLOG_LEVEL_NONE) {
			printk_set_console_level(st->saved_console_level);
			st->saved_console_level = SYSLOG_LEVEL_NONE;
		}
		return 0;
	case SYSLOG_ACTION_CONSOLE_LEVEL:
		return syslog_console_level(len);
	case SYSLOG_ACTION_SIZE_UNREAD:
		return (long)printk_syslog_size(st->read_seq);
	case SYSLOG_ACTION_SIZE_BUFFER:
		return (long)printk_log_size();
	default:
		return -EINVAL;
	}
}
