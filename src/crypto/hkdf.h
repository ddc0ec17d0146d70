/*
 * SHA-256, HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869), thin wrappers over
 * OpenSSL 3 (EVP_Digest, EVP_Q_mac and the EVP_KDF "HKDF" implementation).
 *
 * All functions are stateless and thread-safe. Inputs may be NULL only when
 * their length is 0; outputs are caller-owned buffers of the stated size and
 * may not overlap the inputs. Nothing is retained after a call. On failure
 * the output buffer is zeroed (unless it is NULL or its length is the invalid
 * argument), so a derived key is never half-written.
 */
#ifndef PQNET_CRYPTO_HKDF_H
#define PQNET_CRYPTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define PQNET_SHA256_LEN   32
#define PQNET_HKDF_PRK_LEN 32
/* RFC 5869, section 2.3: L <= 255 * HashLen. */
#define PQNET_HKDF_MAX_OKM (255 * PQNET_SHA256_LEN)

/*
 * out = SHA-256(in). Returns 0, PQNET_ERR_INVALID_ARG (out NULL, or in NULL
 * with len > 0) or PQNET_ERR_CRYPTO.
 */
int pqnet_sha256(uint8_t out[PQNET_SHA256_LEN], const uint8_t *in, size_t len);

/*
 * out = HMAC-SHA-256(key, msg). Any key length (0 included). Returns 0,
 * PQNET_ERR_INVALID_ARG (out NULL, or a NULL buffer with a non-zero length)
 * or PQNET_ERR_CRYPTO.
 */
int pqnet_hmac_sha256(uint8_t out[PQNET_SHA256_LEN], const uint8_t *key, size_t keylen,
                      const uint8_t *msg, size_t msglen);

/*
 * HKDF-Extract: prk = HMAC-SHA-256(salt, ikm). An empty salt means
 * HashLen zero bytes, as RFC 5869 specifies. Returns 0,
 * PQNET_ERR_INVALID_ARG (prk NULL, or a NULL buffer with a non-zero length)
 * or PQNET_ERR_CRYPTO.
 */
int pqnet_hkdf_extract(uint8_t prk[PQNET_HKDF_PRK_LEN], const uint8_t *salt, size_t saltlen,
                       const uint8_t *ikm, size_t ikmlen);

/*
 * HKDF-Expand: okm = the first okmlen bytes of T(1) || T(2) || ... under prk.
 * 1 <= okmlen <= PQNET_HKDF_MAX_OKM. Returns 0, PQNET_ERR_INVALID_ARG (okm or
 * prk NULL, info NULL with infolen > 0, okmlen 0 or above
 * PQNET_HKDF_MAX_OKM) or PQNET_ERR_CRYPTO.
 */
int pqnet_hkdf_expand(uint8_t *okm, size_t okmlen, const uint8_t prk[PQNET_HKDF_PRK_LEN],
                      const uint8_t *info, size_t infolen);

/*
 * Extract then expand in one OpenSSL call, so the PRK never reaches pqnet's
 * memory. Same limits and codes as the two steps.
 */
int pqnet_hkdf(uint8_t *okm, size_t okmlen, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
               size_t ikmlen, const uint8_t *info, size_t infolen);

#endif /* PQNET_CRYPTO_HKDF_H */
