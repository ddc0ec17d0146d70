/* Discovery message bodies: GetAddrs and Addrs (src/wire/addr_msg.h). */
#include "wire/addr_msg.h"

#include <string.h>

#include "pqnet/error.h"
#include "wire/codec.h"

size_t pqnet_compact_addr_len(const pqnet_addr *a) {
  if (!a) return 0;
  return a->family == 4 ? PQNET_COMPACT_V4_LEN : a->family == 6 ? PQNET_COMPACT_V6_LEN : 0;
}

long pqnet_getaddrs_encode(uint8_t *out, size_t cap, uint16_t limit) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u16(&w, limit);
  return w.err ? w.err : (long)w.len;
}

int pqnet_getaddrs_decode(const uint8_t *body, size_t len, uint16_t *limit) {
  if (!limit || (!body && len)) return PQNET_ERR_MALFORMED;
  pqnet_reader r;
  pqnet_reader_init(&r, body, len);
  uint16_t v = pqnet_get_u16(&r);
  if (pqnet_reader_finish(&r) != 0) return PQNET_ERR_MALFORMED;
  *limit = v;
  return 0;
}

long pqnet_addrs_encode(uint8_t *out, size_t cap, const pqnet_compact_addr *v, size_t n) {
  if ((!v && n) || !out || n > PQNET_ADDRS_MAX) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++)
    if (v[i].addr.family != 4 && v[i].addr.family != 6) return PQNET_ERR_INVALID_ARG;
  pqnet_writer w;
  pqnet_writer_init(&w, out, cap);
  pqnet_put_u16(&w, (uint16_t)n);
  for (size_t i = 0; i < n; i++) {
    const pqnet_addr *a = &v[i].addr;
    pqnet_put_u8(&w, a->family);
    pqnet_put_bytes(&w, a->ip, a->family == 4 ? 4 : 16);
    pqnet_put_u16(&w, a->port);
    pqnet_put_u64(&w, v[i].services);
    pqnet_put_u64(&w, v[i].last_seen);
  }
  return w.err ? w.err : (long)w.len;
}

/* One compact address; latches errors in r. Returns 0 or MALFORMED. */
static int get_compact(pqnet_reader *r, pqnet_compact_addr *out) {
  uint8_t family = pqnet_get_u8(r), ip[16];
  if (r->err) return PQNET_ERR_MALFORMED;
  if (family != 4 && family != 6) return PQNET_ERR_MALFORMED;
  size_t iplen = family == 4 ? 4 : 16;
  if (pqnet_get_bytes(r, ip, iplen) != 0) return PQNET_ERR_MALFORMED;
  uint16_t port = pqnet_get_u16(r);
  uint64_t services = pqnet_get_u64(r);
  uint64_t seen = pqnet_get_u64(r);
  if (r->err) return PQNET_ERR_MALFORMED;
  if (out) {
    pqnet_addr_from_bytes(&out->addr, ip, iplen, port);
    out->services = services;
    out->last_seen = seen;
  }
  return 0;
}

int pqnet_addrs_decode(const uint8_t *body, size_t len, pqnet_compact_addr *out, size_t cap,
                       size_t *count) {
  if (!count || (!body && len) || (!out && cap)) return PQNET_ERR_MALFORMED;
  pqnet_reader r;
  pqnet_reader_init(&r, body, len);
  uint16_t n = pqnet_get_u16(&r);
  if (r.err || n > PQNET_ADDRS_MAX) return PQNET_ERR_MALFORMED;
  /* Cheapest rejection first: even all-IPv4 entries need 23 bytes each. */
  if ((size_t)n * PQNET_COMPACT_V4_LEN > pqnet_reader_left(&r)) return PQNET_ERR_MALFORMED;
  /* Pass 1 validates everything, pass 2 copies, so out is untouched on failure. */
  for (int pass = 0; pass < 2; pass++) {
    pqnet_reader_init(&r, body, len);
    (void)pqnet_get_u16(&r);
    for (size_t i = 0; i < n; i++)
      if (get_compact(&r, pass && i < cap ? &out[i] : NULL) != 0) return PQNET_ERR_MALFORMED;
    if (pqnet_reader_finish(&r) != 0) return PQNET_ERR_MALFORMED;
  }
  *count = n;
  return 0;
}
