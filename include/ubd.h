/*
 * The ubd driver's interface to boot and to the management console.
 */
#ifndef UBD_H
#define UBD_H

#include "compiler.h"

#define UBD_MAX_DEV 16

/*
 * Command-line hook: ubd<N><flags>=..., ubd=sync, udb* and fake_ide.
 * Returns 1 when the option was taken, 0 when it is not a ubd option,
 * -errno with *why set when it is malformed.
 */
int ubd_setup(const char *key, const char *value, const char **why);
/*
 * Record the configuration "ubd<N><flags>" = value without opening it;
 * *index receives N. 0 or -errno with *why set.
 */
int ubd_parse(const char *key, const char *value, int *index, const char **why);
/*
 * Boot: open and register every configured device, first configuring
 * ubd0=root_fs when default_root is set and ubd0 was not given. 0, or
 * -errno with a one-line message naming the device in err.
 */
int ubd_init(bool default_root, char *err, size_t errlen);
/* Open and register configured device n (hot-plug); message in err. */
int ubd_open_dev(int n, char *err, size_t errlen);
/* Unregister and forget device n: -EBUSY while open or mounted. */
int ubd_remove(int n, char *err, size_t errlen);
/* "file" or "cow,backing" of device n, "" when unconfigured. */
int ubd_get_config(int n, char *buf, size_t size);
bool ubd_configured(int n);

#endif
