/*
 * The devnet chain over the in-memory network: a chainnode is a memnode
 * whose node callbacks go to a pqnet_chain_app (src/chain/chain_app.h), with
 * the network's virtual clock as "now". Plus block builders for tests and
 * benchmarks (any parent, height, timestamp, target; good or bad proof of
 * work).
 */
#ifndef PQNET_TEST_CHAINNET_H
#define PQNET_TEST_CHAINNET_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain_app.h"
#include "memnet.h"

typedef struct chainnode {
  memnode m; /* what memnet sees (memnet_add(&net, &cn->m)) */
  pqnet_chain_app *app;
  memnet *net;
  int verdicts[3]; /* gossip verdicts returned: [0] invalid, [1] ignore, [2] valid */
} chainnode;

/* A node (identity and rng from seed, as memnode_init derives them) with
 * the chain app attached, added to net. ncfg/acfg may be NULL (defaults;
 * feelers off). */
void chainnode_init(chainnode *cn, memnet *net, uint64_t seed, const pqnet_node_config *ncfg,
                    const pqnet_chain_app_config *acfg);
/* Free the app, then the node. */
void chainnode_free(chainnode *cn);

/* Call every app's timer at the network's time, then pump. */
void chainnet_timers(chainnode *nodes, size_t n);
/* Advance the clock by ms in steps of step ms, running node ticks, app
 * timers and deliveries at every step. */
void chainnet_advance(memnet *net, chainnode *nodes, size_t n, uint64_t ms, uint64_t step);

/* target = 2^(256 - bits) - 1: 4 bits is ~16 hashes a block. */
void chainnet_target(unsigned bits, uint8_t target[32]);

/* Build a block on parent at height with timestamp ts and target; payload
 * of plen bytes filled from tag. bad_pow: search for a nonce that fails the
 * target instead. Returns the encoded length (out >= PQNET_BLOCK_MAX_LEN). */
size_t chainnet_make_block(const uint8_t parent[32], uint64_t height, uint64_t ts,
                           const uint8_t target[32], uint32_t tag, size_t plen, int bad_pow,
                           uint8_t *out);

/* Mine the next block on c's tip with target (payload plen bytes from
 * tag) at time now; returns the length. */
size_t chainnet_next_block(const pqnet_chain *c, uint64_t now, const uint8_t target[32],
                           uint32_t tag, size_t plen, uint8_t *out);

#endif
