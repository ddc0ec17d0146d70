#include "common/mem.h"

#include <string.h>

/* A volatile function pointer stops the compiler from proving the memset dead. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void pqnet_wipe(void *p, size_t len) {
  if (len == 0) return;
  wipe_memset(p, 0, len);
}

uint8_t pqnet_ct_differ(const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t acc = 0;
  for (size_t i = 0; i < len; i++) acc |= (uint8_t)(a[i] ^ b[i]);
  /* Fold to 0/1 without a branch: (acc - 1) >> 8 is all-ones only when acc is 0. */
  return (uint8_t)(1 & ~(((uint32_t)acc - 1) >> 8));
}

void pqnet_ct_cmov(uint8_t *dst, const uint8_t *src, size_t len, uint8_t cond) {
  uint8_t mask = (uint8_t)(-(int8_t)(cond & 1));
  for (size_t i = 0; i < len; i++) dst[i] ^= (uint8_t)(mask & (dst[i] ^ src[i]));
}
