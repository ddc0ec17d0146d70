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
  if (inet_pton(AF_INET, host, buf) == 1) return pqnet_addr_from_bytes(out, buf, 4, port);
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
