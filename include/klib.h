/*
 * The kernel's own small C library: memory and string helpers, formatted
 * output, and the kernel heap. Kernel code never calls libc; these are the
 * replacements, with names that cannot clash with it.
 */
#ifndef KLIB_H
#define KLIB_H

#include <stdarg.h>

#include "compiler.h"

static inline void *kmemcpy(void *dst, const void *src, size_t n)
{
	return __builtin_memcpy(dst, src, n);
}

static inline void *kmemmove(void *dst, const void *src, size_t n)
{
	return __builtin_memmove(dst, src, n);
}

static inline void *kmemset(void *dst, int c, size_t n)
{
	return __builtin_memset(dst, c, n);
}

/* The little-endian 32-bit number at p (on-disk formats, any alignment). */
static inline uint32_t kget_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline int kmemcmp(const void *a, const void *b, size_t n)
{
	return __builtin_memcmp(a, b, n);
}

size_t kstrlen(const char *s);
size_t kstrnlen(const char *s, size_t max);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
char *kstrchr(const char *s, int c);
char *kstrrchr(const char *s, int c);
/* Copy at most size-1 bytes and always NUL-terminate; returns kstrlen(src). */
size_t kstrlcpy(char *dst, const char *src, size_t size);
/* Append within size bytes total; returns the length it tried to create. */
size_t kstrlcat(char *dst, const char *src, size_t size);
bool kstarts_with(const char *s, const char *prefix);

/*
 * Parse an unsigned number in base 10, 16 (0x) or 8 (leading 0) when base
 * is 0. Returns 0 and sets *out, or -EINVAL when s holds anything else.
 */
int kstrtou64(const char *s, unsigned int base, uint64_t *out);
int kstrtos64(const char *s, unsigned int base, int64_t *out);
/* Parse a size with an optional K, M or G suffix ("64M"). */
int kparse_size(const char *s, uint64_t *out);

/*
 * printf-style formatting: %d %i %u %x %X %o %p %s %c %% with l/ll/z
 * length modifiers, '-', '0' flags, width and precision (also '*').
 * Returns the length the full output would have had.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Kernel heap. kmalloc returns NULL on exhaustion; kfree(NULL) is a no-op. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *ptr, size_t size);
void kfree(void *ptr);
char *kstrdup(const char *s);
char *kstrndup(const char *s, size_t n);

#endif
