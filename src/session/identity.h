/* The identity's internals, shared by the session layer (signing). */
#ifndef PQNET_SESSION_IDENTITY_H
#define PQNET_SESSION_IDENTITY_H

#include "crypto/mldsa.h"
#include "pqnet/node.h"

struct pqnet_identity {
  uint8_t pk[PQNET_MLDSA65_PK_BYTES];
  uint8_t sk[PQNET_MLDSA65_SK_BYTES];
  uint8_t peer_id[PQNET_PEER_ID_LEN];
  pqnet_mldsa_sk_expanded *esk; /* expanded once, used for every signature */
};

/* Sign msg with the identity (pure ML-DSA-65, context ctx). Hedged with rng.
 * Returns 0 or a pqnet_mldsa_sign_expanded error. */
int pqnet_identity_sign(const pqnet_identity *id, uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                        const uint8_t *msg, size_t len, const char *ctx, const pqnet_rng *rng);

/* PeerId of a public key: SHA3-256(pk). */
void pqnet_peer_id_of(uint8_t out[PQNET_PEER_ID_LEN], const uint8_t pk[PQNET_MLDSA65_PK_BYTES]);

#endif
