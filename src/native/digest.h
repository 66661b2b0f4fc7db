#ifndef PEDIGREE_DIGEST_H
#define PEDIGREE_DIGEST_H
#include <stddef.h>
#include <stdint.h>

/* One-shot digests of a buffer held whole in memory (the walker's small files). */
void pd_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/* 1 when SHA-256 runs on the CPU's SHA extensions. */
int pd_sha256_accelerated(void);
void pd_md5(const uint8_t *data, size_t len, uint8_t out[16]);

#endif
