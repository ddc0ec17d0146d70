/*
 * Fuzz AES-256-GCM open with arbitrary bytes, and seal/open round trips.
 *
 * Input layout (missing bytes read as zero):
 *   key[32] || nonce[12] || aadlen u8 || aad[aadlen] || body...
 * The body is opened as ct || tag: open must fail with a code (output wiped)
 * or succeed, and a success must re-seal to the same bytes. The body is also
 * sealed as a plaintext and must open back to itself, identically through
 * the one-shot functions, a keyed context and in place. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "pqnet/error.h"

static size_t take(uint8_t *dst, size_t want, const uint8_t **data, size_t *size) {
  size_t n = *size < want ? *size : want;
  memset(dst, 0, want);
  if (n > 0) memcpy(dst, *data, n);
  *data += n;
  *size -= n;
  return n;
}

static void check(int cond) {
  if (!cond) abort();
}

static int all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != 0) return 0;
  return 1;
}

static void fuzz_open(pqnet_aead_ctx *ctx, const uint8_t *key, const uint8_t *nonce,
                      const uint8_t *aad, size_t aadlen, const uint8_t *body, size_t len) {
  size_t outcap = len > 16 ? len - 16 : 1;
  uint8_t *out = malloc(outcap), *out2 = malloc(outcap), *reseal = malloc(len + 16);
  check(out && out2 && reseal);
  memset(out, 0xa5, outcap);

  int rc = pqnet_aead_open(key, nonce, aad, aadlen, body, len, out);
  int rc2 = pqnet_aead_ctx_open(ctx, nonce, aad, aadlen, body, len, out2);
  check(rc == rc2);
  if (len < PQNET_AEAD_TAG_LEN) {
    check(rc == PQNET_ERR_BAD_LENGTH);
  } else if (rc == 0) {
    /* Only possible when the input is a genuine sealed message. */
    size_t ptlen = len - 16;
    check(memcmp(out, out2, ptlen) == 0);
    check(pqnet_aead_seal(key, nonce, aad, aadlen, out, ptlen, reseal) == 0);
    check(memcmp(reseal, body, len) == 0);
  } else {
    check(rc == PQNET_ERR_AUTH);
    check(all_zero(out, len - 16) && all_zero(out2, len - 16));
  }
  free(out);
  free(out2);
  free(reseal);
}

static void fuzz_round_trip(pqnet_aead_ctx *ctx, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen) {
  uint8_t *a = malloc(ptlen + 16), *b = malloc(ptlen + 16), *back = malloc(ptlen + 1);
  check(a && b && back);

  check(pqnet_aead_seal(key, nonce, aad, aadlen, pt, ptlen, a) == 0);
  check(pqnet_aead_ctx_seal(ctx, nonce, aad, aadlen, pt, ptlen, b) == 0);
  check(memcmp(a, b, ptlen + 16) == 0);
  check(pqnet_aead_open(key, nonce, aad, aadlen, a, ptlen + 16, back) == 0);
  check(memcmp(back, pt, ptlen) == 0);

  /* In place through the context: b becomes the plaintext again. */
  check(pqnet_aead_ctx_open(ctx, nonce, aad, aadlen, b, ptlen + 16, b) == 0);
  check(memcmp(b, pt, ptlen) == 0);
  check(pqnet_aead_ctx_seal(ctx, nonce, aad, aadlen, b, ptlen, b) == 0);
  check(memcmp(a, b, ptlen + 16) == 0);

  /* Flip one bit chosen by the input: must be rejected. */
  size_t bit = (ptlen * 31 + aadlen) % (8 * (ptlen + 16));
  b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  check(pqnet_aead_ctx_open(ctx, nonce, aad, aadlen, b, ptlen + 16, back) == PQNET_ERR_AUTH);
  check(all_zero(back, ptlen));

  free(a);
  free(b);
  free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t key[PQNET_AEAD_KEY_LEN], nonce[PQNET_AEAD_NONCE_LEN], lenbyte;
  take(key, sizeof key, &data, &size);
  take(nonce, sizeof nonce, &data, &size);
  take(&lenbyte, 1, &data, &size);
  size_t aadlen = lenbyte < size ? lenbyte : size;
  /* Exact-size copies so ASan sees any over-read; malloc(0) may be NULL, so
   * allocate at least one byte. */
  uint8_t *aad = malloc(aadlen + 1), *body = malloc(size - aadlen + 1);
  check(aad && body);
  take(aad, aadlen, &data, &size);
  size_t bodylen = take(body, size, &data, &size);

  pqnet_aead_ctx ctx;
  check(pqnet_aead_ctx_init(&ctx, key) == 0);
  fuzz_open(&ctx, key, nonce, aadlen ? aad : NULL, aadlen, body, bodylen);
  fuzz_round_trip(&ctx, key, nonce, aadlen ? aad : NULL, aadlen, body, bodylen);
  pqnet_aead_ctx_free(&ctx);

  free(aad);
  free(body);
  return 0;
}
