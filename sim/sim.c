/*
 * The simulator engine: event queue, network model, and the driver that
 * carries out every node's actions (the simulator's equivalent of
 * src/io/shell.c). See sim.h for the model and docs/SIMULATION.md for the
 * scenarios built on it.
 *
 * Network model
 *   - Each node sits in one of up to six regions; the one-way delay of a
 *     link is the inter-region delay below plus a per-link jitter drawn once
 *     (uniform [0, jitter_ms)), so a TCP stream never reorders.
 *   - A SEND leaves after the node's uplink is free (uplink_mbps, shared by
 *     all its links) and arrives one delay later; with probability `loss` it
 *     needs a retransmission and arrives max(200 ms, 3 x delay) later, and
 *     everything behind it on that stream waits (head-of-line blocking).
 *   - A dial to an address nobody listens on, or across a partition, fails
 *     after connect_timeout_ms (the libevent shell's connect timeout). A dial
 *     that reaches a listener: SYN after one delay (the listener's
 *     pqnet_node_connected INBOUND), SYN-ACK one delay later (the dialer's
 *     pqnet_node_connected OUTBOUND).
 *   - CLOSE: the closing node is told at once (pqnet_node_closed), the peer
 *     after everything already sent on that stream (FIN). A node that stops
 *     gracefully says goodbye (pqnet_node_shutdown); one that crashes does
 *     not, and its peers find out from their own ping timeouts.
 *   - During a partition, bytes across the cut wait until it heals (TCP
 *     retransmits them) and dials across it time out.
 *   - More than queue_limit bytes in flight on one direction: the driver
 *     drops the connection, as the shell does at send_queue_max.
 */
#include "sim.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pqnet/error.h"
#include "pqnet/sha3.h"

/* ---- random numbers for the network model (not for the cores) --------------- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t sim_rand(sim *s) {
  uint64_t *q = s->prng.s;
  uint64_t r = rotl(q[1] * 5, 7) * 9, t = q[1] << 17;
  q[2] ^= q[0];
  q[3] ^= q[1];
  q[1] ^= q[2];
  q[0] ^= q[3];
  q[2] ^= t;
  q[3] = rotl(q[3], 45);
  return r;
}

double sim_uniform(sim *s) {
  return (double)(sim_rand(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t sim_below(sim *s, uint32_t n) {
  return n ? (uint32_t)(((sim_rand(s) >> 32) * n) >> 32) : 0;
}

/* ---- the event queue: a binary heap ordered by (at, seq) --------------------- */

static int ev_less(const sim_event *a, const sim_event *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void sim_push(sim *s, uint64_t at, uint32_t type, uint32_t a, uint32_t b, void *data,
              uint32_t len) {
  sim_heap *h = &s->heap;
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 4096;
    sim_event *v = realloc(h->v, cap * sizeof *v);
    if (!v) abort();
    h->v = v;
    h->cap = cap;
  }
  if (at < s->now) at = s->now;
  sim_event e = {.at = at, .seq = s->seq++, .type = type, .a = a, .b = b, .len = len, .data = data};
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!ev_less(&e, &h->v[p])) break;
    h->v[i] = h->v[p];
    i = p;
  }
  h->v[i] = e;
}

static sim_event heap_pop(sim_heap *h) {
  sim_event top = h->v[0], last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l >= h->n) break;
    m = l;
    if (l + 1 < h->n && ev_less(&h->v[l + 1], &h->v[l])) m = l + 1;
    if (!ev_less(&h->v[m], &last)) break;
    h->v[i] = h->v[m];
    i = m;
  }
  if (h->n) h->v[i] = last;
  return top;
}

/* ---- address -> node ------------------------------------------------------------ */

static uint64_t addr_key(const pqnet_addr *a) {
  if (a->family != 4) return 0;
  return ((uint64_t)a->ip[0] << 40 | (uint64_t)a->ip[1] << 32 | (uint64_t)a->ip[2] << 24 |
          (uint64_t)a->ip[3] << 16 | a->port) +
         1;
}

static size_t key_slot(uint64_t k, size_t cap) {
  uint64_t x = k;
  return (size_t)(splitmix64(&x) & (cap - 1));
}

static void addrmap_put(sim_addrmap *m, uint64_t k, uint32_t v) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) abort();
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i]) continue;
      size_t j = key_slot(m->keys[i], cap);
      while (keys[j]) j = (j + 1) & (cap - 1);
      keys[j] = m->keys[i];
      vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
  }
  size_t j = key_slot(k, m->cap);
  while (m->keys[j] && m->keys[j] != k) j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) m->n++;
  m->keys[j] = k;
  m->vals[j] = v;
}

static int addrmap_get(const sim_addrmap *m, uint64_t k, uint32_t *v) {
  if (!m->cap || !k) return 0;
  size_t j = key_slot(k, m->cap);
  while (m->keys[j]) {
    if (m->keys[j] == k) {
      *v = m->vals[j];
      return 1;
    }
    j = (j + 1) & (m->cap - 1);
  }
  return 0;
}

sim_node *sim_find_addr(sim *s, const pqnet_addr *a) {
  uint32_t v;
  return addrmap_get(&s->addrs, addr_key(a), &v) ? &s->nodes[v] : NULL;
}

int sim_is_attacker_addr(const sim *s, const pqnet_addr *a) {
  uint32_t v;
  return addrmap_get(&s->addrs, addr_key(a), &v) && v >= s->attack_base;
}

/* ---- time ------------------------------------------------------------------------- */

uint64_t sim_now_ms(const sim *s) {
  return SIM_EPOCH_MS + s->now / 1000;
}

static uint64_t us(double seconds) {
  return seconds <= 0 ? 0 : (uint64_t)(seconds * 1e6 + 0.5);
}

/* ---- regions ------------------------------------------------------------------------ */

/* One-way delays in ms between North America East, North America West,
 * Europe, Asia, South America and Oceania (roughly half of public RTT
 * tables), and the share of nodes in each. */
static const uint16_t region_delay_ms[SIM_MAX_REGIONS][SIM_MAX_REGIONS] = {
    {8, 35, 45, 110, 60, 100},   {35, 8, 75, 75, 90, 70},     {45, 75, 8, 120, 100, 140},
    {110, 75, 120, 15, 160, 60}, {60, 90, 100, 160, 15, 150}, {100, 70, 140, 60, 150, 10},
};
static const double region_share[SIM_MAX_REGIONS] = {0.25, 0.15, 0.30, 0.15, 0.05, 0.10};

static uint8_t pick_region(sim *s) {
  uint32_t r = s->cfg.regions ? s->cfg.regions : 1;
  if (r > SIM_MAX_REGIONS) r = SIM_MAX_REGIONS;
  double total = 0, x;
  for (uint32_t i = 0; i < r; i++) total += region_share[i];
  x = sim_uniform(s) * total;
  for (uint32_t i = 0; i < r; i++) {
    if (x < region_share[i]) return (uint8_t)i;
    x -= region_share[i];
  }
  return (uint8_t)(r - 1);
}

/* ---- links ---------------------------------------------------------------------------- */

static uint64_t conn_id(const sim_link *l, uint32_t slot, int side) {
  return (uint64_t)l->gen << 32 | (uint64_t)slot << 1 | (uint64_t)side;
}

/* The link and side for a conn id of node i; NULL if stale. */
static sim_link *link_of(sim *s, uint32_t i, uint64_t conn, uint32_t *slot, int *side) {
  uint32_t sl = (uint32_t)(conn & 0xffffffffu) >> 1;
  int sd = (int)(conn & 1);
  if (sl == 0 || sl >= s->nlinks) return NULL;
  sim_link *l = &s->links[sl];
  if (!l->used || l->gen != (uint32_t)(conn >> 32) || l->ep[sd] != i) return NULL;
  *slot = sl;
  *side = sd;
  return l;
}

static uint32_t link_new(sim *s, uint32_t dialer, uint32_t listener) {
  uint32_t slot;
  if (s->free_link) {
    slot = s->free_link;
    s->free_link = s->links[slot].next_free;
  } else {
    if (s->nlinks == s->cap_links) {
      uint32_t cap = s->cap_links ? s->cap_links * 2 : 4096;
      sim_link *v = realloc(s->links, (size_t)cap * sizeof *v);
      if (!v) abort();
      s->links = v;
      s->cap_links = cap;
    }
    if (s->nlinks == 0) { /* slot 0 is never used: conn ids are non-zero */
      memset(&s->links[0], 0, sizeof s->links[0]);
      s->nlinks = 1;
    }
    slot = s->nlinks++;
    s->links[slot].gen = 0;
  }
  sim_link *l = &s->links[slot];
  uint32_t gen = l->gen + 1;
  memset(l, 0, sizeof *l);
  l->gen = gen;
  l->used = 1;
  l->ep[0] = dialer;
  l->ep[1] = listener;
  l->inc[0] = s->nodes[dialer].incarnation;
  l->inc[1] = s->nodes[listener].incarnation;
  const sim_node *a = &s->nodes[dialer], *b = &s->nodes[listener];
  double d = region_delay_ms[a->region][b->region] + sim_uniform(s) * s->cfg.jitter_ms;
  l->delay_us = (uint32_t)(d * 1000);
  if (l->delay_us < 100) l->delay_us = 100;
  return slot;
}

static void link_free(sim *s, uint32_t slot) {
  sim_link *l = &s->links[slot];
  if (!l->used) return;
  l->used = 0;
  l->next_free = s->free_link;
  s->free_link = slot;
}

/* Is side `side` of l still the node incarnation that made it, and online? */
static int side_alive(const sim *s, const sim_link *l, int side) {
  const sim_node *n = &s->nodes[l->ep[side]];
  return n->node && n->incarnation == l->inc[side];
}

static int across_cut(const sim *s, uint32_t a, uint32_t b) {
  return s->partitioned && s->nodes[a].side != s->nodes[b].side;
}

static void side_opened(sim *s, sim_link *l, int side) {
  l->open[side] = 1;
  sim_node *n = &s->nodes[l->ep[side]];
  if (n->kind == SIM_ATTACKER) n->conns_alive++;
}

/* A FIN from side 1 - to reaches side `to` after the bytes already sent. */
static void fin_to(sim *s, uint32_t slot, int to) {
  sim_link *l = &s->links[slot];
  sim_dir *d = &l->dir[1 - to];
  uint64_t at = s->now + l->delay_us;
  if (at < d->last_arrival) at = d->last_arrival;
  d->last_arrival = at;
  sim_push(s, at, EV_FIN, slot, l->gen << 1 | (uint32_t)to, NULL, 0);
}

/* Side `side` stops using l: tell its node (notify, if it is still the
 * incarnation that knows the conn) and send a FIN to the other side if that
 * one is still open; free the link once both sides are done. */
static void side_close(sim *s, uint32_t slot, int side, int notify) {
  sim_link *l = &s->links[slot];
  if (!l->open[side]) return;
  int was_open = l->open[side] == 1;
  l->open[side] = 0;
  int alive = side_alive(s, l, side);
  sim_node *n = &s->nodes[l->ep[side]];
  if (was_open && alive && n->kind == SIM_ATTACKER && n->conns_alive) n->conns_alive--;
  if (notify && alive) pqnet_node_closed(n->node, conn_id(l, slot, side), sim_now_ms(s));
  if (l->open[1 - side])
    fin_to(s, slot, 1 - side);
  else
    link_free(s, slot);
}

/* ---- carrying out actions ------------------------------------------------------------- */

static void net_dial(sim *s, uint32_t i, const pqnet_addr *addr) {
  s->dials++;
  uint32_t t;
  sim_node *from = &s->nodes[i];
  if (from->kind == SIM_ATTACKER) from->pending++;
  if (!addrmap_get(&s->addrs, addr_key(addr), &t) || !s->nodes[t].online || across_cut(s, i, t)) {
    /* Nobody answers: the connect timer fires. */
    pqnet_addr *copy = malloc(sizeof *copy);
    if (!copy) abort();
    *copy = *addr;
    sim_push(s, s->now + (uint64_t)s->cfg.connect_timeout_ms * 1000, EV_DIAL_FAIL, i,
             from->incarnation, copy, 0);
    return;
  }
  uint32_t slot = link_new(s, i, t);
  sim_link *l = &s->links[slot];
  l->dial_at = s->now;
  l->dialed = *addr;
  sim_push(s, s->now + l->delay_us, EV_SYN, slot, l->gen, NULL, 0);
}

static void net_send(sim *s, uint32_t i, uint64_t conn, const uint8_t *data, size_t len) {
  uint32_t slot;
  int side;
  sim_link *l = link_of(s, i, conn, &slot, &side);
  if (!l || !l->open[side]) return;
  sim_dir *d = &l->dir[side];
  if (d->inflight + len > s->cfg.queue_limit) {
    s->closes_queue++;
    side_close(s, slot, side, 1); /* the driver gives up on this peer */
    return;
  }
  sim_node *n = &s->nodes[i];
  double bps = s->cfg.uplink_mbps * 1e6;
  uint64_t tx = bps > 0 ? (uint64_t)((double)len * 8 * 1e6 / bps) : 0;
  uint64_t depart = (n->up_free > s->now ? n->up_free : s->now) + tx;
  n->up_free = depart;
  uint64_t at = depart + l->delay_us;
  if (s->cfg.loss > 0 && sim_uniform(s) < s->cfg.loss) {
    uint64_t rto = 3ull * l->delay_us;
    at += rto > 200000 ? rto : 200000;
  }
  if (at < d->last_arrival) at = d->last_arrival;
  d->last_arrival = at;
  d->inflight += len;
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) abort();
  memcpy(copy, data, len);
  s->bytes += len;
  sim_push(s, at, EV_DATA, slot, l->gen << 1 | (uint32_t)side, copy, (uint32_t)len);
}

static void net_close(sim *s, uint32_t i, uint64_t conn) {
  uint32_t slot;
  int side;
  sim_link *l = link_of(s, i, conn, &slot, &side);
  if (!l) {
    pqnet_node_closed(s->nodes[i].node, conn, sim_now_ms(s));
    return;
  }
  side_close(s, slot, side, 1);
}

static void net_resolve(sim *s, uint32_t i, const char *host, size_t len, uint16_t port) {
  char *copy = malloc(len + 1);
  if (!copy) abort();
  memcpy(copy, host, len);
  copy[len] = '\0';
  sim_push(s, s->now + 20000, EV_RESOLVE, i, s->nodes[i].incarnation, copy, port);
}

static void schedule_wake(sim *s, uint32_t i, uint64_t at_ms) {
  sim_node *n = &s->nodes[i];
  uint64_t at = at_ms <= SIM_EPOCH_MS ? 0 : (at_ms - SIM_EPOCH_MS) * 1000;
  if (at < s->now) at = s->now;
  if (n->wake_at != SIM_NEVER && n->wake_at <= at && n->wake_at >= s->now) return;
  n->wake_at = at;
  sim_push(s, at, EV_WAKE, i, n->incarnation, NULL, 0);
}

void sim_drain(sim *s, uint32_t i) {
  pqnet_action a;
  while (s->nodes[i].node && pqnet_node_poll(s->nodes[i].node, &a)) {
    switch (a.type) {
    case PQNET_ACT_SEND: net_send(s, i, a.conn, a.data, a.len); break;
    case PQNET_ACT_CLOSE: net_close(s, i, a.conn); break;
    case PQNET_ACT_DIAL: net_dial(s, i, &a.addr); break;
    case PQNET_ACT_WAKE: schedule_wake(s, i, a.at); break;
    case PQNET_ACT_RESOLVE: net_resolve(s, i, (const char *)a.data, a.len, a.addr.port); break;
    default: break;
    }
  }
}

/* ---- node callbacks -------------------------------------------------------------------- */

typedef struct cb_ctx {
  sim *s;
  uint32_t i;
} cb_ctx;

static cb_ctx *ctxs; /* one per node slot, allocated with the node array */

static int zero_id(const uint8_t *id) {
  for (int k = 0; k < PQNET_PEER_ID_LEN; k++)
    if (id[k]) return 0;
  return 1;
}

static void on_connected(void *ctx, const pqnet_peer_info *p) {
  cb_ctx *c = ctx;
  sim *s = c->s;
  s->handshakes++;
  int att = p->direction == PQNET_OUTBOUND && sim_is_attacker_addr(s, &p->addr);
  metrics_on_peer(s, c->i, p->direction == PQNET_OUTBOUND, 1, att);
  if (s->nodes[c->i].kind == SIM_ATTACKER) attack_on_open(s, c->i, p->conn);
}

static void on_disconnected(void *ctx, const pqnet_peer_info *p, int reason, const char *text) {
  cb_ctx *c = ctx;
  (void)reason;
  (void)text;
  if (zero_id(p->peer_id)) return; /* never opened */
  int att = p->direction == PQNET_OUTBOUND && sim_is_attacker_addr(c->s, &p->addr);
  metrics_on_peer(c->s, c->i, p->direction == PQNET_OUTBOUND, 0, att);
}

/* Gossip payload: message number (4 bytes), publish time in us (8), padding. */
static int on_gossip(void *ctx, uint64_t conn, uint16_t topic, const uint8_t *payload, size_t len) {
  cb_ctx *c = ctx;
  (void)conn;
  (void)topic;
  if (c->s->nodes[c->i].kind == SIM_ATTACKER) return PQNET_GOSSIP_IGNORE; /* never relays */
  if (len < 12) return PQNET_GOSSIP_INVALID;
  uint32_t msg = 0;
  uint64_t t = 0;
  for (int k = 0; k < 4; k++) msg |= (uint32_t)payload[k] << (8 * k);
  for (int k = 0; k < 8; k++) t |= (uint64_t)payload[4 + k] << (8 * k);
  metrics_gossip_received(c->s, msg, t);
  return PQNET_GOSSIP_VALID;
}

static void publish(sim *s) {
  static uint32_t next_msg;
  if (s->now == 0) next_msg = 0;
  size_t online = 0;
  for (uint32_t i = 0; i < s->nhonest; i++) online += s->nodes[i].node != NULL;
  if (!online) return;
  uint32_t i;
  do i = sim_below(s, s->nhonest);
  while (!s->nodes[i].node);
  uint32_t len = s->cfg.gossip_size < 12 ? 12 : s->cfg.gossip_size;
  uint8_t *p = calloc(1, len);
  if (!p) abort();
  uint32_t msg = next_msg++;
  for (int k = 0; k < 4; k++) p[k] = (uint8_t)(msg >> (8 * k));
  for (int k = 0; k < 8; k++) p[4 + k] = (uint8_t)(s->now >> (8 * k));
  for (uint32_t k = 12; k < len; k++) p[k] = (uint8_t)sim_rand(s);
  metrics_gossip_published(s, msg, online);
  if (pqnet_node_broadcast(s->nodes[i].node, 1, p, len, NULL, sim_now_ms(s)) == 0) s->gossip_sent++;
  free(p);
  sim_drain(s, i);
}

static void on_log(void *ctx, int level, const char *msg) {
  cb_ctx *c = ctx;
  if (level == 0) fprintf(stderr, "[t=%.3fs node %u] %s\n", (double)c->s->now / 1e6, c->i, msg);
}

/* ---- node lifecycle ----------------------------------------------------------------------- */

static void node_config(sim *s, uint32_t i, pqnet_node_config *cfg) {
  sim_node *n = &s->nodes[i];
  *cfg = s->base;
  cfg->advertise = n->addr;
  memcpy(cfg->addrman_secret, n->secret, 32);
  cfg->have_addrman_secret = 1;
  if (n->kind == SIM_ATTACKER) attack_node_config(s, cfg);
  if (n->victim && !s->cfg.cm_bucketing) {
    /* Without bucketing by group (docs/SIMULATION.md): the same tables, but
     * one source group (new) or one address group (tried) can reach every
     * bucket. */
    uint32_t nb = cfg->addrman_new_buckets ? cfg->addrman_new_buckets : PQNET_ADDRMAN_NEW_BUCKETS;
    uint32_t tb =
        cfg->addrman_tried_buckets ? cfg->addrman_tried_buckets : PQNET_ADDRMAN_TRIED_BUCKETS;
    cfg->addrman_new_buckets_per_source_group = nb;
    cfg->addrman_tried_buckets_per_group = tb;
  }
  if (n->victim && !s->cfg.cm_tbe) cfg->addrman_no_test_before_evict = 1;
  if (n->victim && !s->cfg.cm_feelers) cfg->feeler_interval_ms = 0;
}

static void make_identity(sim *s, uint32_t i) {
  sim_node *n = &s->nodes[i];
  uint8_t seed[32];
  uint64_t x = s->cfg.seed;
  for (int k = 0; k < 8; k++) seed[k] = (uint8_t)(x >> (8 * k));
  for (int k = 0; k < 4; k++) seed[8 + k] = (uint8_t)(i >> (8 * k));
  memcpy(seed + 12, "pqnet-sim identity..", 20);
  pqnet_shake256(seed, 32, seed, 32);
  if (pqnet_identity_from_seed(seed, &n->id) != 0) abort();
  if (s->cfg.fast_crypto) sim_fast_identity(n->id);
}

/* Bring node i online (a new incarnation). with_saved: load its saved
 * address book and dial its anchors first. */
int sim_node_start(sim *s, uint32_t i, int with_saved) {
  sim_node *n = &s->nodes[i];
  if (n->node) return 0;
  if (!n->id) make_identity(s, i);
  n->incarnation++;
  uint64_t x = s->cfg.seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull) ^
               ((uint64_t)n->incarnation << 48) ^ 0x5157u;
  pqnet_rng_det_free(&n->rng);
  pqnet_rng_det_init_u64(&n->rng, splitmix64(&x));
  pqnet_node_config cfg;
  node_config(s, i, &cfg);
  pqnet_node_callbacks cb;
  memset(&cb, 0, sizeof cb);
  cb.ctx = &ctxs[i];
  cb.peer_connected = on_connected;
  cb.peer_disconnected = on_disconnected;
  cb.log = on_log;
  cb.gossip = on_gossip;
  if (pqnet_node_new(&cfg, n->id, &n->rng.rng, &cb, &n->node) != 0) abort();
  n->online = 1;
  n->wake_at = SIM_NEVER;
  n->out_open = n->in_open = n->out_attacker = 0;
  n->conns_alive = n->pending = 0;
  n->crashed = 0;
  uint64_t now = sim_now_ms(s);
  if (with_saved) {
    pqnet_addrman *am = pqnet_node_addrman(n->node);
    for (size_t k = 0; k < n->saved.n; k++) pqnet_addrman_load(am, &n->saved.book[k], now / 1000);
    if (n->kind != SIM_ATTACKER && (!n->victim || s->cfg.cm_anchors))
      for (size_t k = 0; k < n->saved.nanchors; k++)
        pqnet_node_dial(n->node, &n->saved.anchors[k], now);
  }
  if (n->kind != SIM_ATTACKER) metrics_on_join(s, i);
  pqnet_node_start(n->node, now);
  sim_drain(s, i);
  /* pqnet_node_start queues no WAKE when the book is not empty (only DIALs
   * or nothing): arm the first tick from the node's deadline, as the shell
   * re-arms from pqnet_node_next_deadline. */
  uint64_t next = pqnet_node_next_deadline(n->node);
  if (next != UINT64_MAX) schedule_wake(s, i, next);
  return 0;
}

static int save_entry(void *ctx, const pqnet_addr_info *info) {
  sim_saved *sv = ctx;
  if (sv->n == sv->cap) {
    size_t cap = sv->cap ? sv->cap * 2 : 256;
    pqnet_addr_info *b = realloc(sv->book, cap * sizeof *b);
    if (!b) return -1;
    sv->book = b;
    sv->cap = cap;
  }
  sv->book[sv->n++] = *info;
  return 0;
}

/* Take node i offline. graceful: Disconnects are sent first. save: keep
 * its address book and anchors for a return (the peer store's job). */
void sim_node_stop(sim *s, uint32_t i, int graceful, int save) {
  sim_node *n = &s->nodes[i];
  if (!n->node) return;
  uint64_t now = sim_now_ms(s);
  if (save) {
    n->saved.n = 0;
    /* Anchors: current outbound peers (the store records the most recent). */
    uint64_t ids[64];
    size_t np = pqnet_node_peers(n->node, ids, 64);
    n->saved.nanchors = 0;
    for (size_t k = 0; k < np && n->saved.nanchors < SIM_ANCHORS; k++) {
      pqnet_peer_info info;
      if (pqnet_node_peer_info(n->node, ids[k], &info) == 0 && info.direction == PQNET_OUTBOUND)
        n->saved.anchors[n->saved.nanchors++] = info.addr;
    }
    pqnet_addrman_foreach(pqnet_node_addrman(n->node), save_entry, &n->saved);
  }
  if (n->kind != SIM_ATTACKER) metrics_on_leave(s, i);
  if (graceful) {
    pqnet_node_shutdown(n->node, now);
    sim_drain(s, i);
  }
  pqnet_node_del(n->node);
  n->node = NULL;
  n->crashed = !graceful;
  n->online = n->kind == SIM_ATTACKER; /* attacker addresses keep answering */
  n->wake_at = SIM_NEVER;
  n->out_open = n->in_open = n->out_attacker = 0;
}

/* ---- event handlers ----------------------------------------------------------------------- */

static void ensure_node(sim *s, uint32_t t) {
  if (!s->nodes[t].node && s->nodes[t].kind == SIM_ATTACKER) sim_node_start(s, t, 0);
}

static void on_syn(sim *s, const sim_event *ev) {
  sim_link *l = &s->links[ev->a];
  if (!l->used || l->gen != ev->b) return;
  uint32_t slot = ev->a;
  sim_node *b = &s->nodes[l->ep[1]];
  if (!side_alive(s, l, 0)) { /* the dialer went away meanwhile */
    link_free(s, slot);
    return;
  }
  if (b->kind == SIM_ATTACKER && b->online) {
    ensure_node(s, l->ep[1]);
    l->inc[1] = b->incarnation;
  }
  if (!b->node || b->incarnation != l->inc[1] || across_cut(s, l->ep[0], l->ep[1])) {
    pqnet_addr *copy = malloc(sizeof *copy);
    if (!copy) abort();
    *copy = l->dialed;
    sim_push(s, l->dial_at + (uint64_t)s->cfg.connect_timeout_ms * 1000, EV_DIAL_FAIL, l->ep[0],
             l->inc[0], copy, 0);
    link_free(s, slot);
    return;
  }
  l->connected = 1;
  l->open[0] = 2; /* the dialer's SYN-ACK is on its way: a FIN must follow it */
  sim_push(s, s->now + l->delay_us, EV_SYNACK, slot, l->gen, NULL, 0);
  /* The listener sees the dialer's IP and an ephemeral port. */
  pqnet_addr src = s->nodes[l->ep[0]].addr;
  src.port = (uint16_t)(40000 + slot % 20000);
  side_opened(s, l, 1);
  int rc = pqnet_node_connected(b->node, conn_id(l, slot, 1), &src, PQNET_INBOUND, sim_now_ms(s));
  if (rc != 0 && rc != PQNET_ERR_TOO_LARGE) abort();
  sim_drain(s, l->ep[1]);
}

static void on_synack(sim *s, const sim_event *ev) {
  sim_link *l = &s->links[ev->a];
  if (!l->used || l->gen != ev->b) return;
  uint32_t slot = ev->a;
  sim_node *a = &s->nodes[l->ep[0]];
  if (!l->open[0]) return;    /* refused and already closed */
  if (!side_alive(s, l, 0)) { /* the dialer is gone: its OS answers with a reset */
    l->open[0] = 0;
    if (l->open[1])
      fin_to(s, slot, 1);
    else
      link_free(s, slot);
    return;
  }
  if (a->kind == SIM_ATTACKER && a->pending) a->pending--;
  side_opened(s, l, 0);
  if (pqnet_node_connected(a->node, conn_id(l, slot, 0), &l->dialed, PQNET_OUTBOUND,
                           sim_now_ms(s)) != 0)
    side_close(s, slot, 0, 0);
  sim_drain(s, l->ep[0]);
}

static void on_data(sim *s, sim_event *ev) {
  sim_link *l = &s->links[ev->a];
  uint32_t gen = ev->b >> 1;
  int from = (int)(ev->b & 1), to = 1 - from;
  if (!l->used || l->gen != gen) {
    free(ev->data);
    return;
  }
  if (across_cut(s, l->ep[0], l->ep[1])) {
    if (s->partition_until != SIM_NEVER) { /* retransmitted once the cut heals */
      uint64_t at = s->partition_until + l->delay_us;
      if (at < l->dir[from].last_arrival) at = l->dir[from].last_arrival;
      l->dir[from].last_arrival = at;
      sim_push(s, at, EV_DATA, ev->a, ev->b, ev->data, ev->len);
    } else {
      l->dir[from].inflight -= ev->len;
      free(ev->data);
    }
    return;
  }
  l->dir[from].inflight -= ev->len;
  uint32_t i = l->ep[to];
  if (l->open[to] && side_alive(s, l, to)) {
    pqnet_node_received(s->nodes[i].node, conn_id(l, ev->a, to), ev->data, ev->len, sim_now_ms(s));
    free(ev->data);
    sim_drain(s, i);
    return;
  }
  free(ev->data);
  /* Bytes for a node that is gone: a crashed machine stays silent (the
   * sender finds out from its ping timeout); a stopped one was closed. */
}

static void on_fin(sim *s, const sim_event *ev) {
  sim_link *l = &s->links[ev->a];
  uint32_t gen = ev->b >> 1;
  int to = (int)(ev->b & 1);
  if (!l->used || l->gen != gen) return;
  if (across_cut(s, l->ep[0], l->ep[1]) && s->partition_until != SIM_NEVER) {
    sim_push(s, s->partition_until + l->delay_us, EV_FIN, ev->a, ev->b, NULL, 0);
    return;
  }
  uint32_t i = l->ep[to];
  int alive = side_alive(s, l, to);
  if (l->open[to]) {
    side_close(s, ev->a, to, alive); /* frees the link: the other side is closed */
    if (alive) sim_drain(s, i);
  } else {
    link_free(s, ev->a);
  }
}

static void on_resolve(sim *s, sim_event *ev) {
  sim_node *n = &s->nodes[ev->a];
  char *host = ev->data;
  if (n->node && n->incarnation == ev->b) {
    pqnet_addr found[PQNET_MAX_SEEDS];
    size_t k = 0;
    if (strcmp(host, "seed.sim") == 0) {
      for (uint32_t j = 0; j < s->cfg.seeds && k < PQNET_MAX_SEEDS; j++) {
        found[k] = s->nodes[j].addr;
        found[k++].port = ev->len ? (uint16_t)ev->len : SIM_PORT;
      }
    } else if (pqnet_addr_parse(host, (uint16_t)ev->len, &found[0]) == 0) {
      k = 1;
    }
    pqnet_node_resolved(n->node, host, found, k, sim_now_ms(s));
    sim_drain(s, ev->a);
  }
  free(host);
}

/* ---- scenario events ------------------------------------------------------------------------ */

static void schedule_scenario(sim *s) {
  const sim_config *c = &s->cfg;
  for (uint32_t i = 0; i < c->nodes; i++) {
    uint64_t at = i < c->seeds ? 0 : us(sim_uniform(s) * c->join_window_s);
    sim_push(s, at, EV_JOIN, i, 0, NULL, 0);
  }
  for (uint32_t k = 0; k < c->late_joiners; k++) {
    uint64_t at = us(c->late_join_s + sim_uniform(s) * c->late_window_s);
    sim_push(s, at, EV_JOIN, c->nodes + k, 1, NULL, 0);
  }
  if (c->churn > 0) {
    for (uint32_t i = c->seeds; i < c->nodes; i++) {
      if (sim_uniform(s) >= c->churn) continue;
      double leave = c->churn_start_s + sim_uniform(s) * c->churn_window_s;
      double off = -c->churn_offline_s * log1p(-sim_uniform(s));
      if (off > c->churn_offline_max_s) off = c->churn_offline_max_s;
      int crash = sim_uniform(s) < c->churn_crash;
      sim_push(s, us(leave), EV_LEAVE, i, (uint32_t)crash, NULL, 0);
      sim_push(s, us(leave + off), EV_RETURN, i, 0, NULL, 0);
    }
  }
  if (c->seeds_leave_s >= 0) sim_push(s, us(c->seeds_leave_s), EV_SEEDS_LEAVE, 0, 0, NULL, 0);
  if (c->partition_s >= 0) sim_push(s, us(c->partition_s), EV_PARTITION, 0, 0, NULL, 0);
  if (c->partition_s >= 0 && c->heal_s >= 0) sim_push(s, us(c->heal_s), EV_HEAL, 0, 0, NULL, 0);
  if (c->sample_s > 0) sim_push(s, 0, EV_SAMPLE, 0, 0, NULL, 0);
  if (s->nattack || c->victims) attack_setup(s);
  if (c->gossip_rate > 0) {
    double start = c->gossip_start_s >= 0 ? c->gossip_start_s : c->join_window_s + 60;
    sim_push(s, us(start), EV_GOSSIP, 0, 0, NULL, 0);
  }
}

/* A late joiner knows a few stored peers: random online honest non-seeds. */
static void give_stored_peers(sim *s, uint32_t i) {
  sim_node *n = &s->nodes[i];
  n->saved.n = 0;
  n->saved.nanchors = 0;
  for (uint32_t tries = 0; n->saved.n < s->cfg.late_known && tries < 1000; tries++) {
    uint32_t j = s->cfg.seeds + sim_below(s, s->cfg.nodes - s->cfg.seeds);
    if (!s->nodes[j].node || j == i) continue;
    pqnet_addr_info info;
    memset(&info, 0, sizeof info);
    info.addr = s->nodes[j].addr;
    info.last_seen = sim_now_ms(s) / 1000 - 3600;
    info.first_seen = info.last_seen;
    info.source = info.addr;
    save_entry(&n->saved, &info);
  }
}

static void on_scenario(sim *s, sim_event *ev) {
  const sim_config *c = &s->cfg;
  switch (ev->type) {
  case EV_JOIN:
    if (ev->b) give_stored_peers(s, ev->a);
    sim_node_start(s, ev->a, ev->b);
    break;
  case EV_LEAVE: sim_node_stop(s, ev->a, !ev->b, 1); break;
  case EV_RETURN: sim_node_start(s, ev->a, 1); break;
  case EV_SEEDS_LEAVE:
    for (uint32_t i = 0; i < c->seeds; i++) sim_node_stop(s, i, 1, 0);
    break;
  case EV_PARTITION:
    s->partitioned = 1;
    s->partition_until = c->heal_s >= 0 ? us(c->heal_s) : SIM_NEVER;
    break;
  case EV_HEAL: s->partitioned = 0; break;
  case EV_GOSSIP: {
    double stop = c->gossip_stop_s >= 0 ? c->gossip_stop_s : c->duration_s - 60;
    if ((double)s->now / 1e6 > stop) break;
    publish(s);
    /* Poisson arrivals at gossip_rate per second. */
    double gap = -log1p(-sim_uniform(s)) / c->gossip_rate;
    sim_push(s, s->now + us(gap), EV_GOSSIP, 0, 0, NULL, 0);
    break;
  }
  case EV_SAMPLE:
    metrics_sample(s);
    sim_push(s, s->now + us(c->sample_s), EV_SAMPLE, 0, 0, NULL, 0);
    break;
  default: attack_event(s, ev); break;
  }
}

static void after(sim *s, uint32_t i) {
  if (i < s->nhonest + s->nattack && (s->nodes[i].kind == SIM_ATTACKER || s->nodes[i].victim))
    attack_after_event(s, i);
}

static void dispatch(sim *s, sim_event *ev) {
  uint32_t i;
  switch (ev->type) {
  case EV_WAKE: {
    sim_node *n = &s->nodes[ev->a];
    if (!n->node || n->incarnation != ev->b || n->wake_at != ev->at) return;
    n->wake_at = SIM_NEVER;
    pqnet_node_tick(n->node, sim_now_ms(s));
    sim_drain(s, ev->a);
    if (n->node) { /* re-arm from the source, like the shell's wake_cb */
      uint64_t next = pqnet_node_next_deadline(n->node), nowms = sim_now_ms(s);
      if (next != UINT64_MAX) schedule_wake(s, ev->a, next > nowms ? next : nowms + 1);
    }
    after(s, ev->a);
    return;
  }
  case EV_SYN:
    i = s->links[ev->a].ep[1];
    on_syn(s, ev);
    after(s, i);
    return;
  case EV_SYNACK:
    i = s->links[ev->a].ep[0];
    on_synack(s, ev);
    after(s, i);
    return;
  case EV_DATA:
    i = s->links[ev->a].ep[1 - (ev->b & 1)];
    on_data(s, ev);
    after(s, i);
    return;
  case EV_FIN:
    i = s->links[ev->a].ep[ev->b & 1];
    on_fin(s, ev);
    after(s, i);
    return;
  case EV_DIAL_FAIL: {
    sim_node *n = &s->nodes[ev->a];
    if (n->node && n->incarnation == ev->b) {
      s->dials_failed++;
      if (n->kind == SIM_ATTACKER && n->pending) n->pending--;
      pqnet_node_dial_failed(n->node, ev->data, sim_now_ms(s));
      sim_drain(s, ev->a);
      after(s, ev->a);
    }
    free(ev->data);
    return;
  }
  case EV_RESOLVE: on_resolve(s, ev); return;
  default: on_scenario(s, ev); return;
  }
}

/* ---- set-up and the loop -------------------------------------------------------------------- */

static pqnet_addr random_addr(sim *s, uint8_t first_lo, uint8_t first_hi) {
  pqnet_addr a;
  for (;;) {
    memset(&a, 0, sizeof a);
    a.family = 4;
    a.ip[0] = (uint8_t)(first_lo + sim_below(s, (uint32_t)(first_hi - first_lo + 1)));
    uint64_t r = sim_rand(s);
    a.ip[1] = (uint8_t)r;
    a.ip[2] = (uint8_t)(r >> 8);
    a.ip[3] = (uint8_t)(1 + (r >> 16) % 254);
    a.port = SIM_PORT;
    uint32_t v;
    if (!addrmap_get(&s->addrs, addr_key(&a), &v)) return a;
  }
}

int sim_init(sim *s, const sim_config *cfg) {
  memset(s, 0, sizeof *s);
  s->cfg = *cfg;
  uint64_t x = cfg->seed ^ 0x6e6574776f726b00ull; /* "network" */
  for (int k = 0; k < 4; k++) s->prng.s[k] = splitmix64(&x);
  sim_fast_crypto = cfg->fast_crypto;
  s->nhonest = cfg->nodes + cfg->late_joiners;
  s->nattack = cfg->attack_addrs;
  s->attack_base = s->nhonest;
  size_t total = (size_t)s->nhonest + s->nattack;
  s->nodes = calloc(total, sizeof *s->nodes);
  ctxs = calloc(total, sizeof *ctxs);
  if (!s->nodes || !ctxs) return PQNET_ERR_NOMEM;
  s->partition_until = SIM_NEVER;

  pqnet_node_config_default(&s->base);
  snprintf(s->base.chain_id, sizeof s->base.chain_id, "simnet");
  s->base.policy.allow_loopback = 0; /* a public network: routable only, group rule on */
  s->base.policy.allow_private = 0;
  s->base.listen_port = SIM_PORT;
  s->base.min_outbound = cfg->min_outbound;
  s->base.max_outbound = cfg->max_outbound;
  s->base.max_inbound = cfg->max_inbound;
  s->base.discovery_tick_ms = cfg->tick_ms;
  s->base.feeler_interval_ms = cfg->feeler_ms;
  s->base.dials_per_tick = cfg->dials_per_tick;
  s->base.connection_timeout_ms = 10000;
  s->base.send_queue_max = cfg->queue_limit;
  snprintf(s->base.seeds[0], sizeof s->base.seeds[0], "seed.sim");
  s->base.nseeds = 1;
  uint32_t nb = cfg->am_new_buckets, tb = cfg->am_tried_buckets, bs = cfg->am_bucket_size;
  if (!nb && !tb && !bs && cfg->nodes > 1000) nb = 256, tb = 64, bs = 32; /* see SIMULATION.md */
  s->base.addrman_new_buckets = nb;
  s->base.addrman_tried_buckets = tb;
  s->base.addrman_bucket_size = bs;
  s->cfg.am_new_buckets = nb ? nb : PQNET_ADDRMAN_NEW_BUCKETS;
  s->cfg.am_tried_buckets = tb ? tb : PQNET_ADDRMAN_TRIED_BUCKETS;
  s->cfg.am_bucket_size = bs ? bs : PQNET_ADDRMAN_BUCKET_SIZE;

  for (uint32_t i = 0; i < total; i++) {
    sim_node *n = &s->nodes[i];
    ctxs[i].s = s;
    ctxs[i].i = i;
    n->index = i;
    n->kind = i < cfg->seeds ? SIM_SEED : i < s->nhonest ? SIM_HONEST : SIM_ATTACKER;
    n->target_at = n->below_since = SIM_NEVER;
    n->wake_at = SIM_NEVER;
    pqnet_rng_det_init_u64(&n->rng, i);
    for (int k = 0; k < 4; k++) {
      uint64_t r = sim_rand(s);
      memcpy(n->secret + 8 * k, &r, 8);
    }
    if (n->kind != SIM_ATTACKER) {
      n->region = pick_region(s);
      n->side = n->region < (cfg->regions + 1) / 2 ? 0 : 1;
      n->addr = random_addr(s, 11, 99); /* honest space: 11.0.0.0 - 99.255.255.255 */
      addrmap_put(&s->addrs, addr_key(&n->addr), i);
    }
  }
  if (metrics_init(s) != 0) return PQNET_ERR_NOMEM;
  schedule_scenario(s);
  return 0;
}

void sim_run(sim *s) {
  uint64_t end = us(s->cfg.duration_s);
  while (s->heap.n && !s->stop) {
    if (s->heap.v[0].at > end) break;
    sim_event ev = heap_pop(&s->heap);
    s->now = ev.at;
    s->events++;
    s->by_type[ev.type & 31]++;
    dispatch(s, &ev);
    if (s->cfg.event_cap && s->events >= s->cfg.event_cap) {
      fprintf(stderr, "pqnet-sim: event cap %llu reached at t=%.3f s\n",
              (unsigned long long)s->cfg.event_cap, (double)s->now / 1e6);
      break;
    }
    if ((s->events & 0xffff) == 0) metrics_progress(s, 0);
  }
  if (s->now < end && !s->stop && !(s->cfg.event_cap && s->events >= s->cfg.event_cap))
    s->now = end;
  metrics_progress(s, 1);
}

void sim_free(sim *s) {
  size_t total = (size_t)s->nhonest + s->nattack;
  for (size_t i = 0; i < total; i++) {
    sim_node *n = &s->nodes[i];
    pqnet_node_del(n->node);
    pqnet_identity_del(n->id);
    pqnet_rng_det_free(&n->rng);
    free(n->saved.book);
  }
  while (s->heap.n) {
    sim_event ev = heap_pop(&s->heap);
    free(ev.data);
  }
  free(s->heap.v);
  free(s->links);
  free(s->addrs.keys);
  free(s->addrs.vals);
  free(s->nodes);
  free(s->attack_cursor);
  free(ctxs);
  ctxs = NULL;
  metrics_free(s);
  if (s->csv) fclose(s->csv);
}

void sim_register_addr(sim *s, const pqnet_addr *a, uint32_t i) {
  addrmap_put(&s->addrs, addr_key(a), i);
}

pqnet_addr sim_random_addr(sim *s, uint8_t first_lo, uint8_t first_hi) {
  return random_addr(s, first_lo, first_hi);
}

uint32_t sim_peer_of(sim *s, uint32_t i, uint64_t conn) {
  uint32_t slot;
  int side;
  sim_link *l = link_of(s, i, conn, &slot, &side);
  return l ? l->ep[1 - side] : UINT32_MAX;
}
