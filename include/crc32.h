/*
 * CRC-32 (IEEE 802.3, the one of gzip, zip and PNG): reflected polynomial
 * 0xedb88320, initial value and final xor 0xffffffff.
 */
#ifndef CRC32_H
#define CRC32_H

#include "compiler.h"

/*
 * Continue a CRC over len more bytes: crc32_update(0, ...) starts one, and
 * feeding the result back in continues it (crc32("ab") ==
 * crc32_update(crc32_update(0, "a", 1), "b", 1)).
 */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
