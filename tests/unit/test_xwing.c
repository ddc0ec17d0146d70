/*
 * X-Wing and X25519 unit tests: RFC 7748 section 6.1 values through the
 * X25519 wrapper and its small-order rejection; X-Wing round trips with the
 * deterministic generator (seed printed), the expanded-key path, corrupted
 * ciphertexts (a different ss, not an error), bad keys and wrong lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/xwing.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"

static void unhex(uint8_t *out, const char *hex) {
  for (size_t i = 0; hex[2 * i]; i++) {
    unsigned v;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
}

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

static void test_x25519_rfc7748(void **state) {
  (void)state;
  uint8_t a_sk[32], a_pk[32], b_sk[32], b_pk[32], want[32], got[32], ss1[32], ss2[32];
  unhex(a_sk, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  unhex(a_pk, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  unhex(b_sk, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  unhex(b_pk, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  unhex(want, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  assert_int_equal(pqnet_x25519_public(got, a_sk), 0);
  assert_memory_equal(got, a_pk, 32);
  assert_int_equal(pqnet_x25519_public(got, b_sk), 0);
  assert_memory_equal(got, b_pk, 32);
  assert_int_equal(pqnet_x25519_shared(ss1, a_sk, b_pk), 0);
  assert_int_equal(pqnet_x25519_public_shared(got, ss2, b_sk, a_pk), 0);
  assert_memory_equal(ss1, want, 32);
  assert_memory_equal(ss2, want, 32);
  assert_memory_equal(got, b_pk, 32);
}

static void test_x25519_small_order(void **state) {
  (void)state;
  uint8_t sk[32], pk[32], ss[32], low[32] = {0};
  memset(sk, 0x42, sizeof sk);
  /* 0 and 1 are points of small order; so is p - 1 = 0x7f..ec. */
  for (int v = 0; v < 3; v++) {
    memset(low, 0, sizeof low);
    if (v == 1) low[0] = 1;
    if (v == 2) {
      memset(low, 0xff, sizeof low);
      low[0] = 0xec;
      low[31] = 0x7f;
    }
    memset(ss, 0xaa, sizeof ss);
    memset(pk, 0xaa, sizeof pk);
    assert_int_equal(pqnet_x25519_shared(ss, sk, low), PQNET_ERR_BAD_KEY);
    assert_true(all_zero(ss, 32));
    assert_int_equal(pqnet_x25519_public_shared(pk, ss, sk, low), PQNET_ERR_BAD_KEY);
    assert_true(all_zero(pk, 32));
  }
  assert_int_equal(pqnet_x25519_public(NULL, sk), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_x25519_shared(ss, NULL, low), PQNET_ERR_INVALID_ARG);
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 1);
  assert_int_equal(pqnet_x25519_keypair(pk, sk, &det.rng), 0);
  assert_int_equal(pqnet_x25519_public(ss, sk), 0);
  assert_memory_equal(ss, pk, 32);
  pqnet_rng_det_free(&det);
}

typedef struct xw {
  uint8_t sk[32], pk[PQNET_XWING_PUBLICKEYBYTES], ct[PQNET_XWING_CIPHERTEXTBYTES];
  uint8_t ss1[32], ss2[32];
} xw;

static void make(xw *x, uint64_t seed) {
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, seed);
  assert_int_equal(pqnet_xwing_keygen(x->pk, x->sk, &det.rng), 0);
  assert_int_equal(pqnet_xwing_encaps(x->ss1, x->ct, x->pk, sizeof x->pk, &det.rng), 0);
  pqnet_rng_det_free(&det);
}

static void test_roundtrip(void **state) {
  (void)state;
  static xw x;
  static pqnet_xwing_dk dk;
  uint8_t pk2[PQNET_XWING_PUBLICKEYBYTES];
  for (uint64_t seed = 100; seed < 110; seed++) {
    make(&x, seed);
    assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct, x.sk, sizeof x.sk), 0);
    assert_memory_equal(x.ss1, x.ss2, 32);
    assert_int_equal(pqnet_xwing_dk_init(&dk, pk2, x.sk), 0);
    assert_memory_equal(pk2, x.pk, sizeof pk2);
    memset(x.ss2, 0, 32);
    assert_int_equal(pqnet_xwing_decaps_dk(x.ss2, &dk, x.ct, sizeof x.ct), 0);
    assert_memory_equal(x.ss1, x.ss2, 32);
    assert_int_equal(pqnet_xwing_keygen_derand(pk2, x.sk), 0);
    assert_memory_equal(pk2, x.pk, sizeof pk2);
    pqnet_xwing_dk_free(&dk);
    assert_true(all_zero((const uint8_t *)&dk, sizeof dk));
  }
  printf("X-Wing: 10 round trips, seeds 100..109\n");
}

/* Corrupting either half of ct changes ss without an error. */
static void test_corrupted_ct(void **state) {
  (void)state;
  static xw x;
  make(&x, 200);
  static const size_t where[] = {0, 500, 1087, 1088, 1100, 1118};
  for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
    x.ct[where[i]] ^= 0x04;
    assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct, x.sk, sizeof x.sk), 0);
    assert_memory_not_equal(x.ss1, x.ss2, 32);
    x.ct[where[i]] ^= 0x04;
  }
  assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct, x.sk, sizeof x.sk), 0);
  assert_memory_equal(x.ss1, x.ss2, 32);
  /* A wrong secret key gives a different ss too. */
  x.sk[0] ^= 1;
  assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct, x.sk, sizeof x.sk), 0);
  assert_memory_not_equal(x.ss1, x.ss2, 32);
}

static void test_bad_inputs(void **state) {
  (void)state;
  static xw x;
  static const uint8_t eseed[64] = {5};
  make(&x, 300);
  /* ct_X of small order (zero): rejected. */
  uint8_t ct[PQNET_XWING_CIPHERTEXTBYTES];
  memcpy(ct, x.ct, sizeof ct);
  memset(ct + 1088, 0, 32);
  memset(x.ss2, 0xaa, 32);
  assert_int_equal(pqnet_xwing_decaps(x.ss2, ct, sizeof ct, x.sk, sizeof x.sk), PQNET_ERR_BAD_KEY);
  assert_true(all_zero(x.ss2, 32));
  /* ek_M failing the modulus check, and pk_X of small order. */
  uint8_t pk[PQNET_XWING_PUBLICKEYBYTES];
  memcpy(pk, x.pk, sizeof pk);
  pk[0] = 0xff;
  pk[1] |= 0x0f;
  assert_int_equal(pqnet_xwing_encaps_derand(x.ss2, ct, pk, sizeof pk, eseed), PQNET_ERR_BAD_KEY);
  assert_true(all_zero(ct, sizeof ct));
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 301);
  assert_int_equal(pqnet_xwing_encaps(x.ss2, ct, pk, sizeof pk, &det.rng), PQNET_ERR_BAD_KEY);
  memcpy(pk, x.pk, sizeof pk);
  memset(pk + 1184, 0, 32);
  assert_int_equal(pqnet_xwing_encaps_derand(x.ss2, ct, pk, sizeof pk, eseed), PQNET_ERR_BAD_KEY);
  /* Wrong lengths. */
  assert_int_equal(pqnet_xwing_encaps(x.ss2, ct, x.pk, sizeof x.pk - 1, &det.rng),
                   PQNET_ERR_BAD_LENGTH);
  assert_int_equal(pqnet_xwing_encaps_derand(x.ss2, ct, x.pk, sizeof x.pk + 1, eseed),
                   PQNET_ERR_BAD_LENGTH);
  assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct - 1, x.sk, sizeof x.sk),
                   PQNET_ERR_BAD_LENGTH);
  assert_int_equal(pqnet_xwing_decaps(x.ss2, x.ct, sizeof x.ct, x.sk, 31), PQNET_ERR_BAD_LENGTH);
  static pqnet_xwing_dk dk;
  assert_int_equal(pqnet_xwing_dk_init(&dk, NULL, x.sk), 0);
  assert_int_equal(pqnet_xwing_decaps_dk(x.ss2, &dk, x.ct, sizeof x.ct + 1), PQNET_ERR_BAD_LENGTH);
  assert_int_equal(pqnet_xwing_decaps_dk(x.ss2, NULL, x.ct, sizeof x.ct), PQNET_ERR_INVALID_ARG);
  pqnet_xwing_dk_free(&dk);
  assert_int_equal(pqnet_xwing_keygen(x.pk, x.sk, NULL), PQNET_ERR_INVALID_ARG);
  pqnet_rng_det_free(&det);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_x25519_rfc7748), cmocka_unit_test(test_x25519_small_order),
      cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_corrupted_ct),
      cmocka_unit_test(test_bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
