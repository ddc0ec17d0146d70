#include "store/node_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrman/addrman.h"
#include "pqnet/error.h"
#include "store/store.h"

#define PRUNE_EVERY_MS 60000
#define ANCHORS_MAX    8

struct pqnet_node_store {
  pqnet_store *st;
  pqnet_node *node;
  uint64_t ttl_seconds;
  uint64_t last_prune;
  int anchors_saved;
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
};

static void ns_log(pqnet_node_store *ns, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ns_log(pqnet_node_store *ns, int level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (!ns->log) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ns->log(ns->log_ctx, level, buf);
}

int pqnet_node_store_open(const char *base_path, pqnet_node_config *ncfg,
                          void (*log)(void *ctx, int level, const char *msg), void *log_ctx,
                          uint64_t now_ms, pqnet_node_store **out, char *why, size_t whycap) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base_path || !ncfg) return PQNET_ERR_INVALID_ARG;
  pqnet_node_store *ns = calloc(1, sizeof *ns);
  if (!ns) return PQNET_ERR_NOMEM;
  ns->log = log;
  ns->log_ctx = log_ctx;
  pqnet_store_config scfg;
  memset(&scfg, 0, sizeof scfg);
  scfg.log = log;
  scfg.log_ctx = log_ctx;
  scfg.now = now_ms / 1000;
  int rc = pqnet_store_open(base_path, &scfg, &ns->st, why, whycap);
  if (rc == 0) {
    int created = 0;
    rc = pqnet_store_get_secret(ns->st, ncfg->addrman_secret, &created);
    if (rc == 0) ncfg->have_addrman_secret = 1;
  }
  if (rc) {
    if (ns->st) pqnet_store_close(ns->st);
    free(ns);
    return rc;
  }
  *out = ns;
  return 0;
}

size_t pqnet_node_store_attach(pqnet_node_store *ns, pqnet_node *node, uint64_t now_ms,
                               uint64_t ttl_days, size_t max_entries, pqnet_addr *recent,
                               size_t max_recent) {
  if (!ns || !node) return 0;
  ns->node = node;
  ns->ttl_seconds = ttl_days * 86400;
  ns->last_prune = now_ms;
  pqnet_store_load_stats stats;
  memset(&stats, 0, sizeof stats);
  pqnet_store_load(ns->st, pqnet_node_addrman(node), now_ms / 1000, max_entries, ns->ttl_seconds,
                   &stats);
  /* Bans survive restarts: give them back to the node. */
  pqnet_store_ban_entry bans[256];
  int nb = pqnet_store_bans(ns->st, now_ms / 1000, bans, 256);
  for (int i = 0; i < nb && i < 256; i++)
    pqnet_node_ban(node, &bans[i].net, bans[i].prefix_len, bans[i].until * 1000, bans[i].reason,
                   now_ms);
  size_t n = max_recent ? pqnet_store_recent(ns->st, recent, max_recent) : 0;
  if (stats.loaded == 0)
    ns_log(ns, 2, "peer store is empty; the seeds will be asked");
  else
    ns_log(ns, 2,
           "Loaded %zu stored peers; trying %zu most recent (pruned %zu old, %zu failing, %zu "
           "over the cap; %d bans)",
           stats.loaded, n, stats.pruned_ttl, stats.pruned_failing, stats.pruned_cap,
           nb > 0 ? nb : 0);
  return n;
}

void pqnet_node_store_remember(pqnet_node_store *ns, const pqnet_addr *addr, uint64_t now_ms) {
  if (!ns || !ns->node || !addr) return;
  pqnet_addrman *am = pqnet_node_addrman(ns->node);
  pqnet_addr_info info;
  memset(&info, 0, sizeof info);
  info.addr = *addr;
  info.last_seen = now_ms / 1000;
  pqnet_addrman_add(am, &info, 1, addr, now_ms / 1000);
  if (pqnet_addrman_find(am, addr, &info) == 0) pqnet_store_queue_learned(ns->st, &info, 1);
}

static int all_zero_id(const uint8_t id[PQNET_PEER_ID_LEN]) {
  uint8_t acc = 0;
  for (size_t i = 0; i < PQNET_PEER_ID_LEN; i++) acc |= id[i];
  return acc == 0;
}

/* The address book's view of the peer's dialable address. */
static int lookup(pqnet_node_store *ns, const pqnet_peer_info *p, pqnet_addr_info *info) {
  if (!ns || !ns->node || p->direction != PQNET_OUTBOUND)
    return -1; /* inbound ports are ephemeral */
  return pqnet_addrman_find(pqnet_node_addrman(ns->node), &p->addr, info);
}

void pqnet_node_store_peer_connected(pqnet_node_store *ns, const pqnet_peer_info *p) {
  pqnet_addr_info info;
  if (lookup(ns, p, &info) == 0) pqnet_store_note_connected(ns->st, &info);
}

void pqnet_node_store_peer_disconnected(pqnet_node_store *ns, const pqnet_peer_info *p) {
  pqnet_addr_info info;
  if (lookup(ns, p, &info) != 0) return;
  if (all_zero_id(p->peer_id))
    pqnet_store_note_failed(ns->st, &info); /* never opened: a failed attempt */
  else
    pqnet_store_note_closed(ns->st, &info);
}

void pqnet_node_store_learned(pqnet_node_store *ns, const struct pqnet_addr_info *v, size_t n) {
  if (ns) pqnet_store_queue_learned(ns->st, v, n);
}

void pqnet_node_store_banned(pqnet_node_store *ns, const pqnet_ban *b) {
  if (ns) pqnet_store_ban(ns->st, &b->addr, b->prefix_len, b->until_ms / 1000, b->reason);
}

void pqnet_node_store_unbanned(pqnet_node_store *ns, const pqnet_addr *addr, unsigned prefix_len) {
  if (ns) pqnet_store_unban(ns->st, addr, prefix_len);
}

void pqnet_node_store_tick(pqnet_node_store *ns, uint64_t now_ms) {
  if (!ns) return;
  pqnet_store_flush(ns->st, now_ms / 1000, 0);
  if (now_ms >= ns->last_prune + PRUNE_EVERY_MS) {
    ns->last_prune = now_ms;
    pqnet_store_prune(ns->st, now_ms / 1000, ns->ttl_seconds, 256);
  }
}

size_t pqnet_node_store_pending(const pqnet_node_store *ns) {
  return ns ? pqnet_store_pending(ns->st) : 0;
}

int pqnet_node_store_degraded(const pqnet_node_store *ns) {
  const char *why = NULL;
  return ns ? pqnet_store_degraded(ns->st, &why) : 0;
}

void pqnet_node_store_save_anchors(pqnet_node_store *ns) {
  if (!ns || !ns->node) return;
  uint64_t ids[64];
  pqnet_addr anchors[ANCHORS_MAX];
  size_t na = 0, n = pqnet_node_peers(ns->node, ids, 64);
  for (size_t i = 0; i < n && na < ANCHORS_MAX; i++) {
    pqnet_peer_info p;
    if (pqnet_node_peer_info(ns->node, ids[i], &p) == 0 && p.direction == PQNET_OUTBOUND)
      anchors[na++] = p.addr;
  }
  pqnet_store_set_anchors(ns->st, anchors, na);
  ns->anchors_saved = 1;
}

void pqnet_node_store_close(pqnet_node_store *ns, uint64_t now_ms) {
  if (!ns) return;
  if (ns->node) {
    if (!ns->anchors_saved) pqnet_node_store_save_anchors(ns);
    pqnet_store_sync_from_addrman(ns->st, pqnet_node_addrman(ns->node), now_ms / 1000);
  }
  pqnet_store_close(ns->st);
  free(ns);
}
