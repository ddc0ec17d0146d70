/*
 * Discovery over the in-memory network (PROTOCOL.md §10): many nodes that
 * know only a seed's host name converge to their outbound target, learn late
 * joiners, survive the seed going away; the token bucket, GetAddrs caps and
 * caching, and the 3-node acceptance of DESIGN.md §1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addrman/addrman.h"
#include "memnet.h"
#include "node/node_impl.h"
#include "pqnet/error.h"
#include "wire/addr_msg.h"

#define TICK_MS 30000

typedef struct swarm {
  memnet net;
  memnode *nodes;
  size_t n;
} swarm;

/* Node 0 is the seed ("seed.test"); every node k listens on 127.k.k.1. */
static void swarm_init(swarm *s, size_t n, uint64_t seed, uint32_t min_out) {
  memnet_init(&s->net, seed);
  s->n = n;
  s->nodes = calloc(n + 4, sizeof *s->nodes);
  assert_non_null(s->nodes);
  pqnet_addr seed_addr = memnet_addr(1);
  memnet_dns(&s->net, "seed.test", &seed_addr, 1);
  for (size_t k = 0; k < n + 4; k++) {
    pqnet_node_config cfg;
    pqnet_node_config_default(&cfg);
    cfg.advertise = memnet_addr((unsigned)k + 1);
    cfg.listen_port = cfg.advertise.port;
    cfg.min_outbound = min_out;
    cfg.max_outbound = min_out + 4;
    cfg.feeler_interval_ms = 0;
    if (k != 0) {
      snprintf(cfg.seeds[0], sizeof cfg.seeds[0], "seed.test");
      cfg.nseeds = 1;
    }
    memnode_init(&s->nodes[k], seed * 1000 + k, &cfg);
  }
}

static void swarm_start(swarm *s, size_t k) {
  memnet_add(&s->net, &s->nodes[k]);
  pqnet_node_start(s->nodes[k].node, s->net.now);
  memnet_pump(&s->net);
}

static void swarm_free(swarm *s) {
  for (size_t k = 0; k < s->n + 4; k++) memnode_free(&s->nodes[k]);
  free(s->nodes);
  memnet_free(&s->net);
}

static size_t outbound(memnode *m) {
  return pqnet_node_peer_count(m->node, PQNET_OUTBOUND);
}

static int knows(memnode *m, const pqnet_addr *a) {
  pqnet_addr_info info;
  return pqnet_addrman_find(pqnet_node_addrman(m->node), a, &info) == 0;
}

/* At `want` outbound sessions, or connected to every other online node, so
 * that there is nobody left to dial: in a small network the nodes heard of
 * first are dialed by everyone (a PeerId has one session, PROTOCOL.md §9). */
static int at_target(memnode *m, size_t want, size_t online) {
  return outbound(m) >= want || pqnet_node_peer_count(m->node, -1) + 1 >= online;
}

/* Ticks of virtual time until every online non-seed node (1..count-1) has
 * at least `want` outbound sessions; -1 if not within max_ticks. (The seed
 * itself needs no outbound: everyone is already connected to it.) */
static int ticks_until_target(swarm *s, size_t count, size_t want, int max_ticks) {
  for (int t = 0; t <= max_ticks; t++) {
    size_t ok = 0;
    size_t online = 0;
    for (size_t k = 0; k < count; k++) online += !s->nodes[k].offline;
    for (size_t k = 1; k < count; k++)
      ok += s->nodes[k].offline || at_target(&s->nodes[k], want, online);
    if (ok == count - 1) return t;
    memnet_advance(&s->net, TICK_MS);
  }
  return -1;
}

/* 1 seed + 59 nodes that know only the seed's name, all started at once:
 * all reach min_outbound (or are connected to everyone, see at_target). */
#define SWARM 60
static void test_thirty_nodes_converge(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, SWARM, 1, 8);
  for (size_t k = 0; k < SWARM; k++) swarm_start(&s, k);
  int ticks = ticks_until_target(&s, SWARM, 8, 6);
  print_message("%d non-seed nodes reached 8 outbound peers after %d discovery ticks\n", SWARM - 1,
                ticks);
  assert_true(ticks >= 0 && ticks <= 4);
  /* No node is special: the seed is one peer among many. */
  assert_true(pqnet_node_peer_count(s.nodes[0].node, -1) >= 8);
  for (size_t k = 1; k < SWARM; k++) {
    assert_true(pqnet_node_peer_count(s.nodes[k].node, -1) >= 8);
    assert_true(pqnet_node_get_stats(s.nodes[k].node)->seed_queries <= 2);
  }
  /* A node joining later becomes known to every other node. */
  swarm_start(&s, SWARM);
  memnet_advance(&s.net, 3 * TICK_MS);
  pqnet_addr late = memnet_addr(SWARM + 1);
  size_t known = 0;
  for (size_t k = 0; k < SWARM; k++) known += knows(&s.nodes[k], &late);
  print_message("late joiner known to %zu of %d nodes after 3 ticks\n", known, SWARM);
  /* Each node relays a fresh address once, to relay_fanout = 2 peers: such
   * an epidemic reaches about 80% of the nodes on average (x = 1 - e^-2x),
   * with a wide spread (72% to 92% over seeds 1-9 here). */
  assert_true(known >= SWARM * 2 / 3);
  assert_true(outbound(&s.nodes[SWARM]) >= 8);
  /* The seed goes away: the others stay connected and refill their slots. */
  memnet_remove(&s.net, &s.nodes[0]);
  memnet_advance(&s.net, 2 * TICK_MS);
  for (size_t k = 1; k <= SWARM; k++) {
    assert_true(at_target(&s.nodes[k], 8, SWARM));
    assert_true(pqnet_node_peer_count(s.nodes[k].node, -1) >= 8);
  }
  swarm_free(&s);
}

/* DESIGN.md acceptance: 1 seed, 2 non-seeds; both non-seeds end with more
 * than one peer. */
static void test_three_nodes(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 3, 2, 8);
  for (size_t k = 0; k < 3; k++) swarm_start(&s, k);
  memnet_advance(&s.net, 3 * TICK_MS);
  assert_true(pqnet_node_peer_count(s.nodes[1].node, -1) >= 2);
  assert_true(pqnet_node_peer_count(s.nodes[2].node, -1) >= 2);
  swarm_free(&s);
}

/* The seeds are queried only when the book is empty, or when no known peer
 * connected within connection_timeout. */
static void test_seed_fallback(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 3, 3, 2);
  swarm_start(&s, 0);
  memnode *a = &s.nodes[1];
  /* a knows one address that nobody answers at. */
  pqnet_addr_info dead;
  memset(&dead, 0, sizeof dead);
  dead.addr = memnet_addr(200);
  dead.last_seen = s.net.now / 1000;
  assert_int_equal(
      pqnet_addrman_add(pqnet_node_addrman(a->node), &dead, 1, &dead.addr, s.net.now / 1000), 1);
  swarm_start(&s, 1);
  assert_int_equal(pqnet_node_get_stats(a->node)->seed_queries, 0);
  memnet_advance(&s.net, 9000);
  assert_int_equal(pqnet_node_get_stats(a->node)->seed_queries, 0);
  memnet_advance(&s.net, 2000); /* past connection_timeout (10 s) */
  assert_int_equal(pqnet_node_get_stats(a->node)->seed_queries, 1);
  assert_true(outbound(a) >= 1);
  swarm_free(&s);
}

/* §10.2: unsolicited addresses beyond the token bucket are dropped and counted. */
static void test_addr_rate_limit(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 2, 4, 1);
  swarm_start(&s, 0);
  swarm_start(&s, 1);
  memnet_advance(&s.net, 1000);
  memnode *a = &s.nodes[0], *b = &s.nodes[1];
  assert_int_equal(pqnet_node_peer_count(b->node, -1), 1);
  uint64_t peer;
  assert_int_equal(pqnet_node_peers(b->node, &peer, 1), 1);
  conn *c = NULL;
  for (size_t i = 0; i < b->node->nconns; i++)
    if (b->node->conns[i]->id == peer) c = b->node->conns[i];
  assert_non_null(c);
  /* b sends a 1000-entry Addrs to a, unsolicited. */
  pqnet_compact_addr *v = calloc(1000, sizeof *v);
  uint8_t *body = malloc(PQNET_ADDRS_MAX_LEN);
  for (unsigned i = 0; i < 1000; i++) {
    v[i].addr = memnet_addr(300 + i);
    v[i].last_seen = s.net.now / 1000;
  }
  long len = pqnet_addrs_encode(body, PQNET_ADDRS_MAX_LEN, v, 1000);
  assert_true(len > 0);
  /* Three floods of 1000: the bucket (burst 1000, plus the 1000 granted for
   * the answer to a's own GetAddrs) lets at most ~2100 through, 0.1/s after. */
  uint64_t before = pqnet_node_get_stats(a->node)->addrs_rate_limited;
  for (int round = 0; round < 3; round++) {
    assert_int_equal(node_send_msg(b->node, c, PQNET_PROTO_DISCOVERY, 2, body, (size_t)len), 0);
    memnet_pump(&s.net);
  }
  uint64_t limited = pqnet_node_get_stats(a->node)->addrs_rate_limited - before;
  print_message("rate-limited %llu of 3000 unsolicited addresses\n", (unsigned long long)limited);
  assert_true(limited >= 900);
  assert_true(limited < 3000);
  free(v);
  free(body);
  swarm_free(&s);
}

/* The session of `from` that leads to the node with address `to`. */
static conn *conn_to(memnode *from, const pqnet_addr *to) {
  for (size_t i = 0; i < from->node->nconns; i++) {
    conn *c = from->node->conns[i];
    if (c->open && pqnet_addr_equal(&c->dialable, to)) return c;
  }
  return NULL;
}

/* Node 1 sends `count` fresh addresses from memnet_addr(first) on, in Addrs
 * of at most 10 (the size that is relayed), with tokens to spare. */
static void send_fresh(swarm *s, conn *c, memnode *to, unsigned first, unsigned count) {
  pqnet_compact_addr v[10];
  uint8_t body[2 + 10 * PQNET_COMPACT_V6_LEN];
  for (unsigned done = 0; done < count;) {
    size_t k = 0;
    for (; k < 10 && done < count; k++, done++) {
      memset(&v[k], 0, sizeof v[k]);
      v[k].addr = memnet_addr(first + done);
      v[k].last_seen = s->net.now / 1000;
    }
    conn *back = conn_to(to, &s->nodes[1].node->cfg.advertise);
    assert_non_null(back);
    back->addr_tokens = 1000000000; /* the rate limit is tested elsewhere */
    long len = pqnet_addrs_encode(body, sizeof body, v, k);
    assert_true(len > 0);
    assert_int_equal(
        node_send_msg(s->nodes[1].node, c, PQNET_PROTO_DISCOVERY, 2, body, (size_t)len), 0);
    memnet_pump(&s->net);
  }
}

/* §10.4: fresh addresses go to relay_fanout peers after a random delay,
 * batched; a repeat is not relayed again, even after a flood of others that
 * overflows the relay memory; a batch per peer is bounded. */
static void test_relay(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 4, 5, 1);
  for (size_t k = 0; k < 4; k++) swarm_start(&s, k);
  memnet_advance(&s.net, 1000);
  memnode *hub = &s.nodes[0];
  assert_int_equal(pqnet_node_peer_count(hub->node, -1), 3);
  conn *c = conn_to(&s.nodes[1], &hub->node->cfg.advertise);
  assert_non_null(c);
  pqnet_addr fresh = memnet_addr(300);
  const pqnet_node_stats *st = pqnet_node_get_stats(hub->node);

  uint64_t before = st->addrs_relayed;
  send_fresh(&s, c, hub, 300, 3);
  /* Queued for both other peers, not sent yet. */
  assert_int_equal(st->addrs_relayed - before, 6);
  assert_false(knows(&s.nodes[2], &fresh));
  assert_false(knows(&s.nodes[3], &fresh));
  memnet_advance(&s.net, 2 * hub->node->cfg.relay_interval_ms + 1000);
  assert_true(knows(&s.nodes[2], &fresh));
  assert_true(knows(&s.nodes[3], &fresh));

  /* 6,000 other fresh addresses: more than the relay memory holds. */
  before = st->addrs_relayed;
  send_fresh(&s, c, hub, 1000, 6000);
  uint64_t flood = st->addrs_relayed - before;
  print_message("relayed %llu entries of a 6,000-address flood to 2 peers\n",
                (unsigned long long)flood);
  assert_true(flood > 0);
  assert_true(flood <= 2 * 100); /* one batch of at most 100 per peer */
  memnet_advance(&s.net, 2 * hub->node->cfg.relay_interval_ms + 1000);

  /* The first three again: remembered, not relayed a second time. */
  before = st->addrs_relayed;
  send_fresh(&s, c, hub, 300, 3);
  memnet_advance(&s.net, 2 * hub->node->cfg.relay_interval_ms + 1000);
  assert_int_equal(st->addrs_relayed - before, 0);
  swarm_free(&s);
}

/* An inbound session on m from 127.g.h.1, opened at `since` (test set-up:
 * the handshake is skipped by marking the session open). */
static conn *fake_inbound(memnode *m, uint64_t id, uint8_t g, uint8_t h, uint64_t since) {
  pqnet_addr a = memnet_addr(g);
  a.ip[2] = h;
  a.port = 40000;
  assert_int_equal(pqnet_node_connected(m->node, id, &a, PQNET_INBOUND, 1000), 0);
  for (size_t i = 0; i < m->node->nconns; i++) {
    conn *c = m->node->conns[i];
    if (c->id != id) continue;
    c->open = 1;
    c->since = since;
    return c;
  }
  fail();
  return NULL;
}

/* §10.5 inbound eviction at max_inbound: the four rarest groups, the lowest
 * round-trip times and the older half are protected; the youngest peer of
 * the most represented group goes, not the youngest peer overall. */
static void test_inbound_eviction(void **state) {
  (void)state;
  pqnet_node_config cfg;
  pqnet_node_config_default(&cfg);
  cfg.max_inbound = 24;
  memnode m;
  memnode_init(&m, 77, &cfg);
  conn *crowd[12], *single[12];
  /* 12 peers in group 127.5/16 and 12 in groups of their own, interleaved
   * in age; a lone newcomer (id 24) is the youngest of all. */
  for (unsigned i = 0; i < 12; i++) {
    crowd[i] = fake_inbound(&m, 1 + 2 * i, 5, (uint8_t)i, 10000 + 2 * i);
    single[i] = fake_inbound(&m, 2 + 2 * i, (uint8_t)(20 + i), 0, 10001 + 2 * i);
  }
  single[11]->since = 99999;
  /* Two measured round-trip times: both protected. */
  crowd[11]->srtt = 5;
  single[10]->srtt = 7;
  assert_int_equal(disc_admit_inbound(m.node, 2000), 0);
  assert_int_equal(pqnet_node_get_stats(m.node)->evictions, 1);
  /* The youngest of the crowd not protected by its round-trip time. */
  assert_true(crowd[10]->closing);
  for (unsigned i = 0; i < 12; i++) {
    if (i != 10) assert_false(crowd[i]->closing);
    assert_false(single[i]->closing);
  }
  memnode_free(&m);

  /* Everyone protected: the newcomer is refused instead. */
  cfg.max_inbound = 4;
  memnode_init(&m, 78, &cfg);
  for (unsigned i = 0; i < 4; i++) fake_inbound(&m, 1 + i, (uint8_t)(30 + i), 0, 10000 + i);
  assert_int_equal(disc_admit_inbound(m.node, 2000), PQNET_REASON_TOO_MANY_PEERS);
  assert_int_equal(pqnet_node_get_stats(m.node)->evictions, 0);
  memnode_free(&m);
}

/* §10.3: a GetAddrs answer is at most 23% of the table, once per session, and
 * the same list for every requester until the cache expires. */
static void test_getaddrs_cap_and_cache(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 3, 5, 1);
  memnode *a = &s.nodes[0];
  pqnet_addr_info *infos = calloc(400, sizeof *infos);
  for (unsigned i = 0; i < 400; i++) {
    infos[i].addr = memnet_addr(1000 + i);
    infos[i].last_seen = s.net.now / 1000;
  }
  pqnet_addr src = memnet_addr(999);
  int added = pqnet_addrman_add(pqnet_node_addrman(a->node), infos, 400, &src, s.net.now / 1000);
  assert_true(added > 100);
  free(infos);
  swarm_start(&s, 0);
  swarm_start(&s, 1);
  memnet_advance(&s.net, 1000);
  const pqnet_node_stats *st = pqnet_node_get_stats(a->node);
  assert_int_equal(st->getaddrs_answered, 1);
  size_t nn, nt;
  pqnet_addrman_size(pqnet_node_addrman(s.nodes[1].node), &nn, &nt);
  /* 23% of a's ~400 plus a few unsolicited: well under half of a's table. */
  print_message("node 1 learned %zu addresses from one answer of a %d-entry table\n", nn + nt,
                added);
  assert_true(nn + nt <= (size_t)added * 23 / 100 + 12);
  assert_true(nn + nt >= 20);
  /* A second session from another node gets the cached list: nothing new. */
  swarm_start(&s, 2);
  memnet_advance(&s.net, 1000);
  assert_int_equal(st->getaddrs_answered, 2);
  assert_int_equal(a->node->cache[0].table_size > 0, 1);
  swarm_free(&s);
}

/* Bans (PROTOCOL.md §9): a peer that sends garbage is banned and its address
 * refused on the way in and never dialed; unban lifts it; bans expire. */
static void test_bans(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 2, 6, 1);
  swarm_start(&s, 0);
  swarm_start(&s, 1);
  memnet_advance(&s.net, 1000);
  memnode *a = &s.nodes[0];
  uint64_t peer;
  assert_int_equal(pqnet_node_peers(a->node, &peer, 1), 1);
  /* b's side sends a frame a cannot authenticate. */
  uint8_t junk[40] = {0, 0, 0, 36, 'j', 'u', 'n', 'k'};
  pqnet_node_received(a->node, peer, junk, sizeof junk, s.net.now);
  memnet_pump(&s.net);
  pqnet_addr baddr = memnet_addr(2);
  assert_true(pqnet_node_is_banned(a->node, &baddr, s.net.now));
  assert_int_equal(pqnet_node_get_stats(a->node)->bans, 1);
  pqnet_ban ban;
  assert_int_equal(pqnet_node_bans(a->node, &ban, 1), 1);
  assert_int_equal(ban.prefix_len, 32);
  assert_int_equal(ban.until_ms, s.net.now + 86400ull * 1000);
  /* b keeps trying: every inbound attempt from its address is refused. */
  memnet_advance(&s.net, 5 * TICK_MS);
  assert_int_equal(pqnet_node_peer_count(a->node, -1), 0);
  assert_true(pqnet_node_get_stats(a->node)->refused_banned >= 1);
  /* a never dials a banned address. */
  assert_int_equal(pqnet_node_dial(a->node, &baddr, s.net.now), PQNET_ERR_STATE);
  /* Manual unban: b gets back in. */
  assert_int_equal(pqnet_node_unban(a->node, &ban.addr, 32), 0);
  assert_int_equal(pqnet_node_unban(a->node, &ban.addr, 32), PQNET_ERR_STATE);
  memnet_advance(&s.net, 3 * TICK_MS);
  assert_int_equal(pqnet_node_peer_count(a->node, -1), 1);
  /* A network ban (/8 covers 127.*) disconnects and expires by itself. */
  pqnet_addr net8 = memnet_addr(2);
  assert_int_equal(pqnet_node_ban(a->node, &net8, 8, s.net.now + 60000, "test", s.net.now), 0);
  memnet_pump(&s.net);
  assert_int_equal(pqnet_node_peer_count(a->node, -1), 0);
  assert_int_equal(pqnet_node_ban(a->node, &net8, 0, 1, "bad prefix", s.net.now),
                   PQNET_ERR_INVALID_ARG);
  memnet_advance(&s.net, 61000);
  assert_false(pqnet_node_is_banned(a->node, &baddr, s.net.now));
  swarm_free(&s);
}

/* Start-up order (DESIGN.md §1.2): the embedder dials --peer and the 5 most
 * recent stored peers first; the seeds are queried only when none of them
 * gave an outbound session within connection_timeout. */
static void test_startup_order(void **state) {
  (void)state;
  swarm s;
  swarm_init(&s, 2, 7, 8);
  memnode *a = &s.nodes[1];
  pqnet_addrman *am = pqnet_node_addrman(a->node);
  pqnet_addr_info info;
  memset(&info, 0, sizeof info);
  for (unsigned i = 0; i < 20; i++) { /* a stored book of 20, none answering */
    info.addr = memnet_addr(100 + i);
    info.last_seen = s.net.now / 1000;
    assert_int_equal(pqnet_addrman_add(am, &info, 1, &info.addr, s.net.now / 1000), 1);
  }
  pqnet_addr peer = memnet_addr(50), recent[5];
  assert_int_equal(pqnet_node_dial(a->node, &peer, s.net.now), 0); /* --peer */
  for (unsigned i = 0; i < 5; i++) {
    recent[i] = memnet_addr(100 + i);
    assert_int_equal(pqnet_node_dial(a->node, &recent[i], s.net.now), 0);
  }
  pqnet_node_start(a->node, s.net.now);
  pqnet_action act;
  int k = 0, resolves = 0;
  while (pqnet_node_poll(a->node, &act)) {
    if (act.type == PQNET_ACT_RESOLVE) resolves++;
    if (act.type != PQNET_ACT_DIAL) continue;
    if (k == 0) assert_true(pqnet_addr_equal(&act.addr, &peer));
    if (k >= 1 && k <= 5) assert_true(pqnet_addr_equal(&act.addr, &recent[k - 1]));
    k++;
  }
  assert_true(k >= 6);
  assert_int_equal(resolves, 0);
  /* Every dial fails; after connection_timeout the seed is asked. */
  swarm_start(&s, 0); /* the seed is up */
  memnet_add(&s.net, a);
  pqnet_node_dial_failed(a->node, &peer, s.net.now);
  for (int i = 0; i < 5; i++) pqnet_node_dial_failed(a->node, &recent[i], s.net.now);
  memnet_advance(&s.net, 9000);
  assert_int_equal(pqnet_node_get_stats(a->node)->seed_queries, 0);
  memnet_advance(&s.net, 2000);
  assert_int_equal(pqnet_node_get_stats(a->node)->seed_queries, 1);
  assert_true(outbound(a) >= 1);
  swarm_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thirty_nodes_converge),  cmocka_unit_test(test_three_nodes),
      cmocka_unit_test(test_seed_fallback),          cmocka_unit_test(test_addr_rate_limit),
      cmocka_unit_test(test_getaddrs_cap_and_cache), cmocka_unit_test(test_bans),
      cmocka_unit_test(test_startup_order),          cmocka_unit_test(test_relay),
      cmocka_unit_test(test_inbound_eviction),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
