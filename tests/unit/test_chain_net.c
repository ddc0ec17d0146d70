/*
 * The devnet chain over the in-memory network (docs/chain.md §6): blocks
 * reach every node once with the rest counted as duplicates, large blocks
 * are announced and fetched, a child delivered before its parent connects
 * once the parent is fetched (from the announcer, then from another peer),
 * a block with bad proof of work is not relayed, not stored, and its sender
 * is banned, a late joiner syncs 200 blocks from several peers and gets
 * past a stalled one, a node on a shorter fork locates the fork and
 * reorganises, and mining from the timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain/sync_msg.h"
#include "chainnet.h"
#include "pqnet/error.h"

static uint8_t easy[32];

static int setup(void **state) {
  (void)state;
  chainnet_target(4, easy);
  return 0;
}

typedef struct cnet {
  memnet net;
  chainnode *nodes;
  size_t n;
} cnet;

static void cnet_init(cnet *c, size_t n, uint64_t seed, const pqnet_chain_app_config *per_node) {
  memnet_init(&c->net, seed);
  c->n = n;
  c->nodes = calloc(n, sizeof *c->nodes);
  assert_non_null(c->nodes);
  for (size_t k = 0; k < n; k++) {
    pqnet_chain_app_config a;
    if (per_node) {
      a = per_node[k];
    } else {
      pqnet_chain_app_config_default(&a);
    }
    a.target = easy;
    chainnode_init(&c->nodes[k], &c->net, seed * 1000 + k, NULL, &a);
  }
}

static void cnet_free(cnet *c) {
  for (size_t k = 0; k < c->n; k++) chainnode_free(&c->nodes[k]);
  free(c->nodes);
  memnet_free(&c->net);
}

static void link_nodes(cnet *c, size_t a, size_t b) {
  memnet_link(&c->net, &c->nodes[a].m, &c->nodes[b].m);
}

static pqnet_chain *chain_of(cnet *c, size_t k) {
  return pqnet_chain_app_chain(c->nodes[k].app);
}

static const pqnet_chain_net_stats *net_stats(cnet *c, size_t k) {
  return pqnet_chain_net_get_stats(pqnet_chain_app_net(c->nodes[k].app));
}

static const pqnet_node_stats *node_stats(cnet *c, size_t k) {
  return pqnet_node_get_stats(c->nodes[k].m.node);
}

/* Node k mines the next block on its own tip and publishes it. */
static void mine_on(cnet *c, size_t k, uint32_t tag, size_t plen, uint8_t id[32]) {
  uint8_t blk[PQNET_BLOCK_MAX_LEN];
  pqnet_chain_result res;
  size_t len = chainnet_next_block(chain_of(c, k), c->net.now, easy, tag, plen, blk);
  assert_int_equal(pqnet_chain_app_submit(c->nodes[k].app, blk, len, c->net.now, &res), 0);
  assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  if (id) memcpy(id, res.id, 32);
}

static void assert_same_tip(cnet *c, size_t a, size_t b) {
  uint8_t ta[32], tb[32];
  pqnet_chain_tip(chain_of(c, a), ta);
  pqnet_chain_tip(chain_of(c, b), tb);
  assert_memory_equal(ta, tb, 32);
}

/* 10 nodes fully meshed: each block is accepted once per node; every other
 * copy is a duplicate the library drops before the application sees it. */
static void test_mesh_once_per_node(void **state) {
  (void)state;
  cnet c;
  cnet_init(&c, 10, 1, NULL);
  for (size_t a = 0; a < 10; a++)
    for (size_t b = a + 1; b < 10; b++) link_nodes(&c, a, b);
  memnet_pump(&c.net);
  const int blocks = 6;
  for (int i = 0; i < blocks; i++) {
    /* Small blocks are pushed; every third one is large (announced, fetched). */
    mine_on(&c, (size_t)i % 10, (uint32_t)i, i % 3 == 2 ? 2000 : 16, NULL);
    memnet_pump(&c.net);
    c.net.now += 1000;
  }
  uint64_t dupes = 0, announces = 0;
  for (size_t k = 0; k < 10; k++) {
    int mined = k < (size_t)blocks ? 1 : 0;
    assert_int_equal(pqnet_chain_height(chain_of(&c, k)), blocks);
    assert_int_equal(net_stats(&c, k)->gossip_connected, (uint64_t)(blocks - mined));
    assert_int_equal(c.nodes[k].verdicts[2], blocks - mined); /* once per node */
    assert_int_equal(net_stats(&c, k)->gossip_duplicates, 0);
    assert_int_equal(net_stats(&c, k)->gossip_orphans, 0);
    assert_int_equal(pqnet_chain_get_stats(chain_of(&c, k))->duplicates, 0);
    assert_same_tip(&c, 0, k);
    dupes += node_stats(&c, k)->dupes_dropped;
    announces += node_stats(&c, k)->announces_received;
  }
  print_message("10-node mesh, %d blocks: %llu duplicates dropped, %llu announces\n", blocks,
                (unsigned long long)dupes, (unsigned long long)announces);
  /* Each block reaches 9 nodes over 45 links: pushes beyond the first copy
   * per node are duplicates. */
  assert_true(dupes >= (uint64_t)blocks * 9);
  assert_true(announces > 0);
  char json[256];
  pqnet_chain_app_head_json(c.nodes[3].app, json, sizeof json);
  assert_non_null(strstr(json, "\"height\": 6"));
  assert_non_null(strstr(json, "\"blocks\": 7"));
  assert_non_null(strstr(json, "\"orphans\": 0"));
  char metrics[4096];
  int k = pqnet_chain_app_metrics(c.nodes[3].app, metrics, sizeof metrics);
  assert_true(k > 0 && (size_t)k < sizeof metrics);
  assert_non_null(strstr(metrics, "\npqnet_chain_height 6\n"));
  assert_non_null(strstr(metrics, "pqnet_p2p_announces_received_total "));
  cnet_free(&c);
}

/* A child gossiped before its parent is kept as an orphan, relayed, and its
 * parent fetched from the announcing peer; it connects when it arrives. */
static void test_orphan_parent_fetched(void **state) {
  (void)state;
  cnet c;
  cnet_init(&c, 3, 2, NULL); /* 0 - 1 - 2 */
  link_nodes(&c, 0, 1);
  link_nodes(&c, 1, 2);
  memnet_pump(&c.net);
  /* Node 0 gets blocks 1 and 2 without telling anyone... */
  uint8_t b1[PQNET_BLOCK_MAX_LEN], b2[PQNET_BLOCK_MAX_LEN];
  size_t l1 = chainnet_next_block(chain_of(&c, 0), c.net.now, easy, 1, 8, b1);
  assert_int_equal(pqnet_chain_add(chain_of(&c, 0), b1, l1, c.net.now, NULL), 0);
  size_t l2 = chainnet_next_block(chain_of(&c, 0), c.net.now, easy, 2, 8, b2);
  assert_int_equal(pqnet_chain_add(chain_of(&c, 0), b2, l2, c.net.now, NULL), 0);
  /* ...then gossips only the child. */
  assert_int_equal(
      pqnet_node_broadcast(c.nodes[0].m.node, PQNET_BLOCK_TOPIC, b2, l2, NULL, c.net.now), 0);
  memnet_pump(&c.net);
  for (size_t k = 1; k < 3; k++) {
    assert_int_equal(pqnet_chain_height(chain_of(&c, k)), 2);
    assert_int_equal(net_stats(&c, k)->gossip_orphans, 1); /* relayed as an orphan */
    assert_int_equal(pqnet_chain_orphan_count(chain_of(&c, k)), 0);
    assert_same_tip(&c, 0, k);
  }
  assert_int_equal(net_stats(&c, 1)->getblock_sent, 1);
  assert_int_equal(net_stats(&c, 0)->getblock_served, 1); /* the announcer served it */
  /* Node 2 asked node 1 before node 1 had it (NotFound); node 1 gossiped
   * the parent on once fetched, and node 2 connected both. */
  assert_int_equal(net_stats(&c, 1)->notfound_sent, 1);
  assert_int_equal(net_stats(&c, 1)->fetched_relayed, 1);
  assert_int_equal(net_stats(&c, 2)->gossip_connected, 1);
  /* Nothing left to ask for: no timer work pending. */
  assert_int_equal(pqnet_chain_net_next_deadline(pqnet_chain_app_net(c.nodes[2].app)), UINT64_MAX);
  cnet_free(&c);
}

/* The announcer lacks the parent: NotFound, then another peer is asked; and
 * when nobody has it, the orphan waits until the parent arrives by gossip. */
static void test_orphan_parent_from_other_peer(void **state) {
  (void)state;
  cnet c;
  cnet_init(&c, 3, 3, NULL); /* 1 linked to 0 and 2 */
  link_nodes(&c, 1, 0);
  link_nodes(&c, 1, 2);
  memnet_pump(&c.net);
  uint8_t b1[PQNET_BLOCK_MAX_LEN], b2[PQNET_BLOCK_MAX_LEN], parent[32];
  memcpy(parent, pqnet_chain_genesis(chain_of(&c, 0)), 32);
  size_t l1 = chainnet_make_block(parent, 1, c.net.now, easy, 1, 8, 0, b1);
  pqnet_block bb;
  assert_int_equal(pqnet_block_decode(b1, l1, &bb), 0);
  size_t l2 = chainnet_make_block(bb.id, 2, c.net.now + 1, easy, 2, 8, 0, b2);
  /* Node 2 has block 1; node 0 has neither and pushes block 2 through gossip. */
  assert_int_equal(pqnet_chain_add(chain_of(&c, 2), b1, l1, c.net.now, NULL), 0);
  assert_int_equal(
      pqnet_node_broadcast(c.nodes[0].m.node, PQNET_BLOCK_TOPIC, b2, l2, NULL, c.net.now), 0);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 1)), 2);
  assert_int_equal(net_stats(&c, 0)->notfound_sent, 1);
  assert_int_equal(net_stats(&c, 2)->getblock_served, 1);
  assert_int_equal(net_stats(&c, 1)->getblock_sent, 2);

  /* Nobody has the parent of block 4: it waits in the pool. */
  uint8_t b3[PQNET_BLOCK_MAX_LEN], b4[PQNET_BLOCK_MAX_LEN];
  pqnet_block_decode(b2, l2, &bb);
  size_t l3 = chainnet_make_block(bb.id, 3, c.net.now + 2, easy, 3, 8, 0, b3);
  pqnet_block_decode(b3, l3, &bb);
  size_t l4 = chainnet_make_block(bb.id, 4, c.net.now + 3, easy, 4, 8, 0, b4);
  assert_int_equal(
      pqnet_node_broadcast(c.nodes[0].m.node, PQNET_BLOCK_TOPIC, b4, l4, NULL, c.net.now), 0);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 1)), 2);
  assert_int_equal(pqnet_chain_orphan_count(chain_of(&c, 1)), 1);
  /* Block 3 arrives by gossip: block 4 connects from the pool. */
  assert_int_equal(
      pqnet_node_broadcast(c.nodes[0].m.node, PQNET_BLOCK_TOPIC, b3, l3, NULL, c.net.now), 0);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 1)), 4);
  assert_int_equal(pqnet_chain_orphan_count(chain_of(&c, 1)), 0);
  assert_int_equal(pqnet_chain_get_stats(chain_of(&c, 1))->orphans_connected, 2);
  cnet_free(&c);
}

/* Bad proof of work from a peer: not relayed, not stored, the sender banned. */
static void test_invalid_pow_banned(void **state) {
  (void)state;
  cnet c;
  cnet_init(&c, 3, 4, NULL); /* 0 - 1 - 2 */
  link_nodes(&c, 0, 1);
  link_nodes(&c, 1, 2);
  memnet_pump(&c.net);
  uint8_t blk[PQNET_BLOCK_MAX_LEN];
  size_t len =
      chainnet_make_block(pqnet_chain_genesis(chain_of(&c, 0)), 1, c.net.now, easy, 5, 8, 1, blk);
  pqnet_block b;
  assert_int_equal(pqnet_block_decode(blk, len, &b), 0);
  assert_int_equal(
      pqnet_node_broadcast(c.nodes[0].m.node, PQNET_BLOCK_TOPIC, blk, len, NULL, c.net.now), 0);
  memnet_pump(&c.net);
  /* Judged invalid by node 1, whose node banned and dropped node 0. */
  assert_int_equal(c.nodes[1].verdicts[0], 1);
  assert_int_equal(net_stats(&c, 1)->gossip_invalid, 1);
  assert_int_equal(node_stats(&c, 1)->bans, 1);
  assert_int_equal(node_stats(&c, 1)->gossip_invalid, 1);
  assert_int_equal(pqnet_node_peer_count(c.nodes[0].m.node, -1), 0);
  /* Not stored. */
  assert_int_equal(pqnet_chain_have(chain_of(&c, 1), b.id), 0);
  assert_int_equal(pqnet_chain_block_count(chain_of(&c, 1)), 1);
  assert_int_equal(pqnet_chain_orphan_count(chain_of(&c, 1)), 0);
  /* Not relayed: node 2 never saw it. */
  assert_int_equal(c.nodes[2].m.gossip, 0);
  assert_int_equal(node_stats(&c, 2)->gossip_received, 0);
  assert_int_equal(pqnet_chain_block_count(chain_of(&c, 2)), 1);
  /* Node 1 and 2 still talk: a good block goes through. */
  mine_on(&c, 1, 6, 8, NULL);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 2)), 1);
  cnet_free(&c);
}

/* Give node k the chain of `blocks` blocks (same blocks for every k). */
static void preload(cnet *c, size_t k, uint8_t (*blks)[PQNET_BLOCK_MAX_LEN], const size_t *lens,
                    size_t blocks) {
  for (size_t i = 0; i < blocks; i++) {
    pqnet_chain_result res;
    assert_int_equal(pqnet_chain_app_submit(c->nodes[k].app, blks[i], lens[i], c->net.now, &res),
                     0);
    assert_int_equal(res.status, PQNET_CHAIN_CONNECTED);
  }
}

static void build_chain(uint64_t now, size_t blocks, uint8_t (*blks)[PQNET_BLOCK_MAX_LEN],
                        size_t *lens, uint32_t tag) {
  pqnet_chain_config cfg;
  pqnet_chain *tmp;
  pqnet_chain_config_default(&cfg, "devnet");
  memcpy(cfg.pow_limit, easy, 32);
  assert_int_equal(pqnet_chain_open(&cfg, now, &tmp), 0);
  for (size_t i = 0; i < blocks; i++) {
    lens[i] = chainnet_next_block(tmp, now + i * 1000, easy, tag + (uint32_t)i, 16, blks[i]);
    assert_int_equal(pqnet_chain_add(tmp, blks[i], lens[i], now + i * 1000, NULL), 0);
  }
  pqnet_chain_close(tmp);
}

/* A late joiner with an empty chain syncs 200 blocks, asking several peers. */
static void test_late_joiner(void **state) {
  (void)state;
  enum { PEERS = 4, BLOCKS = 200 };
  cnet c;
  cnet_init(&c, PEERS + 1, 5, NULL);
  uint8_t(*blks)[PQNET_BLOCK_MAX_LEN] = malloc(BLOCKS * sizeof *blks);
  size_t lens[BLOCKS];
  build_chain(c.net.now, BLOCKS, blks, lens, 0);
  c.net.now += BLOCKS * 1000;
  for (size_t k = 0; k < PEERS; k++) preload(&c, k, blks, lens, BLOCKS);
  for (size_t k = 0; k < PEERS; k++) link_nodes(&c, PEERS, k);
  memnet_pump(&c.net);
  pqnet_chain *j = chain_of(&c, PEERS);
  assert_int_equal(pqnet_chain_height(j), BLOCKS);
  assert_same_tip(&c, 0, PEERS);
  const pqnet_chain_net_stats *js = net_stats(&c, PEERS);
  int servers = 0;
  for (size_t k = 0; k < PEERS; k++)
    if (net_stats(&c, k)->getblocks_served > 0) servers++;
  print_message("late joiner: %llu GetBlocks to %llu peers, %d peers served, %llu blocks synced\n",
                (unsigned long long)js->getblocks_sent, (unsigned long long)js->sync_peers_used,
                servers, (unsigned long long)js->blocks_synced);
  assert_true(servers >= 2);
  assert_true(js->sync_peers_used >= 2);
  assert_int_equal(js->blocks_synced, BLOCKS);
  assert_false(pqnet_chain_net_syncing(pqnet_chain_app_net(c.nodes[PEERS].app)));
  assert_int_equal(pqnet_chain_app_height(c.nodes[PEERS].app), BLOCKS);
  free(blks);
  cnet_free(&c);
}

/* One of three peers never answers: its windows time out and go to others. */
static void test_stalled_peer(void **state) {
  (void)state;
  enum { PEERS = 3, BLOCKS = 200 };
  pqnet_chain_app_config cfgs[PEERS + 1];
  for (size_t k = 0; k <= PEERS; k++) pqnet_chain_app_config_default(&cfgs[k]);
  cfgs[0].net.no_serve = 1; /* the staller */
  cnet c;
  cnet_init(&c, PEERS + 1, 6, cfgs);
  uint8_t(*blks)[PQNET_BLOCK_MAX_LEN] = malloc(BLOCKS * sizeof *blks);
  size_t lens[BLOCKS];
  build_chain(c.net.now, BLOCKS, blks, lens, 0);
  c.net.now += BLOCKS * 1000;
  for (size_t k = 0; k < PEERS; k++) preload(&c, k, blks, lens, BLOCKS);
  /* Link the staller first so it is asked first. */
  for (size_t k = 0; k < PEERS; k++) link_nodes(&c, PEERS, k);
  memnet_pump(&c.net);
  pqnet_chain *j = chain_of(&c, PEERS);
  uint64_t before = pqnet_chain_height(j);
  assert_true(before < BLOCKS); /* the staller holds a window */
  chainnet_advance(&c.net, c.nodes, c.n, 12000, 500);
  const pqnet_chain_net_stats *js = net_stats(&c, PEERS);
  print_message(
      "stalled peer: height %llu before the timeout, %llu after; %llu windows timed out\n",
      (unsigned long long)before, (unsigned long long)pqnet_chain_height(j),
      (unsigned long long)js->windows_timed_out);
  assert_int_equal(pqnet_chain_height(j), BLOCKS);
  assert_true(js->windows_timed_out >= 1);
  assert_int_equal(net_stats(&c, 0)->getblocks_served, 0);
  assert_int_equal(pqnet_node_peer_count(c.nodes[PEERS].m.node, -1), PEERS); /* nobody banned */
  free(blks);
  cnet_free(&c);
}

/* Node 0 is on a short fork; node 1's branch forks below 0's tip and is
 * longer. 0 asks for heights above its tip, finds they do not link,
 * locates the fork and reorganises onto 1's branch. */
static void test_fork_located(void **state) {
  (void)state;
  enum { COMMON = 10, A = 20, B = 35 };
  cnet c;
  cnet_init(&c, 2, 7, NULL);
  uint8_t(*blks)[PQNET_BLOCK_MAX_LEN] = malloc(B * sizeof *blks);
  size_t lens[B];
  build_chain(c.net.now, COMMON, blks, lens, 0);
  preload(&c, 0, blks, lens, COMMON);
  preload(&c, 1, blks, lens, COMMON);
  c.net.now += 100000;
  for (int i = COMMON; i < A; i++) mine_on(&c, 0, 1000 + (uint32_t)i, 8, NULL);
  for (int i = COMMON; i < B; i++) mine_on(&c, 1, 2000 + (uint32_t)i, 8, NULL);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 0)), A);
  link_nodes(&c, 0, 1);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 0)), B);
  assert_same_tip(&c, 0, 1);
  assert_int_equal(net_stats(&c, 0)->locates_sent, 1);
  assert_int_equal(net_stats(&c, 1)->locates_served, 1);
  assert_int_equal(pqnet_chain_get_stats(chain_of(&c, 0))->max_reorg_depth, A - COMMON);
  free(blks);
  cnet_free(&c);
}

/* Mining from the timer: blocks found by two miners reach both chains. */
static void test_mining_timer(void **state) {
  (void)state;
  pqnet_chain_app_config cfgs[3];
  for (size_t k = 0; k < 3; k++) {
    pqnet_chain_app_config_default(&cfgs[k]);
    cfgs[k].mine = k < 2;
    cfgs[k].mine_slice_hashes = 8;
  }
  cnet c;
  cnet_init(&c, 3, 8, cfgs);
  link_nodes(&c, 0, 1);
  link_nodes(&c, 1, 2);
  memnet_pump(&c.net);
  for (int i = 0; i < 200; i++) {
    c.net.now += 10;
    chainnet_timers(c.nodes, c.n);
  }
  uint64_t mined =
      pqnet_chain_app_blocks_mined(c.nodes[0].app) + pqnet_chain_app_blocks_mined(c.nodes[1].app);
  print_message("timer mining: %llu blocks mined, height %llu\n", (unsigned long long)mined,
                (unsigned long long)pqnet_chain_app_height(c.nodes[2].app));
  assert_true(mined >= 10);
  assert_int_equal(pqnet_chain_app_blocks_mined(c.nodes[2].app), 0);
  assert_true(pqnet_chain_app_height(c.nodes[2].app) >= 5);
  /* Two miners may end on a tie; one more block on node 0 settles it. */
  pqnet_chain_app_set_mining(c.nodes[0].app, 0);
  pqnet_chain_app_set_mining(c.nodes[1].app, 0);
  mine_on(&c, 0, 77, 8, NULL);
  memnet_pump(&c.net);
  assert_same_tip(&c, 0, 2);
  assert_same_tip(&c, 1, 2);
  cnet_free(&c);
}

/* Malformed sync messages are violations: the sender is disconnected and
 * banned. Unsolicited answers are ignored. */
static void test_sync_violations(void **state) {
  (void)state;
  cnet c;
  cnet_init(&c, 2, 9, NULL);
  link_nodes(&c, 0, 1);
  memnet_pump(&c.net);
  uint8_t body[64];
  size_t len;
  /* An unsolicited Blocks answer with no blocks: ignored. */
  uint8_t zero[PQNET_SYNC_BLOCKS_HDR] = {0};
  assert_int_equal(pqnet_node_send(c.nodes[0].m.node, c.nodes[0].m.last_conn, PQNET_CHAIN_PROTO,
                                   PQNET_SYNC_BLOCKS, zero, sizeof zero, c.net.now),
                   0);
  memnet_pump(&c.net);
  assert_int_equal(net_stats(&c, 1)->unsolicited, 1);
  assert_int_equal(pqnet_node_peer_count(c.nodes[1].m.node, -1), 1);
  /* A GetBlocks for 0 blocks: malformed. */
  pqnet_sync_getblocks_encode(1, 1, body, sizeof body, &len);
  body[9] = 0;
  assert_int_equal(pqnet_node_send(c.nodes[0].m.node, c.nodes[0].m.last_conn, PQNET_CHAIN_PROTO,
                                   PQNET_SYNC_GETBLOCKS, body, len, c.net.now),
                   0);
  memnet_pump(&c.net);
  assert_int_equal(net_stats(&c, 1)->peers_penalised, 1);
  assert_int_equal(node_stats(&c, 1)->bans, 1);
  assert_int_equal(pqnet_node_peer_count(c.nodes[1].m.node, -1), 0);
  cnet_free(&c);
}

/* Answers cut by the server's byte budget: the rest of each window is asked
 * again (of another peer first) until the joiner has everything. */
static void test_partial_answers(void **state) {
  (void)state;
  enum { PEERS = 2, BLOCKS = 60 };
  pqnet_chain_app_config cfgs[PEERS + 1];
  for (size_t k = 0; k <= PEERS; k++) {
    pqnet_chain_app_config_default(&cfgs[k]);
    cfgs[k].net.max_response_bytes = 10000; /* four 2 kB blocks an answer */
  }
  cnet c;
  cnet_init(&c, PEERS + 1, 10, cfgs);
  uint8_t(*blks)[PQNET_BLOCK_MAX_LEN] = malloc(BLOCKS * sizeof *blks);
  size_t lens[BLOCKS];
  pqnet_chain_config cfg;
  pqnet_chain *tmp;
  pqnet_chain_config_default(&cfg, "devnet");
  memcpy(cfg.pow_limit, easy, 32);
  assert_int_equal(pqnet_chain_open(&cfg, c.net.now, &tmp), 0);
  for (size_t i = 0; i < BLOCKS; i++) {
    lens[i] = chainnet_next_block(tmp, c.net.now, easy, (uint32_t)i, 2000, blks[i]);
    assert_int_equal(pqnet_chain_add(tmp, blks[i], lens[i], c.net.now, NULL), 0);
  }
  pqnet_chain_close(tmp);
  for (size_t k = 0; k < PEERS; k++) preload(&c, k, blks, lens, BLOCKS);
  for (size_t k = 0; k < PEERS; k++) link_nodes(&c, PEERS, k);
  memnet_pump(&c.net);
  const pqnet_chain_net_stats *js = net_stats(&c, PEERS);
  print_message("partial answers: %llu GetBlocks for %d blocks\n",
                (unsigned long long)js->getblocks_sent, BLOCKS);
  assert_int_equal(pqnet_chain_height(chain_of(&c, PEERS)), BLOCKS);
  assert_true(js->getblocks_sent >= BLOCKS / 4);
  assert_int_equal(js->windows_timed_out, 0);
  free(blks);
  cnet_free(&c);
}

/* A peer whose chain breaks our rules (its blocks are easier than our
 * proof-of-work limit) is disconnected and banned when it serves them, and
 * nothing of it is stored. */
static void test_sync_invalid_served(void **state) {
  (void)state;
  uint8_t hard[32];
  chainnet_target(8, hard);
  cnet c;
  cnet_init(&c, 2, 11, NULL); /* both at the easy limit */
  /* Rebuild node 1 with a harder limit than node 0's blocks meet. */
  chainnode_free(&c.nodes[1]);
  c.net.nnodes--;
  pqnet_chain_app_config a;
  pqnet_chain_app_config_default(&a);
  a.target = hard;
  chainnode_init(&c.nodes[1], &c.net, 11 * 1000 + 1, NULL, &a);
  for (int i = 0; i < 30; i++) mine_on(&c, 0, (uint32_t)i, 8, NULL);
  link_nodes(&c, 1, 0);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_height(chain_of(&c, 1)), 0);
  assert_int_equal(pqnet_chain_block_count(chain_of(&c, 1)), 1);
  assert_int_equal(net_stats(&c, 1)->peers_penalised, 1);
  assert_int_equal(node_stats(&c, 1)->bans, 1);
  assert_int_equal(pqnet_node_peer_count(c.nodes[1].m.node, -1), 0);
  cnet_free(&c);
}

/* A peer claims a long chain (Hello height 1000) and never serves it: the
 * node does not mine while it tries to sync, but after a few timeouts it
 * stops believing the claim, and mines again. */
static void test_liar_does_not_stall_mining(void **state) {
  (void)state;
  pqnet_chain_app_config cfgs[2];
  pqnet_chain_app_config_default(&cfgs[0]);
  pqnet_chain_app_config_default(&cfgs[1]);
  cfgs[0].net.no_serve = 1; /* the liar */
  cfgs[1].mine = 1;
  cfgs[1].mine_slice_hashes = 8;
  cnet c;
  cnet_init(&c, 2, 13, cfgs);
  pqnet_node_set_best_height(c.nodes[0].m.node, 1000);
  link_nodes(&c, 1, 0);
  memnet_pump(&c.net);
  assert_true(pqnet_chain_net_syncing(pqnet_chain_app_net(c.nodes[1].app)));
  chainnet_advance(&c.net, c.nodes, c.n, 2000, 100);
  assert_int_equal(pqnet_chain_app_blocks_mined(c.nodes[1].app), 0);
  chainnet_advance(&c.net, c.nodes, c.n, 40000, 100);
  const pqnet_chain_net_stats *js = net_stats(&c, 1);
  print_message("liar: %llu windows timed out; %llu blocks mined after giving up\n",
                (unsigned long long)js->windows_timed_out,
                (unsigned long long)pqnet_chain_app_blocks_mined(c.nodes[1].app));
  assert_false(pqnet_chain_net_syncing(pqnet_chain_app_net(c.nodes[1].app)));
  assert_true(js->windows_timed_out >= 3);
  assert_true(pqnet_chain_app_blocks_mined(c.nodes[1].app) > 0);
  assert_int_equal(pqnet_node_peer_count(c.nodes[1].m.node, -1), 1); /* not banned */
  cnet_free(&c);
}

/* The app keeps its chain in <base>/chain.sqlite: after a restart the
 * height is back, announced in Hello, and an empty node syncs from it. */
static void test_app_restart(void **state) {
  (void)state;
  char dir[] = "/tmp/pqnet-chainapp-XXXXXX";
  assert_non_null(mkdtemp(dir));
  pqnet_chain_app_config cfgs[2];
  pqnet_chain_app_config_default(&cfgs[0]);
  pqnet_chain_app_config_default(&cfgs[1]);
  cfgs[0].base_path = dir;
  cnet c;
  cnet_init(&c, 2, 12, cfgs);
  uint8_t tip[32];
  for (int i = 0; i < 25; i++) mine_on(&c, 0, (uint32_t)i, 8, tip);
  /* Restart node 0 (same identity seed, same base path). */
  chainnode_free(&c.nodes[0]);
  c.net.nodes[0] = c.net.nodes[1];
  c.net.nnodes--;
  pqnet_chain_app_config a = cfgs[0];
  a.target = easy;
  chainnode_init(&c.nodes[0], &c.net, 12 * 1000, NULL, &a);
  assert_int_equal(pqnet_chain_app_height(c.nodes[0].app), 25);
  uint8_t tip2[32];
  pqnet_chain_tip(chain_of(&c, 0), tip2);
  assert_memory_equal(tip, tip2, 32);
  link_nodes(&c, 1, 0);
  memnet_pump(&c.net);
  assert_int_equal(pqnet_chain_app_height(c.nodes[1].app), 25);
  cnet_free(&c);
  char path[128];
  snprintf(path, sizeof path, "%s/chain.sqlite", dir);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mesh_once_per_node),
      cmocka_unit_test(test_orphan_parent_fetched),
      cmocka_unit_test(test_orphan_parent_from_other_peer),
      cmocka_unit_test(test_invalid_pow_banned),
      cmocka_unit_test(test_late_joiner),
      cmocka_unit_test(test_stalled_peer),
      cmocka_unit_test(test_fork_located),
      cmocka_unit_test(test_mining_timer),
      cmocka_unit_test(test_sync_violations),
      cmocka_unit_test(test_partial_answers),
      cmocka_unit_test(test_sync_invalid_served),
      cmocka_unit_test(test_liar_does_not_stall_mining),
      cmocka_unit_test(test_app_restart),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
