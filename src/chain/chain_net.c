/*
 * Block relay and sync over the public node API (docs/chain.md §6). See
 * chain_net.h for the rules; this file keeps three small tables:
 *
 *   peers   conn id -> claimed best height, windows in flight, stall timer
 *   windows height ranges being fetched, sorted by start; the lowest one
 *           connects first, and only when it has arrived
 *   wants   blocks asked for by id (parents of orphans), one peer at a time
 *
 * Peers are named by conn id only (weak handles); no pointer into a table
 * is kept across a call that may disconnect a peer (penalise), because
 * the node reports the disconnect re-entrantly.
 */
#include "chain/chain_net.h"

#include <stdlib.h>
#include <string.h>

#include "chain/chain_impl.h"
#include "chain/sync_msg.h"
#include "pqnet/error.h"

#define CN_TRIED       8
#define CN_WANT_ROUNDS 3  /* rounds of asking every peer for one block */
#define CN_MAX_STALLS  3  /* failures in a row before a peer's claims are ignored */
#define CN_IGNORE_MULT 20 /* ... for this many timeouts */

typedef struct cn_peer {
  uint64_t conn;
  uint64_t height; /* claimed best height */
  uint32_t inflight;
  uint64_t stalled_until; /* not asked before this time */
  uint64_t ignore_until;  /* its height claims do not count before this time */
  uint32_t stalls;        /* failures since it last delivered */
  uint64_t requests;
  int used;
} cn_peer;

typedef struct cn_window {
  uint64_t start;
  uint32_t count;
  uint64_t peer; /* asked, 0: not assigned */
  uint64_t served_by;
  uint64_t deadline;
  uint64_t tried[CN_TRIED];
  uint8_t ntried;
  int received;
  uint32_t nblocks;
  uint8_t **blocks;
  uint32_t *lens;
} cn_window;

typedef struct cn_want {
  uint8_t id[32];
  uint64_t peer;
  uint64_t deadline;
  uint64_t tried[CN_TRIED];
  uint8_t ntried;
  uint8_t rounds; /* times every peer was asked */
} cn_want;

struct pqnet_chain_net {
  pqnet_chain_net_config cfg;
  pqnet_chain *chain;
  pqnet_node *node;
  const pqnet_rng *rng;

  cn_peer *peers;
  size_t npeers, cap_peers, rr;

  cn_window *win;
  size_t nwin, cap_win;
  uint64_t next_height;
  uint64_t resume_from; /* after a Locate: the first height to fetch */

  cn_want *wants;
  size_t nwants;

  uint64_t locate_peer, locate_deadline;
  uint64_t located_peer, located_from; /* the last Locate answer, to catch liars */
  uint64_t announced_height;
  uint64_t now; /* the latest time seen: for the queries that take none */

  pqnet_chain_net_stats stats;
  uint8_t *buf; /* Blocks answers */
  size_t buf_cap;
  pqnet_sync_blocks *dec;
};

void pqnet_chain_net_config_default(pqnet_chain_net_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->window = 50;
  cfg->per_peer_inflight = 2;
  cfg->max_windows = 16;
  cfg->timeout_ms = 5000;
  cfg->max_response_bytes = 1u << 20;
  cfg->max_wants = 64;
}

/* ---- small helpers ------------------------------------------------------------------- */

static cn_peer *find_peer(pqnet_chain_net *n, uint64_t conn) {
  for (size_t i = 0; i < n->npeers; i++)
    if (n->peers[i].conn == conn) return &n->peers[i];
  return NULL;
}

static cn_peer *add_peer(pqnet_chain_net *n, uint64_t conn) {
  cn_peer *p = find_peer(n, conn);
  if (p) return p;
  if (n->npeers == n->cap_peers) {
    size_t cap = n->cap_peers ? n->cap_peers * 2 : 16;
    cn_peer *q = realloc(n->peers, cap * sizeof *q);
    if (!q) return NULL;
    n->peers = q;
    n->cap_peers = cap;
  }
  p = &n->peers[n->npeers++];
  memset(p, 0, sizeof *p);
  p->conn = conn;
  return p;
}

static int send_msg(pqnet_chain_net *n, uint64_t conn, uint8_t type, const uint8_t *body,
                    size_t len, uint64_t now) {
  return pqnet_node_send(n->node, conn, PQNET_CHAIN_PROTO, type, body, len, now);
}

static void tip_update(pqnet_chain_net *n) {
  uint64_t h = pqnet_chain_height(n->chain);
  if (h != n->announced_height) {
    n->announced_height = h;
    pqnet_node_set_best_height(n->node, h);
  }
}

static int tried(const uint64_t *list, uint8_t nt, uint64_t conn) {
  for (uint8_t i = 0; i < nt; i++)
    if (list[i] == conn) return 1;
  return 0;
}

static void add_tried(uint64_t *list, uint8_t *nt, uint64_t conn) {
  if (tried(list, *nt, conn)) return;
  if (*nt == CN_TRIED) { /* forget the oldest */
    memmove(list, list + 1, (CN_TRIED - 1) * sizeof *list);
    (*nt)--;
  }
  list[(*nt)++] = conn;
}

static void remove_peer(pqnet_chain_net *n, uint64_t conn, uint64_t now);

/* A peer served what it cannot have validated: disconnect it with a
 * violation reason, which makes the node ban its address. */
static void penalise(pqnet_chain_net *n, uint64_t conn, const char *why, uint64_t now) {
  n->stats.peers_penalised++;
  chain_log(n->chain, 1, "chain peer misbehaved conn=%llu: %s", (unsigned long long)conn, why);
  pqnet_node_disconnect(n->node, conn, PQNET_REASON_MALFORMED, why, now);
  remove_peer(n, conn, now); /* no-op if the disconnect callback did it */
}

/* ---- windows ------------------------------------------------------------------------- */

static void win_clear_blocks(cn_window *w) {
  for (uint32_t i = 0; i < w->nblocks; i++) free(w->blocks[i]);
  free(w->blocks);
  free(w->lens);
  w->blocks = NULL;
  w->lens = NULL;
  w->nblocks = 0;
  w->received = 0;
}

/* Unassign w from its peer (inflight accounting), optionally remembering
 * that this peer failed it. */
static void win_release(pqnet_chain_net *n, cn_window *w, int mark) {
  if (!w->peer) return;
  cn_peer *p = find_peer(n, w->peer);
  if (p && p->inflight) p->inflight--;
  if (mark) add_tried(w->tried, &w->ntried, w->peer);
  w->peer = 0;
  w->deadline = 0;
}

static void win_remove(pqnet_chain_net *n, size_t i) {
  win_release(n, &n->win[i], 0);
  win_clear_blocks(&n->win[i]);
  memmove(&n->win[i], &n->win[i + 1], (n->nwin - i - 1) * sizeof *n->win);
  n->nwin--;
}

static void win_drop_all(pqnet_chain_net *n) {
  while (n->nwin) win_remove(n, n->nwin - 1);
}

static cn_window *win_insert(pqnet_chain_net *n, size_t at, uint64_t start, uint32_t count) {
  if (n->nwin == n->cap_win) {
    size_t cap = n->cap_win ? n->cap_win * 2 : 16;
    cn_window *q = realloc(n->win, cap * sizeof *q);
    if (!q) return NULL;
    n->win = q;
    n->cap_win = cap;
  }
  memmove(&n->win[at + 1], &n->win[at], (n->nwin - at) * sizeof *n->win);
  n->nwin++;
  cn_window *w = &n->win[at];
  memset(w, 0, sizeof *w);
  w->start = start;
  w->count = count;
  return w;
}

static uint64_t target_height(const pqnet_chain_net *n) {
  uint64_t t = 0;
  for (size_t i = 0; i < n->npeers; i++)
    if (n->peers[i].ignore_until <= n->now && n->peers[i].height > t) t = n->peers[i].height;
  return t;
}

/* conn failed us (timeout, nothing to show for its claim, blocks from the
 * future, a fork it located that does not link): skip it for a while, and
 * after CN_MAX_STALLS in a row stop believing its height, so a peer that
 * claims a chain it does not serve cannot hold sync (and mining) forever. */
static void stall(pqnet_chain_net *n, uint64_t conn, uint64_t now) {
  cn_peer *p = find_peer(n, conn);
  if (!p) return;
  p->stalled_until = now + 2ull * n->cfg.timeout_ms;
  if (++p->stalls >= CN_MAX_STALLS) {
    p->ignore_until = now + (uint64_t)CN_IGNORE_MULT * n->cfg.timeout_ms;
    p->stalls = 0;
    chain_log(n->chain, 2, "ignoring the height claim of conn=%llu for a while",
              (unsigned long long)conn);
  }
}

static cn_peer *pick_peer(pqnet_chain_net *n, const cn_window *w, uint64_t now) {
  for (size_t k = 0; k < n->npeers; k++) {
    size_t i = (n->rr + k) % n->npeers;
    cn_peer *p = &n->peers[i];
    if (p->height < w->start || p->inflight >= n->cfg.per_peer_inflight || p->stalled_until > now ||
        p->ignore_until > now || tried(w->tried, w->ntried, p->conn))
      continue;
    n->rr = i + 1;
    return p;
  }
  return NULL;
}

static void start_locate(pqnet_chain_net *n, uint64_t conn, uint64_t now) {
  uint8_t ids[PQNET_SYNC_MAX_LOCATOR][32];
  uint8_t body[1 + PQNET_SYNC_MAX_LOCATOR * 32];
  size_t len;
  if (!find_peer(n, conn)) return;
  size_t k = pqnet_chain_locator(n->chain, ids, PQNET_SYNC_MAX_LOCATOR);
  if (pqnet_sync_locate_encode((const uint8_t(*)[32])ids, k, body, sizeof body, &len) != 0) return;
  if (send_msg(n, conn, PQNET_SYNC_LOCATE, body, len, now) != 0) return;
  n->locate_peer = conn;
  n->locate_deadline = now + n->cfg.timeout_ms;
  n->stats.locates_sent++;
}

/* Create windows up to the best claimed height and ask peers for them. */
static void schedule(pqnet_chain_net *n, uint64_t now) {
  if (n->locate_peer) return;
  uint64_t target = target_height(n);
  uint64_t tip = pqnet_chain_height(n->chain);
  while (n->nwin && n->win[n->nwin - 1].start > target && !n->win[n->nwin - 1].received &&
         !n->win[n->nwin - 1].peer)
    win_remove(n, n->nwin - 1);
  if (n->nwin == 0) {
    n->next_height = n->resume_from ? n->resume_from : tip + 1;
  } else {
    const cn_window *last = &n->win[n->nwin - 1];
    n->next_height = last->start + last->count;
  }
  while (n->nwin < n->cfg.max_windows && n->next_height <= target && n->next_height > 0) {
    uint64_t left = target - n->next_height + 1;
    uint32_t count = left < n->cfg.window ? (uint32_t)left : n->cfg.window;
    if (!win_insert(n, n->nwin, n->next_height, count)) break;
    n->next_height += count;
    n->resume_from = 0;
  }
  for (size_t i = 0; i < n->nwin; i++) {
    cn_window *w = &n->win[i];
    if (w->received || w->peer) continue;
    cn_peer *p = pick_peer(n, w, now);
    if (!p && w->ntried) { /* every willing peer failed it once: try them again */
      w->ntried = 0;
      p = pick_peer(n, w, now);
    }
    if (!p) continue;
    uint8_t body[PQNET_SYNC_GETBLOCKS_LEN];
    size_t len;
    pqnet_sync_getblocks_encode(w->start, (uint16_t)w->count, body, sizeof body, &len);
    if (send_msg(n, p->conn, PQNET_SYNC_GETBLOCKS, body, len, now) != 0) {
      add_tried(w->tried, &w->ntried, p->conn);
      continue;
    }
    w->peer = p->conn;
    w->deadline = now + n->cfg.timeout_ms;
    p->inflight++;
    p->requests++;
    if (!p->used) {
      p->used = 1;
      n->stats.sync_peers_used++;
    }
    n->stats.getblocks_sent++;
  }
}

/* Connect the lowest windows that have arrived, in height order. */
static void connect_ready(pqnet_chain_net *n, uint64_t now) {
  while (n->nwin && n->win[0].received) {
    cn_window *w = &n->win[0];
    pqnet_block first;
    if (w->nblocks == 0 || pqnet_block_decode(w->blocks[0], w->lens[0], &first) != 0) {
      win_remove(n, 0);
      continue;
    }
    if (pqnet_chain_have(n->chain, first.hdr.parent) != 1) {
      /* The serving peer's chain forks below this window. */
      uint64_t served = w->served_by, start = w->start;
      win_drop_all(n);
      if (served == n->located_peer && start == n->located_from) {
        /* It located this fork for us and still does not link: it lied, or
         * reorganised in between. Not provable: a stall, not a ban. */
        n->located_peer = 0;
        stall(n, served, now);
        return;
      }
      start_locate(n, served, now);
      return;
    }
    uint32_t j;
    int bad = 0, future = 0;
    const char *why = NULL;
    pqnet_chain_batch_begin(n->chain);
    for (j = 0; j < w->nblocks; j++) {
      pqnet_chain_result res;
      if (pqnet_chain_add(n->chain, w->blocks[j], w->lens[j], now, &res) != 0) break;
      if (res.status == PQNET_CHAIN_CONNECTED) {
        n->stats.blocks_synced++;
      } else if (res.status == PQNET_CHAIN_FUTURE) {
        future = 1;
        break;
      } else if (res.status != PQNET_CHAIN_DUPLICATE) {
        bad = 1;
        why = res.why ? res.why : pqnet_chain_status_name(res.status);
        break;
      }
    }
    pqnet_chain_batch_end(n->chain);
    tip_update(n);
    if (j == w->nblocks) {
      cn_peer *p = find_peer(n, w->served_by);
      if (p) p->stalls = 0; /* it delivered */
      win_remove(n, 0);
      continue;
    }
    /* Keep the rest of the range, to be asked of someone else. */
    uint64_t served = w->served_by, end = w->start + w->count;
    win_clear_blocks(w);
    w->start += j;
    w->count = (uint32_t)(end - w->start);
    add_tried(w->tried, &w->ntried, served);
    if (bad) {
      penalise(n, served, why, now);
      return;
    }
    if (future) stall(n, served, now);
    return;
  }
}

static void sync_pump(pqnet_chain_net *n, uint64_t now) {
  connect_ready(n, now);
  schedule(n, now);
}

/* ---- wants (blocks asked for by id) ---------------------------------------------------- */

static cn_want *want_find(pqnet_chain_net *n, const uint8_t id[32]) {
  for (size_t i = 0; i < n->nwants; i++)
    if (memcmp(n->wants[i].id, id, 32) == 0) return &n->wants[i];
  return NULL;
}

static void want_remove(pqnet_chain_net *n, size_t i) {
  n->wants[i] = n->wants[--n->nwants];
}

/* Ask the preferred peer (if any and not tried), else the next untried
 * peer; drop the want when nobody is left. */
static void want_send(pqnet_chain_net *n, size_t i, uint64_t pref, uint64_t now) {
  cn_want *w = &n->wants[i];
  for (size_t k = 0; k <= n->npeers; k++) {
    uint64_t conn = 0;
    if (k == 0) {
      if (!pref || !find_peer(n, pref) || tried(w->tried, w->ntried, pref)) continue;
      conn = pref;
    } else {
      cn_peer *p = &n->peers[(n->rr + k - 1) % n->npeers];
      if (tried(w->tried, w->ntried, p->conn)) continue;
      conn = p->conn;
    }
    add_tried(w->tried, &w->ntried, conn);
    if (send_msg(n, conn, PQNET_SYNC_GETBLOCK, w->id, 32, now) != 0) continue;
    w->peer = conn;
    w->deadline = now + n->cfg.timeout_ms;
    n->stats.getblock_sent++;
    return;
  }
  /* Everyone was asked: a peer may get the block soon (it may be fetching
   * it itself), so ask around again after a timeout, a few times. */
  if (w->rounds < CN_WANT_ROUNDS && n->npeers > 0) {
    w->rounds++;
    w->ntried = 0;
    w->peer = 0;
    w->deadline = now + n->cfg.timeout_ms;
    return;
  }
  want_remove(n, i);
}

static void want_request(pqnet_chain_net *n, const uint8_t id[32], uint64_t pref, uint64_t now) {
  if (want_find(n, id) || n->nwants >= n->cfg.max_wants) return;
  if (pqnet_chain_have(n->chain, id) == 1) return;
  cn_want *w = &n->wants[n->nwants++];
  memset(w, 0, sizeof *w);
  memcpy(w->id, id, 32);
  want_send(n, n->nwants - 1, pref, now);
}

/* A pooled orphan needs res->missing: ask for it by id when it is near our
 * tip (a short gap or a fork), else let range sync fetch up to it. */
static void handle_orphan(pqnet_chain_net *n, uint64_t conn, const pqnet_chain_result *res,
                          uint64_t now) {
  uint64_t tip = pqnet_chain_height(n->chain);
  if (res->missing_height <= tip + 1) {
    want_request(n, res->missing, conn, now);
    return;
  }
  cn_peer *p = find_peer(n, conn);
  if (p && p->height < res->missing_height) p->height = res->missing_height;
  schedule(n, now);
}

/* ---- peers ----------------------------------------------------------------------------- */

static void remove_peer(pqnet_chain_net *n, uint64_t conn, uint64_t now) {
  cn_peer *p = find_peer(n, conn);
  if (!p) return;
  *p = n->peers[--n->npeers];
  for (size_t i = 0; i < n->nwin; i++) {
    if (n->win[i].peer == conn) {
      n->win[i].peer = 0;
      n->win[i].deadline = 0;
    }
  }
  if (n->locate_peer == conn) n->locate_peer = 0;
  for (size_t i = n->nwants; i-- > 0;)
    if (n->wants[i].peer == conn) want_send(n, i, 0, now);
}

void pqnet_chain_net_on_peer_connected(pqnet_chain_net *n, const pqnet_peer_info *peer,
                                       uint64_t now) {
  if (now > n->now) n->now = now;
  cn_peer *p = add_peer(n, peer->conn);
  if (p && peer->best_height > p->height) p->height = peer->best_height;
  sync_pump(n, now);
}

void pqnet_chain_net_on_peer_hello(pqnet_chain_net *n, const pqnet_peer_info *peer, uint64_t now) {
  if (now > n->now) n->now = now;
  /* Only peers announced by peer_connected: feelers say Hello too but are
   * never reported closed. */
  cn_peer *p = find_peer(n, peer->conn);
  if (!p) return;
  p->height = peer->best_height;
  sync_pump(n, now);
}

void pqnet_chain_net_on_peer_disconnected(pqnet_chain_net *n, const pqnet_peer_info *peer,
                                          uint64_t now) {
  if (now > n->now) n->now = now;
  remove_peer(n, peer->conn, now);
  schedule(n, now);
}

/* ---- gossip ---------------------------------------------------------------------------- */

int pqnet_chain_net_on_gossip(pqnet_chain_net *n, uint64_t conn, uint16_t topic,
                              const uint8_t *payload, size_t len, uint64_t now) {
  pqnet_chain_result res;
  if (now > n->now) n->now = now;
  if (topic != PQNET_BLOCK_TOPIC) return PQNET_GOSSIP_VALID;
  if (pqnet_chain_add(n->chain, payload, len, now, &res) != 0) return PQNET_GOSSIP_IGNORE;
  cn_peer *p = find_peer(n, conn);
  switch (res.status) {
  case PQNET_CHAIN_CONNECTED: {
    n->stats.gossip_connected++;
    if (p && res.height > p->height) p->height = res.height;
    cn_want *w = want_find(n, res.id);
    if (w) want_remove(n, (size_t)(w - n->wants));
    tip_update(n);
    sync_pump(n, now);
    return PQNET_GOSSIP_VALID;
  }
  case PQNET_CHAIN_ORPHAN:
    n->stats.gossip_orphans++;
    handle_orphan(n, conn, &res, now);
    return PQNET_GOSSIP_VALID;
  case PQNET_CHAIN_INVALID:
    if (res.context_free) {
      n->stats.gossip_invalid++;
      chain_log(n->chain, 1, "invalid block from conn=%llu: %s", (unsigned long long)conn,
                res.why ? res.why : "invalid");
      return PQNET_GOSSIP_INVALID;
    }
    n->stats.gossip_ignored++;
    return PQNET_GOSSIP_IGNORE;
  default:
    if (res.status == PQNET_CHAIN_DUPLICATE) n->stats.gossip_duplicates++;
    n->stats.gossip_ignored++;
    return PQNET_GOSSIP_IGNORE;
  }
}

int pqnet_chain_net_publish(pqnet_chain_net *n, const uint8_t *block, size_t len, uint64_t now,
                            pqnet_chain_result *res) {
  pqnet_chain_result tmp;
  if (!res) res = &tmp;
  if (!n || !block) return PQNET_ERR_INVALID_ARG;
  if (now > n->now) n->now = now;
  int err = pqnet_chain_add(n->chain, block, len, now, res);
  if (err) return err;
  if (res->status != PQNET_CHAIN_CONNECTED) return 0;
  tip_update(n);
  if (pqnet_node_broadcast(n->node, PQNET_BLOCK_TOPIC, block, len, NULL, now) == 0)
    n->stats.published++;
  return 0;
}

/* ---- sync messages ----------------------------------------------------------------------- */

static void on_getblocks(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                         uint64_t now) {
  pqnet_sync_getblocks gb;
  if (pqnet_sync_getblocks_decode(body, len, &gb) != 0) {
    penalise(n, conn, "malformed GetBlocks", now);
    return;
  }
  if (n->cfg.no_serve) return;
  uint64_t tip = pqnet_chain_height(n->chain);
  size_t budget = n->cfg.max_response_bytes;
  for (;;) {
    pqnet_sync_blocks_writer bw;
    pqnet_sync_blocks_begin(&bw, n->buf, n->buf_cap, tip, gb.from);
    size_t used = 0;
    for (uint64_t h = gb.from; h <= tip && h - gb.from < gb.count; h++) {
      const uint8_t *data;
      size_t dl;
      if (pqnet_chain_get_at(n->chain, h, &data, &dl, NULL) != 0) break;
      if (bw.n > 0 && used + 4 + dl > budget) break;
      if (pqnet_sync_blocks_append(&bw, data, dl) != 0) break;
      used += 4 + dl;
    }
    size_t blen = pqnet_sync_blocks_end(&bw);
    if (!blen) return;
    int err = send_msg(n, conn, PQNET_SYNC_BLOCKS, n->buf, blen, now);
    if (err == PQNET_ERR_TOO_LARGE && bw.n > 1) { /* over the peer's frame cap: halve */
      budget = used / 2;
      continue;
    }
    if (err == 0) n->stats.getblocks_served++;
    return;
  }
}

static void on_blocks(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                      uint64_t now) {
  pqnet_sync_blocks *m = n->dec;
  if (pqnet_sync_blocks_decode(body, len, m) != 0) {
    penalise(n, conn, "malformed Blocks", now);
    return;
  }
  cn_peer *p = find_peer(n, conn);
  size_t wi;
  for (wi = 0; wi < n->nwin; wi++)
    if (n->win[wi].peer == conn && n->win[wi].start == m->from && !n->win[wi].received) break;
  if (!p || wi == n->nwin) {
    n->stats.unsolicited++;
    return;
  }
  p->height = m->best_height;
  if (m->n == 0 && m->from > 0 && p->height >= m->from) {
    p->height = m->from - 1; /* it claims the height but has nothing there */
    stall(n, conn, now);
  }
  if (m->n > n->win[wi].count) {
    penalise(n, conn, "more blocks than asked for", now);
    return;
  }
  uint8_t prev[32];
  for (uint16_t j = 0; j < m->n; j++) {
    pqnet_block b;
    const char *why = NULL;
    if (pqnet_block_decode(m->block[j], m->len[j], &b) != 0)
      why = "malformed block in Blocks";
    else if (b.hdr.height != m->from + j)
      why = "block at the wrong height in Blocks";
    else if (pqnet_block_check(&b, pqnet_chain_get_config(n->chain)->pow_limit, &why) != 0) {
    } else if (j > 0 && memcmp(b.hdr.parent, prev, 32) != 0)
      why = "blocks in Blocks do not link";
    if (why) {
      penalise(n, conn, why, now);
      return;
    }
    memcpy(prev, b.id, 32);
  }
  cn_window *w = &n->win[wi];
  win_release(n, w, m->n == 0);
  n->stats.windows_received++;
  if (m->n > 0) {
    w->blocks = calloc(m->n, sizeof *w->blocks);
    w->lens = calloc(m->n, sizeof *w->lens);
    int ok = w->blocks && w->lens;
    for (uint16_t j = 0; ok && j < m->n; j++) {
      w->blocks[j] = malloc(m->len[j]);
      if (!w->blocks[j]) {
        ok = 0;
        break;
      }
      memcpy(w->blocks[j], m->block[j], m->len[j]);
      w->lens[j] = m->len[j];
      w->nblocks = j + 1u;
    }
    if (!ok) {
      win_clear_blocks(w); /* out of memory: ask again later */
    } else {
      w->received = 1;
      w->served_by = conn;
      if (m->n < w->count) { /* a partial answer: the rest is a new window */
        uint64_t rest_start = w->start + m->n;
        uint32_t rest = w->count - m->n;
        w->count = m->n;
        cn_window *r = win_insert(n, wi + 1, rest_start, rest);
        if (r) add_tried(r->tried, &r->ntried, conn);
      }
    }
  }
  sync_pump(n, now);
}

static void on_getblock(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                        uint64_t now) {
  const uint8_t *id;
  if (pqnet_sync_id_decode(body, len, &id) != 0) {
    penalise(n, conn, "malformed GetBlock", now);
    return;
  }
  if (n->cfg.no_serve) return;
  const uint8_t *data;
  size_t dl, out_len;
  if (pqnet_chain_get(n->chain, id, &data, &dl) == 0 &&
      pqnet_sync_block_encode(pqnet_chain_height(n->chain), data, dl, n->buf, n->buf_cap,
                              &out_len) == 0) {
    if (send_msg(n, conn, PQNET_SYNC_BLOCK, n->buf, out_len, now) == 0) n->stats.getblock_served++;
    return;
  }
  if (send_msg(n, conn, PQNET_SYNC_NOTFOUND, id, 32, now) == 0) n->stats.notfound_sent++;
}

static void on_block(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                     uint64_t now) {
  pqnet_sync_block m;
  pqnet_block b;
  if (pqnet_sync_block_decode(body, len, &m) != 0 || pqnet_block_decode(m.block, m.len, &b) != 0) {
    penalise(n, conn, "malformed Block", now);
    return;
  }
  cn_want *w = want_find(n, b.id);
  cn_peer *p = find_peer(n, conn);
  if (!w || w->peer != conn || !p) {
    n->stats.unsolicited++;
    return;
  }
  want_remove(n, (size_t)(w - n->wants));
  if (m.best_height > p->height) p->height = m.best_height;
  pqnet_chain_result res;
  if (pqnet_chain_add(n->chain, m.block, m.len, now, &res) != 0) return;
  switch (res.status) {
  case PQNET_CHAIN_CONNECTED:
    /* A parent we had to fetch: peers that relayed its orphan child may
     * lack it too, so gossip it (each peer gets it at most once). */
    n->stats.blocks_synced++;
    tip_update(n);
    if (pqnet_node_broadcast(n->node, PQNET_BLOCK_TOPIC, m.block, m.len, NULL, now) == 0)
      n->stats.fetched_relayed++;
    sync_pump(n, now);
    return;
  case PQNET_CHAIN_ORPHAN: want_request(n, res.missing, conn, now); return;
  case PQNET_CHAIN_INVALID:
    penalise(n, conn, res.why ? res.why : "invalid block in Block", now);
    return;
  default: return;
  }
}

static void on_notfound(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                        uint64_t now) {
  const uint8_t *id;
  if (pqnet_sync_id_decode(body, len, &id) != 0) {
    penalise(n, conn, "malformed NotFound", now);
    return;
  }
  cn_want *w = want_find(n, id);
  if (!w || w->peer != conn) {
    n->stats.unsolicited++;
    return;
  }
  want_send(n, (size_t)(w - n->wants), 0, now);
}

static void on_locate(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                      uint64_t now) {
  pqnet_sync_locate m;
  if (pqnet_sync_locate_decode(body, len, &m) != 0) {
    penalise(n, conn, "malformed Locate", now);
    return;
  }
  if (n->cfg.no_serve) return;
  uint64_t fork = pqnet_chain_find_fork(n->chain, (const uint8_t(*)[32])m.ids, m.n);
  const uint8_t *data;
  size_t dl, out_len;
  uint8_t id[32], out[PQNET_SYNC_LOCATED_LEN];
  if (pqnet_chain_get_at(n->chain, fork, &data, &dl, id) != 0) return;
  pqnet_sync_located_encode(pqnet_chain_height(n->chain), fork, id, out, sizeof out, &out_len);
  if (send_msg(n, conn, PQNET_SYNC_LOCATED, out, out_len, now) == 0) n->stats.locates_served++;
}

static void on_located(pqnet_chain_net *n, uint64_t conn, const uint8_t *body, size_t len,
                       uint64_t now) {
  pqnet_sync_located m;
  if (pqnet_sync_located_decode(body, len, &m) != 0) {
    penalise(n, conn, "malformed Located", now);
    return;
  }
  cn_peer *p = find_peer(n, conn);
  if (!p || n->locate_peer != conn) {
    n->stats.unsolicited++;
    return;
  }
  n->locate_peer = 0;
  p->height = m.best_height;
  win_drop_all(n);
  n->resume_from = m.fork_height + 1;
  n->located_peer = conn;
  n->located_from = m.fork_height + 1;
  sync_pump(n, now);
}

void pqnet_chain_net_on_message(pqnet_chain_net *n, uint64_t conn, uint16_t protocol, uint8_t type,
                                const uint8_t *body, size_t len, uint64_t now) {
  if (protocol != PQNET_CHAIN_PROTO) return;
  if (now > n->now) n->now = now;
  switch (type) {
  case PQNET_SYNC_GETBLOCKS: on_getblocks(n, conn, body, len, now); return;
  case PQNET_SYNC_BLOCKS: on_blocks(n, conn, body, len, now); return;
  case PQNET_SYNC_GETBLOCK: on_getblock(n, conn, body, len, now); return;
  case PQNET_SYNC_BLOCK: on_block(n, conn, body, len, now); return;
  case PQNET_SYNC_NOTFOUND: on_notfound(n, conn, body, len, now); return;
  case PQNET_SYNC_LOCATE: on_locate(n, conn, body, len, now); return;
  case PQNET_SYNC_LOCATED: on_located(n, conn, body, len, now); return;
  default: return; /* unknown types are ignored, as in the library's protocols */
  }
}

/* ---- timers ---------------------------------------------------------------------------- */

void pqnet_chain_net_tick(pqnet_chain_net *n, uint64_t now) {
  if (now > n->now) n->now = now;
  /* Peers the node no longer has open (a missed disconnect callback). */
  for (size_t i = n->npeers; i-- > 0;) {
    pqnet_peer_info info;
    if (pqnet_node_peer_info(n->node, n->peers[i].conn, &info) != 0)
      remove_peer(n, n->peers[i].conn, now);
  }
  for (size_t i = 0; i < n->nwin; i++) {
    cn_window *w = &n->win[i];
    if (!w->peer || w->deadline > now) continue;
    stall(n, w->peer, now);
    chain_log(n->chain, 2, "sync window timed out start=%llu count=%u conn=%llu",
              (unsigned long long)w->start, w->count, (unsigned long long)w->peer);
    win_release(n, w, 1);
    n->stats.windows_timed_out++;
  }
  if (n->locate_peer && n->locate_deadline <= now) {
    stall(n, n->locate_peer, now);
    n->locate_peer = 0;
  }
  for (size_t i = n->nwants; i-- > 0;)
    if (n->wants[i].deadline <= now) want_send(n, i, 0, now);
  sync_pump(n, now);
}

uint64_t pqnet_chain_net_next_deadline(const pqnet_chain_net *n) {
  uint64_t t = UINT64_MAX;
  int waiting = 0;
  for (size_t i = 0; i < n->nwin; i++) {
    if (n->win[i].peer && n->win[i].deadline < t) t = n->win[i].deadline;
    if (!n->win[i].peer && !n->win[i].received) waiting = 1;
  }
  for (size_t i = 0; i < n->nwants; i++)
    if (n->wants[i].deadline < t) t = n->wants[i].deadline;
  if (n->locate_peer && n->locate_deadline < t) t = n->locate_deadline;
  if (waiting) /* an unassigned window waits for a stalled peer to be usable again */
    for (size_t i = 0; i < n->npeers; i++)
      if (n->peers[i].stalled_until && n->peers[i].stalled_until < t) t = n->peers[i].stalled_until;
  return t;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

int pqnet_chain_net_new(const pqnet_chain_net_config *cfg, pqnet_chain *chain, pqnet_node *node,
                        const pqnet_rng *rng, pqnet_chain_net **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!chain || !node || !rng) return PQNET_ERR_INVALID_ARG;
  pqnet_chain_net *n = calloc(1, sizeof *n);
  if (!n) return PQNET_ERR_NOMEM;
  if (cfg)
    n->cfg = *cfg;
  else
    pqnet_chain_net_config_default(&n->cfg);
  pqnet_chain_net_config d;
  pqnet_chain_net_config_default(&d);
  if (!n->cfg.window || n->cfg.window > PQNET_SYNC_MAX_BLOCKS) n->cfg.window = d.window;
  if (!n->cfg.per_peer_inflight) n->cfg.per_peer_inflight = d.per_peer_inflight;
  if (!n->cfg.max_windows) n->cfg.max_windows = d.max_windows;
  if (!n->cfg.timeout_ms) n->cfg.timeout_ms = d.timeout_ms;
  if (!n->cfg.max_wants) n->cfg.max_wants = d.max_wants;
  if (n->cfg.max_response_bytes < 4 + PQNET_BLOCK_MAX_LEN)
    n->cfg.max_response_bytes =
        n->cfg.max_response_bytes ? 4 + PQNET_BLOCK_MAX_LEN : d.max_response_bytes;
  n->chain = chain;
  n->node = node;
  n->rng = rng;
  n->buf_cap = PQNET_SYNC_BLOCKS_HDR + (size_t)n->cfg.max_response_bytes + 4 + PQNET_BLOCK_MAX_LEN;
  n->buf = malloc(n->buf_cap);
  n->dec = malloc(sizeof *n->dec);
  n->wants = calloc(n->cfg.max_wants, sizeof *n->wants);
  if (!n->buf || !n->dec || !n->wants) {
    pqnet_chain_net_del(n);
    return PQNET_ERR_NOMEM;
  }
  pqnet_node_gossip_set_cap(node, PQNET_BLOCK_TOPIC, PQNET_BLOCK_MAX_LEN);
  n->announced_height = pqnet_chain_height(chain);
  pqnet_node_set_best_height(node, n->announced_height);
  *out = n;
  return 0;
}

void pqnet_chain_net_del(pqnet_chain_net *n) {
  if (!n) return;
  for (size_t i = 0; i < n->nwin; i++) win_clear_blocks(&n->win[i]);
  free(n->win);
  free(n->peers);
  free(n->wants);
  free(n->buf);
  free(n->dec);
  free(n);
}

int pqnet_chain_net_syncing(const pqnet_chain_net *n) {
  return n->nwin > 0 || n->locate_peer != 0;
}

uint64_t pqnet_chain_net_peer_best(const pqnet_chain_net *n) {
  return target_height(n);
}

const pqnet_chain_net_stats *pqnet_chain_net_get_stats(const pqnet_chain_net *n) {
  return &n->stats;
}
