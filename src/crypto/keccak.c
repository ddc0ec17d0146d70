/*
 * Keccak-f[1600] and the FIPS 202 sponge: SHA3-256, SHA3-512, SHAKE128,
 * SHAKE256, with incremental absorb and squeeze.
 *
 * The permutation keeps the 25 lanes in local variables so the compiler can
 * hold them in registers; the round body is written out lane by lane (theta,
 * rho and pi fused into one pass, then chi and iota). Lane (x, y) is variable
 * a<x + 5y>, stored little-endian in the state array.
 */
#include "pqnet/sha3.h"

#include <string.h>

#include "common/mem.h"

#define ROL64(a, n) (((a) << (n)) | ((a) >> (64 - (n))))

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

void pqnet_keccak_f1600(uint64_t s[25]) {
  uint64_t a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
  uint64_t a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
  uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
  uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
  uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  uint64_t b00, b01, b02, b03, b04, b05, b06, b07, b08, b09, b10, b11, b12;
  uint64_t b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
  uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

  for (int round = 0; round < 24; round++) {
    /* theta */
    c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    d0 = c4 ^ ROL64(c1, 1);
    d1 = c0 ^ ROL64(c2, 1);
    d2 = c1 ^ ROL64(c3, 1);
    d3 = c2 ^ ROL64(c4, 1);
    d4 = c3 ^ ROL64(c0, 1);
    /* rho and pi: lane (x, y) moves to (y, 2x + 3y) */
    b00 = (a00 ^ d0);
    b16 = ROL64((a05 ^ d0), 36);
    b07 = ROL64((a10 ^ d0), 3);
    b23 = ROL64((a15 ^ d0), 41);
    b14 = ROL64((a20 ^ d0), 18);
    b10 = ROL64((a01 ^ d1), 1);
    b01 = ROL64((a06 ^ d1), 44);
    b17 = ROL64((a11 ^ d1), 10);
    b08 = ROL64((a16 ^ d1), 45);
    b24 = ROL64((a21 ^ d1), 2);
    b20 = ROL64((a02 ^ d2), 62);
    b11 = ROL64((a07 ^ d2), 6);
    b02 = ROL64((a12 ^ d2), 43);
    b18 = ROL64((a17 ^ d2), 15);
    b09 = ROL64((a22 ^ d2), 61);
    b05 = ROL64((a03 ^ d3), 28);
    b21 = ROL64((a08 ^ d3), 55);
    b12 = ROL64((a13 ^ d3), 25);
    b03 = ROL64((a18 ^ d3), 21);
    b19 = ROL64((a23 ^ d3), 56);
    b15 = ROL64((a04 ^ d4), 27);
    b06 = ROL64((a09 ^ d4), 20);
    b22 = ROL64((a14 ^ d4), 39);
    b13 = ROL64((a19 ^ d4), 8);
    b04 = ROL64((a24 ^ d4), 14);
    /* chi */
    a00 = b00 ^ (~b01 & b02);
    a01 = b01 ^ (~b02 & b03);
    a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00);
    a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07);
    a06 = b06 ^ (~b07 & b08);
    a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    /* iota */
    a00 ^= round_constants[round];
  }

  s[0] = a00, s[1] = a01, s[2] = a02, s[3] = a03, s[4] = a04;
  s[5] = a05, s[6] = a06, s[7] = a07, s[8] = a08, s[9] = a09;
  s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14;
  s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19;
  s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

/* Whole lanes in and out. On little-endian hosts the state's memory already
 * is the byte string FIPS 202 defines, so a memcpy does it. */
static inline void xor_lanes(uint64_t s[25], const uint8_t *in, unsigned lanes) {
  for (unsigned i = 0; i < lanes; i++) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, in + 8 * i, 8);
    s[i] ^= v;
#else
    s[i] ^= pqnet_load64_le(in + 8 * i);
#endif
  }
}

static inline void store_lanes(uint8_t *out, const uint64_t s[25], unsigned lanes) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(out, s, 8 * (size_t)lanes);
#else
  for (unsigned i = 0; i < lanes; i++) pqnet_store64_le(out + 8 * i, s[i]);
#endif
}

/* Byte i of the state, lanes little-endian. */
static inline void xor_byte(uint64_t s[25], unsigned i, uint8_t v) {
  s[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

static inline uint8_t get_byte(const uint64_t s[25], unsigned i) {
  return (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

static void keccak_init(pqnet_keccak *k, uint32_t rate, uint16_t dsep, uint8_t dsep_bits) {
  memset(k->s, 0, sizeof k->s);
  k->pos = 0;
  k->rate = rate;
  k->dsep = dsep;
  k->dsep_bits = dsep_bits;
  k->squeezing = 0;
}

/* SHA3: domain bits 01, then the first padding bit: 0b110 = 0x06, 3 bits.
 * SHAKE: domain bits 1111, then the padding bit: 0x1F, 5 bits. */
void pqnet_sha3_256_init(pqnet_keccak *k) {
  keccak_init(k, PQNET_SHA3_256_RATE, 0x06, 3);
}
void pqnet_sha3_512_init(pqnet_keccak *k) {
  keccak_init(k, PQNET_SHA3_512_RATE, 0x06, 3);
}
void pqnet_shake128_init(pqnet_keccak *k) {
  keccak_init(k, PQNET_SHAKE128_RATE, 0x1F, 5);
}
void pqnet_shake256_init(pqnet_keccak *k) {
  keccak_init(k, PQNET_SHAKE256_RATE, 0x1F, 5);
}

void pqnet_keccak_absorb(pqnet_keccak *k, const uint8_t *in, size_t len) {
  if (k->squeezing || len == 0) return;
  /* Finish a partly filled block byte by byte. */
  while (len > 0 && k->pos != 0) {
    xor_byte(k->s, k->pos++, *in++);
    len--;
    if (k->pos == k->rate) {
      pqnet_keccak_f1600(k->s);
      k->pos = 0;
    }
  }
  /* Whole blocks a lane at a time (every rate is a multiple of 8). */
  while (len >= k->rate) {
    xor_lanes(k->s, in, k->rate / 8);
    pqnet_keccak_f1600(k->s);
    in += k->rate;
    len -= k->rate;
  }
  while (len > 0) {
    xor_byte(k->s, k->pos++, *in++);
    len--;
  }
}

/* Append the low nbits of bits, the domain bits and pad10*1, then permute. */
static void keccak_pad(pqnet_keccak *k, uint8_t bits, unsigned nbits) {
  uint32_t tail = (uint32_t)(bits & ((1u << nbits) - 1)) | (uint32_t)k->dsep << nbits;
  unsigned tail_bits = nbits + k->dsep_bits; /* at most 7 + 5 = 12 */
  unsigned last_bit;                         /* bit index of the tail's last bit */

  xor_byte(k->s, k->pos, (uint8_t)tail);
  last_bit = 8 * k->pos + tail_bits - 1;
  if (tail_bits > 8) {
    if (k->pos + 1 == k->rate) {
      pqnet_keccak_f1600(k->s);
      k->pos = 0;
      xor_byte(k->s, 0, (uint8_t)(tail >> 8));
      last_bit = tail_bits - 9;
    } else {
      xor_byte(k->s, k->pos + 1, (uint8_t)(tail >> 8));
    }
  }
  /* The closing 1 of pad10*1 is the block's last bit; if the tail already
   * took that bit, the closing 1 needs a block of its own. */
  if (last_bit == 8 * k->rate - 1) pqnet_keccak_f1600(k->s);
  xor_byte(k->s, k->rate - 1, 0x80);
  pqnet_keccak_f1600(k->s);
  k->pos = 0;
  k->squeezing = 1;
}

void pqnet_keccak_absorb_last_bits(pqnet_keccak *k, uint8_t bits, unsigned nbits) {
  if (k->squeezing || nbits > 7) return;
  keccak_pad(k, bits, nbits);
}

void pqnet_keccak_squeeze(pqnet_keccak *k, uint8_t *out, size_t len) {
  if (!k->squeezing) keccak_pad(k, 0, 0);
  while (len > 0) {
    if (k->pos == k->rate) {
      pqnet_keccak_f1600(k->s);
      k->pos = 0;
    }
    if (k->pos == 0 && len >= k->rate) {
      store_lanes(out, k->s, k->rate / 8);
      out += k->rate;
      len -= k->rate;
      k->pos = k->rate;
      continue;
    }
    while (len > 0 && k->pos < k->rate) {
      *out++ = get_byte(k->s, k->pos++);
      len--;
    }
  }
}

void pqnet_keccak_squeezeblocks(pqnet_keccak *k, uint8_t *out, size_t nblocks) {
  pqnet_keccak_squeeze(k, out, nblocks * k->rate);
}

void pqnet_keccak_wipe(pqnet_keccak *k) {
  pqnet_wipe(k, sizeof *k);
}

void pqnet_sha3_256(uint8_t out[32], const uint8_t *in, size_t len) {
  pqnet_keccak k;
  pqnet_sha3_256_init(&k);
  pqnet_keccak_absorb(&k, in, len);
  pqnet_keccak_squeeze(&k, out, 32);
  pqnet_keccak_wipe(&k);
}

void pqnet_sha3_512(uint8_t out[64], const uint8_t *in, size_t len) {
  pqnet_keccak k;
  pqnet_sha3_512_init(&k);
  pqnet_keccak_absorb(&k, in, len);
  pqnet_keccak_squeeze(&k, out, 64);
  pqnet_keccak_wipe(&k);
}

void pqnet_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen) {
  pqnet_keccak k;
  pqnet_shake128_init(&k);
  pqnet_keccak_absorb(&k, in, inlen);
  pqnet_keccak_squeeze(&k, out, outlen);
  pqnet_keccak_wipe(&k);
}

void pqnet_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen) {
  pqnet_keccak k;
  pqnet_shake256_init(&k);
  pqnet_keccak_absorb(&k, in, inlen);
  pqnet_keccak_squeeze(&k, out, outlen);
  pqnet_keccak_wipe(&k);
}
