/*
 * The node core (include/pqnet/node.h): a table of connections, each with a
 * session (src/session), heartbeat timers and peer facts; an action queue the
 * driver drains with pqnet_node_poll.
 *
 * Timers per connection, all deadlines in the caller's monotonic ms:
 *   hs_deadline   handshake must finish (PROTOCOL.md §8)
 *   next_ping     send the next Ping
 *   pong_deadline the outstanding Ping must be answered
 * pqnet_node_next_deadline() is the earliest of them; a WAKE action is
 * queued whenever it changes.
 *
 * A connection leaves the table only when the driver reports it closed
 * (pqnet_node_closed); until then a closed session just discards input. So
 * conn ids handed to callbacks stay valid handles for the whole callback.
 */
#include "pqnet/node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_impl.h"
#include "pqnet/error.h"
#include "session/identity.h"
#include "wire/msg.h"

const char *pqnet_reason_name(int reason) {
  static const char *const names[PQNET_REASON_MAX_] = {
      "none",
      "bad-magic",
      "version-mismatch",
      "chain-mismatch",
      "genesis-mismatch",
      "malformed",
      "frame-too-large",
      "auth-failed",
      "self-connection",
      "duplicate-peer",
      "handshake-timeout",
      "ping-timeout",
      "too-many-peers",
      "banned",
      "shutdown",
      "protocol-violation",
      "send-queue-full",
      "transport-closed",
      "application",
  };
  if (reason < 0 || reason >= PQNET_REASON_MAX_) return "unknown";
  return names[reason];
}

void pqnet_node_config_default(pqnet_node_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  snprintf(cfg->chain_id, sizeof cfg->chain_id, "devnet");
  snprintf(cfg->user_agent, sizeof cfg->user_agent, "pqnet/0.1");
  cfg->max_frame = PQNET_FRAME_DEFAULT_MAX;
  cfg->handshake_timeout_ms = 10000;
  cfg->ping_interval_ms = 30000;
  cfg->pong_timeout_ms = 60000;
  cfg->max_connections = 256;
  cfg->send_queue_max = 8u * 1024 * 1024;
  cfg->rekey_frames = (uint64_t)1 << 20;
  cfg->rekey_bytes = (uint64_t)1 << 30;
  cfg->policy.allow_loopback = 1; /* devnet */
  cfg->policy.allow_private = 1;
  cfg->min_outbound = 8;
  cfg->max_outbound = 16;
  cfg->max_inbound = 117;
  cfg->discovery_tick_ms = 30000;
  cfg->dials_per_tick = 4;
  cfg->feeler_interval_ms = 120000;
  cfg->connection_timeout_ms = 10000;
  cfg->seed_retry_ms = 300000;
  cfg->addr_rate_milli = 100;
  cfg->addr_burst = 1000;
  cfg->getaddrs_cache_ms = 24u * 3600 * 1000;
  cfg->relay_fanout = 2;
  cfg->relay_interval_ms = 5000;
  cfg->default_port = 7071;
  cfg->ban_seconds = 86400;
}

uint32_t node_rand(pqnet_node *n, uint32_t bound) {
  uint8_t b[4];
  if (bound <= 1 || pqnet_rng_fill(n->rng, b, sizeof b) != 0) return 0;
  uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return (uint32_t)(((uint64_t)v * bound) >> 32);
}

int node_send_msg(pqnet_node *n, conn *c, uint16_t protocol, uint8_t type, const uint8_t *body,
                  size_t len) {
  if (!c->open || c->closing) return PQNET_ERR_STATE;
  int rc = pqnet_session_send(&c->sess, protocol, type, body, len);
  if (rc == 0) {
    n->stats.frames_out++;
    flush(n, c);
  }
  return rc;
}

void node_log(pqnet_node *n, int level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (!n->cb.log) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  n->cb.log(n->cb.ctx, level, buf);
}

/* ---- action queue ---- */

int push_action(pqnet_node *n, const pqnet_action *a, uint8_t *owned) {
  if (n->q_len == n->q_cap) {
    size_t cap = n->q_cap ? n->q_cap * 2 : 16;
    action_node *q = malloc(cap * sizeof *q);
    if (!q) {
      free(owned);
      return PQNET_ERR_NOMEM;
    }
    for (size_t i = 0; i < n->q_len; i++) q[i] = n->q[(n->q_head + i) % n->q_cap];
    free(n->q);
    n->q = q;
    n->q_cap = cap;
    n->q_head = 0;
  }
  action_node *slot = &n->q[(n->q_head + n->q_len) % n->q_cap];
  slot->act = *a;
  slot->owned = owned;
  n->q_len++;
  return 0;
}

/* Move the session's pending output into a SEND action. */
void flush(pqnet_node *n, conn *c) {
  size_t len;
  uint8_t *data = pqnet_session_take_output(&c->sess, &len);
  if (!data) return;
  pqnet_action a = {.type = PQNET_ACT_SEND, .conn = c->id, .data = data, .len = len};
  c->bytes_out += len;
  n->stats.bytes_out += len;
  push_action(n, &a, data);
}

/* ---- connection table ---- */

/* n->conns is sorted by id: lookups are a binary search (a seed holds a
 * hundred sessions and every received frame looks its session up). */
static size_t conn_pos(const pqnet_node *n, uint64_t id) {
  size_t lo = 0, hi = n->nconns;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (n->conns[mid]->id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static conn *find(const pqnet_node *n, uint64_t id) {
  size_t i = conn_pos(n, id);
  return i < n->nconns && n->conns[i]->id == id ? n->conns[i] : NULL;
}

static void insert_conn(pqnet_node *n, conn *c) {
  size_t i = conn_pos(n, c->id);
  memmove(&n->conns[i + 1], &n->conns[i], (n->nconns - i) * sizeof *n->conns);
  n->conns[i] = c;
  n->nconns++;
}

static void unlink_conn(pqnet_node *n, const conn *c) {
  size_t i = conn_pos(n, c->id);
  if (i < n->nconns && n->conns[i] == c) {
    memmove(&n->conns[i], &n->conns[i + 1], (n->nconns - i - 1) * sizeof *n->conns);
    n->nconns--;
  }
}

static void remove_conn(pqnet_node *n, conn *c) {
  unlink_conn(n, c);
  n->closed_rekeys += c->sess.rekeys;
  pqnet_session_free(&c->sess);
  free(c->relay_q);
  free(c);
}

static void fill_info(const conn *c, pqnet_peer_info *info) {
  memset(info, 0, sizeof *info);
  info->conn = c->id;
  info->direction = c->dir;
  info->addr = c->addr;
  if (c->open) memcpy(info->peer_id, c->sess.peer_id, PQNET_PEER_ID_LEN);
  info->listen_port = c->sess.peer_port;
  info->services = c->hello.services;
  info->best_height = c->hello.best_height;
  info->user_agent = c->hello.user_agent;
  info->since_ms = c->since;
  info->srtt_ms = c->srtt;
  info->bytes_in = c->bytes_in;
  info->bytes_out = c->bytes_out;
}

/* The session of c ended (by either side): send what it queued, ask the
 * driver to close, tell the embedder once. */
static void conn_closed(pqnet_node *n, conn *c, int reason, const char *text) {
  if (c->closing) return;
  flush(n, c);
  c->closing = 1;
  pqnet_action a = {.type = PQNET_ACT_CLOSE, .conn = c->id, .reason = reason};
  push_action(n, &a, NULL);
  if (!c->open) {
    n->stats.handshakes_failed++;
    if (reason >= 0 && reason < PQNET_REASON_MAX_) n->stats.handshakes_failed_by_reason[reason]++;
  }
  disc_on_closed(n, c, reason, n->now);
  char addr[PQNET_ADDR_STRLEN];
  node_log(n, 3, "%s conn=%llu addr=%s reason=%s: %s",
           c->open ? "peer disconnected" : "handshake failed", (unsigned long long)c->id,
           pqnet_addr_format(&c->addr, addr, sizeof addr), pqnet_reason_name(reason), text);
  if (n->cb.peer_disconnected && !c->feeler) {
    pqnet_peer_info info;
    fill_info(c, &info);
    n->cb.peer_disconnected(n->cb.ctx, &info, reason, text ? text : "");
  }
}

void close_conn(pqnet_node *n, conn *c, int reason, const char *text) {
  pqnet_session_close(&c->sess, reason, text);
  conn_closed(n, c, reason, text ? text : pqnet_reason_name(reason));
  if (node_is_violation(reason)) node_ban_peer(n, c, text ? text : pqnet_reason_name(reason));
}

/* Admission of an authenticated PeerId (PROTOCOL.md §9): not ourselves, not
 * already connected. */

static int admit(void *ctx, const uint8_t peer_id[PQNET_PEER_ID_LEN]) {
  admit_ctx *a = ctx;
  if (memcmp(peer_id, a->n->id->peer_id, PQNET_PEER_ID_LEN) == 0) return PQNET_REASON_SELF;
  for (size_t i = 0; i < a->n->nconns; i++) {
    conn *o = a->n->conns[i];
    if (o != a->c && o->open && !o->closing &&
        memcmp(o->sess.peer_id, peer_id, PQNET_PEER_ID_LEN) == 0)
      return PQNET_REASON_DUPLICATE;
  }
  return 0;
}

/* ---- deadlines ---- */

uint64_t pqnet_node_next_deadline(const pqnet_node *n) {
  uint64_t t = disc_next_deadline(n);
  uint64_t g = gossip_next_deadline(n);
  if (g < t) t = g;
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->closing) continue;
    if (!c->open) {
      if (c->hs_deadline < t) t = c->hs_deadline;
      continue;
    }
    if (c->pong_deadline < t) t = c->pong_deadline;
    if (c->next_ping < t) t = c->next_ping;
    if (c->relay_at < t) t = c->relay_at;
  }
  return t;
}

void announce_deadline(pqnet_node *n) {
  uint64_t t = pqnet_node_next_deadline(n);
  if (t == n->announced_deadline || t == NO_DEADLINE) {
    n->announced_deadline = t;
    return;
  }
  n->announced_deadline = t;
  pqnet_action a = {.type = PQNET_ACT_WAKE, .at = t};
  push_action(n, &a, NULL);
}

/* ---- control messages ---- */

static void send_ping(pqnet_node *n, conn *c, uint64_t now) {
  uint8_t body[8];
  if (pqnet_rng_fill(n->rng, body, sizeof body) != 0) return;
  c->ping_nonce = 0;
  for (int i = 0; i < 8; i++) c->ping_nonce = c->ping_nonce << 8 | body[i];
  c->ping_sent = now;
  c->pong_deadline = now + n->cfg.pong_timeout_ms;
  c->next_ping = NO_DEADLINE; /* re-armed when the Pong arrives */
  pqnet_session_send(&c->sess, PQNET_PROTO_CONTROL, PQNET_CTL_PING, body, sizeof body);
}

static void on_control(pqnet_node *n, conn *c, const pqnet_msg *m, uint64_t now) {
  uint64_t nonce;
  switch (m->type) {
  case PQNET_CTL_PING:
    if (pqnet_nonce_decode(m->body, m->len, &nonce) != 0) {
      close_conn(n, c, PQNET_REASON_MALFORMED, "malformed Ping");
      return;
    }
    pqnet_session_send(&c->sess, PQNET_PROTO_CONTROL, PQNET_CTL_PONG, m->body, m->len);
    return;
  case PQNET_CTL_PONG:
    if (pqnet_nonce_decode(m->body, m->len, &nonce) != 0) {
      close_conn(n, c, PQNET_REASON_MALFORMED, "malformed Pong");
      return;
    }
    if (c->pong_deadline == NO_DEADLINE || nonce != c->ping_nonce) return; /* stale: ignore */
    uint64_t sample = now - c->ping_sent;
    c->srtt = c->srtt ? (7 * c->srtt + sample) / 8 : (sample ? sample : 1);
    c->pong_deadline = NO_DEADLINE;
    c->next_ping = c->ping_sent + n->cfg.ping_interval_ms;
    return;
  case PQNET_CTL_HELLO:
    if (pqnet_hello_decode(m->body, m->len, &c->hello) != 0) {
      close_conn(n, c, PQNET_REASON_MALFORMED, "malformed Hello");
      return;
    }
    c->have_hello = 1;
    disc_on_hello(n, c, now);
    if (n->cb.peer_hello) {
      pqnet_peer_info info;
      fill_info(c, &info);
      n->cb.peer_hello(n->cb.ctx, &info);
    }
    return;
  case PQNET_CTL_REJECT: {
    pqnet_reason_msg r;
    if (pqnet_reason_decode(m->body, m->len, &r) == 0)
      node_log(n, 1, "peer rejected a message conn=%llu reason=%s: %s", (unsigned long long)c->id,
               pqnet_reason_name(r.reason), r.text);
    return;
  }
  default: n->unknown_control++; return; /* §6: unknown control types are ignored */
  }
}

static void on_open(pqnet_node *n, conn *c, uint64_t now) {
  pqnet_hello h;
  uint8_t body[32 + PQNET_USER_AGENT_MAX];
  c->open = 1;
  c->since = now;
  c->next_ping = now + n->cfg.ping_interval_ms;
  c->pong_deadline = NO_DEADLINE;
  n->stats.handshakes_ok++;
  memset(&h, 0, sizeof h);
  h.listen_port = n->cfg.listen_port;
  h.services = n->cfg.services;
  h.best_height = n->best_height;
  memcpy(h.user_agent, n->cfg.user_agent, sizeof h.user_agent);
  long len = pqnet_hello_encode(body, sizeof body, &h);
  if (len > 0)
    pqnet_session_send(&c->sess, PQNET_PROTO_CONTROL, PQNET_CTL_HELLO, body, (size_t)len);
  flush(n, c);
  disc_on_open(n, c, now);
  char hex[65], addr[PQNET_ADDR_STRLEN];
  node_log(n, 3, "peer connected conn=%llu addr=%s dir=%s peer_id=%s", (unsigned long long)c->id,
           pqnet_addr_format(&c->addr, addr, sizeof addr),
           c->dir == PQNET_OUTBOUND ? "outbound" : "inbound",
           pqnet_peer_id_hex(c->sess.peer_id, hex, sizeof hex));
  if (n->cb.peer_connected && !c->feeler) {
    pqnet_peer_info info;
    fill_info(c, &info);
    n->cb.peer_connected(n->cb.ctx, &info);
  }
}

/* ---- public API ---- */

int pqnet_node_new(const pqnet_node_config *cfg, const pqnet_identity *id, const pqnet_rng *rng,
                   const pqnet_node_callbacks *cb, pqnet_node **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!cfg || !id || !rng) return PQNET_ERR_INVALID_ARG;
  size_t clen = strnlen(cfg->chain_id, sizeof cfg->chain_id);
  if (clen == 0 || clen > PQNET_CHAIN_ID_MAX) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < clen; i++)
    if (cfg->chain_id[i] < 0x21 || cfg->chain_id[i] > 0x7e) return PQNET_ERR_INVALID_ARG;
  pqnet_node *n = calloc(1, sizeof *n);
  if (!n) return PQNET_ERR_NOMEM;
  n->cfg = *cfg;
  n->cfg.chain_id[PQNET_CHAIN_ID_MAX] = '\0';
  n->cfg.user_agent[PQNET_USER_AGENT_MAX] = '\0';
  if (n->cfg.max_frame < 1024) n->cfg.max_frame = 1024;
  if (n->cfg.max_frame > PQNET_FRAME_ABSOLUTE_MAX) n->cfg.max_frame = PQNET_FRAME_ABSOLUTE_MAX;
  if (!n->cfg.max_connections) n->cfg.max_connections = 256;
  n->id = id;
  n->rng = rng;
  if (cb) n->cb = *cb;
  n->announced_deadline = NO_DEADLINE;
  int rc = disc_init(n);
  if (rc == 0) rc = gossip_init(n);
  if (rc) {
    disc_free(n);
    free(n);
    return rc;
  }
  *out = n;
  return 0;
}

void pqnet_node_del(pqnet_node *n) {
  if (!n) return;
  while (n->nconns) remove_conn(n, n->conns[0]);
  free(n->conns);
  for (size_t i = 0; i < n->q_len; i++) free(n->q[(n->q_head + i) % n->q_cap].owned);
  free(n->q);
  free(n->last_polled);
  disc_free(n);
  gossip_free(n);
  bans_free(n);
  free(n);
}

int pqnet_node_connected(pqnet_node *n, uint64_t id, const pqnet_addr *addr, pqnet_direction dir,
                         uint64_t now) {
  if (!n || id == 0 || !addr || find(n, id)) return PQNET_ERR_INVALID_ARG;
  if (now > n->now) n->now = now;
  int refuse = n->nconns >= n->cfg.max_connections ? PQNET_REASON_TOO_MANY_PEERS : 0;
  if (!refuse && dir == PQNET_INBOUND && pqnet_node_is_banned(n, addr, now)) {
    refuse = PQNET_REASON_BANNED;
    n->stats.refused_banned++;
  }
  if (!refuse && dir == PQNET_INBOUND) refuse = disc_admit_inbound(n, now);
  if (refuse) {
    char buf[PQNET_ADDR_STRLEN];
    node_log(n, 3, "refusing connection conn=%llu addr=%s reason=%s", (unsigned long long)id,
             pqnet_addr_format(addr, buf, sizeof buf), pqnet_reason_name(refuse));
    pqnet_action a = {.type = PQNET_ACT_CLOSE, .conn = id, .reason = refuse};
    push_action(n, &a, NULL);
    return PQNET_ERR_TOO_LARGE;
  }
  if (n->nconns == n->cap_conns) {
    size_t cap = n->cap_conns ? n->cap_conns * 2 : 8;
    conn **p = realloc(n->conns, cap * sizeof *p);
    if (!p) return PQNET_ERR_NOMEM;
    n->conns = p;
    n->cap_conns = cap;
  }
  conn *c = calloc(1, sizeof *c);
  if (!c) return PQNET_ERR_NOMEM;
  c->id = id;
  c->addr = *addr;
  c->dir = dir;
  c->created = now;
  c->hs_deadline = now + n->cfg.handshake_timeout_ms;
  c->next_ping = c->pong_deadline = NO_DEADLINE;
  c->addr_tokens = (uint64_t)n->cfg.addr_burst * 1000 / 10; /* a new peer starts with 10% */
  c->addr_refill = now;
  c->relay_at = NO_DEADLINE;
  insert_conn(n, c);
  if (dir == PQNET_OUTBOUND) disc_on_connected(n, c, now);

  c->actx.n = n;
  c->actx.c = c;
  pqnet_session_params p = {
      .initiator = dir == PQNET_OUTBOUND,
      .chain_id = n->cfg.chain_id,
      .genesis = n->cfg.genesis,
      .listen_port = n->cfg.listen_port,
      .id = n->id,
      .rng = n->rng,
      .max_frame = n->cfg.max_frame,
      .rekey_frames = n->cfg.rekey_frames,
      .rekey_bytes = n->cfg.rekey_bytes,
      .admit = admit,
  };
  p.admit_ctx = &c->actx;
  int rc = pqnet_session_init(&c->sess, &p);
  if (rc) {
    unlink_conn(n, c);
    free(c);
    return rc;
  }
  flush(n, c);
  announce_deadline(n);
  return 0;
}

/* Run the session over received bytes, acting on each event. */
int pqnet_node_received(pqnet_node *n, uint64_t id, const uint8_t *data, size_t len, uint64_t now) {
  conn *c = n ? find(n, id) : NULL;
  if (!c) return PQNET_ERR_STATE;
  if (now > n->now) n->now = now;
  c->bytes_in += len;
  n->stats.bytes_in += len;
  while (len > 0 && !c->closing) {
    pqnet_sess_event ev;
    size_t used = pqnet_session_recv(&c->sess, data, len, &ev);
    data += used;
    len -= used;
    switch (ev.type) {
    case PQNET_SEV_NONE: break;
    case PQNET_SEV_OPEN: on_open(n, c, now); break;
    case PQNET_SEV_MESSAGE:
      n->stats.frames_in++;
      if (ev.msg.protocol == PQNET_PROTO_CONTROL)
        on_control(n, c, &ev.msg, now);
      else if (ev.msg.protocol == PQNET_PROTO_DISCOVERY)
        disc_on_message(n, c, &ev.msg, now);
      else if (ev.msg.protocol == PQNET_PROTO_GOSSIP)
        gossip_on_message(n, c, &ev.msg, now);
      else if (n->cb.message)
        n->cb.message(n->cb.ctx, c->id, ev.msg.protocol, ev.msg.type, ev.msg.body, ev.msg.len);
      break;
    case PQNET_SEV_CLOSED:
      conn_closed(n, c, ev.reason, ev.text);
      /* Our own detection of the peer's fault, not the peer's Reject of us. */
      if (!ev.remote && node_is_violation(ev.reason)) node_ban_peer(n, c, ev.text);
      break;
    }
    if (used == 0 && ev.type == PQNET_SEV_NONE) break; /* cannot happen; stay safe */
  }
  if (!c->closing) flush(n, c);
  announce_deadline(n);
  return 0;
}

int pqnet_node_closed(pqnet_node *n, uint64_t id, uint64_t now) {
  conn *c = n ? find(n, id) : NULL;
  if (!c) return PQNET_ERR_STATE;
  if (now > n->now) n->now = now;
  if (!c->closing) {
    /* The peer hung up (or the transport failed) before we decided to. */
    pqnet_session_close(&c->sess, PQNET_REASON_CLOSED, NULL);
    c->closing = 1;
    if (!c->open) {
      n->stats.handshakes_failed++;
      n->stats.handshakes_failed_by_reason[PQNET_REASON_CLOSED]++;
    }
    disc_on_closed(n, c, PQNET_REASON_CLOSED, now);
    char addr[PQNET_ADDR_STRLEN];
    node_log(n, 3, "%s conn=%llu addr=%s reason=transport-closed",
             c->open ? "peer disconnected" : "handshake failed", (unsigned long long)c->id,
             pqnet_addr_format(&c->addr, addr, sizeof addr));
    if (n->cb.peer_disconnected && !c->feeler) {
      pqnet_peer_info info;
      fill_info(c, &info);
      n->cb.peer_disconnected(n->cb.ctx, &info, PQNET_REASON_CLOSED,
                              c->open ? "connection closed by peer"
                                      : "connection closed during the handshake");
    }
  }
  remove_conn(n, c);
  announce_deadline(n);
  return 0;
}

void pqnet_node_tick(pqnet_node *n, uint64_t now) {
  if (!n) return;
  if (now > n->now) n->now = now;
  /* Every tick ends with a WAKE for the next deadline, even an unchanged one,
   * so a driver whose timer fired early is re-armed. */
  n->announced_deadline = NO_DEADLINE;
  for (size_t i = 0; i < n->nconns; i++) {
    conn *c = n->conns[i];
    if (c->closing) continue;
    if (!c->open) {
      if (now >= c->hs_deadline) {
        char text[64];
        snprintf(text, sizeof text, "handshake not finished within %u ms",
                 n->cfg.handshake_timeout_ms);
        close_conn(n, c, PQNET_REASON_HANDSHAKE_TIMEOUT, text);
      }
      continue;
    }
    if (now >= c->pong_deadline) {
      char text[64];
      snprintf(text, sizeof text, "no Pong within %u ms", n->cfg.pong_timeout_ms);
      close_conn(n, c, PQNET_REASON_PING_TIMEOUT, text);
      continue;
    }
    if (now >= c->next_ping) {
      send_ping(n, c, now);
      flush(n, c);
    }
    if (now >= c->relay_at) disc_relay_flush(n, c);
  }
  bans_expire(n, now);
  disc_tick(n, now);
  gossip_tick(n, now);
  announce_deadline(n);
}

int pqnet_node_send(pqnet_node *n, uint64_t id, uint16_t protocol, uint8_t type,
                    const uint8_t *body, size_t len, uint64_t now) {
  (void)now;
  if (!n || protocol < PQNET_PROTO_APP_MIN || (!body && len)) return PQNET_ERR_INVALID_ARG;
  conn *c = find(n, id);
  if (!c || !c->open || c->closing) return PQNET_ERR_STATE;
  return node_send_msg(n, c, protocol, type, body, len);
}

int pqnet_node_disconnect(pqnet_node *n, uint64_t id, int reason, const char *text, uint64_t now) {
  conn *c = n ? find(n, id) : NULL;
  if (!c || c->closing) return PQNET_ERR_STATE;
  if (now > n->now) n->now = now;
  close_conn(n, c, reason, text);
  announce_deadline(n);
  return 0;
}

void pqnet_node_shutdown(pqnet_node *n, uint64_t now) {
  if (!n) return;
  if (now > n->now) n->now = now;
  for (size_t i = 0; i < n->nconns; i++)
    if (!n->conns[i]->closing)
      close_conn(n, n->conns[i], PQNET_REASON_SHUTDOWN, "node shutting down");
  announce_deadline(n);
}

int pqnet_node_poll(pqnet_node *n, pqnet_action *act) {
  free(n->last_polled);
  n->last_polled = NULL;
  if (n->q_len == 0) {
    memset(act, 0, sizeof *act);
    return 0;
  }
  action_node *slot = &n->q[n->q_head];
  *act = slot->act;
  n->last_polled = slot->owned;
  n->q_head = (n->q_head + 1) % n->q_cap;
  n->q_len--;
  return 1;
}

int pqnet_node_peer_info(const pqnet_node *n, uint64_t id, pqnet_peer_info *info) {
  const conn *c = n ? find(n, id) : NULL;
  if (!c || !info) return PQNET_ERR_STATE;
  fill_info(c, info);
  return 0;
}

size_t pqnet_node_peer_count(const pqnet_node *n, int dir) {
  size_t k = 0;
  for (size_t i = 0; i < n->nconns; i++) {
    const conn *c = n->conns[i];
    if (c->open && !c->closing && (dir < 0 || (int)c->dir == dir)) k++;
  }
  return k;
}

size_t pqnet_node_peers(const pqnet_node *n, uint64_t *out, size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < n->nconns && k < max; i++)
    if (n->conns[i]->open && !n->conns[i]->closing) out[k++] = n->conns[i]->id;
  return k;
}

size_t pqnet_node_connection_count(const pqnet_node *n) {
  return n->nconns;
}

const pqnet_node_stats *pqnet_node_get_stats(const pqnet_node *n) {
  return &n->stats;
}

uint64_t pqnet_node_rekeys(const pqnet_node *n) {
  uint64_t k = n->closed_rekeys;
  for (size_t i = 0; i < n->nconns; i++) k += n->conns[i]->sess.rekeys;
  return k;
}

void pqnet_node_set_best_height(pqnet_node *n, uint64_t height) {
  if (n) n->best_height = height;
}
