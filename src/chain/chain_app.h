/*
 * The devnet chain as the daemon sees it: one object that owns the chain
 * (chain.h), the relay and sync glue (chain_net.h) and the miner
 * (miner.h), fed from the node's callbacks and a timer.
 *
 * WIRING (pqnetd)
 *   before pqnet_node_new: pqnet_chain_genesis_id(network, cfg.genesis)
 *   after pqnet_node_new:  pqnet_chain_app_new(&acfg, node, rng, now, &app)
 *   node callbacks ->      pqnet_chain_app_on_gossip / _on_message /
 *                          _on_peer_connected / _on_peer_hello /
 *                          _on_peer_disconnected (with the daemon's clock)
 *   a timer ->             next = pqnet_chain_app_on_timer(app, now); re-arm
 *                          for next (next == now while mining: run again as
 *                          soon as the loop has handled pending I/O)
 *   GET /chain/head ->     pqnet_chain_app_head_json
 *   GET /metrics ->        pqnet_chain_app_metrics
 *   shutdown ->            pqnet_chain_app_del (before pqnet_node_del)
 *
 * Ownership: node and rng are borrowed and must outlive the app. The app
 * never frees or ticks the node. Time is Unix milliseconds from the caller.
 */
#ifndef PQNET_CHAIN_APP_H
#define PQNET_CHAIN_APP_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "chain/chain_net.h"
#include "chain/miner.h"
#include "pqnet/node.h"

#define PQNET_CHAIN_MINE_SLICE 20000 /* hashes per timer call: ~10 ms at 2 M hashes/s */

typedef struct pqnet_chain_app_config {
  const char *base_path; /* <base_path>/chain.sqlite; NULL: memory only */
  const char *network;   /* genesis; NULL: "devnet" */
  int mine;              /* 1: mine on the best chain and broadcast what is found */
  /* The network's proof-of-work limit and the mining target (32 bytes,
   * big-endian); NULL: 2^(256 - PQNET_CHAIN_DEVNET_ZERO_BITS) - 1. Every node
   * of a network must use the same value: blocks easier than a node's limit
   * are invalid to it. */
  const uint8_t *target;
  uint32_t mine_slice_hashes; /* 0: PQNET_CHAIN_MINE_SLICE */
  pqnet_chain_net_config net; /* zero fields take the defaults */
  uint32_t orphan_max;        /* 0: PQNET_CHAIN_ORPHAN_MAX */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
} pqnet_chain_app_config;

/* Defaults: network "devnet", no base path, not mining. */
void pqnet_chain_app_config_default(pqnet_chain_app_config *cfg);

typedef struct pqnet_chain_app pqnet_chain_app;

/* Open the chain (loading <base_path>/chain.sqlite), cap gossip topic 1,
 * announce the height in Hello. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_NOMEM, PQNET_ERR_RNG. */
int pqnet_chain_app_new(const pqnet_chain_app_config *cfg, pqnet_node *node, const pqnet_rng *rng,
                        uint64_t now, pqnet_chain_app **out);
/* Close the database and free everything. NULL is a no-op. */
void pqnet_chain_app_del(pqnet_chain_app *app);

/* ---- node callbacks, forwarded by the embedder with its clock ---- */

int pqnet_chain_app_on_gossip(pqnet_chain_app *app, uint64_t conn, uint16_t topic,
                              const uint8_t *payload, size_t len, uint64_t now);
void pqnet_chain_app_on_message(pqnet_chain_app *app, uint64_t conn, uint16_t protocol,
                                uint8_t type, const uint8_t *body, size_t len, uint64_t now);
void pqnet_chain_app_on_peer_connected(pqnet_chain_app *app, const pqnet_peer_info *peer,
                                       uint64_t now);
void pqnet_chain_app_on_peer_hello(pqnet_chain_app *app, const pqnet_peer_info *peer, uint64_t now);
void pqnet_chain_app_on_peer_disconnected(pqnet_chain_app *app, const pqnet_peer_info *peer,
                                          uint64_t now);

/* Sync timeouts, then (when mining and not syncing) one mining slice; a
 * block found is added and broadcast. Returns when to call again: now while
 * mining, else the next sync deadline, at most 1 s ahead. */
uint64_t pqnet_chain_app_on_timer(pqnet_chain_app *app, uint64_t now);

/* Turn mining on or off. */
void pqnet_chain_app_set_mining(pqnet_chain_app *app, int on);

/* Hand in a block from outside (tests, a future RPC): validated, stored and,
 * if it connected, broadcast. Same return codes as pqnet_chain_net_publish. */
int pqnet_chain_app_submit(pqnet_chain_app *app, const uint8_t *block, size_t len, uint64_t now,
                           pqnet_chain_result *res);

/* ---- head and metrics ---- */

uint64_t pqnet_chain_app_height(const pqnet_chain_app *app);
/* The tip id as 64 hex digits into buf (>= 65 bytes). Returns buf. */
char *pqnet_chain_app_hash_hex(const pqnet_chain_app *app, char *buf, size_t cap);
size_t pqnet_chain_app_block_count(const pqnet_chain_app *app); /* genesis included */
size_t pqnet_chain_app_orphan_count(const pqnet_chain_app *app);
uint64_t pqnet_chain_app_blocks_mined(const pqnet_chain_app *app);
uint64_t pqnet_chain_app_hashes(const pqnet_chain_app *app);

/* {"height": N, "hash": "<64 hex>", "blocks": N, "orphans": N} and a
 * newline. Returns the length written (snprintf semantics: >= cap means
 * truncated). */
int pqnet_chain_app_head_json(const pqnet_chain_app *app, char *buf, size_t cap);

/* Prometheus text lines (HELP, TYPE, value) for the chain: pqnet_chain_height,
 * pqnet_chain_blocks, pqnet_chain_orphans, pqnet_chain_*_total counters, and
 * pqnet_p2p_announces_received_total (from the node's stats). Same return
 * convention as snprintf. */
int pqnet_chain_app_metrics(const pqnet_chain_app *app, char *buf, size_t cap);

/* The parts, for tests and inspection. */
pqnet_chain *pqnet_chain_app_chain(pqnet_chain_app *app);
pqnet_chain_net *pqnet_chain_app_net(pqnet_chain_app *app);

#endif
