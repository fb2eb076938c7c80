/*
 * /proc/PID/auxv, smaps, smaps_rollup and statm.
 *
 * auxv must hold the vector the process started with (what getauxval
 * reads from the stack), also in a forked child. smaps must count an
 * anonymous mapping's pages: private and dirty once written, shared with
 * half the proportional share while a forked child holds them, private
 * again for a page copied on write. smaps_rollup must sum smaps.
 *
 * Pages are touched from the top of the mapping down and the page copied
 * on write is the last one: a kernel that maps or copies a run of pages
 * ahead of a fault then brings in exactly the pages touched, as Linux does.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/wait.h>

#include "guest.h"

#define PAGE 4096UL
#define REGION_PAGES 64
#define TOUCHED 10
#define SMAPS_MAX (1 << 20)

/* Read a whole file into buf (NUL-terminated); its length. */
static size_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	CHECK(fd >= 0);
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	CHECK(n == 0 && len < size - 1);
	close(fd);
	buf[len] = '\0';
	return len;
}

/* ---- auxv ---- */

static uint64_t auxv_buf[512];

static size_t read_auxv(const char *path, size_t chunk)
{
	char *p = (char *)auxv_buf;
	size_t len = 0;
	int fd = open(path, O_RDONLY);
	ssize_t n = 0;

	CHECK(fd >= 0);
	while (len < sizeof(auxv_buf) &&
	       (n = read(fd, p + len, MIN(chunk, sizeof(auxv_buf) - len))) > 0)
		len += (size_t)n;
	CHECK(n == 0 && len < sizeof(auxv_buf));
	close(fd);
	return len;
}

static void test_auxv(void)
{
	static const unsigned long needed[] = {
		AT_PAGESZ, AT_ENTRY,  AT_PHDR,	 AT_PHENT, AT_PHNUM,
		AT_RANDOM, AT_EXECFN, AT_UID,	 AT_EUID,  AT_GID,
		AT_EGID,   AT_SECURE, AT_CLKTCK, AT_BASE,  AT_SYSINFO_EHDR,
	};
	static uint64_t first[512];
	size_t len = read_auxv("/proc/self/auxv", sizeof(auxv_buf));
	size_t words = len / 8, found = 0;
	int status;
	pid_t pid;

	CHECK(len > 0 && len % 16 == 0);
	CHECK(auxv_buf[words - 2] == AT_NULL);
	for (size_t i = 0; i + 2 < words; i += 2) {
		unsigned long type = auxv_buf[i];

		CHECK(type != AT_NULL);
		/* glibc reports its own idea of the hardware capabilities. */
		if (type != AT_HWCAP && type != AT_HWCAP2)
			CHECK(getauxval(type) == auxv_buf[i + 1]);
		for (size_t k = 0; k < sizeof(needed) / sizeof(needed[0]); k++)
			found += needed[k] == type;
	}
	CHECK(found == sizeof(needed) / sizeof(needed[0]));
	CHECK(getauxval(AT_PAGESZ) == PAGE);
	tg_ok("auxv pairs end in AT_NULL and equal getauxval");

	memcpy(first, auxv_buf, len);
	CHECK(read_auxv("/proc/self/auxv", 5) == len);
	CHECK(memcmp(first, auxv_buf, len) == 0);
	tg_ok("auxv read in 5-byte pieces is the same");

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(read_auxv("/proc/self/auxv", 64) == len &&
				      memcmp(first, auxv_buf, len) == 0 ?
			      0 :
			      1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tg_ok("a forked child has the same auxv");
}

/* ---- smaps ---- */

/* Buffers are touched before use so that reading changes no Rss. */
static char smaps_buf[SMAPS_MAX], rollup_buf[65536];
static char *region;

/* A maps or smaps header line: "start-end perms ...". */
static bool is_header(const char *line)
{
	size_t word = strcspn(line, " \n");

	return line[word] == ' ' && memchr(line, '-', word) != NULL;
}

/* The value of "name:" in the lines from p to the next header, or -1. */
static long field(const char *p, const char *name)
{
	size_t n = strlen(name);

	for (p = strchr(p, '\n'); p && p[1] && !is_header(p + 1);
	     p = strchr(p + 1, '\n'))
		if (strncmp(p + 1, name, n) == 0 && p[1 + n] == ':')
			return strtol(p + 2 + n, NULL, 10);
	return -1;
}

/* The smaps entry of the region in buf (from its header line). */
static const char *region_entry(const char *buf)
{
	char head[64];
	const char *p;

	snprintf(head, sizeof(head), "%lx-%lx ", (unsigned long)region,
		 (unsigned long)(region + REGION_PAGES * PAGE));
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, head, strlen(head)) == 0)
			return p;
	}
	return NULL;
}

struct usage {
	long size, rss, pss, pss_dirty, shared_clean, shared_dirty;
	long private_clean, private_dirty, anonymous;
};

static void region_usage(const char *path, struct usage *u)
{
	const char *e;

	read_file(path, smaps_buf, sizeof(smaps_buf));
	e = region_entry(smaps_buf);
	CHECK(e != NULL);
	u->size = field(e, "Size");
	u->rss = field(e, "Rss");
	u->pss = field(e, "Pss");
	u->pss_dirty = field(e, "Pss_Dirty");
	u->shared_clean = field(e, "Shared_Clean");
	u->shared_dirty = field(e, "Shared_Dirty");
	u->private_clean = field(e, "Private_Clean");
	u->private_dirty = field(e, "Private_Dirty");
	u->anonymous = field(e, "Anonymous");
}

/* The field names of the entry at e, in order, space-separated. */
static void field_names(const char *e, char *out, size_t size)
{
	const char *p;

	out[0] = '\0';
	for (p = strchr(e, '\n'); p && p[1] && !is_header(p + 1);
	     p = strchr(p + 1, '\n')) {
		const char *colon = strchr(p + 1, ':');
		size_t len = strlen(out);

		CHECK(colon != NULL);
		/* Only with memory protection keys. */
		if (strncmp(p + 1, "ProtectionKey:", 14) == 0)
			continue;
		snprintf(out + len, size - len, "%s%.*s", len ? " " : "",
			 (int)(colon - p - 1), p + 1);
	}
}

static void test_smaps_fields(void)
{
	static const char smaps_names[] =
		"Size KernelPageSize MMUPageSize Rss Pss Pss_Dirty "
		"Shared_Clean Shared_Dirty Private_Clean Private_Dirty "
		"Referenced Anonymous KSM LazyFree AnonHugePages "
		"ShmemPmdMapped FilePmdMapped Shared_Hugetlb Private_Hugetlb "
		"Swap SwapPss Locked THPeligible VmFlags";
	static const char rollup_names[] =
		"Rss Pss Pss_Dirty Pss_Anon Pss_File Pss_Shmem Shared_Clean "
		"Shared_Dirty Private_Clean Private_Dirty Referenced Anonymous "
		"KSM LazyFree AnonHugePages ShmemPmdMapped FilePmdMapped "
		"Shared_Hugetlb Private_Hugetlb Swap SwapPss Locked";
	char names[1024];
	const char *e;

	read_file("/proc/self/smaps", smaps_buf, sizeof(smaps_buf));
	e = region_entry(smaps_buf);
	CHECK(e != NULL);
	field_names(e, names, sizeof(names));
	CHECK(strcmp(names, smaps_names) == 0);
	CHECK(strstr(e, "\nKernelPageSize:        4 kB\n") != NULL);
	CHECK(strstr(e, "\nSize:                256 kB\n") != NULL);
	tg_ok("smaps fields in Linux's order and layout");
	read_file("/proc/self/smaps_rollup", rollup_buf, sizeof(rollup_buf));
	CHECK(strstr(rollup_buf, " [rollup]\n") != NULL);
	field_names(rollup_buf, names, sizeof(names));
	CHECK(strcmp(names, rollup_names) == 0);
	tg_ok("smaps_rollup fields in Linux's order");
}

static void test_smaps_private(void)
{
	struct usage u;

	for (int i = REGION_PAGES - 1; i >= REGION_PAGES - TOUCHED; i--)
		region[i * PAGE] = 1;
	region_usage("/proc/self/smaps", &u);
	CHECK(u.size == REGION_PAGES * 4);
	CHECK(u.rss == TOUCHED * 4 && u.pss == TOUCHED * 4);
	CHECK(u.anonymous == TOUCHED * 4 && u.private_dirty == TOUCHED * 4);
	CHECK(u.pss_dirty == TOUCHED * 4);
	CHECK(u.shared_clean == 0 && u.shared_dirty == 0 &&
	      u.private_clean == 0);
	tg_ok("10 of 64 pages touched: Rss, Anonymous, Private_Dirty 40 kB");
}

/*
 * While a forked child holds the pages they are shared: Pss halves. A
 * page written then is copied and private again, and once the child is
 * gone every page is private.
 */
static void test_smaps_fork(void)
{
	int ready[2], done[2], status;
	char path[64], c = 0;
	struct usage u;
	pid_t pid;

	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		_exit(write(ready[1], &c, 1) == 1 && read(done[0], &c, 1) == 0 ?
			      0 :
			      1);
	}
	close(ready[1]);
	close(done[0]);
	CHECK(read(ready[0], &c, 1) == 1);
	region_usage("/proc/self/smaps", &u);
	CHECK(u.rss == TOUCHED * 4 && u.pss == TOUCHED * 2);
	CHECK(u.anonymous == TOUCHED * 4 && u.shared_dirty == TOUCHED * 4);
	CHECK(u.private_dirty == 0 && u.pss_dirty == TOUCHED * 2);
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	region_usage(path, &u);
	CHECK(u.rss == TOUCHED * 4 && u.pss == TOUCHED * 2);
	CHECK(u.shared_dirty == TOUCHED * 4 && u.private_dirty == 0);
	tg_ok("after fork: Pss 20 kB, Shared_Dirty 40 kB in both");

	region[(REGION_PAGES - 1) * PAGE] = 2;
	region_usage("/proc/self/smaps", &u);
	CHECK(u.rss == TOUCHED * 4 && u.pss == 4 + (TOUCHED - 1) * 2);
	CHECK(u.private_dirty == 4 && u.shared_dirty == (TOUCHED - 1) * 4);
	tg_ok("a page copied on write is private again");

	close(done[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	region_usage("/proc/self/smaps", &u);
	CHECK(u.rss == TOUCHED * 4 && u.pss == TOUCHED * 4);
	CHECK(u.private_dirty == TOUCHED * 4 && u.shared_dirty == 0);
	tg_ok("once the child is gone every page is private");
}

/* The sum of a field over every entry of smaps. */
static long sum_field(const char *buf, const char *name)
{
	long sum = 0;

	for (const char *p = buf; p && *p; p = strchr(p + 1, '\n')) {
		const char *line = *p == '\n' ? p + 1 : p;

		if (is_header(line)) {
			long v = field(line, name);

			CHECK(v >= 0);
			sum += v;
		}
	}
	return sum;
}

static void test_rollup(void)
{
	static const char *const names[] = {
		"Rss",		 "Shared_Clean",  "Shared_Dirty",
		"Private_Clean", "Private_Dirty", "Anonymous",
	};

	read_file("/proc/self/smaps", smaps_buf, sizeof(smaps_buf));
	read_file("/proc/self/smaps_rollup", rollup_buf, sizeof(rollup_buf));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(sum_field(smaps_buf, names[i]) ==
		      field(rollup_buf, names[i]));
	CHECK(field(rollup_buf, "Rss") >= TOUCHED * 4);
	tg_ok("smaps_rollup sums smaps");
}

static void test_statm(void)
{
	unsigned long v[7];
	char buf[256];

	read_file("/proc/self/statm", buf, sizeof(buf));
	CHECK(sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2],
		     &v[3], &v[4], &v[5], &v[6]) == 7);
	CHECK(v[1] > 0 && v[0] >= v[1] && v[1] >= v[2]);
	CHECK(v[0] >= REGION_PAGES + 2 && v[5] >= REGION_PAGES);
	tg_ok("statm: size >= resident >= shared, data holds the region");
}

int main(void)
{
	tg_init("procfs_mem");
	memset(smaps_buf, 0, sizeof(smaps_buf));
	memset(rollup_buf, 0, sizeof(rollup_buf));
	test_auxv();

	/* Guard pages on both sides keep the region a mapping of its own. */
	region = mmap(NULL, (REGION_PAGES + 2) * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED);
	region += PAGE;
	CHECK(mprotect(region, REGION_PAGES * PAGE, PROT_READ | PROT_WRITE) ==
	      0);
	madvise(region, REGION_PAGES * PAGE, MADV_NOHUGEPAGE);

	test_smaps_private();
	test_smaps_fields();
	test_smaps_fork();
	test_rollup();
	test_statm();
	return tg_pass();
}
