/*
 * Host memory: the kernel heap, anonymous mappings and the physical memory
 * file.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"

void *os_heap_alloc(size_t size)
{
	return malloc(size);
}

void *os_heap_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

void os_heap_free(void *ptr)
{
	free(ptr);
}

void *os_map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void os_unmap(void *addr, size_t size)
{
	munmap(addr, size);
}

int os_physmem_create(uint64_t size, void **base)
{
	int fd = memfd_create("physmem", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size))
		goto out_close;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto out_close;
	*base = p;
	return fd;

out_close : {
	int err = errno;

	close(fd);
	return -err;
}
}

int os_physmem_discard(int fd, uint64_t offset, uint64_t len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)offset, (off_t)len))
		return -errno;
	return 0;
}
