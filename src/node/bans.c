/*
 * Bans (DESIGN.md §5, PROTOCOL.md §9): address or network prefixes the node
 * refuses to dial, accept, store or relay until a deadline. The list is small
 * (at most PQNET_MAX_BANS) and scanned linearly; the peer store persists it
 * through the `banned` callback and restores it with pqnet_node_ban.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_impl.h"
#include "pqnet/error.h"

static unsigned full_prefix(const pqnet_addr *a) {
  return a->family == 4 ? 32 : 128;
}

/* 1 when the first prefix_len bits of a's IP equal those of net. */
static int in_prefix(const pqnet_addr *a, const pqnet_addr *net, unsigned prefix_len) {
  if (a->family != net->family) return 0;
  unsigned bytes = prefix_len / 8, bits = prefix_len % 8;
  if (memcmp(a->ip, net->ip, bytes) != 0) return 0;
  if (bits == 0) return 1;
  uint8_t mask = (uint8_t)(0xff << (8 - bits));
  return (a->ip[bytes] & mask) == (net->ip[bytes] & mask);
}

int node_is_violation(int reason) {
  return reason == PQNET_REASON_MALFORMED || reason == PQNET_REASON_TOO_LARGE ||
         reason == PQNET_REASON_AUTH;
}

int pqnet_node_is_banned(const pqnet_node *n, const pqnet_addr *addr, uint64_t now) {
  if (!n || !addr) return 0;
  for (size_t i = 0; i < n->nbans; i++)
    if (n->bans[i].until_ms > now && in_prefix(addr, &n->bans[i].addr, n->bans[i].prefix_len))
      return 1;
  return 0;
}

static pqnet_ban *find_ban(pqnet_node *n, const pqnet_addr *addr, unsigned prefix_len) {
  for (size_t i = 0; i < n->nbans; i++)
    if (n->bans[i].prefix_len == prefix_len && in_prefix(addr, &n->bans[i].addr, prefix_len) &&
        n->bans[i].addr.family == addr->family)
      return &n->bans[i];
  return NULL;
}

int pqnet_node_ban(pqnet_node *n, const pqnet_addr *addr, unsigned prefix_len, uint64_t until_ms,
                   const char *reason, uint64_t now) {
  if (!n || !addr || (addr->family != 4 && addr->family != 6) || prefix_len == 0 ||
      prefix_len > full_prefix(addr))
    return PQNET_ERR_INVALID_ARG;
  if (now > n->now) n->now = now;
  pqnet_ban *b = find_ban(n, addr, prefix_len);
  if (!b) {
    if (n->nbans >= PQNET_MAX_BANS) return PQNET_ERR_TOO_LARGE;
    if (n->nbans == n->cap_bans) {
      size_t cap = n->cap_bans ? n->cap_bans * 2 : 16;
      pqnet_ban *p = realloc(n->bans, cap * sizeof *p);
      if (!p) return PQNET_ERR_NOMEM;
      n->bans = p;
      n->cap_bans = cap;
    }
    b = &n->bans[n->nbans++];
  }
  memset(b, 0, sizeof *b);
  b->addr = *addr;
  b->addr.port = 0;
  b->prefix_len = (uint8_t)prefix_len;
  b->until_ms = until_ms;
  snprintf(b->reason, sizeof b->reason, "%s", reason ? reason : "manual");
  pqnet_addrman_remove(n->am, addr);
  /* Disconnect everyone inside it. */
  for (size_t i = 0; i < n->nconns; i++) {
    conn *c = n->conns[i];
    if (!c->closing && in_prefix(&c->addr, &b->addr, prefix_len))
      close_conn(n, c, PQNET_REASON_BANNED, "address banned");
  }
  return 0;
}

int pqnet_node_unban(pqnet_node *n, const pqnet_addr *addr, unsigned prefix_len) {
  pqnet_ban *b = n && addr ? find_ban(n, addr, prefix_len) : NULL;
  if (!b) return PQNET_ERR_STATE;
  *b = n->bans[--n->nbans];
  return 0;
}

size_t pqnet_node_bans(const pqnet_node *n, pqnet_ban *out, size_t max) {
  if (!n) return 0;
  for (size_t i = 0; i < n->nbans && i < max; i++) out[i] = n->bans[i];
  return n->nbans;
}

void bans_expire(pqnet_node *n, uint64_t now) {
  for (size_t i = 0; i < n->nbans;) {
    if (n->bans[i].until_ms <= now)
      n->bans[i] = n->bans[--n->nbans];
    else
      i++;
  }
}

void bans_free(pqnet_node *n) {
  free(n->bans);
  n->bans = NULL;
  n->nbans = n->cap_bans = 0;
}

void node_ban_peer(pqnet_node *n, conn *c, const char *why) {
  if (n->cfg.ban_seconds == 0 || pqnet_node_is_banned(n, &c->addr, n->now)) return;
  pqnet_addr a = c->addr;
  unsigned prefix = full_prefix(&a);
  uint64_t until = n->now + (uint64_t)n->cfg.ban_seconds * 1000;
  if (pqnet_node_ban(n, &a, prefix, until, why, n->now) != 0) return;
  n->stats.bans++;
  char buf[PQNET_ADDR_STRLEN];
  a.port = 0;
  node_log(n, 1, "banned addr=%s for %u s: %s", pqnet_addr_format(&c->addr, buf, sizeof buf),
           n->cfg.ban_seconds, why);
  if (n->cb.banned) n->cb.banned(n->cb.ctx, &n->bans[n->nbans - 1]);
}
