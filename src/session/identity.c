#include "session/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

void pqnet_peer_id_of(uint8_t out[PQNET_PEER_ID_LEN], const uint8_t pk[PQNET_MLDSA65_PK_BYTES]) {
  pqnet_sha3_256(out, pk, PQNET_MLDSA65_PK_BYTES);
}

int pqnet_identity_from_seed(const uint8_t seed[32], pqnet_identity **out) {
  int rc;
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!seed) return PQNET_ERR_INVALID_ARG;
  pqnet_identity *id = calloc(1, sizeof *id);
  if (!id) return PQNET_ERR_NOMEM;
  id->esk = calloc(1, sizeof *id->esk);
  if (!id->esk) {
    rc = PQNET_ERR_NOMEM;
    goto fail;
  }
  rc = pqnet_mldsa65_keygen_from_seed(id->pk, id->sk, seed);
  if (rc) goto fail;
  rc = pqnet_mldsa_sk_expanded_init(id->esk, PQNET_MLDSA65, id->sk, sizeof id->sk);
  if (rc) goto fail;
  pqnet_peer_id_of(id->peer_id, id->pk);
  *out = id;
  return 0;
fail:
  pqnet_identity_del(id);
  return rc;
}

void pqnet_identity_del(pqnet_identity *id) {
  if (!id) return;
  if (id->esk) {
    pqnet_mldsa_sk_expanded_free(id->esk);
    free(id->esk);
  }
  pqnet_wipe(id, sizeof *id);
  free(id);
}

const uint8_t *pqnet_identity_peer_id(const pqnet_identity *id) {
  return id->peer_id;
}

const uint8_t *pqnet_identity_public_key(const pqnet_identity *id) {
  return id->pk;
}

int pqnet_identity_sign(const pqnet_identity *id, uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                        const uint8_t *msg, size_t len, const char *ctx, const pqnet_rng *rng) {
  return pqnet_mldsa_sign_expanded(id->esk, sig, msg, len, (const uint8_t *)ctx, strlen(ctx), rng);
}

char *pqnet_peer_id_hex(const uint8_t id[PQNET_PEER_ID_LEN], char *buf, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  if (!buf || cap == 0) return buf;
  size_t n = 0;
  for (size_t i = 0; i < PQNET_PEER_ID_LEN && n + 2 < cap; i++) {
    buf[n++] = hex[id[i] >> 4];
    buf[n++] = hex[id[i] & 15];
  }
  buf[n] = '\0';
  return buf;
}
