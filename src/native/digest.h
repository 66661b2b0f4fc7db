#ifndef PEDIGREE_DIGEST_H
#define PEDIGREE_DIGEST_H
#include <stddef.h>
#include <stdint.h>

/* One-shot digests of a buffer held whole in memory (the walker's small files). */
void pd_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/* 1 when SHA-256 runs on the CPU's SHA extensions. */
int pd_sha256_accelerated(void);
void pd_md5(const uint8_t *data, size_t len, uint8_t out[16]);
/*
 * The last one or two 64-byte blocks of MD5 and SHA-256 alike: the bytes
 * after the whole blocks, 0x80, zeros, and the length in bits (big-endian for
 * SHA-256, little-endian for MD5). Returns the number of blocks in `tail`.
 */
size_t pd_final_blocks(const uint8_t *data, size_t len, int bigEndianLength, uint8_t tail[128]);

#endif
