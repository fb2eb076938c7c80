/*
 * uml_moo: merge a UML copy-on-write file with its backing file.
 *
 *   uml_moo [-b ACTUAL_BACKING] COW_FILE NEW_FILE
 *   uml_moo [-b ACTUAL_BACKING] -d COW_FILE
 *
 * The plain merge writes NEW_FILE (mode 0644): each sector from the COW
 * file if its bit is set, else from the backing file. All-zero sectors are
 * not written, so NEW_FILE is sparse, except the last one, which gives the
 * file its size. -d merges in place: only sectors whose bit is set are
 * written into the backing file, and a zero sector only where the backing
 * file is not already zero. -b names the backing file instead of the path
 * in the header. The backing file must match the header's size and mtime.
 *
 * Reads any header version. Output bytes, messages and exit status are
 * uml-utilities' uml_moo's, with these fixes: bits are read byte-wise as
 * the kernel does; a final partial sector is merged (not dropped); -b and
 * -d may come in either order; -d without a file prints the usage; an
 * output that is the COW or backing file itself is refused. The work is
 * done in runs of equal bits and chunks of 1 MiB, and holes in the inputs
 * are skipped without reading them, so sparse multi-GiB images merge fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cow.h"

#define MOO_CHUNK (1024 * 1024) /* bytes read or written at a time */
#define MOO_MODE 0644

static const char moo_usage[] =
	"%s usage:\n"
	"\t%s [ -b <actual backing file> ] <COW file> <new backing file>\n"
	"\t%s [ -b <actual backing file> ] -d <COW file>\n"
	"Creates a new filesystem image from the COW file and its backing "
	"file.\n"
	"Specifying -d will cause a destructive, in-place merge of the COW "
	"file into\n"
	"its current backing file\n"
	"Specifying -b overrides the backing_file specified in the COW file.  "
	"This is\n"
	"needed when dealing with a COW file that was created inside a chroot "
	"jail.\n"
	"%s supports version 1,2 and 3 COW files.\n";

/* One merge: its files, header and buffers. */
struct moo {
	struct cow_info ci;
	int cow_fd, back_fd, out_fd; /* out_fd == back_fd for -d */
	bool in_place;
	uint64_t cow_len, back_len; /* file sizes, to tell holes from EOF */
	uint8_t *bitmap;
	uint64_t bitmap_bits; /* sectors past these have no bit */
	uint8_t *buf, *back_buf; /* MOO_CHUNK bytes each */
};

static void __attribute__((noreturn)) usage(const char *prog)
{
	fprintf(stderr, moo_usage, prog, prog, prog, prog);
	exit(1);
}

static void __attribute__((noreturn)) die_errno(const char *what)
{
	perror(what);
	exit(1);
}

/* Read exactly len bytes at off; false on error or end of file. */
static bool pread_full(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

/* Read up to len bytes at off, stopping only at end of file. */
static ssize_t pread_upto(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static void pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			die_errno("Writing data");
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
}

/* The size of an open file or block device. */
static uint64_t file_len(int fd, const struct stat *st)
{
	uint64_t bytes;

	if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) == 0)
		return bytes;
	return (uint64_t)st->st_size;
}

/* The size of the file at path, following uml_moo's checks. */
static uint64_t backing_len(const char *path, struct stat *st)
{
	uint64_t len;
	int fd;

	if (stat(path, st) < 0)
		die_errno("Stating backing file");
	if (!S_ISBLK(st->st_mode))
		return (uint64_t)st->st_size;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die_errno("Stating backing file");
	len = file_len(fd, st);
	close(fd);
	return len;
}

/*
 * How many bytes from off (at most len) are known to lie in a hole of fd,
 * a file of file_len bytes: they read as zeros without being read. 0 when
 * off is at data, past the end, or the file system cannot tell.
 */
static uint64_t hole_len(int fd, uint64_t file_len, uint64_t off, uint64_t len)
{
	off_t data;

	if (off >= file_len)
		return 0;
	data = lseek(fd, (off_t)off, SEEK_DATA);
	if (data < 0 && errno == ENXIO)
		data = (off_t)file_len;
	if (data < 0 || (uint64_t)data < off)
		return 0;
	return (uint64_t)data - off < len ? (uint64_t)data - off : len;
}

/*
 * Fill buf with len bytes of fd at off, zero-filling holes instead of
 * reading them. Exits with what's message if the file ends before
 * off + len.
 */
static void read_input(int fd, uint64_t file_len, uint8_t *buf, size_t len,
		       uint64_t off, const char *what)
{
	size_t pos = 0;

	if (off + len > file_len) {
		fprintf(stderr, "%s: unexpected end of file\n", what);
		exit(1);
	}
	while (pos < len) {
		uint64_t hole = hole_len(fd, file_len, off + pos, len - pos);
		off_t data_end;
		size_t n;

		if (hole) {
			memset(buf + pos, 0, hole);
			pos += hole;
			continue;
		}
		data_end = lseek(fd, (off_t)(off + pos), SEEK_HOLE);
		n = len - pos;
		if (data_end > (off_t)(off + pos) &&
		    (uint64_t)data_end - (off + pos) < n)
			n = (size_t)((uint64_t)data_end - (off + pos));
		if (!pread_full(fd, buf + pos, n, (off_t)(off + pos)))
			die_errno(what);
		pos += n;
	}
}

static bool all_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zeros[COW_SECTOR_SIZE_MAX];

	return !memcmp(p, zeros, len);
}

/* The byte range of sectors first .. first + n - 1 on the device. */
static uint64_t sector_bytes(const struct moo *m, uint64_t first, uint64_t n)
{
	uint64_t start = first * m->ci.sectorsize;
	uint64_t end = (first + n) * m->ci.sectorsize;

	return (end < m->ci.size ? end : m->ci.size) - start;
}

/*
 * Merge sectors first .. first + n - 1 (at most a chunk), whose data is
 * in the COW file if in_cow, else in the backing file: write the sectors
 * that must be written, in runs.
 */
static void merge_chunk(struct moo *m, uint64_t first, uint64_t n, bool in_cow)
{
	uint32_t ss = m->ci.sectorsize;
	uint64_t dev_off = first * ss, last = m->ci.sectors - 1;
	size_t len = (size_t)sector_bytes(m, first, n);
	size_t run_start = 0, i;
	bool back_read = false, in_run = false;

	if (in_cow)
		read_input(m->cow_fd, m->cow_len, m->buf, len,
			   m->ci.data_offset + dev_off, "Reading data");
	else
		read_input(m->back_fd, m->back_len, m->buf, len, dev_off,
			   "Reading data");

	/* One step past the last sector, to write out the final run. */
	for (i = 0; i <= n; i++) {
		size_t pos = i * ss < len ? i * ss : len;
		size_t slen = len - pos < ss ? len - pos : ss;
		bool want = false;

		if (i < n) {
			want = first + i == last ||
			       !all_zero(m->buf + pos, slen);
			/* In place, a zero sector matters only over data. */
			if (!want && m->in_place) {
				if (!back_read)
					read_input(m->back_fd, m->back_len,
						   m->back_buf, len, dev_off,
						   "Checking backing file for "
						   "zeros");
				back_read = true;
				want = !all_zero(m->back_buf + pos, slen);
			}
		}
		if (want && !in_run)
			run_start = pos;
		if (!want && in_run)
			pwrite_full(m->out_fd, m->buf + run_start,
				    pos - run_start,
				    (off_t)(dev_off + run_start));
		in_run = want;
	}
}

/*
 * Merge the run of sectors first .. first + n - 1 sharing one source.
 * Whole sectors in a hole of the source are zero, so a plain merge skips
 * them unread (never the last sector, which is always written).
 */
static void merge_run(struct moo *m, uint64_t first, uint64_t n, bool in_cow)
{
	uint32_t ss = m->ci.sectorsize;
	uint64_t chunk = MOO_CHUNK / ss;

	while (n) {
		uint64_t skip = 0, todo = n < chunk ? n : chunk;

		if (!m->in_place) {
			int fd = in_cow ? m->cow_fd : m->back_fd;
			uint64_t flen = in_cow ? m->cow_len : m->back_len;
			uint64_t base = in_cow ? m->ci.data_offset : 0;

			skip = hole_len(fd, flen, base + first * ss,
					sector_bytes(m, first, n)) /
			       ss;
			if (first + skip > m->ci.sectors - 1)
				skip = m->ci.sectors - 1 - first;
		}
		if (skip) {
			first += skip;
			n -= skip;
			continue;
		}
		merge_chunk(m, first, todo, in_cow);
		first += todo;
		n -= todo;
	}
}

static void merge(struct moo *m)
{
	uint64_t s = 0;

	while (s < m->ci.sectors) {
		uint64_t n = m->ci.sectors - s;
		bool in_cow = false;

		if (s < m->bitmap_bits)
			n = cow_run(m->bitmap, s, m->bitmap_bits - s, &in_cow);
		if (in_cow || !m->in_place)
			merge_run(m, s, n, in_cow);
		s += n;
	}
}

/* Open the COW file and decode its header, as uml_moo reports it. */
static void open_cow(struct moo *m, const char *path)
{
	static uint8_t header[COW_HEADER_MAX];
	struct stat st;
	ssize_t n;
	int err;

	m->cow_fd = open(path, O_RDONLY);
	if (m->cow_fd < 0)
		die_errno("COW file open");
	n = pread_upto(m->cow_fd, header, sizeof(header), 0);
	err = n < 0 ? -EINVAL : cow_decode(header, (size_t)n, &m->ci);
	if (m->ci.broken_v3b)
		printf("read_cow_header - broken V3 file with 64-bit layout - "
		       "recovering content.\n");
	if (err) {
		if (n < 8)
			printf("read_cow_header - short header\n");
		else if (err != COW_NOT_COW)
			printf("read_cow_header - %s\n", m->ci.why);
		fflush(stdout);
		fprintf(stderr, "Reading COW header failed\n");
		exit(1);
	}
	if (fstat(m->cow_fd, &st) < 0)
		die_errno("COW file open");
	m->cow_len = file_len(m->cow_fd, &st);
}

/* Check and open the backing file, and the output for a plain merge. */
static void open_files(struct moo *m, const char *backing, const char *out)
{
	struct stat back_st, cow_st, out_st;
	uint64_t len = backing_len(backing, &back_st);

	if (len != m->ci.size) {
		fprintf(stderr,
			"Size mismatch (%ld vs %ld) of COW header vs backing "
			"file \"%s\"\n",
			(long)m->ci.size, (long)len, backing);
		exit(1);
	}
	if (back_st.st_mtime != (time_t)m->ci.mtime) {
		fprintf(stderr,
			"mtime mismatch (%ld vs %ld) of COW header vs backing "
			"file \"%s\"\n",
			(long)m->ci.mtime, (long)back_st.st_mtime, backing);
		exit(1);
	}
	m->back_fd = open(backing, m->in_place ? O_RDWR : O_RDONLY);
	if (m->back_fd < 0)
		die_errno("Opening backing file");
	m->back_len = len;
	if (m->in_place) {
		m->out_fd = m->back_fd;
		return;
	}
	if (stat(out, &out_st) == 0 && fstat(m->cow_fd, &cow_st) == 0 &&
	    ((out_st.st_dev == cow_st.st_dev &&
	      out_st.st_ino == cow_st.st_ino) ||
	     (out_st.st_dev == back_st.st_dev &&
	      out_st.st_ino == back_st.st_ino))) {
		fprintf(stderr,
			"Output file open: \"%s\" is the COW or backing file\n",
			out);
		exit(1);
	}
	m->out_fd = creat(out, MOO_MODE);
	if (m->out_fd < 0)
		die_errno("Output file open");
}

static void read_bitmap(struct moo *m)
{
	m->bitmap = malloc(m->ci.bitmap_len ? m->ci.bitmap_len : 1);
	if (!m->bitmap)
		die_errno("Can't allocate bitmap");
	if (!pread_full(m->cow_fd, m->bitmap, m->ci.bitmap_len,
			(off_t)m->ci.bitmap_offset))
		die_errno("Reading COW bitmap");
	m->bitmap_bits = m->ci.bitmap_len * 8;
	m->buf = malloc(MOO_CHUNK);
	m->back_buf = malloc(MOO_CHUNK);
	if (!m->buf || !m->back_buf)
		die_errno("Malloc of buffers");
}

int main(int argc, char **argv)
{
	static struct moo m;
	const char *prog = argv[0] ? argv[0] : "uml_moo";
	const char *actual_backing = NULL;
	int i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-d") && !m.in_place) {
			m.in_place = true;
		} else if (!strcmp(argv[i], "-b") && !actual_backing) {
			if (i + 1 >= argc)
				usage(prog);
			actual_backing = argv[++i];
		} else {
			break;
		}
	}
	if (argc - i != (m.in_place ? 1 : 2))
		usage(prog);

	open_cow(&m, argv[i]);
	open_files(&m, actual_backing ? actual_backing : m.ci.backing,
		   m.in_place ? NULL : argv[i + 1]);
	read_bitmap(&m);
	merge(&m);
	if (!m.in_place && close(m.out_fd))
		die_errno("Writing data");
	if (close(m.back_fd))
		die_errno("Writing data");
	close(m.cow_fd);
	free(m.bitmap);
	free(m.buf);
	free(m.back_buf);
	return 0;
}
