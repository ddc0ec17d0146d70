/*
 * Internals of the node core shared by node.c (sessions, heartbeat, actions)
 * and discovery.c (address exchange, dialing policy, seeds). Not public.
 */
#ifndef PQNET_NODE_IMPL_H
#define PQNET_NODE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "addrman/addrman.h"
#include "pqnet/node.h"
#include "session/session.h"
#include "wire/addr_msg.h"
#include "wire/msg.h"

#define NO_DEADLINE UINT64_MAX

/* The gossip seen-cache (gossip.c): entries in arrival order in a ring, an
 * open-addressing index by id. */
#define GOSSIP_ANNOUNCERS 4
typedef struct gossip_entry {
  uint8_t id[32];
  uint16_t topic;
  uint8_t state; /* GE_HAVE, GE_WANT, GE_REJECTED */
  uint8_t tried; /* announcers asked so far */
  uint32_t size;
  uint64_t first_seen;
  uint8_t *payload;                       /* kept to answer fetches; NULL once dropped */
  uint64_t announcers[GOSSIP_ANNOUNCERS]; /* conns known to have it */
  uint8_t nann;
  uint64_t fetch_deadline;
} gossip_entry;

typedef struct gossip_state {
  gossip_entry *ring;
  size_t cap, head, count;
  int32_t *index; /* ring position, -1 empty, -2 deleted */
  size_t index_cap, deleted;
  size_t kept_bytes;
  struct {
    uint16_t topic;
    uint32_t cap;
  } caps[16];
  size_t ncaps;
} gossip_state;

struct conn;
typedef struct admit_ctx {
  pqnet_node *n;
  struct conn *c;
} admit_ctx;

typedef struct conn {
  /* What every tick and every deadline scan reads comes first, in one cache
   * line: the session below is large. */
  uint64_t id;
  int open;    /* handshake completed */
  int closing; /* CLOSE action queued; waiting for pqnet_node_closed */
  uint64_t hs_deadline, next_ping, pong_deadline;
  uint64_t relay_at; /* when the relay batch goes; NO_DEADLINE while it is empty */
  pqnet_direction dir;
  int feeler;     /* outbound test connection: close once open */
  admit_ctx actx; /* what the session's admit callback gets */
  pqnet_addr addr;
  pqnet_session sess;
  uint64_t created, since;
  uint64_t ping_nonce, ping_sent;
  uint64_t srtt;
  pqnet_hello hello;
  int have_hello;
  uint64_t bytes_in, bytes_out;
  /* discovery */
  pqnet_addr dialable;         /* the peer's listening address (outbound: addr) */
  uint64_t addr_tokens;        /* token bucket for received addresses, x1000 */
  uint64_t addr_refill;        /* last refill time (ms) */
  int getaddrs_answered;       /* we answered one GetAddrs on this session */
  int getaddrs_sent;           /* we asked this peer; its next Addrs is the answer */
  uint64_t addrs_dropped;      /* entries over the token bucket, lifetime of the session */
  pqnet_compact_addr *relay_q; /* addresses for this peer's next relay batch (§10.4) */
  size_t relay_n, relay_cap;
  size_t backlog;                      /* driver: bytes queued and not yet written */
  uint8_t group[PQNET_ADDR_GROUP_MAX]; /* network group of addr, computed once */
  size_t group_len;
} conn;

typedef struct action_node {
  pqnet_action act;
  uint8_t *owned; /* SEND data, RESOLVE host */
} action_node;

typedef struct pending_dial {
  pqnet_addr addr;
  uint64_t started;
  int feeler;
} pending_dial;

#define MAX_PENDING_DIALS 64
#define MAX_SELF_ADDRS    8

/* A GetAddrs answer, reused for every requester of one address family until
 * it expires, so repeated asks learn nothing new (PROTOCOL.md §10.3). */
typedef struct addr_cache {
  uint64_t expires;
  size_t table_size; /* address book size when it was taken */
  pqnet_addr_info *entries;
  size_t n;
} addr_cache;

/* Addresses this node relayed recently: each is relayed once per period, so
 * relays cannot loop (PROTOCOL.md §10.4). A set-associative table of address
 * tags: O(1) per address. A full set gives up its oldest entry, but never one
 * younger than RELAY_MEMORY_S: an address is then not relayed at all, so a
 * forgotten address can never come back around and be relayed again while
 * it is still travelling (a direct-mapped table did exactly that once two
 * circulating addresses shared a slot: a relay storm at 500 nodes). */
#define RELAYED_WAYS 4
#define RELAYED_SETS 1024 /* a power of two */
typedef struct relayed_ring {
  uint32_t tag[RELAYED_SETS][RELAYED_WAYS];  /* address hash bits; 0 = empty */
  uint32_t when[RELAYED_SETS][RELAYED_WAYS]; /* seconds of the relay */
} relayed_ring;

struct pqnet_node {
  pqnet_node_config cfg;
  const pqnet_identity *id;
  const pqnet_rng *rng;
  pqnet_node_callbacks cb;
  struct conn **conns;
  size_t nconns, cap_conns;
  action_node *q; /* FIFO of actions */
  size_t q_head, q_len, q_cap;
  uint8_t *last_polled; /* data of the last action returned by poll */
  uint64_t announced_deadline;
  pqnet_node_stats stats;
  uint64_t unknown_control;
  uint64_t closed_rekeys; /* rekeys of sessions already removed */
  uint64_t now;           /* the latest time any call passed in */
  uint64_t best_height;   /* announced in Hello */

  /* discovery */
  pqnet_addrman *am;
  int started;
  pending_dial pending[MAX_PENDING_DIALS];
  size_t npending;
  pqnet_addr self_addrs[MAX_SELF_ADDRS]; /* addresses that turned out to be us */
  size_t nself;
  uint64_t next_discovery, next_feeler, seed_deadline, seeds_queried_at;
  uint64_t seed_wait_until; /* before this, only an empty book queries seeds */
  addr_cache cache[2];      /* [0] IPv4 requesters, [1] IPv6 */
  pqnet_ban *bans;          /* PQNET_MAX_BANS at most, unordered */
  size_t nbans, cap_bans;
  relayed_ring relayed;
  gossip_state gossip;
};

/* node.c */
void node_log(pqnet_node *n, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int push_action(pqnet_node *n, const pqnet_action *a, uint8_t *owned);
void flush(pqnet_node *n, conn *c);
void close_conn(pqnet_node *n, conn *c, int reason, const char *text);
/* Send a message on an open session and move it to the action queue. */
int node_send_msg(pqnet_node *n, conn *c, uint16_t protocol, uint8_t type, const uint8_t *body,
                  size_t len);
uint32_t node_rand(pqnet_node *n, uint32_t bound);
/* Queue a WAKE when the earliest deadline changed (every public entry point
 * ends with it). */
void announce_deadline(pqnet_node *n);

/* bans.c */
#define PQNET_MAX_BANS 4096
/* Ban the peer of c for a protocol violation (if automatic bans are on). */
void node_ban_peer(pqnet_node *n, conn *c, const char *why);
/* Reasons that are the peer's fault and earn a ban. */
int node_is_violation(int reason);
void bans_free(pqnet_node *n);
void bans_expire(pqnet_node *n, uint64_t now);

/* gossip.c */
int gossip_init(pqnet_node *n);
void gossip_free(pqnet_node *n);
void gossip_on_message(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now);
void gossip_on_closed(pqnet_node *n, conn *c);
void gossip_tick(pqnet_node *n, uint64_t now);
uint64_t gossip_next_deadline(const pqnet_node *n);

/* discovery.c */
int disc_init(pqnet_node *n);
void disc_free(pqnet_node *n);
/* An outbound TCP connection came up: take it off the pending list. */
void disc_on_connected(pqnet_node *n, conn *c, uint64_t now);
/* An inbound connection arrived: 0 to accept, or a reason to refuse (after
 * trying to evict a less useful inbound peer). */
int disc_admit_inbound(pqnet_node *n, uint64_t now);
void disc_on_open(pqnet_node *n, conn *c, uint64_t now);
void disc_on_hello(pqnet_node *n, conn *c, uint64_t now);
void disc_on_message(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now);
void disc_on_closed(pqnet_node *n, conn *c, int reason, uint64_t now);
void disc_tick(pqnet_node *n, uint64_t now);
void disc_relay_flush(pqnet_node *n, conn *c); /* send c's relay batch (its relay_at came) */
uint64_t disc_next_deadline(const pqnet_node *n);

#endif
