/*
 * SHA-256, HMAC-SHA-256 and HKDF-SHA-256 over OpenSSL 3.
 *
 * HKDF uses the provider KDF "HKDF" (EVP_KDF_fetch / EVP_KDF_derive) with the
 * mode parameter selecting EXTRACT_ONLY, EXPAND_ONLY or both, so the PRK of the
 * combined function never leaves OpenSSL.
 */
#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "common/mem.h"
#include "pqnet/error.h"

/* OpenSSL treats a NULL octet-string parameter as "missing"; a zero-length
 * input is passed as this valid pointer with length 0 instead. */
static const uint8_t empty_input[1] = {0};

static void *octets(const uint8_t *p) {
  /* OSSL_PARAM wants a non-const pointer; OpenSSL only reads input params. */
  return (void *)(p != NULL ? p : empty_input);
}

int pqnet_sha256(uint8_t out[PQNET_SHA256_LEN], const uint8_t *in, size_t len) {
  if (out == NULL) return PQNET_ERR_INVALID_ARG;
  if (in == NULL && len > 0) {
    pqnet_wipe(out, PQNET_SHA256_LEN);
    return PQNET_ERR_INVALID_ARG;
  }
  unsigned int outl = 0;
  if (EVP_Digest(octets(in), len, out, &outl, EVP_sha256(), NULL) != 1 ||
      outl != PQNET_SHA256_LEN) {
    pqnet_wipe(out, PQNET_SHA256_LEN);
    ERR_clear_error();
    return PQNET_ERR_CRYPTO;
  }
  return 0;
}

int pqnet_hmac_sha256(uint8_t out[PQNET_SHA256_LEN], const uint8_t *key, size_t keylen,
                      const uint8_t *msg, size_t msglen) {
  if (out == NULL) return PQNET_ERR_INVALID_ARG;
  if ((key == NULL && keylen > 0) || (msg == NULL && msglen > 0)) {
    pqnet_wipe(out, PQNET_SHA256_LEN);
    return PQNET_ERR_INVALID_ARG;
  }
  size_t outl = 0;
  if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, octets(key), keylen, octets(msg), msglen, out,
                PQNET_SHA256_LEN, &outl) == NULL ||
      outl != PQNET_SHA256_LEN) {
    pqnet_wipe(out, PQNET_SHA256_LEN);
    ERR_clear_error();
    return PQNET_ERR_CRYPTO;
  }
  return 0;
}

/*
 * One EVP_KDF "HKDF" derivation with SHA-256. key is the IKM (extract, both)
 * or the PRK (expand only). salt is used by extract and both, info by expand
 * and both; pass NULL/0 to leave them out. Returns 0 or PQNET_ERR_CRYPTO and
 * wipes out on failure.
 */
static int hkdf_derive(int mode, uint8_t *out, size_t outlen, const uint8_t *key, size_t keylen,
                       const uint8_t *salt, size_t saltlen, const uint8_t *info, size_t infolen) {
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(key), keylen);
  /* An absent salt is HashLen zero bytes inside OpenSSL, which is also what
   * an HMAC key of length 0 amounts to: the RFC 5869 default either way. */
  if (saltlen > 0)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt), saltlen);
  if (infolen > 0)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info), infolen);
  params[n] = OSSL_PARAM_construct_end();

  int ok = 0;
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
  if (kctx != NULL) ok = EVP_KDF_derive(kctx, out, outlen, params) == 1;
  EVP_KDF_CTX_free(kctx); /* cleanses the copies of key, salt and info */
  EVP_KDF_free(kdf);
  if (!ok) {
    pqnet_wipe(out, outlen);
    ERR_clear_error();
    return PQNET_ERR_CRYPTO;
  }
  return 0;
}

int pqnet_hkdf_extract(uint8_t prk[PQNET_HKDF_PRK_LEN], const uint8_t *salt, size_t saltlen,
                       const uint8_t *ikm, size_t ikmlen) {
  if (prk == NULL) return PQNET_ERR_INVALID_ARG;
  if ((salt == NULL && saltlen > 0) || (ikm == NULL && ikmlen > 0)) {
    pqnet_wipe(prk, PQNET_HKDF_PRK_LEN);
    return PQNET_ERR_INVALID_ARG;
  }
  return hkdf_derive(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, prk, PQNET_HKDF_PRK_LEN, ikm, ikmlen, salt,
                     saltlen, NULL, 0);
}

/* Checks shared by expand and the combined function. */
static int check_okm(uint8_t *okm, size_t okmlen, const uint8_t *info, size_t infolen) {
  if (okmlen == 0 || okmlen > PQNET_HKDF_MAX_OKM) return PQNET_ERR_INVALID_ARG;
  if (info == NULL && infolen > 0) {
    pqnet_wipe(okm, okmlen);
    return PQNET_ERR_INVALID_ARG;
  }
  return 0;
}

int pqnet_hkdf_expand(uint8_t *okm, size_t okmlen, const uint8_t prk[PQNET_HKDF_PRK_LEN],
                      const uint8_t *info, size_t infolen) {
  if (okm == NULL) return PQNET_ERR_INVALID_ARG;
  int rc = check_okm(okm, okmlen, info, infolen);
  if (rc != 0) return rc;
  if (prk == NULL) {
    pqnet_wipe(okm, okmlen);
    return PQNET_ERR_INVALID_ARG;
  }
  return hkdf_derive(EVP_KDF_HKDF_MODE_EXPAND_ONLY, okm, okmlen, prk, PQNET_HKDF_PRK_LEN, NULL, 0,
                     info, infolen);
}

int pqnet_hkdf(uint8_t *okm, size_t okmlen, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
               size_t ikmlen, const uint8_t *info, size_t infolen) {
  if (okm == NULL) return PQNET_ERR_INVALID_ARG;
  int rc = check_okm(okm, okmlen, info, infolen);
  if (rc != 0) return rc;
  if ((salt == NULL && saltlen > 0) || (ikm == NULL && ikmlen > 0)) {
    pqnet_wipe(okm, okmlen);
    return PQNET_ERR_INVALID_ARG;
  }
  return hkdf_derive(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, okm, okmlen, ikm, ikmlen, salt, saltlen,
                     info, infolen);
}
