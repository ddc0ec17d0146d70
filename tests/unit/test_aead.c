/*
 * AES-256-GCM wrapper tests: known answers from the GCM specification
 * (McGrew and Viega, test cases 13-16, the AES-256 ones) and from NIST CAVP
 * gcmEncryptExtIV256.rsp; every kind of tampering rejected with the output
 * wiped; short inputs; in-place operation; the keyed context against the
 * one-shot functions over many nonces; argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "crypto/aead.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "vectors.h"

enum { MAX_VEC = 128 };

typedef struct gcm_vector {
  const char *name, *key, *iv, *aad, *pt, *ct, *tag;
} gcm_vector;

static const gcm_vector vectors[] = {
    /* GCM spec test case 13: empty plaintext, empty AAD. */
    {"gcm-spec-13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    /* Test case 14: one zero block of plaintext, no AAD. */
    {"gcm-spec-14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "00000000000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    /* Test case 15: 64 bytes of plaintext, no AAD. */
    {"gcm-spec-15", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    /* Test case 16: 60 bytes of plaintext (partial last block) and 20 of AAD. */
    {"gcm-spec-16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    /* CAVP gcmEncryptExtIV256 [PTlen=0][AADlen=0] Count=0. */
    {"cavp-256-96-0-0", "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
     "516c33929df5a3284ff463d7", "", "", "", "bdc1ac884d332457a1d2664f168c76f0"},
    /* CAVP gcmEncryptExtIV256 [PTlen=0][AADlen=128] Count=0: AAD only. */
    {"cavp-256-96-0-128", "78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223",
     "d79cf22d504cc793c3fb6c8a", "b96baa8c1c75a671bfb2d08d06be5f36", "", "",
     "3e5d486aa2e30b22e040b85723a06e76"},
};
enum { NVEC = sizeof vectors / sizeof vectors[0] };

/* A decoded vector. */
typedef struct bin_vector {
  uint8_t key[32], iv[12], aad[MAX_VEC], pt[MAX_VEC], ct[MAX_VEC], tag[16];
  size_t aadlen, ptlen;
} bin_vector;

static void decode(const gcm_vector *v, bin_vector *b) {
  memset(b, 0, sizeof *b);
  assert_int_equal(vec_unhex(b->key, sizeof b->key, v->key), 32);
  assert_int_equal(vec_unhex(b->iv, sizeof b->iv, v->iv), 12);
  b->aadlen = vec_unhex(b->aad, sizeof b->aad, v->aad);
  b->ptlen = vec_unhex(b->pt, sizeof b->pt, v->pt);
  assert_true(b->aadlen <= sizeof b->aad && b->ptlen <= sizeof b->pt);
  assert_int_equal(vec_unhex(b->ct, sizeof b->ct, v->ct), b->ptlen);
  assert_int_equal(vec_unhex(b->tag, sizeof b->tag, v->tag), 16);
}

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

/* ---- known answers ------------------------------------------------------------ */

static void test_known_answers(void **state) {
  (void)state;
  for (size_t i = 0; i < NVEC; i++) {
    bin_vector b;
    uint8_t sealed[MAX_VEC + 16], opened[MAX_VEC];
    decode(&vectors[i], &b);
    print_message("%s: pt %zu aad %zu\n", vectors[i].name, b.ptlen, b.aadlen);

    /* One-shot seal: ct || tag. */
    memset(sealed, 0xa5, sizeof sealed);
    assert_int_equal(pqnet_aead_seal(b.key, b.iv, b.aad, b.aadlen, b.pt, b.ptlen, sealed), 0);
    assert_memory_equal(sealed, b.ct, b.ptlen);
    assert_memory_equal(sealed + b.ptlen, b.tag, 16);
    assert_int_equal(sealed[b.ptlen + 16], 0xa5); /* nothing written past the tag */

    /* One-shot open of the expected ct || tag. */
    uint8_t in[MAX_VEC + 16];
    memcpy(in, b.ct, b.ptlen);
    memcpy(in + b.ptlen, b.tag, 16);
    memset(opened, 0xa5, sizeof opened);
    assert_int_equal(pqnet_aead_open(b.key, b.iv, b.aad, b.aadlen, in, b.ptlen + 16, opened), 0);
    assert_memory_equal(opened, b.pt, b.ptlen);
    assert_int_equal(opened[b.ptlen], 0xa5);

    /* Same through a keyed context, with NULL pointers for empty buffers. */
    pqnet_aead_ctx ctx;
    assert_int_equal(pqnet_aead_ctx_init(&ctx, b.key), 0);
    memset(sealed, 0, sizeof sealed);
    assert_int_equal(pqnet_aead_ctx_seal(&ctx, b.iv, b.aadlen ? b.aad : NULL, b.aadlen,
                                         b.ptlen ? b.pt : NULL, b.ptlen, sealed),
                     0);
    assert_memory_equal(sealed, in, b.ptlen + 16);
    assert_int_equal(pqnet_aead_ctx_open(&ctx, b.iv, b.aadlen ? b.aad : NULL, b.aadlen, in,
                                         b.ptlen + 16, b.ptlen ? opened : NULL),
                     0);
    assert_memory_equal(opened, b.pt, b.ptlen);
    pqnet_aead_ctx_free(&ctx);
  }
}

static void test_nonce_layout(void **state) {
  (void)state;
  uint8_t n[12];
  const uint8_t want[12] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  pqnet_aead_nonce_from_counter(n, 0x0102030405060708ULL);
  assert_memory_equal(n, want, 12);
  const uint8_t max[12] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  pqnet_aead_nonce_from_counter(n, UINT64_MAX);
  assert_memory_equal(n, max, 12);
  pqnet_aead_nonce_from_counter(n, 0);
  assert_true(all_zero(n, 12));
}

/* ---- tampering ---------------------------------------------------------------- */

/* Open the tampered message both ways and check AUTH with the output wiped. */
static void expect_auth_fail(const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
                             size_t aadlen, const uint8_t *in, size_t inlen) {
  uint8_t out[MAX_VEC];
  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_aead_open(key, iv, aad, aadlen, in, inlen, out), PQNET_ERR_AUTH);
  assert_true(all_zero(out, inlen - 16));
  assert_int_equal(out[inlen - 16], 0xa5); /* wiped exactly the plaintext length */
  assert_int_equal(ERR_peek_error(), 0);   /* the OpenSSL error queue is left clean */

  pqnet_aead_ctx ctx;
  assert_int_equal(pqnet_aead_ctx_init(&ctx, key), 0);
  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, aad, aadlen, in, inlen, out), PQNET_ERR_AUTH);
  assert_true(all_zero(out, inlen - 16));
  pqnet_aead_ctx_free(&ctx);
}

static void test_tamper(void **state) {
  (void)state;
  bin_vector b;
  decode(&vectors[3], &b); /* case 16: plaintext and AAD */
  uint8_t msg[MAX_VEC + 16];
  size_t len = b.ptlen + 16;
  memcpy(msg, b.ct, b.ptlen);
  memcpy(msg + b.ptlen, b.tag, 16);

  /* Every single-bit flip of the tag and of the ciphertext. */
  for (size_t bit = 0; bit < 8 * len; bit++) {
    msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg, len);
    msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  /* Every bit of the AAD and of the nonce, and a few of the key. */
  for (size_t bit = 0; bit < 8 * b.aadlen; bit++) {
    b.aad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg, len);
    b.aad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  for (size_t bit = 0; bit < 96; bit++) {
    b.iv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg, len);
    b.iv[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  for (size_t bit = 0; bit < 256; bit += 37) {
    b.key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg, len);
    b.key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  /* AAD dropped, AAD extended, message truncated by a byte, extended by one. */
  expect_auth_fail(b.key, b.iv, NULL, 0, msg, len);
  expect_auth_fail(b.key, b.iv, b.aad, b.aadlen - 1, msg, len);
  expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg + 1, len - 1);
  expect_auth_fail(b.key, b.iv, b.aad, b.aadlen, msg, len - 1);

  /* The untouched message still opens. */
  uint8_t out[MAX_VEC];
  assert_int_equal(pqnet_aead_open(b.key, b.iv, b.aad, b.aadlen, msg, len, out), 0);
  assert_memory_equal(out, b.pt, b.ptlen);
}

static void test_short_input(void **state) {
  (void)state;
  uint8_t key[32] = {0}, iv[12] = {0}, in[16] = {0}, out[16];
  for (size_t len = 0; len < 16; len++) {
    memset(out, 0xa5, sizeof out);
    assert_int_equal(pqnet_aead_open(key, iv, NULL, 0, in, len, out), PQNET_ERR_BAD_LENGTH);
    assert_int_equal(out[0], 0xa5); /* nothing written */
  }
  pqnet_aead_ctx ctx;
  assert_int_equal(pqnet_aead_ctx_init(&ctx, key), 0);
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, NULL, 0, in, 15, out), PQNET_ERR_BAD_LENGTH);
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, NULL, 0, in, 0, out), PQNET_ERR_BAD_LENGTH);
  /* Exactly a tag: an empty message. A wrong tag fails, the right one passes. */
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, NULL, 0, in, 16, NULL), PQNET_ERR_AUTH);
  bin_vector b;
  decode(&vectors[0], &b); /* case 13: all-zero key and nonce, empty */
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, NULL, 0, b.tag, 16, NULL), 0);
  pqnet_aead_ctx_free(&ctx);
}

/* ---- in-place --------------------------------------------------------------- */

static void test_in_place(void **state) {
  (void)state;
  bin_vector b;
  decode(&vectors[3], &b);
  uint8_t buf[MAX_VEC + 16];

  /* One-shot seal in place, then open in place. */
  memcpy(buf, b.pt, b.ptlen);
  assert_int_equal(pqnet_aead_seal(b.key, b.iv, b.aad, b.aadlen, buf, b.ptlen, buf), 0);
  assert_memory_equal(buf, b.ct, b.ptlen);
  assert_memory_equal(buf + b.ptlen, b.tag, 16);
  assert_int_equal(pqnet_aead_open(b.key, b.iv, b.aad, b.aadlen, buf, b.ptlen + 16, buf), 0);
  assert_memory_equal(buf, b.pt, b.ptlen);

  /* The same through a context. */
  pqnet_aead_ctx ctx;
  assert_int_equal(pqnet_aead_ctx_init(&ctx, b.key), 0);
  assert_int_equal(pqnet_aead_ctx_seal(&ctx, b.iv, b.aad, b.aadlen, buf, b.ptlen, buf), 0);
  assert_memory_equal(buf, b.ct, b.ptlen);
  assert_memory_equal(buf + b.ptlen, b.tag, 16);
  assert_int_equal(pqnet_aead_ctx_open(&ctx, b.iv, b.aad, b.aadlen, buf, b.ptlen + 16, buf), 0);
  assert_memory_equal(buf, b.pt, b.ptlen);

  /* A failed in-place open leaves zeros, not ciphertext or plaintext. */
  assert_int_equal(pqnet_aead_ctx_seal(&ctx, b.iv, b.aad, b.aadlen, buf, b.ptlen, buf), 0);
  buf[b.ptlen + 3] ^= 1;
  assert_int_equal(pqnet_aead_ctx_open(&ctx, b.iv, b.aad, b.aadlen, buf, b.ptlen + 16, buf),
                   PQNET_ERR_AUTH);
  assert_true(all_zero(buf, b.ptlen));
  pqnet_aead_ctx_free(&ctx);
}

/* ---- context reuse ----------------------------------------------------------- */

static void test_ctx_matches_one_shot(void **state) {
  (void)state;
  enum { N = 600, MAXLEN = 5000 };
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 0xae5);
  uint8_t key[32], aad[64];
  uint8_t *pt = malloc(MAXLEN), *a = malloc(MAXLEN + 16), *c = malloc(MAXLEN + 16),
          *back = malloc(MAXLEN);
  assert_non_null(pt);
  assert_non_null(a);
  assert_non_null(c);
  assert_non_null(back);
  assert_int_equal(pqnet_rng_fill(&det.rng, key, sizeof key), 0);

  pqnet_aead_ctx enc, dec;
  assert_int_equal(pqnet_aead_ctx_init(&enc, key), 0);
  assert_int_equal(pqnet_aead_ctx_init(&dec, key), 0);
  for (uint64_t ctr = 0; ctr < N; ctr++) {
    uint8_t nonce[12], lenb[4];
    pqnet_aead_nonce_from_counter(nonce, ctr * 0x9e3779b97f4a7c15ULL);
    assert_int_equal(pqnet_rng_fill(&det.rng, lenb, sizeof lenb), 0);
    /* Mostly small frames, sometimes large ones, always including 0 and the
     * lengths around a block boundary. */
    size_t ptlen = ctr < 40 ? (size_t)ctr : (lenb[0] | (size_t)lenb[1] << 8) % MAXLEN;
    size_t aadlen = lenb[2] % (sizeof aad + 1);
    assert_int_equal(pqnet_rng_fill(&det.rng, pt, ptlen), 0);
    assert_int_equal(pqnet_rng_fill(&det.rng, aad, aadlen), 0);

    assert_int_equal(pqnet_aead_seal(key, nonce, aad, aadlen, pt, ptlen, a), 0);
    assert_int_equal(pqnet_aead_ctx_seal(&enc, nonce, aad, aadlen, pt, ptlen, c), 0);
    assert_memory_equal(a, c, ptlen + 16);

    /* The same context opens too (a context serves both directions), and a
     * separate one, alternating with failures that must not disturb it. */
    assert_int_equal(pqnet_aead_ctx_open(&enc, nonce, aad, aadlen, c, ptlen + 16, back), 0);
    assert_memory_equal(back, pt, ptlen);
    c[ptlen] ^= 0x80;
    assert_int_equal(pqnet_aead_ctx_open(&dec, nonce, aad, aadlen, c, ptlen + 16, back),
                     PQNET_ERR_AUTH);
    c[ptlen] ^= 0x80;
    assert_int_equal(pqnet_aead_ctx_open(&dec, nonce, aad, aadlen, c, ptlen + 16, back), 0);
    assert_memory_equal(back, pt, ptlen);
    assert_int_equal(pqnet_aead_open(key, nonce, aad, aadlen, c, ptlen + 16, back), 0);
    assert_memory_equal(back, pt, ptlen);
  }

  /* Rekey: the context then matches the one-shot under the new key. */
  uint8_t key2[32], nonce[12];
  assert_int_equal(pqnet_rng_fill(&det.rng, key2, sizeof key2), 0);
  pqnet_aead_nonce_from_counter(nonce, 7);
  assert_int_equal(pqnet_aead_ctx_rekey(&enc, key2), 0);
  assert_int_equal(pqnet_aead_ctx_seal(&enc, nonce, aad, 10, pt, 100, c), 0);
  assert_int_equal(pqnet_aead_seal(key2, nonce, aad, 10, pt, 100, a), 0);
  assert_memory_equal(a, c, 116);
  assert_int_equal(pqnet_aead_ctx_open(&dec, nonce, aad, 10, c, 116, back), PQNET_ERR_AUTH);

  pqnet_aead_ctx_free(&enc);
  pqnet_aead_ctx_free(&dec);
  assert_null(enc.evp);
  pqnet_rng_det_free(&det);
  free(pt);
  free(a);
  free(c);
  free(back);
}

/* A multi-megabyte message (several internal update calls are not needed for
 * correctness, but the size path through the wrapper is). */
static void test_large_round_trip(void **state) {
  (void)state;
  size_t len = (size_t)3 << 20;
  uint8_t key[32] = {1}, nonce[12] = {2};
  uint8_t *buf = malloc(len + 16), *copy = malloc(len);
  assert_non_null(buf);
  assert_non_null(copy);
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 131 + 7);
  memcpy(copy, buf, len);
  assert_int_equal(pqnet_aead_seal(key, nonce, NULL, 0, buf, len, buf), 0);
  assert_true(memcmp(buf, copy, 4096) != 0);
  assert_int_equal(pqnet_aead_open(key, nonce, NULL, 0, buf, len + 16, buf), 0);
  assert_memory_equal(buf, copy, len);
  free(buf);
  free(copy);
}

/* ---- arguments --------------------------------------------------------------- */

static void test_bad_args(void **state) {
  (void)state;
  uint8_t key[32] = {0}, iv[12] = {0}, pt[8] = {1, 2, 3}, out[8 + 16], in[32] = {0};

  memset(out, 0xa5, sizeof out);
  assert_int_equal(pqnet_aead_seal(NULL, iv, NULL, 0, pt, 8, out), PQNET_ERR_INVALID_ARG);
  assert_true(all_zero(out, sizeof out)); /* a failed seal leaves no plaintext behind */
  assert_int_equal(pqnet_aead_seal(key, NULL, NULL, 0, pt, 8, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_seal(key, iv, NULL, 5, pt, 8, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_seal(key, iv, NULL, 0, NULL, 8, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_seal(key, iv, NULL, 0, pt, 8, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_open(NULL, iv, NULL, 0, in, 32, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_open(key, NULL, NULL, 0, in, 32, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_open(key, iv, NULL, 1, in, 32, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_open(key, iv, NULL, 0, NULL, 32, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_open(key, iv, NULL, 0, in, 32, NULL), PQNET_ERR_INVALID_ARG);
  /* Beyond GCM's limit for one nonce (checked before anything is read). */
  size_t huge = (size_t)PQNET_AEAD_MAX_PT + 1;
  if ((uint64_t)huge == PQNET_AEAD_MAX_PT + 1) {
    assert_int_equal(pqnet_aead_seal(key, iv, NULL, 0, pt, huge, out), PQNET_ERR_TOO_LARGE);
    assert_int_equal(pqnet_aead_open(key, iv, NULL, 0, in, huge + 16, out), PQNET_ERR_TOO_LARGE);
  }

  /* Contexts: NULL, never initialised (zeroed), freed twice. */
  pqnet_aead_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  assert_int_equal(pqnet_aead_ctx_init(NULL, key), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_ctx_init(&ctx, NULL), PQNET_ERR_INVALID_ARG);
  assert_null(ctx.evp);
  assert_int_equal(pqnet_aead_ctx_seal(&ctx, iv, NULL, 0, pt, 8, out), PQNET_ERR_STATE);
  assert_int_equal(pqnet_aead_ctx_open(&ctx, iv, NULL, 0, in, 32, out), PQNET_ERR_STATE);
  assert_int_equal(pqnet_aead_ctx_rekey(&ctx, key), PQNET_ERR_STATE);
  assert_int_equal(pqnet_aead_ctx_seal(NULL, iv, NULL, 0, pt, 8, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_ctx_open(NULL, iv, NULL, 0, in, 32, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_ctx_rekey(NULL, key), PQNET_ERR_INVALID_ARG);
  pqnet_aead_ctx_free(&ctx);
  pqnet_aead_ctx_free(NULL);
  assert_int_equal(pqnet_aead_ctx_init(&ctx, key), 0);
  assert_int_equal(pqnet_aead_ctx_rekey(&ctx, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_ctx_seal(&ctx, NULL, NULL, 0, pt, 8, out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_aead_ctx_seal(&ctx, iv, NULL, 0, pt, 8, out), 0);
  pqnet_aead_ctx_free(&ctx);
  pqnet_aead_ctx_free(&ctx);
  assert_null(ctx.evp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),    cmocka_unit_test(test_nonce_layout),
      cmocka_unit_test(test_tamper),           cmocka_unit_test(test_short_input),
      cmocka_unit_test(test_in_place),         cmocka_unit_test(test_ctx_matches_one_shot),
      cmocka_unit_test(test_large_round_trip), cmocka_unit_test(test_bad_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
