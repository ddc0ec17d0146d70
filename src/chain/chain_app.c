/* The daemon-facing facade of the devnet chain (chain_app.h). */
#include "chain/chain_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_impl.h"
#include "pqnet/error.h"

struct pqnet_chain_app {
  pqnet_chain *chain;
  pqnet_chain_net *net;
  pqnet_miner miner;
  pqnet_node *node;
  int mine;
  uint32_t slice;
  uint64_t mined;
  uint8_t block[PQNET_BLOCK_MIN_LEN + PQNET_MINER_PAYLOAD_LEN];
};

void pqnet_chain_app_config_default(pqnet_chain_app_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->network = "devnet";
}

int pqnet_chain_app_new(const pqnet_chain_app_config *cfg, pqnet_node *node, const pqnet_rng *rng,
                        uint64_t now, pqnet_chain_app **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!cfg || !node || !rng) return PQNET_ERR_INVALID_ARG;
  pqnet_chain_config cc;
  pqnet_chain_config_default(&cc, cfg->network);
  if (cfg->network && strlen(cfg->network) > PQNET_NETWORK_MAX) return PQNET_ERR_INVALID_ARG;
  if (cfg->target) memcpy(cc.pow_limit, cfg->target, 32);
  if (cfg->orphan_max) cc.orphan_max = cfg->orphan_max;
  cc.base_path = cfg->base_path;
  cc.log = cfg->log;
  cc.log_ctx = cfg->log_ctx;
  pqnet_chain_app *app = calloc(1, sizeof *app);
  if (!app) return PQNET_ERR_NOMEM;
  int err = pqnet_chain_open(&cc, now, &app->chain);
  if (!err) err = pqnet_chain_net_new(&cfg->net, app->chain, node, rng, &app->net);
  if (!err) err = pqnet_miner_init(&app->miner, NULL, rng);
  if (err) {
    pqnet_chain_app_del(app);
    return err;
  }
  app->node = node;
  app->mine = cfg->mine;
  app->slice = cfg->mine_slice_hashes ? cfg->mine_slice_hashes : PQNET_CHAIN_MINE_SLICE;
  *out = app;
  return 0;
}

void pqnet_chain_app_del(pqnet_chain_app *app) {
  if (!app) return;
  pqnet_chain_net_del(app->net);
  pqnet_chain_close(app->chain);
  free(app);
}

int pqnet_chain_app_on_gossip(pqnet_chain_app *app, uint64_t conn, uint16_t topic,
                              const uint8_t *payload, size_t len, uint64_t now) {
  return pqnet_chain_net_on_gossip(app->net, conn, topic, payload, len, now);
}

void pqnet_chain_app_on_message(pqnet_chain_app *app, uint64_t conn, uint16_t protocol,
                                uint8_t type, const uint8_t *body, size_t len, uint64_t now) {
  pqnet_chain_net_on_message(app->net, conn, protocol, type, body, len, now);
}

void pqnet_chain_app_on_peer_connected(pqnet_chain_app *app, const pqnet_peer_info *peer,
                                       uint64_t now) {
  pqnet_chain_net_on_peer_connected(app->net, peer, now);
}

void pqnet_chain_app_on_peer_hello(pqnet_chain_app *app, const pqnet_peer_info *peer,
                                   uint64_t now) {
  pqnet_chain_net_on_peer_hello(app->net, peer, now);
}

void pqnet_chain_app_on_peer_disconnected(pqnet_chain_app *app, const pqnet_peer_info *peer,
                                          uint64_t now) {
  pqnet_chain_net_on_peer_disconnected(app->net, peer, now);
}

uint64_t pqnet_chain_app_on_timer(pqnet_chain_app *app, uint64_t now) {
  pqnet_chain_net_tick(app->net, now);
  /* No mining while behind a peer: the work would go to a stale branch. */
  if (app->mine && !pqnet_chain_net_syncing(app->net)) {
    size_t len;
    int rc = pqnet_chain_mine_step(app->chain, &app->miner, app->slice, now, app->block,
                                   sizeof app->block, &len);
    if (rc == 1) {
      pqnet_chain_result res;
      if (pqnet_chain_net_publish(app->net, app->block, len, now, &res) == 0 &&
          res.status == PQNET_CHAIN_CONNECTED) {
        char hex[65];
        app->mined++;
        chain_log(app->chain, 2, "mined block height=%llu hash=%s", (unsigned long long)res.height,
                  pqnet_block_id_hex(res.id, hex, sizeof hex));
      }
    }
    return now;
  }
  uint64_t next = pqnet_chain_net_next_deadline(app->net);
  if (next > now + 1000) next = now + 1000;
  return next < now ? now : next;
}

void pqnet_chain_app_set_mining(pqnet_chain_app *app, int on) {
  app->mine = on ? 1 : 0;
}

int pqnet_chain_app_submit(pqnet_chain_app *app, const uint8_t *block, size_t len, uint64_t now,
                           pqnet_chain_result *res) {
  return pqnet_chain_net_publish(app->net, block, len, now, res);
}

uint64_t pqnet_chain_app_height(const pqnet_chain_app *app) {
  return pqnet_chain_height(app->chain);
}

char *pqnet_chain_app_hash_hex(const pqnet_chain_app *app, char *buf, size_t cap) {
  uint8_t id[32];
  pqnet_chain_tip(app->chain, id);
  return pqnet_block_id_hex(id, buf, cap);
}

size_t pqnet_chain_app_block_count(const pqnet_chain_app *app) {
  return pqnet_chain_block_count(app->chain);
}

size_t pqnet_chain_app_orphan_count(const pqnet_chain_app *app) {
  return pqnet_chain_orphan_count(app->chain);
}

uint64_t pqnet_chain_app_blocks_mined(const pqnet_chain_app *app) {
  return app->mined;
}

uint64_t pqnet_chain_app_hashes(const pqnet_chain_app *app) {
  return app->miner.hashes;
}

int pqnet_chain_app_head_json(const pqnet_chain_app *app, char *buf, size_t cap) {
  char hex[65];
  return snprintf(buf, cap,
                  "{\"height\": %llu, \"hash\": \"%s\", \"blocks\": %zu, \"orphans\": %zu}\n",
                  (unsigned long long)pqnet_chain_app_height(app),
                  pqnet_chain_app_hash_hex(app, hex, sizeof hex), pqnet_chain_app_block_count(app),
                  pqnet_chain_app_orphan_count(app));
}

int pqnet_chain_app_metrics(const pqnet_chain_app *app, char *buf, size_t cap) {
  const pqnet_chain_stats *cs = pqnet_chain_get_stats(app->chain);
  const pqnet_chain_net_stats *ns = pqnet_chain_net_get_stats(app->net);
  const pqnet_node_stats *st = pqnet_node_get_stats(app->node);
  struct {
    const char *name, *type, *help;
    unsigned long long v;
  } m[] = {
      {"pqnet_chain_height", "gauge", "Height of the best chain.", pqnet_chain_app_height(app)},
      {"pqnet_chain_blocks", "gauge", "Blocks in the block index, genesis included.",
       pqnet_chain_app_block_count(app)},
      {"pqnet_chain_orphans", "gauge", "Blocks in the orphan pool.",
       pqnet_chain_app_orphan_count(app)},
      {"pqnet_chain_syncing", "gauge", "1 while fetching blocks from peers.",
       (unsigned long long)pqnet_chain_net_syncing(app->net)},
      {"pqnet_chain_blocks_mined_total", "counter", "Blocks this node mined.", app->mined},
      {"pqnet_chain_hashes_total", "counter", "Proof-of-work hashes tried.", app->miner.hashes},
      {"pqnet_chain_blocks_connected_total", "counter", "Blocks connected since start.",
       cs->connected},
      {"pqnet_chain_blocks_invalid_total", "counter", "Blocks refused as invalid.", cs->invalid},
      {"pqnet_chain_blocks_duplicate_total", "counter", "Blocks received that we already had.",
       cs->duplicates},
      {"pqnet_chain_orphans_evicted_total", "counter", "Orphans dropped for the pool bounds.",
       cs->orphans_evicted},
      {"pqnet_chain_reorgs_total", "counter", "Best-chain reorganisations.", cs->reorgs},
      {"pqnet_chain_sync_requests_total", "counter", "GetBlocks requests sent.",
       ns->getblocks_sent},
      {"pqnet_chain_sync_timeouts_total", "counter", "Sync windows re-asked after a timeout.",
       ns->windows_timed_out},
      {"pqnet_chain_blocks_synced_total", "counter", "Blocks connected from sync answers.",
       ns->blocks_synced},
      {"pqnet_p2p_announces_received_total", "counter", "Gossip ANNOUNCE messages received.",
       st->announces_received},
  };
  size_t off = 0;
  int total = 0;
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    int k = snprintf(buf ? buf + off : NULL, buf && off < cap ? cap - off : 0,
                     "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m[i].name, m[i].help, m[i].name,
                     m[i].type, m[i].name, m[i].v);
    if (k < 0) return k;
    total += k;
    off = (size_t)total < cap ? (size_t)total : cap;
  }
  return total;
}

pqnet_chain *pqnet_chain_app_chain(pqnet_chain_app *app) {
  return app->chain;
}

pqnet_chain_net *pqnet_chain_app_net(pqnet_chain_app *app) {
  return app->net;
}
