/*
 * The devnet chain without a network (docs/chain.md): block codec and
 * malformed inputs, exact work, proof of work, genesis, the best chain and
 * reorganisations, timestamp rules, orphans (child before parent, chains of
 * orphans, a flood that stays within the pool bounds), persistence across a
 * restart and a corrupt database moved aside, and the miner.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain/chain.h"
#include "chain/miner.h"
#include "chainnet.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "tmpdir.h"

#define T0 1800000000000ull /* virtual now: 2027 */

static uint8_t easy[32]; /* 2^252 - 1: ~16 hashes a block */

static int setup(void **state) {
  (void)state;
  chainnet_target(4, easy);
  return 0;
}

static pqnet_chain *open_chain(const char *base) {
  pqnet_chain_config cfg;
  pqnet_chain *c;
  pqnet_chain_config_default(&cfg, "devnet");
  memcpy(cfg.pow_limit, easy, 32);
  cfg.base_path = base;
  assert_int_equal(pqnet_chain_open(&cfg, T0, &c), 0);
  return c;
}

/* Add the next block on the tip; returns the status. */
static int extend(pqnet_chain *c, uint64_t now, uint32_t tag, uint8_t id[32]) {
  uint8_t blk[PQNET_BLOCK_MAX_LEN];
  pqnet_chain_result res;
  size_t len = chainnet_next_block(c, now, easy, tag, 8, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, now, &res), 0);
  if (id) memcpy(id, res.id, 32);
  return res.status;
}

/* ---- block codec ---- */

static void test_block_roundtrip(void **state) {
  (void)state;
  uint8_t gen[32], blk[PQNET_BLOCK_MAX_LEN], again[PQNET_BLOCK_MAX_LEN];
  pqnet_chain_genesis_id("devnet", gen);
  for (size_t plen = 0; plen <= PQNET_BLOCK_PAYLOAD_MAX; plen += 1024) {
    size_t len = chainnet_make_block(gen, 1, T0, easy, 7, plen, 0, blk);
    assert_int_equal(len, PQNET_BLOCK_MIN_LEN + plen);
    pqnet_block b;
    assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
    assert_int_equal(b.hdr.version, 1);
    assert_int_equal(b.hdr.height, 1);
    assert_int_equal(b.hdr.timestamp_ms, T0);
    assert_memory_equal(b.hdr.parent, gen, 32);
    assert_int_equal(b.payload_len, plen);
    uint8_t id[32], fast[32];
    pqnet_block_header_id(&b.hdr, id);
    assert_memory_equal(id, b.id, 32);
    pqnet_sha3_256(id, blk, PQNET_BLOCK_HEADER_LEN);
    assert_memory_equal(id, b.id, 32);
    pqnet_miner_hash(&b.hdr, fast); /* the miner's one-permutation path agrees */
    assert_memory_equal(fast, b.id, 32);
    assert_int_equal(pqnet_block_check(&b, easy, NULL), 0);
    size_t len2;
    assert_int_equal(
        pqnet_block_encode(&b.hdr, b.payload, b.payload_len, again, sizeof again, &len2), 0);
    assert_int_equal(len2, len);
    assert_memory_equal(again, blk, len);
  }
  /* Byte layout (docs/chain.md §2.1): big-endian fields at fixed offsets. */
  size_t len =
      chainnet_make_block(gen, 0x0102030405060708ull, 0x1112131415161718ull, easy, 1, 3, 0, blk);
  assert_int_equal(len, 131);
  assert_memory_equal(blk, "\x00\x00\x00\x01\x01\x02\x03\x04\x05\x06\x07\x08", 12);
  assert_memory_equal(blk + 12, gen, 32);
  assert_memory_equal(blk + 44, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
  assert_memory_equal(blk + 52, easy, 32);
  assert_memory_equal(blk + 124, "\x00\x00\x00\x03", 4);
}

static void test_block_malformed(void **state) {
  (void)state;
  uint8_t gen[32], blk[PQNET_BLOCK_MAX_LEN + 8];
  pqnet_block b;
  pqnet_chain_genesis_id("devnet", gen);
  size_t len = chainnet_make_block(gen, 1, T0, easy, 9, 20, 0, blk);
  /* Every truncation fails. */
  for (size_t k = 0; k < len; k++) assert_true(pqnet_block_decode(blk, k, &b) < 0);
  /* Trailing bytes fail. */
  assert_int_equal(pqnet_block_decode(blk, len + 1, &b), PQNET_ERR_MALFORMED);
  /* A payload length that disagrees with the size. */
  blk[127] = 21;
  assert_true(pqnet_block_decode(blk, len, &b) < 0);
  blk[127] = 19;
  assert_true(pqnet_block_decode(blk, len, &b) < 0);
  blk[127] = 20;
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  /* Payload length over the cap. */
  blk[124] = 0xff;
  assert_int_equal(pqnet_block_decode(blk, len, &b), PQNET_ERR_TOO_LARGE);
  blk[124] = 0;
  /* Version 2. */
  blk[3] = 2;
  assert_int_equal(pqnet_block_decode(blk, len, &b), PQNET_ERR_MALFORMED);
  blk[3] = 1;
  /* Over the largest block. */
  assert_int_equal(pqnet_block_decode(blk, PQNET_BLOCK_MAX_LEN + 1, &b), PQNET_ERR_TOO_LARGE);
  assert_int_equal(pqnet_block_decode(NULL, 0, &b), PQNET_ERR_TRUNCATED);
  /* A payload that does not match its hash decodes but fails the check. */
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  blk[len - 1] ^= 1;
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  const char *why = NULL;
  assert_int_equal(pqnet_block_check(&b, easy, &why), PQNET_ERR_MALFORMED);
  assert_non_null(strstr(why, "payload"));
  /* Header codec alone. */
  pqnet_block_header h;
  assert_int_equal(pqnet_block_header_decode(blk, PQNET_BLOCK_HEADER_LEN, &h), 0);
  assert_true(pqnet_block_header_decode(blk, PQNET_BLOCK_HEADER_LEN - 1, &h) < 0);
  assert_true(pqnet_block_header_decode(blk, PQNET_BLOCK_HEADER_LEN + 1, &h) < 0);
}

/* ---- work and proof of work ---- */

static void test_work(void **state) {
  (void)state;
  uint8_t t[32];
  pqnet_u256 w, one = {{1, 0, 0, 0}};
  memset(t, 0xff, 32);
  pqnet_block_work(t, &w);
  assert_int_equal(pqnet_u256_cmp(&w, &one), 0);
  for (unsigned bits = 1; bits < 256; bits += 7) {
    pqnet_chain_target_from_bits(bits, t); /* 2^(256-bits) - 1: work exactly 2^bits */
    pqnet_block_work(t, &w);
    pqnet_u256 e = {{0, 0, 0, 0}};
    e.w[bits / 64] = 1ull << (bits % 64);
    assert_int_equal(pqnet_u256_cmp(&w, &e), 0);
  }
  /* target 3: 2^256 / 4 = 2^254. */
  memset(t, 0, 32);
  t[31] = 3;
  pqnet_block_work(t, &w);
  assert_int_equal(w.w[3], 1ull << 62);
  assert_int_equal(w.w[0] | w.w[1] | w.w[2], 0);
  /* target 2: floor(2^256 / 3) = 0x5555...55. */
  t[31] = 2;
  pqnet_block_work(t, &w);
  for (int i = 0; i < 4; i++) assert_int_equal(w.w[i], 0x5555555555555555ull);
  /* target 0 saturates. */
  t[31] = 0;
  pqnet_block_work(t, &w);
  for (int i = 0; i < 4; i++) assert_int_equal(w.w[i], UINT64_MAX);
  /* divmod: q * b + r = a on a few values. */
  pqnet_u256 a = {{0x0123456789abcdefull, 0xfedcba9876543210ull, 7, 0x8000000000000001ull}};
  pqnet_u256 b = {{0xffffffffull, 3, 0, 0}}, q, r;
  pqnet_u256_divmod(&a, &b, &q, &r);
  assert_true(pqnet_u256_cmp(&r, &b) < 0);
  /* Check by long multiplication q*b (b has two limbs). */
  unsigned __int128 acc = 0;
  uint64_t prod[5] = {0};
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 2; j++) {
      if (i + j > 4) continue;
      unsigned __int128 m = (unsigned __int128)q.w[i] * b.w[j];
      for (int k = i + j; k < 5 && m; k++) {
        acc = (unsigned __int128)prod[k] + (uint64_t)m;
        prod[k] = (uint64_t)acc;
        m = (m >> 64) + (acc >> 64);
      }
    }
  }
  pqnet_u256 qb = {{prod[0], prod[1], prod[2], prod[3]}}, sum;
  assert_int_equal(prod[4], 0);
  assert_int_equal(pqnet_u256_add(&sum, &qb, &r), 0);
  assert_int_equal(pqnet_u256_cmp(&sum, &a), 0);
  char hex[65];
  pqnet_u256_hex(&one, hex, sizeof hex);
  assert_string_equal(hex, "0000000000000000000000000000000000000000000000000000000000000001");
}

static void test_pow(void **state) {
  (void)state;
  uint8_t gen[32], blk[PQNET_BLOCK_MAX_LEN], hard[32];
  pqnet_block b;
  const char *why;
  pqnet_chain_genesis_id("devnet", gen);
  size_t len = chainnet_make_block(gen, 1, T0, easy, 1, 0, 0, blk);
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  assert_int_equal(pqnet_block_check(&b, easy, &why), 0);
  /* A harder limit refuses the easier target. */
  chainnet_target(8, hard);
  assert_int_equal(pqnet_block_check(&b, hard, &why), PQNET_ERR_MALFORMED);
  assert_non_null(strstr(why, "limit"));
  /* Bad proof of work. */
  len = chainnet_make_block(gen, 1, T0, easy, 1, 0, 1, blk);
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  assert_int_equal(pqnet_block_check(&b, easy, &why), PQNET_ERR_MALFORMED);
  assert_non_null(strstr(why, "proof of work"));
  /* Zero target. */
  static const uint8_t zero[32];
  pqnet_block_header h = b.hdr;
  memcpy(h.target, zero, 32);
  pqnet_block_encode(&h, NULL, 0, blk, sizeof blk, &len);
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  assert_int_equal(pqnet_block_check(&b, easy, &why), PQNET_ERR_MALFORMED);
  /* The comparison is big-endian numeric, inclusive. */
  uint8_t id[32], t[32];
  memset(id, 0, 32);
  memset(t, 0, 32);
  id[5] = 7;
  t[5] = 7;
  assert_true(pqnet_block_pow_ok(id, t));
  id[31] = 1;
  assert_false(pqnet_block_pow_ok(id, t));
  t[4] = 1;
  assert_true(pqnet_block_pow_ok(id, t));
}

static void test_genesis(void **state) {
  (void)state;
  uint8_t a[32], b[32], c[32];
  assert_int_equal(pqnet_chain_genesis_id("devnet", a), 0);
  assert_int_equal(pqnet_chain_genesis_id("devnet", b), 0);
  assert_int_equal(pqnet_chain_genesis_id("testnet", c), 0);
  assert_memory_equal(a, b, 32);
  assert_memory_not_equal(a, c, 32);
  assert_int_equal(pqnet_chain_genesis_id("", c), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_chain_genesis_id("123456789012345678901234567890123", c),
                   PQNET_ERR_INVALID_ARG);
  /* Known answer, computed independently (Python hashlib.sha3_256 over the
   * layout of docs/chain.md §2.4). */
  char hex[65];
  assert_string_equal(pqnet_block_id_hex(a, hex, sizeof hex),
                      "1fa7815887f00b57e0a4a71136792d38c1768c3fc5ddac41d0c69d3267d026f9");
  pqnet_chain *ch = open_chain(NULL);
  assert_memory_equal(pqnet_chain_genesis(ch), a, 32);
  assert_int_equal(pqnet_chain_height(ch), 0);
  assert_int_equal(pqnet_chain_block_count(ch), 1);
  /* The genesis block itself comes back as a duplicate; another height-0
   * block is invalid. */
  uint8_t blk[PQNET_BLOCK_MAX_LEN];
  size_t len;
  pqnet_chain_result res;
  assert_int_equal(pqnet_chain_genesis_block("devnet", blk, sizeof blk, &len), 0);
  assert_int_equal(pqnet_chain_add(ch, blk, len, T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_DUPLICATE);
  static const uint8_t zero[32];
  len = chainnet_make_block(zero, 0, T0, easy, 3, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(ch, blk, len, T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  assert_int_equal(res.context_free, 1);
  pqnet_chain_close(ch);
}

/* ---- the best chain ---- */

static void test_linear_and_serving(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  uint8_t ids[40][32];
  for (int i = 0; i < 40; i++)
    assert_int_equal(extend(c, T0 + (uint64_t)i * 1000, (uint32_t)i, ids[i]),
                     PQNET_CHAIN_CONNECTED);
  assert_int_equal(pqnet_chain_height(c), 40);
  assert_int_equal(pqnet_chain_block_count(c), 41);
  uint8_t tip[32];
  pqnet_chain_tip(c, tip);
  assert_memory_equal(tip, ids[39], 32);
  const uint8_t *data;
  size_t len;
  uint8_t id[32];
  assert_int_equal(pqnet_chain_get_at(c, 17, &data, &len, id), 0);
  assert_memory_equal(id, ids[16], 32);
  assert_int_equal(pqnet_chain_get_at(c, 41, &data, &len, id), PQNET_ERR_STATE);
  assert_int_equal(pqnet_chain_get(c, ids[5], &data, &len), 0);
  pqnet_block b;
  assert_int_equal(pqnet_block_decode(data, len, &b), 0);
  assert_int_equal(b.hdr.height, 6);
  /* Locator: tip first, genesis last, and the fork it finds. */
  uint8_t loc[32][32];
  size_t n = pqnet_chain_locator(c, loc, 32);
  assert_true(n > 10 && n < 32);
  assert_memory_equal(loc[0], ids[39], 32);
  assert_memory_equal(loc[n - 1], pqnet_chain_genesis(c), 32);
  assert_int_equal(pqnet_chain_find_fork(c, (const uint8_t(*)[32])loc, n), 40);
  assert_int_equal(pqnet_chain_find_fork(c, (const uint8_t(*)[32]) & loc[3], n - 3), 37);
  /* Adding the same block twice. */
  assert_int_equal(pqnet_chain_add(c, data, len, T0, NULL), 0);
  assert_int_equal(pqnet_chain_get_stats(c)->duplicates, 1);
  pqnet_chain_close(c);
}

static void test_reorg(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  const uint8_t *gen = pqnet_chain_genesis(c);
  uint8_t blk[PQNET_BLOCK_MAX_LEN], a[4][32], b[5][32], parent[32];
  pqnet_chain_result res;
  /* Branch a: 3 blocks. */
  memcpy(parent, gen, 32);
  for (int i = 0; i < 3; i++) {
    size_t len =
        chainnet_make_block(parent, (uint64_t)i + 1, T0 + (uint64_t)i, easy, 100, 4, 0, blk);
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
    assert_int_equal(res.tip_changed, 1);
    memcpy(a[i], res.id, 32);
    memcpy(parent, res.id, 32);
  }
  /* Branch b from genesis: 3 blocks is equal work: the first seen stays. */
  memcpy(parent, gen, 32);
  for (int i = 0; i < 4; i++) {
    size_t len =
        chainnet_make_block(parent, (uint64_t)i + 1, T0 + (uint64_t)i, easy, 200, 4, 0, blk);
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
    memcpy(b[i], res.id, 32);
    memcpy(parent, res.id, 32);
    if (i < 3) {
      assert_int_equal(res.tip_changed, 0);
      assert_int_equal(pqnet_chain_height(c), 3);
    }
  }
  /* The fourth b block makes b heavier: reorg of depth 3. */
  assert_int_equal(res.tip_changed, 1);
  assert_int_equal(res.reorg_depth, 3);
  assert_int_equal(pqnet_chain_height(c), 4);
  for (uint64_t h = 1; h <= 4; h++) {
    uint8_t id[32];
    const uint8_t *d;
    size_t l;
    assert_int_equal(pqnet_chain_get_at(c, h, &d, &l, id), 0);
    assert_memory_equal(id, b[h - 1], 32);
  }
  assert_false(pqnet_chain_on_best(c, a[2], NULL));
  assert_int_equal(pqnet_chain_have(c, a[2]), 1); /* still in the index */
  assert_int_equal(pqnet_chain_get_stats(c)->reorgs, 1);
  /* Heaviest, not longest: two blocks at a 16x harder target beat the four. */
  uint8_t hard[32];
  chainnet_target(8, hard);
  memcpy(parent, a[0], 32);
  for (int i = 0; i < 2; i++) {
    size_t len =
        chainnet_make_block(parent, (uint64_t)i + 2, T0 + 10 + (uint64_t)i, hard, 300, 4, 0, blk);
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
    assert_int_equal(res.tip_changed, 1);
    /* The first hard block already outweighs b (1 + 16 + 256 > 1 + 4 x 16). */
    assert_int_equal(res.reorg_depth, i == 0 ? 4 : 0);
    memcpy(parent, res.id, 32);
  }
  assert_int_equal(pqnet_chain_height(c), 3);
  uint8_t tip[32];
  pqnet_chain_tip(c, tip);
  assert_memory_equal(tip, parent, 32);
  assert_true(pqnet_chain_on_best(c, a[0], NULL));
  pqnet_chain_close(c);
}

static void test_timestamps(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  uint8_t blk[PQNET_BLOCK_MAX_LEN], tip[32];
  pqnet_chain_result res;
  for (int i = 0; i < 11; i++)
    assert_int_equal(extend(c, T0 + (uint64_t)i * 1000, (uint32_t)i, NULL), PQNET_CHAIN_CONNECTED);
  /* Median of the last 11 is the 6th: T0 + 5000 (block 1 has T0). */
  assert_int_equal(pqnet_chain_tip_mtp(c), T0 + 5000);
  pqnet_chain_tip(c, tip);
  size_t len = chainnet_make_block(tip, 12, T0 + 5000, easy, 1, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, T0 + 20000, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  assert_int_equal(res.context_free, 0);
  len = chainnet_make_block(tip, 12, T0 + 5001, easy, 1, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, T0 + 20000, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  /* Two hours ahead of now is the limit. */
  pqnet_chain_tip(c, tip);
  uint64_t now = T0 + 20000;
  len = chainnet_make_block(tip, 13, now + PQNET_CHAIN_MAX_FUTURE_MS + 1, easy, 2, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, now, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_FUTURE);
  /* Not remembered as invalid: later it connects. */
  assert_int_equal(pqnet_chain_add(c, blk, len, now + 1, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  /* The wrong height under a known parent. */
  pqnet_chain_tip(c, tip);
  len = chainnet_make_block(tip, 15, now + 1000, easy, 3, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, now, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  assert_int_equal(res.context_free, 0);
  /* Remembered: the same block again, and a child of it, are invalid at once. */
  uint8_t bad_id[32];
  memcpy(bad_id, res.id, 32);
  assert_int_equal(pqnet_chain_add(c, blk, len, now, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  len = chainnet_make_block(bad_id, 16, now + 2000, easy, 4, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, now, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  assert_int_equal(pqnet_chain_orphan_count(c), 0);
  pqnet_chain_close(c);
}

/* ---- orphans ---- */

static void test_orphan_connects(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  uint8_t blk[4][PQNET_BLOCK_MAX_LEN], ids[4][32], parent[32];
  size_t lens[4];
  pqnet_chain_result res;
  memcpy(parent, pqnet_chain_genesis(c), 32);
  for (int i = 0; i < 4; i++) {
    lens[i] =
        chainnet_make_block(parent, (uint64_t)i + 1, T0 + (uint64_t)i, easy, 5, 16, 0, blk[i]);
    pqnet_block b;
    assert_int_equal(pqnet_block_decode(blk[i], lens[i], &b), 0);
    memcpy(ids[i], b.id, 32);
    memcpy(parent, b.id, 32);
  }
  /* Deliver 4, 3, 2: all orphans; the missing block is the parent of the
   * lowest one pooled. */
  for (int i = 3; i >= 1; i--) {
    assert_int_equal(pqnet_chain_add(c, blk[i], lens[i], T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_ORPHAN);
    assert_memory_equal(res.missing, ids[i - 1], 32);
    assert_int_equal(res.missing_height, (uint64_t)i);
    assert_int_equal(pqnet_chain_have(c, ids[i]), 2);
  }
  assert_int_equal(pqnet_chain_orphan_count(c), 3);
  assert_int_equal(pqnet_chain_height(c), 0);
  /* An orphan again is a duplicate. */
  assert_int_equal(pqnet_chain_add(c, blk[2], lens[2], T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_DUPLICATE);
  /* The parent arrives: everything connects. */
  assert_int_equal(pqnet_chain_add(c, blk[0], lens[0], T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  assert_int_equal(res.connected, 4);
  assert_int_equal(res.tip_changed, 1);
  assert_int_equal(pqnet_chain_height(c), 4);
  assert_int_equal(pqnet_chain_orphan_count(c), 0);
  assert_int_equal(pqnet_chain_orphan_bytes(c), 0);
  assert_int_equal(pqnet_chain_get_stats(c)->orphans_connected, 3);
  /* Orphans below an invalid block are dropped with it. */
  uint8_t tip[32], bad[PQNET_BLOCK_MAX_LEN], kid[PQNET_BLOCK_MAX_LEN];
  pqnet_chain_tip(c, tip);
  size_t bl = chainnet_make_block(tip, 9, T0 + 100, easy, 6, 0, 0, bad); /* wrong height */
  pqnet_block bb;
  pqnet_block_decode(bad, bl, &bb);
  size_t kl = chainnet_make_block(bb.id, 10, T0 + 200, easy, 7, 0, 0, kid);
  assert_int_equal(pqnet_chain_add(c, kid, kl, T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_ORPHAN);
  assert_int_equal(pqnet_chain_add(c, bad, bl, T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_INVALID);
  assert_int_equal(pqnet_chain_orphan_count(c), 0);
  pqnet_chain_close(c);
}

static void test_orphan_flood(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  uint8_t blk[PQNET_BLOCK_MAX_LEN], parent[32];
  pqnet_chain_result res;
  /* 1000 small orphans with unknown parents: the pool keeps the newest 256. */
  for (uint32_t i = 0; i < 1000; i++) {
    memset(parent, 0, 32);
    memcpy(parent, &i, sizeof i);
    parent[31] = 1;
    size_t len = chainnet_make_block(parent, 5, T0, easy, i, 8, 0, blk);
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_ORPHAN);
    assert_true(pqnet_chain_orphan_count(c) <= PQNET_CHAIN_ORPHAN_MAX);
  }
  assert_int_equal(pqnet_chain_orphan_count(c), PQNET_CHAIN_ORPHAN_MAX);
  assert_int_equal(pqnet_chain_get_stats(c)->orphans_evicted, 1000 - PQNET_CHAIN_ORPHAN_MAX);
  assert_int_equal(pqnet_chain_have(c, res.id), 2); /* the newest stays */
  /* Large orphans: the byte bound (1 MiB) binds before the count. */
  for (uint32_t i = 0; i < 600; i++) {
    memset(parent, 0, 32);
    memcpy(parent, &i, sizeof i);
    parent[31] = 2;
    size_t len = chainnet_make_block(parent, 5, T0, easy, i, PQNET_BLOCK_PAYLOAD_MAX, 0, blk);
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_ORPHAN);
    assert_true(pqnet_chain_orphan_bytes(c) <= PQNET_CHAIN_ORPHAN_MAX_BYTES);
  }
  print_message("orphan pool after the flood: %zu blocks, %zu bytes\n", pqnet_chain_orphan_count(c),
                pqnet_chain_orphan_bytes(c));
  assert_true(pqnet_chain_orphan_count(c) < PQNET_CHAIN_ORPHAN_MAX);
  assert_int_equal(pqnet_chain_height(c), 0);
  assert_int_equal(pqnet_chain_block_count(c), 1);
  pqnet_chain_close(c);
}

/* ---- persistence ---- */

static void make_tmpdir(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/pqnet-chain-XXXXXX");
  assert_non_null(mkdtemp(dir));
}

static int count_prefix(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
  if (d) closedir(d);
  return n;
}

static void test_restart_keeps_chain(void **state) {
  (void)state;
  char dir[64];
  make_tmpdir(dir, sizeof dir);
  pqnet_chain *c = open_chain(dir);
  assert_null(pqnet_chain_degraded(c));
  uint8_t blk[PQNET_BLOCK_MAX_LEN], side[32];
  pqnet_chain_result res;
  for (int i = 0; i < 30; i++) assert_int_equal(extend(c, T0 + (uint64_t)i, (uint32_t)i, NULL), 1);
  /* A side branch of 2 at height 29..30 (equal work with the tip: not best). */
  const uint8_t *d;
  size_t l;
  uint8_t p28[32];
  pqnet_chain_get_at(c, 28, &d, &l, p28);
  size_t len = chainnet_make_block(p28, 29, T0 + 100, easy, 999, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  len = chainnet_make_block(res.id, 30, T0 + 101, easy, 999, 0, 0, blk);
  assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
  memcpy(side, res.id, 32);
  assert_int_equal(res.tip_changed, 0);
  uint8_t tip[32];
  pqnet_chain_tip(c, tip);
  size_t count = pqnet_chain_block_count(c);
  assert_int_equal(count, 33);
  assert_true(pqnet_chain_get_stats(c)->db_writes >= 32);
  pqnet_chain_close(c);

  c = open_chain(dir);
  assert_null(pqnet_chain_degraded(c));
  assert_int_equal(pqnet_chain_height(c), 30);
  assert_int_equal(pqnet_chain_block_count(c), count);
  assert_int_equal(pqnet_chain_get_stats(c)->loaded, 32);
  uint8_t tip2[32];
  pqnet_chain_tip(c, tip2);
  assert_memory_equal(tip, tip2, 32); /* equal work: the stored tip wins, not the side branch */
  assert_int_equal(pqnet_chain_have(c, side), 1);
  /* It keeps growing after the restart. */
  assert_int_equal(extend(c, T0 + 500, 77, NULL), PQNET_CHAIN_CONNECTED);
  pqnet_chain_close(c);
  c = open_chain(dir);
  assert_int_equal(pqnet_chain_height(c), 31);
  pqnet_chain_close(c);

  /* Another network's file in the same place is moved aside. */
  pqnet_chain_config cfg;
  pqnet_chain_config_default(&cfg, "othernet");
  memcpy(cfg.pow_limit, easy, 32);
  cfg.base_path = dir;
  assert_int_equal(pqnet_chain_open(&cfg, T0, &c), 0);
  assert_int_equal(pqnet_chain_get_stats(c)->moved_aside, 1);
  assert_int_equal(pqnet_chain_height(c), 0);
  pqnet_chain_close(c);
  assert_int_equal(count_prefix(dir, "chain.sqlite.corrupt-"), 1);
  test_rm_rf(dir);
}

static void test_corrupt_file_moved_aside(void **state) {
  (void)state;
  char dir[64], path[128];
  make_tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/chain.sqlite", dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (int i = 0; i < 4096; i++) fputc(i * 7, f);
  fclose(f);
  pqnet_chain *c = open_chain(dir);
  assert_null(pqnet_chain_degraded(c));
  assert_int_equal(pqnet_chain_get_stats(c)->moved_aside, 1);
  assert_int_equal(pqnet_chain_height(c), 0);
  assert_int_equal(extend(c, T0, 1, NULL), PQNET_CHAIN_CONNECTED);
  pqnet_chain_close(c);
  assert_int_equal(count_prefix(dir, "chain.sqlite.corrupt-"), 1);
  c = open_chain(dir);
  assert_int_equal(pqnet_chain_height(c), 1);
  assert_int_equal(pqnet_chain_get_stats(c)->moved_aside, 0);
  pqnet_chain_close(c);
  test_rm_rf(dir);
}

/* A base path that cannot hold the database: the chain runs in memory and
 * says why. */
static void test_degraded_without_directory(void **state) {
  (void)state;
  pqnet_chain *c = open_chain("/nonexistent/pqnet-chain-test");
  assert_non_null(pqnet_chain_degraded(c));
  print_message("degraded: %s\n", pqnet_chain_degraded(c));
  assert_int_equal(extend(c, T0, 1, NULL), PQNET_CHAIN_CONNECTED);
  assert_int_equal(pqnet_chain_height(c), 1);
  pqnet_chain_close(c);
}

/* ---- the miner ---- */

static void test_miner(void **state) {
  (void)state;
  pqnet_chain *c = open_chain(NULL);
  pqnet_rng_det rng;
  pqnet_rng_det_init_u64(&rng, 42);
  pqnet_miner m;
  assert_int_equal(pqnet_miner_init(&m, NULL, &rng.rng), 0);
  uint8_t blk[PQNET_BLOCK_MAX_LEN];
  size_t len;
  for (int i = 0; i < 20; i++) {
    int rc;
    int steps = 0;
    while ((rc = pqnet_chain_mine_step(c, &m, 4, T0, blk, sizeof blk, &len)) == 0) steps++;
    assert_int_equal(rc, 1);
    assert_true(steps < 1000);
    pqnet_chain_result res;
    assert_int_equal(pqnet_chain_add(c, blk, len, T0, &res), 0);
    assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  }
  /* All at one `now`: timestamps still rise past the median. */
  assert_int_equal(pqnet_chain_height(c), 20);
  assert_true(pqnet_chain_tip_header(c)->timestamp_ms > T0);
  assert_int_equal(m.found, 20);
  print_message("20 blocks at 4 bits: %llu hashes\n", (unsigned long long)m.hashes);
  /* A harder miner target than the limit is fine; an easier one is refused. */
  uint8_t hard[32];
  chainnet_target(6, hard);
  assert_int_equal(pqnet_miner_init(&m, hard, &rng.rng), 0);
  while (pqnet_chain_mine_step(c, &m, 64, T0, blk, sizeof blk, &len) == 0) {
  }
  assert_int_equal(pqnet_chain_add(c, blk, len, T0, NULL), 0);
  assert_int_equal(pqnet_chain_height(c), 21);
  pqnet_rng_det_free(&rng);
  pqnet_chain_close(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_block_roundtrip),
      cmocka_unit_test(test_block_malformed),
      cmocka_unit_test(test_work),
      cmocka_unit_test(test_pow),
      cmocka_unit_test(test_genesis),
      cmocka_unit_test(test_linear_and_serving),
      cmocka_unit_test(test_reorg),
      cmocka_unit_test(test_timestamps),
      cmocka_unit_test(test_orphan_connects),
      cmocka_unit_test(test_orphan_flood),
      cmocka_unit_test(test_restart_keeps_chain),
      cmocka_unit_test(test_corrupt_file_moved_aside),
      cmocka_unit_test(test_degraded_without_directory),
      cmocka_unit_test(test_miner),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
