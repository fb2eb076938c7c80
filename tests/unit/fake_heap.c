/*
 * The host heap behind kernel/klib.c's kmalloc, for unit tests: linked
 * into every suite (the kernel's own arch-um/os/mem.c does the same).
 */
#include <stdlib.h>

void *os_heap_alloc(size_t size);
void *os_heap_realloc(void *ptr, size_t size);
void os_heap_free(void *ptr);

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
