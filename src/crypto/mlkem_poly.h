/*
 * ML-KEM (FIPS 203) polynomial arithmetic: internal to src/crypto/mlkem*.c.
 *
 * Polynomials of R_q = Z_q[X]/(X^256 + 1), q = 3329, held as 256 signed 16-bit
 * coefficients. Every function states the coefficient bound it expects and the
 * bound it guarantees; "|c| < B" means every coefficient lies in (-B, B).
 * Canonical means 0 <= c < q.
 *
 * Arithmetic: Montgomery multiplication with R = 2^16 and signed Barrett
 * reduction. The NTT twiddles are 17^BitRev7(i) (FIPS 203 section 4.3) in
 * Montgomery form, each with its product by q^-1 mod 2^16 precomputed, so a
 * multiplication by a constant is two high-half and one low-half 16-bit
 * multiplication (compilers vectorise that form).
 *
 * Constant time: no function here branches on, or indexes memory with,
 * coefficient values, except the rejection sampler pqnet_mlkem_poly_uniform,
 * whose input (the public seed rho) is public.
 */
#ifndef PQNET_CRYPTO_MLKEM_POLY_H
#define PQNET_CRYPTO_MLKEM_POLY_H

#include <stddef.h>
#include <stdint.h>

#define MLKEM_N        256
#define MLKEM_Q        3329
#define MLKEM_KMAX     4
#define MLKEM_SYMBYTES 32
/* ByteEncode_12 of one polynomial. */
#define MLKEM_POLYBYTES 384

typedef struct mlkem_poly {
  int16_t c[MLKEM_N];
} mlkem_poly;

/*
 * The reusable half of a base-case multiplication (FIPS 203 Algorithm 12):
 * for each pair (b[2i], b[2i+1]) of an NTT-domain polynomial b, the product
 * b[2i+1] * gamma_i with gamma_i = 17^(2 BitRev7(i) + 1). Computed once per
 * polynomial and reused across a matrix row or column.
 */
typedef struct mlkem_mulcache {
  int16_t c[MLKEM_N / 2];
} mlkem_mulcache;

/* ---- scalar helpers -------------------------------------------------------- */

/* q^-1 mod 2^16 */
#define MLKEM_QINV 62209u

/* a * 2^-16 mod q for |a| < 2^15 q; result |r| < q. */
static inline int16_t mlkem_montgomery_reduce(int32_t a) {
  int16_t t = (int16_t)(uint16_t)((uint32_t)a * MLKEM_QINV);
  return (int16_t)((a - (int32_t)t * MLKEM_Q) >> 16);
}

/* Centred representative of a mod q: |r| <= (q-1)/2 for every int16 a.
 * 20159 = round(2^26 / q). */
static inline int16_t mlkem_barrett_reduce(int16_t a) {
  int32_t t = (20159 * (int32_t)a + (1 << 25)) >> 26;
  return (int16_t)(a - t * MLKEM_Q);
}

/* Representative of a mod q with |r| < q/2 + 64 (so |r| < q), for |a| < 2^27.
 * 1290168 = round(2^32 / q); the quotient estimate is off by at most 0.019, so
 * only values within 0.019 q of the half-way point move. */
static inline int16_t mlkem_reduce32(int32_t a) {
  int32_t t = (int32_t)(((int64_t)a * 1290168 + ((int64_t)1 << 31)) >> 32);
  return (int16_t)(a - t * MLKEM_Q);
}

/* For -q <= a < q: the canonical representative (a + q when a < 0). */
static inline int16_t mlkem_caddq(int16_t a) {
  return (int16_t)(a + ((a >> 15) & MLKEM_Q));
}

/* ---- polynomial operations (mlkem_poly.c) ------------------------------- */

/* Forward NTT (FIPS 203 Algorithm 9) in place. In: |c| < q. Out: |c| <= (q-1)/2
 * (a final pass Barrett-reduces), standard (not Montgomery) domain. */
void pqnet_mlkem_poly_ntt(mlkem_poly *p);

/* Inverse NTT (FIPS 203 Algorithm 10) in place, times 2^16: undoes the 2^-16
 * left by pqnet_mlkem_polyvec_basemul_acc. In: |c| < q. Out: |c| < q. */
void pqnet_mlkem_poly_invntt_tomont(mlkem_poly *p);

/* Cache for b (NTT domain, |c| < 2^15): see mlkem_mulcache. Out: |c| < q. */
void pqnet_mlkem_poly_mulcache(mlkem_mulcache *x, const mlkem_poly *b);

/*
 * r = sum_{j<k} a[j] o b[j] (NTT-domain products, FIPS 203 Algorithm 11),
 * times 2^-16. Requires 0 <= a < q (uniform samples or decoded keys),
 * |b| <= (q+1)/2, bc the mulcache of b. Out: |c| < q.
 */
void pqnet_mlkem_polyvec_basemul_acc(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b,
                                     const mlkem_mulcache *bc, unsigned k);

/* Same product without the 2^-16 factor, plus e: r = sum a[j] o b[j] + e,
 * canonical output (0 <= c < q). For KeyGen's t = A s + e. |e| <= (q+1)/2. */
void pqnet_mlkem_polyvec_basemul_acc_add(mlkem_poly *r, const mlkem_poly *a, const mlkem_poly *b,
                                         const mlkem_mulcache *bc, const mlkem_poly *e, unsigned k);

/* Coefficient-wise reduction to |c| <= (q-1)/2. */
void pqnet_mlkem_poly_reduce(mlkem_poly *p);

/* ---- sampling --------------------------------------------------------------- */

/* SampleNTT (FIPS 203 Algorithm 7) on SHAKE128(rho || b0 || b1). Out: 0 <= c < q.
 * Variable time in rho, which is public. */
void pqnet_mlkem_poly_uniform(mlkem_poly *a, const uint8_t rho[MLKEM_SYMBYTES], uint8_t b0,
                              uint8_t b1);

/* SamplePolyCBD_eta(PRF_eta(seed, nonce)) (FIPS 203 Algorithm 8 and eq. 4.3),
 * eta 2 or 3. Out: |c| <= eta. Wipes its temporaries. */
void pqnet_mlkem_poly_cbd(mlkem_poly *r, const uint8_t seed[MLKEM_SYMBYTES], uint8_t nonce,
                          unsigned eta);

/* ---- encoding --------------------------------------------------------------- */

/* ByteEncode_12. In: |c| < q (mapped to canonical first). */
void pqnet_mlkem_poly_tobytes(uint8_t r[MLKEM_POLYBYTES], const mlkem_poly *a);

/* ByteDecode_12 with the reduction mod q that FIPS 203 applies for d = 12.
 * Out: canonical. Returns 1 when some encoded value was >= q (the input fails
 * the modulus check of section 7.2), else 0. Constant time. */
unsigned pqnet_mlkem_poly_frombytes(mlkem_poly *r, const uint8_t a[MLKEM_POLYBYTES]);

/* 1 when some 12-bit value in a[0..len) (len a multiple of 3) is >= q. */
unsigned pqnet_mlkem_bytes12_out_of_range(const uint8_t *a, size_t len);

/* Decompress_1(ByteDecode_1(m)). Out: canonical. */
void pqnet_mlkem_poly_frommsg(mlkem_poly *r, const uint8_t m[MLKEM_SYMBYTES]);

/* ByteEncode_1(Compress_1(a)). In: |c| < q. */
void pqnet_mlkem_poly_tomsg(uint8_t m[MLKEM_SYMBYTES], const mlkem_poly *a);

/* ByteEncode_d(Compress_d(a)) for d in {4, 5, 10, 11}; writes 32 d bytes.
 * In: |c| < q. */
void pqnet_mlkem_poly_compress(uint8_t *r, const mlkem_poly *a, unsigned d);

/* Decompress_d(ByteDecode_d(a)) for d in {4, 5, 10, 11}; reads 32 d bytes.
 * Out: canonical. */
void pqnet_mlkem_poly_decompress(mlkem_poly *r, const uint8_t *a, unsigned d);

#endif /* PQNET_CRYPTO_MLKEM_POLY_H */
