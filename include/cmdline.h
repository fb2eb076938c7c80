/*
 * The kernel command line, in UML's syntax: argv words of the host
 * process. Known options set boot parameters or go to a subsystem's setup
 * hook; other key=value words go to init's environment and bare words to
 * init's argv.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include "compiler.h"

#define CMDLINE_MAX_INIT_ARGS 32
#define CMDLINE_MAX_INIT_ENVS 32
#define CMDLINE_DEFAULT_MEM (128ULL << 20)
#define CMDLINE_MIN_MEM (16ULL << 20)
#define CMDLINE_MAX_MEM (64ULL << 30)

struct boot_params {
	uint64_t mem;
	const char *initrd;
	const char *init;
	const char *rdinit; /* run first from an initramfs, as Linux */
	const char *root;
	const char *rootfstype;
	bool read_only;
	bool quiet;
	bool help;
	bool version;
	const char *umid;
	const char *uml_dir;
	int init_argc;
	const char *init_argv[CMDLINE_MAX_INIT_ARGS];
	int init_envc;
	const char *init_envp[CMDLINE_MAX_INIT_ENVS];
};

/*
 * A subsystem's option handler (console, ubd, eth...). Called with the
 * word split at '=' (value NULL for a bare word). Returns 1 when it took
 * the option, 0 when it is not its option, -errno (with a message in
 * *why) when the value is bad.
 */
struct boot_option_hook {
	const char *name;
	int (*setup)(const char *key, const char *value, const char **why);
};

/*
 * Parse argv[1..argc). Returns 0, or -EINVAL with a one-line message
 * naming the option in err.
 */
int cmdline_parse(int argc, char **argv, struct boot_params *bp,
		  const struct boot_option_hook *hooks, size_t nhooks,
		  char *err, size_t errlen);

#endif
