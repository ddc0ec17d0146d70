/*
 * pqnet-sim: many unmodified node cores (include/pqnet/node.h) on a virtual
 * network, in one process, deterministic per seed.
 *
 * Built the way ngtcp2's examples/sim is (docs/SIMULATION.md): a virtual
 * clock (microseconds; the cores see milliseconds), one priority queue of
 * events ordered by (time, sequence number), per-link one-way delay from a
 * region model plus per-link jitter, per-node uplink rate, optional loss
 * (modelled as a TCP retransmission delay: the stream stays in order and
 * loses nothing), a per-direction queue limit, a seeded generator for the
 * network model, one seeded pqnet_rng_det per node incarnation, and a cap on
 * the number of events. No wall-clock read feeds the simulated logic; the
 * wall clock is only read for the progress line and the speed figures.
 *
 * Every honest node, seed and attacker address is a real pqnet_node: the
 * handshake, Hello/GetAddrs/Addrs, the address manager, the dialing policy,
 * feelers and test-before-evict are the core's own code. Sockets are
 * replaced by links; DIAL, SEND, CLOSE, WAKE and RESOLVE actions are carried
 * out by the event queue.
 */
#ifndef PQNET_SIM_H
#define PQNET_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addrman/addrman.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"

#define SIM_PORT        7071
#define SIM_EPOCH_MS    1800000000000ull /* 2027-01-15 in Unix ms: virtual t = 0 */
#define SIM_MAX_REGIONS 6
#define SIM_ANCHORS     5
#define SIM_NEVER       UINT64_MAX

/* ---- scenario (sim/scenario.c) --------------------------------------------- */

typedef struct sim_config {
  uint64_t seed;
  char name[64]; /* scenario preset name, for the summary */
  char out[512]; /* output folder */
  /* network */
  uint32_t nodes;              /* honest nodes, seeds included */
  uint32_t seeds;              /* the first `seeds` nodes; listed in the DNS name */
  double join_window_s;        /* non-seed nodes join uniformly over [0, window) */
  double duration_s;           /* virtual time simulated */
  uint32_t regions;            /* 1..6, see sim.c */
  double jitter_ms;            /* extra one-way delay per link, uniform [0, jitter) */
  double loss;                 /* probability a SEND needs a retransmission */
  double uplink_mbps;          /* per node */
  uint64_t queue_limit;        /* bytes in flight per direction before the driver drops it */
  uint32_t connect_timeout_ms; /* dial to nobody fails after this (the shell's default) */
  int fast_crypto;             /* 1: fake ML-DSA signatures (clearly labelled) */
  /* node policy */
  uint32_t min_outbound, max_outbound, max_inbound;
  uint32_t tick_ms, feeler_ms, dials_per_tick;
  uint32_t am_new_buckets, am_tried_buckets, am_bucket_size; /* 0: sim default by size */
  /* measurement */
  double sample_s;
  uint64_t event_cap;
  uint32_t diameter_exact_max; /* exact diameter up to this many nodes, else sampled */
  int plot;                    /* run gnuplot */
  int check;                   /* exit 1 when the invariants fail */
  int quiet;                   /* no progress line */
  /* seeds gone + late joiners (scenario 2) */
  double seeds_leave_s; /* < 0: never */
  uint32_t late_joiners;
  double late_join_s; /* they join uniformly over [late_join_s, +late_window_s) */
  double late_window_s;
  uint32_t late_known; /* stored peers a late joiner knows (random online nodes) */
  /* churn (scenario 3) */
  double churn;         /* fraction of non-seed nodes that leave and return */
  double churn_start_s; /* departures uniformly over [start, start + window) */
  double churn_window_s;
  double churn_offline_s;     /* mean time offline (exponential) ... */
  double churn_offline_max_s; /* ... capped */
  double churn_crash;         /* fraction of departures without a goodbye */
  /* partition */
  double partition_s, heal_s; /* < 0: none; heal < 0: never */
  /* attacker (scenario 4) */
  uint32_t attack_addrs;  /* K */
  uint32_t attack_groups; /* G */
  uint32_t victims;
  double attack_start_s, attack_duration_s;
  double attack_interval_s; /* one new attacker connection per victim every interval */
  double attack_hold_s;     /* an attacker connection lasts this long */
  uint32_t attack_trash;    /* extra non-listening addresses per group in the floods */
  double restart_stale;     /* fraction of honest non-victims offline at the restart */
  double measure_s;         /* after the restart, look at the victims for this long */
  int cm_bucketing, cm_tbe, cm_feelers, cm_anchors; /* countermeasures */
  /* gossip (when the core has it): messages per second over the network */
  double gossip_rate;
  uint32_t gossip_size;
  double gossip_start_s; /* < 0: after the join window + 60 s */
  double gossip_stop_s;  /* < 0: 60 s before the end */
} sim_config;

void sim_config_default(sim_config *c);
/* Apply a preset (bootstrap, seeds-gone, churn, eclipse, small). Returns 0 or -1. */
int sim_config_preset(sim_config *c, const char *name);
/* key=value; returns 0, or -1 with a message in err. */
int sim_config_set(sim_config *c, const char *key, const char *value, char *err, size_t cap);
/* Read a file of key = value lines (# comments). Returns 0 or -1 (err says where). */
int sim_config_load(sim_config *c, const char *path, char *err, size_t cap);
/* Print every key canonically (the summary's header, re-readable by load). */
void sim_config_print(const sim_config *c, FILE *f);

/* ---- the simulator ---------------------------------------------------------- */

enum sim_kind { SIM_HONEST = 0, SIM_SEED = 1, SIM_ATTACKER = 2 };

typedef struct sim_saved {
  pqnet_addr_info *book; /* address book at departure (what the peer store keeps) */
  size_t n, cap;
  pqnet_addr anchors[SIM_ANCHORS]; /* most recent outbound peers, newest first */
  size_t nanchors;
} sim_saved;

typedef struct sim_node {
  pqnet_node *node; /* NULL while offline */
  pqnet_identity *id;
  pqnet_rng_det rng; /* never moves: the array is allocated once */
  pqnet_addr addr;
  uint8_t kind, region, online, side, victim, ever_joined;
  uint32_t index;
  uint32_t incarnation;
  uint8_t secret[32]; /* addrman secret, kept across restarts */
  uint64_t wake_at;   /* earliest WAKE event queued (us) */
  uint64_t up_free;   /* uplink busy until (us) */
  /* live counters from the callbacks */
  uint32_t out_open, in_open, out_attacker;
  /* metrics */
  uint64_t joined_at;   /* us, this incarnation */
  uint64_t target_at;   /* first time at target in this incarnation (SIM_NEVER: not yet) */
  uint64_t below_since; /* SIM_NEVER: at target or never reached it yet */
  uint64_t online_us;   /* total simulated time online (node-seconds) */
  uint32_t conns_alive; /* attacker: open links (the node is freed at 0) */
  uint32_t pending;     /* attacker: dials in flight */
  uint8_t crashed;      /* offline without a goodbye: its links go silent */
  sim_saved saved;
} sim_node;

typedef struct sim_dir {
  uint64_t last_arrival; /* keeps the stream in order */
  uint64_t inflight;     /* bytes sent and not yet delivered */
  uint8_t dead;          /* blackholed: later bytes are lost */
} sim_dir;

typedef struct sim_link {
  uint32_t gen;      /* part of every conn id and event: stale ones are dropped */
  uint32_t ep[2];    /* [0] the dialer, [1] the listener */
  uint32_t inc[2];   /* their incarnations when the link was made */
  uint8_t open[2];   /* the side's node knows the conn and has not closed it */
  uint8_t used;      /* slot in use */
  uint8_t connected; /* SYN reached a live listener */
  uint32_t delay_us; /* one-way */
  uint64_t dial_at;
  pqnet_addr dialed;
  sim_dir dir[2]; /* [s]: bytes from side s to side 1 - s */
  uint32_t next_free;
} sim_link;

typedef struct sim_event {
  uint64_t at, seq;
  uint32_t type, a; /* a: node or link slot */
  uint32_t b, len;  /* b: generation / incarnation / side */
  void *data;
} sim_event;

typedef struct sim_heap {
  sim_event *v;
  size_t n, cap;
} sim_heap;

typedef struct sim_addrmap {
  uint64_t *keys; /* 0: empty */
  uint32_t *vals;
  size_t cap, n;
} sim_addrmap;

/* xoshiro256** for the network model (not for the cores). */
typedef struct sim_prng {
  uint64_t s[4];
} sim_prng;

struct sim_metrics;

typedef struct sim {
  sim_config cfg;
  uint64_t now; /* us since virtual t = 0 */
  uint64_t seq;
  uint64_t events;
  sim_heap heap;
  sim_prng prng;    /* network model, scenario draws */
  sim_node *nodes;  /* honest first (seeds 0..seeds-1), then late joiners, then attackers */
  uint32_t nhonest; /* nodes + late joiners */
  uint32_t nattack;
  uint32_t attack_base; /* index of the first attacker address */
  sim_link *links;
  uint32_t nlinks, cap_links, free_link;
  sim_addrmap addrs;
  pqnet_node_config base; /* the honest node config */
  uint64_t partition_until;
  int partitioned;
  /* counters */
  uint64_t dials, dials_failed, bytes, handshakes, closes_queue;
  uint64_t gossip_sent, gossip_delivered;
  uint64_t by_type[32]; /* events processed, by type */
  struct sim_metrics *m;
  /* attacker bookkeeping (sim/attacker.c) */
  uint32_t *attack_cursor; /* per victim: next attacker address to use */
  uint64_t restart_at;
  FILE *csv;
  double wall_start;
  int stop;
} sim;

/* Event types. */
enum {
  EV_WAKE = 1,
  EV_SYN,
  EV_SYNACK,
  EV_DATA,
  EV_FIN,
  EV_DIAL_FAIL,
  EV_RESOLVE,
  EV_JOIN,
  EV_LEAVE,
  EV_RETURN,
  EV_SAMPLE,
  EV_PARTITION,
  EV_HEAL,
  EV_SEEDS_LEAVE,
  EV_ATTACK_DIAL,
  EV_ATTACK_DROP,
  EV_ATTACK_FLOOD,
  EV_RESTART,
  EV_MEASURE,
  EV_GOSSIP,
};

/* sim.c */
int sim_init(sim *s, const sim_config *cfg);
void sim_free(sim *s);
void sim_run(sim *s);
void sim_push(sim *s, uint64_t at, uint32_t type, uint32_t a, uint32_t b, void *data, uint32_t len);
uint64_t sim_rand(sim *s);
double sim_uniform(sim *s); /* [0, 1) */
int sim_node_start(sim *s, uint32_t i, int with_saved);
void sim_node_stop(sim *s, uint32_t i, int graceful, int save);
sim_node *sim_find_addr(sim *s, const pqnet_addr *a);
uint64_t sim_now_ms(const sim *s);
void sim_drain(sim *s, uint32_t i);
int sim_is_attacker_addr(const sim *s, const pqnet_addr *a);
/* The node at the other end of node i's conn, or UINT32_MAX. */
uint32_t sim_peer_of(sim *s, uint32_t i, uint64_t conn);
void sim_register_addr(sim *s, const pqnet_addr *a, uint32_t i);
pqnet_addr sim_random_addr(sim *s, uint8_t first_lo, uint8_t first_hi);

/* attacker.c */
void attack_setup(sim *s);
void attack_event(sim *s, const sim_event *ev);
void attack_on_open(sim *s, uint32_t i, uint64_t conn);
void attack_after_event(sim *s, uint32_t i);
void attack_node_config(const sim *s, pqnet_node_config *cfg);

/* metrics.c */
int metrics_init(sim *s);
void metrics_free(sim *s);
void metrics_sample(sim *s);
void metrics_on_peer(sim *s, uint32_t i, int outbound, int up, int attacker);
void metrics_on_join(sim *s, uint32_t i);
void metrics_on_leave(sim *s, uint32_t i);
void metrics_victim_result(sim *s, uint32_t v, int eclipsed, size_t out, size_t out_att,
                           size_t am_new, size_t am_tried, size_t att_new, size_t att_tried);
int metrics_finish(sim *s); /* summary, files, plots; returns the --check verdict */
void metrics_progress(sim *s, int final);
void metrics_gossip_published(sim *s, uint32_t msg, size_t online);
void metrics_gossip_received(sim *s, uint32_t msg, uint64_t published_us);

/* fastcrypto.c */
extern int sim_fast_crypto;
void sim_fast_identity(pqnet_identity *id); /* drop the expanded key (unused when fast) */

#endif
