/*
 * The ext2 file system (fs/ext2/): its one entry point for boot.
 */
#ifndef EXT2_H
#define EXT2_H

/* Register the "ext2" and "ext3" file system types. 0 or -errno. */
int ext2_init(void);

#endif
