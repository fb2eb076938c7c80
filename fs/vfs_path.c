/*
 * Path string handling: splitting into components, lexical normalization
 * and the name hash of the dentry cache. Pure string functions.
 */
#include "err.h"
#include "vfs_internal.h"

size_t path_next_component(const char **p, const char **comp)
{
	const char *s = *p;
	size_t len = 0;

	while (*s == '/')
		s++;
	*comp = s;
	while (s[len] && s[len] != '/')
		len++;
	*p = s + len;
	return len;
}

bool path_at_end(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

long path_normalize(const char *in, char *out, size_t size)
{
	bool abs = in[0] == '/';
	size_t len = 0;
	int depth = 0; /* components that ".." may remove */
	const char *comp;
	size_t n;

	if (size < 2)
		return -ENAMETOOLONG;
	if (abs)
		out[len++] = '/';
	while ((n = path_next_component(&in, &comp)) != 0) {
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (depth > 0) {
				while (len > 0 && out[len - 1] != '/')
					len--;
				if (len > (abs ? 1u : 0u))
					len--;
				depth--;
				continue;
			}
			if (abs)
				continue;
		} else {
			depth++;
		}
		if (len > 0 && out[len - 1] != '/')
			out[len++] = '/';
		if (len + n + 1 > size)
			return -ENAMETOOLONG;
		for (size_t i = 0; i < n; i++)
			out[len++] = comp[i];
		if (n == 2 && comp[0] == '.' && comp[1] == '.')
			depth = 0;
	}
	if (len == 0)
		out[len++] = '.';
	out[len] = '\0';
	return (long)len;
}

uint32_t path_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return h;
}
