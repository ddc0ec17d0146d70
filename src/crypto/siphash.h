/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a keyed 64-bit pseudorandom function for short inputs. The address
 * manager uses it for bucket placement and its address map, where an
 * attacker must not be able to predict or aim at a slot.
 */
#ifndef PQNET_CRYPTO_SIPHASH_H
#define PQNET_CRYPTO_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define PQNET_SIPHASH_KEY_BYTES 16

uint64_t pqnet_siphash24(const uint8_t key[PQNET_SIPHASH_KEY_BYTES], const uint8_t *msg,
                         size_t len);

#endif
