/*
 * Credentials: the uid/gid syscalls and a minimal capability interface.
 *
 * The transition rules are pure functions on struct cred (see cred.h) so
 * they can be tested alone; the syscalls apply them to current->cred.
 * Capabilities are not tracked: effective uid 0 holds every capability,
 * any other uid none.
 */
#include <linux/capability.h>

#include "cred.h"
#include "err.h"
#include "klib.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"

/* The three ids a process may switch between without privilege. */
static bool id_is_one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

/* ---- pure rules, shared by the uid and gid families ---- */

/* ids[0..3] = real, effective, saved, fs. */
enum {
	ID_REAL,
	ID_EFF,
	ID_SAVED,
	ID_FS
};

static int ids_set(uint32_t *ids, uint32_t id, bool privileged)
{
	if (id == CRED_KEEP)
		return -EINVAL;
	if (privileged) {
		ids[ID_REAL] = id;
		ids[ID_SAVED] = id;
	} else if (id != ids[ID_REAL] && id != ids[ID_SAVED]) {
		return -EPERM;
	}
	ids[ID_EFF] = id;
	ids[ID_FS] = id;
	return 0;
}

static int ids_setre(uint32_t *ids, uint32_t r, uint32_t e, bool privileged)
{
	uint32_t old_real = ids[ID_REAL];

	if (!privileged) {
		if (r != CRED_KEEP && r != ids[ID_REAL] && r != ids[ID_EFF])
			return -EPERM;
		if (e != CRED_KEEP &&
		    !id_is_one_of(e, ids[ID_REAL], ids[ID_EFF], ids[ID_SAVED]))
			return -EPERM;
	}
	if (r != CRED_KEEP)
		ids[ID_REAL] = r;
	if (e != CRED_KEEP)
		ids[ID_EFF] = e;
	/*
	 * The saved id follows a real-id change, or an effective id that
	 * differs from the old real id.
	 */
	if (r != CRED_KEEP || (e != CRED_KEEP && e != old_real))
		ids[ID_SAVED] = ids[ID_EFF];
	ids[ID_FS] = ids[ID_EFF];
	return 0;
}

static int ids_setres(uint32_t *ids, uint32_t r, uint32_t e, uint32_t s,
		      bool privileged)
{
	const uint32_t want[3] = { r, e, s };

	if (!privileged) {
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			if (want[i] != CRED_KEEP &&
			    !id_is_one_of(want[i], ids[ID_REAL], ids[ID_EFF],
					  ids[ID_SAVED]))
				return -EPERM;
	}
	if (r != CRED_KEEP)
		ids[ID_REAL] = r;
	if (e != CRED_KEEP)
		ids[ID_EFF] = e;
	if (s != CRED_KEEP)
		ids[ID_SAVED] = s;
	ids[ID_FS] = ids[ID_EFF];
	return 0;
}

static uint32_t ids_setfs(uint32_t *ids, uint32_t id, bool privileged)
{
	uint32_t old = ids[ID_FS];

	if (id == CRED_KEEP)
		return old;
	if (privileged || id == ids[ID_FS] ||
	    id_is_one_of(id, ids[ID_REAL], ids[ID_EFF], ids[ID_SAVED]))
		ids[ID_FS] = id;
	return old;
}

static void uids_load(const struct cred *c, uint32_t *ids)
{
	ids[ID_REAL] = c->uid;
	ids[ID_EFF] = c->euid;
	ids[ID_SAVED] = c->suid;
	ids[ID_FS] = c->fsuid;
}

static void uids_store(struct cred *c, const uint32_t *ids)
{
	c->uid = ids[ID_REAL];
	c->euid = ids[ID_EFF];
	c->suid = ids[ID_SAVED];
	c->fsuid = ids[ID_FS];
}

static void gids_load(const struct cred *c, uint32_t *ids)
{
	ids[ID_REAL] = c->gid;
	ids[ID_EFF] = c->egid;
	ids[ID_SAVED] = c->sgid;
	ids[ID_FS] = c->fsgid;
}

static void gids_store(struct cred *c, const uint32_t *ids)
{
	c->gid = ids[ID_REAL];
	c->egid = ids[ID_EFF];
	c->sgid = ids[ID_SAVED];
	c->fsgid = ids[ID_FS];
}

/* Apply ret = rule(...) to a copy of the uids; store only on success. */
#define UID_RULE(c, call)                     \
	({                                    \
		uint32_t ids[4];              \
		uids_load((c), ids);          \
		int ret_ = (call);            \
		if (ret_ == 0)                \
			uids_store((c), ids); \
		ret_;                         \
	})

#define GID_RULE(c, call)                     \
	({                                    \
		uint32_t ids[4];              \
		gids_load((c), ids);          \
		int ret_ = (call);            \
		if (ret_ == 0)                \
			gids_store((c), ids); \
		ret_;                         \
	})

int cred_setuid(struct cred *c, uint32_t uid, bool privileged)
{
	return UID_RULE(c, ids_set(ids, uid, privileged));
}

int cred_setreuid(struct cred *c, uint32_t ruid, uint32_t euid, bool privileged)
{
	return UID_RULE(c, ids_setre(ids, ruid, euid, privileged));
}

int cred_setresuid(struct cred *c, uint32_t ruid, uint32_t euid, uint32_t suid,
		   bool privileged)
{
	return UID_RULE(c, ids_setres(ids, ruid, euid, suid, privileged));
}

uint32_t cred_setfsuid(struct cred *c, uint32_t fsuid, bool privileged)
{
	uint32_t ids[4], old;

	uids_load(c, ids);
	old = ids_setfs(ids, fsuid, privileged);
	uids_store(c, ids);
	return old;
}

int cred_setgid(struct cred *c, uint32_t gid, bool privileged)
{
	return GID_RULE(c, ids_set(ids, gid, privileged));
}

int cred_setregid(struct cred *c, uint32_t rgid, uint32_t egid, bool privileged)
{
	return GID_RULE(c, ids_setre(ids, rgid, egid, privileged));
}

int cred_setresgid(struct cred *c, uint32_t rgid, uint32_t egid, uint32_t sgid,
		   bool privileged)
{
	return GID_RULE(c, ids_setres(ids, rgid, egid, sgid, privileged));
}

uint32_t cred_setfsgid(struct cred *c, uint32_t fsgid, bool privileged)
{
	uint32_t ids[4], old;

	gids_load(c, ids);
	old = ids_setfs(ids, fsgid, privileged);
	gids_store(c, ids);
	return old;
}

int cred_setgroups(struct cred *c, const uint32_t *groups, int n)
{
	if (n < 0 || n > NGROUPS_MAX_KERN)
		return -EINVAL;
	kmemcpy(c->groups, groups, (size_t)n * sizeof(*groups));
	c->ngroups = n;
	return 0;
}

bool cred_in_group(const struct cred *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups && i < NGROUPS_MAX_KERN; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* ---- syscalls ---- */

SYSCALL0(getuid)
{
	return current->cred.uid;
}

SYSCALL0(geteuid)
{
	return current->cred.euid;
}

SYSCALL0(getgid)
{
	return current->cred.gid;
}

SYSCALL0(getegid)
{
	return current->cred.egid;
}

SYSCALL1(setuid, uint32_t, uid)
{
	return cred_setuid(&current->cred, uid, capable_root());
}

SYSCALL1(setgid, uint32_t, gid)
{
	return cred_setgid(&current->cred, gid, capable_root());
}

SYSCALL2(setreuid, uint32_t, ruid, uint32_t, euid)
{
	return cred_setreuid(&current->cred, ruid, euid, capable_root());
}

SYSCALL2(setregid, uint32_t, rgid, uint32_t, egid)
{
	return cred_setregid(&current->cred, rgid, egid, capable_root());
}

SYSCALL3(setresuid, uint32_t, ruid, uint32_t, euid, uint32_t, suid)
{
	return cred_setresuid(&current->cred, ruid, euid, suid, capable_root());
}

SYSCALL3(setresgid, uint32_t, rgid, uint32_t, egid, uint32_t, sgid)
{
	return cred_setresgid(&current->cred, rgid, egid, sgid, capable_root());
}

/* Store three ids to guest pointers; any bad pointer gives -EFAULT. */
static long put_three_ids(uint32_t a, uint32_t b, uint32_t c, uaddr_t pa,
			  uaddr_t pb, uaddr_t pc)
{
	if (put_user(a, pa) || put_user(b, pb) || put_user(c, pc))
		return -EFAULT;
	return 0;
}

SYSCALL3(getresuid, uaddr_t, ruid, uaddr_t, euid, uaddr_t, suid)
{
	const struct cred *c = &current->cred;

	return put_three_ids(c->uid, c->euid, c->suid, ruid, euid, suid);
}

SYSCALL3(getresgid, uaddr_t, rgid, uaddr_t, egid, uaddr_t, sgid)
{
	const struct cred *c = &current->cred;

	return put_three_ids(c->gid, c->egid, c->sgid, rgid, egid, sgid);
}

SYSCALL1(setfsuid, uint32_t, fsuid)
{
	return cred_setfsuid(&current->cred, fsuid, capable_root());
}

SYSCALL1(setfsgid, uint32_t, fsgid)
{
	return cred_setfsgid(&current->cred, fsgid, capable_root());
}

SYSCALL2(getgroups, int, size, uaddr_t, list)
{
	const struct cred *c = &current->cred;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if (size < c->ngroups)
		return -EINVAL;
	if (c->ngroups > 0 &&
	    copy_to_user(list, c->groups,
			 (size_t)c->ngroups * sizeof(c->groups[0])))
		return -EFAULT;
	return c->ngroups;
}

SYSCALL2(setgroups, int, size, uaddr_t, list)
{
	uint32_t groups[NGROUPS_MAX_KERN];

	if (!capable_root())
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX_KERN)
		return -EINVAL;
	if (size > 0 &&
	    copy_from_user(groups, list, (size_t)size * sizeof(groups[0])))
		return -EFAULT;
	return cred_setgroups(&current->cred, groups, size);
}

/* ---- capabilities ---- */

#define CAP_WORDS _LINUX_CAPABILITY_U32S_3

/*
 * Check the header's version: returns the number of data words it uses,
 * or -EINVAL after telling the guest the version we prefer.
 */
static int cap_header_words(uaddr_t hdrp, struct __user_cap_header_struct *hdr)
{
	if (copy_from_user(hdr, hdrp, sizeof(*hdr)))
		return -EFAULT;
	switch (hdr->version) {
	case _LINUX_CAPABILITY_VERSION_1:
		return _LINUX_CAPABILITY_U32S_1;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		return _LINUX_CAPABILITY_U32S_3;
	default:
		hdr->version = _LINUX_CAPABILITY_VERSION_3;
		if (copy_to_user(hdrp, hdr, sizeof(*hdr)))
			return -EFAULT;
		return -EINVAL;
	}
}

/* Every capability bit up to CAP_LAST_CAP, word by word. */
static uint32_t cap_full_word(int word)
{
	int bits = CAP_LAST_CAP + 1 - word * 32;

	if (bits >= 32)
		return 0xffffffffU;
	return bits <= 0 ? 0 : (1U << bits) - 1;
}

SYSCALL2(capget, uaddr_t, hdrp, uaddr_t, datap)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[CAP_WORDS];
	struct task *t = current;
	int words = cap_header_words(hdrp, &hdr);

	/*
	 * A NULL data pointer probes the version: libcap expects 0 even
	 * when the version was wrong (and has been corrected).
	 */
	if (!datap)
		return words == -EINVAL || words > 0 ? 0 : words;
	if (words < 0)
		return words;
	if (hdr.pid < 0)
		return -EINVAL;
	if (hdr.pid != 0 && hdr.pid != current->pid) {
		t = task_find(hdr.pid);
		if (!t)
			return -ESRCH;
	}
	kmemset(data, 0, sizeof(data));
	for (int i = 0; i < words; i++) {
		uint32_t caps = t->cred.euid == 0 ? cap_full_word(i) : 0;

		data[i].effective = caps;
		data[i].permitted = caps;
	}
	if (copy_to_user(datap, data, (size_t)words * sizeof(data[0])))
		return -EFAULT;
	return 0;
}

/* Accepts any request that does not add capabilities the caller lacks. */
SYSCALL2(capset, uaddr_t, hdrp, uaddr_t, datap)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[CAP_WORDS];
	int words = cap_header_words(hdrp, &hdr);

	if (words < 0)
		return words;
	if (hdr.pid != 0 && hdr.pid != current->pid)
		return -EPERM;
	if (copy_from_user(data, datap, (size_t)words * sizeof(data[0])))
		return -EFAULT;
	for (int i = 0; i < words; i++) {
		uint32_t have = capable_root() ? cap_full_word(i) : 0;

		if ((data[i].permitted & ~have) ||
		    (data[i].effective & ~data[i].permitted))
			return -EPERM;
	}
	return 0;
}
