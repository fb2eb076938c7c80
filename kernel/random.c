/*
 * Random numbers: a ChaCha20 generator seeded from the host, and the
 * getrandom(2) syscall.
 *
 * Every request takes a fresh key from the first half of its first block
 * (fast key erasure) and reads its output from the rest of the stream
 * under the old key, so no state kept after a request can reproduce what
 * it returned. Host entropy is mixed in again every RANDOM_RESEED_BYTES.
 */
#include <linux/random.h>

#include "../arch-um/os/os.h"
#include "err.h"
#include "klib.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"

#define CHACHA_BLOCK 64
#define CHACHA_KEY_WORDS 8
#define RANDOM_RESEED_BYTES (1ULL << 20)
#define RANDOM_USER_CHUNK 256
#define RANDOM_SIGNAL_CHECK 4096
#define RANDOM_MAX_REQUEST 0x7ffff000UL

static struct random_state {
	bool seeded;
	uint32_t key[CHACHA_KEY_WORDS];
	uint64_t generation; /* nonce of the next request */
	uint64_t since_reseed; /* bytes produced since host entropy came in */
} random_state;

static uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define QUARTER(a, b, c, d)        \
	do {                       \
		a += b;            \
		d ^= a;            \
		d = rotl32(d, 16); \
		c += d;            \
		b ^= c;            \
		b = rotl32(b, 12); \
		a += b;            \
		d ^= a;            \
		d = rotl32(d, 8);  \
		c += d;            \
		b ^= c;            \
		b = rotl32(b, 7);  \
	} while (0)

void chacha20_block(const uint32_t key[8], uint32_t counter,
		    const uint32_t nonce[3], uint8_t out[64])
{
	uint32_t in[16] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1],
		key[2],	    key[3],	key[4],	    key[5],	key[6], key[7],
		counter,    nonce[0],	nonce[1],   nonce[2],
	};
	uint32_t x[16];

	kmemcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QUARTER(x[0], x[4], x[8], x[12]);
		QUARTER(x[1], x[5], x[9], x[13]);
		QUARTER(x[2], x[6], x[10], x[14]);
		QUARTER(x[3], x[7], x[11], x[15]);
		QUARTER(x[0], x[5], x[10], x[15]);
		QUARTER(x[1], x[6], x[11], x[12]);
		QUARTER(x[2], x[7], x[8], x[13]);
		QUARTER(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];

		out[4 * i] = (uint8_t)v;
		out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16);
		out[4 * i + 3] = (uint8_t)(v >> 24);
	}
}

/* XOR host entropy into the key; falls back to clocks if the host fails. */
static void random_reseed(void)
{
	uint32_t fresh[CHACHA_KEY_WORDS];

	if (os_getrandom(fresh, sizeof(fresh)) != (int)sizeof(fresh)) {
		if (!random_state.seeded)
			printk(KERN_WARNING "random: host getrandom failed; "
					    "seeding from clocks\n");
		for (int i = 0; i < CHACHA_KEY_WORDS; i++)
			fresh[i] = (uint32_t)(time_mono_ns() * 0x9e3779b9u) ^
				   (uint32_t)(time_real_ns() >> (i * 3));
	}
	for (int i = 0; i < CHACHA_KEY_WORDS; i++)
		random_state.key[i] ^= fresh[i];
	kmemset(fresh, 0, sizeof(fresh));
	random_state.seeded = true;
	random_state.since_reseed = 0;
}

void random_bytes(void *buf, size_t len)
{
	uint32_t key[CHACHA_KEY_WORDS];
	uint32_t nonce[3];
	uint8_t block[CHACHA_BLOCK];
	uint8_t *out = buf;
	uint32_t counter = 1;

	if (!random_state.seeded ||
	    random_state.since_reseed >= RANDOM_RESEED_BYTES)
		random_reseed();
	kmemcpy(key, random_state.key, sizeof(key));
	nonce[0] = (uint32_t)random_state.generation;
	nonce[1] = (uint32_t)(random_state.generation >> 32);
	nonce[2] = 0;
	random_state.generation++;
	chacha20_block(key, 0, nonce, block);
	kmemcpy(random_state.key, block, sizeof(random_state.key));
	random_state.since_reseed += len;
	if (len <= CHACHA_BLOCK / 2) {
		kmemcpy(out, block + CHACHA_BLOCK / 2, len);
		goto out_wipe;
	}
	while (len) {
		size_t n = MIN(len, (size_t)CHACHA_BLOCK);

		/* After 2^32 blocks (256 GiB) go on under a new nonce. */
		if (counter == 0)
			nonce[2]++;
		chacha20_block(key, counter++, nonce, block);
		kmemcpy(out, block, n);
		out += n;
		len -= n;
	}
out_wipe:
	kmemset(block, 0, sizeof(block));
	kmemset(key, 0, sizeof(key));
}

uint32_t random_u32(void)
{
	uint32_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

uint64_t random_u64(void)
{
	uint64_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

void random_add_bytes(const void *buf, size_t len)
{
	const uint8_t *in = buf;
	uint8_t *key = (uint8_t *)random_state.key;
	uint8_t scratch[1];

	if (!random_state.seeded)
		random_reseed();
	for (size_t i = 0; i < len; i++) {
		key[i % sizeof(random_state.key)] ^= in[i];
		if (i % sizeof(random_state.key) ==
		    sizeof(random_state.key) - 1)
			random_bytes(scratch, sizeof(scratch));
	}
	random_bytes(scratch, sizeof(scratch));
}

SYSCALL3(getrandom, uaddr_t, ubuf, size_t, count, unsigned int, flags)
{
	uint8_t chunk[RANDOM_USER_CHUNK];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	count = MIN(count, RANDOM_MAX_REQUEST);
	while (done < count) {
		size_t n = MIN(count - done, sizeof(chunk));

		if (done && done % RANDOM_SIGNAL_CHECK == 0) {
			if (signal_pending(current))
				break;
			sched_yield_if_needed();
		}
		random_bytes(chunk, n);
		if (copy_to_user(ubuf + done, chunk, n)) {
			kmemset(chunk, 0, sizeof(chunk));
			return done ? (long)done : -EFAULT;
		}
		done += n;
	}
	kmemset(chunk, 0, sizeof(chunk));
	return (long)done;
}
