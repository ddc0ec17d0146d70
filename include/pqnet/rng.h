/*
 * Injected randomness.
 *
 * Protocol code never draws randomness on its own: it is handed a pqnet_rng.
 * The daemon passes the system generator (OpenSSL's CSPRNG); tests and the
 * simulator pass a deterministic generator seeded from a printed seed, so any
 * run can be replayed.
 */
#ifndef PQNET_RNG_H
#define PQNET_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/sha3.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pqnet_rng {
  /* Fill buf with len random bytes. Returns 0 or PQNET_ERR_RNG. */
  int (*fill)(void *ctx, uint8_t *buf, size_t len);
  void *ctx;
} pqnet_rng;

/* Fill buf from rng. Returns 0, PQNET_ERR_INVALID_ARG or PQNET_ERR_RNG. On
 * failure buf is zeroed, never left partly filled. */
int pqnet_rng_fill(const pqnet_rng *rng, uint8_t *buf, size_t len);

/* The operating system's CSPRNG through OpenSSL RAND_bytes. Static, never freed. */
const pqnet_rng *pqnet_rng_system(void);

/*
 * Deterministic generator: SHAKE256 over a 32-byte seed, squeezed on demand.
 * Same seed, same stream. For tests and the simulator, never for real keys.
 * The caller owns the struct (init/free pair; free wipes the state).
 */
typedef struct pqnet_rng_det {
  pqnet_keccak shake; /* SHAKE256 over the seed, squeezed on demand */
  pqnet_rng rng;      /* points at this struct; pass &det.rng to callees */
} pqnet_rng_det;

void pqnet_rng_det_init(pqnet_rng_det *det, const uint8_t seed[32]);
/* Seed from a 64-bit number (e.g. a simulator seed printed in a test log). */
void pqnet_rng_det_init_u64(pqnet_rng_det *det, uint64_t seed);
void pqnet_rng_det_free(pqnet_rng_det *det);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_RNG_H */
