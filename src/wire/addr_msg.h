/*
 * Discovery protocol bodies (protocol 1, PROTOCOL.md "Discovery"; layout in
 * docs/addrman.md): GetAddrs asks for addresses, Addrs carries up to 1000
 * compact addresses.
 *
 *   compact address = family (1: 4 or 6) || ip (4 or 16) || port (2)
 *                     || services (8) || last_seen (8, Unix seconds)
 *   GetAddrs body   = limit (2)
 *   Addrs body      = count (2, 0..1000) || count compact addresses
 *
 * All integers big-endian. Decoders check every length before reading, refuse
 * family values other than 4 and 6, a count above 1000 and trailing bytes,
 * and return 0 or PQNET_ERR_MALFORMED, nothing else. An IPv4-mapped IPv6
 * address (family 6, ::ffff:a.b.c.d) decodes to family 4, so re-encoding a
 * decoded message can be shorter than the original; everything else
 * re-encodes byte for byte. Whether an address is usable (port 0, private,
 * ...) is for the address manager to judge, not the decoder.
 */
#ifndef PQNET_WIRE_ADDR_MSG_H
#define PQNET_WIRE_ADDR_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/addr.h"

/* Message types within protocol 1 (PQNET_PROTO_DISCOVERY). */
enum pqnet_disc_type {
  PQNET_DISC_GETADDRS = 1,
  PQNET_DISC_ADDRS = 2,
};

#define PQNET_ADDRS_MAX      1000 /* compact addresses per Addrs */
#define PQNET_COMPACT_V4_LEN 23   /* 1 + 4 + 2 + 8 + 8 */
#define PQNET_COMPACT_V6_LEN 35   /* 1 + 16 + 2 + 8 + 8 */
#define PQNET_GETADDRS_LEN   2
#define PQNET_ADDRS_MAX_LEN  (2 + PQNET_ADDRS_MAX * PQNET_COMPACT_V6_LEN) /* 35,002 */

typedef struct pqnet_compact_addr {
  pqnet_addr addr;
  uint64_t services;
  uint64_t last_seen; /* Unix seconds */
} pqnet_compact_addr;

/* Bytes a compact address takes: 23 for family 4, 35 for family 6, 0 for
 * anything else. */
size_t pqnet_compact_addr_len(const pqnet_addr *a);

/* GetAddrs: write the 2-byte body. Returns 2 or PQNET_ERR_TOO_LARGE (cap < 2)
 * / PQNET_ERR_INVALID_ARG (out NULL). */
long pqnet_getaddrs_encode(uint8_t *out, size_t cap, uint16_t limit);
int pqnet_getaddrs_decode(const uint8_t *body, size_t len, uint16_t *limit);

/*
 * Addrs: encode n addresses. Returns the body length, PQNET_ERR_INVALID_ARG
 * (NULL with n > 0, n > PQNET_ADDRS_MAX, a family other than 4 or 6) or
 * PQNET_ERR_TOO_LARGE (cap too small; PQNET_ADDRS_MAX_LEN always suffices).
 */
long pqnet_addrs_encode(uint8_t *out, size_t cap, const pqnet_compact_addr *v, size_t n);

/*
 * Addrs: validate the whole body, then copy the first min(count, cap)
 * addresses into out (out may be NULL when cap is 0: validation only) and
 * set *count to the count in the message. Returns 0 or PQNET_ERR_MALFORMED
 * (also for a NULL body with len > 0 or a NULL count); out is untouched on
 * failure.
 */
int pqnet_addrs_decode(const uint8_t *body, size_t len, pqnet_compact_addr *out, size_t cap,
                       size_t *count);

#endif /* PQNET_WIRE_ADDR_MSG_H */
