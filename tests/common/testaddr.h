/* Address literals for tests: v4(a, b, c, d, port), v6(top32, low32, port). */
#ifndef PQNET_TEST_TESTADDR_H
#define PQNET_TEST_TESTADDR_H

#include <stdint.h>

#include "pqnet/addr.h"

static inline pqnet_addr v4(unsigned a, unsigned b, unsigned c, unsigned d, uint16_t port) {
  uint8_t ip[4] = {(uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d};
  pqnet_addr x;
  pqnet_addr_from_bytes(&x, ip, 4, port);
  return x;
}

/* The first 32 bits of the address are top, the last 32 low, zeros between. */
static inline pqnet_addr v6(uint32_t top, uint32_t low, uint16_t port) {
  uint8_t ip[16] = {0};
  for (int i = 0; i < 4; i++) {
    ip[i] = (uint8_t)(top >> (24 - 8 * i));
    ip[12 + i] = (uint8_t)(low >> (24 - 8 * i));
  }
  pqnet_addr x;
  pqnet_addr_from_bytes(&x, ip, 16, port);
  return x;
}

#endif
