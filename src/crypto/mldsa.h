/*
 * ML-DSA, the Module-Lattice-Based Digital Signature Algorithm (FIPS 204),
 * for the parameter sets ML-DSA-44, ML-DSA-65 and ML-DSA-87. pqnet uses
 * ML-DSA-65 for node identities (PeerId = SHA3-256(pk)) and for the handshake
 * transcript signatures.
 *
 * Interfaces (FIPS 204 numbering):
 *   - KeyGen_internal from a 32-byte seed xi (Algorithm 6) and KeyGen with
 *     the seed drawn from an injected pqnet_rng (Algorithm 1);
 *   - pure ML-DSA Sign / Verify with a context string of at most 255 bytes
 *     (Algorithms 2 and 3): M' = 0x00 || len(ctx) || ctx || msg, absorbed
 *     piece by piece (the message is never copied);
 *   - Sign_internal / Verify_internal on a caller-formatted M' (Algorithms 7
 *     and 8), and their "external mu" forms that take the 64-byte message
 *     representative mu = SHAKE256(tr || M', 64) directly;
 *   - an expanded secret key (matrix A-hat, s1, s2 and t0 in the NTT domain)
 *     for signing many messages with one key without re-expanding it.
 *
 * Signing is hedged by default: rnd is 32 bytes from the caller's pqnet_rng.
 * Passing PQNET_MLDSA_DETERMINISTIC (NULL) instead selects the deterministic
 * variant of FIPS 204 (rnd = 32 zero bytes).
 *
 * Encodings are exactly pkEncode / skEncode / sigEncode of FIPS 204
 * (Algorithms 22-26). Verification rejects every malformed signature (hint
 * indices out of order or out of range, too many hints, non-zero padding,
 * z outside the norm bound) with PQNET_ERR_AUTH, and never reads outside the
 * given buffers.
 *
 * Errors: every function returns 0 or a negative PQNET_ERR_* code (see
 * pqnet/error.h); the codes each function can return are listed with it. On
 * failure, output buffers (pk, sk, sig, mu) are zeroed.
 *
 * Secrets: seeds, secret keys, rnd and all intermediate secrets are wiped
 * before return. Key generation and signing branch on secret-derived data only
 * where FIPS 204 allows it to leak (the rejection decisions, see
 * pqnet_mldsa_ct_declassify below and docs/crypto-dsa.md).
 *
 * Memory: nothing is allocated. Signing with a plain secret key keeps an
 * expanded key on the stack (about 88 KiB, sized for the largest parameter
 * set, plus about 35 KiB of working space); keep a pqnet_mldsa_sk_expanded on
 * the heap and use pqnet_mldsa_sign_expanded where stack is scarce.
 * Verification needs about 20 KiB of stack. All functions are thread-safe (no
 * global state).
 */
#ifndef PQNET_CRYPTO_MLDSA_H
#define PQNET_CRYPTO_MLDSA_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mldsa_poly.h"
#include "pqnet/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pqnet_mldsa_alg {
  PQNET_MLDSA44 = 0,
  PQNET_MLDSA65 = 1,
  PQNET_MLDSA87 = 2,
} pqnet_mldsa_alg;

#define PQNET_MLDSA44_PK_BYTES  1312
#define PQNET_MLDSA44_SK_BYTES  2560
#define PQNET_MLDSA44_SIG_BYTES 2420
#define PQNET_MLDSA65_PK_BYTES  1952
#define PQNET_MLDSA65_SK_BYTES  4032
#define PQNET_MLDSA65_SIG_BYTES 3309
#define PQNET_MLDSA87_PK_BYTES  2592
#define PQNET_MLDSA87_SK_BYTES  4896
#define PQNET_MLDSA87_SIG_BYTES 4627

/* Largest sizes over the parameter sets, for fixed buffers. */
#define PQNET_MLDSA_MAX_PK_BYTES  PQNET_MLDSA87_PK_BYTES
#define PQNET_MLDSA_MAX_SK_BYTES  PQNET_MLDSA87_SK_BYTES
#define PQNET_MLDSA_MAX_SIG_BYTES PQNET_MLDSA87_SIG_BYTES

#define PQNET_MLDSA_SEED_BYTES  32  /* xi */
#define PQNET_MLDSA_RND_BYTES   32  /* rnd of Sign_internal */
#define PQNET_MLDSA_MU_BYTES    64  /* message representative mu */
#define PQNET_MLDSA_TR_BYTES    64  /* tr = SHAKE256(pk, 64) */
#define PQNET_MLDSA_MAX_CTX_LEN 255 /* longest context string */

/* Pass as the rng of a signing function for deterministic signing. */
#define PQNET_MLDSA_DETERMINISTIC ((const pqnet_rng *)0)

/* Sizes in bytes of a parameter set's encodings; 0 for an unknown alg. */
size_t pqnet_mldsa_pk_bytes(pqnet_mldsa_alg alg);
size_t pqnet_mldsa_sk_bytes(pqnet_mldsa_alg alg);
size_t pqnet_mldsa_sig_bytes(pqnet_mldsa_alg alg);

/* "ML-DSA-44", "ML-DSA-65", "ML-DSA-87", or "?" for an unknown alg. */
const char *pqnet_mldsa_name(pqnet_mldsa_alg alg);

/* ---- key generation ------------------------------------------------------- */

/*
 * ML-DSA.KeyGen_internal(xi) (Algorithm 6): writes pk (pk_bytes(alg)) and sk
 * (sk_bytes(alg)). The same seed always gives the same key pair, so the
 * 32-byte seed is a complete backup of the identity: treat it as the secret
 * key. Returns 0 or PQNET_ERR_INVALID_ARG (NULL pointer, unknown alg).
 */
int pqnet_mldsa_keygen_internal(pqnet_mldsa_alg alg, uint8_t *pk, uint8_t *sk,
                                const uint8_t seed[PQNET_MLDSA_SEED_BYTES]);

/*
 * ML-DSA.KeyGen (Algorithm 1): xi is 32 bytes from rng. Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL pointer including rng, unknown alg) or
 * PQNET_ERR_RNG.
 */
int pqnet_mldsa_keygen(pqnet_mldsa_alg alg, uint8_t *pk, uint8_t *sk, const pqnet_rng *rng);

/* ---- pure ML-DSA (Algorithms 2 and 3) ------------------------------------- */

/*
 * ML-DSA.Sign(sk, msg, ctx): writes sig_bytes(alg) bytes to sig. msg may be
 * NULL when msglen is 0, ctx may be NULL when ctxlen is 0. rng supplies rnd
 * (hedged signing); PQNET_MLDSA_DETERMINISTIC selects rnd = 0^32.
 * Returns 0;
 *   PQNET_ERR_INVALID_ARG  NULL pointer, unknown alg, ctxlen > 255;
 *   PQNET_ERR_BAD_LENGTH   sklen != sk_bytes(alg);
 *   PQNET_ERR_BAD_KEY      a coefficient of s1 or s2 lies outside [-eta, eta]
 *                          (sk was not made by skEncode);
 *   PQNET_ERR_RNG          the generator failed;
 *   PQNET_ERR_CRYPTO       no signature within the 814 attempts FIPS 204
 *                          Appendix C allows as a bound (probability below
 *                          2^-200 for a valid key).
 */
int pqnet_mldsa_sign(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                     const uint8_t *msg, size_t msglen, const uint8_t *ctx, size_t ctxlen,
                     const pqnet_rng *rng);

/*
 * ML-DSA.Verify(pk, msg, sig, ctx). Returns 0 when sig is a valid signature;
 *   PQNET_ERR_AUTH         invalid or malformed signature;
 *   PQNET_ERR_BAD_LENGTH   pklen != pk_bytes(alg) or siglen != sig_bytes(alg);
 *   PQNET_ERR_INVALID_ARG  NULL pointer, unknown alg, ctxlen > 255.
 */
int pqnet_mldsa_verify(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen, const uint8_t *msg,
                       size_t msglen, const uint8_t *sig, size_t siglen, const uint8_t *ctx,
                       size_t ctxlen);

/* ---- internal interface and external mu (Algorithms 7 and 8) -------------- */

/*
 * ML-DSA.Sign_internal(sk, M', rnd): M' is signed as given (no context, no
 * domain byte). rnd is 32 bytes (all zero for deterministic signing). Returns
 * 0, PQNET_ERR_INVALID_ARG (NULL, unknown alg), PQNET_ERR_BAD_LENGTH,
 * PQNET_ERR_BAD_KEY or PQNET_ERR_CRYPTO, as pqnet_mldsa_sign.
 */
int pqnet_mldsa_sign_internal(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                              const uint8_t *mprime, size_t mprimelen,
                              const uint8_t rnd[PQNET_MLDSA_RND_BYTES]);

/* Sign_internal with mu given (the "external mu" mode). Same codes. */
int pqnet_mldsa_sign_mu(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                        const uint8_t mu[PQNET_MLDSA_MU_BYTES],
                        const uint8_t rnd[PQNET_MLDSA_RND_BYTES]);

/* ML-DSA.Verify_internal(pk, M', sig). Codes as pqnet_mldsa_verify. */
int pqnet_mldsa_verify_internal(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                                const uint8_t *mprime, size_t mprimelen, const uint8_t *sig,
                                size_t siglen);

/* Verify_internal with mu given. Codes as pqnet_mldsa_verify. */
int pqnet_mldsa_verify_mu(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                          const uint8_t mu[PQNET_MLDSA_MU_BYTES], const uint8_t *sig,
                          size_t siglen);

/*
 * mu of pure ML-DSA: SHAKE256(SHAKE256(pk, 64) || 0x00 || len(ctx) || ctx ||
 * msg, 64), for signing in another module with pqnet_mldsa_sign_mu. Returns
 * 0, PQNET_ERR_INVALID_ARG (NULL, unknown alg, ctxlen > 255) or
 * PQNET_ERR_BAD_LENGTH (pklen).
 */
int pqnet_mldsa_compute_mu(pqnet_mldsa_alg alg, uint8_t mu[PQNET_MLDSA_MU_BYTES], const uint8_t *pk,
                           size_t pklen, const uint8_t *msg, size_t msglen, const uint8_t *ctx,
                           size_t ctxlen);

/* ---- expanded secret key -------------------------------------------------- */

/*
 * A secret key decoded once: rho, K, tr, the matrix A-hat = ExpandA(rho) and
 * s1, s2, t0 laid out for the sparse products c*s1, c*s2, c*t0. Signing with
 * it skips skDecode and ExpandA (about a quarter of a signature's cost).
 * Sized for the largest parameter set (about 88 KiB): allocate it on the
 * heap. The fields
 * are private. Lifecycle: pqnet_mldsa_sk_expanded_init, any number of
 * concurrent pqnet_mldsa_sign_expanded calls, pqnet_mldsa_sk_expanded_free
 * (which wipes it).
 */
typedef struct pqnet_mldsa_sk_expanded {
  uint32_t alg_set; /* pqnet_mldsa_alg + 1; 0 when not initialised */
  uint8_t rho[32], key[32], tr[PQNET_MLDSA_TR_BYTES];
  mldsa_poly a_hat[MLDSA_K_MAX * MLDSA_L_MAX]; /* row-major, k x l used */
  mldsa_ext16 s1[MLDSA_L_MAX];                 /* s1, s2, t0 prepared for */
  mldsa_ext16 s2[MLDSA_K_MAX];                 /* multiplication by the  */
  mldsa_ext32 t0[MLDSA_K_MAX];                 /* sparse challenge c     */
} pqnet_mldsa_sk_expanded;

/* Expand sk into esk. Returns 0, PQNET_ERR_INVALID_ARG (NULL, unknown alg),
 * PQNET_ERR_BAD_LENGTH or PQNET_ERR_BAD_KEY (s1/s2 out of range); on
 * failure esk is wiped. */
int pqnet_mldsa_sk_expanded_init(pqnet_mldsa_sk_expanded *esk, pqnet_mldsa_alg alg,
                                 const uint8_t *sk, size_t sklen);

/* Wipe the secret parts of esk. esk may be NULL. */
void pqnet_mldsa_sk_expanded_free(pqnet_mldsa_sk_expanded *esk);

/* ML-DSA.Sign with an expanded key; writes sig_bytes of the key's alg.
 * Returns 0, PQNET_ERR_INVALID_ARG (NULL, esk not initialised, ctxlen > 255),
 * PQNET_ERR_RNG or PQNET_ERR_CRYPTO, as pqnet_mldsa_sign. */
int pqnet_mldsa_sign_expanded(const pqnet_mldsa_sk_expanded *esk, uint8_t *sig, const uint8_t *msg,
                              size_t msglen, const uint8_t *ctx, size_t ctxlen,
                              const pqnet_rng *rng);

/* Sign_internal with mu given and an expanded key. Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_CRYPTO. */
int pqnet_mldsa_sign_expanded_mu(const pqnet_mldsa_sk_expanded *esk, uint8_t *sig,
                                 const uint8_t mu[PQNET_MLDSA_MU_BYTES],
                                 const uint8_t rnd[PQNET_MLDSA_RND_BYTES]);

/* ---- HashML-DSA (Algorithms 4 and 5; mldsa_prehash.c) --------------------- */

/* The pre-hash functions FIPS 204 section 5.4 names, with the OID byte xx
 * of 06 09 60 86 48 01 65 03 04 02 xx and the digest length in bytes. */
typedef enum pqnet_mldsa_prehash {
  PQNET_MLDSA_PH_SHA2_224,     /* 04, 28 bytes */
  PQNET_MLDSA_PH_SHA2_256,     /* 01, 32 */
  PQNET_MLDSA_PH_SHA2_384,     /* 02, 48 */
  PQNET_MLDSA_PH_SHA2_512,     /* 03, 64 */
  PQNET_MLDSA_PH_SHA2_512_224, /* 05, 28 */
  PQNET_MLDSA_PH_SHA2_512_256, /* 06, 32 */
  PQNET_MLDSA_PH_SHA3_224,     /* 07, 28 */
  PQNET_MLDSA_PH_SHA3_256,     /* 08, 32 */
  PQNET_MLDSA_PH_SHA3_384,     /* 09, 48 */
  PQNET_MLDSA_PH_SHA3_512,     /* 0A, 64 */
  PQNET_MLDSA_PH_SHAKE128,     /* 0B, 32 bytes of output */
  PQNET_MLDSA_PH_SHAKE256,     /* 0C, 64 bytes of output */
} pqnet_mldsa_prehash;

/* The prehash whose ACVP name ("SHA2-256", "SHA2-512/224", "SHA3-384",
 * "SHAKE-128", ...) is name. Returns 0 or PQNET_ERR_INVALID_ARG. */
int pqnet_mldsa_prehash_from_name(pqnet_mldsa_prehash *ph, const char *name);

/*
 * HashML-DSA.Sign(sk, msg, ctx, PH): signs M' = 0x01 || len(ctx) || ctx ||
 * OID(PH) || PH(msg), with PH computed by OpenSSL libcrypto over the message
 * in place (it is not copied). rng as for pqnet_mldsa_sign. Returns the
 * codes of pqnet_mldsa_sign, plus PQNET_ERR_INVALID_ARG for an unknown ph and
 * PQNET_ERR_CRYPTO when libcrypto fails.
 */
int pqnet_mldsa_hash_sign(pqnet_mldsa_alg alg, uint8_t *sig, const uint8_t *sk, size_t sklen,
                          const uint8_t *msg, size_t msglen, const uint8_t *ctx, size_t ctxlen,
                          pqnet_mldsa_prehash ph, const pqnet_rng *rng);

/* HashML-DSA.Verify(pk, msg, sig, ctx, PH). Returns the codes of
 * pqnet_mldsa_verify, plus PQNET_ERR_INVALID_ARG for an unknown ph and
 * PQNET_ERR_CRYPTO when libcrypto fails. */
int pqnet_mldsa_hash_verify(pqnet_mldsa_alg alg, const uint8_t *pk, size_t pklen,
                            const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen,
                            const uint8_t *ctx, size_t ctxlen, pqnet_mldsa_prehash ph);

/* ---- ML-DSA-65 shorthands (the parameter set pqnet uses) ------------------ */

/* pqnet_mldsa_keygen for ML-DSA-65. Codes as pqnet_mldsa_keygen. */
int pqnet_mldsa65_keygen(uint8_t pk[PQNET_MLDSA65_PK_BYTES], uint8_t sk[PQNET_MLDSA65_SK_BYTES],
                         const pqnet_rng *rng);

/* pqnet_mldsa_keygen_internal for ML-DSA-65. Codes as that function. */
int pqnet_mldsa65_keygen_from_seed(uint8_t pk[PQNET_MLDSA65_PK_BYTES],
                                   uint8_t sk[PQNET_MLDSA65_SK_BYTES],
                                   const uint8_t seed[PQNET_MLDSA_SEED_BYTES]);

/* pqnet_mldsa_sign for ML-DSA-65. Codes as pqnet_mldsa_sign. */
int pqnet_mldsa65_sign(uint8_t sig[PQNET_MLDSA65_SIG_BYTES],
                       const uint8_t sk[PQNET_MLDSA65_SK_BYTES], const uint8_t *msg, size_t msglen,
                       const uint8_t *ctx, size_t ctxlen, const pqnet_rng *rng);

/* pqnet_mldsa_verify for ML-DSA-65 (siglen is checked). Codes as that
 * function. */
int pqnet_mldsa65_verify(const uint8_t pk[PQNET_MLDSA65_PK_BYTES], const uint8_t *msg,
                         size_t msglen, const uint8_t *sig, size_t siglen, const uint8_t *ctx,
                         size_t ctxlen);

/* ---- constant-time analysis hook ------------------------------------------ */

/*
 * Called on every value that key generation or signing derives from secrets
 * and then makes public or branches on, as FIPS 204 permits: rho (part of
 * pk), the public key, the per-half-byte accept flags of RejBoundedPoly, each
 * attempt's commitment hash c-tilde, each attempt's accept/reject flags, and
 * the accepted z and h (part of the signature). The library's definition is a
 * weak no-op; tests/ct/ct_mldsa.c links a strong definition that calls
 * VALGRIND_MAKE_MEM_DEFINED, so valgrind flags any *other* secret-dependent
 * branch or memory index. Not for use outside constant-time tests.
 */
void pqnet_mldsa_ct_declassify(const void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_CRYPTO_MLDSA_H */
