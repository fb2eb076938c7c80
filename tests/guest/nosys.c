/*
 * Unknown system calls: a raw `syscall` instruction with numbers no kernel
 * implements must return -ENOSYS, and the process must carry on.
 */
#define _GNU_SOURCE
#include "guest.h"

static long raw_syscall(long nr)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	static const long numbers[] = { 500, 1000, 0xffff, 0x7fffffff };

	tg_init("nosys");
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		CHECK(raw_syscall(numbers[i]) == -ENOSYS);
	tg_ok("raw syscall 500 returns -ENOSYS");
	CHECK(raw_syscall(39) == getpid());
	tg_ok("the process carries on after unknown syscalls");
	return tg_pass();
}
