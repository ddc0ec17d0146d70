/*
 * Constant-time check for ML-DSA (FIPS 204), run under valgrind memcheck
 * (ctest: valgrind -q --error-exitcode=99 --track-origins=yes).
 *
 * Secret inputs are marked undefined with VALGRIND_MAKE_MEM_UNDEFINED:
 * memcheck then reports every conditional jump and every memory address that
 * depends on them, so the run fails (exit 99) if key generation or signing
 * branches on, or indexes memory with, secret data. Without valgrind the
 * client requests do nothing and this is an ordinary functional test.
 *
 * What is secret: the seed xi (KeyGen); the whole encoded secret key and rnd
 * (Sign), hence rho', K, s1, s2, t0, y, w, c*s1, c*s2, c*t0, z, h and all
 * intermediates.
 *
 * What the library declassifies, through pqnet_mldsa_ct_declassify (defined
 * below as VALGRIND_MAKE_MEM_DEFINED; a weak no-op in the library), and why
 * FIPS 204 allows it:
 *  - rho (KeyGen: derived from xi; Sign: read from sk): part of the public
 *    key. ExpandA's rejection sampling branches on SHAKE128(rho).
 *  - the public key at the end of KeyGen: public by definition.
 *  - RejBoundedPoly's accept flag of each half byte (ExpandS in KeyGen): only
 *    which candidates were rejected, not the accepted values (the sampled
 *    coefficients are computed without branches).
 *  - c-tilde of every signing attempt: a SHAKE256 output (random oracle);
 *    revealing it, also for rejected attempts, reveals nothing about the key
 *    (CRYSTALS-Dilithium round-3 specification, section 5.5). SampleInBall
 *    branches on it.
 *  - the verdict of each rejection check (||z||, ||r0||, ||c t0||, hint
 *    count): FIPS 204 lets the accept/reject decision leak; every check is
 *    computed over the whole vector without branches first.
 *  - z and h of the accepted attempt: they are the signature.
 *
 * The test then requires the signature and public key to be fully defined
 * (everything else in them must have been derived from public data) and
 * verifies them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "crypto/mldsa.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* Strong definition: overrides the library's weak no-op. */
void pqnet_mldsa_ct_declassify(const void *p, size_t len) {
  PUBLIC(p, len);
}

static int failures;

static void expect(int ok, const char *set, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL %s: %s\n", set, what);
    failures++;
  }
}

/* Under valgrind, 0 when all len bytes are defined (else memcheck also
 * reports an error); without valgrind always 0. */
static int all_defined(const void *p, size_t len) {
  return VALGRIND_CHECK_MEM_IS_DEFINED(p, len) == 0;
}

/* A generator whose output is secret: fills from a deterministic stream and
 * marks the bytes undefined (the hedged rnd of pqnet_mldsa_sign). */
static int secret_fill(void *ctx, uint8_t *buf, size_t len) {
  pqnet_rng_det *det = ctx;
  int rc = pqnet_rng_fill(&det->rng, buf, len);
  SECRET(buf, len);
  return rc;
}

static void check_set(pqnet_mldsa_alg alg) {
  static uint8_t pk[PQNET_MLDSA_MAX_PK_BYTES], sk[PQNET_MLDSA_MAX_SK_BYTES];
  static uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
  const char *name = pqnet_mldsa_name(alg);
  const size_t pk_len = pqnet_mldsa_pk_bytes(alg), sk_len = pqnet_mldsa_sk_bytes(alg);
  const size_t sig_len = pqnet_mldsa_sig_bytes(alg);
  const uint8_t msg[] = "constant-time test message";
  const uint8_t ctx[] = "ct";
  uint8_t seed[32], rnd[32], mu[64];
  pqnet_rng_det det;
  const pqnet_rng secret_rng = {secret_fill, &det};

  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(i * 11 + (int)alg);
  pqnet_rng_det_init_u64(&det, 0xC7 + (uint64_t)alg);

  /* KeyGen_internal with a secret seed. */
  SECRET(seed, sizeof seed);
  expect(pqnet_mldsa_keygen_internal(alg, pk, sk, seed) == 0, name, "keygen");
  expect(all_defined(pk, pk_len), name, "public key not fully declassified");
  PUBLIC(sk, sk_len); /* for the functional comparisons below only */

  /* Sign_internal and the external-mu form: secret sk and rnd. */
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 32; i++) rnd[i] = (uint8_t)(round * 100 + i);
    SECRET(sk, sk_len);
    SECRET(rnd, sizeof rnd);
    expect(pqnet_mldsa_sign_internal(alg, sig, sk, sk_len, msg, sizeof msg, rnd) == 0, name,
           "sign_internal");
    expect(all_defined(sig, sig_len), name, "signature not fully declassified");
    PUBLIC(sk, sk_len);
    expect(pqnet_mldsa_verify_internal(alg, pk, pk_len, msg, sizeof msg, sig, sig_len) == 0, name,
           "verify_internal");
  }
  expect(pqnet_mldsa_compute_mu(alg, mu, pk, pk_len, msg, sizeof msg, ctx, 2) == 0, name, "mu");
  SECRET(sk, sk_len);
  SECRET(rnd, sizeof rnd);
  expect(pqnet_mldsa_sign_mu(alg, sig, sk, sk_len, mu, rnd) == 0, name, "sign_mu");
  expect(all_defined(sig, sig_len), name, "signature (mu) not fully declassified");
  PUBLIC(sk, sk_len);
  expect(pqnet_mldsa_verify(alg, pk, pk_len, msg, sizeof msg, sig, sig_len, ctx, 2) == 0, name,
         "verify (mu)");

  /* Pure ML-DSA, hedged (secret rnd from the generator) and deterministic. */
  SECRET(sk, sk_len);
  expect(pqnet_mldsa_sign(alg, sig, sk, sk_len, msg, sizeof msg, ctx, 2, &secret_rng) == 0, name,
         "sign (hedged)");
  expect(all_defined(sig, sig_len), name, "signature (hedged) not fully declassified");
  expect(pqnet_mldsa_verify(alg, pk, pk_len, msg, sizeof msg, sig, sig_len, ctx, 2) == 0, name,
         "verify (hedged)");
  expect(pqnet_mldsa_sign(alg, sig, sk, sk_len, msg, sizeof msg, ctx, 2,
                          PQNET_MLDSA_DETERMINISTIC) == 0,
         name, "sign (deterministic)");
  expect(all_defined(sig, sig_len), name, "signature (deterministic) not fully declassified");
  expect(pqnet_mldsa_verify(alg, pk, pk_len, msg, sizeof msg, sig, sig_len, ctx, 2) == 0, name,
         "verify (deterministic)");

  /* Expanded key: expansion and signing with a secret sk. */
  pqnet_mldsa_sk_expanded *esk = malloc(sizeof *esk);
  if (!esk) {
    expect(0, name, "malloc");
    return;
  }
  expect(pqnet_mldsa_sk_expanded_init(esk, alg, sk, sk_len) == 0, name, "expand");
  for (int round = 0; round < 2; round++) {
    expect(pqnet_mldsa_sign_expanded(esk, sig, msg, sizeof msg, ctx, 2, &secret_rng) == 0, name,
           "sign_expanded");
    expect(all_defined(sig, sig_len), name, "signature (expanded) not fully declassified");
    expect(pqnet_mldsa_verify(alg, pk, pk_len, msg, sizeof msg, sig, sig_len, ctx, 2) == 0, name,
           "verify (expanded)");
  }
  pqnet_mldsa_sk_expanded_free(esk);
  free(esk);
  PUBLIC(sk, sk_len);
  pqnet_rng_det_free(&det);
}

int main(void) {
  check_set(PQNET_MLDSA44);
  check_set(PQNET_MLDSA65);
  check_set(PQNET_MLDSA87);
  if (failures) {
    fprintf(stderr, "ct_mldsa: %d failure(s)\n", failures);
    return 1;
  }
  printf("ct_mldsa: ML-DSA-44/65/87 keygen and signing ran on secret inputs\n");
  return 0;
}
