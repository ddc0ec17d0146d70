/*
 * --fast_crypto: the option to skip the expensive ML-DSA signatures in very
 * large runs, without touching the core. pqnet-sim is linked with
 *   -Wl,--wrap=pqnet_identity_sign -Wl,--wrap=pqnet_mldsa65_verify
 * so the session layer's two calls (src/session/session.c make_auth and
 * check_auth) come here. With sim_fast_crypto == 0 they go straight to the
 * real functions; with 1 a "signature" is SHA3-256 over a label, the
 * signer's public key prefix, the context and the message, zero-padded to
 * the real 3309 bytes, so every frame keeps its real size and the rest of
 * the handshake (X-Wing KEM, HKDF, AES-256-GCM, PeerIds from real ML-DSA
 * public keys) is unchanged. Anyone could forge such a signature: the
 * output says FAST CRYPTO whenever it is on.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/mldsa.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "session/identity.h"
#include "sim.h"

int sim_fast_crypto;

int __real_pqnet_identity_sign(const pqnet_identity *id, uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                               const uint8_t *msg, size_t len, const char *ctx,
                               const pqnet_rng *rng);
int __wrap_pqnet_identity_sign(const pqnet_identity *id, uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                               const uint8_t *msg, size_t len, const char *ctx,
                               const pqnet_rng *rng);
int __real_pqnet_mldsa65_verify(const uint8_t pk[PQNET_MLDSA65_PK_BYTES], const uint8_t *msg,
                                size_t msglen, const uint8_t *sig, size_t siglen,
                                const uint8_t *ctx, size_t ctxlen);
int __wrap_pqnet_mldsa65_verify(const uint8_t pk[PQNET_MLDSA65_PK_BYTES], const uint8_t *msg,
                                size_t msglen, const uint8_t *sig, size_t siglen,
                                const uint8_t *ctx, size_t ctxlen);

static void fake_tag(uint8_t out[32], const uint8_t *pk, const uint8_t *msg, size_t len,
                     const uint8_t *ctx, size_t ctxlen) {
  pqnet_keccak k;
  pqnet_sha3_256_init(&k);
  pqnet_keccak_absorb(&k, (const uint8_t *)"pqnet-sim fake ML-DSA", 21);
  pqnet_keccak_absorb(&k, pk, 64);
  uint8_t l = (uint8_t)ctxlen;
  pqnet_keccak_absorb(&k, &l, 1);
  pqnet_keccak_absorb(&k, ctx, ctxlen);
  pqnet_keccak_absorb(&k, msg, len);
  pqnet_keccak_squeeze(&k, out, 32);
}

int __wrap_pqnet_identity_sign(const pqnet_identity *id, uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                               const uint8_t *msg, size_t len, const char *ctx,
                               const pqnet_rng *rng) {
  if (!sim_fast_crypto) return __real_pqnet_identity_sign(id, sig, msg, len, ctx, rng);
  memset(sig, 0, PQNET_MLDSA65_SIG_BYTES);
  fake_tag(sig, id->pk, msg, len, (const uint8_t *)ctx, strlen(ctx));
  return 0;
}

int __wrap_pqnet_mldsa65_verify(const uint8_t pk[PQNET_MLDSA65_PK_BYTES], const uint8_t *msg,
                                size_t msglen, const uint8_t *sig, size_t siglen,
                                const uint8_t *ctx, size_t ctxlen) {
  if (!sim_fast_crypto)
    return __real_pqnet_mldsa65_verify(pk, msg, msglen, sig, siglen, ctx, ctxlen);
  uint8_t tag[32];
  if (siglen != PQNET_MLDSA65_SIG_BYTES) return PQNET_ERR_AUTH;
  fake_tag(tag, pk, msg, msglen, ctx, ctxlen);
  return memcmp(tag, sig, 32) == 0 ? 0 : PQNET_ERR_AUTH;
}

void sim_fast_identity(pqnet_identity *id) {
  /* The expanded signing key (87 KiB) is never used with fake signatures. */
  if (id->esk) {
    pqnet_mldsa_sk_expanded_free(id->esk);
    free(id->esk);
    id->esk = NULL;
  }
}
