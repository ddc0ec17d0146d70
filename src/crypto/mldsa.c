/*
 * ML-DSA (FIPS 204): key generation, signing, verification and the key and
 * signature encodings. Arithmetic, samplers and bit packing live in
 * mldsa_poly.c. Algorithm numbers in comments refer to FIPS 204.
 *
 * Constant-time structure of signing (Algorithm 7): everything derived from
 * the secret key is computed without secret-dependent branches or indices,
 * except for values FIPS 204 (and the CRYSTALS-Dilithium round-3
 * specification, section 5.5) allows to leak, each passed through
 * pqnet_mldsa_ct_declassify before it is branched on:
 *   - c-tilde of every attempt: a hash output (random oracle) that reveals
 *     nothing about the key, also for rejected attempts; SampleInBall then
 *     branches on it;
 *   - the outcome of each rejection check (z norm, r0 norm, c*t0 norm, hint
 *     count): only the decision, each computed over the whole vector first;
 *   - z and h once the attempt is accepted: they are the signature.
 */
#include "crypto/mldsa.h"

#include <string.h>

#include "common/mem.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

typedef struct mldsa_params {
  const char *name;
  unsigned k, l;         /* matrix A is k x l */
  unsigned eta;          /* secret coefficients in [-eta, eta] */
  unsigned eta_bits;     /* bitlen(2 eta) */
  unsigned tau;          /* number of +-1 in c */
  unsigned omega;        /* max hint ones */
  int32_t beta;          /* tau * eta */
  unsigned ctilde_bytes; /* lambda / 4 */
  unsigned gamma1_bits;  /* gamma1 = 2^gamma1_bits */
  int32_t gamma2;        /* low-order rounding range */
  unsigned w1_bits;      /* bitlen((q-1)/(2 gamma2) - 1) */
  size_t pk_bytes, sk_bytes, sig_bytes;
} mldsa_params;

/* FIPS 204 Table 1 and Table 2. */
static const mldsa_params params_table[3] = {
    {"ML-DSA-44", 4, 4, 2, 3, 39, 80, 78, 32, 17, (MLDSA_Q - 1) / 88, 6, PQNET_MLDSA44_PK_BYTES,
     PQNET_MLDSA44_SK_BYTES, PQNET_MLDSA44_SIG_BYTES},
    {"ML-DSA-65", 6, 5, 4, 4, 49, 55, 196, 48, 19, (MLDSA_Q - 1) / 32, 4, PQNET_MLDSA65_PK_BYTES,
     PQNET_MLDSA65_SK_BYTES, PQNET_MLDSA65_SIG_BYTES},
    {"ML-DSA-87", 8, 7, 2, 3, 60, 75, 120, 64, 19, (MLDSA_Q - 1) / 32, 4, PQNET_MLDSA87_PK_BYTES,
     PQNET_MLDSA87_SK_BYTES, PQNET_MLDSA87_SIG_BYTES},
};

#define T1_POLY_BYTES 320 /* 10 bits per coefficient */
#define T0_POLY_BYTES 416 /* 13 bits per coefficient */
#define SK_HEAD_BYTES 128 /* rho || K || tr */
#define W1_MAX_BYTES  (MLDSA_K_MAX * 32 * 6)

/* FIPS 204 Appendix C: a bound on the signing loop that a valid key exceeds
 * with negligible probability (and that keeps the 16-bit ExpandMask counter
 * from overflowing). */
#define MAX_SIGN_ATTEMPTS 814

static const mldsa_params *get_params(pqnet_mldsa_alg alg) {
  if ((unsigned)alg >= sizeof params_table / sizeof params_table[0]) return NULL;
  return &params_table[alg];
}

static size_t z_poly_bytes(const mldsa_params *p) {
  return 32 * (p->gamma1_bits + 1);
}

static size_t eta_poly_bytes(const mldsa_params *p) {
  return 32 * p->eta_bits;
}

/* The library's no-op declassification hook; the constant-time test links a
 * strong definition that tells valgrind the bytes are public. */
__attribute__((weak)) void pqnet_mldsa_ct_declassify(const void *p, size_t len) {
  (void)p;
  (void)len;
}

size_t pqnet_mldsa_pk_bytes(pqnet_mldsa_alg alg) {
  const mldsa_params *p = get_params(alg);
  return p ? p->pk_bytes : 0;
}

size_t pqnet_mldsa_sk_bytes(pqnet_mldsa_alg alg) {
  const mldsa_params *p = get_params(alg);
  return p ? p->sk_bytes : 0;
}

size_t pqnet_mldsa_sig_bytes(pqnet_mldsa_alg alg) {
  const mldsa_params *p = get_params(alg);
  return p ? p->sig_bytes : 0;
}

const char *pqnet_mldsa_name(pqnet_mldsa_alg alg) {
  const mldsa_params *p = get_params(alg);
  return p ? p->name : "?";
}

/* a mod q in [0, q) for a in (-q, 2q), without branches. */
static inline int32_t mod_q_wide(int32_t a) {
  a = mldsa_caddq(a);
  return a - (((int32_t)(MLDSA_Q - 1) - a) >> 31 & MLDSA_Q);
}

/* 1 when |a| >= bound (a centred), else 0; no branches. */
static inline uint32_t over_bound(int32_t a, int32_t bound) {
  return (uint32_t)(bound - 1 - mldsa_abs(a)) >> 31;
}

/* ---- hashing -------------------------------------------------------------- */

/* mu = H(tr || 0x00 || len(ctx) || ctx || msg, 64): pure ML-DSA's M'
 * (Algorithms 2 and 3, line 10 / line 5), absorbed piece by piece. */
static void mu_pure(uint8_t mu[64], const uint8_t tr[64], const uint8_t *ctx, size_t ctxlen,
                    const uint8_t *msg, size_t msglen) {
  const uint8_t head[2] = {0, (uint8_t)ctxlen};
  pqnet_keccak k;
  pqnet_shake256_init(&k);
  pqnet_keccak_absorb(&k, tr, 64);
  pqnet_keccak_absorb(&k, head, 2);
  pqnet_keccak_absorb(&k, ctx, ctxlen);
  pqnet_keccak_absorb(&k, msg, msglen);
  pqnet_keccak_squeeze(&k, mu, 64);
  pqnet_keccak_wipe(&k);
}

/* mu = H(tr || M', 64) (Algorithm 7 line 6, Algorithm 8 line 7). */
static void mu_internal(uint8_t mu[64], const uint8_t tr[64], const uint8_t *mp, size_t mplen) {
  pqnet_keccak k;
  pqnet_shake256_init(&k);
  pqnet_keccak_absorb(&k, tr, 64);
  pqnet_keccak_absorb(&k, mp, mplen);
  pqnet_keccak_squeeze(&k, mu, 64);
  pqnet_keccak_wipe(&k);
}

/* ---- key generation (Algorithm 6) ----------------------------------------- */

typedef struct keygen_ws {
  uint8_t seeds[128]; /* rho || rho' || K */
  mldsa_poly s1[MLDSA_L_MAX], s1_hat[MLDSA_L_MAX], s2[MLDSA_K_MAX];
  mldsa_poly row[MLDSA_L_MAX]; /* one row of A-hat (public) */
  mldsa_poly t, t0;
  uint32_t t1[MLDSA_N];
} keygen_ws;

static void keygen_core(const mldsa_params *p, uint8_t *pk, uint8_t *sk, const uint8_t seed[32],
                        keygen_ws *ws) {
  const uint8_t dims[2] = {(uint8_t)p->k, (uint8_t)p->l};
  const uint8_t *rho = ws->seeds, *rhoprime = ws->seeds + 32, *key = ws->seeds + 96;
  const size_t eta_bytes = eta_poly_bytes(p);
  const size_t t0_off = SK_HEAD_BYTES + (p->k + p->l) * eta_bytes;
  pqnet_keccak h;

  /* (rho, rho', K) = H(xi || k || l, 128) */
  pqnet_shake256_init(&h);
  pqnet_keccak_absorb(&h, seed, 32);
  pqnet_keccak_absorb(&h, dims, 2);
  pqnet_keccak_squeeze(&h, ws->seeds, sizeof ws->seeds);
  pqnet_keccak_wipe(&h);
  pqnet_mldsa_ct_declassify(rho, 32); /* rho is part of the public key */

  /* ExpandS: s1 with nonces 0..l-1, s2 with l..l+k-1. */
  for (unsigned r = 0; r < p->l; r++) {
    pqnet_mldsa_rej_bounded_poly(&ws->s1[r], rhoprime, (uint16_t)r, p->eta);
    ws->s1_hat[r] = ws->s1[r];
    pqnet_mldsa_ntt(&ws->s1_hat[r]);
  }
  for (unsigned r = 0; r < p->k; r++)
    pqnet_mldsa_rej_bounded_poly(&ws->s2[r], rhoprime, (uint16_t)(p->l + r), p->eta);

  /* t = NTT^-1(A-hat o NTT(s1)) + s2, one row of A-hat at a time; then
   * (t1, t0) = Power2Round(t). t1 goes to pk, t0 straight to its place in sk. */
  memcpy(pk, rho, 32);
  for (unsigned i = 0; i < p->k; i++) {
    for (unsigned j = 0; j < p->l; j++)
      pqnet_mldsa_rej_ntt_poly(&ws->row[j], rho, (uint8_t)j, (uint8_t)i);
    pqnet_mldsa_pointwise_acc(&ws->t, ws->row, ws->s1_hat, p->l);
    pqnet_mldsa_invntt_tomont(&ws->t);
    for (unsigned n = 0; n < MLDSA_N; n++) {
      int32_t t = mldsa_freeze(ws->t.c[n] + ws->s2[i].c[n]);
      ws->t1[n] = (uint32_t)mldsa_power2round(&ws->t0.c[n], t);
    }
    pqnet_mldsa_pack_bits(pk + 32 + i * T1_POLY_BYTES, ws->t1, 10);
    pqnet_mldsa_pack_centered(sk + t0_off + i * T0_POLY_BYTES, &ws->t0, 1 << (MLDSA_D - 1),
                              MLDSA_D);
  }
  pqnet_mldsa_ct_declassify(pk, p->pk_bytes); /* the public key is public */

  /* skEncode (Algorithm 24): rho || K || tr || s1 || s2 || t0. */
  memcpy(sk, rho, 32);
  memcpy(sk + 32, key, 32);
  pqnet_shake256(sk + 64, 64, pk, p->pk_bytes); /* tr = H(pk, 64) */
  for (unsigned r = 0; r < p->l; r++)
    pqnet_mldsa_pack_centered(sk + SK_HEAD_BYTES + r * eta_bytes, &ws->s1[r], (int32_t)p->eta,
                              p->eta_bits);
  for (unsigned r = 0; r < p->k; r++)
    pqnet_mldsa_pack_centered(sk + SK_HEAD_BYTES + (p->l + r) * eta_bytes, &ws->s2[r],
                              (int32_t)p->eta, p->eta_bits);
}

int pqnet_mldsa_keygen_internal(pqnet_mldsa_alg alg, uint8_t *pk, uint8_t *sk,
                                const uint8_t seed[PQNET_MLDSA_SEED_BYTES]) {
  const mldsa_params *p = get_params(alg);
  if (!p || !pk || !sk || !seed) return PQNET_ERR_INVALID_ARG;
  keygen_ws ws;
  keygen_core(p, pk, sk, seed, &ws);
  pqnet_wipe(&ws, sizeof ws);
  return 0;
}

int pqnet_mldsa_keygen(pqnet_mldsa_alg alg, uint8_t *pk, uint8_t *sk, const pqnet_rng *rng) {
  const mldsa_params *p = get_params(alg);
  uint8_t seed[PQNET_MLDSA_SEED_BYTES];
  if (!p || !pk || !sk || !rng) return PQNET_ERR_INVALID_ARG;
  if (pqnet_rng_fill(rng, seed, sizeof seed) != 0) {
    pqnet_wipe(pk, p->pk_bytes);
    pqnet_wipe(sk, p->sk_bytes);
    return PQNET_ERR_RNG;
  }
  int rc = pqnet_mldsa_keygen_internal(alg, pk, sk, seed);
  pqnet_wipe(seed, sizeof seed);
  return rc;
}

/* ---- secret key decoding and expansion ------------------------------------ */

int pqnet_mldsa_sk_expanded_init(pqnet_mldsa_sk_expanded *esk, pqnet_mldsa_alg alg,
                                 const uint8_t *sk, size_t sklen) {
  const mldsa_params *p = get_params(alg);
  if (!esk) return PQNET_ERR_INVALID_ARG;
  esk->alg_set = 0;
  if (!p || !sk) return PQNET_ERR_INVALID_ARG;
  if (sklen != p->sk_bytes) return PQNET_ERR_BAD_LENGTH;

  const size_t eta_bytes = eta_poly_bytes(p);
  const uint8_t *s = sk + SK_HEAD_BYTES;
  mldsa_poly tmp;
  uint32_t bad = 0;

  /* skDecode (Algorithm 25). Every decoded s1/s2 coefficient is at most eta;
   * a key made by skEncode never has one below -eta. That is checked without
   * branches, and only the verdict is made public. */
  memcpy(esk->rho, sk, 32);
  memcpy(esk->key, sk + 32, 32);
  memcpy(esk->tr, sk + 64, 64);
  for (unsigned r = 0; r < p->l + p->k; r++, s += eta_bytes) {
    pqnet_mldsa_unpack_centered(&tmp, s, (int32_t)p->eta, p->eta_bits);
    for (unsigned n = 0; n < MLDSA_N; n++) bad |= (uint32_t)(tmp.c[n] + (int32_t)p->eta) >> 31;
    pqnet_mldsa_ext16_from_poly(r < p->l ? &esk->s1[r] : &esk->s2[r - p->l], &tmp);
  }
  for (unsigned r = 0; r < p->k; r++, s += T0_POLY_BYTES) {
    pqnet_mldsa_unpack_centered(&tmp, s, 1 << (MLDSA_D - 1), MLDSA_D);
    pqnet_mldsa_ext32_from_poly(&esk->t0[r], &tmp);
  }
  pqnet_wipe(&tmp, sizeof tmp);
  pqnet_mldsa_ct_declassify(&bad, sizeof bad);
  if (bad) {
    pqnet_mldsa_sk_expanded_free(esk);
    return PQNET_ERR_BAD_KEY;
  }

  /* ExpandA (Algorithm 32): A-hat[i][j] = RejNTTPoly(rho || j || i). */
  pqnet_mldsa_ct_declassify(esk->rho, 32); /* rho is part of the public key */
  for (unsigned i = 0; i < p->k; i++)
    for (unsigned j = 0; j < p->l; j++)
      pqnet_mldsa_rej_ntt_poly(&esk->a_hat[i * p->l + j], esk->rho, (uint8_t)j, (uint8_t)i);
  esk->alg_set = (uint32_t)alg + 1;
  return 0;
}

void pqnet_mldsa_sk_expanded_free(pqnet_mldsa_sk_expanded *esk) {
  if (!esk) return;
  /* A-hat is public; the rest is secret (tr is not, but it is small). */
  pqnet_wipe(esk->key, sizeof esk->key);
  pqnet_wipe(esk->tr, sizeof esk->tr);
  pqnet_wipe(esk->s1, sizeof esk->s1);
  pqnet_wipe(esk->s2, sizeof esk->s2);
  pqnet_wipe(esk->t0, sizeof esk->t0);
  esk->alg_set = 0;
}

static const mldsa_params *esk_params(const pqnet_mldsa_sk_expanded *esk) {
  if (!esk || esk->alg_set == 0) return NULL;
  return get_params((pqnet_mldsa_alg)(esk->alg_set - 1));
}

/* ---- signing (Algorithm 7 from line 7 on) --------------------------------- */

typedef struct sign_ws {
  mldsa_poly y[MLDSA_L_MAX];  /* mask */
  mldsa_poly z[MLDSA_L_MAX];  /* NTT(y), then z = y + c s1 */
  mldsa_poly w[MLDSA_K_MAX];  /* w = A y, then r = w - c s2 (normalised) */
  mldsa_poly r1[MLDSA_K_MAX]; /* HighBits(w - c s2) */
  mldsa_poly tmp;
  mldsa_challenge ch;
  uint8_t h[MLDSA_K_MAX][MLDSA_N]; /* hint bits */
  uint32_t packbuf[MLDSA_N];
  uint8_t w1[W1_MAX_BYTES];
  uint8_t rhopp[64];
  uint8_t ctilde[64];
} sign_ws;

/* HintBitPack (Algorithm 20); the number of ones is at most omega. */
static void hint_pack(uint8_t *y, const uint8_t h[][MLDSA_N], unsigned k, unsigned omega) {
  unsigned index = 0;
  memset(y, 0, omega + k);
  for (unsigned i = 0; i < k; i++) {
    for (unsigned j = 0; j < MLDSA_N; j++)
      if (h[i][j]) y[index++] = (uint8_t)j;
    y[omega + i] = (uint8_t)index;
  }
}

static int sign_attempts(const mldsa_params *p, const pqnet_mldsa_sk_expanded *esk, uint8_t *sig,
                         const uint8_t mu[64], sign_ws *ws) {
  const int32_t gamma1 = (int32_t)1 << p->gamma1_bits;
  const int32_t z_bound = gamma1 - p->beta, r0_bound = p->gamma2 - p->beta;
  const size_t w1_poly = 32 * p->w1_bits, zb = z_poly_bytes(p);

  for (unsigned attempt = 0; attempt < MAX_SIGN_ATTEMPTS; attempt++) {
    const unsigned kappa = attempt * p->l;
    uint32_t bad = 0;
    pqnet_keccak h;

    /* y = ExpandMask(rho'', kappa); w = NTT^-1(A-hat o NTT(y)); w1 = HighBits(w). */
    for (unsigned r = 0; r < p->l; r++) {
      pqnet_mldsa_expand_mask_poly(&ws->y[r], ws->rhopp, (uint16_t)(kappa + r), p->gamma1_bits);
      ws->z[r] = ws->y[r];
      pqnet_mldsa_ntt(&ws->z[r]);
    }
    for (unsigned i = 0; i < p->k; i++) {
      mldsa_poly *w = &ws->w[i];
      pqnet_mldsa_pointwise_acc(w, &esk->a_hat[i * p->l], ws->z, p->l);
      pqnet_mldsa_invntt_tomont(w);
      for (unsigned n = 0; n < MLDSA_N; n++) {
        int32_t r0;
        w->c[n] = mldsa_caddq(w->c[n]);
        ws->packbuf[n] = (uint32_t)mldsa_decompose(&r0, w->c[n], p->gamma2);
      }
      pqnet_mldsa_pack_bits(ws->w1 + i * w1_poly, ws->packbuf, p->w1_bits); /* w1Encode */
    }

    /* c-tilde = H(mu || w1Encode(w1), lambda/4); c = SampleInBall(c-tilde). */
    pqnet_shake256_init(&h);
    pqnet_keccak_absorb(&h, mu, 64);
    pqnet_keccak_absorb(&h, ws->w1, p->k * w1_poly);
    pqnet_keccak_squeeze(&h, ws->ctilde, p->ctilde_bytes);
    pqnet_keccak_wipe(&h);
    pqnet_mldsa_ct_declassify(ws->ctilde, p->ctilde_bytes);
    pqnet_mldsa_sample_in_ball(&ws->tmp, ws->ctilde, p->ctilde_bytes, p->tau);
    pqnet_mldsa_challenge_from_poly(&ws->ch, &ws->tmp);

    /* c s1, c s2 and c t0 are exact sparse products (c has tau entries +-1),
     * cheaper than a pointwise product and an inverse NTT each. */

    /* z = y + c s1; reject if ||z|| >= gamma1 - beta. */
    for (unsigned r = 0; r < p->l; r++) {
      mldsa_poly *z = &ws->z[r];
      pqnet_mldsa_sparse_mul16(z, &ws->ch, &esk->s1[r]);
      for (unsigned n = 0; n < MLDSA_N; n++) {
        z->c[n] += ws->y[r].c[n];
        bad |= over_bound(z->c[n], z_bound);
      }
    }
    pqnet_mldsa_ct_declassify(&bad, sizeof bad);
    if (bad) continue;

    /* r0 = LowBits(w - c s2); reject if ||r0|| >= gamma2 - beta. Keep
     * r = w - c s2 and r1 = HighBits(r) for the hint. */
    for (unsigned i = 0; i < p->k; i++) {
      pqnet_mldsa_sparse_mul16(&ws->tmp, &ws->ch, &esk->s2[i]);
      for (unsigned n = 0; n < MLDSA_N; n++) {
        int32_t r0, r = mod_q_wide(ws->w[i].c[n] - ws->tmp.c[n]);
        ws->w[i].c[n] = r;
        ws->r1[i].c[n] = mldsa_decompose(&r0, r, p->gamma2);
        bad |= over_bound(r0, r0_bound);
      }
    }
    pqnet_mldsa_ct_declassify(&bad, sizeof bad);
    if (bad) continue;

    /* h = MakeHint(-c t0, w - c s2 + c t0) (Algorithm 39): HighBits of
     * r + c t0 differs from HighBits(r). Reject if ||c t0|| >= gamma2 or
     * there are more than omega ones. */
    unsigned count = 0;
    for (unsigned i = 0; i < p->k; i++) {
      pqnet_mldsa_sparse_mul32(&ws->tmp, &ws->ch, &esk->t0[i]);
      for (unsigned n = 0; n < MLDSA_N; n++) {
        int32_t v0, ct0 = ws->tmp.c[n];
        bad |= over_bound(ct0, p->gamma2);
        uint32_t d = (uint32_t)(mldsa_decompose(&v0, mod_q_wide(ws->w[i].c[n] + ct0), p->gamma2) ^
                                ws->r1[i].c[n]);
        uint32_t hint = (d | (0u - d)) >> 31;
        ws->h[i][n] = (uint8_t)hint;
        count += hint;
      }
    }
    bad |= (uint32_t)((int32_t)p->omega - (int32_t)count) >> 31;
    pqnet_mldsa_ct_declassify(&bad, sizeof bad);
    if (bad) continue;

    /* Accepted: z and h are the signature, hence public. sigEncode
     * (Algorithm 26): c-tilde || BitPack(z, gamma1 - 1, gamma1) || hints. */
    pqnet_mldsa_ct_declassify(ws->z, p->l * sizeof(mldsa_poly));
    pqnet_mldsa_ct_declassify(ws->h, sizeof ws->h);
    memcpy(sig, ws->ctilde, p->ctilde_bytes);
    for (unsigned r = 0; r < p->l; r++)
      pqnet_mldsa_pack_centered(sig + p->ctilde_bytes + r * zb, &ws->z[r], gamma1,
                                p->gamma1_bits + 1);
    hint_pack(sig + p->ctilde_bytes + p->l * zb, (const uint8_t(*)[MLDSA_N])ws->h, p->k, p->omega);
    return 0;
  }
  return PQNET_ERR_CRYPTO;
}

/* Sign_internal from mu with an expanded key: rho'' = H(K || rnd || mu, 64),
 * then the rejection loop. Wipes all intermediates; zeroes sig on failure. */
static int sign_mu_expanded(const mldsa_params *p, const pqnet_mldsa_sk_expanded *esk, uint8_t *sig,
                            const uint8_t mu[64], const uint8_t rnd[32]) {
  sign_ws ws;
  pqnet_keccak h;
  pqnet_shake256_init(&h);
  pqnet_keccak_absorb(&h, esk->key, 32);
  pqnet_keccak_absorb(&h, rnd, 32);
  pqnet_keccak_absorb(&h, mu, 64);
  pqnet_keccak_squeeze(&h, ws.rhopp, 64);
  pqnet_keccak_wipe(&h);

  int rc = sign_attempts(p, esk, sig, mu, &ws);
  pqnet_wipe(&ws, sizeof ws);
  if (rc != 0) pqnet_wipe(sig, p->sig_bytes);
  return rc;
}

/* How the message representative of a plain-key signature is formed. */
typedef struct mu_input {
  enum { MU_GIVEN, MU_INTERNAL, MU_PURE } kind;
  const uint8_t *mu;  /* MU_GIVEN */
  const uint8_t *msg; /* M' (MU_INTERNAL) or the message (MU_PURE) */
  size_t msglen;
  const uint8_t *ctx; /* MU_PURE */
  size_t ctxlen;
} mu_input;

/* Sign with an encoded secret key: expand it on the stack, form mu, sign. */
static int sign_plain(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                      const mu_input *in, const uint8_t rnd[32]) {
  const mldsa_params *p = get_params(alg);
  pqnet_mldsa_sk_expanded esk;
  uint8_t mu[64];
  int rc = pqnet_mldsa_sk_expanded_init(&esk, alg, sk, sklen);
  if (rc == 0) {
    if (in->kind == MU_GIVEN)
      memcpy(mu, in->mu, 64);
    else if (in->kind == MU_INTERNAL)
      mu_internal(mu, esk.tr, in->msg, in->msglen);
    else
      mu_pure(mu, esk.tr, in->ctx, in->ctxlen, in->msg, in->msglen);
    rc = sign_mu_expanded(p, &esk, sig, mu, rnd);
  } else {
    pqnet_wipe(sig, p->sig_bytes);
  }
  pqnet_mldsa_sk_expanded_free(&esk);
  pqnet_wipe(mu, sizeof mu);
  return rc;
}

/* rnd for the external interface: from rng (hedged) or zero (deterministic). */
static int get_rnd(uint8_t rnd[32], const pqnet_rng *rng) {
  memset(rnd, 0, 32);
  if (rng == PQNET_MLDSA_DETERMINISTIC) return 0;
  return pqnet_rng_fill(rng, rnd, 32) == 0 ? 0 : PQNET_ERR_RNG;
}

int pqnet_mldsa_sign(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                     const uint8_t *msg, size_t msglen, const uint8_t *ctx, size_t ctxlen,
                     const pqnet_rng *rng) {
  const mldsa_params *p = get_params(alg);
  uint8_t rnd[32];
  if (!p || !sig) return PQNET_ERR_INVALID_ARG;
  if (!sk || (!msg && msglen) || (!ctx && ctxlen) || ctxlen > PQNET_MLDSA_MAX_CTX_LEN) {
    pqnet_wipe(sig, p->sig_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = get_rnd(rnd, rng);
  if (rc == 0) {
    const mu_input in = {MU_PURE, NULL, msg, msglen, ctx, ctxlen};
    rc = sign_plain(alg, sig, sk, sklen, &in, rnd);
  } else {
    pqnet_wipe(sig, p->sig_bytes);
  }
  pqnet_wipe(rnd, sizeof rnd);
  return rc;
}

int pqnet_mldsa_sign_internal(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                              const uint8_t *mprime, size_t mprimelen,
                              const uint8_t rnd[PQNET_MLDSA_RND_BYTES]) {
  const mldsa_params *p = get_params(alg);
  if (!p || !sig) return PQNET_ERR_INVALID_ARG;
  if (!sk || !rnd || (!mprime && mprimelen)) {
    pqnet_wipe(sig, p->sig_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  const mu_input in = {MU_INTERNAL, NULL, mprime, mprimelen, NULL, 0};
  return sign_plain(alg, sig, sk, sklen, &in, rnd);
}

int pqnet_mldsa_sign_mu(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                        const uint8_t mu[PQNET_MLDSA_MU_BYTES],
                        const uint8_t rnd[PQNET_MLDSA_RND_BYTES]) {
  const mldsa_params *p = get_params(alg);
  if (!p || !sig) return PQNET_ERR_INVALID_ARG;
  if (!sk || !rnd || !mu) {
    pqnet_wipe(sig, p->sig_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  const mu_input in = {MU_GIVEN, mu, NULL, 0, NULL, 0};
  return sign_plain(alg, sig, sk, sklen, &in, rnd);
}

int pqnet_mldsa_sign_expanded(const pqnet_mldsa_sk_expanded *esk, uint8_t *sig, const uint8_t *msg,
                              size_t msglen, const uint8_t *ctx, size_t ctxlen,
                              const pqnet_rng *rng) {
  const mldsa_params *p = esk_params(esk);
  uint8_t rnd[32], mu[64];
  if (!p || !sig) return PQNET_ERR_INVALID_ARG;
  if ((!msg && msglen) || (!ctx && ctxlen) || ctxlen > PQNET_MLDSA_MAX_CTX_LEN) {
    pqnet_wipe(sig, p->sig_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = get_rnd(rnd, rng);
  if (rc == 0) {
    mu_pure(mu, esk->tr, ctx, ctxlen, msg, msglen);
    rc = sign_mu_expanded(p, esk, sig, mu, rnd);
  } else {
    pqnet_wipe(sig, p->sig_bytes);
  }
  pqnet_wipe(rnd, sizeof rnd);
  pqnet_wipe(mu, sizeof mu);
  return rc;
}

int pqnet_mldsa_sign_expanded_mu(const pqnet_mldsa_sk_expanded *esk, uint8_t *sig,
                                 const uint8_t mu[PQNET_MLDSA_MU_BYTES],
                                 const uint8_t rnd[PQNET_MLDSA_RND_BYTES]) {
  const mldsa_params *p = esk_params(esk);
  if (!p || !sig) return PQNET_ERR_INVALID_ARG;
  if (!mu || !rnd) {
    pqnet_wipe(sig, p->sig_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  return sign_mu_expanded(p, esk, sig, mu, rnd);
}

/* ---- verification (Algorithm 8) ------------------------------------------- */

typedef struct verify_ws {
  mldsa_poly z[MLDSA_L_MAX]; /* z, then NTT(z) */
  mldsa_poly a, t1, w;
  mldsa_ext32 t1x;
  mldsa_challenge ch;
  int64_t acc[MLDSA_N];
  uint8_t h[MLDSA_K_MAX][MLDSA_N];
  uint32_t packbuf[MLDSA_N];
  uint8_t w1[W1_MAX_BYTES];
  uint8_t ctilde2[64];
} verify_ws;

/* HintBitUnpack (Algorithm 21): -1 for a malformed encoding (an index count
 * that decreases or exceeds omega, indices not strictly increasing within a
 * polynomial, non-zero padding). Reads only y[0 .. omega + k - 1]. */
static int hint_unpack(uint8_t h[][MLDSA_N], const uint8_t *y, unsigned k, unsigned omega) {
  unsigned index = 0;
  memset(h, 0, (size_t)k * MLDSA_N);
  for (unsigned i = 0; i < k; i++) {
    const unsigned end = y[omega + i], first = index;
    if (end < index || end > omega) return -1;
    for (; index < end; index++) {
      if (index > first && y[index - 1] >= y[index]) return -1;
      h[i][y[index]] = 1;
    }
  }
  for (unsigned i = index; i < omega; i++)
    if (y[i] != 0) return -1;
  return 0;
}

/* Algorithm 8 from line 1, with mu already computed (mu is NULL: compute it
 * from tr and `in`). pk and sig have their exact lengths. */
static int verify_core(const mldsa_params *p, const uint8_t *pk, const uint8_t *sig,
                       const mu_input *in, verify_ws *ws) {
  const int32_t gamma1 = (int32_t)1 << p->gamma1_bits;
  const size_t zb = z_poly_bytes(p), w1_poly = 32 * p->w1_bits;
  const uint8_t *rho = pk, *ctilde = sig;
  uint8_t mu[64], tr[64];
  pqnet_keccak h;

  /* sigDecode (Algorithm 27) and the norm check on z. */
  for (unsigned r = 0; r < p->l; r++) {
    pqnet_mldsa_unpack_centered(&ws->z[r], sig + p->ctilde_bytes + r * zb, gamma1,
                                p->gamma1_bits + 1);
    for (unsigned n = 0; n < MLDSA_N; n++)
      if (mldsa_abs(ws->z[r].c[n]) >= gamma1 - p->beta) return PQNET_ERR_AUTH;
  }
  if (hint_unpack(ws->h, sig + p->ctilde_bytes + p->l * zb, p->k, p->omega) != 0)
    return PQNET_ERR_AUTH;

  /* mu */
  if (in->kind == MU_GIVEN) {
    memcpy(mu, in->mu, 64);
  } else {
    pqnet_shake256(tr, 64, pk, p->pk_bytes);
    if (in->kind == MU_INTERNAL)
      mu_internal(mu, tr, in->msg, in->msglen);
    else
      mu_pure(mu, tr, in->ctx, in->ctxlen, in->msg, in->msglen);
  }

  pqnet_mldsa_sample_in_ball(&ws->w, ctilde, p->ctilde_bytes, p->tau);
  pqnet_mldsa_challenge_from_poly(&ws->ch, &ws->w);
  for (unsigned r = 0; r < p->l; r++) pqnet_mldsa_ntt(&ws->z[r]);

  /* w'_approx = NTT^-1(A-hat o NTT(z)) - c t1 2^d (Algorithm 8 line 9), a row
   * at a time: A-hat is generated on the fly and its l products accumulate in
   * 64 bits (below 7 * q * 9q < q 2^31, as Montgomery reduction needs); c t1
   * is an exact sparse product (|c t1 2^d| <= 60 * 1023 * 2^13 < 2^29), which
   * is cheaper than an NTT of t1. Then w1' = UseHint(h, w'_approx). */
  for (unsigned i = 0; i < p->k; i++) {
    memset(ws->acc, 0, sizeof ws->acc);
    for (unsigned j = 0; j < p->l; j++) {
      pqnet_mldsa_rej_ntt_poly(&ws->a, rho, (uint8_t)j, (uint8_t)i);
      for (unsigned n = 0; n < MLDSA_N; n++) ws->acc[n] += (int64_t)ws->a.c[n] * ws->z[j].c[n];
    }
    for (unsigned n = 0; n < MLDSA_N; n++) ws->w.c[n] = mldsa_mont_reduce(ws->acc[n]);
    pqnet_mldsa_invntt_tomont(&ws->w);

    pqnet_mldsa_unpack_bits(ws->packbuf, pk + 32 + i * T1_POLY_BYTES, 10);
    for (unsigned n = 0; n < MLDSA_N; n++) ws->t1.c[n] = (int32_t)ws->packbuf[n];
    pqnet_mldsa_ext32_from_poly(&ws->t1x, &ws->t1);
    pqnet_mldsa_sparse_mul32(&ws->t1, &ws->ch, &ws->t1x);

    for (unsigned n = 0; n < MLDSA_N; n++) {
      int32_t w = mldsa_freeze(ws->w.c[n] - ws->t1.c[n] * (1 << MLDSA_D));
      ws->packbuf[n] = (uint32_t)mldsa_use_hint(w, ws->h[i][n], p->gamma2);
    }
    pqnet_mldsa_pack_bits(ws->w1 + i * w1_poly, ws->packbuf, p->w1_bits);
  }

  /* c-tilde' = H(mu || w1Encode(w1'), lambda/4) must equal c-tilde. */
  pqnet_shake256_init(&h);
  pqnet_keccak_absorb(&h, mu, 64);
  pqnet_keccak_absorb(&h, ws->w1, p->k * w1_poly);
  pqnet_keccak_squeeze(&h, ws->ctilde2, p->ctilde_bytes);
  return pqnet_ct_differ(ws->ctilde2, ctilde, p->ctilde_bytes) ? PQNET_ERR_AUTH : 0;
}

static int verify_any(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen, const uint8_t *sig,
                      size_t siglen, const mu_input *in) {
  const mldsa_params *p = get_params(alg);
  if (!p || !pk || !sig) return PQNET_ERR_INVALID_ARG;
  if (pklen != p->pk_bytes || siglen != p->sig_bytes) return PQNET_ERR_BAD_LENGTH;
  verify_ws ws;
  return verify_core(p, pk, sig, in, &ws);
}

int pqnet_mldsa_verify(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen, const uint8_t *msg,
                       size_t msglen, const uint8_t *sig, size_t siglen, const uint8_t *ctx,
                       size_t ctxlen) {
  if ((!msg && msglen) || (!ctx && ctxlen) || ctxlen > PQNET_MLDSA_MAX_CTX_LEN)
    return PQNET_ERR_INVALID_ARG;
  const mu_input in = {MU_PURE, NULL, msg, msglen, ctx, ctxlen};
  return verify_any(alg, pk, pklen, sig, siglen, &in);
}

int pqnet_mldsa_verify_internal(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                                const uint8_t *mprime, size_t mprimelen, const uint8_t *sig,
                                size_t siglen) {
  if (!mprime && mprimelen) return PQNET_ERR_INVALID_ARG;
  const mu_input in = {MU_INTERNAL, NULL, mprime, mprimelen, NULL, 0};
  return verify_any(alg, pk, pklen, sig, siglen, &in);
}

int pqnet_mldsa_verify_mu(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                          const uint8_t mu[PQNET_MLDSA_MU_BYTES], const uint8_t *sig,
                          size_t siglen) {
  if (!mu) return PQNET_ERR_INVALID_ARG;
  const mu_input in = {MU_GIVEN, mu, NULL, 0, NULL, 0};
  return verify_any(alg, pk, pklen, sig, siglen, &in);
}

int pqnet_mldsa_compute_mu(pqnet_mldsa_alg alg, uint8_t mu[PQNET_MLDSA_MU_BYTES], const uint8_t *pk,
                           size_t pklen, const uint8_t *msg, size_t msglen, const uint8_t *ctx,
                           size_t ctxlen) {
  const mldsa_params *p = get_params(alg);
  uint8_t tr[64];
  if (!mu) return PQNET_ERR_INVALID_ARG;
  memset(mu, 0, PQNET_MLDSA_MU_BYTES);
  if (!p || !pk || (!msg && msglen) || (!ctx && ctxlen) || ctxlen > PQNET_MLDSA_MAX_CTX_LEN)
    return PQNET_ERR_INVALID_ARG;
  if (pklen != p->pk_bytes) return PQNET_ERR_BAD_LENGTH;
  pqnet_shake256(tr, 64, pk, pklen);
  mu_pure(mu, tr, ctx, ctxlen, msg, msglen);
  return 0;
}

/* ---- ML-DSA-65 shorthands ------------------------------------------------- */

int pqnet_mldsa65_keygen(uint8_t pk[PQNET_MLDSA65_PK_BYTES], uint8_t sk[PQNET_MLDSA65_SK_BYTES],
                         const pqnet_rng *rng) {
  return pqnet_mldsa_keygen(PQNET_MLDSA65, pk, sk, rng);
}

int pqnet_mldsa65_keygen_from_seed(uint8_t pk[PQNET_MLDSA65_PK_BYTES],
                                   uint8_t sk[PQNET_MLDSA65_SK_BYTES],
                                   const uint8_t seed[PQNET_MLDSA_SEED_BYTES]) {
  return pqnet_mldsa_keygen_internal(PQNET_MLDSA65, pk, sk, seed);
}

int pqnet_mldsa65_sign(uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                       const uint8_t sk[PQNET_MLDSA65_SK_BYTES], const uint8_t *msg, size_t msglen,
                       const uint8_t *ctx, size_t ctxlen, const pqnet_rng *rng) {
  return pqnet_mldsa_sign(PQNET_MLDSA65, sig, sk, PQNET_MLDSA65_SK_BYTES, msg, msglen, ctx, ctxlen,
                          rng);
}

int pqnet_mldsa65_verify(const uint8_t pk[PQNET_MLDSA65_PK_BYTES], const uint8_t *msg,
                         size_t msglen, const uint8_t *sig, size_t siglen, const uint8_t *ctx,
                         size_t ctxlen) {
  return pqnet_mldsa_verify(PQNET_MLDSA65, pk, PQNET_MLDSA65_PK_BYTES, msg, msglen, sig, siglen,
                            ctx, ctxlen);
}
