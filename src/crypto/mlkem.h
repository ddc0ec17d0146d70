/*
 * ML-KEM, the module-lattice key-encapsulation mechanism of FIPS 203, for the
 * three parameter sets ML-KEM-512, ML-KEM-768 and ML-KEM-1024.
 *
 * One set of functions serves all three; the parameter set is passed as a
 * pointer to one of the three constant descriptors below. No function
 * allocates; the largest stack frame is a few kilobytes.
 *
 * Byte strings (FIPS 203 names):
 *   ek  encapsulation key (public)       ek_bytes  = 384 k + 32
 *   dk  decapsulation key (secret)       dk_bytes  = 768 k + 96
 *       = dk_PKE || ek || H(ek) || z
 *   c   ciphertext                       ct_bytes  = 32 (du k + dv)
 *   K   shared secret key                32 bytes
 *
 * Input checks (FIPS 203 section 7): pqnet_mlkem_check_ek is the
 * encapsulation-key check of 7.2 (length and modulus check) and every
 * encapsulation runs it first. pqnet_mlkem_check_dk is the decapsulation-key
 * check of 7.3 (length and hash check) and pqnet_mlkem_decaps runs it first;
 * pqnet_mlkem_decaps_internal checks only the lengths, for a key the caller
 * has just generated or checked. The ciphertext type check of 7.3 is the
 * length check, done by both.
 *
 * Errors: every function returns 0 or a negative PQNET_ERR_* code (see
 * pqnet/error.h): PQNET_ERR_INVALID_ARG for a NULL pointer or an unknown
 * parameter set, PQNET_ERR_BAD_LENGTH for an input of the wrong size,
 * PQNET_ERR_BAD_KEY for a key that fails its check, PQNET_ERR_RNG when the
 * random generator fails. On any failure the output buffers (those that are
 * not NULL) are zeroed.
 *
 * Secrets: key generation, encapsulation and decapsulation run in time
 * independent of d, z, m, dk_PKE and of whether a ciphertext is valid
 * (implicit rejection is a constant-time selection); every secret temporary
 * is wiped before returning. Work on public data (rho, ek, the lengths and the
 * checks above) is not constant-time. tests/ct/ct_mlkem.c checks this under
 * valgrind.
 */
#ifndef PQNET_CRYPTO_MLKEM_H
#define PQNET_CRYPTO_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQNET_MLKEM_SEEDBYTES 32 /* d, z and m */
#define PQNET_MLKEM_SSBYTES   32 /* shared secret K */

#define PQNET_MLKEM512_PUBLICKEYBYTES  800
#define PQNET_MLKEM512_SECRETKEYBYTES  1632
#define PQNET_MLKEM512_CIPHERTEXTBYTES 768

#define PQNET_MLKEM768_PUBLICKEYBYTES  1184
#define PQNET_MLKEM768_SECRETKEYBYTES  2400
#define PQNET_MLKEM768_CIPHERTEXTBYTES 1088

#define PQNET_MLKEM1024_PUBLICKEYBYTES  1568
#define PQNET_MLKEM1024_SECRETKEYBYTES  3168
#define PQNET_MLKEM1024_CIPHERTEXTBYTES 1568

/* Largest sizes over the three sets, for callers' buffers. */
#define PQNET_MLKEM_MAX_PUBLICKEYBYTES  PQNET_MLKEM1024_PUBLICKEYBYTES
#define PQNET_MLKEM_MAX_SECRETKEYBYTES  PQNET_MLKEM1024_SECRETKEYBYTES
#define PQNET_MLKEM_MAX_CIPHERTEXTBYTES PQNET_MLKEM1024_CIPHERTEXTBYTES

/* A parameter set (FIPS 203 Table 2) and its sizes. Use only the three
 * constants below; other pointers are rejected with PQNET_ERR_INVALID_ARG. */
typedef struct pqnet_mlkem_params {
  const char *name;       /* "ML-KEM-768" */
  unsigned k, eta1, eta2; /* module rank and noise parameters */
  unsigned du, dv;        /* ciphertext compression bits */
  size_t ek_bytes, dk_bytes, ct_bytes;
} pqnet_mlkem_params;

extern const pqnet_mlkem_params pqnet_mlkem512;
extern const pqnet_mlkem_params pqnet_mlkem768;
extern const pqnet_mlkem_params pqnet_mlkem1024;

/* The set named "ML-KEM-512", "ML-KEM-768" or "ML-KEM-1024"; NULL otherwise. */
const pqnet_mlkem_params *pqnet_mlkem_params_by_name(const char *name);

/*
 * ML-KEM.KeyGen_internal(d, z) (Algorithm 16): writes ek (p->ek_bytes) and dk
 * (p->dk_bytes). Returns 0 or PQNET_ERR_INVALID_ARG.
 */
int pqnet_mlkem_keygen_internal(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk,
                                const uint8_t d[PQNET_MLKEM_SEEDBYTES],
                                const uint8_t z[PQNET_MLKEM_SEEDBYTES]);

/*
 * ML-KEM.KeyGen (Algorithm 19): d and z drawn from rng. Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_RNG.
 */
int pqnet_mlkem_keygen(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk, const pqnet_rng *rng);

/*
 * KeyGen_internal with G(d || k) already computed: rho_sigma = G(d || k) =
 * rho || sigma (64 bytes). pqnet_mlkem_keygen_internal is this after one
 * SHA3-512; the split exists so the constant-time test can declassify rho (a
 * public part of ek) before the variable-time matrix sampling. Returns 0 or
 * PQNET_ERR_INVALID_ARG.
 */
int pqnet_mlkem_keygen_from_g(const pqnet_mlkem_params *p, uint8_t *ek, uint8_t *dk,
                              const uint8_t rho_sigma[2 * PQNET_MLKEM_SEEDBYTES],
                              const uint8_t z[PQNET_MLKEM_SEEDBYTES]);

/*
 * Encapsulation-key check (section 7.2): ek_len == p->ek_bytes and every
 * 12-bit coefficient of ek[0 : 384k] is below q. Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH or PQNET_ERR_BAD_KEY.
 */
int pqnet_mlkem_check_ek(const pqnet_mlkem_params *p, const uint8_t *ek, size_t ek_len);

/*
 * Decapsulation-key check (section 7.3): dk_len == p->dk_bytes and
 * H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]. Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH or PQNET_ERR_BAD_KEY.
 */
int pqnet_mlkem_check_dk(const pqnet_mlkem_params *p, const uint8_t *dk, size_t dk_len);

/*
 * ML-KEM.Encaps_internal(ek, m) (Algorithm 17), preceded by the ek check:
 * writes the shared key K (32 bytes) and the ciphertext c (p->ct_bytes).
 * Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH or PQNET_ERR_BAD_KEY.
 */
int pqnet_mlkem_encaps_internal(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                                uint8_t *c, const uint8_t *ek, size_t ek_len,
                                const uint8_t m[PQNET_MLKEM_SEEDBYTES]);

/*
 * ML-KEM.Encaps (Algorithm 20): m drawn from rng (after the ek check).
 * Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH, PQNET_ERR_BAD_KEY or
 * PQNET_ERR_RNG.
 */
int pqnet_mlkem_encaps(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES], uint8_t *c,
                       const uint8_t *ek, size_t ek_len, const pqnet_rng *rng);

/*
 * ML-KEM.Decaps (Algorithm 21): the dk check, the ciphertext length check,
 * then Decaps_internal (Algorithm 18). A ciphertext of the right length never
 * fails: if it does not re-encrypt to itself, K is the implicit-rejection key
 * J(z || c). Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_BAD_LENGTH or
 * PQNET_ERR_BAD_KEY.
 */
int pqnet_mlkem_decaps(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                       const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len);

/*
 * Decaps_internal (Algorithm 18) with the length checks only, no hash check:
 * for a dk this process generated (or already checked). Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_BAD_LENGTH.
 */
int pqnet_mlkem_decaps_internal(const pqnet_mlkem_params *p, uint8_t K[PQNET_MLKEM_SSBYTES],
                                const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_CRYPTO_MLKEM_H */
