/*
 * ML-DSA (FIPS 204) internals: arithmetic in R_q = Z_q[X]/(X^256 + 1), the
 * NTT, rounding (Power2Round, Decompose, hints), bit packing and the samplers.
 * Internal to src/crypto/mldsa*.c and the unit tests; not a public API.
 *
 * Representation: a polynomial is 256 signed 32-bit coefficients. Outside the
 * NTT domain, "normalised" means [0, q) and "centred" means
 * [-(q-1)/2, (q-1)/2]. Multiplication uses Montgomery reduction with
 * R = 2^32; the NTT tables hold zeta^brv(i) * R mod q, so pqnet_mldsa_ntt
 * does not change the Montgomery factor, a pointwise product divides by R and
 * pqnet_mldsa_invntt_tomont multiplies by R again: invntt(ntt(a) o ntt(b))
 * is a * b.
 *
 * Everything here that can touch secrets (arithmetic, rounding, packing of
 * secret vectors, ExpandMask, RejBoundedPoly apart from its documented
 * declassification) is branch-free and uses no secret-dependent indices.
 * SampleInBall, RejNTTPoly and the unpacking of public data may branch.
 *
 * The code assumes two's complement integers with arithmetic right shift of
 * negative values (true of every compiler and target pqnet supports).
 */
#ifndef PQNET_CRYPTO_MLDSA_POLY_H
#define PQNET_CRYPTO_MLDSA_POLY_H

#include <stddef.h>
#include <stdint.h>

#define MLDSA_N    256
#define MLDSA_Q    8380417
#define MLDSA_D    13
#define MLDSA_QINV 58728449 /* q^-1 mod 2^32 */

/* Largest dimensions over the three parameter sets (ML-DSA-87). */
#define MLDSA_K_MAX     8
#define MLDSA_L_MAX     7
#define MLDSA_OMEGA_MAX 80 /* ML-DSA-44 */

typedef struct mldsa_poly {
  int32_t c[MLDSA_N];
} mldsa_poly;

/* ---- scalar arithmetic ---------------------------------------------------- */

/* a * R^-1 mod q for |a| < q * 2^31; result in (-q, q). */
static inline int32_t mldsa_mont_reduce(int64_t a) {
  int32_t t = (int32_t)(uint32_t)((uint64_t)a * (uint32_t)MLDSA_QINV);
  return (int32_t)((a - (int64_t)t * MLDSA_Q) >> 32);
}

/* A representative of a mod q in [-6283008, 6283008] for a <= 2^31 - 2^22. */
static inline int32_t mldsa_reduce32(int32_t a) {
  int32_t t = (a + (1 << 22)) >> 23;
  return a - t * MLDSA_Q;
}

/* a + q if a is negative; for a in (-q, q) the result is in [0, q). */
static inline int32_t mldsa_caddq(int32_t a) {
  return a + ((a >> 31) & MLDSA_Q);
}

/* a mod q in [0, q) for any a that mldsa_reduce32 accepts. */
static inline int32_t mldsa_freeze(int32_t a) {
  return mldsa_caddq(mldsa_reduce32(a));
}

/* The centred representative of a normalised a (in [0, q)). */
static inline int32_t mldsa_center(int32_t a) {
  return a - (((int32_t)((MLDSA_Q - 1) / 2) - a) >> 31 & MLDSA_Q);
}

/* |a| for a centred value, without a branch. */
static inline int32_t mldsa_abs(int32_t a) {
  int32_t s = a >> 31;
  return (a ^ s) - s;
}

/* ---- rounding (FIPS 204 section 7.4) -------------------------------------- */

/* Power2Round (Algorithm 35) of a normalised r: r = r1 * 2^13 + r0 with
 * r0 in (-2^12, 2^12]. Constant time. */
static inline int32_t mldsa_power2round(int32_t *r0, int32_t r) {
  int32_t r1 = (r + (1 << (MLDSA_D - 1)) - 1) >> MLDSA_D;
  *r0 = r - r1 * (1 << MLDSA_D);
  return r1;
}

/*
 * Decompose (Algorithm 36) of a normalised r for gamma2 = (q-1)/88 or
 * (q-1)/32: returns r1 and sets *r0 with r = r1 * 2*gamma2 + r0 (mod q),
 * r0 in (-gamma2, gamma2], except that r1 = (q-1)/(2*gamma2) wraps to 0 with
 * r0 decremented. Constant time: r1 = floor((r + gamma2 - 1) / (2*gamma2)) is
 * computed as a 64-bit multiplication by ceil(2^48 / (2*gamma2)), exact for
 * every input below 2^24 because the rounding error x * e / 2^48 < 2^-24 is
 * smaller than 1 / (2*gamma2) (checked exhaustively by the unit tests).
 */
static inline int32_t mldsa_decompose(int32_t *r0, int32_t r, int32_t gamma2) {
  const uint64_t mult = gamma2 == (MLDSA_Q - 1) / 32 ? 537395713u : 1477838210u;
  const uint32_t m = (uint32_t)((MLDSA_Q - 1) / (2 * gamma2)); /* 16 or 44 */
  uint32_t x = (uint32_t)(r + gamma2 - 1);
  uint32_t r1 = (uint32_t)(((uint64_t)x * mult) >> 48);
  int32_t lo = r - (int32_t)r1 * 2 * gamma2;
  /* wrap is all-ones when r1 == m (r1 never exceeds m). */
  uint32_t wrap = 0u - (((m - 1) - r1) >> 31);
  *r0 = lo - (int32_t)(wrap & 1);
  return (int32_t)(r1 & ~wrap);
}

/* UseHint (Algorithm 40) of a normalised r and a hint bit h. Public data. */
static inline int32_t mldsa_use_hint(int32_t r, unsigned h, int32_t gamma2) {
  const int32_t m = (MLDSA_Q - 1) / (2 * gamma2);
  int32_t r0, r1 = mldsa_decompose(&r0, r, gamma2);
  if (!h) return r1;
  if (r0 > 0) return r1 + 1 == m ? 0 : r1 + 1;
  return r1 == 0 ? m - 1 : r1 - 1;
}

/* ---- polynomial operations (mldsa_poly.c) --------------------------------- */

/* Forward NTT in place (Algorithm 41). Input |a| < 2^31 - 8q; output grows by
 * less than 8q. */
void pqnet_mldsa_ntt(mldsa_poly *a);

/* Inverse NTT in place, times R (Algorithm 42 then a Montgomery factor).
 * Input |a| < q; output |a| < q. */
void pqnet_mldsa_invntt_tomont(mldsa_poly *a);

/* r = a o b * R^-1 (pointwise in the NTT domain); |a|, |b| < 2^31 with
 * |a * b| < q * 2^31. Output |r| < q. */
void pqnet_mldsa_pointwise(mldsa_poly *r, const mldsa_poly *a, const mldsa_poly *b);

/* r = sum_j a[j] o b[j] * R^-1 for n terms, accumulated in 64 bits and reduced
 * once: needs sum |a[j] * b[j]| < q * 2^31 (true for a normalised and
 * |b| < 9q, n <= 7). Output |r| < q. */
void pqnet_mldsa_pointwise_acc(mldsa_poly *r, const mldsa_poly *a, const mldsa_poly *b, unsigned n);

/* ---- multiplication by the sparse challenge -------------------------------- */

/* Challenge c of SampleInBall in sparse form: the positions of its +1 and -1
 * coefficients (tau <= 60 in all). c is public (see mldsa.c). */
#define MLDSA_TAU_MAX 60
typedef struct mldsa_challenge {
  unsigned nplus, nminus;
  uint8_t plus[MLDSA_TAU_MAX], minus[MLDSA_TAU_MAX];
} mldsa_challenge;

/* A polynomial s prepared for pqnet_mldsa_sparse_mul*: v[0..255] = -s and
 * v[256..511] = s, so that x^j * s mod (X^256 + 1) is the slice
 * v[256 - j .. 511 - j]. 16-bit for s1 and s2 (|s| <= eta), 32-bit for t0
 * and t1. */
typedef struct mldsa_ext16 {
  int16_t v[2 * MLDSA_N];
} mldsa_ext16;
typedef struct mldsa_ext32 {
  int32_t v[2 * MLDSA_N];
} mldsa_ext32;

/* Sparse form of a polynomial with coefficients in {-1, 0, 1} (public). */
void pqnet_mldsa_challenge_from_poly(mldsa_challenge *ch, const mldsa_poly *c);

void pqnet_mldsa_ext16_from_poly(mldsa_ext16 *x, const mldsa_poly *s);
void pqnet_mldsa_ext32_from_poly(mldsa_ext32 *x, const mldsa_poly *s);

/* r = c * s in Z[X]/(X^256 + 1), exactly (no reduction mod q): a sum of
 * rotated copies of s, with no branch or index that depends on s, only on
 * the public positions in c. The 16-bit form needs tau * max|s| < 2^15
 * (tau * eta <= 196 for a valid key), the 32-bit form tau * max|s| < 2^31. */
void pqnet_mldsa_sparse_mul16(mldsa_poly *r, const mldsa_challenge *c, const mldsa_ext16 *s);
void pqnet_mldsa_sparse_mul32(mldsa_poly *r, const mldsa_challenge *c, const mldsa_ext32 *s);

/* ---- samplers (section 7.3) ----------------------------------------------- */

/* RejNTTPoly (Algorithm 30): a = Expand(rho || s || r) with SHAKE128,
 * coefficients in [0, q), already in the NTT domain. Public. */
void pqnet_mldsa_rej_ntt_poly(mldsa_poly *a, const uint8_t rho[32], uint8_t s, uint8_t r);

/* RejBoundedPoly (Algorithm 31) from SHAKE256(rhoprime || nonce as 2 bytes),
 * coefficients in [-eta, eta]. The accept/reject decision of each half byte is
 * declassified through pqnet_mldsa_ct_declassify (FIPS 204 lets it leak: it
 * says nothing about the accepted values); the values themselves are
 * computed without branches. */
void pqnet_mldsa_rej_bounded_poly(mldsa_poly *a, const uint8_t rhoprime[64], uint16_t nonce,
                                  unsigned eta);

/* ExpandMask for one polynomial (Algorithm 34 line 4-5): BitUnpack of
 * SHAKE256(rho'' || nonce as 2 bytes) with gamma1 = 2^gamma1_bits.
 * Coefficients in (-gamma1, gamma1]. Constant time. */
void pqnet_mldsa_expand_mask_poly(mldsa_poly *y, const uint8_t rhopp[64], uint16_t nonce,
                                  unsigned gamma1_bits);

/* SampleInBall (Algorithm 29): tau coefficients +-1, the rest 0. Branches on
 * SHAKE256(ctilde), so ctilde must be public (it is: see mldsa.c). */
void pqnet_mldsa_sample_in_ball(mldsa_poly *c, const uint8_t *ctilde, size_t ctlen, unsigned tau);

/* ---- bit packing (section 7.1) -------------------------------------------- */

/* SimpleBitPack/BitPack core: store 256 values of `bits` bits each (already
 * mapped to [0, 2^bits)) little-endian; writes 32 * bits bytes. Constant
 * time in the values. */
void pqnet_mldsa_pack_bits(uint8_t *out, const uint32_t v[MLDSA_N], unsigned bits);

/* The inverse: reads 32 * bits bytes into 256 values in [0, 2^bits). */
void pqnet_mldsa_unpack_bits(uint32_t v[MLDSA_N], const uint8_t *in, unsigned bits);

/* BitPack(w, a, b) for a centred w with coefficients in [-a, b]: stores
 * b - w_i in `bits` bits. Used for s1, s2 (a = b = eta), t0 (a = 2^12 - 1,
 * b = 2^12) and z (a = gamma1 - 1, b = gamma1). */
void pqnet_mldsa_pack_centered(uint8_t *out, const mldsa_poly *w, int32_t b, unsigned bits);

/* BitUnpack: w_i = b - (bits-bit value). Any input decodes (to [b - 2^bits + 1, b]). */
void pqnet_mldsa_unpack_centered(mldsa_poly *w, const uint8_t *in, int32_t b, unsigned bits);

/* The constant-time analysis hook (see mldsa.h). */
void pqnet_mldsa_ct_declassify(const void *p, size_t len);

#endif /* PQNET_CRYPTO_MLDSA_POLY_H */
