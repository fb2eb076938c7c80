/*
 * CRC-32 by table: one lookup per byte, table built on first use.
 */
#include "crc32.h"

#define CRC32_POLY 0xedb88320u

static struct crc32_state {
	bool ready;
	uint32_t table[256];
} crc32_state;

static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? CRC32_POLY ^ (c >> 1) : c >> 1;
		crc32_state.table[i] = c;
	}
	crc32_state.ready = true;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc32_state.ready)
		crc32_init();
	crc = ~crc;
	while (len--)
		crc = crc32_state.table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
