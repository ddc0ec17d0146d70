/*
 * Differential fuzz target: incremental SHAKE128/256 (absorb and squeeze in
 * chunk sizes taken from the input) must equal the one-shot functions.
 * Input layout: byte 0 selects the function and output length, the next
 * bytes give chunk sizes, the rest is the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/sha3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  int use128 = data[0] & 1;
  size_t outlen = 1 + (size_t)data[1] * 3; /* up to 766 bytes: several blocks */
  size_t absorb_chunk = 1 + data[2], squeeze_chunk = 1 + data[3];
  const uint8_t *msg = data + 4;
  size_t msglen = size - 4;

  uint8_t *inc = malloc(outlen), *one = malloc(outlen);
  if (!inc || !one) abort();
  pqnet_keccak k;
  if (use128)
    pqnet_shake128_init(&k);
  else
    pqnet_shake256_init(&k);
  for (size_t off = 0; off < msglen; off += absorb_chunk) {
    size_t n = msglen - off < absorb_chunk ? msglen - off : absorb_chunk;
    pqnet_keccak_absorb(&k, msg + off, n);
  }
  for (size_t off = 0; off < outlen; off += squeeze_chunk) {
    size_t n = outlen - off < squeeze_chunk ? outlen - off : squeeze_chunk;
    pqnet_keccak_squeeze(&k, inc + off, n);
  }
  if (use128)
    pqnet_shake128(one, outlen, msg, msglen);
  else
    pqnet_shake256(one, outlen, msg, msglen);
  if (memcmp(inc, one, outlen) != 0) abort();
  free(inc);
  free(one);
  return 0;
}
