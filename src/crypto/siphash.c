/*
 * SipHash-2-4: four 64-bit words of state initialised from the key and the
 * constants "somepseudorandomlygeneratedbytes"; each 8-byte little-endian
 * word of the message (the last one padded with zeros and carrying the
 * length mod 256 in its top byte) is XORed into v3, mixed by two SipRounds,
 * then XORed into v0; finalisation XORs 0xff into v2 and runs four rounds.
 */
#include "crypto/siphash.h"

#include "common/mem.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4]) {
  v[0] += v[1];
  v[1] = ROTL(v[1], 13);
  v[1] ^= v[0];
  v[0] = ROTL(v[0], 32);
  v[2] += v[3];
  v[3] = ROTL(v[3], 16);
  v[3] ^= v[2];
  v[0] += v[3];
  v[3] = ROTL(v[3], 21);
  v[3] ^= v[0];
  v[2] += v[1];
  v[1] = ROTL(v[1], 17);
  v[1] ^= v[2];
  v[2] = ROTL(v[2], 32);
}

static void absorb(uint64_t v[4], uint64_t m) {
  v[3] ^= m;
  sipround(v);
  sipround(v);
  v[0] ^= m;
}

uint64_t pqnet_siphash24(const uint8_t key[PQNET_SIPHASH_KEY_BYTES], const uint8_t *msg,
                         size_t len) {
  uint64_t k0 = pqnet_load64_le(key), k1 = pqnet_load64_le(key + 8);
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                   k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) absorb(v, pqnet_load64_le(msg + i));
  uint64_t last = (uint64_t)(len & 0xff) << 56;
  for (size_t i = 0; i < len % 8; i++) last |= (uint64_t)msg[whole + i] << (8 * i);
  absorb(v, last);
  v[2] ^= 0xff;
  for (int r = 0; r < 4; r++) sipround(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}
