/*
 * uml_mkcow: create a UML copy-on-write file for a backing file.
 *
 *   uml_mkcow [-f] COW_FILE BACKING_FILE
 *
 * Writes a v3 header (sector size 512, alignment 4096) naming the backing
 * file by its absolute path, with the backing file's size and mtime, and
 * extends the file sparsely to its full length by writing one zero byte at
 * its last offset, so the bitmap reads as all zeros. Without -f an
 * existing COW file is an error (O_EXCL). The output, messages and exit
 * status are those of uml-utilities' uml_mkcow, except that a failure
 * leaves no COW file behind, -f starts from an empty file instead of
 * keeping a stale bitmap (and refuses to overwrite the backing file
 * itself), and backing files in / or under a long current directory
 * work.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cow.h"

#define MKCOW_MODE (S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH)

static void usage(const char *prog)
{
	fprintf(stderr, "%s usage: \n", prog);
	fprintf(stderr, "\t%s [-f] <COW file> <backing file>\n", prog);
	fprintf(stderr, "\t-f forces overwrite of an existing COW file\n");
	exit(2);
}

/*
 * Write the absolute form of from into to (size bytes): the directory
 * part resolved as the kernel resolves it (physical path of the current
 * or named directory), the last component kept as given. Returns 0 or
 * -1 with errno set and a message printed.
 */
static int absolutize(char *to, size_t size, const char *from)
{
	const char *slash = strrchr(from, '/');
	char dir[PATH_MAX], resolved[PATH_MAX];
	const char *base;
	int n;

	if (!slash) {
		if (!getcwd(resolved, sizeof(resolved))) {
			printf("absolutize : unable to get cwd - errno = %d\n",
			       errno);
			return -1;
		}
		base = from;
	} else {
		size_t dlen = slash == from ? 1 : (size_t)(slash - from);

		if (dlen >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			printf("absolutize : Can't cd to '%s' - errno = %d\n",
			       from, errno);
			return -1;
		}
		memcpy(dir, from, dlen);
		dir[dlen] = '\0';
		if (!realpath(dir, resolved)) {
			printf("absolutize : Can't cd to '%s' - errno = %d\n",
			       dir, errno);
			return -1;
		}
		base = slash + 1;
	}
	n = snprintf(to, size, "%s/%s", strcmp(resolved, "/") ? resolved : "",
		     base);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		printf("absolutize : unable to fit '%s' into %zu chars\n", from,
		       size);
		return -1;
	}
	return 0;
}

/* The size of the backing file: st_size, or a block device's size. */
static int backing_size(const char *path, const struct stat *st, uint64_t *size)
{
	uint64_t bytes;
	int fd, err;

	if (!S_ISBLK(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("Couldn't open \"%s\", errno = %d\n", path, errno);
		return -1;
	}
	err = ioctl(fd, BLKGETSIZE64, &bytes);
	if (err < 0) {
		err = errno;
		printf("Couldn't get the block size of \"%s\", errno = %d\n",
		       path, err);
		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	*size = bytes;
	return 0;
}

/* Write all of buf at off; 0 or -1 with errno set. */
static int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Build the header for backing and write the COW file on fd. Returns 0,
 * or -1 with errno set after printing what failed.
 */
static int write_cow(int fd, const char *cow_file, const char *backing)
{
	static char path[COW_PATH_LEN];
	static uint8_t header[COW_HEADER_V3_LEN];
	static struct cow_info ci;
	const char zero = 0;
	struct stat st, cow_st;
	uint64_t size;

	if (strlen(backing) > COW_PATH_LEN - 1) {
		printf("Backing file name \"%s\" is too long - names are "
		       "limited to %d characters\n",
		       backing, COW_PATH_LEN - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (absolutize(path, sizeof(path), backing))
		return -1;
	if (stat(path, &st)) {
		printf("write_cow_header - backing file '%s' mtime request "
		       "failed, err = %d\n",
		       path, errno);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		printf("write_cow_header - couldn't get size of backing file "
		       "'%s', err = %d\n",
		       path, errno);
		return -1;
	}
	if (backing_size(path, &st, &size))
		return -1;
	if (!cow_encode_v3(header, sizeof(header), path, (uint32_t)st.st_mtime,
			   size, COW_SECTOR_SIZE, COW_ALIGNMENT) ||
	    cow_decode(header, sizeof(header), &ci)) {
		errno = EFBIG;
		printf("write_cow_header - couldn't get size of backing file "
		       "'%s', err = %d\n",
		       path, errno);
		return -1;
	}

	if (fstat(fd, &cow_st)) {
		printf("write_cow_header - couldn't stat new COW file '%s', "
		       "err = %d\n",
		       cow_file, errno);
		return -1;
	}
	if (cow_st.st_dev == st.st_dev && cow_st.st_ino == st.st_ino) {
		errno = EINVAL;
		printf("write_cow_header - COW file '%s' is the backing file\n",
		       cow_file);
		return -1;
	}
	/* With -f, an old file's bitmap must not survive. */
	if (S_ISREG(cow_st.st_mode) && ftruncate(fd, 0)) {
		printf("write_cow_header - write of header to new COW file "
		       "'%s' failed, err = %d\n",
		       cow_file, errno);
		return -1;
	}
	if (pwrite_full(fd, header, sizeof(header), 0)) {
		printf("write_cow_header - write of header to new COW file "
		       "'%s' failed, err = %d\n",
		       cow_file, errno);
		return -1;
	}
	if (pwrite_full(fd, &zero, sizeof(zero),
			(off_t)(ci.data_offset + ci.size - sizeof(zero)))) {
		printf("Write of bitmap to new COW file '%s' failed, err = %d\n",
		       cow_file, errno);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *prog = argv[0] ? argv[0] : "uml_mkcow";
	bool force = false, created = true;
	int first = 1, fd, err;

	if (argc < 2)
		usage(prog);
	if (!strcmp(argv[1], "-f")) {
		force = true;
		first++;
	}
	if (argc - first < 2)
		usage(prog);

	if (force) {
		fd = open(argv[first], O_RDWR);
		created = fd < 0 && errno == ENOENT;
		if (created)
			fd = open(argv[first], O_RDWR | O_CREAT | O_EXCL,
				  MKCOW_MODE);
	} else {
		fd = open(argv[first], O_RDWR | O_CREAT | O_EXCL, MKCOW_MODE);
	}
	if (fd < 0) {
		perror("open COW file");
		return 1;
	}
	if (write_cow(fd, argv[first], argv[first + 1])) {
		err = errno;
		fflush(stdout);
		if (created)
			unlink(argv[first]);
		errno = err;
		perror("write_cow_header");
		return 1;
	}
	if (close(fd)) {
		perror("write_cow_header");
		if (created)
			unlink(argv[first]);
		return 1;
	}
	return 0;
}
