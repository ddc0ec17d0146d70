/*
 * The eclipse attacker of Heilman et al. (USENIX Security 2015), as far as
 * it applies to pqnet (docs/SIMULATION.md, measurement 4).
 *
 * The attacker holds K addresses in G /16 groups (first octet 101..126,
 * outside the honest space). Every address is a real pqnet_node, created
 * when it is first needed and freed when it has no connection left, so
 * memory follows the connections, not K. Configured to never dial on its
 * own, accept every connection, never relay addresses (relay_fanout 0), and
 * keep an address book of one slot that the simulator empties after every
 * event, so its core answers GetAddrs with nothing honest. On every session
 * it opens, with a victim or any honest node, the simulator sends Addrs
 * (through the core's internal node_send_msg: the public pqnet_node_send
 * refuses protocol 1, and an attacker need not use the public API)
 * floods of attacker addresses (plus `attack_trash` non-listening addresses
 * per group) with fresh timestamps, and repeats every 5 minutes.
 *
 * The attack: from attack_start_s, every attack_interval_s, the next
 * attacker address connects to each victim and holds the connection
 * attack_hold_s. At attack_start_s + attack_duration_s, a restart_stale
 * fraction of the other honest nodes goes offline for good (the paper found
 * 72-95 % of tried entries stale), and every victim restarts with its saved
 * address book, dialing its anchors first when cm_anchors is on. A victim
 * is eclipsed when, at its first moment at min_outbound after the restart
 * (or measure_s later), every outbound peer is an attacker address.
 *
 * Countermeasures off (victims only): cm_bucketing=0 keeps the tables but
 * lets one group reach every bucket (new_buckets_per_source_group =
 * new_buckets, tried_buckets_per_group = tried_buckets); cm_tbe=0 sets the
 * address manager's test-only no_test_before_evict (a newcomer to tried
 * evicts the incumbent at once); cm_feelers=0 sets feeler_interval_ms = 0;
 * cm_anchors=0 skips the anchor dials.
 */
#include <stdlib.h>
#include <string.h>

#include "node/node_impl.h"
#include "pqnet/error.h"
#include "sim.h"
#include "wire/addr_msg.h"

#define FLOOD_PERIOD_US (300ull * 1000000)
#define MEASURE_STEP_US (5ull * 1000000)

typedef struct attack_state {
  uint8_t (*groups)[2]; /* G distinct /16s */
  uint32_t *victims;
  uint8_t *measured;
  uint64_t measure_end;
} attack_state;

static attack_state A;

static uint64_t us(double seconds) {
  return seconds <= 0 ? 0 : (uint64_t)(seconds * 1e6 + 0.5);
}

static int in_attacker_space(const pqnet_addr *a) {
  return a->family == 4 && a->ip[0] >= 101 && a->ip[0] <= 126;
}

void attack_node_config(const sim *s, pqnet_node_config *cfg) {
  (void)s;
  cfg->min_outbound = 0;
  cfg->max_outbound = 0;
  cfg->max_inbound = 100000;
  cfg->max_connections = 100000;
  cfg->feeler_interval_ms = 0;
  cfg->nseeds = 0;
  cfg->relay_fanout = 0;
  cfg->addrman_new_buckets = 1;
  cfg->addrman_tried_buckets = 1;
  cfg->addrman_bucket_size = 1;
}

void attack_setup(sim *s) {
  const sim_config *c = &s->cfg;
  uint32_t g = c->attack_groups ? c->attack_groups : 1;
  if (g > 26 * 256) g = 26 * 256;
  memset(&A, 0, sizeof A);
  A.groups = calloc(g, sizeof *A.groups);
  A.victims = calloc(c->victims ? c->victims : 1, sizeof *A.victims);
  A.measured = calloc(c->victims ? c->victims : 1, 1);
  s->attack_cursor = calloc(c->victims ? c->victims : 1, sizeof *s->attack_cursor);
  if (!A.groups || !A.victims || !A.measured || !s->attack_cursor) abort();
  /* G distinct /16 groups in 101.0/16 .. 126.255/16. */
  for (uint32_t k = 0; k < g; k++) {
    for (;;) {
      uint8_t a = (uint8_t)(101 + sim_rand(s) % 26), b = (uint8_t)sim_rand(s);
      int dup = 0;
      for (uint32_t j = 0; j < k && !dup; j++) dup = A.groups[j][0] == a && A.groups[j][1] == b;
      if (dup) continue;
      A.groups[k][0] = a;
      A.groups[k][1] = b;
      break;
    }
  }
  /* K addresses, round robin over the groups. */
  for (uint32_t k = 0; k < s->nattack; k++) {
    uint32_t i = s->attack_base + k;
    sim_node *n = &s->nodes[i];
    for (;;) {
      pqnet_addr a;
      memset(&a, 0, sizeof a);
      a.family = 4;
      a.ip[0] = A.groups[k % g][0];
      a.ip[1] = A.groups[k % g][1];
      uint64_t r = sim_rand(s);
      a.ip[2] = (uint8_t)r;
      a.ip[3] = (uint8_t)(1 + (r >> 8) % 254);
      a.port = SIM_PORT;
      if (sim_find_addr(s, &a)) continue;
      n->addr = a;
      break;
    }
    sim_register_addr(s, &n->addr, i);
    n->region = (uint8_t)(sim_rand(s) % (c->regions ? c->regions : 1));
    n->online = 1;
  }
  /* Victims: distinct random non-seed initial nodes. */
  for (uint32_t v = 0; v < c->victims; v++) {
    for (;;) {
      uint32_t i = c->seeds + (uint32_t)(sim_rand(s) % (c->nodes - c->seeds));
      if (s->nodes[i].victim) continue;
      s->nodes[i].victim = 1;
      A.victims[v] = i;
      break;
    }
    if (s->nattack) sim_push(s, us(c->attack_start_s) + v * 1000, EV_ATTACK_DIAL, v, 0, NULL, 0);
  }
  s->restart_at = us(c->attack_start_s + c->attack_duration_s);
  A.measure_end = s->restart_at + us(c->measure_s);
  if (c->victims) {
    sim_push(s, s->restart_at, EV_RESTART, 0, 0, NULL, 0);
    sim_push(s, s->restart_at + MEASURE_STEP_US, EV_MEASURE, 0, 0, NULL, 0);
    double end = (double)(A.measure_end + MEASURE_STEP_US) / 1e6;
    if (s->cfg.duration_s < end) s->cfg.duration_s = end;
  }
}

/* A flood of up to 1000 fresh addresses: attacker addresses and trash. */
static void flood(sim *s, uint32_t i, uint64_t cid) {
  const sim_config *c = &s->cfg;
  static pqnet_compact_addr v[PQNET_ADDRS_MAX];
  static uint8_t body[PQNET_ADDRS_MAX_LEN];
  uint32_t g = c->attack_groups ? c->attack_groups : 1;
  uint64_t now_s = sim_now_ms(s) / 1000;
  size_t total = s->nattack + (size_t)c->attack_trash * g, n = 0;
  for (; n < PQNET_ADDRS_MAX && n < total; n++) {
    uint64_t r = sim_rand(s) % total;
    memset(&v[n], 0, sizeof v[n]);
    if (r < s->nattack) {
      v[n].addr = s->nodes[s->attack_base + r].addr;
    } else {
      uint32_t k = (uint32_t)(r - s->nattack);
      v[n].addr.family = 4;
      v[n].addr.ip[0] = A.groups[k % g][0];
      v[n].addr.ip[1] = A.groups[k % g][1];
      v[n].addr.ip[2] = (uint8_t)(k / g);
      v[n].addr.ip[3] = 255; /* .255: never an attacker node (those use .1-.254) */
      v[n].addr.port = SIM_PORT;
    }
    v[n].last_seen = now_s;
  }
  if (n <= 10) return; /* an Addrs this small would be relayed: the attacker wants it kept */
  long len = pqnet_addrs_encode(body, sizeof body, v, n);
  /* pqnet_node_send takes application protocols only: the attacker, which
   * need not follow the rules, writes protocol 1 through the core's own
   * internal send, as tests/unit/test_discovery.c does. */
  pqnet_node *node = s->nodes[i].node;
  for (size_t k = 0; len > 0 && k < node->nconns; k++)
    if (node->conns[k]->id == cid && node->conns[k]->open && !node->conns[k]->closing)
      node_send_msg(node, node->conns[k], PQNET_PROTO_DISCOVERY, PQNET_DISC_ADDRS, body,
                    (size_t)len);
}

void attack_on_open(sim *s, uint32_t i, uint64_t cid) {
  if (s->now >= s->restart_at && s->cfg.victims) return; /* the attack is over */
  flood(s, i, cid);
  flood(s, i, cid);
  uint64_t *c = malloc(sizeof *c);
  if (!c) abort();
  *c = cid;
  sim_push(s, s->now + FLOOD_PERIOD_US, EV_ATTACK_FLOOD, i, s->nodes[i].incarnation, c, 0);
}

static int collect(void *ctx, const pqnet_addr_info *info) {
  pqnet_addr *out = ctx;
  if (!out[0].family)
    out[0] = info->addr;
  else if (!out[1].family)
    out[1] = info->addr;
  return 0;
}

void attack_after_event(sim *s, uint32_t i) {
  sim_node *n = &s->nodes[i];
  if (!n->node) return;
  if (n->kind != SIM_ATTACKER) return;
  /* Keep the attacker's own book empty: its GetAddrs answers carry nothing honest. */
  pqnet_addrman *am = pqnet_node_addrman(n->node);
  size_t nn = 0, nt = 0;
  pqnet_addrman_size(am, &nn, &nt);
  if (nn + nt) {
    pqnet_addr found[2];
    memset(found, 0, sizeof found);
    pqnet_addrman_foreach(am, collect, found);
    for (int k = 0; k < 2; k++)
      if (found[k].family) pqnet_addrman_remove(am, &found[k]);
  }
  if (n->conns_alive == 0 && n->pending == 0) sim_node_stop(s, i, 0, 0);
}

typedef struct book_count {
  size_t n_new, n_tried, att_new, att_tried;
} book_count;

static int count_entry(void *ctx, const pqnet_addr_info *info) {
  book_count *b = ctx;
  int att = in_attacker_space(&info->addr);
  if (info->in_tried) {
    b->n_tried++;
    b->att_tried += att;
  } else {
    b->n_new++;
    b->att_new += att;
  }
  return 0;
}

static book_count before_restart[4096];

static void restart(sim *s) {
  const sim_config *c = &s->cfg;
  for (uint32_t v = 0; v < c->victims && v < 4096; v++) {
    sim_node *n = &s->nodes[A.victims[v]];
    memset(&before_restart[v], 0, sizeof before_restart[v]);
    if (n->node)
      pqnet_addrman_foreach(pqnet_node_addrman(n->node), count_entry, &before_restart[v]);
  }
  /* Honest nodes that went away meanwhile (stale entries in the victims' books). */
  for (uint32_t i = c->seeds; i < s->nhonest; i++)
    if (!s->nodes[i].victim && s->nodes[i].node && sim_uniform(s) < c->restart_stale)
      sim_node_stop(s, i, 0, 0);
  for (uint32_t v = 0; v < c->victims; v++) {
    uint32_t i = A.victims[v];
    sim_node_stop(s, i, 1, 1);
    sim_node_start(s, i, 1);
  }
}

static void measure(sim *s) {
  const sim_config *c = &s->cfg;
  int left = 0;
  for (uint32_t v = 0; v < c->victims; v++) {
    if (A.measured[v]) continue;
    sim_node *n = &s->nodes[A.victims[v]];
    if (n->out_open < c->min_outbound && s->now < A.measure_end) {
      left = 1;
      continue;
    }
    A.measured[v] = 1;
    book_count *b = v < 4096 ? &before_restart[v] : &before_restart[0];
    int eclipsed = n->out_open > 0 && n->out_attacker == n->out_open;
    metrics_victim_result(s, A.victims[v], eclipsed, n->out_open, n->out_attacker, b->n_new,
                          b->n_tried, b->att_new, b->att_tried);
  }
  if (left) sim_push(s, s->now + MEASURE_STEP_US, EV_MEASURE, 0, 0, NULL, 0);
}

void attack_event(sim *s, const sim_event *ev) {
  const sim_config *c = &s->cfg;
  switch (ev->type) {
  case EV_ATTACK_DIAL: {
    if (s->now >= s->restart_at) return;
    uint32_t v = ev->a;
    sim_node *victim = &s->nodes[A.victims[v]];
    uint32_t k = s->attack_cursor[v]++ % s->nattack;
    uint32_t i = s->attack_base + k;
    if (victim->node) {
      if (!s->nodes[i].node) sim_node_start(s, i, 0);
      pqnet_node_dial(s->nodes[i].node, &victim->addr, sim_now_ms(s));
      sim_drain(s, i);
      sim_push(s, s->now + us(c->attack_hold_s), EV_ATTACK_DROP, i, A.victims[v], NULL, 0);
      attack_after_event(s, i);
    }
    sim_push(s, s->now + us(c->attack_interval_s), EV_ATTACK_DIAL, v, 0, NULL, 0);
    return;
  }
  case EV_ATTACK_DROP: {
    sim_node *n = &s->nodes[ev->a];
    const sim_node *victim = &s->nodes[ev->b];
    if (!n->node) return;
    uint64_t ids[256];
    size_t np = pqnet_node_peers(n->node, ids, 256);
    for (size_t k = 0; k < np; k++) {
      pqnet_peer_info info;
      if (pqnet_node_peer_info(n->node, ids[k], &info) == 0 && info.direction == PQNET_OUTBOUND &&
          pqnet_addr_equal(&info.addr, &victim->addr))
        pqnet_node_disconnect(n->node, ids[k], PQNET_REASON_APP, "attacker rotates", sim_now_ms(s));
    }
    sim_drain(s, ev->a);
    attack_after_event(s, ev->a);
    return;
  }
  case EV_ATTACK_FLOOD: {
    sim_node *n = &s->nodes[ev->a];
    uint64_t cid = *(uint64_t *)ev->data;
    free(ev->data);
    if (!n->node || n->incarnation != ev->b || (c->victims && s->now >= s->restart_at)) return;
    pqnet_peer_info info;
    if (pqnet_node_peer_info(n->node, cid, &info) != 0) return;
    flood(s, ev->a, cid);
    sim_drain(s, ev->a);
    uint64_t *copy = malloc(sizeof *copy);
    if (!copy) abort();
    *copy = cid;
    sim_push(s, s->now + FLOOD_PERIOD_US, EV_ATTACK_FLOOD, ev->a, ev->b, copy, 0);
    return;
  }
  case EV_RESTART: restart(s); return;
  case EV_MEASURE: measure(s); return;
  default: return;
  }
}
