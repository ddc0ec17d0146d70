#include "chainnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/sha3.h"

static void on_connected(void *ctx, const pqnet_peer_info *p) {
  chainnode *cn = ctx;
  cn->m.connected++;
  cn->m.last_conn = p->conn;
  if (cn->app) pqnet_chain_app_on_peer_connected(cn->app, p, cn->net->now);
}

static void on_disconnected(void *ctx, const pqnet_peer_info *p, int reason, const char *text) {
  chainnode *cn = ctx;
  cn->m.disconnected++;
  cn->m.last_reason = reason;
  snprintf(cn->m.last_text, sizeof cn->m.last_text, "%s", text);
  if (cn->app) pqnet_chain_app_on_peer_disconnected(cn->app, p, cn->net->now);
}

static void on_hello(void *ctx, const pqnet_peer_info *p) {
  chainnode *cn = ctx;
  cn->m.hellos++;
  if (cn->app) pqnet_chain_app_on_peer_hello(cn->app, p, cn->net->now);
}

static void on_message(void *ctx, uint64_t conn, uint16_t proto, uint8_t type, const uint8_t *body,
                       size_t len) {
  chainnode *cn = ctx;
  cn->m.messages++;
  cn->m.msg_bytes += len;
  if (cn->app) pqnet_chain_app_on_message(cn->app, conn, proto, type, body, len, cn->net->now);
}

static int on_gossip(void *ctx, uint64_t conn, uint16_t topic, const uint8_t *payload, size_t len) {
  chainnode *cn = ctx;
  cn->m.gossip++;
  cn->m.last_topic = topic;
  cn->m.last_gossip_len = len;
  if (!cn->app) return PQNET_GOSSIP_IGNORE;
  int v = pqnet_chain_app_on_gossip(cn->app, conn, topic, payload, len, cn->net->now);
  cn->verdicts[v + 1]++;
  return v;
}

static void on_log(void *ctx, int level, const char *msg) {
  chainnode *cn = ctx;
  if (cn->m.verbose >= level + 1)
    fprintf(stderr, "[chainnode %p L%d] %s\n", (void *)cn, level, msg);
}

void chainnode_init(chainnode *cn, memnet *net, uint64_t seed, const pqnet_node_config *ncfg,
                    const pqnet_chain_app_config *acfg) {
  uint8_t idseed[32];
  memset(cn, 0, sizeof *cn);
  cn->net = net;
  memnode *m = &cn->m;
  for (int i = 0; i < 8; i++) idseed[i] = (uint8_t)(seed >> (8 * i));
  pqnet_shake256(idseed, 32, idseed, 8);
  if (pqnet_identity_from_seed(idseed, &m->id) != 0) abort();
  pqnet_rng_det_init_u64(&m->rng, seed ^ 0x9e3779b97f4a7c15ULL);
  if (ncfg) {
    m->cfg = *ncfg;
  } else {
    pqnet_node_config_default(&m->cfg);
    m->cfg.feeler_interval_ms = 0;
  }
  if (pqnet_chain_genesis_id(acfg && acfg->network ? acfg->network : "devnet", m->cfg.genesis) != 0)
    abort();
  if (m->cfg.advertise.family) m->listen = m->cfg.advertise;
  if (getenv("MEMNET_VERBOSE")) m->verbose = atoi(getenv("MEMNET_VERBOSE"));
  pqnet_node_callbacks cb = {.ctx = cn,
                             .peer_connected = on_connected,
                             .peer_disconnected = on_disconnected,
                             .message = on_message,
                             .peer_hello = on_hello,
                             .log = on_log,
                             .gossip = on_gossip};
  if (pqnet_node_new(&m->cfg, m->id, &m->rng.rng, &cb, &m->node) != 0) abort();
  pqnet_chain_app_config a;
  if (acfg) {
    a = *acfg;
  } else {
    pqnet_chain_app_config_default(&a);
  }
  if (!a.log) {
    a.log = on_log;
    a.log_ctx = cn;
  }
  if (pqnet_chain_app_new(&a, m->node, &m->rng.rng, net->now, &cn->app) != 0) abort();
  memnet_add(net, m);
}

void chainnode_free(chainnode *cn) {
  pqnet_chain_app_del(cn->app);
  cn->app = NULL;
  memnode_free(&cn->m);
}

void chainnet_timers(chainnode *nodes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!nodes[i].m.offline) pqnet_chain_app_on_timer(nodes[i].app, nodes[i].net->now);
  if (n) memnet_pump(nodes[0].net);
}

void chainnet_advance(memnet *net, chainnode *nodes, size_t n, uint64_t ms, uint64_t step) {
  uint64_t end = net->now + ms;
  while (net->now < end) {
    uint64_t s = end - net->now < step ? end - net->now : step;
    memnet_advance(net, s);
    chainnet_timers(nodes, n);
  }
}

void chainnet_target(unsigned bits, uint8_t target[32]) {
  pqnet_chain_target_from_bits(bits, target);
}

size_t chainnet_make_block(const uint8_t parent[32], uint64_t height, uint64_t ts,
                           const uint8_t target[32], uint32_t tag, size_t plen, int bad_pow,
                           uint8_t *out) {
  pqnet_block_header h;
  uint8_t payload[PQNET_BLOCK_PAYLOAD_MAX];
  uint8_t id[32];
  size_t len;
  if (plen > sizeof payload) abort();
  for (size_t i = 0; i < plen; i++) payload[i] = (uint8_t)(tag >> (8 * (i % 4))) ^ (uint8_t)i;
  memset(&h, 0, sizeof h);
  h.version = PQNET_BLOCK_VERSION;
  h.height = height;
  memcpy(h.parent, parent, 32);
  h.timestamp_ms = ts;
  memcpy(h.target, target, 32);
  pqnet_block_set_payload(&h, payload, plen);
  for (h.nonce = 0;; h.nonce++) {
    pqnet_block_header_id(&h, id);
    if (pqnet_block_pow_ok(id, target) != bad_pow) break;
  }
  if (pqnet_block_encode(&h, payload, plen, out, PQNET_BLOCK_MAX_LEN, &len) != 0) abort();
  return len;
}

size_t chainnet_next_block(const pqnet_chain *c, uint64_t now, const uint8_t target[32],
                           uint32_t tag, size_t plen, uint8_t *out) {
  uint8_t tip[32];
  pqnet_chain_tip(c, tip);
  uint64_t floor = pqnet_chain_tip_mtp(c) + 1;
  return chainnet_make_block(tip, pqnet_chain_height(c) + 1, now > floor ? now : floor, target, tag,
                             plen, 0, out);
}
