/*
 * Address manager throughput at 50,000 entries (default geometry: 1024 x 64
 * new, 256 x 64 tried): add of unknown and known addresses, select (plain and
 * with an exclusion callback), good, sample (GetAddrs answer: 1000 at 23 %),
 * and memory per entry, also for the small geometry a 10,000-node simulator
 * would use. Each timed call runs a batch of BATCH operations; the lines
 * "per op" divide by it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrman/addrman.h"
#include "bench.h"
#include "pqnet/rng.h"

#define NOW   1700000000ull
#define BATCH 100

typedef struct ctx {
  pqnet_addrman *am;
  uint64_t counter;
  pqnet_addr known[4096];
  size_t n_known;
  pqnet_addr_info sample[1000];
} ctx;

/* A routable IPv4 address from a counter, spread over many /16s. */
static pqnet_addr addr_from(uint64_t i) {
  static const uint8_t firsts[] = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                                   27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42};
  uint64_t h = i * 0x9e3779b97f4a7c15ull;
  uint8_t ip[4] = {firsts[(h >> 59) & 31], (uint8_t)(h >> 40), (uint8_t)(h >> 32), (uint8_t)i};
  pqnet_addr a;
  pqnet_addr_from_bytes(&a, ip, 4, 7071);
  return a;
}

static pqnet_addr source_from(uint64_t i) {
  uint8_t ip[4] = {(uint8_t)(50 + i % 40), (uint8_t)(i / 40), 1, 1};
  pqnet_addr a;
  pqnet_addr_from_bytes(&a, ip, 4, 7071);
  return a;
}

static void do_add_new(void *p) {
  ctx *c = p;
  for (int k = 0; k < BATCH; k++) {
    pqnet_addr_info in;
    memset(&in, 0, sizeof in);
    in.addr = addr_from(c->counter);
    in.last_seen = NOW - 60;
    pqnet_addr src = source_from(c->counter % 4000);
    c->counter++;
    pqnet_addrman_add(c->am, &in, 1, &src, NOW);
  }
}

static void do_add_known(void *p) {
  ctx *c = p;
  for (int k = 0; k < BATCH; k++) {
    pqnet_addr_info in;
    memset(&in, 0, sizeof in);
    in.addr = c->known[c->counter++ % c->n_known];
    in.last_seen = NOW - 60;
    pqnet_addr src = source_from(c->counter % 4000);
    pqnet_addrman_add(c->am, &in, 1, &src, NOW);
  }
}

static void do_select(void *p) {
  ctx *c = p;
  pqnet_addr_info out;
  for (int k = 0; k < BATCH; k++) pqnet_addrman_select(c->am, 0, NOW + 3600, NULL, NULL, &out);
}

/* Excludes a quarter of everything, like connected peers and own groups. */
static int exclude_quarter(void *ctx_, const pqnet_addr *a) {
  (void)ctx_;
  return (a->ip[3] & 3) == 0;
}

static void do_select_excl(void *p) {
  ctx *c = p;
  pqnet_addr_info out;
  for (int k = 0; k < BATCH; k++)
    pqnet_addrman_select(c->am, 0, NOW + 3600, exclude_quarter, NULL, &out);
}

static void do_good(void *p) {
  ctx *c = p;
  for (int k = 0; k < BATCH; k++)
    pqnet_addrman_good(c->am, &c->known[c->counter++ % c->n_known], NOW);
}

static void do_sample(void *p) {
  ctx *c = p;
  pqnet_addrman_sample(c->am, c->sample, 1000, 23, NOW);
}

static int collect(void *p, const pqnet_addr_info *info) {
  ctx *c = p;
  if (c->n_known < sizeof c->known / sizeof c->known[0]) c->known[c->n_known++] = info->addr;
  return 0;
}

static void per_op(const char *name, bench_result r, int ops) {
  double us = r.median_us / ops;
  printf("  %-26s %8.3f us/op  %12.0f ops/s\n", name, us, us > 0 ? 1e6 / us : 0);
}

int main(void) {
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 1);
  uint8_t secret[32] = {7};
  static ctx c;
  if (pqnet_addrman_new(NULL, secret, &det.rng, &c.am) != 0) return 1;
  size_t fixed = pqnet_addrman_memory(c.am);

  /* Fill to 50,000 entries, timing the fill as a whole too. */
  size_t n = 0, t = 0;
  bench_result r;
  printf("== addrman, default geometry (1024x64 new, 256x64 tried), target 50,000 entries\n");
  while (n + t < 50000) {
    do_add_new(&c);
    pqnet_addrman_size(c.am, &n, &t);
    if (c.counter > 10000000) break;
  }
  printf("  filled to %zu entries with %llu adds\n", n + t, (unsigned long long)c.counter);
  pqnet_addrman_foreach(c.am, collect, &c);
  /* A tried table of a few thousand. */
  for (size_t i = 0; i < 3000; i++) pqnet_addrman_good(c.am, &c.known[i], NOW);
  pqnet_addrman_size(c.am, &n, &t);
  printf("  new %zu, tried %zu\n", n, t);

  int it = bench_iters(2000);
  r = bench_run("add unknown x100", do_add_new, &c, it, 0);
  per_op("add (unknown address)", r, BATCH);
  r = bench_run("add known x100", do_add_known, &c, it, 0);
  per_op("add (known address)", r, BATCH);
  r = bench_run("select x100", do_select, &c, it, 0);
  per_op("select", r, BATCH);
  r = bench_run("select excl x100", do_select_excl, &c, it, 0);
  per_op("select (25% excluded)", r, BATCH);
  r = bench_run("good x100", do_good, &c, it, 0);
  per_op("good", r, BATCH);
  r = bench_run("sample 1000 @23%", do_sample, &c, bench_iters(500), 0);
  per_op("sample (per call)", r, 1);

  pqnet_addrman_size(c.am, &n, &t);
  size_t mem = pqnet_addrman_memory(c.am);
  printf("  memory: %zu bytes for %zu entries: %zu fixed (tables) + %.0f bytes/entry\n", mem, n + t,
         fixed, (double)(mem - fixed) / (double)(n + t));
  pqnet_addrman_del(c.am);

  /* The small geometry for a many-node simulator. */
  pqnet_addrman_config small;
  memset(&small, 0, sizeof small);
  small.new_buckets = 64;
  small.tried_buckets = 16;
  small.bucket_size = 16;
  small.max_entries = 1000;
  pqnet_addrman *am;
  if (pqnet_addrman_new(&small, secret, &det.rng, &am) != 0) return 1;
  size_t fixed_small = pqnet_addrman_memory(am);
  for (uint64_t i = 0; i < 20000; i++) {
    pqnet_addr_info in;
    memset(&in, 0, sizeof in);
    in.addr = addr_from(i);
    in.last_seen = NOW;
    pqnet_addr src = source_from(i % 500);
    pqnet_addrman_add(am, &in, 1, &src, NOW);
  }
  pqnet_addrman_size(am, &n, &t);
  printf("== small geometry (64x16 new, 16x16 tried, max 1000): %zu entries, %zu bytes "
         "(%zu fixed); 10,000 such nodes: %.0f MiB\n",
         n + t, pqnet_addrman_memory(am), fixed_small,
         10000.0 * (double)pqnet_addrman_memory(am) / (1024.0 * 1024.0));
  pqnet_addrman_del(am);
  pqnet_rng_det_free(&det);
  return 0;
}
