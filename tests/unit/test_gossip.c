/*
 * Gossip (PROTOCOL.md §11) over the in-memory network: one delivery per node,
 * duplicates counted, announce-then-fetch moves each body across each link at
 * most once, invalid messages stop and their senders are banned, caps and the
 * bounded seen-cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memnet.h"
#include "pqnet/error.h"

#define TOPIC 7

typedef struct mesh {
  memnet net;
  memnode *nodes;
  size_t n;
} mesh;

/* n nodes; full mesh when full, else a line 0-1-2-...; discovery quiet. */
static void mesh_init(mesh *m, size_t n, int full, uint64_t seed, const pqnet_node_config *base) {
  memnet_init(&m->net, seed);
  m->n = n;
  m->nodes = calloc(n, sizeof *m->nodes);
  assert_non_null(m->nodes);
  for (size_t k = 0; k < n; k++) {
    pqnet_node_config cfg;
    if (base)
      cfg = *base;
    else
      pqnet_node_config_default(&cfg);
    cfg.feeler_interval_ms = 0;
    memnode_init(&m->nodes[k], seed * 100 + k, &cfg);
    memnet_add(&m->net, &m->nodes[k]);
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = a + 1; b < n; b++)
      if (full || b == a + 1) memnet_link(&m->net, &m->nodes[a], &m->nodes[b]);
  memnet_pump(&m->net);
}

static void mesh_free(mesh *m) {
  for (size_t k = 0; k < m->n; k++) memnode_free(&m->nodes[k]);
  free(m->nodes);
  memnet_free(&m->net);
}

static uint64_t sum_stat(mesh *m, size_t off) {
  uint64_t t = 0;
  for (size_t k = 0; k < m->n; k++)
    t += *(const uint64_t *)((const char *)pqnet_node_get_stats(m->nodes[k].node) + off);
  return t;
}

#define STAT(m, field) sum_stat((m), offsetof(pqnet_node_stats, field))

/* 10 nodes fully meshed: each message reaches every node once; the rest are
 * duplicates. */
static void test_full_mesh_small(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 10, 1, 1, NULL);
  for (int msg = 0; msg < 5; msg++) {
    uint8_t payload[100];
    memset(payload, msg, sizeof payload);
    assert_int_equal(
        pqnet_node_broadcast(m.nodes[msg].node, TOPIC, payload, sizeof payload, NULL, m.net.now),
        0);
    memnet_pump(&m.net);
  }
  for (size_t k = 0; k < 10; k++) {
    /* the 5 messages, minus the ones this node published itself */
    assert_int_equal(m.nodes[k].gossip, k < 5 ? 4 : 5);
    assert_int_equal(m.nodes[k].last_topic, TOPIC);
  }
  uint64_t dupes = STAT(&m, dupes_dropped);
  print_message("10-node mesh, 5 small messages: %llu duplicates dropped\n",
                (unsigned long long)dupes);
  assert_true(dupes > 0);
  /* Each of 9 receivers relays to peers that did not send it: pushes + dupes add up. */
  assert_int_equal(STAT(&m, gossip_received), 45);
  /* Publishing the same message again is a duplicate. */
  uint8_t payload[100];
  memset(payload, 0, sizeof payload);
  assert_int_equal(
      pqnet_node_broadcast(m.nodes[9].node, TOPIC, payload, sizeof payload, NULL, m.net.now),
      PQNET_ERR_STATE);
  mesh_free(&m);
}

/* Large payloads are announced and fetched: every node gets the body once,
 * and full bodies cross links exactly n - 1 times in total. */
static void test_announce_fetch(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 10, 1, 2, NULL);
  size_t len = 100000;
  uint8_t *payload = malloc(len);
  for (size_t i = 0; i < len; i++) payload[i] = (uint8_t)(i * 31);
  uint64_t before = m.net.delivered;
  assert_int_equal(pqnet_node_broadcast(m.nodes[3].node, TOPIC, payload, len, NULL, m.net.now), 0);
  memnet_pump(&m.net);
  for (size_t k = 0; k < 10; k++) {
    assert_int_equal(m.nodes[k].gossip, k == 3 ? 0 : 1);
    if (k != 3) assert_int_equal(m.nodes[k].last_gossip_len, len);
  }
  assert_int_equal(STAT(&m, gossip_sent), 9); /* one body per receiving node */
  uint64_t bytes = m.net.delivered - before;
  print_message("100 kB to 9 nodes: %llu bytes on the wire (%.2f x the body per receiver)\n",
                (unsigned long long)bytes, (double)bytes / (9.0 * (double)len));
  assert_true(bytes < 9 * (len + 200) + 90 * 200);
  free(payload);
  mesh_free(&m);
}

/* A line of 6: a large message travels hop by hop to the far end. */
static void test_line(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 6, 0, 3, NULL);
  uint8_t payload[5000];
  memset(payload, 0x42, sizeof payload);
  assert_int_equal(
      pqnet_node_broadcast(m.nodes[0].node, TOPIC, payload, sizeof payload, NULL, m.net.now), 0);
  memnet_pump(&m.net);
  for (size_t k = 1; k < 6; k++) assert_int_equal(m.nodes[k].gossip, 1);
  assert_int_equal(STAT(&m, gossip_sent), 5);
  mesh_free(&m);
}

/* The application says invalid: not relayed, the sender is banned. Ignored
 * ones are not relayed either, and nobody is punished. */
static void test_invalid_and_ignored(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 3, 0, 4, NULL); /* 0 - 1 - 2 */
  const uint8_t bad[] = "BAD block";
  assert_int_equal(pqnet_node_broadcast(m.nodes[0].node, TOPIC, bad, sizeof bad, NULL, m.net.now),
                   0);
  memnet_pump(&m.net);
  assert_int_equal(m.nodes[1].gossip, 0);
  assert_int_equal(m.nodes[2].gossip, 0);
  assert_int_equal(pqnet_node_get_stats(m.nodes[1].node)->gossip_invalid, 1);
  assert_int_equal(pqnet_node_get_stats(m.nodes[1].node)->bans, 1);
  assert_int_equal(pqnet_node_peer_count(m.nodes[0].node, -1), 0); /* 1 dropped it */
  assert_int_equal(pqnet_node_get_stats(m.nodes[2].node)->gossip_received, 0);
  const uint8_t ign[] = "IGN later";
  assert_int_equal(pqnet_node_broadcast(m.nodes[2].node, TOPIC, ign, sizeof ign, NULL, m.net.now),
                   0);
  memnet_pump(&m.net);
  assert_int_equal(pqnet_node_get_stats(m.nodes[1].node)->bans, 1);
  assert_int_equal(pqnet_node_peer_count(m.nodes[1].node, -1), 1);
  mesh_free(&m);
}

/* Per-topic caps: publishing over the cap fails; a peer pushing over it is banned. */
static void test_caps(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 2, 0, 5, NULL);
  assert_int_equal(pqnet_node_gossip_set_cap(m.nodes[1].node, TOPIC, 100), 0);
  assert_int_equal(pqnet_node_gossip_set_cap(m.nodes[1].node, TOPIC, 1u << 30),
                   PQNET_ERR_TOO_LARGE);
  uint8_t payload[500] = {1};
  assert_int_equal(
      pqnet_node_broadcast(m.nodes[1].node, TOPIC, payload, sizeof payload, NULL, m.net.now),
      PQNET_ERR_TOO_LARGE);
  assert_int_equal(
      pqnet_node_broadcast(m.nodes[0].node, TOPIC, payload, sizeof payload, NULL, m.net.now), 0);
  memnet_pump(&m.net);
  assert_int_equal(m.nodes[1].gossip, 0);
  assert_int_equal(pqnet_node_get_stats(m.nodes[1].node)->bans, 1);
  mesh_free(&m);
}

/* The seen-cache holds at most gossip_seen_max ids, and forgets after its TTL. */
static void test_seen_cache_bounds(void **state) {
  (void)state;
  pqnet_node_config cfg;
  pqnet_node_config_default(&cfg);
  cfg.gossip_seen_max = 64;
  cfg.gossip_seen_ttl_ms = 60000;
  mesh m;
  mesh_init(&m, 2, 0, 6, &cfg);
  for (int i = 0; i < 200; i++) {
    uint8_t payload[8] = {(uint8_t)i, (uint8_t)(i >> 8)};
    assert_int_equal(
        pqnet_node_broadcast(m.nodes[0].node, TOPIC, payload, sizeof payload, NULL, m.net.now), 0);
  }
  memnet_pump(&m.net);
  assert_int_equal(m.nodes[1].gossip, 200);
  /* Message 0 fell out of node 0's cache (only 64 kept): publishing it again works. */
  uint8_t first[8] = {0, 0};
  assert_int_equal(
      pqnet_node_broadcast(m.nodes[0].node, TOPIC, first, sizeof first, NULL, m.net.now), 0);
  /* The newest is still known; after the TTL it is forgotten too. */
  uint8_t last[8] = {199, 0};
  assert_int_equal(pqnet_node_broadcast(m.nodes[0].node, TOPIC, last, sizeof last, NULL, m.net.now),
                   PQNET_ERR_STATE);
  memnet_advance(&m.net, 61000);
  assert_int_equal(pqnet_node_broadcast(m.nodes[0].node, TOPIC, last, sizeof last, NULL, m.net.now),
                   0);
  mesh_free(&m);
}

/* An announcer that never delivers the body: after gossip_fetch_timeout the
 * node fetches it from the next announcer. Links are made in order (0,1),
 * (0,2), (1,2), so node 0's end of the 0-2 link is conn 3. The tap drops
 * every large frame 0 -> 2 (the body), which also breaks that link's
 * channel, as a real lost frame would. */
static int drop_body_tap(void *ctx, memlink *l, int dir_ab, uint8_t *data, size_t len) {
  (void)ctx;
  (void)data;
  return !(l->conn_a == 3 && dir_ab == 1 && len > 1000);
}

static void test_fetch_timeout(void **state) {
  (void)state;
  mesh m;
  mesh_init(&m, 3, 1, 7, NULL);
  m.net.tap = drop_body_tap;
  uint8_t *payload = calloc(1, 4000);
  payload[0] = 9;
  assert_int_equal(pqnet_node_broadcast(m.nodes[0].node, TOPIC, payload, 4000, NULL, m.net.now), 0);
  memnet_pump(&m.net);
  assert_int_equal(m.nodes[1].gossip, 1);
  assert_int_equal(m.nodes[2].gossip, 0); /* waiting on node 0 */
  memnet_advance(&m.net, 4000);
  assert_int_equal(m.nodes[2].gossip, 0);
  memnet_advance(&m.net, 2000); /* past the 5 s fetch timeout */
  assert_int_equal(m.nodes[2].gossip, 1);
  assert_int_equal(pqnet_node_get_stats(m.nodes[2].node)->gossip_fetches, 2);
  free(payload);
  mesh_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_mesh_small),
      cmocka_unit_test(test_announce_fetch),
      cmocka_unit_test(test_line),
      cmocka_unit_test(test_invalid_and_ignored),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_seen_cache_bounds),
      cmocka_unit_test(test_fetch_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
