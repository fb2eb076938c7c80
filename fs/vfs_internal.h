/*
 * Private interfaces of the VFS core (fs/): the shared state, the path
 * walk, the dentry cache, mounts, permissions, record locks and the page
 * map used by tmpfs. Not for code outside fs/.
 */
#ifndef VFS_INTERNAL_H
#define VFS_INTERNAL_H

#include "vfs.h"

struct cred;

#define VFS_MAX_TYPES 16
#define D_HASH_SIZE 1024
/* Unused dentries kept cached before the oldest are freed. */
#define D_UNUSED_MAX 8192
#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_MAXSYMLINKS 40
#define VFS_MAX_LINK_DEPTH 8
#define VFS_LINK_MAX 65000
#define VFS_DEFAULT_UMASK 022
#define VFS_BLOCK_SIZE 4096

struct vfs_state {
	const struct fs_type *types[VFS_MAX_TYPES];
	int nr_types;
	struct mount *root_mnt;
	struct list_head mounts;
	struct list_head d_hash[D_HASH_SIZE];
	struct list_head d_unused; /* LRU: oldest first */
	unsigned int nr_unused;
	struct super_block *anon_sb;
	uint64_t next_dev;
	bool ready;
};

extern struct vfs_state vfs;

/* ---- permissions (vfs_perm.c, pure) ---- */

#define MAY_EXEC 0x1
#define MAY_WRITE 0x2
#define MAY_READ 0x4

/*
 * May c access an object with mode/uid/gid for mask (MAY_*)? 0 or -EACCES.
 * fsuid 0 bypasses read/write, and exec when any x bit is set (or for
 * directories).
 */
int vfs_perm_check(const struct cred *c, uint32_t mode, uint32_t uid,
		   uint32_t gid, int mask);
/* In a sticky directory only the owner of the entry or dir may remove it. */
bool vfs_sticky_allows(const struct cred *c, uint32_t dir_mode,
		       uint32_t dir_uid, uint32_t inode_uid);
/* Whether c owns an object of uid (or is root): chmod, utimes. */
bool vfs_is_owner(const struct cred *c, uint32_t uid);

/* ---- path strings (vfs_path.c, pure) ---- */

/*
 * Skip slashes at *p, then return the next component's length (0 at the
 * end of the string) with its start in *comp; *p moves past it.
 */
size_t path_next_component(const char **p, const char **comp);
/* Whether only slashes remain at p. */
bool path_at_end(const char *p);
/*
 * Lexically normalize an absolute or relative path into out: collapse
 * slashes, drop ".", resolve ".." against earlier components (at the root
 * it stays the root). Returns the length or -ENAMETOOLONG.
 */
long path_normalize(const char *in, char *out, size_t size);
uint32_t path_hash(const char *name, size_t len);

/* ---- credentials of the caller ---- */

const struct cred *vfs_cred(void);

/* ---- dentries and inodes (vfs_dcache.c) ---- */

/* A cached child of parent named name (with a reference), or NULL. */
struct dentry *d_lookup(struct dentry *parent, const struct qstr *name);
/* A new negative dentry named name under parent, hashed; or NULL. */
struct dentry *d_alloc(struct dentry *parent, const struct qstr *name);
/* Unhash d: it can no longer be found by name (deleted). */
void d_drop(struct dentry *d);
/* Rename d to name under new_parent (rehashed). 0 or -ENOMEM. */
int d_move(struct dentry *d, struct dentry *new_parent,
	   const struct qstr *name);
/* Whether anc is d or an ancestor of d. */
bool d_is_ancestor(struct dentry *anc, struct dentry *d);
/* Free every unused dentry of sb (umount). */
void d_shrink_sb(struct super_block *sb);
void sb_put(struct super_block *sb);

/* ---- mounts (mount.c) ---- */

struct mount *mnt_get(struct mount *m);
void mnt_put(struct mount *m);
/* The topmost mount on (parent, d), or NULL. */
struct mount *mount_lookup(struct mount *parent, struct dentry *d);
bool mnt_readonly(const struct mount *m);
/* -EROFS when the path is on a read-only mount. */
int mnt_want_write(const struct mount *m);

/* ---- path walk (namei.c) ---- */

/* Internal lookup flag: skip permission checks (kernel helpers). */
#define LOOKUP_NOPERM 0x100

enum last_type {
	LAST_NORM,
	LAST_DOT,
	LAST_DOTDOT,
	LAST_ROOT
};

struct nameidata {
	struct path path; /* where the walk is */
	struct path root; /* the caller's root */
	unsigned int flags;
	int total_links;
	int depth;
	/* Set by a parent walk: the final component. */
	struct qstr last;
	enum last_type last_type;
	bool trailing_slash;
};

/*
 * Walk to the parent of name's last component: nd->path is that
 * directory, nd->last the component. nd_release() frees it.
 */
int vfs_walk_parent(int dfd, const char *name, unsigned int flags,
		    struct nameidata *nd);
void nd_release(struct nameidata *nd);
/* Look name up in dir (exec permission checked unless noperm). */
struct dentry *vfs_lookup_one(struct path *dir, const struct qstr *name,
			      bool noperm);
/* Step down into mounts stacked on p. */
void follow_mounts(struct path *p);
/* Permission of current on inode for mask (MAY_*). */
int inode_permission(struct inode *inode, int mask);
/* The starting directory for dfd: a reference in *out. */
int vfs_dirfd_path(int dfd, struct path *out);
/* Start path of the root for current (falls back to the root mount). */
void vfs_root_path(struct path *out);

/* ---- files (file.c) ---- */

/* open(2) and friends: returns the new fd or -errno. */
long vfs_do_open(int dfd, const char *name, int flags, uint32_t mode,
		 uint64_t resolve);
/* Truncate an inode through setattr (checks type and write access). */
int vfs_truncate(struct path *p, uint64_t size);
int vfs_setattr(struct path *p, struct iattr *attr);
/* Write access for an open file: -EBADF unless FMODE_WRITE. */
long vfs_read(struct file *f, struct uio *u, uint64_t *pos);
long vfs_write(struct file *f, struct uio *u, uint64_t *pos);

/* ---- creation helpers (namei.c) ---- */

int vfs_mknod_at(int dfd, const char *name, uint32_t mode, uint64_t rdev,
		 unsigned int lookup_flags);
int vfs_mkdir_at(int dfd, const char *name, uint32_t mode,
		 unsigned int lookup_flags);
int vfs_symlink_at(const char *target, int dfd, const char *name,
		   unsigned int lookup_flags);
int vfs_link_at(int odfd, const char *oldname, int ndfd, const char *newname,
		unsigned int lookup_flags);
int vfs_unlink_at(int dfd, const char *name, bool rmdir,
		  unsigned int lookup_flags);

/* ---- fd table (fdtable.c) ---- */

/* Install f at the lowest free fd >= min; consumes the reference. */
int fd_alloc_from(struct file *f, int min, bool cloexec);
int fd_set_cloexec(int fd, bool on);
int fd_get_cloexec(int fd);
unsigned long vfs_nofile_limit(void);

/* ---- record locks (locks.c) ---- */

struct file_lock {
	struct list_head link;
	short type; /* F_RDLCK or F_WRLCK */
	uint64_t start;
	uint64_t end; /* inclusive; UINT64_MAX: to end of file */
	uint64_t owner; /* POSIX: the thread group; flock: the file */
	int pid;
};

/* Whether a and b conflict (overlap, different owners, one a write). */
bool lock_conflicts(const struct file_lock *a, const struct file_lock *b);
/* The first lock in locks that conflicts with req, or NULL. */
struct file_lock *lock_find_conflict(struct list_head *locks,
				     const struct file_lock *req);
/*
 * Set (F_RDLCK/F_WRLCK) or clear (F_UNLCK) req's range for req's owner,
 * splitting and merging the owner's locks. 0 or -ENOMEM (unchanged).
 */
int lock_apply(struct list_head *locks, const struct file_lock *req);
/* Drop every lock of owner; returns whether any went. */
bool lock_release_owner(struct list_head *locks, uint64_t owner);
/*
 * Turn an flock's (whence, start, len) into an inclusive [start, end]
 * given the file position and size. 0 or -EINVAL/-EOVERFLOW.
 */
int lock_range(int whence, int64_t start, int64_t len, uint64_t pos,
	       uint64_t size, uint64_t *out_start, uint64_t *out_end);
/* Release current's POSIX locks on inode (any close by the process). */
void posix_locks_close(struct inode *inode);
/* Release f's flock lock (last close of the open file). */
void flock_release(struct file *f);
long vfs_fcntl_lock(struct file *f, int cmd, uaddr_t arg);
long vfs_flock(struct file *f, int op);

/* ---- page map (vfs_pagemap.c): a sparse index -> pfn radix tree ---- */

struct pagemap {
	void *root;
	unsigned int height; /* 0: empty */
};

/* The pfn at idx, or PFN_NONE-like (uint64_t)-1 for a hole. */
pfn_t pagemap_lookup(const struct pagemap *pm, uint64_t idx);
/* Store pfn at idx (replacing nothing). 0 or -ENOMEM. */
int pagemap_insert(struct pagemap *pm, uint64_t idx, pfn_t pfn);
/* Remove every page at index >= first, passing each to put. */
void pagemap_truncate(struct pagemap *pm, uint64_t first,
		      void (*put)(pfn_t pfn));
/* Number of pages held. */
uint64_t pagemap_count(const struct pagemap *pm);
/* The first index in [idx, limit) holding a page (data) or not; -1 if none. */
int64_t pagemap_next(const struct pagemap *pm, uint64_t idx, uint64_t limit,
		     bool data);

/* ---- devices (chrdev.c) ---- */

/* The ops registered for rdev, or NULL. */
const struct file_ops *chrdev_lookup(uint64_t rdev);

/* ---- file systems ---- */

int tmpfs_register(void);
/* A new tmpfs super block (devtmpfs shares the code); ERR_PTR on error. */
struct super_block *tmpfs_fill_super(const struct fs_type *type,
				     const char *data, uint32_t default_mode);
int devtmpfs_register(void);
/* After "/" is mounted: create /dev and mount devtmpfs on it. */
int devtmpfs_mount_dev(void);

#endif
