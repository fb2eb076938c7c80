/*
 * A dynamically linked glibc program for t-dynamic: exercises the dynamic
 * loader, libc's stdio and malloc, environment, a thread and a locale-free
 * qsort, and prints only deterministic output.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *worker(void *arg)
{
	return (void *)((long)arg * 2);
}

int main(int argc, char **argv)
{
	const char *words[] = { "pear", "apple", "fig", "banana" };
	pthread_t th;
	void *ret;
	char *buf = malloc(1 << 20);

	qsort(words, 4, sizeof(words[0]), cmp);
	printf("sorted: %s %s %s %s\n", words[0], words[1], words[2], words[3]);
	if (!buf)
		return 1;
	memset(buf, 'x', 1 << 20);
	printf("malloc: %zu\n", strspn(buf, "x"));
	free(buf);
	if (pthread_create(&th, NULL, worker, (void *)21L) ||
	    pthread_join(th, &ret))
		return 1;
	printf("thread: %ld\n", (long)ret);
	printf("args: %d %s\n", argc, argc > 1 ? argv[1] : "-");
	printf("env: %s\n", getenv("DYN_TEST") ? getenv("DYN_TEST") : "unset");
	return 0;
}
