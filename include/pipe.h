/*
 * Pipes and FIFOs (fs/pipe.c): the hooks the VFS calls when a FIFO inode
 * is opened or released. Anonymous pipes come from pipe(2)/pipe2(2).
 *
 * The VFS sets f->ops = &fifo_file_ops for an S_IFIFO inode and calls
 * fifo_open (calling it again through f->ops->open is harmless). The pipe
 * object lives in inode->pipe while any end is open.
 */
#ifndef PIPE_H
#define PIPE_H

#include "vfs.h"

/* Bytes a pipe holds before writers block. */
#define PIPE_SIZE (64 * 1024)

/*
 * Open one end of the FIFO: O_RDONLY waits for a writer and O_WRONLY for a
 * reader (-ERESTARTSYS on a signal), O_NONBLOCK read opens never wait,
 * O_NONBLOCK write opens without a reader fail with -ENXIO, O_RDWR never
 * waits. Returns 0 or -errno.
 */
int fifo_open(struct inode *inode, struct file *f);
extern const struct file_ops fifo_file_ops;
/* The FIFO inode is being freed: drop any pipe still attached to it. */
void fifo_inode_release(struct inode *inode);

#endif
