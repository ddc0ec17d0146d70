/*
 * Block relay and sync over the public node API only (docs/chain.md §6):
 * the glue between a pqnet_chain and a pqnet_node.
 *
 * RELAY
 *   A block this node mines (or is handed) is added to the chain and
 *   published with pqnet_node_broadcast on topic 1; the library pushes it
 *   whole (< gossip_announce_min) or announces it and lets peers fetch it,
 *   so each body crosses each link once. A block arriving by gossip is
 *   judged before the library relays it:
 *     - malformed, payload hash, target or proof of work wrong -> INVALID
 *       (not relayed; the library bans the sender: every honest node checks
 *       these before relaying);
 *     - valid and connected                                    -> VALID;
 *     - valid proof of work, parent unknown: pooled as an orphan -> VALID
 *       (relaying is safe: the proof of work was paid) and the parent is
 *       asked of the sender, then of any other peer, by GetBlock (all
 *       peers again after a timeout, 3 rounds); a parent fetched this way
 *       is gossiped on, because the peers we relayed its child to may lack
 *       it too;
 *     - already known, too far in the future, or breaking a rule that
 *       depends on ancestors (height, timestamp) -> IGNORE: an honest peer
 *       may relay an orphan it could not check yet, so no ban.
 *
 * SYNC
 *   A peer whose Hello (or Blocks, Block, Located answer, or relayed block)
 *   claims a greater best height starts sync: the heights above our tip are
 *   cut into windows (default 50 blocks) requested by GetBlocks from the
 *   peers that claim them, round-robin, at most per_peer_inflight windows
 *   per peer, max_windows buffered. A window not answered within timeout_ms
 *   is asked of another peer and the slow peer is skipped for a while, so
 *   one stalled peer does not stall sync. Windows connect strictly in
 *   height order. When the lowest window does not link to any block we
 *   have (the peer is on a fork below our tip), a Locate (our locator)
 *   finds the fork height and sync restarts from there. A peer that serves
 *   a block it could not have validated (bad proof of work, rule broken,
 *   wrong height, not linked) is disconnected with PQNET_REASON_MALFORMED,
 *   which bans it.
 *
 * Callbacks: the embedder forwards the node's gossip, message,
 * peer_connected, peer_hello and peer_disconnected callbacks with its
 * clock, and calls pqnet_chain_net_tick (timeouts). Time from the caller;
 * randomness from the rng given at creation. The chain and node are
 * borrowed and must outlive the chain_net.
 */
#ifndef PQNET_CHAIN_NET_H
#define PQNET_CHAIN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "pqnet/node.h"

typedef struct pqnet_chain_net_config {
  uint32_t window;             /* blocks per GetBlocks window; default 50 (max 500) */
  uint32_t per_peer_inflight;  /* windows outstanding per peer; default 2 */
  uint32_t max_windows;        /* windows scheduled at once; default 16 */
  uint32_t timeout_ms;         /* window, GetBlock and Locate timeout; default 5000 */
  uint32_t max_response_bytes; /* Blocks answers are cut at; default 1 MiB */
  uint32_t max_wants;          /* parents asked for by id at once; default 64 */
  int no_serve;                /* 1: do not answer GetBlocks/GetBlock/Locate (tests) */
} pqnet_chain_net_config;

void pqnet_chain_net_config_default(pqnet_chain_net_config *cfg);

typedef struct pqnet_chain_net_stats {
  /* relay */
  uint64_t published;         /* our blocks broadcast */
  uint64_t gossip_connected;  /* blocks from gossip that connected */
  uint64_t gossip_orphans;    /* blocks from gossip pooled as orphans */
  uint64_t gossip_invalid;    /* judged INVALID (sender banned by the library) */
  uint64_t gossip_ignored;    /* duplicates, future, contextual failures */
  uint64_t gossip_duplicates; /* of those: blocks we already had */
  /* sync, as the requester */
  uint64_t getblocks_sent, getblock_sent, locates_sent;
  uint64_t windows_received, windows_timed_out;
  uint64_t blocks_synced;   /* connected from Blocks and Block answers */
  uint64_t fetched_relayed; /* fetched parents gossiped on (Block answers) */
  uint64_t peers_penalised;
  uint64_t unsolicited; /* answers nobody asked for (ignored) */
  /* sync, as the server */
  uint64_t getblocks_served, getblock_served, notfound_sent, locates_served;
  uint64_t sync_peers_used; /* distinct peers sent GetBlocks since creation */
} pqnet_chain_net_stats;

typedef struct pqnet_chain_net pqnet_chain_net;

/* Create the glue and cap gossip topic 1 at PQNET_BLOCK_MAX_LEN. Announces
 * the chain's height with pqnet_node_set_best_height. Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_NOMEM. */
int pqnet_chain_net_new(const pqnet_chain_net_config *cfg, pqnet_chain *chain, pqnet_node *node,
                        const pqnet_rng *rng, pqnet_chain_net **out);
void pqnet_chain_net_del(pqnet_chain_net *n);

/* The node's gossip callback: returns a PQNET_GOSSIP_* verdict. Topics other
 * than PQNET_BLOCK_TOPIC are not ours: VALID (the library's default). */
int pqnet_chain_net_on_gossip(pqnet_chain_net *n, uint64_t conn, uint16_t topic,
                              const uint8_t *payload, size_t len, uint64_t now);
/* The node's message callback (protocols other than PQNET_CHAIN_PROTO are
 * ignored). */
void pqnet_chain_net_on_message(pqnet_chain_net *n, uint64_t conn, uint16_t protocol, uint8_t type,
                                const uint8_t *body, size_t len, uint64_t now);
void pqnet_chain_net_on_peer_connected(pqnet_chain_net *n, const pqnet_peer_info *peer,
                                       uint64_t now);
void pqnet_chain_net_on_peer_hello(pqnet_chain_net *n, const pqnet_peer_info *peer, uint64_t now);
void pqnet_chain_net_on_peer_disconnected(pqnet_chain_net *n, const pqnet_peer_info *peer,
                                          uint64_t now);
/* Timeouts and sync scheduling. */
void pqnet_chain_net_tick(pqnet_chain_net *n, uint64_t now);
/* Earliest time pqnet_chain_net_tick has work to do, UINT64_MAX when none. */
uint64_t pqnet_chain_net_next_deadline(const pqnet_chain_net *n);

/* Add a block of ours (mined, or handed in) and, if it connected, publish
 * it on topic 1. res (may be NULL) receives the chain's verdict. Returns 0,
 * PQNET_ERR_NOMEM, PQNET_ERR_INVALID_ARG. */
int pqnet_chain_net_publish(pqnet_chain_net *n, const uint8_t *block, size_t len, uint64_t now,
                            pqnet_chain_result *res);

/* 1 while windows or a Locate are outstanding. */
int pqnet_chain_net_syncing(const pqnet_chain_net *n);
/* The greatest best height any connected peer claims. */
uint64_t pqnet_chain_net_peer_best(const pqnet_chain_net *n);
const pqnet_chain_net_stats *pqnet_chain_net_get_stats(const pqnet_chain_net *n);

#endif
