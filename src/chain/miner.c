/* Proof-of-work search in bounded slices (docs/chain.md §7). */
#include "chain/miner.h"

#include <string.h>

#include "common/mem.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

#define MINER_TAG "pqnet-devnet-blk" /* 16 bytes */

int pqnet_miner_init(pqnet_miner *m, const uint8_t *target, const pqnet_rng *rng) {
  if (!m || !rng) return PQNET_ERR_INVALID_ARG;
  memset(m, 0, sizeof *m);
  if (target) memcpy(m->target, target, 32);
  memcpy(m->payload, MINER_TAG, 16);
  if (pqnet_rng_fill(rng, m->payload + 16, 8) != 0) return PQNET_ERR_RNG;
  m->payload_len = PQNET_MINER_PAYLOAD_LEN; /* the last 8 bytes count found blocks */
  return 0;
}

/* The header, padded for SHA3-256 (one 136-byte block), as 25 lanes. */
static void load_lanes(const pqnet_block_header *h, uint64_t lanes[25]) {
  uint8_t buf[PQNET_SHA3_256_RATE];
  memset(buf, 0, sizeof buf);
  pqnet_block_header_encode(h, buf);
  buf[PQNET_BLOCK_HEADER_LEN] ^= 0x06;
  buf[PQNET_SHA3_256_RATE - 1] ^= 0x80;
  for (int i = 0; i < 25; i++) lanes[i] = i < 17 ? pqnet_load64_le(buf + 8 * i) : 0;
}

/* The nonce occupies header bytes 84..91: the high half of lane 10 and the
 * low half of lane 11. x = the nonce's big-endian bytes read little-endian. */
static void hash_nonce(const uint64_t lanes[25], uint64_t nonce, uint64_t s[25]) {
  uint64_t x = __builtin_bswap64(nonce);
  memcpy(s, lanes, 25 * sizeof *s);
  s[10] = (lanes[10] & 0xffffffffull) | x << 32;
  s[11] = (lanes[11] & 0xffffffff00000000ull) | x >> 32;
  pqnet_keccak_f1600(s);
}

static void lanes_to_id(const uint64_t s[25], uint8_t id[32]) {
  for (int i = 0; i < 4; i++) pqnet_store64_le(id + 8 * i, s[i]);
}

void pqnet_miner_hash(const pqnet_block_header *h, uint8_t id[32]) {
  uint64_t lanes[25], s[25];
  load_lanes(h, lanes);
  hash_nonce(lanes, h->nonce, s);
  lanes_to_id(s, id);
}

int pqnet_chain_mine_step(pqnet_chain *c, pqnet_miner *m, uint64_t max_hashes, uint64_t now,
                          uint8_t *out, size_t cap, size_t *out_len) {
  static const uint8_t zero[32];
  if (!c || !m || !out || !out_len) return PQNET_ERR_INVALID_ARG;
  *out_len = 0;
  if (cap < PQNET_BLOCK_MIN_LEN + m->payload_len) return PQNET_ERR_TOO_LARGE;
  const uint8_t *target =
      memcmp(m->target, zero, 32) ? m->target : pqnet_chain_get_config(c)->pow_limit;
  uint8_t tip[32];
  pqnet_chain_tip(c, tip);
  if (!m->have_template || memcmp(m->hdr.parent, tip, 32) != 0 ||
      memcmp(m->hdr.target, target, 32) != 0) {
    pqnet_store64_le(m->payload + 24, m->found);
    pqnet_chain_next_header(c, now, target, m->payload, m->payload_len, &m->hdr);
    m->have_template = 1;
  } else {
    uint64_t floor = pqnet_chain_tip_mtp(c) + 1;
    m->hdr.timestamp_ms = now > floor ? now : floor;
  }
  uint64_t lanes[25], s[25];
  load_lanes(&m->hdr, lanes);
  uint64_t t0 = 0;
  for (int k = 0; k < 8; k++) t0 = t0 << 8 | target[k];
  for (uint64_t i = 0; i < max_hashes; i++) {
    uint64_t nonce = m->hdr.nonce++;
    hash_nonce(lanes, nonce, s);
    m->hashes++;
    if (__builtin_bswap64(s[0]) > t0) continue; /* the first 8 bytes already exceed */
    uint8_t id[32];
    lanes_to_id(s, id);
    if (!pqnet_block_pow_ok(id, target)) continue;
    m->hdr.nonce = nonce;
    m->found++;
    m->have_template = 0;
    return pqnet_block_encode(&m->hdr, m->payload, m->payload_len, out, cap, out_len) == 0
               ? 1
               : PQNET_ERR_TOO_LARGE;
  }
  return 0;
}
