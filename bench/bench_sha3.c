/* SHA3-256 and SHAKE128/256 throughput: median us per call and MB/s. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "pqnet/sha3.h"

typedef struct {
  uint8_t *in;
  size_t len;
  uint8_t out[168];
} hash_arg;

static void do_sha3_256(void *p) {
  hash_arg *a = p;
  pqnet_sha3_256(a->out, a->in, a->len);
}

static void do_shake128(void *p) {
  hash_arg *a = p;
  pqnet_shake128(a->out, 32, a->in, a->len);
}

static void do_shake256(void *p) {
  hash_arg *a = p;
  pqnet_shake256(a->out, 32, a->in, a->len);
}

/* Squeeze speed as ML-KEM's matrix sampling uses it: 64 KiB in whole blocks. */
static void do_shake128_squeeze(void *p) {
  hash_arg *a = p;
  pqnet_keccak k;
  pqnet_shake128_init(&k);
  pqnet_keccak_absorb(&k, a->in, 34);
  for (int i = 0; i < 390; i++) pqnet_keccak_squeezeblocks(&k, a->out, 1);
}

static void do_f1600(void *p) {
  uint64_t *s = p;
  pqnet_keccak_f1600(s);
}

int main(void) {
  static uint8_t buf[1 << 16];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
  hash_arg a = {buf, sizeof buf, {0}};
  uint64_t st[25] = {0};
  printf("== SHA-3 / SHAKE (portable C, 64 KiB messages)\n");
  bench_run("keccak-f1600", do_f1600, st, bench_iters(200000), 0);
  bench_run("SHA3-256 64KiB", do_sha3_256, &a, bench_iters(2000), sizeof buf);
  bench_run("SHAKE128 64KiB", do_shake128, &a, bench_iters(2000), sizeof buf);
  bench_run("SHAKE256 64KiB", do_shake256, &a, bench_iters(2000), sizeof buf);
  bench_run("SHAKE128 squeeze 64KiB", do_shake128_squeeze, &a, bench_iters(2000), 390 * 168);
  a.len = 64;
  bench_run("SHA3-256 64B", do_sha3_256, &a, bench_iters(200000), 64);
  return 0;
}
