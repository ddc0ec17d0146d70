/*
 * The discovery decoders (src/wire/addr_msg.c) on arbitrary bytes. What
 * decodes must re-encode: byte for byte, except that each IPv4-mapped IPv6
 * address shrinks by 12 bytes (it decodes to IPv4); re-decoding the
 * re-encoding gives the same addresses. Decoding into a short buffer gives the
 * same count and the same leading addresses. Anything else abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/error.h"
#include "wire/addr_msg.h"

static int same(const pqnet_compact_addr *a, const pqnet_compact_addr *b) {
  return pqnet_addr_equal(&a->addr, &b->addr) && a->services == b->services &&
         a->last_seen == b->last_seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static pqnet_compact_addr v[PQNET_ADDRS_MAX], w[PQNET_ADDRS_MAX];
  static uint8_t out[PQNET_ADDRS_MAX_LEN];

  uint16_t limit;
  int rc = pqnet_getaddrs_decode(data, size, &limit);
  if (rc != 0 && rc != PQNET_ERR_MALFORMED) abort();
  if (rc == 0) {
    if (size != PQNET_GETADDRS_LEN) abort();
    if (pqnet_getaddrs_encode(out, sizeof out, limit) != 2 || memcmp(out, data, 2) != 0) abort();
  }

  size_t n = 0;
  rc = pqnet_addrs_decode(data, size, v, PQNET_ADDRS_MAX, &n);
  if (rc != 0 && rc != PQNET_ERR_MALFORMED) abort();
  if (rc != 0) {
    /* Validation alone agrees. */
    size_t m;
    if (pqnet_addrs_decode(data, size, NULL, 0, &m) == 0) abort();
    return 0;
  }
  if (n > PQNET_ADDRS_MAX) abort();
  size_t mapped = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i].addr.family != 4 && v[i].addr.family != 6) abort();
  }
  long len = pqnet_addrs_encode(out, sizeof out, v, n);
  if (len < 2 || (size_t)len > size) abort();
  if ((size_t)len == size) {
    if (memcmp(out, data, size) != 0) abort();
  } else {
    if ((size - (size_t)len) % 12 != 0) abort();
    mapped = (size - (size_t)len) / 12;
    if (mapped > n) abort();
  }
  size_t n2;
  if (pqnet_addrs_decode(out, (size_t)len, w, PQNET_ADDRS_MAX, &n2) != 0 || n2 != n) abort();
  for (size_t i = 0; i < n; i++)
    if (!same(&v[i], &w[i])) abort();
  /* A short buffer: same count, same prefix. */
  size_t n3;
  if (pqnet_addrs_decode(data, size, w, 3, &n3) != 0 || n3 != n) abort();
  for (size_t i = 0; i < n && i < 3; i++)
    if (!same(&v[i], &w[i])) abort();
  return 0;
}
