/*
 * Fuzz target for ML-DSA signing: a key pair from a seed derived from the
 * input, a signature over a message and context taken from the input, then
 * Verify must accept it, and must reject it once any single bit chosen by the
 * input is flipped. Any other outcome calls abort().
 *
 * Input layout: byte 0: bits 0-1 the parameter set (3 = ML-DSA-65), bit 2
 * deterministic (1) or hedged (0) signing; bytes 1-2: little-endian index of
 * the bit to flip (reduced modulo the signature's bit length); byte 3: context
 * length (clamped to what is left); then the context; the rest is the
 * message. The seed xi is SHAKE256 of the whole input, and the hedged rnd
 * comes from a deterministic generator seeded with xi, so every input
 * replays exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mldsa.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

static const pqnet_mldsa_alg sets[4] = {PQNET_MLDSA44, PQNET_MLDSA65, PQNET_MLDSA87, PQNET_MLDSA65};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t pk[PQNET_MLDSA_MAX_PK_BYTES], sk[PQNET_MLDSA_MAX_SK_BYTES];
  static uint8_t sig[PQNET_MLDSA_MAX_SIG_BYTES];
  if (size < 4) return 0;
  const pqnet_mldsa_alg alg = sets[data[0] & 3];
  const int deterministic = (data[0] >> 2) & 1;
  const size_t pk_len = pqnet_mldsa_pk_bytes(alg), sk_len = pqnet_mldsa_sk_bytes(alg);
  const size_t sig_len = pqnet_mldsa_sig_bytes(alg);
  const size_t flip = ((size_t)data[1] | (size_t)data[2] << 8) % (sig_len * 8);
  size_t ctx_len = data[3];
  if (ctx_len > size - 4) ctx_len = size - 4;
  const uint8_t *ctx = data + 4, *msg = data + 4 + ctx_len;
  const size_t msg_len = size - 4 - ctx_len;

  uint8_t seed[32];
  pqnet_shake256(seed, sizeof seed, data, size);
  if (pqnet_mldsa_keygen_internal(alg, pk, sk, seed) != 0) abort();

  pqnet_rng_det det;
  pqnet_rng_det_init(&det, seed);
  int rc = pqnet_mldsa_sign(alg, sig, sk, sk_len, msg, msg_len, ctx, ctx_len,
                            deterministic ? PQNET_MLDSA_DETERMINISTIC : &det.rng);
  pqnet_rng_det_free(&det);
  if (rc != 0) abort();
  if (pqnet_mldsa_verify(alg, pk, pk_len, msg, msg_len, sig, sig_len, ctx, ctx_len) != 0) abort();

  sig[flip / 8] ^= (uint8_t)(1u << (flip % 8));
  if (pqnet_mldsa_verify(alg, pk, pk_len, msg, msg_len, sig, sig_len, ctx, ctx_len) !=
      PQNET_ERR_AUTH)
    abort();
  return 0;
}
