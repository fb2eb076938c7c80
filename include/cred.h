/*
 * Credential rules: the POSIX/Linux transitions of real, effective, saved
 * and filesystem ids. These are pure functions on a struct cred; the
 * syscalls in kernel/cred.c apply them to current->cred. privileged means
 * the caller holds CAP_SETUID (or CAP_SETGID for the gid family), which
 * here is "effective uid 0". A -1 argument (CRED_KEEP) leaves an id
 * unchanged where the syscall allows it. On error the cred is unchanged.
 */
#ifndef CRED_H
#define CRED_H

#include "sched.h"

#define CRED_KEEP ((uint32_t)-1)

int cred_setuid(struct cred *c, uint32_t uid, bool privileged);
int cred_setreuid(struct cred *c, uint32_t ruid, uint32_t euid,
		  bool privileged);
int cred_setresuid(struct cred *c, uint32_t ruid, uint32_t euid, uint32_t suid,
		   bool privileged);
/* Returns the previous fsuid whether or not it changed. */
uint32_t cred_setfsuid(struct cred *c, uint32_t fsuid, bool privileged);

int cred_setgid(struct cred *c, uint32_t gid, bool privileged);
int cred_setregid(struct cred *c, uint32_t rgid, uint32_t egid,
		  bool privileged);
int cred_setresgid(struct cred *c, uint32_t rgid, uint32_t egid, uint32_t sgid,
		   bool privileged);
uint32_t cred_setfsgid(struct cred *c, uint32_t fsgid, bool privileged);

/* Replace the supplementary groups; -EINVAL beyond NGROUPS_MAX_KERN. */
int cred_setgroups(struct cred *c, const uint32_t *groups, int n);

#endif
