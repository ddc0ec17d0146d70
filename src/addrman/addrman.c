/*
 * The address manager (src/addrman/addrman.h): new and tried tables of fixed
 * buckets, keyed-hash placement, test-before-evict, selection and sampling.
 *
 * Data layout, chosen so no operation walks the whole table:
 *   ents[]    entries by id (index); dead ids are chained on a free list
 *             through rpos. Ids, never pointers, are stored anywhere else, so
 *             ents may be reallocated when it grows.
 *   vrand[]   the ids of the live entries, densely packed; ents[id].rpos is
 *             the index. Random sampling, swap-remove on delete.
 *   map[]     open addressing (linear probing, backward-shift delete) from
 *             address to id, keyed by a secret hash so nobody can aim at a
 *             probe chain; load factor <= 1/2.
 *   tables    slots[bucket * bucket_size + pos] = id or NONE, plus per bucket
 *             a fill count and a dense list of non-empty buckets, so selection
 *             picks a random non-empty bucket in O(1) even when the table is
 *             nearly empty.
 *   refs      a new entry lists its new-table slots (refs[0] is always the
 *             one derived from info.source); a tried entry keeps its slot in
 *             tslot. Removing an entry never needs a hash.
 *
 * Hashes: SipHash-2-4 under the secret's first 16 bytes, of tag || fields.
 * Every input has fixed field widths or length prefixes, and a distinct tag.
 */
#include "addrman/addrman.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "crypto/siphash.h"
#include "pqnet/error.h"

#define NONE UINT32_MAX

enum { TAG_ADDR = 'A', TAG_NEW1 = 's', TAG_NEW2 = 'S', TAG_TRIED = 'T', TAG_POS = 'P' };
enum { TABLE_NEW = 'N', TABLE_TRIED = 'K' };

/* Candidates sampled when max_entries forces an eviction. */
#define EVICT_SAMPLES 8

typedef struct am_ref {
  uint16_t bucket;
  uint8_t pos;
  uint8_t unused;
} am_ref;

typedef struct am_entry {
  pqnet_addr_info info;
  uint64_t mhash; /* H(addr): map hash (its low bits pick the probe start) */
  uint32_t rpos;  /* index in vrand when live; next free id when dead */
  uint8_t live;
  uint8_t nrefs; /* new-table references; 0 when in tried */
  am_ref tslot;  /* the tried slot, valid when info.in_tried */
  am_ref refs[PQNET_ADDRMAN_NEW_REFS_MAX];
} am_entry;

typedef struct am_table {
  uint32_t nbuckets;
  uint32_t *slots;  /* nbuckets * bucket_size ids */
  uint16_t *fill;   /* occupied slots per bucket */
  uint32_t *ne;     /* the non-empty buckets, n_ne of them */
  uint32_t *ne_pos; /* bucket -> index in ne, or NONE */
  uint32_t n_ne;
} am_table;

struct pqnet_addrman {
  pqnet_addr_policy policy;
  uint64_t ttl;
  size_t max_entries;
  uint32_t bucket_size, new_per_src, tried_per_group;
  uint32_t backoff_base, backoff_max, select_tries, check_ratio;
  int no_tbe;
  void *(*realloc_fn)(void *ctx, void *p, size_t n);
  void (*free_fn)(void *ctx, void *p);
  void *alloc_ctx;

  uint8_t secret[32];
  const pqnet_rng *rng;

  am_table tnew, ttried;
  size_t n_new, n_tried;

  am_entry *ents;
  uint32_t ents_cap, ents_hw, free_head;
  uint32_t *vrand;
  size_t n_live;
  uint32_t *map;
  uint32_t map_cap;

  uint32_t coll[PQNET_ADDRMAN_COLLISIONS_MAX];
  size_t n_coll;

  uint8_t pool[64];
  unsigned pool_pos;
  int rng_failed;

  uint32_t prune_cursor;
  uint64_t ops;
};

/* ---- small helpers --------------------------------------------------------------- */

static uint64_t age(uint64_t now, uint64_t t) {
  return now > t ? now - t : 0;
}

static uint64_t max64(uint64_t a, uint64_t b) {
  return a > b ? a : b;
}

static void *am_realloc(pqnet_addrman *am, void *p, size_t n) {
  if (am->realloc_fn) return am->realloc_fn(am->alloc_ctx, p, n);
  return realloc(p, n);
}

static void am_free(pqnet_addrman *am, void *p) {
  if (!p) return;
  if (am->free_fn)
    am->free_fn(am->alloc_ctx, p);
  else
    free(p);
}

/* realloc of count * size bytes with an overflow check. */
static void *am_realloc_array(pqnet_addrman *am, void *p, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  size_t bytes = count * size;
  return am_realloc(am, p, bytes ? bytes : 1);
}

/* The canonical form of an address: IPv4 with ip[4..15] zero. */
static pqnet_addr canonical(const pqnet_addr *a) {
  pqnet_addr c;
  memset(&c, 0, sizeof c);
  c.family = a->family;
  c.port = a->port;
  if (a->family == 4)
    memcpy(c.ip, a->ip, 4);
  else if (a->family == 6)
    memcpy(c.ip, a->ip, 16);
  return c;
}

/* family || ip (4 or 16) || port (BE): the address as hashed. */
static size_t addr_key(const pqnet_addr *a, uint8_t out[19]) {
  size_t iplen = a->family == 4 ? 4 : 16;
  out[0] = a->family;
  memcpy(out + 1, a->ip, iplen);
  out[1 + iplen] = (uint8_t)(a->port >> 8);
  out[2 + iplen] = (uint8_t)a->port;
  return 3 + iplen;
}

/* ---- randomness ---------------------------------------------------------------- */

static uint64_t rand_u64(pqnet_addrman *am) {
  if (am->pool_pos + 8 > sizeof am->pool) {
    /* On failure hand out 0 (a valid number; the call reports PQNET_ERR_RNG)
     * and leave the pool empty, so the next draw asks the generator again. */
    if (pqnet_rng_fill(am->rng, am->pool, sizeof am->pool) != 0) {
      am->rng_failed = 1;
      return 0;
    }
    am->pool_pos = 0;
  }
  uint64_t v = pqnet_load64_le(am->pool + am->pool_pos);
  am->pool_pos += 8;
  return v;
}

/* Uniform in [0, n); the modulo bias is below 2^-40 for every n used here. */
static uint64_t rand_range(pqnet_addrman *am, uint64_t n) {
  return n ? rand_u64(am) % n : 0;
}

/* ---- keyed hashing ----------------------------------------------------------------- */

/* SipHash-2-4 of msg under the first 16 bytes of the secret: a keyed PRF,
 * so without the secret nobody can predict a bucket, a position or a map
 * slot. */
static uint64_t am_hash(const pqnet_addrman *am, const uint8_t *msg, size_t len) {
  return pqnet_siphash24(am->secret, msg, len);
}

/* Length-prefixed network group. */
typedef struct am_group {
  uint8_t len;
  uint8_t b[PQNET_ADDR_GROUP_MAX];
} am_group;

static am_group group_of(const pqnet_addrman *am, const pqnet_addr *a) {
  am_group g;
  size_t len = 1;
  memset(&g, 0, sizeof g);
  pqnet_addr_group(a, &am->policy, g.b, &len);
  g.len = (uint8_t)len;
  return g;
}

static size_t put_group(uint8_t *p, const am_group *g) {
  p[0] = g->len;
  memcpy(p + 1, g->b, g->len);
  return 1 + (size_t)g->len;
}

static void put_u32(uint8_t *p, uint32_t v) {
  pqnet_store32_be(p, v);
}

/* H('A' || key): the map hash. */
static uint64_t hash_addr(const pqnet_addrman *am, const pqnet_addr *a) {
  uint8_t m[1 + 19];
  m[0] = TAG_ADDR;
  size_t n = 1 + addr_key(a, m + 1);
  return am_hash(am, m, n);
}

/* The new bucket of address group g heard from source group sg:
 *   h1 = H('s' || g || sg) mod new_per_src
 *   bucket = H('S' || sg || h1) mod new_buckets
 * so one source group reaches at most new_per_src buckets. */
static uint32_t new_bucket(const pqnet_addrman *am, const am_group *g, const am_group *sg) {
  uint8_t m[1 + 2 * (1 + PQNET_ADDR_GROUP_MAX) + 4];
  size_t n = 0;
  m[n++] = TAG_NEW1;
  n += put_group(m + n, g);
  n += put_group(m + n, sg);
  uint32_t h1 = (uint32_t)(am_hash(am, m, n) % am->new_per_src);
  n = 0;
  m[n++] = TAG_NEW2;
  n += put_group(m + n, sg);
  put_u32(m + n, h1);
  n += 4;
  return (uint32_t)(am_hash(am, m, n) % am->tnew.nbuckets);
}

/* The tried bucket of a:
 *   h1 = H('T' || 0 || key) mod tried_per_group
 *   bucket = H('T' || 1 || g || h1) mod tried_buckets
 * so one group reaches at most tried_per_group buckets. */
static uint32_t tried_bucket(const pqnet_addrman *am, const pqnet_addr *a) {
  uint8_t m[2 + 1 + PQNET_ADDR_GROUP_MAX + 4 + 19];
  size_t n = 0;
  m[n++] = TAG_TRIED;
  m[n++] = 0;
  n += addr_key(a, m + n);
  uint32_t h1 = (uint32_t)(am_hash(am, m, n) % am->tried_per_group);
  am_group g = group_of(am, a);
  n = 0;
  m[n++] = TAG_TRIED;
  m[n++] = 1;
  n += put_group(m + n, &g);
  put_u32(m + n, h1);
  n += 4;
  return (uint32_t)(am_hash(am, m, n) % am->ttried.nbuckets);
}

/* Position of a inside bucket of table: H('P' || table || bucket || key). */
static uint32_t bucket_pos(const pqnet_addrman *am, uint8_t table, uint32_t bucket,
                           const pqnet_addr *a) {
  uint8_t m[2 + 4 + 19];
  size_t n = 0;
  m[n++] = TAG_POS;
  m[n++] = table;
  put_u32(m + n, bucket);
  n += 4;
  n += addr_key(a, m + n);
  return (uint32_t)(am_hash(am, m, n) % am->bucket_size);
}

static am_ref make_ref(uint32_t bucket, uint32_t pos) {
  am_ref r = {(uint16_t)bucket, (uint8_t)pos, 0};
  return r;
}

static am_ref new_slot(const pqnet_addrman *am, const pqnet_addr *a, const am_group *sg) {
  am_group g = group_of(am, a);
  uint32_t b = new_bucket(am, &g, sg);
  return make_ref(b, bucket_pos(am, TABLE_NEW, b, a));
}

static am_ref tried_slot(const pqnet_addrman *am, const pqnet_addr *a) {
  uint32_t b = tried_bucket(am, a);
  return make_ref(b, bucket_pos(am, TABLE_TRIED, b, a));
}

/* ---- tables ---------------------------------------------------------------------- */

static uint32_t *slot_at(pqnet_addrman *am, am_table *t, am_ref r) {
  return &t->slots[(size_t)r.bucket * am->bucket_size + r.pos];
}

static void slot_set(pqnet_addrman *am, am_table *t, am_ref r, uint32_t id) {
  uint32_t *s = slot_at(am, t, r);
  if (*s == NONE) {
    if (t->fill[r.bucket]++ == 0) {
      t->ne_pos[r.bucket] = t->n_ne;
      t->ne[t->n_ne++] = r.bucket;
    }
  }
  *s = id;
}

static void slot_clear(pqnet_addrman *am, am_table *t, am_ref r) {
  uint32_t *s = slot_at(am, t, r);
  if (*s == NONE) return;
  *s = NONE;
  if (--t->fill[r.bucket] == 0) {
    uint32_t i = t->ne_pos[r.bucket], last = t->ne[--t->n_ne];
    t->ne[i] = last;
    t->ne_pos[last] = i;
    t->ne_pos[r.bucket] = NONE;
  }
}

static int table_init(pqnet_addrman *am, am_table *t, uint32_t nbuckets) {
  size_t nslots = (size_t)nbuckets * am->bucket_size;
  t->nbuckets = nbuckets;
  t->slots = am_realloc_array(am, NULL, nslots, sizeof *t->slots);
  t->fill = am_realloc_array(am, NULL, nbuckets, sizeof *t->fill);
  t->ne = am_realloc_array(am, NULL, nbuckets, sizeof *t->ne);
  t->ne_pos = am_realloc_array(am, NULL, nbuckets, sizeof *t->ne_pos);
  if (!t->slots || !t->fill || !t->ne || !t->ne_pos) return PQNET_ERR_NOMEM;
  for (size_t i = 0; i < nslots; i++) t->slots[i] = NONE;
  for (uint32_t b = 0; b < nbuckets; b++) {
    t->fill[b] = 0;
    t->ne_pos[b] = NONE;
  }
  t->n_ne = 0;
  return 0;
}

static void table_free(pqnet_addrman *am, am_table *t) {
  am_free(am, t->slots);
  am_free(am, t->fill);
  am_free(am, t->ne);
  am_free(am, t->ne_pos);
}

/* ---- address map ---------------------------------------------------------------------- */

static uint32_t map_find(const pqnet_addrman *am, const pqnet_addr *a, uint64_t h) {
  uint32_t mask = am->map_cap - 1;
  for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
    uint32_t id = am->map[i];
    if (id == NONE) return NONE;
    if (am->ents[id].mhash == h && pqnet_addr_equal(&am->ents[id].info.addr, a)) return id;
  }
}

static void map_insert(pqnet_addrman *am, uint32_t id) {
  uint32_t mask = am->map_cap - 1;
  uint32_t i = (uint32_t)am->ents[id].mhash & mask;
  while (am->map[i] != NONE) i = (i + 1) & mask;
  am->map[i] = id;
}

static void map_remove(pqnet_addrman *am, uint32_t id) {
  uint32_t mask = am->map_cap - 1;
  uint32_t i = (uint32_t)am->ents[id].mhash & mask;
  while (am->map[i] != id) i = (i + 1) & mask;
  /* Backward shift: pull later members of the run into the hole when their
   * home position does not lie cyclically in (hole, j]. */
  for (uint32_t j = i;;) {
    j = (j + 1) & mask;
    uint32_t other = am->map[j];
    if (other == NONE) break;
    uint32_t home = (uint32_t)am->ents[other].mhash & mask;
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      am->map[i] = other;
      i = j;
    }
  }
  am->map[i] = NONE;
}

/* Room for one more entry in ents, vrand and map. Nothing changes on failure. */
static int reserve_one(pqnet_addrman *am) {
  if (am->free_head == NONE && am->ents_hw == am->ents_cap) {
    size_t cap = am->ents_cap ? (size_t)am->ents_cap * 2 : 64;
    if (cap > am->max_entries) cap = am->max_entries;
    if (cap <= am->ents_cap) return PQNET_ERR_NOMEM; /* cannot happen below max_entries */
    uint32_t *vr = am_realloc_array(am, am->vrand, cap, sizeof *vr);
    if (!vr) return PQNET_ERR_NOMEM;
    am->vrand = vr;
    am_entry *e = am_realloc_array(am, am->ents, cap, sizeof *e);
    if (!e) return PQNET_ERR_NOMEM;
    am->ents = e;
    am->ents_cap = (uint32_t)cap;
  }
  if ((am->n_live + 1) * 2 > am->map_cap) {
    uint32_t cap = am->map_cap * 2;
    uint32_t *m = am_realloc_array(am, NULL, cap, sizeof *m);
    if (!m) return PQNET_ERR_NOMEM;
    am_free(am, am->map);
    am->map = m;
    am->map_cap = cap;
    for (uint32_t i = 0; i < cap; i++) m[i] = NONE;
    for (size_t i = 0; i < am->n_live; i++) map_insert(am, am->vrand[i]);
  }
  return 0;
}

/* ---- entry lifecycle ------------------------------------------------------------------- */

/* Take an id and link it everywhere but the tables. reserve_one must have
 * succeeded. */
static uint32_t entry_create(pqnet_addrman *am, const pqnet_addr_info *info, uint64_t mhash) {
  uint32_t id;
  if (am->free_head != NONE) {
    id = am->free_head;
    am->free_head = am->ents[id].rpos;
  } else {
    id = am->ents_hw++;
  }
  am_entry *e = &am->ents[id];
  memset(e, 0, sizeof *e);
  e->info = *info;
  e->mhash = mhash;
  e->live = 1;
  e->rpos = (uint32_t)am->n_live;
  am->vrand[am->n_live++] = id;
  map_insert(am, id);
  return id;
}

static void collision_forget(pqnet_addrman *am, uint32_t id) {
  for (size_t i = 0; i < am->n_coll; i++) {
    if (am->coll[i] == id) {
      am->coll[i] = am->coll[--am->n_coll];
      return;
    }
  }
}

/* Delete an entry from everywhere. Needs no hashing. */
static void entry_purge(pqnet_addrman *am, uint32_t id) {
  am_entry *e = &am->ents[id];
  if (e->info.in_tried) {
    slot_clear(am, &am->ttried, e->tslot);
    am->n_tried--;
  } else {
    for (unsigned k = 0; k < e->nrefs; k++) slot_clear(am, &am->tnew, e->refs[k]);
    am->n_new--;
  }
  e->nrefs = 0;
  collision_forget(am, id);
  map_remove(am, id);
  uint32_t last = am->vrand[--am->n_live];
  am->vrand[e->rpos] = last;
  am->ents[last].rpos = e->rpos;
  pqnet_wipe(&e->info, sizeof e->info);
  e->live = 0;
  e->rpos = am->free_head;
  am->free_head = id;
}

static int ref_index(const am_entry *e, am_ref r) {
  for (unsigned k = 0; k < e->nrefs; k++)
    if (e->refs[k].bucket == r.bucket && e->refs[k].pos == r.pos) return (int)k;
  return -1;
}

/* Empty new slot r: a secondary reference is dropped; a first reference takes
 * its entry with it (so refs[0] always matches info.source). */
static void clear_new_slot(pqnet_addrman *am, am_ref r) {
  uint32_t id = *slot_at(am, &am->tnew, r);
  if (id == NONE) return;
  am_entry *e = &am->ents[id];
  int k = ref_index(e, r);
  if (k <= 0) {
    entry_purge(am, id);
    return;
  }
  slot_clear(am, &am->tnew, r);
  e->refs[k] = e->refs[--e->nrefs];
}

int pqnet_addrman_is_terrible(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now) {
  if (!am || !info) return 0;
  if (info->last_try && age(now, info->last_try) < 60) return 0; /* being tested right now */
  if (info->last_seen > now + PQNET_ADDRMAN_FUTURE_SLACK) return 1;
  uint64_t seen = max64(info->last_seen, info->last_success);
  if (seen == 0 || age(now, seen) > am->ttl) return 1;
  if (info->last_success == 0 && info->attempts >= PQNET_ADDRMAN_RETRIES) return 1;
  if (age(now, info->last_success) > PQNET_ADDRMAN_MIN_FAIL &&
      info->attempts >= PQNET_ADDRMAN_MAX_FAILURES)
    return 1;
  return 0;
}

static int expired(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now) {
  uint64_t seen = max64(info->last_seen, info->last_success);
  return seen == 0 || age(now, seen) > am->ttl;
}

/* May a newcomer (holding newcomer_refs references already) take slot r? */
static int replaceable(pqnet_addrman *am, am_ref r, unsigned newcomer_refs, uint64_t now) {
  uint32_t id = *slot_at(am, &am->tnew, r);
  if (id == NONE) return 1;
  const am_entry *o = &am->ents[id];
  if (pqnet_addrman_is_terrible(am, &o->info, now)) return 1;
  return newcomer_refs == 0 && ref_index(o, r) > 0;
}

/* A victim for max_entries: a terrible new entry among a few random ones, else
 * the first new one seen; NONE when all samples are in tried. */
static uint32_t pick_victim(pqnet_addrman *am, uint64_t now) {
  uint32_t first = NONE;
  for (int i = 0; i < EVICT_SAMPLES && am->n_live > 0; i++) {
    uint32_t id = am->vrand[rand_range(am, am->n_live)];
    const am_entry *e = &am->ents[id];
    if (e->info.in_tried) continue;
    if (pqnet_addrman_is_terrible(am, &e->info, now)) return id;
    if (first == NONE) first = id;
  }
  return first;
}

/* Move a new entry into tried slot ts, sending an incumbent back to its own
 * new slot. All hashing happens before the first change. */
static void make_tried(pqnet_addrman *am, uint32_t id, am_ref ts) {
  uint32_t old = *slot_at(am, &am->ttried, ts);
  am_ref back = {0, 0, 0};
  if (old != NONE) {
    am_entry *o = &am->ents[old];
    am_group sg = group_of(am, &o->info.source);
    back = new_slot(am, &o->info.addr, &sg);
  }
  am_entry *e = &am->ents[id];
  for (unsigned k = 0; k < e->nrefs; k++) slot_clear(am, &am->tnew, e->refs[k]);
  e->nrefs = 0;
  am->n_new--;
  collision_forget(am, id);
  if (old != NONE) {
    am_entry *o = &am->ents[old];
    slot_clear(am, &am->ttried, ts);
    o->info.in_tried = 0;
    am->n_tried--;
    clear_new_slot(am, back); /* never o or e: neither holds a new slot */
    o->nrefs = 1;
    o->refs[0] = back;
    slot_set(am, &am->tnew, back, old);
    am->n_new++;
  }
  slot_set(am, &am->ttried, ts, id);
  e->tslot = ts;
  e->info.in_tried = 1;
  am->n_tried++;
}

/* ---- public: lifecycle ---------------------------------------------------------------- */

static int finish(pqnet_addrman *am, int rc) {
  am->ops++;
  if (am->check_ratio && am->ops % am->check_ratio == 0) {
    int c = pqnet_addrman_check(am);
    if (c) return c;
  }
  return rc;
}

int pqnet_addrman_new(const pqnet_addrman_config *cfg, const uint8_t secret[32],
                      const pqnet_rng *rng, pqnet_addrman **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!secret || !rng) return PQNET_ERR_INVALID_ARG;
  pqnet_addrman_config c;
  memset(&c, 0, sizeof c);
  if (cfg) c = *cfg;
  if (!c.realloc_fn != !c.free_fn) return PQNET_ERR_INVALID_ARG;
  uint32_t nb = c.new_buckets ? c.new_buckets : PQNET_ADDRMAN_NEW_BUCKETS;
  uint32_t tb = c.tried_buckets ? c.tried_buckets : PQNET_ADDRMAN_TRIED_BUCKETS;
  uint32_t bs = c.bucket_size ? c.bucket_size : PQNET_ADDRMAN_BUCKET_SIZE;
  if (nb > PQNET_ADDRMAN_BUCKETS_LIMIT || tb > PQNET_ADDRMAN_BUCKETS_LIMIT ||
      bs > PQNET_ADDRMAN_BUCKET_SIZE_LIMIT)
    return PQNET_ERR_INVALID_ARG;
  uint32_t nps = c.new_buckets_per_source_group;
  if (!nps)
    nps = nb / PQNET_ADDRMAN_NEW_SOURCE_SPREAD_DIV ? nb / PQNET_ADDRMAN_NEW_SOURCE_SPREAD_DIV : 1;
  uint32_t tpg = c.tried_buckets_per_group;
  if (!tpg)
    tpg = tb / PQNET_ADDRMAN_TRIED_GROUP_SPREAD_DIV ? tb / PQNET_ADDRMAN_TRIED_GROUP_SPREAD_DIV : 1;
  if (nps > nb || tpg > tb) return PQNET_ERR_INVALID_ARG;
  size_t capacity = ((size_t)nb + tb) * bs;
  size_t maxe = c.max_entries ? c.max_entries : PQNET_ADDRMAN_MAX_ENTRIES;
  if (maxe > capacity) maxe = capacity;
  if (maxe >= NONE / 2) maxe = NONE / 2;

  pqnet_addrman *am;
  if (c.realloc_fn)
    am = c.realloc_fn(c.alloc_ctx, NULL, sizeof *am);
  else
    am = malloc(sizeof *am);
  if (!am) return PQNET_ERR_NOMEM;
  memset(am, 0, sizeof *am);
  am->policy = c.policy;
  am->ttl = c.ttl_seconds ? c.ttl_seconds : PQNET_ADDRMAN_TTL;
  am->max_entries = maxe;
  am->bucket_size = bs;
  am->new_per_src = nps;
  am->tried_per_group = tpg;
  am->backoff_base = c.backoff_base_seconds ? c.backoff_base_seconds : PQNET_ADDRMAN_BACKOFF_BASE;
  am->backoff_max = c.backoff_max_seconds ? c.backoff_max_seconds : PQNET_ADDRMAN_BACKOFF_MAX;
  am->select_tries = c.select_tries ? c.select_tries : PQNET_ADDRMAN_SELECT_TRIES;
  am->check_ratio = c.check_ratio;
  am->no_tbe = c.no_test_before_evict != 0;
  am->realloc_fn = c.realloc_fn;
  am->free_fn = c.free_fn;
  am->alloc_ctx = c.alloc_ctx;
  memcpy(am->secret, secret, 32);
  am->rng = rng;
  am->free_head = NONE;
  am->pool_pos = sizeof am->pool;
  am->map_cap = 64;

  int rc = PQNET_ERR_NOMEM;
  if (table_init(am, &am->tnew, nb) || table_init(am, &am->ttried, tb)) goto fail;
  am->map = am_realloc_array(am, NULL, am->map_cap, sizeof *am->map);
  if (!am->map) goto fail;
  for (uint32_t i = 0; i < am->map_cap; i++) am->map[i] = NONE;
  *out = am;
  return 0;
fail:
  pqnet_addrman_del(am);
  return rc;
}

void pqnet_addrman_del(pqnet_addrman *am) {
  if (!am) return;
  table_free(am, &am->tnew);
  table_free(am, &am->ttried);
  if (am->ents) pqnet_wipe(am->ents, (size_t)am->ents_cap * sizeof *am->ents);
  am_free(am, am->ents);
  am_free(am, am->vrand);
  am_free(am, am->map);
  void (*free_fn)(void *, void *) = am->free_fn;
  void *ctx = am->alloc_ctx;
  pqnet_wipe(am, sizeof *am);
  if (free_fn)
    free_fn(ctx, am);
  else
    free(am);
}

/* ---- public: learning ------------------------------------------------------------------- */

static int add_one(pqnet_addrman *am, const pqnet_addr_info *in, const pqnet_addr *source,
                   const am_group *sg, uint64_t now) {
  pqnet_addr a = canonical(&in->addr);
  if (!pqnet_addr_allowed(&a, &am->policy)) return 0;

  uint64_t ts = in->last_seen;
  if (ts == 0 || ts > now + PQNET_ADDRMAN_FUTURE_SLACK)
    ts = now > PQNET_ADDRMAN_BAD_TIME_AGE ? now - PQNET_ADDRMAN_BAD_TIME_AGE : 0;
  uint64_t penalty = source && !pqnet_addr_same_ip(source, &a) ? PQNET_ADDRMAN_TIME_PENALTY : 0;
  uint64_t ts_pen = ts > penalty ? ts - penalty : 0;
  if (ts_pen == 0 || age(now, ts_pen) > am->ttl) return 0;

  uint64_t h = hash_addr(am, &a);
  am_ref r;
  uint32_t id = map_find(am, &a, h);

  if (id != NONE) {
    am_entry *e = &am->ents[id];
    uint64_t interval = age(now, ts) < 24 * 3600 ? 3600 : 24 * 3600;
    if (ts > e->info.last_seen + interval + penalty) e->info.last_seen = ts_pen;
    e->info.services |= in->services;
    if (ts <= e->info.last_seen) return 0; /* nothing new */
    if (e->info.in_tried || e->nrefs >= PQNET_ADDRMAN_NEW_REFS_MAX) return 0;
    /* Each extra reference is twice as hard to get as the previous one. */
    if (rand_range(am, (uint64_t)1 << e->nrefs) != 0) return 0;
    /* The slot only now: most repeats of a known address stop above, and
     * the slot costs three keyed hashes. */
    r = new_slot(am, &a, sg);
    if (ref_index(e, r) >= 0) return 0;
    if (!replaceable(am, r, e->nrefs, now)) return 0;
    clear_new_slot(am, r); /* never e: e does not hold r */
    e = &am->ents[id];
    e->refs[e->nrefs++] = r;
    slot_set(am, &am->tnew, r, id);
    return 1;
  }

  r = new_slot(am, &a, sg);
  if (!replaceable(am, r, 0, now)) return 0;
  if (am->n_live >= am->max_entries) {
    uint32_t holder = *slot_at(am, &am->tnew, r);
    if (holder != NONE && ref_index(&am->ents[holder], r) == 0) {
      clear_new_slot(am, r); /* r is the holder's first reference: it goes */
    } else {
      uint32_t victim = pick_victim(am, now);
      if (victim == NONE) return 0;
      entry_purge(am, victim);
    }
  }
  /* After a deletion this never allocates (a free id, the map load fell), so
   * a failure here leaves everything as it was. */
  int rc = reserve_one(am);
  if (rc) return rc;
  clear_new_slot(am, r);
  pqnet_addr_info info;
  memset(&info, 0, sizeof info);
  info.addr = a;
  if (source) info.source = canonical(source);
  info.services = in->services;
  info.last_seen = ts_pen;
  info.first_seen = now;
  id = entry_create(am, &info, h);
  am_entry *e = &am->ents[id];
  e->nrefs = 1;
  e->refs[0] = r;
  slot_set(am, &am->tnew, r, id);
  am->n_new++;
  return 1;
}

int pqnet_addrman_add(pqnet_addrman *am, const pqnet_addr_info *entries, size_t n,
                      const pqnet_addr *source, uint64_t now) {
  if (!am || (!entries && n > 0)) return PQNET_ERR_INVALID_ARG;
  pqnet_addr src;
  const pqnet_addr *srcp = NULL;
  if (source && (source->family == 4 || source->family == 6)) {
    src = canonical(source);
    srcp = &src;
  }
  am_group sg = srcp ? group_of(am, srcp) : group_of(am, &(pqnet_addr){0});
  am->rng_failed = 0;
  int added = 0, rc = 0;
  for (size_t i = 0; i < n && added < INT32_MAX; i++) {
    rc = add_one(am, &entries[i], srcp, &sg, now);
    if (rc < 0) break;
    added += rc;
    rc = 0;
  }
  if (!rc && am->rng_failed) rc = PQNET_ERR_RNG;
  return finish(am, rc ? rc : added);
}

/* ---- public: outcomes ------------------------------------------------------------------ */

/* The entry for a known address: 0 and *id, or PQNET_ERR_STATE when
 * unknown. Every per-address call starts with it. */
static int known(pqnet_addrman *am, const pqnet_addr *addr, uint32_t *id) {
  pqnet_addr a = canonical(addr);
  *id = map_find(am, &a, hash_addr(am, &a));
  return *id == NONE ? PQNET_ERR_STATE : 0;
}

int pqnet_addrman_good(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now) {
  if (!am || !addr) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  am_entry *e = &am->ents[id];
  e->info.last_success = now;
  e->info.last_try = now;
  e->info.attempts = 0;
  if (e->info.in_tried) return finish(am, 0);
  am_ref ts = tried_slot(am, &e->info.addr);
  uint32_t holder = *slot_at(am, &am->ttried, ts);
  if (holder != NONE && !am->no_tbe) {
    int known = 0;
    for (size_t i = 0; i < am->n_coll; i++) known |= am->coll[i] == id;
    if (!known && am->n_coll < PQNET_ADDRMAN_COLLISIONS_MAX) am->coll[am->n_coll++] = id;
    return finish(am, 1);
  }
  make_tried(am, id, ts);
  return finish(am, 0);
}

int pqnet_addrman_attempt(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now,
                          int count_failure) {
  if (!am || !addr) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  am_entry *e = &am->ents[id];
  e->info.last_try = now;
  if (count_failure && e->info.attempts < UINT32_MAX) e->info.attempts++;
  return finish(am, 0);
}

int pqnet_addrman_connected(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now) {
  if (!am || !addr) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  am_entry *e = &am->ents[id];
  if (now > e->info.last_seen + PQNET_ADDRMAN_CONNECTED_INTERVAL) e->info.last_seen = now;
  return finish(am, 0);
}

int pqnet_addrman_set_services(pqnet_addrman *am, const pqnet_addr *addr, uint64_t services) {
  if (!am || !addr) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  am->ents[id].info.services = services;
  return 0;
}

int pqnet_addrman_set_peer_id(pqnet_addrman *am, const pqnet_addr *addr,
                              const uint8_t peer_id[32]) {
  if (!am || !addr || !peer_id) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  memcpy(am->ents[id].info.peer_id, peer_id, 32);
  am->ents[id].info.has_peer_id = 1;
  return 0;
}

int pqnet_addrman_remove(pqnet_addrman *am, const pqnet_addr *addr) {
  if (!am || !addr) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  entry_purge(am, id);
  return finish(am, 0);
}

int pqnet_addrman_find(pqnet_addrman *am, const pqnet_addr *addr, pqnet_addr_info *out) {
  if (!am || !addr || !out) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  *out = am->ents[id].info;
  return 0;
}

/* ---- public: selection and sharing ------------------------------------------------------ */

int pqnet_addrman_backoff_ok(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now) {
  if (!am || !info) return 0;
  if (info->attempts == 0 || now < info->last_try) return 1;
  uint32_t shift = info->attempts - 1;
  uint64_t delay = shift >= 32 ? am->backoff_max : (uint64_t)am->backoff_base << shift;
  if (delay > am->backoff_max) delay = am->backoff_max;
  return now - info->last_try >= delay;
}

/* Bitcoin's GetChance (1, / 100 if tried in the last 10 minutes, * 0.66 per
 * failure, at most 8 times) times a mild recency factor: 1 for an entry seen
 * just now, falling linearly to 0.5 at the TTL. The floor keeps the edge an
 * attacker gets from always-fresh timestamps to 2x. */
static double chance(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now) {
  double c = 1.0;
  uint64_t a = age(now, max64(info->last_seen, info->last_success));
  if (a > am->ttl) a = am->ttl;
  c *= 1.0 - 0.5 * (double)a / (double)am->ttl;
  if (info->last_try && age(now, info->last_try) < PQNET_ADDRMAN_RECENT_TRY) c *= 0.01;
  uint32_t n = info->attempts < 8 ? info->attempts : 8;
  for (uint32_t i = 0; i < n; i++) c *= 0.66;
  return c;
}

/* A uniformly random occupied slot of a non-empty bucket. */
static uint32_t random_in_bucket(pqnet_addrman *am, am_table *t, uint32_t b) {
  uint64_t k = rand_range(am, t->fill[b]);
  const uint32_t *s = &t->slots[(size_t)b * am->bucket_size];
  for (uint32_t p = 0; p < am->bucket_size; p++)
    if (s[p] != NONE && k-- == 0) return s[p];
  return NONE; /* fill is wrong: pqnet_addrman_check reports it */
}

int pqnet_addrman_select(pqnet_addrman *am, int new_only, uint64_t now,
                         pqnet_addrman_exclude_fn exclude, void *ctx, pqnet_addr_info *out) {
  if (!am || !out) return PQNET_ERR_INVALID_ARG;
  if (am->n_new == 0 && (new_only || am->n_tried == 0)) return PQNET_ERR_STATE;
  am->rng_failed = 0;
  double factor = 1.0;
  for (uint32_t t = 0; t < am->select_tries; t++) {
    int tried;
    if (new_only || am->n_tried == 0)
      tried = 0;
    else if (am->n_new == 0)
      tried = 1;
    else
      tried = (int)(rand_u64(am) & 1);
    am_table *tab = tried ? &am->ttried : &am->tnew;
    if (tab->n_ne == 0) continue;
    uint32_t b = tab->ne[rand_range(am, tab->n_ne)];
    uint32_t id = random_in_bucket(am, tab, b);
    if (id == NONE) continue;
    const pqnet_addr_info *info = &am->ents[id].info;
    double c = chance(am, info, now) * factor;
    factor *= 1.2;
    if (!pqnet_addrman_backoff_ok(am, info, now)) continue;
    if (exclude && exclude(ctx, &info->addr)) continue;
    if ((double)(rand_u64(am) >> 34) < c * (double)(1u << 30)) {
      if (am->rng_failed) break;
      *out = *info;
      return 0;
    }
  }
  return am->rng_failed ? PQNET_ERR_RNG : PQNET_ERR_STATE;
}

size_t pqnet_addrman_sample(pqnet_addrman *am, pqnet_addr_info *out, size_t max, unsigned max_pct,
                            uint64_t now) {
  if (!am || !out) return 0;
  size_t total = am->n_live, want = total;
  if (max_pct && max_pct < 100) want = (total * max_pct + 99) / 100;
  if (want > max) want = max;
  size_t budget = want > (SIZE_MAX - PQNET_ADDRMAN_SAMPLE_SLACK) / 4
                      ? SIZE_MAX
                      : 4 * want + PQNET_ADDRMAN_SAMPLE_SLACK;
  am->rng_failed = 0;
  size_t got = 0;
  for (size_t i = 0; i < total && got < want && i < budget; i++) {
    /* Partial Fisher-Yates over vrand. */
    size_t j = i + (size_t)rand_range(am, total - i);
    uint32_t a = am->vrand[i], b = am->vrand[j];
    am->vrand[i] = b;
    am->vrand[j] = a;
    am->ents[b].rpos = (uint32_t)i;
    am->ents[a].rpos = (uint32_t)j;
    const pqnet_addr_info *info = &am->ents[b].info;
    if (pqnet_addrman_is_terrible(am, info, now)) continue;
    out[got++] = *info;
  }
  return am->rng_failed ? 0 : got;
}

/* ---- public: test-before-evict ------------------------------------------------------------ */

int pqnet_addrman_collision(pqnet_addrman *am, uint64_t now, pqnet_addr_info *out) {
  (void)now;
  if (!am || !out) return PQNET_ERR_INVALID_ARG;
  if (am->n_coll == 0) return PQNET_ERR_STATE;
  am->rng_failed = 0;
  uint32_t id = am->coll[rand_range(am, am->n_coll)];
  if (am->rng_failed) return PQNET_ERR_RNG;
  am_ref ts = tried_slot(am, &am->ents[id].info.addr);
  uint32_t holder = *slot_at(am, &am->ttried, ts);
  if (holder == NONE) return PQNET_ERR_STATE;
  *out = am->ents[holder].info;
  return 0;
}

int pqnet_addrman_resolve_collisions(pqnet_addrman *am, uint64_t now) {
  if (!am) return PQNET_ERR_INVALID_ARG;
  uint32_t todo[PQNET_ADDRMAN_COLLISIONS_MAX];
  size_t n = am->n_coll;
  memcpy(todo, am->coll, n * sizeof todo[0]);
  int settled = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t id = todo[i];
    int pending = 0;
    for (size_t k = 0; k < am->n_coll; k++) pending |= am->coll[k] == id;
    if (!pending) continue; /* deleted by an earlier eviction in this loop */
    const am_entry *e = &am->ents[id];
    am_ref ts = tried_slot(am, &e->info.addr);
    uint32_t holder = *slot_at(am, &am->ttried, ts);
    int evict = 0, drop = 0;
    if (holder == NONE) {
      evict = 1;
    } else {
      const pqnet_addr_info *old = &am->ents[holder].info;
      if (old->last_success && age(now, old->last_success) < PQNET_ADDRMAN_REPLACEMENT) {
        drop = 1; /* the incumbent answers: keep it */
      } else if (old->last_try && age(now, old->last_try) < PQNET_ADDRMAN_REPLACEMENT) {
        /* Tested recently without success: give it a grace period. */
        evict = age(now, old->last_try) > PQNET_ADDRMAN_TEST_GRACE;
      } else if (age(now, e->info.last_success) > PQNET_ADDRMAN_TEST_WINDOW) {
        evict = 1; /* nobody tested it in time: it is probably gone */
      }
    }
    if (evict) {
      make_tried(am, id, ts);
      settled++;
    } else if (drop) {
      collision_forget(am, id);
      settled++;
    }
  }
  return finish(am, settled);
}

/* ---- public: persistence ---------------------------------------------------------------- */

int pqnet_addrman_foreach(const pqnet_addrman *am, pqnet_addrman_visit_fn cb, void *ctx) {
  if (!am || !cb) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < am->n_live; i++) {
    int rc = cb(ctx, &am->ents[am->vrand[i]].info);
    if (rc) return rc;
  }
  return 0;
}

int pqnet_addrman_load(pqnet_addrman *am, const pqnet_addr_info *in, uint64_t now) {
  if (!am || !in) return PQNET_ERR_INVALID_ARG;
  if (in->in_tried != 0 && in->in_tried != 1) return 0;
  pqnet_addr_info info = *in;
  info.addr = canonical(&in->addr);
  if (!pqnet_addr_allowed(&info.addr, &am->policy)) return 0;
  if (in->source.family == 4 || in->source.family == 6)
    info.source = canonical(&in->source);
  else
    memset(&info.source, 0, sizeof info.source);
  info.has_peer_id = in->has_peer_id ? 1 : 0;
  if (!info.has_peer_id) memset(info.peer_id, 0, sizeof info.peer_id);
  if (info.last_seen > now) info.last_seen = now;
  if (info.first_seen > now) info.first_seen = now;
  if (info.last_success > now) info.last_success = now;
  if (info.last_try > now) info.last_try = now;
  if (expired(am, &info, now)) return 0;
  if (am->n_live >= am->max_entries) return 0;

  uint64_t h = hash_addr(am, &info.addr);
  if (map_find(am, &info.addr, h) != NONE) return 0;

  am_ref r;
  int tried = 0;
  if (info.in_tried) {
    r = tried_slot(am, &info.addr);
    tried = *slot_at(am, &am->ttried, r) == NONE;
  }
  if (!tried) {
    am_group sg = group_of(am, &info.source);
    r = new_slot(am, &info.addr, &sg);
    if (!replaceable(am, r, 0, now)) return 0;
  }
  int rc = reserve_one(am);
  if (rc) return rc;
  if (!tried) clear_new_slot(am, r);
  info.in_tried = tried;
  uint32_t id = entry_create(am, &info, h);
  am_entry *e = &am->ents[id];
  if (tried) {
    e->tslot = r;
    slot_set(am, &am->ttried, r, id);
    am->n_tried++;
  } else {
    e->nrefs = 1;
    e->refs[0] = r;
    slot_set(am, &am->tnew, r, id);
    am->n_new++;
  }
  return finish(am, 1);
}

int pqnet_addrman_prune(pqnet_addrman *am, uint64_t now, size_t max_visit) {
  if (!am) return PQNET_ERR_INVALID_ARG;
  int removed = 0;
  for (size_t v = 0; v < max_visit && am->ents_hw > 0 && removed < INT32_MAX; v++) {
    if (am->prune_cursor >= am->ents_hw) am->prune_cursor = 0;
    uint32_t id = am->prune_cursor++;
    if (am->ents[id].live && expired(am, &am->ents[id].info, now)) {
      entry_purge(am, id);
      removed++;
    }
  }
  return finish(am, removed);
}

/* ---- public: introspection ------------------------------------------------------------- */

void pqnet_addrman_size(const pqnet_addrman *am, size_t *new_count, size_t *tried_count) {
  if (new_count) *new_count = am ? am->n_new : 0;
  if (tried_count) *tried_count = am ? am->n_tried : 0;
}

static size_t table_bytes(const pqnet_addrman *am, const am_table *t) {
  return (size_t)t->nbuckets * am->bucket_size * sizeof *t->slots +
         (size_t)t->nbuckets * (sizeof *t->fill + sizeof *t->ne + sizeof *t->ne_pos);
}

size_t pqnet_addrman_memory(const pqnet_addrman *am) {
  if (!am) return 0;
  return sizeof *am + table_bytes(am, &am->tnew) + table_bytes(am, &am->ttried) +
         (size_t)am->ents_cap * (sizeof *am->ents + sizeof *am->vrand) +
         (size_t)am->map_cap * sizeof *am->map;
}

int pqnet_addrman_locate(pqnet_addrman *am, const pqnet_addr *addr, int *in_tried,
                         uint32_t buckets[PQNET_ADDRMAN_NEW_REFS_MAX],
                         uint32_t positions[PQNET_ADDRMAN_NEW_REFS_MAX], size_t *n) {
  if (!am || !addr || !in_tried || !buckets || !positions || !n) return PQNET_ERR_INVALID_ARG;
  uint32_t id;
  int rc = known(am, addr, &id);
  if (rc) return rc;
  const am_entry *e = &am->ents[id];
  *in_tried = e->info.in_tried;
  if (e->info.in_tried) {
    buckets[0] = e->tslot.bucket;
    positions[0] = e->tslot.pos;
    *n = 1;
    return 0;
  }
  for (unsigned k = 0; k < e->nrefs; k++) {
    buckets[k] = e->refs[k].bucket;
    positions[k] = e->refs[k].pos;
  }
  *n = e->nrefs;
  return 0;
}

void pqnet_addrman_geometry(const pqnet_addrman *am, uint32_t *new_buckets, uint32_t *tried_buckets,
                            uint32_t *bucket_size, uint32_t *new_per_source_group,
                            uint32_t *tried_per_group) {
  if (!am) return;
  if (new_buckets) *new_buckets = am->tnew.nbuckets;
  if (tried_buckets) *tried_buckets = am->ttried.nbuckets;
  if (bucket_size) *bucket_size = am->bucket_size;
  if (new_per_source_group) *new_per_source_group = am->new_per_src;
  if (tried_per_group) *tried_per_group = am->tried_per_group;
}

/* ---- consistency check ---------------------------------------------------------------------- */

static int check_table_fill(const pqnet_addrman *am, const am_table *t) {
  uint32_t nonempty = 0;
  for (uint32_t b = 0; b < t->nbuckets; b++) {
    uint32_t occ = 0;
    for (uint32_t p = 0; p < am->bucket_size; p++)
      occ += t->slots[(size_t)b * am->bucket_size + p] != NONE;
    if (occ != t->fill[b]) return PQNET_ADDRMAN_CHECK_BUCKET_FILL;
    if ((occ > 0) != (t->ne_pos[b] != NONE)) return PQNET_ADDRMAN_CHECK_BUCKET_FILL;
    if (occ) {
      if (t->ne_pos[b] >= t->n_ne || t->ne[t->ne_pos[b]] != b)
        return PQNET_ADDRMAN_CHECK_BUCKET_FILL;
      nonempty++;
    }
  }
  return nonempty == t->n_ne ? 0 : PQNET_ADDRMAN_CHECK_BUCKET_FILL;
}

int pqnet_addrman_check(pqnet_addrman *am) {
  if (!am) return PQNET_ERR_INVALID_ARG;
  int rc;
  /* Counts. */
  size_t live = 0, tried = 0, refs = 0;
  for (uint32_t id = 0; id < am->ents_hw; id++) {
    const am_entry *e = &am->ents[id];
    if (!e->live) continue;
    live++;
    tried += e->info.in_tried ? 1 : 0;
    refs += e->nrefs;
  }
  if (live != am->n_live || tried != am->n_tried || live - tried != am->n_new)
    return PQNET_ADDRMAN_CHECK_COUNTS;
  if (live > am->max_entries) return PQNET_ADDRMAN_CHECK_CAP;
  /* Random vector. */
  for (size_t i = 0; i < am->n_live; i++) {
    uint32_t id = am->vrand[i];
    if (id >= am->ents_hw || !am->ents[id].live || am->ents[id].rpos != i)
      return PQNET_ADDRMAN_CHECK_RANDOM;
  }
  /* Map. */
  size_t mapped = 0;
  for (uint32_t i = 0; i < am->map_cap; i++) mapped += am->map[i] != NONE;
  if (mapped != live) return PQNET_ADDRMAN_CHECK_MAP;
  /* Each entry: map, policy, placement. */
  for (uint32_t id = 0; id < am->ents_hw; id++) {
    const am_entry *e = &am->ents[id];
    if (!e->live) continue;
    uint64_t h = hash_addr(am, &e->info.addr);
    if (h != e->mhash || map_find(am, &e->info.addr, h) != id) return PQNET_ADDRMAN_CHECK_MAP;
    if (!pqnet_addr_allowed(&e->info.addr, &am->policy)) return PQNET_ADDRMAN_CHECK_POLICY;
    if (e->info.in_tried) {
      if (e->nrefs != 0) return PQNET_ADDRMAN_CHECK_TRIED_REFS;
      am_ref ts = tried_slot(am, &e->info.addr);
      if (ts.bucket != e->tslot.bucket || ts.pos != e->tslot.pos ||
          *slot_at(am, &am->ttried, ts) != id)
        return PQNET_ADDRMAN_CHECK_TRIED_SLOT;
      continue;
    }
    if (e->info.in_tried != 0) return PQNET_ADDRMAN_CHECK_TRIED_SLOT;
    if (e->nrefs < 1 || e->nrefs > PQNET_ADDRMAN_NEW_REFS_MAX) return PQNET_ADDRMAN_CHECK_NEW_REFS;
    for (unsigned k = 0; k < e->nrefs; k++) {
      am_ref r = e->refs[k];
      if (r.bucket >= am->tnew.nbuckets || r.pos >= am->bucket_size)
        return PQNET_ADDRMAN_CHECK_NEW_SLOT;
      for (unsigned j = 0; j < k; j++)
        if (e->refs[j].bucket == r.bucket && e->refs[j].pos == r.pos)
          return PQNET_ADDRMAN_CHECK_NEW_REFS;
      if (bucket_pos(am, TABLE_NEW, r.bucket, &e->info.addr) != r.pos ||
          *slot_at(am, &am->tnew, r) != id)
        return PQNET_ADDRMAN_CHECK_NEW_SLOT;
    }
    am_group sg = group_of(am, &e->info.source);
    am_ref first = new_slot(am, &e->info.addr, &sg);
    if (first.bucket != e->refs[0].bucket || first.pos != e->refs[0].pos)
      return PQNET_ADDRMAN_CHECK_SOURCE;
  }
  /* Slots: every occupant is live, in the right table and holds the slot. */
  size_t occ_new = 0, occ_tried = 0;
  for (uint32_t b = 0; b < am->tnew.nbuckets; b++) {
    for (uint32_t p = 0; p < am->bucket_size; p++) {
      am_ref r = {(uint16_t)b, (uint8_t)p, 0};
      uint32_t id = *slot_at(am, &am->tnew, r);
      if (id == NONE) continue;
      occ_new++;
      if (id >= am->ents_hw || !am->ents[id].live || am->ents[id].info.in_tried ||
          ref_index(&am->ents[id], r) < 0)
        return PQNET_ADDRMAN_CHECK_SLOT_OWNER;
    }
  }
  for (uint32_t b = 0; b < am->ttried.nbuckets; b++) {
    for (uint32_t p = 0; p < am->bucket_size; p++) {
      am_ref r = {(uint16_t)b, (uint8_t)p, 0};
      uint32_t id = *slot_at(am, &am->ttried, r);
      if (id == NONE) continue;
      occ_tried++;
      if (id >= am->ents_hw || !am->ents[id].live || !am->ents[id].info.in_tried ||
          am->ents[id].tslot.bucket != b || am->ents[id].tslot.pos != p)
        return PQNET_ADDRMAN_CHECK_SLOT_OWNER;
    }
  }
  if (occ_new != refs || occ_tried != tried) return PQNET_ADDRMAN_CHECK_SLOT_COUNT;
  if ((rc = check_table_fill(am, &am->tnew)) || (rc = check_table_fill(am, &am->ttried))) return rc;
  /* Collisions. */
  for (size_t i = 0; i < am->n_coll; i++) {
    uint32_t id = am->coll[i];
    if (id >= am->ents_hw || !am->ents[id].live || am->ents[id].info.in_tried)
      return PQNET_ADDRMAN_CHECK_COLLISION;
    for (size_t j = 0; j < i; j++)
      if (am->coll[j] == id) return PQNET_ADDRMAN_CHECK_COLLISION;
  }
  return 0;
}
