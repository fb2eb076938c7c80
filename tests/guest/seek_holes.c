/*
 * lseek SEEK_DATA and SEEK_HOLE in a fresh directory under /tmp (or
 * argv[1]): a sparse file with a page of data, a 1 GiB hole and a page of
 * data at its end, a file that is all hole, and an empty file. Offsets are
 * page aligned, so any file system that tracks holes in pages or 4 KiB
 * blocks (tmpfs, ext2, ext4) gives the same answers.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "guest.h"

#define PAGE 4096LL
#define GIB (1LL << 30)

/* A page of data at 0, a hole of 1 GiB, a page of data ending the file. */
static void test_sparse(void)
{
	static char page[PAGE];
	off_t tail = GIB + PAGE, size = tail + PAGE;
	int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	memset(page, 'd', sizeof(page));
	CHECK(pwrite(fd, page, sizeof(page), 0) == PAGE);
	CHECK(pwrite(fd, page, sizeof(page), tail) == PAGE);
	CHECK(fsync(fd) == 0);
	CHECK(lseek(fd, 0, SEEK_DATA) == 0);
	CHECK(lseek(fd, 100, SEEK_DATA) == 100);
	CHECK(lseek(fd, 0, SEEK_HOLE) == PAGE);
	CHECK(lseek(fd, 0, SEEK_CUR) == PAGE);
	CHECK(lseek(fd, PAGE + 5000, SEEK_HOLE) == PAGE + 5000);
	tg_ok("data at the start, then a hole");
	CHECK(lseek(fd, PAGE, SEEK_DATA) == tail);
	CHECK(lseek(fd, GIB / 2, SEEK_DATA) == tail);
	CHECK(lseek(fd, tail + 10, SEEK_DATA) == tail + 10);
	tg_ok("SEEK_DATA passes over the 1 GiB hole");
	CHECK(lseek(fd, tail, SEEK_HOLE) == size);
	CHECK(lseek(fd, size - 1, SEEK_HOLE) == size);
	tg_ok("the end of the file is a hole");
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	CHECK_ERR(lseek(fd, size, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, size, SEEK_HOLE), ENXIO);
	CHECK_ERR(lseek(fd, size + PAGE, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO);
	CHECK(lseek(fd, 0, SEEK_CUR) == 7);
	tg_ok("ENXIO at and past the end, offset unchanged");
	CHECK(close(fd) == 0);
	CHECK(unlink("sparse") == 0);
}

/* A file with no data: grown by ftruncate, and empty. */
static void test_no_data(void)
{
	int fd = open("hole", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_ERR(lseek(fd, 0, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, 0, SEEK_HOLE), ENXIO);
	tg_ok("an empty file has neither data nor holes");
	CHECK(ftruncate(fd, 2 * GIB) == 0);
	CHECK_ERR(lseek(fd, 0, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, GIB + 1, SEEK_DATA), ENXIO);
	CHECK(lseek(fd, 0, SEEK_HOLE) == 0);
	CHECK(lseek(fd, GIB + 1, SEEK_HOLE) == GIB + 1);
	tg_ok("a file without blocks is one hole");
	CHECK(close(fd) == 0);
	CHECK(unlink("hole") == 0);
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];

	tg_init("seek_holes");
	snprintf(dir, sizeof(dir), "%s/seekXXXXXX",
		 argc > 1 ? argv[1] : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	CHECK(chdir(dir) == 0);
	test_sparse();
	test_no_data();
	CHECK(chdir("/") == 0);
	CHECK(rmdir(dir) == 0);
	return tg_pass();
}
