/*
 * The address manager under arbitrary sequences of API calls (after
 * Bitcoin's src/test/fuzz/addrman.cpp): the input picks a small geometry and
 * policy, then a stream of operations with their arguments, under a mock
 * clock that mostly moves forward and sometimes steps back. The allocator
 * fails when the input says so. After every operation pqnet_addrman_check()
 * must return 0 and the size must respect the caps; a "round trip" operation
 * saves every entry, loads them into a fresh addrman with the same secret and
 * compares fields and slots (after addrman_serdeser.cpp). Any violation
 * abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrman/addrman.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static uint8_t u8(input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

/* len bytes of input, zeros once it runs out. */
static void take(input *in, uint8_t *out, size_t len) {
  size_t k = in->n < len ? in->n : len;
  memcpy(out, in->p, k);
  memset(out + k, 0, len - k);
  in->p += k;
  in->n -= k;
}

static uint16_t u16(input *in) {
  return (uint16_t)(u8(in) << 8 | u8(in));
}

/* Allocator that fails while fail_next is set. */
typedef struct alloc_ctl {
  int fail_next;
} alloc_ctl;

static void *ctl_realloc(void *ctx, void *p, size_t n) {
  alloc_ctl *c = ctx;
  if (c->fail_next) return NULL;
  return realloc(p, n);
}

static void ctl_free(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

/* An address from a few bytes: a small pool (so operations meet the same
 * entries again) or anything at all, including forbidden ranges. */
static pqnet_addr any_addr(input *in) {
  pqnet_addr a;
  memset(&a, 0, sizeof a);
  uint8_t kind = u8(in);
  switch (kind % 8) {
  case 0: /* arbitrary IPv6 */
    a.family = 6;
    for (int i = 0; i < 16; i++) a.ip[i] = u8(in);
    a.port = u16(in);
    break;
  case 1: /* arbitrary IPv4 */
    a.family = 4;
    for (int i = 0; i < 4; i++) a.ip[i] = u8(in);
    a.port = u16(in);
    break;
  case 2: /* garbage family */
    a.family = u8(in);
    a.ip[0] = u8(in);
    a.port = 1;
    break;
  case 3: /* loopback and private pools */
    a.family = 4;
    a.ip[0] = (kind & 0x10) ? 127 : 10;
    a.ip[1] = u8(in) % 4;
    a.ip[3] = u8(in) % 8;
    a.port = 7071;
    break;
  default: { /* routable pool: 8 groups x 8 hosts x 2 ports */
    uint8_t x = u8(in);
    a.family = 4;
    a.ip[0] = (uint8_t)(20 + (x & 7));
    a.ip[1] = (uint8_t)((x >> 3) & 1);
    a.ip[2] = 1;
    a.ip[3] = (uint8_t)((x >> 4) & 7);
    a.port = (uint16_t)(7071 + (x >> 7));
  }
  }
  return a;
}

typedef struct saved {
  pqnet_addr_info v[512];
  size_t n;
} saved;

static int save_cb(void *ctx, const pqnet_addr_info *info) {
  saved *s = ctx;
  if (s->n == sizeof s->v / sizeof s->v[0]) return 1;
  s->v[s->n++] = *info;
  return 0;
}

static void roundtrip(pqnet_addrman *am, const pqnet_addrman_config *cfg, const uint8_t secret[32],
                      const pqnet_rng *rng, uint64_t now) {
  static saved s;
  s.n = 0;
  if (pqnet_addrman_foreach(am, save_cb, &s) != 0) return; /* more than we keep */
  pqnet_addrman_config c = *cfg;
  c.realloc_fn = NULL;
  c.free_fn = NULL;
  c.alloc_ctx = NULL;
  pqnet_addrman *b;
  if (pqnet_addrman_new(&c, secret, rng, &b) != 0) abort();
  /* Entries that expire at `now` are refused; load at the oldest time that
   * keeps them all: the latest of all "seen" times is <= now anyway. */
  size_t loaded = 0;
  for (size_t i = s.n; i-- > 0;) {
    int rc = pqnet_addrman_load(b, &s.v[i], now);
    if (rc < 0) abort();
    loaded += (size_t)rc;
    if (rc == 1) {
      pqnet_addr_info x;
      if (pqnet_addrman_find(b, &s.v[i].addr, &x) != 0) abort();
      int ta, tb;
      uint32_t ba[PQNET_ADDRMAN_NEW_REFS_MAX], pa[PQNET_ADDRMAN_NEW_REFS_MAX];
      uint32_t bb[PQNET_ADDRMAN_NEW_REFS_MAX], pb[PQNET_ADDRMAN_NEW_REFS_MAX];
      size_t na, nb;
      if (pqnet_addrman_locate(am, &s.v[i].addr, &ta, ba, pa, &na) != 0) abort();
      if (pqnet_addrman_locate(b, &s.v[i].addr, &tb, bb, pb, &nb) != 0) abort();
      /* Loaded rows keep their slot (a refused one needs no comparison). */
      if (ta != tb || ba[0] != bb[0] || pa[0] != pb[0]) abort();
      if (x.attempts != s.v[i].attempts || x.services != s.v[i].services) abort();
    }
  }
  if (pqnet_addrman_check(b) != 0) abort();
  size_t n, t;
  pqnet_addrman_size(b, &n, &t);
  if (n + t != loaded) abort();
  pqnet_addrman_del(b);
}

static int exclude_odd(void *ctx, const pqnet_addr *a) {
  (void)ctx;
  return a->ip[3] & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  pqnet_addrman_config cfg;
  memset(&cfg, 0, sizeof cfg);
  uint8_t shape = u8(&in);
  cfg.new_buckets = 1u + (shape & 7);
  cfg.tried_buckets = 1u + ((shape >> 3) & 3);
  cfg.bucket_size = 1u + ((shape >> 5) & 7);
  cfg.max_entries = 1u + u8(&in) % 64;
  uint8_t pol = u8(&in);
  cfg.policy.allow_loopback = pol & 1;
  cfg.policy.allow_private = (pol >> 1) & 1;
  cfg.ttl_seconds = (pol & 4) ? 3 * 86400 : 0;
  alloc_ctl ctl = {0};
  cfg.realloc_fn = ctl_realloc;
  cfg.free_fn = ctl_free;
  cfg.alloc_ctx = &ctl;
  uint8_t secret[32];
  take(&in, secret, sizeof secret);
  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, u16(&in));
  pqnet_addrman *am;
  if (pqnet_addrman_new(&cfg, secret, &det.rng, &am) != 0) abort();

  uint64_t now = 1700000000;
  int steps = 0;
  while (in.n > 0 && steps++ < 2000) {
    uint8_t op = u8(&in);
    /* The clock: forward by a scaled amount, rarely backward. */
    uint8_t dt = u8(&in);
    if (dt == 0xff)
      now -= 600;
    else
      now += (uint64_t)dt * (dt > 200 ? 86400 : dt > 100 ? 600 : 1);
    ctl.fail_next = (op & 0x80) && (dt & 1);
    pqnet_addr_info out;
    int rc = 0;
    switch (op & 0x0f) {
    case 0:
    case 1: { /* add a batch */
      pqnet_addr_info batch[8];
      size_t n = 1 + u8(&in) % 8;
      for (size_t i = 0; i < n; i++) {
        memset(&batch[i], 0, sizeof batch[i]);
        batch[i].addr = any_addr(&in);
        uint8_t t = u8(&in);
        batch[i].last_seen = t == 0 ? 0 : t == 1 ? now + 86400 : now - (uint64_t)t * 3600;
        batch[i].services = u8(&in);
      }
      pqnet_addr src = any_addr(&in);
      rc = pqnet_addrman_add(am, batch, n, (op & 0x10) ? NULL : &src, now);
      if (rc > (int)n) abort();
      break;
    }
    case 2: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_good(am, &a, now);
      break;
    }
    case 3: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_attempt(am, &a, now, op & 0x10);
      break;
    }
    case 4: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_connected(am, &a, now);
      break;
    }
    case 5:
      rc = pqnet_addrman_select(am, op & 0x10, now, (op & 0x20) ? exclude_odd : NULL, NULL, &out);
      if (rc == 0 && (op & 0x20) && (out.addr.ip[3] & 1)) abort();
      if (rc == 0 && (op & 0x40)) rc = pqnet_addrman_good(am, &out.addr, now);
      break;
    case 6: {
      pqnet_addr_info v[16];
      size_t max = u8(&in) % 17;
      size_t k = pqnet_addrman_sample(am, v, max, u8(&in) % 101, now);
      if (k > max) abort();
      for (size_t i = 0; i < k; i++)
        if (pqnet_addrman_is_terrible(am, &v[i], now)) abort();
      break;
    }
    case 7:
      rc = pqnet_addrman_collision(am, now, &out);
      if (rc == 0)
        rc = (op & 0x10) ? pqnet_addrman_good(am, &out.addr, now)
                         : pqnet_addrman_attempt(am, &out.addr, now, 1);
      break;
    case 8: rc = pqnet_addrman_resolve_collisions(am, now); break;
    case 9: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_remove(am, &a);
      break;
    }
    case 10: rc = pqnet_addrman_prune(am, now, u8(&in) % 32); break;
    case 11: {
      pqnet_addr_info row;
      memset(&row, 0, sizeof row);
      row.addr = any_addr(&in);
      row.source = any_addr(&in);
      row.in_tried = u8(&in) % 3;
      row.last_seen = now - (uint64_t)u8(&in) * 3600;
      row.last_success = (op & 0x10) ? now - 60 : 0;
      row.attempts = u8(&in);
      rc = pqnet_addrman_load(am, &row, now);
      break;
    }
    case 12: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_set_services(am, &a, u8(&in));
      break;
    }
    case 13: roundtrip(am, &cfg, secret, &det.rng, now); break;
    default: {
      pqnet_addr a = any_addr(&in);
      rc = pqnet_addrman_find(am, &a, &out);
      if (rc == 0 && !pqnet_addr_allowed(&out.addr, &cfg.policy)) abort();
    }
    }
    ctl.fail_next = 0;
    /* Only these codes may come back; CRYPTO never does here. */
    if (rc < 0 && rc != PQNET_ERR_STATE && rc != PQNET_ERR_NOMEM && rc != PQNET_ERR_RNG) abort();
    if (pqnet_addrman_check(am) != 0) abort();
    size_t n, t;
    pqnet_addrman_size(am, &n, &t);
    if (n + t > cfg.max_entries) abort();
  }
  pqnet_addrman_del(am);
  pqnet_rng_det_free(&det);
  return 0;
}
