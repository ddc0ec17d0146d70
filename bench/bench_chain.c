/*
 * The devnet chain: block validation per second (decode + context-free
 * check; connecting into the index in memory; connecting with SQLite
 * persistence, one transaction per block) and proof-of-work hashes per
 * second (the miner's one-permutation path, and the generic SHA3-256 of the
 * header), with the expected seconds per block at the devnet target on
 * this machine, single-threaded.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "chain/chain.h"
#include "chain/miner.h"
#include "chainnet.h"

#define T0      1800000000000ull
#define NBLOCKS 1000
#define HASHES  1000
#define PAYLOAD 32

typedef struct ctx {
  uint8_t (*blks)[PQNET_BLOCK_MAX_LEN];
  size_t lens[NBLOCKS];
  uint8_t limit[32];
  const char *base;
  pqnet_chain *chain;
  pqnet_miner miner;
  pqnet_block_header hdr;
  uint8_t out[PQNET_BLOCK_MAX_LEN];
  size_t next;
} ctx;

static void do_check(void *p) {
  ctx *c = p;
  pqnet_block b;
  size_t i = c->next++ % NBLOCKS;
  if (pqnet_block_decode(c->blks[i], c->lens[i], &b) != 0 ||
      pqnet_block_check(&b, c->limit, NULL) != 0)
    abort();
}

static void rm_files(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
}

/* A fresh chain, then every block connected in order. */
static void do_connect_all(void *p) {
  ctx *c = p;
  pqnet_chain_config cfg;
  pqnet_chain *ch;
  if (c->base) rm_files(c->base);
  pqnet_chain_config_default(&cfg, "devnet");
  memcpy(cfg.pow_limit, c->limit, 32);
  cfg.base_path = c->base;
  if (pqnet_chain_open(&cfg, T0, &ch) != 0) abort();
  for (size_t i = 0; i < NBLOCKS; i++) {
    pqnet_chain_result res;
    if (pqnet_chain_add(ch, c->blks[i], c->lens[i], T0 + NBLOCKS * 1000, &res) != 0 ||
        res.status != PQNET_CHAIN_CONNECTED)
      abort();
  }
  pqnet_chain_close(ch);
}

static void do_mine(void *p) {
  ctx *c = p;
  size_t len;
  if (pqnet_chain_mine_step(c->chain, &c->miner, HASHES, T0, c->out, sizeof c->out, &len) != 0)
    abort(); /* nothing can meet target 1 */
}

static void do_generic_hash(void *p) {
  ctx *c = p;
  uint8_t id[32];
  for (int i = 0; i < 1000; i++) {
    c->hdr.nonce++;
    pqnet_block_header_id(&c->hdr, id);
  }
}

int main(void) {
  ctx c;
  memset(&c, 0, sizeof c);
  c.blks = malloc(NBLOCKS * sizeof *c.blks);
  if (!c.blks) return 1;
  /* Blocks at a 4-bit target (the PoW check costs one hash either way). */
  chainnet_target(4, c.limit);
  {
    pqnet_chain_config cfg;
    pqnet_chain *tmp;
    pqnet_chain_config_default(&cfg, "devnet");
    memcpy(cfg.pow_limit, c.limit, 32);
    if (pqnet_chain_open(&cfg, T0, &tmp) != 0) return 1;
    for (size_t i = 0; i < NBLOCKS; i++) {
      c.lens[i] = chainnet_next_block(tmp, T0 + i * 1000, c.limit, (uint32_t)i, PAYLOAD, c.blks[i]);
      if (pqnet_chain_add(tmp, c.blks[i], c.lens[i], T0 + i * 1000, NULL) != 0) return 1;
    }
    pqnet_chain_close(tmp);
  }

  printf("== devnet chain (%d-byte payloads, %d-block chains)\n", PAYLOAD, NBLOCKS);
  bench_result r = bench_run("block decode+check", do_check, &c, bench_iters(200000), 0);
  printf("  -> %.0f blocks/s context-free validation\n", r.ops_per_s);

  c.base = NULL;
  r = bench_run("connect 1000 (memory)", do_connect_all, &c, bench_iters(50), 0);
  printf("  -> %.0f blocks/s validated and connected, in memory\n", r.ops_per_s * NBLOCKS);

  char dir[] = "/tmp/pqnet-bench-chain-XXXXXX";
  if (mkdtemp(dir)) {
    c.base = dir;
    r = bench_run("connect 1000 (SQLite)", do_connect_all, &c, bench_iters(10), 0);
    printf("  -> %.0f blocks/s validated, connected and committed (1 txn/block, WAL)\n",
           r.ops_per_s * NBLOCKS);
    rm_files(dir);
    rmdir(dir);
  }

  /* Proof of work: a miner whose target no hash can meet. */
  pqnet_chain_config cfg;
  pqnet_chain_config_default(&cfg, "devnet");
  if (pqnet_chain_open(&cfg, T0, &c.chain) != 0) return 1;
  uint8_t impossible[32]; /* target 1: the step always runs all its hashes */
  memset(impossible, 0, 32);
  impossible[31] = 1;
  pqnet_rng_det rng;
  pqnet_rng_det_init_u64(&rng, 1);
  pqnet_miner_init(&c.miner, impossible, &rng.rng);
  r = bench_run("mine step 1000 hashes", do_mine, &c, bench_iters(3000), 0);
  double hps = r.ops_per_s * HASHES;
  printf("  -> %.2f M hashes/s (one Keccak-f[1600] per nonce)\n", hps / 1e6);
  pqnet_chain_next_header(c.chain, T0, NULL, NULL, 0, &c.hdr);
  bench_result g = bench_run("SHA3-256(header) x1000", do_generic_hash, &c, bench_iters(300), 0);
  printf("  -> %.2f M hashes/s generic SHA3-256 of the encoded header\n", g.ops_per_s * 1000 / 1e6);
  double expected = (double)(1ull << PQNET_CHAIN_DEVNET_ZERO_BITS);
  printf("devnet target 2^(256-%d)-1: %.0f hashes a block on average = %.2f s per block on one "
         "core at the miner's rate\n",
         PQNET_CHAIN_DEVNET_ZERO_BITS, expected, expected / hps);
  pqnet_chain_close(c.chain);
  pqnet_rng_det_free(&rng);
  free(c.blks);
  return 0;
}
