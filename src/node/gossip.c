/*
 * Gossip relay (PROTOCOL.md §11). Every message has an id, SHA3-256(topic ||
 * payload). A bounded seen-cache (entries and age) remembers ids so each
 * message is handed to the application once and relayed once; repeats are
 * counted as duplicates. Small payloads are pushed whole; payloads of at
 * least gossip_announce_min bytes are announced (id and size) and fetched by
 * peers that lack them from the first announcer (the next one after a
 * timeout), so each body crosses each link at most once. The application
 * judges every new message before it is relayed; an invalid one is dropped
 * and its sender banned.
 */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "node/node_impl.h"
#include "pqnet/error.h"
#include "wire/gossip_msg.h"

enum { GE_EMPTY = 0, GE_HAVE = 1, GE_WANT = 2, GE_REJECTED = 3 };

/* ---- the seen-cache ---------------------------------------------------------------- */

static size_t slot_of(const gossip_state *g, const uint8_t id[32]) {
  uint64_t h;
  memcpy(&h, id, sizeof h); /* ids are hash outputs: any 8 bytes are uniform */
  return (size_t)(h & (g->index_cap - 1));
}

static gossip_entry *lookup(gossip_state *g, const uint8_t id[32]) {
  for (size_t i = slot_of(g, id), k = 0; k < g->index_cap; k++, i = (i + 1) & (g->index_cap - 1)) {
    int32_t pos = g->index[i];
    if (pos == -1) return NULL;
    if (pos >= 0 && memcmp(g->ring[pos].id, id, 32) == 0) return &g->ring[pos];
  }
  return NULL;
}

static void index_put(gossip_state *g, int32_t pos) {
  for (size_t i = slot_of(g, g->ring[pos].id);; i = (i + 1) & (g->index_cap - 1)) {
    if (g->index[i] < 0) {
      if (g->index[i] == -2) g->deleted--;
      g->index[i] = pos;
      return;
    }
  }
}

static void index_del(gossip_state *g, int32_t pos) {
  for (size_t i = slot_of(g, g->ring[pos].id);; i = (i + 1) & (g->index_cap - 1)) {
    if (g->index[i] == -1) return;
    if (g->index[i] == pos) {
      g->index[i] = -2;
      g->deleted++;
      return;
    }
  }
}

static void rebuild_index(gossip_state *g) {
  for (size_t i = 0; i < g->index_cap; i++) g->index[i] = -1;
  g->deleted = 0;
  for (size_t k = 0; k < g->count; k++) index_put(g, (int32_t)((g->head + k) % g->cap));
}

static void drop_payload(gossip_state *g, gossip_entry *e) {
  if (!e->payload) return;
  g->kept_bytes -= e->size;
  free(e->payload);
  e->payload = NULL;
}

static void evict_oldest(gossip_state *g) {
  gossip_entry *e = &g->ring[g->head];
  index_del(g, (int32_t)g->head);
  drop_payload(g, e);
  memset(e, 0, sizeof *e);
  g->head = (g->head + 1) % g->cap;
  g->count--;
  if (g->deleted > g->index_cap / 4) rebuild_index(g);
}

static gossip_entry *insert(gossip_state *g, const uint8_t id[32], uint16_t topic, uint32_t size,
                            uint64_t now) {
  if (g->count == g->cap) evict_oldest(g);
  size_t pos = (g->head + g->count) % g->cap;
  gossip_entry *e = &g->ring[pos];
  memset(e, 0, sizeof *e);
  memcpy(e->id, id, 32);
  e->topic = topic;
  e->size = size;
  e->first_seen = now;
  g->count++;
  index_put(g, (int32_t)pos);
  return e;
}

/* Keep the body for answering fetches, within the byte budget (oldest
 * bodies go first; their ids stay in the cache). */
static void keep_payload(pqnet_node *n, gossip_entry *e, const uint8_t *payload, size_t len) {
  gossip_state *g = &n->gossip;
  e->payload = malloc(len ? len : 1);
  if (!e->payload) return;
  if (len) memcpy(e->payload, payload, len);
  g->kept_bytes += len;
  for (size_t k = 0; k < g->count && g->kept_bytes > n->cfg.gossip_keep_bytes; k++) {
    gossip_entry *old = &g->ring[(g->head + k) % g->cap];
    if (old != e) drop_payload(g, old);
  }
}

static void add_announcer(gossip_entry *e, uint64_t cid) {
  for (uint8_t i = 0; i < e->nann; i++)
    if (e->announcers[i] == cid) return;
  if (e->nann < GOSSIP_ANNOUNCERS) e->announcers[e->nann++] = cid;
}

static int knows(const gossip_entry *e, uint64_t cid) {
  for (uint8_t i = 0; i < e->nann; i++)
    if (e->announcers[i] == cid) return 1;
  return 0;
}

int gossip_init(pqnet_node *n) {
  gossip_state *g = &n->gossip;
  pqnet_node_config *cfg = &n->cfg;
  if (!cfg->gossip_seen_max) cfg->gossip_seen_max = 16384;
  if (!cfg->gossip_seen_ttl_ms) cfg->gossip_seen_ttl_ms = 600000;
  if (!cfg->gossip_max_payload) cfg->gossip_max_payload = 1u << 20;
  if (!cfg->gossip_announce_min) cfg->gossip_announce_min = 1024;
  if (!cfg->gossip_keep_bytes) cfg->gossip_keep_bytes = 32u << 20;
  if (!cfg->gossip_fetch_timeout_ms) cfg->gossip_fetch_timeout_ms = 5000;
  if (!cfg->gossip_backlog_max) cfg->gossip_backlog_max = 1u << 20;
  if (cfg->gossip_seen_max > (1u << 24)) cfg->gossip_seen_max = 1u << 24;
  g->cap = cfg->gossip_seen_max;
  g->index_cap = 1;
  while (g->index_cap < 2 * g->cap) g->index_cap <<= 1;
  g->ring = calloc(g->cap, sizeof *g->ring);
  g->index = malloc(g->index_cap * sizeof *g->index);
  if (!g->ring || !g->index) {
    gossip_free(n);
    return PQNET_ERR_NOMEM;
  }
  rebuild_index(g);
  return 0;
}

void gossip_free(pqnet_node *n) {
  gossip_state *g = &n->gossip;
  if (g->ring)
    for (size_t k = 0; k < g->count; k++) free(g->ring[(g->head + k) % g->cap].payload);
  free(g->ring);
  free(g->index);
  memset(g, 0, sizeof *g);
}

static uint32_t topic_cap(const pqnet_node *n, uint16_t topic) {
  for (size_t i = 0; i < n->gossip.ncaps; i++)
    if (n->gossip.caps[i].topic == topic) return n->gossip.caps[i].cap;
  return n->cfg.gossip_max_payload;
}

int pqnet_node_gossip_set_cap(pqnet_node *n, uint16_t topic, uint32_t max_payload) {
  gossip_state *g = &n->gossip;
  if (max_payload + 64u > n->cfg.max_frame) return PQNET_ERR_TOO_LARGE;
  for (size_t i = 0; i < g->ncaps; i++) {
    if (g->caps[i].topic == topic) {
      g->caps[i].cap = max_payload;
      return 0;
    }
  }
  if (g->ncaps == sizeof g->caps / sizeof g->caps[0]) return PQNET_ERR_TOO_LARGE;
  g->caps[g->ncaps].topic = topic;
  g->caps[g->ncaps++].cap = max_payload;
  return 0;
}

void pqnet_node_set_backlog(pqnet_node *n, uint64_t id, size_t bytes) {
  for (size_t i = 0; n && i < n->nconns; i++)
    if (n->conns[i]->id == id) n->conns[i]->backlog = bytes;
}

/* ---- sending ------------------------------------------------------------------------ */

static void send_full(pqnet_node *n, conn *c, const gossip_entry *e, const uint8_t *payload) {
  uint8_t *body = malloc(2 + (size_t)e->size);
  if (!body) return;
  body[0] = (uint8_t)(e->topic >> 8);
  body[1] = (uint8_t)e->topic;
  if (e->size) memcpy(body + 2, payload, e->size);
  if (node_send_msg(n, c, PQNET_PROTO_GOSSIP, PQNET_GOSSIP_MSG, body, 2 + (size_t)e->size) == 0)
    n->stats.gossip_sent++;
  free(body);
}

static void send_announce(pqnet_node *n, conn *c, const gossip_entry *e) {
  uint8_t body[PQNET_GOSSIP_ANNOUNCE_LEN];
  body[0] = (uint8_t)(e->topic >> 8);
  body[1] = (uint8_t)e->topic;
  memcpy(body + 2, e->id, 32);
  pqnet_store32_be(body + 34, e->size);
  if (node_send_msg(n, c, PQNET_PROTO_GOSSIP, PQNET_GOSSIP_ANNOUNCE, body, sizeof body) == 0)
    n->stats.gossip_announced++;
}

static void send_fetch(pqnet_node *n, conn *c, gossip_entry *e, uint64_t now) {
  if (node_send_msg(n, c, PQNET_PROTO_GOSSIP, PQNET_GOSSIP_FETCH, e->id, 32) == 0)
    n->stats.gossip_fetches++;
  e->fetch_deadline = now + n->cfg.gossip_fetch_timeout_ms;
}

/* Push or announce e to every open peer that is not known to have it. */
static void relay(pqnet_node *n, gossip_entry *e, const uint8_t *payload) {
  int announce = e->size >= n->cfg.gossip_announce_min;
  for (size_t i = 0; i < n->nconns; i++) {
    conn *c = n->conns[i];
    if (!c->open || c->closing || c->feeler || knows(e, c->id)) continue;
    if (c->backlog > n->cfg.gossip_backlog_max) {
      n->stats.gossip_backlog_dropped++;
      continue;
    }
    if (announce)
      send_announce(n, c, e);
    else
      send_full(n, c, e, payload);
  }
}

int pqnet_node_broadcast(pqnet_node *n, uint16_t topic, const uint8_t *payload, size_t len,
                         uint8_t id_out[32], uint64_t now) {
  uint8_t id[32];
  if (!n || (!payload && len)) return PQNET_ERR_INVALID_ARG;
  if (now > n->now) n->now = now;
  if (len > topic_cap(n, topic)) return PQNET_ERR_TOO_LARGE;
  pqnet_gossip_id(id, topic, payload, len);
  if (id_out) memcpy(id_out, id, 32);
  gossip_entry *e = lookup(&n->gossip, id);
  if (e && e->state == GE_HAVE) return PQNET_ERR_STATE;
  if (!e) e = insert(&n->gossip, id, topic, (uint32_t)len, now);
  e->state = GE_HAVE;
  keep_payload(n, e, payload, len);
  n->stats.gossip_published++;
  relay(n, e, payload);
  return 0;
}

/* ---- receiving ------------------------------------------------------------------------ */

static void misbehaved(pqnet_node *n, conn *c, const char *why) {
  node_ban_peer(n, c, why);
  if (!c->closing) close_conn(n, c, PQNET_REASON_PROTOCOL, why);
}

static void on_full(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  pqnet_gossip_msg g;
  uint8_t id[32];
  if (pqnet_gossip_msg_decode(m->body, m->len, &g) != 0) {
    misbehaved(n, c, "malformed gossip");
    return;
  }
  if (g.len > topic_cap(n, g.topic)) {
    misbehaved(n, c, "gossip payload over the topic's cap");
    return;
  }
  pqnet_gossip_id(id, g.topic, g.payload, g.len);
  gossip_entry *e = lookup(&n->gossip, id);
  if (e && e->state != GE_WANT) {
    n->stats.dupes_dropped++;
    add_announcer(e, c->id);
    return;
  }
  if (e && e->size != g.len) {
    misbehaved(n, c, "gossip body does not match its announced size");
    return;
  }
  if (!e) e = insert(&n->gossip, id, g.topic, (uint32_t)g.len, now);
  add_announcer(e, c->id);
  int verdict =
      n->cb.gossip ? n->cb.gossip(n->cb.ctx, c->id, g.topic, g.payload, g.len) : PQNET_GOSSIP_VALID;
  /* The callback may have disconnected c or changed the cache: find e again. */
  e = lookup(&n->gossip, id);
  if (!e) return;
  if (verdict == PQNET_GOSSIP_INVALID) {
    e->state = GE_REJECTED;
    n->stats.gossip_invalid++;
    if (!c->closing) misbehaved(n, c, "invalid gossip");
    return;
  }
  if (verdict != PQNET_GOSSIP_VALID) {
    e->state = GE_REJECTED; /* ignored: not relayed, not asked for again */
    return;
  }
  e->state = GE_HAVE;
  n->stats.gossip_received++;
  keep_payload(n, e, g.payload, g.len);
  relay(n, e, g.payload);
}

static void on_announce(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  pqnet_gossip_announce a;
  if (pqnet_gossip_announce_decode(m->body, m->len, &a) != 0) {
    misbehaved(n, c, "malformed gossip announce");
    return;
  }
  n->stats.announces_received++;
  if (a.size > topic_cap(n, a.topic)) {
    misbehaved(n, c, "announced gossip over the topic's cap");
    return;
  }
  gossip_entry *e = lookup(&n->gossip, a.id);
  if (e) {
    if (e->state != GE_WANT) n->stats.dupes_dropped++;
    add_announcer(e, c->id);
    return;
  }
  e = insert(&n->gossip, a.id, a.topic, a.size, now);
  e->state = GE_WANT;
  add_announcer(e, c->id);
  e->tried = 1;
  send_fetch(n, c, e, now);
}

static void on_fetch(pqnet_node *n, conn *c, const pqnet_msg *m) {
  const uint8_t *id;
  if (pqnet_gossip_fetch_decode(m->body, m->len, &id) != 0) {
    misbehaved(n, c, "malformed gossip fetch");
    return;
  }
  gossip_entry *e = lookup(&n->gossip, id);
  if (!e || e->state != GE_HAVE || !e->payload) return; /* gone: the peer asks another */
  add_announcer(e, c->id);
  send_full(n, c, e, e->payload);
}

void gossip_on_message(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  switch (m->type) {
  case PQNET_GOSSIP_MSG: on_full(n, c, m, now); return;
  case PQNET_GOSSIP_ANNOUNCE: on_announce(n, c, m, now); return;
  case PQNET_GOSSIP_FETCH: on_fetch(n, c, m); return;
  default: n->unknown_control++; return; /* unknown types are ignored (§6) */
  }
}

void gossip_on_closed(pqnet_node *n, conn *c) {
  (void)n;
  (void)c; /* announcer lists hold conn ids, which are never reused while open */
}

static conn *find_open(pqnet_node *n, uint64_t id) {
  for (size_t i = 0; i < n->nconns; i++)
    if (n->conns[i]->id == id && n->conns[i]->open && !n->conns[i]->closing) return n->conns[i];
  return NULL;
}

void gossip_tick(pqnet_node *n, uint64_t now) {
  gossip_state *g = &n->gossip;
  while (g->count && g->ring[g->head].first_seen + n->cfg.gossip_seen_ttl_ms <= now)
    evict_oldest(g);
  for (size_t k = 0; k < g->count; k++) {
    gossip_entry *e = &g->ring[(g->head + k) % g->cap];
    if (e->state != GE_WANT || now < e->fetch_deadline) continue;
    /* The announcer did not deliver: ask the next one, or give up. */
    conn *c = NULL;
    while (e->tried < e->nann && !(c = find_open(n, e->announcers[e->tried]))) e->tried++;
    if (c) {
      e->tried++;
      send_fetch(n, c, e, now);
    } else {
      e->state = GE_REJECTED;
      e->fetch_deadline = 0;
    }
  }
}

uint64_t gossip_next_deadline(const pqnet_node *n) {
  const gossip_state *g = &n->gossip;
  uint64_t t = NO_DEADLINE;
  if (g->count) t = g->ring[g->head].first_seen + n->cfg.gossip_seen_ttl_ms;
  for (size_t k = 0; k < g->count; k++) {
    const gossip_entry *e = &g->ring[(g->head + k) % g->cap];
    if (e->state == GE_WANT && e->fetch_deadline < t) t = e->fetch_deadline;
  }
  return t;
}
