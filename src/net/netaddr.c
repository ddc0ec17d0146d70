/*
 * Address text parsing and formatting, classification and network groups
 * (see include/pqnet/addr.h for the rules and docs/addrman.md for the table
 * of ranges).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/addr.h"
#include "pqnet/error.h"

static int parse_port(const char *s, uint16_t *port) {
  if (*s == '\0' || strlen(s) > 5) return PQNET_ERR_MALFORMED;
  unsigned long v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return PQNET_ERR_MALFORMED;
    v = v * 10 + (unsigned long)(*p - '0');
  }
  if (v == 0 || v > 65535) return PQNET_ERR_MALFORMED;
  *port = (uint16_t)v;
  return 0;
}

int pqnet_hostport_split(const char *s, uint16_t default_port, char *host, size_t hostcap,
                         uint16_t *port) {
  if (!s || !host || hostcap == 0 || !port) return PQNET_ERR_INVALID_ARG;
  const char *h, *rest;
  size_t hlen;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close) return PQNET_ERR_MALFORMED;
    h = s + 1;
    hlen = (size_t)(close - h);
    rest = close + 1;
    if (*rest != '\0' && *rest != ':') return PQNET_ERR_MALFORMED;
  } else {
    const char *colon = strchr(s, ':');
    if (colon && strchr(colon + 1, ':')) return PQNET_ERR_MALFORMED; /* bare IPv6 needs [] */
    h = s;
    hlen = colon ? (size_t)(colon - s) : strlen(s);
    rest = colon ? colon : s + hlen;
  }
  if (hlen == 0) return PQNET_ERR_MALFORMED;
  if (hlen >= hostcap) return PQNET_ERR_TOO_LARGE;
  for (size_t i = 0; i < hlen; i++)
    if ((unsigned char)h[i] <= ' ' || (unsigned char)h[i] >= 0x7f) return PQNET_ERR_MALFORMED;
  uint16_t p = default_port;
  if (*rest == ':') {
    int rc = parse_port(rest + 1, &p);
    if (rc) return rc;
  }
  if (p == 0) return PQNET_ERR_MALFORMED;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  *port = p;
  return 0;
}

int pqnet_addr_from_bytes(pqnet_addr *out, const uint8_t *ip, size_t iplen, uint16_t port) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!out || !ip || (iplen != 4 && iplen != 16)) return PQNET_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  out->port = port;
  if (iplen == 16 && memcmp(ip, mapped, 12) == 0) {
    ip += 12;
    iplen = 4;
  }
  out->family = iplen == 4 ? 4 : 6;
  memcpy(out->ip, ip, iplen);
  return 0;
}

int pqnet_addr_parse(const char *s, uint16_t default_port, pqnet_addr *out) {
  char host[64];
  uint16_t port;
  if (!out) return PQNET_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  int rc = pqnet_hostport_split(s, default_port, host, sizeof host, &port);
  if (rc) return rc == PQNET_ERR_TOO_LARGE ? PQNET_ERR_MALFORMED : rc;
  uint8_t buf[16];
  if (inet_pton(AF_INET, host, buf) == 1) {
    if (s[0] == '[') return PQNET_ERR_MALFORMED; /* brackets are for IPv6 only */
    return pqnet_addr_from_bytes(out, buf, 4, port);
  }
  if (inet_pton(AF_INET6, host, buf) == 1) {
    /* An IPv6 literal must have been bracketed when a port follows; split enforces it. */
    return pqnet_addr_from_bytes(out, buf, 16, port);
  }
  return PQNET_ERR_MALFORMED;
}

char *pqnet_addr_format(const pqnet_addr *a, char *buf, size_t cap) {
  char ip[INET6_ADDRSTRLEN];
  if (!buf || cap == 0) return buf;
  if (!a || (a->family != 4 && a->family != 6)) {
    snprintf(buf, cap, "(none)");
    return buf;
  }
  inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof ip);
  snprintf(buf, cap, a->family == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)a->port);
  return buf;
}

int pqnet_addr_equal(const pqnet_addr *a, const pqnet_addr *b) {
  return a->family == b->family && a->port == b->port &&
         memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

int pqnet_addr_same_ip(const pqnet_addr *a, const pqnet_addr *b) {
  return a->family == b->family && memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

/* ---- classification ------------------------------------------------------- */

/* The first `bits` bits of ip equal those of prefix. */
static int in_prefix(const uint8_t *ip, const uint8_t *prefix, unsigned bits) {
  unsigned whole = bits / 8, rest = bits % 8;
  /* A byte loop, not memcmp: most ranges differ in the first byte, and this
   * runs several times for every received address (4% of a 10,000-node
   * simulation went to memcmp calls from here). */
  for (unsigned i = 0; i < whole; i++)
    if (ip[i] != prefix[i]) return 0;
  if (rest == 0) return 1;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (ip[whole] & mask) == (prefix[whole] & mask);
}

typedef struct range {
  uint8_t prefix[16];
  uint8_t bits;
  uint8_t cls;
} range;

/* Checked in order; the first match wins (more specific ranges come first). */
static const range v4_ranges[] = {
    {{0, 0, 0, 0}, 32, PQNET_ADDR_UNSPECIFIED},
    {{0}, 8, PQNET_ADDR_RESERVED},            /* "this network" */
    {{10}, 8, PQNET_ADDR_PRIVATE},            /* RFC 1918 */
    {{100, 64}, 10, PQNET_ADDR_PRIVATE},      /* CGNAT, RFC 6598 */
    {{127}, 8, PQNET_ADDR_LOOPBACK},          /* RFC 1122 */
    {{169, 254}, 16, PQNET_ADDR_PRIVATE},     /* link-local, RFC 3927 */
    {{172, 16}, 12, PQNET_ADDR_PRIVATE},      /* RFC 1918 */
    {{192, 0, 0}, 24, PQNET_ADDR_RESERVED},   /* IETF protocol assignments */
    {{192, 0, 2}, 24, PQNET_ADDR_PRIVATE},    /* TEST-NET-1, RFC 5737 */
    {{192, 88, 99}, 24, PQNET_ADDR_RESERVED}, /* 6to4 relay anycast, RFC 7526 */
    {{192, 168}, 16, PQNET_ADDR_PRIVATE},     /* RFC 1918 */
    {{198, 18}, 15, PQNET_ADDR_PRIVATE},      /* benchmarking, RFC 2544 */
    {{198, 51, 100}, 24, PQNET_ADDR_PRIVATE}, /* TEST-NET-2 */
    {{203, 0, 113}, 24, PQNET_ADDR_PRIVATE},  /* TEST-NET-3 */
    {{224}, 4, PQNET_ADDR_RESERVED},          /* multicast */
    {{240}, 4, PQNET_ADDR_RESERVED},          /* future use and broadcast */
};

static const range v6_ranges[] = {
    {{0}, 128, PQNET_ADDR_UNSPECIFIED},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, PQNET_ADDR_LOOPBACK},
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, PQNET_ADDR_PRIVATE}, /* benchmarking, RFC 5180 */
    {{0x20, 0x01, 0x00, 0x00}, 23, PQNET_ADDR_RESERVED}, /* IETF assignments incl. Teredo */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, PQNET_ADDR_PRIVATE},  /* documentation, RFC 3849 */
    {{0x20, 0x02}, 16, PQNET_ADDR_RESERVED},             /* 6to4, RFC 3056 */
    {{0x3f, 0xff, 0x00}, 20, PQNET_ADDR_PRIVATE},        /* documentation, RFC 9637 */
    {{0x20}, 3, PQNET_ADDR_ROUTABLE},                    /* global unicast */
    {{0xfc}, 7, PQNET_ADDR_PRIVATE},                     /* unique local, RFC 4193 */
    {{0xfe, 0x80}, 10, PQNET_ADDR_PRIVATE},              /* link-local */
    {{0}, 0, PQNET_ADDR_RESERVED}, /* the rest: multicast, NAT64, mapped, unassigned */
};

static pqnet_addr_class match(const uint8_t *ip, const range *r, size_t n, pqnet_addr_class dflt) {
  for (size_t i = 0; i < n; i++)
    if (in_prefix(ip, r[i].prefix, r[i].bits)) return (pqnet_addr_class)r[i].cls;
  return dflt;
}

pqnet_addr_class pqnet_addr_classify(const pqnet_addr *a) {
  if (!a) return PQNET_ADDR_INVALID;
  if (a->family == 4)
    return match(a->ip, v4_ranges, sizeof v4_ranges / sizeof v4_ranges[0], PQNET_ADDR_ROUTABLE);
  if (a->family == 6)
    return match(a->ip, v6_ranges, sizeof v6_ranges / sizeof v6_ranges[0], PQNET_ADDR_RESERVED);
  return PQNET_ADDR_INVALID;
}

const char *pqnet_addr_class_name(pqnet_addr_class c) {
  switch (c) {
  case PQNET_ADDR_INVALID: return "invalid";
  case PQNET_ADDR_UNSPECIFIED: return "unspecified";
  case PQNET_ADDR_LOOPBACK: return "loopback";
  case PQNET_ADDR_PRIVATE: return "private";
  case PQNET_ADDR_RESERVED: return "reserved";
  case PQNET_ADDR_ROUTABLE: return "routable";
  }
  return "unknown";
}

/* The class is one the policy admits (the port is not looked at). */
static int class_allowed(pqnet_addr_class c, const pqnet_addr_policy *policy) {
  switch (c) {
  case PQNET_ADDR_ROUTABLE: return 1;
  case PQNET_ADDR_LOOPBACK: return policy && policy->allow_loopback;
  case PQNET_ADDR_PRIVATE: return policy && policy->allow_private;
  default: return 0;
  }
}

int pqnet_addr_allowed(const pqnet_addr *a, const pqnet_addr_policy *policy) {
  if (!a || a->port == 0) return 0;
  return class_allowed(pqnet_addr_classify(a), policy);
}

int pqnet_addr_group(const pqnet_addr *a, const pqnet_addr_policy *policy,
                     uint8_t out[PQNET_ADDR_GROUP_MAX], size_t *len) {
  if (!a || !out || !len) return PQNET_ERR_INVALID_ARG;
  memset(out, 0, PQNET_ADDR_GROUP_MAX);
  if (!class_allowed(pqnet_addr_classify(a), policy)) {
    *len = 1; /* the one shared "unroutable / local" group */
    return 0;
  }
  size_t n = a->family == 4 ? 2 : 4; /* /16 or /32 */
  out[0] = a->family;
  memcpy(out + 1, a->ip, n);
  *len = n + 1;
  return 0;
}
