/*
 * The machine's identity on the host: its umid (name) and the directory
 * <uml_dir><umid>/ that holds its pid file and mconsole socket. The
 * directory exists from umid_init until a clean halt or reboot removes it;
 * after a panic it stays, so a crash can be noticed and the name reused.
 */
#ifndef UMID_H
#define UMID_H

#include "compiler.h"

/* The longest umid UML accepts. */
#define UMID_MAX_LEN 63

/*
 * Claim the umid (random when umid is NULL) under uml_dir (~/.uml/ when
 * NULL): create the directory and its pid file, taking over the directory
 * of a dead instance. Returns 0; -EBUSY when a live process holds the
 * umid, with `umid "NAME" is already in use by pid N` in err; or another
 * -errno with a one-line reason in err (the machine can run without it).
 */
int umid_init(const char *uml_dir, const char *umid, char *err, size_t errlen);

/* The machine's directory without a trailing '/', or "" when there is none. */
const char *umid_dir(void);

/* The machine's umid, or "" before umid_init. */
const char *umid_name(void);

/* Remove the machine's directory (clean halt or reboot). Idempotent. */
void umid_remove(void);

#endif
