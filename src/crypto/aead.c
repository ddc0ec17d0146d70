/*
 * AES-256-GCM over OpenSSL 3's EVP_CIPHER interface.
 *
 * Every message runs the same sequence on an EVP_CIPHER_CTX whose key schedule
 * is already in place:
 *   EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL)  new nonce, same key
 *   [decrypt] EVP_CIPHER_CTX_ctrl(AEAD_SET_TAG)            expected tag
 *   EVP_CipherUpdate(out = NULL, aad)                      associated data
 *   EVP_CipherUpdate(out, in)                              payload, in chunks
 *   EVP_CipherFinal_ex                                     tag check on decrypt
 *   [encrypt] EVP_CIPHER_CTX_ctrl(AEAD_GET_TAG)            tag
 * The one-shot functions build a temporary context around the same code.
 */
#include "crypto/aead.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/mem.h"
#include "pqnet/error.h"

/* EVP_CipherUpdate takes an int length; longer inputs go through in chunks of
 * this size (GCM is a stream mode, so the split does not change the output). */
#define AEAD_CHUNK ((size_t)1 << 30)

void pqnet_aead_nonce_from_counter(uint8_t nonce[PQNET_AEAD_NONCE_LEN], uint64_t counter) {
  nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

/* Feed len bytes of in through the cipher into out (out NULL: AAD). */
static int feed(EVP_CIPHER_CTX *evp, uint8_t *out, const uint8_t *in, size_t len) {
  while (len > 0) {
    size_t n = len < AEAD_CHUNK ? len : AEAD_CHUNK;
    int outl = 0;
    if (EVP_CipherUpdate(evp, out, &outl, in, (int)n) != 1) return 0;
    /* GCM never buffers: each update emits exactly its input. */
    if (out != NULL && (size_t)outl != n) return 0;
    if (out != NULL) out += n;
    in += n;
    len -= n;
  }
  return 1;
}

/*
 * One message on an initialised context. enc 1: encrypt len bytes of in into
 * out and write the tag to tag. enc 0: decrypt and check against tag.
 * Returns 0, PQNET_ERR_AUTH (decrypt only) or PQNET_ERR_CRYPTO; the caller
 * wipes out on failure.
 */
static int run(EVP_CIPHER_CTX *evp, int enc, const uint8_t *nonce, const uint8_t *aad,
               size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
               uint8_t tag[PQNET_AEAD_TAG_LEN]) {
  uint8_t scratch[32];
  int outl = 0;

  if (EVP_CipherInit_ex2(evp, NULL, NULL, nonce, enc, NULL) != 1) return PQNET_ERR_CRYPTO;
  if (!enc && EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_SET_TAG, PQNET_AEAD_TAG_LEN, tag) != 1)
    return PQNET_ERR_CRYPTO;
  if (aadlen > 0 && !feed(evp, NULL, aad, aadlen)) return PQNET_ERR_CRYPTO;
  if (len > 0 && !feed(evp, out, in, len)) return PQNET_ERR_CRYPTO;
  /* GCM's final step emits no bytes; scratch only keeps OpenSSL's pointer valid
   * when out is NULL for an empty payload. */
  if (EVP_CipherFinal_ex(evp, scratch, &outl) != 1) return enc ? PQNET_ERR_CRYPTO : PQNET_ERR_AUTH;
  if (outl != 0) return PQNET_ERR_CRYPTO;
  if (enc && EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_GET_TAG, PQNET_AEAD_TAG_LEN, tag) != 1)
    return PQNET_ERR_CRYPTO;
  return 0;
}

/* Install key into a fresh or initialised EVP context (encrypt direction; GCM
 * uses the same AES key schedule both ways). */
static int set_key(EVP_CIPHER_CTX *evp, const EVP_CIPHER *cipher, const uint8_t *key) {
  if (EVP_CipherInit_ex2(evp, cipher, key, NULL, 1, NULL) != 1) return 0;
  return EVP_CIPHER_CTX_get_key_length(evp) == PQNET_AEAD_KEY_LEN &&
         EVP_CIPHER_CTX_get_iv_length(evp) == PQNET_AEAD_NONCE_LEN;
}

/* Shared argument checks; len is the plaintext length. */
static int check_args(const uint8_t *nonce, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                      size_t len, const uint8_t *out) {
  if (nonce == NULL || (aad == NULL && aadlen > 0)) return PQNET_ERR_INVALID_ARG;
  if (in == NULL && len > 0) return PQNET_ERR_INVALID_ARG;
  if (out == NULL && len > 0) return PQNET_ERR_INVALID_ARG;
  if ((uint64_t)len > PQNET_AEAD_MAX_PT) return PQNET_ERR_TOO_LARGE;
  return 0;
}

static int ctx_seal(EVP_CIPHER_CTX *evp, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, size_t ptlen, uint8_t *out) {
  uint8_t tag[PQNET_AEAD_TAG_LEN];
  int rc = run(evp, 1, nonce, aad, aadlen, pt, ptlen, out, tag);
  if (rc == 0) {
    for (size_t i = 0; i < PQNET_AEAD_TAG_LEN; i++) out[ptlen + i] = tag[i];
  } else {
    pqnet_wipe(out, ptlen + PQNET_AEAD_TAG_LEN);
    ERR_clear_error();
  }
  pqnet_wipe(tag, sizeof tag);
  return rc;
}

static int ctx_open(EVP_CIPHER_CTX *evp, const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
                    const uint8_t *in, size_t inlen, uint8_t *out) {
  size_t ptlen = inlen - PQNET_AEAD_TAG_LEN;
  uint8_t tag[PQNET_AEAD_TAG_LEN];
  /* Copy the tag first: in an in-place call it sits right after the bytes
   * being overwritten, and a copy keeps that reasoning out of OpenSSL's hands. */
  for (size_t i = 0; i < PQNET_AEAD_TAG_LEN; i++) tag[i] = in[ptlen + i];
  int rc = run(evp, 0, nonce, aad, aadlen, in, ptlen, out, tag);
  if (rc != 0) {
    pqnet_wipe(out, ptlen);
    ERR_clear_error();
  }
  return rc;
}

/* ---- keyed context ---------------------------------------------------------- */

int pqnet_aead_ctx_init(pqnet_aead_ctx *ctx, const uint8_t key[PQNET_AEAD_KEY_LEN]) {
  if (ctx == NULL) return PQNET_ERR_INVALID_ARG;
  ctx->evp = NULL;
  if (key == NULL) return PQNET_ERR_INVALID_ARG;

  EVP_CIPHER_CTX *evp = EVP_CIPHER_CTX_new();
  if (evp == NULL) {
    ERR_clear_error();
    return PQNET_ERR_NOMEM;
  }
  /* An explicit fetch binds the provider implementation once; the context
   * keeps its own reference, so ours is dropped right away. */
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
  int ok = cipher != NULL && set_key(evp, cipher, key);
  EVP_CIPHER_free(cipher);
  if (!ok) {
    EVP_CIPHER_CTX_free(evp);
    ERR_clear_error();
    return PQNET_ERR_CRYPTO;
  }
  ctx->evp = evp;
  return 0;
}

int pqnet_aead_ctx_rekey(pqnet_aead_ctx *ctx, const uint8_t key[PQNET_AEAD_KEY_LEN]) {
  if (ctx == NULL || key == NULL) return PQNET_ERR_INVALID_ARG;
  if (ctx->evp == NULL) return PQNET_ERR_STATE;
  if (!set_key(ctx->evp, NULL, key)) {
    ERR_clear_error();
    return PQNET_ERR_CRYPTO;
  }
  return 0;
}

void pqnet_aead_ctx_free(pqnet_aead_ctx *ctx) {
  if (ctx == NULL) return;
  /* EVP_CIPHER_CTX_free cleanses the provider context, key schedule included. */
  EVP_CIPHER_CTX_free(ctx->evp);
  pqnet_wipe(ctx, sizeof *ctx);
}

int pqnet_aead_ctx_seal(pqnet_aead_ctx *ctx, const uint8_t nonce[PQNET_AEAD_NONCE_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
                        uint8_t *out) {
  if (out == NULL) return PQNET_ERR_INVALID_ARG;
  int rc = ctx == NULL ? PQNET_ERR_INVALID_ARG : check_args(nonce, aad, aadlen, pt, ptlen, out);
  if (rc == 0 && ctx->evp == NULL) rc = PQNET_ERR_STATE;
  if (rc != 0) {
    /* Never leave a caller-visible output half-defined, even on bad
     * arguments; the length is trusted only when it passed the cap. */
    if (rc != PQNET_ERR_TOO_LARGE && (pt != NULL || ptlen == 0))
      pqnet_wipe(out, ptlen + PQNET_AEAD_TAG_LEN);
    return rc;
  }
  return ctx_seal(ctx->evp, nonce, aad, aadlen, pt, ptlen, out);
}

int pqnet_aead_ctx_open(pqnet_aead_ctx *ctx, const uint8_t nonce[PQNET_AEAD_NONCE_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
                        uint8_t *out) {
  if (ctx == NULL || in == NULL) return PQNET_ERR_INVALID_ARG;
  if (inlen < PQNET_AEAD_TAG_LEN) return PQNET_ERR_BAD_LENGTH;
  int rc = check_args(nonce, aad, aadlen, in, inlen - PQNET_AEAD_TAG_LEN, out);
  if (rc == 0 && ctx->evp == NULL) rc = PQNET_ERR_STATE;
  if (rc != 0) return rc;
  return ctx_open(ctx->evp, nonce, aad, aadlen, in, inlen, out);
}

/* ---- one-shot ----------------------------------------------------------------- */

int pqnet_aead_seal(const uint8_t key[PQNET_AEAD_KEY_LEN],
                    const uint8_t nonce[PQNET_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, size_t ptlen, uint8_t *out) {
  if (out == NULL) return PQNET_ERR_INVALID_ARG;
  int rc = key == NULL ? PQNET_ERR_INVALID_ARG : check_args(nonce, aad, aadlen, pt, ptlen, out);
  if (rc != 0) {
    if (rc != PQNET_ERR_TOO_LARGE && (pt != NULL || ptlen == 0))
      pqnet_wipe(out, ptlen + PQNET_AEAD_TAG_LEN);
    return rc;
  }
  pqnet_aead_ctx ctx;
  rc = pqnet_aead_ctx_init(&ctx, key);
  if (rc == 0)
    rc = ctx_seal(ctx.evp, nonce, aad, aadlen, pt, ptlen, out);
  else
    pqnet_wipe(out, ptlen + PQNET_AEAD_TAG_LEN);
  pqnet_aead_ctx_free(&ctx);
  return rc;
}

int pqnet_aead_open(const uint8_t key[PQNET_AEAD_KEY_LEN],
                    const uint8_t nonce[PQNET_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
                    const uint8_t *in, size_t inlen, uint8_t *out) {
  if (key == NULL || in == NULL) return PQNET_ERR_INVALID_ARG;
  if (inlen < PQNET_AEAD_TAG_LEN) return PQNET_ERR_BAD_LENGTH;
  int rc = check_args(nonce, aad, aadlen, in, inlen - PQNET_AEAD_TAG_LEN, out);
  if (rc != 0) return rc;
  pqnet_aead_ctx ctx;
  rc = pqnet_aead_ctx_init(&ctx, key);
  if (rc == 0)
    rc = ctx_open(ctx.evp, nonce, aad, aadlen, in, inlen, out);
  else
    pqnet_wipe(out, inlen - PQNET_AEAD_TAG_LEN);
  pqnet_aead_ctx_free(&ctx);
  return rc;
}
