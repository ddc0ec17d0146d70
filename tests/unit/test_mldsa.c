/*
 * ML-DSA unit tests: round trips for every parameter set, contexts of 0, 255
 * and 256 bytes, wrong lengths, bit flips all over a signature, malformed
 * hint encodings and out-of-range z, modified messages, hedged versus
 * deterministic signing, the internal / external-mu / expanded-key
 * interfaces agreeing with each other, HashML-DSA, and the arithmetic (Decompose and
 * Power2Round exhaustively, UseHint, NTT and the sparse products against
 * schoolbook multiplication, bit packing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/mldsa.h"
#include "crypto/mldsa_poly.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"

static const pqnet_mldsa_alg all_sets[3] = {PQNET_MLDSA44, PQNET_MLDSA65, PQNET_MLDSA87};

/* Per-set layout figures the tests need (FIPS 204 Table 1 and 2). */
static unsigned set_k(pqnet_mldsa_alg a) {
  return a == PQNET_MLDSA44 ? 4 : a == PQNET_MLDSA65 ? 6 : 8;
}
static unsigned set_omega(pqnet_mldsa_alg a) {
  return a == PQNET_MLDSA44 ? 80 : a == PQNET_MLDSA65 ? 55 : 75;
}
static unsigned set_ctilde(pqnet_mldsa_alg a) {
  return a == PQNET_MLDSA44 ? 32 : a == PQNET_MLDSA65 ? 48 : 64;
}
static unsigned set_gamma1_bits(pqnet_mldsa_alg a) {
  return a == PQNET_MLDSA44 ? 17 : 19;
}
static int32_t set_beta(pqnet_mldsa_alg a) {
  return a == PQNET_MLDSA44 ? 78 : a == PQNET_MLDSA65 ? 196 : 120;
}

typedef struct keypair {
  pqnet_mldsa_alg alg;
  size_t pk_len, sk_len, sig_len;
  uint8_t pk[PQNET_MLDSA_MAX_PK_BYTES];
  uint8_t sk[PQNET_MLDSA_MAX_SK_BYTES];
} keypair;

static void make_keypair(keypair *kp, pqnet_mldsa_alg alg, uint64_t seed) {
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, seed);
  kp->alg = alg;
  kp->pk_len = pqnet_mldsa_pk_bytes(alg);
  kp->sk_len = pqnet_mldsa_sk_bytes(alg);
  kp->sig_len = pqnet_mldsa_sig_bytes(alg);
  assert_int_equal(pqnet_mldsa_keygen(alg, kp->pk, kp->sk, &det.rng), 0);
  pqnet_rng_det_free(&det);
}

static const uint8_t msg[] = "pqnet handshake transcript hash, more or less";
static const uint8_t ctx[] = "pqnet-test";
#define CTXLEN (sizeof ctx - 1)

static void sign_det(const keypair *kp, uint8_t *sig) {
  assert_int_equal(pqnet_mldsa_sign(kp->alg, sig, kp->sk, kp->sk_len, msg, sizeof msg, ctx, CTXLEN,
                                    PQNET_MLDSA_DETERMINISTIC),
                   0);
}

static int verify_msg(const keypair *kp, const uint8_t *sig, size_t siglen) {
  return pqnet_mldsa_verify(kp->alg, kp->pk, kp->pk_len, msg, sizeof msg, sig, siglen, ctx, CTXLEN);
}

/* ---- round trips ----------------------------------------------------------- */

static void test_roundtrip_all_sets(void **state) {
  (void)state;
  for (int i = 0; i < 3; i++) {
    keypair kp;
    uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
    pqnet_rng_det det;
    make_keypair(&kp, all_sets[i], 100 + (uint64_t)i);
    pqnet_rng_det_init_u64(&det, 7);
    assert_int_equal(
        pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, ctx, CTXLEN, &det.rng), 0);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), 0);
    /* Empty message, no context, NULL pointers with zero lengths. */
    assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, NULL, 0, NULL, 0, &det.rng),
                     0);
    assert_int_equal(
        pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, NULL, 0, sig, kp.sig_len, NULL, 0), 0);
    assert_int_equal(pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, 1, sig, kp.sig_len, NULL, 0),
                     PQNET_ERR_AUTH);
    pqnet_rng_det_free(&det);
  }
}

static void test_mldsa65_shorthands(void **state) {
  (void)state;
  uint8_t pk[PQNET_MLDSA65_PK_BYTES], sk[PQNET_MLDSA65_SK_BYTES], sig[PQNET_MLDSA65_SIG_BYTES];
  uint8_t pk2[PQNET_MLDSA65_PK_BYTES], sk2[PQNET_MLDSA65_SK_BYTES], seed[32];
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 65);
  assert_int_equal(pqnet_mldsa65_keygen(pk, sk, &det.rng), 0);
  assert_int_equal(pqnet_mldsa65_sign(sig, sk, msg, sizeof msg, ctx, CTXLEN, &det.rng), 0);
  assert_int_equal(pqnet_mldsa65_verify(pk, msg, sizeof msg, sig, sizeof sig, ctx, CTXLEN), 0);
  assert_int_equal(pqnet_mldsa65_verify(pk, msg, sizeof msg, sig, sizeof sig - 1, ctx, CTXLEN),
                   PQNET_ERR_BAD_LENGTH);
  /* KeyGen(rng) is KeyGen_internal on 32 bytes from the same stream. */
  pqnet_rng_det_free(&det);
  pqnet_rng_det_init_u64(&det, 65);
  assert_int_equal(pqnet_rng_fill(&det.rng, seed, 32), 0);
  assert_int_equal(pqnet_mldsa65_keygen_from_seed(pk2, sk2, seed), 0);
  pqnet_rng_det_free(&det);
  pqnet_rng_det_init_u64(&det, 65);
  assert_int_equal(pqnet_mldsa65_keygen(pk, sk, &det.rng), 0);
  assert_memory_equal(pk, pk2, sizeof pk);
  assert_memory_equal(sk, sk2, sizeof sk);
  pqnet_rng_det_free(&det);
}

/* ---- contexts and lengths -------------------------------------------------- */

static void test_context_lengths(void **state) {
  (void)state;
  keypair kp;
  uint8_t big[256], sig[PQNET_MLDSA_MAX_SIG_BYTES];
  for (int i = 0; i < 256; i++) big[i] = (uint8_t)(i * 7);
  make_keypair(&kp, PQNET_MLDSA65, 1);

  /* 0 and 255 bytes work; the context is bound to the signature. */
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, big, 0,
                                    PQNET_MLDSA_DETERMINISTIC),
                   0);
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 0), 0);
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 1),
      PQNET_ERR_AUTH);
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, big, 255,
                                    PQNET_MLDSA_DETERMINISTIC),
                   0);
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 255), 0);
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 254),
      PQNET_ERR_AUTH);
  big[254] ^= 1;
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 255),
      PQNET_ERR_AUTH);
  big[254] ^= 1;

  /* 256 bytes is rejected by every entry point; the output is zeroed. */
  memset(sig, 0xAA, sizeof sig);
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, big, 256,
                                    PQNET_MLDSA_DETERMINISTIC),
                   PQNET_ERR_INVALID_ARG);
  for (size_t i = 0; i < kp.sig_len; i++) assert_int_equal(sig[i], 0);
  assert_int_equal(
      pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len, big, 256),
      PQNET_ERR_INVALID_ARG);
  uint8_t mu[64];
  assert_int_equal(pqnet_mldsa_compute_mu(kp.alg, mu, kp.pk, kp.pk_len, msg, sizeof msg, big, 256),
                   PQNET_ERR_INVALID_ARG);
}

static void test_wrong_lengths(void **state) {
  (void)state;
  for (int s = 0; s < 3; s++) {
    keypair kp;
    uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES + 1];
    make_keypair(&kp, all_sets[s], 2);
    sign_det(&kp, sig);
    assert_int_equal(pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len - 1, msg, sizeof msg, sig,
                                        kp.sig_len, ctx, CTXLEN),
                     PQNET_ERR_BAD_LENGTH);
    assert_int_equal(pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len + 1, msg, sizeof msg, sig,
                                        kp.sig_len, ctx, CTXLEN),
                     PQNET_ERR_BAD_LENGTH);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len - 1), PQNET_ERR_BAD_LENGTH);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len + 1), PQNET_ERR_BAD_LENGTH);
    assert_int_equal(verify_msg(&kp, sig, 0), PQNET_ERR_BAD_LENGTH);
    assert_int_equal(pqnet_mldsa_verify_mu(kp.alg, kp.pk, kp.pk_len, sig, sig, kp.sig_len - 1),
                     PQNET_ERR_BAD_LENGTH);
    assert_int_equal(
        pqnet_mldsa_verify_internal(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len + 1),
        PQNET_ERR_BAD_LENGTH);
    assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len - 1, msg, sizeof msg, ctx,
                                      CTXLEN, PQNET_MLDSA_DETERMINISTIC),
                     PQNET_ERR_BAD_LENGTH);
    assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len + 1, msg, sizeof msg, ctx,
                                      CTXLEN, PQNET_MLDSA_DETERMINISTIC),
                     PQNET_ERR_BAD_LENGTH);
    pqnet_mldsa_sk_expanded *esk = malloc(sizeof *esk);
    assert_non_null(esk);
    assert_int_equal(pqnet_mldsa_sk_expanded_init(esk, kp.alg, kp.sk, kp.sk_len + 1),
                     PQNET_ERR_BAD_LENGTH);
    free(esk);
    uint8_t mu[64];
    assert_int_equal(
        pqnet_mldsa_compute_mu(kp.alg, mu, kp.pk, kp.pk_len - 1, msg, sizeof msg, NULL, 0),
        PQNET_ERR_BAD_LENGTH);
  }
}

static void test_invalid_args(void **state) {
  (void)state;
  keypair kp;
  uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES], seed[32] = {0}, rnd[32] = {0}, mu[64] = {0};
  make_keypair(&kp, PQNET_MLDSA44, 3);
  const pqnet_mldsa_alg bad = (pqnet_mldsa_alg)3;
  assert_int_equal(pqnet_mldsa_pk_bytes(bad), 0);
  assert_string_equal(pqnet_mldsa_name(bad), "?");
  assert_int_equal(pqnet_mldsa_keygen_internal(bad, kp.pk, kp.sk, seed), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_keygen_internal(kp.alg, NULL, kp.sk, seed), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_keygen(kp.alg, kp.pk, kp.sk, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign(bad, sig, kp.sk, kp.sk_len, msg, 1, NULL, 0, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, NULL, 1, NULL, 0, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, 1, NULL, 1, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign_internal(kp.alg, sig, kp.sk, kp.sk_len, msg, 1, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign_mu(kp.alg, sig, kp.sk, kp.sk_len, NULL, rnd),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_verify(bad, kp.pk, kp.pk_len, msg, 1, sig, kp.sig_len, NULL, 0),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_verify(kp.alg, NULL, kp.pk_len, msg, 1, sig, kp.sig_len, NULL, 0),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_verify_mu(kp.alg, kp.pk, kp.pk_len, NULL, sig, kp.sig_len),
                   PQNET_ERR_INVALID_ARG);
  /* An expanded key that was never initialised, or was freed, is refused. */
  pqnet_mldsa_sk_expanded *esk = calloc(1, sizeof *esk);
  assert_non_null(esk);
  assert_int_equal(pqnet_mldsa_sign_expanded(esk, sig, msg, 1, NULL, 0, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sk_expanded_init(esk, kp.alg, kp.sk, kp.sk_len), 0);
  assert_int_equal(pqnet_mldsa_sign_expanded(esk, sig, msg, 1, NULL, 0, NULL), 0);
  pqnet_mldsa_sk_expanded_free(esk);
  assert_int_equal(pqnet_mldsa_sign_expanded(esk, sig, msg, 1, NULL, 0, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_sign_expanded_mu(esk, sig, mu, rnd), PQNET_ERR_INVALID_ARG);
  pqnet_mldsa_sk_expanded_free(NULL);
  free(esk);
}

/* A secret key whose s1 encoding holds a value above 2 eta (a coefficient
 * below -eta) is refused. */
static void test_bad_secret_key(void **state) {
  (void)state;
  for (int s = 0; s < 3; s++) {
    keypair kp;
    uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
    make_keypair(&kp, all_sets[s], 4);
    kp.sk[128] = 0xFF; /* first s1 coefficients: all bits set */
    assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, NULL, 0,
                                      PQNET_MLDSA_DETERMINISTIC),
                     PQNET_ERR_BAD_KEY);
    for (size_t i = 0; i < kp.sig_len; i++) assert_int_equal(sig[i], 0);
  }
}

/* A generator that fails: keygen and hedged signing report PQNET_ERR_RNG. */
static int failing_fill(void *c, uint8_t *buf, size_t len) {
  (void)c;
  (void)buf;
  (void)len;
  return PQNET_ERR_RNG;
}

static void test_rng_failure(void **state) {
  (void)state;
  const pqnet_rng bad = {failing_fill, NULL};
  keypair kp;
  uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
  make_keypair(&kp, PQNET_MLDSA44, 5);
  assert_int_equal(pqnet_mldsa_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, 1, NULL, 0, &bad),
                   PQNET_ERR_RNG);
  for (size_t i = 0; i < kp.sig_len; i++) assert_int_equal(sig[i], 0);
  assert_int_equal(pqnet_mldsa_keygen(kp.alg, kp.pk, kp.sk, &bad), PQNET_ERR_RNG);
  for (size_t i = 0; i < kp.pk_len; i++) assert_int_equal(kp.pk[i], 0);
  for (size_t i = 0; i < kp.sk_len; i++) assert_int_equal(kp.sk[i], 0);
}

/* ---- tampering ------------------------------------------------------------- */

static void expect_reject_flip(const keypair *kp, uint8_t *sig, size_t bit) {
  sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  int rc = verify_msg(kp, sig, kp->sig_len);
  sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  if (rc != PQNET_ERR_AUTH)
    fail_msg("%s: flipping bit %zu gave %d", pqnet_mldsa_name(kp->alg), bit, rc);
}

static void test_bit_flips(void **state) {
  (void)state;
  for (int s = 0; s < 3; s++) {
    keypair kp;
    uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
    make_keypair(&kp, all_sets[s], 6);
    sign_det(&kp, sig);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), 0);
    const size_t bits = kp.sig_len * 8;
    const size_t hint_start = (kp.sig_len - set_omega(kp.alg) - set_k(kp.alg)) * 8;
    /* First, middle and last bit; every bit of c-tilde and of the hint
     * area; a stride through z. */
    expect_reject_flip(&kp, sig, 0);
    expect_reject_flip(&kp, sig, bits / 2);
    expect_reject_flip(&kp, sig, bits - 1);
    for (size_t b = 0; b < set_ctilde(kp.alg) * 8; b++) expect_reject_flip(&kp, sig, b);
    for (size_t b = hint_start; b < bits; b++) expect_reject_flip(&kp, sig, b);
    for (size_t b = set_ctilde(kp.alg) * 8; b < hint_start; b += 61)
      expect_reject_flip(&kp, sig, b);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), 0);
  }
}

static void test_modified_message(void **state) {
  (void)state;
  keypair kp;
  uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES], m[sizeof msg];
  make_keypair(&kp, PQNET_MLDSA65, 7);
  sign_det(&kp, sig);
  for (size_t i = 0; i < sizeof msg; i += 9) {
    memcpy(m, msg, sizeof m);
    m[i] ^= 0x01;
    assert_int_equal(
        pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, m, sizeof m, sig, kp.sig_len, ctx, CTXLEN),
        PQNET_ERR_AUTH);
  }
  assert_int_equal(pqnet_mldsa_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg - 1, sig,
                                      kp.sig_len, ctx, CTXLEN),
                   PQNET_ERR_AUTH);
  /* Another key does not verify it, and neither does the internal interface
   * on the bare message (no domain byte, no context). */
  keypair other;
  make_keypair(&other, PQNET_MLDSA65, 8);
  assert_int_equal(verify_msg(&other, sig, other.sig_len), PQNET_ERR_AUTH);
  assert_int_equal(
      pqnet_mldsa_verify_internal(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig, kp.sig_len),
      PQNET_ERR_AUTH);
}

/* Unpack / repack z coefficient 0 of a signature (BitPack(z, gamma1-1, gamma1)). */
static void set_z0(const keypair *kp, uint8_t *sig, int32_t value) {
  const unsigned bits = set_gamma1_bits(kp->alg) + 1;
  mldsa_poly z;
  uint8_t *zp = sig + set_ctilde(kp->alg);
  pqnet_mldsa_unpack_centered(&z, zp, (int32_t)1 << set_gamma1_bits(kp->alg), bits);
  z.c[0] = value;
  pqnet_mldsa_pack_centered(zp, &z, (int32_t)1 << set_gamma1_bits(kp->alg), bits);
}

static void test_malformed_signatures(void **state) {
  (void)state;
  for (int s = 0; s < 3; s++) {
    keypair kp;
    uint8_t good[PQNET_MLDSA_MAX_SIG_BYTES], sig[PQNET_MLDSA_MAX_SIG_BYTES];
    make_keypair(&kp, all_sets[s], 9);
    sign_det(&kp, good);
    const unsigned k = set_k(kp.alg), omega = set_omega(kp.alg);
    const int32_t gamma1 = (int32_t)1 << set_gamma1_bits(kp.alg);
    uint8_t *hints = sig + kp.sig_len - omega - k; /* indices, then k counts */
    const unsigned total = good[kp.sig_len - 1];
    assert_true(total > 0); /* so that clearing the hints changes them */

    /* Repacking z unchanged keeps it valid (sanity check of set_z0). */
    memcpy(sig, good, kp.sig_len);
    mldsa_poly z;
    pqnet_mldsa_unpack_centered(&z, sig + set_ctilde(kp.alg), gamma1, set_gamma1_bits(kp.alg) + 1);
    set_z0(&kp, sig, z.c[0]);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), 0);

    /* z at the norm bound and at the extremes of the encoding. */
    const int32_t zvals[4] = {gamma1 - set_beta(kp.alg), -(gamma1 - set_beta(kp.alg)), gamma1,
                              -gamma1 + 1};
    for (int i = 0; i < 4; i++) {
      memcpy(sig, good, kp.sig_len);
      set_z0(&kp, sig, zvals[i]);
      assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
    }

    /* A count above omega, and counts that decrease. */
    memcpy(sig, good, kp.sig_len);
    hints[omega + k - 1] = (uint8_t)(omega + 1);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
    memcpy(sig, good, kp.sig_len);
    hints[omega] = (uint8_t)(hints[omega + 1] + 1);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);

    /* Non-zero padding after the last index. */
    assert_true(total < omega);
    memcpy(sig, good, kp.sig_len);
    hints[omega - 1] = 1;
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);

    /* Indices of one polynomial out of order, or repeated. */
    unsigned first = 0;
    for (unsigned i = 0; i < k; i++) {
      unsigned end = good[kp.sig_len - k + i];
      if (end - first >= 2) {
        memcpy(sig, good, kp.sig_len);
        uint8_t t = hints[first];
        hints[first] = hints[first + 1];
        hints[first + 1] = t;
        assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
        memcpy(sig, good, kp.sig_len);
        hints[first + 1] = hints[first];
        assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
        break;
      }
      first = end;
    }

    /* Every hint byte set to 0xFF, and all zero (a different hint vector). */
    memcpy(sig, good, kp.sig_len);
    memset(hints, 0xFF, omega + k);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
    memcpy(sig, good, kp.sig_len);
    memset(hints, 0, omega + k);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
  }
}

/* ---- signing variants ------------------------------------------------------ */

static void test_hedged_and_deterministic(void **state) {
  (void)state;
  keypair kp;
  uint8_t a[PQNET_MLDSA_MAX_SIG_BYTES], b[PQNET_MLDSA_MAX_SIG_BYTES];
  pqnet_rng_det det;
  make_keypair(&kp, PQNET_MLDSA65, 10);
  sign_det(&kp, a);
  sign_det(&kp, b);
  assert_memory_equal(a, b, kp.sig_len);
  pqnet_rng_det_init_u64(&det, 11);
  assert_int_equal(
      pqnet_mldsa_sign(kp.alg, a, kp.sk, kp.sk_len, msg, sizeof msg, ctx, CTXLEN, &det.rng), 0);
  assert_int_equal(
      pqnet_mldsa_sign(kp.alg, b, kp.sk, kp.sk_len, msg, sizeof msg, ctx, CTXLEN, &det.rng), 0);
  assert_memory_not_equal(a, b, kp.sig_len);
  assert_int_equal(verify_msg(&kp, a, kp.sig_len), 0);
  assert_int_equal(verify_msg(&kp, b, kp.sig_len), 0);
  pqnet_rng_det_free(&det);
}

/* External sign = internal sign on M' = 0 || len(ctx) || ctx || msg = sign_mu
 * on compute_mu = expanded-key sign; all verify through every interface. */
static void test_interfaces_agree(void **state) {
  (void)state;
  for (int s = 0; s < 3; s++) {
    keypair kp;
    uint8_t ext[PQNET_MLDSA_MAX_SIG_BYTES], sig[PQNET_MLDSA_MAX_SIG_BYTES];
    uint8_t mprime[2 + CTXLEN + sizeof msg], mu[64], rnd[32];
    pqnet_rng_det det;
    make_keypair(&kp, all_sets[s], 12);
    pqnet_rng_det_init_u64(&det, 13);
    assert_int_equal(pqnet_rng_fill(&det.rng, rnd, 32), 0);
    pqnet_rng_det_free(&det);

    mprime[0] = 0;
    mprime[1] = (uint8_t)CTXLEN;
    memcpy(mprime + 2, ctx, CTXLEN);
    memcpy(mprime + 2 + CTXLEN, msg, sizeof msg);
    assert_int_equal(
        pqnet_mldsa_compute_mu(kp.alg, mu, kp.pk, kp.pk_len, msg, sizeof msg, ctx, CTXLEN), 0);

    pqnet_rng_det_init_u64(&det, 13); /* hands out the same rnd */
    assert_int_equal(
        pqnet_mldsa_sign(kp.alg, ext, kp.sk, kp.sk_len, msg, sizeof msg, ctx, CTXLEN, &det.rng), 0);
    pqnet_rng_det_free(&det);
    assert_int_equal(
        pqnet_mldsa_sign_internal(kp.alg, sig, kp.sk, kp.sk_len, mprime, sizeof mprime, rnd), 0);
    assert_memory_equal(sig, ext, kp.sig_len);
    assert_int_equal(pqnet_mldsa_sign_mu(kp.alg, sig, kp.sk, kp.sk_len, mu, rnd), 0);
    assert_memory_equal(sig, ext, kp.sig_len);

    pqnet_mldsa_sk_expanded *esk = malloc(sizeof *esk);
    assert_non_null(esk);
    assert_int_equal(pqnet_mldsa_sk_expanded_init(esk, kp.alg, kp.sk, kp.sk_len), 0);
    assert_int_equal(pqnet_mldsa_sign_expanded_mu(esk, sig, mu, rnd), 0);
    assert_memory_equal(sig, ext, kp.sig_len);
    pqnet_rng_det_init_u64(&det, 13);
    assert_int_equal(pqnet_mldsa_sign_expanded(esk, sig, msg, sizeof msg, ctx, CTXLEN, &det.rng),
                     0);
    pqnet_rng_det_free(&det);
    assert_memory_equal(sig, ext, kp.sig_len);
    /* Deterministic through the expanded key = deterministic plain. */
    assert_int_equal(pqnet_mldsa_sign_expanded(esk, sig, msg, sizeof msg, ctx, CTXLEN,
                                               PQNET_MLDSA_DETERMINISTIC),
                     0);
    sign_det(&kp, ext);
    assert_memory_equal(sig, ext, kp.sig_len);
    pqnet_mldsa_sk_expanded_free(esk);
    free(esk);

    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), 0);
    assert_int_equal(pqnet_mldsa_verify_mu(kp.alg, kp.pk, kp.pk_len, mu, sig, kp.sig_len), 0);
    assert_int_equal(pqnet_mldsa_verify_internal(kp.alg, kp.pk, kp.pk_len, mprime, sizeof mprime,
                                                 sig, kp.sig_len),
                     0);
    mu[63] ^= 0x80;
    assert_int_equal(pqnet_mldsa_verify_mu(kp.alg, kp.pk, kp.pk_len, mu, sig, kp.sig_len),
                     PQNET_ERR_AUTH);
  }
}

/* HashML-DSA: every pre-hash round-trips; a signature is bound to its PH, to
 * the pre-hash domain byte (a pure verify rejects it) and to the context. */
static void test_hash_ml_dsa(void **state) {
  (void)state;
  static const char *names[12] = {"SHA2-224",     "SHA2-256",     "SHA2-384",  "SHA2-512",
                                  "SHA2-512/224", "SHA2-512/256", "SHA3-224",  "SHA3-256",
                                  "SHA3-384",     "SHA3-512",     "SHAKE-128", "SHAKE-256"};
  keypair kp;
  uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
  pqnet_rng_det det;
  pqnet_mldsa_prehash ph;
  make_keypair(&kp, PQNET_MLDSA44, 17);
  pqnet_rng_det_init_u64(&det, 18);
  for (int i = 0; i < 12; i++) {
    assert_int_equal(pqnet_mldsa_prehash_from_name(&ph, names[i]), 0);
    assert_int_equal(ph, i);
    assert_int_equal(pqnet_mldsa_hash_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, ctx,
                                           CTXLEN, ph, &det.rng),
                     0);
    assert_int_equal(pqnet_mldsa_hash_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig,
                                             kp.sig_len, ctx, CTXLEN, ph),
                     0);
    assert_int_equal(pqnet_mldsa_hash_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig,
                                             kp.sig_len, ctx, CTXLEN,
                                             (pqnet_mldsa_prehash)((i + 1) % 12)),
                     PQNET_ERR_AUTH);
    assert_int_equal(pqnet_mldsa_hash_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg - 1, sig,
                                             kp.sig_len, ctx, CTXLEN, ph),
                     PQNET_ERR_AUTH);
    assert_int_equal(verify_msg(&kp, sig, kp.sig_len), PQNET_ERR_AUTH);
  }
  assert_int_equal(pqnet_mldsa_prehash_from_name(&ph, "MD5"), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_hash_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, ctx,
                                         CTXLEN, (pqnet_mldsa_prehash)12, &det.rng),
                   PQNET_ERR_INVALID_ARG);
  uint8_t big[256] = {0};
  assert_int_equal(pqnet_mldsa_hash_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, big, 256,
                                         PQNET_MLDSA_PH_SHA2_256, &det.rng),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mldsa_hash_verify(kp.alg, kp.pk, kp.pk_len, msg, sizeof msg, sig,
                                           kp.sig_len - 1, ctx, CTXLEN, PQNET_MLDSA_PH_SHA2_256),
                   PQNET_ERR_BAD_LENGTH);
  /* Deterministic HashML-DSA repeats. */
  uint8_t sig2[PQNET_MLDSA_MAX_SIG_BYTES];
  assert_int_equal(pqnet_mldsa_hash_sign(kp.alg, sig, kp.sk, kp.sk_len, msg, sizeof msg, NULL, 0,
                                         PQNET_MLDSA_PH_SHA2_512, PQNET_MLDSA_DETERMINISTIC),
                   0);
  assert_int_equal(pqnet_mldsa_hash_sign(kp.alg, sig2, kp.sk, kp.sk_len, msg, sizeof msg, NULL, 0,
                                         PQNET_MLDSA_PH_SHA2_512, PQNET_MLDSA_DETERMINISTIC),
                   0);
  assert_memory_equal(sig, sig2, kp.sig_len);
  pqnet_rng_det_free(&det);
}

/* ---- arithmetic ------------------------------------------------------------ */

/* Decompose straight from FIPS 204 Algorithm 36. */
static int32_t ref_decompose(int32_t *r0, int32_t r, int32_t gamma2) {
  const int32_t a = 2 * gamma2;
  int32_t lo = r % a;
  if (lo > gamma2) lo -= a;
  if (r - lo == MLDSA_Q - 1) {
    *r0 = lo - 1;
    return 0;
  }
  *r0 = lo;
  return (r - lo) / a;
}

static void test_decompose_exhaustive(void **state) {
  (void)state;
  const int32_t gammas[2] = {(MLDSA_Q - 1) / 88, (MLDSA_Q - 1) / 32};
  for (int g = 0; g < 2; g++) {
    for (int32_t r = 0; r < MLDSA_Q; r++) {
      int32_t r0, w0, r1 = mldsa_decompose(&r0, r, gammas[g]),
                      w1 = ref_decompose(&w0, r, gammas[g]);
      if (r1 != w1 || r0 != w0)
        fail_msg("decompose(%d, gamma2 %d) = (%d, %d), want (%d, %d)", r, gammas[g], r1, r0, w1,
                 w0);
    }
  }
}

static void test_power2round_exhaustive(void **state) {
  (void)state;
  for (int32_t r = 0; r < MLDSA_Q; r++) {
    int32_t r0, r1 = mldsa_power2round(&r0, r);
    int32_t w0 = r % 8192;
    if (w0 > 4096) w0 -= 8192;
    if (r0 != w0 || r1 != (r - w0) / 8192) fail_msg("power2round(%d)", r);
  }
}

/* UseHint (Algorithm 40) against its definition, on a sample of r. */
static void test_use_hint(void **state) {
  (void)state;
  const int32_t gammas[2] = {(MLDSA_Q - 1) / 88, (MLDSA_Q - 1) / 32};
  for (int g = 0; g < 2; g++) {
    const int32_t m = (MLDSA_Q - 1) / (2 * gammas[g]);
    for (int32_t r = 0; r < MLDSA_Q; r += 97) {
      int32_t r0, r1 = ref_decompose(&r0, r, gammas[g]);
      assert_int_equal(mldsa_use_hint(r, 0, gammas[g]), r1);
      int32_t want = r0 > 0 ? (r1 + 1) % m : (r1 - 1 + m) % m;
      assert_int_equal(mldsa_use_hint(r, 1, gammas[g]), want);
    }
  }
}

static int32_t modq(int64_t a) {
  int64_t r = a % MLDSA_Q;
  return (int32_t)(r < 0 ? r + MLDSA_Q : r);
}

/* a * b in Z_q[X]/(X^256 + 1), schoolbook. */
static void schoolbook(int32_t out[MLDSA_N], const mldsa_poly *a, const mldsa_poly *b) {
  int64_t acc[2 * MLDSA_N] = {0};
  for (int i = 0; i < MLDSA_N; i++)
    for (int j = 0; j < MLDSA_N; j++) acc[i + j] += (int64_t)a->c[i] * b->c[j] % MLDSA_Q;
  for (int i = 0; i < MLDSA_N; i++) out[i] = modq(acc[i] - acc[i + MLDSA_N]);
}

static void random_poly(pqnet_rng_det *det, mldsa_poly *p, int32_t lo, int32_t hi) {
  uint8_t b[4 * MLDSA_N];
  assert_int_equal(pqnet_rng_fill(&det->rng, b, sizeof b), 0);
  for (int i = 0; i < MLDSA_N; i++) {
    uint32_t v = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                 (uint32_t)b[4 * i + 3] << 24;
    p->c[i] = lo + (int32_t)(v % (uint32_t)(hi - lo + 1));
  }
}

static void test_ntt_multiplication(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 14);
  for (int t = 0; t < 8; t++) {
    mldsa_poly a, b, ah, bh, r;
    int32_t want[MLDSA_N];
    random_poly(&det, &a, -(MLDSA_Q - 1), MLDSA_Q - 1);
    random_poly(&det, &b, t < 4 ? -4 : 0, t < 4 ? 4 : MLDSA_Q - 1);
    schoolbook(want, &a, &b);
    ah = a;
    bh = b;
    pqnet_mldsa_ntt(&ah);
    pqnet_mldsa_ntt(&bh);
    pqnet_mldsa_pointwise(&r, &ah, &bh);
    pqnet_mldsa_invntt_tomont(&r);
    for (int i = 0; i < MLDSA_N; i++) assert_int_equal(modq(r.c[i]), want[i]);
    /* The accumulating form over two terms: a*b + b*a. */
    mldsa_poly as[2] = {ah, bh}, bs[2] = {bh, ah};
    pqnet_mldsa_pointwise_acc(&r, as, bs, 2);
    pqnet_mldsa_invntt_tomont(&r);
    for (int i = 0; i < MLDSA_N; i++) assert_int_equal(modq(r.c[i]), modq(2 * (int64_t)want[i]));
  }
  pqnet_rng_det_free(&det);
}

static void test_sparse_products(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 15);
  for (int t = 0; t < 6; t++) {
    mldsa_poly c, s, r;
    mldsa_challenge ch;
    mldsa_ext16 x16;
    mldsa_ext32 x32;
    uint8_t seed[48];
    int32_t want[MLDSA_N];
    const unsigned tau = t % 3 == 0 ? 39 : t % 3 == 1 ? 49 : 60;
    assert_int_equal(pqnet_rng_fill(&det.rng, seed, sizeof seed), 0);
    pqnet_mldsa_sample_in_ball(&c, seed, sizeof seed, tau);
    unsigned weight = 0;
    for (int i = 0; i < MLDSA_N; i++) {
      assert_true(c.c[i] >= -1 && c.c[i] <= 1);
      weight += c.c[i] != 0;
    }
    assert_int_equal(weight, tau);
    pqnet_mldsa_challenge_from_poly(&ch, &c);
    assert_int_equal(ch.nplus + ch.nminus, tau);

    random_poly(&det, &s, -4, 4);
    schoolbook(want, &c, &s);
    pqnet_mldsa_ext16_from_poly(&x16, &s);
    pqnet_mldsa_sparse_mul16(&r, &ch, &x16);
    for (int i = 0; i < MLDSA_N; i++) {
      assert_true(r.c[i] >= -196 && r.c[i] <= 196);
      assert_int_equal(modq(r.c[i]), want[i]);
    }
    random_poly(&det, &s, -4095, 4096);
    schoolbook(want, &c, &s);
    pqnet_mldsa_ext32_from_poly(&x32, &s);
    pqnet_mldsa_sparse_mul32(&r, &ch, &x32);
    for (int i = 0; i < MLDSA_N; i++) assert_int_equal(modq(r.c[i]), want[i]);
  }
  pqnet_rng_det_free(&det);
}

static void test_bit_packing(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 16);
  const unsigned widths[] = {3, 4, 6, 10, 13, 18, 20};
  for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
    const unsigned bits = widths[w];
    uint32_t v[MLDSA_N], back[MLDSA_N];
    uint8_t buf[32 * 20];
    mldsa_poly p, q;
    uint8_t raw[4 * MLDSA_N];
    assert_int_equal(pqnet_rng_fill(&det.rng, raw, sizeof raw), 0);
    for (int i = 0; i < MLDSA_N; i++)
      v[i] = (raw[4 * i] | (uint32_t)raw[4 * i + 1] << 8 | (uint32_t)raw[4 * i + 2] << 16) &
             ((1u << bits) - 1);
    pqnet_mldsa_pack_bits(buf, v, bits);
    pqnet_mldsa_unpack_bits(back, buf, bits);
    assert_memory_equal(v, back, sizeof v);
    /* Bit order: value 0 starts at bit 0 of byte 0 (little-endian). */
    const unsigned low = bits < 8 ? bits : 8;
    assert_int_equal(buf[0] & ((1u << low) - 1), v[0] & ((1u << low) - 1));
    /* Centred form: w = b - v round-trips. */
    const int32_t b = (int32_t)1 << (bits - 1);
    for (int i = 0; i < MLDSA_N; i++) p.c[i] = b - (int32_t)v[i];
    pqnet_mldsa_pack_centered(buf, &p, b, bits);
    pqnet_mldsa_unpack_centered(&q, buf, b, bits);
    assert_memory_equal(&p, &q, sizeof p);
  }
  pqnet_rng_det_free(&det);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_all_sets),
      cmocka_unit_test(test_mldsa65_shorthands),
      cmocka_unit_test(test_context_lengths),
      cmocka_unit_test(test_wrong_lengths),
      cmocka_unit_test(test_invalid_args),
      cmocka_unit_test(test_bad_secret_key),
      cmocka_unit_test(test_rng_failure),
      cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_modified_message),
      cmocka_unit_test(test_malformed_signatures),
      cmocka_unit_test(test_hedged_and_deterministic),
      cmocka_unit_test(test_interfaces_agree),
      cmocka_unit_test(test_hash_ml_dsa),
      cmocka_unit_test(test_decompose_exhaustive),
      cmocka_unit_test(test_power2round_exhaustive),
      cmocka_unit_test(test_use_hint),
      cmocka_unit_test(test_ntt_multiplication),
      cmocka_unit_test(test_sparse_products),
      cmocka_unit_test(test_bit_packing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
