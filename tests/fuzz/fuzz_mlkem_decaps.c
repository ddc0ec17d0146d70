/*
 * Fuzz target for the ML-KEM decapsulation side: arbitrary bytes as dk and c,
 * of any lengths, go through the dk check, the ek check and decapsulation.
 * Nothing may crash or trip a sanitizer; wrong lengths must give
 * PQNET_ERR_BAD_LENGTH; a dk that passes its check must decapsulate any c of
 * the right length without error (implicit rejection), deterministically.
 *
 * Input layout: byte 0: bits 0-1 the parameter set (3 = 768), bit 7 the mode;
 * bytes 1-2: little-endian split point.
 *  mode 0: dk = rest[0 : split] (split clamped to the rest), c = the remainder;
 *  mode 1: d || z = the first 64 bytes of the rest give a valid key pair, and
 *          the remainder is the ciphertext (its own length, then padded or
 *          cut to the right length), so mutations reach the decryption and
 *          the re-encryption comparison.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mlkem.h"
#include "pqnet/error.h"

static const pqnet_mlkem_params *const sets[4] = {&pqnet_mlkem512, &pqnet_mlkem768,
                                                  &pqnet_mlkem1024, &pqnet_mlkem768};

static void decaps_checked(const pqnet_mlkem_params *p, const uint8_t *dk, size_t dk_len,
                           const uint8_t *c, size_t c_len) {
  uint8_t K1[32], K2[32];
  int ek_rc = pqnet_mlkem_check_ek(p, dk, dk_len); /* the same bytes as an ek */
  if ((dk_len == p->ek_bytes) != (ek_rc != PQNET_ERR_BAD_LENGTH)) abort();
  int dk_rc = pqnet_mlkem_check_dk(p, dk, dk_len);
  if ((dk_len == p->dk_bytes) != (dk_rc != PQNET_ERR_BAD_LENGTH)) abort();
  int rc = pqnet_mlkem_decaps(p, K1, dk, dk_len, c, c_len);
  int rc2 = pqnet_mlkem_decaps_internal(p, K2, dk, dk_len, c, c_len);
  int lengths_ok = dk_len == p->dk_bytes && c_len == p->ct_bytes;
  if (!lengths_ok) {
    if (rc != PQNET_ERR_BAD_LENGTH || rc2 != PQNET_ERR_BAD_LENGTH) abort();
    return;
  }
  if (rc2 != 0) abort();
  if (dk_rc == 0) {
    if (rc != 0 || memcmp(K1, K2, 32) != 0) abort();
  } else if (rc != PQNET_ERR_BAD_KEY) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  const pqnet_mlkem_params *p = sets[data[0] & 3];
  size_t split = (size_t)data[1] | (size_t)data[2] << 8;
  const uint8_t *rest = data + 3;
  size_t rest_len = size - 3;

  if (!(data[0] & 0x80)) {
    if (split > rest_len) split = rest_len;
    decaps_checked(p, rest, split, rest + split, rest_len - split);
    return 0;
  }
  if (rest_len < 64) return 0;
  static uint8_t ek[PQNET_MLKEM_MAX_PUBLICKEYBYTES], dk[PQNET_MLKEM_MAX_SECRETKEYBYTES];
  static uint8_t c[PQNET_MLKEM_MAX_CIPHERTEXTBYTES];
  if (pqnet_mlkem_keygen_internal(p, ek, dk, rest, rest + 32) != 0) abort();
  if (pqnet_mlkem_check_ek(p, ek, p->ek_bytes) != 0) abort();
  const uint8_t *ct = rest + 64;
  size_t ct_len = rest_len - 64;
  decaps_checked(p, dk, p->dk_bytes, ct, ct_len);
  memset(c, 0, sizeof c);
  memcpy(c, ct, ct_len < p->ct_bytes ? ct_len : p->ct_bytes);
  decaps_checked(p, dk, p->dk_bytes, c, p->ct_bytes);
  return 0;
}
