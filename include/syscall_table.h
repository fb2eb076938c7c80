/*
 * The generated syscall dispatch table (see arch-um/syscalls.tbl).
 */
#ifndef SYSCALL_TABLE_H
#define SYSCALL_TABLE_H

#include "syscall_decls.h"

typedef long (*syscall_fn)(const long *args);

/* NULL entries are unimplemented: -ENOSYS, logged once. */
extern const syscall_fn syscall_table[NR_SYSCALLS];
extern const char *const syscall_names[NR_SYSCALLS];

#endif
