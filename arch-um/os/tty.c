/*
 * Host terminals: raw mode for console channels, restored on every exit,
 * and window sizes.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "os.h"

#define MAX_SAVED 16

struct os_tty_saved {
	int fd;
	struct termios tio;
};

struct os_tty_state {
	struct os_tty_saved saved[MAX_SAVED];
	int nr;
};

static struct os_tty_state os_tty;

bool os_isatty(int fd)
{
	return isatty(fd) == 1;
}

int os_tty_raw(int fd)
{
	struct termios tio;
	int i;

	if (tcgetattr(fd, &tio))
		return -errno;
	for (i = 0; i < os_tty.nr; i++)
		if (os_tty.saved[i].fd == fd)
			break;
	if (i == os_tty.nr) {
		if (os_tty.nr == MAX_SAVED)
			return -ENOSPC;
		os_tty.saved[os_tty.nr].fd = fd;
		os_tty.saved[os_tty.nr].tio = tio;
		os_tty.nr++;
	}
	cfmakeraw(&tio);
	/* Keep output processing off too: the guest's tty does it. */
	if (tcsetattr(fd, TCSADRAIN, &tio))
		return -errno;
	return 0;
}

void os_tty_restore_all(void)
{
	int i;

	for (i = 0; i < os_tty.nr; i++)
		tcsetattr(os_tty.saved[i].fd, TCSADRAIN, &os_tty.saved[i].tio);
}

int os_tty_winsize(int fd, uint16_t *rows, uint16_t *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws))
		return -errno;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}
