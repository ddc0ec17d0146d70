/*
 * SHA-3 and SHAKE (FIPS 202) with incremental absorb and squeeze.
 *
 * One context type serves all four functions; the init call fixes rate and
 * domain. Absorb any number of times, then squeeze any number of times (the
 * first squeeze pads). Absorbing after squeezing is a programming error and is
 * ignored. Contexts are plain structs owned by the caller (init/wipe pair);
 * wipe them when the input was secret.
 */
#ifndef PQNET_SHA3_H
#define PQNET_SHA3_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PQNET_SHAKE128_RATE 168
#define PQNET_SHAKE256_RATE 136
#define PQNET_SHA3_256_RATE 136
#define PQNET_SHA3_512_RATE 72

typedef struct pqnet_keccak {
  uint64_t s[25];
  uint32_t pos;      /* next byte of the current block (absorb or squeeze) */
  uint32_t rate;     /* block size in bytes */
  uint16_t dsep;     /* domain bits followed by the first padding bit */
  uint8_t dsep_bits; /* how many bits of dsep are used */
  uint8_t squeezing; /* 0 while absorbing, 1 once padded */
} pqnet_keccak;

/* The Keccak-f[1600] permutation, 24 rounds, on 25 little-endian lanes. */
void pqnet_keccak_f1600(uint64_t s[25]);

void pqnet_sha3_256_init(pqnet_keccak *k);
void pqnet_sha3_512_init(pqnet_keccak *k);
void pqnet_shake128_init(pqnet_keccak *k);
void pqnet_shake256_init(pqnet_keccak *k);

void pqnet_keccak_absorb(pqnet_keccak *k, const uint8_t *in, size_t len);

/* Absorb a final partial byte: the low nbits (0..7) bits of bits, in FIPS 202
 * bit order (bit 0 first). Then pads; only squeezing may follow. */
void pqnet_keccak_absorb_last_bits(pqnet_keccak *k, uint8_t bits, unsigned nbits);

/* Squeeze len bytes; the first call pads the input. */
void pqnet_keccak_squeeze(pqnet_keccak *k, uint8_t *out, size_t len);

/* Squeeze nblocks whole blocks of k->rate bytes each: the fast path for
 * rejection samplers. Pads on the first call, like pqnet_keccak_squeeze. */
void pqnet_keccak_squeezeblocks(pqnet_keccak *k, uint8_t *out, size_t nblocks);

/* Zero the whole context. */
void pqnet_keccak_wipe(pqnet_keccak *k);

/* One-shot helpers. */
void pqnet_sha3_256(uint8_t out[32], const uint8_t *in, size_t len);
void pqnet_sha3_512(uint8_t out[64], const uint8_t *in, size_t len);
void pqnet_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);
void pqnet_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);

#ifdef __cplusplus
}
#endif

#endif /* PQNET_SHA3_H */
