/*
 * The shared kernel fakes behind fake_kernel.h. Compiled with the host's
 * flags, as the test files are.
 */
#include "fake_kernel.h"
#include "err.h"
#include "printk.h"
#include "timer.h"
#include "vfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char fake_klog[16384];
size_t fake_klog_len;
struct ktimer *fake_armed_timer;

void fake_kernel_reset(void)
{
	fake_klog[0] = '\0';
	fake_klog_len = 0;
	fake_armed_timer = NULL;
}

bool fake_klog_has(const char *s)
{
	return strstr(fake_klog, s) != NULL;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fake_klog + fake_klog_len,
		      sizeof(fake_klog) - fake_klog_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		fake_klog_len = strlen(fake_klog);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

int vfs_path_lookup(int dfd, const char *name, unsigned int flags,
		    struct path *out)
{
	return -ENOENT;
}

void path_put(struct path *p)
{
}

void ktimer_arm(struct ktimer *t, uint64_t expires)
{
	t->armed = true;
	t->expires = expires;
	fake_armed_timer = t;
}

uint64_t time_mono_ns(void)
{
	return 0;
}
