/*
 * Fuzz target for ML-DSA verification: arbitrary bytes as public key,
 * message, signature and context, of any lengths, through pure Verify,
 * Verify_internal and the external-mu form. Nothing may crash or trip a
 * sanitizer; wrong lengths must give PQNET_ERR_BAD_LENGTH, a context over 255
 * bytes PQNET_ERR_INVALID_ARG, anything else 0 or PQNET_ERR_AUTH. Each part
 * is copied into its own exact-size allocation so that AddressSanitizer sees
 * any read past its end.
 *
 * Input layout: byte 0: bits 0-1 the parameter set (3 = ML-DSA-65), bit 7 the
 * mode.
 *  mode 1 ("exact"): byte 1 = context length; then pk (pk_bytes), signature
 *          (sig_bytes), context, and the rest is the message. The parts are
 *          cut short when the input ends, so seeds made from valid triples
 *          (see corpus/) reach the arithmetic and their mutations the hint
 *          decoder and the final comparison.
 *  mode 0 ("free"): bytes 1-2, 3-4, 5-6 are little-endian lengths of pk,
 *          signature and context (a context may exceed 255 bytes); the parts
 *          follow in that order, each clamped to what is left, and the rest
 *          is the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mldsa.h"
#include "pqnet/error.h"

static const pqnet_mldsa_alg sets[4] = {PQNET_MLDSA44, PQNET_MLDSA65, PQNET_MLDSA87, PQNET_MLDSA65};

/* Take up to want bytes from (*in, *left) into a fresh exact-size buffer. */
static uint8_t *take(const uint8_t **in, size_t *left, size_t want, size_t *got) {
  size_t n = want < *left ? want : *left;
  uint8_t *p = malloc(n ? n : 1);
  if (!p) abort();
  if (n) memcpy(p, *in, n);
  *in += n;
  *left -= n;
  *got = n;
  return p;
}

static size_t le16(const uint8_t *p) {
  return (size_t)p[0] | (size_t)p[1] << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const pqnet_mldsa_alg alg = sets[data[0] & 3];
  const size_t pk_bytes = pqnet_mldsa_pk_bytes(alg), sig_bytes = pqnet_mldsa_sig_bytes(alg);
  size_t want_pk, want_sig, want_ctx, left;
  const uint8_t *in;
  if (data[0] & 0x80) {
    want_pk = pk_bytes;
    want_sig = sig_bytes;
    want_ctx = data[1];
    in = data + 2;
    left = size - 2;
  } else {
    if (size < 7) return 0;
    want_pk = le16(data + 1);
    want_sig = le16(data + 3);
    want_ctx = le16(data + 5);
    in = data + 7;
    left = size - 7;
  }
  size_t pk_len, sig_len, ctx_len, msg_len;
  uint8_t *pk = take(&in, &left, want_pk, &pk_len);
  uint8_t *sig = take(&in, &left, want_sig, &sig_len);
  uint8_t *ctx = take(&in, &left, want_ctx, &ctx_len);
  uint8_t *msg = take(&in, &left, left, &msg_len);
  const int lengths_ok = pk_len == pk_bytes && sig_len == sig_bytes;

  int rc = pqnet_mldsa_verify(alg, pk, pk_len, msg, msg_len, sig, sig_len, ctx, ctx_len);
  if (ctx_len > PQNET_MLDSA_MAX_CTX_LEN) {
    if (rc != PQNET_ERR_INVALID_ARG) abort();
  } else if (!lengths_ok) {
    if (rc != PQNET_ERR_BAD_LENGTH) abort();
  } else if (rc != 0 && rc != PQNET_ERR_AUTH) {
    abort();
  }

  /* The same bytes through the internal interface: M' = ctx || msg is not
   * the pure-mode M', so only the error classes are checked. */
  rc = pqnet_mldsa_verify_internal(alg, pk, pk_len, msg, msg_len, sig, sig_len);
  if (lengths_ok ? (rc != 0 && rc != PQNET_ERR_AUTH) : rc != PQNET_ERR_BAD_LENGTH) abort();
  if (msg_len >= PQNET_MLDSA_MU_BYTES) {
    rc = pqnet_mldsa_verify_mu(alg, pk, pk_len, msg, sig, sig_len);
    if (lengths_ok ? (rc != 0 && rc != PQNET_ERR_AUTH) : rc != PQNET_ERR_BAD_LENGTH) abort();
  }

  free(pk);
  free(sig);
  free(ctx);
  free(msg);
  return 0;
}
