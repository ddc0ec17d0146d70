/*
 * X-Wing (draft-connolly-cfrg-xwing-kem-10, section 5). The function names
 * follow the draft: expandDecapsulationKey, Combiner, Encapsulate(Derand),
 * Decapsulate.
 */
#include "crypto/xwing.h"

#include <string.h>

#include "common/mem.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

#define EK_M PQNET_MLKEM768_PUBLICKEYBYTES  /* 1184 */
#define DK_M PQNET_MLKEM768_SECRETKEYBYTES  /* 2400 */
#define CT_M PQNET_MLKEM768_CIPHERTEXTBYTES /* 1088 */
#define XB   PQNET_X25519_BYTES             /* 32 */

/* XWingLabel = "\./" || "/^\" */
static const uint8_t xwing_label[6] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

/* Combiner: SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel). */
static void combiner(uint8_t ss[PQNET_XWING_SSBYTES], const uint8_t ss_m[32],
                     const uint8_t ss_x[XB], const uint8_t ct_x[XB], const uint8_t pk_x[XB]) {
  pqnet_keccak h;
  pqnet_sha3_256_init(&h);
  pqnet_keccak_absorb(&h, ss_m, PQNET_MLKEM_SSBYTES);
  pqnet_keccak_absorb(&h, ss_x, XB);
  pqnet_keccak_absorb(&h, ct_x, XB);
  pqnet_keccak_absorb(&h, pk_x, XB);
  pqnet_keccak_absorb(&h, xwing_label, sizeof xwing_label);
  pqnet_keccak_squeeze(&h, ss, PQNET_XWING_SSBYTES);
  pqnet_keccak_wipe(&h);
}

/* expandDecapsulationKey without the X25519 step: expanded = SHAKE256(sk, 96
 * bytes); (ek_M, dk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32],
 * expanded[32:64]); sk_X = expanded[64:96]. */
static int expand(uint8_t ek_m[EK_M], uint8_t dk_m[DK_M], uint8_t sk_x[XB],
                  const uint8_t sk[PQNET_XWING_SECRETKEYBYTES]) {
  uint8_t expanded[96];
  pqnet_shake256(expanded, sizeof expanded, sk, PQNET_XWING_SECRETKEYBYTES);
  int rc = pqnet_mlkem_keygen_internal(&pqnet_mlkem768, ek_m, dk_m, expanded, expanded + 32);
  memcpy(sk_x, expanded + 64, XB);
  pqnet_wipe(expanded, sizeof expanded);
  return rc;
}

int pqnet_xwing_keygen_derand(uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                              const uint8_t sk[PQNET_XWING_SECRETKEYBYTES]) {
  uint8_t dk_m[DK_M], sk_x[XB];
  if (!pk || !sk) {
    if (pk) pqnet_wipe(pk, PQNET_XWING_PUBLICKEYBYTES);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = expand(pk, dk_m, sk_x, sk);
  if (rc == 0) rc = pqnet_x25519_public(pk + EK_M, sk_x);
  if (rc != 0) pqnet_wipe(pk, PQNET_XWING_PUBLICKEYBYTES);
  pqnet_wipe(dk_m, sizeof dk_m);
  pqnet_wipe(sk_x, sizeof sk_x);
  return rc;
}

int pqnet_xwing_keygen(uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                       uint8_t sk[PQNET_XWING_SECRETKEYBYTES], const pqnet_rng *rng) {
  int rc;
  if (!pk || !sk || !rng)
    rc = PQNET_ERR_INVALID_ARG;
  else if (pqnet_rng_fill(rng, sk, PQNET_XWING_SECRETKEYBYTES) != 0)
    rc = PQNET_ERR_RNG;
  else
    rc = pqnet_xwing_keygen_derand(pk, sk);
  if (rc != 0) {
    if (pk) pqnet_wipe(pk, PQNET_XWING_PUBLICKEYBYTES);
    if (sk) pqnet_wipe(sk, PQNET_XWING_SECRETKEYBYTES);
  }
  return rc;
}

int pqnet_xwing_encaps_derand(uint8_t ss[PQNET_XWING_SSBYTES],
                              uint8_t ct[PQNET_XWING_CIPHERTEXTBYTES], const uint8_t *pk,
                              size_t pk_len, const uint8_t eseed[PQNET_XWING_ESEEDBYTES]) {
  uint8_t ss_m[PQNET_MLKEM_SSBYTES], ss_x[XB];
  int rc;
  if (!ss || !ct || !pk || !eseed)
    rc = PQNET_ERR_INVALID_ARG;
  else if (pk_len != PQNET_XWING_PUBLICKEYBYTES)
    rc = PQNET_ERR_BAD_LENGTH;
  else /* (ss_M, ct_M) = ML-KEM-768.Encaps_internal(pk_M, eseed[0:32]), after the ek check */
    rc = pqnet_mlkem_encaps_internal(&pqnet_mlkem768, ss_m, ct, pk, EK_M, eseed);
  /* ct_X = X25519(ek_X, 9), ss_X = X25519(ek_X, pk_X), ek_X = eseed[32:64] */
  if (rc == 0) rc = pqnet_x25519_public_shared(ct + CT_M, ss_x, eseed + 32, pk + EK_M);
  if (rc == 0) {
    combiner(ss, ss_m, ss_x, ct + CT_M, pk + EK_M);
  } else {
    if (ss) pqnet_wipe(ss, PQNET_XWING_SSBYTES);
    if (ct) pqnet_wipe(ct, PQNET_XWING_CIPHERTEXTBYTES);
  }
  pqnet_wipe(ss_m, sizeof ss_m);
  pqnet_wipe(ss_x, sizeof ss_x);
  return rc;
}

int pqnet_xwing_encaps(uint8_t ss[PQNET_XWING_SSBYTES], uint8_t ct[PQNET_XWING_CIPHERTEXTBYTES],
                       const uint8_t *pk, size_t pk_len, const pqnet_rng *rng) {
  uint8_t eseed[PQNET_XWING_ESEEDBYTES];
  int rc;
  if (!ss || !ct || !pk || !rng)
    rc = PQNET_ERR_INVALID_ARG;
  else if (pk_len != PQNET_XWING_PUBLICKEYBYTES)
    rc = PQNET_ERR_BAD_LENGTH;
  else
    rc = pqnet_mlkem_check_ek(&pqnet_mlkem768, pk, EK_M); /* before drawing randomness */
  if (rc == 0 && pqnet_rng_fill(rng, eseed, sizeof eseed) != 0) rc = PQNET_ERR_RNG;
  if (rc == 0) rc = pqnet_xwing_encaps_derand(ss, ct, pk, pk_len, eseed);
  if (rc != 0) {
    if (ss) pqnet_wipe(ss, PQNET_XWING_SSBYTES);
    if (ct) pqnet_wipe(ct, PQNET_XWING_CIPHERTEXTBYTES);
  }
  pqnet_wipe(eseed, sizeof eseed);
  return rc;
}

int pqnet_xwing_dk_init(pqnet_xwing_dk *dk, uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                        const uint8_t sk[PQNET_XWING_SECRETKEYBYTES]) {
  uint8_t ek_m[EK_M];
  if (!dk || !sk) {
    if (dk) pqnet_wipe(dk, sizeof *dk);
    if (pk) pqnet_wipe(pk, PQNET_XWING_PUBLICKEYBYTES);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = expand(pk ? pk : ek_m, dk->dk_m, dk->sk_x, sk);
  if (rc == 0) rc = pqnet_x25519_public(dk->pk_x, dk->sk_x);
  if (rc == 0 && pk) memcpy(pk + EK_M, dk->pk_x, XB);
  if (rc != 0) {
    pqnet_wipe(dk, sizeof *dk);
    if (pk) pqnet_wipe(pk, PQNET_XWING_PUBLICKEYBYTES);
  }
  return rc;
}

void pqnet_xwing_dk_free(pqnet_xwing_dk *dk) {
  if (dk) pqnet_wipe(dk, sizeof *dk);
}

int pqnet_xwing_decaps_dk(uint8_t ss[PQNET_XWING_SSBYTES], const pqnet_xwing_dk *dk,
                          const uint8_t *ct, size_t ct_len) {
  uint8_t ss_m[PQNET_MLKEM_SSBYTES], ss_x[XB];
  int rc;
  if (!ss || !dk || !ct)
    rc = PQNET_ERR_INVALID_ARG;
  else if (ct_len != PQNET_XWING_CIPHERTEXTBYTES)
    rc = PQNET_ERR_BAD_LENGTH;
  else /* ss_M = ML-KEM-768.Decapsulate(ct_M, sk_M); the key is ours: no hash check */
    rc = pqnet_mlkem_decaps_internal(&pqnet_mlkem768, ss_m, dk->dk_m, DK_M, ct, CT_M);
  /* ss_X = X25519(sk_X, ct_X) */
  if (rc == 0) rc = pqnet_x25519_shared(ss_x, dk->sk_x, ct + CT_M);
  if (rc == 0)
    combiner(ss, ss_m, ss_x, ct + CT_M, dk->pk_x);
  else if (ss)
    pqnet_wipe(ss, PQNET_XWING_SSBYTES);
  pqnet_wipe(ss_m, sizeof ss_m);
  pqnet_wipe(ss_x, sizeof ss_x);
  return rc;
}

int pqnet_xwing_decaps(uint8_t ss[PQNET_XWING_SSBYTES], const uint8_t *ct, size_t ct_len,
                       const uint8_t *sk, size_t sk_len) {
  uint8_t ek_m[EK_M], dk_m[DK_M], sk_x[XB], pk_x[XB], ss_m[PQNET_MLKEM_SSBYTES], ss_x[XB];
  int rc;
  if (!ss || !ct || !sk)
    rc = PQNET_ERR_INVALID_ARG;
  else if (ct_len != PQNET_XWING_CIPHERTEXTBYTES || sk_len != PQNET_XWING_SECRETKEYBYTES)
    rc = PQNET_ERR_BAD_LENGTH;
  else
    rc = expand(ek_m, dk_m, sk_x, sk);
  if (rc == 0) rc = pqnet_mlkem_decaps_internal(&pqnet_mlkem768, ss_m, dk_m, DK_M, ct, CT_M);
  /* pk_X = X25519(sk_X, 9) and ss_X = X25519(sk_X, ct_X) from one key load */
  if (rc == 0) rc = pqnet_x25519_public_shared(pk_x, ss_x, sk_x, ct + CT_M);
  if (rc == 0)
    combiner(ss, ss_m, ss_x, ct + CT_M, pk_x);
  else if (ss)
    pqnet_wipe(ss, PQNET_XWING_SSBYTES);
  pqnet_wipe(dk_m, sizeof dk_m);
  pqnet_wipe(sk_x, sizeof sk_x);
  pqnet_wipe(ss_m, sizeof ss_m);
  pqnet_wipe(ss_x, sizeof ss_x);
  return rc;
}
