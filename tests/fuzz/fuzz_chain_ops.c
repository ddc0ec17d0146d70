/*
 * The chain's orphan and reorg logic under arbitrary block trees delivered
 * in arbitrary order. The input describes up to 48 blocks (each on genesis
 * or an earlier block, some with a wrong height, a timestamp at or below
 * the median, or one too far in the future) and a delivery order. The
 * proof-of-work limit is 2^256 - 1, so no nonce search is needed. After
 * every add the best chain must be consistent (each block's parent is the
 * block below it) and the pool within its bound; at the end the chain fed
 * in the input's order must have connected the same number of blocks, with
 * the same tip work, as one fed parents first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"

#define MAXB 48
#define NOW  1800000000000ull

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static uint8_t u8(input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static pqnet_chain *fresh(void) {
  pqnet_chain_config cfg;
  pqnet_chain *c;
  pqnet_chain_config_default(&cfg, "devnet");
  memset(cfg.pow_limit, 0xff, 32);
  cfg.orphan_max = 2 * MAXB; /* no eviction: delivery order must not matter */
  if (pqnet_chain_open(&cfg, NOW, &c) != 0) abort();
  return c;
}

static void check_best(const pqnet_chain *c) {
  uint8_t below[32];
  memcpy(below, pqnet_chain_genesis(c), 32);
  for (uint64_t h = 1; h <= pqnet_chain_height(c); h++) {
    const uint8_t *d;
    size_t l;
    uint8_t id[32];
    pqnet_block b;
    if (pqnet_chain_get_at(c, h, &d, &l, id) != 0 || pqnet_block_decode(d, l, &b) != 0) abort();
    if (b.hdr.height != h || memcmp(b.hdr.parent, below, 32) != 0 || memcmp(b.id, id, 32) != 0)
      abort();
    memcpy(below, id, 32);
  }
  if (pqnet_chain_orphan_count(c) > 2 * MAXB) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  static uint8_t blk[MAXB][PQNET_BLOCK_MIN_LEN + 4];
  size_t len[MAXB];
  uint8_t ids[MAXB][32];
  uint64_t height[MAXB], ts[MAXB];
  size_t n = 1 + u8(&in) % MAXB;
  pqnet_block_header g;
  pqnet_chain_genesis_header("devnet", &g);
  uint8_t gid[32];
  pqnet_block_header_id(&g, gid);
  for (size_t i = 0; i < n; i++) {
    uint8_t pick = u8(&in), flags = u8(&in), dt = u8(&in);
    size_t p = pick % (i + 1); /* 0: genesis, k: block k - 1 */
    pqnet_block_header h;
    memset(&h, 0, sizeof h);
    h.version = PQNET_BLOCK_VERSION;
    memcpy(h.parent, p ? ids[p - 1] : gid, 32);
    uint64_t ph = p ? height[p - 1] : 0, pt = p ? ts[p - 1] : g.timestamp_ms;
    h.height = ph + 1 + ((flags & 7) == 1); /* 1 in 8: the wrong height */
    h.timestamp_ms = pt + 1 + dt;
    if ((flags & 7) == 2) h.timestamp_ms = g.timestamp_ms;           /* not after the median */
    if ((flags & 7) == 3) h.timestamp_ms = NOW + 3ull * 3600 * 1000; /* too far ahead */
    memset(h.target, 0xff, 32);
    uint8_t payload[4] = {(uint8_t)i, flags, dt, pick};
    pqnet_block_set_payload(&h, payload, sizeof payload);
    if (pqnet_block_encode(&h, payload, sizeof payload, blk[i], sizeof blk[i], &len[i]) != 0)
      abort();
    pqnet_block_header_id(&h, ids[i]);
    height[i] = h.height;
    ts[i] = h.timestamp_ms;
  }
  /* Delivery order: a permutation drawn from the input. */
  size_t order[MAXB];
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = u8(&in) % i, t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  pqnet_chain *a = fresh(), *b = fresh();
  for (size_t k = 0; k < n; k++) {
    pqnet_chain_result res;
    if (pqnet_chain_add(a, blk[order[k]], len[order[k]], NOW, &res) != 0) abort();
    check_best(a);
    if (pqnet_chain_add(b, blk[k], len[k], NOW, &res) != 0) abort();
    check_best(b);
  }
  pqnet_u256 wa, wb;
  pqnet_chain_tip_work(a, &wa);
  pqnet_chain_tip_work(b, &wb);
  /* The orphans may differ: a block refused as too far in the future is not
   * kept, so whether its descendants are known invalid or stay pooled
   * depends on the order. What connects may not. */
  if (pqnet_chain_block_count(a) != pqnet_chain_block_count(b) || pqnet_u256_cmp(&wa, &wb) != 0)
    abort();
  pqnet_chain_close(a);
  pqnet_chain_close(b);
  return 0;
}
