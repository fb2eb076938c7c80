/*
 * File system calls in a fresh directory under /tmp (or argv[1]): open
 * flags, offsets, vectored and positional I/O, descriptor duplication and
 * flags, stat family, names (rename, links, symlinks, directories),
 * directory listing, permissions, truncation, cwd, times and *at calls.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "guest.h"

static void write_file(const char *name, const char *text)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(close(fd) == 0);
}

/* Read a whole small file into buf (NUL-terminated); return its length. */
static ssize_t read_file(const char *name, char *buf, size_t size)
{
	int fd = open(name, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, buf, size - 1);
	CHECK(n >= 0);
	buf[n] = '\0';
	close(fd);
	return n;
}

static void test_open_flags(void)
{
	char buf[64];
	int fd;

	fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	CHECK_ERR(open("f", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	fd = open("f", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(fd, "def", 3) == 3);
	close(fd);
	CHECK(read_file("f", buf, sizeof(buf)) == 6);
	CHECK(strcmp(buf, "abcdef") == 0);
	fd = open("f", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	close(fd);
	CHECK(read_file("f", buf, sizeof(buf)) == 0);
	CHECK_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	close(fd);
	CHECK_ERR(open("missing", O_RDONLY), ENOENT);
	CHECK(symlink("f", "lnk") == 0);
	CHECK_ERR(open("lnk", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = open("lnk", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	CHECK(unlink("lnk") == 0);
	CHECK_ERR(write(-1, "x", 1), EBADF);
	CHECK(unlink("f") == 0);
	tg_ok("open O_CREAT O_EXCL O_APPEND O_TRUNC O_DIRECTORY O_NOFOLLOW");
}

static void test_offsets_and_vectors(void)
{
	char a[4] = "", b[8] = "", buf[32];
	struct iovec iov[2];
	int fd = open("io", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	iov[0].iov_base = "hello ";
	iov[0].iov_len = 6;
	iov[1].iov_base = "world";
	iov[1].iov_len = 5;
	CHECK(writev(fd, iov, 2) == 11);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, -5, SEEK_END) == 6);
	CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0);
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "HELLO", 5) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	iov[0].iov_base = a;
	iov[0].iov_len = 3;
	iov[1].iov_base = b;
	iov[1].iov_len = 7;
	CHECK(readv(fd, iov, 2) == 10);
	CHECK(memcmp(a, "HEL", 3) == 0 && memcmp(b, "LO worl", 7) == 0);
	/* A hole reads as zeros. */
	CHECK(pwrite(fd, "Z", 1, 100) == 1);
	CHECK(pread(fd, buf, 4, 20) == 4);
	CHECK(buf[0] == 0 && buf[3] == 0);
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	close(fd);
	CHECK(unlink("io") == 0);
	tg_ok("lseek pread pwrite readv writev holes");
}

static void test_dup_fcntl(void)
{
	int fd = open("d", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int d1, d2, d3;
	char buf[8];

	CHECK(fd >= 0);
	d1 = dup(fd);
	CHECK(d1 > fd);
	CHECK(write(fd, "12", 2) == 2);
	/* Duplicates share the file offset. */
	CHECK(lseek(d1, 0, SEEK_CUR) == 2);
	d2 = dup2(fd, 50);
	CHECK(d2 == 50);
	CHECK(dup2(fd, fd) == fd);
	d3 = dup3(fd, 51, O_CLOEXEC);
	CHECK(d3 == 51 && (fcntl(51, F_GETFD) & FD_CLOEXEC));
	CHECK(!(fcntl(50, F_GETFD) & FD_CLOEXEC));
	CHECK_ERR(dup3(fd, fd, 0), EINVAL);
	CHECK(fcntl(fd, F_DUPFD_CLOEXEC, 60) >= 60);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0);
	CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	CHECK(fcntl(d1, F_GETFL) & O_APPEND);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(d2, "34", 2) == 2);
	CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "1234", 4) == 0);
	for (int i = 0; i < 70; i++)
		if (i > 2)
			close(i);
	CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
	CHECK(unlink("d") == 0);
	tg_ok("dup dup2 dup3 fcntl");
}

static void test_stat(void)
{
	struct stat st, lst;
	int fd;

	write_file("s", "12345");
	CHECK(stat("s", &st) == 0);
	CHECK(S_ISREG(st.st_mode) && st.st_size == 5 && st.st_nlink == 1);
	fd = open("s", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &lst) == 0);
	CHECK(lst.st_ino == st.st_ino && lst.st_dev == st.st_dev);
	close(fd);
	CHECK(symlink("s", "sl") == 0);
	CHECK(lstat("sl", &lst) == 0 && S_ISLNK(lst.st_mode));
	CHECK(lst.st_size == 1);
	CHECK(stat("sl", &lst) == 0 && lst.st_ino == st.st_ino);
	CHECK(stat(".", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_ERR(stat("nope", &st), ENOENT);
	CHECK_ERR(stat("s/x", &st), ENOTDIR);
	CHECK(unlink("sl") == 0 && unlink("s") == 0);
	tg_ok("stat lstat fstat");
}

static void test_names(void)
{
	struct stat st;
	char buf[64];

	write_file("a", "A");
	CHECK(rename("a", "b") == 0);
	CHECK_ERR(stat("a", &st), ENOENT);
	write_file("c", "C");
	CHECK(rename("c", "b") == 0); /* replaces b */
	CHECK(read_file("b", buf, sizeof(buf)) == 1 && buf[0] == 'C');
	CHECK(link("b", "hard") == 0);
	CHECK(stat("b", &st) == 0 && st.st_nlink == 2);
	CHECK_ERR(link("b", "hard"), EEXIST);
	CHECK(unlink("b") == 0);
	CHECK(stat("hard", &st) == 0 && st.st_nlink == 1);
	CHECK(symlink("hard", "soft") == 0);
	CHECK(readlink("soft", buf, sizeof(buf)) == 4);
	CHECK(memcmp(buf, "hard", 4) == 0);
	CHECK_ERR(readlink("hard", buf, sizeof(buf)), EINVAL);
	CHECK(symlink("dangling-target", "dangling") == 0);
	CHECK_ERR(stat("dangling", &st), ENOENT);
	CHECK(unlink("dangling") == 0 && unlink("soft") == 0);
	CHECK(unlink("hard") == 0);
	CHECK(mkdir("dir", 0755) == 0);
	CHECK_ERR(mkdir("dir", 0755), EEXIST);
	write_file("dir/inner", "i");
	CHECK_ERR(rmdir("dir"), ENOTEMPTY);
	CHECK(rename("dir", "dir2") == 0);
	CHECK(unlink("dir2/inner") == 0);
	CHECK(rmdir("dir2") == 0);
	CHECK_ERR(unlink("."), EISDIR);
	tg_ok("rename link unlink symlink readlink mkdir rmdir");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_readdir(void)
{
	const char *names[] = { "zeta", "alpha", "mid", "beta.txt" };
	char *seen[16];
	int n = 0;
	DIR *d;
	struct dirent *de;

	CHECK(mkdir("ls", 0755) == 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "ls/%s", names[i]);
		write_file(path, "x");
	}
	CHECK(mkdir("ls/sub", 0755) == 0);
	d = opendir("ls");
	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		CHECK(n < 16);
		seen[n++] = strdup(de->d_name);
		if (strcmp(de->d_name, "sub") == 0)
			CHECK(de->d_type == DT_DIR || de->d_type == DT_UNKNOWN);
	}
	closedir(d);
	qsort(seen, (size_t)n, sizeof(seen[0]), cmp_names);
	printf("readdir:");
	for (int i = 0; i < n; i++) {
		printf(" %s", seen[i]);
		free(seen[i]);
	}
	printf("\n");
	CHECK(n == 7);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "ls/%s", names[i]);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir("ls/sub") == 0 && rmdir("ls") == 0);
	tg_ok("readdir lists every entry");
}

static void test_modes(void)
{
	struct stat st;
	mode_t old = umask(027);
	int fd;

	fd = open("m", O_WRONLY | O_CREAT | O_TRUNC, 0777);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0750);
	CHECK(fchmod(fd, 0604) == 0);
	close(fd);
	CHECK(stat("m", &st) == 0 && (st.st_mode & 07777) == 0604);
	CHECK(chmod("m", 04711) == 0);
	CHECK(stat("m", &st) == 0 && (st.st_mode & 07777) == 04711);
	CHECK(mkdir("md", 0777) == 0);
	CHECK(stat("md", &st) == 0 && (st.st_mode & 0777) == 0750);
	CHECK(umask(old) == 027);
	CHECK(access("m", F_OK) == 0);
	CHECK(rmdir("md") == 0 && unlink("m") == 0);
	tg_ok("chmod fchmod umask");
}

static void test_truncate(void)
{
	struct stat st;
	char buf[32];
	int fd;

	write_file("t", "0123456789");
	CHECK(truncate("t", 4) == 0);
	CHECK(read_file("t", buf, sizeof(buf)) == 4);
	CHECK(strcmp(buf, "0123") == 0);
	fd = open("t", O_RDWR);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 8192) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 8192);
	CHECK(pread(fd, buf, 4, 4000) == 4 && buf[0] == 0 && buf[3] == 0);
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);
	CHECK(unlink("t") == 0);
	tg_ok("truncate ftruncate");
}

static void test_cwd(const char *top)
{
	char buf[PATH_MAX], expect[PATH_MAX + 8];

	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	CHECK(strcmp(buf, top) == 0);
	CHECK(mkdir("sub", 0755) == 0);
	CHECK(chdir("sub") == 0);
	snprintf(expect, sizeof(expect), "%s/sub", top);
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, expect) == 0);
	CHECK(chdir("..") == 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, top) == 0);
	errno = 0;
	CHECK(getcwd(buf, 2) == NULL && errno == ERANGE);
	CHECK_ERR(chdir("nowhere"), ENOENT);
	CHECK(rmdir("sub") == 0);
	tg_ok("getcwd chdir");
}

static void test_times(void)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
	struct stat st;

	write_file("u", "u");
	CHECK(utimensat(AT_FDCWD, "u", ts, 0) == 0);
	CHECK(stat("u", &st) == 0);
	CHECK(st.st_atim.tv_sec == 1000000000 &&
	      st.st_mtim.tv_sec == 1200000000);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK(utimensat(AT_FDCWD, "u", ts, 0) == 0);
	CHECK(stat("u", &st) == 0);
	CHECK(st.st_atim.tv_sec == 1000000000 &&
	      st.st_mtim.tv_sec > 1500000000);
	CHECK(unlink("u") == 0);
	tg_ok("utimensat");
}

static void test_at_calls(void)
{
	struct stat st;
	char buf[32];
	int dfd, fd;

	CHECK(mkdirat(AT_FDCWD, "at", 0755) == 0);
	dfd = open("at", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	fd = openat(dfd, "x", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "at!", 3) == 3);
	close(fd);
	CHECK(fstatat(dfd, "x", &st, 0) == 0 && st.st_size == 3);
	CHECK(renameat(dfd, "x", dfd, "y") == 0);
	CHECK(linkat(dfd, "y", dfd, "z", 0) == 0);
	CHECK(symlinkat("y", dfd, "s") == 0);
	CHECK(readlinkat(dfd, "s", buf, sizeof(buf)) == 1 && buf[0] == 'y');
	CHECK(fstatat(dfd, "s", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISLNK(st.st_mode));
	CHECK(faccessat(dfd, "z", R_OK, 0) == 0);
	CHECK(fchmodat(dfd, "z", 0600, 0) == 0);
	CHECK(fstatat(dfd, "y", &st, 0) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(mkdirat(dfd, "d", 0755) == 0);
	CHECK(unlinkat(dfd, "d", AT_REMOVEDIR) == 0);
	CHECK(unlinkat(dfd, "s", 0) == 0 && unlinkat(dfd, "z", 0) == 0);
	CHECK(unlinkat(dfd, "y", 0) == 0);
	CHECK_ERR(openat(dfd, "y", O_RDONLY), ENOENT);
	/* An absolute path ignores dirfd. */
	fd = openat(dfd, "/", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	close(fd);
	close(dfd);
	CHECK(unlinkat(AT_FDCWD, "at", AT_REMOVEDIR) == 0);
	tg_ok("openat fstatat renameat linkat symlinkat unlinkat");
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];
	char top[PATH_MAX];

	tg_init("files");
	snprintf(dir, sizeof(dir), "%s/filesXXXXXX",
		 argc > 1 ? argv[1] : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(realpath(".", top) != NULL);
	umask(022);
	test_open_flags();
	test_offsets_and_vectors();
	test_dup_fcntl();
	test_stat();
	test_names();
	test_readdir();
	test_modes();
	test_truncate();
	test_cwd(top);
	test_times();
	test_at_calls();
	CHECK(chdir("/") == 0);
	CHECK(rmdir(dir) == 0);
	return tg_pass();
}
