/*
 * procfs: the "proc" file system, a view of the kernel's processes and
 * state generated on every lookup and read. procfs_init registers the
 * type; user space mounts it ("mount -t proc proc /proc").
 */
#ifndef PROCFS_H
#define PROCFS_H

#include "compiler.h"

/* Register the "proc" file system type. 0 or -errno. Called once at boot. */
int procfs_init(void);

/* Keep a copy of the kernel command line for /proc/cmdline. */
void procfs_set_cmdline(const char *cmdline);

/*
 * The handler of a key written to /proc/sysrq-trigger (SysRq). Without
 * one, written keys are only logged.
 */
void procfs_set_sysrq_handler(void (*fn)(char key));

/*
 * The handler of writes to /proc/mconsole (mconsole's notify socket). The
 * file exists only once a handler is set, as in UML.
 */
void procfs_set_mconsole_handler(long (*fn)(const char *buf, size_t len));

#endif
