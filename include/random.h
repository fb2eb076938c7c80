/*
 * The kernel's random generator (kernel/random.c): a ChaCha20 stream keyed
 * from the host's getrandom(2), with fast key erasure (every request
 * replaces the key, so earlier output cannot be recomputed) and periodic
 * reseeding from the host. Never blocks; seeds itself on first use.
 */
#ifndef RANDOM_H
#define RANDOM_H

#include "compiler.h"

void random_bytes(void *buf, size_t len);
uint32_t random_u32(void);
uint64_t random_u64(void);
/* Mix caller data (writes to /dev/random) into the key. */
void random_add_bytes(const void *buf, size_t len);

/*
 * The ChaCha20 block function of RFC 8439: 64 bytes of key stream for
 * key, block counter and 96-bit nonce.
 */
void chacha20_block(const uint32_t key[8], uint32_t counter,
		    const uint32_t nonce[3], uint8_t out[64]);

#endif
