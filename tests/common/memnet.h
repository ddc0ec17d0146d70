/*
 * An in-memory network for node-core tests and benchmarks: nodes with
 * listening addresses, links created by the nodes' own DIAL actions (or by
 * memnet_link), every SEND delivered to the other end's pqnet_node_received
 * in chunks of a chosen size, CLOSE delivered as the peer's transport
 * closing, RESOLVE answered from a table, and a virtual clock. No sockets,
 * no sleeping, deterministic per seed.
 */
#ifndef PQNET_TEST_MEMNET_H
#define PQNET_TEST_MEMNET_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/node.h"

typedef struct memnode {
  pqnet_node *node;
  pqnet_identity *id;
  pqnet_rng_det rng;
  pqnet_node_config cfg;
  pqnet_addr listen; /* family 0: not listening */
  int offline;       /* removed from the network */
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
  int gossip; /* new gossip messages handed to the application */
  uint16_t last_topic;
  size_t last_gossip_len;
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

typedef struct memdns {
  char host[64];
  pqnet_addr addrs[8];
  size_t n;
} memdns;

typedef struct memnet {
  memnode **nodes;
  size_t nnodes, cap_nodes;
  memlink **links; /* owned */
  size_t nlinks, cap_links;
  memlink **by_conn; /* conn id -> link */
  size_t cap_by_conn;
  memdns dns[8];
  size_t ndns;
  uint64_t now;
  size_t chunk; /* 0: whole SEND at once; 1: a byte at a time; else random 1..chunk */
  pqnet_rng_det chunk_rng;
  memnet_tap tap;
  void *tap_ctx;
  uint64_t next_conn;
  uint8_t transcript[32]; /* SHA3-256 chain over every delivered byte */
  uint64_t delivered;
  uint64_t dials, dials_refused;
} memnet;

/* Node with identity from seed (ML-DSA keygen from SHAKE(seed)), RNG seeded
 * from seed too. cfg may be NULL for defaults. */
void memnode_init(memnode *m, uint64_t seed, const pqnet_node_config *cfg);
void memnode_free(memnode *m);

void memnet_init(memnet *net, uint64_t seed);
/* Free the network's own memory (not the nodes). */
void memnet_free(memnet *net);
void memnet_add(memnet *net, memnode *m);
/* a dials b: returns the link (both ends connected, a's Offer queued). */
memlink *memnet_link(memnet *net, memnode *a, memnode *b);
/* The address 127.<k mod 256>.<k / 256>.1:7071 for node number k: its own
 * /16 group for k < 256. */
pqnet_addr memnet_addr(unsigned k);
/* Answer RESOLVE host with these addresses. */
void memnet_dns(memnet *net, const char *host, const pqnet_addr *addrs, size_t n);
/* Take m off the network: its links close, it no longer answers dials. */
void memnet_remove(memnet *net, memnode *m);
/* Deliver actions until nothing moves. */
void memnet_pump(memnet *net);
/* Advance the clock by ms, stopping at every deadline, ticking and pumping. */
void memnet_advance(memnet *net, uint64_t ms);

#endif
