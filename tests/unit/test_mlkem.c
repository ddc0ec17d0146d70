/*
 * ML-KEM unit tests: the arithmetic against naive definitions (reductions,
 * NTT-based multiplication against schoolbook negacyclic multiplication,
 * compression against exact division for every input), then the KEM: round
 * trips for all three parameter sets with the deterministic generator, length
 * and argument errors, implicit rejection (a tampered ciphertext gives
 * J(z || c)), and the ek and dk input checks. Each test prints its seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/mlkem.h"
#include "crypto/mlkem_poly.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

static const pqnet_mlkem_params *const sets[3] = {&pqnet_mlkem512, &pqnet_mlkem768,
                                                  &pqnet_mlkem1024};

static int mod_q(long long a) {
  long long r = a % MLKEM_Q;
  return (int)(r < 0 ? r + MLKEM_Q : r);
}

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

/* ---- arithmetic ------------------------------------------------------------------ */

static void test_reductions(void **state) {
  (void)state;
  for (int32_t a = INT16_MIN; a <= INT16_MAX; a++) {
    int16_t r = mlkem_barrett_reduce((int16_t)a);
    assert_true(r >= -(MLKEM_Q - 1) / 2 && r <= (MLKEM_Q - 1) / 2);
    assert_int_equal(mod_q(r), mod_q(a));
  }
  /* Montgomery: r = a 2^-16 mod q, |r| < q, over a spread of |a| < 2^15 q. */
  for (int64_t a = -(int64_t)MLKEM_Q * 32768 + 1; a < (int64_t)MLKEM_Q * 32768; a += 9973) {
    int16_t r = mlkem_montgomery_reduce((int32_t)a);
    assert_true(r > -MLKEM_Q && r < MLKEM_Q);
    assert_int_equal(mod_q((long long)r * 65536), mod_q(a));
  }
  for (int64_t a = -(1 << 27) + 1; a < (1 << 27); a += 7919) {
    int16_t r = mlkem_reduce32((int32_t)a);
    assert_true(r > -MLKEM_Q / 2 - 64 && r < MLKEM_Q / 2 + 64);
    assert_int_equal(mod_q(r), mod_q(a));
  }
}

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}

/* NTT^-1(NTT(a) o NTT(b)) must equal the negacyclic schoolbook product. */
static void test_ntt_multiplication(void **state) {
  (void)state;
  uint64_t seed = 12345;
  printf("seed %llu\n", (unsigned long long)seed);
  for (int round = 0; round < 20; round++) {
    mlkem_poly a, b, an, bn, r;
    mlkem_mulcache bc;
    int want[MLKEM_N] = {0};
    for (int i = 0; i < MLKEM_N; i++) {
      a.c[i] = (int16_t)(lcg(&seed) % MLKEM_Q);      /* like a matrix entry */
      b.c[i] = (int16_t)((int)(lcg(&seed) % 7) - 3); /* like a CBD sample */
    }
    for (int i = 0; i < MLKEM_N; i++)
      for (int j = 0; j < MLKEM_N; j++) {
        int k = i + j, prod = a.c[i] * b.c[j];
        if (k < MLKEM_N)
          want[k] = mod_q(want[k] + prod);
        else
          want[k - MLKEM_N] = mod_q(want[k - MLKEM_N] - prod);
      }
    an = a;
    bn = b;
    pqnet_mlkem_poly_ntt(&an);
    pqnet_mlkem_poly_ntt(&bn);
    for (int i = 0; i < MLKEM_N; i++) {
      assert_true(bn.c[i] >= -(MLKEM_Q - 1) / 2 && bn.c[i] <= (MLKEM_Q - 1) / 2);
      an.c[i] = (int16_t)mod_q(an.c[i]); /* the left factor must be canonical */
    }
    pqnet_mlkem_poly_mulcache(&bc, &bn);
    pqnet_mlkem_polyvec_basemul_acc(&r, &an, &bn, &bc, 1);
    pqnet_mlkem_poly_invntt_tomont(&r);
    for (int i = 0; i < MLKEM_N; i++) {
      assert_true(r.c[i] > -MLKEM_Q && r.c[i] < MLKEM_Q);
      assert_int_equal(mod_q(r.c[i]), want[i]);
    }
    /* The KeyGen form, canonical and without the 2^-16: t = NTT(a) o NTT(b) + e.
     * Then u = t - e is the plain product, and the inverse (which multiplies
     * by 2^16) gives a b 2^16. */
    mlkem_poly e, t, u;
    for (int i = 0; i < MLKEM_N; i++) e.c[i] = (int16_t)((int)(lcg(&seed) % 3329) - 1664);
    pqnet_mlkem_polyvec_basemul_acc_add(&t, &an, &bn, &bc, &e, 1);
    for (int i = 0; i < MLKEM_N; i++) {
      assert_true(t.c[i] >= 0 && t.c[i] < MLKEM_Q);
      u.c[i] = (int16_t)mod_q(t.c[i] - e.c[i]);
    }
    pqnet_mlkem_poly_invntt_tomont(&u);
    for (int i = 0; i < MLKEM_N; i++)
      assert_int_equal(mod_q(u.c[i]), mod_q((long long)want[i] * 65536));
  }
}

/* NTT of a polynomial with |c| < q (the decompressed-u case) stays in range. */
static void test_ntt_bounds(void **state) {
  (void)state;
  mlkem_poly p;
  for (int s = 0; s < 4; s++) {
    for (int i = 0; i < MLKEM_N; i++) p.c[i] = (int16_t)(s % 2 ? MLKEM_Q - 1 : -(MLKEM_Q - 1));
    if (s >= 2)
      for (int i = 0; i < MLKEM_N; i += 2) p.c[i] = (int16_t)-p.c[i];
    pqnet_mlkem_poly_ntt(&p);
    for (int i = 0; i < MLKEM_N; i++)
      assert_true(p.c[i] >= -(MLKEM_Q - 1) / 2 && p.c[i] <= (MLKEM_Q - 1) / 2);
    for (int i = 0; i < MLKEM_N; i++) p.c[i] = (int16_t)(i % 2 ? MLKEM_Q - 1 : -(MLKEM_Q - 1));
    pqnet_mlkem_poly_invntt_tomont(&p);
    for (int i = 0; i < MLKEM_N; i++) assert_true(p.c[i] > -MLKEM_Q && p.c[i] < MLKEM_Q);
  }
}

/* Read value i (d bits) from a little-endian bit string. */
static unsigned get_bits(const uint8_t *buf, unsigned i, unsigned d) {
  unsigned v = 0;
  for (unsigned b = 0; b < d; b++) {
    unsigned bit = i * d + b;
    v |= (unsigned)((buf[bit / 8] >> (bit % 8)) & 1) << b;
  }
  return v;
}

/* Compress_d and Decompress_d against exact rational rounding, every input,
 * including non-canonical representatives of each x. */
static void test_compression_exact(void **state) {
  (void)state;
  static const unsigned ds[] = {1, 4, 5, 10, 11};
  for (unsigned di = 0; di < sizeof ds / sizeof ds[0]; di++) {
    unsigned d = ds[di];
    for (int base = 0; base < MLKEM_Q; base += MLKEM_N) {
      mlkem_poly p;
      uint8_t buf[32 * 11];
      for (int i = 0; i < MLKEM_N; i++) {
        int x = (base + i) % MLKEM_Q;
        p.c[i] = (int16_t)(i % 2 ? x : x - MLKEM_Q); /* both representatives */
      }
      if (d == 1)
        pqnet_mlkem_poly_tomsg(buf, &p);
      else
        pqnet_mlkem_poly_compress(buf, &p, d);
      for (int i = 0; i < MLKEM_N; i++) {
        unsigned x = (unsigned)((base + i) % MLKEM_Q);
        /* round(2^d x / q) = floor((2^d x * 2 + q) / (2 q)) */
        unsigned want = (unsigned)((((unsigned long long)x << (d + 1)) + MLKEM_Q) / (2 * MLKEM_Q)) &
                        ((1u << d) - 1);
        assert_int_equal(get_bits(buf, (unsigned)i, d), want);
      }
    }
    if (d == 1) continue;
    /* Decompress every y in [0, 2^d). */
    for (unsigned base = 0; base < (1u << d); base += MLKEM_N) {
      uint8_t buf[32 * 11] = {0};
      mlkem_poly p;
      for (unsigned i = 0; i < MLKEM_N; i++) {
        unsigned y = (base + i) & ((1u << d) - 1);
        for (unsigned b = 0; b < d; b++)
          buf[(i * d + b) / 8] |= (uint8_t)(((y >> b) & 1) << ((i * d + b) % 8));
      }
      pqnet_mlkem_poly_decompress(&p, buf, d);
      for (unsigned i = 0; i < MLKEM_N; i++) {
        unsigned y = (base + i) & ((1u << d) - 1);
        /* round(q y / 2^d), halves up */
        unsigned want = (unsigned)((2ull * MLKEM_Q * y + (1u << d)) / (2u << d));
        assert_int_equal(p.c[i], want);
      }
    }
  }
}

static void test_byte12_roundtrip(void **state) {
  (void)state;
  mlkem_poly p, q;
  uint8_t buf[MLKEM_POLYBYTES];
  for (int i = 0; i < MLKEM_N; i++) p.c[i] = (int16_t)((i * 13) % MLKEM_Q - MLKEM_Q / 2);
  pqnet_mlkem_poly_tobytes(buf, &p);
  assert_int_equal(pqnet_mlkem_poly_frombytes(&q, buf), 0);
  for (int i = 0; i < MLKEM_N; i++) assert_int_equal(q.c[i], mod_q(p.c[i]));
  assert_int_equal(pqnet_mlkem_bytes12_out_of_range(buf, sizeof buf), 0);
  buf[MLKEM_POLYBYTES - 1] = 0xd0; /* last coefficient 0xd0x = 3328 + ... >= q */
  buf[MLKEM_POLYBYTES - 2] |= 0x10;
  assert_int_equal(pqnet_mlkem_poly_frombytes(&q, buf), 1);
  assert_int_equal(pqnet_mlkem_bytes12_out_of_range(buf, sizeof buf), 1);
  assert_true(q.c[MLKEM_N - 1] >= 0 && q.c[MLKEM_N - 1] < MLKEM_Q);
}

/* ---- the KEM ---------------------------------------------------------------------- */

typedef struct keys {
  uint8_t ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES], dk[PQNET_MLKEM_MAX_SECRETKEYBYTES];
  uint8_t c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES], K1[32], K2[32];
} keys;

static void make_pair(const pqnet_mlkem_params *p, keys *x, uint64_t seed) {
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, seed);
  assert_int_equal(pqnet_mlkem_keygen(p, x->ek, x->dk, &det.rng), 0);
  assert_int_equal(pqnet_mlkem_encaps(p, x->K1, x->c, x->ek, p->ek_bytes, &det.rng), 0);
  pqnet_rng_det_free(&det);
}

static void test_roundtrip_all_sets(void **state) {
  (void)state;
  static keys x;
  for (int s = 0; s < 3; s++) {
    const pqnet_mlkem_params *p = sets[s];
    for (uint64_t seed = 1; seed <= 25; seed++) {
      make_pair(p, &x, seed * 1000 + (uint64_t)s);
      assert_int_equal(pqnet_mlkem_check_ek(p, x.ek, p->ek_bytes), 0);
      assert_int_equal(pqnet_mlkem_check_dk(p, x.dk, p->dk_bytes), 0);
      assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, p->dk_bytes, x.c, p->ct_bytes), 0);
      assert_memory_equal(x.K1, x.K2, 32);
      memset(x.K2, 0, 32);
      assert_int_equal(pqnet_mlkem_decaps_internal(p, x.K2, x.dk, p->dk_bytes, x.c, p->ct_bytes),
                       0);
      assert_memory_equal(x.K1, x.K2, 32);
      assert_false(all_zero(x.K1, 32));
    }
    printf("%s: 25 round trips, seeds 1000..25000 + %d\n", p->name, s);
  }
}

static void test_deterministic(void **state) {
  (void)state;
  static keys a, b;
  make_pair(&pqnet_mlkem768, &a, 77);
  make_pair(&pqnet_mlkem768, &b, 77);
  assert_memory_equal(a.ek, b.ek, PQNET_MLKEM768_PUBLICKEYBYTES);
  assert_memory_equal(a.dk, b.dk, PQNET_MLKEM768_SECRETKEYBYTES);
  assert_memory_equal(a.c, b.c, PQNET_MLKEM768_CIPHERTEXTBYTES);
  make_pair(&pqnet_mlkem768, &b, 78);
  assert_memory_not_equal(a.ek, b.ek, PQNET_MLKEM768_PUBLICKEYBYTES);
  /* keygen_internal(d, z) = keygen_from_g(G(d || k), z) */
  uint8_t d[33] = {9}, z[32] = {8}, g[64];
  static uint8_t ek1[1184], dk1[2400], ek2[1184], dk2[2400];
  assert_int_equal(pqnet_mlkem_keygen_internal(&pqnet_mlkem768, ek1, dk1, d, z), 0);
  d[32] = 3;
  pqnet_sha3_512(g, d, 33);
  assert_int_equal(pqnet_mlkem_keygen_from_g(&pqnet_mlkem768, ek2, dk2, g, z), 0);
  assert_memory_equal(ek1, ek2, sizeof ek1);
  assert_memory_equal(dk1, dk2, sizeof dk1);
  /* dk layout: dk_PKE || ek || H(ek) || z */
  uint8_t h[32];
  pqnet_sha3_256(h, ek1, sizeof ek1);
  assert_memory_equal(dk1 + 1152, ek1, sizeof ek1);
  assert_memory_equal(dk1 + 1152 + 1184, h, 32);
  assert_memory_equal(dk1 + 2368, z, 32);
}

static void test_wrong_lengths(void **state) {
  (void)state;
  static keys x;
  static const uint8_t m[32] = {1};
  for (int s = 0; s < 3; s++) {
    const pqnet_mlkem_params *p = sets[s];
    make_pair(p, &x, 5);
    static const long deltas[] = {-1, 1, -32, 32};
    for (int i = 0; i < 4; i++) {
      size_t ekl = (size_t)((long)p->ek_bytes + deltas[i]);
      size_t dkl = (size_t)((long)p->dk_bytes + deltas[i]);
      size_t cl = (size_t)((long)p->ct_bytes + deltas[i]);
      memset(x.K2, 0xaa, 32);
      assert_int_equal(pqnet_mlkem_check_ek(p, x.ek, ekl), PQNET_ERR_BAD_LENGTH);
      assert_int_equal(pqnet_mlkem_check_dk(p, x.dk, dkl), PQNET_ERR_BAD_LENGTH);
      assert_int_equal(pqnet_mlkem_encaps_internal(p, x.K2, x.c, x.ek, ekl, m),
                       PQNET_ERR_BAD_LENGTH);
      assert_true(all_zero(x.K2, 32));
      assert_true(all_zero(x.c, p->ct_bytes));
      memset(x.K2, 0xaa, 32);
      assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, dkl, x.c, p->ct_bytes),
                       PQNET_ERR_BAD_LENGTH);
      assert_true(all_zero(x.K2, 32));
      assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, p->dk_bytes, x.c, cl),
                       PQNET_ERR_BAD_LENGTH);
      assert_int_equal(pqnet_mlkem_decaps_internal(p, x.K2, x.dk, p->dk_bytes, x.c, cl),
                       PQNET_ERR_BAD_LENGTH);
      assert_int_equal(pqnet_mlkem_decaps_internal(p, x.K2, x.dk, dkl, x.c, p->ct_bytes),
                       PQNET_ERR_BAD_LENGTH);
    }
    /* The lengths of another parameter set are wrong too. */
    const pqnet_mlkem_params *o = sets[(s + 1) % 3];
    assert_int_equal(pqnet_mlkem_check_ek(p, x.ek, o->ek_bytes), PQNET_ERR_BAD_LENGTH);
    assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, o->dk_bytes, x.c, o->ct_bytes),
                     PQNET_ERR_BAD_LENGTH);
  }
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return PQNET_ERR_RNG;
}

static void test_bad_arguments(void **state) {
  (void)state;
  static keys x;
  static const uint8_t m[32] = {1};
  const pqnet_mlkem_params *p = &pqnet_mlkem768;
  pqnet_mlkem_params fake = pqnet_mlkem768; /* a copy is not a known set */
  pqnet_rng bad = {failing_fill, NULL};
  make_pair(p, &x, 6);
  assert_int_equal(pqnet_mlkem_keygen_internal(&fake, x.ek, x.dk, m, m), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_keygen_internal(NULL, x.ek, x.dk, m, m), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_keygen_internal(p, NULL, x.dk, m, m), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_keygen_internal(p, x.ek, x.dk, NULL, m), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_keygen(p, x.ek, x.dk, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_keygen(p, x.ek, x.dk, &bad), PQNET_ERR_RNG);
  assert_true(all_zero(x.ek, p->ek_bytes));
  assert_true(all_zero(x.dk, p->dk_bytes));
  make_pair(p, &x, 6);
  assert_int_equal(pqnet_mlkem_encaps(p, x.K2, x.c, x.ek, p->ek_bytes, &bad), PQNET_ERR_RNG);
  assert_true(all_zero(x.c, p->ct_bytes));
  assert_int_equal(pqnet_mlkem_encaps(p, x.K2, x.c, NULL, p->ek_bytes, &bad),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_encaps_internal(p, x.K2, x.c, x.ek, p->ek_bytes, NULL),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_decaps(p, NULL, x.dk, p->dk_bytes, x.c, p->ct_bytes),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_decaps(&fake, x.K2, x.dk, p->dk_bytes, x.c, p->ct_bytes),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_check_ek(p, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_mlkem_check_dk(NULL, x.dk, p->dk_bytes), PQNET_ERR_INVALID_ARG);
  assert_ptr_equal(pqnet_mlkem_params_by_name("ML-KEM-768"), p);
  assert_null(pqnet_mlkem_params_by_name("ML-KEM-769"));
  assert_null(pqnet_mlkem_params_by_name(NULL));
}

/* A tampered ciphertext decapsulates without error to J(z || c'). */
static void test_implicit_rejection(void **state) {
  (void)state;
  static keys x;
  for (int s = 0; s < 3; s++) {
    const pqnet_mlkem_params *p = sets[s];
    make_pair(p, &x, 42);
    static const size_t where[] = {0, 100, 767}; /* in c1, and the last byte (in c2) */
    for (int w = 0; w < 4; w++) {
      uint8_t c2[PQNET_MLKEM_MAX_CIPHERTEXTBYTES], J[32], zc[32 + PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
      memcpy(c2, x.c, p->ct_bytes);
      size_t pos = w < 3 ? where[w] : p->ct_bytes - 1;
      c2[pos] ^= (uint8_t)(1u << (w % 8));
      assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, p->dk_bytes, c2, p->ct_bytes), 0);
      assert_memory_not_equal(x.K1, x.K2, 32);
      memcpy(zc, x.dk + p->dk_bytes - 32, 32);
      memcpy(zc + 32, c2, p->ct_bytes);
      pqnet_shake256(J, 32, zc, 32 + p->ct_bytes);
      assert_memory_equal(x.K2, J, 32);
    }
    /* The untouched ciphertext still gives K. */
    assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, p->dk_bytes, x.c, p->ct_bytes), 0);
    assert_memory_equal(x.K1, x.K2, 32);
  }
}

/* An ek with a coefficient >= q fails the check, and encapsulation refuses it. */
static void test_modified_ek(void **state) {
  (void)state;
  static keys x;
  static const uint8_t m[32] = {3};
  for (int s = 0; s < 3; s++) {
    const pqnet_mlkem_params *p = sets[s];
    make_pair(p, &x, 7);
    pqnet_rng_det det;
    pqnet_rng_det_init_u64(&det, 8);
    /* coefficient 0 := 0xfff; then coefficient 1 of the last polynomial := 3329 */
    for (int variant = 0; variant < 2; variant++) {
      uint8_t ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES];
      memcpy(ek, x.ek, p->ek_bytes);
      if (variant == 0) {
        ek[0] = 0xff;
        ek[1] |= 0x0f;
      } else {
        size_t o = (p->k - 1) * MLKEM_POLYBYTES;
        ek[o + 1] = (uint8_t)((ek[o + 1] & 0x0f) | ((MLKEM_Q & 0x0f) << 4));
        ek[o + 2] = (uint8_t)(MLKEM_Q >> 4);
      }
      memset(x.K2, 0xaa, 32);
      assert_int_equal(pqnet_mlkem_check_ek(p, ek, p->ek_bytes), PQNET_ERR_BAD_KEY);
      assert_int_equal(pqnet_mlkem_encaps_internal(p, x.K2, x.c, ek, p->ek_bytes, m),
                       PQNET_ERR_BAD_KEY);
      assert_true(all_zero(x.K2, 32));
      assert_true(all_zero(x.c, p->ct_bytes));
      assert_int_equal(pqnet_mlkem_encaps(p, x.K2, x.c, ek, p->ek_bytes, &det.rng),
                       PQNET_ERR_BAD_KEY);
    }
    /* rho is not checked: changing it keeps the key valid. */
    x.ek[p->ek_bytes - 1] ^= 1;
    assert_int_equal(pqnet_mlkem_check_ek(p, x.ek, p->ek_bytes), 0);
    pqnet_rng_det_free(&det);
  }
}

/* A dk whose stored H(ek) does not match fails the check and decapsulation. */
static void test_modified_dk(void **state) {
  (void)state;
  static keys x;
  for (int s = 0; s < 3; s++) {
    const pqnet_mlkem_params *p = sets[s];
    make_pair(p, &x, 9);
    size_t h = p->k * MLKEM_POLYBYTES + p->ek_bytes;
    x.dk[h + 5] ^= 0x40;
    assert_int_equal(pqnet_mlkem_check_dk(p, x.dk, p->dk_bytes), PQNET_ERR_BAD_KEY);
    memset(x.K2, 0xaa, 32);
    assert_int_equal(pqnet_mlkem_decaps(p, x.K2, x.dk, p->dk_bytes, x.c, p->ct_bytes),
                     PQNET_ERR_BAD_KEY);
    assert_true(all_zero(x.K2, 32));
    x.dk[h + 5] ^= 0x40;
    x.dk[p->k * MLKEM_POLYBYTES + 3] ^= 1; /* the embedded ek */
    assert_int_equal(pqnet_mlkem_check_dk(p, x.dk, p->dk_bytes), PQNET_ERR_BAD_KEY);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reductions),       cmocka_unit_test(test_ntt_multiplication),
      cmocka_unit_test(test_ntt_bounds),       cmocka_unit_test(test_compression_exact),
      cmocka_unit_test(test_byte12_roundtrip), cmocka_unit_test(test_roundtrip_all_sets),
      cmocka_unit_test(test_deterministic),    cmocka_unit_test(test_wrong_lengths),
      cmocka_unit_test(test_bad_arguments),    cmocka_unit_test(test_implicit_rejection),
      cmocka_unit_test(test_modified_ek),      cmocka_unit_test(test_modified_dk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
