/*
 * Injected RNG tests: the deterministic generator is a reproducible stream
 * (equal seeds, equal bytes; any chunking, same stream; defined as SHAKE256
 * over the label and seed), the system generator produces bytes, and
 * pqnet_rng_fill validates its arguments and never leaves a partial fill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

enum { STREAM = 4096 };

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

static void stream_from_seed(const uint8_t seed[32], uint8_t *out, size_t len) {
  pqnet_rng_det det;
  pqnet_rng_det_init(&det, seed);
  assert_int_equal(pqnet_rng_fill(&det.rng, out, len), 0);
  pqnet_rng_det_free(&det);
}

static void test_det_reproducible(void **state) {
  (void)state;
  uint8_t seed[32], a[STREAM], b[STREAM];
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(i * 7 + 1);
  stream_from_seed(seed, a, sizeof a);
  stream_from_seed(seed, b, sizeof b);
  assert_memory_equal(a, b, sizeof a);
  assert_false(all_zero(a, 64));

  pqnet_rng_det d1, d2;
  pqnet_rng_det_init_u64(&d1, 12345);
  pqnet_rng_det_init_u64(&d2, 12345);
  assert_int_equal(pqnet_rng_fill(&d1.rng, a, sizeof a), 0);
  assert_int_equal(pqnet_rng_fill(&d2.rng, b, sizeof b), 0);
  assert_memory_equal(a, b, sizeof a);
  pqnet_rng_det_free(&d1);
  pqnet_rng_det_free(&d2);
}

static void test_det_seeds_differ(void **state) {
  (void)state;
  uint8_t seed[32] = {0}, a[64], b[64];
  stream_from_seed(seed, a, sizeof a);
  seed[31] ^= 1; /* one bit */
  stream_from_seed(seed, b, sizeof b);
  assert_memory_not_equal(a, b, sizeof a);

  pqnet_rng_det d;
  uint64_t seeds[] = {0, 1, 2, 1ULL << 63, UINT64_MAX};
  uint8_t prev[64] = {0};
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    pqnet_rng_det_init_u64(&d, seeds[i]);
    assert_int_equal(pqnet_rng_fill(&d.rng, a, sizeof a), 0);
    pqnet_rng_det_free(&d);
    if (i > 0) assert_memory_not_equal(a, prev, sizeof a);
    memcpy(prev, a, sizeof a);
  }
}

/* The stream definition is part of the interface: tools outside C may
 * regenerate a simulator run from its printed seed. */
static void test_det_definition(void **state) {
  (void)state;
  uint8_t in[16 + 32], want[300], got[300], seed[32] = {0};
  memcpy(in, "pqnet-det-rng-v1", 16);
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(0xc0 + i);
  memcpy(in + 16, seed, 32);
  pqnet_shake256(want, sizeof want, in, sizeof in);
  stream_from_seed(seed, got, sizeof got);
  assert_memory_equal(got, want, sizeof got);

  /* init_u64(s) is init(le64(s) || 24 zero bytes). */
  uint64_t s = 0x0123456789abcdefULL;
  memset(seed, 0, sizeof seed);
  for (int i = 0; i < 8; i++) seed[i] = (uint8_t)(s >> (8 * i));
  stream_from_seed(seed, want, sizeof want);
  pqnet_rng_det d;
  pqnet_rng_det_init_u64(&d, s);
  assert_int_equal(pqnet_rng_fill(&d.rng, got, sizeof got), 0);
  pqnet_rng_det_free(&d);
  assert_memory_equal(got, want, sizeof got);
}

static void test_det_chunked_equals_one_fill(void **state) {
  (void)state;
  uint8_t seed[32], whole[STREAM], parts[STREAM];
  memset(seed, 0x5a, sizeof seed);
  stream_from_seed(seed, whole, sizeof whole);

  /* Chunk sizes that cross the 136-byte SHAKE256 block at every offset,
   * including empty fills. */
  static const size_t sizes[] = {0, 1, 2, 3, 7, 135, 136, 137, 0, 272, 13, 1, 500, 64, 1000};
  pqnet_rng_det det;
  pqnet_rng_det_init(&det, seed);
  size_t off = 0;
  for (size_t i = 0; off < sizeof parts; i = (i + 1) % (sizeof sizes / sizeof sizes[0])) {
    size_t n = sizes[i];
    if (n > sizeof parts - off) n = sizeof parts - off;
    assert_int_equal(pqnet_rng_fill(&det.rng, parts + off, n), 0);
    off += n;
  }
  assert_memory_equal(parts, whole, sizeof whole);

  /* Calling the callback directly (as protocol code does) continues the
   * same stream. */
  uint8_t more[40], want[STREAM + 40];
  assert_int_equal(det.rng.fill(det.rng.ctx, more, sizeof more), 0);
  stream_from_seed(seed, want, sizeof want);
  assert_memory_equal(more, want + STREAM, sizeof more);

  pqnet_rng_det_free(&det);
  assert_true(all_zero((const uint8_t *)&det, sizeof det)); /* free wipes */
}

static void test_system(void **state) {
  (void)state;
  const pqnet_rng *sys = pqnet_rng_system();
  assert_non_null(sys);
  assert_ptr_equal(sys, pqnet_rng_system()); /* static */
  uint8_t a[64] = {0}, b[64] = {0};
  assert_int_equal(pqnet_rng_fill(sys, a, sizeof a), 0);
  assert_int_equal(pqnet_rng_fill(sys, b, sizeof b), 0);
  /* 2^-512 chance of a false failure each. */
  assert_false(all_zero(a, sizeof a));
  assert_memory_not_equal(a, b, sizeof a);
  /* A larger fill and an empty one. */
  uint8_t *big = calloc(1, 1 << 20);
  assert_non_null(big);
  assert_int_equal(pqnet_rng_fill(sys, big, 1 << 20), 0);
  assert_false(all_zero(big + (1 << 20) - 64, 64));
  free(big);
  assert_int_equal(pqnet_rng_fill(sys, NULL, 0), 0);
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
  int *calls = ctx;
  (*calls)++;
  memset(buf, 0x77, len / 2); /* a partial fill before failing */
  return PQNET_ERR_RNG;
}

static int odd_code_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  memset(buf, 0x77, len);
  return 5; /* not a pqnet code: still a failure */
}

static void test_fill_errors(void **state) {
  (void)state;
  uint8_t buf[64];
  memset(buf, 0xa5, sizeof buf);
  assert_int_equal(pqnet_rng_fill(NULL, buf, sizeof buf), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(buf, sizeof buf));
  pqnet_rng no_fn = {NULL, NULL};
  memset(buf, 0xa5, sizeof buf);
  assert_int_equal(pqnet_rng_fill(&no_fn, buf, sizeof buf), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(buf, sizeof buf));
  assert_int_equal(pqnet_rng_fill(pqnet_rng_system(), NULL, 8), PQNET_ERR_INVALID_ARG);

  int calls = 0;
  pqnet_rng bad = {failing_fill, &calls};
  memset(buf, 0xa5, sizeof buf);
  assert_int_equal(pqnet_rng_fill(&bad, buf, sizeof buf), PQNET_ERR_RNG);
  assert_int_equal(calls, 1);
  assert_true(all_zero(buf, sizeof buf)); /* never partly filled */

  pqnet_rng odd = {odd_code_fill, NULL};
  memset(buf, 0xa5, sizeof buf);
  assert_int_equal(pqnet_rng_fill(&odd, buf, sizeof buf), PQNET_ERR_RNG);
  assert_true(all_zero(buf, sizeof buf));

  pqnet_rng_det_free(NULL); /* harmless */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_det_reproducible), cmocka_unit_test(test_det_seeds_differ),
      cmocka_unit_test(test_det_definition),   cmocka_unit_test(test_det_chunked_equals_one_fill),
      cmocka_unit_test(test_system),           cmocka_unit_test(test_fill_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
