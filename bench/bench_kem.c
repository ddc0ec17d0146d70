/*
 * ML-KEM and X-Wing timings: median microseconds per operation and operations
 * per second. ML-KEM-768 (the set the handshake uses) gets the most
 * iterations; 512 and 1024 are measured briefly. Scale with
 * PQNET_BENCH_SCALE. Inputs are fixed, so every run does the same work.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "crypto/mlkem.h"
#include "crypto/xwing.h"

typedef struct kem_ctx {
  const pqnet_mlkem_params *p;
  uint8_t d[32], z[32], m[32], K[32];
  uint8_t ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES], dk[PQNET_MLKEM_MAX_SECRETKEYBYTES];
  uint8_t c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
} kem_ctx;

static void do_keygen(void *arg) {
  kem_ctx *x = arg;
  pqnet_mlkem_keygen_internal(x->p, x->ek, x->dk, x->d, x->z);
}

static void do_encaps(void *arg) {
  kem_ctx *x = arg;
  pqnet_mlkem_encaps_internal(x->p, x->K, x->c, x->ek, x->p->ek_bytes, x->m);
}

static void do_decaps(void *arg) {
  kem_ctx *x = arg;
  pqnet_mlkem_decaps(x->p, x->K, x->dk, x->p->dk_bytes, x->c, x->p->ct_bytes);
}

typedef struct xwing_ctx {
  uint8_t sk[32], eseed[64], ss[32];
  uint8_t pk[PQNET_XWING_PUBLICKEYBYTES], ct[PQNET_XWING_CIPHERTEXTBYTES];
  pqnet_xwing_dk dk;
} xwing_ctx;

static void do_xkeygen(void *arg) {
  xwing_ctx *x = arg;
  pqnet_xwing_keygen_derand(x->pk, x->sk);
}

static void do_xencaps(void *arg) {
  xwing_ctx *x = arg;
  pqnet_xwing_encaps_derand(x->ss, x->ct, x->pk, sizeof x->pk, x->eseed);
}

static void do_xdecaps(void *arg) {
  xwing_ctx *x = arg;
  pqnet_xwing_decaps(x->ss, x->ct, sizeof x->ct, x->sk, sizeof x->sk);
}

static void do_xdecaps_dk(void *arg) {
  xwing_ctx *x = arg;
  pqnet_xwing_decaps_dk(x->ss, &x->dk, x->ct, sizeof x->ct);
}

static void bench_set(const pqnet_mlkem_params *p, int iters) {
  static kem_ctx x;
  char name[64];
  memset(&x, 0, sizeof x);
  x.p = p;
  for (int i = 0; i < 32; i++) {
    x.d[i] = (uint8_t)i;
    x.z[i] = (uint8_t)(i + 32);
    x.m[i] = (uint8_t)(i + 64);
  }
  do_keygen(&x);
  do_encaps(&x);
  snprintf(name, sizeof name, "%s keygen", p->name);
  bench_run(name, do_keygen, &x, iters, 0);
  snprintf(name, sizeof name, "%s encaps", p->name);
  bench_run(name, do_encaps, &x, iters, 0);
  snprintf(name, sizeof name, "%s decaps", p->name);
  bench_run(name, do_decaps, &x, iters, 0);
}

int main(void) {
  static xwing_ctx x;
  bench_set(&pqnet_mlkem768, bench_iters(20000));
  bench_set(&pqnet_mlkem512, bench_iters(5000));
  bench_set(&pqnet_mlkem1024, bench_iters(5000));

  for (int i = 0; i < 32; i++) x.sk[i] = (uint8_t)(7 * i + 1);
  for (int i = 0; i < 64; i++) x.eseed[i] = (uint8_t)(3 * i + 5);
  if (pqnet_xwing_keygen_derand(x.pk, x.sk) != 0 || pqnet_xwing_dk_init(&x.dk, NULL, x.sk) != 0 ||
      pqnet_xwing_encaps_derand(x.ss, x.ct, x.pk, sizeof x.pk, x.eseed) != 0) {
    fprintf(stderr, "X-Wing setup failed\n");
    return 1;
  }
  int n = bench_iters(3000);
  bench_run("X-Wing keygen", do_xkeygen, &x, n, 0);
  bench_run("X-Wing encaps", do_xencaps, &x, n, 0);
  bench_run("X-Wing decaps", do_xdecaps, &x, n, 0);
  bench_run("X-Wing decaps (expanded dk)", do_xdecaps_dk, &x, n, 0);
  pqnet_xwing_dk_free(&x.dk);
  return 0;
}
