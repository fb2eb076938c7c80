/*
 * SysRq: the magic keys that act on the whole machine (sync, remount
 * read-only, kill tasks, show state, reboot). A key comes from
 * /proc/sysrq-trigger or from mconsole's "sysrq" command; what the key
 * does is logged with printk, Linux's messages word for word.
 */
#ifndef SYSRQ_H
#define SYSRQ_H

#include "compiler.h"

/*
 * Run key's action, logging "sysrq: <action>" first; an unknown key logs
 * the HELP line listing every key. May not return (b, o). Runs from a
 * syscall or from an interrupt handler: it never sleeps.
 */
void sysrq_handle(char key);

/* key restarts or halts the machine: a caller must reply before. */
bool sysrq_key_reboots(char key);

/*
 * Write the text of the HELP line ("loglevel(0-9) reboot(b) ... ") into
 * buf, NUL-terminated; returns its length (as ksnprintf).
 */
size_t sysrq_help_text(char *buf, size_t size);

#endif
