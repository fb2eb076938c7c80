/*
 * /proc/sys: the sysctl files. Values are read live; the writable ones
 * (hostname, domainname, overcommit_memory) validate and apply what is
 * written, taking text up to the first newline like Linux's proc_dostring.
 */
#include "err.h"
#include "klib.h"
#include "procfs_internal.h"
#include "sched.h"
#include "utsname.h"

#define PROC_SYS_FILE_MAX 9223372036854775807ULL
#define PROC_SYS_NR_OPEN 1048576
#define PROC_SYS_CAP_LAST_CAP 40
#define PROC_SYS_THREADS_MAX 4096
#define PROC_SYS_OVERFLOW_ID 65534
#define PROC_SYS_MAX_MAP_COUNT 65530
#define PROC_SYS_POOLSIZE 256
#define PROC_SYS_OVERCOMMIT_MAX 2
/* Every SysRq function is enabled (kernel.sysrq = 1). */
#define PROC_SYS_SYSRQ_ALL 1

/* Length of the first line of buf[0..len). */
static size_t proc_sys_line_len(const char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && buf[n] != '\n' && buf[n] != '\0')
		n++;
	return n;
}

static int proc_sys_hostname_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", uts.name.nodename);
	return 0;
}

static long proc_sys_hostname_write(const struct proc_node *n, const char *buf,
				    size_t len)
{
	int err = uts_set_hostname(buf, proc_sys_line_len(buf, len));

	return err ? err : (long)len;
}

static int proc_sys_domainname_show(const struct proc_node *n,
				    struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", uts.name.domainname);
	return 0;
}

static long proc_sys_domainname_write(const struct proc_node *n,
				      const char *buf, size_t len)
{
	int err = uts_set_domainname(buf, proc_sys_line_len(buf, len));

	return err ? err : (long)len;
}

int proc_show_const(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%llu\n", (unsigned long long)n->entry->value);
	return 0;
}

static int proc_sys_ostype_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", uts.name.sysname);
	return 0;
}

static int proc_sys_osrelease_show(const struct proc_node *n,
				   struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", uts.name.release);
	return 0;
}

static int proc_sys_version_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", uts.name.version);
	return 0;
}

static int proc_sys_uuid_show(const struct proc_node *n, struct proc_buf *b)
{
	char id[40];

	proc_random_uuid(id, sizeof(id));
	pbuf_printf(b, "%s\n", id);
	return 0;
}

static int proc_sys_boot_id_show(const struct proc_node *n, struct proc_buf *b)
{
	pbuf_printf(b, "%s\n", procfs.boot_id);
	return 0;
}

static int proc_sys_overcommit_show(const struct proc_node *n,
				    struct proc_buf *b)
{
	pbuf_printf(b, "%d\n", procfs.overcommit_memory);
	return 0;
}

static long proc_sys_overcommit_write(const struct proc_node *n,
				      const char *buf, size_t len)
{
	size_t line = proc_sys_line_len(buf, len);
	long v = proc_parse_num(buf, line, PROC_SYS_OVERCOMMIT_MAX);

	if (v < 0)
		return -EINVAL;
	procfs.overcommit_memory = (int)v;
	return (long)len;
}

static const struct proc_entry proc_sys_random_children[] = {
	PROC_REG("boot_id", 0444, proc_sys_boot_id_show),
	PROC_CONST("entropy_avail", PROC_SYS_POOLSIZE),
	PROC_CONST("poolsize", PROC_SYS_POOLSIZE),
	PROC_REG("uuid", 0444, proc_sys_uuid_show),
};

static const struct proc_table proc_sys_random_table =
	PROC_TABLE(proc_sys_random_children);

static const struct proc_entry proc_sys_kernel_children[] = {
	PROC_CONST("cap_last_cap", PROC_SYS_CAP_LAST_CAP),
	PROC_RW("domainname", 0644, proc_sys_domainname_show,
		proc_sys_domainname_write),
	PROC_RW("hostname", 0644, proc_sys_hostname_show,
		proc_sys_hostname_write),
	PROC_CONST("ngroups_max", NGROUPS_MAX_KERN),
	PROC_REG("osrelease", 0444, proc_sys_osrelease_show),
	PROC_REG("ostype", 0444, proc_sys_ostype_show),
	PROC_CONST("overflowgid", PROC_SYS_OVERFLOW_ID),
	PROC_CONST("overflowuid", PROC_SYS_OVERFLOW_ID),
	PROC_CONST("pid_max", PROC_PID_MAX),
	PROC_DIR("random", 0555, &proc_sys_random_table, NULL),
	PROC_CONST("sysrq", PROC_SYS_SYSRQ_ALL),
	PROC_CONST("threads-max", PROC_SYS_THREADS_MAX),
	PROC_REG("version", 0444, proc_sys_version_show),
};

static const struct proc_table proc_sys_kernel_table =
	PROC_TABLE(proc_sys_kernel_children);

static const struct proc_entry proc_sys_vm_children[] = {
	PROC_CONST("max_map_count", PROC_SYS_MAX_MAP_COUNT),
	PROC_RW("overcommit_memory", 0644, proc_sys_overcommit_show,
		proc_sys_overcommit_write),
};

static const struct proc_table proc_sys_vm_table =
	PROC_TABLE(proc_sys_vm_children);

static const struct proc_entry proc_sys_fs_children[] = {
	PROC_CONST("file-max", PROC_SYS_FILE_MAX),
	PROC_CONST("nr_open", PROC_SYS_NR_OPEN),
};

static const struct proc_table proc_sys_fs_table =
	PROC_TABLE(proc_sys_fs_children);

static const struct proc_entry proc_sys_children[] = {
	PROC_DIR("fs", 0555, &proc_sys_fs_table, NULL),
	PROC_DIR("kernel", 0555, &proc_sys_kernel_table, NULL),
	PROC_DIR("vm", 0555, &proc_sys_vm_table, NULL),
};

const struct proc_table proc_sys_table = PROC_TABLE(proc_sys_children);
