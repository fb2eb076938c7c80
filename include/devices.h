/*
 * Boot-time registration of built-in character devices.
 */
#ifndef DEVICES_H
#define DEVICES_H

/*
 * Register /dev/null, zero, full, random and urandom (major 1) and create
 * their nodes in devtmpfs. Call once after vfs_init. 0 or -errno.
 */
int mem_devices_init(void);

#endif
