/*
 * An in-memory network for node-core tests and benchmarks: nodes joined by
 * links, every SEND delivered to the other end's pqnet_node_received in
 * chunks of a chosen size, CLOSE delivered as the peer's transport closing,
 * and a virtual clock. No sockets, no sleeping, deterministic per seed.
 */
#ifndef PQNET_TEST_MEMNET_H
#define PQNET_TEST_MEMNET_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/node.h"

#define MEMNET_MAX_NODES 8
#define MEMNET_MAX_LINKS 32

typedef struct memnode {
  pqnet_node *node;
  pqnet_identity *id;
  pqnet_rng_det rng;
  pqnet_node_config cfg;
  int connected, disconnected, hellos, messages;
  int last_reason;
  char last_text[256];
  uint64_t last_conn;
  uint8_t last_peer_id[PQNET_PEER_ID_LEN];
  uint16_t last_proto;
  uint8_t last_type;
  uint8_t last_msg[512];
  size_t last_msg_len;
  uint64_t msg_bytes;
  int verbose;
} memnode;

typedef struct memlink {
  memnode *a, *b; /* a dialed b */
  uint64_t conn_a, conn_b;
  int open;
} memlink;

/* A tap sees every SEND before delivery. It may change data (in place, same
 * length) or return 0 to drop the bytes. dir_ab is 1 for a->b. */
typedef int (*memnet_tap)(void *ctx, memlink *l, int dir_ab, uint8_t *data, size_t len);

typedef struct memnet {
  memnode *nodes[MEMNET_MAX_NODES];
  int nnodes;
  memlink links[MEMNET_MAX_LINKS];
  int nlinks;
  uint64_t now;
  size_t chunk; /* 0: whole SEND at once; 1: a byte at a time; else random 1..chunk */
  pqnet_rng_det chunk_rng;
  memnet_tap tap;
  void *tap_ctx;
  uint64_t next_conn;
  uint8_t transcript[32]; /* SHA3-256 chain over every delivered byte */
  uint64_t delivered;
} memnet;

/* Node with identity from seed (ML-DSA keygen from SHAKE(seed)), RNG seeded
 * from seed too. cfg may be NULL for defaults. */
void memnode_init(memnode *m, uint64_t seed, const pqnet_node_config *cfg);
void memnode_free(memnode *m);

void memnet_init(memnet *net, uint64_t seed);
void memnet_add(memnet *net, memnode *m);
/* a dials b: returns the link (both ends connected, a's Offer queued). */
memlink *memnet_link(memnet *net, memnode *a, memnode *b);
/* Deliver actions until nothing moves. */
void memnet_pump(memnet *net);
/* Advance the clock by ms in steps, ticking every node and pumping. */
void memnet_advance(memnet *net, uint64_t ms);

#endif
