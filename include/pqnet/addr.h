/*
 * Network addresses: an IPv4 or IPv6 address and a TCP port, their text form,
 * their classification (routable, loopback, private, ...) and their network
 * group, the unit of diversity the address manager (src/addrman) and the
 * dialing policy count in.
 *
 * IPv4 is stored as family 4 with the address in ip[0..3] and ip[4..15]
 * zero; IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalised to family 4 when
 * parsed or converted, so one host has one representation. A hand-built
 * family-6 address that still carries the mapped prefix classifies as
 * PQNET_ADDR_RESERVED and is never allowed: it would be a second key for an
 * IPv4 host.
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
 * host string and a port. Does not resolve names. A bare IPv6 address without
 * brackets is refused, because "2001:db8::1:7071" would be ambiguous. Returns
 * 0, PQNET_ERR_INVALID_ARG (NULL argument or hostcap 0), PQNET_ERR_MALFORMED
 * (empty host, bad brackets, port not 1..65535, junk after the port, control
 * or non-ASCII bytes, default_port 0 with no port given) or
 * PQNET_ERR_TOO_LARGE (host longer than hostcap - 1).
 */
int pqnet_hostport_split(const char *s, uint16_t default_port, char *host, size_t hostcap,
                         uint16_t *port);

/* Parse a numeric "IP:PORT" / "[IPv6]:PORT" / "IP" / "[IPv6]" into *out
 * (zeroed on failure). Returns 0, PQNET_ERR_INVALID_ARG (out NULL) or
 * PQNET_ERR_MALFORMED (anything pqnet_hostport_split refuses, a name instead
 * of an IP, an IPv4 address in brackets, an IPv6 zone such as "%eth0"). */
int pqnet_addr_parse(const char *s, uint16_t default_port, pqnet_addr *out);

/* Write "1.2.3.4:7071" or "[2001:db8::1]:7071" into buf (at least
 * PQNET_ADDR_STRLEN), or "(none)" for a family other than 4 or 6. Returns
 * buf. */
char *pqnet_addr_format(const pqnet_addr *a, char *buf, size_t cap);

/* Same family, address and port: 1 or 0. */
int pqnet_addr_equal(const pqnet_addr *a, const pqnet_addr *b);

/* Same family and address, ports ignored: 1 or 0. */
int pqnet_addr_same_ip(const pqnet_addr *a, const pqnet_addr *b);

/* Build from raw bytes (4 or 16), normalising IPv4-mapped IPv6. Returns 0 or
 * PQNET_ERR_INVALID_ARG. */
int pqnet_addr_from_bytes(pqnet_addr *out, const uint8_t *ip, size_t iplen, uint16_t port);

/* ---- classification ----------------------------------------------------------
 *
 * Every address falls in exactly one class (port ignored). The ranges, and why
 * each is where it is, are tabulated in docs/addrman.md:
 *
 *   INVALID      family is not 4 or 6
 *   UNSPECIFIED  0.0.0.0, ::
 *   LOOPBACK     127.0.0.0/8, ::1
 *   PRIVATE      usable inside a private deployment, never on the Internet:
 *                10/8, 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (CGNAT),
 *                169.254/16 and fe80::/10 (link-local), fc00::/7 (RFC 4193),
 *                192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 and
 *                3fff::/20 (documentation), 198.18/15 and 2001:2::/48
 *                (benchmarking)
 *   RESERVED     never a peer on any network: 0/8, 192.0.0/24, 192.88.99/24
 *                (6to4 relay), 224/4 multicast, 240/4 incl. 255.255.255.255,
 *                IPv6 outside 2000::/3 (::/96 IPv4-compatible, 64:ff9b::/96
 *                NAT64, 100::/64 discard, ff00::/8 multicast, unassigned
 *                space), 2001::/23 IETF assignments (Teredo 2001::/32, ORCHID)
 *                except benchmarking, 2002::/16 (6to4), and a non-normalised
 *                IPv4-mapped family-6 address. Tunnel prefixes are refused
 *                because they embed an IPv4 address and would let one host
 *                appear in several network groups.
 *   ROUTABLE     everything else
 */
typedef enum pqnet_addr_class {
  PQNET_ADDR_INVALID = 0,
  PQNET_ADDR_UNSPECIFIED = 1,
  PQNET_ADDR_LOOPBACK = 2,
  PQNET_ADDR_PRIVATE = 3,
  PQNET_ADDR_RESERVED = 4,
  PQNET_ADDR_ROUTABLE = 5,
} pqnet_addr_class;

/* Classify a; NULL is PQNET_ADDR_INVALID. */
pqnet_addr_class pqnet_addr_classify(const pqnet_addr *a);

/* A static name ("routable", "loopback", ...), never NULL. */
const char *pqnet_addr_class_name(pqnet_addr_class c);

/*
 * What a network may dial, store and relay. Mainnet and testnet use
 * {0, 0}: only routable addresses. Devnet uses {1, 1}. A private network
 * sets allow_private (loopback stays devnet-only).
 */
typedef struct pqnet_addr_policy {
  int allow_loopback; /* LOOPBACK addresses are allowed */
  int allow_private;  /* PRIVATE addresses are allowed */
} pqnet_addr_policy;

/* 1 when a may be dialed, stored and relayed under policy (NULL: the public
 * policy {0, 0}): a ROUTABLE address, or a LOOPBACK / PRIVATE one the policy
 * allows, with a non-zero port. 0 otherwise (also for a NULL a). */
int pqnet_addr_allowed(const pqnet_addr *a, const pqnet_addr_policy *policy);

/* Longest network group, in bytes. */
#define PQNET_ADDR_GROUP_MAX 8

/*
 * The network group of a under policy (NULL: public): the family byte
 * followed by the /16 of an IPv4 address (3 bytes: 4, a, b) or the /32 of an
 * IPv6 address (5 bytes: 6, b0..b3). The rule is the same for loopback, so on
 * devnet 127.a.b.c falls in group (4, 127, a) and nodes on 127.1.x.x and
 * 127.2.x.x count as distinct groups on one machine. Addresses whose class the
 * policy does not allow (and family-0 "no address") all share the single
 * group (0), length 1: an attacker cannot spread over groups by using them.
 * The port is ignored. Returns 0 (out and *len set) or PQNET_ERR_INVALID_ARG
 * (a, out or len NULL).
 */
int pqnet_addr_group(const pqnet_addr *a, const pqnet_addr_policy *policy,
                     uint8_t out[PQNET_ADDR_GROUP_MAX], size_t *len);

#ifdef __cplusplus
}
#endif

#endif
