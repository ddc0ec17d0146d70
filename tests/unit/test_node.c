/*
 * Node core and session tests over the in-memory network (tests/common/memnet):
 * the handshake and channel of PROTOCOL.md §3-§6 and every failure path of §9.
 * Each test names the section it checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memnet.h"
#include "pqnet/error.h"
#include "session/identity.h"
#include "session/session.h"
#include "wire/msg.h"

typedef struct fixture {
  memnet net;
  memnode a, b;
} fixture;

static fixture *fx_new(uint64_t seed, const pqnet_node_config *ca, const pqnet_node_config *cb) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  memnet_init(&f->net, seed);
  memnode_init(&f->a, seed * 2 + 1, ca);
  memnode_init(&f->b, seed * 2 + 2, cb);
  memnet_add(&f->net, &f->a);
  memnet_add(&f->net, &f->b);
  return f;
}

static void fx_free(fixture *f) {
  memnode_free(&f->a);
  memnode_free(&f->b);
  memnet_free(&f->net);
  free(f);
}

static void assert_open_pair(fixture *f) {
  assert_int_equal(f->a.connected, 1);
  assert_int_equal(f->b.connected, 1);
  assert_int_equal(f->a.disconnected, 0);
  assert_int_equal(f->b.disconnected, 0);
  /* Each side learned the other's PeerId = SHA3-256(pk) (§4). */
  assert_memory_equal(f->a.last_peer_id, pqnet_identity_peer_id(f->b.id), PQNET_PEER_ID_LEN);
  assert_memory_equal(f->b.last_peer_id, pqnet_identity_peer_id(f->a.id), PQNET_PEER_ID_LEN);
  assert_int_equal(pqnet_node_peer_count(f->a.node, PQNET_OUTBOUND), 1);
  assert_int_equal(pqnet_node_peer_count(f->b.node, PQNET_INBOUND), 1);
}

static void exchange(fixture *f, memlink *l, int count) {
  uint8_t msg[300];
  for (int i = 0; i < count; i++) {
    for (size_t j = 0; j < sizeof msg; j++) msg[j] = (uint8_t)(i + j);
    assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 300, 7, msg, sizeof msg, f->net.now), 0);
    assert_int_equal(pqnet_node_send(f->b.node, l->conn_b, 301, 8, msg, 10 + i % 50, f->net.now),
                     0);
    memnet_pump(&f->net);
    assert_int_equal(f->b.last_proto, 300);
    assert_int_equal(f->b.last_type, 7);
    assert_int_equal(f->b.last_msg_len, sizeof msg);
    assert_memory_equal(f->b.last_msg, msg, sizeof msg);
    assert_int_equal(f->a.last_proto, 301);
    assert_int_equal(f->a.last_msg_len, 10 + i % 50);
  }
}

/* §3-§6: a full handshake, Hello both ways, messages both ways. */
static void handshake_with_chunking(size_t chunk) {
  fixture *f = fx_new(1, NULL, NULL);
  f->net.chunk = chunk;
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_open_pair(f);
  assert_int_equal(f->a.hellos, 1);
  assert_int_equal(f->b.hellos, 1);
  exchange(f, l, 20);
  assert_int_equal(f->b.messages, 20);
  assert_int_equal(f->a.messages, 20);
  fx_free(f);
}

static void test_handshake_whole(void **s) {
  (void)s;
  handshake_with_chunking(0);
}
static void test_handshake_byte_at_a_time(void **s) {
  (void)s;
  handshake_with_chunking(1);
}
static void test_handshake_random_chunks(void **s) {
  (void)s;
  handshake_with_chunking(777);
}

/* Same seeds, same bytes on the wire: the core draws randomness only from the
 * injected RNG (DESIGN.md §2). */
static void test_deterministic(void **s) {
  (void)s;
  uint8_t t1[32], t2[32];
  for (int run = 0; run < 2; run++) {
    fixture *f = fx_new(42, NULL, NULL);
    memlink *l = memnet_link(&f->net, &f->a, &f->b);
    memnet_pump(&f->net);
    exchange(f, l, 3);
    memcpy(run ? t2 : t1, f->net.transcript, 32);
    fx_free(f);
  }
  assert_memory_equal(t1, t2, 32);
  fixture *f = fx_new(43, NULL, NULL);
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_memory_not_equal(t1, f->net.transcript, 32);
  fx_free(f);
}

/* §3.1/§3.4: chain and genesis mismatches end with a Reject that names both
 * values, reported to the initiator in words. */
static void test_chain_mismatch(void **s) {
  (void)s;
  pqnet_node_config ca, cb;
  pqnet_node_config_default(&ca);
  pqnet_node_config_default(&cb);
  strcpy(ca.chain_id, "alpha");
  strcpy(cb.chain_id, "beta");
  fixture *f = fx_new(2, &ca, &cb);
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_int_equal(f->a.connected + f->b.connected, 0);
  assert_int_equal(f->a.last_reason, PQNET_REASON_CHAIN);
  assert_string_equal(f->a.last_text, "peer is on chain beta, we are on alpha");
  assert_int_equal(f->b.last_reason, PQNET_REASON_CHAIN);
  assert_int_equal(pqnet_node_get_stats(f->b.node)->handshakes_failed_by_reason[PQNET_REASON_CHAIN],
                   1);
  fx_free(f);
}

static void test_genesis_mismatch(void **s) {
  (void)s;
  pqnet_node_config ca, cb;
  pqnet_node_config_default(&ca);
  pqnet_node_config_default(&cb);
  cb.genesis[31] = 1;
  fixture *f = fx_new(3, &ca, &cb);
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_int_equal(f->a.connected + f->b.connected, 0);
  assert_int_equal(f->a.last_reason, PQNET_REASON_GENESIS);
  assert_non_null(strstr(f->a.last_text, "peer has genesis 00000000"));
  assert_non_null(strstr(f->a.last_text, "01, we have 0000"));
  fx_free(f);
}

/* Raw responder driving: feed crafted bytes to a lone responder session and
 * read back its reply frame. */
typedef struct raw {
  memnode r;
  pqnet_session s;
} raw;

static raw *raw_new(uint64_t seed) {
  raw *x = calloc(1, sizeof *x);
  assert_non_null(x);
  memnode_init(&x->r, seed, NULL);
  pqnet_session_params p = {.initiator = 0,
                            .chain_id = "devnet",
                            .genesis = x->r.cfg.genesis,
                            .id = x->r.id,
                            .rng = &x->r.rng.rng};
  assert_int_equal(pqnet_session_init(&x->s, &p), 0);
  return x;
}

static void raw_free(raw *x) {
  pqnet_session_free(&x->s);
  memnode_free(&x->r);
  free(x);
}

/* Feed bytes; return the CLOSED reason (0 if still alive) and check the
 * reply is a single clear Reject with that reason when expect_reject. */
static int raw_feed(raw *x, const uint8_t *d, size_t n, int expect_reject) {
  pqnet_sess_event ev;
  int reason = 0;
  while (n > 0) {
    size_t used = pqnet_session_recv(&x->s, d, n, &ev);
    d += used;
    n -= used;
    if (ev.type == PQNET_SEV_CLOSED) reason = ev.reason;
  }
  size_t olen;
  uint8_t *out = pqnet_session_take_output(&x->s, &olen);
  if (expect_reject) {
    assert_non_null(out);
    assert_true(olen >= 8);
    assert_int_equal(out[4], PQNET_HS_REJECT);
    assert_int_equal(out[5] << 8 | out[6], reason);
  }
  free(out);
  return reason;
}

static size_t make_offer(uint8_t *buf, const char *chain) {
  uint8_t epk[PQNET_XWING_PK_LEN] = {0}, nonce[32] = {0}, genesis[32] = {0};
  long n = pqnet_offer_encode(buf + 4, 2000, chain, genesis, epk, nonce);
  assert_true(n > 0);
  buf[0] = buf[1] = 0;
  buf[2] = (uint8_t)(n >> 8);
  buf[3] = (uint8_t)n;
  return (size_t)n + 4;
}

static void test_wrong_magic_and_version(void **s) {
  (void)s;
  uint8_t buf[2100];
  size_t n = make_offer(buf, "devnet");
  raw *x = raw_new(10);
  buf[5] ^= 0x01; /* magic (§3.1 offset 1) */
  assert_int_equal(raw_feed(x, buf, n, 1), PQNET_REASON_BAD_MAGIC);
  raw_free(x);

  n = make_offer(buf, "devnet");
  x = raw_new(11);
  buf[4 + 6] = 2; /* version 2 */
  assert_int_equal(raw_feed(x, buf, n, 1), PQNET_REASON_VERSION);
  raw_free(x);
}

/* An all-zero X-Wing key passes the modulus check, so the responder answers;
 * a key with coefficients >= q fails it and is MALFORMED (§3.1). */
static void test_offer_bad_kem_key(void **s) {
  (void)s;
  uint8_t buf[2100];
  size_t n = make_offer(buf, "devnet");
  memset(buf + 4 + 8 + 6 + 32, 0xff, 1184); /* epk's ML-KEM part: every coefficient 4095 */
  raw *x = raw_new(12);
  assert_int_equal(raw_feed(x, buf, n, 1), PQNET_REASON_MALFORMED);
  raw_free(x);
}

/* §2: a length over 16 KiB during the handshake is refused from the header
 * alone; garbage and truncated Offers are MALFORMED / BAD_MAGIC. */
static void test_oversized_truncated_garbage(void **s) {
  (void)s;
  uint8_t big[4] = {0, 0, 0x40, 0x01}; /* 16385 */
  raw *x = raw_new(13);
  assert_int_equal(raw_feed(x, big, 4, 1), PQNET_REASON_TOO_LARGE);
  raw_free(x);

  uint8_t garbage[64];
  for (size_t i = 0; i < sizeof garbage; i++) garbage[i] = (uint8_t)(i * 37 + 5);
  garbage[0] = garbage[1] = 0;
  garbage[2] = 0;
  garbage[3] = 60;
  x = raw_new(14);
  assert_int_equal(raw_feed(x, garbage, 64, 1), PQNET_REASON_BAD_MAGIC);
  raw_free(x);

  uint8_t buf[2100];
  size_t n = make_offer(buf, "devnet");
  buf[3] -= 1; /* frame one byte shorter than the Offer: truncated body */
  x = raw_new(15);
  assert_int_equal(raw_feed(x, buf, n - 1, 1), PQNET_REASON_MALFORMED);
  raw_free(x);

  uint8_t empty[4] = {0, 0, 0, 0};
  x = raw_new(16);
  assert_int_equal(raw_feed(x, empty, 4, 1), PQNET_REASON_BAD_MAGIC);
  raw_free(x);
}

/* Taps for tampering with the n-th SEND of a direction. */
typedef struct flip {
  int dir_ab;   /* which direction to tamper with */
  int target;   /* which SEND (0-based) in that direction */
  int seen;     /* SENDs seen so far in that direction */
  size_t bit;   /* bit to flip, modulo the SEND's length in bits */
  int drop;     /* drop instead of flipping */
  int drop_all; /* drop every SEND of the direction */
  int done;
} flip;

static int flip_tap(void *ctx, memlink *l, int dir_ab, uint8_t *data, size_t len) {
  flip *t = ctx;
  (void)l;
  if (dir_ab != t->dir_ab) return 1;
  if (t->drop_all) return 0;
  if (t->seen++ != t->target) return 1;
  t->done = 1;
  if (t->drop) return 0;
  size_t bit = t->bit % (len * 8);
  data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  return 1;
}

/* §9: a flipped bit anywhere in any handshake message ends both sides without
 * a session; nothing crashes. SEND 0 a->b is the Offer, 0 b->a the
 * Acceptance, 1 a->b the Confirmation (plus the Hello that follows it). */
static void test_flipped_bits_in_handshake(void **s) {
  (void)s;
  const struct {
    int dir_ab, target;
    size_t len_bits;
  } msgs[] = {{1, 0, (4 + 1294) * 8},
              {0, 0, (4 + PQNET_ACCEPT_LEN) * 8},
              {1, 1, (4 + PQNET_CONFIRM_LEN) * 8}};
  int cases = 0;
  for (size_t m = 0; m < 3; m++) {
    for (int k = 0; k < 12; k++) {
      /* Spread the positions over the message: length prefix, type, every field. */
      size_t bit = (k == 0)    ? 0
                   : (k == 11) ? msgs[m].len_bits - 1
                               : (msgs[m].len_bits * (size_t)k) / 11 + (size_t)k;
      fixture *f = fx_new(100 + m * 20 + (uint64_t)k, NULL, NULL);
      flip t = {.dir_ab = msgs[m].dir_ab, .target = msgs[m].target, .bit = bit};
      f->net.tap = flip_tap;
      f->net.tap_ctx = &t;
      memnet_link(&f->net, &f->a, &f->b);
      memnet_pump(&f->net);
      memnet_advance(&f->net, 11000); /* a frame left incomplete ends by timeout */
      assert_true(t.done);
      /* The tampered direction's receiver never opens; both end up closed. */
      assert_int_equal(pqnet_node_connection_count(f->a.node), 0);
      assert_int_equal(pqnet_node_connection_count(f->b.node), 0);
      assert_int_equal(f->b.connected, 0);
      assert_true(f->a.disconnected >= 1 && f->b.disconnected >= 1);
      cases++;
      fx_free(f);
    }
  }
  assert_int_equal(cases, 36);
}

/* §5: a flipped bit in any channel frame body closes the session with
 * auth-failed and no reply; a flipped bit in the length prefix either makes
 * the frame too large (§2) or fails authentication. */
static void test_flipped_bit_in_channel(void **s) {
  (void)s;
  for (int k = 0; k < 10; k++) {
    fixture *f = fx_new(200 + (uint64_t)k, NULL, NULL);
    memlink *l = memnet_link(&f->net, &f->a, &f->b);
    memnet_pump(&f->net);
    assert_open_pair(f);
    /* k 0..1: the length prefix; then bits spread over the 59-byte body
     * (4-byte prefix, 3-byte header, 40-byte message, 16-byte tag). */
    flip t = {
        .dir_ab = 1, .target = 0, .bit = k < 2 ? (size_t)(7 + 20 * k) : 32 + (size_t)(k - 2) * 67};
    f->net.tap = flip_tap;
    f->net.tap_ctx = &t;
    uint8_t msg[40] = {1, 2, 3};
    assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 300, 1, msg, sizeof msg, f->net.now), 0);
    memnet_pump(&f->net);
    assert_true(t.done);
    assert_int_equal(f->b.messages, 0);
    if (k >= 2) {
      assert_int_equal(f->b.last_reason, PQNET_REASON_AUTH);
      assert_int_equal(f->a.last_reason, PQNET_REASON_CLOSED); /* no Disconnect was sent */
    } else if (f->b.disconnected) {
      assert_true(f->b.last_reason == PQNET_REASON_TOO_LARGE ||
                  f->b.last_reason == PQNET_REASON_AUTH);
    } else {
      /* A longer length within the cap: b waits for the rest; the next frame
       * completes it and fails authentication. */
      assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 300, 1, msg, sizeof msg, f->net.now),
                       0);
      memnet_pump(&f->net);
      assert_true(f->b.disconnected || f->b.messages == 0);
    }
    fx_free(f);
  }
}

/* Garbage after the handshake: bytes that are not a valid frame close it. */
static void test_garbage_after_handshake(void **s) {
  (void)s;
  fixture *f = fx_new(5, NULL, NULL);
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_open_pair(f);
  uint8_t junk[40] = {0, 0, 0, 30, 'j', 'u', 'n', 'k'};
  pqnet_node_received(f->b.node, l->conn_b, junk, sizeof junk, f->net.now);
  memnet_pump(&f->net);
  assert_int_equal(f->b.last_reason, PQNET_REASON_AUTH);
  /* Oversized after the handshake: max_frame is 4 MiB by default. */
  fixture *g = fx_new(6, NULL, NULL);
  l = memnet_link(&g->net, &g->a, &g->b);
  memnet_pump(&g->net);
  uint8_t big[4] = {0x01, 0, 0, 0}; /* 16 MiB */
  pqnet_node_received(g->b.node, l->conn_b, big, 4, g->net.now);
  memnet_pump(&g->net);
  assert_int_equal(g->b.last_reason, PQNET_REASON_TOO_LARGE);
  fx_free(f);
  fx_free(g);
}

/* §3.2: a responder whose signature does not match the key it presents is
 * refused by the initiator with auth-failed. */
static void test_bad_signature(void **s) {
  (void)s;
  fixture *f = fx_new(7, NULL, NULL);
  memnode other;
  memnode_init(&other, 999, NULL);
  /* b advertises other's public key but signs with its own secret key. */
  memcpy(f->b.id->pk, other.id->pk, sizeof f->b.id->pk);
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_int_equal(f->a.connected + f->b.connected, 0);
  assert_int_equal(f->a.last_reason, PQNET_REASON_AUTH);
  assert_string_equal(f->a.last_text, "responder signature does not verify");
  memnode_free(&other);
  fx_free(f);
}

/* A Confirmation recorded from one handshake and replayed into another does
 * not decrypt there (fresh ephemeral keys): auth-failed. */
typedef struct replay {
  uint8_t saved[4 + PQNET_CONFIRM_LEN];
  int have, seen, mode; /* mode 0: record, 1: replace */
} replay;

static int replay_tap(void *ctx, memlink *l, int dir_ab, uint8_t *data, size_t len) {
  replay *r = ctx;
  (void)l;
  if (!dir_ab || r->seen++ != 1) return 1;
  assert_true(len >= sizeof r->saved);
  assert_int_equal(data[4], PQNET_HS_CONFIRMATION);
  if (r->mode == 0) {
    memcpy(r->saved, data, sizeof r->saved);
    r->have = 1;
  } else {
    memcpy(data, r->saved, sizeof r->saved);
  }
  return 1;
}

static void test_replayed_confirmation(void **s) {
  (void)s;
  fixture *f = fx_new(8, NULL, NULL);
  replay r = {.mode = 0};
  f->net.tap = replay_tap;
  f->net.tap_ctx = &r;
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_true(r.have);
  assert_int_equal(f->b.connected, 1);
  pqnet_node_disconnect(f->a.node, l->conn_a, PQNET_REASON_APP, "again", f->net.now);
  memnet_pump(&f->net);
  r.mode = 1;
  r.seen = 0;
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_int_equal(f->b.connected, 1); /* still only the first session */
  assert_int_equal(f->b.last_reason, PQNET_REASON_AUTH);
  assert_string_equal(f->b.last_text, "Confirmation does not decrypt");
  fx_free(f);
}

/* §8: a handshake that never finishes ends after handshake_timeout. */
static void test_handshake_timeout(void **s) {
  (void)s;
  fixture *f = fx_new(9, NULL, NULL);
  flip t = {.dir_ab = 0, .target = 0, .drop = 1}; /* the Acceptance never arrives */
  f->net.tap = flip_tap;
  f->net.tap_ctx = &t;
  memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_int_equal(f->a.disconnected, 0);
  memnet_advance(&f->net, 9999);
  assert_int_equal(f->a.disconnected, 0);
  memnet_advance(&f->net, 2);
  assert_int_equal(f->a.disconnected + f->b.disconnected, 2);
  assert_true(f->a.last_reason == PQNET_REASON_HANDSHAKE_TIMEOUT ||
              f->b.last_reason == PQNET_REASON_HANDSHAKE_TIMEOUT);
  fx_free(f);
}

/* §9: connecting to ourselves is refused (same PeerId). */
static void test_self_connection(void **s) {
  (void)s;
  memnet net;
  memnode a;
  memnet_init(&net, 11);
  memnode_init(&a, 77, NULL);
  memnet_add(&net, &a);
  memnet_link(&net, &a, &a);
  memnet_pump(&net);
  assert_int_equal(a.connected, 0);
  /* Both ends of the loop are this node: each fails with self-connection. */
  assert_int_equal(pqnet_node_get_stats(a.node)->handshakes_failed_by_reason[PQNET_REASON_SELF], 2);
  assert_int_equal(pqnet_node_connection_count(a.node), 0);
  memnode_free(&a);
  memnet_free(&net);
}

/* §9: a second session with an already-connected PeerId is refused; the
 * first carries on. */
static void test_duplicate_peer(void **s) {
  (void)s;
  fixture *f = fx_new(12, NULL, NULL);
  memlink *l1 = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  assert_open_pair(f);
  memnet_link(&f->net, &f->b, &f->a); /* b dials a as well */
  memnet_pump(&f->net);
  assert_int_equal(f->a.connected, 1);
  assert_int_equal(f->b.connected, 1);
  assert_int_equal(f->b.last_reason, PQNET_REASON_DUPLICATE);
  exchange(f, l1, 2); /* the first session still works */
  fx_free(f);
}

/* §8: Ping every interval, RTT measured; a silent peer is dropped after the
 * pong timeout. */
static void test_heartbeat(void **s) {
  (void)s;
  fixture *f = fx_new(13, NULL, NULL);
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  memnet_advance(&f->net, 95000);
  pqnet_peer_info info;
  assert_int_equal(pqnet_node_peer_info(f->a.node, l->conn_a, &info), 0);
  assert_true(info.srtt_ms >= 1);
  assert_int_equal(f->a.disconnected, 0);
  /* Now b stops answering: drop everything b sends. */
  flip t = {.dir_ab = 0, .drop_all = 1};
  f->net.tap = flip_tap;
  f->net.tap_ctx = &t;
  uint64_t start = f->net.now;
  for (int i = 0; i < 100 && f->a.disconnected == 0; i++) memnet_advance(&f->net, 1000);
  /* The next Ping goes out within ping_interval, the drop within pong_timeout after it. */
  assert_true(f->net.now - start <= 30000 + 60000);
  assert_int_equal(f->a.last_reason, PQNET_REASON_PING_TIMEOUT);
  fx_free(f);
}

/* §5: rekeying keeps both directions in step (low limits to exercise it). */
static void test_rekey(void **s) {
  (void)s;
  pqnet_node_config c;
  pqnet_node_config_default(&c);
  c.rekey_frames = 5;
  c.rekey_bytes = 3000;
  fixture *f = fx_new(14, &c, &c);
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  memnet_pump(&f->net);
  exchange(f, l, 40);
  assert_int_equal(f->b.messages, 40);
  assert_true(pqnet_node_rekeys(f->a.node) >= 8);
  assert_true(pqnet_node_rekeys(f->b.node) >= 8);
  fx_free(f);
}

/* One peer's violation ends only its own session. */
static void test_other_sessions_carry_on(void **s) {
  (void)s;
  memnet net;
  memnode hub, p1, p2;
  memnet_init(&net, 15);
  memnode_init(&hub, 301, NULL);
  memnode_init(&p1, 302, NULL);
  memnode_init(&p2, 303, NULL);
  memnet_add(&net, &hub);
  memnet_add(&net, &p1);
  memnet_add(&net, &p2);
  memlink *l1 = memnet_link(&net, &p1, &hub);
  memlink *l2 = memnet_link(&net, &p2, &hub);
  memnet_pump(&net);
  assert_int_equal(hub.connected, 2);
  uint8_t junk[8] = {0, 0, 0, 4, 1, 2, 3, 4};
  pqnet_node_received(hub.node, l1->conn_b, junk, sizeof junk, net.now);
  memnet_pump(&net);
  assert_int_equal(hub.disconnected, 1);
  uint8_t msg[5] = {9, 9, 9, 9, 9};
  assert_int_equal(pqnet_node_send(p2.node, l2->conn_a, 400, 1, msg, 5, net.now), 0);
  memnet_pump(&net);
  assert_int_equal(hub.messages, 1);
  assert_int_equal(hub.last_proto, 400);
  assert_int_equal(pqnet_node_peer_count(hub.node, -1), 1);
  memnode_free(&hub);
  memnode_free(&p1);
  memnode_free(&p2);
  memnet_free(&net);
}

/* The embedder API refuses what it must. */
static void test_api_errors(void **s) {
  (void)s;
  fixture *f = fx_new(16, NULL, NULL);
  memlink *l = memnet_link(&f->net, &f->a, &f->b);
  uint8_t m[4] = {0};
  /* Not open yet. */
  assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 300, 1, m, 4, f->net.now),
                   PQNET_ERR_STATE);
  memnet_pump(&f->net);
  assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 0, 1, m, 4, f->net.now),
                   PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_node_send(f->a.node, 999, 300, 1, m, 4, f->net.now), PQNET_ERR_STATE);
  uint8_t *big = calloc(1, 4u << 20);
  assert_non_null(big);
  assert_int_equal(pqnet_node_send(f->a.node, l->conn_a, 300, 1, big, 4u << 20, f->net.now),
                   PQNET_ERR_TOO_LARGE);
  free(big);
  pqnet_addr addr = {0};
  assert_int_equal(pqnet_node_connected(f->a.node, l->conn_a, &addr, PQNET_INBOUND, f->net.now),
                   PQNET_ERR_INVALID_ARG); /* conn id in use */
  assert_int_equal(pqnet_node_received(f->a.node, 12345, m, 4, f->net.now), PQNET_ERR_STATE);
  fx_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_whole),
      cmocka_unit_test(test_handshake_byte_at_a_time),
      cmocka_unit_test(test_handshake_random_chunks),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_chain_mismatch),
      cmocka_unit_test(test_genesis_mismatch),
      cmocka_unit_test(test_wrong_magic_and_version),
      cmocka_unit_test(test_offer_bad_kem_key),
      cmocka_unit_test(test_oversized_truncated_garbage),
      cmocka_unit_test(test_flipped_bits_in_handshake),
      cmocka_unit_test(test_flipped_bit_in_channel),
      cmocka_unit_test(test_garbage_after_handshake),
      cmocka_unit_test(test_bad_signature),
      cmocka_unit_test(test_replayed_confirmation),
      cmocka_unit_test(test_handshake_timeout),
      cmocka_unit_test(test_self_connection),
      cmocka_unit_test(test_duplicate_peer),
      cmocka_unit_test(test_heartbeat),
      cmocka_unit_test(test_rekey),
      cmocka_unit_test(test_other_sessions_carry_on),
      cmocka_unit_test(test_api_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
