/*
 * X-Wing: the hybrid KEM of ML-KEM-768 and X25519 of
 * draft-connolly-cfrg-xwing-kem-10 (docs/crypto-kem.md describes it byte by
 * byte).
 *
 *   decapsulation key sk   32 bytes (a seed, expanded on use)
 *   encapsulation key pk   1216 bytes = ek_M (1184) || pk_X (32)
 *   ciphertext ct          1120 bytes = ct_M (1088) || ct_X (32)
 *   shared secret ss       32 bytes
 *
 * Encapsulation runs the FIPS 203 section 7.2 check on ek_M first. The
 * decapsulation key is derived by this module, so decapsulation skips the
 * section 7.3 hash check (as the draft allows).
 *
 * Expanding sk costs a full ML-KEM-768 key generation and an X25519
 * multiplication. A caller that keeps a key for several operations, or (like
 * the handshake initiator) decapsulates with a key it has just generated, can
 * keep the expanded key in a pqnet_xwing_dk (draft section 5.5.1) and use
 * pqnet_xwing_decaps_dk. It is a secret, never to be sent anywhere.
 *
 * Errors: 0 or a negative code: PQNET_ERR_INVALID_ARG (NULL pointer),
 * PQNET_ERR_BAD_LENGTH (pk, sk or ct of the wrong size), PQNET_ERR_BAD_KEY
 * (ek_M fails the modulus check, or pk_X or ct_X is an X25519 point of small
 * order so the X25519 shared secret would be all zero), PQNET_ERR_RNG,
 * PQNET_ERR_CRYPTO (libcrypto failed). Outputs are zeroed on failure.
 */
#ifndef PQNET_CRYPTO_XWING_H
#define PQNET_CRYPTO_XWING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mlkem.h"
#include "crypto/x25519.h"
#include "pqnet/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQNET_XWING_SECRETKEYBYTES  32
#define PQNET_XWING_PUBLICKEYBYTES  1216
#define PQNET_XWING_CIPHERTEXTBYTES 1120
#define PQNET_XWING_SSBYTES         32
#define PQNET_XWING_ESEEDBYTES      64

/* The expanded decapsulation key. Caller-owned; init/free pair (free wipes). */
typedef struct pqnet_xwing_dk {
  uint8_t dk_m[PQNET_MLKEM768_SECRETKEYBYTES]; /* ML-KEM-768 decapsulation key */
  uint8_t sk_x[PQNET_X25519_BYTES];            /* X25519 secret */
  uint8_t pk_x[PQNET_X25519_BYTES];            /* X25519 public key */
} pqnet_xwing_dk;

/* GenerateKeyPair: sk drawn from rng, pk derived. Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_RNG or PQNET_ERR_CRYPTO. */
int pqnet_xwing_keygen(uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                       uint8_t sk[PQNET_XWING_SECRETKEYBYTES], const pqnet_rng *rng);

/* GenerateKeyPairDerand: pk from the 32-byte sk. Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_CRYPTO. */
int pqnet_xwing_keygen_derand(uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                              const uint8_t sk[PQNET_XWING_SECRETKEYBYTES]);

/* Encapsulate: eseed drawn from rng. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_BAD_LENGTH, PQNET_ERR_BAD_KEY, PQNET_ERR_RNG or PQNET_ERR_CRYPTO. */
int pqnet_xwing_encaps(uint8_t ss[PQNET_XWING_SSBYTES], uint8_t ct[PQNET_XWING_CIPHERTEXTBYTES],
                       const uint8_t *pk, size_t pk_len, const pqnet_rng *rng);

/* EncapsulateDerand: eseed = m (32) || X25519 ephemeral secret (32). Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH, PQNET_ERR_BAD_KEY or
 * PQNET_ERR_CRYPTO. */
int pqnet_xwing_encaps_derand(uint8_t ss[PQNET_XWING_SSBYTES],
                              uint8_t ct[PQNET_XWING_CIPHERTEXTBYTES], const uint8_t *pk,
                              size_t pk_len, const uint8_t eseed[PQNET_XWING_ESEEDBYTES]);

/* Decapsulate(ct, sk). ML-KEM implicit rejection applies: a tampered ct_M
 * gives an unrelated ss, not an error. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_BAD_LENGTH, PQNET_ERR_BAD_KEY (ct_X of small order) or
 * PQNET_ERR_CRYPTO. */
int pqnet_xwing_decaps(uint8_t ss[PQNET_XWING_SSBYTES], const uint8_t *ct, size_t ct_len,
                       const uint8_t *sk, size_t sk_len);

/* Expand sk into dk; also writes pk when pk is not NULL. Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_CRYPTO (dk is wiped on failure). */
int pqnet_xwing_dk_init(pqnet_xwing_dk *dk, uint8_t pk[PQNET_XWING_PUBLICKEYBYTES],
                        const uint8_t sk[PQNET_XWING_SECRETKEYBYTES]);

/* Wipe dk. NULL is ignored. */
void pqnet_xwing_dk_free(pqnet_xwing_dk *dk);

/* Decapsulate with an expanded key: same result as pqnet_xwing_decaps with the
 * sk dk was made from. Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH,
 * PQNET_ERR_BAD_KEY or PQNET_ERR_CRYPTO. */
int pqnet_xwing_decaps_dk(uint8_t ss[PQNET_XWING_SSBYTES], const pqnet_xwing_dk *dk,
                          const uint8_t *ct, size_t ct_len);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_CRYPTO_XWING_H */
