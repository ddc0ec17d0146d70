/* Secret hygiene and constant-time helpers shared by every module. */
#ifndef PQNET_COMMON_MEM_H
#define PQNET_COMMON_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Zero len bytes at p in a way the compiler cannot remove. p may be NULL when
 * len is 0. */
void pqnet_wipe(void *p, size_t len);

/* 0 when the buffers are equal, 1 otherwise; time depends only on len. */
uint8_t pqnet_ct_differ(const uint8_t *a, const uint8_t *b, size_t len);

/* dst = cond ? src : dst, for cond 0 or 1, without a branch on cond. */
void pqnet_ct_cmov(uint8_t *dst, const uint8_t *src, size_t len, uint8_t cond);

/* Little-/big-endian loads and stores. */
static inline uint64_t pqnet_load64_le(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void pqnet_store64_le(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t pqnet_load32_be(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void pqnet_store32_be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif /* PQNET_COMMON_MEM_H */
