/*
 * Process-wide system settings kept outside the scheduler: resource limits.
 */
#ifndef KSYS_H
#define KSYS_H

#include <asm/resource.h>
#include <linux/resource.h>

/* Default soft/hard limits for RLIMIT_NOFILE, RLIMIT_NPROC and the stack. */
#define RLIM_NOFILE_CUR 1024
#define RLIM_NOFILE_MAX 4096
#define RLIM_NPROC_DEFAULT 4096
#define RLIM_STACK_CUR (8ULL << 20)
/* The ceiling for RLIMIT_NOFILE (Linux's fs.nr_open default). */
#define RLIM_NR_OPEN (1U << 20)

/* Fill rlim[RLIM_NLIMITS] with the limits of the first process. */
void rlimits_init_default(struct rlimit *rlim);

#endif
