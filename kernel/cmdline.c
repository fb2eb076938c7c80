/*
 * Command-line parsing (see cmdline.h). Pure: no side effects beyond the
 * boot_params it fills and the hooks it calls, so it is unit-tested.
 */
#include "cmdline.h"
#include "err.h"
#include "klib.h"

struct core_option {
	const char *name; /* "mem" for "mem=", "quiet" for a flag */
	bool takes_value;
	int (*apply)(struct boot_params *bp, const char *value,
		     const char **why);
};

static int opt_mem(struct boot_params *bp, const char *v, const char **why)
{
	uint64_t size;

	if (kparse_size(v, &size)) {
		*why = "expected a size such as 256M or 1G";
		return -EINVAL;
	}
	if (size < CMDLINE_MIN_MEM || size > CMDLINE_MAX_MEM) {
		*why = "must be between 16M and 64G";
		return -EINVAL;
	}
	bp->mem = size;
	return 0;
}

#define STRING_OPTION(field)                                          \
	static int opt_##field(struct boot_params *bp, const char *v, \
			       const char **why)                      \
	{                                                             \
		if (!*v) {                                            \
			*why = "needs a value";                       \
			return -EINVAL;                               \
		}                                                     \
		bp->field = v;                                        \
		return 0;                                             \
	}

STRING_OPTION(initrd)
STRING_OPTION(init)
STRING_OPTION(rdinit)
STRING_OPTION(root)
STRING_OPTION(rootfstype)
STRING_OPTION(uml_dir)

static int opt_umid(struct boot_params *bp, const char *v, const char **why)
{
	if (!*v || kstrlen(v) > 63 || kstrchr(v, '/')) {
		*why = "must be 1 to 63 characters without '/'";
		return -EINVAL;
	}
	bp->umid = v;
	return 0;
}

static int opt_ro(struct boot_params *bp, const char *v, const char **why)
{
	bp->read_only = true;
	return 0;
}

static int opt_rw(struct boot_params *bp, const char *v, const char **why)
{
	bp->read_only = false;
	return 0;
}

static int opt_quiet(struct boot_params *bp, const char *v, const char **why)
{
	bp->quiet = true;
	return 0;
}

static int opt_ignore(struct boot_params *bp, const char *v, const char **why)
{
	return 0;
}

static int opt_help(struct boot_params *bp, const char *v, const char **why)
{
	bp->help = true;
	return 0;
}

static int opt_version(struct boot_params *bp, const char *v, const char **why)
{
	bp->version = true;
	return 0;
}

static const struct core_option core_options[] = {
	{ "mem", true, opt_mem },
	{ "initrd", true, opt_initrd },
	{ "init", true, opt_init },
	{ "rdinit", true, opt_rdinit },
	{ "root", true, opt_root },
	{ "rootfstype", true, opt_rootfstype },
	{ "umid", true, opt_umid },
	{ "uml_dir", true, opt_uml_dir },
	{ "console", true, opt_ignore },
	{ "ro", false, opt_ro },
	{ "rw", false, opt_rw },
	{ "quiet", false, opt_quiet },
	{ "debug", false, opt_ignore },
	{ "--help", false, opt_help },
	{ "--version", false, opt_version },
};

static int add_init_arg(struct boot_params *bp, const char *word, char *err,
			size_t errlen)
{
	if (bp->init_argc == CMDLINE_MAX_INIT_ARGS) {
		ksnprintf(err, errlen, "too many arguments for init at '%s'",
			  word);
		return -EINVAL;
	}
	bp->init_argv[bp->init_argc++] = word;
	return 0;
}

static int add_init_env(struct boot_params *bp, const char *word, char *err,
			size_t errlen)
{
	if (bp->init_envc == CMDLINE_MAX_INIT_ENVS) {
		ksnprintf(err, errlen,
			  "too many environment words for init "
			  "at '%s'",
			  word);
		return -EINVAL;
	}
	bp->init_envp[bp->init_envc++] = word;
	return 0;
}

/* Try a core option; 1 taken, 0 not ours, -EINVAL bad. */
static int try_core(struct boot_params *bp, const char *word, const char *key,
		    const char *value, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(core_options); i++) {
		const struct core_option *o = &core_options[i];
		const char *why = "is not valid";

		if (kstrcmp(o->name, key) || o->takes_value != (value != NULL))
			continue;
		if (o->apply(bp, value ? value : "", &why)) {
			ksnprintf(err, errlen, "%s: '%s' %s", o->name,
				  value ? value : "", why);
			return -EINVAL;
		}
		return 1;
	}
	(void)word;
	return 0;
}

int cmdline_parse(int argc, char **argv, struct boot_params *bp,
		  const struct boot_option_hook *hooks, size_t nhooks,
		  char *err, size_t errlen)
{
	int i;

	kmemset(bp, 0, sizeof(*bp));
	bp->mem = CMDLINE_DEFAULT_MEM;
	/* Like Linux, the root is mounted read-only unless "rw" is given. */
	bp->read_only = true;
	for (i = 1; i < argc; i++) {
		char key[64];
		const char *word = argv[i], *eq = kstrchr(word, '=');
		const char *value = eq ? eq + 1 : NULL;
		size_t klen = eq ? (size_t)(eq - word) : kstrlen(word);
		size_t h;
		int r;

		if (klen == 0 || klen >= sizeof(key)) {
			r = eq ? add_init_env(bp, word, err, errlen) :
				 add_init_arg(bp, word, err, errlen);
			if (r)
				return r;
			continue;
		}
		kmemcpy(key, word, klen);
		key[klen] = '\0';
		r = try_core(bp, word, key, value, err, errlen);
		if (r < 0)
			return r;
		if (r)
			continue;
		for (h = 0; h < nhooks; h++) {
			const char *why = "is not valid";

			r = hooks[h].setup(key, value, &why);
			if (r < 0) {
				ksnprintf(err, errlen, "%s: %s", word, why);
				return -EINVAL;
			}
			if (r)
				break;
		}
		if (r)
			continue;
		if (word[0] == '-' && word[1] == '-') {
			ksnprintf(err, errlen,
				  "unknown option '%s' (try "
				  "--help)",
				  word);
			return -EINVAL;
		}
		r = eq ? add_init_env(bp, word, err, errlen) :
			 add_init_arg(bp, word, err, errlen);
		if (r)
			return r;
	}
	return 0;
}
