/*
 * Network addresses: an IPv4 or IPv6 address and a TCP port.
 *
 * IPv4 is stored as family 4 with the address in ip[0..3]; IPv4-mapped IPv6
 * (::ffff:a.b.c.d) is normalised to family 4 when parsed or converted.
 */
#ifndef PQNET_ADDR_H
#define PQNET_ADDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pqnet_addr {
  uint8_t family; /* 4 or 6; 0 means "no address" */
  uint8_t ip[16]; /* network byte order; IPv4 uses the first 4 bytes, rest zero */
  uint16_t port;  /* host byte order */
} pqnet_addr;

/* "host:port" as written by pqnet_addr_format: "1.2.3.4:7071", "[::1]:7071". */
#define PQNET_ADDR_STRLEN 56

/*
 * Split "HOST:PORT", "[V6]:PORT", "HOST" or "[V6]" (default_port then) into a
 * host string and a port. Does not resolve names. Returns 0,
 * PQNET_ERR_MALFORMED (empty host, bad brackets, port not 1..65535, junk after
 * the port) or PQNET_ERR_TOO_LARGE (host longer than hostcap - 1).
 */
int pqnet_hostport_split(const char *s, uint16_t default_port, char *host, size_t hostcap,
                         uint16_t *port);

/* Parse a numeric "IP:PORT" / "[IPv6]:PORT" / "IP" into *out. Returns 0 or
 * PQNET_ERR_MALFORMED (a name instead of an IP is malformed here). */
int pqnet_addr_parse(const char *s, uint16_t default_port, pqnet_addr *out);

/* Write "1.2.3.4:7071" or "[2001:db8::1]:7071" into buf (at least
 * PQNET_ADDR_STRLEN). Returns buf. */
char *pqnet_addr_format(const pqnet_addr *a, char *buf, size_t cap);

/* Same address and port. */
int pqnet_addr_equal(const pqnet_addr *a, const pqnet_addr *b);

/* Build from raw bytes (4 or 16), normalising IPv4-mapped IPv6. Returns 0 or
 * PQNET_ERR_INVALID_ARG. */
int pqnet_addr_from_bytes(pqnet_addr *out, const uint8_t *ip, size_t iplen, uint16_t port);

#ifdef __cplusplus
}
#endif

#endif
