/*
 * ML-KEM (FIPS 203): K-PKE (section 5) and the KEM with its input checks
 * (sections 6 and 7). Polynomial arithmetic lives in mlkem_poly.c.
 *
 * Domains: s, e, y, u are sampled in the normal domain and moved to the NTT
 * domain; the matrix A_hat is sampled there directly and never stored whole:
 * each row (KeyGen) or column (Encrypt, which needs A_hat^T) is generated,
 * multiplied and dropped. G = SHA3-512, H = SHA3-256, J = SHAKE256 (32 bytes),
 * PRF = SHAKE256 (section 4.1).
 */
#include "crypto/mlkem.h"

#include <string.h>

#include "common/mem.h"
#include "crypto/mlkem_poly.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

/* FIPS 203 Table 2. */
#define MLKEM_PARAMS(n, k_, eta1_, du_, dv_)                                                       \
  {                                                                                                \
    .name = "ML-KEM-" #n, .k = k_, .eta1 = eta1_, .eta2 = 2, .du = du_, .dv = dv_,                 \
    .ek_bytes = PQNET_MLKEM##n##_PUBLICKEYBYTES, .dk_bytes = PQNET_MLKEM##n##_SECRETKEYBYTES,      \
    .ct_bytes = PQNET_MLKEM##n##_CIPHERTEXTBYTES                                                   \
  }

const pqnet_mlkem_params pqnet_mlkem512 = MLKEM_PARAMS(512, 2, 3, 10, 4);
const pqnet_mlkem_params pqnet_mlkem768 = MLKEM_PARAMS(768, 3, 2, 10, 4);
const pqnet_mlkem_params pqnet_mlkem1024 = MLKEM_PARAMS(1024, 4, 2, 11, 5);

const pqnet_mlkem_params *pqnet_mlkem_params_by_name(const char *name) {
  if (!name) return NULL;
  if (strcmp(name, pqnet_mlkem512.name) == 0) return &pqnet_mlkem512;
  if (strcmp(name, pqnet_mlkem768.name) == 0) return &pqnet_mlkem768;
  if (strcmp(name, pqnet_mlkem1024.name) == 0) return &pqnet_mlkem1024;
  return NULL;
}

static int params_ok(const pqnet_mlkem_params *p) {
  return p == &pqnet_mlkem512 || p == &pqnet_mlkem768 || p == &pqnet_mlkem1024;
}

static void wipe_out(uint8_t *buf, size_t len) {
  if (buf) pqnet_wipe(buf, len);
}

/* ---- K-PKE ----------------------------------------------------------------------- */

/* K-PKE.KeyGen (Algorithm 13) from (rho, sigma) = G(d || k): ek_PKE into ek,
 * dk_PKE into dk_pke. */
static void kpke_keygen(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk_pke,
                        const uint8_t rho[MLKEM_SYMBYTES], const uint8_t sigma[MLKEM_SYMBYTES]) {
  const unsigned k = p->k;
  mlkem_poly s[MLKEM_KMAX], a[MLKEM_KMAX], e, t;
  mlkem_mulcache sc[MLKEM_KMAX];

  /* s_hat = NTT(s), N = 0 .. k-1 */
  for (unsigned i = 0; i < k; i++) {
    pqnet_mlkem_poly_cbd(&s[i], sigma, (uint8_t)i, p->eta1);
    pqnet_mlkem_poly_ntt(&s[i]);
    pqnet_mlkem_poly_mulcache(&sc[i], &s[i]);
  }
  /* t_hat[i] = sum_j A_hat[i][j] o s_hat[j] + e_hat[i], e from N = k .. 2k-1,
   * A_hat[i][j] = SampleNTT(rho || j || i). */
  for (unsigned i = 0; i < k; i++) {
    pqnet_mlkem_poly_cbd(&e, sigma, (uint8_t)(k + i), p->eta1);
    pqnet_mlkem_poly_ntt(&e);
    for (unsigned j = 0; j < k; j++) pqnet_mlkem_poly_uniform(&a[j], rho, (uint8_t)j, (uint8_t)i);
    pqnet_mlkem_polyvec_basemul_acc_add(&t, a, s, sc, &e, k);
    pqnet_mlkem_poly_tobytes(ek + i * MLKEM_POLYBYTES, &t);
  }
  memcpy(ek + k * MLKEM_POLYBYTES, rho, MLKEM_SYMBYTES);
  for (unsigned i = 0; i < k; i++) pqnet_mlkem_poly_tobytes(dk_pke + i * MLKEM_POLYBYTES, &s[i]);

  pqnet_wipe(s, sizeof s);
  pqnet_wipe(sc, sizeof sc);
  pqnet_wipe(&e, sizeof e);
  pqnet_wipe(&t, sizeof t);
}

/* K-PKE.Encrypt (Algorithm 14) with ek already decoded into t_hat (k
 * canonical polynomials) and rho. Writes p->ct_bytes bytes to c. */
static void kpke_encrypt(const pqnet_mlkem_params *p, uint8_t *c, const mlkem_poly *t_hat,
                         const uint8_t rho[MLKEM_SYMBYTES], const uint8_t m[MLKEM_SYMBYTES],
                         const uint8_t r[MLKEM_SYMBYTES]) {
  const unsigned k = p->k;
  const size_t c1_poly = 32 * (size_t)p->du;
  mlkem_poly y[MLKEM_KMAX], a[MLKEM_KMAX], u, e, mu;
  mlkem_mulcache yc[MLKEM_KMAX];

  /* y_hat = NTT(y), N = 0 .. k-1 */
  for (unsigned i = 0; i < k; i++) {
    pqnet_mlkem_poly_cbd(&y[i], r, (uint8_t)i, p->eta1);
    pqnet_mlkem_poly_ntt(&y[i]);
    pqnet_mlkem_poly_mulcache(&yc[i], &y[i]);
  }
  /* u[i] = NTT^-1(sum_j A_hat[j][i] o y_hat[j]) + e1[i], e1 from N = k .. 2k-1;
   * A_hat[j][i] = SampleNTT(rho || i || j). */
  for (unsigned i = 0; i < k; i++) {
    for (unsigned j = 0; j < k; j++) pqnet_mlkem_poly_uniform(&a[j], rho, (uint8_t)i, (uint8_t)j);
    pqnet_mlkem_polyvec_basemul_acc(&u, a, y, yc, k);
    pqnet_mlkem_poly_invntt_tomont(&u);
    pqnet_mlkem_poly_cbd(&e, r, (uint8_t)(k + i), p->eta2);
    for (unsigned n = 0; n < MLKEM_N; n++) u.c[n] = (int16_t)(u.c[n] + e.c[n]);
    pqnet_mlkem_poly_compress(c + i * c1_poly, &u, p->du);
  }
  /* v = NTT^-1(t_hat^T o y_hat) + e2 + Decompress_1(m), e2 from N = 2k. */
  pqnet_mlkem_polyvec_basemul_acc(&u, t_hat, y, yc, k);
  pqnet_mlkem_poly_invntt_tomont(&u);
  pqnet_mlkem_poly_cbd(&e, r, (uint8_t)(2 * k), p->eta2);
  pqnet_mlkem_poly_frommsg(&mu, m);
  for (unsigned n = 0; n < MLKEM_N; n++) u.c[n] = (int16_t)(u.c[n] + e.c[n] + mu.c[n]);
  pqnet_mlkem_poly_compress(c + k * c1_poly, &u, p->dv);

  pqnet_wipe(y, sizeof y);
  pqnet_wipe(yc, sizeof yc);
  pqnet_wipe(&u, sizeof u);
  pqnet_wipe(&e, sizeof e);
  pqnet_wipe(&mu, sizeof mu);
}

/* K-PKE.Decrypt (Algorithm 15). */
static void kpke_decrypt(const pqnet_mlkem_params *p, uint8_t m[MLKEM_SYMBYTES],
                         const uint8_t *dk_pke, const uint8_t *c) {
  const unsigned k = p->k;
  const size_t c1_poly = 32 * (size_t)p->du;
  mlkem_poly u[MLKEM_KMAX], s[MLKEM_KMAX], w, v;
  mlkem_mulcache uc[MLKEM_KMAX];

  for (unsigned i = 0; i < k; i++) {
    pqnet_mlkem_poly_decompress(&u[i], c + i * c1_poly, p->du);
    pqnet_mlkem_poly_ntt(&u[i]);
    pqnet_mlkem_poly_mulcache(&uc[i], &u[i]);
    (void)pqnet_mlkem_poly_frombytes(&s[i], dk_pke + i * MLKEM_POLYBYTES);
  }
  /* w = v' - NTT^-1(s_hat^T o NTT(u')) */
  pqnet_mlkem_polyvec_basemul_acc(&w, s, u, uc, k);
  pqnet_mlkem_poly_invntt_tomont(&w);
  pqnet_mlkem_poly_decompress(&v, c + k * c1_poly, p->dv);
  for (unsigned n = 0; n < MLKEM_N; n++) v.c[n] = (int16_t)(v.c[n] - w.c[n]);
  pqnet_mlkem_poly_tomsg(m, &v);

  pqnet_wipe(s, sizeof s);
  pqnet_wipe(&w, sizeof w);
  pqnet_wipe(&v, sizeof v);
}

/* ---- input checks ------------------------------------------------------------------ */

int pqnet_mlkem_check_ek(const pqnet_mlkem_params *p, const uint8_t *ek, size_t ek_len) {
  if (!params_ok(p) || !ek) return PQNET_ERR_INVALID_ARG;
  if (ek_len != p->ek_bytes) return PQNET_ERR_BAD_LENGTH;
  if (pqnet_mlkem_bytes12_out_of_range(ek, p->k * MLKEM_POLYBYTES)) return PQNET_ERR_BAD_KEY;
  return 0;
}

int pqnet_mlkem_check_dk(const pqnet_mlkem_params *p, const uint8_t *dk, size_t dk_len) {
  uint8_t h[32];
  if (!params_ok(p) || !dk) return PQNET_ERR_INVALID_ARG;
  if (dk_len != p->dk_bytes) return PQNET_ERR_BAD_LENGTH;
  const uint8_t *ek = dk + p->k * MLKEM_POLYBYTES;
  /* ek and H(ek) are public: an ordinary comparison is fine. */
  pqnet_sha3_256(h, ek, p->ek_bytes);
  if (memcmp(h, ek + p->ek_bytes, sizeof h) != 0) return PQNET_ERR_BAD_KEY;
  return 0;
}

/* ---- ML-KEM ---------------------------------------------------------------------- */

int pqnet_mlkem_keygen_from_g(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk,
                              const uint8_t rho_sigma[2 * PQNET_MLKEM_SEEDBYTES],
                              const uint8_t z[PQNET_MLKEM_SEEDBYTES]) {
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  if (!ek || !dk || !rho_sigma || !z) {
    wipe_out(ek, p->ek_bytes);
    wipe_out(dk, p->dk_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  const size_t pke_bytes = p->k * MLKEM_POLYBYTES;
  kpke_keygen(p, ek, dk, rho_sigma, rho_sigma + MLKEM_SYMBYTES);
  /* dk = dk_PKE || ek || H(ek) || z */
  memcpy(dk + pke_bytes, ek, p->ek_bytes);
  pqnet_sha3_256(dk + pke_bytes + p->ek_bytes, ek, p->ek_bytes);
  memcpy(dk + pke_bytes + p->ek_bytes + 32, z, MLKEM_SYMBYTES);
  return 0;
}

int pqnet_mlkem_keygen_internal(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk,
                                const uint8_t d[PQNET_MLKEM_SEEDBYTES],
                                const uint8_t z[PQNET_MLKEM_SEEDBYTES]) {
  uint8_t in[MLKEM_SYMBYTES + 1], rho_sigma[2 * MLKEM_SYMBYTES];
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  if (!d || !z) {
    wipe_out(ek, p->ek_bytes);
    wipe_out(dk, p->dk_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  /* (rho, sigma) = G(d || k), k as one byte (domain separation, FIPS 203). */
  memcpy(in, d, MLKEM_SYMBYTES);
  in[MLKEM_SYMBYTES] = (uint8_t)p->k;
  pqnet_sha3_512(rho_sigma, in, sizeof in);
  int rc = pqnet_mlkem_keygen_from_g(p, ek, dk, rho_sigma, z);
  pqnet_wipe(in, sizeof in);
  pqnet_wipe(rho_sigma, sizeof rho_sigma);
  return rc;
}

int pqnet_mlkem_keygen(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk,
                       const pqnet_rng *rng) {
  uint8_t dz[2 * MLKEM_SYMBYTES];
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  if (!ek || !dk || !rng) {
    wipe_out(ek, p->ek_bytes);
    wipe_out(dk, p->dk_bytes);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = pqnet_rng_fill(rng, dz, sizeof dz);
  if (rc == 0) {
    rc = pqnet_mlkem_keygen_internal(p, ek, dk, dz, dz + MLKEM_SYMBYTES);
  } else {
    rc = PQNET_ERR_RNG;
    pqnet_wipe(ek, p->ek_bytes);
    pqnet_wipe(dk, p->dk_bytes);
  }
  pqnet_wipe(dz, sizeof dz);
  return rc;
}

/* Decode t_hat from ek (length already checked). Returns 1 when the modulus
 * check fails. */
static unsigned decode_t_hat(const pqnet_mlkem_params *p, mlkem_poly *t_hat, const uint8_t *ek) {
  unsigned bad = 0;
  for (unsigned i = 0; i < p->k; i++)
    bad |= pqnet_mlkem_poly_frombytes(&t_hat[i], ek + i * MLKEM_POLYBYTES);
  return bad;
}

/* Argument, length and modulus checks of an encapsulation; decodes t_hat. */
static int encaps_check(const pqnet_mlkem_params *p, mlkem_poly *t_hat, const uint8_t *K,
                        const uint8_t *c, const uint8_t *ek, size_t ek_len) {
  if (!K || !c || !ek) return PQNET_ERR_INVALID_ARG;
  if (ek_len != p->ek_bytes) return PQNET_ERR_BAD_LENGTH;
  if (decode_t_hat(p, t_hat, ek)) return PQNET_ERR_BAD_KEY; /* modulus check, section 7.2 */
  return 0;
}

/* Encaps_internal (Algorithm 17) on a checked ek, decoded into t_hat. */
static void encaps_core(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES], uint8_t *c,
                        const uint8_t *ek, const mlkem_poly *t_hat,
                        const uint8_t m[PQNET_MLKEM_SEEDBYTES]) {
  uint8_t buf[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES];
  /* (K, r) = G(m || H(ek)) */
  memcpy(buf, m, MLKEM_SYMBYTES);
  pqnet_sha3_256(buf + MLKEM_SYMBYTES, ek, p->ek_bytes);
  pqnet_sha3_512(kr, buf, sizeof buf);
  kpke_encrypt(p, c, t_hat, ek + p->k * MLKEM_POLYBYTES, m, kr + MLKEM_SYMBYTES);
  memcpy(K, kr, PQNET_MLKEM_SSBYTES);
  pqnet_wipe(buf, sizeof buf);
  pqnet_wipe(kr, sizeof kr);
}

int pqnet_mlkem_encaps_internal(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                                uint8_t *c, const uint8_t *ek, size_t ek_len,
                                const uint8_t m[PQNET_MLKEM_SEEDBYTES]) {
  mlkem_poly t_hat[MLKEM_KMAX];
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  int rc = m ? encaps_check(p, t_hat, K, c, ek, ek_len) : PQNET_ERR_INVALID_ARG;
  if (rc != 0) {
    wipe_out(K, PQNET_MLKEM_SSBYTES);
    wipe_out(c, p->ct_bytes);
    return rc;
  }
  encaps_core(p, K, c, ek, t_hat, m);
  return 0;
}

int pqnet_mlkem_encaps(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES], uint8_t *c,
                       const uint8_t *ek, size_t ek_len, const pqnet_rng *rng) {
  mlkem_poly t_hat[MLKEM_KMAX];
  uint8_t m[MLKEM_SYMBYTES];
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  int rc = rng ? encaps_check(p, t_hat, K, c, ek, ek_len) : PQNET_ERR_INVALID_ARG;
  if (rc == 0 && pqnet_rng_fill(rng, m, sizeof m) != 0) rc = PQNET_ERR_RNG;
  if (rc != 0) {
    wipe_out(K, PQNET_MLKEM_SSBYTES);
    wipe_out(c, p->ct_bytes);
    return rc;
  }
  encaps_core(p, K, c, ek, t_hat, m);
  pqnet_wipe(m, sizeof m);
  return 0;
}

/* Decaps_internal (Algorithm 18) on length-checked dk and c. */
static void decaps_core(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                        const uint8_t *dk, const uint8_t *c) {
  const size_t pke_bytes = p->k * MLKEM_POLYBYTES;
  const uint8_t *ek = dk + pke_bytes;
  const uint8_t *h = ek + p->ek_bytes;
  const uint8_t *z = h + MLKEM_SYMBYTES;
  mlkem_poly t_hat[MLKEM_KMAX];
  uint8_t buf[2 * MLKEM_SYMBYTES], kr[2 * MLKEM_SYMBYTES], k_bar[MLKEM_SYMBYTES];
  uint8_t c2[PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
  pqnet_keccak j;

  /* m' = Decrypt(dk_PKE, c); (K', r') = G(m' || h) */
  kpke_decrypt(p, buf, dk, c);
  memcpy(buf + MLKEM_SYMBYTES, h, MLKEM_SYMBYTES);
  pqnet_sha3_512(kr, buf, sizeof buf);
  /* K_bar = J(z || c) */
  pqnet_shake256_init(&j);
  pqnet_keccak_absorb(&j, z, MLKEM_SYMBYTES);
  pqnet_keccak_absorb(&j, c, p->ct_bytes);
  pqnet_keccak_squeeze(&j, k_bar, sizeof k_bar);
  pqnet_keccak_wipe(&j);
  /* c' = Encrypt(ek_PKE, m', r'); K = (c == c') ? K' : K_bar, in constant time.
   * ek inside dk is trusted (ByteDecode_12 still reduces it mod q). */
  (void)decode_t_hat(p, t_hat, ek);
  kpke_encrypt(p, c2, t_hat, ek + pke_bytes, buf, kr + MLKEM_SYMBYTES);
  uint8_t fail = pqnet_ct_differ(c, c2, p->ct_bytes);
  pqnet_ct_cmov(kr, k_bar, MLKEM_SYMBYTES, fail);
  memcpy(K, kr, PQNET_MLKEM_SSBYTES);

  pqnet_wipe(buf, sizeof buf);
  pqnet_wipe(kr, sizeof kr);
  pqnet_wipe(k_bar, sizeof k_bar);
  pqnet_wipe(c2, sizeof c2);
  pqnet_wipe(&fail, sizeof fail);
}

static int decaps_args(const pqnet_mlkem_params *p, const uint8_t *K, const uint8_t *dk,
                       size_t dk_len, const uint8_t *c, size_t c_len) {
  if (!K || !dk || !c) return PQNET_ERR_INVALID_ARG;
  if (dk_len != p->dk_bytes || c_len != p->ct_bytes) return PQNET_ERR_BAD_LENGTH;
  return 0;
}

int pqnet_mlkem_decaps_internal(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                                const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len) {
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  int rc = decaps_args(p, K, dk, dk_len, c, c_len);
  if (rc != 0) {
    wipe_out(K, PQNET_MLKEM_SSBYTES);
    return rc;
  }
  decaps_core(p, K, dk, c);
  return 0;
}

int pqnet_mlkem_decaps(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                       const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len) {
  if (!params_ok(p)) return PQNET_ERR_INVALID_ARG;
  int rc = decaps_args(p, K, dk, dk_len, c, c_len);
  if (rc == 0) rc = pqnet_mlkem_check_dk(p, dk, dk_len);
  if (rc != 0) {
    wipe_out(K, PQNET_MLKEM_SSBYTES);
    return rc;
  }
  decaps_core(p, K, dk, c);
  return 0;
}
