/*
 * ML-DSA benchmark: KeyGen, Sign (hedged, encoded and expanded key) and
 * Verify for ML-DSA-65, the parameter set pqnet uses, then the same for
 * ML-DSA-44 and ML-DSA-87 with fewer iterations. Signing is hedged with a
 * deterministic generator, so every signature takes its own number of
 * rejection-loop attempts and the mean reflects the real distribution.
 * Iterations scale with $PQNET_BENCH_SCALE.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "crypto/mldsa.h"
#include "pqnet/rng.h"

typedef struct ctx {
  pqnet_mldsa_alg alg;
  pqnet_rng_det det;
  uint8_t pk[PQNET_MLDSA_MAX_PK_BYTES];
  uint8_t sk[PQNET_MLDSA_MAX_SK_BYTES];
  uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
  uint8_t msg[64];
  pqnet_mldsa_sk_expanded *esk;
} ctx;

static void fail(const char *what) {
  fprintf(stderr, "bench_dsa: %s failed\n", what);
  exit(1);
}

static void op_keygen(void *arg) {
  ctx *c = arg;
  if (pqnet_mldsa_keygen(c->alg, c->pk, c->sk, &c->det.rng) != 0) fail("keygen");
}

static void op_sign(void *arg) {
  ctx *c = arg;
  if (pqnet_mldsa_sign(c->alg, c->sig, c->sk, pqnet_mldsa_sk_bytes(c->alg), c->msg, sizeof c->msg,
                       (const uint8_t *)"bench", 5, &c->det.rng) != 0)
    fail("sign");
}

static void op_sign_expanded(void *arg) {
  ctx *c = arg;
  if (pqnet_mldsa_sign_expanded(c->esk, c->sig, c->msg, sizeof c->msg, (const uint8_t *)"bench", 5,
                                &c->det.rng) != 0)
    fail("sign_expanded");
}

static void op_verify(void *arg) {
  ctx *c = arg;
  if (pqnet_mldsa_verify(c->alg, c->pk, pqnet_mldsa_pk_bytes(c->alg), c->msg, sizeof c->msg, c->sig,
                         pqnet_mldsa_sig_bytes(c->alg), (const uint8_t *)"bench", 5) != 0)
    fail("verify");
}

static void run_set(pqnet_mldsa_alg alg, int base) {
  ctx *c = calloc(1, sizeof *c);
  if (!c) fail("calloc");
  c->alg = alg;
  c->esk = malloc(sizeof *c->esk);
  if (!c->esk) fail("malloc");
  pqnet_rng_det_init_u64(&c->det, 0x6d6c647361ULL + (uint64_t)alg);
  for (size_t i = 0; i < sizeof c->msg; i++) c->msg[i] = (uint8_t)i;

  const char *name = pqnet_mldsa_name(alg);
  char label[64];
  snprintf(label, sizeof label, "%s keygen", name);
  bench_run(label, op_keygen, c, bench_iters(base), 0);

  if (pqnet_mldsa_sk_expanded_init(c->esk, alg, c->sk, pqnet_mldsa_sk_bytes(alg)) != 0)
    fail("expand");
  snprintf(label, sizeof label, "%s sign", name);
  bench_run(label, op_sign, c, bench_iters(base * 2), 0);
  snprintf(label, sizeof label, "%s sign (expanded key)", name);
  bench_run(label, op_sign_expanded, c, bench_iters(base * 2), 0);
  snprintf(label, sizeof label, "%s verify", name);
  bench_run(label, op_verify, c, bench_iters(base), 0);

  pqnet_mldsa_sk_expanded_free(c->esk);
  free(c->esk);
  pqnet_rng_det_free(&c->det);
  free(c);
}

int main(void) {
  run_set(PQNET_MLDSA65, 500);
  run_set(PQNET_MLDSA44, 200);
  run_set(PQNET_MLDSA87, 200);
  return 0;
}
