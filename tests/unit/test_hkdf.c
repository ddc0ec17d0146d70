/*
 * SHA-256, HMAC-SHA-256 and HKDF-SHA-256 wrapper tests: RFC 5869 test cases
 * 1-3 byte for byte (PRK and OKM, step by step and combined), the output
 * length limit, FIPS 180 and RFC 4231 known answers, argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hkdf.h"
#include "pqnet/error.h"
#include "vectors.h"

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

/* RFC 5869, appendix A.1-A.3 (SHA-256). Inputs are byte ranges, as the RFC
 * lists them: ikm/salt/info are `len` bytes counting up from `first`. */
typedef struct range {
  uint8_t first;
  size_t len;
  int same; /* 1: every byte is `first` */
} range;

typedef struct hkdf_case {
  const char *name;
  range ikm, salt, info;
  size_t L;
  const char *prk, *okm;
} hkdf_case;

static const hkdf_case cases[] = {
    {"RFC 5869 A.1",
     {0x0b, 22, 1},
     {0x00, 13, 0},
     {0xf0, 10, 0},
     42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"RFC 5869 A.2",
     {0x00, 80, 0},
     {0x60, 80, 0},
     {0xb0, 80, 0},
     82,
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"RFC 5869 A.3",
     {0x0b, 22, 1},
     {0x00, 0, 0},
     {0x00, 0, 0},
     42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

static void fill_range(uint8_t *out, range r) {
  for (size_t i = 0; i < r.len; i++) out[i] = (uint8_t)(r.same ? r.first : r.first + i);
}

static void test_rfc5869(void **state) {
  (void)state;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const hkdf_case *t = &cases[c];
    uint8_t ikm[80], salt[80], info[80], prk_want[32], okm_want[128], prk[32], okm[128];
    fill_range(ikm, t->ikm);
    fill_range(salt, t->salt);
    fill_range(info, t->info);
    assert_int_equal(vec_unhex(prk_want, sizeof prk_want, t->prk), 32);
    assert_int_equal(vec_unhex(okm_want, sizeof okm_want, t->okm), t->L);
    print_message("%s: L=%zu\n", t->name, t->L);

    /* Step by step; empty salt and info passed as NULL. */
    assert_int_equal(
        pqnet_hkdf_extract(prk, t->salt.len ? salt : NULL, t->salt.len, ikm, t->ikm.len), 0);
    assert_memory_equal(prk, prk_want, 32);
    memset(okm, 0xa5, sizeof okm);
    assert_int_equal(pqnet_hkdf_expand(okm, t->L, prk, t->info.len ? info : NULL, t->info.len), 0);
    assert_memory_equal(okm, okm_want, t->L);
    assert_int_equal(okm[t->L], 0xa5);

    /* Empty salt and info passed as non-NULL pointers give the same. */
    assert_int_equal(pqnet_hkdf_extract(prk, salt, t->salt.len, ikm, t->ikm.len), 0);
    assert_memory_equal(prk, prk_want, 32);

    /* Combined. */
    memset(okm, 0xa5, sizeof okm);
    assert_int_equal(pqnet_hkdf(okm, t->L, salt, t->salt.len, ikm, t->ikm.len, info, t->info.len),
                     0);
    assert_memory_equal(okm, okm_want, t->L);
    assert_int_equal(okm[t->L], 0xa5);

    /* A shorter L is a prefix of the longer output (expand is a stream). */
    uint8_t part[20];
    assert_int_equal(pqnet_hkdf_expand(part, sizeof part, prk, info, t->info.len), 0);
    assert_memory_equal(part, okm_want, sizeof part);
  }
}

/* An all-zero salt of HashLen bytes is the RFC's default for a missing salt. */
static void test_default_salt(void **state) {
  (void)state;
  uint8_t ikm[22], zeros[32] = {0}, a[32], b[32];
  memset(ikm, 0x0b, sizeof ikm);
  assert_int_equal(pqnet_hkdf_extract(a, NULL, 0, ikm, sizeof ikm), 0);
  assert_int_equal(pqnet_hkdf_extract(b, zeros, sizeof zeros, ikm, sizeof ikm), 0);
  assert_memory_equal(a, b, 32);
  /* Extract is HMAC(salt, ikm). */
  uint8_t salt[13];
  for (int i = 0; i < 13; i++) salt[i] = (uint8_t)i;
  assert_int_equal(pqnet_hkdf_extract(a, salt, sizeof salt, ikm, sizeof ikm), 0);
  assert_int_equal(pqnet_hmac_sha256(b, salt, sizeof salt, ikm, sizeof ikm), 0);
  assert_memory_equal(a, b, 32);
  /* Empty IKM is allowed and equals HMAC(salt, ""). */
  assert_int_equal(pqnet_hkdf_extract(a, salt, sizeof salt, NULL, 0), 0);
  assert_int_equal(pqnet_hmac_sha256(b, salt, sizeof salt, NULL, 0), 0);
  assert_memory_equal(a, b, 32);
}

static void test_length_limit(void **state) {
  (void)state;
  size_t max = PQNET_HKDF_MAX_OKM;
  assert_int_equal(max, 255 * 32);
  uint8_t prk[32];
  uint8_t *okm = malloc(max + 1);
  assert_non_null(okm);
  memset(prk, 0x42, sizeof prk);

  assert_int_equal(pqnet_hkdf_expand(okm, max, prk, NULL, 0), 0);
  assert_false(all_zero(okm + max - 32, 32));
  memset(okm, 0xa5, max + 1);
  assert_int_equal(pqnet_hkdf_expand(okm, max + 1, prk, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf(okm, max + 1, NULL, 0, prk, 32, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf_expand(okm, 0, prk, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf_expand(okm, (size_t)-1, prk, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(okm[0], 0xa5); /* an invalid length writes nothing */
  assert_int_equal(pqnet_hkdf(okm, max, NULL, 0, prk, 32, NULL, 0), 0);
  free(okm);
}

static void test_sha256(void **state) {
  (void)state;
  uint8_t out[32], want[32];
  /* FIPS 180-2, appendix B.1 and B.2; the empty string. */
  assert_int_equal(
      vec_unhex(want, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), 32);
  assert_int_equal(pqnet_sha256(out, (const uint8_t *)"abc", 3), 0);
  assert_memory_equal(out, want, 32);
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  assert_int_equal(
      vec_unhex(want, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), 32);
  assert_int_equal(pqnet_sha256(out, (const uint8_t *)two, strlen(two)), 0);
  assert_memory_equal(out, want, 32);
  assert_int_equal(
      vec_unhex(want, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 32);
  assert_int_equal(pqnet_sha256(out, NULL, 0), 0);
  assert_memory_equal(out, want, 32);
}

static void test_hmac_sha256(void **state) {
  (void)state;
  uint8_t out[32], want[32], key[131], data[50];
  /* RFC 4231 test case 1. */
  memset(key, 0x0b, 20);
  assert_int_equal(
      vec_unhex(want, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"), 32);
  assert_int_equal(pqnet_hmac_sha256(out, key, 20, (const uint8_t *)"Hi There", 8), 0);
  assert_memory_equal(out, want, 32);
  /* Test case 2: key shorter than the block. */
  const char *msg = "what do ya want for nothing?";
  assert_int_equal(
      vec_unhex(want, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), 32);
  assert_int_equal(
      pqnet_hmac_sha256(out, (const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg)), 0);
  assert_memory_equal(out, want, 32);
  /* Test case 3: 20 x 0xaa key, 50 x 0xdd data. */
  memset(key, 0xaa, 20);
  memset(data, 0xdd, 50);
  assert_int_equal(
      vec_unhex(want, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"), 32);
  assert_int_equal(pqnet_hmac_sha256(out, key, 20, data, 50), 0);
  assert_memory_equal(out, want, 32);
  /* Test case 6: a key longer than the block is hashed first. */
  memset(key, 0xaa, 131);
  const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
  assert_int_equal(
      vec_unhex(want, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"), 32);
  assert_int_equal(pqnet_hmac_sha256(out, key, 131, (const uint8_t *)big, strlen(big)), 0);
  assert_memory_equal(out, want, 32);
}

static void test_bad_args(void **state) {
  (void)state;
  uint8_t out[64], prk[32] = {0};
  assert_int_equal(pqnet_sha256(NULL, prk, 1), PQNET_ERR_INVALID_ARG);
  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_sha256(out, NULL, 1), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(out, 32));
  assert_int_equal(pqnet_hmac_sha256(NULL, prk, 1, prk, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hmac_sha256(out, NULL, 1, prk, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hmac_sha256(out, prk, 1, NULL, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf_extract(NULL, NULL, 0, prk, 1), PQNET_ERR_INVALID_ARG);
  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_hkdf_extract(out, NULL, 3, prk, 1), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(out, 32));
  assert_int_equal(pqnet_hkdf_extract(out, prk, 3, NULL, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf_expand(NULL, 32, prk, NULL, 0), PQNET_ERR_INVALID_ARG);
  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_hkdf_expand(out, 64, NULL, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(out, 64));
  assert_int_equal(pqnet_hkdf_expand(out, 64, prk, NULL, 2), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf(NULL, 32, NULL, 0, prk, 32, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf(out, 32, NULL, 1, prk, 32, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf(out, 32, NULL, 0, NULL, 32, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hkdf(out, 32, NULL, 0, prk, 32, NULL, 9), PQNET_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc5869),      cmocka_unit_test(test_default_salt),
      cmocka_unit_test(test_length_limit), cmocka_unit_test(test_sha256),
      cmocka_unit_test(test_hmac_sha256),  cmocka_unit_test(test_bad_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
