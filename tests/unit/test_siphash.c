/*
 * SipHash-2-4: the known answers of the SipHash paper (key 00..0f, message
 * 00..n-1, for the empty and the 15-byte message), then a differential test
 * against OpenSSL's SIPHASH MAC (8-byte output, 2-4 rounds) over every
 * length 0-64 and random keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/mem.h"
#include "crypto/siphash.h"

static void test_known_answers(void **state) {
  (void)state;
  uint8_t key[16], msg[64];
  for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
  for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
  assert_true(pqnet_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
  assert_true(pqnet_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
  /* The key and every message byte matter. */
  assert_true(pqnet_siphash24(key, msg, 14) != pqnet_siphash24(key, msg, 15));
  key[15] ^= 1;
  assert_true(pqnet_siphash24(key, msg, 15) != 0xa129ca6149be45e5ull);
}

static uint64_t openssl_siphash(const uint8_t key[16], const uint8_t *msg, size_t len) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
  assert_non_null(mac);
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
  assert_non_null(ctx);
  size_t size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_end()};
  uint8_t out[16];
  size_t outlen = 0;
  assert_int_equal(EVP_MAC_init(ctx, key, 16, params), 1);
  assert_int_equal(EVP_MAC_update(ctx, msg, len), 1);
  assert_int_equal(EVP_MAC_final(ctx, out, &outlen, sizeof out), 1);
  assert_int_equal(outlen, 8);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return pqnet_load64_le(out);
}

static void test_against_openssl(void **state) {
  (void)state;
  uint64_t x = 0x243f6a8885a308d3ull;
  uint8_t key[16], msg[64];
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)((x = x * 6364136223846793005ull + 1) >> 56);
    for (int i = 0; i < 64; i++) msg[i] = (uint8_t)((x = x * 6364136223846793005ull + 1) >> 56);
    for (size_t len = 0; len <= 64; len++)
      assert_true(pqnet_siphash24(key, msg, len) == openssl_siphash(key, msg, len));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_against_openssl),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
