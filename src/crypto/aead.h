/*
 * AES-256-GCM authenticated encryption (a thin wrapper over OpenSSL 3).
 *
 * Fixed parameters: 32-byte key, 12-byte (96-bit) nonce, 16-byte tag. The
 * sealed form is ciphertext || tag, so a sealed message is always
 * PQNET_AEAD_TAG_LEN bytes longer than its plaintext.
 *
 * A (key, nonce) pair must never be used twice for sealing: GCM loses both
 * confidentiality and integrity when a nonce repeats. The secure channel
 * derives nonces from a per-direction 64-bit frame counter with
 * pqnet_aead_nonce_from_counter(), which cannot repeat before the channel
 * rekeys.
 *
 * Two interfaces:
 *   - one-shot pqnet_aead_seal / pqnet_aead_open: key schedule set up on every
 *     call; for handshake messages and tests;
 *   - pqnet_aead_ctx: key schedule set up once at init, then any number of
 *     seal/open calls with fresh nonces; for the per-frame path.
 *
 * The one-shot functions are thread-safe; a context is used by one thread at
 * a time.
 *
 * Buffers: out may equal the input pointer exactly (in-place operation); any
 * other overlap between out and the inputs is undefined. aad and pt/ct may be
 * NULL only when their length is 0. Nothing is retained after a call returns.
 *
 * Failures never leave half-made output behind: a failed seal zeroes its
 * output (so an in-place seal never leaves plaintext where ciphertext was
 * expected), and a failed open zeroes its output once decryption has started
 * (so a caller that ignores the return code never sees unauthenticated
 * plaintext). The exact rule is given per function.
 */
#ifndef PQNET_CRYPTO_AEAD_H
#define PQNET_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define PQNET_AEAD_KEY_LEN   32
#define PQNET_AEAD_NONCE_LEN 12
#define PQNET_AEAD_TAG_LEN   16

/* Largest plaintext GCM allows under one nonce: 2^39 - 256 bits (NIST SP
 * 800-38D, section 5.2.1.1), i.e. 2^36 - 32 bytes. */
#define PQNET_AEAD_MAX_PT (((uint64_t)1 << 36) - 32)

/* Forward declaration of OpenSSL's EVP_CIPHER_CTX so this header does not pull
 * in OpenSSL's. */
struct evp_cipher_ctx_st;

/*
 * Write the recommended nonce for frame number counter:
 * 4 zero bytes || counter as 64-bit big-endian. Never fails.
 */
void pqnet_aead_nonce_from_counter(uint8_t nonce[PQNET_AEAD_NONCE_LEN], uint64_t counter);

/*
 * One-shot seal. out receives ptlen + PQNET_AEAD_TAG_LEN bytes: the
 * ciphertext followed by the tag. out may equal pt.
 *
 * Returns 0, or
 *   PQNET_ERR_INVALID_ARG  key, nonce or out NULL, or a NULL buffer with a
 *                          non-zero length;
 *   PQNET_ERR_TOO_LARGE    ptlen > PQNET_AEAD_MAX_PT;
 *   PQNET_ERR_NOMEM        OpenSSL could not allocate a cipher context;
 *   PQNET_ERR_CRYPTO       any other libcrypto failure.
 * On failure the ptlen + PQNET_AEAD_TAG_LEN bytes of out are zeroed, except
 * when out is NULL, when pt is NULL with ptlen > 0, or on PQNET_ERR_TOO_LARGE
 * (cases where that length cannot be trusted).
 */
int pqnet_aead_seal(const uint8_t key[PQNET_AEAD_KEY_LEN],
                    const uint8_t nonce[PQNET_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, size_t ptlen, uint8_t *out);

/*
 * One-shot open. in holds inlen bytes: ciphertext || tag. out receives
 * inlen - PQNET_AEAD_TAG_LEN bytes of plaintext; it may equal in.
 *
 * Returns 0, or
 *   PQNET_ERR_INVALID_ARG  key, nonce, in or out NULL, or aad NULL with
 *                          aadlen > 0;
 *   PQNET_ERR_BAD_LENGTH   inlen < PQNET_AEAD_TAG_LEN (nothing is written);
 *   PQNET_ERR_TOO_LARGE    inlen - PQNET_AEAD_TAG_LEN > PQNET_AEAD_MAX_PT;
 *   PQNET_ERR_AUTH         the tag does not verify (wrong key, nonce, AAD,
 *                          ciphertext or tag);
 *   PQNET_ERR_NOMEM        OpenSSL could not allocate a cipher context;
 *   PQNET_ERR_CRYPTO       any other libcrypto failure.
 * On PQNET_ERR_AUTH, PQNET_ERR_NOMEM and PQNET_ERR_CRYPTO the
 * inlen - PQNET_AEAD_TAG_LEN bytes of out are zeroed (in an in-place call that
 * destroys the ciphertext); on the argument errors out is not touched.
 */
int pqnet_aead_open(const uint8_t key[PQNET_AEAD_KEY_LEN],
                    const uint8_t nonce[PQNET_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
                    const uint8_t *in, size_t inlen, uint8_t *out);

/*
 * A keyed context for many messages under one key.
 *
 * The caller owns the struct (embed it anywhere) and pairs every successful
 * pqnet_aead_ctx_init with one pqnet_aead_ctx_free. The context owns an
 * OpenSSL EVP_CIPHER_CTX holding the expanded key; free releases and wipes it.
 * A context may be used for both sealing and opening. It is not thread-safe:
 * one call at a time per context. Do not copy the struct.
 */
typedef struct pqnet_aead_ctx {
  struct evp_cipher_ctx_st *evp; /* owned; NULL when not initialised */
} pqnet_aead_ctx;

/*
 * Set up ctx with key. ctx must not hold an initialised context already (that
 * one would leak; use pqnet_aead_ctx_rekey). The key bytes are not retained
 * (only OpenSSL's expanded schedule is); the caller may wipe key afterwards.
 *
 * Returns 0, or PQNET_ERR_INVALID_ARG (ctx or key NULL), PQNET_ERR_NOMEM or
 * PQNET_ERR_CRYPTO. On failure ctx->evp is NULL and nothing needs freeing
 * (pqnet_aead_ctx_free is still harmless).
 */
int pqnet_aead_ctx_init(pqnet_aead_ctx *ctx, const uint8_t key[PQNET_AEAD_KEY_LEN]);

/*
 * Replace the key of an initialised context without reallocating (for
 * rekeying). Returns 0, or PQNET_ERR_INVALID_ARG (ctx or key NULL),
 * PQNET_ERR_STATE (ctx not initialised) or PQNET_ERR_CRYPTO. After a CRYPTO
 * failure the context must be freed.
 */
int pqnet_aead_ctx_rekey(pqnet_aead_ctx *ctx, const uint8_t key[PQNET_AEAD_KEY_LEN]);

/* Release and wipe ctx. Accepts NULL and a context whose init failed or that
 * was zero-initialised; calling it twice is harmless. */
void pqnet_aead_ctx_free(pqnet_aead_ctx *ctx);

/*
 * Seal with the context's key; same contract and buffers as pqnet_aead_seal,
 * with one more code: PQNET_ERR_STATE when ctx was not initialised (ctx NULL
 * is PQNET_ERR_INVALID_ARG). PQNET_ERR_NOMEM is not returned. The context
 * stays usable after any failure except PQNET_ERR_CRYPTO.
 */
int pqnet_aead_ctx_seal(pqnet_aead_ctx *ctx, const uint8_t nonce[PQNET_AEAD_NONCE_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
                        uint8_t *out);

/*
 * Open with the context's key; same contract and buffers as pqnet_aead_open,
 * with one more code: PQNET_ERR_STATE when ctx was not initialised (ctx NULL
 * is PQNET_ERR_INVALID_ARG; out is not touched then). PQNET_ERR_NOMEM is not
 * returned. The context stays usable after PQNET_ERR_AUTH and the argument
 * errors.
 */
int pqnet_aead_ctx_open(pqnet_aead_ctx *ctx, const uint8_t nonce[PQNET_AEAD_NONCE_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
                        uint8_t *out);

#endif /* PQNET_CRYPTO_AEAD_H */
