/*
 * Chain sync messages: application protocol 256 (docs/chain.md §6), sent
 * with pqnet_node_send and received through the node's message callback.
 *
 * Decoders check every length and cap before reading, accept exactly the
 * layouts of docs/chain.md and nothing more (no trailing bytes), and return
 * views into the caller's body: 0 or PQNET_ERR_MALFORMED. Encoders write into
 * a caller buffer and return 0 or PQNET_ERR_TOO_LARGE.
 */
#ifndef PQNET_CHAIN_SYNC_MSG_H
#define PQNET_CHAIN_SYNC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"
#include "wire/codec.h"

#define PQNET_CHAIN_PROTO        256 /* the application protocol number */
#define PQNET_SYNC_MAX_BLOCKS    500 /* blocks a GetBlocks may ask for / a Blocks may carry */
#define PQNET_SYNC_MAX_LOCATOR   32  /* ids in a Locate */
#define PQNET_SYNC_GETBLOCKS_LEN 10
#define PQNET_SYNC_ID_LEN        32
#define PQNET_SYNC_LOCATED_LEN   48
#define PQNET_SYNC_BLOCKS_HDR    18 /* best height, from height, count */
/* The largest Blocks body: the header and 500 maximal entries. */
#define PQNET_SYNC_BLOCKS_MAX                                                                      \
  (PQNET_SYNC_BLOCKS_HDR + PQNET_SYNC_MAX_BLOCKS * (4 + PQNET_BLOCK_MAX_LEN))

enum pqnet_sync_type {
  PQNET_SYNC_GETBLOCKS = 1, /* from (8) || count (2), count 1..500 */
  PQNET_SYNC_BLOCKS = 2,    /* best (8) || from (8) || n (2) || n x (len (4) || block) */
  PQNET_SYNC_GETBLOCK = 3,  /* id (32) */
  PQNET_SYNC_BLOCK = 4,     /* best (8) || block */
  PQNET_SYNC_NOTFOUND = 5,  /* id (32) */
  PQNET_SYNC_LOCATE = 6,    /* n (1) || n x id (32), n 1..32 */
  PQNET_SYNC_LOCATED = 7,   /* best (8) || fork height (8) || fork id (32) */
};

/* A stable name for a message type, e.g. "GetBlocks"; "unknown" otherwise. */
const char *pqnet_sync_type_name(int type);

typedef struct pqnet_sync_getblocks {
  uint64_t from;
  uint16_t count;
} pqnet_sync_getblocks;

typedef struct pqnet_sync_blocks {
  uint64_t best_height; /* the sender's best height */
  uint64_t from;        /* height of the first block */
  uint16_t n;
  const uint8_t *block[PQNET_SYNC_MAX_BLOCKS]; /* views into the body */
  uint32_t len[PQNET_SYNC_MAX_BLOCKS];
} pqnet_sync_blocks;

typedef struct pqnet_sync_block {
  uint64_t best_height;
  const uint8_t *block;
  size_t len;
} pqnet_sync_block;

typedef struct pqnet_sync_locate {
  uint8_t n;
  const uint8_t *ids; /* n x 32 bytes */
} pqnet_sync_locate;

typedef struct pqnet_sync_located {
  uint64_t best_height;
  uint64_t fork_height;
  const uint8_t *fork_id;
} pqnet_sync_located;

int pqnet_sync_getblocks_decode(const uint8_t *body, size_t len, pqnet_sync_getblocks *out);
/* Each entry's length must lie in [PQNET_BLOCK_MIN_LEN, PQNET_BLOCK_MAX_LEN];
 * the entries themselves are decoded by the caller (pqnet_block_decode). */
int pqnet_sync_blocks_decode(const uint8_t *body, size_t len, pqnet_sync_blocks *out);
/* GetBlock and NotFound: exactly 32 bytes. */
int pqnet_sync_id_decode(const uint8_t *body, size_t len, const uint8_t **id);
int pqnet_sync_block_decode(const uint8_t *body, size_t len, pqnet_sync_block *out);
int pqnet_sync_locate_decode(const uint8_t *body, size_t len, pqnet_sync_locate *out);
int pqnet_sync_located_decode(const uint8_t *body, size_t len, pqnet_sync_located *out);

/* Encoders: *out_len receives the body length. */
int pqnet_sync_getblocks_encode(uint64_t from, uint16_t count, uint8_t *out, size_t cap,
                                size_t *out_len);
/* Blocks is written in three steps: begin, append each block (fails with
 * PQNET_ERR_TOO_LARGE, writing nothing, once the next entry does not fit
 * or 500 are in), end patches the count. */
typedef struct pqnet_sync_blocks_writer {
  pqnet_writer w;
  uint16_t n;
} pqnet_sync_blocks_writer;
void pqnet_sync_blocks_begin(pqnet_sync_blocks_writer *bw, uint8_t *out, size_t cap,
                             uint64_t best_height, uint64_t from);
int pqnet_sync_blocks_append(pqnet_sync_blocks_writer *bw, const uint8_t *block, size_t len);
/* Returns the body length, or 0 on error. */
size_t pqnet_sync_blocks_end(pqnet_sync_blocks_writer *bw);
int pqnet_sync_block_encode(uint64_t best_height, const uint8_t *block, size_t len, uint8_t *out,
                            size_t cap, size_t *out_len);
int pqnet_sync_locate_encode(const uint8_t (*ids)[32], size_t n, uint8_t *out, size_t cap,
                             size_t *out_len);
int pqnet_sync_located_encode(uint64_t best_height, uint64_t fork_height, const uint8_t id[32],
                              uint8_t *out, size_t cap, size_t *out_len);

#endif
