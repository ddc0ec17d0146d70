/*
 * HashML-DSA (FIPS 204 Algorithms 4 and 5): ML-DSA over a pre-hash of the
 * message. M' = 0x01 || len(ctx) || ctx || OID(PH) || PH(msg) is at most
 * 2 + 255 + 11 + 64 bytes, built on the stack and passed to Sign_internal /
 * Verify_internal. The pre-hash runs in OpenSSL libcrypto (EVP), which has all
 * twelve functions of FIPS 204 section 5.4 including SHA-512/t.
 */
#include <openssl/evp.h>
#include <string.h>

#include "common/mem.h"
#include "crypto/mldsa.h"
#include "pqnet/error.h"

typedef struct prehash_info {
  const char *name;  /* ACVP / OpenSSL name */
  uint8_t oid_last;  /* last byte of the DER OID 2.16.840.1.101.3.4.2.xx */
  uint8_t out_bytes; /* digest (or SHAKE output) length */
} prehash_info;

/* Indexed by pqnet_mldsa_prehash. */
static const prehash_info prehashes[] = {
    {"SHA2-224", 0x04, 28}, {"SHA2-256", 0x01, 32},     {"SHA2-384", 0x02, 48},
    {"SHA2-512", 0x03, 64}, {"SHA2-512/224", 0x05, 28}, {"SHA2-512/256", 0x06, 32},
    {"SHA3-224", 0x07, 28}, {"SHA3-256", 0x08, 32},     {"SHA3-384", 0x09, 48},
    {"SHA3-512", 0x0A, 64}, {"SHAKE-128", 0x0B, 32},    {"SHAKE-256", 0x0C, 64},
};
#define NPREHASH (sizeof prehashes / sizeof prehashes[0])

#define OID_BYTES  11
#define MAX_MPRIME (2 + PQNET_MLDSA_MAX_CTX_LEN + OID_BYTES + 64)

int pqnet_mldsa_prehash_from_name(pqnet_mldsa_prehash *ph, const char *name) {
  if (!ph || !name) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < NPREHASH; i++) {
    if (strcmp(name, prehashes[i].name) == 0) {
      *ph = (pqnet_mldsa_prehash)i;
      return 0;
    }
  }
  return PQNET_ERR_INVALID_ARG;
}

/* PH(msg) with EVP; 0 or PQNET_ERR_CRYPTO. */
static int prehash(const prehash_info *info, uint8_t *out, const uint8_t *msg, size_t msglen) {
  EVP_MD *md = EVP_MD_fetch(NULL, info->name, NULL);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok =
      md && ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, msg, msglen) == 1;
  if (ok) {
    if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
      ok = EVP_DigestFinalXOF(ctx, out, info->out_bytes) == 1;
    } else {
      unsigned int n = 0;
      ok = EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == info->out_bytes;
    }
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  return ok ? 0 : PQNET_ERR_CRYPTO;
}

/* Build M' for HashML-DSA; returns its length, or 0 with *rc set. */
static size_t build_mprime(uint8_t mp[MAX_MPRIME], int *rc, const uint8_t *msg, size_t msglen,
                           const uint8_t *ctx, size_t ctxlen, pqnet_mldsa_prehash ph) {
  static const uint8_t oid_prefix[OID_BYTES - 1] = {0x06, 0x09, 0x60, 0x86, 0x48,
                                                    0x01, 0x65, 0x03, 0x04, 0x02};
  if ((unsigned)ph >= NPREHASH || (!msg && msglen) || (!ctx && ctxlen) ||
      ctxlen > PQNET_MLDSA_MAX_CTX_LEN) {
    *rc = PQNET_ERR_INVALID_ARG;
    return 0;
  }
  const prehash_info *info = &prehashes[ph];
  size_t n = 0;
  mp[n++] = 1;
  mp[n++] = (uint8_t)ctxlen;
  if (ctxlen) memcpy(mp + n, ctx, ctxlen);
  n += ctxlen;
  memcpy(mp + n, oid_prefix, sizeof oid_prefix);
  n += sizeof oid_prefix;
  mp[n++] = info->oid_last;
  *rc = prehash(info, mp + n, msg, msglen);
  return *rc ? 0 : n + info->out_bytes;
}

int pqnet_mldsa_hash_sign(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                          const uint8_t *msg, size_t msglen, const uint8_t *ctx, size_t ctxlen,
                          pqnet_mldsa_prehash ph, const pqnet_rng *rng) {
  const size_t sig_bytes = pqnet_mldsa_sig_bytes(alg);
  uint8_t mp[MAX_MPRIME], rnd[PQNET_MLDSA_RND_BYTES] = {0};
  int rc;
  if (!sig_bytes || !sig) return PQNET_ERR_INVALID_ARG;
  size_t mplen = build_mprime(mp, &rc, msg, msglen, ctx, ctxlen, ph);
  if (rc == 0 && rng != PQNET_MLDSA_DETERMINISTIC && pqnet_rng_fill(rng, rnd, sizeof rnd) != 0)
    rc = PQNET_ERR_RNG;
  if (rc == 0)
    rc = pqnet_mldsa_sign_internal(alg, sig, sk, sklen, mp, mplen, rnd);
  else
    pqnet_wipe(sig, sig_bytes);
  pqnet_wipe(rnd, sizeof rnd);
  return rc;
}

int pqnet_mldsa_hash_verify(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                            const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen,
                            const uint8_t *ctx, size_t ctxlen, pqnet_mldsa_prehash ph) {
  uint8_t mp[MAX_MPRIME];
  int rc;
  if (!pqnet_mldsa_pk_bytes(alg) || !pk || !sig) return PQNET_ERR_INVALID_ARG;
  if (pklen != pqnet_mldsa_pk_bytes(alg) || siglen != pqnet_mldsa_sig_bytes(alg))
    return PQNET_ERR_BAD_LENGTH;
  size_t mplen = build_mprime(mp, &rc, msg, msglen, ctx, ctxlen, ph);
  if (rc != 0) return rc;
  return pqnet_mldsa_verify_internal(alg, pk, pklen, mp, mplen, sig, siglen);
}
