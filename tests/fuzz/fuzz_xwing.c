/*
 * Fuzz target for X-Wing: arbitrary bytes as an encapsulation key for
 * EncapsulateDerand and as a ciphertext for Decapsulate. Nothing may crash or
 * trip a sanitizer; wrong lengths must give PQNET_ERR_BAD_LENGTH. When the
 * input is long enough, its first 32 bytes also seed a real key pair and the
 * rest (padded or cut to 1120 bytes) is decapsulated with it, and an honest
 * encapsulation to that key (eseed from the input) must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/xwing.h"
#include "pqnet/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t sk[32] = {1, 2, 3, 4};
  static const uint8_t eseed[64] = {5, 6, 7, 8};
  static uint8_t pk[PQNET_XWING_PUBLICKEYBYTES], ct[PQNET_XWING_CIPHERTEXTBYTES];
  uint8_t ss[32], ss2[32];

  int rc = pqnet_xwing_encaps_derand(ss, ct, data, size, eseed);
  if ((size == PQNET_XWING_PUBLICKEYBYTES) != (rc != PQNET_ERR_BAD_LENGTH)) abort();
  rc = pqnet_xwing_decaps(ss, data, size, sk, sizeof sk);
  if ((size == PQNET_XWING_CIPHERTEXTBYTES) != (rc != PQNET_ERR_BAD_LENGTH)) abort();

  if (size < 32) return 0;
  if (pqnet_xwing_keygen_derand(pk, data) != 0) abort();
  memset(ct, 0, sizeof ct);
  memcpy(ct, data + 32, size - 32 < sizeof ct ? size - 32 : sizeof ct);
  rc = pqnet_xwing_decaps(ss, ct, sizeof ct, data, 32);
  if (rc != 0 && rc != PQNET_ERR_BAD_KEY) abort(); /* BAD_KEY: ct_X of small order */
  uint8_t es[64];
  memcpy(es, eseed, sizeof es);
  memcpy(es, data, size < sizeof es ? size : sizeof es);
  rc = pqnet_xwing_encaps_derand(ss, ct, pk, sizeof pk, es);
  if (rc != 0) abort(); /* pk is honest, and X25519(es[32:64], 9) never has small order */
  if (pqnet_xwing_decaps(ss2, ct, sizeof ct, data, 32) != 0 || memcmp(ss, ss2, 32) != 0) abort();
  return 0;
}
