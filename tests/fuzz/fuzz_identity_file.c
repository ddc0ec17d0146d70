/*
 * The identity file decoder on arbitrary bytes: a decoded image must re-encode
 * to exactly the same bytes; anything else must be refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/identity_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t seed[32], again[PQNET_IDENTITY_FILE_LEN];
  pqnet_identity_file_status st;
  memset(&st, 0, sizeof st);
  if (pqnet_identity_file_decode(data, size, seed, &st) != 0) return 0;
  if (size != PQNET_IDENTITY_FILE_LEN) abort();
  pqnet_identity_file_encode(seed, again);
  if (memcmp(again, data, size) != 0) abort();
  return 0;
}
