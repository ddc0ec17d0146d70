/*
 * X25519 (RFC 7748) through OpenSSL 3 libcrypto's EVP_PKEY interface.
 *
 * Keys are raw 32-byte strings. The secret is used as given: X25519 clamps it
 * internally, so any 32 bytes are a valid secret. The shared secret is
 * rejected when it is all zero (the peer's public key is a point of small
 * order, RFC 7748 section 6.1); libcrypto 3 itself refuses to derive it.
 *
 * Errors: 0 on success, PQNET_ERR_INVALID_ARG for a NULL pointer,
 * PQNET_ERR_BAD_KEY for an all-zero shared secret, PQNET_ERR_RNG when the
 * generator fails, PQNET_ERR_CRYPTO for any other libcrypto failure. On
 * failure the outputs are zeroed. Errors this module causes on libcrypto's
 * error queue are removed before it returns.
 *
 * Cost: libcrypto computes the public key whenever it loads a secret, so
 * pqnet_x25519_shared costs two scalar multiplications; use
 * pqnet_x25519_public_shared when both the public key and a shared secret are
 * needed.
 */
#ifndef PQNET_CRYPTO_X25519_H
#define PQNET_CRYPTO_X25519_H

#include <stdint.h>

#include "pqnet/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQNET_X25519_BYTES 32

/* pk = X25519(sk, 9). Returns 0, PQNET_ERR_INVALID_ARG or PQNET_ERR_CRYPTO. */
int pqnet_x25519_public(uint8_t pk[PQNET_X25519_BYTES], const uint8_t sk[PQNET_X25519_BYTES]);

/* sk drawn from rng, pk = X25519(sk, 9). Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_RNG or PQNET_ERR_CRYPTO. */
int pqnet_x25519_keypair(uint8_t pk[PQNET_X25519_BYTES], uint8_t sk[PQNET_X25519_BYTES],
                         const pqnet_rng *rng);

/* ss = X25519(sk, peer_pk). Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_BAD_KEY or PQNET_ERR_CRYPTO. */
int pqnet_x25519_shared(uint8_t ss[PQNET_X25519_BYTES], const uint8_t sk[PQNET_X25519_BYTES],
                        const uint8_t peer_pk[PQNET_X25519_BYTES]);

/* Both pk = X25519(sk, 9) and ss = X25519(sk, peer_pk), with one key load;
 * pk may be NULL (that is pqnet_x25519_shared). Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_KEY
 * or PQNET_ERR_CRYPTO; pk and ss are zeroed on failure. */
int pqnet_x25519_public_shared(uint8_t pk[PQNET_X25519_BYTES], uint8_t ss[PQNET_X25519_BYTES],
                               const uint8_t sk[PQNET_X25519_BYTES],
                               const uint8_t peer_pk[PQNET_X25519_BYTES]);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_CRYPTO_X25519_H */
