/*
 * Private interfaces between the files of the host layer.
 */
#ifndef OS_INTERNAL_H
#define OS_INTERNAL_H

#include <stdio.h>

void os_process_save_args(int argc, char **argv);

/* Retry a host call while it fails with EINTR. */
#define OS_RETRY(expr)                             \
	({                                         \
		long __r;                          \
		do                                 \
			__r = (long)(expr);        \
		while (__r < 0 && errno == EINTR); \
		__r;                               \
	})

#endif
