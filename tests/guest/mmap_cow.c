/*
 * Memory management: anonymous and file mappings (private and shared),
 * MAP_FIXED, munmap, mprotect faults with exact si_addr/si_code, SIGBUS past
 * end of file, mremap growth, madvise, copy-on-write after fork and brk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "guest.h"

#define PAGE 4096UL

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;
static void *volatile fault_addr;
static volatile int fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

static void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0);
}

/* Write one byte at p; return the signal it raised, or 0. */
static int try_write(volatile char *p)
{
	fault_sig = 0;
	fault_addr = NULL;
	if (sigsetjmp(fault_jmp, 1) == 0)
		*p = 1;
	return fault_sig;
}

static int try_read(volatile char *p)
{
	fault_sig = 0;
	fault_addr = NULL;
	if (sigsetjmp(fault_jmp, 1) == 0)
		(void)*p;
	return fault_sig;
}

static void test_anon(void)
{
	size_t len = 1 << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < len; i++)
		CHECK(p[i] == 0);
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < len; i++)
		CHECK(p[i] == (unsigned char)(i * 7));
	CHECK(munmap(p, len) == 0);
	tg_ok("anonymous mapping zeroed and writable");
}

static int make_file(const char *path, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[PAGE];

	CHECK(fd >= 0);
	for (size_t off = 0; off < len; off += PAGE) {
		memset(buf, 'a' + (int)(off / PAGE) % 26, sizeof(buf));
		CHECK(pwrite(fd, buf, PAGE, (off_t)off) == (ssize_t)PAGE);
	}
	return fd;
}

static void test_file_private(const char *path)
{
	int fd = make_file(path, 4 * PAGE);
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		       0);
	char c;

	CHECK(p != MAP_FAILED);
	CHECK(p[0] == 'a' && p[PAGE] == 'b' && p[3 * PAGE + 5] == 'd');
	p[PAGE] = 'X';
	CHECK(pread(fd, &c, 1, PAGE) == 1 && c == 'b');
	CHECK(p[PAGE] == 'X');
	CHECK(munmap(p, 4 * PAGE) == 0);
	close(fd);
	tg_ok("MAP_PRIVATE file writes stay private");
}

static void test_file_shared(const char *path)
{
	int fd = make_file(path, 2 * PAGE);
	char *p =
		mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char c;

	CHECK(p != MAP_FAILED);
	p[10] = 'S';
	CHECK(msync(p, 2 * PAGE, MS_SYNC) == 0);
	CHECK(pread(fd, &c, 1, 10) == 1 && c == 'S');
	CHECK(pwrite(fd, "W", 1, PAGE + 1) == 1);
	CHECK(p[PAGE + 1] == 'W');
	CHECK(munmap(p, 2 * PAGE) == 0);
	close(fd);
	tg_ok("MAP_SHARED file is coherent with read and write");
}

static void test_sigbus(const char *path)
{
	int fd = make_file(path, PAGE);
	char *p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	CHECK(p != MAP_FAILED);
	CHECK(try_read(p + PAGE - 1) == 0);
	CHECK(try_read(p + 2 * PAGE) == SIGBUS);
	CHECK(fault_addr == p + 2 * PAGE);
	CHECK(munmap(p, 3 * PAGE) == 0);
	close(fd);
	tg_ok("SIGBUS past end of file");
}

static void test_fixed_and_faults(void)
{
	char *base = mmap(NULL, 4 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *mid;

	CHECK(base != MAP_FAILED);
	CHECK(try_write(base) == SIGSEGV);
	CHECK(fault_addr == base && fault_code == SEGV_ACCERR);
	mid = mmap(base + PAGE, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(mid == base + PAGE);
	CHECK(try_write(mid + 100) == 0 && mid[100] == 1);
	tg_ok("MAP_FIXED over a PROT_NONE reservation");

	CHECK(mprotect(mid, PAGE, PROT_READ) == 0);
	CHECK(try_write(mid + 123) == SIGSEGV);
	CHECK(fault_addr == mid + 123 && fault_code == SEGV_ACCERR);
	CHECK(try_read(mid + 100) == 0 && mid[100] == 1);
	CHECK(mprotect(mid, PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(try_write(mid + 123) == 0);
	tg_ok("mprotect read-only write faults with si_addr");

	CHECK(munmap(base, 4 * PAGE) == 0);
	CHECK(try_read(mid + 8) == SIGSEGV);
	CHECK(fault_addr == mid + 8 && fault_code == SEGV_MAPERR);
	tg_ok("munmap then access gives SEGV_MAPERR");
}

static void test_mremap(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	CHECK(p != MAP_FAILED);
	memset(p, 'm', PAGE);
	q = mremap(p, PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	for (size_t i = 0; i < PAGE; i++)
		CHECK(q[i] == 'm');
	for (size_t i = PAGE; i < 8 * PAGE; i++)
		CHECK(q[i] == 0);
	q[8 * PAGE - 1] = 'e';
	q = mremap(q, 8 * PAGE, 2 * PAGE, 0);
	CHECK(q != MAP_FAILED && q[0] == 'm');
	CHECK(munmap(q, 2 * PAGE) == 0);
	tg_ok("mremap grow and shrink");
}

static void test_madvise(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	memset(p, 'd', 4 * PAGE);
	CHECK(madvise(p, 4 * PAGE, MADV_DONTNEED) == 0);
	for (size_t i = 0; i < 4 * PAGE; i++)
		CHECK(p[i] == 0);
	CHECK(munmap(p, 4 * PAGE) == 0);
	tg_ok("MADV_DONTNEED zeroes anonymous pages");
}

static int global_value = 11;

static void test_cow(void)
{
	size_t len = 64 * PAGE;
	char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(10000);
	int status;
	pid_t pid;

	CHECK(priv != MAP_FAILED && shared != MAP_FAILED && heap != NULL);
	memset(priv, 'P', len);
	memset(heap, 'H', 10000);
	shared[0] = 's';
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int ok = priv[0] == 'P' && heap[9999] == 'H' &&
			 global_value == 11;

		memset(priv, 'C', len);
		memset(heap, 'c', 10000);
		global_value = 22;
		shared[0] = 'S';
		_exit(ok ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (size_t i = 0; i < len; i++)
		CHECK(priv[i] == 'P');
	for (size_t i = 0; i < 10000; i++)
		CHECK(heap[i] == 'H');
	CHECK(global_value == 11);
	CHECK(shared[0] == 'S');
	/* The parent writes after the fork too; the child is gone, so
	 * this must not disturb anything. */
	priv[0] = 'Q';
	CHECK(priv[0] == 'Q' && priv[1] == 'P');
	free(heap);
	munmap(priv, len);
	munmap(shared, PAGE);
	tg_ok("copy-on-write after fork, MAP_SHARED shared");
}

/*
 * A loop of forks in which parent and children keep writing the same
 * stack, TLS, global and heap pages: each child must see exactly the
 * parent's values at its fork and its writes must never reach the parent
 * (our kernel copies such pages for the child at fork time).
 */
static int loop_global = -1;
static __thread int loop_tls = -1;

static void test_fork_loop(void)
{
	volatile int on_stack = -1;
	int *heap = malloc(sizeof(*heap));
	int status;

	CHECK(heap != NULL);
	*heap = -1;
	for (int i = 0; i < 200; i++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			int want = i - 1;
			int ok = on_stack == want && loop_global == want &&
				 loop_tls == want && *heap == want;

			on_stack = loop_global = loop_tls = *heap = 1000 + i;
			_exit(ok ? 0 : 1);
		}
		/* Sometimes write before the child has run, sometimes after. */
		if (i % 2)
			on_stack = loop_global = loop_tls = *heap = i;
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (!(i % 2)) {
			CHECK(on_stack == i - 1 && loop_global == i - 1 &&
			      loop_tls == i - 1 && *heap == i - 1);
			on_stack = loop_global = loop_tls = *heap = i;
		}
	}
	free(heap);
	tg_ok("fork loop: children see the parent's values, never the reverse");
}

static void test_brk(void)
{
	char *start = sbrk(0);
	size_t grow = 1 << 20;

	CHECK(start != (char *)-1);
	CHECK(brk(start + grow) == 0);
	CHECK(sbrk(0) == start + grow);
	for (size_t i = 0; i < grow; i += PAGE)
		CHECK(start[i] == 0);
	memset(start, 'b', grow);
	CHECK(start[grow - 1] == 'b');
	CHECK(brk(start) == 0);
	CHECK(sbrk(0) == start);
	tg_ok("brk grows and shrinks the heap");
}

int main(void)
{
	char dir[] = "/tmp/mmapXXXXXX";
	char path[64];

	tg_init("mmap_cow");
	catch_faults();
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/file", dir);
	test_anon();
	test_file_private(path);
	test_file_shared(path);
	test_sigbus(path);
	test_fixed_and_faults();
	test_mremap();
	test_madvise();
	test_cow();
	test_fork_loop();
	test_brk();
	unlink(path);
	rmdir(dir);
	return tg_pass();
}
