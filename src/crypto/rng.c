/*
 * Injected randomness: the system CSPRNG (OpenSSL RAND_bytes) and a
 * deterministic SHAKE256 stream for tests and the simulator.
 *
 * Deterministic stream definition (so other tools can reproduce it):
 *   SHAKE256("pqnet-det-rng-v1" || seed32), squeezed in order; fills of any
 *   sizes concatenate to the same stream. pqnet_rng_det_init_u64(s) is
 *   pqnet_rng_det_init(le64(s) || 24 zero bytes).
 */
#include "pqnet/rng.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "common/mem.h"
#include "pqnet/error.h"

/* Domain label absorbed before the seed (16 bytes, terminator excluded). */
static const char det_label[] = "pqnet-det-rng-v1";

int pqnet_rng_fill(const pqnet_rng *rng, uint8_t *buf, size_t len) {
  if (buf == NULL && len > 0) return PQNET_ERR_INVALID_ARG;
  if (rng == NULL || rng->fill == NULL) {
    pqnet_wipe(buf, len);
    return PQNET_ERR_INVALID_ARG;
  }
  if (len == 0) return 0;
  if (rng->fill(rng->ctx, buf, len) != 0) {
    /* Whatever the generator wrote is suspect; never hand out a partial fill. */
    pqnet_wipe(buf, len);
    return PQNET_ERR_RNG;
  }
  return 0;
}

/* ---- system generator ------------------------------------------------------- */

static int system_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  while (len > 0) {
    /* RAND_bytes takes an int count. */
    int n = len > (size_t)INT_MAX ? INT_MAX : (int)len;
    if (RAND_bytes(buf, n) != 1) {
      ERR_clear_error();
      return PQNET_ERR_RNG;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static const pqnet_rng system_rng = {system_fill, NULL};

const pqnet_rng *pqnet_rng_system(void) {
  return &system_rng;
}

/* ---- deterministic generator ------------------------------------------------ */

static int det_fill(void *ctx, uint8_t *buf, size_t len) {
  pqnet_rng_det *det = ctx;
  pqnet_keccak_squeeze(&det->shake, buf, len);
  return 0;
}

void pqnet_rng_det_init(pqnet_rng_det *det, const uint8_t seed[32]) {
  pqnet_shake256_init(&det->shake);
  pqnet_keccak_absorb(&det->shake, (const uint8_t *)det_label, sizeof det_label - 1);
  pqnet_keccak_absorb(&det->shake, seed, 32);
  det->rng.fill = det_fill;
  det->rng.ctx = det;
}

void pqnet_rng_det_init_u64(pqnet_rng_det *det, uint64_t seed) {
  uint8_t s[32] = {0};
  pqnet_store64_le(s, seed);
  pqnet_rng_det_init(det, s);
  pqnet_wipe(s, sizeof s);
}

void pqnet_rng_det_free(pqnet_rng_det *det) {
  if (det == NULL) return;
  pqnet_keccak_wipe(&det->shake);
  pqnet_wipe(det, sizeof *det);
}
