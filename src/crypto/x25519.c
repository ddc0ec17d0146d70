/*
 * X25519 over OpenSSL 3 EVP_PKEY. Each call loads the raw secret into a fresh
 * EVP_PKEY (libcrypto keeps it in memory it cleanses on free) and frees it
 * before returning.
 */
#include "crypto/x25519.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/proverr.h>

#include "common/mem.h"
#include "pqnet/error.h"

static const uint8_t zero[PQNET_X25519_BYTES];

/* Load sk; when pk is not NULL also export the public key. */
static int load_secret(EVP_PKEY **out, uint8_t *pk, const uint8_t sk[PQNET_X25519_BYTES]) {
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk, PQNET_X25519_BYTES);
  if (!key) return PQNET_ERR_CRYPTO;
  if (pk) {
    size_t len = PQNET_X25519_BYTES;
    if (EVP_PKEY_get_raw_public_key(key, pk, &len) != 1 || len != PQNET_X25519_BYTES) {
      EVP_PKEY_free(key);
      return PQNET_ERR_CRYPTO;
    }
  }
  *out = key;
  return 0;
}

/* ss = X25519(key, peer_pk). */
static int derive(uint8_t ss[PQNET_X25519_BYTES], EVP_PKEY *key,
                  const uint8_t peer_pk[PQNET_X25519_BYTES]) {
  int rc = PQNET_ERR_CRYPTO;
  size_t len = PQNET_X25519_BYTES;
  EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pk, PQNET_X25519_BYTES);
  EVP_PKEY_CTX *ctx = peer ? EVP_PKEY_CTX_new(key, NULL) : NULL;
  if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1) goto out;
  if (EVP_PKEY_derive(ctx, ss, &len) != 1) {
    /* libcrypto 3 raises exactly this reason when the result is all zero. */
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PROV && ERR_GET_REASON(e) == PROV_R_FAILED_DURING_DERIVATION)
      rc = PQNET_ERR_BAD_KEY;
    goto out;
  }
  if (len != PQNET_X25519_BYTES) goto out;
  /* Belt and braces for libraries that do return the zero point. */
  rc = pqnet_ct_differ(ss, zero, PQNET_X25519_BYTES) ? 0 : PQNET_ERR_BAD_KEY;
out:
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer);
  return rc;
}

int pqnet_x25519_public(uint8_t pk[PQNET_X25519_BYTES], const uint8_t sk[PQNET_X25519_BYTES]) {
  EVP_PKEY *key = NULL;
  if (!pk || !sk) {
    if (pk) pqnet_wipe(pk, PQNET_X25519_BYTES);
    return PQNET_ERR_INVALID_ARG;
  }
  ERR_set_mark();
  int rc = load_secret(&key, pk, sk);
  EVP_PKEY_free(key);
  if (rc != 0) pqnet_wipe(pk, PQNET_X25519_BYTES);
  ERR_pop_to_mark();
  return rc;
}

int pqnet_x25519_keypair(uint8_t pk[PQNET_X25519_BYTES], uint8_t sk[PQNET_X25519_BYTES],
                         const pqnet_rng *rng) {
  if (!pk || !sk || !rng) {
    if (pk) pqnet_wipe(pk, PQNET_X25519_BYTES);
    if (sk) pqnet_wipe(sk, PQNET_X25519_BYTES);
    return PQNET_ERR_INVALID_ARG;
  }
  int rc = pqnet_rng_fill(rng, sk, PQNET_X25519_BYTES) == 0 ? 0 : PQNET_ERR_RNG;
  if (rc == 0) rc = pqnet_x25519_public(pk, sk);
  if (rc != 0) {
    pqnet_wipe(pk, PQNET_X25519_BYTES);
    pqnet_wipe(sk, PQNET_X25519_BYTES);
  }
  return rc;
}

int pqnet_x25519_public_shared(uint8_t pk[PQNET_X25519_BYTES], uint8_t ss[PQNET_X25519_BYTES],
                               const uint8_t sk[PQNET_X25519_BYTES],
                               const uint8_t peer_pk[PQNET_X25519_BYTES]) {
  EVP_PKEY *key = NULL;
  if (!ss || !sk || !peer_pk) {
    if (pk) pqnet_wipe(pk, PQNET_X25519_BYTES);
    if (ss) pqnet_wipe(ss, PQNET_X25519_BYTES);
    return PQNET_ERR_INVALID_ARG;
  }
  ERR_set_mark();
  int rc = load_secret(&key, pk, sk);
  if (rc == 0) rc = derive(ss, key, peer_pk);
  EVP_PKEY_free(key);
  if (rc != 0) {
    if (pk) pqnet_wipe(pk, PQNET_X25519_BYTES);
    pqnet_wipe(ss, PQNET_X25519_BYTES);
  }
  ERR_pop_to_mark();
  return rc;
}

int pqnet_x25519_shared(uint8_t ss[PQNET_X25519_BYTES], const uint8_t sk[PQNET_X25519_BYTES],
                        const uint8_t peer_pk[PQNET_X25519_BYTES]) {
  return pqnet_x25519_public_shared(NULL, ss, sk, peer_pk);
}
