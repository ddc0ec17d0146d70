/* Internal state of the chain, shared by chain.c (rules, index, orphans) and
 * chain_db.c (SQLite). Not part of any API. */
#ifndef PQNET_CHAIN_IMPL_H
#define PQNET_CHAIN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

typedef struct chain_entry {
  uint8_t id[32];
  pqnet_block_header hdr;
  struct chain_entry *parent; /* NULL for genesis */
  pqnet_u256 work;            /* cumulative, genesis included */
  uint8_t *data;              /* the encoded block */
  uint32_t len;
} chain_entry;

typedef struct chain_orphan {
  uint8_t id[32];
  uint8_t parent[32];
  uint64_t height;
  uint64_t seq; /* arrival order: the smallest is evicted first */
  uint8_t *data;
  uint32_t len;
} chain_orphan;

#define CHAIN_INVALID_RING 1024

struct sqlite3;
struct sqlite3_stmt;

struct pqnet_chain {
  pqnet_chain_config cfg;
  char *base_path;

  /* the index: open addressing on the id's first 8 bytes, load <= 1/2 */
  chain_entry **map;
  size_t map_cap, nentries;

  /* the best chain: best[h] for h = 0..height */
  chain_entry **best;
  size_t best_cap;
  chain_entry *tip;
  chain_entry *genesis;

  chain_orphan *orphans; /* cfg.orphan_max slots, unordered */
  size_t norphans, orphan_bytes;
  uint64_t orphan_seq;

  uint8_t invalid[CHAIN_INVALID_RING][32];
  size_t ninvalid, invalid_head;

  pqnet_chain_stats stats;
  int loading; /* reading the database back: no future rule, no writes */

  /* persistence (chain_db.c) */
  struct sqlite3 *db;
  struct sqlite3_stmt *st_put, *st_tip;
  int batch_depth, in_txn;
  char degraded[160];
};

void chain_log(pqnet_chain *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* chain.c: connect a block read back from the database (no writes). */
int chain_add_loaded(pqnet_chain *c, const uint8_t *data, size_t len, pqnet_chain_result *res);
chain_entry *chain_lookup(const pqnet_chain *c, const uint8_t id[32]);
void chain_set_tip(pqnet_chain *c, chain_entry *e, pqnet_chain_result *res);

/* chain_db.c */
void chain_db_open(pqnet_chain *c, uint64_t now); /* loads the blocks */
void chain_db_close(pqnet_chain *c);
void chain_db_put(pqnet_chain *c, const chain_entry *e, int tip_changed);
void chain_db_begin(pqnet_chain *c);
void chain_db_commit(pqnet_chain *c);

#endif
