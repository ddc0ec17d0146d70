/*
 * Discovery and connection policy (PROTOCOL.md §10, DESIGN.md §4): address
 * exchange (Hello-derived addresses, GetAddrs/Addrs with a per-peer token
 * bucket and a cached answer), relay of fresh addresses, the discovery tick
 * that keeps outbound connections between min_outbound and max_outbound,
 * feelers, test-before-evict, inbound eviction, and when to query seeds.
 *
 * Like the rest of the core it does no I/O: dialing and name resolution are
 * DIAL and RESOLVE actions. The address manager (src/addrman) keeps time in
 * Unix seconds; the node's clock is milliseconds, hence secs().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_impl.h"
#include "pqnet/error.h"
#include "wire/addr_msg.h"

#define DISC_GETADDRS        1
#define DISC_ADDRS           2
#define RELAY_MAX            10                    /* an Addrs this small is relayed (§10.4) */
#define RELAY_PERIOD_MS      (24ull * 3600 * 1000) /* relay one address once per day */
#define RELAY_FRESH_S        600                   /* only addresses seen in the last 10 minutes */
#define RELAY_MEMORY_S       120  /* a relayed address is remembered at least this long */
#define RELAY_GRID_MS        1000 /* relay batches go out on whole seconds */
#define RELAY_QUEUE_MAX      100  /* addresses in one relay batch per peer */
#define UNSOLICITED_SAMPLE   9    /* known addresses sent unsolicited on open (+ our own) */
#define GETADDRS_PCT         23   /* share of the table one answer may reveal */
#define ADDR_SPAM_LIMIT      10   /* x addr_burst dropped entries from one peer: ban */
#define EVICT_PROTECT_GROUPS 4
#define EVICT_PROTECT_RTT    8

static uint64_t secs(uint64_t ms) {
  return ms / 1000;
}

/* ---- set-up ---------------------------------------------------------------- */

int disc_init(pqnet_node *n) {
  pqnet_addrman_config acfg;
  uint8_t secret[32];
  memset(&acfg, 0, sizeof acfg);
  acfg.policy = n->cfg.policy;
  acfg.new_buckets = n->cfg.addrman_new_buckets;
  acfg.tried_buckets = n->cfg.addrman_tried_buckets;
  acfg.bucket_size = n->cfg.addrman_bucket_size;
  acfg.new_buckets_per_source_group = n->cfg.addrman_new_buckets_per_source_group;
  acfg.tried_buckets_per_group = n->cfg.addrman_tried_buckets_per_group;
  acfg.no_test_before_evict = n->cfg.addrman_no_test_before_evict;
  if (n->cfg.have_addrman_secret) {
    memcpy(secret, n->cfg.addrman_secret, 32);
  } else {
    int rc = pqnet_rng_fill(n->rng, secret, sizeof secret);
    if (rc) return rc;
  }
  int rc = pqnet_addrman_new(&acfg, secret, n->rng, &n->am);
  memset(secret, 0, sizeof secret);
  n->next_discovery = n->next_feeler = n->seed_deadline = NO_DEADLINE;
  return rc;
}

void disc_free(pqnet_node *n) {
  pqnet_addrman_del(n->am);
  n->am = NULL;
  for (int i = 0; i < 2; i++) free(n->cache[i].entries);
}

struct pqnet_addrman *pqnet_node_addrman(pqnet_node *n) {
  return n ? n->am : NULL;
}

/* ---- who is connected ---------------------------------------------------------- */

static int is_self(const pqnet_node *n, const pqnet_addr *a) {
  if (n->cfg.advertise.family && pqnet_addr_equal(a, &n->cfg.advertise)) return 1;
  for (size_t i = 0; i < n->nself; i++)
    if (pqnet_addr_equal(a, &n->self_addrs[i])) return 1;
  return 0;
}

static pending_dial *find_pending(pqnet_node *n, const pqnet_addr *a) {
  for (size_t i = 0; i < n->npending; i++)
    if (pqnet_addr_equal(&n->pending[i].addr, a)) return &n->pending[i];
  return NULL;
}

static void drop_pending(pqnet_node *n, pending_dial *p) {
  *p = n->pending[--n->npending];
}

/* A live connection to a (as dialed, or as the peer's announced listener). */
static int connected_to(const pqnet_node *n, const pqnet_addr *a) {
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->closing) continue;
    if ((c->dir == PQNET_OUTBOUND && pqnet_addr_equal(&c->addr, a)) ||
        (c->dialable.family && pqnet_addr_equal(&c->dialable, a)))
      return 1;
  }
  return 0;
}

static size_t outbound_count(const pqnet_node *n) {
  size_t k = 0;
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->dir == PQNET_OUTBOUND && !c->feeler && !c->closing) k++;
  }
  for (size_t i = 0; i < n->npending; i++) k += !n->pending[i].feeler;
  return k;
}

static size_t open_outbound(const pqnet_node *n) {
  size_t k = 0;
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->dir == PQNET_OUTBOUND && c->open && !c->feeler && !c->closing) k++;
  }
  return k;
}

/* At most one outbound per network group (DESIGN.md §4) for routable
 * addresses and devnet's loopback /16 groups; a private network's nodes
 * often share one /16, so private addresses are exempt. */
static int group_rule_applies(const pqnet_addr *a) {
  pqnet_addr_class k = pqnet_addr_classify(a);
  return k == PQNET_ADDR_ROUTABLE || k == PQNET_ADDR_LOOPBACK;
}

/* Network group of an open connection, computed once (eviction compares
 * every pair of inbound peers). */
static const uint8_t *conn_group(const pqnet_node *n, conn *c, size_t *len) {
  if (c->group_len == 0 && pqnet_addr_group(&c->addr, &n->cfg.policy, c->group, &c->group_len) != 0)
    c->group_len = 0;
  *len = c->group_len;
  return c->group;
}

static int same_group(const pqnet_node *n, const pqnet_addr *a, const pqnet_addr *b) {
  uint8_t ga[PQNET_ADDR_GROUP_MAX], gb[PQNET_ADDR_GROUP_MAX];
  size_t la = 0, lb = 0;
  if (pqnet_addr_group(a, &n->cfg.policy, ga, &la) || pqnet_addr_group(b, &n->cfg.policy, gb, &lb))
    return 0;
  return la == lb && memcmp(ga, gb, la) == 0;
}

static int group_taken(const pqnet_node *n, const pqnet_addr *a) {
  if (!group_rule_applies(a)) return 0;
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->dir == PQNET_OUTBOUND && !c->feeler && !c->closing && same_group(n, a, &c->addr))
      return 1;
  }
  for (size_t i = 0; i < n->npending; i++)
    if (!n->pending[i].feeler && same_group(n, a, &n->pending[i].addr)) return 1;
  return 0;
}

/* Exclusion for pqnet_addrman_select: never self, never twice, group rule. */
static int exclude_for_dial(void *ctx, const pqnet_addr *a) {
  pqnet_node *n = ctx;
  return is_self(n, a) || find_pending(n, a) || connected_to(n, a) || group_taken(n, a) ||
         pqnet_node_is_banned(n, a, n->now);
}

static int exclude_for_feeler(void *ctx, const pqnet_addr *a) {
  pqnet_node *n = ctx;
  return is_self(n, a) || find_pending(n, a) || connected_to(n, a) ||
         pqnet_node_is_banned(n, a, n->now);
}

/* ---- dialing ---------------------------------------------------------------- */

static int start_dial(pqnet_node *n, const pqnet_addr *a, int feeler, uint64_t now) {
  if (n->npending >= MAX_PENDING_DIALS) return PQNET_ERR_TOO_LARGE;
  if (find_pending(n, a) || connected_to(n, a)) return PQNET_ERR_STATE;
  pqnet_action act = {.type = PQNET_ACT_DIAL, .addr = *a};
  int rc = push_action(n, &act, NULL);
  if (rc) return rc;
  pending_dial *p = &n->pending[n->npending++];
  p->addr = *a;
  p->started = now;
  p->feeler = feeler;
  n->stats.dials++;
  pqnet_addrman_attempt(n->am, a, secs(now), 0); /* last_try; a failure is counted later */
  char buf[PQNET_ADDR_STRLEN];
  node_log(n, 3, "dialing addr=%s%s", pqnet_addr_format(a, buf, sizeof buf),
           feeler ? " feeler=1" : "");
  return 0;
}

int pqnet_node_dial(pqnet_node *n, const pqnet_addr *addr, uint64_t now) {
  if (!n || !addr || (addr->family != 4 && addr->family != 6) || addr->port == 0)
    return PQNET_ERR_INVALID_ARG;
  if (now > n->now) n->now = now;
  if (pqnet_node_is_banned(n, addr, now)) return PQNET_ERR_STATE;
  return start_dial(n, addr, 0, now);
}

/* Dial up to `max` candidates from the address manager. Returns how many. */
static size_t dial_candidates(pqnet_node *n, size_t max, uint64_t now) {
  size_t dialed = 0;
  for (size_t k = 0; k < max; k++) {
    pqnet_addr_info info;
    if (pqnet_addrman_select(n->am, 0, secs(now), exclude_for_dial, n, &info) != 0) break;
    if (start_dial(n, &info.addr, 0, now) != 0) break;
    dialed++;
  }
  return dialed;
}

void disc_on_connected(pqnet_node *n, conn *c, uint64_t now) {
  (void)now;
  pending_dial *p = find_pending(n, &c->addr);
  if (p) {
    c->feeler = p->feeler;
    drop_pending(n, p);
  }
  c->dialable = c->addr;
}

static void dial_failed(pqnet_node *n, const pqnet_addr *a, uint64_t now, const char *why) {
  char buf[PQNET_ADDR_STRLEN];
  pending_dial *p = find_pending(n, a);
  if (p) drop_pending(n, p);
  n->stats.dials_failed++;
  pqnet_addrman_attempt(n->am, a, secs(now), 1);
  node_log(n, 3, "dial failed addr=%s: %s", pqnet_addr_format(a, buf, sizeof buf), why);
}

void pqnet_node_dial_failed(pqnet_node *n, const pqnet_addr *addr, uint64_t now) {
  if (!n || !addr) return;
  if (now > n->now) n->now = now;
  dial_failed(n, addr, now, "connection failed");
  announce_deadline(n);
}

/* Tell the embedder (the peer store) what the address book now holds for
 * the given addresses. */
static void report_learned(pqnet_node *n, const pqnet_addr_info *v, size_t cnt) {
  if (!n->cb.addrs_learned || cnt == 0) return;
  pqnet_addr_info *out = malloc(cnt * sizeof *out);
  if (!out) return;
  size_t k = 0;
  for (size_t i = 0; i < cnt; i++)
    if (pqnet_addrman_find(n->am, &v[i].addr, &out[k]) == 0) k++;
  if (k) n->cb.addrs_learned(n->cb.ctx, out, k);
  free(out);
}

/* ---- seeds -------------------------------------------------------------------- */

static void query_seeds(pqnet_node *n, uint64_t now, const char *why) {
  n->seeds_queried_at = now;
  if (n->cfg.nseeds == 0) return;
  n->stats.seed_queries++;
  node_log(n, 2, "%s; querying %zu seed%s", why, n->cfg.nseeds, n->cfg.nseeds == 1 ? "" : "s");
  for (size_t i = 0; i < n->cfg.nseeds; i++) {
    char host[PQNET_SEED_MAX + 1];
    uint16_t port;
    if (pqnet_hostport_split(n->cfg.seeds[i], n->cfg.default_port, host, sizeof host, &port)) {
      node_log(n, 1, "ignoring malformed seed \"%s\"", n->cfg.seeds[i]);
      continue;
    }
    size_t len = strlen(host);
    uint8_t *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, host, len + 1);
    pqnet_action a = {.type = PQNET_ACT_RESOLVE, .data = copy, .len = len};
    a.addr.port = port;
    push_action(n, &a, copy);
  }
}

void pqnet_node_resolved(pqnet_node *n, const char *host, const pqnet_addr *addrs, size_t cnt,
                         uint64_t now) {
  if (!n) return;
  if (now > n->now) n->now = now;
  if (cnt == 0 || !addrs) {
    node_log(n, 1, "seed %s resolved to no address; will retry later", host ? host : "?");
    announce_deadline(n);
    return;
  }
  size_t added = 0, dialed = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (!pqnet_addr_allowed(&addrs[i], &n->cfg.policy) || is_self(n, &addrs[i]) ||
        pqnet_node_is_banned(n, &addrs[i], now))
      continue;
    pqnet_addr_info info;
    memset(&info, 0, sizeof info);
    info.addr = addrs[i];
    info.last_seen = secs(now);
    /* Learned from the seed: the seed's own address is the source. */
    if (pqnet_addrman_add(n->am, &info, 1, &addrs[i], secs(now)) > 0) added++;
    report_learned(n, &info, 1);
    if (outbound_count(n) < n->cfg.min_outbound && !exclude_for_dial(n, &addrs[i]) &&
        start_dial(n, &addrs[i], 0, now) == 0)
      dialed++;
  }
  node_log(n, 2, "seed %s gave %zu address%s (%zu new); dialing %zu", host ? host : "?", cnt,
           cnt == 1 ? "" : "es", added, dialed);
  announce_deadline(n);
}

/* ---- messages ------------------------------------------------------------------- */

static void send_getaddrs(pqnet_node *n, conn *c) {
  uint8_t body[PQNET_GETADDRS_LEN];
  long len = pqnet_getaddrs_encode(body, sizeof body, PQNET_ADDRS_MAX);
  if (len <= 0) return;
  if (node_send_msg(n, c, PQNET_PROTO_DISCOVERY, DISC_GETADDRS, body, (size_t)len) == 0) {
    c->getaddrs_sent = 1;
    /* The answer may carry up to 1000 addresses: make room for it (Bitcoin does the same). */
    c->addr_tokens += (uint64_t)PQNET_ADDRS_MAX * 1000;
  }
}

static void send_addrs(pqnet_node *n, conn *c, const pqnet_compact_addr *v, size_t cnt) {
  if (cnt == 0) return;
  size_t cap = 2 + cnt * PQNET_COMPACT_V6_LEN;
  uint8_t *body = malloc(cap);
  if (!body) return;
  long len = pqnet_addrs_encode(body, cap, v, cnt);
  if (len > 0) node_send_msg(n, c, PQNET_PROTO_DISCOVERY, DISC_ADDRS, body, (size_t)len);
  free(body);
}

static void to_compact(pqnet_compact_addr *out, const pqnet_addr_info *in) {
  out->addr = in->addr;
  out->services = in->services;
  out->last_seen = in->last_seen;
}

void disc_on_open(pqnet_node *n, conn *c, uint64_t now) {
  if (c->dir == PQNET_OUTBOUND) {
    pqnet_addrman_good(n->am, &c->addr, secs(now));
    pqnet_addrman_set_peer_id(n->am, &c->addr, c->sess.peer_id);
    if (c->feeler) {
      n->stats.feelers++;
      close_conn(n, c, PQNET_REASON_APP, "feeler done");
      return;
    }
  }
  send_getaddrs(n, c);
  /* Unsolicited Addrs: our own address if we know it, and a small sample. */
  pqnet_addr_info sample[UNSOLICITED_SAMPLE];
  pqnet_compact_addr v[UNSOLICITED_SAMPLE + 1];
  size_t k = 0;
  if (n->cfg.advertise.family) {
    v[k].addr = n->cfg.advertise;
    v[k].services = n->cfg.services;
    v[k].last_seen = secs(now);
    k++;
  }
  size_t got = pqnet_addrman_sample(n->am, sample, UNSOLICITED_SAMPLE, 0, secs(now));
  for (size_t i = 0; i < got; i++)
    if (!pqnet_addr_equal(&sample[i].addr, &c->dialable)) to_compact(&v[k++], &sample[i]);
  send_addrs(n, c, v, k);
}

void disc_on_hello(pqnet_node *n, conn *c, uint64_t now) {
  if (c->dir == PQNET_OUTBOUND) {
    pqnet_addrman_set_services(n->am, &c->addr, c->hello.services);
    return;
  }
  if (c->hello.listen_port == 0) return;
  /* The peer's dialable address: the IP we see, the port it listens on. */
  pqnet_addr d = c->addr;
  d.port = c->hello.listen_port;
  c->dialable = d;
  if (!pqnet_addr_allowed(&d, &n->cfg.policy) || is_self(n, &d) || pqnet_node_is_banned(n, &d, now))
    return;
  pqnet_addr_info info;
  memset(&info, 0, sizeof info);
  info.addr = d;
  info.services = c->hello.services;
  info.last_seen = secs(now);
  if (pqnet_addrman_add(n->am, &info, 1, &d, secs(now)) > 0) report_learned(n, &info, 1);
}

/* §10.3: one answer per session, from a cache that changes once a day. */
static void on_getaddrs(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  uint16_t limit;
  if (pqnet_getaddrs_decode(m->body, m->len, &limit) != 0) {
    close_conn(n, c, PQNET_REASON_MALFORMED, "malformed GetAddrs");
    return;
  }
  if (c->getaddrs_answered) {
    n->stats.getaddrs_ignored++;
    return;
  }
  c->getaddrs_answered = 1;
  n->stats.getaddrs_answered++;
  addr_cache *cache = &n->cache[c->addr.family == 6];
  size_t nn = 0, nt = 0;
  pqnet_addrman_size(n->am, &nn, &nt);
  /* Refresh when expired, or when the book has doubled since (a young node's
   * first answer would otherwise stay nearly empty for a day). A scraper
   * still sees at most 23% per snapshot and one snapshot per doubling. */
  if (!cache->entries || now >= cache->expires || nn + nt >= 2 * cache->table_size + 8) {
    /* Sample into a scratch buffer, keep only what was drawn (a small book
     * gives a small answer: no 125 KiB per node that ever answered). */
    pqnet_addr_info *tmp = malloc(PQNET_ADDRS_MAX * sizeof *tmp);
    if (!tmp) return;
    size_t got = pqnet_addrman_sample(n->am, tmp, PQNET_ADDRS_MAX, GETADDRS_PCT, secs(now));
    pqnet_addr_info *keep = realloc(tmp, (got ? got : 1) * sizeof *keep);
    free(cache->entries);
    cache->entries = keep ? keep : tmp;
    cache->n = got;
    cache->expires = now + n->cfg.getaddrs_cache_ms;
    cache->table_size = nn + nt;
  }
  size_t cnt = cache->n < limit ? cache->n : limit;
  pqnet_compact_addr *v = malloc((cnt ? cnt : 1) * sizeof *v);
  if (!v) return;
  size_t k = 0;
  for (size_t i = 0; i < cnt; i++)
    if (!pqnet_addr_equal(&cache->entries[i].addr, &c->dialable))
      to_compact(&v[k++], &cache->entries[i]);
  send_addrs(n, c, v, k);
  free(v);
}

static uint64_t addr_hash(const pqnet_addr *a) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over family, ip, port */
  h = (h ^ a->family) * 1099511628211ull;
  for (int i = 0; i < 16; i++) h = (h ^ a->ip[i]) * 1099511628211ull;
  h = (h ^ (uint8_t)(a->port >> 8)) * 1099511628211ull;
  return (h ^ (uint8_t)a->port) * 1099511628211ull;
}

/* 1 the first time a is offered for relay in a period; records it. 0 when
 * it was relayed already, or when there is no room to remember it. */
static int first_relay(pqnet_node *n, const pqnet_addr *a, uint64_t now) {
  uint64_t h = addr_hash(a);
  uint32_t tag = (uint32_t)(h >> 32) | 1u, t = (uint32_t)secs(now);
  uint32_t *tags = n->relayed.tag[h & (RELAYED_SETS - 1)];
  uint32_t *when = n->relayed.when[h & (RELAYED_SETS - 1)];
  size_t victim = 0; /* the entry to reuse: ours, else an empty one, else the oldest */
  for (size_t w = 0; w < RELAYED_WAYS; w++) {
    if (tags[w] == tag) {
      if ((uint64_t)when[w] * 1000 + RELAY_PERIOD_MS > now) return 0;
      victim = w;
      break;
    }
    if (tags[victim] != 0 && (tags[w] == 0 || when[w] < when[victim])) victim = w;
  }
  if (tags[victim] != 0 && tags[victim] != tag && when[victim] + RELAY_MEMORY_S > t) return 0;
  tags[victim] = tag;
  when[victim] = t;
  return 1;
}

/* Queue v for c's next relay batch. The batch goes after a random delay
 * (uniform, mean relay_interval_ms, then rounded up to a whole second), so addresses arriving
 * together share Addrs messages and the timing does not tell which peer an address came from. A
 * batch holds at most RELAY_QUEUE_MAX; what does not fit is not relayed to c. */
static void relay_queue(pqnet_node *n, conn *c, const pqnet_compact_addr *v, size_t cnt,
                        uint64_t now) {
  if (c->relay_n + cnt > c->relay_cap && c->relay_cap < RELAY_QUEUE_MAX) {
    size_t cap = c->relay_cap ? c->relay_cap * 2 : 16;
    while (cap < c->relay_n + cnt && cap < RELAY_QUEUE_MAX) cap *= 2;
    if (cap > RELAY_QUEUE_MAX) cap = RELAY_QUEUE_MAX;
    pqnet_compact_addr *q = realloc(c->relay_q, cap * sizeof *q);
    if (!q) return;
    c->relay_q = q;
    c->relay_cap = cap;
  }
  size_t room = c->relay_cap - c->relay_n, k = cnt < room ? cnt : room;
  memcpy(c->relay_q + c->relay_n, v, k * sizeof *v);
  n->stats.addrs_relayed += k;
  if (c->relay_n == 0 && k > 0) {
    /* Rounded up to a whole second: the batches of all peers due within
     * the same second go out in one wake of the node. */
    uint64_t at = now + node_rand(n, 2 * n->cfg.relay_interval_ms + 1);
    c->relay_at =
        n->cfg.relay_interval_ms ? (at + RELAY_GRID_MS - 1) / RELAY_GRID_MS * RELAY_GRID_MS : at;
  }
  c->relay_n += k;
}

void disc_relay_flush(pqnet_node *n, conn *c) {
  /* In messages of RELAY_MAX, so the receiver relays them in turn. */
  for (size_t i = 0; c->open && !c->closing && i < c->relay_n; i += RELAY_MAX)
    send_addrs(n, c, c->relay_q + i, c->relay_n - i < RELAY_MAX ? c->relay_n - i : RELAY_MAX);
  free(c->relay_q);
  c->relay_q = NULL;
  c->relay_n = c->relay_cap = 0;
  c->relay_at = NO_DEADLINE;
}

/* Relay fresh addresses of a small unsolicited Addrs to a few other peers,
 * each address once per period, so relays die out instead of looping. */
static void relay(pqnet_node *n, conn *from, const pqnet_compact_addr *v, size_t cnt,
                  uint64_t now) {
  pqnet_compact_addr fresh[RELAY_MAX];
  size_t k = 0;
  for (size_t i = 0; i < cnt && k < RELAY_MAX; i++)
    if (v[i].last_seen + RELAY_FRESH_S >= secs(now) &&
        pqnet_addr_allowed(&v[i].addr, &n->cfg.policy) &&
        !pqnet_node_is_banned(n, &v[i].addr, now) && first_relay(n, &v[i].addr, now))
      fresh[k++] = v[i];
  if (k == 0) return;
  conn *targets[64];
  size_t nt = 0;
  for (size_t i = 0; i < n->nconns && nt < 64; i++) {
    conn *c = n->conns[i];
    if (c != from && c->open && !c->closing && !c->feeler) targets[nt++] = c;
  }
  for (uint32_t r = 0; r < n->cfg.relay_fanout && nt > 0; r++) {
    uint32_t pick = node_rand(n, (uint32_t)nt);
    relay_queue(n, targets[pick], fresh, k, now);
    if (n->cfg.relay_interval_ms == 0) disc_relay_flush(n, targets[pick]);
    targets[pick] = targets[--nt];
  }
}

static void on_addrs(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  size_t cnt = 0;
  pqnet_compact_addr *v = malloc(PQNET_ADDRS_MAX * sizeof *v);
  if (!v) return;
  if (pqnet_addrs_decode(m->body, m->len, v, PQNET_ADDRS_MAX, &cnt) != 0) {
    free(v);
    close_conn(n, c, PQNET_REASON_MALFORMED, "malformed Addrs");
    return;
  }
  c->getaddrs_sent = 0;
  n->stats.addrs_received += cnt;

  /* Token bucket (§10.2): rate_milli tokens per second, x1000 fixed point. */
  uint64_t cap = (uint64_t)n->cfg.addr_burst * 1000;
  uint64_t gained = (now - c->addr_refill) * n->cfg.addr_rate_milli / 1000;
  c->addr_refill = now;
  if (c->addr_tokens < cap)
    c->addr_tokens = c->addr_tokens + gained > cap ? cap : c->addr_tokens + gained;

  pqnet_addr_info *infos = malloc((cnt ? cnt : 1) * sizeof *infos);
  if (!infos) {
    free(v);
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (c->addr_tokens < 1000) {
      n->stats.addrs_rate_limited += cnt - i;
      c->addrs_dropped += cnt - i;
      cnt = i;
      break;
    }
    c->addr_tokens -= 1000;
    if (!pqnet_addr_allowed(&v[i].addr, &n->cfg.policy) || is_self(n, &v[i].addr) ||
        pqnet_node_is_banned(n, &v[i].addr, now))
      continue;
    if (v[i].last_seen > secs(now) + 600) v[i].last_seen = secs(now); /* from the future */
    memset(&infos[k], 0, sizeof infos[k]);
    infos[k].addr = v[i].addr;
    infos[k].services = v[i].services;
    infos[k].last_seen = v[i].last_seen;
    k++;
  }
  if (c->addrs_dropped > ADDR_SPAM_LIMIT * (uint64_t)n->cfg.addr_burst) {
    /* Far beyond what the token bucket allows: spam, not gossip. */
    free(infos);
    free(v);
    char why[80];
    snprintf(why, sizeof why, "address spam: %llu addresses over the rate limit",
             (unsigned long long)c->addrs_dropped);
    node_ban_peer(n, c, why);
    if (!c->closing) close_conn(n, c, PQNET_REASON_PROTOCOL, why);
    return;
  }
  const pqnet_addr *source = c->dialable.family ? &c->dialable : &c->addr;
  if (k && pqnet_addrman_add(n->am, infos, k, source, secs(now)) > 0) report_learned(n, infos, k);
  /* A small Addrs is relayed whether or not it answers our GetAddrs: the two
   * cannot be told apart (both sides send both at once), and per-address
   * deduplication keeps repeats harmless. */
  if (cnt <= RELAY_MAX) relay(n, c, v, cnt, now);

  /* While below target, dial some of what we just heard about. */
  size_t budget = n->cfg.dials_per_tick;
  for (size_t i = 0; i < k && budget > 0 && outbound_count(n) < n->cfg.min_outbound; i++) {
    if (exclude_for_dial(n, &infos[i].addr)) continue;
    pqnet_addr_info known;
    if (pqnet_addrman_find(n->am, &infos[i].addr, &known) == 0 &&
        !pqnet_addrman_backoff_ok(n->am, &known, secs(now)))
      continue;
    if (start_dial(n, &infos[i].addr, 0, now) == 0) budget--;
  }
  free(infos);
  free(v);
}

void disc_on_message(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  switch (m->type) {
  case DISC_GETADDRS: on_getaddrs(n, c, m, now); return;
  case DISC_ADDRS: on_addrs(n, c, m, now); return;
  default: n->unknown_control++; return; /* unknown types are ignored (§6) */
  }
}

void disc_on_closed(pqnet_node *n, conn *c, int reason, uint64_t now) {
  if (c->dir != PQNET_OUTBOUND) return;
  if (reason == PQNET_REASON_SELF) {
    /* We dialed ourselves: never again. */
    if (n->nself < MAX_SELF_ADDRS) n->self_addrs[n->nself++] = c->addr;
    pqnet_addrman_remove(n->am, &c->addr);
    return;
  }
  if (!c->open)
    pqnet_addrman_attempt(n->am, &c->addr, secs(now), reason != PQNET_REASON_SHUTDOWN);
  else
    pqnet_addrman_connected(n->am, &c->addr, secs(now));
}

/* ---- inbound limits and eviction -------------------------------------------------- */

static int cmp_u64_desc(uint64_t a, uint64_t b) {
  return (a < b) - (a > b);
}

/* The eviction candidates with their network groups packed into integers,
 * so the group counts below compare two words instead of chasing each
 * connection's memory (a full node runs this for every new inbound peer). */
typedef struct evict_set {
  conn *c[512];
  uint64_t key[512];
  uint8_t len[512]; /* 0: group unknown, never counted as shared */
  size_t n;
} evict_set;

static void evict_drop(evict_set *e, size_t i) {
  e->n--;
  e->c[i] = e->c[e->n];
  e->key[i] = e->key[e->n];
  e->len[i] = e->len[e->n];
}

/* How many candidates (itself included) share the group of candidate i. */
static size_t evict_same(const evict_set *e, size_t i) {
  size_t same = 0;
  if (e->len[i] == 0) return 0;
  for (size_t j = 0; j < e->n; j++) same += e->len[j] == e->len[i] && e->key[j] == e->key[i];
  return same;
}

/* Bitcoin-style: protect peers in rare network groups, the lowest-latency
 * ones and the longest-connected half; evict the youngest peer of the most
 * represented group among the rest. Returns 1 if a peer was evicted. */
static int evict_inbound(pqnet_node *n) {
  evict_set e;
  e.n = 0;
  for (size_t i = 0; i < n->nconns && e.n < 512; i++) {
    conn *c = n->conns[i];
    if (c->dir != PQNET_INBOUND || !c->open || c->closing) continue;
    size_t len;
    const uint8_t *g = conn_group(n, c, &len);
    uint64_t key = 0;
    for (size_t k = 0; k < len; k++) key |= (uint64_t)g[k] << (8 * k);
    e.c[e.n] = c;
    e.key[e.n] = key;
    e.len[e.n] = (uint8_t)len;
    e.n++;
  }
  /* 1. Protect one peer from each of the EVICT_PROTECT_GROUPS rarest groups. */
  for (int round = 0; round < EVICT_PROTECT_GROUPS && e.n > 0; round++) {
    size_t best = 0, best_count = SIZE_MAX;
    for (size_t i = 0; i < e.n; i++) {
      size_t same = evict_same(&e, i);
      if (same < best_count) best_count = same, best = i;
    }
    evict_drop(&e, best);
  }
  /* 2. Protect the EVICT_PROTECT_RTT lowest round-trip times (measured ones). */
  for (int round = 0; round < EVICT_PROTECT_RTT && e.n > 0; round++) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < e.n; i++)
      if (e.c[i]->srtt && (best == SIZE_MAX || e.c[i]->srtt < e.c[best]->srtt)) best = i;
    if (best == SIZE_MAX) break;
    evict_drop(&e, best);
  }
  /* 3. Protect the longest-connected half. */
  for (size_t protect = e.n / 2; protect > 0 && e.n > 0; protect--) {
    size_t best = 0;
    for (size_t i = 1; i < e.n; i++)
      if (cmp_u64_desc(e.c[i]->since, e.c[best]->since) > 0) best = i;
    evict_drop(&e, best);
  }
  if (e.n == 0) return 0;
  /* 4. The most represented group; its youngest member goes. */
  size_t victim = 0, victim_group = 0;
  for (size_t i = 0; i < e.n; i++) {
    size_t same = evict_same(&e, i);
    if (same > victim_group || (same == victim_group && e.c[i]->since > e.c[victim]->since))
      victim_group = same, victim = i;
  }
  n->stats.evictions++;
  close_conn(n, e.c[victim], PQNET_REASON_TOO_MANY_PEERS, "evicted for a new inbound peer");
  return 1;
}

int disc_admit_inbound(pqnet_node *n, uint64_t now) {
  (void)now;
  size_t inbound = 0;
  for (size_t i = 0; i < n->nconns; i++)
    inbound += n->conns[i]->dir == PQNET_INBOUND && !n->conns[i]->closing;
  if (inbound < n->cfg.max_inbound) return 0;
  return evict_inbound(n) ? 0 : PQNET_REASON_TOO_MANY_PEERS;
}

/* ---- the discovery tick -------------------------------------------------------------- */

void pqnet_node_start(pqnet_node *n, uint64_t now) {
  if (!n || n->started) return;
  if (now > n->now) n->now = now;
  n->started = 1;
  n->next_discovery = now; /* a first round at once */
  n->seed_wait_until = now + n->cfg.connection_timeout_ms;
  if (n->cfg.feeler_interval_ms) n->next_feeler = now + n->cfg.feeler_interval_ms;
  size_t nn = 0, nt = 0;
  pqnet_addrman_size(n->am, &nn, &nt);
  if (nn + nt == 0) {
    query_seeds(n, now, "address book is empty");
  } else {
    node_log(n, 2, "%zu known addresses (%zu tried); seeds only if no outbound peer within %u ms",
             nn + nt, nt, n->cfg.connection_timeout_ms);
    n->seed_deadline = now + n->cfg.connection_timeout_ms;
  }
  announce_deadline(n);
}

static void discovery_round(pqnet_node *n, uint64_t now) {
  size_t out = outbound_count(n);
  if (out < n->cfg.min_outbound) {
    /* Ask one random peer for fresh addresses. */
    conn *peers[64];
    size_t np = 0;
    for (size_t i = 0; i < n->nconns && np < 64; i++) {
      conn *c = n->conns[i];
      if (c->open && !c->closing && !c->feeler) peers[np++] = c;
    }
    if (np) send_getaddrs(n, peers[node_rand(n, (uint32_t)np)]);
    size_t want = n->cfg.min_outbound - out;
    if (want > n->cfg.dials_per_tick) want = n->cfg.dials_per_tick;
    size_t dialed = dial_candidates(n, want, now);
    if (dialed < want && now >= n->seed_wait_until &&
        (n->seeds_queried_at == 0 || now >= n->seeds_queried_at + n->cfg.seed_retry_ms))
      query_seeds(n, now, "below the outbound target with too few candidates");
  } else if (out < n->cfg.max_outbound) {
    dial_candidates(n, 1, now); /* above min: grow slowly */
  }
  /* Test-before-evict: settle what can be settled, test one old entry. */
  pqnet_addrman_resolve_collisions(n->am, secs(now));
  pqnet_addr_info old;
  if (pqnet_addrman_collision(n->am, secs(now), &old) == 0 && !exclude_for_feeler(n, &old.addr))
    start_dial(n, &old.addr, 1, now);
  pqnet_addrman_prune(n->am, secs(now), 256);
}

void disc_tick(pqnet_node *n, uint64_t now) {
  if (!n->started) return;
  /* Dials the driver never answered count as failed. */
  uint64_t stale = 3ull * n->cfg.connection_timeout_ms;
  for (size_t i = 0; i < n->npending;) {
    if (now >= n->pending[i].started + stale) {
      pqnet_addr a = n->pending[i].addr;
      dial_failed(n, &a, now, "no answer from the driver");
    } else {
      i++;
    }
  }
  if (now >= n->seed_deadline) {
    n->seed_deadline = NO_DEADLINE;
    if (open_outbound(n) == 0) {
      char why[96];
      snprintf(why, sizeof why, "no stored peer answered within %u s",
               n->cfg.connection_timeout_ms / 1000);
      query_seeds(n, now, why);
    }
  }
  if (now >= n->next_discovery) {
    n->next_discovery = now + n->cfg.discovery_tick_ms;
    discovery_round(n, now);
  }
  if (now >= n->next_feeler) {
    n->next_feeler = now + n->cfg.feeler_interval_ms;
    pqnet_addr_info info;
    if (pqnet_addrman_select(n->am, 1, secs(now), exclude_for_feeler, n, &info) == 0)
      start_dial(n, &info.addr, 1, now);
  }
}

uint64_t disc_next_deadline(const pqnet_node *n) {
  uint64_t t = n->next_discovery;
  if (n->next_feeler < t) t = n->next_feeler;
  if (n->seed_deadline < t) t = n->seed_deadline;
  uint64_t stale = 3ull * n->cfg.connection_timeout_ms;
  for (size_t i = 0; i < n->npending; i++)
    if (n->pending[i].started + stale < t) t = n->pending[i].started + stale;
  return t;
}
