/*
 * The virtual file system: the interfaces between file system types,
 * devices and the syscall layer.
 *
 * An inode is a file system object; a dentry names an inode in a directory
 * (negative when inode is NULL); a mount attaches a super block's root at a
 * dentry; a file is an open inode. Every family of parts is an ops table:
 * fs_type, super_ops, inode_ops, file_ops. Generic defaults (vfs_default_*)
 * stand in for operations a part does not provide, so callers never test
 * for NULL: the VFS substitutes the default for every NULL member.
 *
 * Writing a file system type:
 *  - fs_type.mount builds a super block (sb_alloc), its root inode
 *    (inode_alloc) and root dentry (d_make_root), and returns the sb.
 *  - The dentry cache is only a cache: a file system keeps its own
 *    directories. inode_ops.lookup(dir, d) is called for a name the cache
 *    does not hold; it either attaches an inode with d_instantiate() or
 *    leaves d negative (the name does not exist) and returns 0.
 *  - file_ops.readdir on an open directory emits entries from ctx->pos on;
 *    ctx->pos is the file system's own cookie (kept in f->pos).
 *  - Dynamic file systems (procfs) generate inodes in lookup and readdir:
 *    set SB_NOCACHE in sb->flags so unused dentries (and their inodes) are
 *    freed as soon as their last reference goes, and provide
 *    super_ops.revalidate to say whether a cached dentry still names the
 *    same object (a /proc/PID of a dead task does not). A dentry that fails
 *    revalidation is dropped and looked up again. Inodes whose last
 *    reference goes are handed to super_ops.inode_release; the default
 *    frees them (inode_free).
 *  - inode->private_data belongs to the file system; inode->pipe belongs
 *    to fs/pipe.c (the pipe of a FIFO inode, created on first open and
 *    freed by fifo_inode_release() when the inode is freed).
 */
#ifndef VFS_H
#define VFS_H

#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/time_types.h>

#include "compiler.h"
#include "list.h"
#include "uaccess.h"
#include "wait.h"

struct inode;
struct dentry;
struct file;
struct super_block;
struct mount;
struct poll_table;

/* Physical page number in the physmem file (see mm.h). */
typedef uint64_t pfn_t;

/*
 * A caller's buffer for read and write: guest memory (the usual case) or a
 * kernel buffer (exec, initramfs, sendfile). The uio_* helpers move data
 * and advance it.
 */
struct uio {
	bool kernel;
	uaddr_t ubuf;
	char *kbuf;
	size_t len; /* bytes still to transfer */
	size_t done; /* bytes transferred so far */
};

static inline struct uio uio_user(uaddr_t buf, size_t len)
{
	return (struct uio){ .kernel = false, .ubuf = buf, .len = len };
}

static inline struct uio uio_kernel(void *buf, size_t len)
{
	return (struct uio){ .kernel = true, .kbuf = buf, .len = len };
}

/* Copy n bytes from src into the caller's buffer (a read); 0 or -EFAULT. */
int uio_copy_out(struct uio *u, const void *src, size_t n);
/* Copy n bytes of the caller's buffer into dst (a write); 0 or -EFAULT. */
int uio_copy_in(struct uio *u, void *dst, size_t n);

/* The d_type of a directory entry for an inode mode (DT_REG = 8...). */
#define VFS_DTYPE(mode) (((mode) >> 12) & 017)

/* Directory listing callback target for readdir. */
struct dir_ctx {
	/* Returns false when the caller's buffer is full. */
	bool (*emit)(struct dir_ctx *ctx, const char *name, size_t len,
		     uint64_t ino, unsigned int dtype);
	uint64_t pos; /* the file system's cookie; f_pos is kept equal */
};
/*
 * readdir contract: emit entries starting at the one whose cookie is
 * ctx->pos; after each accepted emit (true) advance ctx->pos to the next
 * entry's cookie; stop without advancing when emit returns false. Return 0
 * (also at the end of the directory) or -errno.
 */
/* Emit "." (cookie 0) and ".." (cookie 1) as needed; false when full. */
bool dir_emit_dots(struct file *f, struct dir_ctx *ctx);

struct file_ops {
	int (*open)(struct inode *inode, struct file *f);
	void (*release)(struct file *f);
	long (*read)(struct file *f, struct uio *u, uint64_t *pos);
	long (*write)(struct file *f, struct uio *u, uint64_t *pos);
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	int (*readdir)(struct file *f, struct dir_ctx *ctx);
	/*
	 * ioctl(2); also receives fcntl F_SETPIPE_SZ and F_GETPIPE_SZ
	 * (cmd = the fcntl command): pipes implement those, the default
	 * -ENOTTY makes fcntl fail with -EBADF like Linux for non-pipes.
	 */
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
	/* Return the POLL* mask now, and register with poll_wait. */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	/*
	 * The page backing page index idx of the file, with a reference the
	 * caller drops with page_put. For mmap of files.
	 */
	int (*get_page)(struct file *f, uint64_t idx, pfn_t *out);
	int (*fsync)(struct file *f, bool datasync);
	int (*fallocate)(struct file *f, int mode, uint64_t off, uint64_t len);
};

struct file {
	int refs;
	const struct file_ops *ops;
	struct inode *inode; /* NULL for some anonymous files */
	struct dentry *dentry; /* NULL for anonymous files */
	struct mount *mnt;
	unsigned int flags; /* O_* status flags (O_APPEND, O_NONBLOCK...) */
	unsigned int mode; /* FMODE_READ | FMODE_WRITE */
	uint64_t pos;
	void *private_data;
	const char *anon_name; /* "pipe", "eventfd"... for /proc/PID/fd */
	struct list_head locks; /* record locks owned through this file */
};

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x4
#define FMODE_PATH 0x8

/* ---- inodes, dentries, super blocks, mounts ---- */

struct kstat {
	uint64_t dev, ino, rdev, size, blocks;
	uint32_t mode, nlink, uid, gid, blksize;
	struct __kernel_timespec atime, mtime, ctime, btime;
};

struct kstatfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen,
		frsize, flags;
};

/* setattr: which fields of struct iattr are valid. */
#define ATTR_MODE 0x1
#define ATTR_UID 0x2
#define ATTR_GID 0x4
#define ATTR_SIZE 0x8
#define ATTR_ATIME 0x10
#define ATTR_MTIME 0x20
#define ATTR_CTIME 0x40

struct iattr {
	unsigned int valid;
	uint32_t mode, uid, gid;
	uint64_t size;
	struct __kernel_timespec atime, mtime, ctime;
};

struct inode_ops {
	/*
	 * Resolve d->name in dir: d_instantiate(d, inode) when it exists, or
	 * leave d negative. Returns 0 either way, -errno on failure.
	 */
	int (*lookup)(struct inode *dir, struct dentry *d);
	/* Create a non-directory (regular, device, FIFO, socket) at d. */
	int (*create)(struct inode *dir, struct dentry *d, uint32_t mode,
		      uint64_t rdev);
	int (*mkdir)(struct inode *dir, struct dentry *d, uint32_t mode);
	int (*symlink)(struct inode *dir, struct dentry *d, const char *target);
	/* Give old's inode another name d in dir. */
	int (*link)(struct dentry *old, struct inode *dir, struct dentry *d);
	int (*unlink)(struct inode *dir, struct dentry *d);
	/* Remove an empty directory (-ENOTEMPTY otherwise). */
	int (*rmdir)(struct inode *dir, struct dentry *d);
	/*
	 * Move od (in odir) to nd (in ndir), replacing nd's inode if any;
	 * flags are RENAME_NOREPLACE/RENAME_EXCHANGE. The VFS has checked
	 * types and permissions; the fs checks emptiness of a replaced dir.
	 */
	int (*rename)(struct inode *odir, struct dentry *od, struct inode *ndir,
		      struct dentry *nd, unsigned int flags);
	/* Copy the symlink target (no NUL) into buf; returns its length. */
	long (*readlink)(struct dentry *d, char *buf, size_t size);
	/* Apply attribute changes; the VFS has checked permissions. */
	int (*setattr)(struct dentry *d, const struct iattr *attr);
	/* Fill st; the default copies the inode's fields. */
	int (*getattr)(struct dentry *d, struct kstat *st);
};

struct inode {
	int refs;
	struct super_block *sb;
	const struct inode_ops *ops;
	const struct file_ops *fops; /* for regular files and directories */
	uint64_t ino;
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t blocks; /* 512-byte units */
	uint64_t rdev;
	struct __kernel_timespec atime, mtime, ctime, btime;
	struct list_head sb_link; /* in sb->inodes */
	struct list_head posix_locks; /* fcntl record locks (struct file_lock) */
	struct list_head flocks; /* flock(2) locks */
	struct wait_queue lock_wait; /* woken when a lock is released */
	void *private_data; /* the file system's */
	void *pipe; /* fs/pipe.c's, for FIFO inodes */
	unsigned int writers; /* open files with FMODE_WRITE */
};

/* A name component with its hash. */
struct qstr {
	const char *name;
	size_t len;
	uint32_t hash;
};

struct dentry {
	int refs;
	struct qstr name; /* name.name is owned (kmalloc'd) */
	struct dentry *parent; /* itself for a root; holds a reference */
	struct inode *inode; /* NULL: negative */
	struct super_block *sb;
	unsigned int mounted; /* mounts on this dentry */
	bool hashed; /* findable by name; false once deleted */
	struct list_head hash_link;
	struct list_head lru_link; /* in the unused list while refs == 0 */
	void *private_data; /* the file system's */
};

/* sb->flags */
#define SB_RDONLY 0x1
#define SB_NOCACHE 0x2 /* free unused dentries at once (procfs) */

struct super_ops {
	/* Called when the last mount goes, after the dentries are freed. */
	void (*put_super)(struct super_block *sb);
	int (*statfs)(struct super_block *sb, struct kstatfs *st);
	/* Remount with new sb flags (SB_RDONLY) and options. */
	int (*remount)(struct super_block *sb, unsigned int sb_flags,
		       const char *data);
	/* The last reference to inode went; the default is inode_free. */
	void (*inode_release)(struct inode *inode);
	/* A cached dentry still names the same object (default: true). */
	bool (*revalidate)(struct dentry *d);
	int (*sync)(struct super_block *sb);
	/* Extra mount options for /proc/mounts, "" by default. */
	int (*show_options)(struct super_block *sb, char *buf, size_t size);
};

struct fs_type {
	const char *name;
	/*
	 * Build a super block for source with MS_* flags and the option
	 * string data (may be NULL). Returns the sb or an ERR_PTR.
	 */
	struct super_block *(*mount)(const struct fs_type *type,
				     const char *source, unsigned long flags,
				     const char *data);
	bool nodev; /* no backing device ("nodev" in /proc/filesystems) */
};

struct super_block {
	int refs; /* mounts of it */
	const struct fs_type *type;
	const struct super_ops *ops;
	struct dentry *root;
	uint64_t magic;
	uint64_t dev;
	unsigned int flags; /* SB_* */
	uint64_t next_ino;
	struct list_head inodes;
	void *fs_info;
};

/* mnt->flags */
#define MNT_RDONLY 0x1
#define MNT_NOSUID 0x2
#define MNT_NODEV 0x4
#define MNT_NOEXEC 0x8
#define MNT_NOATIME 0x10
#define MNT_DETACHED 0x100

struct mount {
	int refs; /* paths and files using it, +1 attached */
	struct super_block *sb;
	struct dentry *root; /* root of this mount (a subtree for binds) */
	struct mount *parent; /* itself for the root mount */
	struct dentry *mountpoint; /* in parent */
	unsigned int flags; /* MNT_* */
	char *source; /* "tmpfs", "/dev/ubda"... */
	struct list_head children;
	struct list_head child_link;
	struct list_head all_link; /* in the list of every mount */
};

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* The fd table; shared by tasks created with CLONE_FILES. */
struct files {
	int refs;
	unsigned int size; /* slots in fds */
	struct file **fds;
	uint64_t *cloexec; /* one bit per slot */
};

/* cwd, root and umask; shared by tasks created with CLONE_FS. */
struct fs_context {
	int refs;
	struct path root;
	struct path cwd;
	uint32_t umask;
};

/*
 * Allocate an anonymous file (pipes, eventfd, epoll, sockets). flags are
 * O_* flags (access mode included). Returns an ERR_PTR on failure.
 */
struct file *file_alloc_anon(const struct file_ops *ops, void *priv,
			     unsigned int flags, const char *name);
struct file *file_get(struct file *f);
/* Drop a reference; the last one calls ops->release and frees the file. */
void file_put(struct file *f);

/* Kernel-internal I/O on an open file; returns bytes or -errno. */
long kernel_read(struct file *f, void *buf, size_t len, uint64_t off);
long kernel_write(struct file *f, const void *buf, size_t len, uint64_t off);

/* Open a path for the kernel itself, relative to current's cwd and root. */
struct file *vfs_open(const char *path, int flags, int mode);

/* ---- the per-task fd table ---- */

/*
 * Install f at the lowest free fd of current; consumes the caller's
 * reference (on failure, -EMFILE or -ENOMEM, the reference is dropped).
 */
int fd_install(struct file *f, bool cloexec);
/* Get a reference to the file at fd, or NULL (-EBADF for callers). */
struct file *fd_get(int fd);
int fd_close(int fd);
struct files *files_clone(struct files *files);
void files_put(struct files *files);
/* Close every O_CLOEXEC fd (execve). */
void files_close_on_exec(struct files *files);

struct fs_context *fs_context_clone(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);

/* ---- poll ---- */
struct poll_table;
/* Register the current poller on wq; pt may be NULL (just querying). */
void poll_wait(struct file *f, struct wait_queue *wq, struct poll_table *pt);

/* ---- devices ---- */

#define MKDEV(ma, mi)                          \
	(((uint64_t)(ma) << 8) | ((mi)&0xff) | \
	 (((uint64_t)(mi) & ~0xffULL) << 12))
#define MAJOR(dev) ((unsigned int)(((dev) >> 8) & 0xfff))
#define MINOR(dev) ((unsigned int)(((dev)&0xff) | (((dev) >> 12) & ~0xffU)))

/*
 * Register a character device range: opening an S_IFCHR inode whose rdev
 * falls in [major:minor, major:minor+count) gives a file with ops; ops->open
 * then sees the inode (and its rdev) and may set private_data.
 */
int chrdev_register(unsigned int major, unsigned int minor, unsigned int count,
		    const char *name, const struct file_ops *ops);
/* Create a device node in the kernel's /dev (devtmpfs). */
int devfs_create(const char *name, uint32_t mode, uint64_t rdev);
/* Remove a node created by devfs_create (top level only). */
int devfs_remove(const char *name);

/* ---- generic defaults for file_ops members ---- */

int vfs_default_open(struct inode *inode, struct file *f);
void vfs_default_release(struct file *f);
long vfs_default_read(struct file *f, struct uio *u, uint64_t *pos);
long vfs_default_write(struct file *f, struct uio *u, uint64_t *pos);
/* Seek within [0, inode size] semantics: SEEK_SET/CUR/END/DATA/HOLE. */
int64_t vfs_default_llseek(struct file *f, int64_t off, int whence);
/* The same for a file of the given size (a block device's). */
int64_t vfs_llseek_size(struct file *f, int64_t off, int whence, int64_t size);
/* For files that cannot seek (pipes, sockets, ttys): -ESPIPE. */
int64_t vfs_no_llseek(struct file *f, int64_t off, int whence);
int vfs_default_readdir(struct file *f, struct dir_ctx *ctx);
long vfs_default_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
/* Always readable and writable. */
unsigned int vfs_default_poll(struct file *f, struct poll_table *pt);
int vfs_default_get_page(struct file *f, uint64_t idx, pfn_t *out);
int vfs_default_fsync(struct file *f, bool datasync);
int vfs_default_fallocate(struct file *f, int mode, uint64_t off, uint64_t len);

/* Dispatch through f->ops, substituting the default for NULL members. */
unsigned int vfs_poll(struct file *f, struct poll_table *pt);
long vfs_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
int vfs_get_page(struct file *f, uint64_t idx, pfn_t *out);

/* ---- boot and kernel-internal helpers ---- */

/*
 * Register tmpfs and devtmpfs, mount a tmpfs as "/" and devtmpfs at /dev.
 * Called once at boot before anything else in fs. 0 or -errno.
 */
int vfs_init(void);
/*
 * Mount source (fstype, MS_* flags, options data) as the new root, in
 * place of the initial tmpfs, and devtmpfs on its /dev. 0 or -errno.
 */
int vfs_mount_root(const char *source, const char *fstype, unsigned long flags,
		   const char *data);
/* The type name of the root file system ("ext2"). */
const char *vfs_root_fstype(void);
/* Write every file system and block device back (sync, halt). */
int vfs_sync_all(void);
/*
 * Emergency remount (SysRq u): write back and make read-only every
 * mounted file system on a block device, even with files open for
 * writing; memory file systems (tmpfs, proc) stay as they are. Carries on
 * past a failure; returns the first error or 0.
 */
int vfs_remount_all_ro(void);
int fs_type_register(const struct fs_type *type);
const struct fs_type *fs_type_find(const char *name);
/* Iterate registered types: NULL gives the first; NULL at the end. */
const struct fs_type *fs_type_next(const struct fs_type *prev);

struct files *files_create(void);
/* A new context with root and cwd "/" and umask 022. */
struct fs_context *fs_context_create(void);
/* The file at fd without taking a reference (NULL if none). */
struct file *files_lookup(struct files *files, int fd);
/* One past the highest fd slot that may be open: iterate fd < this. */
int files_max_fd(struct files *files);
bool files_cloexec(struct files *files, int fd);

/*
 * Path-based helpers for the kernel (initramfs, boot), resolved against
 * current's root and cwd (or the root mount when there is no task yet).
 * They bypass permission checks. 0 or -errno.
 */
int kern_mkdir(const char *path, uint32_t mode);
int kern_mknod(const char *path, uint32_t mode, uint64_t rdev);
int kern_symlink(const char *target, const char *linkpath);
int kern_link(const char *oldpath, const char *newpath);
int kern_chown(const char *path, uint32_t uid, uint32_t gid, bool follow);
int kern_chmod(const char *path, uint32_t mode);
int kern_set_mtime(const char *path, int64_t sec);
int kern_unlink(const char *path);
int kern_mount(const char *source, const char *target, const char *fstype,
	       unsigned long flags, const char *data);

/* For exec: f is a regular file with an x bit for current, not noexec. */
int file_permission_exec(struct file *f);

/*
 * Absolute path of f / of (mnt, d) as seen from current's root, built at
 * the end of buf: returns a pointer into buf or ERR_PTR(-ENAMETOOLONG).
 * Unlinked names get " (deleted)"; anonymous files "anon_inode:[name]".
 */
char *file_path(struct file *f, char *buf, size_t size);
char *dentry_path(struct mount *mnt, struct dentry *d, char *buf, size_t size);

/* stat of an open file (fstat); 0 or -errno. */
int vfs_getattr(struct path *p, struct kstat *st);
int vfs_fstat(struct file *f, struct kstat *st);

/*
 * Resolve a path for the kernel: dfd may be AT_FDCWD; flags LOOKUP_*.
 * On success *out holds references (path_put).
 */
#define LOOKUP_FOLLOW 0x1
#define LOOKUP_DIRECTORY 0x2
#define LOOKUP_EMPTY 0x4 /* AT_EMPTY_PATH: "" means dfd itself */
int vfs_path_lookup(int dfd, const char *name, unsigned int flags,
		    struct path *out);
/*
 * Open the object at p (from vfs_path_lookup) with O_* flags, without
 * permission checks: the caller makes its own (exec). Consumes no
 * references; the file or an ERR_PTR.
 */
struct file *vfs_open_path(struct path *p, int flags);
void path_get(struct path *p);
void path_put(struct path *p);

/* Iterate mounts (for /proc/mounts): NULL gives the first. */
struct mount *mount_next(struct mount *prev);
/* Comma-separated options ("rw,nosuid,..."); returns length. */
int mount_options(struct mount *mnt, char *buf, size_t size);

/* ---- building file systems ---- */

struct super_block *sb_alloc(const struct fs_type *type,
			     const struct super_ops *ops, uint64_t magic);
/* A new inode of sb: refs 1, nlink 1, fresh ino, times now, uid/gid 0. */
struct inode *inode_alloc(struct super_block *sb);
struct inode *inode_get(struct inode *inode);
void inode_put(struct inode *inode);
/* Unlink from the sb and free (for inode_release implementations). */
void inode_free(struct inode *inode);
/* An inode of the internal anonymous fs (pipes, sockets) with mode. */
struct inode *anon_inode_alloc(uint32_t mode);
/* Set inode times from the real-time clock. */
void inode_touch(struct inode *inode, bool atime, bool mtime, bool ctime);
/*
 * Owner of a new inode created in dir by current: fsuid, and the gid of
 * dir when it is set-group-ID (directories then inherit S_ISGID), else
 * fsgid. Sets inode->mode to mode (plus S_ISGID when inherited).
 */
void inode_init_owner(struct inode *inode, struct inode *dir, uint32_t mode);
/* Copy attr's valid fields but ATTR_SIZE into inode (setattr helper). */
void inode_setattr_copy(struct inode *inode, const struct iattr *attr);
/* A root dentry for inode (consumes the inode reference). */
struct dentry *d_make_root(struct inode *inode);
/* Make negative d name inode (consumes the inode reference). */
void d_instantiate(struct dentry *d, struct inode *inode);
struct dentry *dget(struct dentry *d);
void dput(struct dentry *d);

/* The user's file-creation mask of current (022 without a task). */
uint32_t vfs_umask(void);

#endif
