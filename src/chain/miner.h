/*
 * Proof-of-work search in bounded slices, so an event loop stays
 * responsive: each pqnet_chain_mine_step tries at most max_hashes nonces on
 * a block template over the chain's current tip and returns a block when
 * one meets the target.
 *
 * The template is rebuilt whenever the tip moved; its timestamp is
 * refreshed to max(now, median time past + 1) at every step. The payload
 * is a fixed tag with 8 random bytes (from the rng given at init), so two
 * miners on one tip never build the same block. Hashing uses one
 * Keccak-f[1600] permutation per nonce on a precomputed state (the 124-byte
 * header fits one SHA3-256 block).
 */
#ifndef PQNET_CHAIN_MINER_H
#define PQNET_CHAIN_MINER_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "pqnet/rng.h"

#define PQNET_MINER_PAYLOAD_LEN 32

typedef struct pqnet_miner {
  uint8_t target[32];
  uint8_t payload[PQNET_MINER_PAYLOAD_LEN]; /* "pqnet devnet block" + rng bytes + counter */
  size_t payload_len;
  pqnet_block_header hdr; /* the template */
  int have_template;
  uint64_t lanes[25]; /* padded header as Keccak lanes, nonce lanes patched per try */
  uint64_t hashes;    /* nonces tried, all steps */
  uint64_t found;     /* blocks found */
} pqnet_miner;

/* Prepare a miner. target NULL: the chain's pow_limit at the first step.
 * Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_RNG. */
int pqnet_miner_init(pqnet_miner *m, const uint8_t *target, const pqnet_rng *rng);

/* Try up to max_hashes nonces on the tip of c. Returns 1 with the encoded
 * block in out (cap >= PQNET_BLOCK_MIN_LEN + PQNET_MINER_PAYLOAD_LEN) and
 * *out_len set when one meets the target; 0 when none did; a negative
 * PQNET_ERR_* (INVALID_ARG, TOO_LARGE) on misuse. The block is not added
 * to the chain: the caller does that (and broadcasts it). */
int pqnet_chain_mine_step(pqnet_chain *c, pqnet_miner *m, uint64_t max_hashes, uint64_t now,
                          uint8_t *out, size_t cap, size_t *out_len);

/* One SHA3-256 of a 124-byte header through the miner's fast path (the
 * same result as pqnet_block_header_id); exposed for tests and the bench. */
void pqnet_miner_hash(const pqnet_block_header *h, uint8_t id[32]);

#endif
