/*
 * The node core: every session of one node, as a pure state machine.
 *
 * It never performs I/O, reads a clock or draws randomness of its own (see
 * docs/ARCHITECTURE.md). A driver (the libevent shell in src/io, or the
 * simulator) feeds it events and carries out the actions it returns:
 *
 *   events in                         actions out (pqnet_node_poll)
 *   pqnet_node_connected(conn, ...)   PQNET_ACT_DIAL   dial an address
 *   pqnet_node_received(conn, ...)    PQNET_ACT_SEND   write bytes to a connection
 *   pqnet_node_closed(conn)           PQNET_ACT_CLOSE  close a connection
 *   pqnet_node_dial_failed(addr)      PQNET_ACT_WAKE   call pqnet_node_tick at time T
 *   pqnet_node_tick(now)
 *
 * Connection ids are chosen by the driver (unique, non-zero, never reused
 * while open). Time is milliseconds since the Unix epoch as the driver sees
 * it, never decreasing (the shell adds a monotonic clock to the wall time at
 * start; the simulator passes virtual time), passed into every call: timers
 * use it, and address timestamps on the wire are its seconds. Randomness
 * comes from the pqnet_rng given at creation.
 *
 * The embedder sees peers through callbacks and sends with pqnet_node_send.
 * A peer is named by its connection id (a weak handle: stale ids are refused
 * with PQNET_ERR_STATE, never dereferenced). Callbacks run inside the event
 * call that caused them; they may call pqnet_node_send and
 * pqnet_node_disconnect but must not free the node.
 */
#ifndef PQNET_NODE_H
#define PQNET_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/addr.h"
#include "pqnet/rng.h"

struct pqnet_addrman;
struct pqnet_addr_info;

#ifdef __cplusplus
extern "C" {
#endif

#define PQNET_PEER_ID_LEN      32 /* SHA3-256 of the ML-DSA-65 public key */
#define PQNET_CHAIN_ID_MAX     32 /* bytes of a chain id string */
#define PQNET_USER_AGENT_MAX   64 /* bytes of a user agent string */
#define PQNET_PROTOCOL_VERSION 1
#define PQNET_PROTO_CONTROL    0   /* Ping, Pong, Hello, Reject, Disconnect */
#define PQNET_PROTO_DISCOVERY  1   /* GetAddrs, Addrs */
#define PQNET_PROTO_GOSSIP     2   /* gossip relay */
#define PQNET_PROTO_APP_MIN    256 /* first application protocol number */
#define PQNET_MAX_SEEDS        16  /* seed entries in a config */
#define PQNET_SEED_MAX         255 /* bytes of one seed ("host" or "host:port") */

/* Reason codes carried by Reject and Disconnect (PROTOCOL.md §7). */
enum pqnet_reason {
  PQNET_REASON_NONE = 0,
  PQNET_REASON_BAD_MAGIC = 1,
  PQNET_REASON_VERSION = 2,
  PQNET_REASON_CHAIN = 3,
  PQNET_REASON_GENESIS = 4,
  PQNET_REASON_MALFORMED = 5,
  PQNET_REASON_TOO_LARGE = 6,
  PQNET_REASON_AUTH = 7,
  PQNET_REASON_SELF = 8,
  PQNET_REASON_DUPLICATE = 9,
  PQNET_REASON_HANDSHAKE_TIMEOUT = 10,
  PQNET_REASON_PING_TIMEOUT = 11,
  PQNET_REASON_TOO_MANY_PEERS = 12,
  PQNET_REASON_BANNED = 13,
  PQNET_REASON_SHUTDOWN = 14,
  PQNET_REASON_PROTOCOL = 15,
  PQNET_REASON_SEND_QUEUE = 16,
  PQNET_REASON_CLOSED = 17, /* the transport closed (driver event, not on the wire) */
  PQNET_REASON_APP = 18,    /* the embedder asked */
  PQNET_REASON_MAX_
};

/* A stable name for a reason code, e.g. "chain-mismatch". */
const char *pqnet_reason_name(int reason);

typedef enum pqnet_direction { PQNET_INBOUND = 0, PQNET_OUTBOUND = 1 } pqnet_direction;

/* A node's long-term identity: an ML-DSA-65 key pair. Created and loaded by
 * src/io/identity_file.c (file <base-path>/identity.key); the node core only
 * borrows it (it must outlive the node). */
typedef struct pqnet_identity pqnet_identity;

/* Derive an identity from a 32-byte seed (ML-DSA-65 KeyGen_internal).
 * Returns 0, PQNET_ERR_NOMEM. *out is NULL on failure. Free with
 * pqnet_identity_del (wipes the secret key). */
int pqnet_identity_from_seed(const uint8_t seed[32], pqnet_identity **out);
void pqnet_identity_del(pqnet_identity *id);
const uint8_t *pqnet_identity_peer_id(const pqnet_identity *id);
const uint8_t *pqnet_identity_public_key(const pqnet_identity *id); /* 1952 bytes */

/* Lower-case hex of a PeerId into buf (at least 65 bytes). Returns buf. */
char *pqnet_peer_id_hex(const uint8_t id[PQNET_PEER_ID_LEN], char *buf, size_t cap);

typedef struct pqnet_node_config {
  char chain_id[PQNET_CHAIN_ID_MAX + 1]; /* e.g. "devnet"; printable ASCII */
  uint8_t genesis[32];                   /* genesis block hash */
  uint16_t listen_port;                  /* announced to peers (0: not listening) */
  uint64_t services;                     /* service bits announced in Hello */
  char user_agent[PQNET_USER_AGENT_MAX + 1];
  uint32_t max_frame;            /* frame body cap after the handshake */
  uint32_t handshake_timeout_ms; /* default 10000 */
  uint32_t ping_interval_ms;     /* default 30000 */
  uint32_t pong_timeout_ms;      /* default 60000 */
  uint32_t max_connections;      /* sessions in any state; default 256 */
  size_t send_queue_max;         /* bytes queued per peer before dropping it */
  uint64_t rekey_frames;         /* default 2^20 (tests lower it) */
  uint64_t rekey_bytes;          /* default 2^30 */

  /* Discovery and connection policy (PROTOCOL.md §10, DESIGN.md §4). */
  pqnet_addr_policy policy;       /* devnet {1,1} (default); mainnet/testnet {0,0} */
  uint32_t min_outbound;          /* default 8 */
  uint32_t max_outbound;          /* default 16 */
  uint32_t max_inbound;           /* default 117 */
  uint32_t discovery_tick_ms;     /* default 30000 */
  uint32_t dials_per_tick;        /* default 4; also the bound per received Addrs */
  uint32_t feeler_interval_ms;    /* default 120000; 0 disables feelers */
  uint32_t connection_timeout_ms; /* default 10000: query seeds after this */
  uint32_t seed_retry_ms;         /* default 300000: re-query seeds no sooner */
  uint32_t addr_rate_milli;       /* Addrs entries per second x 1000; default 100 */
  uint32_t addr_burst;            /* token bucket size; default 1000 */
  uint32_t getaddrs_cache_ms;     /* default 24 h */
  uint32_t relay_fanout;          /* peers a small fresh Addrs goes to; default 2 */
  uint32_t relay_interval_ms; /* mean delay of a relay batch per peer; default 5000, 0: at once */
  uint16_t default_port;      /* for seeds without a port; default 7071 */
  pqnet_addr advertise;       /* our dialable address if known (family 0: not) */
  char seeds[PQNET_MAX_SEEDS][PQNET_SEED_MAX + 1]; /* "host" or "host:port" */
  size_t nseeds;
  int have_addrman_secret;        /* else drawn from the rng at creation */
  uint8_t addrman_secret[32];     /* the peer store keeps it across restarts */
  uint32_t addrman_new_buckets;   /* 0: addrman default (1024) */
  uint32_t addrman_tried_buckets; /* 0: addrman default (256) */
  uint32_t addrman_bucket_size;   /* 0: addrman default (64) */
  /* 0: addrman defaults (new_buckets / 16, tried_buckets / 32). How many
   * buckets one source group (new) or one address group (tried) can reach. */
  uint32_t addrman_new_buckets_per_source_group;
  uint32_t addrman_tried_buckets_per_group;
  int addrman_no_test_before_evict; /* TEST ONLY (simulator): see addrman.h */
  uint32_t gossip_max_payload;      /* default cap per message, all topics; default 1 MiB */
  uint32_t gossip_announce_min;     /* payloads at least this big are announced, then
                                       fetched (each body crosses each link once);
                                       default 1024 */
  uint32_t gossip_seen_max;         /* seen-cache entries; default 16384 */
  uint32_t gossip_seen_ttl_ms;      /* seen-cache age; default 600000 */
  uint32_t gossip_keep_bytes;       /* bodies kept to serve fetches; default 32 MiB */
  uint32_t gossip_fetch_timeout_ms; /* ask the next announcer after; default 5000 */
  uint32_t gossip_backlog_max;      /* skip a peer whose unsent bytes exceed; 1 MiB */
  uint32_t ban_seconds;             /* automatic ban for a protocol violation;
                                       default 86400; 0: never ban automatically */
} pqnet_node_config;

/* Fill cfg with the defaults above; chain "devnet", zero genesis. */
void pqnet_node_config_default(pqnet_node_config *cfg);

/* What the embedder learns about a peer. Pointers valid during the callback. */
typedef struct pqnet_peer_info {
  uint64_t conn;
  pqnet_direction direction;
  pqnet_addr addr;
  uint8_t peer_id[PQNET_PEER_ID_LEN];
  uint16_t listen_port; /* from the handshake; 0 if not listening */
  uint64_t services;    /* from Hello (0 until it arrives) */
  uint64_t best_height; /* from Hello */
  const char *user_agent;
  uint64_t since_ms; /* when the session opened */
  uint64_t srtt_ms;  /* smoothed round-trip time; 0 before the first Pong */
  uint64_t bytes_in, bytes_out;
} pqnet_peer_info;

/* A ban: every address in addr/prefix_len (port ignored) until until_ms. */
typedef struct pqnet_ban {
  pqnet_addr addr;
  uint8_t prefix_len; /* 32 (IPv4) or 128 (IPv6) for one address; less for a network */
  uint64_t until_ms;
  char reason[64];
} pqnet_ban;

typedef struct pqnet_node_callbacks {
  void *ctx;
  /* A session completed its handshake. */
  void (*peer_connected)(void *ctx, const pqnet_peer_info *peer);
  /* A session ended; reason is a pqnet_reason, text its detail (never NULL).
   * Also called for connections that never finished the handshake, with
   * peer->peer_id all zero, so the embedder can log why a dial failed. */
  void (*peer_disconnected)(void *ctx, const pqnet_peer_info *peer, int reason, const char *text);
  /* A message of a protocol other than control arrived. body valid during
   * the call only. */
  void (*message)(void *ctx, uint64_t conn, uint16_t protocol, uint8_t type, const uint8_t *body,
                  size_t len);
  /* Hello received: services, height and user agent are now known. */
  void (*peer_hello)(void *ctx, const pqnet_peer_info *peer);
  /* One log line: level 0 error, 1 warn, 2 info, 3 debug. Connects and
   * disconnects are logged at debug: the callbacks above report them. */
  void (*log)(void *ctx, int level, const char *msg);
  /* The node banned a peer's address for a protocol violation (bad frame,
   * bad signature, address spam, invalid gossip): persist it. */
  void (*banned)(void *ctx, const pqnet_ban *ban);
  /* A gossip message not seen before arrived from conn. Return
   * PQNET_GOSSIP_VALID to accept and relay it, PQNET_GOSSIP_IGNORE to drop it
   * quietly (not relayed, no penalty: e.g. not yet checkable), or
   * PQNET_GOSSIP_INVALID (not relayed; the sender is banned). payload is
   * valid during the call only. NULL: every message is valid. */
  int (*gossip)(void *ctx, uint64_t conn, uint16_t topic, const uint8_t *payload, size_t len);
  /* Addresses entered the address book (from Addrs, a Hello, a seed): the
   * peer store queues them for its next batched write. The entries are the
   * address manager's (src/addrman/addrman.h pqnet_addr_info), valid during
   * the call only. */
  void (*addrs_learned)(void *ctx, const struct pqnet_addr_info *v, size_t n);
} pqnet_node_callbacks;

#define PQNET_GOSSIP_VALID   1
#define PQNET_GOSSIP_IGNORE  0
#define PQNET_GOSSIP_INVALID (-1)

typedef struct pqnet_node pqnet_node;

/* Create a node. cfg is copied; id and rng are borrowed and must outlive the
 * node. Returns 0, PQNET_ERR_INVALID_ARG (NULL argument, bad chain id),
 * PQNET_ERR_NOMEM. */
int pqnet_node_new(const pqnet_node_config *cfg, const pqnet_identity *id, const pqnet_rng *rng,
                   const pqnet_node_callbacks *cb, pqnet_node **out);
/* Free the node and every session (keys wiped). No actions are produced. */
void pqnet_node_del(pqnet_node *node);

/* ---- events ---- */

/* A TCP connection is up. For OUTBOUND, addr is the dialed address; the node
 * starts the handshake (sends Offer). Returns 0, PQNET_ERR_INVALID_ARG (conn 0
 * or already in use), PQNET_ERR_NOMEM, PQNET_ERR_TOO_LARGE (max_connections
 * reached: the driver should close the socket; a CLOSE action is queued). */
int pqnet_node_connected(pqnet_node *node, uint64_t conn, const pqnet_addr *addr,
                         pqnet_direction dir, uint64_t now);

/* Bytes arrived on conn. Returns 0, or PQNET_ERR_STATE for an unknown conn
 * (ignored). Protocol errors do not return an error: they close the session
 * through actions and callbacks. */
int pqnet_node_received(pqnet_node *node, uint64_t conn, const uint8_t *data, size_t len,
                        uint64_t now);

/* The transport closed (peer hung up, error, or after a CLOSE action). The
 * conn id may be reused after this. Returns 0 or PQNET_ERR_STATE. */
int pqnet_node_closed(pqnet_node *node, uint64_t conn, uint64_t now);

/* An outbound dial to addr failed before connecting. */
void pqnet_node_dial_failed(pqnet_node *node, const pqnet_addr *addr, uint64_t now);

/* Time passed: run timers (handshake timeout, pings, pong timeout). */
void pqnet_node_tick(pqnet_node *node, uint64_t now);

/* ---- embedder requests ---- */

/* Ask the driver to dial addr (queues a DIAL action) and remember it as a
 * dial in progress. Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_NOMEM,
 * PQNET_ERR_STATE (already connected or being dialed). */
int pqnet_node_dial(pqnet_node *node, const pqnet_addr *addr, uint64_t now);

/* Start discovery: schedule the discovery tick and feelers; query the seeds
 * now if the address book is empty, else after connection_timeout_ms unless
 * an outbound session opened by then. Call once, after dialing --peer
 * addresses and stored anchors. */
void pqnet_node_start(pqnet_node *node, uint64_t now);

/* The driver resolved a RESOLVE action's host: addrs (n may be 0: failed or
 * empty) become known addresses learned from that seed, and are dialed while
 * below the outbound target. */
void pqnet_node_resolved(pqnet_node *node, const char *host, const pqnet_addr *addrs, size_t n,
                         uint64_t now);

/* The address manager (src/addrman/addrman.h), for the peer store and the
 * operator interface. Owned by the node. */
struct pqnet_addrman *pqnet_node_addrman(pqnet_node *node);

/* Send a message to an open session. protocol must be an application
 * protocol (>= PQNET_PROTO_APP_MIN: 0-255 belong to the library).
 * Returns 0, PQNET_ERR_STATE (no open session with that id),
 * PQNET_ERR_TOO_LARGE (message over max_frame), PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_NOMEM, PQNET_ERR_CRYPTO. */
int pqnet_node_send(pqnet_node *node, uint64_t conn, uint16_t protocol, uint8_t type,
                    const uint8_t *body, size_t len, uint64_t now);

/* Close a session politely (Disconnect with reason, then CLOSE).
 * Returns 0 or PQNET_ERR_STATE. */
int pqnet_node_disconnect(pqnet_node *node, uint64_t conn, int reason, const char *text,
                          uint64_t now);

/* Ban addr/prefix_len until until_ms (replacing an existing ban of the same
 * network) and disconnect every peer inside it. Banned addresses are neither
 * dialed, accepted, stored nor relayed. Returns 0, PQNET_ERR_INVALID_ARG
 * (family or prefix), PQNET_ERR_TOO_LARGE (ban list full: 4096),
 * PQNET_ERR_NOMEM. */
int pqnet_node_ban(pqnet_node *node, const pqnet_addr *addr, unsigned prefix_len, uint64_t until_ms,
                   const char *reason, uint64_t now);
/* Lift a ban. Returns 0 or PQNET_ERR_STATE (no such ban). */
int pqnet_node_unban(pqnet_node *node, const pqnet_addr *addr, unsigned prefix_len);
/* 1 when addr falls in a ban still running at now. */
int pqnet_node_is_banned(const pqnet_node *node, const pqnet_addr *addr, uint64_t now);
/* Up to max current bans into out; returns how many there are. */
size_t pqnet_node_bans(const pqnet_node *node, pqnet_ban *out, size_t max);

/* Gossip (PROTOCOL.md §11): publish payload on topic to every peer. The
 * message id is SHA3-256(topic || payload); payloads of at least
 * gossip_announce_min bytes are announced and fetched on demand. If id_out is
 * not NULL it receives the id. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_TOO_LARGE (over the topic's cap), PQNET_ERR_STATE (already seen:
 * a duplicate), PQNET_ERR_NOMEM. */
int pqnet_node_broadcast(pqnet_node *node, uint16_t topic, const uint8_t *payload, size_t len,
                         uint8_t id_out[32], uint64_t now);
/* Cap payloads of one topic (default gossip_max_payload). Up to 16 topics.
 * Returns 0, PQNET_ERR_TOO_LARGE (table full or cap above max_frame). */
int pqnet_node_gossip_set_cap(pqnet_node *node, uint16_t topic, uint32_t max_payload);
/* Driver feedback: bytes queued on conn and not yet written to the socket.
 * Gossip is not sent to a peer over gossip_backlog_max (it is counted as
 * dropped); the driver itself disconnects at send_queue_max. */
void pqnet_node_set_backlog(pqnet_node *node, uint64_t conn, size_t bytes);

/* The application's best chain height, announced in every Hello from now on
 * (sessions already open learn it from the application's own messages). */
void pqnet_node_set_best_height(pqnet_node *node, uint64_t height);

/* Disconnect every session with PQNET_REASON_SHUTDOWN. */
void pqnet_node_shutdown(pqnet_node *node, uint64_t now);

/* ---- actions ---- */

typedef enum pqnet_action_type {
  PQNET_ACT_NONE = 0,
  PQNET_ACT_DIAL,    /* addr */
  PQNET_ACT_SEND,    /* conn, data, len */
  PQNET_ACT_CLOSE,   /* conn, reason */
  PQNET_ACT_WAKE,    /* at: call pqnet_node_tick no later than this time */
  PQNET_ACT_RESOLVE, /* data: host name (NUL-terminated); addr.port: port to use */
} pqnet_action_type;

typedef struct pqnet_action {
  pqnet_action_type type;
  uint64_t conn;
  pqnet_addr addr;
  const uint8_t *data; /* SEND bytes, RESOLVE host: valid until the next call into the node */
  size_t len;
  int reason;
  uint64_t at;
} pqnet_action;

/* Take the next action. Returns 1 and fills *act, or 0 when none is left.
 * A WAKE action is produced whenever the earliest deadline changed, and after
 * every pqnet_node_tick (so a timer that fired early is re-armed). */
int pqnet_node_poll(pqnet_node *node, pqnet_action *act);

/* Earliest pending deadline, or UINT64_MAX when none. */
uint64_t pqnet_node_next_deadline(const pqnet_node *node);

/* ---- inspection ---- */

/* Fill info for conn. Returns 0 or PQNET_ERR_STATE. */
int pqnet_node_peer_info(const pqnet_node *node, uint64_t conn, pqnet_peer_info *info);
/* Open sessions (handshake done), by direction; dir < 0 counts both. */
size_t pqnet_node_peer_count(const pqnet_node *node, int dir);
/* Up to max conn ids of open sessions into out; returns how many. */
size_t pqnet_node_peers(const pqnet_node *node, uint64_t *out, size_t max);
/* Number of connections in any state (handshaking included). */
size_t pqnet_node_connection_count(const pqnet_node *node);

/* Counters for metrics. */
typedef struct pqnet_node_stats {
  uint64_t handshakes_ok, handshakes_failed;
  uint64_t handshakes_failed_by_reason[PQNET_REASON_MAX_];
  uint64_t bytes_in, bytes_out, frames_in, frames_out;
  uint64_t addrs_received;     /* entries in Addrs messages */
  uint64_t addrs_rate_limited; /* entries dropped by the per-peer token bucket */
  uint64_t addrs_relayed;      /* entries queued for relay to other peers (batched, §10.4) */
  uint64_t getaddrs_answered, getaddrs_ignored;
  uint64_t dials, dials_failed, feelers, seed_queries, evictions;
  uint64_t bans, refused_banned;
  uint64_t gossip_received;        /* new messages accepted from peers */
  uint64_t gossip_published;       /* pqnet_node_broadcast calls */
  uint64_t dupes_dropped;          /* messages (or bodies) we already had */
  uint64_t announces_received;     /* ANNOUNCE messages */
  uint64_t gossip_sent;            /* full messages sent (pushes and fetch answers) */
  uint64_t gossip_announced;       /* ANNOUNCE messages sent */
  uint64_t gossip_fetches;         /* FETCH requests sent */
  uint64_t gossip_invalid;         /* rejected by the application */
  uint64_t gossip_backlog_dropped; /* not sent to a peer whose backlog was full */
} pqnet_node_stats;
const pqnet_node_stats *pqnet_node_get_stats(const pqnet_node *node);
/* Channel key changes (PROTOCOL.md §5) over the node's lifetime. */
uint64_t pqnet_node_rekeys(const pqnet_node *node);

#ifdef __cplusplus
}
#endif

#endif
