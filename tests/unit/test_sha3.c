/*
 * SHA-3/SHAKE unit tests: differential against OpenSSL's one-shot digests on
 * thousands of random inputs and lengths, incremental absorb/squeeze in
 * random chunks against one-shot, and the padding corner cases at every
 * position around a block boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "pqnet/rng.h"
#include "pqnet/sha3.h"

enum { MAX_IN = 1200, MAX_OUT = 700 };

static void openssl_digest(const char *name, const uint8_t *in, size_t inlen, uint8_t *out,
                           size_t outlen) {
  EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  assert_non_null(md);
  assert_non_null(ctx);
  assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
  assert_int_equal(EVP_DigestUpdate(ctx, in, inlen), 1);
  if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
    assert_int_equal(EVP_DigestFinalXOF(ctx, out, outlen), 1);
  } else {
    unsigned int n = 0;
    assert_int_equal(EVP_DigestFinal_ex(ctx, out, &n), 1);
    assert_int_equal(n, outlen);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
}

static uint32_t draw(pqnet_rng_det *det, uint32_t bound) {
  uint8_t b[4];
  assert_int_equal(pqnet_rng_fill(&det->rng, b, 4), 0);
  return (uint32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) % bound;
}

static void test_differential_openssl(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 202);
  static uint8_t in[MAX_IN], got[MAX_OUT], want[MAX_OUT];
  int cases = 0;
  for (int i = 0; i < 4000; i++) {
    size_t inlen = draw(&det, MAX_IN), outlen = 1 + draw(&det, MAX_OUT - 1);
    assert_int_equal(pqnet_rng_fill(&det.rng, in, inlen), 0);
    switch (i % 4) {
    case 0:
      pqnet_sha3_256(got, in, inlen);
      openssl_digest("SHA3-256", in, inlen, want, 32);
      assert_memory_equal(got, want, 32);
      break;
    case 1:
      pqnet_sha3_512(got, in, inlen);
      openssl_digest("SHA3-512", in, inlen, want, 64);
      assert_memory_equal(got, want, 64);
      break;
    case 2:
      pqnet_shake128(got, outlen, in, inlen);
      openssl_digest("SHAKE128", in, inlen, want, outlen);
      assert_memory_equal(got, want, outlen);
      break;
    case 3:
      pqnet_shake256(got, outlen, in, inlen);
      openssl_digest("SHAKE256", in, inlen, want, outlen);
      assert_memory_equal(got, want, outlen);
      break;
    }
    cases++;
  }
  assert_int_equal(cases, 4000);
  pqnet_rng_det_free(&det);
}

/* Absorb in random chunks and squeeze in random chunks; must equal one-shot. */
static void test_incremental_matches_oneshot(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 203);
  static uint8_t in[MAX_IN], got[MAX_OUT], want[MAX_OUT];
  for (int i = 0; i < 2000; i++) {
    size_t inlen = draw(&det, MAX_IN), outlen = 1 + draw(&det, MAX_OUT - 1);
    assert_int_equal(pqnet_rng_fill(&det.rng, in, inlen), 0);
    pqnet_keccak k;
    int shake128 = i % 2;
    if (shake128)
      pqnet_shake128_init(&k);
    else
      pqnet_shake256_init(&k);
    for (size_t off = 0; off < inlen;) {
      size_t n = draw(&det, 400);
      if (n > inlen - off) n = inlen - off;
      pqnet_keccak_absorb(&k, in + off, n);
      off += n;
    }
    for (size_t off = 0; off < outlen;) {
      size_t n = draw(&det, 300);
      if (n > outlen - off) n = outlen - off;
      pqnet_keccak_squeeze(&k, got + off, n);
      off += n;
    }
    if (shake128)
      pqnet_shake128(want, outlen, in, inlen);
    else
      pqnet_shake256(want, outlen, in, inlen);
    assert_memory_equal(got, want, outlen);
    pqnet_keccak_wipe(&k);
  }
  pqnet_rng_det_free(&det);
}

/* squeezeblocks continues the same stream as squeeze. */
static void test_squeezeblocks_stream(void **state) {
  (void)state;
  uint8_t a[3 * PQNET_SHAKE128_RATE + 5], b[sizeof a];
  pqnet_keccak k;
  pqnet_shake128_init(&k);
  pqnet_keccak_absorb(&k, (const uint8_t *)"seed", 4);
  pqnet_keccak_squeezeblocks(&k, a, 3);
  pqnet_keccak_squeeze(&k, a + 3 * PQNET_SHAKE128_RATE, 5);
  pqnet_shake128(b, sizeof b, (const uint8_t *)"seed", 4);
  assert_memory_equal(a, b, sizeof a);
}

/* Every input length across two block boundaries, for each rate: exercises
 * the padding when the tail lands on the block's last byte. */
static void test_padding_boundaries(void **state) {
  (void)state;
  static uint8_t in[2 * 168 + 2];
  uint8_t got[64], want[64];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7 + 1);
  for (size_t len = 0; len <= sizeof in; len++) {
    pqnet_sha3_512(got, in, len);
    openssl_digest("SHA3-512", in, len, want, 64);
    assert_memory_equal(got, want, 64);
    pqnet_shake128(got, 64, in, len);
    openssl_digest("SHAKE128", in, len, want, 64);
    assert_memory_equal(got, want, 64);
  }
}

/* Absorbing after squeezing is ignored, not silently mixed in. */
static void test_absorb_after_squeeze_ignored(void **state) {
  (void)state;
  uint8_t a[32], b[32];
  pqnet_keccak k;
  pqnet_shake256_init(&k);
  pqnet_keccak_absorb(&k, (const uint8_t *)"x", 1);
  pqnet_keccak_squeeze(&k, a, 16);
  pqnet_keccak_absorb(&k, (const uint8_t *)"y", 1);
  pqnet_keccak_squeeze(&k, a + 16, 16);
  pqnet_shake256(b, 32, (const uint8_t *)"x", 1);
  assert_memory_equal(a, b, 32);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_differential_openssl),
      cmocka_unit_test(test_incremental_matches_oneshot),
      cmocka_unit_test(test_squeezeblocks_stream),
      cmocka_unit_test(test_padding_boundaries),
      cmocka_unit_test(test_absorb_after_squeeze_ignored),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
