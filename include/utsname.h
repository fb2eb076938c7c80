/*
 * The system's identity as uname(2) reports it. The host name and domain
 * name are set by sethostname(2)/setdomainname(2); the rest is constant.
 */
#ifndef UTSNAME_H
#define UTSNAME_H

#include <linux/utsname.h>

#include "compiler.h"

#define UTS_SYSNAME "Linux"
/* New enough that glibc never reports "kernel too old". */
#define UTS_RELEASE "6.1.0"
#define UTS_VERSION "#1 SMP"
#define UTS_MACHINE "x86_64"
#define UTS_DEFAULT_NAME "(none)"

struct uts_state {
	struct new_utsname name;
};

extern struct uts_state uts;

/*
 * Set the host or domain name from a kernel buffer of len bytes (not
 * NUL-terminated). Returns 0 or -EINVAL if len exceeds __NEW_UTS_LEN.
 */
int uts_set_hostname(const char *name, size_t len);
int uts_set_domainname(const char *name, size_t len);

#endif
