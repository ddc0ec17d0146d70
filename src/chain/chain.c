/*
 * The chain state: block index, best chain by cumulative work, reorgs,
 * orphan pool, validation rules (docs/chain.md §3-§4). Persistence is in
 * chain_db.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_impl.h"
#include "pqnet/error.h"

void chain_log(pqnet_chain *c, int level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (!c->cfg.log) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  c->cfg.log(c->cfg.log_ctx, level, buf);
}

void pqnet_chain_target_from_bits(unsigned zero_bits, uint8_t target[32]) {
  if (zero_bits > 255) zero_bits = 255;
  memset(target, 0, 32);
  unsigned ones = 256 - zero_bits; /* the low `ones` bits are set */
  for (unsigned i = 0; i < ones; i++) target[31 - i / 8] |= (uint8_t)(1u << (i % 8));
}

void pqnet_chain_config_default(pqnet_chain_config *cfg, const char *network) {
  memset(cfg, 0, sizeof *cfg);
  snprintf(cfg->network, sizeof cfg->network, "%s", network ? network : "devnet");
  pqnet_chain_target_from_bits(PQNET_CHAIN_DEVNET_ZERO_BITS, cfg->pow_limit);
  cfg->orphan_max = PQNET_CHAIN_ORPHAN_MAX;
  cfg->orphan_max_bytes = PQNET_CHAIN_ORPHAN_MAX_BYTES;
  cfg->max_future_ms = PQNET_CHAIN_MAX_FUTURE_MS;
}

const char *pqnet_chain_status_name(int status) {
  switch (status) {
  case PQNET_CHAIN_CONNECTED: return "connected";
  case PQNET_CHAIN_DUPLICATE: return "duplicate";
  case PQNET_CHAIN_ORPHAN: return "orphan";
  case PQNET_CHAIN_INVALID: return "invalid";
  case PQNET_CHAIN_FUTURE: return "future";
  }
  return "unknown";
}

/* ---- the index ------------------------------------------------------------------------ */

static size_t slot_of(const uint8_t id[32], size_t cap) {
  uint64_t h;
  memcpy(&h, id, sizeof h); /* ids are hash outputs */
  return (size_t)(h & (cap - 1));
}

chain_entry *chain_lookup(const pqnet_chain *c, const uint8_t id[32]) {
  for (size_t i = slot_of(id, c->map_cap);; i = (i + 1) & (c->map_cap - 1)) {
    chain_entry *e = c->map[i];
    if (!e) return NULL;
    if (memcmp(e->id, id, 32) == 0) return e;
  }
}

static void map_put(chain_entry **map, size_t cap, chain_entry *e) {
  size_t i = slot_of(e->id, cap);
  while (map[i]) i = (i + 1) & (cap - 1);
  map[i] = e;
}

static int map_insert(pqnet_chain *c, chain_entry *e) {
  if ((c->nentries + 1) * 2 > c->map_cap) {
    size_t cap = c->map_cap * 2;
    chain_entry **m = calloc(cap, sizeof *m);
    if (!m) return PQNET_ERR_NOMEM;
    for (size_t i = 0; i < c->map_cap; i++)
      if (c->map[i]) map_put(m, cap, c->map[i]);
    free(c->map);
    c->map = m;
    c->map_cap = cap;
  }
  map_put(c->map, c->map_cap, e);
  c->nentries++;
  return 0;
}

static int best_reserve(pqnet_chain *c, uint64_t height) {
  if (height >= SIZE_MAX / sizeof(chain_entry *) / 2) return PQNET_ERR_NOMEM;
  if ((size_t)height < c->best_cap) return 0;
  size_t cap = c->best_cap ? c->best_cap : 1024;
  while (cap <= (size_t)height) cap *= 2;
  chain_entry **b = realloc(c->best, cap * sizeof *b);
  if (!b) return PQNET_ERR_NOMEM;
  c->best = b;
  c->best_cap = cap;
  return 0;
}

/* Make e the tip: rewrite best[] from e down to the fork with the old chain. */
void chain_set_tip(pqnet_chain *c, chain_entry *e, pqnet_chain_result *res) {
  chain_entry *old = c->tip, *fork = e;
  while (fork->hdr.height > old->hdr.height || c->best[fork->hdr.height] != fork)
    fork = fork->parent;
  uint64_t depth = old->hdr.height - fork->hdr.height;
  for (chain_entry *x = e; x != fork; x = x->parent) c->best[x->hdr.height] = x;
  c->tip = e;
  if (depth) {
    c->stats.reorgs++;
    if (depth > c->stats.max_reorg_depth) c->stats.max_reorg_depth = depth;
    char a[65], b[65];
    chain_log(c, 1, "chain reorganised depth=%llu old_tip=%s new_tip=%s height=%llu",
              (unsigned long long)depth, pqnet_block_id_hex(old->id, a, sizeof a),
              pqnet_block_id_hex(e->id, b, sizeof b), (unsigned long long)e->hdr.height);
  }
  if (res) {
    res->tip_changed = 1;
    if (depth > res->reorg_depth) res->reorg_depth = depth;
  }
}

/* ---- invalid ids ---------------------------------------------------------------------- */

static void mark_invalid(pqnet_chain *c, const uint8_t id[32]) {
  memcpy(c->invalid[c->invalid_head], id, 32);
  c->invalid_head = (c->invalid_head + 1) % CHAIN_INVALID_RING;
  if (c->ninvalid < CHAIN_INVALID_RING) c->ninvalid++;
}

static int is_invalid(const pqnet_chain *c, const uint8_t id[32]) {
  for (size_t i = 0; i < c->ninvalid; i++)
    if (memcmp(c->invalid[i], id, 32) == 0) return 1;
  return 0;
}

/* ---- orphans -------------------------------------------------------------------------- */

static chain_orphan *orphan_find(const pqnet_chain *c, const uint8_t id[32]) {
  for (size_t i = 0; i < c->norphans; i++)
    if (memcmp(c->orphans[i].id, id, 32) == 0) return &c->orphans[i];
  return NULL;
}

/* Remove slot i; the data goes to the caller when take is set, else is freed. */
static uint8_t *orphan_remove(pqnet_chain *c, size_t i, int take) {
  uint8_t *data = c->orphans[i].data;
  c->orphan_bytes -= c->orphans[i].len;
  c->orphans[i] = c->orphans[--c->norphans];
  if (!take) {
    free(data);
    data = NULL;
  }
  return data;
}

static void orphan_evict_oldest(pqnet_chain *c) {
  size_t old = 0;
  for (size_t i = 1; i < c->norphans; i++)
    if (c->orphans[i].seq < c->orphans[old].seq) old = i;
  orphan_remove(c, old, 0);
  c->stats.orphans_evicted++;
}

static int orphan_add(pqnet_chain *c, const pqnet_block *b, const uint8_t *data, size_t len) {
  if (len > c->cfg.orphan_max_bytes || c->cfg.orphan_max == 0) {
    c->stats.orphans_evicted++;
    return 0; /* cannot ever fit: dropped as if evicted at once */
  }
  uint8_t *copy = malloc(len);
  if (!copy) return PQNET_ERR_NOMEM;
  memcpy(copy, data, len);
  while (c->norphans > 0 &&
         (c->norphans >= c->cfg.orphan_max || c->orphan_bytes + len > c->cfg.orphan_max_bytes))
    orphan_evict_oldest(c);
  chain_orphan *o = &c->orphans[c->norphans++];
  memcpy(o->id, b->id, 32);
  memcpy(o->parent, b->hdr.parent, 32);
  o->height = b->hdr.height;
  o->seq = ++c->orphan_seq;
  o->data = copy;
  o->len = (uint32_t)len;
  c->orphan_bytes += len;
  c->stats.orphans_added++;
  return 0;
}

/* Drop every pooled descendant of an invalid block, marking them invalid. */
static void orphan_purge_children(pqnet_chain *c, const uint8_t id[32]) {
  uint8_t stack[64][32];
  size_t n = 0;
  memcpy(stack[n++], id, 32);
  while (n > 0) {
    uint8_t p[32];
    memcpy(p, stack[--n], 32);
    for (size_t i = 0; i < c->norphans;) {
      if (memcmp(c->orphans[i].parent, p, 32) != 0) {
        i++;
        continue;
      }
      mark_invalid(c, c->orphans[i].id);
      if (n < 64) memcpy(stack[n++], c->orphans[i].id, 32);
      orphan_remove(c, i, 0);
    }
  }
}

/* ---- rules ---------------------------------------------------------------------------- */

static uint64_t mtp_of(const chain_entry *e) {
  uint64_t ts[PQNET_CHAIN_MTP_SPAN];
  size_t n = 0;
  for (; e && n < PQNET_CHAIN_MTP_SPAN; e = e->parent) {
    uint64_t t = e->hdr.timestamp_ms;
    size_t k = n++;
    while (k > 0 && ts[k - 1] > t) {
      ts[k] = ts[k - 1];
      k--;
    }
    ts[k] = t;
  }
  return ts[n / 2];
}

static void set_status(pqnet_chain_result *res, int status, const char *why) {
  res->status = status;
  res->why = why;
}

/* Connect b (decoded from data) under its known parent: contextual rules,
 * then index, tip and database. Returns 0 (res->status says what happened)
 * or PQNET_ERR_NOMEM. */
static int connect_block(pqnet_chain *c, chain_entry *parent, const pqnet_block *b,
                         const uint8_t *data, size_t len, uint64_t now, pqnet_chain_result *res) {
  if (b->hdr.height != parent->hdr.height + 1) {
    mark_invalid(c, b->id);
    set_status(res, PQNET_CHAIN_INVALID, "height is not the parent's plus one");
    return 0;
  }
  if (b->hdr.timestamp_ms <= mtp_of(parent)) {
    mark_invalid(c, b->id);
    set_status(res, PQNET_CHAIN_INVALID, "timestamp not after the median of the last 11 blocks");
    return 0;
  }
  if (!c->loading && b->hdr.timestamp_ms > now + c->cfg.max_future_ms) {
    set_status(res, PQNET_CHAIN_FUTURE, "timestamp too far in the future");
    return 0;
  }
  if (best_reserve(c, b->hdr.height) != 0) return PQNET_ERR_NOMEM;
  chain_entry *e = calloc(1, sizeof *e);
  uint8_t *copy = malloc(len);
  if (!e || !copy) {
    free(e);
    free(copy);
    return PQNET_ERR_NOMEM;
  }
  memcpy(copy, data, len);
  memcpy(e->id, b->id, 32);
  e->hdr = b->hdr;
  e->parent = parent;
  e->data = copy;
  e->len = (uint32_t)len;
  pqnet_u256 w;
  pqnet_block_work(b->hdr.target, &w);
  pqnet_u256_add(&e->work, &parent->work, &w);
  if (map_insert(c, e) != 0) {
    free(copy);
    free(e);
    return PQNET_ERR_NOMEM;
  }
  int tip_before = res->tip_changed;
  res->tip_changed = 0;
  if (pqnet_u256_cmp(&e->work, &c->tip->work) > 0) chain_set_tip(c, e, res);
  if (!c->loading) {
    chain_db_put(c, e, res->tip_changed);
    c->stats.connected++;
  } else {
    c->stats.loaded++;
  }
  res->tip_changed |= tip_before;
  res->connected++;
  set_status(res, PQNET_CHAIN_CONNECTED, NULL);
  return 0;
}

/* After id connected: connect every pooled descendant, breadth first. */
static int connect_orphans(pqnet_chain *c, const uint8_t id[32], uint64_t now,
                           pqnet_chain_result *res) {
  size_t cap = 16, n = 0;
  uint8_t(*queue)[32] = malloc(cap * 32);
  if (!queue) return PQNET_ERR_NOMEM;
  memcpy(queue[n++], id, 32);
  int err = 0;
  for (size_t q = 0; q < n && !err; q++) {
    for (size_t i = 0; i < c->norphans && !err;) {
      if (memcmp(c->orphans[i].parent, queue[q], 32) != 0) {
        i++;
        continue;
      }
      uint32_t len = c->orphans[i].len;
      uint8_t *data = orphan_remove(c, i, 1);
      chain_entry *parent = chain_lookup(c, queue[q]);
      pqnet_block b;
      pqnet_chain_result sub;
      memset(&sub, 0, sizeof sub);
      if (pqnet_block_decode(data, len, &b) == 0 && parent)
        err = connect_block(c, parent, &b, data, len, now, &sub);
      else
        sub.status = PQNET_CHAIN_INVALID;
      if (!err && sub.status == PQNET_CHAIN_CONNECTED) {
        c->stats.orphans_connected++;
        res->connected++;
        res->tip_changed |= sub.tip_changed;
        if (sub.reorg_depth > res->reorg_depth) res->reorg_depth = sub.reorg_depth;
        if (n == cap) {
          uint8_t(*q2)[32] = realloc(queue, cap * 2 * 32);
          if (!q2) {
            err = PQNET_ERR_NOMEM;
          } else {
            queue = q2;
            cap *= 2;
          }
        }
        if (!err) memcpy(queue[n++], b.id, 32);
      } else if (!err && sub.status == PQNET_CHAIN_INVALID) {
        c->stats.invalid++;
        orphan_purge_children(c, b.id);
      }
      /* FUTURE: dropped; it can come back by gossip or sync later. */
      free(data);
      i = 0; /* the pool changed under us: rescan */
    }
  }
  free(queue);
  return err;
}

static int add_block(pqnet_chain *c, const uint8_t *data, size_t len, uint64_t now,
                     pqnet_chain_result *res) {
  pqnet_block b;
  const char *why = NULL;
  memset(res, 0, sizeof *res);
  if (pqnet_block_decode(data, len, &b) != 0) {
    c->stats.invalid++;
    set_status(res, PQNET_CHAIN_INVALID, "malformed block");
    res->context_free = 1;
    return 0;
  }
  memcpy(res->id, b.id, 32);
  res->height = b.hdr.height;
  if (chain_lookup(c, b.id) || orphan_find(c, b.id)) {
    c->stats.duplicates++;
    set_status(res, PQNET_CHAIN_DUPLICATE, NULL);
    return 0;
  }
  if (is_invalid(c, b.id)) {
    c->stats.invalid++;
    orphan_purge_children(c, b.id);
    set_status(res, PQNET_CHAIN_INVALID, "known invalid block");
    return 0;
  }
  /* Context-free failures are not remembered: checking again costs one
   * hash, and the id covers the header only (a wrong payload says nothing
   * about the header). */
  if (pqnet_block_check(&b, c->cfg.pow_limit, &why) != 0) {
    c->stats.invalid++;
    set_status(res, PQNET_CHAIN_INVALID, why);
    res->context_free = 1;
    return 0;
  }
  if (b.hdr.height == 0) {
    c->stats.invalid++;
    set_status(res, PQNET_CHAIN_INVALID, "a second block at height 0");
    res->context_free = 1;
    return 0;
  }
  chain_entry *parent = chain_lookup(c, b.hdr.parent);
  if (!parent) {
    if (is_invalid(c, b.hdr.parent)) {
      mark_invalid(c, b.id);
      c->stats.invalid++;
      orphan_purge_children(c, b.id); /* its pooled descendants are invalid too */
      set_status(res, PQNET_CHAIN_INVALID, "parent is invalid");
      return 0;
    }
    if (!c->loading && b.hdr.timestamp_ms > now + c->cfg.max_future_ms) {
      c->stats.future++;
      set_status(res, PQNET_CHAIN_FUTURE, "timestamp too far in the future");
      return 0;
    }
    if (c->loading) { /* a row whose parent was dropped: drop it too */
      set_status(res, PQNET_CHAIN_ORPHAN, NULL);
      return 0;
    }
    int err = orphan_add(c, &b, data, len);
    if (err) return err;
    set_status(res, PQNET_CHAIN_ORPHAN, NULL);
    /* The first ancestor the pool lacks. */
    memcpy(res->missing, b.hdr.parent, 32);
    res->missing_height = b.hdr.height - 1;
    for (size_t k = 0; k < c->norphans; k++) {
      chain_orphan *o = orphan_find(c, res->missing);
      if (!o) break;
      memcpy(res->missing, o->parent, 32);
      res->missing_height = o->height ? o->height - 1 : 0;
    }
    return 0;
  }
  int err = connect_block(c, parent, &b, data, len, now, res);
  if (err) return err;
  if (res->status == PQNET_CHAIN_INVALID) {
    c->stats.invalid++;
    orphan_purge_children(c, b.id);
    return 0;
  }
  if (res->status == PQNET_CHAIN_FUTURE) {
    c->stats.future++;
    return 0;
  }
  pqnet_chain_batch_begin(c);
  err = connect_orphans(c, b.id, now, res);
  pqnet_chain_batch_end(c);
  /* res->status stays CONNECTED for this block even if an orphan failed. */
  set_status(res, PQNET_CHAIN_CONNECTED, NULL);
  return err;
}

int pqnet_chain_add(pqnet_chain *c, const uint8_t *data, size_t len, uint64_t now,
                    pqnet_chain_result *res) {
  pqnet_chain_result tmp;
  if (!res) res = &tmp;
  memset(res, 0, sizeof *res);
  if (!c || (!data && len)) return PQNET_ERR_INVALID_ARG;
  pqnet_chain_batch_begin(c); /* the block and the orphans it connects: one transaction */
  int err = add_block(c, data, len, now, res);
  pqnet_chain_batch_end(c);
  return err;
}

int chain_add_loaded(pqnet_chain *c, const uint8_t *data, size_t len, pqnet_chain_result *res) {
  c->loading = 1;
  int err = add_block(c, data, len, 0, res);
  c->loading = 0;
  return err;
}

void pqnet_chain_batch_begin(pqnet_chain *c) {
  if (c && c->batch_depth++ == 0) chain_db_begin(c);
}

void pqnet_chain_batch_end(pqnet_chain *c) {
  if (!c || c->batch_depth == 0) return;
  if (--c->batch_depth == 0) chain_db_commit(c);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

int pqnet_chain_open(const pqnet_chain_config *cfg, uint64_t now, pqnet_chain **out) {
  static const uint8_t zero[32];
  uint8_t gen[PQNET_BLOCK_MIN_LEN + 14 + PQNET_NETWORK_MAX];
  size_t glen;
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!cfg || memcmp(cfg->pow_limit, zero, 32) == 0) return PQNET_ERR_INVALID_ARG;
  if (memchr(cfg->network, 0, sizeof cfg->network) == NULL) return PQNET_ERR_INVALID_ARG;
  if (pqnet_chain_genesis_block(cfg->network, gen, sizeof gen, &glen) != 0)
    return PQNET_ERR_INVALID_ARG;
  pqnet_chain *c = calloc(1, sizeof *c);
  if (!c) return PQNET_ERR_NOMEM;
  c->cfg = *cfg;
  c->cfg.base_path = NULL;
  if (!c->cfg.orphan_max_bytes) c->cfg.orphan_max_bytes = PQNET_CHAIN_ORPHAN_MAX_BYTES;
  if (!c->cfg.max_future_ms) c->cfg.max_future_ms = PQNET_CHAIN_MAX_FUTURE_MS;
  c->map_cap = 1024;
  c->map = calloc(c->map_cap, sizeof *c->map);
  c->orphans = calloc(c->cfg.orphan_max ? c->cfg.orphan_max : 1, sizeof *c->orphans);
  c->genesis = calloc(1, sizeof *c->genesis);
  if (c->genesis) c->genesis->data = malloc(glen);
  if (cfg->base_path) c->base_path = strdup(cfg->base_path);
  if (!c->map || !c->orphans || !c->genesis || !c->genesis->data ||
      (cfg->base_path && !c->base_path) || best_reserve(c, 0) != 0) {
    pqnet_chain_close(c);
    return PQNET_ERR_NOMEM;
  }
  chain_entry *g = c->genesis;
  memcpy(g->data, gen, glen);
  g->len = (uint32_t)glen;
  pqnet_block_header_decode(gen, PQNET_BLOCK_HEADER_LEN, &g->hdr);
  pqnet_block_header_id(&g->hdr, g->id);
  pqnet_block_work(g->hdr.target, &g->work);
  map_insert(c, g); /* cannot fail: the map is empty */
  c->best[0] = g;
  c->tip = g;
  if (c->base_path) chain_db_open(c, now);
  *out = c;
  return 0;
}

void pqnet_chain_close(pqnet_chain *c) {
  if (!c) return;
  chain_db_close(c);
  for (size_t i = 0; c->map && i < c->map_cap; i++) {
    if (!c->map[i]) continue;
    free(c->map[i]->data);
    free(c->map[i]);
  }
  if (c->genesis && !c->nentries) { /* never inserted */
    free(c->genesis->data);
    free(c->genesis);
  }
  for (size_t i = 0; i < c->norphans; i++) free(c->orphans[i].data);
  free(c->orphans);
  free(c->map);
  free(c->best);
  free(c->base_path);
  free(c);
}

/* ---- queries -------------------------------------------------------------------------- */

uint64_t pqnet_chain_height(const pqnet_chain *c) {
  return c->tip->hdr.height;
}

void pqnet_chain_tip(const pqnet_chain *c, uint8_t id[32]) {
  memcpy(id, c->tip->id, 32);
}

void pqnet_chain_tip_work(const pqnet_chain *c, pqnet_u256 *work) {
  *work = c->tip->work;
}

const pqnet_block_header *pqnet_chain_tip_header(const pqnet_chain *c) {
  return &c->tip->hdr;
}

const uint8_t *pqnet_chain_genesis(const pqnet_chain *c) {
  return c->genesis->id;
}

uint64_t pqnet_chain_tip_mtp(const pqnet_chain *c) {
  return mtp_of(c->tip);
}

const pqnet_chain_config *pqnet_chain_get_config(const pqnet_chain *c) {
  return &c->cfg;
}

void pqnet_chain_next_header(const pqnet_chain *c, uint64_t now, const uint8_t *target,
                             const uint8_t *payload, size_t payload_len, pqnet_block_header *h) {
  memset(h, 0, sizeof *h);
  h->version = PQNET_BLOCK_VERSION;
  h->height = c->tip->hdr.height + 1;
  memcpy(h->parent, c->tip->id, 32);
  uint64_t floor = mtp_of(c->tip) + 1;
  h->timestamp_ms = now > floor ? now : floor;
  memcpy(h->target, target ? target : c->cfg.pow_limit, 32);
  pqnet_block_set_payload(h, payload, payload_len);
}

int pqnet_chain_get(const pqnet_chain *c, const uint8_t id[32], const uint8_t **data, size_t *len) {
  const chain_entry *e = chain_lookup(c, id);
  if (!e) return PQNET_ERR_STATE;
  *data = e->data;
  *len = e->len;
  return 0;
}

int pqnet_chain_get_at(const pqnet_chain *c, uint64_t height, const uint8_t **data, size_t *len,
                       uint8_t id[32]) {
  if (height > c->tip->hdr.height) return PQNET_ERR_STATE;
  const chain_entry *e = c->best[height];
  *data = e->data;
  *len = e->len;
  if (id) memcpy(id, e->id, 32);
  return 0;
}

int pqnet_chain_have(const pqnet_chain *c, const uint8_t id[32]) {
  if (chain_lookup(c, id)) return 1;
  if (orphan_find(c, id)) return 2;
  return 0;
}

int pqnet_chain_on_best(const pqnet_chain *c, const uint8_t id[32], uint64_t *height) {
  const chain_entry *e = chain_lookup(c, id);
  if (!e || e->hdr.height > c->tip->hdr.height || c->best[e->hdr.height] != e) return 0;
  if (height) *height = e->hdr.height;
  return 1;
}

size_t pqnet_chain_locator(const pqnet_chain *c, uint8_t (*ids)[32], size_t max) {
  size_t n = 0;
  uint64_t h = c->tip->hdr.height, step = 1;
  if (max < 2) return 0;
  while (n + 1 < max) {
    memcpy(ids[n++], c->best[h]->id, 32);
    if (h == 0) return n;
    if (n >= 10) step *= 2;
    h = h > step ? h - step : 0;
    if (h == 0) break;
  }
  memcpy(ids[n++], c->genesis->id, 32);
  return n;
}

uint64_t pqnet_chain_find_fork(const pqnet_chain *c, const uint8_t (*ids)[32], size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint64_t h;
    if (pqnet_chain_on_best(c, ids[i], &h)) return h;
  }
  return 0;
}

size_t pqnet_chain_block_count(const pqnet_chain *c) {
  return c->nentries;
}

size_t pqnet_chain_orphan_count(const pqnet_chain *c) {
  return c->norphans;
}

size_t pqnet_chain_orphan_bytes(const pqnet_chain *c) {
  return c->orphan_bytes;
}

const pqnet_chain_stats *pqnet_chain_get_stats(const pqnet_chain *c) {
  return &c->stats;
}

const char *pqnet_chain_degraded(const pqnet_chain *c) {
  return c->degraded[0] ? c->degraded : NULL;
}
