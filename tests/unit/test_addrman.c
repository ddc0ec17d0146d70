/*
 * Address manager tests, one or more per rule of src/addrman/addrman.h:
 * creation and config checks, adding (policy, timestamps, penalty, updates,
 * extra references), outcomes (good, attempt, connected, services, peer id,
 * remove), terrible entries and their replacement, the TTL and incremental
 * pruning, the max_entries cap, selection (exclusions, backoff, new/tried mix,
 * favouring healthy entries, bounded retries), sampling bounds,
 * test-before-evict, save/load round trips with slot-for-slot comparison,
 * untrusted load rows, determinism, allocation failures, devnet loopback
 * groups, and the attacker properties: whatever one source group sends, its
 * addresses stay inside their bucket share of new, and one address group
 * stays inside its share of tried. pqnet_addrman_check() runs after every
 * scenario. Random scenarios print their seed.
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
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "testaddr.h"

#define NOW    1700000000ull
#define HOUR   3600ull
#define DAY    (24 * HOUR)
#define MINUTE 60ull

static const uint8_t SECRET[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* ---- helpers ------------------------------------------------------------------ */

static pqnet_addr_info info_of(pqnet_addr a, uint64_t last_seen) {
  pqnet_addr_info i;
  memset(&i, 0, sizeof i);
  i.addr = a;
  i.last_seen = last_seen;
  i.services = 1;
  return i;
}

/* A routable IPv4 first octet from a small index. */
static unsigned routable_octet(uint64_t r) {
  static const uint8_t firsts[] = {
      11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
      34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56,
      57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79,
      80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 128};
  return firsts[r % sizeof firsts];
}

typedef struct fixture {
  pqnet_rng_det det;
  pqnet_addrman *am;
} fixture;

static void fx_open(fixture *f, const pqnet_addrman_config *cfg, uint64_t seed) {
  pqnet_rng_det_init_u64(&f->det, seed);
  assert_int_equal(pqnet_addrman_new(cfg, SECRET, &f->det.rng, &f->am), 0);
}

static void fx_close(fixture *f) {
  assert_int_equal(pqnet_addrman_check(f->am), 0);
  pqnet_addrman_del(f->am);
  pqnet_rng_det_free(&f->det);
}

static uint64_t rnd(pqnet_rng_det *d) {
  uint8_t b[8];
  pqnet_rng_fill(&d->rng, b, 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | b[i];
  return v;
}

static size_t total(pqnet_addrman *am) {
  size_t n, t;
  pqnet_addrman_size(am, &n, &t);
  return n + t;
}

static int add1(pqnet_addrman *am, pqnet_addr a, uint64_t seen, const pqnet_addr *src,
                uint64_t now) {
  pqnet_addr_info i = info_of(a, seen);
  return pqnet_addrman_add(am, &i, 1, src, now);
}

/* A small geometry: 64 x 16 new, 16 x 16 tried (4 and 1 buckets of spread). */
static pqnet_addrman_config small_cfg(void) {
  pqnet_addrman_config c;
  memset(&c, 0, sizeof c);
  c.new_buckets = 64;
  c.tried_buckets = 16;
  c.bucket_size = 16;
  return c;
}

/* One slot in each table: every address collides with every other. */
static pqnet_addrman_config tiny_cfg(void) {
  pqnet_addrman_config c;
  memset(&c, 0, sizeof c);
  c.new_buckets = 1;
  c.tried_buckets = 1;
  c.bucket_size = 1;
  return c;
}

/* ---- creation ------------------------------------------------------------------- */

static void test_new_and_config(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 1);
  uint32_t nb, tb, bs, nps, tpg;
  pqnet_addrman_geometry(f.am, &nb, &tb, &bs, &nps, &tpg);
  assert_int_equal(nb, 1024);
  assert_int_equal(tb, 256);
  assert_int_equal(bs, 64);
  assert_int_equal(nps, 64);
  assert_int_equal(tpg, 8);
  size_t n = 9, t = 9;
  pqnet_addrman_size(f.am, &n, &t);
  assert_int_equal(n, 0);
  assert_int_equal(t, 0);
  assert_true(pqnet_addrman_memory(f.am) >= (1024 + 256) * 64 * 4);
  fx_close(&f);

  pqnet_addrman *am = (pqnet_addrman *)1;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 2);
  assert_int_equal(pqnet_addrman_new(NULL, NULL, &det.rng, &am), PQNET_ERR_INVALID_ARG);
  assert_null(am);
  assert_int_equal(pqnet_addrman_new(NULL, SECRET, NULL, &am), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_new(NULL, SECRET, &det.rng, NULL), PQNET_ERR_INVALID_ARG);
  pqnet_addrman_config c = small_cfg();
  c.bucket_size = 257;
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &det.rng, &am), PQNET_ERR_INVALID_ARG);
  c = small_cfg();
  c.new_buckets = 70000;
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &det.rng, &am), PQNET_ERR_INVALID_ARG);
  c = small_cfg();
  c.new_buckets_per_source_group = 65; /* more than there are buckets */
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &det.rng, &am), PQNET_ERR_INVALID_ARG);
  c = small_cfg();
  c.free_fn = (void (*)(void *, void *))1; /* one hook without the other */
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &det.rng, &am), PQNET_ERR_INVALID_ARG);
  pqnet_rng_det_free(&det);
  pqnet_addrman_del(NULL);

  /* NULL handling of the other entry points. */
  pqnet_addr a = v4(11, 1, 1, 1, 7071);
  pqnet_addr_info out;
  assert_int_equal(pqnet_addrman_add(NULL, NULL, 0, NULL, NOW), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_good(NULL, &a, NOW), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_attempt(NULL, &a, NOW, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_select(NULL, 0, NOW, NULL, NULL, &out), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_sample(NULL, &out, 1, 0, NOW), 0);
  assert_int_equal(pqnet_addrman_check(NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrman_memory(NULL), 0);
}

/* ---- adding ----------------------------------------------------------------------- */

static void test_add_basic(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 3);
  pqnet_addr src = v4(50, 1, 2, 3, 7071), a = v4(11, 2, 3, 4, 7071);
  pqnet_addr_info in = info_of(a, NOW - HOUR);
  in.services = 5;
  in.attempts = 77; /* ignored by add */
  in.in_tried = 1;  /* ignored by add */
  assert_int_equal(pqnet_addrman_add(f.am, &in, 1, &src, NOW), 1);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_true(pqnet_addr_equal(&got.addr, &a));
  assert_true(pqnet_addr_equal(&got.source, &src));
  assert_int_equal(got.services, 5);
  assert_int_equal(got.last_seen, NOW - HOUR - PQNET_ADDRMAN_TIME_PENALTY);
  assert_int_equal(got.first_seen, NOW);
  assert_int_equal(got.attempts, 0);
  assert_int_equal(got.in_tried, 0);
  assert_int_equal(got.last_success, 0);
  assert_int_equal(total(f.am), 1);
  /* The same announcement again says nothing new. */
  assert_int_equal(pqnet_addrman_add(f.am, &in, 1, &src, NOW), 0);
  assert_int_equal(total(f.am), 1);
  /* Different port, different entry. */
  assert_int_equal(add1(f.am, v4(11, 2, 3, 4, 7072), NOW, &src, NOW), 1);
  assert_int_equal(total(f.am), 2);
  /* An empty batch and a NULL batch of 0 are fine; NULL with n > 0 is not. */
  assert_int_equal(pqnet_addrman_add(f.am, NULL, 0, &src, NOW), 0);
  assert_int_equal(pqnet_addrman_add(f.am, NULL, 1, &src, NOW), PQNET_ERR_INVALID_ARG);
  /* Unknown addresses. */
  pqnet_addr unknown = v4(11, 9, 9, 9, 1);
  assert_int_equal(pqnet_addrman_find(f.am, &unknown, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_good(f.am, &unknown, NOW), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_attempt(f.am, &unknown, NOW, 1), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_connected(f.am, &unknown, NOW), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_set_services(f.am, &unknown, 1), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_remove(f.am, &unknown), PQNET_ERR_STATE);
  fx_close(&f);
}

static void test_add_policy(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 4);
  pqnet_addr src = v4(50, 1, 2, 3, 7071);
  const pqnet_addr refused[] = {
      v4(10, 0, 0, 1, 7071),   v4(127, 0, 0, 1, 7071),  v4(192, 168, 1, 1, 7071),
      v4(100, 64, 0, 1, 7071), v4(0, 0, 0, 0, 7071),    v4(224, 0, 0, 1, 7071),
      v4(11, 1, 1, 1, 0),      v6(0xfd000000, 1, 7071), v6(0x20020000, 1, 7071),
      v6(0, 1, 7071),          v6(0x20010db8, 1, 7071), v4(192, 0, 2, 1, 7071),
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    assert_int_equal(add1(f.am, refused[i], NOW, &src, NOW), 0);
  pqnet_addr none;
  memset(&none, 0, sizeof none);
  assert_int_equal(add1(f.am, none, NOW, &src, NOW), 0);
  assert_int_equal(total(f.am), 0);
  assert_int_equal(add1(f.am, v6(0x2a001450, 1, 7071), NOW, &src, NOW), 1);
  fx_close(&f);

  /* A private network takes private addresses but not loopback. */
  c.policy.allow_private = 1;
  fx_open(&f, &c, 5);
  assert_int_equal(add1(f.am, v4(10, 0, 0, 1, 7071), NOW, &src, NOW), 1);
  assert_int_equal(add1(f.am, v6(0xfd000000, 1, 7071), NOW, &src, NOW), 1);
  assert_int_equal(add1(f.am, v4(127, 0, 0, 1, 7071), NOW, &src, NOW), 0);
  assert_int_equal(add1(f.am, v4(224, 0, 0, 1, 7071), NOW, &src, NOW), 0);
  fx_close(&f);

  /* Devnet takes loopback too. */
  c.policy.allow_loopback = 1;
  fx_open(&f, &c, 6);
  assert_int_equal(add1(f.am, v4(127, 0, 0, 1, 7071), NOW, &src, NOW), 1);
  assert_int_equal(add1(f.am, v6(0, 1, 7071), NOW, &src, NOW), 1);
  fx_close(&f);
}

static void test_add_timestamps(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 7);
  pqnet_addr src = v4(50, 1, 2, 3, 7071), got_a;
  pqnet_addr_info got;
  /* Future (beyond the slack) and zero times become now - 5 days, penalised. */
  got_a = v4(11, 0, 0, 1, 1);
  assert_int_equal(add1(f.am, got_a, NOW + 11 * MINUTE, &src, NOW), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &got_a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 5 * DAY - PQNET_ADDRMAN_TIME_PENALTY);
  got_a = v4(12, 0, 0, 2, 1);
  assert_int_equal(add1(f.am, got_a, 0, &src, NOW), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &got_a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 5 * DAY - PQNET_ADDRMAN_TIME_PENALTY);
  /* Within the slack the time is kept (minus the penalty). */
  got_a = v4(13, 0, 0, 3, 1);
  assert_int_equal(add1(f.am, got_a, NOW + 9 * MINUTE, &src, NOW), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &got_a, &got), 0);
  assert_int_equal(got.last_seen, NOW + 9 * MINUTE - PQNET_ADDRMAN_TIME_PENALTY);
  /* A self-announcement (same IP as the source) has no penalty. */
  pqnet_addr self = v4(50, 1, 2, 3, 7000);
  assert_int_equal(add1(f.am, self, NOW - 10, &src, NOW), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &self, &got), 0);
  assert_int_equal(got.last_seen, NOW - 10);
  /* Nor does an address we found ourselves (no source). */
  got_a = v4(14, 0, 0, 4, 1);
  assert_int_equal(add1(f.am, got_a, NOW - 10, NULL, NOW), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &got_a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 10);
  assert_int_equal(got.source.family, 0);
  /* Older than the TTL (after the penalty): refused. */
  assert_int_equal(add1(f.am, v4(15, 0, 0, 5, 1), NOW - 14 * DAY, &src, NOW), 0);
  assert_int_equal(add1(f.am, v4(16, 0, 0, 6, 1), NOW - 14 * DAY + 10, NULL, NOW), 1);
  fx_close(&f);
}

static void test_add_updates(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 8);
  pqnet_addr src = v4(50, 1, 2, 3, 7071), a = v4(11, 5, 5, 5, 7071);
  pqnet_addr_info in = info_of(a, NOW - 10 * HOUR), got;
  in.services = 1;
  assert_int_equal(pqnet_addrman_add(f.am, &in, 1, &src, NOW), 1);
  /* Fresher by less than the update interval: last_seen stays, services OR. */
  in.last_seen = NOW - 10 * HOUR + 30 * MINUTE;
  in.services = 4;
  pqnet_addrman_add(f.am, &in, 1, &src, NOW);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 10 * HOUR - PQNET_ADDRMAN_TIME_PENALTY);
  assert_int_equal(got.services, 5);
  /* Fresher by more than interval + penalty: updated. */
  in.last_seen = NOW - 5 * MINUTE;
  pqnet_addrman_add(f.am, &in, 1, &src, NOW);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 5 * MINUTE - PQNET_ADDRMAN_TIME_PENALTY);
  /* Older announcements never move last_seen back. */
  in.last_seen = NOW - 9 * DAY;
  pqnet_addrman_add(f.am, &in, 1, &src, NOW);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW - 5 * MINUTE - PQNET_ADDRMAN_TIME_PENALTY);
  fx_close(&f);
}

/* Re-announcements from many sources add references, never more than the
 * maximum, and the first reference stays the one of the stored source. */
static void test_add_refs(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 9);
  pqnet_addr a = v4(11, 7, 7, 7, 7071), first_src = v4(60, 0, 0, 1, 1);
  assert_int_equal(add1(f.am, a, NOW - DAY, &first_src, NOW), 1);
  int in_tried;
  uint32_t b0[PQNET_ADDRMAN_NEW_REFS_MAX], p0[PQNET_ADDRMAN_NEW_REFS_MAX];
  uint32_t b[PQNET_ADDRMAN_NEW_REFS_MAX], p[PQNET_ADDRMAN_NEW_REFS_MAX];
  size_t n0, n;
  assert_int_equal(pqnet_addrman_locate(f.am, &a, &in_tried, b0, p0, &n0), 0);
  assert_int_equal(n0, 1);
  int added = 0;
  for (unsigned i = 0; i < 5000; i++) {
    pqnet_addr src = v4(routable_octet(i), (i / 90) & 0xff, 1, 1, 1);
    /* Each call carries a fresher time so it is "new information". */
    added += add1(f.am, a, NOW - DAY + 2 * HOUR + 10 + i * 4, &src, NOW);
  }
  assert_int_equal(pqnet_addrman_locate(f.am, &a, &in_tried, b, p, &n), 0);
  assert_int_equal(in_tried, 0);
  assert_true(n > 1);
  assert_true(added > 0); /* some of the 5000 repeats gained a new-table reference */
  assert_true(n <= PQNET_ADDRMAN_NEW_REFS_MAX);
  assert_int_equal(b[0], b0[0]);
  assert_int_equal(p[0], p0[0]);
  assert_int_equal(total(f.am), 1);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_true(pqnet_addr_equal(&got.source, &first_src));
  fx_close(&f);
}

/* ---- outcomes --------------------------------------------------------------------------- */

static void test_good_attempt_connected(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 10);
  pqnet_addr src = v4(50, 1, 2, 3, 7071), a = v4(11, 2, 3, 4, 7071);
  assert_int_equal(add1(f.am, a, NOW - HOUR, &src, NOW), 1);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_attempt(f.am, &a, NOW + 1, 1), 0);
  assert_int_equal(pqnet_addrman_attempt(f.am, &a, NOW + 2, 0), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.attempts, 1);
  assert_int_equal(got.last_try, NOW + 2);
  uint64_t seen = got.last_seen;
  assert_int_equal(pqnet_addrman_good(f.am, &a, NOW + 10), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.in_tried, 1);
  assert_int_equal(got.attempts, 0);
  assert_int_equal(got.last_success, NOW + 10);
  assert_int_equal(got.last_try, NOW + 10);
  assert_int_equal(got.last_seen, seen); /* good does not leak connection times */
  size_t n, t;
  pqnet_addrman_size(f.am, &n, &t);
  assert_int_equal(n, 0);
  assert_int_equal(t, 1);
  assert_int_equal(pqnet_addrman_good(f.am, &a, NOW + 20), 0); /* already tried */
  /* connected: last_seen moves only when more than 20 minutes old. */
  assert_int_equal(pqnet_addrman_connected(f.am, &a, NOW + 30), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW + 30);
  assert_int_equal(pqnet_addrman_connected(f.am, &a, NOW + 30 + 19 * MINUTE), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW + 30);
  assert_int_equal(pqnet_addrman_connected(f.am, &a, NOW + 30 + 21 * MINUTE), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.last_seen, NOW + 30 + 21 * MINUTE);
  /* Services and peer id. */
  uint8_t pid[32];
  memset(pid, 0x5a, sizeof pid);
  assert_int_equal(pqnet_addrman_set_services(f.am, &a, 0x99), 0);
  assert_int_equal(pqnet_addrman_set_peer_id(f.am, &a, pid), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.services, 0x99);
  assert_int_equal(got.has_peer_id, 1);
  assert_memory_equal(got.peer_id, pid, 32);
  /* A tried address is not given new references by gossip. */
  assert_int_equal(add1(f.am, a, NOW + DAY, &src, NOW + DAY), 0);
  fx_close(&f);
}

static void test_remove(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 11);
  pqnet_addr src = v4(50, 1, 2, 3, 7071);
  for (unsigned i = 0; i < 200; i++)
    add1(f.am, v4(routable_octet(i), i & 0xff, 1, 1, 7071), NOW, &src, NOW);
  size_t before = total(f.am);
  assert_true(before > 10);
  /* Remove every other entry, some of them tried. */
  pqnet_addr_info tmp[400];
  size_t k = pqnet_addrman_sample(f.am, tmp, 400, 0, NOW);
  assert_int_equal(k, before);
  for (size_t i = 0; i < k; i += 3) pqnet_addrman_good(f.am, &tmp[i].addr, NOW);
  size_t removed = 0;
  for (size_t i = 0; i < k; i += 2) {
    assert_int_equal(pqnet_addrman_remove(f.am, &tmp[i].addr), 0);
    removed++;
    assert_int_equal(pqnet_addrman_remove(f.am, &tmp[i].addr), PQNET_ERR_STATE);
  }
  assert_int_equal(total(f.am), before - removed);
  assert_int_equal(pqnet_addrman_check(f.am), 0);
  for (size_t i = 1; i < k; i += 2) assert_int_equal(pqnet_addrman_remove(f.am, &tmp[i].addr), 0);
  assert_int_equal(total(f.am), 0);
  pqnet_addr_info out;
  assert_int_equal(pqnet_addrman_select(f.am, 0, NOW, NULL, NULL, &out), PQNET_ERR_STATE);
  fx_close(&f);
}

/* ---- terrible entries, TTL, caps ----------------------------------------------------------- */

static void test_is_terrible(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 12);
  pqnet_addr_info i = info_of(v4(11, 1, 1, 1, 1), NOW - HOUR);
  assert_false(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_seen = NOW + 11 * MINUTE; /* future */
  assert_true(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_seen = 0; /* never */
  assert_true(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_seen = NOW - 14 * DAY - 1; /* beyond the TTL */
  assert_true(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_success = NOW - DAY; /* ... but a recent success counts as seen */
  assert_false(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_seen = NOW - HOUR;
  i.last_success = 0;
  i.attempts = PQNET_ADDRMAN_RETRIES; /* never worked, failed 3 times */
  assert_true(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_try = NOW - 30; /* being tried right now: not judged */
  assert_false(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.last_try = NOW - HOUR;
  i.last_success = NOW - 6 * DAY; /* worked recently: 9 failures are fine */
  i.attempts = PQNET_ADDRMAN_MAX_FAILURES - 1;
  assert_false(pqnet_addrman_is_terrible(f.am, &i, NOW));
  i.attempts = PQNET_ADDRMAN_MAX_FAILURES;
  assert_false(pqnet_addrman_is_terrible(f.am, &i, NOW)); /* success within a week */
  i.last_success = NOW - 8 * DAY;
  assert_true(pqnet_addrman_is_terrible(f.am, &i, NOW));
  assert_false(pqnet_addrman_is_terrible(NULL, &i, NOW));
  fx_close(&f);
}

/* With one new slot, a healthy holder keeps it, a terrible one is replaced. */
static void test_terrible_replaced_first(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = tiny_cfg();
  fx_open(&f, &c, 13);
  pqnet_addr src = v4(50, 1, 2, 3, 7071), a = v4(11, 1, 1, 1, 1), b = v4(12, 1, 1, 1, 1);
  assert_int_equal(add1(f.am, a, NOW - HOUR, &src, NOW), 1);
  assert_int_equal(add1(f.am, b, NOW - HOUR, &src, NOW), 0); /* a is healthy: b dropped */
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), PQNET_ERR_STATE);
  for (int i = 0; i < PQNET_ADDRMAN_RETRIES; i++)
    assert_int_equal(pqnet_addrman_attempt(f.am, &a, NOW + (uint64_t)i, 1), 0);
  /* a failed three times without ever working: terrible once the try is a minute old. */
  assert_int_equal(add1(f.am, b, NOW - HOUR, &src, NOW + 30), 0);
  assert_int_equal(add1(f.am, b, NOW - HOUR, &src, NOW + 2 * MINUTE), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  /* An expired holder is terrible too. */
  pqnet_addr d = v4(13, 1, 1, 1, 1);
  assert_int_equal(add1(f.am, d, NOW + 15 * DAY, &src, NOW + 15 * DAY), 1);
  assert_int_equal(total(f.am), 1);
  fx_close(&f);
}

static void test_ttl_prune(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  c.ttl_seconds = 2 * DAY;
  fx_open(&f, &c, 14);
  pqnet_addr src = v4(50, 1, 2, 3, 7071);
  for (unsigned i = 0; i < 300; i++) {
    pqnet_addr from = v4(routable_octet(i * 11), i & 0xff, 1, 1, 1);
    add1(f.am, v4(routable_octet(i), (i * 7) & 0xff, 1, 1, 7071), NOW - (i % 2) * DAY, &from, NOW);
  }
  add1(f.am, v4(99, 99, 99, 99, 1), NOW, &src, NOW);
  size_t start = total(f.am);
  assert_true(start > 100);
  /* Nothing is expired yet. */
  assert_int_equal(pqnet_addrman_prune(f.am, NOW, 100000), 0);
  /* One day later the older half (seen NOW - 1 day) is past 2 days. */
  uint64_t later = NOW + DAY + 1;
  int removed = 0, calls = 0;
  while (calls < 1000) {
    int r = pqnet_addrman_prune(f.am, later, 16); /* incremental */
    assert_true(r >= 0 && r <= 16);
    removed += r;
    calls++;
    if (calls * 16 > 2 * (int)start) break;
  }
  assert_true(removed > 0);
  pqnet_addr_info all[400];
  size_t k = pqnet_addrman_sample(f.am, all, 400, 0, later);
  assert_int_equal(k, total(f.am));
  for (size_t i = 0; i < k; i++) assert_true(all[i].last_seen + c.ttl_seconds >= later);
  /* A tried entry that succeeded recently survives though last_seen is old. */
  pqnet_addr t = all[0].addr;
  assert_int_equal(pqnet_addrman_good(f.am, &t, later + DAY), 0);
  assert_true(pqnet_addrman_prune(f.am, later + 2 * DAY, 100000) > 0);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &t, &got), 0);
  assert_int_equal(total(f.am), 1);
  assert_int_equal(pqnet_addrman_prune(f.am, later + 10 * DAY, 100000), 1);
  assert_int_equal(total(f.am), 0);
  assert_int_equal(pqnet_addrman_prune(f.am, later + 10 * DAY, 100000), 0);
  fx_close(&f);
}

static void test_max_entries(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  c.max_entries = 50;
  fx_open(&f, &c, 15);
  pqnet_rng_det r;
  pqnet_rng_det_init_u64(&r, 1015);
  for (unsigned i = 0; i < 3000; i++) {
    pqnet_addr src = v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff, 1, 1, 1);
    add1(f.am,
         v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff, (unsigned)rnd(&r) & 0xff, 1, 7071),
         NOW, &src, NOW);
    assert_true(total(f.am) <= 50);
    if (i % 5 == 0) {
      pqnet_addr_info s;
      if (pqnet_addrman_select(f.am, 0, NOW, NULL, NULL, &s) == 0)
        pqnet_addrman_good(f.am, &s.addr, NOW);
    }
  }
  assert_int_equal(total(f.am), 50);
  size_t n, t;
  pqnet_addrman_size(f.am, &n, &t);
  assert_true(t > 0);
  /* Fill up with tried entries: the cap then refuses newcomers rather than
   * evicting tried ones. */
  for (int i = 0; i < 200; i++) {
    pqnet_addr_info s;
    if (pqnet_addrman_select(f.am, 1, NOW, NULL, NULL, &s) == 0)
      pqnet_addrman_good(f.am, &s.addr, NOW);
    pqnet_addrman_resolve_collisions(f.am, NOW + HOUR);
  }
  size_t t_before;
  pqnet_addrman_size(f.am, NULL, &t_before);
  for (unsigned i = 0; i < 500; i++)
    add1(f.am, v4(routable_octet(i), (i * 13) & 0xff, 9, 9, 7071), NOW, NULL, NOW);
  pqnet_addrman_size(f.am, &n, &t);
  assert_true(t >= t_before);
  assert_true(n + t <= 50);
  pqnet_rng_det_free(&r);
  fx_close(&f);
}

/* ---- selection ----------------------------------------------------------------------------- */

typedef struct excl {
  pqnet_addr banned[64];
  size_t n;
  int calls;
} excl;

static int exclude_listed(void *ctx, const pqnet_addr *a) {
  excl *e = ctx;
  e->calls++;
  for (size_t i = 0; i < e->n; i++)
    if (pqnet_addr_equal(&e->banned[i], a)) return 1;
  return 0;
}

static int exclude_all(void *ctx, const pqnet_addr *a) {
  (void)a;
  ++*(int *)ctx;
  return 1;
}

static void test_select_basic(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 16);
  pqnet_addr_info out;
  assert_int_equal(pqnet_addrman_select(f.am, 0, NOW, NULL, NULL, &out), PQNET_ERR_STATE);
  pqnet_addr a = v4(11, 2, 3, 4, 7071);
  add1(f.am, a, NOW, NULL, NOW);
  assert_int_equal(pqnet_addrman_select(f.am, 0, NOW, NULL, NULL, &out), 0);
  assert_true(pqnet_addr_equal(&out.addr, &a));
  assert_int_equal(pqnet_addrman_select(f.am, 1, NOW, NULL, NULL, &out), 0);
  /* Only tried: new_only finds nothing. */
  assert_int_equal(pqnet_addrman_good(f.am, &a, NOW), 0);
  assert_int_equal(pqnet_addrman_select(f.am, 1, NOW, NULL, NULL, &out), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_select(f.am, 0, NOW + HOUR, NULL, NULL, &out), 0);
  /* Excluding everything terminates after a bounded number of tries. */
  int calls = 0;
  assert_int_equal(pqnet_addrman_select(f.am, 0, NOW, exclude_all, &calls, &out), PQNET_ERR_STATE);
  assert_true(calls > 0 && calls <= PQNET_ADDRMAN_SELECT_TRIES);
  fx_close(&f);
}

static void test_select_exclusions(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 17);
  pqnet_addr all[40];
  excl e;
  memset(&e, 0, sizeof e);
  for (unsigned i = 0; i < 40; i++) {
    all[i] = v4(routable_octet(i), i, 1, 1, 7071);
    pqnet_addr src = v4(routable_octet(i + 7), i, 1, 1, 7071);
    if (add1(f.am, all[i], NOW, &src, NOW) != 1) continue; /* slot taken: fine */
    if (i % 4 == 0) pqnet_addrman_good(f.am, &all[i], NOW);
    if (i % 2 == 0) e.banned[e.n++] = all[i]; /* "self", connected, banned */
  }
  for (int k = 0; k < 2000; k++) {
    pqnet_addr_info out;
    int rc = pqnet_addrman_select(f.am, k % 3 == 0, NOW + HOUR, exclude_listed, &e, &out);
    if (rc == PQNET_ERR_STATE) continue;
    assert_int_equal(rc, 0);
    assert_false(exclude_listed(&e, &out.addr));
  }
  fx_close(&f);
}

static void test_select_backoff(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 18);
  pqnet_addr a = v4(11, 2, 3, 4, 7071);
  add1(f.am, a, NOW, NULL, NOW);
  pqnet_addr_info out, got;
  /* Backoff: 30 s after one failure, doubling, at most 6 hours. */
  uint64_t t = NOW;
  for (uint32_t n = 1; n <= 20; n++) {
    assert_int_equal(pqnet_addrman_attempt(f.am, &a, t, 1), 0);
    assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
    assert_int_equal(got.attempts, n);
    uint64_t delay = n - 1 >= 20 ? 6 * HOUR : (30ull << (n - 1));
    if (delay > 6 * HOUR) delay = 6 * HOUR;
    assert_false(pqnet_addrman_backoff_ok(f.am, &got, t + delay - 1));
    assert_true(pqnet_addrman_backoff_ok(f.am, &got, t + delay));
    assert_int_equal(pqnet_addrman_select(f.am, 0, t + delay - 1, NULL, NULL, &out),
                     PQNET_ERR_STATE);
    /* Clock stepped back: never blocked forever. */
    assert_true(pqnet_addrman_backoff_ok(f.am, &got, t - 1));
    t += delay;
  }
  /* Allowed again once the delay passed (it may take a few calls: chance). */
  int ok = 0;
  for (int k = 0; k < 50 && !ok; k++)
    ok = pqnet_addrman_select(f.am, 0, t + HOUR, NULL, NULL, &out) == 0;
  assert_true(ok);
  /* A success clears the backoff. */
  assert_int_equal(pqnet_addrman_good(f.am, &a, t + HOUR), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_true(pqnet_addrman_backoff_ok(f.am, &got, t + HOUR));
  /* Configured backoff. */
  fx_close(&f);
  c.backoff_base_seconds = 10;
  c.backoff_max_seconds = 25;
  fx_open(&f, &c, 19);
  got = info_of(a, NOW);
  got.last_try = NOW;
  got.attempts = 1;
  assert_true(pqnet_addrman_backoff_ok(f.am, &got, NOW + 10));
  got.attempts = 2;
  assert_false(pqnet_addrman_backoff_ok(f.am, &got, NOW + 19));
  assert_true(pqnet_addrman_backoff_ok(f.am, &got, NOW + 20));
  got.attempts = 40;
  assert_true(pqnet_addrman_backoff_ok(f.am, &got, NOW + 25));
  got.attempts = 0;
  assert_true(pqnet_addrman_backoff_ok(f.am, &got, NOW));
  fx_close(&f);
}

static void test_select_mix_and_chance(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 20);
  /* About 200 new, 200 tried (a few new-slot collisions refuse an address;
   * a few tried-slot collisions leave one new). */
  int added = 0;
  for (unsigned i = 0; i < 400; i++) {
    pqnet_addr a = v4(routable_octet(i), i & 0xff, (i >> 8) & 0xff, 1, 7071);
    pqnet_addr src = v4(routable_octet(i * 31), i & 0xff, 2, 2, 1);
    int rc = add1(f.am, a, NOW, &src, NOW);
    assert_true(rc == 0 || rc == 1);
    added += rc;
    if (rc && i % 2) pqnet_addrman_good(f.am, &a, NOW);
  }
  size_t n, t;
  pqnet_addrman_size(f.am, &n, &t);
  assert_true(added >= 390);
  assert_int_equal(n + t, (size_t)added);
  assert_true(t > 180 && t <= 200);
  int tried = 0, runs = 4000;
  for (int k = 0; k < runs; k++) {
    pqnet_addr_info out;
    assert_int_equal(pqnet_addrman_select(f.am, 0, NOW + DAY, NULL, NULL, &out), 0);
    tried += out.in_tried;
  }
  printf("# select: %d of %d from tried\n", tried, runs);
  assert_true(tried > runs * 40 / 100 && tried < runs * 60 / 100);
  /* new_only never returns tried entries. */
  for (int k = 0; k < 500; k++) {
    pqnet_addr_info out;
    assert_int_equal(pqnet_addrman_select(f.am, 1, NOW + DAY, NULL, NULL, &out), 0);
    assert_int_equal(out.in_tried, 0);
  }
  fx_close(&f);

  /* Two new entries, one with 8 failures: the healthy one wins most draws. */
  pqnet_addrman_config c = tiny_cfg();
  c.new_buckets = 2; /* room for two, in two buckets */
  c.new_buckets_per_source_group = 2;
  c.bucket_size = 1;
  fx_open(&f, &c, 21);
  pqnet_addr good_a, bad_a;
  int have = 0;
  for (unsigned i = 0; i < 200 && have < 2; i++) {
    pqnet_addr a = v4(routable_octet(i), i, 1, 1, 1);
    pqnet_addr from = v4(routable_octet(i * 3), i, 1, 1, 1);
    if (add1(f.am, a, NOW, &from, NOW) == 1) {
      if (have == 0)
        good_a = a;
      else
        bad_a = a;
      have++;
    }
  }
  assert_int_equal(have, 2);
  for (int i = 0; i < 8; i++) pqnet_addrman_attempt(f.am, &bad_a, NOW, 1);
  int good_wins = 0;
  for (int k = 0; k < 2000; k++) {
    pqnet_addr_info out;
    assert_int_equal(pqnet_addrman_select(f.am, 0, NOW + DAY, NULL, NULL, &out), 0);
    good_wins += pqnet_addr_equal(&out.addr, &good_a);
  }
  printf("# select: healthy entry won %d of 2000\n", good_wins);
  assert_true(good_wins > 1500);
  /* A try in the last 10 minutes makes an entry much less likely. */
  pqnet_addrman_good(f.am, &bad_a, NOW + DAY - HOUR); /* clears the failures */
  pqnet_addrman_good(f.am, &good_a, NOW + DAY - HOUR);
  pqnet_addrman_attempt(f.am, &bad_a, NOW + DAY, 0);
  good_wins = 0;
  for (int k = 0; k < 2000; k++) {
    pqnet_addr_info out;
    assert_int_equal(pqnet_addrman_select(f.am, 0, NOW + DAY + 60, NULL, NULL, &out), 0);
    good_wins += pqnet_addr_equal(&out.addr, &good_a);
  }
  printf("# select: entry not tried recently won %d of 2000\n", good_wins);
  assert_true(good_wins > 1500);
  fx_close(&f);

  /* Recently seen beats seen 13 days ago, but by at most 2x. */
  c = tiny_cfg();
  c.new_buckets = 2;
  c.new_buckets_per_source_group = 2;
  fx_open(&f, &c, 61);
  pqnet_addr fresh, stale;
  have = 0;
  for (unsigned i = 0; i < 200 && have < 2; i++) {
    pqnet_addr a = v4(routable_octet(i), i, 1, 1, 1);
    pqnet_addr from = v4(routable_octet(i * 3), i, 1, 1, 1);
    if (add1(f.am, a, have ? NOW - 13 * DAY : NOW, &from, NOW) == 1) {
      if (have == 0)
        fresh = a;
      else
        stale = a;
      have++;
    }
  }
  assert_int_equal(have, 2);
  int fresh_wins = 0;
  for (int k = 0; k < 4000; k++) {
    pqnet_addr_info out;
    assert_int_equal(pqnet_addrman_select(f.am, 0, NOW, NULL, NULL, &out), 0);
    fresh_wins += pqnet_addr_equal(&out.addr, &fresh);
  }
  printf("# select: fresh entry won %d of 4000 against one seen 13 days ago\n", fresh_wins);
  assert_true(fresh_wins > 2200 && fresh_wins < 3400);
  (void)stale;
  fx_close(&f);
}

/* ---- sampling ------------------------------------------------------------------------------ */

static void test_sample_bounds(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 22);
  for (unsigned i = 0; i < 1000; i++) {
    pqnet_addr src = v4(routable_octet(i * 7), (i * 3) & 0xff, 1, 1, 1);
    add1(f.am, v4(routable_octet(i), i & 0xff, (i >> 8) & 0xff, 1, 7071), NOW - (i % 10) * HOUR,
         &src, NOW);
  }
  size_t all = total(f.am);
  assert_true(all > 900);
  static pqnet_addr_info out[1200];
  size_t k = pqnet_addrman_sample(f.am, out, 1000, 23, NOW);
  assert_int_equal(k, (all * 23 + 99) / 100);
  k = pqnet_addrman_sample(f.am, out, 100, 23, NOW);
  assert_int_equal(k, 100);
  /* No duplicates. */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < i; j++) assert_false(pqnet_addr_equal(&out[i].addr, &out[j].addr));
  k = pqnet_addrman_sample(f.am, out, 1200, 0, NOW);
  assert_int_equal(k, all);
  assert_int_equal(pqnet_addrman_sample(f.am, out, 0, 23, NOW), 0);
  /* Terrible entries are not shared: make 300 of them fail three times. */
  for (size_t i = 0; i < 300; i++) {
    for (int j = 0; j < 3; j++) pqnet_addrman_attempt(f.am, &out[i].addr, NOW, 1);
  }
  static pqnet_addr_info out2[1200];
  size_t k2 = pqnet_addrman_sample(f.am, out2, 1200, 0, NOW + HOUR);
  assert_int_equal(k2, all - 300);
  for (size_t i = 0; i < k2; i++) assert_int_equal(out2[i].attempts, 0);
  /* Small tables still share something (the percentage rounds up). */
  fx_close(&f);
  fx_open(&f, NULL, 23);
  add1(f.am, v4(11, 1, 1, 1, 1), NOW, NULL, NOW);
  add1(f.am, v4(12, 1, 1, 1, 1), NOW, NULL, NOW);
  assert_int_equal(pqnet_addrman_sample(f.am, out, 10, 23, NOW), 1);
  fx_close(&f);
}

/* ---- test-before-evict ------------------------------------------------------------------- */

/* Two addresses a and b in new (room for both), competing for the only
 * tried slot of tiny_cfg. */
static void add_pair(fixture *f, uint64_t seed, int no_tbe, pqnet_addr *a, pqnet_addr *b) {
  pqnet_addrman_config c = tiny_cfg();
  c.new_buckets = 4;
  c.new_buckets_per_source_group = 4;
  c.no_test_before_evict = no_tbe;
  fx_open(f, &c, seed);
  *a = v4(11, 1, 1, 1, 1);
  assert_int_equal(add1(f->am, *a, NOW, NULL, NOW), 1);
  int found = 0;
  for (unsigned i = 0; i < 300 && !found; i++) {
    *b = v4(12, i, 1, 1, 1);
    found = add1(f->am, *b, NOW, NULL, NOW) == 1;
  }
  assert_true(found);
}

static void setup_collision(fixture *f, uint64_t seed, pqnet_addr *a, pqnet_addr *b, uint64_t t_a,
                            uint64_t t_b) {
  add_pair(f, seed, 0, a, b);
  assert_int_equal(pqnet_addrman_good(f->am, a, t_a), 0);
  assert_int_equal(pqnet_addrman_good(f->am, b, t_b), 1); /* collision recorded */
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f->am, b, &got), 0);
  assert_int_equal(got.in_tried, 0);
  assert_int_equal(pqnet_addrman_collision(f->am, t_b, &got), 0);
  assert_true(pqnet_addr_equal(&got.addr, a)); /* the incumbent to test */
}

static void test_before_evict_incumbent_answers(void **state) {
  (void)state;
  fixture f;
  pqnet_addr a, b;
  pqnet_addr_info got;
  setup_collision(&f, 24, &a, &b, NOW, NOW + 5 * HOUR);
  /* The test connection to a works. */
  assert_int_equal(pqnet_addrman_good(f.am, &a, NOW + 5 * HOUR + 10), 0);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, NOW + 5 * HOUR + 20), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.in_tried, 1);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 0);
  assert_int_equal(pqnet_addrman_collision(f.am, NOW, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, NOW + 6 * HOUR), 0);
  fx_close(&f);

  /* An incumbent that succeeded within 4 hours is kept without a test. */
  setup_collision(&f, 25, &a, &b, NOW, NOW + HOUR);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, NOW + HOUR), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.in_tried, 1);
  fx_close(&f);
}

/* TEST ONLY switch (the simulator's "no test-before-evict"): the newcomer
 * takes the tried slot at once and the incumbent goes back to new. */
static void test_no_test_before_evict(void **state) {
  (void)state;
  fixture f;
  pqnet_addr a, b;
  add_pair(&f, 24, 1, &a, &b);
  assert_int_equal(pqnet_addrman_good(f.am, &a, NOW), 0);
  assert_int_equal(pqnet_addrman_good(f.am, &b, NOW + 5 * HOUR), 0); /* no collision */
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 1);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.in_tried, 0);
  assert_int_equal(pqnet_addrman_collision(f.am, NOW, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_check(f.am), 0);
  fx_close(&f);
}

static void test_before_evict_incumbent_fails(void **state) {
  (void)state;
  fixture f;
  pqnet_addr a, b;
  pqnet_addr_info got;
  uint64_t t = NOW + 5 * HOUR;
  setup_collision(&f, 26, &a, &b, NOW, t);
  assert_int_equal(pqnet_addrman_attempt(f.am, &a, t + 10, 1), 0);
  /* Within the grace minute: wait. */
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t + 40), 0);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 0);
  /* After it: evict a to new, move b to tried. */
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t + 80), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 1);
  assert_int_equal(pqnet_addrman_find(f.am, &a, &got), 0);
  assert_int_equal(got.in_tried, 0);
  assert_int_equal(pqnet_addrman_check(f.am), 0);
  fx_close(&f);
}

static void test_before_evict_untested(void **state) {
  (void)state;
  fixture f;
  pqnet_addr a, b;
  pqnet_addr_info got;
  uint64_t t = NOW + 5 * HOUR;
  setup_collision(&f, 27, &a, &b, NOW, t);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t + 39 * MINUTE), 0);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t + 41 * MINUTE), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 1);
  fx_close(&f);

  /* A newcomer removed meanwhile (banned) drops its collision. */
  setup_collision(&f, 28, &a, &b, NOW, t);
  assert_int_equal(pqnet_addrman_remove(f.am, &b), 0);
  assert_int_equal(pqnet_addrman_collision(f.am, t, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t + DAY), 0);
  fx_close(&f);

  /* The incumbent removed meanwhile: the newcomer moves straight in. */
  setup_collision(&f, 29, &a, &b, NOW, t);
  assert_int_equal(pqnet_addrman_remove(f.am, &a), 0);
  assert_int_equal(pqnet_addrman_collision(f.am, t, &got), PQNET_ERR_STATE);
  assert_int_equal(pqnet_addrman_resolve_collisions(f.am, t), 1);
  assert_int_equal(pqnet_addrman_find(f.am, &b, &got), 0);
  assert_int_equal(got.in_tried, 1);
  fx_close(&f);
}

static void test_collision_set_bounded(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  c.tried_buckets = 1;
  c.bucket_size = 1; /* new: 64 x 1, tried: 1 x 1 */
  fx_open(&f, &c, 30);
  int added = 0;
  pqnet_addr list[64];
  for (unsigned i = 0; i < 2000 && added < 30; i++) {
    pqnet_addr a = v4(routable_octet(i), i & 0xff, 1, 1, 1);
    pqnet_addr from = v4(routable_octet(i * 7), i & 0xff, 2, 2, 1);
    if (add1(f.am, a, NOW, &from, NOW) == 1) list[added++] = a;
  }
  assert_int_equal(added, 30);
  assert_int_equal(pqnet_addrman_good(f.am, &list[0], NOW), 0);
  for (int i = 1; i < added; i++)
    assert_int_equal(pqnet_addrman_good(f.am, &list[i], NOW + HOUR * 5), 1);
  /* Ten are pending: one eviction (untested incumbent), then the other nine
   * meet the fresh incumbent and are dropped. */
  int settled = pqnet_addrman_resolve_collisions(f.am, NOW + 6 * HOUR);
  assert_int_equal(settled, PQNET_ADDRMAN_COLLISIONS_MAX);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_collision(f.am, NOW, &got), PQNET_ERR_STATE);
  fx_close(&f);
}

/* ---- persistence ------------------------------------------------------------------------------
 */

typedef struct saved {
  pqnet_addr_info *v;
  size_t n, cap;
} saved;

static int save_cb(void *ctx, const pqnet_addr_info *info) {
  saved *s = ctx;
  if (s->n == s->cap) return -1;
  s->v[s->n++] = *info;
  return 0;
}

static int stop_cb(void *ctx, const pqnet_addr_info *info) {
  (void)info;
  return ++*(int *)ctx == 3 ? 42 : 0;
}

/* Build a busy addrman: many sources, tried entries, failures, peer ids. */
static void populate(pqnet_addrman *am, uint64_t seed, unsigned count) {
  pqnet_rng_det r;
  pqnet_rng_det_init_u64(&r, seed);
  for (unsigned i = 0; i < count; i++) {
    pqnet_addr src = v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff, 3, 3, 1);
    pqnet_addr a = rnd(&r) % 5 == 0
                       ? v6(0x2a000000u | ((uint32_t)rnd(&r) & 0xffffff), (uint32_t)rnd(&r), 7071)
                       : v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff,
                            (unsigned)rnd(&r) & 0xff, 1, 7071);
    pqnet_addr_info in = info_of(a, NOW - rnd(&r) % (3 * DAY));
    in.services = rnd(&r) & 0xff;
    pqnet_addrman_add(am, &in, 1, rnd(&r) % 7 == 0 ? NULL : &src, NOW);
    /* Some re-announcements from elsewhere give second references. */
    if (rnd(&r) % 3 == 0) {
      pqnet_addr src2 = v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff, 4, 4, 1);
      in.last_seen = NOW;
      pqnet_addrman_add(am, &in, 1, &src2, NOW);
    }
    uint64_t op = rnd(&r) % 10;
    if (op < 3) pqnet_addrman_good(am, &a, NOW - rnd(&r) % DAY);
    if (op == 3) pqnet_addrman_attempt(am, &a, NOW - 100, 1);
    if (op == 4) {
      uint8_t pid[32];
      memset(pid, (int)(i & 0xff), sizeof pid);
      pqnet_addrman_set_peer_id(am, &a, pid);
    }
  }
  pqnet_rng_det_free(&r);
}

static void test_save_load_roundtrip(void **state) {
  (void)state;
  const pqnet_addrman_config cfgs[2] = {small_cfg(), {.policy = {0, 0}}}; /* small, defaults */
  for (int ci = 0; ci < 2; ci++) {
    fixture f, g;
    fx_open(&f, &cfgs[ci], 31 + (uint64_t)ci);
    populate(f.am, 131 + (uint64_t)ci, ci ? 6000 : 1500);
    size_t n_a, t_a;
    pqnet_addrman_size(f.am, &n_a, &t_a);
    assert_true(t_a > 0 && n_a > 0);
    saved s = {calloc(20000, sizeof(pqnet_addr_info)), 0, 20000};
    assert_non_null(s.v);
    assert_int_equal(pqnet_addrman_foreach(f.am, save_cb, &s), 0);
    assert_int_equal(s.n, n_a + t_a);
    int stops = 0;
    assert_int_equal(pqnet_addrman_foreach(f.am, stop_cb, &stops), 42);
    assert_int_equal(pqnet_addrman_foreach(f.am, NULL, NULL), PQNET_ERR_INVALID_ARG);

    /* Load in reverse order (order must not matter) into a fresh addrman. */
    fx_open(&g, &cfgs[ci], 999);
    for (size_t i = s.n; i-- > 0;) assert_int_equal(pqnet_addrman_load(g.am, &s.v[i], NOW), 1);
    size_t n_b, t_b;
    pqnet_addrman_size(g.am, &n_b, &t_b);
    assert_int_equal(n_b, n_a);
    assert_int_equal(t_b, t_a);
    for (size_t i = 0; i < s.n; i++) {
      pqnet_addr_info x;
      assert_int_equal(pqnet_addrman_find(g.am, &s.v[i].addr, &x), 0);
      assert_memory_equal(&x, &s.v[i], sizeof x);
      int tr_a, tr_b;
      uint32_t ba[PQNET_ADDRMAN_NEW_REFS_MAX], pa[PQNET_ADDRMAN_NEW_REFS_MAX];
      uint32_t bb[PQNET_ADDRMAN_NEW_REFS_MAX], pb[PQNET_ADDRMAN_NEW_REFS_MAX];
      size_t na, nb;
      assert_int_equal(pqnet_addrman_locate(f.am, &s.v[i].addr, &tr_a, ba, pa, &na), 0);
      assert_int_equal(pqnet_addrman_locate(g.am, &s.v[i].addr, &tr_b, bb, pb, &nb), 0);
      assert_int_equal(tr_a, tr_b);
      assert_int_equal(ba[0], bb[0]);
      assert_int_equal(pa[0], pb[0]);
      assert_int_equal(nb, 1); /* secondary references are not persisted */
    }
    /* Loading the same rows again adds nothing. */
    for (size_t i = 0; i < s.n; i++) assert_int_equal(pqnet_addrman_load(g.am, &s.v[i], NOW), 0);
    fx_close(&g);

    /* Another secret: other slots, so some rows collide and are dropped or
     * fall back to new, but what loads is consistent. */
    pqnet_rng_det det;
    pqnet_rng_det_init_u64(&det, 5);
    uint8_t other[32];
    memset(other, 0x77, sizeof other);
    pqnet_addrman *h;
    assert_int_equal(pqnet_addrman_new(&cfgs[ci], other, &det.rng, &h), 0);
    size_t loaded = 0;
    for (size_t i = 0; i < s.n; i++) loaded += (size_t)pqnet_addrman_load(h, &s.v[i], NOW);
    assert_true(loaded > 0 && loaded <= s.n);
    assert_int_equal(total(h), loaded);
    assert_int_equal(pqnet_addrman_check(h), 0);
    pqnet_addrman_del(h);
    pqnet_rng_det_free(&det);
    free(s.v);
    fx_close(&f);
  }
}

static void test_load_untrusted(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 32);
  pqnet_addr_info row = info_of(v4(11, 1, 2, 3, 7071), NOW - HOUR);
  row.in_tried = 2;
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 0);
  row.in_tried = 0;
  row.addr = v4(10, 1, 1, 1, 7071); /* private on a public network */
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 0);
  row.addr = v4(11, 1, 2, 3, 0); /* port 0 */
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 0);
  row.addr = v4(11, 1, 2, 3, 7071);
  row.last_seen = NOW - 15 * DAY; /* expired */
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 0);
  /* Future times are clamped to now; a garbage source becomes "none";
   * has_peer_id is normalised. */
  row.last_seen = NOW + 100 * DAY;
  row.last_success = NOW + DAY;
  row.last_try = NOW + DAY;
  row.first_seen = NOW + DAY;
  row.source.family = 9;
  row.has_peer_id = 7;
  row.attempts = 2;
  row.in_tried = 1;
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 1);
  pqnet_addr_info got;
  assert_int_equal(pqnet_addrman_find(f.am, &row.addr, &got), 0);
  assert_int_equal(got.last_seen, NOW);
  assert_int_equal(got.last_success, NOW);
  assert_int_equal(got.last_try, NOW);
  assert_int_equal(got.first_seen, NOW);
  assert_int_equal(got.source.family, 0);
  assert_int_equal(got.has_peer_id, 1);
  assert_int_equal(got.attempts, 2);
  assert_int_equal(got.in_tried, 1);
  assert_int_equal(pqnet_addrman_load(f.am, &row, NOW), 0); /* duplicate */
  assert_int_equal(pqnet_addrman_load(f.am, NULL, NOW), PQNET_ERR_INVALID_ARG);
  fx_close(&f);

  /* max_entries holds on load too. */
  c.max_entries = 5;
  fx_open(&f, &c, 33);
  int loaded = 0;
  for (unsigned i = 0; i < 100; i++) {
    pqnet_addr_info r = info_of(v4(routable_octet(i), i, 1, 1, 1), NOW);
    loaded += pqnet_addrman_load(f.am, &r, NOW);
  }
  assert_int_equal(loaded, 5);
  assert_int_equal(total(f.am), 5);
  fx_close(&f);
}

/* ---- determinism and failures ---------------------------------------------------------------- */

static void test_deterministic(void **state) {
  (void)state;
  pqnet_addr_info sa[64], sb[64], oa, ob;
  fixture f, g;
  pqnet_addrman_config c = small_cfg();
  fx_open(&f, &c, 34);
  fx_open(&g, &c, 34);
  populate(f.am, 77, 800);
  populate(g.am, 77, 800);
  for (int k = 0; k < 100; k++) {
    int ra = pqnet_addrman_select(f.am, k & 1, NOW + k, NULL, NULL, &oa);
    int rb = pqnet_addrman_select(g.am, k & 1, NOW + k, NULL, NULL, &ob);
    assert_int_equal(ra, rb);
    if (ra == 0) assert_memory_equal(&oa, &ob, sizeof oa);
  }
  size_t na = pqnet_addrman_sample(f.am, sa, 64, 23, NOW);
  size_t nb = pqnet_addrman_sample(g.am, sb, 64, 23, NOW);
  assert_int_equal(na, nb);
  assert_memory_equal(sa, sb, na * sizeof sa[0]);
  fx_close(&f);
  fx_close(&g);
}

typedef struct failing_alloc {
  long budget; /* allocations left; < 0: unlimited */
  long count;
} failing_alloc;

static void *fa_realloc(void *ctx, void *p, size_t n) {
  failing_alloc *fa = ctx;
  if (fa->budget == 0) return NULL;
  if (fa->budget > 0) fa->budget--;
  fa->count++;
  return realloc(p, n);
}

static void fa_free(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

static void test_alloc_failures(void **state) {
  (void)state;
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 35);
  pqnet_addrman_config c = small_cfg();
  c.realloc_fn = fa_realloc;
  c.free_fn = fa_free;
  /* Creation fails cleanly at every allocation. */
  for (long b = 0; b < 12; b++) {
    failing_alloc fa = {b, 0};
    c.alloc_ctx = &fa;
    pqnet_addrman *am = (pqnet_addrman *)1;
    int rc = pqnet_addrman_new(&c, SECRET, &det.rng, &am);
    if (rc == 0) {
      pqnet_addrman_del(am);
      break;
    }
    assert_int_equal(rc, PQNET_ERR_NOMEM);
    assert_null(am);
  }
  /* Growth failures leave the addrman consistent and usable. */
  failing_alloc fa = {-1, 0};
  c.alloc_ctx = &fa;
  pqnet_addrman *am;
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &det.rng, &am), 0);
  int nomem = 0;
  for (unsigned i = 0; i < 600; i++) {
    fa.budget = (i % 3 == 0) ? 0 : -1;
    int rc = add1(am, v4(routable_octet(i), i & 0xff, (i >> 8) & 0xff, 1, 1), NOW, NULL, NOW);
    assert_true(rc == 0 || rc == 1 || rc == PQNET_ERR_NOMEM);
    nomem += rc == PQNET_ERR_NOMEM;
    fa.budget = -1;
    assert_int_equal(pqnet_addrman_check(am), 0);
  }
  assert_true(nomem > 0);
  pqnet_addrman_del(am);
  pqnet_rng_det_free(&det);
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return PQNET_ERR_RNG;
}

static void test_rng_failure(void **state) {
  (void)state;
  pqnet_rng bad = {failing_fill, NULL};
  pqnet_addrman *am;
  pqnet_addrman_config c = small_cfg();
  assert_int_equal(pqnet_addrman_new(&c, SECRET, &bad, &am), 0);
  /* A first add needs no randomness. */
  assert_int_equal(add1(am, v4(11, 1, 1, 1, 1), NOW, NULL, NOW), 1);
  pqnet_addr_info out;
  assert_int_equal(pqnet_addrman_select(am, 0, NOW, NULL, NULL, &out), PQNET_ERR_RNG);
  assert_int_equal(pqnet_addrman_sample(am, &out, 1, 0, NOW), 0);
  assert_int_equal(pqnet_addrman_check(am), 0);
  pqnet_addrman_del(am);
}

static void test_check_ratio(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c = small_cfg();
  c.check_ratio = 1; /* check after every change */
  fx_open(&f, &c, 36);
  populate(f.am, 36, 300);
  assert_true(total(f.am) > 0);
  fx_close(&f);
}

/* ---- devnet ------------------------------------------------------------------------------------
 */

static void test_devnet_loopback_groups(void **state) {
  (void)state;
  fixture f;
  pqnet_addrman_config c;
  memset(&c, 0, sizeof c);
  c.policy.allow_loopback = 1;
  c.policy.allow_private = 1;
  fx_open(&f, &c, 37);
  /* 127.a.*.* from one source: one group, so one bucket. */
  pqnet_addr src = v4(127, 200, 0, 1, 7071);
  uint32_t bucket = UINT32_MAX;
  for (unsigned i = 0; i < 500; i++) {
    pqnet_addr a = v4(127, 1, i & 0xff, (i >> 8) + 1, 7071);
    if (add1(f.am, a, NOW, &src, NOW) != 1) continue;
    int tr;
    uint32_t b[PQNET_ADDRMAN_NEW_REFS_MAX], p[PQNET_ADDRMAN_NEW_REFS_MAX];
    size_t n;
    assert_int_equal(pqnet_addrman_locate(f.am, &a, &tr, b, p, &n), 0);
    if (bucket == UINT32_MAX) bucket = b[0];
    assert_int_equal(b[0], bucket);
  }
  assert_true(total(f.am) <= PQNET_ADDRMAN_BUCKET_SIZE);
  /* 127.1 .. 127.40 are forty groups: they spread over many buckets. */
  uint32_t seen[64];
  size_t nseen = 0;
  for (unsigned g = 1; g <= 40; g++) {
    pqnet_addr a = v4(127, g, 9, 9, 7071);
    add1(f.am, a, NOW, &src, NOW);
    int tr;
    uint32_t b[PQNET_ADDRMAN_NEW_REFS_MAX], p[PQNET_ADDRMAN_NEW_REFS_MAX];
    size_t n;
    if (pqnet_addrman_locate(f.am, &a, &tr, b, p, &n) != 0) continue;
    int dup = 0;
    for (size_t k = 0; k < nseen; k++) dup |= seen[k] == b[0];
    if (!dup) seen[nseen++] = b[0];
  }
  assert_true(nseen > 10);
  fx_close(&f);
}

/* ---- the attacker -----------------------------------------------------------------------------
 */

/* Distinct buckets among a list. */
static size_t distinct(const uint32_t *v, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; i++) {
    int dup = 0;
    for (size_t j = 0; j < i && !dup; j++) dup = v[j] == v[i];
    d += !dup;
  }
  return d;
}

/* Random attacker content: any family, port, time (future, zero, ancient),
 * its own and honest addresses, duplicates. */
static pqnet_addr_info attacker_entry(pqnet_rng_det *r, unsigned round) {
  pqnet_addr_info in;
  memset(&in, 0, sizeof in);
  uint64_t k = rnd(r);
  switch (k % 8) {
  case 0: in.addr = v6((uint32_t)rnd(r), (uint32_t)rnd(r), (uint16_t)rnd(r)); break;
  case 1: in.addr = v4(10, (unsigned)rnd(r) & 0xff, 1, 1, 1); break; /* private */
  default:
    /* Routable, in the attacker's "own" first octet 200..223. */
    in.addr = v4(200 + (unsigned)(rnd(r) % 24), (unsigned)rnd(r) & 0xff, (unsigned)rnd(r) & 0xff,
                 (unsigned)rnd(r) & 0xff, (uint16_t)(1 + rnd(r) % 65535));
  }
  switch ((k >> 8) % 5) {
  case 0: in.last_seen = NOW + rnd(r) % (1000 * DAY); break;
  case 1: in.last_seen = 0; break;
  case 2: in.last_seen = rnd(r); break;
  default: in.last_seen = NOW - (round % 50);
  }
  in.services = rnd(r);
  return in;
}

static int is_attacker_addr(const pqnet_addr *a) {
  return a->family == 6 || (a->family == 4 && a->ip[0] >= 200 && a->ip[0] <= 223);
}

/* 3000 honest addresses from 300 honest source groups (octets 11..128). */
static void add_honest(pqnet_addrman *am, uint64_t seed) {
  pqnet_rng_det r;
  pqnet_rng_det_init_u64(&r, seed + 7777);
  for (unsigned i = 0; i < 3000; i++) {
    pqnet_addr src = v4(routable_octet(i % 300), (i % 300) & 0xff, 7, 7, 1);
    add1(am,
         v4(routable_octet(rnd(&r)), (unsigned)rnd(&r) & 0xff, (unsigned)rnd(&r) & 0xff, 1, 7071),
         NOW - rnd(&r) % DAY, &src, NOW);
  }
  pqnet_rng_det_free(&r);
}

static void attacker_new_table(const pqnet_addrman_config *cfg, uint64_t seed, int honest_first) {
  printf("# attacker (new table) seed %llu, honest first %d\n", (unsigned long long)seed,
         honest_first);
  fixture f;
  fx_open(&f, cfg, seed);
  pqnet_rng_det r;
  pqnet_rng_det_init_u64(&r, seed + 1);
  uint32_t nb, tb, bs, nps, tpg;
  pqnet_addrman_geometry(f.am, &nb, &tb, &bs, &nps, &tpg);
  /* Control: how many honest addresses an unattacked addrman keeps. */
  pqnet_addrman *control;
  assert_int_equal(pqnet_addrman_new(cfg, SECRET, &f.det.rng, &control), 0);
  add_honest(control, seed);
  size_t honest_control = total(control);
  pqnet_addrman_del(control);
  if (honest_first) add_honest(f.am, seed);
  size_t honest_before = total(f.am);
  /* The attacker: one /16 (201.77.x.y), many connections, 200 Addrs of 1000. */
  static pqnet_addr_info batch[1000];
  for (unsigned round = 0; round < 200; round++) {
    pqnet_addr src = v4(201, 77, (unsigned)rnd(&r) & 0xff, (unsigned)rnd(&r) & 0xff, 7071);
    for (size_t i = 0; i < 1000; i++) batch[i] = attacker_entry(&r, round);
    int rc = pqnet_addrman_add(f.am, batch, 1000, &src, NOW + round);
    assert_true(rc >= 0);
    assert_true(total(f.am) <= (size_t)(nb + tb) * bs);
  }
  assert_int_equal(pqnet_addrman_check(f.am), 0);
  if (!honest_first) add_honest(f.am, seed);
  /* Collect where the attacker's own addresses sit. */
  static pqnet_addr_info all[90000];
  size_t k = pqnet_addrman_sample(f.am, all, 90000, 0, NOW);
  static uint32_t buckets[90000 * PQNET_ADDRMAN_NEW_REFS_MAX];
  static uint8_t nonempty[PQNET_ADDRMAN_NEW_BUCKETS];
  memset(nonempty, 0, sizeof nonempty);
  size_t nrefs = 0, attacker = 0, honest = 0;
  for (size_t i = 0; i < k; i++) {
    int tr;
    uint32_t b[PQNET_ADDRMAN_NEW_REFS_MAX], p[PQNET_ADDRMAN_NEW_REFS_MAX];
    size_t n;
    assert_int_equal(pqnet_addrman_locate(f.am, &all[i].addr, &tr, b, p, &n), 0);
    for (size_t j = 0; j < n && !tr; j++) nonempty[b[j]] = 1;
    if (!is_attacker_addr(&all[i].addr)) {
      honest++;
      continue;
    }
    attacker++;
    assert_int_equal(tr, 0);
    for (size_t j = 0; j < n; j++) buckets[nrefs++] = b[j];
  }
  size_t used = distinct(buckets, nrefs), n_nonempty = 0;
  for (uint32_t b = 0; b < nb; b++) n_nonempty += nonempty[b];
  printf("# attacker: %zu entries in %zu buckets (limit %u buckets = %u slots); honest %zu of "
         "%zu kept\n",
         attacker, used, nps, nps * bs, honest, honest_before);
  assert_true(used <= nps);
  assert_true(attacker <= (size_t)nps * bs);
  if (honest_first) {
    /* Honest entries are healthy, so none were overwritten. */
    assert_int_equal(honest, honest_before);
  } else {
    /* Honest addresses arriving after the flood lose at most the attacker's
     * share of slots compared with the unattacked control. */
    printf("# attacker: honest arriving later kept %zu (control %zu)\n", honest, honest_control);
    assert_true(honest + (size_t)nps * bs >= honest_control);
  }
  /* Selection: the attacker's share is bounded by its buckets' share. */
  int hits = 0, runs = 3000;
  for (int i = 0; i < runs; i++) {
    pqnet_addr_info out;
    if (pqnet_addrman_select(f.am, 1, NOW + DAY, NULL, NULL, &out) == 0)
      hits += is_attacker_addr(&out.addr);
  }
  double share = (double)used / (double)n_nonempty;
  printf("# attacker: %d of %d selections; its buckets are %.1f%% of the non-empty ones\n", hits,
         runs, 100 * share);
  assert_true((double)hits / runs <= share + 0.03);
  pqnet_rng_det_free(&r);
  fx_close(&f);
}

static void test_attacker_one_source_group(void **state) {
  (void)state;
  pqnet_addrman_config c = small_cfg();
  attacker_new_table(&c, 40, 1);
  attacker_new_table(NULL, 41, 1);
  attacker_new_table(&c, 45, 0); /* the attacker arrives first, into an empty table */
  attacker_new_table(NULL, 46, 0);
}

/* One source group sending addresses of one address group: one bucket. */
static void test_attacker_one_group_one_bucket(void **state) {
  (void)state;
  fixture f;
  fx_open(&f, NULL, 42);
  pqnet_addr src = v4(201, 77, 1, 1, 7071);
  for (unsigned i = 0; i < 20000; i++)
    add1(f.am, v4(202, 9, i & 0xff, (i >> 8) & 0xff, (uint16_t)(i + 1)), NOW, &src, NOW);
  assert_true(total(f.am) <= PQNET_ADDRMAN_BUCKET_SIZE);
  fx_close(&f);
}

/* One address group in tried: however many of its addresses we connect to,
 * they reach at most tried_buckets_per_group buckets, and honest tried entries
 * that still answer are not evicted. */
static void test_attacker_tried_share(void **state) {
  (void)state;
  for (int ci = 0; ci < 2; ci++) {
    uint64_t seed = 43 + (uint64_t)ci;
    printf("# attacker (tried table) seed %llu\n", (unsigned long long)seed);
    pqnet_addrman_config c = small_cfg();
    fixture f;
    fx_open(&f, ci ? NULL : &c, seed);
    uint32_t nb, tb, bs, nps, tpg;
    pqnet_addrman_geometry(f.am, &nb, &tb, &bs, &nps, &tpg);
    /* Honest tried peers. */
    size_t honest_tried = 0;
    for (unsigned i = 0; i < 600; i++) {
      pqnet_addr a = v4(routable_octet(i), (i * 5) & 0xff, 1, 1, 7071);
      pqnet_addr src = v4(routable_octet(i + 3), i & 0xff, 2, 2, 1);
      if (add1(f.am, a, NOW, &src, NOW) == 1 && pqnet_addrman_good(f.am, &a, NOW) == 0)
        honest_tried++;
    }
    /* The attacker's group 201.77/16: 20,000 addresses, from many sources,
     * and we manage to connect to every one of them. */
    uint64_t t = NOW + HOUR;
    for (unsigned i = 0; i < 20000; i++) {
      pqnet_addr a = v4(201, 77, i & 0xff, (i >> 8) & 0xff, 7071);
      pqnet_addr src = v4(routable_octet(i), (i * 7) & 0xff, 3, 3, 1);
      add1(f.am, a, t, &src, t);
      pqnet_addrman_good(f.am, &a, t);
      /* Honest incumbents answer their tests. */
      pqnet_addr_info inc;
      if (i % 50 == 0 && pqnet_addrman_collision(f.am, t, &inc) == 0) {
        if (!is_attacker_addr(&inc.addr)) pqnet_addrman_good(f.am, &inc.addr, t);
        pqnet_addrman_resolve_collisions(f.am, t);
      }
    }
    pqnet_addrman_resolve_collisions(f.am, t + 50 * MINUTE);
    static pqnet_addr_info all[90000];
    size_t k = pqnet_addrman_sample(f.am, all, 90000, 0, t);
    static uint32_t buckets[90000];
    size_t n_att = 0, n_hon = 0;
    for (size_t i = 0; i < k; i++) {
      if (!all[i].in_tried) continue;
      if (!is_attacker_addr(&all[i].addr)) {
        n_hon++;
        continue;
      }
      int tr;
      uint32_t b[PQNET_ADDRMAN_NEW_REFS_MAX], p[PQNET_ADDRMAN_NEW_REFS_MAX];
      size_t n;
      assert_int_equal(pqnet_addrman_locate(f.am, &all[i].addr, &tr, b, p, &n), 0);
      buckets[n_att++] = b[0];
    }
    size_t used = distinct(buckets, n_att);
    printf("# attacker: %zu tried entries in %zu tried buckets (limit %u); honest tried %zu of "
           "%zu\n",
           n_att, used, tpg, n_hon, honest_tried);
    assert_true(used <= tpg);
    assert_true(n_att <= (size_t)tpg * bs);
    /* Honest tried entries lost at most the collisions that resolved against
     * them while untested (those in the attacker's few buckets). */
    assert_true(n_hon + (size_t)tpg * bs >= honest_tried);
    fx_close(&f);
  }
}

/* Random operation soup: caps and invariants always hold. */
static void test_random_ops_caps(void **state) {
  (void)state;
  for (uint64_t seed = 50; seed < 54; seed++) {
    printf("# random ops seed %llu\n", (unsigned long long)seed);
    pqnet_addrman_config c = small_cfg();
    c.max_entries = 300;
    c.ttl_seconds = 3 * DAY;
    fixture f;
    fx_open(&f, &c, seed);
    pqnet_rng_det r;
    pqnet_rng_det_init_u64(&r, seed * 1000);
    uint64_t now = NOW;
    for (int step = 0; step < 6000; step++) {
      now += rnd(&r) % 600;
      pqnet_addr a =
          v4(routable_octet(rnd(&r) % 20), (unsigned)rnd(&r) % 16, (unsigned)rnd(&r) % 8, 1, 7071);
      pqnet_addr src = v4(routable_octet(rnd(&r) % 20), (unsigned)rnd(&r) % 4, 1, 1, 1);
      pqnet_addr_info out;
      switch (rnd(&r) % 10) {
      case 0:
      case 1:
      case 2: add1(f.am, a, now - rnd(&r) % DAY, &src, now); break;
      case 3: pqnet_addrman_good(f.am, &a, now); break;
      case 4: pqnet_addrman_attempt(f.am, &a, now, (int)(rnd(&r) & 1)); break;
      case 5:
        if (pqnet_addrman_select(f.am, (int)(rnd(&r) & 1), now, NULL, NULL, &out) == 0)
          pqnet_addrman_good(f.am, &out.addr, now);
        break;
      case 6: pqnet_addrman_resolve_collisions(f.am, now); break;
      case 7:
        if (pqnet_addrman_collision(f.am, now, &out) == 0)
          pqnet_addrman_attempt(f.am, &out.addr, now, 1);
        break;
      case 8: pqnet_addrman_prune(f.am, now, 20); break;
      default: pqnet_addrman_remove(f.am, &a); break;
      }
      assert_true(total(f.am) <= 300);
      if (step % 500 == 0) assert_int_equal(pqnet_addrman_check(f.am), 0);
    }
    pqnet_rng_det_free(&r);
    fx_close(&f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_and_config),
      cmocka_unit_test(test_add_basic),
      cmocka_unit_test(test_add_policy),
      cmocka_unit_test(test_add_timestamps),
      cmocka_unit_test(test_add_updates),
      cmocka_unit_test(test_add_refs),
      cmocka_unit_test(test_good_attempt_connected),
      cmocka_unit_test(test_remove),
      cmocka_unit_test(test_is_terrible),
      cmocka_unit_test(test_terrible_replaced_first),
      cmocka_unit_test(test_ttl_prune),
      cmocka_unit_test(test_max_entries),
      cmocka_unit_test(test_select_basic),
      cmocka_unit_test(test_select_exclusions),
      cmocka_unit_test(test_select_backoff),
      cmocka_unit_test(test_select_mix_and_chance),
      cmocka_unit_test(test_sample_bounds),
      cmocka_unit_test(test_before_evict_incumbent_answers),
      cmocka_unit_test(test_before_evict_incumbent_fails),
      cmocka_unit_test(test_no_test_before_evict),
      cmocka_unit_test(test_before_evict_untested),
      cmocka_unit_test(test_collision_set_bounded),
      cmocka_unit_test(test_save_load_roundtrip),
      cmocka_unit_test(test_load_untrusted),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_alloc_failures),
      cmocka_unit_test(test_rng_failure),
      cmocka_unit_test(test_check_ratio),
      cmocka_unit_test(test_devnet_loopback_groups),
      cmocka_unit_test(test_attacker_one_source_group),
      cmocka_unit_test(test_attacker_one_group_one_bucket),
      cmocka_unit_test(test_attacker_tried_share),
      cmocka_unit_test(test_random_ops_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
