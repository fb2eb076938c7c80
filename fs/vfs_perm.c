/*
 * Permission checks by credentials and mode bits. Pure functions of a
 * cred and an object's mode/uid/gid, so they are unit-tested directly.
 */
#include "err.h"
#include "sched.h"
#include "vfs_internal.h"

int vfs_perm_check(const struct cred *c, uint32_t mode, uint32_t uid,
		   uint32_t gid, int mask)
{
	unsigned int bits;

	if (c->fsuid == 0) {
		if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	if (c->fsuid == uid)
		bits = (mode >> 6) & 7;
	else if (c->fsgid == gid || cred_in_group(c, gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	return ((bits & (unsigned int)mask) == (unsigned int)mask) ? 0 :
								     -EACCES;
}

bool vfs_sticky_allows(const struct cred *c, uint32_t dir_mode,
		       uint32_t dir_uid, uint32_t inode_uid)
{
	if (!(dir_mode & S_ISVTX))
		return true;
	return c->fsuid == 0 || c->fsuid == inode_uid || c->fsuid == dir_uid;
}

bool vfs_is_owner(const struct cred *c, uint32_t uid)
{
	return c->fsuid == 0 || c->fsuid == uid;
}
