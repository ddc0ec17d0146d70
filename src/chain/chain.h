/*
 * The devnet chain state (docs/chain.md §3-§4), sans network I/O: a block
 * index, the best chain by cumulative work with reorganisation, a bounded
 * orphan pool, and persistence in SQLite.
 *
 * WHAT IT KEEPS
 *   - the block index: every valid block ever connected (all branches), by
 *     id, with its height, parent, cumulative work and encoded bytes (kept
 *     in memory: a devnet chain is small, ~200 bytes a block without
 *     payload);
 *   - the best chain: the block of greatest cumulative work (ties keep the
 *     block seen first) and the blocks under it by height;
 *   - the orphan pool: blocks whose parent is unknown, bounded by count and
 *     bytes (oldest evicted first), connected when the parent arrives;
 *   - a small ring of ids known invalid (blocks that broke a rule needing
 *     their ancestors: height, timestamp, an invalid parent), so a repeat
 *     or a descendant of an invalid block costs nothing.
 *
 * VALIDATION (docs/chain.md §3)
 *   context-free: strict decode, version, payload hash, target non-zero and
 *   <= pow_limit, proof of work; contextual: height = parent height + 1,
 *   timestamp > median of the last 11 blocks' timestamps (the parent and
 *   its ancestors), timestamp <= now + max_future_ms (a block too far ahead
 *   is refused as FUTURE, not as invalid: clocks differ).
 *
 * PERSISTENCE
 *   With base_path set, <base_path>/chain.sqlite (WAL, synchronous=NORMAL)
 *   holds every connected block and the tip. One transaction per connected
 *   block, or per batch (pqnet_chain_batch_begin/end). Orphans are not
 *   persisted. On open the blocks are read back in height order and
 *   validated again (a row that fails is deleted and counted). A file that
 *   is not a valid chain database, or belongs to another network, is moved
 *   aside (chain.sqlite.corrupt-<now>, with its -wal and -shm) and the
 *   chain starts from genesis. A write that fails (disk full, read-only) is
 *   logged once and the chain runs on in memory ("degraded").
 *
 * TIME: every time is Unix milliseconds passed in by the caller. The chain
 * draws no randomness.
 */
#ifndef PQNET_CHAIN_CHAIN_H
#define PQNET_CHAIN_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"

/* The devnet proof-of-work limit: targets are 2^(256 - bits) - 1. 21 zero
 * bits, ~2.1 M hashes a block on average: about a second for one node of a
 * 2-core machine (bench/bench_chain.c measures ~2 M hashes/s per core). */
#define PQNET_CHAIN_DEVNET_ZERO_BITS 21
#define PQNET_CHAIN_ORPHAN_MAX       256
#define PQNET_CHAIN_ORPHAN_MAX_BYTES (1u << 20)
#define PQNET_CHAIN_MAX_FUTURE_MS    (2ull * 3600 * 1000)
#define PQNET_CHAIN_MTP_SPAN         11 /* blocks in the median-time-past window */

typedef struct pqnet_chain_config {
  char network[PQNET_NETWORK_MAX + 1]; /* selects the genesis */
  uint8_t pow_limit[32];               /* the easiest target accepted */
  const char *base_path;               /* NULL: memory only; borrowed during open */
  uint32_t orphan_max;                 /* default PQNET_CHAIN_ORPHAN_MAX */
  uint32_t orphan_max_bytes;           /* default PQNET_CHAIN_ORPHAN_MAX_BYTES */
  uint64_t max_future_ms;              /* default PQNET_CHAIN_MAX_FUTURE_MS */
  /* One log line: level 0 error, 1 warn, 2 info, 3 debug. May be NULL. */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
} pqnet_chain_config;

/* Defaults for network (NULL: "devnet"), pow_limit from
 * PQNET_CHAIN_DEVNET_ZERO_BITS, no base path. */
void pqnet_chain_config_default(pqnet_chain_config *cfg, const char *network);

/* target = 2^(256 - zero_bits) - 1 (zero_bits 0..255; 0 gives all ones). */
void pqnet_chain_target_from_bits(unsigned zero_bits, uint8_t target[32]);

/* What pqnet_chain_add did with a block. */
enum pqnet_chain_status {
  PQNET_CHAIN_CONNECTED = 1, /* valid and stored (the tip moved if it is the heaviest) */
  PQNET_CHAIN_DUPLICATE = 2, /* already in the index or the orphan pool */
  PQNET_CHAIN_ORPHAN = 3,    /* valid proof of work, parent unknown: pooled */
  PQNET_CHAIN_INVALID = 4,   /* malformed or breaks a rule: not stored */
  PQNET_CHAIN_FUTURE = 5,    /* timestamp beyond now + max_future_ms: not stored */
};

/* A stable name for a status, e.g. "orphan". */
const char *pqnet_chain_status_name(int status);

typedef struct pqnet_chain_result {
  int status;      /* enum pqnet_chain_status */
  const char *why; /* INVALID / FUTURE: a static reason; else NULL */
  /* INVALID: 1 when the block fails on its own (format, payload hash,
   * target, proof of work, height 0), so whoever relayed it did not check
   * it; 0 when it breaks a rule that needs its ancestors (height,
   * timestamp, an invalid parent), which a peer holding it as an orphan
   * could not check. */
  int context_free;
  uint8_t id[32];  /* the block's id (zero if it did not decode) */
  uint64_t height; /* the block's header height */
  /* ORPHAN: the first missing ancestor (the parent of the pool's oldest
   * ancestor of this block) and its height. */
  uint8_t missing[32];
  uint64_t missing_height;
  size_t connected;     /* blocks connected by this call (pooled orphans included) */
  int tip_changed;      /* the best tip moved */
  uint64_t reorg_depth; /* blocks of the old best chain no longer on it */
} pqnet_chain_result;

typedef struct pqnet_chain_stats {
  uint64_t connected;       /* blocks connected since open (not the loaded ones) */
  uint64_t loaded;          /* blocks read back from the database at open */
  uint64_t load_dropped;    /* database rows that failed validation (deleted) */
  uint64_t duplicates;      /* blocks we already had */
  uint64_t invalid;         /* blocks refused as invalid */
  uint64_t future;          /* blocks refused as too far in the future */
  uint64_t orphans_added;   /* blocks pooled */
  uint64_t orphans_evicted; /* pooled blocks dropped for the bounds */
  uint64_t orphans_connected;
  uint64_t reorgs;          /* tip changes that disconnected blocks */
  uint64_t max_reorg_depth; /* deepest of them */
  uint64_t db_writes;       /* committed transactions */
  uint64_t db_errors;       /* failed writes (the chain continues in memory) */
  int moved_aside;          /* the database was moved aside at open */
} pqnet_chain_stats;

typedef struct pqnet_chain pqnet_chain;

/* Create the chain: genesis, then the blocks in <base_path>/chain.sqlite if
 * base_path is set (the directory must exist). cfg is copied. Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL, bad network name, zero pow_limit),
 * PQNET_ERR_NOMEM. A database that cannot be used is not an error: it is
 * moved aside or the chain runs degraded (see pqnet_chain_degraded). */
int pqnet_chain_open(const pqnet_chain_config *cfg, uint64_t now, pqnet_chain **out);
/* Close the database and free everything. NULL is a no-op. */
void pqnet_chain_close(pqnet_chain *c);

/* Validate and add one encoded block (docs/chain.md §3). res is filled in
 * every case. Returns 0 (see res->status), PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_NOMEM (nothing changed). */
int pqnet_chain_add(pqnet_chain *c, const uint8_t *data, size_t len, uint64_t now,
                    pqnet_chain_result *res);

/* Group the database writes of several pqnet_chain_add calls into one
 * transaction (nesting counts; the outermost end commits). No-ops in
 * memory. */
void pqnet_chain_batch_begin(pqnet_chain *c);
void pqnet_chain_batch_end(pqnet_chain *c);

/* ---- the best chain ---- */

uint64_t pqnet_chain_height(const pqnet_chain *c);
void pqnet_chain_tip(const pqnet_chain *c, uint8_t id[32]);
void pqnet_chain_tip_work(const pqnet_chain *c, pqnet_u256 *work);
const pqnet_block_header *pqnet_chain_tip_header(const pqnet_chain *c);
const uint8_t *pqnet_chain_genesis(const pqnet_chain *c); /* the genesis id */
/* Median time past of the tip: the next block's timestamp must exceed it. */
uint64_t pqnet_chain_tip_mtp(const pqnet_chain *c);
const pqnet_chain_config *pqnet_chain_get_config(const pqnet_chain *c);

/* The header of the next block on the tip: height, parent, timestamp
 * max(now, mtp + 1), target (NULL: pow_limit), payload hash of payload. */
void pqnet_chain_next_header(const pqnet_chain *c, uint64_t now, const uint8_t *target,
                             const uint8_t *payload, size_t payload_len, pqnet_block_header *h);

/* ---- serving blocks ---- */

/* The encoded block with this id, from the index (any branch). The view is
 * valid until the chain is closed. Returns 0 or PQNET_ERR_STATE (unknown). */
int pqnet_chain_get(const pqnet_chain *c, const uint8_t id[32], const uint8_t **data, size_t *len);
/* The best chain's block at height (id may be NULL). Same return codes. */
int pqnet_chain_get_at(const pqnet_chain *c, uint64_t height, const uint8_t **data, size_t *len,
                       uint8_t id[32]);
/* 1 in the index, 2 in the orphan pool, 0 unknown. */
int pqnet_chain_have(const pqnet_chain *c, const uint8_t id[32]);
/* 1 and *height when id is on the best chain, else 0. */
int pqnet_chain_on_best(const pqnet_chain *c, const uint8_t id[32], uint64_t *height);

/* A locator: ids of the best chain at the tip, tip-1, tip-2, tip-4, ...
 * (doubling steps), genesis last; up to max (>= 2). Returns how many. */
size_t pqnet_chain_locator(const pqnet_chain *c, uint8_t (*ids)[32], size_t max);
/* The first locator id that lies on our best chain, as a height (0 when
 * none: genesis is common to every peer of the network). */
uint64_t pqnet_chain_find_fork(const pqnet_chain *c, const uint8_t (*ids)[32], size_t n);

/* ---- inspection ---- */

size_t pqnet_chain_block_count(const pqnet_chain *c); /* index, genesis included */
size_t pqnet_chain_orphan_count(const pqnet_chain *c);
size_t pqnet_chain_orphan_bytes(const pqnet_chain *c);
const pqnet_chain_stats *pqnet_chain_get_stats(const pqnet_chain *c);
/* NULL while persistence works (or in memory); else why it stopped. */
const char *pqnet_chain_degraded(const pqnet_chain *c);

#endif
