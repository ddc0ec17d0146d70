/*
 * Devnet chain blocks (docs/chain.md §2): the fixed 124-byte header, the
 * block encoding (header || payload length || payload), the block id
 * (SHA3-256 of the header), proof of work and the work a target stands for.
 *
 * Everything here is pure: no allocation, no clock, no randomness. Decoders
 * check every length before reading and return views into the caller's
 * buffer; the buffer must outlive the view.
 *
 * Numbers on the wire are big-endian. A 256-bit number (target, id read as
 * a number, work) is 32 big-endian bytes on the wire and a pqnet_u256 (four
 * 64-bit limbs, least significant first) in memory.
 */
#ifndef PQNET_CHAIN_BLOCK_H
#define PQNET_CHAIN_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define PQNET_BLOCK_VERSION     1
#define PQNET_BLOCK_HEADER_LEN  124  /* docs/chain.md §2.1 */
#define PQNET_BLOCK_PAYLOAD_MAX 4096 /* bytes of payload a block may carry */
#define PQNET_BLOCK_MIN_LEN     (PQNET_BLOCK_HEADER_LEN + 4)
#define PQNET_BLOCK_MAX_LEN     (PQNET_BLOCK_MIN_LEN + PQNET_BLOCK_PAYLOAD_MAX)
#define PQNET_BLOCK_TOPIC       1 /* gossip topic of blocks */
#define PQNET_BLOCK_ID_LEN      32
#define PQNET_NETWORK_MAX       32 /* bytes of a network name (= chain id) */

/* Offsets of the header fields (docs/chain.md §2.1). */
#define PQNET_BLOCK_OFF_VERSION   0
#define PQNET_BLOCK_OFF_HEIGHT    4
#define PQNET_BLOCK_OFF_PARENT    12
#define PQNET_BLOCK_OFF_TIMESTAMP 44
#define PQNET_BLOCK_OFF_TARGET    52
#define PQNET_BLOCK_OFF_NONCE     84
#define PQNET_BLOCK_OFF_PAYLOAD   92

/* Genesis: fixed per network (docs/chain.md §2.4). */
#define PQNET_GENESIS_TIMESTAMP_MS 1704067200000ull /* 2024-01-01T00:00:00Z */

typedef struct pqnet_u256 {
  uint64_t w[4]; /* w[0] least significant */
} pqnet_u256;

typedef struct pqnet_block_header {
  uint32_t version;
  uint64_t height;
  uint8_t parent[32];
  uint64_t timestamp_ms; /* Unix milliseconds */
  uint8_t target[32];    /* big-endian 256-bit: the id as a number must be <= target */
  uint64_t nonce;
  uint8_t payload_hash[32]; /* SHA3-256 of the payload */
} pqnet_block_header;

/* A decoded block: the header, a view of the payload, and the id. */
typedef struct pqnet_block {
  pqnet_block_header hdr;
  const uint8_t *payload; /* points into the decoded buffer */
  size_t payload_len;
  uint8_t id[32];
} pqnet_block;

/* ---- 256-bit unsigned numbers ---- */

void pqnet_u256_from_be(pqnet_u256 *x, const uint8_t in[32]);
void pqnet_u256_to_be(const pqnet_u256 *x, uint8_t out[32]);
/* -1, 0 or 1 as a <, =, > b. */
int pqnet_u256_cmp(const pqnet_u256 *a, const pqnet_u256 *b);
/* r = a + b mod 2^256; returns the carry out (1 on overflow). */
int pqnet_u256_add(pqnet_u256 *r, const pqnet_u256 *a, const pqnet_u256 *b);
/* q = a / b, rem = a mod b (either may be NULL). b must not be zero. */
void pqnet_u256_divmod(const pqnet_u256 *a, const pqnet_u256 *b, pqnet_u256 *q, pqnet_u256 *rem);
int pqnet_u256_is_zero(const pqnet_u256 *x);
/* An approximation for logs and metrics only (never for consensus). */
double pqnet_u256_to_double(const pqnet_u256 *x);
/* 64 lower-case hex digits, big-endian, into buf (>= 65 bytes). Returns buf. */
char *pqnet_u256_hex(const pqnet_u256 *x, char *buf, size_t cap);

/* The expected number of hashes to meet target: floor(2^256 / (target + 1)),
 * exact. A target of 2^256 - 1 has work 1; target 0 has work 2^256, which
 * does not fit and is saturated to 2^256 - 1 (target 0 is invalid anyway). */
void pqnet_block_work(const uint8_t target[32], pqnet_u256 *work);

/* ---- header and block codecs ---- */

/* Write the 124-byte header. */
void pqnet_block_header_encode(const pqnet_block_header *h, uint8_t out[PQNET_BLOCK_HEADER_LEN]);
/* Read a header from exactly PQNET_BLOCK_HEADER_LEN bytes. Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_TRUNCATED / PQNET_ERR_MALFORMED (wrong
 * length), PQNET_ERR_MALFORMED (version other than PQNET_BLOCK_VERSION). */
int pqnet_block_header_decode(const uint8_t *in, size_t len, pqnet_block_header *h);
/* id = SHA3-256(encoded header). */
void pqnet_block_header_id(const pqnet_block_header *h, uint8_t id[32]);

/* Encode header || u32 payload length || payload into out (cap bytes).
 * Sets *out_len. Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_TOO_LARGE
 * (payload over PQNET_BLOCK_PAYLOAD_MAX or cap too small). The payload hash
 * in h is written as given (see pqnet_block_set_payload). */
int pqnet_block_encode(const pqnet_block_header *h, const uint8_t *payload, size_t payload_len,
                       uint8_t *out, size_t cap, size_t *out_len);

/* Set h->payload_hash = SHA3-256(payload). */
void pqnet_block_set_payload(pqnet_block_header *h, const uint8_t *payload, size_t len);

/* Strict decode: total length exactly PQNET_BLOCK_MIN_LEN + payload length,
 * payload length <= PQNET_BLOCK_PAYLOAD_MAX, version 1. Fills out (payload
 * is a view into in) and its id. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_TRUNCATED, PQNET_ERR_TOO_LARGE, PQNET_ERR_MALFORMED. Does not
 * check the payload hash or proof of work: see pqnet_block_check. */
int pqnet_block_decode(const uint8_t *in, size_t len, pqnet_block *out);

/* 1 when the id, read as a big-endian 256-bit number, is <= target. */
int pqnet_block_pow_ok(const uint8_t id[32], const uint8_t target[32]);

/* Context-free validity (docs/chain.md §3.1): payload hash matches, target
 * non-zero and <= pow_limit, proof of work. Returns 0 or PQNET_ERR_MALFORMED;
 * *why (if not NULL) gets a static reason. */
int pqnet_block_check(const pqnet_block *b, const uint8_t pow_limit[32], const char **why);

/* ---- genesis ---- */

/* The genesis header of a network (docs/chain.md §2.4): height 0, zero
 * parent, PQNET_GENESIS_TIMESTAMP_MS, target 2^256 - 1, nonce 0, payload
 * "pqnet genesis " || network. Returns 0 or PQNET_ERR_INVALID_ARG (NULL,
 * empty or longer than PQNET_NETWORK_MAX). */
int pqnet_chain_genesis_header(const char *network, pqnet_block_header *h);
/* The encoded genesis block into out (>= PQNET_BLOCK_MIN_LEN + 14 +
 * PQNET_NETWORK_MAX bytes). Same return codes. */
int pqnet_chain_genesis_block(const char *network, uint8_t *out, size_t cap, size_t *out_len);
/* The genesis id: what the daemon puts in pqnet_node_config.genesis so the
 * handshake refuses peers of another chain. Same return codes. */
int pqnet_chain_genesis_id(const char *network, uint8_t out[32]);

/* Lower-case hex of a 32-byte id into buf (>= 65 bytes). Returns buf. */
char *pqnet_block_id_hex(const uint8_t id[32], char *buf, size_t cap);

#endif
